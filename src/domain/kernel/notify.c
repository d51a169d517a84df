/* Emails to the people concerned by a change. */
#include "domain/kernel/notify.h"

#include <string.h>

#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/outbox.h"

/* The path of the site BODY links to (its "Lien : " line, as notify_text writes it), or NULL. */
static const char *
link_path(struct ctx *ctx, const char *body)
{
	const char *base = ctx->cfg ? ctx->cfg->base_url : "", *p = strstr(body, "\nLien : "), *end;

	if (p == NULL)
		return NULL;
	p += strlen("\nLien : ");
	if (strncmp(p, base, strlen(base)) != 0)
		return NULL;
	p += strlen(base);
	end = strchr(p, '\n');
	if (*p != '/' || end == p)
		return NULL;
	return end ? arena_strndup(ctx->arena, p, (size_t)(end - p)) : p;
}

/* Each row of R is (person id, email): the email goes to the outbox, the notification to the person's list. */
static tr_err
send_all(struct ctx *ctx, struct db_rows *r, const char *subject, const char *body)
{
	const char *path = link_path(ctx, body);
	tr_err err;

	for (size_t i = 0; i < r->nrows; i++) {
		if ((err = outbox_email(ctx, db_cell(r, i, 1)->s.p, subject, body)) != TR_OK)
			return err;
		if ((err = db_execv(ctx->db,
		         "INSERT INTO notifications (person_id, created_at, subject, path) VALUES (?, ?, ?, ?)", NULL,
		         DB_I64(db_int(db_cell(r, i, 0))), DB_I64(ctx->now), DB_TEXT(subject),
		         path ? DB_TEXT(path) : DB_NULLV)) != TR_OK)
			return err;
	}
	return TR_OK;
}

static int64_t
actor_id(const struct ctx *ctx)
{
	return ctx->actor ? ctx->actor->person_id : 0;
}

tr_err
notify_person(struct ctx *ctx, int64_t person_id, const char *subject, const char *body)
{
	struct db_rows *r;
	tr_err err =
	    db_queryv(ctx->db, ctx->arena, "SELECT id, email FROM people WHERE id = ? AND active = 1 AND id <> ?", &r,
	        DB_I64(person_id), DB_I64(actor_id(ctx)));

	return err != TR_OK ? err : send_all(ctx, r, subject, body);
}

tr_err
notify_org(struct ctx *ctx, int64_t org_id, enum role role, const char *subject, const char *body)
{
	struct db_rows *r;
	tr_err err = db_queryv(ctx->db, ctx->arena,
	    "SELECT DISTINCT p.id, p.email FROM memberships m JOIN people p ON p.id = m.person_id WHERE "
	    "m.organisation_id = "
	    "? "
	    "AND m.role = ? AND p.active = 1 AND p.id <> ? ORDER BY p.email",
	    &r, DB_I64(org_id), DB_TEXT(role_code(role)), DB_I64(actor_id(ctx)));

	return err != TR_OK ? err : send_all(ctx, r, subject, body);
}

tr_err
notify_region(struct ctx *ctx, enum role role, const char *region, const char *subject, const char *body)
{
	struct db_rows *r;
	tr_err err;

	if (region == NULL || *region == '\0')
		return TR_OK;
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT DISTINCT p.id, p.email FROM memberships m JOIN people p ON p.id = m.person_id JOIN "
	    "membership_regions mr "
	    "ON "
	    "mr.membership_id = m.id WHERE m.role = ? AND mr.region_code = ? AND p.active = 1 AND p.id <> ? ORDER BY "
	    "p.email",
	    &r, DB_TEXT(role_code(role)), DB_TEXT(region), DB_I64(actor_id(ctx)));
	return err != TR_OK ? err : send_all(ctx, r, subject, body);
}

const char *
notify_text(struct ctx *ctx, const char *body, const char *path)
{
	return arena_printf(ctx->arena, "Bonjour,\n\n%s\n\nLien : %s%s\n\n— tremplin\n", body,
	    ctx->cfg ? ctx->cfg->base_url : "", path);
}

/* ---- the in-app list ---- */

static bool
is_recipient(const struct ctx *ctx, json_t *row)
{
	return json_integer_value(json_object_get(row, "person_id")) == ctx->actor->person_id;
}

static const struct scope_rule notification_rules[] = {
	{ "the person it was sent to", 0, "n.person_id = ?", is_recipient },
};
const struct scope notification_scope = { "notification", "notifications n", "n.id", notification_rules,
	sizeof(notification_rules) / sizeof(notification_rules[0]) };

static const struct list_sort notification_sorts[] = { { "recent", "n.id DESC" } };

static const struct list_spec notification_list = {
	.scope = &notification_scope,
	.select = "SELECT n.id, n.created_at, n.subject, n.path, n.read_at FROM notifications n",
	.sorts = notification_sorts,
	.nsorts = 1,
};

tr_err
notify_unread(struct ctx *ctx, int64_t *n)
{
	struct db_rows *r;
	tr_err err;

	*n = 0;
	if (ctx->actor == NULL)
		return TR_OK;
	err =
	    db_queryv(ctx->db, ctx->arena, "SELECT COUNT(*) FROM notifications WHERE person_id = ? AND read_at IS NULL",
	        &r, DB_I64(ctx->actor->person_id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*n = db_int(db_cell(r, 0, 0));
	return TR_OK;
}

tr_err
notify_list(struct ctx *ctx, int64_t page, json_t **out)
{
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	return list_query(ctx, &notification_list, NULL, NULL, page, 50, out);
}

tr_err
notify_mark_read(struct ctx *ctx)
{
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_execv(ctx->db, "UPDATE notifications SET read_at = ? WHERE person_id = ? AND read_at IS NULL", NULL,
	    DB_I64(ctx->now), DB_I64(ctx->actor->person_id));
	return err != TR_OK ? ctx_storage_error(ctx, err) : TR_OK;
}
