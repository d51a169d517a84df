/* The roles of DESIGN.md and the kinds of organisation: vocabularies (code, French label) plus, for each
 * role, what a membership of it must name. */
#ifndef TR_MODEL_ROLE_H
#define TR_MODEL_ROLE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/kernel/vocab.h"

enum role {
	ROLE_NONE = 0,
	ROLE_ADMIN,
	ROLE_NATIONAL,
	ROLE_REGIONAL,
	ROLE_POLE,
	ROLE_EMPLOYER,
	ROLE_PRESCRIBER,
	ROLE_TRAINER,
	ROLE_CANDIDATE,
	ROLE_SPONSOR,
	ROLE_VIEWER,
	ROLE_PAYER, /* the paying agency's staff (ASP, Caisse des dépôts), scoped to its organisation's programmes */
	ROLE_COUNT_
};

#define ROLE_BIT(r) (1u << (r))

/* What a membership of a role must name. */
enum role_scope {
	SCOPE_NONE = 0,   /* national reach, or the person themself */
	SCOPE_REGIONS,    /* one or more regions */
	SCOPE_ORG,        /* one organisation */
	SCOPE_ORG_REGIONS /* an organisation and the regions it covers (resource poles) */
};

struct role_rule {
	enum role_scope scope;
	const char *org_kind; /* the kind of organisation a membership must point at, or NULL */
};

/* Codes and labels of the roles, in enum order from ROLE_ADMIN (item r - 1 is role r). */
extern const struct vocab vocab_role;
/* Scope rules, indexed by enum role. */
extern const struct role_rule role_rules[ROLE_COUNT_];
/* Codes and labels of the kinds of organisation. */
extern const struct vocab vocab_org_kind;

/* The role whose code is CODE (N bytes), or ROLE_NONE. */
enum role role_from_code(const char *code, size_t n);

/* The code ("regional") and the French label of a role; NULL for ROLE_NONE. */
const char *role_code(enum role r);
const char *role_label(enum role r);

#endif
