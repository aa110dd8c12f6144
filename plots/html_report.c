/* html_report: index.html of a results folder (see html_report.h). */
#include "html_report.h"

#include <stdlib.h>
#include <string.h>

#include "seam/html_escape.h"
#include "world/results.h"

G_DEFINE_QUARK(html-report-error-quark, html_report_error)

/* The page's style: one column that narrows to a phone's width, tables
 * and preformatted text that scroll sideways instead of widening the
 * page, and a print style without colours or collapsed parts. */
static const char page_style[] =
    ":root{--ink:#1d232b;--muted:#5b6570;--line:#d4d9de;--pale:#f4f6f8;--accent:#1f5f99}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;color:var(--ink);background:#fff;font:16px/1.45 system-ui,sans-serif}\n"
    "main{max-width:1000px;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.6rem;margin:.2rem 0 .4rem}\n"
    "h2{font-size:1.2rem;margin:1.8rem 0 .5rem;padding-bottom:.2rem;border-bottom:2px solid var(--line)}\n"
    "p.desc{margin:.2rem 0 1rem;color:var(--muted)}\n"
    "nav{font-size:.9rem;margin:.5rem 0 1rem;display:flex;flex-wrap:wrap;gap:.2rem .9rem}\n"
    "nav a{white-space:nowrap}\n"
    "a{color:var(--accent)}\n"
    "pre{font:13px/1.35 ui-monospace,monospace;background:var(--pale);border:1px solid var(--line);padding:.6rem;"
    "overflow-x:auto;margin:.4rem 0}\n"
    "pre.cmd{font-size:14px}\n"
    ".scroll{overflow-x:auto;margin:.4rem 0}\n"
    "table{border-collapse:collapse;font-size:.85rem}\n"
    "th,td{border:1px solid var(--line);padding:.15rem .45rem;text-align:left;vertical-align:top}\n"
    "th{background:var(--pale)}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.fp{font:12px ui-monospace,monospace;word-break:break-all}\n"
    "figure{margin:1rem 0;break-inside:avoid}\n"
    ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(440px,100%),1fr));gap:0 1rem}\n"
    "figure svg,figure img{display:block;width:100%;height:auto;max-width:960px;border:1px solid var(--line)}\n"
    "figcaption{font-size:.85rem;color:var(--muted)}\n"
    "details summary{cursor:pointer;font-weight:600}\n"
    ".note{color:var(--muted);font-size:.9rem}\n"
    "@media (max-width:600px){body{font-size:15px}main{padding:.5rem}pre{font-size:11px}}\n"
    "@media print{body{font-size:10pt}main{max-width:none;padding:0}nav{display:none}a{color:inherit}"
    "pre{white-space:pre-wrap;word-break:break-all;background:none;font-size:8pt}h2{break-after:avoid}"
    "figure svg,figure img{max-width:16cm}th{background:none}}\n";

static void esc(GString *out, const char *text)
{
    html_escape_append(out, text, -1);
}

/* g_ptr_array_sort hands the comparison pointers to the elements. */
static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of `dir` (no hidden ones, not index.html), sorted. */
static GPtrArray *dir_files(const char *dir)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, n, NULL);
        if (n[0] != '.' && strcmp(n, "index.html") != 0 && g_file_test(path, G_FILE_TEST_IS_REGULAR) &&
            !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            g_ptr_array_add(names, g_strdup(n));
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(names, by_name);
    return names;
}

/* The text of `dir`/`name`; NULL (no error) when it does not exist. Not
 * inlined: GCC 12 takes the pointer it returns for one to its local. */
G_GNUC_NO_INLINE static char *read_opt(const char *dir, const char *name, gsize *len, GError **err)
{
    char *path = g_build_filename(dir, name, NULL), *text = NULL;
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && !g_file_get_contents(path, &text, len, err))
        text = NULL;
    g_free(path);
    return text;
}

/* Whether the attribute at `p` in `svg` begins a new attribute (after
 * white space, or a namespace's colon for href). */
static bool attr_start(const char *svg, const char *p, bool colon)
{
    return p > svg && (g_ascii_isspace(p[-1]) || (colon && p[-1] == ':'));
}

/* Whether the lower-case text `lower` has an event handler attribute: a
 * white space, "on", one or more letters a-z, white space and "=" (the
 * regular expression \son[a-z]+\s*=, scanned by hand: a regex costs some
 * 30 instructions a byte, most of what writing the page costs). O(len). */
static bool has_event_attr(const char *lower)
{
    for (const char *p = lower; (p = strstr(p, "on")); p += 2) {
        if (p == lower || !g_ascii_isspace(p[-1]) || !g_ascii_islower(p[2]))
            continue;
        const char *q = p + 2;
        while (g_ascii_islower(*q))
            q++;
        while (g_ascii_isspace(*q))
            q++;
        if (*q == '=')
            return true;
    }
    return false;
}

/* One gnuplot SVG inline, from its <svg> element on: its ids and the
 * references to them get the prefix "f<n>-" so that several figures on
 * one page do not share ids. An SVG with a script or foreign content (not
 * something gnuplot writes) goes in an <img> instead, where nothing runs.
 * O(len). */
static void svg_inline(GString *out, const char *name, const char *svg, gsize len, guint n)
{
    const char *start = strstr(svg, "<svg");
    char *lower = g_ascii_strdown(svg, (gssize)len);
    bool risky = !start || strstr(lower, "<script") || strstr(lower, "foreignobject") || has_event_attr(lower);
    g_free(lower);
    if (risky) {
        char *b64 = g_base64_encode((const guchar *)svg, len);
        g_string_append(out, "<img alt=\"");
        esc(out, name);
        g_string_append_printf(out, "\" src=\"data:image/svg+xml;base64,%s\">\n", b64);
        g_free(b64);
        return;
    }
    char prefix[24];
    g_snprintf(prefix, sizeof prefix, "f%u-", n);
    g_string_append(out, "<svg role=\"img\" aria-label=\"");
    esc(out, name);
    g_string_append_c(out, '"');
    static const struct {
        const char *at;
        bool colon;
    } refs[] = {{"id='", false}, {"id=\"", false}, {"href='#", true}, {"href=\"#", true}, {"url(#", false}};
    for (const char *p = start + 4; p < svg + len && *p; p++) {
        g_string_append_c(out, *p);
        if (*p != 'i' && *p != 'h' && *p != 'u') /* no reference begins here */
            continue;
        for (size_t i = 0; i < G_N_ELEMENTS(refs); i++) {
            size_t k = strlen(refs[i].at);
            if (strncmp(p, refs[i].at, k) == 0 && (refs[i].at[0] == 'u' || attr_start(svg, p, refs[i].colon))) {
                g_string_append(out, refs[i].at + 1);
                g_string_append(out, prefix);
                p += k - 1;
                break;
            }
        }
    }
    g_string_append_c(out, '\n');
}

/* Whether the sorted `files` hold `name`. O(log files). */
static bool has_file(GPtrArray *files, const char *name)
{
    return files->len && bsearch(&name, files->pdata, files->len, sizeof(gpointer), by_name) != NULL;
}

/* A PNG figure (drawn without its SVG: outputs.formats ["png"]) as an
 * <img> with the image inline (a data: URL, which the page's policy
 * allows for images). */
static void png_inline(GString *out, const char *name, const char *png, gsize len)
{
    char *b64 = g_base64_encode((const guchar *)png, len);
    g_string_append(out, "<img alt=\"");
    esc(out, name);
    g_string_append_printf(out, "\" src=\"data:image/png;base64,%s\">\n", b64);
    g_free(b64);
}

/* The figures whose file names pass `want`, each in a <figure>: its SVG
 * inline, or its PNG when the folder has no SVG of it; how many, or
 * G_MAXUINT when one cannot be read (`err` is not NULL). */
static guint figures(GString *out, const char *dir, GPtrArray *files, bool (*want)(const char *), guint *n,
                     GError **err)
{
    guint shown = 0;
    for (guint i = 0; i < files->len; i++) {
        const char *name = g_ptr_array_index(files, i);
        bool is_svg = g_str_has_suffix(name, ".svg");
        if (!(is_svg || g_str_has_suffix(name, ".png")) || !want(name))
            continue;
        if (!is_svg) {
            char *svg_name = g_strdup(name);
            memcpy(svg_name + strlen(svg_name) - 4, ".svg", 4);
            bool beside = has_file(files, svg_name);
            g_free(svg_name);
            if (beside)
                continue;
        }
        gsize len = 0;
        char *image = read_opt(dir, name, &len, err);
        if (!image && *err)
            return G_MAXUINT;
        if (!image)
            continue;
        g_string_append(out, "<figure>\n");
        if (is_svg)
            svg_inline(out, name, image, len, (*n)++);
        else
            png_inline(out, name, image, len);
        g_string_append(out, "<figcaption>");
        esc(out, name);
        g_string_append(out, " (the data and gnuplot script beside it: .dat, .gp)</figcaption>\n</figure>\n");
        g_free(image);
        shown++;
    }
    return shown;
}

static bool is_timeline(const char *name)
{
    return g_str_has_prefix(name, "timeline");
}

static bool is_breakdown(const char *name)
{
    return g_str_has_prefix(name, "breakdown");
}

static bool is_plot(const char *name)
{
    return !is_timeline(name) && !is_breakdown(name);
}

/* The fields of one CSV line (RFC 4180 quotes), appended to `cells`. */
static void csv_fields(const char *line, GPtrArray *cells)
{
    GString *f = g_string_new("");
    const char *p = line;
    for (;;) {
        g_string_truncate(f, 0);
        if (*p == '"') {
            for (p++; *p; p++) {
                if (*p == '"' && p[1] == '"')
                    g_string_append_c(f, *p++);
                else if (*p == '"') {
                    p++;
                    break;
                } else
                    g_string_append_c(f, *p);
            }
        }
        while (*p && *p != ',')
            g_string_append_c(f, *p++);
        g_ptr_array_add(cells, g_strdup(f->str));
        if (*p != ',')
            break;
        p++;
    }
    g_string_free(f, TRUE);
}

static bool is_number(const char *s)
{
    char *end;
    g_ascii_strtod(s, &end);
    return *s && !*end;
}

/* links.csv as a table (up to HTML_REPORT_MAX_ROWS rows). */
static void csv_table(GString *out, const char *csv, const char *name)
{
    gchar **lines = g_strsplit(csv, "\n", -1);
    guint rows = 0, total = 0;
    g_string_append(out, "<div class=\"scroll\"><table>\n");
    GPtrArray *cells = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; lines[i]; i++) {
        g_strchomp(lines[i]);
        if (!*lines[i])
            continue;
        if (i > 0 && total++ >= HTML_REPORT_MAX_ROWS)
            continue;
        g_ptr_array_set_size(cells, 0);
        csv_fields(lines[i], cells);
        g_string_append(out, "<tr>");
        for (guint c = 0; c < cells->len; c++) {
            const char *v = g_ptr_array_index(cells, c);
            g_string_append(out, i == 0 ? "<th>" : is_number(v) ? "<td class=\"n\">" : "<td>");
            esc(out, v);
            g_string_append(out, i == 0 ? "</th>" : "</td>");
        }
        g_string_append(out, "</tr>\n");
        rows += i > 0;
    }
    g_string_append(out, "</table></div>\n");
    if (total > rows) {
        g_string_append_printf(out, "<p class=\"note\">The first %u rows of %u; all of them are in ", rows, total);
        esc(out, name);
        g_string_append(out, ".</p>\n");
    }
    g_ptr_array_free(cells, TRUE);
    g_strfreev(lines);
}

/* Each run's parameters, seed and fingerprint (up to HTML_REPORT_MAX_ROWS runs). */
static void fingerprints(GString *out, const scenario *sc, run_result *const *res)
{
    guint nax = scenario_axes(sc), coords[SCN_MAX_AXES + 1];
    const scn_axis *cmp = scenario_compare(sc);
    g_string_append(out, "<div class=\"scroll\"><table>\n<tr><th>run</th>");
    for (guint i = 0; i < nax; i++) {
        g_string_append(out, "<th>");
        esc(out, scenario_axis(sc, i)->path);
        g_string_append(out, "</th>");
    }
    if (cmp) {
        g_string_append(out, "<th>");
        esc(out, cmp->path);
        g_string_append(out, "</th>");
    }
    g_string_append(out, "<th>seed</th><th>fingerprint (a 256-bit digest of the trace)</th></tr>\n");
    guint runs = scenario_run_count(sc), shown = MIN(runs, (guint)HTML_REPORT_MAX_ROWS);
    for (guint k = 0; k < shown; k++) {
        scenario_run_coords(sc, k, coords);
        g_string_append_printf(out, "<tr><td class=\"n\">%u</td>", k);
        for (guint i = 0; i <= nax; i++) {
            const scn_axis *a = i < nax ? scenario_axis(sc, i) : cmp;
            if (!a)
                continue;
            g_string_append(out, "<td>");
            esc(out, g_ptr_array_index(a->labels, coords[i]));
            g_string_append(out, "</td>");
        }
        g_string_append_printf(out, "<td class=\"n\">%" G_GUINT64_FORMAT "</td><td class=\"fp\">", res[k]->seed);
        esc(out, res[k]->fingerprint ? res[k]->fingerprint : "");
        g_string_append(out, "</td></tr>\n");
    }
    g_string_append(out, "</table></div>\n");
    if (shown < runs)
        g_string_append_printf(out, "<p class=\"note\">The first %u runs of %u; all of them are in summary.json.</p>\n",
                               shown, runs);
}

/* A <pre> of `text`, at most HTML_REPORT_MAX_TEXT bytes of it. */
static void pre_text(GString *out, const char *text, gsize len, const char *name)
{
    gsize n = MIN(len, (gsize)HTML_REPORT_MAX_TEXT);
    g_string_append(out, "<pre>");
    html_escape_append(out, text, (gssize)n);
    g_string_append(out, "</pre>\n");
    if (n < len) {
        g_string_append_printf(out, "<p class=\"note\">The first %u bytes of %" G_GSIZE_FORMAT "; all of it is in ",
                               (unsigned)n, len);
        esc(out, name);
        g_string_append(out, ".</p>\n");
    }
}

static void heading(GString *out, const char *id, const char *title)
{
    g_string_append_printf(out, "<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
}

/* The sections of figures, each when it has any; false on a read error. */
static bool figure_sections(GString *out, const char *dir, GPtrArray *files, GError **err)
{
    static const struct {
        const char *id, *title;
        bool (*want)(const char *);
    } kinds[] = {{"plots", "Plots", is_plot},
                 {"breakdown", "Where the time went", is_breakdown},
                 {"timelines", "Time-space diagrams", is_timeline}};
    guint n = 0, any = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        GString *body = g_string_new("");
        guint shown = figures(body, dir, files, kinds[i].want, &n, err);
        if (shown == G_MAXUINT) {
            g_string_free(body, TRUE);
            return false;
        }
        if (shown) {
            heading(out, kinds[i].id, kinds[i].title);
            g_string_append(out, shown > 1 && kinds[i].want != is_plot ? "<div class=\"grid\">\n" : "<div>\n");
            g_string_append_len(out, body->str, (gssize)body->len);
            g_string_append(out, "</div>\n</section>\n");
        }
        any += shown;
        g_string_free(body, TRUE);
    }
    bool scripts = false;
    for (guint i = 0; i < files->len; i++)
        scripts |= g_str_has_suffix(g_ptr_array_index(files, i), ".gp");
    if (!any && scripts) {
        heading(out, "plots", "Plots");
        g_string_append(out, "<p class=\"note\">No figures: gnuplot was not installed when the run was made. Their "
                             "data and scripts (.dat, .gp) are in the folder; <code>appsim plot</code> on the "
                             "folder draws them, and a new run writes them into this page.</p>\n</section>\n");
    }
    return true;
}

/* The page's head and its first lines: title, description, contents. */
static void page_top(GString *out, const scenario *sc)
{
    g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                         "style-src 'unsafe-inline'; img-src data:\">\n<title>");
    esc(out, scenario_name(sc));
    g_string_append(out, " — appsim results</title>\n<style>\n");
    g_string_append(out, page_style);
    g_string_append(out, "</style>\n</head>\n<body>\n<main>\n<h1>");
    esc(out, scenario_name(sc));
    g_string_append(out, "</h1>\n");
    if (*scenario_description(sc)) {
        g_string_append(out, "<p class=\"desc\">");
        esc(out, scenario_description(sc));
        g_string_append(out, "</p>\n");
    }
}

/* The parts of the page that come from the run rather than from the
 * folder's files, as HTML: `top` the head, title and description; `run`
 * the command and the results table; `record` the runs' fingerprints and
 * the scenario as run. They are kept in the folder (HTML_REPORT_PARTS) so
 * that the page can be written again from the folder alone. */
typedef struct {
    char *top, *run, *record;
} page_parts;

static void parts_clear(page_parts *p)
{
    g_free(p->top);
    g_free(p->run);
    g_free(p->record);
}

static void parts_render(page_parts *p, const scenario *sc, run_result *const *res, const html_report_info *info)
{
    GString *out = g_string_new("");
    page_top(out, sc);
    p->top = g_string_free(out, FALSE);

    out = g_string_new("");
    heading(out, "command", "The command that made these results");
    g_string_append(out, "<pre class=\"cmd\">");
    esc(out, info->command);
    g_string_append(out, "</pre>\n<p class=\"note\">appsim ");
    esc(out, info->version);
    g_string_append(out, "; the same command gives the same figures and fingerprints.</p>\n</section>\n");
    heading(out, "results", "Results, beside the textbook's formulas");
    g_string_append(out, "<pre>");
    esc(out, info->table);
    g_string_append(out, "</pre>\n</section>\n");
    p->run = g_string_free(out, FALSE);

    out = g_string_new("");
    heading(out, "fingerprints", "Runs and their fingerprints");
    fingerprints(out, sc, res);
    g_string_append(out, "</section>\n");
    heading(out, "scenario", "The scenario as run");
    char *js = scenario_json(sc);
    pre_text(out, js, strlen(js), "summary.json");
    g_free(js);
    g_string_append(out, "</section>\n");
    p->record = g_string_free(out, FALSE);
}

#define PARTS_GROUP "page"
#define PARTS_FORMAT 1

static bool parts_save(const page_parts *p, const char *dir, GError **err)
{
    GKeyFile *kf = g_key_file_new();
    g_key_file_set_integer(kf, PARTS_GROUP, "format", PARTS_FORMAT);
    g_key_file_set_string(kf, PARTS_GROUP, "top", p->top);
    g_key_file_set_string(kf, PARTS_GROUP, "run", p->run);
    g_key_file_set_string(kf, PARTS_GROUP, "record", p->record);
    char *text = g_key_file_to_data(kf, NULL, NULL);
    g_key_file_free(kf);
    bool ok = results_write_text(dir, HTML_REPORT_PARTS, text, err);
    g_free(text);
    return ok;
}

static bool parts_load(page_parts *p, const char *dir, GError **err)
{
    memset(p, 0, sizeof *p);
    char *path = g_build_filename(dir, HTML_REPORT_PARTS, NULL);
    GKeyFile *kf = g_key_file_new();
    GError *e = NULL;
    bool ok = g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e);
    if (!ok && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error(err, HTML_REPORT_ERROR, HTML_REPORT_ERROR_NO_PARTS,
                    "%s: no %s (the folder was written by an older appsim, or by appsim run --shard): "
                    "index.html cannot be written again; appsim run writes it",
                    dir, HTML_REPORT_PARTS);
    else if (!ok)
        g_set_error(err, HTML_REPORT_ERROR, HTML_REPORT_ERROR_BAD_PARTS, "%s: %s", path, e->message);
    g_clear_error(&e);
    if (ok && g_key_file_get_integer(kf, PARTS_GROUP, "format", NULL) != PARTS_FORMAT) {
        g_set_error(err, HTML_REPORT_ERROR, HTML_REPORT_ERROR_BAD_PARTS, "%s: not a format this appsim reads", path);
        ok = false;
    }
    if (ok) {
        p->top = g_key_file_get_string(kf, PARTS_GROUP, "top", NULL);
        p->run = g_key_file_get_string(kf, PARTS_GROUP, "run", NULL);
        p->record = g_key_file_get_string(kf, PARTS_GROUP, "record", NULL);
        if (!p->top || !p->run || !p->record) {
            g_set_error(err, HTML_REPORT_ERROR, HTML_REPORT_ERROR_BAD_PARTS, "%s: a part of the page is missing",
                        path);
            parts_clear(p);
            ok = false;
        }
    }
    g_key_file_free(kf);
    g_free(path);
    return ok;
}

/* The sections after the title, into `out`; false on a read error. */
static bool page_body(GString *out, const page_parts *parts, const char *dir, GPtrArray *files, GError **err)
{
    gsize tlen = 0, llen = 0;
    GError *e = NULL;
    char *transcript = read_opt(dir, "transcript.txt", &tlen, &e);
    char *links = e ? NULL : read_opt(dir, "links.csv", &llen, &e);
    GString *figs = g_string_new("");
    bool ok = !e && figure_sections(figs, dir, files, &e);
    if (!ok) {
        g_propagate_error(err, e);
        g_free(transcript);
        g_free(links);
        g_string_free(figs, TRUE);
        return false;
    }
    g_string_append(out, "<nav><a href=\"#command\">command</a><a href=\"#results\">results</a>");
    if (figs->len)
        g_string_append(out, "<a href=\"#figures\">figures</a>");
    if (links)
        g_string_append(out, "<a href=\"#links\">links</a>");
    g_string_append(out, "<a href=\"#fingerprints\">fingerprints</a><a href=\"#scenario\">scenario</a>");
    if (transcript)
        g_string_append(out, "<a href=\"#transcript\">transcript</a>");
    g_string_append(out, "<a href=\"#files\">files</a></nav>\n");

    g_string_append(out, parts->run);
    if (figs->len)
        g_string_append_printf(out, "<div id=\"figures\">\n%s</div>\n", figs->str);

    if (links) {
        heading(out, "links", "Links (links.csv)");
        csv_table(out, links, "links.csv");
        g_string_append(out, "</section>\n");
    }
    g_string_append(out, parts->record);
    if (transcript) {
        heading(out, "transcript", "Transcript");
        g_string_append(out, "<details>\n<summary>The dialogue of the run (transcript.txt)</summary>\n");
        pre_text(out, transcript, tlen, "transcript.txt");
        g_string_append(out, "</details>\n</section>\n");
    }
    g_free(transcript);
    g_free(links);
    g_string_free(figs, TRUE);
    return true;
}

/* index.html from the run's parts and the files in `dir`. */
static bool page_write(const page_parts *parts, const char *dir, GError **err)
{
    GPtrArray *files = dir_files(dir);
    GString *out = g_string_new(parts->top);
    bool ok = page_body(out, parts, dir, files, err);
    if (ok) {
        heading(out, "files", "Files in this folder");
        g_string_append(out, "<ul>\n");
        for (guint i = 0; i < files->len; i++) {
            char *href = g_uri_escape_string(g_ptr_array_index(files, i), NULL, FALSE);
            g_string_append(out, "<li><a href=\"");
            esc(out, href);
            g_free(href);
            g_string_append(out, "\">");
            esc(out, g_ptr_array_index(files, i));
            g_string_append(out, "</a></li>\n");
        }
        g_string_append(out, "</ul>\n</section>\n</main>\n</body>\n</html>\n");
        ok = results_write_text(dir, "index.html", out->str, err);
    }
    g_string_free(out, TRUE);
    g_ptr_array_free(files, TRUE);
    return ok;
}

bool html_report_write(const scenario *sc, run_result *const *res, const html_report_info *info, const char *dir,
                       GError **err)
{
    page_parts parts;
    parts_render(&parts, sc, res, info);
    bool ok = parts_save(&parts, dir, err) && page_write(&parts, dir, err);
    parts_clear(&parts);
    return ok;
}

bool html_report_rewrite(const char *dir, GError **err)
{
    page_parts parts;
    if (!parts_load(&parts, dir, err))
        return false;
    bool ok = page_write(&parts, dir, err);
    parts_clear(&parts);
    return ok;
}
