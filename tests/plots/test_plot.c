/*
 * Tests of cli/plot: the figure files (numbers in the .dat, the .gp reading
 * it by its relative name), the images gnuplot makes from them, redrawing a
 * folder, a machine without gnuplot, strings that must not escape their
 * quotes, the timeline's label layout, byte-identical files for the same
 * spec, and batches (one gnuplot for a folder's figures, the same images).
 *
 * cli/ is the appsim program rather than a library, so this suite compiles
 * cli/plot.c into itself; that also gives it the module's internals (the
 * gnuplot time limit, the label layout). Each test works in its own
 * temporary folder, removed at the end; APPSIM_KEEP_PLOTS=1 keeps them and
 * prints where they are, to look at the figures. Image checks need gnuplot
 * on PATH and say so when they are skipped.
 */
#include "plots/plot.c"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "test_util.h"

/* ---- Helpers --------------------------------------------------------- */

static char *tmp_dir(void)
{
    GError *err = NULL;
    char *dir = g_dir_make_tmp("appsim-plot-XXXXXX", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    return dir;
}

/* Removes the flat folder `dir` (or keeps it, see the file comment). */
static void drop_dir(char *dir)
{
    const char *keep = g_getenv("APPSIM_KEEP_PLOTS");
    if (keep && *keep && strcmp(keep, "0") != 0) {
        printf("\n  kept %s\n", dir);
        g_free(dir);
        return;
    }
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d) {
        const char *e;
        while ((e = g_dir_read_name(d))) {
            char *p = g_build_filename(dir, e, NULL);
            g_unlink(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
    g_free(dir);
}

static char *path_of(const char *dir, const char *name, const char *ext)
{
    char *base = g_strconcat(name, ext, NULL);
    char *p = g_build_filename(dir, base, NULL);
    g_free(base);
    return p;
}

/* The bytes of <dir>/<name><ext>, or NULL; *len gets their count. */
static char *slurp(const char *dir, const char *name, const char *ext, gsize *len)
{
    char *p = path_of(dir, name, ext), *text = NULL;
    gsize n = 0;
    if (!g_file_get_contents(p, &text, &n, NULL))
        text = NULL;
    if (len)
        *len = n;
    g_free(p);
    return text;
}

static bool exists(const char *dir, const char *name, const char *ext)
{
    char *p = path_of(dir, name, ext);
    bool ok = g_file_test(p, G_FILE_TEST_EXISTS);
    g_free(p);
    return ok;
}

/* How many times `needle` occurs in `hay`. */
static guint count_of(const char *hay, const char *needle)
{
    guint n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void remove_file(const char *dir, const char *name, const char *ext)
{
    char *p = path_of(dir, name, ext);
    g_unlink(p);
    g_free(p);
}

/* Asserts that <dir>/<name>.gp was written, holds each fragment of
 * `want` (NULL-ended; one missing is printed) and never names the folder. */
static void script_holds(const char *dir, const char *name, const char *const *want)
{
    char *gp = slurp(dir, name, ".gp", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    for (const char *const *w = want; *w; w++) {
        CU_ASSERT_PTR_NOT_NULL(strstr(gp, *w));
        if (!strstr(gp, *w))
            printf("\n    %s.gp lacks \"%s\"", name, *w);
    }
    CU_ASSERT_PTR_NULL(strstr(gp, dir));
    g_free(gp);
}

/* Writes `text` into <dir>/<name>.gp (asserted). */
static void write_script(const char *dir, const char *name, const char *text)
{
    char *p = path_of(dir, name, ".gp");
    CU_ASSERT_TRUE(g_file_set_contents(p, text, -1, NULL));
    g_free(p);
}

/* PATH without gnuplot on it; the PATH before, for path_restore. */
static char *path_without_gnuplot(void)
{
    char *saved = g_strdup(g_getenv("PATH"));
    g_setenv("PATH", "/nonexistent-appsim-test", TRUE);
    return saved;
}

/* PATH as path_without_gnuplot found it (unset if it was); frees `saved`. */
static void path_restore(char *saved)
{
    if (saved)
        g_setenv("PATH", saved, TRUE);
    else
        g_unsetenv("PATH");
    g_free(saved);
}

/* <name>.png starts with the PNG signature and <name>.svg is an SVG. */
static void check_images(const char *dir, const char *name)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    gsize n = 0;
    char *png = slurp(dir, name, ".png", &n);
    CU_ASSERT_PTR_NOT_NULL(png);
    CU_ASSERT_TRUE(n > 8 && png && memcmp(png, sig, 8) == 0);
    g_free(png);
    char *svg = slurp(dir, name, ".svg", &n);
    CU_ASSERT_PTR_NOT_NULL(svg);
    CU_ASSERT_TRUE(n > 0 && svg && strstr(svg, "<svg") != NULL);
    g_free(svg);
}

static bool gnuplot_or_skip(const char *what)
{
    if (plot_have_gnuplot())
        return true;
    test_skip("%s: gnuplot is not on PATH (apt install gnuplot-nox)", what);
    return false;
}

/* The data rows of a .dat text, by block (blocks end at two blank lines,
 * comments skipped): a GPtrArray of blocks, each a GPtrArray of rows, each
 * a NULL-terminated vector of fields (a "quoted string" is one field). */
static GPtrArray *parse_dat(const char *text)
{
    GPtrArray *blocks = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    GPtrArray *cur = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    char **lines = g_strsplit(text, "\n", -1);
    int blank = 0;
    for (char **l = lines; *l; l++) {
        if (**l == '\0') {
            if (++blank == 2) {
                g_ptr_array_add(blocks, cur);
                cur = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
            }
            continue;
        }
        blank = 0;
        if (**l == '#')
            continue;
        GPtrArray *fields = g_ptr_array_new();
        const char *c = *l;
        while (*c) {
            while (*c == ' ')
                c++;
            if (!*c)
                break;
            const char *start = c;
            if (*c == '"') {
                /* A quoted field, with backslash escapes as gnuplot reads them. */
                GString *f = g_string_new(NULL);
                for (c++; *c && *c != '"'; c++) {
                    if (*c == '\\' && c[1])
                        c++;
                    g_string_append_c(f, *c);
                }
                CU_ASSERT_EQUAL_FATAL(*c, '"');
                g_ptr_array_add(fields, g_string_free(f, FALSE));
                c++;
            } else {
                while (*c && *c != ' ')
                    c++;
                g_ptr_array_add(fields, g_strndup(start, (gsize)(c - start)));
            }
        }
        g_ptr_array_add(fields, NULL);
        g_ptr_array_add(cur, g_ptr_array_free(fields, FALSE));
    }
    g_ptr_array_add(blocks, cur);
    g_strfreev(lines);
    return blocks;
}

static double field_num(GPtrArray *blocks, unsigned block, unsigned row, unsigned col)
{
    GPtrArray *b = blocks->pdata[block];
    char **f = b->pdata[row];
    return g_ascii_strtod(f[col], NULL);
}

static const char *field_str(GPtrArray *blocks, unsigned block, unsigned row, unsigned col)
{
    GPtrArray *b = blocks->pdata[block];
    char **f = b->pdata[row];
    return f[col];
}

static unsigned block_rows(GPtrArray *blocks, unsigned block)
{
    return block < blocks->len ? ((GPtrArray *)blocks->pdata[block])->len : 0;
}

/* ---- The example figures -------------------------------------------- */

/* Page load time of a base page and 10 small objects against the RTT, for
 * the four ways HTTP can fetch them: the textbook's formulas and a
 * "simulation" (the formula plus transmission times and a little jitter). */
enum { PL_POINTS = 7, PL_OBJECTS = 10 };
static const double pl_rtt_ms[PL_POINTS] = {10, 20, 50, 100, 150, 200, 300};
static double pl_x[PL_POINTS], pl_y[8][PL_POINTS];
static const char *const pl_titles[8] = {
    "non-persistent (simulated)",      "non-persistent, 5 parallel (simulated)",
    "persistent (simulated)",          "persistent, pipelined (simulated)",
    "non-persistent: 2 RTT (1 + N)",   "5 parallel: 2 RTT (1 + ceil(N/5))",
    "persistent: 2 RTT + N RTT",       "pipelined: 2 RTT + RTT"};
static const double pl_rtts_per_mode[4] = {2.0 * (1 + PL_OBJECTS), 2.0 * (1 + 2), 2.0 + PL_OBJECTS,
                                           3.0};

static plot_spec page_load_spec(plot_series *series)
{
    for (int i = 0; i < PL_POINTS; i++) {
        pl_x[i] = pl_rtt_ms[i];
        for (int m = 0; m < 4; m++) {
            double formula = pl_rtts_per_mode[m] * pl_rtt_ms[i] / 1e3;
            double tx = (1 + PL_OBJECTS) * 0.0012 + 0.0004 * ((i * 7 + m * 3) % 5);
            pl_y[m][i] = formula + tx;
            pl_y[4 + m][i] = formula;
        }
    }
    for (int s = 0; s < 8; s++)
        series[s] = (plot_series){pl_titles[s], pl_x, pl_y[s], PL_POINTS, s >= 4};
    return (plot_spec){"page_load", "Page load time against RTT (base page + 10 objects)",
                       "RTT (ms)", "page load time (s)", false, false, series, 8, 0};
}

/* One HTTP/1.0 exchange over one TCP connection, RTT 100 ms, 10 Mbit/s:
 * handshake, GET with the handshake's ACK, a 4-segment response, ACKs,
 * the server closing, then the client. */
enum { HX_ARROWS = 12, HX_MARKS = 2 };
static const char *const hx_columns[] = {"client", "server"};
static const timeline_arrow hx_arrows[HX_ARROWS] = {
    {0.000000, 0.050032, 0, 1, "SYN"},
    {0.050032, 0.100064, 1, 0, "SYN-ACK"},
    {0.100064, 0.150342, 0, 1, "GET /index.html (ACK)"},
    {0.150842, 0.202010, 1, 0, "200 OK [1460 B]"},
    {0.152010, 0.203178, 1, 0, "[1460 B]"},
    {0.153178, 0.204346, 1, 0, "[1460 B]"},
    {0.154346, 0.205514, 1, 0, "[1460 B] FIN"},
    {0.202010, 0.252042, 0, 1, "ACK 2921"},
    {0.204346, 0.254378, 0, 1, "ACK 5841"},
    {0.205514, 0.255546, 0, 1, "ACK (FIN)"},
    {0.205600, 0.255632, 0, 1, "FIN"},
    {0.255632, 0.305664, 1, 0, "ACK"},
};
static const timeline_mark hx_marks[HX_MARKS] = {{0.0, 0.100064, 0}, {0.100064, 0.202010, 0}};

static timeline_spec hx_spec(void)
{
    return (timeline_spec){"http_exchange", "HTTP/1.0 over one TCP connection (RTT 100 ms)",
                           hx_columns, 2, hx_arrows, HX_ARROWS, hx_marks, HX_MARKS, 0};
}

/* A bulk transfer: `n` arrows, data segments in windows growing like slow
 * start and the ACKs coming back, plus a mark per window. */
static timeline_spec bulk_spec(timeline_arrow *arrows, size_t n, timeline_mark *marks,
                               size_t *nmarks, char labels[][32])
{
    const double rtt = 0.040, tx = 0.0012;
    size_t i = 0, seq = 1, w = 2;
    double t = 0;
    *nmarks = 0;
    while (i < n) {
        marks[(*nmarks)++] = (timeline_mark){t, t + rtt + tx, 0};
        for (size_t k = 0; k < w && i < n; k++, seq += 1460) {
            g_snprintf(labels[i], 32, "seq=%zu [1460 B]", seq);
            arrows[i] = (timeline_arrow){t + k * tx, t + (k + 1) * tx + rtt / 2, 0, 1, labels[i]};
            i++;
            if (i < n) {
                g_snprintf(labels[i], 32, "ACK %zu", seq + 1460);
                arrows[i] = (timeline_arrow){t + (k + 1) * tx + rtt / 2, t + (k + 1) * tx + rtt, 1,
                                             0, labels[i]};
                i++;
            }
        }
        t += rtt + w * tx;
        w *= 2;
        if (w > 32)
            w = 32;
    }
    static const char *const cols[] = {"sender", "receiver"};
    return (timeline_spec){"bulk", "A bulk transfer", cols, 2, arrows, n, marks, *nmarks, 0};
}

/* ---- Tests ------------------------------------------------------------ */

static void test_plot_data_and_script(void)
{
    char *dir = tmp_dir();
    plot_series series[8];
    plot_spec spec = page_load_spec(series);
    bool rendered = true;
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(plot_write(&spec, dir, &rendered, &err));
    CU_ASSERT_PTR_NULL(err);

    /* The data: one block per series, every number read back exactly. */
    char *dat = slurp(dir, "page_load", ".dat", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# column 1: RTT (ms)"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(dat, "# index 4: formula \"non-persistent: 2 RTT (1 + N)\", 7 points"));
    GPtrArray *blocks = parse_dat(dat);
    CU_ASSERT_EQUAL_FATAL(blocks->len, 8);
    for (unsigned s = 0; s < 8; s++) {
        CU_ASSERT_EQUAL_FATAL(block_rows(blocks, s), PL_POINTS);
        for (unsigned i = 0; i < PL_POINTS; i++) {
            CU_ASSERT_EQUAL(field_num(blocks, s, i, 0), pl_x[i]);
            CU_ASSERT_EQUAL(field_num(blocks, s, i, 1), pl_y[s][i]);
        }
    }
    /* Spot check against the formula: non-persistent at RTT 100 ms is 22 RTT. */
    ASSERT_REL(field_num(blocks, 4, 3, 1), 2.2, 1e-12);
    g_ptr_array_unref(blocks);
    g_free(dat);

    /* The script reads the data by its relative name, and never names the
     * folder; formulas are lines, simulations lines with points. */
    static const char *const page_load_gp[] = {
        "data = 'page_load.dat'", "set output 'page_load.png'", "set output 'page_load.svg'", "pngcairo",
        "data index 0 using 1:2 with linespoints linestyle 1 title 'non-persistent (simulated)'",
        "data index 4 using 1:2 with lines linestyle 101 title 'non-persistent: 2 RTT (1 + N)'",
        "set xlabel 'RTT (ms)'", NULL};
    script_holds(dir, "page_load", page_load_gp);

    if (gnuplot_or_skip("the line plot images")) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "page_load");
    } else {
        CU_ASSERT_FALSE(rendered);
    }
    drop_dir(dir);
}

/* Stacked bars (where the time went): a header row of part names, a row
 * per bar with every number read back exactly, a rowstacked histogram
 * reading the data by its relative name. */
static void test_bars_data_and_script(void)
{
    char *dir = tmp_dir();
    static const char *const rows[] = {"5ms", "50ms"};
    static const char *const parts[] = {"connect", "slow_start", "other"};
    const double values[] = {0.01, 0.125, 0, 0.1, NAN, 1.0 / 3};
    plot_stacked_spec b = {.name = "breakdown-pipelined", .title = "where the time went", .xlabel = "delay",
                   .ylabel = "s", .rows = rows, .nrows = 2, .parts = parts, .nparts = 3, .values = values};
    bool rendered = true;
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(plot_stacked_write(&b, dir, &rendered, &err));
    char *dat = slurp(dir, "breakdown-pipelined", ".dat", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\"delay\" \"connect\" \"slow_start\" \"other\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\"5ms\" 0.01 0.125 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\"50ms\" 0.1 0 0.3333333333333333\n")); /* NaN drawn as 0 */
    g_free(dat);
    static const char *const bars_gp[] = {"set style histogram rowstacked", "data = 'breakdown-pipelined.dat'",
                                          "plot data using 2:xtic(1) linestyle 1 title columnheader(2)",
                                          "data using 4 linestyle 3 title columnheader(4)", NULL};
    script_holds(dir, "breakdown-pipelined", bars_gp);
    if (gnuplot_or_skip("the stacked-bar images")) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "breakdown-pipelined");
    }
    plot_stacked_spec bad = b;
    bad.name = "../x";
    CU_ASSERT_FALSE(plot_stacked_write(&bad, dir, NULL, &err));
    g_clear_error(&err);
    drop_dir(dir);
}

static void test_plot_options_and_empty_series(void)
{
    char *dir = tmp_dir();
    const double x[] = {1, 10, 100, 1000}, y[] = {0.001, 0.01, NAN, 1};
    plot_series series[] = {{"nothing yet", NULL, NULL, 0, false},
                            {"measured", x, y, 4, false},
                            {"y = x / 1000", x, y, 4, true}};
    plot_spec spec = {"loglog", "Log axes", "size (B)", "time (s)", true, true, series, 3, 0};
    bool rendered = false;
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(plot_write(&spec, dir, &rendered, &err));
    char *dat = slurp(dir, "loglog", ".dat", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    /* The empty series is named but has no block; NaN marks a missing point. */
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "series \"nothing yet\" has no points"));
    GPtrArray *blocks = parse_dat(dat);
    CU_ASSERT_EQUAL(blocks->len, 2);
    CU_ASSERT_STRING_EQUAL(field_str(blocks, 0, 2, 1), "NaN");
    CU_ASSERT_EQUAL(field_num(blocks, 1, 1, 1), 0.01);
    g_ptr_array_unref(blocks);
    g_free(dat);
    char *gp = slurp(dir, "loglog", ".gp", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set logscale x\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set logscale y\n"));
    CU_ASSERT_PTR_NULL(strstr(gp, "nothing yet"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "data index 1 using 1:2 with lines linestyle 101"));
    g_free(gp);
    if (gnuplot_or_skip("the log plot images")) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "loglog");
    }

    /* No data at all still gives a figure (an empty frame), and so do
     * series whose every point is missing (a sweep where all runs failed). */
    plot_spec none = {"empty", "Nothing", NULL, NULL, false, false, NULL, 0, 0};
    CU_ASSERT_TRUE(plot_write(&none, dir, &rendered, &err));
    CU_ASSERT_PTR_NULL(err);
    if (plot_have_gnuplot()) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "empty");
    }
    const double nan2[] = {NAN, NAN};
    plot_series lost[] = {{"failed runs", x, nan2, 2, false}, {"zeros on log", nan2, y, 2, true}};
    plot_spec all_nan = {"all_nan", "All missing", "x", "y", true, false, lost, 2, 0};
    CU_ASSERT_TRUE(plot_write(&all_nan, dir, &rendered, &err));
    CU_ASSERT_PTR_NULL(err);
    if (plot_have_gnuplot()) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "all_nan");
    }
    drop_dir(dir);
}

static void test_timeline_data_and_script(void)
{
    char *dir = tmp_dir();
    timeline_spec spec = hx_spec();
    bool rendered = false;
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(timeline_write(&spec, dir, &rendered, &err));
    CU_ASSERT_PTR_NULL(err);

    char *dat = slurp(dir, "http_exchange", ".dat", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# Hosts (x = column): 0 = client, 1 = server\n"));
    GPtrArray *blocks = parse_dat(dat);
    CU_ASSERT_EQUAL_FATAL(blocks->len, 2);
    CU_ASSERT_EQUAL_FATAL(block_rows(blocks, 0), spec.narrows);
    for (unsigned i = 0; i < spec.narrows; i++) {
        const timeline_arrow *a = &spec.arrows[i];
        CU_ASSERT_EQUAL(field_num(blocks, 0, i, 0), a->from);
        CU_ASSERT_DOUBLE_EQUAL(field_num(blocks, 0, i, 1), a->t_send * 1e3, 1e-6);
        CU_ASSERT_EQUAL(field_num(blocks, 0, i, 2), a->to);
        CU_ASSERT_DOUBLE_EQUAL(field_num(blocks, 0, i, 3), a->t_recv * 1e3, 1e-6);
        double f = field_num(blocks, 0, i, 4), side = field_num(blocks, 0, i, 5);
        CU_ASSERT_TRUE(f > 0 && f < 1);
        CU_ASSERT_TRUE(side == 1 || side == -1);
        CU_ASSERT_STRING_EQUAL(field_str(blocks, 0, i, 6), a->label);
    }
    CU_ASSERT_EQUAL_FATAL(block_rows(blocks, 1), HX_MARKS);
    for (unsigned i = 0; i < HX_MARKS; i++) {
        CU_ASSERT_EQUAL(field_num(blocks, 1, i, 0), 0);
        CU_ASSERT_DOUBLE_EQUAL(field_num(blocks, 1, i, 1), hx_marks[i].t0 * 1e3, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(field_num(blocks, 1, i, 2), hx_marks[i].t1 * 1e3, 1e-6);
        CU_ASSERT_TRUE(field_num(blocks, 1, i, 3) < 0); /* left of the client's axis */
        CU_ASSERT_STRING_EQUAL(field_str(blocks, 1, i, 4), "RTT");
    }
    g_ptr_array_unref(blocks);
    g_free(dat);

    static const char *const timeline_gp[] = {"data = 'http_exchange.dat'", "set x2tics ('client' 0, 'server' 1)",
                                              "set yrange [TMAX:TMIN]", NULL};
    script_holds(dir, "http_exchange", timeline_gp);

    if (gnuplot_or_skip("the timeline images")) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "http_exchange");
    }
    drop_dir(dir);
}

/* No two labels of the HTTP exchange overlap, none is clipped, and the
 * brackets beside one axis that touch share a lane. */
static void test_timeline_layout(void)
{
    timeline_spec spec = hx_spec();
    char *texts[HX_ARROWS];
    for (size_t i = 0; i < spec.narrows; i++)
        texts[i] = clean_text(spec.arrows[i].label);
    tl_geom g;
    tl_place place[HX_ARROWS];
    double off[HX_MARKS];
    timeline_layout(&spec, texts, &g, place, off);
    CU_ASSERT_EQUAL(off[0], -TL_MARK_PX);
    CU_ASSERT_EQUAL(off[1], -TL_MARK_PX); /* [0, 100] and [100, 202] only touch */
    obox box[HX_ARROWS];
    for (size_t i = 0; i < spec.narrows; i++) {
        box[i] = label_box(&g, &spec.arrows[i], texts[i], place[i]);
        for (size_t j = 0; j < i; j++)
            if (obox_overlap(&box[i], &box[j]) > 0) {
                CU_FAIL("two labels overlap");
                printf("\n  labels %zu (%s) and %zu (%s) overlap\n", i, texts[i], j, texts[j]);
            }
        CU_ASSERT_TRUE(box[i].cx > 0 && box[i].cx < (g.xmax - g.xmin) * g.ppc);
        CU_ASSERT_TRUE(box[i].cy < 0 && box[i].cy > -(g.tmax - g.tmin) * g.ppm);
    }
    for (size_t i = 0; i < spec.narrows; i++)
        g_free(texts[i]);

    /* The separating-axis test itself: crossed boxes, apart, touching. */
    obox a = {0, 0, 1, 0, 10, 2}, b = {0, 0, 0, 1, 10, 2}, c = {30, 0, 1, 0, 10, 2};
    obox d = {20, 0, 1, 0, 10, 2};
    CU_ASSERT_DOUBLE_EQUAL(obox_overlap(&a, &b), 12, 1e-12);
    CU_ASSERT_EQUAL(obox_overlap(&a, &c), 0);
    CU_ASSERT_EQUAL(obox_overlap(&a, &d), 0);
}

static void test_timeline_200_arrows(void)
{
    enum { N = 200 };
    static timeline_arrow arrows[N];
    static timeline_mark marks[N];
    static char labels[N][32];
    size_t nmarks = 0;
    timeline_spec spec = bulk_spec(arrows, N, marks, &nmarks, labels);
    char *dir = tmp_dir();
    bool rendered = false;
    GError *err = NULL;
    gint64 t0 = g_get_monotonic_time();
    CU_ASSERT_TRUE_FATAL(timeline_write(&spec, dir, &rendered, &err));
    double secs = (g_get_monotonic_time() - t0) / 1e6;
    CU_ASSERT_TRUE(secs < 20);
    char *dat = slurp(dir, "bulk", ".dat", NULL);
    GPtrArray *blocks = parse_dat(dat);
    CU_ASSERT_EQUAL(block_rows(blocks, 0), N);
    CU_ASSERT_EQUAL(block_rows(blocks, 1), nmarks);
    /* Labels are spread out: no two share both position and side and
     * overlap completely (same arrow geometry and placement). */
    unsigned same = 0;
    for (unsigned i = 1; i < N; i++)
        if (field_num(blocks, 0, i, 4) == field_num(blocks, 0, i - 1, 4) &&
            field_num(blocks, 0, i, 5) == field_num(blocks, 0, i - 1, 5) &&
            field_num(blocks, 0, i, 0) == field_num(blocks, 0, i - 1, 0) &&
            fabs(field_num(blocks, 0, i, 1) - field_num(blocks, 0, i - 1, 1)) < 1e-9)
            same++;
    CU_ASSERT_EQUAL(same, 0);
    g_ptr_array_unref(blocks);
    g_free(dat);
    if (gnuplot_or_skip("the 200-arrow timeline images")) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "bulk");
    }
    drop_dir(dir);
}

/* Three hosts (a browser, a proxy cache, a server): marks beside the
 * middle axis go left, beside the last one right; host axes get closer
 * when there are many. */
static void test_timeline_three_hosts(void)
{
    static const char *const cols[] = {"browser", "proxy", "origin server"};
    static const timeline_arrow arrows[] = {
        {0.000, 0.005, 0, 1, "GET /a.html"},  {0.005, 0.045, 1, 2, "GET /a.html"},
        {0.046, 0.086, 2, 1, "200 OK"},       {0.086, 0.091, 1, 0, "200 OK"},
        {0.100, 0.105, 0, 1, "GET /a.html"},  {0.105, 0.110, 1, 0, "200 OK (cached)"},
    };
    static const timeline_mark marks[] = {{0.005, 0.086, 1}, {0.005, 0.046, 2},
                                          {0.0, 0.091, 0},   {0.100, 0.110, 0}};
    timeline_spec spec = {"proxy", "A proxy cache: a miss, then a hit", cols, 3, arrows,
                          G_N_ELEMENTS(arrows), marks, G_N_ELEMENTS(marks), 0};
    double off[4];
    tl_place place[6];
    char *texts[6];
    for (int i = 0; i < 6; i++)
        texts[i] = clean_text(arrows[i].label);
    tl_geom g;
    timeline_layout(&spec, texts, &g, place, off);
    for (int i = 0; i < 6; i++)
        g_free(texts[i]);
    CU_ASSERT_TRUE(off[0] < 0);
    CU_ASSERT_TRUE(off[1] > 0);
    CU_ASSERT_TRUE(off[2] < 0 && off[3] < 0);
    CU_ASSERT_DOUBLE_EQUAL(g.ppc, TL_COLUMN_PX, 1e-9);

    char *dir = tmp_dir();
    bool rendered = false;
    GError *err = NULL;
    CU_ASSERT_TRUE(timeline_write(&spec, dir, &rendered, &err));
    if (gnuplot_or_skip("the three-host timeline")) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "proxy");
    }
    drop_dir(dir);

    /* Eight hosts: narrower columns, within the bounds. */
    static const char *const many[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    timeline_spec wide = {"wide", NULL, many, 8, arrows, 1, NULL, 0, 0};
    texts[0] = clean_text(arrows[0].label);
    timeline_layout(&wide, texts, &g, place, off);
    g_free(texts[0]);
    CU_ASSERT_TRUE(g.ppc >= TL_MIN_COLUMN_PX && g.ppc < TL_COLUMN_PX);
}

/* The textbook's DNS figure (Kurose & Ross, an iterative query): five
 * hosts, the local server's queries going to the root, TLD and
 * authoritative servers across the axes between. */
enum { DNS_ARROWS = 8 };
static const char *const dns_columns[] = {"requesting host", "local DNS server", "root DNS server",
                                          "TLD DNS server", "authoritative DNS server"};
static const timeline_arrow dns_arrows[DNS_ARROWS] = {
    {0.000000, 0.002100, 0, 1, "query www.example.com A [45 B]"},
    {0.002100, 0.032300, 1, 2, "query www.example.com A [45 B]"},
    {0.032300, 0.062600, 2, 1, "referral com. NS [510 B]"},
    {0.062600, 0.087800, 1, 3, "query www.example.com A [45 B]"},
    {0.087800, 0.113200, 3, 1, "referral example.com. NS [160 B]"},
    {0.113200, 0.153400, 1, 4, "query www.example.com A [45 B]"},
    {0.153400, 0.193700, 4, 1, "answer www.example.com A 93.184.216.34 [61 B]"},
    {0.193700, 0.195800, 1, 0, "answer www.example.com A 93.184.216.34 [61 B]"},
};

static timeline_spec dns_spec(void)
{
    return (timeline_spec){"dns", "An iterative DNS query, packet by packet", dns_columns, 5,
                           dns_arrows, DNS_ARROWS, NULL, 0, 0};
}

/* Five hosts: the data names them all, every label lies inside the plot,
 * clear of the other labels and of every host axis (those of the arrows
 * crossing several columns included), and gnuplot draws it. */
static void test_timeline_five_hosts(void)
{
    timeline_spec spec = dns_spec();
    char *texts[DNS_ARROWS];
    for (size_t i = 0; i < spec.narrows; i++)
        texts[i] = clean_text(spec.arrows[i].label);
    tl_geom g;
    tl_place place[DNS_ARROWS];
    double off[1];
    timeline_layout(&spec, texts, &g, place, off);
    CU_ASSERT_TRUE(g.ppc >= TL_MIN_COLUMN_PX && g.ppc <= TL_COLUMN_PX);
    double plot_h = (g.tmax - g.tmin) * g.ppm;
    obox box[DNS_ARROWS];
    for (size_t i = 0; i < spec.narrows; i++) {
        box[i] = label_box(&g, &spec.arrows[i], texts[i], place[i]);
        for (size_t j = 0; j < i; j++)
            if (obox_overlap(&box[i], &box[j]) > 0) {
                CU_FAIL("two labels overlap");
                printf("\n  labels %zu (%s) and %zu (%s) overlap\n", i, texts[i], j, texts[j]);
            }
        for (int c = 0; c < spec.ncolumns; c++) {
            obox axis = segment_box(px_x(&g, c), 0, px_x(&g, c), -plot_h);
            if (obox_overlap(&box[i], &axis) > 0) {
                CU_FAIL("a label lies across a host axis");
                printf("\n  label %zu (%s) crosses the axis of column %d\n", i, texts[i], c);
            }
        }
        double ex = box[i].hw * fabs(box[i].ux) + box[i].hh * fabs(box[i].uy);
        CU_ASSERT_TRUE(box[i].cx - ex > 0 && box[i].cx + ex < (g.xmax - g.xmin) * g.ppc);
        CU_ASSERT_TRUE(box[i].cy < 0 && box[i].cy > -plot_h);
    }
    for (size_t i = 0; i < spec.narrows; i++)
        g_free(texts[i]);

    char *dir = tmp_dir();
    bool rendered = false;
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(timeline_write(&spec, dir, &rendered, &err));
    char *dat = slurp(dir, "dns", ".dat", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# Hosts (x = column): 0 = requesting host, 1 = local DNS server, "
                                       "2 = root DNS server, 3 = TLD DNS server, 4 = authoritative DNS "
                                       "server\n"));
    GPtrArray *blocks = parse_dat(dat);
    CU_ASSERT_EQUAL_FATAL(block_rows(blocks, 0), DNS_ARROWS);
    for (unsigned i = 0; i < DNS_ARROWS; i++) {
        CU_ASSERT_EQUAL(field_num(blocks, 0, i, 0), dns_arrows[i].from);
        CU_ASSERT_EQUAL(field_num(blocks, 0, i, 2), dns_arrows[i].to);
    }
    CU_ASSERT_EQUAL(block_rows(blocks, 1), 0);
    g_ptr_array_unref(blocks);
    g_free(dat);
    char *gp = slurp(dir, "dns", ".gp", NULL);
    CU_ASSERT_PTR_NOT_NULL(gp && strstr(gp, "'authoritative DNS server' 4)"));
    g_free(gp);
    if (gnuplot_or_skip("the five-host timeline")) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "dns");
    }

    /* Long host names: the columns widen so that neighbouring names stay
     * apart, and the sides so that the first and last stay in the image
     * (their width estimated as the layout does). */
    static const char *const long_names[] = {
        "the requesting host in the lab", "local-dns-server.cs.university.example.edu",
        "a.root-servers.net, one of 13", "a.gtld-servers.net, the com TLD server",
        "ns1.authoritative-server.example.com"};
    spec.name = "dns_long";
    spec.columns = long_names;
    tl_geom lg = timeline_geometry(&spec);
    for (int c = 0; c < 5; c++) {
        double half = host_name_px(&spec, c) / 2, x = px_x(&lg, c) + TL_MARGIN_L;
        CU_ASSERT_TRUE(x - half >= 0 && x + half <= lg.w);
        if (c + 1 < 5)
            CU_ASSERT_TRUE(x + half + TL_HOST_GAP_PX <= px_x(&lg, c + 1) + TL_MARGIN_L -
                                                          host_name_px(&spec, c + 1) / 2 + 0.5);
    }
    /* (the image's width is a whole number of pixels: half a pixel) */
    CU_ASSERT_TRUE(lg.ppc > g.ppc + 20 && lg.ppc <= TL_COLUMN_PX + 0.5);
    CU_ASSERT_TRUE(lg.xmax - 4 > TL_SIDE_COLUMNS);
    CU_ASSERT_TRUE_FATAL(timeline_write(&spec, dir, &rendered, &err));
    if (gnuplot_or_skip("the five-host timeline with long names"))
        check_images(dir, "dns_long");
    drop_dir(dir);
}

/* A timeline with nothing in it (no packets, even no hosts) is still a
 * figure. */
static void test_timeline_empty(void)
{
    char *dir = tmp_dir();
    static const char *const cols[] = {"client", "server"};
    timeline_spec quiet = {"quiet", "Nothing sent", cols, 2, NULL, 0, NULL, 0, 0};
    timeline_spec none = {"none", NULL, NULL, 0, NULL, 0, NULL, 0, 0};
    bool r1 = false, r2 = false;
    GError *err = NULL;
    CU_ASSERT_TRUE(timeline_write(&quiet, dir, &r1, &err));
    CU_ASSERT_TRUE(timeline_write(&none, dir, &r2, &err));
    CU_ASSERT_PTR_NULL(err);
    char *dat = slurp(dir, "quiet", ".dat", NULL);
    GPtrArray *blocks = parse_dat(dat);
    CU_ASSERT_EQUAL(block_rows(blocks, 0), 0);
    CU_ASSERT_EQUAL(block_rows(blocks, 1), 0);
    g_ptr_array_unref(blocks);
    g_free(dat);
    if (gnuplot_or_skip("the empty timelines")) {
        CU_ASSERT_TRUE(r1 && r2);
        check_images(dir, "quiet");
        check_images(dir, "none");
    }
    drop_dir(dir);
}

/* Titles and labels with quotes, backslashes, backquotes (gnuplot would
 * run a shell command from "`...`"), @ (macros), enhanced-text characters,
 * newlines and invalid UTF-8 are written so that gnuplot shows them as
 * text. */
static void test_escaping(void)
{
    char *dir = tmp_dir();
    const char *nasty = "it's \"x\" `touch pwned` \\n @t {a}_b^c <b>&\nline 2 \xff";
    const double x[] = {1, 2}, y[] = {3, 4};
    plot_series s[] = {{nasty, x, y, 2, false}};
    plot_spec spec = {"nasty", nasty, nasty, "y", false, false, s, 1, 0};
    bool rendered = false;
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(plot_write(&spec, dir, &rendered, &err));
    char *gp = slurp(dir, "nasty", ".gp", NULL);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(gp, "set title 'it''s \"x\" `touch pwned` \\n @t {a}_b^c <b>& line 2 "));
    CU_ASSERT_TRUE(g_utf8_validate(gp, -1, NULL));
    g_free(gp);
    char *dat = slurp(dir, "nasty", ".dat", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# index 0: simulation \"it's \"x\" `touch pwned`"));
    CU_ASSERT_PTR_NULL(strstr(dat, "\nline 2"));
    g_free(dat);

    const char *cols[] = {"a'b", "`c`"};
    const timeline_arrow arrows[] = {{0, 0.01, 0, 1, nasty}, {0.01, 0.02, 1, 0, "#1 \"q\" \\"}};
    timeline_spec t = {"nasty_tl", nasty, cols, 2, arrows, 2, NULL, 0, 0};
    bool trendered = false;
    CU_ASSERT_TRUE_FATAL(timeline_write(&t, dir, &trendered, &err));
    dat = slurp(dir, "nasty_tl", ".dat", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, " \"#1 ''q'' \\\\\"\n"));
    GPtrArray *blocks = parse_dat(dat);
    CU_ASSERT_STRING_EQUAL(field_str(blocks, 0, 0, 6),
                           "it's ''x'' `touch pwned` \\n @t {a}_b^c <b>& line 2 \xef\xbf\xbd");
    CU_ASSERT_STRING_EQUAL(field_str(blocks, 0, 1, 6), "#1 ''q'' \\");
    g_ptr_array_unref(blocks);
    g_free(dat);
    gp = slurp(dir, "nasty_tl", ".gp", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set x2tics ('a''b' 0, '`c`' 1)"));
    g_free(gp);

    if (gnuplot_or_skip("rendering the escaped strings")) {
        CU_ASSERT_TRUE(rendered);
        CU_ASSERT_TRUE(trendered);
        CU_ASSERT_FALSE(exists(dir, "pwned", "")); /* the backquotes ran nothing */
        char *svg = slurp(dir, "nasty", ".svg", NULL);
        CU_ASSERT_PTR_NOT_NULL(svg && strstr(svg, "`touch pwned` \\n @t {a}_b^c &lt;b>&amp;"));
        g_free(svg);
        svg = slurp(dir, "nasty_tl", ".svg", NULL);
        CU_ASSERT_PTR_NOT_NULL(svg && strstr(svg, "<text>#1 ''q'' \\</text>"));
        CU_ASSERT_PTR_NOT_NULL(svg && strstr(svg, "<text>it's ''x'' `touch pwned` \\n @t"));
        g_free(svg);
    }
    drop_dir(dir);
}

static void test_redraw_dir(void)
{
    char *dir = tmp_dir();
    plot_series series[8];
    plot_spec p = page_load_spec(series);
    timeline_spec t = hx_spec();
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(plot_write(&p, dir, NULL, &err));
    CU_ASSERT_TRUE_FATAL(timeline_write(&t, dir, NULL, &err));
    if (gnuplot_or_skip("redrawing a folder")) {
        static const char *const names[] = {"page_load", "http_exchange"};
        for (int i = 0; i < 2; i++) {
            remove_file(dir, names[i], ".png");
            remove_file(dir, names[i], ".svg");
        }
        CU_ASSERT_EQUAL(plot_redraw_dir(dir, &err), 2);
        CU_ASSERT_PTR_NULL(err);
        for (int i = 0; i < 2; i++)
            check_images(dir, names[i]);

        /* A broken script: the others are still drawn, the error names it. */
        write_script(dir, "0_broken", "plot 'no-such-file.dat'\n");
        remove_file(dir, "page_load", ".png");
        CU_ASSERT_EQUAL(plot_redraw_dir(dir, &err), -1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "drew 2 of 3"));
        CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "0_broken.gp"));
        g_clear_error(&err);
        CU_ASSERT_TRUE(exists(dir, "page_load", ".png"));
    }
    /* A folder that is not there. */
    char *missing = g_build_filename(dir, "no-such-folder", NULL);
    CU_ASSERT_EQUAL(plot_redraw_dir(missing, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    g_free(missing);
    drop_dir(dir);
}

/* A script that never finishes is killed at the time limit. */
static void test_gnuplot_time_limit(void)
{
    if (!gnuplot_or_skip("the gnuplot time limit"))
        return;
    char *dir = tmp_dir();
    write_script(dir, "slow", "pause 30\n");
    gint64 saved = plot_gnuplot_timeout_us;
    plot_gnuplot_timeout_us = G_USEC_PER_SEC / 2;
    GError *err = NULL;
    gint64 t0 = g_get_monotonic_time();
    CU_ASSERT_EQUAL(plot_redraw_dir(dir, &err), -1);
    double secs = (g_get_monotonic_time() - t0) / 1e6;
    plot_gnuplot_timeout_us = saved;
    CU_ASSERT_TRUE(secs >= 0.5 && secs < 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "killed after"));
    g_clear_error(&err);
    drop_dir(dir);
}

/* Without gnuplot on PATH the data and scripts are written, nothing is
 * rendered, and redrawing a folder is an error that says what to install. */
static void test_without_gnuplot(void)
{
    char *dir = tmp_dir();
    char *saved = path_without_gnuplot();
    CU_ASSERT_FALSE(plot_have_gnuplot());
    plot_series series[8];
    plot_spec p = page_load_spec(series);
    timeline_spec t = hx_spec();
    bool rendered = true;
    GError *err = NULL;
    CU_ASSERT_TRUE(plot_write(&p, dir, &rendered, &err));
    CU_ASSERT_FALSE(rendered);
    rendered = true;
    CU_ASSERT_TRUE(timeline_write(&t, dir, &rendered, &err));
    CU_ASSERT_FALSE(rendered);
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_TRUE(exists(dir, "page_load", ".dat") && exists(dir, "page_load", ".gp"));
    CU_ASSERT_TRUE(exists(dir, "http_exchange", ".dat") && exists(dir, "http_exchange", ".gp"));
    CU_ASSERT_FALSE(exists(dir, "page_load", ".png") || exists(dir, "page_load", ".svg"));
    CU_ASSERT_FALSE(exists(dir, "http_exchange", ".png"));
    CU_ASSERT_EQUAL(plot_redraw_dir(dir, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "gnuplot is not on PATH"));
    g_clear_error(&err);
    path_restore(saved);
    drop_dir(dir);
}

/* The same spec gives the same .dat and .gp bytes, written twice into one
 * folder or into two folders. */
static void test_deterministic(void)
{
    char *a = tmp_dir(), *b = tmp_dir();
    plot_series series[8];
    plot_spec p = page_load_spec(series);
    timeline_spec t = hx_spec();
    static const char *const names[] = {"page_load", "http_exchange"};
    static const char *const exts[] = {".dat", ".gp"};
    GError *err = NULL;
    CU_ASSERT_TRUE(plot_write(&p, a, NULL, &err));
    CU_ASSERT_TRUE(timeline_write(&t, a, NULL, &err));
    char *first[2][2];
    gsize first_len[2][2];
    for (int n = 0; n < 2; n++)
        for (int e = 0; e < 2; e++)
            first[n][e] = slurp(a, names[n], exts[e], &first_len[n][e]);
    CU_ASSERT_TRUE(plot_write(&p, a, NULL, &err));
    CU_ASSERT_TRUE(timeline_write(&t, a, NULL, &err));
    CU_ASSERT_TRUE(plot_write(&p, b, NULL, &err));
    CU_ASSERT_TRUE(timeline_write(&t, b, NULL, &err));
    for (int n = 0; n < 2; n++)
        for (int e = 0; e < 2; e++) {
            const char *dirs[] = {a, b};
            for (int d = 0; d < 2; d++) {
                gsize len = 0;
                char *again = slurp(dirs[d], names[n], exts[e], &len);
                CU_ASSERT_TRUE(again && first[n][e] && len == first_len[n][e] &&
                               memcmp(again, first[n][e], len) == 0);
                g_free(again);
            }
            g_free(first[n][e]);
        }
    drop_dir(a);
    drop_dir(b);
}

/* Names that are not plain file stems and arrows or marks outside the
 * columns are refused with an error, and nothing is written. */
static void test_bad_input(void)
{
    char *dir = tmp_dir();
    const double x[] = {1}, y[] = {1};
    plot_series s[] = {{"s", x, y, 1, false}};
    static const char *const bad_names[] = {"",       "../up",  "a/b",   ".hidden",
                                            "-option", "sp ace", "q'uote"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad_names); i++) {
        plot_spec p = {bad_names[i], "t", "x", "y", false, false, s, 1, 0};
        GError *err = NULL;
        bool rendered = true;
        CU_ASSERT_FALSE(plot_write(&p, dir, &rendered, &err));
        CU_ASSERT_FALSE(rendered);
        CU_ASSERT_TRUE(err && err->domain == G_FILE_ERROR);
        g_clear_error(&err);
    }
    plot_series missing[] = {{"s", NULL, y, 1, false}};
    plot_spec p = {"ok", "t", "x", "y", false, false, missing, 1, 0};
    GError *err = NULL;
    CU_ASSERT_FALSE(plot_write(&p, dir, NULL, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);

    const char *cols[] = {"a", "b"};
    const timeline_arrow off_cols[] = {{0, 0.1, 0, 2, "to nowhere"}};
    timeline_spec t = {"tl", "t", cols, 2, off_cols, 1, NULL, 0, 0};
    CU_ASSERT_FALSE(timeline_write(&t, dir, NULL, &err));
    CU_ASSERT_TRUE(err && strstr(err->message, "to nowhere") != NULL);
    g_clear_error(&err);
    const timeline_arrow nan_time[] = {{0, NAN, 0, 1, "never"}};
    t.arrows = nan_time;
    CU_ASSERT_FALSE(timeline_write(&t, dir, NULL, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    const timeline_mark bad_mark[] = {{0, 0.1, -1}};
    t.narrows = 0;
    t.marks = bad_mark;
    t.nmarks = 1;
    CU_ASSERT_FALSE(timeline_write(&t, dir, NULL, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);

    /* Nothing was written. */
    GDir *d = g_dir_open(dir, 0, NULL);
    CU_ASSERT_PTR_NULL(g_dir_read_name(d));
    g_dir_close(d);
    /* A folder that does not exist: the file cannot be written. */
    char *nowhere = g_build_filename(dir, "no", "such", NULL);
    plot_spec good = {"good", "t", "x", "y", false, false, s, 1, 0};
    CU_ASSERT_FALSE(plot_write(&good, nowhere, NULL, &err));
    CU_ASSERT_TRUE(err && err->domain == G_FILE_ERROR);
    g_clear_error(&err);
    g_free(nowhere);
    drop_dir(dir);
}

/* Whether <a>/<name><ext> and <b>/<name><ext> hold the same bytes. */
static bool same_file(const char *a, const char *b, const char *name, const char *ext)
{
    gsize la = 0, lb = 0;
    char *x = slurp(a, name, ext, &la), *y = slurp(b, name, ext, &lb);
    bool same = x && y && la == lb && memcmp(x, y, la) == 0;
    g_free(x);
    g_free(y);
    return same;
}

/* A batch: the figures written into its folder are drawn by one gnuplot
 * when the batch finishes, and each image has the bytes of the same figure
 * drawn on its own (a timeline first: its host axes, linetypes and
 * functions must not reach the plots after it). */
static void test_batch(void)
{
    if (!gnuplot_or_skip("a batch of figures"))
        return;
    char *alone = tmp_dir(), *batched = tmp_dir();
    timeline_spec t = hx_spec();
    timeline_spec d = dns_spec();
    plot_series series[8];
    plot_spec p = page_load_spec(series);
    static const char *const rows[] = {"5ms", "50ms"};
    static const char *const parts[] = {"connect", "slow_start", "other"};
    const double values[] = {0.01, 0.125, 0, 0.1, 0.2, 1.0 / 3};
    plot_stacked_spec b = {.name = "breakdown", .title = "where the time went", .xlabel = "delay",
                           .ylabel = "s", .rows = rows, .nrows = 2, .parts = parts, .nparts = 3, .values = values};
    static const char *const names[] = {"http_exchange", "dns", "page_load", "breakdown"};
    GError *err = NULL;
    bool r[4] = {false, false, false, false};
    CU_ASSERT_TRUE(timeline_write(&t, alone, &r[0], &err));
    CU_ASSERT_TRUE(timeline_write(&d, alone, &r[1], &err));
    CU_ASSERT_TRUE(plot_write(&p, alone, &r[2], &err));
    CU_ASSERT_TRUE(plot_stacked_write(&b, alone, &r[3], &err));
    CU_ASSERT_TRUE(r[0] && r[1] && r[2] && r[3]);

    plot_batch *pb = plot_batch_begin(batched);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pb);
    CU_ASSERT_PTR_EQUAL(batch_of(batched), pb);
    memset(r, 0, sizeof r);
    CU_ASSERT_TRUE(timeline_write(&t, batched, &r[0], &err));
    CU_ASSERT_TRUE(timeline_write(&d, batched, &r[1], &err));
    CU_ASSERT_TRUE(plot_write(&p, batched, &r[2], &err));
    CU_ASSERT_TRUE(plot_stacked_write(&b, batched, &r[3], &err));
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_TRUE(r[0] && r[1] && r[2] && r[3]); /* queued to a running gnuplot */
    guint drawn = 0;
    CU_ASSERT_TRUE(plot_batch_finish(pb, &drawn));
    CU_ASSERT_EQUAL(drawn, 4);
    CU_ASSERT_PTR_NULL(batch_of(batched));
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        check_images(batched, names[i]);
        CU_ASSERT_TRUE(same_file(alone, batched, names[i], ".png"));
        CU_ASSERT_TRUE(same_file(alone, batched, names[i], ".svg"));
        CU_ASSERT_TRUE(same_file(alone, batched, names[i], ".gp"));
    }
    /* After the batch, a figure in that folder gets a gnuplot of its own. */
    remove_file(batched, "dns", ".png");
    bool again = false;
    CU_ASSERT_TRUE(timeline_write(&d, batched, &again, &err));
    CU_ASSERT_TRUE(again);
    CU_ASSERT_TRUE(same_file(alone, batched, "dns", ".png"));
    drop_dir(alone);
    drop_dir(batched);
}

/* A batch on which nothing is queued ends at once (its gnuplot is killed,
 * not waited for through its start-up); NULL is a no-op; without gnuplot on
 * PATH a batch draws nothing and the figures' files are still written. */
static void test_batch_idle_and_without_gnuplot(void)
{
    char *dir = tmp_dir();
    if (plot_have_gnuplot()) {
        gint64 t0 = g_get_monotonic_time();
        plot_batch *pb = plot_batch_begin(dir);
        guint drawn = 1;
        CU_ASSERT_TRUE(plot_batch_finish(pb, &drawn));
        CU_ASSERT_EQUAL(drawn, 0);
        CU_ASSERT_TRUE(g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC);
    }
    guint drawn = 1;
    CU_ASSERT_TRUE(plot_batch_finish(NULL, &drawn));
    CU_ASSERT_EQUAL(drawn, 0);

    char *saved = path_without_gnuplot();
    plot_batch *pb = plot_batch_begin(dir);
    CU_ASSERT_PTR_NOT_NULL(pb);
    timeline_spec t = hx_spec();
    bool rendered = true;
    GError *err = NULL;
    CU_ASSERT_TRUE(timeline_write(&t, dir, &rendered, &err));
    CU_ASSERT_FALSE(rendered);
    drawn = 1;
    CU_ASSERT_TRUE(plot_batch_finish(pb, &drawn));
    CU_ASSERT_EQUAL(drawn, 0);
    CU_ASSERT_TRUE(exists(dir, "http_exchange", ".dat") && exists(dir, "http_exchange", ".gp"));
    CU_ASSERT_FALSE(exists(dir, "http_exchange", ".png"));
    path_restore(saved);
    drop_dir(dir);
}

/* A batch whose gnuplot fails on one script goes on with the next, and
 * tells which failed with gnuplot's message; a figure whose script fails
 * is not counted as drawn. */
static void test_batch_failure(void)
{
    if (!gnuplot_or_skip("a failing figure in a batch"))
        return;
    char *dir = tmp_dir();
    write_script(dir, "broken", "plot no_such_function(x)\n");
    timeline_spec t = hx_spec();
    GError *err = NULL;
    CU_ASSERT_TRUE(timeline_write(&t, dir, NULL, &err));
    plot_batch *b = batch_new(dir);
    batch_queue(b, "broken", true, PLOT_FORMATS_ALL);
    batch_queue(b, "http_exchange", true, PLOT_FORMATS_ALL);
    GString *failures = g_string_new(NULL);
    CU_ASSERT_EQUAL(batch_finish(b, failures), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(failures->str, "gnuplot broken.gp: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(failures->str, "no_such_function"));
    CU_ASSERT_PTR_NULL(strstr(failures->str, "http_exchange"));
    g_string_free(failures, TRUE);
    check_images(dir, "http_exchange");
    CU_ASSERT_FALSE(exists(dir, "broken", ".png"));
    drop_dir(dir);
}

static void test_numbers(void)
{
    GString *s = g_string_new(NULL);
    const double vals[] = {0.1, 1.0 / 3, 1e-300, -2.5e17, 100, 0.0235 * 1000};
    for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
        g_string_truncate(s, 0);
        put_num(s, vals[i]);
        CU_ASSERT_EQUAL(g_ascii_strtod(s->str, NULL), vals[i]);
    }
    g_string_truncate(s, 0);
    put_num(s, 0.1);
    CU_ASSERT_STRING_EQUAL(s->str, "0.1");
    g_string_truncate(s, 0);
    put_num(s, INFINITY);
    CU_ASSERT_STRING_EQUAL(s->str, "NaN");
    g_string_truncate(s, 0);
    put_fixed(s, 23.4999999999, 6);
    CU_ASSERT_STRING_EQUAL(s->str, "23.5");
    g_string_truncate(s, 0);
    put_fixed(s, -0.0000001, 6);
    CU_ASSERT_STRING_EQUAL(s->str, "0");
    g_string_truncate(s, 0);
    put_fixed(s, 150, 6);
    CU_ASSERT_STRING_EQUAL(s->str, "150");
    g_string_free(s, TRUE);
}

/* A staircase figure (an empirical CDF): the same data file as a line
 * plot, the simulated series drawn with steps, a formula still a line. */
/* A spec's `formats`: each kind of figure, drawn outside a batch (a
 * gnuplot of its own) as SVG alone, then as PNG alone into the same folder
 * (the SVG of before removed), then both (0); the script names and sets
 * the terminals of those formats only, and the data do not change. */
static void test_formats(void)
{
    char *dir = tmp_dir();
    const double x[] = {1, 2, 3}, y[] = {0.5, 0.25, 0.125}, bars[] = {1, 2};
    plot_series series[] = {{"sim", x, y, 3, false}};
    plot_bar_series bar_series[] = {{"sim", bars}};
    const char *const cats[] = {"a", "b"}, *const parts[] = {"p", "q"};
    const double stacked[] = {1, 2, 3, 4};
    plot_spec line = {.name = "line", .title = "t", .xlabel = "x", .ylabel = "y", .series = series, .nseries = 1};
    plot_bars_spec bar = {.name = "bars", .title = "t", .ylabel = "y", .categories = cats, .ncategories = 2,
                          .series = bar_series, .nseries = 1};
    plot_stacked_spec stack = {.name = "stack", .title = "t", .xlabel = "x", .ylabel = "y", .rows = cats, .nrows = 2,
                               .parts = parts, .nparts = 2, .values = stacked};
    timeline_spec tl = hx_spec();
    static const char *const names[] = {"line", "steps", "bars", "stack", "http_exchange"};
    static const unsigned formats[] = {PLOT_SVG, PLOT_PNG, 0};
    char *first_dat[G_N_ELEMENTS(names)] = {NULL};
    for (size_t f = 0; f < G_N_ELEMENTS(formats); f++) {
        line.formats = bar.formats = stack.formats = tl.formats = formats[f];
        bool r[G_N_ELEMENTS(names)] = {false};
        GError *err = NULL;
        CU_ASSERT_TRUE_FATAL(plot_write(&line, dir, &r[0], &err));
        plot_spec steps = line;
        steps.name = "steps";
        CU_ASSERT_TRUE_FATAL(plot_steps_write(&steps, dir, &r[1], &err));
        CU_ASSERT_TRUE_FATAL(plot_bars_write(&bar, dir, &r[2], &err));
        CU_ASSERT_TRUE_FATAL(plot_stacked_write(&stack, dir, &r[3], &err));
        CU_ASSERT_TRUE_FATAL(timeline_write(&tl, dir, &r[4], &err));
        bool png = formats[f] != PLOT_SVG, svg = formats[f] != PLOT_PNG;
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
            char *gp = slurp(dir, names[i], ".gp", NULL), *dat = slurp(dir, names[i], ".dat", NULL);
            CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
            CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
            char *writes = png && svg ? g_strdup_printf("#   it writes  %s.png and %s.svg\n", names[i], names[i])
                                      : g_strdup_printf("#   it writes  %s.%s\n", names[i], png ? "png" : "svg");
            CU_ASSERT_PTR_NOT_NULL(strstr(gp, writes));
            CU_ASSERT_EQUAL(strstr(gp, "set terminal pngcairo") != NULL, png);
            CU_ASSERT_EQUAL(strstr(gp, "set terminal svg") != NULL, svg);
            CU_ASSERT_EQUAL(strstr(gp, "\nreplot\n") != NULL, png && svg);
            CU_ASSERT_EQUAL(count_of(gp, "\nunset output\n"), 1);
            if (!first_dat[i])
                first_dat[i] = g_strdup(dat);
            CU_ASSERT_STRING_EQUAL(dat, first_dat[i]);
            if (plot_have_gnuplot()) {
                CU_ASSERT_TRUE(r[i]);
                CU_ASSERT_EQUAL(exists(dir, names[i], ".png"), png);
                CU_ASSERT_EQUAL(exists(dir, names[i], ".svg"), svg);
            }
            g_free(writes);
            g_free(gp);
            g_free(dat);
        }
    }
    if (gnuplot_or_skip("the images of each format"))
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
            check_images(dir, names[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        g_free(first_dat[i]);
    drop_dir(dir);
}

static void test_steps_data_and_script(void)
{
    char *dir = tmp_dir();
    const double x[] = {0, 0.5, 1.5, 2}, y[] = {0, 0.25, 0.75, 1}, fx[] = {0, 2}, fy[] = {0, 1};
    plot_series series[] = {{"N = 4", x, y, 4, false}, {"uniform", fx, fy, 2, true}};
    plot_spec spec = {"cdf", "Completion times", "t (s)", "fraction done", false, false, series, 2, 0};
    bool rendered = false;
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(plot_steps_write(&spec, dir, &rendered, &err));
    char *dat = slurp(dir, "cdf", ".dat", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    GPtrArray *blocks = parse_dat(dat);
    CU_ASSERT_EQUAL(blocks->len, 2);
    CU_ASSERT_EQUAL(field_num(blocks, 0, 2, 0), 1.5);
    CU_ASSERT_EQUAL(field_num(blocks, 0, 2, 1), 0.75);
    g_ptr_array_unref(blocks);
    g_free(dat);
    static const char *const cdf_gp[] = {"# cdf.gp: staircases (empirical CDFs), written by appsim.",
                                         "data index 0 using 1:2 with steps linestyle 1 title 'N = 4'",
                                         "data index 1 using 1:2 with lines linestyle 101 title 'uniform'", NULL};
    script_holds(dir, "cdf", cdf_gp);
    /* plot_write of the same spec: the same data, points joined by lines. */
    char *dir2 = tmp_dir();
    CU_ASSERT_TRUE_FATAL(plot_write(&spec, dir2, NULL, &err));
    char *a = slurp(dir, "cdf", ".dat", NULL), *b = slurp(dir2, "cdf", ".dat", NULL);
    CU_ASSERT_STRING_EQUAL(a, b);
    g_free(a);
    g_free(b);
    char *gp = slurp(dir2, "cdf", ".gp", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "data index 0 using 1:2 with linespoints linestyle 1"));
    g_free(gp);
    drop_dir(dir2);
    if (gnuplot_or_skip("the staircase images")) {
        CU_ASSERT_TRUE(rendered);
        check_images(dir, "cdf");
    }
    drop_dir(dir);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_plot_data_and_script), TEST(test_plot_options_and_empty_series),
        TEST(test_timeline_data_and_script), TEST(test_timeline_layout),
        TEST(test_timeline_200_arrows), TEST(test_timeline_three_hosts), TEST(test_timeline_five_hosts),
        TEST(test_timeline_empty), TEST(test_escaping), TEST(test_redraw_dir),
        TEST(test_gnuplot_time_limit), TEST(test_without_gnuplot), TEST(test_deterministic),
        TEST(test_bad_input), TEST(test_numbers), TEST(test_bars_data_and_script),
        TEST(test_batch), TEST(test_batch_idle_and_without_gnuplot), TEST(test_batch_failure),
        TEST(test_steps_data_and_script), TEST(test_formats),
    };
    return test_main("plots/plot", tests, (int)G_N_ELEMENTS(tests));
}
