/* Unit tests: the HTTP server (routes, 404, methods, loopback checks). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "web/web.h"

static int stats_handler(void *ctx, const char *query, struct buf *out)
{
	(void)query;
	buf_printf(out, "{\"execs\": %d}\n", *(int *)ctx);
	return 200;
}

/* One HTTP/1.0 request over loopback; returns the whole response. */
static char *http_request(int port, const char *method, const char *path)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	char req[256], *resp = calloc(1, 65536);
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: x\r\n\r\n", method,
		 path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, resp + got, 65535 - got)) > 0)
		got += (size_t)n;
	close(fd);
	return resp;
}

static void test_routes(void **state)
{
	int execs = 42;
	struct web_route routes[] = {
		{ "/api/stats", "application/json", stats_handler, &execs },
	};
	struct web_server *s = NULL;
	char *r;

	(void)state;
	assert_int_equal(web_start("127.0.0.1:0", routes, 1, &s), 0);
	assert_true(web_port(s) > 0);
	r = http_request(web_port(s), "GET", "/api/stats");
	assert_non_null(strstr(r, "200 OK"));
	assert_non_null(strstr(r, "application/json"));
	assert_non_null(strstr(r, "{\"execs\": 42}"));
	free(r);
	execs = 43;
	r = http_request(web_port(s), "GET", "/api/stats?x=1");
	assert_non_null(strstr(r, "{\"execs\": 43}"));
	free(r);
	r = http_request(web_port(s), "GET", "/nope");
	assert_non_null(strstr(r, " 404 "));
	free(r);
	r = http_request(web_port(s), "POST", "/api/stats");
	assert_non_null(strstr(r, " 405 "));
	free(r);
	web_stop(s);
	web_stop(NULL);
}

static void test_bad_addr(void **state)
{
	struct web_server *s = NULL;

	(void)state;
	assert_true(web_start("nocolon", NULL, 0, &s) < 0);
	assert_true(web_start("256.1.1.1:80", NULL, 0, &s) < 0);
	assert_null(s);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(web_addr_is_loopback("127.0.0.1"));
	assert_true(web_addr_is_loopback("localhost"));
	assert_true(web_addr_is_loopback("::1"));
	assert_false(web_addr_is_loopback("0.0.0.0"));
	assert_false(web_addr_is_loopback("10.0.0.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_bad_addr),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
