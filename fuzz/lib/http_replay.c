/*
 * http_replay: replays one input through the HTTP parser in several splits
 * and checks the parser's contract, the independence of its events from the
 * split, and the round trip of every head through the serializer.
 *
 * Each replay writes a log that holds everything the caller of the parser
 * can observe: every head as its serialised bytes and its body length,
 * every run of body bytes joined (spans are split wherever the input was,
 * so only their concatenation can be compared), DONE, every error with its
 * status and explanation, and what http_parser_finish() says once the input
 * is over. The logs of the different splits must be equal byte for byte.
 *
 * Costs: each replay is linear in the input; the byte-per-call replay makes
 * one allocation per byte, which stays cheap for the few kilobytes a fuzzer
 * input has.
 */
#include "http_replay.h"

#include <glib.h>
#include <string.h>

#include "fuzz_check.h"

/* Calls in a row that consume nothing before the parser is taken to be
 * stuck (one is normal: the DONE that follows a held byte). */
#define MAX_IDLE_CALLS 3

size_t http_replay_setup_read(bool requests, const uint8_t *data, size_t len, http_replay_setup *s)
{
    size_t need = requests ? 1 : 2;
    if (len < need)
        return 0;
    memset(s, 0, sizeof *s);
    s->requests = requests;
    unsigned k = data[0] & 0x0f;
    if (k == 0) {
        http_limits_default(&s->limits);
    } else {
        s->limits.max_start_line = 16 * (size_t)k;
        s->limits.max_header_size = 32 * (size_t)k;
        s->limits.max_headers = k + 1;
        s->limits.max_body = 5 * (uint64_t)k;
    }
    s->piece = (size_t)(data[0] >> 4) + 2;
    static const http_method codes[4] = {HTTP_M_GET, HTTP_M_HEAD, HTTP_M_CONNECT, HTTP_M_POST};
    for (unsigned i = 0; i < HTTP_REPLAY_METHODS; i++)
        s->methods[i] = requests ? HTTP_M_GET : codes[(data[1] >> (2 * i)) & 3];
    return need;
}

/* One replay in progress. */
typedef struct {
    const http_replay_setup *s;
    http_parser *p;
    GString *log;
    GString *body;       /* body bytes not logged yet */
    bool in_message;     /* a HEAD came and its DONE did not yet */
    bool failed;         /* an ERROR came */
    int idle;            /* calls in a row that consumed nothing */
    size_t finals;       /* responses: final responses so far */
    bool take;           /* take every head with http_parser_take_msg() */
    bool round_trip;     /* check every head's round trip */
} replay;

static bool error_status_known(int status)
{
    switch (status) {
    case 400:
    case 413:
    case 414:
    case 431:
    case 501:
    case 505: return true;
    default: return false;
    }
}

static void flush_body(replay *r)
{
    if (r->body->len == 0)
        return;
    g_string_append_printf(r->log, "BODY %" G_GSIZE_FORMAT ":", r->body->len);
    g_string_append_len(r->log, r->body->str, (gssize)r->body->len);
    g_string_append(r->log, ";");
    g_string_truncate(r->body, 0);
}

/* The method the next response answers, as the parser was told. */
static http_method answered_method(const replay *r)
{
    return r->finals < HTTP_REPLAY_METHODS ? r->s->methods[r->finals] : HTTP_M_GET;
}

static bool same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Checks that `a` and `b` are the same head, field by field. */
static void check_same_head(const http_msg *a, const http_msg *b, const GString *wire)
{
    FUZZ_CHECK(a->is_request == b->is_request, "round trip changed the kind of message: %s",
               wire->str);
    FUZZ_CHECK(a->version == b->version, "round trip changed the version %d to %d: %s", a->version,
               b->version, wire->str);
    if (a->is_request) {
        FUZZ_CHECK(a->method == b->method && same_string(a->method_str, b->method_str),
                   "round trip changed the method: %s", wire->str);
        FUZZ_CHECK(same_string(a->target, b->target), "round trip changed the target: %s",
                   wire->str);
    } else {
        FUZZ_CHECK(a->status == b->status, "round trip changed the status: %s", wire->str);
        FUZZ_CHECK(same_string(a->reason, b->reason), "round trip changed the reason: %s",
                   wire->str);
    }
    FUZZ_CHECK(a->headers->len == b->headers->len, "round trip changed the header count %u to %u: %s",
               a->headers->len, b->headers->len, wire->str);
    for (guint i = 0; i < a->headers->len; i++) {
        const http_header *ha = &g_array_index(a->headers, http_header, i);
        const http_header *hb = &g_array_index(b->headers, http_header, i);
        FUZZ_CHECK(strcmp(ha->name, hb->name) == 0 && strcmp(ha->value, hb->value) == 0,
                   "round trip changed header %u: %s", i, wire->str);
    }
}

/* Serialises `m`, reads it back with a fresh parser (limits that cannot be
 * reached, and the same expectation for a response), and checks that the
 * head read back equals `m` and serialises to the same bytes. */
static void check_round_trip(const http_msg *m, http_method answers)
{
    GString *wire = g_string_new(NULL);
    http_msg_serialize(m, wire);
    http_limits unlimited = {
        .max_start_line = SIZE_MAX / 4,
        .max_header_size = SIZE_MAX / 4,
        .max_headers = SIZE_MAX / 4,
        .max_body = 0,
    };
    http_parser *p = http_parser_new(m->is_request, &unlimited);
    if (!m->is_request)
        http_parser_expect(p, answers);
    const http_msg *back = NULL;
    size_t off = 0;
    while (off < wire->len && !back) {
        http_event ev;
        off += http_parser_feed(p, (const uint8_t *)wire->str + off, wire->len - off, &ev);
        if (ev.kind == HTTP_EV_HEAD)
            back = http_parser_msg(p);
        else
            FUZZ_CHECK(ev.kind == HTTP_EV_NEED_MORE, "a serialised head did not parse back (%s): %s",
                       ev.kind == HTTP_EV_ERROR ? ev.error : "an event before its head", wire->str);
    }
    FUZZ_CHECK(back != NULL, "a serialised head did not parse back (incomplete): %s", wire->str);
    check_same_head(m, back, wire);
    GString *again = g_string_new(NULL);
    http_msg_serialize(back, again);
    FUZZ_CHECK(g_string_equal(wire, again), "a head serialised differently after a round trip: %s",
               wire->str);
    g_string_free(again, TRUE);
    http_parser_free(p);
    g_string_free(wire, TRUE);
}

static void log_head(replay *r)
{
    const http_msg *m = http_parser_msg(r->p);
    FUZZ_CHECK(m != NULL, "HEAD without a message");
    FUZZ_CHECK(m->is_request == r->s->requests, "a head of the wrong kind");
    http_method answers = answered_method(r);
    if (!m->is_request && m->status >= 200)
        r->finals++;
    GString *wire = g_string_new(NULL);
    http_msg_serialize(m, wire);
    g_string_append_printf(r->log, "HEAD %" G_GSIZE_FORMAT ":", wire->len);
    g_string_append_len(r->log, wire->str, (gssize)wire->len);
    g_string_append_printf(r->log, " L%" G_GINT64_FORMAT ";", http_parser_body_length(r->p));
    g_string_free(wire, TRUE);
    if (r->round_trip)
        check_round_trip(m, answers);
    if (r->take) {
        http_msg *taken = http_parser_take_msg(r->p);
        FUZZ_CHECK(taken == m, "http_parser_take_msg gave another message");
        FUZZ_CHECK(http_parser_msg(r->p) == NULL && http_parser_take_msg(r->p) == NULL,
                   "a taken message is still there");
        http_msg_free(taken);
    }
}

/* Records one event of a call that was given data[0, len) and used `used`
 * bytes, checking it against the contract. */
static void log_event(replay *r, const http_event *ev, const uint8_t *data, size_t len, size_t used)
{
    FUZZ_CHECK(used <= len, "consumed %zu bytes of %zu", used, len);
    FUZZ_CHECK(ev->kind != HTTP_EV_NEED_MORE || used == len, "NEED_MORE left %zu bytes", len - used);
    r->idle = used ? 0 : r->idle + 1;
    FUZZ_CHECK(r->idle <= MAX_IDLE_CALLS, "no progress in %d calls", r->idle);
    if (ev->kind != HTTP_EV_BODY && ev->kind != HTTP_EV_NEED_MORE)
        flush_body(r);
    switch (ev->kind) {
    case HTTP_EV_NEED_MORE: break;
    case HTTP_EV_HEAD:
        FUZZ_CHECK(!r->in_message, "HEAD inside a message");
        r->in_message = true;
        log_head(r);
        break;
    case HTTP_EV_BODY:
        FUZZ_CHECK(r->in_message, "BODY outside a message");
        FUZZ_CHECK(ev->len > 0, "an empty BODY");
        FUZZ_CHECK(ev->data && ev->data >= data && ev->len <= len &&
                       (size_t)(ev->data - data) <= len - ev->len,
                   "a BODY span outside the input");
        g_string_append_len(r->body, (const char *)ev->data, (gssize)ev->len);
        break;
    case HTTP_EV_DONE:
        FUZZ_CHECK(r->in_message, "DONE outside a message");
        r->in_message = false;
        g_string_append(r->log, "DONE;");
        break;
    case HTTP_EV_ERROR:
        FUZZ_CHECK(error_status_known(ev->status), "an error with status %d", ev->status);
        FUZZ_CHECK(ev->error && *ev->error, "an error without an explanation");
        g_string_append_printf(r->log, "ERROR %d %s;", ev->status, ev->error);
        r->failed = true;
        break;
    }
}

/* Feeds one piece the way http_parser.h shows (while off < len), then once
 * more with nothing, which must find nothing left to say. */
static void feed_piece(replay *r, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (off < len && !r->failed) {
        http_event ev;
        size_t used = http_parser_feed(r->p, data + off, len - off, &ev);
        log_event(r, &ev, data + off, len - off, used);
        off += used;
    }
    if (r->failed)
        return;
    http_event ev;
    size_t used = http_parser_feed(r->p, NULL, 0, &ev);
    FUZZ_CHECK(used == 0 && ev.kind == HTTP_EV_NEED_MORE,
               "a call with nothing after a piece gave event %d", (int)ev.kind);
}

/* Replays the input in pieces of `piece` bytes (0: all at once) and returns
 * the log. */
static GString *replay_split(const http_replay_setup *s, const uint8_t *data, size_t len,
                             size_t piece, bool take, bool round_trip)
{
    replay r = {
        .s = s,
        .p = http_parser_new(s->requests, &s->limits),
        .log = g_string_new(NULL),
        .body = g_string_new(NULL),
        .take = take,
        .round_trip = round_trip,
    };
    if (!s->requests)
        for (unsigned i = 0; i < HTTP_REPLAY_METHODS; i++)
            http_parser_expect(r.p, s->methods[i]);
    if (piece == 0)
        piece = len;
    for (size_t at = 0; at < len && !r.failed; at += piece) {
        size_t n = MIN(piece, len - at);
        /* A copy of exactly the piece's size: a read past it is caught. */
        uint8_t *copy = g_memdup2(data + at, n);
        feed_piece(&r, copy, n);
        g_free(copy);
    }
    flush_body(&r);
    http_event ev;
    if (r.failed) {
        /* The error state is sticky and repeats itself. */
        uint8_t byte = 'x';
        size_t used = http_parser_feed(r.p, &byte, 1, &ev);
        FUZZ_CHECK(used == 1 && ev.kind == HTTP_EV_ERROR, "the error state did not stick");
    } else {
        http_parser_finish(r.p, &ev);
        switch (ev.kind) {
        case HTTP_EV_NEED_MORE:
            FUZZ_CHECK(!r.in_message, "finish said NEED_MORE inside a message");
            g_string_append(r.log, "FIN NEED_MORE;");
            break;
        case HTTP_EV_DONE:
            FUZZ_CHECK(r.in_message, "finish said DONE outside a message");
            g_string_append(r.log, "FIN DONE;");
            break;
        case HTTP_EV_ERROR:
            FUZZ_CHECK(error_status_known(ev.status), "finish gave status %d", ev.status);
            g_string_append_printf(r.log, "FIN ERROR %d %s;", ev.status, ev.error);
            break;
        default: FUZZ_CHECK(false, "finish gave event %d", (int)ev.kind);
        }
    }
    http_parser_free(r.p);
    g_string_free(r.body, TRUE);
    return r.log;
}

void http_replay_check(const http_replay_setup *s, const uint8_t *data, size_t len)
{
    GString *whole = replay_split(s, data, len, 0, false, true);
    const size_t pieces[] = {1, s->piece};
    for (size_t i = 0; i < G_N_ELEMENTS(pieces); i++) {
        GString *split = replay_split(s, data, len, pieces[i], i == 0, false);
        if (!g_string_equal(whole, split)) {
            fprintf(stderr, "whole input:\n%s\nin pieces of %zu bytes:\n%s\n", whole->str, pieces[i],
                    split->str);
            FUZZ_CHECK(false, "the events depend on the split");
        }
        g_string_free(split, TRUE);
    }
    g_string_free(whole, TRUE);
}
