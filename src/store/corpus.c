/* The persistent corpus in SQLite. */
#include "corpus.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/hash.h"
#include "util/log.h"

#define CORPUS_SCHEMA_VERSION 1

struct corpus_db {
	sqlite3 *db;
	char *path;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);"
	"CREATE TABLE IF NOT EXISTS corpus ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  prog TEXT NOT NULL,"
	"  signal BLOB NOT NULL,"
	"  added INTEGER NOT NULL,"
	"  kernel TEXT);"
	"CREATE TABLE IF NOT EXISTS stats (name TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL);";

static int db_error(struct corpus_db *db, const char *what)
{
	log_err("%s: %s: %s", db->path, what, sqlite3_errmsg(db->db));
	return -EIO;
}

static int exec_sql(struct corpus_db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err("%s: %s", db->path, msg ? msg : "error");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int check_version(struct corpus_db *db)
{
	sqlite3_stmt *st;
	int err = 0;

	if (sqlite3_prepare_v2(db->db,
			       "SELECT value FROM meta WHERE key='schema'", -1,
			       &st, NULL) != SQLITE_OK)
		return db_error(db, "reading the schema version");
	if (sqlite3_step(st) == SQLITE_ROW) {
		int v = sqlite3_column_int(st, 0);

		if (v != CORPUS_SCHEMA_VERSION) {
			log_err("%s: corpus schema version %d, this drmfuzz reads %d",
				db->path, v, CORPUS_SCHEMA_VERSION);
			err = -EINVAL;
		}
	} else {
		sqlite3_finalize(st);
		return exec_sql(db, "INSERT INTO meta VALUES ('schema', 1)");
	}
	sqlite3_finalize(st);
	return err;
}

int corpus_db_open(const char *workdir, struct corpus_db **out)
{
	struct corpus_db *db = calloc(1, sizeof(*db));
	int err;

	if (!db)
		return -ENOMEM;
	err = dir_create(workdir, 0755);
	if (err) {
		log_err("%s: cannot create the workdir: %s", workdir,
			strerror(-err));
		free(db);
		return err;
	}
	db->path = path_join(workdir, "corpus.db");
	if (!db->path) {
		free(db);
		return -ENOMEM;
	}
	if (sqlite3_open(db->path, &db->db) != SQLITE_OK) {
		err = db_error(db, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(db->db, 5000);
	/* WAL + synchronous=NORMAL: a killed process loses nothing committed. */
	err = exec_sql(db,
		       "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
	if (!err)
		err = exec_sql(db, schema);
	if (!err)
		err = check_version(db);
	if (!err) {
		sqlite3_stmt *st;

		/* A quick integrity probe: corrupt files fail here, clearly. */
		if (sqlite3_prepare_v2(db->db, "PRAGMA quick_check", -1, &st,
				       NULL) != SQLITE_OK)
			err = db_error(db, "integrity check");
		else {
			if (sqlite3_step(st) != SQLITE_ROW ||
			    strcmp((const char *)sqlite3_column_text(st, 0),
				   "ok")) {
				log_err("%s: the corpus database is corrupt; move it away to start a new corpus",
					db->path);
				err = -EINVAL;
			}
			sqlite3_finalize(st);
		}
	}
	if (err)
		goto fail;
	*out = db;
	return 0;
fail:
	corpus_db_close(db);
	return err;
}

void corpus_db_close(struct corpus_db *db)
{
	if (!db)
		return;
	sqlite3_close(db->db);
	free(db->path);
	free(db);
}

int corpus_db_put(struct corpus_db *db, const char *prog,
		  const struct signal_set *signal, const char *kernel)
{
	sqlite3_stmt *st = NULL;
	char hash[41];
	uint8_t *blob = NULL;
	size_t blen;
	int err, existed;

	hash_sha1_hex(prog, strlen(prog), hash);
	err = signal_serialize(signal, &blob, &blen);
	if (err)
		return err;
	existed = 0;
	if (sqlite3_prepare_v2(db->db, "SELECT 1 FROM corpus WHERE hash=?", -1,
			       &st, NULL) != SQLITE_OK) {
		err = db_error(db, "lookup");
		goto out;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	existed = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(
		    db->db,
		    existed ?
			    "UPDATE corpus SET signal=?2, kernel=?4 WHERE hash=?1" :
			    "INSERT INTO corpus (hash, signal, prog, kernel, added) VALUES (?1, ?2, ?3, ?4, ?5)",
		    -1, &st, NULL) != SQLITE_OK) {
		err = db_error(db, "store");
		goto out;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, blob, (int)blen, SQLITE_STATIC);
	if (!existed) {
		sqlite3_bind_text(st, 3, prog, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
	}
	if (kernel)
		sqlite3_bind_text(st, 4, kernel, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	if (sqlite3_step(st) != SQLITE_DONE) {
		err = db_error(db, "store");
		goto out;
	}
	err = existed ? 0 : 1;
out:
	sqlite3_finalize(st);
	free(blob);
	return err;
}

int corpus_db_delete(struct corpus_db *db, const char *hash)
{
	sqlite3_stmt *st;
	int err = 0;

	if (sqlite3_prepare_v2(db->db, "DELETE FROM corpus WHERE hash=?", -1,
			       &st, NULL) != SQLITE_OK)
		return db_error(db, "delete");
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = db_error(db, "delete");
	sqlite3_finalize(st);
	return err;
}

int corpus_db_foreach(struct corpus_db *db,
		      int (*fn)(const struct corpus_entry *e, void *ctx),
		      void *ctx)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(
		    db->db,
		    "SELECT id, hash, prog, signal, added, kernel FROM corpus ORDER BY id",
		    -1, &st, NULL) != SQLITE_OK)
		return db_error(db, "reading the corpus");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct corpus_entry e = {
			.id = sqlite3_column_int64(st, 0),
			.hash = (const char *)sqlite3_column_text(st, 1),
			.prog = (const char *)sqlite3_column_text(st, 2),
			.signal = sqlite3_column_blob(st, 3),
			.signal_len = (size_t)sqlite3_column_bytes(st, 3),
			.added = sqlite3_column_int64(st, 4),
			.kernel = (const char *)sqlite3_column_text(st, 5),
		};

		if (!e.hash || !e.prog)
			continue;
		ret = fn(&e, ctx);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_error(db, "reading the corpus");
	sqlite3_finalize(st);
	return ret;
}

int64_t corpus_db_count(struct corpus_db *db)
{
	sqlite3_stmt *st;
	int64_t n = -EIO;

	if (sqlite3_prepare_v2(db->db, "SELECT COUNT(*) FROM corpus", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int corpus_db_save_max_signal(struct corpus_db *db,
			      const struct signal_set *max)
{
	sqlite3_stmt *st;
	uint8_t *blob;
	size_t len;
	int err;

	err = signal_serialize(max, &blob, &len);
	if (err)
		return err;
	if (sqlite3_prepare_v2(
		    db->db,
		    "INSERT OR REPLACE INTO meta VALUES ('max_signal', ?)", -1,
		    &st, NULL) != SQLITE_OK) {
		free(blob);
		return db_error(db, "saving the max signal");
	}
	sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = db_error(db, "saving the max signal");
	sqlite3_finalize(st);
	free(blob);
	return err;
}

int corpus_db_load_max_signal(struct corpus_db *db, struct signal_set *max)
{
	sqlite3_stmt *st;
	int err = 0;

	if (sqlite3_prepare_v2(db->db,
			       "SELECT value FROM meta WHERE key='max_signal'",
			       -1, &st, NULL) != SQLITE_OK)
		return db_error(db, "loading the max signal");
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) == SQLITE_BLOB) {
		err = signal_deserialize(max, sqlite3_column_blob(st, 0),
					 (size_t)sqlite3_column_bytes(st, 0));
		if (err == -EINVAL)
			log_warn(
				"%s: the saved max signal is malformed; starting from empty",
				db->path);
		if (err == -EINVAL)
			err = 0;
	}
	sqlite3_finalize(st);
	return err;
}

int corpus_db_set_stat(struct corpus_db *db, const char *name, int64_t value)
{
	sqlite3_stmt *st;
	int err = 0;

	if (sqlite3_prepare_v2(db->db,
			       "INSERT OR REPLACE INTO stats VALUES (?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		return db_error(db, "saving stats");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, value);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = db_error(db, "saving stats");
	sqlite3_finalize(st);
	return err;
}

int64_t corpus_db_get_stat(struct corpus_db *db, const char *name, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(db->db, "SELECT value FROM stats WHERE name=?",
			       -1, &st, NULL) != SQLITE_OK)
		return dflt;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}
