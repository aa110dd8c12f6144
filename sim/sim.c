/*
 * sim: event queue and run loop.
 *
 * Pending events live in two arrays. `slots` holds each event's function,
 * ctx, arg, its position in the heap and a generation counter; a slot is
 * reused once its event has run or been cancelled, and its generation is
 * bumped so that old handles go stale. `heap` is a 4-ary min-heap of
 * (time, seq, slot) entries: the keys sit inline so that sifting touches
 * only the heap array plus one write per moved entry to its slot's
 * position. `seq` is a 64-bit counter incremented on every schedule; it
 * makes the order total and equal to scheduling order among ties.
 *
 * A handle is (generation << 32) | (slot index + 1).
 */
#include "sim.h"

#include <glib.h>

#include "sim_trace_private.h"

#define HEAP_D 4
#define NO_POS UINT32_MAX

typedef struct {
    sim_time_t time;
    uint64_t seq;
    uint32_t slot;
} heap_entry;

typedef struct {
    sim_event_fn fn;
    void *ctx;
    void *arg;
    uint32_t pos; /* heap index while pending; next free slot while free */
    uint32_t gen;
} slot_entry;

struct sim {
    sim_time_t now;
    uint64_t seed;
    uint64_t seq;
    uint64_t executed;
    uint64_t clamped;
    bool stop;

    heap_entry *heap;
    uint32_t heap_len, heap_cap;

    slot_entry *slots;
    uint32_t slots_len, slots_cap;
    uint32_t free_head; /* NO_POS when empty */

    sim_trace_t trace;
};

sim_t *sim_new(uint64_t seed)
{
    sim_t *sim = g_new0(sim_t, 1);
    sim->seed = seed;
    sim->free_head = NO_POS;
    sim_trace_init(&sim->trace);
    return sim;
}

void sim_free(sim_t *sim)
{
    if (!sim)
        return;
    sim_trace_clear(&sim->trace);
    g_free(sim->heap);
    g_free(sim->slots);
    g_free(sim);
}

uint64_t sim_seed(const sim_t *sim) { return sim->seed; }
sim_time_t sim_now(const sim_t *sim) { return sim->now; }
uint64_t sim_events_executed(const sim_t *sim) { return sim->executed; }
size_t sim_events_pending(const sim_t *sim) { return sim->heap_len; }
uint64_t sim_clamped_events(const sim_t *sim) { return sim->clamped; }
sim_trace_t *sim_trace(sim_t *sim) { return &sim->trace; }

static inline bool before(const heap_entry *a, const heap_entry *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

/* Moves entry `e` up from the hole at `i` to its place. */
static void sift_up(sim_t *sim, uint32_t i, heap_entry e)
{
    heap_entry *h = sim->heap;
    while (i > 0) {
        uint32_t parent = (i - 1) / HEAP_D;
        if (!before(&e, &h[parent]))
            break;
        h[i] = h[parent];
        sim->slots[h[i].slot].pos = i;
        i = parent;
    }
    h[i] = e;
    sim->slots[e.slot].pos = i;
}

/* Moves entry `e` down from the hole at `i` to its place. */
static void sift_down(sim_t *sim, uint32_t i, heap_entry e)
{
    heap_entry *h = sim->heap;
    uint32_t n = sim->heap_len;
    for (;;) {
        uint32_t first = i * HEAP_D + 1;
        if (first >= n)
            break;
        uint32_t last = first + HEAP_D < n ? first + HEAP_D : n;
        uint32_t best = first;
        for (uint32_t c = first + 1; c < last; c++)
            if (before(&h[c], &h[best]))
                best = c;
        if (!before(&h[best], &e))
            break;
        h[i] = h[best];
        sim->slots[h[i].slot].pos = i;
        i = best;
    }
    h[i] = e;
    sim->slots[e.slot].pos = i;
}

/* Removes the heap entry at index i. */
static void heap_remove(sim_t *sim, uint32_t i)
{
    uint32_t last = --sim->heap_len;
    if (i == last)
        return;
    heap_entry e = sim->heap[last];
    if (i > 0 && before(&e, &sim->heap[(i - 1) / HEAP_D]))
        sift_up(sim, i, e);
    else
        sift_down(sim, i, e);
}

static uint32_t slot_alloc(sim_t *sim)
{
    if (sim->free_head != NO_POS) {
        uint32_t s = sim->free_head;
        sim->free_head = sim->slots[s].pos;
        return s;
    }
    if (sim->slots_len == sim->slots_cap) {
        sim->slots_cap = sim->slots_cap ? sim->slots_cap * 2 : 64;
        sim->slots = g_renew(slot_entry, sim->slots, sim->slots_cap);
    }
    uint32_t s = sim->slots_len++;
    sim->slots[s].gen = 1;
    return s;
}

static void slot_release(sim_t *sim, uint32_t s)
{
    slot_entry *se = &sim->slots[s];
    se->gen++;
    if (se->gen == 0)
        se->gen = 1;
    se->fn = NULL;
    se->pos = sim->free_head;
    sim->free_head = s;
}

/* Returns the slot a handle names if it is pending, or NO_POS. */
static uint32_t slot_of(const sim_t *sim, sim_event_id id)
{
    uint32_t idx = (uint32_t)(id & 0xffffffffu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (idx == 0 || idx > sim->slots_len)
        return NO_POS;
    const slot_entry *se = &sim->slots[idx - 1];
    if (se->gen != gen || se->fn == NULL)
        return NO_POS;
    return idx - 1;
}

sim_event_id sim_schedule_at(sim_t *sim, sim_time_t at, sim_event_fn fn, void *ctx, void *arg)
{
    g_assert(fn != NULL);
    if (at < sim->now) {
        sim->clamped++;
        at = sim->now;
    }
    uint32_t s = slot_alloc(sim);
    slot_entry *se = &sim->slots[s];
    se->fn = fn;
    se->ctx = ctx;
    se->arg = arg;
    if (sim->heap_len == sim->heap_cap) {
        sim->heap_cap = sim->heap_cap ? sim->heap_cap * 2 : 64;
        sim->heap = g_renew(heap_entry, sim->heap, sim->heap_cap);
    }
    heap_entry e = {.time = at, .seq = sim->seq++, .slot = s};
    sift_up(sim, sim->heap_len++, e);
    return ((uint64_t)se->gen << 32) | (uint64_t)(s + 1);
}

sim_event_id sim_schedule_in(sim_t *sim, sim_time_t delay, sim_event_fn fn, void *ctx, void *arg)
{
    if (delay < 0) {
        sim->clamped++;
        delay = 0;
    }
    return sim_schedule_at(sim, sim->now + delay, fn, ctx, arg);
}

bool sim_cancel(sim_t *sim, sim_event_id id)
{
    uint32_t s = slot_of(sim, id);
    if (s == NO_POS)
        return false;
    heap_remove(sim, sim->slots[s].pos);
    slot_release(sim, s);
    return true;
}

bool sim_event_pending(const sim_t *sim, sim_event_id id) { return slot_of(sim, id) != NO_POS; }

sim_time_t sim_event_time(const sim_t *sim, sim_event_id id)
{
    uint32_t s = slot_of(sim, id);
    return s == NO_POS ? -1 : sim->heap[sim->slots[s].pos].time;
}

void sim_stop(sim_t *sim) { sim->stop = true; }

static sim_run_result run_loop(sim_t *sim, sim_time_t limit)
{
    while (!sim->stop) {
        if (sim->heap_len == 0)
            return SIM_RUN_EMPTY;
        heap_entry top = sim->heap[0];
        if (top.time > limit)
            return SIM_RUN_LIMIT;
        uint32_t last = --sim->heap_len;
        if (last > 0)
            sift_down(sim, 0, sim->heap[last]);
        slot_entry *se = &sim->slots[top.slot];
        sim_event_fn fn = se->fn;
        void *ctx = se->ctx, *arg = se->arg;
        slot_release(sim, top.slot);
        sim->now = top.time;
        sim->executed++;
        fn(sim, ctx, arg);
    }
    sim->stop = false;
    return SIM_RUN_STOPPED;
}

sim_run_result sim_run(sim_t *sim) { return run_loop(sim, SIM_TIME_MAX); }

sim_run_result sim_run_until(sim_t *sim, sim_time_t limit)
{
    sim_run_result r = run_loop(sim, limit);
    if (r != SIM_RUN_STOPPED && limit > sim->now)
        sim->now = limit;
    return r;
}
