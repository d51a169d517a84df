/* The outbox and its SMTP delivery through libcurl. */
#include "domain/kernel/outbox.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "domain/kernel/common.h"

/* The body a sensitive message keeps once sent: the row stays, the link it carried does not. */
#define OUTBOX_PURGED "(Ce message contenait un lien à usage unique ; il a été effacé après l'envoi.)"

static tr_err
queue(struct ctx *ctx, const char *to, const char *subject, const char *body, bool sensitive)
{
	/* Due at once: never later than the present, even when a job runs at a moment of the future (jobs run
	 * --now, the tests' injectable clock), which the sending worker would otherwise wait for. */
	int64_t due = ctx->now < clock_now() ? ctx->now : clock_now();
	tr_err err;

	if (!db_in_tx(ctx->db))
		return TR_INTERNAL;
	err = db_execv(ctx->db,
	    "INSERT INTO outbox (created_at, recipient, subject, body, next_attempt_at, sensitive) VALUES (?, ?, ?, ?, "
	    "?, ?)",
	    NULL, DB_I64(ctx->now), DB_TEXT(to), DB_TEXT(subject), DB_TEXT(body), DB_I64(due), DB_BOOL(sensitive));
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

tr_err
outbox_email(struct ctx *ctx, const char *to, const char *subject, const char *body)
{
	return queue(ctx, to, subject, body, false);
}

tr_err
outbox_email_sensitive(struct ctx *ctx, const char *to, const char *subject, const char *body)
{
	return queue(ctx, to, subject, body, true);
}

tr_err
outbox_event(struct ctx *ctx, const char *entity, int64_t id, const char *action, json_t *data)
{
	char *text;
	tr_err err;

	if (!db_in_tx(ctx->db))
		return TR_INTERNAL;
	text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		tr_oom("outbox event");
	/* Nothing is written while no subscription is active: the platform without integrators keeps no events. */
	err = db_execv(ctx->db,
	    "INSERT INTO webhook_events (created_at, type, entity, entity_id, data) SELECT ?, ?, ?, ?, ? WHERE EXISTS "
	    "(SELECT 1 FROM webhook_subscriptions WHERE state = 'active')",
	    NULL, DB_I64(ctx->now), DB_TEXT(arena_printf(ctx->arena, "%s.%s", entity, action)), DB_TEXT(entity),
	    DB_I64(id), DB_TEXT(arena_strdup(ctx->arena, text)));
	free(text);
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

/* "=?UTF-8?B?…?=" when S is not plain ASCII. */
static const char *
header_word(struct arena *a, const char *s)
{
	size_t n = strlen(s), len;
	char *out;
	bool ascii = true;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == '\r' || s[i] == '\n')
			ascii = false;
	if (ascii)
		return s;
	len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	out = arena_alloc(a, len);
	sodium_bin2base64(out, len, (const unsigned char *)s, n, sodium_base64_VARIANT_ORIGINAL);
	return arena_printf(a, "=?UTF-8?B?%s?=", out);
}

char *
outbox_format(struct arena *a, const char *from, const char *to, const char *subject, const char *body, int64_t id,
    int64_t created_at, int64_t now)
{
	struct buf b = BUF_INIT(0);
	char date[64];
	struct tm tm;
	time_t t = (time_t)now;
	tr_err err = TR_OK;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	err |= buf_printf(
	    &b, "Date: %s\r\nFrom: %s\r\nTo: <%s>\r\nSubject: %s\r\n", date, from, to, header_word(a, subject));
	err |= buf_printf(&b, "Message-ID: <outbox-%" PRId64 ".%" PRId64 "@tremplin>\r\n", id, created_at);
	err |= buf_puts(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                    "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n");
	for (const char *p = body; *p != '\0'; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			err |= buf_putc(&b, '\r');
		err |= buf_putc(&b, *p);
	}
	err |= buf_puts(&b, "\r\n");
	if (err != TR_OK)
		tr_oom("outbox message");
	return buf_to_arena(&b, a);
}

/* The bare address of a From value "Name <addr>" or "addr". */
static const char *
bare_address(struct arena *a, const char *from)
{
	const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;

	return lt && gt ? arena_strndup(a, lt, (size_t)(gt - lt + 1)) : arena_printf(a, "<%s>", from);
}

struct upload {
	const char *p;
	size_t left;
};

static size_t
read_message(char *dst, size_t size, size_t nitems, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nitems;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/* Sends one message with CURL, a handle kept for the whole batch: curl_easy_reset clears the options but
 * keeps the live connection, so that a batch speaks to the server over one SMTP session instead of one
 * connection per message. */
static tr_err
smtp_send(CURL *curl, const struct config *cfg, struct arena *a, const char *to, const char *message, const char **why)
{
	struct curl_slist *rcpt = NULL;
	struct upload up = { message, strlen(message) };
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	curl_easy_reset(curl);
	rcpt = curl_slist_append(rcpt, arena_printf(a, "<%s>", to));
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, bare_address(a, cfg->mail_from));
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(rcpt);
	if (rc != CURLE_OK) {
		*why = arena_strdup(a, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return TR_UNAVAILABLE;
	}
	return TR_OK;
}

tr_err
outbox_counts(struct db *db, struct arena *a, int64_t *pending, int64_t *failed)
{
	struct db_rows *r;
	tr_err err = db_one(db, a,
	    "SELECT COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN status = "
	    "'failed' THEN 1 ELSE 0 END), 0) FROM outbox WHERE status IN ('pending', 'failed')",
	    NULL, 0, &r);

	*pending = *failed = 0;
	if (err != TR_OK)
		return err;
	*pending = db_int(db_cell(r, 0, 0));
	*failed = db_int(db_cell(r, 0, 1));
	return TR_OK;
}

tr_err
outbox_deliver(struct db *db, const struct config *cfg, int64_t now, int max, int *sent)
{
	struct arena *a;
	CURL *curl;
	tr_err err = TR_OK;

	*sent = 0;
	if (cfg->smtp_url[0] == '\0')
		return TR_OK;
	if ((curl = curl_easy_init()) == NULL) {
		log_warn("outbox: curl_easy_init failed");
		return TR_INTERNAL;
	}
	a = arena_new();
	for (int i = 0; i < max; i++) {
		struct db_rows *r;
		const char *why = NULL;
		int64_t id, attempts;
		char *msg;

		/* Claim one due message for five minutes; another server's claim makes the UPDATE match nothing. A message
		 * waits while an older one to the same person is pending (retried after a failure), so that each person
		 * receives their messages in the order they were written, whatever the retries. */
		err = db_onev(db, a,
		    "UPDATE outbox SET claimed_until = ? WHERE id = (SELECT o.id FROM outbox o WHERE o.status = "
		    "'pending' "
		    "AND o.next_attempt_at <= ? AND (o.claimed_until IS NULL OR o.claimed_until < ?) AND NOT EXISTS "
		    "(SELECT 1 FROM outbox e WHERE e.recipient = o.recipient AND e.status = 'pending' AND e.id < o.id) "
		    "ORDER BY o.id LIMIT 1) "
		    "AND (claimed_until IS NULL OR claimed_until < ?) RETURNING id, recipient, subject, body, "
		    "attempts, "
		    "created_at",
		    &r, DB_I64(now + 300), DB_I64(now), DB_I64(now), DB_I64(now));
		if (err == TR_NOT_FOUND) {
			err = TR_OK;
			break;
		}
		if (err != TR_OK)
			break;
		id = db_int(db_cell(r, 0, 0));
		attempts = db_int(db_cell(r, 0, 4)) + 1;
		msg = outbox_format(a, cfg->mail_from, db_text(db_cell(r, 0, 1)), db_text(db_cell(r, 0, 2)),
		    db_text(db_cell(r, 0, 3)), id, db_int(db_cell(r, 0, 5)), now);
		if (smtp_send(curl, cfg, a, db_text(db_cell(r, 0, 1)), msg, &why) == TR_OK) {
			err = db_execv(db,
			    "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = ?, claimed_until = NULL, "
			    "last_error = NULL, body = CASE WHEN sensitive = 1 THEN ? ELSE body END WHERE id = ?",
			    NULL, DB_I64(now), DB_I64(attempts), DB_TEXT(OUTBOX_PURGED), DB_I64(id));
			(*sent)++;
			metrics_add(METRIC_OUTBOX_SENT, 1);
		} else {
			int64_t delay = cfg->mail_retry_seconds << (attempts < 20 ? attempts - 1 : 20);
			metrics_add(METRIC_OUTBOX_FAILED, 1);
			log_warn(
			    "outbox: message %" PRId64 " not delivered (attempt %" PRId64 "): %s", id, attempts, why);
			err = db_execv(db,
			    "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, "
			    "claimed_until = NULL, last_error = ?, body = CASE WHEN sensitive = 1 AND ? = 1 THEN ? "
			    "ELSE "
			    "body END WHERE id = ?",
			    NULL, DB_TEXT(attempts >= OUTBOX_MAX_ATTEMPTS ? "failed" : "pending"), DB_I64(attempts),
			    DB_I64(now + delay), DB_TEXT(why), DB_BOOL(attempts >= OUTBOX_MAX_ATTEMPTS),
			    DB_TEXT(OUTBOX_PURGED), DB_I64(id));
		}
		if (err != TR_OK)
			break;
	}
	arena_free(a);
	curl_easy_cleanup(curl);
	return err;
}
