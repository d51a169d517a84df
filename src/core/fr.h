/* French for people: plurals, dates in words and telephone numbers as people write them. One place for
 * these rules, used by handlers, domain messages and (through filters) templates. */
#ifndef TR_CORE_FR_H
#define TR_CORE_FR_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* ONE when N is 0, 1 or -1 (French puts 0 and 1 in the singular), else MANY. */
const char *fr_plural(long long n, const char *one, const char *many);

/* "1 poste demandé", "2 postes demandés", "0 poste demandé": N, a space, then fr_plural's word, in A. */
char *fr_count(struct arena *a, long long n, const char *one, const char *many);

/* Writes "15 janvier 2027" ("1er mai 2027") of the calendar date S ("YYYY-MM-DD", N bytes; a longer
 * "YYYY-MM-DDTHH:MM…" reads its date part) into OUT (OUTLEN bytes, 24 are enough). False, OUT empty,
 * when S is no valid date or OUT is too short. */
bool fr_date_write(const char *s, size_t n, char *out, size_t outlen);

/* fr_date_write's text in A; S itself (copied) when it is no date, "" for NULL. */
char *fr_date(struct arena *a, const char *s);

/* Longest E.164 number with its '+': 15 digits. */
#define FR_PHONE_MAX 16

/* Reads a telephone number as people write it ("06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78",
 * "+33 (0)6 12…", "0033 6…", "0262 12 34 56", "+44 20 7946 0958") and writes its E.164 form into OUT
 * (FR_PHONE_MAX + 1 bytes): a French number of ten digits starting with 0 gets +33, or the code of its
 * overseas département (0262/0692/0693 +262, 0269/0639 +262, 0590/0690/0691 +590, 0594/0694 +594,
 * 0596/0696/0697 +596); an international number keeps its country code. Spaces, dots, dashes, slashes and
 * brackets are separators. False when S is no such number (letters, fewer than 9 or more than 15 digits). */
bool fr_phone_e164(const char *s, size_t n, char *out);

/* Writes "06 12 34 56 78" of a French E.164 number S (+33 and nine digits) into OUT (OUTLEN bytes, 15 at
 * least); false, OUT untouched, for any other S. */
bool fr_phone_display_write(const char *s, char *out, size_t outlen);

/* fr_phone_display_write's text in A, or S itself (copied) when it is not a French number. */
char *fr_phone_display(struct arena *a, const char *s);

#endif
