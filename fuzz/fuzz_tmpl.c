/* libFuzzer driver for the template engine: the input is compiled as a template and, when it loads,
 * rendered against a small fixed object into a capped buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tmpl.h"

#define FUZZ_DATA                                                                                             \
	"{\"s\":\"<a&'\\\"b>\",\"n\":-3,\"r\":2.5,\"t\":true,\"f\":false,\"z\":null,\"e\":[],\"empty\":\"\"," \
	"\"l\":[1,\"two\",{\"s\":\"in\",\"l\":[true]},[3]],\"o\":{\"a\":{\"b\":\"deep\"},\"l\":[{}]},"        \
	"\"child\":{\"name\":\"x\",\"child\":{\"name\":\"y\",\"child\":null}}}"

/* A fixed partial the input can call, besides itself ("t.html"). */
#define FUZZ_PARTIAL "<{{#l}}{{@index}}{{/l}}{{s}}>"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *obj;
	char *text = malloc(size + 1);
	struct embedded_file files[] = {
		{ "t.html", text, size },
		{ "p.html", FUZZ_PARTIAL, sizeof(FUZZ_PARTIAL) - 1 },
		{ NULL, NULL, 0 },
	};
	struct tmpl_set *set;
	struct buf out = BUF_INIT(1 << 16);
	char errbuf[128];

	if (obj == NULL && (obj = json_loads(FUZZ_DATA, 0, NULL)) == NULL)
		abort();
	if (text == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	if (tmpl_set_load(files, &set, errbuf, sizeof(errbuf)) == TR_OK) {
		tr_err err = tmpl_render(set, "t.html", obj, &out);
		if (err != TR_OK && err != TR_TOO_LARGE && err != TR_INVALID)
			abort();
		tmpl_set_free(set);
	} else if (set != NULL || errbuf[0] == '\0' || strncmp(errbuf, "t.html:", 7) != 0) {
		abort();
	}
	buf_free(&out);
	free(text);
	return 0;
}
