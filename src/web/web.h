/* The HTML side: what every page shares (service name, person, navigation, CSRF, flash), forms drawn
 * from the entity tables, and the page handlers of each area. */
#ifndef TR_WEB_WEB_H
#define TR_WEB_WEB_H

#include <jansson.h>

#include "http/request.h"
#include "model/accounts/role.h"
#include "model/kernel/entity.h"

struct workflow;

#define SERVICE_NAME "tremplin"
#define SERVICE_TAGLINE "Emplois aidés de la médiation numérique"
#define FLASH_COOKIE "tremplin_flash"

/* Sets what http asks of the HTML side (the error pages); called once at start, before the server runs. */
void web_start(void);

/* Renders the page TEMPLATE inside the layout with DATA (stolen; may be NULL), the title, the navigation
 * of the actor's roles and the CSRF token. */
void web_page(struct request *req, int status, const char *template, const char *title, json_t *data);

/* Adds to DATA what every page shows: service_name, service_tagline, user, nav, csrf, flash. */
void web_common(struct request *req, json_t *data);

/* The form object of form.html for entity E: one field object per field with VALUES (may be NULL) and the
 * request's field errors, the CSRF token, the error summary. Field names listed in SKIP (NULL-ended, may
 * be NULL) are left out. */
json_t *web_form(struct request *req, const struct entity *e, json_t *values, const char *action,
    const char *submit_label, const char *cancel_href, const char *const *skip);

/* A date in French ("24 novembre 2026 à 11 h 05") from a JSON integer of epoch seconds; "—" for null. */
const char *date_fr_json(struct request *req, json_t *epoch);

/* Adds to each API token of TOKENS (from apitoken_list) its dates in French and its revoke action
 * BASE/{id}/revoquer. */
void web_tokens_json(struct request *req, json_t *tokens, const char *base);

/* Members of the JSON objects the domain returns, for the pages: the string KEY of O or NULL; the same or "";
 * the integer (0 when absent). */
static inline const char *
web_opt_text(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static inline const char *
web_text(json_t *o, const char *key)
{
	const char *s = web_opt_text(o, key);

	return s ? s : "";
}

static inline json_int_t
web_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* FMT with each {key} replaced by member KEY of O (a string, or an integer in decimal; "" when absent), in the
 * arena: "Poste n° {seq} de la convention {convention_reference}". */
const char *web_fields(struct request *req, const char *fmt, json_t *o);

/* Queues a flash message shown on the next page (CODE from the table in web.c). */
void web_flash(struct request *req, const char *code);

/* Redirect after a successful form, with a flash message. */
void web_done(struct request *req, const char *location, const char *flash_code);

/* Two-factor authentication (web/accounts/second_factor.c): the second step of a sign-in, the enrolment, new
 * recovery codes, removal; web_second_factor_start registers the step-up page with http. */
void web_second_factor_form(struct request *req);
void web_second_factor(struct request *req);
void web_enrol_form(struct request *req);
void web_enrol(struct request *req);
void web_recovery_renew(struct request *req);
void web_second_factor_remove(struct request *req);
void web_second_factor_start(void);

/* A throttled form (TR_RATE_LIMITED): the domain's message on FIELD and the Retry-After header. */
void web_rate_limited(struct request *req, const char *field);

/* Redirect after a successful form, with flash CODE whose "{n}" is ID (the row's number). */
void web_done_id(struct request *req, const char *location, const char *flash_code, int64_t id);

/* Redirect after ACTION of WF on row ID, with that transition's success message (its "done" column). */
void web_done_action(
    struct request *req, const char *location, const struct workflow *wf, const char *action, int64_t id);

/* The flash cookie's CODE as its name ("saved", "wf.dossier.submit") and its number (*ID, 0: none). */
const char *web_flash_split(struct request *req, struct str code, int64_t *id);

/* The success message of flash NAME "wf.ENTITY.ACTION" on row ID, from the workflow's table; NULL otherwise. */
const char *web_flash_action(struct request *req, const char *name, int64_t id);

/* MESSAGE with its "{n}" replaced by ID. */
const char *web_flash_number(struct request *req, const char *message, int64_t id);

/* The confirmation step of an irreversible action, without JavaScript: when QUESTION is not NULL and the form does
 * not carry confirmed=1, draws the page asking it (HEADING: the action; the form's fields sent again unchanged, with
 * the confirmation; BACK: the way out without acting) and returns true; false: go on and act. */
bool web_confirm_first(struct request *req, const char *heading, const char *question, const char *back);

/* Whether R's "actions" (wf_actions) offer ACTION to its reader. */
bool web_action_offered(json_t *r, const char *action);

/* The confirmation step of ACTION of WF on row ID (web_confirm_first with the transition's question), when the
 * transition asks one and the reader may take it now (GET gives the row with its "actions"); an action the reader may
 * not take goes on to the domain, which refuses it. True when the page was drawn. */
bool web_confirm_action(struct request *req, const struct workflow *wf, const char *action,
    tr_err (*get)(struct ctx *, int64_t, json_t **), int64_t id, const char *back);

/* Pages. */
void web_home(struct request *req);

/* True when the reader of REQ may open PATH ("/pilotage/bilans?programme=1") as far as the route table says: a
 * route answers GET there and its roles hold one of the reader's (an anonymous visitor is sent to sign in, so
 * counts as yes). Pages ask it before drawing a link, so that no link ends on 403; what the scope tables decide
 * (404) the page's domain call says. */
bool web_may_open(struct request *req, const char *path);
void web_legal(struct request *req);   /* accessibility, legal notice, personal data, help, contact */
void web_robots(struct request *req);  /* GET /robots.txt */
void web_favicon(struct request *req); /* GET /favicon.ico: to DSFR's icon */

/* {publisher, publisher_address, director, host, host_address, contact_email, dpo, dpo_email,
 * accessibility_level, accessibility_date, accessibility_audit}: the [site] settings, for pages. A new reference to an
 * object shared between requests: never change it. */
json_t *web_site_json(struct request *req);
void web_login_form(struct request *req);
void web_login(struct request *req);
void web_logout(struct request *req);
void web_forgot_form(struct request *req);
void web_forgot(struct request *req);
void web_link_form(struct request *req);
void web_link_set(struct request *req);
void web_confirm_form(struct request *req);
void web_confirm(struct request *req);
void web_account(struct request *req);
void web_account_password(struct request *req);
void web_account_token_create(struct request *req);
void web_account_token_revoke(struct request *req);
void web_admin_home(struct request *req);
void web_admin_people(struct request *req);
void web_admin_person_new_form(struct request *req);
void web_admin_person_new(struct request *req);
void web_admin_person(struct request *req);
void web_admin_person_update(struct request *req);
void web_admin_person_invite(struct request *req);
void web_admin_membership_add(struct request *req);
void web_admin_membership_remove(struct request *req);
void web_admin_token_revoke(struct request *req);
void web_admin_orgs(struct request *req);
void web_admin_org_new_form(struct request *req);
void web_admin_org_new(struct request *req);
void web_admin_org(struct request *req);
void web_admin_org_update(struct request *req);
void web_admin_journal(struct request *req);
/* place_edit.c: the import page, the form of a place (edit, create), the likely duplicates. */
void web_place_import_form(struct request *req);
void web_place_import(struct request *req);
void web_place_network_add(struct request *req);
void web_place_edit_form(struct request *req);
void web_place_edit(struct request *req);
void web_place_new_form(struct request *req);
void web_place_new(struct request *req);
void web_admin_duplicates(struct request *req);
void web_admin_duplicate_decide(struct request *req);
/* steering/: the dashboard and each figure's exports, the annual reports, the open data. */
void web_steering(struct request *req);
void web_steering_csv(struct request *req);
void web_steering_xlsx(struct request *req);
void web_steering_reports(struct request *req);
void web_steering_report_new(struct request *req);
void web_steering_report_pdf(struct request *req);
void web_opendata(struct request *req);
void web_opendata_file(struct request *req);
void web_places(struct request *req);
void web_place(struct request *req);
/* programme.c: the programmes (public), their forms and the job profiles' (national officers, admins). */
void web_programmes(struct request *req);
void web_programme(struct request *req);
void web_programme_new_form(struct request *req);
void web_programme_new(struct request *req);
void web_programme_edit_form(struct request *req);
void web_programme_edit(struct request *req);
void web_job_profile_new_form(struct request *req);
void web_job_profile_new(struct request *req);
void web_job_profile_edit_form(struct request *req);
void web_job_profile_edit(struct request *req);
void web_job_profile_remove(struct request *req);
/* dossier.c: the lists and their exports, the Annex I form, one dossier, its actions and messages, the PDF. */
void web_dossiers(struct request *req);
void web_dossiers_csv(struct request *req);
void web_dossiers_xlsx(struct request *req);
void web_dossier_new_form(struct request *req);
void web_dossier_new(struct request *req);
void web_dossier(struct request *req);
void web_dossier_edit_form(struct request *req);
void web_dossier_edit(struct request *req);
void web_dossier_act(struct request *req);
void web_dossier_message(struct request *req);
void web_dossier_pdf(struct request *req);
/* Shared by programme.c and dossier.c: the non-empty lines of TEXT (NULL: none) as a JSON array of strings;
 * a date "YYYY-MM-DD" in French ("14 septembre 2013"; as written when it is not a date; "" for NULL). */
json_t *web_lines(const char *text);
const char *web_day_fr(struct request *req, const char *ymd);

/* offer.c: the job board and its Atom feed, one offer, the structure's offers (publish, edit, close, reopen),
 * the candidates matched to an offer, the offers suggested to a candidate. */
void web_offers(struct request *req);
void web_offers_feed(struct request *req);

/* kernel/notifications.c: the reader's notifications, and marking them read. */
void web_notifications(struct request *req);
void web_notifications_read(struct request *req);

/* kernel/witness.c: the journal's published heads, as Atom and one text file a day (public). */
void web_journal_feed(struct request *req);
void web_journal_head(struct request *req);
void web_offer(struct request *req);
void web_offer_new_form(struct request *req);
void web_offer_new(struct request *req);
void web_offer_edit_form(struct request *req);
void web_offer_edit(struct request *req);
void web_offer_close(struct request *req);
void web_offer_reopen(struct request *req);
void web_offer_candidates(struct request *req);
void web_structure_offers(struct request *req);
void web_candidate_offers(struct request *req);

void web_programme_region_target(struct request *req);
/* skills.c: a contract's skills grid, its CSV, all grids in scope, the competences. */
void web_skills_grid(struct request *req);
void web_skills_assess(struct request *req);
void web_skills_grid_csv(struct request *req);
void web_skills_all_csv(struct request *req);
void web_competences(struct request *req);
void web_competence_create(struct request *req);

/* candidate.c: self-registration, the candidate's own profile (form, CV, data, account deletion); shared with
 * prescriber.c: a profile (candidate_get) as [{label, value}] rows, diagnoses (eligibility_diagnoses) with their
 * French texts, and the answer of candidate ID's CV as a PDF download. */
void web_candidate_register_form(struct request *req);
void web_candidate_register(struct request *req);
void web_candidate(struct request *req);
void web_candidate_save(struct request *req);
void web_candidate_cv_upload(struct request *req);
void web_candidate_cv(struct request *req);
void web_candidate_delete(struct request *req);
void web_candidate_follower_accept(struct request *req);
void web_candidate_follower_remove(struct request *req);
json_t *web_candidate_rows(struct request *req, json_t *profile);
void web_diagnoses_fr(struct request *req, json_t *diagnoses);
void web_candidate_cv_send(struct request *req, int64_t id);
/* GET /candidatures/{id}/cv: the CV of the application's candidate, as their consent allows the reader. */
void web_application_cv(struct request *req);
/* prescriber.c: the candidates a prescriber's organisation follows, one candidate, the eligibility diagnosis. */
void web_prescriber(struct request *req);
void web_prescriber_follow(struct request *req);
void web_prescriber_unfollow(struct request *req);
void web_prescriber_candidate(struct request *req);
void web_prescriber_candidate_cv(struct request *req);
void web_prescriber_diagnosis(struct request *req);
/* pole.c: the resource poles, the preliminary diagnoses of dossiers, the resources library, the vivier. */
void web_poles(struct request *req);
void web_pole(struct request *req);
void web_pole_edit_form(struct request *req);
void web_pole_edit(struct request *req);
void web_pole_diagnosis(struct request *req);
void web_pole_diagnosis_save(struct request *req);
void web_resources(struct request *req);
void web_resource_new_form(struct request *req);
void web_resource_new(struct request *req);
void web_resource_file(struct request *req);
void web_partners(struct request *req);
void web_partner_new_form(struct request *req);
void web_partner_new(struct request *req);
void web_partner_edit_form(struct request *req);
void web_partner_edit(struct request *req);
/* Adds to DATA (the dossier page's) "diagnoses", the block of templates/pole_diagnoses.html, when dossier
 * DOSSIER_ID has preliminary diagnoses or the reader may record one; nothing otherwise. */
void web_pole_diagnoses_block(struct request *req, int64_t dossier_id, json_t *data);
/* application.c: applying to an offer, proposing a contact, the applications and their actions. */
void web_application_new_form(struct request *req);
void web_application_new(struct request *req);
void web_application_propose(struct request *req);
void web_applications(struct request *req);
/* contract.c: the contracts and their actions. */
void web_contracts(struct request *req);
/* web.c, for the workflow pages (applications, contracts): a field object's kind (is_text, is_select…)
 * and an option of it; the version a form sent (0 when none); the fields a form sent but csrf and version, as
 * strings (a new object); the fields of entity E for the action form PREFIX (ids "PREFIX-name"; the request's
 * errors only when FAILED; OPTIONAL drops the asterisks); the request's errors as the summary of form FAILED
 * (NULL: none) whose fields are E's (the errors on other fields, joined, in *OTHERS, NULL when none); the timeline of journal ENTRIES (newest first, as journal_list) oldest first, [{when, who, what,
 * change}], with STATES naming the states and LABEL the actions (NULL: the action's code). */
void web_field_kind(json_t *f, const char *kind);

/* The DSFR badge class of lifecycle row R's state, from the tone the domain set ("state_tone", wf_decorate):
 * "fr-badge--success"…, or "" for a neutral state. */
const char *web_badge(struct request *req, json_t *r);
void web_field_option(json_t *f, const char *value, const char *label, bool selected);

/* kernel/pickers.c. Resolves, in IN (a form read for entity E), each FT_COMMUNE field holding a name ("Crest",
 * "Crest (26)") to its INSEE code, and each FT_PLACE field holding a place's name ("Atelier", "Atelier — Crest")
 * to its id, when one fits; otherwise adds a field error saying that none or several fit (the page then offers the
 * matches) and returns false. Codes, ids and empty values are left as they are. */
bool web_pickers_resolve(struct request *req, const struct entity *e, json_t *in);

/* Completes field object O of F (FT_COMMUNE, FT_PLACE, FT_REGION or FT_REGIONS) whose value is VAL: a commune's
 * name and département instead of its code, a place's « Nom — Commune » instead of its id, the matches of a name
 * that did not resolve (choices), the datalist (for places: the reader's own places, as suggestions); the régions
 * as a select's options, or as a checkbox group for FT_REGIONS. */
void web_picker_field(struct request *req, const struct field *f, json_t *o, const char *val);
int64_t web_form_version(struct request *req);

/* The options of a select over the reference data, each {value, label, selected}: the régions labelled by name
 * (WEB_REF_REGIONS) or "code — name" (WEB_REF_REGIONS_CODED), the départements "code — name"
 * (WEB_REF_DEPARTEMENTS_CODED). Built once for each version of the reference data and shared between requests
 * (never changed once built); *OUT is a new array of those shared options, the one whose value is SELECTED (NULL
 * for none) replaced by a copy marked selected. Storage errors as refsnap_acquire gives them. */
/* ITEM, an object shared between requests (never changed), for a request's array: a new reference to it when ON is
 * false, else a shallow copy with FLAG ("selected", "checked") set true. */
json_t *web_shared_marked(json_t *item, const char *flag, bool on);
enum web_ref_options { WEB_REF_REGIONS, WEB_REF_REGIONS_CODED, WEB_REF_DEPARTEMENTS_CODED, WEB_REF_OPTIONS };
TR_MUST_USE tr_err web_ref_options(struct request *req, enum web_ref_options which, const char *selected, json_t **out);

/* Answers the PDF a producer wrote into req->body with ERR: 200 application/pdf with the content-disposition
 * DISPOSITION (NULL: none, the caller adds it) and true; or the error page (the body emptied) and false. */
bool web_pdf(struct request *req, tr_err err, const char *disposition);
json_t *web_action_payload(struct request *req);
json_t *web_action_fields(
    struct request *req, const struct entity *e, const char *prefix, bool failed, json_t *values, bool optional);
json_t *web_action_summary(struct request *req, const char *failed, const struct entity *e, const char **others);
/* The timeline of journal ENTRIES of ENTITY (newest first, as journal_list gives them), oldest first: [{when, who, what,
 * change, note}] in French (domain/home/history.h): LABEL's sentence for an action when it has one, else the
 * history table's; the state's move; the fields an edit or an action set, with their values decoded. */
json_t *web_timeline(
    struct request *req, json_t *entries, const char *entity, const char *(*label)(const char *action));
/* The fields ENTRY (described by history_describe) set, as one French sentence ("" for a creation). */
const char *web_history_note(struct request *req, json_t *entry);

/* A filter of a list's search form (search_form.html), every key set: a select of OPTIONS ([{value, label,
 * selected}], stolen) with ALL its option for any, or with OPTIONS NULL an input of TYPE ("text", "search")
 * holding VALUE (NULL: ""); HINT may be NULL; COL its width out of 12 from md up. */
json_t *web_search_filter(const char *id, const char *label, const char *hint, int col, const char *type,
    const char *value, const char *all, json_t *options);

/* The header of a list's table: [{label}] of E's FF_LISTED fields, in the table's order. */
json_t *web_list_columns(const struct entity *e);

/* lifecycle.c: the page of a lifecycle's record and the POST of its actions, declared per page. */
struct web_lifecycle {
	const struct workflow *wf; /* its transitions give the actions' payloads, its states the timeline's words */
	const char *path;          /* the list, and the record's page below it: "/contrats" (then "/contrats/12") */
	const char *list_label;    /* the breadcrumb's name of the list: "Contrats" */
	const char *created_path;  /* where an action that created a row leads (with its id): "/contrats" */
	const char *template;
	const char *conflict_note; /* French: what the page shows after a refused action (conflict.html) */
	tr_err (*get)(struct ctx *ctx, int64_t id, json_t **out);
	tr_err (*act)(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
	    int64_t *new_version, int64_t *new_id);
	const char *(*journal_label)(const char *action); /* the timeline's words for an action (NULL: its code) */
	/* Adds the page's own members for record R to DATA; returns the heading (arena). LC is this declaration, so
	 * that pages alike share one FILL and tell themselves apart by PAGE. */
	const char *(*fill)(struct request *req, const struct web_lifecycle *lc, json_t *r, json_t *data);
	const void *page; /* the page's own declaration, read by its FILL (may be NULL) */
	/* The fields of action CODE's form when the page draws them itself (it may add members to FORM), or NULL for
	 * the payload's (web_action_fields). May be NULL. */
	json_t *(*action_fields)(
	    struct request *req, json_t *r, const char *code, bool failed, json_t *sent, json_t *form);
};

/* The page of record req->params[0]: STATUS, FAILED the action sent back with errors (SENT its values), CONFLICT
 * the message of an action refused. Members set for the template: heading, state_label, badge, actions (see
 * actions.html), timeline, errors_summary, conflict, breadcrumb, and FILL's. */
void web_lifecycle_page(struct request *req, const struct web_lifecycle *lc, int status, const char *failed,
    json_t *sent, const char *conflict);

/* POST of action req->sparams[0] on record req->params[0] with the form's version and fields: first the confirmation
 * step when the transition asks one (web_confirm_first); then to the row it created or back to the record, with the
 * transition's success message; the page again with 422 (the form's errors) or 409. */
void web_lifecycle_act(struct request *req, const struct web_lifecycle *lc);

/* The two handlers of every lifecycle page, its declaration the route's data (route.data): GET of the record, POST
 * of one of its actions. */
void web_lifecycle_get(struct request *req);
void web_lifecycle_post(struct request *req);

/* The declarations served by web_lifecycle_get and web_lifecycle_post (routes.c names them). */
extern const struct web_lifecycle web_application_page, web_contract_page, web_payreq_page, web_recovery_page,
    web_post_page, web_amendment_page;

/* The heading and lead of a list by the reader's role: rows tried in order, the first whose ROLE the reader
 * holds (and not UNLESS, when set) wins; the last row, of ROLE_NONE, is everyone else's. */
struct web_heading {
	enum role role, unless;
	const char *heading, *lead;
};
const struct web_heading *web_heading_for(struct request *req, const struct web_heading *rows);

/* Links to page PAGE of a list (in the arena): PATH?the current query, without page (nor per_page when PAGE is
 * 0) and empty values, percent-encoded, then page=PAGE when PAGE > 0; or PREFIX then page=PAGE. */
const char *web_query_href(struct request *req, const char *path, int64_t page);
const char *web_prefix_href(struct request *req, const char *prefix, int64_t page);

/* Sets INTO's "pager" (templates/common/pager.html: prev, next, page, pages) for page PAGE of PAGES, the links
 * from HREF(req, ARG, n); nothing on a single first page. */
void web_pager(struct request *req, json_t *into, int64_t page, int64_t pages,
    const char *(*href)(struct request *req, const char *arg, int64_t page), const char *arg);

/* training.c: training organisations, each contract's path and its modules, training sessions with their
 * registrations and attendance, the sessions at risk, the tutors' training record. */
void web_training_orgs(struct request *req);
void web_training_org_edit_form(struct request *req);
void web_training_org_edit(struct request *req);
void web_path(struct request *req);
void web_path_template(struct request *req);
void web_path_module_new_form(struct request *req);
void web_path_module_new(struct request *req);
void web_path_module(struct request *req);
void web_path_module_edit(struct request *req);
void web_path_module_remove(struct request *req);
void web_path_module_act(struct request *req);
void web_sessions(struct request *req);
void web_sessions_at_risk(struct request *req);
void web_session_new_form(struct request *req);
void web_session_new(struct request *req);
void web_session(struct request *req);
void web_session_edit_form(struct request *req);
void web_session_edit(struct request *req);
void web_session_act(struct request *req);
void web_session_register(struct request *req);
void web_registration_cancel(struct request *req);
void web_session_attendance(struct request *req);
void web_session_attendance_record(struct request *req);
void web_tutors(struct request *req);
void web_tutor(struct request *req);

/* subsidies/subsidies.c: aid decisions and their schedules, payment requests, recoveries, bank details, the SMIC
 * table and the aid rules (issue 12). */
void web_aid_decisions(struct request *req);
void web_aid_decision(struct request *req);
void web_payreq_create(struct request *req);
void web_payreqs(struct request *req);
void web_recoveries(struct request *req);
void web_conventions(struct request *req);
void web_convention(struct request *req);
void web_amendment_create(struct request *req);
void web_bank(struct request *req);
void web_bank_set(struct request *req);
void web_smic(struct request *req);

/* web/privacy: every person's data (/mes-donnees), erasure, and the register of /donnees-personnelles. */
void web_my_data(struct request *req);
void web_my_data_json(struct request *req);
void web_erasure_request(struct request *req);
void web_erasure_confirm(struct request *req);
/* The register of processing activities: {rules: [{name, what, after, action, why, basis}], refusals: [{code,
 * reason, basis}]}, from domain/privacy's tables. The caller owns it. */
json_t *web_register_json(void);

#endif
