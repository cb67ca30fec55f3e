/*
 * libFuzzer target: the wire protocol's receiving side (frame check, HELLO
 * decoding, the executor's request handling) on arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "executor.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wire_hello hello;
	static uint8_t reply[WIRE_HDR_SIZE + 65536];
	struct wire_hdr hdr;
	struct wire_wr w;
	long n;

	(void)wire_hello_decode(data, size, &hello);
	n = wire_frame_check(data, size, &hdr);
	if (n > 0 && hdr.len <= 65536 - 64) {
		wire_wr_init(&w, reply, sizeof(reply));
		(void)serve_handle(&hdr, data + WIRE_HDR_SIZE, &w);
	}
	return 0;
}
