/* run_watch: the progress line and Ctrl-C of `appsim run`. */
#define _POSIX_C_SOURCE 200809L /* sigaction */

#include "run_watch.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

/* The signal that arrived, set by the handler (read from any thread). */
static volatile sig_atomic_t got_signal;
static struct sigaction old_int, old_term;
static bool installed;

static void on_signal(int sig) { got_signal = sig; }

void run_watch_init(run_watch *w, bool draw)
{
    memset(w, 0, sizeof *w);
    w->draw = draw;
    w->started = g_get_monotonic_time();
    got_signal = 0;
}

void run_watch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND; /* one-shot: a second Ctrl-C ends the program */
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    installed = true;
}

void run_watch_end_line(run_watch *w)
{
    if (w->drawn) {
        fprintf(stderr, "\n");
        w->drawn = false;
    }
    w->draw = false;
}

void run_watch_stop(run_watch *w)
{
    if (installed) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        installed = false;
    }
    run_watch_end_line(w);
}

bool run_watch_cancelled(void *ud)
{
    (void)ud;
    return got_signal != 0;
}

int run_watch_signal(void) { return got_signal; }

void run_watch_progress(void *ud, const plan_progress *p)
{
    run_watch *w = ud;
    double wall = (double)(g_get_monotonic_time() - w->started) / 1e6;
    if (!w->draw || (wall * 1e3 < RUN_WATCH_DELAY_MS && !w->drawn))
        return;
    int width = 20, filled = (int)(width * (double)p->done / MAX(p->total, 1u));
    fprintf(stderr,
            "\r[%.*s%*s] %u/%u runs, %.3g events, %.4g simulated s, %.1f s wall (%.3g events/s) ", filled,
            "####################", width - filled, "", p->done, p->total, (double)p->events, p->simulated_s, wall,
            wall > 0 ? (double)p->events / wall : 0.0);
    fflush(stderr);
    w->drawn = true;
}
