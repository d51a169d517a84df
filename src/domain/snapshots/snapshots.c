/* The background builder: one thread polling the versions of the in-memory snapshots and rebuilding them. */
#include "domain/snapshots/snapshots.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "core/log.h"
#include "core/time.h"
#include "domain/kernel/refsnap.h"
#include "domain/places/place_search.h"
#include "store/db.h"

static struct {
	pthread_t tid;
	bool running;
	const char *database;
	struct db *db;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping; /* under lock */
} bg = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/* One round: the connection (opened when needed), then each snapshot. False when one could not be read. */
static bool
poll_once(void)
{
	char why[256];
	bool built = false, any = false, ok = true;

	if (bg.db == NULL && db_open(bg.database, &bg.db, why, sizeof(why)) != TR_OK) {
		log_error("snapshots: database: %s", why);
		bg.db = NULL;
		return false;
	}
	if (refsnap_refresh(bg.db, &built) != TR_OK) {
		log_error("snapshots: reference data: %s", db_errmsg(bg.db));
		ok = false;
	}
	any |= built;
	if (place_index_refresh(bg.db, bg.database, &built) != TR_OK) {
		log_error("snapshots: places: %s", db_errmsg(bg.db));
		ok = false;
	}
	any |= built;
	/* A build reads every place: the connection's page cache (64 MB on SQLite) is full of them, and this
	 * thread's malloc arena holds the freed rows and the replaced snapshot. Give it all back: the connection is
	 * opened again at the next poll. */
	if (any) {
		db_close(bg.db);
		bg.db = NULL;
		malloc_trim(0);
	}
	return ok;
}

static void *
snapshots_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&bg.lock);
	while (!bg.stopping) {
		struct timespec ts;

		pthread_mutex_unlock(&bg.lock);
		(void)poll_once();
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)SNAPSHOTS_POLL_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&bg.lock);
		if (!bg.stopping)
			pthread_cond_timedwait(&bg.wake, &bg.lock, &ts);
	}
	pthread_mutex_unlock(&bg.lock);
	return NULL;
}

void
snapshots_start(const char *database)
{
	int64_t started = clock_mono_ms();

	if (bg.running)
		return;
	bg.database = database;
	bg.stopping = false;
	if (poll_once())
		log_info("snapshots: first build of the reference data and the places index in %lld ms",
		    (long long)(clock_mono_ms() - started));
	refsnap_background(true);
	place_index_background(true);
	if (pthread_create(&bg.tid, NULL, snapshots_main, NULL) != 0) {
		log_error("snapshots: cannot start the background builder; requests will build for themselves");
		refsnap_background(false);
		place_index_background(false);
		return;
	}
	bg.running = true;
}

void
snapshots_stop(void)
{
	if (bg.running) {
		pthread_mutex_lock(&bg.lock);
		bg.stopping = true;
		pthread_cond_broadcast(&bg.wake);
		pthread_mutex_unlock(&bg.lock);
		pthread_join(bg.tid, NULL);
		bg.running = false;
	}
	refsnap_background(false);
	place_index_background(false);
	db_close(bg.db);
	bg.db = NULL;
}
