/* Tests of sim/: time helpers, event order, cancel, run limits, trace bus. */
#include <glib.h>

#include "sim/sim.h"
#include "sim/sim_internal.h"
#include "sim/sim_rng.h"
#include "sim/sim_trace.h"
#include "test_util.h"

static void test_time_units(void)
{
    CU_ASSERT_EQUAL(SIM_MS(3), 3000000);
    CU_ASSERT_EQUAL(SIM_S(2), 2000000000);
    CU_ASSERT_EQUAL(sim_time_from_s(0.0015), 1500000);
    CU_ASSERT_EQUAL(sim_time_from_ms(2.5), 2500000);
    CU_ASSERT_EQUAL(sim_time_from_us(7.0004), 7000);
    CU_ASSERT_DOUBLE_EQUAL(sim_time_to_s(SIM_MS(1500)), 1.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(sim_time_to_ms(SIM_US(250)), 0.25, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(sim_time_to_us(SIM_NS(1500)), 1.5, 1e-15);
}

static void test_tx_time_exact(void)
{
    CU_ASSERT_EQUAL(sim_tx_time(1500, 10000000), 1200000);      /* 1.2 ms */
    CU_ASSERT_EQUAL(sim_tx_time(125000, 1000000), SIM_S(1));    /* 1 Mbit at 1 Mbps */
    CU_ASSERT_EQUAL(sim_tx_time(1, 3), 2666666667);             /* rounds up */
    CU_ASSERT_EQUAL(sim_tx_time(0, 1000), 0);
    CU_ASSERT_EQUAL(sim_tx_time(1500, 1540000), 7792208);       /* 7792207.79 up */
    /* 1 GB at 1 bps does not overflow 64-bit intermediates: 8e18 ns. */
    CU_ASSERT_EQUAL(sim_tx_time(1000000000ull, 1), 8000000000000000000ll);
    CU_ASSERT_EQUAL(sim_tx_time(UINT64_MAX, 1), SIM_TIME_MAX);
}

typedef struct {
    GArray *log;
} recorder;

static void record(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    recorder *r = ctx;
    int v = GPOINTER_TO_INT(arg);
    g_array_append_val(r->log, v);
}

static void test_ties_run_in_scheduling_order(void)
{
    sim_t *sim = sim_new(1);
    recorder r = {g_array_new(FALSE, FALSE, sizeof(int))};
    /* Interleave two instants; within each, scheduling order must hold. */
    for (int i = 0; i < 100; i++)
        sim_schedule_at(sim, (i % 2) ? SIM_MS(5) : SIM_MS(2), record, &r, GINT_TO_POINTER(i));
    CU_ASSERT_EQUAL(sim_run(sim), SIM_RUN_EMPTY);
    CU_ASSERT_EQUAL(r.log->len, 100);
    for (int i = 0; i < 50; i++) {
        CU_ASSERT_EQUAL(g_array_index(r.log, int, i), 2 * i);
        CU_ASSERT_EQUAL(g_array_index(r.log, int, 50 + i), 2 * i + 1);
    }
    CU_ASSERT_EQUAL(sim_now(sim), SIM_MS(5));
    g_array_free(r.log, TRUE);
    sim_free(sim);
}

static void test_cancel_and_reschedule(void)
{
    sim_t *sim = sim_new(1);
    recorder r = {g_array_new(FALSE, FALSE, sizeof(int))};
    sim_event_id a = sim_schedule_at(sim, 10, record, &r, GINT_TO_POINTER(1));
    sim_event_id b = sim_schedule_at(sim, 20, record, &r, GINT_TO_POINTER(2));
    sim_event_id c = sim_schedule_at(sim, 30, record, &r, GINT_TO_POINTER(3));
    CU_ASSERT_TRUE(sim_event_pending(sim, b));
    CU_ASSERT_EQUAL(sim_event_time(sim, b), 20);
    CU_ASSERT_TRUE(sim_cancel(sim, b));
    CU_ASSERT_FALSE(sim_cancel(sim, b)); /* stale: no-op */
    CU_ASSERT_FALSE(sim_event_pending(sim, b));
    CU_ASSERT_EQUAL(sim_event_time(sim, b), -1);
    CU_ASSERT_FALSE(sim_cancel(sim, SIM_EVENT_NONE));
    /* Re-arm: cancel c and schedule it earlier. */
    CU_ASSERT_TRUE(sim_cancel(sim, c));
    sim_event_id c2 = sim_schedule_at(sim, 5, record, &r, GINT_TO_POINTER(3));
    CU_ASSERT_NOT_EQUAL(c2, c); /* the slot is reused with a new generation */
    CU_ASSERT_FALSE(sim_cancel(sim, c));
    CU_ASSERT_TRUE(sim_event_pending(sim, c2));
    CU_ASSERT_EQUAL(sim_events_pending(sim), 2);
    sim_run(sim);
    CU_ASSERT_EQUAL(r.log->len, 2);
    CU_ASSERT_EQUAL(g_array_index(r.log, int, 0), 3);
    CU_ASSERT_EQUAL(g_array_index(r.log, int, 1), 1);
    CU_ASSERT_FALSE(sim_cancel(sim, a)); /* already ran */
    g_array_free(r.log, TRUE);
    sim_free(sim);
}

/* An event that cancels another pending event and re-schedules itself. */
typedef struct {
    sim_event_id victim, self;
    int runs;
} canceller;

static void cancel_fn(sim_t *sim, void *ctx, void *arg)
{
    (void)arg;
    canceller *c = ctx;
    CU_ASSERT_FALSE(sim_cancel(sim, c->self)); /* own handle is already stale */
    CU_ASSERT_TRUE(sim_cancel(sim, c->victim));
    if (++c->runs < 3) {
        c->victim = sim_schedule_in(sim, 10, record, NULL, NULL);
        c->self = sim_schedule_in(sim, 5, cancel_fn, c, NULL);
    }
}

static void test_cancel_from_inside_event(void)
{
    sim_t *sim = sim_new(1);
    canceller c = {0};
    c.victim = sim_schedule_at(sim, 10, record, NULL, NULL);
    c.self = sim_schedule_at(sim, 5, cancel_fn, &c, NULL);
    sim_run(sim); /* record() with a NULL recorder would crash if a victim ran */
    CU_ASSERT_EQUAL(c.runs, 3);
    CU_ASSERT_EQUAL(sim_events_executed(sim), 3);
    CU_ASSERT_EQUAL(sim_now(sim), 15);
    sim_free(sim);
}

static void stopper(sim_t *sim, void *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    sim_stop(sim);
}

static void test_run_until_and_stop(void)
{
    sim_t *sim = sim_new(1);
    recorder r = {g_array_new(FALSE, FALSE, sizeof(int))};
    for (int i = 1; i <= 10; i++)
        sim_schedule_at(sim, SIM_MS(i), record, &r, GINT_TO_POINTER(i));
    CU_ASSERT_EQUAL(sim_run_until(sim, SIM_MS(4)), SIM_RUN_LIMIT);
    CU_ASSERT_EQUAL(r.log->len, 4); /* events at the limit run */
    CU_ASSERT_EQUAL(sim_now(sim), SIM_MS(4));
    CU_ASSERT_EQUAL(sim_run_until(sim, SIM_MS(4) + 500), SIM_RUN_LIMIT);
    CU_ASSERT_EQUAL(sim_now(sim), SIM_MS(4) + 500); /* the clock moves to the limit */
    sim_schedule_at(sim, SIM_MS(6), stopper, NULL, NULL);
    CU_ASSERT_EQUAL(sim_run(sim), SIM_RUN_STOPPED);
    CU_ASSERT_EQUAL(sim_now(sim), SIM_MS(6));
    /* The event at 6 ms scheduled earlier ran before the stopper (FIFO). */
    CU_ASSERT_EQUAL(r.log->len, 6);
    CU_ASSERT_EQUAL(sim_run(sim), SIM_RUN_EMPTY);
    CU_ASSERT_EQUAL(r.log->len, 10);
    /* sim_run_limit leaves the clock at the last event run */
    sim_schedule_at(sim, SIM_MS(20), record, &r, GINT_TO_POINTER(20));
    CU_ASSERT_EQUAL(sim_run_limit(sim, SIM_MS(50)), SIM_RUN_EMPTY);
    CU_ASSERT_EQUAL(sim_now(sim), SIM_MS(20));
    g_array_set_size(r.log, 10);
    /* Scheduling in the past is clamped to now and counted. */
    sim_schedule_at(sim, SIM_MS(1), record, &r, GINT_TO_POINTER(99));
    CU_ASSERT_EQUAL(sim_clamped_events(sim), 1);
    sim_run(sim);
    CU_ASSERT_EQUAL(sim_now(sim), SIM_MS(20));
    g_array_free(r.log, TRUE);
    sim_free(sim);
}

/* A million events at random times, with a third of them cancelled: the
 * ones that run come out in (time, seq) order and nothing is left. */
typedef struct {
    sim_time_t last_time;
    int64_t last_tag;
    uint64_t ran;
    bool ordered;
} order_check;

static void check_order(sim_t *sim, void *ctx, void *arg)
{
    order_check *oc = ctx;
    int64_t tag = (int64_t)GPOINTER_TO_SIZE(arg);
    sim_time_t now = sim_now(sim);
    if (now < oc->last_time || (now == oc->last_time && tag < oc->last_tag))
        oc->ordered = false;
    oc->last_time = now;
    oc->last_tag = tag;
    oc->ran++;
}

static void test_million_events(void)
{
    const int n = 1000000;
    sim_t *sim = sim_new(7);
    sim_rng_t rng;
    sim_rng_init(&rng, 7, "test:times");
    sim_event_id *ids = g_new(sim_event_id, n);
    order_check oc = {.last_time = -1, .last_tag = -1, .ordered = true};
    for (int i = 0; i < n; i++) /* few distinct times: many ties */
        ids[i] = sim_schedule_at(sim, (sim_time_t)sim_rng_below(&rng, 5000), check_order, &oc,
                                 GSIZE_TO_POINTER((gsize)i));
    uint64_t cancelled = 0;
    for (int i = 0; i < n; i += 3)
        cancelled += sim_cancel(sim, ids[i]);
    CU_ASSERT_EQUAL(cancelled, (uint64_t)(n + 2) / 3);
    CU_ASSERT_EQUAL(sim_events_pending(sim), (size_t)(n - cancelled));
    CU_ASSERT_EQUAL(sim_run(sim), SIM_RUN_EMPTY);
    CU_ASSERT_TRUE(oc.ordered);
    CU_ASSERT_EQUAL(oc.ran, (uint64_t)n - cancelled);
    CU_ASSERT_EQUAL(sim_events_pending(sim), 0);
    g_free(ids);
    sim_free(sim);
}

/* Pending events left at sim_free are dropped without leaking. */
static void test_free_with_pending(void)
{
    sim_t *sim = sim_new(1);
    for (int i = 0; i < 1000; i++)
        sim_schedule_at(sim, i, record, NULL, NULL);
    CU_ASSERT_EQUAL(sim_events_pending(sim), 1000);
    sim_free(sim);
}

/* The 32-bit scheduling counter wraps by renumbering the pending events;
 * the order of ties must survive it, and so must the order of events
 * scheduled just before and just after. */
static void test_sequence_wrap_keeps_order(void)
{
    sim_t *sim = sim_new(1);
    recorder r = {g_array_new(FALSE, FALSE, sizeof(int))};
    sim_internal_set_seq(sim, UINT32_MAX - 10);
    sim_event_id ids[40];
    for (int i = 0; i < 40; i++) /* all at the same instant: pure FIFO */
        ids[i] = sim_schedule_at(sim, 100, record, &r, GINT_TO_POINTER(i));
    CU_ASSERT_TRUE(sim_cancel(sim, ids[5]));
    CU_ASSERT_TRUE(sim_cancel(sim, ids[20]));
    CU_ASSERT_TRUE(sim_event_pending(sim, ids[30])); /* handles survive */
    CU_ASSERT_EQUAL(sim_event_time(sim, ids[30]), 100);
    sim_run(sim);
    CU_ASSERT_EQUAL(r.log->len, 38);
    int expect = 0;
    for (guint k = 0; k < r.log->len; k++) {
        if (expect == 5 || expect == 20)
            expect++;
        CU_ASSERT_EQUAL(g_array_index(r.log, int, k), expect);
        expect++;
    }
    g_array_free(r.log, TRUE);
    sim_free(sim);
}

/* Many cancellations compact the queue; what is left still runs in order. */
static void test_mass_cancel_compacts(void)
{
    sim_t *sim = sim_new(1);
    order_check oc = {.last_time = -1, .last_tag = -1, .ordered = true};
    sim_event_id ids[10000];
    for (int i = 0; i < 10000; i++)
        ids[i] = sim_schedule_at(sim, 10000 - i / 2, check_order, &oc, GSIZE_TO_POINTER((gsize)i));
    for (int i = 0; i < 10000; i++)
        if (i % 10)
            sim_cancel(sim, ids[i]);
    CU_ASSERT_EQUAL(sim_events_pending(sim), 1000);
    /* re-arming many timers: schedule again into freed slots */
    for (int i = 0; i < 1000; i++)
        sim_schedule_at(sim, 20000 + i, check_order, &oc, GSIZE_TO_POINTER((gsize)(20000 + i)));
    sim_run(sim);
    CU_ASSERT_EQUAL(oc.ran, 2000);
    CU_ASSERT_EQUAL(sim_now(sim), 20999);
    sim_free(sim);
}

typedef struct {
    int count[SIM_TR__COUNT];
    GString *text;
} trace_counter;

static void count_rec(void *ctx, const sim_trace_rec *rec)
{
    trace_counter *tc = ctx;
    tc->count[rec->kind]++;
    if (rec->text)
        g_string_append(tc->text, rec->text);
}

static void test_trace_bus(void)
{
    sim_t *sim = sim_new(1);
    sim_trace_t *bus = sim_trace(sim);
    CU_ASSERT_EQUAL(sim_trace_source(bus, "first"), 0);
    CU_ASSERT_EQUAL(sim_trace_source(bus, "second"), 1);
    CU_ASSERT_STRING_EQUAL(sim_trace_source_name(bus, 1), "second");
    CU_ASSERT_PTR_NULL(sim_trace_source_name(bus, 2));
    CU_ASSERT_FALSE(sim_trace_wants(bus, SIM_TR_DROP));

    trace_counter a = {.text = g_string_new("")}, b = {.text = g_string_new("")};
    unsigned sa = sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_DROP) | SIM_TR_MASK(SIM_TR_APP),
                                      count_rec, &a);
    sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_RX), count_rec, &b);
    CU_ASSERT_TRUE(sim_trace_wants(bus, SIM_TR_DROP));
    CU_ASSERT_FALSE(sim_trace_wants(bus, SIM_TR_TX));
    sim_trace_rec rec = {.kind = SIM_TR_DROP, .source = 0};
    sim_trace_emit(bus, &rec);
    rec.kind = SIM_TR_RX;
    sim_trace_emit(bus, &rec);
    sim_trace_emit(bus, &rec);
    sim_trace_app(bus, 0, 1, "hello %d", 42);
    CU_ASSERT_EQUAL(a.count[SIM_TR_DROP], 1);
    CU_ASSERT_EQUAL(a.count[SIM_TR_RX], 0);
    CU_ASSERT_EQUAL(b.count[SIM_TR_RX], 2);
    CU_ASSERT_STRING_EQUAL(a.text->str, "hello 42");
    sim_trace_unsubscribe(bus, sa);
    CU_ASSERT_FALSE(sim_trace_wants(bus, SIM_TR_DROP));
    CU_ASSERT_TRUE(sim_trace_wants(bus, SIM_TR_RX));
    CU_ASSERT_STRING_EQUAL(sim_trace_kind_name(SIM_TR_ENQUEUE), "enqueue");
    g_string_free(a.text, TRUE);
    g_string_free(b.text, TRUE);
    sim_free(sim);
}

/* The order of calls, and a subscriber that leaves or brings another in from inside its call. */
typedef struct trace_logger {
    GString *log;
    sim_trace_t *bus;
    unsigned leave; /* subscription to cancel from inside the call, 0: none */
    char tag;
    struct trace_logger *join; /* a logger to subscribe (to TX) from inside the call, or NULL */
} trace_logger;

static void log_rec(void *ctx, const sim_trace_rec *rec)
{
    trace_logger *l = ctx;
    g_string_append_printf(l->log, "%c%d", l->tag, (int)rec->kind);
    if (l->leave) {
        sim_trace_unsubscribe(l->bus, l->leave);
        l->leave = 0;
    }
    if (l->join) {
        sim_trace_subscribe(l->bus, SIM_TR_MASK(SIM_TR_TX), log_rec, l->join);
        l->join = NULL;
    }
}

/* sim_trace_emit calls a kind's only subscriber inline and several through
 * the list: the single calls follow every (un)subscription, the order is
 * the subscriptions', and a subscriber may leave while a record is
 * emitted. */
static void test_trace_single_and_several(void)
{
    sim_t *sim = sim_new(1);
    sim_trace_t *bus = sim_trace(sim);
    GString *log = g_string_new("");
    trace_logger a = {log, bus, 0, 'a', NULL}, b = {log, bus, 0, 'b', NULL}, c = {log, bus, 0, 'c', NULL};
    sim_trace_rec tx = {.kind = SIM_TR_TX}, rx = {.kind = SIM_TR_RX};
    unsigned sa = sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_TX), log_rec, &a);
    sim_trace_emit(bus, &tx); /* one subscriber */
    sim_trace_emit(bus, &rx); /* none */
    unsigned sb = sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_TX) | SIM_TR_MASK(SIM_TR_RX), log_rec, &b);
    sim_trace_emit(bus, &tx); /* two, in order */
    sim_trace_emit(bus, &rx); /* one */
    CU_ASSERT_STRING_EQUAL(log->str, "a3a3b3b4");
    g_string_truncate(log, 0);
    sim_trace_unsubscribe(bus, sa);
    sim_trace_emit(bus, &tx); /* back to one: b's */
    CU_ASSERT_STRING_EQUAL(log->str, "b3");
    g_string_truncate(log, 0);
    /* c, subscribed after b, cancels b from inside its call (b has had
     * the record), then c cancels itself. */
    unsigned sc = sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_TX), log_rec, &c);
    c.leave = sb;
    sim_trace_emit(bus, &tx);
    sim_trace_emit(bus, &tx);
    CU_ASSERT_STRING_EQUAL(log->str, "b3c3c3");
    g_string_truncate(log, 0);
    c.leave = sc;
    sim_trace_emit(bus, &tx); /* c alone, leaving */
    sim_trace_emit(bus, &tx); /* nobody */
    CU_ASSERT_STRING_EQUAL(log->str, "c3");
    CU_ASSERT_FALSE(sim_trace_wants(bus, SIM_TR_TX));
    g_string_truncate(log, 0);
    /* Each record reaches the subscribers of the moment it is emitted that
     * are still there at their turn: a leaving itself does not make b miss
     * it; b cancelling c before c's turn does; d, subscribed from inside a
     * call, has the next record first. */
    trace_logger d = {log, bus, 0, 'd', NULL};
    a.leave = 0;
    sa = sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_TX), log_rec, &a);
    sb = sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_TX), log_rec, &b);
    sc = sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_TX), log_rec, &c);
    a.leave = sa;
    sim_trace_emit(bus, &tx);
    CU_ASSERT_STRING_EQUAL(log->str, "a3b3c3");
    g_string_truncate(log, 0);
    b.leave = sc;
    sim_trace_emit(bus, &tx);
    CU_ASSERT_STRING_EQUAL(log->str, "b3");
    g_string_truncate(log, 0);
    b.join = &d;
    sim_trace_emit(bus, &tx); /* b alone: d joins during the call */
    sim_trace_emit(bus, &tx);
    CU_ASSERT_STRING_EQUAL(log->str, "b3b3d3");
    g_string_truncate(log, 0);
    a.join = &d; /* several subscribers: the same */
    sa = sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_TX), log_rec, &a);
    sim_trace_emit(bus, &tx);
    CU_ASSERT_STRING_EQUAL(log->str, "b3d3a3");
    g_string_free(log, TRUE);
    sim_free(sim);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_time_units),
        TEST(test_tx_time_exact),
        TEST(test_ties_run_in_scheduling_order),
        TEST(test_cancel_and_reschedule),
        TEST(test_cancel_from_inside_event),
        TEST(test_run_until_and_stop),
        TEST(test_million_events),
        TEST(test_free_with_pending),
        TEST(test_sequence_wrap_keeps_order),
        TEST(test_mass_cancel_compacts),
        TEST(test_trace_bus),
        TEST(test_trace_single_and_several),
    };
    return test_main("sim/engine", tests, G_N_ELEMENTS(tests));
}
