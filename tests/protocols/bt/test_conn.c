/*
 * Tests of protocols/bt/bt_conn: the peer and tracker glue on the fake
 * stream and host of tests/fake_host.c (what is written is kept, the
 * clock and timers move only when the test says). A peer's announce
 * answered and the listed peers connected to; a handshake and the whole
 * content fetched from a seed core the test drives by hand; a tracker that
 * answers garbage, a failure reason, an HTTP error, half an answer or
 * nothing (tried again after BT_CONN_TRACKER_RETRY_NS, one connection at a
 * time); connections closed or reset mid-message; leaving; the tracker's
 * side of the announce. Every path frees what it holds: the ASan build of
 * this suite proves it.
 */
#include <glib.h>
#include <string.h>

#include "protocols/bt/bt_conn.h"
#include "protocols/bt/bt_storage.h"
#include "fake_host.h"
#include "test_util.h"

#define SEC INT64_C(1000000000)
#define TOTAL 40000u /* three pieces: 16384, 16384, 7232 */
#define PIECE 16384u
#define NPOOL 16

static const char http_ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %u\r\n\r\n";

typedef struct {
    fake_host h;
    fake_stream pool[NPOOL]; /* what connect() hands out, in order */
    char *hosts[NPOOL];
    uint16_t ports[NPOOL];
    unsigned used;
    bool refuse; /* connect() refuses */
    uint8_t *content;
    uint8_t *hashes;
    bt_storage *store;
    bt_conn_peer_options o;
    int completes, lefts;
} fix;

static fake_stream *fix_connect(void *ud, const char *host, uint16_t port)
{
    fix *x = ud;
    if (x->refuse || x->used == NPOOL)
        return NULL;
    x->hosts[x->used] = g_strdup(host);
    x->ports[x->used] = port;
    return &x->pool[x->used++];
}

static void on_complete(void *ud, bt_conn_peer *p)
{
    (void)p;
    ((fix *)ud)->completes++;
}

static void on_left(void *ud, bt_conn_peer *p)
{
    (void)p;
    ((fix *)ud)->lefts++;
}

static const bt_conn_peer_handler handler = {.complete = on_complete, .left = on_left};

/* A leecher (or a seed) of TOTAL bytes in memory, on port 6881, announcing to tracker:6969. */
static void fix_init(fix *x, bool seed)
{
    memset(x, 0, sizeof *x);
    fake_host_init(&x->h);
    x->h.connect_fn = fix_connect;
    x->h.connect_ud = x;
    for (unsigned i = 0; i < NPOOL; i++)
        fake_stream_init(&x->pool[i]);
    x->content = g_malloc(TOTAL);
    for (unsigned i = 0; i < TOTAL; i++)
        x->content[i] = (uint8_t)(i * 31 + 7);
    bt_storage *full = bt_storage_memory_new(TOTAL, PIECE, x->content);
    x->hashes = bt_storage_piece_hashes(bt_storage_ops_of(full), full, TOTAL, PIECE);
    bt_storage_free(full);
    x->store = bt_storage_memory_new(TOTAL, PIECE, seed ? x->content : NULL);
    bt_peer_config *k = &x->o.peer;
    k->hashes = x->hashes;
    k->n_pieces = 3;
    k->piece_length = PIECE;
    k->total_length = TOTAL;
    memset(k->info_hash, 0x11, BT_ID_LEN);
    memcpy(k->peer_id, "-AS0001-testpeer0001", BT_ID_LEN);
    k->seed = seed;
    k->storage = bt_storage_ops_of(x->store);
    k->storage_ud = x->store;
    k->seed_rng = 7;
    x->o.listen_port = 6881;
    x->o.tracker_host = "tracker";
    x->o.tracker_port = 6969;
    x->o.compact = true;
}

static void fix_clear(fix *x)
{
    for (unsigned i = 0; i < NPOOL; i++) {
        fake_stream_clear(&x->pool[i]);
        g_free(x->hosts[i]);
    }
    bt_storage_free(x->store);
    g_free(x->hashes);
    g_free(x->content);
    fake_host_clear(&x->h);
}

/* The peer (its started announce on pool[0]). */
static bt_conn_peer *fix_peer(fix *x)
{
    GError *err = NULL;
    bt_conn_peer *p = bt_conn_peer_new(&x->h.base, &x->o, &handler, x, &err);
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
    return p;
}

static bt_conn_peer *fix_start(fix *x, bool seed)
{
    fix_init(x, seed);
    return fix_peer(x);
}

static void fix_end(fix *x, bt_conn_peer *p)
{
    bt_conn_peer_free(p);
    fix_clear(x);
}

/* Hands data to the stream's handler in pieces; none once the glue closed
 * the stream (a closed stream calls nothing back: seam/stream.h). */
static void deliver(fake_stream *f, const void *data, size_t len, size_t piece)
{
    for (size_t off = 0; off < len && !f->closed; off += piece)
        f->base.handler->data(f->base.ud, &f->base, (const uint8_t *)data + off, MIN(piece, len - off));
}

/* An HTTP answer with `body` (status 200 unless said). */
static void answer(fake_stream *f, int status, const void *body, size_t len, size_t piece)
{
    GString *s = g_string_new(NULL);
    if (status == 200)
        g_string_printf(s, http_ok, (unsigned)len);
    else
        g_string_printf(s, "HTTP/1.1 %d Oops\r\nContent-Length: %u\r\n\r\n", status, (unsigned)len);
    g_string_append_len(s, body, (gssize)len);
    deliver(f, s->str, s->len, piece);
    g_string_free(s, TRUE);
}

static void answer_peers(fake_stream *f, const bt_peer_addr *peers, size_t n, size_t piece)
{
    GByteArray *b = bt_response_encode(900, 1, 1, peers, n, true);
    answer(f, 200, b->data, b->len, piece);
    g_byte_array_unref(b);
}

static bt_conn_peer_stats stats_of(const bt_conn_peer *p)
{
    bt_conn_peer_stats st;
    bt_conn_peer_get_stats(p, &st);
    return st;
}

static size_t open_conns(const bt_conn_peer *p)
{
    uint32_t ids[NPOOL];
    return bt_peer_conns(bt_conn_peer_core(p), ids, NPOOL);
}

/* ---- the announce --------------------------------------------------------- */

/* The started announce, answered with two peers: both are connected to
 * (not ourselves, not twice), the tracker connection closed. */
static void test_announce_peers(void)
{
    static const size_t pieces[] = {1, 5, 4096};
    for (size_t k = 0; k < G_N_ELEMENTS(pieces); k++) {
        fix x;
        bt_conn_peer *p = fix_start(&x, false);
        CU_ASSERT_TRUE(x.h.listening);
        CU_ASSERT_EQUAL(x.h.listen_port, 6881);
        CU_ASSERT_EQUAL_FATAL(x.used, 1);
        CU_ASSERT_STRING_EQUAL(x.hosts[0], "tracker");
        CU_ASSERT_EQUAL(x.ports[0], 6969);
        fake_stream *t = &x.pool[0];
        t->base.handler->connected(t->base.ud, &t->base);
        const char *req = t->written->str;
        CU_ASSERT(g_str_has_prefix(req, "GET /announce?info_hash=%11%11"));
        CU_ASSERT_PTR_NOT_NULL(strstr(req, "&port=6881&"));
        CU_ASSERT_PTR_NOT_NULL(strstr(req, "&left=40000&"));
        CU_ASSERT_PTR_NOT_NULL(strstr(req, "&event=started"));
        CU_ASSERT_PTR_NOT_NULL(strstr(req, " HTTP/1.1\r\nHost: tracker:6969\r\n"));
        CU_ASSERT(g_str_has_suffix(req, "Connection: close\r\n\r\n"));
        bt_peer_addr peers[4] = {
            {.ip = {10, 0, 0, 2}, .port = 6882},
            {.ip = {10, 0, 0, 3}, .port = 6883},
            {.ip = {10, 0, 0, 2}, .port = 6882}, /* listed twice */
            {.ip = {10, 0, 0, 4}, .port = 6884, .has_peer_id = true},
        };
        memcpy(peers[3].peer_id, x.o.peer.peer_id, BT_ID_LEN); /* ourselves: skipped */
        GByteArray *b = bt_response_encode(900, 1, 1, peers, 4, false);
        answer(t, 200, b->data, b->len, pieces[k]);
        g_byte_array_unref(b);
        CU_ASSERT_TRUE(t->closed);
        CU_ASSERT_EQUAL_FATAL(x.used, 3);
        CU_ASSERT_STRING_EQUAL(x.hosts[1], "10.0.0.2");
        CU_ASSERT_EQUAL(x.ports[1], 6882);
        CU_ASSERT_STRING_EQUAL(x.hosts[2], "10.0.0.3");
        CU_ASSERT_EQUAL(x.ports[2], 6883);
        /* A connection up: our handshake (and nothing from the core before). */
        CU_ASSERT_EQUAL(x.pool[1].written->len, 0);
        x.pool[1].base.handler->connected(x.pool[1].base.ud, &x.pool[1].base);
        CU_ASSERT(x.pool[1].written->len >= 68);
        CU_ASSERT_EQUAL(memcmp(x.pool[1].written->str, "\x13" "BitTorrent protocol", 20), 0);
        CU_ASSERT_EQUAL(memcmp(x.pool[1].written->str + 28, x.o.peer.info_hash, BT_ID_LEN), 0);
        /* The other refused. */
        x.pool[2].base.handler->error(x.pool[2].base.ud, &x.pool[2].base, STREAM_ERR_REFUSED);
        bt_conn_peer_stats st = stats_of(p);
        CU_ASSERT_EQUAL(st.announces, 1);
        CU_ASSERT_EQUAL(st.announce_failures, 0);
        CU_ASSERT_EQUAL(st.conns_made, 1);
        CU_ASSERT_EQUAL(st.conns_failed, 1);
        CU_ASSERT_EQUAL(open_conns(p), 1);
        /* The next announce after the interval (900 s), without event. */
        fake_host_advance(&x.h, 899 * SEC);
        CU_ASSERT_EQUAL(x.used, 3);
        fake_host_advance(&x.h, 900 * SEC);
        CU_ASSERT_EQUAL_FATAL(x.used, 4);
        x.pool[3].base.handler->connected(x.pool[3].base.ud, &x.pool[3].base);
        CU_ASSERT_PTR_NULL(strstr(x.pool[3].written->str, "event="));
        bt_conn_peer_free(p);
        CU_ASSERT_FALSE(x.h.listening);
        CU_ASSERT_TRUE(x.pool[1].closed);
        CU_ASSERT_TRUE(x.pool[3].closed);
        fix_clear(&x);
    }
}

/* One failed announce and what follows: the tracker stream closed, one
 * failure counted, no peer connected, tried again (with its event) after
 * exactly BT_CONN_TRACKER_RETRY_NS. */
static void check_retry(fix *x, bt_conn_peer *p, unsigned stream, uint64_t failures)
{
    CU_ASSERT_TRUE(x->pool[stream].closed);
    CU_ASSERT_EQUAL(stats_of(p).announce_failures, failures);
    CU_ASSERT_EQUAL(x->used, stream + 1);
    int64_t now = x->h.now;
    fake_host_advance(&x->h, now + BT_CONN_TRACKER_RETRY_NS - 1);
    CU_ASSERT_EQUAL(x->used, stream + 1);
    fake_host_advance(&x->h, now + BT_CONN_TRACKER_RETRY_NS);
    CU_ASSERT_EQUAL_FATAL(x->used, stream + 2);
    fake_stream *t = &x->pool[stream + 1];
    t->base.handler->connected(t->base.ud, &t->base);
    CU_ASSERT_PTR_NOT_NULL(strstr(t->written->str, "&event=started"));
}

static void test_announce_failures(void)
{
    fix x;
    bt_conn_peer *p = fix_start(&x, false);
    x.pool[0].base.handler->connected(x.pool[0].base.ud, &x.pool[0].base);
    unsigned s = 0;
    /* Garbage for a body. */
    answer(&x.pool[s], 200, "xxxxx", 5, 3);
    check_retry(&x, p, s++, 1);
    /* A failure reason. */
    GByteArray *b = bt_response_encode_failure("unregistered torrent");
    answer(&x.pool[s], 200, b->data, b->len, 7);
    g_byte_array_unref(b);
    check_retry(&x, p, s++, 2);
    /* An HTTP error with a good body. */
    bt_peer_addr peer = {.ip = {10, 0, 0, 2}, .port = 6882};
    b = bt_response_encode(900, 1, 1, &peer, 1, true);
    answer(&x.pool[s], 503, b->data, b->len, 64);
    g_byte_array_unref(b);
    check_retry(&x, p, s++, 3);
    /* Not HTTP. */
    deliver(&x.pool[s], "SSH-2.0-OpenSSH\r\n", 17, 17);
    check_retry(&x, p, s++, 4);
    /* Half an answer, then the tracker closes. */
    deliver(&x.pool[s], "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nd8:inter", 48, 5);
    CU_ASSERT_FALSE(x.pool[s].closed);
    x.pool[s].base.handler->peer_closed(x.pool[s].base.ud, &x.pool[s].base);
    check_retry(&x, p, s++, 5);
    /* A reset. */
    x.pool[s].base.handler->error(x.pool[s].base.ud, &x.pool[s].base, STREAM_ERR_RESET);
    CU_ASSERT_EQUAL(stats_of(p).announce_failures, 6);
    CU_ASSERT_FALSE(x.pool[s].closed); /* gone: not closed again */
    x.pool[s].closed = true;           /* for check_retry */
    check_retry(&x, p, s++, 6);
    /* A body over the limit. */
    GString *big = g_string_new(NULL);
    g_string_printf(big, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", (unsigned)BT_RESPONSE_MAX_SIZE + 10);
    deliver(&x.pool[s], big->str, big->len, big->len);
    g_string_set_size(big, 0);
    for (unsigned i = 0; i < BT_RESPONSE_MAX_SIZE + 10; i++)
        g_string_append_c(big, 'l');
    deliver(&x.pool[s], big->str, big->len, 4096);
    g_string_free(big, TRUE);
    check_retry(&x, p, s++, 7);
    /* Then an answer that is good: no more retries, the peer connected. */
    answer_peers(&x.pool[s], &peer, 1, 1);
    CU_ASSERT_TRUE(x.pool[s].closed);
    CU_ASSERT_EQUAL(stats_of(p).announce_failures, 7);
    CU_ASSERT_EQUAL_FATAL(x.used, s + 2);
    CU_ASSERT_STRING_EQUAL(x.hosts[s + 1], "10.0.0.2");
    fake_host_advance(&x.h, x.h.now + 899 * SEC);
    CU_ASSERT_EQUAL(x.used, s + 2);
    CU_ASSERT_EQUAL(stats_of(p).announces, 8);
    fix_end(&x, p);
}

/* A tracker that never answers, or cannot be reached, for hours: one
 * announce at a time, each given up after BT_CONN_TRACKER_TIMEOUT_NS and
 * tried again BT_CONN_TRACKER_RETRY_NS later; nothing piles up. */
static void test_announce_silent(void)
{
    fix x;
    bt_conn_peer *p = fix_start(&x, false);
    for (unsigned i = 0; i < 10; i++) {
        CU_ASSERT_EQUAL_FATAL(x.used, i + 1);
        fake_stream *t = &x.pool[i];
        t->base.handler->connected(t->base.ud, &t->base);
        CU_ASSERT_PTR_NOT_NULL(strstr(t->written->str, "&event=started"));
        int64_t at = x.h.now;
        fake_host_advance(&x.h, at + BT_CONN_TRACKER_TIMEOUT_NS - 1);
        CU_ASSERT_FALSE(t->closed);
        fake_host_advance(&x.h, at + BT_CONN_TRACKER_TIMEOUT_NS);
        CU_ASSERT_TRUE(t->closed);
        CU_ASSERT_EQUAL(stats_of(p).announce_failures, i + 1);
        fake_host_advance(&x.h, at + BT_CONN_TRACKER_TIMEOUT_NS + BT_CONN_TRACKER_RETRY_NS - 1);
        CU_ASSERT_EQUAL(x.used, i + 1);
        fake_host_advance(&x.h, at + BT_CONN_TRACKER_TIMEOUT_NS + BT_CONN_TRACKER_RETRY_NS);
    }
    /* Refused: tried again every BT_CONN_TRACKER_RETRY_NS, nothing held. */
    x.refuse = true;
    unsigned used = x.used;
    fake_stream *t = &x.pool[used - 1];
    t->base.handler->error(t->base.ud, &t->base, STREAM_ERR_TIMEOUT);
    uint64_t before = stats_of(p).announces;
    fake_host_advance(&x.h, x.h.now + 100 * BT_CONN_TRACKER_RETRY_NS);
    bt_conn_peer_stats st = stats_of(p);
    CU_ASSERT_EQUAL(st.announces, before + 100);
    CU_ASSERT_EQUAL(st.announce_failures, st.announces);
    CU_ASSERT_EQUAL(x.used, used);
    CU_ASSERT_EQUAL(st.conns_made + st.conns_accepted, 0);
    fix_end(&x, p);
}

/* ---- a peer connection ------------------------------------------------------- */

/* Moves bytes both ways between a fake stream (the glue's side) and a
 * core the test runs (the remote side), until neither has more. */
typedef struct {
    bt_peer *core;
    uint32_t id;
    size_t taken; /* of the fake stream's written bytes */
} remote;

static void relay(fake_stream *f, remote *r, int64_t now)
{
    for (int guard = 0; guard < 1000; guard++) {
        bool moved = false;
        if (f->written->len > r->taken) {
            bt_peer_feed(r->core, r->id, (const uint8_t *)f->written->str + r->taken, f->written->len - r->taken,
                         now);
            r->taken = f->written->len;
            moved = true;
        }
        size_t n = 0;
        const uint8_t *out = bt_peer_output(r->core, r->id, &n);
        if (n && !f->closed) {
            GByteArray *copy = g_byte_array_new();
            g_byte_array_append(copy, out, (guint)n);
            bt_peer_consume(r->core, r->id, n, now);
            deliver(f, copy->data, copy->len, 1000);
            g_byte_array_unref(copy);
            moved = true;
        }
        bt_peer_event ev;
        while (bt_peer_next_event(r->core, &ev)) {
        }
        if (!moved)
            return;
    }
    CU_FAIL("relay did not settle");
}

static void remote_init(remote *r, fix *x, bool seed, bt_storage **store)
{
    bt_peer_config k = x->o.peer;
    memcpy(k.peer_id, "-AS0001-remotepeer01", BT_ID_LEN);
    k.seed = seed;
    *store = bt_storage_memory_new(TOTAL, PIECE, seed ? x->content : NULL);
    k.storage = bt_storage_ops_of(*store);
    k.storage_ud = *store;
    k.seed_rng = 99;
    r->core = bt_peer_new(&k, x->h.now, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->core);
    r->id = bt_peer_add_conn(r->core, x->h.now);
    r->taken = 0;
}

/* A connection made to a listed seed: the handshake both ways and the
 * whole content, then the completed announce. */
static void test_fetch_from_seed(void)
{
    fix x;
    bt_conn_peer *p = fix_start(&x, false);
    x.pool[0].base.handler->connected(x.pool[0].base.ud, &x.pool[0].base);
    bt_peer_addr peer = {.ip = {10, 0, 0, 2}, .port = 6882};
    answer_peers(&x.pool[0], &peer, 1, 9);
    CU_ASSERT_EQUAL_FATAL(x.used, 2);
    fake_stream *f = &x.pool[1];
    f->space = 1000; /* back-pressure: the core's output waits for writable() */
    f->base.handler->connected(f->base.ud, &f->base);
    remote r;
    bt_storage *rstore;
    remote_init(&r, &x, true, &rstore);
    for (int64_t t = 0; t < 120 * SEC && !x.completes; t += SEC / 10) {
        fake_host_advance(&x.h, t);
        bt_peer_tick(r.core, t);
        relay(f, &r, t);
        f->space = 1000;
        f->base.handler->writable(f->base.ud, &f->base);
        relay(f, &r, t);
    }
    CU_ASSERT_EQUAL(x.completes, 1);
    CU_ASSERT_TRUE(bt_peer_complete(bt_conn_peer_core(p)));
    CU_ASSERT_EQUAL(memcmp(bt_storage_memory_bytes(x.store), x.content, TOTAL), 0);
    bt_conn_peer_stats st = stats_of(p);
    CU_ASSERT_EQUAL(st.payload_down, TOTAL);
    CU_ASSERT_EQUAL(st.payload_up, 0);
    CU_ASSERT(st.completed_at >= 0);
    /* The completed announce. */
    CU_ASSERT_EQUAL_FATAL(x.used, 3);
    x.pool[2].base.handler->connected(x.pool[2].base.ud, &x.pool[2].base);
    CU_ASSERT_PTR_NOT_NULL(strstr(x.pool[2].written->str, "&downloaded=40000&left=0&"));
    CU_ASSERT_PTR_NOT_NULL(strstr(x.pool[2].written->str, "&event=completed"));
    /* Leaving: the connection closed, stopped announced, left() once answered. */
    bt_conn_peer_leave(p);
    CU_ASSERT_TRUE(f->closed);
    CU_ASSERT_EQUAL(x.lefts, 0);
    answer_peers(&x.pool[2], &peer, 1, 100); /* the completed one: no connection made while leaving */
    CU_ASSERT_EQUAL_FATAL(x.used, 4);
    x.pool[3].base.handler->connected(x.pool[3].base.ud, &x.pool[3].base);
    CU_ASSERT_PTR_NOT_NULL(strstr(x.pool[3].written->str, "&event=stopped"));
    CU_ASSERT_EQUAL(x.lefts, 0);
    answer(&x.pool[3], 200, "de", 2, 2);
    CU_ASSERT_EQUAL(x.lefts, 1);
    fake_host_advance(&x.h, x.h.now + 3600 * SEC); /* nothing more */
    CU_ASSERT_EQUAL(x.used, 4);
    bt_conn_peer_free(p);
    bt_peer_free(r.core);
    bt_storage_free(rstore);
    fix_clear(&x);
}

/* A connection accepted by a seed: the leecher the test runs gets the content. */
static void test_seed_serves(void)
{
    fix x;
    bt_conn_peer *p = fix_start(&x, true);
    fake_stream in;
    fake_stream_init(&in);
    fake_host_accept(&x.h, &in);
    CU_ASSERT_EQUAL(stats_of(p).conns_accepted, 1);
    remote r;
    bt_storage *rstore;
    remote_init(&r, &x, false, &rstore);
    for (int64_t t = 0; t < 120 * SEC && !bt_peer_complete(r.core); t += SEC / 10) {
        fake_host_advance(&x.h, t);
        bt_peer_tick(r.core, t);
        relay(&in, &r, t);
    }
    CU_ASSERT_TRUE(bt_peer_complete(r.core));
    CU_ASSERT_EQUAL(memcmp(bt_storage_memory_bytes(rstore), x.content, TOTAL), 0);
    CU_ASSERT_EQUAL(stats_of(p).payload_up, TOTAL);
    CU_ASSERT_EQUAL(x.completes, 0); /* a seed from the start */
    bt_conn_peer_free(p);
    CU_ASSERT_TRUE(in.closed);
    fake_stream_clear(&in);
    bt_peer_free(r.core);
    bt_storage_free(rstore);
    fix_clear(&x);
}

/* Half a handshake, half a message: then the peer closes, or resets. The
 * connection is forgotten by the glue and the core; nothing else moves. */
static void test_closed_mid_message(void)
{
    for (int mode = 0; mode < 4; mode++) {
        fix x;
        bt_conn_peer *p = fix_start(&x, true);
        fake_stream in;
        fake_stream_init(&in);
        fake_host_accept(&x.h, &in);
        GByteArray *b = g_byte_array_new();
        uint8_t reserved[8] = {0};
        uint8_t id[BT_ID_LEN];
        memset(id, 'r', BT_ID_LEN);
        bt_wire_put_handshake(b, reserved, x.o.peer.info_hash, id);
        size_t hs = b->len;
        bt_wire_put_request(b, 0, 0, 16384);
        /* modes 0, 1: cut in the handshake; 2, 3: in the request. */
        size_t cut = mode < 2 ? 30 : hs + 7;
        deliver(&in, b->data, cut, 3);
        g_byte_array_unref(b);
        CU_ASSERT_EQUAL(open_conns(p), 1);
        if (mode % 2 == 0) {
            in.base.handler->peer_closed(in.base.ud, &in.base);
            CU_ASSERT_TRUE(in.closed);
        } else {
            in.base.handler->error(in.base.ud, &in.base, STREAM_ERR_RESET);
            CU_ASSERT_FALSE(in.closed); /* gone already: not closed again */
        }
        CU_ASSERT_EQUAL(open_conns(p), 0);
        CU_ASSERT_EQUAL(open_conns(p), 0);
        fake_host_advance(&x.h, 600 * SEC);
        bt_conn_peer_free(p);
        fake_stream_clear(&in);
        fix_clear(&x);
    }
}

/* A peer that sends a malformed message is dropped: the glue closes its stream. */
static void test_malformed_dropped(void)
{
    fix x;
    bt_conn_peer *p = fix_start(&x, true);
    fake_stream in;
    fake_stream_init(&in);
    fake_host_accept(&x.h, &in);
    deliver(&in, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, 27);
    CU_ASSERT_TRUE(in.closed);
    CU_ASSERT_EQUAL(open_conns(p), 0);
    bt_conn_peer_free(p);
    fake_stream_clear(&in);
    fix_clear(&x);
}

/* The port busy: no peer, an error, nothing held (ASan). Leaving while
 * the started announce is in flight: stopped follows it. */
static void test_listen_busy_and_leave(void)
{
    fix x;
    fix_init(&x, false);
    x.h.refuse_listen = true;
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(bt_conn_peer_new(&x.h.base, &x.o, &handler, &x, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    bt_tracker_config tc = {0};
    CU_ASSERT_PTR_NULL(bt_conn_tracker_new(&x.h.base, 6969, &tc, NULL, NULL, NULL, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    x.h.refuse_listen = false;
    bt_conn_peer *p = fix_peer(&x);
    CU_ASSERT_EQUAL(x.used, 1);
    bt_conn_peer_leave(p);
    CU_ASSERT_FALSE(x.h.listening);
    CU_ASSERT_EQUAL(x.used, 1);
    x.pool[0].base.handler->connected(x.pool[0].base.ud, &x.pool[0].base);
    answer(&x.pool[0], 200, "xx", 2, 2); /* the started one fails: not tried again, stopped goes */
    CU_ASSERT_EQUAL_FATAL(x.used, 2);
    x.pool[1].base.handler->connected(x.pool[1].base.ud, &x.pool[1].base);
    CU_ASSERT_PTR_NOT_NULL(strstr(x.pool[1].written->str, "&event=stopped"));
    fake_host_advance(&x.h, BT_CONN_TRACKER_TIMEOUT_NS); /* never answered: left() anyway */
    CU_ASSERT_EQUAL(x.lefts, 1);
    fake_host_advance(&x.h, 3600 * SEC);
    CU_ASSERT_EQUAL(x.used, 2);
    CU_ASSERT_EQUAL(x.lefts, 1);
    fix_end(&x, p);
}

/* ---- the tracker ------------------------------------------------------------- */

static bt_conn_tracker *tracker_new(fake_host *h)
{
    bt_tracker_config tc = {.interval_s = 600, .seed = 5};
    GError *err = NULL;
    bt_conn_tracker *t = bt_conn_tracker_new(&h->base, 6969, &tc, NULL, NULL, NULL, &err);
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
    return t;
}

static void test_tracker_announce(void)
{
    static const size_t pieces[] = {1, 7, 1000};
    for (size_t k = 0; k < G_N_ELEMENTS(pieces); k++) {
        fake_host h;
        fake_host_init(&h);
        bt_conn_tracker *t = tracker_new(&h);
        CU_ASSERT_EQUAL(h.listen_port, 6969);
        bt_announce a = {.port = 6881, .left = 5, .compact = true, .event = BT_EVENT_STARTED, .numwant = 50};
        memset(a.info_hash, 0x11, BT_ID_LEN);
        memset(a.peer_id, 'a', BT_ID_LEN);
        char *q = bt_announce_query(&a);
        char *req = g_strdup_printf("GET /announce?%s HTTP/1.1\r\nHost: tracker\r\n\r\n", q);
        g_free(q);
        fake_stream in;
        fake_stream_init(&in);
        in.peer_host = "10.0.0.9";
        in.peer_port = 40000;
        in.space = 20; /* the answer goes out through writable() */
        fake_host_accept(&h, &in);
        deliver(&in, req, strlen(req), pieces[k]);
        g_free(req);
        CU_ASSERT_FALSE(in.closed);
        CU_ASSERT_FALSE(in.reading);
        while (!in.closed && in.written->len < 10000) {
            in.space = 20;
            in.base.handler->writable(in.base.ud, &in.base);
        }
        CU_ASSERT_TRUE_FATAL(in.closed);
        CU_ASSERT(g_str_has_prefix(in.written->str, "HTTP/1.1 200 OK\r\n"));
        const char *body = strstr(in.written->str, "\r\n\r\n");
        CU_ASSERT_PTR_NOT_NULL_FATAL(body);
        body += 4;
        bt_response *r = bt_response_parse((const uint8_t *)body, strlen(body), NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        CU_ASSERT_PTR_NULL(r->failure);
        CU_ASSERT_EQUAL(r->interval, 600);
        CU_ASSERT_EQUAL(r->incomplete, 1);
        bt_response_free(r);
        size_t seeds, leechers;
        uint64_t done;
        CU_ASSERT_TRUE(bt_tracker_counts(bt_conn_tracker_state(t), a.info_hash, &seeds, &leechers, &done));
        CU_ASSERT_EQUAL(leechers, 1);
        bt_conn_tracker_stats st;
        bt_conn_tracker_get_stats(t, &st);
        CU_ASSERT_EQUAL(st.requests, 1);
        CU_ASSERT_EQUAL(st.announces, 1);
        CU_ASSERT_EQUAL(st.errors, 0);
        bt_conn_tracker_free(t);
        fake_stream_clear(&in);
        fake_host_clear(&h);
    }
}

/* A request answered with an error, or none at all: every connection
 * closed and freed (ASan), the counters right. */
static void test_tracker_bad_requests(void)
{
    fake_host h;
    fake_host_init(&h);
    bt_conn_tracker *t = tracker_new(&h);
    static const struct {
        const char *in;
        const char *status; /* prefix of the answer; NULL: none, still open */
    } cases[] = {
        {"GET /scrape HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 404 "},
        {"GET /announcer HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 404 "},
        {"POST /announce HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 405 "},
        {"GET /announce?info_hash=x HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 200 "}, /* a failure reason */
        {"GET /announce HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 200 "},             /* no address known */
        {"\x16\x03\x01\x02\xff\x01\xfc\x03\x03\r\n\r\n", "HTTP/1.1 400 "},
        {"GET /announce HTTP/1.1\r\nHost: t\r\n", NULL},
    };
    fake_stream in[G_N_ELEMENTS(cases)];
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        fake_stream_init(&in[i]);
        in[i].peer_host = i == 4 ? "tracker-less-name" : "10.0.0.7";
        fake_host_accept(&h, &in[i]);
        deliver(&in[i], cases[i].in, strlen(cases[i].in), 4);
        if (cases[i].status) {
            CU_ASSERT_TRUE(in[i].closed);
            CU_ASSERT(g_str_has_prefix(in[i].written->str, cases[i].status));
        } else {
            CU_ASSERT_FALSE(in[i].closed);
        }
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(in[3].written->str, "failure reason"));
    CU_ASSERT_PTR_NOT_NULL(strstr(in[4].written->str, "address is unknown"));
    /* The half request is given up after BT_CONN_TRACKER_TIMEOUT_NS. */
    fake_host_advance(&h, BT_CONN_TRACKER_TIMEOUT_NS - 1);
    CU_ASSERT_FALSE(in[6].closed);
    fake_host_advance(&h, BT_CONN_TRACKER_TIMEOUT_NS);
    CU_ASSERT_TRUE(in[6].closed);
    CU_ASSERT_EQUAL(in[6].written->len, 0);
    /* A client gone before the answer, and one reset. */
    fake_stream gone, reset;
    fake_stream_init(&gone);
    fake_stream_init(&reset);
    fake_host_accept(&h, &gone);
    fake_host_accept(&h, &reset);
    deliver(&gone, "GET /ann", 8, 8);
    gone.base.handler->peer_closed(gone.base.ud, &gone.base);
    CU_ASSERT_TRUE(gone.closed);
    reset.base.handler->error(reset.base.ud, &reset.base, STREAM_ERR_RESET);
    CU_ASSERT_FALSE(reset.closed);
    bt_conn_tracker_stats st;
    bt_conn_tracker_get_stats(t, &st);
    CU_ASSERT_EQUAL(st.requests, 6);
    CU_ASSERT_EQUAL(st.announces, 2);
    CU_ASSERT_EQUAL(st.errors, 4);
    bt_conn_tracker_free(t);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        fake_stream_clear(&in[i]);
    fake_stream_clear(&gone);
    fake_stream_clear(&reset);
    fake_host_clear(&h);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_announce_peers),   TEST(test_announce_failures), TEST(test_announce_silent),
        TEST(test_fetch_from_seed),  TEST(test_seed_serves),       TEST(test_closed_mid_message),
        TEST(test_malformed_dropped), TEST(test_listen_busy_and_leave), TEST(test_tracker_announce),
        TEST(test_tracker_bad_requests),
    };
    return test_main("protocols/bt/conn", tests, G_N_ELEMENTS(tests));
}
