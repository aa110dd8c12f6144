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
 * - now() is monotonic nanoseconds: simulated time in the simulator, time
 *   since the environment was created on real sockets. wall_s() is seconds
 *   since the Unix epoch, for Date and Last-Modified headers: in the
 *   simulator a fixed epoch (see models/sim_host.h) plus simulated time, so
 *   runs stay reproducible.
 * - connect() names the peer by host name: a node's name in the simulator,
 *   a DNS name or address literal on real sockets. Failures to resolve or
 *   connect arrive as the handler's error() callback; connect() itself
 *   fails only for arguments it cannot use.
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
typedef uint64_t host_timer_id;
typedef void (*host_timer_fn)(void *ud);

typedef struct {
    int64_t (*now)(const host_env *env);
    int64_t (*wall_s)(const host_env *env);
    host_timer_id (*timer)(host_env *env, int64_t delay_ns, host_timer_fn fn, void *ud);
    void (*timer_cancel)(host_env *env, host_timer_id id);
    stream_t *(*connect)(host_env *env, const char *host, uint16_t port, const stream_handler *h,
                         void *ud, GError **err);
    host_listener *(*listen)(host_env *env, uint16_t port, stream_accept_fn accept, void *ud,
                             GError **err);
    void (*unlisten)(host_env *env, host_listener *l);
    void (*log)(host_env *env, const char *message);
    const char *(*name)(const host_env *env); /* this host's name */
} host_ops;

struct host_env {
    const host_ops *ops;
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
static inline stream_t *host_connect(host_env *e, const char *host, uint16_t port,
                                     const stream_handler *h, void *ud, GError **err)
{
    return e->ops->connect(e, host, port, h, ud, err);
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
/* Logs a formatted line (no trailing newline needed). */
void host_logf(host_env *e, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
