/* Dossiers: Annex I, the transition table on the lifecycle engine with its guards, effects and messages, the
 * message thread, lists and the protocol. */
#include "domain/dossiers/dossier.h"

#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/outbox.h"
#include "domain/kernel/scope.h"
#include "domain/kernel/workflow.h"
#include "domain/places/place.h"
#include "domain/programmes/programme.h"
#include "domain/dossiers/protocol_pdf.h"
#include "model/programmes/programme.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The parties of a dossier, as the workflow's "who": its structure, the regional officers and the pole of its
 * region, the national officers. */
enum {
	P_STRUCTURE = 1 << 0,
	P_REGIONAL = 1 << 1,
	P_POLE = 1 << 2,
	P_NATIONAL = 1 << 3,
};

/* Who is told of a transition or a message. */
enum audience {
	TO_STRUCTURE = 1 << 0,
	TO_REGIONAL = 1 << 1,
	TO_POLE = 1 << 2,
	TO_NATIONAL = 1 << 3,
};

static tr_err guard_complete(struct wf_call *c);
static tr_err guard_submit(struct wf_call *c);
static tr_err guard_posts(struct wf_call *c);
static tr_err effect_submit(struct wf_call *c);
static tr_err effect_opinion(struct wf_call *c);
static tr_err effect_validate(struct wf_call *c);
static tr_err effect_refuse(struct wf_call *c);
static tr_err effect_questions(struct wf_call *c);
static tr_err effect_reason(struct wf_call *c);
static tr_err effect_reopen(struct wf_call *c);
static tr_err tell_reviewers(struct wf_call *c);
static tr_err tell_national(struct wf_call *c);
static tr_err tell_decision(struct wf_call *c);
static tr_err tell_structure(struct wf_call *c);
static tr_err tell_structure_region(struct wf_call *c);
static tr_err tell_withdrawal(struct wf_call *c);
static int state_of(json_t *d);

#define BEFORE_DECISION                                                                              \
	(WF_BIT(DOSSIER_DRAFT) | WF_BIT(DOSSIER_REGIONAL_REVIEW) | WF_BIT(DOSSIER_NATIONAL_REVIEW) | \
	    WF_BIT(DOSSIER_CHANGES_REQUESTED))

/* The workflow of DESIGN.md. An action may have several rows (request_changes: the region at its step,
 * the delegation at both); the first row whose state and actor fit applies. */
static const struct wf_transition transitions[] = {
	{ "submit", "Déposer le dossier", WF_BIT(DOSSIER_DRAFT), DOSSIER_REGIONAL_REVIEW, P_STRUCTURE, NULL, false,
	    guard_submit, effect_submit, tell_reviewers, WF_PRIMARY, NULL,
	    "Le dossier n° {n} est déposé : il a été transmis au chargé de mission régional.", NULL, NULL },
	{ "resubmit", "Déposer à nouveau le dossier complété", WF_BIT(DOSSIER_CHANGES_REQUESTED),
	    DOSSIER_REGIONAL_REVIEW, P_STRUCTURE, NULL, false, guard_complete, effect_submit, tell_reviewers,
	    WF_PRIMARY, NULL,
	    "Le dossier n° {n} complété est déposé à nouveau : il a été transmis au chargé de mission régional.", NULL,
	    NULL },
	{ "give_opinion", "Rendre l'avis régional", WF_BIT(DOSSIER_REGIONAL_REVIEW), DOSSIER_NATIONAL_REVIEW,
	    P_REGIONAL, &entity_opinion, false, NULL, effect_opinion, tell_national, WF_PRIMARY, NULL,
	    "L'avis régional sur le dossier n° {n} est rendu : le dossier a été transmis à la décision nationale.",
	    NULL, NULL },
	{ "validate", "Valider le dossier", WF_BIT(DOSSIER_NATIONAL_REVIEW), DOSSIER_VALIDATED, P_NATIONAL,
	    &entity_decision_validate, false, guard_posts, effect_validate, tell_decision, WF_PRIMARY,
	    "Valider ce dossier ? Le protocole sera établi, les postes accordés, et la structure pourra publier ses "
	    "offres.",
	    "Le dossier n° {n} est validé : le protocole est établi et la structure en est informée.", NULL, NULL },
	{ "refuse", "Refuser le dossier", WF_BIT(DOSSIER_NATIONAL_REVIEW), DOSSIER_REFUSED, P_NATIONAL, &entity_reason,
	    false, NULL, effect_refuse, tell_decision, WF_DANGER,
	    "Refuser ce dossier ? La structure en sera informée par courriel avec le motif ; seul un agent national "
	    "pourra le rouvrir.",
	    "Le dossier n° {n} est refusé ; la structure en est informée.", NULL, NULL },
	{ "request_changes", "Demander des compléments", WF_BIT(DOSSIER_REGIONAL_REVIEW), DOSSIER_CHANGES_REQUESTED,
	    P_REGIONAL, &entity_questions, false, NULL, effect_questions, tell_structure, WF_SECONDARY, NULL,
	    "Les compléments du dossier n° {n} sont demandés à la structure.", NULL, NULL },
	{ "request_changes", "Demander des compléments",
	    WF_BIT(DOSSIER_REGIONAL_REVIEW) | WF_BIT(DOSSIER_NATIONAL_REVIEW), DOSSIER_CHANGES_REQUESTED, P_NATIONAL,
	    &entity_questions, false, NULL, effect_questions, tell_structure_region, WF_SECONDARY, NULL,
	    "Les compléments du dossier n° {n} sont demandés à la structure.", NULL, NULL },
	{ "withdraw", "Retirer le dossier", BEFORE_DECISION, DOSSIER_WITHDRAWN, P_STRUCTURE, &entity_reason, true, NULL,
	    effect_reason, tell_withdrawal, WF_DANGER,
	    "Retirer ce dossier ? Il sera clos et ne pourra plus être déposé ; il faudra en créer un nouveau.",
	    "Le dossier n° {n} est retiré.", NULL, NULL },
	{ "reopen", "Rouvrir le dossier", WF_BIT(DOSSIER_VALIDATED) | WF_BIT(DOSSIER_REFUSED), DOSSIER_NATIONAL_REVIEW,
	    P_NATIONAL, &entity_reason, false, NULL, effect_reopen, tell_structure_region, WF_SECONDARY, NULL,
	    "Le dossier n° {n} est rouvert : il attend une nouvelle décision nationale.", NULL, NULL },
};

const char *const dossier_actions[] = { "submit", "resubmit", "give_opinion", "validate", "refuse", "request_changes",
	"withdraw", "reopen", NULL };

/* The dossier's columns and what people read beside them. */
#define DOSSIER_SELECT                                                                                            \
	"SELECT d.id, d.programme_id, d.organisation_id, d.state, d.version, d.region_code, d.created_at, "       \
	"d.updated_at, d.submitted_at, d.state_since, d.place_id, d.employer_category, d.contact_name, "          \
	"d.contact_email, d.contact_phone, d.project, d.job_profile_id, d.netpublic, d.listed_national, "         \
	"d.tutor_name, d.tutor_qualities, d.sponsor_name, d.sponsor_qualities, d.company_name, d.company_siret, " \
	"d.company_activity, d.pole_id, d.training_path, d.development_project, d.posts_requested, d.signed_on, " \
	"d.signatory, d.opinion, d.opinion_suggestions, d.opinion_advice, d.opinion_at, d.decision, "             \
	"d.posts_granted, d.decision_reason, d.quota_override, d.decision_at, d.pdf_sha256, d.questions, "        \
	"d.last_reason, p.code AS programme_code, p.name AS programme_name, p.decided_by, p.opinion_authority, "  \
	"o.name AS "                                                                                              \
	"organisation_name, "                                                                                     \
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
	return state_of(d) != DOSSIER_DRAFT && !json_is_null(json_object_get(d, "submitted_at"));
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

const struct scope dossier_scope = { "dossier", "dossiers d", "d.id", dossier_rules,
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

/* Which parties of dossier D the actor is. */
static unsigned
parties_of(struct ctx *ctx, json_t *d)
{
	return (holds(ctx, ROLE_EMPLOYER, d) ? P_STRUCTURE : 0) | (holds(ctx, ROLE_REGIONAL, d) ? P_REGIONAL : 0) |
	       (holds(ctx, ROLE_POLE, d) ? P_POLE : 0) | (holds(ctx, ROLE_NATIONAL, d) ? P_NATIONAL : 0);
}

/* The badges of the states: draft, regional_review, national_review, changes_requested, validated, refused, withdrawn. */
static const enum wf_state_tone dossier_tones[] = { WF_NEW, WF_INFO, WF_INFO, WF_WARNING, WF_SUCCESS, WF_ERROR,
	WF_NEUTRAL };

const struct workflow dossier_workflow = {
	.entity = "dossier",
	.table = "dossiers",
	.state_since = true,
	.states = &vocab_dossier_state,
	.tones = dossier_tones,
	.rows = transitions,
	.nrows = ARRAY_LEN(transitions),
	.select = DOSSIER_SELECT "WHERE d.id = ?",
	.scope = &dossier_scope,
	.parties = parties_of,
	.missing = "Ce dossier n'existe pas.",
	.stale = "Ce dossier a changé depuis votre lecture : rechargez la page.",
};

const char *
dossier_action_label(const char *action)
{
	return wf_action_label(&dossier_workflow, action);
}

static int
state_of(json_t *d)
{
	return wf_state(&dossier_workflow, str_of(d, "state"));
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

/* The parts of Annex I a programme asks or not, as its columns say (the 2020 programme has no sponsor, company or
 * pole): a field asked is required to deposit, a field not asked is neither shown nor stored. */
static const struct {
	const char *field, *column;
} asked_by[] = {
	{ "tutor_name", "requires_tutor" },
	{ "tutor_qualities", "requires_tutor" },
	{ "sponsor_name", "requires_sponsor" },
	{ "sponsor_qualities", "requires_sponsor" },
	{ "company_name", "requires_company" },
	{ "company_siret", "requires_company" },
	{ "company_activity", "requires_company" },
	{ "pole_id", "requires_pole" },
};

bool
dossier_asks(json_t *programme, const char *field)
{
	for (size_t i = 0; i < ARRAY_LEN(asked_by); i++)
		if (strcmp(asked_by[i].field, field) == 0)
			return json_is_true(json_object_get(programme, asked_by[i].column));
	return true;
}

/* Everything a submitted dossier must hold, by the programme's rules. */
static tr_err
check_complete(struct ctx *ctx, json_t *d)
{
	static const char *const always[] = { "place_id", "employer_category", "contact_name", "contact_email",
		"project", "job_profile_id", "training_path", "development_project", "posts_requested", "signed_on",
		"signatory" };
	json_t *rules;
	const char *region, *cat = str_of(d, "employer_category"), *signed_on = str_of(d, "signed_on");
	struct db_rows *r;
	tr_err err;

	if ((err = programme_rules(ctx, int_of(d, "programme_id"), &rules)) != TR_OK)
		return err;
	for (size_t i = 0; i < ARRAY_LEN(always); i++)
		need(ctx, d, always[i]);
	for (size_t i = 0; i < ARRAY_LEN(asked_by); i++)
		if (dossier_asks(rules, asked_by[i].field))
			need(ctx, d, asked_by[i].field);
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
	    db_onev(ctx->db, ctx->arena, "SELECT pole_id FROM pole_regions WHERE pole_id = ? AND region_code = ?", &r,
	        DB_I64(int_of(d, "pole_id")), DB_TEXT(region)) == TR_NOT_FOUND)
		field_errors_add(&ctx->errors, "pole_id",
		    "« Pôle de ressources référent » ne couvre pas la région de l'espace public numérique.");
	if (signed_on != NULL && strcmp(signed_on, date_iso(ctx->arena, ctx->now)) > 0)
		field_errors_add(&ctx->errors, "signed_on", "« Date de signature » ne peut pas être dans le futur.");
	json_decref(rules);
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

/* ---- Writing ---- */

/* Every field of entity_dossier, then the region the place gives. */
static tr_err
write_fields(struct ctx *ctx, int64_t id, json_t *d, const char *region, int64_t version, int64_t *changed)
{
	return record_updatev(ctx, &entity_dossier, "dossiers", d,
	    "region_code = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?", changed,
	    DB_TEXT(region && *region ? region : NULL), DB_I64(ctx->now), DB_I64(id), DB_I64(version));
}

/* Merges the validated fields of IN into D: a field sent (even empty) replaces the value, a field not
 * sent keeps it; a field the programme RULES does not ask is left out. */
static void
merge(json_t *d, json_t *in, json_t *clean, json_t *rules)
{
	for (size_t i = 0; i < entity_dossier.nfields; i++) {
		const char *name = entity_dossier.fields[i].name;
		json_t *v;
		if (json_object_get(in, name) == NULL || !dossier_asks(rules, name))
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
	if (!json_is_true(json_object_get(rules, "open"))) {
		field_errors_add(&ctx->errors, "programme_id",
		    arena_printf(ctx->arena, "« Dispositif » : %s", json_str(rules, "closed_reason")));
		json_decref(rules);
		return TR_INVALID;
	}
	err = entity_validate(&entity_dossier, in, true, ctx->arena, &ctx->errors, &clean);
	d = json_object();
	merge(d, in, clean, rules);
	json_decref(rules);
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
	json_t *clean = NULL, *d = NULL, *before = NULL, *detail, *rules = NULL;
	const char *region;
	int64_t changed = 0;
	int s;
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
	s = state_of(d);
	if (s != DOSSIER_DRAFT && s != DOSSIER_CHANGES_REQUESTED) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    "Ce dossier ne peut plus être modifié : il est en cours d'instruction ou déjà décidé.");
		goto out_nodb;
	}
	before = json_deep_copy(d);
	if ((err = programme_rules(ctx, int_of(d, "programme_id"), &rules)) != TR_OK)
		goto out_nodb;
	err = entity_validate(&entity_dossier, in, true, ctx->arena, &ctx->errors, &clean);
	merge(d, in, clean, rules);
	json_decref(rules);
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
	detail = entity_diff(&entity_dossier, before, d);
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

/* ---- The transitions' guards, effects and messages ---- */

static tr_err
guard_complete(struct wf_call *c)
{
	return check_complete(c->ctx, c->row);
}

/* A first deposit: the programme still takes new dossiers (a draft begun before its end is not deposited after),
 * and the dossier is complete. */
static tr_err
guard_submit(struct wf_call *c)
{
	json_t *rules = NULL;
	tr_err err = programme_rules(c->ctx, json_integer_value(json_object_get(c->row, "programme_id")), &rules);

	if (err == TR_OK && !json_is_true(json_object_get(rules, "open")))
		err = ctx_fail(c->ctx, TR_CONFLICT, arena_strdup(c->ctx->arena, json_str(rules, "closed_reason")));
	json_decref(rules);
	return err != TR_OK ? err : check_complete(c->ctx, c->row);
}

static tr_err
effect_submit(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;

	return db_execv(ctx->db,
	    "UPDATE dossiers SET submitted_at = COALESCE(submitted_at, CAST(? AS BIGINT)), questions = NULL WHERE id "
	    "= ?",
	    NULL, DB_I64(ctx->now), DB_I64(c->id));
}

static tr_err
effect_opinion(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *payload = c->clean;

	return db_execv(ctx->db,
	    "UPDATE dossiers SET opinion = ?, opinion_suggestions = ?, opinion_advice = ?, opinion_by = ?, "
	    "opinion_at = ? WHERE id = ?",
	    NULL, DB_TEXT(str_of(payload, "opinion")), DB_TEXT(str_of(payload, "suggestions")),
	    DB_TEXT(str_of(payload, "advice")), DB_I64(ctx->actor->person_id), DB_I64(ctx->now), DB_I64(c->id));
}

/* Records the decision's protocol: the PDF as it reads now, its SHA-256 on the dossier and in the journal
 * entry's detail. */
static tr_err record_protocol(struct ctx *ctx, int64_t id, json_t *detail);

/* The posts granted are at most those requested. */
static tr_err
guard_posts(struct wf_call *c)
{
	int64_t requested = int_of(c->row, "posts_requested");

	if (int_of(c->clean, "posts_granted") <= requested)
		return TR_OK;
	field_errors_add(&c->ctx->errors, "posts_granted",
	    arena_printf(c->ctx->arena,
	        "« Nombre de postes accordés » ne peut pas dépasser le nombre de postes demandés (%s).",
	        fr_count(c->ctx->arena, requested, "poste demandé", "postes demandés")));
	return TR_INVALID;
}

/* Within the programme's target (and the region's), or with the reason it is exceeded: the decision, then its
 * protocol. */
static tr_err
effect_validate(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *d = c->row, *payload = c->clean, *detail = c->detail;
	int64_t granted = int_of(payload, "posts_granted");
	const char *override = str_of(payload, "override_reason"), *region = str_of(d, "region_code");
	struct db_rows *r;
	int64_t target, total, rtarget = -1, rtotal = 0;
	tr_err err;

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
effect_refuse(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *d = c->row, *payload = c->clean, *detail = c->detail;
	tr_err err = db_execv(ctx->db,
	    "UPDATE dossiers SET decision = 'refused', posts_granted = 0, decision_reason = ?, quota_override = NULL, "
	    "decision_by = ?, decision_at = ? WHERE id = ?",
	    NULL, DB_TEXT(str_of(payload, "reason")), DB_I64(ctx->actor->person_id), DB_I64(ctx->now),
	    DB_I64(int_of(d, "id")));

	return err != TR_OK ? err : record_protocol(ctx, int_of(d, "id"), detail);
}

static tr_err
effect_questions(struct wf_call *c)
{
	return db_execv(c->ctx->db, "UPDATE dossiers SET questions = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "questions")), DB_I64(c->id));
}

static tr_err
effect_reason(struct wf_call *c)
{
	return db_execv(c->ctx->db, "UPDATE dossiers SET last_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "reason")), DB_I64(c->id));
}

/* The decision is taken again: the posts it granted go back to the pool; the journal keeps the old one. */
static tr_err
effect_reopen(struct wf_call *c)
{
	return db_execv(c->ctx->db,
	    "UPDATE dossiers SET last_reason = ?, decision = NULL, posts_granted = 0, decision_reason = NULL, "
	    "quota_override = NULL, decision_by = NULL, decision_at = NULL, pdf_sha256 = NULL WHERE id = ?",
	    NULL, DB_TEXT(str_of(c->clean, "reason")), DB_I64(c->id));
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

/* Tells AUDIENCE of the transition made by call C. */
static tr_err
tell(struct wf_call *c, unsigned audience)
{
	struct ctx *ctx = c->ctx;
	json_t *clean = c->clean;
	const char *title = dossier_title(ctx, c->row), *state = c->wf->states->items[c->to].code, *extra = "";

	if (clean && str_of(clean, "questions"))
		extra = arena_printf(ctx->arena, "\nQuestions :\n%s\n", str_of(clean, "questions"));
	else if (clean && str_of(clean, "reason"))
		extra = arena_printf(ctx->arena, "\nMotif :\n%s\n", str_of(clean, "reason"));
	else if (clean && str_of(clean, "opinion"))
		extra =
		    arena_printf(ctx->arena, "\nAvis : %s\n", vocab_label(&vocab_opinion, str_of(clean, "opinion")));
	return notify(ctx, c->row, audience,
	    arena_printf(ctx->arena, "Dossier %s : %s", title, vocab_label(&vocab_dossier_state, state)),
	    arena_printf(ctx->arena,
	        "Bonjour,\n\n%s a effectué l'action « %s » sur le dossier %s.\nIl est désormais : %s.\n%s\n"
	        "Consulter le dossier : %s/dossiers/%lld\n\n— tremplin\n",
	        ctx->actor ? ctx->actor->name : "tremplin", c->t->label, title,
	        vocab_label(&vocab_dossier_state, state), extra, ctx->cfg ? ctx->cfg->base_url : "", (long long)c->id));
}

static tr_err
tell_reviewers(struct wf_call *c)
{
	return tell(c, TO_REGIONAL | TO_POLE);
}

static tr_err
tell_national(struct wf_call *c)
{
	return tell(c, TO_NATIONAL | TO_STRUCTURE);
}

static tr_err
tell_decision(struct wf_call *c)
{
	return tell(c, TO_STRUCTURE | TO_REGIONAL | TO_POLE);
}

static tr_err
tell_structure(struct wf_call *c)
{
	return tell(c, TO_STRUCTURE);
}

static tr_err
tell_structure_region(struct wf_call *c)
{
	return tell(c, TO_STRUCTURE | TO_REGIONAL);
}

/* A draft withdrawn was never seen by anyone but its structure. */
static tr_err
tell_withdrawal(struct wf_call *c)
{
	return c->from == DOSSIER_DRAFT ? TR_OK : tell(c, TO_REGIONAL | TO_NATIONAL);
}

tr_err
dossier_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version,
    int64_t *new_id)
{
	return wf_take(ctx, &dossier_workflow, id, action, version, payload, new_version, new_id);
}

/* ---- Reading ---- */

static void
decorate(struct ctx *ctx, json_t *d)
{
	int s = state_of(d);

	wf_decorate(&dossier_workflow, d);
	entity_decorate(&entity_dossier, d, ctx->arena);
	entity_decorate(&entity_opinion, d, ctx->arena);
	json_object_set_new(d, "days_waiting", json_integer((ctx->now - int_of(d, "state_since")) / 86400));
	json_object_set_new(d, "can_edit",
	    json_boolean((s == DOSSIER_DRAFT || s == DOSSIER_CHANGES_REQUESTED) && holds(ctx, ROLE_EMPLOYER, d)));
	json_object_set_new(d, "actions", wf_actions(&dossier_workflow, s, parties_of(ctx, d)));
}

bool
dossier_decided(json_t *d)
{
	int s = wf_state(&dossier_workflow, json_str(d, "state"));

	return s < 0 || !(WF_BIT(s) & BEFORE_DECISION);
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

static const struct list_filter dossier_filters[] = {
	LIST_ID(struct dossier_filter, programme_id, "d.programme_id = ?"),
	LIST_ID(struct dossier_filter, job_profile_id, "d.job_profile_id = ?"),
	LIST_TEXT(struct dossier_filter, region, "d.region_code = ?"),
	LIST_TEXT(struct dossier_filter, state, "d.state = ?"),
};

static void
list_item(struct ctx *ctx, json_t *it)
{
	json_object_set_new(it, "netpublic", json_boolean(int_of(it, "netpublic")));
	json_object_set_new(it, "listed_national", json_boolean(int_of(it, "listed_national")));
	decorate(ctx, it);
}

static const struct list_spec dossier_list_spec = { .scope = &dossier_scope,
	.select = DOSSIER_SELECT,
	.sorts = dossier_sorts,
	.nsorts = sizeof(dossier_sorts) / sizeof(dossier_sorts[0]),
	.filters = dossier_filters,
	.nfilters = sizeof(dossier_filters) / sizeof(dossier_filters[0]),
	.decorate = list_item };

tr_err
dossier_list(struct ctx *ctx, const struct dossier_filter *f, json_t **out)
{
	return list_query(ctx, &dossier_list_spec, f,
	    actor_has_any(ctx->actor,
	        ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_ADMIN))
	        ? "waiting"
	        : "recent",
	    f->page, f->per_page, out);
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
	if (state_of(d) != DOSSIER_DRAFT) {
		/* The structure writes to those who review it at this step; a reviewer writes to the structure and
		 * the other reviewers. */
		unsigned to = from_structure
		                  ? (state_of(d) == DOSSIER_NATIONAL_REVIEW ? TO_NATIONAL | TO_REGIONAL : TO_REGIONAL)
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
	static const char *const copied[] = { "decided_by", "opinion_authority", "tutor_name", "tutor_qualities",
		"sponsor_name", "sponsor_qualities", "company_name", "company_siret", "company_activity", "pole_name",
		"training_path", "development_project", "signed_on", "signatory", "posts_requested" };

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
