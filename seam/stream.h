/*
 * stream: the stream seam, what a protocol application sees of TCP.
 *
 * A stream_t is one connection: a byte stream in each direction. The same
 * application code runs over simulated TCP (models/tcp.h) and over real
 * sockets (the GIO adapter): both implement this table of operations and
 * call back through this table of handlers.
 *
 * Contracts, for every implementation:
 *
 * - Callbacks are never made from inside an operation. write(), close() and
 *   the others only change state; the transport calls back later, from its
 *   own event (a scheduled event in the simulator, a main-loop dispatch on
 *   real sockets), possibly at the same simulated instant.
 * - Order of callbacks on one stream: connected (client side only, first),
 *   then any number of data and writable, then peer_closed at most once
 *   (the peer will send nothing more; we may still write), or error at most
 *   once. After error the stream is gone: do not touch it again.
 * - The application may call any operation from inside any callback,
 *   including close() and abort(); nothing is freed under the running
 *   callback. After close() or abort() no callback is made on the stream
 *   any more, and the application must not use it: the transport owns it
 *   and finishes the connection (FIN exchange, TIME_WAIT) on its own.
 * - data(): `data` is borrowed for the call. It may be NULL, which means
 *   `len` bytes whose content is not modelled (a length-only payload in the
 *   simulator, e.g. the body of a 1 GB object): applications that only
 *   count body bytes treat it like any other span.
 * - write() copies what it accepts and returns how much that is (0 when the
 *   send buffer is full). When it accepted less than asked, a writable()
 *   callback follows once there is room again. `data` NULL writes `len`
 *   length-only bytes (zeros on a real socket).
 * - set_reading(false) stops data() callbacks; unread bytes stay in the
 *   receive buffer, which shrinks the advertised window (flow control).
 *
 * Ownership: the transport owns a stream_t; the application owns the `ud`
 * it attaches with stream_set_handler().
 */
#ifndef APPSIM_SEAM_STREAM_H
#define APPSIM_SEAM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct stream stream_t;

/* Why a stream failed. The X-macro gives the enum and the names. */
#define STREAM_ERRORS(X)                                                                           \
    X(STREAM_ERR_NONE, "no error")                                                                 \
    X(STREAM_ERR_REFUSED, "connection refused (nobody listens on that port)")                      \
    X(STREAM_ERR_RESET, "connection reset by the peer")                                            \
    X(STREAM_ERR_TIMEOUT, "connection timed out (no answer after repeated retransmissions)")       \
    X(STREAM_ERR_UNREACHABLE, "no route to the host")                                              \
    X(STREAM_ERR_IO, "input/output error")

typedef enum {
#define STREAM_ERR_ENUM(name, text) name,
    STREAM_ERRORS(STREAM_ERR_ENUM)
#undef STREAM_ERR_ENUM
} stream_err;

const char *stream_err_text(stream_err err);

typedef struct {
    void (*connected)(void *ud, stream_t *s);
    void (*data)(void *ud, stream_t *s, const uint8_t *data, size_t len);
    void (*writable)(void *ud, stream_t *s);
    void (*peer_closed)(void *ud, stream_t *s);
    void (*error)(void *ud, stream_t *s, stream_err err);
} stream_handler;

/* One end of a connection: a host and a port. `host` is the node's name
 * in the simulator and an address literal ("127.0.0.1", "::1") on real
 * sockets; it is always NUL-terminated (a longer name is cut). */
typedef struct {
    char host[64];
    uint16_t port;
} stream_addr;

typedef struct {
    size_t (*write)(stream_t *s, const void *data, size_t len);
    size_t (*write_space)(const stream_t *s);
    void (*shutdown_write)(stream_t *s); /* send FIN after the data written so far */
    void (*close)(stream_t *s);          /* shutdown_write and stop all callbacks */
    void (*abort)(stream_t *s);          /* reset the connection at once */
    void (*set_reading)(stream_t *s, bool on);
    /* This end (peer false) or the other end (peer true) of the
     * connection; false when it is not known (yet), e.g. a real socket
     * whose connection is still being set up. */
    bool (*address)(const stream_t *s, bool peer, stream_addr *out);
} stream_ops;

struct stream {
    const stream_ops *ops;
    const stream_handler *handler; /* NULL members are simply not called */
    void *ud;
    uint64_t id; /* the connection's number, in creation order, for records */
};

/* Attaches the application's handler (typically in an accept callback). */
static inline void stream_set_handler(stream_t *s, const stream_handler *h, void *ud)
{
    s->handler = h;
    s->ud = ud;
}

static inline size_t stream_write(stream_t *s, const void *data, size_t len)
{
    return s->ops->write(s, data, len);
}
static inline size_t stream_write_space(const stream_t *s) { return s->ops->write_space(s); }
static inline void stream_shutdown_write(stream_t *s) { s->ops->shutdown_write(s); }
static inline void stream_close(stream_t *s) { s->ops->close(s); }
static inline void stream_abort(stream_t *s) { s->ops->abort(s); }
static inline void stream_set_reading(stream_t *s, bool on) { s->ops->set_reading(s, on); }
/* The local and the peer address of a connection (FTP's PORT and PASV
 * need them): false when the transport does not know it. */
static inline bool stream_local_addr(const stream_t *s, stream_addr *out)
{
    return s->ops->address && s->ops->address(s, false, out);
}
static inline bool stream_peer_addr(const stream_t *s, stream_addr *out)
{
    return s->ops->address && s->ops->address(s, true, out);
}

/* Called by a listener for every new incoming connection; the application
 * attaches its handler to `s` here (or closes it). */
typedef void (*stream_accept_fn)(void *ud, stream_t *s);

#endif
