/* Tests of routing in models/net: the routes computed per destination and
 * cached are exactly those of the all-pairs table net.c used to build (kept
 * here as a reference), on random topologies with ties, across topology
 * changes and cache evictions; a network of 100,000 nodes routes within
 * the cache's budget; the size limits; and determinism of a run whose
 * cache evicts. */
#include <glib.h>
#include <string.h>

#include "models/net.h"
#include "models/traffic.h"
#include "sim/sim_rng.h"
#include "sim/sim_trace.h"
#include "test_util.h"

/* ---- the reference: the old all-pairs algorithm, through the public API ---- */

/* Each node's interfaces as net.c keeps them: the directions leaving it, in
 * link creation order. O(N + L). */
static GPtrArray **ref_ifaces(net_t *net)
{
    uint32_t n = net_node_count(net);
    GPtrArray **ifaces = g_new(GPtrArray *, n);
    for (uint32_t i = 0; i < n; i++)
        ifaces[i] = g_ptr_array_new();
    for (uint32_t i = 0; i < net_link_count(net); i++) {
        link_t *l = net_link_at(net, i);
        for (int d = 0; d < 2; d++)
            g_ptr_array_add(ifaces[node_addr(link_dir_src(link_dir(l, d)))], link_dir(l, d));
    }
    return ifaces;
}

static void ref_ifaces_free(GPtrArray **ifaces, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        g_ptr_array_free(ifaces[i], TRUE);
    g_free(ifaces);
}

/* One destination's column of the old next-hop table, computed as the old
 * net_compute_routes did: a breadth-first search backwards from `dst`,
 * expanding only routers and dst, neighbours in interface order; col[u] is
 * u's interface index towards dst, -1 for none, -2 for dst itself. */
static void ref_column(net_t *net, GPtrArray **ifaces, uint32_t dst, int32_t *col, uint32_t *fifo)
{
    uint32_t n = net_node_count(net);
    for (uint32_t i = 0; i < n; i++)
        col[i] = -1;
    col[dst] = -2;
    uint32_t qh = 0, qt = 0;
    fifo[qt++] = dst;
    while (qh < qt) {
        uint32_t v = fifo[qh++];
        if (v != dst && node_get_kind(net_node_by_addr(net, v)) != NODE_ROUTER)
            continue;
        for (guint k = 0; k < ifaces[v]->len; k++) {
            link_dir_t *out = g_ptr_array_index(ifaces[v], k);
            uint32_t u = node_addr(link_dir_dst(out));
            if (col[u] != -1)
                continue;
            link_dir_t *back = link_dir_from(link_dir_link(out), link_dir_dst(out));
            for (guint j = 0; j < ifaces[u]->len; j++)
                if (g_ptr_array_index(ifaces[u], j) == back)
                    col[u] = (int32_t)j;
            fifo[qt++] = u;
        }
    }
}

/* The old table: [to * n + from]. O(N (N + L)) time, N^2 entries. */
static int32_t *ref_table(net_t *net, GPtrArray **ifaces)
{
    uint32_t n = net_node_count(net);
    int32_t *t = g_new(int32_t, (gsize)n * n + 1);
    uint32_t *fifo = g_new(uint32_t, n + 1);
    for (uint32_t dst = 0; dst < n; dst++)
        ref_column(net, ifaces, dst, t + (gsize)dst * n, fifo);
    g_free(fifo);
    return t;
}

static link_dir_t *ref_hop(GPtrArray **ifaces, const int32_t *col, uint32_t from)
{
    return col[from] >= 0 ? g_ptr_array_index(ifaces[from], col[from]) : NULL;
}

/* Compares net_next_hop with the reference for every pair, in an order
 * drawn from `rng` (so that the cache is filled in a scrambled order).
 * Returns the number of pairs that differ. */
static int compare_all_pairs(net_t *net, sim_rng_t *rng)
{
    uint32_t n = net_node_count(net);
    GPtrArray **ifaces = ref_ifaces(net);
    int32_t *table = ref_table(net, ifaces);
    uint32_t *order = g_new(uint32_t, n);
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    for (uint32_t i = n; i > 1; i--) { /* Fisher-Yates */
        uint32_t j = (uint32_t)sim_rng_below(rng, i), tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
    int bad = 0;
    for (uint32_t a = 0; a < n; a++) {
        for (uint32_t b = 0; b < n; b++) {
            uint32_t to = order[a], from = order[(a + b) % n];
            link_dir_t *got = net_next_hop(net, net_node_by_addr(net, from), net_node_by_addr(net, to));
            link_dir_t *want = ref_hop(ifaces, table + (gsize)to * n, from);
            if (got != want && bad++ < 5)
                fprintf(stderr, "route %s -> %s: got %s, want %s\n",
                        node_name(net_node_by_addr(net, from)), node_name(net_node_by_addr(net, to)),
                        got ? link_name(link_dir_link(got)) : "none",
                        want ? link_name(link_dir_link(want)) : "none");
        }
    }
    g_free(order);
    g_free(table);
    ref_ifaces_free(ifaces, n);
    return bad;
}

/* ---- random topologies ---------------------------------------------------------- */

static const link_params_t plain = {.rate_bps = 1000000};

/* Adds `n` nodes (routers with probability `p_router`) and `m` links between
 * random distinct nodes (parallel links allowed), with names prefixed by
 * `tag` so that a topology can grow. */
static void grow_random(net_t *net, sim_rng_t *rng, const char *tag, uint32_t n, uint32_t m,
                        double p_router)
{
    char name[64];
    for (uint32_t i = 0; i < n; i++) {
        g_snprintf(name, sizeof name, "%sn%u", tag, i);
        node_t *x = sim_rng_bernoulli(rng, p_router) ? net_add_router(net, name, NULL)
                                                     : net_add_host(net, name, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    }
    uint32_t total = net_node_count(net);
    if (total < 2)
        return;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t a = (uint32_t)sim_rng_below(rng, total), b = (uint32_t)sim_rng_below(rng, total);
        if (a == b)
            continue;
        g_snprintf(name, sizeof name, "%sl%u", tag, i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(net_link(net, name, net_node_by_addr(net, a),
                                              net_node_by_addr(net, b), &plain, NULL, NULL));
    }
}

/* 200 random graphs of 2 to 60 nodes: sparse and dense, few and many
 * routers, leaves on hosts and on routers, multi-homed and isolated hosts,
 * parallel links; many equal-length paths, so ties decide. Each is compared
 * pair by pair, then grown (which must invalidate the cached routes) and
 * compared again. */
static void test_routes_match_reference(void)
{
    sim_rng_t rng;
    sim_rng_init(&rng, 42, "test:routes:graphs");
    int bad = 0;
    uint64_t built = 0;
    for (int g = 0; g < 200 && bad == 0; g++) {
        sim_t *sim = sim_new(1);
        net_t *net = net_new(sim);
        uint32_t n = 2 + (uint32_t)sim_rng_below(&rng, 59);
        uint32_t m = (uint32_t)sim_rng_below(&rng, 3 * n + 1);
        double p_router = 0.1 + 0.8 * sim_rng_unit(&rng);
        grow_random(net, &rng, "", n, m, p_router);
        /* Leaf hosts on random nodes: the common shape of a scenario. */
        uint32_t leaves = (uint32_t)sim_rng_below(&rng, n + 1);
        char name[32];
        for (uint32_t i = 0; i < leaves; i++) {
            g_snprintf(name, sizeof name, "leaf%u", i);
            node_t *h = net_add_host(net, name, NULL);
            node_t *at = net_node_by_addr(net, (uint32_t)sim_rng_below(&rng, n));
            g_snprintf(name, sizeof name, "leaf%u-link", i);
            net_link(net, name, h, at, &plain, NULL, NULL);
        }
        bad += compare_all_pairs(net, &rng);
        uint32_t more_nodes = (uint32_t)sim_rng_below(&rng, 5);
        grow_random(net, &rng, "more", more_nodes, 1 + (uint32_t)sim_rng_below(&rng, n), p_router);
        bad += compare_all_pairs(net, &rng);
        net_route_stats_t st;
        net_route_stats(net, &st);
        built += st.built;
        CU_ASSERT_TRUE(st.bytes <= st.limit_bytes);
        net_free(net);
        sim_free(sim);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_TRUE(built > 1000); /* the comparisons did compute trees */
}

/* Hop counts and unreachable pairs agree with the reference too. */
static void test_path_hops_match_reference(void)
{
    sim_rng_t rng;
    sim_rng_init(&rng, 7, "test:routes:hops");
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    grow_random(net, &rng, "", 80, 120, 0.6);
    uint32_t n = net_node_count(net);
    GPtrArray **ifaces = ref_ifaces(net);
    int32_t *table = ref_table(net, ifaces);
    int bad = 0, unreachable = 0;
    for (uint32_t a = 0; a < n; a++) {
        for (uint32_t b = 0; b < n; b++) {
            int want = 0;
            for (uint32_t at = a; at != b && want >= 0;) {
                link_dir_t *d = ref_hop(ifaces, table + (gsize)b * n, at);
                want = d ? want + 1 : -1;
                at = d ? node_addr(link_dir_dst(d)) : at;
            }
            GError *err = NULL;
            int got = net_path_hops(net, net_node_by_addr(net, a), net_node_by_addr(net, b), &err);
            bad += got != want;
            unreachable += got < 0;
            CU_ASSERT_TRUE(got >= 0 ? err == NULL : g_error_matches(err, NET_ERROR, NET_ERROR_NO_ROUTE));
            g_clear_error(&err);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_TRUE(unreachable > 0 && unreachable < (int)(n * n));
    g_free(table);
    ref_ifaces_free(ifaces, n);
    net_free(net);
    sim_free(sim);
}

/* The corner cases the leaves' shortcut must get right, by hand:
 *
 *   ha - r1 ===== r2 - hb      (two parallel links r1 = r2, the first wins)
 *         |        |
 *        hm ------ +           (hm: a host on r1 and r2, never forwarding)
 *   hx - hy                    (a leaf on a leaf: only hy reaches hx)
 *   hz                         (isolated)
 */
static void test_routes_corner_cases(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    node_t *ha = net_add_host(net, "ha", NULL), *hb = net_add_host(net, "hb", NULL);
    node_t *r1 = net_add_router(net, "r1", NULL), *r2 = net_add_router(net, "r2", NULL);
    node_t *hm = net_add_host(net, "hm", NULL), *hx = net_add_host(net, "hx", NULL);
    node_t *hy = net_add_host(net, "hy", NULL), *hz = net_add_host(net, "hz", NULL);
    net_link(net, "ha-r1", ha, r1, &plain, NULL, NULL);
    link_t *p1 = net_link(net, "r1-r2:1", r1, r2, &plain, NULL, NULL);
    net_link(net, "r1-r2:2", r2, r1, &plain, NULL, NULL);
    link_t *hb_r2 = net_link(net, "hb-r2", hb, r2, &plain, NULL, NULL);
    link_t *m1 = net_link(net, "hm-r1", hm, r1, &plain, NULL, NULL);
    net_link(net, "hm-r2", hm, r2, &plain, NULL, NULL);
    link_t *xy = net_link(net, "hx-hy", hx, hy, &plain, NULL, NULL);
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, ha, hb), link_dir(net_link_by_name(net, "ha-r1"), 0));
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, r1, hb), link_dir(p1, 0));
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, r2, hb), link_dir(hb_r2, 1));
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, r2, ha), link_dir(p1, 1));
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, hm, hb), link_dir(net_link_by_name(net, "hm-r2"), 0));
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, hm, ha), link_dir(m1, 0));
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, ha, hm), link_dir(net_link_by_name(net, "ha-r1"), 0));
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, r1, hm), link_dir(m1, 1));
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, hy, hx), link_dir(xy, 1));
    CU_ASSERT_PTR_EQUAL(net_next_hop(net, hx, hy), link_dir(xy, 0));
    CU_ASSERT_PTR_NULL(net_next_hop(net, ha, hx));
    CU_ASSERT_PTR_NULL(net_next_hop(net, hx, ha));
    CU_ASSERT_PTR_NULL(net_next_hop(net, ha, hz));
    CU_ASSERT_PTR_NULL(net_next_hop(net, hz, ha));
    CU_ASSERT_PTR_NULL(net_next_hop(net, ha, ha));
    CU_ASSERT_EQUAL(net_path_hops(net, ha, hb, NULL), 3);
    /* Leaves share their router's tree: routing to ha, hb, hm and hz took
     * the trees of r1, r2, hm and hz only (an isolated node is a forwarder
     * of its own, whose tree reaches nobody). */
    net_route_stats_t st;
    net_route_stats(net, &st);
    CU_ASSERT_EQUAL(st.trees, 4);
    CU_ASSERT_EQUAL(st.forwarders, 4); /* r1, r2, hm, hz */
    /* hx gains a second link: it is no leaf any more, and the cache starts
     * afresh. */
    net_link(net, "hx-r1", hx, r1, &plain, NULL, NULL);
    CU_ASSERT_EQUAL(net_path_hops(net, ha, hx, NULL), 2);
    CU_ASSERT_EQUAL(net_path_hops(net, hy, hb, NULL), -1); /* hx does not forward */
    net_route_stats(net, &st);
    CU_ASSERT_EQUAL(st.forwarders, 5);
    net_free(net);
    sim_free(sim);
}

/* ---- large networks and the cache's budget ----------------------------------------- */

/* 100,000 nodes: 20,000 routers on a ring with 20,000 random chords, four
 * leaf hosts on each. Routes between a few hundred random hosts with the
 * smallest budget evict trees and never hold more than the budget; the
 * routes checked against the reference's column for their destination. */
static void test_routes_100k_nodes(void)
{
    enum { ROUTERS = 20000, LEAVES = 4, PAIRS = 300 };
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    GError *err = NULL;
    CU_ASSERT_TRUE(net_set_route_cache_limit(net, NET_ROUTE_CACHE_MIN_BYTES, &err));
    char name[48];
    for (uint32_t i = 0; i < ROUTERS; i++) {
        g_snprintf(name, sizeof name, "r%u", i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(net_add_router(net, name, &err));
    }
    for (uint32_t i = 0; i < ROUTERS; i++) {
        g_snprintf(name, sizeof name, "ring%u", i);
        net_link(net, name, net_node_by_addr(net, i), net_node_by_addr(net, (i + 1) % ROUTERS), &plain,
                 NULL, &err);
    }
    sim_rng_t rng;
    sim_rng_init(&rng, 3, "test:routes:100k");
    for (uint32_t i = 0; i < ROUTERS; i++) {
        uint32_t a = (uint32_t)sim_rng_below(&rng, ROUTERS), b = (uint32_t)sim_rng_below(&rng, ROUTERS);
        g_snprintf(name, sizeof name, "chord%u", i);
        if (a != b)
            net_link(net, name, net_node_by_addr(net, a), net_node_by_addr(net, b), &plain, NULL, &err);
    }
    for (uint32_t i = 0; i < ROUTERS * LEAVES; i++) {
        g_snprintf(name, sizeof name, "h%u", i);
        node_t *h = net_add_host(net, name, &err);
        g_snprintf(name, sizeof name, "h%u-r", i);
        net_link(net, name, h, net_node_by_addr(net, i / LEAVES), &plain, NULL, &err);
    }
    CU_ASSERT_PTR_NULL_FATAL(err);
    CU_ASSERT_EQUAL(net_node_count(net), ROUTERS * (1 + LEAVES));

    GPtrArray **ifaces = ref_ifaces(net);
    uint32_t n = net_node_count(net);
    int32_t *col = g_new(int32_t, n);
    uint32_t *fifo = g_new(uint32_t, n);
    int bad = 0, checked = 0;
    for (int i = 0; i < PAIRS; i++) {
        node_t *a = net_node_by_addr(net, ROUTERS + (uint32_t)sim_rng_below(&rng, ROUTERS * LEAVES));
        node_t *b = net_node_by_addr(net, ROUTERS + (uint32_t)sim_rng_below(&rng, ROUTERS * LEAVES));
        int hops = net_path_hops(net, a, b, &err);
        CU_ASSERT_TRUE(hops > 0 || a == b);
        if (i % 30 == 0) { /* a full comparison for one destination in ten */
            ref_column(net, ifaces, node_addr(b), col, fifo);
            for (uint32_t from = 0; from < n; from += 7, checked++)
                bad += net_next_hop(net, net_node_by_addr(net, from), b) != ref_hop(ifaces, col, from);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_TRUE(checked > 100000);
    net_route_stats_t st;
    net_route_stats(net, &st);
    /* Each tree: 20,000 routers x 4 bytes; the budget holds 52 of them. */
    CU_ASSERT_EQUAL(st.forwarders, ROUTERS);
    CU_ASSERT_EQUAL(st.limit_bytes, NET_ROUTE_CACHE_MIN_BYTES);
    CU_ASSERT_TRUE(st.peak_bytes <= NET_ROUTE_CACHE_MIN_BYTES);
    CU_ASSERT_TRUE(st.bytes <= NET_ROUTE_CACHE_MIN_BYTES);
    CU_ASSERT_TRUE(st.trees <= NET_ROUTE_CACHE_MIN_BYTES / (4u * ROUTERS));
    CU_ASSERT_TRUE(st.evicted > 0);
    CU_ASSERT_EQUAL(st.built, st.trees + st.evicted);
    /* The graph: O(N + L), here about 1 MB. */
    CU_ASSERT_TRUE(st.graph_bytes < 2000000);
    g_free(col);
    g_free(fifo);
    ref_ifaces_free(ifaces, n);
    net_free(net);
    sim_free(sim);
}

/* The budget: below the floor is refused with a message naming it;
 * lowering it evicts at once. */
static void test_route_cache_limit(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    GError *err = NULL;
    net_route_stats_t st;
    net_route_stats(net, &st);
    CU_ASSERT_EQUAL(st.limit_bytes, NET_ROUTE_CACHE_DEFAULT_BYTES);
    CU_ASSERT_FALSE(net_set_route_cache_limit(net, NET_ROUTE_CACHE_MIN_BYTES - 1, &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_LIMIT));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "NET_ROUTE_CACHE_MIN_BYTES"));
    g_clear_error(&err);
    /* 2,000 routers in a ring: a tree is 8,000 bytes plus its header, so
     * the floor holds 522 trees; routing to 1,000 destinations keeps them
     * all at the default, and lowering the budget evicts the oldest. */
    char name[32];
    for (uint32_t i = 0; i < 2000; i++) {
        g_snprintf(name, sizeof name, "r%u", i);
        net_add_router(net, name, NULL);
    }
    for (uint32_t i = 0; i < 2000; i++) {
        g_snprintf(name, sizeof name, "l%u", i);
        net_link(net, name, net_node_by_addr(net, i), net_node_by_addr(net, (i + 1) % 2000), &plain,
                 NULL, NULL);
    }
    node_t *r0 = net_node_by_addr(net, 0);
    for (uint32_t i = 1; i <= 1000; i++)
        CU_ASSERT_EQUAL(net_path_hops(net, r0, net_node_by_addr(net, i), NULL), (int)i);
    net_route_stats(net, &st);
    CU_ASSERT_EQUAL(st.trees, 1000);
    CU_ASSERT_EQUAL(st.evicted, 0);
    uint64_t tree = st.bytes / 1000;
    CU_ASSERT_TRUE(tree >= 8000 && tree < 8100);
    CU_ASSERT_TRUE(net_set_route_cache_limit(net, NET_ROUTE_CACHE_MIN_BYTES, &err));
    net_route_stats(net, &st);
    CU_ASSERT_EQUAL(st.trees, NET_ROUTE_CACHE_MIN_BYTES / tree);
    CU_ASSERT_EQUAL(st.evicted, 1000 - st.trees);
    /* The most recently used survived: destination 1000 is still cached,
     * destination 1 is not (routing to it builds a tree again). */
    uint64_t built = st.built;
    CU_ASSERT_EQUAL(net_path_hops(net, r0, net_node_by_addr(net, 1000), NULL), 1000);
    net_route_stats(net, &st);
    CU_ASSERT_EQUAL(st.built, built);
    CU_ASSERT_EQUAL(net_path_hops(net, r0, net_node_by_addr(net, 1), NULL), 1);
    net_route_stats(net, &st);
    CU_ASSERT_EQUAL(st.built, built + 1);
    CU_ASSERT_TRUE(st.peak_bytes <= NET_ROUTE_CACHE_DEFAULT_BYTES);
    CU_ASSERT_TRUE(st.bytes <= NET_ROUTE_CACHE_MIN_BYTES);
    net_free(net);
    sim_free(sim);
}

/* NET_MAX_NODES nodes fit; one more is refused with an error that names the
 * limit, and the network goes on working. */
static void test_node_limit(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    char name[16];
    bool ok = true;
    for (uint32_t i = 0; i < NET_MAX_NODES && ok; i++) {
        g_snprintf(name, sizeof name, "%u", i);
        ok = (i % 2 ? net_add_router(net, name, NULL) : net_add_host(net, name, NULL)) != NULL;
    }
    CU_ASSERT_TRUE(ok);
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(net_add_host(net, "one-too-many", &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_LIMIT));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "1000000"));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "NET_MAX_NODES"));
    g_clear_error(&err);
    CU_ASSERT_EQUAL(net_node_count(net), NET_MAX_NODES);
    CU_ASSERT_PTR_NULL(net_node_by_name(net, "one-too-many"));
    /* A tree of the largest network fits the smallest budget. */
    CU_ASSERT_TRUE(net_set_route_cache_limit(net, NET_ROUTE_CACHE_MIN_BYTES, &err));
    node_t *a = net_node_by_addr(net, 0), *b = net_node_by_addr(net, NET_MAX_NODES - 2);
    node_t *r = net_node_by_addr(net, 1), *r2 = net_node_by_addr(net, 3);
    net_link(net, "a", a, r, &plain, NULL, &err);
    net_link(net, "r", r, r2, &plain, NULL, &err);
    net_link(net, "b", b, r2, &plain, NULL, &err);
    CU_ASSERT_EQUAL(net_path_hops(net, a, b, &err), 3); /* through the tree of r2 */
    net_route_stats_t st;
    net_route_stats(net, &st);
    CU_ASSERT_EQUAL(st.forwarders, NET_MAX_NODES - 2); /* all but the two leaves */
    CU_ASSERT_EQUAL(st.trees, 1);
    CU_ASSERT_TRUE(st.bytes <= NET_ROUTE_CACHE_MIN_BYTES);
    net_free(net);
    sim_free(sim);
}

/* ---- determinism ------------------------------------------------------------------ */

static void digest_rec(void *ctx, const sim_trace_rec *rec)
{
    GChecksum *ck = ctx;
    const pkt_t *p = rec->obj;
    int64_t v[6] = {rec->kind, rec->time, rec->source, rec->reason, (int64_t)rec->bytes,
                    p ? (int64_t)p->id : -1};
    g_checksum_update(ck, (const guchar *)v, sizeof v);
}

/* A run over 30,000 routers (a ring with chords, so trees are 120 KB and
 * the smallest budget holds 34) with a leaf host on each of 200 of them and
 * a short Poisson source between 40 random pairs: the SHA-256 of every
 * trace record. `limit` is the route cache's budget. With the smallest one
 * the flows' destinations do not all fit, and lookups evict each other. */
static char *run_digest(uint64_t seed, uint64_t limit, uint64_t *evicted)
{
    enum { ROUTERS = 30000, HOSTS = 200, FLOWS = 40 };
    sim_t *sim = sim_new(seed);
    net_t *net = net_new(sim);
    CU_ASSERT_TRUE(net_set_route_cache_limit(net, limit, NULL));
    char name[48];
    for (uint32_t i = 0; i < ROUTERS; i++) {
        g_snprintf(name, sizeof name, "r%u", i);
        net_add_router(net, name, NULL);
    }
    link_params_t fast = {.rate_bps = 100000000, .delay = SIM_US(100), .queue_pkts = 20, .loss = 0.001};
    for (uint32_t i = 0; i < ROUTERS; i++) {
        g_snprintf(name, sizeof name, "ring%u", i);
        net_link(net, name, net_node_by_addr(net, i), net_node_by_addr(net, (i + 1) % ROUTERS), &fast,
                 NULL, NULL);
    }
    sim_rng_t rng;
    sim_rng_init(&rng, 9, "test:routes:digest");
    for (uint32_t i = 0; i < ROUTERS; i++) {
        uint32_t a = (uint32_t)sim_rng_below(&rng, ROUTERS), b = (uint32_t)sim_rng_below(&rng, ROUTERS);
        g_snprintf(name, sizeof name, "chord%u", i);
        if (a != b)
            net_link(net, name, net_node_by_addr(net, a), net_node_by_addr(net, b), &fast, NULL, NULL);
    }
    for (uint32_t i = 0; i < HOSTS; i++) {
        g_snprintf(name, sizeof name, "h%u", i);
        node_t *h = net_add_host(net, name, NULL);
        g_snprintf(name, sizeof name, "h%u-r", i);
        net_link(net, name, h, net_node_by_addr(net, (uint32_t)sim_rng_below(&rng, ROUTERS)), &fast,
                 NULL, NULL);
    }
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    sim_trace_subscribe(sim_trace(sim), SIM_TR_ALL, digest_rec, ck);
    traffic_sink_t *sink = traffic_sink_new(net);
    traffic_src_t *src[FLOWS];
    traffic_poisson_params tp = {.rate_pps = 2000, .sizes = TRAFFIC_SIZE_EXPONENTIAL,
                                 .mean_bytes = 800, .hdr_bytes = 28, .max_packets = 5};
    for (int i = 0; i < FLOWS; i++) {
        node_t *a = net_node_by_addr(net, ROUTERS + (uint32_t)sim_rng_below(&rng, HOSTS));
        node_t *b = net_node_by_addr(net, ROUTERS + (uint32_t)sim_rng_below(&rng, HOSTS));
        g_snprintf(name, sizeof name, "flow%d", i);
        src[i] = traffic_poisson_new(net, a, b, &tp, name, NULL);
    }
    sim_run(sim);
    net_route_stats_t st;
    net_route_stats(net, &st);
    *evicted = st.evicted;
    CU_ASSERT_TRUE(st.peak_bytes <= limit);
    char *hex = g_strdup(g_checksum_get_string(ck));
    g_checksum_free(ck);
    for (int i = 0; i < FLOWS; i++)
        traffic_src_free(src[i]);
    traffic_sink_free(sink);
    net_free(net);
    sim_free(sim);
    return hex;
}

/* The same seed gives the same digest, twice, whether the cache evicts or
 * not: what is cached changes only the time a lookup takes. */
static void test_routes_determinism(void)
{
    uint64_t ev_small1, ev_small2, ev_default, ev_other;
    char *a = run_digest(21, NET_ROUTE_CACHE_MIN_BYTES, &ev_small1);
    char *b = run_digest(21, NET_ROUTE_CACHE_MIN_BYTES, &ev_small2);
    char *c = run_digest(21, NET_ROUTE_CACHE_DEFAULT_BYTES, &ev_default);
    char *d = run_digest(22, NET_ROUTE_CACHE_MIN_BYTES, &ev_other);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_STRING_EQUAL(a, c);
    CU_ASSERT_STRING_NOT_EQUAL(a, d);
    CU_ASSERT_TRUE(ev_small1 > 0); /* the small budget did evict */
    CU_ASSERT_EQUAL(ev_small1, ev_small2);
    CU_ASSERT_TRUE(ev_default < ev_small1);
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(d);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_routes_match_reference),
        TEST(test_path_hops_match_reference),
        TEST(test_routes_corner_cases),
        TEST(test_routes_100k_nodes),
        TEST(test_route_cache_limit),
        TEST(test_node_limit),
        TEST(test_routes_determinism),
    };
    return test_main("models/routes", tests, G_N_ELEMENTS(tests));
}
