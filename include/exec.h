/*
 * The exec encoding: the compact binary form of a program that the guest
 * executor runs. Produced by src/prog (prog_encode), decoded by
 * include/exec_decode.h. Shared by host and executor; depends on nothing.
 *
 * Wire format. Every number is an unsigned LEB128 varint (7 bits per
 * byte, low first, at most 10 bytes); byte strings are a varint length
 * followed by the bytes. A program is a header then instructions:
 *
 *   header:  EXEC_MAGIC, EXEC_VERSION, n_calls, n_results, data_size
 *   insn:    op, operands...   (op is enum exec_op)
 *
 *   EXEC_OP_COPYIN   addr arg            write @arg at data+addr
 *   EXEC_OP_CALL     kind nr copyout fail_nth flags rerun n_args arg...
 *                    kind: enum exec_call_kind; nr: syscall number or
 *                    enum exec_pseudo; copyout: result index + 1 that
 *                    receives the return value, 0 for none; fail_nth:
 *                    N + 1, 0 for none; flags: EXEC_CALL_*; rerun: count
 *   EXEC_OP_COPYOUT  index addr size     after the last call, result
 *                    @index = the @size-byte value at data+addr
 *   EXEC_OP_END      nothing follows
 *
 *   arg = kind, then by kind (enum exec_arg_kind):
 *   EXEC_ARG_CONST   meta value [pid_stride if EXEC_META_PID]
 *                    meta: size | format << 4 | bf_off << 8 |
 *                    bf_len << 16 | EXEC_META_* flags; the written value
 *                    is value + pid * pid_stride, plus the data area's
 *                    address when EXEC_META_ADDR is set (a pointer)
 *   EXEC_ARG_RESULT  meta index op_div op_add default
 *                    value = result[index] / op_div (if op_div != 0)
 *                    + op_add, or default if the result is unset
 *   EXEC_ARG_DATA    len bytes           raw bytes (copyin only)
 *   EXEC_ARG_CSUM    size kind n_chunks (chunk_kind a b)...
 *                    inet checksum (copyin only); chunk_kind DATA: a =
 *                    addr, b = size; CONST: a = value, b = size (its b
 *                    low bytes, little-endian, are summed). Computed
 *                    when the COPYIN runs, over what earlier copyins
 *                    wrote: encoders put it after the call's others
 *
 * Rules a decoder enforces (all checkable before anything runs):
 * magic and version match; data_size <= EXEC_DATA_SIZE; every
 * addr + size <= data_size; sizes are 1, 2, 4 or 8 (data: any length
 * that fits); bf_off + bf_len <= size * 8; result indexes < n_results
 * and n_results <= EXEC_MAX_RESULTS; calls <= n_calls <= EXEC_MAX_CALLS;
 * n_args <= EXEC_MAX_ARGS; call args are CONST or RESULT; the stream ends
 * with EXEC_OP_END exactly at its end.
 *
 * Versioning: new opcodes/kinds/flags may be added; anything a decoder
 * does not know is rejected, so bump EXEC_VERSION when adding them.
 */
#ifndef DRMFUZZ_EXEC_H
#define DRMFUZZ_EXEC_H

#include <stdint.h>
#include <string.h>

#define EXEC_MAGIC 0x31584644u /* "DFX1" */
#define EXEC_VERSION 1u

/* The data area: where the executor maps it (syzkaller's linux/amd64
 * address, so programs with absolute addresses run unchanged) and how big
 * it is. Pointer
 * arguments are encoded relative to it (EXEC_META_ADDR). */
#define EXEC_DATA_ADDR 0x7f0000000000ull
#define EXEC_DATA_SIZE (16u << 20)
#define EXEC_PAGE_SIZE 4096u

#define EXEC_MAX_CALLS 1024u
#define EXEC_MAX_ARGS 9u
#define EXEC_MAX_RESULTS 4096u
#define EXEC_MAX_CSUM_CHUNKS 64u
/* Upper bound of an encoded program, so buffers can be sized statically. */
#define EXEC_MAX_SIZE (4u << 20)

enum exec_op {
	EXEC_OP_END = 0,
	EXEC_OP_COPYIN = 1,
	EXEC_OP_CALL = 2,
	EXEC_OP_COPYOUT = 3,
};

enum exec_arg_kind {
	EXEC_ARG_CONST = 0,
	EXEC_ARG_RESULT = 1,
	EXEC_ARG_DATA = 2,
	EXEC_ARG_CSUM = 3,
};

/* How an integer is stored (matches the order of syz_int_format). */
enum exec_format {
	EXEC_FMT_NATIVE = 0, /* little-endian */
	EXEC_FMT_BIG_ENDIAN = 1,
	EXEC_FMT_STR_DEC = 2, /* "%020llu", 20 bytes */
	EXEC_FMT_STR_HEX = 3, /* "0x%016llx", 18 bytes */
	EXEC_FMT_STR_OCT = 4, /* "%023llo", 23 bytes */
};

#define EXEC_META_SIZE(m) ((uint32_t)((m)&0xf))
#define EXEC_META_FORMAT(m) ((uint32_t)(((m) >> 4) & 0xf))
#define EXEC_META_BF_OFF(m) ((uint32_t)(((m) >> 8) & 0xff))
#define EXEC_META_BF_LEN(m) ((uint32_t)(((m) >> 16) & 0xff))
#define EXEC_META_PID (1ull << 24) /* a pid_stride follows the value */
#define EXEC_META_ADDR (1ull << 25) /* add the data area's address */
#define EXEC_META_KNOWN (0xffffffull | EXEC_META_PID | EXEC_META_ADDR)
#define EXEC_META(size, fmt, bf_off, bf_len)                                 \
	((uint64_t)(size) | (uint64_t)(fmt) << 4 | (uint64_t)(bf_off) << 8 | \
	 (uint64_t)(bf_len) << 16)

/* Bytes a string-formatted integer occupies (0 for binary formats). */
static inline uint32_t exec_format_str_size(uint32_t fmt)
{
	return fmt == EXEC_FMT_STR_DEC ? 20 :
	       fmt == EXEC_FMT_STR_HEX ? 18 :
	       fmt == EXEC_FMT_STR_OCT ? 23 :
					 0;
}

enum exec_call_kind {
	EXEC_CALL_SYSCALL = 0, /* nr is the amd64 syscall number */
	EXEC_CALL_PSEUDO = 1, /* nr is an enum exec_pseudo */
};

#define EXEC_CALL_ASYNC 1u
#define EXEC_CALL_KNOWN_FLAGS EXEC_CALL_ASYNC

enum exec_csum_kind {
	EXEC_CSUM_INET = 0,
};

enum exec_chunk_kind {
	EXEC_CHUNK_DATA = 0,
	EXEC_CHUNK_CONST = 1,
};

/* Pseudo calls the executor implements (syzkaller's syz_* names). */
enum exec_pseudo {
	EXEC_PSEUDO_OPEN_DEV = 1, /* syz_open_dev(dev, id, flags) */
	EXEC_PSEUDO_OPEN_PROCFS = 2, /* syz_open_procfs(pid, file) */
	EXEC_PSEUDO_OPEN_PTS = 3, /* syz_open_pts(fd, flags) */
	EXEC_PSEUDO_INIT_NET_SOCKET = 4, /* syz_init_net_socket(d, t, p) */
	EXEC_PSEUDO_EXECUTE_FUNC = 5, /* syz_execute_func(text) */
	EXEC_PSEUDO_COUNT_,
};

/* The pseudo id of a call's base name ("syz_open_dev"), or 0. */
static inline uint32_t exec_pseudo_lookup(const char *name)
{
	static const struct {
		const char *name;
		uint32_t id;
	} tab[] = {
		{ "syz_open_dev", EXEC_PSEUDO_OPEN_DEV },
		{ "syz_open_procfs", EXEC_PSEUDO_OPEN_PROCFS },
		{ "syz_open_pts", EXEC_PSEUDO_OPEN_PTS },
		{ "syz_init_net_socket", EXEC_PSEUDO_INIT_NET_SOCKET },
		{ "syz_execute_func", EXEC_PSEUDO_EXECUTE_FUNC },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!strcmp(tab[i].name, name))
			return tab[i].id;
	}
	return 0;
}

static inline const char *exec_pseudo_name(uint32_t id)
{
	switch (id) {
	case EXEC_PSEUDO_OPEN_DEV:
		return "syz_open_dev";
	case EXEC_PSEUDO_OPEN_PROCFS:
		return "syz_open_procfs";
	case EXEC_PSEUDO_OPEN_PTS:
		return "syz_open_pts";
	case EXEC_PSEUDO_INIT_NET_SOCKET:
		return "syz_init_net_socket";
	case EXEC_PSEUDO_EXECUTE_FUNC:
		return "syz_execute_func";
	default:
		return NULL;
	}
}

/* @v with its low @size bytes (2, 4 or 8) reversed: big-endian ints. */
static inline uint64_t exec_bswap(uint64_t v, uint32_t size)
{
	switch (size) {
	case 2:
		return __builtin_bswap16((uint16_t)v);
	case 4:
		return __builtin_bswap32((uint32_t)v);
	case 8:
		return __builtin_bswap64(v);
	default:
		return v;
	}
}

#endif
