/* libFuzzer target: the exec decoder (include/exec_decode.h) and the
 * readable dump on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "exec_decode.h"
#include "prog/prog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exec_decoder d;
	static struct exec_insn in;
	char err[256];
	int rc = exec_decode_init(&d, data, size);
	while (rc >= 0 && (rc = exec_decode_next(&d, &in)) > 0) {
		if (in.op == EXEC_OP_COPYIN && in.arg.kind == EXEC_ARG_DATA &&
		    in.arg.size && in.arg.data[in.arg.size - 1] == 0xfe)
			rc = 1; /* touch the bytes: ASan checks the bounds */
	}
	free(prog_exec_dump(data, size, err, sizeof(err)));
	return 0;
}
