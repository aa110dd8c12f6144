/*
 * index.html, the page of a results folder (plots/html_report.h), through
 * the appsim program:
 * - its sections for four shipped scenarios (a sweep with where the time
 *   went, a single page load, mail with DNS, FTP's cases with their
 *   time-space diagrams): the command as typed, the table appsim printed
 *   (the same bytes, escaped), one inline figure per .svg in the folder,
 *   links.csv as a table, every run's fingerprint, the transcript
 *   collapsed, a phone's viewport and a print style; no script, no path of
 *   the machine;
 * - escaping: a description with <script> shows as text, and so does
 *   markup in a figure's title (gnuplot escapes it in the SVG);
 * - determinism: two runs give the same bytes;
 * - without gnuplot: no figure, a note saying why;
 * - appsim plot writes the page again as appsim run does: a deleted page
 *   and figure come back byte for byte, a run without gnuplot plotted
 *   later gets the page of a run with it, an older folder keeps its page;
 * - in a browser: headless Chromium loads the page from disk with no
 *   console error, nothing fetched and every figure drawn
 *   (chromium_check.py; skipped when chromium is not installed), and the
 *   check fails on a page with a console error, a blank figure and a
 *   picture that does not load.
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "plots/html_report.h"
#include "plots/plot.h"
#include "seam/html_escape.h"
#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define CHECKER APPSIM_SOURCE_DIR "/tests/cli/chromium_check.py"

static char *tmp_root;

/* Runs `file` (relative to the source folder, as a user in it would type
 * it) with `extra` arguments into <tmp_root>/<out>; what it printed. */
static char *run_into(const char *file, const char *out, const char *extra)
{
    char *dir = g_build_filename(tmp_root, out, NULL), *text = NULL, *err = NULL;
    const char *argv[] = {APPSIM, "run", file, "-o", dir, "-q", extra, NULL};
    int rc = test_spawn(APPSIM_SOURCE_DIR, argv, &text, &err);
    if (rc != 0)
        printf("\n    %s: exit %d: %s", file, rc, err);
    CU_ASSERT_EQUAL(rc, 0);
    g_free(err);
    g_free(dir);
    return text;
}

/* Not inlined: GCC 12 takes the text it returns for a pointer to its local. */
G_GNUC_NO_INLINE static char *read_out(const char *out, const char *file)
{
    char *path = g_build_filename(tmp_root, out, file, NULL), *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        text = NULL;
    g_free(path);
    return text;
}

static guint count(const char *hay, const char *needle)
{
    guint n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Whether `page` has the section `id`. */
static bool has_section(const char *page, const char *id)
{
    char *tag = g_strdup_printf("<section id=\"%s\">", id);
    bool yes = strstr(page, tag) != NULL;
    g_free(tag);
    return yes;
}

/* The checks every page passes; `name` is a shipped scenario's run into
 * <tmp_root>/<name>, `printed` what appsim printed. */
static void check_page(const char *name, const char *printed)
{
    char *page = read_out(name, "index.html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    CU_ASSERT_TRUE(g_str_has_prefix(page, "<!DOCTYPE html>\n<html lang=\"en\">"));
    CU_ASSERT_TRUE(g_str_has_suffix(page, "</html>\n"));
    CU_ASSERT_TRUE(g_utf8_validate(page, -1, NULL));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<meta name=\"viewport\" content=\"width=device-width"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "@media print{"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "Content-Security-Policy\" content=\"default-src 'none'"));
    const char *sections[] = {"command", "results", "links", "fingerprints", "scenario", "files"};
    for (size_t i = 0; i < G_N_ELEMENTS(sections); i++)
        CU_ASSERT_TRUE(has_section(page, sections[i]));
    /* every link of the contents leads somewhere on the page */
    const char *nav = strstr(page, "<nav>"), *nav_end = nav ? strstr(nav, "</nav>") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(nav_end);
    guint anchors = 0;
    for (const char *h = strstr(nav, "href=\"#"); h && h < nav_end; h = strstr(h + 1, "href=\"#")) {
        char *id = g_strndup(h + 7, strcspn(h + 7, "\""));
        char *attr = g_strdup_printf(" id=\"%s\">", id);
        if (!strstr(page, attr))
            printf("\n    %s: no #%s", name, id);
        CU_ASSERT_PTR_NOT_NULL(strstr(page, attr));
        anchors++;
        g_free(attr);
        g_free(id);
    }
    CU_ASSERT_TRUE(anchors >= 5);
    /* the command as typed, the scenario's path relative */
    char *cmd = g_strdup_printf("<pre class=\"cmd\">appsim run scenarios/%s.json</pre>", name);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, cmd));
    g_free(cmd);
    /* the table appsim printed, byte for byte, escaped */
    const char *end = strstr(printed, "\nresults: ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    GString *table = g_string_new("<pre>");
    html_escape_append(table, printed, end - printed);
    g_string_append(table, "</pre>");
    CU_ASSERT_PTR_NOT_NULL(strstr(page, table->str));
    g_string_free(table, TRUE);
    /* one figure per .svg in the folder, in its section */
    char *dir = g_build_filename(tmp_root, name, NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    guint svgs = 0, breakdowns = 0, timelines = 0;
    const char *f;
    while (d && (f = g_dir_read_name(d))) {
        if (!g_str_has_suffix(f, ".svg"))
            continue;
        svgs++;
        breakdowns += g_str_has_prefix(f, "breakdown");
        timelines += g_str_has_prefix(f, "timeline");
        char *label = g_strdup_printf("aria-label=\"%s\"", f);
        CU_ASSERT_PTR_NOT_NULL(strstr(page, label));
        g_free(label);
    }
    if (d)
        g_dir_close(d);
    CU_ASSERT_EQUAL(count(page, "<svg role=\"img\""), svgs);
    CU_ASSERT_EQUAL(has_section(page, "breakdown"), breakdowns > 0);
    CU_ASSERT_EQUAL(has_section(page, "timelines"), timelines > 0);
    CU_ASSERT_EQUAL(has_section(page, "plots"), svgs > breakdowns + timelines);
    if (plot_have_gnuplot())
        CU_ASSERT_TRUE(svgs > 0);
    /* links.csv: its header and as many rows */
    char *links = read_out(name, "links.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(links);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<tr><th>run</th><th>link</th><th>from</th>"));
    const char *lk = strstr(page, "<section id=\"links\">"), *lk_end = lk ? strstr(lk, "</section>") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(lk_end);
    char *lsec = g_strndup(lk, (gsize)(lk_end - lk));
    CU_ASSERT_EQUAL(count(lsec, "<tr>"), count(links, "\n"));
    g_free(lsec);
    g_free(links);
    /* every run's fingerprint */
    char *sum_text = read_out(name, "summary.json");
    cJSON *sum = cJSON_Parse(sum_text);
    const cJSON *run;
    guint runs = 0;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(sum, "runs"))
    {
        const char *fp = cJSON_GetStringValue(cJSON_GetObjectItem(run, "fingerprint"));
        CU_ASSERT_TRUE(fp && strlen(fp) == 64 && strstr(page, fp));
        runs++;
    }
    CU_ASSERT_TRUE(runs > 0);
    cJSON_Delete(sum);
    g_free(sum_text);
    /* the transcript, collapsed, when the run has one */
    char *transcript = read_out(name, "transcript.txt");
    CU_ASSERT_EQUAL(has_section(page, "transcript"), transcript != NULL);
    if (transcript)
        CU_ASSERT_PTR_NOT_NULL(strstr(page, "<details>\n<summary>"));
    g_free(transcript);
    /* nothing that runs, nothing of this machine */
    char *lower = g_ascii_strdown(page, -1);
    CU_ASSERT_PTR_NULL(strstr(lower, "<script"));
    g_free(lower);
    CU_ASSERT_PTR_NULL(strstr(page, tmp_root));
    CU_ASSERT_PTR_NULL(strstr(page, APPSIM_SOURCE_DIR));
    g_free(dir);
    g_free(page);
}

static void shipped(const char *name)
{
    char *file = g_strdup_printf("scenarios/%s.json", name);
    char *printed = run_into(file, name, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(printed);
    check_page(name, printed);
    g_free(printed);
    g_free(file);
}

static void test_http_persistence(void)
{
    shipped("http-persistence");
}

static void test_http_single_object(void)
{
    shipped("http-single-object");
}

static void test_mail_alice_bob(void)
{
    shipped("mail-alice-bob");
}

static void test_ftp_active_vs_passive(void)
{
    shipped("ftp-active-vs-passive");
}

/* A description with markup shows as text; so does every other byte. */
static void test_escaping(void)
{
    char *src = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(APPSIM_SOURCE_DIR "/scenarios/http-single-object.json", &src, NULL, NULL));
    cJSON *j = cJSON_Parse(src);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON_ReplaceItemInObject(j, "description", cJSON_CreateString("<script>alert(\"x\")</script> & 'q' </pre>"));
    char *text = cJSON_Print(j);
    char *file = g_build_filename(tmp_root, "markup.json", NULL);
    CU_ASSERT_TRUE(g_file_set_contents(file, text, -1, NULL));
    char *printed = run_into(file, "markup", NULL);
    char *page = read_out("markup", "index.html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    CU_ASSERT_PTR_NULL(strstr(page, "<script"));
    CU_ASSERT_PTR_NULL(strstr(page, "'q' </pre>"));
    const char *want = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; &lt;/pre&gt;";
    CU_ASSERT_EQUAL(count(page, want), 2); /* under the title, and in the table */
    /* and in the scenario's JSON, where its quotes are escaped too */
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "&quot;&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;"));
    g_free(page);
    g_free(printed);
    g_free(file);
    cJSON_free(text);
    cJSON_Delete(j);
    g_free(src);

    /* markup in a figure's title stays text inside its inline SVG */
    g_free(run_into("scenarios/http-persistence.json", "title", "--set=outputs.title=</svg><b>x & y"));
    page = read_out("title", "index.html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    CU_ASSERT_PTR_NULL(strstr(page, "<b>"));
    CU_ASSERT_PTR_NULL(strstr(page, "</svg><b>"));
    if (plot_have_gnuplot())
        CU_ASSERT_EQUAL(count(page, "<svg role=\"img\""), count(page, "</svg>"));
    g_free(page);

    GString *out = g_string_new("");
    html_escape_append(out, "a\x01\x7f\tb\n\xff<", -1);
    CU_ASSERT_STRING_EQUAL(out->str, "a??\tb\n\xef\xbf\xbd&lt;");
    g_string_free(out, TRUE);
}

/* The same run twice, into two folders: the same bytes. */
static void test_determinism(void)
{
    g_free(run_into("scenarios/http-persistence.json", "det-a", NULL));
    g_free(run_into("scenarios/http-persistence.json", "det-b", NULL));
    char *a = read_out("det-a", "index.html"), *b = read_out("det-b", "index.html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_STRING_EQUAL(a, b);
    g_free(a);
    g_free(b);
}

/* Options that change the results are in the command, quoted for a shell. */
static void test_command(void)
{
    g_free(run_into("scenarios/http-single-object.json", "cmd", "--set=links.access.delay=20 ms"));
    char *page = read_out("cmd", "index.html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<pre class=\"cmd\">appsim run scenarios/http-single-object.json --set "
                                        "&#39;links.access.delay=20 ms&#39;</pre>"));
    g_free(page);
}

/* Without gnuplot the page says so, and has no figure. */
static void test_without_gnuplot(void)
{
    char *path = g_strdup(g_getenv("PATH"));
    g_setenv("PATH", "/nonexistent", TRUE);
    char *printed = run_into("scenarios/http-persistence.json", "nognuplot", NULL);
    g_setenv("PATH", path ? path : "/usr/bin:/bin", TRUE);
    char *page = read_out("nognuplot", "index.html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    CU_ASSERT_PTR_NULL(strstr(page, "<svg"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "No figures: gnuplot was not installed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<a href=\"#figures\">"));
    CU_ASSERT_TRUE(has_section(page, "links") && has_section(page, "fingerprints"));
    g_free(page);
    g_free(printed);
    g_free(path);
}

/* appsim plot on `out` (in tmp_root); its exit status, what it printed
 * on stderr into *err (the caller frees it). */
static int plot_dir(const char *out, char **err)
{
    char *dir = g_build_filename(tmp_root, out, NULL), *text = NULL;
    const char *argv[] = {APPSIM, "plot", dir, NULL};
    int rc = test_spawn(APPSIM_SOURCE_DIR, argv, &text, err);
    g_free(text);
    g_free(dir);
    return rc;
}

/* The name of a figure (.svg) in `out`, sorted first; NULL when none. */
static char *first_svg(const char *out)
{
    char *dir = g_build_filename(tmp_root, out, NULL), *best = NULL;
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, ".svg") && (!best || strcmp(n, best) < 0)) {
            g_free(best);
            best = g_strdup(n);
        }
    if (d)
        g_dir_close(d);
    g_free(dir);
    return best;
}

static void remove_out(const char *out, const char *file)
{
    char *path = g_build_filename(tmp_root, out, file, NULL);
    CU_ASSERT_EQUAL(g_remove(path), 0);
    g_free(path);
}

/* appsim plot writes index.html again through the code appsim run uses:
 * with the page and a figure deleted, both come back byte for byte; a run
 * made without gnuplot, plotted later, gets the page of a run made with
 * it; a folder without the page's parts (an older appsim) keeps its page,
 * with a note. */
static void test_plot_rewrites_page(void)
{
    if (!plot_have_gnuplot()) {
        test_skip("appsim plot and index.html: gnuplot is not installed (apt-get install gnuplot-nox)");
        return;
    }
    g_free(run_into("scenarios/http-persistence.json", "replot", NULL));
    char *page = read_out("replot", "index.html"), *svg = first_svg("replot");
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
    char *figure = read_out("replot", svg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(figure);
    CU_ASSERT_TRUE(count(page, svg) >= 2); /* the inline figure, and the list of files */
    remove_out("replot", "index.html");
    remove_out("replot", svg);
    char *err = NULL;
    CU_ASSERT_EQUAL(plot_dir("replot", &err), 0);
    g_free(err);
    char *page2 = read_out("replot", "index.html"), *figure2 = read_out("replot", svg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(page2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(figure2);
    CU_ASSERT_STRING_EQUAL(page2, page);
    CU_ASSERT_STRING_EQUAL(figure2, figure);

    /* Drawn later: the page shows the figures, as a run with gnuplot. */
    char *path = g_strdup(g_getenv("PATH"));
    g_setenv("PATH", "/nonexistent", TRUE);
    g_free(run_into("scenarios/http-persistence.json", "replot-late", NULL));
    g_setenv("PATH", path ? path : "/usr/bin:/bin", TRUE);
    char *late = read_out("replot-late", "index.html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(late);
    CU_ASSERT_PTR_NOT_NULL(strstr(late, "No figures: gnuplot was not installed"));
    g_free(late);
    CU_ASSERT_EQUAL(plot_dir("replot-late", &err), 0);
    g_free(err);
    late = read_out("replot-late", "index.html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(late);
    CU_ASSERT_STRING_EQUAL(late, page);

    /* Without the parts: the page stays as it was, and appsim says why. */
    remove_out("replot-late", HTML_REPORT_PARTS);
    remove_out("replot-late", svg);
    CU_ASSERT_EQUAL(plot_dir("replot-late", &err), 0);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "note: ") && strstr(err, "index.html cannot be written again"));
    g_free(err);
    char *kept = read_out("replot-late", "index.html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(kept);
    CU_ASSERT_STRING_EQUAL(kept, late);
    g_free(kept);
    g_free(late);
    g_free(path);
    g_free(page2);
    g_free(figure2);
    g_free(figure);
    g_free(svg);
    g_free(page);
}

/* Runs the browser check on `page`; its exit status and output. */
static int chromium_check(const char *chromium, const char *page, char **out)
{
    const char *argv[] = {"/usr/bin/python3", CHECKER, chromium, page, NULL};
    char *err = NULL;
    int rc = test_spawn(NULL, argv, out, &err);
    if (rc != 0 && err && *err)
        printf("\n    stderr: %s", err);
    g_free(err);
    return rc;
}

/* Headless Chromium opens the pages from disk. */
static void test_in_chromium(void)
{
    char *chromium = g_find_program_in_path("chromium");
    if (!chromium || !g_file_test("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE)) {
        test_skip("index.html in a browser: chromium (or /usr/bin/python3) is not installed (apt-get install "
                  "chromium)");
        g_free(chromium);
        return;
    }
    const char *names[] = {"http-persistence", "ftp-active-vs-passive"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *file = g_strdup_printf("scenarios/%s.json", names[i]);
        char *out_name = g_strdup_printf("browser-%s", names[i]);
        g_free(run_into(file, out_name, NULL));
        char *page = g_build_filename(tmp_root, out_name, "index.html", NULL);
        char *out = NULL;
        int rc = chromium_check(chromium, page, &out);
        printf("\n    %s: %s", names[i], out ? out : "");
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_TRUE(out && g_str_has_prefix(out, "ok: ") && !strstr(out, " 0 of "));
        g_free(out);
        g_free(page);
        g_free(out_name);
        g_free(file);
    }
    /* the check sees what is wrong: a script's console error, a figure
     * that draws nothing, a picture that does not load */
    char *bad = g_build_filename(tmp_root, "bad.html", NULL);
    CU_ASSERT_TRUE(g_file_set_contents(bad,
                                       "<!DOCTYPE html><html><body><main>"
                                       "<svg aria-label=\"empty\" width=\"200\" height=\"100\"></svg>"
                                       "<img alt=\"missing\" src=\"missing.png\" width=\"80\" height=\"80\">"
                                       "<script>console.error('broken')</script></main></body></html>\n",
                                       -1, NULL));
    char *out = NULL;
    CU_ASSERT_EQUAL(chromium_check(chromium, bad, &out), 1);
    CU_ASSERT_TRUE(out && strstr(out, "problem: empty: blank on screen") &&
                   strstr(out, "problem: missing: not rendered") && strstr(out, "console error: ['broken']") &&
                   strstr(out, "\nFAIL: 0 of 2 figures"));
    g_free(out);
    g_free(bad);
    g_free(chromium);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-html-XXXXXX", NULL);
    static const test_case tests[] = {TEST(test_http_persistence), TEST(test_http_single_object),
                                      TEST(test_mail_alice_bob),   TEST(test_ftp_active_vs_passive),
                                      TEST(test_escaping),         TEST(test_determinism),
                                      TEST(test_command),          TEST(test_without_gnuplot),
                                      TEST(test_plot_rewrites_page), TEST(test_in_chromium)};
    int rc = test_main("html_report", tests, (int)G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
