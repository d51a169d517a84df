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

/* Microseconds of the same clock. */
int64_t clock_mono_us(void);

/* "2026-11-24T10:05:00Z" in the arena. */
char *time_iso(struct arena *a, int64_t t);

/* "24 novembre 2026 à 11 h 05" in the Paris time zone, in the arena. */
char *time_fr(struct arena *a, int64_t t);

/* Writes time_fr's text (WITH_TIME) or date_fr's into OUT (OUTLEN bytes; 40 are enough), cut at OUTLEN. */
void time_fr_write(int64_t t, bool with_time, char *out, size_t outlen);

/* "2026-11-24", the date in Paris of moment T, in the arena. */
char *date_iso(struct arena *a, int64_t t);

/* "24 novembre 2026", Paris time zone. */
char *date_fr(struct arena *a, int64_t t);

/* "15 janvier 2027" for the calendar date YMD ("2027-01-15"), in the arena; NULL when YMD is not a date. */
char *date_ymd_fr(struct arena *a, const char *ymd);

/* A moment in Paris local time (the server sets TZ=Europe/Paris at start): the date, the weekday
 * (0 = Monday … 6 = Sunday) and the minute of the day, as hours_state_at takes them. */
struct local_time {
	int year, month, day, weekday, minute;
};

struct local_time time_paris(int64_t t);

/* Parses "YYYY-MM-DD" into its parts after checking the calendar (leap years); false otherwise. */
bool date_parse(const char *s, size_t n, int *year, int *month, int *day);

/* DATE ("YYYY-MM-DD") moved by MONTHS then DAYS (either may be negative), in the arena; a day past the end
 * of the target month is clamped (31 January + 1 month = 28 or 29 February). NULL for an invalid DATE. */
char *date_add(struct arena *a, const char *date, int months, int days);

/* Whole months from FROM to TO (both "YYYY-MM-DD"): 2026-01-15 → 2026-07-15 is 6, → 2026-07-14 is 5.
 * Negative when TO is before FROM; INT32_MIN for an invalid date. */
int date_months_between(const char *from, const char *to);

/* Days since 1970-01-01 of a calendar date (proleptic Gregorian). */
int64_t date_days(int year, int month, int day);

/* The calendar date of day number DAYS (days since 1970-01-01, proleptic Gregorian): date_days's inverse. */
void date_civil(int64_t days, int *year, int *month, int *day);

/* The number of days of MONTH (1-12) of YEAR (leap years counted). */
int date_month_days(int year, int month);

#endif
