/*
 * The command line QEMU runs with (see qemu.h): the machine, our kernel
 * and initramfs, the kernel's own command line, the console and the
 * executor's transport.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qemu.h"
#include "util/buf.h"

#define PORT_NAME "drmfuzz"

/*
 * Fuzzing wants: the console on ttyS0 from the first message, any oops or
 * WARNING to panic (a crash is a crash), the panic to end QEMU (panic=-1
 * reboots at once and -no-reboot turns that into an exit), stable
 * addresses for symbolization, /dev/kmsg writable for our markers.
 * no5lvl: with 5-level paging (-cpu max has la57) the boot-time W+X check
 * walks KASAN's 2^57-byte shadow and takes minutes under TCG, tripping the
 * soft-lockup detector; 4-level paging cuts it to seconds.
 */
static const char base_cmdline[] =
	"console=ttyS0 earlyprintk=serial oops=panic panic_on_warn=1 "
	"panic=-1 nmi_watchdog=panic nokaslr no5lvl printk.devkmsg=on "
	"rdinit=/init";

/*
 * Under TCG the boot-time TSC sync check sees the vCPUs' TSCs apart and
 * marks the TSC unstable, so the clocksource becomes the HPET: every
 * clock read (the kernel's own, and clock_gettime, which then leaves the
 * vDSO) is an emulated MMIO access under QEMU's big lock. The vCPUs'
 * TSCs all come from the host's clock, so it is safe to trust them here;
 * measured with `drmfuzz exec --bench`, it doubles both the executor's
 * rate and the tight loop's. KVM guests use kvm-clock and need nothing.
 */
static const char tcg_cmdline[] = " tsc=reliable";

int vm_kernel_cmdline(const struct vm_qemu_config *o, struct buf *out)
{
	int err = buf_puts(out, base_cmdline);

	if (!err && o->accel != VM_ACCEL_KVM)
		err = buf_puts(out, tcg_cmdline);
	if (!err && o->cmdline && *o->cmdline)
		err = buf_printf(out, " %s", o->cmdline);
	return err;
}

void vm_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

char **vm_qemu_argv(const struct vm_qemu_config *o, const char *sock)
{
	VEC(char *) v = { 0 };
	struct buf b = { 0 };
	bool kvm = o->accel == VM_ACCEL_KVM;
	int err = 0;

#define ARG(s)                                     \
	do {                                       \
		char *dup_ = strdup(s);            \
		if (!dup_ || vec_push(&v, dup_)) { \
			free(dup_);                \
			err = -ENOMEM;             \
		}                                  \
	} while (0)
#define ARGF(...)                                \
	do {                                     \
		buf_reset(&b);                   \
		if (buf_printf(&b, __VA_ARGS__)) \
			err = -ENOMEM;           \
		else                             \
			ARG(b.data);             \
	} while (0)

	ARG(o->qemu ? o->qemu : VM_QEMU_DEFAULT);
	ARG("-machine");
	ARG("q35");
	ARG("-accel");
	ARG(kvm ? "kvm" : "tcg,thread=multi");
	ARG("-cpu");
	ARG(kvm ? "host,migratable=off" : "max");
	ARG("-smp");
	ARGF("%d", o->cpu > 0 ? o->cpu : 2);
	ARG("-m");
	ARGF("%d", o->mem > 0 ? o->mem : 2048);
	ARG("-kernel");
	ARG(o->kernel);
	if (o->initrd) {
		ARG("-initrd");
		ARG(o->initrd);
	}
	ARG("-append");
	buf_reset(&b);
	if (vm_kernel_cmdline(o, &b))
		err = -ENOMEM;
	else
		ARG(b.data);
	/* No default devices (NIC, VGA, monitor): only what we ask for. */
	ARG("-nodefaults");
	ARG("-display");
	ARG("none");
	ARG("-no-reboot");
	ARG("-serial");
	ARG("stdio");
	ARG("-device");
	ARG("virtio-rng-pci");
	ARG("-device");
	ARG("virtio-gpu-pci");
	if (sock) {
		ARG("-device");
		ARG("virtio-serial-pci");
		ARG("-chardev");
		ARGF("socket,id=transport,path=%s,abstract=on,server=off",
		     sock);
		ARG("-device");
		ARG("virtserialport,chardev=transport,name=" PORT_NAME);
	}
	if (o->qemu_args) {
		char *copy = strdup(o->qemu_args), *save = NULL;

		if (!copy)
			err = -ENOMEM;
		for (char *t = copy ? strtok_r(copy, " \t\n", &save) : NULL; t;
		     t = strtok_r(NULL, " \t\n", &save))
			ARG(t);
		free(copy);
	}
	if (!err && vec_push(&v, (char *)NULL))
		err = -ENOMEM;
#undef ARG
#undef ARGF
	buf_free(&b);
	if (err) {
		for (size_t i = 0; i < v.n; i++)
			free(v.v[i]);
		vec_free(&v);
		return NULL;
	}
	return v.v;
}
