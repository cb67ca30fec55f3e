/*
 * Private to src/report: the data-driven table of oops kinds. Patterns are
 * POSIX extended regexps matched against one line at a time (console
 * prefixes already stripped). Placeholders expand before compiling:
 *   {{PC}}   "[<ffffffff81234567>]" (no capture group)
 *   {{FUNC}} a function name followed by '.' or '+' (one capture group)
 *   {{SRC}}  "path/file.c:123" (one capture group)
 */
#ifndef DRMFUZZ_REPORT_OOPS_H
#define DRMFUZZ_REPORT_OOPS_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/* A part of a stack recipe that means "parse a stack trace here". */
#define OOPS_STACK "\001stack"

#define OOPS_MAX_PARTS 4
#define OOPS_MAX_STEPS 3
#define OOPS_MAX_SKIP 12

enum oops_extractor {
	OOPS_EXTRACT_FIRST, /* the first frame that is not skipped */
	OOPS_EXTRACT_STALL, /* the frame before a dispatch anchor */
	OOPS_EXTRACT_HANG, /* rtnl_lock / synchronize_rcu buckets */
};

struct oops_part {
	const char *re; /* OOPS_STACK or a line regexp */
	int group; /* capture group holding a frame, 0 for none */
	int group2; /* another one, used when @group did not match */
};

struct oops_stack {
	struct oops_part parts[OOPS_MAX_PARTS];
	struct oops_part parts2[OOPS_MAX_PARTS]; /* tried when parts fail */
	const char *skip[OOPS_MAX_SKIP]; /* extra frame-skip regexps */
	enum oops_extractor extractor;
};

/*
 * One title format. @title finds the format's line; @report (optional)
 * are steps matched on that line or later, each on a later line than the
 * previous one, within @step_gap lines (0: no limit). Title strings use
 * %1..%9 for capture groups of @report (or @title when there are no
 * steps), numbered across steps, and %f1..%f3 for stack results.
 */
struct oops_format {
	const char *title;
	const char *report[OOPS_MAX_STEPS];
	int step_gap;
	const char *fmt;
	const char *alt[2];
	const struct oops_stack *stack;
	bool no_stack_trace;
	bool corrupted;
};

#define OOPS_MAX_FORMATS 48
#define OOPS_MAX_SUPPRESS 12

struct oops {
	const char *header; /* literal; a line containing it starts a report */
	struct oops_format formats[OOPS_MAX_FORMATS];
	const char *suppress[OOPS_MAX_SUPPRESS]; /* regexps that veto a line */
};

extern const struct oops oops_table[];
extern const size_t oops_table_len;

/* Frame names matching any of these are never the guilty frame. */
extern const char *const oops_skip_frames[];
/* Anchors for OOPS_EXTRACT_STALL. */
extern const char *const oops_stall_anchors[];
/* Prefixes stripped from frame names (in this order, each once). */
extern const char *const oops_strip_prefixes[];
/* Lines that start another stack trace ("Call Trace:", "Freed by"...). */
extern const char *const oops_stack_starts[];
/* Lines that must not start a second report inside a first one. */
extern const char *const oops_second_ignores[];
/* Messages with a stack trace that are not bugs themselves. */
extern const char *const oops_info_with_stack[];

/* Title prefix to type, first match wins. */
struct oops_type_rule {
	const char *prefix;
	enum report_type type;
};
extern const struct oops_type_rule oops_type_rules[];

#endif
