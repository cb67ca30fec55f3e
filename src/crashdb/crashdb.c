/* The crash directory store (see crashdb.h for the layout). */
#include "crashdb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/hash.h"

struct crashdb {
	char *dir; /* workdir/crashes */
	pthread_mutex_t lock;
	char **known; /* sorted */
	size_t n_known;
};

int crashdb_open(const char *workdir, struct crashdb **out)
{
	*out = NULL;
	struct crashdb *db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	db->dir = path_join(workdir, "crashes");
	if (!db->dir) {
		free(db);
		return -ENOMEM;
	}
	int err = dir_create(db->dir, 0755);
	if (err) {
		free(db->dir);
		free(db);
		return err;
	}
	pthread_mutex_init(&db->lock, NULL);
	*out = db;
	return 0;
}

static void free_known(struct crashdb *db)
{
	for (size_t i = 0; i < db->n_known; i++)
		free(db->known[i]);
	free(db->known);
	db->known = NULL;
	db->n_known = 0;
}

void crashdb_close(struct crashdb *db)
{
	if (!db)
		return;
	free_known(db);
	pthread_mutex_destroy(&db->lock);
	free(db->dir);
	free(db);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int crashdb_load_known(struct crashdb *db, const char *path)
{
	char *data;
	size_t len;
	int err = file_read_all(path, 64u << 20, &data, &len);
	if (err)
		return err;
	VEC(char *) v = { 0 };
	for (char *line = data, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		size_t l = strlen(line);
		while (l && (line[l - 1] == '\r' || line[l - 1] == ' ' ||
			     line[l - 1] == '\t'))
			line[--l] = 0;
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		char *t = strdup(line);
		if (!t || vec_push(&v, t)) {
			free(t);
			err = -ENOMEM;
			break;
		}
	}
	free(data);
	if (err) {
		for (size_t i = 0; i < v.n; i++)
			free(v.v[i]);
		vec_free(&v);
		return err;
	}
	if (v.n)
		qsort(v.v, v.n, sizeof(v.v[0]), cmp_str);
	pthread_mutex_lock(&db->lock);
	free_known(db);
	db->known = v.v;
	db->n_known = v.n;
	pthread_mutex_unlock(&db->lock);
	return (int)v.n;
}

static bool known_locked(struct crashdb *db, const char *title)
{
	return title && db->n_known &&
	       bsearch(&title, db->known, db->n_known, sizeof(char *), cmp_str);
}

bool crashdb_is_known(struct crashdb *db, const char *title)
{
	pthread_mutex_lock(&db->lock);
	bool k = known_locked(db, title);
	pthread_mutex_unlock(&db->lock);
	return k;
}

char *crashdb_dir(struct crashdb *db, const char *id)
{
	return path_join(db->dir, id);
}

static int write_file(const char *dir, const char *name, const void *data,
		      size_t len)
{
	char *p = path_join(dir, name);
	if (!p)
		return -ENOMEM;
	int err = file_write_atomic(p, data, len);
	free(p);
	return err;
}

static json_t *read_meta(const char *dir)
{
	char *p = path_join(dir, "meta.json");
	json_t *m = p ? json_load_file(p, 0, NULL) : NULL;
	free(p);
	return json_is_object(m) ? m : (json_decref(m), NULL);
}

static int64_t meta_int(json_t *m, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(m, key));
}

int crashdb_save(struct crashdb *db, const struct report *rep, const char *log,
		 size_t log_len, struct crashdb_saved *out)
{
	struct crashdb_saved saved = { 0 };
	char name[32];
	int err, lockfd = -1;
	json_t *meta = NULL;

	hash_sha1_hex(rep->title, strlen(rep->title), saved.id);
	char *dir = path_join(db->dir, saved.id);
	char *lockpath = dir ? path_join(dir, ".lock") : NULL;
	if (!lockpath) {
		free(dir);
		return -ENOMEM;
	}
	pthread_mutex_lock(&db->lock);
	saved.known = known_locked(db, rep->title);
	for (size_t i = 0; i < rep->n_alt && !saved.known; i++)
		saved.known = known_locked(db, rep->alt_titles[i]);
	err = dir_create(dir, 0755);
	if (err)
		goto out;
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd < 0 || flock(lockfd, LOCK_EX)) {
		err = -errno;
		goto out;
	}
	time_t now = time(NULL);
	meta = read_meta(dir);
	saved.is_new = !meta;
	if (!meta) {
		meta = json_object();
		if (!meta) {
			err = -ENOMEM;
			goto out;
		}
		json_object_set_new(meta, "first_seen",
				    json_integer((json_int_t)now));
		err = write_file(dir, "description", rep->title,
				 strlen(rep->title));
		if (err)
			goto out;
	}
	saved.count = (uint64_t)meta_int(meta, "count") + 1;
	saved.slot = (int)((saved.count - 1) % CRASHDB_MAX_LOGS);
	snprintf(name, sizeof(name), "log%d", saved.slot);
	err = write_file(dir, name, log ? log : "", log ? log_len : 0);
	snprintf(name, sizeof(name), "report%d", saved.slot);
	err = err   ?:
		      write_file(dir, name, rep->text ? rep->text : "",
				 rep->text ? rep->text_len : 0);
	if (err)
		goto out;
	json_t *alts = json_array();
	for (size_t i = 0; alts && i < rep->n_alt; i++)
		json_array_append_new(alts, json_string(rep->alt_titles[i]));
	json_object_set_new(meta, "title", json_string(rep->title));
	json_object_set_new(meta, "alt_titles", alts ? alts : json_array());
	json_object_set_new(meta, "type",
			    json_string(report_type_name(rep->type)));
	json_object_set_new(meta, "corrupted", json_boolean(rep->corrupted));
	json_object_set_new(meta, "count",
			    json_integer((json_int_t)saved.count));
	json_object_set_new(meta, "last_seen", json_integer((json_int_t)now));
	char *s = json_dumps(meta, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!s) {
		err = -ENOMEM;
		goto out;
	}
	err = write_file(dir, "meta.json", s, strlen(s));
	free(s);
out:
	if (lockfd >= 0)
		close(lockfd); /* releases the flock */
	pthread_mutex_unlock(&db->lock);
	json_decref(meta);
	free(lockpath);
	free(dir);
	if (!err && out)
		*out = saved;
	return err;
}

/* flock @dir/.lock; the fd, or -errno. */
static int lock_dir(const char *dir)
{
	char *p = path_join(dir, ".lock");
	int fd;

	if (!p)
		return -ENOMEM;
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(p);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int write_meta(const char *dir, json_t *meta)
{
	char *s = json_dumps(meta, JSON_INDENT(2) | JSON_SORT_KEYS);
	int err;

	if (!s)
		return -ENOMEM;
	err = write_file(dir, "meta.json", s, strlen(s));
	free(s);
	return err;
}

int crashdb_save_repro(const char *dir, const struct crashdb_repro *r)
{
	bool ok = r->state && !strcmp(r->state, "reproduced");
	char *existing = path_join(dir, "repro.prog");
	bool has = existing && path_exists(existing);
	int fd, err = 0;
	json_t *meta;

	free(existing);
	if (!path_is_dir(dir))
		return -ENOENT;
	fd = lock_dir(dir);
	if (fd < 0)
		return fd;
	if (ok) {
		/* The program last: a reader that sees it sees the rest. */
		if (r->cprog)
			err = write_file(dir, "repro.cprog", r->cprog,
					 strlen(r->cprog));
		if (!err && r->log)
			err = write_file(dir, "repro.log", r->log,
					 strlen(r->log));
		if (!err && r->report)
			err = write_file(dir, "repro.report", r->report,
					 strlen(r->report));
		if (!err && r->json)
			err = write_file(dir, "repro.json", r->json,
					 strlen(r->json));
		if (!err && r->prog)
			err = write_file(dir, "repro.prog", r->prog,
					 strlen(r->prog));
	} else if (!has) {
		if (r->log)
			err = write_file(dir, "repro.log", r->log,
					 strlen(r->log));
		if (!err && r->json)
			err = write_file(dir, "repro.json", r->json,
					 strlen(r->json));
	} else if (r->log) {
		err = write_file(dir, "repro.retry.log", r->log,
				 strlen(r->log));
	}
	meta = err ? NULL : read_meta(dir);
	if (meta) {
		if (ok || !has)
			json_object_set_new(meta, "repro_state",
					    json_string(r->state ? r->state :
								   "?"));
		json_object_set_new(meta, "repro_last",
				    json_integer((json_int_t)time(NULL)));
		err = write_meta(dir, meta);
		json_decref(meta);
	}
	close(fd);
	return err;
}

int crashdb_repro_attempt(const char *dir, int max, int *attempt)
{
	int fd = lock_dir(dir), err = 0;
	json_t *meta;
	int64_t n;

	if (fd < 0)
		return fd;
	meta = read_meta(dir);
	if (!meta) {
		close(fd);
		*attempt = 1;
		return 0; /* a directory without meta.json: not counted */
	}
	n = meta_int(meta, "repro_attempts");
	{
		const char *st =
			json_string_value(json_object_get(meta, "repro_state"));

		if (n >= max || (st && !strcmp(st, "reproduced")))
			err = -EAGAIN;
	}
	if (!err) {
		json_object_set_new(meta, "repro_attempts",
				    json_integer((json_int_t)(n + 1)));
		json_object_set_new(meta, "repro_state",
				    json_string("reproducing"));
		err = write_meta(dir, meta);
		*attempt = (int)n + 1;
	}
	json_decref(meta);
	close(fd);
	return err;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct crashdb_entry *x = a, *y = b;
	if (x->known != y->known)
		return x->known ? 1 : -1;
	if (x->last_seen != y->last_seen)
		return x->last_seen > y->last_seen ? -1 : 1;
	return strcmp(x->id, y->id);
}

void crashdb_entries_free(struct crashdb_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		free(e[i].title);
		free(e[i].type);
		free(e[i].repro_state);
	}
	free(e);
}

int crashdb_list(struct crashdb *db, struct crashdb_entry **out, size_t *n)
{
	VEC(struct crashdb_entry) v = { 0 };
	int err = 0;
	*out = NULL;
	*n = 0;
	DIR *d = opendir(db->dir);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d)) && !err) {
		if (strlen(de->d_name) != 40)
			continue;
		char *dir = path_join(db->dir, de->d_name);
		json_t *m = dir ? read_meta(dir) : NULL;
		free(dir);
		if (!m)
			continue; /* being created, or not ours */
		struct crashdb_entry e = { 0 };
		memcpy(e.id, de->d_name, 41);
		const char *title =
			json_string_value(json_object_get(m, "title"));
		const char *type =
			json_string_value(json_object_get(m, "type"));
		e.title = strdup(title ? title : "");
		e.type = strdup(type ? type : "UNKNOWN");
		e.count = (uint64_t)meta_int(m, "count");
		e.first_seen = meta_int(m, "first_seen");
		e.last_seen = meta_int(m, "last_seen");
		e.corrupted = json_is_true(json_object_get(m, "corrupted"));
		e.n_logs = e.count > CRASHDB_MAX_LOGS ? CRASHDB_MAX_LOGS :
							(int)e.count;
		{
			const char *st = json_string_value(
				json_object_get(m, "repro_state"));

			e.repro_state = st ? strdup(st) : NULL;
			e.repro_attempts = (int)meta_int(m, "repro_attempts");
		}
		pthread_mutex_lock(&db->lock);
		e.known = known_locked(db, e.title);
		json_t *alts = json_object_get(m, "alt_titles");
		for (size_t i = 0; i < json_array_size(alts) && !e.known; i++)
			e.known = known_locked(
				db, json_string_value(json_array_get(alts, i)));
		pthread_mutex_unlock(&db->lock);
		json_decref(m);
		if (!e.title || !e.type || vec_push(&v, e)) {
			free(e.title);
			free(e.type);
			free(e.repro_state);
			err = -ENOMEM;
		}
	}
	closedir(d);
	if (err) {
		crashdb_entries_free(v.v, v.n);
		return err;
	}
	if (v.n)
		qsort(v.v, v.n, sizeof(v.v[0]), cmp_entry);
	*out = v.v;
	*n = v.n;
	return 0;
}
