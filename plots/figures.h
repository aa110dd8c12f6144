/*
 * figures: the figures of a plan's results — the plot of a sweep (the
 * headline metric against axis 0, a series per compare value, the
 * textbook's formula beside each when the metric is a time) and the
 * time-space diagram of run 0's first exchange — drawn with plot.h.
 */
#ifndef APPSIM_FIGURES_H
#define APPSIM_FIGURES_H

#include "plot.h"
#include "world/plan.h"

/* The plot of a sweep: headline `metric` against axis 0 (or the compare
 * axis), a series per compare value, the textbook's formula beside each
 * where it predicts that headline, as <metric>.dat, .gp, .png, .svg. */
bool figures_sweep(const scenario *sc, run_result *const *res, const char *metric, const char *title, const char *dir,
                   bool *plotted, GError **err);
/* The bar charts of a plan of cases (axis `x`): the headline per case,
 * the textbook's value beside it and the cases' expected figures ("expect")
 * when they give any, as <metric>.dat, .gp, .png, .svg; then one chart
 * per headline of `more` (outputs.metric's other names, may be NULL),
 * and one (simulated, expected) per other headline the cases expect a
 * figure for. */
bool figures_cases(const scenario *sc, run_result *const *res, const scn_axis *x, const char *metric,
                   const GPtrArray *more, const char *title, const char *dir, bool *plotted, GError **err);

/* Where the time went: one stacked-bar figure per compare value
 * (breakdown-<value>.png, or breakdown.png without a compare), a bar per
 * swept value split into the breakdown.<part>_s figures of its run (mean
 * per page load). Nothing is drawn when no run has a breakdown; *drawn
 * counts the figures gnuplot rendered. */
bool figures_breakdown(const scenario *sc, run_result *const *res, const char *dir, guint *drawn, GError **err);
/* Nothing is drawn (and *drawn is false) when `r` has no timeline. */
bool figures_timeline(const scenario *sc, const run_result *r, const char *dir, bool *drawn, GError **err);
/* A number for the x axis of a swept value ("50ms" -> 50, unit "ms"). */
bool figures_axis_number(const char *label, double *x, const char **unit);

#endif
