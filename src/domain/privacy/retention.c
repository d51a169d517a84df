/* The retention rules and the job that applies them. */
#include "domain/privacy/retention.h"

#include <jansson.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/privacy/privacy.h"
#include "store/db.h"

#define DAY RETENTION_DAY
#define PARAMS_MAX 12
#define BASIS_TASK "Mission d'intérêt public (RGPD, article 6.1.e) : gérer les programmes d'emplois aidés."
#define BASIS_SECURITY                                                                                               \
	"Mission d'intérêt public (RGPD, article 6.1.e) et sécurité du traitement (article 32) : protéger les " \
	"comptes."

/* A candidate's activity, each ? the cut-off: signing in, any change of their account or profile (a CV deposited
 * included), an application made or a proposal accepted, a contract live or changed. Their account was created before
 * the cut-off, and they hold no other role. */
#define INACTIVE_CANDIDATES                                                                                         \
	"SELECT p.id FROM people p JOIN candidates c ON c.person_id = p.id WHERE p.anonymised_at IS NULL AND "      \
	"p.created_at < ? AND COALESCE(p.last_login_at, 0) < ? AND p.updated_at < ? AND c.updated_at < ? AND "      \
	"COALESCE(c.cv_at, 0) < ? AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = p.id AND "    \
	"(a.created_at >= ? OR COALESCE(a.consented_at, 0) >= ?)) AND NOT EXISTS (SELECT 1 FROM contracts k WHERE " \
	"k.candidate_id = p.id AND (k.state IN ('planned', 'active', 'suspended') OR k.updated_at >= ?)) AND NOT "  \
	"EXISTS "                                                                                                   \
	"(SELECT 1 FROM memberships m WHERE m.person_id = p.id AND m.role <> 'candidate') ORDER BY p.id "           \
	"LIMIT " RETENTION_BATCH

const struct retention_rule retention_rules[] = {
	{ "login_failures", "Échecs de connexion (adresse électronique ou adresse IP essayée, date)", "1 jour", DAY,
	    RETENTION_DELETE,
	    "Ralentir qui essaie des mots de passe : au-delà d'un jour, un échec ne sert plus à cela.", BASIS_SECURITY,
	    "DELETE FROM login_failures WHERE at < ?" },
	{ "sessions_expired", "Sessions de connexion (navigateur, adresse IP, dates)", "dès leur expiration", 0,
	    RETENTION_DELETE, "Garder une personne connectée : une session expirée ne sert plus.", BASIS_SECURITY,
	    "DELETE FROM sessions WHERE expires_at < ?" },
	{ "one_time_links", "Liens d'invitation, de confirmation et de réinitialisation du mot de passe",
	    "30 jours après leur expiration", 30 * DAY, RETENTION_DELETE,
	    "Ouvrir un compte ou changer un mot de passe ; gardés un mois pour répondre à qui dit ne pas l'avoir reçu.",
	    BASIS_SECURITY, "DELETE FROM one_time_tokens WHERE expires_at < ?" },
	{ "emails_sent", "Courriels envoyés (destinataire, objet, texte)", "90 jours après leur envoi", 90 * DAY,
	    RETENTION_DELETE,
	    "Prévenir les personnes des étapes de leurs démarches ; gardés trois mois pour répondre à qui dit ne pas "
	    "les avoir reçus.",
	    BASIS_TASK, "DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?" },
	{ "emails_failed", "Courriels qui n'ont pas pu être remis", "1 an après leur création", 365 * DAY,
	    RETENTION_DELETE, "Comprendre pourquoi un courriel n'est pas arrivé.", BASIS_TASK,
	    "DELETE FROM outbox WHERE status = 'failed' AND created_at < ?" },
	{ "notifications", "Notifications affichées sur la plateforme (objet, lien)", "1 an après leur création",
	    365 * DAY, RETENTION_DELETE, "Montrer à chaque personne ce qui s'est passé dans ses démarches.", BASIS_TASK,
	    "DELETE FROM notifications WHERE created_at < ?" },
	{ "candidates_inactive",
	    "Comptes des candidats sans activité (ni connexion, ni modification du compte ou du profil, ni "
	    "candidature, "
	    "ni contrat en cours ou modifié) : nom, adresse électronique, date de naissance, commune, RQTH, CV, "
	    "messages et suivis",
	    "2 ans après leur dernière activité", RETENTION_INACTIVE_SECONDS, RETENTION_ANONYMISE,
	    "Mettre en relation les candidats et les employeurs ; comme les plateformes de l'inclusion, un compte sans "
	    "activité depuis deux ans est anonymisé et désactivé. Restent, sans nom, le niveau de qualification, le "
	    "sexe et les contrats, pour les statistiques du programme.",
	    BASIS_TASK, INACTIVE_CANDIDATES },
	{ "cv_closed_applications",
	    "CV des candidats dont toutes les candidatures sont closes (refusées, retirées, "
	    "déclinées ou sans réponse)",
	    "1 an après la clôture de la dernière candidature", RETENTION_CV_SECONDS, RETENTION_CLEAR,
	    "Permettre aux employeurs d'étudier une candidature ; un CV déposé de nouveau repart pour un an.",
	    BASIS_TASK,
	    "UPDATE candidates SET cv = NULL, cv_name = NULL, cv_size = NULL, cv_sha256 = NULL, cv_at = NULL WHERE cv "
	    "IS "
	    "NOT NULL AND COALESCE(cv_at, updated_at) < ? AND EXISTS (SELECT 1 FROM applications a WHERE "
	    "a.candidate_id "
	    "= candidates.person_id) AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = "
	    "candidates.person_id AND (a.state NOT IN ('refused', 'withdrawn', 'declined', 'obsolete') OR "
	    "a.state_since "
	    ">= ?))" },
	{ "activity_notes", "Notes libres des comptes rendus d'activité, et la ligne reçue telle quelle d'un import",
	    "1 an après la saisie du compte rendu", RETENTION_NOTES_SECONDS, RETENTION_CLEAR,
	    "Aider le médiateur à suivre les personnes accompagnées ; les chiffres du compte rendu restent pour les "
	    "statistiques.",
	    BASIS_TASK,
	    "UPDATE activity_reports SET notes = NULL, raw = NULL WHERE (notes IS NOT NULL OR raw IS NOT NULL) AND "
	    "created_at < ?" },
};
const size_t retention_nrules = sizeof(retention_rules) / sizeof(retention_rules[0]);

const char *
retention_action_label(enum retention_action action)
{
	switch (action) {
	case RETENTION_DELETE: return "suppression";
	case RETENTION_ANONYMISE: return "anonymisation";
	case RETENTION_CLEAR: return "effacement des champs";
	}
	return "";
}

/* The parameters of R's SQL: as many as its ?, each the cut-off; *N their number. */
static void
cutoff_params(const struct retention_rule *r, int64_t now, struct db_val *params, size_t *n)
{
	*n = 0;
	for (const char *p = r->sql; *p && *n < PARAMS_MAX; p++)
		if (*p == '?')
			params[(*n)++] = DB_I64(now - r->seconds);
}

tr_err
retention_select(struct ctx *ctx, const struct retention_rule *r, int64_t now, int64_t **ids, size_t *n)
{
	struct db_val params[PARAMS_MAX];
	struct db_rows *rows;
	size_t np;
	tr_err err;

	cutoff_params(r, now, params, &np);
	err = db_query(ctx->db, ctx->arena, r->sql, params, np, &rows);

	*n = 0;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*ids = arena_alloc(ctx->arena, (rows->nrows + 1) * sizeof(**ids));
	for (size_t i = 0; i < rows->nrows; i++) {
		int64_t id = db_int(db_cell(rows, i, 0));
		json_t *refusals = NULL;
		/* Whom the law keeps (a contract, a payment not settled), the rule leaves as an erasure would. */
		if ((err = privacy_refusals(ctx, id, &refusals)) != TR_OK)
			return err;
		if (json_array_size(refusals) == 0)
			(*ids)[(*n)++] = id;
		json_decref(refusals);
	}
	return TR_OK;
}

/* Applies rule R at NOW, inside the open transaction; *CHANGED the rows or people it changed. */
static tr_err
apply_rule(struct ctx *ctx, const struct retention_rule *r, int64_t now, int64_t *changed)
{
	struct db_val params[PARAMS_MAX];
	int64_t *ids;
	size_t n, np;
	tr_err err;

	*changed = 0;
	if (r->action != RETENTION_ANONYMISE) {
		cutoff_params(r, now, params, &np);
		err = db_exec(ctx->db, r->sql, params, np, changed);
		return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
	}
	if ((err = retention_select(ctx, r, now, &ids, &n)) != TR_OK)
		return err;
	for (size_t i = 0; i < n; i++) {
		if ((err = privacy_anonymise(ctx, ids[i], "retention_inactive")) != TR_OK)
			return err;
		(*changed)++;
	}
	return TR_OK;
}

tr_err
retention_apply(struct ctx *ctx, int64_t *count)
{
	json_t *detail = json_object();
	/* Never past the real clock: `jobs run --now` may act as if it were later (to expire applications), but
	 * deleting personal data is not undone, and must not follow a simulated moment. */
	int64_t now = ctx->now < clock_now() ? ctx->now : clock_now();
	tr_err err;

	*count = 0;
	if ((err = tx_begin(ctx)) != TR_OK) {
		json_decref(detail);
		return err;
	}
	for (size_t i = 0; i < retention_nrules && err == TR_OK; i++) {
		int64_t changed = 0;
		err = apply_rule(ctx, &retention_rules[i], now, &changed);
		if (err == TR_OK && changed > 0) {
			json_object_set_new(detail, retention_rules[i].name, json_integer(changed));
			*count += changed;
		}
	}
	if (err == TR_OK && *count > 0)
		err = journal_append(ctx, "retention", 0, "apply", detail);
	json_decref(detail);
	return tx_end(ctx, err);
}
