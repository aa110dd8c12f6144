/*
 * bt_conn: the peer core and the tracker glued to the seams (see
 * bt_conn.h). Every core call is followed by one pump: the core's output
 * written to every connection as far as the streams take it, its events
 * drained, its timer re-armed.
 */
#include "bt_conn.h"

#include <string.h>

#include "protocols/http/http_parser.h"

/* ---- peer ------------------------------------------------------------------------ */

typedef struct pconn pconn;

struct bt_conn_peer {
    host_env *env;
    bt_peer *core;
    bt_conn_peer_options o;
    char *tracker_host, *path;
    const bt_conn_peer_handler *h;
    void *ud;
    host_listener *l;
    GPtrArray *conns;   /* of pconn*, in the order they were made */
    GHashTable *by_id;  /* core id -> pconn* (lookups only, never iterated) */
    host_timer_id core_timer;
    int64_t core_deadline;
    uint64_t closed_down, closed_up; /* payload of connections gone */
    bt_conn_peer_stats st;
    bool leaving;
    /* tracker client */
    stream_t *ts;
    http_parser *tp;
    GString *treq;
    size_t treq_off;
    GByteArray *tbody;
    bool tstatus_ok;
    bt_event tevent;        /* of the announce in flight */
    bool pending;           /* an announce waits for the one in flight */
    bt_event pending_event;
    host_timer_id tnext, ttimeout;
    int64_t interval_ns;
};

struct pconn {
    bt_conn_peer *owner;
    stream_t *s;
    uint32_t id; /* the core's, 0 until the connection is up */
    bool has_peer_id, has_addr;
    uint8_t peer_id[BT_ID_LEN];
    uint8_t ip[4];
    uint16_t port;
    uint64_t down, up; /* payload counters last seen */
};

static void peer_pump(bt_conn_peer *p);
static void announce(bt_conn_peer *p, bt_event ev);

static void pconn_forget(bt_conn_peer *p, pconn *c)
{
    p->closed_down += c->down;
    p->closed_up += c->up;
    if (c->id)
        g_hash_table_remove(p->by_id, GUINT_TO_POINTER(c->id));
    g_ptr_array_remove(p->conns, c);
    g_free(c);
}

static void conn_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    pconn *c = ud;
    bt_conn_peer *p = c->owner;
    int64_t now = host_now(p->env);
    if (!c->id)
        return;
    if (!data) {
        /* Bytes without content cannot be a peer's messages. */
        bt_peer_conn_closed(p->core, c->id, now);
        stream_abort(s);
        c->s = NULL;
        pconn_forget(p, c);
    } else {
        if (p->h && p->h->received)
            p->h->received(p->ud, p, len);
        bt_peer_feed(p->core, c->id, data, len, now);
    }
    peer_pump(p);
}

static void conn_writable(void *ud, stream_t *s)
{
    (void)s;
    peer_pump(((pconn *)ud)->owner);
}

static void conn_gone(pconn *c, bool close_stream)
{
    bt_conn_peer *p = c->owner;
    if (c->id)
        bt_peer_conn_closed(p->core, c->id, host_now(p->env));
    else
        p->st.conns_failed++;
    if (close_stream)
        stream_close(c->s);
    c->s = NULL;
    pconn_forget(p, c);
    peer_pump(p);
}

static void conn_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    conn_gone(ud, true);
}

static void conn_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    conn_gone(ud, false);
}

static bool conn_up(bt_conn_peer *p, pconn *c)
{
    c->id = bt_peer_add_conn(p->core, host_now(p->env));
    if (!c->id)
        return false;
    g_hash_table_insert(p->by_id, GUINT_TO_POINTER(c->id), c);
    return true;
}

static void conn_connected(void *ud, stream_t *s)
{
    pconn *c = ud;
    bt_conn_peer *p = c->owner;
    if (p->leaving || !conn_up(p, c)) {
        stream_close(s);
        c->s = NULL;
        pconn_forget(p, c);
        return;
    }
    p->st.conns_made++;
    peer_pump(p);
}

static const stream_handler conn_handler = {
    .connected = conn_connected,
    .data = conn_data,
    .writable = conn_writable,
    .peer_closed = conn_peer_closed,
    .error = conn_error,
};

static void peer_accept(void *ud, stream_t *s)
{
    bt_conn_peer *p = ud;
    pconn *c = g_new0(pconn, 1);
    c->owner = p;
    c->s = s;
    g_ptr_array_add(p->conns, c);
    if (p->leaving || !conn_up(p, c)) {
        stream_close(s);
        c->s = NULL;
        pconn_forget(p, c);
        return;
    }
    stream_set_handler(s, &conn_handler, c);
    p->st.conns_accepted++;
    peer_pump(p);
}

static void core_timer_fired(void *ud)
{
    bt_conn_peer *p = ud;
    p->core_timer = 0;
    p->core_deadline = INT64_MAX;
    bt_peer_tick(p->core, host_now(p->env));
    peer_pump(p);
}

static void arm_core_timer(bt_conn_peer *p)
{
    int64_t d = bt_peer_next_deadline(p->core);
    if (d == p->core_deadline && (p->core_timer || d == INT64_MAX))
        return;
    host_timer_cancel(p->env, p->core_timer);
    p->core_timer = 0;
    p->core_deadline = d;
    if (d == INT64_MAX)
        return;
    int64_t now = host_now(p->env);
    p->core_timer = host_timer(p->env, d > now ? d - now : 0, core_timer_fired, p);
}

/* Closes every connection (leaving, freeing). */
static void close_all(bt_conn_peer *p)
{
    int64_t now = host_now(p->env);
    while (p->conns->len) {
        pconn *c = g_ptr_array_index(p->conns, p->conns->len - 1);
        if (c->id)
            bt_peer_conn_closed(p->core, c->id, now);
        if (c->s)
            stream_close(c->s);
        c->s = NULL;
        pconn_forget(p, c);
    }
}

static void peer_pump(bt_conn_peer *p)
{
    int64_t now = host_now(p->env);
    for (guint i = 0; i < p->conns->len; i++) {
        pconn *c = g_ptr_array_index(p->conns, i);
        if (!c->id || !c->s)
            continue;
        for (;;) {
            size_t n = 0;
            const uint8_t *out = bt_peer_output(p->core, c->id, &n);
            if (!n)
                break;
            size_t w = stream_write(c->s, out, n);
            if (w)
                bt_peer_consume(p->core, c->id, w, now);
            if (w < n)
                break;
        }
        bt_conn_info info;
        if (bt_peer_conn_info(p->core, c->id, &info)) {
            c->down = info.payload_in;
            c->up = info.payload_out;
        }
    }
    bool complete = false;
    bt_peer_event ev;
    while (bt_peer_next_event(p->core, &ev)) {
        pconn *c = ev.conn ? g_hash_table_lookup(p->by_id, GUINT_TO_POINTER(ev.conn)) : NULL;
        switch (ev.kind) {
        case BT_PEER_EV_CONNECTED:
            if (c) {
                c->has_peer_id = true;
                memcpy(c->peer_id, ev.peer_id, BT_ID_LEN);
            }
            break;
        case BT_PEER_EV_DROPPED:
            if (c) {
                if (c->s)
                    stream_close(c->s);
                c->s = NULL;
                pconn_forget(p, c);
            }
            break;
        case BT_PEER_EV_COMPLETE:
            complete = true;
            break;
        default:
            break;
        }
    }
    if (complete && p->st.completed_at < 0) {
        p->st.completed_at = now;
        if (!p->o.peer.seed)
            announce(p, BT_EVENT_COMPLETED);
        if (p->h && p->h->complete)
            p->h->complete(p->ud, p);
        if (p->o.leave_on_complete && !p->leaving) {
            bt_conn_peer_leave(p);
            return;
        }
    }
    if (!p->leaving)
        arm_core_timer(p);
}

/* ---- peer: tracker client ---- */

static uint64_t bytes_left(const bt_conn_peer *p)
{
    const bt_peer_config *k = &p->o.peer;
    uint64_t have = 0;
    for (uint32_t i = 0; i < k->n_pieces; i++)
        if (bt_peer_has_piece(p->core, i))
            have += i + 1 < k->n_pieces ? k->piece_length
                                        : k->total_length - (uint64_t)(k->n_pieces - 1) * k->piece_length;
    return k->total_length - have;
}

static void payload_totals(const bt_conn_peer *p, uint64_t *down, uint64_t *up)
{
    *down = p->closed_down;
    *up = p->closed_up;
    for (guint i = 0; i < p->conns->len; i++) {
        const pconn *c = g_ptr_array_index(p->conns, i);
        *down += c->down;
        *up += c->up;
    }
}

static void next_announce_fired(void *ud)
{
    bt_conn_peer *p = ud;
    p->tnext = 0;
    announce(p, p->pending ? p->pending_event : BT_EVENT_NONE);
}

static void tracker_end(bt_conn_peer *p)
{
    if (p->ts)
        stream_close(p->ts);
    p->ts = NULL;
    host_timer_cancel(p->env, p->ttimeout);
    p->ttimeout = 0;
    http_parser_free(p->tp);
    p->tp = NULL;
    if (p->treq)
        g_string_free(p->treq, TRUE);
    p->treq = NULL;
}

static bool already_connected(const bt_conn_peer *p, const bt_peer_addr *a)
{
    for (guint i = 0; i < p->conns->len; i++) {
        const pconn *c = g_ptr_array_index(p->conns, i);
        if (a->has_peer_id && c->has_peer_id && !memcmp(c->peer_id, a->peer_id, BT_ID_LEN))
            return true;
        if (c->has_addr && !memcmp(c->ip, a->ip, 4) && c->port == a->port)
            return true;
    }
    return false;
}

static void connect_peers(bt_conn_peer *p, const bt_response *r)
{
    unsigned max = p->o.max_connect ? p->o.max_connect : BT_CONN_DEFAULT_MAX_CONNECT;
    for (size_t i = 0; i < r->npeers && p->conns->len < max && !p->leaving; i++) {
        const bt_peer_addr *a = &r->peers[i];
        if (a->has_peer_id && !memcmp(a->peer_id, p->o.peer.peer_id, BT_ID_LEN))
            continue;
        if (already_connected(p, a))
            continue;
        char lit[16];
        g_snprintf(lit, sizeof lit, "%u.%u.%u.%u", a->ip[0], a->ip[1], a->ip[2], a->ip[3]);
        pconn *c = g_new0(pconn, 1);
        c->owner = p;
        c->has_addr = true;
        memcpy(c->ip, a->ip, 4);
        c->port = a->port;
        if (a->has_peer_id) {
            c->has_peer_id = true;
            memcpy(c->peer_id, a->peer_id, BT_ID_LEN);
        }
        c->s = host_connect(p->env, lit, a->port, &conn_handler, c, NULL);
        if (!c->s) {
            p->st.conns_failed++;
            g_free(c);
            continue;
        }
        g_ptr_array_add(p->conns, c);
    }
}

/* The announce in flight is over: `body` its answer's body (NULL: failed). */
static void announce_done(bt_conn_peer *p, const GByteArray *body)
{
    bt_event ev = p->tevent;
    bt_response *r = body ? bt_response_parse(body->data, body->len, NULL) : NULL;
    bool ok = r && !r->failure;
    tracker_end(p);
    if (p->tbody)
        g_byte_array_unref(p->tbody);
    p->tbody = NULL;
    if (!ok)
        p->st.announce_failures++;
    if (ev == BT_EVENT_STOPPED) {
        bt_response_free(r);
        if (p->h && p->h->left)
            p->h->left(p->ud, p);
        return;
    }
    if (ok) {
        p->interval_ns = (r->interval > 0 ? r->interval : 1800) * INT64_C(1000000000);
        connect_peers(p, r);
    } else if (!p->pending) {
        /* Tried again: started and completed keep their event. */
        p->pending = ev != BT_EVENT_NONE;
        p->pending_event = ev;
    }
    bt_response_free(r);
    if (p->leaving) {
        if (p->pending)
            announce(p, p->pending_event);
        return;
    }
    host_timer_cancel(p->env, p->tnext);
    int64_t delay = ok && !p->pending ? p->interval_ns : (p->pending && ok ? 0 : BT_CONN_TRACKER_RETRY_NS);
    p->tnext = host_timer(p->env, delay, next_announce_fired, p);
    peer_pump(p);
}

static void tracker_flush(bt_conn_peer *p)
{
    while (p->ts && p->treq && p->treq_off < p->treq->len) {
        size_t w = stream_write(p->ts, p->treq->str + p->treq_off, p->treq->len - p->treq_off);
        if (!w)
            break;
        p->treq_off += w;
    }
}

static void tracker_connected(void *ud, stream_t *s)
{
    (void)s;
    tracker_flush(ud);
}

static void tracker_writable(void *ud, stream_t *s)
{
    (void)s;
    tracker_flush(ud);
}

/* Handles the parser's events for input[0, len); false once the announce is over. */
static bool tracker_events(bt_conn_peer *p, const uint8_t *data, size_t len)
{
    size_t off = 0;
    do {
        http_event ev;
        off += http_parser_feed(p->tp, data ? data + off : NULL, len - off, &ev);
        switch (ev.kind) {
        case HTTP_EV_NEED_MORE:
            return true;
        case HTTP_EV_HEAD:
            p->tstatus_ok = http_parser_msg(p->tp)->status == 200;
            break;
        case HTTP_EV_BODY:
            if (!ev.data || p->tbody->len + ev.len > BT_RESPONSE_MAX_SIZE) {
                announce_done(p, NULL);
                return false;
            }
            g_byte_array_append(p->tbody, ev.data, (guint)ev.len);
            break;
        case HTTP_EV_DONE:
            announce_done(p, p->tstatus_ok ? p->tbody : NULL);
            return false;
        case HTTP_EV_ERROR:
            announce_done(p, NULL);
            return false;
        }
    } while (off < len);
    return true;
}

static void tracker_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    tracker_events(ud, data, len);
}

static void tracker_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    bt_conn_peer *p = ud;
    http_event ev;
    http_parser_finish(p->tp, &ev);
    announce_done(p, ev.kind == HTTP_EV_DONE && p->tstatus_ok ? p->tbody : NULL);
}

static void tracker_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    bt_conn_peer *p = ud;
    p->ts = NULL; /* gone: not to be closed */
    announce_done(p, NULL);
}

static const stream_handler tracker_handler = {
    .connected = tracker_connected,
    .data = tracker_data,
    .writable = tracker_writable,
    .peer_closed = tracker_peer_closed,
    .error = tracker_error,
};

static void tracker_timeout(void *ud)
{
    bt_conn_peer *p = ud;
    p->ttimeout = 0;
    announce_done(p, NULL);
}

static void announce(bt_conn_peer *p, bt_event ev)
{
    if (p->ts) {
        if (!p->pending || ev != BT_EVENT_NONE) {
            p->pending = true;
            p->pending_event = ev;
        }
        return;
    }
    p->pending = false;
    host_timer_cancel(p->env, p->tnext);
    p->tnext = 0;
    bt_announce a = {.port = p->o.listen_port, .compact = p->o.compact, .event = ev,
                     .numwant = p->o.numwant ? p->o.numwant : BT_NUMWANT_DEFAULT};
    memcpy(a.info_hash, p->o.peer.info_hash, BT_ID_LEN);
    memcpy(a.peer_id, p->o.peer.peer_id, BT_ID_LEN);
    payload_totals(p, &a.downloaded, &a.uploaded);
    a.left = bytes_left(p);
    char *q = bt_announce_query(&a);
    p->treq = g_string_new(NULL);
    g_string_printf(p->treq, "GET %s?%s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: appsim\r\nConnection: close\r\n\r\n",
                    p->path, q, p->tracker_host, p->o.tracker_port);
    g_free(q);
    p->treq_off = 0;
    p->tevent = ev;
    p->tstatus_ok = false;
    p->tbody = g_byte_array_new();
    p->tp = http_parser_new(false, NULL);
    http_parser_expect(p->tp, HTTP_M_GET);
    p->st.announces++;
    p->ts = host_connect(p->env, p->tracker_host, p->o.tracker_port, &tracker_handler, p, NULL);
    if (!p->ts) {
        announce_done(p, NULL);
        return;
    }
    p->ttimeout = host_timer(p->env, BT_CONN_TRACKER_TIMEOUT_NS, tracker_timeout, p);
}

bt_conn_peer *bt_conn_peer_new(host_env *env, const bt_conn_peer_options *o, const bt_conn_peer_handler *h,
                               void *ud, GError **err)
{
    bt_peer *core = bt_peer_new(&o->peer, host_now(env), err);
    if (!core)
        return NULL;
    bt_conn_peer *p = g_new0(bt_conn_peer, 1);
    p->env = env;
    p->core = core;
    p->o = *o;
    p->tracker_host = g_strdup(o->tracker_host);
    p->path = g_strdup(o->announce_path ? o->announce_path : "/announce");
    p->o.tracker_host = p->tracker_host;
    p->o.announce_path = p->path;
    p->h = h;
    p->ud = ud;
    p->conns = g_ptr_array_new();
    p->by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
    p->core_deadline = INT64_MAX;
    p->st.completed_at = bt_peer_complete(core) ? host_now(env) : -1;
    p->interval_ns = INT64_C(1800) * 1000000000;
    p->l = host_listen(env, o->listen_port, peer_accept, p, err);
    if (!p->l) {
        bt_conn_peer_free(p);
        return NULL;
    }
    if (!o->listen_port)
        p->o.listen_port = host_listener_port(env, p->l);
    announce(p, BT_EVENT_STARTED);
    arm_core_timer(p);
    return p;
}

void bt_conn_peer_leave(bt_conn_peer *p)
{
    if (p->leaving)
        return;
    p->leaving = true;
    host_unlisten(p->env, p->l);
    p->l = NULL;
    close_all(p);
    bt_peer_event ev;
    while (bt_peer_next_event(p->core, &ev)) {
    }
    host_timer_cancel(p->env, p->core_timer);
    p->core_timer = 0;
    host_timer_cancel(p->env, p->tnext);
    p->tnext = 0;
    announce(p, BT_EVENT_STOPPED);
}

void bt_conn_peer_free(bt_conn_peer *p)
{
    if (!p)
        return;
    host_unlisten(p->env, p->l);
    close_all(p);
    tracker_end(p);
    if (p->tbody)
        g_byte_array_unref(p->tbody);
    host_timer_cancel(p->env, p->core_timer);
    host_timer_cancel(p->env, p->tnext);
    g_ptr_array_free(p->conns, TRUE);
    g_hash_table_destroy(p->by_id);
    bt_peer_free(p->core);
    g_free(p->tracker_host);
    g_free(p->path);
    g_free(p);
}

const bt_peer *bt_conn_peer_core(const bt_conn_peer *p) { return p->core; }

uint16_t bt_conn_peer_port(const bt_conn_peer *p) { return p->o.listen_port; }

void bt_conn_peer_get_stats(const bt_conn_peer *p, bt_conn_peer_stats *out)
{
    *out = p->st;
    payload_totals(p, &out->payload_down, &out->payload_up);
}

/* ---- tracker ---------------------------------------------------------------------- */

typedef struct {
    bt_conn_tracker *t;
    stream_t *s;
    http_parser *hp;
    GString *out;
    size_t off;
    host_timer_id timer;
} tconn;

struct bt_conn_tracker {
    host_env *env;
    bt_tracker *state;
    char *path;
    bt_conn_addr_fn addr;
    void *addr_ud;
    host_listener *l;
    GPtrArray *conns; /* of tconn*, open */
    bt_conn_tracker_stats st;
};

static void tconn_free(tconn *c, bool close_stream)
{
    if (close_stream && c->s)
        stream_close(c->s);
    host_timer_cancel(c->t->env, c->timer);
    http_parser_free(c->hp);
    if (c->out)
        g_string_free(c->out, TRUE);
    g_ptr_array_remove(c->t->conns, c);
    g_free(c);
}

/* Writes the answer; false once it is all written (the connection is closed and freed). */
static bool tconn_flush(tconn *c)
{
    while (c->off < c->out->len) {
        size_t w = stream_write(c->s, c->out->str + c->off, c->out->len - c->off);
        if (!w)
            return true;
        c->off += w;
    }
    tconn_free(c, true);
    return false;
}

static bool tconn_answer(tconn *c, int status, const uint8_t *body, size_t len)
{
    c->out = g_string_new(NULL);
    g_string_printf(c->out, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                    "Connection: close\r\n\r\n", status, http_reason(status), len);
    g_string_append_len(c->out, (const char *)body, (gssize)len);
    if (status >= 400)
        c->t->st.errors++;
    stream_set_reading(c->s, false);
    return tconn_flush(c);
}

static bool requester_ip(bt_conn_tracker *t, stream_t *s, uint8_t ip[4])
{
    stream_addr a;
    if (!stream_peer_addr(s, &a))
        return false;
    if (bt_parse_ipv4(a.host, strlen(a.host), ip))
        return true;
    return t->addr && t->addr(t->addr_ud, a.host, ip);
}

static bool tconn_request(tconn *c)
{
    bt_conn_tracker *t = c->t;
    const http_msg *m = http_parser_msg(c->hp);
    size_t pl = strlen(t->path);
    static const char not_found[] = "not found";
    if (m->method != HTTP_M_GET || strncmp(m->target, t->path, pl) || (m->target[pl] && m->target[pl] != '?'))
        return tconn_answer(c, m->method == HTTP_M_GET ? 404 : 405, (const uint8_t *)not_found,
                            sizeof not_found - 1);
    const char *q = m->target[pl] == '?' ? m->target + pl + 1 : "";
    uint8_t ip[4];
    GByteArray *body;
    if (!requester_ip(t, c->s, ip))
        body = bt_response_encode_failure("the requester's address is unknown");
    else
        body = bt_tracker_handle_query(t->state, q, strlen(q), ip, host_now(t->env));
    t->st.announces++;
    bool open = tconn_answer(c, 200, body->data, body->len);
    g_byte_array_unref(body);
    return open;
}

static void tconn_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    tconn *c = ud;
    if (c->out)
        return;
    size_t off = 0;
    do {
        http_event ev;
        off += http_parser_feed(c->hp, data ? data + off : NULL, len - off, &ev);
        if (ev.kind == HTTP_EV_HEAD) {
            c->t->st.requests++;
            tconn_request(c);
            return;
        }
        if (ev.kind == HTTP_EV_ERROR) {
            c->t->st.requests++;
            tconn_answer(c, ev.status, (const uint8_t *)ev.error, strlen(ev.error));
            return;
        }
        if (ev.kind == HTTP_EV_NEED_MORE)
            return;
    } while (off < len);
}

static void tconn_writable(void *ud, stream_t *s)
{
    (void)s;
    tconn *c = ud;
    if (c->out)
        tconn_flush(c);
}

static void tconn_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    tconn *c = ud;
    if (!c->out)
        tconn_free(c, true);
}

static void tconn_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    tconn *c = ud;
    c->s = NULL;
    tconn_free(c, false);
}

static const stream_handler tconn_handler = {
    .data = tconn_data,
    .writable = tconn_writable,
    .peer_closed = tconn_peer_closed,
    .error = tconn_error,
};

static void tconn_timeout(void *ud)
{
    tconn *c = ud;
    c->timer = 0;
    tconn_free(c, true);
}

static void tracker_accept(void *ud, stream_t *s)
{
    bt_conn_tracker *t = ud;
    if (t->conns->len >= BT_CONN_TRACKER_MAX_CONNS) {
        stream_close(s);
        return;
    }
    tconn *c = g_new0(tconn, 1);
    c->t = t;
    c->s = s;
    http_limits lim;
    http_limits_default(&lim);
    lim.max_start_line = 4096 + BT_QUERY_MAX;
    lim.max_header_size = 8192;
    lim.max_headers = 50;
    lim.max_body = 1;
    c->hp = http_parser_new(true, &lim);
    c->timer = host_timer(t->env, BT_CONN_TRACKER_TIMEOUT_NS, tconn_timeout, c);
    g_ptr_array_add(t->conns, c);
    stream_set_handler(s, &tconn_handler, c);
}

bt_conn_tracker *bt_conn_tracker_new(host_env *env, uint16_t port, const bt_tracker_config *cfg,
                                     const char *announce_path, bt_conn_addr_fn addr, void *addr_ud,
                                     GError **err)
{
    bt_conn_tracker *t = g_new0(bt_conn_tracker, 1);
    t->env = env;
    t->path = g_strdup(announce_path ? announce_path : "/announce");
    t->addr = addr;
    t->addr_ud = addr_ud;
    t->conns = g_ptr_array_new();
    t->state = bt_tracker_new(cfg);
    t->l = host_listen(env, port, tracker_accept, t, err);
    if (!t->l) {
        bt_conn_tracker_free(t);
        return NULL;
    }
    return t;
}

void bt_conn_tracker_free(bt_conn_tracker *t)
{
    if (!t)
        return;
    host_unlisten(t->env, t->l);
    while (t->conns->len)
        tconn_free(g_ptr_array_index(t->conns, t->conns->len - 1), true);
    g_ptr_array_free(t->conns, TRUE);
    bt_tracker_free(t->state);
    g_free(t->path);
    g_free(t);
}

uint16_t bt_conn_tracker_port(const bt_conn_tracker *t) { return host_listener_port(t->env, t->l); }

const bt_tracker *bt_conn_tracker_state(const bt_conn_tracker *t) { return t->state; }

void bt_conn_tracker_get_stats(const bt_conn_tracker *t, bt_conn_tracker_stats *out) { *out = t->st; }
