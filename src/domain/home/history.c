/* Journal entries in French: the tables of what each journal entity is, what its actions mean, and how the ids
 * its details name are read. */
#include "domain/home/history.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/dossiers/dossier.h"
#include "domain/kernel/common.h"
#include "domain/kernel/workflow.h"
#include "domain/recruitment/application.h"
#include "domain/recruitment/contract.h"
#include "domain/recruitment/offer.h"
#include "domain/subsidies/subsidy.h"
#include "domain/training/training_path.h"
#include "domain/training/training_session.h"
#include "model/accounts/account.h"
#include "model/accounts/role.h"
#include "model/activity/activity.h"
#include "model/candidates/candidate.h"
#include "model/places/place.h"
#include "model/poles/pole.h"
#include "model/programmes/programme.h"
#include "model/recruitment/contract.h"
#include "model/recruitment/offer.h"
#include "model/subsidies/subsidy.h"
#include "model/training/skills.h"
#include "model/training/training.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define VALUE_MAX 80 /* characters of a value shown */

/* What a journal entity is: its French name, its lifecycle (the labels of its states and actions) and the field
 * tables its details' members are named from (the first that knows a member names it). */
struct history_kind {
	const char *entity;
	const char *noun;
	const struct workflow *wf;
	const struct entity *fields[4];
};

static const struct history_kind kinds[] = {
	{ "dossier", "Dossier", &dossier_workflow,
	    .fields = { &entity_dossier, &entity_opinion, &entity_decision_validate } },
	{ "offer", "Offre", &offer_workflow, .fields = { &entity_offer, &entity_offer_close } },
	{ "application", "Candidature", &application_workflow, .fields = { &entity_application, &entity_refusal } },
	{ "contract", "Contrat", &contract_workflow,
	    .fields = { &entity_contract, &entity_contract_end, &entity_outcome, &entity_assessment } },
	{ "path_module", "Module de parcours", &module_workflow,
	    .fields = { &entity_path_module, &entity_module_reason } },
	{ "training_session", "Session de formation", &session_workflow,
	    .fields = { &entity_session, &entity_session_cancel } },
	{ "registration", "Inscription à une session", &registration_workflow, .fields = { &entity_registration } },
	{ "payment_request", "Demande de versement", &payreq_workflow,
	    .fields = { &entity_payreq, &entity_payreq_reason } },
	{ "convention_post", "Poste conventionné", &post_workflow,
	    .fields = { &entity_post_fill, &entity_post_vacate } },
	{ "amendment", "Avenant", &amendment_workflow, .fields = { &entity_amendment, &entity_amendment_opinion } },
	{ "recovery", "Ordre de reversement", &recovery_workflow,
	    .fields = { &entity_recovery_repaid, &entity_recovery_cancel } },
	{ "place", "Lieu", NULL, .fields = { &entity_place } },
	{ "person", "Personne", NULL, .fields = { &entity_person, &entity_person_edit } },
	{ "organisation", "Structure", NULL, .fields = { &entity_organisation } },
	{ "membership", "Rôle", NULL, .fields = { &entity_membership } },
	{ "candidate", "Profil de candidat", NULL, .fields = { &entity_candidate } },
	{ "eligibility_diagnosis", "Diagnostic d'éligibilité", NULL, .fields = { &entity_diagnosis } },
	{ "programme", "Dispositif", NULL, .fields = { &entity_programme } },
	{ "job_profile", "Fiche métier", NULL, .fields = { &entity_job_profile } },
	{ "pole", "Pôle de ressources", NULL, .fields = { &entity_pole } },
	{ "pole_diagnosis", "Diagnostic préalable", NULL, .fields = { &entity_pole_diagnosis } },
	{ "partner", "Entreprise du vivier", NULL, .fields = { &entity_partner } },
	{ "resource", "Ressource", NULL, .fields = { &entity_resource } },
	{ "training_organisation", "Organisme de formation", NULL, .fields = { &entity_training_org } },
	{ "competence", "Compétence", NULL, .fields = { &entity_competence } },
	{ "aid_decision", "Décision d'aide", NULL, .fields = { &entity_aid_decision } },
	{ "aid_rule", "Règle d'aide", NULL, .fields = { &entity_aid_rule } },
	{ "convention", "Convention", NULL, .fields = { &entity_convention } },
	{ "bank_details", "Coordonnées bancaires", NULL, .fields = { &entity_bank_details } },
	{ "payment_order", "Ordre de paiement", NULL, .fields = { &entity_order_paid } },
	{ "smic_rate", "Taux du SMIC", NULL, .fields = { &entity_smic_rate } },
	{ "activity", "Compte rendu d'activité", NULL, .fields = { &entity_activity } },
	{ "activity_batch", "Lot de comptes rendus", NULL, .fields = { NULL } },
	{ "annual_report", "Bilan annuel", NULL, .fields = { NULL } },
	{ "api_token", "Jeton d'accès à l'API", NULL, .fields = { NULL } },
	{ "place_network", "Réseau de lieux", NULL, .fields = { NULL } },
	{ "settings", "Réglages", NULL, .fields = { NULL } },
	{ "retention", "Durées de conservation", NULL, .fields = { NULL } },
};

/* The actions in words: ENTITY's own first, then those of any entity (ENTITY NULL); a lifecycle's action no row
 * names reads as its transition's label. */
static const struct {
	const char *entity, *action, *text;
} phrases[] = {
	{ "dossier", "submit", "Dossier déposé" },
	{ "dossier", "resubmit", "Dossier complété déposé à nouveau" },
	{ "dossier", "give_opinion", "Avis régional rendu" },
	{ "dossier", "validate", "Dossier validé" },
	{ "dossier", "refuse", "Dossier refusé" },
	{ "dossier", "request_changes", "Compléments demandés" },
	{ "dossier", "withdraw", "Dossier retiré" },
	{ "dossier", "reopen", "Dossier rouvert" },
	{ "dossier", "message", "Message échangé sur le dossier" },
	{ "offer", "close", "Offre fermée" },
	{ "offer", "reopen", "Offre rouverte" },
	{ "offer", "fill", "Offre pourvue" },
	{ "offer", "unfill", "Offre de nouveau ouverte" },
	{ "application", "apply", "Candidature envoyée" },
	{ "application", "propose", "Mise en relation proposée" },
	{ "application", "accept_proposal", "Mise en relation acceptée" },
	{ "application", "decline_proposal", "Mise en relation déclinée" },
	{ "application", "process", "Candidature examinée" },
	{ "application", "interview", "Entretien proposé" },
	{ "application", "accept", "Candidature retenue, contrat établi" },
	{ "application", "refuse", "Candidature non retenue" },
	{ "application", "withdraw", "Candidature retirée" },
	{ "application", "obsolete", "Candidature close sans suite" },
	{ "contract", "create", "Contrat établi" },
	{ "contract", "start", "Contrat démarré" },
	{ "contract", "suspend", "Contrat suspendu" },
	{ "contract", "resume", "Contrat repris" },
	{ "contract", "complete", "Contrat terminé à son terme" },
	{ "contract", "end_early", "Contrat rompu avant son terme" },
	{ "contract", "record_outcome", "Situation à la sortie enregistrée" },
	{ "contract", "record_followup", "Suivi à six mois enregistré" },
	{ "contract", "renew", "Contrat renouvelé" },
	{ "contract", "followup_reminder", "Rappel du suivi à six mois envoyé" },
	{ "contract", "path_template", "Parcours type de la fiche métier appliqué" },
	{ "contract", "assess", "Évaluation inscrite dans la grille de compétences" },
	{ "path_module", "start", "Module démarré" },
	{ "path_module", "complete", "Module terminé" },
	{ "path_module", "abandon", "Module abandonné" },
	{ "path_module", "resume", "Module repris" },
	{ "path_module", "reopen", "Module rouvert" },
	{ "path_module", "move_up", "Module avancé dans le parcours" },
	{ "path_module", "move_down", "Module reculé dans le parcours" },
	{ "path_module", "hours", "Heures de formation comptées" },
	{ "path_module", "remove", "Module retiré du parcours" },
	{ "training_session", "attendance", "Présences enregistrées" },
	{ "training_session", "confirm", "Session confirmée" },
	{ "training_session", "cancel", "Session annulée" },
	{ "training_session", "cancel_under_minimum", "Session annulée faute d'inscrits" },
	{ "registration", "create", "Inscription enregistrée" },
	{ "registration", "cancel", "Inscription annulée" },
	{ "registration", "promote", "Place donnée depuis la liste d'attente" },
	{ "payment_order", "paid", "Ordre de paiement payé" },
	{ "candidate", "cv", "CV déposé" },
	{ "candidate", "follow_request", "Suivi demandé par un prescripteur" },
	{ "candidate", "follow_invite", "Prescripteur invité à suivre le profil" },
	{ "candidate", "follow_accept", "Suivi accepté" },
	{ "candidate", "unfollow", "Suivi arrêté" },
	{ "person", "register", "Inscription sur la plateforme" },
	{ "person", "invite", "Invitation envoyée" },
	{ "person", "confirm_email", "Adresse électronique confirmée" },
	{ "organisation", "pays_programme", "Dispositif payé par cet organisme" },
	{ "organisation", "mediator_add", "Conseiller ajouté à la structure" },
	{ "organisation", "mediator_remove", "Conseiller retiré de la structure" },
	{ "programme", "seed", "Dispositif chargé depuis les données du projet" },
	{ "programme", "region_target", "Objectif régional fixé" },
	{ "job_profile", "deactivate", "Fiche métier désactivée" },
	{ "aid_decision", "recompute", "Décision d'aide recalculée" },
	{ "bank_details", "set", "Coordonnées bancaires enregistrées" },
	{ "smic_rate", "save", "Taux du SMIC enregistré" },
	{ "place", "import", "Import de lieux" },
	{ "place", "geocode", "Coordonnées trouvées par le géocodeur" },
	{ "place", "merge", "Fusion avec un doublon" },
	{ "place", "duplicate_merged", "Doublon fusionné" },
	{ "place", "duplicate_distinct", "Doublon écarté : lieux distincts" },
	{ "activity_batch", "ingest", "Lot de comptes rendus importé" },
	{ "annual_report", "generate", "Bilan annuel produit" },
	{ "api_token", "revoke", "Jeton révoqué" },
	{ "retention", "apply", "Données arrivées au terme de leur conservation effacées" },
	{ NULL, "create", "Création" },
	{ NULL, "update", "Modification" },
	{ NULL, "delete", "Suppression" },
};

/* How the ids a detail names are read: the member, then the SQL giving its name (its one '?' the id). */
static const struct {
	const char *name, *sql;
} refs[] = {
	{ "organisation_id", "SELECT name FROM organisations WHERE id = ?" },
	{ "training_org_id", "SELECT name FROM organisations WHERE id = ?" },
	{ "person_id", "SELECT name FROM people WHERE id = ?" },
	{ "candidate_id", "SELECT name FROM people WHERE id = ?" },
	{ "tutor_id", "SELECT name FROM people WHERE id = ?" },
	{ "sponsor_id", "SELECT name FROM people WHERE id = ?" },
	{ "prescriber_id", "SELECT name FROM people WHERE id = ?" },
	{ "programme_id", "SELECT name FROM programmes WHERE id = ?" },
	{ "job_profile_id", "SELECT title FROM job_profiles WHERE id = ?" },
	{ "pole_id", "SELECT name FROM poles WHERE id = ?" },
	{ "offer_id", "SELECT title FROM offers WHERE id = ?" },
	{ "dossier_id", "SELECT 'Dossier n° ' || CAST(id AS TEXT) FROM dossiers WHERE id = ?" },
	{ "contract_id", "SELECT 'Contrat n° ' || CAST(id AS TEXT) FROM contracts WHERE id = ?" },
	{ "application_id", "SELECT 'Candidature n° ' || CAST(id AS TEXT) FROM applications WHERE id = ?" },
	{ "path_module_id", "SELECT title FROM path_modules WHERE id = ?" },
};

/* Members that no field table names (and the vocabulary of their codes). Others are left to the raw entry. */
static const struct {
	const char *name, *label;
	const struct vocab *vocab;
} extras[] = {
	{ "organisation_id", "Structure", NULL },
	{ "training_org_id", "Organisme de formation", NULL },
	{ "person_id", "Personne", NULL },
	{ "candidate_id", "Candidat", NULL },
	{ "tutor_id", "Tuteur", NULL },
	{ "sponsor_id", "Parrain", NULL },
	{ "prescriber_id", "Prescripteur", NULL },
	{ "programme_id", "Dispositif", NULL },
	{ "job_profile_id", "Fiche métier", NULL },
	{ "pole_id", "Pôle de ressources", NULL },
	{ "offer_id", "Offre", NULL },
	{ "dossier_id", "Dossier", NULL },
	{ "contract_id", "Contrat", NULL },
	{ "application_id", "Candidature d'origine", NULL },
	{ "path_module_id", "Module du parcours", NULL },
	{ "role", "Rôle", &vocab_role },
	{ "regions", "Régions", NULL },
	{ "email", "Adresse électronique", NULL },
	{ "name", "Nom", NULL },
	{ "netpublic", "Labellisé NetPublic", NULL },
	{ "listed_national", "Référencé dans l'annuaire national", NULL },
	{ "networks", "Réseaux", NULL },
	{ "modules", "Modules ajoutés", NULL },
	{ "posts_granted", "Postes accordés", NULL },
	{ "eligible", "Éligible", NULL },
	{ "computed_eligible", "Éligible d'après les critères", NULL },
	{ "overridden", "Conclusion du prescripteur différente des critères", NULL },
	{ "valid_until", "Valable jusqu'au", NULL },
	{ "months", "Durée (mois)", NULL },
	{ "assessor_role", "Évaluation faite par", &vocab_assessor_role },
	{ "size", "Taille (octets)", NULL },
	{ "self_registration", "Inscrit par lui-même", NULL },
	{ "kind", "Genre", NULL },
	{ "address", "Adresse", NULL },
	{ "commune_code", "Commune (code INSEE)", NULL },
};

static const struct history_kind *
kind_of(const char *entity)
{
	for (size_t i = 0; entity && i < ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i].entity, entity) == 0)
			return &kinds[i];
	return NULL;
}

const char *
history_noun(const char *entity)
{
	const struct history_kind *k = kind_of(entity);

	return k ? k->noun : entity;
}

json_t *
history_kinds(void)
{
	json_t *out = json_array();

	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		json_array_append_new(out, json_pack("{s:s, s:s}", "code", kinds[i].entity, "noun", kinds[i].noun));
	return out;
}

/* The label of a transition ACTION of WF, or NULL. */
static const char *
transition_label(const struct workflow *wf, const char *action)
{
	for (size_t i = 0; wf && i < wf->nrows; i++)
		if (strcmp(wf->rows[i].action, action) == 0)
			return wf->rows[i].label;
	return NULL;
}

const char *
history_what(const char *entity, const char *action)
{
	const struct history_kind *k = kind_of(entity);
	const char *t;

	if (action == NULL)
		return "Action";
	for (size_t i = 0; i < ARRAY_LEN(phrases); i++)
		if (phrases[i].entity && entity && strcmp(phrases[i].entity, entity) == 0 &&
		    strcmp(phrases[i].action, action) == 0)
			return phrases[i].text;
	if (k && (t = transition_label(k->wf, action)) != NULL)
		return t;
	for (size_t i = 0; i < ARRAY_LEN(phrases); i++)
		if (phrases[i].entity == NULL && strcmp(phrases[i].action, action) == 0)
			return phrases[i].text;
	return "Autre action";
}

/* The field of KIND named NAME, or NULL. */
static const struct field *
field_of(const struct history_kind *k, const char *name)
{
	for (size_t i = 0; k && i < ARRAY_LEN(k->fields) && k->fields[i]; i++) {
		const struct field *f = entity_field(k->fields[i], name);
		if (f)
			return f;
	}
	return NULL;
}

/* The French label of member NAME of a detail of KIND, and in *V the vocabulary of its codes; NULL for a member
 * no table names (left to the raw entry). */
static const char *
label_of(const struct history_kind *k, const char *name, const struct vocab **v)
{
	const struct field *f = field_of(k, name);

	*v = f ? f->vocab : NULL;
	if (f)
		return f->label;
	for (size_t i = 0; i < ARRAY_LEN(extras); i++)
		if (strcmp(extras[i].name, name) == 0) {
			*v = extras[i].vocab;
			return extras[i].label;
		}
	return NULL;
}

/* S cut at VALUE_MAX characters. */
static const char *
cut(struct ctx *ctx, const char *s)
{
	size_t n = 0, chars = 0;

	for (; s[n] != '\0'; n++)
		if (((unsigned char)s[n] & 0xC0) != 0x80 && chars++ == VALUE_MAX)
			break;
	return s[n] == '\0' ? s : arena_printf(ctx->arena, "%.*s…", (int)n, s);
}

const char *
history_value(struct ctx *ctx, const char *name, const struct field *f, json_t *v)
{
	int y, m, d;

	if (v == NULL || json_is_null(v))
		return "—";
	if (json_is_boolean(v))
		return json_is_true(v) ? "oui" : "non";
	if (json_is_integer(v) && name) {
		for (size_t i = 0; i < ARRAY_LEN(refs); i++) {
			struct db_rows *r;
			if (strcmp(refs[i].name, name) != 0)
				continue;
			if (db_queryv(ctx->db, ctx->arena, refs[i].sql, &r, DB_I64(json_integer_value(v))) == TR_OK &&
			    r->nrows == 1 && !db_isnull(db_cell(r, 0, 0)))
				return cut(ctx, db_text(db_cell(r, 0, 0)));
			return arena_printf(ctx->arena, "n° %lld (supprimé)", (long long)json_integer_value(v));
		}
	}
	if (json_is_integer(v))
		return arena_printf(ctx->arena, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return arena_printf(ctx->arena, "%g", json_real_value(v));
	if (json_is_array(v)) {
		const char *out = "";
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) out =
		    arena_printf(ctx->arena, "%s%s%s", out, i ? ", " : "", history_value(ctx, NULL, NULL, x));
		return *out ? cut(ctx, out) : "—";
	}
	if (!json_is_string(v))
		return "…";
	if (*json_string_value(v) == '\0')
		return "—";
	if (f && f->vocab && vocab_label(f->vocab, json_string_value(v)))
		return vocab_label(f->vocab, json_string_value(v));
	if (json_string_length(v) == 10 && date_parse(json_string_value(v), 10, &y, &m, &d))
		return date_fr(ctx->arena, date_days(y, m, d) * 86400 + 12 * 3600);
	return cut(ctx, json_string_value(v));
}

/* Appends to CHANGES the members of OBJ (with their BEFORE values when BEFORE is an object) that are data a table
 * names. */
static void
changes_of(struct ctx *ctx, const struct history_kind *k, json_t *before, json_t *obj, json_t *changes)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		const struct vocab *vocab = NULL;
		const char *label = label_of(k, key, &vocab);
		struct field f = { .name = key, .vocab = vocab };
		if (label == NULL || json_is_object(v))
			continue;
		json_array_append_new(changes,
		    json_pack("{s:s, s:s, s:s}", "label", label, "before",
		        json_is_object(before) ? history_value(ctx, key, &f, json_object_get(before, key)) : "",
		        "after", history_value(ctx, key, &f, v)));
	}
}

void
history_describe(struct ctx *ctx, json_t *e)
{
	const char *entity = json_str(e, "entity"), *action = json_str(e, "action"), *raw = json_str(e, "detail");
	const struct history_kind *k = kind_of(entity);
	json_t *detail = NULL, *changes = json_array();
	const char *change = "", *object;

	if (raw)
		detail = json_loads(raw, 0, NULL);
	else if (json_is_object(json_object_get(e, "detail")))
		detail = json_incref(json_object_get(e, "detail"));
	if (k && k->wf && json_str(detail, "from") && json_str(detail, "to") &&
	    strcmp(json_str(detail, "from"), json_str(detail, "to")) != 0)
		change = arena_printf(ctx->arena, "%s → %s", vocab_label(k->wf->states, json_str(detail, "from")),
		    vocab_label(k->wf->states, json_str(detail, "to")));
	if (json_is_object(json_object_get(detail, "after")))
		changes_of(ctx, k, json_object_get(detail, "before"), json_object_get(detail, "after"), changes);
	else if (json_is_object(json_object_get(detail, "payload")))
		changes_of(ctx, k, NULL, json_object_get(detail, "payload"), changes);
	else if (json_is_object(detail) && json_str(detail, "from") == NULL)
		changes_of(ctx, k, NULL, detail, changes);
	if (json_is_integer(json_object_get(e, "entity_id")) && json_integer_value(json_object_get(e, "entity_id")) > 0)
		object = arena_printf(ctx->arena, "%s n° %lld", history_noun(entity),
		    (long long)json_integer_value(json_object_get(e, "entity_id")));
	else if (json_str(e, "entity_key"))
		object = arena_printf(ctx->arena, "%s %s", history_noun(entity), json_str(e, "entity_key"));
	else
		object = history_noun(entity);
	json_object_set_new(e, "what", json_string(history_what(entity, action)));
	json_object_set_new(e, "object", json_string(object));
	json_object_set_new(e, "change", json_string(change));
	json_object_set_new(e, "changes", changes);
	json_decref(detail);
}
