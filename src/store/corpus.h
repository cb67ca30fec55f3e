/*
 * The persistent corpus: programs (text form), their signal, the max
 * signal and counters, in SQLite at <workdir>/corpus.db. Every change is one
 * transaction in WAL mode, so kill -9 at any moment loses at most the
 * change in flight.
 */
#ifndef DRMFUZZ_STORE_CORPUS_H
#define DRMFUZZ_STORE_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "signal/signal.h"

struct corpus_db;

/* One stored program. Strings and blobs are owned by the callback's caller. */
struct corpus_entry {
	int64_t id;
	const char *hash; /* sha1 of the program text, hex */
	const char *prog; /* program text */
	const uint8_t *signal; /* serialised signal (signal_deserialize) */
	size_t signal_len;
	int64_t added; /* unix seconds */
	const char *kernel; /* kernel release it was triaged on */
};

/*
 * Open (creating) <workdir>/corpus.db. A file that is not a drmfuzz corpus,
 * or is corrupt, is refused with an error naming it. Returns 0 or -errno.
 */
int corpus_db_open(const char *workdir, struct corpus_db **out);
void corpus_db_close(struct corpus_db *db);

/*
 * Add a program (deduplicated by text hash; an existing one gets its
 * signal replaced). Returns 1 when new, 0 when updated, or -errno.
 */
int corpus_db_put(struct corpus_db *db, const char *prog,
		  const struct signal_set *signal, const char *kernel);
/* Remove by text hash. 0 (also when absent) or -errno. */
int corpus_db_delete(struct corpus_db *db, const char *hash);

/* Calls @fn for every program in insertion order; stops when it returns
 * non-zero (and returns that). */
int corpus_db_foreach(struct corpus_db *db,
		      int (*fn)(const struct corpus_entry *e, void *ctx),
		      void *ctx);
int64_t corpus_db_count(struct corpus_db *db);

/* The max signal seen, saved and loaded whole. */
int corpus_db_save_max_signal(struct corpus_db *db,
			      const struct signal_set *max);
int corpus_db_load_max_signal(struct corpus_db *db, struct signal_set *max);

/* Named counters (execs, crashes, fuzzing seconds...). */
int corpus_db_set_stat(struct corpus_db *db, const char *name, int64_t value);
int64_t corpus_db_get_stat(struct corpus_db *db, const char *name,
			   int64_t dflt);

#endif
