/*
 * real_host: the host and stream seams on real sockets (see real_host.h).
 *
 * Structure. Everything runs from sources attached to the host's
 * GMainContext:
 * - one "alarm" source (a GSource with only a ready time) for all of the
 *   applications' timers, which sit in a tree ordered by (deadline, id), so
 *   that timers fire in deadline order, ties in creation order, however
 *   late the loop comes round;
 * - per listener, one socket source (G_IO_IN) per bound address;
 * - per datagram socket, likewise one socket source per bound address; a
 *   datagram socket closed from inside its callback is marked and released
 *   by the source once the callback has returned;
 * - per connection, a socket source for reading (present while the
 *   application reads, or while a closed connection drains its input), one
 *   for writing (present while the output buffer holds bytes or a FIN is
 *   due), and one alarm for the connect timeout or the linger time;
 * - the GTask of GSocketClient while a connection is being set up;
 * - an idle source that reports "nothing pending" to the owner.
 *
 * Stream operations (write, close, set_reading, ...) never call back and
 * never touch the socket: they change the connection's state and add or remove
 * its sources; the socket is read, written, shut down from those sources.
 * A callback may call any operation, close() and abort() included, so each
 * source callback holds a reference on its connection while it calls out,
 * and looks at the state again after every callback.
 *
 * Lifetime of a connection (rconn). States: CONNECTING (GSocketClient at
 * work), OPEN, CLOSING (the application closed it; flushing, FIN, draining
 * the peer's input until its FIN), DONE (socket closed, sources gone, out
 * of the host's list). References: the host's list holds one until DONE;
 * a pending connect holds one until GIO reports; a source callback holds
 * one while it runs. The memory goes with the last reference.
 *
 * Datagram sockets have no output buffer: dgram_send() hands the datagram
 * to the kernel at once (it never calls back either).
 *
 * Costs: write() is O(bytes) (a copy into a ring buffer that grows by
 * doubling up to the send-buffer size); dgram_send() is O(bytes) (a
 * system call, plus a zeroed buffer for length-only data); a timer is
 * O(log n) to arm, cancel or fire; everything else is O(1).
 */
#include "real_host.h"

#include <gio/gnetworking.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define READ_CHUNK 32768             /* bytes read per receive call */
#define READS_PER_DISPATCH 8         /* receive calls per readiness, for fairness */
#define ACCEPTS_PER_DISPATCH 16      /* accept calls per readiness */
#define LISTEN_BACKLOG 128           /* pending connections per listening socket */
#define ACCEPT_BACKOFF_US 100000     /* pause after a failed accept (EMFILE...) */
#define BUF_KEEP 65536               /* an empty output buffer keeps this much */
#define FREE_DRAIN_US 2000000        /* real_host_free() waits this long for GIO */
#define LISTEN_TRIES 16              /* port 0: ephemeral ports tried for both families */
#define DGRAM_BUF 65536              /* receive buffer: the largest UDP payload fits */
#define DGRAMS_PER_DISPATCH 16       /* datagrams received per readiness, for fairness */

G_DEFINE_QUARK(real-host-error-quark, real_host_error)

/* ---- alarm sources ---------------------------------------------------- */

/* A source that fires once at its ready time (monotonic microseconds) and
 * then waits, disarmed, until the ready time is set again. */
static gboolean alarm_dispatch(GSource *src, GSourceFunc fn, gpointer ud)
{
    g_source_set_ready_time(src, -1);
    return fn ? fn(ud) : G_SOURCE_REMOVE;
}

static GSourceFuncs alarm_funcs = {.dispatch = alarm_dispatch};

static GSource *alarm_new(GMainContext *ctx, const char *name, GSourceFunc fn, void *ud)
{
    GSource *src = g_source_new(&alarm_funcs, sizeof(GSource));
    g_source_set_name(src, name);
    g_source_set_callback(src, fn, ud, NULL);
    g_source_set_ready_time(src, -1);
    g_source_attach(src, ctx);
    return src;
}

/* Destroys a source this module attached and drops its reference. Safe on
 * the source being dispatched (GLib holds a reference while it runs). */
static void source_drop(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

/* ---- the host --------------------------------------------------------- */

typedef struct {
    host_timer_id id;
    int64_t deadline; /* ns on the host's clock */
    host_timer_fn fn;
    void *ud;
} rtimer;

typedef struct rconn rconn;

struct real_host {
    host_env env; /* first member: real_host_of_env() casts */
    GMainContext *ctx;
    char *name;
    gint64 t0_us; /* g_get_monotonic_time() at creation: now() == 0 */
    GSocketClient *client;

    GQueue conns;     /* rconn, not DONE, in creation order */
    GQueue listeners; /* host_listener, in creation order */
    GQueue dgrams;    /* host_dgram, open, in creation order */
    uint64_t next_conn_id;
    unsigned connecting; /* connects GIO has not reported yet */
    bool freeing;        /* inside real_host_free() or after */
    bool orphaned;       /* real_host_free() gave up waiting: the last connect
                          * report frees the host */

    GTree *timer_order;  /* rtimer* by (deadline, id) */
    GHashTable *timer_ids; /* id -> rtimer (owns it) */
    GSource *timer_src;
    host_timer_id next_timer_id;

    void (*idle_fn)(void *ud);
    void *idle_ud;
    GSource *idle_src;

    size_t sndbuf;
    int64_t connect_timeout;
    int64_t linger;

    real_host_record_fn record_fn; /* NULL: records are logged */
    void *record_ud;

    unsigned fallback_logged; /* FALLBACK_* reasons connect_from has logged */
    char *bind_addr; /* the one address listeners and datagram sockets bind,
                      * or NULL: 127.0.0.1 and ::1 */
};

static real_host_t *host_of(const host_env *env) { return (real_host_t *)(void *)env; }

static int64_t now_ns(const real_host_t *rh) { return (g_get_monotonic_time() - rh->t0_us) * 1000; }

/* Monotonic microseconds (GLib's ready-time scale) at which host time
 * `ns` has surely been reached. */
static gint64 ready_time_of(const real_host_t *rh, int64_t ns)
{
    return rh->t0_us + (ns + 999) / 1000;
}

unsigned real_host_connections(const real_host_t *rh) { return rh->conns.length; }
unsigned real_host_timers(const real_host_t *rh) { return g_hash_table_size(rh->timer_ids); }
unsigned real_host_pending(const real_host_t *rh)
{
    return real_host_connections(rh) + real_host_timers(rh);
}

static gboolean idle_dispatch(gpointer p)
{
    real_host_t *rh = p;
    g_source_unref(rh->idle_src); /* the loop keeps it alive while it runs */
    rh->idle_src = NULL;
    if (rh->idle_fn && real_host_pending(rh) == 0)
        rh->idle_fn(rh->idle_ud); /* rh is not touched after this */
    return G_SOURCE_REMOVE;
}

/* Schedules the idle report when nothing is pending any more. */
static void check_idle(real_host_t *rh)
{
    if (!rh->idle_fn || rh->idle_src || rh->freeing || real_host_pending(rh) != 0)
        return;
    rh->idle_src = g_idle_source_new();
    g_source_set_name(rh->idle_src, "real_host idle");
    g_source_set_callback(rh->idle_src, idle_dispatch, rh, NULL);
    g_source_attach(rh->idle_src, rh->ctx);
}

void real_host_set_idle_fn(real_host_t *rh, void (*fn)(void *ud), void *ud)
{
    rh->idle_fn = fn;
    rh->idle_ud = ud;
    if (!fn)
        source_drop(&rh->idle_src);
    else
        check_idle(rh);
}

void real_host_set_send_buffer(real_host_t *rh, size_t bytes) { rh->sndbuf = MAX(bytes, 1); }
void real_host_set_connect_timeout(real_host_t *rh, int64_t ns)
{
    if (ns > 0)
        rh->connect_timeout = ns;
}
void real_host_set_linger(real_host_t *rh, int64_t ns)
{
    if (ns > 0)
        rh->linger = ns;
}

bool real_host_set_bind_address(real_host_t *rh, const char *address, GError **err)
{
    if (address) {
        GInetAddress *a = g_inet_address_new_from_string(address);
        if (!a) {
            g_set_error(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID,
                        "real_host: \"%s\" is not an IPv4 or IPv6 address literal", address);
            return false;
        }
        g_object_unref(a);
    }
    g_free(rh->bind_addr);
    rh->bind_addr = g_strdup(address);
    return true;
}

static void host_log(real_host_t *rh, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void host_log(real_host_t *rh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", rh->name, msg);
    g_free(msg);
}

/* ---- timers ----------------------------------------------------------- */

static gint timer_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void)unused;
    const rtimer *x = a, *y = b;
    if (x->deadline != y->deadline)
        return x->deadline < y->deadline ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static rtimer *timer_first(const real_host_t *rh)
{
    GTreeNode *n = g_tree_node_first(rh->timer_order);
    return n ? g_tree_node_key(n) : NULL;
}

static void timers_rearm(real_host_t *rh)
{
    rtimer *t = timer_first(rh);
    g_source_set_ready_time(rh->timer_src, t ? ready_time_of(rh, t->deadline) : -1);
}

static void timer_remove(real_host_t *rh, rtimer *t)
{
    g_tree_remove(rh->timer_order, t);
    g_hash_table_remove(rh->timer_ids, &t->id); /* frees t */
}

/* Fires the timers that were due when the dispatch began, in order. Timers
 * armed meanwhile wait for the next dispatch, so a timer re-arming itself
 * with delay 0 cannot starve the sockets. */
static gboolean timers_fire(gpointer p)
{
    real_host_t *rh = p;
    int64_t now = now_ns(rh);
    host_timer_id first_new = rh->next_timer_id;
    for (;;) {
        rtimer *t = timer_first(rh);
        if (!t || t->deadline > now || t->id >= first_new)
            break;
        host_timer_fn fn = t->fn;
        void *ud = t->ud;
        timer_remove(rh, t);
        fn(ud);
    }
    timers_rearm(rh);
    check_idle(rh);
    return G_SOURCE_CONTINUE;
}

static host_timer_id op_timer(host_env *env, int64_t delay_ns, host_timer_fn fn, void *ud)
{
    real_host_t *rh = host_of(env);
    if (!fn)
        return 0;
    rtimer *t = g_new(rtimer, 1);
    t->id = rh->next_timer_id++;
    int64_t now = now_ns(rh);
    delay_ns = CLAMP(delay_ns, 0, INT64_MAX / 4);
    t->deadline = now + delay_ns;
    t->fn = fn;
    t->ud = ud;
    g_hash_table_insert(rh->timer_ids, &t->id, t);
    g_tree_insert(rh->timer_order, t, t);
    timers_rearm(rh);
    return t->id;
}

static void op_timer_cancel(host_env *env, host_timer_id id)
{
    real_host_t *rh = host_of(env);
    rtimer *t = id ? g_hash_table_lookup(rh->timer_ids, &id) : NULL;
    if (!t)
        return; /* none, fired or cancelled: harmless */
    timer_remove(rh, t);
    timers_rearm(rh);
    check_idle(rh);
}

/* ---- connections ------------------------------------------------------ */

typedef enum { RC_CONNECTING, RC_OPEN, RC_CLOSING, RC_DONE } rconn_state;

static const char *const rconn_state_names[] = {
    [RC_CONNECTING] = "connecting", [RC_OPEN] = "open", [RC_CLOSING] = "closing",
    [RC_DONE] = "done"};

struct rconn {
    stream_t s; /* first member: what the application holds */
    real_host_t *rh;
    GList link; /* in rh->conns until DONE */
    unsigned refs;
    rconn_state state;

    bool app_gone;      /* closed, aborted or told of an error: no callbacks */
    bool reading;       /* the application wants data() */
    bool eof;           /* the peer's FIN has been read */
    bool shut_req;      /* shutdown_write() or close(): FIN after the buffer */
    bool shut_done;     /* the FIN is out (g_socket_shutdown done) */
    bool want_writable; /* a write() was cut short: writable() is owed */

    GSocketConnection *conn; /* from GSocketClient (NULL if accepted) */
    GSocket *sock;           /* our reference; NULL before connected, after DONE */
    GCancellable *cancel;    /* of the pending connect */
    GSource *in_src, *out_src;
    GSource *alarm;          /* connect timeout, then linger while CLOSING */
    gint64 progress_us;      /* CLOSING: last time bytes left (monotonic us) */

    /* Output: a ring buffer of `alloc` bytes holding `len` from `head`. */
    uint8_t *buf;
    size_t head, len, alloc;
    size_t cap; /* the most write() holds (bytes) */

    char *peer; /* "host:port", for logs */
};

static const stream_ops conn_ops;

static rconn *conn_of(const stream_t *s) { return (rconn *)(void *)s; }

static rconn *conn_ref(rconn *c)
{
    c->refs++;
    return c;
}

static void conn_unref(rconn *c)
{
    g_assert(c->refs > 0);
    if (--c->refs)
        return;
    g_assert(c->state == RC_DONE && !c->sock && !c->conn && !c->cancel);
    g_free(c->buf);
    g_free(c->peer);
    g_free(c);
}

static void conn_set_state(rconn *c, rconn_state st)
{
    g_debug("%s: stream %" G_GUINT64_FORMAT " (%s): %s -> %s", c->rh->name, c->s.id,
            c->peer ? c->peer : "?", rconn_state_names[c->state], rconn_state_names[st]);
    c->state = st;
}

static rconn *conn_new(real_host_t *rh, rconn_state st)
{
    rconn *c = g_new0(rconn, 1);
    c->s.ops = &conn_ops;
    c->s.id = ++rh->next_conn_id;
    c->rh = rh;
    c->refs = 1; /* the host's list */
    c->state = st;
    c->reading = true;
    c->cap = rh->sndbuf;
    c->link.data = c;
    g_queue_push_tail_link(&rh->conns, &c->link);
    return c;
}

/* Output ring buffer. */
static void buf_reserve(rconn *c, size_t more)
{
    if (c->alloc - c->len >= more)
        return;
    size_t a = c->alloc ? c->alloc : 4096;
    while (a < c->len + more)
        a *= 2;
    uint8_t *nb = g_malloc(a);
    size_t first = MIN(c->len, c->alloc - c->head);
    if (first)
        memcpy(nb, c->buf + c->head, first);
    if (c->len > first)
        memcpy(nb + first, c->buf, c->len - first);
    g_free(c->buf);
    c->buf = nb;
    c->alloc = a;
    c->head = 0;
}

static void buf_append(rconn *c, const uint8_t *data, size_t n)
{
    buf_reserve(c, n);
    size_t pos = (c->head + c->len) % c->alloc;
    size_t first = MIN(n, c->alloc - pos);
    if (data) {
        memcpy(c->buf + pos, data, first);
        memcpy(c->buf, data + first, n - first);
    } else {
        memset(c->buf + pos, 0, first);
        memset(c->buf, 0, n - first);
    }
    c->len += n;
}

static void buf_consume(rconn *c, size_t n)
{
    c->head = (c->head + n) % c->alloc;
    c->len -= n;
    if (c->len == 0) {
        c->head = 0;
        if (c->alloc > BUF_KEEP) {
            g_free(c->buf);
            c->buf = NULL;
            c->alloc = 0;
        }
    }
}

static stream_err map_error(const GError *e)
{
    if (!e)
        return STREAM_ERR_IO;
    if (e->domain == G_RESOLVER_ERROR)
        return STREAM_ERR_UNREACHABLE;
    if (e->domain != G_IO_ERROR)
        return STREAM_ERR_IO;
    switch (e->code) {
    case G_IO_ERROR_CONNECTION_REFUSED:
        return STREAM_ERR_REFUSED;
    case G_IO_ERROR_HOST_NOT_FOUND:
    case G_IO_ERROR_HOST_UNREACHABLE:
    case G_IO_ERROR_NETWORK_UNREACHABLE:
        return STREAM_ERR_UNREACHABLE;
    case G_IO_ERROR_TIMED_OUT:
        return STREAM_ERR_TIMEOUT;
    case G_IO_ERROR_CONNECTION_CLOSED: /* ECONNRESET and EPIPE (== BROKEN_PIPE) */
    case G_IO_ERROR_NOT_CONNECTED:
        return STREAM_ERR_RESET;
    default:
        return STREAM_ERR_IO;
    }
}

/* Splits an internet socket address into an address literal (g_free it)
 * and a port; NULL for another kind of address. */
static char *inet_text(GSocketAddress *a, uint16_t *port)
{
    if (!a || !G_IS_INET_SOCKET_ADDRESS(a))
        return NULL;
    GInetSocketAddress *ia = G_INET_SOCKET_ADDRESS(a);
    *port = g_inet_socket_address_get_port(ia);
    return g_inet_address_to_string(g_inet_socket_address_get_address(ia));
}

static void socket_setup(GSocket *sock)
{
    g_socket_set_blocking(sock, FALSE);
    g_socket_set_timeout(sock, 0);
    /* Best effort: a socket that refuses it still works. */
    g_socket_set_option(sock, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

/* Makes the next close() send RST instead of FIN. */
static void socket_set_reset(GSocket *sock)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    if (setsockopt(g_socket_get_fd(sock), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
        g_debug("real_host: SO_LINGER failed; the close will not reset");
}

/* Ends the connection: sources, socket (reset or not), list membership,
 * the list's reference. No callback. The caller must hold a reference if
 * it uses `c` afterwards. */
static void conn_finish(rconn *c, bool reset)
{
    if (c->state == RC_DONE)
        return;
    real_host_t *rh = c->rh;
    conn_set_state(c, RC_DONE);
    c->app_gone = true;
    source_drop(&c->in_src);
    source_drop(&c->out_src);
    source_drop(&c->alarm);
    if (c->cancel)
        g_cancellable_cancel(c->cancel); /* the connect report releases it */
    if (c->sock) {
        if (reset)
            socket_set_reset(c->sock);
        g_socket_close(c->sock, NULL);
        g_clear_object(&c->sock);
    }
    g_clear_object(&c->conn); /* its socket is closed already */
    g_queue_unlink(&rh->conns, &c->link);
    check_idle(rh);
    conn_unref(c);
}

/* Reports an error (unless the application let go already) and ends. */
static void conn_fail(rconn *c, stream_err err, const GError *why)
{
    g_debug("%s: stream %" G_GUINT64_FORMAT " (%s) failed: %s (%s)", c->rh->name, c->s.id,
            c->peer ? c->peer : "?", stream_err_text(err), why ? why->message : "-");
    bool tell = !c->app_gone;
    c->app_gone = true;
    const stream_handler *h = c->s.handler;
    if (tell && h && h->error)
        h->error(c->s.ud, &c->s, err);
    conn_finish(c, false);
}

static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer p);
static gboolean on_writable(GSocket *sock, GIOCondition cond, gpointer p);

static void source_toggle(rconn *c, GSource **src, bool want, GIOCondition cond,
                          GSocketSourceFunc fn)
{
    if (want && !*src) {
        *src = g_socket_create_source(c->sock, cond, NULL);
        g_source_set_callback(*src, G_SOURCE_FUNC(fn), c, NULL);
        g_source_attach(*src, c->rh->ctx);
    } else if (!want && *src) {
        source_drop(src);
    }
}

/* Attaches or removes the socket sources the state calls for. */
static void conn_update(rconn *c)
{
    if (c->state != RC_OPEN && c->state != RC_CLOSING)
        return;
    /* A closed connection drains (and drops) input until the peer's FIN. */
    bool want_in = !c->eof && (c->state == RC_CLOSING || c->reading);
    bool want_out = c->len > 0 || (c->shut_req && !c->shut_done);
    source_toggle(c, &c->in_src, want_in, G_IO_IN, on_readable);
    source_toggle(c, &c->out_src, want_out, G_IO_OUT, on_writable);
}

/* A closed connection whose FIN is out and whose peer's FIN came in is
 * finished: the socket can close without losing anything. */
static void conn_maybe_done(rconn *c)
{
    if (c->state == RC_CLOSING && c->shut_done && c->eof)
        conn_finish(c, false);
}

static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer p)
{
    (void)cond;
    rconn *c = conn_ref(p);
    uint8_t chunk[READ_CHUNK];
    for (int i = 0; i < READS_PER_DISPATCH; i++) {
        if (c->state == RC_DONE || c->eof || (!c->app_gone && !c->reading))
            break;
        GError *err = NULL;
        gssize n = g_socket_receive(sock, (gchar *)chunk, sizeof chunk, NULL, &err);
        if (n > 0) {
            const stream_handler *h = c->s.handler;
            if (!c->app_gone && h && h->data)
                h->data(c->s.ud, &c->s, chunk, (size_t)n);
            continue;
        }
        if (n == 0) {
            c->eof = true;
            const stream_handler *h = c->s.handler;
            if (!c->app_gone && h && h->peer_closed)
                h->peer_closed(c->s.ud, &c->s);
            break;
        }
        if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            g_error_free(err);
            break;
        }
        conn_fail(c, map_error(err), err);
        g_error_free(err);
        break;
    }
    if (c->state != RC_DONE) {
        conn_update(c);
        conn_maybe_done(c);
    }
    conn_unref(c);
    return G_SOURCE_CONTINUE;
}

/* Sends what the kernel takes. False on a socket error (*err set). */
static bool conn_flush(rconn *c, GError **err)
{
    while (c->len > 0) {
        GOutputVector v[2];
        size_t first = MIN(c->len, c->alloc - c->head);
        v[0].buffer = c->buf + c->head;
        v[0].size = first;
        v[1].buffer = c->buf;
        v[1].size = c->len - first;
        GError *e = NULL;
        gssize n = g_socket_send_message(c->sock, NULL, v, v[1].size ? 2 : 1, NULL, 0, 0, NULL, &e);
        if (n < 0) {
            if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
                g_error_free(e);
                return true;
            }
            g_propagate_error(err, e);
            return false;
        }
        buf_consume(c, (size_t)n);
        c->progress_us = g_get_monotonic_time();
    }
    return true;
}

static gboolean on_writable(GSocket *sock, GIOCondition cond, gpointer p)
{
    (void)cond;
    rconn *c = conn_ref(p);
    GError *err = NULL;
    if (!conn_flush(c, &err)) {
        conn_fail(c, map_error(err), err);
        g_error_free(err);
        goto out;
    }
    if (c->len == 0 && c->shut_req && !c->shut_done) {
        if (!g_socket_shutdown(sock, FALSE, TRUE, &err)) {
            conn_fail(c, map_error(err), err);
            g_error_free(err);
            goto out;
        }
        c->shut_done = true;
    }
    if (c->want_writable && !c->app_gone && !c->shut_req && c->len < c->cap) {
        c->want_writable = false;
        const stream_handler *h = c->s.handler;
        if (h && h->writable)
            h->writable(c->s.ud, &c->s);
    }
    if (c->state != RC_DONE) {
        conn_update(c);
        conn_maybe_done(c);
    }
out:
    conn_unref(c);
    return G_SOURCE_CONTINUE;
}

/* The connection's alarm: the connect timeout while CONNECTING, the
 * linger time while CLOSING. */
static gboolean on_alarm(gpointer p)
{
    rconn *c = conn_ref(p);
    if (c->state == RC_CONNECTING) {
        conn_fail(c, STREAM_ERR_TIMEOUT, NULL);
    } else if (c->state == RC_CLOSING) {
        gint64 due = c->progress_us + c->rh->linger / 1000;
        if (g_get_monotonic_time() >= due) {
            g_debug("%s: stream %" G_GUINT64_FORMAT ": no progress while closing: reset",
                    c->rh->name, c->s.id);
            conn_finish(c, true);
        } else {
            g_source_set_ready_time(c->alarm, due);
        }
    }
    conn_unref(c);
    return G_SOURCE_CONTINUE;
}

static void alarm_at(rconn *c, gint64 when_us)
{
    if (!c->alarm)
        c->alarm = alarm_new(c->rh->ctx, "real_host stream alarm", on_alarm, c);
    g_source_set_ready_time(c->alarm, when_us);
}

/* ---- stream operations ------------------------------------------------ */

static size_t op_write_space(const stream_t *s)
{
    const rconn *c = conn_of(s);
    if (c->app_gone || c->shut_req || c->state == RC_DONE)
        return 0;
    return c->len >= c->cap ? 0 : c->cap - c->len;
}

static size_t op_write(stream_t *s, const void *data, size_t len)
{
    rconn *c = conn_of(s);
    size_t n = MIN(len, op_write_space(s));
    if (n < len && !c->app_gone && !c->shut_req && c->state != RC_DONE)
        c->want_writable = true;
    if (n == 0)
        return 0;
    buf_append(c, data, n);
    conn_update(c);
    return n;
}

static void op_shutdown_write(stream_t *s)
{
    rconn *c = conn_of(s);
    if (c->app_gone || c->shut_req || c->state == RC_DONE)
        return;
    c->shut_req = true;
    c->want_writable = false;
    conn_update(c);
}

static void op_close(stream_t *s)
{
    rconn *c = conn_of(s);
    if (c->app_gone)
        return;
    c->app_gone = true;
    c->want_writable = false;
    if (c->state == RC_CONNECTING) {
        conn_finish(c, false);
        return;
    }
    c->shut_req = true;
    conn_set_state(c, RC_CLOSING);
    c->progress_us = g_get_monotonic_time();
    alarm_at(c, c->progress_us + c->rh->linger / 1000);
    conn_update(c);
    conn_maybe_done(c);
}

static void op_abort(stream_t *s)
{
    rconn *c = conn_of(s);
    if (c->app_gone)
        return;
    conn_finish(c, true);
}

static void op_set_reading(stream_t *s, bool on)
{
    rconn *c = conn_of(s);
    if (c->app_gone)
        return;
    c->reading = on;
    conn_update(c);
}

/* The socket's own or its peer's address (getsockname, getpeername: the
 * accepted side has no GSocketConnection, so both sides ask the GSocket);
 * unknown while connecting and once the socket is closed. */
static bool op_address(const stream_t *s, bool peer, stream_addr *out)
{
    const rconn *c = conn_of(s);
    if (!c->sock || !out)
        return false;
    GSocketAddress *a = peer ? g_socket_get_remote_address(c->sock, NULL)
                             : g_socket_get_local_address(c->sock, NULL);
    uint16_t port = 0;
    char *ip = inet_text(a, &port);
    g_clear_object(&a);
    if (!ip)
        return false;
    g_strlcpy(out->host, ip, sizeof out->host);
    out->port = port;
    g_free(ip);
    return true;
}

static const stream_ops conn_ops = {
    .write = op_write,
    .write_space = op_write_space,
    .shutdown_write = op_shutdown_write,
    .close = op_close,
    .abort = op_abort,
    .set_reading = op_set_reading,
    .address = op_address,
};

/* ---- connect ---------------------------------------------------------- */

static void host_release(real_host_t *rh);

/* A pending connect's report: `conn` (owned, NULL on failure, then `err`
 * owned); releases the reference taken for the pending connect. */
static void connect_report(rconn *c, GSocketConnection *conn, GError *err)
{
    real_host_t *rh = c->rh;
    rh->connecting--;
    g_clear_object(&c->cancel);
    if (c->state != RC_CONNECTING) {
        /* Closed, aborted, timed out or the host was freed meanwhile. */
        if (conn) {
            g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
            g_object_unref(conn);
        }
        g_clear_error(&err);
        conn_unref(c);
        if (rh->orphaned && rh->connecting == 0)
            host_release(rh);
        return;
    }
    if (!conn) {
        conn_fail(c, map_error(err), err);
        g_error_free(err);
        conn_unref(c);
        return;
    }
    source_drop(&c->alarm);
    c->conn = conn;
    c->sock = g_object_ref(g_socket_connection_get_socket(conn));
    socket_setup(c->sock);
    conn_set_state(c, RC_OPEN);
    const stream_handler *h = c->s.handler;
    if (h && h->connected)
        h->connected(c->s.ud, &c->s);
    if (c->state != RC_DONE) {
        conn_update(c);
        conn_maybe_done(c);
    }
    conn_unref(c);
}

static void on_connect_done(GObject *src, GAsyncResult *res, gpointer p)
{
    GError *err = NULL;
    GSocketConnection *conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(src), res, &err);
    connect_report(p, conn, err);
}

static stream_t *op_connect(host_env *env, const char *host, uint16_t port,
                            const stream_handler *h, void *ud, GError **err)
{
    real_host_t *rh = host_of(env);
    if (!host || !*host || port == 0) {
        g_set_error(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID,
                    "real_host: connect needs a host name and a port above 0 (got \"%s\", %u)",
                    host ? host : "(null)", port);
        return NULL;
    }
    rconn *c = conn_new(rh, RC_CONNECTING);
    stream_set_handler(&c->s, h, ud);
    c->peer = g_strdup_printf("%s:%u", host, port);
    c->cancel = g_cancellable_new();
    GSocketConnectable *addr = g_network_address_new(host, port);
    rh->connecting++;
    /* GIO reports to the thread-default context of the caller. */
    g_main_context_push_thread_default(rh->ctx);
    g_socket_client_connect_async(rh->client, addr, c->cancel, on_connect_done, conn_ref(c));
    g_main_context_pop_thread_default(rh->ctx);
    g_object_unref(addr);
    alarm_at(c, ready_time_of(rh, now_ns(rh) + rh->connect_timeout));
    return &c->s;
}

/* The connection made by connect_from: a GSocketConnection created on the
 * bound socket beforehand (the one reference this callback releases). */
static void on_connect_from_done(GObject *src, GAsyncResult *res, gpointer p)
{
    GSocketConnection *conn = G_SOCKET_CONNECTION(src);
    GError *err = NULL;
    if (!g_socket_connection_connect_finish(conn, res, &err)) {
        g_object_unref(conn);
        conn = NULL;
    }
    connect_report(p, conn, err);
}

/* Logs a bind fallback once per host and reason (`which` is one bit). */
static void fallback_log(real_host_t *rh, unsigned which, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void fallback_log(real_host_t *rh, unsigned which, const char *fmt, ...)
{
    if (rh->fallback_logged & which)
        return;
    rh->fallback_logged |= which;
    va_list ap;
    va_start(ap, fmt);
    char *m = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    host_log(rh, "%s", m);
    g_free(m);
}

#define FALLBACK_NAME 1u   /* the peer is not an address literal */
#define FALLBACK_DENIED 2u /* EACCES: a privileged port without the right */
#define FALLBACK_BUSY 4u   /* EADDRINUSE and the rest */

/* connect() from `lport`: a socket of the peer's family bound to
 * (the bind address or the family's any address, lport) with
 * SO_REUSEADDR (so that a data connection of a moment ago in TIME_WAIT
 * does not block the next), then connected asynchronously. When the bind
 * is refused, connect() from an ephemeral port, logged once per reason. */
static stream_t *op_connect_from(host_env *env, uint16_t lport, const char *host, uint16_t port,
                                 const stream_handler *h, void *ud, GError **err)
{
    real_host_t *rh = host_of(env);
    GInetAddress *peer = host && port ? g_inet_address_new_from_string(host) : NULL;
    if (!peer) {
        if (host && *host && port)
            fallback_log(rh, FALLBACK_NAME, "connect from port %u: \"%s\" is not an address literal; "
                         "connecting from an ephemeral port", lport, host);
        return op_connect(env, host, port, h, ud, err);
    }
    GSocketFamily fam = g_inet_address_get_family(peer);
    GInetAddress *local = NULL;
    if (rh->bind_addr) {
        local = g_inet_address_new_from_string(rh->bind_addr);
        if (local && g_inet_address_get_family(local) != fam)
            g_clear_object(&local);
    }
    if (!local)
        local = g_inet_address_new_any(fam);
    GSocketAddress *la = g_inet_socket_address_new(local, lport);
    GError *e = NULL;
    GSocket *sock = g_socket_new(fam, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &e);
    bool bound = sock && g_socket_bind(sock, la, TRUE, &e);
    g_object_unref(la);
    g_object_unref(local);
    if (!bound) {
        bool denied = e && g_error_matches(e, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
        fallback_log(rh, denied ? FALLBACK_DENIED : FALLBACK_BUSY,
                     "cannot bind port %u for a connection to %s:%u (%s); connecting from an ephemeral port", lport,
                     host, port, e ? e->message : "no socket");
        g_clear_error(&e);
        if (sock) {
            g_socket_close(sock, NULL);
            g_object_unref(sock);
        }
        g_object_unref(peer);
        return op_connect(env, host, port, h, ud, err);
    }
    g_socket_set_blocking(sock, FALSE);
    rconn *c = conn_new(rh, RC_CONNECTING);
    stream_set_handler(&c->s, h, ud);
    c->peer = g_strdup_printf("%s:%u", host, port);
    c->cancel = g_cancellable_new();
    GSocketConnection *conn = g_socket_connection_factory_create_connection(sock);
    g_object_unref(sock);
    GSocketAddress *ra = g_inet_socket_address_new(peer, port);
    g_object_unref(peer);
    rh->connecting++;
    g_main_context_push_thread_default(rh->ctx);
    g_socket_connection_connect_async(conn, ra, c->cancel, on_connect_from_done, conn_ref(c));
    g_main_context_pop_thread_default(rh->ctx);
    g_object_unref(ra);
    alarm_at(c, ready_time_of(rh, now_ns(rh) + rh->connect_timeout));
    return &c->s;
}

/* ---- loopback sockets ------------------------------------------------ */

/* A non-blocking socket of `type` (stream: TCP, listening; datagram: UDP)
 * bound to (ip, port). Datagram sockets do not ask for address reuse,
 * which on UDP would let a second socket share the port. */
static GSocket *bind_one(GSocketFamily family, GSocketType type, const char *ip, uint16_t port,
                         GError **err)
{
    bool stream = type == G_SOCKET_TYPE_STREAM;
    GSocket *sock = g_socket_new(family, type,
                                 stream ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP, err);
    if (!sock)
        return NULL;
    g_socket_set_blocking(sock, FALSE);
    if (stream)
        g_socket_set_listen_backlog(sock, LISTEN_BACKLOG);
    GSocketAddress *addr = g_inet_socket_address_new_from_string(ip, port);
    bool ok = g_socket_bind(sock, addr, stream, err) && (!stream || g_socket_listen(sock, err));
    g_object_unref(addr);
    if (!ok) {
        g_socket_close(sock, NULL);
        g_object_unref(sock);
        return NULL;
    }
    return sock;
}

static uint16_t socket_port(GSocket *sock)
{
    GSocketAddress *a = g_socket_get_local_address(sock, NULL);
    uint16_t port = 0;
    if (a && G_IS_INET_SOCKET_ADDRESS(a))
        port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a));
    g_clear_object(&a);
    return port;
}

/* Loopback sockets of one port: 127.0.0.1 and, when the machine has it,
 * ::1. */
typedef struct {
    GSocket *socks[2];
    unsigned n;
    uint16_t port;
} loop_socks;

static void loop_socks_close(loop_socks *ls)
{
    for (unsigned i = 0; i < ls->n; i++) {
        g_socket_close(ls->socks[i], NULL);
        g_clear_object(&ls->socks[i]);
    }
    ls->n = 0;
}

/* Binds 127.0.0.1 and then ::1 on the same port. ::1 may be missing (no
 * IPv6 on the machine); a ::1 port held by someone else is an error. */
static bool bind_pair(loop_socks *ls, GSocketType type, uint16_t port, GError **err)
{
    GSocket *v4 = bind_one(G_SOCKET_FAMILY_IPV4, type, "127.0.0.1", port, err);
    if (!v4)
        return false;
    ls->socks[ls->n++] = v4;
    ls->port = socket_port(v4);
    GError *e6 = NULL;
    GSocket *v6 = bind_one(G_SOCKET_FAMILY_IPV6, type, "::1", ls->port, &e6);
    if (v6) {
        ls->socks[ls->n++] = v6;
        return true;
    }
    if (g_error_matches(e6, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) {
        g_propagate_prefixed_error(err, e6, "::1 port %u: ", ls->port);
        return false;
    }
    g_debug("real_host: no IPv6 loopback (%s); binding 127.0.0.1 only", e6->message);
    g_error_free(e6);
    return true;
}

/* bind_pair(), and for port 0 again with another ephemeral port when the
 * one free on 127.0.0.1 is taken on ::1. On failure nothing stays open.
 * With a bind address set on the host (real_host_set_bind_address), that
 * one address only. */
static bool bind_loopback(const real_host_t *rh, loop_socks *ls, GSocketType type, uint16_t port,
                          GError **err)
{
    if (rh->bind_addr) {
        GInetAddress *a = g_inet_address_new_from_string(rh->bind_addr);
        GSocket *s = bind_one(g_inet_address_get_family(a), type, rh->bind_addr, port, err);
        g_object_unref(a);
        if (!s)
            return false;
        ls->socks[ls->n++] = s;
        ls->port = socket_port(s);
        return true;
    }
    for (int tries = 0;; tries++) {
        GError *e = NULL;
        if (bind_pair(ls, type, port, &e))
            return true;
        loop_socks_close(ls);
        if (port == 0 && tries + 1 < LISTEN_TRIES &&
            g_error_matches(e, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) {
            g_error_free(e);
            continue;
        }
        g_propagate_error(err, e);
        return false;
    }
}

/* ---- listen ----------------------------------------------------------- */

struct host_listener {
    real_host_t *rh;
    GList link; /* in rh->listeners */
    stream_accept_fn accept;
    void *ud;
    loop_socks ls;
    GSource *srcs[2]; /* one per socket */
    GSource *backoff; /* re-attaches the sources after an accept error */
    unsigned dispatching; /* accept callbacks running */
    bool gone;            /* unlistened while dispatching: free afterwards */
};

static gboolean on_acceptable(GSocket *sock, GIOCondition cond, gpointer p);

static void listener_watch(host_listener *l, bool on)
{
    for (unsigned i = 0; i < l->ls.n; i++) {
        if (on && !l->srcs[i]) {
            l->srcs[i] = g_socket_create_source(l->ls.socks[i], G_IO_IN, NULL);
            g_source_set_callback(l->srcs[i], G_SOURCE_FUNC(on_acceptable), l, NULL);
            g_source_attach(l->srcs[i], l->rh->ctx);
        } else if (!on) {
            source_drop(&l->srcs[i]);
        }
    }
}

static void listener_close_sockets(host_listener *l)
{
    listener_watch(l, false);
    source_drop(&l->backoff);
    loop_socks_close(&l->ls);
}

static gboolean on_backoff_done(gpointer p)
{
    host_listener *l = p;
    listener_watch(l, true);
    return G_SOURCE_CONTINUE;
}

static gboolean on_acceptable(GSocket *sock, GIOCondition cond, gpointer p)
{
    (void)cond;
    host_listener *l = p;
    real_host_t *rh = l->rh;
    l->dispatching++;
    for (int i = 0; i < ACCEPTS_PER_DISPATCH && !l->gone; i++) {
        GError *err = NULL;
        GSocket *ns = g_socket_accept(sock, NULL, &err);
        if (!ns) {
            if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
                /* EMFILE and the like: the socket stays readable, so pause
                 * instead of spinning. */
                host_log(rh, "accept on port %u failed: %s; pausing", l->ls.port, err->message);
                listener_watch(l, false);
                if (!l->backoff)
                    l->backoff = alarm_new(rh->ctx, "real_host accept backoff",
                                           on_backoff_done, l);
                g_source_set_ready_time(l->backoff, g_get_monotonic_time() + ACCEPT_BACKOFF_US);
            }
            g_error_free(err);
            break;
        }
        socket_setup(ns);
        rconn *c = conn_new(rh, RC_OPEN);
        c->sock = ns;
        GSocketAddress *ra = g_socket_get_remote_address(ns, NULL);
        if (ra && G_IS_INET_SOCKET_ADDRESS(ra)) {
            char *ip = g_inet_address_to_string(
                g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(ra)));
            c->peer = g_strdup_printf("%s:%u", ip,
                                      g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(ra)));
            g_free(ip);
        }
        g_clear_object(&ra);
        conn_ref(c);
        l->accept(l->ud, &c->s);
        if (c->state != RC_DONE) {
            conn_update(c);
            conn_maybe_done(c);
        }
        conn_unref(c);
    }
    l->dispatching--;
    if (l->gone && !l->dispatching)
        g_free(l);
    return G_SOURCE_CONTINUE;
}

static host_listener *op_listen(host_env *env, uint16_t port, stream_accept_fn accept, void *ud,
                                GError **err)
{
    real_host_t *rh = host_of(env);
    if (!accept) {
        g_set_error(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID,
                    "real_host: listen needs an accept function");
        return NULL;
    }
    host_listener *l = g_new0(host_listener, 1);
    l->rh = rh;
    l->accept = accept;
    l->ud = ud;
    GError *e = NULL;
    if (!bind_loopback(rh, &l->ls, G_SOCKET_TYPE_STREAM, port, &e)) {
        g_propagate_prefixed_error(err, e, "real_host: cannot listen on port %u: ", port);
        g_free(l);
        return NULL;
    }
    listener_watch(l, true);
    l->link.data = l;
    g_queue_push_tail_link(&rh->listeners, &l->link);
    return l;
}

static void op_unlisten(host_env *env, host_listener *l)
{
    real_host_t *rh = host_of(env);
    if (!l || l->gone)
        return;
    g_queue_unlink(&rh->listeners, &l->link);
    listener_close_sockets(l);
    l->gone = true;
    if (!l->dispatching)
        g_free(l);
}

uint16_t real_host_listener_port(const host_listener *l) { return l ? l->ls.port : 0; }

static uint16_t op_listener_port(const host_env *env, const host_listener *l)
{
    (void)env;
    return real_host_listener_port(l);
}

/* ---- datagram sockets ------------------------------------------------- */

struct host_dgram {
    real_host_t *rh;
    GList link;       /* in rh->dgrams until closed */
    host_dgram_fn fn; /* NULL: received datagrams are discarded */
    void *ud;
    loop_socks ls;
    GSource *srcs[2]; /* one per socket, G_IO_IN */
    uint8_t *buf;     /* DGRAM_BUF bytes: one datagram as it is received */
    unsigned dispatching; /* receive callbacks running */
    bool gone;            /* closed while dispatching: released afterwards */
};

/* Closes the sockets and frees the socket's memory. */
static void dgram_release(host_dgram *d)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(d->srcs); i++)
        source_drop(&d->srcs[i]);
    loop_socks_close(&d->ls);
    g_free(d->buf);
    g_free(d);
}

/* Hands one received datagram to the application. */
static void dgram_deliver(host_dgram *d, GSocketAddress *from, size_t len)
{
    uint16_t port = 0;
    char *ip = inet_text(from, &port);
    host_datagram hd = {.from = ip ? ip : "", .from_port = port, .data = d->buf, .len = len};
    if (d->fn)
        d->fn(d->ud, d, &hd);
    g_free(ip);
}

static gboolean on_dgram_readable(GSocket *sock, GIOCondition cond, gpointer p)
{
    (void)cond;
    host_dgram *d = p;
    d->dispatching++;
    for (int i = 0; i < DGRAMS_PER_DISPATCH && !d->gone; i++) {
        GSocketAddress *from = NULL;
        GError *err = NULL;
        gssize n = g_socket_receive_from(sock, &from, (gchar *)d->buf, DGRAM_BUF, NULL, &err);
        if (n < 0) {
            /* Nothing more (WOULD_BLOCK), or an error the kernel reported
             * once and has cleared: either way, wait for the next one. */
            if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                g_debug("%s: datagram port %u: %s", d->rh->name, d->ls.port, err->message);
            g_error_free(err);
            break;
        }
        dgram_deliver(d, from, (size_t)n);
        g_clear_object(&from);
    }
    d->dispatching--;
    if (d->gone && !d->dispatching)
        dgram_release(d);
    return G_SOURCE_CONTINUE;
}

static host_dgram *op_dgram_open(host_env *env, uint16_t port, host_dgram_fn fn, void *ud,
                                 GError **err)
{
    real_host_t *rh = host_of(env);
    host_dgram *d = g_new0(host_dgram, 1);
    GError *e = NULL;
    if (!bind_loopback(rh, &d->ls, G_SOCKET_TYPE_DATAGRAM, port, &e)) {
        g_propagate_prefixed_error(err, e, "real_host: cannot bind datagram port %u: ", port);
        g_free(d);
        return NULL;
    }
    d->rh = rh;
    d->fn = fn;
    d->ud = ud;
    d->buf = g_malloc(DGRAM_BUF);
    for (unsigned i = 0; i < d->ls.n; i++) {
        d->srcs[i] = g_socket_create_source(d->ls.socks[i], G_IO_IN, NULL);
        g_source_set_callback(d->srcs[i], G_SOURCE_FUNC(on_dgram_readable), d, NULL);
        g_source_attach(d->srcs[i], rh->ctx);
    }
    d->link.data = d;
    g_queue_push_tail_link(&rh->dgrams, &d->link);
    return d;
}

/* The address of `host` for a datagram: an address literal, or
 * "localhost" (127.0.0.1). No name lookup: it would block the loop. */
static GInetAddress *dgram_resolve(const char *host, GError **err)
{
    GInetAddress *a = host ? g_inet_address_new_from_string(host) : NULL;
    if (!a && host && g_ascii_strcasecmp(host, "localhost") == 0)
        a = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    if (!a)
        g_set_error(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID,
                    "real_host: datagrams go to an address literal or \"localhost\", not \"%s\"",
                    host ? host : "(null)");
    return a;
}

/* The socket of `d` for the family of `to`, or NULL. */
static GSocket *dgram_socket_for(const host_dgram *d, GInetAddress *to)
{
    GSocketFamily fam = g_inet_address_get_family(to);
    for (unsigned i = 0; i < d->ls.n; i++)
        if (g_socket_get_family(d->ls.socks[i]) == fam)
            return d->ls.socks[i];
    return NULL;
}

/* Sends one datagram; a full socket buffer drops it, as UDP may. */
static bool dgram_send_to(host_dgram *d, GSocket *sock, GInetAddress *to, uint16_t port,
                          const void *data, size_t len, GError **err)
{
    GSocketAddress *sa = g_inet_socket_address_new(to, port);
    uint8_t *zeros = data || !len ? NULL : g_malloc0(len);
    GError *e = NULL;
    gssize n = g_socket_send_to(sock, sa, data ? data : zeros ? (const void *)zeros : "", len,
                                NULL, &e);
    g_free(zeros);
    g_object_unref(sa);
    if (n >= 0)
        return true;
    if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        g_debug("%s: datagram port %u: send buffer full, datagram dropped", d->rh->name,
                d->ls.port);
        g_error_free(e);
        return true;
    }
    char *ip = g_inet_address_to_string(to);
    g_propagate_prefixed_error(err, e, "real_host: cannot send a datagram to %s port %u: ", ip,
                               port);
    g_free(ip);
    return false;
}

static bool op_dgram_send(host_env *env, host_dgram *d, const char *host, uint16_t port,
                          const void *data, size_t len, uint64_t tag, GError **err)
{
    (void)env;
    (void)tag; /* not transmitted: real datagrams carry only their payload */
    if (d->gone) {
        g_set_error(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID,
                    "real_host: datagram port %u is closed", d->ls.port);
        return false;
    }
    if (port == 0 || len > REAL_HOST_DGRAM_MAX) {
        g_set_error(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID,
                    "real_host: a datagram needs a port above 0 and at most %u bytes "
                    "(got port %u, %zu bytes)",
                    REAL_HOST_DGRAM_MAX, port, len);
        return false;
    }
    GInetAddress *to = dgram_resolve(host, err);
    if (!to)
        return false;
    GSocket *sock = dgram_socket_for(d, to);
    bool ok = false;
    if (!sock)
        g_set_error(err, REAL_HOST_ERROR, REAL_HOST_ERROR_INVALID,
                    "real_host: no datagram socket of the family of \"%s\" (no IPv6 loopback?)",
                    host);
    else
        ok = dgram_send_to(d, sock, to, port, data, len, err);
    g_object_unref(to);
    return ok;
}

static uint16_t op_dgram_port(const host_env *env, const host_dgram *d)
{
    (void)env;
    return d->ls.port;
}

static void op_dgram_close(host_env *env, host_dgram *d)
{
    real_host_t *rh = host_of(env);
    if (d->gone)
        return;
    d->gone = true;
    g_queue_unlink(&rh->dgrams, &d->link);
    if (!d->dispatching)
        dgram_release(d); /* else on_dgram_readable() releases it */
}

/* ---- the rest of the host --------------------------------------------- */

static int64_t op_now(const host_env *env) { return now_ns(host_of(env)); }

static int64_t op_wall_s(const host_env *env)
{
    (void)env;
    return g_get_real_time() / G_USEC_PER_SEC;
}

static void op_log(host_env *env, const char *message)
{
    host_log(host_of(env), "%s", message);
}

static const char *op_name(const host_env *env) { return host_of(env)->name; }

static void op_record(host_env *env, const char *kind, const char *text)
{
    real_host_t *rh = host_of(env);
    if (rh->record_fn) {
        rh->record_fn(rh->record_ud, rh->name, now_ns(rh), kind, text);
        return;
    }
    char *line = g_strdup_printf("record %s: %s", kind, text);
    env->ops->log(env, line);
    g_free(line);
}

void real_host_set_record_sink(real_host_t *rh, real_host_record_fn fn, void *ud)
{
    rh->record_fn = fn;
    rh->record_ud = ud;
}

static const host_ops real_ops = {
    .now = op_now,
    .wall_s = op_wall_s,
    .timer = op_timer,
    .timer_cancel = op_timer_cancel,
    .connect = op_connect,
    .connect_from = op_connect_from,
    .listen = op_listen,
    .unlisten = op_unlisten,
    .log = op_log,
    .name = op_name,
    .listener_port = op_listener_port,
    .dgram_open = op_dgram_open,
    .dgram_send = op_dgram_send,
    .dgram_port = op_dgram_port,
    .dgram_close = op_dgram_close,
    .record = op_record,
};

real_host_t *real_host_new(GMainContext *ctx, const char *name)
{
    real_host_t *rh = g_new0(real_host_t, 1);
    rh->env.ops = &real_ops;
    rh->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
    rh->name = g_strdup(name ? name : g_get_host_name());
    rh->t0_us = g_get_monotonic_time();
    rh->client = g_socket_client_new();
    g_socket_client_set_enable_proxy(rh->client, FALSE);
    g_socket_client_set_socket_type(rh->client, G_SOCKET_TYPE_STREAM);
    g_socket_client_set_protocol(rh->client, G_SOCKET_PROTOCOL_TCP);
    g_queue_init(&rh->conns);
    g_queue_init(&rh->listeners);
    g_queue_init(&rh->dgrams);
    rh->timer_order = g_tree_new_full(timer_cmp, NULL, NULL, NULL);
    rh->timer_ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    rh->timer_src = alarm_new(rh->ctx, "real_host timers", timers_fire, rh);
    rh->next_timer_id = 1;
    rh->sndbuf = REAL_HOST_SEND_BUFFER_DEFAULT;
    rh->connect_timeout = REAL_HOST_CONNECT_TIMEOUT_DEFAULT;
    rh->linger = REAL_HOST_LINGER_DEFAULT;
    return rh;
}

host_env *real_host_env(real_host_t *rh) { return &rh->env; }
real_host_t *real_host_of_env(host_env *env) { return host_of(env); }
GMainContext *real_host_context(const real_host_t *rh) { return rh->ctx; }

static void host_release(real_host_t *rh)
{
    g_free(rh->bind_addr);
    g_object_unref(rh->client);
    g_main_context_unref(rh->ctx);
    g_free(rh->name);
    g_free(rh);
}

static gboolean on_drain_limit(gpointer p)
{
    *(bool *)p = true;
    return G_SOURCE_REMOVE;
}

/* Iterates the host's context (as the thread-default) until cond(rh) is
 * false or `limit_us` microseconds have passed. */
static void iterate_while(real_host_t *rh, bool (*cond)(const real_host_t *rh), gint64 limit_us)
{
    bool limit = false;
    GSource *guard = alarm_new(rh->ctx, "real_host drain limit", on_drain_limit, &limit);
    g_source_set_ready_time(guard, g_get_monotonic_time() + limit_us);
    g_main_context_push_thread_default(rh->ctx);
    while (cond(rh) && !limit)
        g_main_context_iteration(rh->ctx, TRUE);
    g_main_context_pop_thread_default(rh->ctx);
    source_drop(&guard);
}

static bool has_pending(const real_host_t *rh) { return real_host_pending(rh) > 0; }
static bool has_connecting(const real_host_t *rh) { return rh->connecting > 0; }

bool real_host_run_until_idle(real_host_t *rh, int64_t limit_ns)
{
    if (has_pending(rh))
        iterate_while(rh, has_pending, MAX(limit_ns, 0) / 1000);
    return !has_pending(rh);
}

void real_host_free(real_host_t *rh)
{
    if (!rh)
        return;
    rh->freeing = true;
    rh->idle_fn = NULL;
    source_drop(&rh->idle_src);
    while (rh->listeners.head)
        op_unlisten(&rh->env, rh->listeners.head->data);
    while (rh->dgrams.head)
        op_dgram_close(&rh->env, rh->dgrams.head->data);
    source_drop(&rh->timer_src);
    g_tree_destroy(rh->timer_order);
    g_hash_table_destroy(rh->timer_ids);
    rh->timer_order = NULL;
    rh->timer_ids = NULL;
    while (rh->conns.head)
        conn_finish(rh->conns.head->data, false);
    if (rh->connecting > 0) {
        /* Cancelled connects still hold GIO's task and our reference: let
         * GIO report them (to on_connect_done, which calls nobody). */
        iterate_while(rh, has_connecting, FREE_DRAIN_US);
        if (rh->connecting > 0) {
            rh->orphaned = true; /* the last report frees the host */
            return;
        }
    }
    host_release(rh);
}
