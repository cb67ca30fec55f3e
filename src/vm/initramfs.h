/*
 * The guest's root file system: busybox-static, drmfuzz-executor and
 * /init in an uncompressed cpio (newc) archive, and where to find the
 * executor.
 */
#ifndef DRMFUZZ_VM_INITRAMFS_H
#define DRMFUZZ_VM_INITRAMFS_H

#include <stddef.h>
#include <sys/types.h>

struct buf;

/*
 * The initramfs: busybox-static, @executor and /init, as an uncompressed
 * cpio (newc), cached under the cache dir by content hash. Returns 0 and
 * *path (caller frees), or -errno after logging what to install.
 */
int vm_initramfs(const char *executor, char **path);

/*
 * The same with kernel modules (.ko paths) that /init loads, in order,
 * before the executor starts; each load is said on the console
 * ("drmfuzz: loaded ..." or "drmfuzz: cannot load ..."). A module that
 * cannot be read or is not an ELF file fails with a logged error.
 */
int vm_initramfs_modules(const char *executor, const char *const *modules,
			 size_t n_modules, char **path);

/*
 * An initramfs for a C reproducer: the same file systems, settings and
 * modules, then the static @binary (as /bin/drmfuzz-repro) instead of the
 * executor; the console says "drmfuzz: init done, starting the C
 * reproducer" and, when it ends, "drmfuzz: the C reproducer exited".
 */
int vm_initramfs_c(const char *binary, const char *const *modules,
		   size_t n_modules, char **path);

/* The /init scripts (exact bytes written into the initramfs). */
extern const char vm_init_script[];
extern const char vm_init_script_c[];

/*
 * Append one cpio newc entry to @out. @mode includes the file type
 * (S_IFREG, S_IFDIR, S_IFLNK: data is the target, S_IFCHR: @rdev).
 * vm_cpio_trailer ends the archive. 0 or -ENOMEM.
 */
int vm_cpio_add(struct buf *out, const char *name, unsigned mode,
		const void *data, size_t len, dev_t rdev);
int vm_cpio_trailer(struct buf *out);

/* The drmfuzz-executor built with this drmfuzz; NULL when not found. */
char *vm_find_executor(void);

#endif
