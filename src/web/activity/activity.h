/* The pages of the activity reports (/activite/…). */
#ifndef TR_WEB_ACTIVITY_H
#define TR_WEB_ACTIVITY_H

#include "http/request.h"

void web_activity_home(struct request *req);
void web_activity_new_form(struct request *req);
void web_activity_new(struct request *req);
void web_activity_edit_form(struct request *req);
void web_activity_edit(struct request *req);
void web_activity_delete(struct request *req);
void web_activity_export_csv(struct request *req);
void web_activity_stats(struct request *req);
void web_activity_vocab(struct request *req);
void web_activity_vocab_post(struct request *req);
void web_activity_silent(struct request *req);

#endif
