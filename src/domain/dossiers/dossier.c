/* Dossiers: Annex I, the transition table and its engine, the message thread, lists and the protocol. */
#include "domain/dossiers/dossier.h"

#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/outbox.h"
#include "domain/kernel/scope.h"
#include "domain/places/place.h"
#include "domain/programmes/programme.h"
#include "domain/dossiers/protocol_pdf.h"
#include "model/programmes/programme.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum dstate {
	S_DRAFT = 1,
	S_REGIONAL,
	S_NATIONAL,
	S_CHANGES,
	S_VALIDATED,
	S_REFUSED,
	S_WITHDRAWN,
};
#define SB(s) (1u << (s))

static const char *const state_codes[] = {
	[S_DRAFT] = "draft",
	[S_REGIONAL] = "regional_review",
	[S_NATIONAL] = "national_review",
	[S_CHANGES] = "changes_requested",
	[S_VALIDATED] = "validated",
	[S_REFUSED] = "refused",
	[S_WITHDRAWN] = "withdrawn",
};

static enum dstate
state_of(const char *code)
{
	for (size_t i = 1; i < ARRAY_LEN(state_codes); i++)
		if (code && strcmp(state_codes[i], code) == 0)
			return (enum dstate)i;
	return 0;
}

/* Who is told of a transition or a message. */
enum audience {
	TO_STRUCTURE = 1 << 0,
	TO_REGIONAL = 1 << 1,
	TO_POLE = 1 << 2,
	TO_NATIONAL = 1 << 3,
};

typedef tr_err (*effect_fn)(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail);

struct transition {
	const char *action;
	const char *label; /* French, the button */
	unsigned from;     /* SB() of the states it starts from */
	enum dstate to;
	enum role who; /* with its scope: the dossier's organisation, its region, or national reach */
	const struct entity *payload;
	bool payload_optional; /* the payload's required fields may be left out */
	effect_fn effect;
	unsigned notify;
};

static tr_err effect_submit(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail);
static tr_err effect_opinion(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail);
static tr_err effect_validate(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail);
static tr_err effect_refuse(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail);
static tr_err effect_questions(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail);
static tr_err effect_reason(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail);
static tr_err effect_reopen(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail);

#define BEFORE_DECISION (SB(S_DRAFT) | SB(S_REGIONAL) | SB(S_NATIONAL) | SB(S_CHANGES))

/* The workflow of DESIGN.md. An action may have several rows (request_changes: the region at its step,
 * the delegation at both); the first row whose state and actor fit applies. */
static const struct transition transitions[] = {
	{ "submit", "Déposer le dossier", SB(S_DRAFT), S_REGIONAL, ROLE_EMPLOYER, NULL, false, effect_submit,
	    TO_REGIONAL | TO_POLE },
	{ "resubmit", "Déposer à nouveau le dossier complété", SB(S_CHANGES), S_REGIONAL, ROLE_EMPLOYER, NULL, false,
	    effect_submit, TO_REGIONAL | TO_POLE },
	{ "give_opinion", "Rendre l'avis régional", SB(S_REGIONAL), S_NATIONAL, ROLE_REGIONAL, &entity_opinion, false,
	    effect_opinion, TO_NATIONAL | TO_STRUCTURE },
	{ "validate", "Valider le dossier", SB(S_NATIONAL), S_VALIDATED, ROLE_NATIONAL, &entity_decision_validate,
	    false, effect_validate, TO_STRUCTURE | TO_REGIONAL | TO_POLE },
	{ "refuse", "Refuser le dossier", SB(S_NATIONAL), S_REFUSED, ROLE_NATIONAL, &entity_reason, false,
	    effect_refuse, TO_STRUCTURE | TO_REGIONAL | TO_POLE },
	{ "request_changes", "Demander des compléments", SB(S_REGIONAL), S_CHANGES, ROLE_REGIONAL, &entity_questions,
	    false, effect_questions, TO_STRUCTURE },
	{ "request_changes", "Demander des compléments", SB(S_REGIONAL) | SB(S_NATIONAL), S_CHANGES, ROLE_NATIONAL,
	    &entity_questions, false, effect_questions, TO_STRUCTURE | TO_REGIONAL },
	{ "withdraw", "Retirer le dossier", BEFORE_DECISION, S_WITHDRAWN, ROLE_EMPLOYER, &entity_reason, true,
	    effect_reason, TO_REGIONAL | TO_NATIONAL },
	{ "reopen", "Rouvrir le dossier", SB(S_VALIDATED) | SB(S_REFUSED), S_NATIONAL, ROLE_NATIONAL, &entity_reason,
	    false, effect_reopen, TO_STRUCTURE | TO_REGIONAL },
};

const char *const dossier_actions[] = { "submit", "resubmit", "give_opinion", "validate", "refuse", "request_changes",
	"withdraw", "reopen", NULL };

const char *
dossier_action_label(const char *action)
{
	for (size_t i = 0; i < ARRAY_LEN(transitions); i++)
		if (strcmp(transitions[i].action, action) == 0)
			return transitions[i].label;
	return NULL;
}

/* The dossier's columns and what people read beside them. */
#define DOSSIER_SELECT                                                                                            \
	"SELECT d.id, d.programme_id, d.organisation_id, d.state, d.version, d.region_code, d.created_at, "       \
	"d.updated_at, d.submitted_at, d.state_since, d.place_id, d.employer_category, d.contact_name, "          \
	"d.contact_email, d.contact_phone, d.project, d.job_profile_id, d.netpublic, d.listed_national, "         \
	"d.tutor_name, d.tutor_qualities, d.sponsor_name, d.sponsor_qualities, d.company_name, d.company_siret, " \
	"d.company_activity, d.pole_id, d.training_path, d.development_project, d.posts_requested, d.signed_on, " \
	"d.signatory, d.opinion, d.opinion_suggestions, d.opinion_advice, d.opinion_at, d.decision, "             \
	"d.posts_granted, d.decision_reason, d.quota_override, d.decision_at, d.pdf_sha256, d.questions, "        \
	"d.last_reason, p.code AS programme_code, p.name AS programme_name, o.name AS organisation_name, "        \
	"j.title AS job_profile_title, po.name AS pole_name, g.name AS region_name, pl.nom AS place_nom, "        \
	"pl.adresse AS place_adresse, pl.code_postal AS place_code_postal, pl.commune AS place_commune, "         \
	"op.name AS opinion_by_name, de.name AS decision_by_name "                                                \
	"FROM dossiers d JOIN programmes p ON p.id = d.programme_id JOIN organisations o ON o.id = "              \
	"d.organisation_id LEFT JOIN job_profiles j ON j.id = d.job_profile_id LEFT JOIN poles po ON po.id = "    \
	"d.pole_id LEFT JOIN regions g ON g.code = d.region_code LEFT JOIN places pl ON pl.id = d.place_id "      \
	"LEFT JOIN people op ON op.id = d.opinion_by LEFT JOIN people de ON de.id = d.decision_by "

static const char *
str_of(json_t *d, const char *key)
{
	return json_str(d, key);
}

static int64_t
int_of(json_t *d, const char *key)
{
	return json_integer_value(json_object_get(d, key));
}

/* Reads dossier ID (no access check). */
static tr_err
load(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, DOSSIER_SELECT "WHERE d.id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Ce dossier n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	json_object_set_new(*out, "netpublic", json_boolean(int_of(*out, "netpublic")));
	json_object_set_new(*out, "listed_national", json_boolean(int_of(*out, "listed_national")));
	return TR_OK;
}

/* True when the actor holds ROLE with the scope that reaches dossier D. */
static bool
holds(const struct ctx *ctx, enum role role, json_t *d)
{
	switch (role) {
	case ROLE_EMPLOYER: return actor_in_org(ctx->actor, role, int_of(d, "organisation_id"));
	case ROLE_REGIONAL:
	case ROLE_POLE: return actor_covers_region(ctx->actor, role, str_of(d, "region_code"));
	default: return actor_has(ctx->actor, role);
	}
}

/* ---- Who reads a dossier ---- */

static bool
is_admin(const struct ctx *ctx, json_t *d)
{
	(void)d;
	return actor_has(ctx->actor, ROLE_ADMIN);
}

static bool
is_structure(const struct ctx *ctx, json_t *d)
{
	return holds(ctx, ROLE_EMPLOYER, d);
}

/* A draft is the structure's own until it is submitted; one withdrawn before that stays so. */
static bool
submitted(json_t *d)
{
	return state_of(str_of(d, "state")) != S_DRAFT && !json_is_null(json_object_get(d, "submitted_at"));
}

static bool
is_national(const struct ctx *ctx, json_t *d)
{
	return submitted(d) && holds(ctx, ROLE_NATIONAL, d);
}

static bool
is_reviewer(const struct ctx *ctx, json_t *d)
{
	return submitted(d) && (holds(ctx, ROLE_REGIONAL, d) || holds(ctx, ROLE_POLE, d));
}

#define SUBMITTED_SQL "d.state <> 'draft' AND d.submitted_at IS NOT NULL"

static const struct scope_rule dossier_rules[] = {
	{ "admin", ROLE_BIT(ROLE_ADMIN), "1 = 1", is_admin },
	{ "the structure", ROLE_BIT(ROLE_EMPLOYER), "d.organisation_id IN " SCOPE_ORGS("employer"), is_structure },
	{ "national officer, once submitted", ROLE_BIT(ROLE_NATIONAL), SUBMITTED_SQL, is_national },
	{ "regional officer or pole of its region, once submitted", ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_POLE),
	    SUBMITTED_SQL
	    " AND (d.region_code IN " SCOPE_REGIONS("regional") " OR d.region_code IN " SCOPE_REGIONS("pole") ")",
	    is_reviewer },
};

static const struct scope dossier_scope = { "dossier", "dossiers d", "d.id", dossier_rules,
	sizeof(dossier_rules) / sizeof(dossier_rules[0]) };

/* Dossier ID for an actor who may read it; TR_NOT_FOUND also when they may not (it does not exist for them). */
static tr_err
load_readable(struct ctx *ctx, int64_t id, json_t **out)
{
	bool ok;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = load(ctx, id, out)) != TR_OK)
		return err;
	if ((err = scope_check(ctx, &dossier_scope, *out, id, &ok)) != TR_OK || !ok) {
		json_decref(*out);
		*out = NULL;
		return err != TR_OK ? err : ctx_fail(ctx, TR_NOT_FOUND, "Ce dossier n'existe pas.");
	}
	return TR_OK;
}

/* ---- Checking the fields ---- */

/* The checks of references that a draft already gets: the job profile and the pole belong to the
 * programme, the place exists and is one of the dossier's organisation, the development project fits its lines. Sets *REGION to the place's
 * region ("" when unknown, NULL when no place). */
static void
check_refs(struct ctx *ctx, int64_t programme_id, json_t *d, const char **region)
{
	struct db_rows *r;
	const char *place_id = str_of(d, "place_id"), *dev = str_of(d, "development_project");
	int64_t jp = int_of(d, "job_profile_id"), pole = int_of(d, "pole_id");

	*region = NULL;
	if (place_id != NULL) {
		struct place *p;
		struct ctx sub = *ctx;
		if (place_get(&sub, place_id, &p) != TR_OK)
			field_errors_add(&ctx->errors, "place_id",
			    "« Espace public numérique » ne désigne aucun lieu de l'annuaire : choisissez-le dans la "
			    "recherche ou créez-le.");
		else if (p->organisation_id != int_of(d, "organisation_id"))
			/* A dossier lands in the queue of its place's region: only the structure's own places. */
			field_errors_add(&ctx->errors, "place_id",
			    "« Espace public numérique » : ce lieu n'est pas un lieu de votre structure. Choisissez "
			    "l'un "
			    "de ses lieux, ou créez-le dans l'annuaire.");
		else {
			json_object_set_new(d, "place_id", json_string(p->v[PLACE_F_ID]));
			*region = p->region_code ? p->region_code : "";
		}
	}
	if (jp > 0 && db_onev(ctx->db, ctx->arena, "SELECT id FROM job_profiles WHERE id = ? AND programme_id = ?", &r,
	                  DB_I64(jp), DB_I64(programme_id)) != TR_OK)
		field_errors_add(
		    &ctx->errors, "job_profile_id", "« Métier » n'est pas une fiche métier de ce dispositif.");
	if (pole > 0 && db_onev(ctx->db, ctx->arena, "SELECT id FROM poles WHERE id = ? AND programme_id = ?", &r,
	                    DB_I64(pole), DB_I64(programme_id)) != TR_OK)
		field_errors_add(
		    &ctx->errors, "pole_id", "« Pôle de ressources référent » n'est pas un pôle de ce dispositif.");
	if (dev != NULL && text_lines(dev, DOSSIER_LINE_WIDTH) > DOSSIER_PROJECT_LINES)
		field_errors_add(&ctx->errors, "development_project",
		    arena_printf(ctx->arena,
		        "« Projet de développement ou de redynamisation de l'EPN » occupe %zu lignes de %d caractères "
		        ": "
		        "%d au plus.",
		        text_lines(dev, DOSSIER_LINE_WIDTH), DOSSIER_LINE_WIDTH, DOSSIER_PROJECT_LINES));
}

static void
need(struct ctx *ctx, json_t *d, const char *name)
{
	json_t *v = json_object_get(d, name);
	const struct field *f;

	if (v != NULL && !json_is_null(v) && !(json_is_string(v) && json_string_length(v) == 0))
		return;
	f = entity_field(&entity_dossier, name);
	field_errors_add(&ctx->errors, name,
	    arena_printf(ctx->arena, "« %s » est obligatoire pour déposer le dossier.", f ? f->label : name));
}

/* Everything a submitted dossier must hold, by the programme's rules. */
static tr_err
check_complete(struct ctx *ctx, json_t *d)
{
	static const char *const always[] = { "place_id", "employer_category", "contact_name", "contact_email",
		"project", "job_profile_id", "training_path", "development_project", "posts_requested", "signed_on",
		"signatory" };
	static const char *const tutor[] = { "tutor_name", "tutor_qualities" };
	static const char *const sponsor[] = { "sponsor_name", "sponsor_qualities" };
	static const char *const company[] = { "company_name", "company_siret", "company_activity" };
	json_t *rules;
	const char *region, *cat = str_of(d, "employer_category"), *signed_on = str_of(d, "signed_on");
	struct db_rows *r;
	tr_err err;

	if ((err = programme_rules(ctx, int_of(d, "programme_id"), &rules)) != TR_OK)
		return err;
	for (size_t i = 0; i < ARRAY_LEN(always); i++)
		need(ctx, d, always[i]);
	for (size_t i = 0; json_is_true(json_object_get(rules, "requires_tutor")) && i < ARRAY_LEN(tutor); i++)
		need(ctx, d, tutor[i]);
	for (size_t i = 0; json_is_true(json_object_get(rules, "requires_sponsor")) && i < ARRAY_LEN(sponsor); i++)
		need(ctx, d, sponsor[i]);
	for (size_t i = 0; json_is_true(json_object_get(rules, "requires_company")) && i < ARRAY_LEN(company); i++)
		need(ctx, d, company[i]);
	if (json_is_true(json_object_get(rules, "requires_pole")))
		need(ctx, d, "pole_id");
	check_refs(ctx, int_of(d, "programme_id"), d, &region);
	if (region != NULL && *region == '\0')
		field_errors_add(&ctx->errors, "place_id",
		    "« Espace public numérique » : la commune de ce lieu est inconnue, sa région ne peut pas être "
		    "déterminée. Corrigez le code INSEE du lieu.");
	if (cat != NULL) {
		const char *cats = str_of(rules, "employer_categories");
		const char *hit = cats ? strstr(cats, cat) : NULL;
		size_t n = strlen(cat);
		if (hit == NULL || (hit != cats && hit[-1] != '|') || (hit[n] != '\0' && hit[n] != '|'))
			field_errors_add(&ctx->errors, "employer_category",
			    arena_printf(ctx->arena,
			        "« Catégorie de l'employeur » : « %s » n'est pas éligible à ce dispositif.",
			        vocab_label(&vocab_employer_category, cat)));
	}
	if (int_of(d, "job_profile_id") > 0 &&
	    db_onev(ctx->db, ctx->arena, "SELECT id FROM job_profiles WHERE id = ? AND active = 1", &r,
	        DB_I64(int_of(d, "job_profile_id"))) == TR_NOT_FOUND)
		field_errors_add(
		    &ctx->errors, "job_profile_id", "« Métier » n'est plus proposé : choisissez-en un autre.");
	if (int_of(d, "pole_id") > 0 && region != NULL && *region != '\0' &&
	    db_onev(ctx->db, ctx->arena, "SELECT id FROM poles WHERE id = ? AND ('|' || regions || '|') LIKE ?", &r,
	        DB_I64(int_of(d, "pole_id")), DB_TEXT(arena_printf(ctx->arena, "%%|%s|%%", region))) == TR_NOT_FOUND)
		field_errors_add(&ctx->errors, "pole_id",
		    "« Pôle de ressources référent » ne couvre pas la région de l'espace public numérique.");
	if (signed_on != NULL && strcmp(signed_on, date_iso(ctx->arena, ctx->now)) > 0)
		field_errors_add(&ctx->errors, "signed_on", "« Date de signature » ne peut pas être dans le futur.");
	json_decref(rules);
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

/* ---- Writing ---- */

/* Every editable column, in entity_dossier's order. */
static tr_err
write_fields(struct ctx *ctx, int64_t id, json_t *d, const char *region, int64_t version, int64_t *changed)
{
	return db_execv(ctx->db,
	    "UPDATE dossiers SET place_id = ?, employer_category = ?, contact_name = ?, contact_email = ?, "
	    "contact_phone = ?, project = ?, job_profile_id = ?, netpublic = ?, listed_national = ?, tutor_name = ?, "
	    "tutor_qualities = ?, sponsor_name = ?, sponsor_qualities = ?, company_name = ?, company_siret = ?, "
	    "company_activity = ?, pole_id = ?, training_path = ?, development_project = ?, posts_requested = ?, "
	    "signed_on = ?, signatory = ?, region_code = ?, updated_at = ?, version = version + 1 WHERE id = ? AND "
	    "version = ?",
	    changed, DB_TEXT(str_of(d, "place_id")), DB_TEXT(str_of(d, "employer_category")),
	    DB_TEXT(str_of(d, "contact_name")), DB_TEXT(str_of(d, "contact_email")),
	    DB_TEXT(str_of(d, "contact_phone")), DB_TEXT(str_of(d, "project")),
	    int_of(d, "job_profile_id") > 0 ? DB_I64(int_of(d, "job_profile_id")) : DB_NULLV,
	    DB_BOOL(json_is_true(json_object_get(d, "netpublic"))),
	    DB_BOOL(json_is_true(json_object_get(d, "listed_national"))), DB_TEXT(str_of(d, "tutor_name")),
	    DB_TEXT(str_of(d, "tutor_qualities")), DB_TEXT(str_of(d, "sponsor_name")),
	    DB_TEXT(str_of(d, "sponsor_qualities")), DB_TEXT(str_of(d, "company_name")),
	    DB_TEXT(str_of(d, "company_siret")), DB_TEXT(str_of(d, "company_activity")),
	    int_of(d, "pole_id") > 0 ? DB_I64(int_of(d, "pole_id")) : DB_NULLV, DB_TEXT(str_of(d, "training_path")),
	    DB_TEXT(str_of(d, "development_project")),
	    int_of(d, "posts_requested") > 0 ? DB_I64(int_of(d, "posts_requested")) : DB_NULLV,
	    DB_TEXT(str_of(d, "signed_on")), DB_TEXT(str_of(d, "signatory")),
	    DB_TEXT(region && *region ? region : NULL), DB_I64(ctx->now), DB_I64(id), DB_I64(version));
}

/* Merges the validated fields of IN into D: a field sent (even empty) replaces the value, a field not
 * sent keeps it. */
static void
merge(json_t *d, json_t *in, json_t *clean)
{
	for (size_t i = 0; i < entity_dossier.nfields; i++) {
		const char *name = entity_dossier.fields[i].name;
		json_t *v;
		if (json_object_get(in, name) == NULL)
			continue;
		v = json_object_get(clean, name);
		json_object_set(d, name, v ? v : json_null());
	}
}

static int64_t
only_employer_org(const struct actor *a)
{
	int64_t org = 0;

	for (size_t i = 0; a && i < a->nroles; i++)
		if (a->roles[i].role == ROLE_EMPLOYER) {
			if (org != 0 && org != a->roles[i].org_id)
				return -1;
			org = a->roles[i].org_id;
		}
	return org;
}

tr_err
dossier_create(struct ctx *ctx, int64_t programme_id, int64_t org_id, json_t *in, int64_t *id)
{
	json_t *clean = NULL, *rules = NULL, *d = NULL;
	const char *region;
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_EMPLOYER))) != TR_OK)
		return err;
	if (org_id == 0 && (org_id = only_employer_org(ctx->actor)) < 0) {
		field_errors_add(&ctx->errors, "organisation_id",
		    "« Structure » : vous êtes membre de plusieurs structures, choisissez celle qui dépose le "
		    "dossier.");
		return TR_INVALID;
	}
	if (!actor_in_org(ctx->actor, ROLE_EMPLOYER, org_id))
		return ctx_fail(ctx, TR_FORBIDDEN, "Vous ne pouvez déposer un dossier que pour votre structure.");
	if (programme_id <= 0 || programme_rules(ctx, programme_id, &rules) != TR_OK) {
		ctx->message = NULL;
		field_errors_add(&ctx->errors, "programme_id", "« Dispositif » ne désigne aucun dispositif.");
		return TR_INVALID;
	}
	if (!json_is_true(json_object_get(rules, "active"))) {
		json_decref(rules);
		field_errors_add(
		    &ctx->errors, "programme_id", "« Dispositif » n'est plus ouvert aux nouveaux dossiers.");
		return TR_INVALID;
	}
	json_decref(rules);
	err = entity_validate(&entity_dossier, in, true, ctx->arena, &ctx->errors, &clean);
	d = json_object();
	merge(d, in, clean);
	json_object_set_new(d, "organisation_id", json_integer(org_id));
	check_refs(ctx, programme_id, d, &region);
	if (err != TR_OK || ctx->errors.n) {
		err = TR_INVALID;
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO dossiers (programme_id, organisation_id, state, version, created_by, created_at, updated_at, "
	    "state_since) VALUES (?, ?, 'draft', 0, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(programme_id), DB_I64(org_id), DB_I64(ctx->actor->person_id), DB_I64(ctx->now), DB_I64(ctx->now),
	    DB_I64(ctx->now)));
	*id = db_int(db_cell(r, 0, 0));
	/* Written at version 0, so that the new draft reads as version 1. */
	TRY(write_fields(ctx, *id, d, region, 0, NULL));
	json_object_set_new(d, "programme_id", json_integer(programme_id));
	json_object_set_new(d, "organisation_id", json_integer(org_id));
	TRY(journal_append(ctx, "dossier", *id, "create", d));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(clean);
	json_decref(d);
	return err;
}

tr_err
dossier_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *clean = NULL, *d = NULL, *before = NULL, *detail;
	const char *region;
	int64_t changed = 0;
	enum dstate s;
	tr_err err;

	if ((err = load_readable(ctx, id, &d)) != TR_OK)
		return err;
	if (!holds(ctx, ROLE_EMPLOYER, d)) {
		err = ctx_fail(ctx, TR_FORBIDDEN, "Seule la structure qui dépose le dossier peut le modifier.");
		goto out_nodb;
	}
	if (int_of(d, "version") != version) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce dossier a changé depuis votre lecture : rechargez la page.");
		goto out_nodb;
	}
	s = state_of(str_of(d, "state"));
	if (s != S_DRAFT && s != S_CHANGES) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    "Ce dossier ne peut plus être modifié : il est en cours d'instruction ou déjà décidé.");
		goto out_nodb;
	}
	before = json_deep_copy(d);
	err = entity_validate(&entity_dossier, in, true, ctx->arena, &ctx->errors, &clean);
	merge(d, in, clean);
	check_refs(ctx, int_of(d, "programme_id"), d, &region);
	if (err != TR_OK || ctx->errors.n) {
		err = TR_INVALID;
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	TRY(write_fields(ctx, id, d, region, version, &changed));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce dossier a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	/* The journal keeps what changed, field by field. */
	detail = json_pack("{s:o, s:o}", "before", json_object(), "after", json_object());
	for (size_t i = 0; i < entity_dossier.nfields; i++) {
		const char *name = entity_dossier.fields[i].name;
		json_t *a = json_object_get(before, name), *b = json_object_get(d, name);
		if (!json_equal(a ? a : json_null(), b ? b : json_null())) {
			json_object_set(json_object_get(detail, "before"), name, a ? a : json_null());
			json_object_set(json_object_get(detail, "after"), name, b ? b : json_null());
		}
	}
	err = journal_append(ctx, "dossier", id, "update", detail);
	json_decref(detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(clean);
	json_decref(d);
	json_decref(before);
	return err;
}

/* ---- The engine ---- */

static tr_err
effect_submit(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail)
{
	tr_err err;

	if ((err = check_complete(ctx, d)) != TR_OK)
		return err;
	return db_execv(ctx->db,
	    "UPDATE dossiers SET submitted_at = COALESCE(submitted_at, CAST(? AS BIGINT)), questions = NULL WHERE id "
	    "= ?",
	    NULL, DB_I64(ctx->now), DB_I64(int_of(d, "id")));
}

static tr_err
effect_opinion(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail)
{
	return db_execv(ctx->db,
	    "UPDATE dossiers SET opinion = ?, opinion_suggestions = ?, opinion_advice = ?, opinion_by = ?, "
	    "opinion_at = ? WHERE id = ?",
	    NULL, DB_TEXT(str_of(payload, "opinion")), DB_TEXT(str_of(payload, "suggestions")),
	    DB_TEXT(str_of(payload, "advice")), DB_I64(ctx->actor->person_id), DB_I64(ctx->now),
	    DB_I64(int_of(d, "id")));
}

/* Records the decision's protocol: the PDF as it reads now, its SHA-256 on the dossier and in the journal
 * entry's detail. */
static tr_err record_protocol(struct ctx *ctx, int64_t id, json_t *detail);

static tr_err
effect_validate(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail)
{
	int64_t granted = int_of(payload, "posts_granted"), requested = int_of(d, "posts_requested");
	const char *override = str_of(payload, "override_reason"), *region = str_of(d, "region_code");
	struct db_rows *r;
	int64_t target, total, rtarget = -1, rtotal = 0;
	tr_err err;

	if (granted > requested) {
		field_errors_add(&ctx->errors, "posts_granted",
		    arena_printf(ctx->arena,
		        "« Nombre de postes accordés » ne peut pas dépasser les %lld postes demandés.",
		        (long long)requested));
		return TR_INVALID;
	}
	/* Read inside the transaction, so that two validations at once see each other (SQLite writes one at a
	 * time; PostgreSQL's row lock on the dossier plus the programme row below serialise them). */
	if ((err = db_execv(ctx->db, "UPDATE programmes SET updated_at = updated_at WHERE id = ?", NULL,
	         DB_I64(int_of(d, "programme_id")))) != TR_OK)
		return err;
	if ((err = db_onev(ctx->db, ctx->arena,
	         "SELECT p.target_posts, COALESCE((SELECT SUM(x.posts_granted) FROM dossiers x WHERE x.programme_id = "
	         "p.id AND x.state = 'validated'), 0), (SELECT t.target_posts FROM programme_region_targets t WHERE "
	         "t.programme_id = p.id AND t.region_code = ?), COALESCE((SELECT SUM(x.posts_granted) FROM dossiers x "
	         "WHERE x.programme_id = p.id AND x.state = 'validated' AND x.region_code = ?), 0) FROM programmes p "
	         "WHERE p.id = ?",
	         &r, DB_TEXT(region), DB_TEXT(region), DB_I64(int_of(d, "programme_id")))) != TR_OK)
		return err;
	target = db_int(db_cell(r, 0, 0));
	total = db_int(db_cell(r, 0, 1));
	if (db_cell(r, 0, 2)->type != DBV_NULL)
		rtarget = db_int(db_cell(r, 0, 2));
	rtotal = db_int(db_cell(r, 0, 3));
	if ((total + granted > target || (rtarget >= 0 && rtotal + granted > rtarget)) && override == NULL) {
		field_errors_add(&ctx->errors, "override_reason",
		    total + granted > target
		        ? arena_printf(ctx->arena,
		              "« Motif du dépassement de l'objectif » est obligatoire : %lld postes sont déjà accordés "
		              "sur "
		              "un objectif de %lld, en accorder %lld de plus le dépasse.",
		              (long long)total, (long long)target, (long long)granted)
		        : arena_printf(ctx->arena,
		              "« Motif du dépassement de l'objectif » est obligatoire : %lld postes sont déjà accordés "
		              "dans la région sur un objectif régional de %lld, en accorder %lld de plus le dépasse.",
		              (long long)rtotal, (long long)rtarget, (long long)granted));
		return TR_INVALID;
	}
	if (override != NULL && total + granted <= target && (rtarget < 0 || rtotal + granted <= rtarget))
		override = NULL; /* nothing to override: not recorded as if it were */
	json_object_set_new(detail, "quota",
	    json_pack("{s:I, s:I, s:I}", "target", (json_int_t)target, "granted_before", (json_int_t)total,
	        "granted_now", (json_int_t)granted));
	if (override)
		json_object_set_new(detail, "quota_override", json_string(override));
	if ((err = db_execv(ctx->db,
	         "UPDATE dossiers SET decision = 'validated', posts_granted = ?, decision_reason = NULL, "
	         "quota_override "
	         "= ?, decision_by = ?, decision_at = ? WHERE id = ?",
	         NULL, DB_I64(granted), DB_TEXT(override), DB_I64(ctx->actor->person_id), DB_I64(ctx->now),
	         DB_I64(int_of(d, "id")))) != TR_OK)
		return err;
	return record_protocol(ctx, int_of(d, "id"), detail);
}

static tr_err
effect_refuse(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail)
{
	tr_err err = db_execv(ctx->db,
	    "UPDATE dossiers SET decision = 'refused', posts_granted = 0, decision_reason = ?, quota_override = NULL, "
	    "decision_by = ?, decision_at = ? WHERE id = ?",
	    NULL, DB_TEXT(str_of(payload, "reason")), DB_I64(ctx->actor->person_id), DB_I64(ctx->now),
	    DB_I64(int_of(d, "id")));

	return err != TR_OK ? err : record_protocol(ctx, int_of(d, "id"), detail);
}

static tr_err
effect_questions(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail)
{
	return db_execv(ctx->db, "UPDATE dossiers SET questions = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(payload, "questions")), DB_I64(int_of(d, "id")));
}

static tr_err
effect_reason(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail)
{
	return db_execv(ctx->db, "UPDATE dossiers SET last_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(payload, "reason")), DB_I64(int_of(d, "id")));
}

/* The decision is taken again: the posts it granted go back to the pool; the journal keeps the old one. */
static tr_err
effect_reopen(struct ctx *ctx, json_t *d, json_t *payload, json_t *detail)
{
	return db_execv(ctx->db,
	    "UPDATE dossiers SET last_reason = ?, decision = NULL, posts_granted = 0, decision_reason = NULL, "
	    "quota_override = NULL, decision_by = NULL, decision_at = NULL, pdf_sha256 = NULL WHERE id = ?",
	    NULL, DB_TEXT(str_of(payload, "reason")), DB_I64(int_of(d, "id")));
}

/* The emails of the people of AUDIENCE for dossier D, the actor left out. */
static tr_err
recipients(struct ctx *ctx, json_t *d, unsigned audience, struct db_rows **out)
{
	const char *region = str_of(d, "region_code");

	return db_queryv(ctx->db, ctx->arena,
	    "SELECT DISTINCT p.email FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.active = 1 AND "
	    "p.id <> ? AND ((m.role = 'employer' AND m.organisation_id = ? AND 1 = ?) OR (m.role IN ('regional', "
	    "'pole') AND EXISTS (SELECT 1 FROM membership_regions mr WHERE mr.membership_id = m.id AND "
	    "mr.region_code = ?) AND ((m.role = 'regional' AND 1 = ?) OR (m.role = 'pole' AND 1 = ?))) OR (m.role = "
	    "'national' AND 1 = ?)) ORDER BY p.email",
	    out, DB_I64(ctx->actor ? ctx->actor->person_id : 0), DB_I64(int_of(d, "organisation_id")),
	    DB_BOOL(audience & TO_STRUCTURE), DB_TEXT(region ? region : "-"), DB_BOOL(audience & TO_REGIONAL),
	    DB_BOOL(audience & TO_POLE), DB_BOOL(audience & TO_NATIONAL));
}

static tr_err
notify(struct ctx *ctx, json_t *d, unsigned audience, const char *subject, const char *body)
{
	struct db_rows *r;
	tr_err err;

	if ((err = recipients(ctx, d, audience, &r)) != TR_OK)
		return err;
	for (size_t i = 0; i < r->nrows; i++)
		if ((err = outbox_email(ctx, db_cell(r, i, 0)->s.p, subject, body)) != TR_OK)
			return err;
	return TR_OK;
}

/* "n° 12 — Les Ateliers numériques (2000 Emplois d'Avenir en EPN)": how mails name a dossier. */
static const char *
dossier_title(struct ctx *ctx, json_t *d)
{
	return arena_printf(ctx->arena, "n° %lld — %s (%s)", (long long)int_of(d, "id"), str_of(d, "organisation_name"),
	    str_of(d, "programme_name"));
}

tr_err
dossier_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version)
{
	const struct transition *t = NULL;
	json_t *d = NULL, *clean = NULL, *detail = NULL;
	enum dstate from;
	bool known = false, allowed_somewhere = false;
	int64_t changed = 0;
	tr_err err;

	if ((err = load_readable(ctx, id, &d)) != TR_OK)
		return err;
	from = state_of(str_of(d, "state"));
	for (size_t i = 0; i < ARRAY_LEN(transitions); i++) {
		const struct transition *x = &transitions[i];
		if (strcmp(x->action, action) != 0)
			continue;
		known = true;
		if (!holds(ctx, x->who, d))
			continue;
		allowed_somewhere = true;
		if (x->from & SB(from)) {
			t = x;
			break;
		}
	}
	if (!known) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Cette action n'existe pas.");
		goto out_nodb;
	}
	if (!allowed_somewhere) {
		err = ctx_fail(ctx, TR_FORBIDDEN,
		    arena_printf(ctx->arena, "Vous ne pouvez pas « %s » : ce n'est pas votre rôle sur ce dossier.",
		        dossier_action_label(action)));
		goto out_nodb;
	}
	if (int_of(d, "version") != version) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce dossier a changé depuis votre lecture : rechargez la page.");
		goto out_nodb;
	}
	if (t == NULL) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    arena_printf(ctx->arena, "« %s » n'est pas possible : le dossier est « %s ».",
		        dossier_action_label(action), vocab_label(&vocab_dossier_state, str_of(d, "state"))));
		goto out_nodb;
	}
	if (t->payload != NULL) {
		json_t *in = payload ? payload : json_object();
		err = entity_validate(t->payload, in, t->payload_optional, ctx->arena, &ctx->errors, &clean);
		if (in != payload)
			json_decref(in);
		if (err != TR_OK)
			goto out_nodb;
	}
	detail = json_pack("{s:s, s:s}", "from", state_codes[from], "to", state_codes[t->to]);
	if (clean != NULL && json_object_size(clean) > 0)
		json_object_set(detail, "payload", clean);
	TRY(tx_begin(ctx));
	/* The version check takes the row: a concurrent action on the same dossier waits and then fails. */
	TRY(db_execv(ctx->db,
	    "UPDATE dossiers SET state = ?, state_since = ?, updated_at = ?, version = version + 1 WHERE id = ? AND "
	    "version = ? AND state = ?",
	    &changed, DB_TEXT(state_codes[t->to]), DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(id), DB_I64(version),
	    DB_TEXT(state_codes[from])));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce dossier a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	TRY(t->effect(ctx, d, clean, detail));
	json_object_set_new(detail, "version", json_integer(version + 1));
	TRY(journal_append(ctx, "dossier", id, action, detail));
	{
		const char *title = dossier_title(ctx, d);
		const char *extra = "";
		if (clean && str_of(clean, "questions"))
			extra = arena_printf(ctx->arena, "\nQuestions :\n%s\n", str_of(clean, "questions"));
		else if (clean && str_of(clean, "reason"))
			extra = arena_printf(ctx->arena, "\nMotif :\n%s\n", str_of(clean, "reason"));
		else if (clean && str_of(clean, "opinion"))
			extra = arena_printf(
			    ctx->arena, "\nAvis : %s\n", vocab_label(&vocab_opinion, str_of(clean, "opinion")));
		/* A draft withdrawn was never seen by anyone but its structure. */
		if (from != S_DRAFT || t->to != S_WITHDRAWN)
			TRY(notify(ctx, d, t->notify,
			    arena_printf(ctx->arena, "Dossier %s : %s", title,
			        vocab_label(&vocab_dossier_state, state_codes[t->to])),
			    arena_printf(ctx->arena,
			        "Bonjour,\n\n%s a effectué l'action « %s » sur le dossier %s.\nIl est désormais : "
			        "%s.\n%s\n"
			        "Consulter le dossier : %s/dossiers/%lld\n\n— tremplin\n",
			        ctx->actor->name, t->label, title,
			        vocab_label(&vocab_dossier_state, state_codes[t->to]), extra,
			        ctx->cfg ? ctx->cfg->base_url : "", (long long)id)));
	}
	if (new_version)
		*new_version = version + 1;
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(d);
	json_decref(clean);
	json_decref(detail);
	return err;
}

/* ---- Reading ---- */

static json_t *
actions_for(const struct ctx *ctx, json_t *d)
{
	json_t *a = json_array();
	enum dstate s = state_of(str_of(d, "state"));

	for (size_t i = 0; i < ARRAY_LEN(transitions); i++) {
		const struct transition *t = &transitions[i];
		bool dup = false;
		size_t k;
		json_t *x;
		if (!(t->from & SB(s)) || !holds(ctx, t->who, d))
			continue;
		json_array_foreach(a, k, x) dup |= strcmp(json_str(x, "action"), t->action) == 0;
		if (!dup)
			json_array_append_new(
			    a, json_pack("{s:s, s:s, s:s?, s:b}", "action", t->action, "label", t->label, "payload",
			           t->payload ? t->payload->name : NULL, "payload_optional", t->payload_optional));
	}
	return a;
}

static void
decorate(struct ctx *ctx, json_t *d)
{
	const char *state = str_of(d, "state"), *opinion = str_of(d, "opinion"), *cat = str_of(d, "employer_category");
	enum dstate s = state_of(state);

	json_object_set_new(d, "state_label", json_string(vocab_label(&vocab_dossier_state, state)));
	if (opinion)
		json_object_set_new(d, "opinion_label", json_string(vocab_label(&vocab_opinion, opinion)));
	if (cat)
		json_object_set_new(
		    d, "employer_category_label", json_string(vocab_label(&vocab_employer_category, cat)));
	json_object_set_new(d, "days_waiting", json_integer((ctx->now - int_of(d, "state_since")) / 86400));
	json_object_set_new(
	    d, "can_edit", json_boolean((s == S_DRAFT || s == S_CHANGES) && holds(ctx, ROLE_EMPLOYER, d)));
	json_object_set_new(d, "actions", actions_for(ctx, d));
}

tr_err
dossier_get(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err = load_readable(ctx, id, out);

	if (err == TR_OK)
		decorate(ctx, *out);
	return err;
}

tr_err
dossier_place_choices(struct ctx *ctx, json_t **out)
{
	const struct actor *a = ctx->actor;
	const char *in = "";
	struct db_val p[ACTOR_ROLES_MAX];
	size_t np = 0;
	struct db_rows *r;
	tr_err err;

	for (size_t i = 0; a && i < a->nroles; i++)
		if (a->roles[i].role == ROLE_EMPLOYER && a->roles[i].org_id > 0) {
			in = arena_printf(ctx->arena, "%s%s?", in, np ? ", " : "");
			p[np++] = DB_I64(a->roles[i].org_id);
		}
	if (np == 0) {
		*out = json_array();
		return TR_OK;
	}
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena,
	        "SELECT id, nom, commune FROM places WHERE organisation_id IN (%s) AND merged_into IS NULL ORDER BY "
	        "nom, id LIMIT 500",
	        in),
	    p, np, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

tr_err
dossier_journal(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *d;
	tr_err err = load_readable(ctx, id, &d);

	if (err != TR_OK)
		return err;
	json_decref(d);
	return journal_list(ctx, "dossier", id, out);
}

/* A structure follows its latest changes; reviewers take the oldest waiting first. */
static const struct list_sort dossier_sorts[] = {
	{ "recent", "d.updated_at DESC, d.id DESC" },
	{ "waiting", "d.state_since ASC, d.id ASC" },
};

static const struct list_spec dossier_list_spec = { &dossier_scope, DOSSIER_SELECT, dossier_sorts,
	sizeof(dossier_sorts) / sizeof(dossier_sorts[0]), 0 };

tr_err
dossier_list(struct ctx *ctx, const struct dossier_filter *f, json_t **out)
{
	struct sqlw w;
	json_t *it;
	size_t i;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	scope_where(ctx, &dossier_scope, &w);
	if (f->programme_id > 0)
		sqlw_and(&w, "d.programme_id = ?", DB_I64(f->programme_id));
	if (f->job_profile_id > 0)
		sqlw_and(&w, "d.job_profile_id = ?", DB_I64(f->job_profile_id));
	if (f->region && *f->region)
		sqlw_and(&w, "d.region_code = ?", DB_TEXT(f->region));
	if (f->state && *f->state)
		sqlw_and(&w, "d.state = ?", DB_TEXT(f->state));
	if ((err = list_run(ctx, &dossier_list_spec, &w,
	         actor_has_any(ctx->actor,
	             ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_ADMIN))
	             ? "waiting"
	             : "recent",
	         f->page, f->per_page, out)) != TR_OK)
		return err;
	json_array_foreach(json_object_get(*out, "items"), i, it)
	{
		json_object_set_new(it, "netpublic", json_boolean(int_of(it, "netpublic")));
		json_object_set_new(it, "listed_national", json_boolean(int_of(it, "listed_national")));
		decorate(ctx, it);
	}
	return TR_OK;
}

/* ---- Messages ---- */

tr_err
dossier_message_add(struct ctx *ctx, int64_t id, json_t *in, int64_t *message_id)
{
	json_t *d = NULL, *clean = NULL, *detail = NULL;
	struct db_rows *r;
	bool from_structure;
	tr_err err;

	if ((err = load_readable(ctx, id, &d)) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_message, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out_nodb;
	from_structure = holds(ctx, ROLE_EMPLOYER, d);
	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO dossier_messages (dossier_id, author_id, author_label, body, created_at) VALUES (?, ?, ?, ?, "
	    "?) "
	    "RETURNING id",
	    &r, DB_I64(id), DB_I64(ctx->actor->person_id), DB_TEXT(ctx->actor->name), DB_TEXT(str_of(clean, "body")),
	    DB_I64(ctx->now)));
	*message_id = db_int(db_cell(r, 0, 0));
	detail = json_pack("{s:I}", "message_id", (json_int_t)*message_id);
	TRY(journal_append(ctx, "dossier", id, "message", detail));
	if (state_of(str_of(d, "state")) != S_DRAFT) {
		/* The structure writes to those who review it at this step; a reviewer writes to the structure and
		 * the other reviewers. */
		unsigned to = from_structure ? (state_of(str_of(d, "state")) == S_NATIONAL ? TO_NATIONAL | TO_REGIONAL
		                                                                           : TO_REGIONAL)
		                             : TO_STRUCTURE | TO_REGIONAL;
		const char *title = dossier_title(ctx, d);
		TRY(notify(ctx, d, to, arena_printf(ctx->arena, "Dossier %s : nouveau message", title),
		    arena_printf(ctx->arena,
		        "Bonjour,\n\n%s a écrit sur le dossier %s :\n\n%s\n\nRépondre : %s/dossiers/%lld\n\n— "
		        "tremplin\n",
		        ctx->actor->name, title, str_of(clean, "body"), ctx->cfg ? ctx->cfg->base_url : "",
		        (long long)id)));
	}
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(d);
	json_decref(clean);
	json_decref(detail);
	return err;
}

tr_err
dossier_messages(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *d;
	struct db_rows *r;
	tr_err err = load_readable(ctx, id, &d);

	if (err != TR_OK)
		return err;
	json_decref(d);
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, author_id, author_label, body, created_at FROM dossier_messages WHERE dossier_id = ? "
	         "ORDER BY "
	         "id",
	         &r, DB_I64(id))) != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

/* ---- The protocol ---- */

static const char *
day_of(struct ctx *ctx, json_t *d, const char *key)
{
	json_t *v = json_object_get(d, key);
	return json_is_integer(v) ? date_iso(ctx->arena, json_integer_value(v)) : NULL;
}

/* The document protocol_pdf draws, from a loaded dossier. */
static json_t *
protocol_doc(struct ctx *ctx, json_t *d)
{
	const char *opinion = str_of(d, "opinion"), *decision = str_of(d, "decision");
	json_t *doc = json_pack("{s:s, s:s?, s:{s:s?, s:s?, s:s?, s:s?}, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:b}",
	    "reference", arena_printf(ctx->arena, "%s-%06lld", str_of(d, "programme_code"), (long long)int_of(d, "id")),
	    "programme_name", str_of(d, "programme_name"), "place", "nom", str_of(d, "place_nom"), "adresse",
	    str_of(d, "place_adresse"), "code_postal", str_of(d, "place_code_postal"), "commune",
	    str_of(d, "place_commune"), "employer_name", str_of(d, "organisation_name"), "contact_name",
	    str_of(d, "contact_name"), "contact_email", str_of(d, "contact_email"), "contact_phone",
	    str_of(d, "contact_phone"), "project", str_of(d, "project"), "job_profile", str_of(d, "job_profile_title"),
	    "netpublic", json_is_true(json_object_get(d, "netpublic")), "listed_national",
	    json_is_true(json_object_get(d, "listed_national")));
	static const char *const copied[] = { "tutor_name", "tutor_qualities", "sponsor_name", "sponsor_qualities",
		"company_name", "company_siret", "company_activity", "pole_name", "training_path",
		"development_project", "signed_on", "signatory", "posts_requested" };

	for (size_t i = 0; i < ARRAY_LEN(copied); i++) {
		json_t *v = json_object_get(d, copied[i]);
		if (v && !json_is_null(v))
			json_object_set(doc, copied[i], v);
	}
	if (opinion)
		json_object_set_new(doc, "opinion",
		    json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", "label", vocab_label(&vocab_opinion, opinion),
		        "suggestions", str_of(d, "opinion_suggestions"), "advice", str_of(d, "opinion_advice"), "at",
		        day_of(ctx, d, "opinion_at"), "by", str_of(d, "opinion_by_name")));
	else
		json_object_set_new(doc, "opinion", json_null());
	if (decision)
		json_object_set_new(doc, "decision",
		    json_pack("{s:b, s:I, s:s?, s:s?, s:s?}", "validated", strcmp(decision, "validated") == 0,
		        "posts_granted", (json_int_t)int_of(d, "posts_granted"), "reason", str_of(d, "decision_reason"),
		        "at", day_of(ctx, d, "decision_at"), "by", str_of(d, "decision_by_name")));
	else
		json_object_set_new(doc, "decision", json_null());
	/* The document's own date is the decision's (or the last change's), so that the same dossier always
	 * gives the same bytes and the hash in the journal can be checked against a download. */
	json_object_set_new(doc, "created_at",
	    json_integer(json_is_integer(json_object_get(d, "decision_at")) ? int_of(d, "decision_at")
	                                                                    : int_of(d, "updated_at")));
	return doc;
}

static tr_err
render(struct ctx *ctx, json_t *d, struct buf *out)
{
	json_t *doc = protocol_doc(ctx, d);
	tr_err err = protocol_pdf(doc, out);

	json_decref(doc);
	if (err != TR_OK)
		return ctx_fail(ctx, err, "Le protocole n'a pas pu être mis en page.");
	return TR_OK;
}

static tr_err
record_protocol(struct ctx *ctx, int64_t id, json_t *detail)
{
	struct buf pdf = BUF_INIT(0);
	char hex[SEC_SHA256_HEX];
	json_t *d;
	tr_err err;

	if ((err = load(ctx, id, &d)) != TR_OK)
		return err;
	/* The row now holds the decision, but updated_at is that of the transition; the document dates from
	 * the decision. */
	err = render(ctx, d, &pdf);
	json_decref(d);
	if (err != TR_OK) {
		buf_free(&pdf);
		return err;
	}
	sec_sha256_hex(pdf.p, pdf.n, hex);
	buf_free(&pdf);
	json_object_set_new(detail, "protocol_sha256", json_string(hex));
	return db_execv(ctx->db, "UPDATE dossiers SET pdf_sha256 = ? WHERE id = ?", NULL, DB_TEXT(hex), DB_I64(id));
}

tr_err
dossier_protocol_pdf(struct ctx *ctx, int64_t id, struct buf *out)
{
	json_t *d;
	tr_err err = load_readable(ctx, id, &d);

	if (err != TR_OK)
		return err;
	err = render(ctx, d, out);
	json_decref(d);
	return err;
}
