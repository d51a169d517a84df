/* The JSON API of the activity reports (/api/v1/activity/…). */
#ifndef TR_API_ACTIVITY_H
#define TR_API_ACTIVITY_H

#include "http/request.h"

void api_activity_create(struct request *req);
void api_activity_list(struct request *req);
void api_activity_get(struct request *req);
void api_activity_update(struct request *req);
void api_activity_delete(struct request *req);
void api_activity_batch(struct request *req);
void api_activity_import_csv(struct request *req);
void api_activity_export_csv(struct request *req);
void api_activity_changes(struct request *req);
void api_activity_verify(struct request *req);
void api_activity_stats(struct request *req);
void api_activity_vocab(struct request *req);
void api_activity_vocab_put(struct request *req);
void api_activity_vocab_retire(struct request *req);
void api_activity_settings(struct request *req);
void api_activity_settings_put(struct request *req);
void api_activity_silent(struct request *req);
void api_activity_mediator(struct request *req);

#endif
