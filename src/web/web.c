/* The HTTP server on libmicrohttpd. */
#include "web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/log.h"

struct web_server {
	struct MHD_Daemon *d;
	struct web_route *routes;
	size_t n_routes;
	int port;
};

int web_addr_is_loopback(const char *host)
{
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4) ||
	       !strcmp(host, "::1") || !strcmp(host, "[::1]");
}

static enum MHD_Result send_body(struct MHD_Connection *conn, int status,
				 const char *type, struct buf *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = body->len;
	char *data = buf_detach(body);

	r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_size, void **req_cls)
{
	struct web_server *s = cls;
	struct buf body = { 0 };

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		buf_puts(&body, "{\"error\": \"method not allowed\"}\n");
		return send_body(conn, 405, "application/json", &body);
	}
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct web_route *r = &s->routes[i];
		const char *q;
		int status;

		if (strcmp(url, r->path))
			continue;
		q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
						"q");
		status = r->handler(r->ctx, q, &body);
		return send_body(conn, status, r->content_type, &body);
	}
	buf_printf(&body, "{\"error\": \"no such page\"}\n");
	return send_body(conn, 404, "application/json", &body);
}

int web_start(const char *addr, const struct web_route *routes, size_t n,
	      struct web_server **out)
{
	struct web_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss = { 0 };
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV },
			*ai = NULL;
	const char *colon = strrchr(addr, ':');
	char host[256];
	size_t hl;
	int rc;

	if (!s)
		return -ENOMEM;
	if (!colon || (hl = (size_t)(colon - addr)) >= sizeof(host)) {
		log_err("http: '%s': expected host:port", addr);
		free(s);
		return -EINVAL;
	}
	memcpy(host, addr, hl);
	host[hl] = 0;
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	rc = getaddrinfo(host[0] ? host : "127.0.0.1", colon + 1, &hints, &ai);
	if (rc) {
		log_err("http: '%s': %s", addr, gai_strerror(rc));
		free(s);
		return -EINVAL;
	}
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!web_addr_is_loopback(host[0] ? host : "127.0.0.1"))
		log_warn(
			"http: serving on %s, which is not loopback: anyone who reaches it sees your crashes",
			addr);
	s->routes = malloc(n * sizeof(*routes) + 1);
	if (!s->routes) {
		free(s);
		return -ENOMEM;
	}
	memcpy(s->routes, routes, n * sizeof(*routes));
	s->n_routes = n;
	s->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
			(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		MHD_OPTION_END);
	if (!s->d) {
		log_err("http: cannot listen on %s (in use? set \"http\" in the config to another port)",
			addr);
		free(s->routes);
		free(s);
		return -EADDRINUSE;
	}
	{
		const union MHD_DaemonInfo *di =
			MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);

		s->port = di ? di->port : 0;
	}
	*out = s;
	return 0;
}

int web_port(const struct web_server *s)
{
	return s->port;
}

void web_stop(struct web_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free(s->routes);
	free(s);
}
