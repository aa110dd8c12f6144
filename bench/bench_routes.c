/*
 * bench_routes: building large topologies and routing across them.
 *
 * Two shapes, each at several sizes:
 *
 *   - routes_chain_N: N nodes, a chain of N/10 routers r0 -- r1 -- ... with
 *     nine hosts hanging off each router (h<router>_<k>, one link each).
 *   - routes_dumbbell_P: P pairs, hosts a0..a(P-1) on router L, hosts
 *     b0..b(P-1) on router R, and one L -- R link (2P + 2 nodes).
 *   - routes_mesh_N: N routers on a ring with N random chords and no hosts:
 *     every router is a forwarder, so every destination needs a tree of its
 *     own and routing to many destinations exercises the cache's budget.
 *
 * Figures, per case: the wall time to add every node and link (`build`),
 * the time of the first route (the first net_path_hops after building,
 * which pays for whatever routing prepares), the mean time per route over
 * 1,000 random host pairs (net_path_hops walks the whole path, one next-hop
 * lookup per hop, so a long chain costs its length), the growth of the
 * peak resident size (VmHWM) from just before building, and the route
 * cache's own counters (trees computed, evicted, bytes held at the peak).
 * Pairs are drawn from a named random stream, so two runs do the same work.
 */
#include "bench.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/net.h"
#include "sim/sim_rng.h"

#define ROUTE_PAIRS 1000
#define HOSTS_PER_ROUTER 9

/* A failure to build is a bug in this file: say why and quit. */
static void check(const char *bench, GError *err)
{
    if (!err)
        return;
    fprintf(stderr, "appsim-bench: %s: %s\n", bench, err->message);
    exit(1);
}

/* One "Vm...:" line of /proc/self/status, in KiB; 0 where there is none. */
static uint64_t proc_status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    uint64_t v = 0;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            v = g_ascii_strtoull(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

typedef struct {
    const char *name;
    GPtrArray *hosts; /* of node_t*: the ends of the random pairs */
    int64_t t0;       /* wall time at the start of building */
    uint64_t rss0;    /* VmRSS before building, KiB */
} bench_run;

static void run_begin(bench_run *r, const char *name)
{
    r->name = name;
    r->hosts = g_ptr_array_new();
    bench_reset_peak_rss();
    r->rss0 = proc_status_kib("VmRSS");
    r->t0 = bench_wall_us();
}

/* Times the first route and ROUTE_PAIRS random ones, prints the figures. */
static void run_end(bench_run *r, net_t *net)
{
    char fig[96];
    int64_t built = bench_wall_us();
    g_snprintf(fig, sizeof fig, "%s_nodes", r->name);
    bench_figure(fig, net_node_count(net), "nodes");
    g_snprintf(fig, sizeof fig, "%s_build_us", r->name);
    bench_figure(fig, (uint64_t)(built - r->t0), "us");

    GError *err = NULL;
    node_t *first = g_ptr_array_index(r->hosts, 0);
    node_t *last = g_ptr_array_index(r->hosts, r->hosts->len - 1);
    int64_t t = bench_wall_us();
    int hops = net_path_hops(net, first, last, &err);
    check(r->name, err);
    g_assert(hops > 0);
    g_snprintf(fig, sizeof fig, "%s_first_route_us", r->name);
    bench_figure(fig, (uint64_t)(bench_wall_us() - t), "us");

    sim_rng_t rng;
    sim_rng_init(&rng, BENCH_SEED, "bench:routes:pairs");
    uint64_t total_hops = 0;
    t = bench_wall_us();
    for (int i = 0; i < ROUTE_PAIRS; i++) {
        node_t *a = g_ptr_array_index(r->hosts, sim_rng_below(&rng, r->hosts->len));
        node_t *b = g_ptr_array_index(r->hosts, sim_rng_below(&rng, r->hosts->len));
        int h = net_path_hops(net, a, b, &err);
        check(r->name, err);
        total_hops += (uint64_t)h;
    }
    int64_t wall = bench_wall_us() - t;
    g_snprintf(fig, sizeof fig, "%s_route_ns", r->name);
    bench_figure(fig, (uint64_t)(wall * 1000 / ROUTE_PAIRS), "ns/route");
    g_snprintf(fig, sizeof fig, "%s_route_hops", r->name);
    bench_figure(fig, total_hops / ROUTE_PAIRS, "hops/route");

    net_route_stats_t rs;
    net_route_stats(net, &rs);
    g_snprintf(fig, sizeof fig, "%s_trees_built", r->name);
    bench_figure(fig, rs.built, "trees");
    g_snprintf(fig, sizeof fig, "%s_trees_evicted", r->name);
    bench_figure(fig, rs.evicted, "trees");
    g_snprintf(fig, sizeof fig, "%s_route_cache_peak", r->name);
    bench_figure(fig, rs.peak_bytes, "bytes");
    g_snprintf(fig, sizeof fig, "%s_route_graph", r->name);
    bench_figure(fig, rs.graph_bytes, "bytes");

    uint64_t hwm = proc_status_kib("VmHWM");
    g_snprintf(fig, sizeof fig, "%s_peak_rss_growth", r->name);
    bench_figure(fig, hwm > r->rss0 ? hwm - r->rss0 : 0, "KiB");
    g_ptr_array_free(r->hosts, TRUE);
}

static void chain(const char *name, uint32_t nodes)
{
    bench_run r;
    run_begin(&r, name);
    sim_t *sim = sim_new(BENCH_SEED);
    net_t *net = net_new(sim);
    const link_params_t p = {.rate_bps = 1000000000, .delay = SIM_US(10)};
    GError *err = NULL;
    char nm[48];
    node_t *prev = NULL;
    for (uint32_t i = 0; i < nodes / (HOSTS_PER_ROUTER + 1); i++) {
        g_snprintf(nm, sizeof nm, "r%u", i);
        node_t *rt = net_add_router(net, nm, &err);
        check(name, err);
        if (prev) {
            g_snprintf(nm, sizeof nm, "r%u-r%u", i - 1, i);
            net_link(net, nm, prev, rt, &p, NULL, &err);
            check(name, err);
        }
        for (int k = 0; k < HOSTS_PER_ROUTER; k++) {
            g_snprintf(nm, sizeof nm, "h%u_%d", i, k);
            node_t *h = net_add_host(net, nm, &err);
            check(name, err);
            g_snprintf(nm, sizeof nm, "h%u_%d-r%u", i, k, i);
            net_link(net, nm, h, rt, &p, NULL, &err);
            check(name, err);
            g_ptr_array_add(r.hosts, h);
        }
        prev = rt;
    }
    run_end(&r, net);
    net_free(net);
    sim_free(sim);
}

static void dumbbell(const char *name, uint32_t pairs)
{
    bench_run r;
    run_begin(&r, name);
    sim_t *sim = sim_new(BENCH_SEED);
    net_t *net = net_new(sim);
    const link_params_t p = {.rate_bps = 1000000000, .delay = SIM_MS(1)};
    GError *err = NULL;
    node_t *left = net_add_router(net, "L", &err), *right = net_add_router(net, "R", &err);
    check(name, err);
    net_link(net, "bottleneck", left, right, &p, NULL, &err);
    check(name, err);
    char nm[48];
    for (uint32_t i = 0; i < pairs; i++) {
        for (int side = 0; side < 2; side++) {
            g_snprintf(nm, sizeof nm, "%c%u", side ? 'b' : 'a', i);
            node_t *h = net_add_host(net, nm, &err);
            check(name, err);
            g_snprintf(nm, sizeof nm, "%c%u-%c", side ? 'b' : 'a', i, side ? 'R' : 'L');
            net_link(net, nm, h, side ? right : left, &p, NULL, &err);
            check(name, err);
            g_ptr_array_add(r.hosts, h);
        }
    }
    run_end(&r, net);
    net_free(net);
    sim_free(sim);
}

static void mesh(const char *name, uint32_t routers)
{
    bench_run r;
    run_begin(&r, name);
    sim_t *sim = sim_new(BENCH_SEED);
    net_t *net = net_new(sim);
    const link_params_t p = {.rate_bps = 1000000000, .delay = SIM_US(10)};
    GError *err = NULL;
    char nm[48];
    GPtrArray *all = g_ptr_array_new();
    for (uint32_t i = 0; i < routers; i++) {
        g_snprintf(nm, sizeof nm, "r%u", i);
        g_ptr_array_add(all, net_add_router(net, nm, &err));
        check(name, err);
    }
    for (uint32_t i = 0; i < routers; i++) {
        g_snprintf(nm, sizeof nm, "ring%u", i);
        net_link(net, nm, all->pdata[i], all->pdata[(i + 1) % routers], &p, NULL, &err);
        check(name, err);
    }
    sim_rng_t rng;
    sim_rng_init(&rng, BENCH_SEED, "bench:routes:chords");
    for (uint32_t i = 0; i < routers; i++) {
        uint32_t a = (uint32_t)sim_rng_below(&rng, routers), b = (uint32_t)sim_rng_below(&rng, routers);
        if (a == b)
            continue;
        g_snprintf(nm, sizeof nm, "chord%u", i);
        net_link(net, nm, all->pdata[a], all->pdata[b], &p, NULL, &err);
        check(name, err);
    }
    g_ptr_array_extend_and_steal(r.hosts, all);
    run_end(&r, net);
    net_free(net);
    sim_free(sim);
}

void bench_routes_chain_1000(void) { chain("routes_chain_1000", 1000); }
void bench_routes_chain_10000(void) { chain("routes_chain_10000", 10000); }
void bench_routes_chain_100000(void) { chain("routes_chain_100000", 100000); }
void bench_routes_dumbbell_1000(void) { dumbbell("routes_dumbbell_1000", 1000); }
void bench_routes_dumbbell_3000(void) { dumbbell("routes_dumbbell_3000", 3000); }
void bench_routes_dumbbell_50000(void) { dumbbell("routes_dumbbell_50000", 50000); }
void bench_routes_mesh_100000(void) { mesh("routes_mesh_100000", 100000); }
