/*
 * Symbolization of kernel stack frames with elfutils libdw (offline
 * Dwfl over vmlinux and module .ko files): symbol table lookups by name,
 * line tables and inline scope chains by address, cached per address.
 */
#include "symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <ftw.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/hash.h"

#define MAX_MODULES 64
#define MAX_CHAIN 16

struct sym {
	const char *name; /* in libelf's string table */
	uint64_t addr, size;
};

struct symtab {
	struct sym *v; /* open addressing by name hash */
	size_t cap;
};

struct bin {
	char *name; /* NULL for vmlinux */
	char *path;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	struct symtab syms;
	bool failed;
};

struct cached {
	int bin;
	uint64_t pc;
	struct symbolizer_frame *frames;
	size_t n;
};

struct symbolizer {
	char *src; /* with a trailing '/', or NULL */
	char *objdir; /* the vmlinux's directory, with a trailing '/' */
	struct bin bins[MAX_MODULES + 1];
	int n_bins;
	bool modules_indexed;
	VEC(char *) ko_paths;
	struct cached *cache;
	size_t cache_cap, cache_n;
	VEC(char *) strings; /* owned names and paths handed out */
	struct symbolizer_stats stats;
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static uint64_t name_hash(const char *s)
{
	return hash_xxh64(s, strlen(s), 0);
}

static int symtab_add(struct symtab *t, const char *name, uint64_t addr,
		      uint64_t size, size_t *n)
{
	if ((*n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1 << 16;
		struct sym *v = calloc(cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->v[i].name)
				continue;
			size_t h = name_hash(t->v[i].name) & (cap - 1);
			while (v[h].name)
				h = (h + 1) & (cap - 1);
			v[h] = t->v[i];
		}
		free(t->v);
		t->v = v;
		t->cap = cap;
	}
	size_t h = name_hash(name) & (t->cap - 1);
	while (t->v[h].name)
		h = (h + 1) & (t->cap - 1);
	t->v[h] = (struct sym){ name, addr, size };
	(*n)++;
	return 0;
}

/* The address of @name; among duplicates prefer the one of size @size. */
static bool symtab_find(const struct symtab *t, const char *name, uint64_t size,
			uint64_t *addr)
{
	if (!t->cap)
		return false;
	bool found = false;
	size_t h = name_hash(name) & (t->cap - 1);
	for (; t->v[h].name; h = (h + 1) & (t->cap - 1)) {
		if (strcmp(t->v[h].name, name))
			continue;
		if (!found || t->v[h].size == size)
			*addr = t->v[h].addr;
		found = true;
		if (t->v[h].size == size)
			break;
	}
	return found;
}

static int bin_open(struct bin *b)
{
	b->dwfl = dwfl_begin(&offline_callbacks);
	if (!b->dwfl)
		return -ENOMEM;
	dwfl_report_begin(b->dwfl);
	b->mod = dwfl_report_offline(b->dwfl, b->name ? b->name : "vmlinux",
				     b->path, -1);
	dwfl_report_end(b->dwfl, NULL, NULL);
	if (!b->mod)
		return -EINVAL;
	int n = dwfl_module_getsymtab(b->mod);
	if (n <= 0)
		return -EINVAL;
	size_t count = 0;
	for (int i = 0; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(
			b->mod, i, &sym, &addr, NULL, NULL, NULL);
		if (!name || !*name || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		int err = symtab_add(&b->syms, name, addr, sym.st_size, &count);
		if (err)
			return err;
	}
	return count ? 0 : -EINVAL;
}

static void bin_close(struct bin *b)
{
	if (b->dwfl)
		dwfl_end(b->dwfl);
	free(b->syms.v);
	free(b->name);
	free(b->path);
	memset(b, 0, sizeof(*b));
}

static char *dir_with_slash(const char *path, bool parent)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	if (parent) {
		char *slash = strrchr(real, '/');
		if (slash)
			slash[1] = 0;
		else
			snprintf(real, sizeof(real), "./");
		return strdup(real);
	}
	size_t l = strlen(real);
	char *out = malloc(l + 2);
	if (out)
		snprintf(out, l + 2, "%s%s", real,
			 l && real[l - 1] == '/' ? "" : "/");
	return out;
}

int symbolizer_new(const char *vmlinux, const char *kernel_src,
		   struct symbolizer **out)
{
	*out = NULL;
	if (!path_exists(vmlinux))
		return -ENOENT;
	struct symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int err = -ENOMEM;
	s->objdir = dir_with_slash(vmlinux, true);
	if (kernel_src)
		s->src = dir_with_slash(kernel_src, false);
	s->bins[0].path = strdup(vmlinux);
	s->n_bins = 1;
	if (!s->objdir || (kernel_src && !s->src) || !s->bins[0].path)
		goto fail;
	err = bin_open(&s->bins[0]);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	symbolizer_free(s);
	return err;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_bins; i++)
		bin_close(&s->bins[i]);
	for (size_t i = 0; i < s->cache_cap; i++)
		free(s->cache[i].frames);
	free(s->cache);
	for (size_t i = 0; i < s->strings.n; i++)
		free(s->strings.v[i]);
	vec_free(&s->strings);
	for (size_t i = 0; i < s->ko_paths.n; i++)
		free(s->ko_paths.v[i]);
	vec_free(&s->ko_paths);
	free(s->src);
	free(s->objdir);
	free(s);
}

void symbolizer_get_stats(const struct symbolizer *s,
			  struct symbolizer_stats *st)
{
	*st = s->stats;
}

/* ---- modules ---- */

static __thread struct symbolizer *walk_target;

static int walk_ko(const char *path, const struct stat *st, int type,
		   struct FTW *ftw)
{
	(void)st;
	if (ftw->level > 12)
		return FTW_SKIP_SUBTREE;
	size_t l = strlen(path);
	if (type == FTW_F && l > 3 && !strcmp(path + l - 3, ".ko")) {
		char *d = strdup(path);
		if (d && vec_push(&walk_target->ko_paths, d))
			free(d);
	}
	return FTW_CONTINUE;
}

static bool same_module(const char *a, const char *b, size_t blen)
{
	size_t i = 0;
	for (; a[i] && i < blen; i++) {
		char x = a[i] == '-' ? '_' : a[i];
		char y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return false;
	}
	return !a[i] && i == blen;
}

static int find_bin(struct symbolizer *s, const char *module)
{
	if (!module)
		return 0;
	for (int i = 1; i < s->n_bins; i++)
		if (!strcmp(s->bins[i].name, module))
			return s->bins[i].failed ? -1 : i;
	if (s->n_bins > MAX_MODULES)
		return -1;
	if (!s->modules_indexed) {
		s->modules_indexed = true;
		walk_target = s;
		nftw(s->objdir, walk_ko, 16, FTW_PHYS | FTW_ACTIONRETVAL);
		walk_target = NULL;
	}
	struct bin *b = &s->bins[s->n_bins++];
	b->name = strdup(module);
	for (size_t i = 0; i < s->ko_paths.n && b->name; i++) {
		const char *p = s->ko_paths.v[i];
		const char *base = strrchr(p, '/');
		base = base ? base + 1 : p;
		if (same_module(module, base, strlen(base) - 3)) {
			b->path = strdup(p);
			break;
		}
	}
	if (!b->name || !b->path || bin_open(b)) {
		b->failed = true;
		return -1;
	}
	return s->n_bins - 1;
}

/* ---- address to locations ---- */

static const char *keep(struct symbolizer *s, const char *str)
{
	char *d = strdup(str ? str : "?");
	if (!d || vec_push(&s->strings, d)) {
		free(d);
		return "?";
	}
	return d;
}

/* Lexically normalize an absolute path: "a/./b/../c" -> "a/c". */
static void normalize(char *p)
{
	char *out = p, *seg = p;
	while (*seg) {
		char *end = strchr(seg, '/');
		size_t l = end ? (size_t)(end - seg) : strlen(seg);
		if ((l == 1 && seg[0] == '.') || l == 0) {
			/* skip */
		} else if (l == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && out[-1] != '/')
				out--;
			if (out > p)
				out--;
		} else {
			if (out == p || out[-1] != '/')
				*out++ = '/';
			memmove(out, seg, l);
			out += l;
		}
		seg += l + (end ? 1 : 0);
		if (!end)
			break;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

static const char *clean_path(struct symbolizer *s, const char *file,
			      const char *comp_dir)
{
	if (!file)
		return keep(s, "??");
	char full[PATH_MAX];
	if (file[0] != '/' && comp_dir)
		snprintf(full, sizeof(full), "%s/%s", comp_dir, file);
	else
		snprintf(full, sizeof(full), "%s", file);
	if (full[0] == '/')
		normalize(full);
	const char *p = full;
	size_t l;
	if (s->src && !strncmp(p, s->src, (l = strlen(s->src))))
		p += l;
	else if (!strncmp(p, s->objdir, (l = strlen(s->objdir))))
		p += l;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return keep(s, p);
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	if (dwarf_attr_integrate(die, DW_AT_name, &attr))
		return dwarf_formstring(&attr);
	return NULL;
}

static int resolve(struct symbolizer *s, int bi, uint64_t pc,
		   struct symbolizer_frame **out, size_t *n)
{
	struct bin *b = &s->bins[bi];
	struct symbolizer_frame *fr = calloc(MAX_CHAIN, sizeof(*fr));
	size_t k = 0;
	if (!fr)
		return -ENOMEM;
	Dwfl_Line *line = dwfl_module_getsrc(b->mod, pc);
	const char *file = NULL;
	int lineno = 0;
	if (line)
		file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = dwfl_module_addrdie(b->mod, pc, &bias);
	Dwarf_Die *scopes = NULL;
	int nscopes = cu ? dwarf_getscopes(cu, pc - bias, &scopes) : 0;
	Dwarf_Files *files = NULL;
	const char *comp_dir = NULL;
	if (cu) {
		Dwarf_Attribute cd;
		dwarf_getsrcfiles(cu, &files, NULL);
		if (dwarf_attr(cu, DW_AT_comp_dir, &cd))
			comp_dir = dwarf_formstring(&cd);
	}
	const char *cur_file = file;
	int cur_line = lineno;
	bool done = false;
	for (int i = 0; i < nscopes && k < MAX_CHAIN - 1; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_inlined_subroutine) {
			fr[k++] = (struct symbolizer_frame){
				keep(s, die_name(&scopes[i])),
				clean_path(s, cur_file, comp_dir), cur_line,
				true
			};
			Dwarf_Attribute attr;
			Dwarf_Word v;
			cur_file = NULL;
			cur_line = 0;
			if (dwarf_attr(&scopes[i], DW_AT_call_file, &attr) &&
			    !dwarf_formudata(&attr, &v) && files)
				cur_file = dwarf_filesrc(files, v, NULL, NULL);
			if (dwarf_attr(&scopes[i], DW_AT_call_line, &attr) &&
			    !dwarf_formudata(&attr, &v))
				cur_line = (int)v;
		} else if (tag == DW_TAG_subprogram) {
			fr[k++] = (struct symbolizer_frame){
				keep(s, die_name(&scopes[i])),
				clean_path(s, cur_file, comp_dir), cur_line,
				false
			};
			done = true;
			break;
		}
	}
	free(scopes);
	if (!done) {
		if (!file && !k) {
			free(fr);
			return -ENOENT;
		}
		const char *name = dwfl_module_addrname(b->mod, pc);
		fr[k++] = (struct symbolizer_frame){
			keep(s, name), clean_path(s, cur_file, comp_dir),
			cur_line, false
		};
	}
	*out = fr;
	*n = k;
	return 0;
}

static uint64_t cache_hash(int bi, uint64_t pc)
{
	return (pc * 0x9e3779b97f4a7c15ull) ^ (uint64_t)bi;
}

static int lookup(struct symbolizer *s, int bi, uint64_t pc,
		  const struct symbolizer_frame **frames, size_t *n)
{
	s->stats.lookups++;
	if ((s->cache_n + 1) * 2 > s->cache_cap) {
		size_t cap = s->cache_cap ? s->cache_cap * 2 : 1024;
		struct cached *c = calloc(cap, sizeof(*c));
		if (!c)
			return -ENOMEM;
		for (size_t i = 0; i < s->cache_cap; i++) {
			if (!s->cache[i].frames)
				continue;
			size_t h = cache_hash(s->cache[i].bin, s->cache[i].pc) &
				   (cap - 1);
			while (c[h].frames)
				h = (h + 1) & (cap - 1);
			c[h] = s->cache[i];
		}
		free(s->cache);
		s->cache = c;
		s->cache_cap = cap;
	}
	size_t h = cache_hash(bi, pc) & (s->cache_cap - 1);
	for (; s->cache[h].frames; h = (h + 1) & (s->cache_cap - 1)) {
		if (s->cache[h].bin == bi && s->cache[h].pc == pc) {
			s->stats.cache_hits++;
			if (!s->cache[h].n)
				return -ENOENT;
			*frames = s->cache[h].frames;
			*n = s->cache[h].n;
			return 0;
		}
	}
	struct symbolizer_frame *fr = NULL;
	size_t k = 0;
	int err = resolve(s, bi, pc, &fr, &k);
	if (err == -ENOENT) {
		s->stats.unresolved++;
		fr = calloc(1, sizeof(*fr)); /* remember the miss */
		k = 0;
		if (!fr)
			return -ENOMEM;
	} else if (err) {
		return err;
	}
	s->cache[h] = (struct cached){ bi, pc, fr, k };
	s->cache_n++;
	if (!k)
		return -ENOENT;
	*frames = fr;
	*n = k;
	return 0;
}

int symbolizer_addr(struct symbolizer *s, uint64_t pc,
		    const struct symbolizer_frame **frames, size_t *n)
{
	return lookup(s, 0, pc, frames, n);
}

int symbolizer_func(struct symbolizer *s, const char *module, const char *func,
		    uint64_t off, uint64_t size, bool exact,
		    const struct symbolizer_frame **frames, size_t *n)
{
	int bi = find_bin(s, module);
	uint64_t addr = 0;
	if (bi < 0 || !symtab_find(&s->bins[bi].syms, func, size, &addr))
		return -ENOENT;
	uint64_t pc = addr + off;
	if (!exact && pc > addr)
		pc--;
	return lookup(s, bi, pc, frames, n);
}

/* ---- report text ---- */

struct frame_ref {
	size_t name, name_end; /* "func" */
	size_t size_end; /* end of "+0xoff/0xsize" */
	char func[256];
	char module[64];
	uint64_t off, size;
	bool exact;
};

static bool is_name_char(char c)
{
	return c == '_' || c == '.' || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool parse_hex(const char *l, size_t len, size_t *p, uint64_t *v)
{
	size_t b = *p;
	*v = 0;
	while (*p < len && *p - b < 16) {
		char c = l[*p];
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
					       -1;
		if (d < 0)
			break;
		*v = *v << 4 | (uint64_t)d;
		(*p)++;
	}
	return *p > b;
}

/* Find "func+0xoff/0xsize [module]" in a line, as syzkaller's regexp. */
static bool parse_frame(const char *l, size_t len, struct frame_ref *f)
{
	if (!l || !len)
		return false;
	for (const char *x = l;
	     (x = memmem(x, (size_t)(l + len - x), "+0x", 3)); x++) {
		size_t plus = (size_t)(x - l), b = plus;
		while (b > 0 && is_name_char(l[b - 1]))
			b--;
		if (b == plus || plus - b >= sizeof(f->func))
			continue;
		/* Preceded by blank, '(' or "<blank>NN:". */
		size_t q = b;
		if (q > 0 && l[q - 1] == ':') {
			q--;
			while (q > 0 && l[q - 1] >= '0' && l[q - 1] <= '9')
				q--;
			if (q == b - 1)
				continue;
		}
		if (q > 0 && l[q - 1] == '(')
			q--;
		if (q == 0 || (l[q - 1] != ' ' && l[q - 1] != '\t'))
			continue;
		size_t p = plus + 3;
		if (!parse_hex(l, len, &p, &f->off) || p + 3 > len ||
		    memcmp(l + p, "/0x", 3))
			continue;
		p += 3;
		if (!parse_hex(l, len, &p, &f->size))
			continue;
		f->name = b;
		f->name_end = plus;
		f->size_end = p;
		memcpy(f->func, l + b, plus - b);
		f->func[plus - b] = 0;
		f->module[0] = 0;
		size_t m = p;
		if (m < len && l[m] == ' ')
			m++;
		if (m < len && l[m] == '[') {
			size_t e = m + 1;
			while (e < len && is_name_char(l[e]))
				e++;
			if (e > m + 1 && e < len &&
			    (l[e] == ']' || l[e] == ' ') &&
			    e - m - 1 < sizeof(f->module)) {
				memcpy(f->module, l + m + 1, e - m - 1);
				f->module[e - m - 1] = 0;
			}
		}
		f->exact = memmem(l, b, "IP:", 3) || memmem(l, b, "pc : ", 5) ||
			   memmem(l, b, "PC is at", 8);
		return true;
	}
	return false;
}

static int symbolize_line(struct symbolizer *s, const char *l, size_t len,
			  struct buf *out)
{
	struct frame_ref f;
	const struct symbolizer_frame *fr;
	size_t n;
	if (!parse_frame(l, len, &f) ||
	    symbolizer_func(s, f.module[0] ? f.module : NULL, f.func, f.off,
			    f.size, f.exact, &fr, &n))
		return buf_append(out, l, len);
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		err = buf_append(out, l, fr[i].inlined ? f.name : f.size_end);
		if (fr[i].inlined)
			err = err ?: buf_puts(out, fr[i].func);
		err = err   ?:
			      buf_printf(out, " %s:%d%s", fr[i].file,
					 fr[i].line,
					 fr[i].inlined ? " [inline]" : "");
		err = err ?: buf_append(out, l + f.size_end, len - f.size_end);
		if (i + 1 < n)
			err = err ?: buf_putc(out, '\n');
	}
	return err;
}

int symbolizer_text(struct symbolizer *s, const char *text, size_t len,
		    char **out, size_t *out_len)
{
	struct buf b = { 0 };
	int err = buf_puts(&b, "");
	for (size_t pos = 0; pos < len && !err;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		err = symbolize_line(s, text + pos, end - pos, &b);
		if (nl)
			err = err ?: buf_putc(&b, '\n');
		pos = end + 1;
	}
	if (err) {
		buf_free(&b);
		return err;
	}
	*out_len = b.len;
	*out = buf_detach(&b);
	return 0;
}
