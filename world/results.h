/*
 * results: a plan's results as files — summary.json (the scenario as run,
 * and every run's parameters, figures and fingerprint), each application
 * type's CSV file (requests.csv for browsers, ...), links.csv — and the
 * results folder, written aside and swapped into place whole.
 *
 * Ownership: nothing is kept; strings returned are new.
 */
#ifndef APPSIM_RESULTS_H
#define APPSIM_RESULTS_H

#include "plan.h"

/* summary.json, the types' CSV files and links.csv into `dir`. `files`
 * (may be NULL) gets their names, comma-separated, for the user. */
bool results_write(const scenario *sc, run_result *const *res, const char *metric, const char *dir, GString *files,
                   GError **err);
bool results_write_text(const char *dir, const char *name, const char *text, GError **err);

/* A new empty folder "<dir>.tmp-<pid>" beside `dir` (its parents made). */
char *results_begin(const char *dir, GError **err);
/* Replaces `dir` with `tmp` (the old `dir` is removed only once `tmp` is
 * in place). */
bool results_commit(const char *tmp, const char *dir, GError **err);
/* Removes a folder and what is in it (links are removed, not followed). */
void results_remove_tree(const char *path);

#endif
