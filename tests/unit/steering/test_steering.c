/* Tests of domain/steering: every indicator against hand-computed figures on a small fixed data set (a contract
 * ended on the last day of the period, a dossier reopened, a région without data), each role's scope, the previous
 * period, the secondary suppression of the open data, and the annual report's bytes. On SQLite and PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/embed.h"
#include "core/log.h"
#include "core/time.h"
#include "domain/accounts/session.h"
#include "domain/kernel/ctx.h"
#include "domain/steering/annual_report.h"
#include "domain/steering/opendata.h"
#include "domain/steering/steering.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))

struct fx {
	struct db *db;
	struct arena *a;
	struct config cfg;
	struct ctx ctx;
};

/* Epoch seconds of a day at 00:00 UTC, as the figures count days. */
static long long
ep(int y, int m, int d)
{
	return (long long)date_days(y, m, d) * 86400;
}

static void
sql(struct fx *fx, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = arena_vprintf(fx->a, fmt, ap);
	va_end(ap);
	if (db_exec(fx->db, s, NULL, 0, NULL) != TR_OK)
		fail_msg("%s: %s", s, db_errmsg(fx->db));
}

/* The data set (the figures expected of it are worked out beside each test). */
static void
fixture(struct fx *fx)
{
	sql(fx, "INSERT INTO regions (code, name, name_key) VALUES ('84', 'Auvergne-Rhône-Alpes', 'ara'), ('11', "
	        "'Île-de-France', 'idf'), ('53', 'Bretagne', 'bretagne')");
	sql(fx, "INSERT INTO departements (code, region_code, name, name_key) VALUES ('26', '84', 'Drôme', 'drome'), "
	        "('75', '11', 'Paris', 'paris'), ('35', '53', 'Ille-et-Vilaine', 'iv')");
	sql(fx, "INSERT INTO communes (code, name, name_key, departement_code, region_code) VALUES ('26108', 'Crest', "
	        "'crest', '26', '84'), ('75056', 'Paris', 'paris', '75', '11')");
	sql(fx,
	    "INSERT INTO programmes (code, name, target_posts, contract_min_months, contract_max_months, created_at, "
	    "updated_at) VALUES ('P', 'Programme P', 100, 12, 36, 0, 0)");
	sql(fx, "UPDATE programmes SET eligibility = '{\"age\": {\"min\": 16, \"max\": 25, \"max_with_rqth\": 30}, "
	        "\"paths\": [{\"label\": \"Voie générale\", \"max_level\": \"3\"}, {\"label\": \"Zone "
	        "prioritaire\", \"areas\": [\"qpv\"]}]}'");
	sql(fx,
	    "INSERT INTO programme_region_targets (programme_id, region_code, target_posts) VALUES (1, '84', 60), (1, "
	    "'11', 30), (1, '53', 10)");
	sql(fx, "INSERT INTO job_profiles (programme_id, code, title, created_at, updated_at) VALUES (1, 'anim', "
	        "'Animateur', 0, 0), (1, 'tech', 'Technicien', 0, 0)");
	sql(fx, "INSERT INTO organisations (name, kind, commune_code, created_at, updated_at) VALUES ('A', 'employer', "
	        "'26108', 0, 0), ('B', 'employer', '75056', 0, 0)");
	sql(fx,
	    "INSERT INTO places (id, pivot, nom, commune, code_postal, adresse, date_maj, networks, departement_code, "
	    "region_code, organisation_id, created_at, updated_at) VALUES ('pA', 'x', 'EPN A', 'Crest', '26400', "
	    "'1 rue', '2026-01-01', 'points-cyb', '26', '84', 1, 0, 0), ('pB', 'y', 'EPN B', 'Paris', '75001', '2 "
	    "rue', '2026-01-01', '', '75', '11', 2, 0, 0)");
	sql(fx,
	    "INSERT INTO people (email, name, created_at, updated_at) VALUES ('nat@x.fr', 'Nat', 0, 0), ('r84@x.fr', "
	    "'R84', 0, 0), ('eb@x.fr', 'Staff B', 0, 0), ('ta@x.fr', 'Tutor A', 0, 0), ('tb@x.fr', 'Tutor B', 0, 0), "
	    "('c1@x.fr', 'C1', 0, 0), ('c2@x.fr', 'C2', 0, 0), ('c3@x.fr', 'C3', 0, 0), ('v@x.fr', 'Viewer', 0, 0)");
	sql(fx,
	    "INSERT INTO memberships (person_id, role, organisation_id, created_at) VALUES (1, 'national', NULL, 0), "
	    "(2, 'regional', NULL, 0), (3, 'employer', 2, 0), (4, 'employer', 1, 0), (5, 'employer', 2, 0), (9, "
	    "'viewer', NULL, 0)");
	sql(fx, "INSERT INTO membership_regions (membership_id, region_code) VALUES (2, '84')");
	/* Dossiers: A validated (3 posts), B validated then reopened and validated again (2 posts), C refused. */
	sql(fx,
	    "INSERT INTO dossiers (programme_id, organisation_id, state, region_code, created_at, updated_at, "
	    "state_since, "
	    "place_id, employer_category, job_profile_id, opinion, opinion_at, decision, posts_granted, "
	    "decision_reason, "
	    "decision_at) VALUES (1, 1, 'validated', '84', %lld, 0, 0, 'pA', 'association', 1, 'favourable', %lld, "
	    "'validated', 3, NULL, %lld), (1, 2, 'validated', '11', %lld, 0, 0, 'pB', 'collectivite', 2, "
	    "'favourable_reserves', %lld, 'validated', 2, NULL, %lld), (1, 2, 'refused', '11', %lld, 0, 0, 'pB', "
	    "'collectivite', 2, 'unfavourable', %lld, 'refused', 0, 'Projet incomplet', %lld)",
	    ep(2025, 12, 1), ep(2026, 1, 20), ep(2026, 2, 1), ep(2026, 1, 1), ep(2026, 1, 11), ep(2026, 3, 1),
	    ep(2026, 3, 1), ep(2026, 3, 5), ep(2026, 4, 1));
	sql(fx,
	    "INSERT INTO journal (id, at, entity, entity_id, action, detail, prev_hash, hash) VALUES "
	    "(1, %lld, 'dossier', 1, 'submit', '{\"from\":\"draft\",\"to\":\"regional_review\"}', '', ''), "
	    "(2, %lld, 'dossier', 2, 'submit', '{\"from\":\"draft\",\"to\":\"regional_review\"}', '', ''), "
	    "(3, %lld, 'dossier', 2, 'give_opinion', '{\"from\":\"regional_review\",\"to\":\"national_review\"}', '', "
	    "''), "
	    "(4, %lld, 'dossier', 1, 'give_opinion', '{\"from\":\"regional_review\",\"to\":\"national_review\"}', '', "
	    "''), "
	    "(5, %lld, 'dossier', 2, 'validate', '{\"from\":\"national_review\",\"to\":\"validated\"}', '', ''), "
	    "(6, %lld, 'dossier', 1, 'validate', '{\"from\":\"national_review\",\"to\":\"validated\"}', '', ''), "
	    "(7, %lld, 'dossier', 2, 'reopen', '{\"from\":\"validated\",\"to\":\"national_review\"}', '', ''), "
	    "(8, %lld, 'dossier', 2, 'validate', '{\"from\":\"national_review\",\"to\":\"validated\"}', '', ''), "
	    "(9, %lld, 'dossier', 3, 'submit', '{\"from\":\"draft\",\"to\":\"regional_review\"}', '', ''), "
	    "(10, %lld, 'dossier', 3, 'give_opinion', '{\"from\":\"regional_review\",\"to\":\"national_review\"}', '', "
	    "''), "
	    "(11, %lld, 'dossier', 3, 'refuse', '{\"from\":\"national_review\",\"to\":\"refused\"}', '', '')",
	    ep(2026, 1, 5), ep(2026, 1, 1), ep(2026, 1, 11), ep(2026, 1, 20), ep(2026, 1, 21), ep(2026, 2, 1),
	    ep(2026, 2, 1), ep(2026, 3, 1), ep(2026, 3, 1), ep(2026, 3, 5), ep(2026, 4, 1));
	sql(fx, "UPDATE journal_head SET seq = 11");
	/* Offers: A's open (3 posts), B's closed in June (2 posts, one filled: one returned). */
	sql(fx,
	    "INSERT INTO offers (dossier_id, organisation_id, programme_id, job_profile_id, place_id, "
	    "departement_code, "
	    "region_code, title, start_on, contract_type, weekly_hours, description, posts, state, created_at, "
	    "updated_at) VALUES (1, 1, 1, 1, 'pA', '26', '84', 'Offre A', '2026-03-01', 'CDD', 35, 'd', 3, 'open', "
	    "%lld, "
	    "%lld), (2, 2, 1, 2, 'pB', '75', '11', 'Offre B', '2026-04-01', 'CDD', 35, 'd', 2, 'closed', %lld, %lld)",
	    ep(2026, 2, 10), ep(2026, 2, 10), ep(2026, 3, 10), ep(2026, 6, 1));
	sql(fx,
	    "INSERT INTO candidates (person_id, birth_date, qualification_level, priority_area, sex, created_at, "
	    "updated_at) VALUES (6, '2005-06-15', '3', 'qpv', 'F', 0, 0), (7, '1999-01-01', '4', 'none', 'M', 0, 0), "
	    "(8, '2007-12-31', 'none', 'zrr', NULL, 0, 0)");
	/* Diagnoses: C1 by the priority-area path (the general one not met); C2, 27 with an RQTH, by the general
	 * path (then a later one, after the contract's start, that does not count); C3 by the prescriber's
	 * override. */
	sql(fx, "UPDATE candidates SET rqth = 1 WHERE person_id = 7");
	sql(fx,
	    "INSERT INTO eligibility_diagnoses (candidate_id, programme_id, criteria, computed_eligible, eligible, "
	    "overridden, decided_on, valid_until, created_at) VALUES (6, 1, '[{\"code\": \"age\", \"met\": true}, "
	    "{\"code\": \"path_1\", \"met\": false}, {\"code\": \"path_2\", \"met\": true}]', 1, 1, 0, "
	    "'2026-02-01', '2026-08-01', 0), (7, 1, '[{\"code\": \"age\", \"met\": true}, {\"code\": \"path_1\", "
	    "\"met\": true}, {\"code\": \"path_2\", \"met\": false}]', 1, 1, 0, '2026-03-01', '2026-09-01', 0), (7, "
	    "1, '[]', 0, 0, 1, '2026-03-20', '2026-09-20', 0), (8, 1, '[{\"code\": \"age\", \"met\": true}, "
	    "{\"code\": \"path_1\", \"met\": false}]', 0, 1, 1, '2026-03-20', '2026-09-20', 0)");
	sql(fx,
	    "INSERT INTO applications (offer_id, candidate_id, state, created_at, updated_at, state_since) VALUES (1, "
	    "6, "
	    "'accepted', %lld, 0, 0), (1, 7, 'accepted', %lld, 0, 0), (2, 8, 'accepted', %lld, 0, 0), (2, 7, "
	    "'refused', "
	    "%lld, 0, 0)",
	    ep(2026, 2, 15), ep(2026, 2, 20), ep(2026, 3, 15), ep(2026, 4, 1));
	/* Contracts: k1 running; k2 completed on the period's last day (lasting job); k3 broken by the employee in
	 * September (transition job). */
	sql(fx,
	    "INSERT INTO contracts (application_id, offer_id, dossier_id, organisation_id, programme_id, candidate_id, "
	    "region_code, contract_type, start_on, weekly_hours, tutor_id, state, state_since, ended_on, ended_by, "
	    "break_reason, outcome, followup_due_on, created_at, updated_at) VALUES "
	    "(1, 1, 1, 1, 1, 6, '84', 'CDD', '2026-03-01', 35, 4, 'active', 0, NULL, NULL, NULL, NULL, NULL, %lld, 0), "
	    "(2, 1, 1, 1, 1, 7, '84', 'CDD', '2026-03-15', 35, 4, 'completed', 0, '2026-12-31', NULL, NULL, "
	    "'lasting_cdi', '2027-06-30', %lld, 0), "
	    "(3, 2, 2, 2, 1, 8, '11', 'CDD', '2026-04-01', 35, 5, 'ended_early', 0, '2026-09-30', 'employee', 'job', "
	    "'transition', '2027-03-30', %lld, 0)",
	    ep(2026, 2, 20), ep(2026, 3, 1), ep(2026, 3, 20));
	sql(fx,
	    "INSERT INTO path_modules (contract_id, title, state, ends_on, state_since, created_at, updated_at) VALUES "
	    "(1, 'm1', 'completed', '2026-06-30', 0, 0, 0), (1, 'm2', 'in_progress', '2026-11-30', 0, 0, 0), (2, "
	    "'m3', 'completed', '2026-06-30', 0, 0, 0)");
	sql(fx,
	    "INSERT INTO training_sessions (programme_id, audience, title, region_code, starts_on, ends_on, capacity, "
	    "registration_deadline, state, state_since, created_at, updated_at) VALUES (1, 'tutors', 'Tuteurs', '84', "
	    "'2026-05-10', '2026-05-11', 10, '2026-05-01', 'confirmed', 0, 0, 0), (1, 'recruits', 'Module', '11', "
	    "'2026-06-10', '2026-06-11', 10, '2026-06-01', 'cancelled', 0, 0, 0)");
	sql(fx,
	    "INSERT INTO session_registrations (session_id, person_id, state, created_at, updated_at) VALUES (1, 4, "
	    "'registered', 0, 0)");
	/* A tutors' session cancelled by the scheduled job under its minimum; the recruits' one above was cancelled
	 * by its organiser. */
	sql(fx,
	    "INSERT INTO training_sessions (programme_id, audience, title, region_code, starts_on, ends_on, capacity, "
	    "min_registrants, registration_deadline, state, state_since, created_at, updated_at) VALUES (1, 'tutors', "
	    "'Tuteurs 2', '84', '2026-03-10', '2026-03-11', 10, 4, '2026-03-01', 'cancelled', 0, 0, 0)");
	sql(fx,
	    "INSERT INTO journal (id, at, entity, entity_id, action, detail, prev_hash, hash) VALUES (12, %lld, "
	    "'training_session', 3, 'cancel_under_minimum', '{}', '', '')",
	    ep(2026, 3, 2));
	sql(fx, "UPDATE journal_head SET seq = 12");
	/* Money: current lines of 2026 (one closed by a later version, one of 2025), recoveries, envelopes. */
	sql(fx,
	    "INSERT INTO schedule_lines (subject, subject_id, organisation_id, programme_id, region_code, "
	    "version_from, "
	    "version_to, kind, period_from, period_to, month, amount_cents, explain, paid, created_at) VALUES "
	    "('aid_decision', 1, 1, 1, '84', 1, NULL, 'aid', '2026-02-01', '2026-02-28', '2026-02', 100000, 'x', 1, "
	    "0), "
	    "('aid_decision', 1, 1, 1, '84', 1, NULL, 'aid', '2026-03-01', '2026-03-31', '2026-03', 100050, 'x', 0, "
	    "0), "
	    "('post', 1, 2, 1, '11', 1, NULL, 'instalment', '2026-05-01', '2026-05-01', '2026-05', 50025, 'x', 1, 0), "
	    "('post', 1, 2, 1, '11', 1, 2, 'instalment', '2026-06-01', '2026-06-01', '2026-06', 99999, 'x', 0, 0), "
	    "('aid_decision', 1, 1, 1, '84', 1, NULL, 'aid', '2025-06-01', '2025-06-30', '2025-06', 30000, 'x', 1, 0)");
	sql(fx,
	    "INSERT INTO recoveries (subject, subject_id, organisation_id, programme_id, region_code, amount_cents, "
	    "motive, reference, repaid_on, state, state_since, created_at, updated_at) VALUES ('post', 1, 2, 1, '11', "
	    "20000, 'm', 'OR-1', NULL, 'notified', 0, %lld, 0), ('aid_decision', 1, 1, 1, '84', 15000, 'm', 'OR-2', "
	    "'2026-02-10', 'repaid', 0, %lld, 0), ('aid_decision', 1, 1, 1, '84', 5000, 'm', 'OR-3', NULL, "
	    "'cancelled', 0, %lld, 0)",
	    ep(2026, 7, 1), ep(2025, 11, 1), ep(2026, 3, 3));
	sql(fx, "INSERT INTO budget_envelopes (programme_id, year, region_code, commitments_cents, payments_cents, "
	        "updated_at) VALUES (1, 2026, '', 1000000, 500000, 0), (1, 2026, '84', 400000, 200000, 0), (1, 2025, "
	        "'84', 100000, 100000, 0)");
	/* Activity rollups: C1 (k1, Drôme) active in December, C2 (k2) last in November, C3 (k3, Paris); a
	 * mediator who is no recruit of the programme (not counted); C1 in December 2025. */
	sql(fx, "INSERT INTO activity_rollup (day, adviser_id, organisation_id, commune_code, type, org_commune_code, "
	        "departement_code, region_code, org_departement_code, org_region_code, reports, participants, already, "
	        "minutes) VALUES ('2026-05-10', 6, 1, '26108', 'individuel', '26108', '26', '84', '26', '84', 3, 3, 0, "
	        "90), "
	        "('2026-12-20', 6, 1, '26108', 'collectif', '26108', '26', '84', '26', '84', 2, 15, 0, 120), "
	        "('2026-11-15', 7, 1, '26108', 'individuel', '26108', '26', '84', '26', '84', 1, 1, 0, 30), "
	        "('2026-06-01', 8, 2, '75056', 'ponctuel', '75056', '75', '11', '75', '11', 4, 4, 0, 60), "
	        "('2026-12-30', 9, 2, '75056', 'individuel', '75056', '75', '11', '75', '11', 10, 10, 0, 60), "
	        "('2025-12-15', 6, 1, '26108', 'individuel', '26108', '26', '84', '26', '84', 2, 2, 0, 60)");
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char url[800];
	int applied = 0;

	if (testdb.engine == DB_SQLITE)
		testdb_sqlite_url(url, sizeof(url), "s");
	else
		snprintf(url, sizeof(url), "%s", testdb.pg_url);
	if ((fx->db = testdb_open(url)) == NULL)
		fail_msg("cannot open %s", url);
	if (testdb.engine == DB_POSTGRES)
		assert_int_equal(db_exec_script(fx->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), TR_OK);
	assert_int_equal(db_migrate(fx->db, embedded_migrations, &applied), TR_OK);
	fx->a = arena_new();
	config_defaults(&fx->cfg);
	fx->ctx = (struct ctx){ .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .actor = NULL, .now = ep(2027, 1, 15) };
	fixture(fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	db_close(fx->db);
	arena_free(fx->a);
	free(fx);
	return 0;
}

static void
act_as(struct fx *fx, int64_t person)
{
	struct actor *a = NULL;

	assert_int_equal(actor_load(&fx->ctx, person, &a), TR_OK);
	fx->ctx.actor = a;
}

/* The figure ID of 2026 for the current actor (REGION: NULL or a filter). */
static json_t *
fig(struct fx *fx, const char *id, const char *region)
{
	struct steer_query q = { 1, "2026-01-01", "2026-12-31", region };
	json_t *out = NULL;

	assert_int_equal(steer_query_check(&fx->ctx, &q), TR_OK);
	if (steer_figure(&fx->ctx, &q, steer_indicator(id), &out) != TR_OK)
		fail_msg("%s: %s (%s)", id, fx->ctx.message ? fx->ctx.message : "?", db_errmsg(fx->db));
	return out;
}

/* "key=v0/v1/..;key=…" of a figure's rows (reals with one decimal, null as "-"), for compact expectations. */
static const char *
flat(struct fx *fx, json_t *f, const char *member)
{
	const char *s = "";
	size_t i, j;
	json_t *r, *v;

	json_array_foreach(json_object_get(f, "rows"), i, r)
	{
		s = arena_printf(fx->a, "%s%s%s=", s, i ? ";" : "", json_string_value(json_object_get(r, "key")));
		json_array_foreach(json_object_get(r, member), j, v)
		{
			s = arena_printf(fx->a, "%s%s", s, j ? "/" : "");
			s = json_is_real(v)      ? arena_printf(fx->a, "%s%.1f", s, json_real_value(v))
			    : json_is_integer(v) ? arena_printf(fx->a, "%s%lld", s, (long long)json_integer_value(v))
			                         : arena_printf(fx->a, "%s-", s);
		}
	}
	json_decref(f);
	return s;
}

static void
expect(struct fx *fx, const char *id, const char *want)
{
	assert_string_equal(flat(fx, fig(fx, id, NULL), "values"), want);
}

/* The national view, indicator by indicator. */
static void
t_national(void **state)
{
	struct fx *fx = *state;

	act_as(fx, 1);
	/* Target: the programme's 100. Granted 3 + 2. Filled on 31 December: k1 and k2 (ended that very day), not k3.
	 * Returned: B's closed offer, 2 posts, 1 contract. */
	expect(fx, "posts_summary", "target=100;granted=5;filled=2;vacant=3;returned=1");
	expect(fx, "posts_by_region", "11=2/0/30;53=0/0/10;84=3/2/60");
	expect(fx, "posts_by_departement", "26=3/2;75=2/0");
	expect(fx, "posts_by_job_profile", "1=3/2;2=2/0");
	expect(fx, "posts_by_network", "points-cyb=3/2");
	expect(fx, "posts_by_employer_kind",
	    "collectivite=2/0;gip=0/0;association=3/2;etablissement_public=0/0;entreprise=0/0");
	expect(fx, "dossiers_by_state",
	    "draft=0;regional_review=0;national_review=0;changes_requested=0;validated=2;refused=1;withdrawn=0");
	/* Regional review: A 15 days, B 10, C 4 → median 10, 9th decile 15. National: A 12, B 10 then 28 (reopened),
	 * C 27 → median 12, 9th decile 28. */
	expect(fx, "review_days", "regional_review=3/10/15;national_review=4/12/28");
	expect(fx, "opinions", "favourable=1;favourable_reserves=1;unfavourable=1");
	expect(fx, "decisions", "validate=3;refuse=1;reopen=1");
	expect(fx, "refusal_reasons", "Projet incomplet=1");
	expect(fx, "recruitment_summary", "offers=2;posts=5;applications=4;recruitments=3");
	/* Offer to contract: 10, 19 and 10 days. */
	expect(fx, "time_to_recruit", "all=3/10/19");
	/* Ages on the first day: 20, 27, 18. */
	expect(fx, "recruits_age", "a_u18=0;b_18_21=2;c_22_25=0;d_26_30=1;e_31=0");
	expect(fx, "recruits_qualification", "none=1;3=1;4=1;5=0;6=0;7=0;8=0");
	expect(fx, "recruits_priority_area", "none=1;qpv=1;zrr=1;outre_mer=0");
	expect(fx, "recruits_sex", "F=1;M=1;unknown=1");
	/* C1 by the second path, C2 by the first with an RQTH (27 on the day of the diagnosis), C3 by override. */
	expect(fx, "recruits_eligibility", "path_1=1/1;path_2=1/0;computed=0/0;override=1/0;none=0/0");
	expect(fx, "early_breaks", "in_force=3;ended_early=1;rate=33.3");
	expect(fx, "breaks_by_whom", "employer=0;employee=1;mutual=0");
	expect(fx, "breaks_by_reason", "trial=0;job=1;training=0;dismissal=0;resignation=0;agreement=0;other=0");
	expect(fx, "training_paths", "contracts=3;started=2;completed=1;modules_late=1");
	/* The recruits' session cancelled by its organiser is not one cancelled under its minimum. */
	expect(fx, "sessions_cancelled", "recruits=0/1/1;tutors=1/0/2");
	expect(fx, "tutors_trained", "trained=1;untrained=1");
	expect(fx, "outcomes_at_end",
	    "lasting_cdi=1;lasting_cdd=0;lasting_business=0;transition=1;training=0;job_seeker=0;inactive=0;unknown=0");
	expect(fx, "outcomes_six_months",
	    "lasting_cdi=0;lasting_cdd=0;lasting_business=0;transition=0;training=0;job_seeker=0;inactive=0;unknown=0");
	expect(fx, "outcomes_by_region", "11=1/0/0.0;84=1/1/100.0");
	/* Money, in whole euros from the exact cents: committed 1 000,00 + 1 000,50 + 500,25 (the line closed by a
	 * later version and the 2025 one left out) = 2 500,75 → 2 501; paid 1 000,00 + 500,25 → 1 500; to pay
	 * 1 000,50 → 1 001 (each rounded once: 2 501 − 1 500 is not 1 001); OR-1 notified in July; OR-2 repaid
	 * in February (notified in 2025); OR-3 cancelled. */
	expect(fx, "money_summary", "committed=2501;paid=1500;to_pay=1001;recovered=200;repaid=150");
	/* The national envelope of 2026 (not the sum of the regions'): 25.0 % (250 075 / 1 000 000) and 30.0 %. */
	expect(fx, "money_envelopes", "commitments=10000/2501/25.0;payments=5000/1500/30.0");
	expect(fx, "money_by_region", "11=500/500;84=2001/1000");
	/* Activity of the recruits only (not the mediator's 10 reports): individual 3 + 1, the workshop, the
	 * one-off request. Active on 31 December: C1 (20 December), not C2 (15 November, over 30 days before). */
	expect(fx, "activity_sessions", "individuel=4/4;collectif=2/15;ponctuel=4/4");
	expect(fx, "activity_advisers", "granted=5;in_post=2;active=1;activation_rate=40.0;activity_rate=50.0");
	/* The curve: March 2, April 3, then flat; the target beside each month. */
	assert_string_equal(flat(fx, fig(fx, "recruitments_cumulative", NULL), "values"),
	    "2026-01=0/100;2026-02=0/100;2026-03=2/100;2026-04=3/100;2026-05=3/100;2026-06=3/100;2026-07=3/100;"
	    "2026-08=3/100;2026-09=3/100;2026-10=3/100;2026-11=3/100;2026-12=3/100");
}

/* The whole dashboard reads each table once (12 sources, the programme, its criteria and the networks), whatever
 * the number of figures; one figure reads only its own sources. */
static void
t_queries(void **state)
{
	struct fx *fx = *state;
	struct steer_query q = { 1, "2026-01-01", "2026-12-31", NULL };
	json_t *out = NULL;
	uint64_t before;

	act_as(fx, 1);
	assert_int_equal(steer_query_check(&fx->ctx, &q), TR_OK);
	before = db_query_count(fx->db);
	assert_int_equal(steer_dashboard(&fx->ctx, &q, &out), TR_OK);
	assert_true(db_query_count(fx->db) - before <= 15);
	json_decref(out);
	before = db_query_count(fx->db);
	assert_int_equal(steer_figure(&fx->ctx, &q, steer_indicator("posts_summary"), &out), TR_OK);
	assert_true(db_query_count(fx->db) - before <= 4 + 2);
	json_decref(out);
}

/* The previous period (2025) beside each row: only dossier A existed. */
static void
t_previous(void **state)
{
	struct fx *fx = *state;
	const char *pf, *pt;

	act_as(fx, 1);
	assert_string_equal(flat(fx, fig(fx, "dossiers_by_state", NULL), "previous"),
	    "draft=0;regional_review=0;national_review=0;changes_requested=0;validated=1;refused=0;withdrawn=0");
	assert_string_equal(
	    flat(fx, fig(fx, "posts_summary", NULL), "previous"), "target=100;granted=0;filled=0;vacant=0;returned=0");
	assert_string_equal(flat(fx, fig(fx, "money_summary", NULL), "previous"),
	    "committed=300;paid=300;to_pay=0;recovered=150;repaid=0");
	assert_string_equal(flat(fx, fig(fx, "activity_advisers", NULL), "previous"),
	    "granted=0;in_post=0;active=1;activation_rate=0.0;activity_rate=0.0");
	assert_string_equal(
	    flat(fx, fig(fx, "review_days", NULL), "previous"), "regional_review=0/-/-;national_review=0/-/-");
	/* Two years asked: the previous two (2024–2025) take the envelopes of both their years (84's of 2025 only:
	 * no national one then). */
	{
		struct steer_query q = { 1, "2026-01-01", "2027-12-31", NULL };
		json_t *out = NULL;
		assert_int_equal(steer_query_check(&fx->ctx, &q), TR_OK);
		assert_int_equal(steer_figure(&fx->ctx, &q, steer_indicator("money_envelopes"), &out), TR_OK);
		assert_string_equal(flat(fx, out, "previous"), "commitments=1000/300/30.0;payments=1000/300/30.0");
	}
	steer_previous(&fx->ctx, "2026-01-01", "2026-12-31", &pf, &pt);
	assert_string_equal(pf, "2025-01-01");
	assert_string_equal(pt, "2025-12-31");
	steer_previous(&fx->ctx, "2026-03-01", "2026-03-31", &pf, &pt);
	assert_string_equal(pf, "2026-02-01");
	assert_string_equal(pt, "2026-02-28");
	steer_previous(&fx->ctx, "2026-03-10", "2026-03-19", &pf, &pt);
	assert_string_equal(pf, "2026-02-28");
	assert_string_equal(pt, "2026-03-09");
}

/* A regional officer of 84 sees 84 only, in every figure; an employer its own; a région outside the scope is
 * refused; the viewer sees the national figures. */
static void
t_scopes(void **state)
{
	struct fx *fx = *state;
	struct steer_query q = { 1, "2026-01-01", "2026-12-31", "11" };

	act_as(fx, 2);
	expect(fx, "posts_summary", "target=60;granted=3;filled=2;vacant=1;returned=0");
	expect(fx, "posts_by_region", "84=3/2/60");
	expect(fx, "outcomes_by_region", "84=1/1/100.0");
	expect(fx, "decisions", "validate=1;refuse=0;reopen=0");
	expect(fx, "sessions_cancelled", "recruits=0/0/0;tutors=1/0/2");
	/* Money of 84: 1 000,00 + 1 000,50 € committed, 1 000 € paid; the cancelled recovery does not count; 84's
	 * envelope. */
	expect(fx, "money_summary", "committed=2001;paid=1000;to_pay=1001;recovered=0;repaid=150");
	expect(fx, "money_envelopes", "commitments=4000/2001/50.0;payments=2000/1000/50.0");
	expect(fx, "money_by_region", "84=2001/1000");
	expect(fx, "activity_sessions", "individuel=4/4;collectif=2/15;ponctuel=0/0");
	expect(fx, "activity_advisers", "granted=3;in_post=2;active=1;activation_rate=66.7;activity_rate=50.0");
	assert_int_equal(steer_query_check(&fx->ctx, &q), TR_INVALID);
	fx->ctx.errors.n = 0;

	act_as(fx, 3);
	expect(fx, "posts_summary", "target=0;granted=2;filled=0;vacant=2;returned=1");
	expect(fx, "posts_by_region", "11=2/0/0");
	expect(fx, "recruits_age", "a_u18=0;b_18_21=1;c_22_25=0;d_26_30=0;e_31=0");
	expect(fx, "money_summary", "committed=500;paid=500;to_pay=0;recovered=200;repaid=0");
	/* No envelope is a structure's own: what it consumed, against none. */
	expect(fx, "money_envelopes", "commitments=0/500/0.0;payments=0/500/0.0");
	expect(fx, "activity_sessions", "individuel=0/0;collectif=0/0;ponctuel=4/4");

	act_as(fx, 9);
	expect(fx, "posts_summary", "target=100;granted=5;filled=2;vacant=3;returned=1");
	/* A région filter: the région's target, its figures only; a région without data shows its target alone. */
	assert_string_equal(
	    flat(fx, fig(fx, "posts_summary", "53"), "values"), "target=10;granted=0;filled=0;vacant=0;returned=0");
	assert_string_equal(flat(fx, fig(fx, "posts_by_region", "53"), "values"), "53=0/0/10");
	assert_string_equal(flat(fx, fig(fx, "recruits_sex", "53"), "values"), "F=0;M=0");
}

/* Someone without figures is refused. */
static void
t_refused(void **state)
{
	struct fx *fx = *state;
	struct steer_query q = { 1, NULL, NULL, NULL };

	act_as(fx, 6); /* a person with no role */
	assert_int_equal(steer_query_check(&fx->ctx, &q), TR_FORBIDDEN);
	fx->ctx.actor = NULL;
	assert_int_equal(steer_query_check(&fx->ctx, &q), TR_UNAUTHORIZED);
}

/* No row and no column of a table with its margins keeps exactly one secret cell; every cell under 5 is secret. */
static void
check_lines(const long long *v, const bool *s, size_t r, size_t c)
{
	for (size_t i = 0; i <= r; i++) {
		size_t n = 0;
		for (size_t j = 0; j <= c; j++)
			n += s[i * (c + 1) + j];
		assert_true(n != 1);
	}
	for (size_t j = 0; j <= c; j++) {
		size_t n = 0;
		for (size_t i = 0; i <= r; i++)
			n += s[i * (c + 1) + j];
		assert_true(n != 1);
	}
	for (size_t i = 0; i < (r + 1) * (c + 1); i++)
		if (v[i] < OPENDATA_MIN_CELL)
			assert_true(s[i]);
}

/* An attacker's search: every table of counts that agrees with the published cells of V (SECRET the others),
 * each secret cell at most BOUND; the values each secret takes, as a bit set per cell. Backtracking cell by cell,
 * a row checked when its last cell is set. */
struct attack {
	const long long *v;
	const bool *s;
	size_t r, c;
	long long x[64], bound;
	unsigned long long seen[64];
};

static bool
attack_line_ok(struct attack *a, size_t l, bool row)
{
	size_t n = row ? a->c : a->r;
	long long sum = 0;

	for (size_t k = 0; k < n; k++)
		sum += a->x[row ? l * (a->c + 1) + k : k * (a->c + 1) + l];
	return sum == a->x[row ? l * (a->c + 1) + a->c : a->r * (a->c + 1) + l];
}

static void
attack_from(struct attack *a, size_t at)
{
	size_t n = (a->r + 1) * (a->c + 1);

	if (at == n) {
		for (size_t j = 0; j <= a->c; j++)
			if (!attack_line_ok(a, j, false))
				return;
		for (size_t k = 0; k < n; k++)
			if (a->s[k])
				a->seen[k] |= 1ull << a->x[k];
		return;
	}
	for (long long val = a->s[at] ? 0 : a->v[at]; val <= (a->s[at] ? a->bound : a->v[at]); val++) {
		a->x[at] = val;
		if ((at + 1) % (a->c + 1) == 0 && !attack_line_ok(a, at / (a->c + 1), true))
			continue;
		attack_from(a, at + 1);
	}
}

/* No secret cell of V takes a single value over every completion. */
static void
check_unrecoverable(const long long *v, const bool *s, size_t r, size_t c, long long bound)
{
	struct attack a = { .v = v, .s = s, .r = r, .c = c, .bound = bound };

	assert_true(bound < 64 && (r + 1) * (c + 1) <= 64);

	attack_from(&a, 0);
	for (size_t k = 0; k < (r + 1) * (c + 1); k++)
		if (s[k])
			assert_true(__builtin_popcountll(a.seen[k]) >= 2);
}

static void
t_suppression(void **state)
{
	/* 3 × 3 with margins: one small cell (2) makes its row and column lose another cell each, and then the
	 * intersection of those. */
	const long long v[] = {
		2, 10, 20, 32,   //
		8, 30, 40, 78,   //
		12, 15, 60, 87,  //
		22, 55, 120, 197 //
	};
	bool s[16];
	/* A single row: its total cannot stay when one cell is secret and it is the only other. */
	const long long v2[] = { 3, 9, 12, 3, 9, 12 };
	bool s2[6];

	(void)state;
	opendata_suppress(v, s, 3, 3, OPENDATA_MIN_CELL);
	check_lines(v, s, 3, 3);
	assert_true(s[0] && s[4] && s[1] && s[5]); /* 2, then 8 (column) and 10 (row), then 30 */
	assert_false(s[15]);
	opendata_suppress(v2, s2, 1, 2, OPENDATA_MIN_CELL);
	check_lines(v2, s2, 1, 2);
	/* Two secrets per line everywhere, yet row 0's two are 0 and 0 beside a published 9 and its total 9: their sum
	 * is known to be 0, so both are known. The cycle check protects them (9 or its total goes too). */
	const long long v3[] = {
		0, 0, 9, 9,    //
		3, 2, 8, 13,   //
		7, 6, 10, 23,  //
		10, 8, 27, 45, //
	};
	bool s3[16];
	opendata_suppress(v3, s3, 3, 3, OPENDATA_MIN_CELL);
	check_lines(v3, s3, 3, 3);
	assert_true(s3[2] || s3[3]);
	check_unrecoverable(v3, s3, 3, 3, 45);
	check_unrecoverable(v, s, 3, 3, 60);
}

/* The open-data rows of the fixture: every published measure is 5 or more, or "s". */
static void
t_aggregates(void **state)
{
	struct fx *fx = *state;
	json_t *out = NULL, *r;
	size_t i;

	assert_int_equal(opendata_aggregates(&fx->ctx, &out), TR_OK);
	/* Two tables (84 and 11 of 2026): 84 is 1 département × 1 métier + margins = 4 rows; 11 likewise. */
	assert_int_equal(json_array_size(json_object_get(out, "rows")), 8);
	json_array_foreach(json_object_get(out, "rows"), i, r)
	{
		for (size_t m = 0; m < opendata_measures_count; m++) {
			json_t *v = json_object_get(r, opendata_measures[m].name);
			assert_true(json_is_string(v) || json_integer_value(v) >= OPENDATA_MIN_CELL);
		}
	}
	json_decref(out);
}

/* The annual report: the same data give the same bytes; a regional officer may not draw the national one. */
static void
t_report_bytes(void **state)
{
	struct fx *fx = *state;
	struct buf a = BUF_INIT(0), b = BUF_INIT(0);
	int64_t at1 = 0, at2 = 0, id = 0;

	act_as(fx, 1);
	assert_int_equal(annual_report_render(&fx->ctx, 1, 2026, NULL, &a, &at1), TR_OK);
	assert_int_equal(annual_report_generate(&fx->ctx, 1, 2026, NULL, &id), TR_OK);
	assert_int_equal(annual_report_render(&fx->ctx, 1, 2026, NULL, &b, &at2), TR_OK);
	assert_int_equal(at1, ep(2026, 4, 1));
	assert_int_equal(at1, at2);
	assert_true(a.n > 1000 && a.n == b.n && memcmp(a.p, b.p, a.n) == 0);
	assert_memory_equal(a.p, "%PDF", 4);
	act_as(fx, 2);
	assert_int_equal(annual_report_render(&fx->ctx, 1, 2026, NULL, &b, &at2), TR_INVALID);
	fx->ctx.errors.n = 0;
	buf_free(&a);
	buf_free(&b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_national),
		T(t_queries),
		T(t_previous),
		T(t_scopes),
		T(t_refused),
		cmocka_unit_test(t_suppression),
		T(t_aggregates),
		T(t_report_bytes),
	};
	int failed;

	setenv("TZ", "Europe/Paris", 0);
	log_set_level(LOG_WARN);
	if (sec_init() != TR_OK)
		return 1;
	failed = testdb_run("steering", tests, N_ELEMS(tests), NULL);
	return failed == 0 ? 0 : 1;
}
