/*
 * Scenario files end to end, through the appsim program:
 * - every broken file under tests/scenarios/broken/ gives exactly the
 *   message in its .expected file, exit status 2, and writes nothing;
 * - the shipped scenarios check, run, and give their key numbers (pinned:
 *   determinism makes them exact) and agree with the textbook's formulas
 *   where formulas exist (tolerances in the assertions);
 * - -j 1 and -j 2 give byte-identical results; --set changes a value; an
 *   existing results folder survives a failed run and is replaced whole by
 *   a successful one.
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define BROKEN APPSIM_SOURCE_DIR "/tests/scenarios/broken"
#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"

static char *tmp_root;

static int run(const char *cwd, const char *const *argv, char **out, char **err)
{
    return test_spawn(cwd, argv, out, err);
}

static void test_broken_files(void)
{
    GDir *d = g_dir_open(BROKEN, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, ".json"))
            g_ptr_array_add(names, g_strdup(n));
    g_dir_close(d);
    CU_ASSERT_TRUE(names->len >= 25);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        char *exp_file = g_strdup_printf("%s/%.*s.expected", BROKEN, (int)strlen(name) - 5, name);
        char *expected = NULL;
        CU_ASSERT_TRUE_FATAL(g_file_get_contents(exp_file, &expected, NULL, NULL));
        char *out = NULL, *err = NULL;
        const char *argv[] = {APPSIM, "check", name, NULL};
        int rc = run(BROKEN, argv, &out, &err);
        if (rc != 2 || strcmp(err, expected))
            printf("\n    %s: exit %d, said: %s    expected: %s", name, rc, err, expected);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_STRING_EQUAL(err, expected);
        g_free(out);
        g_free(err);
        /* run refuses it too, and writes nothing */
        char *dir = g_build_filename(tmp_root, "broken-out", NULL);
        const char *argv2[] = {APPSIM, "run", name, "-o", dir, "-q", NULL};
        rc = run(BROKEN, argv2, &out, &err);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_FALSE(g_file_test(dir, G_FILE_TEST_EXISTS));
        g_free(out);
        g_free(err);
        g_free(dir);
        g_free(expected);
        g_free(exp_file);
    }
    g_ptr_array_free(names, TRUE);
}

/* Runs a shipped scenario into tmp/<name><tag>; returns its summary.json. */
static cJSON *run_shipped(const char *name, const char *tag, const char *const *extra)
{
    char *file = g_strdup_printf("%s/%s.json", SHIPPED, name);
    char *dir = g_strdup_printf("%s/%s%s", tmp_root, name, tag);
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, APPSIM);
    g_ptr_array_add(argv, "run");
    g_ptr_array_add(argv, file);
    g_ptr_array_add(argv, "-o");
    g_ptr_array_add(argv, dir);
    g_ptr_array_add(argv, "-q");
    for (const char *const *e = extra; e && *e; e++)
        g_ptr_array_add(argv, (char *)*e);
    g_ptr_array_add(argv, NULL);
    char *out = NULL, *err = NULL;
    int rc = run(NULL, (const char *const *)argv->pdata, &out, &err);
    if (rc != 0)
        printf("\n    %s: exit %d: %s", name, rc, err);
    CU_ASSERT_EQUAL(rc, 0);
    char *sum = g_build_filename(dir, "summary.json", NULL), *text = NULL;
    cJSON *j = g_file_get_contents(sum, &text, NULL, NULL) ? cJSON_Parse(text) : NULL;
    g_free(text);
    g_free(sum);
    g_free(out);
    g_free(err);
    g_ptr_array_free(argv, TRUE);
    g_free(dir);
    g_free(file);
    return j;
}

static const cJSON *metrics(const cJSON *sum, int run_index)
{
    const cJSON *runs = cJSON_GetObjectItem(sum, "runs");
    return cJSON_GetObjectItem(cJSON_GetArrayItem(runs, run_index), "metrics");
}

static double metric(const cJSON *sum, int k, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(metrics(sum, k), name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *param(const cJSON *sum, int k, const char *path)
{
    const cJSON *runs = cJSON_GetObjectItem(sum, "runs");
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(runs, k), "params"), path);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void test_shipped_check(void)
{
    static const char *const names[] = {"http-persistence", "http-parallel", "tcp-ideal-vs-reno",
                                        "http-single-object", "cache-access-link", "cache-hit-rate-curve",
                                        "cache-size-curve"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *file = g_strdup_printf("%s/%s.json", SHIPPED, names[i]);
        const char *argv[] = {APPSIM, "check", file, NULL};
        char *out = NULL, *err = NULL;
        CU_ASSERT_EQUAL(run(NULL, argv, &out, &err), 0);
        g_free(out);
        g_free(err);
        g_free(file);
    }
}

/* 2 RTT + L/R, plus the headers and handshake transmissions: within 3%. */
static void test_single_object(void)
{
    cJSON *s = run_shipped("http-single-object", "", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    double t = metric(s, 0, "page_load_time_mean_s"), f = metric(s, 0, "formula_s");
    printf("\n    single object: %.6f s, 2 RTT + L/R = %.6f s", t, f);
    ASSERT_REL(f, 0.2 + 10000 * 8 / 1e6, 1e-12);
    ASSERT_REL(t, f, 0.03);
    CU_ASSERT_TRUE(t > f);
    /* pinned (determinism) */
    CU_ASSERT_DOUBLE_EQUAL(t, 0.286392, 1e-6);
    char *tl = g_build_filename(tmp_root, "http-single-object", "timeline.gp", NULL);
    CU_ASSERT_TRUE(g_file_test(tl, G_FILE_TEST_EXISTS));
    g_free(tl);
    /* the transcript: the request as the slides print it, the response
     * with its body summarised, times sent -> arrived */
    char *trf = g_build_filename(tmp_root, "http-single-object", "transcript.txt", NULL), *tr = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(trf, &tr, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "C: [   100.640 ->    151.680]\nC: GET /object.html HTTP/1.0\nC: Host: server\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "S: [   151.680 ->    286.392]\nS: HTTP/1.0 200 OK\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "S: Content-Length: 10000\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "S: [10000 bytes]\n"));
    g_free(tr);
    g_free(trf);
    /* the fingerprint: the same scenario and seed give the same digest */
    const char *fp = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(s, "runs"), 0), "fingerprint")->valuestring;
    CU_ASSERT_EQUAL(strlen(fp), 64);
    cJSON *again = run_shipped("http-single-object", "-again", NULL);
    CU_ASSERT_STRING_EQUAL(fp, cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(again, "runs"), 0), "fingerprint")->valuestring);
    const char *seed2[] = {"--seed", "2", NULL};
    cJSON *other = run_shipped("http-single-object", "-seed2", seed2);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(other, "seed")->valuedouble, 2);
    cJSON_Delete(again);
    cJSON_Delete(other);
    cJSON_Delete(s);
    /* --set: another delay, another RTT */
    const char *set[] = {"--set", "links.access.delay=100ms", NULL};
    s = run_shipped("http-single-object", "-set", set);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    ASSERT_REL(metric(s, 0, "rtt_s"), 0.2, 1e-12);
    ASSERT_REL(metric(s, 0, "formula_s"), 0.4 + 0.08, 1e-12);
    cJSON_Delete(s);
}

/* Ideal TCP within 1% of 2 RTT + O/R; reno within 1% of the slow-start
 * formula, or up to one more stall (at most RTT + S/R) above it where the
 * ~200-byte HTTP head pushes the object over a window boundary. */
static void test_ideal_vs_reno(void)
{
    cJSON *s = run_shipped("tcp-ideal-vs-reno", "", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(s, "runs"));
    CU_ASSERT_EQUAL(n, 16);
    const double rtt = 0.1, sr = 1460 * 8 / 1e7;
    for (int k = 0; k < n; k++) {
        double t = metric(s, k, "page_load_time_mean_s"), f = metric(s, k, "formula_s");
        bool ideal = !strcmp(param(s, k, "tcp.cc"), "ideal");
        bool ok = fabs(t - f) <= 0.01 * f || (!ideal && t > f && t <= f + rtt + sr + 0.01 * f);
        if (!ok)
            printf("\n    %s %s: %.6f vs %.6f", param(s, k, "tcp.cc"),
                   param(s, k, "apps.web.objects.0.size"), t, f);
        CU_ASSERT_TRUE(ok);
        if (ideal)
            ASSERT_REL(t, f, 0.01);
    }
    cJSON_Delete(s);
}

static void test_persistence_and_parallel(void)
{
    cJSON *s = run_shipped("http-persistence", "", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(s, "runs"));
    CU_ASSERT_EQUAL(n, 24);
    /* runs: compare (mode) slowest, delay fastest: 6 delays per mode */
    for (int d = 0; d < 6; d++) {
        double np = metric(s, d, "page_load_time_mean_s"), npp = metric(s, 6 + d, "page_load_time_mean_s");
        double p = metric(s, 12 + d, "page_load_time_mean_s"), pp = metric(s, 18 + d, "page_load_time_mean_s");
        CU_ASSERT_TRUE(np > p && p > pp && np > npp);
        /* reno never beats the textbook's negligible-size formula */
        for (int m = 0; m < 4; m++)
            CU_ASSERT_TRUE(metric(s, 6 * m + d, "page_load_time_mean_s") >= metric(s, 6 * m + d, "formula_s"));
    }
    /* pinned: non-persistent and persistent at 50 ms one way */
    CU_ASSERT_DOUBLE_EQUAL(metric(s, 3, "page_load_time_mean_s"), 2.287038, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(metric(s, 15, "page_load_time_mean_s"), 1.286230, 1e-6);
    cJSON_Delete(s);
    s = run_shipped("http-parallel", "", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(s, "runs")), 20);
    /* more non-persistent connections help, up to a point */
    CU_ASSERT_TRUE(metric(s, 0, "page_load_time_mean_s") > 2 * metric(s, 4, "page_load_time_mean_s"));
    cJSON_Delete(s);
}

static double workload(const cJSON *sum, int k, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(metrics(sum, k), "cache_workload"), name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The slides' caching example: utilisations 0.97, 0.097, 0.58; delays of
 * about 2 s with the fat link and 1.2 to 1.3 s with the cache. */
static void test_cache_access_link(void)
{
    cJSON *s = run_shipped("cache-access-link", "", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    ASSERT_REL(workload(s, 0, "access_down_utilisation"), 0.974, 0.02);
    ASSERT_REL(workload(s, 1, "access_down_utilisation"), 0.0974, 0.02);
    ASSERT_REL(workload(s, 2, "access_down_utilisation"), 0.584, 0.03);
    CU_ASSERT_TRUE(workload(s, 0, "response_time_mean_s") > 3.0);
    ASSERT_REL(workload(s, 1, "response_time_mean_s"), 2.04, 0.02);
    double cached = workload(s, 2, "response_time_mean_s");
    CU_ASSERT_TRUE(cached >= 1.2 && cached <= 1.35);
    ASSERT_REL(workload(s, 2, "hit_rate"), 0.4, 0.03);
    cJSON_Delete(s);
}

/* Message mode against M/M/1 for the access link: within 5% wherever the
 * access link's utilisation is below 0.9. The TCP curve (the last ten runs)
 * lies above the formula: handshakes and slow start cost round trips. */
static void test_cache_hit_rate_curve(void)
{
    const char *j[] = {"-j", "2", NULL};
    cJSON *s = run_shipped("cache-hit-rate-curve", "", j);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(s, "runs")), checked = 0;
    CU_ASSERT_EQUAL(n, 40);
    for (int k = 30; k < n; k++)
        CU_ASSERT_TRUE(workload(s, k, "response_time_mean_s") > 2 * metric(s, k, "formula_s"));
    for (int k = 0; k < 30; k++) {
        double util = workload(s, k, "access_down_utilisation");
        double t = workload(s, k, "response_time_mean_s"), f = metric(s, k, "formula_s");
        if (util < 0.9 && isfinite(f)) {
            ASSERT_REL(t, f, 0.05);
            checked++;
        }
    }
    CU_ASSERT_TRUE(checked >= 25);
    cJSON_Delete(s);
}

/* Hit rate grows with capacity; LFU >= LRU >= FIFO under Zipf (shortened). */
static void test_cache_size_curve(void)
{
    const char *x[] = {"-j", "2", "--set", "apps.institution.duration=150s", "--set",
                       "apps.institution.warmup=50s", NULL};
    cJSON *s = run_shipped("cache-size-curve", "", x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    /* runs: case slowest (LRU, LFU, FIFO for alpha 0.8, then 1.0), 6 capacities each */
    for (int a = 0; a < 2; a++) {
        for (int c = 0; c < 6; c++) {
            double lru = workload(s, (3 * a + 0) * 6 + c, "hit_rate");
            double lfu = workload(s, (3 * a + 1) * 6 + c, "hit_rate");
            double fifo = workload(s, (3 * a + 2) * 6 + c, "hit_rate");
            CU_ASSERT_TRUE(lfu >= lru - 0.01 && lru >= fifo - 0.01);
            if (c > 0)
                CU_ASSERT_TRUE(lru > workload(s, (3 * a) * 6 + c - 1, "hit_rate"));
        }
    }
    cJSON_Delete(s);
}

static bool same_file(const char *a, const char *b)
{
    char *x = NULL, *y = NULL;
    gsize lx = 0, ly = 0;
    bool ok = g_file_get_contents(a, &x, &lx, NULL) && g_file_get_contents(b, &y, &ly, NULL) && lx == ly &&
              memcmp(x, y, lx) == 0;
    g_free(x);
    g_free(y);
    return ok;
}

static void test_determinism_across_jobs(void)
{
    const char *j1[] = {"-j", "1", NULL}, *j2[] = {"-j", "2", NULL};
    cJSON *a = run_shipped("http-persistence", "-j1", j1);
    cJSON *b = run_shipped("http-persistence", "-j2", j2);
    cJSON_Delete(a);
    cJSON_Delete(b);
    static const char *const files[] = {"summary.json", "requests.csv", "links.csv", "page_load_time.dat",
                                        "page_load_time.gp"};
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        char *x = g_strdup_printf("%s/http-persistence-j1/%s", tmp_root, files[i]);
        char *y = g_strdup_printf("%s/http-persistence-j2/%s", tmp_root, files[i]);
        CU_ASSERT_TRUE(same_file(x, y));
        g_free(x);
        g_free(y);
    }
}

static void test_output_folder_replaced_whole(void)
{
    char *dir = g_build_filename(tmp_root, "replace", NULL);
    g_mkdir_with_parents(dir, 0755);
    char *marker = g_build_filename(dir, "old-file", NULL);
    g_file_set_contents(marker, "x", -1, NULL);
    /* a failing run (bad --set value) leaves it untouched */
    char *file = g_strdup_printf("%s/http-single-object.json", SHIPPED);
    const char *bad[] = {APPSIM, "run", file, "-o", dir, "--set", "links.access.rate=fast", NULL};
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(run(NULL, bad, &out, &err), 2);
    CU_ASSERT_TRUE(g_file_test(marker, G_FILE_TEST_EXISTS));
    g_free(out);
    g_free(err);
    const char *good[] = {APPSIM, "run", file, "-o", dir, "-q", NULL};
    CU_ASSERT_EQUAL(run(NULL, good, &out, &err), 0);
    CU_ASSERT_FALSE(g_file_test(marker, G_FILE_TEST_EXISTS));
    char *sum = g_build_filename(dir, "summary.json", NULL);
    CU_ASSERT_TRUE(g_file_test(sum, G_FILE_TEST_EXISTS));
    g_free(sum);
    g_free(out);
    g_free(err);
    g_free(file);
    g_free(marker);
    g_free(dir);
    /* usage errors are status 2 too */
    const char *none[] = {APPSIM, "run", "/nonexistent/file.json", NULL};
    CU_ASSERT_EQUAL(run(NULL, none, &out, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot read"));
    g_free(out);
    g_free(err);
}


int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-scn-XXXXXX", NULL);
    static const test_case tests[] = {
        TEST(test_broken_files),          TEST(test_shipped_check),
        TEST(test_single_object),         TEST(test_ideal_vs_reno),
        TEST(test_persistence_and_parallel), TEST(test_determinism_across_jobs),
        TEST(test_output_folder_replaced_whole),
        TEST(test_cache_access_link),
        TEST(test_cache_hit_rate_curve),
        TEST(test_cache_size_curve),
    };
    int rc = test_main("cli/scenarios", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
