/*
 * Tests of sim_reschedule, the lazy timer of sim/: an event moved to a
 * later time keeps its place in the queue and only records the new time,
 * and must still run at exactly that time and in the order that cancelling
 * it and scheduling it again would give.
 *
 * The reference is the eager timer: sim_cancel then sim_schedule_at. Two
 * simulations run the same random program, one with each timer, and every
 * event appends what it is and when it ran to a log: the logs must be
 * byte-identical. The program re-arms timers later, earlier and at the
 * same time, stops and re-arms them, cancels other events, and schedules
 * on a coarse grid of times so that timers and other events often share
 * an instant. Variants cross the wrap of the scheduling counter (the queue
 * is renumbered with postponed timers in it), compact the queue, and run
 * in slices with sim_run_limit.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_internal.h"
#include "sim/sim_rng.h"
#include "test_util.h"

#define TIMERS 8
#define OTHERS 64 /* recent other events, some of which get cancelled */
#define WRAP_EVERY 500

typedef struct world world;

typedef struct {
    world *w;
    int k;
    sim_event_id id;
    sim_time_t deadline;
    bool armed;
} timer;

struct world {
    sim_t *sim;
    sim_rng_t rng;
    bool lazy;
    double cancel_share; /* of operations that cancel another event */
    bool wrap;           /* bring the scheduling counter near its wrap every WRAP_EVERY schedules */
    uint64_t jumped_at;  /* the budget at the last jump */
    timer t[TIMERS];
    sim_event_id others[OTHERS];
    GString *log;
    uint64_t budget; /* schedules left */
    uint64_t label;
    uint64_t wrong;
    uint64_t kept;    /* re-arms that kept their handle (lazy) */
    uint64_t earlier; /* re-arms to before the pending deadline */
};

static void act(world *w);

static void other_fire(sim_t *sim, void *ctx, void *arg)
{
    world *w = ctx;
    g_string_append_printf(w->log, "%" G_GINT64_FORMAT " o%" G_GUINT64_FORMAT "\n", sim_now(sim),
                           (uint64_t)GPOINTER_TO_SIZE(arg));
    act(w);
}

static void timer_fire(sim_t *sim, void *ctx, void *arg)
{
    (void)arg;
    timer *t = ctx;
    world *w = t->w;
    if (!t->armed || sim_now(sim) != t->deadline)
        w->wrong++;
    t->armed = false;
    t->id = SIM_EVENT_NONE;
    g_string_append_printf(w->log, "%" G_GINT64_FORMAT " t%d\n", sim_now(sim), t->k);
    act(w);
}

/* A delay on a 10 ns grid, 0 included, so that instants are often shared. */
static sim_time_t grid_delay(world *w) { return 10 * (sim_time_t)sim_rng_below(&w->rng, 40); }

static void timer_arm(world *w, timer *t, sim_time_t at)
{
    if (t->armed && at < t->deadline)
        w->earlier++;
    if (w->lazy) {
        sim_event_id old = t->id;
        t->id = sim_reschedule(w->sim, t->id, at, timer_fire, t, NULL);
        if (old && t->id == old)
            w->kept++;
    } else {
        sim_cancel(w->sim, t->id);
        t->id = sim_schedule_at(w->sim, at, timer_fire, t, NULL);
    }
    t->armed = true;
    t->deadline = at;
}

static void timer_stop(world *w, timer *t)
{
    bool was = sim_cancel(w->sim, t->id);
    if (was != t->armed)
        w->wrong++;
    t->id = SIM_EVENT_NONE;
    t->armed = false;
}

static void other_schedule(world *w)
{
    uint64_t label = w->label++;
    sim_event_id id = sim_schedule_in(w->sim, grid_delay(w), other_fire, w, GSIZE_TO_POINTER((gsize)label));
    w->others[label % OTHERS] = id;
}

/* One to four random operations, drawn the same way in both worlds as long
 * as their events run in the same order. */
static void act(world *w)
{
    uint64_t n = 1 + sim_rng_below(&w->rng, 4);
    for (uint64_t i = 0; i < n && w->budget > 0; i++) {
        /* Each schedule or re-arm takes one seq in either world, and at
         * least WRAP_EVERY were made since the last jump, so the counter
         * wrapped (and the queue was renumbered) since: the jump is forward. */
        if (w->wrap && w->budget % WRAP_EVERY == 0 && w->budget != w->jumped_at) {
            sim_internal_set_seq(w->sim, UINT32_MAX - 100);
            w->jumped_at = w->budget;
        }
        timer *t = &w->t[sim_rng_below(&w->rng, TIMERS)];
        double u = sim_rng_unit(&w->rng);
        if (u < 0.45) { /* re-arm: mostly later (an ACK pushing the RTO back), sometimes earlier */
            timer_arm(w, t, sim_now(w->sim) + grid_delay(w) + (sim_rng_bernoulli(&w->rng, 0.7) ? 200 : 0));
            w->budget--;
        } else if (u < 0.55) {
            timer_stop(w, t);
        } else if (u < 0.55 + w->cancel_share) {
            sim_event_id id = w->others[sim_rng_below(&w->rng, OTHERS)];
            g_string_append_c(w->log, sim_cancel(w->sim, id) ? 'c' : 'n');
        } else if (u < 0.9) {
            other_schedule(w);
            w->budget--;
        } else { /* what the engine says of the timer */
            if (sim_event_pending(w->sim, t->id) != t->armed)
                w->wrong++;
            if (sim_event_time(w->sim, t->id) != (t->armed ? t->deadline : -1))
                w->wrong++;
        }
    }
    /* keep something going until the budget is spent */
    if (w->budget > 0 && sim_events_pending(w->sim) < 4) {
        other_schedule(w);
        w->budget--;
    }
}

typedef struct {
    uint64_t seed;
    uint64_t budget;
    double cancel_share;
    bool wrap;   /* wrap the scheduling counter again and again */
    bool slices; /* run with sim_run_limit in random slices */
} program;

static void world_run(world *w, const program *pr, bool lazy)
{
    memset(w, 0, sizeof *w);
    w->sim = sim_new(pr->seed);
    sim_rng_init(&w->rng, pr->seed, "reschedule");
    w->lazy = lazy;
    w->cancel_share = pr->cancel_share;
    w->wrap = pr->wrap;
    w->budget = pr->budget;
    w->log = g_string_new(NULL);
    for (int k = 0; k < TIMERS; k++)
        w->t[k] = (timer){.w = w, .k = k};
    if (pr->wrap)
        sim_internal_set_seq(w->sim, UINT32_MAX - 5000);
    for (int i = 0; i < 16; i++)
        other_schedule(w);
    if (!pr->slices) {
        CU_ASSERT_EQUAL(sim_run(w->sim), SIM_RUN_EMPTY);
    } else {
        sim_rng_t slices;
        sim_rng_init(&slices, pr->seed, "slices");
        sim_time_t limit = 0;
        while (sim_events_pending(w->sim) > 0) {
            limit += (sim_time_t)sim_rng_below(&slices, 300);
            sim_run_limit(w->sim, limit);
            g_string_append_printf(w->log, "limit %" G_GINT64_FORMAT " now %" G_GINT64_FORMAT "\n", limit,
                                   sim_now(w->sim));
        }
    }
    g_string_append_printf(w->log, "executed %" G_GUINT64_FORMAT " clamped %" G_GUINT64_FORMAT "\n",
                           sim_events_executed(w->sim), sim_clamped_events(w->sim));
}

static void world_clear(world *w)
{
    sim_free(w->sim);
    g_string_free(w->log, TRUE);
}

/* Runs `pr` with both timers and compares the logs; checks that the lazy
 * path was taken and that re-arms to earlier times happened. */
static void compare(const program *pr)
{
    world lazy, eager;
    world_run(&lazy, pr, true);
    world_run(&eager, pr, false);
    CU_ASSERT_EQUAL(lazy.wrong, 0);
    CU_ASSERT_EQUAL(eager.wrong, 0);
    CU_ASSERT_EQUAL(lazy.log->len, eager.log->len);
    CU_ASSERT_STRING_EQUAL(lazy.log->str, eager.log->str);
    if (lazy.log->len != eager.log->len || strcmp(lazy.log->str, eager.log->str) != 0) {
        gsize i = 0;
        while (i < lazy.log->len && i < eager.log->len && lazy.log->str[i] == eager.log->str[i])
            i++;
        fprintf(stderr, "logs differ at byte %zu of %zu\n", (size_t)i, (size_t)lazy.log->len);
    }
    /* The program did what it is meant to test. */
    CU_ASSERT_TRUE(lazy.kept > pr->budget / 10);
    CU_ASSERT_TRUE(lazy.earlier > pr->budget / 100);
    CU_ASSERT_TRUE(sim_events_executed(lazy.sim) > pr->budget / 2);
    world_clear(&lazy);
    world_clear(&eager);
}

static void test_random_against_eager(void)
{
    for (uint64_t seed = 1; seed <= 4; seed++)
        compare(&(program){.seed = seed, .budget = 100000, .cancel_share = 0.05});
}

static void test_random_with_slices(void)
{
    compare(&(program){.seed = 11, .budget = 50000, .cancel_share = 0.05, .slices = true});
}

static void test_random_across_seq_wrap(void)
{
    compare(&(program){.seed = 21, .budget = 50000, .cancel_share = 0.05, .wrap = true});
    compare(&(program){.seed = 22, .budget = 50000, .cancel_share = 0.05, .wrap = true, .slices = true});
}

/* Cancels outnumber live events at times: the queue is compacted with
 * postponed timers in it. */
static void test_random_with_compaction(void)
{
    compare(&(program){.seed = 31, .budget = 100000, .cancel_share = 0.3});
}

static void log_int(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    g_array_append_val((GArray *)ctx, *(const int *)arg);
}

/* Ties at the new deadline: an event scheduled there before the re-arm
 * runs first, one scheduled after it runs after, as with cancel and
 * schedule; the wake-up at the old deadline is not an event. */
static void test_ties_and_clock(void)
{
    static const int A = 1, B = 2, T = 3, C = 4, D = 5;
    GArray *order = g_array_new(FALSE, FALSE, sizeof(int));
    sim_t *sim = sim_new(1);
    sim_schedule_at(sim, 100, log_int, order, (void *)&A);
    sim_event_id t = sim_schedule_at(sim, 50, log_int, order, (void *)&D); /* retargeted below */
    sim_schedule_at(sim, 100, log_int, order, (void *)&B);
    CU_ASSERT_EQUAL(sim_reschedule(sim, t, 100, log_int, order, (void *)&T), t); /* later: same handle */
    sim_schedule_at(sim, 100, log_int, order, (void *)&C);
    CU_ASSERT_TRUE(sim_event_pending(sim, t));
    CU_ASSERT_EQUAL(sim_event_time(sim, t), 100);
    CU_ASSERT_EQUAL(sim_events_pending(sim), 4);

    /* Passing the old deadline runs nothing and leaves the clock alone. */
    CU_ASSERT_EQUAL(sim_run_limit(sim, 60), SIM_RUN_LIMIT);
    CU_ASSERT_EQUAL(sim_now(sim), 0);
    CU_ASSERT_EQUAL(sim_events_executed(sim), 0);
    CU_ASSERT_EQUAL(order->len, 0);
    CU_ASSERT_TRUE(sim_event_pending(sim, t));

    CU_ASSERT_EQUAL(sim_run(sim), SIM_RUN_EMPTY);
    int want[] = {A, B, T, C};
    CU_ASSERT_EQUAL(order->len, 4);
    for (guint i = 0; i < order->len && i < 4; i++)
        CU_ASSERT_EQUAL(g_array_index(order, int, i), want[i]);
    CU_ASSERT_EQUAL(sim_events_executed(sim), 4);
    CU_ASSERT_FALSE(sim_event_pending(sim, t));
    sim_free(sim);
    g_array_free(order, TRUE);
}

/* The event's id, then the time it ran at, into the GArray of ints ctx. */
static void log_int_time(sim_t *sim, void *ctx, void *arg)
{
    int t = (int)sim_now(sim);
    g_array_append_val((GArray *)ctx, *(const int *)arg);
    g_array_append_val((GArray *)ctx, t);
}

/* A re-arm to a time earlier than a pending postponement, at the call
 * that renumbers the sequence counter: the renumbering moves the entry to
 * its postponed time first, so the re-arm must be a cancel and schedule:
 * A at 50, then B at 60 and C at 90, as the eager form gives (before the
 * fix A ran last, with the clock going back from 90 to 50). */
static void test_earlier_at_renumber(void)
{
    static const int A = 1, B = 2, C = 3;
    GArray *order = g_array_new(FALSE, FALSE, sizeof(int));
    sim_t *sim = sim_new(1);
    sim_event_id a = sim_schedule_at(sim, 10, log_int_time, order, (void *)&A);
    sim_schedule_at(sim, 60, log_int_time, order, (void *)&B);
    sim_schedule_at(sim, 90, log_int_time, order, (void *)&C);
    CU_ASSERT_EQUAL(sim_reschedule(sim, a, 100, log_int_time, order, (void *)&A), a);
    sim_internal_set_seq(sim, UINT32_MAX);
    a = sim_reschedule(sim, a, 50, log_int_time, order, (void *)&A);
    CU_ASSERT_EQUAL(sim_event_time(sim, a), 50);
    CU_ASSERT_EQUAL(sim_run(sim), SIM_RUN_EMPTY);
    int want[] = {A, 50, B, 60, C, 90};
    CU_ASSERT_EQUAL(order->len, 6);
    for (guint i = 0; i < order->len && i < 6; i++)
        CU_ASSERT_EQUAL(g_array_index(order, int, i), want[i]);
    CU_ASSERT_EQUAL(sim_now(sim), 90);
    sim_free(sim);
    g_array_free(order, TRUE);
}

/* Earlier, stopped, stale: a new handle, and the old one is dead. */
static void test_earlier_and_stopped(void)
{
    static const int X = 1, Y = 2;
    GArray *order = g_array_new(FALSE, FALSE, sizeof(int));
    sim_t *sim = sim_new(1);
    sim_event_id t = sim_schedule_at(sim, 100, log_int, order, (void *)&X);
    sim_event_id later = sim_reschedule(sim, t, 300, log_int, order, (void *)&X);
    CU_ASSERT_EQUAL(later, t);
    /* Earlier than the queued entry (100): moved for real. */
    sim_event_id early = sim_reschedule(sim, later, 40, log_int, order, (void *)&X);
    CU_ASSERT_NOT_EQUAL(early, t);
    CU_ASSERT_FALSE(sim_event_pending(sim, t));
    CU_ASSERT_EQUAL(sim_event_time(sim, early), 40);
    /* Earlier than the new deadline but not than the entry: still lazy. */
    sim_event_id again = sim_reschedule(sim, early, 250, log_int, order, (void *)&X);
    CU_ASSERT_EQUAL(again, early);
    CU_ASSERT_EQUAL(sim_reschedule(sim, again, 200, log_int, order, (void *)&X), early);
    CU_ASSERT_EQUAL(sim_event_time(sim, early), 200);
    /* Stopped, then re-armed: a stale handle schedules anew. */
    CU_ASSERT_TRUE(sim_cancel(sim, early));
    CU_ASSERT_FALSE(sim_cancel(sim, early));
    CU_ASSERT_EQUAL(sim_events_pending(sim), 0);
    sim_event_id re = sim_reschedule(sim, early, 120, log_int, order, (void *)&Y);
    CU_ASSERT_NOT_EQUAL(re, early);
    CU_ASSERT_EQUAL(sim_event_time(sim, re), 120);
    CU_ASSERT_EQUAL(sim_run(sim), SIM_RUN_EMPTY);
    CU_ASSERT_EQUAL(order->len, 1);
    if (order->len == 1)
        CU_ASSERT_EQUAL(g_array_index(order, int, 0), Y);
    CU_ASSERT_EQUAL(sim_now(sim), 120);
    CU_ASSERT_EQUAL(sim_events_executed(sim), 1);
    sim_free(sim);
    g_array_free(order, TRUE);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_ties_and_clock),         TEST(test_earlier_and_stopped),   TEST(test_earlier_at_renumber),
        TEST(test_random_against_eager),   TEST(test_random_with_slices),
        TEST(test_random_across_seq_wrap), TEST(test_random_with_compaction),
    };
    return test_main("sim/reschedule", tests, G_N_ELEMENTS(tests));
}
