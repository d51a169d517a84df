/* Refining the approximate coordinates of places (their commune's), or finding missing ones, with the national
 * address API (Base Adresse Nationale, api-adresse.data.gouv.fr): its CSV batch endpoint geocodes the addresses,
 * and the results it scores high enough become the places' own coordinates. Optional: off unless geocoder.url is
 * set. */
#ifndef TR_DOMAIN_PLACE_GEOCODE_H
#define TR_DOMAIN_PLACE_GEOCODE_H

#include <stdint.h>

#include "domain/kernel/ctx.h"

#define PLACE_GEOCODE_BATCH 1000 /* places in one request */

struct place_geocode_report {
	int64_t sent;    /* places sent to the geocoder */
	int64_t located; /* places given the coordinates of their address */
	int64_t kept;    /* not found, or scored below geocoder.min_score: as they were */
	int64_t skipped; /* changed while the geocoder answered: left alone */
};

/* Sends up to LIMIT places (0: all) whose coordinates are approximate or missing, by id, to ctx->cfg->geocoder_url (POST
 * multipart: a CSV of id, adresse, code_postal, code_insee, commune; the query made of adresse and commune,
 * filtered by postcode and citycode), PLACE_GEOCODE_BATCH a request. Each result scored at least
 * geocoder.min_score % gives its place the result's latitude and longitude as the place's own (no longer
 * approximate, exported), date_maj today, a journal entry "geocode" with the values before and after; one
 * transaction a batch, places_version bumped when a place moved. REP counts what happened. Admins and national
 * officers (or the command line). TR_INVALID with a French message when no geocoder is configured; TR_UNAVAILABLE
 * when the geocoder cannot be reached or answers anything but a CSV with id, latitude, longitude and result_score
 * (the batches stored before stay); storage errors as they are. */
TR_MUST_USE tr_err place_geocode(struct ctx *ctx, int64_t limit, struct place_geocode_report *rep);

#endif
