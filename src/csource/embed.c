/*
 * Build tool: turn a text file into a C header defining
 * `static const char NAME[]` with its bytes (NUL-terminated), so the
 * reproducer runtime (runtime.tmpl) is part of the library.
 * Usage: csource_embed NAME INPUT OUTPUT
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	FILE *in, *out;
	int c, n = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s NAME INPUT OUTPUT\n", argv[0]);
		return 2;
	}
	in = fopen(argv[2], "rb");
	out = fopen(argv[3], "w");
	if (!in || !out) {
		perror("csource_embed");
		return 1;
	}
	fprintf(out, "/* Generated from %s by csource_embed. */\n", argv[2]);
	fprintf(out, "static const char %s[] = {\n", argv[1]);
	while ((c = fgetc(in)) != EOF)
		fprintf(out, "0x%02x,%s", c, ++n % 16 ? "" : "\n");
	fprintf(out, "0x00\n};\n");
	fclose(in);
	return fclose(out) ? 1 : 0;
}
