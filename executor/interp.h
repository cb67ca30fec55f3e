/*
 * drmfuzz-executor: the interpreter (interp.c), which runs one program's
 * calls inside the worker.
 */
#ifndef DRMFUZZ_EXECUTOR_INTERP_H
#define DRMFUZZ_EXECUTOR_INTERP_H

#include "ring.h"

/*
 * Check the whole program of @req (exec.h encoding, and our limits)
 * before anything runs: its number of calls, or -1 with the reason in
 * @err. The proc server runs this; the worker then trusts the encoding.
 */
long interp_check(const struct wire_exec *req, char *err, size_t cap);

/*
 * In the worker, sandbox entered: run the (already checked) program of
 * @req, filling @sl (also the worker_fail slot from now on). Returns
 * when the program is done: 1 when calls are still blocked in call
 * threads (the worker must then be replaced), 0 otherwise. Call threads
 * are created on demand and kept for the next programs, KCOV enabled in
 * the mode of the first (a worker serves one mode);
 * interp_threads_started() counts them.
 */
int interp_run(const struct wire_exec *req, struct ring_slot *sl);
uint32_t interp_threads_started(void);
/* The data size the last program declared: its copyins and every pointer
 * argument's target lie below it (exec.h). */
uint64_t interp_data_used(void);

/*
 * What the calls since the last take may have changed in the worker
 * (by syscall number; pseudo-syscalls change none of it): the worker
 * checks and repairs only that between programs.
 */
#define TOUCH_MAPS (1U << 0) /* mappings: remap the data area */
#define TOUCH_CWD (1U << 1) /* working directory, root */
#define TOUCH_SIGNALS (1U << 2) /* handlers, mask, alternate stack */
#define TOUCH_TASKS (1U << 3) /* processes or threads created */
#define TOUCH_CREDS (1U << 4) /* ids, capabilities, keyrings */
#define TOUCH_LIMITS (1U << 5) /* rlimits */
#define TOUCH_ALL 0x3fU
uint32_t interp_touched_take(void);

#endif
