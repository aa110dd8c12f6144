/*
 * bt_wire: the BEP 3 peer wire codec (see bt_wire.h).
 *
 * The decoder is a small state machine: the handshake's 68 bytes, then
 * for each message its 4-byte length prefix, then its body. A body that
 * arrives whole in one call is parsed in place (the caller's bytes are
 * borrowed); one split across calls is gathered in `buf`, at most the
 * maximum message length. Bodies of unknown ids are counted down and
 * dropped without being held.
 */
#include "bt_wire.h"

#include <string.h>

typedef enum {
    DEC_HANDSHAKE,
    DEC_LENGTH,
    DEC_BODY,
    DEC_SKIP,
    DEC_FAILED,
} dec_state;

struct bt_decoder {
    dec_state state;
    bt_wire_error error;
    uint32_t pieces;
    uint32_t bitfield_bytes; /* ceil(pieces / 8) */
    uint32_t max_block;
    uint32_t max_message;    /* the largest length prefix accepted */
    uint8_t hs[BT_HANDSHAKE_LEN];
    size_t hs_have;
    uint8_t prefix[4];
    size_t prefix_have;
    uint32_t need;           /* DEC_BODY: the body's length; DEC_SKIP: bytes left to drop */
    uint8_t *buf;            /* max_message bytes, allocated at the first split body */
    size_t buf_have;
    uint64_t skipped;
};

static const char *const error_texts[] = {
#define BT_WIRE_ERROR_TEXT(name, text) text,
    BT_WIRE_ERRORS(BT_WIRE_ERROR_TEXT)
#undef BT_WIRE_ERROR_TEXT
};

const char *bt_wire_error_text(bt_wire_error e)
{
    if ((size_t)e >= G_N_ELEMENTS(error_texts))
        return "unknown error";
    return error_texts[e];
}

const char *bt_msg_name(bt_msg_kind k)
{
    switch (k) {
    case BT_MSG_CHOKE: return "choke";
    case BT_MSG_UNCHOKE: return "unchoke";
    case BT_MSG_INTERESTED: return "interested";
    case BT_MSG_NOT_INTERESTED: return "not interested";
    case BT_MSG_HAVE: return "have";
    case BT_MSG_BITFIELD: return "bitfield";
    case BT_MSG_REQUEST: return "request";
    case BT_MSG_PIECE: return "piece";
    case BT_MSG_CANCEL: return "cancel";
    case BT_MSG_PORT: return "port";
    case BT_MSG_KEEPALIVE: return "keep-alive";
    case BT_MSG_HANDSHAKE: return "handshake";
    }
    return "unknown";
}

uint32_t bt_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

void bt_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

bt_decoder *bt_decoder_new(uint32_t pieces, uint32_t max_block)
{
    bt_decoder *d = g_new0(bt_decoder, 1);
    if (pieces == 0)
        pieces = 1;
    if (pieces > BT_WIRE_MAX_PIECES)
        pieces = BT_WIRE_MAX_PIECES;
    d->pieces = pieces;
    d->bitfield_bytes = (pieces + 7) / 8;
    d->max_block = max_block ? max_block : BT_BLOCK_SIZE;
    if (d->max_block > (1u << 24))
        d->max_block = 1u << 24;
    d->max_message = MAX(1 + 8 + d->max_block, 1 + d->bitfield_bytes);
    d->state = DEC_HANDSHAKE;
    return d;
}

void bt_decoder_free(bt_decoder *d)
{
    if (!d)
        return;
    g_free(d->buf);
    g_free(d);
}

bt_wire_error bt_decoder_error(const bt_decoder *d)
{
    return d->error;
}

uint32_t bt_decoder_max_message(const bt_decoder *d)
{
    return d->max_message;
}

size_t bt_decoder_buffered(const bt_decoder *d)
{
    switch (d->state) {
    case DEC_HANDSHAKE: return d->hs_have;
    case DEC_LENGTH: return d->prefix_have;
    case DEC_BODY: return d->buf_have;
    default: return 0;
    }
}

uint64_t bt_decoder_skipped(const bt_decoder *d)
{
    return d->skipped;
}

bool bt_decoder_handshaken(const bt_decoder *d)
{
    return d->state != DEC_HANDSHAKE && !(d->state == DEC_FAILED && d->hs_have < BT_HANDSHAKE_LEN);
}

static void fail(bt_decoder *d, bt_wire_error e, bt_wire_status *st)
{
    d->state = DEC_FAILED;
    d->error = e;
    *st = BT_WIRE_ERROR;
}

/* The length a message of id `id` must have; 0 when any length up to the
 * maximum is right (piece), UINT32_MAX for an unknown id. */
static uint32_t fixed_length(const bt_decoder *d, uint8_t id)
{
    switch (id) {
    case BT_MSG_CHOKE:
    case BT_MSG_UNCHOKE:
    case BT_MSG_INTERESTED:
    case BT_MSG_NOT_INTERESTED:
        return 1;
    case BT_MSG_HAVE:
        return 5;
    case BT_MSG_BITFIELD:
        return 1 + d->bitfield_bytes;
    case BT_MSG_REQUEST:
    case BT_MSG_CANCEL:
        return 13;
    case BT_MSG_PIECE:
        return 0;
    case BT_MSG_PORT:
        return 3;
    default:
        return UINT32_MAX;
    }
}

/* Checks a body's length against its id as soon as both are known. */
static bool length_fits(bt_decoder *d, uint8_t id, uint32_t len, bt_wire_status *st)
{
    uint32_t want = fixed_length(d, id);
    if (want == UINT32_MAX || want == len)
        return true;
    if (want == 0) {
        if (len >= BT_PIECE_HEADER)
            return true;
        fail(d, BT_WIRE_ERR_LENGTH, st);
        return false;
    }
    fail(d, id == BT_MSG_BITFIELD ? BT_WIRE_ERR_BITFIELD_LENGTH : BT_WIRE_ERR_LENGTH, st);
    return false;
}

/* Parses a whole body (its length already checked). */
static void parse_body(bt_decoder *d, const uint8_t *b, uint32_t len, bt_msg *m, bt_wire_status *st)
{
    memset(m, 0, sizeof *m);
    m->kind = (bt_msg_kind)b[0];
    switch (b[0]) {
    case BT_MSG_HAVE:
        m->index = bt_get32(b + 1);
        break;
    case BT_MSG_BITFIELD: {
        uint32_t spare = d->bitfield_bytes * 8 - d->pieces;
        if (spare && (b[len - 1] & (uint8_t)((1u << spare) - 1))) {
            fail(d, BT_WIRE_ERR_BITFIELD_SPARE, st);
            return;
        }
        m->data = b + 1;
        m->data_len = len - 1;
        break;
    }
    case BT_MSG_REQUEST:
    case BT_MSG_CANCEL:
        m->index = bt_get32(b + 1);
        m->begin = bt_get32(b + 5);
        m->length = bt_get32(b + 9);
        break;
    case BT_MSG_PIECE:
        m->index = bt_get32(b + 1);
        m->begin = bt_get32(b + 5);
        m->length = len - BT_PIECE_HEADER;
        m->data = b + BT_PIECE_HEADER;
        m->data_len = m->length;
        break;
    case BT_MSG_PORT:
        m->port = (uint16_t)((b[1] << 8) | b[2]);
        break;
    default:
        break;
    }
    if ((m->kind == BT_MSG_HAVE || m->kind == BT_MSG_REQUEST || m->kind == BT_MSG_CANCEL
         || m->kind == BT_MSG_PIECE) && m->index >= d->pieces) {
        fail(d, BT_WIRE_ERR_INDEX, st);
        return;
    }
    *st = BT_WIRE_MESSAGE;
}

static const uint8_t pstr[BT_PSTRLEN] = "BitTorrent protocol";

static size_t feed_handshake(bt_decoder *d, const uint8_t *data, size_t len, bt_msg *m, bt_wire_status *st)
{
    size_t used = 0;
    while (used < len && d->hs_have < BT_HANDSHAKE_LEN) {
        uint8_t c = data[used++];
        size_t at = d->hs_have;
        d->hs[d->hs_have++] = c;
        if (at == 0 && c != BT_PSTRLEN) {
            fail(d, BT_WIRE_ERR_PSTRLEN, st);
            return used;
        }
        if (at >= 1 && at <= BT_PSTRLEN && c != pstr[at - 1]) {
            fail(d, BT_WIRE_ERR_PSTR, st);
            return used;
        }
    }
    if (d->hs_have < BT_HANDSHAKE_LEN)
        return used;
    memset(m, 0, sizeof *m);
    m->kind = BT_MSG_HANDSHAKE;
    memcpy(m->reserved, d->hs + 20, 8);
    memcpy(m->info_hash, d->hs + 28, 20);
    memcpy(m->peer_id, d->hs + 48, 20);
    d->state = DEC_LENGTH;
    *st = BT_WIRE_MESSAGE;
    return used;
}

size_t bt_decoder_feed(bt_decoder *d, const uint8_t *data, size_t len, bt_msg *msg, bt_wire_status *st)
{
    *st = d->state == DEC_FAILED ? BT_WIRE_ERROR : BT_WIRE_NEED_MORE;
    if (!data || d->state == DEC_FAILED)
        return 0;
    size_t used = 0;
    while (used < len) {
        switch (d->state) {
        case DEC_HANDSHAKE:
            return feed_handshake(d, data, len, msg, st);
        case DEC_LENGTH: {
            while (used < len && d->prefix_have < 4)
                d->prefix[d->prefix_have++] = data[used++];
            if (d->prefix_have < 4)
                return used;
            d->prefix_have = 0;
            uint32_t n = bt_get32(d->prefix);
            if (n == 0) {
                memset(msg, 0, sizeof *msg);
                msg->kind = BT_MSG_KEEPALIVE;
                *st = BT_WIRE_MESSAGE;
                return used;
            }
            if (n > d->max_message) {
                fail(d, BT_WIRE_ERR_TOO_LONG, st);
                return used;
            }
            d->need = n;
            d->buf_have = 0;
            d->state = DEC_BODY;
            break;
        }
        case DEC_BODY: {
            if (d->buf_have == 0) {
                /* The id is the body's first byte: check the length now. */
                uint8_t id = data[used];
                if (!length_fits(d, id, d->need, st))
                    return used;
                if (fixed_length(d, id) == UINT32_MAX) {
                    d->skipped++;
                    d->state = DEC_SKIP;
                    break;
                }
                if (len - used >= d->need) {
                    const uint8_t *b = data + used;
                    used += d->need;
                    d->state = DEC_LENGTH;
                    parse_body(d, b, d->need, msg, st);
                    return used;
                }
                if (!d->buf)
                    d->buf = g_malloc(d->max_message);
            }
            size_t take = MIN(len - used, (size_t)d->need - d->buf_have);
            memcpy(d->buf + d->buf_have, data + used, take);
            d->buf_have += take;
            used += take;
            if (d->buf_have < d->need)
                return used;
            d->state = DEC_LENGTH;
            d->buf_have = 0;
            parse_body(d, d->buf, d->need, msg, st);
            return used;
        }
        case DEC_SKIP: {
            size_t take = MIN(len - used, (size_t)d->need);
            used += take;
            d->need -= (uint32_t)take;
            if (d->need == 0)
                d->state = DEC_LENGTH;
            break;
        }
        case DEC_FAILED:
            *st = BT_WIRE_ERROR;
            return used;
        }
    }
    return used;
}

/* ---- encoders ---- */

static void put_prefix(GByteArray *out, uint32_t len)
{
    uint8_t b[4];
    bt_put32(b, len);
    g_byte_array_append(out, b, 4);
}

void bt_wire_put_handshake(GByteArray *out, const uint8_t *reserved, const uint8_t info_hash[20],
                           const uint8_t peer_id[20])
{
    static const uint8_t zeros[8];
    uint8_t n = BT_PSTRLEN;
    g_byte_array_append(out, &n, 1);
    g_byte_array_append(out, pstr, BT_PSTRLEN);
    g_byte_array_append(out, reserved ? reserved : zeros, 8);
    g_byte_array_append(out, info_hash, 20);
    g_byte_array_append(out, peer_id, 20);
}

void bt_wire_put_keepalive(GByteArray *out)
{
    put_prefix(out, 0);
}

void bt_wire_put_simple(GByteArray *out, bt_msg_kind kind)
{
    uint8_t id = (uint8_t)kind;
    put_prefix(out, 1);
    g_byte_array_append(out, &id, 1);
}

void bt_wire_put_have(GByteArray *out, uint32_t index)
{
    uint8_t b[9];
    bt_put32(b, 5);
    b[4] = BT_MSG_HAVE;
    bt_put32(b + 5, index);
    g_byte_array_append(out, b, sizeof b);
}

void bt_wire_put_bitfield(GByteArray *out, const uint8_t *bits, size_t nbytes)
{
    uint8_t id = BT_MSG_BITFIELD;
    put_prefix(out, (uint32_t)(nbytes + 1));
    g_byte_array_append(out, &id, 1);
    if (nbytes)
        g_byte_array_append(out, bits, (guint)nbytes);
}

static void put_triple(GByteArray *out, uint8_t id, uint32_t index, uint32_t begin, uint32_t length)
{
    uint8_t b[17];
    bt_put32(b, 13);
    b[4] = id;
    bt_put32(b + 5, index);
    bt_put32(b + 9, begin);
    bt_put32(b + 13, length);
    g_byte_array_append(out, b, sizeof b);
}

void bt_wire_put_request(GByteArray *out, uint32_t index, uint32_t begin, uint32_t length)
{
    put_triple(out, BT_MSG_REQUEST, index, begin, length);
}

void bt_wire_put_cancel(GByteArray *out, uint32_t index, uint32_t begin, uint32_t length)
{
    put_triple(out, BT_MSG_CANCEL, index, begin, length);
}

void bt_wire_put_piece_header(GByteArray *out, uint32_t index, uint32_t begin, uint32_t len)
{
    uint8_t b[13];
    bt_put32(b, BT_PIECE_HEADER + len);
    b[4] = BT_MSG_PIECE;
    bt_put32(b + 5, index);
    bt_put32(b + 9, begin);
    g_byte_array_append(out, b, sizeof b);
}

void bt_wire_put_piece(GByteArray *out, uint32_t index, uint32_t begin, const uint8_t *block, uint32_t len)
{
    bt_wire_put_piece_header(out, index, begin, len);
    if (len)
        g_byte_array_append(out, block, len);
}

void bt_wire_put_port(GByteArray *out, uint16_t port)
{
    uint8_t b[7];
    bt_put32(b, 3);
    b[4] = BT_MSG_PORT;
    b[5] = (uint8_t)(port >> 8);
    b[6] = (uint8_t)port;
    g_byte_array_append(out, b, sizeof b);
}

void bt_wire_put_msg(GByteArray *out, const bt_msg *m)
{
    switch (m->kind) {
    case BT_MSG_CHOKE:
    case BT_MSG_UNCHOKE:
    case BT_MSG_INTERESTED:
    case BT_MSG_NOT_INTERESTED:
        bt_wire_put_simple(out, m->kind);
        break;
    case BT_MSG_HAVE:
        bt_wire_put_have(out, m->index);
        break;
    case BT_MSG_BITFIELD:
        bt_wire_put_bitfield(out, m->data, m->data_len);
        break;
    case BT_MSG_REQUEST:
        bt_wire_put_request(out, m->index, m->begin, m->length);
        break;
    case BT_MSG_PIECE:
        bt_wire_put_piece(out, m->index, m->begin, m->data, (uint32_t)m->data_len);
        break;
    case BT_MSG_CANCEL:
        bt_wire_put_cancel(out, m->index, m->begin, m->length);
        break;
    case BT_MSG_PORT:
        bt_wire_put_port(out, m->port);
        break;
    case BT_MSG_KEEPALIVE:
        bt_wire_put_keepalive(out);
        break;
    case BT_MSG_HANDSHAKE:
        bt_wire_put_handshake(out, m->reserved, m->info_hash, m->peer_id);
        break;
    }
}
