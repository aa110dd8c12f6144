/*
 * Tests of protocols/bt/bt_wire: transcripts of every BEP 3 message
 * replayed at every chunk size from 1 to 64 bytes, malformed variants
 * (handshake, lengths, bitfields, indexes, sizes) with the error each
 * must give, the largest piece message, borrowed spans, and the encoders
 * writing the transcript's bytes.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "protocols/bt/bt_wire.h"
#include "test_util.h"

/* The handshake of the transcripts (reserved bytes with bits set, to see
 * them kept), and its rendering. */
#define HS "\x13" "BitTorrent protocol" "\0\0\0\0\0\x10\0\x05" "IIIIIIIIIIIIIIIIIIII" "-AS0001-123456789012"
#define HS_TEXT "handshake 0000000000100005 4949494949494949494949494949494949494949 -AS0001-123456789012\n"

#define KA "\0\0\0\0"
#define CHOKE "\0\0\0\x01" "\0"
#define UNCHOKE "\0\0\0\x01" "\x01"
#define INTERESTED "\0\0\0\x01" "\x02"
#define NOT_INTERESTED "\0\0\0\x01" "\x03"
#define HAVE3 "\0\0\0\x05" "\x04" "\0\0\0\x03"
#define BITFIELD10 "\0\0\0\x03" "\x05" "\xff\xc0"
#define REQUEST "\0\0\0\x0d" "\x06" "\0\0\0\x01" "\0\0\x40\0" "\0\0\x40\0"
#define PIECE "\0\0\0\x0d" "\x07" "\0\0\0\x02" "\0\0\0\0" "abcd"
#define CANCEL "\0\0\0\x0d" "\x08" "\0\0\0\x01" "\0\0\x40\0" "\0\0\x40\0"
#define PORT "\0\0\0\x03" "\x09" "\x1a\xe1"
#define UNKNOWN "\0\0\0\x04" "\x14" "xyz"

#define IN(lit) lit, sizeof(lit) - 1

typedef struct {
    const char *name;
    uint32_t pieces;
    const char *in;
    size_t len;
    const char *want;     /* the messages rendered, one a line */
    bt_wire_error error;  /* BT_WIRE_OK: the input ends between messages */
} transcript;

static void render(GString *out, const bt_msg *m)
{
    g_string_append(out, bt_msg_name(m->kind));
    switch (m->kind) {
    case BT_MSG_HANDSHAKE:
        g_string_append_c(out, ' ');
        for (int i = 0; i < 8; i++)
            g_string_append_printf(out, "%02x", m->reserved[i]);
        g_string_append_c(out, ' ');
        for (int i = 0; i < 20; i++)
            g_string_append_printf(out, "%02x", m->info_hash[i]);
        g_string_append_printf(out, " %.20s", (const char *)m->peer_id);
        break;
    case BT_MSG_HAVE:
        g_string_append_printf(out, " %u", m->index);
        break;
    case BT_MSG_REQUEST:
    case BT_MSG_CANCEL:
        g_string_append_printf(out, " %u %u %u", m->index, m->begin, m->length);
        break;
    case BT_MSG_PIECE:
        g_string_append_printf(out, " %u %u %u ", m->index, m->begin, m->length);
        for (size_t i = 0; i < m->data_len && i < 8; i++)
            g_string_append_printf(out, "%02x", m->data[i]);
        break;
    case BT_MSG_BITFIELD:
        g_string_append_c(out, ' ');
        for (size_t i = 0; i < m->data_len; i++)
            g_string_append_printf(out, "%02x", m->data[i]);
        break;
    case BT_MSG_PORT:
        g_string_append_printf(out, " %u", m->port);
        break;
    default:
        break;
    }
    g_string_append_c(out, '\n');
}

/* Feeds `in` in chunks of `chunk` bytes; returns the messages rendered
 * and the error (BT_WIRE_OK when none). */
static char *replay(uint32_t pieces, const uint8_t *in, size_t len, size_t chunk, bt_wire_error *error,
                    uint64_t *skipped)
{
    bt_decoder *d = bt_decoder_new(pieces, 0);
    GString *out = g_string_new(NULL);
    size_t off = 0;
    bool failed = false;
    while (off < len && !failed) {
        size_t end = MIN(len, off + chunk);
        while (off < end) {
            bt_msg m;
            bt_wire_status st;
            size_t used = bt_decoder_feed(d, in + off, end - off, &m, &st);
            CU_ASSERT(used <= end - off);
            CU_ASSERT(bt_decoder_buffered(d) <= bt_decoder_max_message(d));
            off += used;
            if (st == BT_WIRE_ERROR) {
                failed = true;
                /* Sticky: nothing more is taken. */
                CU_ASSERT_EQUAL(bt_decoder_feed(d, in, len, &m, &st), 0);
                CU_ASSERT_EQUAL(st, BT_WIRE_ERROR);
                break;
            }
            CU_ASSERT(used > 0);
            if (st == BT_WIRE_MESSAGE)
                render(out, &m);
        }
    }
    *error = bt_decoder_error(d);
    if (skipped)
        *skipped = bt_decoder_skipped(d);
    bt_decoder_free(d);
    return g_string_free(out, FALSE);
}

static void check(const transcript *t)
{
    for (size_t chunk = 1; chunk <= 64; chunk++) {
        bt_wire_error e;
        char *got = replay(t->pieces, (const uint8_t *)t->in, t->len, chunk, &e, NULL);
        if (strcmp(got, t->want) != 0 || e != t->error)
            fprintf(stderr, "%s, chunks of %zu: got [%s] error %s\n", t->name, chunk, got,
                    bt_wire_error_text(e));
        CU_ASSERT_STRING_EQUAL(got, t->want);
        CU_ASSERT_EQUAL(e, t->error);
        g_free(got);
    }
}

static const transcript good[] = {
    {"every message", 10,
     IN(HS KA CHOKE UNCHOKE INTERESTED NOT_INTERESTED HAVE3 BITFIELD10 REQUEST PIECE CANCEL PORT UNKNOWN KA),
     HS_TEXT "keep-alive\nchoke\nunchoke\ninterested\nnot interested\nhave 3\nbitfield ffc0\n"
             "request 1 16384 16384\npiece 2 0 4 61626364\ncancel 1 16384 16384\nport 6881\nkeep-alive\n",
     BT_WIRE_OK},
    {"handshake only", 1, IN(HS), HS_TEXT, BT_WIRE_OK},
    {"handshake cut", 1, IN("\x13" "BitTorrent protocol" "\0\0\0"), "", BT_WIRE_OK},
    {"message cut", 10, IN(HS HAVE3 "\0\0\0\x0d" "\x06" "\0\0"), HS_TEXT "have 3\n", BT_WIRE_OK},
    {"bitfield no spare bits", 16, IN(HS "\0\0\0\x03" "\x05" "\xa5\x5a"), HS_TEXT "bitfield a55a\n", BT_WIRE_OK},
    {"bitfield one piece", 1, IN(HS "\0\0\0\x02" "\x05" "\x80"), HS_TEXT "bitfield 80\n", BT_WIRE_OK},
    {"empty piece block", 4, IN(HS "\0\0\0\x09" "\x07" "\0\0\0\x03" "\0\0\0\x07"), HS_TEXT "piece 3 7 0 \n",
     BT_WIRE_OK},
    {"unknown ids skipped", 4, IN(HS "\0\0\0\x01" "\x0a" "\0\0\0\x03" "\xff" "ab" HAVE3), HS_TEXT "have 3\n",
     BT_WIRE_OK},
    {"last index", 4, IN(HS "\0\0\0\x05" "\x04" "\0\0\0\x03"), HS_TEXT "have 3\n", BT_WIRE_OK},
};

static const transcript bad[] = {
    {"pstrlen 18", 4, IN("\x12" "BitTorrent protocol"), "", BT_WIRE_ERR_PSTRLEN},
    {"pstrlen 0", 4, IN("\0"), "", BT_WIRE_ERR_PSTRLEN},
    {"http instead", 4, IN("GET / HTTP/1.1\r\n\r\n"), "", BT_WIRE_ERR_PSTRLEN},
    {"protocol string", 4, IN("\x13" "BitTorrent protocoL" "\0\0\0\0\0\0\0\0"), "", BT_WIRE_ERR_PSTR},
    {"protocol string early", 4, IN("\x13" "Bittorrent protocol"), "", BT_WIRE_ERR_PSTR},
    {"oversized piece", 4, IN(HS "\0\0\x40\x0a" "\x07"), HS_TEXT, BT_WIRE_ERR_TOO_LONG},
    {"oversized unknown", 4, IN(HS "\0\0\x40\x0a" "\x14"), HS_TEXT, BT_WIRE_ERR_TOO_LONG},
    {"huge length", 4, IN(HS "\xff\xff\xff\xff"), HS_TEXT, BT_WIRE_ERR_TOO_LONG},
    {"bitfield too long", 10, IN(HS "\0\0\0\x04" "\x05" "\xff\xc0\0"), HS_TEXT, BT_WIRE_ERR_BITFIELD_LENGTH},
    {"bitfield too short", 10, IN(HS "\0\0\0\x02" "\x05" "\xff"), HS_TEXT, BT_WIRE_ERR_BITFIELD_LENGTH},
    {"bitfield spare bit", 10, IN(HS "\0\0\0\x03" "\x05" "\xff\xc1"), HS_TEXT, BT_WIRE_ERR_BITFIELD_SPARE},
    {"bitfield last spare bit", 10, IN(HS "\0\0\0\x03" "\x05" "\x00\x20"), HS_TEXT, BT_WIRE_ERR_BITFIELD_SPARE},
    {"choke too long", 4, IN(HS "\0\0\0\x02" "\0" "\0"), HS_TEXT, BT_WIRE_ERR_LENGTH},
    {"interested too long", 4, IN(HS "\0\0\0\x05" "\x02" "\0\0\0\0"), HS_TEXT, BT_WIRE_ERR_LENGTH},
    {"have too short", 4, IN(HS "\0\0\0\x04" "\x04" "\0\0\0"), HS_TEXT, BT_WIRE_ERR_LENGTH},
    {"request too short", 4, IN(HS "\0\0\0\x0c" "\x06" "\0\0\0\x01" "\0\0\0\0" "\0\0\0"), HS_TEXT,
     BT_WIRE_ERR_LENGTH},
    {"cancel too long", 4, IN(HS "\0\0\0\x0e" "\x08" "\0\0\0\x01" "\0\0\0\0" "\0\0\0\x01" "\0"), HS_TEXT,
     BT_WIRE_ERR_LENGTH},
    {"port too short", 4, IN(HS "\0\0\0\x02" "\x09" "\x1a"), HS_TEXT, BT_WIRE_ERR_LENGTH},
    {"piece without header", 4, IN(HS "\0\0\0\x08" "\x07" "\0\0\0\x01" "\0\0\0"), HS_TEXT, BT_WIRE_ERR_LENGTH},
    {"have beyond pieces", 4, IN(HS HAVE3 "\0\0\0\x05" "\x04" "\0\0\0\x04"), HS_TEXT "have 3\n",
     BT_WIRE_ERR_INDEX},
    {"request beyond pieces", 2, IN(HS REQUEST "\0\0\0\x0d" "\x06" "\0\0\0\x02" "\0\0\0\0" "\0\0\0\x01"),
     HS_TEXT "request 1 16384 16384\n", BT_WIRE_ERR_INDEX},
    {"piece beyond pieces", 2, IN(HS "\0\0\0\x0a" "\x07" "\xff\xff\xff\xff" "\0\0\0\0" "x"), HS_TEXT,
     BT_WIRE_ERR_INDEX},
    {"cancel beyond pieces", 2, IN(HS "\0\0\0\x0d" "\x08" "\0\0\0\x09" "\0\0\0\0" "\0\0\0\x01"), HS_TEXT,
     BT_WIRE_ERR_INDEX},
};

static void test_transcripts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
        check(&good[i]);
}

static void test_malformed(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        check(&bad[i]);
}

static void test_unknown_counted(void)
{
    bt_wire_error e;
    uint64_t skipped = 0;
    const transcript *t = &good[7];
    char *got = replay(t->pieces, (const uint8_t *)t->in, t->len, 3, &e, &skipped);
    CU_ASSERT_EQUAL(skipped, 2);
    g_free(got);
}

/* The largest piece message (a 16 KiB block) is taken at every chunk
 * size; one byte more is refused when its length arrives. */
static void test_largest_piece(void)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const uint8_t *)HS, BT_HANDSHAKE_LEN);
    uint8_t *block = g_malloc(BT_BLOCK_SIZE);
    for (size_t i = 0; i < BT_BLOCK_SIZE; i++)
        block[i] = (uint8_t)(i * 7 + 3);
    bt_wire_put_piece(b, 1, 16384, block, BT_BLOCK_SIZE);
    bt_wire_put_have(b, 0);
    for (size_t chunk = 1; chunk <= 64; chunk++) {
        bt_decoder *d = bt_decoder_new(2, 0);
        CU_ASSERT_EQUAL(bt_decoder_max_message(d), BT_BLOCK_SIZE + 9);
        size_t off = 0;
        int pieces = 0, haves = 0;
        while (off < b->len) {
            bt_msg m;
            bt_wire_status st;
            off += bt_decoder_feed(d, b->data + off, MIN(chunk, b->len - off), &m, &st);
            CU_ASSERT_NOT_EQUAL_FATAL(st, BT_WIRE_ERROR);
            if (st == BT_WIRE_MESSAGE && m.kind == BT_MSG_PIECE) {
                pieces++;
                CU_ASSERT_EQUAL(m.data_len, BT_BLOCK_SIZE);
                CU_ASSERT_EQUAL(memcmp(m.data, block, BT_BLOCK_SIZE), 0);
            }
            if (st == BT_WIRE_MESSAGE && m.kind == BT_MSG_HAVE)
                haves++;
        }
        CU_ASSERT_EQUAL(pieces, 1);
        CU_ASSERT_EQUAL(haves, 1);
        bt_decoder_free(d);
    }
    /* A block of 16 KiB + 1. */
    bt_decoder *d = bt_decoder_new(2, 0);
    GByteArray *c = g_byte_array_new();
    g_byte_array_append(c, (const uint8_t *)HS, BT_HANDSHAKE_LEN);
    bt_wire_put_piece_header(c, 0, 0, BT_BLOCK_SIZE + 1);
    size_t off = 0;
    bt_msg m;
    bt_wire_status st = BT_WIRE_NEED_MORE;
    while (off < c->len && st != BT_WIRE_ERROR)
        off += bt_decoder_feed(d, c->data + off, c->len - off, &m, &st);
    CU_ASSERT_EQUAL(st, BT_WIRE_ERROR);
    CU_ASSERT_EQUAL(bt_decoder_error(d), BT_WIRE_ERR_TOO_LONG);
    /* Refused at the length prefix: nothing of the body was held. */
    CU_ASSERT_EQUAL(off, (size_t)BT_HANDSHAKE_LEN + 4);
    bt_decoder_free(d);
    g_byte_array_unref(c);
    /* A torrent with a bitfield bigger than a block: that is the maximum. */
    d = bt_decoder_new(8 * 20000, 0);
    CU_ASSERT_EQUAL(bt_decoder_max_message(d), 20001);
    bt_decoder_free(d);
    g_free(block);
    g_byte_array_unref(b);
}

/* A message fed whole is borrowed from the caller's bytes; one split
 * across calls comes from the decoder's buffer. */
static void test_borrowed_span(void)
{
    static const uint8_t in[] = HS PIECE;
    size_t len = sizeof in - 1;
    bt_decoder *d = bt_decoder_new(4, 0);
    bt_msg m;
    bt_wire_status st;
    size_t off = bt_decoder_feed(d, in, len, &m, &st);
    CU_ASSERT_EQUAL(st, BT_WIRE_MESSAGE);
    CU_ASSERT_EQUAL(m.kind, BT_MSG_HANDSHAKE);
    CU_ASSERT_TRUE(bt_decoder_handshaken(d));
    off += bt_decoder_feed(d, in + off, len - off, &m, &st);
    CU_ASSERT_EQUAL(st, BT_WIRE_MESSAGE);
    CU_ASSERT_EQUAL(m.kind, BT_MSG_PIECE);
    CU_ASSERT(m.data == in + len - 4);
    CU_ASSERT_EQUAL(off, len);
    bt_decoder_free(d);

    d = bt_decoder_new(4, 0);
    off = bt_decoder_feed(d, in, BT_HANDSHAKE_LEN, &m, &st);
    off += bt_decoder_feed(d, in + off, 7, &m, &st);
    CU_ASSERT_EQUAL(st, BT_WIRE_NEED_MORE);
    CU_ASSERT_EQUAL(bt_decoder_buffered(d), 3);
    off += bt_decoder_feed(d, in + off, len - off, &m, &st);
    CU_ASSERT_EQUAL(st, BT_WIRE_MESSAGE);
    CU_ASSERT(m.data < in || m.data >= in + len);
    CU_ASSERT_EQUAL(memcmp(m.data, "abcd", 4), 0);
    bt_decoder_free(d);
}

/* The encoders write the transcript's bytes; every decoded message
 * written back gives the same bytes. */
static void test_encoders(void)
{
    GByteArray *b = g_byte_array_new();
    uint8_t reserved[8] = {0, 0, 0, 0, 0, 0x10, 0, 0x05};
    uint8_t hash[20];
    memset(hash, 'I', 20);
    bt_wire_put_handshake(b, reserved, hash, (const uint8_t *)"-AS0001-123456789012");
    bt_wire_put_keepalive(b);
    bt_wire_put_simple(b, BT_MSG_CHOKE);
    bt_wire_put_simple(b, BT_MSG_UNCHOKE);
    bt_wire_put_simple(b, BT_MSG_INTERESTED);
    bt_wire_put_simple(b, BT_MSG_NOT_INTERESTED);
    bt_wire_put_have(b, 3);
    bt_wire_put_bitfield(b, (const uint8_t *)"\xff\xc0", 2);
    bt_wire_put_request(b, 1, 16384, 16384);
    bt_wire_put_piece(b, 2, 0, (const uint8_t *)"abcd", 4);
    bt_wire_put_cancel(b, 1, 16384, 16384);
    bt_wire_put_port(b, 6881);
    static const char want[] = HS KA CHOKE UNCHOKE INTERESTED NOT_INTERESTED HAVE3 BITFIELD10 REQUEST PIECE CANCEL
        PORT;
    CU_ASSERT_EQUAL(b->len, sizeof want - 1);
    CU_ASSERT_EQUAL(memcmp(b->data, want, sizeof want - 1), 0);

    GByteArray *back = g_byte_array_new();
    bt_decoder *d = bt_decoder_new(10, 0);
    size_t off = 0;
    while (off < b->len) {
        bt_msg m;
        bt_wire_status st;
        off += bt_decoder_feed(d, b->data + off, b->len - off, &m, &st);
        CU_ASSERT_EQUAL_FATAL(st, BT_WIRE_MESSAGE);
        bt_wire_put_msg(back, &m);
    }
    CU_ASSERT_EQUAL(back->len, b->len);
    CU_ASSERT_EQUAL(memcmp(back->data, b->data, b->len), 0);
    bt_decoder_free(d);
    g_byte_array_unref(back);
    g_byte_array_unref(b);
    CU_ASSERT_STRING_EQUAL(bt_wire_error_text(BT_WIRE_ERR_TOO_LONG), "message longer than the maximum");
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_transcripts), TEST(test_malformed), TEST(test_unknown_counted), TEST(test_largest_piece),
        TEST(test_borrowed_span), TEST(test_encoders),
    };
    return test_main("protocols/bt/wire", tests, (int)G_N_ELEMENTS(tests));
}
