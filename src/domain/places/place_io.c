/* Places in files: CSV (libcsv) and JSON import with its French report, export in CSV, JSON and GeoJSON,
 * and the synthetic file of the benchmark. */
#include "domain/places/place.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/csv.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/strmap.h"
#include "core/utf8.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/places/place_store.h"

#define CSV_COLUMNS_MAX 200
#define PROBLEMS_MAX 1000
#define INSERT_BATCH 200
#define EXPORT_FLUSH (64u << 10)

/* ---- CSV ----------------------------------------------------------------------------------------------- */

struct csv_state {
	struct buf field; /* the bytes of the current row's fields, each NUL-terminated */
	size_t offsets[CSV_COLUMNS_MAX];
	size_t lens[CSV_COLUMNS_MAX];
	size_t nfields;
	bool too_many;
	place_csv_row_fn row;
	void *ud;
	int64_t start_line;
	bool in_record, stop;
	tr_err err;
};

static void
csv_on_field(void *data, size_t n, void *ud)
{
	struct csv_state *st = ud;

	if (st->stop)
		return;
	if (st->nfields == CSV_COLUMNS_MAX) {
		st->too_many = true;
		return;
	}
	st->offsets[st->nfields] = st->field.n;
	st->lens[st->nfields] = n;
	if (buf_append(&st->field, data ? data : "", n) != TR_OK || buf_putc(&st->field, '\0') != TR_OK) {
		st->err = TR_TOO_LARGE;
		st->stop = true;
		return;
	}
	st->nfields++;
}

static void
csv_on_row(int c, void *ud)
{
	struct csv_state *st = ud;
	struct str fields[CSV_COLUMNS_MAX];

	(void)c;
	st->in_record = false;
	if (st->stop)
		return;
	if (st->too_many) {
		st->err = TR_TOO_LARGE;
		st->stop = true;
		return;
	}
	for (size_t i = 0; i < st->nfields; i++)
		fields[i] = (struct str){ st->field.p + st->offsets[i], st->lens[i] };
	if (st->row(st->ud, st->start_line, fields, st->nfields) != 0)
		st->stop = true;
	st->nfields = 0;
	buf_reset(&st->field);
}

static bool
blank_line(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t')
			return false;
	return true;
}

tr_err
place_csv_parse(const char *data, size_t n, place_csv_row_fn row, void *ud, int64_t *line)
{
	struct csv_parser parser;
	struct csv_state st = { .field = BUF_INIT(PLACE_ROW_MAX), .row = row, .ud = ud };
	const char *p = data, *end = data + n;
	size_t record_bytes = 0;
	int64_t lineno = 0;

	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
		tr_oom("csv parser");
	while (p < end && !st.stop) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		lineno++;
		if (!st.in_record) {
			if (blank_line(p, len)) {
				p += len;
				continue;
			}
			st.in_record = true;
			st.start_line = lineno;
			record_bytes = 0;
		}
		record_bytes += len;
		if (record_bytes > PLACE_ROW_MAX) {
			st.err = TR_TOO_LARGE;
			st.start_line = lineno;
			break;
		}
		if (csv_parse(&parser, p, len, csv_on_field, csv_on_row, &st) != len) {
			st.err = TR_INVALID;
			break;
		}
		p += len;
	}
	if (st.err == TR_OK && !st.stop && csv_fini(&parser, csv_on_field, csv_on_row, &st) != 0)
		st.err = TR_INVALID;
	*line = st.err == TR_INVALID ? (st.in_record ? st.start_line : lineno) : st.start_line;
	csv_free(&parser);
	buf_free(&st.field);
	return st.err;
}

tr_err
place_csv_record(struct buf *out, const char *const *values)
{
	const char *cells[PLACE_NFIELDS];
	bool guard[PLACE_NFIELDS];
	size_t n = 0;

	for (int i = 0; i < PLACE_NFIELDS; i++)
		if (place_fields[i].flags & FF_EXPORTED) {
			cells[n] = values[i];
			guard[n++] = place_fields[i].type != FT_NUMBER; /* "-1.5" is a coordinate, not a formula */
		}
	return csv_record(out, cells, n, guard);
}

/* ---- import: reading rows ------------------------------------------------------------------------------ */

struct import {
	struct ctx *ctx;
	const struct place_import_opts *opts;
	struct place_report *rep;
	bool json;
	/* CSV: the header's column of each standard field (-1: absent) and the number of columns. */
	int column[PLACE_NFIELDS];
	size_t ncolumns;
	bool header_done;
	struct strmap existing; /* id -> fingerprint */
	struct strmap seen;     /* id -> line of the file that gave it, as an integer */
	struct commune_cache communes;
	struct place_row **rows;
	size_t nrows, cap;
	size_t size, lines;
	int64_t last_progress;
};

static void
problem(struct import *im, int64_t line, const char *column, const char *value, const char *message)
{
	struct place_report *rep = im->rep;

	if (rep->nproblems == PROBLEMS_MAX) {
		rep->more++;
		return;
	}
	if (rep->problems == NULL)
		rep->problems = arena_alloc(im->ctx->arena, PROBLEMS_MAX * sizeof(*rep->problems));
	/* A value read from the file is quoted back as it was, its bytes that are not UTF-8 shown as U+FFFD: the
	 * report goes into pages and JSON, which take only UTF-8 (the row's message says the value is not UTF-8). */
	rep->problems[rep->nproblems++] = (struct place_problem){ line, column ? column : "",
		value ? utf8_scrub(im->ctx->arena, value, strlen(value)) : "", message ? message : "" };
}

static void
progress(struct import *im, size_t done)
{
	int64_t pct;

	if (im->opts == NULL || im->opts->progress == NULL || im->size == 0)
		return;
	pct = (int64_t)(done * 100 / (im->size * 2));
	if (pct != im->last_progress) {
		im->last_progress = pct;
		im->opts->progress(im->opts->progress_ud, done, im->size * 2);
	}
}

/* Copies the N values VALS into R's place, in one block of A; the coordinates in their canonical text. */
static void
row_values(struct arena *a, struct place_row *r, const struct str *vals)
{
	size_t total = 0;
	char *block;

	for (int i = 0; i < PLACE_NFIELDS; i++)
		total += vals[i].n + 1;
	block = arena_alloc(a, total);
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		memcpy(block, vals[i].p, vals[i].n);
		block[vals[i].n] = '\0';
		r->p.v[i] = block;
		block += vals[i].n + 1;
	}
	for (int i = PLACE_F_LATITUDE; i <= PLACE_F_LONGITUDE; i++)
		if (vals[i].n > 0)
			r->p.v[i] = place_number_canonical(a, vals[i].p, vals[i].n);
}

/* Validates the values of one row (in the standard's order) and keeps it. */
static void
take_row(struct import *im, int64_t line, struct str *vals)
{
	struct ctx *ctx = im->ctx;
	struct field_errors fe = { .n = 0 };
	struct place_row *r;
	const char *id;
	intptr_t prev;

	im->rep->rows++;
	for (int i = 0; i < PLACE_NFIELDS; i++)
		vals[i] = str_trim(vals[i]);
	if (place_validate(vals, ctx->arena, &fe) != TR_OK) {
		im->rep->rejected++;
		for (size_t k = 0; k < fe.n; k++) {
			int f = place_field_index(fe.items[k].field, strlen(fe.items[k].field));
			problem(im, line, fe.items[k].field, f >= 0 ? arena_str(ctx->arena, vals[f]) : "",
			    fe.items[k].message);
		}
		return;
	}
	r = arena_alloc(ctx->arena, sizeof(*r));
	row_values(ctx->arena, r, vals);
	id = r->p.v[PLACE_F_ID];
	if ((prev = (intptr_t)strmap_getn(&im->seen, id, vals[PLACE_F_ID].n)) != 0) {
		im->rep->rejected++;
		problem(im, line, "id", id,
		    arena_printf(ctx->arena, "« %s » : « %s » est déjà l'identifiant %s %lld du fichier.",
		        place_fields[PLACE_F_ID].label, id, im->json ? "de l'objet" : "de la ligne", (long long)prev));
		return;
	}
	/* Lines count from 1 (JSON objects too): never a NULL value. */
	strmap_put_borrowed(&im->seen, id, vals[PLACE_F_ID].n, (void *)(intptr_t)line);
	r->p.networks = "";
	if (im->nrows == im->cap) {
		struct place_row **grown;
		im->cap = im->cap ? im->cap * 2 : 1024;
		grown = arena_alloc(ctx->arena, im->cap * sizeof(*grown));
		if (im->nrows)
			memcpy(grown, im->rows, im->nrows * sizeof(*grown));
		im->rows = grown;
	}
	im->rows[im->nrows++] = r;
}

static const char *
join_names(struct arena *a, const char *const *names, size_t n)
{
	struct buf b = BUF_INIT(0);

	for (size_t i = 0; i < n; i++)
		if ((i && buf_puts(&b, ", ") != TR_OK) || buf_puts(&b, names[i]) != TR_OK)
			tr_oom("names");
	return buf_to_arena(&b, a);
}

/* The header: every column must be a column of the standard, every required column present. */
static bool
take_header(struct import *im, const struct str *fields, size_t n)
{
	struct arena *a = im->ctx->arena;
	const char *unknown[CSV_COLUMNS_MAX], *missing[PLACE_NFIELDS];
	size_t nu = 0, nm = 0;

	for (int i = 0; i < PLACE_NFIELDS; i++)
		im->column[i] = -1;
	for (size_t k = 0; k < n; k++) {
		struct str name = str_trim(fields[k]);
		int f = place_field_index(name.p, name.n);
		/* A name that is not UTF-8 could not be quoted in the French reason (nor sent as JSON). */
		if (!utf8_valid(name.p, name.n)) {
			im->rep->fatal = "L'en-tête (ligne 1) n'est pas en UTF-8 : enregistrez le fichier en UTF-8 et "
			                 "recommencez.";
			return false;
		}
		if (f < 0) {
			unknown[nu++] = arena_printf(a, "« %s »", arena_str(a, name));
		} else if (im->column[f] >= 0) {
			im->rep->fatal = arena_printf(
			    a, "La colonne « %s » apparaît deux fois dans l'en-tête.", place_fields[f].name);
			return false;
		} else {
			im->column[f] = (int)k;
		}
	}
	for (int i = 0; i < PLACE_NFIELDS; i++)
		if (im->column[i] < 0 && place_fields[i].required)
			missing[nm++] = arena_printf(a, "« %s »", place_fields[i].name);
	if (nu > 0)
		im->rep->fatal = arena_printf(a, "Colonnes inconnues du standard dans l'en-tête (ligne 1) : %s.%s%s",
		    join_names(a, unknown, nu), nm ? " Colonnes obligatoires absentes : " : "",
		    nm ? join_names(a, missing, nm) : "");
	else if (nm > 0)
		im->rep->fatal = arena_printf(
		    a, "Colonnes obligatoires absentes de l'en-tête (ligne 1) : %s.", join_names(a, missing, nm));
	im->ncolumns = n;
	im->header_done = true;
	return im->rep->fatal == NULL;
}

static int
csv_row(void *ud, int64_t line, const struct str *fields, size_t n)
{
	struct import *im = ud;
	struct str vals[PLACE_NFIELDS];

	if (!im->header_done)
		return take_header(im, fields, n) ? 0 : 1;
	if (n != im->ncolumns) {
		im->rep->rows++;
		im->rep->rejected++;
		problem(im, line, "", "",
		    arena_printf(im->ctx->arena, "La ligne compte %zu valeurs au lieu des %zu colonnes de l'en-tête.",
		        n, im->ncolumns));
		return 0;
	}
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		vals[i] = im->column[i] >= 0 ? fields[im->column[i]] : (struct str){ "", 0 };
		/* The apostrophe the exporter put before a cell a spreadsheet would run is not part of the value. */
		size_t skip = csv_unguard(vals[i].p, vals[i].n);
		vals[i].p += skip;
		vals[i].n -= skip;
	}
	take_row(im, line, vals);
	if (im->lines > 0)
		progress(im, (size_t)((double)im->size * (double)line / (double)im->lines));
	return 0;
}

static tr_err
read_csv(struct import *im, const char *data, size_t n)
{
	int64_t line = 0;
	tr_err err;

	for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + n - p))) != NULL; p++)
		im->lines++;
	err = place_csv_parse(data, n, csv_row, im, &line);

	if (im->rep->fatal)
		return TR_INVALID;
	if (err == TR_TOO_LARGE)
		im->rep->fatal = arena_printf(im->ctx->arena,
		    "La ligne %lld dépasse 64 Kio (ou compte plus de %d colonnes) : le fichier n'est pas lu plus loin.",
		    (long long)line, CSV_COLUMNS_MAX);
	else if (err == TR_INVALID)
		im->rep->fatal = arena_printf(im->ctx->arena,
		    "Le fichier n'est pas un CSV valide près de la ligne %lld (guillemets mal fermés ?).",
		    (long long)line);
	else if (!im->header_done)
		im->rep->fatal =
		    "Le fichier est vide : il doit commencer par la ligne d'en-tête des colonnes du standard.";
	return im->rep->fatal ? TR_INVALID : TR_OK;
}

/* One object of a JSON file. */
static void
json_row(struct import *im, int64_t index, json_t *o)
{
	struct arena *a = im->ctx->arena;
	struct str vals[PLACE_NFIELDS] = { { 0 } };
	const char *key;
	json_t *v;
	bool bad = false;

	if (!json_is_object(o)) {
		im->rep->rows++;
		im->rep->rejected++;
		problem(im, index, "", "", "L'élément n'est pas un objet JSON.");
		return;
	}
	json_object_foreach(o, key, v)
	{
		int f = place_field_index(key, strlen(key));
		const char *s = NULL;
		if (f < 0) {
			/* The key lives in the parsed file, freed before the report is read: the report keeps a copy. */
			problem(im, index, arena_strdup(a, key), "",
			    arena_printf(a, "« %s » n'est pas une colonne du standard.", key));
			bad = true;
			continue;
		}
		if (json_is_string(v))
			vals[f] = (struct str){ json_string_value(v), json_string_length(v) };
		else if (json_is_integer(v))
			s = arena_printf(a, "%lld", (long long)json_integer_value(v));
		else if (json_is_real(v))
			s = place_number_text(a, json_real_value(v));
		else if (!json_is_null(v)) {
			problem(im, index, arena_strdup(a, key), "",
			    arena_printf(a, "« %s » doit être une chaîne ou un nombre.", place_fields[f].label));
			bad = true;
		}
		if (s)
			vals[f] = str_c(s);
	}
	if (bad) {
		im->rep->rows++;
		im->rep->rejected++;
		return;
	}
	for (int i = 0; i < PLACE_NFIELDS; i++)
		if (vals[i].p == NULL)
			vals[i] = (struct str){ "", 0 };
	take_row(im, index, vals);
}

static tr_err
read_json(struct import *im, const char *data, size_t n)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, n, 0, &jerr);

	if (root == NULL || !json_is_array(root)) {
		im->rep->fatal = root == NULL ? arena_printf(im->ctx->arena,
		                                    "Le fichier n'est pas un JSON valide (ligne %d, colonne %d) : %s.",
		                                    jerr.line, jerr.column, jerr.text)
		                              : "Le fichier JSON doit contenir un tableau d'objets.";
		json_decref(root);
		return TR_INVALID;
	}
	for (size_t i = 0; i < json_array_size(root); i++) {
		json_t *o = json_array_get(root, i);
		char *text = json_dumps(o, JSON_COMPACT);
		size_t len = text ? strlen(text) : 0;
		free(text);
		if (len > PLACE_ROW_MAX) {
			im->rep->fatal = arena_printf(
			    im->ctx->arena, "L'objet %zu dépasse 64 Kio : le fichier n'est pas lu plus loin.", i + 1);
			break;
		}
		json_row(im, (int64_t)i + 1, o);
		progress(im, (i + 1) * im->size / json_array_size(root));
	}
	json_decref(root);
	return im->rep->fatal ? TR_INVALID : TR_OK;
}

/* ---- import: writing ----------------------------------------------------------------------------------- */

static int
existing_row(void *ud, const struct db_val *c, size_t ncols, const char **names)
{
	struct import *im = ud;

	(void)ncols;
	(void)names;
	strmap_put(&im->existing, db_text(&c[0]), arena_strdup(im->ctx->arena, db_text(&c[1])));
	return 0;
}

/* Writes R over the stored place of the same id (its extras kept), journaled with the values before and after. */
static tr_err
update_row(struct import *im, struct place_row *r)
{
	struct ctx *ctx = im->ctx;
	struct place *before;
	int64_t changed = 0;
	tr_err err;

	if ((err = place_load(ctx, r->p.v[PLACE_F_ID], &before)) != TR_OK)
		return err;
	r->p.organisation_id = before->organisation_id;
	r->p.netpublic = before->netpublic;
	r->p.listed_national = before->listed_national;
	r->p.networks = before->networks;
	if ((err = place_row_update(ctx, r, before->version, &changed)) != TR_OK)
		return err;
	if (changed == 0)
		return ctx_fail(ctx, TR_CONFLICT,
		    arena_printf(
		        ctx->arena, "Le lieu %s a été modifié pendant l'import : relancez-le.", r->p.v[PLACE_F_ID]));
	return place_journal(ctx, "update", r->p.v[PLACE_F_ID], place_journal_values(before, &r->p),
	    place_journal_values(&r->p, before));
}

static tr_err
write_rows(struct import *im)
{
	struct ctx *ctx = im->ctx;
	struct place_row **batch = arena_alloc(ctx->arena, INSERT_BATCH * sizeof(*batch));
	size_t nbatch = 0;
	json_t *detail;
	tr_err err = TR_OK;

	for (size_t i = 0; i < im->nrows && err == TR_OK; i++) {
		struct place_row *r = im->rows[i];
		const char *fp = strmap_get(&im->existing, r->p.v[PLACE_F_ID]);
		if ((err = place_row_derive(ctx, &im->communes, r)) != TR_OK)
			break;
		if (fp != NULL && strcmp(fp, r->fingerprint) == 0) {
			im->rep->unchanged++;
		} else if (fp != NULL) {
			im->rep->updated++;
			err = update_row(im, r);
		} else {
			im->rep->created++;
			batch[nbatch++] = r;
			if (nbatch == INSERT_BATCH) {
				err = place_rows_insert(ctx, batch, nbatch, NULL);
				nbatch = 0;
			}
		}
		if (i % 1000 == 0)
			progress(im, im->size + (i + 1) * im->size / im->nrows);
	}
	if (err == TR_OK && nbatch > 0)
		err = place_rows_insert(ctx, batch, nbatch, NULL);
	if (err == TR_OK && im->rep->created + im->rep->updated > 0) {
		if ((err = place_find_duplicates(ctx, NULL)) == TR_OK)
			err = place_bump_version(ctx);
	}
	if (err != TR_OK)
		return err;
	detail =
	    json_pack("{s:s, s:I, s:I, s:I, s:I}", "file", im->opts && im->opts->filename ? im->opts->filename : "",
	        "created", (json_int_t)im->rep->created, "updated", (json_int_t)im->rep->updated, "unchanged",
	        (json_int_t)im->rep->unchanged, "rejected", (json_int_t)im->rep->rejected);
	err = journal_append(ctx, "place", 0, "import", detail);
	json_decref(detail);
	return err;
}

tr_err
place_import(
    struct ctx *ctx, const char *data, size_t n, const struct place_import_opts *opts, struct place_report *rep)
{
	struct import im = { .ctx = ctx, .opts = opts, .rep = rep, .size = n, .last_progress = -1 };
	const char *p = data;
	tr_err err;

	memset(rep, 0, sizeof(*rep));
	if (!place_is_manager(ctx))
		return authz_require(ctx, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL));
	if (n > PLACE_FILE_MAX) {
		rep->fatal = "Le fichier dépasse 200 Mo : découpez-le en plusieurs fichiers.";
		return TR_INVALID;
	}
	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < data + n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	im.json = rep->json = p < data + n && *p == '[';
	strmap_init(&im.seen, ctx->arena, 1024);
	strmap_init(&im.existing, ctx->arena, 1024);
	err = im.json ? read_json(&im, p, (size_t)(data + n - p)) : read_csv(&im, data, n);
	if (err != TR_OK)
		return err;
	if (rep->rejected > 0 && !(opts && opts->skip_invalid))
		return TR_INVALID;
	TRY(tx_begin(ctx));
	TRY(db_each(ctx->db, "SELECT id, fingerprint FROM places", NULL, 0, existing_row, &im));
	TRY(commune_cache_load(ctx, &im.communes));
	TRY(write_rows(&im));
	err = tx_end(ctx, TR_OK);
	rep->imported = err == TR_OK;
	progress(&im, n * 2);
	return err;
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

static const char *
plural(int64_t n, const char *one, const char *many)
{
	return n > 1 ? many : one;
}

tr_err
place_report_text(const struct place_report *rep, struct buf *out)
{
	tr_err err = TR_OK;

	if (rep->fatal)
		return buf_printf(out, "Fichier refusé : %s\n", rep->fatal);
	for (size_t i = 0; i < rep->nproblems && err == TR_OK; i++) {
		const struct place_problem *pb = &rep->problems[i];
		err = buf_printf(out, "%s %lld%s%s : %s\n", rep->json ? "Objet" : "Ligne", (long long)pb->line,
		    *pb->column ? ", colonne " : "", pb->column, pb->message);
	}
	if (err == TR_OK && rep->more)
		err = buf_printf(out, "… et %zu autres problèmes.\n", rep->more);
	if (err == TR_OK && !rep->imported && rep->rejected > 0)
		err = buf_printf(out,
		    "Rien n'a été importé : %lld %s sur %lld. Corrigez le fichier, ou importez les lignes valides "
		    "avec --skip-invalid.\n",
		    (long long)rep->rejected, plural(rep->rejected, "ligne invalide", "lignes invalides"),
		    (long long)rep->rows);
	if (err == TR_OK)
		err = buf_printf(out, "%lld %s, %lld mis à jour, %lld %s, %lld %s.\n", (long long)rep->created,
		    plural(rep->created, "créé", "créés"), (long long)rep->updated, (long long)rep->unchanged,
		    plural(rep->unchanged, "inchangé", "inchangés"), (long long)rep->rejected,
		    plural(rep->rejected, "rejeté", "rejetés"));
	return err;
}

/* ---- export -------------------------------------------------------------------------------------------- */

enum place_format
place_format_of(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "csv") == 0)
		return PLACE_CSV;
	if (strcmp(name, "json") == 0)
		return PLACE_JSON;
	if (strcmp(name, "geojson") == 0)
		return PLACE_GEOJSON;
	return 0;
}

struct export
{
	enum place_format format;
	place_write_fn write;
	void *ud;
	struct buf out;
	size_t written;
	bool failed;
};

static int
flush(struct export *ex)
{
	if (ex->out.n > 0 && ex->write(ex->ud, ex->out.p, ex->out.n) != 0)
		ex->failed = true;
	buf_reset(&ex->out);
	return ex->failed ? 1 : 0;
}

static int
export_row(void *ud, const struct place *p)
{
	struct export *ex = ud;
	tr_err err = TR_OK;

	switch (ex->format) {
	case PLACE_CSV: err = place_csv_record(&ex->out, p->v); break;
	case PLACE_JSON:
		err = buf_puts(&ex->out, ex->written ? ",\n" : "\n");
		if (err == TR_OK)
			err = place_json_text(&ex->out, p);
		break;
	case PLACE_GEOJSON:
		if (*p->v[PLACE_F_LATITUDE] == '\0' || *p->v[PLACE_F_LONGITUDE] == '\0')
			break;
		err = buf_printf(&ex->out,
		    "%s{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%s,%s]},\"properties\":",
		    ex->written ? ",\n" : "\n", p->v[PLACE_F_LONGITUDE], p->v[PLACE_F_LATITUDE]);
		if (err == TR_OK)
			err = place_json_text(&ex->out, p);
		if (err == TR_OK)
			err = buf_putc(&ex->out, '}');
		break;
	}
	if (err != TR_OK) {
		ex->failed = true;
		return 1;
	}
	if (ex->out.n > 0 && (ex->format != PLACE_GEOJSON || *p->v[PLACE_F_LATITUDE]))
		ex->written++;
	return ex->out.n >= EXPORT_FLUSH ? flush(ex) : 0;
}

tr_err
place_export(struct ctx *ctx, enum place_format format, place_write_fn write, void *ud)
{
	struct export ex = { .format = format, .write = write, .ud = ud, .out = BUF_INIT(0) };
	const char *head = "", *tail = "";
	tr_err err;

	if (format == PLACE_CSV) {
		const char *names[PLACE_NFIELDS];
		for (int i = 0; i < PLACE_NFIELDS; i++)
			names[i] = place_fields[i].name;
		if (place_csv_record(&ex.out, names) != TR_OK)
			tr_oom("export");
	} else {
		head = format == PLACE_JSON ? "[" : "{\"type\":\"FeatureCollection\",\"features\":[";
		tail = format == PLACE_JSON ? "\n]\n" : "\n]}\n";
	}
	if (buf_puts(&ex.out, head) != TR_OK)
		tr_oom("export");
	err = place_each(ctx->db, true, export_row, &ex);
	if (err == TR_OK && !ex.failed) {
		if (buf_puts(&ex.out, tail) != TR_OK)
			tr_oom("export");
		flush(&ex);
	}
	if (err == TR_OK && ex.failed)
		err = TR_INTERNAL;
	buf_free(&ex.out);
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

/* ---- the full export, cached per places_version ----------------------------------------------------------- */

static pthread_mutex_t export_lock = PTHREAD_MUTEX_INITIALIZER;
static char export_private_dir[256]; /* made at first use when server.cache_dir is empty */

static const char *
format_ext(enum place_format format)
{
	return format == PLACE_CSV ? "csv" : format == PLACE_JSON ? "json" : "geojson";
}

static int
write_file(void *ud, const char *p, size_t n)
{
	return fwrite(p, 1, n, ud) == n ? 0 : 1;
}

/* Removes the exports of FORMAT in DIR other than KEEP (a file name). */
static void
drop_old_exports(const char *dir, enum place_format format, const char *keep)
{
	char suffix[16], path[512];
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	snprintf(suffix, sizeof(suffix), ".%s", format_ext(format));
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), k = strlen(suffix);
		if (strncmp(e->d_name, "places-", 7) != 0 || n <= k || strcmp(e->d_name + n - k, suffix) != 0 ||
		    strcmp(e->d_name, keep) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

/* Removes the private directory at exit (the exports it holds are only a cache). */
static void
drop_private_dir(void)
{
	for (int f = PLACE_CSV; f <= PLACE_GEOJSON; f++)
		drop_old_exports(export_private_dir, (enum place_format)f, "");
	rmdir(export_private_dir);
}

/* The directory of the cache: server.cache_dir, or a private one made once. Called under export_lock. */
static const char *
export_dir(const struct config *cfg)
{
	const char *tmp = getenv("TMPDIR");

	if (cfg->cache_dir[0] != '\0')
		return cfg->cache_dir;
	if (export_private_dir[0] == '\0') {
		snprintf(export_private_dir, sizeof(export_private_dir), "%s/tremplin-exports-XXXXXX",
		    tmp && *tmp ? tmp : "/tmp");
		if (mkdtemp(export_private_dir) == NULL) {
			log_error(
			    "exports: cannot make a directory in %s: %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
			export_private_dir[0] = '\0';
			return NULL;
		}
		atexit(drop_private_dir);
	}
	return export_private_dir;
}

tr_err
place_export_file(struct ctx *ctx, enum place_format format, const char **path)
{
	struct db_rows *r;
	const char *dir, *name, *final, *part;
	FILE *f;
	int64_t version = 0;
	tr_err err;

	err = db_onev(ctx->db, ctx->arena, "SELECT value FROM settings WHERE key = ?", &r, DB_TEXT("places_version"));
	if (err == TR_OK)
		version = db_int(db_cell(r, 0, 0));
	else if (err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	pthread_mutex_lock(&export_lock);
	if ((dir = export_dir(ctx->cfg)) == NULL) {
		err = ctx_fail(ctx, TR_UNAVAILABLE, "L'export complet n'est pas disponible pour le moment.");
		goto out;
	}
	name = arena_printf(ctx->arena, "places-%lld.%s", (long long)version, format_ext(format));
	final = arena_printf(ctx->arena, "%s/%s", dir, name);
	*path = final;
	if (access(final, R_OK) == 0)
		goto out; /* built already, by this process or another server sharing the directory */
	part = arena_printf(ctx->arena, "%s/.%s.%ld.part", dir, name, (long)getpid());
	if ((f = fopen(part, "wb")) == NULL) {
		log_error("exports: cannot write %s: %s", part, strerror(errno));
		err = ctx_fail(ctx, TR_UNAVAILABLE, "L'export complet n'est pas disponible pour le moment.");
		goto out;
	}
	err = place_export(ctx, format, write_file, f);
	if (fclose(f) != 0 && err == TR_OK)
		err = ctx_fail(ctx, TR_INTERNAL, "L'export complet n'a pas pu être écrit.");
	if (err == TR_OK && rename(part, final) != 0) {
		log_error("exports: cannot rename %s: %s", part, strerror(errno));
		err = ctx_fail(ctx, TR_INTERNAL, "L'export complet n'a pas pu être écrit.");
	}
	if (err != TR_OK)
		unlink(part);
	else
		drop_old_exports(dir, format, name);
out:
	pthread_mutex_unlock(&export_lock);
	return err;
}

/* ---- the synthetic file of the benchmark --------------------------------------------------------------- */

struct gen_commune {
	const char *code, *name, *postal;
	double latitude, longitude, weight; /* weight: cumulative */
};

struct gen_load {
	struct arena *a;
	struct gen_commune *items;
	size_t n, cap;
	double total;
};

static int
gen_load_row(void *ud, const struct db_val *c, size_t ncols, const char **names)
{
	struct gen_load *st = ud;
	struct gen_commune *g;
	const char *postal = db_text(&c[2]);

	(void)ncols;
	(void)names;
	if (postal == NULL || *postal == '\0')
		return 0;
	if (st->n == st->cap) {
		struct gen_commune *grown;
		st->cap = st->cap ? st->cap * 2 : 4096;
		grown = arena_alloc(st->a, st->cap * sizeof(*grown));
		if (st->n)
			memcpy(grown, st->items, st->n * sizeof(*grown));
		st->items = grown;
	}
	g = &st->items[st->n++];
	g->code = arena_strdup(st->a, db_text(&c[0]));
	g->name = arena_strdup(st->a, db_text(&c[1]));
	g->postal = arena_strndup(st->a, postal, strcspn(postal, "|"));
	g->latitude = db_real(&c[3]);
	g->longitude = db_real(&c[4]);
	/* Places follow people, with a floor so that small communes have some too. */
	st->total += sqrt((double)db_int(&c[5]) + 400.0);
	g->weight = st->total;
	return 0;
}

static uint64_t
gen_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ull;
}

static double
gen_unit(uint64_t *s)
{
	return (double)(gen_next(s) >> 11) / 9007199254740992.0;
}

#define PICK(s, list) (list)[gen_next(s) % (sizeof(list) / sizeof((list)[0]))]

static const char *const gen_kinds[] = { "Espace public numérique", "Médiathèque", "France Services", "Tiers-lieu",
	"Centre social", "Maison de quartier", "Point numérique", "Fab lab", "Bibliothèque", "Cyber-base",
	"Maison des associations", "Point Cyb", "Atelier numérique", "Espace emploi", "Maison de l'enfance" };
static const char *const gen_names[] = { "Jean Moulin", "Victor Hugo", "Louise Michel", "Jules Verne", "Simone Veil",
	"George Sand", "Marie Curie", "Jean Jaurès", "des Tilleuls", "du Centre", "des Halles", "de la Gare", "du Parc",
	"Pasteur", "Colette", "Olympe de Gouges", "Aimé Césaire", "Albert Camus", "Joséphine Baker", "Lucie Aubrac",
	"du Marché", "des Écoles", "de l'Europe", "Saint-Exupéry", "Jacques Prévert" };
static const char *const gen_streets[] = { "rue de la République", "avenue Jean Jaurès", "place de la Mairie",
	"rue Victor Hugo", "boulevard Gambetta", "rue du Général de Gaulle", "rue Pasteur", "allée des Tilleuls",
	"rue de la Gare", "chemin des Écoliers", "rue Nationale", "place du Marché", "rue des Écoles",
	"avenue de la Libération", "rue Émile Zola" };
static const char *const gen_hours[] = { "Mo-Fr 09:00-12:00,14:00-18:00",
	"Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00", "Tu-Sa 10:00-18:00", "Mo,We,Fr 14:00-18:00",
	"Mo-Th 09:00-17:00; Fr 09:00-12:00", "We 10:00-12:00,14:00-17:00; Sa 10:00-17:00", "Mo-Fr 08:30-12:30; PH off",
	"Tu-Fr 13:30-18:00; Sa 09:00-12:30", "Mo-Sa 09:00-19:00" };
static const char *const gen_sources[] = { "tremplin", "Hubik", "Conseiller numérique", "Mednum", "Département" };
static const char *const gen_resumes[] = { "Accompagnement aux usages du numérique pour tous les publics.",
	"Ateliers collectifs et aide individuelle aux démarches en ligne.",
	"Accès libre à des ordinateurs et à internet, avec un médiateur sur place.",
	"Initiation au smartphone, à la messagerie et aux services publics en ligne.",
	"Un lieu convivial pour apprendre, créer et réparer ensemble." };

/* A '|'-joined random subset (at least MIN values) of field F's vocabulary, in its order. */
static const char *
gen_subset(struct arena *a, uint64_t *s, const struct field *f, double share, int min)
{
	struct buf b = BUF_INIT(0);
	size_t first = gen_next(s) % place_nvalues(f);
	int taken = 0;

	for (size_t i = 0; i < place_nvalues(f); i++)
		if (gen_unit(s) < share || (taken < min && i == first)) {
			if ((b.n && buf_putc(&b, '|') != TR_OK) || buf_puts(&b, place_value(f, i)) != TR_OK)
				tr_oom("gen");
			taken++;
		}
	return buf_to_arena(&b, a);
}

static const struct gen_commune *
gen_commune(const struct gen_load *st, uint64_t *s)
{
	double x = gen_unit(s) * st->total;
	size_t lo = 0, hi = st->n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (st->items[mid].weight < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &st->items[lo];
}

static void
gen_place(struct arena *a, uint64_t *s, const struct gen_load *st, int64_t i, const char **v)
{
	const struct gen_commune *c = gen_commune(st, s);
	double lat = c->latitude + (gen_unit(s) - 0.5) * 0.05;
	double lon = c->longitude + (gen_unit(s) - 0.5) * 0.05 / cos(c->latitude * M_PI / 180);
	const char *kind = PICK(s, gen_kinds), *name = PICK(s, gen_names);
	const char *slug = utf8_fold_key(a, c->name, strlen(c->name));
	char *host = arena_strdup(a, slug);

	for (char *h = host; *h; h++)
		if (*h == ' ')
			*h = '-';
	for (int k = 0; k < PLACE_NFIELDS; k++)
		v[k] = "";
	v[PLACE_F_ID] = arena_printf(a, "gen-%06lld", (long long)i);
	v[PLACE_F_PIVOT] = arena_printf(a, "%09llu%05llu", (unsigned long long)(gen_next(s) % 1000000000ull),
	    (unsigned long long)(gen_next(s) % 100000ull));
	v[PLACE_F_NOM] = arena_printf(a, "%s %s", kind, name);
	v[PLACE_F_COMMUNE] = c->name;
	v[PLACE_F_CODE_POSTAL] = c->postal;
	v[PLACE_F_CODE_INSEE] = c->code;
	v[PLACE_F_ADRESSE] =
	    arena_printf(a, "%llu %s", (unsigned long long)(gen_next(s) % 150 + 1), PICK(s, gen_streets));
	v[PLACE_F_LATITUDE] = arena_printf(a, "%.5f", lat);
	v[PLACE_F_LONGITUDE] = arena_printf(a, "%.5f", lon);
	v[PLACE_F_TELEPHONE] =
	    arena_printf(a, "+33%09llu", (unsigned long long)(gen_next(s) % 900000000ull + 100000000ull));
	v[PLACE_F_COURRIELS] = arena_printf(a, "contact-%lld@%s.fr", (long long)i, host);
	if (gen_unit(s) < 0.6)
		v[PLACE_F_SITE_WEB] = arena_printf(a, "https://www.%s.fr/", host);
	v[PLACE_F_HORAIRES] = PICK(s, gen_hours);
	v[PLACE_F_PRESENTATION_RESUME] = PICK(s, gen_resumes);
	v[PLACE_F_SOURCE] = PICK(s, gen_sources);
	v[PLACE_F_ITINERANCE] = gen_unit(s) < 0.1 ? "Itinérant" : "Fixe";
	v[PLACE_F_DATE_MAJ] = arena_printf(a, "%04d-%02d-%02d", 2023 + (int)(gen_next(s) % 3),
	    1 + (int)(gen_next(s) % 12), 1 + (int)(gen_next(s) % 28));
	v[PLACE_F_SERVICES] = gen_subset(a, s, &place_fields[PLACE_F_SERVICES], 0.3, 1);
	v[PLACE_F_PUBLICS_SPECIFIQUEMENT_ADRESSES] =
	    gen_subset(a, s, &place_fields[PLACE_F_PUBLICS_SPECIFIQUEMENT_ADRESSES], 0.15, 0);
	v[PLACE_F_PRISE_EN_CHARGE_SPECIFIQUE] =
	    gen_subset(a, s, &place_fields[PLACE_F_PRISE_EN_CHARGE_SPECIFIQUE], 0.1, 0);
	v[PLACE_F_FRAIS_A_CHARGE] = gen_subset(a, s, &place_fields[PLACE_F_FRAIS_A_CHARGE], 0.0, 1);
	v[PLACE_F_DISPOSITIF_PROGRAMMES_NATIONAUX] =
	    gen_subset(a, s, &place_fields[PLACE_F_DISPOSITIF_PROGRAMMES_NATIONAUX], 0.12, 0);
	v[PLACE_F_MODALITES_ACCES] = gen_subset(a, s, &place_fields[PLACE_F_MODALITES_ACCES], 0.35, 1);
	v[PLACE_F_MODALITES_ACCOMPAGNEMENT] = gen_subset(a, s, &place_fields[PLACE_F_MODALITES_ACCOMPAGNEMENT], 0.4, 1);
}

tr_err
place_generate(struct ctx *ctx, int64_t n, uint64_t seed, place_write_fn write, void *ud)
{
	struct gen_load st = { .a = ctx->arena };
	struct buf out = BUF_INIT(0);
	const char *names[PLACE_NFIELDS], *v[PLACE_NFIELDS];
	uint64_t s = seed ? seed : 0x9e3779b97f4a7c15ull;
	struct arena *scratch = arena_new();
	tr_err err;

	err = db_each(ctx->db,
	    "SELECT code, name, postal_codes, latitude, longitude, population FROM communes WHERE latitude IS NOT NULL "
	    "ORDER BY code",
	    NULL, 0, gen_load_row, &st);
	if (err != TR_OK)
		goto out;
	if (st.n == 0) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Aucune commune localisée : lancez d'abord « tremplin seed ».");
		goto out;
	}
	for (int i = 0; i < PLACE_NFIELDS; i++)
		names[i] = place_fields[i].name;
	if ((err = place_csv_record(&out, names)) != TR_OK)
		goto out;
	for (int64_t i = 1; i <= n && err == TR_OK; i++) {
		gen_place(scratch, &s, &st, i, v);
		err = place_csv_record(&out, v);
		if (err == TR_OK && (out.n >= EXPORT_FLUSH || i == n)) {
			if (write(ud, out.p, out.n) != 0)
				err = TR_INTERNAL;
			buf_reset(&out);
			arena_free(scratch);
			scratch = arena_new();
		}
	}
	if (err == TR_OK && n <= 0 && write(ud, out.p, out.n) != 0)
		err = TR_INTERNAL;
out:
	arena_free(scratch);
	buf_free(&out);
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}
