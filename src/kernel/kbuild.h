/*
 * Building a fuzzing kernel: x86_64 defconfig + kvm_guest.config + our
 * fragment (kernel/drmfuzz.config) + optional user fragments, checked after
 * olddefconfig, built out of tree and cached by source identity and
 * fragment hash.
 */
#ifndef DRMFUZZ_KERNEL_KBUILD_H
#define DRMFUZZ_KERNEL_KBUILD_H

#include <stdbool.h>
#include <stddef.h>

struct kbuild_opts {
	const char *src; /* kernel tree; NULL: Debian's linux-source-6.1 */
	const char *out; /* result directory; NULL: the cache */
	int jobs; /* make -j; 0: number of CPUs */
	const char **extra; /* extra fragment files, applied last */
	size_t n_extra;
	bool force; /* rebuild even when cached */
	bool quiet; /* no progress lines */
};

struct kbuild_result {
	char *dir; /* result directory */
	char *bzimage; /* dir/bzImage */
	char *vmlinux; /* dir/vmlinux */
	char *config; /* dir/.config */
	char *log; /* dir/build.log */
	char *objtree; /* dir/build: the O= tree (modules build in it) */
	char *source_id;
	char key[17];
	bool cached; /* found in the cache, nothing built */
	double seconds; /* wall time of this call */
};

/* One fragment line: CONFIG_NAME=value, or value NULL for "is not set". */
struct kconfig_opt {
	char *name;
	char *value;
	int line;
};

/*
 * Parse a fragment or a .config. Lines other than assignments and
 * "# CONFIG_X is not set" are ignored. Later assignments to a name
 * override earlier ones. Returns 0 or -errno; *opts (caller frees with
 * kconfig_free) holds @n entries.
 */
int kconfig_parse(const char *text, struct kconfig_opt **opts, size_t *n);
void kconfig_free(struct kconfig_opt *opts, size_t n);

/*
 * Check that every option requested in @frag (n_frag entries) has the same
 * value in @cfg. A value of "y"/"m"/string/number must match; "is not set"
 * must not be y or m. Each mismatch is appended to @report as one line.
 * Returns the number of mismatches.
 */
struct buf;
size_t kconfig_verify(const struct kconfig_opt *frag, size_t n_frag,
		      const struct kconfig_opt *cfg, size_t n_cfg,
		      struct buf *report);

/*
 * The cache key: the first 16 hex digits of
 * sha256("drmfuzz-kernel-1\0" source_id "\0" fragments).
 */
void kbuild_cache_key(const char *source_id, const char *frag, size_t len,
		      char key[17]);

/*
 * Build (or find in the cache) a fuzzing kernel. Prints progress through
 * the log module. Returns 0 and fills @res (free with kbuild_result_free),
 * or -errno after logging one error that says what to do.
 */
int kbuild_run(const struct kbuild_opts *opts, struct kbuild_result *res);
void kbuild_result_free(struct kbuild_result *res);

/*
 * The cached default kernel (Debian source, default fragment), without
 * building: 0 and @res filled when present, -ENOENT otherwise.
 */
int kbuild_find_default(struct kbuild_result *res);

#endif
