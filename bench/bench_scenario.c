/*
 * bench_scenario: the dumbbell from scenario files, through what `appsim
 * run` does, and the loading of a very large scenario.
 *
 * The scenario language has no compact form for N pairs, so each case
 * writes its scenario as JSON into a temporary file first (not timed):
 * 2 routers `left` and `right` joined by the link `bottleneck`, hosts
 * c<i> and s<i> on 1 Gbps / 1 ms access links, on s<i> an `http-server`
 * with one object /obj of 100,000 bytes, and on c<i> a `browser` in
 * persistent mode that loads http://s<i>/obj `repeat` times without its
 * cache (so each load is a full GET over the one kept-open connection);
 * TCP Reno, MSS 1448, initial window 10. That is the work of the bench
 * code `dumbbell` (bench_tcp.c) in HTTP: requests of about 60 bytes
 * instead of 100, and a response head of about 90 bytes on each object.
 *
 *   scenario_dumbbell_100     100 pairs, 50 objects each, 100 Mbps bottleneck, 100-packet queue
 *   scenario_dumbbell_100_no_breakdown
 *                             the same, its browsers with "breakdown": false (no packet log, no
 *                             walks: the file's work is then exactly the code's)
 *   scenario_dumbbell_1000    1,000 pairs, 5 objects each, 100 Mbps, 1,000-packet queue
 *   scenario_dumbbell_10000   10,000 pairs, 5 objects each, 1 Gbps, 10,000-packet queue: each pair
 *                             has the share of rate and queue it has at 1,000 pairs
 *   scenario_check_100000     a 49,999-pair dumbbell (100,000 nodes, 99,998 applications):
 *                             loaded and checked only (appsim check)
 *
 * What is timed, in one process: scenario_load (read, parse, check every
 * run against the registry of application types, as appsim run and appsim
 * check do), plan_run with one job (build the world, run it, collect the
 * figures, rows, links table and fingerprint), and run_publish (summary.json,
 * the CSV files, transcript.txt, the report table, index.html, into a
 * temporary results folder then renamed), the report table going to
 * /dev/null. No figure is drawn: a single run with no timeline has none.
 * Figures: <name>_load_ms, _run_ms, _write_ms, _wall_ms (the three),
 * _events, _sim_ms, _events_per_s (events over the whole wall time),
 * _peak_rss (KiB, this case only); for the sizes the bench code also runs,
 * its wall time on the same machine just before (_code_wall_ms) and the
 * ratio of the two in percent (_vs_code_pct: 130 is 1.3 times as long).
 *
 * That bench code (bench_tcp.c) is reqresp, not HTTP: not the same work
 * (other request and response sizes, so other packets and events). The
 * same work in code is dumbbell_http below: the same nodes, links, TCP
 * settings and seed, an HTTP server and a persistent browser on simulated
 * hosts per pair, no world; it executes exactly the scenario's events.
 * Its wall time, run just before the file, is _http_code_wall_ms (its
 * events _http_code_events) and the ratio _vs_http_code_pct. Then the
 * same code with the run fingerprint computed as the world does
 * (_http_fp_code_wall_ms: the part of the world no scenario run is
 * without) and whether that fingerprint is the scenario's
 * (_http_fp_code_same_fingerprint, 1 when it is).
 *
 *   dumbbell_http             that code alone for the 100-pair case: wall time, simulated time,
 *                             events, events per second, peak memory
 *   dumbbell_http_fp          the same with the run fingerprint
 */
#define _POSIX_C_SOURCE 200809L

#include "bench.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/registry.h"
#include "models/sim_host.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_server.h"
#include "protocols/http/http_store.h"
#include "sim/sim_digest.h"
#include "sim/sim_trace.h"
#include "cli/run_cmd.h"
#include "world/plan.h"
#include "world/results.h"
#include "world/scenario.h"

typedef struct {
    int pairs;
    int objects;      /* loads per browser */
    const char *core; /* bottleneck rate */
    int queue;        /* bottleneck queue, packets */
    bool apps;        /* false: topology only */
    bool quick;       /* the browsers ask for no time breakdown ("breakdown": false) */
} dumbbell_spec;

/* Writes the scenario of `d` to `path`; false with a message. */
static bool write_dumbbell(const char *path, const dumbbell_spec *d)
{
    GString *s = g_string_sized_new((gsize)d->pairs * 400);
    g_string_append_printf(s,
                           "{\n  \"name\": \"dumbbell-%d\",\n  \"seed\": 1,\n"
                           "  \"tcp\": { \"cc\": \"reno\", \"mss\": 1448, \"init_cwnd\": 10 },\n"
                           "  \"nodes\": [\n    { \"name\": \"left\", \"type\": \"router\" },\n"
                           "    { \"name\": \"right\", \"type\": \"router\" }",
                           d->pairs);
    for (int i = 0; i < d->pairs; i++)
        g_string_append_printf(s, ",\n    { \"name\": \"c%d\" }, { \"name\": \"s%d\" }", i, i);
    g_string_append_printf(s,
                           "\n  ],\n  \"links\": [\n    { \"name\": \"bottleneck\", \"from\": \"left\", \"to\": "
                           "\"right\", \"rate\": \"%s\", \"delay\": \"10ms\", \"queue\": %d }",
                           d->core, d->queue);
    for (int i = 0; i < d->pairs; i++)
        g_string_append_printf(s,
                               ",\n    { \"from\": \"c%d\", \"to\": \"left\", "
                               "\"rate\": \"1Gbps\", \"delay\": \"1ms\" }"
                               ",\n    { \"from\": \"s%d\", \"to\": \"right\", "
                               "\"rate\": \"1Gbps\", \"delay\": \"1ms\" }",
                               i, i);
    g_string_append(s, "\n  ],\n  \"apps\": [");
    for (int i = 0; d->apps && i < d->pairs; i++)
        g_string_append_printf(s,
                               "%s\n    { \"name\": \"web%d\", \"type\": \"http-server\", \"host\": \"s%d\", "
                               "\"objects\": [ { \"path\": \"/obj\", \"size\": 100000 } ] },\n"
                               "    { \"name\": \"browser%d\", \"type\": \"browser\", \"host\": \"c%d\", "
                               "\"mode\": \"persistent\", \"cache\": false, \"repeat\": %d, %s"
                               "\"pages\": [ \"http://s%d/obj\" ] }",
                               i ? "," : "", i, i, i, i, d->objects, d->quick ? "\"breakdown\": false, " : "", i);
    g_string_append(s, "\n  ]\n}\n");
    GError *err = NULL;
    bool ok = g_file_set_contents(path, s->str, (gssize)s->len, &err);
    if (!ok) {
        fprintf(stderr, "appsim-bench: %s\n", err->message);
        g_error_free(err);
    }
    g_string_free(s, TRUE);
    return ok;
}

static void figure(const char *prefix, const char *name, uint64_t value, const char *unit)
{
    char full[96];
    g_snprintf(full, sizeof full, "%s_%s", prefix, name);
    bench_figure(full, value, unit);
}

static uint64_t ms(int64_t us) { return (uint64_t)((us + 500) / 1000); }

/* run_publish with stdout sent to /dev/null (it prints the report table). */
static int publish_quietly(const scenario *sc, run_result *const *res, const run_page_args *pa, const char *dir)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    FILE *null = fopen("/dev/null", "w");
    if (saved >= 0 && null)
        dup2(fileno(null), STDOUT_FILENO);
    int rc = run_publish("bench", sc, res, pa, dir, NULL, NULL);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    if (null)
        fclose(null);
    return rc;
}

/* Loads, runs and writes `file` as appsim run -j 1 does, into a folder
 * under `tmp`; prints the figures; returns the wall time in us, or -1, and
 * the run's fingerprint in `fp` (65 bytes; empty when it failed). */
static int64_t run_file(const char *prefix, const char *file, const char *tmp, char *fp)
{
    fp[0] = '\0';
    GError *err = NULL;
    bench_reset_peak_rss();
    int64_t t0 = bench_wall_us();
    scenario *sc = scenario_load(file, NULL, appsim_registry(), &err);
    int64_t t1 = bench_wall_us();
    run_result **res = NULL;
    if (sc) {
        plan_options po = {.jobs = 1};
        res = plan_run(sc, &po, &err);
    }
    int64_t t2 = bench_wall_us();
    if (!res) {
        fprintf(stderr, "appsim-bench: %s: %s\n", prefix, err ? err->message : "failed");
        g_clear_error(&err);
        scenario_free(sc);
        return -1;
    }
    char *dir = g_build_filename(tmp, "results", NULL);
    run_page_args pa = {.file = file, .seed = -1};
    int rc = publish_quietly(sc, res, &pa, dir);
    int64_t t3 = bench_wall_us();
    uint64_t peak = bench_peak_rss_kib();
    if (rc != 0)
        fprintf(stderr, "appsim-bench: %s: writing the results failed (%d)\n", prefix, rc);
    uint64_t events = res[0]->events;
    figure(prefix, "load_ms", ms(t1 - t0), "ms");
    figure(prefix, "run_ms", ms(t2 - t1), "ms");
    figure(prefix, "write_ms", ms(t3 - t2), "ms");
    figure(prefix, "wall_ms", ms(t3 - t0), "ms");
    figure(prefix, "events", events, "events");
    figure(prefix, "sim_ms", (uint64_t)(res[0]->end / 1000000), "ms");
    figure(prefix, "events_per_s", bench_per_s(events, t3 - t0), "events/s");
    figure(prefix, "peak_rss", peak, "KiB");
    if (res[0]->fingerprint)
        g_strlcpy(fp, res[0]->fingerprint, 65);
    plan_free(res, scenario_run_count(sc));
    scenario_free(sc);
    results_remove_tree(dir);
    g_free(dir);
    return rc == 0 ? t3 - t0 : -1;
}

/* ---- the same work in code: HTTP on simulated hosts, no world ----------------------- */

/* One browser's load loop, as the `browser` type runs it (think time 0:
 * each next load is a timer event after the previous page). */
typedef struct http_pair http_pair;
typedef struct {
    http_pair *pairs;
    int running; /* browsers not done */
    sim_t *sim;
} http_run;

struct http_pair {
    http_run *run;
    host_env *env;
    http_browser *b;
    char url[32];
    int loads_left;
};

static void http_next_load(void *ud);

static void http_page_done(void *ud, http_browser *b, const http_page *pg)
{
    (void)b;
    (void)pg;
    http_pair *p = ud;
    host_timer(p->env, 0, http_next_load, p);
}

static void http_next_load(void *ud)
{
    http_pair *p = ud;
    if (p->loads_left-- == 0) {
        if (--p->run->running == 0)
            sim_stop(p->run->sim); /* as the world stops when the last application is done */
        return;
    }
    if (!http_browser_load(p->b, p->url, http_page_done, p))
        g_assert_not_reached();
}

/* The run fingerprint as the world computes it (world/world_trace.c): every
 * record with its packet's id, sim_digest_trace. Here so that the bench can
 * price the fingerprint alone on the bench code's run; the value is checked
 * against the scenario's. */
static void bench_digest_rec(void *ctx, const sim_trace_rec *rec)
{
    const pkt_t *p = rec->kind == SIM_TR_APP ? NULL : rec->obj;
    if (!p || !sim_digest_trace_packed(ctx, rec, true, p->id))
        sim_digest_trace_escaped(ctx, rec, p != NULL, p ? p->id : 0);
}

/* The dumbbell of the scenario file built and run in code: the same nodes
 * and links in the same order, the same TCP settings and seed, an HTTP
 * server with /obj on each s<i> and a persistent browser without cache
 * loading it `objects` times on each c<i>, on simulated hosts; no trace
 * subscriber, no records kept, no results. What the scenario file adds on
 * the same events is then the world: the fingerprint, the trace bus's
 * subscribers, the packet log and breakdown, the results. With `fp` not
 * NULL, the run fingerprint too (bench_digest_rec), in hex into `fp`.
 * Returns the wall time in us (build and run) and the events in
 * `*events`. */
static int64_t dumbbell_http_code_us(const dumbbell_spec *d, uint64_t core_bps, uint64_t *events,
                                     sim_time_t *end, char *fp)
{
    int64_t start = bench_wall_us();
    sim_t *sim = sim_new(1);
    sim_digest digest;
    sim_digest_init(&digest);
    if (fp)
        sim_trace_subscribe(sim_trace(sim), SIM_TR_ALL, bench_digest_rec, &digest);
    net_t *net = net_new(sim);
    node_t *left = net_add_router(net, "left", NULL), *right = net_add_router(net, "right", NULL);
    node_t **nodes = g_new0(node_t *, 2 * (gsize)d->pairs);
    for (int i = 0; i < d->pairs; i++) {
        char name[32];
        g_snprintf(name, sizeof name, "c%d", i);
        nodes[2 * i] = net_add_host(net, name, NULL);
        g_snprintf(name, sizeof name, "s%d", i);
        nodes[2 * i + 1] = net_add_host(net, name, NULL);
    }
    link_params_t core = {.rate_bps = core_bps, .delay = SIM_MS(10), .queue_pkts = (uint32_t)d->queue};
    net_link(net, "bottleneck", left, right, &core, NULL, NULL);
    link_params_t access = {.rate_bps = 1000000000, .delay = SIM_MS(1)};
    for (int i = 0; i < d->pairs; i++) {
        char name[32];
        g_snprintf(name, sizeof name, "ca%d", i);
        net_link(net, name, nodes[2 * i], left, &access, NULL, NULL);
        g_snprintf(name, sizeof name, "sa%d", i);
        net_link(net, name, nodes[2 * i + 1], right, &access, NULL, NULL);
    }
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = TCP_CC_RENO;
    p.mss = 1448;
    p.init_cwnd = 10;
    tcp_stack_t *tcp = tcp_stack_new(net, &p);
    sim_host_t **hosts = g_new0(sim_host_t *, 2 * (gsize)d->pairs);
    http_store **stores = g_new0(http_store *, d->pairs);
    http_server **servers = g_new0(http_server *, d->pairs);
    http_run run = {g_new0(http_pair, d->pairs), d->pairs, sim};
    for (int i = 0; i < d->pairs; i++) {
        hosts[2 * i + 1] = sim_host_new(tcp, nodes[2 * i + 1], NULL);
        host_env *senv = sim_host_env(hosts[2 * i + 1]);
        stores[i] = http_store_new();
        http_store_add(stores[i], "/obj", 100000, NULL, NULL, host_wall_s(senv) - 86400, 0);
        servers[i] = http_server_new(senv, stores[i], NULL, NULL);
        hosts[2 * i] = sim_host_new(tcp, nodes[2 * i], NULL);
        browser_config bc;
        browser_config_default(&bc);
        bc.mode = BROWSER_P_SERIAL;
        bc.cache = false;
        http_pair *pr = &run.pairs[i];
        pr->run = &run;
        pr->env = sim_host_env(hosts[2 * i]);
        pr->b = http_browser_new(pr->env, &bc, NULL);
        pr->loads_left = d->objects;
        g_snprintf(pr->url, sizeof pr->url, "http://s%d/obj", i);
        host_timer(pr->env, 0, http_next_load, pr);
    }
    sim_run(sim);
    if (fp)
        sim_digest_hex(&digest, fp);
    int64_t wall = bench_wall_us() - start;
    g_assert(run.running == 0);
    *events = sim_events_executed(sim);
    *end = sim_now(sim);
    for (int i = d->pairs; i-- > 0;) {
        http_browser_free(run.pairs[i].b);
        http_server_free(servers[i]);
        http_store_free(stores[i]);
    }
    for (int i = 0; i < 2 * d->pairs; i++)
        sim_host_free(hosts[i]);
    tcp_stack_free(tcp);
    net_free(net);
    sim_free(sim);
    g_free(run.pairs);
    g_free(servers);
    g_free(stores);
    g_free(hosts);
    g_free(nodes);
    return wall;
}

/* A temporary folder for one case, or NULL with a message. */
static char *make_tmp(const char *prefix)
{
    GError *err = NULL;
    char *tmp = g_dir_make_tmp("appsim-bench-XXXXXX", &err);
    if (!tmp) {
        fprintf(stderr, "appsim-bench: %s: %s\n", prefix, err->message);
        g_error_free(err);
    }
    return tmp;
}

static void scenario_dumbbell(const char *prefix, const dumbbell_spec *d, uint64_t core_bps)
{
    char *tmp = make_tmp(prefix);
    if (!tmp)
        return;
    char *file = g_build_filename(tmp, "dumbbell.json", NULL);
    if (write_dumbbell(file, d)) {
        int64_t code = core_bps ? bench_dumbbell_code_us(d->pairs, (uint32_t)d->objects, (uint32_t)d->queue, core_bps)
                                : 0;
        uint64_t http_events = 0, fp_events = 0;
        sim_time_t http_end = 0, fp_end = 0;
        char code_fp[65] = "", file_fp[65];
        int64_t http = core_bps ? dumbbell_http_code_us(d, core_bps, &http_events, &http_end, NULL) : 0;
        int64_t http_fp = core_bps ? dumbbell_http_code_us(d, core_bps, &fp_events, &fp_end, code_fp) : 0;
        int64_t wall = run_file(prefix, file, tmp, file_fp);
        if (code > 0 && wall > 0) {
            figure(prefix, "code_wall_ms", ms(code), "ms");
            figure(prefix, "vs_code_pct", (uint64_t)((wall * 100 + code / 2) / code), "%");
        }
        if (http > 0 && wall > 0) {
            figure(prefix, "http_code_wall_ms", ms(http), "ms");
            figure(prefix, "http_code_events", http_events, "events");
            figure(prefix, "vs_http_code_pct", (uint64_t)((wall * 100 + http / 2) / http), "%");
            /* The fingerprint alone on the same run: what no scenario run
             * can do without, as its value is pinned. */
            figure(prefix, "http_fp_code_wall_ms", ms(http_fp), "ms");
            figure(prefix, "http_fp_code_same_fingerprint", strcmp(code_fp, file_fp) == 0, "boolean");
        }
    }
    g_remove(file);
    g_free(file);
    g_rmdir(tmp);
    g_free(tmp);
}

void bench_scenario_dumbbell_100(void)
{
    const dumbbell_spec d = {.pairs = 100, .objects = 50, .core = "100Mbps", .queue = 100, .apps = true};
    scenario_dumbbell("scenario_dumbbell_100", &d, 100000000);
}

void bench_scenario_dumbbell_100_no_breakdown(void)
{
    const dumbbell_spec d = {.pairs = 100, .objects = 50, .core = "100Mbps", .queue = 100, .apps = true, .quick = true};
    scenario_dumbbell("scenario_dumbbell_100_no_breakdown", &d, 100000000);
}

void bench_scenario_dumbbell_1000(void)
{
    const dumbbell_spec d = {.pairs = 1000, .objects = 5, .core = "100Mbps", .queue = 1000, .apps = true};
    scenario_dumbbell("scenario_dumbbell_1000", &d, 100000000);
}

void bench_scenario_dumbbell_10000(void)
{
    const dumbbell_spec d = {.pairs = 10000, .objects = 5, .core = "1Gbps", .queue = 10000, .apps = true};
    scenario_dumbbell("scenario_dumbbell_10000", &d, 0);
}

static void dumbbell_http(const char *prefix, bool fingerprint)
{
    const dumbbell_spec d = {.pairs = 100, .objects = 50, .core = "100Mbps", .queue = 100, .apps = true};
    uint64_t events = 0;
    sim_time_t end = 0;
    char fp[65];
    bench_reset_peak_rss();
    int64_t wall = dumbbell_http_code_us(&d, 100000000, &events, &end, fingerprint ? fp : NULL);
    figure(prefix, "wall_ms", ms(wall), "ms");
    figure(prefix, "sim_ms", (uint64_t)(end / 1000000), "ms");
    figure(prefix, "events", events, "events");
    figure(prefix, "events_per_s", bench_per_s(events, wall), "events/s");
    figure(prefix, "peak_rss", bench_peak_rss_kib(), "KiB");
}

void bench_dumbbell_http(void) { dumbbell_http("dumbbell_http", false); }

void bench_dumbbell_http_fp(void) { dumbbell_http("dumbbell_http_fp", true); }

void bench_scenario_check_100000(void)
{
    const char *prefix = "scenario_check_100000";
    const dumbbell_spec d = {.pairs = 49999, .objects = 1, .core = "1Gbps", .queue = 100, .apps = true};
    char *tmp = make_tmp(prefix);
    if (!tmp)
        return;
    char *file = g_build_filename(tmp, "big.json", NULL);
    if (write_dumbbell(file, &d)) {
        GError *err = NULL;
        bench_reset_peak_rss();
        int64_t t0 = bench_wall_us();
        scenario *sc = scenario_load(file, NULL, appsim_registry(), &err);
        int64_t wall = bench_wall_us() - t0;
        if (!sc) {
            fprintf(stderr, "appsim-bench: %s: %s\n", prefix, err->message);
            g_error_free(err);
        } else {
            figure(prefix, "wall_ms", ms(wall), "ms");
            figure(prefix, "peak_rss", bench_peak_rss_kib(), "KiB");
            scenario_free(sc);
        }
    }
    g_remove(file);
    g_free(file);
    g_rmdir(tmp);
    g_free(tmp);
}
