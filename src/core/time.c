/* Clock and dates. */
#include "core/time.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"

static _Atomic int64_t offset;

int64_t
clock_now(void)
{
	return (int64_t)time(NULL) + atomic_load(&offset);
}

void
clock_set_offset(int64_t seconds)
{
	atomic_store(&offset, seconds);
}

int64_t
clock_offset(void)
{
	return atomic_load(&offset);
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

char *
time_iso(struct arena *a, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[32];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(a, s);
}

char *
date_iso(struct arena *a, int64_t t)
{
	struct local_time lt = time_paris(t);

	return arena_printf(a, "%04d-%02d-%02d", lt.year, lt.month, lt.day);
}

static const char *const months_fr[] = { "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
	"septembre", "octobre", "novembre", "décembre" };

/* Paris local time: the TZ database is read once by tzset; localtime_r with TZ set at startup. */
static void
paris_tm(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	localtime_r(&tt, tm);
}

struct local_time
time_paris(int64_t t)
{
	struct tm tm;

	paris_tm(t, &tm);
	return (struct local_time){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, (tm.tm_wday + 6) % 7,
		tm.tm_hour * 60 + tm.tm_min };
}

void
time_fr_write(int64_t t, bool with_time, char *out, size_t outlen)
{
	struct tm tm;

	paris_tm(t, &tm);
	if (with_time)
		snprintf(out, outlen, "%d%s %s %d à %d h %02d", tm.tm_mday, tm.tm_mday == 1 ? "er" : "",
		    months_fr[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	else
		snprintf(out, outlen, "%d%s %s %d", tm.tm_mday, tm.tm_mday == 1 ? "er" : "", months_fr[tm.tm_mon],
		    tm.tm_year + 1900);
}

char *
time_fr(struct arena *a, int64_t t)
{
	char tmp[64];

	time_fr_write(t, true, tmp, sizeof(tmp));
	return arena_strdup(a, tmp);
}

char *
date_fr(struct arena *a, int64_t t)
{
	char tmp[64];

	time_fr_write(t, false, tmp, sizeof(tmp));
	return arena_strdup(a, tmp);
}

char *
date_ymd_fr(struct arena *a, const char *ymd)
{
	int y, m, d;

	if (ymd == NULL || !date_parse(ymd, strlen(ymd), &y, &m, &d))
		return NULL;
	return arena_printf(a, "%d%s %s %d", d, d == 1 ? "er" : "", months_fr[m - 1], y);
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
date_parse(const char *s, size_t n, int *year, int *month, int *day)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int v[3] = { 0, 0, 0 };
	const size_t widths[3] = { 4, 2, 2 };
	size_t pos = 0;

	if (n != 10)
		return false;
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < widths[k]; i++, pos++) {
			if (s[pos] < '0' || s[pos] > '9')
				return false;
			v[k] = v[k] * 10 + (s[pos] - '0');
		}
		if (k < 2 && s[pos++] != '-')
			return false;
	}
	if (v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1)
		return false;
	if (v[2] > mdays[v[1] - 1] + (v[1] == 2 && is_leap(v[0])))
		return false;
	*year = v[0];
	*month = v[1];
	*day = v[2];
	return true;
}

int64_t
date_days(int year, int month, int day)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
date_civil(int64_t days, int *year, int *month, int *day)
{
	/* Howard Hinnant's civil_from_days. */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	*year = (int)(yoe + era * 400 + (m <= 2));
	*month = (int)m;
	*day = (int)d;
}

int
date_month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

static int
month_days(int y, int m)
{
	return date_month_days(y, m);
}

char *
date_add(struct arena *a, const char *date, int months, int days)
{
	int y, m, d;
	int64_t n;
	time_t t;
	struct tm tm;

	if (date == NULL || !date_parse(date, strlen(date), &y, &m, &d))
		return NULL;
	n = (int64_t)y * 12 + (m - 1) + months;
	y = (int)(n >= 0 ? n / 12 : (n - 11) / 12);
	m = (int)(n - (int64_t)y * 12) + 1;
	if (d > month_days(y, m))
		d = month_days(y, m);
	t = (time_t)((date_days(y, m, d) + days) * 86400);
	gmtime_r(&t, &tm);
	return arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int
date_months_between(const char *from, const char *to)
{
	int y1, m1, d1, y2, m2, d2, n;

	if (from == NULL || to == NULL || !date_parse(from, strlen(from), &y1, &m1, &d1) ||
	    !date_parse(to, strlen(to), &y2, &m2, &d2))
		return INT32_MIN;
	n = (y2 - y1) * 12 + (m2 - m1);
	/* A month counts once its day is reached (or the target month is shorter and ends). */
	if (n > 0 && d2 < d1 && !(d2 == month_days(y2, m2)))
		n--;
	else if (n < 0 && d2 > d1)
		n++;
	return n;
}
