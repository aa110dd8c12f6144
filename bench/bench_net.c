/*
 * bench_net: packets through a chain of ten routers at full load.
 *
 *     a -- r1 -- r2 -- ... -- r10 -- b
 *
 * Eleven links of 1 Gbps, 10 us of propagation delay and a drop-tail queue
 * of 1000 packets each. A Poisson source at host a sends fixed 1460-byte
 * payloads with 40 header bytes (1500 bytes, 12 us on the wire) to host b
 * at 95% of the link rate; a traffic sink takes them there. The first link
 * queues (an M/D/1 system at rho = 0.95); the others see packets already
 * spaced by at least one transmission time, so they forward without
 * waiting. Every packet makes 11 hops, and each hop is two events (end of
 * transmission, arrival), plus one event per packet at the source.
 *
 * After an untimed warm-up the simulation runs for a fixed simulated time
 * (a few million packet-hops), and the figures are rates per wall second
 * over that run: packets delivered to b, link arrivals (packet-hops) and
 * engine events. The peak resident size is measured from just before the
 * network is built (when the platform lets us lower the mark).
 */
#include "bench.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/net.h"
#include "models/traffic.h"

#define CHAIN_ROUTERS 10
#define CHAIN_RATE_BPS UINT64_C(1000000000)
#define CHAIN_PAYLOAD 1460
#define CHAIN_HEADER 40
#define CHAIN_RHO 0.95
#define CHAIN_WARMUP SIM_MS(200)
#define CHAIN_RUN SIM_S(5)

/* A failure to build the network is a bug in this file: say why and quit. */
static void check(GError *err)
{
    if (!err)
        return;
    fprintf(stderr, "appsim-bench: chain10: %s\n", err->message);
    exit(1);
}

/* Builds a -- r1 -- ... -- r10 -- b in `net`; returns a and b. */
static void build_chain(net_t *net, node_t **a, node_t **b)
{
    const link_params_t p = {.rate_bps = CHAIN_RATE_BPS, .delay = SIM_US(10), .queue_pkts = 1000};
    GError *err = NULL;
    node_t *prev = net_add_host(net, "a", &err);
    check(err);
    *a = prev;
    for (int i = 0; i <= CHAIN_ROUTERS; i++) {
        char name[16];
        node_t *next;
        if (i < CHAIN_ROUTERS) {
            g_snprintf(name, sizeof name, "r%d", i + 1);
            next = net_add_router(net, name, &err);
        } else {
            next = net_add_host(net, "b", &err);
        }
        check(err);
        g_snprintf(name, sizeof name, "l%d", i);
        net_link(net, name, prev, next, &p, NULL, &err);
        check(err);
        prev = next;
    }
    *b = prev;
}

/* Starts the statistics of every link direction afresh. */
static void reset_links(net_t *net)
{
    for (uint32_t i = 0; i < net_link_count(net); i++)
        for (int dir = 0; dir < 2; dir++)
            link_dir_reset_stats(link_dir(net_link_at(net, i), dir));
}

/* Packets that arrived over any link since the last reset_links(). */
static uint64_t link_arrivals(net_t *net)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < net_link_count(net); i++) {
        for (int dir = 0; dir < 2; dir++) {
            link_stats_t st;
            link_dir_stats(link_dir(net_link_at(net, i), dir), &st);
            sum += st.rx_pkts;
        }
    }
    return sum;
}

static uint64_t delivered(const traffic_sink_t *sink)
{
    traffic_sink_stats_t st;
    traffic_sink_stats(sink, &st);
    return st.packets;
}

void bench_chain10(void)
{
    bench_reset_peak_rss();
    sim_t *sim = sim_new(BENCH_SEED);
    net_t *net = net_new(sim);
    node_t *a, *b;
    build_chain(net, &a, &b);

    const traffic_poisson_params tp = {
        .rate_pps = CHAIN_RHO * (double)CHAIN_RATE_BPS / ((CHAIN_PAYLOAD + CHAIN_HEADER) * 8.0),
        .sizes = TRAFFIC_SIZE_FIXED,
        .mean_bytes = CHAIN_PAYLOAD,
        .hdr_bytes = CHAIN_HEADER,
    };
    GError *err = NULL;
    traffic_sink_t *sink = traffic_sink_new(net);
    traffic_src_t *src = traffic_poisson_new(net, a, b, &tp, "bench:chain10", &err);
    check(err);

    sim_run_until(sim, CHAIN_WARMUP);
    reset_links(net);
    uint64_t packets0 = delivered(sink);
    uint64_t events0 = sim_events_executed(sim);

    int64_t start = bench_wall_us();
    sim_run_until(sim, CHAIN_WARMUP + CHAIN_RUN);
    int64_t wall = bench_wall_us() - start;

    uint64_t packets = delivered(sink) - packets0;
    uint64_t hops = link_arrivals(net);
    uint64_t events = sim_events_executed(sim) - events0;
    /* Every delivered packet crossed all eleven links, so hops come to about
     * eleven per packet (give or take the packets in flight at either end
     * of the run): a sanity check that the chain carried the load. */
    g_assert(packets > 0);
    g_assert(hops > packets * CHAIN_ROUTERS && hops < packets * (CHAIN_ROUTERS + 2));

    bench_figure("chain10_packets_per_s", bench_per_s(packets, wall), "packets/s");
    bench_figure("chain10_packet_hops_per_s", bench_per_s(hops, wall), "hops/s");
    bench_figure("chain10_events_per_s", bench_per_s(events, wall), "events/s");
    bench_figure("chain10_peak_rss", bench_peak_rss_kib(), "KiB");

    traffic_src_free(src);
    traffic_sink_free(sink);
    net_free(net);
    sim_free(sim);
}
