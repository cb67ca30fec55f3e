/*
 * drmfuzz-executor: the ring a proc server shares with its worker, and
 * the hand-over of programs through it, both sides.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ring.h"

struct ring *ring;

int ring_done_fd_open(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), e;

	if (fd < 0)
		return -errno;
	if (fd == DONE_FD)
		return 0;
	e = dup3(fd, DONE_FD, O_CLOEXEC) < 0 ? -errno : 0;
	close(fd);
	return e;
}

int ring_open(char *err, size_t cap)
{
	void *p = mmap(NULL, sizeof(*ring), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int e;

	if (p == MAP_FAILED) {
		snprintf(err, cap, "map the result region: %s",
			 strerror(errno));
		return -errno;
	}
	if (ring)
		munmap(ring, sizeof(*ring));
	ring = p;
	if ((e = ring_done_fd_open())) {
		snprintf(err, cap, "eventfd: %s", strerror(-e));
		return e;
	}
	return 0;
}

void ring_slot_reset(struct ring_slot *sl, uint32_t n_calls)
{
	sl->t_setup = sl->t_done = 0;
	sl->touched = 0;
	sl->arena_used = 0;
	sl->failed = 0;
	sl->msg[0] = 0;
	memset(sl->calls, 0, sizeof(sl->calls[0]) * (size_t)n_calls);
}

/*
 * The hand-over costs a system call only when the other side sleeps: the
 * worker waits for ring->posted to move in a futex, the server for the
 * worker's progress in poll() on DONE_FD, and each announces its sleep
 * (ring->worker_sleeps, ring->server_sleeps) before checking one last
 * time. Both sides' store-then-load are sequentially consistent, so one
 * of the two always sees the other's store: no wake-up is lost. The
 * server names the program whose end must wake it (ring->wake_at, stored
 * before its sleep is announced, so the worker that sees the one sees the
 * other).
 */
static void futex_wake_all(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

void ring_post(uint32_t n)
{
	__atomic_store_n(&ring->posted, n, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&ring->worker_sleeps, __ATOMIC_SEQ_CST))
		futex_wake_all(&ring->posted);
}

int ring_server_sleep_begin(uint32_t at, int waiting)
{
	__atomic_store_n(&ring->wake_at, at, __ATOMIC_RELAXED);
	__atomic_store_n(&ring->server_sleeps, 1, __ATOMIC_SEQ_CST);
	if (waiting &&
	    (int32_t)(__atomic_load_n(&ring->done, __ATOMIC_SEQ_CST) - at) >=
		    0) {
		__atomic_store_n(&ring->server_sleeps, 0, __ATOMIC_RELAXED);
		return 1; /* no need: that program has ended */
	}
	return 0;
}

void ring_server_sleep_end(void)
{
	__atomic_store_n(&ring->server_sleeps, 0, __ATOMIC_RELAXED);
}

void ring_server_woken(void)
{
	uint64_t v;

	(void)!read(DONE_FD, &v, sizeof(v));
}

void ring_worker_sleep(uint32_t s)
{
	uint64_t t0 = timing_on() ? timing_now_ns() : 0;

	__atomic_store_n(&ring->worker_sleeps, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&ring->posted, __ATOMIC_SEQ_CST) == s)
		syscall(SYS_futex, &ring->posted, FUTEX_WAIT, s, NULL, NULL, 0);
	__atomic_store_n(&ring->worker_sleeps, 0, __ATOMIC_RELAXED);
	if (t0)
		__atomic_fetch_add(&ring->idle_ns, timing_now_ns() - t0,
				   __ATOMIC_RELAXED);
}

int ring_worker_done(uint32_t s, int unfit)
{
	uint64_t v = 1;

	if (unfit)
		__atomic_store_n(&ring->dirty, s, __ATOMIC_RELAXED);
	__atomic_store_n(&ring->done, s, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&ring->server_sleeps, __ATOMIC_SEQ_CST) &&
	    (unfit || (int32_t)(s - __atomic_load_n(&ring->wake_at,
						    __ATOMIC_RELAXED)) >= 0) &&
	    write(DONE_FD, &v, sizeof(v)) != sizeof(v) && errno != EAGAIN)
		return -errno;
	return 0;
}
