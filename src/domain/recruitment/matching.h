/* Matching candidates and open offers, recomputed on each read (no batch, so that a changed offer or profile
 * shows at once). A pair matches when the candidate is not hidden, both have a position, and the distance
 * between the candidate's position and the offer's place is within the candidate's own max_distance_km.
 *
 * Ranking, the same both ways, each key breaking the ties of the one before:
 *   (a) eligibility, when the offer's programme requires it: the candidate's latest diagnosis for the programme
 *       still valid on the reference date (the offer's start date, or today when that is later) says eligible;
 *       candidates without one come after. When the programme does not require it, everyone passes (eligible
 *       is null in the item);
 *   (b) the offer's job profile is among the candidate's wished profiles;
 *   (c) available in time: no available_from, or available_from on or before the offer's start date;
 *   (d) distance, nearest first;
 *   then the candidate's (or offer's) id, so that the order is total.
 * Each item carries its reasons: distance_km, wished, available, eligible. */
#ifndef TR_DOMAIN_MATCHING_H
#define TR_DOMAIN_MATCHING_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* The most items one answer lists (total counts them all). */
#define MATCHING_MAX 200

/* The candidates for offer OFFER_ID, ranked: {offer_id, reference_date, eligibility_required, total, items:
 * [{rank, candidate_id, name, commune_code, commune_name, distance_km, max_distance_km, wished, available,
 * available_from, eligible}]}. For the employer staff of the offer's organisation, admins and national officers
 * (TR_FORBIDDEN otherwise); TR_NOT_FOUND. An offer without position matches nobody (note says why). */
TR_MUST_USE tr_err matching_for_offer(struct ctx *ctx, int64_t offer_id, json_t **out);

/* The open offers for candidate CANDIDATE_PERSON_ID, ranked the same way: {candidate_id, total, items: [{rank,
 * offer_id, title, organisation_name, place_nom, commune_name, start_on, contract_type, contract_type_label,
 * job_profile_id, job_profile_title, programme_id, programme_name, reference_date, eligibility_required,
 * distance_km, wished, available, eligible}]}. For the candidate themself, the prescribers whose following they
 * accepted and admins (TR_NOT_FOUND otherwise, as when they have no profile). A hidden
 * profile still sees its suggestions; a profile without position gets none (note says why). */
TR_MUST_USE tr_err matching_for_candidate(struct ctx *ctx, int64_t candidate_person_id, json_t **out);

#endif
