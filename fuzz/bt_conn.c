/*
 * Fuzz target bt_conn: the BitTorrent glue (protocols/bt/bt_conn.c) on the
 * network's bytes, over the fake stream and host of the tests
 * (tests/fake_host.c): no socket, no simulator.
 *
 * Input: one setup byte, then the bytes the other end sends. The setup
 * byte's low two bits choose the side: 0, a tracker's answer to a peer's
 * started announce (an HTTP response, parsed by the HTTP parser core, its
 * body by bt_response_parse); 1 and 2, a remote peer's bytes on a
 * connection a seed (1) or a leecher (2) accepted; 3, a request to the
 * tracker (bt_conn_tracker). Bit 2 makes the stream take at most 7 bytes
 * per write (the rest goes through writable()); the high four bits give
 * the size of the pieces of the second replay (1 to 16).
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - fed whole and in pieces: for the announce and the tracker, the same
 *    bytes written, connections made and counters; for a peer's bytes,
 *    with the stream's window open, the same verdict (dropped or not):
 *    the core sends its requests after each feed, so its bytes depend on
 *    the split, and with 7 bytes a write so does how much it holds;
 *  - announce: the tracker connection is closed once the answer is over
 *    (its end, or the tracker closing); an answer is a success or one
 *    failure, never both; after a failure the announce goes again exactly
 *    BT_CONN_TRACKER_RETRY_NS later; peers connected to are dotted IPv4
 *    literals, never port 0, at most BT_CONN_DEFAULT_MAX_CONNECT;
 *  - peer: a connection the glue closed is gone from the core; what it
 *    wrote stays within the core's output bound; it is closed once the
 *    remote closes, and nothing is open after 10 minutes of silence;
 *  - tracker: at most one answer, an HTTP/1.1 status line, and the
 *    connection closed once it is written; a request that is not whole is
 *    dropped after BT_CONN_TRACKER_TIMEOUT_NS.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fake_host.h"
#include "lib/fuzz_check.h"
#include "protocols/bt/bt_conn.h"
#include "protocols/bt/bt_storage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEC INT64_C(1000000000)
#define TOTAL 40000u /* three pieces */
#define PIECE 16384u
#define NPOOL 64 /* more than BT_CONN_DEFAULT_MAX_CONNECT + the tracker's */

typedef struct {
    fake_host h;
    fake_stream pool[NPOOL];
    unsigned used;
    GString *log; /* connections made, counters, what was written */
} world;

static fake_stream *w_connect(void *ud, const char *host, uint16_t port)
{
    world *w = ud;
    FUZZ_CHECK(w->used < NPOOL, "more than %d connections", NPOOL);
    if (strcmp(host, "tracker") != 0) { /* the tracker's, or a listed peer's */
        uint8_t ip[4];
        FUZZ_CHECK(bt_parse_ipv4(host, strlen(host), ip), "a peer named %s", host);
        FUZZ_CHECK(port != 0, "a peer on port 0");
    }
    g_string_append_printf(w->log, "connect %s:%u\n", host, port);
    return &w->pool[w->used++];
}

static void feed(fake_stream *f, const uint8_t *data, size_t size, size_t piece, bool tight)
{
    for (size_t off = 0; off < size && !f->closed; off += piece) {
        if (tight)
            f->space = 7;
        f->base.handler->data(f->base.ud, &f->base, data + off, MIN(piece, size - off));
    }
}

/* Lets a stream with a small window drain what the glue holds. */
static void drain(fake_stream *f, bool tight)
{
    for (int i = 0; tight && i < 100000 && !f->closed && f->base.handler; i++) {
        size_t before = f->written->len;
        f->space = 7;
        f->base.handler->writable(f->base.ud, &f->base);
        if (f->written->len == before)
            break;
    }
}

static uint8_t content[TOTAL];
static uint8_t *hashes;

static void setup(void)
{
    if (hashes)
        return;
    for (unsigned i = 0; i < TOTAL; i++)
        content[i] = (uint8_t)(i * 13 + 5);
    bt_storage *s = bt_storage_memory_new(TOTAL, PIECE, content);
    hashes = bt_storage_piece_hashes(bt_storage_ops_of(s), s, TOTAL, PIECE);
    bt_storage_free(s);
}

static void counters(world *w, bt_conn_peer *p)
{
    bt_conn_peer_stats st;
    bt_conn_peer_get_stats(p, &st);
    g_string_append_printf(w->log, "stats %llu %llu %llu %llu %llu %llu %llu\n", (unsigned long long)st.payload_down,
                           (unsigned long long)st.payload_up, (unsigned long long)st.conns_made,
                           (unsigned long long)st.conns_accepted, (unsigned long long)st.conns_failed,
                           (unsigned long long)st.announces, (unsigned long long)st.announce_failures);
}

static size_t open_conns(const bt_conn_peer *p)
{
    uint32_t ids[NPOOL];
    return bt_peer_conns(bt_conn_peer_core(p), ids, NPOOL);
}

static void run_peer(world *w, int mode, const uint8_t *data, size_t size, size_t piece, bool tight)
{
    bt_storage *store = bt_storage_memory_new(TOTAL, PIECE, mode == 1 ? content : NULL);
    bt_conn_peer_options o = {.listen_port = 6881, .tracker_host = "tracker", .tracker_port = 6969, .compact = true};
    o.peer.hashes = hashes;
    o.peer.n_pieces = 3;
    o.peer.piece_length = PIECE;
    o.peer.total_length = TOTAL;
    memset(o.peer.info_hash, 0xA5, BT_ID_LEN);
    memcpy(o.peer.peer_id, "-AS0001-fuzzpeer0001", BT_ID_LEN);
    o.peer.seed = mode == 1;
    o.peer.storage = bt_storage_ops_of(store);
    o.peer.storage_ud = store;
    o.peer.seed_rng = 3;
    bt_conn_peer *p = bt_conn_peer_new(&w->h.base, &o, NULL, NULL, NULL);
    FUZZ_CHECK(p != NULL, "the peer did not start");
    FUZZ_CHECK(w->used == 1, "the started announce did not go");
    fake_stream *t = &w->pool[0];
    t->base.handler->connected(t->base.ud, &t->base);
    if (mode == 0) {
        feed(t, data, size, piece, tight);
        bt_conn_peer_stats st;
        bt_conn_peer_get_stats(p, &st);
        if (!t->closed) {
            FUZZ_CHECK(st.announce_failures == 0, "a failure with the tracker connection open");
            t->base.handler->peer_closed(t->base.ud, &t->base);
            bt_conn_peer_get_stats(p, &st);
        }
        FUZZ_CHECK(t->closed, "the tracker connection left open after its end");
        FUZZ_CHECK(st.announce_failures <= 1, "%llu failures of one announce",
                   (unsigned long long)st.announce_failures);
        unsigned peers = w->used - 1;
        FUZZ_CHECK(peers <= BT_CONN_DEFAULT_MAX_CONNECT, "%u peers connected to", peers);
        FUZZ_CHECK(!st.announce_failures || !peers, "peers connected to after a failed announce");
        for (unsigned i = 1; i < w->used; i++)
            w->pool[i].base.handler->connected(w->pool[i].base.ud, &w->pool[i].base);
        counters(w, p);
        if (st.announce_failures) {
            fake_host_advance(&w->h, BT_CONN_TRACKER_RETRY_NS - 1);
            FUZZ_CHECK(w->used == 1, "tried again too soon");
            fake_host_advance(&w->h, BT_CONN_TRACKER_RETRY_NS);
            FUZZ_CHECK(w->used == 2, "not tried again after a failure");
        }
    } else {
        fake_stream in;
        fake_stream_init(&in);
        in.peer_host = "10.0.0.2";
        in.peer_port = 50000;
        fake_host_accept(&w->h, &in);
        feed(&in, data, size, piece, tight);
        drain(&in, tight);
        FUZZ_CHECK(in.written->len <= BT_OUTPUT_MAX + 4096, "%zu bytes written", in.written->len);
        if (in.closed)
            FUZZ_CHECK(open_conns(p) == 0, "a connection closed by the glue is still in the core");
        else
            FUZZ_CHECK(open_conns(p) == 1, "the connection is gone from the core, its stream open");
        /* What the core writes depends on where the feeds end (it sends
         * requests after each), so only whether the peer was dropped is
         * compared. */
        g_string_append_printf(w->log, "closed %d\n", in.closed);
        if (!in.closed) {
            fake_host_advance(&w->h, 600 * SEC);
            drain(&in, tight);
            FUZZ_CHECK(in.closed && open_conns(p) == 0, "a silent peer still connected after 10 minutes");
        }
        bt_conn_peer_free(p);
        p = NULL;
        fake_stream_clear(&in);
    }
    bt_conn_peer_free(p);
    bt_storage_free(store);
}

static void run_tracker(world *w, const uint8_t *data, size_t size, size_t piece, bool tight)
{
    bt_tracker_config tc = {.interval_s = 600, .seed = 9};
    bt_conn_tracker *t = bt_conn_tracker_new(&w->h.base, 6969, &tc, NULL, NULL, NULL, NULL);
    FUZZ_CHECK(t != NULL, "the tracker did not start");
    fake_stream in;
    fake_stream_init(&in);
    in.peer_host = "10.0.0.3";
    fake_host_accept(&w->h, &in);
    feed(&in, data, size, piece, tight);
    drain(&in, tight);
    bt_conn_tracker_stats st;
    bt_conn_tracker_get_stats(t, &st);
    FUZZ_CHECK(st.requests <= 1 && st.announces <= st.requests && st.errors <= st.requests, "counters %llu %llu %llu",
               (unsigned long long)st.requests, (unsigned long long)st.announces, (unsigned long long)st.errors);
    if (st.requests) {
        FUZZ_CHECK(in.closed, "answered and left open");
        FUZZ_CHECK(g_str_has_prefix(in.written->str, "HTTP/1.1 "), "not a status line");
        FUZZ_CHECK(strstr(in.written->str, "\r\n\r\n") != NULL, "no end of head");
    } else {
        FUZZ_CHECK(in.written->len == 0, "written without a request");
        FUZZ_CHECK(!in.closed, "closed without a request");
    }
    g_string_append_printf(w->log, "tracker %llu %llu %llu %d\n", (unsigned long long)st.requests,
                           (unsigned long long)st.announces, (unsigned long long)st.errors, in.closed);
    g_string_append_len(w->log, in.written->str, (gssize)in.written->len);
    if (!in.closed) {
        fake_host_advance(&w->h, BT_CONN_TRACKER_TIMEOUT_NS);
        FUZZ_CHECK(in.closed, "a request not whole kept after the timeout");
    }
    bt_conn_tracker_free(t);
    fake_stream_clear(&in);
}

/* One run with the input in pieces of `piece` bytes; its log. */
static GString *run(int mode, const uint8_t *data, size_t size, size_t piece, bool tight)
{
    world w;
    memset(&w, 0, sizeof w);
    fake_host_init(&w.h);
    w.h.connect_fn = w_connect;
    w.h.connect_ud = &w;
    for (unsigned i = 0; i < NPOOL; i++)
        fake_stream_init(&w.pool[i]);
    w.log = g_string_new(NULL);
    if (mode == 3)
        run_tracker(&w, data, size, piece, tight);
    else
        run_peer(&w, mode, data, size, piece, tight);
    g_string_append_len(w.log, w.pool[0].written->str, (gssize)w.pool[0].written->len);
    for (unsigned i = 0; i < NPOOL; i++)
        fake_stream_clear(&w.pool[i]);
    fake_host_clear(&w.h);
    return w.log;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20)
        return 0;
    setup();
    int mode = data[0] & 3;
    bool tight = data[0] & 4;
    size_t piece = (size_t)(data[0] >> 4) + 1;
    /* An exact-size copy: a read past the end is caught. */
    uint8_t *in = g_memdup2(data + 1, size - 1);
    GString *whole = run(mode, in, size - 1, size > 1 ? size - 1 : 1, tight);
    GString *pieces = run(mode, in, size - 1, piece, tight);
    /* With a small window a peer's core may hold more output fed whole
     * than in pieces (and drop the peer for it): compared only without. */
    if (!tight || mode == 0 || mode == 3)
        FUZZ_CHECK(whole->len == pieces->len && !memcmp(whole->str, pieces->str, whole->len),
                   "fed whole and in pieces of %zu: not the same", piece);
    g_string_free(whole, TRUE);
    g_string_free(pieces, TRUE);
    g_free(in);
    return 0;
}
