/* One place as people and API clients read it: its fields, the hours in French, open now. */
#include "domain/places/place_view.h"

#include <string.h>

#include "core/buf.h"
#include "core/time.h"

#define HOURS_FR_MAX 4096

enum hours_state
place_open_state(const struct hours *h, int64_t t)
{
	struct local_time lt;

	if (h == NULL)
		return HOURS_UNKNOWN;
	lt = time_paris(t);
	return hours_state_at(
	    h, lt.year, lt.month, lt.day, lt.weekday, lt.minute, hours_is_public_holiday(lt.year, lt.month, lt.day));
}

/* Adds horaires_fr, horaires_reconnus and ouvert_maintenant to O from the text of the hours. */
static void
hours_json(struct ctx *ctx, json_t *o, const char *text)
{
	struct hours *h = NULL;
	const char *why = NULL;
	struct buf fr = BUF_INIT(HOURS_FR_MAX);
	enum hours_state state = HOURS_UNKNOWN;
	json_t *french = json_null();
	bool recognised = true;

	if (*text != '\0') {
		recognised = hours_parse(ctx->arena, text, strlen(text), &h, &why) == TR_OK;
		if (recognised && hours_french(h, &fr) == TR_OK) {
			json_decref(french);
			french = json_stringn(fr.p ? fr.p : "", fr.n);
		}
		state = place_open_state(h, ctx->now);
	}
	buf_free(&fr);
	json_object_set_new(o, "horaires_fr", french);
	json_object_set_new(o, "horaires_reconnus", json_boolean(recognised));
	json_object_set_new(
	    o, "ouvert_maintenant", state == HOURS_UNKNOWN ? json_null() : json_boolean(state == HOURS_OPEN));
}

tr_err
place_view(struct ctx *ctx, const char *id, json_t **out, struct place **place, const char **moved_to)
{
	struct place *p;
	tr_err err = place_get(ctx, id, &p);

	*out = NULL;
	*moved_to = NULL;
	if (place != NULL)
		*place = NULL;
	if (err != TR_OK)
		return err;
	if (place != NULL)
		*place = p;
	if (strcmp(p->v[PLACE_F_ID], id) != 0) {
		*moved_to = p->v[PLACE_F_ID];
		return TR_OK;
	}
	*out = place_json(p);
	hours_json(ctx, *out, p->v[PLACE_F_HORAIRES]);
	return TR_OK;
}
