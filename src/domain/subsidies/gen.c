/* The synthetic subsidies data set (gen.h): rows inserted in batches through bound SQL, every schedule computed and
 * stored by the domain's own path; and the recomputation of every schedule. */
#include "domain/subsidies/gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/subsidies/schedule.h"
#include "domain/subsidies/subsidy_int.h"

#define ARRAY_LEN(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))
#define BATCH 500

static uint64_t
next(uint64_t *s)
{
	/* xorshift64*: reproducible from the seed. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static int64_t
pick(uint64_t *s, int64_t n)
{
	return n > 0 ? (int64_t)(next(s) % (uint64_t)n) : 0;
}

/* An index drawn from weights W (N of them, in percent or any unit). */
static int64_t
weighted(uint64_t *s, const int *w, int64_t n)
{
	int64_t sum = 0, r;

	for (int64_t i = 0; i < n; i++)
		sum += w[i];
	r = pick(s, sum);
	for (int64_t i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

/* ---- Batches: each its own arena (a national data set does not fit one), errors kept in the caller's ---- */

static struct arena *
batch_begin(struct ctx *ctx)
{
	struct arena *keep = ctx->arena;

	ctx->arena = arena_new();
	return keep;
}

static void
batch_end(struct ctx *ctx, struct arena *keep)
{
	if (ctx->message)
		ctx->message = arena_strdup(keep, ctx->message);
	for (size_t i = 0; i < ctx->errors.n; i++) {
		ctx->errors.items[i].field = arena_strdup(keep, ctx->errors.items[i].field);
		ctx->errors.items[i].message = arena_strdup(keep, ctx->errors.items[i].message);
	}
	arena_free(ctx->arena);
	ctx->arena = keep;
}

/* ---- Identifiers that pass their checks ---- */

/* A SIRET (14 digits, Luhn) made of N. */
static char *
siret_of(struct arena *a, uint64_t seed, int64_t n)
{
	char d[15];
	int sum = 0;

	snprintf(d, sizeof d, "9%02llu%010lld", (unsigned long long)(seed % 100), (long long)(n % 10000000000));
	for (int i = 12, dbl = 1; i >= 0; i--, dbl = !dbl) {
		int v = (d[i] - '0') * (dbl ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
	}
	d[13] = (char)('0' + (10 - sum % 10) % 10);
	d[14] = '\0';
	return arena_strdup(a, d);
}

static int
mod97(const char *digits)
{
	int r = 0;

	for (const char *p = digits; *p; p++)
		r = (r * 10 + (*p - '0')) % 97;
	return r;
}

/* A French IBAN (its RIB key and its check digits right) of account N, grouped by four. */
static char *
iban_of(struct arena *a, int64_t n)
{
	long long branch = n % 99999 + 1, acc = n % 100000000000LL;
	/* The RIB key: 97 − (89 × bank + 15 × branch + 3 × account) mod 97. */
	int key = 97 - (int)((89LL * 30004 + 15LL * branch + 3LL * (acc % 97)) % 97);
	char *bban = arena_printf(a, "30004%05lld%011lld%02d", branch, acc, key);
	int check = 98 - mod97(arena_printf(a, "%s152700", bban)); /* "FR00" moved to the end, letters as numbers */
	char *num = arena_printf(a, "FR%02d%s", check, bban);
	char *out = arena_alloc(a, 2 * strlen(num) + 1);
	size_t o = 0;

	for (size_t i = 0; num[i]; i++) {
		if (i && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = num[i];
	}
	out[o] = '\0';
	return out;
}

/* ---- The reference rows the data set needs ---- */

struct refs {
	int64_t eav, cnfs, job_profile, tutor;
	struct db_rows *communes; /* code, region_code, departement_code, name */
	int64_t rule_non_market, rule_market, rule_geiq;
	int64_t rate_non_market, rate_market, rate_geiq;
	int64_t w1_public, w1_antilles, w1_reunion, w1_private, w2_public, w2_private;
	int64_t bonus_2500, bonus_5000;
};

static int64_t
rule_id(struct ctx *ctx, const char *code, int64_t *rate, tr_err *err)
{
	struct db_rows *r;

	if (*err != TR_OK)
		return 0;
	*err = db_onev(ctx->db, ctx->arena, "SELECT id, rate_bp FROM aid_rules WHERE code = ?", &r, DB_TEXT(code));
	if (*err != TR_OK)
		return 0;
	if (rate)
		*rate = db_int(db_cell(r, 0, 1));
	return db_int(db_cell(r, 0, 0));
}

static int64_t
bonus_id(struct ctx *ctx, const char *code, tr_err *err)
{
	struct db_rows *r;

	if (*err != TR_OK)
		return 0;
	*err = db_onev(ctx->db, ctx->arena, "SELECT id FROM aid_bonuses WHERE code = ?", &r, DB_TEXT(code));
	return *err == TR_OK ? db_int(db_cell(r, 0, 0)) : 0;
}

static tr_err
refs_load(struct ctx *ctx, uint64_t seed, struct refs *f)
{
	struct db_rows *r;
	tr_err err;

	memset(f, 0, sizeof *f);
	if ((err = db_query(ctx->db, ctx->arena,
	         "SELECT (SELECT id FROM programmes WHERE code = 'EAV-EPN-2013'), (SELECT id FROM programmes WHERE "
	         "code = "
	         "'CNFS-2020'), (SELECT MIN(j.id) FROM job_profiles j JOIN programmes p ON p.id = j.programme_id WHERE "
	         "p.code = 'EAV-EPN-2013')",
	         NULL, 0, &r)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (db_isnull(db_cell(r, 0, 0)) || db_isnull(db_cell(r, 0, 1)))
		return ctx_fail(ctx, TR_NOT_FOUND,
		    "Les dispositifs EAV-EPN-2013 et CNFS-2020 manquent : lancez d'abord « tremplin seed ».");
	f->eav = db_int(db_cell(r, 0, 0));
	f->cnfs = db_int(db_cell(r, 0, 1));
	f->job_profile = db_isnull(db_cell(r, 0, 2)) ? 0 : db_int(db_cell(r, 0, 2));
	if ((err = db_query(ctx->db, ctx->arena,
	         "SELECT c.code, d.region_code, c.departement_code, c.name FROM communes c JOIN departements d ON "
	         "d.code = "
	         "c.departement_code WHERE d.region_code IS NOT NULL ORDER BY c.code",
	         NULL, 0, &f->communes)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (f->communes->nrows == 0)
		return ctx_fail(ctx, TR_NOT_FOUND, "Il manque les communes : lancez d'abord « tremplin seed ».");
	err = TR_OK;
	f->rule_non_market = rule_id(ctx, "eav_non_market", &f->rate_non_market, &err);
	f->rule_market = rule_id(ctx, "eav_market", &f->rate_market, &err);
	f->rule_geiq = rule_id(ctx, "eav_geiq", &f->rate_geiq, &err);
	f->w1_public = rule_id(ctx, "cnfs_w1_public", NULL, &err);
	f->w1_antilles = rule_id(ctx, "cnfs_w1_public_antilles", NULL, &err);
	f->w1_reunion = rule_id(ctx, "cnfs_w1_public_reunion_mayotte", NULL, &err);
	f->w1_private = rule_id(ctx, "cnfs_w1_private", NULL, &err);
	f->w2_public = rule_id(ctx, "cnfs_w2_public", NULL, &err);
	f->w2_private = rule_id(ctx, "cnfs_w2_private", NULL, &err);
	f->bonus_2500 = bonus_id(ctx, "qpv_zrr_2500", &err);
	f->bonus_5000 = bonus_id(ctx, "qpv_zrr_5000", &err);
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Une règle d'aide des données de référence manque (migration 0011).");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	/* The tutor of every generated contract. */
	const char *email = arena_printf(ctx->arena, "tuteur-gen-%llu@aides.invalid", (unsigned long long)seed);
	if ((err = db_queryv(ctx->db, ctx->arena, "SELECT id FROM people WHERE email = ?", &r, DB_TEXT(email))) !=
	    TR_OK)
		return ctx_storage_error(ctx, err);
	if (r->nrows == 0 &&
	    (err = db_onev(ctx->db, ctx->arena,
	         "INSERT INTO people (email, name, created_at, updated_at) VALUES (?, 'Tuteur généré', "
	         "?, ?) RETURNING id",
	         &r, DB_TEXT(email), DB_I64(ctx->now), DB_I64(ctx->now))) != TR_OK)
		return ctx_storage_error(ctx, err);
	f->tutor = db_int(db_cell(r, 0, 0));
	return TR_OK;
}

/* An employer on commune C with its bank details; *ORG receives it. */
static tr_err
employer(struct ctx *ctx, const struct refs *f, uint64_t seed, int64_t n, size_t c, const char *name, int64_t *org)
{
	struct db_rows *r;
	tr_err err;

	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO organisations (name, kind, siret, commune_code, created_at, updated_at) VALUES (?, "
	    "'employer', "
	    "?, ?, ?, ?) RETURNING id",
	    &r, DB_TEXT(name), DB_TEXT(siret_of(ctx->arena, seed, n)), DB_TEXT(db_text(db_cell(f->communes, c, 0))),
	    DB_I64(ctx->now), DB_I64(ctx->now)));
	*org = db_int(db_cell(r, 0, 0));
	TRY(db_execv(ctx->db,
	    "INSERT INTO bank_details (organisation_id, holder, iban, bic, created_at, updated_at) VALUES (?, ?, ?, "
	    "'AGRIFRPP', ?, ?)",
	    NULL, DB_I64(*org), DB_TEXT(name), DB_TEXT(iban_of(ctx->arena, (int64_t)(seed % 1000) * 10000000 + n)),
	    DB_I64(ctx->now), DB_I64(ctx->now)));
out:
	return err;
}

static char *
day_iso(struct arena *a, int64_t d)
{
	int y, m, dd;

	date_civil(d, &y, &m, &dd);
	return arena_printf(a, "%04d-%02d-%02d", y, m, dd);
}

/* Day D plus MONTHS months (the day clamped to the month's length). */
static int64_t
add_months(int64_t d, int months)
{
	int y, m, dd, last;

	date_civil(d, &y, &m, &dd);
	m += months;
	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	last = date_month_days(y, m);
	return date_days(y, m, dd > last ? last : dd);
}

/* ---- Hourly aid: the contracts of Emplois d'avenir ---- */

static const char *const end_reasons[] = { "faute_grave", "force_majeure", "periode_essai", "inaptitude",
	"eco_redressement", "rupture_conventionnelle", "accord_commun", "licenciement", "demission", "autre" };
/* The contract's break reason of each aid end reason (the contracts' own vocabulary). */
static const char *const break_reasons[] = { "dismissal", "other", "trial", "dismissal", "dismissal", "agreement",
	"agreement", "dismissal", "resignation", "other" };
static const char *const ended_by[] = { "employer", "employer", "employer", "employer", "employer", "mutual", "mutual",
	"employer", "employee", "employer" };

struct employer_eav {
	int64_t org, dossier, offer;
	const char *region;
	int sector; /* 0 non-market, 1 market, 2 GEIQ */
};

static tr_err
eav_employer(struct ctx *ctx, const struct refs *f, uint64_t *s, uint64_t seed, int64_t n, struct employer_eav *e)
{
	static const int sector_w[] = { 70, 22, 8 };
	struct db_rows *r;
	size_t c;
	tr_err err;

	/* Emplois d'avenir ran in metropolitan France and the overseas départements but Mayotte (its SMIC table
	 * starts in 2026 here). */
	do
		c = (size_t)pick(s, (int64_t)f->communes->nrows);
	while (strcmp(db_text(db_cell(f->communes, c, 2)), "976") == 0);
	e->sector = (int)weighted(s, sector_w, ARRAY_LEN(sector_w));
	e->region = arena_strdup(ctx->arena, db_text(db_cell(f->communes, c, 1)));
	TRY(employer(ctx, f, seed, n, c,
	    arena_printf(ctx->arena, "%s générée %lld",
	        e->sector == 0   ? "Association"
	        : e->sector == 1 ? "Entreprise"
	                         : "GEIQ",
	        (long long)n),
	    &e->org));
	const char *place = arena_printf(ctx->arena, "gen-aides-%llu-%lld", (unsigned long long)seed, (long long)n);
	TRY(db_execv(ctx->db,
	    "INSERT INTO places (id, pivot, nom, commune, code_postal, code_insee, adresse, date_maj, networks, "
	    "departement_code, region_code, organisation_id, created_at, updated_at) VALUES (?, ?, ?, ?, '00000', ?, "
	    "'1 place de la Mairie', '2013-01-01', '', ?, ?, ?, ?, ?)",
	    NULL, DB_TEXT(place), DB_TEXT(place), DB_TEXT(arena_printf(ctx->arena, "Lieu généré %lld", (long long)n)),
	    DB_TEXT(db_text(db_cell(f->communes, c, 3))), DB_TEXT(db_text(db_cell(f->communes, c, 0))),
	    DB_TEXT(db_text(db_cell(f->communes, c, 2))), DB_TEXT(e->region), DB_I64(e->org), DB_I64(ctx->now),
	    DB_I64(ctx->now)));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO dossiers (programme_id, organisation_id, state, region_code, created_at, updated_at, "
	    "submitted_at, state_since, place_id, job_profile_id, posts_requested, decision, posts_granted, "
	    "decision_at) "
	    "VALUES (?, ?, 'validated', ?, ?, ?, ?, ?, ?, ?, 4, 'validated', 4, ?) RETURNING id",
	    &r, DB_I64(f->eav), DB_I64(e->org), DB_TEXT(e->region), DB_I64(ctx->now), DB_I64(ctx->now),
	    DB_I64(ctx->now), DB_I64(ctx->now), DB_TEXT(place), f->job_profile ? DB_I64(f->job_profile) : DB_NULLV,
	    DB_I64(ctx->now)));
	e->dossier = db_int(db_cell(r, 0, 0));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO offers (dossier_id, organisation_id, programme_id, job_profile_id, place_id, "
	    "departement_code, "
	    "region_code, title, start_on, contract_type, weekly_hours, description, posts, state, created_at, "
	    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'Médiateur numérique (emploi d''avenir)', '2013-01-01', 'CDD', "
	    "35, "
	    "'Offre générée', 4, 'closed', ?, ?) RETURNING id",
	    &r, DB_I64(e->dossier), DB_I64(e->org), DB_I64(f->eav), f->job_profile ? DB_I64(f->job_profile) : DB_NULLV,
	    DB_TEXT(place), DB_TEXT(db_text(db_cell(f->communes, c, 2))), DB_TEXT(e->region), DB_I64(ctx->now),
	    DB_I64(ctx->now)));
	e->offer = db_int(db_cell(r, 0, 0));
out:
	return err;
}

/* Contract N of employer E, its aid decision (and maybe a period, an early end, unmet commitments), its schedule
 * computed and stored. *DECISION receives the decision. */
static tr_err
eav_contract(struct ctx *ctx, const struct refs *f, uint64_t *s, uint64_t seed, int64_t n, const struct employer_eav *e,
    struct sub_gen_stats *st, int64_t *decision)
{
	static const int months_w[] = { 15, 25, 60 }, hours_w[] = { 75, 8, 7, 10 };
	static const int months_v[] = { 12, 24, 36 }, hours_v[] = { 35, 30, 24, 20 };
	int64_t start = date_days(2013, 1, 1) + pick(s, 5 * 365), cand, contract;
	int months = months_v[weighted(s, months_w, ARRAY_LEN(months_w))];
	int hours = hours_v[weighted(s, hours_w, ARRAY_LEN(hours_w))];
	bool cdi = pick(s, 4) == 0;
	int64_t aid_end = add_months(start, months) - 1, roll = pick(s, 100), ended = 0, reason = -1, unmet = 0;
	int64_t rule = e->sector == 0 ? f->rule_non_market : e->sector == 1 ? f->rule_market : f->rule_geiq;
	int64_t rate = e->sector == 0 ? f->rate_non_market : e->sector == 1 ? f->rate_market : f->rate_geiq;
	struct db_rows *r;
	json_t *d = NULL;
	tr_err err;

	if (roll < 15) { /* ended early, for every reason */
		ended = start + 60 + pick(s, aid_end - start - 90);
		reason = pick(s, ARRAY_LEN(end_reasons));
		st->ended++;
	} else if (roll < 17 && months >= 24) {
		unmet = add_months(start, 12);
	}
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO people (email, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id", &r,
	    DB_TEXT(arena_printf(
	        ctx->arena, "eav-gen-%llu-%lld@candidats.invalid", (unsigned long long)seed, (long long)n)),
	    DB_TEXT(arena_printf(ctx->arena, "Jeune en emploi d'avenir %lld", (long long)n)), DB_I64(ctx->now),
	    DB_I64(ctx->now)));
	cand = db_int(db_cell(r, 0, 0));
	TRY(db_execv(ctx->db,
	    "INSERT INTO candidates (person_id, birth_date, qualification_level, created_at, updated_at) VALUES (?, ?, "
	    "'3', ?, ?)",
	    NULL, DB_I64(cand), DB_TEXT(day_iso(ctx->arena, start - (18 + pick(s, 8)) * 365 - pick(s, 365))),
	    DB_I64(ctx->now), DB_I64(ctx->now)));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO contracts (offer_id, dossier_id, organisation_id, programme_id, candidate_id, region_code, "
	    "contract_type, start_on, end_on, weekly_hours, tutor_id, state, state_since, ended_on, ended_by, "
	    "break_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "RETURNING id",
	    &r, DB_I64(e->offer), DB_I64(e->dossier), DB_I64(e->org), DB_I64(f->eav), DB_I64(cand), DB_TEXT(e->region),
	    DB_TEXT(cdi ? "CDI" : "CDD"), DB_TEXT(day_iso(ctx->arena, start)),
	    DB_TEXT(cdi ? NULL : day_iso(ctx->arena, aid_end)), DB_I64(hours), DB_I64(f->tutor),
	    DB_TEXT(ended ? "ended_early" : "completed"), DB_I64(ctx->now),
	    DB_TEXT(ended ? day_iso(ctx->arena, ended) : NULL), DB_TEXT(ended ? ended_by[reason] : NULL),
	    DB_TEXT(ended ? break_reasons[reason] : NULL), DB_I64(ctx->now), DB_I64(ctx->now)));
	contract = db_int(db_cell(r, 0, 0));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO aid_decisions (contract_id, organisation_id, programme_id, region_code, rule_id, territory, "
	    "rate_bp, weekly_centih, aid_start, aid_end, contract_end, ended_on, end_reason, commitments_unmet_on, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'metropole', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(contract), DB_I64(e->org), DB_I64(f->eav), DB_TEXT(e->region), DB_I64(rule), DB_I64(rate),
	    DB_I64(hours * 100), DB_TEXT(day_iso(ctx->arena, start)), DB_TEXT(day_iso(ctx->arena, aid_end)),
	    DB_TEXT(cdi ? NULL : day_iso(ctx->arena, aid_end)), DB_TEXT(ended ? day_iso(ctx->arena, ended) : NULL),
	    DB_TEXT(ended ? end_reasons[reason] : NULL), DB_TEXT(unmet ? day_iso(ctx->arena, unmet) : NULL),
	    DB_I64(ctx->now), DB_I64(ctx->now)));
	*decision = db_int(db_cell(r, 0, 0));
	roll = pick(s, 100);
	if (roll < 15 && months >= 12) { /* an unpaid suspension, or a partly paid stretch, inside the aid period */
		int64_t from = start + 31 + pick(s, aid_end - start - 150), to = from + 14 + pick(s, 75);
		bool unpaid = roll < 10;
		TRY(db_execv(ctx->db,
		    "INSERT INTO aid_periods (decision_id, from_on, to_on, paid_bp, weekly_centih, reason, created_at) "
		    "VALUES (?, ?, ?, ?, 0, ?, ?)",
		    NULL, DB_I64(*decision), DB_TEXT(day_iso(ctx->arena, from)), DB_TEXT(day_iso(ctx->arena, to)),
		    DB_I64(unpaid ? 0 : 5000 + 500 * pick(s, 9)),
		    DB_TEXT(unpaid ? "Congé sans solde" : "Arrêt maladie, salaire maintenu en partie"),
		    DB_I64(ctx->now)));
		st->periods++;
	}
	TRY(sub_decision_row(ctx, *decision, &d));
	TRY(journal_append(ctx, "aid_decision", *decision, "create", d));
	TRY(sub_recompute(ctx, d));
	st->contracts++;
out:
	json_decref(d);
	return err;
}

/* ---- Lump sums: the conventions of Conseillers numériques ---- */

static tr_err
cnfs_convention(struct ctx *ctx, const struct refs *f, uint64_t *s, uint64_t seed, int64_t n, struct sub_gen_stats *st)
{
	static const int rule_w[] = { 35, 20, 30, 15 }, posts_w[] = { 60, 25, 15 }, bonus_w[] = { 50, 25, 25 };
	size_t c = (size_t)pick(s, (int64_t)f->communes->nrows);
	const char *region = db_text(db_cell(f->communes, c, 1));
	int64_t kind = weighted(s, rule_w, ARRAY_LEN(rule_w)), posts = 1 + weighted(s, posts_w, ARRAY_LEN(posts_w));
	int64_t bonus = 0, rule, org, id, signed_on;
	bool overseas_a = strcmp(region, "01") == 0 || strcmp(region, "02") == 0 || strcmp(region, "03") == 0;
	bool overseas_b = strcmp(region, "04") == 0 || strcmp(region, "06") == 0;
	struct sched fresh;
	struct db_rows *r;
	tr_err err;

	if (kind == 0)
		rule = overseas_a ? f->w1_antilles : overseas_b ? f->w1_reunion : f->w1_public;
	else if (kind == 1)
		rule = f->w1_private;
	else if (kind == 2)
		rule = f->w2_public;
	else
		rule = f->w2_private;
	if (kind == 2) {
		int64_t b = weighted(s, bonus_w, ARRAY_LEN(bonus_w));
		bonus = b == 1 ? f->bonus_2500 : b == 2 ? f->bonus_5000 : 0;
	}
	signed_on = kind < 2 ? date_days(2021, 1, 1) + pick(s, 540) : date_days(2024, 1, 1) + pick(s, 540);
	TRY(employer(ctx, f, seed, 5000000 + n, c,
	    arena_printf(
	        ctx->arena, "%s générée %lld", kind == 1 || kind == 3 ? "Association" : "Commune", (long long)n),
	    &org));
	st->employers++;
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO conventions (organisation_id, programme_id, region_code, rule_id, bonus_id, reference, "
	    "posts_granted, signed_on, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '', ?, ?, 'validated', ?, "
	    "?) "
	    "RETURNING id",
	    &r, DB_I64(org), DB_I64(f->cnfs), DB_TEXT(region), DB_I64(rule), bonus ? DB_I64(bonus) : DB_NULLV,
	    DB_I64(posts), DB_TEXT(day_iso(ctx->arena, signed_on)), DB_I64(ctx->now), DB_I64(ctx->now)));
	id = db_int(db_cell(r, 0, 0));
	TRY(db_execv(ctx->db, "UPDATE conventions SET reference = ? WHERE id = ?", NULL,
	    DB_TEXT(arena_printf(ctx->arena, "CV-%06lld", (long long)id)), DB_I64(id)));
	json_t *detail = json_pack("{s:I, s:I, s:I, s:b}", "organisation_id", (json_int_t)org, "rule_id",
	    (json_int_t)rule, "posts_granted", (json_int_t)posts, "generated", 1);
	err = journal_append(ctx, "convention", id, "create", detail);
	json_decref(detail);
	TRY(err);
	st->conventions++;
	for (int64_t k = 1; k <= posts; k++) {
		int64_t roll = pick(s, 100), started = signed_on + 10 + pick(s, 110), post;
		int64_t returned = roll < 5 ? started + 100 + pick(s, 300) : 0;
		bool filled = roll < 85;
		const char *state = !filled ? "vacant" : returned ? "returned" : "occupied";
		TRY(db_onev(ctx->db, ctx->arena,
		    "INSERT INTO convention_posts (convention_id, seq, state, state_since, holder_name, started_on, "
		    "vacant_since, returned_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		    "RETURNING id",
		    &r, DB_I64(id), DB_I64(k), DB_TEXT(state),
		    DB_TEXT(day_iso(ctx->arena, !filled    ? signed_on
		                                : returned ? returned
		                                           : started)),
		    DB_TEXT(filled && !returned
		                ? arena_printf(ctx->arena, "Conseiller numérique %lld-%lld", (long long)n, (long long)k)
		                : NULL),
		    DB_TEXT(filled ? day_iso(ctx->arena, started) : NULL),
		    DB_TEXT(!filled ? day_iso(ctx->arena, signed_on) : NULL),
		    DB_TEXT(returned ? day_iso(ctx->arena, returned) : NULL), DB_I64(ctx->now), DB_I64(ctx->now)));
		post = db_int(db_cell(r, 0, 0));
		st->posts++;
		if (filled) {
			st->filled++;
			st->returned += returned != 0;
			TRY(sub_post_compute(ctx, post, true, &fresh));
		}
	}
out:
	return err;
}

/* ---- Approved payment requests ---- */

/* The earliest month of decision ID still free with aid due, held by a new approved request. *MADE: 1 or 0. */
static tr_err
approved_request(struct ctx *ctx, int64_t id, int *made)
{
	struct db_rows *m, *r;
	json_t *d = NULL, *detail = NULL;
	int64_t rid;
	tr_err err;

	*made = 0;
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT month, SUM(amount_cents), SUM(CASE WHEN kind = 'aid' THEN hours_centi ELSE 0 END), "
	    "MIN(period_from), "
	    "MAX(period_to) FROM schedule_lines WHERE subject = 'aid_decision' AND subject_id = ? AND version_to IS "
	    "NULL "
	    "AND request_id IS NULL AND recovery_id IS NULL GROUP BY month HAVING SUM(amount_cents) > 0 ORDER BY month "
	    "LIMIT 1",
	    &m, DB_I64(id)));
	if (m->nrows == 0)
		goto out;
	TRY(sub_decision_row(ctx, id, &d));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO payment_requests (subject, subject_id, organisation_id, programme_id, region_code, month, "
	    "period_from, period_to, hours_centi, amount_cents, reference, state, state_since, created_at, updated_at) "
	    "VALUES ('aid_decision', ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 'approved', ?, ?, ?) RETURNING id",
	    &r, DB_I64(id), DB_I64(sub_int(d, "organisation_id")), DB_I64(sub_int(d, "programme_id")),
	    DB_TEXT(json_str(d, "region_code")), DB_TEXT(db_text(db_cell(m, 0, 0))), DB_TEXT(db_text(db_cell(m, 0, 3))),
	    DB_TEXT(db_text(db_cell(m, 0, 4))), DB_I64(db_int(db_cell(m, 0, 2))), DB_I64(db_int(db_cell(m, 0, 1))),
	    DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(ctx->now)));
	rid = db_int(db_cell(r, 0, 0));
	TRY(db_execv(ctx->db, "UPDATE payment_requests SET reference = ? WHERE id = ?", NULL,
	    DB_TEXT(arena_printf(ctx->arena, "DP-%06lld", (long long)rid)), DB_I64(rid)));
	TRY(db_execv(ctx->db,
	    "UPDATE schedule_lines SET request_id = ? WHERE subject = 'aid_decision' AND subject_id = ? AND month = ? "
	    "AND version_to IS NULL AND request_id IS NULL AND recovery_id IS NULL",
	    NULL, DB_I64(rid), DB_I64(id), DB_TEXT(db_text(db_cell(m, 0, 0)))));
	detail = json_pack("{s:s, s:I, s:s, s:I, s:s, s:b}", "subject", "aid_decision", "subject_id", (json_int_t)id,
	    "month", db_text(db_cell(m, 0, 0)), "amount_cents", (json_int_t)db_int(db_cell(m, 0, 1)), "state",
	    "approved", "generated", 1);
	TRY(journal_append(ctx, "payment_request", rid, "create", detail));
	*made = 1;
out:
	json_decref(d);
	json_decref(detail);
	return err;
}

/* ---- The whole set ---- */

tr_err
sub_generate(struct ctx *ctx, const struct sub_gen *g, struct sub_gen_stats *st)
{
	uint64_t seed = g->seed ? g->seed : 1, s = seed * 0x9E3779B97F4A7C15ull + 1;
	struct refs f;
	struct employer_eav e = { 0 };
	int64_t *decisions = NULL, ndec = 0;
	struct arena *keep = NULL;
	tr_err err;

	memset(st, 0, sizeof *st);
	if ((err = authz_require(ctx, SUB_NATIONAL)) != TR_OK)
		return err;
	if ((err = refs_load(ctx, seed, &f)) != TR_OK)
		return err;
	decisions = xcalloc((size_t)g->contracts + 1, sizeof *decisions);
	/* Hourly aid: four contracts an employer on average (one to seven). */
	for (int64_t i = 0, left = 0; i < g->contracts;) {
		keep = batch_begin(ctx);
		TRY(tx_begin(ctx));
		for (int64_t k = 0; k < BATCH && i < g->contracts; k++, i++) {
			if (left == 0) {
				TRY(eav_employer(ctx, &f, &s, seed, st->employers, &e));
				e.region = arena_strdup(keep, e.region);
				st->employers++;
				left = 1 + pick(&s, 7);
			}
			TRY(eav_contract(ctx, &f, &s, seed, i, &e, st, &decisions[ndec++]));
			left--;
		}
		TRY(tx_end(ctx, TR_OK));
		batch_end(ctx, keep);
		keep = NULL;
	}
	for (int64_t i = 0; i < g->conventions;) {
		keep = batch_begin(ctx);
		TRY(tx_begin(ctx));
		for (int64_t k = 0; k < BATCH && i < g->conventions; k++, i++)
			TRY(cnfs_convention(ctx, &f, &s, seed, i, st));
		TRY(tx_end(ctx, TR_OK));
		batch_end(ctx, keep);
		keep = NULL;
	}
	/* Approved requests: the first month of each decision, then the second, and so on. */
	for (int64_t i = 0, tries = 0; st->requests < g->requests && ndec > 0 && tries < g->requests * 4;) {
		keep = batch_begin(ctx);
		TRY(tx_begin(ctx));
		for (int64_t k = 0; k < BATCH && st->requests < g->requests && tries < g->requests * 4;
		     k++, i++, tries++) {
			int made;
			TRY(approved_request(ctx, decisions[i % ndec], &made));
			st->requests += made;
		}
		TRY(tx_end(ctx, TR_OK));
		batch_end(ctx, keep);
		keep = NULL;
	}
	{
		struct db_rows *r;
		TRY(db_query(ctx->db, ctx->arena,
		    "SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) FROM schedule_lines WHERE version_to IS NULL",
		    NULL, 0, &r));
		st->lines = db_int(db_cell(r, 0, 0));
		st->total_cents = db_int(db_cell(r, 0, 1));
	}
out:
	if (db_in_tx(ctx->db))
		err = tx_end(ctx, err);
	if (keep)
		batch_end(ctx, keep);
	free(decisions);
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

tr_err
sub_recompute_all(struct ctx *ctx, bool persist, struct sub_gen_stats *st)
{
	struct db_rows *ds, *ps;
	struct arena *keep = NULL;
	int64_t *dids = NULL, *pids = NULL;
	size_t nd = 0, np = 0;
	tr_err err;

	memset(st, 0, sizeof *st);
	if ((err = authz_require(ctx, SUB_NATIONAL)) != TR_OK)
		return err;
	if (persist)
		TRY(tx_begin(ctx));
	TRY(db_query(ctx->db, ctx->arena, "SELECT id FROM aid_decisions ORDER BY id", NULL, 0, &ds));
	TRY(db_query(ctx->db, ctx->arena, "SELECT id FROM convention_posts WHERE started_on IS NOT NULL ORDER BY id",
	    NULL, 0, &ps));
	nd = ds->nrows;
	np = ps->nrows;
	dids = xcalloc(nd + 1, sizeof *dids);
	pids = xcalloc(np + 1, sizeof *pids);
	for (size_t i = 0; i < nd; i++)
		dids[i] = db_int(db_cell(ds, i, 0));
	for (size_t i = 0; i < np; i++)
		pids[i] = db_int(db_cell(ps, i, 0));
	for (size_t i = 0; i < nd + np;) {
		keep = batch_begin(ctx);
		for (size_t k = 0; k < BATCH && i < nd + np; k++, i++) {
			struct sched fresh;
			if (i < nd) {
				json_t *d = NULL;
				TRY(sub_decision_row(ctx, dids[i], &d));
				err = sub_decision_compute(ctx, d, &fresh);
				if (err == TR_OK && persist)
					err = sub_persist(ctx, "aid_decision", d, &fresh);
				json_decref(d);
				TRY(err);
				st->contracts++;
			} else {
				TRY(sub_post_compute(ctx, pids[i - nd], persist, &fresh));
				st->posts++;
			}
			st->lines += (int64_t)fresh.n;
			st->total_cents += fresh.total;
		}
		batch_end(ctx, keep);
		keep = NULL;
	}
	if (persist) {
		json_t *detail = json_pack("{s:I, s:I, s:I}", "decisions", (json_int_t)st->contracts, "posts",
		    (json_int_t)st->posts, "total_cents", (json_int_t)st->total_cents);
		err = journal_append_key(ctx, "schedules", "all", "recompute", detail);
		json_decref(detail);
		TRY(err);
	}
out:
	if (keep)
		batch_end(ctx, keep);
	if (persist && db_in_tx(ctx->db))
		err = tx_end(ctx, err);
	free(dids);
	free(pids);
	return err;
}
