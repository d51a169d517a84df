/* OpenStreetMap opening_hours (the `horaires` field of digital-mediation places): a parser for the subset that
 * real files use, its plain-French reading, "open now?" and France's public holidays. */
#ifndef TR_CORE_HOURS_H
#define TR_CORE_HOURS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct arena;

/* Parsed rules, allocated in an arena; read-only once parsed. */
struct hours;

enum hours_state { HOURS_UNKNOWN = 0, HOURS_OPEN, HOURS_CLOSED };

/* Longest input hours_parse accepts, in bytes. */
#define HOURS_MAX_INPUT 1000

/* Parses S (N bytes, UTF-8). Returns TR_OK and *OUT (allocated in A), or TR_INVALID with *OUT NULL and a short
 * English reason in *WHY (allocated in A) for anything outside the supported subset, for input longer than
 * HOURS_MAX_INPUT bytes and for empty input. Never reads past N. On TR_INVALID the caller shows the value as
 * written and treats "open now" as unknown.
 *
 * Supported (keywords and names are case-insensitive, spaces and tabs are allowed between tokens):
 * - rules separated by ";" (a rule replaces the earlier ones for the days it matches), ", " after a complete rule
 *   (additional rule: adds to the earlier ones, "Mo-Fr 08:00-12:00, We 14:00-18:00") and "||" (fallback: used
 *   only at times when the rules before it say nothing); a trailing or doubled ";" is ignored; ", " after a rule
 *   with no times, modifier or comment ("Mo, 10:00-12:00") is refused, as it would open that day all day;
 * - "24/7";
 * - dates: months and month days, alone, as ranges (which may wrap over the year end) or lists: "Dec",
 *   "Jan-Mar", "Nov-Feb", "Jan,Jul-Aug", "Dec 25", "Dec 24-26", "Jul 14-Aug 15", "Dec 25,31";
 * - weeks: "week 5", "week 1-26", "week 2-52/2", lists with ",", ranges wrapping over the year end without step;
 * - an optional ":" after dates or weeks;
 * - weekdays: "Mo", "Mo-Fr", "Sa-Mo" (wrapping), lists "Mo,We,Fr" or "Mo-We,Fr", "PH" alone or in the list;
 * - times: "09:00-12:00", lists with ",", ends past midnight ("22:00-02:00", "18:00-26:00", up to "48:00"),
 *   "24:00" as end; hours may have one digit ("9:00");
 * - modifiers "open", "closed", "off", "unknown", and a comment in double quotes after them or alone.
 * A rule with weekdays and no time means the whole day; a rule with times and no day means every day.
 *
 * Not supported (TR_INVALID): years, "easter", school holidays "SH", nth weekdays "Mo[1]", holiday offsets
 * "PH +1 day", open ends "18:00+", points in time "18:00", periodic times "/", sunrise/sunset, comments before the
 * selectors ("\"text\": Mo"), empty ranges "10:00-10:00". */
TR_MUST_USE tr_err hours_parse(struct arena *a, const char *s, size_t n, struct hours **out, const char **why);

/* Whether the place is open at local time (YEAR, MONTH 1-12, DAY, WEEKDAY 0=Monday..6=Sunday, MINUTE of day
 * 0..1439), IS_HOLIDAY telling whether that day is a public holiday (1), is not (0) or is not known (-1).
 *
 * The minute a range ends is closed (12:00 in "09:00-12:00"). A range past midnight belongs to the day it starts
 * on and is overridden, as the specification says, by a later ";" rule for the next day; when such an override
 * removes opening hours ("Mo-Su 18:00-02:00; Tu off" on Tuesday at 01:00) the answer is HOURS_UNKNOWN, since
 * mappers often mean the contrary. HOURS_UNKNOWN also when: H is NULL; the date, weekday or minute are out of
 * range or the weekday is not the date's; the matching rule is "unknown" or has a comment and no times; "PH"
 * changes the answer and IS_HOLIDAY is -1 (whether the previous day was a holiday is never known: "PH" rules
 * past midnight give HOURS_UNKNOWN the next morning when it would change the answer). A time no rule speaks of
 * is closed. */
enum hours_state hours_state_at(
    const struct hours *h, int year, int month, int day, int weekday, int minute, int is_holiday);

/* Appends the rules in plain French to OUT, lowercase, rules separated by " ; " (additional rules by ", ",
 * fallbacks by " ; sinon "), e.g. "du lundi au vendredi de 9 h à 12 h et de 14 h à 18 h 30 ; le samedi de
 * 8 h 30 à 12 h". Comments are copied as written. Returns TR_OK, or the error of OUT (TR_TOO_LARGE past its cap,
 * the text then being cut). */
TR_MUST_USE tr_err hours_french(const struct hours *h, struct buf *out);

/* A plain weekly schedule, as the places form builds it from day and time fields: for each day (0 = Monday), up to
 * HOURS_DAY_RANGES ranges of minutes [from, to), -1 for none; ranges in order, not overlapping, within the day
 * (to may be 1440). */
#define HOURS_DAY_RANGES 2
struct hours_week {
	short range[7][HOURS_DAY_RANGES][2];
};

/* Appends to OUT the OpenStreetMap text of W: consecutive days with the same ranges grouped ("Mo-Fr 09:00-12:00,
 * 14:00-18:00; Sa 09:00-12:00"), closed days left out; nothing for a week closed every day. TR_INVALID (OUT
 * untouched, *DAY the faulty day 0-6) when a range ends before it starts, ranges overlap or are out of order, or a
 * second range is given without a first; else OUT's error. */
TR_MUST_USE tr_err hours_week_text(const struct hours_week *w, struct buf *out, int *day);

/* When S (N bytes) is a plain weekly schedule that hours_week_text writes back the same (spaces and case aside),
 * fills *W and returns true; false otherwise (dates, holidays, comments, more ranges a day: the expert's text
 * then stays the only form of it). Scratch memory in A. */
bool hours_week_of(struct arena *a, const char *s, size_t n, struct hours_week *w);

/* True when (YEAR, MONTH, DAY) is a public holiday in metropolitan France: 1 January, Easter Monday, 1 May,
 * 8 May, Ascension, Whit Monday, 14 July, 15 August, 1 November, 11 November, 25 December (Easter by the
 * anonymous Gregorian algorithm). False for invalid dates and years outside 1583..9999. */
bool hours_is_public_holiday(int year, int month, int day);

#endif
