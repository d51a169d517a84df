/* Candidates' accounts and profiles, their CV, their data (export, deletion) and the prescribers that follow
 * them. */
#include "domain/candidates/candidate.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/time.h"
#include "core/utf8.h"
#include "domain/accounts/account.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/candidates/eligibility.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/outbox.h"
#include "domain/kernel/refsnap.h"
#include "domain/kernel/scope.h"
#include "domain/geo/refdata.h"
#include "model/candidates/candidate.h"

#define WISHED_MAX 64
#define AGE_MIN 14
#define AGE_MAX 99
#define CV_EOF_WINDOW 1024
/* Any signed-in person (authz_require's mask of every role). */
#define ROLES_ALL (~0u)

/* ---- who reads ----------------------------------------------------------------------------------------- */

static bool
is_admin(const struct ctx *ctx, json_t *row)
{
	(void)row;
	return actor_has(ctx->actor, ROLE_ADMIN);
}

static bool
is_self(const struct ctx *ctx, json_t *row)
{
	return ctx->actor->person_id == json_integer_value(json_object_get(row, "id"));
}

/* A person's data is reached through a relationship they made or accepted, or through their contract. */
static const struct scope_rule candidate_rules[] = {
	{ "admin (the platform's operator)", ROLE_BIT(ROLE_ADMIN), "1 = 1", is_admin },
	{ "the candidate", 0, "c.person_id = ?", is_self },
	{ "a structure they applied to, or whose proposal they accepted", ROLE_BIT(ROLE_EMPLOYER),
	    "EXISTS (SELECT 1 FROM applications sa JOIN offers so ON so.id = sa.offer_id WHERE sa.candidate_id = "
	    "c.person_id AND sa.consented_at IS NOT NULL AND so.organisation_id IN " SCOPE_ORGS("employer") ")",
	    NULL },
	{ "a prescriber they accepted or invited", ROLE_BIT(ROLE_PRESCRIBER), "c.person_id IN " SCOPE_FOLLOWED, NULL },
	{ "a national officer, once they have a contract", ROLE_BIT(ROLE_NATIONAL),
	    "EXISTS (SELECT 1 FROM contracts sk WHERE sk.candidate_id = c.person_id)", NULL },
	{ "the pole or regional officer of their contract's region", ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL),
	    "EXISTS (SELECT 1 FROM contracts sk WHERE sk.candidate_id = c.person_id AND (sk.region_code "
	    "IN " SCOPE_REGIONS("pole") " OR sk.region_code IN " SCOPE_REGIONS("regional") "))",
	    NULL },
};

const struct scope candidate_scope = { "candidate", "candidates c", "c.person_id", candidate_rules,
	sizeof(candidate_rules) / sizeof(candidate_rules[0]) };

tr_err
candidate_follower_org(struct ctx *ctx, int64_t candidate_id, int64_t *org_id)
{
	struct db_rows *r;
	tr_err err;

	err = db_onev(ctx->db, ctx->arena,
	    "SELECT MIN(sf.organisation_id) FROM candidate_followers sf JOIN memberships sm ON sm.organisation_id = "
	    "sf.organisation_id AND sm.role = 'prescriber' WHERE sm.person_id = ? AND sf.candidate_id = ? AND "
	    "sf.state = 'accepted'",
	    &r, DB_I64(ctx->actor ? ctx->actor->person_id : 0), DB_I64(candidate_id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (db_isnull(db_cell(r, 0, 0)))
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce candidat n'existe pas.");
	*org_id = db_int(db_cell(r, 0, 0));
	return TR_OK;
}

tr_err
candidate_can_read(struct ctx *ctx, int64_t candidate_id)
{
	json_t *row;
	bool ok = false;
	tr_err err;

	if ((err = authz_require(ctx, ROLES_ALL)) != TR_OK)
		return err;
	row = json_pack("{s:I}", "id", (json_int_t)candidate_id);
	err = scope_check(ctx, &candidate_scope, row, candidate_id, &ok);
	json_decref(row);
	if (err != TR_OK)
		return err;
	return ok ? TR_OK : ctx_fail(ctx, TR_NOT_FOUND, "Ce candidat n'existe pas.");
}

/* The candidate themself, or an admin. */
static tr_err
require_self(struct ctx *ctx, int64_t id)
{
	tr_err err = authz_require(ctx, ROLES_ALL);

	if (err != TR_OK)
		return err;
	if (ctx->actor->person_id == id || actor_has(ctx->actor, ROLE_ADMIN))
		return TR_OK;
	return ctx_fail(ctx, TR_FORBIDDEN, "Seul le candidat peut modifier son propre profil.");
}

/* ---- checking a profile -------------------------------------------------------------------------------- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Reads one job profile id from V (an integer, or a string of digits, of N bytes) into IDS. */
static bool
wished_one(const char *s, size_t n, int64_t *ids, size_t *count)
{
	long long x;

	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0)
		return true;
	if (!str_to_i64((struct str){ s, n }, &x) || x < 1 || *count >= WISHED_MAX)
		return false;
	ids[(*count)++] = x;
	return true;
}

/* The wished job profiles V (absent, a JSON array of ids, or a '|'- or ','-joined string) as canonical
 * '|'-joined ids of active job profiles, in *OUT; field errors on "wished_profiles". */
static tr_err
wished_check(struct ctx *ctx, json_t *v, const char **out)
{
	int64_t ids[WISHED_MAX];
	size_t count = 0, i, k = 0;
	const char *joined = "";
	bool ok = true;
	json_t *x;

	*out = "";
	if (json_is_string(v)) {
		for (const char *p = json_string_value(v); ok && *p;) {
			size_t n = strcspn(p, "|,");
			ok = wished_one(p, n, ids, &count);
			p += n + (p[n] != '\0');
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (json_is_integer(x)) {
				ok = ok && json_integer_value(x) >= 1 && count < WISHED_MAX;
				if (ok)
					ids[count++] = json_integer_value(x);
			} else {
				ok = ok && json_is_string(x) &&
				     wished_one(json_string_value(x), json_string_length(x), ids, &count);
			}
		}
	} else if (v != NULL && !json_is_null(v)) {
		ok = false;
	}
	if (!ok) {
		field_errors_add(&ctx->errors, "wished_profiles",
		    "« Métiers souhaités » doit être une liste de fiches métiers (64 au plus).");
		return TR_INVALID;
	}
	qsort(ids, count, sizeof(ids[0]), cmp_i64);
	for (i = 0; i < count; i++) {
		struct db_rows *r;
		tr_err err;
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		err = db_onev(
		    ctx->db, ctx->arena, "SELECT id FROM job_profiles WHERE id = ? AND active = 1", &r, DB_I64(ids[i]));
		if (err == TR_NOT_FOUND) {
			field_errors_add(&ctx->errors, "wished_profiles",
			    arena_printf(ctx->arena,
			        "« Métiers souhaités » : la fiche métier n° %lld n'existe pas ou n'est plus proposée.",
			        (long long)ids[i]));
			return TR_INVALID;
		}
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
		joined = arena_printf(ctx->arena, "%s%s%lld", joined, k++ ? "|" : "", (long long)ids[i]);
	}
	*out = joined;
	return TR_OK;
}

/* A checked profile, ready to be stored. */
struct profile {
	json_t *clean; /* entity_candidate's normalised values (owned) */
	const char *wished;
	const struct commune_geo *geo;
};

/* Validates the profile members of IN into P; every problem becomes a field error. TR_INVALID, a storage
 * error, or TR_OK. P->clean is set in every case (json_decref it). */
static tr_err
profile_check(struct ctx *ctx, json_t *in, struct profile *p)
{
	const char *today = date_iso(ctx->arena, ctx->now), *birth, *seeking, *commune;
	tr_err err;

	p->wished = "";
	p->geo = NULL;
	/* Its errors are in ctx->errors, with the others'. */
	if (entity_validate(&entity_candidate, in, false, ctx->arena, &ctx->errors, &p->clean) != TR_OK &&
	    p->clean == NULL)
		return TR_INVALID;
	birth = json_str(p->clean, "birth_date");
	seeking = json_str(p->clean, "seeking_since");
	commune = json_str(p->clean, "commune_code");
	if (birth) {
		int months = date_months_between(birth, today);
		if (months < 0)
			field_errors_add(
			    &ctx->errors, "birth_date", "« Date de naissance » ne peut pas être dans le futur.");
		else if (months / 12 < AGE_MIN || months / 12 > AGE_MAX)
			field_errors_add(&ctx->errors, "birth_date",
			    "« Date de naissance » : l'âge doit être compris entre 14 et 99 ans.");
	}
	if (seeking && strcmp(seeking, today) > 0)
		field_errors_add(&ctx->errors, "seeking_since",
		    "« En recherche d'emploi depuis le » ne peut pas être dans le futur.");
	else if (seeking && birth && strcmp(seeking, birth) < 0)
		field_errors_add(&ctx->errors, "seeking_since",
		    "« En recherche d'emploi depuis le » ne peut pas précéder la date de naissance.");
	if (commune) {
		if ((err = commune_locate(ctx, NULL, commune, "", "", &p->geo)) != TR_OK)
			return ctx_storage_error(ctx, err);
		if (p->geo == NULL)
			field_errors_add(&ctx->errors, "commune_code",
			    arena_printf(ctx->arena,
			        "« Commune de résidence (code INSEE) » : le code %s ne désigne aucune commune.",
			        commune));
	}
	err = wished_check(ctx, json_object_get(in, "wished_profiles"), &p->wished);
	if (err != TR_OK && err != TR_INVALID)
		return err;
	if (json_str(p->clean, "priority_area") == NULL)
		json_object_set_new(p->clean, "priority_area", json_string("none"));
	if (!json_is_integer(json_object_get(p->clean, "max_distance_km")))
		json_object_set_new(p->clean, "max_distance_km", json_integer(CANDIDATE_DISTANCE_DEFAULT));
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

#define PROFILE_COLS                                                                                                 \
	"birth_date, commune_code, latitude, longitude, qualification_level, digital_diploma, rqth, seeking_since, " \
	"priority_area, max_distance_km, available_from, hidden, sex"
#define PROFILE_NCOLS 13
/* The wished job profiles, as rows. */
#define WISHED_DELETE "DELETE FROM candidate_wished_profiles WHERE candidate_id = ?"
#define WISHED_INSERT "INSERT INTO candidate_wished_profiles (candidate_id, job_profile_id) VALUES (?, ?)"

/* The values of PROFILE_COLS for P, into V. */
static void
profile_values(const struct profile *p, struct db_val *v)
{
	json_t *c = p->clean;
	bool located = p->geo != NULL && p->geo->located;

	v[0] = DB_TEXT(json_str(c, "birth_date"));
	v[1] = DB_TEXT(p->geo ? p->geo->code : NULL);
	v[2] = located ? DB_REAL(p->geo->latitude) : DB_NULLV;
	v[3] = located ? DB_REAL(p->geo->longitude) : DB_NULLV;
	v[4] = DB_TEXT(json_str(c, "qualification_level"));
	v[5] = DB_BOOL(json_is_true(json_object_get(c, "digital_diploma")));
	v[6] = DB_BOOL(json_is_true(json_object_get(c, "rqth")));
	v[7] = DB_TEXT(json_str(c, "seeking_since"));
	v[8] = DB_TEXT(json_str(c, "priority_area"));
	v[9] = DB_I64(json_integer_value(json_object_get(c, "max_distance_km")));
	v[10] = DB_TEXT(json_str(c, "available_from"));
	v[11] = DB_BOOL(json_is_true(json_object_get(c, "hidden")));
	v[12] = DB_TEXT(json_str(c, "sex"));
}

/* Inserts the profile of person ID; *INSERTED false when one exists already. */
static tr_err
profile_insert(struct ctx *ctx, int64_t id, const struct profile *p, bool *inserted)
{
	struct db_val v[PROFILE_NCOLS + 3];
	int64_t changes = 0;
	tr_err err;

	v[0] = DB_I64(id);
	profile_values(p, v + 1);
	v[PROFILE_NCOLS + 1] = DB_I64(ctx->now);
	v[PROFILE_NCOLS + 2] = DB_I64(ctx->now);
	err = db_exec(ctx->db,
	    "INSERT INTO candidates (person_id, " PROFILE_COLS ", created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO NOTHING",
	    v, PROFILE_NCOLS + 3, &changes);
	*inserted = changes == 1;
	if (err == TR_OK && *inserted)
		err = rows_replace(ctx, WISHED_DELETE, WISHED_INSERT, id, p->wished, true);
	return err;
}

/* The names of the profile's fields present in CLEAN, for the journal (never their values: the journal
 * cannot be erased). */
static json_t *
field_names(const struct profile *p)
{
	json_t *names = json_array();
	const char *k;
	json_t *v;

	json_object_foreach(p->clean, k, v) json_array_append_new(names, json_string(k));
	if (*p->wished)
		json_array_append_new(names, json_string("wished_profiles"));
	return json_pack("{s:o}", "fields", names);
}

/* ---- registration -------------------------------------------------------------------------------------- */

static void
password_check(struct ctx *ctx, const char *password, const char *confirm)
{
	size_t n = password ? strlen(password) : 0;

	if (n == 0)
		field_errors_add(&ctx->errors, "password", "« Mot de passe » est obligatoire.");
	else if (!utf8_valid(password, n))
		field_errors_add(&ctx->errors, "password", "« Mot de passe » contient des caractères invalides.");
	else if (utf8_length(password, n) < PASSWORD_MIN_CHARS)
		field_errors_add(&ctx->errors, "password", "« Mot de passe » doit compter 12 caractères au moins.");
	else if (n > 1024)
		field_errors_add(&ctx->errors, "password", "« Mot de passe » ne doit pas dépasser 1 024 octets.");
	else if (confirm == NULL || strcmp(password, confirm) != 0)
		field_errors_add(&ctx->errors, "password_confirm",
		    "« Confirmation du mot de passe » ne correspond pas au mot de passe.");
}

tr_err
candidate_register(struct ctx *ctx, json_t *in, int64_t *id)
{
	struct profile p = { NULL, "", NULL };
	json_t *account = NULL, *detail;
	const char *password, *confirm;
	char hash[SEC_PASSWORD_HASH_MAX];
	struct db_rows *r;
	bool inserted, proceed = false, self = ctx->actor == NULL;
	tr_err err;

	if (ctx->actor != NULL && !actor_has(ctx->actor, ROLE_ADMIN))
		return ctx_fail(
		    ctx, TR_FORBIDDEN, "Vous êtes déjà connecté : déconnectez-vous pour créer un compte candidat.");
	if (!json_is_object(in)) {
		field_errors_add(&ctx->errors, "_", "Le contenu envoyé doit être un objet JSON.");
		return TR_INVALID;
	}
	if (entity_validate(&entity_candidate_account, in, false, ctx->arena, &ctx->errors, &account) != TR_OK &&
	    account == NULL)
		return TR_INVALID;
	password = json_str(in, "password");
	confirm = json_object_get(in, "password_confirm") ? json_str(in, "password_confirm") : password;
	password_check(ctx, password, confirm);
	err = profile_check(ctx, in, &p);
	if (err != TR_OK)
		goto out_nodb;
	/* Hashed whether or not the email has an account: the time taken tells nothing either. */
	if (sec_password_hash(password, strlen(password), hash) != TR_OK) {
		err = ctx_fail(ctx, TR_INTERNAL, "Le mot de passe n'a pas pu être chiffré.");
		goto out_nodb;
	}
	*id = 0;
	/* A visitor gets the same answer whether or not the email has an account: the gate tells its owner by
	 * email, and a new account opens only through the confirmation link. */
	if (self && ((err = account_signup_gate(ctx, json_str(account, "email"), &proceed)) != TR_OK || !proceed))
		goto out_nodb;
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO people (email, name, password_hash, active, created_at, updated_at, confirmed_at) VALUES (?, "
	    "?, ?, 1, ?, ?, ?) RETURNING id",
	    &r, DB_TEXT(json_str(account, "email")), DB_TEXT(json_str(account, "name")), DB_TEXT(hash),
	    DB_I64(ctx->now), DB_I64(ctx->now), self ? DB_NULLV : DB_I64(ctx->now));
	if (err == TR_CONFLICT && self) {
		/* Registered at the same moment by another request: rolled back, and the same answer. */
		err = tx_end(ctx, TR_CONFLICT) == TR_CONFLICT ? TR_OK : TR_INTERNAL;
		goto out_nodb;
	}
	if (err == TR_CONFLICT) {
		field_errors_add(&ctx->errors, "email", "Un compte existe déjà avec cette adresse électronique.");
		err = TR_INVALID;
		goto out;
	}
	TRY(err);
	*id = db_int(db_cell(r, 0, 0));
	TRY(db_execv(ctx->db,
	    "INSERT INTO memberships (person_id, role, organisation_id, created_at) VALUES (?, 'candidate', NULL, ?)",
	    NULL, DB_I64(*id), DB_I64(ctx->now)));
	TRY(profile_insert(ctx, *id, &p, &inserted));
	detail = json_pack("{s:s, s:b}", "role", "candidate", "self_registration", ctx->actor == NULL);
	err = journal_append(ctx, "person", *id, "register", detail);
	json_decref(detail);
	TRY(err);
	detail = field_names(&p);
	err = journal_append(ctx, "candidate", *id, "create", detail);
	json_decref(detail);
	if (err == TR_OK && self)
		err = account_send_confirmation(ctx, *id, json_str(account, "email"), json_str(account, "name"));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(account);
	json_decref(p.clean);
	return err;
}

/* ---- the profile --------------------------------------------------------------------------------------- */

static void
set_bool(json_t *o, const char *key)
{
	json_object_set_new(o, key, json_boolean(json_integer_value(json_object_get(o, key)) != 0));
}

/* The wished profiles '|'-joined in O's "wished_profiles" as ids and titles (from the reference data in memory). */
static tr_err
wished_json(struct ctx *ctx, json_t *o)
{
	const char *s = json_str(o, "wished_profiles");
	json_t *ids = json_array(), *titles = json_array();
	const struct refsnap *snap;
	tr_err err = refsnap_acquire(ctx, &snap);

	if (err != TR_OK) {
		json_decref(ids);
		json_decref(titles);
		return err;
	}
	for (const char *p = s ? s : ""; *p;) {
		size_t n = strcspn(p, "|");
		long long x;
		if (str_to_i64((struct str){ p, n }, &x)) {
			const struct ref_job_profile *jp = refsnap_job_profile(snap, x);
			const struct ref_programme *pr = jp ? refsnap_programme(snap, jp->programme_id) : NULL;
			json_array_append_new(ids, json_integer(x));
			if (jp != NULL)
				json_array_append_new(titles, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)x, "title",
				                                  jp->title, "programme_name", pr ? pr->name : ""));
		}
		p += n + (p[n] == '|');
	}
	refsnap_release(snap);
	json_object_set_new(o, "wished_profiles", ids);
	json_object_set_new(o, "wished_profile_titles", titles);
	return TR_OK;
}

#define CANDIDATE_SELECT                                                                                               \
	"SELECT c.person_id AS id, p.email, p.name, c.birth_date, c.commune_code, cm.name AS commune_name, "           \
	"cm.departement_code, cm.region_code, c.latitude, c.longitude, c.qualification_level, c.digital_diploma, "     \
	"c.rqth, c.seeking_since, c.priority_area, c.max_distance_km, c.available_from, "                              \
	"c.hidden, c.sex, c.cv_name, c.cv_size, c.cv_sha256, c.created_at, c.updated_at, c.version FROM candidates c " \
	"JOIN people p ON p.id = c.person_id LEFT JOIN communes cm ON cm.code = c.commune_code "

tr_err
candidate_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r, *f;
	const char *level, *area, *birth, *wished;
	json_t *o;
	tr_err err;

	if ((err = candidate_can_read(ctx, id)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, CANDIDATE_SELECT "WHERE c.person_id = ?", &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce candidat n'a pas encore de profil.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	/* The candidate (and admins) see every request and its answer; others see the accepted followers. */
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT f.organisation_id, o.name AS organisation_name, f.since, f.state, f.decided_at FROM "
	    "candidate_followers f JOIN organisations o ON o.id = f.organisation_id WHERE f.candidate_id = ? AND "
	    "(f.state = 'accepted' OR CAST(? AS BIGINT) = 1) ORDER BY o.name, o.id",
	    &f, DB_I64(id), DB_BOOL(ctx->actor->person_id == id || actor_has(ctx->actor, ROLE_ADMIN)));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	o = row_json(r, 0);
	set_bool(o, "digital_diploma");
	set_bool(o, "rqth");
	set_bool(o, "hidden");
	level = json_str(o, "qualification_level");
	area = json_str(o, "priority_area");
	birth = json_str(o, "birth_date");
	json_object_set_new(o, "qualification_label",
	    level && vocab_label(&vocab_qualification_level, level)
	        ? json_string(vocab_label(&vocab_qualification_level, level))
	        : json_null());
	json_object_set_new(o, "priority_area_label",
	    area && vocab_label(&vocab_priority_area, area) ? json_string(vocab_label(&vocab_priority_area, area))
	                                                    : json_null());
	if (birth && date_months_between(birth, date_iso(ctx->arena, ctx->now)) >= 0)
		json_object_set_new(
		    o, "age", json_integer(date_months_between(birth, date_iso(ctx->arena, ctx->now)) / 12));
	else
		json_object_set_new(o, "age", json_null());
	if (json_is_string(json_object_get(o, "cv_name")))
		json_object_set_new(o, "cv",
		    json_pack("{s:O, s:O, s:O}", "name", json_object_get(o, "cv_name"), "size",
		        json_object_get(o, "cv_size"), "sha256", json_object_get(o, "cv_sha256")));
	else
		json_object_set_new(o, "cv", json_null());
	json_object_del(o, "cv_name");
	json_object_del(o, "cv_size");
	json_object_del(o, "cv_sha256");
	json_object_set_new(o, "followers", rows_json(f));
	if ((err = rows_joined(ctx,
	         "SELECT job_profile_id FROM candidate_wished_profiles WHERE candidate_id = ? ORDER BY job_profile_id",
	         id, &wished)) != TR_OK) {
		json_decref(o);
		return ctx_storage_error(ctx, err);
	}
	json_object_set_new(o, "wished_profiles", json_string(wished));
	if ((err = wished_json(ctx, o)) != TR_OK) {
		json_decref(o);
		return err;
	}
	*out = o;
	return TR_OK;
}

/* The birth date and sex an identity provider certified (person_identities, FranceConnect) replace whatever CLEAN
 * says: they are read-only in the profile. */
static tr_err
certified_identity(struct ctx *ctx, int64_t id, json_t *clean)
{
	struct db_rows *r;
	const char *gender;
	tr_err err = db_onev(
	    ctx->db, ctx->arena, "SELECT birthdate, gender FROM person_identities WHERE person_id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return TR_OK;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (!db_isnull(db_cell(r, 0, 0)))
		json_object_set_new(clean, "birth_date", json_string(db_text(db_cell(r, 0, 0))));
	gender = db_isnull(db_cell(r, 0, 1)) ? "" : db_text(db_cell(r, 0, 1));
	if (strcmp(gender, "female") == 0 || strcmp(gender, "male") == 0)
		json_object_set_new(clean, "sex", json_string(gender[0] == 'f' ? "F" : "M"));
	return TR_OK;
}

tr_err
candidate_save(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	struct profile p = { NULL, "", NULL };
	struct db_val v[PROFILE_NCOLS + 3];
	struct db_rows *r;
	int64_t changed = 0;
	bool inserted;
	json_t *detail;
	tr_err err;

	if ((err = require_self(ctx, id)) != TR_OK)
		return err;
	if ((err = profile_check(ctx, in, &p)) != TR_OK)
		goto out_nodb;
	if ((err = certified_identity(ctx, id, p.clean)) != TR_OK)
		goto out_nodb;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT p.id FROM people p JOIN memberships m ON m.person_id = p.id WHERE p.id = ? AND p.active = 1 AND "
	    "m.role = 'candidate'",
	    &r, DB_I64(id));
	if (err != TR_OK) {
		err = err == TR_NOT_FOUND ? ctx_fail(ctx, TR_NOT_FOUND, "Ce compte n'est pas celui d'un candidat.")
		                          : ctx_storage_error(ctx, err);
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	if (version == 0) {
		TRY(profile_insert(ctx, id, &p, &inserted));
		if (!inserted) {
			err =
			    ctx_fail(ctx, TR_CONFLICT, "Ce profil a changé depuis votre lecture : rechargez la page.");
			goto out;
		}
	} else {
		profile_values(&p, v);
		v[PROFILE_NCOLS] = DB_I64(ctx->now);
		v[PROFILE_NCOLS + 1] = DB_I64(id);
		v[PROFILE_NCOLS + 2] = DB_I64(version);
		TRY(db_exec(ctx->db,
		    "UPDATE candidates SET birth_date = ?, commune_code = ?, latitude = ?, longitude = ?, "
		    "qualification_level = ?, digital_diploma = ?, rqth = ?, seeking_since = ?, priority_area = ?, "
		    "max_distance_km = ?, available_from = ?, hidden = ?, sex = ?, updated_at = ?, "
		    "version = version + 1 WHERE person_id = ? AND version = ?",
		    v, PROFILE_NCOLS + 3, &changed));
		if (changed == 0) {
			err = db_onev(
			    ctx->db, ctx->arena, "SELECT version FROM candidates WHERE person_id = ?", &r, DB_I64(id));
			err = err == TR_NOT_FOUND ? ctx_fail(ctx, TR_NOT_FOUND, "Ce candidat n'a pas encore de profil.")
			      : err == TR_OK      ? ctx_fail(ctx, TR_CONFLICT,
			                                "Ce profil a changé depuis votre lecture : rechargez la page.")
			                          : err;
			goto out;
		}
		TRY(rows_replace(ctx, WISHED_DELETE, WISHED_INSERT, id, p.wished, true));
	}
	detail = field_names(&p);
	err = journal_append(ctx, "candidate", id, version == 0 ? "create" : "update", detail);
	json_decref(detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(p.clean);
	return err;
}

/* ---- the CV -------------------------------------------------------------------------------------------- */

/* True when DATA looks like a whole PDF: the header first, the end-of-file marker in the last kilobyte. */
static bool
is_pdf(const char *data, size_t n)
{
	size_t from = n > CV_EOF_WINDOW ? n - CV_EOF_WINDOW : 0;

	return n >= 5 && memcmp(data, "%PDF-", 5) == 0 && memmem(data + from, n - from, "%%EOF", 5) != NULL;
}

/* FILENAME without its directories and control characters, at most 200 bytes of valid UTF-8; "cv.pdf" when
 * nothing is left. */
static const char *
clean_filename(struct arena *a, const char *filename)
{
	const char *base = filename ? filename : "";
	char *out;
	size_t n, k = 0;

	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	n = strlen(base);
	out = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)base[i] >= 0x20 && base[i] != 0x7f && base[i] != '"')
			out[k++] = base[i];
	out[k] = '\0';
	while (k > 200 || (k > 0 && !utf8_valid(out, k)))
		out[--k] = '\0';
	return k ? out : "cv.pdf";
}

tr_err
candidate_cv_put(struct ctx *ctx, int64_t id, const char *filename, const void *data, size_t n)
{
	char sha[SEC_SHA256_HEX];
	const char *name;
	int64_t changed = 0;
	json_t *detail;
	tr_err err;

	if ((err = require_self(ctx, id)) != TR_OK)
		return err;
	if (n == 0) {
		field_errors_add(&ctx->errors, "cv", "« CV » : choisissez un fichier PDF.");
		return TR_INVALID;
	}
	if (n > CANDIDATE_CV_MAX) {
		field_errors_add(&ctx->errors, "cv",
		    arena_printf(ctx->arena, "« CV » ne doit pas dépasser 5 Mo (ce fichier fait %zu octets).", n));
		return TR_INVALID;
	}
	if (!is_pdf(data, n)) {
		field_errors_add(&ctx->errors, "cv",
		    "« CV » doit être un document PDF : le contenu de ce fichier n'en est pas un, quel que soit son "
		    "nom.");
		return TR_INVALID;
	}
	name = clean_filename(ctx->arena, filename);
	sec_sha256_hex(data, n, sha);
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE candidates SET cv = ?, cv_name = ?, cv_size = ?, cv_sha256 = ?, cv_at = ?, updated_at = ? WHERE "
	    "person_id = ?",
	    &changed, DB_BLOB(data, n), DB_TEXT(name), DB_I64((int64_t)n), DB_TEXT(sha), DB_I64(ctx->now),
	    DB_I64(ctx->now), DB_I64(id)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Enregistrez d'abord votre profil, puis déposez votre CV.");
		goto out;
	}
	detail = json_pack("{s:I, s:s}", "size", (json_int_t)n, "sha256", sha);
	err = journal_append(ctx, "candidate", id, "cv", detail);
	json_decref(detail);
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
candidate_cv_get(struct ctx *ctx, int64_t id, const char **filename, struct str *data)
{
	struct db_rows *r;
	tr_err err;

	if ((err = candidate_can_read(ctx, id)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, "SELECT cv, cv_name FROM candidates WHERE person_id = ? AND cv IS NOT NULL",
	    &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Aucun CV n'a été déposé.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*data = db_cell(r, 0, 0)->s;
	*filename = db_text(db_cell(r, 0, 1));
	return TR_OK;
}

/* ---- job profiles to wish for -------------------------------------------------------------------------- */

tr_err
candidate_job_profiles(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	json_t *group = NULL;
	int64_t current = 0;
	tr_err err = db_query(ctx->db, ctx->arena,
	    "SELECT p.id, p.name, jp.id, jp.title FROM job_profiles jp JOIN programmes p ON p.id = jp.programme_id "
	    "WHERE jp.active = 1 ORDER BY p.active DESC, p.name, p.id, jp.title, jp.id",
	    NULL, 0, &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		int64_t pid = db_int(db_cell(r, i, 0));
		if (group == NULL || pid != current) {
			group = json_pack("{s:I, s:s, s:[]}", "programme_id", (json_int_t)pid, "programme_name",
			    db_text(db_cell(r, i, 1)), "profiles");
			json_array_append_new(*out, group);
			current = pid;
		}
		json_array_append_new(json_object_get(group, "profiles"),
		    json_pack(
		        "{s:I, s:s}", "id", (json_int_t)db_int(db_cell(r, i, 2)), "title", db_text(db_cell(r, i, 3))));
	}
	return TR_OK;
}

/* ---- prescribers ------------------------------------------------------------------------------------- */

/* The actor's first prescriber organisation, or 0. */
static int64_t
prescriber_org(const struct actor *a)
{
	for (size_t i = 0; a != NULL && i < a->nroles; i++)
		if (a->roles[i].role == ROLE_PRESCRIBER && a->roles[i].org_id > 0)
			return a->roles[i].org_id;
	return 0;
}

/* The candidates a prescriber follows: those who accepted (or invited) one of the actor's organisations. */
static const struct scope_rule followed_rules[] = {
	{ "a prescriber they accepted or invited", ROLE_BIT(ROLE_PRESCRIBER), "c.person_id IN " SCOPE_FOLLOWED, NULL },
};

static const struct scope followed_scope = { "candidate", "candidates c", "c.person_id", followed_rules, 1 };

static const struct list_sort followed_sorts[] = {
	{ "name", "p.name, c.person_id" },
};

static const struct list_spec followed_spec = { .scope = &followed_scope,
	.select =
	    "SELECT c.person_id AS id, p.name, p.email, cm.name AS commune_name, c.birth_date, c.hidden, (SELECT "
	    "MIN(f.decided_at) FROM candidate_followers f JOIN memberships sm ON sm.organisation_id = "
	    "f.organisation_id "
	    "AND "
	    "sm.role = 'prescriber' WHERE f.candidate_id = c.person_id AND f.state = 'accepted' AND sm.person_id = ?) "
	    "AS "
	    "since, (SELECT MIN(o.name) FROM candidate_followers f JOIN organisations o ON o.id = f.organisation_id "
	    "JOIN "
	    "memberships sm ON sm.organisation_id = f.organisation_id AND sm.role = 'prescriber' WHERE f.candidate_id "
	    "= "
	    "c.person_id AND f.state = 'accepted' AND sm.person_id = ?) AS organisation_name FROM candidates c JOIN "
	    "people p ON p.id = c.person_id LEFT JOIN communes cm ON cm.code = c.commune_code",
	.sorts = followed_sorts,
	.nsorts = 1,
	.select_params = 2 };

tr_err
prescriber_followed(struct ctx *ctx, json_t **out)
{
	struct sqlw w;
	struct db_rows *d;
	json_t *list, *items, *o;
	size_t i;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_PRESCRIBER))) != TR_OK)
		return err;
	/* The two '?' of the SELECT's columns come before the WHERE's. */
	w.arena = ctx->arena;
	w.n = 0;
	sqlw_param(&w, DB_I64(ctx->actor->person_id));
	sqlw_param(&w, DB_I64(ctx->actor->person_id));
	{
		struct sqlw s;
		scope_where(ctx, &followed_scope, &s);
		w.sql = s.sql;
		for (size_t k = 0; k < s.n; k++)
			sqlw_param(&w, s.p[k]);
	}
	if ((err = list_run(ctx, &followed_spec, &w, NULL, 1, LIST_PER_PAGE_MAX, &list)) != TR_OK)
		return err;
	/* The latest diagnosis of each, in one query. */
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT d.candidate_id, pr.name AS programme_name, d.eligible, d.valid_until FROM eligibility_diagnoses d "
	    "JOIN programmes pr ON pr.id = d.programme_id WHERE d.candidate_id IN " SCOPE_FOLLOWED
	    " ORDER BY d.candidate_id, d.decided_on DESC, d.id DESC",
	    &d, DB_I64(ctx->actor->person_id));
	if (err != TR_OK) {
		json_decref(list);
		return ctx_storage_error(ctx, err);
	}
	items = json_incref(json_object_get(list, "items"));
	json_decref(list);
	json_array_foreach(items, i, o)
	{
		int64_t id = json_integer_value(json_object_get(o, "id"));
		json_t *last = json_null();
		set_bool(o, "hidden");
		for (size_t j = 0; j < d->nrows; j++)
			if (db_int(db_cell(d, j, 0)) == id) {
				last = json_pack("{s:s, s:b, s:s}", "programme_name", db_text(db_cell(d, j, 1)),
				    "eligible", db_int(db_cell(d, j, 2)) != 0, "valid_until",
				    db_text(db_cell(d, j, 3)));
				break;
			}
		json_object_set_new(o, "last_diagnosis", last);
	}
	*out = items;
	return TR_OK;
}

tr_err
prescriber_follow(struct ctx *ctx, const char *email)
{
	int64_t org = prescriber_org(ctx->actor), changes = 0, candidate;
	struct db_rows *r, *o;
	json_t *detail;
	char *low;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_PRESCRIBER))) != TR_OK)
		return err;
	if (org == 0)
		return ctx_fail(ctx, TR_FORBIDDEN, "Votre compte de prescripteur n'est rattaché à aucune structure.");
	if (email == NULL || !email_valid(email, strlen(email))) {
		field_errors_add(&ctx->errors, "email",
		    "« Adresse électronique du candidat » n'est pas une adresse valide (exemple : nom@domaine.fr).");
		return TR_INVALID;
	}
	low = arena_strdup(ctx->arena, email);
	for (char *c = low; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	/* The answer is the same whether or not a candidate has this address: the candidate is asked by email. */
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT p.id, p.name, p.email FROM people p JOIN candidates c ON c.person_id = p.id WHERE p.email = ? AND "
	    "p.active = 1 AND c.hidden = 0",
	    &r, DB_TEXT(low));
	if (err == TR_NOT_FOUND)
		return TR_OK;
	if (err == TR_OK)
		err = db_onev(ctx->db, ctx->arena, "SELECT name FROM organisations WHERE id = ?", &o, DB_I64(org));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	candidate = db_int(db_cell(r, 0, 0));
	TRY(tx_begin(ctx));
	/* Once asked, an organisation is not asked again: a request waiting, accepted or declined stays as it is. */
	TRY(db_execv(ctx->db,
	    "INSERT INTO candidate_followers (candidate_id, organisation_id, since, state) VALUES (?, ?, ?, "
	    "'requested') ON CONFLICT (candidate_id, organisation_id) DO NOTHING",
	    &changes, DB_I64(candidate), DB_I64(org), DB_I64(ctx->now)));
	if (changes == 0)
		goto out;
	detail = json_pack("{s:I}", "organisation_id", (json_int_t)org);
	err = journal_append(ctx, "candidate", candidate, "follow_request", detail);
	json_decref(detail);
	TRY(err);
	TRY(outbox_email(ctx, db_text(db_cell(r, 0, 2)), "Un prescripteur demande à suivre votre profil tremplin",
	    arena_printf(ctx->arena,
	        "Bonjour %s,\n\nLa structure « %s » demande à suivre votre profil sur tremplin : si vous acceptez, "
	        "elle pourra le consulter (avec votre CV, vos candidatures et vos contrats) et établir un diagnostic "
	        "de votre éligibilité aux dispositifs d'emplois aidés.\n\nRien ne lui est montré tant que vous "
	        "n'avez pas accepté. Acceptez ou refusez sur votre page « Mon profil » :\n%s/candidat\n",
	        db_text(db_cell(r, 0, 1)), db_text(db_cell(o, 0, 0)), ctx->cfg->base_url)));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
prescriber_unfollow(struct ctx *ctx, int64_t candidate_id)
{
	int64_t changes = 0;
	struct db_rows *r;
	json_t *detail;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_PRESCRIBER))) != TR_OK)
		return err;
	TRY(tx_begin(ctx));
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT sm.organisation_id FROM memberships sm JOIN candidate_followers sf ON sf.organisation_id = "
	    "sm.organisation_id WHERE sm.person_id = ? AND sm.role = 'prescriber' AND sf.candidate_id = ? AND "
	    "sf.state = 'accepted'",
	    &r, DB_I64(ctx->actor->person_id), DB_I64(candidate_id)));
	for (size_t k = 0; k < r->nrows; k++) {
		TRY(db_execv(ctx->db, "DELETE FROM candidate_followers WHERE candidate_id = ? AND organisation_id = ?",
		    &changes, DB_I64(candidate_id), DB_I64(db_int(db_cell(r, k, 0)))));
		detail = json_pack("{s:I}", "organisation_id", (json_int_t)db_int(db_cell(r, k, 0)));
		err = journal_append(ctx, "candidate", candidate_id, "unfollow", detail);
		json_decref(detail);
		TRY(err);
	}
	if (r->nrows == 0)
		err = ctx_fail(ctx, TR_NOT_FOUND, "Votre structure ne suit pas ce candidat.");
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ---- the candidate's answer to their followers ---------------------------------------------------------- */

/* Moves the follow of organisation ORG on candidate ID from one of the states FROM_SQL (a SQL list) to TO,
 * journaled as ACTION; TR_NOT_FOUND (with MISSING) when there is no such follow. The candidate themself. */
static tr_err
follow_move(struct ctx *ctx, int64_t id, int64_t org, const char *from_sql, const char *to, const char *action,
    const char *missing)
{
	int64_t changes = 0;
	json_t *detail;
	tr_err err;

	if ((err = require_self(ctx, id)) != TR_OK)
		return err;
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    arena_printf(ctx->arena,
	        "UPDATE candidate_followers SET state = ?, decided_at = ? WHERE candidate_id = ? AND organisation_id = "
	        "? "
	        "AND state IN %s",
	        from_sql),
	    &changes, DB_TEXT(to), DB_I64(ctx->now), DB_I64(id), DB_I64(org)));
	if (changes == 0) {
		err = ctx_fail(ctx, TR_NOT_FOUND, missing);
		goto out;
	}
	detail = json_pack("{s:I}", "organisation_id", (json_int_t)org);
	err = journal_append(ctx, "candidate", id, action, detail);
	json_decref(detail);
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
candidate_follower_accept(struct ctx *ctx, int64_t id, int64_t org)
{
	return follow_move(ctx, id, org, "('requested')", "accepted", "follow_accept",
	    "Cette structure ne demande pas à suivre votre profil.");
}

tr_err
candidate_follower_remove(struct ctx *ctx, int64_t id, int64_t org)
{
	return follow_move(ctx, id, org, "('requested', 'accepted')", "declined", "follow_remove",
	    "Cette structure ne suit pas votre profil.");
}

tr_err
candidate_follower_invite(struct ctx *ctx, int64_t id, int64_t org)
{
	struct db_rows *r;
	json_t *detail;
	tr_err err;

	if ((err = require_self(ctx, id)) != TR_OK)
		return err;
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT id FROM organisations WHERE id = ? AND kind = 'prescriber'", &r, DB_I64(org));
	if (err == TR_NOT_FOUND) {
		field_errors_add(&ctx->errors, "organisation_id",
		    "« Structure » : choisissez une Mission locale, une agence France Travail ou un Cap emploi.");
		return TR_INVALID;
	}
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "INSERT INTO candidate_followers (candidate_id, organisation_id, since, state, decided_at) VALUES (?, ?, "
	    "?, "
	    "'accepted', ?) ON CONFLICT (candidate_id, organisation_id) DO UPDATE SET state = 'accepted', decided_at = "
	    "excluded.decided_at",
	    NULL, DB_I64(id), DB_I64(org), DB_I64(ctx->now), DB_I64(ctx->now)));
	detail = json_pack("{s:I}", "organisation_id", (json_int_t)org);
	err = journal_append(ctx, "candidate", id, "follow_invite", detail);
	json_decref(detail);
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
