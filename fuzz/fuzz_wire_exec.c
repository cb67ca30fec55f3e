/*
 * libFuzzer target: WIRE_EXEC request and WIRE_EXEC_REPLY decoding
 * (include/wire.h) on arbitrary bytes, the request's program through the
 * exec decoder, and the reply's records read back to the end.
 */
#include <stddef.h>
#include <stdint.h>

#include "exec_decode.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct exec_insn in;
	struct wire_exec req;
	struct wire_exec_reply rep;
	struct wire_exec_call c;
	struct exec_decoder d;
	char why[128];
	uint64_t sum = 0;

	if (!wire_exec_decode(data, size, &req, why, sizeof(why)) &&
	    !exec_decode_init(&d, req.prog, req.prog_len)) {
		while (exec_decode_next(&d, &in) > 0)
			;
	}
	if (!wire_exec_reply_decode(data, size, &rep)) {
		while (wire_exec_reply_next(&rep, &c)) {
			for (uint32_t i = 0; i < c.n_pcs; i++)
				sum += wire_call_pc(&c, i);
			for (uint32_t i = 0; i < c.n_cmps; i++)
				sum += wire_call_cmp(&c, i).arg1;
		}
	}
	return (int)(sum & 0);
}
