/* The journal witnessed from outside (issue 17, item 4): the heads the job journal_publish wrote, as an Atom feed
 * (/journal/atom.xml) and one plain-text file a day (/journal/YYYY-MM-DD.txt), which `tremplin journal verify
 * --against FILE` reads back. Public: a head says nothing about what the entries hold. */
#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/time.h"
#include "core/tmpl.h"
#include "domain/kernel/journal.h"
#include "http/request.h"
#include "web/web.h"

#define DAY_LEN 10 /* YYYY-MM-DD */

void
web_journal_feed(struct request *req)
{
	const char *base = req->ctx.cfg ? req->ctx.cfg->base_url : "";
	json_t *heads = NULL, *entries = json_array(), *data, *it;
	struct buf out = BUF_INIT(1u << 20);
	int64_t updated = 0;
	size_t i;
	tr_err err = journal_published(&req->ctx, &heads);

	if (err != TR_OK) {
		json_decref(entries);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(heads, i, it)
	{
		const char *day = json_string_value(json_object_get(it, "day"));
		int64_t at = json_integer_value(json_object_get(it, "at"));
		if (at > updated)
			updated = at;
		json_array_append_new(entries,
		    json_pack("{s:s, s:s, s:s, s:s, s:I, s:O}", "id",
		        arena_printf(req->arena, "%s/journal/%s.txt", base, day), "title",
		        arena_printf(req->arena, "Empreinte du journal au %s", fr_date(req->arena, day)), "updated",
		        time_iso(req->arena, at), "href", arena_printf(req->arena, "%s/journal/%s.txt", base, day),
		        "seq", (json_int_t)json_integer_value(json_object_get(it, "seq")), "hash",
		        json_object_get(it, "hash")));
	}
	json_decref(heads);
	data = json_pack("{s:s, s:s, s:s, s:o}", "id", arena_printf(req->arena, "%s/journal/atom.xml", base), "updated",
	    time_iso(req->arena, updated ? updated : req->ctx.now), "self",
	    arena_printf(req->arena, "%s/journal/atom.xml", base), "entries", entries);
	err = tmpl_render(req->tmpl, "journal_atom.html", data, &out);
	json_decref(data);
	buf_reset(&req->body);
	if (err != TR_OK || buf_append(&req->body, out.p, out.n) != TR_OK) {
		buf_free(&out);
		resp_status(req, 500, "Le flux n'a pas pu être produit.");
		return;
	}
	buf_free(&out);
	req->status = 200;
	req->content_type_out = "application/atom+xml; charset=utf-8";
}

void
web_journal_head(struct request *req)
{
	const char *name = req->sparams[0];
	json_t *heads = NULL, *it;
	size_t i;
	tr_err err;

	if (strlen(name) != DAY_LEN + 4 || strcmp(name + DAY_LEN, ".txt") != 0) {
		resp_status(req, 404, NULL);
		return;
	}
	if ((err = journal_published(&req->ctx, &heads)) != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(heads, i, it)
	{
		const char *day = json_string_value(json_object_get(it, "day"));
		if (strncmp(day, name, DAY_LEN) == 0) {
			const char *text =
			    journal_witness_text(req->arena, day, json_integer_value(json_object_get(it, "seq")),
			        json_string_value(json_object_get(it, "hash")));
			json_decref(heads);
			buf_reset(&req->body);
			if (buf_puts(&req->body, text) != TR_OK) {
				resp_status(req, 500, NULL);
				return;
			}
			req->status = 200;
			req->content_type_out = "text/plain; charset=utf-8";
			return;
		}
	}
	json_decref(heads);
	resp_status(req, 404, "Aucune empreinte du journal n'a été publiée ce jour-là.");
}
