/* The national directory of places: reading one, creating and editing (who may, journaled, date_maj
 * following real changes, stale versions refused), import (upsert by id) and export in the standard's
 * formats, and the likely duplicates an admin merges or marks distinct. Every change bumps the setting
 * places_version in its transaction, so that each server refreshes its search index. */
#ifndef TR_DOMAIN_PLACE_H
#define TR_DOMAIN_PLACE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "domain/kernel/ctx.h"
#include "model/places/place.h"

/* Caps of an import file. */
#define PLACE_FILE_MAX (200u << 20) /* bytes */
#define PLACE_ROW_MAX (64u << 10)   /* bytes of one CSV row or JSON object */

/* A place: the standard's values in its order (canonical text, "" when empty; approximate coordinates
 * are not standard values and stay "") and what tremplin adds. */
struct place {
	const char *v[PLACE_NFIELDS];
	int64_t organisation_id; /* 0: none */
	const char *organisation_name;
	bool netpublic, listed_national, coords_approx;
	const char *networks;       /* '|'-joined codes of place_networks */
	double latitude, longitude; /* with has_coords: the file's, or the commune's when coords_approx */
	bool has_coords;
	const char *departement_code, *region_code; /* "" when the commune is unknown */
	const char *search_key;                     /* folded name, descriptions and commune ("" if not derived) */
	const char *merged_into;                    /* the place that absorbed this one, or NULL */
	int64_t version;
};

/* Reads place ID, following merged_into redirects (to the place that absorbed it): *OUT in ctx's arena,
 * its v[PLACE_F_ID] the id finally read. TR_NOT_FOUND with a French message. Public. */
TR_MUST_USE tr_err place_get(struct ctx *ctx, const char *id, struct place **out);

/* Reads place ID as it is stored, without following a redirect (*OUT's merged_into tells), in ctx's arena.
 * TR_NOT_FOUND or a storage error, with no message set. */
TR_MUST_USE tr_err place_load(struct ctx *ctx, const char *id, struct place **out);

/* Called with each place of place_each: P (in a scratch arena) and its strings (the row's own, not copied) are valid
 * during the call only.
 * Non-zero stops the scan. */
typedef int (*place_each_fn)(void *ud, const struct place *p);

/* Calls FN with every place not merged into another, by id when BY_ID (otherwise in storage order), streamed
 * from DB (db_each) so that the directory is never held whole. TR_OK when FN stopped it; storage errors as they
 * are. */
TR_MUST_USE tr_err place_each(struct db *db, bool by_id, place_each_fn fn, void *ud);

/* place_each for the places whose id is below MID (UPPER false) or from MID on (UPPER true), in storage order. */
TR_MUST_USE tr_err place_each_split(struct db *db, const char *mid, bool upper, place_each_fn fn, void *ud);

/* The place as JSON: the standard's fields (strings; latitude and longitude as numbers or null) and the
 * extras (organisation_id, organisation_name, netpublic, listed_national, networks [codes],
 * coords_approx, departement_code, region_code, version). The caller owns it. */
json_t *place_json(const struct place *p);

/* Appends to B the standard's FF_EXPORTED fields of P as one JSON object, the same values as place_json's (text as strings,
 * coordinates as numbers — reals, "5.0" — or null), written without a jansson tree: the one text of a place the
 * search index keeps and the JSON and GeoJSON exports stream. TR_TOO_LARGE at B's cap. */
TR_MUST_USE tr_err place_json_text(struct buf *b, const struct place *p);

/* The folded search key of P (utf8_fold_key of its name, descriptions and commune), in A. */
const char *place_search_key(struct arena *a, const struct place *p);

/* True when the actor may edit place P: admins and national officers all places, employer staff those
 * of their organisation; the command line (no actor) too. */
bool place_can_edit(const struct ctx *ctx, const struct place *p);

/* True when the actor may edit every place, import and add networks: admins and national officers (or the
 * command line). */
bool place_is_manager(const struct ctx *ctx);

/* True when the actor may create places: admins, national officers and employer staff (or the command line). */
bool place_can_create(const struct ctx *ctx);

/* Creates a place from IN (a JSON object: the standard's fields as strings or numbers, and the extras
 * organisation_id, netpublic, listed_national, networks as a '|'-joined string or an array). The id is
 * generated when absent; date_maj is today. Admins, national officers and employer staff (of their
 * organisation's places only: theirs when none is given). Likely duplicates are recorded for the admins
 * (place_duplicates_of lists them). *ID receives the id (ctx's arena). TR_INVALID with field errors (an id
 * already taken is one), TR_FORBIDDEN. */
TR_MUST_USE tr_err place_create(struct ctx *ctx, json_t *in, const char **id);

/* Updates place ID seen at VERSION from IN (same shape; absent fields keep their value, the id never
 * changes). date_maj becomes today when a standard value changed. Journaled with the values before and
 * after. TR_CONFLICT when VERSION is stale, TR_FORBIDDEN for someone who may not edit it. */
TR_MUST_USE tr_err place_update(struct ctx *ctx, const char *id, int64_t version, json_t *in);

/* One problem of an import: the line (1 = the header; a JSON file's objects count from 1 with line 0),
 * the column ("" for the whole row), the value and the French reason. */
struct place_problem {
	int64_t line;
	const char *column, *value, *message;
};

struct place_report {
	int64_t rows, created, updated, unchanged, rejected;
	struct place_problem *problems; /* in ctx's arena */
	size_t nproblems;
	size_t more;       /* problems not kept past the cap */
	bool imported;     /* false when nothing was written (an invalid row without skip_invalid, a file error) */
	bool json;         /* a JSON file: problems name objects (from 1), not lines */
	const char *fatal; /* a French reason the whole file was refused, or NULL */
};

/* Called with the bytes read so far, at most every 1 % of the file. */
typedef void (*place_progress_fn)(void *ud, size_t done, size_t total);

struct place_import_opts {
	bool skip_invalid;
	const char *filename; /* for the journal; may be NULL */
	place_progress_fn progress;
	void *progress_ud;
};

/* Imports DATA (N bytes: CSV as the standard writes it — UTF-8 with or without BOM, comma, quotes, CRLF
 * or LF — or a JSON array of objects, told apart by the first character). Rows are upserted by id in one
 * transaction: created, updated, or unchanged when every standard value is equal. Without skip_invalid,
 * one invalid row imports nothing; with it, the valid rows are imported and the others reported. Returns
 * TR_OK when the file was imported (REP counts and problems), TR_INVALID when it was refused (REP says
 * why), another error for storage. Admins and national officers (or the command line). */
TR_MUST_USE tr_err place_import(
    struct ctx *ctx, const char *data, size_t n, const struct place_import_opts *opts, struct place_report *rep);

/* The report in French, one line each problem then the summary, into OUT (a buffer of the caller's). */
TR_MUST_USE tr_err place_report_text(const struct place_report *rep, struct buf *out);

enum place_format { PLACE_CSV = 1, PLACE_JSON, PLACE_GEOJSON };

/* The format named NAME ("csv", "json", "geojson"), or 0. */
enum place_format place_format_of(const char *name);

/* Receives the export in pieces; non-zero stops it (the export then fails with TR_INTERNAL). */
typedef int (*place_write_fn)(void *ud, const char *p, size_t n);

/* Writes every place (merged ones left out) in FORMAT: exactly the standard's columns in its order; CSV
 * with every value quoted, LF line ends as in the standard's example; JSON an array of objects of strings (numbers for the
 * coordinates); GeoJSON a FeatureCollection of Points [lon, lat] with the standard's fields as properties,
 * places without coordinates left out. Rows are streamed (db_each), never held all at once. Public. */
TR_MUST_USE tr_err place_export(struct ctx *ctx, enum place_format format, place_write_fn write, void *ud);

/* The full export in FORMAT of the current places_version as a file, *PATH (in the arena): built once per
 * version into server.cache_dir (or, when it is empty, a private directory of the process, removed at exit),
 * written aside then renamed, older versions removed; one build at a time in the process. A directory may be
 * shared by the servers of one database, never by two databases. TR_UNAVAILABLE when it cannot be written. */
TR_MUST_USE tr_err place_export_file(struct ctx *ctx, enum place_format format, const char **path);

/* Parses one CSV text into rows of fields (for the importer and tests): calls ROW for each record with
 * its fields (NUL-terminated, in a scratch arena valid during the call) and the line it started on.
 * ROW returning non-zero stops. TR_TOO_LARGE past PLACE_ROW_MAX bytes in a row or PLACE_MAX_CHARS
 * characters in a field (*LINE the line), TR_INVALID on malformed quoting. */
typedef int (*place_csv_row_fn)(void *ud, int64_t line, const struct str *fields, size_t n);
TR_MUST_USE tr_err place_csv_parse(const char *data, size_t n, place_csv_row_fn row, void *ud, int64_t *line);

/* Appends one CSV record of the standard's PLACE_NFIELDS VALUES (the header's names, or a place's values),
 * the FF_EXPORTED columns, through the one CSV writer (core/csv.h): text cells guarded against formulas (an
 * apostrophe the importer takes off again), numbers as they are. TR_TOO_LARGE at OUT's cap. */
TR_MUST_USE tr_err place_csv_record(struct buf *out, const char *const *values);

/* The open likely duplicates, newest first (at most 100): [{a: place JSON, b: place JSON, reason}]. Admins. */
TR_MUST_USE tr_err place_duplicates_open(struct ctx *ctx, json_t **out);

/* The open likely duplicates of place ID (not merged away), for someone who may edit it: [{id, nom, commune,
 * reason}] of the other places, by id. *OUT is the caller's. TR_FORBIDDEN for anyone else, TR_NOT_FOUND. */
TR_MUST_USE tr_err place_duplicates_of(struct ctx *ctx, const char *id, json_t **out);

/* The timeline of place ID (its journal entries, newest first, 200 at most: id, at, actor_label, action,
 * detail as text) for someone who may edit it. Entries written before the journal had entity keys are not in
 * it. *OUT is the caller's. TR_FORBIDDEN for anyone else, TR_NOT_FOUND. */
TR_MUST_USE tr_err place_history(struct ctx *ctx, const char *id, json_t **out);

/* Decides the pair (A, B): MERGE keeps KEEP (A or B), fills it with the richest values of both and makes
 * the other redirect to it (merged_into); otherwise the pair is marked distinct. Journaled. Admins. */
TR_MUST_USE tr_err place_duplicate_decide(struct ctx *ctx, const char *a, const char *b, bool merge, const char *keep);

/* The networks a place may belong to: [{code, label}] by label. */
TR_MUST_USE tr_err place_networks(struct ctx *ctx, json_t **out);

/* Adds a network (national officers and admins). TR_INVALID for a bad code or label, TR_CONFLICT when the
 * code exists. */
TR_MUST_USE tr_err place_network_add(struct ctx *ctx, const char *code, const char *label);

/* Writes N synthetic places in the standard to WRITE (CSV): real communes (from the reference data, with
 * coordinates) weighted by population, coordinates jittered within a few km, plausible names, services,
 * publics, opening hours. SEED makes the file reproducible. */
TR_MUST_USE tr_err place_generate(struct ctx *ctx, int64_t n, uint64_t seed, place_write_fn write, void *ud);

#endif
