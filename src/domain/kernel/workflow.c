/* The lifecycle engine: one action through load, parties, pick, version, payload, guard, effect, state,
 * journal and notifications, in one transaction. */
#include "domain/kernel/workflow.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/outbox.h"

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

const char *
wf_confirm_of(const struct workflow *wf, const char *action)
{
	for (size_t i = 0; action && i < wf->nrows; i++)
		if (strcmp(wf->rows[i].action, action) == 0 && wf->rows[i].confirm)
			return wf->rows[i].confirm;
	return NULL;
}

const char *
wf_done_message(struct arena *a, const struct workflow *wf, const char *action, int64_t id)
{
	const char *done = NULL, *mark;

	for (size_t i = 0; action && done == NULL && i < wf->nrows; i++)
		if (strcmp(wf->rows[i].action, action) == 0)
			done = wf->rows[i].done;
	if (done == NULL || (mark = strstr(done, "{n}")) == NULL)
		return done;
	return arena_printf(a, "%.*s%lld%s", (int)(mark - done), done, (long long)id, mark + 3);
}

const char *
wf_tone_code(enum wf_tone tone)
{
	switch (tone) {
	case WF_SECONDARY: return "secondary";
	case WF_DANGER: return "danger";
	default: return "primary";
	}
}

void
wf_decorate(const struct workflow *wf, json_t *row)
{
	static const char *const codes[] = { "", "new", "info", "success", "warning", "error" };
	const char *state = json_str(row, "state");
	int s = state ? wf_state(wf, state) : -1;

	json_object_set_new(row, "state_label", json_string(s >= 0 ? wf->states->items[s].label : NULL));
	json_object_set_new(row, "state_tone", json_string(s >= 0 && wf->tones ? codes[wf->tones[s]] : ""));
}

void
wf_present(struct ctx *ctx, const struct workflow *wf, json_t *row)
{
	wf_decorate(wf, row);
	json_object_set_new(
	    row, "actions", wf_actions(wf, wf_state(wf, json_str(row, "state")), wf->parties(ctx, row)));
}

tr_err
wf_pick(struct ctx *ctx, const struct workflow *wf, const char *action, int state, unsigned parties,
    const struct wf_transition **out)
{
	bool known = false, mine = false;

	*out = NULL;
	for (size_t i = 0; action && i < wf->nrows; i++) {
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

/* Validates PAYLOAD against the transition's entity (NULL payload: an empty object) into *CLEAN (NULL when
 * the row has none). TR_INVALID with the fields. */
static tr_err
check_payload(struct ctx *ctx, const struct wf_transition *t, json_t *payload, json_t **clean)
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

/* Takes the row's lock for the rest of the transaction: PostgreSQL's row lock (SQLite's BEGIN IMMEDIATE
 * already serialises every writer), after the parent's when the workflow names one. */
static tr_err
lock_row(struct ctx *ctx, const struct workflow *wf, int64_t id)
{
	tr_err err;

	if (wf->lock_first && (err = db_execv(ctx->db, wf->lock_first, NULL, DB_I64(id))) != TR_OK)
		return err;
	err = db_lock_row(ctx, wf->table, id);
	return err == TR_NOT_FOUND ? TR_OK : err;
}

/* Loads the row (locked) and checks that the actor may read it. */
static tr_err
load(struct ctx *ctx, const struct workflow *wf, const struct wf_act *act, json_t **row)
{
	struct db_rows *r;
	tr_err err;

	*row = NULL;
	if ((err = lock_row(ctx, wf, act->id)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, wf->select, &r, DB_I64(act->id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, wf->missing);
	if (err != TR_OK)
		return err;
	*row = row_json(r, 0);
	if (!act->system && wf->scope) {
		bool ok;
		if ((err = scope_check(ctx, wf->scope, *row, act->id, &ok)) != TR_OK)
			return err;
		if (!ok)
			return ctx_fail(ctx, TR_NOT_FOUND, wf->missing);
	} else if (!act->system && wf->can_read && !wf->can_read(ctx, *row))
		return ctx_fail(ctx, TR_NOT_FOUND, wf->missing);
	return TR_OK;
}

/* Moves the row to the transition's state if it is still at the version and state read, bumps the version. */
static tr_err
apply(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	const char *to = c->wf->states->items[c->to].code, *from = c->wf->states->items[c->from].code;
	int64_t changed = 0;
	tr_err err;

	/* A record that keeps the state still bumps the version, so that a stale form is told. */
	if (c->wf->state_since)
		err = db_execv(ctx->db,
		    arena_printf(ctx->arena,
		        "UPDATE %s SET state = ?, updated_at = ?, state_since = CASE WHEN state = ? THEN state_since "
		        "ELSE CAST(? AS BIGINT) END, version = version + 1 WHERE id = ? AND version = ? AND state = ?",
		        c->wf->table),
		    &changed, DB_TEXT(to), DB_I64(ctx->now), DB_TEXT(to), DB_I64(ctx->now), DB_I64(c->id),
		    DB_I64(c->version), DB_TEXT(from));
	else
		err = db_execv(ctx->db,
		    arena_printf(ctx->arena,
		        "UPDATE %s SET state = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ? "
		        "AND state = ?",
		        c->wf->table),
		    &changed, DB_TEXT(to), DB_I64(ctx->now), DB_I64(c->id), DB_I64(c->version), DB_TEXT(from));
	if (err != TR_OK)
		return err;
	if (changed == 0)
		return ctx_fail(ctx, TR_CONFLICT, c->wf->stale);
	json_object_set_new(c->detail, "from", json_string(from));
	json_object_set_new(c->detail, "to", json_string(to));
	json_object_set_new(c->detail, "version", json_integer(c->version + 1));
	if (c->clean && json_object_size(c->clean) > 0)
		json_object_set(c->detail, "payload", c->clean);
	return journal_append(ctx, c->wf->entity, c->id, c->t->action, c->detail);
}

/* Every transition is an event for the integrators' webhooks, in the same transaction: the row's id, the action,
 * the states and the new version (what the row holds besides is read through the API, by its scope). */
static tr_err
tell_integrators(struct wf_call *c)
{
	const char *from = c->wf->states->items[c->from].code, *to = c->wf->states->items[c->to].code;
	json_t *data = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)c->id, "action", c->t->action, "from",
	    from, "to", to, "version", (json_int_t)(c->version + 1));
	tr_err err = outbox_event(c->ctx, c->wf->entity, c->id, c->t->action, data);

	json_decref(data);
	return err;
}

/* The transition's date bound: refused before the day its column names (Paris), with the day and the date's name. */
static tr_err
check_not_before(struct wf_call *c)
{
	const char *day = c->t->not_before ? json_str(c->row, c->t->not_before) : NULL;
	const char *today = date_iso(c->ctx->arena, c->ctx->now), *fr;

	if (day == NULL || strcmp(day, today) <= 0)
		return TR_OK;
	fr = date_ymd_fr(c->ctx->arena, day);
	return ctx_fail(c->ctx, TR_CONFLICT,
	    arena_printf(c->ctx->arena, "« %s » n'est possible qu'à partir du %s, %s (nous sommes le %s).", c->t->label,
	        fr ? fr : day, c->t->not_before_label ? c->t->not_before_label : c->t->not_before,
	        date_fr(c->ctx->arena, c->ctx->now)));
}

/* The sequence, inside the transaction. */
static tr_err
run(struct ctx *ctx, const struct workflow *wf, struct wf_act *act, struct wf_call *c)
{
	bool stale;
	tr_err err;

	if ((err = load(ctx, wf, act, &c->row)) != TR_OK)
		return err;
	c->from = wf_state(wf, json_str(c->row, "state"));
	c->parties = act->system ? act->parties : wf->parties(ctx, c->row);
	c->version = json_integer_value(json_object_get(c->row, "version"));
	stale = !(act->system && act->version == WF_ANY_VERSION) && c->version != act->version;
	/* Not the actor's: 403 whatever the version; not from this state: the person's page is stale, or the
	 * action is not possible now. */
	if ((err = wf_pick(ctx, wf, act->action, c->from, c->parties, &c->t)) != TR_OK)
		return err == TR_CONFLICT && stale ? ctx_fail(ctx, TR_CONFLICT, wf->stale) : err;
	if (stale)
		return ctx_fail(ctx, TR_CONFLICT, wf->stale);
	c->to = c->t->to < 0 ? c->from : c->t->to;
	if ((err = check_not_before(c)) != TR_OK)
		return err;
	if ((err = check_payload(ctx, c->t, act->payload, &c->clean)) != TR_OK)
		return err;
	c->detail = act->detail ? json_deep_copy(act->detail) : json_object();
	if (c->t->guard && (err = c->t->guard(c)) != TR_OK)
		return err;
	if (c->t->effect && (err = c->t->effect(c)) != TR_OK)
		return err;
	if ((err = apply(c)) != TR_OK)
		return err;
	if (c->t->notify && (err = c->t->notify(c)) != TR_OK)
		return err;
	if ((err = tell_integrators(c)) != TR_OK)
		return err;
	act->new_version = c->version + 1;
	return TR_OK;
}

tr_err
wf_run(struct ctx *ctx, const struct workflow *wf, struct wf_act *act)
{
	struct wf_call c = { .ctx = ctx, .wf = wf, .id = act->id, .out = act->out };
	bool own = !db_in_tx(ctx->db);
	tr_err err;

	if (!act->system && (err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if (own && (err = tx_begin(ctx)) != TR_OK)
		return err;
	err = run(ctx, wf, act, &c);
	if (own)
		err = tx_end(ctx, ctx_storage_error(ctx, err));
	json_decref(c.row);
	json_decref(c.clean);
	json_decref(c.detail);
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
		json_array_foreach(a, k, x) dup |= strcmp(json_str(x, "action"), t->action) == 0;
		if (!dup)
			json_array_append_new(
			    a, json_pack("{s:s, s:s, s:s?, s:b, s:s, s:s?}", "action", t->action, "label", t->label,
			           "payload", t->payload ? t->payload->name : NULL, "payload_optional",
			           t->payload_optional, "tone", wf_tone_code(t->tone), "confirm", t->confirm));
	}
	return a;
}

tr_err
wf_take(struct ctx *ctx, const struct workflow *wf, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id)
{
	int64_t created = 0;
	struct wf_act act = { .id = id, .action = action, .version = version, .payload = payload, .out = &created };
	tr_err err = wf_run(ctx, wf, &act);

	if (err != TR_OK)
		return err;
	if (new_version)
		*new_version = act.new_version;
	if (new_id && created > 0)
		*new_id = created;
	return TR_OK;
}

tr_err
wf_system(struct ctx *ctx, const struct workflow *wf, int64_t id, const char *action, unsigned parties, json_t *detail)
{
	struct wf_act act = { .id = id,
		.action = action,
		.version = WF_ANY_VERSION,
		.system = true,
		.parties = parties,
		.detail = detail };

	return wf_run(ctx, wf, &act);
}
