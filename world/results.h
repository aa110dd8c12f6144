/*
 * results: a plan's results as files — summary.json (the scenario as run,
 * and every run's parameters, figures and fingerprint), each application
 * type's CSV file (requests.csv for browsers, ...), links.csv — and the
 * results folder, written aside and swapped into place whole.
 *
 * Safety: a results folder carries a marker file (RESULTS_MARKER). appsim
 * replaces a folder only when it is absent, empty, or carries the marker,
 * and never follows a symbolic link while removing; anything else is
 * refused with RESULTS_ERROR_NOT_OURS before any run starts. The
 * temporary folder "<dir>.tmp-<pid>" (and "<dir>.old-<pid>" during the
 * swap) carries the marker from its creation, so a later run removes the
 * ones a killed run left behind: those whose process is gone.
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

#define RESULTS_MARKER ".appsim-results"

#define RESULTS_ERROR (results_error_quark())
GQuark results_error_quark(void);
typedef enum {
    RESULTS_ERROR_NOT_OURS, /* the destination is not a folder appsim may replace */
    RESULTS_ERROR_IO,       /* a file or folder could not be written or moved */
} results_error_code;

/* Whether `dir` may be replaced by a run's results: it does not exist, is
 * an empty folder, or is an appsim results folder (holds RESULTS_MARKER);
 * never a symbolic link. */
bool results_check_dest(const char *dir, GError **err);
/* Removes the temporary folders killed runs left beside `dir`
 * ("<dir>.tmp-<pid>", "<dir>.old-<pid>" holding the marker, whose process
 * is gone). Returns how many. */
guint results_clean_stale(const char *dir);
/* Checks `dir` (results_check_dest), removes stale temporary folders, and
 * makes a new folder "<dir>.tmp-<pid>" beside it (its parents made) with
 * the marker in it. */
char *results_begin(const char *dir, GError **err);
/* Replaces `dir` with `tmp` (the old `dir` is removed only once `tmp` is
 * in place), after checking `dir` again. */
bool results_commit(const char *tmp, const char *dir, GError **err);
/* Removes a folder and what is in it; a symbolic link is removed, never
 * followed (`path` itself included). */
void results_remove_tree(const char *path);

#endif
