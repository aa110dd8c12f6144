/*
 * The HTTP server in the simulator, spoken to in raw bytes: status codes
 * for malformed and unusual requests, HTTP/0.9, pipelining order,
 * persistence by version, and the processing-time queue.
 */
#include <glib.h>
#include <string.h>

#include "models/sim_host.h"
#include "protocols/http/http_server.h"
#include "test_util.h"

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    sim_host_t *ch, *sh;
    http_store *store;
    http_server *server;
} world;

typedef struct {
    world *w;
    const char *request;
    GString *reply;
    bool closed;
    sim_time_t first_byte, closed_at;
    stream_t *s;
} raw_client;

static world world_new(const http_server_config *c)
{
    world w = {0};
    w.sim = sim_new(1);
    w.net = net_new(w.sim);
    node_t *cn = net_add_host(w.net, "client", NULL), *sn = net_add_host(w.net, "server", NULL);
    link_params_t lp = {.rate_bps = 100000000, .delay = SIM_MS(5)};
    net_link(w.net, "link", cn, sn, &lp, NULL, NULL);
    w.tcp = tcp_stack_new(w.net, NULL);
    w.ch = sim_host_new(w.tcp, cn, NULL);
    w.sh = sim_host_new(w.tcp, sn, NULL);
    w.store = http_store_new();
    http_store_add(w.store, "/index.html", 11, "text/html", "<p>hi</p>\r\n", SIM_HOST_EPOCH - 3600,
                   SIM_HOST_EPOCH + 3600);
    http_store_add(w.store, "/big.bin", 100000, NULL, NULL, SIM_HOST_EPOCH - 3600, 0);
    w.server = http_server_new(sim_host_env(w.sh), w.store, c, NULL);
    return w;
}

static void world_free(world *w)
{
    http_server_free(w->server);
    http_store_free(w->store);
    sim_host_free(w->ch);
    sim_host_free(w->sh);
    tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
}

static void raw_connected(void *ud, stream_t *s)
{
    raw_client *c = ud;
    stream_write(s, c->request, strlen(c->request));
}

static void raw_data(void *ud, stream_t *s, const uint8_t *d, size_t len)
{
    (void)s;
    raw_client *c = ud;
    if (c->first_byte < 0)
        c->first_byte = sim_now(c->w->sim);
    /* Length-only bytes arrive as NULL spans, or as zeros when a segment
     * mixes them with real bytes: both become '.' so strstr sees it all. */
    for (size_t i = 0; i < len; i++)
        g_string_append_c(c->reply, d && d[i] ? (char)d[i] : '.');
}

static void raw_peer_closed(void *ud, stream_t *s)
{
    raw_client *c = ud;
    c->closed = true;
    c->closed_at = sim_now(c->w->sim);
    stream_close(s);
}

static const stream_handler raw_handler = {
    .connected = raw_connected, .data = raw_data, .peer_closed = raw_peer_closed};

static void raw_start(raw_client *c, world *w, const char *request)
{
    memset(c, 0, sizeof *c);
    c->w = w;
    c->request = request;
    c->reply = g_string_new("");
    c->first_byte = -1;
    c->s = host_connect(sim_host_env(w->ch), "server", 80, &raw_handler, c, NULL);
}

/* Sends `request` on a fresh connection and returns the reply (runs the
 * simulation for at most 20 s: idle connections close after 15 s). */
static char *exchange(const char *request, bool *closed)
{
    world w = world_new(NULL);
    raw_client c;
    raw_start(&c, &w, request);
    sim_run_until(w.sim, SIM_S(20));
    if (closed)
        *closed = c.closed && c.closed_at < SIM_S(1);
    world_free(&w);
    return g_string_free(c.reply, FALSE);
}

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
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "Allow: GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE"));
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
    r = exchange("PUT /new.txt HTTP/1.1\r\nHost: server\r\nContent-Length: 5\r\n\r\nhello"
                 "GET /new.txt HTTP/1.1\r\nHost: server\r\n\r\n"
                 "DELETE /new.txt HTTP/1.1\r\nHost: server\r\n\r\n"
                 "GET /new.txt HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n",
                 NULL);
    const char *a = strstr(r, "HTTP/1.1 201 Created");
    const char *b = a ? strstr(a, "\r\n\r\nhello") : NULL;
    const char *c = b ? strstr(b, "HTTP/1.1 204 No Content") : NULL;
    const char *d = c ? strstr(c, "HTTP/1.1 404 Not Found") : NULL;
    CU_ASSERT_TRUE(a && b && c && d);
    g_free(r);
}

/* One worker, 100 ms per request: three clients at once are served at
 * 100, 200 and 300 ms (plus the network). */
static void test_processing_time_queue(void)
{
    http_server_config c;
    http_server_config_default(&c);
    c.proc_time = 100 * INT64_C(1000000);
    world w = world_new(&c);
    raw_client cl[3];
    for (int i = 0; i < 3; i++)
        raw_start(&cl[i], &w, "GET /index.html HTTP/1.0\r\n\r\n");
    sim_run(w.sim);
    double t[3];
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_TRUE(g_str_has_prefix(cl[i].reply->str, "HTTP/1.0 200 OK"));
        t[i] = sim_time_to_s(cl[i].first_byte);
        g_string_free(cl[i].reply, TRUE);
    }
    /* request arrives at 1.5 RTT (15 ms), the answer 5 ms later */
    ASSERT_REL(t[0], 0.015 + 0.1 + 0.005, 0.01);
    ASSERT_REL(t[1], 0.015 + 0.2 + 0.005, 0.01);
    ASSERT_REL(t[2], 0.015 + 0.3 + 0.005, 0.01);
    world_free(&w);
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
    };
    return test_main("protocols/http/sim_server", tests, G_N_ELEMENTS(tests));
}
