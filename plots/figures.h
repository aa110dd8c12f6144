/*
 * figures: the figures of a plan's results — the plot of a sweep (the
 * headline metric against axis 0, a series per compare value, the
 * textbook's formula beside each when the metric is a time), the bar
 * charts of a plan of cases, the stacked bars of where the time went, and
 * the time-space diagrams of the first exchange (run 0's, and each
 * case's) — drawn with plot.h.
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
/* The times of a sweep in one plot, when outputs.metric lists two or more
 * headlines (`metric`, then `more`) and every one is a time: each
 * headline's curves as figures_sweep draws them, named "<headline>,
 * <compare value>" (one curve named "<headline>" when every compare value
 * gives the same), each beside its formula, as times.dat, .gp, .png,
 * .svg. Nothing is drawn otherwise (*plotted false). */
bool figures_times(const scenario *sc, run_result *const *res, const char *metric, const GPtrArray *more,
                   const char *title, const char *dir, bool *plotted, GError **err);
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
/* The time-space diagram of run `r` as timeline.dat, .gp, .png, .svg.
 * Nothing is drawn (and *drawn is false) when `r` has no timeline. */
bool figures_timeline(const scenario *sc, const run_result *r, const char *dir, bool *drawn, GError **err);
/* The time-space diagrams of a plan: timeline.png from run 0
 * (figures_timeline) and, when the plan is a list of cases alone, one per
 * case whose run has a timeline (the first PLAN_MAX_TIMELINES cases:
 * plan_timeline_runs), timeline-<slug>.png (figures_case_slugs) titled
 * with the case's label. *drawn counts the figures gnuplot rendered.
 * O(cases x arrows). */
bool figures_timelines(const scenario *sc, run_result *const *res, const char *dir, guint *drawn, GError **err);
/* The file-name slugs of `n` case labels, in order: a label in lower
 * case, its ASCII letters and digits kept and every run of other bytes
 * one '-' (none at either end; at most FIGURES_SLUG_MAX bytes; "case"
 * when nothing is left), then "-2", "-3"... after a slug an earlier case
 * took. A NULL-terminated array the caller frees (g_strfreev).
 * O(total bytes of the labels) when the slugs differ (a hash set of the
 * taken ones); a slug taken m times tries m suffixes. */
#define FIGURES_SLUG_MAX 64
gchar **figures_case_slugs(const char *const *labels, guint n);
/* The empirical CDF of one column of a CSV file of the runs (outputs.cdf,
 * `file` and `column`): one staircase per run (the first FIGURES_CDF_RUNS
 * runs), x the column's values sorted, y the fraction of the run's rows
 * at or below x, from (0, 0); a cell that is empty, not a number or
 * negative (a time that never came: the CSV files write -1 or nothing) is
 * a row never done, so that curve ends below 1. Curves are named by the
 * run's coordinates ("N = 5", "links.access.delay = 50ms, persistent"),
 * "simulated" for a single run. With `by` (outputs.cdf_by, a column of
 * the same file), one staircase per value of that column in each run, in
 * the order the values first appear, its rows alone counted (a value
 * whose rows all say "n/a" gets none) ("app =
 * fast", or "N = 5, app = fast" when there are several runs); at most
 * FIGURES_CDF_RUNS curves in all. Written as cdf.dat, .gp, .png, .svg;
 * *drawn says whether gnuplot drew it. O(rows log rows) per run, and
 * O(rows) more per value of `by`. */
#define FIGURES_CDF_RUNS 16
bool figures_cdf(const scenario *sc, run_result *const *res, const char *file, const char *column, const char *by,
                 const char *title, const char *dir, bool *drawn, GError **err);
/* One column of a CSV file of the runs against another (outputs.lines:
 * `file`, `xcol`, `ycol`): for each run (the first FIGURES_CDF_RUNS), the
 * rows whose two cells are numbers, in the file's order, drawn as a
 * staircase (a row's y holds until the next row's x: bins that start at
 * x). Curves are named as figures_cdf's. Written as <ycol>.dat, .gp,
 * .png, .svg; *drawn says whether gnuplot drew it. O(rows) per run. */
bool figures_lines(const scenario *sc, run_result *const *res, const char *file, const char *xcol, const char *ycol,
                   const char *title, const char *dir, bool *drawn, GError **err);
/* A number for the x axis of a swept value ("50ms" -> 50, unit "ms"). */
bool figures_axis_number(const char *label, double *x, const char **unit);

#endif
