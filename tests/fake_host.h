/*
 * fake_host: a stream and a host for tests of protocol glue, without a
 * simulator or sockets. The stream keeps what is written (a write takes
 * at most `space` bytes, which the test sets) and records close, abort
 * and reading; the host's clock and one-shot timers move only when the
 * test calls fake_host_advance(), and its connect() hands out the stream
 * the test put in `connect`. Other host operations are absent.
 */
#ifndef APPSIM_TESTS_FAKE_HOST_H
#define APPSIM_TESTS_FAKE_HOST_H

#include <glib.h>

#include "seam/host.h"

typedef struct {
    stream_t base;
    GString *written;
    size_t space; /* bytes the next writes may take (SIZE_MAX at first) */
    bool closed, aborted, reading;
    const char *peer_host; /* the peer's address (borrowed); NULL: none */
    uint16_t peer_port;
} fake_stream;

typedef struct {
    int64_t at;
    host_timer_fn fn;
    void *ud;
    bool live;
} fake_timer;

typedef struct {
    host_env base;
    int64_t now;
    GArray *timers;       /* of fake_timer; id = index + 1 */
    fake_stream *connect; /* what connect() returns */
    /* When set, what connect() returns instead (NULL: refused). */
    fake_stream *(*connect_fn)(void *ud, const char *host, uint16_t port);
    void *connect_ud;
    /* The listener: its accept function, port (as asked), whether it is on. */
    stream_accept_fn accept;
    void *accept_ud;
    uint16_t listen_port;
    bool listening, refuse_listen;
} fake_host;

void fake_stream_init(fake_stream *f);
void fake_stream_clear(fake_stream *f); /* frees `written` */
/* Hands `text` to the stream's handler in pieces of `piece` bytes. */
void fake_stream_deliver(fake_stream *f, const char *text, size_t piece);

/* Hands the listener a new connection on `f` (the listener must be on). */
void fake_host_accept(fake_host *h, fake_stream *f);

void fake_host_init(fake_host *h);
void fake_host_clear(fake_host *h); /* frees the timers */
/* Moves the clock to `to`, running the timers due on the way, earliest
 * first (in the order they were set among equal times). */
void fake_host_advance(fake_host *h, int64_t to);

#endif
