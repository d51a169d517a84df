/* Files compiled into the binary (templates, migrations, reference data) by tools/embed.py. */
#ifndef TR_CORE_EMBED_H
#define TR_CORE_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* base name, e.g. "layout.html" */
	const char *data; /* NUL-terminated */
	size_t size;      /* without the NUL */
};

/* Tables ended by an entry whose name is NULL. */
extern const struct embedded_file embedded_templates[];
extern const struct embedded_file embedded_migrations[];
extern const struct embedded_file embedded_refdata[];

/* Returns the entry named NAME in TABLE, or NULL. */
const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name);

#endif
