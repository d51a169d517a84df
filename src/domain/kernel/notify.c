/* Emails to the people concerned by a change. */
#include "domain/kernel/notify.h"

#include "core/arena.h"
#include "domain/kernel/common.h"
#include "domain/kernel/outbox.h"

static tr_err
send_all(struct ctx *ctx, struct db_rows *r, const char *subject, const char *body)
{
	tr_err err;

	for (size_t i = 0; i < r->nrows; i++)
		if ((err = outbox_email(ctx, db_cell(r, i, 0)->s.p, subject, body)) != TR_OK)
			return err;
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
	tr_err err = db_queryv(ctx->db, ctx->arena, "SELECT email FROM people WHERE id = ? AND active = 1 AND id <> ?",
	    &r, DB_I64(person_id), DB_I64(actor_id(ctx)));

	return err != TR_OK ? err : send_all(ctx, r, subject, body);
}

tr_err
notify_org(struct ctx *ctx, int64_t org_id, enum role role, const char *subject, const char *body)
{
	struct db_rows *r;
	tr_err err = db_queryv(ctx->db, ctx->arena,
	    "SELECT DISTINCT p.email FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.organisation_id = "
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
	    "SELECT DISTINCT p.email FROM memberships m JOIN people p ON p.id = m.person_id JOIN membership_regions mr "
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
