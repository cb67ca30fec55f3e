/*
 * drmfuzz-executor: runs in the guest (static binary, PID 1's child).
 * Connects to the host over a virtio-serial port (--port NAME) or stdin/
 * stdout (--stdio, for SSH sessions and tests), says HELLO with what the
 * machine offers, then answers requests until the host hangs up: each
 * proc's programs in a server of its own (router.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"

__attribute__((noreturn, format(printf, 1, 0))) static void
vfail(const char *fmt, va_list ap, int err)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		fprintf(stderr, "%s%s: %s\n", WIRE_FAIL_PREFIX, msg,
			strerror(err));
	else
		fprintf(stderr, "%s%s\n", WIRE_FAIL_PREFIX, msg);
	fflush(stderr);
	_exit(WIRE_EXIT_FAIL);
}

void fail(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap, err);
	va_end(ap);
}

void failmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap, 0);
	va_end(ap);
}

/* /dev/vportNpM whose /sys/class/virtio-ports/.../name is @name, or -1. */
static int port_find(const char *name)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	int fd = -1;

	if (!d)
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		char path[300], got[64] = "";
		int nfd;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name",
			 e->d_name);
		nfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nfd < 0)
			continue;
		n = read(nfd, got, sizeof(got) - 1);
		close(nfd);
		if (n <= 0)
			continue;
		got[n] = 0;
		got[strcspn(got, "\n")] = 0;
		if (strcmp(got, name))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fail("open %s", path);
	}
	closedir(d);
	return fd;
}

/* The port may show up a little after init starts: wait up to 10 s. */
static int port_open(const char *name)
{
	for (int i = 0; i < 100; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		int fd = port_find(name);

		if (fd >= 0)
			return fd;
		nanosleep(&ts, NULL);
	}
	failmsg("no virtio-serial port named '%s' in /sys/class/virtio-ports "
		"(is CONFIG_VIRTIO_CONSOLE on, and QEMU given -device "
		"virtserialport,name=%s?)",
		name, name);
}

/*
 * Serve from PID 1 of a new PID namespace, so that no program (not even
 * kill(-1, SIGKILL) as root) can kill the executor, and everything a
 * program leaves behind can be killed. The original process waits and
 * exits with the server's status. Without CAP_SYS_ADMIN, serve as we are.
 */
static void pidns_enter(int fd)
{
	int st;
	pid_t pid;

	if (unshare(CLONE_NEWPID)) {
		fprintf(stderr,
			"drmfuzz-executor: no PID namespace (%s): programs "
			"can signal the executor\n",
			strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0)
		fail("fork into the PID namespace");
	if (pid == 0)
		return;
	if (fd > 2)
		close(fd);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			fail("waitpid");
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void usage(void)
{
	fprintf(stderr,
		"usage: drmfuzz-executor --port NAME | --stdio\n"
		"Serves drmfuzz over a virtio-serial port or stdin/stdout "
		"(protocol %d).\n",
		WIRE_VERSION);
}

int main(int argc, char **argv)
{
	static struct wire_hello hello;
	static uint8_t frame[WIRE_HDR_SIZE + sizeof(struct wire_hello) * 2];
	struct wire_wr w;
	char err[256], timing[160];
	int in, out, e;

	if (argc == 3 && !strcmp(argv[1], "--port")) {
		in = out = port_open(argv[2]);
		features_make_links = 1;
	} else if (argc == 2 && !strcmp(argv[1], "--stdio")) {
		in = 0;
		out = 1;
	} else {
		usage();
		return 2;
	}
	features_detect(&hello, timing, sizeof(timing));
	pidns_enter(in);
	if (server_setup(!!(hello.features &
			    (WIRE_FEAT_KCOV | WIRE_FEAT_KCOV_CMP)),
			 in, out, err, sizeof(err)))
		failmsg("%s", err);
	fprintf(stderr,
		"drmfuzz-executor: kernel %s, features 0x%x, %u DRM nodes (%s)\n",
		hello.release, hello.features, hello.n_nodes, timing);
	wire_wr_init(&w, frame, sizeof(frame));
	wire_frame_begin(&w, WIRE_HELLO, 0);
	wire_hello_encode(&w, &hello);
	if (wire_frame_end(&w))
		failmsg("HELLO does not fit in a frame");
	if (write_all(out, frame, w.len))
		fail("send HELLO");
	e = router_serve(in, out, err, sizeof(err));
	if (e)
		failmsg("%s", err);
	return 0;
}
