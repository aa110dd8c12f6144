/*
 * Tests of sim/'s event queue against a reference: random schedules and
 * cancels, most of them made from inside running events, with the order
 * every event runs in checked against the smallest (time, scheduling order)
 * of a plain list of what is pending.
 *
 * The queue lets the event that runs keep its place at the root until the
 * first event it schedules takes it; these tests reach that path with
 * schedules, cancels that compact the queue, stops and time limits made
 * while an event is running.
 */
#include <glib.h>

#include "sim/sim.h"
#include "sim/sim_rng.h"
#include "test_util.h"

typedef struct {
    sim_time_t time;
    uint64_t seq; /* the order schedules were made in */
    sim_event_id id;
    bool live;
} ref_event;

typedef struct {
    sim_t *sim;
    sim_rng_t rng;
    GArray *events;   /* ref_event, indexed by the event's arg - 1 */
    GArray *pending;  /* indices of the live events, in no order */
    uint64_t seq;
    uint64_t ran;
    uint64_t budget;  /* schedules left before the model lets the queue drain */
    uint64_t wrong;   /* events that ran out of order, or bookkeeping that disagreed */
    uint32_t target;  /* the pending count the model hovers around */
    bool stop_sometimes;
} queue_model;

static void model_event(sim_t *sim, void *ctx, void *arg);

static void model_schedule(queue_model *m, sim_time_t delay)
{
    ref_event e = {.time = sim_now(m->sim) + delay, .seq = m->seq++, .live = true};
    guint index = m->events->len;
    e.id = sim_schedule_in(m->sim, delay, model_event, m, GUINT_TO_POINTER(index + 1));
    g_array_append_val(m->events, e);
    g_array_append_val(m->pending, index);
    if (m->budget)
        m->budget--;
}

/* Removes position `p` of the pending list (the order there does not matter). */
static void pending_remove(queue_model *m, guint p)
{
    g_array_index(m->pending, guint, p) = g_array_index(m->pending, guint, m->pending->len - 1);
    g_array_set_size(m->pending, m->pending->len - 1);
}

static void model_cancel_at(queue_model *m, guint p)
{
    ref_event *e = &g_array_index(m->events, ref_event, g_array_index(m->pending, guint, p));
    if (!sim_cancel(m->sim, e->id))
        m->wrong++;
    if (sim_cancel(m->sim, e->id)) /* a second cancel is a no-op */
        m->wrong++;
    e->live = false;
    pending_remove(m, p);
}

/* A delay: often zero (a tie with the running event), often small (ties
 * among the new events), sometimes long. */
static sim_time_t model_delay(queue_model *m)
{
    switch (sim_rng_below(&m->rng, 4)) {
    case 0:
        return 0;
    case 1:
        return (sim_time_t)sim_rng_below(&m->rng, 3);
    case 2:
        return (sim_time_t)sim_rng_below(&m->rng, 1000);
    default:
        return (sim_time_t)sim_rng_below(&m->rng, 100000);
    }
}

static void model_event(sim_t *sim, void *ctx, void *arg)
{
    queue_model *m = ctx;
    guint index = GPOINTER_TO_UINT(arg) - 1;
    /* The event due first in the reference, and where it sits in the list. */
    guint best = G_MAXUINT, best_p = 0;
    for (guint p = 0; p < m->pending->len; p++) {
        guint i = g_array_index(m->pending, guint, p);
        const ref_event *e = &g_array_index(m->events, ref_event, i);
        if (best == G_MAXUINT) {
            best = i;
            best_p = p;
            continue;
        }
        const ref_event *b = &g_array_index(m->events, ref_event, best);
        if (e->time < b->time || (e->time == b->time && e->seq < b->seq)) {
            best = i;
            best_p = p;
        }
    }
    ref_event *self = &g_array_index(m->events, ref_event, index);
    if (best != index || !self->live || sim_now(sim) != self->time || sim_event_pending(sim, self->id))
        m->wrong++;
    if (best != G_MAXUINT) {
        g_array_index(m->events, ref_event, best).live = false;
        pending_remove(m, best_p);
    }
    m->ran++;
    if (sim_events_pending(sim) != m->pending->len)
        m->wrong++;

    uint64_t roll = sim_rng_below(&m->rng, 100);
    if (roll < 3 && m->pending->len > 8) {
        /* Cancel all but a few: enough dead entries to compact the queue
         * while this event's entry is still at its root. */
        while (m->pending->len > 4)
            model_cancel_at(m, (guint)sim_rng_below(&m->rng, m->pending->len));
    } else if (roll < 30 && m->pending->len > 0) {
        model_cancel_at(m, (guint)sim_rng_below(&m->rng, m->pending->len));
    }
    /* Schedule more when below the target, fewer above it. */
    uint64_t want = m->pending->len < m->target ? 1 + sim_rng_below(&m->rng, 3) : sim_rng_below(&m->rng, 2);
    for (uint64_t k = 0; k < want && m->budget; k++)
        model_schedule(m, model_delay(m));
    if (m->pending->len > 0) { /* a pending event knows its time */
        const ref_event *e = &g_array_index(m->events, ref_event,
                                            g_array_index(m->pending, guint, sim_rng_below(&m->rng, m->pending->len)));
        if (sim_event_time(sim, e->id) != e->time)
            m->wrong++;
    }
    if (sim_events_pending(sim) != m->pending->len)
        m->wrong++;
    if (m->stop_sometimes && sim_rng_below(&m->rng, 50) == 0)
        sim_stop(sim);
}

static void model_init(queue_model *m, uint64_t seed, uint32_t target, uint64_t budget)
{
    m->sim = sim_new(seed);
    sim_rng_init(&m->rng, seed, "test:queue");
    m->events = g_array_new(FALSE, FALSE, sizeof(ref_event));
    m->pending = g_array_new(FALSE, FALSE, sizeof(guint));
    m->seq = m->ran = m->wrong = 0;
    m->budget = budget;
    m->target = target;
    m->stop_sometimes = false;
    for (uint32_t i = 0; i < target; i++)
        model_schedule(m, model_delay(m));
}

static void model_clear(queue_model *m)
{
    sim_free(m->sim);
    g_array_free(m->events, TRUE);
    g_array_free(m->pending, TRUE);
}

/* Runs until empty; every event ran once, in the reference order. */
static void check_model(uint64_t seed, uint32_t target, uint64_t budget)
{
    queue_model m;
    model_init(&m, seed, target, budget);
    CU_ASSERT_EQUAL(sim_run(m.sim), SIM_RUN_EMPTY);
    CU_ASSERT_EQUAL(m.wrong, 0);
    CU_ASSERT_EQUAL(m.pending->len, 0);
    CU_ASSERT_EQUAL(sim_events_pending(m.sim), 0);
    CU_ASSERT(m.ran > budget / 4);
    CU_ASSERT(m.ran <= m.seq);
    model_clear(&m);
}

static void test_random_small(void)
{
    for (uint64_t seed = 1; seed <= 20; seed++)
        check_model(seed, 5, 2000);
}

static void test_random_large(void)
{
    check_model(77, 300, 40000);
    check_model(78, 1000, 30000);
}

/* Stops and time limits taken while an event runs leave the queue whole:
 * the runs that follow carry on in the reference order. */
static void test_random_stops_and_limits(void)
{
    queue_model m;
    model_init(&m, 5, 200, 30000);
    m.stop_sometimes = true;
    int stops = 0, limits = 0;
    for (int round = 0; round < 100000; round++) {
        sim_run_result r;
        if (round % 2)
            r = sim_run(m.sim);
        else
            r = sim_run_until(m.sim, sim_now(m.sim) + 5000);
        stops += r == SIM_RUN_STOPPED;
        limits += r == SIM_RUN_LIMIT;
        CU_ASSERT_EQUAL(sim_events_pending(m.sim), m.pending->len);
        if (r == SIM_RUN_EMPTY)
            break;
    }
    CU_ASSERT_EQUAL(sim_events_pending(m.sim), 0);
    CU_ASSERT_EQUAL(m.wrong, 0);
    CU_ASSERT(stops > 10);
    CU_ASSERT(limits > 10);
    model_clear(&m);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_random_small),
        TEST(test_random_large),
        TEST(test_random_stops_and_limits),
    };
    return test_main("sim/queue", tests, G_N_ELEMENTS(tests));
}
