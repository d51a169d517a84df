/* libFuzzer driver for core/markdown: renders the input, then checks the promises of the header on the HTML: every
 * tag is one of the subset's (p, ul, ol, li, em, strong, a with an http(s) href), tags balance and nest, and no
 * other '<' or '>' reaches the output (everything else was escaped). Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tags[] = { "p", "ul", "ol", "li", "em", "strong", "a" };

static int
tag_index(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strlen(tags[i]) == n && memcmp(tags[i], name, n) == 0)
			return (int)i;
	return -1;
}

static void
check(const char *h, size_t n)
{
	int stack[4096];
	size_t depth = 0;

	for (size_t i = 0; i < n; i++) {
		if (h[i] == '>')
			abort(); /* a '>' outside a tag */
		if (h[i] != '<')
			continue;
		bool closing = i + 1 < n && h[i + 1] == '/';
		size_t s = i + 1 + closing, e = s;
		while (e < n && h[e] >= 'a' && h[e] <= 'z')
			e++;
		int t = tag_index(h + s, e - s);
		if (t < 0)
			abort();
		if (!closing && t == 6) { /* <a href="http(s)://…"> */
			if (strncmp(h + e, " href=\"http://", 14) != 0 && strncmp(h + e, " href=\"https://", 15) != 0)
				abort();
			e = (size_t)((const char *)memchr(h + e + 7, '"', n - e - 7) - h) + 1;
		}
		if (e >= n || h[e] != '>')
			abort();
		if (closing) {
			if (depth == 0 || stack[depth - 1] != t)
				abort();
			depth--;
		} else {
			if (depth == sizeof(stack) / sizeof(stack[0]))
				abort();
			stack[depth++] = t;
		}
		i = e;
	}
	if (depth != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT(0);

	if (size > 1 << 16)
		return 0;
	if (md_render((const char *)data, size, &out) != TR_OK)
		abort();
	check(out.p ? out.p : "", out.n);
	buf_free(&out);
	return 0;
}
