/*
 * Out-of-tree kernel modules built against a fuzzing kernel's build tree
 * and cached beside it: a driver under development, or drmfuzz's test
 * module with planted bugs (tests/kbugs).
 */
#ifndef DRMFUZZ_KERNEL_KMOD_H
#define DRMFUZZ_KERNEL_KMOD_H

#include <stdbool.h>
#include <stddef.h>

struct kmod_result {
	char *dir; /* cache entry: <cache>/modules/<name>-<hash> */
	char **ko; /* the built modules, absolute paths */
	size_t n_ko;
	char *log; /* dir/build.log */
	bool cached; /* found in the cache, nothing built */
};

/*
 * Build the module sources in @src (a directory with a Kbuild or Makefile
 * and its .c/.h files; subdirectories are not read) against the kernel
 * object tree @objtree (the O= directory of its build: `drmfuzz kernel
 * build` leaves it in <result>/build; syzkaller's kernel_obj). The sources
 * are copied into the cache entry <cache>/modules/<name>-<hash>, whose hash
 * covers them and the kernel, so a changed source or kernel builds anew
 * and an unchanged one returns at once. Returns 0 and fills @res (free
 * with kmod_result_free), or -errno after logging one error that names
 * the file or the build log.
 */
int kmod_build(const char *objtree, const char *src, bool quiet,
	       struct kmod_result *res);
void kmod_result_free(struct kmod_result *res);

#endif
