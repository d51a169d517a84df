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
#include "domain/news/news.h"
#include "domain/accounts/org.h"
#include "domain/places/place.h"
#include "domain/programmes/programme.h"
#include "domain/recruitment/application.h"
#include "domain/candidates/candidate.h"
#include "domain/dossiers/dossier.h"
#include "domain/candidates/eligibility.h"
#include "domain/recruitment/offer.h"
#include "domain/accounts/second_factor.h"
#include "domain/accounts/session.h"
#include "domain/training/skills.h"
#include "domain/training/training_path.h"
#include "domain/training/training_session.h"
#include "domain/poles/partner.h"
#include "domain/poles/resource.h"
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

/* Two former candidates whose data the retention rules act on at the first start (domain/privacy/retention.c): one
 * who registered three years ago and never came back (anonymised: two years without activity), and one whose only
 * application was refused 400 days ago (their CV is deleted: a year after the last application closed). Made as
 * each person did, at those dates. */
#define DEMO_DAY 86400
#define DEMO_PDF "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

struct demo_former {
	const char *email, *name, *birth, *commune;
	int64_t days_ago, id;
};

static struct demo_former demo_formers[] = {
	{ "ancien.candidat@demo.tremplin.fr", "Dominique Ancien", "1999-02-03", "26108", 3 * 365, 0 },
	{ "candidat.refuse@demo.tremplin.fr", "Jordan Sans-Suite", "2002-06-15", "26362", 400, 0 },
};

/* The accounts, profiles and CVs of the former candidates (from the command line, as the other accounts). */
static tr_err
demo_formers_create(struct ctx *ctx)
{
	const int64_t now = ctx->now;
	tr_err err = TR_OK;

	for (size_t i = 0; i < ARRAY_LEN(demo_formers) && err == TR_OK; i++) {
		struct demo_former *f = &demo_formers[i];
		const struct actor *cli = ctx->actor;
		struct actor *self;
		json_t *in = json_pack("{s:s, s:s, s:s}", "email", f->email, "name", f->name, "role", "candidate");

		ctx->now = now - f->days_ago * DEMO_DAY;
		err = account_create(ctx, in, DEMO_PASSWORD, &f->id);
		json_decref(in);
		if (err == TR_OK)
			err = actor_load(ctx, f->id, &self);
		if (err != TR_OK)
			break;
		in = json_pack("{s:s, s:s, s:s, s:b, s:b, s:s, s:i}", "birth_date", f->birth, "commune_code",
		    f->commune, "qualification_level", "4", "digital_diploma", 0, "rqth", 0, "priority_area", "none",
		    "max_distance_km", 30);
		as(ctx, self);
		err = candidate_save(ctx, f->id, 0, in);
		json_decref(in);
		if (err == TR_OK)
			err = candidate_cv_put(ctx, f->id, "cv.pdf", DEMO_PDF, sizeof(DEMO_PDF) - 1);
		ctx->actor = cli;
	}
	ctx->now = now;
	return err;
}

/* The second former candidate applied to OFFER 400 days ago, and the structure refused at once. */
static tr_err
demo_formers_apply(struct ctx *ctx, struct demo_cast *c, int64_t offer)
{
	const struct demo_former *f = &demo_formers[1];
	const int64_t now = ctx->now;
	int64_t application;
	struct actor *self;
	json_t *in;
	tr_err err;

	ctx->now = now - f->days_ago * DEMO_DAY;
	if ((err = actor_load(ctx, f->id, &self)) != TR_OK)
		goto out;
	as(ctx, self);
	in = json_pack("{s:s}", "message", "Je suis disponible tout de suite.");
	err = application_create(ctx, offer, in, &application);
	json_decref(in);
	if (err != TR_OK)
		goto out;
	as(ctx, c->structure);
	in = json_pack(
	    "{s:s, s:s}", "refusal_reason", "profile", "comment", "Le poste demande une première expérience.");
	err = application_act(ctx, application, "refuse", 1, in, NULL, NULL);
	json_decref(in);
out:
	ctx->now = now;
	return err;
}

/* The network's news: two items of the national coordination, one of the Centre-Est pole. */
static tr_err
demo_news(struct ctx *ctx, struct demo_cast *c)
{
	static const struct {
		bool pole;
		const char *title, *summary, *body, *tags, *regions, *programmes;
	} items[] = {
		{ false, "Appel à projets 2027 : 300 nouveaux postes d'emplois d'avenir dans les EPN",
		    "La coordination nationale ouvre l'appel à projets 2027 ; les dossiers sont attendus avant le 31 "
		    "mars.",
		    "L'appel à projets 2027 est ouvert à **toutes les structures** qui portent un espace public "
		    "numérique.\n\n"
		    "Ce qui change cette année :\n\n- les dossiers se déposent *uniquement* en ligne ;\n- le "
		    "diagnostic "
		    "préalable du pôle de ressources est joint au dossier ;\n- la date limite est le 31 mars.\n\n"
		    "Le cahier des charges complet est sur [le site de la Délégation aux usages de l'internet]"
		    "(https://www.netpublic.fr/).",
		    "appel à projets|recrutement", "", "EAV-EPN-2013" },
		{ false, "Retour sur les rencontres nationales des EPN",
		    "Trois cents animateurs réunis à Lyon : les ateliers, les outils présentés et les prochaines "
		    "dates.",
		    "Les rencontres ont réuni *trois cents* animateurs et tuteurs.\n\n1. Atelier fabrication "
		    "numérique\n"
		    "2. Atelier accompagnement aux démarches en ligne\n3. Atelier tutorat des jeunes recrutés\n\n"
		    "Les supports sont dans la bibliothèque des pôles.",
		    "rencontres|tutorat", "", "" },
		{ true, "Formation des tuteurs en Auvergne-Rhône-Alpes : sessions de printemps",
		    "Le pôle Centre-Est ouvre trois sessions de formation des tuteurs à Valence, Clermont-Ferrand et "
		    "Lyon.",
		    "Les tuteurs des jeunes recrutés peuvent s'inscrire dès maintenant.\n\nChaque session dure **deux "
		    "jours** ; les frais de déplacement sont pris en charge par le pôle.",
		    "formation|tutorat", "84", "" },
	};
	struct actor *pole = NULL;
	int64_t id, pid;
	tr_err err;

	if ((err = person_id(ctx, "pole@demo.tremplin.fr", &pid)) != TR_OK ||
	    (err = actor_load(ctx, pid, &pole)) != TR_OK)
		return err;
	for (size_t i = 0; i < ARRAY_LEN(items); i++) {
		json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "title", items[i].title, "summary",
		    items[i].summary, "body", items[i].body, "tags", items[i].tags, "regions", items[i].regions,
		    "programmes", items[i].programmes);
		err = as(ctx, items[i].pole ? pole : c->national);
		if (err == TR_OK)
			err = news_create(ctx, in, &id);
		json_decref(in);
		if (err != TR_OK)
			return err;
	}
	return TR_OK;
}

/* What every role finds open from the first start (issue 19, item 8): a second offer of the validated dossier, open
 * to applications; a module session of the training organisation at its place and a remote tutor training of the
 * pole; two resources of the pole's library; two companies of the vivier. */
static tr_err
demo_fuller(struct ctx *ctx, struct demo_cast *c, int64_t dossier, const char *today)
{
	struct actor *trainer = NULL, *pole = NULL;
	struct db_rows *r;
	int64_t id, tid, pid;
	json_t *in;
	tr_err err;

	in = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s}", "title",
	    "Animateur ou animatrice d'ateliers numériques pour les familles — emploi d'avenir", "start_on",
	    date_add(ctx->arena, today, 2, 0), "contract_type", "CDD", "duration_months", 24, "weekly_hours", 35,
	    "posts", 1, "description",
	    "Vous accueillerez les familles le samedi à l'EPN de Crest : ateliers parents-enfants, démarches en ligne, "
	    "usages sûrs des écrans, avec un tuteur de la structure.",
	    "how_to_apply", "Candidatez sur la plateforme ; votre conseiller peut vous y aider.");
	err = as(ctx, c->structure);
	if (err == TR_OK)
		err = offer_create(ctx, dossier, in, &id);
	json_decref(in);
	if (err != TR_OK)
		return err;
	if ((err = person_id(ctx, "formation@demo.tremplin.fr", &tid)) != TR_OK ||
	    (err = actor_load(ctx, tid, &trainer)) != TR_OK ||
	    (err = person_id(ctx, "pole@demo.tremplin.fr", &pid)) != TR_OK ||
	    (err = actor_load(ctx, pid, &pole)) != TR_OK)
		return err;
	if ((err = db_onev(ctx->db, ctx->arena,
	         "SELECT p.id, (SELECT organisation_id FROM memberships WHERE person_id = ? AND role = 'trainer'), "
	         "(SELECT po.id FROM poles po WHERE po.programme_id = p.id AND po.code = 'centre-est') FROM programmes "
	         "p "
	         "WHERE p.code = 'EAV-EPN-2013'",
	         &r, DB_I64(tid))) != TR_OK)
		return err;
	in = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "programme_id",
	    (json_int_t)db_int(db_cell(r, 0, 0)), "audience", "recruits", "title",
	    "Animer un atelier numérique pour des débutants", "description",
	    "Deux jours pour préparer, animer et évaluer un atelier de prise en main, avec mises en situation.",
	    "training_org_id", (json_int_t)db_int(db_cell(r, 0, 1)), "place_id", "demo-mediation-formation-lyon",
	    "starts_on", date_add(ctx->arena, today, 1, 0), "ends_on", date_add(ctx->arena, today, 1, 1), "hours", 14,
	    "capacity", 12, "min_registrants", 3, "registration_deadline", date_add(ctx->arena, today, 0, 20));
	err = as(ctx, trainer);
	if (err == TR_OK)
		err = training_session_create(ctx, in, &id);
	json_decref(in);
	if (err != TR_OK)
		return err;
	in = json_pack("{s:I, s:s, s:s, s:s, s:I, s:b, s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "programme_id",
	    (json_int_t)db_int(db_cell(r, 0, 0)), "audience", "tutors", "title", "Être tuteur d'un emploi d'avenir",
	    "description", "Accueillir, accompagner et évaluer un jeune en emploi d'avenir : le rôle du tuteur.",
	    "pole_id", (json_int_t)db_int(db_cell(r, 0, 2)), "remote", 1, "region_code", "84", "starts_on",
	    date_add(ctx->arena, today, 1, 14), "ends_on", date_add(ctx->arena, today, 1, 14), "hours", 7, "capacity",
	    20, "min_registrants", 0, "registration_deadline", date_add(ctx->arena, today, 1, 7));
	err = as(ctx, pole);
	if (err == TR_OK)
		err = training_session_create(ctx, in, &id);
	json_decref(in);
	if (err != TR_OK)
		return err;
	{
		static const char *const res[][4] = {
			{ "Les Bases du numérique d'intérêt général",
			    "Fiches, ateliers clés en main et ressources partagées par les médiateurs numériques.",
			    "https://lesbases.anct.gouv.fr", "ateliers, médiation" },
			{ "Pix : évaluer et développer ses compétences numériques",
			    "Le service public en ligne pour évaluer les compétences numériques des publics "
			    "accompagnés.",
			    "https://pix.fr", "compétences, évaluation" },
		};
		for (size_t i = 0; i < ARRAY_LEN(res) && err == TR_OK; i++) {
			in = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "link", "title", res[i][0], "description",
			    res[i][1], "url", res[i][2], "tags", res[i][3]);
			err = resource_create(ctx, in, NULL, &id);
			json_decref(in);
		}
	}
	{
		static const char *const companies[][6] = {
			{ "Drôme Numérique Services", "51203947000012",
			    "Dépannage informatique et formation des particuliers", "26108", "Jeanne Martin",
			    "04 75 25 00 00" },
			{ "Lyon Réseaux et Solutions", "83411256000026", "Intégration de réseaux et infogérance",
			    "69383", "Karim Benali", "04 78 60 00 00" },
		};
		for (size_t i = 0; i < ARRAY_LEN(companies) && err == TR_OK; i++) {
			in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "name", companies[i][0], "siret",
			    companies[i][1], "activity", companies[i][2], "commune_code", companies[i][3],
			    "contact_name", companies[i][4], "contact_phone", companies[i][5], "programmes",
			    (json_int_t)db_int(db_cell(r, 0, 0)));
			err = partner_create(ctx, in, &id);
			json_decref(in);
		}
	}
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
	if (err != TR_OK || (err = demo_formers_apply(ctx, &c, offer)) != TR_OK)
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
	if ((err = demo_news(ctx, &c)) != TR_OK)
		return err;
	/* Open offers, sessions, resources and companies, so that no role finds an empty page. */
	if ((err = demo_fuller(ctx, &c, dossier, date_iso(ctx->arena, ctx->now))) != TR_OK)
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
		if (err == TR_OK && (strcmp(p->role, "admin") == 0 || strcmp(p->role, "national") == 0 ||
		                        strcmp(p->role, "payer") == 0))
			err = second_factor_set(ctx, id, DEMO_TOTP_SECRET, strlen(DEMO_TOTP_SECRET));
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
	/* The training organisation's room in Lyon, where its sessions are held. */
	for (size_t k = 0; k < ARRAY_LEN(demo_orgs); k++)
		if (strcmp(demo_orgs[k].key, "of") == 0) {
			const char *place_id;
			json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id",
			    "demo-mediation-formation-lyon", "pivot", "W691000456", "nom", demo_orgs[k].name, "adresse",
			    demo_orgs[k].address, "commune", "Lyon", "code_postal", "69003", "code_insee",
			    demo_orgs[k].commune, "horaires", "Mo-Fr 09:00-17:30", "services",
			    "Maîtrise des outils numériques du quotidien", "presentation_resume",
			    "Salle de formation des médiateurs et médiatrices numériques.", "organisation_id",
			    (json_int_t)ids[k]);
			err = place_create(ctx, in, &place_id);
			json_decref(in);
			if (err != TR_OK)
				return err;
		}
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
	if ((err = demo_formers_create(ctx)) != TR_OK)
		return err;
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
