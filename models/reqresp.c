/* reqresp: the request/response server and client. */
#include "reqresp.h"

#include <string.h>

typedef struct {
    rr_server *srv;
    uint64_t got;      /* request bytes received for the current request */
    uint64_t to_send;  /* response bytes still to write */
    uint64_t sent;     /* response bytes written so far (pattern offset) */
    uint32_t answered;
    bool closing;
} rr_session;

static void session_free(rr_session *ss)
{
    g_ptr_array_remove_fast(ss->srv->sessions, ss);
    g_free(ss);
}

static void session_pump(rr_session *ss, stream_t *s)
{
    uint8_t buf[4096];
    while (ss->to_send > 0) {
        size_t want = (size_t)MIN(ss->to_send, (uint64_t)sizeof buf);
        size_t n;
        if (ss->srv->spec.real) {
            for (size_t i = 0; i < want; i++)
                buf[i] = rr_pattern(ss->sent + i);
            n = stream_write(s, buf, want);
        } else {
            want = (size_t)MIN(ss->to_send, (uint64_t)1 << 30);
            n = stream_write(s, NULL, want);
        }
        ss->to_send -= n;
        ss->sent += n;
        if (n < want)
            return; /* writable() will call again */
    }
    if (ss->answered == ss->srv->spec.requests && !ss->closing) {
        ss->closing = true;
        ss->srv->served++;
        stream_close(s);
        session_free(ss);
    }
}

static void session_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)data;
    rr_session *ss = ud;
    ss->got += len;
    while (ss->got >= ss->srv->spec.req_bytes && ss->answered < ss->srv->spec.requests) {
        ss->got -= ss->srv->spec.req_bytes;
        ss->answered++;
        ss->to_send += ss->srv->spec.resp_bytes; /* the pattern runs on across responses */
    }
    session_pump(ss, s);
}

static void session_writable(void *ud, stream_t *s) { session_pump(ud, s); }

static void session_peer_closed(void *ud, stream_t *s)
{
    rr_session *ss = ud;
    if (!ss->closing) {
        ss->closing = true;
        stream_close(s);
        session_free(ss);
    }
}

static void session_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    session_free(ud);
}

static const stream_handler session_handler = {
    .data = session_data,
    .writable = session_writable,
    .peer_closed = session_peer_closed,
    .error = session_error,
};

static void on_accept(void *ud, stream_t *s)
{
    rr_server *srv = ud;
    srv->accepted++;
    srv->last = s;
    rr_session *ss = g_new0(rr_session, 1);
    ss->srv = srv;
    g_ptr_array_add(srv->sessions, ss);
    stream_set_handler(s, &session_handler, ss);
}

bool rr_server_listen(rr_server *srv, tcp_stack_t *st, node_t *host, uint16_t port,
                      const tcp_params_t *p, const rr_spec *spec, GError **err)
{
    memset(srv, 0, sizeof *srv);
    srv->spec = *spec;
    srv->sessions = g_ptr_array_new();
    return tcp_listen(st, host, port, p, on_accept, srv, err) != NULL;
}

void rr_server_clear(rr_server *srv)
{
    if (!srv->sessions)
        return;
    for (guint i = 0; i < srv->sessions->len; i++)
        g_free(g_ptr_array_index(srv->sessions, i));
    g_ptr_array_free(srv->sessions, TRUE);
    srv->sessions = NULL;
}

static void client_send_request(rr_client *cl)
{
    uint64_t left = cl->spec.req_bytes - cl->req_sent;
    if (left == 0)
        return;
    cl->req_sent += stream_write(cl->s, NULL, (size_t)left);
}

static void client_connected(void *ud, stream_t *s)
{
    (void)s;
    rr_client *cl = ud;
    cl->t_connected = sim_now(cl->sim);
    client_send_request(cl);
}

static void client_finish(rr_client *cl)
{
    if (cl->closed)
        return;
    tcp_stream_stats(cl->s, &cl->stats);
    cl->closed = true;
    stream_close(cl->s);
}

static void client_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    rr_client *cl = ud;
    if (!cl->digest) {
        /* nothing to digest */
    } else if (data) {
        g_checksum_update(cl->digest, data, len);
    } else {
        uint8_t zero[1024] = {0};
        for (size_t left = len; left > 0;) {
            size_t n = MIN(left, sizeof zero);
            g_checksum_update(cl->digest, zero, n);
            left -= n;
        }
    }
    cl->got += len;
    cl->total += len;
    cl->t_last = sim_now(cl->sim);
    while (cl->got >= cl->spec.resp_bytes && cl->done < cl->spec.requests) {
        cl->got -= cl->spec.resp_bytes;
        cl->done++;
        if (cl->done < cl->spec.requests) {
            cl->req_sent = 0;
            client_send_request(cl);
        }
    }
    if (cl->done == cl->spec.requests)
        client_finish(cl);
}

static void client_writable(void *ud, stream_t *s)
{
    (void)s;
    client_send_request(ud);
}

static void client_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    rr_client *cl = ud;
    cl->peer_closed = true;
    client_finish(cl);
}

static void client_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    rr_client *cl = ud;
    cl->err = err;
    cl->closed = true;
}

static const stream_handler client_handler = {
    .connected = client_connected,
    .data = client_data,
    .writable = client_writable,
    .peer_closed = client_peer_closed,
    .error = client_error,
};

bool rr_client_start(rr_client *cl, tcp_stack_t *st, node_t *host, node_t *server, uint16_t port,
                     const tcp_params_t *p, const rr_spec *spec, GError **err)
{
    memset(cl, 0, sizeof *cl);
    cl->spec = *spec;
    cl->sim = net_sim(tcp_stack_net(st));
    cl->digest = spec->digest ? g_checksum_new(G_CHECKSUM_SHA256) : NULL;
    cl->t_last = -1;
    cl->t_connect = sim_now(cl->sim);
    cl->s = tcp_connect(st, host, server, port, p, &client_handler, cl, err);
    return cl->s != NULL;
}

void rr_client_clear(rr_client *cl)
{
    if (cl->digest)
        g_checksum_free(cl->digest);
    cl->digest = NULL;
}

char *rr_expected_digest(uint64_t bytes_per_response, uint32_t responses)
{
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    uint8_t buf[4096];
    for (uint32_t r = 0; r < responses; r++) {
        for (uint64_t off = 0; off < bytes_per_response; off += sizeof buf) {
            size_t n = (size_t)MIN((uint64_t)sizeof buf, bytes_per_response - off);
            for (size_t i = 0; i < n; i++)
                buf[i] = rr_pattern(r * bytes_per_response + off + i);
            g_checksum_update(ck, buf, n);
        }
    }
    char *hex = g_strdup(g_checksum_get_string(ck));
    g_checksum_free(ck);
    return hex;
}
