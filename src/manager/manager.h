/*
 * The manager: `drmfuzz run`. Loads the config, the descriptions and the
 * saved corpus, starts the VMs (one instance thread each), feeds them
 * programs through the fuzzer core, watches their consoles for crashes,
 * stores crashes and the corpus, serves /api/stats and prints a status
 * line. Stops cleanly on SIGINT/SIGTERM, saving everything.
 */
#ifndef DRMFUZZ_MANAGER_MANAGER_H
#define DRMFUZZ_MANAGER_MANAGER_H

#include <stdbool.h>

struct mgr_config;

struct manager_opts {
	const struct mgr_config *cfg;
	int duration_s; /* stop after this long; 0: until a signal */
	int status_every_s; /* status line period; 0: 10 */
	bool no_feedback; /* benchmark baseline: generate only, no corpus */
	const char *stats_csv; /* append a stats row every period, or NULL */
};

/* Returns 0 after a clean stop, or -errno after logging why it failed. */
int manager_run(const struct manager_opts *opts);

/* Ask a running manager to stop (async-signal-safe). */
void manager_request_stop(void);

#endif
