/* GET /api/v1/openapi.json: the OpenAPI 3.0 document of the API, generated from the route table (paths,
 * methods, path parameters, who may call) and the entity field tables (schemas with types, limits,
 * vocabularies and French labels), so that it cannot drift from what the server does. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/dossiers/dossier.h"
#include "http/router.h"
#include "model/accounts/token_scope.h"
#include "model/programmes/programme.h"
#include "model/subsidies/subsidy.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TEXT_MAX_DEFAULT 200 /* entity_validate's length for a text field without max_len (model/entity.c) */

/* What the route table does not say about an operation. */
struct op_doc {
	const char *method, *pattern;
	const char *summary;
	const char *request;           /* schema of the JSON body in components, or NULL */
	const char *response;          /* schema of the answer, or NULL: a JSON object */
	int status;                    /* of success; 0: 200 */
	const char *media;             /* of the answer; NULL: application/json */
	const char *query;             /* query parameters, "name:type,…" (type integer or string) */
	const char *const *token_enum; /* the values of {token}, when they are a closed list */
};

static const char *const payreq_actions[] = { "approve", "reject", NULL };
static const char *const recovery_actions[] = { "repaid", "cancel", NULL };
static const char *const post_actions[] = { "fill", "vacate", "give_back", NULL };
static const char *const amendment_actions[] = { "give_opinion", "grant", "refuse", NULL };

static const struct op_doc op_docs[] = {
	{ "GET", "/api/v1/programmes", "Programmes, active first", NULL, NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/programmes", "Create a programme", "programme", "programme_record", 201, NULL, NULL, NULL },
	{ "GET", "/api/v1/programmes/{id}", "A programme with its job profiles, poles and quotas", NULL,
	    "programme_record", 0, NULL, NULL, NULL },
	{ "PATCH", "/api/v1/programmes/{id}", "Edit a programme (members sent replace theirs)", "programme_patch",
	    "programme_record", 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/programmes/{id}/job-profiles", "Add a job profile to a programme", "job_profile",
	    "job_profile_record", 201, NULL, NULL, NULL },
	{ "GET", "/api/v1/programmes/{id}/quotas", "Posts requested, granted and aimed at, per region", NULL, NULL, 0,
	    NULL, NULL, NULL },
	{ "GET", "/api/v1/job-profiles/{id}", "A job profile", NULL, "job_profile_record", 0, NULL, NULL, NULL },
	{ "PATCH", "/api/v1/job-profiles/{id}", "Edit a job profile", "job_profile_patch", "job_profile_record", 0,
	    NULL, NULL, NULL },
	{ "DELETE", "/api/v1/job-profiles/{id}",
	    "Remove a job profile (deleted, or deactivated when dossiers name it); the version may also come as a JSON "
	    "body",
	    NULL, NULL, 0, NULL, "version:integer", NULL },
	{ "GET", "/api/v1/dossiers", "The dossiers the caller may see, filtered", NULL, "dossier_list", 0, NULL,
	    "programme_id:integer,region:string,state:string,job_profile_id:integer,page:integer,per_page:integer",
	    NULL },
	{ "POST", "/api/v1/dossiers", "Create a draft (nothing is required before submission)", "dossier_create",
	    "dossier_record", 201, NULL, NULL, NULL },
	{ "GET", "/api/v1/dossiers/{id}", "A dossier, with the actions the caller may take now", NULL, "dossier_record",
	    0, NULL, NULL, NULL },
	{ "PATCH", "/api/v1/dossiers/{id}", "Edit a draft or a dossier whose changes were requested", "dossier_patch",
	    "dossier_record", 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/dossiers/{id}/actions/{token}", "Apply an action of the workflow", "dossier_action",
	    "dossier_record", 0, NULL, NULL, dossier_actions },
	{ "GET", "/api/v1/dossiers/{id}/journal", "The dossier's journal, newest first", NULL, NULL, 0, NULL, NULL,
	    NULL },
	{ "GET", "/api/v1/dossiers/{id}/messages", "The message thread", NULL, NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/dossiers/{id}/messages", "Write to the other side of the dossier", "message", NULL, 201,
	    NULL, NULL, NULL },
	{ "GET", "/api/v1/dossiers/{id}/protocol.pdf", "The protocol (Annex I, opinion, decision) as a PDF", NULL, NULL,
	    0, "application/pdf", NULL, NULL },
	{ "GET", "/api/v1/places.csv", "The directory in the national standard's CSV", NULL, NULL, 0, "text/csv", NULL,
	    NULL },
	{ "GET", "/api/v1/places.geojson", "The directory as GeoJSON", NULL, NULL, 0, "application/geo+json", NULL,
	    NULL },
	{ "POST", "/api/v1/candidates",
	    "Register as a candidate: accepted (202) whether or not the email has an account; the account opens "
	    "through the link sent by email",
	    NULL, NULL, 202, NULL, NULL, NULL },
	{ "POST", "/api/v1/prescriber/candidates",
	    "Ask to follow a candidate by email: accepted (202) whether or not the address is a candidate's; "
	    "followed once they accept",
	    NULL, NULL, 202, NULL, NULL, NULL },
	/* Steering: the same figures and scope as /pilotage. */
	{ "GET", "/api/v1/steering/indicators",
	    "The table of indicators: id, section, title, how it is computed, chart", NULL, NULL, 0, NULL, NULL, NULL },
	{ "GET", "/api/v1/steering/figures",
	    "Every figure of a programme over a period (default: this year) and the previous period, in the caller's "
	    "scope (national reach: all; regional officers and poles: their regions; employers: their organisation)",
	    NULL, NULL, 0, NULL, "programme:integer,from:string,to:string,region:string", NULL },
	{ "GET", "/api/v1/steering/figures/{token}", "One figure ({token}: an indicator id of /steering/indicators)",
	    NULL, NULL, 0, NULL, "programme:integer,from:string,to:string,region:string", NULL },
	{ "GET", "/api/v1/steering/reports", "The annual reports' versions the caller may read, newest first", NULL,
	    NULL, 0, NULL, "programme:integer,page:integer", NULL },
	{ "POST", "/api/v1/steering/reports",
	    "Generate an annual report {programme_id, year, region (optional: national)}; its SHA-256 is journaled",
	    NULL, NULL, 201, NULL, NULL, NULL },
	{ "GET", "/api/v1/steering/reports/{id}/pdf", "One version of an annual report (header X-Content-SHA256)", NULL,
	    NULL, 0, "application/pdf", NULL, NULL },
	/* Subsidies (issue 12). */
	{ "GET", "/api/v1/smic", "The gross hourly SMIC by territory and date", NULL, NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/smic", "Record or correct a SMIC value (recomputes the schedules it reaches)", "smic_rate",
	    NULL, 0, NULL, NULL, NULL },
	{ "GET", "/api/v1/aid-rules", "The aid rules of each programme, with instalments and bonuses", NULL, NULL, 0,
	    NULL, NULL, NULL },
	{ "GET", "/api/v1/aid-rules/{id}", "An aid rule", NULL, NULL, 0, NULL, NULL, NULL },
	{ "PATCH", "/api/v1/aid-rules/{id}", "Edit an aid rule (journaled)", "aid_rule_patch", NULL, 0, NULL, NULL,
	    NULL },
	{ "POST", "/api/v1/contracts/{id}/aid", "Decide a contract's hourly aid; computes schedule version 1",
	    "aid_decision", NULL, 201, NULL, NULL, NULL },
	{ "GET", "/api/v1/aid-decisions", "The aid decisions in the caller's scope (format=csv|xlsx: a file)", NULL,
	    NULL, 0, NULL,
	    "programme_id:integer,organisation_id:integer,region_code:string,sort:string,page:integer,per_page:integer,"
	    "format:string",
	    NULL },
	{ "GET", "/api/v1/aid-decisions/{id}", "A decision with its current schedule, each line explained", NULL, NULL,
	    0, NULL, NULL, NULL },
	{ "PATCH", "/api/v1/aid-decisions/{id}", "Correct the rate, hours or aid period (a renewal); recomputes",
	    "aid_decision_patch", NULL, 0, NULL, NULL, NULL },
	{ "GET", "/api/v1/aid-decisions/{id}/versions/{id}", "The lines of one version of the schedule", NULL, NULL, 0,
	    NULL, NULL, NULL },
	{ "POST", "/api/v1/aid-decisions/{id}/periods", "Declare a suspension, partial pay or other hours; recomputes",
	    "aid_period", NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/aid-decisions/{id}/end", "Declare the early end and its reason; recomputes", "aid_end", NULL,
	    0, NULL, NULL, NULL },
	{ "POST", "/api/v1/aid-decisions/{id}/commitments-unmet",
	    "Record the training commitments unmet at an anniversary; recomputes", NULL, NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/aid-decisions/{id}/payment-requests",
	    "Request the payment of a month (attendance statement)", "payment_request", NULL, 201, NULL, NULL, NULL },
	{ "GET", "/api/v1/payment-requests", "Payment requests in the caller's scope (format=csv|xlsx: a file)", NULL,
	    NULL, 0, NULL,
	    "state:string,programme_id:integer,organisation_id:integer,decision_id:integer,region_code:string,sort:"
	    "string,page:integer,per_page:integer,format:string",
	    NULL },
	{ "GET", "/api/v1/payment-requests/{id}", "A payment request with its lines and the caller's actions", NULL,
	    NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/payment-requests/{id}/actions/{token}",
	    "approve or reject (rejection_reason), with the version read", NULL, NULL, 0, NULL, NULL, payreq_actions },
	{ "GET", "/api/v1/payment-orders", "Payment orders (paying agency, national officers)", NULL, NULL, 0, NULL,
	    "page:integer,per_page:integer", NULL },
	{ "POST", "/api/v1/payment-orders", "Group the approved requests of a programme into an order", NULL, NULL, 201,
	    NULL, NULL, NULL },
	{ "GET", "/api/v1/payment-orders/{id}", "A payment order", NULL, NULL, 0, NULL, NULL, NULL },
	{ "GET", "/api/v1/payment-orders/{id}/lines.csv",
	    "The order for the paying agency: SIRET, name, holder, IBAN, BIC, amount, reference, period, programme",
	    NULL, NULL, 0, "text/csv", NULL, NULL },
	{ "GET", "/api/v1/payment-orders/{id}/lines.xlsx", "The same as an XLSX workbook", NULL, NULL, 0,
	    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL, NULL },
	{ "POST", "/api/v1/payment-orders/{id}/paid", "Record the order paid (every request and line paid)",
	    "order_paid", NULL, 0, NULL, NULL, NULL },
	{ "GET", "/api/v1/ledger", "Every line paid or claimed back in the caller's scope (format=csv|xlsx: a file)",
	    NULL, NULL, 0, NULL,
	    "programme_id:integer,from:string,to:string,page:integer,per_page:integer,format:string", NULL },
	{ "GET", "/api/v1/recoveries", "Recoveries (ordres de reversement) in the caller's scope", NULL, NULL, 0, NULL,
	    "state:string,organisation_id:integer,sort:string,page:integer,per_page:integer,format:string", NULL },
	{ "GET", "/api/v1/recoveries/{id}", "A recovery", NULL, NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/recoveries/{id}/actions/{token}", "repaid (repaid_on) or cancel (cancel_reason)", NULL, NULL,
	    0, NULL, NULL, recovery_actions },
	{ "GET", "/api/v1/organisations/{id}/bank-details",
	    "An employer's bank details (its employers, the paying agency, national officers)", NULL, NULL, 0, NULL,
	    NULL, NULL },
	{ "PUT", "/api/v1/organisations/{id}/bank-details",
	    "Set the bank details (IBAN and BIC checked; journaled and emailed to the employer)", "bank_details", NULL,
	    0, NULL, NULL, NULL },
	{ "POST", "/api/v1/organisations/{id}/paid-programmes",
	    "Make a paying agency (organisation of kind payer) pay a programme", NULL, NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/conventions", "Grant posts to an employer under a lump-sum rule (national officers)",
	    "convention", NULL, 201, NULL, NULL, NULL },
	{ "GET", "/api/v1/conventions", "Conventions in the caller's scope", NULL, NULL, 0, NULL,
	    "page:integer,per_page:integer", NULL },
	{ "GET", "/api/v1/conventions/{id}", "A convention with its posts, their schedules and its amendments", NULL,
	    NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/conventions/{id}/amendments", "Request an amendment (posts added or returned)", "amendment",
	    NULL, 201, NULL, NULL, NULL },
	{ "POST", "/api/v1/posts/{id}/actions/{token}",
	    "fill (holder_name, started_on), vacate (vacant_since), give_back (returned_on), with the version read",
	    NULL, NULL, 0, NULL, NULL, post_actions },
	{ "POST", "/api/v1/posts/{id}/payment-requests", "Request the instalments of a post due in a month",
	    "payment_request", NULL, 201, NULL, NULL, NULL },
	{ "GET", "/api/v1/amendments/{id}", "An amendment with the caller's actions", NULL, NULL, 0, NULL, NULL, NULL },
	{ "POST", "/api/v1/amendments/{id}/actions/{token}",
	    "give_opinion (opinion), grant or refuse (decision_reason), with the version read", NULL, NULL, 0, NULL,
	    NULL, amendment_actions },
	{ "GET", "/api/v1/webhooks/events", "The event families one may subscribe to, with their actions", NULL, NULL,
	    0, NULL, NULL, NULL },
	{ "GET", "/api/v1/webhooks", "The caller's webhook subscriptions (every one for an admin)", NULL, NULL, 0, NULL,
	    "page:integer", NULL },
	{ "POST", "/api/v1/webhooks",
	    "Subscribe a URL (https, public address) to event types: {url, description, events: [\"dossier\", "
	    "\"offer.publish\"…]}; the answer holds the signing secret",
	    NULL, NULL, 201, NULL, NULL, NULL },
	{ "GET", "/api/v1/webhooks/{id}", "A subscription, its secret and its deliveries (newest first)", NULL, NULL, 0,
	    NULL, "page:integer", NULL },
	{ "DELETE", "/api/v1/webhooks/{id}", "Delete a subscription and its deliveries", NULL, NULL, 204, NULL, NULL,
	    NULL },
	{ "POST", "/api/v1/webhooks/{id}/pause", "Pause a subscription (nothing is delivered to it)", NULL, NULL, 0,
	    NULL, NULL, NULL },
	{ "POST", "/api/v1/webhooks/{id}/resume", "Resume a subscription (its failures are forgotten)", NULL, NULL, 0,
	    NULL, NULL, NULL },
	{ "POST", "/api/v1/webhooks/{id}/deliveries/{id}/replay",
	    "Deliver again (same webhook-id), its attempts counted from zero", NULL, NULL, 0, NULL, NULL, NULL },
	{ "GET", "/api/v1/budget-envelopes", "Envelopes with committed, paid, to pay and forecast", NULL, NULL, 0, NULL,
	    "programme_id:integer,year:integer", NULL },
	{ "PUT", "/api/v1/budget-envelopes", "Set an envelope (programme_id, year, region_code, commitments, payments)",
	    "budget_envelope", NULL, 0, NULL, NULL, NULL },
	{ "GET", "/api/v1/me/data",
	    "Everything stored about the caller, reached through their own relationships (GDPR)", NULL, NULL, 0, NULL,
	    NULL, NULL },
	{ "GET", "/api/v1/me/erasure",
	    "The caller's latest erasure request, the refusals that hold now, what an erasure keeps", NULL, NULL, 0,
	    NULL, NULL, NULL },
	{ "POST", "/api/v1/me/erasure",
	    "Ask for erasure: refused at once when the law keeps the caller's identity, else "
	    "pending until confirmed",
	    NULL, NULL, 201, NULL, NULL, NULL },
	{ "POST", "/api/v1/me/erasure/confirm",
	    "Confirm the pending erasure request ({\"confirm\": true}): the account is "
	    "anonymised",
	    NULL, NULL, 0, NULL, NULL, NULL },
};

/* Schemas taken whole from an entity table; "_patch" variants require only the version read. */
static const struct {
	const char *name;
	const struct entity *e;
	bool patch;
} entity_schemas[] = {
	{ "programme", &entity_programme, false },
	{ "programme_patch", &entity_programme, true },
	{ "job_profile", &entity_job_profile, false },
	{ "job_profile_patch", &entity_job_profile, true },
	{ "dossier", &entity_dossier, false },
	{ "dossier_patch", &entity_dossier, true },
	{ "opinion", &entity_opinion, false },
	{ "decision", &entity_decision_validate, false },
	{ "reason", &entity_reason, false },
	{ "questions", &entity_questions, false },
	{ "message", &entity_message, false },
	{ "smic_rate", &entity_smic_rate, false },
	{ "aid_rule_patch", &entity_aid_rule, true },
	{ "aid_decision", &entity_aid_decision, false },
	{ "aid_decision_patch", &entity_aid_decision, true },
	{ "aid_period", &entity_aid_period, false },
	{ "aid_end", &entity_aid_end, false },
	{ "payment_request", &entity_payreq, false },
	{ "bank_details", &entity_bank_details, false },
	{ "order_paid", &entity_order_paid, false },
	{ "budget_envelope", &entity_envelope, false },
	{ "convention", &entity_convention, false },
	{ "amendment", &entity_amendment, false },
};

/* The schemas that join the others; the vocabularies of dossier_record are added by schemas(). */
static const char fixed_schemas[] =
    "{\"Problem\": {\"type\": \"object\", \"description\": \"RFC 9457; errors names each invalid field.\","
    " \"required\": [\"type\", \"title\", \"status\", \"detail\", \"errors\"], \"properties\": {"
    "\"type\": {\"type\": \"string\"}, \"title\": {\"type\": \"string\"}, \"status\": {\"type\": \"integer\"},"
    " \"detail\": {\"type\": \"string\"}, \"errors\": {\"type\": \"array\", \"items\": {\"type\": \"object\","
    " \"required\": [\"field\", \"message\"], \"properties\": {\"field\": {\"type\": \"string\"},"
    " \"message\": {\"type\": \"string\"}}}}}},"
    "\"version\": {\"type\": \"object\", \"required\": [\"version\"], \"properties\": {\"version\": {"
    "\"type\": \"integer\", \"minimum\": 1, \"description\": \"La version lue (champ version de la réponse GET) ;"
    " 409 quand l'objet a changé depuis.\"}}},"
    "\"record\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"},"
    " \"version\": {\"type\": \"integer\"}, \"created_at\": {\"type\": \"integer\"},"
    " \"updated_at\": {\"type\": \"integer\"}}},"
    "\"programme_record\": {\"allOf\": [{\"$ref\": \"#/components/schemas/programme\"},"
    " {\"$ref\": \"#/components/schemas/record\"}]},"
    "\"job_profile_record\": {\"allOf\": [{\"$ref\": \"#/components/schemas/job_profile\"},"
    " {\"$ref\": \"#/components/schemas/record\"}, {\"type\": \"object\", \"properties\": {"
    "\"programme_id\": {\"type\": \"integer\"}}}]},"
    "\"dossier_create\": {\"allOf\": [{\"$ref\": \"#/components/schemas/dossier\"}, {\"type\": \"object\","
    " \"required\": [\"programme_id\"], \"properties\": {\"programme_id\": {\"type\": \"integer\","
    " \"description\": \"Dispositif\"}, \"organisation_id\": {\"type\": \"integer\", \"description\":"
    " \"Structure qui dépose le dossier (facultatif quand le compte n'en a qu'une)\"}}}]},"
    "\"dossier_record\": {\"allOf\": [{\"$ref\": \"#/components/schemas/dossier\"},"
    " {\"$ref\": \"#/components/schemas/record\"}, {\"type\": \"object\", \"properties\": {"
    "\"programme_id\": {\"type\": \"integer\"}, \"organisation_id\": {\"type\": \"integer\"},"
    " \"region_code\": {\"type\": \"string\", \"nullable\": true}, \"days_waiting\": {\"type\": \"integer\"},"
    " \"can_edit\": {\"type\": \"boolean\"}, \"posts_granted\": {\"type\": \"integer\"},"
    " \"actions\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {"
    "\"action\": {\"type\": \"string\"}, \"label\": {\"type\": \"string\"}, \"payload\": {\"type\": \"string\","
    " \"description\": \"Le schéma de la charge utile de l'action\"}}}}}}]},"
    "\"dossier_list\": {\"type\": \"object\", \"properties\": {\"items\": {\"type\": \"array\", \"items\":"
    " {\"$ref\": \"#/components/schemas/dossier_record\"}}, \"total\": {\"type\": \"integer\"},"
    " \"page\": {\"type\": \"integer\"}, \"per_page\": {\"type\": \"integer\"}}},"
    "\"dossier_action\": {\"allOf\": [{\"$ref\": \"#/components/schemas/version\"}, {\"anyOf\": ["
    "{\"$ref\": \"#/components/schemas/opinion\"}, {\"$ref\": \"#/components/schemas/decision\"},"
    " {\"$ref\": \"#/components/schemas/reason\"}, {\"$ref\": \"#/components/schemas/questions\"},"
    " {\"type\": \"object\"}]}], \"description\": \"give_opinion : opinion ; validate : decision ;"
    " refuse, reopen : reason ; withdraw : reason facultatif ; request_changes : questions ;"
    " submit, resubmit : rien.\"}}";

static json_t *
vocab_enum(const struct vocab *v)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->items[i].code));
	return a;
}

static json_t *
field_schema(struct arena *a, const struct field *f)
{
	json_t *s = json_object();
	const char *desc = f->hint ? arena_printf(a, "%s. %s", f->label, f->hint) : f->label;

	switch (f->type) {
	case FT_INT:
		json_object_set_new(s, "type", json_string("integer"));
		json_object_set_new(s, "minimum", json_integer(f->min));
		json_object_set_new(s, "maximum", json_integer(f->max));
		break;
	case FT_REF:
		json_object_set_new(s, "type", json_string("integer"));
		json_object_set_new(s, "minimum", json_integer(1));
		break;
	case FT_BOOL: json_object_set_new(s, "type", json_string("boolean")); break;
	case FT_DATE:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "format", json_string("date"));
		break;
	case FT_CHOICE:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "enum", vocab_enum(f->vocab));
		for (size_t i = 0; i < f->vocab->n; i++)
			desc = arena_printf(
			    a, "%s%s %s : %s", desc, i ? " ;" : ".", f->vocab->items[i].code, f->vocab->items[i].label);
		break;
	case FT_SIRET:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "pattern", json_string("^[0-9]{14}$"));
		break;
	case FT_RNA:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "pattern", json_string("^W[0-9]{9}$"));
		break;
	case FT_CENTI: /* sent as a number or a string, read back as an integer of hundredths */
		desc = arena_printf(a, "%s (nombre avec au plus deux décimales, entre %s et %s ; rendu en centièmes)",
		    desc, centi_text(a, f->min), centi_text(a, f->max));
		break;
	case FT_IBAN:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "pattern", json_string("^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{11,40}$"));
		break;
	case FT_COMMUNE:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "pattern", json_string("^[0-9][0-9AB][0-9]{3}$"));
		break;
	case FT_PLACE:
		json_object_set_new(s, "type", json_string("string"));
		desc = arena_printf(a, "%s (l'identifiant d'un lieu de l'annuaire, GET /api/v1/places)", desc);
		break;
	case FT_REGION:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "pattern", json_string("^[0-9]{2,3}$"));
		break;
	case FT_REGIONS:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "pattern", json_string("^[0-9]{2,3}([|,; ]+[0-9]{2,3})*$"));
		break;
	case FT_PHONE:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "maxLength", json_integer(f->max_len ? (json_int_t)f->max_len : 30));
		desc = arena_printf(
		    a, "%s (numéro écrit librement, « 06 12 34 56 78 » ou « +33 6… » ; rendu en E.164)", desc);
		break;
	case FT_BIC:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "pattern", json_string("^[A-Za-z]{6}[A-Za-z0-9]{2}([A-Za-z0-9]{3})?$"));
		break;
	default: /* the text types */
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(
		    s, "maxLength", json_integer(f->max_len ? (json_int_t)f->max_len : TEXT_MAX_DEFAULT));
		if (f->type == FT_EMAIL || f->type == FT_PASSWORD)
			json_object_set_new(s, "format", json_string(f->type == FT_EMAIL ? "email" : "password"));
		break;
	}
	/* A field that may be left out may also be sent, and read, as null (which an enum must then list). */
	if (!f->required) {
		json_object_set_new(s, "nullable", json_true());
		if (json_object_get(s, "enum"))
			json_array_append_new(json_object_get(s, "enum"), json_null());
	}
	json_object_set_new(s, "description", json_string(desc));
	return s;
}

static json_t *
entity_schema(struct arena *a, const struct entity *e, bool patch)
{
	json_t *props = json_object(), *req = json_array();

	for (size_t i = 0; i < e->nfields; i++) {
		json_object_set_new(props, e->fields[i].name, field_schema(a, &e->fields[i]));
		if (e->fields[i].required && !patch)
			json_array_append_new(req, json_string(e->fields[i].name));
	}
	if (patch) {
		json_object_set_new(props, "version",
		    json_pack("{s:s, s:i, s:s}", "type", "integer", "minimum", 1, "description", "La version lue."));
		json_array_append_new(req, json_string("version"));
	}
	json_t *s = json_pack("{s:s, s:s, s:o}", "type", "object", "title", e->label, "properties", props);
	if (json_array_size(req) > 0)
		json_object_set_new(s, "required", req);
	else
		json_decref(req);
	return s;
}

static json_t *
schemas(struct arena *a)
{
	json_t *all = json_loads(fixed_schemas, 0, NULL), *x;

	if (all == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(entity_schemas); i++)
		json_object_set_new(
		    all, entity_schemas[i].name, entity_schema(a, entity_schemas[i].e, entity_schemas[i].patch));
	/* The record's state and opinion are codes of their vocabularies. */
	x = json_object_get(
	    json_array_get(json_object_get(json_object_get(all, "dossier_record"), "allOf"), 2), "properties");
	json_object_set_new(x, "state",
	    json_pack("{s:s, s:o, s:s}", "type", "string", "enum", vocab_enum(&vocab_dossier_state), "description",
	        "État du dossier"));
	json_object_set_new(x, "opinion",
	    json_pack("{s:s, s:b, s:o, s:s}", "type", "string", "nullable", 1, "enum", vocab_enum(&vocab_opinion),
	        "description", "Avis régional"));
	return all;
}

static const struct op_doc *
op_doc_of(const struct route *r)
{
	for (size_t i = 0; i < ARRAY_LEN(op_docs); i++)
		if (strcmp(op_docs[i].method, r->method) == 0 && strcmp(op_docs[i].pattern, r->pattern) == 0)
			return &op_docs[i];
	return NULL;
}

static json_t *
ref(struct arena *a, const char *schema)
{
	return json_pack("{s:s}", "$ref", arena_printf(a, "#/components/schemas/%s", schema));
}

/* The path in OpenAPI's terms: "{id}" segments named id, id2…; and their parameters in *PARAMS. */
static const char *
path_of(struct arena *a, const struct route *r, const struct op_doc *doc, json_t *params)
{
	const char *p = r->pattern, *out = "";
	int ids = 0;

	while (*p) {
		const char *seg = NULL;
		json_t *schema = NULL;
		if (strncmp(p, "{id}", 4) == 0) {
			seg = ++ids == 1 ? "id" : arena_printf(a, "id%d", ids);
			schema = json_pack("{s:s, s:i}", "type", "integer", "minimum", 1);
			p += 4;
		} else if (strncmp(p, "{token}", 7) == 0) {
			seg = "token";
			schema = json_pack("{s:s, s:s}", "type", "string", "pattern", "^[A-Za-z0-9_.:-]{1,128}$");
			if (doc && doc->token_enum) {
				json_t *e = json_array();
				for (const char *const *t = doc->token_enum; *t; t++)
					json_array_append_new(e, json_string(*t));
				json_object_set_new(schema, "enum", e);
			}
			p += 7;
		}
		if (seg) {
			out = arena_printf(a, "%s{%s}", out, seg);
			json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:o}", "name", seg, "in", "path",
			                                  "required", 1, "schema", schema));
		} else {
			out = arena_printf(a, "%s%c", out, *p++);
		}
	}
	return out;
}

static void
query_params(struct arena *a, const char *spec, json_t *params)
{
	char *s = arena_strdup(a, spec);

	for (char *save = NULL, *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", tok, "in", "query",
		                                  "required", 0, "schema", "type", colon + 1));
	}
}

static const struct {
	int status;
	const char *why;
} problems[] = {
	{ 400, "Corps de requête illisible" },
	{ 401, "Connexion requise" },
	{ 403, "Hors de votre rôle ou de votre périmètre" },
	{ 404, "Introuvable" },
	{ 409, "Version périmée ou action impossible dans l'état actuel" },
	{ 422, "Données invalides : errors nomme chaque champ" },
};

/* Adds the problem answer STATUS to RESP. */
static void
problem(struct arena *a, json_t *resp, int status)
{
	for (size_t i = 0; i < ARRAY_LEN(problems); i++)
		if (problems[i].status == status)
			json_object_set_new(resp, arena_printf(a, "%d", status),
			    json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", problems[i].why, "content",
			        "application/problem+json", "schema", "$ref", "#/components/schemas/Problem"));
}

/* "get_api_v1_dossiers_id_actions_token": the method and the pattern's words. */
static const char *
operation_id(struct arena *a, const struct route *r)
{
	const char *src = arena_printf(a, "%s%s", r->method, r->pattern);
	char *out = arena_strdup(a, src), *o = out;

	for (const char *p = src; *p; p++) {
		bool word = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z');
		if (word)
			*o++ = (char)(*p >= 'A' && *p <= 'Z' ? *p | 0x20 : *p);
		else if (o > out && o[-1] != '_')
			*o++ = '_';
	}
	while (o > out && o[-1] == '_')
		o--;
	*o = '\0';
	return out;
}

static json_t *
operation(struct arena *a, const struct route *r, const struct op_doc *doc, json_t *params)
{
	json_t *op = json_object(), *resp = json_object(), *ok;
	int status = doc && doc->status ? doc->status : 200;
	const char *media = doc && doc->media ? doc->media : "application/json";
	bool json_out = strcmp(media, "application/json") == 0;

	if (doc)
		json_object_set_new(op, "summary", json_string(doc->summary));
	json_object_set_new(op, "operationId", json_string(operation_id(a, r)));
	if (doc && doc->query)
		query_params(a, doc->query, params);
	if (json_array_size(params) > 0)
		json_object_set(op, "parameters", params);
	if (doc && doc->request)
		json_object_set_new(op, "requestBody",
		    json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content", "application/json", "schema",
		        ref(a, doc->request)));
	ok = json_pack("{s:s, s:{s:{s:o}}}", "description", "Succès", "content", media, "schema",
	    json_out ? (doc && doc->response ? ref(a, doc->response) : json_pack("{s:s}", "type", "object"))
	             : json_pack("{s:s, s:s}", "type", "string", "format", "binary"));
	json_object_set_new(resp, arena_printf(a, "%d", status), ok);
	if (doc && doc->request)
		problem(a, resp, 400);
	if (r->roles != ROLES_PUBLIC) {
		problem(a, resp, 401);
		problem(a, resp, 403);
	}
	if (r->roles != ROLES_PUBLIC && r->roles != ROLES_SIGNED_IN) {
		json_t *roles = json_array();
		for (int k = ROLE_ADMIN; k < ROLE_COUNT_; k++)
			if (r->roles & ROLE_BIT(k))
				json_array_append_new(roles, json_string(role_code((enum role)k)));
		json_object_set_new(op, "x-roles", roles);
	} else if (r->roles == ROLES_PUBLIC) {
		json_object_set_new(op, "security", json_array());
	}
	if (r->roles != ROLES_PUBLIC) {
		/* The scope a bearer token needs (OpenAPI 3.0 keeps scope lists for OAuth: named here as an extension,
		 * and in the description), and whether a session must give a fresh second factor. */
		const char *area = token_area_of(r->pattern);
		bool read = strcmp(r->method, "GET") == 0;
		const char *scope = area == NULL    ? "toute portée"
		                    : *area == '\0' ? "*"
		                                    : arena_printf(a, "%s:%s", area, read ? "read" : "write");
		json_object_set_new(op, "security", json_pack("[{s:[]}, {s:[]}]", "bearer", "session"));
		if (area != NULL)
			json_object_set_new(op, "x-token-scope", json_string(scope));
		json_object_set_new(op, "description",
		    json_string(arena_printf(a, "Portée du jeton : « %s »%s.", scope,
		        (r->flags & ROUTE_STEP_UP) ? " ; action sensible : avec une session, un code de double "
		                                     "authentification récent (moins de "
		                                     "10 minutes) ou l'en-tête X-Second-Factor"
		                                   : "")));
		if (r->flags & ROUTE_STEP_UP)
			json_object_set_new(op, "x-second-factor", json_true());
	}
	if (strchr(r->pattern, '{'))
		problem(a, resp, 404);
	if (r->flags & ROUTE_CHANGES)
		problem(a, resp, 409);
	if ((r->flags & ROUTE_CHANGES) || (doc && doc->query))
		problem(a, resp, 422);
	json_object_set_new(op, "responses", resp);
	return op;
}

void
api_openapi(struct request *req)
{
	json_t *doc, *paths = json_object(), *comps = schemas(req->arena);

	if (comps == NULL) {
		json_decref(paths);
		resp_status(req, 500, NULL);
		return;
	}
	for (size_t i = 0; i < req->nroutes; i++) {
		const struct route *r = &req->routes[i];
		const struct op_doc *d = op_doc_of(r);
		json_t *params = json_array(), *item;
		const char *path;
		char method[8];
		size_t k;

		if (!(r->flags & ROUTE_API) || strncmp(r->pattern, "/api/", 5) != 0) {
			json_decref(params);
			continue;
		}
		path = path_of(req->arena, r, d, params);
		for (k = 0; r->method[k] && k + 1 < sizeof(method); k++)
			method[k] = (char)(r->method[k] | 0x20);
		method[k] = '\0';
		if ((item = json_object_get(paths, path)) == NULL)
			json_object_set_new(paths, path, item = json_object());
		json_object_set_new(item, method, operation(req->arena, r, d, params));
		json_decref(params);
	}
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:{s:o, s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}}},"
	                " s:[{s:[]}, {s:[]}]}",
	    "openapi", "3.0.3", "info", "title", "tremplin API", "version", "1", "description",
	    "L'API de tremplin : annuaire des lieux, dispositifs, fiches métiers et protocoles d'adhésion.", "servers",
	    "url", req->ctx.cfg && *req->ctx.cfg->base_url ? req->ctx.cfg->base_url : "/", "paths", paths, "components",
	    "schemas", comps, "securitySchemes", "bearer", "type", "http", "scheme", "bearer", "session", "type",
	    "apiKey", "in", "cookie", "name", "tremplin_session", "security", "bearer", "session");
	resp_json(req, 200, doc);
}
