/*
 * The browser's formulas ("http-page", "single-object") against the
 * simulator's ideal TCP, over a grid: n objects in {1, 3, 5, 10}, N
 * parallel connections in {2, 3, 5} (so n < N, n = N and n > N), RTT in
 * {10, 100, 300 ms}, R in {1 Mbps, 10 Mbps, 1 Gbps}, objects of 10 bytes
 * and of 10 kB, every mode. Each point is a scenario run through the world
 * with a registry of the server and the browser; the formula is the one
 * the run reports (formula_s). Tolerance: 1%, in the assertion. The worst
 * error of each mode is printed.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "protocols/http/app/http_apps.h"
#include "test_util.h"
#include "world/world.h"

static const app_type *const types[] = {&http_server_app, &http_browser_app};
static const app_registry registry = {types, 2};

/* One page load: returns its time, and the formula in *formula. */
static double run_page_cc(const char *cc, const char *mode, int n, int par, double rtt, uint64_t rate,
                          uint64_t size, const char *formula, double *formula_s)
{
    char *json = g_strdup_printf(
        "{\"name\": \"pf\", \"seed\": 1, \"tcp\": {\"cc\": \"%s\"},"
        " \"nodes\": [{\"name\": \"client\"}, {\"name\": \"server\"}],"
        " \"links\": [{\"name\": \"access\", \"from\": \"client\", \"to\": \"server\", \"rate\": %" G_GUINT64_FORMAT
        ", \"delay\": \"%gms\"}],"
        " \"apps\": [{\"name\": \"web\", \"type\": \"http-server\", \"host\": \"server\", \"pages\": [{\"path\": "
        "\"/index.html\", \"objects\": %d, \"object_size\": %" G_GUINT64_FORMAT "}]},"
        " {\"name\": \"b\", \"type\": \"browser\", \"host\": \"client\", \"mode\": \"%s\", \"parallel\": %d,"
        " \"pages\": [\"http://server/index.html\"]}],"
        " \"outputs\": {\"metric\": \"page_load_time\", \"formula\": \"%s\"}}",
        cc, rate, rtt * 1e3 / 2, n, size, mode, par, formula);
    char *file = NULL;
    int fd = g_file_open_tmp("appsim-pf-XXXXXX.json", &file, NULL);
    close(fd);
    g_file_set_contents(file, json, -1, NULL);
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, &registry, &err);
    if (!sc)
        printf("\n    %s\n", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    scn_run *r = scenario_run(sc, 0, &err);
    run_result *res = r ? world_run(r, &registry, 0, NULL, &err) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    double t = run_result_metric(res, "page_load_time_mean_s");
    *formula_s = res->formula_s;
    run_result_free(res);
    scn_run_free(r);
    scenario_free(sc);
    g_unlink(file);
    g_free(file);
    g_free(json);
    return t;
}

static double run_page(const char *mode, int n, int par, double rtt, uint64_t rate, uint64_t size,
                       const char *formula, double *formula_s)
{
    return run_page_cc("ideal", mode, n, par, rtt, rate, size, formula, formula_s);
}

static void test_http_page_grid(void)
{
    static const char *const modes[] = {"nonpersistent", "nonpersistent-parallel", "persistent", "pipelined",
                                        "persistent-parallel"};
    static const int ns[] = {1, 3, 5, 10}, pars[] = {2, 3, 5};
    static const double rtts[] = {0.01, 0.1, 0.3};
    static const uint64_t rates[] = {1000000, 10000000, 1000000000}, sizes[] = {10, 10000};
    for (size_t m = 0; m < G_N_ELEMENTS(modes); m++) {
        bool parallel = strstr(modes[m], "parallel") != NULL;
        double worst = 0;
        char where[160] = "";
        int points = 0, none = 0;
        for (size_t a = 0; a < G_N_ELEMENTS(ns); a++)
            for (size_t p = 0; p < (parallel ? G_N_ELEMENTS(pars) : 1); p++)
                for (size_t b = 0; b < G_N_ELEMENTS(rtts); b++)
                    for (size_t c = 0; c < G_N_ELEMENTS(rates); c++)
                        for (size_t d = 0; d < G_N_ELEMENTS(sizes); d++) {
                            double f = NAN;
                            double t = run_page(modes[m], ns[a], pars[p], rtts[b], rates[c], sizes[d], "http-page", &f);
                            if (isnan(f)) {
                                /* Only where N responses of 10 kB queue at 1 Mbps
                                 * for longer than a retransmission timeout. */
                                CU_ASSERT_TRUE(parallel && rates[c] == 1000000 && sizes[d] == 10000);
                                none++;
                                printf("\n      none: %s n=%d N=%d RTT=%g R=%g L=%g: %.6f s", modes[m], ns[a],
                                       pars[p], rtts[b], (double)rates[c], (double)sizes[d], t);
                                continue;
                            }
                            double e = fabs(f / t - 1);
                            ASSERT_REL(f, t, 0.01);
                            if (e > 0.01)
                                printf("\n      %s n=%d N=%d RTT=%g R=%g L=%g: %.6f s, formula %.6f s", modes[m],
                                       ns[a], pars[p], rtts[b], (double)rates[c], (double)sizes[d], t, f);
                            points++;
                            if (!(e <= worst)) {
                                worst = e;
                                g_snprintf(where, sizeof where, "n=%d N=%d RTT=%g R=%g L=%g: %.6f s, formula %.6f s",
                                           ns[a], parallel ? pars[p] : 1, rtts[b], (double)rates[c],
                                           (double)sizes[d], t, f);
                            }
                        }
        printf("\n    %-22s %3d points, %d without a formula, worst %.4f%% (%s)", modes[m], points + none, none,
               100 * worst, where);
    }
}

/* One object on a new connection: 2 RTT + what crosses, over R and RTT. */
static void test_single_object_grid(void)
{
    static const double rtts[] = {0.01, 0.1, 0.3};
    static const uint64_t rates[] = {1000000, 10000000, 1000000000}, sizes[] = {10, 10000, 100000};
    double worst = 0;
    for (size_t b = 0; b < G_N_ELEMENTS(rtts); b++)
        for (size_t c = 0; c < G_N_ELEMENTS(rates); c++)
            for (size_t d = 0; d < G_N_ELEMENTS(sizes); d++) {
                double f = NAN;
                double t = run_page("nonpersistent", 0, 1, rtts[b], rates[c], sizes[d], "single-object", &f);
                ASSERT_REL(f, t, 0.01);
                worst = MAX(worst, fabs(f / t - 1));
            }
    printf("\n    single-object: worst %.4f%%", 100 * worst);
}

/* The tables of docs/http.md: a base page and 10 objects over 10 Mbps
 * with a 100 ms RTT, N = 5; the textbook with sizes negligible, the
 * formula, the ideal TCP and reno. The formula is the ideal TCP's within
 * 1% (in the assertion). */
static void formula_table(uint64_t size)
{
    static const struct {
        const char *mode, *name;
    } modes[] = {
        {"nonpersistent", "non-persistent, serial"},     {"nonpersistent-parallel", "non-persistent, 5 parallel"},
        {"persistent", "persistent, no pipelining"},     {"persistent-parallel", "persistent, 5 parallel"},
        {"pipelined", "persistent, pipelined"},
    };
    const double rtt = 0.1;
    const int n = 10, par = 5;
    const double textbook[] = {2 * rtt * (n + 1), 2 * rtt * (1 + ceil((double)n / par)), 2 * rtt + n * rtt,
                               3 * rtt + ceil((n - 1.0) / par) * rtt, 3 * rtt};
    printf("\n\nObjects of %" G_GUINT64_FORMAT " bytes:\n\n| mode | textbook (sizes negligible) | formula | ideal TCP "
           "| reno |\n| --- | --- | --- | --- | --- |\n",
           size);
    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        double f = NAN, f2 = NAN;
        double ideal = run_page_cc("ideal", modes[i].mode, n, par, rtt, 10000000, size, "http-page", &f);
        double reno = run_page_cc("reno", modes[i].mode, n, par, rtt, 10000000, size, "http-page", &f2);
        char fs[32] = "none";
        if (!isnan(f))
            g_snprintf(fs, sizeof fs, "%.3f s", f);
        printf("| %s | %.3f s | %s | %.3f s | %.3f s |\n", modes[i].name, textbook[i], fs, ideal, reno);
        if (isnan(f)) {
            /* Five responses of 100 kB queue for longer than the timeout:
             * the ideal TCP retransmits, and no formula is given. */
            CU_ASSERT_TRUE(size == 100000 && strstr(modes[i].mode, "parallel") != NULL);
            CU_ASSERT_TRUE(isnan(f2));
            continue;
        }
        ASSERT_REL(f, ideal, 0.01);
        ASSERT_REL(f2, f, 1e-12); /* the formula is the ideal TCP's whatever the run's */
        CU_ASSERT_TRUE(f > textbook[i]);
    }
}

static void test_formula_tables(void)
{
    formula_table(10000);
    formula_table(100000);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_http_page_grid), TEST(test_single_object_grid),
                                      TEST(test_formula_tables)};
    return test_main("protocols/http/app/page_formulas", tests, G_N_ELEMENTS(tests));
}
