/*
 * The oops table: every kind of Linux crash message we recognise, how its
 * title is built, which frames are too generic to name a bug after, and
 * when a report counts as corrupted. The titles follow syzkaller/syzbot so
 * bugs can be matched against syzbot's lists.
 */
#include "oops.h"

#define PC "\\[<?(0x)?[0-9a-f]+>?\\]"
#define PCN "\\[<?0?x?[0-9a-f]+>?\\]"
#define FUNC "([a-zA-Z0-9_]+)[.+]"
#define SRC "([a-zA-Z0-9_/.-]+\\.[a-z]+:[0-9]+)"

/* The faulting instruction line; the function is capture group 5. */
#define RIP                                                                \
	"(IP|NIP|pc |PC is at):? (([0-9]+:)?(" PCN " +){0,2}" FUNC         \
	"|([0-9]+:)?0x[0-9a-f]+|([0-9]+:)?" PCN " +\\[< *\\(null\\)>\\] +" \
	"\\(null\\)|[0-9]+: +\\(null\\))"
#define RIP_GROUP 5
#define CALLTRACE "Call [Tt]race:|Backtrace:"

#define P_RIP                  \
	{                      \
		RIP, RIP_GROUP \
	}
#define P_CALLTRACE          \
	{                    \
		CALLTRACE, 0 \
	}
#define P_STACK               \
	{                     \
		OOPS_STACK, 0 \
	}

/* WARNINGs: the stack after the trapping RIP, or else after Call Trace. */
#define WARN_STACK(...)                                                     \
	(&(const struct oops_stack){                                        \
		.parts = { { "(" RIP "|--- interrupt: [0-9]+ at " FUNC ")", \
			     RIP_GROUP + 1, RIP_GROUP + 4 },                \
			   P_STACK },                                       \
		.parts2 = { P_CALLTRACE, P_STACK },                         \
		.skip = { __VA_ARGS__ } })

/* "RIP, then Call Trace": faults, GPFs, kernel BUGs. */
#define FAULT_STACK(...)                                                       \
	(&(const struct oops_stack){ .parts = { P_RIP, P_CALLTRACE, P_STACK }, \
				     .skip = { __VA_ARGS__ } })
#define TRACE_STACK(...)                                                \
	(&(const struct oops_stack){ .parts = { P_CALLTRACE, P_STACK }, \
				     .skip = { __VA_ARGS__ } })
#define RIP_ONLY (&(const struct oops_stack){ .parts = { P_RIP } })

#define KMSAN_STACK(...)                                                 \
	(&(const struct oops_stack){                                     \
		.parts = { P_STACK,                                      \
			   { "Local variable .* created at:|Uninit was " \
			     "created at:",                              \
			     0 },                                        \
			   P_STACK },                                    \
		.skip = { __VA_ARGS__ } })

#define KFENCE_STACK                                                \
	(&(const struct oops_stack){                                \
		.parts = { { "BUG: KFENCE: [a-z -]+ in " FUNC, 1 }, \
			   P_STACK } })

#define LOCKDEP_AT "at: (" PC " +)?" FUNC

const struct oops oops_table[] = {
	{
		.header = "BUG:",
		.formats = {
			{
				.title = "BUG: KASAN:",
				.report = { "BUG: KASAN: ([a-z-]+) in " FUNC,
					    "(Read|Write) (of size|at addr) [0-9a-f]+" },
				.fmt = "KASAN: %1 %3 in %f1",
				.alt = { "bad-access in %f1" },
				.stack = &(const struct oops_stack){
					.parts = { { "BUG: KASAN: [a-z-]+ in " FUNC, 1 },
						   P_CALLTRACE, P_STACK },
					.skip = { "kernel_fault", "tag_check",
						  "mem_abort", "^el1_", "^el1h_" } },
			},
			{
				.title = "BUG: KASAN:",
				.report = { "BUG: KASAN: (double-free or invalid-free|double-free|invalid-free) in " FUNC },
				.fmt = "KASAN: invalid-free in %f1",
				.alt = { "invalid-free in %f1" },
				.stack = &(const struct oops_stack){
					.parts = { { "BUG: KASAN: (double-free or invalid-free|double-free|invalid-free) in " FUNC, 2 },
						   P_CALLTRACE, P_STACK },
					.skip = { "slab_", "kfree", "vunmap", "vfree" } },
			},
			{
				.title = "BUG: KASAN: [a-z-]+ on address",
				.report = { "BUG: KASAN: ([a-z-]+) on address",
					    "(Read|Write) of size ([0-9]+)" },
				.fmt = "KASAN: %1 %2",
			},
			{
				.title = "BUG: KASAN: (.*)",
				.fmt = "KASAN: %1",
				.corrupted = true,
			},
			{
				.title = "BUG: KMSAN: kernel-usb-infoleak",
				.report = { "BUG: KMSAN: kernel-usb-infoleak in " FUNC },
				.fmt = "KMSAN: kernel-usb-infoleak in %f1",
				.alt = { "KMSAN origin in %f2" },
				.stack = KMSAN_STACK("alloc_skb", "usb_submit_urb",
						     "usb_start_wait_urb", "usb_bulk_msg",
						     "usb_interrupt_msg", "usb_control_msg"),
				.no_stack_trace = true,
			},
			{
				.title = "BUG: KMSAN:",
				.report = { "BUG: KMSAN: ([a-z-]+) in " FUNC },
				.fmt = "KMSAN: %1 in %f1",
				.alt = { "bad-access in %f1" },
				.stack = KMSAN_STACK("alloc_skb", "netlink_ack",
						     "netlink_rcv_skb", "_encrypt$",
						     "^(crypto|cipher|drbg|rng)_"),
				.no_stack_trace = true,
			},
			{
				.title = "BUG: KCSAN:",
				.report = { "BUG: KCSAN: (.*)" },
				.fmt = "KCSAN: %1",
				.no_stack_trace = true,
			},
			{
				.title = "BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in " FUNC,
				.fmt = "KFENCE: %1 %2 in %f1",
				.alt = { "bad-access in %f1" },
				.stack = KFENCE_STACK,
			},
			{
				.title = "BUG: KFENCE: invalid free in " FUNC,
				.fmt = "KFENCE: invalid free in %f1",
				.alt = { "invalid-free in %f1" },
				.stack = KFENCE_STACK,
				.no_stack_trace = true,
			},
			{
				.title = "BUG: KFENCE: invalid (read|write) in " FUNC,
				.fmt = "KFENCE: invalid %1 in %f1",
				.alt = { "bad-access in %f1" },
				.stack = KFENCE_STACK,
			},
			{
				.title = "BUG: KFENCE: memory corruption in " FUNC,
				.fmt = "KFENCE: memory corruption in %f1",
				.stack = KFENCE_STACK,
				.no_stack_trace = true,
			},
			{
				.title = "BUG: (unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel data access)",
				.fmt = "BUG: unable to handle kernel paging request in %f1",
				.alt = { "bad-access in %f1" },
				.stack = FAULT_STACK(),
			},
			{
				.title = "BUG: (unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)",
				.fmt = "BUG: unable to handle kernel NULL pointer dereference in %f1",
				.alt = { "bad-access in %f1" },
				.stack = FAULT_STACK(),
			},
			{
				/* The second half of the header is a separate printk. */
				.title = "BUG: (unable to handle kernel|Unable to handle kernel)",
				.fmt = "BUG: unable to handle kernel",
				.corrupted = true,
			},
			{
				.title = "BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)",
				.fmt = "BUG: %1 %2 in %f1",
				.stack = TRACE_STACK("spin_", "_lock", "_unlock"),
			},
			{
				.title = "BUG: soft lockup",
				.fmt = "BUG: soft lockup in %f1",
				.alt = { "stall in %f1" },
				.stack = &(const struct oops_stack){
					.parts = { P_RIP, P_CALLTRACE, P_STACK },
					.extractor = OOPS_EXTRACT_STALL },
			},
			{
				.title = "BUG: .*still has locks held!",
				.report = { "BUG: .*still has locks held!",
					    PC " +" FUNC },
				.fmt = "BUG: still has locks held in %2",
			},
			{
				.title = "BUG: scheduling while atomic",
				.fmt = "BUG: scheduling while atomic in %f1",
				.stack = TRACE_STACK("schedule"),
			},
			{
				.title = "BUG: lock held when returning to user space",
				.report = { "BUG: lock held when returning to user space",
					    "leaving the kernel with locks still held",
					    LOCKDEP_AT },
				.fmt = "BUG: lock held when returning to user space in %3",
				.no_stack_trace = true,
			},
			{
				.title = "BUG: bad unlock balance detected!",
				.fmt = "BUG: bad unlock balance in %f1",
				.stack = &(const struct oops_stack){
					.parts = { { PC " +" FUNC, 2 }, P_CALLTRACE,
						   P_STACK } },
			},
			{
				.title = "BUG: held lock freed!",
				.report = { "BUG: held lock freed!", PC " +" FUNC },
				.fmt = "BUG: held lock freed in %2",
			},
			{
				.title = "BUG: Bad rss-counter state",
				.fmt = "BUG: Bad rss-counter state",
				.no_stack_trace = true,
			},
			{
				.title = "BUG: non-zero nr_ptes on freeing mm",
				.fmt = "BUG: non-zero nr_ptes on freeing mm",
				.no_stack_trace = true,
			},
			{
				.title = "BUG: non-zero nr_pmds on freeing mm",
				.fmt = "BUG: non-zero nr_pmds on freeing mm",
				.no_stack_trace = true,
			},
			{
				.title = "BUG: Dentry .* still in use",
				.report = { "BUG: Dentry .* still in use \\([0-9]+\\) \\[(unmount) of ([^]]+)\\]" },
				.fmt = "BUG: Dentry still in use in %1",
				.alt = { "BUG: Dentry still in use [%1 of %2]" },
			},
			{
				.title = "BUG: Bad page (state|cache)",
				.fmt = "BUG: Bad page %1 in %f1",
				.stack = &(const struct oops_stack){
					.parts = { { "page last allocated", 0 }, P_STACK },
					.skip = { "(free|put|get|update|release)_page",
						  "free_unref", "^_*folio",
						  "truncate_inode_pages", "page_frag_free",
						  "alloc", "vmap", "page_owner" } },
			},
			{
				.title = "BUG: Bad page map",
				.fmt = "BUG: Bad page map",
			},
			{
				.title = "BUG: workqueue lockup",
				.fmt = "BUG: workqueue lockup",
				.no_stack_trace = true,
			},
			{
				.title = "BUG: sleeping function called from invalid context at (.*)",
				.fmt = "BUG: sleeping function called from invalid context in %f1",
				.stack = TRACE_STACK(),
			},
			{
				.title = "BUG: using ([a-z_]+)\\(\\) in preemptible",
				.fmt = "BUG: using %1() in preemptible code in %f1",
				.stack = TRACE_STACK("dump_stack", "preemption", "preempt",
						     "debug_", "processor_id", "this_cpu"),
			},
			{
				.title = "BUG: workqueue leaked lock or atomic",
				.report = { "BUG: workqueue leaked lock or atomic",
					    "last function: ([a-zA-Z0-9_]+)$" },
				.fmt = "BUG: workqueue leaked lock or atomic in %1",
				.no_stack_trace = true,
			},
			{
				.title = "BUG: memory leak",
				.fmt = "memory leak in %f1",
				.stack = &(const struct oops_stack){
					.parts = { { "backtrace( \\(crc [[:xdigit:]]*\\))?:", 0 },
						   P_STACK },
					.skip = { "kmemleak", "mmap", "kmem", "slab",
						  "alloc", "create_object", "idr_get",
						  "list_lru_init", "kv?asprintf",
						  "pcpu_create", "str(n)?dup", "memdup" } },
			},
			{
				.title = "BUG: .*stack guard page was hit at",
				.fmt = "BUG: stack guard page was hit in %f1",
				.alt = { "stack-overflow in %f1" },
				.stack = &(const struct oops_stack){
					.parts = { P_RIP, P_CALLTRACE, P_STACK },
					.extractor = OOPS_EXTRACT_STALL },
			},
			{
				/* arm's spelling of amd64's lockdep WARNING. */
				.title = "BUG: Invalid wait context",
				.fmt = "WARNING: locking bug in %f1",
				.stack = TRACE_STACK("lock_sock", "release_sock"),
			},
			{
				.title = "BUG:[[:space:]]*$",
				.fmt = "BUG: corrupted",
				.corrupted = true,
			},
		},
		.suppress = { "ODEBUG:", "Boot_DEBUG:", "xlog_status:", "DEBUG:",
			      "BUG: no syscalls can create resource" },
	},
	{
		.header = "WARNING:",
		.formats = {
			{
				.title = "WARNING: .*lib/debugobjects\\.c.* (debug_print|debug_check|at)",
				.fmt = "WARNING: ODEBUG bug in %f1",
				.stack = WARN_STACK("debug_", "rcu", "hrtimer_", "timer_",
						    "work_", "percpu_", "vunmap", "vfree",
						    "__free_", "debug_check", "kobject_"),
			},
			{
				.title = "WARNING: .*mm/usercopy\\.c.* (usercopy_warn|at)",
				.fmt = "WARNING: bad usercopy in %f1",
				.stack = WARN_STACK("usercopy", "__check"),
			},
			{
				.title = "WARNING: .*lib/kobject\\.c.* (kobject_|at)",
				.fmt = "WARNING: kobject bug in %f1",
				.stack = WARN_STACK("kobject_"),
			},
			{
				.title = "WARNING: .*fs/proc/generic\\.c.* (proc_register|at)",
				.fmt = "WARNING: proc registration bug in %f1",
				.stack = WARN_STACK("proc_"),
			},
			{
				.title = "WARNING: .*lib/refcount\\.c.* (refcount_|at)",
				.fmt = "WARNING: refcount bug in %f1",
				.stack = WARN_STACK("refcount", "kobject_"),
			},
			{
				.title = "WARNING: .*kernel/locking/lockdep\\.c.*lock_",
				.fmt = "WARNING: locking bug in %f1",
				.stack = WARN_STACK("lock_sock", "release_sock"),
			},
			{
				.title = "WARNING: .*still has locks held!",
				.report = { "WARNING: .*still has locks held!",
					    "at: " FUNC },
				.fmt = "WARNING: still has locks held in %1",
			},
			{
				.title = "WARNING: Nested lock was not taken",
				.fmt = "WARNING: nested lock was not taken in %f1",
				.stack = WARN_STACK(),
			},
			{
				.title = "WARNING: lock held when returning to user space",
				.report = { "WARNING: lock held when returning to user space",
					    "leaving the kernel with locks still held",
					    LOCKDEP_AT },
				.fmt = "WARNING: lock held when returning to user space in %3",
				.no_stack_trace = true,
			},
			{
				.title = "WARNING: .*mm/.*\\.c.* k?.?malloc",
				.fmt = "WARNING: kmalloc bug in %f1",
				.stack = WARN_STACK("kmalloc", "krealloc", "slab", "kmem"),
			},
			{
				.title = "WARNING: .*mm/vmalloc.c.*__vmalloc_node",
				.fmt = "WARNING: zero-size vmalloc in %f1",
				.stack = WARN_STACK(),
			},
			{
				.title = "WARNING: .* usb_submit_urb",
				.fmt = "WARNING in %f1/usb_submit_urb",
				.stack = WARN_STACK("usb_submit_urb", "usb_start_wait_urb",
						    "usb_bulk_msg", "usb_interrupt_msg",
						    "usb_control_msg"),
			},
			{
				.title = "WARNING: " SRC " at 0x[0-9]+, CPU#[0-9]+",
				.fmt = "WARNING in %f1",
				.stack = WARN_STACK(),
			},
			{
				.title = "WARNING: .* at " SRC " " FUNC,
				.fmt = "WARNING in %f1",
				.stack = WARN_STACK(),
			},
			{
				.title = "WARNING: " SRC " at " FUNC,
				.fmt = "WARNING in %f1",
				.stack = WARN_STACK(),
			},
			{
				.title = "WARNING: \\[.*\\] " SRC " at " FUNC,
				.fmt = "WARNING in %f1",
				.stack = WARN_STACK(),
			},
			{
				.title = "WARNING: possible circular locking dependency detected",
				.report = { "WARNING: possible circular locking dependency detected",
					    "is trying to acquire lock" },
				.fmt = "possible deadlock in %f1",
				.stack = &(const struct oops_stack){
					.parts = { { LOCKDEP_AT, 3 }, { LOCKDEP_AT, 3 },
						   P_STACK },
					.skip = { "process_one_work", "flush_workqueue",
						  "drain_workqueue", "destroy_workqueue" } },
			},
			{
				.title = "WARNING: possible irq lock inversion dependency detected",
				.report = { "WARNING: possible irq lock inversion dependency detected",
					    "just changed the state of lock",
					    LOCKDEP_AT },
				.fmt = "possible deadlock in %3",
			},
			{
				.title = "WARNING: .*-safe -> .*-unsafe lock order detected",
				.fmt = "possible deadlock in %f1",
				.stack = &(const struct oops_stack){
					.parts = { { "which became .* at:", 0 }, P_STACK } },
			},
			{
				.title = "WARNING: possible recursive locking detected",
				.report = { "WARNING: possible recursive locking detected",
					    "is trying to acquire lock", LOCKDEP_AT },
				.fmt = "possible deadlock in %3",
			},
			{
				.title = "WARNING: inconsistent lock state",
				.report = { "WARNING: inconsistent lock state", "takes",
					    LOCKDEP_AT },
				.fmt = "inconsistent lock state in %f1",
				.stack = TRACE_STACK(),
			},
			{
				.title = "WARNING: suspicious RCU usage",
				.report = { "WARNING: suspicious RCU usage", SRC },
				.fmt = "WARNING: suspicious RCU usage in %f1",
				.stack = TRACE_STACK("rcu", "kmem", "slab"),
			},
			{
				.title = "WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value",
				.fmt = "WARNING: kernel stack regs has bad '%1' value",
				.no_stack_trace = true,
			},
			{
				.title = "WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value",
				.fmt = "WARNING: kernel stack frame pointer has bad value",
				.no_stack_trace = true,
			},
			{
				.title = "WARNING: bad unlock balance detected!",
				.fmt = "WARNING: bad unlock balance in %f1",
				.stack = &(const struct oops_stack){
					.parts = { { PC " +" FUNC, 2 }, P_CALLTRACE,
						   P_STACK } },
			},
			{
				.title = "WARNING: held lock freed!",
				.report = { "WARNING: held lock freed!",
					    "at:( " PC ")? +" FUNC },
				.fmt = "WARNING: held lock freed in %3",
			},
			{
				.title = "WARNING: kernel stack regs .* has bad 'bp' value",
				.fmt = "WARNING: kernel stack regs has bad value",
				.no_stack_trace = true,
			},
			{
				.title = "WARNING: kernel stack frame pointer .* has bad value",
				.fmt = "WARNING: kernel stack regs has bad value",
				.no_stack_trace = true,
			},
			{
				.title = "WARNING:[[:space:]]*$",
				.fmt = "WARNING: corrupted",
				.corrupted = true,
			},
		},
		.suppress = {
			"WARNING: /etc/ssh/moduli does not exist, using fixed modulus",
			"WARNING: workqueue cpumask: online intersect > possible intersect",
			"WARNING: [Tt]he mand mount option",
			"WARNING: Unsupported flag value\\(s\\) of 0x%x in DT_FLAGS_1",
			"WARNING: Unprivileged eBPF is enabled with eIBRS",
			"WARNING: fbcon: Driver '.*' missed to adjust virtual screen size",
			"WARNING: See https.* for mitigation options.",
			"WARNING: kernel not compiled with CPU_SRSO",
			"EXT4-[Ff][Ss]( \\(.*\\))?:",
			"[Ww][Aa][Rr][Nn][Ii][Nn][Gg]: .* uses (deprecated v2 capabilities|wireless extensions)",
			"XFS \\([a-zA-Z0-9_]+\\): WARNING",
		},
	},
	{
		.header = "INFO:",
		.formats = {
			{
				.title = "INFO: possible circular locking dependency detected",
				.report = { "INFO: possible circular locking dependency detected \\]",
					    "is trying to acquire lock",
					    "at: " PC " +" FUNC },
				.fmt = "possible deadlock in %2",
			},
			{
				.title = "INFO: possible irq lock inversion dependency detected",
				.report = { "INFO: possible irq lock inversion dependency detected \\]",
					    "just changed the state of lock",
					    "at: " PC " +" FUNC },
				.fmt = "possible deadlock in %2",
			},
			{
				.title = "INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected",
				.report = { "INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected \\]",
					    "is trying to acquire",
					    "at: " PC " +" FUNC },
				.fmt = "possible deadlock in %2",
			},
			{
				.title = "INFO: possible recursive locking detected",
				.report = { "INFO: possible recursive locking detected \\]",
					    "is trying to acquire lock",
					    "at: " PC " +" FUNC },
				.fmt = "possible deadlock in %2",
			},
			{
				.title = "INFO: inconsistent lock state",
				.report = { "INFO: inconsistent lock state \\]", "takes",
					    "at: " PC " +" FUNC },
				.fmt = "inconsistent lock state in %2",
			},
			{
				.title = "INFO: rcu_[a-z_]+ (self-)?detected( expedited)? stalls?",
				.fmt = "INFO: rcu detected stall in %f1",
				.alt = { "stall in %f1" },
				.stack = &(const struct oops_stack){
					.parts = { { "apic_timer_interrupt", 0 }, P_RIP,
						   P_STACK },
					.parts2 = { { "apic_timer_interrupt|Exception stack|el1h_64_irq", 0 },
						    P_STACK },
					.skip = { "apic_timer_interrupt", "rcu" },
					.extractor = OOPS_EXTRACT_STALL },
			},
			{
				.title = "INFO: trying to register non-static key",
				.fmt = "INFO: trying to register non-static key in %f1",
				.stack = TRACE_STACK("stack", "lock", "IRQ"),
			},
			{
				.title = "INFO: suspicious RCU usage",
				.report = { "INFO: suspicious RCU usage", SRC },
				.fmt = "INFO: suspicious RCU usage in %f1",
				.stack = TRACE_STACK("rcu", "kmem", "slab"),
			},
			{
				.title = "INFO: task .* blocked for more than [0-9]+ seconds",
				.fmt = "INFO: task hung in %f1",
				.alt = { "hang in %f1" },
				.stack = &(const struct oops_stack){
					.parts = { P_CALLTRACE, P_STACK },
					.extractor = OOPS_EXTRACT_HANG },
			},
			{
				.title = "INFO: task .* can't die for more than .* seconds",
				.fmt = "INFO: task can't die in %f1",
				.alt = { "hang in %f1" },
				.stack = TRACE_STACK("schedule"),
			},
			{
				/* Old-style KASAN reports cut before their header. */
				.title = "INFO: (Freed|Allocated) in (.*)",
				.fmt = "INFO: %1 in %2",
				.corrupted = true,
			},
			{
				.title = "INFO:[[:space:]]*$",
				.fmt = "INFO: corrupted",
				.corrupted = true,
			},
		},
		.suppress = { "INFO: lockdep is turned off",
			      "INFO: Stall ended before state dump start",
			      "INFO: NMI handler", "INFO: recovery required on readonly filesystem",
			      "(handler|interrupt).*took too long",
			      "INFO: sys_.* is not present in /proc/kallsyms",
			      "INFO: no syscalls can create resource",
			      "rmt_storage:INFO:", "_INFO:" },
	},
	{
		.header = "Unable to handle kernel",
		.formats = { {
			.title = "Unable to handle kernel (paging request|NULL pointer dereference|access to user memory)",
			.fmt = "BUG: unable to handle kernel %1 in %f1",
			.alt = { "bad-access in %f1" },
			.stack = FAULT_STACK(),
		} },
	},
	{
		.header = "general protection fault",
		.formats = { {
			.title = "general protection fault.*:",
			.fmt = "general protection fault in %f1",
			.alt = { "bad-access in %f1" },
			.stack = FAULT_STACK(),
		} },
		/* User-space faults printed by show_unhandled_signals. */
		.suppress = { "general protection fault .* error:[0-9]+ in " },
	},
	{
		.header = "stack segment: ",
		.formats = { {
			.title = "stack segment: ",
			.fmt = "stack segment fault in %f1",
			.stack = FAULT_STACK(),
		} },
	},
	{
		.header = "Kernel panic",
		.formats = {
			{
				.title = "Kernel panic - not syncing: stack-protector:",
				.report = { "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: " FUNC },
				.fmt = "kernel panic: stack is corrupted in %1",
				.no_stack_trace = true,
			},
			{
				.title = "Kernel panic - not syncing: stack-protector:",
				.report = { "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: [a-f0-9]+" },
				.fmt = "kernel panic: stack is corrupted in %f1",
				.stack = TRACE_STACK("stack_chk"),
			},
			{
				.title = "Kernel panic - not syncing: corrupted stack end",
				.report = { "Kernel panic - not syncing: corrupted stack end detected inside scheduler" },
				.fmt = "kernel panic: corrupted stack end in %f1",
				.alt = { "stack-overflow in %f1" },
				.stack = &(const struct oops_stack){
					.parts = { P_CALLTRACE, P_STACK },
					.skip = { "schedule", "retint_kernel" },
					.extractor = OOPS_EXTRACT_STALL },
			},
			{
				.title = "Kernel panic - not syncing: kernel stack overflow",
				.fmt = "kernel stack overflow in %f1",
				.alt = { "stack-overflow in %f1" },
				.stack = &(const struct oops_stack){
					.parts = { P_CALLTRACE, P_STACK },
					.skip = { "bad_stack" },
					.extractor = OOPS_EXTRACT_STALL },
			},
			{
				.title = "Kernel panic - not syncing: Attempted to kill init!",
				.fmt = "kernel panic: Attempted to kill init!",
			},
			{
				.title = "Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+",
				.fmt = "kernel panic: Couldn't open N_TTY ldisc",
			},
			{
				/* Printed after a BUG whose header we missed. */
				.title = "Kernel panic - not syncing: Fatal exception",
				.fmt = "kernel panic: Fatal exception",
				.corrupted = true,
			},
			{
				.title = "Kernel panic - not syncing: panic_on_warn set",
				.fmt = "kernel panic: panic_on_warn set",
				.corrupted = true,
			},
			{
				.title = "Kernel panic - not syncing: hung_task: blocked tasks",
				.fmt = "kernel panic: hung_task: blocked tasks",
				.corrupted = true,
			},
			{
				.title = "Kernel panic - not syncing: (.*)",
				.fmt = "kernel panic: %1",
			},
		},
	},
	{
		.header = "PANIC: double fault",
		.formats = { {
			.title = "PANIC: double fault",
			.fmt = "PANIC: double fault in %f1",
			.stack = RIP_ONLY,
		} },
	},
	{
		.header = "rust_kernel: panicked",
		.formats = { {
			.title = "rust_kernel: panicked",
			.report = { "rust_kernel: panicked at", "^(.+)$" },
			.step_gap = 1,
			.fmt = "%1 in %f1",
			.stack = TRACE_STACK("rust_begin_unwind"),
		} },
	},
	{
		.header = "kernel BUG",
		.formats = {
			{
				.title = "kernel BUG at mm/usercopy.c",
				.fmt = "BUG: bad usercopy in %f1",
				.stack = TRACE_STACK("usercopy", "__check"),
			},
			{
				.title = "kernel BUG at lib/list_debug.c",
				.fmt = "BUG: corrupted list in %f1",
				.alt = { "bad-access in %f1" },
				.stack = TRACE_STACK(),
			},
			{
				.title = "kernel BUG at (.*)",
				.fmt = "kernel BUG in %f1",
				/* skb wrappers BUG_ON; the bug is in the caller. */
				.stack = FAULT_STACK("^skb_"),
			},
		},
	},
	{
		.header = "Kernel BUG",
		.formats = { { .title = "Kernel BUG (.*)", .fmt = "kernel BUG %1" } },
	},
	{
		.header = "BUG kmalloc-",
		.formats = { {
			.title = "BUG kmalloc-.*: Object already free",
			.fmt = "BUG: Object already free",
		} },
	},
	{
		.header = "divide error:",
		.formats = { { .title = "divide error: ",
			       .fmt = "divide error in %f1",
			       .stack = RIP_ONLY } },
	},
	{
		/* Misspelt so by "x86/entry: Convert Divide Error to IDTENTRY". */
		.header = "divide_error:",
		.formats = { { .title = "divide_error: ",
			       .fmt = "divide error in %f1",
			       .stack = RIP_ONLY } },
	},
	{
		.header = "invalid opcode:",
		.formats = { { .title = "invalid opcode: ",
			       .fmt = "invalid opcode in %f1",
			       .stack = RIP_ONLY } },
	},
	{
		.header = "int3:",
		.formats = { { .title = "int3: ",
			       .fmt = "int3 in %f1",
			       .stack = FAULT_STACK() } },
	},
	{
		.header = "UBSAN:",
		.formats = {
			{
				.title = "UBSAN:",
				.report = { "UBSAN: Undefined behaviour in" },
				.fmt = "UBSAN: undefined-behaviour in %f1",
				.stack = TRACE_STACK("ubsan", "overflow"),
			},
			{
				.title = "UBSAN: array-index-out-of-bounds in",
				.fmt = "UBSAN: array-index-out-of-bounds in %f1",
				.alt = { "bad-access in %f1" },
				.stack = TRACE_STACK("ubsan", "overflow"),
			},
			{
				.title = "UBSAN:",
				.report = { "UBSAN: ([^ ]+) in" },
				.fmt = "UBSAN: %1 in %f1",
				.stack = TRACE_STACK("ubsan", "overflow"),
			},
		},
	},
	{
		.header = "Booting the kernel.",
		.formats = { { .title = "^Booting the kernel",
			       .fmt = "unexpected kernel reboot",
			       .no_stack_trace = true } },
		.suppress = { "Parsing ELF|Decompressing Linux|Unknown parameter '" },
	},
	{
		.header = "unregister_netdevice: waiting for",
		.formats = { {
			.title = "unregister_netdevice: waiting for .* to become free",
			.fmt = "unregister_netdevice: waiting for DEV to become free",
			.no_stack_trace = true,
		} },
	},
	{
		.header = "VFS: Close: file count is 0",
		.formats = { {
			.title = "VFS: Close: file count is 0",
			.fmt = "VFS: Close: file count is zero (use-after-free)",
			.no_stack_trace = true,
		} },
	},
	{
		.header = "VFS: Busy inodes after unmount",
		.formats = { {
			.title = "VFS: Busy inodes after unmount",
			.fmt = "VFS: Busy inodes after unmount (use-after-free)",
			.no_stack_trace = true,
		} },
	},
	{
		.header = "Internal error:",
		.formats = { {
			.title = "Internal error:",
			.fmt = "Internal error in %f1",
			.alt = { "bad-access in %f1" },
			.stack = FAULT_STACK(),
		} },
	},
	{
		.header = "Unhandled fault:",
		.formats = { {
			.title = "Unhandled fault:",
			.fmt = "Unhandled fault in %f1",
			.alt = { "bad-access in %f1" },
			.stack = FAULT_STACK(),
		} },
	},
	{
		.header = "Alignment trap:",
		.formats = { {
			.title = "Alignment trap:",
			.fmt = "Alignment trap in %f1",
			.stack = FAULT_STACK(),
		} },
	},
	{
		.header = "trusty: panic",
		.formats = {
			{
				.title = "trusty: panic.* ASSERT FAILED",
				.report = { "trusty: panic \\([^)]*\\):( DEBUG)? ASSERT FAILED at \\([^)]*\\): (.+)" },
				.fmt = "trusty: ASSERT FAILED: %2",
				.no_stack_trace = true,
			},
			{
				.title = "trusty: panic.* ASSERT FAILED.*: *(.*)",
				.fmt = "trusty: ASSERT FAILED: %1",
				.corrupted = true,
			},
			{
				.title = "trusty: panic",
				.report = { "trusty: panic \\([^)]*\\): (.+)" },
				.fmt = "trusty: panic: %1",
				.no_stack_trace = true,
			},
		},
	},
	{
		.header = "SYZFAIL:",
		.formats = { { .title = "SYZFAIL:(.*)",
			       .fmt = "SYZFAIL:%1",
			       .no_stack_trace = true } },
	},
	{
		.header = "panic:",
		.formats = { { .title = "panic:(.*)",
			       .fmt = "panic:%1",
			       .no_stack_trace = true } },
		.suppress = { "_panic:", "xlog_status:", "ddb\\.onpanic:",
			      "evtlog_status:" },
	},
};

const size_t oops_table_len = sizeof(oops_table) / sizeof(oops_table[0]);

const char *const oops_skip_frames[] = {
	"__sanitizer",
	"__asan",
	"kasan",
	"hwasan",
	"__msan",
	"kmsan",
	"kcsan_setup_watchpoint",
	"check_memory_region",
	"check_heap_object",
	"check_object",
	"read_word_at_a_time",
	"(read|write)_once_.*nocheck",
	"print_address_description",
	"panic",
	"invalid_op",
	"report_bug",
	"fixup_bug",
	"print_report",
	"print_usage_bug",
	"do_error",
	"_trap$|do_trap",
	"show_stack",
	"dump_stack",
	"walk_stack",
	"dump_backtrace",
	"warn_slowpath",
	"warn_alloc",
	"warn_bogus",
	"__warn",
	"alloc_page",
	"k?v?(m|z|c)alloc",
	"krealloc",
	"kmem_cache",
	"allocate_slab",
	"__alloc_frozen_pages_noprof",
	"folio_(alloc|unlock)",
	"filemap_alloc_folio",
	"__filemap_get_folio",
	"find_or_create_page",
	"do_read_cache_folio",
	"read_cache_page",
	"pagecache_get_page",
	"grab_cache_page_write_begin",
	"slab_",
	"debug_object",
	"timer_is_static_object",
	"work_is_static_object",
	"__might_fault",
	"print_unlock",
	"imbalance_bug",
	"lockdep",
	"bh_enable",
	"bh_disable",
	"perf_trace",
	"lock_acquire",
	"lock_release",
	"lock_class",
	"mark_lock",
	"(reacquire|mark)_held_locks",
	"raw_spin_rq",
	"spin_lock",
	"spin_trylock",
	"spin_unlock",
	"read_lock",
	"read_trylock",
	"write_lock",
	"write_trylock",
	"read_unlock",
	"write_unlock",
	"^down$",
	"down_read",
	"down_write",
	"down_read_trylock",
	"down_write_trylock",
	"down_trylock",
	"up_read",
	"up_write",
	"^mutex_",
	"^__mutex_",
	"^rt_mutex_",
	"owner_on_cpu",
	"osq_lock",
	"osq_unlock",
	"atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)",
	"(set|clear|change|test)_bit",
	"__wake_up",
	"^refcount_",
	"^kref_",
	"ref_tracker",
	"seqprop_assert",
	"memcpy",
	"memcmp",
	"memset",
	"memchr",
	"memmove",
	"memdup",
	"strcmp",
	"strncmp",
	"strcpy",
	"strlcpy",
	"strncpy",
	"strscpy",
	"strlen",
	"strstr",
	"strnstr",
	"strnlen",
	"strchr",
	"strdup",
	"strndup",
	"copy_to_user",
	"copy_from_user",
	"copy_to_iter",
	"copy_from_iter",
	"copy_page_to_iter",
	"copy_page_from_iter",
	"copy_folio_to_iter",
	"^copyin$",
	"^copyout$",
	"put_user",
	"get_user",
	"might_fault",
	"might_sleep",
	"list_add",
	"list_del",
	"list_replace",
	"list_move",
	"list_splice",
	"^rb_",
	"^__rb_",
	"_indirect_thunk_",
	"string",
	"pointer",
	"snprintf",
	"scnprintf",
	"kasprintf",
	"kvasprintf",
	"printk",
	"va_format",
	"dev_info",
	"dev_notice",
	"dev_warn",
	"dev_err",
	"dev_alert",
	"dev_crit",
	"dev_emerg",
	"program_check_exception",
	"program_check_common",
	"del_timer",
	"flush_work",
	"__cancel_work_timer",
	"cancel_work_sync",
	"try_to_grab_pending",
	"flush_workqueue",
	"drain_workqueue",
	"destroy_workqueue",
	"queue_work",
	"finish_wait",
	"kthread_stop",
	"kobject_",
	"add_uevent_var",
	"get_device_parent",
	"device_add",
	"device_del",
	"device_unregister",
	"device_destroy",
	"device_release",
	"devres_release_all",
	"hwrng_unregister",
	"i2c_del_adapter",
	"__unregister_client",
	"device_for_each_child",
	"rollback_registered",
	"unregister_netdev",
	"sysfs_remove",
	"device_remove_file",
	"tty_unregister_device",
	"dummy_urb_enqueue",
	"usb_kill_urb",
	"usb_kill_anchored_urbs",
	"usb_control_msg",
	"usb_hcd_submit_urb",
	"usb_submit_urb",
	"^complete$",
	"wait_for_completion",
	"^kv?free$",
	"kfree_skb",
	"readb$",
	"readw$",
	"readl$",
	"readq$",
	"writeb$",
	"writew$",
	"writel$",
	"writeq$",
	"logic_in",
	"logic_out",
	"^crc[0-9]+",
	"crc_itu_t",
	"__might_resched",
	"assertfail",
	"^iput$",
	"^iput_final$",
	"^ihold$",
	"hex_dump_to_buffer",
	"print_hex_dump",
	"^klist_",
	"(trace|lockdep)_(hard|soft)irq",
	"^(un)?lock_page",
	"stack_trace_consume_entry",
	"arch_stack_walk",
	"stack_trace_save",
	"insert_work",
	"__queue_delayed_work",
	"queue_delayed_work_on",
	"ida_free",
	"do_(kernel|translation)_fault",
	"do_mem_abort",
	"el1_abort",
	"el1h_64_sync(_handler)?",
	"print_tainted",
	"xas_(start|load|find)",
	"find_lock_entries",
	"truncate_inode_pages_range",
	"__phys_addr",
	"__fortify_report",
	"cleanup_srcu_struct",
	"rhashtable_lookup",
	"extract_(user|iter)_to_sg",
	"drop_nlink",
	"^get_taint$",
	"^put_device$",
	"lock_timer_base",
	"__timer_delete_sync",
	"sk_stop_timer_sync",
	"__mod_timer",
	"fast_dput",
	"dput",
	NULL
};

const char *const oops_stall_anchors[] = { "process_one_work",
					   "do_syscall_",
					   "do_fast_syscall_",
					   "sysenter_dispatch",
					   "tracesys_phase2",
					   "el0_svc_handler",
					   "invoke_syscall",
					   "ret_fast_syscall",
					   "netif_receive_skb",
					   "do_softirq",
					   "call_timer_fn",
					   "_run_timers",
					   "run_timer_softirq",
					   "hrtimer_run",
					   "run_ksoftirqd",
					   "smpboot_thread_fn",
					   "^kthread$",
					   "start_secondary",
					   "cpu_startup_entry",
					   "ret_from_fork",
					   "vfs_write",
					   "vfs_read",
					   "vfs_iter_read",
					   "vfs_iter_write",
					   "do_iter_read",
					   "do_iter_write",
					   "call_read_iter",
					   "call_write_iter",
					   "new_sync_read",
					   "new_sync_write",
					   "vfs_ioctl",
					   "ksys_ioctl",
					   "compat_ioctl",
					   "compat_sys_ioctl",
					   "blkdev_driver_ioctl",
					   "blkdev_ioctl",
					   "do_iter_readv_writev",
					   "^call_mmap",
					   "mmap_region",
					   "do_mmap",
					   "do_dentry_open",
					   "vfs_open",
					   "^sock_sendmsg",
					   "^sock_recvmsg",
					   "^sock_release",
					   "^__sock_release",
					   "^setsockopt$",
					   "kernel_setsockopt",
					   "sock_common_setsockopt",
					   "^listen$",
					   "kernel_listen",
					   "sk_common_release",
					   "^sock_mmap",
					   "^accept$",
					   "kernel_accept",
					   "^sock_do_ioctl",
					   "^sock_ioctl",
					   "^compat_sock_ioctl",
					   "^nfnetlink_rcv_msg",
					   "^rtnetlink_rcv_msg",
					   "^netlink_dump",
					   "^(sys_)?(socketpair|connect|ioctl)",
					   "__do_fault",
					   "do_page_fault",
					   "^page_fault$",
					   "__fput",
					   "task_work_run",
					   "exit_to_usermode",
					   "smp_call_function",
					   "tasklet_action",
					   "tasklet_hi_action",
					   NULL };

const char *const oops_strip_prefixes[] = {
	"SYSC_",	"SyS_",	       "sys_",	    "__x64_",
	"__ia32_",	"__arm64_",    "____sys_",  "___sys_",
	"__sys_",	"__se_",       "__se_sys_", "__do_sys_",
	"compat_SYSC_", "compat_SyS_", "ksys_",	    NULL
};

const char *const oops_stack_starts[] = {
	"Call [Tt]race",
	"Allocated:",
	"Allocated by task [0-9]+:",
	"Freed:",
	"Freed by task [0-9]+:",
	"[^k] backtrace( \\(crc [[:xdigit:]]*\\))?:",
	"Backtrace:",
	"Uninit was stored to memory at",
	NULL
};

const char *const oops_second_ignores[] = { "invalid opcode: 0000",
					    "Kernel panic - not syncing",
					    "unregister_netdevice: waiting for",
					    "PANIC: double fault",
					    "Internal error:",
					    NULL };

const char *const oops_info_with_stack[] = {
	"vmalloc: allocation failure:", "FAULT_INJECTION: forcing a failure",
	"FAULT_FLAG_ALLOW_RETRY missing", NULL
};

const struct oops_type_rule oops_type_rules[] = {
	{ "KASAN: use-after-free Read", REPORT_TYPE_KASAN_UAF_READ },
	{ "KASAN: slab-use-after-free Read", REPORT_TYPE_KASAN_UAF_READ },
	{ "KASAN: use-after-free Write", REPORT_TYPE_KASAN_UAF_WRITE },
	{ "KASAN: slab-use-after-free Write", REPORT_TYPE_KASAN_UAF_WRITE },
	{ "KASAN: null-ptr-deref Read", REPORT_TYPE_KASAN_NULL_READ },
	{ "KASAN: null-ptr-deref Write", REPORT_TYPE_KASAN_NULL_WRITE },
	{ "KASAN: invalid-free", REPORT_TYPE_KASAN_INVALID_FREE },
	{ "KASAN: double-free", REPORT_TYPE_KASAN_INVALID_FREE },
	{ "KASAN: ", REPORT_TYPE_KASAN_READ }, /* refined by " Write" */
	{ "KFENCE: use-after-free read", REPORT_TYPE_KFENCE_UAF_READ },
	{ "KFENCE: use-after-free write", REPORT_TYPE_KFENCE_UAF_WRITE },
	{ "KFENCE: invalid free", REPORT_TYPE_KFENCE_INVALID_FREE },
	{ "KFENCE: memory corruption", REPORT_TYPE_KFENCE_CORRUPTION },
	{ "KFENCE: ", REPORT_TYPE_KFENCE_READ }, /* refined by " write" */
	{ "KMSAN: uninit-value", REPORT_TYPE_KMSAN_UNINIT },
	{ "KMSAN: ", REPORT_TYPE_KMSAN_INFOLEAK },
	{ "KCSAN: ", REPORT_TYPE_KCSAN_RACE },
	{ "UBSAN: ", REPORT_TYPE_UBSAN },
	{ "BUG: unable to handle kernel NULL", REPORT_TYPE_NULL_DEREF },
	{ "BUG: unable to handle kernel paging", REPORT_TYPE_MEMORY_SAFETY },
	{ "BUG: unable to handle kernel access", REPORT_TYPE_MEMORY_SAFETY },
	{ "BUG: corrupted list", REPORT_TYPE_MEMORY_SAFETY },
	{ "BUG: stack guard page", REPORT_TYPE_MEMORY_SAFETY },
	{ "BUG: Bad page", REPORT_TYPE_MEMORY_SAFETY },
	{ "BUG: Object already free", REPORT_TYPE_MEMORY_SAFETY },
	{ "BUG: held lock freed", REPORT_TYPE_LOCKDEP },
	{ "BUG: bad unlock balance", REPORT_TYPE_LOCKDEP },
	{ "BUG: still has locks held", REPORT_TYPE_LOCKDEP },
	{ "BUG: lock held when returning", REPORT_TYPE_LOCKDEP },
	{ "BUG: spinlock", REPORT_TYPE_LOCKDEP },
	{ "BUG: rwlock", REPORT_TYPE_LOCKDEP },
	{ "BUG: using ", REPORT_TYPE_LOCKDEP },
	{ "BUG: workqueue leaked", REPORT_TYPE_LOCKDEP },
	{ "BUG: sleeping function", REPORT_TYPE_ATOMIC_SLEEP },
	{ "BUG: scheduling while atomic", REPORT_TYPE_ATOMIC_SLEEP },
	{ "BUG: soft lockup", REPORT_TYPE_HANG },
	{ "BUG: workqueue lockup", REPORT_TYPE_HANG },
	{ "BUG: ", REPORT_TYPE_BUG },
	{ "kernel BUG", REPORT_TYPE_BUG },
	{ "possible deadlock", REPORT_TYPE_LOCKDEP },
	{ "inconsistent lock state", REPORT_TYPE_LOCKDEP },
	{ "WARNING: suspicious RCU usage", REPORT_TYPE_LOCKDEP },
	{ "INFO: suspicious RCU usage", REPORT_TYPE_LOCKDEP },
	{ "WARNING: locking bug", REPORT_TYPE_LOCKDEP },
	{ "WARNING: nested lock", REPORT_TYPE_LOCKDEP },
	{ "WARNING: bad unlock balance", REPORT_TYPE_LOCKDEP },
	{ "WARNING: held lock freed", REPORT_TYPE_LOCKDEP },
	{ "WARNING: still has locks held", REPORT_TYPE_LOCKDEP },
	{ "WARNING: lock held", REPORT_TYPE_LOCKDEP },
	{ "INFO: trying to register non-static key", REPORT_TYPE_LOCKDEP },
	{ "WARNING: refcount bug", REPORT_TYPE_REFCOUNT_WARNING },
	{ "WARNING", REPORT_TYPE_WARNING },
	{ "INFO: rcu detected stall", REPORT_TYPE_HANG },
	{ "INFO: task hung", REPORT_TYPE_HANG },
	{ "INFO: task can't die", REPORT_TYPE_HANG },
	{ "memory leak in", REPORT_TYPE_LEAK },
	{ "unexpected kernel reboot", REPORT_TYPE_REBOOT },
	{ "lost connection to test machine", REPORT_TYPE_LOST_CONNECTION },
	{ "no output from test machine", REPORT_TYPE_NO_OUTPUT },
	{ "general protection fault", REPORT_TYPE_DOS },
	{ "kernel panic", REPORT_TYPE_DOS },
	{ "kernel stack overflow", REPORT_TYPE_DOS },
	{ "PANIC: ", REPORT_TYPE_DOS },
	{ "stack segment fault", REPORT_TYPE_DOS },
	{ "Unhandled fault", REPORT_TYPE_DOS },
	{ "Internal error", REPORT_TYPE_DOS },
	{ "Alignment trap", REPORT_TYPE_DOS },
	{ "divide error", REPORT_TYPE_DOS },
	{ "invalid opcode", REPORT_TYPE_DOS },
	{ "int3 in", REPORT_TYPE_DOS },
	{ "trusty: ", REPORT_TYPE_DOS },
	{ "VFS: ", REPORT_TYPE_DOS },
	{ "unregister_netdevice", REPORT_TYPE_DOS },
	{ NULL, REPORT_TYPE_UNKNOWN },
};
