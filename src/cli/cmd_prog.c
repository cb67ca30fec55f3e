/* drmfuzz prog: parse, generate, mutate and encode programs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "config/config.h"
#include "prog/prog.h"
#include "syzlang/select.h"
#include "syzlang/target.h"
#include "target/target.h"
#include "util/buf.h"
#include "util/fileio.h"

/* With a syzkaller checkout and no --enable/config patterns: its DRM
 * calls and their producers (else every call is enabled). */
static const char *const drm_patterns[] = {
	"ioctl$DRM_*", "openat$dri*", "syz_open_dev$dri*",
	"openat$drm*", "*$drmf_*",
};

struct env {
	const char *config, *syzkaller;
	VEC(const char *) dirs;
	VEC(const char *) en;
	VEC(const char *) dis;
	bool non_strict;
	uint64_t seed, n, ncalls;
	struct mgr_config *cfg;
	struct syz_target *t;
	struct syz_selection *sel;
	struct prog_choice *ct;
};

_Static_assert(PROG_DEFAULT_NCALLS == 10, "--calls's help says 10");

static const struct cli_opt prog_cmd_opts[] = {
	{ "config", 'c', "FILE", 0,
	  "manager config (syzkaller, descriptions,\n"
	  "enable/disable_syscalls)" },
	{ "syzkaller", 0, "DIR", 's', "load DIR/sys/linux too" },
	{ "descriptions", 0, "DIR", 'd',
	  "extra description directory (repeatable)" },
	{ "enable", 0, "PAT", 'e',
	  "calls to generate (default: all; the DRM\n"
	  "calls with --syzkaller)" },
	{ "disable", 0, "PAT", 'x', "calls never to generate" },
	{ "non-strict", 0, NULL, 'N', "fix what can be fixed and report it" },
	{ NULL, 'n', "N", 0, "programs to print (default 1)" },
	{ "seed", 0, "S", 'S', "random seed (default 1)" },
	{ "calls", 0, "N", 'C', "calls per program (default 10)" },
	CLI_OPT_END,
};

static const struct cli_cmd prog_cmd = {
	.usage =
		"usage: drmfuzz prog parse [--non-strict] FILE...\n"
		"       drmfuzz prog gen [-n N] [--seed S] [--calls N]\n"
		"       drmfuzz prog mutate FILE [-n N] [--seed S] [--calls N]\n"
		"       drmfuzz prog encode FILE",
	.about =
		"Programs in syzkaller's text format. parse validates and prints the\n"
		"canonical form; gen prints N new programs; mutate prints N mutants\n"
		"of FILE; encode dumps the exec encoding the executor runs.",
	.opts_title = "Descriptions: drmfuzz's descriptions/, plus:",
	.opts = prog_cmd_opts,
};

/* The DRM patterns that match calls of @t (appended to @en). */
static int drm_enable(const struct syz_target *t, struct env *e)
{
	for (size_t i = 0; i < sizeof(drm_patterns) / sizeof(drm_patterns[0]);
	     i++) {
		bool any = false;

		for (size_t c = 0; c < t->n_calls && !any; c++)
			any = syz_pattern_match(drm_patterns[i],
						t->calls[c]->name);
		if (any && vec_push(&e->en, drm_patterns[i]))
			return -ENOMEM;
	}
	return 0;
}

static int env_load(struct env *e, bool need_choice)
{
	struct target_opts to = { .syzkaller = e->syzkaller,
				  .descriptions = e->dirs.v,
				  .n_descriptions = e->dirs.n,
				  .add_producers = true };
	int err;

	if (e->config && config_load(e->config, &e->cfg))
		return -EINVAL;
	err = target_load(e->cfg, &to, &e->t);
	if (err || !need_choice)
		return err;
	if (!e->en.n && !target_n_enable(e->cfg, NULL) &&
	    (e->syzkaller || (e->cfg && e->cfg->syzkaller))) {
		err = drm_enable(e->t, e);
		if (err)
			return err;
		if (!e->en.n) {
			fprintf(stderr,
				"drmfuzz prog: no DRM calls in the descriptions; "
				"pass --syzkaller DIR or --enable PAT\n");
			return -ENOENT;
		}
	}
	to.enable = e->en.v;
	to.n_enable = e->en.n;
	to.disable = e->dis.v;
	to.n_disable = e->dis.n;
	err = target_select(e->t, e->cfg, &to, &e->sel);
	if (err)
		return err;
	e->ct = prog_choice_new(e->t, e->sel->enabled);
	if (!e->ct)
		return -ENOMEM;
	if (!prog_choice_n_enabled(e->ct)) {
		fprintf(stderr, "drmfuzz prog: no call is enabled\n");
		return -ENOENT;
	}
	return 0;
}

static void env_free(struct env *e)
{
	prog_choice_free(e->ct);
	syz_selection_free(e->sel);
	syz_target_free(e->t);
	config_free(e->cfg);
	vec_free(&e->dirs);
	vec_free(&e->en);
	vec_free(&e->dis);
}

/* Read and parse FILE; prints the error or fixes. */
static int load_prog(struct env *e, const char *path, struct prog **out)
{
	struct prog_parse_opts po = { .strict = !e->non_strict };
	struct prog_diags d = { 0 };
	char *text;
	size_t len;
	int rc = file_read_all(path, 64 << 20, &text, &len);
	if (rc) {
		fprintf(stderr, "%s: %s\n", path, strerror(-rc));
		return rc;
	}
	rc = prog_parse(e->t, text, len, &po, out, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s:%d:%d: %s%s\n", path, d.v[i].line,
			d.v[i].col, rc ? "" : "fixed: ", d.v[i].msg);
	if (rc == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", path);
	prog_diags_free(&d);
	free(text);
	return rc;
}

static int print_prog(const struct prog *p)
{
	char *s = prog_print(p);
	if (!s)
		return -ENOMEM;
	fputs(s, stdout);
	free(s);
	return 0;
}

static int do_parse(struct env *e, char **files, int n)
{
	int bad = 0;
	for (int i = 0; i < n; i++) {
		struct prog *p;
		if (load_prog(e, files[i], &p)) {
			bad++;
			continue;
		}
		if (n > 1)
			printf("# %s\n", files[i]);
		print_prog(p);
		prog_free(p);
	}
	return bad ? 1 : 0;
}

static int do_gen(struct env *e)
{
	struct prog_rand r;
	prog_rand_seed(&r, e->seed);
	for (uint64_t i = 0; i < e->n; i++) {
		struct prog *p;
		int rc = prog_generate(e->t, e->ct, &r, e->ncalls, &p);
		if (rc) {
			fprintf(stderr, "drmfuzz prog gen: %s\n",
				strerror(-rc));
			return 2;
		}
		if (e->n > 1)
			printf("# program %" PRIu64 "\n", i);
		print_prog(p);
		prog_free(p);
	}
	return 0;
}

static int do_mutate(struct env *e, const char *file)
{
	struct prog *p;
	struct prog_rand r;
	if (load_prog(e, file, &p))
		return 1;
	prog_rand_seed(&r, e->seed);
	for (uint64_t i = 0; i < e->n; i++) {
		struct prog *q = prog_clone(p);
		int rc = q ? prog_mutate(q, e->ct, &r, e->ncalls, &p, 1) :
			     -ENOMEM;
		if (rc) {
			fprintf(stderr, "drmfuzz prog mutate: %s\n",
				strerror(-rc));
			prog_free(q);
			prog_free(p);
			return 2;
		}
		if (e->n > 1)
			printf("# mutant %" PRIu64 "\n", i);
		print_prog(q);
		prog_free(q);
	}
	prog_free(p);
	return 0;
}

static int do_encode(struct env *e, const char *file)
{
	struct prog *p;
	uint8_t *enc;
	size_t len;
	char err[256], *dump;
	int rc;
	if (load_prog(e, file, &p))
		return 1;
	rc = prog_encode(p, &enc, &len);
	prog_free(p);
	if (rc) {
		fprintf(stderr, "drmfuzz prog encode: %s%s\n", strerror(-rc),
			rc == -ENOTSUP ? " (a pseudo call the executor does "
					 "not implement)" :
					 "");
		return 1;
	}
	dump = prog_exec_dump(enc, len, err, sizeof(err));
	free(enc);
	if (!dump) {
		fprintf(stderr, "drmfuzz prog encode: %s\n", err);
		return 2;
	}
	fputs(dump, stdout);
	free(dump);
	return 0;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && *s && !*end;
}

int cmd_prog(int argc, char **argv)
{
	struct env e = { .seed = 1, .n = 1, .ncalls = PROG_DEFAULT_NCALLS };
	struct cli_parser p;
	const char *sub;
	int c, rc = 2;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_usage(argc < 2 ? stderr : stdout, &prog_cmd);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	argc--;
	argv++;
	cli_start(&p, &prog_cmd);
	while ((c = cli_next(&p, argc, argv)) >= 0) {
		int err = 0;
		switch (c) {
		case 'c':
			e.config = optarg;
			break;
		case 's':
			e.syzkaller = optarg;
			break;
		case 'd':
			err = vec_push(&e.dirs, optarg);
			break;
		case 'e':
			err = vec_push(&e.en, optarg);
			break;
		case 'x':
			err = vec_push(&e.dis, optarg);
			break;
		case 'N':
			e.non_strict = true;
			break;
		case 'n':
		case 'S':
		case 'C': {
			uint64_t v;
			if (!parse_u64(optarg, &v) ||
			    (c != 'S' &&
			     (v == 0 || v > PROG_MAX_CALLS * 1000))) {
				fprintf(stderr,
					"drmfuzz prog: bad number '%s'\n",
					optarg);
				goto out;
			}
			*(c == 'n' ? &e.n : c == 'S' ? &e.seed : &e.ncalls) = v;
			break;
		}
		}
		if (err)
			goto out;
	}
	if (c != CLI_END) {
		rc = c == CLI_HELP ? 0 : 2;
		goto out;
	}
	if (e.ncalls > PROG_MAX_CALLS) {
		fprintf(stderr, "drmfuzz prog: at most %d calls\n",
			PROG_MAX_CALLS);
		goto out;
	}
	argc -= optind;
	argv += optind;
	if (!strcmp(sub, "parse") && argc >= 1) {
		if (!env_load(&e, false))
			rc = do_parse(&e, argv, argc);
	} else if (!strcmp(sub, "gen") && argc == 0) {
		if (!env_load(&e, true))
			rc = do_gen(&e);
	} else if (!strcmp(sub, "mutate") && argc == 1) {
		if (!env_load(&e, true))
			rc = do_mutate(&e, argv[0]);
	} else if (!strcmp(sub, "encode") && argc == 1) {
		if (!env_load(&e, false))
			rc = do_encode(&e, argv[0]);
	} else {
		fprintf(stderr, "drmfuzz prog: bad subcommand or arguments\n");
		cli_usage(stderr, &prog_cmd);
	}
out:
	env_free(&e);
	return rc;
}
