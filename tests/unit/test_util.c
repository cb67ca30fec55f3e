/* Unit tests: util (buffers, vectors, files, hashes, processes). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/hash.h"
#include "util/spawn.h"

static void test_buf_printf(void **state)
{
	struct buf b = { 0 };
	char *s;

	(void)state;
	assert_int_equal(buf_printf(&b, "%s-%d", "abc", 42), 0);
	assert_int_equal(buf_putc(&b, '!'), 0);
	assert_string_equal(b.data, "abc-42!");
	assert_int_equal(b.len, 7);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_puts(&b, "xy"), 0);
	assert_int_equal(b.len, 20007);
	assert_int_equal(b.data[b.len], 0);
	s = buf_detach(&b);
	assert_null(b.data);
	assert_memory_equal(s, "abc-42!xy", 9);
	free(s);
	s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
}

static void test_vec(void **state)
{
	VEC(int) v = { 0 };
	int *it, sum = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(vec_push(&v, i), 0);
	assert_int_equal(v.n, 1000);
	vec_foreach(&v, it)
		sum += *it;
	assert_int_equal(sum, 999 * 1000 / 2);
	vec_free(&v);
	assert_null(v.v);
}

static void test_file_atomic(void **state)
{
	char dir[] = "/tmp/drmfuzz-test-XXXXXX";
	char *path, *sub, *data;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = path_join(dir, "f");
	assert_int_equal(file_write_atomic(path, "hello", 5), 0);
	assert_int_equal(file_write_atomic(path, "bye", 3), 0);
	assert_int_equal(file_read_all(path, 0, &data, &len), 0);
	assert_int_equal(len, 3);
	assert_string_equal(data, "bye");
	free(data);
	assert_int_equal(file_read_all(path, 2, &data, &len), -EFBIG);
	assert_int_equal(file_read_all("/nonexistent/x", 0, &data, &len),
			 -ENOENT);
	sub = path_join(dir, "a/b/c");
	assert_int_equal(dir_create(sub, 0755), 0);
	assert_true(path_is_dir(sub));
	assert_int_equal(dir_create(path, 0755), -ENOTDIR);
	assert_int_equal(dir_remove_tree(dir), 0);
	assert_false(path_exists(dir));
	assert_int_equal(dir_remove_tree("/"), -EINVAL);
	free(path);
	free(sub);
}

static void test_hash(void **state)
{
	char hex[65];

	(void)state;
	hash_sha1_hex("abc", 3, hex);
	assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	hash_sha256_hex("abc", 3, hex);
	assert_string_equal(
		hex,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_not_equal(hash_xxh64("a", 1, 0), hash_xxh64("b", 1, 0));
}

/* The state letter of /proc/PID/stat ('R', 'S', 'Z'...), 'X' when gone. */
static char proc_state(pid_t pid)
{
	char path[64], *text = NULL, c = 'X';
	size_t len = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (file_read_all(path, 4096, &text, &len) == 0 &&
	    sscanf(text, "%*d %*s %c", &c) != 1)
		c = 'X';
	free(text);
	return c;
}

/* A child started with die_with_parent goes when its parent is killed. */
static void test_spawn_orphan(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	int fds[2], st;
	pid_t mid, child = 0;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		struct spawn_opts so = SPAWN_OPTS_DEFAULT;
		pid_t p = 0;

		so.new_pgrp = 1;
		so.die_with_parent = 1;
		if (spawn_start(argv, &so, &p))
			_exit(1);
		if (write(fds[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &child, sizeof(child)), sizeof(child));
	close(fds[0]);
	assert_true(child > 0);
	assert_int_equal(kill(child, 0), 0);
	kill(mid, SIGKILL);
	assert_int_equal(waitpid(mid, &st, 0), mid);
	/* Reparented (to init or a subreaper) and killed: gone or a zombie. */
	for (int i = 0; i < 500 && !strchr("XZ", proc_state(child)); i++)
		usleep(10000);
	assert_non_null(strchr("XZ", proc_state(child)));
}

static void test_spawn(void **state)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	char *slow[] = { "sleep", "10", NULL };
	char *none[] = { "drmfuzz-no-such-program", NULL };
	char *out = NULL;
	int code = -1;

	(void)state;
	assert_int_equal(spawn_capture(argv, 10000, &out, &code), 0);
	assert_int_equal(code, 3);
	assert_non_null(strstr(out, "out\n"));
	assert_non_null(strstr(out, "err\n"));
	free(out);
	assert_int_equal(spawn_capture(slow, 100, NULL, &code), -ETIMEDOUT);
	assert_int_equal(spawn_capture(none, 1000, NULL, &code), -ENOENT);
}

static void test_which(void **state)
{
	char *p = path_which("sh");

	(void)state;
	assert_non_null(p);
	assert_true(path_is_executable(p));
	free(p);
	assert_null(path_which("drmfuzz-no-such-program"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_vec),
		cmocka_unit_test(test_file_atomic),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_spawn),
		cmocka_unit_test(test_spawn_orphan),
		cmocka_unit_test(test_which),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
