/* Every person's data: the readable page and the JSON download (/mes-donnees), the erasure request and its
 * confirmation, and the register of processing activities drawn from the retention rules. */
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/accounts/session.h"
#include "domain/kernel/common.h"
#include "domain/privacy/privacy.h"
#include "domain/privacy/retention.h"

#define PAGE_ROWS 20 /* rows of a section the page shows; the download has them all */

/* The sections of the download, in the page's order, with their French titles. */
static const struct {
	const char *key, *title;
} section_titles[] = {
	{ "person", "Mon compte" },
	{ "memberships", "Mes rôles" },
	{ "profile", "Mon profil de candidat" },
	{ "eligibility_diagnoses", "Mes diagnostics d'éligibilité" },
	{ "applications", "Mes candidatures" },
	{ "contracts", "Mes contrats (personne recrutée)" },
	{ "contracts_as_party", "Les contrats dont je suis tuteur ou parrain" },
	{ "training_registrations", "Mes inscriptions en formation" },
	{ "attendance", "Mes présences en formation" },
	{ "assessments", "Mes autoévaluations et évaluations" },
	{ "activity_reports", "Les comptes rendus d'activité que j'ai saisis" },
	{ "dossier_messages", "Mes messages sur les dossiers" },
	{ "sessions", "Mes sessions de connexion" },
	{ "api_tokens", "Mes jetons d'accès à l'API" },
	{ "erasure_requests", "Mes demandes d'effacement" },
	{ "journal", "Le journal des actions me concernant" },
	{ "journal_authored", "Le journal des actions que j'ai faites (500 dernières)" },
};

/* French names of the columns the sections share; a column not listed shows its own name. */
static const struct {
	const char *key, *label;
} column_labels[] = {
	{ "id", "Numéro" },
	{ "email", "Adresse électronique" },
	{ "name", "Nom" },
	{ "active", "Compte actif" },
	{ "role", "Rôle" },
	{ "party", "Partie" },
	{ "state", "État" },
	{ "organisation_name", "Structure" },
	{ "organisation_id", "Numéro de la structure" },
	{ "candidate_id", "Numéro de la personne recrutée" },
	{ "programme_id", "Numéro du dispositif" },
	{ "contract_type", "Type de contrat" },
	{ "start_on", "Début" },
	{ "end_on", "Fin" },
	{ "message", "Message" },
	{ "offer_title", "Offre" },
	{ "notes", "Notes" },
	{ "body", "Texte" },
	{ "ip", "Adresse IP" },
	{ "user_agent", "Navigateur" },
	{ "action", "Action" },
	{ "entity", "Objet" },
	{ "entity_id", "Numéro de l'objet" },
	{ "actor_label", "Auteur" },
	{ "detail", "Détail" },
	{ "reasons", "Motifs" },
	{ "session_on", "Date de la séance" },
	{ "at", "Date" },
	{ "created_at", "Créé le" },
	{ "updated_at", "Modifié le" },
	{ "last_login_at", "Dernière connexion" },
	{ "last_seen_at", "Dernière activité" },
	{ "expires_at", "Expire le" },
	{ "confirmed_at", "Confirmé le" },
	{ "decided_at", "Décidé le" },
};

static const char *
column_label(const char *key)
{
	for (size_t i = 0; i < sizeof(column_labels) / sizeof(column_labels[0]); i++)
		if (strcmp(column_labels[i].key, key) == 0)
			return column_labels[i].label;
	return key;
}

/* A value as the page shows it: dates of *_at columns in French, null as "—", objects as compact JSON. */
static const char *
value_text(struct request *req, const char *key, json_t *v)
{
	size_t n = strlen(key);

	if (json_is_null(v))
		return "—";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v) && (strcmp(key, "at") == 0 || (n > 3 && strcmp(key + n - 3, "_at") == 0)))
		return date_fr_json(req, v);
	if (json_is_integer(v))
		return arena_printf(req->arena, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return arena_printf(req->arena, "%g", json_real_value(v));
	if (json_is_boolean(v))
		return json_is_true(v) ? "oui" : "non";
	{
		char *dump = json_dumps(v, JSON_COMPACT);
		const char *out = arena_strdup(req->arena, dump ? dump : "");
		free(dump);
		return out;
	}
}

static json_t *
row_fields(struct request *req, json_t *row)
{
	json_t *fields = json_array(), *v;
	const char *k;

	json_object_foreach(row, k, v) json_array_append_new(
	    fields, json_pack("{s:s, s:s}", "name", column_label(k), "value", value_text(req, k, v)));
	return fields;
}

/* The page's sections from the download: [{title, id, count, more, rows: [{fields: [{name, value}]}]}]. */
static json_t *
sections_json(struct request *req, json_t *data)
{
	json_t *sections = json_array();

	for (size_t i = 0; i < sizeof(section_titles) / sizeof(section_titles[0]); i++) {
		json_t *v = json_object_get(data, section_titles[i].key), *rows = json_array();
		size_t count = json_is_array(v) ? json_array_size(v) : json_is_object(v) ? 1 : 0;

		if (json_is_object(v))
			json_array_append_new(rows, json_pack("{s:o}", "fields", row_fields(req, v)));
		for (size_t k = 0; json_is_array(v) && k < json_array_size(v) && k < PAGE_ROWS; k++)
			json_array_append_new(
			    rows, json_pack("{s:o}", "fields", row_fields(req, json_array_get(v, k))));
		json_array_append_new(sections,
		    json_pack("{s:s, s:s, s:I, s:b, s:o}", "title", section_titles[i].title, "id",
		        section_titles[i].key, "count", (json_int_t)count, "more", count > PAGE_ROWS, "rows", rows));
	}
	return sections;
}

static void
my_data_page(struct request *req, int status, const char *confirm_error)
{
	json_t *data = NULL, *erasure = NULL, *request;
	tr_err err = privacy_export(&req->ctx, req->ctx.actor->person_id, &data);
	const char *state;

	if (err == TR_OK)
		err = privacy_erasure_status(&req->ctx, &erasure);
	if (err != TR_OK) {
		json_decref(data);
		resp_error(req, err, NULL);
		return;
	}
	request = json_object_get(erasure, "request");
	state = json_str(request, "state");
	json_object_set_new(erasure, "pending", json_boolean(state && strcmp(state, "pending") == 0));
	json_object_set_new(erasure, "refused", json_boolean(state && strcmp(state, "refused") == 0));
	json_object_set_new(
	    erasure, "blocked", json_boolean(json_array_size(json_object_get(erasure, "refusals")) > 0));
	if (json_is_object(request))
		json_object_set_new(
		    request, "created_label", json_string(date_fr_json(req, json_object_get(request, "created_at"))));
	if (confirm_error)
		json_object_set_new(erasure, "confirm_error", json_string(confirm_error));
	web_page(req, status, "my_data.html", "Mes données personnelles",
	    json_pack("{s:o, s:o}", "sections", sections_json(req, data), "erasure", erasure));
	json_decref(data);
}

void
web_my_data(struct request *req)
{
	my_data_page(req, 200, NULL);
}

void
web_my_data_json(struct request *req)
{
	json_t *out = NULL;
	tr_err err = privacy_export(&req->ctx, req->ctx.actor->person_id, &out);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	resp_json(req, 200, out);
	resp_header(req, "content-disposition", "attachment; filename=\"mes-donnees-tremplin.json\"");
}

void
web_erasure_request(struct request *req)
{
	bool refused = false;
	tr_err err = privacy_erasure_request(&req->ctx, NULL, &refused);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	web_done(req, "/mes-donnees#effacement", refused ? "erasure_refused" : "erasure_pending");
}

void
web_erasure_confirm(struct request *req)
{
	tr_err err;

	if (req_form(req, "confirm") == NULL) {
		field_errors_add(&req->ctx.errors, "confirm",
		    "« Je confirme l'effacement de mes données » : cochez cette case pour confirmer.");
		my_data_page(
		    req, 422, "« Je confirme l'effacement de mes données » : cochez cette case pour confirmer.");
		return;
	}
	err = privacy_erasure_confirm(&req->ctx);
	if (err == TR_CONFLICT) {
		web_done(req, "/mes-donnees#effacement", "erasure_refused");
		return;
	}
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	resp_cookie(req, SESSION_COOKIE, "", -1);
	web_done(req, "/", "account_deleted");
}

json_t *
web_register_json(void)
{
	json_t *rules = json_array(), *refusals = json_array();

	for (size_t i = 0; i < retention_nrules; i++) {
		const struct retention_rule *r = &retention_rules[i];
		json_array_append_new(rules,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", r->name, "what", r->what, "after", r->after,
		        "action", retention_action_label(r->action), "why", r->why, "basis", r->basis));
	}
	for (size_t i = 0; i < erasure_nrefusals; i++)
		json_array_append_new(refusals, json_pack("{s:s, s:s, s:s}", "code", erasure_refusals[i].code, "reason",
		                                    erasure_refusals[i].reason, "basis", erasure_refusals[i].basis));
	return json_pack("{s:o, s:o}", "rules", rules, "refusals", refusals);
}
