/* Every route of the platform, one row each: method, path, handler, who may call it, flags. */
#include "http/router.h"

#include "api/api.h"
#include "model/role.h"
#include "web/web.h"

#define ADMIN ROLE_BIT(ROLE_ADMIN)
#define ANY ROLES_SIGNED_IN
#define PUBLIC ROLES_PUBLIC
#define CHANGES ROUTE_CHANGES
#define API ROUTE_API

const struct route routes[] = {
	{ "GET", "/healthz", api_health, PUBLIC, API | ROUTE_HEALTH },
	{ "GET", "/__test/slow", api_test_slow, PUBLIC, API | ROUTE_HEALTH },

	/* Public pages. */
	{ "GET", "/", web_home, PUBLIC, 0 },
	{ "GET", "/accessibilite", web_legal, PUBLIC, 0 },
	{ "GET", "/mentions-legales", web_legal, PUBLIC, 0 },
	{ "GET", "/donnees-personnelles", web_legal, PUBLIC, 0 },
	{ "GET", "/connexion", web_login_form, PUBLIC, 0 },
	{ "POST", "/connexion", web_login, PUBLIC, CHANGES },
	{ "POST", "/deconnexion", web_logout, ANY, CHANGES },
	{ "GET", "/mot-de-passe-oublie", web_forgot_form, PUBLIC, 0 },
	{ "POST", "/mot-de-passe-oublie", web_forgot, PUBLIC, CHANGES },
	{ "GET", "/mot-de-passe/{token}", web_link_form, PUBLIC, 0 },
	{ "POST", "/mot-de-passe/{token}", web_link_set, PUBLIC, CHANGES },
	{ "GET", "/invitation/{token}", web_link_form, PUBLIC, 0 },
	{ "POST", "/invitation/{token}", web_link_set, PUBLIC, CHANGES },

	/* The signed-in person. */
	{ "GET", "/compte", web_account, ANY, 0 },
	{ "POST", "/compte/mot-de-passe", web_account_password, ANY, CHANGES },
	{ "POST", "/compte/jetons", web_account_token_create, ANY, CHANGES },
	{ "POST", "/compte/jetons/{id}/revoquer", web_account_token_revoke, ANY, CHANGES },

	/* Administration. */
	{ "GET", "/admin", web_admin_home, ADMIN, 0 },
	{ "GET", "/admin/personnes", web_admin_people, ADMIN, 0 },
	{ "GET", "/admin/personnes/nouvelle", web_admin_person_new_form, ADMIN, 0 },
	{ "POST", "/admin/personnes/nouvelle", web_admin_person_new, ADMIN, CHANGES },
	{ "GET", "/admin/personnes/{id}", web_admin_person, ADMIN, 0 },
	{ "POST", "/admin/personnes/{id}", web_admin_person_update, ADMIN, CHANGES },
	{ "POST", "/admin/personnes/{id}/inviter", web_admin_person_invite, ADMIN, CHANGES },
	{ "POST", "/admin/personnes/{id}/roles", web_admin_membership_add, ADMIN, CHANGES },
	{ "POST", "/admin/personnes/{id}/roles/{id}/retirer", web_admin_membership_remove, ADMIN, CHANGES },
	{ "POST", "/admin/personnes/{id}/jetons/{id}/revoquer", web_admin_token_revoke, ADMIN, CHANGES },
	{ "GET", "/admin/structures", web_admin_orgs, ADMIN, 0 },
	{ "GET", "/admin/structures/nouvelle", web_admin_org_new_form, ADMIN, 0 },
	{ "POST", "/admin/structures/nouvelle", web_admin_org_new, ADMIN, CHANGES },
	{ "GET", "/admin/structures/{id}", web_admin_org, ADMIN, 0 },
	{ "POST", "/admin/structures/{id}", web_admin_org_update, ADMIN, CHANGES },
	{ "GET", "/admin/journal", web_admin_journal, ADMIN, 0 },
	{ "GET", "/admin/doublons", web_admin_duplicates, ADMIN, 0 },
	{ "POST", "/admin/doublons/decider", web_admin_duplicate_decide, ADMIN, CHANGES },

	/* Changing the directory (before "/lieux/{token}" below). The domain decides who edits which place. */
	{ "GET", "/lieux/import", web_place_import_form, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL), 0 },
	{ "POST", "/lieux/import", web_place_import, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL),
	    CHANGES | ROUTE_UPLOAD },
	{ "POST", "/lieux/reseaux", web_place_network_add, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL), CHANGES },
	{ "GET", "/lieux/{token}/modifier", web_place_edit_form, ANY, 0 },
	{ "POST", "/lieux/{token}/modifier", web_place_edit, ANY, CHANGES },

	/* API. */
	{ "GET", "/api/v1/me", api_me, ANY, API },
	{ "GET", "/api/v1/communes", api_communes, PUBLIC, API },
	{ "GET", "/api/v1/regions", api_regions, PUBLIC, API },
	{ "GET", "/api/v1/people", api_people, ADMIN, API },
	{ "POST", "/api/v1/people", api_person_create, ADMIN, API | CHANGES },
	{ "GET", "/api/v1/people/{id}", api_person, ANY, API },
	{ "PATCH", "/api/v1/people/{id}", api_person_update, ADMIN, API | CHANGES },
	{ "POST", "/api/v1/people/{id}/memberships", api_membership_add, ADMIN, API | CHANGES },
	{ "DELETE", "/api/v1/memberships/{id}", api_membership_remove, ADMIN, API | CHANGES },
	{ "GET", "/api/v1/organisations", api_orgs, ADMIN, API },
	{ "POST", "/api/v1/organisations", api_org_create, ADMIN, API | CHANGES },
	{ "GET", "/api/v1/organisations/{id}", api_org, ANY, API },
	{ "PATCH", "/api/v1/organisations/{id}", api_org_update, ADMIN, API | CHANGES },
	{ "GET", "/api/v1/tokens", api_tokens, ANY, API },
	{ "POST", "/api/v1/tokens", api_token_create, ANY, API | CHANGES },
	{ "DELETE", "/api/v1/tokens/{id}", api_token_revoke, ANY, API | CHANGES },
	{ "GET", "/api/v1/places.csv", api_places_csv, PUBLIC, API },
	{ "GET", "/api/v1/places.json", api_places_json, PUBLIC, API },
	{ "GET", "/api/v1/places.geojson", api_places_geojson, PUBLIC, API },

	/* The directory's search and public pages: last, since "/lieux/{token}" also matches literal paths such
	 * as /lieux/import, which must come first. */
	{ "GET", "/lieux", web_places, PUBLIC, 0 },
	{ "GET", "/lieux/{token}", web_place, PUBLIC, 0 },
	{ "GET", "/api/v1/places", api_places, PUBLIC, API },
	{ "GET", "/api/v1/places/{token}", api_place, PUBLIC, API },
};
const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
