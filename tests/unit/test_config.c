/* Unit tests: the manager config (syzkaller's format). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "util/buf.h"
#include "util/log.h"

static struct buf logged;

static void capture(enum log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	buf_printf(&logged, "%d %s\n", (int)level, msg);
}

static int setup(void **state)
{
	(void)state;
	buf_reset(&logged);
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

/* The config of a kernel developer fuzzing amdgpu on an isolated machine. */
static void test_isolated_amdgpu(void **state)
{
	const char *text =
		"{\"target\": \"linux/amd64\", \"http\": \"127.0.0.1:56741\", "
		"\"sshkey\": \"/path\", \"workdir\": \"/path\", \"kernel_obj\": \"/path\", "
		"\"kernel_src\": \"/path\", \"syzkaller\": \"/path\", \"sandbox\": \"setuid\", "
		"\"type\": \"isolated\", \"enable_syscalls\": [\"openat$drirender128\", "
		"\"ioctl$DRM_*\", \"close\"], \"disable_syscalls\": "
		"[\"ioctl$DRM_IOCTL_SYNCOBJ_*\"], \"reproduce\": false, \"vm\": "
		"{\"targets\": [\"10.0.0.1\"], \"pstore\": false, \"target_dir\": "
		"\"/path\", \"target_reboot\": true}}";
	struct mgr_config *c = NULL;

	(void)state;
	assert_int_equal(config_load_text("amdgpu.cfg", text, &c), 0);
	assert_string_equal(c->type, "isolated");
	assert_string_equal(c->sandbox, "setuid");
	assert_string_equal(c->syzkaller, "/path");
	assert_false(c->reproduce);
	assert_int_equal(c->enable_syscalls.n, 3);
	assert_string_equal(c->enable_syscalls.v[1], "ioctl$DRM_*");
	assert_int_equal(c->disable_syscalls.n, 1);
	assert_int_equal(c->vm.targets.n, 1);
	assert_string_equal(c->vm.targets.v[0], "10.0.0.1");
	assert_true(c->vm.target_reboot);
	assert_false(c->vm.pstore);
	assert_string_equal(c->vm.target_dir, "/path");
	assert_null(strstr(logged.data ? logged.data : "", "unknown"));
	config_free(c);
}

static void test_qemu_fields(void **state)
{
	const char *text =
		"{\n"
		"  \"type\": \"qemu\",\n"
		"  \"procs\": 4,\n"
		"  \"cover\": false,\n"
		"  \"vm\": {\"count\": 3, \"cpu\": 2, \"mem\": 4096,\n"
		"         \"kernel\": \"/k/bzImage\", \"cmdline\": \"x=1\"}\n"
		"}\n";
	struct mgr_config *c = NULL;

	(void)state;
	assert_int_equal(config_load_text("q.cfg", text, &c), 0);
	assert_int_equal(c->procs, 4);
	assert_false(c->cover);
	assert_int_equal(c->vm.count, 3);
	assert_int_equal(c->vm.mem, 4096);
	assert_string_equal(c->vm.kernel, "/k/bzImage");
	assert_string_equal(c->vm.cmdline, "x=1");
	/* untouched defaults */
	assert_string_equal(c->http, "127.0.0.1:56741");
	assert_string_equal(c->sandbox, "none");
	config_free(c);
}

static void test_wrong_type_names_line(void **state)
{
	const char *text = "{\n"
			   "  \"procs\": 4,\n"
			   "  \"vm\": {\n"
			   "    \"count\": \"two\"\n"
			   "  }\n"
			   "}\n";
	struct mgr_config *c = NULL;

	(void)state;
	assert_int_equal(config_load_text("bad.cfg", text, &c), -EINVAL);
	assert_null(c);
	assert_non_null(strstr(
		logged.data,
		"bad.cfg:4: vm.count: expected an integer, got a string"));
}

static void test_unknown_field_warns(void **state)
{
	const char *text = "{\"procs\": 2,\n \"frobnicate\": 1}";
	struct mgr_config *c = NULL;

	(void)state;
	assert_int_equal(config_load_text("u.cfg", text, &c), 0);
	assert_non_null(
		strstr(logged.data, "u.cfg:2: unknown field 'frobnicate'"));
	config_free(c);
}

static void test_syntax_error(void **state)
{
	struct mgr_config *c = NULL;

	(void)state;
	assert_int_equal(config_load_text("s.cfg", "{\n \"procs\": ,\n}", &c),
			 -EINVAL);
	assert_non_null(strstr(logged.data, "s.cfg:2:"));
	assert_int_equal(config_load_text("d.cfg",
					  "{\"procs\": 1, \"procs\": 2}", &c),
			 -EINVAL);
	assert_int_equal(config_load_text("a.cfg", "[1, 2]", &c), -EINVAL);
	assert_non_null(strstr(logged.data, "expected a JSON object"));
}

static void test_bad_values(void **state)
{
	struct mgr_config *c = NULL;

	(void)state;
	assert_int_equal(config_load_text("v.cfg",
					  "{\"sandbox\": \"namespace\"}", &c),
			 -EINVAL);
	assert_non_null(strstr(logged.data,
			       "sandbox: expected \"none\" or \"setuid\""));
	assert_int_equal(config_load_text("v.cfg", "{\"procs\": 0}", &c),
			 -EINVAL);
	assert_int_equal(config_load_text("v.cfg", "{\"procs\": 33}", &c),
			 -EINVAL);
	assert_non_null(strstr(logged.data, "v.cfg:1: procs: expected an "
					    "integer from 1 to 32, got 33"));
	assert_int_equal(config_load_text("v.cfg",
					  "{\"enable_syscalls\": [\"a\", 3]}",
					  &c),
			 -EINVAL);
	assert_non_null(strstr(logged.data, "element 1 is an integer"));
	assert_int_equal(config_load_text("v.cfg", "{\"type\": \"isolated\"}",
					  &c),
			 -EINVAL);
	assert_non_null(strstr(logged.data, "vm.targets"));
	assert_int_equal(config_load("/nonexistent.cfg", &c), -ENOENT);
}

static void test_default(void **state)
{
	struct mgr_config *c = config_default();

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->type, "qemu");
	assert_string_equal(c->http, "127.0.0.1:56741");
	assert_string_equal(c->workdir, "./workdir");
	assert_int_equal(c->vm.count, 1);
	config_free(c);
	config_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_isolated_amdgpu, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_qemu_fields, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type_names_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_field_warns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_default, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
