/* The network's news: /actualites (filters, Atom feed of the same filters, the digest's opt-in), /actualites/{id},
 * /actualites/nouvelle (national officers, poles, admins), /actualites/desabonnement/{token} (no sign-in). */
#include "web/news/news.h"

#include <string.h>

#include "core/arena.h"
#include "core/form.h"
#include "core/time.h"
#include "core/tmpl.h"
#include "domain/kernel/authz.h"
#include "domain/news/news.h"
#include "web/web.h"

/* The filters of the query string. */
static struct news_filter
filter_of(struct request *req)
{
	return (struct news_filter){ .tag = req_query(req, "mot_cle"),
		.region = req_query(req, "region"),
		.programme = req_query(req, "programme"),
		.page = req_page(req) };
}

static json_t *
option(const char *value, const char *label, const char *selected)
{
	return json_pack("{s:s, s:s, s:b}", "value", value, "label", label, "selected",
	    selected != NULL && strcmp(selected, value) == 0);
}

/* Each item's link and date in French. */
static void
items_for_page(struct request *req, json_t *items)
{
	size_t i;
	json_t *it;

	json_array_foreach(items, i, it)
	{
		json_object_set_new(it, "href",
		    json_string(arena_printf(req->arena, "/actualites/%lld", (long long)web_int(it, "id"))));
		json_object_set_new(
		    it, "published", json_string(date_fr_json(req, json_object_get(it, "published_at"))));
	}
}

void
web_news(struct request *req)
{
	struct news_filter f = filter_of(req);
	json_t *list = NULL, *regions = NULL, *programmes = NULL, *tags, *ropts, *popts, *it;
	size_t i;
	bool on = false;
	tr_err err = news_list(&req->ctx, &f, &list);

	if (err == TR_OK)
		err = news_options(&req->ctx, &regions, &programmes);
	if (err == TR_OK && req->ctx.actor)
		err = news_digest_get(&req->ctx, &on);
	if (err != TR_OK) {
		json_decref(list);
		json_decref(regions);
		json_decref(programmes);
		resp_error(req, err, NULL);
		return;
	}
	items_for_page(req, json_object_get(list, "items"));
	tags = json_array();
	json_array_foreach(json_object_get(list, "tags"), i, it)
	    json_array_append_new(tags, option(json_string_value(it), json_string_value(it), f.tag));
	ropts = json_array();
	json_array_foreach(regions, i, it)
	    json_array_append_new(ropts, option(web_text(it, "code"), web_text(it, "name"), f.region));
	popts = json_array();
	json_array_foreach(programmes, i, it)
	    json_array_append_new(popts, option(web_text(it, "code"), web_text(it, "name"), f.programme));
	json_decref(regions);
	json_decref(programmes);
	json_object_set_new(list, "search",
	    json_pack("{s:s, s:s, s:s, s:s, s:[o, o, o]}", "action", "/actualites", "aria_label",
	        "Filtrer les actualités", "add_href",
	        actor_has_any(req->ctx.actor, NEWS_WRITERS) ? "/actualites/nouvelle" : "", "add_label",
	        "Publier une actualité", "filters",
	        web_search_filter("mot_cle", "Mot-clé", NULL, 4, NULL, NULL, "Tous les mots-clés", tags),
	        web_search_filter("region", "Région", NULL, 4, NULL, NULL, "Toutes les régions", ropts),
	        web_search_filter("programme", "Programme", NULL, 4, NULL, NULL, "Tous les programmes", popts)));
	json_object_set_new(list, "feed_href", json_string(web_query_href(req, "/actualites.atom", 0)));
	json_object_set_new(list, "signed_in", json_boolean(req->ctx.actor != NULL));
	json_object_set_new(list, "digest_on", json_boolean(on));
	if (web_int(list, "pages") > 1)
		web_pager(req, list, web_int(list, "page"), web_int(list, "pages"), web_query_href, "/actualites");
	web_page(req, 200, "news_list.html", "Actualités du réseau", list);
}

/* The host of base_url, lowercased: the authority of the feed's tag URIs. */
static const char *
feed_host(struct request *req)
{
	const char *base = req->ctx.cfg->base_url, *p = strstr(base, "://");
	char *host;

	p = p ? p + 3 : base;
	host = arena_strndup(req->arena, p, strcspn(p, ":/?#"));
	for (char *c = host; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	return *host ? host : "localhost";
}

void
web_news_feed(struct request *req)
{
	struct news_filter f = filter_of(req);
	json_t *list = NULL, *entries = json_array(), *data, *it;
	const char *base = req->ctx.cfg->base_url, *host = feed_host(req);
	const char *self = web_query_href(req, "/actualites.atom", 0), *alt = web_query_href(req, "/actualites", 0);
	int64_t updated = 0;
	struct buf out = BUF_INIT(8u << 20);
	size_t i;
	tr_err err;

	f.page = 1;
	if ((err = news_list(&req->ctx, &f, &list)) != TR_OK) {
		json_decref(entries);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		int64_t id = web_int(it, "id"), published = web_int(it, "published_at");
		json_t *cats = json_array(), *t;
		size_t k;
		if (web_int(it, "updated_at") > updated)
			updated = web_int(it, "updated_at");
		json_array_foreach(json_object_get(it, "tags"), k, t)
		    json_array_append_new(cats, json_pack("{s:O}", "term", t));
		json_array_append_new(entries,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id",
		        arena_printf(req->arena, "tag:%s,%s:actualites/%lld", host, date_iso(req->arena, published),
		            (long long)id),
		        "title", web_text(it, "title"), "updated", time_iso(req->arena, web_int(it, "updated_at")),
		        "published", time_iso(req->arena, published), "href",
		        arena_printf(req->arena, "%s/actualites/%lld", base, (long long)id), "summary",
		        web_text(it, "summary"), "author", web_text(it, "author_name"), "categories", cats));
	}
	json_decref(list);
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", arena_printf(req->arena, "%s%s", base, self), "title",
	    "Actualités du réseau — tremplin", "updated", time_iso(req->arena, updated ? updated : req->ctx.now),
	    "self", arena_printf(req->arena, "%s%s", base, self), "alternate",
	    arena_printf(req->arena, "%s%s", base, alt), "entries", entries);
	err = tmpl_render(req->tmpl, "news_atom.html", data, &out);
	json_decref(data);
	buf_reset(&req->body);
	if (err != TR_OK || buf_append(&req->body, out.p, out.n) != TR_OK) {
		buf_free(&out);
		resp_status(req, 500, "Le flux n'a pas pu être produit.");
		return;
	}
	buf_free(&out);
	req->status = 200;
	req->content_type_out = "application/atom+xml; charset=utf-8";
}

void
web_news_item(struct request *req)
{
	json_t *item = NULL;
	tr_err err = news_get(&req->ctx, req->params[0], &item);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_object_set_new(item, "published", json_string(date_fr_json(req, json_object_get(item, "published_at"))));
	{
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(item, "attachments"), i, a) json_object_set_new(a, "href",
		    json_string(strcmp(web_text(a, "kind"), "file") == 0
		                    ? arena_printf(req->arena, "/ressources/%lld/fichier", (long long)web_int(a, "id"))
		                    : web_text(a, "url")));
	}
	web_page(req, 200, "news_item.html", arena_strdup(req->arena, web_text(item, "title")), item);
}

/* The form of a new item with SENT's values (NULL: blank) and the errors of the request. */
static void
form_page(struct request *req, int status, json_t *sent)
{
	static const struct {
		const char *name, *label, *hint;
		bool area, required;
	} fields[] = {
		{ "title", "Titre", "200 caractères au plus.", false, true },
		{ "summary", "Résumé",
		    "Une ou deux phrases, reprises dans la liste, le flux et la lettre (500 caractères).", true, true },
		{ "body", "Texte",
		    "Paragraphes séparés par une ligne vide ; *italique*, **gras**, [lien](https://…), listes "
		    "commençant "
		    "par « - » ou « 1. ». Le reste est affiché tel quel.",
		    true, true },
		{ "tags", "Mots-clés", "Séparés par des virgules : formation, appel à projets…", false, false },
		{ "regions", "Régions visées", "Codes INSEE séparés par des virgules (84, 11…) ; vide : toutes.", false,
		    false },
		{ "programmes", "Programmes visés", "Codes séparés par des virgules (EAV-EPN-2013…) ; vide : tous.",
		    false, false },
		{ "job_profiles", "Fiches métier visées", "Codes séparés par des virgules ; vide : toutes.", false,
		    false },
		{ "resources", "Ressources jointes",
		    "Numéros de ressources de la bibliothèque des pôles (/ressources), séparés par des virgules.",
		    false, false },
	};
	json_t *list = json_array(), *summary = json_array();

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *err = field_errors_get(&req->ctx.errors, fields[i].name);
		json_array_append_new(list,
		    json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s}", "name", fields[i].name, "label", fields[i].label,
		        "hint", fields[i].hint, "value", sent ? web_text(sent, fields[i].name) : "", "area",
		        fields[i].area, "required", fields[i].required, "error", err ? err : ""));
	}
	for (size_t i = 0; i < req->ctx.errors.n; i++)
		json_array_append_new(summary, json_pack("{s:s, s:s}", "field_id", req->ctx.errors.items[i].field,
		                                   "message", req->ctx.errors.items[i].message));
	web_page(req, status, "news_form.html",
	    req->ctx.errors.n ? "Erreur : publier une actualité" : "Publier une actualité",
	    json_pack("{s:o, s:o}", "fields", list, "errors_summary", summary));
}

void
web_news_new_form(struct request *req)
{
	form_page(req, 200, NULL);
}

void
web_news_new(struct request *req)
{
	static const char *const names[] = { "title", "summary", "body", "tags", "regions", "programmes",
		"job_profiles", "resources" };
	json_t *in = json_object();
	int64_t id = 0;
	tr_err err;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = req_form(req, names[i]);
		json_object_set_new(in, names[i], json_string(v ? v : ""));
	}
	err = news_create(&req->ctx, in, &id);
	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/actualites/%lld", (long long)id), "created");
	else if (err == TR_INVALID)
		form_page(req, 422, in);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

void
web_news_digest(struct request *req)
{
	const char *v = req_form(req, "abonner");
	tr_err err = news_digest_set(&req->ctx, v != NULL && strcmp(v, "1") == 0);

	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/actualites", "saved");
}

void
web_news_unsubscribe_form(struct request *req)
{
	tr_err err = news_digest_token(&req->ctx, req->sparams[0]);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	web_page(req, 200, "news_unsubscribe.html", "Se désabonner de la lettre des actualités",
	    json_pack("{s:s, s:b}", "action", arena_printf(req->arena, "/actualites/desabonnement/%s", req->sparams[0]),
	        "done", 0));
}

void
web_news_unsubscribe(struct request *req)
{
	tr_err err = news_digest_unsubscribe(&req->ctx, req->sparams[0]);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	web_page(req, 200, "news_unsubscribe.html", "Désabonnement enregistré", json_pack("{s:b}", "done", 1));
}
