/*
 * Programs over real descriptions: syzkaller's sys/linux (from the shared
 * dir) and drmfuzz's descriptions/.
 * - testdata: every program in shared/testdata/programs whose calls exist
 *   loads (non-strict), prints, re-parses strictly and prints the same;
 *   the others are listed with the reason, which must be unknown calls.
 * - property: N programs (argv[3], default 100000) generated and mutated
 *   over the DRM calls, each validated, round-tripped through the text
 *   format and through the exec encoding and its decoder; N/20 more over
 *   the calls with conditional fields (bpf, nl80211) and N/50 over packets
 *   with checksums (write$tun).
 * argv: shared_dir descriptions_dir [N]
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exec_decode.h"
#include "prog/prog.h"
#include "syzlang/select.h"
#include "util/fileio.h"

static const char *shared_dir, *desc_dir;
static unsigned long n_progs = 100000;

static struct syz_target *load(const char *syzkaller, const char *dir)
{
	struct syz_load_opts o = { .syzkaller = syzkaller };
	struct syz_target *t = NULL;
	struct syz_diags d = { 0 };
	if (dir) {
		o.desc_dirs = &dir;
		o.n_desc_dirs = 1;
	}
	if (syz_target_load(&o, &t, &d)) {
		char b[1024];
		for (size_t i = 0; i < d.n && i < 10; i++)
			fprintf(stderr, "%s\n",
				syz_diag_format(&d.v[i], b, sizeof(b)));
	}
	syz_diags_free(&d);
	return t;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_testdata(void **state)
{
	char *syzkaller = path_join(shared_dir, "syzkaller");
	char *dir = path_join(shared_dir, "testdata/programs");
	struct syz_target *t = load(syzkaller, NULL);
	DIR *dp = opendir(dir);
	char *names[512];
	size_t n = 0, ok = 0, unknown = 0, fixed = 0, n_strict = 0;
	struct dirent *de;
	(void)state;
	assert_non_null(t);
	assert_non_null(dp);
	while ((de = readdir(dp)) && n < 512) {
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), name_cmp);
	assert_true(n >= 40);
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(dir, names[i]), *text, *s1, *s2;
		size_t len;
		struct prog_parse_opts lax = { .strict = false };
		struct prog_parse_opts strict = { .strict = true };
		struct prog_diags d = { 0 }, d2 = { 0 };
		struct prog *p, *q;
		int rc;
		assert_int_equal(file_read_all(path, 0, &text, &len), 0);
		/* strictly, as written; else with syzkaller's repairs */
		rc = prog_parse(t, text, len, &strict, &p, &d);
		if (rc) {
			printf("strict: %s: %d:%d: %s\n", names[i], d.v[0].line,
			       d.v[0].col, d.v[0].msg);
			prog_diags_free(&d);
			rc = prog_parse(t, text, len, &lax, &p, &d);
		} else {
			n_strict++;
		}
		if (rc) {
			/* only unknown calls may keep a program out */
			printf("not loaded: %s: %d:%d: %s\n", names[i],
			       d.v[0].line, d.v[0].col, d.v[0].msg);
			assert_non_null(strstr(d.v[0].msg, "unknown call"));
			unknown++;
		} else {
			for (size_t k = 0; k < d.n; k++)
				printf("fixed: %s:%d:%d: %s\n", names[i],
				       d.v[k].line, d.v[k].col, d.v[k].msg);
			fixed += d.n > 0;
			s1 = prog_print(p);
			rc = prog_parse(t, s1, strlen(s1), &strict, &q, &d2);
			if (rc)
				fail_msg("%s: re-parse: %d:%d: %s\n%s",
					 names[i], d2.v[0].line, d2.v[0].col,
					 d2.v[0].msg, s1);
			s2 = prog_print(q);
			assert_string_equal(s1, s2);
			assert_int_equal(p->n_calls, q->n_calls);
			ok++;
			free(s1);
			free(s2);
			prog_free(p);
			prog_free(q);
		}
		prog_diags_free(&d);
		prog_diags_free(&d2);
		free(text);
		free(path);
		free(names[i]);
	}
	printf("testdata: %zu programs, %zu loaded and round-tripped (%zu "
	       "strictly, %zu with non-strict fixes), %zu use calls absent "
	       "from sys/linux\n",
	       n, ok, n_strict, fixed, unknown);
	assert_true(ok >= 25);
	syz_target_free(t);
	free(syzkaller);
	free(dir);
}

/* Decode all of @enc; the decoder must accept what we encode. Returns
 * the number of checksum copyins. */
static size_t decode_all(const uint8_t *enc, size_t len, size_t n_calls)
{
	struct exec_decoder d;
	static struct exec_insn in;
	size_t calls = 0, csums = 0;
	int rc;
	assert_int_equal(exec_decode_init(&d, enc, len), 0);
	while ((rc = exec_decode_next(&d, &in)) > 0) {
		calls += in.op == EXEC_OP_CALL;
		csums += in.op == EXEC_OP_COPYIN &&
			 in.arg.kind == EXEC_ARG_CSUM;
	}
	if (rc)
		fail_msg("%s", d.err);
	assert_int_equal(calls, n_calls);
	return csums;
}

/* Drop the pseudo calls the executor does not implement (prog_encode
 * refuses them); returns how many were dropped. */
static size_t drop_unencodable(struct prog *p)
{
	size_t n = 0;
	for (size_t i = p->n_calls; i-- > 0;) {
		const struct syz_call *m = p->calls[i]->meta;
		if (m->pseudo && !exec_pseudo_lookup(m->call_name)) {
			prog_remove_call(p, i);
			n++;
		}
	}
	return n;
}

struct stats {
	unsigned long progs, calls, encoded, dropped, links;
	unsigned long cond_present, cond_absent, cond_unions, csums;
};

/* Count conditional fields present/absent and unions with conditions. */
static int count_conds(struct prog_arg *a, void *ctx)
{
	struct stats *st = ctx;
	const struct syz_type *t = a->type;
	if (a->kind == PROG_ARG_GROUP && t->kind == SYZ_T_STRUCT) {
		for (size_t i = 0; i < a->g.n; i++) {
			if (!t->st.fields[i].cond)
				continue;
			if (a->g.inner[i])
				st->cond_present++;
			else
				st->cond_absent++;
		}
	}
	if (a->kind == PROG_ARG_UNION && t->st.fields[0].cond)
		st->cond_unions++;
	return 0;
}

static void check(const struct syz_target *t, const struct prog *p,
		  struct stats *st)
{
	char err[512], *s1, *s2;
	struct prog_parse_opts strict = { .strict = true };
	struct prog_diags d = { 0 };
	struct prog *q;
	uint8_t *enc;
	size_t len;
	if (prog_validate(p, PROG_VALIDATE_SIZES, err, sizeof(err)))
		fail_msg("invalid program: %s\n%s", err, prog_print(p));
	s1 = prog_print(p);
	assert_non_null(s1);
	if (prog_parse(t, s1, strlen(s1), &strict, &q, &d))
		fail_msg("re-parse: %d:%d: %s\n%s", d.v[0].line, d.v[0].col,
			 d.v[0].msg, s1);
	s2 = prog_print(q);
	assert_string_equal(s1, s2);
	if (drop_unencodable(q))
		st->dropped++;
	assert_int_equal(prog_encode(q, &enc, &len), 0);
	st->csums += decode_all(enc, len, q->n_calls);
	free(enc);
	st->encoded++;
	st->progs++;
	st->calls += p->n_calls;
	for (size_t i = 0; i < p->n_calls; i++) {
		st->links += p->calls[i]->ret && p->calls[i]->ret->used;
		prog_call_walk(p->calls[i], count_conds, st);
	}
	free(s1);
	free(s2);
	prog_free(q);
}

#define CORPUS 32

static struct stats property(struct syz_target *t, const char *const *pat,
			     size_t n_pat, unsigned long n, uint64_t seed)
{
	struct syz_select_opts so = { .enable = pat,
				      .n_enable = n_pat,
				      .add_producers = true };
	struct syz_selection *sel = NULL;
	struct prog_choice *ct;
	struct prog *corpus[CORPUS] = { 0 };
	struct prog_rand r;
	struct stats st = { 0 };
	assert_int_equal(syz_select(t, &so, &sel, NULL), 0);
	ct = prog_choice_new(t, sel->enabled);
	assert_non_null(ct);
	assert_true(prog_choice_n_enabled(ct) > 5);
	prog_rand_seed(&r, seed);
	while (st.progs < n) {
		size_t slot = prog_rand_n(&r, CORPUS);
		struct prog *p;
		if (!corpus[slot] || prog_rand_one_of(&r, 4)) {
			assert_int_equal(prog_generate(t, ct, &r,
						       1 + prog_rand_n(&r, 10),
						       &p),
					 0);
		} else {
			struct prog *live[CORPUS];
			size_t n_live = 0;
			for (size_t i = 0; i < CORPUS; i++) {
				if (corpus[i])
					live[n_live++] = corpus[i];
			}
			p = prog_clone(corpus[slot]);
			assert_non_null(p);
			assert_int_equal(
				prog_mutate(p, ct, &r, 10, live, n_live), 0);
		}
		check(t, p, &st);
		if (prog_rand_one_of(&r, 2)) {
			/* slots are not referenced during a mutation */
			prog_free(corpus[slot]);
			corpus[slot] = p;
			prog_choice_add_corpus(ct, p);
		} else {
			prog_free(p);
		}
	}
	printf("property: %lu programs (%lu calls, %lu results used later, "
	       "%lu encoded, %lu of them without pseudo calls the executor "
	       "lacks) over %zu enabled calls\n",
	       st.progs, st.calls, st.links, st.encoded, st.dropped,
	       prog_choice_n_enabled(ct));
	if (st.cond_present || st.cond_absent || st.cond_unions || st.csums)
		printf("property: conditional fields %lu present, %lu absent; "
		       "%lu unions with conditions; %lu checksums encoded\n",
		       st.cond_present, st.cond_absent, st.cond_unions,
		       st.csums);
	assert_true(st.links > st.progs / 10);
	for (size_t i = 0; i < CORPUS; i++)
		prog_free(corpus[i]);
	prog_choice_free(ct);
	syz_selection_free(sel);
	return st;
}

static void test_property_syzkaller(void **state)
{
	static const char *const pat[] = { "ioctl$DRM_*", "openat$dri*",
					   "syz_open_dev$dri*" };
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	(void)state;
	assert_non_null(t);
	property(t, pat, 3, n_progs, 1);
	syz_target_free(t);
	free(syzkaller);
}

/* Packets with checksums (write$tun): generated and mutated, they
 * validate, round-trip, encode and decode. */
static void test_property_csums(void **state)
{
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct stats st = { 0 };
	struct prog_choice *ct;
	struct prog_rand r;
	bool *en;
	(void)state;
	assert_non_null(t);
	en = calloc(t->n_calls, sizeof(*en));
	en[syz_target_call(t, "write$tun")->id] = true;
	en[syz_target_call(t, "openat$tun")->id] = true;
	ct = prog_choice_new(t, en);
	prog_rand_seed(&r, 4);
	while (st.progs < n_progs / 50 + 1) {
		struct prog *p;
		assert_int_equal(prog_generate(t, ct, &r, 3, &p), 0);
		check(t, p, &st);
		for (int k = 0; k < 3; k++) {
			assert_int_equal(prog_mutate(p, ct, &r, 3, NULL, 0), 0);
			check(t, p, &st);
		}
		prog_free(p);
	}
	printf("property: %lu packet programs, %lu checksums encoded\n",
	       st.progs, st.csums);
	assert_true(st.csums > st.progs / 4);
	prog_choice_free(ct);
	free(en);
	syz_target_free(t);
	free(syzkaller);
}

/* Calls with conditional fields (bpf, nl80211): every program agrees
 * with its conditions (prog_validate), and both states occur. */
static void test_property_conds(void **state)
{
	static const char *const pat[] = { "bpf$*", "sendmsg$NL80211_CMD_*",
					   "syz_80211_inject_frame" };
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct stats st;
	(void)state;
	assert_non_null(t);
	st = property(t, pat, 3, n_progs / 20 + 1, 3);
	assert_true(st.cond_present > st.progs / 5);
	assert_true(st.cond_absent > st.progs / 5);
	assert_true(st.cond_unions > st.progs / 10);
	syz_target_free(t);
	free(syzkaller);
}

static void test_property_drmfuzz(void **state)
{
	struct syz_target *t = load(NULL, desc_dir);
	(void)state;
	assert_non_null(t);
	property(t, NULL, 0, n_progs / 5, 2);
	syz_target_free(t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_testdata),
		cmocka_unit_test(test_property_syzkaller),
		cmocka_unit_test(test_property_drmfuzz),
		cmocka_unit_test(test_property_conds),
		cmocka_unit_test(test_property_csums),
	};
	if (argc < 3) {
		fprintf(stderr, "usage: %s SHARED_DIR DESCRIPTIONS_DIR [N]\n",
			argv[0]);
		return 2;
	}
	shared_dir = argv[1];
	desc_dir = argv[2];
	if (argc > 3)
		n_progs = strtoul(argv[3], NULL, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
