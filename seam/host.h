/*
 * host: the host seam, what an application sees of its machine.
 *
 * An application (web server, browser, proxy) is written against a
 * host_env: a clock, one-shot timers, outgoing and listening TCP
 * connections (through the stream seam, seam/stream.h) and a log. The
 * simulator implements it for a simulated host (models/sim_host.h); the
 * real-socket adapter implements it on GLib's main loop and GIO.
 *
 * Contracts:
 * - Timer callbacks, like stream callbacks, run from the environment's own
 *   event (never from inside timer() or another operation). A cancelled or
 *   already-fired timer id may be cancelled again harmlessly; id 0 is
 *   "no timer".
 * - timer_rearm() moves a pending timer to a new delay from now, with a
 *   new callback: exactly timer_cancel() then timer(), in every effect an
 *   application can see (the order of callbacks, ties at one instant
 *   included), and returns the id to keep (the same or a new one; a stale
 *   or 0 id arms a new timer). It is for a deadline pushed back over and
 *   over (an inactivity timeout re-armed on every write): the simulator
 *   only records a later time (sim_reschedule, sim/sim.h) instead of
 *   leaving a cancelled event behind in its queue. A NULL timer_rearm in
 *   the table means cancel then timer.
 * - now() is monotonic nanoseconds: simulated time in the simulator, time
 *   since the environment was created on real sockets. wall_s() is seconds
 *   since the Unix epoch, for Date and Last-Modified headers: in the
 *   simulator a fixed epoch (see models/sim_host.h) plus simulated time, so
 *   runs stay reproducible.
 * - connect() names the peer by host name: a node's name or address
 *   literal in the simulator, a DNS name or address literal on real
 *   sockets. Failures to resolve or
 *   connect arrive as the handler's error() callback; connect() itself
 *   fails only for arguments it cannot use.
 * - connect_from() is connect() from a chosen local port (`local_port`;
 *   0: any, exactly connect()), for FTP's active data connections, which
 *   RFC 959 opens from the server's port L-1 (20 beside 21). The port is
 *   a wish, not a condition: when it cannot be had (busy: a listener on
 *   it, or a connection with the same two ends; not permitted: a port
 *   below 1024 for a process without the right to bind it, EACCES; a
 *   peer named by a DNS name rather than an address literal, on real
 *   sockets), the connection is made from an ephemeral port, as connect()
 *   would, and the environment logs it (once per environment for each
 *   reason on real sockets, where the cause does not change). An
 *   application reads the port it got with stream_local_addr(). Errors
 *   are connect()'s. A NULL connect_from in the table means connect().
 * - listen() with port 0 takes a free port; listener_port() says which.
 * - Datagram sockets (DNS, message-level workloads): dgram_open() binds a
 *   port (0: a free one, dgram_port() says which); dgram_send() sends one
 *   datagram of `len` bytes to (host, port), `data` NULL meaning `len`
 *   bytes whose content is not modelled (length-only in the simulator,
 *   zeros on a real socket). The receive callback runs from the
 *   environment's own event: in the simulator, the very event in which the
 *   datagram arrives (no second event is scheduled), on real sockets a
 *   main-loop dispatch. The datagram it is handed is borrowed for the
 *   call; the callback may send, and may close its own socket (the close
 *   takes effect after the callback returns). A datagram to a port nobody
 *   has bound is dropped silently, as on UDP.
 *   The `tag` is a 64-bit label carried beside the payload, so that a
 *   message-level workload can match a length-only answer to its question
 *   without modelling bytes. The simulator delivers it; real sockets carry
 *   only the payload and deliver tag 0 (use payload bytes there).
 * - record() hands an application record (a line of a protocol's own
 *   table: a DNS lookup, a mail delivery) to whoever runs the host: the
 *   simulator's world collects them for the results, the real-socket
 *   programs print or collect them. `kind` names the table ("dns-lookup"),
 *   `text` is the row; both are copied.
 * - Name lookups: an application that connects to a name a user wrote
 *   (a browser to a URL's host, a mail server to a domain's exchanger)
 *   first asks host_lookup(). When the host has no resolver (a scenario
 *   without DNS, where names are node names and resolve at once) it
 *   returns 0 and the application connects by the name itself, at once,
 *   exactly as before. Otherwise the resolver installed on the host (the
 *   host's stub resolver, protocols/dns) answers later, from its own
 *   event and never from inside host_lookup(), with an address literal to
 *   connect to, or an error; exactly once unless the lookup is cancelled.
 *
 * Ownership: the environment belongs to whoever created it and outlives
 * the applications using it.
 */
#ifndef APPSIM_SEAM_HOST_H
#define APPSIM_SEAM_HOST_H

#include <glib.h>
#include <stdint.h>

#include "stream.h"

typedef struct host_env host_env;
typedef struct host_listener host_listener;
typedef struct host_dgram host_dgram;
typedef uint64_t host_timer_id;
typedef void (*host_timer_fn)(void *ud);

/* A datagram as it arrives. `from` is the sender's address literal (in
 * the simulator the sender node's address, "10.0.0.1"; dgram_send() to it
 * replies), borrowed for the callback. */
typedef struct {
    const char *from;
    uint16_t from_port;
    const uint8_t *data; /* NULL: `len` bytes whose content is not modelled */
    size_t len;
    uint64_t tag;        /* the sender's tag (simulator only; 0 on real sockets) */
} host_datagram;

typedef void (*host_dgram_fn)(void *ud, host_dgram *sock, const host_datagram *d);

typedef struct {
    int64_t (*now)(const host_env *env);
    int64_t (*wall_s)(const host_env *env);
    host_timer_id (*timer)(host_env *env, int64_t delay_ns, host_timer_fn fn, void *ud);
    void (*timer_cancel)(host_env *env, host_timer_id id);
    stream_t *(*connect)(host_env *env, const char *host, uint16_t port, const stream_handler *h,
                         void *ud, GError **err);
    host_listener *(*listen)(host_env *env, uint16_t port, stream_accept_fn accept, void *ud,
                             GError **err);
    stream_t *(*connect_from)(host_env *env, uint16_t local_port, const char *host, uint16_t port,
                              const stream_handler *h, void *ud, GError **err);
    void (*unlisten)(host_env *env, host_listener *l);
    void (*log)(host_env *env, const char *message);
    const char *(*name)(const host_env *env); /* this host's name */
    uint16_t (*listener_port)(const host_env *env, const host_listener *l);
    host_dgram *(*dgram_open)(host_env *env, uint16_t port, host_dgram_fn fn, void *ud, GError **err);
    /* False (with err) when the datagram cannot be sent at all: an unknown
     * host, no route, an oversized datagram. */
    bool (*dgram_send)(host_env *env, host_dgram *s, const char *host, uint16_t port, const void *data,
                       size_t len, uint64_t tag, GError **err);
    uint16_t (*dgram_port)(const host_env *env, const host_dgram *s);
    void (*dgram_close)(host_env *env, host_dgram *s);
    void (*record)(host_env *env, const char *kind, const char *text);
    host_timer_id (*timer_rearm)(host_env *env, host_timer_id id, int64_t delay_ns, host_timer_fn fn, void *ud);
} host_ops;

/* A name lookup's answer: `address` (a literal, borrowed for the call),
 * or NULL with `err` (domain and code of the resolver's choosing, a
 * message for the user: "www.example.com: NXDOMAIN"). */
typedef void (*host_lookup_fn)(void *ud, const char *address, const GError *err);

/* A record lookup's answer: the data of the records of the type asked,
 * in answer order, CNAMEs followed, each in master-file form without
 * owner, TTL, class and type ("10 mx1.example.com." for MX, "192.0.2.1"
 * for A), borrowed for the call; n = 0 and err NULL: the name exists
 * without such records; err: the name does not exist, or the lookup
 * failed. */
typedef void (*host_records_fn)(void *ud, const char *const *data, size_t n, const GError *err);

typedef struct host_resolver host_resolver;
struct host_resolver {
    /* Starts a lookup of `name`'s address; returns its id (never 0). */
    uint64_t (*lookup)(host_resolver *r, const char *name, host_lookup_fn fn, void *ud);
    /* Starts a lookup of `name`'s records of `type` ("MX", "TXT", "A"...;
     * a mail server's MX lookup); returns its id (never 0; 0 for a type
     * the resolver does not know). Cancelled with `cancel`. */
    uint64_t (*lookup_records)(host_resolver *r, const char *name, const char *type, host_records_fn fn,
                               void *ud);
    /* Cancels a lookup whose callback has not run; a stale id is harmless. */
    void (*cancel)(host_resolver *r, uint64_t id);
};

struct host_env {
    const host_ops *ops;
    /* The host's stub resolver, or NULL (names are used as they are).
     * Installed by whoever runs the host (host_set_resolver), owned by it. */
    host_resolver *resolver;
};

static inline int64_t host_now(const host_env *e) { return e->ops->now(e); }
static inline int64_t host_wall_s(const host_env *e) { return e->ops->wall_s(e); }
static inline host_timer_id host_timer(host_env *e, int64_t delay_ns, host_timer_fn fn, void *ud)
{
    return e->ops->timer(e, delay_ns, fn, ud);
}
static inline void host_timer_cancel(host_env *e, host_timer_id id)
{
    if (id)
        e->ops->timer_cancel(e, id);
}
/* timer_cancel(id) then timer(delay_ns, fn, ud), cheaper where the
 * environment can move a timer (see the file comment); returns the id to
 * keep. */
static inline host_timer_id host_timer_rearm(host_env *e, host_timer_id id, int64_t delay_ns, host_timer_fn fn,
                                             void *ud)
{
    if (e->ops->timer_rearm)
        return e->ops->timer_rearm(e, id, delay_ns, fn, ud);
    host_timer_cancel(e, id);
    return e->ops->timer(e, delay_ns, fn, ud);
}
static inline stream_t *host_connect(host_env *e, const char *host, uint16_t port,
                                     const stream_handler *h, void *ud, GError **err)
{
    return e->ops->connect(e, host, port, h, ud, err);
}
/* connect() from `local_port` when it can be had (see the file comment). */
static inline stream_t *host_connect_from(host_env *e, uint16_t local_port, const char *host, uint16_t port,
                                          const stream_handler *h, void *ud, GError **err)
{
    if (local_port == 0 || !e->ops->connect_from)
        return e->ops->connect(e, host, port, h, ud, err);
    return e->ops->connect_from(e, local_port, host, port, h, ud, err);
}
static inline host_listener *host_listen(host_env *e, uint16_t port, stream_accept_fn accept,
                                         void *ud, GError **err)
{
    return e->ops->listen(e, port, accept, ud, err);
}
static inline void host_unlisten(host_env *e, host_listener *l)
{
    if (l)
        e->ops->unlisten(e, l);
}
static inline const char *host_name(const host_env *e) { return e->ops->name(e); }
static inline uint16_t host_listener_port(const host_env *e, const host_listener *l)
{
    return e->ops->listener_port(e, l);
}
static inline host_dgram *host_dgram_open(host_env *e, uint16_t port, host_dgram_fn fn, void *ud,
                                          GError **err)
{
    return e->ops->dgram_open(e, port, fn, ud, err);
}
static inline bool host_dgram_send(host_env *e, host_dgram *s, const char *host, uint16_t port,
                                   const void *data, size_t len, uint64_t tag, GError **err)
{
    return e->ops->dgram_send(e, s, host, port, data, len, tag, err);
}
static inline uint16_t host_dgram_port(const host_env *e, const host_dgram *s)
{
    return e->ops->dgram_port(e, s);
}
/* NULL is a no-op. */
static inline void host_dgram_close(host_env *e, host_dgram *s)
{
    if (s)
        e->ops->dgram_close(e, s);
}
static inline void host_record(host_env *e, const char *kind, const char *text)
{
    e->ops->record(e, kind, text);
}
/* Starts a lookup of `name` (see the file comment): 0 when the host has
 * no resolver (connect by the name at once), else the lookup's id. */
static inline uint64_t host_lookup(host_env *e, const char *name, host_lookup_fn fn, void *ud)
{
    return e->resolver ? e->resolver->lookup(e->resolver, name, fn, ud) : 0;
}
/* Starts a lookup of `name`'s records of `type` (see host_records_fn):
 * 0 when the host has no resolver (a scenario without DNS) or the type is
 * unknown, else the lookup's id; the answer comes as host_lookup's does. */
static inline uint64_t host_lookup_records(host_env *e, const char *name, const char *type, host_records_fn fn,
                                           void *ud)
{
    return e->resolver && e->resolver->lookup_records ? e->resolver->lookup_records(e->resolver, name, type, fn, ud)
                                                      : 0;
}
static inline void host_lookup_cancel(host_env *e, uint64_t id)
{
    if (id && e->resolver)
        e->resolver->cancel(e->resolver, id);
}
/* Installs (or with NULL removes) the host's resolver; the caller keeps
 * it alive while installed. */
static inline void host_set_resolver(host_env *e, host_resolver *r) { e->resolver = r; }
/* Logs a formatted line (no trailing newline needed). */
void host_logf(host_env *e, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
