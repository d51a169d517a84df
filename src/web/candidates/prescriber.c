/* The prescriber's pages (Mission locale, France Travail, Cap emploi): the candidates their organisation follows
 * (/prescripteur), following one by email, and a followed candidate's profile with the evaluation of each
 * programme's eligibility criteria and the form of a diagnosis. The domain decides who sees whom. */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/candidates/candidate.h"
#include "domain/candidates/eligibility.h"
#include "model/candidates/candidate.h"

static const struct field follow_field = { .name = "email",
	.label = "Adresse électronique du candidat",
	.hint =
	    "Celle de son compte tremplin : le candidat reçoit votre demande et vous le suivez quand il l'a acceptée.",
	.type = FT_EMAIL,
	.required = true,
	.max_len = 254 };
static const struct entity follow_entity = { "follow", "Suivre un candidat", &follow_field, 1 };

static void
prescriber_page(struct request *req, int status, const char *email)
{
	json_t *items = NULL, *values, *form, *it;
	size_t i;
	tr_err err = prescriber_followed(&req->ctx, &items);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(items, i, it)
	{
		json_int_t id = json_integer_value(json_object_get(it, "id"));
		const char *birth = json_string_value(json_object_get(it, "birth_date"));
		json_t *last = json_object_get(it, "last_diagnosis");
		int months = birth ? date_months_between(birth, date_iso(req->arena, req->ctx.now)) : -1;
		json_object_set_new(
		    it, "href", json_string(arena_printf(req->arena, "/prescripteur/candidats/%lld", (long long)id)));
		json_object_set_new(
		    it, "age_text", json_string(months >= 0 ? arena_printf(req->arena, "%d ans", months / 12) : "—"));
		json_object_set_new(it, "since_fr", json_string(date_fr_json(req, json_object_get(it, "since"))));
		if (json_is_object(last))
			json_object_set_new(last, "valid_until_fr",
			    json_string(web_day_fr(req, json_string_value(json_object_get(last, "valid_until")))));
	}
	values = json_pack("{s:s}", "email", email ? email : "");
	form = web_form(req, &follow_entity, values, "/prescripteur/suivre", "Suivre ce candidat", NULL, NULL);
	json_decref(values);
	web_page(req, status, "prescriber.html", req->ctx.errors.n ? "Erreur : candidats suivis" : "Candidats suivis",
	    json_pack("{s:o, s:o}", "items", items, "follow_form", form));
}

void
web_prescriber(struct request *req)
{
	prescriber_page(req, 200, NULL);
}

void
web_prescriber_follow(struct request *req)
{
	const char *email = req_form(req, "email");
	tr_err err = prescriber_follow(&req->ctx, email);

	if (err == TR_INVALID)
		prescriber_page(req, 422, email);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/prescripteur", "follow_requested");
}

void
web_prescriber_unfollow(struct request *req)
{
	tr_err err = prescriber_unfollow(&req->ctx, req->params[0]);

	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/prescripteur", "unfollowed");
}

/* The diagnosis form: the programme as a select of EVALUATIONS' programmes, the decision as radios. */
static json_t *
diagnosis_form(struct request *req, int64_t id, json_t *values, json_t *evaluations)
{
	const char *action = arena_printf(req->arena, "/prescripteur/candidats/%lld/eligibilite", (long long)id);
	json_t *form = web_form(req, &entity_diagnosis, values, action, "Enregistrer le diagnostic", NULL, NULL);
	json_t *fields = json_object_get(form, "fields"), *f, *e;
	size_t i, k;

	json_array_foreach(fields, i, f)
	{
		const char *name = json_string_value(json_object_get(f, "name"));
		if (strcmp(name, "programme_id") == 0) {
			json_t *opts = json_array();
			const char *current = json_string_value(json_object_get(f, "value"));
			json_array_foreach(evaluations, k, e)
			{
				const char *v = arena_printf(req->arena, "%lld",
				    (long long)json_integer_value(json_object_get(e, "programme_id")));
				json_array_append_new(opts, json_pack("{s:s, s:O, s:b}", "value", v, "label",
				                                json_object_get(e, "programme_name"), "selected",
				                                current && strcmp(current, v) == 0));
			}
			json_object_set_new(f, "options", opts);
			json_object_set_new(f, "is_text", json_false());
			json_object_set_new(f, "is_select", json_true());
		} else if (strcmp(name, "decision") == 0) {
			json_object_set_new(f, "is_select", json_false());
			json_object_set_new(f, "is_radio", json_true());
		}
	}
	return form;
}

static void
candidate_view(struct request *req, int status, json_t *values)
{
	int64_t id = req->params[0];
	json_t *p = NULL, *overview = NULL, *data, *ev, *diagnoses;
	size_t i;
	tr_err err = candidate_get(&req->ctx, id, &p);

	if (err == TR_OK)
		err = eligibility_overview(&req->ctx, id, NULL, &overview);
	if (err != TR_OK) {
		json_decref(p);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(overview, "evaluations"), i, ev) json_object_set_new(ev, "anchor",
	    json_string(arena_printf(
	        req->arena, "evaluation-%lld", (long long)json_integer_value(json_object_get(ev, "programme_id")))));
	diagnoses = json_object_get(overview, "diagnoses");
	web_diagnoses_fr(req, diagnoses);
	data = json_pack("{s:O, s:o, s:O, s:O, s:o, s:s, s:b, s:s}", "name", json_object_get(p, "name"), "rows",
	    web_candidate_rows(req, p), "evaluations", json_object_get(overview, "evaluations"), "diagnoses", diagnoses,
	    "diagnosis_form", diagnosis_form(req, id, values, json_object_get(overview, "evaluations")), "today_fr",
	    date_fr(req->arena, req->ctx.now), "has_cv", json_is_object(json_object_get(p, "cv")), "unfollow_action",
	    arena_printf(req->arena, "/prescripteur/candidats/%lld/ne-plus-suivre", (long long)id));
	if (json_is_true(json_object_get(data, "has_cv")))
		json_object_set_new(data, "cv_href",
		    json_string(arena_printf(req->arena, "/prescripteur/candidats/%lld/cv", (long long)id)));
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:O}]", "href", "/", "label", "Accueil", "href", "/prescripteur",
	        "label", "Candidats suivis", "label", json_object_get(p, "name")));
	web_page(req, status, "prescriber_candidate.html",
	    req->ctx.errors.n ? arena_printf(req->arena, "Erreur : %s", json_string_value(json_object_get(p, "name")))
	                      : json_string_value(json_object_get(p, "name")),
	    data);
	json_decref(overview);
	json_decref(p);
}

void
web_prescriber_candidate(struct request *req)
{
	candidate_view(req, 200, NULL);
}

void
web_prescriber_candidate_cv(struct request *req)
{
	web_candidate_cv_send(req, req->params[0]);
}

void
web_prescriber_diagnosis(struct request *req)
{
	json_t *in = req_form_object(req, &entity_diagnosis);
	int64_t id = 0;
	tr_err err = eligibility_record(&req->ctx, req->params[0], in, &id);

	if (err == TR_INVALID)
		candidate_view(req, 422, in);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req,
		    arena_printf(req->arena, "/prescripteur/candidats/%lld#diagnostics", (long long)req->params[0]),
		    "diagnosis_saved");
	json_decref(in);
}
