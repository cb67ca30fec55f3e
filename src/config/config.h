/*
 * The manager config: syzkaller's JSON format (a user's syzkaller config
 * works as it is), plus a few drmfuzz fields. Unknown fields warn, fields
 * of a wrong type fail with "file:line: field: expected ...".
 */
#ifndef DRMFUZZ_CONFIG_CONFIG_H
#define DRMFUZZ_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config_strs {
	char **v;
	size_t n;
};

struct config_vm {
	/* qemu */
	int count; /* VMs in parallel; default 1 */
	int cpu; /* vCPUs; default 2 */
	int mem; /* MiB; default 2048 */
	char *kernel; /* bzImage; NULL: the cached default kernel */
	char *initrd; /* extra initramfs; usually NULL */
	char *cmdline; /* appended to drmfuzz's own command line */
	char *qemu; /* qemu binary; default qemu-system-x86_64 */
	char *qemu_args; /* extra arguments, split on spaces */
	char *accel; /* drmfuzz: "auto" (probe KVM), "kvm" or "tcg" */
	/* isolated */
	struct config_strs targets; /* host[:port] */
	char *target_dir;
	bool target_reboot;
	bool pstore;
};

struct mgr_config {
	char *path; /* file it was loaded from; NULL for the default */
	char *name;
	char *target; /* "linux/amd64" */
	char *http; /* "127.0.0.1:56741" */
	char *workdir;
	char *kernel_obj; /* dir with vmlinux; NULL: the cached kernel's */
	char *kernel_src;
	char *syzkaller; /* syzkaller checkout: its sys/linux is loaded */
	char *sshkey;
	char *ssh_user;
	char *sandbox; /* "none" | "setuid" */
	char *type; /* "qemu" | "isolated" */
	int procs;
	bool cover;
	bool reproduce;
	struct config_strs enable_syscalls;
	struct config_strs disable_syscalls;
	struct config_strs ignores; /* titles (regexps) to ignore */
	struct config_strs descriptions; /* drmfuzz: extra description dirs */
	/* drmfuzz: kernel modules the machine loads at boot: .ko files, or
	 * module source directories built against the kernel */
	struct config_strs modules;
	char *known_bugs; /* drmfuzz: file of known titles */
	struct config_vm vm;
};

/* The built-in default: QEMU, the cached kernel, DRM syscalls, ./workdir. */
struct mgr_config *config_default(void);

/*
 * Load @path over the defaults. Errors are logged with file:line and the
 * field; returns 0 and *out (free with config_free), -EINVAL for a bad
 * config, or -errno.
 */
int config_load(const char *path, struct mgr_config **out);

/* Same, from text (for tests); @name is used in messages. */
int config_load_text(const char *name, const char *text,
		     struct mgr_config **out);

void config_free(struct mgr_config *cfg);

#endif
