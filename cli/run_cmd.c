/*
 * run_cmd: appsim run, check, list and plot.
 *
 *   appsim run FILE [-o DIR] [--seed N] [--set PATH=VALUE]... [-j N] [--max-events N] [--max-wall TIME]
 *                   [--pcap] [--timeline] [--transcript-run K] [--quiet] [--progress] [--shard K/N]
 *                   [--formats png,svg]
 *   appsim check FILE [--set PATH=VALUE]... [--paths]
 *   appsim list [--names]
 *   appsim plot DIR
 *
 * Results go to DIR (default results/<scenario name>/): summary.json,
 * requests.csv, links.csv, the plot of a sweep (<metric>.png/.svg with its
 * .gp and .dat; one per headline when outputs.metric is a list),
 * timeline.png/.svg with --timeline (and timeline-<case>.png per case of a
 * plan of cases), pcap/ with --pcap, and index.html, the page that shows
 * them all (plots/html_report.h). The figures are drawn as PNG and SVG,
 * or as the scenario's outputs.formats say; --formats LIST is
 * `--set outputs.formats=[...]` (the last --set), so the page's command,
 * a shard and its merge carry it as any --set. They are
 * written into a temporary folder beside DIR which then replaces DIR, so a
 * failed run never leaves DIR half-written; DIR is replaced only when it
 * is absent, empty or an appsim results folder (world/results.h). Runs of
 * a sweep go on -j threads and give the same results as -j 1.
 *
 * Exit status: 0 success; 1 a failure while running (a budget exceeded,
 * a file that cannot be written, or a run that failed as a whole, e.g.
 * every page load failed: its results are written); 2 bad input or usage
 * (nothing is written); 128 + the signal (130 for Ctrl-C) when
 * interrupted (nothing is written).
 *
 * With --shard K/N only the runs K, K+N, K+2N, ... run, and DIR (default
 * results/<name>.shard-K-of-N) is a partial results folder: their results
 * as text, for appsim merge (shard_cmd.h), which writes the results
 * through run_publish, as run does.
 *
 * FILE may also be the name of a shipped scenario ("http-single-object"),
 * found as shipped.h says when no file of that name exists; which file was
 * used goes to stderr. A name found nowhere is bad input (2).
 */
#include "run_cmd.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_opts.h"
#include "plots/figures.h"
#include "plots/html_report.h"
#include "registry.h"
#include "report.h"
#include "run_page.h"
#include "run_watch.h"
#include "shard_cmd.h"
#include "shipped.h"
#include "world/results.h"
#include "world/units.h"

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.0.0"
#endif

enum { EXIT_OK = CLI_EXIT_OK, EXIT_RUN = CLI_EXIT_RUN, EXIT_USAGE = CLI_EXIT_USAGE };

/* ---- appsim run ---------------------------------------------------------------- */

typedef struct {
    char *out;
    gint64 seed;
    gchar **sets;
    gint jobs;
    gint64 max_events;
    char *max_wall;
    double max_wall_s;
    gboolean pcap, timeline, quiet, progress;
    gint transcript_run;
    char *shard;       /* --shard K/N, or NULL */
    char *formats;     /* --formats LIST, or NULL */
    guint shard_k, shard_n; /* its values (shard_n 0: no --shard) */
    const char *file; /* the scenario, as the user named it */
    const char *path; /* the scenario file read */
} run_args;

static const char run_help[] =
    "Budgets: --max-events and --max-wall bound each run (they override the\n"
    "scenario's max_events and max_wall); a run over a budget fails (exit 1)\n"
    "and nothing is written, never a shorter result.\n"
    "\n"
    "Exit status: 0 success; 1 a failure while running (a budget exceeded, or\n"
    "a run that failed as a whole, e.g. every page load failed: its results\n"
    "are written); 2 bad input or usage (nothing written); 130 interrupted by\n"
    "Ctrl-C, 143 by SIGTERM (nothing written; the temporary folder is removed).\n"
    "\n"
    "-o DIR is replaced only when it is absent, empty or an appsim results\n"
    "folder (it holds a .appsim-results file).\n"
    "\n"
    "--shard K/N runs only the runs K, K+N, K+2N, ... (0 <= K < N) into a partial\n"
    "folder (default results/<name>.shard-K-of-N); appsim merge joins the N\n"
    "partial folders into the results of the whole plan (docs/scaling.md).\n"
    "\n"
    "--formats svg draws every figure as SVG alone (no PNG: the fastest, and what\n"
    "index.html shows), png as PNG alone, png,svg both (the default, unless the\n"
    "scenario's outputs.formats says otherwise). It is the same as\n"
    "--set 'outputs.formats=[\"svg\"]' given last, and the page's command says so.";

/* --max-wall: "30s", "10min" or plain seconds, above 0. */
static bool parse_wall(const char *s, double *out)
{
    char *end;
    double v = g_ascii_strtod(s, &end);
    sim_time_t t;
    if (end != s && !*end)
        *out = v;
    else if (units_time(s, &t))
        *out = sim_time_to_s(t);
    else
        return false;
    return *out > 0 && *out <= SCN_MAX_TIME_S;
}

/* --formats LIST ("svg", "png", "png,svg", "svg,png"): appended to the
 * --set values as outputs.formats=[...], png first. False when LIST is
 * not of that form. */
static bool formats_to_set(run_args *a)
{
    gchar **names = g_strsplit(a->formats, ",", -1);
    bool png = false, svg = false, ok = names[0] != NULL;
    for (guint i = 0; ok && names[i]; i++) {
        bool *seen = !strcmp(names[i], "png") ? &png : !strcmp(names[i], "svg") ? &svg : NULL;
        ok = seen && !*seen;
        if (ok)
            *seen = true;
    }
    g_strfreev(names);
    if (!ok)
        return false;
    guint n = a->sets ? g_strv_length(a->sets) : 0;
    a->sets = g_renew(gchar *, a->sets, n + 2);
    a->sets[n] = g_strdup_printf("outputs.formats=[%s%s%s]", png ? "\"png\"" : "", png && svg ? "," : "",
                                 svg ? "\"svg\"" : "");
    a->sets[n + 1] = NULL;
    return true;
}

/* Checks the values of the options; false with *rc on a usage error. */
static bool run_check_args(GOptionContext *ctx, int argc, run_args *a, int *rc)
{
    const char *bad = argc != 2                                   ? (argc < 2 ? "a scenario FILE is needed" : "only one FILE")
                      : a->formats && !formats_to_set(a)
                          ? "--formats must be png, svg or png,svg (each at most once)"
                      : a->jobs < 0                                ? "-j must be at least 1"
                      : a->max_events < 0 || a->max_events > SCN_MAX_EVENTS ? "--max-events must be from 1 to 1e15"
                      : a->max_wall && !parse_wall(a->max_wall, &a->max_wall_s)
                          ? "--max-wall must be a time above 0 like \"30s\" or \"10min\" (at most 1000000s)"
                      : a->shard && !shard_spec_parse(a->shard, &a->shard_k, &a->shard_n)
                          ? "--shard must be K/N with 0 <= K < N, e.g. 0/3 (N at most 1000000)"
                          : NULL;
    if (bad) {
        *rc = cli_usage_error(ctx, "run", bad);
        return false;
    }
    g_option_context_free(ctx);
    return true;
}

/* Parses `appsim run`'s options; false with *rc set on a usage error. */
static bool run_parse(int *argc, char ***argv, run_args *a, int *rc)
{
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a->out, "Results folder (default results/<name>)", "DIR"},
        {"seed", 's', 0, G_OPTION_ARG_INT64, &a->seed, "Override the scenario's seed", "N"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->sets, "Set a value, e.g. links.access.delay=50ms", "PATH=VALUE"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "Runs at once (default: the number of cores)", "N"},
        {"max-events", 0, 0, G_OPTION_ARG_INT64, &a->max_events, "Events one run may execute (default: the scenario's max_events, else no limit)", "N"},
        {"max-wall", 0, 0, G_OPTION_ARG_STRING, &a->max_wall, "Wall-clock time one run may take, e.g. 30s or 10min (default: the scenario's max_wall, else no limit)", "TIME"},
        {"pcap", 0, 0, G_OPTION_ARG_NONE, &a->pcap, "Write packet traces (pcap) per link", NULL},
        {"timeline", 0, 0, G_OPTION_ARG_NONE, &a->timeline, "Draw the time-space diagram of the first exchange (of each case in a plan of cases)", NULL},
        {"transcript-run", 0, 0, G_OPTION_ARG_INT, &a->transcript_run, "The run whose dialogue goes to transcript.txt (default 0)", "K"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "No progress line", NULL},
        {"progress", 0, 0, G_OPTION_ARG_NONE, &a->progress, "Show the progress line (runs, events, simulated and wall time) even when stderr is not a terminal", NULL},
        {"shard", 0, 0, G_OPTION_ARG_STRING, &a->shard,
         "Run only runs K, K+N, ... into a partial folder for appsim merge", "K/N"},
        {"formats", 0, 0, G_OPTION_ARG_STRING, &a->formats,
         "Draw the figures as png, svg or png,svg (default: the scenario's outputs.formats, else both)", "LIST"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("FILE|NAME - run a scenario (a file, or a shipped one by name) "
                                               "and write its results");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, run_help);
    if (!cli_parse(ctx, "run", argc, argv, rc))
        return false;
    return run_check_args(ctx, *argc, a, rc);
}

/* g_ptr_array_sort hands the comparison pointers to the elements. */
static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The figures gnuplot drew into `dir`, sorted by name: its .png files,
 * and the .svg files of figures drawn without a PNG (outputs.formats). */
static void list_figures(const char *dir, GString *files)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d))) {
        bool svg_alone = false;
        if (g_str_has_suffix(n, ".svg")) {
            char *png = g_build_filename(dir, n, NULL);
            memcpy(png + strlen(png) - 4, ".png", 4);
            svg_alone = !g_file_test(png, G_FILE_TEST_EXISTS);
            g_free(png);
        }
        if (g_str_has_suffix(n, ".png") || svg_alone)
            g_ptr_array_add(names, g_strdup(n));
    }
    g_dir_close(d);
    g_ptr_array_sort(names, by_name);
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(files, ", %s", (const char *)g_ptr_array_index(names, i));
    g_ptr_array_free(names, TRUE);
}

/* Whether a plan draws figures: a timeline (asked for, or by the
 * scenario), the plot of a sweep, a comparison or cases, a CDF
 * (outputs.cdf) or lines of a CSV file (outputs.lines). */
static bool plan_draws(const scenario *sc, const scn_run *r0, bool timeline)
{
    return timeline || (r0 && (r0->out.timeline || r0->out.cdf_file || r0->out.lines_file)) || scenario_axes(sc) ||
           scenario_compare(sc);
}

/* Everything a finished plan writes into `tmp`, and the report. The
 * figures go to `pb`, a gnuplot started on `tmp` beforehand (NULL: one is
 * started here when the plan draws any), which is waited for before the
 * figures are listed and the page that shows them is written. */
static bool run_outputs(const scenario *sc, run_result *const *res, const run_page_args *a, const char *tmp,
                        plot_batch *pb, GString *files, bool *figures, GError **err)
{
    scn_run *r0 = scenario_run(sc, 0, NULL);
    const char *metric = r0 ? r0->out.metric : "link_utilisation";
    bool want_timeline = a->timeline || (r0 && r0->out.timeline), plotted = false;
    guint drawn = 0;
    if (!pb && plan_draws(sc, r0, a->timeline))
        pb = plot_batch_begin(tmp);
    /* The plan collected the timelines (plan_timeline_runs): run 0's, and
     * each case's in a plan of cases. */
    bool ok = !want_timeline || figures_timelines(sc, res, tmp, &drawn, err);
    bool cdf_drawn = false;
    ok = ok && (!r0 || !r0->out.cdf_file ||
                figures_cdf(sc, res, r0->out.cdf_file, r0->out.cdf_column, r0->out.cdf_by, r0->out.title, tmp,
                             &cdf_drawn, err));
    ok = ok && (!r0 || !r0->out.lines_file ||
                figures_lines(sc, res, r0->out.lines_file, r0->out.lines_x, r0->out.lines_y, r0->out.title, tmp,
                              &cdf_drawn, err));
    const run_result *tr = res[a->transcript_run];
    ok = ok && results_write(sc, res, metric, tmp, files, err);
    if (ok && tr->transcript) {
        ok = results_write_text(tmp, "transcript.txt", tr->transcript, err);
        g_string_append(files, ", transcript.txt");
    }
    GString *table = g_string_new("");
    ok = ok && report_print(table, sc, res, r0, metric, r0 ? r0->out.title : NULL, tmp, &plotted, err);
    fputs(table->str, stdout);
    g_string_append(files, ", index.html");
    plot_batch_finish(pb, NULL);
    list_figures(tmp, files);
    ok = ok && run_page_write(sc, res, a, table->str, tmp, err);
    g_string_free(table, TRUE);
    *figures = plan_draws(sc, r0, a->timeline);
    scn_run_free(r0);
    return ok;
}

/* The exit status of an error: 2 for input (a run's values, a folder
 * appsim may not replace), 128 + the signal when interrupted, else 1. */
static int status_of(const GError *err)
{
    if (run_watch_signal())
        return 128 + run_watch_signal();
    if (err && (err->domain == SCN_ERROR || g_error_matches(err, RESULTS_ERROR, RESULTS_ERROR_NOT_OURS)))
        return EXIT_USAGE;
    return EXIT_RUN;
}

/* Runs that failed as a whole (their results are written): one line
 * each on stderr; true when there was any. */
static bool report_failed_runs(const char *cmd, run_result *const *res, guint n)
{
    guint failed = 0;
    for (guint k = 0; k < n; k++) {
        if (!res[k] || !res[k]->failed)
            continue;
        if (failed++ < 10)
            fprintf(stderr, "appsim %s: run %u failed: %s\n", cmd, k, res[k]->failed);
    }
    if (failed > 10)
        fprintf(stderr, "appsim %s: ... %u runs failed in all (summary.json says which)\n", cmd, failed);
    return failed > 0;
}

/* The options of `a` that change the results (run_page.h). */
static run_page_args page_args(const run_args *a)
{
    run_page_args pa = {.file = a->file, .seed = a->seed, .sets = (const char *const *)a->sets,
                        .timeline = a->timeline, .pcap = a->pcap, .transcript_run = a->transcript_run};
    return pa;
}

/* The plan, its outputs in `tmp` (the partial folder of a shard), and
 * `tmp` into `dir`; false with the error. */
static bool run_into(scenario *sc, const run_args *a, const char *tmp, const char *dir, run_result ***res,
                     GString *files, bool *figures, GError **err)
{
    run_watch watch;
    run_watch_init(&watch, a->progress || (!a->quiet && isatty(STDERR_FILENO)));
    char *pcap_root = a->pcap ? g_build_filename(tmp, "pcap", NULL) : NULL;
    plan_options po = {.pcap_root = pcap_root, .timeline = a->timeline, .transcript_run = (guint)a->transcript_run,
                       .jobs = (guint)a->jobs, .max_events = (uint64_t)a->max_events, .max_wall_s = a->max_wall_s,
                       .shard = a->shard_k, .shards = a->shard_n,
                       .progress = run_watch_progress, .cancelled = run_watch_cancelled, .ud = &watch};
    run_watch_signals(); /* until the commit: Ctrl-C while writing still removes the temporary folder */
    /* gnuplot starts now, so that its start-up overlaps the runs. */
    scn_run *r0 = a->shard_n ? NULL : scenario_run(sc, 0, NULL);
    plot_batch *pb = !a->shard_n && plan_draws(sc, r0, a->timeline) ? plot_batch_begin(tmp) : NULL;
    scn_run_free(r0);
    *res = plan_run(sc, &po, err);
    run_watch_end_line(&watch);
    run_page_args pa = page_args(a);
    bool ok = *res && (a->shard_n ? shard_write(sc, *res, a->path, &pa, a->shard_k, a->shard_n, tmp, files, err)
                                  : run_outputs(sc, *res, &pa, tmp, pb, files, figures, err));
    if (!*res)
        plot_batch_finish(pb, NULL); /* nothing queued: gnuplot is killed */
    if (ok && run_watch_signal()) {
        g_set_error(err, WORLD_ERROR, WORLD_ERROR_CANCELLED, "interrupted");
        ok = false;
    }
    ok = ok && results_commit(tmp, dir, err);
    run_watch_stop(&watch);
    g_free(pcap_root);
    return ok;
}

/* What run and merge print when the results are in place. */
static void done_lines(const char *dir, const GString *files, bool figures)
{
    printf("\nresults: %s/ (%s)\n", dir, files->str);
    if (!plot_have_gnuplot() && figures)
        printf("no plots drawn: gnuplot is not installed (sudo apt-get install gnuplot-nox, or make run "
               "does it); then: appsim plot %s\n",
               dir);
}

int run_publish(const char *cmd, const scenario *sc, run_result *const *res, const run_page_args *pa,
                const char *dir, run_fill_fn fill, void *ud)
{
    GError *err = NULL;
    char *tmp = results_begin(dir, &err);
    GString *files = g_string_new("");
    bool figures = false;
    bool ok = tmp && (!fill || fill(ud, tmp, &err)) && run_outputs(sc, res, pa, tmp, NULL, files, &figures, &err) &&
              results_commit(tmp, dir, &err);
    int rc = ok ? EXIT_OK : status_of(err);
    if (ok) {
        done_lines(dir, files, figures);
        if (report_failed_runs(cmd, res, scenario_run_count(sc)))
            rc = EXIT_RUN;
    } else {
        if (tmp)
            results_remove_tree(tmp);
        fprintf(stderr, "appsim %s: %s\n", cmd, err ? err->message : "failed");
    }
    g_clear_error(&err);
    g_string_free(files, TRUE);
    g_free(tmp);
    return rc;
}

/* Runs the loaded scenario into `dir`, through a temporary folder. */
static int run_scenario(scenario *sc, const run_args *a, const char *dir)
{
    GError *err = NULL;
    char *tmp = results_begin(dir, &err);
    if (!tmp) {
        fprintf(stderr, "appsim run: %s\n", err->message);
        int rc = status_of(err);
        g_error_free(err);
        return rc;
    }
    run_result **res = NULL;
    GString *files = g_string_new("");
    bool figures = false, ok = run_into(sc, a, tmp, dir, &res, files, &figures, &err);
    int rc = ok ? EXIT_OK : status_of(err);
    if (ok) {
        if (a->shard_n)
            printf("partial results (shard %u/%u, for appsim merge): %s/ (%s)\n", a->shard_k, a->shard_n, dir,
                   files->str);
        else
            done_lines(dir, files, figures);
        if (report_failed_runs("run", res, scenario_run_count(sc)))
            rc = EXIT_RUN;
    } else {
        results_remove_tree(tmp);
        if (run_watch_signal())
            fprintf(stderr, "appsim run: interrupted: the runs were stopped and nothing was written\n");
        else
            fprintf(stderr, "appsim run: %s\n", err ? err->message : "failed");
    }
    g_clear_error(&err);
    g_string_free(files, TRUE);
    plan_free(res, scenario_run_count(sc));
    g_free(tmp);
    return rc;
}

/* The results folder: -o DIR (without trailing slashes), or results/<name>
 * (results/<name>.shard-K-of-N for a shard). */
static char *results_dir(const run_args *a, const scenario *sc)
{
    if (!a->out && a->shard_n) {
        char *base = g_strdup_printf("%s.shard-%u-of-%u", scenario_name(sc), a->shard_k, a->shard_n);
        char *d = g_build_filename("results", base, NULL);
        g_free(base);
        return d;
    }
    if (!a->out)
        return g_build_filename("results", scenario_name(sc), NULL);
    char *d = g_strdup(a->out);
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == G_DIR_SEPARATOR)
        d[--n] = 0;
    return d;
}

/* FILE, or the shipped scenario it names, told on stderr; NULL with the
 * error printed. */
static char *resolve_arg(const char *cmd, const char *arg)
{
    GError *err = NULL;
    bool by_name;
    char *file = shipped_resolve(arg, &by_name, &err);
    if (!file) {
        fprintf(stderr, "appsim %s: %s\n", cmd, err->message);
        g_error_free(err);
    } else if (by_name)
        fprintf(stderr, "appsim %s: using %s\n", cmd, file);
    return file;
}

/* Loads `arg` (a file, or a shipped scenario's name) and runs it; the exit status. */
static int run_file(run_args *a, const char *arg)
{
    GError *err = NULL;
    int rc;
    char *file = resolve_arg("run", arg);
    if (!file)
        return EXIT_USAGE;
    scenario *sc = scenario_load(file, (const char *const *)a->sets, appsim_registry(), &err);
    a->path = file;
    if (!sc) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        g_free(file);
        return EXIT_USAGE;
    }
    if (a->transcript_run < 0 || (guint)a->transcript_run >= scenario_run_count(sc)) {
        fprintf(stderr, "appsim run: --transcript-run %d: the plan has runs 0 to %u\n", a->transcript_run,
                scenario_run_count(sc) - 1);
        rc = EXIT_USAGE;
    } else {
        if (a->seed >= 0)
            scenario_set_seed(sc, (uint64_t)a->seed);
        char *dir = results_dir(a, sc);
        rc = run_scenario(sc, a, dir);
        g_free(dir);
    }
    scenario_free(sc);
    g_free(file);
    a->path = NULL;
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_args a = {.seed = -1};
    int rc = EXIT_OK;
    if (run_parse(&argc, &argv, &a, &rc))
        rc = run_file(&a, a.file = argv[1]);
    g_free(a.out);
    g_free(a.max_wall);
    g_free(a.shard);
    g_free(a.formats);
    g_strfreev(a.sets);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    gchar **sets = NULL;
    gboolean paths = FALSE;
    GOptionEntry entries[] = {
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Set a value first", "PATH=VALUE"},
        {"paths", 0, 0, G_OPTION_ARG_NONE, &paths, "Print the paths --set accepts that the file holds, one a line",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("FILE|NAME - check a scenario (a file, or a shipped one by name) "
                                               "without running it");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    int prc;
    if (!cli_parse(ctx, "check", &argc, &argv, &prc)) {
        g_strfreev(sets);
        return prc;
    }
    if (argc != 2) {
        g_strfreev(sets);
        return cli_usage_error(ctx, "check", "a scenario FILE is needed");
    }
    g_option_context_free(ctx);
    char *file = resolve_arg("check", argv[1]);
    scenario *sc = file ? scenario_load(file, (const char *const *)sets, appsim_registry(), &err) : NULL;
    g_strfreev(sets);
    g_free(file);
    if (!sc) {
        if (err)
            fprintf(stderr, "%s\n", err->message);
        g_clear_error(&err);
        return EXIT_USAGE;
    }
    if (paths) {
        GPtrArray *p = scenario_paths(sc);
        for (guint i = 0; i < p->len; i++)
            printf("%s\n", (const char *)g_ptr_array_index(p, i));
        g_ptr_array_free(p, TRUE);
        scenario_free(sc);
        return EXIT_OK;
    }
    guint n = scenario_run_count(sc);
    printf("%s: ok (%u run%s%s)\n", argv[1], n, n == 1 ? "" : "s",
           n > SCN_CHECK_ALL_RUNS ? "; each value checked once, each run again as it starts" : "");
    scenario_free(sc);
    return EXIT_OK;
}

int cmd_list(int argc, char **argv)
{
    gboolean names_only = FALSE;
    GOptionEntry entries[] = {
        {"names", 'n', 0, G_OPTION_ARG_NONE, &names_only, "Names only, one a line, without loading the files", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- list the shipped scenarios and where they are");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "appsim run NAME and appsim check NAME take these names.\n"
                                          "Exit status: 0 listed; 1 no folder of scenarios, or one does not "
                                          "load; 2 bad usage.");
    int rc = EXIT_OK;
    if (!cli_parse(ctx, "list", &argc, &argv, &rc))
        return rc;
    if (argc > 1)
        return cli_usage_error(ctx, "list", "no arguments expected");
    g_option_context_free(ctx);
    char *dir = shipped_dir();
    GDir *d = dir ? g_dir_open(dir, 0, NULL) : NULL;
    if (!d) {
        GPtrArray *dirs = shipped_dirs();
        fprintf(stderr, "appsim list: no folder of scenarios; looked in:");
        for (guint i = 0; i < dirs->len; i++)
            fprintf(stderr, " %s", (const char *)g_ptr_array_index(dirs, i));
        fprintf(stderr, " (APPSIM_SCENARIOS names another folder)\n");
        g_ptr_array_free(dirs, TRUE);
        g_free(dir);
        return EXIT_RUN;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, ".json"))
            g_ptr_array_add(names, g_strndup(n, strlen(n) - 5));
    g_dir_close(d);
    g_ptr_array_sort(names, by_name);
    if (!names_only)
        printf("shipped scenarios in %s/ (appsim run NAME runs one, appsim new MINE --from NAME copies it):\n", dir);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        if (names_only) {
            printf("%s\n", name);
            continue;
        }
        char *file = g_strconcat(dir, G_DIR_SEPARATOR_S, name, ".json", NULL);
        GError *err = NULL;
        scenario *sc = scenario_load(file, NULL, appsim_registry(), &err);
        if (sc)
            printf("  %-28s %s\n", name, scenario_description(sc));
        else {
            printf("  %-28s (does not load: %s)\n", name, err->message);
            g_error_free(err);
            rc = EXIT_RUN;
        }
        scenario_free(sc);
        g_free(file);
    }
    g_ptr_array_free(names, TRUE);
    g_free(dir);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: appsim plot DIR\n\nRedraws the figures of a results folder (appsim run's -o DIR): "
               "gnuplot runs\nevery .gp script in it. Then index.html is written again, as appsim run "
               "writes it, so\nthat it shows the figures now in the folder (a folder written by an older "
               "appsim keeps\nits page, with a note).\n"
               "Exit status: 0 drawn; 1 not a results folder, gnuplot failed, or index.html could not be\n"
               "written; 2 bad usage.\n");
        return EXIT_OK;
    }
    if (argc != 2)
        return cli_usage_error(NULL, "plot", "usage: appsim plot DIR (a results folder)");
    GError *err = NULL;
    int n = plot_redraw_dir(argv[1], &err);
    if (n < 0) {
        fprintf(stderr, "appsim plot: %s\n", err->message);
        g_error_free(err);
        return EXIT_RUN;
    }
    printf("%d figure%s drawn in %s\n", n, n == 1 ? "" : "s", argv[1]);
    if (!html_report_rewrite(argv[1], &err)) {
        bool old_folder = g_error_matches(err, HTML_REPORT_ERROR, HTML_REPORT_ERROR_NO_PARTS);
        fprintf(stderr, "appsim plot: %s%s\n", old_folder ? "note: " : "", err->message);
        g_error_free(err);
        return old_folder ? EXIT_OK : EXIT_RUN;
    }
    printf("index.html written again in %s\n", argv[1]);
    return EXIT_OK;
}
