/* The in-memory search index of the directory (built from `places`, swapped whole when places_version changes),
 * the parameters of a search, and the search itself: a grid of 0.1° cells for radius queries, a scan otherwise,
 * then the requested page picked by partial selection. */
#include "domain/places/place_search.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/strmap.h"
#include "core/time.h"
#include "core/utf8.h"
#include "domain/kernel/common.h"
#include "domain/places/place.h"
#include "domain/places/place_view.h"
#include "store/db.h"

#define EARTH_RADIUS_KM 6371.0088
#define DEG (M_PI / 180.0)
#define KM_PER_DEGREE (EARTH_RADIUS_KM * DEG)
#define GRID_STEP 10 /* cells per degree */
#define GRID_ROWS (180 * GRID_STEP)
#define GRID_COLS (360 * GRID_STEP)
#define RECHECK_MS 1000
#define COMMUNE_MAX 100
#define FILTER_VALUES_MAX 64

const struct place_filter place_filters[PLACE_FILTERS] = {
	{ "services", PLACE_F_SERVICES },
	{ "publics", PLACE_F_PUBLICS_SPECIFIQUEMENT_ADRESSES },
	{ "frais", PLACE_F_FRAIS_A_CHARGE },
	{ "modalites_acces", PLACE_F_MODALITES_ACCES },
	{ "modalites_accompagnement", PLACE_F_MODALITES_ACCOMPAGNEMENT },
	{ "dispositifs", PLACE_F_DISPOSITIF_PROGRAMMES_NATIONAUX },
	{ "labels", PLACE_F_FORMATIONS_LABELS },
};

/* ---- the index ---- */

/* An entry with coordinates in the grid, with what the distance needs: a radius search reads these in sequence and
 * looks at an entry only when it is within the radius. A search by distance without a radius reads them all. */
struct cell_ref {
	int32_t cell;
	uint32_t entry;
	double lat_rad, lon_rad, cos_lat;
};

/* The JSON of the entries is not kept as text: each exported field's value is kept once per distinct value, as
 * its JSON literal ("text", a number or null) in a pool (but for fields whose values are all distinct), and each
 * entry is a record of literal numbers (varints, one per exported field, in field order). The JSON of a page's
 * items is put together from these. A large index is built in two parts at once (each place's part is its
 * store), then its entries are merged in one order. */
struct place_store {
	struct arena *arena; /* ids, search keys, parsed hours, commune keys */
	char *pool;          /* the distinct literals, each followed by a NUL */
	uint32_t *lit_off;   /* literal K is pool + lit_off[K], lit_off[K + 1] - lit_off[K] - 1 bytes */
	size_t nlit;
	uint8_t *recs; /* the records of the entries */
	size_t recs_len;
};

#define PARTS_MAX 2
#define PARTS_MIN_PLACES 4000 /* fewer places are built in one part */

struct place_index {
	atomic_long refs;
	int64_t version;
	struct place_entry *entries; /* by folded name, then id */
	size_t n;
	struct cell_ref *cells; /* entries with coordinates, by cell */
	size_t ncells;
	struct place_store parts[PARTS_MAX];
	int nparts;
	int64_t cpu_ms; /* the CPU time its build took, on every thread */
};

/* The fields the JSON carries (FF_EXPORTED), in order, and each one's `"name":`. */
static struct {
	pthread_once_t once;
	int n;
	int field[PLACE_NFIELDS];
	char key[PLACE_NFIELDS][64];
	size_t key_len[PLACE_NFIELDS];
} exported = { .once = PTHREAD_ONCE_INIT };

static void
exported_init(void)
{
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		struct buf b = BUF_INIT(0);
		if (!(place_fields[i].flags & FF_EXPORTED))
			continue;
		if (json_put_string(&b, place_fields[i].name) != TR_OK || buf_putc(&b, ':') != TR_OK ||
		    b.n >= sizeof(exported.key[0]))
			tr_oom("place field names");
		memcpy(exported.key[exported.n], b.p, b.n);
		exported.key_len[exported.n] = b.n;
		exported.field[exported.n++] = i;
		buf_free(&b);
	}
}

/* The index is built from the places as place_each reads them. */
struct builder {
	struct place_store *store;   /* the part it fills */
	struct place_entry *entries; /* its entries, in the order read */
	size_t n, cap;
	struct buf lit;    /* the literal being written */
	struct buf recs;   /* the records so far */
	struct buf pool;   /* the literals so far, each followed by a NUL */
	uint32_t *lit_off; /* literal number -> its offset in pool */
	size_t litcap;
	struct arena *tmp;                 /* what the build alone needs */
	struct strmap lits[PLACE_NFIELDS]; /* each exported field's values as written -> their literal's number + 1 */
	uint32_t empty[PLACE_NFIELDS];     /* the number + 1 of each exported field's literal for "" */
	uint32_t row_lit[PLACE_NFIELDS];   /* the current place's literal of each field + 1 (0: not exported) */
	struct lit_aux {                   /* what was derived from a literal's value (each is of one field) */
		const void *ptr;           /* parsed hours (or &unparsable), folded commune */
		uint32_t bits;             /* vocabulary bits */
		uint8_t have;              /* AUX_BITS, AUX_PTR */
	} * aux;                           /* by literal number, lit_cap of them */
	struct strmap keys;                /* folded commune names, each kept once (in the store's arena) */
	struct strmap folds;               /* commune as written -> its folded key */
	struct strmap hours;               /* text -> parsed hours (or unparsable): each distinct text is parsed once */
	struct strmap vocab[PLACE_FILTERS];               /* text of each filter's field -> bits + 1 */
	size_t tried[PLACE_NFIELDS], hits[PLACE_NFIELDS]; /* lookups of each exported field's literals */
	bool distinct[PLACE_NFIELDS]; /* a field whose values are all but distinct (ids, phones): not looked up */
	const char **names;           /* each entry's folded name (tmp), for the order */
};

/* What the hours map holds for a text the parser refuses. */
static char unparsable;

static int32_t
cell_of(double lat, double lon)
{
	int row = (int)floor((lat + 90.0) * GRID_STEP), col = (int)floor((lon + 180.0) * GRID_STEP);

	row = row < 0 ? 0 : row >= GRID_ROWS ? GRID_ROWS - 1 : row;
	col = col < 0 ? 0 : col >= GRID_COLS ? GRID_COLS - 1 : col;
	return (int32_t)(row * GRID_COLS + col);
}

/* The bit of each value of field F found in the '|'-separated TEXT. */
static uint32_t
vocab_bits(const struct field *f, const char *text)
{
	uint32_t bits = 0;

	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, "|");
		struct str item = str_trim((struct str){ p, n });

		for (size_t i = 0; i < place_nvalues(f) && i < 32; i++)
			if (str_eq_c(item, place_value(f, i)))
				bits |= 1u << i;
		p += n + (p[n] == '|');
	}
	return bits;
}

/* vocab_bits of filter K, computed once per distinct text. */
static uint32_t
vocab_bits_cached(struct builder *b, int k, const char *text)
{
	void *seen;
	uint32_t bits;

	if (*text == '\0')
		return 0;
	if ((seen = strmap_get(&b->vocab[k], text)) != NULL)
		return (uint32_t)((uintptr_t)seen - 1);
	bits = vocab_bits(&place_fields[place_filters[k].field], text);
	strmap_put(&b->vocab[k], text, (void *)((uintptr_t)bits + 1));
	return bits;
}

/* S kept once in the index's arena. */
static const char *
intern(struct builder *b, const char *s)
{
	size_t n = strlen(s);
	char *kept = strmap_getn(&b->keys, s, n);

	if (kept == NULL) {
		kept = arena_strndup(b->store->arena, s, n);
		strmap_put_borrowed(&b->keys, kept, n, kept);
	}
	return kept;
}

static const char *
fold(struct arena *a, const char *s)
{
	return utf8_fold_key(a, s, strlen(s));
}

/* The JSON literal of field F of P, as place_json_text writes it, into B->lit. */
static void
literal(struct builder *b, int f, const char *v)
{
	tr_err err;

	buf_reset(&b->lit);
	if (place_fields[f].type != FT_NUMBER)
		err = json_put_string(&b->lit, v);
	else if (*v == '\0')
		err = buf_puts(&b->lit, "null");
	else if ((err = buf_puts(&b->lit, v)) == TR_OK && v[strcspn(v, ".eE")] == '\0')
		err = buf_puts(&b->lit, ".0");
	if (err != TR_OK)
		tr_oom("place JSON");
}

static void
put_varint(struct buf *out, uint32_t v)
{
	uint8_t tmp[5];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v > 0);
	if (buf_append(out, (const char *)tmp, n) != TR_OK)
		tr_oom("place records");
}

static uint32_t
get_varint(const uint8_t **p)
{
	uint32_t v = 0;

	for (int shift = 0;; shift += 7) {
		uint8_t c = *(*p)++;
		v |= (uint32_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
}

#define DISTINCT_SAMPLE 2000 /* lookups of a field's values before judging whether they repeat */

/* A new literal: B->lit, appended to the pool. Its number. */
static uint32_t
new_literal(struct builder *b)
{
	struct place_store *st = b->store;

	if (st->nlit + 1 >= b->litcap) {
		size_t old = b->litcap;
		b->litcap = b->litcap ? b->litcap * 2 : 4096;
		b->lit_off = xrealloc(b->lit_off, b->litcap * sizeof(*b->lit_off));
		b->aux = xrealloc(b->aux, b->litcap * sizeof(*b->aux));
		memset(b->aux + old, 0, (b->litcap - old) * sizeof(*b->aux));
	}
	if (b->pool.n + b->lit.n + 1 > UINT32_MAX || st->nlit >= UINT32_MAX - 1)
		tr_oom("place literals");
	b->lit_off[st->nlit] = (uint32_t)b->pool.n;
	if (buf_append(&b->pool, b->lit.p, b->lit.n) != TR_OK || buf_putc(&b->pool, '\0') != TR_OK)
		tr_oom("place literals");
	return (uint32_t)st->nlit++;
}

/* The record of P: the number of each exported field's literal, new literals added. Each field's values are
 * looked up as written (the literal depends on the value and the field's type only); a field whose values hardly
 * ever repeat in the first DISTINCT_SAMPLE places is no longer looked up (hashing every id and phone number
 * would cost more than the few bytes it saves). */
static void
record(struct builder *b, const struct place *p)
{
	for (int k = 0; k < exported.n; k++) {
		int f = exported.field[k];
		const char *v = p->v[f];
		void *seen = NULL;
		uint32_t id;

		if (*v == '\0' && b->empty[k] != 0) {
			put_varint(&b->recs, b->empty[k] - 1);
			b->row_lit[f] = b->empty[k];
			continue;
		}
		if (!b->distinct[k]) {
			seen = strmap_get(&b->lits[k], v);
			b->hits[k] += seen != NULL;
			if (++b->tried[k] == DISTINCT_SAMPLE && b->hits[k] < DISTINCT_SAMPLE / 10)
				b->distinct[k] = true;
		}
		if (seen != NULL) {
			put_varint(&b->recs, (uint32_t)((uintptr_t)seen - 1));
			b->row_lit[f] = (uint32_t)(uintptr_t)seen;
			continue;
		}
		literal(b, f, v);
		id = new_literal(b);
		if (*v == '\0')
			b->empty[k] = id + 1;
		else if (!b->distinct[k])
			strmap_put(&b->lits[k], v, (void *)((uintptr_t)id + 1));
		put_varint(&b->recs, id);
		b->row_lit[f] = id + 1;
	}
}

#define AUX_BITS 1
#define AUX_PTR 2

/* What was derived from the current place's value of field F, when its literal has it: its aux, else NULL. */
static struct lit_aux *
row_aux(struct builder *b, int f)
{
	return b->row_lit[f] != 0 ? &b->aux[b->row_lit[f] - 1] : NULL;
}

static int
build_row(void *ud, const struct place *p)
{
	struct builder *b = ud;
	struct arena *a = b->store->arena;
	struct place_entry *e;
	struct hours *h;
	struct lit_aux *aux;
	const char *why, *commune;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->entries = xrealloc(b->entries, b->cap * sizeof(*b->entries));
		b->names = xrealloc(b->names, b->cap * sizeof(*b->names));
	}
	if (b->recs.n > UINT32_MAX - 5 * PLACE_NFIELDS)
		tr_oom("place records");
	e = &b->entries[b->n];
	memset(e, 0, sizeof(*e));
	e->store = b->store;
	e->rec = (uint32_t)b->recs.n;
	memset(b->row_lit, 0, sizeof(b->row_lit));
	record(b, p);
	e->id = arena_strdup(a, p->v[PLACE_F_ID]);
	b->names[b->n++] = fold(b->tmp, p->v[PLACE_F_NOM]);
	if ((aux = row_aux(b, PLACE_F_COMMUNE)) != NULL && (aux->have & AUX_PTR)) {
		commune = aux->ptr;
	} else if ((commune = strmap_get(&b->folds, p->v[PLACE_F_COMMUNE])) == NULL) {
		commune = intern(b, fold(b->tmp, p->v[PLACE_F_COMMUNE]));
		strmap_put(&b->folds, p->v[PLACE_F_COMMUNE], (void *)commune);
	}
	if (aux != NULL) {
		aux->ptr = commune;
		aux->have |= AUX_PTR;
	}
	e->commune_key = commune;
	/* A place written before search keys were stored has none: its key is made here. */
	e->search_key = arena_strdup(a, *p->search_key != '\0' ? p->search_key : place_search_key(b->tmp, p));
	snprintf(e->code_insee, sizeof(e->code_insee), "%s", p->v[PLACE_F_CODE_INSEE]);
	snprintf(e->code_postal, sizeof(e->code_postal), "%s", p->v[PLACE_F_CODE_POSTAL]);
	snprintf(e->departement, sizeof(e->departement), "%s", p->departement_code);
	snprintf(e->region, sizeof(e->region), "%s", p->region_code);
	e->netpublic = p->netpublic;
	if (p->has_coords && isfinite(p->latitude) && isfinite(p->longitude) && fabs(p->latitude) <= 90 &&
	    fabs(p->longitude) <= 180) {
		e->has_point = true;
		e->coords_approx = p->coords_approx;
		e->lat = p->latitude;
		e->lon = p->longitude;
	}
	if (*p->v[PLACE_F_HORAIRES] != '\0') {
		const char *text = p->v[PLACE_F_HORAIRES];
		const void *seen = NULL;
		if ((aux = row_aux(b, PLACE_F_HORAIRES)) != NULL && (aux->have & AUX_PTR))
			seen = aux->ptr;
		else if ((seen = strmap_get(&b->hours, text)) == NULL) {
			seen = hours_parse(a, text, strlen(text), &h, &why) == TR_OK ? (void *)h : (void *)&unparsable;
			strmap_put(&b->hours, text, (void *)seen);
		}
		if (aux != NULL) {
			aux->ptr = seen;
			aux->have |= AUX_PTR;
		}
		e->hours = seen == &unparsable ? NULL : seen;
	}
	for (int f = 0; f < PLACE_FILTERS; f++) {
		if ((aux = row_aux(b, place_filters[f].field)) != NULL && (aux->have & AUX_BITS)) {
			e->vocab[f] = aux->bits;
			continue;
		}
		e->vocab[f] = vocab_bits_cached(b, f, p->v[place_filters[f].field]);
		if (aux != NULL) {
			aux->bits = e->vocab[f];
			aux->have |= AUX_BITS;
		}
	}
	return 0;
}

/* The order of the index: folded name, then id. */
struct order {
	const char *name, *id;
	uint32_t entry; /* in its part's builder */
	int part;
};

static int
by_name(const void *pa, const void *pb)
{
	const struct order *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c ? c : strcmp(a->id, b->id);
}

static int
by_cell(const void *pa, const void *pb)
{
	const struct cell_ref *a = pa, *b = pb;

	if (a->cell != b->cell)
		return a->cell < b->cell ? -1 : 1;
	return (a->entry > b->entry) - (a->entry < b->entry);
}

/* The entries of the NB builders B, merged into IDX in their order (each builder's names holds their folded
 * names). */
static void
merge_entries(struct place_index *idx, struct builder *const *b, int nb)
{
	struct order *o;
	size_t n = 0, k = 0;

	for (int i = 0; i < nb; i++)
		n += b[i]->n;
	o = xmalloc((n ? n : 1) * sizeof(*o));
	idx->entries = xmalloc((n ? n : 1) * sizeof(*idx->entries));
	for (int i = 0; i < nb; i++)
		for (size_t j = 0; j < b[i]->n; j++)
			o[k++] = (struct order){ b[i]->names[j], b[i]->entries[j].id, (uint32_t)j, i };
	qsort(o, n, sizeof(*o), by_name);
	for (size_t i = 0; i < n; i++)
		idx->entries[i] = b[o[i].part]->entries[o[i].entry];
	idx->n = n;
	free(o);
}

/* The literals and records of B into its store, at their size. */
static void
pack_literals(struct builder *b)
{
	struct place_store *st = b->store;

	st->lit_off = xrealloc(b->lit_off, (st->nlit + 1) * sizeof(*st->lit_off));
	b->lit_off = NULL;
	st->lit_off[st->nlit] = (uint32_t)b->pool.n;
	st->pool = xrealloc(b->pool.p, b->pool.n + 1);
	b->pool = BUF_INIT(0);
	st->recs_len = b->recs.n;
	st->recs = xmalloc(b->recs.n ? b->recs.n : 1);
	if (b->recs.n > 0)
		memcpy(st->recs, b->recs.p, b->recs.n);
}

static void
builder_init(struct builder *b, struct place_store *store)
{
	memset(b, 0, sizeof(*b));
	b->store = store;
	b->tmp = arena_new();
	store->arena = arena_new();
	strmap_init(&b->hours, b->tmp, 64);
	for (int k = 0; k < PLACE_NFIELDS; k++)
		strmap_init(&b->lits[k], b->tmp, 64);
	strmap_init(&b->keys, b->tmp, 4096);
	strmap_init(&b->folds, b->tmp, 1024);
	for (int k = 0; k < PLACE_FILTERS; k++)
		strmap_init(&b->vocab[k], b->tmp, 64);
}

/* What the build alone needs (the names and entries once merged). */
static void
builder_free(struct builder *b)
{
	arena_free(b->tmp);
	free(b->lit_off);
	free(b->aux);
	buf_free(&b->pool);
	free(b->names);
	free(b->entries);
	buf_free(&b->lit);
	buf_free(&b->recs);
}

/* The calling thread's CPU time, in ms. */
static int64_t
thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One part: the places of DB with an id below MID (UPPER false) or from MID (UPPER true), every place when MID
 * is NULL. */
struct part {
	struct builder b;
	struct db *db;
	const char *mid;
	bool upper;
	tr_err err;
	int64_t cpu_ms;
};

static void *
part_main(void *arg)
{
	struct part *pt = arg;
	int64_t cpu = thread_cpu_ms();

	pt->err = pt->mid == NULL ? place_each(pt->db, false, build_row, &pt->b)
	                          : place_each_split(pt->db, pt->mid, pt->upper, build_row, &pt->b);
	if (pt->err == TR_OK)
		pack_literals(&pt->b);
	pt->cpu_ms = thread_cpu_ms() - cpu;
	return NULL;
}

/* The id that splits the places of DB in two halves, in A; NULL when there are too few to split. */
static const char *
split_id(struct db *db, struct arena *a)
{
	struct db_rows *r;
	int64_t n;

	if (db_onev(db, a, "SELECT COUNT(*) FROM places WHERE merged_into IS NULL", &r) != TR_OK)
		return NULL;
	if ((n = db_int(db_cell(r, 0, 0))) < PARTS_MIN_PLACES)
		return NULL;
	if (db_onev(db, a, "SELECT id FROM places WHERE merged_into IS NULL ORDER BY id LIMIT 1 OFFSET ?", &r,
	        DB_I64(n / 2)) != TR_OK ||
	    db_text(db_cell(r, 0, 0)) == NULL)
		return NULL;
	return arena_strdup(a, db_text(db_cell(r, 0, 0)));
}

tr_err
place_index_build2(struct db *db, struct db *db2, int64_t version, struct place_index **out)
{
	struct place_index *idx = xcalloc(1, sizeof(*idx));
	struct arena *a = arena_new();
	struct part parts[PARTS_MAX];
	const char *mid = db2 != NULL ? split_id(db, a) : NULL;
	pthread_t tid;
	bool threaded = false;
	tr_err err = TR_OK;

	int64_t cpu = thread_cpu_ms();

	pthread_once(&exported.once, exported_init);
	atomic_init(&idx->refs, 1);
	idx->version = version;
	idx->nparts = mid != NULL ? 2 : 1;
	for (int i = 0; i < idx->nparts; i++) {
		builder_init(&parts[i].b, &idx->parts[i]);
		parts[i].db = i == 0 ? db : db2;
		parts[i].mid = mid;
		parts[i].upper = i == 1;
	}
	if (idx->nparts == 2)
		threaded = pthread_create(&tid, NULL, part_main, &parts[1]) == 0;
	part_main(&parts[0]);
	if (idx->nparts == 2) {
		if (threaded)
			pthread_join(tid, NULL);
		else
			part_main(&parts[1]);
	}
	for (int i = 0; i < idx->nparts; i++)
		if (err == TR_OK)
			err = parts[i].err;
	if (err == TR_OK) {
		struct builder *bs[PARTS_MAX] = { &parts[0].b, &parts[1].b };
		merge_entries(idx, bs, idx->nparts);
	}
	for (int i = 0; i < idx->nparts; i++)
		builder_free(&parts[i].b);
	arena_free(a);
	if (err != TR_OK) {
		place_index_release(idx);
		*out = NULL;
		return err;
	}
	idx->cells = xmalloc((idx->n ? idx->n : 1) * sizeof(*idx->cells));
	for (size_t i = 0; i < idx->n; i++) {
		const struct place_entry *e = &idx->entries[i];
		double lat_rad = e->lat * DEG, lon_rad = e->lon * DEG;
		if (e->has_point)
			idx->cells[idx->ncells++] =
			    (struct cell_ref){ cell_of(e->lat, e->lon), (uint32_t)i, lat_rad, lon_rad, cos(lat_rad) };
	}
	if (idx->ncells > 0)
		qsort(idx->cells, idx->ncells, sizeof(*idx->cells), by_cell);
	idx->cpu_ms = thread_cpu_ms() - cpu + (threaded ? parts[1].cpu_ms : 0);
	*out = idx;
	return TR_OK;
}

tr_err
place_index_build(struct db *db, int64_t version, struct place_index **out)
{
	return place_index_build2(db, NULL, version, out);
}

void
place_index_release(struct place_index *idx)
{
	if (idx == NULL || atomic_fetch_sub(&idx->refs, 1) != 1)
		return;
	for (int i = 0; i < idx->nparts; i++) {
		arena_free(idx->parts[i].arena);
		free(idx->parts[i].pool);
		free(idx->parts[i].lit_off);
		free(idx->parts[i].recs);
	}
	free(idx->entries);
	free(idx->cells);
	free(idx);
}

size_t
place_index_count(const struct place_index *idx)
{
	return idx->n;
}

int64_t
place_index_version(const struct place_index *idx)
{
	return idx->version;
}

size_t
place_index_bytes(const struct place_index *idx)
{
	size_t n = sizeof(*idx) + idx->n * sizeof(*idx->entries) + idx->ncells * sizeof(*idx->cells);

	for (int i = 0; i < idx->nparts; i++) {
		const struct place_store *st = &idx->parts[i];
		n += arena_used(st->arena) + st->lit_off[st->nlit] + (st->nlit + 1) * sizeof(*st->lit_off) +
		     st->recs_len;
	}
	return n;
}

/* E's fields as a JSON object without its closing brace, written straight into OUT once it has the room for them. */
static tr_err
entry_fields(const struct place_entry *e, struct buf *out)
{
	const struct place_store *idx = e->store;
	const uint8_t *p = idx->recs + e->rec;
	uint32_t ids[PLACE_NFIELDS];
	size_t total = 0, at = 0;
	char *dst;
	tr_err err;

	if (exported.n == 0)
		return buf_putc(out, '{');
	for (int k = 0; k < exported.n; k++) {
		ids[k] = get_varint(&p);
		total += 1 + exported.key_len[k] + (idx->lit_off[ids[k] + 1] - idx->lit_off[ids[k]] - 1);
	}
	if ((err = buf_grow(out, total)) != TR_OK)
		return err;
	dst = out->p + out->n;
	for (int k = 0; k < exported.n; k++) {
		size_t n = idx->lit_off[ids[k] + 1] - idx->lit_off[ids[k]] - 1;
		dst[at++] = k == 0 ? '{' : ',';
		memcpy(dst + at, exported.key[k], exported.key_len[k]);
		at += exported.key_len[k];
		memcpy(dst + at, idx->pool + idx->lit_off[ids[k]], n);
		at += n;
	}
	out->n += at;
	out->p[out->n] = '\0';
	return TR_OK;
}

const char *
place_entry_text(const struct place_entry *e, enum place_field_index field, struct arena *a)
{
	const struct place_store *st = e->store;
	const uint8_t *p = st->recs + e->rec;
	const char *lit = NULL, *end;
	char *out, *o;
	uint32_t id = 0;

	for (int k = 0; k < exported.n && lit == NULL; k++) {
		id = get_varint(&p);
		if (exported.field[k] == (int)field)
			lit = st->pool + st->lit_off[id];
	}
	if (lit == NULL)
		return "";
	end = lit + (st->lit_off[id + 1] - st->lit_off[id] - 1);
	if (*lit != '"') /* a number or null: as written */
		return strcmp(lit, "null") == 0 ? "" : lit;
	/* A string literal as json_put_string writes it: \" \\ \b \f \n \r \t and \u00XX. */
	out = o = arena_alloc(a, (size_t)(end - lit));
	for (const char *c = lit + 1; c < end - 1; c++) {
		if (*c != '\\') {
			*o++ = *c;
			continue;
		}
		switch (*++c) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			*o++ = (char)strtol((char[]){ c[1], c[2], c[3], c[4], '\0' }, NULL, 16);
			c += 4;
			break;
		default: *o++ = *c; break;
		}
	}
	*o = '\0';
	return out;
}

tr_err
place_entry_json(const struct place_entry *e, struct buf *out)
{
	tr_err err = entry_fields(e, out);

	return err == TR_OK ? buf_putc(out, '}') : err;
}

/* ---- the shared index and each thread's reference ---- */

/* The shared index is replaced whole: a new pointer under shared_lock (held for a pointer copy and a reference
 * count, never during a build), and shared_gen moves on. Each thread keeps its own reference and looks at
 * shared_gen (one atomic read) to know when to take the new one. */
struct thread_ref {
	struct place_index *idx;
	uint64_t gen; /* shared_gen when idx was taken */
	int64_t checked_ms;
	bool recheck;
};

static pthread_once_t thread_once = PTHREAD_ONCE_INIT;
static pthread_key_t thread_key;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;
static struct place_index *shared; /* under shared_lock; holds one reference */
static atomic_uint_fast64_t shared_gen;
static atomic_bool background; /* place_index_refresh keeps the shared index up to date */

static void
thread_ref_free(void *p)
{
	struct thread_ref *t = p;

	place_index_release(t->idx);
	free(t);
}

static void
thread_key_create(void)
{
	if (pthread_key_create(&thread_key, thread_ref_free) != 0)
		tr_oom("pthread_key_create");
}

static struct thread_ref *
thread_ref(void)
{
	struct thread_ref *t;

	pthread_once(&thread_once, thread_key_create);
	if ((t = pthread_getspecific(thread_key)) == NULL) {
		t = xcalloc(1, sizeof(*t));
		if (pthread_setspecific(thread_key, t) != 0)
			tr_oom("pthread_setspecific");
	}
	return t;
}

/* A new reference to the shared index, or NULL; *GEN (when given) its generation. */
static struct place_index *
shared_take(uint64_t *gen)
{
	struct place_index *idx;

	pthread_mutex_lock(&shared_lock);
	if ((idx = shared) != NULL)
		atomic_fetch_add(&idx->refs, 1);
	if (gen != NULL)
		*gen = atomic_load(&shared_gen);
	pthread_mutex_unlock(&shared_lock);
	return idx;
}

/* Makes IDX (its reference passes to the shared slot) the shared index. */
static void
shared_put(struct place_index *idx)
{
	struct place_index *old;

	pthread_mutex_lock(&shared_lock);
	old = shared;
	shared = idx;
	atomic_fetch_add(&shared_gen, 1);
	pthread_mutex_unlock(&shared_lock);
	place_index_release(old);
}

static void
adopt(struct thread_ref *t, struct place_index *idx)
{
	if (t->idx != idx) {
		place_index_release(t->idx);
		t->idx = idx;
	} else {
		place_index_release(idx);
	}
}

static tr_err
read_version(struct db *db, struct arena *a, int64_t *version)
{
	struct db_rows *r;
	tr_err err = db_onev(db, a, "SELECT value FROM settings WHERE key = ?", &r, DB_TEXT("places_version"));

	*version = 0;
	if (err == TR_NOT_FOUND)
		return TR_OK;
	if (err == TR_OK)
		*version = db_int(db_cell(r, 0, 0));
	return err;
}

/* Builds the index of VERSION from DB and shares it, unless it is shared already. Called under build_lock. */
static tr_err
rebuild(struct db *db, struct db *db2, int64_t version)
{
	struct place_index *cur = shared_take(NULL), *fresh;
	int64_t started = clock_mono_ms(), started_us = clock_mono_us();
	tr_err err;

	if (cur != NULL && cur->version == version) {
		place_index_release(cur);
		return TR_OK;
	}
	place_index_release(cur);
	err = place_index_build2(db, db2, version, &fresh);
	if (err != TR_OK) {
		log_error("places: the search index could not be built: %s", db_errmsg(db));
		return err;
	}
	log_info(
	    "places: search index of %zu places (version %lld) built in %lld ms (%lld ms of CPU, %d part%s), %zu MB",
	    fresh->n, (long long)version, (long long)(clock_mono_ms() - started), (long long)fresh->cpu_ms,
	    fresh->nparts, fresh->nparts > 1 ? "s" : "", place_index_bytes(fresh) >> 20);
	metrics_add(METRIC_INDEX_BUILDS, 1);
	metrics_set(METRIC_INDEX_BUILD_MICROS, clock_mono_us() - started_us);
	metrics_set(METRIC_INDEX_ENTRIES, (int64_t)fresh->n);
	metrics_set(METRIC_INDEX_BYTES, (int64_t)place_index_bytes(fresh));
	shared_put(fresh);
	return TR_OK;
}

tr_err
place_index_refresh(struct db *db, const char *url, bool *built)
{
	struct arena *a = arena_new();
	uint64_t gen = atomic_load(&shared_gen);
	struct place_index *cur;
	struct db *db2 = NULL;
	char why[256];
	int64_t version;
	tr_err err = read_version(db, a, &version);

	arena_free(a);
	if (err == TR_OK) {
		pthread_mutex_lock(&build_lock);
		/* A build ahead: a second connection for its second half (without one, one half after the other). */
		if ((cur = shared_take(NULL)) == NULL || cur->version != version) {
			if (url != NULL && db_open(url, &db2, why, sizeof(why)) != TR_OK)
				db2 = NULL;
		}
		place_index_release(cur);
		err = rebuild(db, db2, version);
		db_close(db2);
		pthread_mutex_unlock(&build_lock);
	}
	if (built != NULL)
		*built = atomic_load(&shared_gen) != gen;
	return err;
}

void
place_index_background(bool on)
{
	atomic_store(&background, on);
}

tr_err
place_index_get(struct ctx *ctx, const struct place_index **out)
{
	struct thread_ref *t = thread_ref();
	int64_t now, version;
	struct place_index *cur;
	uint64_t gen;
	tr_err err;

	/* With a background builder, the shared index is always the latest built: take it when it moved. */
	if (atomic_load(&background) && (t->idx == NULL || t->gen != atomic_load(&shared_gen))) {
		if ((cur = shared_take(&gen)) != NULL) {
			adopt(t, cur);
			t->gen = gen;
		}
	}
	if (atomic_load(&background) && t->idx != NULL)
		goto done;
	now = clock_mono_ms();
	if (t->idx != NULL && !t->recheck && now - t->checked_ms < RECHECK_MS)
		goto done;
	if ((err = read_version(ctx->db, ctx->arena, &version)) != TR_OK)
		goto failed;
	if (t->idx == NULL || t->idx->version != version) {
		if ((cur = shared_take(NULL)) == NULL || cur->version != version) {
			place_index_release(cur);
			if (t->idx == NULL)
				pthread_mutex_lock(&build_lock);
			else if (pthread_mutex_trylock(&build_lock) != 0)
				goto done; /* another thread builds it: go on with ours, and check again next time */
			err = rebuild(ctx->db, NULL, version);
			pthread_mutex_unlock(&build_lock);
			if (err != TR_OK)
				goto failed;
			cur = shared_take(NULL);
		}
		adopt(t, cur);
	}
	t->checked_ms = now;
	t->recheck = false;
done:
	*out = t->idx;
	return TR_OK;
failed:
	if (t->idx != NULL)
		goto done;
	*out = NULL;
	return ctx_storage_error(ctx, err);
}

void
place_index_done(void)
{
	struct thread_ref *t;

	if (!atomic_load(&background))
		return;
	t = thread_ref();
	place_index_release(t->idx);
	t->idx = NULL;
}

void
place_index_recheck(void)
{
	thread_ref()->recheck = true;
}

void
place_index_reset(void)
{
	struct thread_ref *t = thread_ref();

	place_index_release(t->idx);
	t->idx = NULL;
	shared_put(NULL);
}

/* ---- parameters ---- */

/* The first value of NAME, trimmed; STR_NULL when absent or empty. */
static struct str
param(const struct form *f, const char *name)
{
	struct str v = str_trim(form_get(f, name));

	return v.p != NULL && v.n > 0 ? v : STR_NULL;
}

static bool
parse_double(struct arena *a, struct str s, double *out)
{
	char *c = arena_str(a, s), *end;

	*out = strtod(c, &end);
	return s.n > 0 && s.n < 32 && *end == '\0' && isfinite(*out);
}

static bool
all_digits(struct str s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return true;
}

/* An INSEE commune code: 2 digits (or 2A, 2B) then 3 digits. */
static bool
is_insee(struct str s)
{
	return s.n == 5 &&
	       ((s.p[0] >= '0' && s.p[0] <= '9' && s.p[1] >= '0' && s.p[1] <= '9') ||
	           (s.p[0] == '2' && (s.p[1] == 'A' || s.p[1] == 'B'))) &&
	       all_digits((struct str){ s.p + 2, 3 });
}

static bool
is_departement(struct str s)
{
	return (s.n == 2 && (all_digits(s) || (s.p[0] == '2' && (s.p[1] == 'A' || s.p[1] == 'B')))) ||
	       (s.n == 3 && s.p[0] == '9' && s.p[1] == '7' && all_digits(s));
}

/* "true"/"false", "1"/"0", "oui"/"non", "on" (a checked box): -1 when absent, -2 when not a boolean. */
static int
parse_bool(struct str s)
{
	static const char *const yes[] = { "true", "1", "oui", "on" }, *const no[] = { "false", "0", "non" };

	if (s.p == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (str_eq_nocase(s, str_c(yes[i])))
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (str_eq_nocase(s, str_c(no[i])))
			return 0;
	return -2;
}

static void
parse_text(struct ctx *ctx, const struct form *f, struct place_query *q)
{
	struct str s = param(f, "q");
	char *key, *save = NULL;

	if (s.p == NULL)
		return;
	if (utf8_length(s.p, s.n) > PLACE_QUERY_MAX) {
		field_errors_add(&ctx->errors, "q", "La recherche est trop longue : 200 caractères au plus.");
		return;
	}
	key = utf8_fold_key(ctx->arena, s.p, s.n);
	for (char *w = strtok_r(key, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		if (q->nwords == PLACE_QUERY_WORDS) {
			field_errors_add(&ctx->errors, "q", "La recherche compte trop de mots : 32 au plus.");
			return;
		}
		q->words[q->nwords++] = w;
	}
}

static void
parse_places(struct ctx *ctx, const struct form *f, struct place_query *q)
{
	struct str s;

	if ((s = param(f, "commune")).p != NULL) {
		if (is_insee(s))
			q->commune_code = arena_str(ctx->arena, s);
		else if (utf8_length(s.p, s.n) > COMMUNE_MAX)
			field_errors_add(&ctx->errors, "commune", "Le nom de la commune est trop long.");
		else
			q->commune_key = utf8_fold_key(ctx->arena, s.p, s.n);
	}
	if ((s = param(f, "code_postal")).p != NULL) {
		if (s.n == 5 && all_digits(s))
			q->code_postal = arena_str(ctx->arena, s);
		else
			field_errors_add(&ctx->errors, "code_postal", "Le code postal doit compter 5 chiffres.");
	}
	if ((s = param(f, "departement")).p != NULL) {
		if (is_departement(s))
			q->departement = arena_str(ctx->arena, s);
		else
			field_errors_add(
			    &ctx->errors, "departement", "Le code du département doit être de la forme 69, 2A ou 971.");
	}
	if ((s = param(f, "region")).p != NULL) {
		if (s.n == 2 && all_digits(s))
			q->region = arena_str(ctx->arena, s);
		else
			field_errors_add(&ctx->errors, "region", "Le code de la région doit compter 2 chiffres.");
	}
}

/* The point of near_commune S (an INSEE code, or a name: the most populated commune of that name). */
static tr_err
commune_point(struct ctx *ctx, struct str s, struct place_query *q)
{
	struct db_rows *r;
	tr_err err;

	if (is_insee(s))
		err = db_onev(
		    ctx->db, ctx->arena, "SELECT latitude, longitude FROM communes WHERE code = ?", &r, DB_STR(s));
	else if (utf8_length(s.p, s.n) > COMMUNE_MAX)
		err = TR_NOT_FOUND;
	else
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT latitude, longitude FROM communes WHERE name_key = ? ORDER BY population DESC, code LIMIT "
		    "1",
		    &r, DB_TEXT(utf8_fold_key(ctx->arena, s.p, s.n)));
	if (err == TR_NOT_FOUND) {
		field_errors_add(&ctx->errors, "near_commune",
		    arena_printf(ctx->arena, "Aucune commune ne s'appelle « %.*s » ni n'a ce code INSEE.",
		        (int)(s.n > 100 ? 100 : s.n), s.p));
		return TR_OK;
	}
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (db_isnull(db_cell(r, 0, 0)) || db_isnull(db_cell(r, 0, 1))) {
		field_errors_add(&ctx->errors, "near_commune", "La position de cette commune n'est pas connue.");
		return TR_OK;
	}
	q->lat = db_real(db_cell(r, 0, 0));
	q->lon = db_real(db_cell(r, 0, 1));
	q->has_point = true;
	return TR_OK;
}

/* lat and lon, or near_commune; radius_km. */
static tr_err
parse_point(struct ctx *ctx, const struct form *f, struct place_query *q)
{
	struct str lat = param(f, "lat"), lon = param(f, "lon"), radius = param(f, "radius_km");
	struct str near = param(f, "near_commune");
	bool lat_ok = false, lon_ok = false;
	tr_err err = TR_OK;

	if (lat.p != NULL && !(lat_ok = parse_double(ctx->arena, lat, &q->lat) && fabs(q->lat) <= 90))
		field_errors_add(&ctx->errors, "lat", "La latitude doit être un nombre entre -90 et 90.");
	if (lon.p != NULL && !(lon_ok = parse_double(ctx->arena, lon, &q->lon) && fabs(q->lon) <= 180))
		field_errors_add(&ctx->errors, "lon", "La longitude doit être un nombre entre -180 et 180.");
	if (lat.p != NULL && lon.p == NULL)
		field_errors_add(&ctx->errors, "lon", "La longitude manque : donnez lat et lon ensemble.");
	if (lon.p != NULL && lat.p == NULL)
		field_errors_add(&ctx->errors, "lat", "La latitude manque : donnez lat et lon ensemble.");
	q->has_point = lat_ok && lon_ok;
	if (near.p != NULL && (lat.p != NULL || lon.p != NULL))
		field_errors_add(
		    &ctx->errors, "near_commune", "Donnez soit une commune (near_commune), soit lat et lon.");
	else if (near.p != NULL)
		err = commune_point(ctx, near, q);
	if (radius.p == NULL)
		return err;
	if (!parse_double(ctx->arena, radius, &q->radius_km) || q->radius_km <= 0 || q->radius_km > PLACE_RADIUS_MAX_KM)
		field_errors_add(
		    &ctx->errors, "radius_km", "Le rayon doit être un nombre de kilomètres, plus de 0 et 200 au plus.");
	else if (lat.p == NULL && lon.p == NULL && near.p == NULL)
		field_errors_add(&ctx->errors, "radius_km", "Le rayon demande un point : near_commune, ou lat et lon.");
	return err;
}

/* The value V of filter F: its bit, comparing the standard's values exactly, then accents and case ignored. */
static bool
filter_value(struct ctx *ctx, const struct place_filter *pf, struct str v, uint32_t *bits)
{
	const struct field *f = &place_fields[pf->field];
	const char *key;

	for (size_t i = 0; i < place_nvalues(f) && i < 32; i++)
		if (str_eq_c(v, place_value(f, i))) {
			*bits |= 1u << i;
			return true;
		}
	key = utf8_fold_key(ctx->arena, v.p, v.n);
	for (size_t i = 0; i < place_nvalues(f) && i < 32; i++)
		if (strcmp(key, fold(ctx->arena, place_value(f, i))) == 0) {
			*bits |= 1u << i;
			return true;
		}
	return false;
}

static void
parse_filters(struct ctx *ctx, const struct form *f, struct place_query *q)
{
	struct str values[FILTER_VALUES_MAX];

	for (int k = 0; k < PLACE_FILTERS; k++) {
		const struct place_filter *pf = &place_filters[k];
		size_t n = form_get_all(f, pf->param, values, FILTER_VALUES_MAX);

		if (n > FILTER_VALUES_MAX) {
			field_errors_add(&ctx->errors, pf->param, "Trop de valeurs pour ce critère.");
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			for (const char *p = values[i].p, *end = p + values[i].n; p < end;) {
				const char *bar = memchr(p, '|', (size_t)(end - p));
				struct str v = str_trim((struct str){ p, (size_t)((bar ? bar : end) - p) });
				p = bar ? bar + 1 : end;
				if (v.n > 0 && !filter_value(ctx, pf, v, &q->vocab[k]))
					field_errors_add(&ctx->errors, pf->param,
					    arena_printf(ctx->arena,
					        "« %.*s » n'est pas une valeur connue du critère « %s ».",
					        (int)utf8_cut(v.p, v.n, 100), v.p, place_fields[pf->field].label));
			}
		}
	}
}

static void
parse_flags_and_page(struct ctx *ctx, const struct form *f, struct place_query *q)
{
	struct str s;
	long long n;
	int b;

	if ((b = parse_bool(param(f, "netpublic"))) == -2)
		field_errors_add(&ctx->errors, "netpublic", "La valeur doit être true ou false.");
	q->netpublic = b < 0 ? -1 : b;
	if ((b = parse_bool(param(f, "open_now"))) == -2)
		field_errors_add(&ctx->errors, "open_now", "La valeur doit être true ou false.");
	q->open_now = b == 1;
	q->page = 1;
	if ((s = param(f, "page")).p != NULL) {
		if (str_to_i64(s, &n) && n >= 1 && n <= PLACE_PAGE_MAX)
			q->page = n;
		else
			field_errors_add(&ctx->errors, "page", "Le numéro de page doit être un entier de 1 à 100 000.");
	}
	q->per_page = PLACE_PER_PAGE;
	if ((s = param(f, "per_page")).p != NULL) {
		if (str_to_i64(s, &n) && n >= 1)
			q->per_page = n > PLACE_PER_PAGE_MAX ? PLACE_PER_PAGE_MAX : n;
		else
			field_errors_add(&ctx->errors, "per_page",
			    "Le nombre de résultats par page doit être un entier positif (100 au plus).");
	}
}

tr_err
place_query_parse(struct ctx *ctx, const struct form *params, struct place_query *q)
{
	size_t before = ctx->errors.n;
	tr_err err;

	memset(q, 0, sizeof(*q));
	parse_text(ctx, params, q);
	parse_places(ctx, params, q);
	if ((err = parse_point(ctx, params, q)) != TR_OK)
		return err;
	parse_filters(ctx, params, q);
	parse_flags_and_page(ctx, params, q);
	if (ctx->errors.n > before)
		return ctx_fail(ctx, TR_INVALID, "Certains critères de recherche ne sont pas valides.");
	return TR_OK;
}

/* ---- the search ---- */

struct hit {
	double key;     /* haversine's a (grows with the distance), or the entry's rank by name */
	uint32_t entry; /* also the rank by name: ties between equal keys */
};

struct scan {
	const struct place_query *q;
	const struct place_index *idx;
	double cos_lat, lat_rad, lon_rad, a_max; /* the point, and a's bound for the radius */
	struct hours_now {
		int year, month, day, weekday, minute, holiday;
	} now;
	struct hit *hits;
	size_t n, cap;
	size_t count; /* entries matching */
	size_t keep;  /* 0: keep every match; else only the KEEP smallest (a max-heap in hits) */
};

#define HEAP_MAX 4096 /* the pages ending past this many places keep every match, then select */

static bool
matches(const struct scan *s, const struct place_entry *e)
{
	const struct place_query *q = s->q;

	if (q->code_postal && strcmp(e->code_postal, q->code_postal) != 0)
		return false;
	if (q->commune_code && strcmp(e->code_insee, q->commune_code) != 0)
		return false;
	if (q->commune_key && strcmp(e->commune_key, q->commune_key) != 0)
		return false;
	if (q->departement && strcmp(e->departement, q->departement) != 0)
		return false;
	if (q->region && strcmp(e->region, q->region) != 0)
		return false;
	if (q->netpublic >= 0 && e->netpublic != (q->netpublic == 1))
		return false;
	for (int f = 0; f < PLACE_FILTERS; f++)
		if (q->vocab[f] != 0 && (q->vocab[f] & e->vocab[f]) == 0)
			return false;
	for (size_t i = 0; i < q->nwords; i++)
		if (strstr(e->search_key, q->words[i]) == NULL)
			return false;
	if (q->open_now && (e->hours == NULL || hours_state_at(e->hours, s->now.year, s->now.month, s->now.day,
	                                            s->now.weekday, s->now.minute, s->now.holiday) != HOURS_OPEN))
		return false;
	return true;
}

/* sin X; for the small angles of a radius search (|X| < 0.05 rad: 320 km of half-distance), its Taylor series to
 * x⁵, whose error (x⁷/5040 < 2e-13) is far below a centimetre, at a fraction of the cost of sin(). */
static double
sin_small(double x)
{
	double x2 = x * x;

	return fabs(x) < 0.05 ? x * (1 - x2 / 6 * (1 - x2 / 20)) : sin(x);
}

/* Haversine's a between the query's point and (LAT, LON), in radians: sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2). */
static double
haversine_a(const struct scan *s, double lat, double lon, double cos_lat)
{
	double dlat = sin_small((lat - s->lat_rad) / 2), dlon = sin_small((lon - s->lon_rad) / 2);

	return dlat * dlat + s->cos_lat * cos_lat * dlon * dlon;
}

static double
distance_km(double a)
{
	return 2 * EARTH_RADIUS_KM * asin(sqrt(a < 1 ? a : 1));
}

/* Appends entry I to the hits (already known to match), keyed by its rank. */
static void
consider_kept(struct scan *s, uint32_t i)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->hits = xrealloc(s->hits, s->cap * sizeof(*s->hits));
	}
	s->hits[s->n++] = (struct hit){ (double)i, i };
}

static bool hit_less(const struct hit *a, const struct hit *b);
static void hit_swap(struct hit *a, struct hit *b);

/* Adds entry I, whose sort key is KEY, to the hits when it meets the other criteria: every one, or, with
 * s->keep, the s->keep smallest seen so far (the largest of them at the top of the heap). */
static void
consider(struct scan *s, uint32_t i, double key)
{
	struct hit h = { key, i };

	if (!matches(s, &s->idx->entries[i]))
		return;
	s->count++;
	if (s->keep > 0 && s->n == s->keep) {
		size_t at = 0;
		if (!hit_less(&h, &s->hits[0]))
			return;
		s->hits[0] = h;
		for (;;) { /* sift down */
			size_t big = at, l = 2 * at + 1, r = l + 1;
			if (l < s->n && hit_less(&s->hits[big], &s->hits[l]))
				big = l;
			if (r < s->n && hit_less(&s->hits[big], &s->hits[r]))
				big = r;
			if (big == at)
				return;
			hit_swap(&s->hits[at], &s->hits[big]);
			at = big;
		}
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->hits = xrealloc(s->hits, s->cap * sizeof(*s->hits));
	}
	s->hits[s->n++] = h;
	for (size_t at = s->n - 1; s->keep > 0 && at > 0 && hit_less(&s->hits[(at - 1) / 2], &s->hits[at]);
	     at = (at - 1) / 2) /* sift up */
		hit_swap(&s->hits[at], &s->hits[(at - 1) / 2]);
}

/* Whether Q asks for every place (no criterion): the page of the index's order, without a scan. */
static bool
query_is_empty(const struct place_query *q)
{
	if (q->nwords > 0 || q->commune_code || q->commune_key || q->code_postal || q->departement || q->region ||
	    q->has_point || q->netpublic >= 0 || q->open_now)
		return false;
	for (int f = 0; f < PLACE_FILTERS; f++)
		if (q->vocab[f] != 0)
			return false;
	return true;
}

/* The page of a search in the index's order (by name): the matches in [OFFSET, END) of the scan, counted. */
static void
scan_by_name(struct scan *s, size_t offset, size_t end)
{
	const struct place_index *idx = s->idx;

	if (query_is_empty(s->q)) {
		s->count = idx->n;
		for (size_t i = offset; i < end && i < idx->n; i++)
			consider_kept(s, (uint32_t)i);
		return;
	}
	for (size_t i = 0; i < idx->n; i++) {
		if (!matches(s, &idx->entries[i]))
			continue;
		if (s->count >= offset && s->count < end)
			consider_kept(s, (uint32_t)i);
		s->count++;
	}
}

/* First cell_ref at or after CELL. */
static size_t
cell_lower_bound(const struct place_index *idx, int32_t cell)
{
	size_t lo = 0, hi = idx->ncells;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (idx->cells[mid].cell < cell)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
scan_cells(struct scan *s, int row, int col0, int col1)
{
	int32_t last = row * GRID_COLS + col1;

	for (size_t i = cell_lower_bound(s->idx, row * GRID_COLS + col0); i < s->idx->ncells; i++) {
		const struct cell_ref *c = &s->idx->cells[i];
		double a;
		if (c->cell > last)
			break;
		if ((a = haversine_a(s, c->lat_rad, c->lon_rad, c->cos_lat)) <= s->a_max)
			consider(s, c->entry, a);
	}
}

/* Half the width in longitude, in degrees, that the circle of the query covers within the latitudes [LO, HI]
 * (degrees, inside the circle's latitudes), or 180 for all. From a ≤ a_max: sin²(Δλ/2) ≤ (a_max − sin²(Δφ/2)) /
 * (cos φ0 cos φ), bounded above with the Δφ nearest the centre and the φ farthest from the equator. */
static double
row_half_width(const struct scan *s, double lo, double hi)
{
	double nearest = fmin(fmax(s->q->lat, lo), hi), dphi = sin((nearest - s->q->lat) * DEG / 2);
	double den = s->cos_lat * cos(fmax(fabs(lo), fabs(hi)) * DEG), f;

	if (den < 1e-9)
		return 180;
	f = (s->a_max - dphi * dphi) / den;
	if (f >= 1)
		return 180;
	return 2 * asin(sqrt(fmax(f, 0))) / DEG * (1 + 1e-9) + 1e-9;
}

/* The cells the radius' circle may reach, row by row: each row's columns from its own width (a row crossing ±180°
 * in two pieces). */
static void
scan_radius(struct scan *s)
{
	const struct place_query *q = s->q;
	double dlat = q->radius_km / KM_PER_DEGREE * (1 + 1e-9), lat0 = fmax(q->lat - dlat, -90),
	       lat1 = fmin(q->lat + dlat, 90);
	int row0 = cell_of(lat0, 0) / GRID_COLS, row1 = cell_of(lat1, 0) / GRID_COLS;

	for (int row = row0; row <= row1; row++) {
		double lo = fmax((double)row / GRID_STEP - 90, lat0),
		       hi = fmin((double)(row + 1) / GRID_STEP - 90, lat1);
		double dlon = row_half_width(s, lo, hi);
		int col0, col1;

		if (dlon >= 180) {
			scan_cells(s, row, 0, GRID_COLS - 1);
			continue;
		}
		col0 = (int)floor((q->lon - dlon + 180) * GRID_STEP);
		col1 = (int)floor((q->lon + dlon + 180) * GRID_STEP);
		if (col0 < 0) {
			scan_cells(s, row, col0 + GRID_COLS, GRID_COLS - 1);
			col0 = 0;
		}
		if (col1 >= GRID_COLS) {
			scan_cells(s, row, 0, col1 - GRID_COLS);
			col1 = GRID_COLS - 1;
		}
		scan_cells(s, row, col0, col1);
	}
}

static bool
hit_less(const struct hit *a, const struct hit *b)
{
	return a->key < b->key || (a->key == b->key && a->entry < b->entry);
}

static int
hit_cmp(const void *pa, const void *pb)
{
	return hit_less(pa, pb) ? -1 : hit_less(pb, pa) ? 1 : 0;
}

static void
hit_swap(struct hit *a, struct hit *b)
{
	struct hit t = *a;

	*a = *b;
	*b = t;
}

/* Rearranges H (N hits, all distinct) so that its first K are the K smallest, in no order (quickselect). */
static void
select_smallest(struct hit *h, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* the K-th smallest is within [lo, hi) */

	while (hi - lo > 1 && k > lo && k < hi) {
		size_t mid = lo + (hi - lo) / 2, store = lo;
		/* Median of three as the pivot, moved to the end. */
		if (hit_less(&h[mid], &h[lo]))
			hit_swap(&h[mid], &h[lo]);
		if (hit_less(&h[hi - 1], &h[lo]))
			hit_swap(&h[hi - 1], &h[lo]);
		if (hit_less(&h[mid], &h[hi - 1]))
			hit_swap(&h[mid], &h[hi - 1]);
		for (size_t i = lo; i < hi - 1; i++)
			if (hit_less(&h[i], &h[hi - 1]))
				hit_swap(&h[i], &h[store++]);
		hit_swap(&h[store], &h[hi - 1]);
		/* h[store] is in its final place. */
		if (store < k)
			lo = store + 1;
		else
			hi = store;
	}
}

tr_err
place_search(struct ctx *ctx, const struct place_index *idx, const struct place_query *q, struct place_results *out)
{
	struct scan s = { .q = q, .idx = idx };
	size_t offset = (size_t)((q->page - 1) * q->per_page), end;

	memset(out, 0, sizeof(*out));
	out->page = q->page;
	out->per_page = q->per_page;
	out->has_distance = q->has_point;
	if (q->open_now) {
		struct local_time lt = time_paris(ctx->now);
		s.now = (struct hours_now){ lt.year, lt.month, lt.day, lt.weekday, lt.minute,
			hours_is_public_holiday(lt.year, lt.month, lt.day) };
	}
	if (q->has_point) {
		s.lat_rad = q->lat * DEG;
		s.lon_rad = q->lon * DEG;
		s.cos_lat = cos(s.lat_rad);
		s.a_max = 2; /* a never exceeds 1 */
		if (q->radius_km > 0) {
			double h = sin(q->radius_km / (2 * EARTH_RADIUS_KM));
			s.a_max = h * h;
		}
	}
	end = offset + (size_t)q->per_page;
	if (!q->has_point) {
		/* By name: the scan goes in the index's order, so the page is its matches from OFFSET to END. */
		scan_by_name(&s, offset, end);
		out->total = s.count;
		out->n = s.n;
		out->items = arena_alloc(ctx->arena, (s.n ? s.n : 1) * sizeof(*out->items));
		for (size_t i = 0; i < s.n; i++)
			out->items[i] = (struct place_hit){ &idx->entries[s.hits[i].entry], 0 };
		free(s.hits);
		return TR_OK;
	}
	/* By distance: a heap of the END nearest when the page ends early enough, else every match then a
	 * selection. */
	s.keep = end <= HEAP_MAX ? end : 0;
	if (q->radius_km > 0) {
		scan_radius(&s);
	} else {
		for (size_t i = 0; i < idx->ncells; i++) {
			const struct cell_ref *c = &idx->cells[i];
			consider(&s, c->entry, haversine_a(&s, c->lat_rad, c->lon_rad, c->cos_lat));
		}
	}
	out->total = s.count;
	if (offset < s.n) {
		end = s.n - offset > (size_t)q->per_page ? offset + (size_t)q->per_page : s.n;
		if (s.keep == 0)
			select_smallest(s.hits, s.n, end);
		qsort(s.hits, end, sizeof(*s.hits), hit_cmp);
		out->n = end - offset;
		out->items = arena_alloc(ctx->arena, out->n * sizeof(*out->items));
		for (size_t i = 0; i < out->n; i++) {
			const struct hit *h = &s.hits[offset + i];
			out->items[i].place = &idx->entries[h->entry];
			out->items[i].distance_km = distance_km(h->key);
		}
	}
	free(s.hits);
	return TR_OK;
}

/* ,"distance_km":D} with D in km to two decimals (by hand: printf's floating point is a good part of the cost of
 * an answer). */
static tr_err
put_distance(struct buf *out, double km)
{
	char tmp[48], *p = tmp + sizeof(tmp);
	long long centi = llround(km * 100);
	tr_err err;

	*--p = '}';
	*--p = (char)('0' + centi % 10);
	*--p = (char)('0' + centi / 10 % 10);
	*--p = '.';
	centi /= 100;
	do
		*--p = (char)('0' + centi % 10);
	while ((centi /= 10) > 0);
	err = buf_puts(out, ",\"distance_km\":");
	return err == TR_OK ? buf_append(out, p, (size_t)(tmp + sizeof(tmp) - p)) : err;
}

tr_err
place_results_json(const struct place_results *r, struct buf *out)
{
	/* About what a page of places takes, at once (the doublings from a small buffer copy it again and again). */
	tr_err err = buf_grow(out, r->n * 1536 + 128);

	if (err == TR_OK)
		err = buf_puts(out, "{\"items\":[");

	for (size_t i = 0; i < r->n && err == TR_OK; i++) {
		const struct place_entry *e = r->items[i].place;
		if (i > 0)
			err = buf_putc(out, ',');
		if (err == TR_OK)
			err = entry_fields(e, out);
		if (err == TR_OK)
			err = r->has_distance ? put_distance(out, r->items[i].distance_km) : buf_putc(out, '}');
	}
	if (err == TR_OK)
		err = buf_printf(out, "],\"total\":%zu,\"page\":%lld,\"per_page\":%lld}", r->total, (long long)r->page,
		    (long long)r->per_page);
	return err;
}
