/* Home page and the legal pages. */
#include "web/web.h"

#include <pthread.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "http/assets.h"
#include "domain/home/waiting.h"
#include "domain/kernel/authz.h"

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

/* The operator's settings ([site] of the configuration) that the public pages show; an empty one is shown as
 * « non renseigné » by the templates. */
static pthread_mutex_t site_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *site_cached;

static const char *const site_keys[] = { "publisher", "publisher_address", "director", "host", "host_address",
	"contact_email", "dpo", "dpo_email", "accessibility_level", "accessibility_date", "accessibility_audit" };
#define SITE_KEYS (sizeof(site_keys) / sizeof(site_keys[0]))

/* True when the object SITE holds the VALUES of the site's settings, in the order of site_keys. */
static bool
site_holds(json_t *site, const char *const *values)
{
	for (size_t i = 0; i < SITE_KEYS; i++) {
		const char *v = json_string_value(json_object_get(site, site_keys[i]));
		if (v == NULL || strcmp(v, values[i] ? values[i] : "") != 0)
			return false;
	}
	return true;
}

json_t *
web_site_json(struct request *req)
{
	const struct config *c = req->ctx.cfg;
	json_t *o = NULL;

	if (c == NULL)
		return json_object();
	const char *values[SITE_KEYS] = { c->site_publisher, c->site_publisher_address, c->site_director, c->site_host,
		c->site_host_address, c->site_contact_email, c->site_dpo, c->site_dpo_email,
		c->site_accessibility_level, c->site_accessibility_date, c->site_accessibility_audit };
	/* Shared between requests while the settings say the same (a reload may change them). */
	pthread_mutex_lock(&site_lock);
	if (site_cached != NULL && site_holds(site_cached, values))
		o = json_incref(site_cached);
	pthread_mutex_unlock(&site_lock);
	if (o != NULL)
		return o;
	o = json_object();
	for (size_t i = 0; i < SITE_KEYS; i++)
		json_object_set_new(o, site_keys[i], json_string(values[i] ? values[i] : ""));
	pthread_mutex_lock(&site_lock);
	json_decref(site_cached);
	site_cached = json_incref(o);
	pthread_mutex_unlock(&site_lock);
	return o;
}

/* The public text pages: the path, the title, the template. */
static const struct {
	const char *path, *title, *tmpl;
} text_pages[] = {
	{ "/accessibilite", "Déclaration d'accessibilité", "accessibility.html" },
	{ "/mentions-legales", "Mentions légales", "legal_notice.html" },
	{ "/donnees-personnelles", "Données personnelles", "privacy.html" },
	{ "/aide", "Aide", "help.html" },
	{ "/contact", "Contact", "contact.html" },
};

void
web_legal(struct request *req)
{
	for (size_t i = 0; i < sizeof(text_pages) / sizeof(text_pages[0]); i++) {
		json_t *data;
		if (!str_eq_c(req->path, text_pages[i].path))
			continue;
		data = json_pack("{s:s, s:o}", "heading", text_pages[i].title, "site", web_site_json(req));
		if (strcmp(text_pages[i].path, "/donnees-personnelles") == 0)
			json_object_set_new(data, "register", web_register_json());
		json_object_set_new(data, "signed_in", json_boolean(req->ctx.actor != NULL));
		json_object_set_new(data, "may_pilotage", json_boolean(web_may_open(req, "/pilotage")));
		web_page(req, 200, text_pages[i].tmpl, text_pages[i].title, data);
		return;
	}
	resp_status(req, 404, NULL);
}

/* robots.txt: the public directory and pages may be indexed; the API, accounts and signed-in areas are not. */
void
web_robots(struct request *req)
{
	static const char robots[] = "User-agent: *\n"
	                             "Disallow: /api/\n"
	                             "Disallow: /compte\n"
	                             "Disallow: /connexion\n"
	                             "Disallow: /inscription\n"
	                             "Disallow: /admin\n"
	                             "Allow: /\n";

	req->status = 200;
	req->content_type_out = "text/plain; charset=utf-8";
	if (buf_append(&req->body, robots, sizeof(robots) - 1) != TR_OK)
		tr_oom("robots.txt");
}

/* /favicon.ico, which browsers ask for at the root: DSFR's icon, at its fingerprinted address. */
void
web_favicon(struct request *req)
{
	resp_redirect(req, 301, asset_url(req->arena, "dsfr/favicon/favicon.ico"));
}
