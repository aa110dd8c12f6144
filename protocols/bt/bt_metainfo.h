/*
 * bt_metainfo: the .torrent file of BEP 3 (a bencoded dictionary), single
 * file mode: parse one, build one from a file's contents, check a piece
 * against its hash.
 *
 * Parsing (bt_metainfo_parse) requires, in the top dictionary:
 *   announce            a byte string of 1 to BT_MAX_ANNOUNCE printable
 *                       ASCII bytes (0x21 to 0x7e)
 *   info                a dictionary with
 *     name              a safe file name (bt_name_is_safe)
 *     piece length      an integer from 1 to BT_MAX_PIECE_LENGTH
 *     length            an integer from 1 to BT_MAX_LENGTH
 *     pieces            a byte string of 20 * ceil(length / piece length)
 *                       bytes (the SHA-1 of each piece), at most
 *                       BT_MAX_PIECES pieces
 * Other keys are ignored (they still count in the info-hash). An info
 * dictionary with "files" (multi-file mode) is refused with
 * BT_METAINFO_ERROR_MULTI_FILE. The whole file is at most
 * BT_METAINFO_MAX_SIZE bytes, nested at most 32 deep, with at most 65536
 * values (bencode.h's limits); a bencoding error is reported with its
 * offset. The info-hash is the SHA-1 of the raw bytes of the "info" value
 * as they are in the file.
 *
 * Building (bt_metainfo_build, bt_metainfo_build_from_data) writes the
 * canonical bencoding of {announce, info {length, name, piece length,
 * pieces}}, the same rules checked on the way in, so what it builds
 * parses back.
 *
 * Pieces: piece i (0-based) has piece_length bytes except the last, which
 * has length - (count - 1) * piece_length (bt_metainfo_piece_size).
 *
 * Costs: parsing is bencode's decoding plus one SHA-1 of the info bytes;
 * building hashes every byte of the content once.
 * Ownership: bt_metainfo_parse -> bt_metainfo_free; the fields are the
 * metainfo's (read them, do not change them). Built bytes are a new
 * GByteArray (g_byte_array_unref).
 */
#ifndef APPSIM_BT_METAINFO_H
#define APPSIM_BT_METAINFO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BT_SHA1_LEN 20
#define BT_METAINFO_MAX_SIZE ((size_t)32 * 1024 * 1024) /* bytes of a .torrent */
#define BT_MAX_ANNOUNCE 2048                            /* bytes of the announce URL */
#define BT_MAX_NAME 255                                 /* bytes of info.name */
#define BT_MAX_PIECE_LENGTH ((uint64_t)64 * 1024 * 1024) /* bytes of one piece */
#define BT_MAX_LENGTH ((uint64_t)1 << 40)               /* bytes of the file (1 TiB) */
#define BT_MAX_PIECES ((uint64_t)1 << 20)               /* pieces of the file */

#define BT_METAINFO_ERROR (bt_metainfo_error_quark())
GQuark bt_metainfo_error_quark(void);

typedef enum {
    BT_METAINFO_ERROR_BENCODE,    /* not valid bencoding (the message has the offset) */
    BT_METAINFO_ERROR_MISSING,    /* a required key is absent */
    BT_METAINFO_ERROR_INVALID,    /* a key has the wrong type or an out-of-range value */
    BT_METAINFO_ERROR_MULTI_FILE, /* multi-file mode, not supported */
} bt_metainfo_error_code;

typedef struct {
    char *announce;                  /* NUL-terminated */
    char *name;                      /* NUL-terminated, a safe file name */
    uint64_t piece_length;           /* bytes */
    uint64_t length;                 /* bytes of the file */
    uint32_t piece_count;            /* ceil(length / piece_length) */
    uint8_t *pieces;                 /* piece_count * BT_SHA1_LEN bytes */
    uint8_t info_hash[BT_SHA1_LEN];  /* SHA-1 of the raw info value */
    uint8_t *info;                   /* the raw info value's bytes */
    size_t info_len;
} bt_metainfo;

typedef enum {
    BT_PIECE_OK,
    BT_PIECE_MISMATCH,  /* the bytes' SHA-1 is not the piece's hash */
    BT_PIECE_BAD_INDEX, /* no such piece */
    BT_PIECE_BAD_SIZE,  /* not the piece's size */
} bt_piece_check;

bt_metainfo *bt_metainfo_parse(const uint8_t *data, size_t len, GError **error);
void bt_metainfo_free(bt_metainfo *m);

/* Whether name[0, len) is a safe file name: 1 to BT_MAX_NAME bytes, no
 * '/', '\\', NUL or other control byte (below 0x20, 0x7f), not "." or
 * "..". */
bool bt_name_is_safe(const char *name, size_t len);

/* Bytes of piece `index`; 0 when there is no such piece. */
uint64_t bt_metainfo_piece_size(const bt_metainfo *m, uint32_t index);

/* Checks data[0, len) as piece `index`. */
bt_piece_check bt_metainfo_check_piece(const bt_metainfo *m, uint32_t index, const uint8_t *data, size_t len);

/* The .torrent of a file of `length` bytes whose piece hashes are
 * pieces[0, 20 * ceil(length / piece_length)). NULL and a GError
 * (BT_METAINFO_ERROR_INVALID) when a value breaks the parsing rules. */
GByteArray *bt_metainfo_build(const char *name, uint64_t length, uint64_t piece_length, const uint8_t *pieces,
                              const char *announce, GError **error);

/* The same, hashing the file's contents data[0, len) itself. */
GByteArray *bt_metainfo_build_from_data(const char *name, const uint8_t *data, size_t len, uint64_t piece_length,
                                        const char *announce, GError **error);

/* The SHA-1 of data[0, len) into out. */
void bt_sha1(const uint8_t *data, size_t len, uint8_t out[BT_SHA1_LEN]);

#endif
