/*
 * The message-mode caching workload against queueing theory and
 * conservation.
 *
 * Access delay: browsers --(access link, rate R, no propagation)-- origin,
 * no cache. Each answer's time in system at the access link is M/D/1 for
 * fixed sizes and M/M/1 for exponential ones; the mean response time is
 * that plus the request's own transmission upstream. Three utilisations
 * (0.3, 0.6, 0.85) each; tolerance 5% (issue 6), 200,000 requests per case.
 *
 * Conservation: every request issued is answered once; hits + misses =
 * answers; the bytes the access link carried downstream are exactly the
 * misses' answers with their headers.
 */
#include <glib.h>
#include <math.h>

#include "cli/cachewl.h"
#include "models/queueing.h"
#include "test_util.h"

typedef struct {
    sim_t *sim;
    net_t *net;
    udp_stack_t *udp;
    link_t *access;
} world;

static world world_new(uint64_t rate_bps, bool with_cache)
{
    world w;
    w.sim = sim_new(3);
    w.net = net_new(w.sim);
    node_t *b = net_add_host(w.net, "browsers", NULL), *o = net_add_host(w.net, "origin", NULL);
    node_t *r = net_add_router(w.net, "institution", NULL);
    link_params_t lan = {.rate_bps = 10000000000ull};
    net_link(w.net, "lan", b, r, &lan, NULL, NULL);
    if (with_cache) {
        node_t *c = net_add_host(w.net, "cache", NULL);
        net_link(w.net, "lan-cache", c, r, &lan, NULL, NULL);
    }
    link_params_t acc = {.rate_bps = rate_bps};
    w.access = net_link(w.net, "access", r, o, &acc, NULL, NULL);
    w.udp = udp_stack_new(w.net);
    return w;
}

static void world_free(world *w)
{
    udp_stack_free(w->udp);
    net_free(w->net);
    sim_free(w->sim);
}

static void check_access_delay(cw_size_dist sizes, double rho)
{
    const double lambda = 100, mean = 12500; /* 100 kbit answers */
    const uint32_t req = 100;
    double wire = mean + 28;                 /* UDP/IP header */
    uint64_t rate = (uint64_t)llround(lambda * wire * 8 / rho);
    world w = world_new(rate, false);
    cw_params p = {.generator = "browsers", .origin = "origin", .access_link = "access", .rate = lambda,
                   .sizes = sizes, .mean_bytes = mean, .forced = true, .hit_probability = 0,
                   .request_bytes = req, .warmup = SIM_S(20), .duration = SIM_S(2020),
                   .capacity = 0, .policy = CACHE_LRU};
    cachewl *cw = cachewl_new(w.net, w.udp, &p, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cw);
    sim_run(w.sim);
    CU_ASSERT_TRUE(cachewl_done(cw));
    cw_result r;
    cachewl_result(cw, &r);
    double mu = (double)rate / (wire * 8);
    /* exponential payloads are rounded to whole bytes: E[S] stays wire/R */
    double sojourn = sizes == CW_FIXED ? qt_md1_time(lambda, mu) : qt_mm1_time(lambda, mu);
    double expect = sojourn + (req + 28) * 8.0 / (double)rate + (req + 28) * 8.0 / 10e9 + wire * 8 / 10e9;
    printf("\n    %s rho %.2f: mean %.5f s, theory %.5f s (%+.2f%%), utilisation %.3f",
           sizes == CW_FIXED ? "M/D/1" : "M/M/1", rho, r.mean_s, expect, 100 * (r.mean_s / expect - 1),
           r.access_down_util);
    ASSERT_REL(r.mean_s, expect, 0.05);
    ASSERT_REL(r.access_down_util, rho, 0.02);
    CU_ASSERT_EQUAL(r.issued, r.answered);
    CU_ASSERT_FALSE(r.unstable);
    cachewl_free(cw);
    world_free(&w);
}

static void test_md1(void)
{
    check_access_delay(CW_FIXED, 0.3);
    check_access_delay(CW_FIXED, 0.6);
    check_access_delay(CW_FIXED, 0.85);
}

static void test_mm1(void)
{
    check_access_delay(CW_EXPONENTIAL, 0.3);
    check_access_delay(CW_EXPONENTIAL, 0.6);
    check_access_delay(CW_EXPONENTIAL, 0.85);
}

static void test_conservation(void)
{
    for (int forced = 0; forced < 2; forced++) {
        world w = world_new(100000000, true);
        cw_params p = {.generator = "browsers", .cache = "cache", .origin = "origin", .access_link = "access",
                       .rate = 50, .sizes = CW_FIXED, .mean_bytes = 10000, .forced = forced,
                       .hit_probability = 0.4, .zipf_alpha = 0.9, .objects = 500, .capacity = 1000000,
                       .policy = CACHE_LFU, .request_bytes = 200, .warmup = 0, .duration = SIM_S(200)};
        cachewl *cw = cachewl_new(w.net, w.udp, &p, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(cw);
        sim_run(w.sim);
        cw_result r;
        cachewl_result(cw, &r);
        CU_ASSERT_TRUE(cachewl_done(cw));
        CU_ASSERT_EQUAL(r.issued, r.answered);
        CU_ASSERT_EQUAL(r.counted, r.answered); /* no warm-up here */
        uint64_t misses = r.answered - r.hits;
        link_stats_t down;
        link_dir_stats(link_dir(w.access, 1), &down); /* origin -> institution */
        CU_ASSERT_EQUAL(down.tx_pkts, misses);
        CU_ASSERT_EQUAL(down.tx_bytes, misses * (10000 + 28));
        link_stats_t up;
        link_dir_stats(link_dir(w.access, 0), &up);
        CU_ASSERT_EQUAL(up.tx_bytes, misses * (200 + 28)); /* only misses go upstream */
        /* hits cross the LAN only: every hit percentile is below every miss one */
        CU_ASSERT_TRUE(r.hit_p99_s < r.miss_p50_s);
        CU_ASSERT_TRUE(r.hit_p50_s <= r.hit_p95_s && r.hit_p95_s <= r.hit_p99_s);
        CU_ASSERT_TRUE(r.miss_p50_s <= r.miss_p95_s && r.miss_p95_s <= r.miss_p99_s);
        if (forced)
            ASSERT_REL(r.hit_rate, 0.4, 0.05);
        else
            CU_ASSERT_TRUE(r.hit_rate > 0.3 && r.hit_rate < 0.9); /* 1 MB holds the popular 100 */
        printf("\n    %s: %" G_GUINT64_FORMAT " requests, hit rate %.3f", forced ? "forced h = 0.4" : "Zipf 0.9, LFU",
               r.answered, r.hit_rate);
        cachewl_free(cw);
        world_free(&w);
    }
}

/* An offered load above 1: reported as unstable, with a growing queue. */
static void test_unstable(void)
{
    world w = world_new(10000000, false);
    cw_params p = {.generator = "browsers", .origin = "origin", .access_link = "access", .rate = 15,
                   .sizes = CW_FIXED, .mean_bytes = 125000, .forced = true, .hit_probability = 0,
                   .request_bytes = 100, .warmup = SIM_S(10), .duration = SIM_S(200)};
    cachewl *cw = cachewl_new(w.net, w.udp, &p, NULL);
    sim_run(w.sim);
    cw_result r;
    cachewl_result(cw, &r);
    CU_ASSERT_TRUE(r.unstable);
    CU_ASSERT_TRUE(r.offered_load > 1.4);
    /* arrivals 15/s, service 10/s: the queue grows by about 5 per second */
    ASSERT_REL(r.queue_growth_pps, 15 - 10e6 / ((125000 + 28) * 8), 0.15);
    cachewl_free(cw);
    world_free(&w);
}

/* The TCP transport: every request an HTTP GET through the proxy; at a low
 * load every request is answered and hits come from the proxy's cache. */
static void test_tcp_transport(void)
{
    world w = world_new(100000000, true);
    tcp_stack_t *tcp = tcp_stack_new(w.net, NULL);
    cw_params p = {.generator = "browsers", .cache = "cache", .origin = "origin", .access_link = "access",
                   .rate = 5, .sizes = CW_FIXED, .mean_bytes = 20000, .forced = true,
                   .hit_probability = 0.5, .request_bytes = 100, .warmup = SIM_S(1), .duration = SIM_S(60),
                   .tcp = tcp};
    cachewl *cw = cachewl_new(w.net, w.udp, &p, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cw);
    sim_run_limit(w.sim, SIM_S(600));
    cw_result r;
    cachewl_result(cw, &r);
    CU_ASSERT_TRUE(cachewl_done(cw));
    CU_ASSERT_EQUAL(r.issued, r.answered);
    ASSERT_REL(r.hit_rate, 0.5, 0.2);
    /* a hit crosses the LAN only; a miss pays the handshakes upstream */
    CU_ASSERT_TRUE(r.hit_mean_s < r.miss_mean_s);
    printf("\n    tcp: %" G_GUINT64_FORMAT " requests, hit rate %.3f, hits %.4f s, misses %.4f s", r.answered,
           r.hit_rate, r.hit_mean_s, r.miss_mean_s);
    cachewl_free(cw);
    tcp_stack_free(tcp);
    world_free(&w);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_md1), TEST(test_mm1), TEST(test_conservation),
                                      TEST(test_unstable), TEST(test_tcp_transport)};
    return test_main("cli/cachewl", tests, G_N_ELEMENTS(tests));
}
