/* Activity reports (comptes rendus d'activité): entry, bulk ingestion, export, the rollups maintained in the
 * same transaction as each write, their verification, the vocabularies as data, the mediators an employer
 * declares, and the reminders. Statistics read the rollups (activity_stats.h).
 *
 * An adviser is a recruit with a live contract (planned, active or suspended: the structure is the
 * contract's) or an employer's staff member declared as a mediator. Who sees what (activity_scope): an
 * adviser their own reports; the employer its advisers'; poles and regional officers those of their regions
 * (where the session took place or where the employer is); national officers, steering members and admins
 * everything. The notes are the adviser's only, never exported. */
#ifndef TR_DOMAIN_ACTIVITY_H
#define TR_DOMAIN_ACTIVITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"

/* Who reads every report and figure. */
#define ACTIVITY_NATIONAL (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_VIEWER))
/* Who edits the vocabularies and the settings. */
#define ACTIVITY_EDITORS (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL))

/* The rules over alias "a" of activity_reports, and of the rollups (same column names). */
extern const struct scope activity_scope;
extern const struct scope activity_rollup_scope;
extern const struct scope activity_rollup_counts_scope;
/* The département level of the rollups (no adviser, no structure): national reach, poles and regional officers. */
extern const struct scope activity_rollup_dep_scope;
extern const struct scope activity_rollup_dep_counts_scope;

/* ---- Reports ---- */

/* Adds a report typed in by the actor (an adviser) from IN (entity_activity's fields; themes, equipment and
 * followups as arrays or '|'-joined codes; genders, ages, statuses as objects {code: count}). Validated,
 * written with its rollups, journaled, in one transaction. */
TR_MUST_USE tr_err activity_create(struct ctx *ctx, json_t *in, int64_t *id);

/* Report ID as JSON (its fields, breakdowns as objects, labels, can_edit), when the actor's scope reaches it;
 * TR_NOT_FOUND otherwise. */
TR_MUST_USE tr_err activity_get(struct ctx *ctx, int64_t id, json_t **out);

/* Edits report ID seen at VERSION (all fields, as activity_create): its adviser, within the edit window.
 * Rollups moved, journaled with before/after. TR_CONFLICT when stale. */
TR_MUST_USE tr_err activity_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* Deletes report ID seen at VERSION (soft: it leaves the figures and comes back as a tombstone in the export):
 * its adviser, within the edit window. Journaled. */
TR_MUST_USE tr_err activity_delete(struct ctx *ctx, int64_t id, int64_t version);

/* The actor's last report (for « dupliquer »), as activity_get, or TR_NOT_FOUND. */
TR_MUST_USE tr_err activity_last(struct ctx *ctx, json_t **out);

struct activity_filter {
	const char *from, *to; /* YYYY-MM-DD, inclusive; NULL: unbounded */
	int64_t adviser_id, organisation_id;
	bool mine;
	int64_t page, per_page;
};

/* The reports the actor's scope reaches (not deleted), newest session first: {items, total, page, per_page}. */
TR_MUST_USE tr_err activity_list(struct ctx *ctx, const struct activity_filter *f, json_t **out);

/* ---- Bulk ---- */

/* Ingests a batch of NDJSON lines (BODY, N bytes; at most ACTIVITY_BATCH_LINES_MAX lines and
 * ACTIVITY_BATCH_BYTES_MAX bytes) from SOURCE ("api" or "import"): each line a report with its "source_id";
 * a line whose (source, source_id) is stored already is left as it is (idempotent). Every line is checked;
 * unless PARTIAL, one bad line writes nothing (TR_INVALID). The batch is journaled as one entry carrying the
 * SHA-256 of BODY. *OUT (set on TR_OK and TR_INVALID): {batch_id, sha256, lines, inserted, unchanged,
 * rejected, errors: [{line, field, message}]}. */
TR_MUST_USE tr_err activity_ingest(
    struct ctx *ctx, const char *source, const char *body, size_t n, bool partial, json_t **out);

/* Imports a CSV of reports (the columns of activity_export_csv; '|'-joined codes, breakdowns as
 * "code:n|code:n") through activity_ingest with source "import"; a row without « source_id » gets
 * "csv:SHA-256 of the row" as its id, so that importing a file twice changes nothing. */
TR_MUST_USE tr_err activity_import_csv(struct ctx *ctx, const char *body, size_t n, bool partial, json_t **out);

/* Appends to OUT the CSV of the actor's own reports (not deleted; notes never), through the one CSV writer. */
TR_MUST_USE tr_err activity_export_csv(struct ctx *ctx, struct buf *out);

/* The reports the actor's scope reaches changed after CURSOR ("" or NULL: from the start; else the
 * next_cursor of a previous answer), oldest change first, LIMIT at most (1–10,000):
 * {items: [report…, or {id, source, source_id, deleted: true, updated_at} for a deletion], next_cursor}. */
TR_MUST_USE tr_err activity_changes(struct ctx *ctx, const char *cursor, int64_t limit, json_t **out);

/* Recomputes every rollup from the raw reports and compares: *OUT {reports, cells, differences: [{table,
 * key, expected, stored}] (100 at most), ndifferences}. Reads only. */
TR_MUST_USE tr_err activity_verify(struct ctx *ctx, json_t **out);

/* ---- Vocabularies and settings ---- */

/* Every family with its codes: [{family, label, items: [{code, label, grp, harmonised, valid_from, valid_to,
 * in_use}]}]. Any signed-in person. */
TR_MUST_USE tr_err activity_vocab_list(struct ctx *ctx, json_t **out);

/* Adds code CODE to FAMILY, or relabels it, from IN {label, grp, harmonised, valid_from, valid_to}. National
 * officers. Journaled. */
TR_MUST_USE tr_err activity_vocab_put(struct ctx *ctx, const char *family, const char *code, json_t *in);

/* Retires code CODE of FAMILY from the day after ON (YYYY-MM-DD; NULL: today): reports dated later may not
 * use it; it is never deleted. A code no report uses yet may be removed with REMOVE. National officers. */
TR_MUST_USE tr_err activity_vocab_retire(
    struct ctx *ctx, const char *family, const char *code, const char *on, bool remove);

/* {edit_window_days, first_day}. */
TR_MUST_USE tr_err activity_settings(struct ctx *ctx, json_t **out);

/* Sets them from IN (either member). National officers. Journaled. */
TR_MUST_USE tr_err activity_settings_put(struct ctx *ctx, json_t *in);

/* ---- Advisers ---- */

/* Declares person PERSON_ID of structure ORG_ID a mediator (ON) or not: the structure's employer staff, or
 * admins. Journaled. */
/* Whether the actor declares the mediators of ORG_ID (its employers, the operator): checked before any body. */
TR_MUST_USE tr_err activity_mediator_allowed(struct ctx *ctx, int64_t org_id);
TR_MUST_USE tr_err activity_mediator_set(struct ctx *ctx, int64_t org_id, int64_t person_id, bool on);

/* The structure the actor reports for (an adviser), in *ORG_ID; TR_FORBIDDEN with a French message
 * otherwise. */
TR_MUST_USE tr_err activity_adviser_org(struct ctx *ctx, int64_t person_id, int64_t *org_id);

/* The advisers in the actor's scope (employer: its own; pole and regional: of their regions; national: all)
 * without a report for 30 days or more: [{id, name, email, organisation_id, organisation_name, last_on,
 * days}], most silent first. */
TR_MUST_USE tr_err activity_silent(struct ctx *ctx, json_t **out);

/* The job: emails each adviser silent for 30 and for 45 days once (per threshold and last report). */
TR_MUST_USE tr_err activity_remind(struct ctx *ctx, int64_t *count);

#endif
