/*
 * ftp_conn: the FTP cores on a control stream, data streams, listeners
 * and timers (see ftp_conn.h). Every callback hands the core what
 * happened, then pumps: writes what the control stream accepts, carries
 * out the core's actions, passes events on. Costs: the cores'; a control
 * delivery is copied at most once, when the server core pauses in it.
 */
#include "ftp_conn.h"
#include "ftp_dataconn.h"

#include "seam/core_server.h"

#include <string.h>

/* The literal of one end of `s` (peer or local), mapped by the options;
 * false when the stream does not know it. */
static bool end_literal(const ftp_conn_options *o, const stream_t *s, bool peer, char out[46])
{
    stream_addr a;
    if (!s || !(peer ? stream_peer_addr(s, &a) : stream_local_addr(s, &a)))
        return false;
    if (o->addr && o->addr(o->addr_ud, a.host, out))
        return true;
    g_strlcpy(out, a.host, 46);
    return true;
}

static void options_set(ftp_conn_options *dst, const ftp_conn_options *src, int64_t idle_default)
{
    if (src)
        *dst = *src;
    if (dst->idle_timeout_ns <= 0)
        dst->idle_timeout_ns = idle_default;
    if (dst->data_timeout_ns <= 0)
        dst->data_timeout_ns = FTP_CONN_DEFAULT_DATA_NS;
}

/* ---- server ---------------------------------------------------------------- */

struct ftp_server_conn {
    core_server cs; /* the control stream (NULL once closed or failed), the idle timer, the paused input */
    ftp_dataconn dc;
    ftp_server_core *core;
    ftp_server_conn_handler h;
    void *ud;
    ftp_conn_options o;
    bool closing;
};

static bool server_pump(ftp_server_conn *c);

static void server_data_drop(ftp_server_conn *c) { ftp_dataconn_drop(&c->dc); }

static void server_report(ftp_server_conn *c, const char *why)
{
    if (!core_server_report(&c->cs))
        return;
    c->dc.refusing = true;
    server_data_drop(c);
    core_server_close(&c->cs, false);
    if (c->h.closed)
        c->h.closed(c->ud, c, why); /* last: the application may free c */
}

static void server_end(ftp_server_conn *c, const char *why)
{
    ftp_server_core_closed(c->core);
    server_report(c, why);
}

static void server_idle(void *ud)
{
    ftp_server_conn *c = ud;
    if (c->cs.s) {
        char *r = ftp_reply_format(421, "Timeout: no command for too long; closing the control connection.");
        stream_write(c->cs.s, r, strlen(r));
        g_free(r);
    }
    server_end(c, "idle");
}

/* The data connection's operations (ftp_dataconn.h). */

static const uint8_t *sd_out(void *ud, size_t *len)
{
    return ftp_server_core_data_output(((ftp_server_conn *)ud)->core, len);
}

static void sd_written(void *ud, size_t k) { ftp_server_core_data_consume(((ftp_server_conn *)ud)->core, k); }

static void sd_activity(void *ud) { core_server_arm(&((ftp_server_conn *)ud)->cs); }

static void sd_connected(void *ud) { ftp_server_core_data_connected(((ftp_server_conn *)ud)->core); }

static void sd_received(void *ud, const uint8_t *data, size_t len)
{
    ftp_server_conn *c = ud;
    uint8_t *zeros = data ? NULL : g_malloc0(len); /* length-only bytes are stored as zeros */
    ftp_server_core_data_received(c->core, data ? data : zeros, len);
    g_free(zeros);
}

static void sd_eof(void *ud) { ftp_server_core_data_eof(((ftp_server_conn *)ud)->core); }

static void sd_failed(void *ud, bool was_up, stream_err err)
{
    (void)err;
    ftp_server_conn *c = ud;
    if (was_up)
        ftp_server_core_data_error(c->core);
    else
        ftp_server_core_data_failed(c->core);
}

static void sd_timeout(void *ud) { ftp_server_core_data_timeout(((ftp_server_conn *)ud)->core); }

static void sd_pump(void *ud) { server_pump(ud); }

static const ftp_dataconn_ops server_data_ops = {.out = sd_out,
                                                 .written = sd_written,
                                                 .activity = sd_activity,
                                                 .connected = sd_connected,
                                                 .received = sd_received,
                                                 .eof = sd_eof,
                                                 .failed = sd_failed,
                                                 .timeout = sd_timeout,
                                                 .pump = sd_pump};

static void server_listen(ftp_server_conn *c, int family)
{
    ftp_hostport own = {.family = family};
    own.port = ftp_dataconn_listen(&c->dc);
    if (!own.port || !end_literal(&c->o, c->cs.s, false, own.host)) {
        server_data_drop(c);
        ftp_server_core_data_failed(c->core);
        return;
    }
    ftp_dataconn_arm(&c->dc);
    ftp_server_core_data_listening(c->core, &own);
}

/* The local port of an active data connection (see data_port); 0: any. */
static uint16_t server_data_port(const ftp_server_conn *c)
{
    if (c->o.data_port > 0 && c->o.data_port <= 65535)
        return (uint16_t)c->o.data_port;
    stream_addr own;
    if (c->o.data_port != 0 || !c->cs.s || !stream_local_addr(c->cs.s, &own) || own.port < 2)
        return 0;
    return (uint16_t)(own.port - 1);
}

static void server_connect(ftp_server_conn *c, const ftp_hostport *hp)
{
    if (!ftp_dataconn_connect(&c->dc, server_data_port(c), hp->host, hp->port))
        ftp_server_core_data_failed(c->core);
}

static void server_act(ftp_server_conn *c, const ftp_server_action *a)
{
    switch (a->kind) {
    case FTP_SERVER_DATA_LISTEN:
        server_listen(c, a->family);
        break;
    case FTP_SERVER_DATA_CONNECT:
        server_connect(c, &a->hp);
        break;
    case FTP_SERVER_DATA_SEND:
        ftp_dataconn_push(&c->dc);
        break;
    case FTP_SERVER_DATA_CLOSE:
        server_data_drop(c);
        break;
    case FTP_SERVER_CLOSE:
        c->closing = true;
        break;
    }
}

/* Writes replies, carries out actions, feeds pending input once the
 * replies drained, closes when it is time. False when the connection is
 * over (closed() has been called: touch nothing). */
static bool server_pump(ftp_server_conn *c)
{
    for (int guard = 0; !c->cs.reported; guard++) {
        size_t n;
        const uint8_t *out = ftp_server_core_output(c->core, &n);
        if (n && c->cs.s)
            ftp_server_core_consume(c->core, stream_write(c->cs.s, out, n));
        ftp_server_action a;
        bool acted = false;
        while (ftp_server_core_next_action(c->core, &a)) {
            server_act(c, &a);
            acted = true;
        }
        ftp_server_core_output(c->core, &n);
        if (c->closing && (n == 0 || !c->cs.s)) {
            server_report(c, "quit");
            return false;
        }
        size_t k = 0;
        if (core_server_resume(&c->cs, n, c->closing, &k)) {
            if (k || acted)
                continue;
        } else if (acted && guard < 64) {
            continue;
        }
        return true;
    }
    return false;
}

static void server_ctl_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    ftp_server_conn *c = ud;
    if (c->closing || c->cs.reported)
        return;
    core_server_deliver(&c->cs, data, len);
    server_pump(c);
}

static size_t server_feed(void *ud, const uint8_t *data, size_t len)
{
    return ftp_server_core_feed(((ftp_server_conn *)ud)->core, data, len);
}

static const core_input_ops server_input_ops = {.feed = server_feed};

static void server_ctl_writable(void *ud, stream_t *s)
{
    (void)s;
    ftp_server_conn *c = ud;
    if (!c->cs.reported)
        server_pump(c);
}

static void server_ctl_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    ftp_server_conn *c = ud;
    if (!c->cs.reported && !c->closing)
        server_end(c, "peer closed");
}

static void server_ctl_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    ftp_server_conn *c = ud;
    c->cs.s = NULL;
    if (!c->cs.reported)
        server_end(c, stream_err_text(err));
}

static const stream_handler server_ctl_handler = {.data = server_ctl_data,
                                                  .writable = server_ctl_writable,
                                                  .peer_closed = server_ctl_peer_closed,
                                                  .error = server_ctl_error};

ftp_server_conn *ftp_server_conn_new(host_env *env, stream_t *s, const ftp_server_config *cfg, ftp_fs *fs,
                                     const ftp_conn_options *opts, const ftp_server_conn_handler *h, void *ud)
{
    ftp_server_conn *c = g_new0(ftp_server_conn, 1);
    options_set(&c->o, opts, FTP_CONN_DEFAULT_IDLE_NS);
    char peer[46] = "";
    end_literal(&c->o, s, true, peer);
    c->core = ftp_server_core_new(cfg, fs, peer, host_wall_s(env));
    if (h)
        c->h = *h;
    c->ud = ud;
    ftp_dataconn_init(&c->dc, env, &server_data_ops, c, c->o.data_timeout_ns);
    core_server_init(&c->cs, env, s, c->o.idle_timeout_ns, &server_input_ops, &server_ctl_handler, server_idle, c);
    server_pump(c);
    return c;
}

void ftp_server_conn_shutdown(ftp_server_conn *c)
{
    if (!c->cs.reported)
        server_end(c, "shutdown");
}

void ftp_server_conn_free(ftp_server_conn *c)
{
    if (!c)
        return;
    c->cs.reported = true;
    c->dc.refusing = true;
    server_data_drop(c);
    core_server_clear(&c->cs);
    ftp_server_core_free(c->core);
    g_free(c);
}

/* ---- client ---------------------------------------------------------------- */

struct ftp_client_conn {
    host_env *env;
    stream_t *s; /* control; NULL once closed or failed */
    ftp_dataconn dc;
    ftp_client_core *core;
    ftp_client_conn_handler h;
    void *ud;
    ftp_conn_options o;
    host_timer_id idle;
    uint64_t ctl_in, ctl_out;
    bool done;
    bool reported;
};

static void client_pump(ftp_client_conn *c);

static void client_data_drop(ftp_client_conn *c) { ftp_dataconn_drop(&c->dc); }

static void client_idle(void *ud)
{
    ftp_client_conn *c = ud;
    c->idle = 0;
    client_data_drop(c);
    ftp_client_core_closed(c->core, "no answer from the server (idle timeout)");
    if (c->s)
        stream_abort(c->s);
    c->s = NULL;
    client_pump(c);
}

static void client_arm(ftp_client_conn *c)
{
    host_timer_cancel(c->env, c->idle);
    c->idle = host_timer(c->env, c->o.idle_timeout_ns, client_idle, c);
}

/* The data connection's operations (ftp_dataconn.h). */

static const uint8_t *cd_out(void *ud, size_t *len)
{
    return ftp_client_core_data_out(((ftp_client_conn *)ud)->core, len);
}

static void cd_written(void *ud, size_t k) { ftp_client_core_data_written(((ftp_client_conn *)ud)->core, k); }

static void cd_activity(void *ud) { client_arm(ud); }

static void cd_connected(void *ud) { ftp_client_core_data_connected(((ftp_client_conn *)ud)->core); }

static void cd_received(void *ud, const uint8_t *data, size_t len)
{
    ftp_client_core_data_received(((ftp_client_conn *)ud)->core, data, len);
}

static void cd_eof(void *ud) { ftp_client_core_data_eof(((ftp_client_conn *)ud)->core); }

static void cd_failed(void *ud, bool was_up, stream_err err)
{
    (void)was_up;
    ftp_client_core_data_failed(((ftp_client_conn *)ud)->core, stream_err_text(err));
}

static void cd_timeout(void *ud)
{
    ftp_client_core_data_failed(((ftp_client_conn *)ud)->core, "no data connection (timeout)");
}

static void cd_pump(void *ud) { client_pump(ud); }

static const ftp_dataconn_ops client_data_ops = {.out = cd_out,
                                                 .written = cd_written,
                                                 .activity = cd_activity,
                                                 .connected = cd_connected,
                                                 .received = cd_received,
                                                 .eof = cd_eof,
                                                 .failed = cd_failed,
                                                 .timeout = cd_timeout,
                                                 .pump = cd_pump};

static void client_act(ftp_client_conn *c, const ftp_client_action *a)
{
    char host[46];
    switch (a->kind) {
    case FTP_CLIENT_ACT_DATA_CONNECT:
        client_data_drop(c);
        if (a->host[0])
            g_strlcpy(host, a->host, sizeof host);
        else if (!end_literal(&c->o, c->s, true, host))
            host[0] = '\0';
        if (!host[0] || !ftp_dataconn_connect(&c->dc, 0, host, a->port))
            ftp_client_core_data_failed(c->core, "cannot open the data connection");
        break;
    case FTP_CLIENT_ACT_DATA_LISTEN: {
        uint16_t port = ftp_dataconn_listen(&c->dc);
        if (!port || !end_literal(&c->o, c->s, false, host)) {
            client_data_drop(c);
            ftp_client_core_data_failed(c->core, "cannot listen for the data connection");
            break;
        }
        ftp_dataconn_arm(&c->dc);
        ftp_client_core_data_listening(c->core, host, port);
        break;
    }
    case FTP_CLIENT_ACT_DATA_SEND:
        ftp_dataconn_push(&c->dc);
        break;
    case FTP_CLIENT_ACT_DATA_CLOSE:
        client_data_drop(c);
        break;
    }
}

static void client_events(ftp_client_conn *c)
{
    ftp_client_event ev;
    while (ftp_client_core_next_event(c->core, &ev)) {
        if (ev.kind == FTP_CLIENT_EV_DONE)
            c->done = true;
        if (c->h.event)
            c->h.event(c->ud, c, &ev);
        ftp_client_event_clear(&ev);
    }
}

static void client_pump(ftp_client_conn *c)
{
    for (int guard = 0; !c->reported && guard < 64; guard++) {
        size_t n;
        const uint8_t *out = ftp_client_core_output(c->core, &n);
        if (n && c->s) {
            size_t k = stream_write(c->s, out, n);
            c->ctl_out += k;
            ftp_client_core_consume(c->core, k);
        }
        ftp_client_action a;
        bool acted = false;
        while (ftp_client_core_next_action(c->core, &a)) {
            client_act(c, &a);
            acted = true;
        }
        client_events(c);
        ftp_client_core_output(c->core, &n);
        if (c->done && (n == 0 || !c->s)) {
            client_data_drop(c);
            if (c->s)
                stream_close(c->s);
            c->s = NULL;
            c->reported = true;
            c->dc.refusing = true;
            host_timer_cancel(c->env, c->idle);
            c->idle = 0;
            if (c->h.closed)
                c->h.closed(c->ud, c); /* last: the application may free c */
            return;
        }
        if (!acted)
            return;
    }
}

static void client_ctl_connected(void *ud, stream_t *s)
{
    ftp_client_conn *c = ud;
    char peer[46];
    if (end_literal(&c->o, s, true, peer))
        ftp_client_core_set_peer(c->core, peer);
    client_pump(c);
}

static void client_ctl_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    ftp_client_conn *c = ud;
    if (c->reported)
        return;
    client_arm(c);
    c->ctl_in += len;
    uint8_t *zeros = data ? NULL : g_malloc0(len);
    ftp_client_core_feed(c->core, data ? data : zeros, len);
    g_free(zeros);
    client_pump(c);
}

static void client_ctl_writable(void *ud, stream_t *s)
{
    (void)s;
    client_pump(ud);
}

static void client_ctl_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    ftp_client_conn *c = ud;
    ftp_client_core_closed(c->core, "the server closed the connection");
    if (c->s)
        stream_close(c->s);
    c->s = NULL;
    client_pump(c);
}

static void client_ctl_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    ftp_client_conn *c = ud;
    c->s = NULL;
    ftp_client_core_closed(c->core, stream_err_text(err));
    client_pump(c);
}

static const stream_handler client_ctl_handler = {.connected = client_ctl_connected,
                                                  .data = client_ctl_data,
                                                  .writable = client_ctl_writable,
                                                  .peer_closed = client_ctl_peer_closed,
                                                  .error = client_ctl_error};

ftp_client_conn *ftp_client_conn_new(host_env *env, const char *host, uint16_t port, const ftp_client_config *cfg,
                                     const ftp_conn_options *opts, const ftp_client_conn_handler *h, void *ud,
                                     GError **err)
{
    ftp_client_conn *c = g_new0(ftp_client_conn, 1);
    c->env = env;
    options_set(&c->o, opts, FTP_CONN_DEFAULT_CLIENT_IDLE_NS);
    c->core = ftp_client_core_new(cfg);
    if (h)
        c->h = *h;
    c->ud = ud;
    ftp_dataconn_init(&c->dc, env, &client_data_ops, c, c->o.data_timeout_ns);
    c->s = host_connect(env, host, port, &client_ctl_handler, c, err);
    if (!c->s) {
        ftp_client_core_free(c->core);
        g_free(c);
        return NULL;
    }
    client_arm(c);
    return c;
}

void ftp_client_conn_free(ftp_client_conn *c)
{
    if (!c)
        return;
    c->reported = true;
    c->dc.refusing = true;
    host_timer_cancel(c->env, c->idle);
    client_data_drop(c);
    if (c->s)
        stream_close(c->s);
    ftp_client_core_free(c->core);
    g_free(c);
}

void ftp_client_conn_control_bytes(const ftp_client_conn *c, uint64_t *in, uint64_t *out)
{
    *in = c->ctl_in;
    *out = c->ctl_out;
}
