/*
 * html_report: index.html, the one page of a results folder that a
 * student opens, prints or hands in. It is written last, from what the
 * run already put in the folder and from the plan's results: the
 * scenario's description and its JSON as run, the table `appsim run`
 * printed (the textbook's values beside the simulated ones), every
 * figure gnuplot drew (each .svg inline: the plots, the where-the-time-
 * went bars, the time-space diagrams; a figure drawn as PNG alone,
 * outputs.formats ["png"], as an <img> with the PNG inline in a data:
 * URL), links.csv as a table, the
 * transcript (collapsed), each run's fingerprint and the command that
 * reproduces the run.
 *
 * The page is self-contained: no script, and a Content-Security-Policy
 * that forbids loading anything (styles are inline, figures are inline
 * SVG, or PNG in data: URLs). Everything that comes from the scenario, the transcript or a CSV
 * file is HTML-escaped (invalid UTF-8 replaced, control bytes shown as
 * '?'). The same folder gives the same bytes: no date, no absolute path,
 * files taken in name order. It is written to a temporary file renamed
 * into place (g_file_set_contents).
 *
 * The parts of the page that come from the run and not from the folder's
 * files (title and description, the command, the results table, the
 * fingerprints, the scenario as run) are kept, already escaped, in the
 * hidden file HTML_REPORT_PARTS beside it (a GKeyFile), so that
 * html_report_rewrite can write the page again from the folder alone
 * after `appsim plot` has redrawn its figures: the same folder gives the
 * same page, byte for byte, whichever of the two wrote it.
 *
 * Cost: O(size of the files it includes); links.csv and the runs'
 * fingerprints are shown up to HTML_REPORT_MAX_ROWS rows, the transcript
 * and the scenario up to HTML_REPORT_MAX_TEXT bytes (the page says what
 * it left out).
 *
 * Ownership: everything is borrowed; nothing is kept.
 */
#ifndef APPSIM_HTML_REPORT_H
#define APPSIM_HTML_REPORT_H

#include "world/plan.h"

#define HTML_REPORT_MAX_ROWS 500
#define HTML_REPORT_MAX_TEXT (1024 * 1024)

typedef struct {
    const char *table;   /* what `appsim run` printed about the results */
    const char *command; /* the command line that reproduces the run, as the user
                            would type it */
    const char *version; /* appsim's version */
} html_report_info;

#define HTML_REPORT_PARTS ".appsim-page"

#define HTML_REPORT_ERROR (html_report_error_quark())
GQuark html_report_error_quark(void);
typedef enum {
    HTML_REPORT_ERROR_NO_PARTS,  /* the folder has no HTML_REPORT_PARTS */
    HTML_REPORT_ERROR_BAD_PARTS, /* it does not read */
} html_report_error_code;

/* Writes `dir`/index.html from the files in `dir` and the plan's
 * results `res`, and HTML_REPORT_PARTS. False (with err) when a file
 * cannot be read or written. */
bool html_report_write(const scenario *sc, run_result *const *res, const html_report_info *info, const char *dir,
                       GError **err);
/* Writes `dir`/index.html again from HTML_REPORT_PARTS and the files now
 * in `dir` (the figures `appsim plot` drew). False with HTML_REPORT_ERROR
 * when the parts are missing or do not read, or with a file error. */
bool html_report_rewrite(const char *dir, GError **err);

#endif
