/* Tests for src/crashdb: dedup by title, the 100-log ring, known bugs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crashdb/crashdb.h"
#include "util/fileio.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/drmfuzz-crashdb-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return strdup(tmpl);
}

static struct report *make(const char *title, const char *text)
{
	struct report *rep = report_new_no_output(text, strlen(text));
	assert_non_null(rep);
	free(rep->title);
	rep->title = strdup(title);
	return rep;
}

static char *read_in(struct crashdb *db, const char *id, const char *name)
{
	char *dir = crashdb_dir(db, id), *p = path_join(dir, name), *data;
	size_t len;
	int err = file_read_all(p, 0, &data, &len);
	free(dir);
	free(p);
	return err ? NULL : data;
}

static void test_store(void **state)
{
	(void)state;
	char *work = tmpdir();
	struct crashdb *db;
	assert_int_equal(crashdb_open(work, &db), 0);
	struct report *a = make("WARNING in drm_wait_one_vblank", "report a\n");
	struct report *b = make("KASAN: use-after-free Read in foo", "rb\n");
	struct crashdb_saved s;
	char logbuf[64];
	for (int i = 0; i < 105; i++) {
		int l = snprintf(logbuf, sizeof(logbuf), "console %d\n", i);
		assert_int_equal(crashdb_save(db, a, logbuf, (size_t)l, &s), 0);
		assert_int_equal(s.count, (uint64_t)i + 1);
		assert_int_equal(s.is_new, i == 0);
	}
	assert_int_equal(s.slot, 4); /* the 105th overwrote the oldest */
	assert_int_equal(crashdb_save(db, b, "x", 1, &s), 0);
	assert_true(s.is_new);

	char id[41];
	struct crashdb_entry *e;
	size_t n;
	assert_int_equal(crashdb_list(db, &e, &n), 0);
	assert_int_equal(n, 2);
	size_t ia = strcmp(e[0].title, a->title) ? 1 : 0;
	assert_string_equal(e[ia].title, a->title);
	assert_int_equal(e[ia].count, 105);
	assert_int_equal(e[ia].n_logs, 100);
	memcpy(id, e[ia].id, 41);
	crashdb_entries_free(e, n);

	char *desc = read_in(db, id, "description");
	assert_string_equal(desc, a->title);
	free(desc);
	char *log4 = read_in(db, id, "log4");
	assert_string_equal(log4, "console 104\n");
	free(log4);
	char *log5 = read_in(db, id, "log5");
	assert_string_equal(log5, "console 5\n");
	free(log5);
	char *log100 = read_in(db, id, "log100");
	assert_null(log100);
	char *rep0 = read_in(db, id, "report0");
	assert_string_equal(rep0, "report a\n");
	free(rep0);

	/* Known bugs sort last; a reopened store keeps its counts. */
	char *known = path_join(work, "known.txt");
	const char *list = "# exported from syzbot\n\n"
			   "WARNING in drm_wait_one_vblank\r\n";
	assert_int_equal(file_write_atomic(known, list, strlen(list)), 0);
	crashdb_close(db);
	assert_int_equal(crashdb_open(work, &db), 0);
	assert_int_equal(crashdb_load_known(db, known), 1);
	assert_true(crashdb_is_known(db, a->title));
	assert_false(crashdb_is_known(db, b->title));
	assert_int_equal(crashdb_save(db, a, "y", 1, &s), 0);
	assert_true(s.known);
	assert_int_equal(s.count, 106);
	assert_int_equal(crashdb_list(db, &e, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].title, b->title);
	assert_false(e[0].known);
	assert_true(e[1].known);
	crashdb_entries_free(e, n);
	assert_true(crashdb_load_known(db, "/nonexistent/known") < 0);

	crashdb_close(db);
	crashdb_close(NULL);
	report_free(a);
	report_free(b);
	assert_int_equal(dir_remove_tree(work), 0);
	free(known);
	free(work);
}

static void test_repro(void **state)
{
	(void)state;
	char *work = tmpdir(), *dir, *t;
	struct crashdb *db;
	struct crashdb_saved s;
	struct crashdb_entry *e;
	size_t n;
	int attempt;
	struct report *a =
		make("KASAN: double-free in dfb_ioctl_release", "r\n");
	struct crashdb_repro fail = { "not reproduced", NULL, NULL,
				      "tried 1\n",	NULL, "{\"f\":1}" };
	struct crashdb_repro ok = { "reproduced", "prog\n",   "int main;\n",
				    "tried 2\n",  "report\n", "{\"ok\":1}" };

	assert_int_equal(crashdb_open(work, &db), 0);
	assert_int_equal(crashdb_save(db, a, "log", 3, &s), 0);
	dir = crashdb_dir(db, s.id);
	/* Three attempts at most. */
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(crashdb_repro_attempt(dir, 3, &attempt), 0);
		assert_int_equal(attempt, i);
	}
	assert_int_equal(crashdb_repro_attempt(dir, 3, &attempt), -EAGAIN);
	assert_int_equal(crashdb_list(db, &e, &n), 0);
	assert_string_equal(e[0].repro_state, "reproducing");
	assert_int_equal(e[0].repro_attempts, 3);
	crashdb_entries_free(e, n);
	/* A failure writes its log; a success replaces it. */
	assert_int_equal(crashdb_save_repro(dir, &fail), 0);
	t = read_in(db, s.id, "repro.log");
	assert_string_equal(t, "tried 1\n");
	free(t);
	assert_null(read_in(db, s.id, "repro.prog"));
	assert_int_equal(crashdb_save_repro(dir, &ok), 0);
	t = read_in(db, s.id, "repro.prog");
	assert_string_equal(t, "prog\n");
	free(t);
	t = read_in(db, s.id, "repro.cprog");
	assert_string_equal(t, "int main;\n");
	free(t);
	/* A later failure never hides the reproducer. */
	assert_int_equal(crashdb_save_repro(dir, &fail), 0);
	t = read_in(db, s.id, "repro.log");
	assert_string_equal(t, "tried 2\n");
	free(t);
	t = read_in(db, s.id, "repro.retry.log");
	assert_string_equal(t, "tried 1\n");
	free(t);
	t = read_in(db, s.id, "repro.json");
	assert_string_equal(t, "{\"ok\":1}");
	free(t);
	assert_int_equal(crashdb_list(db, &e, &n), 0);
	assert_string_equal(e[0].repro_state, "reproduced");
	crashdb_entries_free(e, n);
	/* A new occurrence keeps the reproduction's state. */
	assert_int_equal(crashdb_save(db, a, "log", 3, &s), 0);
	assert_int_equal(crashdb_repro_attempt(dir, 10, &attempt), -EAGAIN);
	assert_int_equal(crashdb_save_repro("/nonexistent/x", &ok), -ENOENT);
	report_free(a);
	free(dir);
	crashdb_close(db);
	assert_int_equal(dir_remove_tree(work), 0);
	free(work);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_repro),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
