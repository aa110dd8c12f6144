/*
 * Tests of protocols/bt/bt_peer: one core driven message by message by
 * fake peers written here (rarest first, the choker and its ranking, the
 * optimistic rotation, the seed's round robin, serving and its
 * limits, the upload rate limit, keep-alives and timeouts), and swarms of cores wired together
 * by the loop of swarm.c (a seed and leechers complete a file, a peer
 * serving a corrupted piece, a free rider, endgame, determinism).
 */
#include <glib.h>
#include <limits.h>
#include <string.h>

#include "protocols/bt/bt_peer.h"
#include "swarm.h"
#include "test_util.h"

#define S_NS INT64_C(1000000000)

/* ---- one core and fake peers ---- */

typedef struct {
    bt_peer *core;
    bt_storage *store;
    uint8_t *content;
    uint8_t *hashes;
    uint64_t total;
    uint32_t piece_length;
    uint32_t n;
} fixture;

typedef struct {
    uint32_t conn;
    bt_decoder *dec;
    GArray *msgs;  /* bt_msg, data pointers cleared */
} fake;

static const uint8_t info_hash[20] = {0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5,
                                      0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5, 0xA5};

/* rate: max_upload_rate (bytes per second, 0: none). */
static void fixture_init_rate(fixture *f, uint32_t n, uint32_t piece_length, bool seed, unsigned pipeline,
                              uint64_t rng, uint64_t rate)
{
    memset(f, 0, sizeof *f);
    f->n = n;
    f->piece_length = piece_length;
    f->total = (uint64_t)n * piece_length;
    f->content = g_malloc(f->total);
    bt_synthetic_fill(77, 0, f->content, f->total);
    bt_storage *ref = bt_storage_memory_new(f->total, piece_length, f->content);
    f->hashes = bt_storage_piece_hashes(bt_storage_ops_of(ref), ref, f->total, piece_length);
    bt_storage_free(ref);
    f->store = bt_storage_memory_new(f->total, piece_length, seed ? f->content : NULL);
    bt_peer_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.hashes = f->hashes;
    cfg.n_pieces = n;
    cfg.piece_length = piece_length;
    cfg.total_length = f->total;
    memcpy(cfg.info_hash, info_hash, 20);
    memcpy(cfg.peer_id, "-AS0001-000000000000", 20);
    cfg.seed = seed;
    cfg.storage = bt_storage_ops_of(f->store);
    cfg.storage_ud = f->store;
    cfg.seed_rng = rng;
    cfg.pipeline = pipeline;
    cfg.max_upload_rate = rate;
    f->core = bt_peer_new(&cfg, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->core);
}

static void fixture_init(fixture *f, uint32_t n, uint32_t piece_length, bool seed, unsigned pipeline,
                         uint64_t rng)
{
    fixture_init_rate(f, n, piece_length, seed, pipeline, rng, 0);
}

static void fixture_clear(fixture *f)
{
    bt_peer_free(f->core);
    bt_storage_free(f->store);
    g_free(f->content);
    g_free(f->hashes);
}

/* Takes the core's output for the fake peer at `now` and decodes it. */
static void pull_at(fixture *f, fake *k, int64_t now)
{
    size_t len;
    const uint8_t *out = bt_peer_output(f->core, k->conn, &len);
    size_t off = 0;
    while (off < len) {
        bt_msg m;
        bt_wire_status st;
        off += bt_decoder_feed(k->dec, out + off, len - off, &m, &st);
        CU_ASSERT_NOT_EQUAL_FATAL(st, BT_WIRE_ERROR);
        if (st == BT_WIRE_MESSAGE) {
            m.data = NULL;
            g_array_append_val(k->msgs, m);
        }
    }
    bt_peer_consume(f->core, k->conn, len, now);
}

static void pull(fixture *f, fake *k)
{
    pull_at(f, k, 0);
}

/* A fake peer connects, sends its handshake and (bits non-NULL) a bitfield. */
static void fake_connect(fixture *f, fake *k, int id, const uint8_t *bits, int64_t now)
{
    k->conn = bt_peer_add_conn(f->core, now);
    CU_ASSERT_NOT_EQUAL_FATAL(k->conn, 0);
    k->dec = bt_decoder_new(f->n, 0);
    k->msgs = g_array_new(FALSE, TRUE, sizeof(bt_msg));
    GByteArray *b = g_byte_array_new();
    char pid[21];
    g_snprintf(pid, sizeof pid, "-FK0001-%012d", id);
    bt_wire_put_handshake(b, NULL, info_hash, (const uint8_t *)pid);
    if (bits)
        bt_wire_put_bitfield(b, bits, (f->n + 7) / 8);
    bt_peer_feed(f->core, k->conn, b->data, b->len, now);
    g_byte_array_unref(b);
    pull(f, k);
}

static void fake_clear(fake *k)
{
    bt_decoder_free(k->dec);
    g_array_free(k->msgs, TRUE);
}

static void fake_send(fixture *f, fake *k, GByteArray *b, int64_t now)
{
    bt_peer_feed(f->core, k->conn, b->data, b->len, now);
    g_byte_array_set_size(b, 0);
    pull(f, k);
}

static void fake_simple(fixture *f, fake *k, bt_msg_kind kind, int64_t now)
{
    GByteArray *b = g_byte_array_new();
    bt_wire_put_simple(b, kind);
    fake_send(f, k, b, now);
    g_byte_array_unref(b);
}

/* Messages of `kind` the core sent the fake peer (from index `from`). */
static unsigned count_kind(const fake *k, bt_msg_kind kind, guint from)
{
    unsigned c = 0;
    for (guint i = from; i < k->msgs->len; i++)
        if (g_array_index(k->msgs, bt_msg, i).kind == kind)
            c++;
    return c;
}

static const bt_msg *last_kind(const fake *k, bt_msg_kind kind)
{
    for (guint i = k->msgs->len; i-- > 0;)
        if (g_array_index(k->msgs, bt_msg, i).kind == kind)
            return &g_array_index(k->msgs, bt_msg, i);
    return NULL;
}

static bool next_event(fixture *f, bt_peer_event_kind kind, bt_peer_event *out)
{
    bt_peer_event ev;
    bool found = false;
    while (bt_peer_next_event(f->core, &ev))
        if (ev.kind == kind && !found) {
            *out = ev;
            found = true;
        }
    return found;
}

static void all_bits(uint8_t *bits, uint32_t n, int64_t except1, int64_t except2)
{
    memset(bits, 0, (n + 7) / 8);
    for (uint32_t i = 0; i < n; i++)
        if ((int64_t)i != except1 && (int64_t)i != except2)
            bits[i >> 3] |= (uint8_t)(0x80u >> (i & 7));
}

/* The fake peer answers up to `count` of the requests the core sent it
 * since `*seen`, among the messages it had when called (requests the
 * answers bring wait for the next call). Returns how many it answered. */
static int answer_some(fixture *f, fake *k, guint *seen, int count, int64_t now)
{
    GByteArray *b = g_byte_array_new();
    guint end = k->msgs->len;
    int answered = 0;
    while (*seen < end && answered < count) {
        bt_msg m = g_array_index(k->msgs, bt_msg, (*seen)++);
        if (m.kind != BT_MSG_REQUEST)
            continue;
        uint64_t off = (uint64_t)m.index * f->piece_length + m.begin;
        bt_wire_put_piece(b, m.index, m.begin, f->content + off, m.length);
        fake_send(f, k, b, now);
        answered++;
    }
    g_byte_array_unref(b);
    return answered;
}

/* Answers every request the core sent the fake peer since `*seen`. */
static void answer_requests(fixture *f, fake *k, guint *seen, int64_t now)
{
    answer_some(f, k, seen, INT_MAX, now);
}

/* Marks in asked[] the pieces of the requests the core sent the fake
 * peer from message `from` on. */
static void mark_requests(const fake *k, guint from, uint8_t *asked)
{
    for (guint i = from; i < k->msgs->len; i++)
        if (g_array_index(k->msgs, bt_msg, i).kind == BT_MSG_REQUEST)
            asked[g_array_index(k->msgs, bt_msg, i).index] = 1;
}

/* Asserts that every request the core sent the fake peer from message
 * `from` on is of a piece marked in asked[]. */
static void check_requests_among(const fake *k, guint from, const uint8_t *asked)
{
    for (guint i = from; i < k->msgs->len; i++)
        if (g_array_index(k->msgs, bt_msg, i).kind == BT_MSG_REQUEST)
            CU_ASSERT(asked[g_array_index(k->msgs, bt_msg, i).index]);
}

/* A leecher of n one-block pieces (pipeline 4) and two fake peers that
 * have every piece, a (id 1) and c (id 2); a unchokes it, and is asked
 * four blocks. */
static void leecher_and_two_holders(fixture *f, fake *a, fake *c, uint32_t n)
{
    fixture_init(f, n, BT_BLOCK_SIZE, false, 4, 1);
    uint8_t bits[8];
    all_bits(bits, n, -1, -1);
    fake_connect(f, a, 1, bits, 0);
    fake_connect(f, c, 2, bits, 0);
    fake_simple(f, a, BT_MSG_UNCHOKE, 0);
    CU_ASSERT_EQUAL(count_kind(a, BT_MSG_REQUEST, 0), 4);
}

/* A leecher of 64 one-block pieces (pipeline 8, random stream `rng`) and
 * n fake peers that have every piece, are interested and unchoke it. */
static void leecher_and_peers(fixture *f, fake *k, int n, uint64_t rng)
{
    fixture_init(f, 64, BT_BLOCK_SIZE, false, 8, rng);
    uint8_t bits[8];
    all_bits(bits, 64, -1, -1);
    for (int i = 0; i < n; i++) {
        fake_connect(f, &k[i], i + 1, bits, 0);
        fake_simple(f, &k[i], BT_MSG_INTERESTED, 0);
        fake_simple(f, &k[i], BT_MSG_UNCHOKE, 0);
    }
}

static void fakes_clear(fake *k, int n)
{
    for (int i = 0; i < n; i++)
        fake_clear(&k[i]);
}

/* Rarest first: piece 5 is held by one peer, piece 6 by two, the others
 * by three; after the first piece (random), the next new pieces asked of
 * the peer that has everything are 5, then 6. */
static void test_rarest_first(void)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        fixture f;
        fixture_init(&f, 8, BT_BLOCK_SIZE, false, 1, seed);
        fake a, b, c;
        uint8_t bits[1];
        all_bits(bits, 8, -1, -1);
        fake_connect(&f, &a, 1, bits, 0);
        all_bits(bits, 8, 5, -1);
        fake_connect(&f, &b, 2, bits, 0);
        all_bits(bits, 8, 5, 6);
        fake_connect(&f, &c, 3, bits, 0);
        CU_ASSERT_EQUAL(bt_peer_availability(f.core, 5), 1);
        CU_ASSERT_EQUAL(bt_peer_availability(f.core, 6), 2);
        CU_ASSERT_EQUAL(bt_peer_availability(f.core, 0), 3);
        CU_ASSERT_EQUAL(count_kind(&a, BT_MSG_INTERESTED, 0), 1);
        guint seen = 0;
        fake_simple(&f, &a, BT_MSG_UNCHOKE, 0);
        const bt_msg *first = last_kind(&a, BT_MSG_REQUEST);
        CU_ASSERT_PTR_NOT_NULL_FATAL(first);
        uint32_t r = first->index;
        answer_requests(&f, &a, &seen, 0);
        CU_ASSERT(bt_peer_has_piece(f.core, r));
        /* Rarest among those left. */
        const bt_msg *next = last_kind(&a, BT_MSG_REQUEST);
        CU_ASSERT_PTR_NOT_NULL_FATAL(next);
        CU_ASSERT_EQUAL(next->index, r == 5 ? 6u : 5u);
        answer_requests(&f, &a, &seen, 0);
        next = last_kind(&a, BT_MSG_REQUEST);
        if (r != 5 && r != 6)
            CU_ASSERT_EQUAL(next->index, 6u);
        fake_clear(&a);
        fake_clear(&b);
        fake_clear(&c);
        fixture_clear(&f);
    }
}

/* The first piece is random: over a few seeds, more than one piece is
 * asked first (all pieces equally available). */
static void test_random_first_piece(void)
{
    bool asked[16] = {false};
    unsigned distinct = 0;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        fixture f;
        fixture_init(&f, 16, BT_BLOCK_SIZE, false, 1, seed);
        fake a;
        uint8_t bits[2];
        all_bits(bits, 16, -1, -1);
        fake_connect(&f, &a, 1, bits, 0);
        fake_simple(&f, &a, BT_MSG_UNCHOKE, 0);
        const bt_msg *m = last_kind(&a, BT_MSG_REQUEST);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m);
        if (!asked[m->index]) {
            asked[m->index] = true;
            distinct++;
        }
        fake_clear(&a);
        fixture_clear(&f);
    }
    CU_ASSERT(distinct >= 3);
}

/* The choker: seven interested peers; each sends us k blocks in the first
 * 10 s. At the round the 4 best are unchoked, plus exactly one other (the
 * optimistic unchoke), kept at the next round. */
static void test_choker_four_plus_one(void)
{
    fixture f;
    fake k[7];
    leecher_and_peers(&f, k, 7, 3);
    guint seen[7] = {0};
    /* Fake i answers i + 1 of our requests (peers 3 to 6 the best). */
    for (int i = 0; i < 7; i++)
        CU_ASSERT_EQUAL(answer_some(&f, &k[i], &seen[i], i + 1, S_NS), i + 1);
    bt_peer_tick(f.core, 10 * S_NS);
    int opt = -1, unchoked = 0;
    for (int i = 0; i < 7; i++) {
        pull(&f, &k[i]);
        bt_conn_info info;
        CU_ASSERT_FATAL(bt_peer_conn_info(f.core, k[i].conn, &info));
        if (!info.am_choking)
            unchoked++;
        if (i >= 3)
            CU_ASSERT(!info.am_choking);
        if (info.optimistic) {
            CU_ASSERT_EQUAL(opt, -1);
            opt = i;
        }
    }
    CU_ASSERT_EQUAL(unchoked, 5);
    CU_ASSERT(opt >= 0 && opt < 3);
    /* The next round, with the same rates, keeps the optimistic unchoke
     * (it rotates every 30 s). */
    for (int i = 0; i < 7; i++)
        CU_ASSERT_EQUAL(answer_some(&f, &k[i], &seen[i], i + 1, 11 * S_NS), i + 1);
    bt_peer_tick(f.core, 20 * S_NS);
    bt_conn_info info;
    CU_ASSERT_FATAL(bt_peer_conn_info(f.core, k[opt].conn, &info));
    CU_ASSERT(info.optimistic && !info.am_choking);
    unchoked = 0;
    for (int i = 0; i < 7; i++) {
        CU_ASSERT_FATAL(bt_peer_conn_info(f.core, k[i].conn, &info));
        unchoked += !info.am_choking;
    }
    CU_ASSERT_EQUAL(unchoked, 5);
    fakes_clear(k, 7);
    fixture_clear(&f);
}

/* Whether the core unchokes the fake peer now. */
static bool unchoked(fixture *f, const fake *k)
{
    bt_conn_info info;
    CU_ASSERT_FATAL(bt_peer_conn_info(f->core, k->conn, &info));
    return !info.am_choking;
}

/* Equal rates: a peer that never sent us anything is not preferred to one
 * that did. Six interested peers; the three youngest each send a block in
 * the first 10 s, nobody in the next 10 s. At 20 s every rate is 0, and
 * the three that sent are still among the four best (ranked by all they
 * sent), with the oldest of the others; ties by age alone would have
 * unchoked peers 1 to 4 and at most one of 5 and 6. */
static void test_choker_never_sent_ranked_last(void)
{
    fixture f;
    fake k[6];
    leecher_and_peers(&f, k, 6, 5);
    guint seen[6] = {0};
    for (int i = 3; i < 6; i++)
        CU_ASSERT_EQUAL(answer_some(&f, &k[i], &seen[i], 1, S_NS), 1);
    bt_peer_tick(f.core, 10 * S_NS);
    bt_peer_tick(f.core, 20 * S_NS);
    for (int i = 3; i < 6; i++)
        CU_ASSERT(unchoked(&f, &k[i]));
    CU_ASSERT(unchoked(&f, &k[0]));
    int others = 0;
    for (int i = 0; i < 3; i++)
        others += unchoked(&f, &k[i]);
    CU_ASSERT_EQUAL(others, 2); /* the oldest, and the optimistic unchoke */
    fakes_clear(k, 6);
    fixture_clear(&f);
}

/* The optimistic unchoke rotates (BEP 3): four peers that sent us blocks
 * hold the regular slots, four others never send. The optimistic unchoke
 * at 10 s and after the rotations at 30, 60 and 90 s are the four others,
 * each once (random draws would repeat one in 91% of cases), and at 120 s
 * the rotation starts again with the first. */
static void test_optimistic_rotation(void)
{
    fixture f;
    fake k[8];
    leecher_and_peers(&f, k, 8, 9);
    guint seen[8] = {0};
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(answer_some(&f, &k[i], &seen[i], 1, S_NS), 1);
    static const int at[] = {10, 30, 60, 90, 120};
    int opt[5];
    int t = 10;
    for (int r = 0; r < 5; r++) {
        for (; t <= at[r]; t += 10)
            bt_peer_tick(f.core, t * S_NS);
        opt[r] = -1;
        for (int i = 0; i < 8; i++) {
            bt_conn_info info;
            CU_ASSERT_FATAL(bt_peer_conn_info(f.core, k[i].conn, &info));
            if (i < 4)
                CU_ASSERT(!info.am_choking && !info.optimistic);
            if (info.optimistic)
                opt[r] = i;
        }
        CU_ASSERT(opt[r] >= 4);
    }
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < r; q++)
            CU_ASSERT_NOT_EQUAL(opt[r], opt[q]);
    CU_ASSERT_EQUAL(opt[4], opt[0]);
    fakes_clear(k, 8);
    fixture_clear(&f);
}

/* Seeding, the interested peers take turns (round robin, mainline 4.x):
 * eight interested peers that never request anything. Every round leaves
 * exactly five unchoked; within 170 s every peer has been unchoked and
 * every peer has been choked again (ranking by upload rate, all 0, would
 * have kept the four oldest unchoked for good). */
static void test_seed_round_robin(void)
{
    fixture f;
    fixture_init(&f, 16, BT_BLOCK_SIZE, true, 8, 11);
    fake k[8];
    bool was_up[8] = {false}, was_choked_after[8] = {false};
    for (int i = 0; i < 8; i++) {
        fake_connect(&f, &k[i], i + 1, NULL, 0);
        fake_simple(&f, &k[i], BT_MSG_INTERESTED, 0);
    }
    for (int t = 10; t <= 170; t += 10) {
        bt_peer_tick(f.core, t * S_NS);
        int up = 0;
        for (int i = 0; i < 8; i++) {
            bool u = unchoked(&f, &k[i]);
            up += u;
            if (u)
                was_up[i] = true;
            else if (was_up[i])
                was_choked_after[i] = true;
        }
        CU_ASSERT_EQUAL(up, 5);
    }
    for (int i = 0; i < 8; i++) {
        CU_ASSERT(was_up[i]);
        CU_ASSERT(was_choked_after[i]);
    }
    fakes_clear(k, 8);
    fixture_clear(&f);
}

/* Serving: requests from a choked peer are ignored; once unchoked a block
 * is answered with the right bytes; a request beyond the piece, of more
 * than 16 KiB, or of 0 bytes drops the peer, as does a request to a
 * leecher of a piece it lacks. */
static void test_serving_and_bad_requests(void)
{
    struct {
        uint32_t index, begin, length;
        bt_drop_reason reason;
    } bad[] = {
        {1, 2 * BT_BLOCK_SIZE, 1, BT_DROP_BAD_REQUEST},   /* begin at the piece's end */
        {1, BT_BLOCK_SIZE, BT_BLOCK_SIZE + 1, BT_DROP_BAD_REQUEST},
        {1, 0, BT_BLOCK_SIZE + 1, BT_DROP_BAD_REQUEST},   /* above 16 KiB */
        {1, 0, 0, BT_DROP_BAD_REQUEST},
        {3, BT_BLOCK_SIZE + 1, BT_BLOCK_SIZE, BT_DROP_BAD_REQUEST}, /* past the end */
        {0, UINT32_MAX, 2, BT_DROP_BAD_REQUEST},
    };
    for (size_t t = 0; t < G_N_ELEMENTS(bad); t++) {
        fixture f;
        fixture_init(&f, 4, 2 * BT_BLOCK_SIZE, true, 0, 1);
        fake a, c;
        fake_connect(&f, &a, 1, NULL, 0);
        CU_ASSERT_EQUAL(count_kind(&a, BT_MSG_BITFIELD, 0), 1);
        /* Fill the four regular slots and the fifth, so a later one stays choked. */
        fake others[5];
        for (int i = 0; i < 5; i++) {
            fake_connect(&f, &others[i], 10 + i, NULL, 0);
            fake_simple(&f, &others[i], BT_MSG_INTERESTED, 0);
        }
        fake_connect(&f, &c, 2, NULL, 0);
        fake_simple(&f, &c, BT_MSG_INTERESTED, 0);
        bt_conn_info info;
        CU_ASSERT_FATAL(bt_peer_conn_info(f.core, c.conn, &info));
        CU_ASSERT(info.am_choking);
        GByteArray *b = g_byte_array_new();
        bt_wire_put_request(b, 0, 0, BT_BLOCK_SIZE);
        fake_send(&f, &c, b, 0);
        CU_ASSERT_EQUAL(count_kind(&c, BT_MSG_PIECE, 0), 0);
        CU_ASSERT(bt_peer_conn_info(f.core, c.conn, &info));
        /* An unchoked peer is served, the block's bytes right. */
        bt_wire_put_request(b, 2, BT_BLOCK_SIZE, 100);
        fake_send(&f, &others[0], b, 0);
        CU_ASSERT_EQUAL(count_kind(&others[0], BT_MSG_PIECE, 0), 1);
        /* And a bad request drops it. */
        bt_wire_put_request(b, bad[t].index, bad[t].begin, bad[t].length);
        fake_send(&f, &others[1], b, 0);
        bt_peer_event ev;
        CU_ASSERT_FATAL(next_event(&f, BT_PEER_EV_DROPPED, &ev));
        CU_ASSERT_EQUAL(ev.conn, others[1].conn);
        CU_ASSERT_EQUAL(ev.reason, bad[t].reason);
        CU_ASSERT(!bt_peer_conn_info(f.core, others[1].conn, &info));
        g_byte_array_unref(b);
        fake_clear(&a);
        fake_clear(&c);
        fakes_clear(others, 5);
        fixture_clear(&f);
    }
    /* A leecher asked for a piece it does not have. */
    fixture f;
    fixture_init(&f, 4, BT_BLOCK_SIZE, false, 0, 1);
    fake a;
    fake_connect(&f, &a, 1, NULL, 0);
    fake_simple(&f, &a, BT_MSG_INTERESTED, 0);
    GByteArray *b = g_byte_array_new();
    bt_wire_put_request(b, 0, 0, BT_BLOCK_SIZE);
    fake_send(&f, &a, b, 0);
    g_byte_array_unref(b);
    bt_peer_event ev;
    CU_ASSERT_FATAL(next_event(&f, BT_PEER_EV_DROPPED, &ev));
    CU_ASSERT_EQUAL(ev.reason, BT_DROP_NOT_HAVE);
    fake_clear(&a);
    fixture_clear(&f);
}

/* Malformed messages and handshakes drop the connection with a reason. */
static void test_bad_peers_dropped(void)
{
    struct {
        const char *name;
        bt_drop_reason reason;
    } cases[] = {
        {"other torrent", BT_DROP_INFO_HASH},
        {"ourselves", BT_DROP_SELF},
        {"late bitfield", BT_DROP_BITFIELD_LATE},
        {"oversized", BT_DROP_WIRE},
        {"index", BT_DROP_WIRE},
    };
    for (size_t t = 0; t < G_N_ELEMENTS(cases); t++) {
        fixture f;
        fixture_init(&f, 4, BT_BLOCK_SIZE, false, 0, 1);
        uint32_t conn = bt_peer_add_conn(f.core, 0);
        GByteArray *b = g_byte_array_new();
        uint8_t other[20];
        memset(other, 1, 20);
        const uint8_t *pid = (const uint8_t *)"-FK0001-000000000001";
        if (t == 0)
            bt_wire_put_handshake(b, NULL, other, pid);
        else if (t == 1)
            bt_wire_put_handshake(b, NULL, info_hash, (const uint8_t *)"-AS0001-000000000000");
        else
            bt_wire_put_handshake(b, NULL, info_hash, pid);
        uint8_t bits[1] = {0xF0};
        if (t == 2) {
            bits[0] = 0xA0; /* pieces 0 and 2: takes back piece 1 */
            bt_wire_put_have(b, 1);
            bt_wire_put_bitfield(b, bits, 1);
        } else if (t == 3) {
            uint8_t big[4];
            bt_put32(big, BT_BLOCK_SIZE + 10);
            g_byte_array_append(b, big, 4);
        } else if (t == 4) {
            bt_wire_put_have(b, 4);
        }
        bt_peer_feed(f.core, conn, b->data, b->len, 0);
        bt_peer_event ev;
        CU_ASSERT_FATAL(next_event(&f, BT_PEER_EV_DROPPED, &ev));
        if (ev.reason != cases[t].reason)
            fprintf(stderr, "%s: dropped for %s\n", cases[t].name, ev.why);
        CU_ASSERT_EQUAL(ev.reason, cases[t].reason);
        CU_ASSERT_PTR_NOT_NULL(ev.why);
        g_byte_array_unref(b);
        fixture_clear(&f);
    }
}

/* Bitfields after other messages (what aria2 sends in place of haves)
 * count as haves while they keep every piece announced; one that takes a
 * piece back drops the peer. */
static void test_late_first_bitfield(void)
{
    fixture f;
    fixture_init(&f, 4, BT_BLOCK_SIZE, false, 0, 1);
    uint32_t conn = bt_peer_add_conn(f.core, 0);
    GByteArray *b = g_byte_array_new();
    bt_wire_put_handshake(b, NULL, info_hash, (const uint8_t *)"-FK0001-000000000001");
    bt_wire_put_simple(b, BT_MSG_INTERESTED);
    uint8_t bits[1] = {0x50};
    bt_wire_put_bitfield(b, bits, 1);
    bt_peer_feed(f.core, conn, b->data, b->len, 0);
    bt_peer_event ev;
    int haves = 0;
    bool dropped = false;
    while (bt_peer_next_event(f.core, &ev)) {
        haves += ev.kind == BT_PEER_EV_HAVE;
        dropped |= ev.kind == BT_PEER_EV_DROPPED;
    }
    CU_ASSERT_EQUAL(haves, 2);
    CU_ASSERT_FALSE(dropped);
    CU_ASSERT_EQUAL(bt_peer_availability(f.core, 1), 1);
    CU_ASSERT_EQUAL(bt_peer_availability(f.core, 3), 1);
    g_byte_array_set_size(b, 0);
    bits[0] = 0x70; /* adds piece 2 */
    bt_wire_put_bitfield(b, bits, 1);
    bt_peer_feed(f.core, conn, b->data, b->len, 0);
    CU_ASSERT_TRUE(next_event(&f, BT_PEER_EV_HAVE, &ev));
    CU_ASSERT_EQUAL(ev.piece, 2);
    CU_ASSERT_EQUAL(bt_peer_availability(f.core, 2), 1);
    g_byte_array_set_size(b, 0);
    bits[0] = 0x30; /* takes back piece 1 */
    bt_wire_put_bitfield(b, bits, 1);
    bt_peer_feed(f.core, conn, b->data, b->len, 0);
    CU_ASSERT_FATAL(next_event(&f, BT_PEER_EV_DROPPED, &ev));
    CU_ASSERT_EQUAL(ev.reason, BT_DROP_BITFIELD_LATE);
    g_byte_array_unref(b);
    fixture_clear(&f);
}

/* Keep-alive after 2 minutes without sending; dropped after 3 minutes
 * without receiving; the deadline says when. */
static void test_keepalive_and_idle(void)
{
    fixture f;
    fixture_init(&f, 4, BT_BLOCK_SIZE, false, 0, 1);
    fake a;
    fake_connect(&f, &a, 1, NULL, 0);
    CU_ASSERT_EQUAL(bt_peer_next_deadline(f.core), BT_CHOKE_INTERVAL_NS);
    for (int64_t t = 10; t <= 110; t += 10)
        bt_peer_tick(f.core, t * S_NS);
    CU_ASSERT_EQUAL(bt_peer_next_deadline(f.core), BT_KEEPALIVE_NS);
    pull(&f, &a);
    CU_ASSERT_EQUAL(count_kind(&a, BT_MSG_KEEPALIVE, 0), 0);
    bt_peer_tick(f.core, BT_KEEPALIVE_NS);
    pull(&f, &a);
    CU_ASSERT_EQUAL(count_kind(&a, BT_MSG_KEEPALIVE, 0), 1);
    /* A keep-alive from the peer keeps it; then silence drops it. */
    GByteArray *b = g_byte_array_new();
    bt_wire_put_keepalive(b);
    fake_send(&f, &a, b, 170 * S_NS);
    g_byte_array_unref(b);
    bt_peer_tick(f.core, 180 * S_NS);
    bt_conn_info info;
    CU_ASSERT(bt_peer_conn_info(f.core, a.conn, &info));
    CU_ASSERT_EQUAL(bt_peer_next_deadline(f.core), 190 * S_NS); /* the next choke round */
    bt_peer_tick(f.core, 350 * S_NS);
    bt_peer_event ev;
    CU_ASSERT_FATAL(next_event(&f, BT_PEER_EV_DROPPED, &ev));
    CU_ASSERT_EQUAL(ev.reason, BT_DROP_IDLE);
    CU_ASSERT(!bt_peer_conn_info(f.core, a.conn, &info));
    fake_clear(&a);
    fixture_clear(&f);
}

/* A peer that chokes us: what we asked of it is asked of another peer. */
static void test_choke_rerequests(void)
{
    fixture f;
    fake a, c;
    leecher_and_two_holders(&f, &a, &c, 8);
    uint8_t asked[8] = {0};
    mark_requests(&a, 0, asked);
    fake_simple(&f, &a, BT_MSG_CHOKE, 0);
    fake_simple(&f, &c, BT_MSG_UNCHOKE, 0);
    CU_ASSERT_EQUAL(count_kind(&c, BT_MSG_REQUEST, 0), 4);
    check_requests_among(&c, 0, asked);
    guint seen = 0;
    for (int round = 0; round < 8 && !bt_peer_complete(f.core); round++)
        answer_requests(&f, &c, &seen, 0);
    CU_ASSERT(bt_peer_complete(f.core));
    CU_ASSERT_EQUAL(bt_peer_get_stats(f.core)->verified, 8);
    CU_ASSERT_EQUAL(memcmp(bt_storage_memory_bytes(f.store), f.content, f.total), 0);
    /* Every connection was told of every piece; we lost interest. */
    pull(&f, &a);
    CU_ASSERT_EQUAL(count_kind(&a, BT_MSG_HAVE, 0), 8);
    CU_ASSERT_EQUAL(count_kind(&c, BT_MSG_HAVE, 0), 8);
    CU_ASSERT_EQUAL(count_kind(&c, BT_MSG_NOT_INTERESTED, 0), 1);
    CU_ASSERT_EQUAL(count_kind(&a, BT_MSG_NOT_INTERESTED, 0), 1);
    fake_clear(&a);
    fake_clear(&c);
    fixture_clear(&f);
}

/* A block asked of a peer that then choked us comes anyway: it is kept
 * (not uploaded for nothing), and the request made elsewhere for it is
 * cancelled; the same block from the other peer is then a duplicate. */
static void test_late_block_kept(void)
{
    fixture f;
    fake a, c;
    leecher_and_two_holders(&f, &a, &c, 8);
    const bt_msg *q = last_kind(&a, BT_MSG_REQUEST);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    bt_msg late = *q;
    fake_simple(&f, &a, BT_MSG_CHOKE, 0);
    fake_simple(&f, &c, BT_MSG_UNCHOKE, 0);
    CU_ASSERT_EQUAL(count_kind(&c, BT_MSG_REQUEST, 0), 4);
    guint before = c.msgs->len;
    GByteArray *b = g_byte_array_new();
    bt_wire_put_piece(b, late.index, late.begin, f.content + (uint64_t)late.index * f.piece_length, late.length);
    fake_send(&f, &a, b, 0);
    pull(&f, &c);
    const bt_peer_stats *st = bt_peer_get_stats(f.core);
    CU_ASSERT_EQUAL(st->blocks_received, 1);
    CU_ASSERT_EQUAL(st->blocks_late, 1);
    CU_ASSERT_EQUAL(st->blocks_wasted, 0);
    CU_ASSERT(bt_peer_has_piece(f.core, late.index));
    const bt_msg *cancel = last_kind(&c, BT_MSG_CANCEL);
    CU_ASSERT_EQUAL(count_kind(&c, BT_MSG_CANCEL, before), 1);
    CU_ASSERT(cancel && cancel->index == late.index && cancel->begin == late.begin);
    bt_wire_put_piece(b, late.index, late.begin, f.content + (uint64_t)late.index * f.piece_length, late.length);
    fake_send(&f, &c, b, 0);
    CU_ASSERT_EQUAL(st->blocks_received, 1);
    CU_ASSERT_EQUAL(st->blocks_wasted, 1);
    g_byte_array_unref(b);
    fake_clear(&a);
    fake_clear(&c);
    fixture_clear(&f);
}

/* Endgame asks a block of at most BT_ENDGAME_COPIES (2) peers: with two
 * one-block pieces both asked of a, b asks both again, c asks nothing. */
static void test_endgame_two_copies(void)
{
    fixture f;
    fixture_init(&f, 2, BT_BLOCK_SIZE, false, 4, 1);
    fake a, b, c;
    uint8_t bits[1];
    all_bits(bits, 2, -1, -1);
    fake_connect(&f, &a, 1, bits, 0);
    fake_connect(&f, &b, 2, bits, 0);
    fake_connect(&f, &c, 3, bits, 0);
    fake_simple(&f, &a, BT_MSG_UNCHOKE, 0);
    CU_ASSERT_EQUAL(count_kind(&a, BT_MSG_REQUEST, 0), 2);
    fake_simple(&f, &b, BT_MSG_UNCHOKE, 0);
    CU_ASSERT_EQUAL(count_kind(&b, BT_MSG_REQUEST, 0), 2);
    CU_ASSERT(bt_peer_get_stats(f.core)->endgame);
    fake_simple(&f, &c, BT_MSG_UNCHOKE, 0);
    CU_ASSERT_EQUAL(count_kind(&c, BT_MSG_REQUEST, 0), 0);
    fake_clear(&a);
    fake_clear(&b);
    fake_clear(&c);
    fixture_clear(&f);
}

/* A peer that unchokes us and never answers: after 60 s its requests are
 * cancelled, asked of another peer, and it is asked nothing more. */
static void test_request_timeout(void)
{
    fixture f;
    fake a, c;
    leecher_and_two_holders(&f, &a, &c, 16);
    uint8_t asked[16] = {0};
    mark_requests(&a, 0, asked);
    /* c answers its first four at 1 s and leaves the next four waiting. */
    fake_simple(&f, &c, BT_MSG_UNCHOKE, 0);
    guint seen = 0;
    answer_requests(&f, &c, &seen, S_NS);
    CU_ASSERT_EQUAL(bt_peer_get_stats(f.core)->verified, 4);
    CU_ASSERT_EQUAL(count_kind(&c, BT_MSG_REQUEST, 0), 8);
    for (int64_t t = 10; t < 60; t += 10) {
        bt_peer_tick(f.core, t * S_NS);
        fake_simple(&f, &a, BT_MSG_INTERESTED, t * S_NS); /* a keeps talking, sends no block */
    }
    CU_ASSERT_EQUAL(bt_peer_next_deadline(f.core), BT_REQUEST_TIMEOUT_NS);
    bt_peer_tick(f.core, BT_REQUEST_TIMEOUT_NS);
    pull(&f, &a);
    pull(&f, &c);
    CU_ASSERT_EQUAL(count_kind(&a, BT_MSG_CANCEL, 0), 4);
    /* c's pipeline is full; once it answers, a's pieces are asked of it. */
    guint before = c.msgs->len;
    answer_requests(&f, &c, &seen, 60 * S_NS);
    CU_ASSERT_EQUAL(count_kind(&c, BT_MSG_REQUEST, before), 4);
    check_requests_among(&c, before, asked);
    guint a_before = a.msgs->len;
    for (int round = 0; round < 8 && !bt_peer_complete(f.core); round++)
        answer_requests(&f, &c, &seen, 61 * S_NS);
    pull(&f, &a);
    CU_ASSERT(bt_peer_complete(f.core));
    CU_ASSERT_EQUAL(count_kind(&a, BT_MSG_REQUEST, a_before), 0);
    CU_ASSERT_EQUAL(memcmp(bt_storage_memory_bytes(f.store), f.content, f.total), 0);
    fake_clear(&a);
    fake_clear(&c);
    fixture_clear(&f);
}

/* A leecher's side of a session with a seed, replayed at every chunk
 * size from 1 to 64: the seed's answer is the same messages each time
 * (handshake, bitfield, unchoke, the two blocks asked); the third request
 * waits behind the output's limit and is cancelled before it is served;
 * a port message and a keep-alive change nothing. */
static void test_seed_session_chunks(void)
{
    GByteArray *in = g_byte_array_new();
    bt_wire_put_handshake(in, NULL, info_hash, (const uint8_t *)"-FK0001-000000000001");
    bt_wire_put_bitfield(in, (const uint8_t *)"\0", 1);
    bt_wire_put_simple(in, BT_MSG_INTERESTED);
    bt_wire_put_request(in, 0, 0, BT_BLOCK_SIZE);
    bt_wire_put_port(in, 6881);
    bt_wire_put_request(in, 1, BT_BLOCK_SIZE, BT_BLOCK_SIZE);
    bt_wire_put_keepalive(in);
    bt_wire_put_request(in, 3, 0, 100);
    bt_wire_put_cancel(in, 3, 0, 100);
    const char *want = "101 0 0\n5 0 0\n1 0 0\n7 0 0\n7 1 16384\n";
    for (size_t chunk = 1; chunk <= 64; chunk++) {
        fixture f;
        fixture_init(&f, 4, 2 * BT_BLOCK_SIZE, true, 0, 1);
        fake k = {0};
        k.conn = bt_peer_add_conn(f.core, 0);
        k.dec = bt_decoder_new(4, 0);
        k.msgs = g_array_new(FALSE, TRUE, sizeof(bt_msg));
        for (size_t off = 0; off < in->len; off += chunk)
            bt_peer_feed(f.core, k.conn, in->data + off, MIN(chunk, in->len - off), 0);
        pull(&f, &k);
        GString *got = g_string_new(NULL);
        for (guint i = 0; i < k.msgs->len; i++) {
            const bt_msg *m = &g_array_index(k.msgs, bt_msg, i);
            g_string_append_printf(got, "%d %u %u\n", (int)m->kind, m->index, m->begin);
        }
        if (strcmp(got->str, want) != 0)
            fprintf(stderr, "chunks of %zu: [%s]\n", chunk, got->str);
        CU_ASSERT_STRING_EQUAL(got->str, want);
        bt_conn_info info;
        CU_ASSERT(bt_peer_conn_info(f.core, k.conn, &info));
        CU_ASSERT_EQUAL(info.queued, 0);
        CU_ASSERT_EQUAL(info.payload_out, 2 * BT_BLOCK_SIZE);
        g_string_free(got, TRUE);
        fake_clear(&k);
        fixture_clear(&f);
    }
    g_byte_array_unref(in);
}

/* A peer that makes us write (interested, not interested, again and
 * again: each is answered with unchoke or choke) and never reads is
 * dropped once its output reaches the cap, not before. */
static void test_output_not_taken(void)
{
    fixture f;
    fixture_init(&f, 4, BT_BLOCK_SIZE, true, 0, 1);
    uint32_t conn = bt_peer_add_conn(f.core, 0);
    GByteArray *b = g_byte_array_new();
    bt_wire_put_handshake(b, NULL, info_hash, (const uint8_t *)"-FK0001-000000000001");
    bt_peer_feed(f.core, conn, b->data, b->len, 0);
    g_byte_array_set_size(b, 0);
    for (int i = 0; i < 100; i++) {
        bt_wire_put_simple(b, BT_MSG_INTERESTED);
        bt_wire_put_simple(b, BT_MSG_NOT_INTERESTED);
    }
    size_t cap = BT_OUTPUT_MAX + 4 * 9, len = 0;
    bt_conn_info info;
    int rounds = 0;
    while (bt_peer_conn_info(f.core, conn, &info) && rounds < 1000) {
        bt_peer_output(f.core, conn, &len);
        CU_ASSERT(len <= cap);
        bt_peer_feed(f.core, conn, b->data, b->len, 0);
        rounds++;
    }
    CU_ASSERT(rounds > 200);
    bt_peer_event ev;
    CU_ASSERT_FATAL(next_event(&f, BT_PEER_EV_DROPPED, &ev));
    CU_ASSERT_EQUAL(ev.reason, BT_DROP_OUTPUT);
    g_byte_array_unref(b);
    fixture_clear(&f);
}

/* The upload limit: a seed limited to 100,000 bytes per second serves
 * three unchoked peers that each asked for 64 blocks, the loop running
 * it at its deadlines and taking its output at once for 5 s. Over every
 * interval between two piece messages the bytes of the piece messages
 * (13 + 16384 each) are at most the rate times the interval plus one
 * message; over the 5 s it sends at least the rate less two messages
 * (the limiter does not leave the rate unused); the peers are served in
 * turn (their counts differ by at most one); and the deadline is never
 * in the past. */
static void test_upload_limit(void)
{
    const uint64_t rate = 100000;
    const int64_t end = 5 * S_NS;
    const uint64_t msg = 13 + BT_BLOCK_SIZE;
    fixture f;
    fixture_init_rate(&f, 64, BT_BLOCK_SIZE, true, 0, 5, rate);
    fake k[3];
    GByteArray *b = g_byte_array_new();
    for (int i = 0; i < 3; i++) {
        fake_connect(&f, &k[i], i + 1, NULL, 0);
        fake_simple(&f, &k[i], BT_MSG_INTERESTED, 0);
        CU_ASSERT_FATAL(unchoked(&f, &k[i]));
        for (uint32_t p = 0; p < 64; p++)
            bt_wire_put_request(b, p, 0, BT_BLOCK_SIZE);
        bt_peer_feed(f.core, k[i].conn, b->data, b->len, 0);
        g_byte_array_set_size(b, 0);
    }
    GArray *times = g_array_new(FALSE, FALSE, sizeof(int64_t));
    guint seen[3] = {0}, served[3] = {0};
    int64_t now = 0;
    int steps = 0;
    while (now <= end && steps++ < 100000) {
        for (int i = 0; i < 3; i++) {
            pull_at(&f, &k[i], now);
            for (; seen[i] < k[i].msgs->len; seen[i]++)
                if (g_array_index(k[i].msgs, bt_msg, seen[i]).kind == BT_MSG_PIECE) {
                    g_array_append_val(times, now);
                    served[i]++;
                }
        }
        int64_t d = bt_peer_next_deadline(f.core);
        CU_ASSERT_FATAL(d > now);
        now = d;
        if (now <= end)
            bt_peer_tick(f.core, now);
    }
    /* The messages in order of time: over [t_i, t_j], j - i + 1 messages. */
    for (guint i = 0; i < times->len; i++)
        for (guint j = i; j < times->len; j++) {
            int64_t w = g_array_index(times, int64_t, j) - g_array_index(times, int64_t, i);
            double allowed = (double)rate * (double)w / 1e9 + (double)msg;
            CU_ASSERT((double)(j - i + 1) * (double)msg <= allowed + 1e-6);
        }
    double sent = (double)times->len * (double)msg;
    CU_ASSERT(sent >= (double)rate * 5.0 - 2.0 * (double)msg);
    CU_ASSERT(sent <= (double)rate * 5.0 + (double)msg);
    guint lo = MIN(served[0], MIN(served[1], served[2])), hi = MAX(served[0], MAX(served[1], served[2]));
    CU_ASSERT(hi - lo <= 1);
    CU_ASSERT(lo > 0);
    g_array_free(times, TRUE);
    g_byte_array_unref(b);
    fakes_clear(k, 3);
    fixture_clear(&f);
}

/* ---- swarms ---- */

static void check_complete(swarm *w, size_t n, uint64_t total)
{
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT(bt_peer_complete(swarm_core(w, i)));
        CU_ASSERT(swarm_completed_at(w, i) >= 0);
        const uint8_t *bytes = swarm_bytes(w, i);
        if (bytes)
            CU_ASSERT_EQUAL(memcmp(bytes, swarm_content(w), total), 0);
    }
}

/* A seed and four leechers complete a 40-piece file (pieces of 32 KiB,
 * the last shorter); every leecher's bytes equal the content. */
static void test_swarm_completes(void)
{
    swarm_node_spec nodes[5];
    memset(nodes, 0, sizeof nodes);
    for (int i = 0; i < 5; i++) {
        nodes[i].up_rate = 64 * 1024;
        nodes[i].corrupt_piece = -1;
    }
    nodes[0].seed = true;
    swarm_spec spec = {.total = 40 * 32768 - 1000, .piece_length = 32768, .seed = 11, .nodes = nodes,
                       .n_nodes = 5, .max_ns = 600 * S_NS};
    swarm *w = swarm_new(&spec);
    int64_t t = swarm_run(w);
    CU_ASSERT(t < spec.max_ns);
    for (size_t i = 0; i < 5; i++) {
        CU_ASSERT(bt_peer_complete(swarm_core(w, i)));
        CU_ASSERT_EQUAL(memcmp(swarm_bytes(w, i), swarm_content(w), spec.total), 0);
        if (i > 0)
            CU_ASSERT_EQUAL(swarm_count(w, i, BT_PEER_EV_PIECE_VERIFIED, BT_DROP_NONE), 40);
        CU_ASSERT_EQUAL(bt_peer_get_stats(swarm_core(w, i))->hash_failures, 0);
    }
    /* The leechers uploaded to one another: the seed alone would need
     * 4 x 1.25 MiB / 64 KiB/s = 80 s. */
    CU_ASSERT(t < 60 * S_NS);
    swarm_free(w);
}

/* One peer serves a corrupted piece (piece 3) and is the only source at
 * first: the leecher's check fails, the piece is asked again, the bad
 * peer is dropped after two strikes, and a good seed joining later
 * completes the file. */
static void test_swarm_corrupt_peer(void)
{
    swarm_node_spec nodes[3];
    memset(nodes, 0, sizeof nodes);
    nodes[0] = (swarm_node_spec){.seed = true, .up_rate = 64 * 1024, .corrupt_piece = 3};
    nodes[1] = (swarm_node_spec){.up_rate = 64 * 1024, .corrupt_piece = -1};
    nodes[2] = (swarm_node_spec){.seed = true, .up_rate = 64 * 1024, .corrupt_piece = -1,
                                 .join_ns = 60 * S_NS};
    swarm_spec spec = {.total = 8 * 32768, .piece_length = 32768, .seed = 5, .synthetic = true,
                       .nodes = nodes, .n_nodes = 3, .max_ns = 600 * S_NS};
    swarm *w = swarm_new(&spec);
    int64_t t = swarm_run(w);
    CU_ASSERT(t < spec.max_ns);
    CU_ASSERT(bt_peer_complete(swarm_core(w, 1)));
    CU_ASSERT(swarm_completed_at(w, 1) >= 60 * S_NS);
    CU_ASSERT_EQUAL(swarm_count(w, 1, BT_PEER_EV_HASH_FAILED, BT_DROP_NONE), 2);
    CU_ASSERT_EQUAL(swarm_count(w, 1, BT_PEER_EV_DROPPED, BT_DROP_HASHFAILS), 1);
    CU_ASSERT_EQUAL(bt_peer_get_stats(swarm_core(w, 1))->hash_failures, 2);
    CU_ASSERT_EQUAL(bt_peer_get_stats(swarm_core(w, 1))->verified, 8);
    swarm_free(w);
}

/* Tit-for-tat: a seed (256 KiB/s), six leechers (32 KiB/s) that upload
 * and a free rider that never unchokes anyone. The free rider is not
 * connected to the seed (a seed ranks peers by how fast it uploads to
 * them, which a free rider does not change, so the seed would serve it as
 * it serves anyone): everything it gets comes from leechers, which rank
 * it last (it sends them nothing) and unchoke it only optimistically or
 * with capacity to spare, then as seeds. It completes, and last. */
static void test_swarm_free_rider(void)
{
    enum { N = 8 };
    swarm_node_spec nodes[N];
    memset(nodes, 0, sizeof nodes);
    for (int i = 0; i < N; i++) {
        nodes[i].up_rate = 32 * 1024;
        nodes[i].corrupt_piece = -1;
    }
    nodes[0].seed = true;
    nodes[0].up_rate = 256 * 1024;
    nodes[N - 1].free_rider = true;
    nodes[N - 1].avoid_seeds = true;
    swarm_spec spec = {.total = 64 * 32768, .piece_length = 32768, .seed = 21, .synthetic = true,
                       .nodes = nodes, .n_nodes = N, .max_ns = 3600 * S_NS};
    swarm *w = swarm_new(&spec);
    int64_t t = swarm_run(w);
    CU_ASSERT(t < spec.max_ns);
    int64_t rider = swarm_completed_at(w, N - 1);
    CU_ASSERT(rider > 0);
    for (int i = 1; i < N - 1; i++) {
        CU_ASSERT(swarm_completed_at(w, i) > 0);
        CU_ASSERT(swarm_completed_at(w, i) < rider);
    }
    /* It never uploaded, and was unchoked by every leecher at some time. */
    uint32_t ids[N];
    size_t nc = bt_peer_conns(swarm_core(w, N - 1), ids, N);
    CU_ASSERT_EQUAL(nc, N - 2);
    for (size_t i = 0; i < nc; i++) {
        bt_conn_info info;
        CU_ASSERT(bt_peer_conn_info(swarm_core(w, N - 1), ids[i], &info));
        CU_ASSERT_EQUAL(info.payload_out, 0);
        CU_ASSERT(info.payload_in > 0);
    }
    swarm_free(w);
}

/* Endgame: with deep pipelines on a small file the last blocks are asked
 * of several peers, and cancels go out when they arrive. */
static void test_swarm_endgame(void)
{
    swarm_node_spec nodes[4];
    memset(nodes, 0, sizeof nodes);
    for (int i = 0; i < 4; i++) {
        nodes[i].up_rate = 32 * 1024;
        nodes[i].corrupt_piece = -1;
        nodes[i].pipeline = 16;
    }
    nodes[0].seed = nodes[1].seed = nodes[2].seed = true;
    swarm_spec spec = {.total = 6 * 32768, .piece_length = 32768, .seed = 8, .nodes = nodes,
                       .n_nodes = 4, .max_ns = 600 * S_NS};
    swarm *w = swarm_new(&spec);
    swarm_run(w);
    const bt_peer_stats *st = bt_peer_get_stats(swarm_core(w, 3));
    CU_ASSERT(bt_peer_complete(swarm_core(w, 3)));
    CU_ASSERT(st->endgame);
    CU_ASSERT(st->cancels_sent > 0);
    CU_ASSERT_EQUAL(memcmp(swarm_bytes(w, 3), swarm_content(w), spec.total), 0);
    CU_ASSERT_EQUAL(st->blocks_received, 12);
    swarm_free(w);
}

/* Determinism: the same seed gives the same bytes on every connection and
 * the same events; another seed another run. */
static void test_swarm_determinism(void)
{
    char *digest[3];
    char *log[3];
    for (int r = 0; r < 3; r++) {
        swarm_node_spec nodes[5];
        memset(nodes, 0, sizeof nodes);
        for (int i = 0; i < 5; i++) {
            nodes[i].up_rate = 48 * 1024;
            nodes[i].corrupt_piece = -1;
            nodes[i].join_ns = i * 2 * S_NS;
        }
        nodes[0].seed = true;
        swarm_spec spec = {.total = 24 * 32768, .piece_length = 32768, .seed = r == 2 ? 100 : 99,
                           .nodes = nodes, .n_nodes = 5, .max_ns = 600 * S_NS};
        swarm *w = swarm_new(&spec);
        swarm_run(w);
        check_complete(w, 5, spec.total);
        digest[r] = swarm_digest(w);
        log[r] = g_strdup(swarm_log(w));
        swarm_free(w);
    }
    CU_ASSERT_STRING_EQUAL(digest[0], digest[1]);
    CU_ASSERT_STRING_EQUAL(log[0], log[1]);
    CU_ASSERT_STRING_NOT_EQUAL(digest[0], digest[2]);
    for (int r = 0; r < 3; r++) {
        g_free(digest[r]);
        g_free(log[r]);
    }
}

static void test_config_refused(void)
{
    fixture f;
    fixture_init(&f, 4, BT_BLOCK_SIZE, false, 0, 1);
    bt_peer_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.hashes = f.hashes;
    cfg.n_pieces = 5;
    cfg.piece_length = BT_BLOCK_SIZE;
    cfg.total_length = f.total;
    cfg.storage = bt_storage_ops_of(f.store);
    cfg.storage_ud = f.store;
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(bt_peer_new(&cfg, 0, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    cfg.n_pieces = 4;
    cfg.storage = NULL;
    CU_ASSERT_PTR_NULL(bt_peer_new(&cfg, 0, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    fixture_clear(&f);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_rarest_first),
        TEST(test_random_first_piece),
        TEST(test_choker_four_plus_one),
        TEST(test_choker_never_sent_ranked_last),
        TEST(test_optimistic_rotation),
        TEST(test_seed_round_robin),
        TEST(test_serving_and_bad_requests),
        TEST(test_bad_peers_dropped), TEST(test_late_first_bitfield),
        TEST(test_keepalive_and_idle),
        TEST(test_choke_rerequests),
        TEST(test_late_block_kept),
        TEST(test_endgame_two_copies),
        TEST(test_output_not_taken),
        TEST(test_upload_limit),
        TEST(test_request_timeout),
        TEST(test_seed_session_chunks),
        TEST(test_swarm_completes),
        TEST(test_swarm_corrupt_peer),
        TEST(test_swarm_free_rider),
        TEST(test_swarm_endgame),
        TEST(test_swarm_determinism),
        TEST(test_config_refused),
    };
    return test_main("protocols/bt/peer", tests, (int)G_N_ELEMENTS(tests));
}
