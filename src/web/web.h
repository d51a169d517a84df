/* The HTML side: what every page shares (service name, person, navigation, CSRF, flash), forms drawn
 * from the entity tables, and the page handlers of each area. */
#ifndef TR_WEB_WEB_H
#define TR_WEB_WEB_H

#include <jansson.h>

#include "http/request.h"
#include "model/entity.h"

#define SERVICE_NAME "tremplin"
#define SERVICE_TAGLINE "Emplois aidés de la médiation numérique"
#define FLASH_COOKIE "tremplin_flash"

/* Adds to DATA what every page shows: service_name, service_tagline, user, nav, csrf, flash. */
void web_common(struct request *req, json_t *data);

/* Percent-encodes S for a query string (in the arena). */
char *web_url_encode(struct arena *a, const char *s);

/* The form object of form.html for entity E: one field object per field with VALUES (may be NULL) and the
 * request's field errors, the CSRF token, the error summary. Field names listed in SKIP (NULL-ended, may
 * be NULL) are left out. */
json_t *web_form(struct request *req, const struct entity *e, json_t *values, const char *action,
    const char *submit_label, const char *cancel_href, const char *const *skip);

/* A date in French ("24 novembre 2026 à 11 h 05") from a JSON integer of epoch seconds; "—" for null. */
const char *date_fr_json(struct request *req, json_t *epoch);

/* Adds to each API token of TOKENS (from apitoken_list) its dates in French and its revoke action
 * BASE/{id}/revoquer. */
void web_tokens_json(struct request *req, json_t *tokens, const char *base);

/* Queues a flash message shown on the next page (CODE from the table in web.c). */
void web_flash(struct request *req, const char *code);

/* Redirect after a successful form, with a flash message. */
void web_done(struct request *req, const char *location, const char *flash_code);

/* Pages. */
void web_home(struct request *req);
void web_legal(struct request *req);
void web_login_form(struct request *req);
void web_login(struct request *req);
void web_logout(struct request *req);
void web_forgot_form(struct request *req);
void web_forgot(struct request *req);
void web_link_form(struct request *req);
void web_link_set(struct request *req);
void web_account(struct request *req);
void web_account_password(struct request *req);
void web_account_token_create(struct request *req);
void web_account_token_revoke(struct request *req);
void web_admin_home(struct request *req);
void web_admin_people(struct request *req);
void web_admin_person_new_form(struct request *req);
void web_admin_person_new(struct request *req);
void web_admin_person(struct request *req);
void web_admin_person_update(struct request *req);
void web_admin_person_invite(struct request *req);
void web_admin_membership_add(struct request *req);
void web_admin_membership_remove(struct request *req);
void web_admin_token_revoke(struct request *req);
void web_admin_orgs(struct request *req);
void web_admin_org_new_form(struct request *req);
void web_admin_org_new(struct request *req);
void web_admin_org(struct request *req);
void web_admin_org_update(struct request *req);
void web_admin_journal(struct request *req);
/* place_edit.c: the import page, the edit form of a place, the likely duplicates. */
void web_place_import_form(struct request *req);
void web_place_import(struct request *req);
void web_place_network_add(struct request *req);
void web_place_edit_form(struct request *req);
void web_place_edit(struct request *req);
void web_admin_duplicates(struct request *req);
void web_admin_duplicate_decide(struct request *req);
void web_places(struct request *req);
void web_place(struct request *req);

#endif
