/*
 * dns_server: the authoritative server application (see dns_server.h).
 *
 * Structure: one datagram socket and one listener on the server's port;
 * one `conn` per TCP connection; one `relay` per relayed query, with a
 * datagram socket of the server's own (opened when recurse_referrals is
 * set) for the queries it sends on.
 *
 * Every query, on either transport, gets a `reply` slot saying where its
 * answer goes: a UDP client (its address, port, tag and size limit) or a
 * TCP connection's queue of slots, in the order the queries came. A slot
 * is filled at once, or later by its relay. A connection moves filled
 * slots from the head of its queue to its output and writes what the
 * stream takes; while output waits, it reads no further query.
 *
 * A connection whose stream is closed or failed is marked gone and freed
 * from a timer of its own (never under the callback that closed it); a
 * relay still pending for one of its slots is detached from the slot and
 * its answer dropped.
 */
#include "dns_server.h"

#include <string.h>

typedef struct conn conn;
typedef struct relay relay;

/* Where one answer goes. */
typedef struct {
    conn *c;          /* TCP: the connection (NULL: UDP) */
    char *from;       /* UDP: the client's address */
    uint16_t from_port;
    uint64_t tag;
    size_t limit;     /* UDP: the size limit of the answer */
    GByteArray *out;  /* TCP: the framed answer, once made */
    relay *r;         /* the relay making the answer, or NULL */
} reply;

struct conn {
    dns_server *srv;
    stream_t *s;
    dns_tcp_reader rd;
    GByteArray *in;  /* received, not yet fed to the reader */
    GByteArray *out; /* answers the stream has not taken yet */
    GQueue slots;    /* of reply*, in the order of the queries */
    bool reading_on, gone, peer_eof, pumping;
    size_t held;     /* in + out + answers waiting in slots (its share of stats) */
    char peer[64];   /* the client's address, for records ("?" when unknown) */
    int64_t last_activity;
    host_timer_id timer, reap;
};

struct relay {
    dns_server *srv;
    uint16_t id;     /* ours, on the query we send */
    dns_msg query;   /* the client's query (its id, rd and EDNS) */
    char *target;    /* where we send: the glue address literal, or the name */
    char *name;      /* the name server's name, tried when `target` cannot be sent to */
    bool udp;        /* the client came by UDP: `slot` is ours */
    reply *slot;     /* NULL once the client's connection is gone */
    GByteArray *wire;
    uint32_t sent;
    host_timer_id timer;
};

struct dns_server {
    host_env *env;
    const dns_auth *auth;
    dns_server_config c;
    host_dgram *udp;
    host_listener *listener;
    host_dgram *relay_sock;
    uint16_t port;
    GPtrArray *conns;    /* live connections, in accept order */
    GHashTable *relays;  /* our id -> relay*; lookup only */
    GQueue relay_order;  /* of relay*, in creation order (teardown) */
    uint64_t rng;        /* splitmix64 state */
    dns_server_stats stats;
};

void dns_server_config_default(dns_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = DNS_PORT;
    c->udp_size = DNS_AUTH_UDP_SIZE;
    c->max_connections = 64;
    c->idle_timeout = 10 * INT64_C(1000000000);
    c->max_conn_buffer = (size_t)64 << 10;
    c->records = false;
    c->recurse_referrals = false;
    c->seed = 0;
    c->relay_timeout = INT64_C(1000000000);
    c->relay_tries = 3;
    c->max_relays = 100;
}

uint16_t dns_server_port(const dns_server *s) { return s->port; }
const dns_server_stats *dns_server_get_stats(const dns_server *s) { return &s->stats; }

/* splitmix64: the ids of relayed queries. */
static uint64_t rng_next(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void count_answer(dns_server *srv, uint16_t rcode)
{
    srv->stats.answers[rcode < DNS_SERVER_RCODES - 1 ? rcode : DNS_SERVER_RCODES - 1]++;
}

/* The size limit of a UDP answer to `q`. */
static size_t udp_limit(const dns_server *srv, const dns_msg *q)
{
    if (!q->edns)
        return DNS_UDP_MAX_PLAIN;
    size_t want = MAX(q->edns_udp_size, (uint16_t)DNS_UDP_MAX_PLAIN);
    return MIN(MIN(want, (size_t)srv->c.udp_size), (size_t)DNS_SERVER_UDP_MAX);
}

static void record(dns_server *srv, const reply *slot, const dns_msg *resp, bool tc, bool relayed)
{
    if (!srv->c.records)
        return;
    char tb[16];
    const char *type = dns_type_name(resp->qtype);
    if (!type) {
        g_snprintf(tb, sizeof tb, "TYPE%u", (unsigned)resp->qtype);
        type = tb;
    }
    const char *rc = dns_rcode_name(resp->rcode);
    char rb[16];
    if (!rc) {
        g_snprintf(rb, sizeof rb, "RCODE%u", (unsigned)resp->rcode);
        rc = rb;
    }
    const char *who = slot->c ? slot->c->peer : slot->from;
    const char *q = resp->has_question && resp->qname ? (resp->qname[0] ? resp->qname : ".") : "-";
    char *text = g_strdup_printf("%s %s %s %s %s %u%s%s", slot->c ? "tcp" : "udp", who ? who : "?", q,
                                 resp->has_question ? type : "-", rc,
                                 dns_msg_count(resp, DNS_SEC_ANSWER), tc ? " tc" : "",
                                 relayed ? " relayed" : "");
    host_record(srv->env, "dns-query", text);
    g_free(text);
}

/* ---- sending an answer ---------------------------------------------------------- */

static void conn_emit(conn *c);
static void conn_account(conn *c);

/* A SERVFAIL for `resp`'s question, when the answer itself cannot be
 * encoded. */
static void servfail_of(dns_msg *resp)
{
    for (int s = 0; s < DNS_SEC__COUNT; s++)
        g_array_set_size(resp->sec[s], 0);
    resp->rcode = DNS_RCODE_SERVFAIL;
    resp->aa = false;
}

/* Sends `resp` where `slot` says; frees a UDP slot, fills a TCP one. */
static void deliver(dns_server *srv, reply *slot, dns_msg *resp, bool relayed)
{
    GByteArray *b = g_byte_array_new();
    bool tc = false;
    dns_status st;
    if (slot->c) {
        st = dns_msg_encode_tcp(resp, b);
        if (st != DNS_OK) {
            servfail_of(resp);
            g_byte_array_set_size(b, 0);
            st = dns_msg_encode_tcp(resp, b);
        }
    } else {
        st = dns_msg_encode(resp, slot->limit, b, &tc);
        if (st != DNS_OK) {
            servfail_of(resp);
            g_byte_array_set_size(b, 0);
            st = dns_msg_encode(resp, slot->limit, b, &tc);
        }
    }
    if (st != DNS_OK) {
        srv->stats.dropped++;
        g_byte_array_unref(b);
        if (slot->c) {
            slot->out = g_byte_array_new(); /* nothing to send; keeps the order */
            conn_emit(slot->c);
        } else {
            g_free(slot->from);
            g_free(slot);
        }
        return;
    }
    count_answer(srv, resp->rcode);
    if (tc)
        srv->stats.truncated++;
    record(srv, slot, resp, tc, relayed);
    if (slot->c) {
        slot->out = b;
        conn_emit(slot->c);
        return;
    }
    if (!host_dgram_send(srv->env, srv->udp, slot->from, slot->from_port, b->data, b->len, slot->tag,
                         NULL))
        srv->stats.dropped++;
    g_byte_array_unref(b);
    g_free(slot->from);
    g_free(slot);
}

/* ---- relays ----------------------------------------------------------------------- */

static void relay_free(relay *r)
{
    dns_server *srv = r->srv;
    host_timer_cancel(srv->env, r->timer);
    g_hash_table_remove(srv->relays, GUINT_TO_POINTER(r->id));
    g_queue_remove(&srv->relay_order, r);
    if (r->slot) {
        r->slot->r = NULL;
        if (r->udp) {
            g_free(r->slot->from);
            g_free(r->slot);
        }
    }
    dns_msg_clear(&r->query);
    g_free(r->target);
    g_free(r->name);
    if (r->wire)
        g_byte_array_unref(r->wire);
    g_free(r);
}

/* Answers the client of `r` with `resp` (the client's header restored)
 * and frees the relay. */
static void relay_finish(relay *r, dns_msg *resp)
{
    dns_server *srv = r->srv;
    resp->id = r->query.id;
    resp->rd = r->query.rd;
    resp->ra = true;
    resp->qr = true;
    resp->edns = r->query.edns;
    resp->edns_udp_size = srv->c.udp_size;
    resp->edns_version = 0;
    reply *slot = r->slot;
    r->slot = NULL;
    if (slot) {
        slot->r = NULL;
        deliver(srv, slot, resp, true);
    }
    relay_free(r);
}

static void relay_send(relay *r);

static void relay_timeout(void *ud)
{
    relay *r = ud;
    r->timer = 0;
    dns_server *srv = r->srv;
    if (r->sent < MAX(srv->c.relay_tries, 1u)) {
        srv->stats.relay_retries++;
        relay_send(r);
        return;
    }
    srv->stats.relay_failures++;
    dns_msg resp;
    dns_msg_init(&resp);
    dns_msg_set_question(&resp, r->query.qname, r->query.qtype, r->query.qclass);
    resp.opcode = r->query.opcode;
    resp.rcode = DNS_RCODE_SERVFAIL;
    relay_finish(r, &resp);
    dns_msg_clear(&resp);
}

static void relay_send(relay *r)
{
    dns_server *srv = r->srv;
    r->sent++;
    if (!host_dgram_send(srv->env, srv->relay_sock, r->target, DNS_PORT, r->wire->data, r->wire->len,
                         r->id, NULL) &&
        !(r->name && host_dgram_send(srv->env, srv->relay_sock, r->name, DNS_PORT, r->wire->data,
                                     r->wire->len, r->id, NULL)))
        srv->stats.dropped++;
    r->timer = host_timer(srv->env, srv->c.relay_timeout, relay_timeout, r);
}

/* The first referred name server with a glue address (A first), as an
 * address literal, with its name in *name; else the first name server's
 * name. New strings, or NULL when the referral has no NS. */
static char *referral_target(const dns_msg *resp, char **name)
{
    *name = NULL;
    const char *first = NULL;
    for (guint i = 0; i < dns_msg_count(resp, DNS_SEC_AUTHORITY); i++) {
        const dns_rr *ns = dns_msg_rr(resp, DNS_SEC_AUTHORITY, i);
        if (ns->type != DNS_T_NS || !ns->target)
            continue;
        if (!first)
            first = ns->target;
        for (uint16_t t = DNS_T_A;; t = DNS_T_AAAA) {
            for (guint j = 0; j < dns_msg_count(resp, DNS_SEC_ADDITIONAL); j++) {
                const dns_rr *g = dns_msg_rr(resp, DNS_SEC_ADDITIONAL, j);
                if (g->type == t && dns_name_eq(g->name, ns->target)) {
                    *name = g_strdup(ns->target);
                    return dns_rr_addr_text(g);
                }
            }
            if (t == DNS_T_AAAA)
                break;
        }
    }
    return first ? g_strdup(first) : NULL;
}

static bool is_referral(const dns_msg *resp)
{
    if (resp->rcode != DNS_RCODE_NOERROR || resp->aa || dns_msg_count(resp, DNS_SEC_ANSWER) > 0)
        return false;
    for (guint i = 0; i < dns_msg_count(resp, DNS_SEC_AUTHORITY); i++)
        if (dns_msg_rr(resp, DNS_SEC_AUTHORITY, i)->type == DNS_T_NS)
            return true;
    return false;
}

/* Starts relaying `q`; true when a relay took the slot. */
static bool relay_start(dns_server *srv, const dns_msg *q, const dns_msg *resp, reply *slot)
{
    if (g_hash_table_size(srv->relays) >= srv->c.max_relays) {
        srv->stats.relay_busy++;
        return false;
    }
    char *name = NULL;
    char *target = referral_target(resp, &name);
    if (!target)
        return false;
    relay *r = g_new0(relay, 1);
    r->srv = srv;
    r->target = target;
    r->name = name;
    r->slot = slot;
    r->udp = slot->c == NULL;
    slot->r = r;
    do
        r->id = (uint16_t)(rng_next(&srv->rng) >> 48);
    while (g_hash_table_contains(srv->relays, GUINT_TO_POINTER(r->id)));
    dns_msg_init(&r->query);
    r->query.id = q->id;
    r->query.rd = q->rd;
    r->query.opcode = q->opcode;
    r->query.edns = q->edns;
    r->query.edns_udp_size = q->edns_udp_size;
    dns_msg_set_question(&r->query, q->qname, q->qtype, q->qclass);
    dns_msg fwd;
    dns_msg_init(&fwd);
    fwd.id = r->id;
    fwd.rd = true;
    fwd.edns = true;
    fwd.edns_udp_size = srv->c.udp_size;
    dns_msg_set_question(&fwd, q->qname, q->qtype, q->qclass);
    r->wire = g_byte_array_new();
    dns_status st = dns_msg_encode(&fwd, DNS_MSG_MAX, r->wire, NULL);
    dns_msg_clear(&fwd);
    if (st != DNS_OK) {
        slot->r = NULL;
        r->slot = NULL;
        relay_free(r);
        return false;
    }
    g_hash_table_insert(srv->relays, GUINT_TO_POINTER(r->id), r);
    g_queue_push_tail(&srv->relay_order, r);
    srv->stats.relayed++;
    relay_send(r);
    return true;
}

static void on_relay_reply(void *ud, host_dgram *sock, const host_datagram *d)
{
    (void)sock;
    dns_server *srv = ud;
    if (!d->data || d->len < DNS_HEADER_LEN) {
        srv->stats.dropped++;
        return;
    }
    uint16_t id = (uint16_t)(d->data[0] << 8 | d->data[1]);
    relay *r = g_hash_table_lookup(srv->relays, GUINT_TO_POINTER(id));
    dns_msg m;
    dns_msg_init(&m);
    if (!r || dns_msg_decode(d->data, d->len, &m) != DNS_OK || !m.qr || !m.has_question ||
        !dns_name_eq(m.qname, r->query.qname) || m.qtype != r->query.qtype ||
        m.qclass != r->query.qclass) {
        srv->stats.dropped++;
        dns_msg_clear(&m);
        return;
    }
    relay_finish(r, &m);
    dns_msg_clear(&m);
}

/* ---- answering a query ---------------------------------------------------------------- */

/* Answers the message of `len` bytes for `slot` (which it takes). */
static void handle(dns_server *srv, const uint8_t *data, size_t len, reply *slot)
{
    dns_msg q, resp;
    dns_msg_init(&q);
    dns_msg_init(&resp);
    dns_status st = dns_msg_decode(data, len, &q);
    bool is_response = len >= 3 && (data[2] & 0x80);
    if (st != DNS_OK || is_response) {
        if (len >= DNS_HEADER_LEN && !is_response) {
            srv->stats.formerr++;
            resp.id = q.id;
            resp.opcode = q.opcode;
            resp.rd = q.rd;
            resp.qr = true;
            resp.rcode = DNS_RCODE_FORMERR;
            deliver(srv, slot, &resp, false);
        } else {
            srv->stats.dropped++;
            if (slot->c) {
                slot->out = g_byte_array_new();
                conn_emit(slot->c);
            } else {
                g_free(slot->from);
                g_free(slot);
            }
        }
        goto out;
    }
    if (!slot->c)
        slot->limit = udp_limit(srv, &q);
    dns_auth_answer(srv->auth, &q, &resp);
    if (srv->c.recurse_referrals && q.rd && is_referral(&resp) && relay_start(srv, &q, &resp, slot))
        goto out;
    deliver(srv, slot, &resp, false);
out:
    dns_msg_clear(&q);
    dns_msg_clear(&resp);
}

static void on_udp(void *ud, host_dgram *sock, const host_datagram *d)
{
    (void)sock;
    dns_server *srv = ud;
    srv->stats.queries_udp++;
    if (!d->data) {
        srv->stats.dropped++;
        return;
    }
    reply *slot = g_new0(reply, 1);
    slot->from = g_strdup(d->from);
    slot->from_port = d->from_port;
    slot->tag = d->tag;
    slot->limit = DNS_UDP_MAX_PLAIN;
    handle(srv, d->data, d->len, slot);
}

/* ---- TCP connections ----------------------------------------------------------------------- */

static void conn_close(conn *c, bool abort);
static void conn_pump(conn *c);

static void conn_timer_fire(void *ud);

static void conn_arm(conn *c)
{
    if (c->gone || c->timer)
        return;
    int64_t now = host_now(c->srv->env), at = c->last_activity + c->srv->c.idle_timeout;
    c->timer = host_timer(c->srv->env, at > now ? at - now : 0, conn_timer_fire, c);
}

static void conn_timer_fire(void *ud)
{
    conn *c = ud;
    c->timer = 0;
    if (c->gone)
        return;
    int64_t now = host_now(c->srv->env);
    bool relay_wait = false;
    for (GList *l = c->slots.head; l; l = l->next)
        relay_wait |= ((reply *)l->data)->r != NULL;
    if (relay_wait)
        c->last_activity = now; /* the relay has its own bound */
    if (now < c->last_activity + c->srv->c.idle_timeout) {
        conn_arm(c);
        return;
    }
    c->srv->stats.idle_closed++;
    conn_close(c, c->out->len > 0);
}

/* Writes what the stream takes. */
static void conn_flush(conn *c)
{
    if (c->gone || c->out->len == 0)
        return;
    size_t w = stream_write(c->s, c->out->data, c->out->len);
    if (w > 0) {
        g_byte_array_remove_range(c->out, 0, (guint)w);
        c->last_activity = host_now(c->srv->env);
    }
}

/* Moves the answers ready at the head of the queue to the output. */
static void conn_emit(conn *c)
{
    if (c->gone)
        return;
    while (!g_queue_is_empty(&c->slots)) {
        reply *slot = g_queue_peek_head(&c->slots);
        if (!slot->out)
            break;
        g_queue_pop_head(&c->slots);
        g_byte_array_append(c->out, slot->out->data, slot->out->len);
        g_byte_array_unref(slot->out);
        g_free(slot);
    }
    conn_flush(c);
    conn_account(c);
    if (c->out->len == 0 && g_queue_is_empty(&c->slots) && c->peer_eof && c->in->len == 0) {
        conn_close(c, false);
        return;
    }
    conn_pump(c);
}

/* Recounts what the connection holds into the server's figures. O(slots). */
static void conn_account(conn *c)
{
    size_t held = 0;
    if (!c->gone) {
        held = c->in->len + c->out->len;
        for (GList *l = c->slots.head; l; l = l->next)
            held += ((reply *)l->data)->out ? ((reply *)l->data)->out->len : 0;
    }
    dns_server_stats *st = &c->srv->stats;
    st->tcp_buffered = st->tcp_buffered - c->held + held;
    c->held = held;
    st->tcp_buffered_peak = MAX(st->tcp_buffered_peak, st->tcp_buffered);
}

static void conn_update_reading(conn *c)
{
    if (c->gone)
        return;
    bool want = c->in->len < c->srv->c.max_conn_buffer && c->out->len == 0 &&
                c->slots.length < DNS_SERVER_PIPELINE;
    if (want != c->reading_on) {
        c->reading_on = want;
        stream_set_reading(c->s, want);
    }
}

/* Reads queries from the input while the output does not block. */
static void conn_pump(conn *c)
{
    if (c->pumping || c->gone)
        return;
    c->pumping = true;
    while (!c->gone && c->in->len > 0 && c->out->len == 0 && c->slots.length < DNS_SERVER_PIPELINE) {
        size_t took = dns_tcp_reader_feed(&c->rd, c->in->data, c->in->len);
        g_byte_array_remove_range(c->in, 0, (guint)took);
        if (dns_tcp_reader_failed(&c->rd)) {
            c->srv->stats.dropped++;
            conn_close(c, true);
            break;
        }
        const uint8_t *msg;
        size_t len;
        if (dns_tcp_reader_next(&c->rd, &msg, &len)) {
            c->srv->stats.queries_tcp++;
            reply *slot = g_new0(reply, 1);
            slot->c = c;
            g_queue_push_tail(&c->slots, slot);
            handle(c->srv, msg, len, slot); /* may emit, which does not pump again */
        } else if (took == 0) {
            break;
        }
    }
    c->pumping = false;
    conn_account(c);
    if (c->gone)
        return;
    conn_update_reading(c);
    if (c->out->len == 0 && g_queue_is_empty(&c->slots) && c->peer_eof && c->in->len == 0)
        conn_close(c, false);
}

static void on_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    conn *c = ud;
    if (c->gone)
        return;
    c->last_activity = host_now(c->srv->env);
    if (!data) {
        c->srv->stats.dropped++;
        conn_close(c, true);
        return;
    }
    g_byte_array_append(c->in, data, (guint)len);
    conn_account(c);
    conn_pump(c);
}

static void on_writable(void *ud, stream_t *s)
{
    (void)s;
    conn *c = ud;
    conn_flush(c);
    conn_emit(c);
}

static void on_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    conn *c = ud;
    c->peer_eof = true;
    conn_pump(c);
}

static void conn_gone(conn *c);

static void on_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    conn_gone(ud);
}

static const stream_handler conn_handler = {
    .data = on_data, .writable = on_writable, .peer_closed = on_peer_closed, .error = on_error};

static void conn_destroy(conn *c)
{
    host_env *env = c->srv->env;
    host_timer_cancel(env, c->timer);
    host_timer_cancel(env, c->reap);
    reply *slot;
    while ((slot = g_queue_pop_head(&c->slots))) {
        if (slot->r)
            slot->r->slot = NULL; /* its answer has nowhere to go */
        if (slot->out)
            g_byte_array_unref(slot->out);
        g_free(slot);
    }
    dns_tcp_reader_clear(&c->rd);
    g_byte_array_unref(c->in);
    g_byte_array_unref(c->out);
    g_ptr_array_remove(c->srv->conns, c);
    g_free(c);
}

static void conn_reap(void *ud)
{
    conn *c = ud;
    c->reap = 0;
    conn_destroy(c);
}

/* The stream is closed or failed: free the connection from a timer. */
static void conn_gone(conn *c)
{
    if (c->gone)
        return;
    c->gone = true;
    conn_account(c);
    host_timer_cancel(c->srv->env, c->timer);
    c->timer = 0;
    c->reap = host_timer(c->srv->env, 0, conn_reap, c);
}

static void conn_close(conn *c, bool abort)
{
    if (c->gone)
        return;
    if (abort)
        stream_abort(c->s);
    else
        stream_close(c->s);
    conn_gone(c);
}

static void on_accept(void *ud, stream_t *s)
{
    dns_server *srv = ud;
    guint live = 0;
    for (guint i = 0; i < srv->conns->len; i++)
        live += !((conn *)g_ptr_array_index(srv->conns, i))->gone;
    if (live >= MAX(srv->c.max_connections, 1u)) {
        srv->stats.refused++;
        stream_close(s);
        return;
    }
    conn *c = g_new0(conn, 1);
    c->srv = srv;
    c->s = s;
    dns_tcp_reader_init(&c->rd);
    c->in = g_byte_array_new();
    c->out = g_byte_array_new();
    g_queue_init(&c->slots);
    c->reading_on = true;
    stream_addr peer;
    g_strlcpy(c->peer, stream_peer_addr(s, &peer) ? peer.host : "?", sizeof c->peer);
    c->last_activity = host_now(srv->env);
    g_ptr_array_add(srv->conns, c);
    srv->stats.connections++;
    stream_set_handler(s, &conn_handler, c);
    conn_arm(c);
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

dns_server *dns_server_new(host_env *env, const dns_auth *auth, const dns_server_config *cfg,
                           GError **err)
{
    dns_server *srv = g_new0(dns_server, 1);
    srv->env = env;
    srv->auth = auth;
    if (cfg)
        srv->c = *cfg;
    else
        dns_server_config_default(&srv->c);
    srv->c.udp_size = MAX(srv->c.udp_size, (uint16_t)DNS_UDP_MAX_PLAIN);
    srv->c.max_conn_buffer = MAX(srv->c.max_conn_buffer, (size_t)1);
    srv->rng = srv->c.seed;
    srv->conns = g_ptr_array_new();
    srv->relays = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_queue_init(&srv->relay_order);
    /* Port 0: the datagram socket's free port may be taken for TCP (by
     * another program's connection or listener): try another, up to
     * DNS_SERVER_PORT_TRIES times. */
    for (int tries = 0;; tries++) {
        srv->udp = host_dgram_open(env, srv->c.port, on_udp, srv, err);
        if (!srv->udp)
            goto fail;
        srv->port = host_dgram_port(env, srv->udp);
        GError *lerr = NULL;
        srv->listener = host_listen(env, srv->port, on_accept, srv, &lerr);
        if (srv->listener)
            break;
        if (srv->c.port != 0 || tries + 1 >= DNS_SERVER_PORT_TRIES) {
            g_propagate_error(err, lerr);
            goto fail;
        }
        g_error_free(lerr);
        host_dgram_close(env, srv->udp);
        srv->udp = NULL;
    }
    if (srv->c.recurse_referrals) {
        srv->relay_sock = host_dgram_open(env, 0, on_relay_reply, srv, err);
        if (!srv->relay_sock)
            goto fail;
    }
    return srv;
fail:
    dns_server_free(srv);
    return NULL;
}

void dns_server_free(dns_server *srv)
{
    if (!srv)
        return;
    relay *r;
    while ((r = g_queue_peek_head(&srv->relay_order)))
        relay_free(r);
    while (srv->conns->len) {
        conn *c = g_ptr_array_index(srv->conns, srv->conns->len - 1);
        if (!c->gone) {
            stream_abort(c->s);
            c->gone = true;
            conn_account(c);
        }
        conn_destroy(c);
    }
    g_ptr_array_unref(srv->conns);
    g_hash_table_unref(srv->relays);
    host_unlisten(srv->env, srv->listener);
    host_dgram_close(srv->env, srv->udp);
    host_dgram_close(srv->env, srv->relay_sock);
    g_free(srv);
}
