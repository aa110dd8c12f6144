/*
 * sim_host: timers as events, streams as simulated TCP, datagrams as
 * simulated UDP, names as nodes, logs and records on the trace bus.
 *
 * Datagram sockets. A host_dgram wraps one udp_sock_t and sits in the
 * host's list (in open order) until it is released. UDP calls on_datagram()
 * from its delivery event and we call the application from there, so a
 * datagram costs no event beyond what UDP schedules. A close from inside
 * the socket's own callback only marks the socket; on_datagram() releases
 * it (udp_close, which udp.c allows from inside the receive callback, and
 * the wrapper) once the callback has returned.
 */
#include "sim_host.h"

#include <inttypes.h>

#include "sim/sim_trace.h"

/* A timer's slot in its host's table; fn NULL when the slot is free. A
 * timer id is (gen << 32) | (slot index + 1): the generation makes the id
 * of a fired or cancelled timer stale, so cancelling it again is a no-op. */
typedef struct {
    host_timer_fn fn;
    void *ud;
    sim_event_id ev;
    uint32_t gen;
    uint32_t next_free; /* while free: the next free slot, or TIMER_NONE */
} sim_timer;

#define TIMER_NONE UINT32_MAX

struct host_listener {
    tcp_listener_t *l;
};

struct host_dgram {
    sim_host_t *h;
    udp_sock_t *sock; /* ours until released */
    host_dgram_fn fn; /* NULL: received datagrams are discarded */
    void *ud;
    GList link;       /* in h->dgrams */
    uint16_t port;
    bool in_callback; /* the application's callback is running */
    bool closing;     /* closed from inside it: released when it returns */
};

struct sim_host {
    host_env env; /* first member: host_env* converts back */
    tcp_stack_t *tcp;
    net_t *net;
    sim_t *sim;
    node_t *node;
    tcp_params_t params;
    bool has_params;
    uint32_t trace_src;
    sim_timer *timers;  /* slots, reused through a free list: no allocation or hashing per timer */
    uint32_t ntimers, timers_cap;
    uint32_t timer_free; /* first free slot, or TIMER_NONE */
    udp_stack_t *udp;   /* borrowed; NULL: no datagram sockets */
    GQueue dgrams;      /* host_dgram, open, in open order */
    sim_host_record_fn record_fn;
    void *record_ud;
};

static sim_host_t *host_of(const host_env *e) { return (sim_host_t *)(void *)e; }

static int64_t op_now(const host_env *e) { return sim_now(host_of(e)->sim); }

static int64_t op_wall_s(const host_env *e)
{
    return SIM_HOST_EPOCH + sim_now(host_of(e)->sim) / 1000000000;
}

static void timer_release(sim_host_t *h, uint32_t i)
{
    sim_timer *t = &h->timers[i];
    t->fn = NULL;
    if (++t->gen == 0)
        t->gen = 1;
    t->next_free = h->timer_free;
    h->timer_free = i;
}

static void timer_fire(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    sim_host_t *h = ctx;
    uint32_t i = (uint32_t)(uintptr_t)arg;
    host_timer_fn fn = h->timers[i].fn;
    void *ud = h->timers[i].ud;
    timer_release(h, i);
    fn(ud);
}

static host_timer_id op_timer(host_env *e, int64_t delay_ns, host_timer_fn fn, void *ud)
{
    sim_host_t *h = host_of(e);
    uint32_t i = h->timer_free;
    if (i != TIMER_NONE) {
        h->timer_free = h->timers[i].next_free;
    } else {
        if (h->ntimers == h->timers_cap) {
            h->timers_cap = h->timers_cap ? 2 * h->timers_cap : 16;
            h->timers = g_renew(sim_timer, h->timers, h->timers_cap);
        }
        i = h->ntimers++;
        h->timers[i].gen = 1;
    }
    sim_timer *t = &h->timers[i];
    t->fn = fn;
    t->ud = ud;
    t->ev = sim_schedule_in(h->sim, delay_ns < 0 ? 0 : delay_ns, timer_fire, h, (void *)(uintptr_t)i);
    return ((uint64_t)t->gen << 32) | ((uint64_t)i + 1);
}

static void op_timer_cancel(host_env *e, host_timer_id id)
{
    sim_host_t *h = host_of(e);
    uint64_t slot = id & 0xffffffffu;
    if (slot == 0 || slot > h->ntimers)
        return;
    uint32_t i = (uint32_t)(slot - 1);
    if (!h->timers[i].fn || h->timers[i].gen != (uint32_t)(id >> 32))
        return;
    sim_cancel(h->sim, h->timers[i].ev);
    timer_release(h, i);
}

/* The slot of a pending timer's id, or TIMER_NONE for 0 or a stale id. */
static uint32_t timer_slot(const sim_host_t *h, host_timer_id id)
{
    uint64_t slot = id & 0xffffffffu;
    if (slot == 0 || slot > h->ntimers)
        return TIMER_NONE;
    uint32_t i = (uint32_t)(slot - 1);
    if (!h->timers[i].fn || h->timers[i].gen != (uint32_t)(id >> 32))
        return TIMER_NONE;
    return i;
}

/* Cancel then schedule, in one: the slot and its id stay, and the event is
 * moved with sim_reschedule, which runs it exactly where the cancel and
 * the schedule would have (and, for a later time, only records it). */
static host_timer_id op_timer_rearm(host_env *e, host_timer_id id, int64_t delay_ns, host_timer_fn fn, void *ud)
{
    sim_host_t *h = host_of(e);
    uint32_t i = timer_slot(h, id);
    if (i == TIMER_NONE)
        return op_timer(e, delay_ns, fn, ud);
    sim_timer *t = &h->timers[i];
    t->fn = fn;
    t->ud = ud;
    t->ev = sim_reschedule(h->sim, t->ev, sim_now(h->sim) + (delay_ns < 0 ? 0 : delay_ns), timer_fire, h,
                           (void *)(uintptr_t)i);
    return id;
}

static const tcp_params_t *params_of(const sim_host_t *h)
{
    return h->has_params ? &h->params : NULL;
}

static stream_t *op_connect(host_env *e, const char *host, uint16_t port, const stream_handler *hd,
                            void *ud, GError **err)
{
    sim_host_t *h = host_of(e);
    node_t *peer = host ? net_node_by_name_or_address(h->net, host) : NULL;
    if (!peer) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND,
                    "no host named \"%s\" in this network (a node's name or address)",
                    host ? host : "");
        return NULL;
    }
    return tcp_connect(h->tcp, h->node, peer, port, params_of(h), hd, ud, err);
}

/* connect() from `lport`; a busy port (a listener on it, or a connection
 * with the same four ends) falls back to an ephemeral one, logged. */
static stream_t *op_connect_from(host_env *e, uint16_t lport, const char *host, uint16_t port,
                                 const stream_handler *hd, void *ud, GError **err)
{
    sim_host_t *h = host_of(e);
    node_t *peer = host ? net_node_by_name_or_address(h->net, host) : NULL;
    if (!peer) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND,
                    "no host named \"%s\" in this network (a node's name or address)", host ? host : "");
        return NULL;
    }
    bool fell_back = false;
    stream_t *s = tcp_connect_from(h->tcp, h->node, lport, peer, port, params_of(h), hd, ud, &fell_back, err);
    if (s && fell_back)
        host_logf(e, "port %u is busy: the connection to %s:%u comes from an ephemeral port", lport, host, port);
    return s;
}

static host_listener *op_listen(host_env *e, uint16_t port, stream_accept_fn accept, void *ud,
                                GError **err)
{
    sim_host_t *h = host_of(e);
    tcp_listener_t *l = tcp_listen(h->tcp, h->node, port, params_of(h), accept, ud, err);
    if (!l)
        return NULL;
    host_listener *hl = g_new(host_listener, 1);
    hl->l = l;
    return hl;
}

static void op_unlisten(host_env *e, host_listener *l)
{
    (void)e;
    tcp_listener_close(l->l);
    g_free(l);
}

static void op_log(host_env *e, const char *message)
{
    sim_host_t *h = host_of(e);
    sim_trace_app(sim_trace(h->sim), sim_now(h->sim), h->trace_src, "%s", message);
}

static const char *op_name(const host_env *e) { return node_name(host_of(e)->node); }

static uint16_t op_listener_port(const host_env *e, const host_listener *l)
{
    (void)e;
    return tcp_listener_port(l->l);
}

/* ---- datagram sockets ------------------------------------------------- */

/* Closes the UDP socket and frees the wrapper. */
static void dgram_release(host_dgram *s)
{
    udp_close(s->sock);
    g_queue_unlink(&s->h->dgrams, &s->link);
    g_free(s);
}

/* UDP's receive callback, run from its delivery event. */
static void on_datagram(void *ctx, udp_sock_t *sock, const udp_dgram_t *d)
{
    (void)sock;
    host_dgram *s = ctx;
    if (!s->fn || s->closing)
        return;
    char from[NET_IPV4_STRLEN];
    net_ipv4_format(net_ipv4_of(d->src), from); /* the sender's address, as DNS sees it */
    host_datagram hd = {.from = from,
                        .from_port = d->sport,
                        .data = d->data,
                        .len = d->len,
                        .tag = d->tag};
    s->in_callback = true;
    s->fn(s->ud, s, &hd);
    s->in_callback = false;
    if (s->closing)
        dgram_release(s);
}

static host_dgram *op_dgram_open(host_env *e, uint16_t port, host_dgram_fn fn, void *ud,
                                 GError **err)
{
    sim_host_t *h = host_of(e);
    if (!h->udp) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID,
                    "host \"%s\" has no UDP stack: datagram sockets are not available "
                    "(sim_host_set_udp)",
                    node_name(h->node));
        return NULL;
    }
    host_dgram *s = g_new0(host_dgram, 1);
    s->sock = udp_open(h->udp, h->node, port, on_datagram, s, err);
    if (!s->sock) {
        g_free(s);
        return NULL;
    }
    s->h = h;
    s->fn = fn;
    s->ud = ud;
    s->port = udp_sock_port(s->sock);
    s->link.data = s;
    g_queue_push_tail_link(&h->dgrams, &s->link);
    return s;
}

static bool op_dgram_send(host_env *e, host_dgram *s, const char *host, uint16_t port,
                          const void *data, size_t len, uint64_t tag, GError **err)
{
    sim_host_t *h = host_of(e);
    if (s->closing) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID, "datagram socket %u on \"%s\" is closed",
                    s->port, node_name(h->node));
        return false;
    }
    node_t *peer = host ? net_node_by_name_or_address(h->net, host) : NULL;
    if (!peer) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND,
                    "no host named \"%s\" in this network (a node's name or address)",
                    host ? host : "");
        return false;
    }
    if (port == 0 || len > UINT32_MAX) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID,
                    "cannot send a datagram of %zu bytes to port %u (a port above 0 and at "
                    "most %" PRIu32 " bytes)",
                    len, port, UINT32_MAX);
        return false;
    }
    if (!udp_sendto_tagged(s->sock, node_addr(peer), port, data, (uint32_t)len, tag)) {
        g_set_error(err, NET_ERROR, NET_ERROR_NO_ROUTE, "no route from \"%s\" to \"%s\"",
                    node_name(h->node), node_name(peer));
        return false;
    }
    return true;
}

static uint16_t op_dgram_port(const host_env *e, const host_dgram *s)
{
    (void)e;
    return s->port;
}

static void op_dgram_close(host_env *e, host_dgram *s)
{
    (void)e;
    if (s->closing)
        return;
    if (s->in_callback)
        s->closing = true; /* on_datagram() releases it */
    else
        dgram_release(s);
}

/* ---- records ---------------------------------------------------------- */

static void op_record(host_env *e, const char *kind, const char *text)
{
    sim_host_t *h = host_of(e);
    if (h->record_fn)
        h->record_fn(h->record_ud, node_name(h->node), sim_now(h->sim), kind, text);
    sim_trace_app(sim_trace(h->sim), sim_now(h->sim), h->trace_src, "record %s: %s", kind, text);
}

static const host_ops sim_host_ops = {
    .now = op_now,
    .wall_s = op_wall_s,
    .timer = op_timer,
    .timer_cancel = op_timer_cancel,
    .timer_rearm = op_timer_rearm,
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

sim_host_t *sim_host_new(tcp_stack_t *tcp, node_t *node, const tcp_params_t *params)
{
    sim_host_t *h = g_new0(sim_host_t, 1);
    h->env.ops = &sim_host_ops;
    h->tcp = tcp;
    h->net = tcp_stack_net(tcp);
    h->sim = net_sim(h->net);
    h->node = node;
    if (params) {
        h->params = *params;
        h->has_params = true;
    }
    char *src = g_strdup_printf("host:%s", node_name(node));
    h->trace_src = sim_trace_source(sim_trace(h->sim), src);
    g_free(src);
    h->timer_free = TIMER_NONE;
    g_queue_init(&h->dgrams);
    return h;
}

void sim_host_free(sim_host_t *h)
{
    if (!h)
        return;
    for (uint32_t i = 0; i < h->ntimers; i++)
        if (h->timers[i].fn)
            sim_cancel(h->sim, h->timers[i].ev);
    g_free(h->timers);
    while (h->dgrams.head)
        dgram_release(h->dgrams.head->data);
    g_free(h);
}

host_env *sim_host_env(sim_host_t *h) { return &h->env; }
node_t *sim_host_node(const sim_host_t *h) { return h->node; }

void sim_host_set_udp(sim_host_t *h, udp_stack_t *udp) { h->udp = udp; }

void sim_host_set_record_sink(sim_host_t *h, sim_host_record_fn fn, void *ud)
{
    h->record_fn = fn;
    h->record_ud = ud;
}
