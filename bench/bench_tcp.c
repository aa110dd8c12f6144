/*
 * bench_tcp: a dumbbell of TCP flows, the benchmark of the transport.
 *
 * 100 client hosts and 100 server hosts, each on its own 1 Gbps / 1 ms
 * access link, the two sides joined by two routers and a 100 Mbps / 10 ms
 * (one way) bottleneck with a 100-packet drop-tail queue. Client i opens
 * one persistent connection to server i at time 0 and fetches 50 objects
 * of 100,000 bytes one after the other (a 100-byte request, the next when
 * the previous response is complete). TCP: Reno, MSS 1448, initial window
 * 10, length-only payloads. This is the set-up ns-3 3.37 runs in 37.9 s of
 * wall time for 43.1 simulated seconds, 4.0 million events and 25.4 MB of
 * peak memory on this kind of machine.
 *
 * Figures: wall time, simulated time to the last byte, events executed,
 * packets across the bottleneck (both directions), peak memory.
 */
#include "bench.h"

#include <glib.h>

#include "models/reqresp.h"
#include "models/tcp.h"

#define PAIRS 100

static void check(gboolean ok, GError *err)
{
    if (!ok) {
        g_printerr("bench: %s\n", err ? err->message : "setup failed");
        g_assert_not_reached();
    }
}

void bench_dumbbell(void)
{
    bench_reset_peak_rss();
    int64_t start = bench_wall_us();
    GError *err = NULL;
    sim_t *sim = sim_new(BENCH_SEED);
    net_t *net = net_new(sim);
    node_t *left = net_add_router(net, "left", &err);
    node_t *right = net_add_router(net, "right", &err);
    link_params_t core = {.rate_bps = 100000000, .delay = SIM_MS(10), .queue_pkts = 100};
    link_t *bottleneck = net_link(net, "bottleneck", left, right, &core, NULL, &err);
    check(bottleneck != NULL, err);
    link_params_t access = {.rate_bps = 1000000000, .delay = SIM_MS(1)};
    node_t *clients[PAIRS], *servers[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        char name[32];
        g_snprintf(name, sizeof name, "c%d", i);
        clients[i] = net_add_host(net, name, &err);
        g_snprintf(name, sizeof name, "s%d", i);
        servers[i] = net_add_host(net, name, &err);
        g_snprintf(name, sizeof name, "ca%d", i);
        check(net_link(net, name, clients[i], left, &access, NULL, &err) != NULL, err);
        g_snprintf(name, sizeof name, "sa%d", i);
        check(net_link(net, name, servers[i], right, &access, NULL, &err) != NULL, err);
    }
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = TCP_CC_RENO;
    p.mss = 1448;
    p.init_cwnd = 10;
    tcp_stack_t *tcp = tcp_stack_new(net, &p);
    rr_spec spec = {.req_bytes = 100, .resp_bytes = 100000, .requests = 50};
    static rr_server srv[PAIRS];
    static rr_client cl[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        check(rr_server_listen(&srv[i], tcp, servers[i], 80, NULL, &spec, &err), err);
        check(rr_client_start(&cl[i], tcp, clients[i], servers[i], 80, NULL, &spec, &err), err);
    }
    sim_run(sim);
    int64_t wall = bench_wall_us() - start;

    sim_time_t last = 0;
    int complete = 0;
    for (int i = 0; i < PAIRS; i++) {
        if (cl[i].t_last > last)
            last = cl[i].t_last;
        complete += cl[i].done == spec.requests;
    }
    g_assert(complete == PAIRS);
    link_stats_t a, b;
    link_dir_stats(link_dir(bottleneck, 0), &a);
    link_dir_stats(link_dir(bottleneck, 1), &b);
    bench_figure("dumbbell_wall_ms", (uint64_t)(wall / 1000), "ms");
    bench_figure("dumbbell_sim_ms", (uint64_t)(last / 1000000), "ms");
    bench_figure("dumbbell_events", sim_events_executed(sim), "events");
    bench_figure("dumbbell_bottleneck_packets", a.tx_pkts + b.tx_pkts, "packets");
    bench_figure("dumbbell_bottleneck_drops", a.drops_queue + b.drops_queue, "packets");
    bench_figure("dumbbell_events_per_s", bench_per_s(sim_events_executed(sim), wall), "events/s");
    bench_figure("dumbbell_peak_rss", bench_peak_rss_kib(), "KiB");

    tcp_stack_free(tcp);
    for (int i = 0; i < PAIRS; i++) {
        rr_server_clear(&srv[i]);
        rr_client_clear(&cl[i]);
    }
    net_free(net);
    sim_free(sim);
}
