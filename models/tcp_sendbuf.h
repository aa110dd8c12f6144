/*
 * tcp_sendbuf: the bytes a TCP sender holds until they are acknowledged.
 *
 * A queue of chunks, each either real bytes (a copy of what the application
 * wrote) or length-only (no storage at all), so a 1 GB length-only response
 * costs one chunk. Bytes are addressed by their offset from the oldest
 * unacknowledged byte; acknowledged bytes are consumed from the front.
 *
 * Costs: append O(1); consume O(chunks consumed); extracting a segment
 * walks the chunks before its offset, O(chunks in flight), which stays small
 * because the send buffer bounds what is in flight.
 *
 * Ownership: embedded; tcp_sendbuf_init/tcp_sendbuf_clear.
 */
#ifndef APPSIM_TCP_SENDBUF_H
#define APPSIM_TCP_SENDBUF_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tcp_chunk tcp_chunk;

typedef struct {
    tcp_chunk *head, *tail;
    uint64_t head_off; /* bytes of the head chunk already consumed */
    uint64_t total;    /* bytes held */
} tcp_sendbuf;

void tcp_sendbuf_init(tcp_sendbuf *sb);
void tcp_sendbuf_clear(tcp_sendbuf *sb);
/* Appends `len` bytes: a copy of `data`, or length-only when NULL. */
void tcp_sendbuf_append(tcp_sendbuf *sb, const void *data, uint64_t len);
/* Drops the first `n` bytes (n <= total). */
void tcp_sendbuf_consume(tcp_sendbuf *sb, uint64_t n);
/* The bytes [off, off + len) (within the buffer): NULL when they are all
 * length-only, otherwise a new g_malloc'd copy with zeros where they are
 * not real. */
uint8_t *tcp_sendbuf_extract(const tcp_sendbuf *sb, uint64_t off, uint32_t len);

#endif
