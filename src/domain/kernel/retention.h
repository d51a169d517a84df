/* Personal data kept no longer than needed (issue 17, item 3), as data: each rule names what it concerns, after how
 * long, whether the rows are deleted or anonymised, and why, with the one SQL statement that applies it. The scheduled
 * job retention_apply runs every rule and journals what it removed; the public register of processing activities
 * (/donnees-personnelles) is generated from the same table, so that what the page promises is what the job does. */
#ifndef TR_DOMAIN_RETENTION_H
#define TR_DOMAIN_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

enum retention_action { RETENTION_DELETE = 1, RETENTION_ANONYMISE };

struct retention_rule {
	const char *name;  /* stable code, in the journal */
	const char *what;  /* French: the data concerned */
	const char *after; /* French: the period, as people read it */
	int64_t seconds;   /* the period: rows older than now - seconds */
	enum retention_action action;
	const char *why; /* French: the purpose, and why this period */
	const char *sql; /* the statement; its one parameter is the cut-off moment (now - seconds) */
};

extern const struct retention_rule retention_rules[];
extern const size_t retention_nrules;

/* The scheduled job: applies every rule at ctx->now (the real clock at most) in one transaction, journals one entry ("retention", "apply")
 * with the count of each rule that removed something; *COUNT the rows removed or anonymised in all. */
TR_MUST_USE tr_err retention_apply(struct ctx *ctx, int64_t *count);

#endif
