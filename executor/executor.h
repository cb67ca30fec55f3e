/*
 * drmfuzz-executor internals: the guest side. Links nothing of src/, only
 * include/wire.h. Memory is static or set up at start-up; nothing here
 * calls malloc once requests are being served.
 */
#ifndef DRMFUZZ_EXECUTOR_H
#define DRMFUZZ_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/*
 * The one way out on an unrecoverable error: print WIRE_FAIL_PREFIX and the
 * message (fail() adds strerror(errno)) on stderr, which is the console
 * in a VM, then exit with WIRE_EXIT_FAIL.
 */
__attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void failmsg(const char *fmt,
							     ...);

/*
 * Fill @h with what this machine offers (KCOV, KASAN, DRM nodes...);
 * @timing gets how long each probe took, for the console.
 */
void features_detect(struct wire_hello *h, char *timing, size_t cap);

/*
 * Answer one request frame (@hdr, @payload) by appending one reply frame
 * to @w. Returns 0, or the cursor's error.
 */
int serve_handle(const struct wire_hdr *hdr, const uint8_t *payload,
		 struct wire_wr *w);

/*
 * Read requests from @in and write replies to @out until EOF. Returns 0 at
 * a clean EOF, or -errno (-EBADMSG etc. for a malformed stream, with a
 * description in @err).
 */
int serve_stream(int in, int out, char *err, size_t cap);

/* write() all of @len bytes. 0 or -errno. */
int write_all(int fd, const void *data, size_t len);

#endif
