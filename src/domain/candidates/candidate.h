/* Candidates: self-registration (an account with the candidate role and a profile), the profile and its CV,
 * who may read it, the download of one's data and the deletion of one's account (GDPR), and the prescribers
 * (Mission locale, France Travail, Cap emploi) that follow candidates. Eligibility is domain/eligibility.h. */
#ifndef TR_DOMAIN_CANDIDATE_H
#define TR_DOMAIN_CANDIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"

/* Who reads a candidate's personal data (profile, CV, RQTH, eligibility, and through them applications,
 * contracts and the skills grid): the candidate, admins, a structure they applied to or whose proposal
 * they accepted, a prescriber organisation they accepted or invited, national officers once they have a
 * contract, the pole and regional officers of the region of their contract. */
extern const struct scope candidate_scope;

/* TR_OK when the actor may read the data of candidate (person) CANDIDATE_ID (candidate_scope).
 * TR_UNAUTHORIZED when anonymous, TR_NOT_FOUND (with a French message) otherwise: what one may not see does not
 * exist for them. */
TR_MUST_USE tr_err candidate_can_read(struct ctx *ctx, int64_t candidate_id);

/* The first of the actor's prescriber organisations that CANDIDATE_ID accepted as a follower, in *ORG_ID;
 * TR_NOT_FOUND (with a message) when none. */
TR_MUST_USE tr_err candidate_follower_org(struct ctx *ctx, int64_t candidate_id, int64_t *org_id);

/* Self-registration: from IN, the account (email, name, password, password_confirm — the confirmation may
 * be left out, as in the API) and the profile (entity_candidate, plus wished_profiles: ids of active job
 * profiles as a JSON array or a '|'-joined string), creates the person with the candidate role and the
 * profile, in one transaction, journaled. Anonymous visitors and admins only. Field errors name each field
 * in French. For an admin the account is confirmed at once, and a known email is an error on "email". For a
 * visitor (see account_signup_gate) the answer never depends on the email: a new account is created
 * unconfirmed and its confirmation link sent (*ID its id), while a known email, or one over its quota,
 * creates nothing (*ID 0) and TR_OK still; too many registrations from ctx->ip: TR_RATE_LIMITED. */
TR_MUST_USE tr_err candidate_register(struct ctx *ctx, json_t *in, int64_t *id);

/* The profile of candidate ID (see candidate_can_read) with the person's name and email, labels of the
 * vocabularies, the commune's name, wished profiles (ids and titles), the CV's name and size (not its
 * bytes), the organisations following them and the version. TR_NOT_FOUND when there is no profile yet. */
TR_MUST_USE tr_err candidate_get(struct ctx *ctx, int64_t id, json_t **out);

/* Saves the profile of candidate ID from IN (as candidate_register, without the account) at VERSION
 * (TR_CONFLICT when stale); a candidate without a profile yet creates it with VERSION 0. The candidate
 * themself, or an admin. Coordinates come from the commune. Journaled (the names of the fields, not their
 * values). */
TR_MUST_USE tr_err candidate_save(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* Stores DATA (N bytes, named FILENAME as sent, may be NULL) as the CV of candidate ID: a PDF (starts with
 * %PDF- and has %%EOF in its last kilobyte) of CANDIDATE_CV_MAX bytes at most, else a field error on "cv".
 * The candidate themself; the profile must exist. Journaled. */
TR_MUST_USE tr_err candidate_cv_put(struct ctx *ctx, int64_t id, const char *filename, const void *data, size_t n);

/* The CV of candidate ID (whoever may read the profile): its bytes (in the arena) and file name.
 * TR_NOT_FOUND when there is none. */
TR_MUST_USE tr_err candidate_cv_get(struct ctx *ctx, int64_t id, const char **filename, struct str *data);

/* The download of a candidate's data, the deletion of their account and the purge of accounts never confirmed are
 * every person's: domain/privacy/privacy.h. */

/* The active job profiles, by programme, for the wished-profiles checkbox group: [{programme_id,
 * programme_name, profiles: [{id, title}]}]. Public. */
TR_MUST_USE tr_err candidate_job_profiles(struct ctx *ctx, json_t **out);

/* The candidates who accepted (or invited) one of the actor's prescriber organisations: [{id, name, email,
 * commune_name, birth_date, hidden, since, organisation_name, last_diagnosis: {programme_name, eligible,
 * valid_until} or null}]. Prescribers. */
TR_MUST_USE tr_err prescriber_followed(struct ctx *ctx, json_t **out);

/* The actor's prescriber organisation asks to follow the candidate whose email is EMAIL: when an active account
 * with a profile not hidden has it and the organisation never asked, a request waits for the candidate's answer
 * (they are told by email, journaled). The answer is TR_OK in every other case too, so that it never tells
 * whether the address is a candidate's; TR_INVALID only for an address that is not one. */
TR_MUST_USE tr_err prescriber_follow(struct ctx *ctx, const char *email);

/* The actor's prescriber organisations stop following CANDIDATE_ID (TR_NOT_FOUND when none did). */
TR_MUST_USE tr_err prescriber_unfollow(struct ctx *ctx, int64_t candidate_id);

/* Candidate ID (themself) accepts the request of prescriber organisation ORG: from now on it reads their data.
 * TR_NOT_FOUND when it asked nothing. Journaled. */
TR_MUST_USE tr_err candidate_follower_accept(struct ctx *ctx, int64_t id, int64_t org);

/* Candidate ID (themself) declines the request of ORG, or removes it from their followers: it reads nothing
 * more and cannot ask again (the candidate may still invite it). TR_NOT_FOUND when it neither asked nor follows.
 * Journaled. */
TR_MUST_USE tr_err candidate_follower_remove(struct ctx *ctx, int64_t id, int64_t org);

/* Candidate ID (themself) invites prescriber organisation ORG to follow them (accepted at once). A field error
 * on "organisation_id" when ORG is not a prescriber organisation. Journaled. */
TR_MUST_USE tr_err candidate_follower_invite(struct ctx *ctx, int64_t id, int64_t org);

#endif
