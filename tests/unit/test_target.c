/* Unit tests: loading the syscall model for a config (src/target). */
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

#include "config/config.h"
#include "target/target.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"

static struct buf logged;
static int n_errors;

static void capture(enum log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	n_errors += level == LOG_LVL_ERROR;
	buf_printf(&logged, "%d %s\n", (int)level, msg);
}

static int setup(void **state)
{
	(void)state;
	buf_reset(&logged);
	n_errors = 0;
	log_set_sink(capture, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log_set_sink(NULL, NULL);
	buf_free(&logged);
	return 0;
}

static struct mgr_config *cfg_text(const char *text)
{
	struct mgr_config *cfg = NULL;

	assert_int_equal(config_load_text("test.json", text, &cfg), 0);
	buf_reset(&logged);
	n_errors = 0;
	return cfg;
}

/* drmfuzz's own descriptions load without a config; every call is
 * enabled without patterns. */
static void test_no_config(void **state)
{
	struct syz_target *t = NULL;
	struct syz_selection *sel = NULL;

	(void)state;
	assert_int_equal(target_load(NULL, NULL, &t), 0);
	assert_non_null(t);
	assert_true(t->n_calls > 0);
	assert_int_equal(target_select(t, NULL, NULL, &sel), 0);
	assert_int_equal(sel->n_calls, t->n_calls);
	assert_int_equal(n_errors, 0);
	syz_selection_free(sel);
	syz_target_free(t);
}

/* A syzkaller checkout without sys/linux: one error naming it. */
static void test_missing_syzkaller(void **state)
{
	struct mgr_config *cfg =
		cfg_text("{\"syzkaller\": \"/nonexistent/syzkaller\"}");
	struct target_opts o = { .syzkaller = "/nonexistent/override" };
	struct syz_target *t = (struct syz_target *)1;

	(void)state;
	assert_int_equal(target_load(cfg, NULL, &t), -ENOENT);
	assert_null(t);
	assert_int_equal(n_errors, 1);
	assert_non_null(strstr(logged.data, "/nonexistent/syzkaller: not a "
					    "syzkaller checkout"));
	/* --syzkaller replaces the config's */
	buf_reset(&logged);
	n_errors = 0;
	assert_int_equal(target_load(cfg, &o, &t), -ENOENT);
	assert_int_equal(n_errors, 1);
	assert_non_null(strstr(logged.data, "/nonexistent/override"));
	assert_null(strstr(logged.data, "/nonexistent/syzkaller"));
	config_free(cfg);
}

/* A broken description: its file:line:col, then how many errors. */
static void test_broken_description(void **state)
{
	char dir[] = "/tmp/drmfuzz-test-target-XXXXXX";
	struct syz_target *t = NULL;
	struct buf text = { 0 }, file = { 0 };
	struct mgr_config *cfg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	buf_printf(&file, "%s/bad.txt", dir);
	assert_int_equal(file_write_atomic(file.data, "foo(a int32, b", 14), 0);
	buf_printf(&text, "{\"descriptions\": [\"%s\"]}", dir);
	cfg = cfg_text(text.data);
	assert_int_equal(target_load(cfg, NULL, &t), -EINVAL);
	assert_null(t);
	assert_int_equal(n_errors, 2);
	buf_printf(&file, ":1:15: ");
	assert_non_null(strstr(logged.data, file.data));
	assert_non_null(
		strstr(logged.data, "1 error in the syscall descriptions"));
	/* the same directory from the command line */
	config_free(cfg);
	buf_reset(&logged);
	n_errors = 0;
	{
		const char *dirs[] = { dir };
		struct target_opts o = { .descriptions = dirs,
					 .n_descriptions = 1 };

		assert_int_equal(target_load(NULL, &o, &t), -EINVAL);
		assert_non_null(strstr(logged.data, file.data));
	}
	buf_reset(&file);
	buf_printf(&file, "%s/bad.txt", dir);
	unlink(file.data);
	rmdir(dir);
	buf_free(&file);
	buf_free(&text);
}

/* Command-line patterns add to the config's; one that matches nothing
 * is an error naming it. */
static void test_select(void **state)
{
	struct mgr_config *cfg =
		cfg_text("{\"enable_syscalls\": [\"openat$drmf_*\"]}");
	const char *en[] = { "ioctl$drmf_*" }, *bad[] = { "nosuchcall" };
	struct target_opts o = { .enable = en, .n_enable = 1 };
	struct syz_target *t = NULL;
	struct syz_selection *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(target_load(cfg, &o, &t), 0);
	assert_int_equal(target_n_enable(cfg, &o), 2);
	assert_int_equal(target_select(t, cfg, NULL, &a), 0);
	assert_int_equal(target_select(t, cfg, &o, &b), 0);
	assert_true(a->n_enabled > 0);
	assert_true(b->n_enabled > a->n_enabled);
	o.enable = bad;
	syz_selection_free(b);
	assert_int_equal(target_select(t, cfg, &o, &b), -EINVAL);
	assert_null(b);
	assert_int_equal(n_errors, 1);
	assert_non_null(strstr(logged.data, "'nosuchcall' matches no syscall"));
	syz_selection_free(a);
	syz_target_free(t);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_config, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_syzkaller, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_broken_description, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_select, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
