/* JSON string escaping for streamed output. */
#include "core/json.h"

tr_err
json_put_string(struct buf *b, const char *s)
{
	static const char *const named[32] = {
		['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"
	};
	const char *run = s;
	tr_err err = buf_putc(b, '"');

	for (; err == TR_OK && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		err = buf_append(b, run, (size_t)(s - run));
		if (err == TR_OK)
			err = c == '"'    ? buf_puts(b, "\\\"")
			      : c == '\\' ? buf_puts(b, "\\\\")
			      : named[c]  ? buf_puts(b, named[c])
			                  : buf_printf(b, "\\u%04x", c);
		run = s + 1;
	}
	if (err == TR_OK)
		err = buf_append(b, run, (size_t)(s - run));
	return err == TR_OK ? buf_putc(b, '"') : err;
}
