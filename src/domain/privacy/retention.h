/* Personal data kept no longer than needed (issue 17, item 3), as data: each rule names what it concerns, after how
 * long, what is done (rows deleted, people anonymised, fields cleared), on which basis and for what purpose, with
 * the one SQL statement that applies it. The scheduled job retention_apply runs every rule and journals the count of
 * each; the public register of processing activities (/donnees-personnelles) is generated from the same table, so
 * that what the page promises is what the job does. */
#ifndef TR_DOMAIN_RETENTION_H
#define TR_DOMAIN_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

#define RETENTION_DAY 86400
/* Two years without activity: a candidate is anonymised (as the inclusion platforms do). */
#define RETENTION_INACTIVE_SECONDS (730 * RETENTION_DAY)
/* A CV a year after the last of its candidate's applications closed. */
#define RETENTION_CV_SECONDS (365 * RETENTION_DAY)
/* The notes of an activity report a year after it was entered. */
#define RETENTION_NOTES_SECONDS (365 * RETENTION_DAY)
/* Persons anonymised in one run at most (the hourly job catches up), as the SQL's LIMIT says it. */
#define RETENTION_BATCH "500"

enum retention_action {
	RETENTION_DELETE = 1, /* SQL deletes the rows */
	RETENTION_ANONYMISE,  /* SQL selects people, each anonymised by privacy_anonymise */
	RETENTION_CLEAR,      /* SQL clears fields of the rows, which stay */
};

struct retention_rule {
	const char *name;  /* stable code, in the journal */
	const char *what;  /* French: the data concerned */
	const char *after; /* French: the period, as people read it */
	int64_t seconds;   /* the period: the cut-off moment is now - seconds */
	enum retention_action action;
	const char *why;   /* French: the purpose, and why this period */
	const char *basis; /* French: the legal basis of the processing */
	const char *sql;   /* the statement; each of its ? is the cut-off moment */
};

extern const struct retention_rule retention_rules[];
extern const size_t retention_nrules;

/* French: what ACTION does, as the register says it ("supprimées", "anonymisées", "effacés"). */
const char *retention_action_label(enum retention_action action);

/* The ids of the people rule R (RETENTION_ANONYMISE) selects at NOW (the cut-off is NOW - R->seconds), in *IDS (the
 * arena's) and *N; the ones for whom an erasure refusal holds (privacy_refusals) are left out. */
TR_MUST_USE tr_err retention_select(
    struct ctx *ctx, const struct retention_rule *r, int64_t now, int64_t **ids, size_t *n);

/* The scheduled job: applies every rule at ctx->now (the real clock at most) in one transaction, journals one entry
 * ("retention", "apply") with the count of each rule that did something (and each anonymised person their own
 * entry, by privacy_anonymise, action "retention_inactive"); *COUNT the rows deleted, people anonymised or rows
 * cleared, in all. A run that dies half-way rolls back whole, and the next one does the work. */
TR_MUST_USE tr_err retention_apply(struct ctx *ctx, int64_t *count);

#endif
