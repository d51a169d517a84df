/* Every person's data: the download, erasure at their request with its refusals, and the one anonymisation. */
#include "domain/privacy/privacy.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/time.h"
#include "domain/accounts/account.h"
#include "domain/candidates/candidate.h"
#include "domain/candidates/eligibility.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "store/db.h"

#define DELETED_NAME "Compte supprimé"
#define ROLES_ALL (~0u)
#define AUTHORED_MAX 500 /* journal entries a person wrote, in their download */
#define PARAMS_MAX 8     /* the ? of one refusal's SQL */

/* ---- the refusals: what the law requires to keep with the person's identity -------------------------------- */

const struct erasure_refusal erasure_refusals[] = {
	{ "contract_live", "Vous êtes partie (personne recrutée, tuteur ou parrain) d'un contrat en cours.",
	    "Obligation légale : un contrat aidé et l'aide de l'État qui le finance sont gérés avec l'identité de "
	    "leurs "
	    "parties tant qu'ils courent (code du travail, articles L5134-110 et suivants pour les emplois d'avenir, "
	    "L5134-20 et suivants pour les contrats aidés). Une fois le contrat terminé, vous pourrez demander "
	    "l'effacement : le contrat sera gardé dix ans sans votre nom.",
	    "SELECT COUNT(*) FROM contracts WHERE state IN ('planned', 'active', 'suspended') AND (candidate_id = ? OR "
	    "tutor_id = ? OR sponsor_id = ?)" },
	{ "payment_pending",
	    "Une demande de versement d'aide que vous avez faite, ou qui porte sur votre contrat, n'est pas soldée.",
	    "Obligation légale : l'organisme payeur contrôle qui a demandé une aide publique, et pour qui, jusqu'à son "
	    "paiement (décret n° 2012-1246 du 7 novembre 2012 relatif à la gestion budgétaire et comptable publique). "
	    "Les pièces des aides sont ensuite gardées dix ans.",
	    "SELECT COUNT(*) FROM payment_requests pr WHERE pr.state NOT IN ('paid', 'rejected') AND (pr.requested_by "
	    "= ? "
	    "OR (pr.subject = 'aid_decision' AND pr.subject_id IN (SELECT d.id FROM aid_decisions d JOIN contracts c "
	    "ON "
	    "c.id = d.contract_id WHERE c.candidate_id = ?)))" },
	{ "payment_order_pending", "Un ordre de paiement que vous avez émis n'est pas encore payé.",
	    "Obligation légale : l'émetteur d'un ordre de paiement en répond jusqu'à son paiement (décret n° 2012-1246 "
	    "du 7 novembre 2012) ; les ordres sont ensuite gardés dix ans.",
	    "SELECT COUNT(*) FROM payment_orders WHERE state <> 'paid' AND created_by = ?" },
};
const size_t erasure_nrefusals = sizeof(erasure_refusals) / sizeof(erasure_refusals[0]);

/* What an erasure keeps, in French, for the page that asks for the confirmation. */
static const char *const kept_sentences[] = {
	"Les contrats et les aides qui les ont financés, gardés dix ans pour les contrôles, sans votre nom.",
	"Les candidatures dont un contrat est issu (sans votre message) et le diagnostic d'éligibilité sur lequel il "
	"repose.",
	"Les comptes rendus d'activité que vous avez saisis (sans leurs notes), pour les statistiques du programme.",
	"Le journal des actions, qui ne peut être modifié : il nommera une personne anonymisée.",
};

tr_err
privacy_refusals(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_val params[PARAMS_MAX];

	for (size_t i = 0; i < PARAMS_MAX; i++)
		params[i] = DB_I64(id);
	*out = json_array();
	for (size_t i = 0; i < erasure_nrefusals; i++) {
		const struct erasure_refusal *f = &erasure_refusals[i];
		struct db_rows *r;
		size_t n = 0;
		tr_err err;

		for (const char *p = f->sql; *p; p++)
			n += *p == '?';
		err = db_query(ctx->db, ctx->arena, f->sql, params, n, &r);
		if (err != TR_OK) {
			json_decref(*out);
			*out = NULL;
			return ctx_storage_error(ctx, err);
		}
		if (db_int(db_cell(r, 0, 0)) > 0)
			json_array_append_new(*out,
			    json_pack("{s:s, s:s, s:s}", "code", f->code, "reason", f->reason, "basis", f->basis));
	}
	return TR_OK;
}

/* ---- the one anonymisation --------------------------------------------------------------------------------- */

static tr_err
count_of(struct ctx *ctx, const char *sql, int64_t id, int64_t *n)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, sql, &r, DB_I64(id));

	if (err == TR_OK)
		*n = db_int(db_cell(r, 0, 0));
	return err;
}

/* Diagnoses a contract relied on: eligible, for its programme, decided on or before its start and valid on it. */
#define DIAGNOSIS_USED                                                                                     \
	"EXISTS (SELECT 1 FROM contracts c WHERE c.candidate_id = eligibility_diagnoses.candidate_id AND " \
	"c.programme_id = eligibility_diagnoses.programme_id AND eligibility_diagnoses.eligible = 1 AND "  \
	"eligibility_diagnoses.decided_on <= c.start_on AND c.start_on <= eligibility_diagnoses.valid_until)"
/* Applications a contract came from. */
#define APPLICATION_USED "EXISTS (SELECT 1 FROM contracts c WHERE c.application_id = applications.id)"

/* The candidate's part of the anonymisation: what no contract rests on goes, the profile row stays for the
 * statistics (sex, qualification level, diploma, priority area, dates of creation) without what identifies. */
static tr_err
anonymise_candidate(struct ctx *ctx, int64_t id, json_t *detail)
{
	int64_t contracts = 0, kept_diag = 0, kept_apps = 0, del_diag = 0, del_apps = 0;
	tr_err err;

	TRY(count_of(ctx, "SELECT COUNT(*) FROM contracts WHERE candidate_id = ?", id, &contracts));
	TRY(db_execv(ctx->db, "DELETE FROM eligibility_diagnoses WHERE candidate_id = ? AND NOT " DIAGNOSIS_USED,
	    &del_diag, DB_I64(id)));
	TRY(count_of(ctx, "SELECT COUNT(*) FROM eligibility_diagnoses WHERE candidate_id = ?", id, &kept_diag));
	TRY(db_execv(
	    ctx->db, "UPDATE eligibility_diagnoses SET comment = NULL WHERE candidate_id = ?", NULL, DB_I64(id)));
	/* Pending applications are withdrawn and, like every other one no contract came from, deleted. */
	TRY(db_execv(ctx->db, "DELETE FROM applications WHERE candidate_id = ? AND NOT " APPLICATION_USED, &del_apps,
	    DB_I64(id)));
	TRY(db_execv(ctx->db, "UPDATE applications SET message = NULL, updated_at = ? WHERE candidate_id = ?",
	    &kept_apps, DB_I64(ctx->now), DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM candidate_followers WHERE candidate_id = ?", NULL, DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM candidate_wished_profiles WHERE candidate_id = ?", NULL, DB_I64(id)));
	TRY(db_execv(ctx->db,
	    "UPDATE candidates SET birth_date = NULL, commune_code = NULL, latitude = NULL, longitude = NULL, rqth = "
	    "0, "
	    "seeking_since = NULL, available_from = NULL, hidden = 1, cv = NULL, cv_name = NULL, cv_size = NULL, "
	    "cv_sha256 = NULL, cv_at = NULL, updated_at = ?, version = version + 1 WHERE person_id = ?",
	    NULL, DB_I64(ctx->now), DB_I64(id)));
	json_object_set_new(detail, "kept_contracts", json_integer(contracts));
	json_object_set_new(detail, "kept_diagnoses", json_integer(kept_diag));
	json_object_set_new(detail, "kept_applications", json_integer(kept_apps));
	json_object_set_new(detail, "deleted_diagnoses", json_integer(del_diag));
	json_object_set_new(detail, "deleted_applications", json_integer(del_apps));
out:
	return err;
}

tr_err
privacy_anonymise(struct ctx *ctx, int64_t id, const char *action)
{
	int64_t is_candidate = 0, notes = 0;
	const char *email, *anon;
	struct db_rows *r;
	json_t *detail = json_object();
	tr_err err;

	err = db_onev(
	    ctx->db, ctx->arena, "SELECT email FROM people WHERE id = ? AND anonymised_at IS NULL", &r, DB_I64(id));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Ce compte n'existe pas ou a déjà été supprimé.");
		goto out;
	}
	TRY(err);
	email = db_text(db_cell(r, 0, 0));
	/* Unique (the id) and routable nowhere (.invalid, RFC 2606). */
	anon = arena_printf(
	    ctx->arena, "supprime-%lld-%s@compte-supprime.invalid", (long long)id, sec_random_token(ctx->arena, 6));
	TRY(count_of(ctx, "SELECT COUNT(*) FROM candidates WHERE person_id = ?", id, &is_candidate));
	if (is_candidate)
		TRY(anonymise_candidate(ctx, id, detail));
	TRY(db_execv(ctx->db,
	    "UPDATE activity_reports SET notes = NULL, raw = NULL WHERE adviser_id = ? AND (notes IS NOT NULL OR raw "
	    "IS "
	    "NOT NULL)",
	    &notes, DB_I64(id)));
	json_object_set_new(detail, "cleared_notes", json_integer(notes));
	TRY(db_execv(ctx->db,
	    "UPDATE people SET name = ?, email = ?, password_hash = NULL, active = 0, anonymised_at = ?, updated_at = "
	    "?, "
	    "version = version + 1 WHERE id = ?",
	    NULL, DB_TEXT(DELETED_NAME), DB_TEXT(anon), DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM memberships WHERE person_id = ?", NULL, DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM activity_mediators WHERE person_id = ?", NULL, DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM activity_reminders WHERE adviser_id = ?", NULL, DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM sessions WHERE person_id = ?", NULL, DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM api_tokens WHERE person_id = ?", NULL, DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM one_time_tokens WHERE person_id = ?", NULL, DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM login_devices WHERE person_id = ?", NULL, DB_I64(id)));
	TRY(db_execv(ctx->db, "DELETE FROM outbox WHERE recipient = ?", NULL, DB_TEXT(email)));
	TRY(db_execv(ctx->db, "DELETE FROM login_failures WHERE key = ?", NULL,
	    DB_TEXT(arena_printf(ctx->arena, "email:%s", email))));
	TRY(journal_append(ctx, is_candidate ? "candidate" : "person", id, action, detail));
out:
	json_decref(detail);
	return ctx_storage_error(ctx, err);
}

/* ---- the download ----------------------------------------------------------------------------------------- */

/* Rows of SQL (each ? the person's id) as a JSON array, set as KEY of O. */
static tr_err
section(struct ctx *ctx, json_t *o, const char *key, const char *sql, int64_t id)
{
	struct db_val params[PARAMS_MAX];
	struct db_rows *r;
	size_t n = 0;
	tr_err err;

	for (const char *p = sql; *p; p++)
		n += *p == '?';
	for (size_t i = 0; i < n && i < PARAMS_MAX; i++)
		params[i] = DB_I64(id);
	err = db_query(ctx->db, ctx->arena, sql, params, n, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	json_object_set_new(o, key, rows_json(r));
	return TR_OK;
}

/* The sections of the download after the person and the profile: each a key and the SQL of its rows. */
static const struct {
	const char *key, *sql;
} export_sections[] = {
	{ "memberships",
	    "SELECT m.role, m.organisation_id, o.name AS organisation_name, (SELECT COALESCE(MIN(r.region_code), '') "
	    "FROM "
	    "membership_regions r WHERE r.membership_id = m.id) AS first_region, m.created_at FROM memberships m LEFT "
	    "JOIN organisations o ON o.id = m.organisation_id WHERE m.person_id = ? ORDER BY m.id" },
	{ "sessions",
	    "SELECT created_at, expires_at, last_seen_at, ip, user_agent FROM sessions WHERE person_id = ? ORDER BY "
	    "created_at" },
	{ "api_tokens", "SELECT name, prefix, created_at, last_used_at, revoked_at, revoked_reason FROM api_tokens "
	                "WHERE person_id = "
	                "? ORDER BY id" },
	{ "applications", "SELECT a.*, o.title AS offer_title, org.name AS organisation_name FROM applications a JOIN "
	                  "offers o ON o.id "
	                  "= a.offer_id JOIN organisations org ON org.id = o.organisation_id WHERE a.candidate_id = ? "
	                  "ORDER BY a.id" },
	/* As the person recruited: the whole contract; as its tutor or sponsor: the contract's own columns, the
	 * person recruited by their id only. */
	{ "contracts",
	    "SELECT c.*, 'recruit' AS party, org.name AS organisation_name FROM contracts c JOIN organisations org ON "
	    "org.id = c.organisation_id WHERE c.candidate_id = ? ORDER BY c.id" },
	{ "contracts_as_party",
	    "SELECT c.id, CASE WHEN c.tutor_id = ? THEN 'tutor' ELSE 'sponsor' END AS party, c.organisation_id, "
	    "org.name AS organisation_name, c.programme_id, c.candidate_id, c.contract_type, c.start_on, c.end_on, "
	    "c.state, c.tutor_experience FROM contracts c JOIN organisations org ON org.id = c.organisation_id WHERE "
	    "(c.tutor_id = ? OR c.sponsor_id = ?) AND c.candidate_id <> ? ORDER BY c.id" },
	{ "training_registrations",
	    "SELECT r.id, r.session_id, s.title AS session_title, r.contract_id, r.state, r.created_at FROM "
	    "session_registrations r JOIN training_sessions s ON s.id = r.session_id WHERE r.person_id = ? ORDER BY "
	    "r.id" },
	{ "attendance",
	    "SELECT session_id, day, present, hours, recorded_at FROM attendance WHERE person_id = ? ORDER BY day, "
	    "session_id" },
	{ "assessments",
	    "SELECT a.id, a.contract_id, a.assessor_role, a.moment, a.assessed_on, a.comment, a.created_at FROM "
	    "assessments a WHERE a.person_id = ? ORDER BY a.id" },
	{ "activity_reports", "SELECT id, organisation_id, source, session_on, type, place_kind, commune_code, "
	                      "duration_min, participants, "
	                      "themes, workshop_title, notes, deleted_at, created_at, updated_at FROM activity_reports "
	                      "WHERE adviser_id = "
	                      "? ORDER BY session_on, id" },
	{ "dossier_messages",
	    "SELECT id, dossier_id, body, created_at FROM dossier_messages WHERE author_id = ? ORDER BY id" },
	{ "erasure_requests",
	    "SELECT id, state, reasons, created_at, decided_at FROM erasure_requests WHERE person_id = ? ORDER BY id" },
	{ "journal", "SELECT id, at, actor_label, entity, action, detail FROM journal WHERE entity IN ('person', "
	             "'candidate') AND "
	             "entity_id = ? ORDER BY id" },
	{ "journal_authored",
	    "SELECT id, at, entity, entity_id, entity_key, action FROM journal WHERE actor_id = ? ORDER BY id DESC "
	    "LIMIT 500" },
};

tr_err
privacy_export(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *o = NULL, *profile = NULL, *diagnoses = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ROLES_ALL)) != TR_OK)
		return err;
	if (ctx->actor->person_id != id && !actor_has(ctx->actor, ROLE_ADMIN))
		return ctx_fail(ctx, TR_FORBIDDEN, "Seule la personne concernée peut télécharger ses données.");
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT id, email, name, active, created_at, updated_at, last_login_at, confirmed_at FROM people WHERE id "
	    "= ?",
	    &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette personne n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	o = json_pack("{s:s, s:s, s:o}", "service", "tremplin", "exported_at", time_iso(ctx->arena, ctx->now), "person",
	    row_json(r, 0));
	/* A candidate's profile as their page shows it (labels, commune, wished profiles, followers, the CV's name). */
	err = candidate_get(ctx, id, &profile);
	if (err == TR_NOT_FOUND) {
		ctx->message = NULL;
		profile = json_null();
		diagnoses = json_array();
		err = TR_OK;
	} else if (err == TR_OK)
		err = eligibility_diagnoses(ctx, id, &diagnoses);
	TRY(err);
	json_object_set(o, "profile", profile);
	json_object_set(o, "eligibility_diagnoses", diagnoses);
	for (size_t i = 0; i < sizeof(export_sections) / sizeof(export_sections[0]); i++)
		TRY(section(ctx, o, export_sections[i].key, export_sections[i].sql, id));
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(profile);
	json_decref(diagnoses);
	return err;
}

/* ---- erasure at the person's request ---------------------------------------------------------------------- */

tr_err
privacy_erasure_status(struct ctx *ctx, json_t **out)
{
	json_t *refusals = NULL, *kept = json_array(), *request = json_null();
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ROLES_ALL)) != TR_OK) {
		json_decref(kept);
		return err;
	}
	TRY(privacy_refusals(ctx, ctx->actor->person_id, &refusals));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT id, state, reasons, created_at, decided_at FROM erasure_requests WHERE person_id = ? ORDER BY id "
	    "DESC "
	    "LIMIT 1",
	    &r, DB_I64(ctx->actor->person_id));
	if (err == TR_OK) {
		json_decref(request);
		request = row_json(r, 0);
		json_object_set_new(request, "reasons",
		    json_loads(json_str(request, "reasons") ? json_str(request, "reasons") : "[]", 0, NULL));
	} else if (err == TR_NOT_FOUND)
		err = TR_OK;
	TRY(ctx_storage_error(ctx, err));
	for (size_t i = 0; i < sizeof(kept_sentences) / sizeof(kept_sentences[0]); i++)
		json_array_append_new(kept, json_string(kept_sentences[i]));
	*out = json_pack("{s:O, s:O, s:O}", "request", request, "refusals", refusals, "kept", kept);
out:
	json_decref(refusals);
	json_decref(kept);
	json_decref(request);
	return err;
}

/* Records a request of person ID in STATE with REASONS (borrowed), *ID its id. */
static tr_err
request_insert(struct ctx *ctx, int64_t person, const char *state, json_t *reasons, int64_t *id)
{
	char *text = reasons ? json_dumps(reasons, JSON_COMPACT) : NULL;
	struct db_rows *r;
	tr_err err = db_execv(ctx->db,
	    "UPDATE erasure_requests SET state = 'cancelled', decided_at = ? WHERE person_id = ? AND state = 'pending'",
	    NULL, DB_I64(ctx->now), DB_I64(person));

	if (err == TR_OK)
		err = db_onev(ctx->db, ctx->arena,
		    "INSERT INTO erasure_requests (person_id, state, reasons, created_at, decided_at) VALUES (?, ?, ?, "
		    "?, "
		    "?) RETURNING id",
		    &r, DB_I64(person), DB_TEXT(state), DB_TEXT(text ? text : "[]"), DB_I64(ctx->now),
		    strcmp(state, "pending") == 0 ? DB_NULLV : DB_I64(ctx->now));
	free(text);
	if (err == TR_OK && id)
		*id = db_int(db_cell(r, 0, 0));
	return err;
}

tr_err
privacy_erasure_request(struct ctx *ctx, int64_t *id, bool *refused)
{
	json_t *refusals = NULL, *detail = NULL;
	int64_t rid = 0, me;
	tr_err err;

	*refused = false;
	if ((err = authz_require(ctx, ROLES_ALL)) != TR_OK)
		return err;
	me = ctx->actor->person_id;
	TRY(tx_begin(ctx));
	err = privacy_refusals(ctx, me, &refusals);
	if (err == TR_OK) {
		*refused = json_array_size(refusals) > 0;
		err = request_insert(ctx, me, *refused ? "refused" : "pending", refusals, &rid);
	}
	if (err == TR_OK) {
		json_t *codes = json_array();
		for (size_t i = 0; i < json_array_size(refusals); i++)
			json_array_append(codes, json_object_get(json_array_get(refusals, i), "code"));
		detail = json_pack("{s:I, s:s, s:o}", "request_id", (json_int_t)rid, "state",
		    *refused ? "refused" : "pending", "refusals", codes);
		err = journal_append(ctx, "person", me, "erasure_request", detail);
	}
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	if (err == TR_OK && id)
		*id = rid;
out:
	json_decref(refusals);
	json_decref(detail);
	return err;
}

/* The reason of the first refusal that holds for person ID in *WHY (NULL: none), and all of them as JSON text in
 * *TEXT (the arena's). */
static tr_err
first_refusal(struct ctx *ctx, int64_t id, const char **why, const char **text)
{
	json_t *refusals = NULL;
	tr_err err = privacy_refusals(ctx, id, &refusals);
	char *dump;

	if (err != TR_OK)
		return err;
	*why = json_array_size(refusals) ? arena_strdup(ctx->arena, json_str(json_array_get(refusals, 0), "reason"))
	                                 : NULL;
	dump = json_dumps(refusals, JSON_COMPACT);
	*text = arena_strdup(ctx->arena, dump);
	free(dump);
	json_decref(refusals);
	return TR_OK;
}

static tr_err
refused_now(struct ctx *ctx, const char *why)
{
	return ctx_fail(
	    ctx, TR_CONFLICT, arena_printf(ctx->arena, "L'effacement n'est pas possible pour l'instant : %s", why));
}

tr_err
privacy_erasure_confirm(struct ctx *ctx)
{
	const char *why = NULL, *text = NULL;
	struct db_rows *r;
	int64_t request = 0, me;
	json_t *detail = NULL;
	tr_err err;

	if ((err = authz_require(ctx, ROLES_ALL)) != TR_OK)
		return err;
	me = ctx->actor->person_id;
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT id FROM erasure_requests WHERE person_id = ? AND state = 'pending' ORDER BY id DESC LIMIT 1", &r,
	    DB_I64(me));
	if (err == TR_NOT_FOUND)
		err = ctx_fail(ctx, TR_NOT_FOUND, "Aucune demande d'effacement n'attend votre confirmation.");
	if (err == TR_OK) {
		request = db_int(db_cell(r, 0, 0));
		err = first_refusal(ctx, me, &why, &text);
	}
	if (err == TR_OK)
		err = db_execv(ctx->db,
		    "UPDATE erasure_requests SET state = ?, reasons = ?, decided_at = ? WHERE id = ?", NULL,
		    DB_TEXT(why ? "refused" : "done"), DB_TEXT(why ? text : "[]"), DB_I64(ctx->now), DB_I64(request));
	if (err == TR_OK && why) {
		/* Something the law keeps came to hold since the request: it is refused, and that is recorded. */
		detail = json_pack("{s:I, s:s}", "request_id", (json_int_t)request, "state", "refused");
		err = journal_append(ctx, "person", me, "erasure_request", detail);
	}
	if (err == TR_OK && !why)
		err = privacy_anonymise(ctx, me, "erasure");
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	if (err == TR_OK && why)
		err = refused_now(ctx, why);
out:
	json_decref(detail);
	return err;
}

tr_err
privacy_erase_now(struct ctx *ctx, int64_t id)
{
	tr_err err = authz_require(ctx, ROLES_ALL);
	const char *why = NULL, *text = NULL;

	if (err != TR_OK)
		return err;
	if (ctx->actor->person_id != id && !actor_has(ctx->actor, ROLE_ADMIN))
		return ctx_fail(ctx, TR_FORBIDDEN, "Seule la personne concernée peut supprimer son compte.");
	TRY(tx_begin(ctx));
	err = first_refusal(ctx, id, &why, &text);
	if (err == TR_OK && why)
		err = refused_now(ctx, why);
	if (err == TR_OK)
		err = request_insert(ctx, id, "done", NULL, NULL);
	if (err == TR_OK)
		err = privacy_anonymise(ctx, id, "delete");
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out:
	return err;
}

tr_err
privacy_purge_unconfirmed(struct ctx *ctx, int64_t *count)
{
	struct db_rows *r;
	tr_err err;

	*count = 0;
	/* Registered by themselves (confirmed_at is set for everyone else), a week ago at least, with no link left to
	 * open: the account could never be used. */
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT p.id FROM people p WHERE p.confirmed_at IS NULL AND p.active = 1 AND p.anonymised_at IS NULL AND "
	    "p.created_at < ? AND NOT EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.person_id = p.id AND t.purpose = "
	    "'confirm' AND t.used_at IS NULL AND t.expires_at > ?) ORDER BY p.id",
	    &r, DB_I64(ctx->now - INVITE_TTL_SECONDS), DB_I64(ctx->now));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < r->nrows; i++) {
		TRY(tx_begin(ctx));
		if ((err = tx_end(ctx, privacy_anonymise(ctx, db_int(db_cell(r, i, 0)), "purge_unconfirmed"))) != TR_OK)
			return err;
		(*count)++;
	}
out:
	return err;
}
