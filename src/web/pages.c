/* Home page and the legal pages. */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "domain/home/waiting.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/retention.h"

/* Adds to SHORTCUTS the link ENTRY of the navigation (not the home itself). */
static void
shortcut_add(json_t *shortcuts, json_t *entry, const char *group)
{
	if (strcmp(json_string_value(json_object_get(entry, "href")), "/") == 0)
		return;
	json_array_append_new(shortcuts, json_pack("{s:O, s:O, s:s}", "href", json_object_get(entry, "href"), "label",
	                                     json_object_get(entry, "label"), "description", group ? group : ""));
}

void
web_home(struct request *req)
{
	json_t *data = json_object(), *shortcuts = json_array(), *nav, *entry, *waiting = NULL;
	size_t i, k;

	web_common(req, data);
	nav = json_object_get(data, "nav");
	json_array_foreach(nav, i, entry)
	{
		json_t *items = json_object_get(entry, "menu_items"), *it;
		if (json_array_size(items) == 0)
			shortcut_add(shortcuts, entry, NULL);
		json_array_foreach(items, k, it)
		    shortcut_add(shortcuts, it, json_string_value(json_object_get(entry, "menu_label")));
	}
	if (req->ctx.actor) {
		json_array_append_new(shortcuts, json_pack("{s:s, s:s, s:s}", "href", "/compte", "label", "Mon compte",
		                                     "description", "Mot de passe, rôles et jetons d'accès à l'API."));
		/* What waits for the person: counted through the scope tables (domain/home/waiting.c). */
		if (waiting_list(&req->ctx, &waiting) != TR_OK) {
			json_decref(data);
			json_decref(shortcuts);
			resp_error(req, TR_UNAVAILABLE, req->ctx.message);
			return;
		}
		json_object_set_new(data, "waiting", waiting);
		json_object_set_new(data, "has_waiting", json_boolean(json_array_size(waiting) > 0));
	}
	json_object_set_new(data, "shortcuts", shortcuts);
	web_page(req, 200, "home.html", "Accueil", data);
}

struct legal_page {
	const char *path, *title, *lead;
	const char *sections[4][2];
};

static const struct legal_page legal_pages[] = {
	{ "/accessibilite", "Accessibilité",
	    "tremplin s'engage à rendre son service accessible, conformément à l'article 47 de la loi n° 2005-102 du "
	    "11 février 2005.",
	    { { "État de conformité",
	          "Le service n'a pas encore fait l'objet d'un audit : il est déclaré non conforme au "
	          "référentiel général d'amélioration de l'accessibilité (RGAA). Chaque page est "
	          "vérifiée automatiquement (règles WCAG 2.1 A et AA) à chaque modification." },
	        { "Signaler un défaut",
	            "Si vous ne pouvez pas accéder à un contenu ou à un service, écrivez à l'équipe de "
	            "la plateforme pour être orienté vers une alternative accessible." } } },
	{ "/mentions-legales", "Mentions légales",
	    "tremplin est la plateforme des programmes d'emplois aidés de la médiation numérique.",
	    { { "Éditeur",
	          "Le service est édité pour le compte de l'État par la délégation chargée des usages du numérique." },
	        { "Licence",
	            "Sauf mention contraire, les contenus sont publiés sous la licence ouverte Etalab 2.0." } } },
	{ "/donnees-personnelles", "Données personnelles",
	    "Les données personnelles sont traitées pour gérer les programmes d'emplois aidés, dans le cadre d'une "
	    "mission d'intérêt public.",
	    { { "Données traitées",
	          "Identité et coordonnées des personnes, rôles, actions effectuées sur la plateforme "
	          "(journal), messages envoyés." },
	        { "Vos droits",
	            "Vous pouvez accéder à vos données, les faire rectifier et, dans les limites prévues par la "
	            "loi, les faire effacer, depuis votre compte ou en écrivant à l'équipe." } } },
};

void
web_legal(struct request *req)
{
	for (size_t i = 0; i < sizeof(legal_pages) / sizeof(legal_pages[0]); i++) {
		const struct legal_page *p = &legal_pages[i];
		json_t *sections;
		if (!str_eq_c(req->path, p->path))
			continue;
		sections = json_array();
		for (size_t k = 0; k < 4 && p->sections[k][0]; k++)
			json_array_append_new(sections,
			    json_pack("{s:s, s:[s]}", "heading", p->sections[k][0], "paragraphs", p->sections[k][1]));
		/* The register of processing activities: its periods come from the rules the job retention_apply runs. */
		if (strcmp(p->path, "/donnees-personnelles") == 0) {
			json_t *rules = json_array();
			for (size_t k = 0; k < retention_nrules; k++) {
				const struct retention_rule *r = &retention_rules[k];
				json_array_append_new(rules,
				    json_string(arena_printf(req->arena, "%s : %s %s. %s", r->what,
				        r->action == RETENTION_DELETE ? "supprimés" : "anonymisés", r->after, r->why)));
			}
			json_array_append_new(sections,
			    json_pack("{s:s, s:o}", "heading", "Durées de conservation", "paragraphs", rules));
		}
		web_page(req, 200, "simple.html", p->title,
		    json_pack("{s:s, s:s, s:[], s:o}", "heading", p->title, "lead", p->lead, "paragraphs", "sections",
		        sections));
		return;
	}
	resp_status(req, 404, NULL);
}
