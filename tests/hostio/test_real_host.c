/*
 * Tests of hostio/real_host: the host and stream seams on real loopback
 * sockets. Every test runs its own GMainContext (made thread-default while
 * it runs) and stops itself: run_until() fails the test when a guard
 * timeout of a few seconds fires first. Callbacks check the seam's
 * contracts as they go: never from inside an operation, nothing after
 * close(), abort() or error(), connected first, peer_closed once.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostio/real_host.h"
#include "test_util.h"

#define GUARD_MS 5000 /* a test that has not finished by then fails */

/* ---- fixture ---------------------------------------------------------- */

typedef struct {
    GMainContext *ctx;
    real_host_t *rh;
    host_env *env;
} fixture;

static void fx_init(fixture *f)
{
    f->ctx = g_main_context_new();
    g_main_context_push_thread_default(f->ctx);
    f->rh = real_host_new(f->ctx, "test");
    f->env = real_host_env(f->rh);
}

static void fx_clear(fixture *f)
{
    real_host_free(f->rh);
    while (g_main_context_iteration(f->ctx, FALSE))
        ;
    g_main_context_pop_thread_default(f->ctx);
    g_main_context_unref(f->ctx);
}

static gboolean set_flag_source(gpointer p)
{
    *(bool *)p = true;
    return G_SOURCE_REMOVE;
}

static void set_flag(void *p) { *(bool *)p = true; }

/* Runs the context until *done or `ms` milliseconds have passed; true
 * when the time ran out. */
static bool run_guarded(GMainContext *ctx, const bool *done, unsigned ms)
{
    bool timed_out = false;
    GSource *guard = g_timeout_source_new(ms);
    g_source_set_callback(guard, set_flag_source, &timed_out, NULL);
    g_source_attach(guard, ctx);
    while (!*done && !timed_out)
        g_main_context_iteration(ctx, TRUE);
    g_source_destroy(guard);
    g_source_unref(guard);
    return timed_out;
}

/* Runs the context until *done; fails the test when the guard fires
 * first. */
static bool run_until(GMainContext *ctx, const bool *done, unsigned ms)
{
    bool timed_out = run_guarded(ctx, done, ms);
    CU_ASSERT_FALSE(timed_out);
    return !timed_out;
}

/* Runs the context for `ms` milliseconds. */
static void run_for(GMainContext *ctx, unsigned ms)
{
    static const bool never = false;
    run_guarded(ctx, &never, ms);
}

/* Runs until the host has nothing pending (its idle callback). */
static bool run_until_idle(fixture *f)
{
    bool idle = false;
    real_host_set_idle_fn(f->rh, set_flag, &idle);
    bool ok = run_until(f->ctx, &idle, GUARD_MS);
    real_host_set_idle_fn(f->rh, NULL, NULL);
    CU_ASSERT_EQUAL(real_host_pending(f->rh), 0);
    return ok;
}

/* ---- operations wrapped to check "no callback from inside an operation" */

static int in_op; /* > 0 while the test is inside a seam operation */

static size_t t_write(stream_t *s, const void *d, size_t n)
{
    in_op++;
    size_t r = stream_write(s, d, n);
    in_op--;
    return r;
}
static void t_shutdown(stream_t *s)
{
    in_op++;
    stream_shutdown_write(s);
    in_op--;
}
static void t_close(stream_t *s)
{
    in_op++;
    stream_close(s);
    in_op--;
}
static void t_abort(stream_t *s)
{
    in_op++;
    stream_abort(s);
    in_op--;
}
static void t_reading(stream_t *s, bool on)
{
    in_op++;
    stream_set_reading(s, on);
    in_op--;
}
static stream_t *t_connect(fixture *f, const char *host, uint16_t port, const stream_handler *h,
                           void *ud)
{
    GError *err = NULL;
    in_op++;
    stream_t *s = host_connect(f->env, host, port, h, ud, &err);
    in_op--;
    CU_ASSERT_PTR_NOT_NULL(s);
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
    return s;
}
static host_listener *t_listen(fixture *f, uint16_t port, stream_accept_fn fn, void *ud)
{
    GError *err = NULL;
    in_op++;
    host_listener *l = host_listen(f->env, port, fn, ud, &err);
    in_op--;
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
    CU_ASSERT_NOT_EQUAL(real_host_listener_port(l), 0);
    return l;
}

/* ---- a peer: one end of a connection that records what it hears ------- */

typedef struct peer peer;
struct peer {
    stream_t *s;
    GString *rx;     /* the bytes received */
    GString *events; /* C connected, D data, W writable, P peer closed, E error */
    int err;         /* the stream_err, or -1 */
    bool connected, eof, gone;
    bool ended; /* peer closed or error */
    unsigned ndata, nwritable;
    uint64_t id; /* the stream's id (the stream is gone after close) */
    /* Optional behaviour, per test. */
    void (*on_connected)(peer *p);
    void (*on_data)(peer *p, const uint8_t *d, size_t n);
    void (*on_eof)(peer *p);
    void (*on_writable)(peer *p);
    void *ctx;
    host_env *env; /* the host, for callbacks that arm timers */
};

static void peer_init(peer *p)
{
    memset(p, 0, sizeof *p);
    p->rx = g_string_new(NULL);
    p->events = g_string_new(NULL);
    p->err = -1;
}

static void peer_clear(peer *p)
{
    g_string_free(p->rx, TRUE);
    g_string_free(p->events, TRUE);
}

static void peer_close(peer *p)
{
    p->gone = true;
    t_close(p->s);
}

static void peer_abort(peer *p)
{
    p->gone = true;
    t_abort(p->s);
}

/* The checks every callback makes. */
static void peer_enter(peer *p, stream_t *s, char ev)
{
    CU_ASSERT_EQUAL(in_op, 0);
    CU_ASSERT_FALSE(p->gone);
    CU_ASSERT_PTR_EQUAL(s, p->s);
    CU_ASSERT_FALSE(p->eof && ev == 'P');
    g_string_append_c(p->events, ev);
}

static void h_connected(void *ud, stream_t *s)
{
    peer *p = ud;
    peer_enter(p, s, 'C');
    CU_ASSERT_EQUAL(p->events->len, 1); /* connected comes first */
    p->connected = true;
    if (p->on_connected)
        p->on_connected(p);
}

static void h_data(void *ud, stream_t *s, const uint8_t *d, size_t n)
{
    peer *p = ud;
    peer_enter(p, s, 'D');
    CU_ASSERT_FALSE(p->eof);
    CU_ASSERT_PTR_NOT_NULL(d);
    CU_ASSERT(n > 0);
    p->ndata++;
    g_string_append_len(p->rx, (const char *)d, (gssize)n);
    if (p->on_data)
        p->on_data(p, d, n);
}

static void h_writable(void *ud, stream_t *s)
{
    peer *p = ud;
    peer_enter(p, s, 'W');
    p->nwritable++;
    if (p->on_writable)
        p->on_writable(p);
}

static void h_peer_closed(void *ud, stream_t *s)
{
    peer *p = ud;
    peer_enter(p, s, 'P');
    p->eof = true;
    p->ended = true;
    if (p->on_eof)
        p->on_eof(p);
}

static void h_error(void *ud, stream_t *s, stream_err err)
{
    peer *p = ud;
    peer_enter(p, s, 'E');
    p->err = (int)err;
    p->gone = true;
    p->ended = true;
}

static const stream_handler peer_handler = {
    .connected = h_connected,
    .data = h_data,
    .writable = h_writable,
    .peer_closed = h_peer_closed,
    .error = h_error,
};

/* A server: accepted connections become peers of a fixed table, each
 * taking the behaviour of the template. */
typedef struct {
    peer peers[4];
    unsigned n;
    peer tmpl; /* hooks and ctx copied into each new peer */
    void (*on_accept)(peer *p);
} server;

static void server_init(server *sv)
{
    memset(sv, 0, sizeof *sv);
    for (unsigned i = 0; i < G_N_ELEMENTS(sv->peers); i++)
        peer_init(&sv->peers[i]);
}

static void server_clear(server *sv)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(sv->peers); i++)
        peer_clear(&sv->peers[i]);
}

static void server_accept(void *ud, stream_t *s)
{
    server *sv = ud;
    CU_ASSERT_EQUAL(in_op, 0);
    CU_ASSERT(sv->n < G_N_ELEMENTS(sv->peers));
    if (sv->n >= G_N_ELEMENTS(sv->peers)) {
        stream_close(s); /* more than the test expects */
        return;
    }
    peer *p = &sv->peers[sv->n++];
    p->on_connected = sv->tmpl.on_connected;
    p->on_data = sv->tmpl.on_data;
    p->on_eof = sv->tmpl.on_eof;
    p->on_writable = sv->tmpl.on_writable;
    p->ctx = sv->tmpl.ctx;
    p->env = sv->tmpl.env;
    p->s = s;
    p->id = s->id;
    CU_ASSERT(s->id > 0);
    stream_set_handler(s, &peer_handler, p);
    if (sv->on_accept)
        sv->on_accept(p);
}

/* ---- echo: 1 MB each way with backpressure ---------------------------- */

#define ECHO_BYTES 1000000
#define ECHO_SNDBUF 65536

typedef struct {
    GByteArray *backlog; /* received, not yet accepted by write() */
    unsigned pauses;
    bool reading;
} echo_state;

static void echo_pump(peer *p)
{
    echo_state *e = p->ctx;
    if (e->backlog->len) {
        size_t n = t_write(p->s, e->backlog->data, e->backlog->len);
        g_byte_array_remove_range(e->backlog, 0, (guint)n);
    }
    if (e->backlog->len && e->reading) {
        t_reading(p->s, false); /* hold the input until the output drains */
        e->reading = false;
        e->pauses++;
    } else if (!e->backlog->len && !e->reading) {
        t_reading(p->s, true);
        e->reading = true;
    }
    if (p->eof && !e->backlog->len)
        peer_close(p);
}

static void echo_data(peer *p, const uint8_t *d, size_t n)
{
    echo_state *e = p->ctx;
    g_string_truncate(p->rx, 0); /* the server keeps no copy */
    g_byte_array_append(e->backlog, d, (guint)n);
    echo_pump(p);
}

typedef struct {
    const uint8_t *pattern;
    size_t sent;
    unsigned short_writes;
    GChecksum *sum;
    size_t rcvd;
} echo_client;

static void client_push(peer *p)
{
    echo_client *c = p->ctx;
    while (c->sent < ECHO_BYTES) {
        size_t ask = MIN(ECHO_BYTES - c->sent, 100000);
        size_t n = t_write(p->s, c->pattern + c->sent, ask);
        c->sent += n;
        if (n < ask) {
            c->short_writes++;
            CU_ASSERT_EQUAL(stream_write_space(p->s), 0);
            return; /* writable() follows */
        }
    }
    t_shutdown(p->s);
}

static void client_resume(void *ud)
{
    peer *p = ud;
    CU_ASSERT_EQUAL(in_op, 0);
    t_reading(p->s, true);
}

/* The client holds its input for 100 ms at first, so that the echo fills
 * the kernel's buffers and the server's send buffer: the server then has
 * to pause its reading and wait for writable(). */
static void client_start(peer *p)
{
    t_reading(p->s, false);
    host_timer(p->env, 100 * (int64_t)1000000, client_resume, p);
    client_push(p);
}

static void client_data(peer *p, const uint8_t *d, size_t n)
{
    echo_client *c = p->ctx;
    g_checksum_update(c->sum, d, (gssize)n);
    c->rcvd += n;
    g_string_truncate(p->rx, 0);
}

static void client_eof(peer *p) { peer_close(p); }

static void test_echo_1mb(void)
{
    fixture f;
    fx_init(&f);
    real_host_set_send_buffer(f.rh, ECHO_SNDBUF);
    uint8_t *pattern = g_malloc(ECHO_BYTES);
    for (size_t i = 0; i < ECHO_BYTES; i++)
        pattern[i] = (uint8_t)(((i * 2654435761u) >> 13) ^ (i / 4093));
    char *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, pattern, ECHO_BYTES);

    server sv;
    server_init(&sv);
    echo_state es = {.backlog = g_byte_array_new(), .reading = true};
    sv.tmpl.on_data = echo_data;
    sv.tmpl.on_writable = echo_pump;
    sv.tmpl.on_eof = echo_pump;
    sv.tmpl.ctx = &es;
    host_listener *l = t_listen(&f, 0, server_accept, &sv);

    peer cl;
    peer_init(&cl);
    echo_client ec = {.pattern = pattern, .sum = g_checksum_new(G_CHECKSUM_SHA256)};
    cl.ctx = &ec;
    cl.env = f.env;
    cl.on_connected = client_start;
    cl.on_writable = client_push;
    cl.on_data = client_data;
    cl.on_eof = client_eof;
    cl.s = t_connect(&f, "127.0.0.1", real_host_listener_port(l), &peer_handler, &cl);
    uint64_t client_id = cl.s->id;
    CU_ASSERT(client_id > 0);
    CU_ASSERT_EQUAL(real_host_connections(f.rh), 1);

    run_until_idle(&f);
    CU_ASSERT_TRUE(cl.connected);
    CU_ASSERT_TRUE(cl.eof);
    CU_ASSERT_EQUAL(cl.err, -1);
    CU_ASSERT_EQUAL(sv.n, 1);
    CU_ASSERT_EQUAL(sv.peers[0].err, -1);
    CU_ASSERT_TRUE(sv.peers[0].eof);
    CU_ASSERT_EQUAL(sv.peers[0].id, client_id + 1); /* accepted after */
    CU_ASSERT_EQUAL(ec.sent, ECHO_BYTES);
    CU_ASSERT_EQUAL(ec.rcvd, ECHO_BYTES);
    CU_ASSERT_STRING_EQUAL(g_checksum_get_string(ec.sum), want);
    /* 1 MB through a 64 KiB send buffer: write() was cut short and
     * writable() called the client back. */
    CU_ASSERT(ec.short_writes >= 1);
    CU_ASSERT(cl.nwritable >= 1);
    CU_ASSERT_EQUAL(cl.nwritable, ec.short_writes);
    CU_ASSERT(es.pauses >= 1);
    CU_ASSERT(sv.peers[0].nwritable >= 1);
    CU_ASSERT_EQUAL(es.backlog->len, 0);

    host_unlisten(f.env, l);
    g_checksum_free(ec.sum);
    g_byte_array_free(es.backlog, TRUE);
    g_free(want);
    g_free(pattern);
    peer_clear(&cl);
    server_clear(&sv);
    fx_clear(&f);
}

/* The set-up of a test of one loopback connection: the fixture `f`, the
 * server `sv` listening on an ephemeral port, its peers ending with
 * `srv_eof`, and the client `cl` connected to it, calling `on_connected`
 * once connected and `cl_eof` at the peer's end (each NULL: none). The
 * listener; one_conn_end frees it all (and what a test built the same
 * way step by step). */
static host_listener *one_conn(fixture *f, server *sv, void (*srv_eof)(peer *), peer *cl,
                               void (*on_connected)(peer *), void (*cl_eof)(peer *))
{
    fx_init(f);
    server_init(sv);
    sv->tmpl.on_eof = srv_eof;
    host_listener *l = t_listen(f, 0, server_accept, sv);
    peer_init(cl);
    cl->on_connected = on_connected;
    cl->on_eof = cl_eof;
    cl->s = t_connect(f, "127.0.0.1", real_host_listener_port(l), &peer_handler, cl);
    return l;
}

static void one_conn_end(fixture *f, host_listener *l, peer *cl, server *sv)
{
    host_unlisten(f->env, l);
    peer_clear(cl);
    server_clear(sv);
    fx_clear(f);
}

/* ---- connect failures ------------------------------------------------- */

/* A port bound on 127.0.0.1 that nobody listens on: connects are refused
 * (no race with other programs while we hold it). */
static GSocket *closed_port(uint16_t *port)
{
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                              NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    GSocketAddress *a = g_inet_socket_address_new_from_string("127.0.0.1", 0);
    CU_ASSERT_TRUE(g_socket_bind(s, a, FALSE, NULL));
    g_object_unref(a);
    a = g_socket_get_local_address(s, NULL);
    *port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a));
    g_object_unref(a);
    return s;
}

static void test_connect_refused(void)
{
    fixture f;
    fx_init(&f);
    uint16_t port;
    GSocket *hold = closed_port(&port);
    peer cl;
    peer_init(&cl);
    cl.s = t_connect(&f, "127.0.0.1", port, &peer_handler, &cl);
    CU_ASSERT_EQUAL(cl.events->len, 0); /* nothing from inside connect() */
    run_until(f.ctx, &cl.gone, GUARD_MS);
    CU_ASSERT_EQUAL(cl.err, STREAM_ERR_REFUSED);
    CU_ASSERT_STRING_EQUAL(cl.events->str, "E");
    CU_ASSERT_EQUAL(real_host_pending(f.rh), 0);

    /* Arguments connect() cannot use fail at once, with a GError. */
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(host_connect(f.env, "", 80, &peer_handler, &cl, &err));
    CU_ASSERT_TRUE(g_error_matches(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(host_connect(f.env, "127.0.0.1", 0, &peer_handler, &cl, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);

    g_object_unref(hold);
    peer_clear(&cl);
    fx_clear(&f);
}

/* A listener whose accept queue is full: Linux drops further SYNs, so a
 * connect gets no answer and times out. */
static GSocket *full_listener(uint16_t *port, GSocket **fillers, unsigned nfill)
{
    GSocket *l = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                              NULL);
    GSocketAddress *a = g_inet_socket_address_new_from_string("127.0.0.1", 0);
    CU_ASSERT_TRUE(g_socket_bind(l, a, FALSE, NULL));
    g_object_unref(a);
    g_socket_set_listen_backlog(l, 0);
    CU_ASSERT_TRUE(g_socket_listen(l, NULL));
    a = g_socket_get_local_address(l, NULL);
    *port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a));
    for (unsigned i = 0; i < nfill; i++) {
        fillers[i] = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, NULL);
        g_socket_set_blocking(fillers[i], FALSE);
        g_socket_connect(fillers[i], a, NULL, NULL); /* pending or done */
    }
    g_object_unref(a);
    g_usleep(50000); /* let the handshakes that will complete complete */
    return l;
}

#define FILLERS 4

static void test_connect_timeout(void)
{
    fixture f;
    fx_init(&f);
    uint16_t port;
    GSocket *fill[FILLERS];
    GSocket *l = full_listener(&port, fill, FILLERS);
    real_host_set_connect_timeout(f.rh, 300 * (int64_t)1000000);
    peer cl;
    peer_init(&cl);
    int64_t t0 = host_now(f.env);
    cl.s = t_connect(&f, "127.0.0.1", port, &peer_handler, &cl);
    run_until(f.ctx, &cl.gone, GUARD_MS);
    CU_ASSERT_EQUAL(cl.err, STREAM_ERR_TIMEOUT);
    CU_ASSERT_STRING_EQUAL(cl.events->str, "E");
    CU_ASSERT(host_now(f.env) - t0 >= 300 * (int64_t)1000000);
    for (unsigned i = 0; i < FILLERS; i++)
        g_object_unref(fill[i]);
    g_object_unref(l);
    peer_clear(&cl);
    fx_clear(&f);
}

static void test_unresolvable_name(void)
{
    fixture f;
    fx_init(&f);
    peer cl;
    peer_init(&cl);
    /* RFC 6761: names under .invalid never resolve. */
    cl.s = t_connect(&f, "no-such-host.invalid", 80, &peer_handler, &cl);
    run_until(f.ctx, &cl.gone, GUARD_MS);
    CU_ASSERT_EQUAL(cl.err, STREAM_ERR_UNREACHABLE);
    CU_ASSERT_STRING_EQUAL(cl.events->str, "E");
    peer_clear(&cl);
    fx_clear(&f);
}

/* ---- half-close ------------------------------------------------------- */

static void reply_on_eof(peer *p)
{
    /* The whole request is in: answer, then close (FIN after the reply). */
    GString *r = g_string_new("got:");
    g_string_append_len(r, p->rx->str, (gssize)p->rx->len);
    CU_ASSERT_EQUAL(t_write(p->s, r->str, r->len), r->len);
    g_string_free(r, TRUE);
    peer_close(p);
}

static void send_and_shutdown(peer *p)
{
    CU_ASSERT_EQUAL(t_write(p->s, "hello, ", 7), 7);
    CU_ASSERT_EQUAL(t_write(p->s, "world", 5), 5);
    t_shutdown(p->s);
    /* Nothing more can be written after shutdown_write(). */
    CU_ASSERT_EQUAL(stream_write_space(p->s), 0);
    CU_ASSERT_EQUAL(t_write(p->s, "x", 1), 0);
    t_shutdown(p->s); /* twice is harmless */
}

static void test_half_close(void)
{
    fixture f;
    server sv;
    peer cl;
    host_listener *l = one_conn(&f, &sv, reply_on_eof, &cl, send_and_shutdown, peer_close);
    run_until_idle(&f);
    CU_ASSERT_STRING_EQUAL(sv.peers[0].rx->str, "hello, world");
    CU_ASSERT_TRUE(sv.peers[0].eof);
    CU_ASSERT_STRING_EQUAL(cl.rx->str, "got:hello, world");
    CU_ASSERT_TRUE(cl.eof);
    CU_ASSERT_EQUAL(cl.err, -1);
    /* connected, data..., peer closed; no writable (nothing was cut short). */
    CU_ASSERT_TRUE(g_regex_match_simple("^CD+P$", cl.events->str, 0, 0));
    CU_ASSERT_TRUE(g_regex_match_simple("^D+P$", sv.peers[0].events->str, 0, 0));
    one_conn_end(&f, l, &cl, &sv);
}

/* ---- connect_from ----------------------------------------------------- */

static void note_port_and_close(peer *p)
{
    stream_addr a;
    CU_ASSERT_TRUE(stream_local_addr(p->s, &a));
    *(uint16_t *)p->ctx = a.port;
    peer_close(p);
}

/* connect_from: the connection comes from the port asked for; a port
 * another socket holds, or a peer named by a DNS name, falls back to an
 * ephemeral port and the connection is still made. */
static void test_connect_from(void)
{
    fixture f;
    fx_init(&f);
    server sv;
    server_init(&sv);
    sv.tmpl.on_eof = peer_close;
    host_listener *l = t_listen(&f, 0, server_accept, &sv);
    uint16_t want, busy;
    GSocket *was = closed_port(&want);
    g_socket_close(was, NULL);
    g_object_unref(was);
    GSocket *holder = closed_port(&busy); /* bound, without SO_REUSEADDR */
    const struct {
        const char *host;
        uint16_t from;
    } cases[] = {{"127.0.0.1", want}, {"127.0.0.1", busy}, {"localhost", want}};
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        peer cl;
        peer_init(&cl);
        uint16_t got = 0;
        cl.ctx = &got;
        cl.on_connected = note_port_and_close;
        GError *err = NULL;
        in_op++;
        cl.s = host_connect_from(f.env, cases[i].from, cases[i].host, real_host_listener_port(l), &peer_handler, &cl,
                                 &err);
        in_op--;
        CU_ASSERT_PTR_NOT_NULL(cl.s);
        CU_ASSERT_PTR_NULL(err);
        g_clear_error(&err);
        run_until_idle(&f);
        CU_ASSERT_TRUE(cl.connected);
        CU_ASSERT_EQUAL(sv.n, i + 1);
        if (i == 0)
            CU_ASSERT_EQUAL(got, want);
        if (i == 1)
            CU_ASSERT_TRUE(got != 0 && got != busy);
        CU_ASSERT_NOT_EQUAL(got, 0);
        peer_clear(&cl);
    }
    g_socket_close(holder, NULL);
    g_object_unref(holder);
    host_unlisten(f.env, l);
    server_clear(&sv);
    fx_clear(&f);
}

/* ---- abort ------------------------------------------------------------ */

static void greet(peer *p) { CU_ASSERT_EQUAL(t_write(p->s, "x", 1), 1); }
static void abort_on_data(peer *p, const uint8_t *d, size_t n)
{
    (void)d;
    (void)n;
    peer_abort(p);
}

static void test_abort_resets_peer(void)
{
    fixture f;
    fx_init(&f);
    server sv;
    server_init(&sv);
    sv.on_accept = greet;
    host_listener *l = t_listen(&f, 0, server_accept, &sv);
    peer cl;
    peer_init(&cl);
    cl.on_data = abort_on_data; /* abort from inside data() */
    cl.s = t_connect(&f, "127.0.0.1", real_host_listener_port(l), &peer_handler, &cl);
    run_until_idle(&f);
    CU_ASSERT_STRING_EQUAL(cl.events->str, "CD");
    /* Linux answers a read after RST with ECONNRESET, not end of file. */
    CU_ASSERT_EQUAL(sv.n, 1);
    CU_ASSERT_EQUAL(sv.peers[0].err, STREAM_ERR_RESET);
    CU_ASSERT_STRING_EQUAL(sv.peers[0].events->str, "E");

    /* Aborting from inside accept(): the RST may reach the client before
     * GIO has looked at its finished handshake, so the client hears either
     * connected then the reset, or only the reset (a valid order too). */
    sv.on_accept = peer_abort;
    peer c2;
    peer_init(&c2);
    c2.s = t_connect(&f, "127.0.0.1", real_host_listener_port(l), &peer_handler, &c2);
    run_until_idle(&f);
    CU_ASSERT_EQUAL(sv.n, 2);
    CU_ASSERT_STRING_EQUAL(sv.peers[1].events->str, "");
    CU_ASSERT_TRUE(g_regex_match_simple("^C?E$", c2.events->str, 0, 0));
    CU_ASSERT_EQUAL(c2.err, STREAM_ERR_RESET);

    host_unlisten(f.env, l);
    peer_clear(&cl);
    peer_clear(&c2);
    server_clear(&sv);
    fx_clear(&f);
}

static void abort_timer(void *ud) { peer_abort(ud); }

static void abort_soon(peer *p) { host_timer(p->env, 50 * (int64_t)1000000, abort_timer, p); }

static void write_later(void *ud)
{
    peer *p = ud;
    CU_ASSERT_EQUAL(t_write(p->s, "late", 4), 4);
}

static void pause_and_write_later(peer *p)
{
    t_reading(p->s, false); /* so that only the write can notice the reset */
    host_timer(p->env, 200 * (int64_t)1000000, write_later, p);
}

/* Writing to a connection the peer reset fails with RESET (and no
 * SIGPIPE kills the process). */
static void test_write_after_peer_reset(void)
{
    fixture f;
    fx_init(&f);
    server sv;
    server_init(&sv);
    sv.tmpl.env = f.env;
    sv.on_accept = abort_soon;
    host_listener *l = t_listen(&f, 0, server_accept, &sv);
    peer cl;
    peer_init(&cl);
    cl.env = f.env;
    cl.on_connected = pause_and_write_later;
    cl.s = t_connect(&f, "127.0.0.1", real_host_listener_port(l), &peer_handler, &cl);
    run_until_idle(&f);
    CU_ASSERT_EQUAL(sv.n, 1);
    CU_ASSERT_STRING_EQUAL(sv.peers[0].events->str, "");
    CU_ASSERT_STRING_EQUAL(cl.events->str, "CE");
    CU_ASSERT_EQUAL(cl.err, STREAM_ERR_RESET);
    one_conn_end(&f, l, &cl, &sv);
}

/* ---- set_reading ------------------------------------------------------ */

static void send_100_and_close(peer *p)
{
    char buf[100];
    memset(buf, 'A', sizeof buf);
    CU_ASSERT_EQUAL(t_write(p->s, buf, sizeof buf), sizeof buf);
    peer_close(p);
}

static void pause_on_connect(peer *p) { t_reading(p->s, false); }

typedef struct {
    peer *p;
    bool resumed;
    unsigned seen_while_paused;
} resume_ctx;

static void resume_timer(void *ud)
{
    resume_ctx *r = ud;
    CU_ASSERT_EQUAL(in_op, 0);
    r->seen_while_paused = (unsigned)r->p->events->len;
    t_reading(r->p->s, true);
    r->resumed = true;
}

static void pause_in_data(peer *p, const uint8_t *d, size_t n)
{
    (void)d;
    (void)n;
    t_reading(p->s, false);
}

static void test_set_reading_pauses(void)
{
    fixture f;
    fx_init(&f);
    server sv;
    server_init(&sv);
    sv.on_accept = send_100_and_close;
    host_listener *l = t_listen(&f, 0, server_accept, &sv);
    peer cl;
    peer_init(&cl);
    cl.on_connected = pause_on_connect;
    cl.on_eof = peer_close;
    cl.s = t_connect(&f, "127.0.0.1", real_host_listener_port(l), &peer_handler, &cl);
    run_until(f.ctx, &cl.connected, GUARD_MS);
    /* Paused: the 100 bytes and the FIN wait in the kernel. */
    resume_ctx r = {.p = &cl};
    host_timer(f.env, 200 * (int64_t)1000000, resume_timer, &r);
    run_until(f.ctx, &r.resumed, GUARD_MS);
    CU_ASSERT_EQUAL(r.seen_while_paused, 1); /* only "C" */
    run_until_idle(&f);
    CU_ASSERT_EQUAL(cl.rx->len, 100);
    CU_ASSERT_TRUE(g_regex_match_simple("^CD+P$", cl.events->str, 0, 0));

    /* Pausing from inside data(): no more data() until resumed. */
    peer c2;
    peer_init(&c2);
    c2.on_data = pause_in_data;
    c2.s = t_connect(&f, "127.0.0.1", real_host_listener_port(l), &peer_handler, &c2);
    run_until(f.ctx, &c2.connected, GUARD_MS);
    run_for(f.ctx, 200);
    CU_ASSERT_EQUAL(c2.ndata, 1);
    CU_ASSERT_FALSE(c2.eof);
    c2.on_data = NULL;
    c2.on_eof = peer_close;
    t_reading(c2.s, true);
    run_until_idle(&f);
    CU_ASSERT_EQUAL(c2.rx->len, 100);
    CU_ASSERT_TRUE(c2.eof);

    host_unlisten(f.env, l);
    peer_clear(&cl);
    peer_clear(&c2);
    server_clear(&sv);
    fx_clear(&f);
}

/* ---- timers and clocks ------------------------------------------------ */

typedef struct {
    fixture *f;
    GString *order;
    host_timer_id victim;
    int64_t armed_at;
    bool done;
} timer_log;

typedef struct {
    timer_log *log;
    char tag;
    int64_t delay;
} timer_arg;

static void timer_fired(void *ud)
{
    timer_arg *a = ud;
    CU_ASSERT_EQUAL(in_op, 0);
    CU_ASSERT(host_now(a->log->f->env) - a->log->armed_at >= a->delay);
    g_string_append_c(a->log->order, a->tag);
    if (a->tag == 'a') /* cancelling another timer from a callback */
        host_timer_cancel(a->log->f->env, a->log->victim);
    if (a->tag == 'z')
        a->log->done = true;
}

static void test_timers(void)
{
    fixture f;
    fx_init(&f);
    const int64_t ms = 1000000;
    timer_log lg = {.f = &f, .order = g_string_new(NULL)};
    timer_arg args[] = {
        {&lg, 'z', 60 * ms}, {&lg, 'a', 10 * ms}, {&lg, 'c', 30 * ms},
        {&lg, 'b', 10 * ms}, {&lg, 'v', 40 * ms}, {&lg, '0', 0},
    };
    lg.armed_at = host_now(f.env);
    host_timer_id ids[G_N_ELEMENTS(args)];
    for (unsigned i = 0; i < G_N_ELEMENTS(args); i++) {
        ids[i] = host_timer(f.env, args[i].delay, timer_fired, &args[i]);
        CU_ASSERT_NOT_EQUAL(ids[i], 0);
    }
    CU_ASSERT_EQUAL(lg.order->len, 0); /* nothing fires from inside timer() */
    lg.victim = ids[4];
    host_timer_cancel(f.env, ids[2]);
    host_timer_cancel(f.env, ids[2]); /* again: harmless */
    f.env->ops->timer_cancel(f.env, 0); /* "no timer": harmless */
    host_timer_cancel(f.env, 987654);   /* never issued: harmless */
    CU_ASSERT_EQUAL(real_host_timers(f.rh), 5);
    run_until(f.ctx, &lg.done, GUARD_MS);
    /* Deadline order, ties in creation order; c cancelled, v cancelled by a. */
    CU_ASSERT_STRING_EQUAL(lg.order->str, "0abz");
    CU_ASSERT_EQUAL(real_host_timers(f.rh), 0);
    host_timer_cancel(f.env, ids[0]); /* fired: harmless */

    /* A loop that comes round late fires the due timers in deadline order,
     * not in the order they were armed. */
    g_string_truncate(lg.order, 0);
    lg.done = false;
    timer_arg late[] = {{&lg, 'z', 5 * ms}, {&lg, 'y', 3 * ms}, {&lg, 'x', 1 * ms}};
    lg.armed_at = host_now(f.env);
    for (unsigned i = 0; i < G_N_ELEMENTS(late); i++)
        host_timer(f.env, late[i].delay, timer_fired, &late[i]);
    g_usleep(20000);
    run_until(f.ctx, &lg.done, GUARD_MS);
    CU_ASSERT_STRING_EQUAL(lg.order->str, "xyz");

    /* The clocks. */
    int64_t a = host_now(f.env), b = host_now(f.env);
    CU_ASSERT(a >= 0 && b >= a);
    int64_t wall = host_wall_s(f.env);
    int64_t sys = g_get_real_time() / G_USEC_PER_SEC;
    CU_ASSERT(wall >= sys - 2 && wall <= sys + 2);
    CU_ASSERT_STRING_EQUAL(host_name(f.env), "test");
    host_logf(f.env, "a log line from the test (%d)", 42);

    g_string_free(lg.order, TRUE);
    fx_clear(&f);
}

/* ---- closing from inside data() --------------------------------------- */

static void send_30k(peer *p)
{
    static uint8_t big[30000];
    memset(big, 'B', sizeof big);
    CU_ASSERT_EQUAL(t_write(p->s, big, sizeof big), sizeof big);
}

static void close_on_data(peer *p, const uint8_t *d, size_t n)
{
    (void)d;
    (void)n;
    peer_close(p);
    /* Operations after close() are harmless no-ops. */
    CU_ASSERT_EQUAL(t_write(p->s, "x", 1), 0);
    t_reading(p->s, true);
    t_close(p->s);
}

static void test_close_inside_data(void)
{
    fixture f;
    fx_init(&f);
    server sv;
    server_init(&sv);
    sv.on_accept = send_30k;
    sv.tmpl.on_eof = peer_close;
    host_listener *l = t_listen(&f, 0, server_accept, &sv);
    peer cl;
    peer_init(&cl);
    cl.on_data = close_on_data;
    cl.s = t_connect(&f, "127.0.0.1", real_host_listener_port(l), &peer_handler, &cl);
    run_until_idle(&f);
    run_for(f.ctx, 50); /* nothing may come after close() */
    CU_ASSERT_STRING_EQUAL(cl.events->str, "CD");
    /* The server sees our FIN (not a reset: the closed end drains). */
    CU_ASSERT_EQUAL(sv.peers[0].err, -1);
    CU_ASSERT_TRUE(sv.peers[0].eof);
    one_conn_end(&f, l, &cl, &sv);
}

/* ---- names and listeners ---------------------------------------------- */

static void send_hi_and_close(peer *p)
{
    CU_ASSERT_EQUAL(t_write(p->s, "hi", 2), 2);
    peer_close(p);
}

static bool have_ipv6_loopback(void)
{
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                              NULL);
    if (!s)
        return false;
    GSocketAddress *a = g_inet_socket_address_new_from_string("::1", 0);
    bool ok = g_socket_bind(s, a, FALSE, NULL);
    g_object_unref(a);
    g_object_unref(s);
    return ok;
}

static void test_names_resolve(void)
{
    fixture f;
    fx_init(&f);
    server sv;
    server_init(&sv);
    sv.on_accept = send_hi_and_close;
    host_listener *l = t_listen(&f, 0, server_accept, &sv);
    uint16_t port = real_host_listener_port(l);
    const char *names[] = {"localhost", "127.0.0.1", "::1"};
    unsigned n = have_ipv6_loopback() ? 3 : 2;
    peer cl[3];
    for (unsigned i = 0; i < n; i++) {
        peer_init(&cl[i]);
        cl[i].on_eof = peer_close;
        cl[i].s = t_connect(&f, names[i], port, &peer_handler, &cl[i]);
        cl[i].id = cl[i].s->id;
    }
    run_until_idle(&f);
    for (unsigned i = 0; i < n; i++) {
        CU_ASSERT_STRING_EQUAL(cl[i].rx->str, "hi");
        CU_ASSERT_TRUE(g_regex_match_simple("^CD+P$", cl[i].events->str, 0, 0));
        if (i)
            CU_ASSERT(cl[i].id > cl[i - 1].id); /* ids in creation order */
        peer_clear(&cl[i]);
    }
    CU_ASSERT_EQUAL(sv.n, n);
    host_unlisten(f.env, l);
    server_clear(&sv);
    fx_clear(&f);
}

typedef struct {
    fixture *f;
    host_listener *l;
    unsigned accepted;
} unlisten_ctx;

static void accept_then_unlisten(void *ud, stream_t *s)
{
    unlisten_ctx *u = ud;
    CU_ASSERT_EQUAL(in_op, 0);
    u->accepted++;
    host_unlisten(u->f->env, u->l); /* from inside its own accept */
    u->l = NULL;
    stream_close(s);
}

static void test_listen(void)
{
    fixture f;
    fx_init(&f);
    server sv;
    server_init(&sv);
    host_listener *l = t_listen(&f, 0, server_accept, &sv);
    uint16_t port = real_host_listener_port(l);

    /* The same port again: the system's error, not a crash. */
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(host_listen(f.env, port, server_accept, &sv, &err));
    CU_ASSERT_TRUE(g_error_matches(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(host_listen(f.env, 0, NULL, &sv, &err));
    CU_ASSERT_TRUE(g_error_matches(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID));
    g_clear_error(&err);

    /* After unlisten the port refuses. */
    host_unlisten(f.env, l);
    host_unlisten(f.env, NULL);
    peer cl;
    peer_init(&cl);
    cl.s = t_connect(&f, "127.0.0.1", port, &peer_handler, &cl);
    run_until(f.ctx, &cl.gone, GUARD_MS);
    CU_ASSERT_EQUAL(cl.err, STREAM_ERR_REFUSED);
    CU_ASSERT_EQUAL(sv.n, 0);

    /* Unlisten from inside the accept callback. */
    unlisten_ctx u = {.f = &f};
    u.l = t_listen(&f, 0, accept_then_unlisten, &u);
    peer c2;
    peer_init(&c2);
    c2.on_eof = peer_close;
    c2.s = t_connect(&f, "127.0.0.1", real_host_listener_port(u.l), &peer_handler, &c2);
    run_until_idle(&f);
    CU_ASSERT_EQUAL(u.accepted, 1);
    CU_ASSERT_PTR_NULL(u.l);
    CU_ASSERT_TRUE(c2.eof);

    peer_clear(&cl);
    peer_clear(&c2);
    server_clear(&sv);
    fx_clear(&f);
}

/* ---- length-only writes ----------------------------------------------- */

static void send_zeros(peer *p)
{
    CU_ASSERT_EQUAL(t_write(p->s, NULL, 5000), 5000);
    CU_ASSERT_EQUAL(t_write(p->s, "end", 3), 3);
    t_shutdown(p->s);
}

static void test_null_write_sends_zeros(void)
{
    fixture f;
    server sv;
    peer cl;
    host_listener *l = one_conn(&f, &sv, peer_close, &cl, send_zeros, peer_close);
    run_until_idle(&f);
    GString *rx = sv.peers[0].rx;
    CU_ASSERT_EQUAL_FATAL(rx->len, 5003);
    bool zeros = true;
    for (size_t i = 0; i < 5000; i++)
        zeros = zeros && rx->str[i] == 0;
    CU_ASSERT_TRUE(zeros);
    CU_ASSERT_EQUAL(memcmp(rx->str + 5000, "end", 3), 0);
    one_conn_end(&f, l, &cl, &sv);
}

static void never_fires(void *ud)
{
    (void)ud;
    CU_FAIL("a timer that should not fire fired");
}

/* ---- closing with a full buffer, and running until idle ---------------- */

#define FLUSH_BYTES 300000

static void write_all_and_close(peer *p)
{
    uint8_t *b = g_malloc(FLUSH_BYTES);
    for (size_t i = 0; i < FLUSH_BYTES; i++)
        b[i] = (uint8_t)(i % 251);
    CU_ASSERT_EQUAL(t_write(p->s, b, FLUSH_BYTES), FLUSH_BYTES);
    g_free(b);
    peer_close(p); /* the buffer is still full: close() flushes it */
}

static void test_close_flushes_and_run_until_idle(void)
{
    fixture f;
    server sv;
    peer cl;
    host_listener *l = one_conn(&f, &sv, peer_close, &cl, write_all_and_close, NULL);
    CU_ASSERT_TRUE(real_host_run_until_idle(f.rh, 3 * (int64_t)1000000000));
    CU_ASSERT_EQUAL(real_host_pending(f.rh), 0);
    CU_ASSERT_STRING_EQUAL(cl.events->str, "C");
    CU_ASSERT_EQUAL_FATAL(sv.peers[0].rx->len, FLUSH_BYTES);
    bool same = true;
    for (size_t i = 0; i < FLUSH_BYTES; i++)
        same = same && (uint8_t)sv.peers[0].rx->str[i] == (uint8_t)(i % 251);
    CU_ASSERT_TRUE(same);
    CU_ASSERT_TRUE(sv.peers[0].eof);
    CU_ASSERT_EQUAL(sv.peers[0].err, -1);

    /* With a timer armed far away, the limit ends the run. */
    host_timer_id t = host_timer(f.env, 10 * (int64_t)1000000000, never_fires, NULL);
    int64_t t0 = host_now(f.env);
    CU_ASSERT_FALSE(real_host_run_until_idle(f.rh, 50 * (int64_t)1000000));
    int64_t took = host_now(f.env) - t0;
    CU_ASSERT(took >= 50 * (int64_t)1000000 && took < 2 * (int64_t)1000000000);
    host_timer_cancel(f.env, t);
    CU_ASSERT_TRUE(real_host_run_until_idle(f.rh, 0));

    one_conn_end(&f, l, &cl, &sv);
}

/* ---- a close that cannot finish is reset after the linger time -------- */

static void fill_and_close(peer *p)
{
    uint8_t *b = g_malloc0(REAL_HOST_SEND_BUFFER_DEFAULT);
    t_write(p->s, b, REAL_HOST_SEND_BUFFER_DEFAULT);
    g_free(b);
    peer_close(p);
}

static void test_linger_resets_stuck_close(void)
{
    fixture f;
    fx_init(&f);
    real_host_set_linger(f.rh, 150 * (int64_t)1000000);
    server sv;
    server_init(&sv);
    sv.on_accept = pause_on_connect; /* never reads, never closes */
    host_listener *l = t_listen(&f, 0, server_accept, &sv);
    peer cl;
    peer_init(&cl);
    cl.on_connected = fill_and_close;
    cl.s = t_connect(&f, "127.0.0.1", real_host_listener_port(l), &peer_handler, &cl);
    run_until(f.ctx, &cl.gone, GUARD_MS);
    CU_ASSERT_EQUAL(real_host_connections(f.rh), 2);
    run_for(f.ctx, 600);
    /* The client's end gave up (reset); the server's is still open. */
    CU_ASSERT_EQUAL(real_host_connections(f.rh), 1);
    CU_ASSERT_STRING_EQUAL(cl.events->str, "C");
    peer *sp = &sv.peers[0];
    t_reading(sp->s, true);
    run_until(f.ctx, &sp->ended, GUARD_MS);
    CU_ASSERT_EQUAL(sp->err, STREAM_ERR_RESET);
    one_conn_end(&f, l, &cl, &sv);
}

/* ---- teardown with everything open ------------------------------------ */

static void test_free_with_open_connections(void)
{
    fixture f;
    fx_init(&f);
    real_host_t *other = real_host_new(f.ctx, "other");
    server sv;
    server_init(&sv);
    sv.on_accept = pause_on_connect; /* the server does not read */
    host_listener *l = t_listen(&f, 0, server_accept, &sv);

    /* The client host: a connection with unsent data, one being set up to
     * a listener that never answers, a timer, a listener. */
    host_env *oe = real_host_env(other);
    peer cl;
    peer_init(&cl);
    GError *err = NULL;
    cl.s = host_connect(oe, "127.0.0.1", real_host_listener_port(l), &peer_handler, &cl, &err);
    run_until(f.ctx, &cl.connected, GUARD_MS);
    uint8_t *big = g_malloc0(4 << 20);
    size_t put = t_write(cl.s, big, 4 << 20); /* more than the kernel takes */
    CU_ASSERT_EQUAL(put, REAL_HOST_SEND_BUFFER_DEFAULT);
    run_for(f.ctx, 50);
    uint16_t hung;
    GSocket *fill[FILLERS];
    GSocket *full = full_listener(&hung, fill, FILLERS);
    peer pending;
    peer_init(&pending);
    pending.s = host_connect(oe, "127.0.0.1", hung, &peer_handler, &pending, &err);
    host_timer(oe, 10 * (int64_t)1000000000, never_fires, NULL);
    GError *lerr = NULL;
    CU_ASSERT_PTR_NOT_NULL(host_listen(oe, 0, server_accept, &sv, &lerr));
    run_for(f.ctx, 20);
    CU_ASSERT_EQUAL(real_host_pending(other), 3);

    /* The client wrote more than the kernel takes: writable() may have
     * come as the kernel drained some. */
    CU_ASSERT_TRUE(g_regex_match_simple("^CW*$", cl.events->str, 0, 0));
    size_t heard = cl.events->len;
    real_host_free(other); /* no callback, nothing leaked */
    CU_ASSERT_EQUAL(cl.events->len, heard);
    CU_ASSERT_STRING_EQUAL(pending.events->str, "");

    /* The server side learns of it once it reads again. */
    peer *sp = &sv.peers[0];
    t_reading(sp->s, true);
    run_until(f.ctx, &sp->ended, GUARD_MS);
    CU_ASSERT(sp->err == STREAM_ERR_RESET || sp->eof);
    CU_ASSERT_EQUAL(cl.events->len, heard);
    CU_ASSERT_STRING_EQUAL(pending.events->str, "");
    /* The server's host is freed with its connection and listener open. */
    for (unsigned i = 0; i < FILLERS; i++)
        g_object_unref(fill[i]);
    g_object_unref(full);
    g_free(big);
    peer_clear(&cl);
    peer_clear(&pending);
    server_clear(&sv);
    fx_clear(&f);
}

/* ---- datagram sockets ------------------------------------------------- */

/* One datagram socket's inbox. */
typedef struct {
    host_env *env;
    host_dgram *sock;
    unsigned count;
    GString *rx;       /* the last datagram's bytes */
    char from[64];
    uint16_t from_port;
    uint64_t tag;
    bool echo;         /* send every datagram back */
    bool close_first;  /* close the socket inside the first callback */
    bool send_after_close_failed;
    bool done;         /* set on every datagram */
} dbox;

static void dbox_init(dbox *b, host_env *env)
{
    memset(b, 0, sizeof *b);
    b->env = env;
    b->rx = g_string_new(NULL);
}

static void on_dgram(void *ud, host_dgram *s, const host_datagram *d)
{
    dbox *b = ud;
    CU_ASSERT_EQUAL(in_op, 0);
    CU_ASSERT_PTR_EQUAL(s, b->sock);
    CU_ASSERT_PTR_NOT_NULL(d->data);
    b->count++;
    g_string_truncate(b->rx, 0);
    g_string_append_len(b->rx, (const char *)d->data, (gssize)d->len);
    g_strlcpy(b->from, d->from, sizeof b->from);
    b->from_port = d->from_port;
    b->tag = d->tag;
    b->done = true;
    GError *err = NULL;
    if (b->echo) {
        in_op++;
        CU_ASSERT_TRUE(host_dgram_send(b->env, s, d->from, d->from_port, d->data, d->len, 0, &err));
        in_op--;
        CU_ASSERT_PTR_NULL(err);
        g_clear_error(&err);
    }
    if (b->close_first && b->count == 1) {
        host_dgram_close(b->env, s);
        b->send_after_close_failed =
            !host_dgram_send(b->env, s, "127.0.0.1", 9, "late", 4, 0, &err) && err;
        g_clear_error(&err);
        CU_ASSERT_EQUAL(d->len, b->rx->len); /* the datagram is still readable */
    }
}

static host_dgram *t_dgram_open(fixture *f, uint16_t port, dbox *b)
{
    GError *err = NULL;
    in_op++;
    host_dgram *s = host_dgram_open(f->env, port, on_dgram, b, &err);
    in_op--;
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
    CU_ASSERT_NOT_EQUAL(host_dgram_port(f->env, s), 0);
    if (b)
        b->sock = s;
    return s;
}

static bool t_dgram_send(fixture *f, host_dgram *s, const char *host, uint16_t port,
                         const void *data, size_t len, uint64_t tag)
{
    GError *err = NULL;
    in_op++;
    bool ok = host_dgram_send(f->env, s, host, port, data, len, tag, &err);
    in_op--;
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
    return ok;
}

static void test_dgram_echo(void)
{
    fixture f;
    fx_init(&f);
    dbox srv, cli;
    dbox_init(&srv, f.env);
    dbox_init(&cli, f.env);
    srv.echo = true;
    host_dgram *ss = t_dgram_open(&f, 0, &srv);
    host_dgram *cs = t_dgram_open(&f, 0, &cli);
    uint16_t sport = host_dgram_port(f.env, ss), cport = host_dgram_port(f.env, cs);
    CU_ASSERT_NOT_EQUAL(sport, cport);

    /* The tag is not transmitted: it arrives as 0. */
    t_dgram_send(&f, cs, "127.0.0.1", sport, "ping", 4, 42);
    CU_ASSERT_EQUAL(srv.count + cli.count, 0); /* nothing from inside send() */
    run_until(f.ctx, &cli.done, GUARD_MS);
    CU_ASSERT_EQUAL(srv.count, 1);
    CU_ASSERT_STRING_EQUAL(srv.rx->str, "ping");
    CU_ASSERT_STRING_EQUAL(srv.from, "127.0.0.1");
    CU_ASSERT_EQUAL(srv.from_port, cport);
    CU_ASSERT_EQUAL(srv.tag, 0);
    CU_ASSERT_EQUAL(cli.count, 1);
    CU_ASSERT_STRING_EQUAL(cli.rx->str, "ping");
    CU_ASSERT_STRING_EQUAL(cli.from, "127.0.0.1");
    CU_ASSERT_EQUAL(cli.from_port, sport);

    /* Length-only data goes out as zeros; "localhost" is 127.0.0.1; the
     * largest datagram passes. */
    cli.done = false;
    t_dgram_send(&f, cs, "localhost", sport, NULL, REAL_HOST_DGRAM_MAX, 0);
    run_until(f.ctx, &cli.done, GUARD_MS);
    CU_ASSERT_EQUAL_FATAL(cli.rx->len, REAL_HOST_DGRAM_MAX);
    bool zeros = true;
    for (size_t i = 0; i < cli.rx->len; i++)
        zeros = zeros && cli.rx->str[i] == 0;
    CU_ASSERT_TRUE(zeros);
    CU_ASSERT_EQUAL(srv.count, 2);
    /* Datagram sockets do not keep the host busy. */
    CU_ASSERT_EQUAL(real_host_pending(f.rh), 0);

    host_dgram_close(f.env, cs);
    host_dgram_close(f.env, ss);
    host_dgram_close(f.env, NULL); /* a no-op */
    g_string_free(srv.rx, TRUE);
    g_string_free(cli.rx, TRUE);
    fx_clear(&f);
}

static bool have_ipv6_loopback(void);

static void test_dgram_ipv6(void)
{
    if (!have_ipv6_loopback()) {
        test_skip("no IPv6 loopback on this machine");
        return;
    }
    fixture f;
    fx_init(&f);
    dbox srv, cli;
    dbox_init(&srv, f.env);
    dbox_init(&cli, f.env);
    srv.echo = true;
    host_dgram *ss = t_dgram_open(&f, 0, &srv);
    host_dgram *cs = t_dgram_open(&f, 0, &cli);
    t_dgram_send(&f, cs, "::1", host_dgram_port(f.env, ss), "six", 3, 0);
    run_until(f.ctx, &cli.done, GUARD_MS);
    CU_ASSERT_STRING_EQUAL(srv.from, "::1");
    CU_ASSERT_EQUAL(srv.from_port, host_dgram_port(f.env, cs));
    CU_ASSERT_STRING_EQUAL(cli.rx->str, "six");
    CU_ASSERT_STRING_EQUAL(cli.from, "::1");
    host_dgram_close(f.env, cs);
    host_dgram_close(f.env, ss);
    g_string_free(srv.rx, TRUE);
    g_string_free(cli.rx, TRUE);
    fx_clear(&f);
}

static void test_dgram_errors(void)
{
    fixture f;
    fx_init(&f);
    host_dgram *s = t_dgram_open(&f, 0, NULL);
    uint16_t port = host_dgram_port(f.env, s);
    GError *err = NULL;
    /* The port is taken. */
    CU_ASSERT_PTR_NULL(host_dgram_open(f.env, port, NULL, NULL, &err));
    CU_ASSERT_TRUE(g_error_matches(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE));
    g_clear_error(&err);
    /* Too large, no port, a name that is not an address literal. */
    CU_ASSERT_FALSE(host_dgram_send(f.env, s, "127.0.0.1", port, NULL, REAL_HOST_DGRAM_MAX + 1,
                                    0, &err));
    CU_ASSERT_TRUE(g_error_matches(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "65507"));
    g_clear_error(&err);
    CU_ASSERT_FALSE(host_dgram_send(f.env, s, "127.0.0.1", 0, "x", 1, 0, &err));
    CU_ASSERT_TRUE(g_error_matches(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID));
    g_clear_error(&err);
    CU_ASSERT_FALSE(host_dgram_send(f.env, s, "no-such-host.invalid", port, "x", 1, 0, &err));
    CU_ASSERT_TRUE(g_error_matches(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID));
    g_clear_error(&err);
    /* Closed, the port is free again. */
    host_dgram_close(f.env, s);
    GError *e2 = NULL;
    s = host_dgram_open(f.env, port, NULL, NULL, &e2);
    CU_ASSERT_PTR_NOT_NULL(s);
    CU_ASSERT_PTR_NULL(e2);
    g_clear_error(&e2);
    /* Left open: real_host_free() closes it. */
    fx_clear(&f);
}

static void test_dgram_close_inside_callback(void)
{
    fixture f;
    fx_init(&f);
    dbox srv;
    dbox_init(&srv, f.env);
    srv.close_first = true;
    host_dgram *ss = t_dgram_open(&f, 0, &srv);
    uint16_t sport = host_dgram_port(f.env, ss);
    host_dgram *cs = t_dgram_open(&f, 0, NULL);
    /* Both are queued in the kernel before the loop runs. */
    t_dgram_send(&f, cs, "127.0.0.1", sport, "one", 3, 0);
    t_dgram_send(&f, cs, "127.0.0.1", sport, "two", 3, 0);
    run_until(f.ctx, &srv.done, GUARD_MS);
    run_for(f.ctx, 100);
    CU_ASSERT_EQUAL(srv.count, 1);
    CU_ASSERT_STRING_EQUAL(srv.rx->str, "one");
    CU_ASSERT_TRUE(srv.send_after_close_failed);
    /* The close took effect when the callback returned: the port is free. */
    GError *err = NULL;
    host_dgram *again = host_dgram_open(f.env, sport, NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL(again);
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
    host_dgram_close(f.env, again);
    host_dgram_close(f.env, cs);
    g_string_free(srv.rx, TRUE);
    fx_clear(&f);
}

/* ---- stream addresses and listener ports ------------------------------ */

typedef struct {
    stream_addr local, peer;
    bool ok;
} addr_pair;

static void get_addrs(stream_t *s, addr_pair *a)
{
    in_op++;
    a->ok = stream_local_addr(s, &a->local) && stream_peer_addr(s, &a->peer);
    in_op--;
}

static void addrs_on_connect(peer *p) { get_addrs(p->s, p->ctx); }
static void addrs_on_accept(peer *p) { get_addrs(p->s, p->ctx); }

static void close_accepted(void *ud, stream_t *s)
{
    (void)ud;
    stream_close(s);
}

/* real_host_set_bind_address: a datagram socket and a listener of a
 * server host on 127.0.0.2 alone, reached there (the sender seen from
 * 127.0.0.1) and not on 127.0.0.1; a name is not an address. */
static void test_bind_address(void)
{
    fixture f;
    fx_init(&f);
    real_host_t *srv_host = real_host_new(f.ctx, "server2");
    host_env *senv = real_host_env(srv_host);
    GError *err = NULL;
    CU_ASSERT_FALSE(real_host_set_bind_address(srv_host, "localhost", &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    CU_ASSERT_TRUE_FATAL(real_host_set_bind_address(srv_host, "127.0.0.2", &err));
    dbox srv, cli;
    dbox_init(&srv, senv);
    dbox_init(&cli, f.env);
    srv.echo = true;
    host_dgram *ss = host_dgram_open(senv, 0, on_dgram, &srv, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ss);
    srv.sock = ss;
    uint16_t sport = host_dgram_port(senv, ss);
    host_dgram *cs = t_dgram_open(&f, 0, &cli);
    t_dgram_send(&f, cs, "127.0.0.1", sport, "lost", 4, 0); /* nobody there */
    t_dgram_send(&f, cs, "127.0.0.2", sport, "two", 3, 0);
    run_until(f.ctx, &cli.done, GUARD_MS);
    CU_ASSERT_EQUAL(srv.count, 1);
    CU_ASSERT_STRING_EQUAL(srv.rx->str, "two");
    CU_ASSERT_STRING_EQUAL(srv.from, "127.0.0.1");
    CU_ASSERT_STRING_EQUAL(cli.from, "127.0.0.2");
    CU_ASSERT_STRING_EQUAL(cli.rx->str, "two");
    /* A listener binds there too: the same port is still free on
     * 127.0.0.1 for a host of the default kind. */
    host_listener *l = host_listen(senv, sport, close_accepted, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL(l);
    CU_ASSERT_EQUAL(real_host_listener_port(l), sport);
    host_dgram *again = host_dgram_open(f.env, sport, NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL(again);
    g_clear_error(&err);
    host_dgram_close(f.env, again);
    host_unlisten(senv, l);
    host_dgram_close(f.env, cs);
    host_dgram_close(senv, ss);
    g_string_free(srv.rx, TRUE);
    g_string_free(cli.rx, TRUE);
    real_host_free(srv_host);
    fx_clear(&f);
}

static void test_stream_addresses(void)
{
    fixture f;
    fx_init(&f);
    server sv;
    server_init(&sv);
    addr_pair at_server = {0}, at_client = {0};
    sv.tmpl.ctx = &at_server;
    sv.on_accept = addrs_on_accept;
    sv.tmpl.on_eof = peer_close;
    host_listener *l = t_listen(&f, 0, server_accept, &sv);
    uint16_t port = host_listener_port(f.env, l);
    CU_ASSERT_EQUAL(port, real_host_listener_port(l));
    CU_ASSERT_NOT_EQUAL(port, 0);

    peer cl;
    peer_init(&cl);
    cl.ctx = &at_client;
    cl.on_connected = addrs_on_connect;
    cl.on_eof = peer_close;
    cl.s = t_connect(&f, "127.0.0.1", port, &peer_handler, &cl);
    stream_addr early;
    CU_ASSERT_FALSE(stream_local_addr(cl.s, &early)); /* not connected yet */
    run_until(f.ctx, &cl.connected, GUARD_MS);
    run_until(f.ctx, &at_server.ok, GUARD_MS);
    CU_ASSERT_TRUE(at_client.ok);
    CU_ASSERT_STRING_EQUAL(at_client.local.host, "127.0.0.1");
    CU_ASSERT_STRING_EQUAL(at_client.peer.host, "127.0.0.1");
    CU_ASSERT_EQUAL(at_client.peer.port, port);
    CU_ASSERT_NOT_EQUAL(at_client.local.port, 0);
    /* Each end's peer is the other's local address. */
    CU_ASSERT_STRING_EQUAL(at_server.local.host, at_client.peer.host);
    CU_ASSERT_EQUAL(at_server.local.port, at_client.peer.port);
    CU_ASSERT_STRING_EQUAL(at_server.peer.host, at_client.local.host);
    CU_ASSERT_EQUAL(at_server.peer.port, at_client.local.port);
    peer_close(&cl);
    run_until_idle(&f);
    one_conn_end(&f, l, &cl, &sv);
}

/* ---- records ---------------------------------------------------------- */

static void record_sink(void *ud, const char *host, int64_t now_ns, const char *kind,
                        const char *text)
{
    GString *out = ud;
    CU_ASSERT(now_ns >= 0);
    g_string_append_printf(out, "%s %s=%s;", host, kind, text);
}

static void test_record_sink(void)
{
    fixture f;
    fx_init(&f);
    GString *out = g_string_new(NULL);
    real_host_set_record_sink(f.rh, record_sink, out);
    host_record(f.env, "dns-lookup", "www 1 ms");
    host_record(f.env, "mail", "delivered");
    CU_ASSERT_STRING_EQUAL(out->str, "test dns-lookup=www 1 ms;test mail=delivered;");

    /* Without a sink the record is a log line on stderr. */
    real_host_set_record_sink(f.rh, NULL, NULL);
    char *path = NULL;
    int fd = g_file_open_tmp("appsim-record-XXXXXX", &path, NULL);
    CU_ASSERT_FATAL(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    host_record(f.env, "k", "v");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    char *text = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(path, &text, NULL, NULL));
    CU_ASSERT_STRING_EQUAL(text, "test: record k: v\n");
    CU_ASSERT_STRING_EQUAL(out->str, "test dns-lookup=www 1 ms;test mail=delivered;");
    g_unlink(path);
    g_free(text);
    g_free(path);
    g_string_free(out, TRUE);
    fx_clear(&f);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_echo_1mb),
        TEST(test_connect_refused),
        TEST(test_connect_timeout),
        TEST(test_unresolvable_name),
        TEST(test_half_close),
        TEST(test_connect_from),
        TEST(test_abort_resets_peer),
        TEST(test_write_after_peer_reset),
        TEST(test_set_reading_pauses),
        TEST(test_timers),
        TEST(test_close_inside_data),
        TEST(test_names_resolve),
        TEST(test_listen),
        TEST(test_null_write_sends_zeros),
        TEST(test_close_flushes_and_run_until_idle),
        TEST(test_linger_resets_stuck_close),
        TEST(test_free_with_open_connections),
        TEST(test_dgram_echo),
        TEST(test_dgram_ipv6),
        TEST(test_dgram_errors),
        TEST(test_dgram_close_inside_callback),
        TEST(test_bind_address),
        TEST(test_stream_addresses),
        TEST(test_record_sink),
    };
    return test_main("hostio/real_host", tests, G_N_ELEMENTS(tests));
}
