/* Searching the directory of places. Each server process holds the searchable part of every place in memory (an
 * index: folded text, codes, vocabularies as bit sets, parsed opening hours, the standard's fields in a compact store of distinct values) in a
 * grid of 0.1° cells. It is built from the database and rebuilt when settings.places_version changes; the new
 * index replaces the old one whole (pointer swap, reference counts), and the loop threads share it read-only. In the
 * server, a background thread (domain/snapshots) builds it: no request waits for a build. */
#ifndef TR_DOMAIN_PLACE_SEARCH_H
#define TR_DOMAIN_PLACE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/form.h"
#include "core/hours.h"
#include "domain/kernel/ctx.h"
#include "model/places/place.h"

struct db;

/* The vocabulary filters of the search: the query parameter and the standard's field (its title and values). */
struct place_filter {
	const char *param;
	enum place_field_index field;
};

#define PLACE_FILTERS 7
extern const struct place_filter place_filters[PLACE_FILTERS];

#define PLACE_QUERY_MAX 200 /* characters of q */
#define PLACE_QUERY_WORDS 32
#define PLACE_PER_PAGE 20
#define PLACE_PER_PAGE_MAX 100
#define PLACE_RADIUS_MAX_KM 200
#define PLACE_PAGE_MAX 100000

/* A search, as place_query_parse reads it from the query parameters. Strings live in the request's arena. */
struct place_query {
	const char *words[PLACE_QUERY_WORDS]; /* folded words of q, each must appear in the place's search key */
	size_t nwords;
	const char *commune_code; /* `commune` given as an INSEE code */
	const char *commune_key;  /* `commune` given as a name, folded */
	const char *code_postal, *departement, *region;
	bool has_point; /* lat + lon (or near_commune) */
	double lat, lon;
	double radius_km;              /* 0: no radius (with a point: sorted by distance, no limit) */
	uint32_t vocab[PLACE_FILTERS]; /* bits of the accepted values of each filter; 0: no filter */
	int netpublic;                 /* -1: either, 0, 1 */
	bool open_now;
	int64_t page, per_page;
};

/* Reads the search parameters from PARAMS (a query string or a GET form): q, commune, code_postal, departement,
 * region, lat, lon, radius_km, near_commune, each filter of place_filters (repeated or '|'-separated values: any
 * of them), netpublic, open_now, page, per_page (capped at PLACE_PER_PAGE_MAX). Empty values count as absent,
 * unknown parameters are ignored. TR_INVALID with a French field error named after each bad parameter. */
TR_MUST_USE tr_err place_query_parse(struct ctx *ctx, const struct form *params, struct place_query *q);

/* What the index holds of one place (read-only). Its JSON is put together on demand (place_entry_json) from the
 * index's compact store: each distinct value of a field is kept once. */
struct place_entry {
	const char *id;
	const char *search_key;          /* folded name, descriptions and commune */
	const char *commune_key;         /* folded commune name */
	const struct hours *hours;       /* NULL: no hours, or hours the parser refuses */
	const struct place_store *store; /* the part of the index's store that holds its values */
	double lat, lon;                 /* degrees, when has_point */
	uint32_t rec;                    /* its record in the store */
	bool has_point, coords_approx, netpublic;
	char code_insee[8], code_postal[8], departement[8], region[8];
	uint32_t vocab[PLACE_FILTERS];
};

/* Appends E's standard fields as a JSON object (those of place_json, as place_json_text writes them) to OUT.
 * TR_TOO_LARGE at OUT's cap. */
TR_MUST_USE tr_err place_entry_json(const struct place_entry *e, struct buf *out);

/* The value of E's FIELD as the place has it (its text; a number as written; "" when empty or not exported), in A
 * when it must be decoded: what a list needs of a place, without parsing its JSON. */
const char *place_entry_text(const struct place_entry *e, enum place_field_index field, struct arena *a);

struct place_index;
struct place_store;

/* Reads every place not merged into another from DB into a new index labelled VERSION (reference count 1).
 * Storage errors are returned as they are. */
TR_MUST_USE tr_err place_index_build(struct db *db, int64_t version, struct place_index **out);

/* place_index_build with a second connection DB2 to the same database (or NULL): a large directory is then read
 * and indexed in two halves at once, on two threads (the calling one and one of its own). */
TR_MUST_USE tr_err place_index_build2(struct db *db, struct db *db2, int64_t version, struct place_index **out);

/* Drops a reference; the last one frees the index. NULL is allowed. */
void place_index_release(struct place_index *idx);

size_t place_index_count(const struct place_index *idx);
int64_t place_index_version(const struct place_index *idx);

/* The memory IDX takes, in bytes (its entries, grid, store and strings). */
size_t place_index_bytes(const struct place_index *idx);

/* Reads settings.places_version on DB and, when the shared index is not of that version, builds the new one
 * (place_index_build2 with a second connection to URL, the database of DB, when URL is not NULL; logging the
 * time it took) and shares it; *BUILT (when given) tells whether it did. The searches go on with
 * the previous index meanwhile. Called by the background builder (domain/snapshots), once before the server
 * listens and then whenever it polls. Storage errors as they are (logged). */
TR_MUST_USE tr_err place_index_refresh(struct db *db, const char *url, bool *built);

/* ON: place_index_get never builds nor reads the version, it takes the shared index as place_index_refresh
 * left it (the background builder runs); OFF (the default: tests, commands): it checks the version itself. */
void place_index_background(bool on);

/* The index the calling thread searches: its own reference to the shared index. With the background builder
 * (place_index_background), the latest index it shared, at the cost of one atomic read when nothing changed; a
 * request never waits for a build. Without it, checked against settings.places_version (on ctx->db) at most once a
 * second: when the version changed, one thread builds the new index while the others go on with the previous one
 * (checking again on their next call); a thread that has none yet waits for it. The pointer stays valid until the
 * thread's next call. A storage error with no index to fall back on is returned with a French
 * message. */
TR_MUST_USE tr_err place_index_get(struct ctx *ctx, const struct place_index **out);

/* The end of a request's use of the index place_index_get gave (its entries, the results pointing into it): with
 * the background builder, the thread lets go of its reference, so that an idle thread keeps no replaced index
 * alive; its next place_index_get takes the current one again. Nothing otherwise. */
void place_index_done(void);

/* Makes the calling thread's next place_index_get check the version, however recent the last check. */
void place_index_recheck(void);

/* Drops the calling thread's index and the shared one (tests, and a clean exit). */
void place_index_reset(void);

struct place_hit {
	const struct place_entry *place;
	double distance_km; /* when the query has a point */
};

struct place_results {
	size_t total;            /* places matching */
	struct place_hit *items; /* the requested page, in order (arena) */
	size_t n;
	bool has_distance;
	int64_t page, per_page;
};

/* Runs Q over IDX: the places matching every criterion, by distance when Q has a point (places without
 * coordinates then left out; within radius_km when given), otherwise by name; the page Q asks for. open_now uses
 * ctx->now in Paris time ("not known" is not open). Memory in ctx->arena. */
TR_MUST_USE tr_err place_search(
    struct ctx *ctx, const struct place_index *idx, const struct place_query *q, struct place_results *out);

/* Writes R as the API answers it: {"items":[…],"total":N,"page":P,"per_page":PP}, each item the standard's fields
 * plus distance_km (km, two decimals) when R has distances. TR_TOO_LARGE at OUT's cap. */
TR_MUST_USE tr_err place_results_json(const struct place_results *r, struct buf *out);

#endif
