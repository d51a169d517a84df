/* The synthetic steering data set: rows written straight through SQL (bound parameters), one transaction. */
#include "domain/steering/gen.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"

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

static const char *const outcomes[] = { "lasting_cdi", "lasting_cdd", "transition", "training", "job_seeker",
	"inactive", "unknown" };
static const char *const levels[] = { "none", "3", "4", "5", "6" };
static const char *const areas[] = { "none", "none", "none", "qpv", "zrr" };
static const char *const categories[] = { "collectivite", "association", "gip", "etablissement_public" };
static const char *const ended_by[] = { "employer", "employee", "mutual" };
static const char *const reasons[] = { "trial", "job", "training", "dismissal", "resignation", "agreement", "other" };
static const char *const opinions[] = { "favourable", "favourable_reserves", "unfavourable" };

#define N(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

/* A journal entry of a dossier's move at time AT. */
static tr_err
move(struct ctx *ctx, int64_t id, const char *action, const char *from, const char *to, int64_t at)
{
	json_t *d = json_pack("{s:s, s:s}", "from", from, "to", to);
	int64_t now = ctx->now;
	tr_err err;

	ctx->now = at;
	err = journal_append(ctx, "dossier", id, action, d);
	ctx->now = now;
	json_decref(d);
	return err;
}

/* The aid of contract ID: a monthly line of 1 367,27 € from its start for 24 months at most, never past its end
 * nor past this month; the lines of months over two months ago paid; an early end by the employer (BROKEN,
 * one in two) claims 3 months back. */
static tr_err
money(struct ctx *ctx, uint64_t *s, int64_t id, int64_t org, int64_t programme, const char *region, int64_t start,
    const char *ended, bool broken)
{
	const char *first = date_iso(ctx->arena, start), *now = date_iso(ctx->arena, ctx->now),
	           *paid_until = date_add(ctx->arena, now, -2, 0);
	tr_err err = TR_OK;

	for (int m = 0; m < 24; m++) {
		const char *from = date_add(ctx->arena, first, m, 0), *month = arena_strndup(ctx->arena, from, 7);
		if (strcmp(from, now) > 0 || (ended && strcmp(from, ended) > 0))
			break;
		TRY(db_execv(ctx->db,
		    "INSERT INTO schedule_lines (subject, subject_id, organisation_id, programme_id, region_code, "
		    "version_from, kind, period_from, period_to, month, amount_cents, explain, paid, created_at) "
		    "VALUES "
		    "('aid_decision', ?, ?, ?, ?, 1, 'aid', ?, ?, ?, 136727, 'gen', ?, ?)",
		    NULL, DB_I64(id), DB_I64(org), DB_I64(programme), DB_TEXT(region), DB_TEXT(from),
		    DB_TEXT(date_add(ctx->arena, from, 1, -1)), DB_TEXT(month), DB_I64(strcmp(from, paid_until) < 0),
		    DB_I64(start)));
	}
	if (broken && ended && pick(s, 2))
		TRY(db_execv(ctx->db,
		    "INSERT INTO recoveries (subject, subject_id, organisation_id, programme_id, region_code, "
		    "amount_cents, motive, reference, state, state_since, created_at, updated_at) VALUES "
		    "('aid_decision', "
		    "?, ?, ?, ?, 410181, 'gen', ?, 'notified', ?, ?, ?)",
		    NULL, DB_I64(id), DB_I64(org), DB_I64(programme), DB_TEXT(region),
		    DB_TEXT(arena_printf(ctx->arena, "OR-GEN-%lld", (long long)id)), DB_I64(start), DB_I64(start),
		    DB_I64(start)));
out:
	return err;
}

tr_err
steer_generate(struct ctx *ctx, const struct steer_gen *g)
{
	uint64_t s = g->seed ? g->seed : 1;
	struct db_rows *communes, *jps, *r;
	int64_t programme, *dossier, *offer, *org, *cand, ncand, base = ctx->now - 2 * 365 * 86400;
	const char **region, **dept;
	int64_t *jp;
	tr_err err;

	TRY(db_query(ctx->db, ctx->arena, "SELECT id FROM programmes ORDER BY id LIMIT 1", NULL, 0, &r));
	if (r->nrows == 0)
		return ctx_fail(ctx, TR_NOT_FOUND, "Aucun dispositif : lancez d'abord « tremplin seed ».");
	programme = db_int(db_cell(r, 0, 0));
	TRY(db_queryv(ctx->db, ctx->arena, "SELECT id FROM job_profiles WHERE programme_id = ? ORDER BY id", &jps,
	    DB_I64(programme)));
	TRY(db_query(ctx->db, ctx->arena,
	    "SELECT code, departement_code, region_code, name FROM communes WHERE departement_code IS NOT NULL AND "
	    "region_code IS NOT NULL ORDER BY code",
	    NULL, 0, &communes));
	if (jps->nrows == 0 || communes->nrows == 0)
		return ctx_fail(
		    ctx, TR_NOT_FOUND, "Il manque les métiers ou les communes : lancez d'abord « tremplin seed ».");
	dossier = arena_alloc(ctx->arena, sizeof(int64_t) * (size_t)g->employers);
	offer = arena_alloc(ctx->arena, sizeof(int64_t) * (size_t)g->employers);
	org = arena_alloc(ctx->arena, sizeof(int64_t) * (size_t)g->employers);
	jp = arena_alloc(ctx->arena, sizeof(int64_t) * (size_t)g->employers);
	region = arena_alloc(ctx->arena, sizeof(char *) * (size_t)g->employers);
	dept = arena_alloc(ctx->arena, sizeof(char *) * (size_t)g->employers);
	ncand = g->contracts + g->applications / 3 + 1;
	cand = arena_alloc(ctx->arena, sizeof(int64_t) * (size_t)ncand);
	TRY(tx_begin(ctx));
	for (int64_t i = 0; i < g->employers; i++) {
		size_t c = (size_t)pick(&s, (int64_t)communes->nrows);
		const char *place =
		    arena_printf(ctx->arena, "gen-%llu-%lld", (unsigned long long)g->seed, (long long)i);
		int64_t posts = 1 + pick(&s, 3), t0 = base + pick(&s, 500) * 86400;
		int64_t t1 = t0 + (3 + pick(&s, 30)) * 86400, t2 = t1 + (5 + pick(&s, 40)) * 86400;

		region[i] = db_text(db_cell(communes, c, 2));
		dept[i] = db_text(db_cell(communes, c, 1));
		jp[i] = db_int(db_cell(jps, (size_t)pick(&s, (int64_t)jps->nrows), 0));
		TRY(db_queryv(ctx->db, ctx->arena,
		    "INSERT INTO organisations (name, kind, commune_code, created_at, updated_at) VALUES (?, "
		    "'employer', ?, "
		    "?, ?) RETURNING id",
		    &r, DB_TEXT(arena_printf(ctx->arena, "Structure générée %lld", (long long)i)),
		    DB_TEXT(db_text(db_cell(communes, c, 0))), DB_I64(t0), DB_I64(t0)));
		org[i] = db_int(db_cell(r, 0, 0));
		TRY(db_execv(ctx->db,
		    "INSERT INTO places (id, pivot, nom, commune, code_postal, code_insee, adresse, date_maj, "
		    "networks, "
		    "departement_code, region_code, organisation_id, created_at, updated_at) VALUES (?, ?, ?, ?, "
		    "'00000', ?, "
		    "'1 place de la Mairie', '2026-01-01', ?, ?, ?, ?, ?, ?)",
		    NULL, DB_TEXT(place), DB_TEXT(place),
		    DB_TEXT(arena_printf(ctx->arena, "EPN généré %lld", (long long)i)),
		    DB_TEXT(db_text(db_cell(communes, c, 3))), DB_TEXT(db_text(db_cell(communes, c, 0))),
		    DB_TEXT(pick(&s, 3) == 0 ? "points-cyb"
		            : pick(&s, 2)    ? "cyber-base"
		                             : ""),
		    DB_TEXT(dept[i]), DB_TEXT(region[i]), DB_I64(org[i]), DB_I64(t0), DB_I64(t0)));
		TRY(db_queryv(ctx->db, ctx->arena,
		    "INSERT INTO dossiers (programme_id, organisation_id, state, region_code, created_at, updated_at, "
		    "submitted_at, state_since, place_id, employer_category, job_profile_id, posts_requested, opinion, "
		    "opinion_at, decision, posts_granted, decision_at) VALUES (?, ?, 'validated', ?, ?, ?, ?, ?, ?, ?, "
		    "?, ?, "
		    "?, ?, 'validated', ?, ?) RETURNING id",
		    &r, DB_I64(programme), DB_I64(org[i]), DB_TEXT(region[i]), DB_I64(t0), DB_I64(t2), DB_I64(t0),
		    DB_I64(t2), DB_TEXT(place), DB_TEXT(categories[pick(&s, N(categories))]), DB_I64(jp[i]),
		    DB_I64(posts), DB_TEXT(opinions[pick(&s, N(opinions))]), DB_I64(t1), DB_I64(posts), DB_I64(t2)));
		dossier[i] = db_int(db_cell(r, 0, 0));
		TRY(move(ctx, dossier[i], "submit", "draft", "regional_review", t0));
		TRY(move(ctx, dossier[i], "give_opinion", "regional_review", "national_review", t1));
		TRY(move(ctx, dossier[i], "validate", "national_review", "validated", t2));
		TRY(db_queryv(ctx->db, ctx->arena,
		    "INSERT INTO offers (dossier_id, organisation_id, programme_id, job_profile_id, place_id, "
		    "departement_code, region_code, title, start_on, contract_type, weekly_hours, description, posts, "
		    "state, "
		    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'Médiateur numérique', ?, 'CDD', 35, 'Offre "
		    "générée', ?, 'open', ?, ?) RETURNING id",
		    &r, DB_I64(dossier[i]), DB_I64(org[i]), DB_I64(programme), DB_I64(jp[i]), DB_TEXT(place),
		    DB_TEXT(dept[i]), DB_TEXT(region[i]), DB_TEXT(date_iso(ctx->arena, t2 + 30 * 86400)),
		    DB_I64(posts * 4), DB_I64(t2 + 86400), DB_I64(t2 + 86400)));
		offer[i] = db_int(db_cell(r, 0, 0));
	}
	for (int64_t i = 0; i < ncand; i++) {
		TRY(db_queryv(ctx->db, ctx->arena,
		    "INSERT INTO people (email, name, confirmed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
		    "RETURNING "
		    "id",
		    &r,
		    DB_TEXT(arena_printf(
		        ctx->arena, "gen-%llu-%lld@candidats.invalid", (unsigned long long)g->seed, (long long)i)),
		    DB_TEXT(arena_printf(ctx->arena, "Candidat %lld", (long long)i)), DB_I64(base), DB_I64(base),
		    DB_I64(base)));
		cand[i] = db_int(db_cell(r, 0, 0));
		TRY(db_execv(ctx->db,
		    "INSERT INTO candidates (person_id, birth_date, qualification_level, priority_area, sex, "
		    "created_at, "
		    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    NULL, DB_I64(cand[i]),
		    DB_TEXT(arena_printf(ctx->arena, "%04lld-%02lld-%02lld", (long long)(1990 + pick(&s, 18)),
		        (long long)(1 + pick(&s, 12)), (long long)(1 + pick(&s, 28)))),
		    DB_TEXT(levels[pick(&s, N(levels))]), DB_TEXT(areas[pick(&s, N(areas))]),
		    DB_TEXT(pick(&s, 10) == 0 ? NULL
		            : pick(&s, 2)     ? "F"
		                              : "M"),
		    DB_I64(base), DB_I64(base)));
	}
	/* Applications: candidate k applies to offers; the first g->contracts candidates are recruited on their
	 * first one. */
	for (int64_t k = 0, made = 0; made < g->applications && k < ncand * 4; k++) {
		int64_t c = k % ncand, e = (c * 7 + k / ncand * 13 + pick(&s, 5)) % g->employers;
		bool hired = k < g->contracts;
		int64_t at = base + pick(&s, 600) * 86400;
		int64_t changed = 0;
		TRY(db_execv(ctx->db,
		    "INSERT INTO applications (offer_id, candidate_id, state, created_at, updated_at, state_since) "
		    "VALUES "
		    "(?, ?, ?, ?, ?, ?) ON CONFLICT (offer_id, candidate_id) DO NOTHING",
		    &changed, DB_I64(offer[e]), DB_I64(cand[c]),
		    DB_TEXT(hired         ? "accepted"
		            : pick(&s, 2) ? "refused"
		                          : "obsolete"),
		    DB_I64(at), DB_I64(at), DB_I64(at)));
		made += changed;
		if (hired && changed == 1) {
			int64_t start = at + (10 + pick(&s, 50)) * 86400, roll = pick(&s, 10);
			const char *state = roll < 6 ? "active" : roll < 8 ? "completed" : "ended_early";
			const char *ended =
			    roll < 6 ? NULL : date_iso(ctx->arena, start + (60 + pick(&s, 600)) * 86400);
			TRY(db_queryv(ctx->db, ctx->arena,
			    "INSERT INTO contracts (offer_id, dossier_id, organisation_id, programme_id, candidate_id, "
			    "region_code, contract_type, start_on, end_on, weekly_hours, tutor_id, state, state_since, "
			    "ended_on, "
			    "ended_by, break_reason, outcome, followup_due_on, followup_outcome, created_at, "
			    "updated_at) VALUES "
			    "(?, ?, ?, ?, ?, ?, 'CDD', ?, ?, 35, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    &r, DB_I64(offer[e]), DB_I64(dossier[e]), DB_I64(org[e]), DB_I64(programme),
			    DB_I64(cand[c]), DB_TEXT(region[e]), DB_TEXT(date_iso(ctx->arena, start)),
			    DB_TEXT(date_iso(ctx->arena, start + 3 * 365 * 86400)), DB_I64(cand[0]), DB_TEXT(state),
			    DB_I64(start), DB_TEXT(ended), DB_TEXT(roll >= 8 ? ended_by[pick(&s, N(ended_by))] : NULL),
			    DB_TEXT(roll >= 8 ? reasons[pick(&s, N(reasons))] : NULL),
			    DB_TEXT(ended ? outcomes[pick(&s, N(outcomes))] : NULL),
			    DB_TEXT(ended ? date_add(ctx->arena, ended, 6, 0) : NULL),
			    DB_TEXT(ended && pick(&s, 2) ? outcomes[pick(&s, N(outcomes))] : NULL), DB_I64(at + 86400),
			    DB_I64(at + 86400)));
			TRY(money(
			    ctx, &s, db_int(db_cell(r, 0, 0)), org[e], programme, region[e], start, ended, roll >= 8));
			for (int m = 0; m < 2; m++)
				TRY(db_execv(ctx->db,
				    "INSERT INTO path_modules (contract_id, position, title, hours_planned, starts_on, "
				    "ends_on, state, "
				    "state_since, created_at, updated_at) VALUES (?, ?, ?, 70, ?, ?, ?, ?, ?, ?)",
				    NULL, DB_I64(db_int(db_cell(r, 0, 0))), DB_I64(m),
				    DB_TEXT(m ? "Module 2" : "Module 1"),
				    DB_TEXT(date_iso(ctx->arena, start + m * 120 * 86400)),
				    DB_TEXT(date_iso(ctx->arena, start + (m + 1) * 120 * 86400)),
				    DB_TEXT(pick(&s, 3) == 0 ? "planned"
				            : pick(&s, 2)    ? "in_progress"
				                             : "completed"),
				    DB_I64(start), DB_I64(start), DB_I64(start)));
		}
	}
	/* The national envelopes of the years the data set covers. */
	for (int y = atoi(date_iso(ctx->arena, base)); y <= atoi(date_iso(ctx->arena, ctx->now)); y++)
		TRY(db_execv(ctx->db,
		    "INSERT INTO budget_envelopes (programme_id, year, region_code, commitments_cents, payments_cents, "
		    "updated_at) VALUES (?, ?, '', 6000000000, 5000000000, ?) ON CONFLICT (programme_id, year, "
		    "region_code) DO NOTHING",
		    NULL, DB_I64(programme), DB_I64(y), DB_I64(ctx->now)));
	err = TR_OK;
out:
	if (db_in_tx(ctx->db))
		err = tx_end(ctx, err);
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}
