/*
 * bench: what the pieces of appsim-bench share.
 *
 * appsim-bench measures how fast the engine and the network models run, in
 * wall-clock time. It is the one place in appsim where the wall clock is
 * allowed: the figures it prints are about the machine, never about a
 * simulation's results, and nothing a scenario produces depends on them.
 *
 * Each benchmark is a function that builds its own simulation, runs it and
 * prints its figures, one per line, as `name: value unit`, for example
 *
 *     hold_1000_events_per_s: 23100000 events/s
 *
 * so that a script can pick a figure out with `grep '^name:'`. Values are
 * integers. bench_main.c holds the table of benchmarks and the helpers
 * declared here; bench_engine.c, bench_net.c, bench_routes.c and the others hold
 * the benchmarks.
 */
#ifndef APPSIM_BENCH_H
#define APPSIM_BENCH_H

#include <stdbool.h>
#include <stdint.h>

/* The seed of every simulation and random stream the benchmarks create, so
 * that two runs do the same simulated work. */
#define BENCH_SEED UINT64_C(20240601)

/* The benchmarks, in the order appsim-bench runs them. Each prints its
 * own figures. */
void bench_hold_1000(void);
void bench_hold_100000(void);
void bench_hold_1000000(void);
void bench_chain10(void);
/* bench_e2e.c: a textbook scenario end to end, through the appsim program. */
void bench_textbook_e2e(void);
void bench_dumbbell(void);
void bench_dumbbell_1000(void);
void bench_dumbbell_matched(void);
void bench_dumbbell_http(void);
void bench_dumbbell_http_fp(void);
/* The dumbbell of bench_tcp.c, printing nothing: its wall time in us. */
int64_t bench_dumbbell_code_us(int pairs, uint32_t requests, uint32_t queue_pkts, uint64_t core_bps);
/* bench_scenario.c: the dumbbell from scenario files, and loading 100,000 nodes. */
void bench_scenario_dumbbell_100(void);
void bench_scenario_dumbbell_100_no_breakdown(void);
void bench_scenario_dumbbell_1000(void);
void bench_scenario_dumbbell_10000(void);
void bench_scenario_check_100000(void);
void bench_http_parser(void);
void bench_http_pages(void);
/* bench_cache_workload.c: the web-caching workload over TCP and in messages. */
void bench_cache_workload(void);
/* bench_routes.c: building and routing large topologies. */
void bench_routes_chain_1000(void);
void bench_routes_chain_10000(void);
void bench_routes_chain_100000(void);
void bench_routes_dumbbell_1000(void);
void bench_routes_dumbbell_3000(void);
void bench_routes_dumbbell_50000(void);
void bench_routes_mesh_100000(void);

/* Prints one figure as `name: value unit` and flushes stdout, so that a
 * long run shows its progress even when piped. */
void bench_figure(const char *name, uint64_t value, const char *unit);

/* The monotonic wall clock, in microseconds from an arbitrary origin. */
int64_t bench_wall_us(void);

/* `count` per second over `wall_us` microseconds, rounded to the nearest
 * integer; 0 when no time has passed. */
uint64_t bench_per_s(uint64_t count, int64_t wall_us);

/* The peak resident set size of this process, in KiB (getrusage ru_maxrss),
 * since it started or since the last bench_reset_peak_rss(). */
uint64_t bench_peak_rss_kib(void);

/* Lowers the peak that bench_peak_rss_kib() reports to the current resident
 * size, so that a benchmark's peak leaves out what earlier ones used. Works
 * on Linux (through /proc/self/clear_refs) and returns false elsewhere, in
 * which case the peak stays that of the whole process. */
bool bench_reset_peak_rss(void);

#endif
