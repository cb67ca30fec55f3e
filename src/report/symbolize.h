/*
 * Kernel stack symbolization with elfutils libdw: turns "func+0x1c/0x40"
 * frames into "func+0x1c/0x40 path/file.c:123", with one extra
 * "inlined_fn path/file.h:45 [inline]" line per inlined call, innermost
 * first, as syzbot shows them. Module frames ("func+0x1/0x2 [vgem]") are
 * resolved from the module's .ko when it is found under the vmlinux's
 * directory. Results are cached per (module, pc).
 *
 * A symbolizer is not thread-safe; use one per thread (or lock).
 */
#ifndef DRMFUZZ_REPORT_SYMBOLIZE_H
#define DRMFUZZ_REPORT_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symbolizer;

/*
 * Open @vmlinux (an ELF with DWARF). Source paths are printed relative to
 * @kernel_src (may be NULL: then relative to the vmlinux's directory or
 * the DWARF compilation directory). Returns 0 and *out (free with
 * symbolizer_free), or -errno: -ENOENT when the file is missing, -EINVAL
 * when it is not an ELF file with symbols.
 */
int symbolizer_new(const char *vmlinux, const char *kernel_src,
		   struct symbolizer **out);
void symbolizer_free(struct symbolizer *s);

/* One source location; the last one of a chain is the real function. */
struct symbolizer_frame {
	const char *func; /* owned by the symbolizer (valid until free) */
	const char *file; /* relative path, owned by the symbolizer */
	int line;
	bool inlined;
};

/*
 * Locations of the code at @func+@off (a return address unless @exact;
 * @size picks among same-named symbols) in @module (NULL: vmlinux).
 * On success *frames points into the symbolizer's cache (valid until
 * symbolizer_free) and *n >= 1. Returns 0, -ENOENT when unknown.
 */
int symbolizer_func(struct symbolizer *s, const char *module, const char *func,
		    uint64_t off, uint64_t size, bool exact,
		    const struct symbolizer_frame **frames, size_t *n);

/* Same for a plain address in vmlinux. */
int symbolizer_addr(struct symbolizer *s, uint64_t pc,
		    const struct symbolizer_frame **frames, size_t *n);

/*
 * Symbolize every frame line of @text (@len bytes); lines that are not
 * frames, or that cannot be resolved, are kept as they are. *out is a new
 * NUL-terminated string (caller frees). Returns 0 or -ENOMEM.
 */
int symbolizer_text(struct symbolizer *s, const char *text, size_t len,
		    char **out, size_t *out_len);

/* Counters for benchmarks and logs. */
struct symbolizer_stats {
	size_t lookups, cache_hits, unresolved;
};
void symbolizer_get_stats(const struct symbolizer *s,
			  struct symbolizer_stats *st);

#endif
