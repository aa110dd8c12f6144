/*
 * report: the report of `appsim run` on stdout and in index.html (and the plot
 * of a sweep).
 */
#ifndef APPSIM_REPORT_H
#define APPSIM_REPORT_H

#include "world/plan.h"

/* The report of a plan's results, appended to `out` (what `appsim run`
 * prints, and index.html shows); a sweep's plot goes to `dir` (`plotted`
 * says whether gnuplot drew it). False only when a figure's files cannot
 * be written. */
bool report_print(GString *out, const scenario *sc, run_result *const *res, const scn_run *r0, const char *metric,
                  const char *title, const char *dir, bool *plotted, GError **err);

#endif
