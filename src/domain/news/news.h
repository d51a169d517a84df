/* The network's news (veille): items published by national officers and poles (title, summary, a body in the
 * Markdown subset of core/markdown.h, tags, target regions, programmes and job profiles, attachments from the
 * poles' resource library), read by everyone with filters, and a weekly email digest people opt into (with an
 * unsubscribe link that works without signing in). */
#ifndef TR_DOMAIN_NEWS_H
#define TR_DOMAIN_NEWS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "model/accounts/role.h"

/* Who publishes. */
#define NEWS_WRITERS (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_POLE))

/* How many items a page (and a feed) holds at most. */
#define NEWS_PER_PAGE 20

/* A digest goes to a person at most once in this many seconds (a little less than a week, so that the daily job
 * keeps to the same weekday). */
#define NEWS_DIGEST_GAP (6 * 86400 + 12 * 3600)

/* The filters of the list (NULL or "": any). */
struct news_filter {
	const char *tag;
	const char *region;    /* a region code */
	const char *programme; /* a programme code */
	int64_t page;
};

/* Publishes an item from IN {title, summary, body, tags, regions, programmes, job_profiles, resources} (lists as
 * arrays or '|'- or comma-separated text; codes of regions, programmes and job profiles, ids of resources, each
 * checked): TR_INVALID with the fields; *ID the new item's. A pole's staff publish for their pole. Journaled. */
TR_MUST_USE tr_err news_create(struct ctx *ctx, json_t *in, int64_t *id);

/* The items matching F, newest first (anyone, signed in or not): {items [{id, title, summary, tags [..], regions
 * [..], programmes [..], published_at, updated_at, author_name (the pole,
 * or the national coordination: never a person's name)}], total, page, per_page, pages, tags
 * (every tag in use)}. */
TR_MUST_USE tr_err news_list(struct ctx *ctx, const struct news_filter *f, json_t **out);

/* One item as news_list's, plus body, body_html (the Markdown rendered) and resources [{id, title, kind}];
 * TR_NOT_FOUND when there is none. */
TR_MUST_USE tr_err news_get(struct ctx *ctx, int64_t id, json_t **out);

/* The regions and the programmes one may filter or target by, as [{code, name}] each (caller's). */
TR_MUST_USE tr_err news_options(struct ctx *ctx, json_t **regions, json_t **programmes);

/* Whether the signed-in actor receives the weekly digest. */
TR_MUST_USE tr_err news_digest_get(struct ctx *ctx, bool *on);

/* Opts the signed-in actor in (ON) or out of the weekly digest. */
TR_MUST_USE tr_err news_digest_set(struct ctx *ctx, bool on);

/* TR_OK when the unsubscribe link's TOKEN names someone, else TR_NOT_FOUND with a French message. */
TR_MUST_USE tr_err news_digest_token(struct ctx *ctx, const char *token);

/* Opts out whoever the unsubscribe link's TOKEN names (no sign-in needed); TR_NOT_FOUND when it names nobody (a
 * link already used, or made up). */
TR_MUST_USE tr_err news_digest_unsubscribe(struct ctx *ctx, const char *token);

/* The job: sends each subscriber whose last digest is NEWS_DIGEST_GAP old the items published since (a week at
 * most), one email each with the unsubscribe link; nothing to those with nothing new. *COUNT the emails. */
TR_MUST_USE tr_err news_digest_send(struct ctx *ctx, int64_t *count);

#endif
