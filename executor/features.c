/*
 * drmfuzz-executor: what the machine offers. Each probe really exercises
 * the feature (KCOV records PCs for a syscall, DRM_IOCTL_VERSION answers)
 * rather than trusting that a file exists; why one is missing goes into
 * the HELLO's notes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"

/* From <linux/kcov.h>. */
#define KCOV_INIT_TRACE _IOR('c', 1, unsigned long)
#define KCOV_ENABLE _IO('c', 100)
#define KCOV_DISABLE _IO('c', 101)
#define KCOV_TRACE_PC 0
#define KCOV_TRACE_CMP 1
#define KCOV_PATH "/sys/kernel/debug/kcov"
#define KCOV_WORDS (64 << 10)

/* From <drm/drm.h>: struct drm_version and DRM_IOCTL_VERSION. */
struct drm_version_uapi {
	int version_major;
	int version_minor;
	int version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};
#define DRM_IOCTL_VERSION_UAPI _IOWR('d', 0x00, struct drm_version_uapi)

__attribute__((format(printf, 2, 3))) static void note(struct wire_hello *h,
						       const char *fmt, ...)
{
	size_t used = strlen(h->notes);
	va_list ap;

	if (used + 2 >= sizeof(h->notes))
		return;
	if (used)
		h->notes[used++] = '\n';
	va_start(ap, fmt);
	vsnprintf(h->notes + used, sizeof(h->notes) - used, fmt, ap);
	va_end(ap);
}

/* Does KCOV in @mode record anything for a syscall? */
static int kcov_probe(struct wire_hello *h, int mode, const char *what)
{
	unsigned long *cover = MAP_FAILED;
	unsigned long n = 0;
	int fd, ok = 0;

	fd = open(KCOV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		note(h, "%s: open %s: %s", what, KCOV_PATH, strerror(errno));
		return 0;
	}
	if (ioctl(fd, KCOV_INIT_TRACE, (unsigned long)KCOV_WORDS)) {
		note(h, "%s: KCOV_INIT_TRACE: %s", what, strerror(errno));
		goto out;
	}
	cover = mmap(NULL, KCOV_WORDS * sizeof(unsigned long),
		     PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cover == MAP_FAILED) {
		note(h, "%s: mmap: %s", what, strerror(errno));
		goto out;
	}
	if (ioctl(fd, KCOV_ENABLE, (unsigned long)mode)) {
		note(h, "%s: KCOV_ENABLE: %s", what, strerror(errno));
		goto out;
	}
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	close(open("/", O_RDONLY | O_CLOEXEC));
	n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	ioctl(fd, KCOV_DISABLE, 0);
	ok = n > 0;
	if (!ok)
		note(h, "%s: enabled, but a syscall recorded nothing", what);
out:
	if (cover != MAP_FAILED)
		munmap(cover, KCOV_WORDS * sizeof(unsigned long));
	close(fd);
	return ok;
}

static int file_contains(const char *path, const char *needle)
{
	static char chunk[65536];
	size_t keep = 0, nl = strlen(needle);
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(fd, chunk + keep, sizeof(chunk) - 1 - keep);
		size_t have;

		if (n <= 0)
			break;
		have = keep + (size_t)n;
		chunk[have] = 0;
		if (memmem(chunk, have, needle, nl)) {
			found = 1;
			break;
		}
		keep = nl < have ? nl : have;
		memmove(chunk, chunk + have - keep, keep);
	}
	close(fd);
	return found;
}

/* KASAN prints a line at boot; the log may have wrapped, so also kallsyms. */
static int kasan_probe(struct wire_hello *h)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log));

	if (n > 0 &&
	    memmem(log, (size_t)n, "KernelAddressSanitizer initialized", 34))
		return 1;
	if (file_contains("/proc/kallsyms", " kasan_report\n"))
		return 1;
	note(h, "kasan: no 'KernelAddressSanitizer initialized' in the kernel "
		"log and no kasan_report in /proc/kallsyms");
	return 0;
}

static int fault_probe(struct wire_hello *h)
{
	static const char *const need[] = { "/proc/thread-self/fail-nth",
					    "/sys/kernel/debug/failslab" };

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (access(need[i], F_OK)) {
			note(h, "fault injection: %s: %s", need[i],
			     strerror(errno));
			return 0;
		}
	}
	return 1;
}

/* Write @val to debugfs file @path, if it exists; 0 or -errno. */
static int knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (write(fd, val, strlen(val)) < 0)
		e = -errno;
	close(fd);
	return e;
}

/*
 * fail-nth fails only the calling task's n-th allocation, but the
 * injectors skip sleeping (GFP_KERNEL) and highmem allocations unless
 * told otherwise, and then almost nothing an ioctl allocates can fail.
 * One line per injected fault on the console (no stack: it would cut
 * into crash reports and cost seconds under TCG). Our own VM only.
 */
static void fault_setup(struct wire_hello *h)
{
	static const char *const knobs[][2] = {
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/failslab/verbose", "1" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "1" },
	};

	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		int e = knob(knobs[i][0], knobs[i][1]);

		if (e)
			note(h, "fault injection: %s: %s", knobs[i][0],
			     strerror(-e));
	}
}

static int node_cmp(const void *a, const void *b)
{
	const struct wire_node *x = a, *y = b;

	return strcmp(x->path, y->path);
}

/*
 * In drmfuzz's own guest (features_make_links): device nodes as a
 * desktop's udev leaves them (docs/sandbox.md): render nodes 0666, card
 * nodes and udmabuf 0660 group video (44); and
 * /dev/dri/by-driver/<driver>-<card|render> -> ../<node>, stable names for
 * the descriptions (minors depend on probe order). The driver name is the
 * one DRM_IOCTL_VERSION gives; an existing link is kept.
 */
int features_make_links;

#define GID_VIDEO 44

static void node_perms(const char *path, int render)
{
	if (render) {
		chmod(path, 0666);
		return;
	}
	if (chown(path, (uid_t)-1, GID_VIDEO) == 0)
		chmod(path, 0660);
}

static void by_driver_link(const char *driver, const char *node)
{
	char link[128], target[64];

	mkdir("/dev/dri/by-driver", 0755);
	if (snprintf(link, sizeof(link), "/dev/dri/by-driver/%s-%s", driver,
		     strncmp(node, "card", 4) ? "render" : "card") >=
		    (int)sizeof(link) ||
	    snprintf(target, sizeof(target), "../%s", node) >=
		    (int)sizeof(target))
		return;
	if (symlink(target, link) && errno != EEXIST)
		return;
}

static void drm_nodes(struct wire_hello *h)
{
	DIR *d = opendir("/dev/dri");
	struct dirent *e;

	if (!d) {
		note(h, "drm: /dev/dri: %s", strerror(errno));
		return;
	}
	while ((e = readdir(d)) && h->n_nodes < WIRE_MAX_NODES) {
		struct wire_node *n = &h->nodes[h->n_nodes];
		struct drm_version_uapi v = { 0 };
		char name[WIRE_NAME_MAX] = "";
		int fd;

		if (strncmp(e->d_name, "card", 4) &&
		    strncmp(e->d_name, "renderD", 7))
			continue;
		if (snprintf(n->path, sizeof(n->path), "/dev/dri/%s",
			     e->d_name) >= (int)sizeof(n->path))
			continue;
		h->n_nodes++;
		if (features_make_links)
			node_perms(n->path, e->d_name[0] == 'r');
		fd = open(n->path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			n->err = errno;
			continue;
		}
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (ioctl(fd, DRM_IOCTL_VERSION_UAPI, &v))
			n->err = errno;
		else
			memcpy(n->driver, name,
			       v.name_len < sizeof(name) - 1 ?
				       v.name_len :
				       sizeof(name) - 1);
		close(fd);
		if (n->driver[0] && features_make_links)
			by_driver_link(n->driver, e->d_name);
	}
	closedir(d);
	if (features_make_links && access("/dev/udmabuf", F_OK) == 0)
		node_perms("/dev/udmabuf", 0);
	qsort(h->nodes, h->n_nodes, sizeof(h->nodes[0]), node_cmp);
}

static long ms_since(struct timespec *t)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - t->tv_sec) * 1000 +
	     (now.tv_nsec - t->tv_nsec) / 1000000;
	*t = now;
	return ms;
}

void features_detect(struct wire_hello *h, char *timing, size_t cap)
{
	struct timespec t;
	struct utsname u;
	long ms[5];

	memset(h, 0, sizeof(*h));
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!uname(&u))
		snprintf(h->release, sizeof(h->release), "%s", u.release);
	if (kcov_probe(h, KCOV_TRACE_PC, "kcov"))
		h->features |= WIRE_FEAT_KCOV;
	ms[0] = ms_since(&t);
	if (kcov_probe(h, KCOV_TRACE_CMP, "kcov comparisons"))
		h->features |= WIRE_FEAT_KCOV_CMP;
	ms[1] = ms_since(&t);
	if (kasan_probe(h))
		h->features |= WIRE_FEAT_KASAN;
	ms[2] = ms_since(&t);
	if (fault_probe(h)) {
		h->features |= WIRE_FEAT_FAULT_INJECTION;
		if (features_make_links)
			fault_setup(h);
	}
	ms[3] = ms_since(&t);
	drm_nodes(h);
	ms[4] = ms_since(&t);
	snprintf(timing, cap,
		 "kcov %ld ms, cmp %ld ms, kasan %ld ms, "
		 "fault %ld ms, drm %ld ms",
		 ms[0], ms[1], ms[2], ms[3], ms[4]);
}
