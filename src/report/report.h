/*
 * Kernel crash reports: find the first oops in a console log, give it a
 * stable syzkaller-style title, a type and a corrupted flag, and cut out the
 * report text (same-context lines from the oops start through its call
 * trace). A streaming detector watches a live console for the VM monitor.
 *
 * Thread safety: every function here may be called from several threads;
 * the pattern tables are compiled once, on first use.
 */
#ifndef DRMFUZZ_REPORT_REPORT_H
#define DRMFUZZ_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Coarse bug classes, printed as "TYPE: <name>" (see report_type_name). */
enum report_type {
	REPORT_TYPE_UNKNOWN,
	REPORT_TYPE_KASAN_READ,
	REPORT_TYPE_KASAN_WRITE,
	REPORT_TYPE_KASAN_UAF_READ,
	REPORT_TYPE_KASAN_UAF_WRITE,
	REPORT_TYPE_KASAN_NULL_READ,
	REPORT_TYPE_KASAN_NULL_WRITE,
	REPORT_TYPE_KASAN_INVALID_FREE,
	REPORT_TYPE_KFENCE_READ,
	REPORT_TYPE_KFENCE_WRITE,
	REPORT_TYPE_KFENCE_UAF_READ,
	REPORT_TYPE_KFENCE_UAF_WRITE,
	REPORT_TYPE_KFENCE_INVALID_FREE,
	REPORT_TYPE_KFENCE_CORRUPTION,
	REPORT_TYPE_KMSAN_UNINIT,
	REPORT_TYPE_KMSAN_INFOLEAK,
	REPORT_TYPE_KCSAN_RACE,
	REPORT_TYPE_UBSAN,
	REPORT_TYPE_MEMORY_SAFETY,
	REPORT_TYPE_NULL_DEREF,
	REPORT_TYPE_LOCKDEP,
	REPORT_TYPE_ATOMIC_SLEEP,
	REPORT_TYPE_HANG,
	REPORT_TYPE_LEAK,
	REPORT_TYPE_WARNING,
	REPORT_TYPE_REFCOUNT_WARNING,
	REPORT_TYPE_BUG,
	REPORT_TYPE_DOS,
	REPORT_TYPE_REBOOT,
	REPORT_TYPE_LOST_CONNECTION,
	REPORT_TYPE_NO_OUTPUT,
};

/* "KASAN-READ", "LOCKDEP", "HANG", ... (static string). */
const char *report_type_name(enum report_type type);

#define REPORT_MAX_ALT 4

/*
 * A parsed crash. All strings are owned by the report; report_free()
 * releases everything. Offsets refer to the log passed to report_parse().
 */
struct report {
	char *title; /* e.g. "KASAN: slab-use-after-free Read in foo" */
	char *alt_titles[REPORT_MAX_ALT]; /* alternative titles, NULL-ended */
	size_t n_alt;
	char *frame; /* the guilty function, or NULL */
	enum report_type type;
	bool corrupted;
	const char *corrupted_reason; /* static string, NULL when not corrupted */
	bool panicked; /* the log contains "Kernel panic - not syncing" */
	char *text; /* report text, '\n'-terminated lines */
	size_t text_len;
	size_t start; /* offset of the oops line in the log */
	size_t end; /* offset just past the last oops line in the log */
};

void report_free(struct report *rep);

/*
 * Parse @len bytes of console output. Returns 1 and sets *out (caller frees
 * with report_free) when a crash was found, 0 when there is none (*out =
 * NULL), or -errno (-ENOMEM). Any bytes are accepted; work is bounded for
 * any input size (lines are cut at 4 KiB, a report at 4 MiB).
 */
int report_parse(const char *log, size_t len, struct report **out);

/* True when @log contains an oops line (cheaper than report_parse). */
bool report_contains_crash(const char *log, size_t len);

/*
 * Reports for losses seen by the executor side, not in the console:
 * "lost connection to test machine" and "no output from test machine".
 * @log (may be NULL) is copied as the report text. NULL on ENOMEM.
 */
struct report *report_new_lost_connection(const char *log, size_t len);
struct report *report_new_no_output(const char *log, size_t len);

/*
 * Title sanitization as syzkaller does it: addresses become ADDR, numbers
 * NUM, file:line becomes file:LINE, executor names lose their numbers,
 * control characters go, at most 120 characters. Returns a new string.
 */
char *report_sanitize_title(const char *title);

/*
 * A streaming detector for a live console. Feed it bytes as they arrive;
 * once an oops line was seen, keep feeding for a while (the rest of the
 * report follows) until report_stream_complete() or a deadline
 * (REPORT_STREAM_WAIT_MS after the oops), then call report_stream_parse().
 * Memory stays bounded: at most @keep bytes before the oops are kept
 * (0 = 1 MiB) and at most 4 MiB after it.
 */
#define REPORT_STREAM_WAIT_MS 10000

struct report_stream;

struct report_stream *report_stream_new(size_t keep);
void report_stream_free(struct report_stream *s);
/* 0 or -ENOMEM. */
int report_stream_feed(struct report_stream *s, const void *data, size_t len);
/*
 * Feed what a growing log file (a machine's console log, open for
 * reading) holds past byte *@off, and move *@off past it. 0 or -ENOMEM.
 */
int report_stream_feed_file(struct report_stream *s, FILE *f, long *off);
/* An oops line has been seen. */
bool report_stream_crashed(const struct report_stream *s);
/*
 * The report looks complete: the kernel panicked or rebooted, an end
 * marker was printed, or enough output followed the oops.
 */
bool report_stream_complete(const struct report_stream *s);
/* Parse what was buffered; same contract as report_parse(). */
int report_stream_parse(struct report_stream *s, struct report **out);
/* The buffered console text (valid until the next feed). */
const char *report_stream_data(const struct report_stream *s, size_t *len);
/* Forget everything (e.g. after the VM restarted). */
void report_stream_reset(struct report_stream *s);

#endif
