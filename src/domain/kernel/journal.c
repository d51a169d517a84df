/* The hash-chained journal. */
#include "domain/kernel/journal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/str.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"

/* The bytes hashed for one entry: every column but the hash, one per line; the entity key (a later column) only
 * when it is not NULL, so that the entries written before it existed keep their hashes. The detail is compact
 * JSON, with no line break of its own: the key after it cannot be confused with a part of it. */
static void
entry_hash(const char *prev, int64_t id, int64_t at, int64_t actor_id, const char *actor_label, const char *entity,
    int64_t entity_id, const char *key, const char *action, const char *detail, char out[SEC_SHA256_HEX])
{
	struct buf b = BUF_INIT(0);

	if (buf_printf(&b, "%s\n%" PRId64 "\n%" PRId64 "\n%" PRId64 "\n%s\n%s\n%" PRId64 "\n%s\n%s", prev, id, at,
	        actor_id, actor_label, entity, entity_id, action, detail) != TR_OK ||
	    (key != NULL && buf_printf(&b, "\n%s", key) != TR_OK))
		tr_oom("journal entry");
	sec_sha256_hex(b.p, b.n, out);
	buf_free(&b);
}

/* Appends an entry about ENTITY ENTITY_ID, or ENTITY KEY when KEY is not NULL. */
static tr_err
append(struct ctx *ctx, const char *entity, int64_t entity_id, const char *key, const char *action, json_t *detail)
{
	struct db_rows *head;
	char *detail_s = NULL, hash[SEC_SHA256_HEX];
	const char *prev, *label;
	int64_t seq, actor_id;
	tr_err err;

	if (!db_in_tx(ctx->db))
		return TR_INTERNAL;
	/* Taking the head row's lock serialises appends on both engines. */
	TRY(db_one(ctx->db, ctx->arena, "UPDATE journal_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash", NULL,
	    0, &head));
	seq = db_int(db_cell(head, 0, 0));
	prev = db_text(db_cell(head, 0, 1));
	actor_id = ctx->actor ? ctx->actor->person_id : 0;
	label = ctx->actor ? ctx->actor->email : "système";
	detail_s = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	entry_hash(
	    prev, seq, ctx->now, actor_id, label, entity, entity_id, key, action, detail_s ? detail_s : "{}", hash);
	TRY(db_execv(ctx->db,
	    "INSERT INTO journal (id, at, actor_id, actor_label, entity, entity_id, entity_key, action, detail, "
	    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    NULL, DB_I64(seq), DB_I64(ctx->now), actor_id ? DB_I64(actor_id) : DB_NULLV, DB_TEXT(label),
	    DB_TEXT(entity), key ? DB_NULLV : DB_I64(entity_id), key ? DB_TEXT(key) : DB_NULLV, DB_TEXT(action),
	    DB_TEXT(detail_s ? detail_s : "{}"), DB_TEXT(prev), DB_TEXT(hash)));
	TRY(db_execv(ctx->db, "UPDATE journal_head SET hash = ? WHERE id = 1", NULL, DB_TEXT(hash)));
out:
	free(detail_s);
	return err;
}

tr_err
journal_append(struct ctx *ctx, const char *entity, int64_t entity_id, const char *action, json_t *detail)
{
	return append(ctx, entity, entity_id, NULL, action, detail);
}

tr_err
journal_append_key(struct ctx *ctx, const char *entity, const char *key, const char *action, json_t *detail)
{
	return key == NULL ? TR_INTERNAL : append(ctx, entity, 0, key, action, detail);
}

struct verify_state {
	struct arena *a;
	char prev[SEC_SHA256_HEX];
	int64_t expect_id, checked, bad_id;
	const char *why;
};

static int
verify_row(void *ud, const struct db_val *c, size_t ncols, const char **names)
{
	struct verify_state *st = ud;
	char hash[SEC_SHA256_HEX];
	int64_t id = db_int(&c[0]);

	(void)ncols;
	(void)names;
	if (id != st->expect_id) {
		st->bad_id = st->expect_id;
		st->why = arena_printf(
		    st->a, "entry %" PRId64 " is missing (next present is %" PRId64 ")", st->expect_id, id);
		return 1;
	}
	if (strcmp(db_text(&c[9]), st->prev) != 0) {
		st->bad_id = id;
		st->why = "its previous-hash does not match the entry before it";
		return 1;
	}
	entry_hash(st->prev, id, db_int(&c[1]), db_int(&c[2]), db_text(&c[3]), db_text(&c[4]), db_int(&c[5]),
	    db_isnull(&c[6]) ? NULL : db_text(&c[6]), db_text(&c[7]), db_text(&c[8]), hash);
	if (strcmp(hash, db_text(&c[10])) != 0) {
		st->bad_id = id;
		st->why = "its content does not match its hash (the row was altered)";
		return 1;
	}
	memcpy(st->prev, hash, sizeof(hash));
	st->expect_id++;
	st->checked++;
	return 0;
}

tr_err
journal_verify(struct db *db, struct arena *a, int64_t *checked, int64_t *bad_id, const char **why)
{
	struct verify_state st = { .a = a, .expect_id = 1 };
	struct db_rows *head;
	tr_err err;

	memset(st.prev, '0', 64);
	st.prev[64] = '\0';
	err = db_each(db,
	    "SELECT id, at, COALESCE(actor_id, 0), actor_label, entity, COALESCE(entity_id, 0), entity_key, action, "
	    "detail, prev_hash, hash FROM journal ORDER BY id",
	    NULL, 0, verify_row, &st);
	*checked = st.checked;
	if (err != TR_OK)
		return err;
	if (st.bad_id != 0) {
		*bad_id = st.bad_id;
		*why = st.why;
		return TR_CONFLICT;
	}
	err = db_onev(db, a, "SELECT seq, hash FROM journal_head WHERE id = ?", &head, DB_I64(1));
	if (err != TR_OK)
		return err;
	if (db_int(db_cell(head, 0, 0)) != st.expect_id - 1 || strcmp(db_text(db_cell(head, 0, 1)), st.prev) != 0) {
		*bad_id = db_int(db_cell(head, 0, 0));
		*why = "the last entries were removed (the head does not match the last entry)";
		return TR_CONFLICT;
	}
	return TR_OK;
}

/* Timelines name people as they are named now (a deleted account reads "Compte supprimé"), not by the
 * email recorded, which stays in the chain for verification only. */
#define JOURNAL_LIST_SQL                                                                                             \
	"SELECT j.id, j.at, COALESCE(p.name, j.actor_label) AS actor_label, j.action, j.detail FROM journal j LEFT " \
	"JOIN people p ON p.id = j.actor_id WHERE j.entity = ? AND j."
#define JOURNAL_LIST_END " = ? ORDER BY j.id DESC LIMIT 200"

/* The rows of a list as JSON, or the storage error. */
static tr_err
list_json(struct ctx *ctx, tr_err err, const struct db_rows *r, json_t **out)
{
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

tr_err
journal_list(struct ctx *ctx, const char *entity, int64_t entity_id, json_t **out)
{
	struct db_rows *r = NULL;
	tr_err err = db_queryv(
	    ctx->db, ctx->arena, JOURNAL_LIST_SQL "entity_id" JOURNAL_LIST_END, &r, DB_TEXT(entity), DB_I64(entity_id));

	return list_json(ctx, err, r, out);
}

tr_err
journal_list_key(struct ctx *ctx, const char *entity, const char *key, json_t **out)
{
	struct db_rows *r = NULL;
	tr_err err = db_queryv(
	    ctx->db, ctx->arena, JOURNAL_LIST_SQL "entity_key" JOURNAL_LIST_END, &r, DB_TEXT(entity), DB_TEXT(key));

	return list_json(ctx, err, r, out);
}

/* The epoch second at which day YMD (YYYY-MM-DD) starts, plus DAYS days; -1 when YMD is not a date. */
static int64_t
day_start(const char *ymd, int days)
{
	int y, m, d;

	if (ymd == NULL || !date_parse(ymd, strlen(ymd), &y, &m, &d))
		return -1;
	return (date_days(y, m, d) + days) * 86400;
}

tr_err
journal_recent(struct ctx *ctx, const struct journal_filter *f, int64_t page, json_t **out)
{
	static const struct journal_filter none = { 0 };
	struct db_rows *r, *c;
	const char *where;
	int64_t from, to;
	struct db_val p[10];
	size_t n = 0;
	tr_err err;

	if ((err = authz_require(ctx, AUTHZ_ADMINS)) != TR_OK)
		return err;
	if (f == NULL)
		f = &none;
	if (page < 1)
		page = 1;
	from = day_start(f->from, 0);
	to = day_start(f->to, 1);
	where =
	    "journal j LEFT JOIN people jp ON jp.id = j.actor_id WHERE (CAST(? AS TEXT) = '' OR LOWER(j.actor_label "
	    "|| ' ' || COALESCE(jp.name, '')) LIKE '%' || LOWER(CAST(? AS TEXT)) || '%') AND (CAST(? AS TEXT) = '' "
	    "OR j.entity = ?) AND (CAST(? AS TEXT) = '' OR j.action = ?) AND j.at >= ? AND j.at < ?";
	p[n++] = DB_TEXT(f->who ? f->who : "");
	p[n++] = DB_TEXT(f->who ? f->who : "");
	p[n++] = DB_TEXT(f->entity ? f->entity : "");
	p[n++] = DB_TEXT(f->entity ? f->entity : "");
	p[n++] = DB_TEXT(f->action ? f->action : "");
	p[n++] = DB_TEXT(f->action ? f->action : "");
	p[n++] = DB_I64(from < 0 ? 0 : from);
	p[n++] = DB_I64(to < 0 ? INT64_MAX : to);
	err = db_query(ctx->db, ctx->arena, arena_printf(ctx->arena, "SELECT COUNT(*) FROM %s", where), p, n, &c);
	if (err == TR_OK) {
		p[n++] = DB_I64(50);
		p[n++] = DB_I64((page - 1) * 50);
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena,
		        "SELECT j.id, j.at, j.actor_label, jp.name AS actor_name, j.entity, j.entity_id, "
		        "j.entity_key, j.action, j.detail FROM %s ORDER BY j.id DESC LIMIT ? OFFSET ?",
		        where),
		    p, n, &r);
	}
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_pack("{s:o, s:I}", "items", rows_json(r), "total", (json_int_t)db_int(db_cell(c, 0, 0)));
	return TR_OK;
}

/* ---- The journal witnessed from outside ---------------------------------------------------------------------- */

tr_err
journal_publish(struct ctx *ctx, int64_t *count)
{
	/* The real clock at most: a head published under a simulated later day (jobs run --now) would be a lie. */
	int64_t now = ctx->now < clock_now() ? ctx->now : clock_now();
	const char *day = date_iso(ctx->arena, now);
	int64_t changed = 0;
	tr_err err = db_execv(ctx->db,
	    "INSERT INTO journal_published (day, seq, hash, at) SELECT ?, seq, hash, ? FROM journal_head WHERE id = 1 "
	    "ON CONFLICT (day) DO NOTHING",
	    &changed, DB_TEXT(day), DB_I64(now));

	*count = changed;
	return err;
}

tr_err
journal_published(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_query(ctx->db, ctx->arena,
	    "SELECT day, seq, hash, at FROM journal_published ORDER BY day DESC LIMIT 60", NULL, 0, &r);

	if (err != TR_OK)
		return err;
	*out = rows_json(r);
	return TR_OK;
}

#define ZERO_HASH_HEX "0000000000000000000000000000000000000000000000000000000000000000"
#define WITNESS_MAGIC "tremplin journal head"

const char *
journal_witness_text(struct arena *a, const char *day, int64_t seq, const char *hash)
{
	return arena_printf(a, WITNESS_MAGIC "\nday: %s\nseq: %" PRId64 "\nhash: %s\n", day, seq, hash);
}

bool
journal_witness_parse(const char *text, size_t n, int64_t *seq, char hash[65])
{
	const char *p = text, *end = text + n;
	bool have_seq = false, have_hash = false;

	if (n < sizeof(WITNESS_MAGIC) - 1 || memcmp(text, WITNESS_MAGIC, sizeof(WITNESS_MAGIC) - 1) != 0)
		return false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > 5 && memcmp(p, "seq: ", 5) == 0) {
			long long v;
			if (!str_to_i64((struct str){ p + 5, len - 5 }, &v) || v < 0)
				return false;
			*seq = v;
			have_seq = true;
		} else if (len == 6 + 64 && memcmp(p, "hash: ", 6) == 0) {
			for (size_t i = 0; i < 64; i++)
				if (!((p[6 + i] >= '0' && p[6 + i] <= '9') || (p[6 + i] >= 'a' && p[6 + i] <= 'f')))
					return false;
			memcpy(hash, p + 6, 64);
			hash[64] = '\0';
			have_hash = true;
		}
		p += len + 1;
	}
	return have_seq && have_hash;
}

tr_err
journal_verify_against(
    struct db *db, struct arena *a, int64_t seq, const char *hash, int64_t *checked, int64_t *bad_id, const char **why)
{
	struct db_rows *r;
	tr_err err = journal_verify(db, a, checked, bad_id, why);

	if (err != TR_OK)
		return err;
	if (seq == 0) {
		if (strcmp(hash, ZERO_HASH_HEX) == 0)
			return TR_OK;
		*bad_id = 0;
		*why = "the published head of an empty journal must be the zero hash";
		return TR_CONFLICT;
	}
	err = db_onev(db, a, "SELECT hash FROM journal WHERE id = ?", &r, DB_I64(seq));
	if (err == TR_NOT_FOUND) {
		*bad_id = seq;
		*why = "the entry the published head names is missing (the journal was cut back)";
		return TR_CONFLICT;
	}
	if (err != TR_OK)
		return err;
	if (strcmp(db_text(db_cell(r, 0, 0)), hash) != 0) {
		*bad_id = seq;
		*why = arena_printf(a,
		    "its hash differs from the published head (%s): an entry up to it was rewritten after publication",
		    hash);
		return TR_CONFLICT;
	}
	return TR_OK;
}
