/*
 * Constant extraction for syzlang descriptions: finds the identifiers a
 * description file uses, gets their values from Linux UAPI headers by
 * compiling and running a generated C program (as syzkaller's extractor
 * does), and writes them in syzkaller's .const format (amd64 only).
 */
#ifndef DRMFUZZ_CONSTS_CONSTS_H
#define DRMFUZZ_CONSTS_CONSTS_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* What one description file needs. */
struct consts_req {
	char **includes; /* "drm/drm.h", from `include <...>` lines */
	size_t n_includes;
	char **def_names; /* `define NAME value` lines, in file order */
	char **def_values;
	size_t n_defs;
	char **idents; /* sorted, unique: candidate constants, __NR_<call> */
	size_t n_idents;
};

struct consts_value {
	char *name;
	uint64_t value;
};

/*
 * Scan description @text (@path names it in errors). Candidates are the
 * identifiers that start with an upper-case letter or '_' outside
 * comments, strings and `name$variant` call names, plus __NR_<syscall>
 * for every call. Returns 0 and fills @req (free with consts_req_free), or
 * -EINVAL after logging "path:line:col: ..." for a malformed include or
 * define line, or -ENOMEM.
 */
int consts_scan(const char *text, const char *path, struct consts_req *req);
void consts_req_free(struct consts_req *req);

/*
 * Give every identifier of @req a value, compiling with `cc -I @incdir`
 * (an installed-headers directory such as /usr/include or the output of
 * consts_headers_install). Identifiers the compiler rejects (template
 * parameters, names the headers lack) are dropped and listed, one per
 * line, in @dropped (may be NULL). On success *vals (free with
 * consts_values_free) holds *n values sorted by name. Returns 0, -ENOENT
 * when a header in @req is missing (logged: which one, and what to pass),
 * or -errno.
 */
int consts_extract(const struct consts_req *req, const char *incdir,
		   struct consts_value **vals, size_t *n, struct buf *dropped);
void consts_values_free(struct consts_value *vals, size_t n);

/* The .const file text for @vals (caller frees), NULL on ENOMEM. */
char *consts_format(const struct consts_value *vals, size_t n);

/*
 * `make headers_install` of kernel tree @src (left untouched: objects go to
 * @dest/build) into @dest; the headers end up in @dest/include. Returns 0
 * or -errno after logging make's output.
 */
int consts_headers_install(const char *src, const char *dest);

#endif
