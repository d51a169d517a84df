/* The clock (which tests can move forward) and date formatting, ISO for machines and French for people. */
#ifndef TR_CORE_TIME_H
#define TR_CORE_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/* Seconds since the epoch, plus the offset set by clock_set_offset. */
int64_t clock_now(void);

/* Moves the clock by SECONDS (tests only: the server enables it with its test_clock setting). */
void clock_set_offset(int64_t seconds);
int64_t clock_offset(void);

/* Milliseconds of a monotonic clock, for durations. */
int64_t clock_mono_ms(void);

/* "2026-11-24T10:05:00Z" in the arena. */
char *time_iso(struct arena *a, int64_t t);

/* "24 novembre 2026 à 11 h 05" in the Paris time zone, in the arena. */
char *time_fr(struct arena *a, int64_t t);

/* "24 novembre 2026", Paris time zone. */
char *date_fr(struct arena *a, int64_t t);

/* A moment in Paris local time (the server sets TZ=Europe/Paris at start): the date, the weekday
 * (0 = Monday … 6 = Sunday) and the minute of the day, as hours_state_at takes them. */
struct local_time {
	int year, month, day, weekday, minute;
};

struct local_time time_paris(int64_t t);

/* Parses "YYYY-MM-DD" into its parts after checking the calendar (leap years); false otherwise. */
bool date_parse(const char *s, size_t n, int *year, int *month, int *day);

/* Days since 1970-01-01 of a calendar date (proleptic Gregorian). */
int64_t date_days(int year, int month, int day);

#endif
