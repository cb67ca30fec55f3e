/*
 * drmfuzz-executor: WIRE_BENCH, the ceiling the proc server is measured
 * against: one program run over and over in one process for a while,
 * with no hand-over, no reset and no reply per run.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interp.h"
#include "worker.h"

static uint64_t now_ms(void)
{
	return timing_now_ns() / 1000000;
}

/* The process that runs @req from @t0 for @ms, counting runs in the
 * ring. */
__attribute__((noreturn)) static void bench_child(const struct wire_exec *req,
						  uint64_t t0, uint32_t ms)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	nonfailing_install();
	worker_fail_slot(&ring->slot[0]);
	while (now_ms() - t0 < ms) {
		ring->slot[0].arena_used = 0;
		interp_run(req, &ring->slot[0]);
		ring->bench_runs++;
	}
	_exit(0);
}

int bench_run(uint32_t id, const uint8_t *payload, size_t len,
	      struct wire_wr *w)
{
	struct wire_exec req;
	struct wire_rd r;
	char err[200];
	uint32_t ms;
	uint64_t t0, t1;
	int st = 0, pidfd;
	pid_t pid;

	if (!server_ready())
		return serve_error(id, w,
				   "WIRE_BENCH: the executor has no data area");
	wire_rd_init(&r, payload, len);
	ms = wire_get_u32(&r);
	if (r.err || !ms || ms > WIRE_BENCH_MAX_MS)
		return serve_error(id, w, "WIRE_BENCH: duration out of range");
	if (wire_exec_decode(payload + 4, len - 4, &req, err, sizeof(err)))
		return serve_error(id, w, err);
	if ((req.flags & (WIRE_EXEC_COVER | WIRE_EXEC_CMPS)) &&
	    !kcov_available())
		return serve_error(id, w, "WIRE_BENCH: KCOV is not available");
	req.flags &= WIRE_EXEC_COVER | WIRE_EXEC_CMPS; /* sequential */
	if (interp_check(&req, err, sizeof(err)) < 0)
		return serve_error(id, w, err);
	if (server_in_flight())
		return serve_error(id, w, "WIRE_BENCH: programs are in flight");
	worker_stop(0); /* the ceiling runs alone */
	ring->bench_runs = 0;
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return serve_error(id, w, "WIRE_BENCH: fork failed");
	if (pid == 0)
		bench_child(&req, t0, ms);
	setpgid(pid, pid);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (!worker_wait_exit(pid, pidfd, (uint64_t)ms + req.prog_timeout_ms,
			      &st)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		worker_wait_exit(pid, pidfd, 10000, &st);
	}
	t1 = now_ms();
	if (pidfd >= 0)
		close(pidfd);
	worker_reap_group(pid, 10000);
	wire_frame_begin(w, WIRE_BENCH_REPLY, id);
	wire_put_u64(w, ring->bench_runs);
	wire_put_u64(w, (t1 - t0) * 1000);
	return wire_frame_end(w);
}
