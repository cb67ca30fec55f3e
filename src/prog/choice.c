/*
 * The choice table: which call to add next. Static priorities come from
 * types two calls share (resources weigh most, specific kinds more than
 * their parents; then structs, vmas, filenames), dynamic ones from calls
 * that appear together in corpus programs; both are scaled to 0..1000
 * per row and summed. 1 pick in 20 is uniform over the enabled calls.
 */
#include <stdlib.h>
#include <string.h>

#include "prog_internal.h"

struct prog_choice {
	const struct syz_target *t;
	size_t n; /* enabled calls */
	int *ids; /* enabled index -> call id */
	int *index; /* call id -> enabled index, or -1 */
	uint16_t *stat; /* n*n, 0..1000 */
	uint32_t *dyn; /* n*n co-occurrence counts */
	uint32_t *cum; /* n*n cumulative row sums of the final priority */
};

struct use {
	const char *key;
	int kind; /* 0 resource, 1 struct, 2 other */
	uint32_t w;
	int call; /* enabled index */
};

struct uses {
	struct use *v;
	size_t n, cap;
	int call;
	/* structs visited for the current call (recursion guard) */
	const struct syz_type *seen[64];
	size_t n_seen;
};

static void note(struct uses *u, const char *key, int kind, uint32_t w)
{
	struct use x = { key, kind, w, u->call };
	for (size_t i = u->n; i-- > 0 && u->v[i].call == u->call;) {
		if (u->v[i].kind == kind && !strcmp(u->v[i].key, key)) {
			if (u->v[i].w < w)
				u->v[i].w = w;
			return;
		}
	}
	(void)vec_push(u, x); /* on ENOMEM the relation is just lost */
}

static void type_uses(struct uses *u, const struct syz_type *t, int depth)
{
	if (depth > 8)
		return;
	switch (t->kind) {
	case SYZ_T_RESOURCE:
		for (size_t i = 0; t->res.desc && i < t->res.desc->n_kind; i++)
			note(u, t->res.desc->kind[i], 0,
			     i + 1 == t->res.desc->n_kind ? 10 : 2);
		return;
	case SYZ_T_VMA:
		note(u, "vma", 2, 5);
		return;
	case SYZ_T_BUFFER:
		if (t->buf.kind == SYZ_BUF_FILENAME)
			note(u, "filename", 2, 10);
		else if (t->buf.sub_kind)
			note(u, t->buf.sub_kind, 2, 5);
		return;
	case SYZ_T_PTR:
		type_uses(u, t->ptr.elem, depth + 1);
		return;
	case SYZ_T_ARRAY:
		type_uses(u, t->array.elem, depth + 1);
		return;
	case SYZ_T_STRUCT:
	case SYZ_T_UNION:
		for (size_t i = 0; i < u->n_seen; i++) {
			if (u->seen[i] == t)
				return;
		}
		if (u->n_seen < sizeof(u->seen) / sizeof(u->seen[0]))
			u->seen[u->n_seen++] = t;
		note(u, t->name, 1, 5);
		for (size_t i = 0; i < t->st.n_fields; i++)
			type_uses(u, t->st.fields[i].type, depth + 1);
		return;
	default:
		return;
	}
}

static int use_cmp(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	int c = x->kind - y->kind;
	return c ? c : strcmp(x->key, y->key);
}

static void scale_rows(const uint32_t *raw, uint16_t *outp, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t max = 0;
		for (size_t j = 0; j < n; j++)
			max = raw[i * n + j] > max ? raw[i * n + j] : max;
		for (size_t j = 0; j < n; j++)
			outp[i * n + j] =
				max ? (uint16_t)(10 + (uint64_t)990 *
							      raw[i * n + j] /
							      max) :
				      10;
	}
}

static int static_prios(struct prog_choice *ct)
{
	struct uses u = { 0 };
	size_t n = ct->n;
	uint32_t *raw = calloc(n * n + 1, sizeof(*raw));
	if (!raw)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct syz_call *c = ct->t->calls[ct->ids[i]];
		u.call = (int)i;
		u.n_seen = 0;
		for (size_t a = 0; a < c->n_args; a++)
			type_uses(&u, c->args[a].type, 0);
		if (c->ret)
			type_uses(&u, c->ret, 0);
	}
	qsort(u.v, u.n, sizeof(*u.v), use_cmp);
	for (size_t s = 0, e; s < u.n; s = e) {
		for (e = s; e < u.n && !use_cmp(&u.v[s], &u.v[e]); e++)
			;
		for (size_t i = s; i < e; i++) {
			for (size_t j = s; j < e; j++)
				raw[(size_t)u.v[i].call * n +
				    (size_t)u.v[j].call] += u.v[i].w * u.v[j].w;
		}
	}
	free(u.v);
	scale_rows(raw, ct->stat, n);
	free(raw);
	return 0;
}

/* Row @i of the final priority: static + scaled co-occurrence. */
static void rebuild_row(struct prog_choice *ct, size_t i)
{
	size_t n = ct->n;
	const uint32_t *dyn = ct->dyn + i * n;
	uint32_t max = 0, sum = 0;
	for (size_t j = 0; j < n; j++)
		max = dyn[j] > max ? dyn[j] : max;
	for (size_t j = 0; j < n; j++) {
		sum += ct->stat[i * n + j];
		if (dyn[j])
			sum += (uint32_t)(10 + (uint64_t)990 * dyn[j] / max);
		ct->cum[i * n + j] = sum;
	}
}

static void rebuild_cum(struct prog_choice *ct)
{
	for (size_t i = 0; i < ct->n; i++)
		rebuild_row(ct, i);
}

static bool generatable(const struct syz_call *c)
{
	return !c->disabled_reason && !c->attrs.disabled &&
	       !c->attrs.no_generate;
}

struct prog_choice *prog_choice_new(const struct syz_target *t,
				    const bool *enabled)
{
	struct prog_choice *ct = calloc(1, sizeof(*ct));
	size_t n = 0;
	if (!ct)
		return NULL;
	ct->t = t;
	ct->ids = calloc(t->n_calls + 1, sizeof(*ct->ids));
	ct->index = calloc(t->n_calls + 1, sizeof(*ct->index));
	if (!ct->ids || !ct->index)
		goto fail;
	for (size_t i = 0; i < t->n_calls; i++) {
		ct->index[i] = -1;
		if ((!enabled || enabled[i]) && generatable(t->calls[i])) {
			ct->index[i] = (int)n;
			ct->ids[n++] = (int)i;
		}
	}
	ct->n = n;
	ct->stat = calloc(n * n + 1, sizeof(*ct->stat));
	ct->dyn = calloc(n * n + 1, sizeof(*ct->dyn));
	ct->cum = calloc(n * n + 1, sizeof(*ct->cum));
	if (!ct->stat || !ct->dyn || !ct->cum || static_prios(ct))
		goto fail;
	rebuild_cum(ct);
	return ct;
fail:
	prog_choice_free(ct);
	return NULL;
}

void prog_choice_free(struct prog_choice *ct)
{
	if (!ct)
		return;
	free(ct->ids);
	free(ct->index);
	free(ct->stat);
	free(ct->dyn);
	free(ct->cum);
	free(ct);
}

void prog_choice_add_corpus(struct prog_choice *ct, const struct prog *p)
{
	size_t n = ct->n;
	for (size_t i = 0; i < p->n_calls; i++) {
		int a = ct->index[p->calls[i]->meta->id];
		for (size_t j = 0; a >= 0 && j < p->n_calls; j++) {
			int b = ct->index[p->calls[j]->meta->id];
			if (b >= 0 && i != j)
				ct->dyn[(size_t)a * n + (size_t)b]++;
		}
		if (a >= 0)
			rebuild_row(ct, (size_t)a);
	}
}

bool prog_choice_enabled(const struct prog_choice *ct, int call_id)
{
	return call_id >= 0 && (size_t)call_id < ct->t->n_calls &&
	       ct->index[call_id] >= 0;
}

size_t prog_choice_n_enabled(const struct prog_choice *ct)
{
	return ct->n;
}

int prog_choice_pick(const struct prog_choice *ct, struct prog_rand *r,
		     int bias_call)
{
	const uint32_t *row;
	uint32_t x;
	size_t lo = 0, hi;
	if (!ct->n)
		return -1;
	if (bias_call < 0 || !prog_choice_enabled(ct, bias_call) ||
	    prog_rand_one_of(r, 20))
		return ct->ids[prog_rand_n(r, ct->n)];
	row = ct->cum + (size_t)ct->index[bias_call] * ct->n;
	x = (uint32_t)prog_rand_n(r, row[ct->n - 1]);
	hi = ct->n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (row[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return ct->ids[lo];
}

/* Enabled ids of calls creating a resource usable as @res. */
size_t prog_choice_ctors(const struct prog_choice *ct,
			 const struct syz_resource *res, int *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; res && i < res->n_ctors && k < max; i++) {
		const struct syz_call *c = res->ctors[i].call;
		if (prog_choice_enabled(ct, c->id))
			out[k++] = c->id;
	}
	return k;
}
