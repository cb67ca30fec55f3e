/* Unit tests: signal sets and the SQLite corpus (incl. kill -9 safety). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "signal/signal.h"
#include "store/corpus.h"
#include "util/fileio.h"

static void test_signal_set(void **state)
{
	struct signal_set s = { 0 }, t = { 0 }, d = { 0 };
	uint32_t elems[] = { 0, 1, 2, 3,
			     102947 }; /* 0 and 13 * 7919 are in s */
	uint8_t p;

	(void)state;
	for (uint32_t i = 0; i < 100000; i++)
		assert_int_equal(signal_add(&s, i * 7919, 1), 1);
	assert_int_equal(s.len, 100000);
	assert_int_equal(signal_add(&s, 7919, 1), 0);
	assert_int_equal(signal_add(&s, 7919, 0), 0);
	assert_int_equal(signal_add(&s, 7919, 2), 1); /* raised priority */
	assert_true(signal_get(&s, 7919, &p));
	assert_int_equal(p, 2);
	assert_false(signal_get(&s, 7920, NULL));
	assert_true(signal_get(&s, 0, NULL));
	/* diff: elements new to s, or at a higher priority */
	assert_int_equal(signal_diff(&s, elems, 5, 1, &d), 3); /* 1, 2, 3 */
	assert_false(signal_get(&d, 0, NULL));
	assert_true(signal_get(&d, 1, NULL));
	assert_int_equal(signal_diff(&s, elems, 5, 2, &d), 5);
	/* serialisation round trip */
	{
		uint8_t *blob;
		size_t len;

		assert_int_equal(signal_serialize(&s, &blob, &len), 0);
		assert_int_equal(len, 5 * s.len);
		assert_int_equal(signal_deserialize(&t, blob, len), 0);
		assert_int_equal(t.len, s.len);
		assert_true(signal_get(&t, 7919, &p));
		assert_int_equal(p, 2);
		assert_int_equal(signal_deserialize(&t, blob, len - 1),
				 -EINVAL);
		free(blob);
	}
	/* d holds all five at priority 2: 1, 2, 3 are new, 0 and 102947 rise */
	assert_int_equal(signal_merge(&t, &d), 5);
	signal_free(&s);
	signal_free(&t);
	signal_free(&d);
}

static void test_signal_from_pcs(void **state)
{
	uint64_t pcs[] = { 0xffffffff81000010, 0xffffffff81000020,
			   0xffffffff81000010, 0xffffffff81000020 };
	uint32_t out[4];
	size_t n;

	(void)state;
	n = signal_from_pcs(pcs, 4, out);
	/* a->b, b->a, a->b again (dup): 3 distinct edges with the first */
	assert_int_equal(n, 3);
	assert_int_not_equal(out[0], out[1]);
	assert_int_equal(signal_from_pcs(pcs, 0, out), 0);
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/drmfuzz-store-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static int count_cb(const struct corpus_entry *e, void *ctx)
{
	struct signal_set s = { 0 };

	assert_int_equal(signal_deserialize(&s, e->signal, e->signal_len), 0);
	assert_true(s.len > 0);
	signal_free(&s);
	(*(int *)ctx)++;
	return 0;
}

static void test_corpus_roundtrip(void **state)
{
	char *dir = tmpdir();
	struct corpus_db *db;
	struct signal_set s = { 0 }, max = { 0 };
	int n = 0;

	(void)state;
	assert_int_equal(corpus_db_open(dir, &db), 0);
	signal_add(&s, 42, 1);
	assert_int_equal(corpus_db_put(db, "r0 = openat(0x0, 0x0, 0x0, 0x0)\n",
				       &s, "6.1.192"),
			 1);
	assert_int_equal(corpus_db_put(db, "r0 = openat(0x0, 0x0, 0x0, 0x0)\n",
				       &s, "6.1.192"),
			 0);
	assert_int_equal(corpus_db_put(db, "close(0x3)\n", &s, NULL), 1);
	assert_int_equal(corpus_db_count(db), 2);
	signal_add(&max, 7, 3);
	assert_int_equal(corpus_db_save_max_signal(db, &max), 0);
	assert_int_equal(corpus_db_set_stat(db, "execs", 1234), 0);
	corpus_db_close(db);

	assert_int_equal(corpus_db_open(dir, &db), 0);
	assert_int_equal(corpus_db_foreach(db, count_cb, &n), 0);
	assert_int_equal(n, 2);
	signal_free(&max);
	assert_int_equal(corpus_db_load_max_signal(db, &max), 0);
	assert_true(signal_get(&max, 7, NULL));
	assert_int_equal(corpus_db_get_stat(db, "execs", 0), 1234);
	assert_int_equal(corpus_db_get_stat(db, "nope", -1), -1);
	corpus_db_close(db);
	signal_free(&s);
	signal_free(&max);
	dir_remove_tree(dir);
	free(dir);
}

static void test_corpus_rejects_garbage(void **state)
{
	char *dir = tmpdir(), *path = path_join(dir, "corpus.db");
	struct corpus_db *db = NULL;
	char junk[8192];

	(void)state;
	memset(junk, 'x', sizeof(junk));
	assert_int_equal(file_write_atomic(path, junk, sizeof(junk)), 0);
	assert_true(corpus_db_open(dir, &db) < 0);
	assert_null(db);
	dir_remove_tree(dir);
	free(path);
	free(dir);
}

/*
 * A writer child is killed with SIGKILL at a random moment; every program
 * it reported as stored must still be there, and the database must open.
 */
static void test_corpus_kill9(void **state)
{
	char *dir = tmpdir();

	(void)state;
	for (int round = 0; round < 5; round++) {
		int pfd[2], acked = 0, n = 0;
		struct corpus_db *db;
		pid_t pid;

		assert_int_equal(pipe(pfd), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct signal_set s = { 0 };

			close(pfd[0]);
			if (corpus_db_open(dir, &db))
				_exit(1);
			for (int i = 0;; i++) {
				char prog[64];

				snprintf(prog, sizeof(prog), "close(0x%x)\n",
					 round * 1000000 + i);
				signal_add(&s, (uint32_t)i, 0);
				if (corpus_db_put(db, prog, &s, NULL) != 1)
					_exit(2);
				if (write(pfd[1], "x", 1) != 1)
					_exit(3);
			}
		}
		close(pfd[1]);
		usleep(20000 + (unsigned)(rand() % 200000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		{
			char c;

			while (read(pfd[0], &c, 1) == 1)
				acked++;
		}
		close(pfd[0]);
		assert_int_equal(corpus_db_open(dir, &db), 0);
		assert_int_equal(corpus_db_foreach(db, count_cb, &n), 0);
		assert_true(n >= acked);
		corpus_db_close(db);
	}
	dir_remove_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signal_set),
		cmocka_unit_test(test_signal_from_pcs),
		cmocka_unit_test(test_corpus_roundtrip),
		cmocka_unit_test(test_corpus_rejects_garbage),
		cmocka_unit_test(test_corpus_kill9),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
