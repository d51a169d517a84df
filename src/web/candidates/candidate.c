/* The candidate's pages: self-registration (/inscription-candidat), their own profile (/candidat) with its CV,
 * the prescribers following them, their eligibility diagnoses, the download of their data and the deletion
 * of their account. */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/candidates/candidate.h"
#include "domain/candidates/eligibility.h"
#include "domain/privacy/privacy.h"
#include "domain/geo/refdata.h"
#include "domain/accounts/session.h"
#include "domain/sso/sso.h"
#include "model/candidates/candidate.h"

/* ---- shared with prescriber.c ---------------------------------------------------------------------------- */

static json_t *
row(const char *label, const char *value)
{
	return json_pack("{s:s, s:s}", "label", label, "value", value);
}

static const char *
text_or(json_t *o, const char *key, const char *none)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : none;
}

static const char *
yes_no(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key)) ? "Oui" : "Non";
}

json_t *
web_candidate_rows(struct request *req, json_t *p)
{
	json_t *rows = json_array(), *t;
	const char *birth = text_or(p, "birth_date", NULL), *seeking = text_or(p, "seeking_since", NULL),
	           *avail = text_or(p, "available_from", NULL), *titles = "";
	size_t i;

	json_array_append_new(rows, row("Adresse électronique", text_or(p, "email", "")));
	json_array_append_new(rows,
	    row("Date de naissance", birth ? (json_is_integer(json_object_get(p, "age"))
	                                             ? arena_printf(req->arena, "%s (%lld ans)", web_day_fr(req, birth),
	                                                   (long long)json_integer_value(json_object_get(p, "age")))
	                                             : web_day_fr(req, birth))
	                                   : "Non renseignée"));
	json_array_append_new(
	    rows, row("Commune de résidence", json_is_string(json_object_get(p, "commune_name"))
	                                          ? arena_printf(req->arena, "%s (%s)", text_or(p, "commune_name", ""),
	                                                text_or(p, "commune_code", ""))
	                                          : text_or(p, "commune_code", "Non renseignée")));
	json_array_append_new(rows, row("Niveau de qualification", text_or(p, "qualification_label", "Non renseigné")));
	json_array_append_new(rows, row("Diplômé de la médiation numérique", yes_no(p, "digital_diploma")));
	json_array_append_new(rows, row("Reconnaissance de travailleur handicapé (RQTH)", yes_no(p, "rqth")));
	json_array_append_new(rows,
	    row("En recherche d'emploi depuis le", seeking ? web_day_fr(req, seeking) : "Pas en recherche d'emploi"));
	json_array_append_new(
	    rows, row("Zone prioritaire déclarée", text_or(p, "priority_area_label", "Non renseignée")));
	json_array_append_new(rows, row("Distance maximale de déplacement",
	                                arena_printf(req->arena, "%lld km",
	                                    (long long)json_integer_value(json_object_get(p, "max_distance_km")))));
	json_array_append_new(rows, row("Disponible à partir du", avail ? web_day_fr(req, avail) : "Non renseigné"));
	json_array_foreach(json_object_get(p, "wished_profile_titles"), i, t) titles =
	    arena_printf(req->arena, "%s%s%s", titles, i ? " ; " : "", text_or(t, "title", ""));
	json_array_append_new(rows, row("Métiers souhaités", *titles ? titles : "Aucun"));
	json_array_append_new(rows, row("Visible dans les mises en relation",
	                                json_is_true(json_object_get(p, "hidden")) ? "Non : profil masqué" : "Oui"));
	return rows;
}

void
web_diagnoses_fr(struct request *req, json_t *diagnoses)
{
	size_t i;
	json_t *d;

	json_array_foreach(diagnoses, i, d)
	{
		json_object_set_new(d, "decided_on_fr", json_string(web_day_fr(req, text_or(d, "decided_on", NULL))));
		json_object_set_new(d, "valid_until_fr", json_string(web_day_fr(req, text_or(d, "valid_until", NULL))));
		json_object_set_new(d, "comment_text", json_string(text_or(d, "comment", "")));
		json_object_set_new(d, "by",
		    json_string(arena_printf(req->arena, "%s%s%s", text_or(d, "prescriber_name", ""),
		        json_is_string(json_object_get(d, "prescriber_name")) ? ", " : "",
		        text_or(d, "organisation_name", ""))));
	}
}

/* ---- the profile form ------------------------------------------------------------------------------------ */

/* True when the JSON array IDS holds the integer ID, or its text. */
static bool
has_id(json_t *ids, json_int_t id)
{
	size_t i;
	json_t *x;

	json_array_foreach(ids, i, x)
	{
		if (json_is_integer(x) && json_integer_value(x) == id)
			return true;
		if (json_is_string(x)) {
			long long n;
			if (str_to_i64(str_c(json_string_value(x)), &n) && n == id)
				return true;
		}
	}
	return false;
}

/* The groups of the wished-profiles checkbox group, by programme, with the ids of SELECTED checked. */
static json_t *
wished_groups(struct request *req, json_t *selected)
{
	json_t *groups = NULL, *g, *p;
	size_t i, k;

	if (candidate_job_profiles(&req->ctx, &groups) != TR_OK)
		return json_array();
	json_array_foreach(groups, i, g)
	{
		json_object_set_new(g, "legend_id",
		    json_string(arena_printf(req->arena, "metiers-dispositif-%lld",
		        (long long)json_integer_value(json_object_get(g, "programme_id")))));
		json_array_foreach(json_object_get(g, "profiles"), k, p)
		{
			json_int_t id = json_integer_value(json_object_get(p, "id"));
			json_object_set_new(p, "input_id",
			    json_string(arena_printf(req->arena, "wished_profiles-%lld", (long long)id)));
			json_object_set_new(p, "checked", json_boolean(has_id(selected, id)));
		}
	}
	return groups;
}

/* The wished profiles of the submitted form, as a JSON array of strings. */
static json_t *
form_wished(struct request *req)
{
	struct str vals[64];
	size_t n = form_get_all(&req->form, "wished_profiles", vals, 64);
	json_t *a = json_array();

	for (size_t i = 0; i < n && i < 64; i++)
		json_array_append_new(a, json_stringn(vals[i].p, vals[i].n));
	if (n > 64)
		json_array_append_new(a, json_string("trop"));
	return a;
}

/* The profile part of a submitted form: entity_candidate's fields and the wished profiles. */
static json_t *
form_profile(struct request *req)
{
	json_t *in = req_form_object(req, &entity_candidate);

	web_pickers_resolve(req, &entity_candidate, in);
	json_object_set_new(in, "wished_profiles", form_wished(req));
	return in;
}

/* Adds to DATA the profile part of the form (profile_fields, wished_groups, wished_error). */
static void
profile_form(struct request *req, json_t *data, json_t *values, json_t *wished, const char *action)
{
	json_t *defaults =
	    json_pack("{s:i, s:s}", "max_distance_km", CANDIDATE_DISTANCE_DEFAULT, "priority_area", "none");
	json_t *form = web_form(req, &entity_candidate, values ? values : defaults, action, "", NULL, NULL);
	const char *err = field_errors_get(&req->ctx.errors, "wished_profiles");

	json_object_set(data, "profile_fields", json_object_get(form, "fields"));
	json_object_set(data, "errors_summary", json_object_get(form, "errors_summary"));
	json_decref(form);
	json_decref(defaults);
	json_object_set_new(data, "wished_groups", wished_groups(req, wished));
	json_object_set_new(data, "wished_error", json_string(err ? err : ""));
}

/* ---- registration ---------------------------------------------------------------------------------------- */

static void
register_page(struct request *req, int status, json_t *values, json_t *wished)
{
	json_t *data = json_object(), *account, *password;

	account = web_form(req, &entity_candidate_account, values, "/inscription-candidat", "", NULL, NULL);
	password = web_form(req, &entity_candidate_password, NULL, "/inscription-candidat", "", NULL, NULL);
	json_object_set(data, "account_fields", json_object_get(account, "fields"));
	json_object_set(data, "password_fields", json_object_get(password, "fields"));
	json_decref(account);
	json_decref(password);
	profile_form(req, data, values, wished, "/inscription-candidat");
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "label", "Créer mon compte candidat"));
	web_page(req, status, "candidate_register.html",
	    req->ctx.errors.n ? "Erreur : créer mon compte candidat" : "Créer mon compte candidat", data);
}

void
web_candidate_register_form(struct request *req)
{
	if (req->ctx.actor != NULL) {
		resp_redirect(req, 303, "/candidat");
		return;
	}
	register_page(req, 200, NULL, NULL);
}

void
web_candidate_register(struct request *req)
{
	json_t *in = form_profile(req);
	const char *email = req_form(req, "email"), *password = req_form(req, "password");
	int64_t id = 0;
	tr_err err;

	json_object_set_new(in, "email", json_string(email ? email : ""));
	json_object_set_new(in, "name", json_string(req_form(req, "name") ? req_form(req, "name") : ""));
	json_object_set_new(in, "password", json_string(password ? password : ""));
	json_object_set_new(in, "password_confirm",
	    json_string(req_form(req, "password_confirm") ? req_form(req, "password_confirm") : ""));
	err = candidate_register(&req->ctx, in, &id);
	if (err == TR_INVALID) {
		json_object_del(in, "password");
		json_object_del(in, "password_confirm");
		register_page(req, 422, in, json_object_get(in, "wished_profiles"));
		json_decref(in);
		return;
	}
	json_decref(in);
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	if (req->ctx.actor != NULL) { /* an admin registering someone */
		web_done(req, "/", "candidate_created");
		return;
	}
	/* The same page whether or not the address had an account: the rest goes by email. */
	web_page(req, 200, "confirm.html", "Vérifiez votre messagerie",
	    json_pack("{s:b, s:s}", "sent", true, "email", email ? email : ""));
}

/* ---- the candidate's page -------------------------------------------------------------------------------- */

/* The page /candidat with STATUS; VALUES and WISHED (may be NULL) re-fill the profile form after an error. */
/* The candidate's followers for the page: the requests waiting (with accept and decline), the accepted ones
 * (with remove); declined ones are not shown. */
static json_t *
followers_json(struct request *req, json_t *followers)
{
	json_t *out = json_array(), *f;
	size_t i;

	json_array_foreach(followers, i, f)
	{
		const char *state = json_string_value(json_object_get(f, "state"));
		long long org = (long long)json_integer_value(json_object_get(f, "organisation_id"));
		if (state == NULL || strcmp(state, "declined") == 0)
			continue;
		json_array_append_new(
		    out, json_pack("{s:O, s:b, s:s, s:s}", "organisation_name", json_object_get(f, "organisation_name"),
		             "requested", strcmp(state, "requested") == 0, "accept_action",
		             arena_printf(req->arena, "/candidat/suivis/%lld/accepter", org), "remove_action",
		             arena_printf(req->arena, "/candidat/suivis/%lld/retirer", org)));
	}
	return out;
}

/* The identity a provider certified, into DATA's "identity", with the form's birth date and sex made read-only and
 * showing the certified values (the domain keeps them whatever is sent). */
static tr_err
identity_json(struct request *req, json_t *data)
{
	json_t *id = NULL, *f;
	const char *gender, *sex;
	size_t i;
	tr_err err = sso_identity(&req->ctx, req->ctx.actor->person_id, &id);

	if (err != TR_OK || id == NULL)
		return err;
	gender = json_string_value(json_object_get(id, "gender"));
	sex = gender && strcmp(gender, "female") == 0 ? "F" : gender && strcmp(gender, "male") == 0 ? "M" : NULL;
	json_object_set_new(id, "provider_label", json_string("FranceConnect"));
	json_object_set_new(
	    id, "gender", json_string(sex ? strcmp(sex, "F") == 0 ? "Femme" : "Homme" : "Non communiqué"));
	json_array_foreach(json_object_get(data, "profile_fields"), i, f)
	{
		const char *name = json_string_value(json_object_get(f, "name"));
		if (strcmp(name, "birth_date") == 0 && json_is_string(json_object_get(id, "birthdate"))) {
			json_object_set_new(f, "readonly", json_true());
			json_object_set(f, "value", json_object_get(id, "birthdate"));
			json_object_set_new(f, "hint", json_string("Certifiée par FranceConnect."));
		} else if (strcmp(name, "sex") == 0 && sex != NULL) {
			json_t *o;
			size_t k;
			json_object_set_new(f, "readonly", json_true());
			json_object_set_new(f, "hint", json_string("Certifié par FranceConnect."));
			json_array_foreach(json_object_get(f, "options"), k, o) json_object_set_new(o, "selected",
			    json_boolean(strcmp(json_string_value(json_object_get(o, "value")), sex) == 0));
		}
	}
	json_object_set_new(data, "identity", id);
	return TR_OK;
}

static void
candidate_page(struct request *req, int status, json_t *values, json_t *wished)
{
	int64_t me = req->ctx.actor->person_id;
	json_t *p = NULL, *diagnoses = NULL, *data = json_object(), *cv;
	tr_err err = candidate_get(&req->ctx, me, &p);

	if (err == TR_NOT_FOUND) {
		req->ctx.message = NULL;
		p = NULL;
	} else if (err != TR_OK) {
		json_decref(data);
		resp_error(req, err, NULL);
		return;
	}
	if (p != NULL && (err = eligibility_diagnoses(&req->ctx, me, &diagnoses)) != TR_OK) {
		json_decref(p);
		json_decref(data);
		resp_error(req, err, NULL);
		return;
	}
	profile_form(
	    req, data, values ? values : p, wished ? wished : json_object_get(p, "wished_profiles"), "/candidat");
	if ((err = identity_json(req, data)) != TR_OK) {
		json_decref(p);
		json_decref(data);
		resp_error(req, err, NULL);
		return;
	}
	json_object_set_new(data, "version", json_integer(p ? json_integer_value(json_object_get(p, "version")) : 0));
	json_object_set_new(data, "has_profile", json_boolean(p != NULL));
	if (status == 409)
		json_object_set_new(data, "conflict", json_string(req->ctx.message ? req->ctx.message : ""));
	json_object_set_new(data, "name", json_string(req->ctx.actor->name));
	if (p != NULL) {
		json_object_set_new(data, "rows", web_candidate_rows(req, p));
		cv = json_object_get(p, "cv");
		if (json_is_object(cv))
			json_object_set_new(data, "cv",
			    json_pack("{s:s, s:s}", "name", text_or(cv, "name", "cv.pdf"), "size",
			        arena_printf(req->arena, "%.1f Mo",
			            (double)json_integer_value(json_object_get(cv, "size")) / (1024.0 * 1024.0))));
		json_object_set_new(data, "followers", followers_json(req, json_object_get(p, "followers")));
		web_diagnoses_fr(req, diagnoses);
		json_object_set_new(data, "diagnoses", diagnoses);
	}
	{
		const char *e = field_errors_get(&req->ctx.errors, "cv"),
		           *c = field_errors_get(&req->ctx.errors, "confirm");
		json_object_set_new(data, "cv_error", json_string(e ? e : ""));
		json_object_set_new(data, "confirm_error", json_string(c ? c : ""));
	}
	json_decref(p);
	web_page(req, status, "candidate.html", req->ctx.errors.n ? "Erreur : mon profil" : "Mon profil", data);
}

void
web_candidate_follower_accept(struct request *req)
{
	tr_err err = candidate_follower_accept(&req->ctx, req->ctx.actor->person_id, req->params[0]);

	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/candidat#prescripteurs", "follower_accepted");
}

void
web_candidate_follower_remove(struct request *req)
{
	tr_err err = candidate_follower_remove(&req->ctx, req->ctx.actor->person_id, req->params[0]);

	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/candidat#prescripteurs", "follower_removed");
}

void
web_candidate(struct request *req)
{
	candidate_page(req, 200, NULL, NULL);
}

void
web_candidate_save(struct request *req)
{
	json_t *in = form_profile(req);
	struct str v = form_get(&req->form, "version");
	long long version = 0;
	tr_err err;

	if (v.p != NULL && !str_to_i64(v, &version))
		version = -1;
	err = candidate_save(&req->ctx, req->ctx.actor->person_id, version, in);
	if (err == TR_INVALID || err == TR_CONFLICT) {
		candidate_page(req, err == TR_CONFLICT ? 409 : 422, in, json_object_get(in, "wished_profiles"));
	} else if (err != TR_OK) {
		resp_error(req, err, NULL);
	} else {
		web_done(req, "/candidat", "profile_saved");
	}
	json_decref(in);
}

void
web_candidate_cv_upload(struct request *req)
{
	const struct form_field *f = form_file(&req->form, "cv");
	tr_err err;

	err = candidate_cv_put(&req->ctx, req->ctx.actor->person_id, f ? arena_str(req->arena, f->filename) : NULL,
	    f ? f->value.p : "", f ? f->value.n : 0);
	if (err == TR_INVALID)
		candidate_page(req, 422, NULL, NULL);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/candidat#mon-cv", "cv_saved");
}

/* Answers the CV of candidate ID as a PDF download. */
void
web_candidate_cv_send(struct request *req, int64_t id)
{
	const char *name;
	struct str data;
	tr_err err = candidate_cv_get(&req->ctx, id, &name, &data);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	buf_reset(&req->body);
	if (buf_append(&req->body, data.p, data.n) != TR_OK) {
		resp_error(req, TR_TOO_LARGE, NULL);
		return;
	}
	req->status = 200;
	req->content_type_out = "application/pdf";
	resp_header(req, "content-disposition",
	    arena_printf(req->arena, "attachment; filename=\"cv-%lld.pdf\"", (long long)id));
}

void
web_candidate_cv(struct request *req)
{
	web_candidate_cv_send(req, req->ctx.actor->person_id);
}

void
web_candidate_delete(struct request *req)
{
	tr_err err;

	if (req_form(req, "confirm") == NULL) {
		field_errors_add(&req->ctx.errors, "confirm",
		    "« Je demande la suppression de mon compte » : cochez cette case pour confirmer.");
		candidate_page(req, 422, NULL, NULL);
		return;
	}
	err = privacy_erase_now(&req->ctx, req->ctx.actor->person_id);
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	resp_cookie(req, SESSION_COOKIE, "", -1);
	web_done(req, "/", "account_deleted");
}
