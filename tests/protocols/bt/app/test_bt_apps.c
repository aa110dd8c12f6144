/*
 * Tests of the BitTorrent application types (protocols/bt/app): located
 * errors of their keys; a small swarm (a seed, four leechers, a tracker,
 * on access links to one router) in which every leecher completes, each
 * piece checked with SHA-1 (no hash failure, every byte downloaded once
 * per leecher); a leecher that leaves after completion; the tracker
 * answering a browser (404, failure reasons) and its packet labels; two
 * runs of a scenario byte-identical; scenarios/p2p-distribution.json's
 * formulas against the closed forms computed here, and its distribution
 * time at least the P2P bound and within the margin docs/p2p.md states
 * (2.5 times the bound) at every N; scenarios/p2p-churn.json's late peers
 * slower without seeds; scenarios/p2p-tit-for-tat.json's completion order
 * (fast peers, slow peers, the free rider) at three seeds; the key
 * max_upload_rate.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cli/registry.h"
#include "test_util.h"
#include "test_scenario.h"
#include "world/scenario.h"
#include "world/world.h"

#define SCN(name) APPSIM_SOURCE_DIR "/scenarios/" name
#define APPSIM APPSIM_BINARY_DIR "/appsim"

static char *write_tmp(const char *json)
{
    char *file = NULL;
    int fd = g_file_open_tmp("appsim-bt-XXXXXX.json", &file, NULL);
    close(fd);
    g_file_set_contents(file, json, -1, NULL);
    return file;
}

/* A star: a router, the tracker, a seed (10 Mbps up) and four peers (2 Mbps
 * up, 20 Mbps down). */
#define ACCESS(p)                                                                                                \
    " {\"from\": \"" p "\", \"to\": \"core\", \"rate\": \"2Mbps\", \"delay\": \"2ms\","                                \
    " \"reverse\": {\"rate\": \"20Mbps\"}}"
#define NODES                                                                                                    \
    "\"nodes\": [{\"name\": \"core\", \"type\": \"router\"}, {\"name\": \"t\"}, {\"name\": \"s\"},"              \
    " {\"name\": \"p1\"}, {\"name\": \"p2\"}, {\"name\": \"p3\"}, {\"name\": \"p4\"}],"                          \
    " \"links\": [{\"from\": \"t\", \"to\": \"core\", \"rate\": \"100Mbps\", \"delay\": \"2ms\"},"               \
    " {\"from\": \"s\", \"to\": \"core\", \"rate\": \"10Mbps\", \"delay\": \"2ms\"},"                            \
    ACCESS("p1") "," ACCESS("p2") "," ACCESS("p3") "," ACCESS("p4") "]"

#define TRACKER "{\"name\": \"tr\", \"type\": \"bt-tracker\", \"host\": \"t\"}"
#define SEED "{\"name\": \"sd\", \"type\": \"bt-peer\", \"host\": \"s\", \"tracker\": \"t\", \"seed\": true"
#define LEECH "{\"name\": \"lc\", \"type\": \"bt-peer\", \"host\": \"p1\", \"tracker\": \"t\""

static void expect_error(const char *apps, const char *where, const char *what)
{
    char *json = g_strdup_printf("{\"name\": \"b\", " NODES ", \"apps\": [%s]}", apps);
    test_expect_load_error(json, NULL, where, what);
    g_free(json);
}

static void test_keys_errors(void)
{
    expect_error(TRACKER ", {\"type\": \"bt-peer\", \"host\": \"p1\", \"tracker\": \"mars\"}", "$.apps[1].tracker",
                 "no node named \"mars\"");
    expect_error(TRACKER ", {\"type\": \"bt-peer\", \"host\": \"p1\"}", "$.apps[1]", "tracker");
    expect_error(TRACKER ", " LEECH ", \"more_hosts\": \"p2\"}", "$.apps[1].more_hosts", "a list of node names");
    expect_error(TRACKER ", " LEECH ", \"more_hosts\": [\"p2\", \"core\"]}", "$.apps[1].more_hosts[1]",
                 "router");
    expect_error(TRACKER ", " LEECH ", \"more_hosts\": [\"p2\", \"p2\"]}", "$.apps[1].more_hosts", "listed twice");
    expect_error(TRACKER ", " LEECH ", \"count\": 3}", "$.apps[1].count", "only 1 hosts are given");
    expect_error(TRACKER ", " LEECH ", \"count\": -1}", "$.apps[1].count", "0 (all) to 1000");
    expect_error(TRACKER ", " LEECH ", \"after\": \"vanish\"}", "$.apps[1].after", "\"seed\" (stay and upload)");
    expect_error(TRACKER ", " LEECH ", \"upload_slots\": 0}", "$.apps[1].upload_slots", "from 1 to 100");
    expect_error(TRACKER ", " LEECH ", \"file_size\": \"lots\"}", "$.apps[1].file_size", "");
    expect_error(TRACKER ", " LEECH ", \"file_size\": \"2GB\", \"piece_length\": 1}", "$.apps[1].piece_length",
                 "make the pieces longer");
    expect_error(TRACKER ", " SEED ", \"free_rider\": true}", "$.apps[1].free_rider", "a free rider is a leecher");
    expect_error(TRACKER ", " LEECH ", \"max_upload_rate\": \"fast\"}", "$.apps[1].max_upload_rate", "");
    expect_error(TRACKER ", " LEECH ", \"max_upload_rate\": 0}", "$.apps[1].max_upload_rate", "");
    expect_error(TRACKER ", " LEECH ", \"pipline\": 4}", "$.apps[1]", "pipeline");
    /* A port taken on a host of the group other than the first, either way round, and by two groups. */
    expect_error(TRACKER ", " LEECH ", \"more_hosts\": [\"t\", \"p3\"], \"port\": 6969}",
                 "$.apps[1].more_hosts[0]", "port 6969 of host \"t\" is taken by application \"tr\"");
    expect_error(LEECH ", \"more_hosts\": [\"p2\", \"t\"]}, {\"name\": \"tr\", \"type\": \"bt-tracker\", "
                 "\"host\": \"t\", \"port\": 6881}", "$.apps[1]",
                 "port 6881 of host \"t\" is taken by application \"lc\"");
    expect_error(TRACKER ", " LEECH ", \"more_hosts\": [\"p2\"]}, {\"name\": \"lc2\", \"type\": \"bt-peer\", "
                 "\"host\": \"p3\", \"tracker\": \"t\", \"more_hosts\": [\"p4\", \"p2\"]}",
                 "$.apps[2].more_hosts[1]", "port 6881 of host \"p2\" is taken by application \"lc\"");
    expect_error("{\"type\": \"bt-tracker\", \"host\": \"t\", \"port\": 70000}", "$.apps[0].port",
                 "a port from 1 to 65535");
    expect_error("{\"type\": \"bt-tracker\", \"host\": \"t\", \"interval\": \"10ms\"}", "$.apps[0].interval", "");
}

/* A host of the group past `count` runs no peer: its port stays free. */
static void test_group_ports(void)
{
    const char *apps = TRACKER ", " LEECH ", \"more_hosts\": [\"p2\", \"t\"], \"count\": %d, \"port\": 6969}";
    char *with3 = g_strdup_printf(apps, 3);
    expect_error(with3, "$.apps[1].more_hosts[1]", "port 6969 of host \"t\" is taken by application \"tr\"");
    char *with2 = g_strdup_printf(apps, 2);
    char *json = g_strdup_printf("{\"name\": \"b\", " NODES ", \"apps\": [%s]}", with2);
    scenario_free(test_load_ok(json));
    g_free(json);
    g_free(with2);
    g_free(with3);
}

#define SWARM                                                                                                    \
    "{\"name\": \"swarm\", " NODES ", \"apps\": [" TRACKER ", " SEED ", \"file_size\": \"600KB\","              \
    " \"piece_length\": \"32KiB\"}, " LEECH ", \"more_hosts\": [\"p2\", \"p3\", \"p4\"], \"file_size\": \"600KB\"," \
    " \"piece_length\": \"32KiB\"%s}]}"

/* Every leecher completes; completing means every piece passed its SHA-1
 * check (bt_peer's COMPLETE); no piece failed it; each leecher received
 * the file's 600,000 bytes exactly once (payload counted only for blocks
 * it asked for and kept). */
static void test_small_swarm(void)
{
    char *json = g_strdup_printf(SWARM, "");
    scenario *sc = test_load_ok(json);
    run_result *res = test_run(sc, 0);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt.leechers"), 4);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt.completed"), 4);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt.hash_failures"), 0);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt.downloaded"), 4 * 600000.0);
    CU_ASSERT_TRUE(run_result_metric(res, "bt.uploaded_by_seeds") >= 600000.0);
    CU_ASSERT_TRUE(run_result_metric(res, "bt.uploaded_by_leechers") > 0);
    /* Five started announces at least (the run stops when the last
     * leecher completes, before its completed announce is answered). */
    CU_ASSERT_TRUE(run_result_metric(res, "bt_tracker.announces") >= 5);
    double d = run_result_metric(res, "bt.distribution_time_s"), p2p = run_result_metric(res, "bt.p2p_bound_s");
    /* F = 4.8 Mbit, u_s = 10 Mbps, 4 x 2 Mbps, d = 20 Mbps:
     * max(0.48, 0.24, 4 x 4.8 / 18 = 1.0667) s. */
    ASSERT_REL(p2p, 4 * 4.8e6 / 18e6, 1e-12);
    ASSERT_REL(run_result_metric(res, "bt.cs_bound_s"), 4 * 4.8e6 / 10e6, 1e-12);
    CU_ASSERT_TRUE(d >= p2p);
    CU_ASSERT_TRUE(run_result_metric(res, "bt.mean_completion_s") <= d);
    /* The headline the browser type shares reads the swarm's metric here
     * (the run has no browser). */
    CU_ASSERT_TRUE(isfinite(d));
    CU_ASSERT_EQUAL(run_result_headline(res, appsim_registry(), "distribution_time"), d);
    run_result_free(res);
    scenario_free(sc);
    g_free(json);
}

/* Leechers that leave once complete still all complete (the seed serves
 * the last ones), and each announces stopped. */
static void test_leave_after_completion(void)
{
    char *json = g_strdup_printf(SWARM, ", \"after\": \"leave\"");
    scenario *sc = test_load_ok(json);
    run_result *res = test_run(sc, 0);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt.completed"), 4);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt.hash_failures"), 0);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt.downloaded"), 4 * 600000.0);
    run_result_free(res);
    scenario_free(sc);
    g_free(json);
}

/* The tracker is an HTTP server a browser can reach: another path is a
 * 404, a malformed announce query a 200 whose body is a failure reason
 * (BEP 3), counted as announces; no crash, the run ends. */
static void test_tracker_answers_browser(void)
{
    scenario *sc = test_load_ok("{\"name\": \"b\", \"nodes\": [{\"name\": \"a\"}, {\"name\": \"t\"}],"
                                " \"links\": [{\"from\": \"a\", \"to\": \"t\", \"rate\": \"10Mbps\","
                                " \"delay\": \"1ms\"}],"
                                " \"apps\": [{\"name\": \"tr\", \"type\": \"bt-tracker\", \"host\": \"t\"},"
                                " {\"name\": \"br\", \"type\": \"browser\", \"host\": \"a\","
                                " \"pages\": [\"http://t:6969/nothing\","
                                " \"http://t:6969/announce?info_hash=x\", \"http://t:6969/announce\"]}]}");
    run_result *res = test_run(sc, 0);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt_tracker.errors"), 1);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt_tracker.announces"), 2);
    CU_ASSERT_EQUAL(run_result_metric(res, "loads_ok"), 2);
    CU_ASSERT_EQUAL(run_result_metric(res, "failures"), 1);
    run_result_free(res);
    scenario_free(sc);
}

/* The tracker's packets are labelled with the request line (without the
 * query) and the status line; other bytes get no label. */
static void test_tracker_labels(void)
{
    const app_type *t = app_registry_find(appsim_registry(), "bt-tracker");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->label);
    static const char get[] = "GET /announce?info_hash=%01%02 HTTP/1.1\r\nHost: t\r\n\r\n";
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nd1e";
    char *a = t->label((const uint8_t *)get, sizeof get - 1), *b = t->label((const uint8_t *)ok, sizeof ok - 1);
    CU_ASSERT_STRING_EQUAL(a, "GET /announce");
    CU_ASSERT_STRING_EQUAL(b, "HTTP/1.1 200 OK");
    CU_ASSERT_PTR_NULL(t->label((const uint8_t *)"d8:intervali1800e", 17));
    CU_ASSERT_PTR_NULL(t->label((const uint8_t *)"GE", 2));
    g_free(a);
    g_free(b);
}

/* Same scenario, same seed: the same bytes in every output file. */
static void test_deterministic(void)
{
    static const char *const files[] = {"summary.json", "bt.csv", "bt-upload.csv", "links.csv", NULL};
    char *json = g_strdup_printf(SWARM, "");
    char *file = write_tmp(json);
    test_twice t;
    CU_ASSERT(test_run_twice(&t, APPSIM, file, NULL, files) >= 4);
    char *csv = test_read_file(t.one, "bt.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_TRUE(g_str_has_prefix(csv, "run,app,host,role,started_s,completed_s,bytes_down,bytes_up,completion_s\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\n0,lc,p4,leecher,0.000000,"));
    g_free(csv);
    test_twice_clear(&t);
    g_unlink(file);
    g_free(file);
    g_free(json);
}

/* scenarios/p2p-distribution.json at every N of its sweep (2, 5, 10, 20,
 * 40): F = 2 MB (16 Mbit), u_s = 10 Mbps, u = 1 Mbps (the peers limit
 * their uploads to 0.8 Mbps), d = 20 Mbps. The bounds are the closed
 * forms of the links' rates (exact but for rounding, 1e-12); the swarm
 * takes at least the P2P bound and at most 2.5 times it (the margin
 * docs/p2p.md states; measured 1.34 to 1.87: the upload limit, piece
 * granularity, the choking rounds, endgame copies, TCP and headers). */
static void test_distribution_bounds(void)
{
    scenario *sc = test_load_file(SCN("p2p-distribution.json"), NULL);
    static const double ns[] = {2, 5, 10, 20, 40};
    const double f = 16e6, us = 10e6, u = 1e6, dmin = 20e6;
    for (guint k = 0; k < G_N_ELEMENTS(ns); k++) {
        run_result *res = test_run(sc, k);
        double n = ns[k];
        double p2p = fmax(fmax(f / us, f / dmin), n * f / (us + n * u)), cs = fmax(n * f / us, f / dmin);
        ASSERT_REL(run_result_metric(res, "bt.p2p_bound_s"), p2p, 1e-12);
        ASSERT_REL(run_result_metric(res, "bt.cs_bound_s"), cs, 1e-12);
        ASSERT_REL(run_result_metric(res, "formula_s"), p2p, 1e-12);
        double d = run_result_metric(res, "bt.distribution_time_s");
        CU_ASSERT_EQUAL(run_result_metric(res, "bt.completed"), n);
        CU_ASSERT_TRUE(d >= p2p);
        CU_ASSERT_TRUE(d <= 2.5 * p2p);
        if (!(d >= p2p && d <= 2.5 * p2p))
            printf("\n    N = %.0f: distribution %.3f s, bound %.3f s\n", n, d, p2p);
        run_result_free(res);
    }
    scenario_free(sc);
}

/* scenarios/p2p-churn.json: ten peers start at 0 and N = 5, 10, 20 more
 * arrive at 30 s (runs 0 to 2 stay to seed, runs 3 to 5 leave once
 * complete). Every peer completes either way; the late peers' time
 * (the distribution time less the 30 s) is at least 1.2 times longer
 * when the first ten left than when they stayed to seed (measured 1.26
 * to 1.46, docs/p2p.md). */
static void test_churn_leave_slower(void)
{
    scenario *sc = test_load_file(SCN("p2p-churn.json"), NULL);
    static const double late[] = {5, 10, 20};
    for (guint k = 0; k < G_N_ELEMENTS(late); k++) {
        run_result *stay = test_run(sc, k), *leave = test_run(sc, k + 3);
        CU_ASSERT_EQUAL(run_result_metric(stay, "bt.completed"), 10 + late[k]);
        CU_ASSERT_EQUAL(run_result_metric(leave, "bt.completed"), 10 + late[k]);
        double ds = run_result_metric(stay, "bt.distribution_time_s") - 30.0;
        double dl = run_result_metric(leave, "bt.distribution_time_s") - 30.0;
        CU_ASSERT_TRUE(ds > 0 && dl >= 1.2 * ds);
        if (!(ds > 0 && dl >= 1.2 * ds))
            printf("\n    N = %.0f: late peers %.3f s with seeds, %.3f s without\n", late[k], ds, dl);
        run_result_free(stay);
        run_result_free(leave);
    }
    scenario_free(sc);
}

/* scenarios/p2p-tit-for-tat.json: 15 fast peers (4 Mbps up), 15 slow (1
 * Mbps up), both limiting their uploads to 80% of their uplinks, and a
 * free rider. Run at the shipped seed (2) and at seeds 1 and 3: every peer
 * completes, the free rider too (kept alive by optimistic unchokes and
 * the seeds); every fast peer completes before the slow peers' mean, the
 * fast peers' mean is at least 5% below the slow peers', and that at
 * least 5% below the free rider's completion; and the free rider
 * completes after at least 27 of the 30 other leechers (90%). Measured
 * (docs/p2p.md): seed 1: 61.9 s, 77.6 s, 84.2 s, after 27; seed 2: 63.8,
 * 77.7, 84.4, after 28; seed 3: 66.1, 77.3, 90.3, after 28; the slowest
 * fast peer 63.5 to 69.1 s. The rank's margin is none at seed 1 (exactly
 * 27; at seed 8, not run here, it is 26), the means' 3% to 12% beyond the
 * 5%. */
static void tit_for_tat_at(scenario *sc, uint64_t seed)
{
    scenario_set_seed(sc, seed);
    run_result *res = test_run(sc, 0);
    CU_ASSERT_EQUAL(run_result_metric(res, "bt.completed"), 31);
    const run_csv *csv = NULL;
    for (guint i = 0; i < res->csvs->len; i++)
        if (!strcmp(((const run_csv *)g_ptr_array_index(res->csvs, i))->file, "bt.csv"))
            csv = g_ptr_array_index(res->csvs, i);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    /* Rows: run,app,host,role,started_s,completed_s,bytes_down,bytes_up,completion_s
     * (completion_s: from the peer's own start; empty or n/a when not complete). */
    double sum[3] = {0}, n[3] = {0}, fast_max = 0, rider = 0;
    GArray *others = g_array_new(FALSE, FALSE, sizeof(double));
    static const char *const apps[] = {"fast", "slow", "free-rider"};
    char **lines = g_strsplit(csv->rows->str, "\n", -1);
    for (char **l = lines; *l; l++) {
        char **c = g_strsplit(*l, ",", -1);
        if (g_strv_length(c) == 9)
            for (int k = 0; k < 3; k++)
                if (!strcmp(c[1], apps[k]) && *c[8] && strcmp(c[8], "n/a")) {
                    double t = g_ascii_strtod(c[8], NULL);
                    sum[k] += t;
                    n[k]++;
                    if (k == 0)
                        fast_max = fmax(fast_max, t);
                    if (k < 2)
                        g_array_append_val(others, t);
                    else
                        rider = t;
                }
        g_strfreev(c);
    }
    g_strfreev(lines);
    CU_ASSERT_EQUAL(n[0], 15);
    CU_ASSERT_EQUAL(n[1], 15);
    CU_ASSERT_EQUAL_FATAL(n[2], 1);
    double fast = sum[0] / n[0], slow = sum[1] / n[1];
    guint before = 0;
    for (guint i = 0; i < others->len; i++)
        before += g_array_index(others, double, i) < rider;
    CU_ASSERT_EQUAL(others->len, 30);
    CU_ASSERT_TRUE(fast_max < slow);
    CU_ASSERT_TRUE(fast <= 0.95 * slow);
    CU_ASSERT_TRUE(slow <= 0.95 * rider);
    CU_ASSERT_TRUE(before >= 27);
    if (!(fast_max < slow && fast <= 0.95 * slow && slow <= 0.95 * rider && before >= 27))
        printf("\n    seed %" G_GUINT64_FORMAT ": fast %.3f s (slowest %.3f s), slow %.3f s, free rider %.3f s "
               "after %u of %u\n", seed, fast, fast_max, slow, rider, before, others->len);
    g_array_free(others, TRUE);
    run_result_free(res);
}

static void test_tit_for_tat_order(void)
{
    scenario *sc = test_load_file(SCN("p2p-tit-for-tat.json"), NULL);
    CU_ASSERT_EQUAL(scenario_seed(sc), 2);
    static const uint64_t seeds[] = {2, 1, 3};
    for (guint i = 0; i < G_N_ELEMENTS(seeds); i++)
        tit_for_tat_at(sc, seeds[i]);
    scenario_free(sc);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_keys_errors), TEST(test_group_ports), TEST(test_small_swarm),
                                      TEST(test_leave_after_completion), TEST(test_tracker_answers_browser),
                                      TEST(test_tracker_labels),
                                      TEST(test_deterministic),
                                      TEST(test_distribution_bounds), TEST(test_churn_leave_slower),
                                      TEST(test_tit_for_tat_order)};
    return test_main("bt apps", tests, (int)G_N_ELEMENTS(tests));
}
