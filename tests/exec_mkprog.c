/*
 * Writes the executor's sample DRM programs, exec-encoded, for the
 * integration test and the benchmark: exec_mkprog NAME OUT, NAME one of
 * the table's. Each uses one page of the data area and says so, as the
 * program encoder does.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "../tests/unit/exec_build.h"

#define AT_FDCWD_ ((uint64_t)-100)
#define DRM_IOCTL_VERSION 0xc0406400ull /* struct drm_version: 64 bytes */
#define DRM_IOCTL_GET_CAP 0xc010640cull
#define DRM_IOCTL_SYNCOBJ_CREATE 0xc00864bfull
#define DRM_CAP_PRIME 5

/* r0 = open the node; the ioctl(s); close(r0). */
static void open_node(struct pb *b, int pseudo)
{
	if (pseudo) {
		/* syz_open_dev$dri("/dev/dri/card#", 0, O_RDWR) */
		pb_copyin_data(b, 0, "/dev/dri/card#", 15);
		pb_call_ex(b, EXEC_CALL_PSEUDO, EXEC_PSEUDO_OPEN_DEV, 1, 0, 0,
			   3);
		pb_ptr(b, 0);
		pb_const(b, 0);
		pb_const(b, O_RDWR);
		return;
	}
	pb_copyin_data(b, 0, "/dev/dri/renderD128", 20);
	pb_call(b, SYS_openat, 1, 4);
	pb_const(b, AT_FDCWD_);
	pb_ptr(b, 0);
	pb_const(b, O_RDWR);
	pb_const(b, 0);
}

static void ioctl_call(struct pb *b, uint64_t cmd, uint64_t arg_off)
{
	pb_call(b, SYS_ioctl, 0, 3);
	pb_result(b, 0, 0, 0, (uint64_t)-1);
	pb_const(b, cmd);
	pb_ptr(b, arg_off);
}

static void close_node(struct pb *b)
{
	pb_call(b, SYS_close, 0, 1);
	pb_result(b, 0, 0, 0, (uint64_t)-1);
}

/* DRM_IOCTL_VERSION with room for name, date and description. */
static void version(struct pb *b, int pseudo)
{
	pb_begin_sized(b, 3, 1, EXEC_PAGE_SIZE);
	open_node(b, pseudo);
	pb_copyin_int(b, 0x100 + 16, EXEC_META(8, 0, 0, 0), 32);
	pb_copyin_int(b, 0x100 + 24, EXEC_META(8, 0, 0, 0) | EXEC_META_ADDR,
		      0x200);
	pb_copyin_int(b, 0x100 + 32, EXEC_META(8, 0, 0, 0), 32);
	pb_copyin_int(b, 0x100 + 40, EXEC_META(8, 0, 0, 0) | EXEC_META_ADDR,
		      0x240);
	pb_copyin_int(b, 0x100 + 48, EXEC_META(8, 0, 0, 0), 32);
	pb_copyin_int(b, 0x100 + 56, EXEC_META(8, 0, 0, 0) | EXEC_META_ADDR,
		      0x280);
	ioctl_call(b, DRM_IOCTL_VERSION, 0x100);
	close_node(b);
	pb_end(b);
}

static void get_cap(struct pb *b)
{
	pb_begin_sized(b, 3, 1, EXEC_PAGE_SIZE);
	open_node(b, 0);
	pb_copyin_int(b, 0x100, EXEC_META(8, 0, 0, 0), DRM_CAP_PRIME);
	ioctl_call(b, DRM_IOCTL_GET_CAP, 0x100);
	close_node(b);
	pb_end(b);
}

static void syncobj(struct pb *b)
{
	pb_begin_sized(b, 3, 1, EXEC_PAGE_SIZE);
	open_node(b, 0);
	ioctl_call(b, DRM_IOCTL_SYNCOBJ_CREATE, 0x100);
	close_node(b);
	pb_end(b);
}

int main(int argc, char **argv)
{
	static struct pb b;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: exec_mkprog drm_version|"
				"drm_version_open_dev|drm_get_cap|drm_syncobj "
				"OUT\n");
		return 2;
	}
	if (!strcmp(argv[1], "drm_version"))
		version(&b, 0);
	else if (!strcmp(argv[1], "drm_version_open_dev"))
		version(&b, 1);
	else if (!strcmp(argv[1], "drm_get_cap"))
		get_cap(&b);
	else if (!strcmp(argv[1], "drm_syncobj"))
		syncobj(&b);
	else {
		fprintf(stderr, "exec_mkprog: unknown program '%s'\n", argv[1]);
		return 2;
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(b.buf, 1, b.len, f) != b.len || fclose(f)) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
