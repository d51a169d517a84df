/* /api/v1/candidates and /api/v1/prescriber: self-registration, the candidate's own profile, data and account,
 * a profile and its CV for those who may read it, eligibility (evaluations and diagnoses), and the candidates a
 * prescriber follows. The domain decides who sees and does what. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/candidates/candidate.h"
#include "domain/candidates/eligibility.h"
#include "domain/privacy/privacy.h"

void
api_candidate_register(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = candidate_register(&req->ctx, in, &id);
	if (err == TR_OK && req->ctx.actor == NULL) {
		/* The same answer whether or not the address had an account: the rest goes by email. */
		api_reply(req, TR_OK, 202,
		    json_pack("{s:s, s:s}", "status", "pending", "message",
		        "Un courriel a été envoyé à cette adresse : ouvrez le lien qu'il contient pour activer le "
		        "compte "
		        "(si un compte existait déjà, le message indique comment se connecter)."));
		return;
	}
	if (err == TR_OK) {
		/* The new account reads its own profile. */
		struct actor self = { .person_id = id, .email = "", .name = "", .role_mask = ROLE_BIT(ROLE_CANDIDATE) };
		const struct actor *caller = req->ctx.actor;
		req->ctx.actor = &self;
		err = candidate_get(&req->ctx, id, &out);
		req->ctx.actor = caller;
	}
	if (err == TR_OK)
		resp_header(req, "location", arena_printf(req->arena, "/api/v1/candidates/%lld", (long long)id));
	api_reply(req, err, 201, out);
}

void
api_candidate_me(struct request *req)
{
	json_t *out = NULL;
	tr_err err = candidate_get(&req->ctx, req->ctx.actor->person_id, &out);

	api_reply(req, err, 200, out);
}

void
api_candidate_me_update(struct request *req)
{
	json_t *in = api_body(req), *current = NULL, *out = NULL, *v;
	int64_t me = req->ctx.actor->person_id;
	tr_err err;

	if (in == NULL)
		return;
	v = json_object_get(in, "version");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		field_errors_add(&req->ctx.errors, "version",
		    "« version » est obligatoire : la version du profil que vous avez lu (0 pour créer le profil).");
		api_error(req, TR_INVALID);
		return;
	}
	/* PATCH: the members sent replace those of the profile read (none yet: the members sent). */
	err = candidate_get(&req->ctx, me, &current);
	if (err == TR_NOT_FOUND) {
		req->ctx.message = NULL;
		current = json_object();
		err = TR_OK;
	}
	if (err == TR_OK) {
		json_object_update(current, in);
		err = candidate_save(&req->ctx, me, json_integer_value(v), current);
	}
	json_decref(current);
	if (err == TR_OK)
		err = candidate_get(&req->ctx, me, &out);
	api_reply(req, err, 200, out);
}

void
api_candidate_me_export(struct request *req)
{
	json_t *out = NULL;
	tr_err err = privacy_export(&req->ctx, req->ctx.actor->person_id, &out);

	api_reply(req, err, 200, out);
}

void
api_candidate_me_delete(struct request *req)
{
	tr_err err = privacy_erase_now(&req->ctx, req->ctx.actor->person_id);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:b}", "deleted", 1) : NULL);
}

void
api_candidate(struct request *req)
{
	api_get(req, candidate_get);
}

void
api_candidate_cv(struct request *req)
{
	const char *name;
	struct str data;
	tr_err err = candidate_cv_get(&req->ctx, req->params[0], &name, &data);

	if (err != TR_OK) {
		api_error(req, err);
		return;
	}
	buf_reset(&req->body);
	if (buf_append(&req->body, data.p, data.n) != TR_OK) {
		api_error(req, TR_TOO_LARGE);
		return;
	}
	req->status = 200;
	req->content_type_out = "application/pdf";
	resp_header(req, "content-disposition",
	    arena_printf(req->arena, "attachment; filename=\"cv-%lld.pdf\"", (long long)req->params[0]));
}

void
api_candidate_eligibility(struct request *req)
{
	json_t *out = NULL;
	tr_err err = eligibility_overview(&req->ctx, req->params[0], req_query(req, "on"), &out);

	api_reply(req, err, 200, out);
}

void
api_candidate_eligibility_create(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = eligibility_record(&req->ctx, req->params[0], in, &id);
	if (err == TR_OK)
		err = eligibility_diagnosis_get(&req->ctx, id, &out);
	api_reply(req, err, 201, out);
}

void
api_prescriber_candidates(struct request *req)
{
	json_t *items = NULL;
	tr_err err = prescriber_followed(&req->ctx, &items);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_prescriber_follow(struct request *req)
{
	json_t *in = api_body(req);
	tr_err err;

	if (in == NULL)
		return;
	err = prescriber_follow(&req->ctx,
	    json_is_string(json_object_get(in, "email")) ? json_string_value(json_object_get(in, "email")) : NULL);
	/* The same answer whether or not the address is a candidate's. */
	api_reply(req, err, 202,
	    err == TR_OK ? json_pack("{s:s, s:s}", "status", "requested", "detail",
	                       "Si un candidat visible a cette adresse, il reçoit votre demande par courriel ; vous le "
	                       "suivrez quand il l'aura acceptée.")
	                 : NULL);
}

/* The candidate's profile after a change of their followers, or the error. */
static void
me_after(struct request *req, tr_err err, int status)
{
	json_t *out = NULL;

	if (err == TR_OK)
		err = candidate_get(&req->ctx, req->ctx.actor->person_id, &out);
	api_reply(req, err, status, out);
}

void
api_candidate_follower_invite(struct request *req)
{
	json_t *in = api_body(req), *org;

	if (in == NULL)
		return;
	org = json_object_get(in, "organisation_id");
	me_after(req,
	    candidate_follower_invite(
	        &req->ctx, req->ctx.actor->person_id, json_is_integer(org) ? json_integer_value(org) : 0),
	    201);
}

void
api_candidate_follower_accept(struct request *req)
{
	me_after(req, candidate_follower_accept(&req->ctx, req->ctx.actor->person_id, req->params[0]), 200);
}

void
api_candidate_follower_remove(struct request *req)
{
	me_after(req, candidate_follower_remove(&req->ctx, req->ctx.actor->person_id, req->params[0]), 200);
}

void
api_prescriber_unfollow(struct request *req)
{
	tr_err err = prescriber_unfollow(&req->ctx, req->params[0]);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:b}", "unfollowed", 1) : NULL);
}
