/* Child processes: start, wait with a deadline, capture output. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int child_fd(int want, int devnull, int inherit)
{
	if (want == -1)
		return devnull;
	if (want == -2)
		return inherit;
	return want;
}

int spawn_start(char *const argv[], const struct spawn_opts *opts, pid_t *pid)
{
	int errpipe[2], devnull, err = 0;
	ssize_t n;
	pid_t p, parent;

	if (pipe2(errpipe, O_CLOEXEC))
		return -errno;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		err = -errno;
		goto out_pipe;
	}
	parent = getpid();
	p = fork();
	if (p < 0) {
		err = -errno;
		goto out_null;
	}
	if (p == 0) {
		int in = child_fd(opts->stdin_fd, devnull, 0);
		int out = child_fd(opts->stdout_fd, devnull, 1);
		int errfd = opts->stderr_fd == -3 ?
				    out :
				    child_fd(opts->stderr_fd, devnull, 2);

		if (opts->new_pgrp)
			setpgid(0, 0);
		/* The parent may have died before the prctl: then go too. */
		if (opts->die_with_parent &&
		    (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) ||
		     getppid() != parent))
			_exit(127);
		if ((in != 0 && dup2(in, 0) < 0) ||
		    (out != 1 && dup2(out, 1) < 0) ||
		    (errfd != 2 && dup2(errfd, 2) < 0))
			goto fail;
		if (opts->cwd && chdir(opts->cwd))
			goto fail;
		signal(SIGPIPE, SIG_DFL);
		if (opts->env)
			execvpe(argv[0], argv, opts->env);
		else
			execvp(argv[0], argv);
fail:
		err = errno;
		n = write(errpipe[1], &err, sizeof(err));
		(void)n;
		_exit(127);
	}
	close(errpipe[1]);
	errpipe[1] = -1;
	do {
		n = read(errpipe[0], &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	if (n == sizeof(err)) {
		waitpid(p, NULL, 0);
		err = -err;
	} else {
		err = 0;
		*pid = p;
	}
out_null:
	close(devnull);
out_pipe:
	close(errpipe[0]);
	if (errpipe[1] >= 0)
		close(errpipe[1]);
	return err;
}

int spawn_wait(pid_t pid, int timeout_ms, int *status)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, timeout_ms < 0 ? 0 : WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (timeout_ms >= 0 && now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -ETIMEDOUT;
		}
		if (timeout_ms >= 0)
			usleep(10000);
	}
}

int spawn_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int spawn_capture(char *const argv[], int timeout_ms, char **out,
		  int *exit_code)
{
	struct spawn_opts o = SPAWN_OPTS_DEFAULT;
	struct buf b = { 0 };
	long long deadline = now_ms() + timeout_ms;
	int pfd[2], err, status;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	o.stdout_fd = pfd[1];
	o.stderr_fd = -3;
	o.new_pgrp = 1;
	err = spawn_start(argv, &o, &pid);
	close(pfd[1]);
	if (err) {
		close(pfd[0]);
		return err;
	}
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int left = timeout_ms < 0 ? -1 : (int)(deadline - now_ms());
		ssize_t n;

		if (timeout_ms >= 0 && left <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (poll(&p, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!p.revents)
			continue;
		if ((err = buf_reserve(&b, 4096)))
			break;
		n = read(pfd[0], b.data + b.len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		b.len += (size_t)n;
		b.data[b.len] = 0;
	}
	close(pfd[0]);
	if (err) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		buf_free(&b);
		return err;
	}
	err = spawn_wait(pid,
			 timeout_ms < 0 ? -1 : (int)(deadline - now_ms()) + 1,
			 &status);
	if (err) {
		buf_free(&b);
		return err;
	}
	*exit_code = spawn_exit_code(status);
	if (out)
		*out = buf_detach(&b);
	else
		buf_free(&b);
	return 0;
}
