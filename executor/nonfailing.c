/*
 * drmfuzz-executor: surviving faults on memory a program controls (its
 * copyins and copyouts, pseudo-syscalls' string arguments).
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "executor.h"

static __thread volatile int nf_active;
static __thread sigjmp_buf nf_jmp;

static void nf_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (nf_active)
		siglongjmp(nf_jmp, 1);
	signal(sig, SIG_DFL); /* not ours: fault again and die of it */
}

void nonfailing_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = nf_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

int nonfailing(void (*fn)(void *ctx), void *ctx)
{
	int ok = 0;

	nf_active = 1;
	if (!sigsetjmp(nf_jmp, 0)) {
		fn(ctx);
		ok = 1;
	}
	nf_active = 0;
	return ok;
}
