/*
 * bt_storage: where a BitTorrent peer (bt_peer.h) keeps a torrent's
 * bytes, behind a small table of operations, and two stores of its own.
 *
 * The peer reads blocks to serve requests and to check a completed
 * piece's SHA-1, writes the blocks it receives, and says when a piece
 * failed its check (discard). A file store on real sockets implements the
 * table over a file; the simulator uses the synthetic store, whose content
 * is a function of (seed, offset) and which holds one flag per piece
 * instead of the bytes, so a swarm of hundreds of peers costs no memory
 * per byte of the file.
 *
 * - bt_storage_memory: the whole content in memory (tests, small files).
 *   Created empty (zeros) or from the caller's bytes (copied).
 * - bt_storage_synthetic: byte i of the content is bt_synthetic_byte(seed,
 *   i). A write is compared with that content; a piece into which a wrong
 *   byte was written reads back with its first byte changed (so its hash
 *   fails) until discard(). `corrupt_piece` >= 0 makes a store whose reads of
 *   that piece return wrong bytes (every block's first byte changed: a peer
 *   that serves corrupted data, for tests and scenarios). Memory: one byte per piece.
 *
 * Ownership: bt_storage_*_new / bt_storage_free; the ops and ud a store
 * gives are borrowed from it.
 */
#ifndef APPSIM_BT_STORAGE_H
#define APPSIM_BT_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Offsets are (piece, begin within the piece); lengths at most a block
 * (BT_BLOCK_SIZE) when the peer calls them. read and write return false
 * when the store cannot (the peer drops the connection it served, or
 * counts the block as not received). discard may be NULL. */
typedef struct {
    bool (*read)(void *ud, uint32_t piece, uint32_t begin, uint8_t *buf, uint32_t len);
    bool (*write)(void *ud, uint32_t piece, uint32_t begin, const uint8_t *data, uint32_t len);
    void (*discard)(void *ud, uint32_t piece);
} bt_storage_ops;

typedef struct bt_storage bt_storage;

/* data NULL: zeros. */
bt_storage *bt_storage_memory_new(uint64_t total_length, uint32_t piece_length, const uint8_t *data);
/* corrupt_piece < 0: none. */
bt_storage *bt_storage_synthetic_new(uint64_t total_length, uint32_t piece_length, uint64_t seed,
                                     int64_t corrupt_piece);
void bt_storage_free(bt_storage *s);
const bt_storage_ops *bt_storage_ops_of(const bt_storage *s);
/* The memory store's bytes (NULL for a synthetic store). */
const uint8_t *bt_storage_memory_bytes(const bt_storage *s);

/* Byte `offset` of the synthetic content of `seed`. */
uint8_t bt_synthetic_byte(uint64_t seed, uint64_t offset);
/* Fills buf with bytes [offset, offset + len) of that content. */
void bt_synthetic_fill(uint64_t seed, uint64_t offset, uint8_t *buf, size_t len);

/* The SHA-1 of every piece of a store, 20 bytes each (a new array,
 * g_free), read through its ops in blocks; NULL when a read fails. */
uint8_t *bt_storage_piece_hashes(const bt_storage_ops *ops, void *ud, uint64_t total_length,
                                 uint32_t piece_length);

#endif
