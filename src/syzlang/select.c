/* Syscall selection: patterns, then transitive resource closure. */
#include "select.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"

bool syz_pattern_match(const char *pattern, const char *name)
{
	size_t pl = strlen(pattern);

	if (!strcmp(pattern, name))
		return true;
	if (!strncmp(name, pattern, pl) && name[pl] == '$')
		return true;
	if (pl > 1 && pattern[pl - 1] == '*' && !strncmp(name, pattern, pl - 1))
		return true;
	return false;
}

static void report(struct syz_diags *diags, const char *msg)
{
	if (diags)
		syz_diags_add(diags, "config", 0, 0, false, msg);
	else
		log_err("%s", msg);
}

void syz_selection_free(struct syz_selection *s)
{
	if (!s)
		return;
	struct arena *a = s->priv;
	arena_free(a);
	free(a);
	free(s->enabled);
	free(s->reason);
	free(s->added);
	free(s);
}

/* First input resource of @c that no runnable call can create, or NULL. */
static const struct syz_resource *missing_input(const struct syz_call *c,
						const bool *runnable)
{
	for (size_t i = 0; i < c->n_inputs; i++) {
		const struct syz_resource *r = c->inputs[i];
		bool ok = false;
		for (size_t k = 0; k < r->n_ctors && !ok; k++)
			ok = runnable[r->ctors[k].call->id];
		if (!ok)
			return r;
	}
	return NULL;
}

/*
 * Least fixpoint: a call is runnable when every input resource has a
 * runnable creator. (A call creating its own input, like
 * DRM_IOCTL_PRIME_HANDLE_TO_FD, can't bootstrap itself.)
 */
static void closure(const struct syz_target *t, const bool *enabled,
		    bool *runnable)
{
	bool changed = true;

	memset(runnable, 0, t->n_calls * sizeof(*runnable));
	while (changed) {
		changed = false;
		for (size_t i = 0; i < t->n_calls; i++) {
			if (!enabled[i] || runnable[i] ||
			    missing_input(t->calls[i], runnable))
				continue;
			runnable[i] = true;
			changed = true;
		}
	}
}

static bool usable(const struct syz_call *c)
{
	return !c->disabled_reason;
}

static const char *why_missing(struct arena *a, const struct syz_target *t,
			       const struct syz_resource *r)
{
	struct buf b = { 0 };
	size_t shown = 0, total = 0;
	const char *s;

	(void)t;
	buf_printf(&b, "no enabled syscall creates resource %s", r->name);
	for (size_t k = 0; k < r->n_ctors; k++) {
		const struct syz_call *c = r->ctors[k].call;
		bool self = false;
		for (size_t j = 0; j < c->n_inputs; j++)
			self |= c->inputs[j] == r;
		if (!r->ctors[k].precise || !usable(c) || self)
			continue;
		total++;
		if (shown < 4) {
			buf_printf(&b, "%s%s",
				   shown ? ", " : "; enable one of: ", c->name);
			shown++;
		}
	}
	if (total > shown)
		buf_printf(&b, " (and %zu more)", total - shown);
	if (!total)
		buf_printf(&b, "; no usable syscall creates it");
	s = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

int syz_select(const struct syz_target *t, const struct syz_select_opts *o,
	       struct syz_selection **out, struct syz_diags *diags)
{
	struct syz_selection *s = calloc(1, sizeof(*s));
	struct arena *a = calloc(1, sizeof(*a));
	bool *explicit = NULL, *runnable = NULL;
	int r = 0;
	size_t n = t->n_calls;

	*out = NULL;
	if (!s || !a) {
		free(s);
		free(a);
		return -ENOMEM;
	}
	s->priv = a;
	s->n_calls = n;
	s->enabled = calloc(n + 1, sizeof(bool));
	s->added = calloc(n + 1, sizeof(bool));
	s->reason = calloc(n + 1, sizeof(char *));
	explicit = calloc(n + 1, sizeof(bool));
	if (!s->enabled || !s->reason || !s->added || !explicit) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		s->enabled[i] = o->n_enable == 0;
	for (size_t p = 0; p < o->n_enable; p++) {
		size_t hits = 0;
		for (size_t i = 0; i < n; i++) {
			if (syz_pattern_match(o->enable[p],
					      t->calls[i]->name)) {
				s->enabled[i] = true;
				if (!strcmp(o->enable[p], t->calls[i]->name))
					explicit[i] = true;
				hits++;
			}
		}
		if (!hits) {
			char msg[512];
			snprintf(msg, sizeof(msg),
				 "enable_syscalls: '%s' matches no syscall",
				 o->enable[p]);
			report(diags, msg);
			r = -EINVAL;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!s->enabled[i])
			s->reason[i] = "not matched by enable_syscalls";
	}
	for (size_t p = 0; p < o->n_disable; p++) {
		size_t hits = 0;
		for (size_t i = 0; i < n; i++) {
			if (!syz_pattern_match(o->disable[p],
					       t->calls[i]->name))
				continue;
			hits++;
			if (s->enabled[i]) {
				s->enabled[i] = false;
				s->reason[i] = arena_printf(
					a, "disabled by disable_syscalls '%s'",
					o->disable[p]);
			}
		}
		if (!hits) {
			char msg[512];
			snprintf(msg, sizeof(msg),
				 "disable_syscalls: '%s' matches no syscall",
				 o->disable[p]);
			report(diags, msg);
			r = -EINVAL;
		}
	}
	if (r)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct syz_call *c = t->calls[i];
		if (!s->enabled[i])
			continue;
		if (c->disabled_reason) {
			s->enabled[i] = false;
			s->reason[i] = c->disabled_reason;
		} else if (c->attrs.snapshot && !o->snapshot && !explicit[i]) {
			s->enabled[i] = false;
			s->reason[i] = "snapshot-mode call (enable it by its "
				       "full name)";
		}
	}
	/* Transitive closure; with add_producers, pull in precise ctors
	 * of missing resources until nothing changes. */
	runnable = calloc(n + 1, sizeof(bool));
	if (!runnable) {
		r = -ENOMEM;
		goto fail;
	}
	for (;;) {
		bool added = false;
		closure(t, s->enabled, runnable);
		if (!o->add_producers)
			break;
		for (size_t i = 0; i < n; i++) {
			if (!s->enabled[i] || runnable[i])
				continue;
			const struct syz_resource *m =
				missing_input(t->calls[i], runnable);
			for (size_t k = 0; m && k < m->n_ctors; k++) {
				const struct syz_call *p = m->ctors[k].call;
				if (!m->ctors[k].precise || !usable(p) ||
				    p->attrs.snapshot || s->enabled[p->id] ||
				    strncmp(s->reason[p->id], "not matched",
					    11))
					continue;
				s->enabled[p->id] = true;
				s->added[p->id] = true;
				s->reason[p->id] = NULL;
				added = true;
			}
		}
		if (!added)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		if (s->enabled[i] && !runnable[i]) {
			s->enabled[i] = false;
			s->reason[i] = why_missing(
				a, t, missing_input(t->calls[i], runnable));
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (s->enabled[i]) {
			s->reason[i] = NULL;
			s->n_enabled++;
		} else if (!s->reason[i]) {
			s->reason[i] = "disabled";
		}
	}
	free(explicit);
	free(runnable);
	*out = s;
	return 0;
fail:
	free(explicit);
	free(runnable);
	syz_selection_free(s);
	return r ? r : -ENOMEM;
}
