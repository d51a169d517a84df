/* Reading one place of the directory as its page and the API show it: the place with its opening hours in plain
 * French and whether it is open now. */
#ifndef TR_DOMAIN_PLACE_VIEW_H
#define TR_DOMAIN_PLACE_VIEW_H

#include <jansson.h>
#include <stdint.h>

#include "core/hours.h"
#include "domain/kernel/ctx.h"
#include "domain/places/place.h"

/* Whether hours H (NULL: none, or not understood) say open at T, in Paris time; public holidays are known. */
enum hours_state place_open_state(const struct hours *h, int64_t t);

/* Place ID as GET /api/v1/places/{id} answers it: place_json's fields, then horaires_fr (the hours in plain
 * French; null when there are none or the parser refuses them), horaires_reconnus (false only for hours the
 * parser refuses) and ouvert_maintenant (true, false, or null when not known) at ctx->now. *OUT is the caller's;
 * *PLACE (may be NULL) receives the place (ctx's arena). A place merged into another: TR_OK, *OUT NULL and
 * *MOVED_TO the id of the place that absorbed it (NULL otherwise). TR_NOT_FOUND or a storage error with a French
 * message. */
TR_MUST_USE tr_err place_view(
    struct ctx *ctx, const char *id, json_t **out, struct place **place, const char **moved_to);

#endif
