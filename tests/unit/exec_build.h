/*
 * Tests only: builds exec-encoded programs (include/exec.h) by hand, for
 * the executor's tests until src/prog's prog_encode is used.
 * Usage: pb_begin(b, n_calls, n_results); pb_call(b, nr, copyout, n);
 * then the n args; ...; pb_end(b).
 */
#ifndef DRMFUZZ_TESTS_EXEC_BUILD_H
#define DRMFUZZ_TESTS_EXEC_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "exec.h"

struct pb {
	uint8_t buf[1 << 16];
	size_t len;
};

static inline void pb_u(struct pb *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		b->buf[b->len++] = c | (v ? 0x80 : 0);
	} while (v);
}

/* A program whose memory is the first @data_size bytes of the data area. */
static inline void pb_begin_sized(struct pb *b, uint64_t n_calls,
				  uint64_t n_results, uint64_t data_size)
{
	b->len = 0;
	pb_u(b, EXEC_MAGIC);
	pb_u(b, EXEC_VERSION);
	pb_u(b, n_calls);
	pb_u(b, n_results);
	pb_u(b, data_size);
}

/* A program that may use all of the data area. */
static inline void pb_begin(struct pb *b, uint64_t n_calls, uint64_t n_results)
{
	pb_begin_sized(b, n_calls, n_results, EXEC_DATA_SIZE);
}

/* Args: an integer, a pointer into the data area, a result. */
static inline void pb_const(struct pb *b, uint64_t v)
{
	pb_u(b, EXEC_ARG_CONST);
	pb_u(b, EXEC_META(8, EXEC_FMT_NATIVE, 0, 0));
	pb_u(b, v);
}

static inline void pb_ptr(struct pb *b, uint64_t off)
{
	pb_u(b, EXEC_ARG_CONST);
	pb_u(b, EXEC_META(8, EXEC_FMT_NATIVE, 0, 0) | EXEC_META_ADDR);
	pb_u(b, off);
}

static inline void pb_result(struct pb *b, uint64_t index, uint64_t div,
			     uint64_t add, uint64_t dflt)
{
	pb_u(b, EXEC_ARG_RESULT);
	pb_u(b, EXEC_META(8, EXEC_FMT_NATIVE, 0, 0));
	pb_u(b, index);
	pb_u(b, div);
	pb_u(b, add);
	pb_u(b, dflt);
}

/* A call; @copyout: result index + 1, 0 for none. n_args args follow. */
static inline void pb_call_ex(struct pb *b, uint32_t kind, uint64_t nr,
			      uint64_t copyout, uint64_t fail, uint64_t flags,
			      uint64_t n_args)
{
	pb_u(b, EXEC_OP_CALL);
	pb_u(b, kind);
	pb_u(b, nr);
	pb_u(b, copyout);
	pb_u(b, fail);
	pb_u(b, flags);
	pb_u(b, 0); /* rerun */
	pb_u(b, n_args);
}

static inline void pb_call(struct pb *b, uint64_t nr, uint64_t copyout,
			   uint64_t n_args)
{
	pb_call_ex(b, EXEC_CALL_SYSCALL, nr, copyout, 0, 0, n_args);
}

/* COPYIN of an integer with full control of its meta. */
static inline void pb_copyin_int(struct pb *b, uint64_t addr, uint64_t meta,
				 uint64_t v)
{
	pb_u(b, EXEC_OP_COPYIN);
	pb_u(b, addr);
	pb_u(b, EXEC_ARG_CONST);
	pb_u(b, meta);
	pb_u(b, v);
	if (meta & EXEC_META_PID)
		pb_u(b, 0);
}

static inline void pb_copyin_data(struct pb *b, uint64_t addr, const void *d,
				  size_t n)
{
	pb_u(b, EXEC_OP_COPYIN);
	pb_u(b, addr);
	pb_u(b, EXEC_ARG_DATA);
	pb_u(b, n);
	memcpy(b->buf + b->len, d, n);
	b->len += n;
}

static inline void pb_copyout(struct pb *b, uint64_t index, uint64_t addr,
			      uint64_t size)
{
	pb_u(b, EXEC_OP_COPYOUT);
	pb_u(b, index);
	pb_u(b, addr);
	pb_u(b, size);
}

/* COPYIN of an inet checksum over @n chunks {kind, a, b}. */
static inline void pb_copyin_csum(struct pb *b, uint64_t addr, size_t n,
				  const uint64_t (*ch)[3])
{
	pb_u(b, EXEC_OP_COPYIN);
	pb_u(b, addr);
	pb_u(b, EXEC_ARG_CSUM);
	pb_u(b, 2);
	pb_u(b, EXEC_CSUM_INET);
	pb_u(b, n);
	for (size_t i = 0; i < n; i++) {
		pb_u(b, ch[i][0]);
		pb_u(b, ch[i][1]);
		pb_u(b, ch[i][2]);
	}
}

static inline void pb_end(struct pb *b)
{
	pb_u(b, EXEC_OP_END);
}

#endif
