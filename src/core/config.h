/* The server's settings: defaults, then the INI file (--config), then the environment, then the command
 * line. Every key is a row of one table (config.c), which drives parsing, checking and the help text. */
#ifndef TR_CORE_CONFIG_H
#define TR_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CONFIG_STR_MAX 512

/* The OpenID Connect providers, in the order of struct config's oidc array. */
enum config_oidc_provider { OIDC_PROCONNECT, OIDC_FRANCECONNECT, OIDC_PROVIDERS };

/* One OpenID Connect provider ([oidc.NAME]); an empty issuer: not offered. */
struct config_oidc {
	char issuer[CONFIG_STR_MAX]; /* https://…, whose /.well-known/openid-configuration is read */
	char client_id[CONFIG_STR_MAX];
	char client_secret[CONFIG_STR_MAX];
	char scopes[CONFIG_STR_MAX];     /* space-separated, "openid" first */
	char acr_values[CONFIG_STR_MAX]; /* space-separated; the ID token's acr must be one of them (empty: any) */
};

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
	bool test_mode;                     /* enables the test-only clock endpoint; never in production */
	int64_t mail_retry_seconds;         /* first retry delay of the outbox, doubled each time */
	char geocoder_url[CONFIG_STR_MAX];  /* the address API's CSV endpoint (…/search/csv/); empty: no geocoding */
	int64_t geocoder_min_score;         /* percent: results scored below are not kept */
	char log_level[CONFIG_STR_MAX];     /* debug, info, warn or error */
	char log_format[CONFIG_STR_MAX];    /* text or json */
	char metrics_allow[CONFIG_STR_MAX]; /* addresses or CIDR blocks that may read GET /metrics; empty: nobody */
	bool webhooks_allow_loopback;       /* deliveries to loopback addresses and plain http (the tests only) */
	int64_t webhooks_timeout_seconds;   /* one delivery's whole exchange */
	int64_t webhooks_retry_seconds;     /* first retry delay of a failed delivery, doubled each time */
	int64_t webhooks_pause_after;       /* failed attempts in a row that pause a subscription */
	struct config_oidc oidc[OIDC_PROVIDERS];
	/* [site]: what the legal, help and contact pages say of the operator (web/pages.c); empty: « non renseigné » */
	char site_publisher[CONFIG_STR_MAX];           /* the publisher (éditeur) */
	char site_publisher_address[CONFIG_STR_MAX];   /* its postal address */
	char site_director[CONFIG_STR_MAX];            /* the publication director */
	char site_host[CONFIG_STR_MAX];                /* the host (hébergeur) */
	char site_host_address[CONFIG_STR_MAX];        /* its postal address */
	char site_contact_email[CONFIG_STR_MAX];       /* the team's address, on the contact and legal pages */
	char site_dpo[CONFIG_STR_MAX];                 /* the data protection officer */
	char site_dpo_email[CONFIG_STR_MAX];           /* their address */
	char site_accessibility_level[CONFIG_STR_MAX]; /* totalement / partiellement / non conforme */
	char site_accessibility_date[CONFIG_STR_MAX];  /* YYYY-MM-DD: when the statement was made */
	char site_accessibility_audit[CONFIG_STR_MAX]; /* who audited, when, how (the statement's reference) */
	bool require_second_factor; /* admins, national officers and payers give a TOTP code at sign-in */
	char totp_key
	    [CONFIG_STR_MAX]; /* 64 hex digits: the key the TOTP secrets are sealed with; empty: the database's */

	/* Not settings: how this configuration was made, for a reload. */
	char config_file[CONFIG_STR_MAX]; /* the --config file, or empty */
	uint64_t cli_keys;                /* bit I: key I of the table was set on the command line */
};

/* The name of a provider in the settings and the URLs ("proconnect", "franceconnect"). */
const char *config_oidc_name(enum config_oidc_provider p);

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

/* True when ADDR (an address as text; an IPv4-mapped IPv6 address counts as its IPv4 address) is one of LIST,
 * addresses and CIDR blocks separated by commas or blanks, as server.trusted_proxies and metrics.allow are
 * written. An empty LIST holds nothing. */
bool config_address_in(const char *list, const char *addr);

/* What a reload tells about one setting: its name ("log.level") and, for a change, the old and new values (NULL
 * for a secret such as a URL that may hold a password); LIVE is false for a setting that only a restart applies
 * (its running value is kept). */
typedef void (*config_note_fn)(void *ud, const char *name, const char *old_value, const char *new_value, bool live);

/* Reads the configuration again as it was made at start (defaults, OLD->config_file, the environment; the
 * command line's settings are those of OLD) into OUT. A setting that can change while serving takes its new value;
 * one that cannot (the listening address, the database, the threads…) keeps OLD's. NOTE is called for every
 * setting whose value in the file differs from the running one. On an unreadable or invalid file returns
 * TR_INVALID with the reason in ERRBUF, and OUT is OLD. */
TR_MUST_USE tr_err config_reload(
    const struct config *old, struct config *out, config_note_fn note, void *ud, char *errbuf, size_t errlen);

/* Splits "HOST:PORT" (or "[v6]:PORT"); false when malformed. HOST is copied into HOSTBUF. */
bool config_split_listen(const char *listen, char *hostbuf, size_t hostlen, int *port);

#endif
