/*
 * bench_cache_workload: requests of the web-caching workload per wall second.
 *
 * The institutional network of scenarios/cache-hit-rate-curve.json, its
 * "15.4 Mbps over TCP" case: browsers and a proxy cache on a 100 Mbps LAN,
 * a 15.4 Mbps access link, a 1 s round trip to the origin; 15 requests per
 * second for objects of 1 Mbit on average (exponential sizes), half of them
 * hits. Over TCP (a browser and a connection per request, through the
 * proxy) 120 s of simulated time, about 1,800 requests and 3 million
 * events; in message transport (one datagram each way) 1,200 s, about
 * 18,000 requests, for comparison. Each run goes through the world as
 * `appsim run` would (scenario loading, building, running, collecting), so
 * the figure is what a user waits for, per request.
 *
 * Figures: cache_tcp_requests_per_s and cache_msg_requests_per_s, the
 * requests answered per wall second of the whole run, each followed by the
 * number of requests (cache_tcp_requests, cache_msg_requests) and the
 * simulation events per request (cache_tcp_events_per_request,
 * cache_msg_events_per_request: the work a request causes, which the
 * speed of the engine multiplies; docs/performance.md, "Cache workload").
 */
#include "bench.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <unistd.h>

#include "protocols/http/app/http_apps.h"
#include "world/world.h"

static const app_type *const types[] = {&cache_workload_app};
static const app_registry registry = {types, 1};

static const char scenario_text[] =
    "{\"name\": \"bench-cache\", \"seed\": 1, \"max_time\": \"3000s\","
    " \"nodes\": [{\"name\": \"browsers\"}, {\"name\": \"cache\"}, {\"name\": \"lan\", \"type\": \"router\"},"
    " {\"name\": \"institution\", \"type\": \"router\"}, {\"name\": \"internet\", \"type\": \"router\"},"
    " {\"name\": \"origin\"}],"
    " \"links\": ["
    " {\"name\": \"lan-browsers\", \"from\": \"browsers\", \"to\": \"lan\", \"rate\": \"100Mbps\", \"delay\": \"0.1ms\"},"
    " {\"name\": \"lan-cache\", \"from\": \"cache\", \"to\": \"lan\", \"rate\": \"100Mbps\", \"delay\": \"0.1ms\"},"
    " {\"name\": \"lan-uplink\", \"from\": \"lan\", \"to\": \"institution\", \"rate\": \"1Gbps\", \"delay\": \"0.1ms\"},"
    " {\"name\": \"access\", \"from\": \"institution\", \"to\": \"internet\", \"rate\": \"15.4Mbps\", \"delay\": \"1ms\"},"
    " {\"name\": \"internet-path\", \"from\": \"internet\", \"to\": \"origin\", \"rate\": \"1Gbps\","
    " \"delay\": \"999ms\"}],"
    " \"apps\": [{\"name\": \"institution\", \"type\": \"cache-workload\", \"host\": \"browsers\", \"cache\": \"cache\","
    " \"origin\": \"origin\", \"access_link\": \"access\", \"rate\": 15, \"sizes\": \"exponential\","
    " \"mean_size\": \"1Mbit\", \"hit_probability\": 0.5, \"warmup\": \"30s\", \"duration\": \"1200s\"}]}";

/* Runs the scenario with the given --set values; prints `figure`, the
 * answered requests per wall second, `count`, how many there were (the
 * load, and the divisor for instructions per request under callgrind), and
 * `per_request`, the events the run executed per answered request. */
static void cache_bench(const char *figure, const char *count, const char *per_request, const char *const *sets)
{
    char *file = NULL;
    int fd = g_file_open_tmp("appsim-bench-cache-XXXXXX.json", &file, NULL);
    g_assert(fd >= 0);
    close(fd);
    g_assert(g_file_set_contents(file, scenario_text, -1, NULL));
    GError *err = NULL;
    int64_t start = bench_wall_us();
    scenario *sc = scenario_load(file, sets, &registry, &err);
    g_assert_no_error(err);
    scn_run *r = scenario_run(sc, 0, &err);
    g_assert_no_error(err);
    run_result *res = world_run(r, &registry, 0, NULL, &err);
    g_assert_no_error(err);
    int64_t wall = bench_wall_us() - start;
    double answered = run_result_metric(res, "cache_workload.answered");
    g_assert(answered > 0);
    bench_figure(figure, bench_per_s((uint64_t)answered, wall), "req/s");
    bench_figure(count, (uint64_t)answered, "requests");
    bench_figure(per_request, (uint64_t)llround(run_result_metric(res, "events") / answered), "events");
    run_result_free(res);
    scn_run_free(r);
    scenario_free(sc);
    g_unlink(file);
    g_free(file);
}

void bench_cache_workload(void)
{
    static const char *const tcp[] = {"apps.institution.transport=tcp", "apps.institution.duration=120s", NULL};
    static const char *const msg[] = {"apps.institution.transport=message", NULL};
    cache_bench("cache_tcp_requests_per_s", "cache_tcp_requests", "cache_tcp_events_per_request", tcp);
    cache_bench("cache_msg_requests_per_s", "cache_msg_requests", "cache_msg_events_per_request", msg);
}
