/* /api/v1/news: the network's news, read by everyone, published by national officers, poles and admins. */
#ifndef TR_API_NEWS_H
#define TR_API_NEWS_H

#include "http/request.h"

void api_news(struct request *req);
void api_news_item(struct request *req);
void api_news_create(struct request *req);

#endif
