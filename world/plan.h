/*
 * plan: every run of a scenario (the product of its sweep axes and its
 * compare values), on a pool of threads, and the layout of their results
 * for tables and plots.
 *
 * Each run is independent (world.h), so the results of -j N are the ones
 * of -j 1, in run order. Progress (runs done, events and simulated time,
 * the runs in progress included) is reported through a callback, under a
 * lock, at most every PLAN_PROGRESS_MS and when a run ends.
 *
 * Failures: when run k fails, the runs after k are cancelled (not those
 * before it, so the error reported is always the one of the lowest failed
 * run, whatever -j); a cancel callback (Ctrl-C) stops every run.
 *
 * Timelines: run 0 collects one when asked, and so does every case of a
 * plan of cases alone (up to PLAN_MAX_TIMELINES): plan_timeline_runs.
 *
 * Shards: plan_options.shard and .shards run every shards-th run from run
 * `shard` (appsim run --shard K/N); each run is the one a whole plan would
 * run (its seed, its timeline and transcript decided by its index), so the
 * shards' results together are the plan's (world/shard.h).
 *
 * Ownership: plan_run returns an array of scenario_run_count() results
 * (NULL for the runs of other shards) the caller frees with plan_free.
 */
#ifndef APPSIM_PLAN_H
#define APPSIM_PLAN_H

#include "scenario.h"
#include "world.h"

#define PLAN_PROGRESS_MS 200
/* Runs of a plan of cases that collect a timeline (the first cases). */
#define PLAN_MAX_TIMELINES 16

typedef struct {
    guint done, total;  /* runs finished, runs in the plan (in its shard, with plan_options.shards) */
    uint64_t events;    /* events executed, the runs in progress included */
    double simulated_s; /* simulated seconds, the runs in progress included */
} plan_progress;

typedef void (*plan_progress_fn)(void *ud, const plan_progress *p);

typedef struct {
    const char *pcap_root;  /* pcap files under it (run-NNNN/ per run in a sweep); NULL: none */
    bool timeline;          /* collect the timelines (plan_timeline_runs), as when the file
                             * asks for them with outputs.timeline */
    guint transcript_run;   /* the run whose dialogue is collected */
    guint jobs;             /* threads; 0: one per core */
    uint64_t max_events;    /* per run; 0: the scenario's (run_options) */
    double max_wall_s;      /* per run; 0: the scenario's */
    guint shard, shards;    /* run only the runs k with k % shards == shard (shards 0 or 1: every run);
                             * the others' results stay NULL */
    plan_progress_fn progress;
    bool (*cancelled)(void *ud); /* optional: true stops every run (any thread may call it) */
    void *ud;
} plan_options;

/* Runs the plan. NULL, with the lowest failed run's error, when any run
 * fails: "run K failed: ..." (WORLD_ERROR for budgets and cancellation,
 * SCN_ERROR for a run whose values do not check, which the message
 * locates like a loading error). */
run_result **plan_run(const scenario *sc, const plan_options *o, GError **err);
void plan_free(run_result **results, guint n);

/* How many runs, from run 0, collect a timeline when --timeline
 * (plan_options.timeline) or a run's outputs.timeline asks for one: every
 * case of a plan whose only axis is a list of cases (no compare), at most
 * PLAN_MAX_TIMELINES; else run 0 alone. Run k is case k of such a plan. */
guint plan_timeline_runs(const scenario *sc);

/* The layout of a sweep: axis 0 (or the compare axis) along x, the compare
 * values as series, the other axes' runs inside each x value. */
typedef struct {
    const scn_axis *x, *cmp;
    guint nax, nx, nc, inner;
} plan_shape;

plan_shape plan_shape_of(const scenario *sc);
/* The run at x value xi of series c. */
const run_result *plan_at(run_result *const *results, const plan_shape *s, guint xi, guint c);

#endif
