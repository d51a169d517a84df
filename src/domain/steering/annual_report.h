/* The annual report (bilan annuel) of a programme for a year, national or for one région: a PDF drawn from the
 * steering figures (cover, a summary in sentences generated from them, the tables and charts, the method notes,
 * the date of the data). The same data give the same bytes; each generation is kept as a version with its
 * SHA-256, which the journal records. */
#ifndef TR_DOMAIN_ANNUAL_REPORT_H
#define TR_DOMAIN_ANNUAL_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "domain/kernel/ctx.h"

/* Who generates: national officers and admins (any report), regional officers and poles (their régions'). Who
 * reads: the same, and steering members (viewer). */
#define REPORT_WRITERS (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_POLE))
#define REPORT_READERS (REPORT_WRITERS | ROLE_BIT(ROLE_VIEWER))

/* Computes and draws the report of PROGRAMME_ID for YEAR (REGION NULL: national) into OUT, without keeping it;
 * *DATA_AT: the moment of the data (the last journal entry before it, reports excepted). Errors as
 * steer_query_check (field errors on programme, year, region). */
TR_MUST_USE tr_err annual_report_render(
    struct ctx *ctx, int64_t programme_id, int64_t year, const char *region, struct buf *out, int64_t *data_at);

/* Renders the report and keeps it as a new version (its SHA-256 journaled) in one transaction; *ID: the version. */
TR_MUST_USE tr_err annual_report_generate(
    struct ctx *ctx, int64_t programme_id, int64_t year, const char *region, int64_t *id);

/* The versions the actor may read of PROGRAMME_ID's reports (0: every programme), newest first: {items [{id,
 * programme_id, programme_name, year, region_code, region_name, data_at, sha256, size, created_at, created_by}],
 * total, page, per_page}. */
TR_MUST_USE tr_err annual_report_list(struct ctx *ctx, int64_t programme_id, int64_t page, json_t **out);

/* One version's metadata (as in the list) into *META and its PDF appended to OUT; TR_NOT_FOUND when it does not
 * exist or the actor may not read it. */
TR_MUST_USE tr_err annual_report_get(struct ctx *ctx, int64_t id, json_t **meta, struct buf *out);

#endif
