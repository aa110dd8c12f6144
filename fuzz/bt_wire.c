/*
 * Fuzz target bt_wire: the BitTorrent peer wire decoder
 * (protocols/bt/bt_wire.c) on whatever a peer may send, and the peer core
 * (protocols/bt/bt_peer.c) fed the same bytes.
 *
 * Input: one setup byte, then the bytes a peer sends on one connection.
 * The setup byte's low three bits choose the torrent's piece count (1, 7,
 * 8, 9, 16, 100, 1000, 20000: bitfields with and without spare bits, one
 * bigger than a block); bit 3 puts a valid handshake (the torrent's info
 * hash, all 0xA5) in front of the input, so the messages are reached
 * without one in the input; the high four bits give the size of the
 * pieces of the third replay (2 to 17).
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - the messages and the final error are the same fed whole, one byte per
 *    call, and in pieces; a call takes no more than it is given and makes
 *    progress unless it fails; the decoder holds at most the maximum
 *    message;
 *  - every message is within the limits: indexes below the piece count, a
 *    bitfield of ceil(pieces / 8) bytes, a block of at most 16 KiB;
 *  - the messages written back with bt_wire_put_msg decode again to the
 *    same messages, without error, and write back to the same bytes;
 *  - with 100 pieces or fewer, a leecher core and a seeding core fed the
 *    bytes (in pieces) and then ticked through 10 minutes keep their
 *    output bounded, drop no other connection, forget one they dropped,
 *    and after a tick have their next deadline later than it.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/bt/bt_peer.h"
#include "protocols/bt/bt_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t piece_counts[8] = {1, 7, 8, 9, 16, 100, 1000, 20000};

/* Renders a message with every field it carries. */
static void render(GString *out, const bt_msg *m, uint32_t pieces)
{
    g_string_append_printf(out, "%d %u %u %u %u %zu:", (int)m->kind, m->index, m->begin, m->length, m->port,
                           m->data_len);
    if (m->data)
        for (size_t i = 0; i < m->data_len; i++)
            g_string_append_printf(out, "%02x", m->data[i]);
    if (m->kind == BT_MSG_HANDSHAKE) {
        for (int i = 0; i < 8; i++)
            g_string_append_printf(out, "%02x", m->reserved[i]);
        for (int i = 0; i < 20; i++)
            g_string_append_printf(out, "%02x%02x", m->info_hash[i], m->peer_id[i]);
    }
    g_string_append_c(out, '\n');
    if (m->kind == BT_MSG_HAVE || m->kind == BT_MSG_REQUEST || m->kind == BT_MSG_CANCEL
        || m->kind == BT_MSG_PIECE)
        FUZZ_CHECK(m->index < pieces, "index %u of %u pieces", m->index, pieces);
    if (m->kind == BT_MSG_BITFIELD)
        FUZZ_CHECK(m->data_len == (pieces + 7) / 8, "bitfield of %zu bytes", m->data_len);
    if (m->kind == BT_MSG_PIECE)
        FUZZ_CHECK(m->data_len <= BT_BLOCK_SIZE && m->data_len == m->length, "block of %zu", m->data_len);
}

/* Decodes data in pieces of `piece` bytes; the messages rendered, and
 * (when `back` is not NULL) written back into it. */
static char *replay(const uint8_t *data, size_t size, size_t piece, uint32_t pieces, bt_wire_error *err,
                    GByteArray *back)
{
    bt_decoder *d = bt_decoder_new(pieces, 0);
    GString *out = g_string_new(NULL);
    size_t off = 0;
    while (off < size) {
        size_t n = MIN(piece, size - off);
        bt_msg m;
        bt_wire_status st;
        size_t used = bt_decoder_feed(d, data + off, n, &m, &st);
        FUZZ_CHECK(used <= n, "feed took more than given");
        FUZZ_CHECK(bt_decoder_buffered(d) <= bt_decoder_max_message(d), "decoder holds too much");
        off += used;
        if (st == BT_WIRE_ERROR)
            break;
        FUZZ_CHECK(used > 0, "no progress");
        if (st == BT_WIRE_MESSAGE) {
            render(out, &m, pieces);
            if (back)
                bt_wire_put_msg(back, &m);
        }
    }
    *err = bt_decoder_error(d);
    bt_decoder_free(d);
    return g_string_free(out, FALSE);
}

/* The content's piece hashes, made once per piece count. */
static const uint8_t *hashes_for(uint32_t pieces, uint32_t piece_length)
{
    static uint8_t *cache[8];
    for (int i = 0; i < 8; i++) {
        if (piece_counts[i] != pieces)
            continue;
        if (!cache[i]) {
            bt_storage *s = bt_storage_synthetic_new((uint64_t)pieces * piece_length, piece_length, 1, -1);
            cache[i] = bt_storage_piece_hashes(bt_storage_ops_of(s), s, (uint64_t)pieces * piece_length,
                                               piece_length);
            bt_storage_free(s);
        }
        return cache[i];
    }
    return NULL;
}

static void drain(bt_peer *p, uint32_t conn, bool *dropped)
{
    bt_peer_event ev;
    while (bt_peer_next_event(p, &ev)) {
        if (ev.kind == BT_PEER_EV_DROPPED) {
            FUZZ_CHECK(ev.conn == conn && ev.why != NULL, "drop of another connection");
            *dropped = true;
        }
    }
    size_t len;
    bt_peer_output(p, conn, &len);
    FUZZ_CHECK(len <= BT_OUTPUT_LOW + BT_BLOCK_SIZE + 13 + 4096, "output grew to %zu", len);
    bt_peer_consume(p, conn, len, 0);
    bt_conn_info info;
    if (*dropped)
        FUZZ_CHECK(!bt_peer_conn_info(p, conn, &info), "a dropped connection is still known");
}

static void core_run(const uint8_t *data, size_t size, size_t piece, uint32_t pieces, bool seed)
{
    const uint32_t piece_length = 2 * BT_BLOCK_SIZE;
    bt_storage *s = bt_storage_synthetic_new((uint64_t)pieces * piece_length, piece_length, 1, -1);
    bt_peer_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.hashes = hashes_for(pieces, piece_length);
    cfg.n_pieces = pieces;
    cfg.piece_length = piece_length;
    cfg.total_length = (uint64_t)pieces * piece_length;
    memset(cfg.info_hash, 0xA5, 20);
    memcpy(cfg.peer_id, "-AS0001-fuzzfuzzfuzz", 20);
    cfg.seed = seed;
    cfg.storage = bt_storage_ops_of(s);
    cfg.storage_ud = s;
    cfg.seed_rng = 1;
    bt_peer *p = bt_peer_new(&cfg, 0, NULL);
    FUZZ_CHECK(p != NULL, "core refused its config");
    uint32_t conn = bt_peer_add_conn(p, 0);
    bool dropped = false;
    drain(p, conn, &dropped);
    int64_t now = 0;
    for (size_t off = 0; off < size && !dropped; off += piece) {
        now += INT64_C(1000000000);
        bt_peer_feed(p, conn, data + off, MIN(piece, size - off), now);
        drain(p, conn, &dropped);
    }
    for (int i = 0; i < 60 && !dropped; i++) {
        now += INT64_C(10000000000);
        bt_peer_tick(p, now);
        FUZZ_CHECK(bt_peer_next_deadline(p) > now, "a deadline not later than the tick");
        drain(p, conn, &dropped);
    }
    bt_peer_free(p);
    bt_storage_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t pieces = piece_counts[data[0] & 7u];
    bool handshake = (data[0] & 8u) != 0;
    size_t piece = (size_t)(data[0] >> 4) + 2;
    data++;
    size--;
    GByteArray *in = g_byte_array_new();
    if (handshake) {
        uint8_t hash[20];
        memset(hash, 0xA5, 20);
        bt_wire_put_handshake(in, NULL, hash, (const uint8_t *)"-FZ0001-000000000000");
    }
    if (size)
        g_byte_array_append(in, data, (guint)size);

    bt_wire_error e1, e2, e3;
    GByteArray *back = g_byte_array_new();
    char *whole = replay(in->data, in->len, in->len ? in->len : 1, pieces, &e1, back);
    char *bytes = replay(in->data, in->len, 1, pieces, &e2, NULL);
    char *pieces_ = replay(in->data, in->len, piece, pieces, &e3, NULL);
    FUZZ_CHECK(strcmp(whole, bytes) == 0 && e1 == e2, "whole and byte by byte differ");
    FUZZ_CHECK(strcmp(whole, pieces_) == 0 && e1 == e3, "whole and pieces of %zu differ", piece);

    /* Written back, the messages decode to the same and write the same. */
    bt_wire_error eb;
    GByteArray *again = g_byte_array_new();
    char *round = replay(back->data, back->len, back->len ? back->len : 1, pieces, &eb, again);
    FUZZ_CHECK(eb == BT_WIRE_OK, "written messages do not decode: %s", bt_wire_error_text(eb));
    FUZZ_CHECK(strcmp(round, whole) == 0, "written messages decode differently");
    FUZZ_CHECK(again->len == back->len && (back->len == 0 || memcmp(again->data, back->data, back->len) == 0),
               "writing is not a fixpoint");

    if (pieces <= 100) {
        core_run(in->data, in->len, piece, pieces, false);
        core_run(in->data, in->len, piece, pieces, true);
    }
    g_free(whole);
    g_free(bytes);
    g_free(pieces_);
    g_free(round);
    g_byte_array_unref(back);
    g_byte_array_unref(again);
    g_byte_array_unref(in);
    return 0;
}
