/* The employer's application to a programme (protocole d'adhésion, Annex I of the 2013 circular) and its
 * workflow: a table of transitions {action, from, to, who, payload, guard, effect, who is told} taken by
 * the lifecycle engine (domain/kernel/workflow.h) in one transaction that checks the actor's role and scope, the state and the version the
 * person saw, writes the journal entry and queues the emails. A forbidden action is TR_FORBIDDEN, a
 * stale or impossible one TR_CONFLICT, a bad payload TR_INVALID with the fields: nothing changes then.
 *
 * Who sees a dossier: its structure's staff (drafts included); once submitted, the regional officers
 * and the resource pole of its region, the national delegation; admins always. */
#ifndef TR_DOMAIN_DOSSIER_H
#define TR_DOMAIN_DOSSIER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"
#include "domain/kernel/workflow.h"

/* Creates a draft of programme PROGRAMME_ID for organisation ORG_ID (0: the actor's only employer
 * organisation) from IN (entity_dossier's fields; nothing is required of a draft). Employer staff only;
 * the programme must be open. *ID receives the new id. */
TR_MUST_USE tr_err dossier_create(struct ctx *ctx, int64_t programme_id, int64_t org_id, json_t *in, int64_t *id);

/* Edits a draft or a dossier whose changes were requested, seen at VERSION (absent fields keep their
 * value). Employer staff of the dossier's organisation. */
TR_MUST_USE tr_err dossier_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* Whether PROGRAMME (programme_rules) asks FIELD of a dossier: the tutor, the sponsor, the company and the pole are
 * asked as its requires_* columns say; every other field is. */
bool dossier_asks(json_t *programme, const char *field);

/* Whether dossier D (as dossier_get gives it) has had its national decision, or was withdrawn: the steps that come
 * before it (the pole's preliminary diagnosis) are closed. */
bool dossier_decided(json_t *d);

/* Dossier ID as its reader may see it: the fields, labels (state, programme, organisation, place, job
 * profile, pole, opinion), the opinion and decision blocks, days_waiting, can_edit, and the actions the
 * actor may take now ([{action, label, payload, payload_optional}]: payload names the entity of the action's
 * fields, payload_optional tells that they may all be left out). TR_NOT_FOUND, TR_FORBIDDEN. */
TR_MUST_USE tr_err dossier_get(struct ctx *ctx, int64_t id, json_t **out);

/* The places of the directory run by the actor's employer organisations (merged ones left out), by name, at
 * most 500: [{id, nom, commune}], for choosing a dossier's EPN. An empty array for anyone else. */
TR_MUST_USE tr_err dossier_place_choices(struct ctx *ctx, json_t **out);

/* Applies ACTION (submit, resubmit, give_opinion, validate, refuse, request_changes, withdraw, reopen) to
 * dossier ID seen at VERSION with PAYLOAD (the action's fields; may be NULL). *NEW_VERSION (may be NULL)
 * receives the version after the change. */
TR_MUST_USE tr_err dossier_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id);

/* The dossier's lifecycle on the engine (domain/kernel/workflow.h). */
extern const struct workflow dossier_workflow;

/* Who reads a dossier (the home's waiting items count through it). */
extern const struct scope dossier_scope;

/* The action codes in table order, NULL-terminated; and the French label of one (NULL when unknown). */
extern const char *const dossier_actions[];
const char *dossier_action_label(const char *action);

struct dossier_filter {
	int64_t programme_id, job_profile_id; /* 0: any */
	const char *region, *state;           /* NULL: any */
	int64_t page, per_page;               /* page from 1; per_page capped at DOSSIER_LIST_MAX */
};
#define DOSSIER_LIST_MAX 10000

/* The dossiers the actor may see, filtered: {items, total, page, per_page}. Reviewers get the oldest
 * waiting first (days_waiting on each item); a structure its latest changes first. */
TR_MUST_USE tr_err dossier_list(struct ctx *ctx, const struct dossier_filter *f, json_t **out);

/* The message thread: adds a message from the actor (the structure or a reviewer who can see it), told by
 * email to the other side. */
TR_MUST_USE tr_err dossier_message_add(struct ctx *ctx, int64_t id, json_t *in, int64_t *message_id);
TR_MUST_USE tr_err dossier_messages(struct ctx *ctx, int64_t id, json_t **out);

/* The journal entries of the dossier, newest first. Readers of the dossier only. */
TR_MUST_USE tr_err dossier_journal(struct ctx *ctx, int64_t id, json_t **out);

/* The protocol as a PDF (the parties and reviewers only): Annex I with the opinion and decision blocks. */
TR_MUST_USE tr_err dossier_protocol_pdf(struct ctx *ctx, int64_t id, struct buf *out);

#endif
