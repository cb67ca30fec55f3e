/*
 * The compiled syscall model: what syzlang descriptions (syzkaller's
 * language) compile to for linux/amd64, and the loader that builds it.
 *
 * Contract:
 * - Everything reachable from a struct syz_target (types, fields, calls,
 *   resources, strings, arrays) is owned by it, allocated at load time and
 *   immutable afterwards; it stays valid until syz_target_free(). Nothing
 *   is shared between two targets. Read-only use from several threads is
 *   safe.
 * - Types follow syzkaller's prog/types.go. Structs and unions are shared:
 *   one struct syz_type per struct/union name (template instances have
 *   their own name, e.g. "nlattr[FOO, int32]"), and they may be recursive
 *   (through pointers only). Every other type is a separate instance per
 *   use, so per-use facts (optional, bitfield placement) live in the type.
 * - Directions live on fields and pointers, not on types: a field's
 *   effective direction is its own (has_dir) or else the direction
 *   inherited from the enclosing pointer/argument (syscall args are "in").
 * - Struct layouts match the C ABI of x86-64: padding is explicit, as
 *   pad fields (SYZ_T_CONST with is_pad, value 0) inserted where C would
 *   pad, so a struct's bytes are its fields' bytes in order (syzkaller
 *   does the same). Bitfields sharing one storage unit are consecutive
 *   fields: all but the last have bitfield_middle set and size 0, the last
 *   has the unit's size; serialise by OR-ing each value, shifted by
 *   bitfield_off, into the current unit.
 */
#ifndef DRMFUZZ_SYZLANG_TARGET_H
#define DRMFUZZ_SYZLANG_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum syz_dir {
	SYZ_DIR_IN,
	SYZ_DIR_OUT,
	SYZ_DIR_INOUT,
};

enum syz_type_kind {
	SYZ_T_INT, /* intN, intptr, intN[range], intN[flags/value] sugar */
	SYZ_T_CONST, /* const[V, intN]; also padding (is_pad) */
	SYZ_T_FLAGS, /* flags[name, intN] */
	SYZ_T_LEN, /* len, bytesize, bytesizeN, bitsize, offsetof */
	SYZ_T_PROC, /* proc[start, per_proc, intN] */
	SYZ_T_CSUM, /* csum[path, inet|pseudo, proto, intN] */
	SYZ_T_VMA, /* vma, vma64 */
	SYZ_T_RESOURCE, /* a resource used as a value */
	SYZ_T_PTR, /* ptr, ptr64 */
	SYZ_T_BUFFER, /* array[int8], string*, filename, glob, text, ... */
	SYZ_T_ARRAY, /* array[T, range] */
	SYZ_T_STRUCT,
	SYZ_T_UNION,
	SYZ_T_VOID, /* void: size 0 */
};

/* How an integer is written to memory (syzkaller's BinaryFormat). */
enum syz_int_format {
	SYZ_FMT_NATIVE, /* little-endian */
	SYZ_FMT_BIG_ENDIAN, /* intNbe */
	SYZ_FMT_STR_DEC, /* fmt[dec, X]: "%020llu", 20 bytes */
	SYZ_FMT_STR_HEX, /* fmt[hex, X]: "0x%016llx", 18 bytes */
	SYZ_FMT_STR_OCT, /* fmt[oct, X]: "%023llo", 23 bytes */
};

enum syz_buffer_kind {
	SYZ_BUF_BLOB_RAND, /* array[int8] / buffer: random length */
	SYZ_BUF_BLOB_RANGE, /* array[int8, a:b] or fixed array[int8, N] */
	SYZ_BUF_STRING, /* string/stringnoz, values[] if given */
	SYZ_BUF_FILENAME, /* string[filename], filename */
	SYZ_BUF_GLOB, /* glob["pattern"]: values[0] is the pattern */
	SYZ_BUF_TEXT, /* text[kind] */
	SYZ_BUF_COMPRESSED, /* compressed_image */
};

enum syz_text_kind {
	SYZ_TEXT_X86_REAL,
	SYZ_TEXT_X86_16,
	SYZ_TEXT_X86_32,
	SYZ_TEXT_X86_64,
	SYZ_TEXT_ARM64,
	SYZ_TEXT_PPC64,
	SYZ_TEXT_RISCV64,
};

enum syz_csum_kind {
	SYZ_CSUM_INET,
	SYZ_CSUM_PSEUDO,
};

/* Condition expressions of conditional fields: if[...]. */
enum syz_expr_op {
	SYZ_EXPR_VALUE, /* value[path]: path/n_path */
	SYZ_EXPR_CONST, /* a literal or resolved const: value */
	SYZ_EXPR_EQ,
	SYZ_EXPR_NE,
	SYZ_EXPR_AND, /* bitwise & */
	SYZ_EXPR_OR, /* logical || */
};

/* Where a path was written (for diagnostics); file outlives the target. */
struct syz_srcpos {
	const char *file;
	int line, col;
};

struct syz_expr {
	enum syz_expr_op op;
	uint64_t value;
	const char *const *path; /* for SYZ_EXPR_VALUE, as in len paths */
	size_t n_path;
	struct syz_srcpos path_pos;
	const struct syz_expr *left, *right; /* binary ops */
};

struct syz_type;
struct syz_call;

/* Facts shared by all integer-like kinds (INT, CONST, FLAGS, LEN, PROC,
 * CSUM, RESOURCE). */
struct syz_int_common {
	enum syz_int_format format;
	uint64_t bitfield_len; /* 0: not a bitfield */
	uint64_t bitfield_off; /* bit offset inside the storage unit */
	uint64_t bitfield_unit; /* bytes of the storage unit (bitfields) */
	bool bitfield_middle; /* not the last of its unit: size is 0 */
};

struct syz_resource {
	const char *name;
	/* Kind chain from the root to this resource: {"fd", "fd_dri"}. */
	const char *const *kind;
	size_t n_kind;
	/* Special values (at least one: 0 when none were given). */
	const uint64_t *values;
	size_t n_values;
	uint64_t base_size; /* bytes of the underlying int: 1, 2, 4 or 8 */
	const struct syz_resource *parent; /* NULL for a root */
	/* Calls (usable or not) whose output can stand for this resource,
	 * by syzkaller's rule: precise when the output is this kind or a
	 * more specific one (fd_dri for fd); imprecise when it is a less
	 * specific one (fd for fd_dri). Each call at most once. */
	const struct syz_resource_ctor *ctors;
	size_t n_ctors;
	/* Calls that take it (or need it) as input. */
	const struct syz_call *const *consumers;
	size_t n_consumers;
	const char *file;
	int line;
};

struct syz_resource_ctor {
	const struct syz_call *call;
	bool precise;
};

struct syz_field {
	const char *name; /* "" for pad fields */
	const struct syz_type *type;
	bool has_dir; /* (in)/(out)/(inout) attribute present */
	enum syz_dir dir;
	/* Byte offset in the struct, or SYZ_OFFSET_VARLEN when a field
	 * before it is varlen (unions: always 0). */
	uint64_t offset;
	const struct syz_expr *cond; /* if[...]; NULL when unconditional */
};

#define SYZ_OFFSET_VARLEN UINT64_MAX

struct syz_type {
	enum syz_type_kind kind;
	/* Type name as written, resolved: "int32", "fd_dri", "drm_version",
	 * "nlattr[FOO, int32]". */
	const char *name;
	uint64_t size; /* static size in bytes; 0 when varlen */
	uint64_t align; /* natural alignment in bytes (>= 1) */
	bool varlen;
	bool optional; /* [opt]: may be 0/NULL/absent */
	struct syz_int_common i; /* integer-like kinds only */
	union {
		struct {
			bool is_range;
			uint64_t range_begin, range_end; /* inclusive */
			uint64_t align; /* step of values; 0 or 1: any */
			bool fileoff;
		} int_;
		struct {
			uint64_t value;
			bool is_pad;
		} const_;
		struct {
			const char *flags_name;
			const uint64_t *values;
			size_t n_values;
			bool bitmask; /* all values are disjoint bits */
		} flags;
		struct {
			/* Path components: "parent", a struct name, "syscall",
			 * or field names; e.g. {"syscall", "buf"}. */
			const char *const *path;
			size_t n_path;
			uint64_t bit_size; /* len: 0 (elements), bytesize: 8,
					    * bytesizeN: 8*N, bitsize: 1 */
			bool offsetof;
			struct syz_srcpos path_pos;
		} len;
		struct {
			uint64_t start, per_proc;
		} proc;
		struct {
			enum syz_csum_kind kind;
			const char *const *path; /* the summed buffer */
			size_t n_path;
			uint64_t protocol; /* pseudo */
			struct syz_srcpos path_pos;
		} csum;
		struct {
			uint64_t range_begin, range_end; /* pages; 0,0: any */
		} vma;
		struct {
			const struct syz_resource *desc;
		} res;
		struct {
			const struct syz_type *elem;
			enum syz_dir elem_dir;
			bool ptr64; /* else intptr-sized; same on amd64 */
		} ptr;
		struct {
			enum syz_buffer_kind kind;
			uint64_t range_begin, range_end; /* BLOB_RANGE */
			enum syz_text_kind text;
			const char *sub_kind; /* string flags name, if any */
			const char *const *values; /* STRING/FILENAME/GLOB */
			const size_t *value_lens; /* values may hold NULs */
			size_t n_values;
			bool noz; /* stringnoz / not zero-terminated */
		} buf;
		struct {
			const struct syz_type *elem;
			bool is_range;
			uint64_t range_begin, range_end; /* elements */
		} array;
		struct {
			const struct syz_field *fields;
			size_t n_fields;
			bool packed;
			uint64_t align_attr; /* align[N]; 0 if none */
			uint64_t size_attr; /* size[N]; 0 if none */
			/* Index of the (out_overlay) field, or -1. */
			int overlay_field;
			/* union: all options always fit in size; a varlen union
			 * takes the chosen option's size. */
			const char *file;
			int line;
		} st; /* SYZ_T_STRUCT and SYZ_T_UNION */
	};
};

struct syz_call_attrs {
	bool disabled;
	uint64_t timeout; /* ms */
	uint64_t prog_timeout; /* ms */
	bool ignore_return;
	bool breaks_returns;
	bool no_generate;
	bool no_minimize;
	bool no_squash;
	bool remote_cover;
	bool kfuzz_test;
	bool snapshot;
	bool automatic; /* automatic / automatic_helper */
	const char *fsck; /* fsck["cmd"]; NULL if none */
};

struct syz_call {
	int id; /* index in target->calls */
	const char *name; /* "ioctl$DRM_IOCTL_VERSION" */
	const char *call_name; /* "ioctl" */
	uint64_t nr; /* __NR_<call_name> for amd64; 0 for pseudo calls */
	bool pseudo; /* syz_*: implemented by the executor, nr unused */
	const struct syz_field *args;
	size_t n_args;
	const struct syz_type *ret; /* a resource type, or NULL */
	struct syz_call_attrs attrs;
	/* Resources the call needs as input / can produce (each once). */
	const struct syz_resource *const *inputs;
	size_t n_inputs;
	const struct syz_resource *const *outputs;
	size_t n_outputs;
	/* Some struct or union reachable from the args has if[...] /
	 * a csum[...] field. */
	bool has_conds;
	bool has_csums;
	/* NULL if usable; else why it can never be enabled, e.g. "missing
	 * consts for amd64: X, Y" or "marked disabled in descriptions". */
	const char *disabled_reason;
	const char *file;
	int line;
};

struct syz_const {
	const char *name;
	uint64_t value;
};

struct syz_target {
	const char *os; /* "linux" */
	const char *arch; /* "amd64" */
	uint64_t ptr_size; /* 8 */
	uint64_t page_size; /* 4096 */
	const struct syz_call *const
		*calls; /* sorted by name; calls[i]->id == i */
	size_t n_calls;
	const struct syz_resource *const *resources; /* sorted by name */
	size_t n_resources;
	/* Every struct and union (incl. template instances), sorted by name. */
	const struct syz_type *const *structs;
	size_t n_structs;
	const struct syz_const *consts; /* used consts for amd64, by name */
	size_t n_consts;
	void *priv; /* loader internals (arena, indexes) */
};

/* ---- Loading ---- */

/* One in-memory description file (tests, fuzzing). */
struct syz_source {
	const char *name; /* shown in messages, e.g. "test.txt" */
	const char *text;
	const char *consts; /* its .const contents, or NULL */
};

struct syz_load_opts {
	/* Directories of *.txt (+ *.txt.const or *_amd64.const). */
	const char *const *desc_dirs;
	size_t n_desc_dirs;
	/* A syzkaller checkout: <syzkaller>/sys/linux is loaded; or NULL. */
	const char *syzkaller;
	const struct syz_source *sources;
	size_t n_sources;
	/* Only "amd64" (the default when NULL) is supported. */
	const char *arch;
};

struct syz_diag {
	char *file;
	int line, col; /* 1-based; 0 when not about a position */
	bool warning;
	char *msg;
};

/* Diagnostics collected by the loader; zero-initialise, then
 * syz_diags_free(). Errors are formatted "file:line:col: msg". */
struct syz_diags {
	struct syz_diag *v;
	size_t n;
	size_t cap;
	size_t n_errors;
};

/*
 * Parse and compile every source into *out (free with syz_target_free).
 * Problems go to @diags (or, when NULL, to the log); any error makes the
 * load fail with -EINVAL and *out NULL. Returns 0, -EINVAL, -ENOMEM or
 * -errno of a file that could not be read.
 */
int syz_target_load(const struct syz_load_opts *opts, struct syz_target **out,
		    struct syz_diags *diags);
void syz_target_free(struct syz_target *t);

void syz_diags_free(struct syz_diags *d);
/* "file:line:col: msg" (or "file: msg") into @buf; returns @buf. */
const char *syz_diag_format(const struct syz_diag *d, char *buf, size_t len);

/* Lookups (binary search); NULL / -ENOENT when absent. */
const struct syz_call *syz_target_call(const struct syz_target *t,
				       const char *name);
const struct syz_resource *syz_target_resource(const struct syz_target *t,
					       const char *name);
const struct syz_type *syz_target_struct(const struct syz_target *t,
					 const char *name);
int syz_target_const(const struct syz_target *t, const char *name,
		     uint64_t *value);

/* True if a value of resource @src may be used where @dst is expected
 * (src's kind chain starts with dst's: fd_dri is usable as fd). */
bool syz_resource_compatible(const struct syz_resource *dst,
			     const struct syz_resource *src);

/* A field's effective direction given the direction it inherits. */
static inline enum syz_dir syz_field_dir(const struct syz_field *f,
					 enum syz_dir inherited)
{
	return f->has_dir ? f->dir : inherited;
}

#endif
