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
 *
 * Each case is a scenario (written to a temporary file, loaded and run by
 * the world with a registry of this one type), so the workload is tested
 * through the application interface it is used by.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "models/queueing.h"
#include "protocols/http/app/http_apps.h"
#include "test_util.h"
#include "world/world.h"

static const app_type *const types[] = {&cache_workload_app};
static const app_registry registry = {types, 1};

/* browsers -- institution (router) -- origin over "access"; the cache
 * hangs off the institution too. `workload` is the app's extra keys. */
static run_result *run_case(uint64_t access_bps, bool with_cache, const char *workload, const char *tcp)
{
    GString *j = g_string_new("");
    g_string_append_printf(j,
                           "{\"name\": \"cw\", \"seed\": 3, %s \"nodes\": [{\"name\": \"browsers\"}, {\"name\": "
                           "\"origin\"}, {\"name\": \"institution\", \"type\": \"router\"}%s],"
                           " \"links\": [{\"name\": \"lan\", \"from\": \"browsers\", \"to\": \"institution\", "
                           "\"rate\": 1e10, \"delay\": 0}%s, {\"name\": \"access\", \"from\": \"institution\", "
                           "\"to\": \"origin\", \"rate\": %" G_GUINT64_FORMAT ", \"delay\": 0}],"
                           " \"apps\": [{\"type\": \"cache-workload\", \"host\": \"browsers\", %s\"origin\": "
                           "\"origin\", \"access_link\": \"access\", %s}]}",
                           tcp ? tcp : "", with_cache ? ", {\"name\": \"cache\"}" : "",
                           with_cache ? ", {\"name\": \"lan-cache\", \"from\": \"cache\", \"to\": \"institution\", "
                                        "\"rate\": 1e10, \"delay\": 0}"
                                      : "",
                           access_bps, with_cache ? "\"cache\": \"cache\", " : "", workload);
    char *file = NULL;
    int fd = g_file_open_tmp("appsim-cw-XXXXXX.json", &file, NULL);
    close(fd);
    g_file_set_contents(file, j->str, -1, NULL);
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, &registry, &err);
    if (!sc)
        printf("\n    %s\n", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    scn_run *r = scenario_run(sc, 0, &err);
    run_result *res = r ? world_run(r, &registry, 0, NULL, &err) : NULL;
    if (!res)
        printf("\n    %s\n", err ? err->message : "?");
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    scn_run_free(r);
    scenario_free(sc);
    g_unlink(file);
    g_free(file);
    g_string_free(j, TRUE);
    return res;
}

static double m(const run_result *r, const char *name)
{
    char *key = g_strdup_printf("cache_workload.%s", name);
    double v = run_result_metric(r, key);
    g_free(key);
    return v;
}

/* A direction of the access link in the links table. */
static const link_row *access_dir(const run_result *r, const char *from)
{
    for (guint i = 0; i < r->links->len; i++) {
        const link_row *l = &g_array_index(r->links, link_row, i);
        if (!strcmp(l->link, "access") && !strcmp(l->from, from))
            return l;
    }
    return NULL;
}

static void check_access_delay(const char *sizes, double rho)
{
    const double lambda = 100, mean = 12500; /* 100 kbit answers */
    const uint32_t req = 100;
    double wire = mean + 28;                 /* UDP/IP header */
    uint64_t rate = (uint64_t)llround(lambda * wire * 8 / rho);
    char *keys = g_strdup_printf("\"rate\": %g, \"sizes\": \"%s\", \"mean_size\": %g, \"hit_probability\": 0, "
                                 "\"request_size\": %u, \"warmup\": \"20s\", \"duration\": \"2020s\"",
                                 lambda, sizes, mean, req);
    run_result *r = run_case(rate, false, keys, NULL);
    double mu = (double)rate / (wire * 8);
    bool fixed = !strcmp(sizes, "fixed");
    /* exponential payloads are rounded to whole bytes: E[S] stays wire/R */
    double sojourn = fixed ? qt_md1_time(lambda, mu) : qt_mm1_time(lambda, mu);
    double expect = sojourn + (req + 28) * 8.0 / (double)rate + (req + 28) * 8.0 / 10e9 + wire * 8 / 10e9;
    double mean_s = m(r, "response_time_mean_s"), util = m(r, "access_down_utilisation");
    printf("\n    %s rho %.2f: mean %.5f s, theory %.5f s (%+.2f%%), utilisation %.3f", fixed ? "M/D/1" : "M/M/1",
           rho, mean_s, expect, 100 * (mean_s / expect - 1), util);
    ASSERT_REL(mean_s, expect, 0.05);
    ASSERT_REL(util, rho, 0.02);
    CU_ASSERT_EQUAL(m(r, "issued"), m(r, "answered"));
    CU_ASSERT_EQUAL(m(r, "unstable"), 0);
    run_result_free(r);
    g_free(keys);
}

static void test_md1(void)
{
    check_access_delay("fixed", 0.3);
    check_access_delay("fixed", 0.6);
    check_access_delay("fixed", 0.85);
}

static void test_mm1(void)
{
    check_access_delay("exponential", 0.3);
    check_access_delay("exponential", 0.6);
    check_access_delay("exponential", 0.85);
}

static void test_conservation(void)
{
    for (int forced = 0; forced < 2; forced++) {
        const char *keys = forced ? "\"rate\": 50, \"mean_size\": 10000, \"hit_probability\": 0.4, "
                                    "\"request_size\": 200, \"warmup\": 0, \"duration\": \"200s\""
                                  : "\"rate\": 50, \"mean_size\": 10000, \"zipf\": 0.9, \"objects\": 500, "
                                    "\"capacity\": 1000000, \"policy\": \"lfu\", \"request_size\": 200, "
                                    "\"warmup\": 0, \"duration\": \"200s\"";
        run_result *r = run_case(100000000, true, keys, NULL);
        double answered = m(r, "answered"), hits = m(r, "hit_rate") * m(r, "counted");
        CU_ASSERT_EQUAL(m(r, "issued"), answered);
        CU_ASSERT_EQUAL(m(r, "counted"), answered); /* no warm-up here */
        double misses = answered - round(hits);
        const link_row *down = access_dir(r, "origin"), *up = access_dir(r, "institution");
        CU_ASSERT_PTR_NOT_NULL_FATAL(down);
        CU_ASSERT_PTR_NOT_NULL_FATAL(up);
        CU_ASSERT_EQUAL((double)down->packets, misses);
        CU_ASSERT_EQUAL((double)down->bytes, misses * (10000 + 28));
        CU_ASSERT_EQUAL((double)up->bytes, misses * (200 + 28)); /* only misses go upstream */
        /* hits cross the LAN only: every hit percentile is below every miss one */
        CU_ASSERT_TRUE(m(r, "hit_response_time_p99_s") < m(r, "miss_response_time_p50_s"));
        CU_ASSERT_TRUE(m(r, "hit_response_time_p50_s") <= m(r, "hit_response_time_p95_s") &&
                       m(r, "hit_response_time_p95_s") <= m(r, "hit_response_time_p99_s"));
        CU_ASSERT_TRUE(m(r, "miss_response_time_p50_s") <= m(r, "miss_response_time_p95_s") &&
                       m(r, "miss_response_time_p95_s") <= m(r, "miss_response_time_p99_s"));
        if (forced)
            ASSERT_REL(m(r, "hit_rate"), 0.4, 0.05);
        else
            CU_ASSERT_TRUE(m(r, "hit_rate") > 0.3 && m(r, "hit_rate") < 0.9); /* 1 MB holds the popular 100 */
        /* cache_requests.csv: one row per counted request, hits and misses as counted */
        CU_ASSERT_EQUAL_FATAL(r->csvs->len, 1);
        const run_csv *csv = g_ptr_array_index(r->csvs, 0);
        CU_ASSERT_STRING_EQUAL(csv->file, "cache_requests.csv");
        CU_ASSERT_STRING_EQUAL(csv->header, "time_s,object,result,size_bytes,response_time_s");
        gchar **lines = g_strsplit(csv->rows->str, "\n", -1);
        guint rows = 0, hit_rows = 0;
        for (gchar **l = lines; *l && **l; l++) {
            rows++;
            hit_rows += strstr(*l, ",hit,") != NULL;
        }
        g_strfreev(lines);
        CU_ASSERT_EQUAL(rows, answered);
        CU_ASSERT_EQUAL(hit_rows, round(hits));
        printf("\n    %s: %.0f requests, hit rate %.3f", forced ? "forced h = 0.4" : "Zipf 0.9, LFU", answered,
               m(r, "hit_rate"));
        run_result_free(r);
    }
}

/* An offered load above 1: reported as unstable, with a growing queue. */
static void test_unstable(void)
{
    run_result *r = run_case(10000000, false,
                             "\"rate\": 15, \"mean_size\": 125000, \"hit_probability\": 0, \"request_size\": 100, "
                             "\"warmup\": \"10s\", \"duration\": \"200s\"",
                             NULL);
    CU_ASSERT_EQUAL(m(r, "unstable"), 1);
    CU_ASSERT_TRUE(m(r, "offered_load") > 1.4);
    /* arrivals 15/s, service 10/s: the queue grows by about 5 per second */
    ASSERT_REL(m(r, "access_queue_growth_pps"), 15 - 10e6 / ((125000 + 28) * 8), 0.15);
    /* measured: every quarter's mean response time above the last */
    CU_ASSERT_TRUE(m(r, "response_time_window4_mean_s") > 1.5 * m(r, "response_time_window1_mean_s"));
    CU_ASSERT_TRUE(m(r, "response_growth_s_per_s") > 0.1);
    run_result_free(r);
    /* the same overload over TCP: measured the same way */
    r = run_case(10000000, true,
                 "\"rate\": 15, \"mean_size\": 125000, \"hit_probability\": 0, \"request_size\": 100, "
                 "\"warmup\": \"5s\", \"duration\": \"60s\", \"transport\": \"tcp\"",
                 "\"max_time\": \"3000s\",");
    printf("\n    tcp, offered load %.2f: quarters %.2f s to %.2f s, %.3f s per s, unstable %g",
           m(r, "offered_load"), m(r, "response_time_window1_mean_s"), m(r, "response_time_window4_mean_s"),
           m(r, "response_growth_s_per_s"), m(r, "unstable"));
    CU_ASSERT_EQUAL(m(r, "unstable"), 1);
    /* nothing is lost on this path (the queue is unbounded): whatever
     * timed out was spurious; the copies' bytes are counted */
    printf("; %.0f timeouts, %.0f spurious, %.0f bytes sent again", m(r, "origin_timeouts"),
           m(r, "origin_spurious_timeouts"), m(r, "origin_retransmitted_bytes"));
    CU_ASSERT_TRUE(m(r, "origin_timeouts") > 0);
    CU_ASSERT_EQUAL(m(r, "origin_spurious_timeouts"), m(r, "origin_timeouts"));
    CU_ASSERT_TRUE(m(r, "origin_retransmitted_bytes") > 0);
    run_result_free(r);
    /* a stable load is not: utilisation 0.6, fixed sizes */
    r = run_case(25000000, false,
                 "\"rate\": 15, \"mean_size\": 125000, \"hit_probability\": 0, \"request_size\": 100, "
                 "\"warmup\": \"10s\", \"duration\": \"200s\"",
                 NULL);
    CU_ASSERT_EQUAL(m(r, "unstable"), 0);
    run_result_free(r);
}

/* The TCP transport: every request an HTTP GET through the proxy; at a low
 * load every request is answered and hits come from the proxy's cache. */
static void test_tcp_transport(void)
{
    run_result *r = run_case(100000000, true,
                             "\"rate\": 5, \"mean_size\": 20000, \"hit_probability\": 0.5, \"request_size\": 100, "
                             "\"warmup\": \"1s\", \"duration\": \"60s\", \"transport\": \"tcp\"",
                             "\"max_time\": \"600s\",");
    CU_ASSERT_EQUAL(m(r, "issued"), m(r, "answered"));
    ASSERT_REL(m(r, "hit_rate"), 0.5, 0.2);
    /* a hit crosses the LAN only; a miss pays the handshakes upstream */
    CU_ASSERT_TRUE(m(r, "hit_response_time_mean_s") < m(r, "miss_response_time_mean_s"));
    /* the transport's figures: one connection from the proxy to the origin
     * per miss (and the hot object's first fetch); on this loss-free,
     * sub-millisecond path nothing is sent twice */
    double misses = m(r, "answered") - round(m(r, "hit_rate") * m(r, "counted"));
    CU_ASSERT_TRUE(m(r, "origin_connections") >= misses - 10 && m(r, "origin_connections") <= misses + 10);
    CU_ASSERT_TRUE(m(r, "origin_segments_sent") > m(r, "origin_connections"));
    CU_ASSERT_EQUAL(m(r, "origin_retransmits"), 0);
    CU_ASSERT_EQUAL(m(r, "origin_timeouts"), 0);
    CU_ASSERT_EQUAL(m(r, "origin_retransmitted_bytes"), 0);
    CU_ASSERT_EQUAL(m(r, "origin_spurious_timeouts"), 0);
    CU_ASSERT_EQUAL(m(r, "front_retransmits"), 0);
    printf("\n    tcp: %.0f requests, hit rate %.3f, hits %.4f s, misses %.4f s", m(r, "answered"), m(r, "hit_rate"),
           m(r, "hit_response_time_mean_s"), m(r, "miss_response_time_mean_s"));
    run_result_free(r);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_md1), TEST(test_mm1), TEST(test_conservation),
                                      TEST(test_unstable), TEST(test_tcp_transport)};
    return test_main("protocols/http/app/cache_workload", tests, G_N_ELEMENTS(tests));
}
