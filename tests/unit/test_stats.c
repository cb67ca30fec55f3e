/* Unit tests: fuzzing statistics and their JSON/status-line forms. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "manager/stats.h"

static void test_json_fields(void **state)
{
	static const char *const numeric[] = { "uptime_s",   "vms",    "execs",
					       "exec_per_s", "corpus", "signal",
					       "coverage",   "crashes" };
	struct stats s;
	struct stats_snapshot snap;
	struct buf b = { 0 };
	json_error_t err;
	json_t *j;

	(void)state;
	stats_init(&s, 100, 1000);
	atomic_fetch_add(&s.execs, 5);
	atomic_store(&s.vms, 2);
	atomic_store(&s.corpus, 7);
	atomic_store(&s.crashes, 1);
	stats_snapshot(&s, &snap);
	assert_int_equal(snap.execs, 1005);
	assert_true(snap.uptime_s >= 100);
	stats_format_json(&snap, &b);
	j = json_loads(b.data, 0, &err);
	assert_non_null(j);
	for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++)
		assert_true(json_is_number(json_object_get(j, numeric[i])));
	assert_int_equal(json_integer_value(json_object_get(j, "execs")), 1005);
	assert_int_equal(json_integer_value(json_object_get(j, "vms")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "corpus")), 7);
	json_decref(j);
	buf_reset(&b);
	stats_format_line(&snap, &b);
	assert_non_null(strstr(b.data, "2 VMs, 1005 execs"));
	assert_non_null(strstr(b.data, "corpus 7"));
	assert_non_null(strstr(b.data, "crashes 1"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
