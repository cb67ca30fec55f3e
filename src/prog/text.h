/* Text helpers of the program format: base64 for compressed data. */
#ifndef DRMFUZZ_PROG_TEXT_H
#define DRMFUZZ_PROG_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Standard base64 (with '=' padding) into @out; 0, -EINVAL or -ENOMEM. */
int prog_base64_decode(const char *s, size_t n, struct buf *out);
int prog_base64_encode(const uint8_t *d, size_t n, struct buf *out);

#endif
