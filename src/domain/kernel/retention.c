/* The retention rules and the job that applies them. */
#include "domain/kernel/retention.h"

#include <jansson.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "store/db.h"

#define DAY 86400

const struct retention_rule retention_rules[] = {
	{ "login_failures", "Échecs de connexion (adresse électronique ou adresse IP essayée, date)", "1 jour", DAY,
	    RETENTION_DELETE,
	    "Ralentir qui essaie des mots de passe : au-delà d'un jour, un échec ne sert plus à cela.",
	    "DELETE FROM login_failures WHERE at < ?" },
	{ "sessions_expired", "Sessions de connexion (navigateur, adresse IP, dates)", "dès leur expiration", 0,
	    RETENTION_DELETE, "Garder une personne connectée : une session expirée ne sert plus.",
	    "DELETE FROM sessions WHERE expires_at < ?" },
	{ "one_time_links", "Liens d'invitation, de confirmation et de réinitialisation du mot de passe",
	    "30 jours après leur expiration", 30 * DAY, RETENTION_DELETE,
	    "Ouvrir un compte ou changer un mot de passe ; gardés un mois pour répondre à qui dit ne pas l'avoir reçu.",
	    "DELETE FROM one_time_tokens WHERE expires_at < ?" },
	{ "emails_sent", "Courriels envoyés (destinataire, objet, texte)", "90 jours après leur envoi", 90 * DAY,
	    RETENTION_DELETE,
	    "Prévenir les personnes des étapes de leurs démarches ; gardés trois mois pour répondre à qui dit ne pas "
	    "les "
	    "avoir reçus.",
	    "DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?" },
	{ "emails_failed", "Courriels qui n'ont pas pu être remis", "1 an après leur création", 365 * DAY,
	    RETENTION_DELETE, "Comprendre pourquoi un courriel n'est pas arrivé.",
	    "DELETE FROM outbox WHERE status = 'failed' AND created_at < ?" },
	{ "notifications", "Notifications affichées sur la plateforme (objet, lien)", "1 an après leur création",
	    365 * DAY, RETENTION_DELETE, "Montrer à chaque personne ce qui s'est passé dans ses démarches.",
	    "DELETE FROM notifications WHERE created_at < ?" },
};
const size_t retention_nrules = sizeof(retention_rules) / sizeof(retention_rules[0]);

tr_err
retention_apply(struct ctx *ctx, int64_t *count)
{
	json_t *detail = json_object();
	/* Never past the real clock: `jobs run --now` may act as if it were later (to expire applications), but
	 * deleting personal data is not undone, and must not follow a simulated moment. */
	int64_t now = ctx->now < clock_now() ? ctx->now : clock_now();
	tr_err err;

	*count = 0;
	if ((err = db_begin(ctx->db)) != TR_OK) {
		json_decref(detail);
		return err;
	}
	for (size_t i = 0; i < retention_nrules && err == TR_OK; i++) {
		const struct retention_rule *r = &retention_rules[i];
		int64_t changed = 0;
		err = db_execv(ctx->db, r->sql, &changed, DB_I64(now - r->seconds));
		if (err == TR_OK && changed > 0) {
			json_object_set_new(detail, r->name, json_integer(changed));
			*count += changed;
		}
	}
	if (err == TR_OK && *count > 0)
		err = journal_append(ctx, "retention", 0, "apply", detail);
	json_decref(detail);
	if (err == TR_OK)
		err = db_commit(ctx->db);
	if (err != TR_OK)
		db_rollback(ctx->db);
	return err;
}
