/*
 * Tests of models/sim_host: the host seam on a simulated network, for the
 * parts beyond streams and timers (which the HTTP suites exercise):
 * datagram sockets, listener ports, stream addresses and records.
 *
 * The world is two hosts joined by one link, a --(1 Mbps, 10 ms)-- b, so
 * that a datagram of n payload bytes arrives after exactly
 * 10 ms + (n + 28) * 8 us (propagation plus transmission of the payload
 * and the 28 header bytes of UDP over IP).
 */
#include <glib.h>
#include <string.h>

#include "models/sim_host.h"
#include "sim/sim_trace.h"
#include "test_util.h"

#define DELAY SIM_MS(10)
#define RATE 1000000

/* The time one datagram of `n` payload bytes takes from a to b. */
static sim_time_t one_way(uint64_t n) { return DELAY + sim_tx_time(n + 28, RATE); }

/* ---- fixture ---------------------------------------------------------- */

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    udp_stack_t *udp;
    node_t *na, *nb;
    sim_host_t *a, *b;
    host_env *ea, *eb;
} world;

static void world_init(world *w)
{
    w->sim = sim_new(7);
    w->net = net_new(w->sim);
    w->na = net_add_host(w->net, "a", NULL);
    w->nb = net_add_host(w->net, "b", NULL);
    link_params_t p = {.rate_bps = RATE, .delay = DELAY};
    CU_ASSERT_PTR_NOT_NULL_FATAL(net_link(w->net, "a-b", w->na, w->nb, &p, NULL, NULL));
    w->tcp = tcp_stack_new(w->net, NULL);
    w->udp = udp_stack_new(w->net);
    w->a = sim_host_new(w->tcp, w->na, NULL);
    w->b = sim_host_new(w->tcp, w->nb, NULL);
    sim_host_set_udp(w->a, w->udp);
    sim_host_set_udp(w->b, w->udp);
    w->ea = sim_host_env(w->a);
    w->eb = sim_host_env(w->b);
}

/* Hosts first (they close the sockets left open), then the stacks. */
static void world_clear(world *w)
{
    sim_host_free(w->a);
    sim_host_free(w->b);
    udp_stack_free(w->udp);
    tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
}

/* ---- a datagram inbox ------------------------------------------------- */

typedef struct {
    host_env *env;
    sim_t *sim;
    int count;
    char from[64];
    uint16_t from_port;
    char data[64];
    bool length_only;
    size_t len;
    uint64_t tag;
    sim_time_t at;
    bool echo;         /* send every datagram back to its sender */
    bool close_first;  /* close the socket inside the first callback */
    bool send_after_close_failed;
} inbox;

static void on_dgram(void *ud, host_dgram *s, const host_datagram *d)
{
    inbox *in = ud;
    in->count++;
    g_strlcpy(in->from, d->from, sizeof in->from);
    in->from_port = d->from_port;
    in->length_only = d->data == NULL;
    in->len = d->len;
    in->tag = d->tag;
    in->at = sim_now(in->sim);
    in->data[0] = 0;
    if (d->data && d->len < sizeof in->data) {
        memcpy(in->data, d->data, d->len);
        in->data[d->len] = 0;
    }
    if (in->echo) {
        GError *err = NULL;
        CU_ASSERT_TRUE(
            host_dgram_send(in->env, s, d->from, d->from_port, d->data, d->len, d->tag, &err));
        CU_ASSERT_PTR_NULL(err);
        g_clear_error(&err);
    }
    if (in->close_first && in->count == 1) {
        host_dgram_close(in->env, s);
        /* Closed: sending fails, and d is still readable. */
        GError *err = NULL;
        in->send_after_close_failed =
            !host_dgram_send(in->env, s, "a", 9, "late", 4, 0, &err) && err != NULL;
        g_clear_error(&err);
        CU_ASSERT_EQUAL(d->len, in->len);
    }
}

static host_dgram *open_ok(host_env *env, uint16_t port, inbox *in)
{
    GError *err = NULL;
    host_dgram *s = host_dgram_open(env, port, on_dgram, in, &err);
    CU_ASSERT_PTR_NOT_NULL(s);
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
    return s;
}

static bool send_ok(host_env *env, host_dgram *s, const char *host, uint16_t port,
                    const void *data, size_t len, uint64_t tag)
{
    GError *err = NULL;
    bool ok = host_dgram_send(env, s, host, port, data, len, tag, &err);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_PTR_NULL(err);
    g_clear_error(&err);
    return ok;
}

/* ---- datagrams -------------------------------------------------------- */

static void test_dgram_round_trip(void)
{
    world w;
    world_init(&w);
    inbox at_b = {.env = w.eb, .sim = w.sim, .echo = true};
    inbox at_a = {.env = w.ea, .sim = w.sim};
    host_dgram *sb = open_ok(w.eb, 53, &at_b);
    host_dgram *sa = open_ok(w.ea, 0, &at_a);
    CU_ASSERT_EQUAL(host_dgram_port(w.eb, sb), 53);
    CU_ASSERT_EQUAL(host_dgram_port(w.ea, sa), 49152);
    send_ok(w.ea, sa, "b", 53, "query", 5, 0);
    sim_run(w.sim);
    /* 5 + 28 bytes: 264 us at 1 Mbps, plus 10 ms, each way. */
    CU_ASSERT_EQUAL(one_way(5), SIM_MS(10) + SIM_US(264));
    CU_ASSERT_EQUAL(at_b.count, 1);
    CU_ASSERT_EQUAL(at_b.at, one_way(5));
    CU_ASSERT_STRING_EQUAL(at_b.from, "10.0.0.1"); /* a is node 0: its address literal */
    CU_ASSERT_EQUAL(at_b.from_port, 49152);
    CU_ASSERT_STRING_EQUAL(at_b.data, "query");
    CU_ASSERT_FALSE(at_b.length_only);
    CU_ASSERT_EQUAL(at_a.count, 1);
    CU_ASSERT_EQUAL(at_a.at, 2 * one_way(5));
    CU_ASSERT_STRING_EQUAL(at_a.from, "10.0.0.2"); /* b's echo, sent to the literal it was given */
    CU_ASSERT_EQUAL(at_a.from_port, 53);
    CU_ASSERT_STRING_EQUAL(at_a.data, "query");
    host_dgram_close(w.ea, sa);
    host_dgram_close(w.eb, sb);
    host_dgram_close(w.eb, NULL); /* a no-op */
    world_clear(&w);
}

static void on_raw(void *ctx, udp_sock_t *sock, const udp_dgram_t *d)
{
    (void)ctx;
    (void)sock;
    (void)d;
}

/* The seam adds no event: the same exchange over bare UDP sockets runs
 * exactly as many events. */
static void test_dgram_adds_no_event(void)
{
    world w;
    world_init(&w);
    inbox at_b = {.env = w.eb, .sim = w.sim};
    host_dgram *sb = open_ok(w.eb, 53, &at_b);
    host_dgram *sa = open_ok(w.ea, 0, NULL);
    send_ok(w.ea, sa, "b", 53, "x", 1, 0);
    sim_run(w.sim);
    CU_ASSERT_EQUAL(at_b.count, 1);
    uint64_t seam_events = sim_events_executed(w.sim);
    host_dgram_close(w.ea, sa);
    host_dgram_close(w.eb, sb);
    world_clear(&w);

    world_init(&w);
    udp_sock_t *rb = udp_open(w.udp, w.nb, 53, on_raw, NULL, NULL);
    udp_sock_t *ra = udp_open(w.udp, w.na, 0, on_raw, NULL, NULL);
    CU_ASSERT_TRUE(udp_sendto(ra, node_addr(w.nb), 53, "x", 1));
    sim_run(w.sim);
    CU_ASSERT_EQUAL(sim_events_executed(w.sim), seam_events);
    udp_close(ra);
    udp_close(rb);
    world_clear(&w);
}

static void test_length_only_with_tag(void)
{
    world w;
    world_init(&w);
    inbox at_b = {.env = w.eb, .sim = w.sim};
    host_dgram *sb = open_ok(w.eb, 7, &at_b);
    host_dgram *sa = open_ok(w.ea, 0, NULL); /* no callback: answers are discarded */
    uint64_t tag = UINT64_C(0xdeadbeef12345678);
    send_ok(w.ea, sa, "b", 7, NULL, 1000, tag);
    sim_run(w.sim);
    CU_ASSERT_EQUAL(at_b.count, 1);
    CU_ASSERT_TRUE(at_b.length_only);
    CU_ASSERT_EQUAL(at_b.len, 1000);
    CU_ASSERT_EQUAL(at_b.tag, tag);
    /* 1028 bytes: 8224 us at 1 Mbps. */
    CU_ASSERT_EQUAL(at_b.at, SIM_MS(10) + SIM_US(8224));
    host_dgram_close(w.eb, sb);
    host_dgram_close(w.ea, sa);
    world_clear(&w);
}

static void test_dgram_ports(void)
{
    world w;
    world_init(&w);
    host_dgram *p1 = open_ok(w.ea, 0, NULL);
    host_dgram *p2 = open_ok(w.ea, 0, NULL);
    host_dgram *fixed = open_ok(w.ea, 53, NULL);
    CU_ASSERT_EQUAL(host_dgram_port(w.ea, p1), 49152);
    CU_ASSERT_EQUAL(host_dgram_port(w.ea, p2), 49153);
    CU_ASSERT_EQUAL(host_dgram_port(w.ea, fixed), 53);
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(host_dgram_open(w.ea, 53, NULL, NULL, &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_EXISTS));
    g_clear_error(&err);
    /* The same port on the other host is another socket. */
    host_dgram *other = open_ok(w.eb, 53, NULL);
    /* A closed port is free again. */
    host_dgram_close(w.ea, fixed);
    fixed = open_ok(w.ea, 53, NULL);

    /* A host without a UDP stack has no datagram sockets. */
    sim_host_t *bare = sim_host_new(w.tcp, w.na, NULL);
    CU_ASSERT_PTR_NULL(host_dgram_open(sim_host_env(bare), 0, NULL, NULL, &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_INVALID));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "no UDP stack"));
    g_clear_error(&err);
    sim_host_free(bare);

    /* p1, p2, fixed and other stay open: sim_host_free closes them. */
    (void)p2;
    (void)other;
    CU_ASSERT_PTR_NOT_NULL(p1);
    world_clear(&w);
}

static void test_dgram_send_errors(void)
{
    world w;
    world_init(&w);
    node_t *island = net_add_host(w.net, "island", NULL); /* no link */
    CU_ASSERT_PTR_NOT_NULL_FATAL(island);
    host_dgram *sa = open_ok(w.ea, 0, NULL);
    GError *err = NULL;
    CU_ASSERT_FALSE(host_dgram_send(w.ea, sa, "nowhere", 53, "x", 1, 0, &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_NOT_FOUND));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "nowhere"));
    g_clear_error(&err);
    CU_ASSERT_FALSE(host_dgram_send(w.ea, sa, "b", 0, "x", 1, 0, &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_INVALID));
    g_clear_error(&err);
    CU_ASSERT_FALSE(host_dgram_send(w.ea, sa, "island", 53, "x", 1, 0, &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_NO_ROUTE));
    g_clear_error(&err);
    sim_run(w.sim);
    host_dgram_close(w.ea, sa);
    world_clear(&w);
}

static void count_no_handler(void *ctx, const sim_trace_rec *rec)
{
    if (rec->reason == NET_DROP_NO_HANDLER)
        (*(int *)ctx)++;
}

static void test_close_inside_callback(void)
{
    world w;
    world_init(&w);
    inbox at_b = {.env = w.eb, .sim = w.sim, .close_first = true};
    open_ok(w.eb, 53, &at_b); /* closed by its own callback */
    host_dgram *sa = open_ok(w.ea, 0, NULL);
    int drops = 0;
    sim_trace_subscribe(sim_trace(w.sim), SIM_TR_MASK(SIM_TR_DROP), count_no_handler, &drops);
    send_ok(w.ea, sa, "b", 53, "one", 3, 1);
    send_ok(w.ea, sa, "b", 53, "two", 3, 2);
    sim_run(w.sim);
    CU_ASSERT_EQUAL(at_b.count, 1);
    CU_ASSERT_STRING_EQUAL(at_b.data, "one");
    CU_ASSERT_EQUAL(at_b.tag, 1);
    CU_ASSERT_TRUE(at_b.send_after_close_failed);
    CU_ASSERT_EQUAL(drops, 1); /* "two" found nobody on port 53 */
    /* The port is free again. */
    host_dgram *again = open_ok(w.eb, 53, NULL);
    host_dgram_close(w.eb, again);
    host_dgram_close(w.ea, sa);
    world_clear(&w);
}

static void test_unbound_port_dropped(void)
{
    world w;
    world_init(&w);
    inbox at_b = {.env = w.eb, .sim = w.sim};
    host_dgram *sb = open_ok(w.eb, 53, &at_b);
    host_dgram *sa = open_ok(w.ea, 0, NULL);
    int drops = 0;
    sim_trace_subscribe(sim_trace(w.sim), SIM_TR_MASK(SIM_TR_DROP), count_no_handler, &drops);
    send_ok(w.ea, sa, "b", 54, "x", 1, 0); /* sent: the loss is the network's */
    sim_run(w.sim);
    CU_ASSERT_EQUAL(drops, 1);
    CU_ASSERT_EQUAL(at_b.count, 0);
    host_dgram_close(w.eb, sb);
    host_dgram_close(w.ea, sa);
    world_clear(&w);
}

/* ---- listeners and stream addresses ----------------------------------- */

typedef struct {
    stream_t *accepted;
    stream_addr local, peer;
    bool local_ok, peer_ok;
} acceptor;

static void on_accept(void *ud, stream_t *s)
{
    acceptor *ac = ud;
    ac->accepted = s;
    ac->local_ok = stream_local_addr(s, &ac->local);
    ac->peer_ok = stream_peer_addr(s, &ac->peer);
}

typedef struct {
    stream_addr local, peer;
    bool local_ok, peer_ok, connected;
} dialer;

static void on_connected(void *ud, stream_t *s)
{
    dialer *d = ud;
    d->connected = true;
    d->local_ok = stream_local_addr(s, &d->local);
    d->peer_ok = stream_peer_addr(s, &d->peer);
    stream_close(s);
}

static const stream_handler dialer_handler = {.connected = on_connected};

static void test_listener_port(void)
{
    world w;
    world_init(&w);
    acceptor ac = {0};
    GError *err = NULL;
    host_listener *fixed = host_listen(w.eb, 80, on_accept, &ac, &err);
    host_listener *any = host_listen(w.eb, 0, on_accept, &ac, &err);
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fixed);
    CU_ASSERT_PTR_NOT_NULL_FATAL(any);
    CU_ASSERT_EQUAL(host_listener_port(w.eb, fixed), 80);
    uint16_t port = host_listener_port(w.eb, any);
    CU_ASSERT(port >= 49152);
    /* A second listener on port 0 takes another port. */
    host_listener *any2 = host_listen(w.eb, 0, on_accept, &ac, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(any2);
    CU_ASSERT_NOT_EQUAL(host_listener_port(w.eb, any2), port);
    host_unlisten(w.eb, any2);

    /* The chosen port accepts connections. */
    dialer d = {0};
    stream_t *s = host_connect(w.ea, "b", port, &dialer_handler, &d, &err);
    CU_ASSERT_PTR_NOT_NULL(s);
    sim_run(w.sim);
    CU_ASSERT_TRUE(d.connected);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ac.accepted);
    CU_ASSERT_EQUAL(ac.local.port, port);
    stream_close(ac.accepted);
    sim_run(w.sim);
    host_unlisten(w.eb, fixed);
    host_unlisten(w.eb, any);
    world_clear(&w);
}

static void test_stream_addresses(void)
{
    world w;
    world_init(&w);
    acceptor ac = {0};
    GError *err = NULL;
    host_listener *l = host_listen(w.eb, 80, on_accept, &ac, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    dialer d = {0};
    stream_t *s = host_connect(w.ea, "b", 80, &dialer_handler, &d, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    /* Known from the start in the simulator. */
    stream_addr early;
    CU_ASSERT_TRUE(stream_local_addr(s, &early));
    CU_ASSERT_STRING_EQUAL(early.host, "a");
    sim_run(w.sim);
    CU_ASSERT_TRUE(d.connected);
    CU_ASSERT_TRUE(d.local_ok && d.peer_ok);
    CU_ASSERT_STRING_EQUAL(d.local.host, "a");
    CU_ASSERT_EQUAL(d.local.port, early.port);
    CU_ASSERT(d.local.port >= 49152);
    CU_ASSERT_STRING_EQUAL(d.peer.host, "b");
    CU_ASSERT_EQUAL(d.peer.port, 80);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ac.accepted);
    CU_ASSERT_TRUE(ac.local_ok && ac.peer_ok);
    CU_ASSERT_STRING_EQUAL(ac.local.host, "b");
    CU_ASSERT_EQUAL(ac.local.port, 80);
    /* Each end's peer is the other's local address. */
    CU_ASSERT_STRING_EQUAL(ac.peer.host, d.local.host);
    CU_ASSERT_EQUAL(ac.peer.port, d.local.port);
    stream_close(ac.accepted);
    sim_run(w.sim);
    host_unlisten(w.eb, l);
    world_clear(&w);
}

/* connect_from: the connection comes from the port asked for (both ends
 * see it); again from the same port to another peer port (another four
 * ends); a port a listener holds falls back to an ephemeral one. */
static void test_connect_from(void)
{
    world w;
    world_init(&w);
    acceptor ac = {0};
    host_listener *l = host_listen(w.eb, 80, on_accept, &ac, NULL);
    host_listener *l2 = host_listen(w.eb, 81, on_accept, &ac, NULL);
    host_listener *busy = host_listen(w.ea, 21, on_accept, &ac, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(busy);
    dialer d1 = {0}, d2 = {0}, d3 = {0};
    CU_ASSERT_PTR_NOT_NULL(host_connect_from(w.ea, 20, "b", 80, &dialer_handler, &d1, NULL));
    sim_run(w.sim);
    CU_ASSERT_TRUE(d1.connected);
    CU_ASSERT_EQUAL(d1.local.port, 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ac.accepted);
    CU_ASSERT_EQUAL(ac.peer.port, 20);
    stream_close(ac.accepted);
    ac.accepted = NULL;
    /* The first one is in TIME_WAIT: another peer port is another four ends. */
    CU_ASSERT_PTR_NOT_NULL(host_connect_from(w.ea, 20, "10.0.0.2", 81, &dialer_handler, &d2, NULL));
    CU_ASSERT_PTR_NOT_NULL(host_connect_from(w.ea, 21, "b", 80, &dialer_handler, &d3, NULL));
    sim_run(w.sim);
    CU_ASSERT_TRUE(d2.connected && d3.connected);
    CU_ASSERT_EQUAL(d2.local.port, 20);
    CU_ASSERT(d3.local.port >= 49152); /* 21 is a listener's */
    if (ac.accepted)
        stream_close(ac.accepted);
    CU_ASSERT_PTR_NULL(host_connect_from(w.ea, 20, "nobody", 80, &dialer_handler, &d3, NULL));
    sim_run(w.sim);
    host_unlisten(w.eb, l);
    host_unlisten(w.eb, l2);
    host_unlisten(w.ea, busy);
    world_clear(&w);
}

/* Peers by address literal: a datagram to "10.0.0.2" reaches b exactly
 * as one to "b" does, a connection to it is accepted by b, and literals
 * of no node (or not literals at all) fail with NET_ERROR_NOT_FOUND. */
static void test_by_address(void)
{
    world w;
    world_init(&w);
    char text[NET_IPV4_STRLEN];
    node_address_text(w.nb, text);
    CU_ASSERT_STRING_EQUAL(text, "10.0.0.2");
    inbox at_b = {.env = w.eb, .sim = w.sim};
    host_dgram *sb = open_ok(w.eb, 53, &at_b);
    inbox at_a = {.env = w.ea, .sim = w.sim};
    host_dgram *sa = open_ok(w.ea, 0, &at_a);
    send_ok(w.ea, sa, "10.0.0.2", 53, "q", 1, 0);
    sim_run(w.sim);
    CU_ASSERT_EQUAL(at_b.count, 1);
    CU_ASSERT_EQUAL(at_b.at, one_way(1));
    CU_ASSERT_STRING_EQUAL(at_b.from, "10.0.0.1");
    static const char *const bad[] = {"10.0.0.3", "10.0.0.0", "10.0.0.02", "10.0.0", "10.0.0.2.", " 10.0.0.2",
                                      "10.0.0.256", "11.0.0.2", ""};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        CU_ASSERT_FALSE(host_dgram_send(w.ea, sa, bad[i], 53, "q", 1, 0, &err));
        CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_NOT_FOUND));
        g_clear_error(&err);
        CU_ASSERT_PTR_NULL(host_connect(w.ea, bad[i], 80, &dialer_handler, NULL, &err));
        CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_NOT_FOUND));
        g_clear_error(&err);
    }
    acceptor ac = {0};
    host_listener *l = host_listen(w.eb, 80, on_accept, &ac, NULL);
    dialer d = {0};
    CU_ASSERT_PTR_NOT_NULL(host_connect(w.ea, "10.0.0.2", 80, &dialer_handler, &d, NULL));
    sim_run(w.sim);
    CU_ASSERT_TRUE(d.connected);
    CU_ASSERT_STRING_EQUAL(d.peer.host, "b"); /* the stream still names its ends by node */
    CU_ASSERT_PTR_NOT_NULL_FATAL(ac.accepted);
    stream_close(ac.accepted);
    sim_run(w.sim);
    host_unlisten(w.eb, l);
    host_dgram_close(w.ea, sa);
    host_dgram_close(w.eb, sb);
    world_clear(&w);
}

/* The address rule and its text: 10.0.0.0 | (address + 1), both ways,
 * up to the largest network. */
static void test_address_rule(void)
{
    uint32_t ip = 0, addr = 0;
    CU_ASSERT_EQUAL(net_ipv4_of(0), 0x0a000001u);
    CU_ASSERT_EQUAL(net_ipv4_of(6), 0x0a000007u);
    CU_ASSERT_EQUAL(net_ipv4_of(NET_MAX_NODES - 1), 0x0a000000u | NET_MAX_NODES);
    CU_ASSERT_TRUE(net_addr_of_ipv4(net_ipv4_of(NET_MAX_NODES - 1), &addr));
    CU_ASSERT_EQUAL(addr, NET_MAX_NODES - 1);
    CU_ASSERT_FALSE(net_addr_of_ipv4(0x0a000000u, &addr));
    CU_ASSERT_FALSE(net_addr_of_ipv4(0x0a000001u + NET_MAX_NODES, &addr));
    CU_ASSERT_FALSE(net_addr_of_ipv4(0x0b000001u, &addr));
    char text[NET_IPV4_STRLEN];
    net_ipv4_format(net_ipv4_of(300), text);
    CU_ASSERT_STRING_EQUAL(text, "10.0.1.45");
    net_ipv4_format(0xffffffffu, text);
    CU_ASSERT_STRING_EQUAL(text, "255.255.255.255");
    net_ipv4_format(0x64011400u, text); /* three, one, two digits and a zero */
    CU_ASSERT_STRING_EQUAL(text, "100.1.20.0");
    net_ipv4_format(0, text);
    CU_ASSERT_STRING_EQUAL(text, "0.0.0.0");
    CU_ASSERT_TRUE(net_ipv4_parse("10.0.1.45", &ip));
    CU_ASSERT_EQUAL(ip, net_ipv4_of(300));
    CU_ASSERT_TRUE(net_ipv4_parse("0.0.0.0", &ip));
    CU_ASSERT_EQUAL(ip, 0u);
    static const char *const bad[] = {"1.2.3", "1.2.3.4.5", "1.2.3.04", "1.2.3.-4", "1.2.3.4 ", "1..3.4",
                                      "256.0.0.1", "1.2.3.1000", "a.b.c.d", "", NULL};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        CU_ASSERT_FALSE(net_ipv4_parse(bad[i], &ip));
}

/* A node name longer than stream_addr holds is cut, NUL-terminated. */
static void test_stream_address_long_name(void)
{
    world w;
    world_init(&w);
    char name[100];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    node_t *nl = net_add_host(w.net, name, NULL);
    link_params_t p = {.rate_bps = RATE, .delay = DELAY};
    net_link(w.net, "b-long", w.nb, nl, &p, NULL, NULL);
    sim_host_t *hl = sim_host_new(w.tcp, nl, NULL);
    dialer d = {0};
    acceptor ac = {0};
    host_listener *l = host_listen(w.eb, 80, on_accept, &ac, NULL);
    host_connect(sim_host_env(hl), "b", 80, &dialer_handler, &d, NULL);
    sim_run(w.sim);
    CU_ASSERT_TRUE(d.local_ok);
    CU_ASSERT_EQUAL(strlen(d.local.host), sizeof d.local.host - 1);
    CU_ASSERT_EQUAL(strncmp(d.local.host, name, sizeof d.local.host - 1), 0);
    CU_ASSERT_EQUAL(strlen(ac.peer.host), sizeof ac.peer.host - 1);
    stream_close(ac.accepted);
    sim_run(w.sim);
    host_unlisten(w.eb, l);
    sim_host_free(hl);
    world_clear(&w);
}

/* ---- records ---------------------------------------------------------- */

typedef struct {
    GString *sink;  /* "host@ns kind=text;" per record */
    GString *trace; /* "ns text;" per application message */
    host_env *env;
} recorder;

static void record_sink(void *ud, const char *host, int64_t now_ns, const char *kind,
                        const char *text)
{
    recorder *r = ud;
    g_string_append_printf(r->sink, "%s@%" G_GINT64_FORMAT " %s=%s;", host, now_ns, kind, text);
}

static void trace_app(void *ctx, const sim_trace_rec *rec)
{
    recorder *r = ctx;
    g_string_append_printf(r->trace, "%" G_GINT64_FORMAT " %s;", (gint64)rec->time, rec->text);
}

static void record_later(void *ud)
{
    recorder *r = ud;
    host_record(r->env, "dns-lookup", "www 1.5 ms");
    host_record(r->env, "mail", "delivered");
}

static void test_records(void)
{
    world w;
    world_init(&w);
    recorder r = {.sink = g_string_new(NULL), .trace = g_string_new(NULL), .env = w.ea};
    sim_host_set_record_sink(w.a, record_sink, &r);
    sim_trace_subscribe(sim_trace(w.sim), SIM_TR_MASK(SIM_TR_APP), trace_app, &r);
    host_record(w.ea, "start", "t0");
    host_timer(w.ea, SIM_MS(5), record_later, &r);
    sim_run(w.sim);
    CU_ASSERT_STRING_EQUAL(r.sink->str, "a@0 start=t0;a@5000000 dns-lookup=www 1.5 ms;"
                                        "a@5000000 mail=delivered;");
    CU_ASSERT_STRING_EQUAL(r.trace->str, "0 record start: t0;5000000 record dns-lookup: www 1.5 ms;"
                                         "5000000 record mail: delivered;");
    /* Without a sink, records still reach the trace bus. */
    sim_host_set_record_sink(w.a, NULL, NULL);
    g_string_truncate(r.trace, 0);
    host_record(w.eb, "k", "v");
    host_record(w.ea, "k2", "v2");
    CU_ASSERT_STRING_EQUAL(r.trace->str, "5000000 record k: v;5000000 record k2: v2;");
    CU_ASSERT_EQUAL(r.sink->len, strlen("a@0 start=t0;a@5000000 dns-lookup=www 1.5 ms;"
                                        "a@5000000 mail=delivered;"));
    g_string_free(r.sink, TRUE);
    g_string_free(r.trace, TRUE);
    world_clear(&w);
}

/* ---- a host's inbound rule (a firewall) ------------------------------- */

typedef struct {
    bool connected;
    stream_err err;
    sim_time_t at;
    sim_t *sim;
} outcome;

static void out_connected(void *ud, stream_t *s)
{
    outcome *o = ud;
    o->connected = true;
    o->at = sim_now(o->sim);
    stream_close(s);
}

static void out_error(void *ud, stream_t *s, stream_err e)
{
    (void)s;
    outcome *o = ud;
    o->err = e;
    o->at = sim_now(o->sim);
}

static const stream_handler outcome_handler = {.connected = out_connected, .error = out_error};

/* b "refuse": a's SYN to b's listener is answered with a reset after one
 * round trip (two 10 ms hops and the segments' transmission, well under
 * 30 ms), b's listener never sees it; b's own connection to a works (its
 * SYN-ACK reply is not a connection request). b "drop": a's SYN goes
 * unanswered and the connection times out after the SYN retries. */
static void test_inbound_rule(void)
{
    for (int drop = 0; drop < 2; drop++) {
        world w;
        world_init(&w);
        node_set_inbound(w.nb, drop ? NODE_INBOUND_DROP : NODE_INBOUND_REFUSE);
        CU_ASSERT_EQUAL(node_get_inbound(w.na), NODE_INBOUND_ACCEPT);
        acceptor ab = {0}, aa = {0};
        host_listener *lb = host_listen(w.eb, 80, on_accept, &ab, NULL);
        host_listener *la = host_listen(w.ea, 80, on_accept, &aa, NULL);
        outcome in = {.sim = w.sim}, out = {.sim = w.sim};
        CU_ASSERT_PTR_NOT_NULL(host_connect(w.ea, "b", 80, &outcome_handler, &in, NULL));
        CU_ASSERT_PTR_NOT_NULL(host_connect(w.eb, "a", 80, &outcome_handler, &out, NULL));
        sim_run_until(w.sim, SIM_S(600));
        CU_ASSERT_FALSE(in.connected);
        CU_ASSERT_PTR_NULL(ab.accepted);
        CU_ASSERT_EQUAL(in.err, drop ? STREAM_ERR_TIMEOUT : STREAM_ERR_REFUSED);
        CU_ASSERT_TRUE(drop ? in.at > SIM_S(3) : in.at > SIM_MS(20) && in.at < SIM_MS(30));
        CU_ASSERT_TRUE(out.connected);
        CU_ASSERT_PTR_NOT_NULL(aa.accepted);
        if (aa.accepted)
            stream_close(aa.accepted);
        sim_run(w.sim);
        host_unlisten(w.eb, lb);
        host_unlisten(w.ea, la);
        world_clear(&w);
    }
    node_inbound r;
    CU_ASSERT_TRUE(node_inbound_parse("refuse", &r) && r == NODE_INBOUND_REFUSE);
    CU_ASSERT_FALSE(node_inbound_parse("block", &r));
    CU_ASSERT_STRING_EQUAL(node_inbound_name(NODE_INBOUND_DROP), "drop");
}

/* ---- timers ----------------------------------------------------------- */

typedef struct {
    sim_t *sim;
    GString *log;
} timer_log;

typedef struct {
    timer_log *log;
    const char *name;
} timer_arg;

static void timer_note(void *ud)
{
    timer_arg *a = ud;
    g_string_append_printf(a->log->log, "%s@%" G_GINT64_FORMAT ";", a->name, (gint64)sim_now(a->log->sim));
}

/* Timers fire in time order (ties in the order they were set); a
 * cancelled timer never fires; cancelling a fired, a cancelled, an unknown
 * or the zero id does nothing, and above all never cancels the later timer
 * that reuses its place. */
static void test_timers(void)
{
    world w;
    world_init(&w);
    timer_log log = {.sim = w.sim, .log = g_string_new(NULL)};
    timer_arg t1 = {&log, "t1"}, t2 = {&log, "t2"}, t3 = {&log, "t3"}, t4 = {&log, "t4"}, t5 = {&log, "t5"};
    host_timer_id a = host_timer(w.ea, SIM_MS(3), timer_note, &t1);
    host_timer_id b = host_timer(w.ea, SIM_MS(1), timer_note, &t2);
    host_timer_id c = host_timer(w.ea, SIM_MS(3), timer_note, &t3);
    CU_ASSERT(a != 0 && b != 0 && c != 0 && a != b && b != c && a != c);
    host_timer_cancel(w.ea, c);
    host_timer_cancel(w.ea, c); /* twice */
    sim_run(w.sim);
    CU_ASSERT_STRING_EQUAL(log.log->str, "t2@1000000;t1@3000000;");
    /* The places of a, b and c are free again: new timers reuse them, and
     * the old ids stay stale. */
    host_timer_id d = host_timer(w.ea, SIM_MS(1), timer_note, &t4);
    host_timer_id e = host_timer(w.ea, SIM_MS(2), timer_note, &t5);
    CU_ASSERT(d != a && d != b && d != c && e != a && e != b && e != c);
    host_timer_cancel(w.ea, a);
    host_timer_cancel(w.ea, b);
    host_timer_cancel(w.ea, c);
    host_timer_cancel(w.ea, 0);
    host_timer_cancel(w.ea, UINT64_C(0x100000000) | 1000); /* a place never used */
    host_timer_cancel(w.eb, d);                            /* another host's id space */
    sim_run(w.sim);
    CU_ASSERT_STRING_EQUAL(log.log->str, "t2@1000000;t1@3000000;t4@4000000;t5@5000000;");
    /* Many at once (the table grows), every other one cancelled; those
     * left pending when the host is freed are cancelled with it. */
    host_timer_id ids[100];
    timer_arg many = {&log, "m"};
    for (int i = 0; i < 100; i++)
        ids[i] = host_timer(w.ea, SIM_MS(1), timer_note, &many);
    for (int i = 0; i < 100; i += 2)
        host_timer_cancel(w.ea, ids[i]);
    g_string_truncate(log.log, 0);
    CU_ASSERT_EQUAL(sim_events_pending(w.sim), 50);
    sim_run(w.sim);
    CU_ASSERT_EQUAL(log.log->len, 50 * strlen("m@6000000;"));
    host_timer(w.ea, SIM_MS(10), timer_note, &many);
    host_timer(w.ea, SIM_MS(20), timer_note, &many);
    CU_ASSERT_EQUAL(sim_events_pending(w.sim), 2);
    sim_host_free(w.a);
    w.a = NULL;
    CU_ASSERT_EQUAL(sim_events_pending(w.sim), 0);
    sim_run(w.sim);
    CU_ASSERT_EQUAL(log.log->len, 50 * strlen("m@6000000;"));
    g_string_free(log.log, TRUE);
    world_clear(&w);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_dgram_round_trip),
        TEST(test_dgram_adds_no_event),
        TEST(test_length_only_with_tag),
        TEST(test_dgram_ports),
        TEST(test_dgram_send_errors),
        TEST(test_close_inside_callback),
        TEST(test_unbound_port_dropped),
        TEST(test_listener_port),
        TEST(test_stream_addresses),
        TEST(test_stream_address_long_name),
        TEST(test_connect_from),
        TEST(test_by_address),
        TEST(test_address_rule),
        TEST(test_records),
        TEST(test_timers),
        TEST(test_inbound_rule),
    };
    return test_main("models/sim_host", tests, G_N_ELEMENTS(tests));
}
