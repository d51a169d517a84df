/* What waits for a person: one table of waiting items per role (dossiers to give an opinion on, applications to
 * answer, sessions to mark, payment requests to check…), each counted through its entity's scope table, so that a
 * count never includes a row the person could not open. The home page shows them with their links. */
#ifndef TR_DOMAIN_HOME_WAITING_H
#define TR_DOMAIN_HOME_WAITING_H

#include <jansson.h>

#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"

/* One kind of waiting item. The rows of SCOPE the actor reaches and where COND holds are counted; each '?' of
 * COND takes, in order, a value named by one letter of PARAMS: 'p' the actor's person id, 'd' today's date
 * (YYYY-MM-DD), 'w' a week ahead, 'm' 30 days ago. ONE and MANY are the French sentence for one row and for
 * several ("{n}" is the count); HREF is
 * where the rows are listed (a page the ROLES may open). */
struct waiting_item {
	const char *key;
	unsigned roles;
	const struct scope *scope;
	const char *cond;
	const char *params;
	const char *one, *many;
	const char *href;
};

extern const struct waiting_item waiting_items[];
extern const size_t waiting_nitems;

/* The waiting items of the actor, with a count above zero, in the table's order: [{key, count, text, href}]
 * (the caller owns it). TR_UNAUTHORIZED when anonymous; a storage error with its message. */
TR_MUST_USE tr_err waiting_list(struct ctx *ctx, json_t **out);

#endif
