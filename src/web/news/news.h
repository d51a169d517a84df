/* The network's news pages: the list with its filters and digest opt-in (/actualites), an item, its Atom feeds
 * per filter, the form of a new item, and the unsubscribe link of the digest. */
#ifndef TR_WEB_NEWS_H
#define TR_WEB_NEWS_H

#include "http/request.h"

void web_news(struct request *req);
void web_news_feed(struct request *req);
void web_news_item(struct request *req);
void web_news_new_form(struct request *req);
void web_news_new(struct request *req);
void web_news_digest(struct request *req);
void web_news_unsubscribe_form(struct request *req);
void web_news_unsubscribe(struct request *req);

#endif
