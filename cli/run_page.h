/*
 * run_page: index.html of `appsim run` (plots/html_report.h), with the
 * command that reproduces the run: the scenario as the user named it and
 * the options that change the results (--seed, --set, --timeline, --pcap,
 * --transcript-run), each quoted for a POSIX shell when it needs it; not
 * -o, -j, the budgets or the progress line, so that the same run into two
 * folders gives the same page.
 *
 * Ownership: everything is borrowed.
 */
#ifndef APPSIM_RUN_PAGE_H
#define APPSIM_RUN_PAGE_H

#include "world/plan.h"

typedef struct {
    const char *file;          /* the scenario, as typed */
    gint64 seed;               /* --seed, or -1 */
    const char *const *sets;   /* --set values (NULL-ended, may be NULL) */
    bool timeline, pcap;
    gint transcript_run;       /* 0: the default */
} run_page_args;

/* The command line (a new string). */
char *run_page_command(const run_page_args *a);
/* Writes `dir`/index.html: the run's results `res`, `table` (what
 * `appsim run` printed about them) and the command. */
bool run_page_write(const scenario *sc, run_result *const *res, const run_page_args *a, const char *table,
                    const char *dir, GError **err);

#endif
