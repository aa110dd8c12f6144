/*
 * run_cmd: appsim run, check, list and plot.
 *
 *   appsim run FILE [-o DIR] [--seed N] [--set PATH=VALUE]... [-j N] [--pcap] [--timeline] [--quiet]
 *   appsim check FILE [--set PATH=VALUE]...
 *   appsim list
 *   appsim plot DIR
 *
 * Results go to DIR (default results/<scenario name>/): summary.json,
 * requests.csv, links.csv, the plot of a sweep (<metric>.png/.svg with its
 * .gp and .dat), timeline.png with --timeline, pcap/ with --pcap. They are
 * written into a temporary folder beside DIR which then replaces DIR, so a
 * failed run never leaves DIR half-written. Runs of a sweep go on -j
 * threads and give the same results as -j 1.
 *
 * Exit status: 0 success, 1 a failure while running, 2 bad input or usage.
 */
#include "run_cmd.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_opts.h"
#include "plots/figures.h"
#include "registry.h"
#include "report.h"
#include "world/results.h"

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
    gboolean pcap, timeline, quiet;
    gint transcript_run;
} run_args;

typedef struct {
    bool on;
    int64_t started;
} progress_bar;

static void progress_draw(void *ud, guint done, guint total, double simulated)
{
    progress_bar *pb = ud;
    if (!pb->on)
        return;
    int width = 30, filled = (int)(width * done / MAX(total, 1u));
    double wall = (double)(g_get_monotonic_time() - pb->started) / 1e6;
    fprintf(stderr, "\r[%.*s%*s] %u/%u runs, %.1f simulated s, %.1f s wall (%.1f runs/s) ", filled,
            "##############################", width - filled, "", done, total, simulated, wall,
            wall > 0 ? done / wall : 0.0);
    if (done == total)
        fprintf(stderr, "\n");
    fflush(stderr);
}

/* Parses `appsim run`'s options; false with *rc set on a usage error. */
static bool run_parse(int *argc, char ***argv, run_args *a, int *rc)
{
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a->out, "Results folder (default results/<name>)", "DIR"},
        {"seed", 's', 0, G_OPTION_ARG_INT64, &a->seed, "Override the scenario's seed", "N"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->sets, "Set a value, e.g. links.access.delay=50ms", "PATH=VALUE"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "Runs at once (default: the number of cores)", "N"},
        {"pcap", 0, 0, G_OPTION_ARG_NONE, &a->pcap, "Write packet traces (pcap) per link", NULL},
        {"timeline", 0, 0, G_OPTION_ARG_NONE, &a->timeline, "Draw the time-space diagram of one page load", NULL},
        {"transcript-run", 0, 0, G_OPTION_ARG_INT, &a->transcript_run, "The run whose dialogue goes to transcript.txt (default 0)", "K"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "No progress bar", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("FILE - run a scenario and write its results");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!cli_parse(ctx, "run", argc, argv, rc))
        return false;
    if (*argc != 2) {
        *rc = cli_usage_error(ctx, "run", *argc < 2 ? "a scenario FILE is needed" : "only one FILE");
        return false;
    }
    if (a->jobs < 0) {
        *rc = cli_usage_error(ctx, "run", "-j must be at least 1");
        return false;
    }
    g_option_context_free(ctx);
    return true;
}

/* The timeline: from run 0, or from a repeat of run 0 when only the file
 * asked for it (collecting it costs a little, so plain runs do not). */
static bool timeline_out(const scenario *sc, run_result *const *res, bool asked, const char *dir, bool *drawn,
                         GError **err)
{
    if (asked)
        return figures_timeline(sc, res[0], dir, drawn, err);
    scn_run *again = scenario_run(sc, 0, NULL);
    run_options o = {.timeline = true};
    run_result *rr = again ? world_run(again, scenario_registry(sc), 0, &o, NULL) : NULL;
    bool ok = !rr || figures_timeline(sc, rr, dir, drawn, err);
    run_result_free(rr);
    scn_run_free(again);
    return ok;
}

/* Everything a finished plan writes into `tmp`, and the report. */
static bool run_outputs(const scenario *sc, run_result *const *res, const run_args *a, const char *tmp,
                        GString *files, bool *figures, GError **err)
{
    scn_run *r0 = scenario_run(sc, 0, NULL);
    const char *metric = r0 ? r0->out.metric : "link_utilisation";
    bool want_timeline = a->timeline || (r0 && r0->out.timeline), plotted = false, drawn = false;
    bool ok = !want_timeline || timeline_out(sc, res, a->timeline, tmp, &drawn, err);
    const run_result *tr = res[a->transcript_run];
    ok = ok && results_write(sc, res, metric, tmp, files, err);
    if (ok && tr->transcript) {
        ok = results_write_text(tmp, "transcript.txt", tr->transcript, err);
        g_string_append(files, ", transcript.txt");
    }
    ok = ok && report_print(sc, res, r0, metric, r0 ? r0->out.title : NULL, tmp, &plotted, err);
    if (plotted)
        g_string_append_printf(files, ", %s.png", metric);
    if (drawn)
        g_string_append(files, ", timeline.png");
    *figures = want_timeline || scenario_axes(sc) || scenario_compare(sc);
    scn_run_free(r0);
    return ok;
}

/* Runs the loaded scenario into `dir`, through a temporary folder. */
static int run_scenario(scenario *sc, const run_args *a, const char *dir)
{
    GError *err = NULL;
    char *tmp = results_begin(dir, &err);
    if (!tmp) {
        fprintf(stderr, "appsim run: %s\n", err->message);
        g_error_free(err);
        return EXIT_RUN;
    }
    guint total = scenario_run_count(sc);
    progress_bar pb = {!a->quiet && isatty(STDERR_FILENO) && total > 1, g_get_monotonic_time()};
    char *pcap_root = a->pcap ? g_build_filename(tmp, "pcap", NULL) : NULL;
    plan_options po = {.pcap_root = pcap_root, .timeline = a->timeline, .transcript_run = (guint)a->transcript_run,
                       .jobs = (guint)a->jobs, .progress = progress_draw, .ud = &pb};
    run_result **res = plan_run(sc, &po, &err);
    GString *files = g_string_new("");
    bool figures = false;
    bool ok = res && run_outputs(sc, res, a, tmp, files, &figures, &err) && results_commit(tmp, dir, &err);
    if (ok) {
        printf("\nresults: %s/ (%s)\n", dir, files->str);
        if (!plot_have_gnuplot() && figures)
            printf("no plots drawn: gnuplot is not installed (sudo apt-get install gnuplot-nox, or make run "
                   "does it); then: appsim plot %s\n",
                   dir);
    } else {
        fprintf(stderr, "appsim run: %s\n", err ? err->message : "failed");
        results_remove_tree(tmp);
    }
    g_clear_error(&err);
    g_string_free(files, TRUE);
    plan_free(res, total);
    g_free(pcap_root);
    g_free(tmp);
    return ok ? EXIT_OK : EXIT_RUN;
}

int cmd_run(int argc, char **argv)
{
    run_args a = {.seed = -1};
    int rc = EXIT_OK;
    if (!run_parse(&argc, &argv, &a, &rc))
        return rc;
    GError *err = NULL;
    scenario *sc = scenario_load(argv[1], (const char *const *)a.sets, appsim_registry(), &err);
    if (!sc) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        rc = EXIT_USAGE;
    } else if (a.transcript_run < 0 || (guint)a.transcript_run >= scenario_run_count(sc)) {
        fprintf(stderr, "appsim run: --transcript-run %d: the plan has runs 0 to %u\n", a.transcript_run,
                scenario_run_count(sc) - 1);
        rc = EXIT_USAGE;
    } else {
        if (a.seed >= 0)
            scenario_set_seed(sc, (uint64_t)a.seed);
        char *dir = a.out ? g_strdup(a.out) : g_build_filename("results", scenario_name(sc), NULL);
        rc = run_scenario(sc, &a, dir);
        g_free(dir);
    }
    scenario_free(sc);
    g_free(a.out);
    g_strfreev(a.sets);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    gchar **sets = NULL;
    GOptionEntry entries[] = {
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Set a value first", "PATH=VALUE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("FILE - check a scenario without running it");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    int prc;
    if (!cli_parse(ctx, "check", &argc, &argv, &prc))
        return prc;
    if (argc != 2)
        return cli_usage_error(ctx, "check", "a scenario FILE is needed");
    g_option_context_free(ctx);
    scenario *sc = scenario_load(argv[1], (const char *const *)sets, appsim_registry(), &err);
    g_strfreev(sets);
    if (!sc) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        return EXIT_USAGE;
    }
    printf("%s: ok (%u run%s)\n", argv[1], scenario_run_count(sc), scenario_run_count(sc) == 1 ? "" : "s");
    scenario_free(sc);
    return EXIT_OK;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_usage_error(NULL, "list", "no arguments expected");
    const char *dir = g_getenv("APPSIM_SCENARIOS");
    if (!dir)
        dir = g_file_test("scenarios", G_FILE_TEST_IS_DIR) ? "scenarios" : APPSIM_SCENARIO_DIR;
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d) {
        fprintf(stderr, "appsim list: no scenarios folder at %s (set APPSIM_SCENARIOS)\n", dir);
        return EXIT_RUN;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, ".json"))
            g_ptr_array_add(names, g_strdup(n));
    g_dir_close(d);
    g_ptr_array_sort(names, compare_names);
    int rc = EXIT_OK;
    for (guint i = 0; i < names->len; i++) {
        char *file = g_build_filename(dir, (const char *)g_ptr_array_index(names, i), NULL);
        GError *err = NULL;
        scenario *sc = scenario_load(file, NULL, appsim_registry(), &err);
        if (sc)
            printf("%-28s %s\n", (const char *)g_ptr_array_index(names, i), scenario_description(sc));
        else {
            printf("%-28s (does not load: %s)\n", (const char *)g_ptr_array_index(names, i), err->message);
            g_error_free(err);
            rc = EXIT_RUN;
        }
        scenario_free(sc);
        g_free(file);
    }
    g_ptr_array_free(names, TRUE);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
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
    return EXIT_OK;
}
