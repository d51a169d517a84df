/* The resources library: documents checked by content, links, tags, and the folded search over titles and
 * descriptions. */
#include "domain/poles/resource.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/utf8.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/poles/pole.h"
#include "model/poles/pole.h"

#define PER_PAGE 20
#define PER_PAGE_MAX 100
/* Words of a search; more are ignored. */
#define WORDS_MAX 8

static const struct resource_type types[] = {
	{ "application/pdf", "pdf", "PDF" },
	{ "application/vnd.oasis.opendocument.text", "odt", "ODT" },
	{ "image/png", "png", "PNG" },
	{ "image/jpeg", "jpg", "JPEG" },
};

/* An ODF document is a zip whose first entry is "mimetype", stored uncompressed, holding the MIME type. */
static bool
is_odt(const unsigned char *b, size_t n)
{
	static const char mime[] = "application/vnd.oasis.opendocument.text";
	size_t name_len, extra_len, data;

	if (n < 30 || memcmp(b, "PK\x03\x04", 4) != 0 || b[8] != 0 || b[9] != 0)
		return false;
	name_len = (size_t)b[26] | (size_t)b[27] << 8;
	extra_len = (size_t)b[28] | (size_t)b[29] << 8;
	data = 30 + name_len + extra_len;
	if (name_len != 8 || n < data + sizeof(mime) - 1 || memcmp(b + 30, "mimetype", 8) != 0)
		return false;
	/* The entry holds exactly the MIME type: its stored size (bytes 22–25) is the type's length. */
	if (((size_t)b[22] | (size_t)b[23] << 8 | (size_t)b[24] << 16 | (size_t)b[25] << 24) != sizeof(mime) - 1)
		return false;
	return memcmp(b + data, mime, sizeof(mime) - 1) == 0;
}

const struct resource_type *
resource_sniff(const void *p, size_t n)
{
	const unsigned char *b = p;

	if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return &types[0];
	if (is_odt(b, n))
		return &types[1];
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return &types[2];
	if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return &types[3];
	return NULL;
}

/* The extension of NAME (after its last dot, lowercase ASCII, 5 characters at most), or "". */
static const char *
extension_of(struct arena *a, const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	char *ext;
	size_t n;

	if (dot == NULL || (n = strlen(dot + 1)) == 0 || n > 5)
		return "";
	ext = arena_strndup(a, dot + 1, n);
	for (char *c = ext; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	return ext;
}

char *
resource_file_name(struct arena *a, const char *name, const struct resource_type *type)
{
	const char *base = name ? name : "", *slash;
	char *key, *out;
	size_t n, k = 0;

	/* Some browsers send a path: keep its last part, without the extension. */
	for (const char *s = base; (slash = strpbrk(s, "/\\")) != NULL; s = slash + 1)
		base = slash + 1;
	n = strlen(base);
	if (strrchr(base, '.') && *extension_of(a, base))
		n = (size_t)(strrchr(base, '.') - base);
	key = utf8_fold_key(a, base, utf8_valid(base, n) ? n : 0);
	out = arena_alloc(a, strlen(key) + 8);
	for (const char *c = key; *c && k < 80; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))
			out[k++] = *c;
		else if (*c == ' ' && k > 0 && out[k - 1] != '-')
			out[k++] = '-';
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
	return arena_printf(a, "%s.%s", k ? out : "document", type->ext);
}

/* The tags of V (a comma- or '|'-separated string, or an array of strings) as a '|'-joined string without
 * repeats (compared folded); NULL after a field error on "tags". */
static const char *
tags_of(struct ctx *ctx, json_t *v)
{
	const char *out = "", *keys = "";
	char *text = NULL;
	size_t count = 0, i;
	json_t *x;

	if (v == NULL || json_is_null(v))
		return "";
	if (json_is_string(v)) {
		text = arena_strdup(ctx->arena, json_string_value(v));
	} else if (json_is_array(v)) {
		text = "";
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x)) {
				text = NULL;
				break;
			}
			text = arena_printf(ctx->arena, "%s,%s", text, json_string_value(x));
		}
	}
	if (text == NULL) {
		field_errors_add(
		    &ctx->errors, "tags", "« Mots-clés » doit être une liste de mots séparés par des virgules.");
		return NULL;
	}
	for (char *save = NULL, *tok = strtok_r(text, ",|", &save); tok; tok = strtok_r(NULL, ",|", &save)) {
		size_t n;
		const char *key;
		while (*tok == ' ' || *tok == '\t')
			tok++;
		n = strlen(tok);
		while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
			tok[--n] = '\0';
		if (n == 0)
			continue;
		if (!utf8_valid(tok, n) || utf8_length(tok, n) > RESOURCE_TAG_MAX_CHARS) {
			field_errors_add(&ctx->errors, "tags",
			    arena_printf(ctx->arena, "« Mots-clés » : chaque mot-clé a %d caractères au plus.",
			        RESOURCE_TAG_MAX_CHARS));
			return NULL;
		}
		key = utf8_fold_key(ctx->arena, tok, n);
		if (*key == '\0' || pole_codes_has(keys, key))
			continue;
		if (++count > RESOURCE_TAGS_MAX) {
			field_errors_add(&ctx->errors, "tags",
			    arena_printf(ctx->arena, "« Mots-clés » : %d mots-clés au plus.", RESOURCE_TAGS_MAX));
			return NULL;
		}
		keys = arena_printf(ctx->arena, "%s|%s", keys, key);
		out = arena_printf(ctx->arena, "%s%s%s", out, *out ? "|" : "", tok);
	}
	return out;
}

/* True for an https URL with a host and nothing a browser would not take as written. */
static bool
https_url_ok(const char *u)
{
	size_t host;

	if (u == NULL || strncasecmp(u, "https://", 8) != 0)
		return false;
	host = strcspn(u + 8, "/?#");
	if (host == 0)
		return false;
	for (const unsigned char *c = (const unsigned char *)u; *c; c++)
		if (*c <= ' ' || *c == 0x7f || *c == '<' || *c == '>' || *c == '"' || *c == '\\')
			return false;
	return true;
}

/* The pole of a new resource: the one asked for, or the actor's only one; the actor must be its staff. */
static tr_err
resource_pole(struct ctx *ctx, int64_t asked, int64_t *pole)
{
	json_t *mine = NULL, *p;
	size_t i;
	tr_err err = pole_mine(ctx, &mine);

	if (err != TR_OK)
		return err;
	*pole = 0;
	if (asked <= 0 && json_array_size(mine) == 1)
		*pole = json_integer_value(json_object_get(json_array_get(mine, 0), "id"));
	json_array_foreach(mine, i, p) if (json_integer_value(json_object_get(p, "id")) == asked) *pole = asked;
	json_decref(mine);
	if (*pole == 0)
		field_errors_add(&ctx->errors, "pole_id",
		    asked > 0 ? "« Pôle » : vous ne faites pas partie de l'équipe de ce pôle."
		              : "« Pôle » est obligatoire : choisissez le pôle qui publie la ressource.");
	return TR_OK;
}

/* Checks the document of a resource of kind file: present, 10 Mo at most, a known type by content that agrees
 * with its extension. *TYPE receives the type. */
static void
check_file(struct ctx *ctx, const struct resource_upload *file, const struct resource_type **type)
{
	const char *ext;

	*type = NULL;
	if (file == NULL || file->size == 0) {
		field_errors_add(
		    &ctx->errors, "file", "« Fichier » est obligatoire pour un document : choisissez un fichier.");
		return;
	}
	if (file->size > RESOURCE_FILE_MAX) {
		field_errors_add(&ctx->errors, "file", "« Fichier » ne doit pas dépasser 10 Mo.");
		return;
	}
	*type = resource_sniff(file->data, file->size);
	if (*type == NULL) {
		field_errors_add(&ctx->errors, "file",
		    "« Fichier » doit être un document PDF ou ODT, ou une image PNG ou JPEG : son contenu ne "
		    "correspond à "
		    "aucun de ces types.");
		return;
	}
	ext = extension_of(ctx->arena, file->name);
	if (strcmp(ext, "jpeg") == 0)
		ext = "jpg";
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(ext, types[i].ext) == 0 && &types[i] != *type) {
			field_errors_add(&ctx->errors, "file",
			    arena_printf(ctx->arena,
			        "« Fichier » : son contenu (%s) ne correspond pas à son extension (.%s) ; vérifiez le "
			        "fichier.",
			        (*type)->label, ext));
			*type = NULL;
			return;
		}
}

tr_err
resource_create(struct ctx *ctx, json_t *in, const struct resource_upload *file, int64_t *id)
{
	json_t *c = NULL, *copy, *detail;
	const struct resource_type *type = NULL;
	const char *kind, *tags, *url, *name = NULL;
	char sha[SEC_SHA256_HEX] = "";
	bool has_file = file != NULL && file->size > 0;
	struct db_rows *r;
	int64_t pole = 0;
	tr_err err;

	if ((err = authz_require(ctx, RESOURCE_WRITERS)) != TR_OK)
		return err;
	/* The validator wants text: tags sent as an array are checked here and passed on joined. */
	tags = tags_of(ctx, json_object_get(in, "tags"));
	copy = json_deep_copy(in ? in : json_object());
	json_object_set_new(copy, "tags", tags ? json_string(tags) : json_null());
	err = entity_validate(&entity_resource, copy, false, ctx->arena, &ctx->errors, &c);
	json_decref(copy);
	if ((err = resource_pole(ctx, json_integer_value(json_object_get(c, "pole_id")), &pole)) != TR_OK)
		goto out_nodb;
	url = json_str(c, "url");
	kind = json_str(c, "kind");
	if (kind == NULL)
		kind = has_file ? "file" : url ? "link" : NULL;
	if (kind == NULL) {
		field_errors_add(
		    &ctx->errors, "file", "« Fichier » : joignez un document, ou indiquez l'adresse d'un lien.");
	} else if (strcmp(kind, "file") == 0) {
		check_file(ctx, file, &type);
		url = NULL;
	} else if (!https_url_ok(url)) {
		field_errors_add(&ctx->errors, "url",
		    url ? "« Adresse du lien » doit être une adresse sécurisée commençant par https://, sans espace."
		        : "« Adresse du lien » est obligatoire pour un lien.");
	}
	if (ctx->errors.n) {
		err = TR_INVALID;
		goto out_nodb;
	}
	if (type) {
		name = resource_file_name(ctx->arena, file->name, type);
		sec_sha256_hex(file->data, file->size, sha);
	}
	TRY(tx_begin(ctx));
	{
		const char *title = json_str(c, "title"), *desc = json_str(c, "description");
		const char *both = arena_printf(ctx->arena, "%s %s", title, desc ? desc : "");
		TRY(db_onev(ctx->db, ctx->arena,
		    "INSERT INTO resources (pole_id, kind, title, description, url, tags, file, file_name, file_type, "
		    "file_size, search_key, author_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		    "?, ?, "
		    "?, ?) RETURNING id",
		    &r, DB_I64(pole), DB_TEXT(kind), DB_TEXT(title), DB_TEXT(desc), DB_TEXT(url), DB_TEXT(tags),
		    type ? DB_BLOB(file->data, file->size) : DB_NULLV, DB_TEXT(name), DB_TEXT(type ? type->mime : NULL),
		    type ? DB_I64(file->size) : DB_NULLV, DB_TEXT(utf8_fold_key(ctx->arena, both, strlen(both))),
		    ctx->actor ? DB_I64(ctx->actor->person_id) : DB_NULLV, DB_I64(ctx->now), DB_I64(ctx->now)));
	}
	*id = db_int(db_cell(r, 0, 0));
	detail = json_pack("{s:I, s:s, s:O, s:s?, s:s, s:s?, s:s?, s:s?}", "pole_id", (json_int_t)pole, "kind", kind,
	    "title", json_object_get(c, "title"), "url", url, "tags", tags, "file_name", name, "file_type",
	    type ? type->mime : NULL, "file_sha256", type ? sha : NULL);
	if (type)
		json_object_set_new(detail, "file_size", json_integer((json_int_t)file->size));
	err = journal_append(ctx, "resource", *id, "create", detail);
	json_decref(detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	return err;
}

#define RESOURCE_SELECT                                                                                              \
	"SELECT r.id, r.pole_id, po.name AS pole_name, r.kind, r.title, r.description, r.url, r.tags, r.file_name, " \
	"r.file_type, r.file_size, pe.name AS author_name, r.created_at, r.version FROM resources r JOIN poles po "  \
	"ON po.id = r.pole_id LEFT JOIN people pe ON pe.id = r.author_id "

/* The '|'-joined TAGS as a JSON array. */
static json_t *
tag_array(const char *tags)
{
	json_t *a = json_array();

	for (const char *p = tags ? tags : ""; *p;) {
		size_t n = strcspn(p, "|");
		if (n)
			json_array_append_new(a, json_stringn(p, n));
		p += n + (p[n] == '|');
	}
	return a;
}

static json_t *
resource_json(const struct db_rows *r, size_t i)
{
	json_t *o = row_json(r, i);

	json_object_set_new(o, "tags", tag_array(json_str(o, "tags")));
	return o;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every tag in use, sorted, once. */
static tr_err
tags_in_use(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	const char **all;
	size_t n = 0, cap = 0;
	tr_err err = db_queryv(ctx->db, ctx->arena, "SELECT DISTINCT tags FROM resources WHERE tags <> ''", &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < r->nrows; i++)
		cap += (size_t)RESOURCE_TAGS_MAX;
	all = arena_alloc(ctx->arena, (cap + 1) * sizeof(*all));
	for (size_t i = 0; i < r->nrows; i++) {
		const char *p = db_cell(r, i, 0)->s.p;
		while (*p && n < cap) {
			size_t len = strcspn(p, "|");
			if (len)
				all[n++] = arena_strndup(ctx->arena, p, len);
			p += len + (p[len] == '|');
		}
	}
	qsort(all, n, sizeof(*all), cmp_str);
	*out = json_array();
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
			json_array_append_new(*out, json_string(all[i]));
	return TR_OK;
}

/* TAG with LIKE's wildcards and the escape character escaped (ESCAPE '\'). */
static const char *
like_escaped(struct arena *a, const char *tag)
{
	char *out = arena_alloc(a, strlen(tag) * 2 + 1), *o = out;

	for (const char *c = tag; *c; c++) {
		if (*c == '%' || *c == '_' || *c == '\\')
			*o++ = '\\';
		*o++ = *c;
	}
	*o = '\0';
	return out;
}

tr_err
resource_list(struct ctx *ctx, const struct resource_filter *f, json_t **out)
{
	struct db_val p[WORDS_MAX + 4];
	size_t np = 0, nwords = 0;
	const char *where = "1 = 1";
	int64_t page = f->page > 0 ? f->page : 1, per = f->per_page > 0 ? f->per_page : PER_PAGE;
	struct db_rows *r, *c, *po;
	json_t *items, *tags = NULL;
	tr_err err;

	if ((err = authz_require(ctx, RESOURCE_READERS)) != TR_OK)
		return err;
	if (per > PER_PAGE_MAX)
		per = PER_PAGE_MAX;
	if (f->q && *f->q) {
		char *key = utf8_fold_key(ctx->arena, f->q, utf8_valid(f->q, strlen(f->q)) ? strlen(f->q) : 0);
		for (char *save = NULL, *w = strtok_r(key, " ", &save); w && nwords < WORDS_MAX;
		     w = strtok_r(NULL, " ", &save), nwords++) {
			where = arena_printf(ctx->arena, "%s AND r.search_key LIKE ?", where);
			p[np++] = DB_TEXT(arena_printf(ctx->arena, "%%%s%%", w));
		}
	}
	if (f->tag && *f->tag) {
		where = arena_printf(ctx->arena, "%s AND ('|' || r.tags || '|') LIKE ? ESCAPE '\\'", where);
		p[np++] = DB_TEXT(arena_printf(ctx->arena, "%%|%s|%%", like_escaped(ctx->arena, f->tag)));
	}
	if (f->pole_id > 0) {
		where = arena_printf(ctx->arena, "%s AND r.pole_id = ?", where);
		p[np++] = DB_I64(f->pole_id);
	}
	if ((err = db_query(ctx->db, ctx->arena,
	         arena_printf(ctx->arena, "SELECT COUNT(*) FROM resources r WHERE %s", where), p, np, &c)) != TR_OK)
		return ctx_storage_error(ctx, err);
	p[np++] = DB_I64(per);
	p[np++] = DB_I64((page - 1) * per);
	if ((err = db_query(ctx->db, ctx->arena,
	         arena_printf(ctx->arena,
	             RESOURCE_SELECT "WHERE %s ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?", where),
	         p, np, &r)) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena, "SELECT id, name FROM poles ORDER BY name, id", &po)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if ((err = tags_in_use(ctx, &tags)) != TR_OK)
		return err;
	items = json_array();
	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(items, resource_json(r, i));
	*out =
	    json_pack("{s:o, s:I, s:I, s:I, s:o, s:o}", "items", items, "total", (json_int_t)db_int(db_cell(c, 0, 0)),
	        "page", (json_int_t)page, "per_page", (json_int_t)per, "tags", tags, "poles", rows_json(po));
	return TR_OK;
}

tr_err
resource_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, RESOURCE_READERS)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, RESOURCE_SELECT "WHERE r.id = ?", &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette ressource n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = resource_json(r, 0);
	return TR_OK;
}

tr_err
resource_file(struct ctx *ctx, int64_t id, struct resource_file *out)
{
	struct db_rows *r;
	const struct db_val *data;
	tr_err err;

	if ((err = authz_require(ctx, RESOURCE_READERS)) != TR_OK)
		return err;
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT kind, file_name, file_type, file FROM resources WHERE id = ?", &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette ressource n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	data = db_cell(r, 0, 3);
	if (strcmp(db_cell(r, 0, 0)->s.p, "file") != 0 || db_isnull(data))
		return ctx_fail(
		    ctx, TR_NOT_FOUND, "Cette ressource est un lien : elle n'a pas de document à télécharger.");
	out->name = db_text(db_cell(r, 0, 1));
	out->type = db_text(db_cell(r, 0, 2));
	out->data = data->s.p;
	out->size = data->s.n;
	return TR_OK;
}
