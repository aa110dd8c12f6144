/*
 * The HTTP server in the simulator, spoken to in raw bytes: status codes
 * for malformed and unusual requests, HTTP/0.9, pipelining order,
 * persistence by version, the processing-time queue, and what a server
 * must refuse (issue 10): writes unless writable, foreign Host names,
 * targets other than origin and absolute form, credentials in TRACE.
 */
#include <glib.h>
#include <string.h>

#include "server_world.h"
#include "test_util.h"

/* Sends `request` on a fresh connection (the default configuration) and
 * returns the reply; the simulation runs for 20 s. */
static char *exchange(const char *request, bool *closed) { return sw_exchange(request, NULL, closed); }

static void expect_status(const char *request, const char *status_line, bool must_close)
{
    bool closed;
    char *r = exchange(request, &closed);
    if (!g_str_has_prefix(r, status_line))
        printf("\n    request %.30s... got: %.60s", request, r);
    CU_ASSERT_TRUE(g_str_has_prefix(r, status_line));
    if (must_close)
        CU_ASSERT_TRUE(closed);
    g_free(r);
}

static void test_error_statuses(void)
{
    expect_status("GET /index.html HTTP/2.0\r\nHost: server\r\n\r\n", "HTTP/1.1 505 ", true);
    expect_status("BREW /pot HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 501 ", false);
    expect_status("GET /index.html HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", true);
    expect_status("GET /index.html HTTP/1.1\r\nHost: server\r\nContent-Length: 5\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n",
                  "HTTP/1.1 400 ", true);
    expect_status("GET /nope HTTP/1.0\r\n\r\n", "HTTP/1.0 404 ", true);
    expect_status("CONNECT server:443 HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 405 ", false);
    GString *longline = g_string_new("GET /");
    for (int i = 0; i < 9000; i++)
        g_string_append_c(longline, 'a');
    g_string_append(longline, " HTTP/1.1\r\nHost: server\r\n\r\n");
    expect_status(longline->str, "HTTP/1.1 414 ", true);
    g_string_free(longline, TRUE);
    GString *many = g_string_new("GET /index.html HTTP/1.1\r\nHost: server\r\n");
    for (int i = 0; i < 200; i++)
        g_string_append_printf(many, "X-Filler-%d: %d\r\n", i, i);
    g_string_append(many, "\r\n");
    expect_status(many->str, "HTTP/1.1 431 ", true);
    g_string_free(many, TRUE);
}

static void test_persistence_by_version(void)
{
    bool closed;
    /* 1.1: stays open (until the 15 s idle timeout) */
    char *r = exchange("GET /index.html HTTP/1.1\r\nHost: server\r\n\r\n", &closed);
    CU_ASSERT_TRUE(g_str_has_prefix(r, "HTTP/1.1 200 OK\r\n"));
    CU_ASSERT_FALSE(closed);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "Expires: "));
    CU_ASSERT_TRUE(g_str_has_suffix(r, "\r\n\r\n<p>hi</p>\r\n"));
    g_free(r);
    /* 1.0 without keep-alive: closed after the response */
    r = exchange("GET /index.html HTTP/1.0\r\n\r\n", &closed);
    CU_ASSERT_TRUE(g_str_has_prefix(r, "HTTP/1.0 200 OK\r\n"));
    CU_ASSERT_TRUE(closed);
    g_free(r);
    /* 1.0 with keep-alive: kept, and said so */
    r = exchange("GET /index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &closed);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "Connection: keep-alive\r\n"));
    CU_ASSERT_FALSE(closed);
    g_free(r);
    /* 1.1 with Connection: close */
    r = exchange("GET /index.html HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n", &closed);
    CU_ASSERT_TRUE(closed);
    g_free(r);
    /* HTTP/0.9: the body alone, then close */
    r = exchange("GET /index.html\r\n", &closed);
    CU_ASSERT_STRING_EQUAL(r, "<p>hi</p>\r\n");
    CU_ASSERT_TRUE(closed);
    g_free(r);
}

static void test_pipelined_order_and_methods(void)
{
    char *r = exchange("GET /big.bin HTTP/1.1\r\nHost: server\r\n\r\n"
                       "HEAD /index.html HTTP/1.1\r\nHost: server\r\n\r\n"
                       "OPTIONS * HTTP/1.1\r\nHost: server\r\n\r\n"
                       "TRACE /t HTTP/1.1\r\nHost: server\r\nX-Trace: yes\r\n\r\n"
                       "GET /index.html HTTP/1.1\r\nHost: server\r\nRange: bytes=3-5\r\n"
                       "Connection: close\r\n\r\n",
                       NULL);
    const char *a = strstr(r, "HTTP/1.1 200 OK");
    const char *b = a ? strstr(a + 1, "HTTP/1.1 200 OK") : NULL;      /* HEAD */
    const char *c = b ? strstr(b + 1, "HTTP/1.1 204 No Content") : NULL; /* OPTIONS */
    const char *d = c ? strstr(c + 1, "HTTP/1.1 200 OK") : NULL;      /* TRACE */
    const char *e = d ? strstr(d + 1, "HTTP/1.1 206 Partial Content") : NULL;
    CU_ASSERT_TRUE(a == r && b && c && d && e);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "Allow: GET, HEAD, POST, OPTIONS, TRACE\r\n")); /* read-only */
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "Content-Type: message/http"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "X-Trace: yes"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "Content-Range: bytes 3-5/11"));
    CU_ASSERT_TRUE(g_str_has_suffix(r, "\r\n\r\nhi<"));
    g_free(r);
}

static void test_conditional_get_and_put(void)
{
    char *r = exchange("GET /index.html HTTP/1.1\r\nHost: server\r\n"
                       "If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n",
                       NULL);
    CU_ASSERT_TRUE(g_str_has_prefix(r, "HTTP/1.1 304 Not Modified\r\n"));
    g_free(r);
    r = exchange("GET /index.html HTTP/1.1\r\nHost: server\r\n"
                 "If-Modified-Since: Sun, 31 Dec 2023 22:00:00 GMT\r\n\r\n",
                 NULL);
    CU_ASSERT_TRUE(g_str_has_prefix(r, "HTTP/1.1 200 OK\r\n"));
    g_free(r);
    http_server_config cfg;
    http_server_config_default(&cfg);
    cfg.writable = true;
    r = sw_exchange("PUT /new.txt HTTP/1.1\r\nHost: server\r\nContent-Length: 5\r\n\r\nhello"
                    "GET /new.txt HTTP/1.1\r\nHost: server\r\n\r\n"
                    "DELETE /new.txt HTTP/1.1\r\nHost: server\r\n\r\n"
                    "GET /new.txt HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n",
                    &cfg, NULL);
    const char *a = strstr(r, "HTTP/1.1 201 Created");
    const char *b = a ? strstr(a, "\r\n\r\nhello") : NULL;
    const char *c = b ? strstr(b, "HTTP/1.1 204 No Content") : NULL;
    const char *d = c ? strstr(c, "HTTP/1.1 404 Not Found") : NULL;
    CU_ASSERT_TRUE(a && b && c && d);
    g_free(r);
}

/* Item 2 of issue 10: PUT and DELETE are refused unless the server is
 * writable, and nothing changes. */
static void test_read_only_by_default(void)
{
    char *r = exchange("PUT /new.txt HTTP/1.1\r\nHost: server\r\nContent-Length: 5\r\n\r\nhello"
                       "DELETE /index.html HTTP/1.1\r\nHost: server\r\n\r\n"
                       "GET /new.txt HTTP/1.1\r\nHost: server\r\n\r\n"
                       "GET /index.html HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n",
                       NULL);
    const char *a = strstr(r, "HTTP/1.1 405 Method Not Allowed");
    const char *b = a ? strstr(a + 1, "HTTP/1.1 405 Method Not Allowed") : NULL;
    const char *c = b ? strstr(b, "HTTP/1.1 404 Not Found") : NULL;
    const char *d = c ? strstr(c, "HTTP/1.1 200 OK") : NULL;
    CU_ASSERT_TRUE(a == r && b && c && d);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "Allow: GET, HEAD, POST, OPTIONS, TRACE\r\n"));
    g_free(r);
}

/* Item 2: the Host must be a loopback name or the server's own name (here
 * the node's, "server"), with or without a port, in any case; others are
 * 421 (an empty one too), a missing Host in 1.1 is 400, in 1.0 it is
 * fine. */
static void test_host_check(void)
{
    static const char *const good[] = {"server", "server:80", "SERVER", "localhost", "localhost:8080",
                                       "127.0.0.1:80", "[::1]", "[::1]:8080"};
    static const char *const bad[] = {"evil.example", "evil.example:80", "server.evil.example", "127.0.0.2",
                                      "[::2]:80", "server:http", "localhost.evil", ""};
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        char *req = g_strdup_printf("GET /index.html HTTP/1.1\r\nHost: %s\r\n\r\n", good[i]);
        expect_status(req, "HTTP/1.1 200 OK", false);
        g_free(req);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *req = g_strdup_printf("PUT /x HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\n\r\n", bad[i]);
        expect_status(req, "HTTP/1.1 421 ", false);
        g_free(req);
    }
    expect_status("GET /index.html HTTP/1.1\r\n\r\n", "HTTP/1.1 400 ", true);
    expect_status("GET /index.html HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK", true);
    http_server_config c;
    http_server_config_default(&c);
    c.check_host = false;
    char *r = sw_exchange("GET /index.html HTTP/1.1\r\nHost: evil.example\r\n\r\n", &c, NULL);
    CU_ASSERT_TRUE(g_str_has_prefix(r, "HTTP/1.1 200 OK"));
    g_free(r);
    c.check_host = true;
    c.host = "lab.example";
    r = sw_exchange("GET /index.html HTTP/1.1\r\nHost: lab.example:8080\r\n\r\n"
                    "GET /index.html HTTP/1.1\r\nHost: server\r\n\r\n",
                    &c, NULL);
    const char *a = strstr(r, "HTTP/1.1 200 OK");
    CU_ASSERT_TRUE(a == r && strstr(a, "HTTP/1.1 421 Misdirected Request"));
    g_free(r);
}

/* Item 2: --protect covers writes: a PUT without the credentials is 401
 * and stores nothing; with them it is 201. */
static void test_protect_covers_writes(void)
{
    http_server_config c;
    http_server_config_default(&c);
    c.writable = true;
    sw_world w;
    sw_world_init(&w, NULL, &c);
    http_server_protect(w.server, "/up/", "appsim", "alice", "wonderland");
    sw_client a, b;
    sw_client_start(&a, &w, "PUT /up/x.txt HTTP/1.1\r\nHost: server\r\nContent-Length: 2\r\n\r\nhi"
                            "DELETE /up/x.txt HTTP/1.1\r\nHost: server\r\n\r\n");
    sim_run_until(w.sim, SIM_S(1));
    http_store_status st;
    CU_ASSERT_PTR_NULL(http_store_get(w.store, "/up/x.txt", &st));
    sw_client_start(&b, &w, "PUT /up/x.txt HTTP/1.1\r\nHost: server\r\nContent-Length: 2\r\n"
                            "Authorization: Basic YWxpY2U6d29uZGVybGFuZA==\r\n\r\nhi");
    sim_run_until(w.sim, SIM_S(2));
    CU_ASSERT_TRUE(g_str_has_prefix(a.reply->str, "HTTP/1.1 401 Unauthorized"));
    CU_ASSERT_PTR_NOT_NULL(strstr(a.reply->str + 1, "HTTP/1.1 401 Unauthorized"));
    CU_ASSERT_TRUE(g_str_has_prefix(b.reply->str, "HTTP/1.1 201 Created"));
    http_object *o = http_store_get(w.store, "/up/x.txt", &st);
    CU_ASSERT_TRUE(o && o->size == 2);
    http_object_free(o);
    sw_world_clear(&w);
    sw_client_clear(&a);
    sw_client_clear(&b);
}

/* Item 7: request targets (RFC 9112 3.2): the absolute form is accepted
 * and its host checked instead of Host; "*" only with OPTIONS; a relative
 * or authority-form target is 400. */
static void test_request_targets(void)
{
    char *r = exchange("GET http://server/index.html HTTP/1.1\r\nHost: anything.example\r\n\r\n", NULL);
    CU_ASSERT_TRUE(g_str_has_prefix(r, "HTTP/1.1 200 OK"));
    CU_ASSERT_TRUE(g_str_has_suffix(r, "\r\n\r\n<p>hi</p>\r\n"));
    g_free(r);
    expect_status("GET http://127.0.0.1:8080/index.html?x=1 HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 200 OK",
                  false);
    expect_status("GET HTTP://[::1]/index.html HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 200 OK", false);
    expect_status("GET http://server HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 200 OK", false);
    expect_status("GET http://evil.example/index.html HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 421 ",
                  false);
    expect_status("GET http://user@server/index.html HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 400 ",
                  false);
    expect_status("GET * HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 400 ", false);
    expect_status("HEAD * HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 400 ", false);
    expect_status("OPTIONS * HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 204 ", false);
    expect_status("GET index.html HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 400 ", false);
    expect_status("GET server:80 HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 400 ", false);
    expect_status("GET ftp://server/index.html HTTP/1.1\r\nHost: server\r\n\r\n", "HTTP/1.1 400 ", false);
}

/* Item 7: TRACE echoes the request but not its credentials or cookies. */
static void test_trace_hides_credentials(void)
{
    char *r = exchange("TRACE /t HTTP/1.1\r\nHost: server\r\nAuthorization: Basic c2VjcmV0\r\n"
                       "X-Trace: yes\r\nCookie: session=s3cr3t\r\nproxy-authorization: Basic cHJveHk=\r\n\r\n",
                       NULL);
    CU_ASSERT_TRUE(g_str_has_prefix(r, "HTTP/1.1 200 OK"));
    const char *body = strstr(r, "\r\n\r\n");
    CU_ASSERT_TRUE(body && g_str_has_prefix(body + 4, "TRACE /t HTTP/1.1\r\nHost: server\r\nX-Trace: yes\r\n\r\n"));
    CU_ASSERT_PTR_NULL(strstr(r, "c2VjcmV0"));
    CU_ASSERT_PTR_NULL(strstr(r, "s3cr3t"));
    CU_ASSERT_PTR_NULL(strstr(r, "cHJveHk="));
    g_free(r);
}

/* One worker, 100 ms per request: three clients at once are served at
 * 100, 200 and 300 ms (plus the network). */
static void test_processing_time_queue(void)
{
    http_server_config c;
    http_server_config_default(&c);
    c.proc_time = 100 * INT64_C(1000000);
    sw_world w;
    sw_world_init(&w, NULL, &c);
    sw_client cl[3];
    for (int i = 0; i < 3; i++)
        sw_client_start(&cl[i], &w, "GET /index.html HTTP/1.0\r\n\r\n");
    sim_run(w.sim);
    double t[3];
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_TRUE(g_str_has_prefix(cl[i].reply->str, "HTTP/1.0 200 OK"));
        t[i] = sim_time_to_s(cl[i].first_byte);
        sw_client_clear(&cl[i]);
    }
    /* request arrives at 1.5 RTT (15 ms), the answer 5 ms later */
    ASSERT_REL(t[0], 0.015 + 0.1 + 0.005, 0.01);
    ASSERT_REL(t[1], 0.015 + 0.2 + 0.005, 0.01);
    ASSERT_REL(t[2], 0.015 + 0.3 + 0.005, 0.01);
    sw_world_clear(&w);
}

/* Dates: RFC 9110's example in its three forms, the epoch, a leap day, and
 * every day of 1900 to 2400 formatted and parsed back. */
static void test_dates(void)
{
    char buf[30];
    http_format_date(784111777, buf);
    CU_ASSERT_STRING_EQUAL(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
    http_format_date(0, buf);
    CU_ASSERT_STRING_EQUAL(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
    http_format_date(1709208000, buf);
    CU_ASSERT_STRING_EQUAL(buf, "Thu, 29 Feb 2024 12:00:00 GMT");
    CU_ASSERT_EQUAL(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    CU_ASSERT_EQUAL(http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    CU_ASSERT_EQUAL(http_parse_date("Sun Nov  6 08:49:37 1994"), 784111777);
    CU_ASSERT_EQUAL(http_parse_date("not a date"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sun, 06 Nov 1994 25:49:37 GMT"), -1);
    /* Days that do not exist, and dates without " GMT" last, are no
     * dates (RFC 9110: an invalid If-Modified-Since is ignored). */
    CU_ASSERT_EQUAL(http_parse_date("Sun, 31 Feb 2023 00:00:00 GMT"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Wed, 29 Feb 2023 00:00:00 GMT"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Thu, 29 Feb 1900 00:00:00 GMT"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);
    CU_ASSERT_EQUAL(http_parse_date("Thu, 30 Apr 2026 00:00:00 GMT"), 1777507200);
    CU_ASSERT_EQUAL(http_parse_date("Fri, 31 Apr 2026 00:00:00 GMT"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sun, 06 Nov 1994 08:49:37 XYZ"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sun, 06 Nov 1994 08:49:37"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sunday, 06-Nov-94 08:49:37"), -1);
    int bad = 0;
    for (int64_t t = -2208988800; t < 13569465600; t += 86400 + 3661) {
        http_format_date(t, buf);
        bad += http_parse_date(buf) != t;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_dates),
        TEST(test_error_statuses),
        TEST(test_persistence_by_version),
        TEST(test_pipelined_order_and_methods),
        TEST(test_conditional_get_and_put),
        TEST(test_processing_time_queue),
        TEST(test_read_only_by_default),
        TEST(test_host_check),
        TEST(test_protect_covers_writes),
        TEST(test_request_targets),
        TEST(test_trace_hides_credentials),
    };
    return test_main("protocols/http/sim_server", tests, G_N_ELEMENTS(tests));
}
