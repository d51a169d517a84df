/* Pickers instead of codes: a commune or a place of the directory typed by its name (resolved to its INSEE code or
 * its id, or a choice among the matches as a plain form step when several fit; a place's field suggests the reader's
 * own places), régions chosen from the list. Used by web.c's field rendering for the field types FT_COMMUNE,
 * FT_PLACE, FT_REGION and FT_REGIONS, and by the handlers of forms holding a commune or a place. */
#include "web/web.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "domain/geo/refdata.h"
#include "domain/kernel/refsnap.h"
#include "domain/places/place_pick.h"

/* Matches offered when a name fits several communes, or several places. */
#define COMMUNE_CHOICES 12
#define PLACE_CHOICES 12

static bool
commune_code_like(const char *s)
{
	return strlen(s) == 5 && s[0] >= '0' && s[0] <= '9' && strchr("0123456789AB", s[1]) != NULL &&
	       strspn(s + 2, "0123456789") == 3;
}

/* "Crest (26)": how a commune is shown in its field, and read back. */
static const char *
commune_label(struct request *req, json_t *c)
{
	return arena_printf(req->arena, "%s (%s)", web_text(c, "name"), web_text(c, "departement_code"));
}

/* Splits "Crest (26)" into the name and the département; DEP is "" without brackets. */
static void
commune_split(struct request *req, const char *typed, const char **name, const char **dep)
{
	size_t n = strlen(typed);
	const char *open = strrchr(typed, '(');

	*name = typed;
	*dep = "";
	if (open == NULL || n < 4 || typed[n - 1] != ')' || open == typed)
		return;
	*dep = arena_strndup(req->arena, open + 1, (size_t)(typed + n - 1 - (open + 1)));
	while (open > typed && open[-1] == ' ')
		open--;
	*name = arena_strndup(req->arena, typed, (size_t)(open - typed));
}

/* The communes TYPED may mean: those named exactly so (within the département given in brackets), else those
 * whose name starts so. A new array. */
static json_t *
commune_matches(struct request *req, const char *typed, size_t limit)
{
	const char *name, *dep, *key;
	json_t *found = NULL, *exact = json_array(), *prefix = json_array(), *c;
	size_t i;

	commune_split(req, typed, &name, &dep);
	if (commune_search(&req->ctx, name, 100, &found) != TR_OK || found == NULL) {
		json_decref(exact);
		return prefix;
	}
	key = utf8_fold_key(req->arena, name, strlen(name));
	json_array_foreach(found, i, c)
	{
		if (*dep && strcmp(web_text(c, "departement_code"), dep) != 0)
			continue;
		if (strcmp(utf8_fold_key(req->arena, web_text(c, "name"), strlen(web_text(c, "name"))), key) == 0)
			json_array_append(exact, c);
		else if (json_array_size(prefix) < limit)
			json_array_append(prefix, c);
	}
	json_decref(found);
	if (json_array_size(exact) > 0) {
		json_decref(prefix);
		return exact;
	}
	json_decref(exact);
	return prefix;
}

/* Field F of IN holds a place's name, not its id: its id when one place fits, else a field error. */
static bool
place_resolve(struct request *req, const struct field *f, json_t *in, const char *typed)
{
	json_t *m = NULL;
	bool ok;

	if (place_pick_matches(&req->ctx, typed, PLACE_CHOICES, &m) != TR_OK)
		return false;
	ok = json_array_size(m) == 1;
	if (ok)
		json_object_set_new(in, f->name, json_string(web_text(json_array_get(m, 0), "id")));
	else
		field_errors_add(&req->ctx.errors, f->name,
		    json_array_size(m) == 0
		        ? arena_printf(req->arena,
		              "« %s » : aucun lieu de l'annuaire ne s'appelle « %s ». Vérifiez l'orthographe, ou "
		              "cherchez-le dans l'annuaire.",
		              f->label, typed)
		        : arena_printf(req->arena,
		              "« %s » : plusieurs lieux correspondent à « %s ». Choisissez le vôtre dans la liste.",
		              f->label, typed));
	json_decref(m);
	return ok;
}

bool
web_pickers_resolve(struct request *req, const struct entity *e, json_t *in)
{
	bool ok = true;

	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		const char *typed;
		json_t *m;
		if ((f->type != FT_COMMUNE && f->type != FT_PLACE) || !json_is_string(json_object_get(in, f->name)))
			continue;
		typed = json_string_value(json_object_get(in, f->name));
		if (*typed == '\0' || (f->type == FT_COMMUNE && commune_code_like(typed)))
			continue;
		if (f->type == FT_PLACE) {
			ok = place_resolve(req, f, in, typed) && ok;
			continue;
		}
		m = commune_matches(req, typed, COMMUNE_CHOICES);
		if (json_array_size(m) == 1) {
			json_object_set_new(in, f->name, json_string(web_text(json_array_get(m, 0), "code")));
		} else {
			field_errors_add(&req->ctx.errors, f->name,
			    json_array_size(m) == 0 ? arena_printf(req->arena,
			                                  "« %s » : aucune commune ne s'appelle « %s ». Vérifiez "
			                                  "l'orthographe, ou tapez son code "
			                                  "postal.",
			                                  f->label, typed)
			                            : arena_printf(req->arena,
			                                  "« %s » : plusieurs communes correspondent à « %s ». "
			                                  "Choisissez la vôtre dans la liste.",
			                                  f->label, typed));
			ok = false;
		}
		json_decref(m);
	}
	return ok;
}

/* The members of a picker's field O: the matches CHOICES (radios when any), their legend and the input's label
 * then ("lieux trouvés", "un autre lieu"), the datalist LIST_KIND ("lieux", "communes") with SUGGESTIONS. */
static void
picker_members(struct request *req, const struct field *f, json_t *o, json_t *choices, const char *kind,
    const char *legend, const char *other, json_t *suggestions)
{
	json_object_set_new(o, "has_choices", json_boolean(json_array_size(choices) > 0));
	json_object_set_new(o, "choices", choices);
	json_object_set_new(o, "choices_legend", json_string(legend));
	json_object_set_new(o, "other_label", json_string(other));
	json_object_set_new(o, "list_id", json_string(arena_printf(req->arena, "%s-%s", f->name, kind)));
	json_object_set_new(o, "list_kind", json_string(kind));
	json_object_set_new(o, "suggestions", suggestions);
}

/* A place's field: its « Nom — Commune » for an id, the matches of a name that did not resolve, and the reader's
 * own places as the datalist's suggestions. */
static void
place_field(struct request *req, const struct field *f, json_t *o, const char *val)
{
	json_t *m = NULL, *choices = json_array(), *sugg = NULL, *c;
	size_t i;

	if (*val != '\0' && place_pick_matches(&req->ctx, val, PLACE_CHOICES, &m) == TR_OK) {
		if (json_array_size(m) == 1 && strcmp(web_text(json_array_get(m, 0), "id"), val) == 0)
			json_object_set_new(o, "value", json_string(web_text(json_array_get(m, 0), "label")));
		else if (json_array_size(m) > 1)
			json_array_foreach(m, i, c)
			    json_array_append_new(choices, json_pack("{s:s, s:s, s:b}", "value", web_text(c, "id"),
			                                       "label", web_text(c, "label"), "selected", false));
	}
	json_decref(m);
	if (place_pick_suggestions(&req->ctx, &sugg) != TR_OK)
		sugg = json_array();
	picker_members(
	    req, f, o, choices, "lieux", "choisissez parmi les lieux trouvés", "Ou tapez le nom d'un autre lieu", sugg);
	json_object_set_new(o, "maxlength", json_integer(300));
}

void
web_picker_field(struct request *req, const struct field *f, json_t *o, const char *val)
{
	const struct refsnap *snap = NULL;

	if (f->type == FT_PLACE) {
		place_field(req, f, o, val);
		return;
	}
	if (f->type == FT_COMMUNE) {
		json_t *found = NULL, *choices = json_array(), *m, *c;
		size_t i;
		/* A code is shown as the commune's name; a name that did not resolve offers its matches. */
		if (*val != '\0' && commune_code_like(val)) {
			if (commune_search(&req->ctx, val, 1, &found) == TR_OK && json_array_size(found) == 1)
				json_object_set_new(
				    o, "value", json_string(commune_label(req, json_array_get(found, 0))));
			json_decref(found);
		} else if (*val != '\0') {
			m = commune_matches(req, val, COMMUNE_CHOICES);
			json_array_foreach(m, i, c)
			{
				json_array_append_new(choices,
				    json_pack("{s:s, s:s, s:b}", "value", web_text(c, "code"), "label",
				        arena_printf(req->arena, "%s (%s), code postal %s", web_text(c, "name"),
				            web_text(c, "departement_code"), web_text(c, "postal_codes")),
				        "selected", false));
			}
			json_decref(m);
		}
		/* The script completes the datalist as the person types. */
		picker_members(req, f, o, choices, "communes", "choisissez parmi les communes trouvées",
		    "Ou tapez une autre commune", json_array());
		json_object_set_new(o, "autocomplete", json_string("address-level2"));
		json_object_set_new(o, "maxlength", json_integer(100));
		return;
	}
	if (refsnap_acquire(&req->ctx, &snap) != TR_OK)
		return;
	for (size_t i = 0; i < snap->nregions; i++) {
		const char *code = snap->regions[i].code;
		bool on = false;
		if (f->type == FT_REGION) {
			on = strcmp(val, code) == 0;
		} else {
			for (const char *p = val; *p;) {
				size_t n = strcspn(p, "|,; ");
				if (n == strlen(code) && strncmp(p, code, n) == 0)
					on = true;
				p += n + (p[n] != '\0');
			}
		}
		web_field_option(
		    o, arena_strdup(req->arena, code), arena_strdup(req->arena, snap->regions[i].name), on);
	}
	refsnap_release(snap);
	if (f->type == FT_REGIONS) {
		web_field_kind(o, "is_group");
		json_object_set_new(o, "is_group", json_true());
		json_object_set_new(o, "send_empty", json_true());
	} else {
		web_field_kind(o, "is_select");
	}
}

/* ---- shared options of the reference data ---- */

json_t *
web_shared_marked(json_t *item, const char *flag, bool on)
{
	json_t *mine;

	if (!on)
		return json_incref(item);
	mine = json_copy(item);
	json_object_set_new(mine, flag, json_true());
	return mine;
}

static pthread_mutex_t ref_options_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int64_t version; /* of the snapshot they were built from */
	json_t *options; /* NULL until built */
} ref_options[WEB_REF_OPTIONS];

static json_t *
ref_options_build(const struct refsnap *snap, enum web_ref_options which)
{
	json_t *opts = json_array();
	char label[512];

	if (which == WEB_REF_DEPARTEMENTS_CODED) {
		for (size_t i = 0; i < snap->ndepartements; i++) {
			snprintf(
			    label, sizeof(label), "%s — %s", snap->departements[i].code, snap->departements[i].name);
			json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", snap->departements[i].code,
			                                "label", label, "selected", 0));
		}
		return opts;
	}
	for (size_t i = 0; i < snap->nregions; i++) {
		if (which == WEB_REF_REGIONS_CODED)
			snprintf(label, sizeof(label), "%s — %s", snap->regions[i].code, snap->regions[i].name);
		json_array_append_new(
		    opts, json_pack("{s:s, s:s, s:b}", "value", snap->regions[i].code, "label",
		              which == WEB_REF_REGIONS_CODED ? label : snap->regions[i].name, "selected", 0));
	}
	return opts;
}

tr_err
web_ref_options(struct request *req, enum web_ref_options which, const char *selected, json_t **out)
{
	const struct refsnap *snap;
	json_t *shared, *it;
	size_t i;
	tr_err err = refsnap_acquire(&req->ctx, &snap);

	*out = NULL;
	if (err != TR_OK)
		return err;
	pthread_mutex_lock(&ref_options_lock);
	if (ref_options[which].options == NULL || ref_options[which].version != snap->version) {
		json_decref(ref_options[which].options);
		ref_options[which].options = ref_options_build(snap, which);
		ref_options[which].version = snap->version;
	}
	shared = json_incref(ref_options[which].options);
	pthread_mutex_unlock(&ref_options_lock);
	refsnap_release(snap);
	*out = json_array();
	json_array_foreach(shared, i, it)
	{
		const char *value = json_string_value(json_object_get(it, "value"));
		json_array_append_new(*out, web_shared_marked(it, "selected",
		                                selected != NULL && value != NULL && strcmp(value, selected) == 0));
	}
	json_decref(shared);
	return TR_OK;
}
