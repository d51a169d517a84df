/* libFuzzer driver for core/hours: parses the input; when it parses, writes the French into capped buffers
 * and asks the state at a few times. Checks the promises of the header (reason on failure, valid UTF-8 French,
 * states in range) and two properties of the evaluation: without "||", appending "; off" never leaves a time
 * open, and appending "; 24/7" leaves every time open. Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/hours.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Local times to ask about: a Monday, a holiday Monday, a Saturday, the first days of a year with week 53. */
static const struct {
	int year, month, day, weekday;
} fuzz_days[] = {
	{ 2026, 1, 5, 0 },
	{ 2025, 7, 14, 0 },
	{ 2026, 1, 10, 5 },
	{ 2026, 1, 1, 3 },
	{ 2027, 1, 1, 4 },
	{ 2024, 2, 29, 3 },
};
static const int fuzz_minutes[] = { 0, 1, 539, 540, 719, 720, 1199, 1439 };
static const int fuzz_holidays[] = { -1, 0, 1 };

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

static bool
fuzz_state_valid(enum hours_state st)
{
	return st == HOURS_UNKNOWN || st == HOURS_OPEN || st == HOURS_CLOSED;
}

/* Parses IN followed by TAIL; NULL when too long or refused. */
static struct hours *
fuzz_parse_with(struct arena *a, const uint8_t *in, size_t n, const char *tail)
{
	size_t tn = strlen(tail);
	char *s;
	struct hours *h;
	const char *why;

	if (n + tn > HOURS_MAX_INPUT)
		return NULL;
	s = arena_alloc(a, n + tn);
	memcpy(s, in, n);
	memcpy(s + n, tail, tn);
	if (hours_parse(a, s, n + tn, &h, &why) != TR_OK)
		return NULL;
	return h;
}

static void
fuzz_states(struct arena *a, const struct hours *h, const uint8_t *data, size_t size)
{
	bool fallback = memchr(data, '|', size) != NULL;
	struct hours *off = fallback ? NULL : fuzz_parse_with(a, data, size, "; off");
	struct hours *all = fallback ? NULL : fuzz_parse_with(a, data, size, "; 24/7");

	/* what parses still parses with one more rule */
	fuzz_check(fallback || size + 6 > HOURS_MAX_INPUT || (off != NULL && all != NULL));
	for (size_t d = 0; d < sizeof fuzz_days / sizeof fuzz_days[0]; d++)
		for (size_t m = 0; m < sizeof fuzz_minutes / sizeof fuzz_minutes[0]; m++)
			for (size_t k = 0; k < sizeof fuzz_holidays / sizeof fuzz_holidays[0]; k++) {
				int y = fuzz_days[d].year, mo = fuzz_days[d].month, dd = fuzz_days[d].day;
				int wd = fuzz_days[d].weekday, min = fuzz_minutes[m], hol = fuzz_holidays[k];

				fuzz_check(fuzz_state_valid(hours_state_at(h, y, mo, dd, wd, min, hol)));
				fuzz_check(hours_state_at(h, y, mo, dd, (wd + 1) % 7, min, hol) == HOURS_UNKNOWN);
				if (off != NULL)
					fuzz_check(hours_state_at(off, y, mo, dd, wd, min, hol) != HOURS_OPEN);
				if (all != NULL)
					fuzz_check(hours_state_at(all, y, mo, dd, wd, min, hol) == HOURS_OPEN);
			}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct hours *h = (struct hours *)1;
	const char *why = (const char *)1;
	struct buf big = BUF_INIT(64 * 1024), small = BUF_INIT(32);
	tr_err err;

	/* a heap copy of exactly SIZE bytes, so that ASan sees any read past the end */
	char *s = malloc(size ? size : 1);
	if (size > 0)
		memcpy(s, data, size);
	err = hours_parse(a, s, size, &h, &why);
	free(s);
	if (err != TR_OK) {
		fuzz_check(err == TR_INVALID && h == NULL && why != NULL && why[0] != '\0');
		arena_free(a);
		return 0;
	}
	fuzz_check(h != NULL && size > 0 && size <= HOURS_MAX_INPUT);
	fuzz_check(hours_french(h, &big) == TR_OK && big.n > 0 && utf8_valid(big.p, big.n));
	err = hours_french(h, &small);
	fuzz_check((err == TR_OK && small.n == big.n) || (err == TR_TOO_LARGE && big.n > 32));
	fuzz_states(a, h, data, size);
	buf_free(&big);
	buf_free(&small);
	arena_free(a);
	return 0;
}
