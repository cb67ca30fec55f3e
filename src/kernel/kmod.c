/* Building and caching out-of-tree modules against a fuzzing kernel. */
#include "kmod.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/spawn.h"

#define KMOD_MAKE_TIMEOUT_MS (20 * 60 * 1000)
#define KMOD_MAX_FILES 256
#define KMOD_MAX_FILE (4u << 20)

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The files of a module directory that make its build. */
static bool source_name(const char *name)
{
	return name[0] != '.' &&
	       (!strcmp(name, "Kbuild") || !strcmp(name, "Makefile") ||
		has_suffix(name, ".c") || has_suffix(name, ".h") ||
		has_suffix(name, ".S"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The names in @dir that @want accepts, sorted (caller frees). */
static int list_dir(const char *dir, bool (*want)(const char *), char ***out,
		    size_t *n_out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	*out = NULL;
	*n_out = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!want(e->d_name))
			continue;
		if (n == KMOD_MAX_FILES) {
			err = -E2BIG;
			break;
		}
		if (vec_grow_((void **)&v, &cap, n + 1, sizeof(*v)) ||
		    !(v[n] = strdup(e->d_name))) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (err) {
		free_strs(v, n);
		return err;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	*n_out = n;
	return 0;
}

static bool ko_name(const char *name)
{
	return name[0] != '.' && has_suffix(name, ".ko");
}

static int collect_ko(const char *srcdir, struct kmod_result *res)
{
	char **names;
	size_t n;
	int err = list_dir(srcdir, ko_name, &names, &n);

	if (err)
		return err;
	res->ko = calloc(n ? n : 1, sizeof(*res->ko));
	if (!res->ko) {
		free_strs(names, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		res->ko[i] = path_join(srcdir, names[i]);
		if (!res->ko[i]) {
			err = -ENOMEM;
			break;
		}
		res->n_ko++;
	}
	free_strs(names, n);
	return err;
}

/* Log the compiler's error lines of a failed build. */
static void explain_failure(const char *log)
{
	char *text = NULL;
	size_t len = 0;
	struct buf errs = { 0 };
	int shown = 0;

	if (!file_read_all(log, 0, &text, &len)) {
		for (const char *p = text; p && *p && shown < 12;) {
			const char *eol = strchr(p, '\n');
			size_t l = eol ? (size_t)(eol - p) : strlen(p);

			if (memmem(p, l, "error:", 6) ||
			    memmem(p, l, "ERROR:", 6) ||
			    memmem(p, l, "*** ", 4)) {
				buf_printf(&errs, "    %.*s\n", (int)l, p);
				shown++;
			}
			p = eol ? eol + 1 : NULL;
		}
	}
	log_err("kernel module: make failed%s\n%s  full log: %s",
		shown ? "; the first errors:" : "", errs.data ? errs.data : "",
		log);
	buf_free(&errs);
	free(text);
}

/* make -C @build ARGS... with its output appended to @log_fd. */
static int run_make(const char *build, const char *log, int log_fd,
		    char *const *args)
{
	char *argv[12];
	struct spawn_opts so = SPAWN_OPTS_DEFAULT;
	int n = 0, status, err;
	pid_t pid;

	argv[n++] = "make";
	argv[n++] = "-C";
	argv[n++] = (char *)build;
	while (*args && n < 11)
		argv[n++] = *args++;
	argv[n] = NULL;
	so.stdout_fd = log_fd;
	so.stderr_fd = -3;
	so.new_pgrp = 1;
	so.die_with_parent = 1;
	err = spawn_start(argv, &so, &pid);
	if (err) {
		log_err("kernel module: cannot run make: %s", strerror(-err));
		return err;
	}
	err = spawn_wait(pid, KMOD_MAKE_TIMEOUT_MS, &status);
	if (err == -ETIMEDOUT) {
		log_err("kernel module: make took more than %d minutes; see %s",
			KMOD_MAKE_TIMEOUT_MS / 60000, log);
		return err;
	}
	if (err)
		return err;
	if (spawn_exit_code(status)) {
		explain_failure(log);
		return -EIO;
	}
	return 0;
}

/*
 * The cache key: the sources, and the kernel they build against (its
 * object tree's path, .config, and vmlinux's size and mtime, so that a
 * kernel rebuilt in place rebuilds its modules).
 */
static int hash_sources(const char *src, const char *objtree, char **names,
			size_t n, char key[17])
{
	struct hash_sha256 h;
	char hex[65], stamp[64] = "";
	char *cfg_path = path_join(objtree, ".config");
	char *vml_path = path_join(objtree, "vmlinux");
	char *cfg = NULL;
	size_t cfg_len = 0;
	struct stat st;
	int err = 0;

	if (!cfg_path || !vml_path || hash_sha256_init(&h)) {
		free(cfg_path);
		free(vml_path);
		return -ENOMEM;
	}
	if (!stat(vml_path, &st))
		snprintf(stamp, sizeof(stamp), "%lld.%ld:%lld",
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			 (long long)st.st_size);
	file_read_all(cfg_path, 0, &cfg, &cfg_len);
	hash_sha256_update(&h, "drmfuzz-kmod-1", 15);
	hash_sha256_update(&h, objtree, strlen(objtree) + 1);
	hash_sha256_update(&h, stamp, strlen(stamp) + 1);
	if (cfg)
		hash_sha256_update(&h, cfg, cfg_len);
	free(cfg);
	free(cfg_path);
	free(vml_path);
	for (size_t i = 0; i < n && !err; i++) {
		char *path = path_join(src, names[i]), *data = NULL;
		size_t len = 0;
		char lenbuf[32];

		err = path ? file_read_all(path, KMOD_MAX_FILE, &data, &len) :
			     -ENOMEM;
		if (err)
			log_err("kernel module: cannot read %s: %s",
				path ? path : names[i], strerror(-err));
		if (!err) {
			snprintf(lenbuf, sizeof(lenbuf), "%zu", len);
			hash_sha256_update(&h, names[i], strlen(names[i]) + 1);
			hash_sha256_update(&h, lenbuf, strlen(lenbuf) + 1);
			hash_sha256_update(&h, data, len);
		}
		free(data);
		free(path);
	}
	hash_sha256_final(&h, hex);
	memcpy(key, hex, 16);
	key[16] = 0;
	return err;
}

static int copy_sources(const char *src, const char *to, char **names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *from = path_join(src, names[i]);
		char *dst = path_join(to, names[i]), *data = NULL;
		size_t len = 0;
		int err = from && dst ? file_read_all(from, KMOD_MAX_FILE,
						      &data, &len) :
					-ENOMEM;

		if (!err)
			err = file_write_atomic(dst, data, len);
		if (err)
			log_err("kernel module: cannot copy %s to %s: %s",
				from ? from : names[i], to, strerror(-err));
		free(data);
		free(from);
		free(dst);
		if (err)
			return err;
	}
	return 0;
}

int kmod_build(const char *objtree, const char *src, bool quiet,
	       struct kmod_result *res)
{
	char srcabs[PATH_MAX], build[PATH_MAX], key[17], jobs[32];
	char **names = NULL;
	size_t n = 0;
	struct buf dir = { 0 };
	char *srcdir = NULL, *stamp = NULL, *modpost = NULL, *cache = NULL;
	char *lds = NULL;
	int log_fd = -1, err;
	const char *base;

	memset(res, 0, sizeof(*res));
	if (!realpath(src, srcabs) || !path_is_dir(srcabs)) {
		log_err("kernel module: %s: not a directory", src);
		return -ENOENT;
	}
	if (!realpath(objtree, build)) {
		log_err("kernel module: kernel object tree %s: %s", objtree,
			strerror(errno));
		return -ENOENT;
	}
	err = list_dir(srcabs, source_name, &names, &n);
	if (err) {
		log_err("kernel module: cannot list %s: %s", srcabs,
			strerror(-err));
		return err;
	}
	{
		bool kbuild = false;

		for (size_t i = 0; i < n; i++)
			kbuild |= !strcmp(names[i], "Kbuild") ||
				  !strcmp(names[i], "Makefile");
		if (!kbuild) {
			log_err("kernel module: %s has no Kbuild or Makefile (expected e.g. 'obj-m += NAME.o')",
				srcabs);
			err = -EINVAL;
			goto out;
		}
	}
	{
		char *mk = path_join(build, "Makefile");
		char *cf = path_join(build, ".config");
		bool ok = mk && cf && path_exists(mk) && path_exists(cf);

		free(mk);
		free(cf);
		if (!ok) {
			log_err("kernel module: %s is not a configured kernel object tree (no Makefile or .config): point it at the kernel's O= directory",
				build);
			err = -ENOENT;
			goto out;
		}
	}
	cache = path_cache_dir();
	if (!cache) {
		err = -ENOMEM;
		goto out;
	}
	err = hash_sources(srcabs, build, names, n, key);
	if (err)
		goto out;
	base = strrchr(srcabs, '/');
	base = base && base[1] ? base + 1 : "module";
	buf_printf(&dir, "%s/modules/%s-%s", cache, base, key);
	res->dir = buf_detach(&dir);
	srcdir = res->dir ? path_join(res->dir, "src") : NULL;
	stamp = res->dir ? path_join(res->dir, "done") : NULL;
	res->log = res->dir ? path_join(res->dir, "build.log") : NULL;
	if (!srcdir || !stamp || !res->log) {
		err = -ENOMEM;
		goto out;
	}
	if (path_exists(stamp)) {
		err = collect_ko(srcdir, res);
		if (!err && res->n_ko) {
			res->cached = true;
			goto out;
		}
		kmod_result_free(res);
		memset(res, 0, sizeof(*res));
		err = -EIO;
		log_err("kernel module: cache entry %s is damaged; remove it",
			srcdir);
		goto out;
	}
	dir_remove_tree(res->dir);
	err = dir_create(srcdir, 0755);
	if (err) {
		log_err("kernel module: cannot create %s: %s", srcdir,
			strerror(-err));
		goto out;
	}
	err = copy_sources(srcabs, srcdir, names, n);
	if (err)
		goto out;
	log_fd = open(res->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		err = -errno;
		log_err("kernel module: cannot create %s: %s", res->log,
			strerror(errno));
		goto out;
	}
	if (!quiet)
		log_info("kernel module: building %s against %s (log: %s)",
			 srcabs, build, res->log);
	/* A bzImage build leaves neither modpost nor the modules' linker
	 * script: modules_prepare makes both. */
	modpost = path_join(build, "scripts/mod/modpost");
	lds = path_join(build, "scripts/module.lds");
	if (!modpost || !lds) {
		err = -ENOMEM;
		goto out;
	}
	if (!path_exists(modpost) || !path_exists(lds)) {
		char *args[] = { "modules_prepare", NULL };

		err = run_make(build, res->log, log_fd, args);
		if (err)
			goto out;
	}
	{
		struct buf m = { 0 };
		char *args[5];

		buf_printf(&m, "M=%s", srcdir);
		snprintf(jobs, sizeof(jobs), "-j%ld",
			 sysconf(_SC_NPROCESSORS_ONLN));
		args[0] = m.data;
		args[1] = jobs;
		/* bzImage builds have no Module.symvers: unresolved symbols
		 * are warnings, the module is checked when it loads. */
		args[2] = "KBUILD_MODPOST_WARN=1";
		args[3] = "modules";
		args[4] = NULL;
		err = m.data ? run_make(build, res->log, log_fd, args) :
			       -ENOMEM;
		buf_free(&m);
		if (err)
			goto out;
	}
	err = collect_ko(srcdir, res);
	if (!err && !res->n_ko) {
		log_err("kernel module: make built no .ko in %s (does Kbuild say obj-m?); see %s",
			srcdir, res->log);
		err = -ENOENT;
	}
	if (!err)
		err = file_write_atomic(stamp, key, 16);
	if (!err && !quiet)
		log_info("kernel module: built %s", res->ko[0]);
out:
	if (log_fd >= 0)
		close(log_fd);
	free_strs(names, n);
	free(srcdir);
	free(cache);
	free(stamp);
	free(modpost);
	free(lds);
	buf_free(&dir);
	if (err)
		kmod_result_free(res);
	return err;
}

void kmod_result_free(struct kmod_result *res)
{
	free(res->dir);
	free_strs(res->ko, res->n_ko);
	free(res->log);
	memset(res, 0, sizeof(*res));
}
