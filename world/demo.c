/* demo: runs the single-queue cases and prints them beside the theory. */
#include "demo.h"

#include <glib.h>
#include <math.h>

#include "models/net.h"
#include "models/queueing.h"

typedef struct {
    const char *name;
    traffic_size_dist sizes;
    double rho;
    uint32_t queue_pkts;
} demo_case;

static double rel_err(double sim, double theory) { return 100.0 * (sim - theory) / theory; }

/* One packet of `bytes` over a chain of `hops` links: simulated arrival
 * time against sum(L/R_i + d_i). */
static void hop_row(FILE *out, int hops)
{
    static const uint64_t rates[] = {10000000, 1540000, 100000000, 2000000, 54000000};
    static const int delays_us[] = {5000, 12000, 100, 40000, 2500};
    const uint32_t bytes = 1500;
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    node_t *prev = net_add_host(net, "a", NULL);
    node_t *first = prev;
    double theory = 0;
    for (int i = 0; i < hops; i++) {
        char name[32];
        g_snprintf(name, sizeof name, i == hops - 1 ? "b" : "r%d", i);
        node_t *next = i == hops - 1 ? net_add_host(net, name, NULL) : net_add_router(net, name, NULL);
        link_params_t p = {.rate_bps = rates[i], .delay = SIM_US(delays_us[i])};
        g_snprintf(name, sizeof name, "l%d", i);
        net_link(net, name, prev, next, &p, NULL, NULL);
        theory += bytes * 8.0 / (double)rates[i] + delays_us[i] * 1e-6;
        prev = next;
    }
    traffic_sink_t *sink = traffic_sink_new(net);
    pkt_t *p = pkt_alloc(net_pool(net), 0);
    p->dst = node_addr(prev);
    pkt_set_payload(p, NULL, bytes);
    net_send(net, first, p);
    sim_run(sim);
    traffic_sink_stats_t st;
    traffic_sink_stats(sink, &st);
    fprintf(out, "  %d hop%s  %12.6f ms  %12.6f ms  %+9.6f%%\n", hops, hops == 1 ? " " : "s",
            st.mean_s * 1e3, theory * 1e3, rel_err(st.mean_s, theory));
    traffic_sink_free(sink);
    net_free(net);
    sim_free(sim);
}

int demo_queueing(FILE *out, uint64_t seed, uint64_t packets)
{
    static const demo_case cases[] = {
        {"M/M/1", TRAFFIC_SIZE_EXPONENTIAL, 0.5, 0},
        {"M/M/1", TRAFFIC_SIZE_EXPONENTIAL, 0.8, 0},
        {"M/D/1", TRAFFIC_SIZE_FIXED, 0.5, 0},
        {"M/D/1", TRAFFIC_SIZE_FIXED, 0.8, 0},
        {"M/M/1/11", TRAFFIC_SIZE_EXPONENTIAL, 0.9, 10},
    };
    const uint64_t rate = 10000000;
    const double mean = 1250;
    fprintf(out,
            "appsim queueing demo: one 10 Mbps link fed by Poisson arrivals, mean packet 1250 "
            "bytes,\n%llu packets per case, seed %llu. T is the mean time in system "
            "(queueing + transmission).\n\n",
            (unsigned long long)packets, (unsigned long long)seed);
    fprintf(out, "  %-9s %5s  %10s %10s %8s  %8s %8s  %8s %8s\n", "model", "load", "T sim",
            "T theory", "error", "util sim", "theory", "drop sim", "theory");
    fprintf(out, "  %-9s %5s  %10s %10s %8s  %8s %8s  %8s %8s\n", "", "", "(ms)", "(ms)", "", "",
            "", "", "");
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const demo_case *c = &cases[i];
        qexp_params p = {.seed = seed,
                         .rate_bps = rate,
                         .rho = c->rho,
                         .sizes = c->sizes,
                         .mean_bytes = mean,
                         .queue_pkts = c->queue_pkts,
                         .packets = packets,
                         .warmup_packets = packets / 100};
        qexp_result r;
        GError *err = NULL;
        if (!qexp_run(&p, &r, &err)) {
            fprintf(stderr, "appsim: %s\n", err->message);
            g_error_free(err);
            return 1;
        }
        fprintf(out, "  %-9s %5.2f  %10.4f %10.4f %+7.2f%%  %8.4f %8.4f  ", c->name, c->rho,
                r.time_s * 1e3, r.time_theory_s * 1e3, rel_err(r.time_s, r.time_theory_s), r.util,
                r.util_theory);
        if (c->queue_pkts)
            fprintf(out, "%8.4f %8.4f\n", r.drop, r.drop_theory);
        else
            fprintf(out, "%8s %8s\n", "-", "-");
    }
    fprintf(out, "\n  M/M/1/11: a queue of 10 waiting packets plus the one in transmission.\n");
    fprintf(out, "\nStore-and-forward: one 1500-byte packet over a chain of links, arrival time "
                 "against sum(L/R_i + d_i):\n\n");
    fprintf(out, "  %-6s  %15s  %15s  %10s\n", "path", "simulated", "theory", "error");
    hop_row(out, 1);
    hop_row(out, 2);
    hop_row(out, 5);
    return 0;
}
