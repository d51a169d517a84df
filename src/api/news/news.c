/* /api/v1/news: the list with its filters (tag, region, programme, page), one item (with body_html), publishing. */
#include "api/news/news.h"

#include "api/api.h"
#include "domain/news/news.h"

void
api_news(struct request *req)
{
	struct news_filter f = { .tag = req_query(req, "tag"),
		.region = req_query(req, "region"),
		.programme = req_query(req, "programme"),
		.page = req_page(req) };
	json_t *out = NULL;
	tr_err err = news_list(&req->ctx, &f, &out);

	api_reply(req, err, 200, out);
}

void
api_news_item(struct request *req)
{
	api_get(req, news_get);
}

void
api_news_create(struct request *req)
{
	api_create(req, news_create, news_get, "/api/v1/news");
}
