/*
 * The crash store: workdir/crashes/<sha1(title)>/ holds "description" (the
 * title), log0..log99 and report0..report99 (the most recent 100
 * occurrences, reused round-robin) and "meta.json" (title, type, count,
 * first/last seen, alternative titles). The same title is the same crash.
 * Every file is replaced atomically, so a kill -9 at any moment leaves a
 * consistent store. A known-bugs file (one title per line, '#' comments)
 * marks crashes already reported elsewhere (e.g. exported from syzbot).
 *
 * A crashdb may be shared by threads; separate processes may share a
 * workdir (writes to one crash are serialized with flock).
 */
#ifndef DRMFUZZ_CRASHDB_CRASHDB_H
#define DRMFUZZ_CRASHDB_CRASHDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report.h"

#define CRASHDB_MAX_LOGS 100

struct crashdb;

/* Open (creating workdir/crashes). 0 and *out, or -errno. */
int crashdb_open(const char *workdir, struct crashdb **out);
void crashdb_close(struct crashdb *db);

/*
 * Load known titles from @path (replacing earlier ones). Returns the number
 * loaded (>= 0) or -errno.
 */
int crashdb_load_known(struct crashdb *db, const char *path);
/* @title (or one of @rep's titles) is in the known-bugs list. */
bool crashdb_is_known(struct crashdb *db, const char *title);

struct crashdb_saved {
	char id[41]; /* directory name: sha1 of the title */
	uint64_t count; /* occurrences so far, this one included */
	bool is_new; /* first occurrence */
	bool known; /* listed in the known-bugs file */
	int slot; /* N of the logN/reportN written */
};

/*
 * Record one occurrence of @rep with the console @log it came from.
 * @out may be NULL. Returns 0 or -errno.
 */
int crashdb_save(struct crashdb *db, const struct report *rep, const char *log,
		 size_t log_len, struct crashdb_saved *out);

struct crashdb_entry {
	char id[41];
	char *title;
	char *type;
	uint64_t count;
	int64_t first_seen, last_seen; /* Unix seconds */
	bool corrupted;
	bool known;
	int n_logs;
	char *repro_state; /* NULL: never tried; else as crashdb_repro */
	int repro_attempts;
};

/*
 * All crashes, new bugs first (not known), then most recently seen first.
 * *out (free with crashdb_entries_free) may be NULL when *n == 0.
 */
int crashdb_list(struct crashdb *db, struct crashdb_entry **out, size_t *n);
void crashdb_entries_free(struct crashdb_entry *e, size_t n);

/*
 * Reproduction results in a crash directory @dir (one of ours, or a
 * syzkaller crash directory): syzkaller's file names, each written
 * atomically, only once the reproduction is over, so a reproduction
 * killed half-way leaves the directory as it was. On success (@state
 * "reproduced") repro.prog, repro.cprog (if any), repro.log,
 * repro.report and repro.json are replaced; otherwise repro.log and
 * repro.json are written only when the directory holds no reproducer
 * yet (a failed retry never hides a working reproducer), else
 * repro.retry.log. meta.json (when present) records the state and the
 * attempts. NULL fields are not written. 0 or -errno.
 */
struct crashdb_repro {
	const char *state; /* "reproduced", "not reproduced", "other bug",
			      "gave up" */
	const char *prog, *cprog, *log, *report, *json;
};
int crashdb_save_repro(const char *dir, const struct crashdb_repro *r);

/*
 * Count one reproduction attempt of the crash in @dir (meta.json's
 * repro_attempts). -EAGAIN when @max attempts were made already or it is
 * reproduced; else 0 and *attempt is this attempt's number (1-based).
 */
int crashdb_repro_attempt(const char *dir, int max, int *attempt);

/* Directory of crash @id (new string, caller frees), NULL on ENOMEM. */
char *crashdb_dir(struct crashdb *db, const char *id);

#endif
