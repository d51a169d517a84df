/* What every page shares, and forms rendered from the entity tables. */
#include "web/web.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/time.h"
#include "core/tmpl.h"
#include "domain/home/history.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/notify.h"
#include "http/assets.h"
#include "http/router.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_MAX (4u << 20)      /* a rendered page */
#define PAGE_KEEP (256u << 10)   /* a thread keeps its page buffer up to this size */
#define LAYOUT_START (16u << 10) /* the room the layout needs around a page */

struct nav_item {
	const char *href;
	const char *label;
	unsigned roles;    /* who sees it; ROLES_PUBLIC: everyone */
	const char *group; /* the menu it sits in (NULL: a link of its own in the bar) */
};

#define R(role) ROLE_BIT(ROLE_##role)

/* The main navigation, grouped by what people do: each group is a DSFR menu (a collapsible list), so that the
 * bar holds a handful of entries at any width and collapses into the « Menu » button on a phone. An entry shows
 * when the reader holds one of its roles and the route table lets them open its page (web_may_open). */
static const struct nav_item nav_items[] = {
	{ "/", "Accueil", ROLES_PUBLIC, NULL },
	{ "/lieux", "Lieux", ROLES_PUBLIC, "Annuaire" },
	{ "/programmes", "Dispositifs", ROLES_PUBLIC, "Annuaire" },
	{ "/offres", "Offres d'emploi", ROLES_PUBLIC, "Annuaire" },
	{ "/actualites", "Actualités", ROLES_PUBLIC, "Annuaire" },
	{ "/competences", "Référentiel de compétences", ROLES_PUBLIC, "Annuaire" },
	{ "/donnees", "Données ouvertes", ROLES_PUBLIC, "Annuaire" },
	{ "/dossiers", "Dossiers", R(EMPLOYER) | R(REGIONAL) | R(POLE) | R(NATIONAL) | R(ADMIN), "Recrutement" },
	{ "/structure/offres", "Mes offres", R(EMPLOYER), "Recrutement" },
	{ "/candidat", "Mon profil", R(CANDIDATE), "Recrutement" },
	{ "/candidat/offres-suggerees", "Offres suggérées", R(CANDIDATE), "Recrutement" },
	{ "/prescripteur", "Candidats suivis", R(PRESCRIBER), "Recrutement" },
	{ "/candidatures", "Candidatures", R(CANDIDATE) | R(EMPLOYER) | R(PRESCRIBER), "Recrutement" },
	{ "/contrats", "Contrats", R(EMPLOYER) | R(CANDIDATE) | R(POLE) | R(REGIONAL) | R(NATIONAL) | R(SPONSOR),
	    "Recrutement" },
	{ "/sessions", "Sessions de formation",
	    R(TRAINER) | R(POLE) | R(EMPLOYER) | R(NATIONAL) | R(ADMIN) | R(CANDIDATE), "Formation" },
	{ "/sessions/a-risque", "Sessions à risque", R(POLE) | R(REGIONAL) | R(NATIONAL) | R(ADMIN), "Formation" },
	{ "/tuteurs", "Tuteurs", R(POLE) | R(NATIONAL) | R(ADMIN) | R(EMPLOYER), "Formation" },
	{ "/organismes-formation", "Organismes de formation", R(NATIONAL) | R(ADMIN), "Formation" },
	{ "/poles", "Pôles", R(POLE) | R(NATIONAL) | R(ADMIN), "Formation" },
	{ "/ressources", "Ressources", R(POLE) | R(EMPLOYER) | R(NATIONAL) | R(ADMIN), "Formation" },
	{ "/vivier", "Vivier d'entreprises", R(POLE) | R(EMPLOYER) | R(NATIONAL), "Formation" },
	{ "/aides", "Aides", R(EMPLOYER) | R(REGIONAL) | R(POLE) | R(NATIONAL) | R(ADMIN) | R(PAYER) | R(VIEWER),
	    "Suivi" },
	{ "/aides/demandes", "Demandes de versement",
	    R(EMPLOYER) | R(REGIONAL) | R(POLE) | R(NATIONAL) | R(ADMIN) | R(PAYER) | R(VIEWER), "Suivi" },
	{ "/activite", "Activité",
	    R(CANDIDATE) | R(EMPLOYER) | R(POLE) | R(REGIONAL) | R(NATIONAL) | R(VIEWER) | R(ADMIN), "Suivi" },
	{ "/pilotage", "Pilotage", R(ADMIN) | R(NATIONAL) | R(VIEWER) | R(REGIONAL) | R(POLE) | R(EMPLOYER), "Suivi" },
	{ "/pilotage/bilans", "Bilans annuels", R(ADMIN) | R(NATIONAL) | R(VIEWER), "Suivi" },
	{ "/admin/personnes", "Personnes", R(ADMIN), "Administration" },
	{ "/admin/structures", "Structures", R(ADMIN), "Administration" },
	{ "/admin/journal", "Journal", R(ADMIN), "Administration" },
	{ "/admin/doublons", "Doublons", R(ADMIN), "Administration" },
	{ "/comptes-en-attente", "Comptes en attente", R(ADMIN) | R(EMPLOYER), "Administration" },
	{ "/lieux/import", "Import des lieux", R(ADMIN) | R(NATIONAL), "Administration" },
};

struct flash {
	const char *code, *type, *message;
};

/* Flash messages are codes in a cookie, never text: nothing a visitor sends is shown back. */
static const struct flash flashes[] = {
	{ "saved", "success", "Les modifications ont été enregistrées." },
	{ "activity_saved", "success", "Le compte rendu d'activité est enregistré." },
	{ "activity_deleted", "success",
	    "Le compte rendu d'activité est supprimé : il ne compte plus dans les chiffres." },
	{ "activity_vocab_saved", "success", "Les vocabulaires des comptes rendus sont enregistrés." },
	{ "assessment_saved", "success", "L'évaluation est enregistrée dans la grille." },
	{ "created", "success", "L'élément a été créé." },
	{ "place_saved", "success", "Les modifications du lieu sont enregistrées et publiées dans l'annuaire." },
	{ "network_created", "success", "Le réseau est créé : ses lieux peuvent maintenant s'y rattacher." },
	{ "training_org_saved", "success", "L'organisme de formation est enregistré." },
	{ "module_created", "success", "Le module est ajouté au parcours." },
	{ "module_saved", "success", "Le module du parcours est enregistré." },
	{ "session_created", "success", "La session n° {n} est créée : les inscriptions sont ouvertes." },
	{ "session_saved", "success", "Les modifications de la session n° {n} sont enregistrées." },
	{ "competence_created", "success", "La compétence est ajoutée au référentiel." },
	{ "dossier_saved", "success",
	    "Le dossier n° {n} est enregistré. Il n'est pas encore transmis : déposez-le quand il est complet." },
	{ "payreq_created", "success", "La demande de paiement n° {n} est envoyée : elle attend son instruction." },
	{ "amendment_created", "success",
	    "La demande d'avenant n° {n} est envoyée : elle attend l'avis régional, puis la décision nationale." },
	{ "bank_saved", "success",
	    "Les coordonnées bancaires sont enregistrées ; les membres de la structure en sont informés par "
	    "courriel." },
	{ "report_created", "success", "Le bilan annuel est établi : il est disponible en PDF ci-dessous." },
	{ "pole_saved", "success", "Le pôle de ressources est enregistré." },
	{ "diagnosis_saved_pole", "success",
	    "Le diagnostic préalable est enregistré : les relecteurs du dossier le voient désormais." },
	{ "resource_created", "success", "La ressource est ajoutée à la bibliothèque." },
	{ "partner_created", "success", "L'entreprise est ajoutée au vivier." },
	{ "partner_saved", "success", "L'entreprise du vivier est enregistrée." },
	{ "candidate_created", "success", "Le compte candidat est créé." },
	{ "profile_saved", "success", "Votre profil est enregistré : les offres proposées en tiennent compte." },
	{ "offer_created", "success", "L'offre n° {n} est publiée : les candidats peuvent y répondre." },
	{ "offer_saved", "success", "Les modifications de l'offre n° {n} sont publiées." },
	{ "application_created", "success", "La candidature n° {n} est envoyée : la structure en est informée." },
	{ "proposal_created", "success",
	    "La mise en relation n° {n} est proposée au candidat : il l'accepte ou la décline, vous en serez "
	    "informé." },
	{ "programme_created", "success", "Le dispositif est créé. Ajoutez-lui ses fiches métiers." },
	{ "programme_saved", "success", "Les modifications du dispositif sont enregistrées." },
	{ "target_saved", "success", "L'objectif régional de postes est enregistré." },
	{ "profile_created", "success", "La fiche métier est ajoutée au dispositif." },
	{ "person_saved", "success", "Les informations de la personne sont enregistrées." },
	{ "org_created", "success", "La structure est créée. Donnez des rôles à ses membres depuis leur fiche." },
	{ "org_saved", "success", "Les informations de la structure sont enregistrées." },
	{ "invited", "success", "Le compte a été créé et l'invitation envoyée par courriel." },
	{ "password", "success",
	    "Votre mot de passe a été changé. Vos autres sessions ont été fermées et vos jetons d'accès à l'API "
	    "révoqués : créez-en de nouveaux si besoin." },
	{ "password_set", "success", "Votre mot de passe est enregistré : vous pouvez vous connecter." },
	{ "password_reset", "success",
	    "Votre mot de passe est enregistré : vous pouvez vous connecter. Vos sessions ouvertes ont été fermées, "
	    "vos jetons d'accès à l'API et vos autres liens révoqués." },
	{ "logged_in", "success", "Vous êtes connecté." },
	{ "logged_out", "info", "Vous êtes déconnecté." },
	{ "oidc_linked", "success", "Votre identité est rattachée à votre compte : vous êtes connecté." },
	{ "oidc_approved", "success", "La demande est approuvée : le compte est ouvert et la personne prévenue." },
	{ "oidc_refused", "success", "La demande est refusée ; la personne en est informée." },
	{ "second_factor_off", "info", "La double authentification est désactivée sur votre compte." },
	{ "revoked", "success", "Le jeton a été révoqué." },
	{ "role_added", "success", "Le rôle a été ajouté." },
	{ "role_removed", "success", "Le rôle a été retiré." },
	{ "merged", "success", "Les deux lieux ont été fusionnés : l'identifiant absorbé renvoie au lieu gardé." },
	{ "distinct", "success", "Les deux lieux sont marqués comme distincts." },
	{ "place_created", "success", "Le lieu a été créé." },
	{ "place_created_similar", "warning",
	    "Le lieu a été créé, mais des lieux semblables existent déjà : ils sont listés plus bas. Un administrateur "
	    "décidera s'il s'agit du même lieu." },
	{ "profile_deleted", "success", "La fiche métier a été supprimée : aucun dossier ne la nommait." },
	{ "profile_deactivated", "info",
	    "Des dossiers nomment cette fiche métier : elle a été désactivée, et n'est plus proposée aux nouveaux "
	    "dossiers." },
	{ "draft_saved", "success", "Le brouillon est enregistré. Complétez-le, puis déposez le dossier." },
	{ "message_sent", "success", "Votre message a été envoyé." },
	{ "registered", "success",
	    "Votre adresse est confirmée et votre compte candidat est créé. Complétez votre profil et déposez votre "
	    "CV." },
	{ "cv_saved", "success", "Votre CV est enregistré." },
	{ "account_deleted", "success",
	    "Votre compte est supprimé. Seul ce que la loi oblige à garder l'est encore, sans votre nom ni votre "
	    "adresse." },
	{ "erasure_pending", "info",
	    "Votre demande d'effacement est enregistrée : confirmez-la en bas de cette page pour que vos données "
	    "soient "
	    "effacées." },
	{ "erasure_refused", "warning",
	    "Votre demande d'effacement est enregistrée mais refusée pour l'instant : la loi oblige à garder vos "
	    "données "
	    "tant que dure ce qui est indiqué en bas de cette page." },
	{ "follow_requested", "info",
	    "Si un candidat visible a cette adresse, il reçoit votre demande par courriel : vous le suivrez quand il "
	    "l'aura acceptée." },
	{ "follower_accepted", "success", "Cette structure suit désormais votre profil." },
	{ "follower_removed", "success", "Cette structure ne suit plus votre profil et ne peut plus le consulter." },
	{ "unfollowed", "success", "Votre structure ne suit plus ce candidat." },
	{ "diagnosis_saved", "success", "Le diagnostic d'éligibilité est enregistré." },
	{ "training_template", "success",
	    "Le parcours type est appliqué : ajustez ses modules avec le pôle de ressources." },
	{ "training_module_removed", "success", "Le module est retiré du parcours." },
	{ "training_registered", "success", "L'inscription est enregistrée : une place est réservée." },
	{ "training_waiting", "info", "La session est complète : l'inscription est sur la liste d'attente." },
	{ "training_reg_cancelled", "success",
	    "L'inscription est annulée ; si quelqu'un attendait, la place lui est donnée et il en est prévenu." },
	{ "training_attendance", "success", "Les présences sont enregistrées." },
	{ "notifications_read", "success", "Vos notifications sont marquées comme lues." },
};

const char *
date_fr_json(struct request *req, json_t *epoch)
{
	return json_is_integer(epoch) ? time_fr(req->arena, json_integer_value(epoch)) : "—";
}

void
web_tokens_json(struct request *req, json_t *tokens, const char *base)
{
	for (size_t i = 0; i < json_array_size(tokens); i++) {
		json_t *t = json_array_get(tokens, i);
		const char *reason;
		json_object_set_new(t, "created", json_string(date_fr_json(req, json_object_get(t, "created_at"))));
		json_object_set_new(t, "last_used", json_string(date_fr_json(req, json_object_get(t, "last_used_at"))));
		json_object_set_new(t, "revoked", json_string(date_fr_json(req, json_object_get(t, "revoked_at"))));
		reason = json_string_value(json_object_get(t, "revoked_reason"));
		if (reason != NULL && strcmp(reason, "password_change") == 0)
			json_object_set_new(t, "revoked_why", json_string("à votre changement de mot de passe"));
		else if (reason != NULL && strcmp(reason, "password_reset") == 0)
			json_object_set_new(
			    t, "revoked_why", json_string("à la réinitialisation de votre mot de passe"));
		json_object_set_new(t, "expires", json_string(date_fr_json(req, json_object_get(t, "expires_at"))));
		json_object_set_new(t, "expired",
		    json_boolean(json_is_integer(json_object_get(t, "expires_at")) &&
		                 json_integer_value(json_object_get(t, "expires_at")) <= req->ctx.now));
		json_object_set_new(t, "scopes_text",
		    json_string(strcmp(web_text(t, "scopes"), "*") == 0 ? "accès complet" : web_text(t, "scopes")));
		json_object_set_new(t, "revoke_action",
		    json_string(arena_printf(req->arena, "%s/%lld/revoquer", base,
		        (long long)json_integer_value(json_object_get(t, "id")))));
	}
}

void
web_flash(struct request *req, const char *code)
{
	resp_cookie(req, FLASH_COOKIE, code, 60);
}

void
web_done(struct request *req, const char *location, const char *flash_code)
{
	if (flash_code)
		web_flash(req, flash_code);
	resp_redirect(req, 303, location);
}

/* True when the page at PATH belongs to the navigation entry HREF ("/" only for itself). */
static bool
nav_covers(struct str path, const char *href)
{
	return strcmp(href, "/") == 0 ? str_eq_c(path, "/") : str_starts(path, str_c(href));
}

/* May the request's actor open the route R (NULL: no such page)? */
static bool
may_open_route(struct request *req, const struct route *r)
{
	if (r == NULL)
		return false;
	if (r->roles == ROLES_PUBLIC || req->ctx.actor == NULL)
		return true; /* a visitor is sent to sign in, never refused */
	return actor_has_any(req->ctx.actor, r->roles);
}

bool
web_may_open(struct request *req, const char *path)
{
	return may_open_route(req, router_find(req->routes, req->nroutes, "GET", str_c(path)));
}

/* The route of each navigation entry, found once for the route table of the server (a walk through the whole
 * table for each entry of each page otherwise). */
#define NAV_N (sizeof(nav_items) / sizeof(nav_items[0]))
static pthread_mutex_t nav_routes_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct route *nav_routes_table;
static const struct route *nav_routes[NAV_N];

/* Copies into OUT the route of each navigation entry for the request's table. */
static void
nav_routes_of(struct request *req, const struct route **out)
{
	pthread_mutex_lock(&nav_routes_lock);
	if (nav_routes_table != req->routes) {
		for (size_t i = 0; i < NAV_N; i++)
			nav_routes[i] = router_find(req->routes, req->nroutes, "GET", str_c(nav_items[i].href));
		nav_routes_table = req->routes;
	}
	memcpy(out, nav_routes, sizeof(nav_routes));
	pthread_mutex_unlock(&nav_routes_lock);
}

/* The navigation: [{href, label, current, menu_items []} (a link of the bar) or {menu_label, menu_current, menu_id,
 * menu_items [{href, label, current}]} (a menu)], in the table's order, each group where its first visible entry
 * is. */
static json_t *
nav_build(struct request *req, uint64_t visible, size_t current)
{
	const size_t n = NAV_N;
	json_t *nav = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct nav_item *it = &nav_items[i];
		json_t *group = NULL, *g;
		size_t k;
		if (!(visible & (UINT64_C(1) << i)))
			continue;
		if (it->group == NULL) {
			json_array_append_new(nav, json_pack("{s:s, s:s, s:b, s:[]}", "href", it->href, "label",
			                               it->label, "current", i == current, "menu_items"));
			continue;
		}
		json_array_foreach(nav, k,
		    g) if (json_object_get(g, "menu_label") &&
		           strcmp(json_string_value(json_object_get(g, "menu_label")), it->group) == 0) group = g;
		if (group == NULL) {
			group = json_pack("{s:s, s:b, s:s, s:[]}", "menu_label", it->group, "menu_current", 0,
			    "menu_id", arena_printf(req->arena, "menu-%zu", i), "menu_items");
			json_array_append_new(nav, group);
		}
		json_array_append_new(
		    json_object_get(group, "menu_items"), json_pack("{s:s, s:s, s:b, s:[]}", "href", it->href, "label",
		                                              it->label, "current", i == current, "menu_items"));
		if (i == current)
			json_object_set_new(group, "menu_current", json_true());
	}
	/* A menu of one entry is that entry. */
	for (size_t k = 0; k < json_array_size(nav); k++) {
		json_t *items = json_object_get(json_array_get(nav, k), "menu_items");
		if (json_array_size(items) == 1)
			json_array_set(nav, k, json_array_get(items, 0));
	}
	return nav;
}

/* The navigations already built, each for its route table, visible entries and current one; shared between
 * requests (never changed once built). A full cache is not added to. */
#define NAV_CACHE 64
static struct {
	const struct route *table;
	uint64_t visible;
	size_t current;
	json_t *nav;
} nav_cache[NAV_CACHE];
static size_t nav_ncached;

static json_t *
nav_json(struct request *req)
{
	const struct route *routes[NAV_N];
	uint64_t visible = 0;
	size_t current = NAV_N, i;
	json_t *nav = NULL;

	_Static_assert(NAV_N <= 64, "one bit of a uint64_t for each navigation entry");
	if (req->routes != NULL)
		nav_routes_of(req, routes);
	/* The current entry is the most specific one: /lieux/import is "Import des lieux", not "Lieux". */
	for (i = 0; i < NAV_N; i++)
		if (nav_covers(req->path, nav_items[i].href) &&
		    (current == NAV_N || strlen(nav_items[i].href) > strlen(nav_items[current].href)))
			current = i;
	for (i = 0; i < NAV_N; i++)
		if ((nav_items[i].roles == ROLES_PUBLIC || actor_has_any(req->ctx.actor, nav_items[i].roles)) &&
		    (req->routes == NULL || may_open_route(req, routes[i])))
			visible |= UINT64_C(1) << i;
	pthread_mutex_lock(&nav_routes_lock);
	for (i = 0; i < nav_ncached && nav == NULL; i++)
		if (nav_cache[i].table == req->routes && nav_cache[i].visible == visible &&
		    nav_cache[i].current == current)
			nav = json_incref(nav_cache[i].nav);
	pthread_mutex_unlock(&nav_routes_lock);
	if (nav != NULL)
		return nav;
	nav = nav_build(req, visible, current);
	pthread_mutex_lock(&nav_routes_lock);
	if (nav_ncached < NAV_CACHE) {
		nav_cache[nav_ncached].table = req->routes;
		nav_cache[nav_ncached].visible = visible;
		nav_cache[nav_ncached].current = current;
		nav_cache[nav_ncached++].nav = json_incref(nav);
	}
	pthread_mutex_unlock(&nav_routes_lock);
	return nav;
}

/* The static files the layout names, by the key it uses ({{asset.KEY}}): fingerprinted addresses (assets.h). */
static const struct {
	const char *key, *rel;
} layout_assets[] = {
	{ "touch_icon", "dsfr/favicon/apple-touch-icon.png" },
	{ "favicon_svg", "dsfr/favicon/favicon.svg" },
	{ "favicon_ico", "dsfr/favicon/favicon.ico" },
	{ "dsfr_css", "dsfr/dsfr.min.css" },
	{ "icons_css", "dsfr/utility/icons/icons.min.css" },
	{ "colors_css", "dsfr/utility/colors/colors.min.css" },
	{ "app_css", "app/app.css" },
	{ "communes_js", "app/communes.js" },
	{ "dsfr_module_js", "dsfr/dsfr.module.min.js" },
	{ "dsfr_nomodule_js", "dsfr/dsfr.nomodule.min.js" },
};

#define LAYOUT_ASSETS (sizeof(layout_assets) / sizeof(layout_assets[0]))
static pthread_mutex_t assets_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *assets_urls[LAYOUT_ASSETS]; /* the addresses the cached object was built from */
static json_t *assets_cached;

/* The layout's {asset: {KEY: address}}, shared between requests while the asset table gives the same addresses. */
static json_t *
assets_json(struct request *req)
{
	const char *urls[LAYOUT_ASSETS];
	json_t *o = NULL;

	for (size_t i = 0; i < LAYOUT_ASSETS; i++)
		urls[i] = asset_url(req->arena, layout_assets[i].rel);
	pthread_mutex_lock(&assets_lock);
	if (assets_cached != NULL && memcmp(urls, assets_urls, sizeof(urls)) == 0)
		o = json_incref(assets_cached);
	pthread_mutex_unlock(&assets_lock);
	if (o != NULL)
		return o;
	o = json_object();
	for (size_t i = 0; i < LAYOUT_ASSETS; i++)
		json_object_set_new(o, layout_assets[i].key, json_string(urls[i]));
	pthread_mutex_lock(&assets_lock);
	json_decref(assets_cached);
	assets_cached = json_incref(o);
	memcpy(assets_urls, urls, sizeof(urls));
	pthread_mutex_unlock(&assets_lock);
	return o;
}

void
web_common(struct request *req, json_t *data)
{
	struct str code = form_get(&req->cookies, FLASH_COOKIE);

	if (json_object_get(data, "service_name") != NULL)
		return; /* already there: a handler that needed the navigation called it first */
	json_object_set_new(data, "service_name", json_string(SERVICE_NAME));
	if (json_object_get(data, "site") == NULL)
		json_object_set_new(data, "site", web_site_json(req));
	json_object_set_new(data, "asset", assets_json(req));
	json_object_set_new(data, "service_tagline", json_string(SERVICE_TAGLINE));
	json_object_set_new(data, "csrf", json_string(req->csrf ? req->csrf : ""));
	json_object_set_new(data, "nav", nav_json(req));
	if (req->ctx.actor) {
		int64_t unread = 0;
		json_object_set_new(data, "user",
		    json_pack("{s:s, s:s}", "name", req->ctx.actor->name, "email", req->ctx.actor->email));
		/* The header's count: a page still draws when it cannot be read (the count is then left out). */
		if (req->ctx.db != NULL && notify_unread(&req->ctx, &unread) != TR_OK)
			unread = 0;
		json_object_set_new(data, "unread", json_integer(unread));
		json_object_set_new(data, "unread_plural", json_boolean(unread > 1));
	}
	if (code.p != NULL) {
		int64_t id = 0;
		const char *name = web_flash_split(req, code, &id), *said = web_flash_action(req, name, id);
		if (said)
			json_object_set_new(data, "flash", json_pack("{s:s, s:s}", "type", "success", "message", said));
		for (size_t i = 0; i < sizeof(flashes) / sizeof(flashes[0]); i++)
			if (strcmp(name, flashes[i].code) == 0 && json_object_get(data, "flash") == NULL)
				json_object_set_new(data, "flash",
				    json_pack("{s:s, s:s}", "type", flashes[i].type, "message",
				        web_flash_number(req, flashes[i].message, id)));
		resp_cookie(req, FLASH_COOKIE, "", -1);
	}
}

static pthread_key_t page_key;
static pthread_once_t page_key_once = PTHREAD_ONCE_INIT;

static void
page_buf_free(void *p)
{
	buf_free(p);
	free(p);
}

static void
page_key_make(void)
{
	if (pthread_key_create(&page_key, page_buf_free) != 0)
		tr_oom("pthread_key_create");
}

/* The calling thread's page buffer, made on its first page and freed when the thread ends. */
static struct buf *
page_buf(void)
{
	struct buf *b;

	pthread_once(&page_key_once, page_key_make);
	if ((b = pthread_getspecific(page_key)) == NULL) {
		b = xcalloc(1, sizeof(*b));
		*b = BUF_INIT(PAGE_MAX);
		if (pthread_setspecific(page_key, b) != 0)
			tr_oom("pthread_setspecific");
	}
	return b;
}

void
web_page(struct request *req, int status, const char *template, const char *title, json_t *data)
{
	/* The page before its layout, in a buffer of the thread kept from one page to the next: no allocation and
	 * no doublings of a fresh one for each page. One larger than PAGE_KEEP is let go after its page. */
	struct buf *page = page_buf();
	tr_err err;

	if (data == NULL)
		data = json_object();
	web_common(req, data);
	buf_reset(page);
	err = tmpl_render(req->tmpl, template, data, page);
	if (err == TR_OK) {
		/* The layout reads the page's values and its title, and takes the page as its slot "content" (no
		 * copy of it into the data); its output is the body. */
		json_object_set_new(data, "title", json_string(title));
		buf_reset(&req->body);
		if ((err = buf_grow(&req->body, page->n + LAYOUT_START)) == TR_OK)
			err = tmpl_render_slot(req->tmpl, "layout.html", data, "content", page->p, page->n, &req->body);
	}
	json_decref(data);
	if (page->cap > PAGE_KEEP)
		buf_free(page);
	if (err != TR_OK) {
		log_error("rendering %s failed: %s", template, tr_err_name(err));
		req->status = 500;
		req->content_type_out = "text/plain; charset=utf-8";
		buf_reset(&req->body);
		if (buf_puts(&req->body, "Erreur interne : la page n'a pas pu être affichée.\n") != TR_OK)
			log_error("page %s: no room for the error message", template);
		return;
	}
	req->status = status;
	req->content_type_out = "text/html; charset=utf-8";
}

/* The error page of an HTML route (http's error_page_fn). */
static void
error_page(struct request *req, int status, const char *title, const char *message)
{
	json_t *data =
	    json_pack("{s:i, s:s, s:s, s:s}", "status", status, "heading", title, "message", message, "home_href", "/");

	if (req->request_id != NULL)
		json_object_set_new(data, "request_id", json_string(req->request_id));
	web_page(req, status, "error.html", title, data);
}

void
web_start(void)
{
	http_set_error_page(error_page);
	web_second_factor_start();
	for (size_t i = 0; i < sizeof(layout_assets) / sizeof(layout_assets[0]); i++)
		assets_want(layout_assets[i].rel);
}

static const char *
input_type(enum field_type t)
{
	switch (t) {
	case FT_EMAIL: return "email";
	case FT_INT:
	case FT_REF: return "number";
	case FT_DATE: return "date";
	case FT_PHONE: return "tel";
	default: return "text";
	}
}

/* The value of field F in VALUES as text for an input. */
static const char *
value_text(struct request *req, json_t *values, const struct field *f)
{
	json_t *v = json_object_get(values, f->name);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return arena_printf(req->arena, "%lld", (long long)json_integer_value(v));
	return "";
}

static json_t *
field_json(struct request *req, const struct field *f, json_t *values)
{
	const char *err = field_errors_get(&req->ctx.errors, f->name);
	const char *val = value_text(req, values, f);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i}", "id", f->name, "name", f->name, "label",
	    f->label, "hint", f->hint ? f->hint : "", "type", input_type(f->type), "required", f->required, "error",
	    err ? err : "", "autocomplete", f->autocomplete ? f->autocomplete : "", "maxlength",
	    (int)(f->type == FT_BOOL ? 0 : f->max_len));

	json_object_set_new(o, "value", json_string(val));
	json_object_set_new(o, "readonly", json_false());
	json_object_set_new(o, "is_text",
	    json_boolean(
	        f->type != FT_TEXTAREA && f->type != FT_PASSWORD && f->type != FT_BOOL && f->type != FT_CHOICE));
	json_object_set_new(o, "is_password", json_boolean(f->type == FT_PASSWORD));
	json_object_set_new(o, "is_textarea", json_boolean(f->type == FT_TEXTAREA));
	json_object_set_new(o, "is_select", json_boolean(f->type == FT_CHOICE));
	json_object_set_new(o, "is_checkbox", json_boolean(f->type == FT_BOOL));
	json_object_set_new(o, "is_radio", json_false());
	json_object_set_new(o, "checked",
	    json_boolean(
	        json_is_true(json_object_get(values, f->name)) || strcmp(val, "1") == 0 || strcmp(val, "true") == 0));
	if (f->type == FT_CHOICE && f->vocab) {
		json_t *opts = json_array();
		for (size_t i = 0; i < f->vocab->n; i++)
			json_array_append_new(
			    opts, json_pack("{s:s, s:s, s:b}", "value", f->vocab->items[i].code, "label",
			              f->vocab->items[i].label, "selected", strcmp(val, f->vocab->items[i].code) == 0));
		json_object_set_new(o, "options", opts);
	} else {
		json_object_set_new(o, "options", json_array());
	}
	json_object_set_new(o, "is_group", json_false());
	json_object_set_new(o, "send_empty", json_false());
	json_object_set_new(o, "has_choices", json_false());
	json_object_set_new(o, "choices", json_array());
	json_object_set_new(o, "list_id", json_string(""));
	json_object_set_new(o, "suggestions", json_array());
	json_object_set_new(o, "list_kind", json_string(""));
	json_object_set_new(o, "choices_legend", json_string(""));
	json_object_set_new(o, "other_label", json_string(""));
	if (f->type == FT_COMMUNE || f->type == FT_REGION || f->type == FT_REGIONS || f->type == FT_PLACE)
		web_picker_field(req, f, o, val);
	return o;
}

static bool
skipped(const char *const *skip, const char *name)
{
	for (; skip && *skip; skip++)
		if (strcmp(*skip, name) == 0)
			return true;
	return false;
}

json_t *
web_form(struct request *req, const struct entity *e, json_t *values, const char *action, const char *submit_label,
    const char *cancel_href, const char *const *skip)
{
	json_t *fields = json_array(), *summary = json_array();

	for (size_t i = 0; i < e->nfields; i++)
		if (!skipped(skip, e->fields[i].name))
			json_array_append_new(fields, field_json(req, &e->fields[i], values));
	/* One message a field: the first said (a picker's, before the domain's own check of the same field). */
	for (size_t i = 0; i < req->ctx.errors.n; i++)
		if (field_errors_get(&req->ctx.errors, req->ctx.errors.items[i].field) ==
		    req->ctx.errors.items[i].message)
			json_array_append_new(
			    summary, json_pack("{s:s, s:s}", "field_id", req->ctx.errors.items[i].field, "message",
			                 req->ctx.errors.items[i].message));
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:o}", "action", action, "csrf", req->csrf ? req->csrf : "",
	    "fields", fields, "submit_label", submit_label, "cancel_href", cancel_href ? cancel_href : "",
	    "errors_summary", summary);
}

/* ---- the workflow pages' helpers (applications, contracts) ---- */

static const char *const field_kinds[] = { "is_text", "is_password", "is_textarea", "is_select", "is_checkbox",
	"is_radio" };

void
web_field_kind(json_t *f, const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(field_kinds); i++)
		json_object_set_new(f, field_kinds[i], json_boolean(strcmp(field_kinds[i], kind) == 0));
}

void
web_field_option(json_t *f, const char *value, const char *label, bool selected)
{
	json_array_append_new(json_object_get(f, "options"),
	    json_pack("{s:s, s:s, s:b}", "value", value, "label", label, "selected", selected));
}

bool
web_pdf(struct request *req, tr_err err, const char *disposition)
{
	if (err != TR_OK) {
		buf_reset(&req->body);
		resp_error(req, err, NULL);
		return false;
	}
	req->status = 200;
	req->content_type_out = "application/pdf";
	if (disposition != NULL)
		resp_header(req, "content-disposition", disposition);
	return true;
}

int64_t
web_form_version(struct request *req)
{
	struct str v = form_get(&req->form, "version");
	long long n = 0;

	return v.p != NULL && str_to_i64(v, &n) ? n : 0;
}

json_t *
web_action_payload(struct request *req)
{
	json_t *payload = json_object();

	for (size_t i = 0; i < req->form.n; i++) {
		const struct form_field *f = &req->form.items[i];
		const char *name = arena_str(req->arena, f->name);
		if (f->is_file || strcmp(name, "csrf") == 0 || strcmp(name, "version") == 0 ||
		    strcmp(name, "confirmed") == 0 || json_object_get(payload, name) != NULL)
			continue;
		json_object_set_new(payload, name, json_stringn(f->value.p, f->value.n));
	}
	return payload;
}

json_t *
web_action_fields(
    struct request *req, const struct entity *e, const char *prefix, bool failed, json_t *values, bool optional)
{
	json_t *form = web_form(req, e, values, "", "", NULL, NULL);
	json_t *fields = json_incref(json_object_get(form, "fields")), *f;
	size_t i;

	json_decref(form);
	json_array_foreach(fields, i, f)
	{
		json_object_set_new(
		    f, "id", json_string(arena_printf(req->arena, "%s-%s", prefix, web_text(f, "name"))));
		if (!failed)
			json_object_set_new(f, "error", json_string(""));
		if (optional)
			json_object_set_new(f, "required", json_false());
	}
	return fields;
}

json_t *
web_search_filter(const char *id, const char *label, const char *hint, int col, const char *type, const char *value,
    const char *all, json_t *options)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:b, s:s, s:o, s:s, s:s}", "id", id, "label", label, "hint",
	    hint ? hint : "", "col", col, "is_select", options != NULL, "all", all ? all : "", "options",
	    options ? options : json_array(), "type", type ? type : "text", "value", value ? value : "");
}

json_t *
web_list_columns(const struct entity *e)
{
	json_t *out = json_array();

	for (size_t i = 0; i < e->nfields; i++)
		if (e->fields[i].flags & FF_LISTED)
			json_array_append_new(out, json_pack("{s:s}", "label", e->fields[i].label));
	return out;
}

const char *
web_badge(struct request *req, json_t *r)
{
	const char *tone = web_text(r, "state_tone");

	return *tone ? arena_printf(req->arena, "fr-badge--%s", tone) : "";
}

json_t *
web_action_summary(struct request *req, const char *failed, const struct entity *e, const char **others)
{
	json_t *out = json_array();

	*others = NULL;
	for (size_t i = 0; failed && i < req->ctx.errors.n; i++) {
		const struct field_error *fe = &req->ctx.errors.items[i];
		if (e && entity_field(e, fe->field))
			json_array_append_new(
			    out, json_pack("{s:s, s:s}", "field_id",
			             arena_printf(req->arena, "%s-%s", failed, fe->field), "message", fe->message));
		else
			*others = *others ? arena_printf(req->arena, "%s %s", *others, fe->message) : fe->message;
	}
	return out;
}

const char *
web_history_note(struct request *req, json_t *entry)
{
	const char *note = "";
	json_t *c;
	size_t i;

	/* A creation's values are the page's own; an edit, a payload or a record says what it set. */
	if (strcmp(web_text(entry, "action"), "create") == 0)
		return "";
	json_array_foreach(json_object_get(entry, "changes"), i, c)
	{
		const char *before = web_text(c, "before");
		note = *before ? arena_printf(req->arena, "%s%s%s : %s → %s", note, *note ? " ; " : "",
		                     web_text(c, "label"), before, web_text(c, "after"))
		               : arena_printf(req->arena, "%s%s%s : %s", note, *note ? " ; " : "", web_text(c, "label"),
		                     web_text(c, "after"));
	}
	return note;
}

json_t *
web_timeline(struct request *req, json_t *entries, const char *entity, const char *(*label)(const char *))
{
	json_t *out = json_array();

	for (size_t i = json_array_size(entries); i-- > 0;) {
		json_t *e = json_array_get(entries, i);
		const char *action = web_text(e, "action"), *what = label ? label(action) : NULL;
		if (json_object_get(e, "entity") == NULL)
			json_object_set_new(e, "entity", json_string(entity));
		history_describe(&req->ctx, e);
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:s, s:s, s:s}", "when", date_fr_json(req, json_object_get(e, "at")),
		             "who", *web_text(e, "actor_label") ? web_text(e, "actor_label") : "système", "what",
		             what ? what : web_text(e, "what"), "change",
		             *web_text(e, "change") ? web_text(e, "change") : "—", "note", web_history_note(req, e)));
	}
	return out;
}

/* ---- lists: headings by role, pagers ---- */

const struct web_heading *
web_heading_for(struct request *req, const struct web_heading *rows)
{
	const struct actor *a = req->ctx.actor;

	for (; rows->role != ROLE_NONE; rows++)
		if (actor_has(a, rows->role) && (rows->unless == ROLE_NONE || !actor_has(a, rows->unless)))
			break;
	return rows;
}

const char *
web_query_href(struct request *req, const char *path, int64_t page)
{
	struct buf b = BUF_INIT(16384);
	tr_err err = buf_printf(&b, "%s?", path);

	for (size_t i = 0; i < req->query.n && err == TR_OK; i++) {
		const struct form_field *f = &req->query.items[i];
		if (str_eq_c(f->name, "page") || (page == 0 && str_eq_c(f->name, "per_page")) || f->value.n == 0)
			continue;
		err = buf_printf(&b, "%s=%s&", url_encode(req->arena, arena_str(req->arena, f->name)),
		    url_encode(req->arena, arena_str(req->arena, f->value)));
	}
	if (err == TR_OK && page > 0)
		err = buf_printf(&b, "page=%lld", (long long)page);
	if (err != TR_OK) {
		buf_free(&b);
		return path;
	}
	if (b.n > 0 && (b.p[b.n - 1] == '&' || b.p[b.n - 1] == '?'))
		b.n--;
	return buf_to_arena(&b, req->arena);
}

const char *
web_prefix_href(struct request *req, const char *prefix, int64_t page)
{
	return arena_printf(req->arena, "%spage=%lld", prefix, (long long)page);
}

void
web_pager(struct request *req, json_t *into, int64_t page, int64_t pages,
    const char *(*href)(struct request *req, const char *arg, int64_t page), const char *arg)
{
	if (pages <= 1 && page <= 1)
		return;
	json_object_set_new(into, "pager",
	    json_pack("{s:s, s:s, s:I, s:I}", "prev", page > 1 ? href(req, arg, page - 1) : "", "next",
	        page < pages ? href(req, arg, page + 1) : "", "page", (json_int_t)page, "pages",
	        (json_int_t)(pages > page ? pages : page)));
}

void
web_rate_limited(struct request *req, const char *field)
{
	field_errors_add(&req->ctx.errors, field, req->ctx.message);
	resp_header(req, "retry-after", arena_printf(req->arena, "%lld", (long long)req->ctx.retry_after));
}

const char *
web_fields(struct request *req, const char *fmt, json_t *o)
{
	const char *p = fmt, *open, *close, *out = "";

	while ((open = strchr(p, '{')) != NULL && (close = strchr(open, '}')) != NULL) {
		json_t *v = json_object_get(o, arena_strndup(req->arena, open + 1, (size_t)(close - open - 1)));
		const char *value = json_is_integer(v)
		                        ? arena_printf(req->arena, "%lld", (long long)json_integer_value(v))
		                    : json_is_string(v) ? json_string_value(v)
		                                        : "";

		out = arena_printf(req->arena, "%s%.*s%s", out, (int)(open - p), p, value);
		p = close + 1;
	}
	return arena_printf(req->arena, "%s%s", out, p);
}
