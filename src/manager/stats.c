/* Fuzzing statistics. */
#include "stats.h"

#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void stats_init(struct stats *s, int64_t uptime_base, int64_t execs_base)
{
	s->start = now_s();
	s->uptime_base = uptime_base;
	atomic_init(&s->execs, 0);
	atomic_init(&s->execs_base, execs_base);
	atomic_init(&s->vms, 0);
	atomic_init(&s->corpus, 0);
	atomic_init(&s->signal, 0);
	atomic_init(&s->coverage, 0);
	atomic_init(&s->crashes, 0);
	atomic_init(&s->crash_types, 0);
	atomic_init(&s->vm_restarts, 0);
	atomic_init(&s->triage_queue, 0);
	s->rate_t = s->start;
	s->rate_execs = 0;
	s->rate = 0;
}

void stats_snapshot(struct stats *s, struct stats_snapshot *o)
{
	double t = now_s();
	int64_t execs = atomic_load(&s->execs);

	if (t - s->rate_t >= 1.0) {
		s->rate = (double)(execs - s->rate_execs) / (t - s->rate_t);
		s->rate_t = t;
		s->rate_execs = execs;
	}
	o->uptime_s = s->uptime_base + (int64_t)(t - s->start);
	o->vms = atomic_load(&s->vms);
	o->execs = atomic_load(&s->execs_base) + execs;
	o->exec_per_s = s->rate;
	o->corpus = atomic_load(&s->corpus);
	o->signal = atomic_load(&s->signal);
	o->coverage = atomic_load(&s->coverage);
	o->crashes = atomic_load(&s->crashes);
	o->crash_types = atomic_load(&s->crash_types);
	o->vm_restarts = atomic_load(&s->vm_restarts);
	o->triage_queue = atomic_load(&s->triage_queue);
}

void stats_format_line(const struct stats_snapshot *s, struct buf *out)
{
	int64_t up = s->uptime_s;

	if (up >= 3600)
		buf_printf(out, "uptime %lldh%02lldm", (long long)(up / 3600),
			   (long long)(up % 3600 / 60));
	else
		buf_printf(out, "uptime %lldm%02llds", (long long)(up / 60),
			   (long long)(up % 60));
	buf_printf(
		out,
		", %d VM%s, %lld execs (%.1f/s), corpus %lld, signal %lld, coverage %lld PCs, crashes %lld (%lld kinds)",
		s->vms, s->vms == 1 ? "" : "s", (long long)s->execs,
		s->exec_per_s, (long long)s->corpus, (long long)s->signal,
		(long long)s->coverage, (long long)s->crashes,
		(long long)s->crash_types);
	if (s->triage_queue)
		buf_printf(out, ", triage %lld", (long long)s->triage_queue);
}

void stats_format_json(const struct stats_snapshot *s, struct buf *out)
{
	buf_printf(
		out,
		"{\"uptime_s\": %lld, \"vms\": %d, \"execs\": %lld, \"exec_per_s\": %.2f, "
		"\"corpus\": %lld, \"signal\": %lld, \"coverage\": %lld, \"crashes\": %lld, "
		"\"crash_types\": %lld, \"vm_restarts\": %lld, \"triage_queue\": %lld}\n",
		(long long)s->uptime_s, s->vms, (long long)s->execs,
		s->exec_per_s, (long long)s->corpus, (long long)s->signal,
		(long long)s->coverage, (long long)s->crashes,
		(long long)s->crash_types, (long long)s->vm_restarts,
		(long long)s->triage_queue);
}
