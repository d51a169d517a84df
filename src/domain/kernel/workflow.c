/* The generic lifecycle engine. */
#include "domain/kernel/workflow.h"

#include <string.h>

#include "core/arena.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"

int
wf_state(const struct workflow *wf, const char *code)
{
	for (size_t i = 0; code && i < wf->states->n; i++)
		if (strcmp(wf->states->items[i].code, code) == 0)
			return (int)i;
	return -1;
}

const char *
wf_action_label(const struct workflow *wf, const char *action)
{
	for (size_t i = 0; i < wf->nrows; i++)
		if (strcmp(wf->rows[i].action, action) == 0)
			return wf->rows[i].label;
	return NULL;
}

tr_err
wf_pick(struct ctx *ctx, const struct workflow *wf, const char *action, int state, unsigned parties,
    const struct wf_transition **out)
{
	bool known = false, mine = false;

	*out = NULL;
	for (size_t i = 0; i < wf->nrows; i++) {
		const struct wf_transition *t = &wf->rows[i];
		if (strcmp(t->action, action) != 0)
			continue;
		known = true;
		if (!(t->who & parties))
			continue;
		mine = true;
		if (state >= 0 && (t->from & WF_BIT(state))) {
			*out = t;
			return TR_OK;
		}
	}
	if (!known)
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette action n'existe pas.");
	if (!mine)
		return ctx_fail(ctx, TR_FORBIDDEN,
		    arena_printf(ctx->arena, "Vous ne pouvez pas « %s » : ce n'est pas votre rôle ici.",
		        wf_action_label(wf, action)));
	return ctx_fail(ctx, TR_CONFLICT,
	    arena_printf(ctx->arena, "« %s » n'est pas possible dans l'état « %s ».", wf_action_label(wf, action),
	        state >= 0 ? wf->states->items[state].label : "?"));
}

tr_err
wf_payload(struct ctx *ctx, const struct wf_transition *t, json_t *payload, json_t **clean)
{
	json_t *in;
	tr_err err;

	*clean = NULL;
	if (t->payload == NULL)
		return TR_OK;
	in = payload ? json_incref(payload) : json_object();
	err = entity_validate(t->payload, in, t->payload_optional, ctx->arena, &ctx->errors, clean);
	json_decref(in);
	return err;
}

tr_err
wf_apply(struct ctx *ctx, const struct workflow *wf, int64_t id, int64_t version, int from,
    const struct wf_transition *t, json_t *clean, json_t *detail)
{
	int to = t->to < 0 ? from : t->to;
	const char *to_code = wf->states->items[to].code, *from_code = wf->states->items[from].code;
	int64_t changed = 0;
	json_t *entry;
	tr_err err;

	/* A record that keeps the state (to < 0) still bumps the version, so that a stale form is told. */
	err = db_execv(ctx->db,
	    arena_printf(ctx->arena,
	        "UPDATE %s SET state = ?, updated_at = ?, state_since = CASE WHEN state = ? THEN state_since ELSE "
	        "CAST(? AS BIGINT) END, version = version + 1 WHERE id = ? AND version = ? AND state = ?",
	        wf->table),
	    &changed, DB_TEXT(to_code), DB_I64(ctx->now), DB_TEXT(to_code), DB_I64(ctx->now), DB_I64(id),
	    DB_I64(version), DB_TEXT(from_code));
	if (err != TR_OK)
		return err;
	if (changed == 0)
		return ctx_fail(ctx, TR_CONFLICT, "Cet élément a changé depuis votre lecture : rechargez la page.");
	entry = detail ? json_deep_copy(detail) : json_object();
	json_object_set_new(entry, "from", json_string(from_code));
	json_object_set_new(entry, "to", json_string(to_code));
	json_object_set_new(entry, "version", json_integer(version + 1));
	if (clean && json_object_size(clean) > 0)
		json_object_set(entry, "payload", clean);
	err = journal_append(ctx, wf->entity, id, t->action, entry);
	json_decref(entry);
	return err;
}

json_t *
wf_actions(const struct workflow *wf, int state, unsigned parties)
{
	json_t *a = json_array();

	for (size_t i = 0; state >= 0 && i < wf->nrows; i++) {
		const struct wf_transition *t = &wf->rows[i];
		bool dup = false;
		size_t k;
		json_t *x;
		if (!(t->from & WF_BIT(state)) || !(t->who & parties))
			continue;
		json_array_foreach(a, k, x) dup |=
		    strcmp(json_string_value(json_object_get(x, "action")), t->action) == 0;
		if (!dup)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s?}", "action", t->action, "label", t->label,
			                             "payload", t->payload ? t->payload->name : NULL));
	}
	return a;
}
