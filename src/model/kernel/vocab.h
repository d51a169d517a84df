/* Controlled vocabularies: codes with their French labels. */
#ifndef TR_MODEL_VOCAB_H
#define TR_MODEL_VOCAB_H

#include <stddef.h>

struct vocab_item {
	const char *code;
	const char *label;
};

struct vocab {
	const char *name;
	const struct vocab_item *items;
	size_t n;
};

/* The label of CODE in V, or NULL when CODE is not in V. */
const char *vocab_label(const struct vocab *v, const char *code);

#endif
