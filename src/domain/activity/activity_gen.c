/* Realistic activity reports for the benchmark and the demo: advisers in structures over real communes, sessions
 * over the chosen span with the vocabularies' usual frequencies (the first platform's age grid and « demande
 * ponctuelle » before its end), stored through activity_ingest (the bulk API's path, rollups included) or written as
 * NDJSON batches for the API. */
#include "domain/activity/activity_gen.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/time.h"
#include "domain/activity/activity.h"
#include "domain/kernel/common.h"
#include "model/activity/activity.h"

/* The end of the first platform: its codes are valid up to this day. */
#define FIRST_PLATFORM_END "2024-10-31"
#define GEN_EMAIL_DOMAIN "gen.tremplin.invalid"

static uint64_t
next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ull;
}

static int
pick(uint64_t *s, int n)
{
	return (int)(next(s) % (uint64_t)n);
}

/* An index drawn by WEIGHTS (any sum). */
static size_t
windex(uint64_t *s, const int *weights, size_t n)
{
	int total = 0, r;

	for (size_t i = 0; i < n; i++)
		total += weights[i];
	r = pick(s, total);
	for (size_t i = 0; i < n; i++) {
		if (r < weights[i])
			return i;
		r -= weights[i];
	}
	return n - 1;
}

/* A code drawn from CODES by WEIGHTS. */
static const char *
weighted(uint64_t *s, const char *const *codes, const int *weights, size_t n)
{
	return codes[windex(s, weights, n)];
}

#define W(codes, weights, s) weighted((s), (codes), (weights), sizeof(codes) / sizeof((codes)[0]))

static const char *const themes[] = { "email", "navigation_sur_internet", "prendre_en_main_du_materiel",
	"aide_aux_demarches_administratives", "sante", "banque_et_achats_en_ligne", "securite_numerique", "bureautique",
	"gerer_ses_contenus_numeriques", "reseaux_sociaux", "insertion_professionnelle", "social_sante", "logement",
	"argent_impots", "travail_formation", "papiers_elections_citoyennete", "culture_numerique",
	"intelligence_artificielle" };
static const int theme_w[] = { 16, 12, 14, 12, 6, 5, 6, 5, 5, 4, 4, 4, 3, 3, 3, 4, 2, 1 };
static const char *const places[] = { "lieu_activite", "domicile", "a_distance", "autre" };
static const int place_w[] = { 70, 7, 10, 13 };
static const int durations[] = { 15, 30, 45, 60, 90, 120, 180 };
static const int duration_w[] = { 10, 28, 20, 22, 10, 8, 2 };
static const char *const equipment[] = { "ordinateur", "telephone", "tablette", "autre", "aucun" };
static const int equipment_w[] = { 45, 35, 10, 3, 7 };
static const char *const autonomy[] = { "entierement_accompagne", "partiellement_autonome", "autonome" };
static const int autonomy_w[] = { 45, 40, 15 };
static const char *const ages_now[] = { "moins_12", "12_17", "18_24", "25_39", "40_59", "60_69", "70_plus" };
static const int ages_now_w[] = { 2, 4, 8, 18, 26, 20, 22 };
static const char *const ages_first[] = { "p1_moins_12", "p1_12_18", "p1_18_35", "p1_35_60", "p1_plus_60" };
static const int ages_first_w[] = { 2, 5, 20, 35, 38 };
static const char *const statuses[] = { "scolarise", "sans_emploi", "en_emploi", "retraite" };
static const int statuses_w[] = { 8, 30, 25, 37 };
static const char *const redirects[] = { "administration", "operateur_ou_organisme_en_charge", "aide_sociale",
	"insertion_professionnelle", "aide_aux_demarches_administratives", "mediation_numerique" };

/* Appends to O's member KEY a breakdown of P participants over CODES drawn by WEIGHTS, a share « not given ». */
static void
breakdown(uint64_t *s, json_t *o, const char *key, int p, const char *const *codes, const int *weights, size_t n)
{
	json_t *b = json_object();
	int given = p - (pick(s, 5) == 0 ? pick(s, p + 1) : 0);

	for (int i = 0; i < given; i++) {
		const char *c = weighted(s, codes, weights, n);
		json_object_set_new(b, c, json_integer(json_integer_value(json_object_get(b, c)) + 1));
	}
	if (given < p)
		json_object_set_new(b, ACTIVITY_NOT_GIVEN, json_integer(p - given));
	json_object_set_new(o, key, b);
}

json_t *
activity_gen_report(uint64_t *s, struct arena *a, const char *date, const char *commune, const char *other_commune)
{
	bool first = strcmp(date, FIRST_PLATFORM_END) <= 0;
	int r = pick(s, 100), p, d;
	const char *type = r < (first ? 62 : 72) ? "individuel" : r < (first ? 82 : 100) ? "collectif" : "ponctuel";
	const char *place = W(places, place_w, s);
	json_t *o, *th = json_array(), *eq = json_array();
	int nthemes = 1 + (pick(s, 3) == 0) + (pick(s, 8) == 0);

	p = strcmp(type, "collectif") == 0 ? 3 + pick(s, 10) : 1 + (pick(s, 10) == 0);
	d = strcmp(type, "ponctuel") == 0 ? 15 : durations[windex(s, duration_w, 7)];
	for (int i = 0; i < nthemes; i++) {
		const char *t = W(themes, theme_w, s);
		bool seen = false;
		for (size_t k = 0; k < json_array_size(th); k++)
			seen = seen || strcmp(json_string_value(json_array_get(th, k)), t) == 0;
		if (!seen)
			json_array_append_new(th, json_string(t));
	}
	json_array_append_new(eq, json_string(W(equipment, equipment_w, s)));
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:o, s:o, s:s}", "session_on", date, "type", type,
	    "place_kind", place, "commune_code", strcmp(place, "autre") == 0 && other_commune ? other_commune : commune,
	    "duration_min", d, "participants", p, "already", pick(s, p + 1) * (pick(s, 3) != 0), "themes", th,
	    "equipment", eq, "autonomy", W(autonomy, autonomy_w, s));
	breakdown(s, o, "genders", p, (const char *const[]){ "feminin", "masculin" }, (const int[]){ 58, 42 }, 2);
	if (first)
		breakdown(s, o, "ages", p, ages_first, ages_first_w, 5);
	else
		breakdown(s, o, "ages", p, ages_now, ages_now_w, 7);
	breakdown(s, o, "statuses", p, statuses, statuses_w, 4);
	if (strcmp(type, "collectif") == 0) {
		json_object_set_new(o, "workshop_title",
		    json_string(arena_printf(a, "Atelier %s", json_string_value(json_array_get(th, 0)))));
		json_object_set_new(o, "workshop_level", json_string(pick(s, 3) ? "debutant" : "intermediaire"));
	}
	r = pick(s, 100);
	if (r < 30)
		json_object_set_new(o, "followups", json_string("individuel"));
	else if (r < 40)
		json_object_set_new(o, "followups", json_string("atelier"));
	else if (r < 52) {
		json_object_set_new(o, "followups", json_string("redirige"));
		json_object_set_new(o, "redirect_kind", json_string(redirects[pick(s, 6)]));
	}
	return o;
}

/* The structures and advisers of the benchmark (made once, found again by their email): NADV advisers, four a
 * structure, each structure on one of the most populated communes. Fills ADV (ids) and ADV_COMMUNE. */
static tr_err
advisers(struct ctx *ctx, int64_t nadv, int64_t *adv, const char **adv_commune, const char **communes, size_t ncommunes,
    uint64_t *s)
{
	struct db_rows *r;
	tr_err err;

	TRY(tx_begin(ctx));
	for (int64_t i = 0; i < nadv; i++) {
		const char *email = arena_printf(ctx->arena, "conseiller-%05lld@" GEN_EMAIL_DOMAIN, (long long)i);
		int64_t org;
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT p.id, o.commune_code FROM people p JOIN activity_mediators m ON m.person_id = p.id JOIN "
		    "organisations o ON o.id = m.organisation_id WHERE p.email = ?",
		    &r, DB_TEXT(email));
		if (err == TR_OK) {
			adv[i] = db_int(db_cell(r, 0, 0));
			adv_commune[i] = db_text(db_cell(r, 0, 1));
			continue;
		}
		if (err != TR_NOT_FOUND)
			goto out;
		if (i % 4 == 0 || i == 0) {
			const char *commune = communes[pick(s, (int)ncommunes)];
			TRY(db_onev(ctx->db, ctx->arena,
			    "INSERT INTO organisations (name, kind, commune_code, created_at, updated_at) VALUES (?, "
			    "'employer', "
			    "?, ?, ?) RETURNING id",
			    &r,
			    DB_TEXT(arena_printf(ctx->arena, "Structure de médiation n° %lld", (long long)(i / 4 + 1))),
			    DB_TEXT(commune), DB_I64(ctx->now), DB_I64(ctx->now)));
		} else {
			TRY(db_onev(ctx->db, ctx->arena,
			    "SELECT organisation_id FROM activity_mediators WHERE person_id = ?", &r,
			    DB_I64(adv[i - 1])));
		}
		org = db_int(db_cell(r, 0, 0));
		TRY(db_onev(ctx->db, ctx->arena,
		    "INSERT INTO people (email, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id", &r,
		    DB_TEXT(email), DB_TEXT(arena_printf(ctx->arena, "Conseiller %05lld", (long long)i)),
		    DB_I64(ctx->now), DB_I64(ctx->now)));
		adv[i] = db_int(db_cell(r, 0, 0));
		TRY(db_execv(ctx->db,
		    "INSERT INTO memberships (person_id, role, organisation_id, created_at) VALUES (?, 'employer', ?, "
		    "?)",
		    NULL, DB_I64(adv[i]), DB_I64(org), DB_I64(ctx->now)));
		TRY(db_execv(ctx->db,
		    "INSERT INTO activity_mediators (organisation_id, person_id, since_on, created_at) VALUES (?, ?, "
		    "'2021-01-01', ?)",
		    NULL, DB_I64(org), DB_I64(adv[i]), DB_I64(ctx->now)));
		TRY(db_onev(
		    ctx->db, ctx->arena, "SELECT commune_code FROM organisations WHERE id = ?", &r, DB_I64(org)));
		adv_commune[i] = db_text(db_cell(r, 0, 0));
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
activity_generate(struct ctx *ctx, const struct activity_gen *g, activity_gen_write_fn write, void *ud)
{
	struct db_rows *r;
	int64_t *adv;
	const char **adv_commune, **communes;
	const char *today = date_iso(ctx->arena, ctx->now);
	uint64_t s = g->seed ? g->seed : 88172645463325252ull;
	struct buf b = BUF_INIT(ACTIVITY_BATCH_BYTES_MAX);
	int64_t in_batch = 0;
	struct arena *scratch = NULL;
	tr_err err;

	if (g->advisers <= 0 || g->advisers > 100000 || g->days <= 0)
		return ctx_fail(ctx, TR_INVALID, "Paramètres de génération invalides.");
	err = db_query(
	    ctx->db, ctx->arena, "SELECT code FROM communes ORDER BY population DESC, code LIMIT 3000", NULL, 0, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (r->nrows == 0)
		return ctx_fail(
		    ctx, TR_INVALID, "Aucune commune : chargez d'abord les données de référence (tremplin seed).");
	communes = arena_alloc(ctx->arena, r->nrows * sizeof(*communes));
	for (size_t i = 0; i < r->nrows; i++)
		communes[i] = db_text(db_cell(r, i, 0));
	adv = arena_alloc(ctx->arena, (size_t)g->advisers * sizeof(*adv));
	adv_commune = arena_alloc(ctx->arena, (size_t)g->advisers * sizeof(*adv_commune));
	if ((err = advisers(ctx, g->advisers, adv, adv_commune, communes, r->nrows, &s)) != TR_OK)
		return err;
	scratch = arena_new();
	for (int64_t i = 0; i < g->count; i++) {
		int64_t k = pick(&s, (int)g->advisers);
		const char *date = date_add(scratch, today, 0, -pick(&s, (int)g->days));
		json_t *o = activity_gen_report(&s, scratch, date, adv_commune[k] ? adv_commune[k] : communes[0],
		    communes[pick(&s, (int)r->nrows)]);
		char *line;
		json_object_set_new(
		    o, "source_id", json_string(arena_printf(scratch, "%s-%lld", g->prefix, (long long)i)));
		json_object_set_new(o, "adviser_id", json_integer(adv[k]));
		line = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		err = buf_puts(&b, line);
		free(line);
		if (err == TR_OK)
			err = buf_putc(&b, '\n');
		if (err != TR_OK)
			goto out;
		if (++in_batch == g->batch || i == g->count - 1) {
			if ((err = write(ud, buf_str(&b).p, buf_str(&b).n)) != TR_OK)
				goto out;
			in_batch = 0;
			buf_reset(&b);
			arena_free(scratch);
			scratch = arena_new();
		}
	}
out:
	if (scratch)
		arena_free(scratch);
	buf_free(&b);
	return err;
}
