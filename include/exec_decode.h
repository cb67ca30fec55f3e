/*
 * Decoder of the exec encoding (include/exec.h), header-only so the guest
 * executor and the host share it. It never reads outside the buffer and
 * checks every rule of exec.h; on malformed input it stops with a message
 * in d->err naming the byte offset. No allocation.
 *
 * Usage:
 *	struct exec_decoder d;
 *	struct exec_insn in;
 *	if (exec_decode_init(&d, buf, len) < 0) fail(d.err);
 *	while ((rc = exec_decode_next(&d, &in)) > 0) run(&in);
 *	if (rc < 0) fail(d.err);
 * Pointers inside an insn (data bytes) point into the caller's buffer.
 */
#ifndef DRMFUZZ_EXEC_DECODE_H
#define DRMFUZZ_EXEC_DECODE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "exec.h"

struct exec_chunk {
	uint32_t kind; /* enum exec_chunk_kind */
	uint64_t a, b; /* DATA: addr, size; CONST: value, size */
};

struct exec_arg {
	uint32_t kind; /* enum exec_arg_kind */
	uint32_t size; /* bytes written (string formats: their width) */
	uint32_t format, bf_off, bf_len;
	bool addr; /* EXEC_META_ADDR: add the data area's address */
	uint64_t value, pid_stride; /* CONST */
	uint64_t index, op_div, op_add; /* RESULT; value is the default */
	const uint8_t *data; /* DATA: size bytes */
	uint32_t csum_kind, n_chunks; /* CSUM */
	struct exec_chunk chunks[EXEC_MAX_CSUM_CHUNKS];
};

struct exec_insn {
	uint32_t op; /* enum exec_op */
	/* COPYIN: addr + arg. COPYOUT: index, addr, size. */
	uint64_t addr, index, size;
	struct exec_arg arg;
	/* CALL */
	uint32_t call_kind;
	uint64_t nr;
	bool has_copyout;
	uint64_t copyout; /* result index of the return value */
	int64_t fail_nth; /* -1: none */
	uint32_t flags; /* EXEC_CALL_* */
	uint64_t rerun;
	uint32_t n_args;
	struct exec_arg args[EXEC_MAX_ARGS];
};

struct exec_decoder {
	const uint8_t *start, *p, *end;
	uint64_t n_calls, n_results, data_size;
	uint64_t calls_seen;
	bool done;
	char err[160];
};

static inline int exec_decode_fail_(struct exec_decoder *d, const char *fmt,
				    ...) __attribute__((format(printf, 2, 3)));
static inline int exec_decode_fail_(struct exec_decoder *d, const char *fmt,
				    ...)
{
	int n = snprintf(d->err, sizeof(d->err),
			 "exec: offset %zu: ", (size_t)(d->p - d->start));
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(d->err))
		vsnprintf(d->err + n, sizeof(d->err) - (size_t)n, fmt, ap);
	va_end(ap);
	d->done = true;
	return -1;
}

/* Read one varint; -1 (with d->err) when truncated or over 64 bits. */
static inline int exec_read_(struct exec_decoder *d, uint64_t *v,
			     const char *what)
{
	uint64_t x = 0;
	*v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (d->p >= d->end)
			return exec_decode_fail_(d, "truncated %s", what);
		uint8_t b = *d->p++;
		if (shift == 63 && (b & 0x7e))
			return exec_decode_fail_(d, "%s overflows 64 bits",
						 what);
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return exec_decode_fail_(d, "%s overflows 64 bits", what);
}

static inline int exec_check_range_(struct exec_decoder *d, uint64_t addr,
				    uint64_t size, const char *what)
{
	if (addr > d->data_size || size > d->data_size - addr)
		return exec_decode_fail_(
			d,
			"%s [0x%llx, +%llu) outside the data area (%llu bytes)",
			what, (unsigned long long)addr,
			(unsigned long long)size,
			(unsigned long long)d->data_size);
	return 0;
}

static inline bool exec_size_ok_(uint64_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static inline int exec_read_meta_(struct exec_decoder *d, struct exec_arg *a,
				  uint64_t *meta)
{
	if (exec_read_(d, meta, "meta"))
		return -1;
	if (*meta & ~(uint64_t)EXEC_META_KNOWN)
		return exec_decode_fail_(d, "unknown meta bits 0x%llx",
					 (unsigned long long)*meta);
	a->size = EXEC_META_SIZE(*meta);
	a->format = EXEC_META_FORMAT(*meta);
	a->bf_off = EXEC_META_BF_OFF(*meta);
	a->bf_len = EXEC_META_BF_LEN(*meta);
	a->addr = (*meta & EXEC_META_ADDR) != 0;
	if (!exec_size_ok_(a->size))
		return exec_decode_fail_(d, "bad integer size %u", a->size);
	if (a->format > EXEC_FMT_STR_OCT)
		return exec_decode_fail_(d, "bad integer format %u", a->format);
	if (a->bf_off + a->bf_len > a->size * 8)
		return exec_decode_fail_(d, "bitfield %u:%u exceeds %u bytes",
					 a->bf_off, a->bf_len, a->size);
	if (a->bf_len && a->format >= EXEC_FMT_STR_DEC)
		return exec_decode_fail_(d, "string-formatted bitfield");
	if (a->format >= EXEC_FMT_STR_DEC)
		a->size = exec_format_str_size(a->format);
	return 0;
}

static inline int exec_read_csum_(struct exec_decoder *d, struct exec_arg *a)
{
	uint64_t size, kind, n;
	if (exec_read_(d, &size, "csum size") ||
	    exec_read_(d, &kind, "csum kind") ||
	    exec_read_(d, &n, "csum chunk count"))
		return -1;
	if (size != 2)
		return exec_decode_fail_(d, "csum size %llu (want 2)",
					 (unsigned long long)size);
	if (kind != EXEC_CSUM_INET)
		return exec_decode_fail_(d, "unknown csum kind %llu",
					 (unsigned long long)kind);
	if (n > EXEC_MAX_CSUM_CHUNKS)
		return exec_decode_fail_(d, "%llu csum chunks (max %u)",
					 (unsigned long long)n,
					 EXEC_MAX_CSUM_CHUNKS);
	a->size = 2;
	a->csum_kind = (uint32_t)kind;
	a->n_chunks = (uint32_t)n;
	for (uint32_t i = 0; i < a->n_chunks; i++) {
		struct exec_chunk *c = &a->chunks[i];
		uint64_t ck;
		if (exec_read_(d, &ck, "chunk kind") ||
		    exec_read_(d, &c->a, "chunk") ||
		    exec_read_(d, &c->b, "chunk size"))
			return -1;
		c->kind = (uint32_t)ck;
		if (ck == EXEC_CHUNK_DATA) {
			if (exec_check_range_(d, c->a, c->b, "csum chunk"))
				return -1;
		} else if (ck == EXEC_CHUNK_CONST) {
			if (!exec_size_ok_(c->b))
				return exec_decode_fail_(
					d, "bad csum const size %llu",
					(unsigned long long)c->b);
		} else {
			return exec_decode_fail_(d, "unknown chunk kind %llu",
						 (unsigned long long)ck);
		}
	}
	return 0;
}

/* One argument; @in_call: only CONST and RESULT are allowed. */
static inline int exec_read_arg_(struct exec_decoder *d, struct exec_arg *a,
				 bool in_call)
{
	uint64_t kind, meta, len;
	if (exec_read_(d, &kind, "arg kind"))
		return -1;
	a->kind = (uint32_t)kind;
	a->addr = false;
	a->pid_stride = 0;
	a->bf_off = a->bf_len = 0;
	a->format = EXEC_FMT_NATIVE;
	switch (kind) {
	case EXEC_ARG_CONST:
		if (exec_read_meta_(d, a, &meta) ||
		    exec_read_(d, &a->value, "const value"))
			return -1;
		if ((meta & EXEC_META_PID) &&
		    exec_read_(d, &a->pid_stride, "pid stride"))
			return -1;
		return 0;
	case EXEC_ARG_RESULT:
		if (exec_read_meta_(d, a, &meta))
			return -1;
		if (meta & (EXEC_META_PID | EXEC_META_ADDR))
			return exec_decode_fail_(d, "result with pid/addr");
		if (exec_read_(d, &a->index, "result index") ||
		    exec_read_(d, &a->op_div, "op_div") ||
		    exec_read_(d, &a->op_add, "op_add") ||
		    exec_read_(d, &a->value, "result default"))
			return -1;
		if (a->index >= d->n_results)
			return exec_decode_fail_(
				d, "result %llu out of range (%llu results)",
				(unsigned long long)a->index,
				(unsigned long long)d->n_results);
		return 0;
	case EXEC_ARG_DATA:
		if (in_call)
			return exec_decode_fail_(d, "data as a call argument");
		if (exec_read_(d, &len, "data length"))
			return -1;
		if (len > (uint64_t)(d->end - d->p))
			return exec_decode_fail_(
				d, "data of %llu bytes is truncated",
				(unsigned long long)len);
		if (len > d->data_size)
			return exec_decode_fail_(
				d, "data larger than the data area");
		a->data = d->p;
		a->size = (uint32_t)len;
		d->p += len;
		return 0;
	case EXEC_ARG_CSUM:
		if (in_call)
			return exec_decode_fail_(d, "csum as a call argument");
		return exec_read_csum_(d, a);
	default:
		return exec_decode_fail_(d, "unknown arg kind %llu",
					 (unsigned long long)kind);
	}
}

/* Parse the header. 0, or -1 with d->err set. */
static inline int exec_decode_init(struct exec_decoder *d, const void *buf,
				   size_t len)
{
	uint64_t magic, version;
	d->start = d->p = (const uint8_t *)buf;
	d->end = d->p + len;
	d->calls_seen = 0;
	d->done = false;
	d->err[0] = 0;
	d->n_calls = d->n_results = d->data_size = 0;
	if (len > EXEC_MAX_SIZE)
		return exec_decode_fail_(d, "program of %zu bytes (max %u)",
					 len, EXEC_MAX_SIZE);
	if (exec_read_(d, &magic, "magic"))
		return -1;
	if (magic != EXEC_MAGIC)
		return exec_decode_fail_(d, "bad magic 0x%llx",
					 (unsigned long long)magic);
	if (exec_read_(d, &version, "version"))
		return -1;
	if (version != EXEC_VERSION)
		return exec_decode_fail_(d, "version %llu, expected %u",
					 (unsigned long long)version,
					 EXEC_VERSION);
	if (exec_read_(d, &d->n_calls, "call count") ||
	    exec_read_(d, &d->n_results, "result count") ||
	    exec_read_(d, &d->data_size, "data size"))
		return -1;
	if (d->n_calls > EXEC_MAX_CALLS)
		return exec_decode_fail_(d, "%llu calls (max %u)",
					 (unsigned long long)d->n_calls,
					 EXEC_MAX_CALLS);
	if (d->n_results > EXEC_MAX_RESULTS)
		return exec_decode_fail_(d, "%llu results (max %u)",
					 (unsigned long long)d->n_results,
					 EXEC_MAX_RESULTS);
	if (d->data_size > EXEC_DATA_SIZE)
		return exec_decode_fail_(d, "data size %llu (max %u)",
					 (unsigned long long)d->data_size,
					 EXEC_DATA_SIZE);
	return 0;
}

static inline int exec_decode_call_(struct exec_decoder *d,
				    struct exec_insn *in)
{
	uint64_t kind, copyout, fail, flags, n;
	if (++d->calls_seen > d->n_calls)
		return exec_decode_fail_(d, "more calls than the header's %llu",
					 (unsigned long long)d->n_calls);
	if (exec_read_(d, &kind, "call kind") ||
	    exec_read_(d, &in->nr, "call number") ||
	    exec_read_(d, &copyout, "copyout") ||
	    exec_read_(d, &fail, "fail_nth") ||
	    exec_read_(d, &flags, "call flags") ||
	    exec_read_(d, &in->rerun, "rerun") ||
	    exec_read_(d, &n, "arg count"))
		return -1;
	if (kind == EXEC_CALL_PSEUDO) {
		if (in->nr == 0 || in->nr >= EXEC_PSEUDO_COUNT_)
			return exec_decode_fail_(d, "unknown pseudo call %llu",
						 (unsigned long long)in->nr);
	} else if (kind != EXEC_CALL_SYSCALL) {
		return exec_decode_fail_(d, "unknown call kind %llu",
					 (unsigned long long)kind);
	}
	if (copyout > d->n_results)
		return exec_decode_fail_(d, "copyout %llu out of range",
					 (unsigned long long)copyout);
	if (fail > 0x7fffffff)
		return exec_decode_fail_(d, "fail_nth too large");
	if (flags & ~(uint64_t)EXEC_CALL_KNOWN_FLAGS)
		return exec_decode_fail_(d, "unknown call flags 0x%llx",
					 (unsigned long long)flags);
	if (n > EXEC_MAX_ARGS)
		return exec_decode_fail_(d, "%llu args (max %u)",
					 (unsigned long long)n, EXEC_MAX_ARGS);
	in->call_kind = (uint32_t)kind;
	in->has_copyout = copyout != 0;
	in->copyout = copyout ? copyout - 1 : 0;
	in->fail_nth = fail ? (int64_t)fail - 1 : -1;
	in->flags = (uint32_t)flags;
	in->n_args = (uint32_t)n;
	for (uint32_t i = 0; i < in->n_args; i++) {
		if (exec_read_arg_(d, &in->args[i], true))
			return -1;
		if (in->args[i].bf_len || in->args[i].format)
			return exec_decode_fail_(d, "formatted call argument");
	}
	return 0;
}

/* Next instruction: 1 (in *in), 0 at the end, -1 with d->err. */
static inline int exec_decode_next(struct exec_decoder *d, struct exec_insn *in)
{
	uint64_t op;
	if (d->done)
		return d->err[0] ? -1 : 0;
	if (exec_read_(d, &op, "opcode"))
		return -1;
	in->op = (uint32_t)op;
	switch (op) {
	case EXEC_OP_END:
		if (d->p != d->end)
			return exec_decode_fail_(d, "%zu bytes after the end",
						 (size_t)(d->end - d->p));
		if (d->calls_seen != d->n_calls)
			return exec_decode_fail_(
				d, "%llu calls, header says %llu",
				(unsigned long long)d->calls_seen,
				(unsigned long long)d->n_calls);
		d->done = true;
		return 0;
	case EXEC_OP_COPYIN:
		if (exec_read_(d, &in->addr, "copyin address") ||
		    exec_read_arg_(d, &in->arg, false))
			return -1;
		if (exec_check_range_(d, in->addr, in->arg.size, "copyin"))
			return -1;
		return 1;
	case EXEC_OP_CALL:
		return exec_decode_call_(d, in) ? -1 : 1;
	case EXEC_OP_COPYOUT:
		if (exec_read_(d, &in->index, "copyout index") ||
		    exec_read_(d, &in->addr, "copyout address") ||
		    exec_read_(d, &in->size, "copyout size"))
			return -1;
		if (in->index >= d->n_results)
			return exec_decode_fail_(
				d, "copyout result %llu out of range",
				(unsigned long long)in->index);
		if (!exec_size_ok_(in->size))
			return exec_decode_fail_(d, "bad copyout size %llu",
						 (unsigned long long)in->size);
		if (exec_check_range_(d, in->addr, in->size, "copyout"))
			return -1;
		return 1;
	default:
		return exec_decode_fail_(d, "unknown opcode %llu",
					 (unsigned long long)op);
	}
}

#endif
