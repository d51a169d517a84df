/* Every person's data (GDPR): the download of what is stored about them (JSON, and the same rows for a readable
 * page), erasure at their request where the law allows it, and the one anonymisation that both an erasure and the
 * retention rule for inactive candidates (domain/privacy/retention.c) run. */
#ifndef TR_DOMAIN_PRIVACY_H
#define TR_DOMAIN_PRIVACY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* A case where erasure is refused: the law requires the platform to keep the person's identity while it holds.
 * SQL counts the rows that make it hold; each of its ? is the person's id. */
struct erasure_refusal {
	const char *code;   /* stable, in the journal and the API */
	const char *reason; /* French: what holds, as the person reads it */
	const char *basis;  /* French: the legal obligation, and until when */
	const char *sql;
};

extern const struct erasure_refusal erasure_refusals[];
extern const size_t erasure_nrefusals;

/* The refusals that hold for person ID now, as a JSON array of {code, reason, basis} (empty: erasure allowed), in
 * *OUT (the caller's). No authorization: callers decide. */
TR_MUST_USE tr_err privacy_refusals(struct ctx *ctx, int64_t id, json_t **out);

/* The one anonymisation, inside the caller's open transaction: person ID's name, email, password, sessions,
 * tokens, links, memberships and queued emails go; a candidate's profile row stays for the statistics with its
 * personal fields cleared (birth date, commune and coordinates, RQTH, dates, CV), their followers, wished
 * profiles, and the applications and diagnoses no contract rests on are deleted (the message of the kept
 * applications cleared); the notes of the activity reports they wrote are cleared; contracts, subsidies, training
 * records and journal entries stay, naming an anonymised person. The account is disabled (active 0,
 * anonymised_at). Journals (ACTION) under "candidate" for a candidate, "person" otherwise, with the counts.
 * TR_NOT_FOUND when ID does not exist or was anonymised already. No authorization: callers decide. */
TR_MUST_USE tr_err privacy_anonymise(struct ctx *ctx, int64_t id, const char *action);

/* Everything stored about person ID that is reached through their own relationships, as one JSON object in *OUT
 * (the caller's): person, memberships, sessions, api_tokens, profile (a candidate's, else null), followers,
 * eligibility_diagnoses, applications, contracts (as the person recruited: the whole row; as tutor or sponsor: the
 * contract's own columns, no data of the person recruited but their id), training_registrations, attendance,
 * assessments, activity_reports (written by them, notes included), dossier_messages (written by them),
 * erasure_requests, journal (entries about them, with their detail) and journal_authored (what they did: when, on
 * what, which action; no detail, which may concern others). The person themself, or an admin: TR_FORBIDDEN
 * otherwise. */
TR_MUST_USE tr_err privacy_export(struct ctx *ctx, int64_t id, json_t **out);

/* The actor's erasure: {request: the latest request or null ({id, state, reasons, created_at, decided_at}),
 * refusals: what holds now, kept: French sentences of what an erasure keeps}. Signed-in people. */
TR_MUST_USE tr_err privacy_erasure_status(struct ctx *ctx, json_t **out);

/* Records the actor's erasure request (journaled "erasure_request"): refused at once, with its reasons, when a
 * refusal holds (*REFUSED true; the answer is still TR_OK: the request is recorded), else pending until the actor
 * confirms it (privacy_erasure_confirm). A pending request is replaced. *ID (may be NULL) the request's id. */
TR_MUST_USE tr_err privacy_erasure_request(struct ctx *ctx, int64_t *id, bool *refused);

/* The second step: the actor confirms their pending request. When a refusal has come to hold since, the request
 * is refused (TR_CONFLICT with the reason); else the account is anonymised (privacy_anonymise, "erasure") and the
 * request done, in one transaction. TR_NOT_FOUND (with a message) when nothing is pending. */
TR_MUST_USE tr_err privacy_erasure_confirm(struct ctx *ctx);

/* Erases person ID at once (a candidate deleting their account from their page, which asks for the confirmation
 * itself; or an admin): the refusals are checked (TR_CONFLICT with the first reason), then privacy_anonymise
 * (ACTION "delete"), with a request recorded as done, in one transaction. The person themself, or an admin. */
TR_MUST_USE tr_err privacy_erase_now(struct ctx *ctx, int64_t id);

/* The job that erases the accounts registered by visitors and never confirmed once their link has expired
 * (INVITE_TTL_SECONDS after registration, no live link left): privacy_anonymise, journaled as "purge_unconfirmed";
 * *COUNT how many. */
TR_MUST_USE tr_err privacy_purge_unconfirmed(struct ctx *ctx, int64_t *count);

#endif
