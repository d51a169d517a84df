/* Activity reports (comptes rendus d'activité) as tables: the report's fields, the vocabulary families and
 * the breakdowns. The codes and labels themselves are data (the activity_vocab table), editable by national
 * officers; the domain checks each code against it. */
#ifndef TR_MODEL_ACTIVITY_H
#define TR_MODEL_ACTIVITY_H

#include <stddef.h>

#include "model/kernel/entity.h"

/* The fields of a report a person or a tool gives: session_on, type, place_kind, place_id, commune_code,
 * duration_min, participants, already, themes, equipment, autonomy, workshop_title, workshop_level,
 * followups, redirect_kind, redirect_body, notes ('|'-joined codes for the several-valued ones). */
extern const struct entity entity_activity;

/* A vocabulary family of the reports: its code in activity_vocab, its French name, the report field that
 * holds its codes (NULL: a breakdown or a derived value), whether several codes are allowed, and whether
 * the rollups count participants (breakdowns) or sessions. */
struct activity_family {
	const char *code;
	const char *label;
	const char *field;
	bool multi;
	bool participants;
};

extern const struct activity_family activity_families[];
extern const size_t activity_nfamilies;

/* The family named CODE, or NULL. */
const struct activity_family *activity_family(const char *code);

/* The three breakdowns of the participants: their family, the report's JSON member and column. */
struct activity_breakdown {
	const char *family;
	const char *member; /* "genders", "ages", "statuses" */
	const char *label;  /* French, named in errors */
};

extern const struct activity_breakdown activity_breakdowns[3];

/* The code of the « not given » share of every breakdown. */
#define ACTIVITY_NOT_GIVEN "non_communique"
/* A session lasts at most 8 h; a report has 1 to 100 participants. */
#define ACTIVITY_DURATION_MAX 480
#define ACTIVITY_PARTICIPANTS_MAX 100
/* The bulk API: at most this many lines or bytes a batch. */
#define ACTIVITY_BATCH_LINES_MAX 10000
#define ACTIVITY_BATCH_BYTES_MAX (10u * 1024u * 1024u)
/* Presets of the entry form, in minutes. */
extern const int activity_duration_presets[6];

#endif
