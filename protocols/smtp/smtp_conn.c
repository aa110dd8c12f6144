/*
 * smtp_conn: the SMTP cores on a stream with an idle timer (see
 * smtp_conn.h). Every stream callback feeds the core, writes what the
 * stream accepts of its output, passes the core's events on and re-arms
 * the idle timer; the connection is closed only once the core's output is
 * all written. Costs: the cores'; each stream delivery is copied at most
 * once, when the server core pauses in it.
 */
#include "smtp_conn.h"

#include "seam/core_server.h"

#include "seam/core_client.h"

#include <string.h>

struct smtp_server_conn {
    core_server cs;       /* the stream (NULL once closed or failed), the idle timer, the paused input */
    smtp_server_core *core;
    smtp_server_conn_handler h;
    void *ud;
    bool closing;         /* close once the output is written */
    const char *why;      /* why it is closing */
};

static void server_report(smtp_server_conn *c, const char *why)
{
    if (core_server_report(&c->cs) && c->h.closed)
        c->h.closed(c->ud, c, why); /* last: the application may free c */
}

/* Writes what the stream takes, passes events on, feeds pending input
 * once the output drained, and closes when it is time. Returns false when
 * the connection is over (closed() has been called: touch nothing). */
static bool server_pump(smtp_server_conn *c)
{
    for (;;) {
        size_t n;
        const uint8_t *o = smtp_server_core_output(c->core, &n);
        if (n && c->cs.s)
            smtp_server_core_consume(c->core, stream_write(c->cs.s, o, n));
        smtp_server_event ev;
        while (smtp_server_core_next_event(c->core, &ev)) {
            if (ev.kind == SMTP_SERVER_EV_MESSAGE && c->h.message) {
                c->h.message(c->ud, c, ev.env);
                ev.env = NULL;
            } else if (ev.kind == SMTP_SERVER_EV_CLOSE) {
                c->closing = true;
                if (!c->why)
                    c->why = "quit";
            }
            smtp_server_event_clear(&ev);
        }
        smtp_server_core_output(c->core, &n);
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

static void server_idle(void *ud)
{
    smtp_server_conn *c = ud;
    c->why = "idle";
    smtp_server_core_shutdown(c->core);
    if (!server_pump(c))
        return;
    /* A client that neither sends nor reads: the 421 cannot be written
     * either, so the connection is reset instead of waiting forever. */
    core_server_close(&c->cs, true);
    server_report(c, "idle");
}

static void server_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    smtp_server_conn *c = ud;
    if (c->closing)
        return;
    core_server_deliver(&c->cs, data, len);
    server_pump(c);
}

static void server_writable(void *ud, stream_t *s)
{
    (void)s;
    server_pump(ud);
}

static void server_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    smtp_server_conn *c = ud;
    core_server_close(&c->cs, false);
    server_report(c, "peer closed");
}

static void server_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    smtp_server_conn *c = ud;
    c->cs.s = NULL; /* gone: not to be touched again */
    server_report(c, stream_err_text(err));
}

static size_t server_feed(void *ud, const uint8_t *data, size_t len)
{
    return smtp_server_core_feed(((smtp_server_conn *)ud)->core, data, len);
}

static const core_input_ops server_input_ops = {.feed = server_feed};

static const stream_handler server_stream_handler = {
    .data = server_data, .writable = server_writable, .peer_closed = server_peer_closed, .error = server_error};

smtp_server_conn *smtp_server_conn_new(host_env *env, stream_t *s, const smtp_server_config *cfg,
                                       const smtp_server_callbacks *cb, void *cb_ud,
                                       const smtp_server_conn_handler *h, void *ud, int64_t idle_timeout_ns)
{
    smtp_server_conn *c = g_new0(smtp_server_conn, 1);
    c->core = smtp_server_core_new(cfg, cb, cb_ud);
    if (h)
        c->h = *h;
    c->ud = ud;
    core_server_init(&c->cs, env, s, idle_timeout_ns > 0 ? idle_timeout_ns : SMTP_CONN_DEFAULT_IDLE_NS,
                     &server_input_ops, &server_stream_handler, server_idle, c);
    size_t n;
    const uint8_t *o = smtp_server_core_output(c->core, &n);
    smtp_server_core_consume(c->core, stream_write(s, o, n));
    return c;
}

void smtp_server_conn_shutdown(smtp_server_conn *c)
{
    if (c->cs.reported || c->closing)
        return;
    c->why = "shutdown";
    smtp_server_core_shutdown(c->core);
    server_pump(c);
}

void smtp_server_conn_free(smtp_server_conn *c)
{
    if (!c)
        return;
    core_server_clear(&c->cs);
    smtp_server_core_free(c->core);
    g_free(c);
}

/* ---- client ---------------------------------------------------------------- */

CORE_CLIENT_CONN(smtp, SMTP_CLIENT_EV_DONE, SMTP_CONN_DEFAULT_IDLE_NS);

void smtp_client_conn_add_message(smtp_client_conn *c, const smtp_envelope *env)
{
    smtp_client_core_add_message(c->core, env);
    /* A late message fails at once when the session is over; its event
     * goes out on the next callback (never from inside this call). */
}
