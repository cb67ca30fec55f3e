/*
 * libFuzzer target for the crash report parser and the streaming detector:
 * any console bytes must parse without crashing, leaking or stalling.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report *rep = NULL;
	if (report_parse((const char *)data, size, &rep) == 1) {
		if (!rep->title || rep->start > size || rep->end > size ||
		    strlen(rep->text) > rep->text_len)
			abort();
		report_free(rep);
	}
	(void)report_contains_crash((const char *)data, size);

	/* The same bytes fed to the stream in uneven pieces. */
	struct report_stream *s = report_stream_new(4096);
	if (!s)
		return 0;
	for (size_t off = 0, step = 1; off < size;
	     off += step, step = step * 3 % 97 + 1)
		report_stream_feed(s, data + off,
				   step < size - off ? step : size - off);
	if (report_stream_crashed(s) && report_stream_parse(s, &rep) == 1)
		report_free(rep);
	report_stream_free(s);
	return 0;
}
