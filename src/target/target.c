/* Loading the syscall model a config asks for (see target.h). */
#include "target.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/datadir.h"
#include "util/fileio.h"
#include "util/log.h"

static const struct target_opts no_opts;

/* One error naming the checkout, instead of the loader's two. */
static int check_syzkaller(const char *syzkaller)
{
	char *dir = path_join(syzkaller, "sys/linux");
	int err = 0;

	if (!dir)
		return -ENOMEM;
	if (!path_is_dir(dir)) {
		log_err("%s: not a syzkaller checkout (no %s): fix the config's \"syzkaller\" field or --syzkaller",
			syzkaller, dir);
		err = -ENOENT;
	}
	free(dir);
	return err;
}

static void log_diags(const struct syz_diags *d)
{
	char b[1200];

	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].warning)
			log_debug("%s",
				  syz_diag_format(&d->v[i], b, sizeof(b)));
		else
			log_err("%s", syz_diag_format(&d->v[i], b, sizeof(b)));
	}
}

int target_load(const struct mgr_config *cfg, const struct target_opts *o,
		struct syz_target **out)
{
	struct syz_diags diags = { 0 };
	size_t n_cfg = cfg ? cfg->descriptions.n : 0, n = 0;
	char *own = datadir_path("descriptions");
	const char **dirs = NULL;
	struct syz_load_opts lo = { 0 };
	int err;

	*out = NULL;
	if (!o)
		o = &no_opts;
	lo.syzkaller = o->syzkaller ? o->syzkaller :
		       cfg	    ? cfg->syzkaller :
				      NULL;
	err = lo.syzkaller ? check_syzkaller(lo.syzkaller) : 0;
	if (err)
		goto out;
	dirs = calloc(1 + n_cfg + o->n_descriptions, sizeof(*dirs));
	if (!dirs) {
		err = -ENOMEM;
		goto out;
	}
	if (own)
		dirs[n++] = own;
	for (size_t i = 0; i < n_cfg; i++)
		dirs[n++] = cfg->descriptions.v[i];
	for (size_t i = 0; i < o->n_descriptions; i++)
		dirs[n++] = o->descriptions[i];
	lo.desc_dirs = dirs;
	lo.n_desc_dirs = n;
	err = syz_target_load(&lo, out, &diags);
	log_diags(&diags);
	if (err && diags.n_errors)
		log_err("%zu error%s in the syscall descriptions",
			diags.n_errors, diags.n_errors == 1 ? "" : "s");
	else if (err)
		log_err("cannot load the syscall descriptions: %s",
			strerror(-err));
	syz_diags_free(&diags);
out:
	free(dirs);
	free(own);
	return err;
}

size_t target_n_enable(const struct mgr_config *cfg,
		       const struct target_opts *o)
{
	return (o ? o->n_enable : 0) + (cfg ? cfg->enable_syscalls.n : 0);
}

/* @a's patterns, then @b's (either may be empty); NULL when out of memory. */
static const char **concat(const char *const *a, size_t na, char *const *b,
			   size_t nb)
{
	const char **v = calloc(na + nb + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < na; i++)
		v[i] = a[i];
	for (size_t i = 0; i < nb; i++)
		v[na + i] = b[i];
	return v;
}

int target_select(const struct syz_target *t, const struct mgr_config *cfg,
		  const struct target_opts *o, struct syz_selection **out)
{
	static const struct config_strs none;
	const struct config_strs *en = cfg ? &cfg->enable_syscalls : &none;
	const struct config_strs *dis = cfg ? &cfg->disable_syscalls : &none;
	struct syz_diags diags = { 0 };
	struct syz_select_opts so = { 0 };
	const char **e, **d;
	int err = -ENOMEM;

	*out = NULL;
	if (!o)
		o = &no_opts;
	e = concat(o->enable, o->n_enable, en->v, en->n);
	d = concat(o->disable, o->n_disable, dis->v, dis->n);
	if (e && d) {
		so.enable = e;
		so.n_enable = o->n_enable + en->n;
		so.disable = d;
		so.n_disable = o->n_disable + dis->n;
		so.add_producers = o->add_producers;
		err = syz_select(t, &so, out, &diags);
		for (size_t i = 0; i < diags.n; i++)
			log_err("%s", diags.v[i].msg);
		syz_diags_free(&diags);
	}
	free(e);
	free(d);
	return err;
}
