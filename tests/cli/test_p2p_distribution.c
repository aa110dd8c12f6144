/*
 * The results of scenarios/p2p-distribution.json (docs/p2p.md, "The
 * distribution scenario's results"), through the appsim program, one run
 * of the plan shared by the tests:
 * - times.png: the swarm and client-server simulated beside the P2P and
 *   client-server lower bounds, each named for a student ("BitTorrent
 *   swarm (simulated)", "P2P lower bound", ...), against "N (peers)";
 * - client-server: at every N the browsers fetched the file, their
 *   distribution time at least the textbook's bound and within 15% of it
 *   (measured 4% to 10%: slow start and the queue at the seed's uplink),
 *   and beaten by the swarm from N = 20 on;
 * - cdf.png: one staircase per N over the leechers (the seed's "n/a" left
 *   out), rising to 1 at the distribution time;
 * - bt-upload.csv and utilisation.png: per second, the swarm's upload
 *   utilisation between 0 and 1 (never above 1: no uplink carries more
 *   than its rate), over bins that cover the distribution time exactly;
 *   its time-weighted mean equal to 8 x bytes / (capacity x distribution
 *   time) within 1% (the file's rounding), and those bytes within 3% of
 *   the blocks' bytes the peers sent (measured 0.01% to 2.2%: message
 *   heads, haves and requests add, blocks still in flight when the run
 *   stops take away).
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "plots/plot.h"
#include "shipped_runs.h"
#include "test_util.h"

static char *tmp_root, *dir;
static cJSON *sum;

static const int peers[] = {2, 5, 10, 20, 40};

static char *read_out(const char *name)
{
    char *path = g_build_filename(dir, name, NULL), *text = NULL;
    g_file_get_contents(path, &text, NULL, NULL);
    g_free(path);
    return text;
}

/* Runs the scenario once, for every test (shipped_run asserts, so it runs
 * inside a test). */
static bool have_run(void)
{
    if (!sum && !dir) {
        sum = shipped_run("p2p-distribution", "", NULL);
        dir = g_build_filename(tmp_root, "p2p-distribution", NULL);
    }
    return sum != NULL;
}

static double formula(int k, const char *name)
{
    const cJSON *f = cJSON_GetObjectItem(shipped_metrics(sum, k), "formulas");
    const cJSON *v = f ? cJSON_GetObjectItem(f, name) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void test_times_figure(void)
{
    CU_ASSERT_TRUE_FATAL(have_run());
    char *gp = read_out("times.gp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    static const char *const titles[] = {"title 'BitTorrent swarm (simulated)'", "title 'P2P lower bound'",
                                         "title 'client-server (simulated)'", "title 'client-server lower bound'",
                                         "set xlabel 'N (peers)'"};
    for (size_t i = 0; i < G_N_ELEMENTS(titles); i++) {
        CU_ASSERT_PTR_NOT_NULL(strstr(gp, titles[i]));
        if (!strstr(gp, titles[i]))
            printf("\n    times.gp lacks %s", titles[i]);
    }
    /* Four curves, no bound called a simulation, no name of a key. */
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "data index 3 "));
    CU_ASSERT_PTR_NULL(strstr(gp, "data index 4 "));
    CU_ASSERT_PTR_NULL(strstr(gp, "textbook"));
    CU_ASSERT_PTR_NULL(strstr(gp, "bound (simulated)"));
    CU_ASSERT_PTR_NULL(strstr(gp, "distribution_time"));
    g_free(gp);
    for (int i = 0; i < 2 && plot_have_gnuplot(); i++) {
        char *img = g_build_filename(dir, i ? "times.svg" : "times.png", NULL);
        GStatBuf st;
        CU_ASSERT_TRUE(g_stat(img, &st) == 0 && st.st_size > 1000);
        g_free(img);
    }
}

static void test_client_server_beside_swarm(void)
{
    CU_ASSERT_TRUE_FATAL(have_run());
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(cJSON_GetObjectItem(sum, "runs")), (int)G_N_ELEMENTS(peers));
    printf("\n    N    client-server (s)  its bound (s)  swarm (s)  P2P bound (s)");
    for (int k = 0; k < (int)G_N_ELEMENTS(peers); k++) {
        char label[8];
        g_snprintf(label, sizeof label, "%d", peers[k]);
        CU_ASSERT_STRING_EQUAL(shipped_param(sum, k, "N"), label);
        double cs = shipped_metric(sum, k, "distribution_time_s"), cs_bound = formula(k, "p2p-cs-bound");
        double swarm = shipped_metric_at(sum, k, "bt.distribution_time_s"), p2p = formula(k, "p2p-bound");
        CU_ASSERT_EQUAL(shipped_metric(sum, k, "pages"), peers[k]);
        CU_ASSERT_EQUAL(shipped_metric(sum, k, "failures"), 0);
        CU_ASSERT_EQUAL(shipped_metric_at(sum, k, "bt.completed"), peers[k]);
        /* F = 16 Mbit, u_s = 10 Mbps, d = 20 Mbps: D_cs = max(N F / u_s, F / d). */
        ASSERT_REL(cs_bound, fmax(peers[k] * 16e6 / 10e6, 16e6 / 20e6), 1e-12);
        CU_ASSERT_TRUE(cs >= cs_bound && cs <= 1.15 * cs_bound);
        CU_ASSERT_TRUE(swarm >= p2p);
        if (peers[k] >= 20)
            CU_ASSERT_TRUE(swarm < cs);
        printf("\n    %-4d %-18.4f %-14.4f %-10.4f %.4f", peers[k], cs, cs_bound, swarm, p2p);
    }
}

/* The blocks "# index K: ..." of a .dat file, each a list of (x, y). */
static GPtrArray *dat_blocks(const char *text)
{
    GPtrArray *blocks = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    gchar **parts = g_strsplit(text, "# index ", -1);
    for (gchar **p = parts + 1; *p; p++) {
        GArray *pts = g_array_new(FALSE, FALSE, sizeof(double));
        gchar **lines = g_strsplit(*p, "\n", -1);
        for (gchar **l = lines + 1; *l; l++) {
            if (!**l || **l == '#')
                continue;
            char *end;
            double x = g_ascii_strtod(*l, &end), y = g_ascii_strtod(end, NULL);
            g_array_append_val(pts, x);
            g_array_append_val(pts, y);
        }
        g_strfreev(lines);
        g_ptr_array_add(blocks, pts);
    }
    g_strfreev(parts);
    return blocks;
}

static void test_completion_cdf(void)
{
    CU_ASSERT_TRUE_FATAL(have_run());
    char *text = read_out("cdf.dat");
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    GPtrArray *blocks = dat_blocks(text);
    CU_ASSERT_EQUAL_FATAL(blocks->len, G_N_ELEMENTS(peers));
    for (guint k = 0; k < blocks->len; k++) {
        GArray *pts = g_ptr_array_index(blocks, k);
        guint n = pts->len / 2;
        /* From (0, 0), one step of 1/N per leecher: the seed is not a row. */
        CU_ASSERT_EQUAL(n, (guint)peers[k] + 1);
        CU_ASSERT_TRUE(g_array_index(pts, double, 0) == 0 && g_array_index(pts, double, 1) == 0);
        CU_ASSERT_DOUBLE_EQUAL(g_array_index(pts, double, 2 * n - 1), 1.0, 1e-9);
        /* Every peer starts with the swarm: the last one's completion is the distribution time. */
        ASSERT_REL(g_array_index(pts, double, 2 * n - 2), shipped_metric_at(sum, (int)k, "bt.distribution_time_s"),
                   1e-6);
    }
    g_ptr_array_free(blocks, TRUE);
    g_free(text);
    char *gp = read_out("cdf.gp");
    CU_ASSERT_PTR_NOT_NULL(gp && strstr(gp, "title 'N = 40'"));
    g_free(gp);
}

static void test_upload_utilisation(void)
{
    CU_ASSERT_TRUE_FATAL(have_run());
    char *csv = read_out("bt-upload.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_TRUE(g_str_has_prefix(csv, "run,time_s,width_s,upload_bps,capacity_bps,utilisation\n"));
    gchar **lines = g_strsplit(csv, "\n", -1);
    printf("\n    N    bins  mean utilisation  max    wire bytes / blocks sent");
    for (int k = 0; k < (int)G_N_ELEMENTS(peers); k++) {
        double width = 0, weighted = 0, top = 0, capacity = 10e6 + peers[k] * 1e6;
        int bins = 0;
        bool in_range = true;
        for (gchar **l = lines + 1; *l; l++) {
            double v[6];
            char *p = *l;
            int got = 0;
            for (; got < 6 && *p; got++) {
                v[got] = g_ascii_strtod(p, &p);
                if (*p == ',')
                    p++;
            }
            if (got != 6 || (int)v[0] != k)
                continue;
            /* Consecutive seconds from the swarm's start, every one whole but the last. */
            CU_ASSERT_EQUAL((int)v[1], bins);
            CU_ASSERT_TRUE(v[2] > 0 && v[2] <= 1);
            CU_ASSERT_EQUAL(v[4], capacity);
            in_range &= v[5] >= 0 && v[5] <= 1;
            top = fmax(top, v[5]);
            width += v[2];
            weighted += v[5] * v[2];
            bins++;
        }
        CU_ASSERT_TRUE(in_range);
        double d = shipped_metric_at(sum, k, "bt.distribution_time_s");
        double wire = shipped_metric_at(sum, k, "bt.wire_received");
        double sent = shipped_metric_at(sum, k, "bt.uploaded_by_seeds") +
                      shipped_metric_at(sum, k, "bt.uploaded_by_leechers");
        ASSERT_REL(width, d, 1e-9);
        ASSERT_REL(shipped_metric_at(sum, k, "bt.upload_capacity_bps"), capacity, 1e-12);
        /* The time-weighted mean is the bytes over what the uplinks could carry (1%: the file's rounding). */
        ASSERT_REL(weighted / width, 8 * wire / (capacity * d), 0.01);
        ASSERT_REL(shipped_metric_at(sum, k, "bt.upload_utilisation"), 8 * wire / (capacity * d), 1e-9);
        ASSERT_REL(wire, sent, 0.03);
        printf("\n    %-4d %-5d %-17.4f %-6.3f %.4f", peers[k], bins, weighted / width, top, wire / sent);
    }
    g_strfreev(lines);
    g_free(csv);
    char *dat = read_out("utilisation.dat");
    CU_ASSERT_PTR_NOT_NULL(dat && strstr(dat, "\"N = 40\""));
    g_free(dat);
    if (!plot_have_gnuplot())
        test_skip("the figures' images: gnuplot is not on PATH (apt install gnuplot-nox)");
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-p2p-XXXXXX", NULL);
    shipped_set_root(tmp_root);
    static const test_case tests[] = {
        TEST(test_times_figure),
        TEST(test_client_server_beside_swarm),
        TEST(test_completion_cdf),
        TEST(test_upload_utilisation),
    };
    int rc = test_main("cli/p2p_distribution", tests, G_N_ELEMENTS(tests));
    cJSON_Delete(sum);
    test_remove_tree(tmp_root);
    g_free(dir);
    g_free(tmp_root);
    return rc;
}
