/*
 * drmfuzz-executor: the ring, the region a proc server shares with its
 * worker (ring.c): request slots, results, and the hand-over of programs
 * between the two processes.
 */
#ifndef DRMFUZZ_EXECUTOR_RING_H
#define DRMFUZZ_EXECUTOR_RING_H

#include "executor.h"

/* One call's results in a slot, filled by the worker and read by the
 * server without trusting them (a program can scribble over the ring). */
struct ring_call {
	uint32_t flags; /* WIRE_CALL_*, updated atomically */
	uint32_t err;
	uint64_t ret;
	uint32_t pcs_off, n_pcs; /* arena words */
	uint32_t cmps_off, n_cmps; /* arena words, 3 per comparison */
};

#define RING_ARENA_WORDS ((WIRE_MAX_PAYLOAD - (64U << 10)) / 8)

/* One program's request and results (a slot). */
struct ring_slot {
	uint32_t arena_used; /* words handed out, atomic */
	uint32_t failed; /* the worker could not run: msg says why */
	uint64_t t_setup, t_done; /* timing_now_ns() stamps of the worker */
	uint32_t touched; /* TOUCH_* of the program's calls */
	uint32_t pad;
	struct wire_exec req; /* prog points at prog[] below */
	uint8_t prog[EXEC_MAX_SIZE];
	char msg[WIRE_EXEC_MSG_MAX];
	struct ring_call calls[EXEC_MAX_CALLS];
	uint64_t arena[RING_ARENA_WORDS];
};

/*
 * Programs a proc server hands its worker ahead: while the worker runs
 * one, the next ones wait in the other slots, so the worker goes from
 * program to program without waiting for the server or the host. As many
 * as the host may have in flight on one proc.
 */
#define RING_SLOTS ((int)WIRE_EXEC_PROC_DEPTH)
/*
 * The server sleeps until the worker is down to this many posted
 * programs it has not started (or a program ends badly): its replies go
 * out in batches, one wake-up of the server and one write to the host
 * for each, while the worker still has programs to run until the host's
 * next requests come in.
 */
#define RING_WAKE_AHEAD 3

struct ring {
	uint64_t bench_runs; /* WIRE_BENCH: programs run */
	uint32_t posted; /* last request number posted, by the server */
	uint32_t done; /* last one the worker finished */
	uint32_t dirty; /* the worker will run no more programs */
	uint32_t worker_sleeps, server_sleeps; /* the hand-over */
	uint32_t wake_at; /* the request whose end wakes the server */
	uint64_t idle_ns, clean_ns; /* worker: waiting, cleaning up (sums) */
	uint64_t worker_cpu_us; /* worker: CPU time (sum, timing only) */
	int32_t worker_status; /* its wait status, from worker_init; -1 */
	struct ring_slot slot[RING_SLOTS]; /* request n in slot n % RING_SLOTS */
};

/* This process's ring (ring_open). */
extern struct ring *ring;

/*
 * A fresh ring (replacing the one we had, if any) and a fresh DONE_FD:
 * each proc server needs its own. 0 or -errno, with a message in @err.
 */
int ring_open(char *err, size_t cap);
/*
 * A fresh eventfd at DONE_FD (the old one closed in this process only),
 * before each worker is forked: a task left over from an earlier worker
 * keeps the old one, and no wake-up of an earlier worker reaches us
 * through the new one. 0 or -errno.
 */
int ring_done_fd_open(void);
/* A slot as the worker must find it before it runs the slot's program of
 * @n_calls calls. */
void ring_slot_reset(struct ring_slot *sl, uint32_t n_calls);

/*
 * Server side. ring_post: request number @n is posted (its slot filled);
 * wakes the worker if it sleeps. ring_server_sleep_begin before the
 * server sleeps in poll() on DONE_FD: the end of request @at must wake
 * it; 1 (and no sleep announced) when @waiting and that request has
 * already ended. ring_server_sleep_end after the poll();
 * ring_server_woken drains DONE_FD when poll() found it readable.
 */
void ring_post(uint32_t n);
int ring_server_sleep_begin(uint32_t at, int waiting);
void ring_server_sleep_end(void);
void ring_server_woken(void);

/*
 * Worker side. ring_worker_sleep: nothing is posted after request @s
 * yet; sleep until something may be (the caller looks again).
 * ring_worker_done: request @s has ended, @unfit when the worker runs no
 * more programs; wakes the server when it asked for that. 0, or -errno
 * when DONE_FD could not be written.
 */
void ring_worker_sleep(uint32_t s);
int ring_worker_done(uint32_t s, int unfit);

#endif
