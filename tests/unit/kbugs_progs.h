/*
 * The test module's calls (tests/kbugs) as program text, and the target
 * they compile into (drmfuzz's descriptions and the module's), for the
 * unit tests of program logs and reproduction.
 */
#ifndef DRMFUZZ_TESTS_KBUGS_PROGS_H
#define DRMFUZZ_TESTS_KBUGS_PROGS_H

#include "syzlang/target.h"

#define OPEN                                   \
	"r0 = openat$dfb(0xffffffffffffff9c, " \
	"&(0x7f0000000000)='/dev/drmfuzz_bugs\\x00', 0x2, 0x0)\n"
#define CREATE                                                       \
	"ioctl$DFB_CREATE(r0, 0xc008df01, &(0x7f0000000040)={0x40, " \
	"<r1=>0x0})\n"
#define BIND "ioctl$DFB_BIND(r0, 0x4004df02, &(0x7f0000000080)=r1)\n"
#define DESTROY "ioctl$DFB_DESTROY(r0, 0x4004df03, &(0x7f00000000c0)=r1)\n"
#define POKE "ioctl$DFB_POKE(r0, 0x4008df04, &(0x7f0000000100)={0x1, 0x2})\n"
#define RELEASE "ioctl$DFB_RELEASE(r0, 0x4004df05, &(0x7f0000000140)=r1)"
#define PAIR "ioctl$DFB_CREATE_PAIR(r0, 0xc008df06, &(0x7f0000000180)={0x40})"
#define CONFIGURE                                                           \
	"ioctl$DFB_CONFIGURE(r0, 0x4010df07, &(0x7f00000001c0)={0x1, 0x0, " \
	"0x3})\n"

/* argv[1]: descriptions/, argv[2]: tests/kbugs. 0, or -1 (logged). */
static inline int kbugs_target(char **argv, struct syz_target **t)
{
	const char *dirs[2] = { argv[1], argv[2] };
	struct syz_load_opts o = { .desc_dirs = dirs, .n_desc_dirs = 2 };

	return syz_target_load(&o, t, NULL) ? -1 : 0;
}

#endif
