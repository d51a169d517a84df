/* Programmes, job profiles and dossiers as tables: their fields (validated by entity_validate, drawn by
 * web_form) and their vocabularies. The rules that depend on a programme (bounds, required parties,
 * eligible employers) are columns of its row, read by domain/programme.c and domain/dossier.c. */
#ifndef TR_MODEL_PROGRAMME_H
#define TR_MODEL_PROGRAMME_H

#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

/* Legal categories of employers (collectivité, GIP, association…), named by programmes.employer_categories. */
extern const struct vocab vocab_employer_category;
/* The regional opinion: favourable, favourable_reserves, unfavourable. */
extern const struct vocab vocab_opinion;
/* The states of a dossier in the order of vocab_dossier_state (domain/dossier.c's transition table indexes
 * them). */
enum dossier_state {
	DOSSIER_DRAFT = 0,
	DOSSIER_REGIONAL_REVIEW,
	DOSSIER_NATIONAL_REVIEW,
	DOSSIER_CHANGES_REQUESTED,
	DOSSIER_VALIDATED,
	DOSSIER_REFUSED,
	DOSSIER_WITHDRAWN,
};
/* The states of a dossier, with their French labels. */
extern const struct vocab vocab_dossier_state;

/* A development project is at most this many lines of this many characters, as the form shows it. */
#define DOSSIER_PROJECT_LINES 10
#define DOSSIER_LINE_WIDTH 80

/* The number of lines TEXT takes in a text area WIDTH characters wide: each hard line counts for the
 * lines it wraps onto (at least one). */
size_t text_lines(const char *text, size_t width);

extern const struct entity entity_programme;
extern const struct entity entity_job_profile;
/* The employer's fields of a dossier (Annex I); the programme is chosen at creation only. */
extern const struct entity entity_dossier;
/* A dossier as its list shows it (the columns of the page and of its CSV and XLSX exports). */
extern const struct entity entity_dossier_row;
/* The payloads of the workflow's actions. */
extern const struct entity entity_opinion;
extern const struct entity entity_decision_validate;
extern const struct entity entity_reason;
extern const struct entity entity_questions;
extern const struct entity entity_message;

#endif
