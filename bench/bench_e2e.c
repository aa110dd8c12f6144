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
 * are the median and the fastest, in milliseconds and microseconds. A
 * failing run (no appsim, no gnuplot, an exit status other than 0) prints
 * a message and no figure. For scale, `textbook_e2e_gnuplot_start_us` is
 * the median time gnuplot takes to start and quit (`gnuplot -e quit`),
 * which every run that draws a figure pays at least once.
 */
#include "bench.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#define E2E_RUNS 9
#define E2E_SCENARIO "http-single-object"

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

/* One run into `out`; returns its wall time in us, or -1 on failure. */
static int64_t run_once(const char *appsim, const char *out)
{
    char *argv[] = {(char *)appsim, "run", "-q", "-j", "1", "-o", (char *)out, E2E_SCENARIO, NULL};
    int status = 0;
    GError *err = NULL;
    int64_t start = bench_wall_us();
    gboolean ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, &err);
    int64_t wall = bench_wall_us() - start;
    if (!ok || !g_spawn_check_wait_status(status, &err)) {
        fprintf(stderr, "appsim-bench: textbook_e2e: %s\n", err ? err->message : "appsim failed");
        g_clear_error(&err);
        return -1;
    }
    char *plot = g_build_filename(out, "timeline.png", NULL);
    bool drawn = g_file_test(plot, G_FILE_TEST_EXISTS);
    g_free(plot);
    if (!drawn) {
        fprintf(stderr, "appsim-bench: textbook_e2e: no timeline.png (is gnuplot installed?)\n");
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
    int64_t walls[E2E_RUNS];
    int n = 0;
    for (int i = 0; i < E2E_RUNS; i++) {
        char name[16];
        g_snprintf(name, sizeof name, "r%d", i);
        char *out = g_build_filename(tmp, name, NULL);
        int64_t wall = run_once(appsim, out);
        remove_results(out);
        g_free(out);
        if (wall < 0)
            break;
        walls[n++] = wall;
    }
    g_rmdir(tmp);
    g_free(tmp);
    g_free(appsim);
    if (n < E2E_RUNS)
        return;
    qsort(walls, (size_t)n, sizeof walls[0], cmp_i64);
    int64_t median = walls[n / 2];
    bench_figure("textbook_e2e_ms", (uint64_t)((median + 500) / 1000), "ms");
    bench_figure("textbook_e2e_us", (uint64_t)median, "us");
    bench_figure("textbook_e2e_best_us", (uint64_t)walls[0], "us");
    int64_t gp = gnuplot_start_us();
    if (gp >= 0)
        bench_figure("textbook_e2e_gnuplot_start_us", (uint64_t)gp, "us");
}
