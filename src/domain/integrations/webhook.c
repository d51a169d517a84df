/* Webhooks: subscriptions, the dispatch of queued events by scope, signed deliveries over libcurl. */
#include "domain/integrations/webhook.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/time.h"
#include "domain/accounts/session.h"
#include "domain/activity/activity.h"
#include "domain/dossiers/dossier.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/outbox.h"
#include "domain/kernel/scope.h"
#include "domain/kernel/workflow.h"
#include "domain/recruitment/application.h"
#include "domain/recruitment/contract.h"
#include "domain/recruitment/offer.h"
#include "domain/subsidies/subsidy.h"
#include "domain/training/training_path.h"
#include "domain/training/training_session.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define URL_MAX 2000
#define MISSING "Cet abonnement n'existe pas."

/* ---- the event families ---- */

/* An activity batch is read by national reach, the person who sent it, and whoever reads one of its reports. */
static const struct scope_rule batch_rules[] = {
	{ "national reach", ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL), "1 = 1", NULL },
	{ "the sender", 0, "b.person_id = ?", NULL },
	{ "the employing structure of a report", ROLE_BIT(ROLE_EMPLOYER),
	    "EXISTS (SELECT 1 FROM activity_reports ar WHERE ar.batch_id = b.id AND ar.organisation_id IN " SCOPE_ORGS(
	        "employer") ")",
	    NULL },
	{ "the pole or regional officer of a report's region", ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL),
	    "EXISTS (SELECT 1 FROM activity_reports ar WHERE ar.batch_id = b.id AND (ar.region_code IN " SCOPE_REGIONS(
	        "pole") " OR ar.region_code IN " SCOPE_REGIONS("regional") "))",
	    NULL },
};
static const struct scope batch_scope = { "activity_batch", "activity_batches b", "b.id", batch_rules,
	ARRAY_LEN(batch_rules) };

/* A family of events: an entity, its French label, and how its row is read and who reads it — the workflow's
 * select and scope (or can_read), or its own for a change outside the lifecycle engine. */
struct family {
	const char *code;
	const char *label;
	const struct workflow *wf;
	const struct scope *scope; /* when WF is NULL */
	const char *select;        /* when WF is NULL */
	const char *const *extra;  /* actions outside the workflow's table, NULL-ended */
};

static const char *const application_extra[] = { "apply", "propose", NULL };
static const char *const batch_extra[] = { "ingest", NULL };
static const char *const offer_extra[] = { "publish", NULL };

static const struct family families[] = {
	{ "dossier", "Dossiers (changements d'état)", &dossier_workflow, NULL, NULL, NULL },
	{ "offer", "Offres (publication, pourvue, clôture)", &offer_workflow, NULL, NULL, offer_extra },
	{ "application", "Candidatures (reçues, proposées, suivies)", &application_workflow, NULL, NULL,
	    application_extra },
	{ "contract", "Contrats (démarrage, suspension, fin)", &contract_workflow, NULL, NULL, NULL },
	{ "payment_request", "Demandes de paiement (approuvées, payées)", &payreq_workflow, NULL, NULL, NULL },
	{ "module", "Modules de formation des parcours", &module_workflow, NULL, NULL, NULL },
	{ "session", "Sessions de formation", &session_workflow, NULL, NULL, NULL },
	{ "activity_batch", "Lots de comptes rendus d'activité intégrés", NULL, &batch_scope,
	    "SELECT b.id, b.person_id, b.source FROM activity_batches b WHERE b.id = ?", batch_extra },
};

static const struct family *
family_of(const char *code, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(families); i++)
		if (strlen(families[i].code) == n && memcmp(families[i].code, code, n) == 0)
			return &families[i];
	return NULL;
}

static bool
family_has_action(const struct family *f, const char *action)
{
	for (size_t i = 0; f->wf && i < f->wf->nrows; i++)
		if (strcmp(f->wf->rows[i].action, action) == 0)
			return true;
	for (size_t i = 0; f->extra && f->extra[i]; i++)
		if (strcmp(f->extra[i], action) == 0)
			return true;
	return false;
}

json_t *
webhook_catalogue(void)
{
	json_t *out = json_array();

	for (size_t i = 0; i < ARRAY_LEN(families); i++) {
		const struct family *f = &families[i];
		json_t *actions = json_array();
		for (size_t k = 0; f->wf && k < f->wf->nrows; k++) {
			bool dup = false;
			size_t j;
			json_t *x;
			json_array_foreach(actions, j, x) dup |=
			    strcmp(json_string_value(x), f->wf->rows[k].action) == 0;
			if (!dup)
				json_array_append_new(actions, json_string(f->wf->rows[k].action));
		}
		for (size_t k = 0; f->extra && f->extra[k]; k++)
			json_array_append_new(actions, json_string(f->extra[k]));
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:o}", "code", f->code, "label", f->label, "actions", actions));
	}
	return out;
}

/* Whether the subscription's EVENTS ('|'-joined families or types) take TYPE ("entity.action"). */
static bool
events_match(const char *events, const char *type)
{
	const char *dot = strchr(type, '.');
	size_t fam = dot ? (size_t)(dot - type) : strlen(type), tn = strlen(type);

	for (const char *p = events; *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if ((n == fam || n == tn) && memcmp(p, type, n) == 0)
			return true;
		p += n + (bar != NULL);
	}
	return false;
}

/* ---- addresses ---- */

static bool
v4_allowed(uint32_t a, bool allow_loopback)
{
	static const struct {
		uint32_t net;
		int bits;
	} bad[] = {
		{ 0x00000000, 8 },  /* this network */
		{ 0x0A000000, 8 },  /* private */
		{ 0x64400000, 10 }, /* shared (carrier-grade NAT) */
		{ 0xA9FE0000, 16 }, /* link-local, the clouds' metadata */
		{ 0xAC100000, 12 }, /* private */
		{ 0xC0000000, 24 }, /* protocol assignments */
		{ 0xC0000200, 24 }, /* documentation */
		{ 0xC0A80000, 16 }, /* private */
		{ 0xC6120000, 15 }, /* benchmarking */
		{ 0xC6336400, 24 }, /* documentation */
		{ 0xCB007100, 24 }, /* documentation */
		{ 0xE0000000, 4 },  /* multicast */
		{ 0xF0000000, 4 },  /* reserved, broadcast */
	};

	if ((a >> 24) == 127)
		return allow_loopback;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if ((a & (0xFFFFFFFFu << (32 - bad[i].bits))) == bad[i].net)
			return false;
	return true;
}

bool
webhook_addr_allowed(const struct sockaddr *sa, bool allow_loopback)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return v4_allowed(ntohl(in->sin_addr.s_addr), allow_loopback);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const uint8_t *b = in6->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
		static const uint8_t nat64[12] = { 0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0 };
		static const uint8_t zero[16] = { 0 };
		if (memcmp(b, mapped, 12) == 0)
			return v4_allowed((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15],
			    allow_loopback);
		if (memcmp(b, zero, 15) == 0 && b[15] == 1)
			return allow_loopback;                                         /* ::1 */
		if (memcmp(b, zero, 16) == 0 || memcmp(b, nat64, 12) == 0              /* 64:ff9b::/96 */
		    || (b[0] & 0xFE) == 0xFC                                           /* fc00::/7, unique local */
		    || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)                         /* fe80::/10, link-local */
		    || (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)                         /* fec0::/10, site-local */
		    || b[0] == 0xFF                                                    /* multicast */
		    || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)) /* documentation */
			return false;
		return true;
	}
	return false;
}

const char *
webhook_url_problem(const char *url, bool allow_loopback)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL;
	const char *why = NULL;
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (u == NULL)
		return "« URL » n'a pas pu être lue.";
	if (strlen(url) > URL_MAX || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		why = "« URL » n'est pas une adresse web valide (https://…, 2000 caractères au plus).";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user) {
		why = "« URL » ne doit pas contenir d'identifiant ni de mot de passe.";
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && !(allow_loopback && strcmp(scheme, "http") == 0)) {
		why = "« URL » doit commencer par https://.";
		goto out;
	}
	/* An address written in the URL is checked now; a name, when each connection is made. */
	if (host[0] == '[') {
		size_t n = strlen(host);
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6.sin6_addr) == 1 &&
		    !webhook_addr_allowed((struct sockaddr *)&in6, allow_loopback))
			why = "« URL » désigne une adresse privée, locale ou réservée : seules les adresses publiques "
			      "sont "
			      "permises.";
	} else if (inet_pton(AF_INET, host, &in.sin_addr) == 1) {
		if (!webhook_addr_allowed((struct sockaddr *)&in, allow_loopback))
			why = "« URL » désigne une adresse privée, locale ou réservée : seules les adresses publiques "
			      "sont "
			      "permises.";
	} else if (!allow_loopback && (strcmp(host, "localhost") == 0 || strstr(host, ".localhost") != NULL)) {
		why = "« URL » désigne la machine elle-même : seules les adresses publiques sont permises.";
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return why;
}

/* ---- signing ---- */

const char *
webhook_sign(struct arena *a, const char *secret, const char *id, int64_t timestamp, const char *body)
{
	unsigned char key[256], mac[crypto_auth_hmacsha256_BYTES];
	size_t klen = 0;
	crypto_auth_hmacsha256_state st;
	char ts[32], *b64;
	size_t b64len = sodium_base64_ENCODED_LEN(sizeof(mac), sodium_base64_VARIANT_ORIGINAL);

	if (strncmp(secret, "whsec_", 6) == 0)
		secret += 6;
	if (sodium_base642bin(
	        key, sizeof(key), secret, strlen(secret), NULL, &klen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    klen == 0)
		return NULL;
	snprintf(ts, sizeof(ts), "%" PRId64, timestamp);
	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(key, sizeof(key));
	b64 = arena_alloc(a, b64len);
	sodium_bin2base64(b64, b64len, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	return arena_printf(a, "v1,%s", b64);
}

/* ---- subscriptions ---- */

static const struct scope_rule sub_rules[] = {
	{ "admins", ROLE_BIT(ROLE_ADMIN), "1 = 1", NULL },
	{ "the owner", 0, "s.owner_id = ?", NULL },
};
static const struct scope sub_scope = { "webhook", "webhook_subscriptions s", "s.id", sub_rules, ARRAY_LEN(sub_rules) };

#define SUB_COLUMNS                                                                                                   \
	"s.id, s.owner_id, p.name AS owner_name, s.url, s.description, s.events, s.state, s.failures, s.created_at, " \
	"s.updated_at"
#define SUB_SQL               \
	"SELECT " SUB_COLUMNS \
	", s.secret FROM webhook_subscriptions s JOIN people p ON p.id = s.owner_id WHERE s.id = ?"

/* The '|'-joined events of IN's "events" (an array, or a '|'- or space-separated text), checked. */
static const char *
events_from(struct ctx *ctx, json_t *v)
{
	const char *items[64];
	size_t n = 0;
	char *text, *save = NULL;

	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) if (json_is_string(x) && n < ARRAY_LEN(items)) items[n++] =
		    arena_strdup(ctx->arena, json_string_value(x));
	} else if (json_is_string(v)) {
		text = arena_strdup(ctx->arena, json_string_value(v));
		for (char *t = strtok_r(text, "| ,", &save); t && n < ARRAY_LEN(items);
		     t = strtok_r(NULL, "| ,", &save))
			items[n++] = t;
	}
	if (n == 0) {
		field_errors_add(&ctx->errors, "events", "« Événements » : choisissez au moins un type d'événement.");
		return NULL;
	}
	const char *out = "";
	for (size_t i = 0; i < n; i++) {
		const char *dot = strchr(items[i], '.');
		const struct family *f = family_of(items[i], dot ? (size_t)(dot - items[i]) : strlen(items[i]));
		if (f == NULL || (dot && !family_has_action(f, dot + 1))) {
			field_errors_add(&ctx->errors, "events",
			    arena_printf(
			        ctx->arena, "« Événements » : « %s » n'est pas un type d'événement connu.", items[i]));
			return NULL;
		}
		/* Each once; a type its family already takes adds nothing. */
		if (strstr(arena_printf(ctx->arena, "|%s|", out), arena_printf(ctx->arena, "|%s|", items[i])) == NULL &&
		    (dot == NULL || !events_match(out, items[i])))
			out = *out ? arena_printf(ctx->arena, "%s|%s", out, items[i]) : items[i];
	}
	return out;
}

tr_err
webhook_create(struct ctx *ctx, json_t *in, int64_t *id, const char **secret)
{
	const char *url = json_str(in, "url"), *description = json_str(in, "description"), *events, *why;
	unsigned char key[32];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	struct db_rows *r;
	json_t *detail;
	tr_err err;

	if ((err = authz_require(ctx, WEBHOOK_OWNERS)) != TR_OK)
		return err;
	if (url == NULL || *url == '\0')
		field_errors_add(&ctx->errors, "url", "« URL » est obligatoire.");
	else if ((why = webhook_url_problem(url, ctx->cfg->webhooks_allow_loopback)) != NULL)
		field_errors_add(&ctx->errors, "url", why);
	if (description && strlen(description) > 200)
		field_errors_add(&ctx->errors, "description", "« Description » : 200 caractères au plus.");
	events = events_from(ctx, json_object_get(in, "events"));
	if (ctx->errors.n > 0)
		return ctx_fail(ctx, TR_INVALID, "L'abonnement n'a pas été enregistré : corrigez les champs signalés.");
	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof(key));
	if ((err = tx_begin(ctx)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO webhook_subscriptions (owner_id, url, description, events, secret, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(ctx->actor->person_id), DB_TEXT(url), DB_TEXT(description ? description : ""), DB_TEXT(events),
	    DB_TEXT(b64), DB_I64(ctx->now), DB_I64(ctx->now));
	if (err == TR_OK) {
		*id = db_int(db_cell(r, 0, 0));
		detail = json_pack("{s:s, s:s}", "url", url, "events", events);
		err = journal_append(ctx, "webhook", *id, "create", detail);
		json_decref(detail);
	}
	if ((err = tx_end(ctx, ctx_storage_error(ctx, err))) != TR_OK)
		return err;
	*secret = arena_printf(ctx->arena, "whsec_%s", b64);
	return TR_OK;
}

static const struct list_sort sub_sorts[] = { { "recent", "s.id DESC" } };
static const struct list_spec sub_list = { .scope = &sub_scope,
	.select = "SELECT " SUB_COLUMNS " FROM webhook_subscriptions s JOIN people p ON p.id = s.owner_id",
	.sorts = sub_sorts,
	.nsorts = 1 };

tr_err
webhook_list(struct ctx *ctx, int64_t page, json_t **out)
{
	struct sqlw w;
	tr_err err;

	if ((err = authz_require(ctx, WEBHOOK_OWNERS)) != TR_OK)
		return err;
	scope_where(ctx, &sub_scope, &w);
	return list_run(ctx, &sub_list, &w, NULL, page, 0, out);
}

static const struct scope_rule delivery_rules[] = {
	{ "admins", ROLE_BIT(ROLE_ADMIN), "1 = 1", NULL },
	{ "the owner", 0, "s.owner_id = ?", NULL },
};
static const struct scope delivery_scope = { "webhook_delivery",
	"webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id JOIN webhook_events e ON e.id = "
	"d.event_id",
	"d.id", delivery_rules, ARRAY_LEN(delivery_rules) };
static const struct list_sort delivery_sorts[] = { { "recent", "d.id DESC" } };
static const struct list_spec delivery_list = { .scope = &delivery_scope,
	.select =
	    "SELECT d.id, d.event_id, e.type, e.entity_id, e.created_at AS event_at, d.status, d.attempts, "
	    "d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.delivered_at FROM webhook_deliveries d "
	    "JOIN webhook_subscriptions s ON s.id = d.subscription_id JOIN webhook_events e ON e.id = d.event_id",
	.sorts = delivery_sorts,
	.nsorts = 1 };

/* The subscription ID as the actor may see it (TR_NOT_FOUND otherwise). */
static tr_err
load_sub(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err = authz_require(ctx, WEBHOOK_OWNERS);

	if (err != TR_OK)
		return err;
	return scope_load(ctx, &sub_scope, SUB_SQL, id, MISSING, out);
}

/* The subscription and a page of its deliveries, read in one snapshot: its count of failures in a row agrees with
 * the deliveries listed, whatever the sender is recording meanwhile. */
tr_err
webhook_get(struct ctx *ctx, int64_t id, int64_t page, json_t **out)
{
	json_t *row = NULL, *deliveries = NULL;
	struct sqlw w;
	tr_err err = db_begin_read(ctx->db);

	if (err != TR_OK)
		return err;
	if ((err = load_sub(ctx, id, &row)) == TR_OK) {
		scope_where(ctx, &delivery_scope, &w);
		sqlw_and(&w, "d.subscription_id = ?", DB_I64(id));
		err = list_run(ctx, &delivery_list, &w, NULL, page, 0, &deliveries);
	}
	db_rollback(ctx->db); /* nothing was written */
	if (err != TR_OK) {
		json_decref(row);
		return err;
	}
	json_object_set_new(row, "secret", json_string(arena_printf(ctx->arena, "whsec_%s", json_str(row, "secret"))));
	json_object_set_new(row, "deliveries", deliveries);
	*out = row;
	return TR_OK;
}

/* Runs SQL (its parameters: NOW then ID) on subscription ID of the actor's and journals ACTION, in one
 * transaction. */
static tr_err
sub_change(struct ctx *ctx, int64_t id, const char *action, const char *sql)
{
	json_t *row = NULL;
	tr_err err = load_sub(ctx, id, &row);

	json_decref(row);
	if (err != TR_OK)
		return err;
	if ((err = tx_begin(ctx)) != TR_OK)
		return err;
	err = db_execv(ctx->db, sql, NULL, DB_I64(ctx->now), DB_I64(id));
	if (err == TR_OK)
		err = journal_append(ctx, "webhook", id, action, NULL);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
webhook_set_active(struct ctx *ctx, int64_t id, bool active)
{
	return active
	           ? sub_change(ctx, id, "resume",
	                 "UPDATE webhook_subscriptions SET state = 'active', failures = 0, updated_at = ? WHERE id = ?")
	           : sub_change(ctx, id, "pause",
	                 "UPDATE webhook_subscriptions SET state = 'paused', updated_at = ? WHERE id = ?");
}

tr_err
webhook_delete(struct ctx *ctx, int64_t id)
{
	json_t *row = NULL;
	tr_err err = load_sub(ctx, id, &row);

	json_decref(row);
	if (err != TR_OK)
		return err;
	if ((err = tx_begin(ctx)) != TR_OK)
		return err;
	err = db_execv(ctx->db, "DELETE FROM webhook_deliveries WHERE subscription_id = ?", NULL, DB_I64(id));
	if (err == TR_OK)
		err = db_execv(ctx->db, "DELETE FROM webhook_subscriptions WHERE id = ?", NULL, DB_I64(id));
	if (err == TR_OK)
		err = journal_append(ctx, "webhook", id, "delete", NULL);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
webhook_replay(struct ctx *ctx, int64_t id, int64_t delivery_id)
{
	json_t *row = NULL, *detail;
	int64_t changed = 0;
	tr_err err = load_sub(ctx, id, &row);

	json_decref(row);
	if (err != TR_OK)
		return err;
	if ((err = tx_begin(ctx)) != TR_OK)
		return err;
	err = db_execv(ctx->db,
	    "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_until = NULL "
	    "WHERE id = ? AND subscription_id = ?",
	    &changed, DB_I64(ctx->now < clock_now() ? ctx->now : clock_now()), DB_I64(delivery_id), DB_I64(id));
	if (err == TR_OK && changed == 0)
		err = ctx_fail(ctx, TR_NOT_FOUND, "Cette livraison n'existe pas.");
	if (err == TR_OK) {
		detail = json_pack("{s:I}", "delivery_id", (json_int_t)delivery_id);
		err = journal_append(ctx, "webhook", id, "replay", detail);
		json_decref(detail);
	}
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ---- dispatch ---- */

/* Whether the owner of a subscription (the actor of CTX) may read row ID of family F. */
static tr_err
owner_reads(struct ctx *ctx, const struct family *f, int64_t id, bool *ok)
{
	const struct scope *s = f->wf ? f->wf->scope : f->scope;
	const char *select = f->wf ? f->wf->select : f->select;
	struct db_rows *r;
	json_t *row;
	tr_err err;

	*ok = false;
	err = db_onev(ctx->db, ctx->arena, select, &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return TR_OK; /* gone since: nobody is told */
	if (err != TR_OK)
		return err;
	row = row_json(r, 0);
	if (s)
		err = scope_check(ctx, s, row, id, ok);
	else
		*ok = f->wf->can_read ? f->wf->can_read(ctx, row) : true;
	json_decref(row);
	return err;
}

/* Dispatches the event of row R (id, type, entity, entity_id) to the subscriptions SUBS (id, owner_id, events). */
static tr_err
dispatch_one(struct db *db, const struct config *cfg, int64_t now, struct db_rows *ev, struct db_rows *subs)
{
	struct ctx ctx = { .db = db, .cfg = cfg, .now = now, .ip = "job", .arena = arena_new() };
	int64_t event_id = db_int(db_cell(ev, 0, 0));
	const char *type = db_text(db_cell(ev, 0, 1)), *entity = db_text(db_cell(ev, 0, 2));
	const struct family *f = family_of(entity, strlen(entity));
	tr_err err = tx_begin(&ctx);

	if (err != TR_OK)
		goto done;
	for (size_t i = 0; f && i < subs->nrows; i++) {
		struct actor *owner = NULL;
		bool ok = false;
		if (!events_match(db_text(db_cell(subs, i, 2)), type))
			continue;
		err = actor_load(&ctx, db_int(db_cell(subs, i, 1)), &owner);
		if (err == TR_UNAUTHORIZED) { /* the owner's account is closed: nothing more is delivered */
			err = TR_OK;
			continue;
		}
		if (err != TR_OK)
			break;
		ctx.actor = owner;
		err = owner_reads(&ctx, f, db_int(db_cell(ev, 0, 3)), &ok);
		ctx.actor = NULL;
		if (err != TR_OK)
			break;
		if (!ok)
			continue;
		err = db_execv(db,
		    "INSERT INTO webhook_deliveries (subscription_id, event_id, next_attempt_at, created_at) VALUES "
		    "(?, ?, "
		    "?, ?) ON CONFLICT (subscription_id, event_id) DO NOTHING",
		    NULL, DB_I64(db_int(db_cell(subs, i, 0))), DB_I64(event_id), DB_I64(now), DB_I64(now));
		if (err != TR_OK)
			break;
	}
	if (err == TR_OK)
		err = db_execv(db, "UPDATE webhook_events SET dispatched = 1 WHERE id = ?", NULL, DB_I64(event_id));
	err = tx_end(&ctx, err);
done:
	arena_free(ctx.arena);
	return err;
}

tr_err
webhook_dispatch(struct db *db, const struct config *cfg, int64_t now, int max, int *count)
{
	struct arena *a = arena_new();
	struct db_rows *ev, *subs;
	tr_err err;

	*count = 0;
	err = db_queryv(db, a,
	    "SELECT id, type, entity, entity_id FROM webhook_events WHERE dispatched = 0 ORDER BY id LIMIT ?", &ev,
	    DB_I64(max));
	if (err == TR_OK && ev->nrows > 0)
		err = db_queryv(db, a,
		    "SELECT id, owner_id, events FROM webhook_subscriptions WHERE state = 'active' ORDER BY id", &subs);
	for (size_t i = 0; err == TR_OK && i < ev->nrows; i++) {
		struct db_rows one = *ev;
		one.cells = ev->cells + i * ev->ncols;
		one.nrows = 1;
		err = dispatch_one(db, cfg, now, &one, subs);
		if (err == TR_OK)
			(*count)++;
	}
	arena_free(a);
	return err;
}

/* ---- delivery ---- */

struct guard {
	bool allow_loopback;
	bool refused;
};

/* Opens the socket curl asks for, unless its address (the one about to be connected, after any resolution) is
 * not allowed: then the connection fails, whatever the name said. */
static curl_socket_t
open_checked(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct guard *g = ud;

	(void)purpose;
	if (!webhook_addr_allowed(&addr->addr, g->allow_loopback)) {
		g->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

static size_t
discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* POSTs BODY to URL signed for message ID with SECRET. TR_OK on a 2xx; else *WHY (arena) and *STATUS (0 when no
 * answer). */
static tr_err
post(CURL *curl, const struct config *cfg, struct arena *a, const char *url, const char *secret, const char *id,
    const char *body, int64_t now, long *status, const char **why)
{
	struct curl_slist *h = NULL;
	struct guard g = { cfg->webhooks_allow_loopback, false };
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *sig = webhook_sign(a, secret, id, now, body);
	CURLcode rc;

	*status = 0;
	if (sig == NULL) {
		*why = "secret illisible";
		return TR_INTERNAL;
	}
	curl_easy_reset(curl);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, arena_printf(a, "webhook-id: %s", id));
	h = curl_slist_append(h, arena_printf(a, "webhook-timestamp: %" PRId64, now));
	h = curl_slist_append(h, arena_printf(a, "webhook-signature: %s", sig));
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, cfg->webhooks_allow_loopback ? "http,https" : "https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &g);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "tremplin-webhooks/1");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)cfg->webhooks_timeout_seconds);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)cfg->webhooks_timeout_seconds);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		*why = g.refused ? "adresse refusée (privée, locale ou réservée)"
		                 : arena_strdup(a, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return TR_UNAVAILABLE;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	if (*status < 200 || *status > 299) {
		*why = arena_printf(a, "réponse HTTP %ld", *status);
		return TR_UNAVAILABLE;
	}
	return TR_OK;
}

/* Records an attempt's outcome in one transaction, so that nobody reads a delivered message beside a failure count
 * that it has not yet reset: the delivery row, then the subscription's failures in a row — reset by a success,
 * counted by a failure, and at webhooks.pause_after the subscription paused and its owner told. */
static tr_err
record_attempt(struct db *db, const struct config *cfg, int64_t now, int64_t did, int64_t sub_id, int64_t attempts,
    bool delivered, long status, const char *why)
{
	struct ctx ctx = { .db = db, .cfg = cfg, .now = now, .ip = "job", .arena = arena_new() };
	struct db_rows *r;
	int64_t delay = cfg->webhooks_retry_seconds << (attempts < 20 ? attempts - 1 : 20);
	tr_err err = tx_begin(&ctx);

	if (err != TR_OK)
		goto done;
	if (delivered) {
		err = db_execv(db,
		    "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, claimed_until "
		    "= "
		    "NULL, last_status = ?, last_error = NULL WHERE id = ?",
		    NULL, DB_I64(attempts), DB_I64(now), DB_I64(status), DB_I64(did));
		if (err == TR_OK)
			err = db_execv(
			    db, "UPDATE webhook_subscriptions SET failures = 0 WHERE id = ?", NULL, DB_I64(sub_id));
		goto end;
	}
	err = db_execv(db,
	    "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, claimed_until = NULL, "
	    "last_status = ?, last_error = ? WHERE id = ?",
	    NULL, DB_TEXT(attempts >= WEBHOOK_MAX_ATTEMPTS ? "failed" : "pending"), DB_I64(attempts),
	    DB_I64(now + delay), status ? DB_I64(status) : DB_NULLV, DB_TEXT(why), DB_I64(did));
	if (err == TR_OK)
		err = db_onev(db, ctx.arena,
		    "UPDATE webhook_subscriptions SET failures = failures + 1 WHERE id = ? RETURNING failures, state, "
		    "url, (SELECT email FROM people WHERE id = owner_id)",
		    &r, DB_I64(sub_id));
	if (err == TR_OK && db_int(db_cell(r, 0, 0)) >= cfg->webhooks_pause_after &&
	    strcmp(db_text(db_cell(r, 0, 1)), "active") == 0) {
		err = db_execv(db, "UPDATE webhook_subscriptions SET state = 'paused', updated_at = ? WHERE id = ?",
		    NULL, DB_I64(now), DB_I64(sub_id));
		if (err == TR_OK)
			err = journal_append(&ctx, "webhook", sub_id, "pause", NULL);
		if (err == TR_OK)
			err = outbox_email(&ctx, db_text(db_cell(r, 0, 3)), "Abonnement webhook mis en pause",
			    arena_printf(ctx.arena,
			        "Bonjour,\n\nLes livraisons vers %s ont échoué %lld fois de suite : l'abonnement est "
			        "mis en pause et plus rien ne lui est livré.\nCorrigez le récepteur, puis reprenez "
			        "l'abonnement (les livraisons en attente repartiront) :\n%s/webhooks/%lld\n\n— "
			        "tremplin\n",
			        db_text(db_cell(r, 0, 2)), (long long)db_int(db_cell(r, 0, 0)), cfg->base_url,
			        (long long)sub_id));
	} else if (err == TR_NOT_FOUND)
		err = TR_OK;
end:
	err = tx_end(&ctx, err);
done:
	arena_free(ctx.arena);
	return err;
}

tr_err
webhook_deliver(struct db *db, const struct config *cfg, int64_t now, int max, int *sent)
{
	struct arena *a;
	CURL *curl;
	tr_err err = TR_OK;

	*sent = 0;
	if ((curl = curl_easy_init()) == NULL)
		return TR_INTERNAL;
	a = arena_new();
	for (int i = 0; i < max; i++) {
		struct db_rows *r;
		const char *why = NULL, *body, *id;
		int64_t did, sub_id, attempts;
		long status = 0;
		bool ok;

		/* Claim one due delivery of an active subscription for the time of an exchange and some. */
		err = db_onev(db, a,
		    "UPDATE webhook_deliveries SET claimed_until = ? WHERE id = (SELECT d.id FROM webhook_deliveries d "
		    "JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.status = 'pending' AND s.state = "
		    "'active' AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until < ?) ORDER BY "
		    "d.id LIMIT 1) AND (claimed_until IS NULL OR claimed_until < ?) RETURNING id, subscription_id, "
		    "event_id, attempts",
		    &r, DB_I64(now + cfg->webhooks_timeout_seconds + 60), DB_I64(now), DB_I64(now), DB_I64(now));
		if (err == TR_NOT_FOUND) {
			err = TR_OK;
			break;
		}
		if (err != TR_OK)
			break;
		did = db_int(db_cell(r, 0, 0));
		sub_id = db_int(db_cell(r, 0, 1));
		attempts = db_int(db_cell(r, 0, 3)) + 1;
		err = db_onev(db, a,
		    "SELECT s.url, s.secret, e.id, e.type, e.created_at, e.data FROM webhook_subscriptions s, "
		    "webhook_events "
		    "e WHERE s.id = ? AND e.id = ?",
		    &r, DB_I64(sub_id), DB_I64(db_int(db_cell(r, 0, 2))));
		if (err != TR_OK)
			break;
		id = arena_printf(a, "msg_%lld", (long long)db_int(db_cell(r, 0, 2)));
		body = arena_printf(a, "{\"type\":\"%s\",\"timestamp\":\"%s\",\"data\":%s}", db_text(db_cell(r, 0, 3)),
		    time_iso(a, db_int(db_cell(r, 0, 4))), db_text(db_cell(r, 0, 5)));
		ok = post(curl, cfg, a, db_text(db_cell(r, 0, 0)), db_text(db_cell(r, 0, 1)), id, body, now, &status,
		         &why) == TR_OK;
		if (ok)
			(*sent)++;
		else
			log_warn("webhooks: delivery %lld not made (attempt %lld): %s", (long long)did,
			    (long long)attempts, why);
		err = record_attempt(db, cfg, now, did, sub_id, attempts, ok, status, why);
		if (err != TR_OK)
			break;
	}
	arena_free(a);
	curl_easy_cleanup(curl);
	return err;
}
