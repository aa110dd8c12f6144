/*
 * bench_http: how fast the HTTP request parser reads a typical browser GET.
 *
 * The request is the lecture slides' GET (Host, User-Agent, Accept and its
 * Accept-* siblings, Keep-Alive, Connection) with a Referer and a Cookie
 * added, about 400 bytes, which is what a browser sends for an object of a
 * page. One parser reads it over and over, as one persistent connection
 * would: every request is fed whole in one call (the usual case for a
 * request that fits in one segment), read to its DONE, and its head is left
 * to the parser, which frees it when the next request starts. So each
 * request costs the parse, the copies of its header names and values into
 * a fresh message, and freeing the previous one.
 *
 * The figure is requests per wall second, measured over batches of requests
 * until about 1.5 s have passed, after an untimed warm-up.
 */
#include "bench.h"

#include <glib.h>
#include <string.h>

#include "protocols/http/http_parser.h"

static const char request[] = "GET /index.html HTTP/1.1\r\n"
                              "Host: www-net.cs.umass.edu\r\n"
                              "User-Agent: Firefox/3.6.10\r\n"
                              "Accept: text/html,application/xhtml+xml\r\n"
                              "Accept-Language: en-us,en;q=0.5\r\n"
                              "Accept-Encoding: gzip,deflate\r\n"
                              "Accept-Charset: ISO-8859-1,utf-8;q=0.7\r\n"
                              "Keep-Alive: 115\r\n"
                              "Connection: keep-alive\r\n"
                              "Referer: http://www-net.cs.umass.edu/kurose_ross/index.html\r\n"
                              "Cookie: session=1678453; theme=light; lang=en-us\r\n"
                              "\r\n";

/* Parses `count` requests; returns how many ended in DONE. */
static uint64_t parse_batch(http_parser *p, uint64_t count)
{
    const uint8_t *data = (const uint8_t *)request;
    size_t len = sizeof request - 1;
    uint64_t done = 0;
    for (uint64_t i = 0; i < count; i++) {
        size_t off = 0;
        while (off < len) {
            http_event ev;
            off += http_parser_feed(p, data + off, len - off, &ev);
            if (ev.kind == HTTP_EV_DONE)
                done++;
            g_assert(ev.kind != HTTP_EV_ERROR);
        }
    }
    return done;
}

void bench_http_parser(void)
{
    enum { BATCH = 10000 };
    http_parser *p = http_parser_new(true, NULL);
    g_assert(parse_batch(p, BATCH) == BATCH); /* warm-up */

    uint64_t parsed = 0;
    int64_t start = bench_wall_us(), wall = 0;
    while (wall < 1500000) {
        parsed += parse_batch(p, BATCH);
        wall = bench_wall_us() - start;
    }
    g_assert(parsed % BATCH == 0);
    bench_figure("http_parser_requests_per_s", bench_per_s(parsed, wall), "requests/s");
    http_parser_free(p);
}
