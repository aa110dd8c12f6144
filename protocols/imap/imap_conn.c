/*
 * imap_conn: the IMAP cores on a stream with an idle timer (see
 * imap_conn.h). Every stream callback feeds the core, writes what the
 * stream accepts of its output and re-arms the idle timer; a connection
 * is closed only once the core's output is all written (its "* BYE"
 * included), or at once when the stream itself is gone. Costs: the
 * cores'; each stream delivery is copied at most once, when the server
 * core pauses in it.
 */
#include "imap_conn.h"

#include "seam/core_client.h"
#include "seam/core_server.h"

#include <string.h>

struct imap_server_conn {
    core_server cs;      /* the stream (NULL once closed or failed), the idle timer, the paused input */
    imap_server_core *core;
    imap_server_conn_handler h;
    void *ud;
    const char *why;     /* set when the conn itself ends the session */
    uint64_t bytes_in, bytes_out;
};

static void server_report(imap_server_conn *c, const char *why)
{
    if (core_server_report(&c->cs) && c->h.closed)
        c->h.closed(c->ud, c, why); /* last: the application may free c */
}

static void server_write(imap_server_conn *c)
{
    size_t n;
    const uint8_t *o = imap_server_core_output(c->core, &n);
    if (n && c->cs.s) {
        size_t k = stream_write(c->cs.s, o, n);
        c->bytes_out += k;
        imap_server_core_consume(c->core, k);
    }
}

/* Writes what the stream takes, feeds pending input once the output
 * drained, and closes when it is time. Returns false when the connection
 * is over (closed() has been called: touch nothing). */
static bool server_pump(imap_server_conn *c)
{
    for (;;) {
        size_t n;
        server_write(c);
        imap_server_core_output(c->core, &n);
        bool closed = imap_server_core_closed(c->core);
        if (core_server_resume(&c->cs, n, closed, NULL))
            continue;
        if (closed && n == 0) {
            core_server_close(&c->cs, false);
            server_report(c, c->why ? c->why : "logout");
            return false;
        }
        return true;
    }
}

static void server_idle(void *ud)
{
    imap_server_conn *c = ud;
    if (c->cs.reported)
        return;
    /* RFC 3501 5.4: the server may close after its autologout timer; it
     * says BYE first. A client that does not read gets the close anyway:
     * the timer runs once more, then the stream is reset. */
    if (imap_server_core_closed(c->core)) {
        core_server_close(&c->cs, true);
        server_report(c, c->why ? c->why : "idle");
        return;
    }
    c->why = "idle";
    imap_server_core_shutdown(c->core);
    core_input_discard(&c->cs.in);
    core_server_arm(&c->cs);
    server_pump(c);
}

static void server_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    imap_server_conn *c = ud;
    if (c->cs.reported || imap_server_core_closed(c->core))
        return;
    c->bytes_in += len;
    core_server_deliver(&c->cs, data, len);
    server_pump(c);
}

static void server_writable(void *ud, stream_t *s)
{
    (void)s;
    imap_server_conn *c = ud;
    if (!c->cs.reported)
        server_pump(c);
}

static void server_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    imap_server_conn *c = ud;
    if (c->cs.reported)
        return;
    /* What was done is done (flags stored stay stored); input not yet
     * read is dropped with the connection. */
    core_server_close(&c->cs, false);
    server_report(c, imap_server_core_closed(c->core) && !c->why ? "logout" : "peer closed");
}

static void server_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    imap_server_conn *c = ud;
    c->cs.s = NULL; /* gone: not to be touched again */
    server_report(c, stream_err_text(err));
}

/* The core's clock is set before every feed; it stops early only when
 * its output is high: drain() writes some out so that feeding can go on
 * while the stream takes it. */
static size_t server_feed(void *ud, const uint8_t *data, size_t len)
{
    imap_server_conn *c = ud;
    imap_server_core_set_now(c->core, host_now(c->cs.env));
    return imap_server_core_feed(c->core, data, len);
}

static bool server_drain(void *ud)
{
    imap_server_conn *c = ud;
    size_t before, after;
    imap_server_core_output(c->core, &before);
    server_write(c);
    imap_server_core_output(c->core, &after);
    return after != before;
}

static bool server_over(void *ud) { return imap_server_core_closed(((imap_server_conn *)ud)->core); }

static const core_input_ops server_input_ops = {.feed = server_feed, .drain = server_drain, .over = server_over};

static const stream_handler server_stream_handler = {
    .data = server_data, .writable = server_writable, .peer_closed = server_peer_closed, .error = server_error};

imap_server_conn *imap_server_conn_new(host_env *env, stream_t *s, const imap_server_config *cfg, mail_store *store,
                                       const imap_server_conn_handler *h, void *ud, int64_t idle_timeout_ns)
{
    imap_server_conn *c = g_new0(imap_server_conn, 1);
    c->core = imap_server_core_new(cfg, store);
    imap_server_core_set_now(c->core, host_now(env));
    if (h)
        c->h = *h;
    c->ud = ud;
    core_server_init(&c->cs, env, s, idle_timeout_ns > 0 ? idle_timeout_ns : IMAP_CONN_DEFAULT_IDLE_NS,
                     &server_input_ops, &server_stream_handler, server_idle, c);
    server_write(c);
    return c;
}

void imap_server_conn_shutdown(imap_server_conn *c)
{
    if (c->cs.reported)
        return;
    if (!c->why)
        c->why = "shutdown";
    imap_server_core_shutdown(c->core);
    core_input_discard(&c->cs.in);
    server_pump(c);
}

imap_server_state imap_server_conn_state(const imap_server_conn *c) { return imap_server_core_state(c->core); }
uint64_t imap_server_conn_bytes_in(const imap_server_conn *c) { return c->bytes_in; }
uint64_t imap_server_conn_bytes_out(const imap_server_conn *c) { return c->bytes_out; }

void imap_server_conn_free(imap_server_conn *c)
{
    if (!c)
        return;
    core_server_clear(&c->cs);
    imap_server_core_free(c->core);
    g_free(c);
}

/* ---- client ---------------------------------------------------------------- */

CORE_CLIENT_CONN(imap, IMAP_CLIENT_EV_DONE, IMAP_CONN_DEFAULT_CLIENT_IDLE_NS);

imap_client_state imap_client_conn_state(const imap_client_conn *c) { return imap_client_core_state(c->core); }
uint64_t imap_client_conn_bytes_in(const imap_client_conn *c) { return core_client_bytes_in(c->cc); }
uint64_t imap_client_conn_bytes_out(const imap_client_conn *c) { return core_client_bytes_out(c->cc); }
unsigned imap_client_conn_commands(const imap_client_conn *c) { return imap_client_core_commands(c->core); }
