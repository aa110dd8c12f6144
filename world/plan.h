/*
 * plan: every run of a scenario (the product of its sweep axes and its
 * compare values), on a pool of threads, and the layout of their results
 * for tables and plots.
 *
 * Each run is independent (world.h), so the results of -j N are the ones
 * of -j 1, in run order. Progress is reported through a callback, under a
 * lock, in whatever order runs finish.
 *
 * Ownership: plan_run returns an array of scenario_run_count() results the
 * caller frees with plan_free.
 */
#ifndef APPSIM_PLAN_H
#define APPSIM_PLAN_H

#include "scenario.h"
#include "world.h"

typedef void (*plan_progress_fn)(void *ud, guint done, guint total, double simulated_s);

typedef struct {
    const char *pcap_root;  /* pcap files under it (run-NNNN/ per run in a sweep); NULL: none */
    bool timeline;          /* collect run 0's timeline */
    guint transcript_run;   /* the run whose dialogue is collected */
    guint jobs;             /* threads; 0: one per core */
    plan_progress_fn progress;
    void *ud;
} plan_options;

/* Runs the plan. NULL, with the first failed run's error ("run K
 * failed: ..."), when any run fails. */
run_result **plan_run(const scenario *sc, const plan_options *o, GError **err);
void plan_free(run_result **results, guint n);

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
