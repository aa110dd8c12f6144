/*
 * The image formats of the figures (outputs.formats, appsim run --formats),
 * through the appsim program:
 * - --formats svg: every figure of a sweep (line plot, where-the-time-went
 *   bars), of a plan of cases (bar chart, a time-space diagram per case)
 *   and of a single run (the time-space diagram) is an SVG that parses as
 *   XML with an <svg> root, and no PNG is written; each script says it
 *   writes the SVG alone and sets no PNG terminal; index.html shows each
 *   SVG inline and no PNG; `appsim plot` on the folder draws the same SVG
 *   bytes again from the scripts, still without a PNG;
 * - --formats png: PNG files alone (their signature checked), no SVG; the
 *   page shows each PNG inline (a data: URL), and says nothing of gnuplot
 *   missing;
 * - the default and --formats png,svg write the same figures, scripts and
 *   data, byte for byte; the default scripts draw the PNG, then the SVG by
 *   `replot`, as before the key existed;
 * - outputs.formats in a scenario file (a CDF drawn as SVG alone), and
 *   --formats overriding it;
 * - bad --formats values: exit 2, nothing written. (Bad outputs.formats
 *   values in files are in tests/scenarios/broken, 87 to 91.)
 * - the page's guard on inline SVG (an event handler attribute sends the
 *   SVG to an <img>, where nothing runs; words that merely begin with
 *   "on" do not): SVGs written by scripts in a results folder, shown by
 *   `appsim plot`.
 * Every part that draws needs gnuplot; without it the test reports a skip.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "plots/plot.h"
#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"

static char *tmp_root;

/* Runs `scenario` (a file) into <tmp_root>/<name> with the extra argument
 * `extra` (may be NULL); its exit status. */
static int run_into(const char *scenario, const char *name, const char *extra)
{
    char *dir = g_build_filename(tmp_root, name, NULL);
    const char *argv[] = {APPSIM, "run", scenario, "-o", dir, "-q", "-j", "2", extra, NULL};
    char *out = NULL, *err = NULL;
    int rc = test_spawn(NULL, argv, &out, &err);
    if (rc != 0)
        printf("\n    %s: exit %d: %s", name, rc, err ? err : "");
    g_free(out);
    g_free(err);
    g_free(dir);
    return rc;
}

static char *shipped(const char *name)
{
    return g_strdup_printf("%s/%s.json", SHIPPED, name);
}

/* The text of <tmp_root>/<run>/<file>, or NULL (its length in *len when not NULL). */
static char *read_out(const char *run, const char *file, gsize *len)
{
    char *path = g_build_filename(tmp_root, run, file, NULL), *text = NULL;
    bool ok = g_file_get_contents(path, &text, len, NULL);
    g_free(path);
    return ok ? text : NULL;
}

/* g_ptr_array_sort hands the comparison pointers to the elements. */
static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of <tmp_root>/<run> ending in `ext`, sorted. */
static GPtrArray *files_of(const char *run, const char *ext)
{
    char *dir = g_build_filename(tmp_root, run, NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, ext))
            g_ptr_array_add(names, g_strdup(n));
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(names, by_name);
    g_free(dir);
    return names;
}

static guint count(const char *hay, const char *needle)
{
    guint n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* GMarkup's callback: the name of the first element. */
static void first_element(GMarkupParseContext *ctx, const char *name, const char **an, const char **av, gpointer ud,
                          GError **err)
{
    (void)ctx, (void)an, (void)av, (void)err;
    char **root = ud;
    if (!*root)
        *root = g_strdup(name);
}

/* Whether `text` is well-formed XML whose root element is <svg> and which
 * draws something (a <path>). */
static bool valid_svg(const char *text, gsize len)
{
    GMarkupParser parser = {.start_element = first_element};
    char *root = NULL;
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &root, NULL);
    GError *err = NULL;
    bool ok = g_markup_parse_context_parse(ctx, text, (gssize)len, &err) && g_markup_parse_context_end_parse(ctx, &err);
    if (!ok)
        printf("\n    not XML: %s", err->message);
    g_clear_error(&err);
    g_markup_parse_context_free(ctx);
    ok = ok && root && !strcmp(root, "svg") && strstr(text, "<path") != NULL;
    g_free(root);
    return ok;
}

/* The folder <tmp_root>/<run> holds figures in the formats `png`, `svg`
 * alone: for each script <stem>.gp, the images asked for (valid ones),
 * none of the other format anywhere, a script that draws exactly those,
 * and a page that shows each figure. Returns the number of scripts. */
static guint check_folder(const char *run, bool png, bool svg)
{
    GPtrArray *gps = files_of(run, ".gp"), *pngs = files_of(run, ".png"), *svgs = files_of(run, ".svg");
    CU_ASSERT_EQUAL(pngs->len, png ? gps->len : 0);
    CU_ASSERT_EQUAL(svgs->len, svg ? gps->len : 0);
    char *page = read_out(run, "index.html", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    for (guint i = 0; i < gps->len; i++) {
        const char *gp_name = g_ptr_array_index(gps, i);
        char *stem = g_strndup(gp_name, strlen(gp_name) - 3);
        char *png_name = g_strconcat(stem, ".png", NULL), *svg_name = g_strconcat(stem, ".svg", NULL);
        char *gp = read_out(run, gp_name, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
        gsize len = 0;
        char *image = read_out(run, png ? png_name : svg_name, &len);
        CU_ASSERT_PTR_NOT_NULL(image);
        if (image && !png && !valid_svg(image, len))
            CU_FAIL("an SVG that does not parse");
        if (image && png)
            CU_ASSERT_TRUE(len > 24 && !memcmp(image, "\x89PNG\r\n\x1a\n", 8) && !memcmp(image + 12, "IHDR", 4));
        g_free(image);
        if (png && svg) {
            image = read_out(run, svg_name, &len);
            CU_ASSERT_TRUE(image && valid_svg(image, len));
            g_free(image);
        }
        /* the script draws the formats asked for, and only those */
        char *writes = png && svg ? g_strdup_printf("#   it writes  %s and %s\n", png_name, svg_name)
                                  : g_strdup_printf("#   it writes  %s\n", png ? png_name : svg_name);
        CU_ASSERT_PTR_NOT_NULL(strstr(gp, writes));
        CU_ASSERT_EQUAL(strstr(gp, "set terminal pngcairo") != NULL, png);
        CU_ASSERT_EQUAL(strstr(gp, "set terminal svg") != NULL, svg);
        CU_ASSERT_EQUAL(strstr(gp, "\nreplot\n") != NULL, png && svg);
        /* the page shows it: the SVG inline, else the PNG in a data: URL */
        char *shown = svg ? g_strdup_printf("<svg role=\"img\" aria-label=\"%s\"", svg_name)
                          : g_strdup_printf("<img alt=\"%s\" src=\"data:image/png;base64,", png_name);
        CU_ASSERT_PTR_NOT_NULL(strstr(page, shown));
        g_free(shown);
        g_free(writes);
        g_free(gp);
        g_free(png_name);
        g_free(svg_name);
        g_free(stem);
    }
    CU_ASSERT_EQUAL(count(page, "<svg role=\"img\""), svg ? gps->len : 0);
    CU_ASSERT_EQUAL(count(page, "src=\"data:image/png;base64,"), svg ? 0 : gps->len);
    CU_ASSERT_PTR_NULL(strstr(page, "No figures"));
    guint n = gps->len;
    g_free(page);
    g_ptr_array_free(gps, TRUE);
    g_ptr_array_free(pngs, TRUE);
    g_ptr_array_free(svgs, TRUE);
    return n;
}

static bool need_gnuplot(void)
{
    if (plot_have_gnuplot())
        return true;
    test_skip("gnuplot is not installed: the figures cannot be drawn");
    return false;
}

/* --formats svg on a sweep, a plan of cases and a single run: SVG alone. */
static void test_svg_only(void)
{
    if (!need_gnuplot())
        return;
    static const struct {
        const char *scenario;
        guint min_figures; /* the sweep: the plot and four breakdowns; the cases: the chart and three timelines */
    } runs[] = {{"http-persistence", 5}, {"dns-iterative-vs-recursive", 4}, {"http-single-object", 1}};
    for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
        char *file = shipped(runs[i].scenario), *name = g_strconcat("svg-", runs[i].scenario, NULL);
        CU_ASSERT_EQUAL_FATAL(run_into(file, name, "--formats=svg"), 0);
        CU_ASSERT_TRUE(check_folder(name, false, true) >= runs[i].min_figures);
        g_free(name);
        g_free(file);
    }
    /* the page's command carries the choice, as a --set */
    char *page = read_out("svg-http-single-object", "index.html", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, " --set &#39;outputs.formats=[&quot;svg&quot;]&#39;</pre>"));
    g_free(page);
}

/* `appsim plot` redraws an SVG-only folder from its scripts: the same SVG
 * bytes, still no PNG, and the same page. */
static void test_svg_redraw(void)
{
    if (!need_gnuplot())
        return;
    char *file = shipped("http-persistence");
    CU_ASSERT_EQUAL_FATAL(run_into(file, "svg-redraw", "--formats=svg"), 0);
    char *dir = g_build_filename(tmp_root, "svg-redraw", NULL);
    GPtrArray *svgs = files_of("svg-redraw", ".svg");
    CU_ASSERT_TRUE_FATAL(svgs->len >= 5);
    GPtrArray *before = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < svgs->len; i++) {
        g_ptr_array_add(before, read_out("svg-redraw", g_ptr_array_index(svgs, i), NULL));
        char *path = g_build_filename(dir, g_ptr_array_index(svgs, i), NULL);
        CU_ASSERT_EQUAL(g_unlink(path), 0);
        g_free(path);
    }
    char *page_before = read_out("svg-redraw", "index.html", NULL);
    const char *argv[] = {APPSIM, "plot", dir, NULL};
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(test_spawn(NULL, argv, &out, &err), 0);
    for (guint i = 0; i < svgs->len; i++) {
        char *again = read_out("svg-redraw", g_ptr_array_index(svgs, i), NULL);
        CU_ASSERT_PTR_NOT_NULL(again);
        CU_ASSERT_TRUE(again && !strcmp(again, g_ptr_array_index(before, i)));
        g_free(again);
    }
    GPtrArray *pngs = files_of("svg-redraw", ".png");
    CU_ASSERT_EQUAL(pngs->len, 0);
    char *page_after = read_out("svg-redraw", "index.html", NULL);
    CU_ASSERT_TRUE(page_before && page_after && !strcmp(page_before, page_after));
    g_free(page_before);
    g_free(page_after);
    g_ptr_array_free(pngs, TRUE);
    g_ptr_array_free(before, TRUE);
    g_ptr_array_free(svgs, TRUE);
    g_free(out);
    g_free(err);
    g_free(dir);
    g_free(file);
}

/* --formats png: PNG alone, shown on the page as PNG. */
static void test_png_only(void)
{
    if (!need_gnuplot())
        return;
    char *file = shipped("dns-iterative-vs-recursive");
    CU_ASSERT_EQUAL_FATAL(run_into(file, "png-only", "--formats=png"), 0);
    CU_ASSERT_TRUE(check_folder("png-only", true, false) >= 4);
    g_free(file);
}

/* The default and --formats png,svg: both images, the same files. */
static void test_default_is_both(void)
{
    if (!need_gnuplot())
        return;
    char *file = shipped("http-persistence");
    CU_ASSERT_EQUAL_FATAL(run_into(file, "both-default", NULL), 0);
    CU_ASSERT_EQUAL_FATAL(run_into(file, "both-asked", "--formats=svg,png"), 0);
    CU_ASSERT_TRUE(check_folder("both-default", true, true) >= 5);
    check_folder("both-asked", true, true);
    static const char *const exts[] = {".gp", ".dat", ".png", ".svg"};
    guint compared = 0;
    for (size_t e = 0; e < G_N_ELEMENTS(exts); e++) {
        GPtrArray *a = files_of("both-default", exts[e]), *b = files_of("both-asked", exts[e]);
        CU_ASSERT_EQUAL(a->len, b->len);
        for (guint i = 0; i < a->len && i < b->len; i++) {
            CU_ASSERT_STRING_EQUAL(g_ptr_array_index(a, i), g_ptr_array_index(b, i));
            gsize la = 0, lb = 0;
            char *ta = read_out("both-default", g_ptr_array_index(a, i), &la);
            char *tb = read_out("both-asked", g_ptr_array_index(b, i), &lb);
            CU_ASSERT_TRUE(ta && tb && la == lb && !memcmp(ta, tb, la));
            compared++;
            g_free(ta);
            g_free(tb);
        }
        g_ptr_array_free(a, TRUE);
        g_ptr_array_free(b, TRUE);
    }
    CU_ASSERT_TRUE(compared >= 20);
    /* the default script: the PNG first, then the same plot again as SVG */
    char *gp = read_out("both-default", "page_load_time.gp", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    const char *p = strstr(gp, "set output 'page_load_time.png'\n");
    const char *s = strstr(gp, "set output 'page_load_time.svg'\nreplot\nunset output\n");
    CU_ASSERT_TRUE(p && s && p < s);
    g_free(gp);
    g_free(file);
}

/* outputs.formats in the file: a CDF drawn as SVG alone; --formats png
 * overrides it. */
static void test_scenario_key(void)
{
    if (!need_gnuplot())
        return;
    static const char scn[] =
        "{\"name\": \"formats-key\",\n"
        " \"nodes\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n"
        " \"links\": [{\"from\": \"a\", \"to\": \"b\", \"rate\": \"10Mbps\", \"delay\": \"10ms\"}],\n"
        " \"apps\": [{\"name\": \"web\", \"type\": \"http-server\", \"host\": \"b\",\n"
        "           \"objects\": [{\"path\": \"/x\", \"size\": \"10KB\"}]},\n"
        "          {\"name\": \"near\", \"type\": \"browser\", \"host\": \"a\",\n"
        "           \"pages\": [\"http://b/x\", \"http://b/x\", \"http://b/x\"]}],\n"
        " \"outputs\": {\"cdf\": \"requests.csv:last_byte_s\", \"timeline\": true, \"formats\": [\"svg\"]}}\n";
    char *file = g_build_filename(tmp_root, "formats-key.json", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(file, scn, -1, NULL));
    CU_ASSERT_EQUAL_FATAL(run_into(file, "key-svg", NULL), 0);
    CU_ASSERT_EQUAL(check_folder("key-svg", false, true), 2);
    char *cdf = read_out("key-svg", "cdf.svg", NULL);
    CU_ASSERT_PTR_NOT_NULL(cdf);
    g_free(cdf);
    CU_ASSERT_EQUAL_FATAL(run_into(file, "key-png", "--formats=png"), 0);
    CU_ASSERT_EQUAL(check_folder("key-png", true, false), 2);
    g_free(file);
}

/* Bad --formats values: a usage error, nothing written. */
static void test_bad_option(void)
{
    static const char *const bad[] = {"--formats=jpg", "--formats=svg,svg", "--formats=", "--formats=png,",
                                      "--formats=PNG", "--formats=png svg"};
    char *file = shipped("http-single-object");
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *dir = g_build_filename(tmp_root, "bad-option", NULL);
        const char *argv[] = {APPSIM, "run", file, "-o", dir, "-q", bad[i], NULL};
        char *out = NULL, *err = NULL;
        CU_ASSERT_EQUAL(test_spawn(NULL, argv, &out, &err), 2);
        CU_ASSERT_TRUE(err && strstr(err, "--formats must be png, svg or png,svg"));
        CU_ASSERT_FALSE(g_file_test(dir, G_FILE_TEST_EXISTS));
        g_free(out);
        g_free(err);
        g_free(dir);
    }
    g_free(file);
}

/* Writes <dir>/<stem>.gp, a script that prints `svg` into <stem>.svg. */
static void svg_script(const char *dir, const char *stem, const char *svg)
{
    char *gp = g_strdup_printf("set print '%s.svg'\nprint '%s'\nunset print\n", stem, svg);
    char *base = g_strconcat(stem, ".gp", NULL), *path = g_build_filename(dir, base, NULL);
    CU_ASSERT_TRUE(g_file_set_contents(path, gp, -1, NULL));
    g_free(path);
    g_free(base);
    g_free(gp);
}

/* Which SVGs the page puts inline and which in an <img>. */
static void test_inline_guard(void)
{
    if (!need_gnuplot())
        return;
    char *file = shipped("http-single-object");
    CU_ASSERT_EQUAL_FATAL(run_into(file, "guard", "--formats=svg"), 0);
    char *dir = g_build_filename(tmp_root, "guard", NULL);
    static const struct {
        const char *stem, *svg;
        bool inline_ok;
    } cases[] = {
        {"a-plain", "<svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"1\" y=\"2\">Ontario onion on = 1</text></svg>",
         true},
        {"b-onclick", "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect onclick=\"x()\"/></svg>", false},
        {"c-spaced", "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect\tONMouseOver \t=1/></svg>", false},
        {"d-script", "<svg xmlns=\"http://www.w3.org/2000/svg\"><SCRIPT>x()</SCRIPT></svg>", false},
        {"e-id-on", "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"on\"><g id=\"one\"></g></svg>", true},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        svg_script(dir, cases[i].stem, cases[i].svg);
    const char *argv[] = {APPSIM, "plot", dir, NULL};
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(test_spawn(NULL, argv, &out, &err), 0);
    char *page = read_out("guard", "index.html", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *as_inline = g_strdup_printf("<svg role=\"img\" aria-label=\"%s.svg\"", cases[i].stem);
        char *as_img = g_strdup_printf("<img alt=\"%s.svg\" src=\"data:image/svg+xml;base64,", cases[i].stem);
        CU_ASSERT_EQUAL(strstr(page, as_inline) != NULL, cases[i].inline_ok);
        CU_ASSERT_EQUAL(strstr(page, as_img) != NULL, !cases[i].inline_ok);
        g_free(as_inline);
        g_free(as_img);
    }
    /* the inline ones have their ids prefixed (each SVG takes a number, fifth: f4) */
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "id=\"f4-on\"><g id=\"f4-one\">"));
    CU_ASSERT_PTR_NULL(strstr(page, "<rect onclick"));
    g_free(page);
    g_free(out);
    g_free(err);
    g_free(dir);
    g_free(file);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-formats-XXXXXX", NULL);
    static const test_case tests[] = {
        TEST(test_svg_only),        TEST(test_svg_redraw),    TEST(test_png_only),
        TEST(test_default_is_both), TEST(test_scenario_key),  TEST(test_bad_option),
        TEST(test_inline_guard),
    };
    int rc = test_main("cli/formats", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
