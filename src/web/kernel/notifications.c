/* The person's notifications (/notifications): the in-app copies of the messages the platform sent them (the
 * emails stay), newest first, the unread ones marked, and one button marking them all read. */
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/notify.h"
#include "http/request.h"
#include "web/web.h"

/* "?page=N" for the pager. */
static const char *
page_href(struct request *req, const char *arg, int64_t page)
{
	(void)arg;
	return arena_printf(req->arena, "/notifications?page=%lld", (long long)page);
}

void
web_notifications(struct request *req)
{
	json_t *list = NULL, *items, *it, *data;
	int64_t page = 1, total, pages;
	struct str p = form_get(&req->query, "page");
	long long n;
	size_t i;
	tr_err err;

	if (p.p != NULL && str_to_i64(p, &n) && n > 0)
		page = n;
	if ((err = notify_list(&req->ctx, page, &list)) != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	items = json_object_get(list, "items");
	json_array_foreach(items, i, it)
	{
		const char *path = web_opt_text(it, "path");
		json_object_set_new(it, "when", json_string(date_fr_json(req, json_object_get(it, "created_at"))));
		json_object_set_new(it, "unread", json_boolean(json_is_null(json_object_get(it, "read_at"))));
		/* A link only where the reader may still go (a page since closed to them shows the subject alone). */
		json_object_set_new(it, "href", json_string(path && web_may_open(req, path) ? path : ""));
	}
	total = web_int(list, "total");
	pages = (total + 49) / 50;
	data = json_pack("{s:O, s:I}", "items", items, "total", (json_int_t)total);
	web_pager(req, data, page, pages, page_href, NULL);
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "label", "Notifications"));
	json_decref(list);
	web_page(req, 200, "notifications.html", "Notifications", data);
}

void
web_notifications_read(struct request *req)
{
	tr_err err = notify_mark_read(&req->ctx);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	web_done(req, "/notifications", "notifications_read");
}
