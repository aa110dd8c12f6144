/*
 * Tests of sim/'s event queue on the shapes that stress a bucketed queue:
 * its rungs built and dropped as the pending count grows and shrinks, very
 * many events at one instant, times at 0 and near SIM_TIME_MAX, gaps that
 * grow exponentially, bimodal delays, and cancels in every part of the
 * queue (due soon, far ahead, just after the event that runs).
 *
 * Every test records the order events run in and compares it, event by
 * event, with a plain sort of every event that was scheduled and not
 * cancelled by (time, scheduling order): that is the order the engine
 * promises, since an event can only schedule at or after its own time.
 */
#include <glib.h>
#include <stdlib.h>

#include "sim/sim.h"
#include "sim/sim_internal.h"
#include "sim/sim_rng.h"
#include "test_util.h"

typedef struct {
    sim_time_t time;
    uint64_t seq;
    sim_event_id id;
    bool cancelled;
    bool ran;
} shape_event;

typedef struct shape shape;
/* What an event does when it runs (may be NULL): schedule, cancel. */
typedef void (*shape_step)(shape *sh, guint index);

struct shape {
    sim_t *sim;
    sim_rng_t rng;
    GArray *events; /* shape_event, by index (the event's arg - 1) */
    GArray *log;    /* indices, in the order events ran */
    uint64_t seq;
    uint64_t wrong; /* bookkeeping that disagreed with the reference */
    uint64_t pending;
    shape_step step;
    void *data;
};

static void shape_event_fn(sim_t *sim, void *ctx, void *arg);

static void shape_init(shape *sh, uint64_t seed, shape_step step)
{
    sh->sim = sim_new(seed);
    sim_rng_init(&sh->rng, seed, "test:queue_shapes");
    sh->events = g_array_new(FALSE, FALSE, sizeof(shape_event));
    sh->log = g_array_new(FALSE, FALSE, sizeof(guint));
    sh->seq = sh->wrong = sh->pending = 0;
    sh->step = step;
    sh->data = NULL;
}

static void shape_clear(shape *sh)
{
    sim_free(sh->sim);
    g_array_free(sh->events, TRUE);
    g_array_free(sh->log, TRUE);
}

static guint shape_at(shape *sh, sim_time_t at)
{
    guint index = sh->events->len;
    shape_event e = {.time = at < sim_now(sh->sim) ? sim_now(sh->sim) : at, .seq = sh->seq++};
    e.id = sim_schedule_at(sh->sim, at, shape_event_fn, sh, GUINT_TO_POINTER(index + 1));
    g_array_append_val(sh->events, e);
    sh->pending++;
    return index;
}

static shape_event *shape_get(shape *sh, guint index) { return &g_array_index(sh->events, shape_event, index); }

/* Cancels event `index`; the queue must agree on whether it was pending. */
static void shape_cancel(shape *sh, guint index)
{
    shape_event *e = shape_get(sh, index);
    bool pending = !e->cancelled && !e->ran;
    if (sim_event_pending(sh->sim, e->id) != pending)
        sh->wrong++;
    if (pending && sim_event_time(sh->sim, e->id) != e->time)
        sh->wrong++;
    if (sim_cancel(sh->sim, e->id) != pending)
        sh->wrong++;
    if (sim_cancel(sh->sim, e->id))
        sh->wrong++;
    if (pending) {
        e->cancelled = true;
        sh->pending--;
    }
}

static void shape_event_fn(sim_t *sim, void *ctx, void *arg)
{
    shape *sh = ctx;
    guint index = GPOINTER_TO_UINT(arg) - 1;
    shape_event *e = shape_get(sh, index);
    if (e->cancelled || e->ran || sim_now(sim) != e->time)
        sh->wrong++;
    e->ran = true;
    sh->pending--;
    g_array_append_val(sh->log, index);
    if (sh->step)
        sh->step(sh, index);
    if (sim_events_pending(sim) != sh->pending)
        sh->wrong++;
}

static int cmp_ref(const void *a, const void *b, void *data)
{
    const shape_event *x = shape_get(data, *(const guint *)a), *y = shape_get(data, *(const guint *)b);
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Runs to the end and compares the run order with the reference. Returns
 * the number of events that ran. */
static guint shape_check(shape *sh)
{
    CU_ASSERT_EQUAL(sim_run(sh->sim), SIM_RUN_EMPTY);
    CU_ASSERT_EQUAL(sh->wrong, 0);
    CU_ASSERT_EQUAL(sim_events_pending(sh->sim), 0);
    CU_ASSERT_EQUAL(sh->pending, 0);
    GArray *want = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < sh->events->len; i++)
        if (!shape_get(sh, i)->cancelled)
            g_array_append_val(want, i);
    g_array_sort_with_data(want, cmp_ref, sh);
    CU_ASSERT_EQUAL(want->len, sh->log->len);
    guint mismatches = 0;
    for (guint k = 0; k < want->len && k < sh->log->len; k++)
        mismatches += g_array_index(want, guint, k) != g_array_index(sh->log, guint, k);
    CU_ASSERT_EQUAL(mismatches, 0);
    guint ran = sh->log->len;
    g_array_free(want, TRUE);
    return ran;
}

/* A delay drawn from the distribution named by `kind`. */
typedef enum { D_EXP, D_SAME, D_BIMODAL, D_GROWING, D_UNIFORM_HUGE, D__COUNT } dist_kind;

static sim_time_t draw(shape *sh, dist_kind kind, uint64_t n)
{
    switch (kind) {
    case D_EXP:
        return (sim_time_t)(sim_rng_exponential(&sh->rng, 1e6));
    case D_SAME:
        return 0;
    case D_BIMODAL: /* a nanosecond or a second, nothing between */
        return sim_rng_below(&sh->rng, 2) ? 1 : SIM_S(1);
    case D_GROWING: /* 2^k for k up to 40: gaps that grow exponentially */
        return (sim_time_t)1 << (n % 41);
    default: /* anywhere in the next 2^56 ns */
        return (sim_time_t)(sim_rng_u64(&sh->rng) >> 8);
    }
}

/* A hold model whose pending count follows a target that rises to `peak`
 * and falls back (the queue's rungs are built, grow and are dropped), with
 * a cancel of a random pending event now and then and, sometimes, of the
 * events the running one has just scheduled. */
typedef struct {
    dist_kind kind;
    uint64_t target, peak, budget, steps;
    bool rising;
    GArray *live; /* indices that may be pending, for picking cancels */
} hold_plan;

static void hold_step(shape *sh, guint index)
{
    (void)index;
    hold_plan *p = sh->data;
    p->steps++;
    if (p->rising && p->target < p->peak)
        p->target += 1 + p->peak / 2000;
    else if (p->target > 8) {
        p->target -= 1 + p->target / 4000;
        p->rising = false;
    }
    uint64_t want = sh->pending < p->target ? 2 + sim_rng_below(&sh->rng, 3) : sim_rng_below(&sh->rng, 2);
    guint first_new = G_MAXUINT;
    for (uint64_t k = 0; k < want && p->budget; k++, p->budget--) {
        sim_time_t now = sim_now(sh->sim), d = draw(sh, p->kind, sh->seq);
        guint i = shape_at(sh, d > SIM_TIME_MAX - now ? SIM_TIME_MAX : now + d); /* huge delays saturate */
        if (first_new == G_MAXUINT)
            first_new = i;
        g_array_append_val(p->live, i);
    }
    uint64_t roll = sim_rng_below(&sh->rng, 100);
    if (roll < 20 && p->live->len) { /* anywhere: near, far, or already gone */
        guint at = (guint)sim_rng_below(&sh->rng, p->live->len);
        shape_cancel(sh, g_array_index(p->live, guint, at));
        g_array_index(p->live, guint, at) = g_array_index(p->live, guint, p->live->len - 1);
        g_array_set_size(p->live, p->live->len - 1);
    } else if (roll < 25 && first_new != G_MAXUINT) { /* just scheduled by the running one */
        shape_cancel(sh, first_new);
    }
    /* Keep the pick list from filling with events long gone. */
    if (p->live->len > 4 * p->peak)
        g_array_remove_range(p->live, 0, p->live->len / 2);
}

static void run_hold(dist_kind kind, uint64_t start, uint64_t peak, uint64_t budget, uint64_t seed)
{
    shape sh;
    shape_init(&sh, seed, hold_step);
    hold_plan p = {.kind = kind, .target = start, .peak = peak, .budget = budget, .rising = true,
                   .live = g_array_new(FALSE, FALSE, sizeof(guint))};
    sh.data = &p;
    for (uint64_t i = 0; i < start; i++) {
        guint idx = shape_at(&sh, draw(&sh, kind, i));
        g_array_append_val(p.live, idx);
    }
    guint ran = shape_check(&sh);
    CU_ASSERT(ran > budget / 2);
    g_array_free(p.live, TRUE);
    shape_clear(&sh);
}

/* The pending count climbs from 10 to 20,000 and falls back to a few, for
 * each distribution: rungs grow, split and empty again. */
static void test_resize_up_and_down(void)
{
    for (int kind = 0; kind < D__COUNT; kind++)
        run_hold((dist_kind)kind, 10, 20000, 120000, 11 + (uint64_t)kind);
}

/* Starting large and shrinking: the first rung is built from many events
 * and the queue drains to nothing. */
static void test_start_large(void)
{
    for (int kind = 0; kind < D__COUNT; kind++)
        run_hold((dist_kind)kind, 50000, 50000, 60000, 31 + (uint64_t)kind);
}

/* 200,000 events at one instant, with a few before and after, and more at
 * that instant scheduled from inside: first scheduled, first run. */
static void same_time_step(shape *sh, guint index)
{
    if (index % 1000 == 0)
        shape_at(sh, sim_now(sh->sim)); /* at the running instant: after every earlier one */
    if (index % 777 == 0 && index + 5 < sh->events->len)
        shape_cancel(sh, index + 5); /* a successor at the same instant */
}

static void test_many_at_one_time(void)
{
    shape sh;
    shape_init(&sh, 3, same_time_step);
    shape_at(&sh, 4);
    for (int i = 0; i < 200000; i++)
        shape_at(&sh, 5);
    shape_at(&sh, 6);
    shape_at(&sh, 0);
    for (guint i = 10; i < 200000; i += 97)
        shape_cancel(&sh, i);
    guint ran = shape_check(&sh);
    CU_ASSERT(ran > 190000);
    CU_ASSERT_EQUAL(sim_now(sh.sim), 6);
    shape_clear(&sh);
}

/* Time 0 only: events that schedule more at 0 (sim_schedule_in(0)). */
static void zero_step(shape *sh, guint index)
{
    if (index < 5000)
        shape_at(sh, 0);
}

static void test_time_zero(void)
{
    shape sh;
    shape_init(&sh, 4, zero_step);
    for (int i = 0; i < 300; i++)
        shape_at(&sh, 0);
    shape_cancel(&sh, 7);
    guint ran = shape_check(&sh);
    CU_ASSERT_EQUAL(ran, sh.events->len - 1);
    CU_ASSERT(ran > 5000);
    CU_ASSERT_EQUAL(sim_now(sh.sim), 0);
    shape_clear(&sh);
}

/* Times near SIM_TIME_MAX beside small ones: the buckets' arithmetic must
 * neither overflow nor lose the order, and events still run last at the
 * largest time there is. */
static void far_step(shape *sh, guint index)
{
    (void)index;
    sim_time_t now = sim_now(sh->sim);
    if (sh->events->len < 20000 && now < SIM_TIME_MAX - 1000) {
        shape_at(sh, now + (sim_time_t)sim_rng_below(&sh->rng, 1000));
        if (sim_rng_below(&sh->rng, 4) == 0)
            shape_at(sh, SIM_TIME_MAX - (sim_time_t)sim_rng_below(&sh->rng, 3));
    }
}

static void test_far_future(void)
{
    shape sh;
    shape_init(&sh, 5, far_step);
    shape_at(&sh, SIM_TIME_MAX);
    shape_at(&sh, 0);
    for (int i = 0; i < 3000; i++)
        shape_at(&sh, (sim_time_t)sim_rng_below(&sh.rng, 1000000));
    for (int i = 0; i < 3000; i++)
        shape_at(&sh, SIM_TIME_MAX - (sim_time_t)sim_rng_below(&sh.rng, 1000000));
    for (int i = 0; i < 64; i++) /* one at each power of two */
        shape_at(&sh, (sim_time_t)(((uint64_t)1 << (i % 63)) - 1));
    for (guint i = 0; i < 6000; i += 13)
        shape_cancel(&sh, i);
    shape_check(&sh);
    CU_ASSERT_EQUAL(sim_now(sh.sim), SIM_TIME_MAX);
    shape_clear(&sh);
}

/* Events at 2^0, 2^7, ..., 2^56, and four at 0 and four at 1: each rung
 * built over them (4 to 8 buckets an event, 6 or 7 bits of time) leaves
 * all but the latest in its first bucket, so rungs stack up to the limit
 * (eight) and the nine events left at the deepest go to the heap. Events
 * scheduled from inside land between the others. */
static void ladder_step(shape *sh, guint index)
{
    sim_time_t now = sim_now(sh->sim);
    if (index % 3 == 0 && sh->events->len < 20000 && now < ((sim_time_t)1 << 61))
        shape_at(sh, now + (sim_time_t)sim_rng_below(&sh->rng, (uint64_t)now + 2));
    if (index % 5 == 0 && index + 1 < sh->events->len)
        shape_cancel(sh, index + 1);
}

static void test_growing_gaps_deep_ladder(void)
{
    shape sh;
    shape_init(&sh, 10, ladder_step);
    for (int k = 56; k >= 0; k -= 7)
        shape_at(&sh, (sim_time_t)1 << k);
    for (int j = 0; j < 8; j++)
        shape_at(&sh, j % 2);
    shape_check(&sh);
    shape_clear(&sh);
}

/* Cancels made from inside events, aimed at every part of the queue: the
 * events due next (the ones now in the queue's bottom), events far ahead
 * (still in its top), and events at the same instant as the running one
 * that it scheduled just before. Half of all events end cancelled. */
static void region_step(shape *sh, guint index)
{
    sim_time_t now = sim_now(sh->sim);
    if (sh->events->len < 60000) {
        guint near = shape_at(sh, now + (sim_time_t)sim_rng_below(&sh->rng, 10));
        guint mid = shape_at(sh, now + (sim_time_t)sim_rng_below(&sh->rng, 100000));
        guint far = shape_at(sh, now + SIM_S(1000) + (sim_time_t)sim_rng_below(&sh->rng, 1000));
        guint same = shape_at(sh, now);
        switch (index % 4) {
        case 0:
            shape_cancel(sh, near);
            break;
        case 1:
            shape_cancel(sh, far);
            break;
        case 2:
            shape_cancel(sh, same);
            break;
        default:
            shape_cancel(sh, mid);
            break;
        }
    }
    /* and one event picked anywhere, pending or not */
    shape_cancel(sh, (guint)sim_rng_below(&sh->rng, sh->events->len));
}

static void test_cancel_in_every_region(void)
{
    shape sh;
    shape_init(&sh, 6, region_step);
    for (int i = 0; i < 2000; i++)
        shape_at(&sh, (sim_time_t)sim_rng_below(&sh.rng, 1000000));
    shape_check(&sh);
    shape_clear(&sh);
}

/* Cancelling almost everything compacts the queue while events are spread
 * over its rungs; the rest still runs in order, and more can come. */
static void mass_cancel_step(shape *sh, guint index)
{
    if (index == 100) {
        for (guint i = 0; i < sh->events->len; i++)
            if (i % 50 && !shape_get(sh, i)->ran)
                shape_cancel(sh, i);
        for (int i = 0; i < 1000; i++)
            shape_at(sh, sim_now(sh->sim) + (sim_time_t)sim_rng_below(&sh->rng, 1000000));
    }
}

static void test_mass_cancel_mid_run(void)
{
    shape sh;
    shape_init(&sh, 7, mass_cancel_step);
    for (int i = 0; i < 100000; i++)
        shape_at(&sh, (sim_time_t)sim_rng_exponential(&sh.rng, 1e6));
    shape_check(&sh);
    shape_clear(&sh);
}

/* The scheduling counter wraps while events sit all over the queue. */
static void wrap_step(shape *sh, guint index)
{
    if (index == 500)
        sim_internal_set_seq(sh->sim, UINT32_MAX - 100);
    if (sh->events->len < 30000) {
        shape_at(sh, sim_now(sh->sim) + (sim_time_t)sim_rng_below(&sh->rng, 3));
        shape_at(sh, sim_now(sh->sim) + (sim_time_t)sim_rng_exponential(&sh->rng, 1e6));
    }
}

static void test_sequence_wrap_spread(void)
{
    shape sh;
    shape_init(&sh, 8, wrap_step);
    for (int i = 0; i < 10000; i++)
        shape_at(&sh, (sim_time_t)sim_rng_exponential(&sh.rng, 1e6));
    shape_check(&sh);
    shape_clear(&sh);
}

/* Runs in slices (sim_run_until) with stops: the queue keeps its order
 * across runs that end while its rungs are half used. */
static void test_slices_keep_order(void)
{
    shape sh;
    shape_init(&sh, 9, NULL);
    for (int i = 0; i < 50000; i++)
        shape_at(&sh, (sim_time_t)sim_rng_below(&sh.rng, 1000000000));
    sim_time_t t = 0;
    while (sim_run_until(sh.sim, t) != SIM_RUN_EMPTY && t < 1000000000) {
        for (int i = 0; i < 10; i++)
            shape_at(&sh, t + 1 + (sim_time_t)sim_rng_below(&sh.rng, 50000000));
        t += 7777777;
    }
    shape_check(&sh);
    shape_clear(&sh);
}

/* The shape of a network of links: many chains of events a fixed delay
 * apart (a transmission ends every 12 us, its arrival 1 ms later), each
 * with a timer about a second ahead that is often cancelled and set
 * again. The front is dense and the far timers stretch the first rung, so
 * dense buckets are split into rungs of a bucket for two events, with
 * buckets of one, two and more events and many empty ones. */
typedef struct {
    uint64_t budget;
    GArray *timer; /* per chain: the index of its pending timer, or G_MAXUINT */
    GArray *chain; /* per event index: its chain */
} links_plan;

static void links_add(shape *sh, links_plan *p, guint chain, sim_time_t at)
{
    guint i = shape_at(sh, at);
    g_array_set_size(p->chain, i + 1);
    g_array_index(p->chain, guint, i) = chain;
}

static void links_step(shape *sh, guint index)
{
    links_plan *p = sh->data;
    guint chain = g_array_index(p->chain, guint, index);
    guint *timer = &g_array_index(p->timer, guint, chain);
    if (*timer == index)
        *timer = G_MAXUINT;
    if (!p->budget)
        return;
    p->budget--;
    sim_time_t now = sim_now(sh->sim);
    links_add(sh, p, chain, now + SIM_US(12));
    if (sim_rng_below(&sh->rng, 3) == 0)
        links_add(sh, p, chain, now + SIM_MS(1));
    if (sim_rng_below(&sh->rng, 8) == 0) {
        if (*timer != G_MAXUINT)
            shape_cancel(sh, *timer);
        *timer = sh->events->len;
        links_add(sh, p, chain, now + SIM_S(1) + (sim_time_t)sim_rng_below(&sh->rng, 1000));
    }
}

static void test_dense_front_far_timers(void)
{
    shape sh;
    shape_init(&sh, 17, links_step);
    links_plan p = {.budget = 300000,
                    .timer = g_array_new(FALSE, FALSE, sizeof(guint)),
                    .chain = g_array_new(FALSE, FALSE, sizeof(guint))};
    sh.data = &p;
    guint chains = 100;
    g_array_set_size(p.timer, chains);
    for (guint c = 0; c < chains; c++) {
        g_array_index(p.timer, guint, c) = G_MAXUINT;
        links_add(&sh, &p, c, (sim_time_t)sim_rng_below(&sh.rng, 12000));
    }
    guint ran = shape_check(&sh);
    CU_ASSERT(ran > 300000);
    g_array_free(p.timer, TRUE);
    g_array_free(p.chain, TRUE);
    shape_clear(&sh);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_resize_up_and_down),
        TEST(test_start_large),
        TEST(test_many_at_one_time),
        TEST(test_time_zero),
        TEST(test_far_future),
        TEST(test_growing_gaps_deep_ladder),
        TEST(test_cancel_in_every_region),
        TEST(test_mass_cancel_mid_run),
        TEST(test_sequence_wrap_spread),
        TEST(test_slices_keep_order),
        TEST(test_dense_front_far_timers),
    };
    return test_main("sim/queue_shapes", tests, G_N_ELEMENTS(tests));
}
