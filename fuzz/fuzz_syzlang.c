/* libFuzzer target: the syzlang parser and compiler on arbitrary text
 * (first line after a "\n====\n" separator, if any, is a .const file). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syzlang/target.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct syz_diags d = { 0 };
	struct syz_target *t = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	char *consts = strstr(text, "\n====\n");
	if (consts) {
		*consts = 0;
		consts += 6;
	}
	struct syz_source src = { "fuzz.txt", text, consts };
	struct syz_load_opts o = { .sources = &src, .n_sources = 1 };
	syz_target_load(&o, &t, &d);
	syz_target_free(t);
	syz_diags_free(&d);
	free(text);
	return 0;
}
