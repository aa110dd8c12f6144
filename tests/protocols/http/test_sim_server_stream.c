/*
 * Streaming answers of an asynchronous handler (http_server_job_stream,
 * _write, _end: what the proxy uses) under the server's limits, in the
 * simulator: pipelined answers keep their order whether a stream writes
 * before its turn or during it; a producer that obeys the drain notice
 * keeps the output within HTTP_SERVER_STREAM_HIGH, counted in the
 * server's `buffered`; a client that reads nothing pauses the reading of
 * further requests and is reset by drain_timeout, and the producer hears
 * of it; a stream cut short resets the connection, even where the end of
 * the connection would have ended the body.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "server_world.h"
#include "test_util.h"

/* The handler's side: one producer per streamed request. */
typedef struct {
    sw_world *w;
    http_server_job *job;     /* the streaming job, NULL once ended */
    uint64_t total, produced; /* body bytes to write, written */
    size_t piece;             /* bytes per write (length-only) */
    bool paused;              /* waiting for the drain notice */
    bool heard_gone, ended_short;
    uint64_t most_queued;     /* the largest value a write returned */
} producer;

typedef struct {
    producer big;      /* "/big": `total` length-only bytes, with back-pressure */
    http_server_job *a; /* "/a": chunked, written later by a timer */
} handler_ctx;

static void produce(producer *p);

static void on_drained(void *ud, http_server_job *job)
{
    producer *p = ud;
    CU_ASSERT_PTR_EQUAL(job, p->job);
    if (!http_server_job_alive(job)) {
        p->heard_gone = true;
        p->ended_short = true;
        http_server_job_end(job, false);
        p->job = NULL;
        return;
    }
    p->paused = false;
    produce(p);
}

/* Writes until done or told to wait (a return of HTTP_SERVER_STREAM_HIGH
 * or more), as the proxy does. */
static void produce(producer *p)
{
    while (p->job && !p->paused && p->produced < p->total) {
        size_t n = (size_t)MIN((uint64_t)p->piece, p->total - p->produced);
        uint64_t q = http_server_job_write(p->job, NULL, n);
        p->produced += n;
        p->most_queued = MAX(p->most_queued, q);
        if (!http_server_job_alive(p->job))
            return; /* the drain notice will come */
        if (q >= HTTP_SERVER_STREAM_HIGH)
            p->paused = true;
    }
    if (p->job && p->produced >= p->total) {
        http_server_job_end(p->job, true);
        p->job = NULL;
    }
}

static void write_a(void *ud)
{
    handler_ctx *h = ud;
    http_server_job_write(h->a, (const uint8_t *)"hello", 5);
    http_server_job_write(h->a, (const uint8_t *)" world", 6);
    http_server_job_end(h->a, true);
    h->a = NULL;
}

static void handle(void *ud, http_server_job *job, const http_msg *req, const uint8_t *body, uint64_t len)
{
    (void)body;
    (void)len;
    handler_ctx *h = ud;
    http_msg *r = http_server_job_response(job, 200);
    if (!strcmp(req->target, "/a")) {
        /* Chunked, its body written 100 ms later. */
        http_server_job_stream(job, r, -1, NULL, NULL);
        h->a = job;
        host_timer(sim_host_env(h->big.w->sh), SIM_MS(100), write_a, h);
    } else if (!strcmp(req->target, "/b")) {
        GBytes *b = g_bytes_new_static("bee", 3);
        http_msg_add(r, "Content-Length", "3");
        http_server_job_reply(job, r, b, 0, 3);
        g_bytes_unref(b);
    } else if (!strcmp(req->target, "/c")) {
        /* Known length, written whole before its turn. */
        http_server_job_stream(job, r, 3, NULL, NULL);
        http_server_job_write(job, (const uint8_t *)"sea", 3);
        http_server_job_end(job, true);
    } else if (!strcmp(req->target, "/short")) {
        /* Cut short after a few bytes. */
        http_server_job_stream(job, r, -1, NULL, NULL);
        http_server_job_write(job, (const uint8_t *)"partial", 7);
        http_server_job_end(job, false);
    } else {
        http_server_job_stream(job, r, (int64_t)h->big.total, on_drained, &h->big);
        h->big.job = job;
        produce(&h->big);
    }
}

static void world_with_handler(sw_world *w, handler_ctx *h, uint64_t big_total)
{
    sw_world_init(w, NULL, NULL);
    memset(h, 0, sizeof *h);
    h->big.w = w;
    h->big.total = big_total;
    h->big.piece = 16384;
    http_server_set_handler(w->server, handle, h);
}

/* A stream that waits for its turn, an answer between, and a stream
 * written whole before its turn leave in request order, framed right. */
static void test_pipelined_streams_in_order(void)
{
    sw_world w;
    handler_ctx h;
    world_with_handler(&w, &h, 0);
    sw_client c;
    sw_client_start(&c, &w, "GET /a HTTP/1.1\r\nHost: server\r\n\r\n"
                            "GET /b HTTP/1.1\r\nHost: server\r\n\r\n"
                            "GET /c HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n");
    sim_run_until(w.sim, SIM_S(5));
    const char *a = strstr(c.reply->str, "Transfer-Encoding: chunked\r\n");
    const char *a_body = a ? strstr(a, "\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nHTTP/1.1 200") : NULL;
    const char *b = a_body ? strstr(a_body, "Content-Length: 3\r\n") : NULL;
    const char *b_body = b ? strstr(b, "\r\n\r\nbeeHTTP/1.1 200") : NULL;
    const char *c_head = b_body ? strstr(b_body, "Content-Length: 3\r\n") : NULL;
    CU_ASSERT_PTR_NOT_NULL(a_body);
    CU_ASSERT_PTR_NOT_NULL(b_body);
    CU_ASSERT_TRUE(c_head && g_str_has_suffix(c_head, "\r\n\r\nsea"));
    if (!c_head)
        printf("\n    got: %s", c.reply->str);
    CU_ASSERT_TRUE(c.closed);
    const http_server_stats *st = http_server_get_stats(w.server);
    CU_ASSERT_EQUAL(st->bytes_sent, 11 + 3 + 3);
    CU_ASSERT_EQUAL(st->buffered, 0);
    sw_world_clear(&w);
    sw_client_clear(&c);
}

/* A stream that writes 256 KiB before its turn holds the reading of the
 * requests after it, counted as held by the connection; once its turn
 * comes they are read and answered in order. */
static void test_stream_waiting_its_turn(void)
{
    sw_world w;
    handler_ctx h;
    uint64_t total = UINT64_C(1) << 20;
    world_with_handler(&w, &h, total);
    sw_client c;
    sw_client_start(&c, &w, "GET /a HTTP/1.1\r\nHost: server\r\n\r\n"
                            "GET /big HTTP/1.1\r\nHost: server\r\n\r\n"
                            "GET /b HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n");
    sim_run_until(w.sim, SIM_MS(50));
    const http_server_stats *st = http_server_get_stats(w.server);
    CU_ASSERT_EQUAL(st->requests, 2); /* /b waits: /big holds 256 KiB */
    CU_ASSERT_TRUE(st->buffered >= HTTP_SERVER_STREAM_HIGH);
    sim_run_until(w.sim, SIM_S(10));
    CU_ASSERT_EQUAL(st->requests, 3);
    CU_ASSERT_EQUAL(h.big.produced, total);
    CU_ASSERT_TRUE(g_str_has_suffix(c.reply->str, "\r\n\r\nbee"));
    CU_ASSERT_TRUE(c.closed);
    CU_ASSERT_EQUAL(st->buffered, 0);
    sw_world_clear(&w);
    sw_client_clear(&c);
}

/* 10 MiB streamed to a client that reads: the producer waits when told,
 * resumes on the drain notice, and the server never holds much more than
 * HTTP_SERVER_STREAM_HIGH. */
static void test_stream_back_pressure(void)
{
    sw_world w;
    handler_ctx h;
    uint64_t total = UINT64_C(10) << 20;
    world_with_handler(&w, &h, total);
    sw_client c;
    sw_client_start(&c, &w, "GET /big HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n");
    sim_run_until(w.sim, SIM_S(60));
    const http_server_stats *st = http_server_get_stats(w.server);
    const char *body = strstr(c.reply->str, "\r\n\r\n");
    CU_ASSERT_TRUE(body && strlen(body + 4) == total);
    CU_ASSERT_TRUE(c.closed && !c.failed);
    CU_ASSERT_EQUAL(h.big.produced, total);
    CU_ASSERT_TRUE(h.big.most_queued >= HTTP_SERVER_STREAM_HIGH); /* the producer was told to wait */
    printf("\n    10 MiB streamed: peak held %" G_GUINT64_FORMAT " bytes", st->buffered_peak);
    CU_ASSERT_TRUE(st->buffered_peak <= HTTP_SERVER_STREAM_HIGH + h.big.piece + 1024);
    CU_ASSERT_EQUAL(st->buffered, 0);
    sw_world_clear(&w);
    sw_client_clear(&c);
}

/* A client that reads nothing: the stream fills the output to
 * HTTP_SERVER_STREAM_HIGH and waits; the connection is reset after
 * drain_timeout, and the producer hears that the client has gone and ends
 * its job. */
static void test_stream_never_read(void)
{
    sw_world w;
    handler_ctx h;
    world_with_handler(&w, &h, UINT64_C(100) << 20);
    sw_client c;
    sw_client_start(&c, &w, "GET /big HTTP/1.1\r\nHost: server\r\n\r\n");
    c.no_read = true;
    sim_run_until(w.sim, SIM_S(120));
    const http_server_stats *st = http_server_get_stats(w.server);
    printf("\n    100 MiB stream never read: %" G_GUINT64_FORMAT " bytes produced, peak held %" G_GUINT64_FORMAT
           " bytes",
           h.big.produced, st->buffered_peak);
    CU_ASSERT_EQUAL(st->drain_timeouts, 1);
    CU_ASSERT_TRUE(c.failed);
    CU_ASSERT_TRUE(h.big.heard_gone && h.big.ended_short);
    CU_ASSERT_TRUE(h.big.produced < (UINT64_C(8) << 20));
    CU_ASSERT_TRUE(st->buffered_peak <= HTTP_SERVER_STREAM_HIGH + h.big.piece + 1024);
    CU_ASSERT_EQUAL(st->buffered, 0);
    sw_world_clear(&w);
    sw_client_clear(&c);
}

/* A stream cut short resets the connection once its bytes are handed to
 * the transport (the reset may drop them): for a 1.1 client (chunked) and
 * for a 1.0 one, whose body the end of the connection would otherwise
 * end, so that a clean close would pass for a whole body. */
static void test_stream_cut_short_resets(void)
{
    static const char *const requests[] = {"GET /short HTTP/1.1\r\nHost: server\r\n\r\n",
                                           "GET /short HTTP/1.0\r\nHost: server\r\n\r\n"};
    for (size_t i = 0; i < G_N_ELEMENTS(requests); i++) {
        sw_world w;
        handler_ctx h;
        world_with_handler(&w, &h, 0);
        sw_client c;
        sw_client_start(&c, &w, requests[i]);
        sim_run_until(w.sim, SIM_S(5));
        CU_ASSERT_TRUE(c.failed);
        CU_ASSERT_FALSE(c.closed);
        CU_ASSERT_EQUAL(http_server_get_stats(w.server)->buffered, 0);
        sw_world_clear(&w);
        sw_client_clear(&c);
    }
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_pipelined_streams_in_order),
        TEST(test_stream_waiting_its_turn),
        TEST(test_stream_back_pressure),
        TEST(test_stream_never_read),
        TEST(test_stream_cut_short_resets),
    };
    return test_main("protocols/http/sim_server_stream", tests, G_N_ELEMENTS(tests));
}
