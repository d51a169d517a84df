/* Settings from a table of keys: defaults, INI file (libinih), environment, command line. */
#include "core/config.h"

#include <arpa/inet.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"

enum key_type { KEY_STR, KEY_INT, KEY_BOOL };

/* LIVE: a reload (SIGHUP) applies a new value while serving; the others need a restart (they shaped the
 * listeners, the threads, the connections or the handlers h2o registered at start). SECRET: never logged. */
enum key_flag { KEY_LIVE = 1, KEY_SECRET = 2 };

struct key {
	const char *section, *name, *alias, *env;
	enum key_type type;
	size_t offset;
	int64_t min, max;
	unsigned flags;
};

#define K_STR(sec, name, alias, env, field, fl)                                          \
	{                                                                                \
		sec, name, alias, env, KEY_STR, offsetof(struct config, field), 0, 0, fl \
	}
#define K_INT(sec, name, field, lo, hi, fl)                                                \
	{                                                                                  \
		sec, name, NULL, NULL, KEY_INT, offsetof(struct config, field), lo, hi, fl \
	}
#define K_BOOL(sec, name, field, fl)                                                      \
	{                                                                                 \
		sec, name, NULL, NULL, KEY_BOOL, offsetof(struct config, field), 0, 1, fl \
	}

static const struct key keys[] = {
	K_STR("server", "listen", "listen", "TREMPLIN_LISTEN", listen, 0),
	K_STR("server", "base_url", "base-url", "TREMPLIN_BASE_URL", base_url, KEY_LIVE),
	K_STR("server", "static_dir", "static-dir", "TREMPLIN_STATIC_DIR", static_dir, 0),
	K_STR("server", "tile_url", NULL, NULL, tile_url, KEY_LIVE),
	K_INT("server", "threads", threads, 0, 64, 0),
	K_INT("server", "workers", workers, 0, 256, 0),
	K_INT("server", "queue", queue, 0, 100000, 0),
	K_INT("server", "deadline_ms", deadline_ms, 10, 3600 * 1000, KEY_LIVE),
	K_INT("server", "long_deadline_ms", long_deadline_ms, 10, 3600 * 1000, KEY_LIVE),
	K_INT("server", "session_hours", session_hours, 1, 24 * 30, KEY_LIVE),
	K_INT("server", "session_max_hours", session_max_hours, 1, 24 * 30, KEY_LIVE),
	K_STR("server", "trusted_proxies", NULL, NULL, trusted_proxies, KEY_LIVE),
	K_STR("server", "cache_dir", NULL, NULL, cache_dir, 0),
	K_INT("server", "export_concurrency", export_concurrency, 1, 64, KEY_LIVE),
	K_INT("server", "max_body_kb", max_body_kb, 1, 64 * 1024, 0),
	K_INT("server", "max_upload_kb", max_upload_kb, 1, 256 * 1024, 0),
	K_BOOL("server", "behind_tls", behind_tls, 0),
	K_BOOL("server", "access_log", access_log, 0),
	K_BOOL("server", "test_mode", test_mode, 0),
	K_STR("database", "url", "database", "TREMPLIN_DATABASE", database, KEY_SECRET),
	K_STR("mail", "smtp_url", "smtp-url", "TREMPLIN_SMTP_URL", smtp_url, KEY_LIVE | KEY_SECRET),
	K_STR("mail", "from", NULL, NULL, mail_from, KEY_LIVE),
	K_INT("mail", "retry_seconds", mail_retry_seconds, 1, 86400, KEY_LIVE),
	K_STR("geocoder", "url", NULL, NULL, geocoder_url, KEY_LIVE),
	K_INT("geocoder", "min_score", geocoder_min_score, 0, 100, KEY_LIVE),
	K_STR("log", "level", NULL, NULL, log_level, KEY_LIVE),
	K_STR("log", "format", NULL, NULL, log_format, KEY_LIVE),
	K_STR("metrics", "allow", NULL, NULL, metrics_allow, KEY_LIVE),
	K_BOOL("webhooks", "allow_loopback", webhooks_allow_loopback, KEY_LIVE),
	K_INT("webhooks", "timeout_seconds", webhooks_timeout_seconds, 1, 300, KEY_LIVE),
	K_INT("webhooks", "retry_seconds", webhooks_retry_seconds, 1, 86400, KEY_LIVE),
	K_INT("webhooks", "pause_after", webhooks_pause_after, 1, 1000, KEY_LIVE),
	K_STR("oidc.proconnect", "issuer", NULL, NULL, oidc[OIDC_PROCONNECT].issuer, 0),
	K_STR("oidc.proconnect", "client_id", NULL, NULL, oidc[OIDC_PROCONNECT].client_id, 0),
	K_STR("oidc.proconnect", "client_secret", NULL, NULL, oidc[OIDC_PROCONNECT].client_secret, KEY_SECRET),
	K_STR("oidc.proconnect", "scopes", NULL, NULL, oidc[OIDC_PROCONNECT].scopes, 0),
	K_STR("oidc.proconnect", "acr_values", NULL, NULL, oidc[OIDC_PROCONNECT].acr_values, 0),
	K_STR("oidc.franceconnect", "issuer", NULL, NULL, oidc[OIDC_FRANCECONNECT].issuer, 0),
	K_STR("oidc.franceconnect", "client_id", NULL, NULL, oidc[OIDC_FRANCECONNECT].client_id, 0),
	K_STR("oidc.franceconnect", "client_secret", NULL, NULL, oidc[OIDC_FRANCECONNECT].client_secret, KEY_SECRET),
	K_STR("oidc.franceconnect", "scopes", NULL, NULL, oidc[OIDC_FRANCECONNECT].scopes, 0),
	K_STR("oidc.franceconnect", "acr_values", NULL, NULL, oidc[OIDC_FRANCECONNECT].acr_values, 0),
	K_STR("site", "publisher", NULL, NULL, site_publisher, KEY_LIVE),
	K_STR("site", "publisher_address", NULL, NULL, site_publisher_address, KEY_LIVE),
	K_STR("site", "publication_director", NULL, NULL, site_director, KEY_LIVE),
	K_STR("site", "host", NULL, NULL, site_host, KEY_LIVE),
	K_STR("site", "host_address", NULL, NULL, site_host_address, KEY_LIVE),
	K_STR("site", "contact_email", NULL, NULL, site_contact_email, KEY_LIVE),
	K_STR("site", "dpo", NULL, NULL, site_dpo, KEY_LIVE),
	K_STR("site", "dpo_email", NULL, NULL, site_dpo_email, KEY_LIVE),
	K_STR("site", "accessibility_level", NULL, NULL, site_accessibility_level, KEY_LIVE),
	K_STR("site", "accessibility_date", NULL, NULL, site_accessibility_date, KEY_LIVE),
	K_STR("site", "accessibility_audit", NULL, NULL, site_accessibility_audit, KEY_LIVE),
	K_BOOL("auth", "require_second_factor", require_second_factor, KEY_LIVE),
	K_STR("auth", "totp_key", NULL, "TREMPLIN_TOTP_KEY", totp_key, KEY_SECRET),
};

static const char *const oidc_names[OIDC_PROVIDERS] = { "proconnect", "franceconnect" };

const char *
config_oidc_name(enum config_oidc_provider p)
{
	return p < OIDC_PROVIDERS ? oidc_names[p] : "";
}

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:8080");
	snprintf(cfg->database, sizeof(cfg->database), "sqlite:var/tremplin.db");
	snprintf(cfg->base_url, sizeof(cfg->base_url), "http://127.0.0.1:8080");
	snprintf(cfg->static_dir, sizeof(cfg->static_dir), "build/static");
	snprintf(cfg->mail_from, sizeof(cfg->mail_from), "tremplin <ne-pas-repondre@tremplin.localhost>");
	snprintf(cfg->tile_url, sizeof(cfg->tile_url), "https://tile.openstreetmap.org/{z}/{x}/{y}.png");
	cfg->session_hours = 12;
	cfg->session_max_hours = 12;
	cfg->export_concurrency = 2;
	cfg->deadline_ms = 10000;
	cfg->long_deadline_ms = 120000;
	cfg->max_body_kb = 1024;
	cfg->max_upload_kb = 10 * 1024;
	cfg->access_log = true;
	cfg->mail_retry_seconds = 60;
	cfg->geocoder_min_score = 60;
	snprintf(cfg->log_level, sizeof(cfg->log_level), "info");
	snprintf(cfg->log_format, sizeof(cfg->log_format), "text");
	cfg->webhooks_timeout_seconds = 10;
	cfg->webhooks_retry_seconds = 60;
	cfg->webhooks_pause_after = 15;
	snprintf(cfg->oidc[OIDC_PROCONNECT].scopes, CONFIG_STR_MAX, "openid email given_name usual_name uid siret");
	snprintf(cfg->oidc[OIDC_FRANCECONNECT].scopes, CONFIG_STR_MAX,
	    "openid email given_name family_name birthdate gender birthplace birthcountry");
	snprintf(
	    cfg->site_publisher, sizeof(cfg->site_publisher), "Agence nationale de la cohésion des territoires (ANCT)");
	snprintf(cfg->site_publisher_address, sizeof(cfg->site_publisher_address), "20 avenue de Ségur, 75007 Paris");
	snprintf(cfg->site_director, sizeof(cfg->site_director),
	    "Le directeur général de l'Agence nationale de la cohésion des territoires");
	snprintf(cfg->site_dpo, sizeof(cfg->site_dpo),
	    "Le délégué à la protection des données de l'Agence nationale de la cohésion des territoires");
	snprintf(cfg->site_accessibility_level, sizeof(cfg->site_accessibility_level), "partiellement conforme");
	snprintf(cfg->site_accessibility_date, sizeof(cfg->site_accessibility_date), "2026-12-07");
	snprintf(cfg->site_accessibility_audit, sizeof(cfg->site_accessibility_audit),
	    "auto-évaluation réalisée par l'équipe de la plateforme : tests automatisés (axe-core, critères WCAG 2.1 A "
	    "et AA) de chaque page à chaque modification, contrôle manuel des libellés, des contrastes et de la "
	    "navigation au clavier");
	cfg->require_second_factor = true;
}

static tr_err
set_value(struct config *cfg, const struct key *k, const char *value, char *errbuf, size_t errlen)
{
	char *p = (char *)cfg + k->offset;
	char *end;
	long long v;

	switch (k->type) {
	case KEY_STR:
		if (strlen(value) >= CONFIG_STR_MAX) {
			snprintf(errbuf, errlen, "%s.%s: value longer than %d bytes", k->section, k->name,
			    CONFIG_STR_MAX - 1);
			return TR_INVALID;
		}
		snprintf(p, CONFIG_STR_MAX, "%s", value);
		return TR_OK;
	case KEY_INT:
		v = strtoll(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < k->min || v > k->max) {
			snprintf(errbuf, errlen, "%s.%s: expected a whole number from %lld to %lld, got \"%s\"",
			    k->section, k->name, (long long)k->min, (long long)k->max, value);
			return TR_INVALID;
		}
		*(int64_t *)(void *)p = v;
		return TR_OK;
	case KEY_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
			*(bool *)(void *)p = true;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
			*(bool *)(void *)p = false;
		else {
			snprintf(
			    errbuf, errlen, "%s.%s: expected true or false, got \"%s\"", k->section, k->name, value);
			return TR_INVALID;
		}
		return TR_OK;
	}
	return TR_INTERNAL;
}

static const struct key *
find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

struct ini_state {
	struct config *cfg;
	char why[256];
	int failed;
};

/* libinih calls this for each key; returning 0 makes ini_parse return that line's number. */
static int
on_ini_pair(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *st = user;
	const struct key *k;

	if (st->failed)
		return 1;
	k = find_key(section, name);
	if (k == NULL) {
		snprintf(st->why, sizeof(st->why), "unknown setting [%s] %s", section, name);
		st->failed = 1;
		return 0;
	}
	if (set_value(st->cfg, k, value, st->why, sizeof(st->why)) != TR_OK) {
		st->failed = 1;
		return 0;
	}
	return 1;
}

tr_err
config_load_file(struct config *cfg, const char *path, char *errbuf, size_t errlen)
{
	struct ini_state st = { .cfg = cfg };
	int rc = ini_parse(path, on_ini_pair, &st);

	if (rc == -1) {
		snprintf(errbuf, errlen, "%s: cannot open the configuration file", path);
		return TR_INVALID;
	}
	if (st.failed) {
		snprintf(errbuf, errlen, "%s:%d: %s", path, rc, st.why);
		return TR_INVALID;
	}
	if (rc != 0) {
		snprintf(errbuf, errlen, "%s:%d: syntax error", path, rc);
		return TR_INVALID;
	}
	return TR_OK;
}

tr_err
config_set(struct config *cfg, const char *key, const char *value, char *errbuf, size_t errlen)
{
	const char *dot = strrchr(key, '.'); /* the last: sections may hold dots (oidc.proconnect) */

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		bool match = dot ? (strncmp(k->section, key, (size_t)(dot - key)) == 0 &&
		                       k->section[dot - key] == '\0' && strcmp(k->name, dot + 1) == 0)
		                 : (k->alias && strcmp(k->alias, key) == 0);
		if (match) {
			tr_err err = set_value(cfg, k, value, errbuf, errlen);
			if (err == TR_OK)
				cfg->cli_keys |= 1ull << i;
			return err;
		}
	}
	snprintf(errbuf, errlen, "unknown setting %s", key);
	return TR_INVALID;
}

tr_err
config_from_env(struct config *cfg, char *errbuf, size_t errlen)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v;
		char why[256];

		if (keys[i].env == NULL || (v = getenv(keys[i].env)) == NULL || *v == '\0')
			continue;
		if (set_value(cfg, &keys[i], v, why, sizeof(why)) != TR_OK) {
			snprintf(errbuf, errlen, "%s: %s", keys[i].env, why);
			return TR_INVALID;
		}
	}
	return TR_OK;
}

/* One entry of trusted_proxies: an IPv4 or IPv6 address, with an optional /bits. */
struct cidr {
	int family;
	unsigned char addr[16];
	int bits;
};

static bool
cidr_parse(const char *s, size_t n, struct cidr *c)
{
	char buf[64];
	const char *slash;
	char *end;
	long bits;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		buf[slash - buf] = '\0';
	c->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(c->family, buf, c->addr) != 1)
		return false;
	c->bits = c->family == AF_INET6 ? 128 : 32;
	if (slash != NULL) {
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || bits < 0 || bits > c->bits)
			return false;
		c->bits = (int)bits;
	}
	return true;
}

static bool
cidr_contains(const struct cidr *c, const char *addr)
{
	static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char a[16];
	int full = c->bits / 8, rest = c->bits % 8;

	if (c->family == AF_INET && strchr(addr, ':') != NULL) {
		/* An IPv4-mapped IPv6 peer (::ffff:a.b.c.d, as a dual-stack socket reports it) is its IPv4 address. */
		unsigned char v6[16];
		if (inet_pton(AF_INET6, addr, v6) != 1 || memcmp(v6, v4_mapped, sizeof(v4_mapped)) != 0)
			return false;
		memcpy(a, v6 + 12, 4);
	} else if (inet_pton(c->family, addr, a) != 1) {
		return false;
	}
	if (memcmp(a, c->addr, (size_t)full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ c->addr[full]) & (0xff00 >> rest) & 0xff) == 0;
}

#define LIST_SEP ", \t"

bool
config_address_in(const char *list, const char *addr)
{
	for (const char *p = list + strspn(list, LIST_SEP); *p;) {
		size_t n = strcspn(p, LIST_SEP);
		struct cidr c;
		if (cidr_parse(p, n, &c) && cidr_contains(&c, addr))
			return true;
		p += n;
		p += strspn(p, LIST_SEP);
	}
	return false;
}

/* True when ADDR is one of the trusted proxies. */
static bool
trusted(const struct config *cfg, const char *addr)
{
	return config_address_in(cfg->trusted_proxies, addr);
}

void
config_client_address(const struct config *cfg, const char *peer, const char *fwd, size_t n, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", peer);
	if (fwd == NULL || !trusted(cfg, out))
		return;
	/* From the right: each hop was added by the one before it; stop at the first we do not trust. */
	while (n > 0) {
		size_t end = n, start;
		char one[64];
		unsigned char bin[16];
		while (end > 0 && (fwd[end - 1] == ' ' || fwd[end - 1] == '\t'))
			end--;
		start = end;
		while (start > 0 && fwd[start - 1] != ',')
			start--;
		n = start > 0 ? start - 1 : 0;
		while (start < end && (fwd[start] == ' ' || fwd[start] == '\t'))
			start++;
		if (end - start == 0 || end - start >= sizeof(one))
			return;
		memcpy(one, fwd + start, end - start);
		one[end - start] = '\0';
		if (inet_pton(strchr(one, ':') ? AF_INET6 : AF_INET, one, bin) != 1)
			return;
		snprintf(out, outlen, "%s", one);
		if (!trusted(cfg, out))
			return;
	}
}

bool
config_split_listen(const char *listen, char *hostbuf, size_t hostlen, int *port)
{
	const char *colon = strrchr(listen, ':');
	const char *h = listen;
	size_t hn;
	char *end;
	long p;

	if (colon == NULL)
		return false;
	hn = (size_t)(colon - listen);
	if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
		h++;
		hn -= 2;
	}
	if (hn == 0 || hn >= hostlen)
		return false;
	if (colon[1] < '0' || colon[1] > '9')
		return false;
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p < 1 || p > 65535)
		return false;
	memcpy(hostbuf, h, hn);
	hostbuf[hn] = '\0';
	*port = (int)p;
	return true;
}

/* Whether LIST (of setting NAME) is addresses or CIDR blocks; else the reason in ERRBUF. */
static bool
address_list_ok(const char *name, const char *list, char *errbuf, size_t errlen)
{
	for (const char *p = list + strspn(list, LIST_SEP); *p;) {
		size_t n = strcspn(p, LIST_SEP);
		struct cidr c;
		if (!cidr_parse(p, n, &c)) {
			snprintf(errbuf, errlen,
			    "%s: expected addresses or CIDR blocks (10.0.0.0/8, ::1), got \"%.*s\"", name, (int)n, p);
			return false;
		}
		p += n;
		p += strspn(p, LIST_SEP);
	}
	return true;
}

tr_err
config_check(const struct config *cfg, char *errbuf, size_t errlen)
{
	char host[256];
	int port, y, m, d;

	if (!config_split_listen(cfg->listen, host, sizeof(host), &port)) {
		snprintf(errbuf, errlen, "listen: expected HOST:PORT, got \"%s\"", cfg->listen);
		return TR_INVALID;
	}
	if (strncmp(cfg->database, "sqlite:", 7) != 0 && strncmp(cfg->database, "postgresql://", 13) != 0 &&
	    strncmp(cfg->database, "postgres://", 11) != 0) {
		snprintf(errbuf, errlen, "database: expected sqlite:PATH or postgresql://…, got \"%s\"", cfg->database);
		return TR_INVALID;
	}
	if (strncmp(cfg->base_url, "http://", 7) != 0 && strncmp(cfg->base_url, "https://", 8) != 0) {
		snprintf(
		    errbuf, errlen, "base_url: expected an http:// or https:// address, got \"%s\"", cfg->base_url);
		return TR_INVALID;
	}
	if (cfg->smtp_url[0] != '\0' && strncmp(cfg->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(cfg->smtp_url, "smtps://", 8) != 0) {
		snprintf(errbuf, errlen, "mail.smtp_url: expected smtp:// or smtps://, got \"%s\"", cfg->smtp_url);
		return TR_INVALID;
	}
	if (!address_list_ok("server.trusted_proxies", cfg->trusted_proxies, errbuf, errlen) ||
	    !address_list_ok("metrics.allow", cfg->metrics_allow, errbuf, errlen))
		return TR_INVALID;
	if (strcmp(cfg->log_level, "debug") != 0 && strcmp(cfg->log_level, "info") != 0 &&
	    strcmp(cfg->log_level, "warn") != 0 && strcmp(cfg->log_level, "error") != 0) {
		snprintf(errbuf, errlen, "log.level: expected debug, info, warn or error, got \"%s\"", cfg->log_level);
		return TR_INVALID;
	}
	if (strcmp(cfg->log_format, "text") != 0 && strcmp(cfg->log_format, "json") != 0) {
		snprintf(errbuf, errlen, "log.format: expected text or json, got \"%s\"", cfg->log_format);
		return TR_INVALID;
	}
	if (strcmp(cfg->site_accessibility_level, "totalement conforme") != 0 &&
	    strcmp(cfg->site_accessibility_level, "partiellement conforme") != 0 &&
	    strcmp(cfg->site_accessibility_level, "non conforme") != 0) {
		snprintf(errbuf, errlen,
		    "site.accessibility_level: expected totalement, partiellement or non conforme, got \"%s\"",
		    cfg->site_accessibility_level);
		return TR_INVALID;
	}
	if (cfg->site_accessibility_date[0] != '\0' &&
	    !date_parse(cfg->site_accessibility_date, strlen(cfg->site_accessibility_date), &y, &m, &d)) {
		snprintf(errbuf, errlen, "site.accessibility_date: expected a date YYYY-MM-DD, got \"%s\"",
		    cfg->site_accessibility_date);
		return TR_INVALID;
	}
	for (size_t i = 0; i < 2; i++) {
		const char *mail = i == 0 ? cfg->site_contact_email : cfg->site_dpo_email;
		if (mail[0] != '\0' && (strchr(mail, '@') == NULL || strpbrk(mail, " <>\"") != NULL)) {
			snprintf(errbuf, errlen, "site.%s: expected an email address, got \"%s\"",
			    i == 0 ? "contact_email" : "dpo_email", mail);
			return TR_INVALID;
		}
	}
	if (cfg->geocoder_url[0] != '\0' && strncmp(cfg->geocoder_url, "http://", 7) != 0 &&
	    strncmp(cfg->geocoder_url, "https://", 8) != 0) {
		snprintf(errbuf, errlen, "geocoder.url: expected an http:// or https:// address, got \"%s\"",
		    cfg->geocoder_url);
		return TR_INVALID;
	}
	for (int i = 0; i < OIDC_PROVIDERS; i++) {
		const struct config_oidc *o = &cfg->oidc[i];
		if (o->issuer[0] == '\0')
			continue;
		if (strncmp(o->issuer, "https://", 8) != 0 && strncmp(o->issuer, "http://127.0.0.1:", 17) != 0 &&
		    strncmp(o->issuer, "http://localhost:", 17) != 0) {
			snprintf(errbuf, errlen,
			    "oidc.%s.issuer: expected an https:// address (http:// on the loopback only), got \"%s\"",
			    oidc_names[i], o->issuer);
			return TR_INVALID;
		}
		if (o->client_id[0] == '\0' || o->client_secret[0] == '\0') {
			snprintf(errbuf, errlen, "oidc.%s: client_id and client_secret are required with an issuer",
			    oidc_names[i]);
			return TR_INVALID;
		}
		if (strncmp(o->scopes, "openid", 6) != 0 || (o->scopes[6] != '\0' && o->scopes[6] != ' ')) {
			snprintf(errbuf, errlen, "oidc.%s.scopes: must start with openid, got \"%s\"", oidc_names[i],
			    o->scopes);
			return TR_INVALID;
		}
	}
	if (cfg->totp_key[0] != '\0' &&
	    (strlen(cfg->totp_key) != 64 || strspn(cfg->totp_key, "0123456789abcdef") != 64)) {
		snprintf(errbuf, errlen, "auth.totp_key: expected 64 lower-case hex digits (32 bytes)");
		return TR_INVALID;
	}
	return TR_OK;
}

/* The value of key K in CFG as text, in BUF. */
static const char *
key_text(const struct config *cfg, const struct key *k, char *buf, size_t n)
{
	const char *p = (const char *)cfg + k->offset;

	switch (k->type) {
	case KEY_STR: return p;
	case KEY_INT: snprintf(buf, n, "%lld", (long long)*(const int64_t *)(const void *)p); return buf;
	case KEY_BOOL: return *(const bool *)(const void *)p ? "true" : "false";
	}
	return "";
}

tr_err
config_reload(const struct config *old, struct config *out, config_note_fn note, void *ud, char *errbuf, size_t errlen)
{
	_Static_assert(sizeof(keys) / sizeof(keys[0]) <= 64, "cli_keys has a bit per key");
	struct config *fresh = malloc(sizeof(*fresh));
	tr_err err = TR_OK;

	if (fresh == NULL)
		return TR_INTERNAL;
	config_defaults(fresh);
	if (old->config_file[0] != '\0')
		err = config_load_file(fresh, old->config_file, errbuf, errlen);
	if (err == TR_OK)
		err = config_from_env(fresh, errbuf, errlen);
	if (err == TR_OK)
		err = config_check(fresh, errbuf, errlen);
	if (err != TR_OK) {
		free(fresh);
		*out = *old;
		return err;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		char a[32], b[32], name[64];
		const char *was, *now;
		size_t size = k->type == KEY_STR ? CONFIG_STR_MAX : k->type == KEY_INT ? sizeof(int64_t) : sizeof(bool);

		/* The command line's value stays: it came after the file. */
		if (old->cli_keys & (1ull << i))
			memcpy((char *)fresh + k->offset, (const char *)old + k->offset, size);
		was = key_text(old, k, a, sizeof(a));
		now = key_text(fresh, k, b, sizeof(b));
		if (strcmp(was, now) == 0)
			continue;
		snprintf(name, sizeof(name), "%s.%s", k->section, k->name);
		if (note != NULL)
			note(ud, name, k->flags & KEY_SECRET ? NULL : was, k->flags & KEY_SECRET ? NULL : now,
			    (k->flags & KEY_LIVE) != 0);
		if (!(k->flags & KEY_LIVE))
			memcpy((char *)fresh + k->offset, (const char *)old + k->offset, size);
	}
	memcpy(fresh->config_file, old->config_file, sizeof(fresh->config_file));
	fresh->cli_keys = old->cli_keys;
	*out = *fresh;
	free(fresh);
	return TR_OK;
}
