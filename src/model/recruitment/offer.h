/* Job offers as tables: the fields an employer fills in (validated by entity_validate, drawn by web_form) and
 * the vocabularies of an offer (kinds of contract, states). The rules that depend on the programme (duration
 * bounds, weekly hours) and on the dossier (posts granted) are checked by domain/offer.c. */
#ifndef TR_MODEL_OFFER_H
#define TR_MODEL_OFFER_H

#include "model/recruitment/contract.h"
#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

/* The kinds of contract (CDD, CDI) are those of contracts: vocab_contract_type of model/contract.h. */

/* The states of an offer, in the order of enum offer_state: open, filled, closed. */
enum offer_state {
	OFFER_OPEN = 0,
	OFFER_FILLED,
	OFFER_CLOSED,
};
extern const struct vocab vocab_offer_state;

/* An offer's own fields. job_profile_id, place_id, weekly_hours and posts may be left out: the dossier's
 * job profile and place, the programme's weekly hours and one post are taken then. */
extern const struct entity entity_offer;

/* The payload of closing an offer by hand: the reason. */
extern const struct entity entity_offer_close;

#endif
