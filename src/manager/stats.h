/*
 * Fuzzing statistics: counters updated by instance threads, snapshotted
 * for the status line and /api/stats.
 */
#ifndef DRMFUZZ_MANAGER_STATS_H
#define DRMFUZZ_MANAGER_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "util/buf.h"

struct stats {
	double start; /* monotonic seconds at start */
	int64_t uptime_base; /* seconds fuzzed in earlier runs */
	atomic_int_fast64_t execs;
	atomic_int_fast64_t execs_base; /* execs in earlier runs */
	atomic_int vms; /* VMs up and fuzzing */
	atomic_int_fast64_t corpus;
	atomic_int_fast64_t signal;
	atomic_int_fast64_t coverage;
	atomic_int_fast64_t crashes;
	atomic_int_fast64_t crash_types;
	atomic_int_fast64_t vm_restarts;
	atomic_int_fast64_t triage_queue;
	/* For exec/s over the last interval. */
	double rate_t;
	int64_t rate_execs;
	double rate;
};

struct stats_snapshot {
	int64_t uptime_s;
	int vms;
	int64_t execs;
	double exec_per_s;
	int64_t corpus, signal, coverage, crashes, crash_types;
	int64_t vm_restarts, triage_queue;
};

void stats_init(struct stats *s, int64_t uptime_base, int64_t execs_base);
/* Take a snapshot; refreshes exec/s when at least 1 s passed since the last
 * refresh. Call from one thread (the status loop). */
void stats_snapshot(struct stats *s, struct stats_snapshot *out);
/* "uptime 1h02m, 2 VMs, 12345 execs (21.3/s), corpus 310, signal 5012,
 * coverage 8012 PCs, crashes 2 (1 kinds)" */
void stats_format_line(const struct stats_snapshot *s, struct buf *out);
/* The /api/stats JSON object. */
void stats_format_json(const struct stats_snapshot *s, struct buf *out);

#endif
