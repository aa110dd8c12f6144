/*
 * core_input: the input of a server core that may pause. A line-protocol
 * server core (FTP, SMTP, POP3, IMAP) stops taking bytes while its output
 * is high; what it leaves of a delivery waits here, the stream stops
 * reading until all of it has been fed, and later deliveries queue behind
 * it, so the core sees the bytes in order and a client that does not read
 * its replies cannot make the server buffer without bound.
 *
 * The owner says how to feed its core (`feed`, with the owner's pointer,
 * so it can set the core's clock first); `drain`, when given, is called
 * when the core stops early inside a delivery: it writes the core's output
 * to the stream and returns true when that made room, and feeding goes on;
 * `over`, when given, says the session ended inside the delivery: what is
 * left is dropped, not kept. Length-only deliveries of the simulator (data
 * NULL) are fed as zeros: they carry no commands.
 *
 * Costs: a delivery is copied only when the core leaves some of it.
 */
#ifndef APPSIM_SEAM_CORE_INPUT_H
#define APPSIM_SEAM_CORE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "stream.h"

typedef struct {
    size_t (*feed)(void *owner, const uint8_t *data, size_t len);
    bool (*drain)(void *owner); /* may be NULL */
    bool (*over)(void *owner);  /* may be NULL */
} core_input_ops;

typedef struct {
    GByteArray *pending; /* input the core paused in, not yet fed */
    const core_input_ops *ops;
    void *owner;
} core_input;

void core_input_init(core_input *in, const core_input_ops *ops, void *owner);
void core_input_clear(core_input *in);
/* Bytes waiting. */
static inline size_t core_input_waiting(const core_input *in) { return in->pending->len; }
/* Drops what waits (the stream's reading is left as it is). */
void core_input_discard(core_input *in);
/* A delivery from `s` (which may be NULL once gone). */
void core_input_deliver(core_input *in, stream_t *s, const uint8_t *data, size_t len);
/* Feeds what waits, once the owner's output has drained; `s` reads again
 * when nothing is left. Returns how many bytes the core took. */
size_t core_input_resume(core_input *in, stream_t *s);

#endif
