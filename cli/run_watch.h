/*
 * run_watch: what `appsim run` shows and hears while a plan runs — the
 * progress line on stderr (runs done, events, simulated time, wall time)
 * and Ctrl-C.
 *
 * The progress line is drawn when asked (a terminal, or --progress), at
 * most every PLAN_PROGRESS_MS, and only once the plan has run for
 * RUN_WATCH_DELAY_MS, so that a quick run prints nothing.
 *
 * Signals: while watched, SIGINT and SIGTERM set a flag the plan polls
 * between slices of every run (run_watch_cancelled); the runs stop, the
 * caller removes its temporary folder and exits with 128 + the signal's
 * number (130 for Ctrl-C). The handlers are one-shot: a second Ctrl-C
 * ends the program at once (a later run then removes what it left,
 * results.h).
 */
#ifndef APPSIM_RUN_WATCH_H
#define APPSIM_RUN_WATCH_H

#include <stdbool.h>

#include "world/plan.h"

#define RUN_WATCH_DELAY_MS 500

typedef struct {
    bool draw;            /* draw the progress line */
    bool drawn;           /* a line is on the screen */
    gint64 started;       /* monotonic us */
} run_watch;

void run_watch_init(run_watch *w, bool draw);
/* Installs the SIGINT and SIGTERM handlers; run_watch_stop restores them
 * and ends the progress line. */
void run_watch_signals(void);
void run_watch_stop(run_watch *w);
/* Ends the progress line (a newline when one was drawn); draws no more. */
void run_watch_end_line(run_watch *w);
/* The plan's progress callback (plan_options.progress, ud = the watch). */
void run_watch_progress(void *ud, const plan_progress *p);
/* The plan's cancel callback: a signal arrived. */
bool run_watch_cancelled(void *ud);
/* The signal that arrived (0: none). */
int run_watch_signal(void);

#endif
