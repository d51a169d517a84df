/* Eligibility: a programme's criteria are data (programmes.eligibility, JSON), evaluated against a
 * candidate's profile on a date, each criterion met or not; a prescriber then records a diagnosis that
 * confirms or overrides the evaluation, valid for the programme's eligibility_valid_months.
 *
 * The criteria, every member optional ({} means no condition):
 *   {"age": {"min": 16, "max": 25, "max_with_rqth": 30},
 *    "paths": [{"label": "…", "max_level": "3", "seeking_months": 6, "areas": ["qpv", "zrr", "outre_mer"]}]}
 * Age is in whole years on the date (25 the day before the 26th birthday, 26 on it); max_with_rqth replaces
 * max for a candidate with an RQTH. A path is met when each of its conditions is: qualification level at
 * most max_level (none < 3 < 4 < … < 8), at least seeking_months whole calendar months between
 * seeking_since and the date (six months to the day count as 6), priority area among areas. The candidate
 * is eligible when the age is met and, when there are paths, at least one of them. */
#ifndef TR_DOMAIN_ELIGIBILITY_H
#define TR_DOMAIN_ELIGIBILITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* What the criteria read from a profile; NULL strings are "not given". */
struct candidate_facts {
	const char *birth_date;          /* YYYY-MM-DD */
	bool rqth;                       /* recognised disability */
	const char *qualification_level; /* a code of vocab_qualification_level */
	const char *seeking_since;       /* YYYY-MM-DD; NULL: not looking for work */
	const char *priority_area;       /* a code of vocab_priority_area */
};

/* Evaluates CRITERIA (borrowed; NULL or {} means none) for F on ON_DATE (YYYY-MM-DD). *RESULT receives
 * {eligible, criteria: [{code, label, met, detail}]} (French labels and details), owned by the caller.
 * TR_INVALID (and *RESULT NULL) when ON_DATE is not a date or CRITERIA does not follow the format above. */
TR_MUST_USE tr_err eligibility_evaluate(
    json_t *criteria, const struct candidate_facts *f, const char *on_date, json_t **result);

/* The evaluation of candidate CANDIDATE_ID's profile against every active programme (ON_DATE NULL: today),
 * and their diagnoses: {on_date, evaluations: [{programme_id, programme_code, programme_name,
 * requires_eligibility, eligible, criteria}], diagnoses: [...] as eligibility_diagnoses}. Whoever may read
 * the profile (candidate_can_read). */
TR_MUST_USE tr_err eligibility_overview(struct ctx *ctx, int64_t candidate_id, const char *on_date, json_t **out);

/* The diagnoses of candidate CANDIDATE_ID, newest first: id, programme_id, programme_name, organisation_name,
 * prescriber_name, criteria (JSON), computed_eligible, eligible, overridden, comment, decided_on,
 * valid_until, valid (today). Whoever may read the profile. */
TR_MUST_USE tr_err eligibility_diagnoses(struct ctx *ctx, int64_t candidate_id, json_t **out);

/* Records a diagnosis for CANDIDATE_ID from IN (entity_diagnosis: programme_id, decision confirm|override,
 * comment — required when overriding): the profile is evaluated today against the programme's criteria, the
 * prescriber's conclusion is the evaluation's (confirm) or its opposite (override); valid until today +
 * the programme's eligibility_valid_months. A prescriber of an organisation that follows the candidate.
 * Journaled. *ID receives the diagnosis's id. */
TR_MUST_USE tr_err eligibility_record(struct ctx *ctx, int64_t candidate_id, json_t *in, int64_t *id);

/* One diagnosis as eligibility_diagnoses lists it (whoever may read the candidate's profile). */
TR_MUST_USE tr_err eligibility_diagnosis_get(struct ctx *ctx, int64_t id, json_t **out);

/* Whether candidate CANDIDATE_ID may start under programme PROGRAMME_ID on ON_DATE (YYYY-MM-DD): true when
 * the programme does not require eligibility, or when the latest diagnosis for it decided on or before
 * ON_DATE concluded eligible and is still valid on ON_DATE (valid_until included). No authorization: the
 * caller (contracts) has decided who acts. TR_NOT_FOUND for an unknown programme; TR_INVALID for a bad date. */
TR_MUST_USE tr_err eligibility_valid(
    struct ctx *ctx, int64_t candidate_id, int64_t programme_id, const char *on_date, bool *ok);

#endif
