/*
 * Struct layouts proven against the C compiler: for every struct/union of
 * the DRM descriptions (syzkaller's dev_dri.txt, and drmfuzz's own
 * descriptions/ when present) that names a C struct of the kernel's UAPI
 * DRM headers, generate _Static_assert()s of sizeof and of offsetof for
 * each field the C struct also has, and compile them with gcc.
 * argv[1]: the shared dir; argv[2]: the kernel source tree.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "syzlang/target.h"
#include "util/buf.h"
#include "util/datadir.h"
#include "util/fileio.h"
#include "util/spawn.h"

static const char *shared_dir, *ksrc;

/* UAPI headers, as "dir/file" under include/uapi. */
static const char *const headers[] = {
	"drm/drm.h",	     "drm/drm_mode.h",	"drm/vgem_drm.h",
	"drm/virtgpu_drm.h", "linux/dma-buf.h", "linux/sync_file.h",
	"linux/dma-heap.h",  "linux/udmabuf.h",
};

static const char *c_body(const char *text, const char *kw, const char *name,
			  size_t *len);

/*
 * The C name of a description struct: the "$variant" suffix is stripped;
 * drmfuzz's own "drmf_X" names C's "drm_X" or else "X" (drmf_version is
 * struct drm_version, drmf_dma_buf_sync is struct dma_buf_sync).
 */
static const char *c_name(const char *text, const char *kw, const char *name,
			  char *out, size_t cap, size_t *blen,
			  const char **body)
{
	char base[256];
	char *dollar;

	snprintf(base, sizeof(base), "%s", name);
	dollar = strchr(base, '$');
	if (dollar)
		*dollar = 0;
	if (strncmp(base, "drmf_", 5)) {
		snprintf(out, cap, "%s", base);
	} else {
		snprintf(out, cap, "drm_%s", base + 5);
		*body = c_body(text, kw, out, blen);
		if (*body)
			return out;
		snprintf(out, cap, "%s", base + 5);
	}
	*body = c_body(text, kw, out, blen);
	return out;
}

/* The body of "struct NAME {...};" / "union NAME {...};" in @text. */
static const char *c_body(const char *text, const char *kw, const char *name,
			  size_t *len)
{
	char pat[300];
	snprintf(pat, sizeof(pat), "%s %s {", kw, name);
	const char *p = strstr(text, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	int depth = 1;
	const char *q = p;
	for (; *q && depth; q++) {
		if (*q == '{')
			depth++;
		else if (*q == '}')
			depth--;
	}
	*len = (size_t)(q - p);
	return p;
}

/* Does @body0 declare a member @field (a whole word before ; [ or :,
 * outside comments)? */
static bool has_member(const char *body0, size_t len0, const char *field)
{
	size_t fl = strlen(field), len = 0;
	char *body = malloc(len0 + 1);
	bool found = false;

	assert_non_null(body);
	for (size_t i = 0; i < len0; i++) {
		if (body0[i] == '/' && i + 1 < len0 && body0[i + 1] == '*') {
			const char *e = strstr(body0 + i + 2, "*/");
			i = e ? (size_t)(e - body0) + 1 : len0;
			continue;
		}
		if (body0[i] == '/' && i + 1 < len0 && body0[i + 1] == '/') {
			while (i < len0 && body0[i] != '\n')
				i++;
			continue;
		}
		body[len++] = body0[i];
	}
	body[len] = 0;
	for (const char *p = body; p + fl <= body + len; p++) {
		if (memcmp(p, field, fl))
			continue;
		char b = p > body ? p[-1] : ' ';
		char a = p[fl];
		if ((b == ' ' || b == '\t' || b == '*') &&
		    (a == ';' || a == '[' || a == ':' || a == ' ')) {
			found = true;
			break;
		}
	}
	free(body);
	return found;
}

static bool is_drm_file(const char *file, const char *own)
{
	if (own && !strncmp(file, own, strlen(own)))
		return true;
	const char *b = strrchr(file, '/');
	return b && !strcmp(b + 1, "dev_dri.txt");
}

static void test_drm_layouts(void **state)
{
	(void)state;
	char *sk = NULL, *own = datadir_path("descriptions");
	assert_true(asprintf(&sk, "%s/syzkaller", shared_dir) > 0);
	const char *dirs[1] = { own };
	struct syz_load_opts o = { .syzkaller = sk,
				   .desc_dirs = dirs,
				   .n_desc_dirs = own ? 1 : 0 };
	struct syz_diags d = { 0 };
	struct syz_target *t = NULL;
	char b[1200];
	int r = syz_target_load(&o, &t, &d);
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].warning)
			print_error("%s\n",
				    syz_diag_format(&d.v[i], b, sizeof(b)));
	assert_int_equal(r, 0);

	/* all header text, to see which C structs exist */
	struct buf all = { 0 }, src = { 0 };
	for (size_t i = 0; i < sizeof(headers) / sizeof(*headers); i++) {
		char *path = NULL, *data = NULL;
		size_t len;
		assert_true(asprintf(&path, "%s/include/uapi/%s", ksrc,
				     headers[i]) > 0);
		assert_int_equal(file_read_all(path, 0, &data, &len), 0);
		buf_append(&all, data, len);
		buf_printf(&src, "#include <%s>\n", headers[i]);
		free(data);
		free(path);
	}
	buf_puts(&src, "#include <stddef.h>\n#define CHECK(e) "
		       "_Static_assert(e, #e)\n");
	size_t n_structs = 0, n_fields = 0, n_own = 0;
	for (size_t i = 0; i < t->n_structs; i++) {
		const struct syz_type *s = t->structs[i];
		if (!is_drm_file(s->st.file, own) || s->varlen ||
		    strchr(s->name, '['))
			continue;
		char cname[256];
		const char *kw = s->kind == SYZ_T_UNION ? "union" : "struct";
		size_t blen;
		const char *body = NULL;
		c_name(all.data, kw, s->name, cname, sizeof(cname), &blen,
		       &body);
		if (!body)
			continue;
		n_structs++;
		if (!strncmp(s->name, "drmf_", 5))
			n_own++;
		buf_printf(&src, "CHECK(sizeof(%s %s) == %llu); /* %s */\n", kw,
			   cname, (unsigned long long)s->size, s->name);
		for (size_t k = 0; k < s->st.n_fields; k++) {
			const struct syz_field *f = &s->st.fields[k];
			if (!f->name[0] || f->type->i.bitfield_len ||
			    s->kind == SYZ_T_UNION ||
			    !has_member(body, blen, f->name))
				continue;
			n_fields++;
			buf_printf(&src,
				   "CHECK(offsetof(%s %s, %s) == %llu);\n", kw,
				   cname, f->name,
				   (unsigned long long)f->offset);
		}
	}
	print_message(
		"checking %zu structs (%zu of drmfuzz's own), %zu field offsets\n",
		n_structs, n_own, n_fields);
	assert_true(n_structs > 50);
	if (own)
		assert_true(n_own > 40);

	char dir[] = "/tmp/drmfuzz-layout-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *cfile = path_join(dir, "layout.c");
	char *inc = path_join(dir, "drm");
	char *kdrm = NULL;
	assert_true(asprintf(&kdrm, "%s/include/uapi/drm", ksrc) > 0);
	assert_int_equal(symlink(kdrm, inc), 0);
	assert_int_equal(file_write_atomic(cfile, src.data, src.len), 0);
	char *idir = NULL;
	assert_true(asprintf(&idir, "-I%s", dir) > 0);
	char *argv[] = { "gcc",	       "-fsyntax-only",
			 "-std=gnu11", "-D__user=",
			 "-D__force=", idir,
			 cfile,	       NULL };
	char *out = NULL;
	int code = -1;
	assert_int_equal(spawn_capture(argv, 120000, &out, &code), 0);
	if (code)
		print_error("%s\n", out);
	assert_int_equal(code, 0);
	free(out);
	unlink(cfile);
	unlink(inc);
	rmdir(dir);
	free(idir);
	free(kdrm);
	free(inc);
	free(cfile);
	buf_free(&all);
	buf_free(&src);
	syz_target_free(t);
	syz_diags_free(&d);
	free(sk);
	free(own);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drm_layouts),
	};
	char *found = NULL;

	if (argc < 2) {
		fprintf(stderr, "usage: %s SHARED_DIR [KERNEL_SRC]\n", argv[0]);
		return 2;
	}
	shared_dir = argv[1];
	ksrc = argc > 2 && argv[2][0] ? argv[2] : getenv("DRMFUZZ_KERNEL_SRC");
	if (!ksrc) {
		/* Debian's linux-source unpacked by `drmfuzz kernel build` */
		char *cache = path_cache_dir();
		char *cmd = NULL;
		if (cache && asprintf(&cmd,
				      "ls -d %s/src/linux-source-*/ "
				      "2>/dev/null | head -1",
				      cache) > 0) {
			FILE *f = popen(cmd, "r");
			char line[4096];
			if (f && fgets(line, sizeof(line), f)) {
				size_t l = strcspn(line, "\n");
				while (l > 1 && line[l - 1] == '/')
					l--;
				line[l] = 0;
				found = strdup(line);
			}
			if (f)
				pclose(f);
		}
		free(cmd);
		free(cache);
		ksrc = found;
	}
	if (!ksrc) {
		fprintf(stderr, "no kernel source tree: run `drmfuzz kernel "
				"build` or set DRMFUZZ_KERNEL_SRC\n");
		return 1;
	}
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	free(found);
	return r;
}
