/*
 * bt_wire: the BitTorrent peer wire protocol (BEP 3) as a sans-IO codec:
 * a streaming decoder of what a peer sends, and encoders of every message.
 *
 * A connection starts with the handshake, 68 bytes each way:
 *
 *     pstrlen (1 byte, 19)  "BitTorrent protocol" (19 bytes)
 *     reserved (8 bytes)    info_hash (20 bytes)   peer_id (20 bytes)
 *
 * then length-prefixed messages: a 4-byte big-endian length, then `length`
 * bytes, the first of which is the message id (a length 0 is a
 * keep-alive):
 *
 *     id  message         payload (after the id)               length
 *     0   choke           -                                    1
 *     1   unchoke         -                                    1
 *     2   interested      -                                    1
 *     3   not interested  -                                    1
 *     4   have            index                                5
 *     5   bitfield        ceil(pieces / 8) bytes, spare bits 0 1 + ceil(pieces / 8)
 *     6   request         index, begin, length                 13
 *     7   piece           index, begin, block                  9 + block
 *     8   cancel          index, begin, length                 13
 *     9   port            DHT port (2 bytes; parsed, ignored)  3
 *
 * Other ids are skipped (their bytes are read and dropped, nothing is
 * returned for them; bt_decoder_skipped() counts them).
 *
 * Decoding: feed the peer's bytes in any split (one byte at a time
 * included); each call consumes bytes up to the end of one message at
 * most and says whether a message is complete:
 *
 *     size_t off = 0;
 *     while (off < len) {
 *         bt_msg m;
 *         bt_wire_status st;
 *         off += bt_decoder_feed(d, data + off, len - off, &m, &st);
 *         if (st == BT_WIRE_MESSAGE) use(&m);
 *         else if (st == BT_WIRE_ERROR) { drop the peer: bt_decoder_error(d) says why; break; }
 *     }
 *
 * A piece's block and a bitfield are spans (`data`, `data_len`) borrowed
 * until the next call: into the caller's bytes when the whole message was
 * in one call, else into the decoder's buffer.
 *
 * Limits and errors (sticky: once failed, feed consumes nothing): a
 * message longer than the maximum (1 + 8 + max_block bytes, or a
 * bitfield's exact size when that is bigger) is an error as soon as its
 * length prefix is read, so the decoder never holds more than that; a
 * fixed-size message (choke to have, request, cancel, port) of another
 * length, a bitfield of a length other than 1 + ceil(pieces / 8) or with a
 * spare bit set, a have, request, cancel or piece whose index is not below
 * `pieces` are errors; in the handshake, a first byte other than 19 or a
 * protocol string other than "BitTorrent protocol" are errors as soon as
 * the wrong byte arrives. Whether a request's length or a piece's begin
 * fits the piece is the peer logic's business (bt_peer), which knows the
 * piece sizes.
 *
 * Costs: O(1) per byte; a message split across calls is copied once into
 * a buffer of at most the maximum message length (allocated when needed).
 * Ownership: bt_decoder_new/bt_decoder_free; encoders append to a caller's
 * GByteArray.
 */
#ifndef APPSIM_BT_WIRE_H
#define APPSIM_BT_WIRE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BT_PSTR "BitTorrent protocol"
#define BT_PSTRLEN 19
#define BT_HANDSHAKE_LEN 68          /* bytes of a handshake */
#define BT_BLOCK_SIZE 16384          /* bytes of a block requested (the last of a piece may be shorter) */
#define BT_PIECE_HEADER 9            /* id, index, begin before a piece's block */
#define BT_WIRE_MAX_PIECES (1u << 20) /* pieces a torrent may have here (a 128 KiB bitfield) */

typedef enum {
    BT_MSG_CHOKE = 0,
    BT_MSG_UNCHOKE = 1,
    BT_MSG_INTERESTED = 2,
    BT_MSG_NOT_INTERESTED = 3,
    BT_MSG_HAVE = 4,
    BT_MSG_BITFIELD = 5,
    BT_MSG_REQUEST = 6,
    BT_MSG_PIECE = 7,
    BT_MSG_CANCEL = 8,
    BT_MSG_PORT = 9,
    BT_MSG_KEEPALIVE = 100,  /* length 0 */
    BT_MSG_HANDSHAKE = 101,
} bt_msg_kind;

const char *bt_msg_name(bt_msg_kind k);

/* One message. Fields not named for a kind are zero. */
typedef struct {
    bt_msg_kind kind;
    uint32_t index;        /* HAVE, REQUEST, PIECE, CANCEL */
    uint32_t begin;        /* REQUEST, PIECE, CANCEL: byte offset in the piece */
    uint32_t length;       /* REQUEST, CANCEL: bytes asked for; PIECE: the block's bytes */
    uint16_t port;         /* PORT */
    const uint8_t *data;   /* PIECE: the block; BITFIELD: the bits (borrowed until the next feed) */
    size_t data_len;       /* bytes at data */
    uint8_t reserved[8];   /* HANDSHAKE */
    uint8_t info_hash[20]; /* HANDSHAKE */
    uint8_t peer_id[20];   /* HANDSHAKE */
} bt_msg;

typedef enum {
    BT_WIRE_NEED_MORE,
    BT_WIRE_MESSAGE,
    BT_WIRE_ERROR,
} bt_wire_status;

#define BT_WIRE_ERRORS(X)                                                                          \
    X(BT_WIRE_OK, "no error")                                                                      \
    X(BT_WIRE_ERR_PSTRLEN, "handshake: protocol string length is not 19")                          \
    X(BT_WIRE_ERR_PSTR, "handshake: protocol is not \"BitTorrent protocol\"")                      \
    X(BT_WIRE_ERR_TOO_LONG, "message longer than the maximum")                                     \
    X(BT_WIRE_ERR_LENGTH, "wrong length for a fixed-size message")                                 \
    X(BT_WIRE_ERR_BITFIELD_LENGTH, "bitfield length is not ceil(pieces / 8)")                      \
    X(BT_WIRE_ERR_BITFIELD_SPARE, "bitfield has a spare bit set")                                  \
    X(BT_WIRE_ERR_INDEX, "piece index out of range")

typedef enum {
#define BT_WIRE_ERROR_ENUM(name, text) name,
    BT_WIRE_ERRORS(BT_WIRE_ERROR_ENUM)
#undef BT_WIRE_ERROR_ENUM
} bt_wire_error;

const char *bt_wire_error_text(bt_wire_error e);

typedef struct bt_decoder bt_decoder;

/* pieces: the torrent's piece count (1 to BT_WIRE_MAX_PIECES; 0 or more
 * is taken as 1 or BT_WIRE_MAX_PIECES); max_block: the largest block a
 * piece message may carry (0: BT_BLOCK_SIZE). */
bt_decoder *bt_decoder_new(uint32_t pieces, uint32_t max_block);
void bt_decoder_free(bt_decoder *d);
/* Consumes bytes up to the end of at most one message; *st says whether
 * `msg` holds one. 0 for NULL data or once failed. */
size_t bt_decoder_feed(bt_decoder *d, const uint8_t *data, size_t len, bt_msg *msg, bt_wire_status *st);
bt_wire_error bt_decoder_error(const bt_decoder *d);
/* The largest length prefix accepted (bytes after the prefix). */
uint32_t bt_decoder_max_message(const bt_decoder *d);
/* Bytes the decoder holds of a message not yet complete. */
size_t bt_decoder_buffered(const bt_decoder *d);
/* Messages of unknown ids skipped so far. */
uint64_t bt_decoder_skipped(const bt_decoder *d);
/* Whether the handshake has been read. */
bool bt_decoder_handshaken(const bt_decoder *d);

/* Encoders: each appends one message to `out`. reserved NULL: zeros. */
void bt_wire_put_handshake(GByteArray *out, const uint8_t *reserved, const uint8_t info_hash[20],
                           const uint8_t peer_id[20]);
void bt_wire_put_keepalive(GByteArray *out);
/* CHOKE, UNCHOKE, INTERESTED or NOT_INTERESTED. */
void bt_wire_put_simple(GByteArray *out, bt_msg_kind kind);
void bt_wire_put_have(GByteArray *out, uint32_t index);
void bt_wire_put_bitfield(GByteArray *out, const uint8_t *bits, size_t nbytes);
void bt_wire_put_request(GByteArray *out, uint32_t index, uint32_t begin, uint32_t length);
void bt_wire_put_cancel(GByteArray *out, uint32_t index, uint32_t begin, uint32_t length);
void bt_wire_put_piece(GByteArray *out, uint32_t index, uint32_t begin, const uint8_t *block, uint32_t len);
/* A piece message's prefix and header only; the caller appends the
 * `len` bytes of the block. */
void bt_wire_put_piece_header(GByteArray *out, uint32_t index, uint32_t begin, uint32_t len);
void bt_wire_put_port(GByteArray *out, uint16_t port);
/* Any message as decoded (the inverse of the decoder). */
void bt_wire_put_msg(GByteArray *out, const bt_msg *m);

/* Big-endian 32-bit helpers. */
uint32_t bt_get32(const uint8_t *p);
void bt_put32(uint8_t *p, uint32_t v);

#endif
