/* The integrators' pages: the webhook subscriptions of the signed-in person (/webhooks, with the form of a new
 * one), each subscription with its secret and deliveries (/webhooks/{id}), and the forms that pause, resume,
 * delete it or replay a delivery. */
#include "web/integrations/webhooks.h"

#include <string.h>

#include "core/arena.h"
#include "core/form.h"
#include "domain/integrations/webhook.h"
#include "web/web.h"

/* The subscriptions' page, with the form of a new one holding SENT (NULL: blank) and its errors. */
static void
list_page(struct request *req, int status, json_t *sent)
{
	json_t *list = NULL, *it, *families = webhook_catalogue(), *errors = json_array(), *f;
	size_t i;
	tr_err err = webhook_list(&req->ctx, req_page(req), &list);

	if (err != TR_OK) {
		json_decref(families);
		json_decref(errors);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		json_object_set_new(
		    it, "href", json_string(arena_printf(req->arena, "/webhooks/%lld", (long long)web_int(it, "id"))));
		json_object_set_new(it, "active", json_boolean(strcmp(web_text(it, "state"), "active") == 0));
		json_object_set_new(it, "created", json_string(date_fr_json(req, json_object_get(it, "created_at"))));
	}
	json_array_foreach(families, i, f)
	{
		const char *events = sent ? web_text(sent, "events") : "";
		const char *code = web_text(f, "code");
		size_t n = strlen(code);
		bool on = false;
		for (const char *p = strstr(events, code); p; p = strstr(p + 1, code))
			on |= (p == events || p[-1] == '|') && (p[n] == '\0' || p[n] == '|');
		json_object_set_new(f, "checked", json_boolean(on));
		json_object_set_new(f, "input_id", json_string(arena_printf(req->arena, "events-%s", code)));
	}
	for (i = 0; i < req->ctx.errors.n; i++)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "field_id", req->ctx.errors.items[i].field,
		                                  "message", req->ctx.errors.items[i].message));
	json_object_set_new(list, "families", families);
	json_object_set_new(list, "errors_summary", errors);
	json_object_set_new(list, "url", json_string(sent ? web_text(sent, "url") : ""));
	json_object_set_new(list, "description", json_string(sent ? web_text(sent, "description") : ""));
	json_object_set_new(list, "url_error", json_string(field_errors_get(&req->ctx.errors, "url")));
	json_object_set_new(list, "events_error", json_string(field_errors_get(&req->ctx.errors, "events")));
	web_page(req, status, "webhooks.html", req->ctx.errors.n ? "Erreur : webhooks" : "Webhooks", list);
}

void
web_webhooks(struct request *req)
{
	list_page(req, 200, NULL);
}

void
web_webhook_create(struct request *req)
{
	struct str vals[16];
	size_t n = form_get_all(&req->form, "events", vals, 16);
	const char *events = "", *secret = NULL;
	json_t *in;
	int64_t id = 0;
	tr_err err;

	for (size_t i = 0; i < n; i++)
		events = *events ? arena_printf(req->arena, "%s|%.*s", events, (int)vals[i].n, vals[i].p)
		                 : arena_strndup(req->arena, vals[i].p, vals[i].n);
	in = json_pack("{s:s, s:s, s:s}", "url", req_form(req, "url") ? req_form(req, "url") : "", "description",
	    req_form(req, "description") ? req_form(req, "description") : "", "events", events);
	err = webhook_create(&req->ctx, in, &id, &secret);
	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/webhooks/%lld", (long long)id), "created");
	else if (err == TR_INVALID)
		list_page(req, 422, in);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

static const char *
status_label(const char *s)
{
	return strcmp(s, "delivered") == 0 ? "Livrée" : strcmp(s, "failed") == 0 ? "Échouée" : "En attente";
}

void
web_webhook(struct request *req)
{
	json_t *row = NULL, *it;
	size_t i;
	int64_t id = req->params[0];
	tr_err err = webhook_get(&req->ctx, id, req_page(req), &row);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(json_object_get(row, "deliveries"), "items"), i, it)
	{
		json_object_set_new(it, "status_label", json_string(status_label(web_text(it, "status"))));
		json_object_set_new(it, "event", json_string(date_fr_json(req, json_object_get(it, "event_at"))));
		json_object_set_new(it, "replay_action",
		    json_string(arena_printf(req->arena, "/webhooks/%lld/livraisons/%lld/rejouer", (long long)id,
		        (long long)web_int(it, "id"))));
		if (!web_opt_text(it, "last_error"))
			json_object_set_new(it, "last_error", json_string("—"));
	}
	json_object_set_new(row, "active", json_boolean(strcmp(web_text(row, "state"), "active") == 0));
	json_object_set_new(row, "events_list", json_string(web_text(row, "events")));
	json_object_set_new(row, "base", json_string(arena_printf(req->arena, "/webhooks/%lld", (long long)id)));
	web_page(req, 200, "webhook.html", arena_printf(req->arena, "Webhook n° %lld", (long long)id), row);
}

/* Answers a change of subscription req->params[0]: back to its page (or the list after a deletion). */
static void
done(struct request *req, tr_err err, const char *to, const char *flash)
{
	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, to ? to : arena_printf(req->arena, "/webhooks/%lld", (long long)req->params[0]), flash);
}

void
web_webhook_pause(struct request *req)
{
	done(req, webhook_set_active(&req->ctx, req->params[0], false), NULL, "saved");
}

void
web_webhook_resume(struct request *req)
{
	done(req, webhook_set_active(&req->ctx, req->params[0], true), NULL, "saved");
}

void
web_webhook_delete(struct request *req)
{
	done(req, webhook_delete(&req->ctx, req->params[0]), "/webhooks", "saved");
}

void
web_webhook_replay(struct request *req)
{
	done(req, webhook_replay(&req->ctx, req->params[0], req->params[1]), NULL, "saved");
}
