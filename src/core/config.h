/* The server's settings: defaults, then the INI file (--config), then the environment, then the command
 * line. Every key is a row of one table (config.c), which drives parsing, checking and the help text. */
#ifndef TR_CORE_CONFIG_H
#define TR_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CONFIG_STR_MAX 512

struct config {
	char listen[CONFIG_STR_MAX];     /* HOST:PORT */
	char database[CONFIG_STR_MAX];   /* sqlite:PATH or postgresql://… */
	char base_url[CONFIG_STR_MAX];   /* the public address, for links in emails */
	char static_dir[CONFIG_STR_MAX]; /* served under /static/ */
	char smtp_url[CONFIG_STR_MAX];   /* smtp://host:port; empty: messages stay in the outbox */
	char mail_from[CONFIG_STR_MAX];
	char tile_url[CONFIG_STR_MAX];        /* map tiles, for the pages that show a map */
	int64_t threads;                      /* event loops; 0: one per core */
	int64_t workers;                      /* threads running the handlers that use storage; 0: by the cores */
	int64_t queue;                        /* requests waiting for a worker; past it, 503; 0: by the workers */
	int64_t deadline_ms;                  /* time budget of a request in the database */
	int64_t long_deadline_ms;             /* the same for exports and reports (ROUTE_LONG) */
	int64_t session_hours;                /* idle expiry of a session (sliding) */
	int64_t session_max_hours;            /* absolute lifetime of a session, however active */
	char trusted_proxies[CONFIG_STR_MAX]; /* addresses or CIDR blocks whose X-Forwarded-For is believed */
	char cache_dir[CONFIG_STR_MAX];       /* the full exports of places, one file per version; empty: none */
	int64_t export_concurrency;           /* full exports sent at once; past it, 503 */
	int64_t max_body_kb;                  /* forms and JSON */
	int64_t max_upload_kb;                /* multipart uploads */
	bool behind_tls;                      /* HSTS and Secure cookies */
	bool access_log;
	bool test_mode;                    /* enables the test-only clock endpoint; never in production */
	int64_t mail_retry_seconds;        /* first retry delay of the outbox, doubled each time */
	char geocoder_url[CONFIG_STR_MAX]; /* the address API's CSV endpoint (…/search/csv/); empty: no geocoding */
	int64_t geocoder_min_score;        /* percent: results scored below are not kept */
	bool require_second_factor;        /* admins, national officers and payers give a TOTP code at sign-in */
	char totp_key
	    [CONFIG_STR_MAX]; /* 64 hex digits: the key the TOTP secrets are sealed with; empty: the database's */
};

/* Fills CFG with the defaults. */
void config_defaults(struct config *cfg);

/* Reads an INI file over CFG. On a missing file, a syntax error, an unknown section or key or a bad
 * value returns TR_INVALID and writes one line naming the file, line and key into ERRBUF. */
TR_MUST_USE tr_err config_load_file(struct config *cfg, const char *path, char *errbuf, size_t errlen);

/* Sets one key ("server.listen" form, or the short command-line names "listen", "database") from a
 * string; same errors as config_load_file. */
TR_MUST_USE tr_err config_set(struct config *cfg, const char *key, const char *value, char *errbuf, size_t errlen);

/* Applies TREMPLIN_DATABASE, TREMPLIN_LISTEN, TREMPLIN_BASE_URL, TREMPLIN_SMTP_URL, TREMPLIN_STATIC_DIR,
 * TREMPLIN_TOTP_KEY. */
TR_MUST_USE tr_err config_from_env(struct config *cfg, char *errbuf, size_t errlen);

/* Checks the whole configuration (listen address, database URL scheme, base URL, bounds). */
TR_MUST_USE tr_err config_check(const struct config *cfg, char *errbuf, size_t errlen);

/* The client's address for throttling and logs: PEER (the socket's address, as text), unless PEER is one of
 * cfg->trusted_proxies, in which case the right-most address of X-Forwarded-For (FWD, N bytes; may be NULL)
 * that is not a trusted proxy itself. Written into OUT (at least 46 bytes); never fails: a malformed header
 * gives the last trusted address seen. */
void config_client_address(
    const struct config *cfg, const char *peer, const char *fwd, size_t n, char *out, size_t outlen);

/* Splits "HOST:PORT" (or "[v6]:PORT"); false when malformed. HOST is copied into HOSTBUF. */
bool config_split_listen(const char *listen, char *hostbuf, size_t hostlen, int *port);

#endif
