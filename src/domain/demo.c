/* Demo organisations and accounts, as data. */
#include "domain/demo.h"

#include <string.h>

#include "core/arena.h"
#include "domain/account.h"
#include "domain/common.h"
#include "domain/org.h"

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
	*logins = logins_json();
	return TR_OK;
}
