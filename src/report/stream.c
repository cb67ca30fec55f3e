/*
 * The streaming crash detector for a live VM console: buffers a bounded
 * window of output, notices the first oops line as bytes arrive (only
 * complete lines are inspected, each once) and says when enough of the
 * report has followed to parse it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util/buf.h"

#define STREAM_AFTER_MAX (4u << 20) /* bytes kept after the oops */
#define STREAM_AFTER_LINES 1000 /* lines after the oops: surely complete */
#define STREAM_MAX_LINE 4096

struct report_stream {
	struct buf data;
	size_t keep; /* bytes kept before an oops */
	size_t scanned; /* complete lines before this offset were checked */
	bool crashed;
	bool complete;
	size_t oops; /* offset of the oops line */
	size_t lines_after;
};

struct report_stream *report_stream_new(size_t keep)
{
	struct report_stream *s = calloc(1, sizeof(*s));
	if (s)
		s->keep = keep ? keep : (1u << 20);
	return s;
}

void report_stream_free(struct report_stream *s)
{
	if (!s)
		return;
	buf_free(&s->data);
	free(s);
}

void report_stream_reset(struct report_stream *s)
{
	buf_reset(&s->data);
	s->scanned = 0;
	s->crashed = s->complete = false;
	s->oops = s->lines_after = 0;
}

/* Markers after which nothing more of a report is coming. */
static bool end_marker(const char *l, size_t len)
{
	static const char *const markers[] = {
		"Kernel panic - not syncing", "Rebooting in ",
		"---[ end Kernel panic",      "Kernel Offset:",
		"reboot: Restarting system",
	};
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (memmem(l, len, markers[i], strlen(markers[i])))
			return true;
	return false;
}

/* Drop old output before an oops so memory stays bounded. */
static void trim(struct report_stream *s)
{
	if (s->crashed || s->data.len <= 2 * s->keep)
		return;
	size_t cut = s->data.len - s->keep;
	if (cut > s->scanned)
		cut = s->scanned;
	const char *nl = memchr(s->data.data + cut, '\n', s->data.len - cut);
	if (nl && (size_t)(nl - s->data.data) < s->scanned)
		cut = (size_t)(nl - s->data.data) + 1;
	memmove(s->data.data, s->data.data + cut, s->data.len - cut);
	s->data.len -= cut;
	s->data.data[s->data.len] = 0;
	s->scanned -= cut;
}

int report_stream_feed(struct report_stream *s, const void *data, size_t len)
{
	if (s->crashed) {
		size_t room = s->oops + STREAM_AFTER_MAX > s->data.len ?
				      s->oops + STREAM_AFTER_MAX - s->data.len :
				      0;
		if (len > room) {
			len = room;
			s->complete = true;
		}
	}
	int err = buf_append(&s->data, data, len);
	if (err)
		return err;
	for (;;) {
		char *b = s->data.data + s->scanned;
		size_t avail = s->data.len - s->scanned;
		char *nl = memchr(b, '\n', avail);
		size_t l;
		if (nl)
			l = (size_t)(nl - b);
		else if (avail >= STREAM_MAX_LINE)
			l = avail; /* a gigantic line: look at it now */
		else
			break;
		size_t cut = l > STREAM_MAX_LINE ? STREAM_MAX_LINE : l;
		if (!s->crashed) {
			if (report_contains_crash(b, cut)) {
				s->crashed = true;
				s->oops = s->scanned;
			}
		} else if (!s->complete) {
			if (end_marker(b, cut) ||
			    ++s->lines_after >= STREAM_AFTER_LINES)
				s->complete = true;
		}
		s->scanned += l + (nl ? 1 : 0);
	}
	trim(s);
	return 0;
}

int report_stream_feed_file(struct report_stream *s, FILE *f, long *off)
{
	char chunk[65536];
	size_t n;
	int err = 0;

	fseek(f, *off, SEEK_SET);
	while (!err && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		*off += (long)n;
		err = report_stream_feed(s, chunk, n);
	}
	clearerr(f);
	return err;
}

bool report_stream_crashed(const struct report_stream *s)
{
	return s->crashed;
}

bool report_stream_complete(const struct report_stream *s)
{
	return s->complete;
}

const char *report_stream_data(const struct report_stream *s, size_t *len)
{
	*len = s->data.len;
	return s->data.data ? s->data.data : "";
}

int report_stream_parse(struct report_stream *s, struct report **out)
{
	return report_parse(s->data.data ? s->data.data : "", s->data.len, out);
}
