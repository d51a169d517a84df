/* What a person is told after acting, and asked before an irreversible action: the success messages of the
 * lifecycle tables (and of the flash table) with the row's number, and the confirmation step, one page for every
 * irreversible action (it sends the form again with confirmed=1, so it works without JavaScript). */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "core/form.h"
#include "domain/dossiers/dossier.h"
#include "domain/kernel/workflow.h"
#include "domain/recruitment/application.h"
#include "domain/recruitment/contract.h"
#include "domain/recruitment/offer.h"
#include "domain/subsidies/subsidy.h"
#include "domain/training/training_path.h"
#include "domain/training/training_session.h"

/* The lifecycles whose success messages a flash may name. */
static const struct workflow *const said_by[] = { &dossier_workflow, &offer_workflow, &application_workflow,
	&contract_workflow, &module_workflow, &session_workflow, &registration_workflow, &payreq_workflow,
	&post_workflow, &amendment_workflow, &recovery_workflow };

void
web_done_id(struct request *req, const char *location, const char *flash_code, int64_t id)
{
	web_done(req, location, arena_printf(req->arena, "%s.%lld", flash_code, (long long)id));
}

void
web_done_action(struct request *req, const char *location, const struct workflow *wf, const char *action, int64_t id)
{
	web_done(req, location, arena_printf(req->arena, "wf.%s.%s.%lld", wf->entity, action, (long long)id));
}

const char *
web_flash_split(struct request *req, struct str code, int64_t *id)
{
	size_t dot = code.n;
	long long n = 0;

	*id = 0;
	while (dot > 0 && code.p[dot - 1] >= '0' && code.p[dot - 1] <= '9')
		dot--;
	if (dot > 0 && dot < code.n && code.p[dot - 1] == '.' &&
	    str_to_i64((struct str){ code.p + dot, code.n - dot }, &n) && n > 0) {
		*id = n;
		return arena_strndup(req->arena, code.p, dot - 1);
	}
	return arena_strndup(req->arena, code.p, code.n);
}

const char *
web_flash_action(struct request *req, const char *name, int64_t id)
{
	const char *rest, *dot;

	if (strncmp(name, "wf.", 3) != 0 || id <= 0)
		return NULL;
	rest = name + 3;
	if ((dot = strchr(rest, '.')) == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(said_by) / sizeof(said_by[0]); i++)
		if (strlen(said_by[i]->entity) == (size_t)(dot - rest) &&
		    memcmp(said_by[i]->entity, rest, dot - rest) == 0)
			return wf_done_message(req->arena, said_by[i], dot + 1, id);
	return NULL;
}

const char *
web_flash_number(struct request *req, const char *message, int64_t id)
{
	const char *mark = strstr(message, "{n}");

	if (mark == NULL)
		return message;
	return arena_printf(req->arena, "%.*s%lld%s", (int)(mark - message), message, (long long)id, mark + 3);
}

/* "retirer ma candidature": HEADING with its first letter in lower case, for « Oui, … ». */
static const char *
lower_first(struct request *req, const char *heading)
{
	char *s = arena_strdup(req->arena, heading);

	if (s[0] >= 'A' && s[0] <= 'Z')
		s[0] = (char)(s[0] - 'A' + 'a');
	return s;
}

bool
web_confirm_first(struct request *req, const char *heading, const char *question, const char *back)
{
	struct str confirmed = form_get(&req->form, "confirmed");
	json_t *fields;

	if (question == NULL || str_eq_c(confirmed, "1"))
		return false;
	fields = json_array();
	for (size_t i = 0; i < req->form.n; i++) {
		const struct form_field *f = &req->form.items[i];
		if (f->is_file || str_eq_c(f->name, "csrf") || str_eq_c(f->name, "confirmed"))
			continue;
		json_array_append_new(
		    fields, json_pack("{s:s%, s:s%}", "name", f->name.p, f->name.n, "value", f->value.p, f->value.n));
	}
	web_page(req, 200, "action_confirm.html", arena_printf(req->arena, "Confirmer : %s", heading),
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "heading", heading, "heading_lower", lower_first(req, heading),
	        "question", question, "href", arena_strndup(req->arena, req->path.p, req->path.n), "back", back,
	        "fields", fields));
	return true;
}
