/* The JSON API (/api/v1) and the health check. */
#ifndef TR_API_API_H
#define TR_API_API_H

#include "http/request.h"

/* Answers a domain error as problem+json with the field errors. */
void api_error(struct request *req, tr_err err);

void api_health(struct request *req);
void api_test_slow(struct request *req);
void api_me(struct request *req);
void api_communes(struct request *req);
void api_regions(struct request *req);
void api_people(struct request *req);
void api_person_create(struct request *req);
void api_person(struct request *req);
void api_person_update(struct request *req);
void api_membership_add(struct request *req);
void api_membership_remove(struct request *req);
void api_orgs(struct request *req);
void api_org_create(struct request *req);
void api_org(struct request *req);
void api_org_update(struct request *req);
void api_tokens(struct request *req);
void api_token_create(struct request *req);
void api_token_revoke(struct request *req);

/* places_io.c: the directory in the standard's formats. */
void api_places_csv(struct request *req);
void api_places_json(struct request *req);
void api_places_geojson(struct request *req);
void api_places(struct request *req);
void api_place(struct request *req);

#endif
