/* /api/v1/poles, /api/v1/dossiers/{id}/diagnoses, /api/v1/diagnoses, /api/v1/resources and /api/v1/partners: the
 * resource poles, their preliminary diagnoses, their library (documents sent as multipart/form-data, links as
 * JSON) and the vivier of partner companies. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/poles/partner.h"
#include "domain/poles/pole.h"
#include "domain/poles/resource.h"
#include "model/poles/pole.h"

/* Query parameter NAME as a positive integer, 0 when absent or not one. */
static int64_t
query_id(struct request *req, const char *name)
{
	struct str v = form_get(&req->query, name);
	long long n = 0;

	return v.p != NULL && str_to_i64(v, &n) && n > 0 ? n : 0;
}

/* ---- poles ---- */

void
api_poles(struct request *req)
{
	api_list(req, pole_list);
}

void
api_pole(struct request *req)
{
	api_get(req, pole_get);
}

void
api_pole_update(struct request *req)
{
	api_patch(req, pole_read, pole_update, pole_get);
}

/* ---- diagnoses ---- */

void
api_dossier_diagnoses(struct request *req)
{
	api_get(req, pole_diagnoses_of_dossier);
}

void
api_dossier_diagnosis_create(struct request *req)
{
	api_create_in(req, pole_diagnosis_create, pole_diagnosis_get, "/api/v1/diagnoses");
}

void
api_diagnosis(struct request *req)
{
	api_get(req, pole_diagnosis_get);
}

void
api_diagnosis_update(struct request *req)
{
	api_patch(req, pole_diagnosis_get, pole_diagnosis_update, pole_diagnosis_get);
}

/* ---- resources ---- */

void
api_resources(struct request *req)
{
	struct resource_filter f = { .q = req_query(req, "q"),
		.tag = req_query(req, "tag"),
		.pole_id = query_id(req, "pole_id"),
		.page = query_id(req, "page"),
		.per_page = query_id(req, "per_page") };
	json_t *out = NULL;
	tr_err err = resource_list(&req->ctx, &f, &out);

	api_reply(req, err, 200, out);
}

void
api_resource(struct request *req)
{
	api_get(req, resource_get);
}

/* A link as JSON, or a document as multipart/form-data: the fields of entity_resource and the part "file". */
void
api_resource_create(struct request *req)
{
	struct resource_upload up = { 0 };
	json_t *in, *out = NULL;
	int64_t id = 0;
	tr_err err;

	if (req->json != NULL) {
		if ((in = api_body(req)) == NULL)
			return;
		json_incref(in);
	} else if (str_starts(req->content_type, STR("multipart/form-data"))) {
		const struct form_field *file = form_file(&req->form, "file");
		in = req_form_object(req, &entity_resource);
		if (file != NULL && file->value.n > 0)
			up = (struct resource_upload){ file->value.p, file->value.n,
				arena_str(req->arena, file->filename) };
	} else {
		resp_problem(req, 415, "Type de contenu non accepté",
		    "Envoyez un lien en JSON (application/json) ou un document en multipart/form-data (partie « file "
		    "»).");
		return;
	}
	err = resource_create(&req->ctx, in, up.size ? &up : NULL, &id);
	json_decref(in);
	if (err == TR_OK)
		err = resource_get(&req->ctx, id, &out);
	if (err == TR_OK)
		resp_header(req, "location", arena_printf(req->arena, "/api/v1/resources/%lld", (long long)id));
	api_reply(req, err, 201, out);
}

/* ---- partners ---- */

static const struct api_param partner_params[] = {
	API_PARAM(struct partner_filter, region, AP_REGION),
	API_PARAM(struct partner_filter, departement, AP_TEXT),
	API_PARAM(struct partner_filter, commune, AP_TEXT),
	API_PARAM(struct partner_filter, q, AP_TEXT),
	API_PARAM(struct partner_filter, programme_id, AP_ID),
	API_PARAM(struct partner_filter, job_profile_id, AP_ID),
	API_PARAM(struct partner_filter, page, AP_ID, .max = 100000),
	API_PARAM(struct partner_filter, per_page, AP_ID, .max = 200),
};

static tr_err
run_partners(struct ctx *ctx, const void *f, json_t **out)
{
	return partner_list(ctx, f, out);
}

void
api_partners(struct request *req)
{
	struct partner_filter f = { 0 };

	api_list_query(req, partner_params, sizeof(partner_params) / sizeof(partner_params[0]), &f, run_partners);
}

void
api_partner(struct request *req)
{
	api_get(req, partner_get);
}

void
api_partner_create(struct request *req)
{
	api_create(req, partner_create, partner_get, "/api/v1/partners");
}

void
api_partner_update(struct request *req)
{
	api_patch(req, partner_get, partner_update, partner_get);
}

void
api_partner_suggest(struct request *req)
{
	const char *region = req_query(req, "region");
	int64_t profile = query_id(req, "job_profile_id");
	json_t *out = NULL;
	tr_err err;

	if (region == NULL || profile == 0) {
		if (region == NULL)
			field_errors_add(
			    &req->ctx.errors, "region", "« region » est obligatoire : le code INSEE d'une région.");
		if (profile == 0)
			field_errors_add(&req->ctx.errors, "job_profile_id",
			    "« job_profile_id » est obligatoire : l'identifiant d'une fiche métier.");
		api_error(req, TR_INVALID);
		return;
	}
	err = partner_suggest(&req->ctx, region, profile, &out);
	if (err == TR_OK)
		out = json_pack("{s:o}", "items", out);
	api_reply(req, err, 200, out);
}
