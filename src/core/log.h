/* Logging to standard error, one line per event, safe from any thread. */
#ifndef TR_CORE_LOG_H
#define TR_CORE_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below LEVEL are dropped (default LOG_INFO). */
void log_set_level(enum log_level level);

/* Writes "2026-11-24T10:00:00Z level message" to standard error. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
