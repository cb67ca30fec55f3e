/*
 * drmfuzz-executor: clocks for the stage timing printed on the console,
 * and the switch that turns it on.
 */
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "executor.h"

static int timing = -1;

uint64_t timing_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int timing_on(void)
{
	if (timing < 0) {
		const char *e = getenv("drmfuzz_timing");

		timing = e && *e == '1';
	}
	return timing;
}

double timing_cpu_ms(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}
