/* The background builder of the in-memory snapshots: the places search index (domain/places/place_search.h) and
 * the reference data (domain/kernel/refsnap.h). The server starts it before it listens: the first build of each
 * happens then, and its duration is logged. Then one thread of its own, with its own database connection, polls
 * their versions (settings.places_version, settings.refdata_version) and builds a new snapshot when one moves,
 * while the requests go on with the previous one; the new one replaces it by a pointer swap, and the old one is
 * freed when its last reader lets it go. No request waits for a build. */
#ifndef TR_DOMAIN_SNAPSHOTS_H
#define TR_DOMAIN_SNAPSHOTS_H

#include <stdbool.h>

#include "core/err.h"

#define SNAPSHOTS_POLL_MS 250

/* Opens a connection to DATABASE, builds the snapshots once (logging how long it took), switches their readers to
 * the background mode and starts the polling thread. When the database cannot be read, it logs why and the
 * thread tries again at each poll; the readers then build for themselves until a first snapshot is there. */
void snapshots_start(const char *database);

/* Asks the thread to stop, waits for it and closes its connection. Nothing when it was not started. */
void snapshots_stop(void);

#endif
