/*
 * ftp_conn: the FTP cores on a control stream, data streams, listeners
 * and timers (see ftp_conn.h). Every callback hands the core what
 * happened, then pumps: writes what the control stream accepts, carries
 * out the core's actions, passes events on. Costs: the cores'; a control
 * delivery is copied at most once, when the server core pauses in it.
 */
#include "ftp_conn.h"

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
    host_env *env;
    stream_t *s; /* control; NULL once closed or failed */
    stream_t *d; /* data; NULL when none */
    host_listener *l;
    bool d_up; /* the data connection is up (not still connecting) */
    ftp_server_core *core;
    ftp_server_conn_handler h;
    void *ud;
    ftp_conn_options o;
    host_timer_id idle, dtimer;
    GByteArray *pending; /* control input the core paused in */
    bool closing;
    bool reported;
};

static bool server_pump(ftp_server_conn *c);

static void server_data_drop(ftp_server_conn *c)
{
    host_timer_cancel(c->env, c->dtimer);
    c->dtimer = 0;
    host_unlisten(c->env, c->l);
    c->l = NULL;
    if (c->d)
        stream_close(c->d);
    c->d = NULL;
    c->d_up = false;
}

static void server_report(ftp_server_conn *c, const char *why)
{
    if (c->reported)
        return;
    c->reported = true;
    host_timer_cancel(c->env, c->idle);
    c->idle = 0;
    server_data_drop(c);
    if (c->s)
        stream_close(c->s);
    c->s = NULL;
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
    c->idle = 0;
    if (c->s) {
        char *r = ftp_reply_format(421, "Timeout: no command for too long; closing the control connection.");
        stream_write(c->s, r, strlen(r));
        g_free(r);
    }
    server_end(c, "idle");
}

static void server_arm(ftp_server_conn *c)
{
    host_timer_cancel(c->env, c->idle);
    c->idle = host_timer(c->env, c->o.idle_timeout_ns, server_idle, c);
}

static void server_data_timeout(void *ud)
{
    ftp_server_conn *c = ud;
    c->dtimer = 0;
    server_data_drop(c);
    ftp_server_core_data_timeout(c->core);
    server_pump(c);
}

static void server_data_push(ftp_server_conn *c)
{
    size_t len;
    while (c->d && c->d_up) {
        const uint8_t *p = ftp_server_core_data_output(c->core, &len);
        if (len == 0)
            return;
        size_t k = stream_write(c->d, p, len);
        ftp_server_core_data_consume(c->core, k);
        if (k < len)
            return;
    }
}

static void sd_connected(void *ud, stream_t *s)
{
    (void)s;
    ftp_server_conn *c = ud;
    host_timer_cancel(c->env, c->dtimer);
    c->dtimer = 0;
    c->d_up = true;
    ftp_server_core_data_connected(c->core);
    server_pump(c);
}

static void sd_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    ftp_server_conn *c = ud;
    server_arm(c);
    uint8_t *zeros = data ? NULL : g_malloc0(len); /* length-only bytes are stored as zeros */
    ftp_server_core_data_received(c->core, data ? data : zeros, len);
    g_free(zeros);
    server_pump(c);
}

static void sd_writable(void *ud, stream_t *s)
{
    (void)s;
    ftp_server_conn *c = ud;
    server_arm(c);
    server_data_push(c);
    server_pump(c);
}

static void sd_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    ftp_server_conn *c = ud;
    ftp_server_core_data_eof(c->core);
    server_pump(c);
}

static void sd_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    ftp_server_conn *c = ud;
    bool up = c->d_up;
    c->d = NULL; /* gone */
    c->d_up = false;
    host_timer_cancel(c->env, c->dtimer);
    c->dtimer = 0;
    if (up)
        ftp_server_core_data_error(c->core);
    else
        ftp_server_core_data_failed(c->core);
    server_pump(c);
}

static const stream_handler server_data_handler = {.connected = sd_connected,
                                                   .data = sd_data,
                                                   .writable = sd_writable,
                                                   .peer_closed = sd_peer_closed,
                                                   .error = sd_error};

static void server_accept(void *ud, stream_t *s)
{
    ftp_server_conn *c = ud;
    if (c->d || c->reported) {
        stream_abort(s); /* one data connection per listener */
        return;
    }
    c->d = s;
    stream_set_handler(s, &server_data_handler, c);
    sd_connected(c, s);
}

static void server_listen(ftp_server_conn *c, int family)
{
    server_data_drop(c);
    ftp_hostport own = {.family = family};
    c->l = host_listen(c->env, 0, server_accept, c, NULL);
    if (!c->l || !end_literal(&c->o, c->s, false, own.host)) {
        server_data_drop(c);
        ftp_server_core_data_failed(c->core);
        return;
    }
    own.port = host_listener_port(c->env, c->l);
    c->dtimer = host_timer(c->env, c->o.data_timeout_ns, server_data_timeout, c);
    ftp_server_core_data_listening(c->core, &own);
}

/* The local port of an active data connection (see data_port); 0: any. */
static uint16_t server_data_port(const ftp_server_conn *c)
{
    if (c->o.data_port > 0 && c->o.data_port <= 65535)
        return (uint16_t)c->o.data_port;
    stream_addr own;
    if (c->o.data_port != 0 || !c->s || !stream_local_addr(c->s, &own) || own.port < 2)
        return 0;
    return (uint16_t)(own.port - 1);
}

static void server_connect(ftp_server_conn *c, const ftp_hostport *hp)
{
    server_data_drop(c);
    c->d = host_connect_from(c->env, server_data_port(c), hp->host, hp->port, &server_data_handler, c, NULL);
    if (!c->d) {
        ftp_server_core_data_failed(c->core);
        return;
    }
    c->dtimer = host_timer(c->env, c->o.data_timeout_ns, server_data_timeout, c);
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
        server_data_push(c);
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
    for (int guard = 0; !c->reported; guard++) {
        size_t n;
        const uint8_t *out = ftp_server_core_output(c->core, &n);
        if (n && c->s)
            ftp_server_core_consume(c->core, stream_write(c->s, out, n));
        ftp_server_action a;
        bool acted = false;
        while (ftp_server_core_next_action(c->core, &a)) {
            server_act(c, &a);
            acted = true;
        }
        ftp_server_core_output(c->core, &n);
        if (c->closing && (n == 0 || !c->s)) {
            server_report(c, "quit");
            return false;
        }
        if (n == 0 && c->pending->len && !c->closing) {
            size_t k = ftp_server_core_feed(c->core, c->pending->data, c->pending->len);
            g_byte_array_remove_range(c->pending, 0, (guint)k);
            if (c->pending->len == 0 && c->s)
                stream_set_reading(c->s, true);
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
    if (c->closing || c->reported)
        return;
    server_arm(c);
    uint8_t *zeros = data ? NULL : g_malloc0(len); /* length-only bytes carry no commands */
    const uint8_t *p = data ? data : zeros;
    if (c->pending->len) {
        g_byte_array_append(c->pending, p, (guint)len);
    } else {
        size_t k = ftp_server_core_feed(c->core, p, len);
        if (k < len)
            g_byte_array_append(c->pending, p + k, (guint)(len - k));
    }
    g_free(zeros);
    if (c->pending->len && c->s)
        stream_set_reading(c->s, false);
    server_pump(c);
}

static void server_ctl_writable(void *ud, stream_t *s)
{
    (void)s;
    ftp_server_conn *c = ud;
    if (!c->reported)
        server_pump(c);
}

static void server_ctl_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    ftp_server_conn *c = ud;
    if (!c->reported && !c->closing)
        server_end(c, "peer closed");
}

static void server_ctl_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    ftp_server_conn *c = ud;
    c->s = NULL;
    if (!c->reported)
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
    c->env = env;
    c->s = s;
    options_set(&c->o, opts, FTP_CONN_DEFAULT_IDLE_NS);
    char peer[46] = "";
    end_literal(&c->o, s, true, peer);
    c->core = ftp_server_core_new(cfg, fs, peer, host_wall_s(env));
    if (h)
        c->h = *h;
    c->ud = ud;
    c->pending = g_byte_array_new();
    stream_set_handler(s, &server_ctl_handler, c);
    server_arm(c);
    server_pump(c);
    return c;
}

void ftp_server_conn_shutdown(ftp_server_conn *c)
{
    if (!c->reported)
        server_end(c, "shutdown");
}

void ftp_server_conn_free(ftp_server_conn *c)
{
    if (!c)
        return;
    c->reported = true;
    host_timer_cancel(c->env, c->idle);
    server_data_drop(c);
    if (c->s)
        stream_close(c->s);
    ftp_server_core_free(c->core);
    g_byte_array_free(c->pending, TRUE);
    g_free(c);
}

/* ---- client ---------------------------------------------------------------- */

struct ftp_client_conn {
    host_env *env;
    stream_t *s; /* control; NULL once closed or failed */
    stream_t *d; /* data; NULL when none */
    host_listener *l;
    bool d_up;
    ftp_client_core *core;
    ftp_client_conn_handler h;
    void *ud;
    ftp_conn_options o;
    host_timer_id idle, dtimer;
    uint64_t ctl_in, ctl_out;
    bool done;
    bool reported;
};

static void client_pump(ftp_client_conn *c);

static void client_data_drop(ftp_client_conn *c)
{
    host_timer_cancel(c->env, c->dtimer);
    c->dtimer = 0;
    host_unlisten(c->env, c->l);
    c->l = NULL;
    if (c->d)
        stream_close(c->d);
    c->d = NULL;
    c->d_up = false;
}

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

static void client_data_timeout(void *ud)
{
    ftp_client_conn *c = ud;
    c->dtimer = 0;
    client_data_drop(c);
    ftp_client_core_data_failed(c->core, "no data connection (timeout)");
    client_pump(c);
}

static void client_data_push(ftp_client_conn *c)
{
    size_t len;
    while (c->d && c->d_up) {
        const uint8_t *p = ftp_client_core_data_out(c->core, &len);
        if (len == 0)
            return;
        size_t k = stream_write(c->d, p, len);
        ftp_client_core_data_written(c->core, k);
        if (k < len)
            return;
    }
}

static void cd_connected(void *ud, stream_t *s)
{
    (void)s;
    ftp_client_conn *c = ud;
    host_timer_cancel(c->env, c->dtimer);
    c->dtimer = 0;
    c->d_up = true;
    ftp_client_core_data_connected(c->core);
    client_pump(c);
}

static void cd_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    ftp_client_conn *c = ud;
    client_arm(c);
    ftp_client_core_data_received(c->core, data, len);
    client_pump(c);
}

static void cd_writable(void *ud, stream_t *s)
{
    (void)s;
    ftp_client_conn *c = ud;
    client_arm(c);
    client_data_push(c);
    client_pump(c);
}

static void cd_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    ftp_client_conn *c = ud;
    ftp_client_core_data_eof(c->core);
    client_pump(c);
}

static void cd_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    ftp_client_conn *c = ud;
    c->d = NULL; /* gone */
    c->d_up = false;
    host_timer_cancel(c->env, c->dtimer);
    c->dtimer = 0;
    ftp_client_core_data_failed(c->core, stream_err_text(err));
    client_pump(c);
}

static const stream_handler client_data_handler = {.connected = cd_connected,
                                                   .data = cd_data,
                                                   .writable = cd_writable,
                                                   .peer_closed = cd_peer_closed,
                                                   .error = cd_error};

static void client_accept(void *ud, stream_t *s)
{
    ftp_client_conn *c = ud;
    if (c->d || c->reported) {
        stream_abort(s);
        return;
    }
    c->d = s;
    stream_set_handler(s, &client_data_handler, c);
    cd_connected(c, s);
}

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
        c->d = host[0] ? host_connect(c->env, host, a->port, &client_data_handler, c, NULL) : NULL;
        if (!c->d)
            ftp_client_core_data_failed(c->core, "cannot open the data connection");
        else
            c->dtimer = host_timer(c->env, c->o.data_timeout_ns, client_data_timeout, c);
        break;
    case FTP_CLIENT_ACT_DATA_LISTEN:
        client_data_drop(c);
        c->l = host_listen(c->env, 0, client_accept, c, NULL);
        if (!c->l || !end_literal(&c->o, c->s, false, host)) {
            client_data_drop(c);
            ftp_client_core_data_failed(c->core, "cannot listen for the data connection");
            break;
        }
        c->dtimer = host_timer(c->env, c->o.data_timeout_ns, client_data_timeout, c);
        ftp_client_core_data_listening(c->core, host, host_listener_port(c->env, c->l));
        break;
    case FTP_CLIENT_ACT_DATA_SEND:
        client_data_push(c);
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
