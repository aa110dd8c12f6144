/*
 * bt_storage: the memory and synthetic stores of a BitTorrent peer (see
 * bt_storage.h).
 */
#include "bt_storage.h"
#include "bt_rng.h"

#include <glib.h>
#include <string.h>

#include "bt_wire.h"

struct bt_storage {
    bt_storage_ops ops;
    uint64_t total;
    uint32_t piece_length;
    uint8_t *bytes;        /* memory: total bytes; synthetic: NULL */
    uint64_t seed;         /* synthetic */
    int64_t corrupt_piece; /* synthetic: reads of it are wrong; -1 none */
    uint8_t *bad;          /* synthetic: per piece, a wrong byte was written */
    uint32_t pieces;
};

/* Whether [piece, begin, len) lies inside the content; its offset. */
static bool locate(const bt_storage *s, uint32_t piece, uint32_t begin, uint32_t len, uint64_t *off)
{
    if (piece >= s->pieces || begin > s->piece_length || len > s->piece_length - begin)
        return false;
    uint64_t o = (uint64_t)piece * s->piece_length + begin;
    if (o > s->total || len > s->total - o)
        return false;
    *off = o;
    return true;
}

static bool mem_read(void *ud, uint32_t piece, uint32_t begin, uint8_t *buf, uint32_t len)
{
    bt_storage *s = ud;
    uint64_t off;
    if (!locate(s, piece, begin, len, &off))
        return false;
    memcpy(buf, s->bytes + off, len);
    return true;
}

static bool mem_write(void *ud, uint32_t piece, uint32_t begin, const uint8_t *data, uint32_t len)
{
    bt_storage *s = ud;
    uint64_t off;
    if (!locate(s, piece, begin, len, &off))
        return false;
    memcpy(s->bytes + off, data, len);
    return true;
}

uint8_t bt_synthetic_byte(uint64_t seed, uint64_t offset)
{
    uint64_t w = bt_mix64(seed * UINT64_C(0x9E3779B97F4A7C15) + (offset >> 3) + 1);
    return (uint8_t)(w >> ((offset & 7) * 8));
}

void bt_synthetic_fill(uint64_t seed, uint64_t offset, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = bt_synthetic_byte(seed, offset + i);
}

static bool syn_read(void *ud, uint32_t piece, uint32_t begin, uint8_t *buf, uint32_t len)
{
    bt_storage *s = ud;
    uint64_t off;
    if (!locate(s, piece, begin, len, &off))
        return false;
    bt_synthetic_fill(s->seed, off, buf, len);
    if (len && ((int64_t)piece == s->corrupt_piece || (s->bad[piece] && begin == 0)))
        buf[0] ^= 0x5A;
    return true;
}

static bool syn_write(void *ud, uint32_t piece, uint32_t begin, const uint8_t *data, uint32_t len)
{
    bt_storage *s = ud;
    uint64_t off;
    if (!locate(s, piece, begin, len, &off))
        return false;
    for (uint32_t i = 0; i < len; i++) {
        if (data[i] != bt_synthetic_byte(s->seed, off + i)) {
            s->bad[piece] = 1;
            break;
        }
    }
    return true;
}

static void syn_discard(void *ud, uint32_t piece)
{
    bt_storage *s = ud;
    if (piece < s->pieces)
        s->bad[piece] = 0;
}

static bt_storage *storage_new(uint64_t total, uint32_t piece_length)
{
    if (piece_length == 0 || total == 0)
        return NULL;
    uint64_t pieces = (total + piece_length - 1) / piece_length;
    if (pieces > BT_WIRE_MAX_PIECES)
        return NULL;
    bt_storage *s = g_new0(bt_storage, 1);
    s->total = total;
    s->piece_length = piece_length;
    s->pieces = (uint32_t)pieces;
    s->corrupt_piece = -1;
    return s;
}

bt_storage *bt_storage_memory_new(uint64_t total_length, uint32_t piece_length, const uint8_t *data)
{
    bt_storage *s = storage_new(total_length, piece_length);
    if (!s)
        return NULL;
    s->bytes = data ? g_memdup2(data, total_length) : g_malloc0(total_length);
    s->ops.read = mem_read;
    s->ops.write = mem_write;
    return s;
}

bt_storage *bt_storage_synthetic_new(uint64_t total_length, uint32_t piece_length, uint64_t seed,
                                     int64_t corrupt_piece)
{
    bt_storage *s = storage_new(total_length, piece_length);
    if (!s)
        return NULL;
    s->seed = seed;
    s->corrupt_piece = corrupt_piece;
    s->bad = g_malloc0(s->pieces);
    s->ops.read = syn_read;
    s->ops.write = syn_write;
    s->ops.discard = syn_discard;
    return s;
}

void bt_storage_free(bt_storage *s)
{
    if (!s)
        return;
    g_free(s->bytes);
    g_free(s->bad);
    g_free(s);
}

const bt_storage_ops *bt_storage_ops_of(const bt_storage *s)
{
    return &s->ops;
}

const uint8_t *bt_storage_memory_bytes(const bt_storage *s)
{
    return s->bytes;
}

uint8_t *bt_storage_piece_hashes(const bt_storage_ops *ops, void *ud, uint64_t total_length,
                                 uint32_t piece_length)
{
    if (piece_length == 0 || total_length == 0)
        return NULL;
    uint64_t pieces = (total_length + piece_length - 1) / piece_length;
    if (pieces > BT_WIRE_MAX_PIECES)
        return NULL;
    uint8_t *out = g_malloc((size_t)pieces * 20);
    uint8_t *buf = g_malloc(BT_BLOCK_SIZE);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
    for (uint32_t p = 0; p < pieces; p++) {
        uint64_t start = (uint64_t)p * piece_length;
        uint32_t plen = (uint32_t)MIN((uint64_t)piece_length, total_length - start);
        g_checksum_reset(ck);
        for (uint32_t b = 0; b < plen; b += BT_BLOCK_SIZE) {
            uint32_t n = MIN((uint32_t)BT_BLOCK_SIZE, plen - b);
            if (!ops->read(ud, p, b, buf, n)) {
                g_checksum_free(ck);
                g_free(buf);
                g_free(out);
                return NULL;
            }
            g_checksum_update(ck, buf, n);
        }
        gsize dlen = 20;
        g_checksum_get_digest(ck, out + (size_t)p * 20, &dlen);
    }
    g_checksum_free(ck);
    g_free(buf);
    return out;
}
