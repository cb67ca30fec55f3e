/*
 * Unit tests: the wire protocol (include/wire.h) and the executor's
 * request loop, including truncated, oversized and garbage streams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Before cmocka.h, whose fail() macro would clash with the executor's. */
#include "executor.h"
#include "wire.h"

#include <cmocka.h>

static void fill_hello(struct wire_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->features = WIRE_FEAT_KCOV | WIRE_FEAT_KASAN;
	strcpy(h->release, "6.1.192");
	strcpy(h->notes, "kcov comparisons: nope");
	h->n_nodes = 2;
	strcpy(h->nodes[0].path, "/dev/dri/card0");
	strcpy(h->nodes[0].driver, "vgem");
	strcpy(h->nodes[1].path, "/dev/dri/renderD128");
	h->nodes[1].err = 13;
}

static size_t encode_hello(uint8_t *mem, size_t cap, const struct wire_hello *h)
{
	struct wire_wr w;

	wire_wr_init(&w, mem, cap);
	wire_frame_begin(&w, WIRE_HELLO, 0);
	wire_hello_encode(&w, h);
	assert_int_equal(wire_frame_end(&w), 0);
	return w.len;
}

static void test_hello_round_trip(void **state)
{
	static uint8_t mem[8192];
	struct wire_hello in, *out = malloc(sizeof(*out));
	struct wire_hdr hdr;
	size_t len;

	(void)state;
	fill_hello(&in);
	len = encode_hello(mem, sizeof(mem), &in);
	/* Every proper prefix asks for more; the whole is one frame. */
	for (size_t i = 0; i < len; i++)
		assert_int_equal(wire_frame_check(mem, i, &hdr), 0);
	assert_int_equal(wire_frame_check(mem, len, &hdr), (long)len);
	assert_int_equal(hdr.type, WIRE_HELLO);
	assert_int_equal(hdr.len, len - WIRE_HDR_SIZE);
	assert_int_equal(wire_hello_decode(mem + WIRE_HDR_SIZE, hdr.len, out),
			 0);
	assert_int_equal(out->features, in.features);
	assert_string_equal(out->release, "6.1.192");
	assert_string_equal(out->notes, "kcov comparisons: nope");
	assert_int_equal(out->n_nodes, 2);
	assert_string_equal(out->nodes[0].path, "/dev/dri/card0");
	assert_string_equal(out->nodes[0].driver, "vgem");
	assert_string_equal(out->nodes[1].driver, "");
	assert_int_equal(out->nodes[1].err, 13);
	/* Any truncation of the payload is an error, never a crash. */
	for (size_t i = 0; i < hdr.len; i++)
		assert_int_equal(wire_hello_decode(mem + WIRE_HDR_SIZE, i, out),
				 -EBADMSG);
	free(out);
}

static void test_hello_garbage(void **state)
{
	static uint8_t mem[8192];
	struct wire_hello in, *out = malloc(sizeof(*out));
	size_t len;

	(void)state;
	fill_hello(&in);
	len = encode_hello(mem, sizeof(mem), &in) - WIRE_HDR_SIZE;
	/* Trailing bytes. */
	mem[WIRE_HDR_SIZE + len] = 1;
	assert_int_equal(wire_hello_decode(mem + WIRE_HDR_SIZE, len + 1, out),
			 -EBADMSG);
	/* Too many nodes. */
	wire_le32(mem + WIRE_HDR_SIZE, 0);
	{
		uint8_t p[16] = { 0 };

		wire_le32(p + 8, WIRE_MAX_NODES + 1);
		assert_int_equal(wire_hello_decode(p, 12, out), -EBADMSG);
		assert_int_equal(out->n_nodes, 0);
	}
	/* A string longer than its field, and one with a NUL inside. */
	{
		uint8_t p[256] = { 0 };

		wire_le16(p + 4, 200); /* release: over WIRE_RELEASE_MAX */
		memset(p + 6, 'a', 200);
		assert_int_equal(wire_hello_decode(p, sizeof(p), out),
				 -EBADMSG);
		wire_le16(p + 4, 3);
		p[6] = 'a';
		p[7] = 0;
		p[8] = 'b';
		assert_int_equal(wire_hello_decode(p, sizeof(p), out),
				 -EBADMSG);
	}
	/* Random bytes: any answer, no crash (ASan watches). */
	srand(1);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)rand() % sizeof(mem);

		for (size_t i = 0; i < n; i++)
			mem[i] = (uint8_t)rand();
		(void)wire_hello_decode(mem, n, out);
		assert_true(out->n_nodes <= WIRE_MAX_NODES);
	}
	free(out);
}

static void test_frame_check(void **state)
{
	uint8_t b[WIRE_HDR_SIZE + 4];
	struct wire_hdr h = { WIRE_MAGIC, WIRE_VERSION, WIRE_PING, 7, 4 }, got;

	(void)state;
	wire_hdr_encode(b, &h);
	memcpy(b + WIRE_HDR_SIZE, "abcd", 4);
	assert_int_equal(wire_frame_check(b, sizeof(b), &got), sizeof(b));
	assert_int_equal(got.id, 7);
	/* Garbage is detected from the first four bytes. */
	assert_int_equal(wire_frame_check((const uint8_t *)"GET / HTTP", 10,
					  &got),
			 -EBADMSG);
	assert_int_equal(wire_frame_check((const uint8_t *)"MD", 2, &got), 0);
	h.version = WIRE_VERSION + 1;
	wire_hdr_encode(b, &h);
	assert_int_equal(wire_frame_check(b, sizeof(b), &got),
			 -EPROTONOSUPPORT);
	assert_int_equal(got.version, WIRE_VERSION + 1);
	h.version = WIRE_VERSION;
	h.len = WIRE_MAX_PAYLOAD + 1;
	wire_hdr_encode(b, &h);
	assert_int_equal(wire_frame_check(b, WIRE_HDR_SIZE, &got), -EMSGSIZE);
	h.len = 0xffffffffU;
	wire_hdr_encode(b, &h);
	assert_int_equal(wire_frame_check(b, WIRE_HDR_SIZE, &got), -EMSGSIZE);
}

static void test_cursors(void **state)
{
	uint8_t mem[8];
	char s[4];
	struct wire_wr w;
	struct wire_rd r;

	(void)state;
	wire_wr_init(&w, mem, sizeof(mem));
	wire_put_u32(&w, 0x11223344);
	wire_put_u32(&w, 5);
	assert_int_equal(w.err, 0);
	wire_put_u8(&w, 1); /* overflow sticks */
	assert_int_equal(w.err, -EMSGSIZE);
	wire_rd_init(&r, mem, sizeof(mem));
	assert_int_equal(wire_get_u32(&r), 0x11223344);
	assert_int_equal(wire_get_u32(&r), 5);
	assert_int_equal(wire_get_u8(&r), 0);
	assert_int_equal(r.err, -EBADMSG);
	/* A string whose length runs past the end. */
	wire_rd_init(&r,
		     "\x03\x00"
		     "ab",
		     4);
	wire_get_str(&r, s, sizeof(s));
	assert_int_equal(r.err, -EBADMSG);
	assert_string_equal(s, "");
	/* A frame too small for its header. */
	wire_wr_init(&w, mem, sizeof(mem));
	wire_frame_begin(&w, WIRE_PING, 1);
	assert_int_equal(wire_frame_end(&w), -EMSGSIZE);
}

/* Run serve_stream on one end of a socketpair fed with @in. */
static int serve_bytes(const void *in, size_t len, uint8_t *out, size_t cap,
		       size_t *out_len, char *err, size_t errcap)
{
	int sp[2], rc;
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(write(sp[0], in, len), (ssize_t)len);
	shutdown(sp[0], SHUT_WR);
	rc = serve_stream(sp[1], sp[1], err, errcap);
	close(sp[1]);
	*out_len = 0;
	while ((n = read(sp[0], out + *out_len, cap - *out_len)) > 0)
		*out_len += (size_t)n;
	close(sp[0]);
	return rc;
}

static void test_serve(void **state)
{
	uint8_t in[256], out[256];
	struct wire_hdr h = { WIRE_MAGIC, WIRE_VERSION, WIRE_PING, 9, 3 }, got;
	char err[128];
	size_t n, len;

	(void)state;
	/* Two requests, a PING and an unknown type. */
	wire_hdr_encode(in, &h);
	memcpy(in + WIRE_HDR_SIZE, "xyz", 3);
	len = WIRE_HDR_SIZE + 3;
	h = (struct wire_hdr){ WIRE_MAGIC, WIRE_VERSION, 99, 10, 0 };
	wire_hdr_encode(in + len, &h);
	len += WIRE_HDR_SIZE;
	assert_int_equal(serve_bytes(in, len, out, sizeof(out), &n, err,
				     sizeof(err)),
			 0);
	assert_int_equal(wire_frame_check(out, n, &got), WIRE_HDR_SIZE + 3);
	assert_int_equal(got.type, WIRE_PONG);
	assert_int_equal(got.id, 9);
	assert_memory_equal(out + WIRE_HDR_SIZE, "xyz", 3);
	assert_true(wire_frame_check(out + WIRE_HDR_SIZE + 3,
				     n - WIRE_HDR_SIZE - 3, &got) > 0);
	assert_int_equal(got.type, WIRE_ERROR);
	assert_int_equal(got.id, 10);

	/* A stream cut inside a frame. */
	assert_int_equal(serve_bytes(in, WIRE_HDR_SIZE + 1, out, sizeof(out),
				     &n, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "inside a frame"));
	assert_int_equal(n, 0);
	/* Garbage. */
	assert_int_equal(serve_bytes("hello world, not a frame", 24, out,
				     sizeof(out), &n, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "magic"));
	/* An oversized frame is refused before any payload arrives. */
	h = (struct wire_hdr){ WIRE_MAGIC, WIRE_VERSION, WIRE_PING, 1,
			       WIRE_MAX_PAYLOAD + 1 };
	wire_hdr_encode(in, &h);
	assert_int_equal(serve_bytes(in, WIRE_HDR_SIZE, out, sizeof(out), &n,
				     err, sizeof(err)),
			 -EMSGSIZE);
	/* A clean EOF. */
	assert_int_equal(
		serve_bytes(in, 0, out, sizeof(out), &n, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_round_trip),
		cmocka_unit_test(test_hello_garbage),
		cmocka_unit_test(test_frame_check),
		cmocka_unit_test(test_cursors),
		cmocka_unit_test(test_serve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
