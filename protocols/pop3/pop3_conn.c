/*
 * pop3_conn: the POP3 cores on a stream with an idle timer (see
 * pop3_conn.h). Every stream callback feeds the core, writes what the
 * stream accepts of its output, passes the core's events on and re-arms
 * the idle timer; a server connection is closed only once the core's
 * output is all written, except on the autologout timer, which closes at
 * once (RFC 1939 3: no response, no UPDATE). Costs: the cores'; each
 * stream delivery is copied at most once, when the server core pauses in it.
 */
#include "pop3_conn.h"

#include "seam/core_client.h"
#include "seam/core_server.h"

#include <string.h>

struct pop3_server_conn {
    core_server cs; /* the stream (NULL once closed or failed), the idle timer, the paused input */
    pop3_server_core *core;
    pop3_server_conn_handler h;
    void *ud;
    bool closing;        /* close once the output is written */
    const char *why;
};

static void server_report(pop3_server_conn *c, const char *why)
{
    if (core_server_report(&c->cs) && c->h.closed)
        c->h.closed(c->ud, c, why); /* last: the application may free c */
}

/* The connection ends without QUIT: nothing is deleted. `abort_stream`
 * resets instead of closing. */
static void server_end(pop3_server_conn *c, const char *why, bool abort_stream)
{
    pop3_server_core_abort(c->core);
    core_server_close(&c->cs, abort_stream);
    server_report(c, why);
}

static void server_events(pop3_server_conn *c)
{
    pop3_server_event ev;
    while (pop3_server_core_next_event(c->core, &ev)) {
        if (ev.kind == POP3_SERVER_EV_LOGIN && c->h.login) {
            c->h.login(c->ud, c, ev.user, ev.ok);
        } else if (ev.kind == POP3_SERVER_EV_CLOSE) {
            c->closing = true;
            c->why = ev.ok ? "quit" : "bad commands";
        }
        pop3_server_event_clear(&ev);
    }
}

/* Writes what the stream takes, passes events on, feeds pending input
 * once the output drained, and closes when it is time. Returns false when
 * the connection is over (closed() has been called: touch nothing). */
static bool server_pump(pop3_server_conn *c)
{
    for (;;) {
        size_t n;
        const uint8_t *o = pop3_server_core_output(c->core, &n);
        if (n && c->cs.s)
            pop3_server_core_consume(c->core, stream_write(c->cs.s, o, n));
        server_events(c);
        pop3_server_core_output(c->core, &n);
        if (core_server_resume(&c->cs, n, c->closing, NULL))
            continue;
        if (c->closing && n == 0) {
            core_server_close(&c->cs, false);
            server_report(c, c->why);
            return false;
        }
        return true;
    }
}

static void server_idle(void *ud) { server_end(ud, "idle", false); }

static void server_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    pop3_server_conn *c = ud;
    if (c->closing || c->cs.reported)
        return;
    core_server_deliver(&c->cs, data, len);
    server_pump(c);
}

static void server_writable(void *ud, stream_t *s)
{
    (void)s;
    pop3_server_conn *c = ud;
    if (!c->cs.reported)
        server_pump(c);
}

static void server_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    pop3_server_conn *c = ud;
    /* Commands already read are answered (a QUIT among them counts);
     * whatever is still pending when the output is out ends without UPDATE. */
    if (!c->cs.reported && !c->closing)
        server_end(c, "peer closed", false);
}

static void server_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    pop3_server_conn *c = ud;
    c->cs.s = NULL; /* gone: not to be touched again */
    if (!c->cs.reported) {
        pop3_server_core_abort(c->core);
        server_report(c, stream_err_text(err));
    }
}

static size_t server_feed(void *ud, const uint8_t *data, size_t len)
{
    return pop3_server_core_feed(((pop3_server_conn *)ud)->core, data, len);
}

static const core_input_ops server_input_ops = {.feed = server_feed};

static const stream_handler server_stream_handler = {
    .data = server_data, .writable = server_writable, .peer_closed = server_peer_closed, .error = server_error};

pop3_server_conn *pop3_server_conn_new(host_env *env, stream_t *s, const pop3_server_config *cfg, mail_store *store,
                                       const pop3_server_conn_handler *h, void *ud, int64_t idle_timeout_ns)
{
    pop3_server_conn *c = g_new0(pop3_server_conn, 1);
    c->core = pop3_server_core_new(cfg, store);
    if (h)
        c->h = *h;
    c->ud = ud;
    core_server_init(&c->cs, env, s, idle_timeout_ns > 0 ? idle_timeout_ns : POP3_CONN_DEFAULT_IDLE_NS,
                     &server_input_ops, &server_stream_handler, server_idle, c);
    size_t n;
    const uint8_t *o = pop3_server_core_output(c->core, &n);
    pop3_server_core_consume(c->core, stream_write(s, o, n));
    return c;
}

void pop3_server_conn_shutdown(pop3_server_conn *c)
{
    if (c->cs.reported)
        return;
    server_end(c, "shutdown", false);
}

const pop3_server_stats *pop3_server_conn_stats(const pop3_server_conn *c) { return pop3_server_core_stats(c->core); }

void pop3_server_conn_free(pop3_server_conn *c)
{
    if (!c)
        return;
    pop3_server_core_abort(c->core); /* nothing deleted unless QUIT ran */
    core_server_clear(&c->cs);
    pop3_server_core_free(c->core);
    g_free(c);
}

/* ---- client ---------------------------------------------------------------- */

CORE_CLIENT_CONN(pop3, POP3_CLIENT_EV_DONE, POP3_CONN_DEFAULT_CLIENT_IDLE_NS);

const pop3_client_stats *pop3_client_conn_stats(const pop3_client_conn *c) { return pop3_client_core_stats(c->core); }
