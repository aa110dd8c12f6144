/*
 * core_client: a protocol's sans-IO client core on a stream, with an idle
 * timer. The glue every line-protocol client (SMTP, POP3, IMAP) needs,
 * written once: connect, feed every delivery to the core, write what the
 * stream accepts of the core's output, pass the core's events on, re-arm
 * the idle timer on every delivery, and close once the core is done and
 * its output is written.
 *
 * The protocol tells it how to reach its core through core_client_ops:
 * - feed/output/consume: the core's byte interface (length-only bytes of
 *   the simulator arrive as zeros: they carry no replies);
 * - ended(core, why): the connection ended under the core (the server
 *   closed it, a stream error, the idle timeout); the core fails what is
 *   left and says it is done;
 * - events(owner): passes the core's pending events on to the
 *   application; returns true when one of them says the session is done;
 * - closed(owner): the last call, made once, when the session is over and
 *   the stream closed; the owner may free its connection (and this one)
 *   from inside it.
 * Every callback runs from a stream or timer event, never from inside
 * core_client_new().
 *
 * Ownership: the core belongs to the owner, who frees it after
 * core_client_free(). Costs: one copy of a length-only delivery (zeros).
 */
#ifndef APPSIM_SEAM_CORE_CLIENT_H
#define APPSIM_SEAM_CORE_CLIENT_H

#include <stdint.h>

#include "host.h"

typedef struct core_client core_client;

typedef struct {
    void (*feed)(void *core, const uint8_t *data, size_t len);
    const uint8_t *(*output)(void *core, size_t *n);
    void (*consume)(void *core, size_t n);
    void (*ended)(void *core, const char *why);
    bool (*events)(void *owner);
    void (*closed)(void *owner);
} core_client_ops;

/* Connects to (host, port) and drives `core` with `ops`. NULL with `err`
 * when the connection cannot even be attempted (host_connect's rule). */
core_client *core_client_new(host_env *env, const char *host, uint16_t port, void *core, const core_client_ops *ops,
                             void *owner, int64_t idle_ns, GError **err);
/* Bytes read from and written to the stream so far. */
uint64_t core_client_bytes_in(const core_client *c);
uint64_t core_client_bytes_out(const core_client *c);
/* Cancels the timer and closes the stream if it is still open; the core
 * is not touched. NULL is ignored. */
void core_client_free(core_client *c);

/*
 * CORE_CLIENT_CONN(p, DONE, IDLE_NS) writes a protocol's whole client
 * connection on core_client, for a client core that follows the common
 * naming: p##_client_core_new(cfg)/free/feed/output/consume/closed/
 * next_event, p##_client_event (with a `kind`; DONE ends the session) and
 * p##_client_event_clear, p##_client_config, and a handler type
 * p##_client_conn_handler with event(ud, conn, ev) and closed(ud, conn).
 * It defines struct p##_client_conn (members cc, core, h, ud: the
 * protocol's own accessors read c->core), and
 *     p##_client_conn *p##_client_conn_new(env, host, port, cfg, h, ud, idle_timeout_ns, err)
 *     void p##_client_conn_free(c)
 * with idle_timeout_ns <= 0 meaning IDLE_NS. A macro, so that each
 * protocol's glue is one line instead of another copy of the same code.
 */
#define CORE_CLIENT_CONN(p, DONE, IDLE_NS)                                                                             \
    struct p##_client_conn {                                                                                           \
        core_client *cc; /* the stream, the idle timer and the pump */                                                 \
        p##_client_core *core;                                                                                         \
        p##_client_conn_handler h;                                                                                     \
        void *ud;                                                                                                      \
    };                                                                                                                 \
    static void p##_cc_feed(void *core, const uint8_t *data, size_t len) { p##_client_core_feed(core, data, len); }    \
    static const uint8_t *p##_cc_output(void *core, size_t *n) { return p##_client_core_output(core, n); }             \
    static void p##_cc_consume(void *core, size_t n) { p##_client_core_consume(core, n); }                             \
    static void p##_cc_ended(void *core, const char *why) { p##_client_core_closed(core, why); }                       \
    static bool p##_cc_events(void *owner)                                                                             \
    {                                                                                                                  \
        p##_client_conn *c = owner;                                                                                    \
        bool done = false;                                                                                             \
        p##_client_event ev;                                                                                           \
        while (p##_client_core_next_event(c->core, &ev)) {                                                             \
            done = done || ev.kind == (DONE);                                                                          \
            if (c->h.event)                                                                                            \
                c->h.event(c->ud, c, &ev);                                                                             \
            p##_client_event_clear(&ev);                                                                               \
        }                                                                                                              \
        return done;                                                                                                   \
    }                                                                                                                  \
    static void p##_cc_closed(void *owner)                                                                             \
    {                                                                                                                  \
        p##_client_conn *c = owner;                                                                                    \
        if (c->h.closed)                                                                                               \
            c->h.closed(c->ud, c); /* last: the application may free c */                                              \
    }                                                                                                                  \
    static const core_client_ops p##_core_client_ops = {p##_cc_feed,  p##_cc_output, p##_cc_consume,                   \
                                                        p##_cc_ended, p##_cc_events, p##_cc_closed};                   \
    p##_client_conn *p##_client_conn_new(host_env *env, const char *host, uint16_t port,                               \
                                         const p##_client_config *cfg, const p##_client_conn_handler *h, void *ud,     \
                                         int64_t idle_timeout_ns, GError **err)                                        \
    {                                                                                                                  \
        p##_client_conn *c = g_new0(p##_client_conn, 1);                                                               \
        c->core = p##_client_core_new(cfg);                                                                            \
        if (h)                                                                                                         \
            c->h = *h;                                                                                                 \
        c->ud = ud;                                                                                                    \
        int64_t idle = idle_timeout_ns > 0 ? idle_timeout_ns : (IDLE_NS);                                              \
        c->cc = core_client_new(env, host, port, c->core, &p##_core_client_ops, c, idle, err);                         \
        if (!c->cc) {                                                                                                  \
            p##_client_core_free(c->core);                                                                             \
            g_free(c);                                                                                                 \
            return NULL;                                                                                               \
        }                                                                                                              \
        return c;                                                                                                      \
    }                                                                                                                  \
    void p##_client_conn_free(p##_client_conn *c)                                                                      \
    {                                                                                                                  \
        if (!c)                                                                                                        \
            return;                                                                                                    \
        core_client_free(c->cc);                                                                                       \
        p##_client_core_free(c->core);                                                                                 \
        g_free(c);                                                                                                     \
    }                                                                                                                  \
    typedef int p##_client_conn_defined_ /* so that the macro's use ends with a semicolon */

#endif
