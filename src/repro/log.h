/*
 * Program logs: the programs a machine ran before it crashed, in
 * syzkaller's log form ("executing program P:" and the program's text,
 * interleaved with console lines), written by drmfuzz's manager and read
 * back from drmfuzz's and syzkaller's crash logs alike.
 */
#ifndef DRMFUZZ_REPRO_LOG_H
#define DRMFUZZ_REPRO_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prog;
struct syz_target;
struct buf;

/* How a program was run; what the executor's request and call props say. */
struct repro_opts {
	bool threaded; /* each call in its own thread */
	bool collide; /* pairs of calls at once */
	int repeat; /* runs of the program: 0 forever (C only), 1 once */
	int procs; /* programs run at once (>= 1) */
	bool sandbox_setuid; /* else none (root) */
	bool fault; /* some call has fail_nth */
};

struct repro_log_entry {
	int proc;
	size_t start, end; /* byte range of the entry in the log */
	size_t line; /* 1-based line of its "executing program" header */
	struct prog *p; /* the program: the calls that parsed (owned) */
	struct repro_opts opts; /* from the header's suffix, if any */
	bool has_opts;
	size_t skipped; /* lines between its calls that did not parse */
};

struct repro_log {
	struct repro_log_entry *v;
	size_t n, cap;
	size_t headers; /* "executing program" lines seen */
	size_t empty; /* headers whose program had no call we could parse */
};

/*
 * Find the programs in a log, as syzkaller reads one: after each line
 * containing "executing program P", every following line that extends the
 * program so far into one that still parses is part of it, and other
 * lines (console output, calls of unknown syscalls) are skipped. The
 * header's "(fault-call:C fault-nth:N)" (syzkaller's older form) becomes
 * call C's fail_nth N+1; drmfuzz's "(threaded collide repeat=N procs=N
 * sandbox=S)" suffix fills opts. Programs with no parsed call are counted
 * in @empty and dropped. Returns 0 (even when nothing was found) or
 * -ENOMEM; free with repro_log_free.
 */
int repro_log_parse(const struct syz_target *t, const char *data, size_t len,
		    struct repro_log *out);
void repro_log_free(struct repro_log *l);

/*
 * Append one entry in the log form: "executing program P (OPTS):\n" and
 * the program's canonical text. @opts may be NULL (no suffix).
 */
int repro_log_format(struct buf *out, int proc, const struct repro_opts *opts,
		     const char *prog_text);

/* "threaded collide repeat=N procs=N sandbox=none" (caller frees). */
char *repro_opts_string(const struct repro_opts *o);

/*
 * Parse the words repro_opts_string writes, in any order, into @o (fields
 * not named keep their value). 0, or -EINVAL naming the bad word in @err.
 */
int repro_opts_parse(const char *s, struct repro_opts *o, char *err,
		     size_t cap);

/*
 * The proc whose task crashed, from a report's "Comm:" (drmfuzz's
 * "drmfuzz-proc-N", syzkaller's "syz-executor.N", "syz-executorN" and
 * "syz.N.ID"); -1 when the report names none of them.
 */
int repro_comm_proc(const char *report);

/*
 * The programs a machine was sent, newest last, for its crash log: a
 * bounded ring (at most @max entries; thread-safe). Each entry remembers
 * where the machine's console stood when the program was sent, so the
 * crash log can interleave programs with console lines as they happened.
 */
struct repro_ring;

/* NULL on ENOMEM. */
struct repro_ring *repro_ring_new(size_t max);
void repro_ring_free(struct repro_ring *r);
/* Forget everything (the machine booted again: a new console). */
void repro_ring_reset(struct repro_ring *r);
/*
 * Record that @prog_text was sent to proc @proc with @opts (may be NULL)
 * when the console log was @console_off bytes long, at @when (Unix
 * seconds). 0 or -ENOMEM (the entry is dropped).
 */
int repro_ring_add(struct repro_ring *r, int proc,
		   const struct repro_opts *opts, const char *prog_text,
		   uint64_t console_off, double when);
size_t repro_ring_count(struct repro_ring *r);

/*
 * The crash log in syzkaller's form: the console bytes @console, which
 * start at byte @base of the console since boot (a console kept only in
 * part), with each program sent at or after @since (Unix seconds; 0:
 * all) written out before the first console line that starts at or after
 * its offset (programs sent before @base come first). Appends to @out;
 * 0 or -ENOMEM.
 */
int repro_ring_merge(struct repro_ring *r, const char *console, size_t len,
		     uint64_t base, double since, struct buf *out);

#endif
