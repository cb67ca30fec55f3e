/*
 * The host <-> executor wire protocol, shared by drmfuzz (src/) and
 * drmfuzz-executor (executor/). Header-only, depends on libc alone.
 *
 * A byte stream (virtio-serial port, or an SSH session's stdin/stdout)
 * carries frames: a 16-byte header {magic, version, type, id, len}, all
 * little-endian, then @len payload bytes (at most WIRE_MAX_PAYLOAD).
 * The executor speaks first: one HELLO. Then the host sends requests, each
 * with an id, and the executor answers each with a reply of the same id,
 * not necessarily in order: the programs of different procs (WIRE_EXEC's
 * proc) run at the same time, one request per proc at a time.
 * Payloads are built and read with the bounds-checked cursors below; a
 * receiver never trusts a length it has not checked.
 */
#ifndef DRMFUZZ_WIRE_H
#define DRMFUZZ_WIRE_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#define WIRE_MAGIC 0x5a46444dU /* "MDFZ" on the wire */
#define WIRE_VERSION 3 /* 3: 8 requests per proc */
#define WIRE_HDR_SIZE 16
#define WIRE_MAX_PAYLOAD (4U << 20)

enum wire_type {
	WIRE_HELLO = 1, /* executor -> host, first frame: struct wire_hello */
	WIRE_PING = 2, /* host -> executor: any payload, echoed in PONG */
	WIRE_PONG = 3, /* executor -> host: same id and payload as the PING */
	WIRE_EXEC = 4, /* host -> executor: run a program (struct wire_exec) */
	WIRE_EXEC_REPLY = 5, /* executor -> host: its results, see below */
	WIRE_ERROR =
		6, /* executor -> host: request @id refused; payload: str */
	WIRE_BENCH = 7, /* host -> executor: the ceiling loop, see below */
	WIRE_BENCH_REPLY = 8,
};

/* Exit status of the executor after fail()/failmsg(): the host knows it. */
#define WIRE_EXIT_FAIL 67
/* Console line prefix the executor writes before exiting with it. */
#define WIRE_FAIL_PREFIX "drmfuzz-executor: FAIL: "

struct wire_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t id;
	uint32_t len; /* payload bytes after the header */
};

/* Little-endian helpers. */
static inline void wire_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void wire_le32(uint8_t *p, uint32_t v)
{
	wire_le16(p, (uint16_t)v);
	wire_le16(p + 2, (uint16_t)(v >> 16));
}

static inline uint16_t wire_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t wire_rd32(const uint8_t *p)
{
	return (uint32_t)wire_rd16(p) | ((uint32_t)wire_rd16(p + 2) << 16);
}

static inline void wire_hdr_encode(uint8_t out[WIRE_HDR_SIZE],
				   const struct wire_hdr *h)
{
	wire_le32(out, h->magic);
	wire_le16(out + 4, h->version);
	wire_le16(out + 6, h->type);
	wire_le32(out + 8, h->id);
	wire_le32(out + 12, h->len);
}

/*
 * Look at the start of a received stream. Returns 0 when more bytes are
 * needed, the whole frame's size (header + payload) when @data holds a
 * complete frame (its header is stored in *hdr), or an error: -EBADMSG
 * (bad magic: not our protocol, or a desynchronised stream),
 * -EPROTONOSUPPORT (other protocol version; *hdr is filled so the caller
 * can name it), -EMSGSIZE (payload over WIRE_MAX_PAYLOAD).
 */
static inline long wire_frame_check(const uint8_t *data, size_t len,
				    struct wire_hdr *hdr)
{
	if (len >= 4 && wire_rd32(data) != WIRE_MAGIC)
		return -EBADMSG;
	if (len < WIRE_HDR_SIZE)
		return 0;
	hdr->magic = wire_rd32(data);
	hdr->version = wire_rd16(data + 4);
	hdr->type = wire_rd16(data + 6);
	hdr->id = wire_rd32(data + 8);
	hdr->len = wire_rd32(data + 12);
	if (hdr->version != WIRE_VERSION)
		return -EPROTONOSUPPORT;
	if (hdr->len > WIRE_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (len - WIRE_HDR_SIZE < hdr->len)
		return 0;
	return (long)(WIRE_HDR_SIZE + hdr->len);
}

/* What a wire_frame_check() error means, for a stream from the host. */
static inline const char *wire_frame_error(long err)
{
	return err == -EBADMSG	? "bad frame magic from host" :
	       err == -EMSGSIZE ? "oversized frame from host" :
				  "host speaks another protocol version";
}

/*
 * A writing cursor over caller-owned memory. Overflow makes err -EMSGSIZE
 * and every later put a no-op, so callers check once at the end.
 */
struct wire_wr {
	uint8_t *p;
	size_t cap;
	size_t len;
	int err;
	size_t frame; /* offset of the open frame's header */
};

static inline void wire_wr_init(struct wire_wr *w, void *mem, size_t cap)
{
	w->p = (uint8_t *)mem;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
	w->frame = 0;
}

static inline uint8_t *wire_wr_room(struct wire_wr *w, size_t n)
{
	uint8_t *p;

	if (w->err || w->cap - w->len < n) {
		w->err = -EMSGSIZE;
		return NULL;
	}
	p = w->p + w->len;
	w->len += n;
	return p;
}

static inline void wire_put_u8(struct wire_wr *w, uint8_t v)
{
	uint8_t *p = wire_wr_room(w, 1);

	if (p)
		*p = v;
}

static inline void wire_put_u32(struct wire_wr *w, uint32_t v)
{
	uint8_t *p = wire_wr_room(w, 4);

	if (p)
		wire_le32(p, v);
}

static inline void wire_put_u64(struct wire_wr *w, uint64_t v)
{
	wire_put_u32(w, (uint32_t)v);
	wire_put_u32(w, (uint32_t)(v >> 32));
}

static inline void wire_put_bytes(struct wire_wr *w, const void *d, size_t n)
{
	uint8_t *p = wire_wr_room(w, n);

	if (p && n)
		memcpy(p, d, n);
}

/* A string: u16 length, then the bytes (no NUL). Longer than 65535: error. */
static inline void wire_put_str(struct wire_wr *w, const char *s)
{
	size_t n = strlen(s);
	uint8_t *p;

	if (n > 0xffff) {
		w->err = -EMSGSIZE;
		return;
	}
	p = wire_wr_room(w, 2);
	if (p)
		wire_le16(p, (uint16_t)n);
	wire_put_bytes(w, s, n);
}

/* Start a frame at the cursor; its length is filled in by wire_frame_end. */
static inline void wire_frame_begin(struct wire_wr *w, uint16_t type,
				    uint32_t id)
{
	struct wire_hdr h = { WIRE_MAGIC, WIRE_VERSION, type, id, 0 };
	uint8_t *p;

	w->frame = w->len;
	p = wire_wr_room(w, WIRE_HDR_SIZE);
	if (p)
		wire_hdr_encode(p, &h);
}

/* 0, or the cursor's error (-EMSGSIZE also for a too large payload). */
static inline int wire_frame_end(struct wire_wr *w)
{
	size_t n;

	if (w->err)
		return w->err;
	n = w->len - w->frame - WIRE_HDR_SIZE;
	if (n > WIRE_MAX_PAYLOAD)
		return w->err = -EMSGSIZE;
	wire_le32(w->p + w->frame + 12, (uint32_t)n);
	return 0;
}

/*
 * A reading cursor. Reading past the end makes err -EBADMSG and every
 * later get return zeroes, so callers check once at the end.
 */
struct wire_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
};

static inline void wire_rd_init(struct wire_rd *r, const void *data, size_t len)
{
	r->p = (const uint8_t *)data;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

static inline const uint8_t *wire_rd_take(struct wire_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || r->len - r->off < n) {
		r->err = -EBADMSG;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static inline uint8_t wire_get_u8(struct wire_rd *r)
{
	const uint8_t *p = wire_rd_take(r, 1);

	return p ? *p : 0;
}

static inline uint32_t wire_get_u32(struct wire_rd *r)
{
	const uint8_t *p = wire_rd_take(r, 4);

	return p ? wire_rd32(p) : 0;
}

static inline uint64_t wire_get_u64(struct wire_rd *r)
{
	uint64_t lo = wire_get_u32(r);

	return lo | ((uint64_t)wire_get_u32(r) << 32);
}

/*
 * A string into @out (NUL-terminated). One that does not fit in @cap
 * bytes, or holds a NUL, is an error (-EBADMSG) and leaves "" in @out.
 */
static inline void wire_get_str(struct wire_rd *r, char *out, size_t cap)
{
	const uint8_t *p = wire_rd_take(r, 2);
	size_t n = p ? wire_rd16(p) : 0;
	const uint8_t *s;

	out[0] = 0;
	if (!p)
		return;
	if (n >= cap) {
		r->err = -EBADMSG;
		return;
	}
	s = wire_rd_take(r, n);
	if (!s)
		return;
	if (n && memchr(s, 0, n)) {
		r->err = -EBADMSG;
		return;
	}
	memcpy(out, s, n);
	out[n] = 0;
}

/* HELLO: what the machine under the executor offers. */
#define WIRE_FEAT_KCOV (1U << 0) /* KCOV_TRACE_PC records PCs */
#define WIRE_FEAT_KCOV_CMP (1U << 1) /* KCOV_TRACE_CMP records comparisons */
#define WIRE_FEAT_KASAN (1U << 2)
#define WIRE_FEAT_FAULT_INJECTION (1U << 3) /* fail-nth + failslab */

#define WIRE_MAX_NODES 32
#define WIRE_PATH_MAX 64
#define WIRE_NAME_MAX 32
#define WIRE_RELEASE_MAX 128
#define WIRE_NOTES_MAX 1024

struct wire_node {
	char path[WIRE_PATH_MAX]; /* "/dev/dri/renderD128" */
	char driver[WIRE_NAME_MAX]; /* DRM_IOCTL_VERSION's name; "" on error */
	int32_t err; /* 0, or the errno of open/ioctl */
};

struct wire_hello {
	uint32_t features; /* WIRE_FEAT_* */
	char release[WIRE_RELEASE_MAX]; /* uname -r */
	char notes[WIRE_NOTES_MAX]; /* why a feature is missing; free text */
	uint32_t n_nodes;
	struct wire_node nodes[WIRE_MAX_NODES];
};

static inline void wire_hello_encode(struct wire_wr *w,
				     const struct wire_hello *h)
{
	uint32_t i;

	wire_put_u32(w, h->features);
	wire_put_str(w, h->release);
	wire_put_str(w, h->notes);
	wire_put_u32(w, h->n_nodes);
	for (i = 0; i < h->n_nodes && i < WIRE_MAX_NODES; i++) {
		wire_put_str(w, h->nodes[i].path);
		wire_put_str(w, h->nodes[i].driver);
		wire_put_u32(w, (uint32_t)h->nodes[i].err);
	}
	if (h->n_nodes > WIRE_MAX_NODES)
		w->err = -EMSGSIZE;
}

/* Decode a HELLO payload: 0, or -EBADMSG for anything malformed. */
static inline int wire_hello_decode(const void *data, size_t len,
				    struct wire_hello *h)
{
	struct wire_rd r;
	uint32_t i;

	memset(h, 0, sizeof(*h));
	wire_rd_init(&r, data, len);
	h->features = wire_get_u32(&r);
	wire_get_str(&r, h->release, sizeof(h->release));
	wire_get_str(&r, h->notes, sizeof(h->notes));
	h->n_nodes = wire_get_u32(&r);
	if (h->n_nodes > WIRE_MAX_NODES) {
		h->n_nodes = 0;
		return -EBADMSG;
	}
	for (i = 0; i < h->n_nodes && !r.err; i++) {
		wire_get_str(&r, h->nodes[i].path, sizeof(h->nodes[i].path));
		wire_get_str(&r, h->nodes[i].driver,
			     sizeof(h->nodes[i].driver));
		h->nodes[i].err = (int32_t)wire_get_u32(&r);
	}
	if (!r.err && r.off != r.len)
		r.err = -EBADMSG; /* trailing bytes */
	if (r.err)
		h->n_nodes = 0;
	return r.err;
}

static inline uint64_t wire_rd64(const uint8_t *p)
{
	return (uint64_t)wire_rd32(p) | ((uint64_t)wire_rd32(p + 4) << 32);
}

/*
 * WIRE_EXEC: run one program. Payload: u32 flags, sandbox,
 * call_timeout_ms, prog_timeout_ms, proc, prog_len, then prog_len bytes of
 * exec encoding (include/exec.h), ending the payload. A request the
 * executor cannot accept (bad options, a program its decoder rejects) is
 * answered with WIRE_ERROR naming the problem; nothing runs.
 */
#define WIRE_EXEC_COVER (1U << 0) /* KCOV_TRACE_PC: PCs per call */
#define WIRE_EXEC_CMPS (1U << 1) /* KCOV_TRACE_CMP instead of PCs */
#define WIRE_EXEC_THREADED (1U << 2) /* each call in a worker thread */
#define WIRE_EXEC_COLLIDE (1U << 3) /* pairs of calls run concurrently */
#define WIRE_EXEC_KNOWN_FLAGS 0xfU

enum wire_sandbox {
	WIRE_SANDBOX_NONE = 0, /* root */
	WIRE_SANDBOX_SETUID = 1, /* uid/gid 65534, supplementary group 44 */
};

#define WIRE_EXEC_MAX_TIMEOUT_MS (10U * 60 * 1000)
#define WIRE_EXEC_MAX_PROCS 64U /* proc is < this */
/*
 * Requests a proc takes at a time: they run one after the other, in
 * order, but the next is already in the machine when one ends, so the
 * host's round trip is not between programs. One more is refused.
 */
#define WIRE_EXEC_PROC_DEPTH 8U

struct wire_exec {
	uint32_t flags; /* WIRE_EXEC_* */
	uint32_t sandbox; /* enum wire_sandbox */
	/* Threaded/collide: how long the program waits for one call before
	 * it moves on (the call is then "blocked"). 1..prog_timeout_ms. */
	uint32_t call_timeout_ms;
	/* The program is killed after this. 1..WIRE_EXEC_MAX_TIMEOUT_MS. */
	uint32_t prog_timeout_ms;
	uint32_t proc; /* the executor proc that runs it; value of pid in
			  pid-dependent arguments */
	const uint8_t *prog; /* decode: points into the payload */
	size_t prog_len;
};

static inline void wire_exec_encode(struct wire_wr *w,
				    const struct wire_exec *e)
{
	wire_put_u32(w, e->flags);
	wire_put_u32(w, e->sandbox);
	wire_put_u32(w, e->call_timeout_ms);
	wire_put_u32(w, e->prog_timeout_ms);
	wire_put_u32(w, e->proc);
	if (e->prog_len > WIRE_MAX_PAYLOAD) {
		w->err = -EMSGSIZE;
		return;
	}
	wire_put_u32(w, (uint32_t)e->prog_len);
	wire_put_bytes(w, e->prog, e->prog_len);
}

/*
 * Decode and check a WIRE_EXEC payload. 0, or -EBADMSG with a reason in
 * @why (cap bytes). The program itself is checked by exec_decode.h.
 */
static inline int wire_exec_decode(const void *data, size_t len,
				   struct wire_exec *e, char *why, size_t cap)
{
	struct wire_rd r;
	uint32_t n;
	const char *bad = NULL;

	memset(e, 0, sizeof(*e));
	wire_rd_init(&r, data, len);
	e->flags = wire_get_u32(&r);
	e->sandbox = wire_get_u32(&r);
	e->call_timeout_ms = wire_get_u32(&r);
	e->prog_timeout_ms = wire_get_u32(&r);
	e->proc = wire_get_u32(&r);
	n = wire_get_u32(&r);
	e->prog = wire_rd_take(&r, n);
	e->prog_len = n;
	if (r.err)
		bad = "truncated request";
	else if (r.off != r.len)
		bad = "bytes after the program";
	else if (e->flags & ~WIRE_EXEC_KNOWN_FLAGS)
		bad = "unknown flags";
	else if ((e->flags & WIRE_EXEC_COVER) && (e->flags & WIRE_EXEC_CMPS))
		bad = "cover and comparisons are exclusive (one KCOV mode)";
	else if (e->sandbox > WIRE_SANDBOX_SETUID)
		bad = "unknown sandbox";
	else if (!e->prog_timeout_ms ||
		 e->prog_timeout_ms > WIRE_EXEC_MAX_TIMEOUT_MS)
		bad = "program timeout out of range";
	else if (!e->call_timeout_ms || e->call_timeout_ms > e->prog_timeout_ms)
		bad = "call timeout out of range";
	else if (e->proc >= WIRE_EXEC_MAX_PROCS)
		bad = "proc out of range";
	else if (!n)
		bad = "empty program";
	if (!bad)
		return 0;
	if (cap)
		snprintf(why, cap, "WIRE_EXEC: %s", bad);
	e->prog = NULL;
	e->prog_len = 0;
	return -EBADMSG;
}

/*
 * WIRE_EXEC_REPLY payload: u32 status (enum wire_exec_status), u32 code
 * (the signal for CRASHED, the exit status for FAILED), str message, u32
 * n_calls, then n_calls records in increasing call index:
 *
 *   u32 index, u32 flags (WIRE_CALL_*), u32 errno, u64 return value,
 *   u32 n_pcs, u32 n_cmps, n_pcs x u64 PC, n_cmps x (u64 type, arg1, arg2)
 *
 * With WIRE_CALL_PCS32, each PC is a u32: its low half, the high half
 * being 0xffffffff (kernel text and modules on x86-64), which halves the
 * bytes every reply takes through the machine's processes, QEMU and the
 * host. Readers use wire_call_pc() and never see the difference.
 *
 * Calls that never started have no record. PCs are the call's raw KCOV
 * trace in execution order (its own thread's buffer), not deduplicated:
 * the host hashes edges between consecutive PCs and deduplicates them, so
 * any filtering here would lose edges. A trace longer than
 * WIRE_EXEC_MAX_PCS, a KCOV buffer that filled up, or a reply that would
 * not fit in a frame truncates the PCs and sets WIRE_CALL_COVER_OVERFLOW.
 * Comparisons are deduplicated per call (KCOV's type: bit 0 = one operand
 * is a constant, bits 1-2 = log2 of the size), without those against 0
 * and those between two kernel addresses.
 */
/*
 * WIRE_BENCH: the benchmark's ceiling. Payload: u32 duration_ms, then a
 * WIRE_EXEC payload. One child (no sandbox) runs the program's calls over
 * and over in one process with KCOV as asked, without forking or replying
 * per run, for duration_ms. WIRE_BENCH_REPLY: u64 runs, u64 elapsed_us.
 */
#define WIRE_BENCH_MAX_MS 600000U

enum wire_exec_status {
	WIRE_EXEC_OK = 0, /* the program ran to its end */
	WIRE_EXEC_CRASHED = 1, /* the program's process died of a signal */
	WIRE_EXEC_TIMEOUT = 2, /* killed after prog_timeout_ms */
	WIRE_EXEC_FAILED = 3, /* could not set up (sandbox...): message */
};

#define WIRE_CALL_EXECUTED (1U << 0) /* started */
#define WIRE_CALL_FINISHED (1U << 1) /* returned */
#define WIRE_CALL_BLOCKED (1U << 2) /* outlived call_timeout_ms */
#define WIRE_CALL_COVER_OVERFLOW (1U << 3) /* PCs/comparisons truncated */
#define WIRE_CALL_FAULT_INJECTED (1U << 4) /* fail_nth fired */
#define WIRE_CALL_PCS32 (1U << 5) /* PCs as their low u32 (encoding) */
#define WIRE_CALL_KNOWN_FLAGS 0x3fU

#define WIRE_EXEC_MAX_PCS (256U << 10)
#define WIRE_EXEC_MAX_CMPS (64U << 10)
#define WIRE_EXEC_MSG_MAX 256
#define WIRE_EXEC_CALL_HDR 28 /* bytes of a record before its PCs */

struct wire_exec_reply {
	uint32_t status;
	uint32_t code;
	char msg[WIRE_EXEC_MSG_MAX];
	uint32_t n_calls;
	struct wire_rd calls_; /* positioned at the next record */
	int64_t prev_;
};

struct wire_exec_call {
	uint32_t index, flags, err;
	uint64_t ret;
	uint32_t n_pcs, n_cmps;
	const uint8_t *pcs_; /* use wire_call_pc() */
	const uint8_t *cmps_; /* use wire_call_cmp() */
};

struct wire_cmp {
	uint64_t type, arg1, arg2;
};

static inline void wire_exec_reply_begin(struct wire_wr *w, uint32_t status,
					 uint32_t code, const char *msg,
					 uint32_t n_calls)
{
	wire_put_u32(w, status);
	wire_put_u32(w, code);
	wire_put_str(w, msg);
	wire_put_u32(w, n_calls);
}

#define WIRE_PC_HIGH 0xffffffff00000000ull

/*
 * One record; @cmps holds 3 * @n_cmps words (type, arg1, arg2). The PCs
 * go as u32 (WIRE_CALL_PCS32, set here) when all have WIRE_PC_HIGH.
 */
static inline void wire_exec_call_encode(struct wire_wr *w, uint32_t index,
					 uint32_t flags, uint32_t err,
					 uint64_t ret, const uint64_t *pcs,
					 uint32_t n_pcs, const uint64_t *cmps,
					 uint32_t n_cmps)
{
	uint64_t high = WIRE_PC_HIGH;

	for (uint32_t i = 0; i < n_pcs; i++)
		high &= pcs[i];
	flags &= ~WIRE_CALL_PCS32;
	if (high == WIRE_PC_HIGH)
		flags |= WIRE_CALL_PCS32;
	wire_put_u32(w, index);
	wire_put_u32(w, flags);
	wire_put_u32(w, err);
	wire_put_u64(w, ret);
	wire_put_u32(w, n_pcs);
	wire_put_u32(w, n_cmps);
	for (uint32_t i = 0; i < n_pcs; i++) {
		if (flags & WIRE_CALL_PCS32)
			wire_put_u32(w, (uint32_t)pcs[i]);
		else
			wire_put_u64(w, pcs[i]);
	}
	for (uint32_t i = 0; i < 3 * n_cmps; i++)
		wire_put_u64(w, cmps[i]);
}

/* Read one record; 0 or -EBADMSG. @prev: the previous index or -1. */
static inline int wire_exec_call_read_(struct wire_rd *r,
				       struct wire_exec_call *c, int64_t prev)
{
	c->index = wire_get_u32(r);
	c->flags = wire_get_u32(r);
	c->err = wire_get_u32(r);
	c->ret = wire_get_u64(r);
	c->n_pcs = wire_get_u32(r);
	c->n_cmps = wire_get_u32(r);
	if (r->err || (int64_t)c->index <= prev || c->index >= 4096 ||
	    (c->flags & ~WIRE_CALL_KNOWN_FLAGS) ||
	    c->n_pcs > WIRE_EXEC_MAX_PCS || c->n_cmps > WIRE_EXEC_MAX_CMPS)
		return r->err = -EBADMSG;
	c->pcs_ = wire_rd_take(r, (size_t)c->n_pcs *
					  (c->flags & WIRE_CALL_PCS32 ? 4 : 8));
	c->cmps_ = wire_rd_take(r, (size_t)c->n_cmps * 24);
	return r->err;
}

/*
 * Decode a WIRE_EXEC_REPLY payload, checking every record: 0, or -EBADMSG.
 * Records are then read in order with wire_exec_reply_next (pointers into
 * @data, which must outlive them).
 */
static inline int wire_exec_reply_decode(const void *data, size_t len,
					 struct wire_exec_reply *rep)
{
	struct wire_rd r;
	struct wire_exec_call c = { 0 };
	int64_t prev = -1;

	memset(rep, 0, sizeof(*rep));
	wire_rd_init(&r, data, len);
	rep->status = wire_get_u32(&r);
	rep->code = wire_get_u32(&r);
	wire_get_str(&r, rep->msg, sizeof(rep->msg));
	rep->n_calls = wire_get_u32(&r);
	if (!r.err && (rep->status > WIRE_EXEC_FAILED || rep->n_calls > 4096))
		r.err = -EBADMSG;
	rep->calls_ = r;
	rep->prev_ = -1;
	for (uint32_t i = 0; i < rep->n_calls && !r.err; i++) {
		if (!wire_exec_call_read_(&r, &c, prev))
			prev = c.index;
	}
	if (!r.err && r.off != r.len)
		r.err = -EBADMSG;
	if (r.err)
		rep->n_calls = 0;
	return r.err;
}

/* The next record into *c: 1, or 0 after the last one. */
static inline int wire_exec_reply_next(struct wire_exec_reply *rep,
				       struct wire_exec_call *c)
{
	if (!rep->n_calls || rep->calls_.off >= rep->calls_.len)
		return 0;
	if (wire_exec_call_read_(&rep->calls_, c, rep->prev_))
		return 0;
	rep->prev_ = c->index;
	return 1;
}

static inline uint64_t wire_call_pc(const struct wire_exec_call *c, uint32_t i)
{
	if (c->flags & WIRE_CALL_PCS32)
		return WIRE_PC_HIGH | wire_rd32(c->pcs_ + (size_t)i * 4);
	return wire_rd64(c->pcs_ + (size_t)i * 8);
}

static inline struct wire_cmp wire_call_cmp(const struct wire_exec_call *c,
					    uint32_t i)
{
	const uint8_t *p = c->cmps_ + (size_t)i * 24;
	struct wire_cmp x = { wire_rd64(p), wire_rd64(p + 8),
			      wire_rd64(p + 16) };

	return x;
}

#endif
