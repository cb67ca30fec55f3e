/*
 * Consts for the syzlang compiler: .const files for amd64 and the
 * resolution of const names used in descriptions.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile_internal.h"

static bool arch_in_list(const char *list, size_t len)
{
	const char *e = list + len;

	for (const char *p = list; p < e;) {
		while (p < e && (*p == ' ' || *p == ',' || *p == ':'))
			p++;
		const char *q = p;
		while (q < e && *q != ' ' && *q != ',' && *q != ':')
			q++;
		if (q - p == (int)strlen(ARCH) && !memcmp(p, ARCH, q - p))
			return true;
		p = q;
	}
	return false;
}

/*
 * A .const file: "arches = a, b" then "NAME = [default][, a:b:value]..."
 * (a value may be "???": unknown for those arches). Old per-arch files
 * ("x_amd64.const") are plain "NAME = value".
 */
int comp_load_consts(struct comp *c, const char *file, const char *text)
{
	int line = 0;
	bool arch_ok = true;

	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		line++;
		const char *l = p;
		p = *e ? e + 1 : e;
		while (l < e && isspace((unsigned char)*l))
			l++;
		if (l == e || *l == '#')
			continue;
		const char *eq = memchr(l, '=', (size_t)(e - l));
		struct ast_pos pos = { file, line, 1 };
		if (!eq) {
			err(c, &pos, "expected NAME = VALUE in const file");
			continue;
		}
		const char *ne = eq;
		while (ne > l && isspace((unsigned char)ne[-1]))
			ne--;
		if (ne - l == 6 && !memcmp(l, "arches", 6)) {
			arch_ok = arch_in_list(eq + 1, (size_t)(e - eq - 1));
			continue;
		}
		if (!arch_ok)
			return 0;
		bool have = false, missing = false;
		uint64_t v = 0;
		for (const char *q = eq + 1; q < e;) {
			while (q < e &&
			       (isspace((unsigned char)*q) || *q == ','))
				q++;
			if (q >= e)
				break;
			const char *ie = q;
			while (ie < e && *ie != ',')
				ie++;
			/* item: [arch:arch:]value */
			const char *colon = NULL;
			for (const char *k = q; k < ie; k++)
				if (*k == ':')
					colon = k;
			const char *val = colon ? colon + 1 : q;
			bool applies = !colon || arch_in_list(q, colon - q);
			if (applies && (!colon || !have || true)) {
				char tmp[32];
				size_t vl = (size_t)(ie - val);
				while (vl &&
				       isspace((unsigned char)val[vl - 1]))
					vl--;
				if (vl >= sizeof(tmp))
					vl = sizeof(tmp) - 1;
				memcpy(tmp, val, vl);
				tmp[vl] = 0;
				if (!strcmp(tmp, "???")) {
					missing = true;
					have = true;
				} else {
					char *end;
					errno = 0;
					uint64_t x = strtoull(tmp, &end, 0);
					if (*end || errno || !vl) {
						pos.col = (int)(val - l) + 1;
						err(c, &pos,
						    "bad const value '%s'",
						    tmp);
						break;
					}
					v = x;
					missing = false;
					have = true;
				}
			}
			q = ie;
		}
		if (!have)
			continue;
		char *name = arena_strndup(&c->ast, l, (size_t)(ne - l));
		struct cval *cv = strmap_get(&c->consts, name);
		if (cv) {
			if (cv->missing && !missing) {
				cv->missing = false;
				cv->value = v;
			}
			continue;
		}
		cv = arena_alloc(&c->ast, sizeof(*cv));
		if (!cv || !name || strmap_add(&c->consts, name, cv, NULL) < 0)
			return -ENOMEM;
		cv->name = name;
		cv->value = v;
		cv->missing = missing;
	}
	return 0;
}

int comp_add_builtin_const(struct comp *c, const char *name, uint64_t v)
{
	struct cval *cv = arena_alloc(&c->ast, sizeof(*cv));

	if (!cv)
		return -ENOMEM;
	cv->name = name;
	cv->value = v;
	return strmap_set(&c->consts, name, cv);
}

/* Resolve an int-valued type arg (literal or const name). Missing consts
 * are recorded in c->missing and yield 0. */
bool comp_const_value(struct comp *c, const struct ast_type *t, uint64_t *v)
{
	if (t->kind == AT_INT) {
		*v = t->value;
		return true;
	}
	if (t->kind != AT_IDENT || t->n_args) {
		err(c, &t->pos, "expected an integer or a const name");
		return false;
	}
	struct cval *cv = strmap_get(&c->consts, t->ident);
	if (cv && !cv->missing) {
		cv->used = true;
		*v = cv->value;
		return true;
	}
	/* missing for amd64: remembered once per declaration */
	{
		const char *m = c->missing.data ? c->missing.data : "";
		size_t l = strlen(t->ident);
		bool dup = false;
		for (const char *p = m; (p = strstr(p, t->ident)); p += l) {
			if ((p == m || p[-1] == ' ') &&
			    (p[l] == ',' || p[l] == 0)) {
				dup = true;
				break;
			}
		}
		if (!dup)
			buf_printf(&c->missing, "%s%s",
				   c->missing.len ? ", " : "", t->ident);
	}
	*v = 0;
	return true;
}
