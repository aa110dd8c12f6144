/*
 * bench_e2e: a textbook scenario end to end, as a student runs it.
 *
 * Times `appsim run -q -j 1 -o <temporary folder> http-single-object`: the
 * program starts, loads and checks the shipped scenario, builds the world,
 * runs it, writes summary.json, the CSV files, the transcript and
 * index.html, and draws the timeline with gnuplot (an external program, so
 * its start-up is part of the figure). The world layer and the command
 * line sit above what this program links, so the run goes through the
 * appsim binary, found beside appsim-bench (or named by the environment
 * variable APPSIM_BIN).
 *
 * The run is repeated E2E_RUNS times, each into a fresh folder; the figures
 * are the median and the fastest, in milliseconds and microseconds, and the
 * median processor time of appsim and its gnuplot together
 * (`textbook_e2e_cpu_us`, user + system from getrusage(RUSAGE_CHILDREN):
 * much less sensitive than wall time to what else the machine runs). A
 * failing run (no appsim, no gnuplot, an exit status other than 0) prints
 * a message and no figure. For the breakdown:
 * - `textbook_e2e_gnuplot_start_us`, the median time gnuplot takes to start
 *   and quit (`gnuplot -e quit`), which every run that draws a figure pays
 *   at least once;
 * - `textbook_e2e_no_gnuplot_us`, the same run with gnuplot off the PATH
 *   (appsim's own part: no figure is drawn);
 * - `textbook_e2e_svg_ms`, `_us`, `_cpu_us`: the same run with
 *   `--formats svg`, the timeline drawn as SVG alone (no PNG to encode:
 *   most of gnuplot's time on it, docs/performance.md), its median wall
 *   and processor time over E2E_RUNS runs;
 * - `sweep_e2e_ms`, `sweep_e2e_cpu_us`: the shipped sweep http-persistence
 *   (eight runs, five figures, all drawn by one gnuplot), median of
 *   SWEEP_RUNS runs.
 */
#include "bench.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#define E2E_RUNS 9
#define E2E_SCENARIO "http-single-object"
#define SWEEP_RUNS 5
#define SWEEP_SCENARIO "http-persistence"
#define SWEEP_FIGURE "page_load_time.png"

/* The appsim program to time: $APPSIM_BIN, else the `appsim` beside this
 * executable (Linux's /proc/self/exe). Returns NULL when neither is found. */
static char *find_appsim(void)
{
    const char *env = getenv("APPSIM_BIN");
    if (env && *env)
        return g_strdup(env);
    char *self = g_file_read_link("/proc/self/exe", NULL);
    if (!self)
        return NULL;
    char *dir = g_path_get_dirname(self);
    char *path = g_build_filename(dir, "appsim", NULL);
    g_free(dir);
    g_free(self);
    if (!g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
        g_free(path);
        return NULL;
    }
    return path;
}

/* Removes a results folder appsim wrote: plain files, one level deep. */
static void remove_results(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL) {
            char *p = g_build_filename(dir, name, NULL);
            g_remove(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
}

/* The processor time (user + system) of the waited-for children so far, in us. */
static int64_t children_cpu_us(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
        return 0;
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* One run of `scenario` into `out` with the option `extra` (NULL: none)
 * and the environment `envp` (NULL: this one); returns its wall time in us
 * (its processor time in *cpu_us), or -1 on failure. `figure`, when not
 * NULL, is a file the run must draw. */
static int64_t run_once(const char *appsim, const char *scenario, const char *extra, char **envp, const char *figure,
                        const char *out, int64_t *cpu_us)
{
    char *argv[] = {(char *)appsim, "run", "-q", "-j", "1", "-o", (char *)out, (char *)scenario, (char *)extra, NULL};
    int status = 0;
    GError *err = NULL;
    int64_t cpu0 = children_cpu_us();
    int64_t start = bench_wall_us();
    gboolean ok = g_spawn_sync(NULL, argv, envp, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, &err);
    int64_t wall = bench_wall_us() - start;
    *cpu_us = children_cpu_us() - cpu0;
    if (!ok || !g_spawn_check_wait_status(status, &err)) {
        fprintf(stderr, "appsim-bench: textbook_e2e: %s: %s\n", scenario, err ? err->message : "appsim failed");
        g_clear_error(&err);
        return -1;
    }
    if (!figure)
        return wall;
    char *plot = g_build_filename(out, figure, NULL);
    bool drawn = g_file_test(plot, G_FILE_TEST_EXISTS);
    g_free(plot);
    if (!drawn) {
        fprintf(stderr, "appsim-bench: textbook_e2e: %s: no %s (is gnuplot installed?)\n", scenario, figure);
        return -1;
    }
    return wall;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The median wall time of `gnuplot -e quit`, in us, or -1 when it fails. */
static int64_t gnuplot_start_us(void)
{
    char *argv[] = {"gnuplot", "-e", "quit", NULL};
    int64_t walls[E2E_RUNS];
    for (int i = 0; i < E2E_RUNS; i++) {
        int status = 0;
        int64_t start = bench_wall_us();
        GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL;
        if (!g_spawn_sync(NULL, argv, NULL, flags, NULL, NULL, NULL, NULL, &status, NULL) ||
            !g_spawn_check_wait_status(status, NULL))
            return -1;
        walls[i] = bench_wall_us() - start;
    }
    qsort(walls, E2E_RUNS, sizeof walls[0], cmp_i64);
    return walls[E2E_RUNS / 2];
}

/* Runs `scenario` (with the option `extra`, NULL: none) `runs` times (at
 * most E2E_RUNS) into fresh folders under `tmp`; the median and fastest
 * wall time and the median processor time, in us. False when a run
 * failed. */
static bool e2e_runs(const char *appsim, const char *tmp, const char *scenario, const char *extra, char **envp,
                     const char *figure, int runs, int64_t *median, int64_t *best, int64_t *cpu_median)
{
    int64_t walls[E2E_RUNS], cpus[E2E_RUNS];
    for (int i = 0; i < runs; i++) {
        char name[16];
        g_snprintf(name, sizeof name, "r%d", i);
        char *out = g_build_filename(tmp, name, NULL);
        int64_t wall = run_once(appsim, scenario, extra, envp, figure, out, &cpus[i]);
        remove_results(out);
        g_free(out);
        if (wall < 0)
            return false;
        walls[i] = wall;
    }
    qsort(walls, (size_t)runs, sizeof walls[0], cmp_i64);
    qsort(cpus, (size_t)runs, sizeof cpus[0], cmp_i64);
    *median = walls[runs / 2];
    *best = walls[0];
    *cpu_median = cpus[runs / 2];
    return true;
}

void bench_textbook_e2e(void)
{
    char *appsim = find_appsim();
    if (!appsim) {
        fprintf(stderr, "appsim-bench: textbook_e2e: no appsim program beside appsim-bench; set APPSIM_BIN\n");
        return;
    }
    GError *err = NULL;
    char *tmp = g_dir_make_tmp("appsim-bench-XXXXXX", &err);
    if (!tmp) {
        fprintf(stderr, "appsim-bench: textbook_e2e: %s\n", err->message);
        g_error_free(err);
        g_free(appsim);
        return;
    }
    int64_t median, best, cpu;
    if (e2e_runs(appsim, tmp, E2E_SCENARIO, NULL, NULL, "timeline.png", E2E_RUNS, &median, &best, &cpu)) {
        bench_figure("textbook_e2e_ms", (uint64_t)((median + 500) / 1000), "ms");
        bench_figure("textbook_e2e_us", (uint64_t)median, "us");
        bench_figure("textbook_e2e_best_us", (uint64_t)best, "us");
        bench_figure("textbook_e2e_cpu_us", (uint64_t)cpu, "us");
        int64_t gp = gnuplot_start_us();
        if (gp >= 0)
            bench_figure("textbook_e2e_gnuplot_start_us", (uint64_t)gp, "us");
    }
    /* the timeline as SVG alone */
    if (e2e_runs(appsim, tmp, E2E_SCENARIO, "--formats=svg", NULL, "timeline.svg", E2E_RUNS, &median, &best, &cpu)) {
        bench_figure("textbook_e2e_svg_ms", (uint64_t)((median + 500) / 1000), "ms");
        bench_figure("textbook_e2e_svg_us", (uint64_t)median, "us");
        bench_figure("textbook_e2e_svg_cpu_us", (uint64_t)cpu, "us");
    }
    /* appsim's own part: gnuplot off the PATH (an empty folder). */
    char *empty = g_build_filename(tmp, "empty-path", NULL);
    if (g_mkdir(empty, 0700) == 0) {
        char **envp = g_environ_setenv(g_get_environ(), "PATH", empty, TRUE);
        if (e2e_runs(appsim, tmp, E2E_SCENARIO, NULL, envp, NULL, E2E_RUNS, &median, &best, &cpu))
            bench_figure("textbook_e2e_no_gnuplot_us", (uint64_t)median, "us");
        g_strfreev(envp);
        g_rmdir(empty);
    }
    g_free(empty);
    if (e2e_runs(appsim, tmp, SWEEP_SCENARIO, NULL, NULL, SWEEP_FIGURE, SWEEP_RUNS, &median, &best, &cpu)) {
        bench_figure("sweep_e2e_ms", (uint64_t)((median + 500) / 1000), "ms");
        bench_figure("sweep_e2e_cpu_us", (uint64_t)cpu, "us");
    }
    g_rmdir(tmp);
    g_free(tmp);
    g_free(appsim);
}
