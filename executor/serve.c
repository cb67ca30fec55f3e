/*
 * drmfuzz-executor: requests answered one at a time, in order: the
 * dispatch of one request by its type, and a plain loop over a stream
 * (tests; the machine pipelines, router.c and server.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "executor.h"

static uint8_t rx[WIRE_HDR_SIZE + WIRE_MAX_PAYLOAD];
static uint8_t tx[WIRE_HDR_SIZE + WIRE_MAX_PAYLOAD];

int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int serve_error(uint32_t id, struct wire_wr *w, const char *msg)
{
	wire_frame_begin(w, WIRE_ERROR, id);
	wire_put_str(w, msg);
	return wire_frame_end(w);
}

int serve_handle(const struct wire_hdr *hdr, const uint8_t *payload,
		 struct wire_wr *w)
{
	char msg[64];

	switch (hdr->type) {
	case WIRE_PING:
		wire_frame_begin(w, WIRE_PONG, hdr->id);
		wire_put_bytes(w, payload, hdr->len);
		break;
	case WIRE_EXEC:
		return server_run_program(hdr->id, payload, hdr->len, w);
	case WIRE_BENCH:
		return bench_run(hdr->id, payload, hdr->len, w);
	default:
		snprintf(msg, sizeof(msg), "unsupported request type %u",
			 (unsigned)hdr->type);
		return serve_error(hdr->id, w, msg);
	}
	return wire_frame_end(w);
}

int serve_stream(int in, int out, char *err, size_t cap)
{
	size_t have = 0;

	for (;;) {
		struct wire_hdr hdr;
		struct wire_wr w;
		long n = wire_frame_check(rx, have, &hdr);
		ssize_t got;
		int e;

		if (n < 0) {
			snprintf(err, cap, "%s", wire_frame_error(n));
			return (int)n;
		}
		if (n == 0) {
			got = read(in, rx + have, sizeof(rx) - have);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				e = -errno;
				snprintf(err, cap, "read: %s", strerror(errno));
				return e;
			}
			if (got == 0) {
				if (!have)
					return 0;
				snprintf(
					err, cap,
					"host closed the stream inside a frame");
				return -EBADMSG;
			}
			have += (size_t)got;
			continue;
		}
		wire_wr_init(&w, tx, sizeof(tx));
		e = serve_handle(&hdr, rx + WIRE_HDR_SIZE, &w);
		if (!e)
			e = write_all(out, tx, w.len);
		if (e) {
			snprintf(err, cap, "reply: %s", strerror(-e));
			return e;
		}
		memmove(rx, rx + n, have - (size_t)n);
		have -= (size_t)n;
	}
}
