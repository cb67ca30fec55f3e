/*
 * Benchmark: compile all of syzkaller's sys/linux. Prints wall time and
 * peak RSS, against a baseline measured in the same run: reading the
 * same files and splitting them into words (a stand-in for lexing).
 * usage: bench_syzlang SYZKALLER_DIR [ROUNDS]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "syzlang/target.h"
#include "util/fileio.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Read every .txt/.const file and count its words. */
static size_t baseline(const char *dir, size_t *bytes)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t words = 0;

	*bytes = 0;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".txt") &&
		    !strstr(de->d_name, ".const"))
			continue;
		char *p = path_join(dir, de->d_name), *data = NULL;
		size_t len;
		if (p && !file_read_all(p, 0, &data, &len)) {
			int in = 0;
			for (size_t i = 0; i < len; i++) {
				int w = data[i] > ' ' && data[i] != '[' &&
					data[i] != ']' && data[i] != ',';
				words += w && !in;
				in = w;
			}
			*bytes += len;
		}
		free(data);
		free(p);
	}
	closedir(d);
	return words;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s SYZKALLER_DIR [ROUNDS]\n", argv[0]);
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	char *dir = path_join(argv[1], "sys/linux");
	double base = 1e9, comp = 1e9;
	size_t bytes = 0, words = 0, calls = 0, structs = 0;
	long rss0 = peak_kb();

	for (int i = 0; i < rounds; i++) {
		double t0 = now();
		words = baseline(dir, &bytes);
		double t1 = now();
		if (t1 - t0 < base)
			base = t1 - t0;
	}
	long rss_base = peak_kb();
	for (int i = 0; i < rounds; i++) {
		struct syz_load_opts o = { .syzkaller = argv[1] };
		struct syz_diags d = { 0 };
		struct syz_target *t = NULL;
		double t0 = now();
		int r = syz_target_load(&o, &t, &d);
		double t1 = now();
		if (r) {
			fprintf(stderr, "compile failed: %zu errors\n",
				d.n_errors);
			return 1;
		}
		calls = t->n_calls;
		structs = t->n_structs;
		if (t1 - t0 < comp)
			comp = t1 - t0;
		syz_target_free(t);
		syz_diags_free(&d);
	}
	long rss = peak_kb();
	printf("sys/linux: %.1f MB, %zu words; %zu calls, %zu structs\n",
	       (double)bytes / 1e6, words, calls, structs);
	printf("baseline (read + split): %8.3f s\n", base);
	printf("compile:                 %8.3f s  (%.1fx baseline)\n", comp,
	       comp / base);
	printf("peak RSS: %ld MB at start, %ld MB after baseline, %ld MB after "
	       "compiling\n",
	       rss0 / 1024, rss_base / 1024, rss / 1024);
	free(dir);
	return 0;
}
