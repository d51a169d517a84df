/* The network's news: items, their filters, and the weekly digest with its unsubscribe link. */
#include "domain/news/news.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/markdown.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/outbox.h"
#include "store/db.h"

#define LIST_MAX 20 /* values in one of an item's lists */

/* The author shown is the pole, or the national coordination: never a person's name (the news are public). */
#define NEWS_COLUMNS                                                                                                  \
	"n.id, n.title, n.summary, n.tags, n.regions, n.programmes, n.job_profiles, n.resources, n.published_at, "    \
	"n.updated_at, COALESCE(pl.name, 'Coordination nationale') AS author_name FROM news_items n LEFT JOIN poles " \
	"pl ON pl.id = n.pole_id"

/* The values of a list given as an array or a '|'- or comma-separated text, trimmed, without empties or doubles,
 * each at most MAXLEN bytes without '|': '|'-joined in the arena; NULL after a field error on FIELD (LABEL). */
static const char *
list_from(struct ctx *ctx, json_t *v, const char *field, const char *label, size_t maxlen)
{
	const char *items[LIST_MAX + 1], *out = "";
	size_t n = 0;

	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x) && !json_is_integer(x))
				continue;
			if (n > LIST_MAX)
				break;
			items[n++] = json_is_string(x)
			                 ? arena_strdup(ctx->arena, json_string_value(x))
			                 : arena_printf(ctx->arena, "%lld", (long long)json_integer_value(x));
		}
	} else if (json_is_string(v)) {
		char *save = NULL, *t = arena_strdup(ctx->arena, json_string_value(v));
		for (t = strtok_r(t, "|,", &save); t && n <= LIST_MAX; t = strtok_r(NULL, "|,", &save))
			items[n++] = t;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = items[i], *e;
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
			e--;
		if (e == s)
			continue;
		if ((size_t)(e - s) > maxlen || memchr(s, '|', (size_t)(e - s)) != NULL || i >= LIST_MAX) {
			field_errors_add(&ctx->errors, field,
			    arena_printf(ctx->arena, "« %s » : %d valeurs au plus, de %zu caractères au plus chacune.",
			        label, LIST_MAX, maxlen));
			return NULL;
		}
		s = arena_strndup(ctx->arena, s, (size_t)(e - s));
		if (strstr(arena_printf(ctx->arena, "|%s|", out), arena_printf(ctx->arena, "|%s|", s)) == NULL)
			out = *out ? arena_printf(ctx->arena, "%s|%s", out, s) : s;
	}
	return out;
}

/* Checks that each value of the '|'-joined LIST is a row SQL (one parameter, the value) finds: a field error on
 * FIELD naming the first that is not. */
static tr_err
check_known(struct ctx *ctx, const char *list, const char *sql, const char *field, const char *label)
{
	char *save = NULL, *t;

	if (list == NULL || *list == '\0')
		return TR_OK;
	for (t = strtok_r(arena_strdup(ctx->arena, list), "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		struct db_rows *r;
		tr_err err = db_onev(ctx->db, ctx->arena, sql, &r, DB_TEXT(t));
		if (err == TR_NOT_FOUND) {
			field_errors_add(
			    &ctx->errors, field, arena_printf(ctx->arena, "« %s » : « %s » n'existe pas.", label, t));
			return TR_OK;
		}
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
	}
	return TR_OK;
}

/* The text member KEY of IN, checked present (when REQUIRED) and at most MAX bytes. */
static const char *
text_from(struct ctx *ctx, json_t *in, const char *key, const char *label, size_t max, bool required)
{
	const char *s = json_str(in, key);

	if (s == NULL || *s == '\0') {
		if (required)
			field_errors_add(&ctx->errors, key, arena_printf(ctx->arena, "« %s » est obligatoire.", label));
		return "";
	}
	if (strlen(s) > max) {
		field_errors_add(
		    &ctx->errors, key, arena_printf(ctx->arena, "« %s » : %zu caractères au plus.", label, max));
		return "";
	}
	return s;
}

tr_err
news_create(struct ctx *ctx, json_t *in, int64_t *id)
{
	const char *title, *summary, *body, *tags, *regions, *programmes, *profiles, *resources;
	struct db_rows *r;
	int64_t pole_id = 0;
	json_t *detail;
	tr_err err;

	if ((err = authz_require(ctx, NEWS_WRITERS)) != TR_OK)
		return err;
	title = text_from(ctx, in, "title", "Titre", 200, true);
	summary = text_from(ctx, in, "summary", "Résumé", 500, true);
	body = text_from(ctx, in, "body", "Texte", 20000, true);
	tags = list_from(ctx, json_object_get(in, "tags"), "tags", "Mots-clés", 40);
	regions = list_from(ctx, json_object_get(in, "regions"), "regions", "Régions", 3);
	programmes = list_from(ctx, json_object_get(in, "programmes"), "programmes", "Programmes", 40);
	profiles = list_from(ctx, json_object_get(in, "job_profiles"), "job_profiles", "Fiches métier", 60);
	resources = list_from(ctx, json_object_get(in, "resources"), "resources", "Ressources jointes", 18);
	if ((err = check_known(ctx, regions, "SELECT 1 FROM regions WHERE code = ?", "regions", "Régions")) != TR_OK ||
	    (err = check_known(
	         ctx, programmes, "SELECT 1 FROM programmes WHERE code = ?", "programmes", "Programmes")) != TR_OK ||
	    (err = check_known(ctx, profiles, "SELECT 1 FROM job_profiles WHERE code = ? LIMIT 1", "job_profiles",
	         "Fiches métier")) != TR_OK ||
	    (err = check_known(ctx, resources, "SELECT 1 FROM resources WHERE CAST(id AS TEXT) = ?", "resources",
	         "Ressources jointes")) != TR_OK)
		return err;
	if (ctx->errors.n > 0)
		return ctx_fail(ctx, TR_INVALID, "L'actualité n'a pas été publiée : corrigez les champs signalés.");
	/* A pole's staff publish for their pole (the first, when they work for several). */
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT pl.id FROM poles pl JOIN memberships m ON m.organisation_id = pl.organisation_id AND m.role = "
	    "'pole' "
	    "WHERE m.person_id = ? ORDER BY pl.id LIMIT 1",
	    &r, DB_I64(ctx->actor->person_id));
	if (err == TR_OK)
		pole_id = db_int(db_cell(r, 0, 0));
	else if (err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	if ((err = tx_begin(ctx)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO news_items (author_id, pole_id, title, summary, body, tags, regions, programmes, "
	    "job_profiles, "
	    "resources, published_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(ctx->actor->person_id), pole_id ? DB_I64(pole_id) : DB_NULLV, DB_TEXT(title), DB_TEXT(summary),
	    DB_TEXT(body), DB_TEXT(tags), DB_TEXT(regions), DB_TEXT(programmes), DB_TEXT(profiles), DB_TEXT(resources),
	    DB_I64(ctx->now), DB_I64(ctx->now));
	if (err == TR_OK) {
		*id = db_int(db_cell(r, 0, 0));
		detail = json_pack(
		    "{s:s, s:s, s:s, s:s}", "title", title, "tags", tags, "regions", regions, "programmes", programmes);
		err = journal_append(ctx, "news", *id, "publish", detail);
		json_decref(detail);
	}
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* "a|b" as ["a", "b"]. */
static json_t *
split(const char *s)
{
	json_t *a = json_array();

	for (const char *p = s ? s : ""; *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n > 0)
			json_array_append_new(a, json_stringn(p, n));
		p += n + (bar != NULL);
	}
	return a;
}

/* The lists of ITEM as arrays. */
static void
decorate(json_t *item)
{
	static const char *const lists[] = { "tags", "regions", "programmes", "job_profiles", "resources" };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		json_object_set_new(item, lists[i], split(json_str(item, lists[i])));
}

/* "%|v|%" for a LIKE on a '|'-joined column, or "%" for any. */
static const char *
member_pattern(struct ctx *ctx, const char *v)
{
	return v && *v ? arena_printf(ctx->arena, "%%|%s|%%", v) : "%";
}

tr_err
news_list(struct ctx *ctx, const struct news_filter *f, json_t **out)
{
	struct db_rows *r;
	const char *tag = member_pattern(ctx, f->tag), *region = member_pattern(ctx, f->region),
	           *prog = member_pattern(ctx, f->programme);
	int64_t page = f->page > 0 ? f->page : 1, total;
	json_t *items, *tags = json_array(), *it;
	size_t i;
	tr_err err;

#define NEWS_WHERE                                                                                                  \
	" WHERE ('|' || n.tags || '|') LIKE ? AND (n.regions = '' OR ? = '%' OR ('|' || n.regions || '|') LIKE ?) " \
	"AND "                                                                                                      \
	"(n.programmes = '' OR ? = '%' OR ('|' || n.programmes || '|') LIKE ?)"
	err = db_onev(ctx->db, ctx->arena, "SELECT COUNT(*) FROM news_items n" NEWS_WHERE, &r, DB_TEXT(tag),
	    DB_TEXT(region), DB_TEXT(region), DB_TEXT(prog), DB_TEXT(prog));
	if (err != TR_OK) {
		json_decref(tags);
		return ctx_storage_error(ctx, err);
	}
	total = db_int(db_cell(r, 0, 0));
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT " NEWS_COLUMNS NEWS_WHERE " ORDER BY n.published_at DESC, n.id DESC LIMIT ? OFFSET ?", &r,
	    DB_TEXT(tag), DB_TEXT(region), DB_TEXT(region), DB_TEXT(prog), DB_TEXT(prog), DB_I64(NEWS_PER_PAGE),
	    DB_I64((page - 1) * NEWS_PER_PAGE));
#undef NEWS_WHERE
	if (err != TR_OK) {
		json_decref(tags);
		return ctx_storage_error(ctx, err);
	}
	items = rows_json(r);
	json_array_foreach(items, i, it) decorate(it);
	/* Every tag in use, for the filter. */
	err = db_queryv(ctx->db, ctx->arena, "SELECT DISTINCT tags FROM news_items WHERE tags <> ''", &r);
	for (size_t k = 0; err == TR_OK && k < r->nrows; k++) {
		json_t *one = split(db_text(db_cell(r, k, 0))), *t;
		size_t j, m;
		json_array_foreach(one, j, t)
		{
			bool seen = false;
			json_t *x;
			json_array_foreach(tags, m, x) seen |= json_equal(x, t);
			if (!seen)
				json_array_append(tags, t);
		}
		json_decref(one);
	}
	if (err != TR_OK) {
		json_decref(items);
		json_decref(tags);
		return ctx_storage_error(ctx, err);
	}
	*out = json_pack("{s:o, s:I, s:I, s:I, s:I, s:o}", "items", items, "total", (json_int_t)total, "page",
	    (json_int_t)page, "per_page", (json_int_t)NEWS_PER_PAGE, "pages",
	    (json_int_t)(total == 0 ? 1 : (total + NEWS_PER_PAGE - 1) / NEWS_PER_PAGE), "tags", tags);
	return TR_OK;
}

tr_err
news_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	struct buf html = BUF_INIT(1u << 20);
	json_t *item, *res = json_array();
	tr_err err = db_onev(ctx->db, ctx->arena, "SELECT n.body, " NEWS_COLUMNS " WHERE n.id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND) {
		json_decref(res);
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette actualité n'existe pas.");
	}
	if (err != TR_OK) {
		json_decref(res);
		return ctx_storage_error(ctx, err);
	}
	item = row_json(r, 0);
	decorate(item);
	if (md_render(json_str(item, "body"), strlen(json_str(item, "body")), &html) != TR_OK) {
		buf_free(&html);
		json_decref(item);
		json_decref(res);
		return ctx_fail(ctx, TR_INTERNAL, "Le texte de l'actualité n'a pas pu être mis en page.");
	}
	json_object_set_new(item, "body_html", json_string(html.p ? html.p : ""));
	buf_free(&html);
	{
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(item, "resources"), i, x)
		{
			struct db_rows *rr;
			if (db_onev(ctx->db, ctx->arena,
			        "SELECT id, title, kind, url FROM resources WHERE CAST(id AS TEXT) = ?", &rr,
			        DB_TEXT(json_string_value(x))) == TR_OK)
				json_array_append_new(res, row_json(rr, 0));
		}
	}
	json_object_set_new(item, "attachments", res);
	*out = item;
	return TR_OK;
}

tr_err
news_options(struct ctx *ctx, json_t **regions, json_t **programmes)
{
	struct db_rows *r, *p;
	tr_err err = db_queryv(ctx->db, ctx->arena, "SELECT code, name FROM regions ORDER BY name", &r);

	if (err == TR_OK)
		err = db_queryv(ctx->db, ctx->arena, "SELECT code, name FROM programmes ORDER BY name", &p);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*regions = rows_json(r);
	*programmes = rows_json(p);
	return TR_OK;
}

tr_err
news_digest_get(struct ctx *ctx, bool *on)
{
	struct db_rows *r;
	tr_err err;

	*on = false;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT 1 FROM news_digest WHERE person_id = ?", &r, DB_I64(ctx->actor->person_id));
	if (err == TR_OK)
		*on = true;
	return err == TR_NOT_FOUND ? TR_OK : ctx_storage_error(ctx, err);
}

tr_err
news_digest_set(struct ctx *ctx, bool on)
{
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = tx_begin(ctx)) != TR_OK)
		return err;
	if (on)
		err = db_execv(ctx->db,
		    "INSERT INTO news_digest (person_id, unsubscribe_key, created_at) VALUES (?, ?, ?) ON CONFLICT "
		    "(person_id) DO NOTHING",
		    NULL, DB_I64(ctx->actor->person_id), DB_TEXT(sec_random_token(ctx->arena, 32)), DB_I64(ctx->now));
	else
		err = db_execv(
		    ctx->db, "DELETE FROM news_digest WHERE person_id = ?", NULL, DB_I64(ctx->actor->person_id));
	if (err == TR_OK)
		err = journal_append(ctx, "news_digest", ctx->actor->person_id, on ? "subscribe" : "unsubscribe", NULL);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
news_digest_token(struct ctx *ctx, const char *token)
{
	struct db_rows *r;
	tr_err err;

	if (token == NULL || strlen(token) > 128)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce lien de désabonnement n'est plus valable.");
	err = db_onev(ctx->db, ctx->arena, "SELECT 1 FROM news_digest WHERE unsubscribe_key = ?", &r, DB_TEXT(token));
	if (err == TR_NOT_FOUND)
		return ctx_fail(
		    ctx, TR_NOT_FOUND, "Ce lien de désabonnement n'est plus valable : vous êtes déjà désabonné.");
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

tr_err
news_digest_unsubscribe(struct ctx *ctx, const char *token)
{
	struct db_rows *r;
	tr_err err;

	if (token == NULL || strlen(token) > 128)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce lien de désabonnement n'est plus valable.");
	if ((err = tx_begin(ctx)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, "DELETE FROM news_digest WHERE unsubscribe_key = ? RETURNING person_id", &r,
	    DB_TEXT(token));
	if (err == TR_NOT_FOUND)
		err = ctx_fail(
		    ctx, TR_NOT_FOUND, "Ce lien de désabonnement n'est plus valable : vous êtes déjà désabonné.");
	else if (err == TR_OK)
		err = journal_append(ctx, "news_digest", db_int(db_cell(r, 0, 0)), "unsubscribe_link", NULL);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
news_digest_send(struct ctx *ctx, int64_t *count)
{
	struct db_rows *subs, *items;
	tr_err err;

	*count = 0;
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT d.person_id, p.email, d.unsubscribe_key, d.last_sent_at FROM news_digest d JOIN people p ON p.id = "
	    "d.person_id WHERE p.active = 1 AND d.last_sent_at <= ? ORDER BY d.person_id",
	    &subs, DB_I64(ctx->now - NEWS_DIGEST_GAP));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < subs->nrows; i++) {
		int64_t since = db_int(db_cell(subs, i, 3));
		struct buf body = BUF_INIT(0);
		if (since < ctx->now - 7 * 86400)
			since = ctx->now - 7 * 86400;
		err = db_queryv(ctx->db, ctx->arena,
		    "SELECT id, title, summary FROM news_items WHERE published_at > ? AND published_at <= ? ORDER BY "
		    "published_at, id",
		    &items, DB_I64(since), DB_I64(ctx->now));
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
		if (items->nrows == 0)
			continue;
		err = buf_puts(&body, "Bonjour,\n\nLes actualités du réseau publiées cette semaine :\n");
		for (size_t k = 0; err == TR_OK && k < items->nrows; k++)
			err = buf_printf(&body, "\n• %s\n  %s\n  %s/actualites/%lld\n", db_text(db_cell(items, k, 1)),
			    db_text(db_cell(items, k, 2)), ctx->cfg->base_url, (long long)db_int(db_cell(items, k, 0)));
		if (err == TR_OK)
			err = buf_printf(&body,
			    "\nToutes les actualités : %s/actualites\n\nVous recevez cette lettre parce que vous "
			    "l'avez "
			    "demandée. Pour ne plus la recevoir (sans vous connecter) "
			    ":\n%s/actualites/desabonnement/%s\n\n— "
			    "tremplin\n",
			    ctx->cfg->base_url, ctx->cfg->base_url, db_text(db_cell(subs, i, 2)));
		if (err != TR_OK)
			tr_oom("news digest");
		if ((err = tx_begin(ctx)) != TR_OK) {
			buf_free(&body);
			return err;
		}
		err = outbox_email(ctx, db_text(db_cell(subs, i, 1)), "Les actualités du réseau de la semaine", body.p);
		if (err == TR_OK)
			err = db_execv(ctx->db, "UPDATE news_digest SET last_sent_at = ? WHERE person_id = ?", NULL,
			    DB_I64(ctx->now), DB_I64(db_int(db_cell(subs, i, 0))));
		buf_free(&body);
		if ((err = tx_end(ctx, ctx_storage_error(ctx, err))) != TR_OK)
			return err;
		(*count)++;
	}
	return TR_OK;
}
