/* Logging to standard error, one line per event, safe from any thread: text ("2026-11-24T10:00:00Z info message")
 * or JSON lines ({"time":…,"level":…,"msg":…}) as [log] format says, with the id of the request the calling thread
 * is serving, so that a person's error page (which shows that id) leads to the lines of their request. */
#ifndef TR_CORE_LOG_H
#define TR_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT = 0, LOG_JSON };

/* Lines below LEVEL are dropped (default LOG_INFO). Any thread may call it at any time. */
void log_set_level(enum log_level level);

/* Whether lines of LEVEL are written now. */
bool log_enabled(enum log_level level);

/* Text or JSON lines from now on (default LOG_TEXT). Any thread may call it at any time. */
void log_set_format(enum log_format format);

/* The level and format named NAME ("debug", "info", "warn", "error"; "text", "json"); false for another name. */
bool log_level_parse(const char *name, enum log_level *out);
bool log_format_parse(const char *name, enum log_format *out);

/* The request the calling thread serves from now on (NULL: none); ID must live until it is replaced. Its lines
 * carry it: " [req ID]" at the end of a text line, "request_id" in JSON. */
void log_set_request(const char *id);

/* Writes one line at LEVEL: "2026-11-24T10:00:00Z level message", or {"time", "level", "msg", "request_id"}. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One access line (level info): "access METHOD PATH STATUS BYTES MSms" in text, else {"time", "level", "type":
 * "access", "method", "path", "status", "bytes", "duration_ms", "client", "request_id"}. BYTES < 0: a file sent
 * ("file" in text). CLIENT and REQUEST_ID may be NULL. */
void log_access(const char *method, size_t method_len, const char *path, int status, int64_t bytes, int64_t duration_ms,
    const char *client, const char *request_id);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
