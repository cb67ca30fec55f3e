/* SPDX-License-Identifier: GPL-2.0 */
/* The ioctl interface of the drmfuzz_bugs test module (drmfuzz_bugs.c). */
#ifndef DRMFUZZ_BUGS_H
#define DRMFUZZ_BUGS_H

#include <linux/ioctl.h>
#include <linux/types.h>

struct dfb_create {
	__u32 size; /* 8..4096 */
	__u32 handle; /* out */
};

struct dfb_poke {
	__u32 offset;
	__u32 value;
};

#define DFB_CONFIG_FLAGS 0x7
#define DFB_CONFIG_MAGIC 0xfeedc0deu

struct dfb_config {
	__u32 flags; /* DFB_CONFIG_FLAGS */
	__u32 reserved; /* must be 0 */
	__u64 value;
};

#define DFB_IOCTL_BASE 0xdf
#define DFB_IOCTL_CREATE _IOWR(DFB_IOCTL_BASE, 1, struct dfb_create)
#define DFB_IOCTL_BIND _IOW(DFB_IOCTL_BASE, 2, __u32)
#define DFB_IOCTL_DESTROY _IOW(DFB_IOCTL_BASE, 3, __u32)
#define DFB_IOCTL_POKE _IOW(DFB_IOCTL_BASE, 4, struct dfb_poke)
#define DFB_IOCTL_RELEASE _IOW(DFB_IOCTL_BASE, 5, __u32)
#define DFB_IOCTL_CREATE_PAIR _IOWR(DFB_IOCTL_BASE, 6, struct dfb_create)
#define DFB_IOCTL_CONFIGURE _IOW(DFB_IOCTL_BASE, 7, struct dfb_config)

#endif
