/* The page of a lifecycle's record (an application, a contract) and the POST of its actions, the one way: the
 * state's badge, a form per action the reader may take now (fields from the transition's payload, the button's
 * weight from its tone), the timeline from the journal, the errors of a refused action; each page gives only
 * its own rows (struct web_lifecycle). */
#include "http/router.h"
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "core/form.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/workflow.h"

/* The payload of ACTION in LC's workflow, or NULL. */
static const struct entity *
payload_of(const struct web_lifecycle *lc, const char *action)
{
	for (size_t i = 0; action && i < lc->wf->nrows; i++)
		if (strcmp(lc->wf->rows[i].action, action) == 0)
			return lc->wf->rows[i].payload;
	return NULL;
}

/* The payload of action FAILED when R still offers it to the reader (NULL: none, or not offered). */
static const struct entity *
offered_payload(const struct web_lifecycle *lc, json_t *r, const char *failed)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(r, "actions"), i,
	    x) if (failed && strcmp(web_text(x, "action"), failed) == 0) return payload_of(lc, failed);
	return NULL;
}

/* One form per action of R's "actions" (wf_actions). FAILED names the one sent back with errors, SENT its values. */
static json_t *
action_forms(struct request *req, const struct web_lifecycle *lc, json_t *r, const char *failed, json_t *sent)
{
	json_t *out = json_array(), *x;
	size_t i;

	json_array_foreach(json_object_get(r, "actions"), i, x)
	{
		const char *code = web_text(x, "action");
		const struct entity *e = payload_of(lc, code);
		bool is_failed = failed && strcmp(failed, code) == 0;
		json_t *form = json_pack("{s:s, s:s, s:s, s:I, s:b}", "code", code, "label", web_text(x, "label"),
		    "href", arena_printf(req->arena, "%s/%lld/actions/%s", lc->path, (long long)web_int(r, "id"), code),
		    "version", (json_int_t)web_int(r, "version"), "secondary",
		    strcmp(web_text(x, "tone"), "primary") != 0);
		json_t *fields = lc->action_fields ? lc->action_fields(req, r, code, is_failed, sent, form) : NULL;
		if (fields == NULL)
			fields = e ? web_action_fields(req, e, code, is_failed, is_failed ? sent : NULL,
			                 json_is_true(json_object_get(x, "payload_optional")))
			           : json_array();
		json_object_set_new(form, "fields", fields);
		/* What the reader should know before this action (the domain's "action_notes"). */
		if (json_is_string(json_object_get(json_object_get(r, "action_notes"), code)))
			json_object_set(form, "action_note", json_object_get(json_object_get(r, "action_notes"), code));
		json_array_append_new(out, form);
	}
	return out;
}

/* The timeline's words for the journal's actions when the page gives none: the label of the workflow's
 * transition of that code ("Approuver la demande"), "Création" for the creation. */
static void
relabel(const struct web_lifecycle *lc, json_t *timeline)
{
	json_t *e;
	size_t i;

	json_array_foreach(timeline, i, e)
	{
		const char *code = web_text(e, "what"), *label = strcmp(code, "create") == 0 ? "Création" : NULL;
		for (size_t k = 0; label == NULL && k < lc->wf->nrows; k++)
			if (strcmp(lc->wf->rows[k].action, code) == 0)
				label = lc->wf->rows[k].label;
		if (label)
			json_object_set_new(e, "what", json_string(label));
	}
}

void
web_lifecycle_page(struct request *req, const struct web_lifecycle *lc, int status, const char *failed, json_t *sent,
    const char *conflict)
{
	int64_t id = req->params[0];
	json_t *r = NULL, *journal = NULL, *data;
	const char *heading, *others = NULL;
	tr_err err = lc->get(&req->ctx, id, &r);

	if (err == TR_OK && (err = journal_list(&req->ctx, lc->wf->entity, id, &journal)) != TR_OK)
		json_decref(r);
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	data = json_pack("{s:s, s:s, s:o, s:o, s:o}", "state_label", web_text(r, "state_label"), "badge",
	    web_badge(req, r), "actions", action_forms(req, lc, r, failed, sent), "timeline",
	    web_timeline(req, journal, lc->wf->entity, lc->journal_label), "errors_summary",
	    web_action_summary(req, failed, offered_payload(lc, r, failed), &others));
	if (lc->journal_label == NULL)
		relabel(lc, json_object_get(data, "timeline"));
	heading = lc->fill(req, lc, r, data);
	json_object_set_new(data, "heading", json_string(heading));
	if (conflict == NULL)
		conflict = others;
	if (conflict)
		json_object_set_new(data, "conflict", json_string(conflict));
	json_object_set_new(data, "conflict_note", json_string(lc->conflict_note ? lc->conflict_note : ""));
	/* The list's crumb links only where a list answers (a post or an amendment is reached from its convention). */
	json_object_set_new(data, "breadcrumb",
	    web_may_open(req, lc->path)
	        ? json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href", lc->path,
	              "label", lc->list_label, "label", heading)
	        : json_pack("[{s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "label", heading));
	json_decref(r);
	json_decref(journal);
	web_page(req, status, lc->template,
	    req->ctx.errors.n || conflict ? arena_printf(req->arena, "Erreur : %s", heading) : heading, data);
}

bool
web_action_offered(json_t *r, const char *action)
{
	json_t *x;
	size_t i;

	json_array_foreach(
	    json_object_get(r, "actions"), i, x) if (strcmp(web_text(x, "action"), action) == 0) return true;
	return false;
}

/* Whether the form's fields pass ACTION's payload entity: a form with errors is sent back first (by the domain, 422),
 * and the confirmation asked once it is right. */
static bool
payload_fits(struct request *req, const struct workflow *wf, const char *action)
{
	const struct wf_transition *t = NULL;
	struct field_errors fe = { .n = 0 };
	json_t *payload, *clean = NULL;
	tr_err err;

	for (size_t i = 0; t == NULL && i < wf->nrows; i++)
		if (strcmp(wf->rows[i].action, action) == 0)
			t = &wf->rows[i];
	if (t == NULL || t->payload == NULL)
		return true;
	payload = web_action_payload(req);
	err = entity_validate(t->payload, payload, t->payload_optional, req->arena, &fe, &clean);
	json_decref(payload);
	json_decref(clean);
	return err == TR_OK;
}

bool
web_confirm_action(struct request *req, const struct workflow *wf, const char *action,
    tr_err (*get)(struct ctx *, int64_t, json_t **), int64_t id, const char *back)
{
	const char *question = wf_confirm_of(wf, action);
	json_t *r = NULL;
	bool asked = false;

	if (question == NULL || str_eq_c(form_get(&req->form, "confirmed"), "1") || !payload_fits(req, wf, action))
		return false;
	if (get(&req->ctx, id, &r) == TR_OK && web_action_offered(r, action))
		asked = web_confirm_first(req, wf_action_label(wf, action), question, back);
	json_decref(r);
	req->ctx.errors.n = 0;
	req->ctx.message = NULL;
	return asked;
}

void
web_lifecycle_act(struct request *req, const struct web_lifecycle *lc)
{
	const char *action = req->sparams[0];
	json_t *payload;
	int64_t new_id = 0;
	tr_err err;

	if (web_confirm_action(req, lc->wf, action, lc->get, req->params[0],
	        arena_printf(req->arena, "%s/%lld", lc->path, (long long)req->params[0])))
		return;
	payload = web_action_payload(req);
	err = lc->act(&req->ctx, req->params[0], action, web_form_version(req), payload, NULL, &new_id);
	if (err == TR_OK && new_id > 0)
		web_done_action(req, arena_printf(req->arena, "%s/%lld", lc->created_path, (long long)new_id), lc->wf,
		    action, req->params[0]);
	else if (err == TR_OK)
		web_done_action(req, arena_printf(req->arena, "%s/%lld", lc->path, (long long)req->params[0]), lc->wf,
		    action, req->params[0]);
	else if (err == TR_INVALID)
		web_lifecycle_page(req, lc, 422, action, payload, req->ctx.errors.n ? NULL : req->ctx.message);
	else if (err == TR_CONFLICT)
		web_lifecycle_page(req, lc, 409, NULL, NULL, req->ctx.message);
	else
		resp_error(req, err, NULL);
	json_decref(payload);
}

void
web_lifecycle_get(struct request *req)
{
	web_lifecycle_page(req, req->route->data, 200, NULL, NULL, NULL);
}

void
web_lifecycle_post(struct request *req)
{
	web_lifecycle_act(req, req->route->data);
}
