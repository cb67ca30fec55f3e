/*
 * The guest's root file system: an uncompressed cpio (newc) archive with
 * busybox-static, drmfuzz-executor and /init, written by us and cached
 * under <cache>/initramfs/ by content hash. Also finds the executor.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/spawn.h"
#include "initramfs.h"

#define BUSYBOX "/bin/busybox"

/* File systems, console settings and modules: both inits start so. */
#define INIT_SETUP                                                                  \
	"export PATH=/bin\n"                                                        \
	"mount -t proc proc /proc\n"                                                \
	"mount -t sysfs sysfs /sys\n"                                               \
	"mount -t devtmpfs devtmpfs /dev\n"                                         \
	"echo \"drmfuzz: init started\" > /dev/kmsg\n"                              \
	"mount -t debugfs debugfs /sys/kernel/debug\n"                              \
	"mount -t tmpfs tmpfs /tmp\n"                                               \
	"mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm\n"                      \
	"# The executor gives the DRM nodes a desktop's permissions and\n"          \
	"# /dev/dri/by-driver names (docs/sandbox.md): no process per node here,\n" \
	"# each costs ~0.1 s under TCG and KASAN.\n"                                \
	"# Every kernel message on the console, none dropped.\n"                    \
	"echo 8 > /proc/sys/kernel/printk\n"                                        \
	"echo 0 > /proc/sys/kernel/printk_ratelimit\n"                              \
	"# Modules the config names (\"modules\"), in its order.\n"                 \
	"for m in /lib/modules/drmfuzz/*.ko; do\n"                                  \
	"\t[ -e \"$m\" ] || continue\n"                                             \
	"\tif insmod \"$m\"; then echo \"drmfuzz: loaded $m\" > /dev/kmsg\n"        \
	"\telse echo \"drmfuzz: cannot load $m\" > /dev/kmsg; fi\n"                 \
	"done\n"                                                                    \
	"[ -e /proc/sys/kernel/softlockup_all_cpu_backtrace ] &&\n"                 \
	"\techo 1 > /proc/sys/kernel/softlockup_all_cpu_backtrace\n"

const char vm_init_script[] =
	"#!/bin/busybox sh\n"
	"# drmfuzz guest init: file systems, DRM node permissions, kernel\n"
	"# settings for fuzzing, then the executor on the virtio-serial port.\n" INIT_SETUP
	"echo \"drmfuzz: init done, starting the executor\" > /dev/kmsg\n"
	"/bin/drmfuzz-executor --port drmfuzz\n"
	"echo \"drmfuzz: executor exited with status $?\" > /dev/kmsg\n"
	"poweroff -f\n";

const char vm_init_script_c[] =
	"#!/bin/busybox sh\n"
	"# drmfuzz guest init for a C reproducer: as for fuzzing, then the\n"
	"# reproducer instead of the executor.\n" INIT_SETUP
	"echo \"drmfuzz: init done, starting the C reproducer\" > /dev/kmsg\n"
	"/bin/drmfuzz-repro\n"
	"echo \"drmfuzz: the C reproducer exited with status $?\" > /dev/kmsg\n"
	"poweroff -f\n";

static int hex8(struct buf *out, unsigned long v)
{
	return buf_printf(out, "%08lX", v & 0xffffffffUL);
}

static int pad4(struct buf *out)
{
	static const char zero[4];

	return buf_append(out, zero, (4 - out->len % 4) % 4);
}

int vm_cpio_add(struct buf *out, const char *name, unsigned mode,
		const void *data, size_t len, dev_t rdev)
{
	/* The entry's offset: a unique inode number, and deterministic. */
	unsigned long f[13] = {
		out->len + 1,
		mode,
		0,
		0,
		S_ISDIR(mode) ? 2 : 1,
		0,
		len,
		0,
		0,
		major(rdev),
		minor(rdev),
		strlen(name) + 1,
		0,
	};
	int err = buf_puts(out, "070701");

	if (len > 0xffffffffUL)
		return -EFBIG;
	for (size_t i = 0; i < 13 && !err; i++)
		err = hex8(out, f[i]);
	err = err ?: buf_append(out, name, strlen(name) + 1);
	err = err ?: pad4(out);
	err = err ?: buf_append(out, data, len);
	err = err ?: pad4(out);
	return err;
}

int vm_cpio_trailer(struct buf *out)
{
	return vm_cpio_add(out, "TRAILER!!!", 0, NULL, 0, 0);
}

/* A statically linked ELF has no PT_INTERP. 1 static, 0 not, -errno. */
static int elf_is_static(const char *data, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)data;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	if (eh->e_phoff > len || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return -ENOEXEC;
	for (size_t i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph =
			(const void *)(data + eh->e_phoff + i * sizeof(*ph));

		if (ph->p_type == PT_INTERP)
			return 0;
	}
	return 1;
}

/*
 * A bin/<applet> -> busybox symlink for each applet busybox lists, so
 * the guest need not run busybox --install (seconds under TCG).
 */
static int add_applets(struct buf *a)
{
	char *argv[] = { BUSYBOX, "--list", NULL }, *out = NULL, *save = NULL;
	int code = 0, err, n = 0;

	err = spawn_capture(argv, 10000, &out, &code);
	if (err || code) {
		log_err("%s --list failed (%s): reinstall busybox-static",
			BUSYBOX, err ? strerror(-err) : "non-zero exit");
		free(out);
		return err ? err : -EIO;
	}
	for (char *t = strtok_r(out, "\n", &save); t && !err;
	     t = strtok_r(NULL, "\n", &save)) {
		char name[64];

		if (!strcmp(t, "busybox") || !strcmp(t, "sh") ||
		    strchr(t, '/') || *t == '.' ||
		    snprintf(name, sizeof(name), "bin/%s", t) >=
			    (int)sizeof(name))
			continue;
		err = vm_cpio_add(a, name, S_IFLNK | 0777, "busybox", 7, 0);
		n++;
	}
	free(out);
	if (!err && n < 10) {
		log_err("%s --list names %d applets: reinstall busybox-static",
			BUSYBOX, n);
		err = -EIO;
	}
	return err;
}

/* Read a static executable, or log what to do. */
static int read_static(const char *path, const char *fix, char **data,
		       size_t *len)
{
	int err = file_read_all(path, 64 << 20, data, len);

	if (err) {
		log_err("%s: %s. %s", path, strerror(-err), fix);
		return err;
	}
	err = elf_is_static(*data, *len);
	if (err <= 0) {
		log_err("%s: %s. %s", path,
			err ? "not an x86-64 ELF executable" :
			      "dynamically linked; the guest has no libraries",
			fix);
		free(*data);
		*data = NULL;
		return err ? err : -ENOEXEC;
	}
	return 0;
}

int vm_initramfs(const char *executor, char **path)
{
	return vm_initramfs_modules(executor, NULL, 0, path);
}

static int build(const char *bin, const char *name, const char *fix,
		 const char *init, const char *const *modules, size_t n_modules,
		 char **path);

int vm_initramfs_modules(const char *executor, const char *const *modules,
			 size_t n_modules, char **path)
{
	return build(
		executor, "drmfuzz-executor",
		"Rebuild drmfuzz (ninja -C build): drmfuzz-executor must be linked statically",
		vm_init_script, modules, n_modules, path);
}

int vm_initramfs_c(const char *binary, const char *const *modules,
		   size_t n_modules, char **path)
{
	return build(binary, "drmfuzz-repro",
		     "Build the C reproducer with gcc -static",
		     vm_init_script_c, modules, n_modules, path);
}

/* Add the modules as lib/modules/drmfuzz/NN-NAME.ko (NN: their order). */
static int add_modules(struct buf *a, const char *const *modules, size_t n)
{
	int err = 0;

	if (!n)
		return 0;
	err = vm_cpio_add(a, "lib", S_IFDIR | 0755, NULL, 0, 0);
	err = err ?: vm_cpio_add(a, "lib/modules", S_IFDIR | 0755, NULL, 0, 0);
	err = err   ?:
		      vm_cpio_add(a, "lib/modules/drmfuzz", S_IFDIR | 0755,
				  NULL, 0, 0);
	for (size_t i = 0; i < n && !err; i++) {
		const char *base = strrchr(modules[i], '/');
		char name[PATH_MAX], *data = NULL;
		size_t len = 0;

		base = base ? base + 1 : modules[i];
		if (snprintf(name, sizeof(name), "lib/modules/drmfuzz/%02zu-%s",
			     i, base) >= (int)sizeof(name))
			return -ENAMETOOLONG;
		err = file_read_all(modules[i], 256u << 20, &data, &len);
		if (err) {
			log_err("kernel module %s: %s", modules[i],
				strerror(-err));
			return err;
		}
		if (len < 4 || memcmp(data, ELFMAG, SELFMAG)) {
			log_err("kernel module %s: not an ELF file (expected a .ko built for the fuzzing kernel)",
				modules[i]);
			free(data);
			return -EINVAL;
		}
		err = vm_cpio_add(a, name, S_IFREG | 0644, data, len, 0);
		free(data);
	}
	return err;
}

/* The archive: busybox, @bin as /bin/@name, @init as /init, modules. */
static int build(const char *bin, const char *name, const char *fix,
		 const char *init, const char *const *modules, size_t n_modules,
		 char **path)
{
	static const char *const dirs[] = { "bin", "dev",  "proc", "sys",
					    "tmp", "root", "etc" };
	char *bb = NULL, *ex = NULL, *cache = NULL, *dir = NULL;
	struct buf a = { 0 }, p = { 0 };
	size_t bb_len, ex_len;
	char hex[65];
	int err;

	err = read_static(
		BUSYBOX,
		"Install busybox-static (apt-get install busybox-static)", &bb,
		&bb_len);
	if (err)
		goto out;
	err = read_static(bin, fix, &ex, &ex_len);
	if (err)
		goto out;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !err; i++)
		err = vm_cpio_add(&a, dirs[i], S_IFDIR | 0755, NULL, 0, 0);
	err = err   ?:
		      vm_cpio_add(&a, "dev/console", S_IFCHR | 0600, NULL, 0,
				  makedev(5, 1));
	err = err   ?:
		      vm_cpio_add(&a, "bin/busybox", S_IFREG | 0755, bb, bb_len,
				  0);
	err = err ?: vm_cpio_add(&a, "bin/sh", S_IFLNK | 0777, "busybox", 7, 0);
	err = err ?: add_applets(&a);
	if (!err) {
		char where[64];

		snprintf(where, sizeof(where), "bin/%s", name);
		err = vm_cpio_add(&a, where, S_IFREG | 0755, ex, ex_len, 0);
	}
	err = err   ?:
		      vm_cpio_add(&a, "init", S_IFREG | 0755, init,
				  strlen(init), 0);
	err = err ?: add_modules(&a, modules, n_modules);
	err = err ?: vm_cpio_trailer(&a);
	if (err)
		goto out;
	hash_sha256_hex(a.data, a.len, hex);
	hex[16] = 0;
	cache = path_cache_dir();
	err = -ENOMEM;
	if (!cache || buf_printf(&p, "%s/initramfs", cache))
		goto out;
	dir = strdup(p.data);
	if (!dir || buf_printf(&p, "/%s.cpio", hex))
		goto out;
	err = 0;
	if (!path_exists(p.data)) {
		err = dir_create(dir, 0755);
		err = err ?: file_write_atomic(p.data, a.data, a.len);
		if (err) {
			log_err("cannot write the initramfs %s: %s", p.data,
				strerror(-err));
			goto out;
		}
		log_debug("wrote initramfs %s (%zu bytes)", p.data, a.len);
	}
	*path = buf_detach(&p);
out:
	free(bb);
	free(ex);
	free(cache);
	free(dir);
	buf_free(&a);
	buf_free(&p);
	return err;
}

#ifndef DRMFUZZ_LIBEXEC_DIR
#define DRMFUZZ_LIBEXEC_DIR "/usr/local/libexec/drmfuzz"
#endif

char *vm_find_executor(void)
{
	/* Relative to drmfuzz's own directory: build tree, then install. */
	static const char *const rel[] = {
		"../../executor/drmfuzz-executor", /* build/src/cli/drmfuzz */
		"../executor/drmfuzz-executor", /* build/tests/test_x */
		"drmfuzz-executor",
		"../libexec/drmfuzz/drmfuzz-executor",
	};
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		char *slash;

		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash)
			*slash = 0;
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			char *p = path_join(self, rel[i]);

			if (p && path_is_executable(p) && !path_is_dir(p))
				return p;
			free(p);
		}
	}
	if (path_is_executable(DRMFUZZ_LIBEXEC_DIR "/drmfuzz-executor"))
		return strdup(DRMFUZZ_LIBEXEC_DIR "/drmfuzz-executor");
	return NULL;
}
