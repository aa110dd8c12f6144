/* Tests of models/net and link: store-and-forward timing, routing, queues,
 * loss, down intervals, errors and determinism. */
#include <glib.h>
#include <string.h>

#include "models/net.h"
#include "models/traffic.h"
#include "sim/sim_trace.h"
#include "test_util.h"

/* Builds a -> r1 -> ... -> b with `hops` links of the given parameters. */
static node_t *chain(net_t *net, int hops, const uint64_t *rates, const sim_time_t *delays)
{
    node_t *prev = net_add_host(net, "a", NULL);
    for (int i = 0; i < hops; i++) {
        char name[16];
        g_snprintf(name, sizeof name, i == hops - 1 ? "b" : "r%d", i + 1);
        node_t *next = i == hops - 1 ? net_add_host(net, name, NULL) : net_add_router(net, name, NULL);
        link_params_t p = {.rate_bps = rates[i], .delay = delays[i]};
        g_snprintf(name, sizeof name, "l%d", i + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(net_link(net, name, prev, next, &p, NULL, NULL));
        prev = next;
    }
    return prev;
}

/* a --l-- b: two hosts and one link, on a simulation of its own. */
typedef struct {
    sim_t *sim;
    net_t *net;
    node_t *a, *b;
    link_t *l;
    traffic_sink_t *sink; /* counts what arrives */
} pair;

static pair pair_new(uint64_t seed, const link_params_t *p)
{
    pair w;
    w.sim = sim_new(seed);
    w.net = net_new(w.sim);
    w.a = net_add_host(w.net, "a", NULL);
    w.b = net_add_host(w.net, "b", NULL);
    w.l = net_link(w.net, "l", w.a, w.b, p, NULL, NULL);
    w.sink = traffic_sink_new(w.net);
    return w;
}

static void pair_free(pair *w)
{
    traffic_sink_free(w->sink);
    net_free(w->net);
    sim_free(w->sim);
}

/* Sends `n` packets of `bytes` payload (no contents) from `from` to `to`
 * at once, made at the current time. */
static void send_burst(net_t *net, node_t *from, node_t *to, int n, uint32_t bytes)
{
    for (int i = 0; i < n; i++) {
        pkt_t *k = pkt_alloc(net_pool(net), sim_now(net_sim(net)));
        k->dst = node_addr(to);
        pkt_set_payload(k, NULL, bytes);
        net_send(net, from, k);
    }
}

/* The counters of direction `d` of link `l`. */
static link_stats_t dir_stats(link_t *l, int d)
{
    link_stats_t ls;
    link_dir_stats(link_dir(l, d), &ls);
    return ls;
}

/* Sends one packet of `bytes` payload + 40 header bytes over `hops` links and
 * returns its arrival time, which must be sum(L/R_i + d_i) to the ns. */
static void check_hops(int hops)
{
    static const uint64_t rates[] = {10000000, 1544000, 100000000, 56000, 1000000000};
    static const sim_time_t delays[] = {SIM_MS(10), SIM_US(1500), 0, SIM_MS(100), SIM_NS(333)};
    const uint32_t payload = 1460, wire = 1500;
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    node_t *b = chain(net, hops, rates, delays);
    traffic_sink_t *sink = traffic_sink_new(net);
    pkt_t *p = pkt_alloc(net_pool(net), 0);
    p->dst = node_addr(b);
    p->hdr_bytes = 40;
    pkt_set_payload(p, NULL, payload);
    CU_ASSERT_TRUE(net_send(net, net_node_by_name(net, "a"), p));
    sim_run(sim);
    sim_time_t expected = 0;
    for (int i = 0; i < hops; i++) /* each L/R rounded up to the ns, as documented */
        expected += (sim_time_t)((wire * 8ull * 1000000000ull + rates[i] - 1) / rates[i]) + delays[i];
    CU_ASSERT_EQUAL(sim_now(sim), expected);
    traffic_sink_stats_t st;
    traffic_sink_stats(sink, &st);
    CU_ASSERT_EQUAL(st.packets, 1);
    /* And against the real-valued formula: within 1 ns per hop. */
    double exact = 0;
    for (int i = 0; i < hops; i++)
        exact += wire * 8.0 / (double)rates[i] + sim_time_to_s(delays[i]);
    CU_ASSERT_DOUBLE_EQUAL(sim_time_to_s(sim_now(sim)), exact, hops * 1e-9);
    traffic_sink_free(sink);
    net_free(net);
    sim_free(sim);
}

static void test_store_and_forward_1_hop(void) { check_hops(1); }
static void test_store_and_forward_2_hops(void) { check_hops(2); }
static void test_store_and_forward_5_hops(void) { check_hops(5); }

/* Two back-to-back packets: the second waits for the first (queueing). */
static void test_back_to_back_queueing(void)
{
    link_params_t p = {.rate_bps = 1000000, .delay = SIM_MS(10)};
    pair w = pair_new(1, &p);
    send_burst(w.net, w.a, w.b, 2, 1250); /* 10 ms each at 1 Mbps */
    sim_run(w.sim);
    traffic_sink_stats_t st;
    traffic_sink_stats(w.sink, &st);
    CU_ASSERT_EQUAL(st.packets, 2);
    CU_ASSERT_DOUBLE_EQUAL(st.max_s, 0.030, 1e-12); /* 10 wait + 10 tx + 10 prop */
    CU_ASSERT_DOUBLE_EQUAL(st.mean_s, 0.025, 1e-12);
    link_stats_t ls = dir_stats(w.l, 0);
    CU_ASSERT_EQUAL(ls.tx_pkts, 2);
    CU_ASSERT_EQUAL(ls.rx_pkts, 2);
    CU_ASSERT_EQUAL(ls.tx_bytes, 2500);
    CU_ASSERT_EQUAL(ls.max_queue_pkts, 1);
    CU_ASSERT_DOUBLE_EQUAL(ls.mean_wait_s, 0.005, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ls.utilisation, 0.020 / 0.030, 1e-9);
    pair_free(&w);
}

/* A burst of 20 packets into a queue of 5: 1 on the wire + 5 waiting pass. */
static void test_drop_tail(void)
{
    link_params_t p = {.rate_bps = 1000000, .queue_pkts = 5};
    pair w = pair_new(1, &p);
    send_burst(w.net, w.a, w.b, 20, 100);
    sim_run(w.sim);
    link_stats_t ls = dir_stats(w.l, 0);
    CU_ASSERT_EQUAL(ls.drops_queue, 14);
    CU_ASSERT_EQUAL(ls.rx_pkts, 6);
    CU_ASSERT_EQUAL(ls.max_queue_pkts, 5);
    /* A byte limit: 250 bytes hold two 100-byte packets, not three. */
    link_params_t q = {.rate_bps = 1000000, .queue_bytes = 250};
    node_t *c = net_add_host(w.net, "c", NULL);
    link_t *l2 = net_link(w.net, "l2", w.a, c, &q, NULL, NULL);
    send_burst(w.net, w.a, c, 5, 100);
    sim_run(w.sim);
    ls = dir_stats(l2, 0);
    CU_ASSERT_EQUAL(ls.rx_pkts, 3);
    CU_ASSERT_EQUAL(ls.drops_queue, 2);
    pair_free(&w);
}

static void test_random_loss(void)
{
    link_params_t p = {.rate_bps = 100000000, .loss = 0.1};
    pair w = pair_new(5, &p);
    traffic_poisson_params tp = {.rate_pps = 1000, .mean_bytes = 100, .max_packets = 100000};
    traffic_src_t *src = traffic_poisson_new(w.net, w.a, w.b, &tp, "t", NULL);
    sim_run(w.sim);
    link_stats_t ls = dir_stats(w.l, 0);
    CU_ASSERT_EQUAL(ls.drops_loss + ls.rx_pkts, 100000);
    /* Binomial(1e5, 0.1): sd = 95, so 5% relative is over 5 sd. */
    ASSERT_REL((double)ls.drops_loss, 10000, 0.05);
    traffic_src_free(src);
    pair_free(&w);
}

static void test_down_interval(void)
{
    link_params_t p = {.rate_bps = 8000000, .delay = SIM_MS(1)}; /* 1000 bytes: 1 ms */
    pair w = pair_new(5, &p);
    GError *err = NULL;
    CU_ASSERT_TRUE(link_add_down_interval(w.l, SIM_MS(100), SIM_MS(200), &err));
    CU_ASSERT_FALSE(link_add_down_interval(w.l, SIM_MS(5), SIM_MS(5), &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    /* one packet every 10 ms for 300 ms: those ending tx in [100, 200) ms are lost */
    for (int i = 0; i < 30; i++) {
        sim_run_until(w.sim, SIM_MS(10 * i));
        send_burst(w.net, w.a, w.b, 1, 1000);
    }
    sim_run(w.sim);
    link_stats_t ls = dir_stats(w.l, 0);
    /* sent at 90 ms: tx ends at 91 (up). 100..190 ms: 10 packets end in the
     * interval (the one sent at 99 would, but none is). */
    CU_ASSERT_EQUAL(ls.drops_down, 10);
    CU_ASSERT_EQUAL(ls.rx_pkts, 20);
    pair_free(&w);
}

/*        h1 - r1 - r2 - r3 - h2
 *              \________/        r1-r3 direct: the shortest path is 3 hops. */
static void test_routing_shortest_path(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    GError *err = NULL;
    node_t *h1 = net_add_host(net, "h1", &err), *h2 = net_add_host(net, "h2", &err);
    node_t *r1 = net_add_router(net, "r1", &err), *r2 = net_add_router(net, "r2", &err);
    node_t *r3 = net_add_router(net, "r3", &err);
    node_t *h3 = net_add_host(net, "h3", &err);
    link_params_t p = {.rate_bps = 1000000};
    net_link(net, "h1-r1", h1, r1, &p, NULL, &err);
    net_link(net, "r1-r2", r1, r2, &p, NULL, &err);
    net_link(net, "r2-r3", r2, r3, &p, NULL, &err);
    link_t *direct = net_link(net, "r1-r3", r1, r3, &p, NULL, &err);
    net_link(net, "r3-h2", r3, h2, &p, NULL, &err);
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_EQUAL(net_path_hops(net, h1, h2, &err), 3);
    CU_ASSERT_EQUAL(net_path_hops(net, h2, h1, &err), 3);
    CU_ASSERT_EQUAL(net_path_hops(net, h1, h1, &err), 0);
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, r1, h2), link_dir_from(direct, r1));
    /* h3 is not connected */
    CU_ASSERT_EQUAL(net_path_hops(net, h1, h3, &err), -1);
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_NO_ROUTE));
    g_clear_error(&err);
    /* a packet to h3 is dropped with a trace, not crashed on */
    pkt_t *k = pkt_alloc(net_pool(net), 0);
    k->dst = node_addr(h3);
    CU_ASSERT_FALSE(net_send(net, h1, k));
    /* adding a link recomputes routes */
    net_link(net, "r2-h3", r2, h3, &p, NULL, &err);
    CU_ASSERT_EQUAL(net_path_hops(net, h1, h3, &err), 3);
    net_free(net);
    sim_free(sim);
}

/* Hosts never forward: h1 - hmid - h2 has no route. */
static void test_hosts_do_not_forward(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    node_t *h1 = net_add_host(net, "h1", NULL), *mid = net_add_host(net, "mid", NULL);
    node_t *h2 = net_add_host(net, "h2", NULL);
    link_params_t p = {.rate_bps = 1000000};
    net_link(net, "a", h1, mid, &p, NULL, NULL);
    net_link(net, "b", mid, h2, &p, NULL, NULL);
    GError *err = NULL;
    CU_ASSERT_EQUAL(net_path_hops(net, h1, h2, &err), -1);
    g_clear_error(&err);
    CU_ASSERT_EQUAL(net_path_hops(net, h1, mid, &err), 1);
    net_free(net);
    sim_free(sim);
}

static void test_api_errors(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    sim_t *sim2 = sim_new(1);
    net_t *other = net_new(sim2);
    GError *err = NULL;
    node_t *a = net_add_host(net, "a", &err), *b = net_add_router(net, "b", &err);
    node_t *foreign = net_add_host(other, "x", &err);
    CU_ASSERT_PTR_NULL(net_add_host(net, "a", &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_EXISTS));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "\"a\""));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(net_add_router(net, "", &err));
    g_clear_error(&err);

    link_params_t zero = {.rate_bps = 0};
    CU_ASSERT_PTR_NULL(net_link(net, "l", a, b, &zero, NULL, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "rate"));
    g_clear_error(&err);
    link_params_t neg = {.rate_bps = 1000, .delay = -1};
    CU_ASSERT_PTR_NULL(net_link(net, "l", a, b, &neg, NULL, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "delay"));
    g_clear_error(&err);
    link_params_t lossy = {.rate_bps = 1000, .loss = 1.5};
    CU_ASSERT_PTR_NULL(net_link(net, "l", a, b, &lossy, NULL, &err));
    g_clear_error(&err);
    link_params_t ok = {.rate_bps = 1000};
    CU_ASSERT_PTR_NULL(net_link(net, "l", a, a, &ok, NULL, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "itself"));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(net_link(net, "l", a, foreign, &ok, NULL, &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_NOT_FOUND));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(net_link(net, "l", a, b, &ok, &zero, &err)); /* reverse checked too */
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "reverse"));
    g_clear_error(&err);
    CU_ASSERT_PTR_NOT_NULL(net_link(net, "l", a, b, &ok, NULL, &err));
    CU_ASSERT_PTR_NULL(net_link(net, "l", a, b, &ok, NULL, &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_EXISTS));
    g_clear_error(&err);
    CU_ASSERT_EQUAL(net_path_hops(net, a, foreign, &err), -1);
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_NOT_FOUND));
    g_clear_error(&err);
    CU_ASSERT_PTR_EQUAL(net_node_by_name(net, "b"), b);
    CU_ASSERT_PTR_NULL(net_node_by_name(net, "zz"));
    CU_ASSERT_PTR_NULL(net_node_by_addr(net, 99));
    net_free(other);
    sim_free(sim2);
    net_free(net);
    sim_free(sim);
}

/* Digest of every trace record of a small random network. */
static void digest_rec(void *ctx, const sim_trace_rec *rec)
{
    GChecksum *ck = ctx;
    const pkt_t *p = rec->obj;
    int64_t v[6] = {rec->kind, rec->time, rec->source, rec->reason, (int64_t)rec->bytes,
                    p ? (int64_t)p->id : -1};
    g_checksum_update(ck, (const guchar *)v, sizeof v);
}

static char *run_digest(uint64_t seed)
{
    sim_t *sim = sim_new(seed);
    net_t *net = net_new(sim);
    node_t *a = net_add_host(net, "a", NULL), *b = net_add_host(net, "b", NULL);
    node_t *c = net_add_host(net, "c", NULL), *r = net_add_router(net, "r", NULL);
    link_params_t fast = {.rate_bps = 10000000, .delay = SIM_MS(1), .loss = 0.01};
    link_params_t slow = {.rate_bps = 2000000, .delay = SIM_MS(20), .queue_pkts = 8};
    net_link(net, "a-r", a, r, &fast, NULL, NULL);
    net_link(net, "c-r", c, r, &fast, NULL, NULL);
    net_link(net, "r-b", r, b, &slow, NULL, NULL);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    sim_trace_subscribe(sim_trace(sim), SIM_TR_ALL, digest_rec, ck);
    traffic_sink_t *sink = traffic_sink_new(net);
    traffic_poisson_params tp = {.rate_pps = 150, .sizes = TRAFFIC_SIZE_EXPONENTIAL,
                                 .mean_bytes = 800, .max_packets = 3000};
    traffic_src_t *s1 = traffic_poisson_new(net, a, b, &tp, "a->b", NULL);
    tp.sizes = TRAFFIC_SIZE_PARETO;
    tp.pareto_alpha = 1.5;
    traffic_src_t *s2 = traffic_poisson_new(net, c, b, &tp, "c->b", NULL);
    sim_run(sim);
    char *hex = g_strdup(g_checksum_get_string(ck));
    g_checksum_free(ck);
    traffic_src_free(s1);
    traffic_src_free(s2);
    traffic_sink_free(sink);
    net_free(net);
    sim_free(sim);
    return hex;
}

static void test_determinism(void)
{
    char *a = run_digest(11), *b = run_digest(11), *c = run_digest(12);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_STRING_NOT_EQUAL(a, c);
    g_free(a);
    g_free(b);
    g_free(c);
}

/* A packet to the sending host itself arrives in a later event, same time. */
static void test_local_delivery(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    node_t *a = net_add_host(net, "a", NULL);
    traffic_sink_t *sink = traffic_sink_new(net);
    pkt_t *k = pkt_alloc(net_pool(net), 0);
    k->dst = node_addr(a);
    CU_ASSERT_TRUE(net_send(net, a, k));
    traffic_sink_stats_t st;
    traffic_sink_stats(sink, &st);
    CU_ASSERT_EQUAL(st.packets, 0); /* not synchronous */
    sim_run(sim);
    traffic_sink_stats(sink, &st);
    CU_ASSERT_EQUAL(st.packets, 1);
    CU_ASSERT_EQUAL(sim_now(sim), 0);
    traffic_sink_free(sink);
    net_free(net);
    sim_free(sim);
}

/* Packets still in flight when a run is cut short are reclaimed by net_free. */
static void test_free_mid_flight(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    node_t *a = net_add_host(net, "a", NULL), *b = net_add_host(net, "b", NULL);
    link_params_t p = {.rate_bps = 1000000, .delay = SIM_MS(50)};
    net_link(net, "l", a, b, &p, NULL, NULL);
    for (int i = 0; i < 600; i++) {
        pkt_t *k = pkt_alloc(net_pool(net), 0);
        k->dst = node_addr(b);
        uint8_t bytes[64] = {1};
        pkt_set_payload(k, bytes, sizeof bytes);
        net_send(net, a, k);
    }
    sim_run_until(sim, SIM_MS(60));
    CU_ASSERT_TRUE(net_pool(net)->live > 0);
    net_free(net);
    sim_free(sim);
}

/* Every link direction is found by its trace source; other sources (a
 * source registered apart, one past the last) find none. */
static void test_link_dir_by_trace_source(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    node_t *a = net_add_host(net, "a", NULL), *r = net_add_router(net, "r", NULL);
    node_t *b = net_add_host(net, "b", NULL);
    link_params_t p = {.rate_bps = 1000000};
    link_t *l1 = net_link(net, "l1", a, r, &p, NULL, NULL);
    uint32_t other = sim_trace_source(sim_trace(sim), "not-a-link");
    link_t *l2 = net_link(net, "l2", r, b, &p, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l2);
    link_t *links[] = {l1, l2};
    uint32_t last = 0;
    for (int i = 0; i < 2; i++)
        for (int d = 0; d < 2; d++) {
            link_dir_t *ld = link_dir(links[i], d);
            uint32_t src = link_dir_trace_source(ld);
            CU_ASSERT_PTR_EQUAL(net_link_dir_by_trace_source(net, src), ld);
            last = MAX(last, src);
        }
    CU_ASSERT_PTR_NULL(net_link_dir_by_trace_source(net, other));
    CU_ASSERT_PTR_NULL(net_link_dir_by_trace_source(net, last + 1));
    CU_ASSERT_PTR_NULL(net_link_dir_by_trace_source(net, UINT32_MAX));
    net_free(net);
    sim_free(sim);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_store_and_forward_1_hop),
        TEST(test_store_and_forward_2_hops),
        TEST(test_store_and_forward_5_hops),
        TEST(test_back_to_back_queueing),
        TEST(test_drop_tail),
        TEST(test_random_loss),
        TEST(test_down_interval),
        TEST(test_routing_shortest_path),
        TEST(test_hosts_do_not_forward),
        TEST(test_api_errors),
        TEST(test_determinism),
        TEST(test_local_delivery),
        TEST(test_free_mid_flight),
        TEST(test_link_dir_by_trace_source),
    };
    return test_main("models/net", tests, G_N_ELEMENTS(tests));
}
