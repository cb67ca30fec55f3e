/* Constant extraction for syzlang descriptions (see consts.h). */
#include "consts/consts.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/spawn.h"

#define COMPILE_TIMEOUT_MS (120 * 1000)
#define HEADERS_TIMEOUT_MS (10 * 60 * 1000)
#define MAX_COMPILE_ROUNDS 8

typedef VEC(char *) strvec;

static int strvec_add(strvec *v, const char *s, size_t len)
{
	char *c = strndup(s, len);

	if (!c || vec_push(v, c)) {
		free(c);
		return -ENOMEM;
	}
	return 0;
}

static void strvec_free(strvec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	vec_free(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates. */
static void strvec_uniq(strvec *v)
{
	size_t j = 0;

	if (!v->n)
		return;
	qsort(v->v, v->n, sizeof(char *), cmp_str);
	for (size_t i = 1; i < v->n; i++) {
		if (!strcmp(v->v[i], v->v[j]))
			free(v->v[i]);
		else
			v->v[++j] = v->v[i];
	}
	v->n = j + 1;
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* `include <x>` / `define NAME value`: @p points after the keyword. */
static int scan_directive(const char *kw, const char *p, const char *end,
			  const char *path, int line, int col, strvec *inc,
			  strvec *dn, strvec *dv)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (!strcmp(kw, "include")) {
		const char *close = memchr(p, '>', (size_t)(end - p));

		if (p >= end || *p != '<' || !close || close == p + 1) {
			log_err("%s:%d:%d: expected `include <header.h>`", path,
				line, col);
			return -EINVAL;
		}
		return strvec_add(inc, p + 1, (size_t)(close - p - 1));
	}
	const char *n = p;

	while (p < end && is_ident((unsigned char)*p))
		p++;
	if (p == n || isdigit((unsigned char)*n)) {
		log_err("%s:%d:%d: expected `define NAME value`", path, line,
			col);
		return -EINVAL;
	}
	const char *v = p;
	const char *ve = end;

	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	for (const char *h = v; h < ve; h++) {
		if (*h == '#') { /* trailing comment */
			ve = h;
			break;
		}
	}
	while (ve > v && isspace((unsigned char)ve[-1]))
		ve--;
	if (v == ve) {
		log_err("%s:%d:%d: `define %.*s` has no value", path, line, col,
			(int)(p - n), n);
		return -EINVAL;
	}
	if (strvec_add(dn, n, (size_t)(p - n)) ||
	    strvec_add(dv, v, (size_t)(ve - v)))
		return -ENOMEM;
	return 0;
}

/* Identifiers on one line that may name constants. */
static int scan_tokens(const char *p, const char *end, strvec *ids)
{
	while (p < end) {
		char c = *p;

		if (c == '#')
			break;
		if (c == '"' || c == '`' || c == '\'') {
			const char *q = memchr(p + 1, c, (size_t)(end - p - 1));

			p = q ? q + 1 : end;
			continue;
		}
		if (!is_ident((unsigned char)c) && c != '$') {
			p++;
			continue;
		}
		const char *s = p;
		bool dollar = false;

		while (p < end && (is_ident((unsigned char)*p) || *p == '$')) {
			dollar |= *p == '$';
			p++;
		}
		if (!dollar && (isupper((unsigned char)*s) || *s == '_') &&
		    strvec_add(ids, s, (size_t)(p - s)))
			return -ENOMEM;
	}
	return 0;
}

int consts_scan(const char *text, const char *path, struct consts_req *req)
{
	strvec inc = { 0 }, dn = { 0 }, dv = { 0 }, ids = { 0 };
	int line = 0, err = 0;

	memset(req, 0, sizeof(*req));
	for (const char *l = text; *l && !err; line++) {
		const char *end = strchr(l, '\n');
		const char *next;

		if (!end)
			end = l + strlen(l);
		next = *end ? end + 1 : end;

		const char *p = l;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *w = p;

		while (p < end && is_ident((unsigned char)*p))
			p++;
		size_t wl = (size_t)(p - w);

		if ((wl == 7 && !strncmp(w, "include", 7)) ||
		    (wl == 6 && !strncmp(w, "define", 6))) {
			char kw[8];

			memcpy(kw, w, wl);
			kw[wl] = 0;
			err = scan_directive(kw, p, end, path, line + 1,
					     (int)(w - l) + 1, &inc, &dn, &dv);
		} else if ((wl == 6 && !strncmp(w, "incdir", 6)) ||
			   (wl == 4 && !strncmp(w, "meta", 4))) {
			/* nothing to extract */
		} else {
			/* A call at column 0: name[$variant](...) */
			if (w == l && wl && islower((unsigned char)*w)) {
				const char *q = p;

				if (q < end && *q == '$')
					while (q < end &&
					       (is_ident((unsigned char)*q) ||
						*q == '$'))
						q++;
				if (q < end && *q == '(') {
					char nr[128];

					snprintf(nr, sizeof(nr), "__NR_%.*s",
						 (int)wl, w);
					err = strvec_add(&ids, nr, strlen(nr));
				}
			}
			if (!err)
				err = scan_tokens(l, end, &ids);
		}
		l = next;
	}
	if (err) {
		strvec_free(&inc);
		strvec_free(&dn);
		strvec_free(&dv);
		strvec_free(&ids);
		return err;
	}
	strvec_uniq(&ids);
	req->includes = inc.v;
	req->n_includes = inc.n;
	req->def_names = dn.v;
	req->def_values = dv.v;
	req->n_defs = dn.n;
	req->idents = ids.v;
	req->n_idents = ids.n;
	return 0;
}

void consts_req_free(struct consts_req *req)
{
	if (!req)
		return;
	for (size_t i = 0; i < req->n_includes; i++)
		free(req->includes[i]);
	for (size_t i = 0; i < req->n_defs; i++) {
		free(req->def_names[i]);
		free(req->def_values[i]);
	}
	for (size_t i = 0; i < req->n_idents; i++)
		free(req->idents[i]);
	free(req->includes);
	free(req->def_names);
	free(req->def_values);
	free(req->idents);
	memset(req, 0, sizeof(*req));
}

void consts_values_free(struct consts_value *vals, size_t n)
{
	if (!vals)
		return;
	for (size_t i = 0; i < n; i++)
		free(vals[i].name);
	free(vals);
}

/*
 * The generated program prints one value per line; idents[i] sits alone
 * on line *first + i so compiler errors map back to it.
 */
static int gen_program(const struct consts_req *req, char *const *idents,
		       const bool *keep, size_t n, struct buf *c, int *first)
{
	int line = 1, err = 0;

	buf_reset(c);
	err |= buf_puts(c, "#include <stdio.h>\n#include <asm/unistd.h>\n");
	line += 2;
	for (size_t i = 0; i < req->n_includes; i++, line++)
		err |= buf_printf(c, "#include <%s>\n", req->includes[i]);
	for (size_t i = 0; i < req->n_defs; i++, line++)
		err |= buf_printf(c, "#define %s %s\n", req->def_names[i],
				  req->def_values[i]);
	err |= buf_puts(c, "static const unsigned long long drmf_v[] = {\n");
	line++;
	*first = line;
	for (size_t i = 0; i < n; i++)
		err |= buf_printf(c, "(unsigned long long)(%s),\n",
				  keep[i] ? idents[i] : "0");
	err |= buf_puts(
		c,
		"0 };\nint main(void)\n{\n"
		"\tfor (unsigned i = 0; i + 1 < sizeof(drmf_v) / sizeof(drmf_v[0]); i++)\n"
		"\t\tprintf(\"%llu\\n\", drmf_v[i]);\n\treturn 0;\n}\n");
	return err ? -ENOMEM : 0;
}

/*
 * Mark the idents on lines with errors: 1 if any, 0 if none matched, -1
 * when one is a `define` of the file (its value is broken: not droppable).
 */
static int drop_failed(const struct consts_req *req, const char *out,
		       const char *src, int first, bool *keep, size_t n)
{
	size_t sl = strlen(src);
	int dropped = 0;

	for (const char *p = out; (p = strstr(p, src)); p += sl) {
		int ln = 0;

		if (p[sl] != ':' || sscanf(p + sl + 1, "%d", &ln) != 1)
			continue;
		const char *eol = strchr(p, '\n');
		const char *e = strstr(p, ": error:");

		if (!e || (eol && e > eol))
			continue;
		if (ln >= first && (size_t)(ln - first) < n &&
		    keep[ln - first]) {
			for (size_t d = 0; d < req->n_defs; d++)
				if (!strcmp(req->def_names[d],
					    req->idents[ln - first]))
					return -1;
			keep[ln - first] = false;
			dropped = 1;
		}
	}
	return dropped;
}

static int missing_header(const char *out, const char *incdir)
{
	const char *f = strstr(out, "fatal error: ");

	if (!f)
		return 0;
	const char *e = strchr(f, '\n');

	log_err("consts: %.*s (headers from %s); pass --src KERNEL_TREE, or "
		"--headers DIR with a kernel's installed UAPI headers",
		e ? (int)(e - f) : (int)strlen(f), f, incdir);
	return 1;
}

int consts_extract(const struct consts_req *req, const char *incdir,
		   struct consts_value **vals, size_t *n, struct buf *dropped)
{
	char dir[] = "/tmp/drmfuzz-consts-XXXXXX";
	struct buf c = { 0 };
	char *src = NULL, *exe = NULL, *out = NULL, *inc = NULL;
	bool *keep = NULL;
	struct consts_value *res = NULL;
	size_t nres = 0, ni = req->n_idents;
	int err, first = 0, code = 0;

	*vals = NULL;
	*n = 0;
	if (!mkdtemp(dir))
		return -errno;
	src = path_join(dir, "gen.c");
	exe = path_join(dir, "gen");
	keep = malloc((ni ? ni : 1) * sizeof(*keep));
	if (asprintf(&inc, "-I%s", incdir) < 0)
		inc = NULL;
	if (!src || !exe || !keep || !inc) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ni; i++)
		keep[i] = true;

	for (int round = 0;; round++) {
		char *argv[] = { "cc", "-w", "-o", exe, inc, src, NULL };

		err = gen_program(req, req->idents, keep, ni, &c, &first);
		if (!err)
			err = file_write_atomic(src, c.data, c.len);
		if (err)
			goto out;
		free(out);
		out = NULL;
		err = spawn_capture(argv, COMPILE_TIMEOUT_MS, &out, &code);
		if (err) {
			log_err("consts: cannot run cc: %s", strerror(-err));
			goto out;
		}
		if (!code)
			break;
		if (missing_header(out, incdir)) {
			err = -ENOENT;
			goto out;
		}
		if (round == MAX_COMPILE_ROUNDS ||
		    drop_failed(req, out, src, first, keep, ni) <= 0) {
			log_err("consts: the generated program does not "
				"compile (check the `define` lines):\n%s",
				out);
			err = -EINVAL;
			goto out;
		}
	}

	char *argv[] = { exe, NULL };

	free(out);
	out = NULL;
	err = spawn_capture(argv, COMPILE_TIMEOUT_MS, &out, &code);
	if (!err && code)
		err = -EIO;
	if (err) {
		log_err("consts: the generated program failed");
		goto out;
	}
	res = calloc(ni ? ni : 1, sizeof(*res));
	if (!res) {
		err = -ENOMEM;
		goto out;
	}
	const char *p = out;

	for (size_t i = 0; i < ni; i++) {
		char *e;
		unsigned long long v = strtoull(p, &e, 10);

		if (e == p || *e != '\n') {
			log_err("consts: unexpected output from the program");
			err = -EIO;
			goto out;
		}
		p = e + 1;
		if (!keep[i]) {
			if (dropped)
				buf_printf(dropped, "%s\n", req->idents[i]);
			continue;
		}
		res[nres].name = strdup(req->idents[i]);
		if (!res[nres].name) {
			err = -ENOMEM;
			goto out;
		}
		res[nres++].value = v;
	}
	*vals = res;
	*n = nres;
	res = NULL;
out:
	consts_values_free(res, nres);
	if (src)
		unlink(src);
	if (exe)
		unlink(exe);
	rmdir(dir);
	buf_free(&c);
	free(src);
	free(exe);
	free(out);
	free(inc);
	free(keep);
	return err;
}

char *consts_format(const struct consts_value *vals, size_t n)
{
	struct buf b = { 0 };
	int err = buf_puts(&b, "# Code generated by `drmfuzz consts`. "
			       "DO NOT EDIT.\narches = amd64\n");

	for (size_t i = 0; i < n && !err; i++)
		err = buf_printf(&b, "%s = %" PRIu64 "\n", vals[i].name,
				 vals[i].value);
	if (err) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int consts_headers_install(const char *src, const char *dest)
{
	char *obj = NULL, *hdr = NULL, *out = NULL;
	int err, code = 0;

	if (asprintf(&obj, "O=%s/build", dest) < 0)
		obj = NULL;
	if (asprintf(&hdr, "INSTALL_HDR_PATH=%s", dest) < 0)
		hdr = NULL;
	if (!obj || !hdr) {
		err = -ENOMEM;
		goto out;
	}
	char *argv[] = { "make",     "-s", "-C", (char *)src,
			 "ARCH=x86", obj,  hdr,	 "headers_install",
			 NULL };

	err = spawn_capture(argv, HEADERS_TIMEOUT_MS, &out, &code);
	if (err) {
		log_err("consts: cannot run make: %s", strerror(-err));
		goto out;
	}
	if (code) {
		log_err("consts: make headers_install in %s failed:\n%s", src,
			out ? out : "");
		err = -EIO;
	}
out:
	free(obj);
	free(hdr);
	free(out);
	return err;
}
