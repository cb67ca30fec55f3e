/*
 * The HTTP server (libmicrohttpd): JSON API and pages. Routes are a table
 * of handlers; each builds a response body. Binds to the address given
 * ("127.0.0.1:56741" by default: loopback only unless the user asks).
 */
#ifndef DRMFUZZ_WEB_WEB_H
#define DRMFUZZ_WEB_WEB_H

#include "util/buf.h"

struct web_server;

/*
 * A handler appends the response body to @out and returns an HTTP status
 * (200, 404...). @query is the raw query string or NULL.
 */
struct web_route {
	const char *path; /* exact match, e.g. "/api/stats" */
	const char *content_type; /* e.g. "application/json" */
	int (*handler)(void *ctx, const char *query, struct buf *out);
	void *ctx;
};

/*
 * Start serving @routes (copied; handlers run on the server's thread, so
 * they must lock what they read). @addr is "host:port" (port 0: any free
 * port; web_port() tells which). Returns 0 or -errno after logging why.
 */
int web_start(const char *addr, const struct web_route *routes, size_t n,
	      struct web_server **out);
/* The bound port. */
int web_port(const struct web_server *s);
void web_stop(struct web_server *s);

/* True for 127.0.0.0/8, ::1 and "localhost". */
int web_addr_is_loopback(const char *host);

#endif
