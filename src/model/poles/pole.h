/* The resource poles as tables: a pole's editable fields, the preliminary diagnosis of an EPN (its checklist
 * and conclusions), a resource of the poles' library and a partner company of the vivier; their vocabularies. */
#ifndef TR_MODEL_POLE_H
#define TR_MODEL_POLE_H

#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

/* The items of a preliminary diagnosis, in checklist order: equipment, space, public, partners, tutor. */
extern const struct vocab vocab_diagnosis_item;
/* The conclusion of a diagnosis: favourable, favourable_conditions, unfavourable. */
extern const struct vocab vocab_diagnosis_conclusion;
/* What a resource of the library is: file (a document kept here) or link (an https address). */
extern const struct vocab vocab_resource_kind;

/* A document of the library is at most this many bytes (10 Mo). */
#define RESOURCE_FILE_MAX (10u * 1024u * 1024u)
/* A resource carries at most this many tags of at most TAG_MAX_CHARS characters. */
#define RESOURCE_TAGS_MAX 10
#define RESOURCE_TAG_MAX_CHARS 40

/* name, organisation_id, regions (the '|'-joined INSEE codes; the domain checks each). */
extern const struct entity entity_pole;
/* job_profile_id, conclusion, recommendations; the checklist items are checked by the domain. */
extern const struct entity entity_pole_diagnosis;
/* The comment of one checklist item. */
extern const struct entity entity_diagnosis_comment;
/* kind, title, description, url, tags, pole_id; the file is checked by the domain (type by content). */
extern const struct entity entity_resource;
/* name, siret, activity, commune_code, contact_name, contact_email, contact_phone; the programmes and job
 * profiles a company can sponsor are lists of ids checked by the domain. */
extern const struct entity entity_partner;

#endif
