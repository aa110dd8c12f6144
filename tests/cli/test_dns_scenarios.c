/*
 * The shipped DNS scenarios run through the appsim program, against the
 * textbook's arithmetic:
 * - dns-iterative-vs-recursive: 8 messages either way (the textbook's
 *   figure), one query out of the local server when it forwards, and
 *   the lookup time equal to the dns-lookup formula (sum of the round
 *   trips with the real messages' transmission times) within 1e-7
 *   (relative: exact to the nanosecond; the relays' EDNS queries and
 *   answers counted as they cross);
 * - dns-page-load: 3, 2, 1 and 0 queries out of the local server for its
 *   four cache states, the first lookup's time falling by the round trips
 *   saved, and the page load time equal to "dns-lookup + http-page"
 *   within 1%, as the issue asks;
 * - dns-cache-ttl: the local server's hit rate within 1.5% (relative) of
 *   the TTL-cache formula at every TTL, rising with the TTL;
 * - errors a student meets are reported where they stand.
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "shipped_runs.h"
#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"

static char *tmp_root;

static void test_iterative_and_recursive(void)
{
    cJSON *s = shipped_run("dns-iterative-vs-recursive", "", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    /* run 0: iterative, run 1: recursive */
    CU_ASSERT_STRING_EQUAL(shipped_param(s, 0, "case"), "iterative");
    CU_ASSERT_STRING_EQUAL(shipped_param(s, 1, "case"), "recursive");
    for (int k = 0; k < 2; k++) {
        CU_ASSERT_EQUAL(shipped_metric_at(s, k, "dns.messages"), 8);
        CU_ASSERT_EQUAL(shipped_metric_at(s, k, "dns.lookups"), 1);
        CU_ASSERT_EQUAL(shipped_metric_at(s, k, "dns.failed"), 0);
        double t = shipped_metric_at(s, k, "dns.mean_lookup_time_s"), f = shipped_metric(s, k, "formula_s");
        printf("\n    %s: lookup %.9f s, formula %.9f s", shipped_param(s, k, "case"), t, f);
        ASSERT_REL(t, f, 1e-7);
    }
    /* iterative: the local server asks three servers; recursive: one, and
     * the root and the TLD server relay one query each */
    CU_ASSERT_EQUAL(shipped_metric_at(s, 0, "dns.queries_out"), 3);
    CU_ASSERT_EQUAL(shipped_metric_at(s, 1, "dns.queries_out"), 1);
    CU_ASSERT_EQUAL(shipped_metric_at(s, 0, "dns_server.relayed"), 0);
    CU_ASSERT_EQUAL(shipped_metric_at(s, 1, "dns_server.relayed"), 2);
    /* round trips: client-local 10 ms; local to root 50, TLD 40,
     * authoritative 30 (iterative: 130 ms); root-TLD 70, TLD-authoritative
     * 50 (recursive: 10 + 50 + 70 + 50 = 180 ms); the rest is transmission */
    double it = shipped_metric_at(s, 0, "dns.mean_lookup_time_s"), rec = shipped_metric_at(s, 1, "dns.mean_lookup_time_s");
    CU_ASSERT_TRUE(it > 0.130 && it < 0.131);
    CU_ASSERT_TRUE(rec > 0.180 && rec < 0.181);
    cJSON_Delete(s);
    /* the lookups' table: the local server asked root, com's and
     * example.com's servers in that order */
    char *csv = g_build_filename(tmp_root, "dns-iterative-vs-recursive", "dns.csv", NULL), *text = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(csv, &text, NULL, NULL));
    CU_ASSERT_TRUE(g_str_has_prefix(text, "run,host,time_s,name,type,result,from_cache,queries,servers,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ",www.example.com,A,NOERROR,0,3,root;ns.com;dns.example.com,"));
    g_free(text);
    g_free(csv);
}

static void test_page_load_by_cache_state(void)
{
    cJSON *s = shipped_run("dns-page-load", "", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    static const char *const cases[] = {"cold", "TLD cached", "zone cached", "all cached"};
    double page[4];
    for (int k = 0; k < 4; k++) {
        CU_ASSERT_STRING_EQUAL(shipped_param(s, k, "case"), cases[k]);
        CU_ASSERT_EQUAL(shipped_metric_at(s, k, "dns.queries_out"), 3 - k);
        CU_ASSERT_EQUAL(shipped_metric_at(s, k, "dns.messages"), 2 + 2 * (3 - k));
        page[k] = shipped_metric(s, k, "page_load_time_mean_s");
        double f = shipped_metric(s, k, "formula_s");
        printf("\n    %s: page load %.6f s, dns-lookup + http-page %.6f s", cases[k], page[k], f);
        ASSERT_REL(page[k], f, 0.01);
        /* the dns part of "where the time went" is the first lookup */
        CU_ASSERT_TRUE(shipped_metric_at(s, k, "breakdown.dns_s") > 0.009);
    }
    /* each server the local one need not ask saves its round trip: root
     * 50 ms, TLD 40 ms, authoritative 30 ms (plus transmissions) */
    CU_ASSERT_TRUE(fabs(page[0] - page[1] - 0.050) < 0.0005);
    CU_ASSERT_TRUE(fabs(page[1] - page[2] - 0.040) < 0.0005);
    CU_ASSERT_TRUE(fabs(page[2] - page[3] - 0.030) < 0.0005);
    CU_ASSERT_EQUAL(shipped_metric_at(s, 3, "dns.cache_hit_rate"), 1);
    cJSON_Delete(s);
}

static void test_cache_hit_rate_against_ttl(void)
{
    cJSON *s = shipped_run("dns-cache-ttl", "", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    double last = 0;
    for (int k = 0; k < 6; k++) {
        double h = shipped_metric_at(s, k, "dns.cache_hit_rate"), f = shipped_metric(s, k, "formula_s");
        printf("\n    TTL %s: hit rate %.4f, formula %.4f", shipped_param(s, k, "apps.auth-server.zones.0.ttl"), h,
               f);
        ASSERT_REL(h, f, 0.015);
        /* rising with the TTL; once the TTL outlasts the run (300 s and
         * 1800 s against a run of about 200 s) only the first lookup of
         * each name misses, and two runs differ by their draws alone */
        CU_ASSERT_TRUE(h >= last - 0.002);
        last = h;
        CU_ASSERT_EQUAL(shipped_metric_at(s, k, "dns_workload.lookups"), 10000);
        /* a hit costs the client's round trip to the local server (10 ms),
         * a miss more: the mean lies between */
        double t = shipped_metric_at(s, k, "dns_workload.mean_lookup_time_s");
        CU_ASSERT_TRUE(t > 0.010 && t < 0.010 + (1 - h) * 0.3);
    }
    cJSON_Delete(s);
}

/* A scenario file in the temporary folder, from the DNS topology and
 * `apps`; returns appsim check's exit status and stderr. */
static int check_apps(const char *apps, char **err)
{
    char *text = g_strdup_printf(
        "{\"name\": \"dns-bad\", \"nodes\": [{\"name\": \"client\"}, {\"name\": \"ns\"}, {\"name\": \"web\"}],\n"
        " \"links\": [{\"name\": \"a\", \"from\": \"client\", \"to\": \"ns\", \"rate\": \"10Mbps\", \"delay\": \"5ms\"},\n"
        "            {\"name\": \"b\", \"from\": \"ns\", \"to\": \"web\", \"rate\": \"10Mbps\", \"delay\": \"5ms\"}],\n"
        " \"apps\": [%s]}\n",
        apps);
    char *file = g_build_filename(tmp_root, "dns-bad.json", NULL);
    g_file_set_contents(file, text, -1, NULL);
    const char *argv[] = {APPSIM, "check", file, NULL};
    char *out = NULL;
    int rc = test_spawn(NULL, argv, &out, err);
    g_free(out);
    g_free(file);
    g_free(text);
    return rc;
}

static void expect_check_error(const char *apps, const char *expected)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(check_apps(apps, &err), 2);
    if (!err || !strstr(err, expected))
        printf("\n    expected \"%s\" in: %s", expected, err ? err : "(nothing)");
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, expected));
    g_free(err);
}

static void test_errors_are_located(void)
{
    /* a record that is not one: its place in the list, the column */
    expect_check_error("{\"type\": \"dns-server\", \"host\": \"ns\", \"zones\": [{\"origin\": \"example.com\","
                       " \"records\": [\"www A web\", \"www A 10.0.0.300\"]}]}",
                       "$.apps[0].zones[0].records[1]: column ");
    /* a record outside its zone */
    expect_check_error("{\"type\": \"dns-server\", \"host\": \"ns\", \"zones\": [{\"origin\": \"example.com\","
                       " \"records\": [\"www.other.org. A web\"]}]}",
                       "$.apps[0].zones[0].records[0]");
    /* no zones */
    expect_check_error("{\"type\": \"dns-server\", \"host\": \"ns\"}", "$.apps[0].zones");
    /* a bad origin */
    expect_check_error("{\"type\": \"dns-server\", \"host\": \"ns\", \"zones\": [{\"origin\": \"a..b\","
                       " \"records\": [\"www A web\"]}]}",
                       "$.apps[0].zones[0].origin");
    /* forward mode without its server */
    expect_check_error("{\"type\": \"dns-resolver\", \"host\": \"ns\", \"mode\": \"forward\"}",
                       "$.apps[0].forward_to");
    /* a cache state without names to apply it to */
    expect_check_error("{\"type\": \"dns-resolver\", \"host\": \"ns\", \"cache_state\": \"all\"}", "$.apps[0].warm");
    /* a workload without names */
    expect_check_error("{\"type\": \"dns-workload\", \"host\": \"client\", \"rate\": 5}", "$.apps[0].names");
    /* the well-formed version checks */
    char *err = NULL;
    CU_ASSERT_EQUAL(check_apps("{\"type\": \"dns-server\", \"host\": \"ns\", \"zones\": [{\"origin\": \".\","
                               " \"records\": [\"www.example.com. A web\"]}]},"
                               " {\"type\": \"dns-resolver\", \"host\": \"ns\", \"port\": 5353},"
                               " {\"type\": \"dns-workload\", \"host\": \"client\", \"rate\": 5, \"lookups\": 3,"
                               " \"names\": [\"www.example.com\"]}",
                               &err),
                    0);
    g_free(err);
}

/* A run whose names do not exist: every lookup fails NXDOMAIN, the
 * workload says so and the run fails (exit 1), with its results written. */
static void test_nxdomain_fails_the_run(void)
{
    char *text = g_strdup(
        "{\"name\": \"dns-nx\", \"nodes\": [{\"name\": \"client\"}, {\"name\": \"ns\"}],\n"
        " \"links\": [{\"name\": \"a\", \"from\": \"client\", \"to\": \"ns\", \"rate\": \"10Mbps\", \"delay\": \"5ms\"}],\n"
        " \"apps\": [{\"type\": \"dns-server\", \"host\": \"ns\", \"zones\": [{\"origin\": \".\", \"records\": [\"a. A ns\"]}]},\n"
        "   {\"type\": \"dns-resolver\", \"host\": \"ns\", \"port\": 5353},\n"
        "   {\"type\": \"dns-workload\", \"host\": \"client\", \"rate\": 5, \"lookups\": 3, \"names\": [\"nope.example\"]}]}\n");
    char *file = g_build_filename(tmp_root, "dns-nx.json", NULL);
    char *dir = g_build_filename(tmp_root, "dns-nx-out", NULL);
    g_file_set_contents(file, text, -1, NULL);
    const char *argv[] = {APPSIM, "run", file, "-o", dir, "-q", NULL};
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(test_spawn(NULL, argv, &out, &err), 1);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "every lookup failed"));
    char *csv = g_build_filename(dir, "dns.csv", NULL), *rows = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(csv, &rows, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(rows && strstr(rows, ",nope.example,A,NXDOMAIN,"));
    g_free(rows);
    g_free(csv);
    g_free(out);
    g_free(err);
    g_free(dir);
    g_free(file);
    g_free(text);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-dns-scn-XXXXXX", NULL);
    shipped_set_root(tmp_root);
    static const test_case tests[] = {
        TEST(test_iterative_and_recursive), TEST(test_page_load_by_cache_state),
        TEST(test_cache_hit_rate_against_ttl), TEST(test_errors_are_located),
        TEST(test_nxdomain_fails_the_run),
    };
    int rc = test_main("cli/dns_scenarios", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
