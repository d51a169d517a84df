/* The pages of signing in with ProConnect and FranceConnect (web/sso/sso.c). */
#ifndef TR_WEB_SSO_H
#define TR_WEB_SSO_H

#include <jansson.h>

#include "http/request.h"

/* Sets "providers" and "has_providers" in DATA: the buttons of the configured providers (connect_buttons.html). */
void web_sso_buttons(struct request *req, json_t *data);

void web_oidc_begin(struct request *req);
void web_oidc_callback(struct request *req);
void web_oidc_logged_out(struct request *req);
void web_oidc_link_form(struct request *req);
void web_oidc_link(struct request *req);
void web_oidc_link_send(struct request *req);
void web_oidc_link_token_form(struct request *req);
void web_oidc_link_token(struct request *req);
void web_sso_pending(struct request *req);
void web_sso_pending_approve(struct request *req);
void web_sso_pending_refuse(struct request *req);

#endif
