/* Demo organisations and accounts, as data. */
#include "demo/demo.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "domain/activity/activity.h"
#include "domain/activity/activity_gen.h"
#include "model/activity/activity.h"
#include "domain/accounts/account.h"
#include "domain/kernel/common.h"
#include "domain/accounts/org.h"
#include "domain/places/place.h"
#include "domain/programmes/programme.h"
#include "domain/recruitment/application.h"
#include "domain/candidates/candidate.h"
#include "domain/dossiers/dossier.h"
#include "domain/candidates/eligibility.h"
#include "domain/recruitment/offer.h"
#include "domain/accounts/session.h"
#include "domain/training/skills.h"
#include "domain/training/training_path.h"
#include "domain/subsidies/subsidy.h"
#include "core/time.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct demo_org {
	const char *key, *name, *kind, *siret, *address, *commune;
};

struct demo_person {
	const char *email, *name, *role, *org_key, *regions;
};

static const struct demo_org demo_orgs[] = {
	{ "dui", "Délégation aux usages de l'Internet", "national", NULL, "1 rue Descartes", "75105" },
	{ "sgar", "SGAR Auvergne-Rhône-Alpes", "regional", NULL, "33 rue Saint-Exupéry", "69383" },
	{ "pole", "Pôle de ressources Centre-Est", "pole", NULL, "4 place Louis-Pradel", "69381" },
	{ "epn", "Les Ateliers numériques de la vallée de la Drôme", "employer", NULL, "12 rue de la République",
	    "26108" },
	{ "ml", "Mission locale Vallée de la Drôme", "prescriber", NULL, "8 avenue Jean-Jaurès", "26108" },
	{ "of", "Médiation Formation Rhône-Alpes", "trainer", NULL, "20 rue de la Part-Dieu", "69383" },
	{ "company", "Valence Informatique Services", "company", NULL, "5 avenue de Romans", "26362" },
	{ "payer", "Agence de services et de paiement", "payer", NULL, "2 rue du Maupas", "87085" },
};

static const struct demo_person demo_people[] = {
	{ "admin@demo.tremplin.fr", "Camille Administratrice", "admin", NULL, NULL },
	{ "national@demo.tremplin.fr", "Nadia Délégation", "national", NULL, NULL },
	{ "regional@demo.tremplin.fr", "Rémi Chargé-de-mission", "regional", NULL, "84" },
	{ "pole@demo.tremplin.fr", "Pauline Pôle", "pole", "pole", "84|27" },
	{ "structure@demo.tremplin.fr", "Sébastien Structure", "employer", "epn", NULL },
	{ "prescripteur@demo.tremplin.fr", "Priscille Mission-locale", "prescriber", "ml", NULL },
	{ "formation@demo.tremplin.fr", "Fabien Formateur", "trainer", "of", NULL },
	{ "candidat@demo.tremplin.fr", "Chloé Candidate", "candidate", NULL, NULL },
	{ "parrain@demo.tremplin.fr", "Paul Parrain", "sponsor", "company", NULL },
	{ "pilotage@demo.tremplin.fr", "Véronique Comité", "viewer", NULL, NULL },
	{ "payeur@demo.tremplin.fr", "Pascal Payeur", "payer", "payer", NULL },
};

static json_t *
logins_json(void)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ARRAY_LEN(demo_people); i++) {
		const struct demo_person *p = &demo_people[i];
		enum role r = role_from_code(p->role, strlen(p->role));
		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s}", "email", p->email, "role", p->role, "label", role_label(r)));
	}
	return a;
}

/* The demo's story, so that every role finds something on its pages: a dossier of the 2013 programme
 * validated in three steps, its offer, the demo candidate followed by the Mission locale and found
 * eligible, who applied and was recruited (contract with tutor and sponsor, training path, a first
 * self-assessment); and a dossier of the 2020 programme waiting for the regional opinion. Each step is
 * taken by the person whose role it is, through the same domain functions as the pages. */
struct demo_cast {
	struct actor *structure, *regional, *national, *prescriber, *candidate;
	int64_t structure_id, candidate_id, sponsor_id;
};

static tr_err
as(struct ctx *ctx, const struct actor *who)
{
	ctx->actor = who;
	ctx->errors.n = 0;
	ctx->message = NULL;
	return TR_OK;
}

static tr_err
person_id(struct ctx *ctx, const char *email, int64_t *id)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, "SELECT id FROM people WHERE email = ?", &r, DB_TEXT(email));

	if (err == TR_OK)
		*id = db_int(db_cell(r, 0, 0));
	return err;
}

static tr_err
cast_load(struct ctx *ctx, struct demo_cast *c)
{
	static const char *const emails[] = { "structure@demo.tremplin.fr", "regional@demo.tremplin.fr",
		"national@demo.tremplin.fr", "prescripteur@demo.tremplin.fr", "candidat@demo.tremplin.fr" };
	struct actor **slots[] = { &c->structure, &c->regional, &c->national, &c->prescriber, &c->candidate };
	tr_err err;

	for (size_t i = 0; i < ARRAY_LEN(emails); i++) {
		int64_t id;
		if ((err = person_id(ctx, emails[i], &id)) != TR_OK || (err = actor_load(ctx, id, slots[i])) != TR_OK)
			return err;
	}
	c->structure_id = c->structure->person_id;
	c->candidate_id = c->candidate->person_id;
	return person_id(ctx, "parrain@demo.tremplin.fr", &c->sponsor_id);
}

static tr_err demo_convention(struct ctx *ctx, struct demo_cast *c, int64_t org);

/* The subsidies of the story: the demo's paying agency pays both programmes, the structure records its bank
 * details, and the regional officer decides the hourly aid of the demo contract (its schedule computed month by
 * month on the SMIC). */
static tr_err
demo_subsidies(struct ctx *ctx, struct demo_cast *c, int64_t contract)
{
	struct db_rows *r;
	int64_t decision;
	json_t *in;
	tr_err err;

	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT o.id, p.id, (SELECT organisation_id FROM contracts WHERE id = ?), (SELECT id FROM aid_rules "
	         "WHERE "
	         "code = 'eav_non_market') FROM organisations o, programmes p WHERE o.kind = 'payer' ORDER BY p.id",
	         &r, DB_I64(contract))) != TR_OK)
		return ctx_storage_error(ctx, err);
	as(ctx, c->national);
	for (size_t i = 0; i < r->nrows; i++)
		if ((err = payer_programme_add(ctx, db_int(db_cell(r, i, 0)), db_int(db_cell(r, i, 1)))) != TR_OK)
			return err;
	if (r->nrows == 0)
		return TR_OK;
	in = json_pack("{s:s, s:s, s:s}", "holder", "Les Ateliers numériques de la vallée de la Drôme", "iban",
	    "FR76 3000 6000 0112 3456 7890 189", "bic", "AGRIFRPP");
	as(ctx, c->structure);
	err = bank_set(ctx, db_int(db_cell(r, 0, 2)), 0, in);
	json_decref(in);
	if (err != TR_OK)
		return err;
	in = json_pack("{s:I}", "rule_id", (json_int_t)db_int(db_cell(r, 0, 3)));
	as(ctx, c->regional);
	err = aid_decision_create(ctx, contract, in, &decision);
	json_decref(in);
	return err != TR_OK ? err : demo_convention(ctx, c, db_int(db_cell(r, 0, 2)));
}

/* The version of row ID of TABLE (one of the story's own tables, never input). */
static int64_t
version_of(struct ctx *ctx, const char *table, int64_t id)
{
	struct db_rows *r;

	return db_onev(ctx->db, ctx->arena, arena_printf(ctx->arena, "SELECT version FROM %s WHERE id = ?", table), &r,
	           DB_I64(id)) == TR_OK
	           ? db_int(db_cell(r, 0, 0))
	           : 0;
}

/* POST_ID's instalment of MONTH asked by the structure; *REQUEST receives it. */
static tr_err
demo_request(struct ctx *ctx, struct demo_cast *c, int64_t post_id, const char *month, int64_t *request)
{
	json_t *in = json_pack("{s:s}", "month", month);
	tr_err err;

	as(ctx, c->structure);
	err = payreq_create_post(ctx, post_id, in, request);
	json_decref(in);
	return err;
}

/* The lump sums of the story (Conseillers numériques): a convention of two posts signed thirteen months ago, both
 * filled and their first instalments paid by the paying agency; the second instalment of the first post asked and
 * waiting; the second post given back last month, so the part of its instalment beyond the days held is claimed
 * back. Every step through the domain, as the people would through the pages. */
static tr_err
demo_convention(struct ctx *ctx, struct demo_cast *c, int64_t org)
{
	const char *signed_on = date_add(ctx->arena, date_iso(ctx->arena, ctx->now), -13, 0);
	const char *start1 = date_add(ctx->arena, signed_on, 0, 14), *start2 = date_add(ctx->arena, signed_on, 1, 0);
	struct actor *payer = NULL;
	struct db_rows *r;
	json_t *in, *order = NULL;
	int64_t convention, post[2], request, order_id, payer_id, programme;
	tr_err err;

	if ((err = db_onev(ctx->db, ctx->arena,
	         "SELECT (SELECT id FROM aid_rules WHERE code = 'cnfs_w2_public'), (SELECT id FROM programmes WHERE "
	         "code "
	         "= 'CNFS-2020')",
	         &r)) != TR_OK)
		return ctx_storage_error(ctx, err);
	programme = db_int(db_cell(r, 0, 1));
	in = json_pack("{s:I, s:I, s:i, s:s}", "organisation_id", (json_int_t)org, "rule_id",
	    (json_int_t)db_int(db_cell(r, 0, 0)), "posts_granted", 2, "signed_on", signed_on);
	as(ctx, c->national);
	err = convention_create(ctx, in, &convention);
	json_decref(in);
	if (err != TR_OK)
		return err;
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id FROM convention_posts WHERE convention_id = ? ORDER BY seq", &r, DB_I64(convention))) !=
	    TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < 2; i++) {
		post[i] = db_int(db_cell(r, i, 0));
		in = json_pack(
		    "{s:s, s:s}", "holder_name", i ? "Yanis Benali" : "Inès Morel", "started_on", i ? start2 : start1);
		as(ctx, c->structure);
		err = post_act(ctx, post[i], "fill", version_of(ctx, "convention_posts", post[i]), in, NULL, NULL);
		json_decref(in);
		if (err != TR_OK)
			return err;
	}
	if ((err = person_id(ctx, "payeur@demo.tremplin.fr", &payer_id)) != TR_OK ||
	    (err = actor_load(ctx, payer_id, &payer)) != TR_OK)
		return err;
	for (size_t i = 0; i < 2; i++) {
		if ((err = demo_request(
		         ctx, c, post[i], arena_strndup(ctx->arena, i ? start2 : start1, 7), &request)) != TR_OK)
			return err;
		as(ctx, payer);
		if ((err = payreq_act(ctx, request, "approve", version_of(ctx, "payment_requests", request), NULL, NULL,
		         NULL)) != TR_OK)
			return err;
	}
	if ((err = payorder_create(ctx, programme, &order_id)) != TR_OK)
		return err;
	order = json_pack("{s:s, s:s}", "paid_on", date_add(ctx->arena, start2, 0, 10), "paid_reference", "ASP-DEMO-1");
	err = payorder_paid(ctx, order_id, version_of(ctx, "payment_orders", order_id), order);
	json_decref(order);
	if (err != TR_OK)
		return err;
	/* The first post's second instalment, due on its first anniversary, asked and waiting for the agency. */
	if ((err = demo_request(ctx, c, post[0], arena_strndup(ctx->arena, date_add(ctx->arena, start1, 12, 0), 7),
	         &request)) != TR_OK)
		return err;
	/* The second post given back last month: what was paid beyond the days held is claimed back. */
	in = json_pack("{s:s}", "returned_on", date_add(ctx->arena, date_iso(ctx->arena, ctx->now), -1, 0));
	as(ctx, c->structure);
	err = post_act(ctx, post[1], "give_back", version_of(ctx, "convention_posts", post[1]), in, NULL, NULL);
	json_decref(in);
	return err;
}

/* The demo's story happens today, while both programmes ended (2016, 2023) and so take no new dossier: their
 * national officer prolongs them by three years, as the programme's page lets one do (journaled). A plain `tremplin
 * seed` keeps their real periods. */
static tr_err
demo_prolong(struct ctx *ctx, struct demo_cast *c)
{
	const char *until = date_add(ctx->arena, date_iso(ctx->arena, ctx->now), 36, 0);
	struct db_rows *r;
	tr_err err;

	if ((err = as(ctx, c->national)) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena, "SELECT id, version FROM programmes WHERE ends_on < ? ORDER BY id",
	         &r, DB_TEXT(date_iso(ctx->arena, ctx->now)))) != TR_OK)
		return err;
	for (size_t i = 0; i < r->nrows && err == TR_OK; i++) {
		json_t *p = NULL;
		if ((err = programme_rules(ctx, db_int(db_cell(r, i, 0)), &p)) != TR_OK)
			break;
		json_object_set_new(p, "ends_on", json_string(until));
		err = programme_update(ctx, db_int(db_cell(r, i, 0)), db_int(db_cell(r, i, 1)), p);
		json_decref(p);
	}
	return err;
}

/* A dossier of programme CODE on the demo place, submitted; *ID receives it. */
static tr_err
demo_dossier(struct ctx *ctx, struct demo_cast *c, const char *code, const char *profile, int64_t posts, int64_t *id)
{
	struct db_rows *r;
	json_t *in;
	tr_err err;

	if ((err = db_onev(ctx->db, ctx->arena,
	         "SELECT p.id, j.id, (SELECT po.id FROM poles po WHERE po.programme_id = p.id AND po.code = "
	         "'centre-est') "
	         "FROM programmes p JOIN job_profiles j ON j.programme_id = p.id WHERE p.code = ? AND j.code = ?",
	         &r, DB_TEXT(code), DB_TEXT(profile))) != TR_OK)
		return err;
	in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	               "s:I, s:s, s:s}",
	    "place_id", "demo-ateliers-numeriques-crest", "employer_category", "association", "contact_name",
	    "Sébastien Structure", "contact_email", "structure@demo.tremplin.fr", "contact_phone", "04 75 00 00 00",
	    "project",
	    "Recruter un jeune pour animer des ateliers de prise en main des smartphones et des tablettes, dans nos "
	    "locaux de Crest et dans les villages de la vallée avec l'antenne mobile.",
	    "job_profile_id", (json_int_t)db_int(db_cell(r, 0, 1)), "netpublic", 1, "listed_national", 1, "tutor_name",
	    "Sébastien Structure", "tutor_qualities", "Animateur multimédia depuis 2006, formateur aux usages mobiles.",
	    "sponsor_name", "Paul Parrain", "sponsor_qualities", "Responsable technique, ancien animateur d'EPN.",
	    "company_name", "Valence Informatique Services", "company_siret", "44306184100047", "company_activity",
	    "Maintenance informatique et assistance aux particuliers", "training_path",
	    "Prise de poste, usages mobiles et applications, pédagogie pour adultes ; formation qualifiante avec "
	    "le pôle de ressources Centre-Est.",
	    "development_project",
	    "Ouvrir une antenne mobile dans quatre villages de la vallée.\nProposer des ateliers aux familles le "
	    "samedi.",
	    "posts_requested", (json_int_t)posts, "signed_on", date_iso(ctx->arena, ctx->now), "signatory",
	    "Sébastien Structure, président");
	if (db_cell(r, 0, 2)->type != DBV_NULL)
		json_object_set_new(in, "pole_id", json_integer(db_int(db_cell(r, 0, 2))));
	err = as(ctx, c->structure);
	if (err == TR_OK)
		err = dossier_create(ctx, db_int(db_cell(r, 0, 0)), 0, in, id);
	json_decref(in);
	if (err == TR_OK)
		err = dossier_act(ctx, *id, "submit", 1, NULL, NULL, NULL);
	return err;
}

/* The demo recruit's activity reports: 300 sessions over the 180 days before today, in Crest (the structure's
 * commune) and Valence, through the bulk path as an import of their own. */
static tr_err
demo_activity(struct ctx *ctx)
{
	uint64_t seed = 20261124;
	struct buf b = BUF_INIT(ACTIVITY_BATCH_BYTES_MAX);
	const char *today = date_iso(ctx->arena, ctx->now);
	json_t *out = NULL;
	tr_err err = TR_OK;

	for (int i = 0; i < 300 && err == TR_OK; i++) {
		json_t *o = activity_gen_report(
		    &seed, ctx->arena, date_add(ctx->arena, today, 0, -(1 + i * 180 / 300)), "26108", "26362");
		char *line;
		json_object_set_new(o, "source_id", json_string(arena_printf(ctx->arena, "demo-%d", i)));
		line = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		err = buf_puts(&b, line);
		free(line);
		if (err == TR_OK)
			err = buf_putc(&b, '\n');
	}
	if (err == TR_OK)
		err = activity_ingest(ctx, "import", buf_str(&b).p, buf_str(&b).n, false, &out);
	json_decref(out);
	buf_free(&b);
	return err;
}

static tr_err
demo_story(struct ctx *ctx)
{
	struct demo_cast c;
	int64_t dossier, other, offer, diagnosis, application, contract, assessment, modules, programme;
	const char *start = date_add(ctx->arena, date_iso(ctx->arena, ctx->now), 0, 21);
	json_t *in;
	struct db_rows *r;
	tr_err err;

	if ((err = cast_load(ctx, &c)) != TR_OK || (err = demo_prolong(ctx, &c)) != TR_OK)
		return err;
	/* The 2013 programme: submitted, opinion, validated. */
	if ((err = demo_dossier(ctx, &c, "EAV-EPN-2013", "assistant-usages-mobiles", 2, &dossier)) != TR_OK)
		return err;
	in = json_pack("{s:s, s:s, s:s}", "opinion", "favourable_reserves", "suggestions",
	    "Préciser le calendrier de l'antenne mobile et les communes desservies.", "advice",
	    "S'appuyer sur le pôle de ressources Centre-Est pour le parcours de formation.");
	err = as(ctx, c.regional);
	if (err == TR_OK)
		err = dossier_act(ctx, dossier, "give_opinion", 2, in, NULL, NULL);
	json_decref(in);
	if (err != TR_OK || (err = as(ctx, c.national)) != TR_OK)
		return err;
	in = json_pack("{s:i}", "posts_granted", 2);
	err = dossier_act(ctx, dossier, "validate", 3, in, NULL, NULL);
	json_decref(in);
	if (err != TR_OK)
		return err;
	/* Its offer. */
	in = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s}", "title",
	    "Assistant(e) de formation aux usages mobiles — emploi d'avenir", "start_on", start, "contract_type", "CDD",
	    "duration_months", 24, "weekly_hours", 35, "posts", 1, "description",
	    "Vous animerez des ateliers de prise en main des smartphones et des tablettes, à Crest et dans les "
	    "villages "
	    "de la vallée, avec un tuteur dans l'EPN et un parrain d'une entreprise de Valence.",
	    "how_to_apply",
	    "Candidatez sur la plateforme ; la Mission locale de la vallée de la Drôme peut vous aider.");
	err = as(ctx, c.structure);
	if (err == TR_OK)
		err = offer_create(ctx, dossier, in, &offer);
	json_decref(in);
	if (err != TR_OK)
		return err;
	/* The candidate's profile, followed (with their consent) and found eligible by the Mission locale. */
	if ((err = db_onev(ctx->db, ctx->arena,
	         "SELECT j.id, p.id FROM job_profiles j JOIN programmes p ON p.id = j.programme_id WHERE j.code = "
	         "'assistant-usages-mobiles'",
	         &r)) != TR_OK)
		return err;
	programme = db_int(db_cell(r, 0, 1));
	in = json_pack("{s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:i, s:s, s:[I]}", "birth_date", "2004-04-12",
	    "commune_code", "26108", "qualification_level", "3", "digital_diploma", 0, "rqth", 0, "seeking_since",
	    date_add(ctx->arena, date_iso(ctx->arena, ctx->now), -8, 0), "priority_area", "none", "max_distance_km", 40,
	    "available_from", date_iso(ctx->arena, ctx->now), "wished_profiles", (json_int_t)db_int(db_cell(r, 0, 0)));
	err = as(ctx, c.candidate);
	if (err == TR_OK)
		err = candidate_save(ctx, c.candidate_id, 0, in);
	json_decref(in);
	/* The Mission locale asks to follow the candidate, who accepts. */
	if (err != TR_OK || (err = as(ctx, c.prescriber)) != TR_OK ||
	    (err = prescriber_follow(ctx, "candidat@demo.tremplin.fr")) != TR_OK ||
	    (err = as(ctx, c.candidate)) != TR_OK ||
	    (err = candidate_follower_accept(ctx, c.candidate_id, c.prescriber->roles[0].org_id)) != TR_OK ||
	    (err = as(ctx, c.prescriber)) != TR_OK)
		return err;
	in = json_pack("{s:I, s:s, s:s}", "programme_id", (json_int_t)programme, "decision", "confirm", "comment",
	    "Entretien du jour : projet professionnel clair, disponible immédiatement.");
	err = eligibility_record(ctx, c.candidate_id, in, &diagnosis);
	json_decref(in);
	if (err != TR_OK)
		return err;
	/* The application, the recruitment with double tutoring, the path, a first self-assessment. */
	in = json_pack(
	    "{s:s}", "message", "Je forme déjà mes voisins au smartphone et je voudrais en faire mon métier.");
	err = as(ctx, c.candidate);
	if (err == TR_OK)
		err = application_create(ctx, offer, in, &application);
	json_decref(in);
	if (err != TR_OK)
		return err;
	in = json_pack("{s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "contract_type", "CDD",
	    "start_on", start, "end_on", date_add(ctx->arena, start, 24, -1), "weekly_hours", 35, "tutor_id",
	    (json_int_t)c.structure_id, "tutor_experience",
	    "Animateur multimédia depuis 2006, formateur aux usages mobiles.", "sponsor_name", "Paul Parrain",
	    "sponsor_contact", "parrain@demo.tremplin.fr", "sponsor_id", (json_int_t)c.sponsor_id, "company_name",
	    "Valence Informatique Services", "company_siret", "44306184100047", "company_activity",
	    "Maintenance informatique et assistance aux particuliers");
	err = as(ctx, c.structure);
	if (err == TR_OK)
		err = application_act(ctx, application, "accept", 1, in, NULL, &contract);
	json_decref(in);
	if (err != TR_OK || (err = training_path_apply_template(ctx, contract, &modules)) != TR_OK)
		return err;
	if ((err = db_onev(ctx->db, ctx->arena, "SELECT MIN(c.id) FROM competences c WHERE c.job_profile_id IS NULL",
	         &r)) != TR_OK)
		return err;
	in = json_pack("{s:s, s:s, s:s, s:{s:i, s:i, s:i}}", "moment", "start", "assessed_on",
	    date_iso(ctx->arena, ctx->now), "comment", "Mon point de départ.", "levels",
	    arena_printf(ctx->arena, "%lld", (long long)db_int(db_cell(r, 0, 0))), 3,
	    arena_printf(ctx->arena, "%lld", (long long)db_int(db_cell(r, 0, 0)) + 3), 4,
	    arena_printf(ctx->arena, "%lld", (long long)db_int(db_cell(r, 0, 0)) + 11), 2);
	err = as(ctx, c.candidate);
	if (err == TR_OK)
		err = skills_assess(ctx, contract, in, &assessment);
	json_decref(in);
	if (err != TR_OK)
		return err;
	if ((err = demo_subsidies(ctx, &c, contract)) != TR_OK)
		return err;
	/* A few hundred activity reports of the recruit over the last six months, so that every page has figures. */
	if ((err = as(ctx, c.candidate)) != TR_OK || (err = demo_activity(ctx)) != TR_OK)
		return err;
	/* The 2020 programme: waiting for the regional opinion. */
	return demo_dossier(ctx, &c, "CNFS-2020", "conseiller-numerique", 1, &other);
}

tr_err
demo_seed(struct ctx *ctx, json_t **logins)
{
	int64_t ids[ARRAY_LEN(demo_orgs)];
	struct db_rows *r;
	tr_err err;

	*logins = NULL;
	err = db_onev(ctx->db, ctx->arena, "SELECT id FROM people WHERE email = ?", &r, DB_TEXT(demo_people[0].email));
	if (err == TR_OK) {
		*logins = logins_json();
		return TR_OK;
	}
	if (err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < ARRAY_LEN(demo_orgs); i++) {
		const struct demo_org *o = &demo_orgs[i];
		json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "name", o->name, "kind", o->kind, "address", o->address,
		    "commune_code", o->commune);
		err = org_create(ctx, in, &ids[i]);
		json_decref(in);
		if (err != TR_OK)
			return err;
	}
	for (size_t i = 0; i < ARRAY_LEN(demo_people); i++) {
		const struct demo_person *p = &demo_people[i];
		json_t *in = json_pack("{s:s, s:s, s:s}", "email", p->email, "name", p->name, "role", p->role);
		int64_t id;

		for (size_t k = 0; p->org_key && k < ARRAY_LEN(demo_orgs); k++)
			if (strcmp(demo_orgs[k].key, p->org_key) == 0)
				json_object_set_new(in, "organisation_id", json_integer(ids[k]));
		if (p->regions)
			json_object_set_new(in, "regions", json_string(p->regions));
		err = account_create(ctx, in, DEMO_PASSWORD, &id);
		json_decref(in);
		if (err != TR_OK)
			return err;
	}
	/* The demo pole runs the Centre-Est pole of the 2013 programme; the demo structure runs a place of the
	 * directory, which its dossiers name. */
	for (size_t k = 0; k < ARRAY_LEN(demo_orgs); k++)
		if (strcmp(demo_orgs[k].key, "pole") == 0 &&
		    (err = db_execv(ctx->db, "UPDATE poles SET organisation_id = ? WHERE code = 'centre-est'", NULL,
		         DB_I64(ids[k]))) != TR_OK)
			return ctx_storage_error(ctx, err);
	for (size_t k = 0; k < ARRAY_LEN(demo_orgs); k++)
		if (strcmp(demo_orgs[k].key, "epn") == 0) {
			const char *place_id;
			json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "id",
			    "demo-ateliers-numeriques-crest", "pivot", "W261000123", "nom", demo_orgs[k].name,
			    "adresse", demo_orgs[k].address, "commune", "Crest", "code_postal", "26400", "code_insee",
			    demo_orgs[k].commune, "horaires", "Tu-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
			    "services",
			    "Maîtrise des outils numériques du quotidien|Loisirs et créations numériques|Aide aux "
			    "démarches administratives",
			    "presentation_resume",
			    "Ateliers de fabrication numérique et accompagnement aux usages mobiles.",
			    "organisation_id", (json_int_t)ids[k], "netpublic", 1);
			err = place_create(ctx, in, &place_id);
			json_decref(in);
			if (err != TR_OK)
				return err;
		}
	{
		const struct actor *cli = ctx->actor;
		err = demo_story(ctx);
		ctx->actor = cli;
		if (err != TR_OK)
			return err;
	}
	*logins = logins_json();
	return TR_OK;
}
