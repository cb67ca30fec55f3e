/* Building and caching a fuzzing kernel. */
#include "kbuild.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/datadir.h"
#include "util/fileio.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/spawn.h"

#define DEBIAN_PKG "linux-source-6.1"
#define DEBIAN_TARBALL "/usr/src/linux-source-6.1.tar.xz"
#define FRAGMENT_REL "kernel/drmfuzz.config"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- fragments and .config ---- */

static int push_opt(struct kconfig_opt **opts, size_t *n, size_t *cap,
		    const char *name, size_t nlen, const char *val, size_t vlen,
		    int line)
{
	struct kconfig_opt *o = NULL;

	for (size_t i = 0; i < *n; i++) {
		if (strlen((*opts)[i].name) == nlen &&
		    !strncmp((*opts)[i].name, name, nlen)) {
			o = &(*opts)[i];
			free(o->value);
			o->value = NULL;
			break;
		}
	}
	if (!o) {
		if (vec_grow_((void **)opts, cap, *n + 1, sizeof(**opts)))
			return -ENOMEM;
		o = &(*opts)[(*n)++];
		o->name = strndup(name, nlen);
		o->value = NULL;
		if (!o->name)
			return -ENOMEM;
	}
	o->line = line;
	if (val) {
		o->value = strndup(val, vlen);
		if (!o->value)
			return -ENOMEM;
	}
	return 0;
}

int kconfig_parse(const char *text, struct kconfig_opt **opts, size_t *n)
{
	size_t cap = 0;
	int line = 0, err = 0;

	*opts = NULL;
	*n = 0;
	for (const char *p = text; *p && !err;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *q;

		line++;
		if (len > 9 && !strncmp(p, "CONFIG_", 7) &&
		    (q = memchr(p, '=', len))) {
			err = push_opt(opts, n, &cap, p, (size_t)(q - p), q + 1,
				       len - (size_t)(q - p) - 1, line);
		} else if (len > 20 && !strncmp(p, "# CONFIG_", 9) &&
			   !strncmp(p + len - 11, " is not set", 11)) {
			err = push_opt(opts, n, &cap, p + 2, len - 13, NULL, 0,
				       line);
		}
		p += len + (eol ? 1 : 0);
	}
	if (err) {
		kconfig_free(*opts, *n);
		*opts = NULL;
		*n = 0;
	}
	return err;
}

void kconfig_free(struct kconfig_opt *opts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(opts[i].name);
		free(opts[i].value);
	}
	free(opts);
}

static const struct kconfig_opt *kconfig_find(const struct kconfig_opt *o,
					      size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(o[i].name, name))
			return &o[i];
	return NULL;
}

size_t kconfig_verify(const struct kconfig_opt *frag, size_t n_frag,
		      const struct kconfig_opt *cfg, size_t n_cfg,
		      struct buf *report)
{
	size_t bad = 0;

	for (size_t i = 0; i < n_frag; i++) {
		const struct kconfig_opt *want = &frag[i];
		const struct kconfig_opt *got =
			kconfig_find(cfg, n_cfg, want->name);
		const char *gv = got ? got->value : NULL;

		if (!want->value) {
			if (gv && (!strcmp(gv, "y") || !strcmp(gv, "m"))) {
				buf_printf(
					report,
					"  %s: requested off, but is %s (something selects it)\n",
					want->name, gv);
				bad++;
			}
			continue;
		}
		if (gv && !strcmp(gv, want->value))
			continue;
		if (!got)
			buf_printf(
				report,
				"  %s=%s: missing after olddefconfig (no such option in this kernel, or its dependencies are not met)\n",
				want->name, want->value);
		else if (!gv)
			buf_printf(
				report,
				"  %s=%s: is not set (a dependency is off)\n",
				want->name, want->value);
		else
			buf_printf(report, "  %s=%s: got %s\n", want->name,
				   want->value, gv);
		bad++;
	}
	return bad;
}

void kbuild_cache_key(const char *source_id, const char *frag, size_t len,
		      char key[17])
{
	struct hash_sha256 h;
	char hex[65];

	if (hash_sha256_init(&h)) {
		memset(key, '0', 16);
		key[16] = 0;
		return;
	}
	hash_sha256_update(&h, "drmfuzz-kernel-1", 17);
	hash_sha256_update(&h, source_id, strlen(source_id) + 1);
	hash_sha256_update(&h, frag, len);
	hash_sha256_final(&h, hex);
	memcpy(key, hex, 16);
	key[16] = 0;
}

/* ---- running make with progress ---- */

struct build_ctx {
	const struct kbuild_opts *opts;
	const char *src;
	char *build_dir;
	char *log_path;
	int log_fd;
	double t0;
};

static void progress(const struct build_ctx *c, const char *phase,
		     size_t compiled)
{
	int el = (int)(now_s() - c->t0);

	if (c->opts->quiet)
		return;
	if (compiled)
		log_info("kernel: [%s %dm%02ds] %zu files compiled", phase,
			 el / 60, el % 60, compiled);
	else
		log_info("kernel: [%s %dm%02ds]", phase, el / 60, el % 60);
}

static int log_line(const struct build_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int log_line(const struct build_ctx *c, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (!err)
		err = fd_write_all(c->log_fd, b.data, b.len);
	buf_free(&b);
	return err;
}

/* Run a command with output into the build log; progress while it runs. */
static int run_logged(struct build_ctx *c, const char *phase,
		      char *const argv[], int *exit_code)
{
	struct spawn_opts so = SPAWN_OPTS_DEFAULT;
	double last = now_s();
	size_t compiled = 0;
	char line[512];
	size_t llen = 0;
	int pfd[2], err, status;
	pid_t pid;

	log_line(c, "\n### %s:", phase);
	for (int i = 0; argv[i]; i++)
		log_line(c, " %s", argv[i]);
	log_line(c, "\n");
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	so.stdout_fd = pfd[1];
	so.stderr_fd = -3;
	so.new_pgrp = 1;
	so.cwd = c->src;
	err = spawn_start(argv, &so, &pid);
	close(pfd[1]);
	if (err) {
		close(pfd[0]);
		return err;
	}
	progress(c, phase, 0);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		char chunk[8192];
		ssize_t n;

		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if (p.revents) {
			n = read(pfd[0], chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			fd_write_all(c->log_fd, chunk, (size_t)n);
			for (ssize_t i = 0; i < n; i++) {
				if (chunk[i] != '\n') {
					if (llen < sizeof(line) - 1)
						line[llen++] = chunk[i];
					continue;
				}
				line[llen] = 0;
				if (!strncmp(line, "  CC ", 5) ||
				    !strncmp(line, "  AS ", 5))
					compiled++;
				llen = 0;
			}
		}
		if (now_s() - last >= 15) {
			last = now_s();
			progress(c, phase, compiled);
		}
	}
	close(pfd[0]);
	err = spawn_wait(pid, -1, &status);
	if (err)
		return err;
	*exit_code = spawn_exit_code(status);
	return 0;
}

/* Print the error lines of a failed step, and where the full log is. */
static void explain_failure(const struct build_ctx *c, const char *phase)
{
	char *text = NULL;
	size_t len = 0;
	struct buf errs = { 0 };
	int shown = 0;

	if (!file_read_all(c->log_path, 0, &text, &len)) {
		const char *start = strstr(text, "### ");
		const char *last = start;

		while (start && (start = strstr(start + 1, "\n### ")))
			last = start + 1;
		for (const char *p = last; p && *p && shown < 12;) {
			const char *eol = strchr(p, '\n');
			size_t l = eol ? (size_t)(eol - p) : strlen(p);

			if (memmem(p, l, "error:", 6) ||
			    memmem(p, l, "Error ", 6) ||
			    memmem(p, l, "*** ", 4)) {
				buf_printf(&errs, "    %.*s\n", (int)l, p);
				shown++;
			}
			p = eol ? eol + 1 : NULL;
		}
	}
	log_err("kernel: %s failed%s\n%s  full log: %s", phase,
		shown ? "; the first errors:" : "", errs.data ? errs.data : "",
		c->log_path);
	buf_free(&errs);
	free(text);
}

static int make_step(struct build_ctx *c, const char *phase, const char *target,
		     int jobs)
{
	char obj[4200], jarg[32];
	char *argv[8];
	int n = 0, code = 0, err;

	snprintf(obj, sizeof(obj), "O=%s", c->build_dir);
	snprintf(jarg, sizeof(jarg), "-j%d", jobs);
	argv[n++] = "make";
	argv[n++] = "-C";
	argv[n++] = (char *)c->src;
	argv[n++] = obj;
	if (jobs > 1)
		argv[n++] = jarg;
	argv[n++] = (char *)target;
	argv[n] = NULL;
	err = run_logged(c, phase, argv, &code);
	if (err) {
		log_err("kernel: cannot run make: %s", strerror(-err));
		return err;
	}
	if (code) {
		explain_failure(c, phase);
		return -EIO;
	}
	return 0;
}

/* ---- sources ---- */

static int check_tools(void)
{
	static const struct {
		const char *what;
		const char *pkg;
		int header;
	} need[] = {
		{ "make", "make", 0 },
		{ "gcc", "gcc", 0 },
		{ "flex", "flex", 0 },
		{ "bison", "bison", 0 },
		{ "bc", "bc", 0 },
		{ "perl", "perl", 0 },
		{ "tar", "tar", 0 },
		{ "xz", "xz-utils", 0 },
		{ "/usr/include/libelf.h", "libelf-dev", 1 },
		{ "/usr/include/openssl/opensslv.h", "libssl-dev", 1 },
	};
	struct buf pkgs = { 0 };
	int missing = 0;

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		char *p = need[i].header ? NULL : path_which(need[i].what);
		int ok = need[i].header ? path_exists(need[i].what) : p != NULL;

		free(p);
		if (!ok) {
			buf_printf(&pkgs, " %s", need[i].pkg);
			missing++;
		}
	}
	if (missing)
		log_err("kernel: the kernel build needs packages that are not installed; run:\n    apt-get install -y%s",
			pkgs.data);
	buf_free(&pkgs);
	return missing ? -ENOENT : 0;
}

static char *debian_version(void)
{
	char *argv[] = { "dpkg-query", "-W", "-f=${Status} ${Version}",
			 DEBIAN_PKG, NULL };
	char *out = NULL, *v;
	int code;

	if (spawn_capture(argv, 30000, &out, &code) || code ||
	    !strstr(out, "install ok installed")) {
		free(out);
		return NULL;
	}
	v = strrchr(out, ' ');
	v = v ? strdup(v + 1) : NULL;
	free(out);
	return v;
}

static int debian_install(void)
{
	char *argv[] = { "apt-get", "install", "-y", "-q", DEBIAN_PKG, NULL };
	char *out = NULL;
	int code, err;

	if (geteuid() != 0) {
		log_err("kernel: Debian's %s is not installed and installing it needs root; run:\n    sudo apt-get install -y %s\nor give your own tree with --src DIR",
			DEBIAN_PKG, DEBIAN_PKG);
		return -EPERM;
	}
	log_info("kernel: installing %s with apt-get", DEBIAN_PKG);
	err = spawn_capture(argv, 30 * 60 * 1000, &out, &code);
	if (err || code) {
		log_err("kernel: 'apt-get install %s' failed:\n%s\nRun 'apt-get update' first, or give your own tree with --src DIR",
			DEBIAN_PKG, out ? out : strerror(-err));
		free(out);
		return -EIO;
	}
	free(out);
	return 0;
}

/* Unpack Debian's tarball once into cache/src/<id>; sets *tree. */
static int debian_tree(const char *cache, char **source_id, char **tree)
{
	struct buf id = { 0 }, dir = { 0 }, tmp = { 0 }, stamp = { 0 };
	char *ver = debian_version();
	int err = 0, code;

	if (!ver) {
		err = debian_install();
		if (err)
			return err;
		ver = debian_version();
		if (!ver) {
			log_err("kernel: %s still not installed after apt-get",
				DEBIAN_PKG);
			return -ENOENT;
		}
	}
	buf_printf(&id, "%s_%s", DEBIAN_PKG, ver);
	buf_printf(&dir, "%s/src/%s", cache, id.data);
	buf_printf(&tmp, "%s.tmp", dir.data);
	buf_printf(&stamp, "%s/.drmfuzz-extracted", dir.data);
	if (!path_exists(stamp.data)) {
		char *argv[] = { "tar", "-C",		tmp.data,
				 "-xf", DEBIAN_TARBALL, "--strip-components=1",
				 NULL };
		double t0 = now_s();

		if (!path_exists(DEBIAN_TARBALL)) {
			log_err("kernel: %s is installed but %s is missing; reinstall it: apt-get install --reinstall %s",
				DEBIAN_PKG, DEBIAN_TARBALL, DEBIAN_PKG);
			err = -ENOENT;
			goto out;
		}
		log_info("kernel: unpacking %s into %s", DEBIAN_TARBALL,
			 dir.data);
		dir_remove_tree(tmp.data);
		dir_remove_tree(dir.data);
		err = dir_create(tmp.data, 0755);
		if (!err)
			err = spawn_capture(argv, 30 * 60 * 1000, NULL, &code);
		if (!err && code)
			err = -EIO;
		if (!err && rename(tmp.data, dir.data))
			err = -errno;
		if (!err)
			err = file_write_atomic(stamp.data, "", 0);
		if (err) {
			log_err("kernel: unpacking %s failed: %s (is the disk full?)",
				DEBIAN_TARBALL, strerror(-err));
			goto out;
		}
		log_info("kernel: unpacked in %.0f s", now_s() - t0);
	}
	*source_id = buf_detach(&id);
	*tree = buf_detach(&dir);
out:
	free(ver);
	buf_free(&id);
	buf_free(&dir);
	buf_free(&tmp);
	buf_free(&stamp);
	return err;
}

static char *makefile_var(const char *mk, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = mk; p && *p;) {
		if (!strncmp(p, name, nl) && (p[nl] == ' ' || p[nl] == '=')) {
			const char *v = strchr(p, '=');
			const char *e = v ? strchr(v, '\n') : NULL;

			if (!v)
				return NULL;
			v++;
			while (*v == ' ')
				v++;
			return strndup(v, e ? (size_t)(e - v) : strlen(v));
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/*
 * A user's tree: identified by its version, path and git state. Without
 * git there is no reliable identity, so *trusted is false and the build
 * always runs (make is incremental).
 */
static int user_tree(const char *src, char **source_id, char **tree,
		     bool *trusted)
{
	char *real = realpath(src, NULL);
	char *mkpath = NULL, *mk = NULL, *v = NULL, *p = NULL, *s = NULL;
	struct buf id = { 0 };
	size_t len;
	int err = 0;

	if (!real) {
		log_err("kernel: --src %s: %s", src, strerror(errno));
		return -ENOENT;
	}
	mkpath = path_join(real, "Makefile");
	{
		char *kc = path_join(real, "arch/x86/Kconfig");

		if (!mkpath || !kc || !path_exists(kc) ||
		    file_read_all(mkpath, 1 << 20, &mk, &len)) {
			log_err("kernel: --src %s is not a Linux kernel tree (no Makefile or arch/x86/Kconfig)",
				src);
			free(kc);
			err = -EINVAL;
			goto out;
		}
		free(kc);
	}
	v = makefile_var(mk, "VERSION");
	p = makefile_var(mk, "PATCHLEVEL");
	s = makefile_var(mk, "SUBLEVEL");
	{
		char path_hash[65];
		char *argv[] = { "git", "-C", real, "rev-parse", "HEAD", NULL };
		char *st_argv[] = { "git",	   "-C",   real, "status",
				    "--porcelain", "-uno", NULL };
		char *head = NULL, *st = NULL;
		int code = 1, code2 = 1;

		hash_sha256_hex(real, strlen(real), path_hash);
		buf_printf(&id, "%s-%s.%s.%s_%.8s", strrchr(real, '/') + 1,
			   v ? v : "?", p ? p : "?", s ? s : "?", path_hash);
		*trusted = false;
		if (path_exists(mkpath) &&
		    !spawn_capture(argv, 30000, &head, &code) && !code &&
		    !spawn_capture(st_argv, 120000, &st, &code2) && !code2 &&
		    !st[0]) {
			buf_printf(&id, "_%.12s", head);
			*trusted = true;
		}
		free(head);
		free(st);
	}
	*source_id = buf_detach(&id);
	*tree = real;
	real = NULL;
out:
	free(real);
	free(mkpath);
	free(mk);
	free(v);
	free(p);
	free(s);
	buf_free(&id);
	return err;
}

/* ---- the build ---- */

static int read_fragments(const struct kbuild_opts *o, struct buf *frag)
{
	char *path = datadir_path(FRAGMENT_REL);
	char *text = NULL;
	size_t len;
	int err;

	if (!path) {
		log_err("kernel: cannot find %s (a broken installation?)",
			FRAGMENT_REL);
		return -ENOENT;
	}
	err = file_read_all(path, 1 << 20, &text, &len);
	if (err) {
		log_err("kernel: %s: %s", path, strerror(-err));
		free(path);
		return err;
	}
	buf_append(frag, text, len);
	free(text);
	free(path);
	for (size_t i = 0; i < o->n_extra; i++) {
		struct kconfig_opt *opts;
		size_t n;

		err = file_read_all(o->extra[i], 1 << 20, &text, &len);
		if (err) {
			log_err("kernel: fragment %s: %s", o->extra[i],
				strerror(-err));
			return err;
		}
		if (kconfig_parse(text, &opts, &n) || n == 0) {
			log_err("kernel: fragment %s: no CONFIG_ lines (expected 'CONFIG_X=y' or '# CONFIG_X is not set')",
				o->extra[i]);
			free(text);
			return -EINVAL;
		}
		kconfig_free(opts, n);
		buf_printf(frag, "\n# from %s\n", o->extra[i]);
		buf_append(frag, text, len);
		free(text);
	}
	return 0;
}

static int link_or_copy(const char *from, const char *to)
{
	char *argv[] = { "cp", "-f", (char *)from, (char *)to, NULL };
	int code, err;

	unlink(to);
	if (!link(from, to))
		return 0;
	err = spawn_capture(argv, 600000, NULL, &code);
	return err ? err : code ? -EIO : 0;
}

static void fill_result(struct kbuild_result *r, const char *dir)
{
	r->dir = strdup(dir);
	r->bzimage = path_join(dir, "bzImage");
	r->vmlinux = path_join(dir, "vmlinux");
	r->config = path_join(dir, ".config");
	r->log = path_join(dir, "build.log");
	r->objtree = path_join(dir, "build");
}

static bool result_complete(const char *dir)
{
	static const char *const files[] = { "done", "bzImage", "vmlinux",
					     ".config" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = path_join(dir, files[i]);
		bool ok = p && path_exists(p);

		free(p);
		if (!ok)
			return false;
	}
	return true;
}

static int configure(struct build_ctx *c, const char *frag, size_t frag_len)
{
	struct kconfig_opt *want = NULL, *got = NULL;
	size_t n_want = 0, n_got = 0, bad;
	char *cfg_path = path_join(c->build_dir, ".config");
	char *cfg = NULL;
	struct buf report = { 0 };
	size_t len;
	int err, fd;

	err = make_step(c, "defconfig", "x86_64_defconfig", 1);
	if (!err)
		err = make_step(c, "kvm_guest.config", "kvm_guest.config", 1);
	if (err)
		goto out;
	/* Kconfig lets a later assignment override an earlier one. */
	fd = open(cfg_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || fd_write_all(fd, frag, frag_len)) {
		err = -errno;
		log_err("kernel: cannot write %s: %s", cfg_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	err = make_step(c, "olddefconfig", "olddefconfig", 1);
	if (err)
		goto out;
	err = file_read_all(cfg_path, 16 << 20, &cfg, &len);
	if (!err)
		err = kconfig_parse(frag, &want, &n_want);
	if (!err)
		err = kconfig_parse(cfg, &got, &n_got);
	if (err) {
		log_err("kernel: cannot read %s: %s", cfg_path, strerror(-err));
		goto out;
	}
	bad = kconfig_verify(want, n_want, got, n_got, &report);
	if (bad) {
		log_err("kernel: %zu requested option%s did not survive olddefconfig:\n%sFix the fragment (%s) or the tree; the resulting config is %s",
			bad, bad == 1 ? "" : "s", report.data, FRAGMENT_REL,
			cfg_path);
		err = -EINVAL;
		goto out;
	}
	log_line(c, "\n### verify: all %zu requested options present\n",
		 n_want);
out:
	kconfig_free(want, n_want);
	kconfig_free(got, n_got);
	buf_free(&report);
	free(cfg);
	free(cfg_path);
	return err;
}

int kbuild_run(const struct kbuild_opts *o, struct kbuild_result *res)
{
	struct build_ctx c = { .opts = o, .log_fd = -1, .t0 = now_s() };
	struct buf frag = { 0 }, dir = { 0 }, done = { 0 };
	char *cache = path_cache_dir(), *source_id = NULL, *tree = NULL;
	bool trusted = true;
	int err, jobs = o->jobs > 0 ? o->jobs :
				      (int)sysconf(_SC_NPROCESSORS_ONLN);

	memset(res, 0, sizeof(*res));
	if (!cache)
		return -ENOMEM;
	err = read_fragments(o, &frag);
	if (err)
		goto out;
	if (o->src)
		err = user_tree(o->src, &source_id, &tree, &trusted);
	else
		err = debian_tree(cache, &source_id, &tree);
	if (err)
		goto out;
	kbuild_cache_key(source_id, frag.data, frag.len, res->key);
	if (o->out)
		buf_puts(&dir, o->out);
	else
		buf_printf(&dir, "%s/kernel/%s-%s", cache, source_id, res->key);
	res->source_id = source_id;
	source_id = NULL;
	fill_result(res, dir.data);
	if (!o->force && trusted && result_complete(dir.data)) {
		res->cached = true;
		if (!o->quiet)
			log_info("kernel: cached: %s", dir.data);
		goto out;
	}
	err = check_tools();
	if (err)
		goto out;
	c.src = tree;
	c.build_dir = res->objtree ? strdup(res->objtree) : NULL;
	c.log_path = path_join(dir.data, "build.log");
	err = dir_create(c.build_dir, 0755);
	if (err) {
		log_err("kernel: cannot create %s: %s", c.build_dir,
			strerror(-err));
		goto out;
	}
	{
		char *stamp = path_join(dir.data, "done");

		unlink(stamp);
		free(stamp);
	}
	c.log_fd = open(c.log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0644);
	if (c.log_fd < 0) {
		err = -errno;
		log_err("kernel: cannot create %s: %s", c.log_path,
			strerror(errno));
		goto out;
	}
	if (!o->quiet)
		log_info("kernel: building %s with %d jobs in %s (log: %s)",
			 res->source_id, jobs, dir.data, c.log_path);
	err = configure(&c, frag.data, frag.len);
	if (!err)
		err = make_step(&c, "build", "bzImage", jobs);
	if (err)
		goto out;
	{
		char *bz = path_join(c.build_dir, "arch/x86/boot/bzImage");
		char *vm = path_join(c.build_dir, "vmlinux");
		char *cf = path_join(c.build_dir, ".config");

		err = link_or_copy(bz, res->bzimage);
		if (!err)
			err = link_or_copy(vm, res->vmlinux);
		if (!err)
			err = link_or_copy(cf, res->config);
		free(bz);
		free(vm);
		free(cf);
		if (err) {
			log_err("kernel: cannot collect the build results in %s: %s",
				dir.data, strerror(-err));
			goto out;
		}
	}
	res->seconds = now_s() - c.t0;
	buf_printf(&done, "source=%s\nkey=%s\nseconds=%.0f\njobs=%d\n",
		   res->source_id, res->key, res->seconds, jobs);
	{
		char *stamp = path_join(dir.data, "done");

		err = file_write_atomic(stamp, done.data, done.len);
		free(stamp);
	}
	if (!o->quiet)
		log_info("kernel: built in %dm%02ds: %s",
			 (int)res->seconds / 60, (int)res->seconds % 60,
			 res->bzimage);
out:
	res->seconds = now_s() - c.t0;
	if (c.log_fd >= 0)
		close(c.log_fd);
	free(c.build_dir);
	free(c.log_path);
	free(cache);
	free(source_id);
	free(tree);
	buf_free(&frag);
	buf_free(&dir);
	buf_free(&done);
	if (err)
		kbuild_result_free(res);
	return err;
}

int kbuild_find_default(struct kbuild_result *res)
{
	struct buf frag = { 0 }, dir = { 0 };
	struct kbuild_opts o = { 0 };
	char *cache = path_cache_dir(), *ver = debian_version();
	int err = -ENOENT;

	memset(res, 0, sizeof(*res));
	if (!cache || !ver)
		goto out;
	if (read_fragments(&o, &frag))
		goto out;
	res->source_id = NULL;
	{
		struct buf id = { 0 };

		buf_printf(&id, "%s_%s", DEBIAN_PKG, ver);
		kbuild_cache_key(id.data, frag.data, frag.len, res->key);
		buf_printf(&dir, "%s/kernel/%s-%s", cache, id.data, res->key);
		res->source_id = buf_detach(&id);
	}
	if (result_complete(dir.data)) {
		fill_result(res, dir.data);
		res->cached = true;
		err = 0;
	}
out:
	if (err)
		kbuild_result_free(res);
	free(cache);
	free(ver);
	buf_free(&frag);
	buf_free(&dir);
	return err;
}

void kbuild_result_free(struct kbuild_result *r)
{
	free(r->dir);
	free(r->bzimage);
	free(r->vmlinux);
	free(r->config);
	free(r->log);
	free(r->objtree);
	free(r->source_id);
	memset(r, 0, sizeof(*r));
}
