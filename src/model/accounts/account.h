/* The entity tables of accounts (model/kernel/entity.h describes their rows). */
#ifndef TR_MODEL_ACCOUNT_H
#define TR_MODEL_ACCOUNT_H

#include "model/kernel/entity.h"

extern const struct entity entity_organisation;
extern const struct entity entity_person;
/* The same rows without the email, which is the sign-in name and is not edited. */
extern const struct entity entity_person_edit;
extern const struct entity entity_membership;
/* A new password chosen through a link; with the current one first when changed from the account page. */
extern const struct entity entity_password;
extern const struct entity entity_password_change;

#endif
