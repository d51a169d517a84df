/* The lifecycle engine (DESIGN.md, "Workflows are tables"): each entity's lifecycle is a table of transitions
 * {action, from, to, who, payload, guard, effect, notify, tone, confirm}, and one function, wf_run, takes an
 * action through the whole sequence in one transaction: load the row (locked), compute the actor's parties,
 * pick the transition, check the version the person saw, validate the payload, run the guard and the effect,
 * change the state, journal it, queue the notifications, commit. A stale or forbidden action changes nothing
 * and says why. Dossiers, offers, applications, contracts, path modules, sessions and registrations use it. */
#ifndef TR_DOMAIN_WORKFLOW_H
#define TR_DOMAIN_WORKFLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"
#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

#define WF_BIT(state) (1u << (state))

/* wf_act.version for the system's own moves inside a transaction that has just read the row: whatever it is. */
#define WF_ANY_VERSION (-1)

struct arena;

/* How a page draws the action's button. */
enum wf_tone {
	WF_PRIMARY = 0, /* the step forward */
	WF_SECONDARY,   /* an aside: a record, a question, a reopening */
	WF_DANGER,      /* a refusal, a withdrawal, a cancellation */
};

/* How a page draws a state's badge. */
enum wf_state_tone {
	WF_NEUTRAL = 0, /* closed without a verdict: withdrawn, declined */
	WF_NEW,         /* just made, not yet looked at */
	WF_INFO,        /* under way */
	WF_SUCCESS,     /* reached or running as it should */
	WF_WARNING,     /* waiting on someone, or stalled */
	WF_ERROR,       /* refused, cancelled, broken off */
};

struct workflow;
struct wf_transition;

/* What the guard, effect and notify functions of a transition receive. */
struct wf_call {
	struct ctx *ctx;
	const struct workflow *wf;
	const struct wf_transition *t;
	int64_t id;
	int64_t version; /* the row's version before the action */
	int from, to;    /* state indexes; to == from for a record that keeps the state */
	json_t *row;     /* the row as the workflow's select reads it (borrowed) */
	json_t *clean;   /* the validated payload, NULL when the transition takes none (borrowed) */
	json_t *detail;  /* the journal entry's detail: an effect may add to it (borrowed) */
	unsigned parties;
	void *out; /* the caller's (wf_act.out), for an effect that hands something back */
};

/* A guard refuses (TR_INVALID with field errors, or TR_CONFLICT with a message) and writes nothing; an effect
 * makes the action's writes besides the state; notify queues the messages. Each returns TR_OK or an error
 * that rolls the whole action back. */
typedef tr_err (*wf_fn)(struct wf_call *call);

struct wf_transition {
	const char *action;
	const char *label; /* French, the button */
	unsigned from;     /* WF_BIT of each state (index in the workflow's vocabulary) it starts from */
	int to;            /* the state after; -1: the state does not change (a record on the entity) */
	unsigned who;      /* the parties (bits the entity's module defines) who may take it */
	const struct entity *payload;
	bool payload_optional; /* the payload's required fields may be left out */
	wf_fn guard;           /* may be NULL */
	wf_fn effect;          /* may be NULL */
	wf_fn notify;          /* may be NULL */
	enum wf_tone tone;
	const char *confirm; /* French question asked before an irreversible action, with its consequence; NULL: none */
	const char *done;    /* French success message; "{n}" stands for the row's number (wf_done_message) */
	/* A date column of the row ("YYYY-MM-DD"): the action is refused before that day in Paris (a contract does not
	 * start before its start date); its French name for the refusal. NULL: no such bound. */
	const char *not_before;
	const char *not_before_label;
};

struct workflow {
	const char *entity;              /* journal entity name, e.g. "application" */
	const char *table;               /* SQL table with id, state, version and updated_at */
	bool state_since;                /* the table has a state_since column too */
	const struct vocab *states;      /* state codes in index order */
	const enum wf_state_tone *tones; /* per state index, as STATES; NULL: all neutral */
	const struct wf_transition *rows;
	size_t nrows;
	/* SQL reading one row with at least its state and version, ending in "= ?" for the id. */
	const char *select;
	/* SQL run before the row is locked, with the id as its one parameter, taking a parent's row first (lock
	 * order); NULL: none. */
	const char *lock_first;
	/* Who reads the row: its scope table (TR_NOT_FOUND with `missing` for the others: what one may not see does
	 * not exist for them); NULL: can_read decides. */
	const struct scope *scope;
	/* Whether the actor may read the row (TR_NOT_FOUND with `missing` otherwise, as for a scope); NULL with no
	 * scope: anyone signed in. */
	bool (*can_read)(struct ctx *ctx, json_t *row);
	/* The parties the actor is for this row, as the transitions' `who` bits. */
	unsigned (*parties)(struct ctx *ctx, json_t *row);
	const char *missing; /* French: the row does not exist */
	const char *stale;   /* French: the row changed since the person read it */
};

/* One action to take. */
struct wf_act {
	int64_t id;
	const char *action;
	int64_t version; /* the version the person saw; WF_ANY_VERSION only for the system's moves */
	json_t *payload; /* borrowed; NULL: an empty object */
	bool system;     /* the system's move (a job or a cascade): PARTIES instead of the actor's, no reading check */
	unsigned parties;
	json_t *detail;      /* borrowed; more for the journal entry, may be NULL */
	void *out;           /* handed to the functions as call->out */
	int64_t new_version; /* set on success */
};

/* Takes ACT on WF: the whole sequence in one transaction, or inside the caller's when one is open (a cascade:
 * then an error leaves the caller to roll back). TR_NOT_FOUND (no such row or action), TR_FORBIDDEN (not the
 * actor's to read or to take), TR_CONFLICT (not from this state, or the version is stale), TR_INVALID (payload
 * or guard, with the fields), or what a guard, effect or notify returns; each with a French message on ctx. */
TR_MUST_USE tr_err wf_run(struct ctx *ctx, const struct workflow *wf, struct wf_act *act);

/* A person's ACTION on row ID of WF, taken at the VERSION they saw with PAYLOAD (may be NULL): wf_run. On success,
 * *NEW_VERSION (may be NULL) is the row's version after it, and *NEW_ID (may be NULL) the id of the row an effect
 * created and handed back through call->out as an int64_t (left as it was when none was). Errors as wf_run. */
TR_MUST_USE tr_err wf_take(struct ctx *ctx, const struct workflow *wf, int64_t id, const char *action, int64_t version,
    json_t *payload, int64_t *new_version, int64_t *new_id);

/* The system's ACTION on row ID of WF (a job or a cascade), as the parties PARTIES, whatever its version, inside
 * the caller's transaction when one is open; DETAIL (may be NULL, borrowed) goes into the journal entry. */
TR_MUST_USE tr_err wf_system(
    struct ctx *ctx, const struct workflow *wf, int64_t id, const char *action, unsigned parties, json_t *detail);

/* The state index of CODE, or -1. */
int wf_state(const struct workflow *wf, const char *code);

/* Picks the transition for ACTION from STATE for an actor who is the parties PARTIES. TR_NOT_FOUND when no
 * row names ACTION, TR_FORBIDDEN when none is the actor's to take, TR_CONFLICT when the actor's rows do not
 * start from STATE; each with a French message on ctx. */
TR_MUST_USE tr_err wf_pick(struct ctx *ctx, const struct workflow *wf, const char *action, int state, unsigned parties,
    const struct wf_transition **out);

/* The transitions PARTIES may take from STATE, as [{action, label, payload, payload_optional, tone, confirm}]
 * (one per action). */
json_t *wf_actions(const struct workflow *wf, int state, unsigned parties);

/* The success message of ACTION on row ID of WF ("{n}" replaced by ID), in A; NULL when the action has none. */
const char *wf_done_message(struct arena *a, const struct workflow *wf, const char *action, int64_t id);

/* The French confirmation question of ACTION in WF, or NULL when it asks none. */
const char *wf_confirm_of(const struct workflow *wf, const char *action);

/* The French label of ACTION, or NULL. */
const char *wf_action_label(const struct workflow *wf, const char *action);

/* The code of TONE: "primary", "secondary" or "danger". */
const char *wf_tone_code(enum wf_tone tone);

/* Sets on ROW (a row of WF's table, or an item of its lists) "state_label", the French label of its "state",
 * and "state_tone", the state's tone ("new", "info", "success", "warning", "error", or "" for neutral). */
void wf_decorate(const struct workflow *wf, json_t *row);

/* wf_decorate, and "actions": the transitions from ROW's state open to the actor's parties (wf_actions). */
void wf_present(struct ctx *ctx, const struct workflow *wf, json_t *row);

#endif
