/*
 * drmfuzz-executor: KCOV buffers, one per call thread. The fds are
 * opened and mapped once by the serving process (as root: debugfs is
 * root-only) and inherited by every worker, whose call threads enable
 * them; a task's exit disables its buffer again. Each proc server opens
 * its own (a buffer is enabled by one task at a time).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcov.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "executor.h"

#define KCOV_PATH "/sys/kernel/debug/kcov"

static int kcov_fd[KCOV_THREADS];
static uint64_t *kcov_area[KCOV_THREADS];
static int kcov_ok;

int kcov_open_all(char *err, size_t cap)
{
	for (int t = 0; t < KCOV_THREADS; t++) {
		int fd = open(KCOV_PATH, O_RDWR | O_CLOEXEC);
		void *area;

		if (fd < 0) {
			snprintf(err, cap, "open %s: %s", KCOV_PATH,
				 strerror(errno));
			return -errno;
		}
		if (dup3(fd, KCOV_FD_BASE + t, O_CLOEXEC) < 0) {
			snprintf(err, cap, "dup3 kcov: %s", strerror(errno));
			close(fd);
			return -errno;
		}
		close(fd);
		fd = KCOV_FD_BASE + t;
		if (ioctl(fd, KCOV_INIT_TRACE, (unsigned long)KCOV_BUF_WORDS)) {
			snprintf(err, cap, "KCOV_INIT_TRACE: %s",
				 strerror(errno));
			return -errno;
		}
		area = mmap(NULL, KCOV_BUF_WORDS * sizeof(uint64_t),
			    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (area == MAP_FAILED) {
			snprintf(err, cap, "mmap kcov: %s", strerror(errno));
			return -errno;
		}
		kcov_fd[t] = fd;
		kcov_area[t] = area;
	}
	kcov_ok = 1;
	return 0;
}

void kcov_close_all(void)
{
	for (int t = 0; t < KCOV_THREADS; t++) {
		if (kcov_area[t])
			munmap(kcov_area[t], KCOV_BUF_WORDS * sizeof(uint64_t));
		close(KCOV_FD_BASE + t); /* the range is KCOV's alone */
		kcov_area[t] = NULL;
		kcov_fd[t] = 0;
	}
	kcov_ok = 0;
}

int kcov_available(void)
{
	return kcov_ok;
}

int kcov_enable(int t, int cmps)
{
	if (ioctl(kcov_fd[t], KCOV_ENABLE,
		  cmps ? KCOV_TRACE_CMP : KCOV_TRACE_PC))
		return -errno;
	return 0;
}

void kcov_reset(int t)
{
	__atomic_store_n(&kcov_area[t][0], 0, __ATOMIC_RELAXED);
}

uint64_t kcov_capacity(int cmps)
{
	return cmps ? (KCOV_BUF_WORDS - 1) / 4 : KCOV_BUF_WORDS - 1;
}

uint64_t kcov_count(int t, int cmps)
{
	uint64_t n = __atomic_load_n(&kcov_area[t][0], __ATOMIC_RELAXED);
	uint64_t max = kcov_capacity(cmps);

	return n < max ? n : max;
}

const uint64_t *kcov_entries(int t)
{
	return kcov_area[t] + 1;
}
