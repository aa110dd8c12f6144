/*
 * bench_main: the appsim-bench program.
 *
 *     appsim-bench                      runs every benchmark, in table order
 *     appsim-bench chain10 hold_1000    runs only the named ones, in table order
 *
 * After the benchmarks it prints the peak resident size of the whole run,
 * `bench_peak_rss_kib`. An unknown name is an error (exit status 2) reported
 * before anything runs, with the list of known names.
 *
 * This file also holds the helpers declared in bench.h: the figure printer,
 * the wall clock and the peak-memory probes.
 */
#define _POSIX_C_SOURCE 200809L

#include "bench.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
    const char *name;
    void (*run)(void);
} bench_case;

static const bench_case cases[] = {
    {"hold_1000", bench_hold_1000},
    {"hold_100000", bench_hold_100000},
    {"hold_1000000", bench_hold_1000000},
    {"chain10", bench_chain10},
    {"dumbbell", bench_dumbbell},
    {"dumbbell_1000", bench_dumbbell_1000},
    {"dumbbell_matched", bench_dumbbell_matched},
    {"dumbbell_http", bench_dumbbell_http},
    {"dumbbell_http_fp", bench_dumbbell_http_fp},
    {"scenario_dumbbell_100", bench_scenario_dumbbell_100},
    {"scenario_dumbbell_100_no_breakdown", bench_scenario_dumbbell_100_no_breakdown},
    {"scenario_dumbbell_1000", bench_scenario_dumbbell_1000},
    {"scenario_dumbbell_10000", bench_scenario_dumbbell_10000},
    {"scenario_check_100000", bench_scenario_check_100000},
    {"http_parser", bench_http_parser},
    {"http_pages", bench_http_pages},
    {"textbook_e2e", bench_textbook_e2e},
    {"cache_workload", bench_cache_workload},
    {"routes_chain_1000", bench_routes_chain_1000},
    {"routes_chain_10000", bench_routes_chain_10000},
    {"routes_chain_100000", bench_routes_chain_100000},
    {"routes_dumbbell_1000", bench_routes_dumbbell_1000},
    {"routes_dumbbell_3000", bench_routes_dumbbell_3000},
    {"routes_dumbbell_50000", bench_routes_dumbbell_50000},
    {"routes_mesh_100000", bench_routes_mesh_100000},
};

/* The highest peak seen before the last bench_reset_peak_rss(), in KiB, so
 * that the figure for the whole run survives the resets. */
static uint64_t earlier_peak_kib;

void bench_figure(const char *name, uint64_t value, const char *unit)
{
    printf("%s: %" PRIu64 " %s\n", name, value, unit);
    fflush(stdout);
}

int64_t bench_wall_us(void) { return g_get_monotonic_time(); }

uint64_t bench_per_s(uint64_t count, int64_t wall_us)
{
    if (wall_us <= 0)
        return 0;
    return (uint64_t)((double)count * 1e6 / (double)wall_us + 0.5);
}

uint64_t bench_peak_rss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
#ifdef __APPLE__
    return (uint64_t)ru.ru_maxrss / 1024; /* bytes there, KiB on Linux and the BSDs */
#else
    return (uint64_t)ru.ru_maxrss;
#endif
}

bool bench_reset_peak_rss(void)
{
    uint64_t peak = bench_peak_rss_kib();
    if (peak > earlier_peak_kib)
        earlier_peak_kib = peak;
    /* Writing "5" resets the high-water mark of the resident set (Linux 4.0
     * and later); getrusage reads the same mark for a one-thread process. */
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return false;
    bool ok = fputs("5", f) >= 0;
    ok = fclose(f) == 0 && ok;
    return ok;
}

/* The peak resident size of the whole run, resets included, in KiB. */
static uint64_t run_peak_rss_kib(void)
{
    uint64_t peak = bench_peak_rss_kib();
    return peak > earlier_peak_kib ? peak : earlier_peak_kib;
}

static const bench_case *find_case(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

static void print_usage(FILE *out)
{
    fprintf(out, "usage: appsim-bench [BENCHMARK...]\nbenchmarks:");
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        fprintf(out, " %s", cases[i].name);
    fprintf(out, "\n");
}

int main(int argc, char **argv)
{
    bool wanted[G_N_ELEMENTS(cases)];
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        wanted[i] = argc < 2;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
            print_usage(stdout);
            return 0;
        }
        const bench_case *c = find_case(argv[a]);
        if (!c) {
            fprintf(stderr, "appsim-bench: no benchmark named \"%s\"\n", argv[a]);
            print_usage(stderr);
            return 2;
        }
        wanted[c - cases] = true;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        if (wanted[i])
            cases[i].run();
    bench_figure("bench_peak_rss_kib", run_peak_rss_kib(), "KiB");
    return 0;
}
