/* The address geocoder of the directory: batches of approximate places sent to the CSV endpoint of the national
 * address API with libcurl, the results scored high enough stored as the places' coordinates. */
#include "domain/places/place_geocode.h"

#include <curl/curl.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/csv.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/places/place_store.h"
#include "store/db.h"

#define ANSWER_MAX (64u << 20) /* bytes of one answer */
#define CONNECT_SECONDS 10L
#define ANSWER_SECONDS 300L

/* The columns sent, in order. */
static const enum place_field_index sent_fields[] = { PLACE_F_ID, PLACE_F_ADRESSE, PLACE_F_CODE_POSTAL,
	PLACE_F_CODE_INSEE, PLACE_F_COMMUNE };
#define NSENT (sizeof(sent_fields) / sizeof(sent_fields[0]))

/* The CSV of the places IDS: a header, then one record a place. *SENT counts the records. */
static tr_err
batch_csv(struct ctx *ctx, const struct db_rows *ids, struct buf *csv, int64_t *sent)
{
	const char *values[NSENT];
	tr_err err;

	for (size_t k = 0; k < NSENT; k++)
		values[k] = place_fields[sent_fields[k]].name;
	if ((err = csv_record(csv, values, NSENT, NULL)) != TR_OK)
		return err;
	*sent = 0;
	for (size_t i = 0; i < ids->nrows; i++) {
		struct place *p;
		if ((err = place_load(ctx, db_text(db_cell(ids, i, 0)), &p)) != TR_OK)
			return err;
		for (size_t k = 0; k < NSENT; k++)
			values[k] = p->v[sent_fields[k]];
		if ((err = csv_record(csv, values, NSENT, NULL)) != TR_OK)
			return err;
		(*sent)++;
	}
	return TR_OK;
}

static size_t
take_answer(char *p, size_t size, size_t n, void *ud)
{
	return buf_append(ud, p, size * n) == TR_OK ? size * n : 0;
}

/* POSTs CSV to the geocoder; its answer into ANSWER. TR_UNAVAILABLE with a French message on any failure. */
static tr_err
post_batch(struct ctx *ctx, const struct buf *csv, struct buf *answer)
{
	static const char *const params[][2] = { { "columns", "adresse" }, { "columns", "commune" },
		{ "postcode", "code_postal" }, { "citycode", "code_insee" }, { "result_columns", "latitude" },
		{ "result_columns", "longitude" }, { "result_columns", "result_score" } };
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *curl = curl_easy_init();
	curl_mime *form = NULL;
	curl_mimepart *part;
	long status = 0;
	CURLcode rc;

	if (curl == NULL)
		return ctx_fail(ctx, TR_UNAVAILABLE, "Le géocodeur ne peut pas être appelé (libcurl).");
	form = curl_mime_init(curl);
	part = curl_mime_addpart(form);
	curl_mime_name(part, "data");
	curl_mime_filename(part, "lieux.csv");
	curl_mime_type(part, "text/csv");
	curl_mime_data(part, csv->p, csv->n);
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		part = curl_mime_addpart(form);
		curl_mime_name(part, params[i][0]);
		curl_mime_data(part, params[i][1], CURL_ZERO_TERMINATED);
	}
	curl_easy_setopt(curl, CURLOPT_URL, ctx->cfg->geocoder_url);
	curl_easy_setopt(curl, CURLOPT_MIMEPOST, form);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, take_answer);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "tremplin");
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, CONNECT_SECONDS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, ANSWER_SECONDS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_mime_free(form);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK)
		return ctx_fail(ctx, TR_UNAVAILABLE,
		    arena_printf(
		        ctx->arena, "Le géocodeur n'a pas répondu : %s.", errbuf[0] ? errbuf : curl_easy_strerror(rc)));
	if (status != 200)
		return ctx_fail(ctx, TR_UNAVAILABLE,
		    arena_printf(ctx->arena, "Le géocodeur a répondu par une erreur (HTTP %ld).", status));
	return TR_OK;
}

/* One result of the geocoder. */
struct result {
	const char *id, *latitude, *longitude; /* canonical text of the coordinates */
	double score;
	bool usable; /* coordinates and a score within bounds */
};

struct answer {
	struct arena *a;
	int column[4]; /* id, latitude, longitude, result_score */
	bool header_done, bad;
	struct result *items;
	size_t n, cap;
};

static int
answer_row(void *ud, int64_t line, const struct str *fields, size_t n)
{
	static const char *const names[4] = { "id", "latitude", "longitude", "result_score" };
	struct answer *st = ud;
	struct result *r;
	double lat, lon;

	(void)line;
	if (!st->header_done) {
		for (int k = 0; k < 4; k++) {
			st->column[k] = -1;
			for (size_t i = 0; i < n; i++)
				if (str_eq_c(fields[i], names[k]))
					st->column[k] = (int)i;
			st->bad = st->bad || st->column[k] < 0;
		}
		st->header_done = true;
		return st->bad;
	}
	for (int k = 0; k < 4; k++)
		if ((size_t)st->column[k] >= n)
			return st->bad = true;
	if (st->n == st->cap) {
		struct result *grown;
		st->cap = st->cap ? st->cap * 2 : 256;
		grown = arena_alloc(st->a, st->cap * sizeof(*grown));
		if (st->n)
			memcpy(grown, st->items, st->n * sizeof(*grown));
		st->items = grown;
	}
	r = &st->items[st->n++];
	r->id = arena_str(st->a, fields[st->column[0]]);
	r->usable = place_number_parse(fields[st->column[1]].p, fields[st->column[1]].n, &lat) &&
	            place_number_parse(fields[st->column[2]].p, fields[st->column[2]].n, &lon) &&
	            place_number_parse(fields[st->column[3]].p, fields[st->column[3]].n, &r->score) && lat >= -90 &&
	            lat <= 90 && lon >= -180 && lon <= 180 && r->score >= 0 && r->score <= 1;
	r->latitude = r->usable ? place_number_text(st->a, lat) : "";
	r->longitude = r->usable ? place_number_text(st->a, lon) : "";
	return 0;
}

/* Gives place R->id the coordinates of R, unless it changed meanwhile (*MOVED false). */
static tr_err
locate(struct ctx *ctx, const struct result *r, bool *moved)
{
	struct place *before;
	struct place_row row;
	int64_t changed = 0;
	tr_err err;

	*moved = false;
	err = place_load(ctx, r->id, &before);
	if (err == TR_NOT_FOUND)
		return TR_OK;
	if (err != TR_OK || (before->coords_approx == false && before->has_coords) || before->merged_into != NULL)
		return err;
	memset(&row, 0, sizeof(row));
	row.p = *before;
	row.p.v[PLACE_F_LATITUDE] = r->latitude;
	row.p.v[PLACE_F_LONGITUDE] = r->longitude;
	row.p.v[PLACE_F_DATE_MAJ] = place_today(ctx);
	if ((err = place_row_derive(ctx, NULL, &row)) != TR_OK ||
	    (err = place_row_update(ctx, &row, before->version, &changed)) != TR_OK || changed == 0)
		return err;
	*moved = true;
	return place_journal(
	    ctx, "geocode", r->id, place_journal_values(before, &row.p), place_journal_values(&row.p, before));
}

/* Stores the results of ANSWER scored at least the minimum, in one transaction. */
static tr_err
store_batch(struct ctx *ctx, const struct answer *answer, struct place_geocode_report *rep)
{
	double min = (double)ctx->cfg->geocoder_min_score / 100.0;
	int64_t located = 0;
	tr_err err;

	TRY(tx_begin(ctx));
	for (size_t i = 0; i < answer->n; i++) {
		const struct result *r = &answer->items[i];
		bool moved;
		if (!r->usable || r->score < min)
			continue;
		TRY(locate(ctx, r, &moved));
		located += moved;
		rep->skipped += !moved;
	}
	if (located > 0)
		TRY(place_bump_version(ctx));
	rep->located += located;
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
place_geocode(struct ctx *ctx, int64_t limit, struct place_geocode_report *rep)
{
	struct buf csv = BUF_INIT(PLACE_FILE_MAX), body = BUF_INIT(ANSWER_MAX);
	const char *after = "";
	tr_err err = TR_OK;

	memset(rep, 0, sizeof(*rep));
	if (!place_is_manager(ctx))
		return authz_require(ctx, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL));
	if (ctx->cfg->geocoder_url[0] == '\0')
		return ctx_fail(ctx, TR_INVALID, "Aucun géocodeur n'est configuré (réglage geocoder.url).");
	while (err == TR_OK && (limit <= 0 || rep->sent < limit)) {
		int64_t want =
		    limit > 0 && limit - rep->sent < PLACE_GEOCODE_BATCH ? limit - rep->sent : PLACE_GEOCODE_BATCH;
		struct answer answer = { .a = ctx->arena };
		struct db_rows *ids;
		int64_t sent = 0, line = 0;

		/* By id from where the last batch ended, so that a place kept approximate is not sent twice. */
		err = db_queryv(ctx->db, ctx->arena,
		    "SELECT id FROM places WHERE (coords_approx = 1 OR latitude IS NULL) AND merged_into IS NULL AND "
		    "id > ? "
		    "ORDER BY id LIMIT ?",
		    &ids, DB_TEXT(after), DB_I64(want));
		if (err != TR_OK || ids->nrows == 0)
			break;
		after = db_text(db_cell(ids, ids->nrows - 1, 0));
		buf_reset(&csv);
		buf_reset(&body);
		if ((err = batch_csv(ctx, ids, &csv, &sent)) != TR_OK)
			break;
		rep->sent += sent;
		if ((err = post_batch(ctx, &csv, &body)) != TR_OK)
			break;
		if (place_csv_parse(body.p ? body.p : "", body.n, answer_row, &answer, &line) != TR_OK || answer.bad ||
		    !answer.header_done) {
			err = ctx_fail(ctx, TR_UNAVAILABLE,
			    "La réponse du géocodeur n'est pas le CSV attendu (colonnes id, latitude, longitude, "
			    "result_score).");
			break;
		}
		err = store_batch(ctx, &answer, rep);
	}
	rep->kept = rep->sent - rep->located - rep->skipped;
	buf_free(&csv);
	buf_free(&body);
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}
