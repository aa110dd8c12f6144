/*
 * Tests of protocols/http/http_parser: transcripts replayed at every chunk
 * size, malformed variants with the status each must give, the lecture
 * slides' sample messages, limits, length-only spans, and a bounded
 * randomized robustness run.
 *
 * Most tests are data: a transcript is the bytes a peer sends and the log of
 * events the parser must give for them, written as text:
 *
 *     HEAD GET /a 11 h1 L0;   a request head: method as written ("?" before
 *                             it when the method is unknown), target,
 *                             version, header count, http_parser_body_length
 *     HEAD 200 OK 11 h2 L5;   a response head: status, reason, version...
 *     BODY hello;             body bytes (consecutive spans joined)
 *     BODY #1000;             length-only body bytes (consecutive spans joined)
 *     DONE;                   the message is complete
 *     ERROR 400;              the parser refused the input, with this status
 *     FIN DONE;               what http_parser_finish() said after the input
 *
 * replay() feeds a transcript in chunks of a given size, each chunk copied
 * into its own exactly-sized allocation so that the sanitizers catch any
 * read past it, and checks the contract of every call on the way (how much
 * was consumed, where body spans point, the order of events); a broken rule
 * shows up in the log as "!what;", so the comparison fails and says why.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "protocols/http/http_parser.h"
#include "test_util.h"

/* ---- the replay machinery --------------------------------------------- */

typedef struct {
    const char *name;
    bool requests;
    const char *input;
    size_t len;
    const char *expect;  /* the event log */
    const char *methods; /* response parsers: the methods to expect(), space-separated */
    bool small;          /* use small_limits() instead of the defaults */
    size_t null_from;    /* bytes [null_from, null_to) are fed length-only */
    size_t null_to;
} transcript;

/* A string literal and its length, embedded NULs included. */
#define IN(s) .input = (s), .len = sizeof(s) - 1

static void small_limits(http_limits *l)
{
    l->max_start_line = 32;
    l->max_header_size = 64;
    l->max_headers = 3;
    l->max_body = 10;
}

typedef struct {
    http_parser *p;
    GString *log;
    GString *body;      /* real body bytes not logged yet */
    uint64_t body_null; /* length-only body bytes not logged yet */
    bool in_message;    /* a HEAD came and its DONE did not yet */
    bool failed;        /* an ERROR came */
    int idle;           /* calls in a row that consumed nothing */
    int violations;     /* broken rules of the contract (also logged as "!what;") */
} run;

/* Logs a broken rule of the contract. */
static void violation(run *r, const char *what)
{
    g_string_append_printf(r->log, "!%s;", what);
    r->violations++;
}

static void flush_body(run *r)
{
    if (r->body->len) {
        g_string_append_printf(r->log, "BODY %s;", r->body->str);
        g_string_truncate(r->body, 0);
    }
    if (r->body_null) {
        g_string_append_printf(r->log, "BODY #%" G_GUINT64_FORMAT ";", r->body_null);
        r->body_null = 0;
    }
}

static void log_head(run *r)
{
    const http_msg *m = http_parser_msg(r->p);
    if (!m) {
        violation(r, "HEAD without a message");
        return;
    }
    long long blen = (long long)http_parser_body_length(r->p);
    if (m->is_request)
        g_string_append_printf(r->log, "HEAD %s%s %s %d h%u L%lld;",
                               m->method == HTTP_M_UNKNOWN ? "?" : "", m->method_str, m->target,
                               m->version, m->headers->len, blen);
    else
        g_string_append_printf(r->log, "HEAD %d %s %d h%u L%lld;", m->status, m->reason, m->version,
                               m->headers->len, blen);
}

/* Records one event, checking it against the contract. `data`/`len` is
 * what the call was given. */
static void log_event(run *r, const http_event *ev, const uint8_t *data, size_t len, size_t used)
{
    if (used > len)
        violation(r, "consumed more than given");
    if (ev->kind == HTTP_EV_NEED_MORE && used != len)
        violation(r, "NEED_MORE left bytes unconsumed");
    r->idle = used ? 0 : r->idle + 1;
    if (r->idle > 3)
        violation(r, "no progress");
    if (ev->kind != HTTP_EV_BODY && ev->kind != HTTP_EV_NEED_MORE)
        flush_body(r);
    switch (ev->kind) {
    case HTTP_EV_NEED_MORE: break;
    case HTTP_EV_HEAD:
        if (r->in_message)
            violation(r, "HEAD inside a message");
        r->in_message = true;
        log_head(r);
        break;
    case HTTP_EV_BODY:
        if (!r->in_message)
            violation(r, "BODY outside a message");
        if (ev->len == 0)
            violation(r, "empty BODY");
        if (!data) {
            if (ev->data)
                violation(r, "BODY data for a length-only input");
            if (r->body->len)
                flush_body(r);
            r->body_null += ev->len;
        } else {
            if (!ev->data || ev->data < data || ev->data + ev->len > data + len) {
                violation(r, "BODY span outside the input");
                break;
            }
            if (r->body_null)
                flush_body(r);
            g_string_append_len(r->body, (const char *)ev->data, (gssize)ev->len);
        }
        break;
    case HTTP_EV_DONE:
        if (!r->in_message)
            violation(r, "DONE outside a message");
        r->in_message = false;
        g_string_append(r->log, "DONE;");
        break;
    case HTTP_EV_ERROR:
        if (!ev->error || !*ev->error)
            violation(r, "ERROR without an explanation");
        g_string_append_printf(r->log, "ERROR %d;", ev->status);
        r->failed = true;
        break;
    }
}

/* Feeds one span the way http_parser.h shows (while off < len); with
 * `drain`, then calls with nothing until NEED_MORE, the other way a caller
 * may collect an event that follows the last byte. */
static void feed_span(run *r, const uint8_t *data, size_t len, bool drain)
{
    size_t off = 0;
    while (off < len && !r->failed) {
        http_event ev;
        const uint8_t *d = data ? data + off : NULL;
        size_t used = http_parser_feed(r->p, d, len - off, &ev);
        log_event(r, &ev, d, len - off, used);
        off += MIN(used, len - off);
        if (r->idle > 3)
            return;
    }
    for (int i = 0; drain && !r->failed && i < 4; i++) {
        http_event ev;
        size_t used = http_parser_feed(r->p, NULL, 0, &ev);
        log_event(r, &ev, NULL, 0, used);
        if (ev.kind == HTTP_EV_NEED_MORE)
            break;
    }
}

static void run_init(run *r, const transcript *t)
{
    http_limits lim;
    small_limits(&lim);
    r->p = http_parser_new(t->requests, t->small ? &lim : NULL);
    r->log = g_string_new(NULL);
    r->body = g_string_new(NULL);
    r->body_null = 0;
    r->in_message = r->failed = false;
    r->idle = 0;
    r->violations = 0;
    if (t->methods) {
        gchar **names = g_strsplit(t->methods, " ", -1);
        for (gchar **n = names; *n; n++)
            http_parser_expect(r->p, http_method_parse(*n));
        g_strfreev(names);
    }
}

/* Ends a run: the finish() event, then the log (the caller frees it);
 * adds the run's violations to `*violations` when given. */
static char *run_end(run *r, int *violations)
{
    if (violations)
        *violations += r->violations;
    flush_body(r);
    if (!r->failed) {
        http_event ev;
        http_parser_finish(r->p, &ev);
        static const char *const kinds[] = {"NEED_MORE", "HEAD", "BODY", "DONE", "ERROR"};
        g_string_append_printf(r->log, "FIN %s", kinds[ev.kind]);
        if (ev.kind == HTTP_EV_ERROR)
            g_string_append_printf(r->log, " %d", ev.status);
        g_string_append_c(r->log, ';');
    }
    http_parser_free(r->p);
    g_string_free(r->body, TRUE);
    return g_string_free(r->log, FALSE);
}

/* Feeds bytes [from, to) of the transcript as one call's input, copied to
 * an allocation of exactly that size (or length-only). */
static void feed_piece(run *r, const transcript *t, size_t from, size_t to, bool drain)
{
    if (from >= to)
        return;
    if (from >= t->null_from && to <= t->null_to && t->null_to > t->null_from) {
        feed_span(r, NULL, to - from, drain);
        return;
    }
    uint8_t *copy = g_memdup2(t->input + from, to - from);
    feed_span(r, copy, to - from, drain);
    g_free(copy);
}

/* Feeds the whole transcript, a chunk of `chunk` bytes per call; chunks
 * are also cut where the length-only range starts and ends. */
static char *replay(const transcript *t, size_t chunk, bool drain, int *violations)
{
    run r;
    run_init(&r, t);
    for (size_t at = 0; at < t->len && !r.failed;) {
        size_t end = MIN(at + chunk, t->len);
        if (t->null_to > t->null_from) {
            if (at < t->null_from && end > t->null_from)
                end = t->null_from;
            else if (at < t->null_to && end > t->null_to)
                end = t->null_to;
        }
        feed_piece(&r, t, at, end, drain);
        at = end;
    }
    return run_end(&r, violations);
}

/* Replays a transcript at every chunk size from 1 byte to all of it, both
 * ways of collecting events; reports the first mismatch. Returns whether
 * all matched. */
static bool replay_every_split(const transcript *t)
{
    size_t len = t->len ? t->len : 1;
    for (size_t chunk = 1; chunk <= len; chunk++) {
        for (int drain = 0; drain < 2; drain++) {
            char *got = replay(t, chunk, drain, NULL);
            bool same = strcmp(got, t->expect) == 0;
            if (!same)
                fprintf(stderr, "\n%s (chunk %zu%s):\n  got      %s\n  expected %s\n", t->name,
                        chunk, drain ? ", drained" : "", got, t->expect);
            g_free(got);
            if (!same)
                return false;
        }
    }
    return true;
}

static void replay_table(const transcript *table, size_t count)
{
    for (size_t i = 0; i < count; i++)
        CU_ASSERT_TRUE(replay_every_split(&table[i]));
}

/* ---- the lecture slides' messages -------------------------------------- */

/* The GET request of Kurose & Ross's slides ("HTTP request message"). */
#define SLIDES_GET                                                                                 \
    "GET /index.html HTTP/1.1\r\n"                                                                 \
    "Host: www-net.cs.umass.edu\r\n"                                                               \
    "User-Agent: Firefox/3.6.10\r\n"                                                               \
    "Accept: text/html,application/xhtml+xml\r\n"                                                  \
    "Accept-Language: en-us,en;q=0.5\r\n"                                                          \
    "Accept-Encoding: gzip,deflate\r\n"                                                            \
    "Accept-Charset: ISO-8859-1,utf-8;q=0.7\r\n"                                                   \
    "Keep-Alive: 115\r\n"                                                                          \
    "Connection: keep-alive\r\n"                                                                   \
    "\r\n"

/* The head of the slides' response ("HTTP response message"); its body is
 * 2652 bytes (0xa5c, as the ETag says). */
#define SLIDES_200_HEAD                                                                            \
    "HTTP/1.1 200 OK\r\n"                                                                          \
    "Date: Sun, 26 Sep 2010 20:09:20 GMT\r\n"                                                      \
    "Server: Apache/2.0.52 (CentOS)\r\n"                                                           \
    "Last-Modified: Tue, 30 Oct 2007 17:00:02 GMT\r\n"                                             \
    "ETag: \"17dc6-a5c-bf716880\"\r\n"                                                             \
    "Accept-Ranges: bytes\r\n"                                                                     \
    "Content-Length: 2652\r\n"                                                                     \
    "Keep-Alive: timeout=10, max=100\r\n"                                                          \
    "Connection: Keep-Alive\r\n"                                                                   \
    "Content-Type: text/html; charset=ISO-8859-1\r\n"                                              \
    "\r\n"

/* The slides' "data data data ..." stretched to 2652 bytes. */
static char *slides_body(void)
{
    GString *b = g_string_new(NULL);
    while (b->len < 2652)
        g_string_append(b, "data ");
    g_string_truncate(b, 2652);
    return g_string_free(b, FALSE);
}

/* ---- request transcripts ------------------------------------------------ */

/* clang-format off */
static const transcript good_requests[] = {
    {.name = "slides GET", .requests = true, IN(SLIDES_GET),
     .expect = "HEAD GET /index.html 11 h8 L0;DONE;FIN NEED_MORE;"},
    {.name = "slides 1.0 GET without Host", .requests = true,
     IN("GET /somedir/page.html HTTP/1.0\r\n"
        "User-agent: Mozilla/4.0\r\n"
        "Accept: text/html, image/gif, image/jpeg\r\n"
        "Accept-language: fr\r\n"
        "\r\n"),
     .expect = "HEAD GET /somedir/page.html 10 h3 L0;DONE;FIN NEED_MORE;"},
    {.name = "slides POST", .requests = true,
     IN("POST /changegrade.cgi HTTP/1.1\r\n"
        "Accept: */*\r\n"
        "Host: www.seattleu.edu\r\n"
        "User-Agent: SecretAgent V2.3\r\n"
        "Content-Length: 36\r\n"
        "Referer: http://monte.seattleu.edu/blah\r\n"
        "\r\n"
        "stuid=6660182722&item=test1&grade=99"),
     .expect = "HEAD POST /changegrade.cgi 11 h5 L36;BODY stuid=6660182722&item=test1&grade=99;"
               "DONE;FIN NEED_MORE;"},
    {.name = "three pipelined requests", .requests = true,
     IN("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
        "HEAD /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
     .expect = "HEAD GET /a 11 h1 L0;DONE;HEAD POST /b 11 h2 L3;BODY xyz;DONE;"
               "HEAD HEAD /c 11 h2 L0;DONE;FIN NEED_MORE;"},
    {.name = "chunked request with extensions and trailers", .requests = true,
     IN("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n"
        "6;ext=1;name=\"q v\" \r\n world\r\n"
        "0\r\n"
        "X-Trailer: yes\r\nX-Other: 2\r\n"
        "\r\n"),
     .expect = "HEAD POST /up 11 h2 L-1;BODY hello world;DONE;FIN NEED_MORE;"},
    {.name = "chunk sizes in hex, upper case, leading zeros, BWS", .requests = true,
     IN("PUT /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n"
        "00A\r\n0123456789\r\n"
        "1 ; a=b\r\n!\r\n"
        "000\r\n\r\n"
        "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"),
     .expect = "HEAD PUT /f 11 h2 L-1;BODY 0123456789!;DONE;HEAD GET /next 11 h1 L0;DONE;"
               "FIN NEED_MORE;"},
    {.name = "chunked with bare LF line endings", .requests = true,
     IN("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n"),
     .expect = "HEAD POST / 11 h2 L-1;BODY abc;DONE;FIN NEED_MORE;"},
    {.name = "bare LF line endings", .requests = true, IN("GET / HTTP/1.1\nHost: x\n\n"),
     .expect = "HEAD GET / 11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "HTTP/0.9 simple request", .requests = true, IN("GET /path\r\n"),
     .expect = "HEAD GET /path 9 h0 L0;DONE;FIN NEED_MORE;"},
    {.name = "HTTP/0.9 simple request, bare LF", .requests = true, IN("GET /path\n"),
     .expect = "HEAD GET /path 9 h0 L0;DONE;FIN NEED_MORE;"},
    {.name = "unknown method parses (the server's 501)", .requests = true,
     IN("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n"),
     .expect = "HEAD ?BREW /pot 11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "methods are case-sensitive", .requests = true,
     IN("get / HTTP/1.1\r\nHost: h\r\n\r\n"),
     .expect = "HEAD ?get / 11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "PATCH is a 501 candidate", .requests = true,
     IN("PATCH /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"),
     .expect = "HEAD ?PATCH /x 11 h2 L2;BODY {};DONE;FIN NEED_MORE;"},
    {.name = "target forms", .requests = true,
     IN("GET http://www.example.com/a?b=c HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
        "CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n"
        "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"),
     .expect = "HEAD GET http://www.example.com/a?b=c 11 h1 L0;DONE;"
               "HEAD CONNECT www.example.com:443 11 h1 L0;DONE;"
               "HEAD OPTIONS * 11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "all the methods we know", .requests = true,
     IN("DELETE /d HTTP/1.1\r\nHost: h\r\n\r\nTRACE /t HTTP/1.1\r\nHost: h\r\n\r\n"),
     .expect = "HEAD DELETE /d 11 h1 L0;DONE;HEAD TRACE /t 11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "empty lines before the request line are skipped", .requests = true,
     IN("\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /2 HTTP/1.0\r\n\r\n"),
     .expect = "HEAD GET / 11 h1 L0;DONE;HEAD GET /2 10 h0 L0;DONE;FIN NEED_MORE;"},
    {.name = "Content-Length lists and duplicates that agree", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 4\r\ncontent-length:4\r\n\r\nabcd"),
     .expect = "HEAD POST / 11 h3 L4;BODY abcd;DONE;FIN NEED_MORE;"},
    {.name = "Content-Length 0", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"),
     .expect = "HEAD POST / 11 h2 L0;DONE;FIN NEED_MORE;"},
    {.name = "HTTP/1.2 reads as 1.1", .requests = true, IN("GET / HTTP/1.2\r\nHost: h\r\n\r\n"),
     .expect = "HEAD GET / 11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "empty Host and odd but valid values", .requests = true,
     IN("GET / HTTP/1.1\r\nHost:\r\nX-Empty:   \r\nX-Utf8: caf\xc3\xa9\r\nX-Tab:\ta\tb\t\r\n\r\n"),
     .expect = "HEAD GET / 11 h4 L0;DONE;FIN NEED_MORE;"},
    {.name = "the connection ends in the head", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: x\r\n"), .expect = "FIN ERROR 400;"},
    {.name = "the connection ends in the request line", .requests = true, IN("GET / HT"),
     .expect = "FIN ERROR 400;"},
    {.name = "the connection ends in a body", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"),
     .expect = "HEAD POST / 11 h2 L10;BODY abc;FIN ERROR 400;"},
    {.name = "the connection ends in a chunk", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
     .expect = "HEAD POST / 11 h2 L-1;BODY ab;FIN ERROR 400;"},
    {.name = "the connection ends in the trailers", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;FIN ERROR 400;"},
    /* Length-only spans: the head is real bytes, the body is not. */
    {.name = "length-only Content-Length body", .requests = true,
     IN("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n"
        "....................GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
     .null_from = 51, .null_to = 71,
     .expect = "HEAD POST /big 11 h2 L20;BODY #20;DONE;HEAD GET / 11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "length-only chunk data", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "8\r\n........\r\n0\r\n\r\n"),
     .null_from = 59, .null_to = 67, .expect = "HEAD POST / 11 h2 L-1;BODY #8;DONE;FIN NEED_MORE;"},
    /* At the small limits exactly: accepted. */
    {.name = "request line of exactly max_start_line", .requests = true, .small = true,
     IN("GET /012345678901234567 HTTP/1.0\r\n\r\n"),
     .expect = "HEAD GET /012345678901234567 10 h0 L0;DONE;FIN NEED_MORE;"},
    {.name = "header section of exactly max_header_size", .requests = true, .small = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nX-Pad: 01234567890123456789012345678901234567890123\r\n\r\n"),
     .expect = "HEAD GET / 11 h2 L0;DONE;FIN NEED_MORE;"},
    {.name = "max_headers headers", .requests = true, .small = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n"),
     .expect = "HEAD GET / 11 h3 L0;DONE;FIN NEED_MORE;"},
    {.name = "body of exactly max_body", .requests = true, .small = true,
     IN("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789"),
     .expect = "HEAD PUT / 11 h2 L10;BODY 0123456789;DONE;FIN NEED_MORE;"},
    {.name = "chunked body of exactly max_body", .requests = true, .small = true,
     IN("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n"),
     .expect = "HEAD PUT / 11 h2 L-1;BODY 0123456789;DONE;FIN NEED_MORE;"},
};
/* clang-format on */

/* Malformed requests and the status each must give. */
/* clang-format off */
static const transcript bad_requests[] = {
    /* 400: framing and Host. */
    {.name = "1.1 without Host", .requests = true, IN("GET / HTTP/1.1\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "two Host headers", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "Transfer-Encoding and Content-Length", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "Transfer-Encoding not ending in chunked", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "Transfer-Encoding gzip alone", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "chunked twice", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "Transfer-Encoding in HTTP/1.0", .requests = true,
     IN("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "a coding we do not decode before chunked: 501", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
     .expect = "ERROR 501;"},
    /* 400: Content-Length. */
    {.name = "Content-Length not a number", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "Content-Length negative", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "Content-Length with a sign", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "Content-Length with a fraction", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5.0\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "Content-Length in hex", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "Content-Length empty", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "Content-Length list that disagrees", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "Content-Length list with an empty element", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5,\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "Content-Length duplicates that disagree", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "Content-Length over 2^64", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "Content-Length INT64_MAX + 1", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775808\r\n\r\n"),
     .expect = "ERROR 400;"},
    /* 413. */
    {.name = "Content-Length INT64_MAX is over max_body", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n"),
     .expect = "ERROR 413;"},
    {.name = "Content-Length over max_body, refused at once", .requests = true, .small = true,
     IN("POST / HTTP/1.1\r\nContent-Length: 11\r\n"), .expect = "ERROR 413;"},
    {.name = "chunks over max_body", .requests = true, .small = true,
     IN("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "6\r\n012345\r\n5\r\n"),
     .expect = "HEAD PUT / 11 h2 L-1;BODY 012345;ERROR 413;"},
    {.name = "one chunk over max_body", .requests = true, .small = true,
     IN("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n"),
     .expect = "HEAD PUT / 11 h2 L-1;ERROR 413;"},
    /* 414 and 431 (small limits: 32-byte lines, 64-byte header section, 3 headers). */
    {.name = "request line one over max_start_line", .requests = true, .small = true,
     IN("GET /0123456789012345678 HTTP/1.0\r\n\r\n"), .expect = "ERROR 414;"},
    {.name = "request line over max_start_line, bare LF", .requests = true, .small = true,
     IN("GET /01234567890123456789 HTTP/1.0\n\n"), .expect = "ERROR 414;"},
    {.name = "endless request line", .requests = true, .small = true,
     IN("GET /0123456789012345678901234567890123456789"), .expect = "ERROR 414;"},
    {.name = "header section one over max_header_size", .requests = true, .small = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\n"
        "X-Pad: 012345678901234567890123456789012345678901234\r\n\r\n"),
     .expect = "ERROR 431;"},
    {.name = "endless header line", .requests = true, .small = true,
     IN("GET / HTTP/1.1\r\nX: 0123456789012345678901234567890123456789012345678901234567890"),
     .expect = "ERROR 431;"},
    {.name = "one header over max_headers", .requests = true, .small = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), .expect = "ERROR 431;"},
    /* 505. */
    {.name = "HTTP/2.0", .requests = true, IN("GET / HTTP/2.0\r\nHost: h\r\n\r\n"),
     .expect = "ERROR 505;"},
    {.name = "HTTP/3.0", .requests = true, IN("GET / HTTP/3.0\r\n"), .expect = "ERROR 505;"},
    {.name = "HTTP/0.9 spelled out", .requests = true, IN("GET / HTTP/0.9\r\n\r\n"),
     .expect = "ERROR 505;"},
    /* 400: request line syntax. */
    {.name = "version in lower case", .requests = true, IN("GET / http/1.1\r\nHost: h\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "version without a minor", .requests = true, IN("GET / HTTP/1\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "two-digit version", .requests = true, IN("GET / HTTP/1.10\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "space after the version", .requests = true, IN("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "two spaces after the method", .requests = true,
     IN("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "space inside the target", .requests = true,
     IN("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "tab inside the target", .requests = true,
     IN("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "method alone", .requests = true, IN("GET\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "method and space", .requests = true, IN("GET \r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "leading space", .requests = true, IN(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "invalid character in the method", .requests = true,
     IN("G@T / HTTP/1.1\r\nHost: h\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "parenthesis in the method", .requests = true, IN("GE(T / HTTP/1.1\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "HTTP/0.9 form with another method", .requests = true, IN("POST /x\r\n"),
     .expect = "ERROR 400;"},
    {.name = "bare CR in the request line", .requests = true,
     IN("GET / HTTP/1.1\rHost: h\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "NUL in the request line", .requests = true,
     IN("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n"), .expect = "ERROR 400;"},
    /* 400: header syntax. */
    {.name = "whitespace between header name and colon", .requests = true,
     IN("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "tab between header name and colon", .requests = true,
     IN("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "space inside a header name", .requests = true,
     IN("GET / HTTP/1.1\r\nHo st: h\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "non-ASCII header name", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nX-\xc3\xa9: 1\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "separator in a header name", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nX(y): 1\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "empty header name", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\n: x\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "header line without a colon", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "obs-fold", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  continued\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "obs-fold with a tab", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tcontinued\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "whitespace before the first header", .requests = true,
     IN("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "control character in a value", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "NUL in a value", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nX: a\0z\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "DEL in a value", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fz\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "bare CR in a value", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\nX: a\rz\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "bare CR ending the head", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n"), .expect = "ERROR 400;"},
    /* 400: chunk framing. */
    {.name = "chunk size not hex", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;ERROR 400;"},
    {.name = "chunk size missing", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;ERROR 400;"},
    {.name = "chunk size with a sign", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;ERROR 400;"},
    {.name = "chunk size over 2^64", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "10000000000000000\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;ERROR 400;"},
    {.name = "chunk size then garbage", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;ERROR 400;"},
    {.name = "bare CR after a chunk size", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello"),
     .expect = "HEAD POST / 11 h2 L-1;ERROR 400;"},
    {.name = "control character in a chunk extension", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x02\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;ERROR 400;"},
    {.name = "chunk data longer than its size", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;BODY hello;ERROR 400;"},
    {.name = "CR without LF after chunk data", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX"),
     .expect = "HEAD POST / 11 h2 L-1;BODY hello;ERROR 400;"},
    {.name = "malformed trailer", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer\r\n\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;ERROR 400;"},
    {.name = "too many trailers", .requests = true, .small = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"),
     .expect = "HEAD POST / 11 h2 L-1;ERROR 431;"},
    /* Length-only bytes where real ones are needed. */
    {.name = "length-only bytes in the head", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), .null_from = 4, .null_to = 5,
     .expect = "ERROR 400;"},
    {.name = "length-only bytes for a whole request", .requests = true,
     IN("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), .null_from = 0, .null_to = 27,
     .expect = "ERROR 400;"},
    {.name = "length-only bytes in a chunk-size line", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
     .null_from = 56, .null_to = 57, .expect = "HEAD POST / 11 h2 L-1;ERROR 400;"},
    {.name = "length-only bytes past a body", .requests = true,
     IN("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nabcd"), .null_from = 47,
     .null_to = 51, .expect = "HEAD POST / 11 h2 L2;BODY #2;DONE;ERROR 400;"},
    /* A good request, then a bad one on the same connection. */
    {.name = "pipelined, the second one bad", .requests = true,
     IN("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/9.9\r\nHost: a\r\n\r\n"),
     .expect = "HEAD GET /a 11 h1 L0;DONE;ERROR 505;"},
};
/* clang-format on */

static void test_requests(void) { replay_table(good_requests, G_N_ELEMENTS(good_requests)); }

static void test_malformed_requests(void)
{
    replay_table(bad_requests, G_N_ELEMENTS(bad_requests));
}

/* ---- response transcripts ----------------------------------------------- */

/* clang-format off */
static const transcript good_responses[] = {
    {.name = "Content-Length response", .methods = "GET",
     IN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"),
     .expect = "HEAD 200 OK 11 h2 L5;BODY hello;DONE;FIN NEED_MORE;"},
    {.name = "no expect() means GET",
     IN("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnot"),
     .expect = "HEAD 404 Not Found 11 h1 L3;BODY not;DONE;FIN NEED_MORE;"},
    {.name = "close-delimited 1.0 response", .methods = "GET",
     IN("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>hi</html>"),
     .expect = "HEAD 200 OK 10 h1 L-1;BODY <html>hi</html>;FIN DONE;"},
    {.name = "close-delimited, empty body",
     IN("HTTP/1.0 200 OK\r\n\r\n"), .expect = "HEAD 200 OK 10 h0 L-1;FIN DONE;"},
    {.name = "chunked response", .methods = "GET",
     IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n"),
     .expect = "HEAD 200 OK 11 h1 L-1;BODY Wikipedia in\r\n\r\nchunks.;DONE;FIN NEED_MORE;"},
    {.name = "response to HEAD has no body", .methods = "HEAD GET",
     IN("HTTP/1.1 200 OK\r\nContent-Length: 2652\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
     .expect = "HEAD 200 OK 11 h1 L0;DONE;HEAD 200 OK 11 h1 L2;BODY ok;DONE;FIN NEED_MORE;"},
    {.name = "304 Not Modified has no body", .methods = "GET",
     IN("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nETag: \"x\"\r\n\r\n"),
     .expect = "HEAD 304 Not Modified 11 h2 L0;DONE;FIN NEED_MORE;"},
    {.name = "204 No Content has no body", .methods = "DELETE",
     IN("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .expect = "HEAD 204 No Content 11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "100 Continue, then the final response", .methods = "POST",
     IN("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
     .expect = "HEAD 100 Continue 11 h0 L0;DONE;HEAD 200 OK 11 h1 L2;BODY ok;DONE;FIN NEED_MORE;"},
    {.name = "2xx to CONNECT has no body", .methods = "CONNECT",
     IN("HTTP/1.1 200 Connection established\r\n\r\n"),
     .expect = "HEAD 200 Connection established 11 h0 L0;DONE;FIN NEED_MORE;"},
    {.name = "pipelined responses", .methods = "GET GET HEAD GET",
     IN("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
        "HTTP/1.1 301 Moved Permanently\r\nLocation: http://h/x\r\nContent-Length: 0\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n"),
     .expect = "HEAD 200 OK 11 h1 L1;BODY a;DONE;HEAD 301 Moved Permanently 11 h2 L0;DONE;"
               "HEAD 200 OK 11 h1 L0;DONE;HEAD 200 OK 11 h1 L-1;BODY b;DONE;FIN NEED_MORE;"},
    {.name = "transfer coding without chunked: read to the close",
     IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz"),
     .expect = "HEAD 200 OK 11 h1 L-1;BODY zzz;FIN DONE;"},
    {.name = "status line without a reason", IN("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
     .expect = "HEAD 200  11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "status line with an empty reason", IN("HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n"),
     .expect = "HEAD 500  11 h1 L0;DONE;FIN NEED_MORE;"},
    {.name = "length-only response body", .methods = "GET",
     IN("HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n.............................."),
     .null_from = 39, .null_to = 69,
     .expect = "HEAD 200 OK 11 h1 L30;BODY #30;DONE;FIN NEED_MORE;"},
    {.name = "length-only close-delimited body",
     IN("HTTP/1.0 200 OK\r\n\r\n.........."), .null_from = 19, .null_to = 29,
     .expect = "HEAD 200 OK 10 h0 L-1;BODY #10;FIN DONE;"},
    {.name = "response bodies have no max_body", .small = true,
     IN("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n0123456789ab"),
     .expect = "HEAD 200 OK 11 h1 L12;BODY 0123456789ab;DONE;FIN NEED_MORE;"},
};
/* clang-format on */

/* clang-format off */
static const transcript bad_responses[] = {
    {.name = "status code with letters", IN("HTTP/1.1 2OO OK\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "status code under 100", IN("HTTP/1.1 099 Low\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "status code of four digits", IN("HTTP/1.1 2000 OK\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "version without a minor", IN("HTTP/2 200 OK\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "HTTP/2.0 status line", IN("HTTP/2.0 200 OK\r\n\r\n"), .expect = "ERROR 505;"},
    {.name = "not HTTP at all", IN("SSH-2.0-OpenSSH_9.6\r\n"), .expect = "ERROR 400;"},
    {.name = "control character in the reason", IN("HTTP/1.1 200 O\x01K\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "response with TE and CL",
     IN("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "response Content-Length disagrees",
     IN("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
     .expect = "ERROR 400;"},
    {.name = "status line too long", .small = true,
     IN("HTTP/1.1 200 OKOKOKOKOKOKOKOKOKOKOKOKOKOKOK\r\n\r\n"), .expect = "ERROR 400;"},
    {.name = "the connection ends in a response body",
     IN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"),
     .expect = "HEAD 200 OK 11 h1 L5;BODY hel;FIN ERROR 400;"},
};
/* clang-format on */

static void test_responses(void) { replay_table(good_responses, G_N_ELEMENTS(good_responses)); }

static void test_malformed_responses(void)
{
    replay_table(bad_responses, G_N_ELEMENTS(bad_responses));
}

/* ---- the slides' messages, field by field ------------------------------- */

/* Parses all of `input` in one go; returns the head of the first message
 * (owned by the caller) and the body bytes in `body` when given. */
static http_msg *parse_one(bool requests, const char *input, size_t len, GString *body)
{
    http_parser *p = http_parser_new(requests, NULL);
    http_msg *m = NULL;
    size_t off = 0;
    bool done = false;
    while (off < len && !done) {
        http_event ev;
        off += http_parser_feed(p, (const uint8_t *)input + off, len - off, &ev);
        if (ev.kind == HTTP_EV_HEAD)
            m = http_parser_take_msg(p);
        else if (ev.kind == HTTP_EV_BODY && body)
            g_string_append_len(body, (const char *)ev.data, (gssize)ev.len);
        else if (ev.kind == HTTP_EV_DONE || ev.kind == HTTP_EV_ERROR)
            done = true;
    }
    http_parser_free(p);
    return m;
}

static void test_slides_request_fields(void)
{
    const char in[] = SLIDES_GET;
    http_msg *m = parse_one(true, in, sizeof in - 1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_TRUE(m->is_request);
    CU_ASSERT_EQUAL(m->method, HTTP_M_GET);
    CU_ASSERT_STRING_EQUAL(m->method_str, "GET");
    CU_ASSERT_STRING_EQUAL(m->target, "/index.html");
    CU_ASSERT_EQUAL(m->version, 11);
    CU_ASSERT_EQUAL(m->headers->len, 8);
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "host"), "www-net.cs.umass.edu");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "User-Agent"), "Firefox/3.6.10");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "ACCEPT"), "text/html,application/xhtml+xml");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Accept-Language"), "en-us,en;q=0.5");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Accept-Encoding"), "gzip,deflate");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Accept-Charset"), "ISO-8859-1,utf-8;q=0.7");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Keep-Alive"), "115");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Connection"), "keep-alive");
    CU_ASSERT_TRUE(http_msg_keep_alive(m, NULL));

    /* Serialised back, it is the same bytes. */
    GString *out = g_string_new(NULL);
    http_msg_serialize(m, out);
    CU_ASSERT_EQUAL(out->len, sizeof in - 1);
    CU_ASSERT_STRING_EQUAL(out->str, in);
    g_string_free(out, TRUE);
    http_msg_free(m);
}

static void test_slides_response_fields(void)
{
    char *body = slides_body();
    char *in = g_strconcat(SLIDES_200_HEAD, body, NULL);
    size_t head_len = sizeof SLIDES_200_HEAD - 1;
    GString *got_body = g_string_new(NULL);
    http_msg *m = parse_one(false, in, strlen(in), got_body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_FALSE(m->is_request);
    CU_ASSERT_EQUAL(m->status, 200);
    CU_ASSERT_STRING_EQUAL(m->reason, "OK");
    CU_ASSERT_EQUAL(m->version, 11);
    CU_ASSERT_EQUAL(m->headers->len, 9);
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Date"), "Sun, 26 Sep 2010 20:09:20 GMT");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Server"), "Apache/2.0.52 (CentOS)");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Last-Modified"), "Tue, 30 Oct 2007 17:00:02 GMT");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "ETag"), "\"17dc6-a5c-bf716880\"");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Accept-Ranges"), "bytes");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Content-Length"), "2652");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Keep-Alive"), "timeout=10, max=100");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Connection"), "Keep-Alive");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Content-Type"), "text/html; charset=ISO-8859-1");
    CU_ASSERT_TRUE(http_msg_keep_alive(m, NULL));
    CU_ASSERT_EQUAL(got_body->len, 2652);
    CU_ASSERT_STRING_EQUAL(got_body->str, body);

    GString *out = g_string_new(NULL);
    http_msg_serialize(m, out);
    CU_ASSERT_EQUAL(out->len, head_len);
    CU_ASSERT_EQUAL(memcmp(out->str, in, head_len), 0);
    g_string_free(out, TRUE);
    http_msg_free(m);
    g_string_free(got_body, TRUE);
    g_free(in);
    g_free(body);
}

/* The slides' request and response replayed at every chunk size. */
static void test_slides_every_split(void)
{
    char *body = slides_body();
    char *in = g_strconcat(SLIDES_200_HEAD, body, SLIDES_200_HEAD, body, NULL);
    char *expect = g_strdup_printf("HEAD 200 OK 11 h9 L2652;BODY %s;DONE;"
                                   "HEAD 200 OK 11 h9 L2652;BODY %s;DONE;FIN NEED_MORE;",
                                   body, body);
    transcript t = {.name = "slides 200, twice",
                    .input = in,
                    .len = strlen(in),
                    .methods = "GET GET",
                    .expect = expect};
    CU_ASSERT_TRUE(replay_every_split(&t));
    /* The same with the bodies length-only. */
    char *expect_null = g_strdup("HEAD 200 OK 11 h9 L2652;BODY #2652;DONE;FIN NEED_MORE;");
    char *one = g_strconcat(SLIDES_200_HEAD, body, NULL);
    transcript tn = {.name = "slides 200, length-only body",
                     .input = one,
                     .len = strlen(one),
                     .expect = expect_null,
                     .null_from = sizeof SLIDES_200_HEAD - 1,
                     .null_to = strlen(one)};
    CU_ASSERT_TRUE(replay_every_split(&tn));
    g_free(one);
    g_free(expect_null);
    g_free(expect);
    g_free(in);
    g_free(body);
}

/* ---- API details -------------------------------------------------------- */

/* Feeds `s` whole, collecting every event kind into a string of letters
 * (H, B, D, E, N); returns the number of bytes consumed in total. */
static size_t feed_all(http_parser *p, const char *s, GString *kinds)
{
    static const char letters[] = "NHBDE";
    size_t len = strlen(s), off = 0;
    int guard = 0;
    while (off < len && guard++ < 1000) {
        http_event ev;
        off += http_parser_feed(p, (const uint8_t *)s + off, len - off, &ev);
        g_string_append_c(kinds, letters[ev.kind]);
        if (ev.kind == HTTP_EV_ERROR)
            break;
    }
    return off;
}

static void test_take_msg_and_lifetime(void)
{
    http_parser *p = http_parser_new(true, NULL);
    CU_ASSERT_PTR_NULL(http_parser_msg(p));
    CU_ASSERT_PTR_NULL(http_parser_take_msg(p));
    CU_ASSERT_STRING_EQUAL(http_parser_state_name(p), "START_LINE");
    GString *k = g_string_new(NULL);
    const char *req = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n";
    feed_all(p, req, k);
    CU_ASSERT_STRING_EQUAL(k->str, "H");
    CU_ASSERT_STRING_EQUAL(http_parser_state_name(p), "BODY_LENGTH");
    CU_ASSERT_EQUAL(http_parser_body_length(p), 2);
    http_msg *m = http_parser_take_msg(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_PTR_NULL(http_parser_msg(p));
    feed_all(p, "ok", k);
    CU_ASSERT_STRING_EQUAL(k->str, "HBD");
    /* The taken head outlives the parser. */
    http_parser_free(p);
    CU_ASSERT_STRING_EQUAL(m->target, "/x");
    http_msg_free(m);

    /* Without take, the head stays readable after DONE, until the next
     * message starts. */
    p = http_parser_new(true, NULL);
    g_string_truncate(k, 0);
    feed_all(p, "GET /one HTTP/1.1\r\nHost: h\r\n\r\n", k);
    CU_ASSERT_STRING_EQUAL(k->str, "HD");
    CU_ASSERT_PTR_NOT_NULL_FATAL(http_parser_msg(p));
    CU_ASSERT_STRING_EQUAL(http_parser_msg(p)->target, "/one");
    CU_ASSERT_EQUAL(http_parser_body_length(p), 0);
    feed_all(p, "GET /tw", k);
    CU_ASSERT_PTR_NULL(http_parser_msg(p));
    feed_all(p, "o HTTP/1.1\r\nHost: h\r\n\r\n", k);
    CU_ASSERT_STRING_EQUAL(k->str, "HDNHD");
    CU_ASSERT_STRING_EQUAL(http_parser_msg(p)->target, "/two");
    http_parser_free(p);
    g_string_free(k, TRUE);
}

/* An event followed by DONE that used up the input holds back one byte, so
 * that the caller's loop comes back; a call with nothing gets DONE too. */
static void test_done_after_last_byte(void)
{
    const char *req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    size_t len = strlen(req);
    http_parser *p = http_parser_new(true, NULL);
    http_event ev;
    size_t n = http_parser_feed(p, (const uint8_t *)req, len, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_HEAD);
    CU_ASSERT_EQUAL(n, len - 1);
    n = http_parser_feed(p, (const uint8_t *)req + n, 1, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_DONE);
    CU_ASSERT_EQUAL(n, 1);
    n = http_parser_feed(p, NULL, 0, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_NEED_MORE);
    CU_ASSERT_EQUAL(n, 0);

    /* The len-0 way: DONE comes out, and the held byte still counts. */
    n = http_parser_feed(p, (const uint8_t *)req, len, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_HEAD);
    CU_ASSERT_EQUAL(n, len - 1);
    http_parser_feed(p, NULL, 0, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_DONE);
    n = http_parser_feed(p, (const uint8_t *)req + len - 1, 1, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_NEED_MORE);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_STRING_EQUAL(http_parser_state_name(p), "START_LINE");

    /* finish() with DONE pending gives DONE. */
    n = http_parser_feed(p, (const uint8_t *)req, len, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_HEAD);
    http_parser_finish(p, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_DONE);
    http_parser_finish(p, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_NEED_MORE);
    http_parser_free(p);
}

static void test_error_is_sticky(void)
{
    http_parser *p = http_parser_new(true, NULL);
    http_event ev;
    const char *bad = "GET / HTTP/2.0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
    size_t n = http_parser_feed(p, (const uint8_t *)bad, strlen(bad), &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_ERROR);
    CU_ASSERT_EQUAL(ev.status, 505);
    CU_ASSERT_EQUAL(n, strlen(bad)); /* a naive loop ends */
    CU_ASSERT_PTR_NOT_NULL(ev.error);
    n = http_parser_feed(p, (const uint8_t *)"GET / HTTP/1.0\r\n\r\n", 18, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_ERROR);
    CU_ASSERT_EQUAL(ev.status, 505);
    CU_ASSERT_EQUAL(n, 18);
    http_parser_finish(p, &ev);
    CU_ASSERT_EQUAL(ev.kind, HTTP_EV_ERROR);
    CU_ASSERT_EQUAL(ev.status, 505);
    CU_ASSERT_STRING_EQUAL(http_parser_state_name(p), "ERROR");
    CU_ASSERT_PTR_NULL(http_parser_msg(p));
    http_parser_free(p);
}

/* The default limits, at and one past each edge. */
static void test_default_limits(void)
{
    http_limits l;
    http_limits_default(&l);
    CU_ASSERT_EQUAL(l.max_start_line, 8192);
    CU_ASSERT_EQUAL(l.max_header_size, 32768);
    CU_ASSERT_EQUAL(l.max_headers, 100);
    CU_ASSERT_EQUAL(l.max_body, 64u << 20);

    /* "GET " + target + " HTTP/1.0" is 13 bytes around the target. */
    for (int extra = 0; extra < 2; extra++) {
        GString *s = g_string_new("GET /");
        while (s->len < 8192 - 9 + (size_t)extra)
            g_string_append_c(s, 'a');
        g_string_append(s, " HTTP/1.0\r\n\r\n");
        transcript t = {.name = extra ? "8193-byte request line" : "8192-byte request line",
                        .requests = true,
                        .input = s->str,
                        .len = s->len};
        char *got = replay(&t, 1, false, NULL);
        char *got_whole = replay(&t, s->len, false, NULL);
        if (extra) {
            CU_ASSERT_STRING_EQUAL(got, "ERROR 414;");
        } else {
            CU_ASSERT_PTR_NOT_NULL(strstr(got, "DONE;FIN NEED_MORE;"));
        }
        CU_ASSERT_STRING_EQUAL(got, got_whole);
        g_free(got);
        g_free(got_whole);
        g_string_free(s, TRUE);
    }
    /* 100 headers pass, 101 do not. */
    for (int count = 100; count <= 101; count++) {
        GString *s = g_string_new("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 1; i < count; i++)
            g_string_append_printf(s, "X-%d: %d\r\n", i, i);
        g_string_append(s, "\r\n");
        transcript t = {.name = "many headers", .requests = true, .input = s->str, .len = s->len};
        char *got = replay(&t, 7, false, NULL);
        const char *want =
            count == 100 ? "HEAD GET / 11 h100 L0;DONE;FIN NEED_MORE;" : "ERROR 431;";
        CU_ASSERT_STRING_EQUAL(got, want);
        g_free(got);
        g_string_free(s, TRUE);
    }
    /* A header section of 32768 bytes passes, one more byte does not. */
    for (int extra = 0; extra < 2; extra++) {
        /* The section is "Host: h\r\n", "X-Big: " and the value, then two
         * line endings: 20 bytes around the value. */
        GString *s = g_string_new("GET / HTTP/1.1\r\nHost: h\r\nX-Big: ");
        for (size_t i = 0; i < 32768 - 20 + (size_t)extra; i++)
            g_string_append_c(s, 'v');
        g_string_append(s, "\r\n\r\n");
        CU_ASSERT_EQUAL(s->len - 16, 32768 + (size_t)extra);
        transcript t = {.name = "big header", .requests = true, .input = s->str, .len = s->len};
        for (size_t chunk = 1; chunk <= s->len; chunk = chunk * 3 + 1) {
            char *got = replay(&t, chunk, false, NULL);
            CU_ASSERT_STRING_EQUAL(got, extra ? "ERROR 431;"
                                              : "HEAD GET / 11 h2 L0;DONE;FIN NEED_MORE;");
            g_free(got);
        }
        g_string_free(s, TRUE);
    }
    /* Content-Length at max_body passes the head; one more is 413. */
    char *at = g_strdup_printf("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: %" G_GUINT64_FORMAT
                               "\r\n\r\n",
                               (guint64)l.max_body);
    char *past = g_strdup_printf("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: %" G_GUINT64_FORMAT
                                 "\r\n\r\n",
                                 (guint64)l.max_body + 1);
    http_parser *p = http_parser_new(true, NULL);
    GString *k = g_string_new(NULL);
    feed_all(p, at, k);
    CU_ASSERT_STRING_EQUAL(k->str, "H");
    http_parser_free(p);
    p = http_parser_new(true, NULL);
    g_string_truncate(k, 0);
    feed_all(p, past, k);
    CU_ASSERT_STRING_EQUAL(k->str, "E");
    http_parser_free(p);
    /* max_body 0 means no limit. */
    l.max_body = 0;
    p = http_parser_new(true, &l);
    g_string_truncate(k, 0);
    feed_all(p, past, k);
    CU_ASSERT_STRING_EQUAL(k->str, "H");
    http_parser_free(p);
    g_string_free(k, TRUE);
    g_free(at);
    g_free(past);
}

/* Header values lose their surrounding whitespace, keep the inner one; the
 * method string and target are kept as written. */
static void test_fields_as_written(void)
{
    const char in[] = "FOO /a%20b?x=1#f HTTP/1.0\r\nX-Pad: \t a  b \t\r\nx-lower:v\r\n\r\n";
    http_msg *m = parse_one(true, in, sizeof in - 1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->method, HTTP_M_UNKNOWN);
    CU_ASSERT_STRING_EQUAL(m->method_str, "FOO");
    CU_ASSERT_STRING_EQUAL(m->target, "/a%20b?x=1#f");
    CU_ASSERT_EQUAL(m->version, 10);
    http_header *h = &g_array_index(m->headers, http_header, 0);
    CU_ASSERT_STRING_EQUAL(h->name, "X-Pad");
    CU_ASSERT_STRING_EQUAL(h->value, "a  b");
    h = &g_array_index(m->headers, http_header, 1);
    CU_ASSERT_STRING_EQUAL(h->name, "x-lower");
    CU_ASSERT_STRING_EQUAL(h->value, "v");
    GString *out = g_string_new(NULL);
    http_msg_serialize(m, out);
    CU_ASSERT_STRING_EQUAL(out->str,
                           "FOO /a%20b?x=1#f HTTP/1.0\r\nX-Pad: a  b\r\nx-lower: v\r\n\r\n");
    g_string_free(out, TRUE);
    http_msg_free(m);

    /* An HTTP/0.9 request serialises as its request line. */
    m = parse_one(true, "GET /old\n", 9, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    out = g_string_new(NULL);
    http_msg_serialize(m, out);
    CU_ASSERT_STRING_EQUAL(out->str, "GET /old\r\n");
    CU_ASSERT_FALSE(http_msg_keep_alive(m, NULL));
    g_string_free(out, TRUE);
    http_msg_free(m);
}

/* A response parser learns from expect() in order, and 1xx do not use an
 * entry up. */
static void test_expect_queue(void)
{
    http_parser *p = http_parser_new(false, NULL);
    http_parser_expect(p, HTTP_M_HEAD);
    http_parser_expect(p, HTTP_M_GET);
    GString *k = g_string_new(NULL);
    feed_all(p, "HTTP/1.1 100 Continue\r\n\r\n", k);
    feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", k);
    CU_ASSERT_EQUAL(http_parser_body_length(p), 0); /* HEAD: no body */
    feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody", k);
    CU_ASSERT_STRING_EQUAL(k->str, "HDHDHBD");
    /* The queue is empty now: GET is assumed, bodies are read. */
    feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", k);
    CU_ASSERT_STRING_EQUAL(k->str, "HDHDHBDHBD");
    http_parser_free(p);
    g_string_free(k, TRUE);
}

/* ---- randomized robustness ----------------------------------------------- */

/* Bytes that matter to the grammar, for the mutations to insert. */
static const char special[] = "\r\n :;,\t0019aAfFzZ\"/.-HTTP\x00\x7f\x80\xff";

static void mutate(GRand *r, GString *b)
{
    guint op = (guint)g_rand_int_range(r, 0, 6);
    gsize len = b->len;
    gsize at = len ? (gsize)g_rand_int_range(r, 0, (gint32)len) : 0;
    switch (op) {
    case 0: /* flip one byte to anything */
        if (len)
            b->str[at] = (char)g_rand_int_range(r, 0, 256);
        break;
    case 1: /* replace one byte by a grammar byte */
        if (len)
            b->str[at] = special[g_rand_int_range(r, 0, sizeof special - 1)];
        break;
    case 2: /* insert a grammar byte */
        g_string_insert_c(b, (gssize)at, special[g_rand_int_range(r, 0, sizeof special - 1)]);
        break;
    case 3: /* delete a byte */
        if (len)
            g_string_erase(b, (gssize)at, 1);
        break;
    case 4: /* truncate */ g_string_truncate(b, at); break;
    case 5: /* duplicate a slice in place */
    {
        gsize n = (gsize)g_rand_int_range(r, 0, 16);
        if (at + n > len)
            n = len - at;
        char *copy = g_strndup(b->str + at, n);
        g_string_insert_len(b, (gssize)at, copy, (gssize)n);
        g_free(copy);
        break;
    }
    }
}

/* Feeds `t` in random chunk sizes. */
static char *replay_random(const transcript *t, GRand *r, int *violations)
{
    run rr;
    run_init(&rr, t);
    for (size_t at = 0; at < t->len && !rr.failed;) {
        size_t left = t->len - at;
        size_t chunk = (size_t)g_rand_int_range(r, 1, (gint32)MIN(left, (size_t)64) + 1);
        size_t end = at + chunk;
        if (t->null_to > t->null_from) {
            if (at < t->null_from && end > t->null_from)
                end = t->null_from;
            else if (at < t->null_to && end > t->null_to)
                end = t->null_to;
        }
        feed_piece(&rr, t, at, end, g_rand_boolean(r));
        at = end;
    }
    return run_end(&rr, violations);
}

static void test_random_mutations(void)
{
    /* The corpus: every transcript that parses, requests and responses. */
    GPtrArray *corpus = g_ptr_array_new();
    for (size_t i = 0; i < G_N_ELEMENTS(good_requests); i++)
        g_ptr_array_add(corpus, (gpointer)&good_requests[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(good_responses); i++)
        g_ptr_array_add(corpus, (gpointer)&good_responses[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_requests); i++)
        g_ptr_array_add(corpus, (gpointer)&bad_requests[i]);

    GRand *r = g_rand_new_with_seed(20240601);
    int runs = 4000, mismatches = 0, violations = 0;
    int ends[5] = {0};
    for (int i = 0; i < runs; i++) {
        const transcript *base =
            g_ptr_array_index(corpus, (guint)g_rand_int_range(r, 0, (gint32)corpus->len));
        GString *b = g_string_new_len(base->input, (gssize)base->len);
        int n = g_rand_int_range(r, 1, 5);
        for (int k = 0; k < n; k++)
            mutate(r, b);
        transcript t = *base;
        t.input = b->str;
        t.len = b->len;
        t.small = g_rand_int_range(r, 0, 4) == 0;
        t.null_from = t.null_to = 0;

        /* The reference: everything in one call. Then random splits, and
         * one byte at a time: the log must be the same. */
        int broken = 0;
        char *whole = replay(&t, t.len ? t.len : 1, false, &broken);
        char *split = replay_random(&t, r, &broken);
        char *bytewise = i % 8 == 0 ? replay(&t, 1, true, &broken) : g_strdup(whole);
        if (strcmp(whole, split) != 0 || strcmp(whole, bytewise) != 0) {
            if (mismatches++ < 5)
                fprintf(stderr, "\nmutation %d of \"%s\":\n  whole %s\n  split %s\n  bytes %s\n", i,
                        base->name, whole, split, bytewise);
        }
        if (broken && violations++ < 5)
            fprintf(stderr, "\nmutation %d broke the contract: %s\n", i, split);
        /* How the run ended: the last event in the log. */
        if (strstr(whole, "ERROR"))
            ends[HTTP_EV_ERROR]++;
        else if (g_str_has_suffix(whole, "FIN DONE;"))
            ends[HTTP_EV_DONE]++;
        else
            ends[HTTP_EV_NEED_MORE]++;

        /* The same bytes with a random stretch length-only: only the
         * contract is checked, the log differs by design. */
        if (t.len > 2) {
            t.null_from = (size_t)g_rand_int_range(r, 0, (gint32)t.len);
            t.null_to =
                t.null_from + (size_t)g_rand_int_range(r, 1, (gint32)(t.len - t.null_from) + 1);
            broken = 0;
            char *nulled = replay_random(&t, r, &broken);
            if (broken && violations++ < 5)
                fprintf(stderr, "\nlength-only mutation %d broke the contract: %s\n", i, nulled);
            g_free(nulled);
        }
        g_free(whole);
        g_free(split);
        g_free(bytewise);
        g_string_free(b, TRUE);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_EQUAL(violations, 0);
    CU_ASSERT_EQUAL(ends[HTTP_EV_ERROR] + ends[HTTP_EV_DONE] + ends[HTTP_EV_NEED_MORE], runs);
    /* The mutations reach all three endings, so each is exercised. */
    CU_ASSERT_TRUE(ends[HTTP_EV_ERROR] > runs / 10);
    CU_ASSERT_TRUE(ends[HTTP_EV_NEED_MORE] > runs / 20);
    CU_ASSERT_TRUE(ends[HTTP_EV_DONE] > 0);
    g_rand_free(r);
    g_ptr_array_free(corpus, TRUE);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_requests),
        TEST(test_malformed_requests),
        TEST(test_responses),
        TEST(test_malformed_responses),
        TEST(test_slides_request_fields),
        TEST(test_slides_response_fields),
        TEST(test_slides_every_split),
        TEST(test_take_msg_and_lifetime),
        TEST(test_done_after_last_byte),
        TEST(test_error_is_sticky),
        TEST(test_default_limits),
        TEST(test_fields_as_written),
        TEST(test_expect_queue),
        TEST(test_random_mutations),
    };
    return test_main("protocols/http/parser", tests, G_N_ELEMENTS(tests));
}
