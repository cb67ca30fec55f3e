/*
 * drmfuzz-executor: the interpreter, which runs one program in the
 * worker: walks the exec encoding (include/exec_decode.h), copies in
 * to the data area, makes the calls (inline, or in call threads with a
 * per-call timeout), records results, copyouts and KCOV per call in the
 * program's ring slot.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/kcov.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "exec_decode.h"
#include "interp.h"
#include "worker.h"

#define DATA ((uint8_t *)(uintptr_t)EXEC_DATA_ADDR)
#define MAX_RERUN 100

enum cover_mode { COVER_NONE, COVER_PCS, COVER_CMPS };

struct job {
	uint32_t index;
	uint32_t kind;
	uint64_t nr;
	uint64_t args[EXEC_MAX_ARGS];
	int64_t fail_nth;
	uint64_t rerun;
	int has_copyout;
	uint64_t copyout;
	struct exec_decoder co; /* positioned at the call's COPYOUTs */
};

struct call_thread {
	pthread_t th;
	int started;
	uint32_t busy; /* futex word: 1 while running job */
	struct job job;
};

static struct ring_slot *slot; /* the program's */
static const struct wire_exec *req;
static enum cover_mode cover;
static struct {
	uint64_t val;
	uint32_t set;
} results[EXEC_MAX_RESULTS];
static struct call_thread threads[KCOV_THREADS];

/* --- Values. --- */

static uint64_t load_le(const uint8_t *p, uint32_t size)
{
	uint64_t v = 0;

	memcpy(&v, p, size);
	return v;
}

static uint64_t arg_value(const struct exec_arg *a)
{
	uint64_t v;

	if (a->kind == EXEC_ARG_CONST) {
		v = a->value + (uint64_t)req->proc * a->pid_stride;
		return a->addr ? v + EXEC_DATA_ADDR : v;
	}
	if (!__atomic_load_n(&results[a->index].set, __ATOMIC_ACQUIRE))
		return a->value;
	v = __atomic_load_n(&results[a->index].val, __ATOMIC_RELAXED);
	if (a->op_div)
		v /= a->op_div;
	return v + a->op_add;
}

static void store_int(uint8_t *p, const struct exec_arg *a, uint64_t v)
{
	char tmp[32];
	uint64_t old, mask;

	switch (a->format) {
	case EXEC_FMT_STR_DEC:
		snprintf(tmp, sizeof(tmp), "%020llu", (unsigned long long)v);
		memcpy(p, tmp, a->size);
		return;
	case EXEC_FMT_STR_HEX:
		snprintf(tmp, sizeof(tmp), "0x%016llx", (unsigned long long)v);
		memcpy(p, tmp, a->size);
		return;
	case EXEC_FMT_STR_OCT:
		snprintf(tmp, sizeof(tmp), "%023llo", (unsigned long long)v);
		memcpy(p, tmp, a->size);
		return;
	}
	if (a->bf_len) {
		old = load_le(p, a->size);
		if (a->format == EXEC_FMT_BIG_ENDIAN)
			old = exec_bswap(old, a->size);
		mask = a->bf_len >= 64 ? ~0ull :
					 ((1ull << a->bf_len) - 1) << a->bf_off;
		v = (old & ~mask) | ((v << a->bf_off) & mask);
	}
	if (a->format == EXEC_FMT_BIG_ENDIAN)
		v = exec_bswap(v, a->size);
	memcpy(p, &v, a->size);
}

/* Sum the 16-bit words of @p into @acc as loaded (little-endian; the
 * one's complement sum is the same in either byte order), a trailing odd
 * byte as the low half of a word: syzkaller's csum_inet_update. 64 bits
 * hold 64 chunks of the whole data area without overflowing. */
static uint64_t csum_add(uint64_t acc, const uint8_t *p, uint64_t len)
{
	uint64_t i;

	for (i = 0; i + 1 < len; i += 2) {
		uint16_t w;

		memcpy(&w, p + i, 2);
		acc += w;
	}
	if (len % 2)
		acc += p[len - 1];
	return acc;
}

/* An inet checksum of the chunks, stored as computed: in network order. */
static void store_csum(uint8_t *p, const struct exec_arg *a)
{
	uint64_t acc = 0;
	uint16_t sum;

	for (uint32_t i = 0; i < a->n_chunks; i++) {
		const struct exec_chunk *c = &a->chunks[i];

		if (c->kind == EXEC_CHUNK_DATA)
			acc = csum_add(acc, DATA + c->a, c->b);
		else
			acc = csum_add(acc, (const uint8_t *)&c->a, c->b);
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	sum = (uint16_t)~acc;
	memcpy(p, &sum, 2);
}

static void copyin_fn(void *ctx)
{
	const struct exec_insn *in = ctx;
	const struct exec_arg *a = &in->arg;
	uint8_t *p = DATA + in->addr;

	switch (a->kind) {
	case EXEC_ARG_CONST:
	case EXEC_ARG_RESULT:
		store_int(p, a, arg_value(a));
		break;
	case EXEC_ARG_DATA:
		memcpy(p, a->data, a->size);
		break;
	case EXEC_ARG_CSUM:
		store_csum(p, a);
		break;
	}
}

struct copyout_ctx {
	const uint8_t *p;
	uint32_t size;
	uint64_t v;
};

static void copyout_fn(void *ctx)
{
	struct copyout_ctx *c = ctx;

	c->v = load_le(c->p, c->size);
}

static void result_set(uint64_t index, uint64_t v)
{
	__atomic_store_n(&results[index].val, v, __ATOMIC_RELAXED);
	__atomic_store_n(&results[index].set, 1, __ATOMIC_RELEASE);
}

/* --- Coverage. --- */

static int cmp_less(const uint64_t *x, const uint64_t *y)
{
	for (int i = 0; i < 3; i++) {
		if (x[i] != y[i])
			return x[i] < y[i];
	}
	return 0;
}

static void cmp_swap(uint64_t *x, uint64_t *y)
{
	for (int i = 0; i < 3; i++) {
		uint64_t t = x[i];

		x[i] = y[i];
		y[i] = t;
	}
}

static void cmp_sift(uint64_t *v, uint32_t r, uint32_t n)
{
	for (uint32_t c; (c = 2 * r + 1) < n; r = c) {
		if (c + 1 < n && cmp_less(v + 3 * c, v + 3 * (c + 1)))
			c++;
		if (!cmp_less(v + 3 * r, v + 3 * c))
			break;
		cmp_swap(v + 3 * r, v + 3 * c);
	}
}

/* Heap sort of @n triples (no allocation, no recursion). */
static void cmp_sort(uint64_t *v, uint32_t n)
{
	for (uint32_t s = n / 2; s-- > 0;)
		cmp_sift(v, s, n);
	for (uint32_t end = n; end > 1;) {
		end--;
		cmp_swap(v, v + 3 * end);
		cmp_sift(v, 0, end);
	}
}

static int kernel_addr(uint64_t v)
{
	return v >= 0xffff800000000000ull;
}

static int cmp_ignored(uint64_t type, uint64_t a1, uint64_t a2)
{
	if (a1 == a2)
		return 1; /* no hint can come of it */
	if (a1 == 0 && (type & KCOV_CMP_CONST))
		return 1;
	return (type & KCOV_CMP_MASK) == KCOV_CMP_SIZE(3) && kernel_addr(a1) &&
	       kernel_addr(a2);
}

/* Reserve @n arena words; the offset, and *got (maybe fewer than @n). */
static uint32_t arena_take(uint32_t n, uint32_t *got)
{
	uint32_t off =
		__atomic_fetch_add(&slot->arena_used, n, __ATOMIC_RELAXED);

	if (off >= RING_ARENA_WORDS)
		*got = 0;
	else
		*got = RING_ARENA_WORDS - off < n ? RING_ARENA_WORDS - off : n;
	return off;
}

/* Record what KCOV buffer @t holds for call @c; returns overflow flags. */
static uint32_t collect(struct ring_call *c, int t, uint64_t n)
{
	const uint64_t *e = kcov_entries(t);
	uint32_t flags = 0, want, got, off, k = 0;

	if (n >= kcov_capacity(cover == COVER_CMPS))
		flags |= WIRE_CALL_COVER_OVERFLOW;
	if (cover == COVER_PCS) {
		want = n > WIRE_EXEC_MAX_PCS ? WIRE_EXEC_MAX_PCS : (uint32_t)n;
		off = arena_take(want, &got);
		if (got < n)
			flags |= WIRE_CALL_COVER_OVERFLOW;
		memcpy(slot->arena + off, e, (size_t)got * 8);
		c->pcs_off = off;
		c->n_pcs = got;
		return flags;
	}
	want = n > WIRE_EXEC_MAX_CMPS ? WIRE_EXEC_MAX_CMPS : (uint32_t)n;
	off = arena_take(3 * want, &got);
	got /= 3;
	if (got < n)
		flags |= WIRE_CALL_COVER_OVERFLOW;
	for (uint32_t i = 0; i < got; i++) {
		const uint64_t *x = e + 4 * i;
		uint64_t *o = slot->arena + off + 3 * k;

		if (cmp_ignored(x[0], x[1], x[2]))
			continue;
		o[0] = x[0];
		o[1] = x[1];
		o[2] = x[2];
		k++;
	}
	cmp_sort(slot->arena + off, k);
	got = k;
	k = 0;
	for (uint32_t i = 0; i < got; i++) {
		uint64_t *x = slot->arena + off + 3 * i;

		if (k && !memcmp(x, slot->arena + off + 3 * (k - 1), 24))
			continue;
		memmove(slot->arena + off + 3 * k, x, 24);
		k++;
	}
	c->cmps_off = off;
	c->n_cmps = k;
	return flags;
}

/* --- Calls. --- */

static int fault_arm(int64_t nth)
{
	char buf[24];
	int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)nth);

	if (fd < 0)
		worker_fail("open /proc/thread-self/fail-nth: %s",
			    strerror(errno));
	if (pwrite(fd, buf, (size_t)n, 0) != n)
		worker_fail("write fail-nth: %s", strerror(errno));
	return fd;
}

/* Did the armed fault fire? Disarms and closes. */
static int fault_fired(int fd)
{
	char buf[16] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	int fired = n == 2 && buf[0] == '0';

	if (pwrite(fd, "0", 1, 0) != 1)
		worker_fail("reset fail-nth: %s", strerror(errno));
	close(fd);
	return fired;
}

/*
 * What a call can change in the worker that the next program would see,
 * beyond memory contents and fds (TOUCH_*): the worker repairs or
 * checks only that after the program.
 */
static uint32_t call_touches(uint64_t nr)
{
	switch (nr) {
	case SYS_mmap:
	case SYS_munmap:
	case SYS_mremap:
	case SYS_mprotect:
	case SYS_pkey_mprotect:
	case SYS_madvise:
	case SYS_process_madvise:
	case SYS_remap_file_pages:
	case SYS_shmat:
	case SYS_shmdt:
	case SYS_mbind:
		return TOUCH_MAPS;
	case SYS_chdir:
	case SYS_fchdir:
	case SYS_chroot:
	case SYS_pivot_root:
		return TOUCH_CWD;
	case SYS_rt_sigaction:
	case SYS_rt_sigprocmask:
	case SYS_sigaltstack:
		return TOUCH_SIGNALS;
	case SYS_clone:
	case SYS_clone3:
	case SYS_fork:
	case SYS_vfork:
	case SYS_execve:
	case SYS_execveat:
	case SYS_io_uring_setup: /* its workers are our threads */
	case SYS_io_uring_enter:
	case SYS_io_uring_register:
	case SYS_ptrace:
		return TOUCH_TASKS;
	case SYS_setuid:
	case SYS_setgid:
	case SYS_setreuid:
	case SYS_setregid:
	case SYS_setresuid:
	case SYS_setresgid:
	case SYS_setfsuid:
	case SYS_setfsgid:
	case SYS_setgroups:
	case SYS_capset:
	case SYS_prctl:
	case SYS_keyctl:
		return TOUCH_CREDS;
	case SYS_setrlimit:
	case SYS_prlimit64:
		return TOUCH_LIMITS;
	case SYS_unshare:
	case SYS_setns:
		return TOUCH_ALL;
	default:
		return 0;
	}
}

static uint32_t touched; /* TOUCH_* of the calls since the take */
static uint64_t data_used; /* the last program's data size */
static uint32_t threads_started;

uint32_t interp_touched_take(void)
{
	return __atomic_exchange_n(&touched, 0, __ATOMIC_ACQ_REL);
}

uint64_t interp_data_used(void)
{
	return data_used;
}

uint32_t interp_threads_started(void)
{
	return __atomic_load_n(&threads_started, __ATOMIC_RELAXED);
}

static long do_call(const struct job *j)
{
	const uint64_t *a = j->args;
	uint32_t t;

	if (j->kind == EXEC_CALL_PSEUDO)
		return pseudo_call((uint32_t)j->nr, a);
	t = call_touches(j->nr);
	if (t)
		__atomic_fetch_or(&touched, t, __ATOMIC_RELEASE);
	return syscall((long)j->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void run_copyouts(const struct job *j)
{
	struct exec_decoder d = j->co;
	struct exec_insn in;

	while (exec_decode_next(&d, &in) > 0 && in.op == EXEC_OP_COPYOUT) {
		struct copyout_ctx c = { DATA + in.addr, (uint32_t)in.size, 0 };

		if (nonfailing(copyout_fn, &c))
			result_set(in.index, c.v);
	}
}

/* Run one call in the calling thread, which owns KCOV buffer @t. */
static void run_call(const struct job *j, int t)
{
	struct ring_call *c = &slot->calls[j->index];
	uint32_t flags = WIRE_CALL_FINISHED;
	int fail_fd = -1, err;
	uint64_t n = 0;
	long ret;

	__atomic_fetch_or(&c->flags, WIRE_CALL_EXECUTED, __ATOMIC_RELAXED);
	if (j->fail_nth >= 0)
		fail_fd = fault_arm(j->fail_nth);
	if (cover)
		kcov_reset(t);
	ret = do_call(j);
	err = ret == -1 ? errno : 0;
	if (cover)
		n = kcov_count(t, cover == COVER_CMPS);
	if (fail_fd >= 0 && fault_fired(fail_fd))
		flags |= WIRE_CALL_FAULT_INJECTED;
	if (cover)
		flags |= collect(c, t, n);
	for (uint64_t i = 0; i < j->rerun; i++)
		do_call(j);
	c->ret = (uint64_t)ret;
	c->err = (uint32_t)err;
	if (ret != -1) {
		if (j->has_copyout)
			result_set(j->copyout, (uint64_t)ret);
		run_copyouts(j);
	}
	__atomic_fetch_or(&c->flags, flags, __ATOMIC_RELEASE);
}

/* --- Call threads. --- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void futex_wait(uint32_t *w, uint32_t val, uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
			       (long)(ms % 1000) * 1000000 };

	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

static void futex_wake(uint32_t *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *thread_main(void *arg)
{
	struct call_thread *th = arg;
	int t = (int)(th - threads), e;

	if (cover && (e = kcov_enable(t, cover == COVER_CMPS)))
		worker_fail("KCOV_ENABLE in thread %d: %s", t, strerror(-e));
	for (;;) {
		while (!__atomic_load_n(&th->busy, __ATOMIC_ACQUIRE))
			futex_wait(&th->busy, 0, 1000);
		run_call(&th->job, t);
		__atomic_store_n(&th->busy, 0, __ATOMIC_RELEASE);
		futex_wake(&th->busy);
	}
	return NULL;
}

/* Wait up to @ms for @th to finish its job: 1 when it did. */
static int thread_wait(struct call_thread *th, uint64_t ms)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		uint64_t now = now_ms();

		if (!__atomic_load_n(&th->busy, __ATOMIC_ACQUIRE))
			return 1;
		if (now >= end)
			return 0;
		futex_wait(&th->busy, 1, end - now);
	}
}

/* An idle call thread, started if needed; waits while all are busy. */
static struct call_thread *thread_get(void)
{
	for (;;) {
		for (int i = 0; i < KCOV_THREADS; i++) {
			struct call_thread *th = &threads[i];

			if (!th->started) {
				int e = pthread_create(&th->th, NULL,
						       thread_main, th);

				if (e)
					worker_fail("pthread_create: %s",
						    strerror(e));
				th->started = 1;
				__atomic_fetch_add(&threads_started, 1,
						   __ATOMIC_RELAXED);
				return th;
			}
			if (!__atomic_load_n(&th->busy, __ATOMIC_ACQUIRE))
				return th;
		}
		futex_wait(&threads[0].busy, 1, 1);
	}
}

static struct call_thread *thread_dispatch(const struct job *j)
{
	struct call_thread *th = thread_get();

	th->job = *j;
	__atomic_store_n(&th->busy, 1, __ATOMIC_RELEASE);
	futex_wake(&th->busy);
	return th;
}

static void mark_blocked(uint32_t index)
{
	__atomic_fetch_or(&slot->calls[index].flags, WIRE_CALL_BLOCKED,
			  __ATOMIC_RELAXED);
}

static void wait_call(struct call_thread *th, uint32_t index)
{
	if (!thread_wait(th, req->call_timeout_ms))
		mark_blocked(index);
}

/* --- The program. --- */

long interp_check(const struct wire_exec *r, char *err, size_t cap)
{
	static struct exec_insn in;
	struct exec_decoder d;
	int rc;

	if (exec_decode_init(&d, r->prog, r->prog_len)) {
		snprintf(err, cap, "%s", d.err);
		return -1;
	}
	while ((rc = exec_decode_next(&d, &in)) > 0) {
		if (in.op == EXEC_OP_CALL && in.rerun > MAX_RERUN) {
			snprintf(err, cap,
				 "exec: call %llu: rerun %llu (max %d)",
				 (unsigned long long)d.calls_seen - 1,
				 (unsigned long long)in.rerun, MAX_RERUN);
			return -1;
		}
	}
	if (rc < 0) {
		snprintf(err, cap, "%s", d.err);
		return -1;
	}
	return (long)d.n_calls;
}

static void job_fill(struct job *j, const struct exec_insn *in, uint32_t index)
{
	memset(j, 0, sizeof(*j));
	j->index = index;
	j->kind = in->call_kind;
	j->nr = in->nr;
	for (uint32_t i = 0; i < in->n_args; i++)
		j->args[i] = arg_value(&in->args[i]);
	j->fail_nth = in->fail_nth;
	j->rerun = in->rerun > MAX_RERUN ? MAX_RERUN : in->rerun;
	j->has_copyout = in->has_copyout;
	j->copyout = in->copyout;
}

static int enabled; /* KCOV in the program's thread, kept across runs */

int interp_run(const struct wire_exec *r, struct ring_slot *s)
{
	static struct exec_insn in, peek;
	struct exec_decoder d, save;
	struct call_thread *pair = NULL;
	uint32_t pair_index = 0, index = 0;
	int threaded = !!(r->flags & (WIRE_EXEC_THREADED | WIRE_EXEC_COLLIDE));
	int rc, e;

	req = r;
	slot = s;
	worker_fail_slot(s);
	cover = (r->flags & WIRE_EXEC_COVER) ? COVER_PCS :
		(r->flags & WIRE_EXEC_CMPS)  ? COVER_CMPS :
					       COVER_NONE;
	if (cover && !threaded && !enabled) {
		if ((e = kcov_enable(0, cover == COVER_CMPS)))
			worker_fail("KCOV_ENABLE: %s", strerror(-e));
		enabled = 1;
	}
	if (exec_decode_init(&d, r->prog, r->prog_len))
		worker_fail("%s", d.err);
	data_used = d.data_size;
	/* A reused worker: no result of the previous program is set. */
	memset(results, 0, sizeof(results[0]) * d.n_results);
	while ((rc = exec_decode_next(&d, &in)) > 0) {
		struct job j;

		if (in.op == EXEC_OP_COPYIN) {
			nonfailing(copyin_fn, &in);
			continue;
		}
		if (in.op != EXEC_OP_CALL)
			continue; /* a COPYOUT with no call before it */
		job_fill(&j, &in, index++);
		j.co = d;
		for (;;) {
			save = d;
			if (exec_decode_next(&d, &peek) <= 0 ||
			    peek.op != EXEC_OP_COPYOUT) {
				d = save;
				break;
			}
		}
		if (!threaded) {
			run_call(&j, 0);
			continue;
		}
		struct call_thread *th = thread_dispatch(&j);

		if (in.flags & EXEC_CALL_ASYNC)
			continue;
		if ((r->flags & WIRE_EXEC_COLLIDE) && !pair) {
			pair = th;
			pair_index = j.index;
			continue;
		}
		wait_call(th, j.index);
		if (pair)
			wait_call(pair, pair_index);
		pair = NULL;
	}
	if (rc < 0)
		worker_fail("%s", d.err);
	if (pair)
		wait_call(pair, pair_index);
	/* Stragglers (async or blocked calls) get one more call timeout. */
	uint64_t end = now_ms() + (threaded ? r->call_timeout_ms : 0);

	int busy = 0;

	for (int i = 0; threaded && i < KCOV_THREADS; i++) {
		struct call_thread *th = &threads[i];
		uint64_t now = now_ms();

		if (th->started &&
		    !thread_wait(th, end > now ? end - now : 0)) {
			mark_blocked(th->job.index);
			busy = 1;
		}
	}
	return busy;
}
