/* The JSON API (/api/v1) and the health check. */
#ifndef TR_API_API_H
#define TR_API_API_H

#include <stddef.h>

#include "core/export.h"
#include "http/request.h"
#include "model/kernel/vocab.h"

/* Answers a domain error as problem+json with the field errors. */
void api_error(struct request *req, tr_err err);

/* The JSON object of the request's body, or NULL after answering 400. */
json_t *api_body(struct request *req);

/* Answers OUT (stolen) with STATUS, or ERR as a problem (OUT released). */
void api_reply(struct request *req, tr_err err, int status, json_t *out);

/* Reads the "version" member (a positive integer) of IN into *VERSION, or adds a field error and returns
 * false. */
bool api_version(struct request *req, json_t *in, int64_t *version);

/* PATCH, the one way (RFC 7396 for flat objects): the record READ returns for req->params[0], overlaid with
 * the members of the body, goes to UPDATE with the version sent (READ NULL: the body as it is, for a domain that
 * overlays it itself); the answer is what ANSWER returns then (200), or the error. */
void api_patch(struct request *req, tr_err (*read)(struct ctx *, int64_t, json_t **),
    tr_err (*update)(struct ctx *, int64_t, int64_t, json_t *), tr_err (*answer)(struct ctx *, int64_t, json_t **));

/* GET of one record: what GET returns for req->params[0] (200), or the error. */
void api_get(struct request *req, tr_err (*get)(struct ctx *, int64_t, json_t **));

/* A lifecycle's action as its domain module offers it: ACTION on row ID at the VERSION read, with PAYLOAD; *NEW_VERSION
 * and *NEW_ID (may be NULL) as wf_take sets them. */
typedef tr_err (*api_act_fn)(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id);

/* POST …/{id}/actions/{action} with {version, …payload}, the one way: ACT on req->params[0] with
 * req->sparams[0], answered with what GET returns then (200), plus NEW_KEY (may be NULL) holding the id of the
 * row the action created when it created one; or the error. */
void api_act(struct request *req, api_act_fn act, tr_err (*get)(struct ctx *, int64_t, json_t **), const char *new_key);

/* GET of a list that takes no query parameter: what LIST returns (200), or the error. */
void api_list(struct request *req, tr_err (*list)(struct ctx *, json_t **));

/* Answers a creation that returned ERR: the new record ID as GET shows it, 201 with a Location PREFIX/ID; or the
 * error. */
void api_created(
    struct request *req, tr_err err, int64_t id, tr_err (*get)(struct ctx *, int64_t, json_t **), const char *prefix);

/* POST of a creation: the JSON body given to CREATE, then api_created with GET and PREFIX; api_create_in gives
 * CREATE the path's parent id (params[0]) too. */
typedef tr_err (*api_create_fn)(struct ctx *, json_t *, int64_t *);
typedef tr_err (*api_create_in_fn)(struct ctx *, int64_t, json_t *, int64_t *);
void api_create(
    struct request *req, api_create_fn create, tr_err (*get)(struct ctx *, int64_t, json_t **), const char *prefix);
void api_create_in(
    struct request *req, api_create_in_fn create, tr_err (*get)(struct ctx *, int64_t, json_t **), const char *prefix);

/* The query parameter NAME as an integer in [1, MAX] into *OUT (left alone when absent or empty; a field error
 * when it is anything else). */
void api_query_int(struct request *req, const char *name, int64_t max, int64_t *out);

/* True for a query flag set to 1 or true. */
bool api_query_flag(struct request *req, const char *name);

/* Answers ROWS (a JSON array of objects, stolen) as the file NAME.csv (XLSX false) or NAME.xlsx (one sheet, SHEET)
 * of the columns COLS (core/export.h), 64 MiB at most; or the error. */
void api_send_table(struct request *req, const char *name, const char *sheet, const struct export_column *cols,
    size_t ncols, json_t *rows, bool xlsx);

/* When the query parameters gave field errors, answers 422 and returns true. */
bool api_query_errors(struct request *req);

/* A query parameter of a list, as a row: how it is read and which member of the list's filter it fills. */
enum api_param_kind {
	AP_ID,     /* an integer in [1, max] into an int64_t (page and per_page too) */
	AP_TEXT,   /* a string into a const char * (empty: NULL) */
	AP_CHOICE, /* a code of VOCAB into a const char * (empty: NULL); another value is a field error listing them */
	AP_REGION, /* an INSEE region code (1 to 3 digits) into a const char * */
	AP_FLAG,   /* 1 or true into a bool */
};
struct api_param {
	const char *name;
	enum api_param_kind kind;
	size_t offset; /* of the member in the filter */
	int64_t max;   /* AP_ID: the largest value (0: INT64_MAX) */
	const struct vocab *vocab;
};
#define API_PARAM(filter, member, k, ...)                                                     \
	{                                                                                     \
		.name = #member, .kind = (k), .offset = offsetof(filter, member), __VA_ARGS__ \
	}

/* Reads the NPARAMS query parameters PARAMS into FILTER; false after answering 422 with each bad one named. */
bool api_query_params(struct request *req, const struct api_param *params, size_t nparams, void *filter);

/* GET of a list, the one way: the NPARAMS query parameters PARAMS read into FILTER (its defaults set by the
 * caller), 422 with each bad one named, else what RUN(ctx, FILTER, &out) returns (200) or its error. */
void api_list_query(struct request *req, const struct api_param *params, size_t nparams, void *filter,
    tr_err (*run)(struct ctx *, const void *, json_t **));

void api_health(struct request *req);
void api_metrics(struct request *req);
void api_test_slow(struct request *req);
void api_me(struct request *req);
void api_communes(struct request *req);
void api_regions(struct request *req);
void api_people(struct request *req);
void api_person_create(struct request *req);
void api_person(struct request *req);
void api_person_update(struct request *req);
void api_membership_add(struct request *req);
void api_membership_remove(struct request *req);
void api_orgs(struct request *req);
void api_org_create(struct request *req);
void api_org(struct request *req);
void api_org_update(struct request *req);
void api_tokens(struct request *req);
void api_token_create(struct request *req);
void api_token_revoke(struct request *req);

/* places_io.c: the directory in the standard's formats. */
/* steering/steering.c: the figures, the indicators' table, the annual reports. */
void api_steering_indicators(struct request *req);
void api_steering_figures(struct request *req);
void api_steering_figure(struct request *req);
void api_steering_reports(struct request *req);
void api_steering_report_create(struct request *req);
void api_steering_report_pdf(struct request *req);
void api_places_csv(struct request *req);
void api_places_json(struct request *req);
void api_places_geojson(struct request *req);
void api_places(struct request *req);
void api_place(struct request *req);
void api_place_create(struct request *req);

/* programmes.c: programmes and job profiles. */
void api_programmes(struct request *req);
void api_programme(struct request *req);
void api_programme_create(struct request *req);
void api_programme_update(struct request *req);
void api_programme_quotas(struct request *req);
void api_job_profile_create(struct request *req);
void api_job_profile(struct request *req);
void api_job_profile_update(struct request *req);
void api_job_profile_remove(struct request *req);

void api_programme_region_target(struct request *req);

/* dossiers.c: the protocole d'adhésion and its workflow. */
void api_dossiers(struct request *req);
void api_dossier_create(struct request *req);
void api_dossier(struct request *req);
void api_dossier_update(struct request *req);
void api_dossier_act(struct request *req);
void api_dossier_journal(struct request *req);
void api_dossier_messages(struct request *req);
void api_dossier_message_add(struct request *req);
void api_dossier_protocol(struct request *req);

/* applications.c and contracts.c: recruitment — applications, proposals, contracts and their workflows. */
void api_application_create(struct request *req);
void api_application_propose(struct request *req);
void api_applications(struct request *req);
void api_application(struct request *req);
void api_application_act(struct request *req);
void api_contracts(struct request *req);
void api_contract(struct request *req);
void api_contract_act(struct request *req);

/* offers.c: the job board, publishing and managing offers, matching. */
void api_offers(struct request *req);
void api_offer(struct request *req);
void api_offer_create(struct request *req);
void api_offer_update(struct request *req);
void api_offer_act(struct request *req);
void api_offer_journal(struct request *req);
void api_offer_matches(struct request *req);
void api_candidate_matches(struct request *req);

/* openapi.c: GET /api/v1/openapi.json, generated from the route and entity tables. */
void api_openapi(struct request *req);

/* skills.c: the skills grid (competences, a contract's grid, assessments). */
void api_competences(struct request *req);
void api_competence_create(struct request *req);
void api_competence_update(struct request *req);
void api_contract_skills(struct request *req);
void api_contract_assess(struct request *req);

/* candidates.c: self-registration, the candidate's own profile, data and account, a profile and its CV, eligibility,
 * the candidates a prescriber follows. */
void api_candidate_register(struct request *req);
void api_candidate_me(struct request *req);
void api_candidate_me_update(struct request *req);
void api_candidate_me_export(struct request *req);
void api_candidate_me_delete(struct request *req);
void api_candidate(struct request *req);
void api_candidate_cv(struct request *req);
void api_candidate_eligibility(struct request *req);
void api_candidate_eligibility_create(struct request *req);
void api_prescriber_candidates(struct request *req);
void api_prescriber_follow(struct request *req);
void api_prescriber_unfollow(struct request *req);
void api_candidate_follower_invite(struct request *req);
void api_candidate_follower_accept(struct request *req);
void api_candidate_follower_remove(struct request *req);

/* poles.c: the resource poles, the preliminary diagnoses of dossiers, the resources library, the vivier. */
void api_poles(struct request *req);
void api_pole(struct request *req);
void api_pole_update(struct request *req);
void api_dossier_diagnoses(struct request *req);
void api_dossier_diagnosis_create(struct request *req);
void api_diagnosis(struct request *req);
void api_diagnosis_update(struct request *req);
void api_resources(struct request *req);
void api_resource(struct request *req);
void api_resource_create(struct request *req);
void api_partners(struct request *req);
void api_partner(struct request *req);
void api_partner_create(struct request *req);
void api_partner_update(struct request *req);
void api_partner_suggest(struct request *req);

/* training.c: paths and their modules, training sessions, registrations, attendance, training organisations,
 * tutors. */
void api_contract_path(struct request *req);
void api_contract_path_template(struct request *req);
void api_path_module_create(struct request *req);
void api_path_module(struct request *req);
void api_path_module_update(struct request *req);
void api_path_module_remove(struct request *req);
void api_path_module_act(struct request *req);
void api_training_orgs(struct request *req);
void api_training_org(struct request *req);
void api_training_org_update(struct request *req);
void api_sessions(struct request *req);
void api_sessions_at_risk(struct request *req);
void api_session_create(struct request *req);
void api_session(struct request *req);
void api_session_update(struct request *req);
void api_session_act(struct request *req);
void api_session_register(struct request *req);
void api_registration_act(struct request *req);
void api_session_attendance(struct request *req);
void api_session_attendance_record(struct request *req);
void api_tutors(struct request *req);
void api_tutor(struct request *req);

/* subsidies/subsidies.c: the SMIC table, aid rules, aid decisions and schedules, payment requests and orders, the
 * ledger, recoveries, bank details and budget envelopes (issue 12). */
void api_smic_list(struct request *req);
void api_smic_save(struct request *req);
void api_aid_rules(struct request *req);
void api_aid_rule(struct request *req);
void api_aid_rule_update(struct request *req);
void api_aid_decision_create(struct request *req);
void api_aid_decisions(struct request *req);
void api_aid_decision(struct request *req);
void api_aid_schedule_version(struct request *req);
void api_aid_decision_update(struct request *req);
void api_aid_period_add(struct request *req);
void api_aid_decision_end(struct request *req);
void api_aid_commitments_unmet(struct request *req);
void api_payreq_create(struct request *req);
void api_payreqs(struct request *req);
void api_payreq(struct request *req);
void api_payreq_act(struct request *req);
void api_payorder_create(struct request *req);
void api_payorders(struct request *req);
void api_payorder(struct request *req);
void api_payorder_paid(struct request *req);
void api_payorder_csv(struct request *req);
void api_payorder_xlsx(struct request *req);
void api_ledger(struct request *req);
void api_recoveries(struct request *req);
void api_recovery(struct request *req);
void api_recovery_act(struct request *req);
void api_bank_get(struct request *req);
void api_bank_set(struct request *req);
void api_payer_programme_add(struct request *req);
void api_envelopes(struct request *req);
void api_convention_create(struct request *req);
void api_conventions(struct request *req);
void api_convention(struct request *req);
void api_post_act(struct request *req);
void api_post_payreq_create(struct request *req);
void api_amendment_create(struct request *req);
void api_amendment(struct request *req);
void api_amendment_act(struct request *req);
void api_envelope_set(struct request *req);

/* api/privacy: every person's data and its erasure (GET /api/v1/me/data, /api/v1/me/erasure…). */
void api_me_data(struct request *req);
void api_me_erasure(struct request *req);
void api_me_erasure_request(struct request *req);
void api_me_erasure_confirm(struct request *req);

#endif
