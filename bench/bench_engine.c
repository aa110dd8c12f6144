/*
 * bench_engine: the hold model, the classic benchmark of an event queue.
 *
 * A simulation starts with P pending events, due at exponential delays
 * (mean 1 ms) from time 0. Every event, when it runs, schedules exactly one
 * new event at now + an exponential delay, so the queue holds P events all
 * the time and each executed event costs one pop and one push on a queue of
 * size P (plus one exponential draw, which real models pay too). The figure
 * is executed events per wall second, measured over a fixed number of
 * events after an untimed warm-up that lets the spread of due times settle
 * from its initial shape to the steady one.
 *
 * The run stops by counting: the event that brings the count to zero calls
 * sim_stop(), so exactly the wanted number runs, whatever the clock says.
 *
 * Three sizes: 1,000 pending events (the queue fits in the L1 cache),
 * 100,000 (it fits in L2 or L3) and 1,000,000 (it does not). Setting the
 * environment variable APPSIM_BENCH_HOLD_EVENTS=N makes each size time N
 * events instead of its default, which is what a run under
 * `valgrind --tool=callgrind` wants (docs/performance.md); the warm-up
 * stays the same, so the queue is in the same state when timing starts.
 */
#include "bench.h"

#include <glib.h>
#include <stdlib.h>

#include "sim/sim.h"
#include "sim/sim_rng.h"

typedef struct {
    sim_rng_t rng; /* the delays, stream "bench:hold" */
    uint64_t left; /* events still to run before the run stops */
} hold_state;

/* An exponential delay of mean 1 ms, rounded to the nanosecond. */
static sim_time_t hold_delay(hold_state *h)
{
    return sim_time_from_ms(sim_rng_exponential(&h->rng, 1.0));
}

/* Each event puts one new event in its place, and stops the run when the
 * count is reached. */
static void hold_event(sim_t *sim, void *ctx, void *arg)
{
    hold_state *h = ctx;
    sim_schedule_in(sim, hold_delay(h), hold_event, h, arg);
    if (--h->left == 0)
        sim_stop(sim);
}

/* Runs exactly `events` events; returns the wall time they took, in us. */
static int64_t hold_run(sim_t *sim, hold_state *h, uint64_t events)
{
    uint64_t before = sim_events_executed(sim);
    h->left = events;
    int64_t start = bench_wall_us();
    sim_run_result r = sim_run(sim);
    int64_t wall = bench_wall_us() - start;
    g_assert(r == SIM_RUN_STOPPED);
    g_assert(sim_events_executed(sim) - before == events);
    return wall;
}

/* The hold model with `pending` events, timed over `events` events after
 * `warmup` untimed ones; prints `<name>_events_per_s`. */
static void hold_bench(const char *name, uint32_t pending, uint64_t warmup, uint64_t events)
{
    const char *override = getenv("APPSIM_BENCH_HOLD_EVENTS");
    if (override && *override) {
        uint64_t n = g_ascii_strtoull(override, NULL, 10);
        if (n > 0)
            events = n;
    }
    sim_t *sim = sim_new(BENCH_SEED);
    hold_state h;
    sim_rng_init(&h.rng, BENCH_SEED, "bench:hold");
    for (uint32_t i = 0; i < pending; i++)
        sim_schedule_in(sim, hold_delay(&h), hold_event, &h, NULL);
    g_assert(sim_events_pending(sim) == pending);

    hold_run(sim, &h, warmup);
    int64_t wall = hold_run(sim, &h, events);
    g_assert(sim_events_pending(sim) == pending);

    char figure[64];
    g_snprintf(figure, sizeof figure, "%s_events_per_s", name);
    bench_figure(figure, bench_per_s(events, wall), "events/s");
    sim_free(sim);
}

void bench_hold_1000(void) { hold_bench("hold_1000", 1000, 1000000, 20000000); }

void bench_hold_100000(void) { hold_bench("hold_100000", 100000, 2000000, 10000000); }

void bench_hold_1000000(void) { hold_bench("hold_1000000", 1000000, 4000000, 10000000); }
