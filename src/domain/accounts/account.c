/* People, memberships, passwords and the links sent by email. */
#include "domain/accounts/account.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/str.h"
#include "core/utf8.h"
#include "domain/accounts/session.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/outbox.h"
#include "model/accounts/account.h"
#include "model/kernel/entity.h"

#define PAGE_SIZE 50
/* A membership covers at most the 18 regions (and a few spare). */
#define REGIONS_MAX 32

/* Emails anyone may cause: per address, a quota that answers 429; per email, a quota past which nothing more
 * is sent, silently (the answer stays the same, so that it tells nothing of the account). */
static const struct throttle_rule reset_per_address = { 3600, 10, 0, 0 };
static const struct throttle_rule reset_per_email = { 3600, 3, 0, 0 };
static const struct throttle_rule signup_per_address = { 3600, 20, 0, 0 };
static const struct throttle_rule signup_per_email = { 3600, 3, 0, 0 };

/* Admins may manage people; the command line (no actor) may too. */
static tr_err
require_admin(struct ctx *ctx)
{
	return ctx->actor == NULL ? TR_OK : authz_require(ctx, AUTHZ_ADMINS);
}

tr_err
account_password_check(struct ctx *ctx, const char *password, const char *confirm)
{
	size_t n = password ? strlen(password) : 0;

	if (n == 0)
		field_errors_add(&ctx->errors, "password", "« Nouveau mot de passe » est obligatoire.");
	else if (!utf8_valid(password, n))
		field_errors_add(
		    &ctx->errors, "password", "« Nouveau mot de passe » contient des caractères invalides.");
	else if (utf8_length(password, n) < PASSWORD_MIN_CHARS)
		field_errors_add(
		    &ctx->errors, "password", "« Nouveau mot de passe » doit compter 12 caractères au moins.");
	else if (n > 1024)
		field_errors_add(
		    &ctx->errors, "password", "« Nouveau mot de passe » ne doit pas dépasser 1 024 octets.");
	else if (confirm == NULL || strcmp(password, confirm) != 0)
		field_errors_add(
		    &ctx->errors, "password_confirm", "La confirmation ne correspond pas au mot de passe.");
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

/* Splits "84, 93 11" (commas, bars, semicolons or spaces) into a JSON array of distinct region codes, in *OUT
 * (owned by the caller); checks each code against the regions table. */
static tr_err
normalise_regions(struct ctx *ctx, const char *in, json_t **out)
{
	const char *p = in ? in : "";
	tr_err err = TR_OK;

	*out = json_array();
	while (*p) {
		size_t n = strcspn(p, ",|; ");
		if (n > 0) {
			struct db_rows *r;
			char *code = arena_strndup(ctx->arena, p, n);
			bool dup = false;
			size_t i;
			json_t *x;
			err =
			    db_onev(ctx->db, ctx->arena, "SELECT code FROM regions WHERE code = ?", &r, DB_TEXT(code));
			if (err == TR_NOT_FOUND) {
				field_errors_add(&ctx->errors, "regions",
				    arena_printf(
				        ctx->arena, "« Régions » : le code %s ne désigne aucune région.", code));
				return TR_INVALID;
			}
			if (err != TR_OK)
				return ctx_storage_error(ctx, err);
			json_array_foreach(*out, i, x) dup |= strcmp(json_string_value(x), code) == 0;
			if (!dup && json_array_size(*out) >= REGIONS_MAX) {
				field_errors_add(&ctx->errors, "regions", "« Régions » : trop de régions.");
				return TR_INVALID;
			}
			if (!dup)
				json_array_append_new(*out, json_string(code));
		}
		p += n;
		p += strspn(p, ",|; ");
	}
	return TR_OK;
}

/* Validates IN as a membership and checks the scope rules of its role. */
static tr_err
membership_check(struct ctx *ctx, json_t *in, json_t **clean)
{
	json_t *regions = NULL;
	const char *code;
	enum role role;
	int64_t org = 0;
	tr_err err;

	err = entity_validate(&entity_membership, in, false, ctx->arena, &ctx->errors, clean);
	if (err != TR_OK)
		return err;
	code = json_str(*clean, "role");
	role = role_from_code(code, strlen(code));
	if (json_is_integer(json_object_get(*clean, "organisation_id")))
		org = json_integer_value(json_object_get(*clean, "organisation_id"));
	err = normalise_regions(ctx, json_str(*clean, "regions"), &regions);
	/* From here on, "regions" is the array of codes that insert_membership writes as rows. */
	json_object_set_new(*clean, "regions", regions);
	if (err != TR_OK)
		return err;
	switch (role_rules[role].scope) {
	case SCOPE_REGIONS:
	case SCOPE_ORG_REGIONS:
		if (json_array_size(regions) == 0)
			field_errors_add(&ctx->errors, "regions", "« Régions » est obligatoire pour ce rôle.");
		break;
	default: break;
	}
	if (role_rules[role].org_kind != NULL) {
		struct db_rows *r;
		if (org == 0) {
			field_errors_add(
			    &ctx->errors, "organisation_id", "« Structure » est obligatoire pour ce rôle.");
		} else {
			err = db_onev(
			    ctx->db, ctx->arena, "SELECT kind FROM organisations WHERE id = ?", &r, DB_I64(org));
			if (err == TR_NOT_FOUND)
				field_errors_add(
				    &ctx->errors, "organisation_id", "« Structure » ne désigne aucune structure.");
			else if (err != TR_OK)
				return ctx_storage_error(ctx, err);
			else if (strcmp(db_text(db_cell(r, 0, 0)), role_rules[role].org_kind) != 0)
				field_errors_add(&ctx->errors, "organisation_id",
				    arena_printf(ctx->arena, "« Structure » doit être de type « %s » pour ce rôle.",
				        vocab_label(&vocab_org_kind, role_rules[role].org_kind)));
		}
	}
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

static tr_err
insert_membership(struct ctx *ctx, int64_t person_id, json_t *clean, int64_t *id)
{
	json_t *org = json_object_get(clean, "organisation_id"), *code;
	struct db_rows *r;
	size_t i;
	tr_err err;

	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO memberships (person_id, role, organisation_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(person_id), DB_TEXT(json_str(clean, "role")),
	    json_is_integer(org) ? DB_I64(json_integer_value(org)) : DB_NULLV, DB_I64(ctx->now));
	if (err != TR_OK)
		return err;
	*id = db_int(db_cell(r, 0, 0));
	json_array_foreach(json_object_get(clean, "regions"), i, code)
	{
		if ((err = db_execv(ctx->db,
		         "INSERT INTO membership_regions (membership_id, region_code) VALUES (?, ?)", NULL, DB_I64(*id),
		         DB_TEXT(json_string_value(code)))) != TR_OK)
			return err;
	}
	json_object_set_new(clean, "person_id", json_integer(person_id));
	return journal_append(ctx, "membership", *id, "create", clean);
}

/* Creates a single-use link for PERSON_ID ("invite", "reset" or "confirm") and queues the email that carries
 * it (a sensitive message: its body is dropped once sent). */
static tr_err
send_link(struct ctx *ctx, int64_t person_id, const char *email, const char *name, const char *purpose)
{
	const char *token = sec_random_token(ctx->arena, 32);
	char hash[SEC_SHA256_HEX];
	bool invite = strcmp(purpose, "invite") == 0, confirm = strcmp(purpose, "confirm") == 0;
	int64_t ttl = invite || confirm ? INVITE_TTL_SECONDS : RESET_TTL_SECONDS;
	const char *url, *subject, *body;
	tr_err err;

	sec_sha256_hex(token, strlen(token), hash);
	err = db_execv(ctx->db,
	    "INSERT INTO one_time_tokens (token_hash, person_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, "
	    "?)",
	    NULL, DB_TEXT(hash), DB_I64(person_id), DB_TEXT(purpose), DB_I64(ctx->now), DB_I64(ctx->now + ttl));
	if (err != TR_OK)
		return err;
	url = arena_printf(ctx->arena, "%s/%s/%s", ctx->cfg->base_url,
	    invite    ? "invitation"
	    : confirm ? "inscription/confirmer"
	              : "mot-de-passe",
	    token);
	if (invite) {
		subject = "Votre accès à tremplin";
		body = arena_printf(ctx->arena,
		    "Bonjour %s,\n\nUn compte a été ouvert pour vous sur tremplin, la plateforme des programmes "
		    "d'emplois aidés de la médiation numérique.\n\nPour choisir votre mot de passe, ouvrez ce lien "
		    "(valable sept jours, une seule fois) :\n%s\n\nSi vous n'attendiez pas ce message, ignorez-le.\n",
		    name, url);
	} else if (confirm) {
		subject = "Confirmez votre inscription à tremplin";
		body = arena_printf(ctx->arena,
		    "Bonjour %s,\n\nVous venez de créer un compte candidat sur tremplin avec cette adresse.\n\n"
		    "Pour l'activer, ouvrez ce lien (valable sept jours, une seule fois) :\n%s\n\n"
		    "Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message : sans confirmation, "
		    "le compte reste inutilisable.\n",
		    name, url);
	} else {
		subject = "Réinitialisation de votre mot de passe tremplin";
		body = arena_printf(ctx->arena,
		    "Bonjour %s,\n\nUne réinitialisation du mot de passe de votre compte tremplin a été demandée.\n\n"
		    "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, une seule fois) :\n%s\n\n"
		    "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe "
		    "actuel reste valable.\n",
		    name, url);
	}
	return outbox_email_sensitive(ctx, email, subject, body);
}

/* EMAIL in lowercase, in the arena. */
static char *
lower_email(struct ctx *ctx, const char *email)
{
	char *low = arena_strdup(ctx->arena, email);

	for (char *c = low; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	return low;
}

/* "N minutes" for the quota messages. */
static const char *
minutes_text(struct ctx *ctx, int64_t seconds)
{
	int64_t m = (seconds + 59) / 60;

	return m <= 1 ? "une minute" : arena_printf(ctx->arena, "%lld minutes", (long long)m);
}

/* Checks the quota of ctx->ip under PREFIX by RULE and counts this attempt: TR_RATE_LIMITED with WHAT in the
 * message when over it. */
static tr_err
address_quota(struct ctx *ctx, const char *prefix, const struct throttle_rule *rule, const char *what)
{
	const char *key = throttle_address_key(ctx, prefix);
	int64_t wait;
	tr_err err = throttle_wait(ctx, key, rule, &wait);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (wait > 0) {
		ctx->retry_after = wait;
		return ctx_fail(ctx, TR_RATE_LIMITED,
		    arena_printf(ctx->arena, "Trop de %s depuis votre connexion : réessayez dans %s.", what,
		        minutes_text(ctx, wait)));
	}
	err = throttle_note(ctx, key);
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

/* Whether one more message may go to EMAIL under PREFIX by RULE (*OK), counting it when it may. */
static tr_err
email_quota(struct ctx *ctx, const char *prefix, const struct throttle_rule *rule, const char *email, bool *ok)
{
	const char *key = arena_printf(ctx->arena, "%s%s", prefix, email);
	int64_t wait;
	tr_err err = throttle_wait(ctx, key, rule, &wait);

	*ok = false;
	if (err == TR_OK && wait == 0 && (err = throttle_note(ctx, key)) == TR_OK)
		*ok = true;
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

tr_err
account_create(struct ctx *ctx, json_t *in, const char *password, int64_t *id)
{
	json_t *person = NULL, *member = NULL, *detail;
	char hash[SEC_PASSWORD_HASH_MAX];
	struct db_rows *r;
	int64_t mid;
	tr_err err, verr;

	if ((err = require_admin(ctx)) != TR_OK)
		return err;
	verr = entity_validate(&entity_person, in, false, ctx->arena, &ctx->errors, &person);
	if (membership_check(ctx, in, &member) != TR_OK || verr != TR_OK)
		err = TR_INVALID;
	if (password != NULL && account_password_check(ctx, password, password) != TR_OK)
		err = TR_INVALID;
	if (err != TR_OK)
		goto out_nodb;
	if (password != NULL && sec_password_hash(password, strlen(password), hash) != TR_OK) {
		err = ctx_fail(ctx, TR_INTERNAL, "Le mot de passe n'a pas pu être chiffré.");
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO people (email, name, password_hash, active, created_at, updated_at, confirmed_at) VALUES (?, "
	    "?, ?, 1, ?, ?, ?) RETURNING id",
	    &r, DB_TEXT(json_str(person, "email")), DB_TEXT(json_str(person, "name")),
	    password ? DB_TEXT(hash) : DB_NULLV, DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(ctx->now));
	if (err == TR_CONFLICT) {
		field_errors_add(&ctx->errors, "email", "Un compte existe déjà avec cette adresse électronique.");
		err = TR_INVALID;
		goto out;
	}
	TRY(err);
	*id = db_int(db_cell(r, 0, 0));
	detail =
	    json_pack("{s:O, s:O}", "email", json_object_get(person, "email"), "name", json_object_get(person, "name"));
	err = journal_append(ctx, "person", *id, "create", detail);
	json_decref(detail);
	TRY(err);
	TRY(insert_membership(ctx, *id, member, &mid));
	if (password == NULL)
		TRY(send_link(ctx, *id, json_str(person, "email"), json_str(person, "name"), "invite"));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(person);
	json_decref(member);
	return err;
}

tr_err
account_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *clean = NULL;
	int64_t changed = 0;
	tr_err err;

	if ((err = require_admin(ctx)) != TR_OK)
		return err;
	/* The email is the sign-in name: it is not edited here. */
	if ((err = entity_validate(&entity_person_edit, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE people SET name = ?, active = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = "
	    "?",
	    &changed, DB_TEXT(json_str(clean, "name")), DB_BOOL(json_is_true(json_object_get(clean, "active"))),
	    DB_I64(ctx->now), DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		struct db_rows *r;
		err = db_onev(ctx->db, ctx->arena, "SELECT id FROM people WHERE id = ?", &r, DB_I64(id));
		err = err == TR_NOT_FOUND ? ctx_fail(ctx, TR_NOT_FOUND, "Cette personne n'existe pas.")
		      : err == TR_OK
		          ? ctx_fail(ctx, TR_CONFLICT, "Cette fiche a changé depuis votre lecture : rechargez la page.")
		          : err;
		goto out;
	}
	TRY(journal_append(ctx, "person", id, "update", clean));
	if (!json_is_true(json_object_get(clean, "active")))
		TRY(db_execv(ctx->db, "DELETE FROM sessions WHERE person_id = ?", NULL, DB_I64(id)));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(clean);
	return err;
}

/* The memberships M as JSON, each with its regions from G (membership id, code; in membership order): "regions"
 * as an array of codes and "regions_text" as "84, 93" for the pages. */
static json_t *
memberships_json(struct ctx *ctx, const struct db_rows *m, const struct db_rows *g)
{
	json_t *out = rows_json(m), *it;
	size_t i, k = 0;

	json_array_foreach(out, i, it)
	{
		int64_t mid = json_integer_value(json_object_get(it, "id"));
		json_t *codes = json_array();
		const char *text = "";
		for (; k < g->nrows && db_int(db_cell(g, k, 0)) == mid; k++) {
			json_array_append_new(codes, json_string(db_text(db_cell(g, k, 1))));
			text = arena_printf(ctx->arena, "%s%s%s", text, *text ? ", " : "", db_text(db_cell(g, k, 1)));
		}
		json_object_set_new(it, "regions", codes);
		json_object_set_new(it, "regions_text", json_string(text));
	}
	return out;
}

tr_err
account_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *p, *m, *g;
	tr_err err;

	if (ctx->actor == NULL || (ctx->actor->person_id != id && !actor_has(ctx->actor, ROLE_ADMIN)))
		return authz_require(ctx, AUTHZ_ADMINS);
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT id, email, name, active, created_at, last_login_at, version, "
	    "CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END AS has_password FROM people WHERE id = ?",
	    &p, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette personne n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT m.id, m.role, m.organisation_id, o.name AS organisation_name FROM memberships m "
	    "LEFT JOIN organisations o ON o.id = m.organisation_id WHERE m.person_id = ? ORDER BY m.id",
	    &m, DB_I64(id));
	if (err == TR_OK)
		err = db_queryv(ctx->db, ctx->arena,
		    "SELECT mr.membership_id, mr.region_code FROM membership_regions mr JOIN memberships m ON m.id = "
		    "mr.membership_id WHERE m.person_id = ? ORDER BY mr.membership_id, mr.region_code",
		    &g, DB_I64(id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(p, 0);
	json_object_set_new(*out, "memberships", memberships_json(ctx, m, g));
	return TR_OK;
}

tr_err
account_list(struct ctx *ctx, const char *q, int64_t page, json_t **out)
{
	struct db_rows *r, *c, *m;
	const char *like;
	json_t *it;
	size_t i;
	tr_err err;

	if ((err = authz_require(ctx, AUTHZ_ADMINS)) != TR_OK)
		return err;
	if (page < 1)
		page = 1;
	like = arena_printf(ctx->arena, "%%%s%%", q ? q : "");
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT p.id, p.email, p.name, p.active, p.last_login_at, "
	    "(SELECT COUNT(*) FROM memberships m WHERE m.person_id = p.id) AS roles "
	    "FROM people p WHERE LOWER(p.name) LIKE LOWER(?) OR p.email LIKE LOWER(?) ORDER BY p.name, p.id LIMIT ? "
	    "OFFSET ?",
	    &r, DB_TEXT(like), DB_TEXT(like), DB_I64(PAGE_SIZE), DB_I64((page - 1) * PAGE_SIZE));
	if (err == TR_OK)
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT COUNT(*) FROM people p WHERE LOWER(p.name) LIKE LOWER(?) OR p.email LIKE LOWER(?)", &c,
		    DB_TEXT(like), DB_TEXT(like));
	/* The roles of the people of this page, by name (and organisation), in one query. */
	if (err == TR_OK)
		err = db_queryv(ctx->db, ctx->arena,
		    "SELECT m.person_id, m.role, o.name FROM memberships m LEFT JOIN organisations o ON o.id = "
		    "m.organisation_id WHERE m.person_id IN (SELECT p.id FROM people p WHERE LOWER(p.name) LIKE "
		    "LOWER(?) "
		    "OR p.email LIKE LOWER(?) ORDER BY p.name, p.id LIMIT ? OFFSET ?) ORDER BY m.person_id, m.id",
		    &m, DB_TEXT(like), DB_TEXT(like), DB_I64(PAGE_SIZE), DB_I64((page - 1) * PAGE_SIZE));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", rows_json(r), "total", (json_int_t)db_int(db_cell(c, 0, 0)),
	    "page", (json_int_t)page, "per_page", (json_int_t)PAGE_SIZE);
	json_array_foreach(json_object_get(*out, "items"), i, it)
	{
		const char *names = "";
		for (size_t k = 0; k < m->nrows; k++) {
			const char *code = db_text(db_cell(m, k, 1)), *org = db_text(db_cell(m, k, 2));
			const char *label = role_label(role_from_code(code, strlen(code)));
			if (db_int(db_cell(m, k, 0)) != json_integer_value(json_object_get(it, "id")))
				continue;
			label = org && *org ? arena_printf(ctx->arena, "%s (%s)", label, org) : label;
			names = arena_printf(ctx->arena, "%s%s%s", names, *names ? ", " : "", label);
		}
		json_object_set_new(it, "role_names", json_string(names));
	}
	return TR_OK;
}

tr_err
account_reinvite(struct ctx *ctx, int64_t id)
{
	struct db_rows *r;
	tr_err err;

	if ((err = require_admin(ctx)) != TR_OK)
		return err;
	err =
	    db_onev(ctx->db, ctx->arena, "SELECT email, name FROM people WHERE id = ? AND active = 1", &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette personne n'existe pas ou son compte est désactivé.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	TRY(tx_begin(ctx));
	TRY(send_link(ctx, id, db_text(db_cell(r, 0, 0)), db_text(db_cell(r, 0, 1)), "invite"));
	TRY(journal_append(ctx, "person", id, "invite", NULL));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
account_request_reset(struct ctx *ctx, const char *email)
{
	struct db_rows *r;
	char *low;
	bool may_send;
	tr_err err;

	if (email == NULL || !email_valid(email, strlen(email))) {
		field_errors_add(&ctx->errors, "email",
		    "« Adresse électronique » n'est pas une adresse valide (exemple : nom@domaine.fr).");
		return TR_INVALID;
	}
	low = lower_email(ctx, email);
	if ((err = address_quota(ctx, "reset-ip:", &reset_per_address, "demandes de réinitialisation")) != TR_OK)
		return err;
	/* Counted for unknown addresses too, so that the quota tells nothing either. */
	if ((err = email_quota(ctx, "reset-email:", &reset_per_email, low, &may_send)) != TR_OK || !may_send)
		return err;
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT id, name FROM people WHERE email = ? AND active = 1", &r, DB_TEXT(low));
	if (err == TR_NOT_FOUND)
		return TR_OK;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	TRY(tx_begin(ctx));
	TRY(send_link(ctx, db_int(db_cell(r, 0, 0)), low, db_text(db_cell(r, 0, 1)), "reset"));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
account_signup_gate(struct ctx *ctx, const char *email, bool *proceed)
{
	struct db_rows *r;
	const char *body;
	char *low;
	bool may_send;
	tr_err err;

	*proceed = false;
	low = lower_email(ctx, email);
	if ((err = address_quota(ctx, "signup-ip:", &signup_per_address, "inscriptions")) != TR_OK)
		return err;
	if ((err = email_quota(ctx, "signup-email:", &signup_per_email, low, &may_send)) != TR_OK || !may_send)
		return err;
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT id, name, confirmed_at, active FROM people WHERE email = ?", &r, DB_TEXT(low));
	if (err == TR_NOT_FOUND) {
		*proceed = true;
		return TR_OK;
	}
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	TRY(tx_begin(ctx));
	if (db_isnull(db_cell(r, 0, 2)) && db_int(db_cell(r, 0, 3)) == 1) {
		/* Registered before without confirming: a new link rather than "you have an account". */
		TRY(send_link(ctx, db_int(db_cell(r, 0, 0)), low, db_text(db_cell(r, 0, 1)), "confirm"));
	} else {
		body = arena_printf(ctx->arena,
		    "Bonjour,\n\nQuelqu'un vient de demander la création d'un compte tremplin avec cette adresse, "
		    "mais un compte existe déjà pour elle : aucun autre n'a été créé.\n\n"
		    "Si c'est vous, connectez-vous :\n%s/connexion\n\nVous avez oublié votre mot de passe ? "
		    "Choisissez-en un nouveau :\n%s/mot-de-passe-oublie\n\n"
		    "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre compte ne change "
		    "pas.\n",
		    ctx->cfg->base_url, ctx->cfg->base_url);
		TRY(outbox_email(ctx, low, "Vous avez déjà un compte tremplin", body));
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
account_send_confirmation(struct ctx *ctx, int64_t person_id, const char *email, const char *name)
{
	return send_link(ctx, person_id, email, name, "confirm");
}

tr_err
account_resend_confirmation(struct ctx *ctx, int64_t person_id, const char *email, const char *name)
{
	bool may_send;
	tr_err err = email_quota(ctx, "signup-email:", &signup_per_email, email, &may_send);

	if (err != TR_OK || !may_send)
		return err;
	TRY(tx_begin(ctx));
	TRY(send_link(ctx, person_id, email, name, "confirm"));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* The live link TOKEN: a confirmation link when CONFIRM, else an invitation or reset link. */
static tr_err
link_lookup(struct ctx *ctx, const char *token, bool confirm, struct db_rows **r)
{
	char hash[SEC_SHA256_HEX];
	tr_err err;

	if (token == NULL || *token == '\0' || strlen(token) > 128)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce lien n'est pas valable.");
	sec_sha256_hex(token, strlen(token), hash);
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT t.person_id, p.email, t.purpose FROM one_time_tokens t JOIN people p ON p.id = t.person_id "
	    "WHERE t.token_hash = ? AND t.used_at IS NULL AND t.expires_at > ? AND p.active = 1 AND "
	    "CASE WHEN t.purpose = 'confirm' THEN 1 ELSE 0 END = ?",
	    r, DB_TEXT(hash), DB_I64(ctx->now), DB_BOOL(confirm));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND,
		    "Ce lien n'est plus valable : il a déjà servi ou il a expiré. Demandez-en un nouveau.");
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

tr_err
account_link_email(struct ctx *ctx, const char *token, const char **email)
{
	struct db_rows *r;
	tr_err err = link_lookup(ctx, token, false, &r);

	if (err == TR_OK)
		*email = db_text(db_cell(r, 0, 1));
	return err;
}

/* Uses up the link whose hash is HASH and revokes every other live link of PERSON_ID (an older reset link
 * must not outlive a newer one that was used); TR_NOT_FOUND when another request used it first. */
static tr_err
use_link(struct ctx *ctx, const char *hash, int64_t person_id)
{
	int64_t used = 0;
	tr_err err =
	    db_execv(ctx->db, "UPDATE one_time_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", &used,
	        DB_I64(ctx->now), DB_TEXT(hash));

	if (err != TR_OK)
		return err;
	if (used != 1)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce lien n'est plus valable : il a déjà servi.");
	return db_execv(ctx->db, "UPDATE one_time_tokens SET used_at = ? WHERE person_id = ? AND used_at IS NULL", NULL,
	    DB_I64(ctx->now), DB_I64(person_id));
}

tr_err
account_confirm_email(struct ctx *ctx, const char *token, const char **email)
{
	struct db_rows *r;
	tr_err err = link_lookup(ctx, token, true, &r);

	if (err == TR_OK)
		*email = db_text(db_cell(r, 0, 1));
	return err;
}

tr_err
account_confirm(struct ctx *ctx, const char *token, const char *user_agent, struct session_new *out)
{
	struct db_rows *r;
	char hash[SEC_SHA256_HEX];
	int64_t person_id;
	tr_err err;

	if ((err = link_lookup(ctx, token, true, &r)) != TR_OK)
		return err;
	person_id = db_int(db_cell(r, 0, 0));
	sec_sha256_hex(token, strlen(token), hash);
	TRY(tx_begin(ctx));
	TRY(use_link(ctx, hash, person_id));
	TRY(db_execv(ctx->db, "UPDATE people SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL", NULL,
	    DB_I64(ctx->now), DB_I64(person_id)));
	TRY(journal_append(ctx, "person", person_id, "confirm_email", NULL));
	TRY(session_open(ctx, person_id, user_agent, out));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* Tells PERSON_ID by email that their password changed (with what it closed), in the caller's transaction: the
 * owner learns of a change they did not make. */
static tr_err
notify_password_changed(struct ctx *ctx, int64_t person_id, int64_t revoked)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, "SELECT email, name FROM people WHERE id = ?", &r, DB_I64(person_id));

	if (err != TR_OK)
		return err;
	return outbox_email(ctx, db_text(db_cell(r, 0, 0)), "Votre mot de passe tremplin a été changé",
	    arena_printf(ctx->arena,
	        "Bonjour %s,\n\nLe mot de passe de votre compte tremplin vient d'être changé. Vos autres sessions ont "
	        "été fermées%s.\n\nSi vous n'êtes pas à l'origine de ce changement, choisissez sans attendre un "
	        "nouveau mot de passe :\n%s/mot-de-passe-oublie\n",
	        db_text(db_cell(r, 0, 1)),
	        revoked > 0
	            ? arena_printf(ctx->arena, " et vos jetons d'accès à l'API (%lld) révoqués", (long long)revoked)
	            : "",
	        ctx->cfg->base_url));
}

/* Stores PASSWORD for PERSON_ID, which proves the address too, and revokes every API token of the person:
 * a token must not outlive the password it was made under. Journaled as ACTION with the count revoked. */
static tr_err
store_password(struct ctx *ctx, int64_t person_id, const char *password, const char *action)
{
	char hash[SEC_PASSWORD_HASH_MAX];
	int64_t revoked = 0;
	json_t *detail;
	tr_err err;

	if (sec_password_hash(password, strlen(password), hash) != TR_OK)
		return ctx_fail(ctx, TR_INTERNAL, "Le mot de passe n'a pas pu être chiffré.");
	err = db_execv(ctx->db,
	    "UPDATE people SET password_hash = ?, updated_at = ?, confirmed_at = COALESCE(confirmed_at, ?) WHERE id = "
	    "?",
	    NULL, DB_TEXT(hash), DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(person_id));
	if (err == TR_OK)
		err = apitoken_revoke_all(ctx, person_id,
		    strcmp(action, "change_password") == 0 ? "password_change" : "password_reset", &revoked);
	if (err != TR_OK)
		return err;
	detail = json_pack("{s:I}", "tokens_revoked", (json_int_t)revoked);
	err = journal_append(ctx, "person", person_id, action, detail);
	json_decref(detail);
	if (err == TR_OK && strcmp(action, "accept_invitation") != 0)
		err = notify_password_changed(ctx, person_id, revoked);
	return err;
}

tr_err
account_link_set_password(struct ctx *ctx, const char *token, const char *password, const char *confirm)
{
	struct db_rows *r;
	char hash[SEC_SHA256_HEX];
	int64_t person_id;
	tr_err err;

	if ((err = link_lookup(ctx, token, false, &r)) != TR_OK)
		return err;
	if ((err = account_password_check(ctx, password, confirm)) != TR_OK)
		return err;
	person_id = db_int(db_cell(r, 0, 0));
	sec_sha256_hex(token, strlen(token), hash);
	TRY(tx_begin(ctx));
	/* The link is used up in the same transaction (a second use changes nothing), with every other. */
	TRY(use_link(ctx, hash, person_id));
	TRY(store_password(ctx, person_id, password,
	    strcmp(db_text(db_cell(r, 0, 2)), "invite") == 0 ? "accept_invitation" : "reset_password"));
	TRY(db_execv(ctx->db, "DELETE FROM sessions WHERE person_id = ?", NULL, DB_I64(person_id)));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
account_change_password(struct ctx *ctx, const char *current, const char *password, const char *confirm)
{
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT password_hash FROM people WHERE id = ?", &r, DB_I64(ctx->actor->person_id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (current == NULL || db_isnull(db_cell(r, 0, 0)) ||
	    !sec_password_verify(db_text(db_cell(r, 0, 0)), current, strlen(current)))
		field_errors_add(&ctx->errors, "current_password", "« Mot de passe actuel » est incorrect.");
	if (account_password_check(ctx, password, confirm) != TR_OK || ctx->errors.n)
		return TR_INVALID;
	TRY(tx_begin(ctx));
	TRY(store_password(ctx, ctx->actor->person_id, password, "change_password"));
	TRY(db_execv(ctx->db, "DELETE FROM sessions WHERE person_id = ? AND csrf <> ?", NULL,
	    DB_I64(ctx->actor->person_id), DB_TEXT(ctx->actor->csrf ? ctx->actor->csrf : "")));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
membership_add(struct ctx *ctx, int64_t person_id, json_t *in, int64_t *id)
{
	json_t *clean = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = require_admin(ctx)) != TR_OK)
		return err;
	if ((err = membership_check(ctx, in, &clean)) != TR_OK)
		goto out_nodb;
	err = db_onev(ctx->db, ctx->arena, "SELECT id FROM people WHERE id = ?", &r, DB_I64(person_id));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Cette personne n'existe pas.");
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	TRY(insert_membership(ctx, person_id, clean, id));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(clean);
	return err;
}

tr_err
membership_remove(struct ctx *ctx, int64_t person_id, int64_t membership_id)
{
	struct db_rows *r;
	json_t *detail;
	tr_err err;

	if ((err = require_admin(ctx)) != TR_OK)
		return err;
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT person_id, role FROM memberships WHERE id = ?", &r, DB_I64(membership_id));
	if (err == TR_NOT_FOUND || (err == TR_OK && person_id != 0 && db_int(db_cell(r, 0, 0)) != person_id))
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce rôle n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (ctx->actor && db_int(db_cell(r, 0, 0)) == ctx->actor->person_id &&
	    strcmp(db_text(db_cell(r, 0, 1)), "admin") == 0)
		return ctx_fail(ctx, TR_CONFLICT, "Vous ne pouvez pas retirer votre propre rôle d'administrateur.");
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db, "DELETE FROM memberships WHERE id = ?", NULL, DB_I64(membership_id)));
	detail = json_pack(
	    "{s:I, s:s}", "person_id", (json_int_t)db_int(db_cell(r, 0, 0)), "role", db_text(db_cell(r, 0, 1)));
	err = journal_append(ctx, "membership", membership_id, "delete", detail);
	json_decref(detail);
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
