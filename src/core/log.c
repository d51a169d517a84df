/* Thread-safe line logging, as text or JSON lines. */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/utf8.h"

#define LOG_LINE_MAX (64 * 1024)

static const char *const level_names[] = { "debug", "info", "warn", "error" };
static atomic_int min_level = LOG_INFO;
static atomic_int format = LOG_TEXT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local const char *request_id;

void
log_set_level(enum log_level level)
{
	atomic_store(&min_level, (int)level);
}

bool
log_enabled(enum log_level level)
{
	return (int)level >= atomic_load(&min_level);
}

void
log_set_format(enum log_format f)
{
	atomic_store(&format, (int)f);
}

bool
log_level_parse(const char *name, enum log_level *out)
{
	for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	return false;
}

bool
log_format_parse(const char *name, enum log_format *out)
{
	if (strcmp(name, "text") == 0 || strcmp(name, "json") == 0) {
		*out = name[0] == 't' ? LOG_TEXT : LOG_JSON;
		return true;
	}
	return false;
}

void
log_set_request(const char *id)
{
	request_id = id;
}

/* A line at its cap (LOG_LINE_MAX) is written as far as it got: nothing else to do. */
static void
cut(tr_err err)
{
	(void)err;
}

/* Writes the finished line B (a newline added) at once, so that lines of several threads never mix. */
static void
emit(struct buf *b)
{
	pthread_mutex_lock(&log_lock);
	fwrite(b->p ? b->p : "", 1, b->n, stderr);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

static void
stamp(char *out, size_t n)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* S as a JSON string member, its bytes that are not UTF-8 replaced by '?': a line a log shipper can always read. */
static void
put_member(struct buf *b, const char *name, const char *s)
{
	char *copy = NULL;

	if (!utf8_valid(s, strlen(s))) {
		copy = strdup(s);
		for (char *p = copy; p && *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		s = copy ? copy : "";
	}
	cut(buf_printf(b, ",\"%s\":", name));
	cut(json_put_string(b, s));
	free(copy);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char when[32], text[8192];
	struct buf b = BUF_INIT(LOG_LINE_MAX);
	va_list ap;

	if ((int)level < atomic_load(&min_level))
		return;
	stamp(when, sizeof(when));
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (atomic_load(&format) == LOG_JSON) {
		cut(buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\"", when, level_names[level]));
		put_member(&b, "msg", text);
		if (request_id != NULL)
			put_member(&b, "request_id", request_id);
		cut(buf_putc(&b, '}'));
	} else {
		cut(buf_printf(&b, "%s %s %s", when, level_names[level], text));
		if (request_id != NULL)
			cut(buf_printf(&b, " [req %s]", request_id));
	}
	emit(&b);
	buf_free(&b);
}

void
log_access(const char *method, size_t method_len, const char *path, int status, int64_t bytes, int64_t duration_ms,
    const char *client, const char *request_id_)
{
	char when[32], m[16];
	struct buf b = BUF_INIT(LOG_LINE_MAX);

	if (LOG_INFO < atomic_load(&min_level))
		return;
	stamp(when, sizeof(when));
	snprintf(m, sizeof(m), "%.*s", (int)(method_len < sizeof(m) ? method_len : sizeof(m) - 1), method);
	if (atomic_load(&format) == LOG_JSON) {
		cut(buf_printf(&b, "{\"time\":\"%s\",\"level\":\"info\",\"type\":\"access\"", when));
		put_member(&b, "method", m);
		put_member(&b, "path", path);
		cut(buf_printf(&b, ",\"status\":%d,\"bytes\":%lld,\"duration_ms\":%lld", status,
		    (long long)(bytes < 0 ? 0 : bytes), (long long)duration_ms));
		if (client != NULL)
			put_member(&b, "client", client);
		if (request_id_ != NULL)
			put_member(&b, "request_id", request_id_);
		cut(buf_putc(&b, '}'));
	} else {
		if (bytes < 0)
			cut(buf_printf(
			    &b, "%s info access %s %s %d file %lldms", when, m, path, status, (long long)duration_ms));
		else
			cut(buf_printf(&b, "%s info access %s %s %d %lld %lldms", when, m, path, status,
			    (long long)bytes, (long long)duration_ms));
		if (request_id_ != NULL)
			cut(buf_printf(&b, " [req %s]", request_id_));
	}
	emit(&b);
	buf_free(&b);
}
