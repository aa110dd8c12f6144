/*
 * sim: event queue and run loop.
 *
 * Every pending event has a slot in `slots`: its function, ctx, arg, due
 * time, scheduling sequence and a generation counter. The queue orders the
 * slots by (time, seq) in three parts, after the ladder queue of Tang, Goh
 * and Thng (2005):
 *
 * - the top: an unsorted list of the events due at or after `top_start`;
 * - up to LADDER_RUNGS rungs of buckets, each bucket an unsorted list of
 *   the events of one interval of time, 2^shift ns wide. A rung is made
 *   from a list that has grown too long (the top, or a bucket of the rung
 *   above): from its earliest to its latest time, about SIM_LADDER_SPREAD
 *   buckets an event for the first rung, one bucket for SIM_LADDER_SUB_EVENTS
 *   events for a rung made from a bucket. The lists are linked through the
 *   slots' `next`, so a move costs no allocation;
 * - the bottom: the events due first, in an array of 16-byte entries (time,
 *   seq, slot) whose keys sit inline. It is filled from the first non-empty
 *   bucket of the deepest rung when it runs out, or from the top when no
 *   rung is left; a list of more than LADDER_SPLIT events is spread over a
 *   new rung instead (unless all its events share one time, or every rung
 *   is in use). A small bottom is kept sorted, the first due at `bot_pos`,
 *   so that running it is an increment; a large one is a 4-ary min-heap
 *   placed so that the four children of a node share one 64-byte line.
 *   A heap that new events grow past twice its size when it was filled
 *   is spread over a new, deepest rung (bottom_spread).
 *
 * A new event goes to the top if it is due at or after top_start, to the
 * bucket of the first rung whose remaining buckets start at or before its
 * time, or else to the bottom. The parts never overlap in time, and within
 * the bottom the order is by (time, seq), so the order events run in is
 * (time, seq) whatever the layout. Each event is moved a few times (once a
 * rung it passes through) and each move is O(1): schedule and run are O(1)
 * amortised when times are spread, and O(log n) at worst (the heap) when
 * many events share a time. Building with SIM_QUEUE_HEAP=1 keeps every
 * event in the heap (the queue before the ladder); docs/performance.md
 * compares the two.
 *
 * `seq` is a 32-bit counter incremented on every schedule; it makes the
 * order total and equal to scheduling order among ties. Before it wraps,
 * the pending events are gathered, sorted by (time, seq) and given seq
 * 0..n-1. That costs O(n log n) once every 2^32 schedules, nothing in
 * between.
 *
 * Cancelling bumps the slot's generation (so the handle goes stale) and
 * leaves the entry behind, "dead"; the slot is freed when the entry moves
 * down the ladder or reaches the front of the bottom. So cancel is O(1).
 * Dead entries are bounded: when they outnumber live ones (and are more
 * than 64) the whole queue is gathered into the top without them, O(n),
 * which keeps the amortised cost of a cancel O(1).
 *
 * While an event runs, its entry stays at the front of the bottom
 * (`top_done`). In a heap, the first event it schedules into the bottom
 * takes that place: the hole goes down to a leaf along the smallest
 * children and the new entry rises from there, one pass where a pop and a
 * push would make two. Otherwise the entry is dropped when the loop comes
 * back (or before the new one goes in).
 *
 * sim_reschedule to a time no earlier than the one the event's entry has
 * only records the new (time, seq) in `post`, beside the slots, taking the
 * seq a schedule would take, and sets the slot's fn to NULL (its
 * generation stays, so the handle stays valid; `post` keeps the function).
 * When the entry reaches the front, the loop puts it back in the queue
 * with that key instead of running it, without taking a new seq. So every
 * event runs in the order a cancel and a schedule would have given, and
 * the same seqs go to every other event; a renumbering gives postponed
 * events their new key first. Scheduling and running events that were
 * never postponed cost nothing more: the check sits on the path of
 * cancelled entries, which also have fn NULL.
 *
 * A handle is (generation << 32) | (slot index + 1).
 */
#include "sim.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"
#include "sim_trace_private.h"

/* The heap's arity: 2, 4 or 8 (a build may set SIM_HEAP_D to measure the
 * others; docs/performance.md has the figures that chose 4). */
#ifdef SIM_HEAP_D
#define HEAP_D SIM_HEAP_D
#else
#define HEAP_D 4
#endif
#if HEAP_D != 2 && HEAP_D != 4 && HEAP_D != 8
#error "SIM_HEAP_D must be 2, 4 or 8"
#endif
/* SIM_QUEUE_HEAP=1 keeps every event in the heap (the queue before the
 * ladder, for comparisons: docs/performance.md). */
#if defined(SIM_QUEUE_HEAP) && SIM_QUEUE_HEAP
#define LADDER 0
#else
#define LADDER 1
#endif
/* A list (the top or a bucket) of more than LADDER_SPLIT entries is spread
 * over a new rung rather than handed to the bottom, while fewer than
 * LADDER_RUNGS rungs exist; up to LADDER_SPLIT make a sorted bottom. */
#ifndef SIM_LADDER_SPLIT
#define SIM_LADDER_SPLIT 8
#endif
#define LADDER_SPLIT SIM_LADDER_SPLIT
/* Buckets the first rung (made from the top) gets for each entry it
 * starts with. */
#ifndef SIM_LADDER_SPREAD
#define SIM_LADDER_SPREAD 4
#endif
/* Entries a rung made from a bucket (or from the bottom) gets a bucket
 * for, rounded up: a bucket that had to be split holds a dense stretch of
 * time, often events a fixed delay apart (transmissions, arrivals), which
 * fewer, fuller buckets serve with fewer empty buckets to clear and skip;
 * docs/performance.md has the figures. */
#ifndef SIM_LADDER_SUB_EVENTS
#define SIM_LADDER_SUB_EVENTS 2
#endif
#define LADDER_RUNGS 8
#define NO_SLOT UINT32_MAX
/* The alignment of &heap[1]: a cache line, or a whole family of siblings
 * when that is larger, so that the children of a node never straddle more
 * lines than they fill. */
#define LINE (HEAP_D * 16 > 64 ? HEAP_D * 16 : 64)

typedef struct {
    uint64_t time;  /* never negative */
    uint64_t order; /* seq << 32 | slot: seq decides, the slot rides along */
} heap_entry;

#define ENTRY_SLOT(e) ((uint32_t)(e).order)

typedef struct {
    sim_event_fn fn; /* NULL when free or cancelled */
    void *ctx;
    void *arg;
    sim_time_t time;
    uint32_t gen;
    uint32_t next;   /* the next slot of the free list, or of the ladder list the event is in */
    uint32_t seq;    /* the scheduling sequence of the event */
} slot_entry;

/* Where sim_reschedule moved the event of a slot whose entry is still at
 * its earlier key; `due` is -1 when it did not. */
typedef struct {
    sim_event_fn fn;
    sim_time_t due;
    uint32_t seq;
} post_entry;

/* One bucket of a rung: the head of a list of slots, linked through their
 * `next` in no order; NO_SLOT when empty. */
typedef uint32_t bucket;

/* A rung of the ladder: nb buckets of 2^shift ns each from `base`; the last
 * bucket also takes everything later, up to the region of the rung above.
 * Buckets before `cur` have been handed down; `start` is where the
 * remaining ones begin (UINT64_MAX once all are handed down). */
typedef struct {
    uint64_t base;
    uint64_t start;
    bucket *b;
    uint32_t nb, cap, cur;
    unsigned shift;
} rung;

struct sim {
    sim_time_t now;
    uint64_t seed;
    uint32_t seq;
    uint64_t executed;
    uint64_t clamped;
    bool stop;

    /* The bottom: the events due first, a heap or (bot_sorted) sorted. */
    heap_entry *heap; /* heap[1] starts a cache line; heap[0] is the root */
    void *heap_mem;   /* the allocation heap points into */
    uint32_t heap_len, heap_cap;
    /* A small bottom is kept sorted instead: heap[bot_pos..heap_len-1] in
     * order, the first due at bot_pos. bot_pos is 0 while it is a heap. */
    uint32_t bot_pos;
    bool bot_sorted;
    uint32_t bot_fill; /* entries the bottom had when it was last filled */
    uint32_t dead; /* entries, anywhere in the queue, whose event was cancelled */
    bool top_done; /* heap[bot_pos] is the event now running, to be replaced or popped */

    /* The ladder above the bottom: rungs[0..nrungs-1], each deeper one
     * covering the bucket of the one above that was handed down last, and
     * the top, an unsorted list of the events due at or after top_start. */
    rung rungs[LADDER_RUNGS];
    uint32_t nrungs;
    uint32_t top_head;  /* NO_SLOT when empty */
    uint32_t listed;    /* entries in the top and the rungs, cancelled ones included */
    uint64_t top_start;

    slot_entry *slots;
    post_entry *post; /* slots_cap entries, or NULL until sim_reschedule first postpones */
    uint32_t slots_len, slots_cap;
    uint32_t free_head; /* NO_SLOT when empty */

    sim_trace_t trace;
};

sim_t *sim_new(uint64_t seed)
{
    sim_t *sim = g_new0(sim_t, 1);
    sim->seed = seed;
    sim->free_head = NO_SLOT;
    sim->top_head = NO_SLOT;
    sim->top_start = LADDER ? 0 : UINT64_MAX;
    sim_trace_init(&sim->trace);
    return sim;
}

void sim_free(sim_t *sim)
{
    if (!sim)
        return;
    sim_trace_clear(&sim->trace);
    g_free(sim->heap_mem);
    for (uint32_t r = 0; r < LADDER_RUNGS; r++)
        g_free(sim->rungs[r].b);
    g_free(sim->slots);
    g_free(sim->post);
    g_free(sim);
}

uint64_t sim_seed(const sim_t *sim) { return sim->seed; }
sim_time_t sim_now(const sim_t *sim) { return sim->now; }
uint64_t sim_events_executed(const sim_t *sim) { return sim->executed; }
size_t sim_events_pending(const sim_t *sim)
{
    return (size_t)(sim->heap_len - sim->bot_pos) + sim->listed - sim->dead - sim->top_done;
}

/* Whether the queued entry of slot `s`, whose fn is NULL, is a postponed
 * event (rather than a cancelled one). */
static inline bool slot_postponed(const sim_t *sim, uint32_t s)
{
    return sim->post && sim->post[s].due >= 0;
}
uint64_t sim_clamped_events(const sim_t *sim) { return sim->clamped; }
sim_trace_t *sim_trace(sim_t *sim) { return &sim->trace; }

__extension__ typedef unsigned __int128 u128;

/* The event order: by time, then by scheduling sequence, as one 128-bit
 * comparison (a compare and a subtract-with-borrow). */
static inline bool before(const heap_entry *a, const heap_entry *b)
{
    return (((u128)a->time << 64) | a->order) < (((u128)b->time << 64) | b->order);
}

static void heap_grow(sim_t *sim)
{
    uint32_t cap = sim->heap_cap ? sim->heap_cap * 2 : 256;
    /* Over-allocate by a line and offset so that &heap[1] is line-aligned:
     * the children of node i are D*i+1..D*i+D, a whole line when D is 4. */
    char *mem = g_malloc((gsize)cap * sizeof(heap_entry) + 2 * LINE);
    uintptr_t first = ((uintptr_t)mem + sizeof(heap_entry) + LINE - 1) & ~(uintptr_t)(LINE - 1);
    heap_entry *heap = (heap_entry *)(first - sizeof(heap_entry));
    if (sim->heap_len)
        memcpy(heap, sim->heap, sim->heap_len * sizeof(heap_entry));
    g_free(sim->heap_mem);
    sim->heap_mem = mem;
    sim->heap = heap;
    sim->heap_cap = cap;
}

/* Moves entry `e` up from the hole at `i` to its place. */
static inline void sift_up(heap_entry *h, uint32_t i, heap_entry e)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / HEAP_D;
        if (!before(&e, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

/* The index of the smallest child of a node whose children start at
 * `first` (< n). */
static inline uint32_t min_child(const heap_entry *h, uint32_t first, uint32_t n)
{
    if (first + HEAP_D <= n) { /* all of them: a branch-free tournament */
        uint32_t best[HEAP_D / 2];
        for (uint32_t k = 0; k < HEAP_D / 2; k++) {
            uint32_t a = first + 2 * k;
            best[k] = before(&h[a + 1], &h[a]) ? a + 1 : a;
        }
        for (uint32_t w = HEAP_D / 2; w > 1; w /= 2)
            for (uint32_t k = 0; k < w / 2; k++)
                best[k] = before(&h[best[2 * k + 1]], &h[best[2 * k]]) ? best[2 * k + 1] : best[2 * k];
        return best[0];
    }
    uint32_t best = first;
    for (uint32_t c = first + 1; c < n; c++)
        best = before(&h[c], &h[best]) ? c : best;
    return best;
}

/* Moves entry `e` down from the hole at `i` to its place. */
static void sift_down(heap_entry *h, uint32_t n, uint32_t i, heap_entry e)
{
    for (;;) {
        uint32_t first = i * HEAP_D + 1;
        if (first >= n)
            break;
        uint32_t best = min_child(h, first, n);
        if (!before(&h[best], &e))
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = e;
}

/* Replaces the top of the n-entry heap `h` by `e`: the hole the top leaves
 * goes down to a leaf along the smallest children, then `e` rises from
 * there. An entry that goes in at the root is usually among the largest
 * (a new event, or the last entry), so this saves most comparisons against
 * it. */
static void heap_replace_top(heap_entry *h, uint32_t n, heap_entry e)
{
    uint32_t i = 0;
    for (;;) {
        uint32_t first = i * HEAP_D + 1;
        if (first >= n)
            break;
        uint32_t best = min_child(h, first, n);
        h[i] = h[best];
        i = best;
    }
    sift_up(h, i, e);
}

/* Removes the top: the last entry takes its place. */
static void heap_pop(sim_t *sim)
{
    uint32_t n = --sim->heap_len;
    if (n > 0)
        heap_replace_top(sim->heap, n, sim->heap[n]);
}

/* Removes the first entry of the bottom, sorted or heap. */
static inline void bottom_pop(sim_t *sim)
{
    if (sim->bot_sorted) {
        if (++sim->bot_pos == sim->heap_len)
            sim->bot_pos = sim->heap_len = 0;
    } else {
        heap_pop(sim);
    }
}

/* Pops the entry of the event that ran, if no schedule has replaced it. */
static inline void settle_top(sim_t *sim)
{
    if (sim->top_done) {
        sim->top_done = false;
        bottom_pop(sim);
    }
}

static void slot_free(sim_t *sim, uint32_t s)
{
    sim->slots[s].fn = NULL;
    sim->slots[s].next = sim->free_head;
    sim->free_head = s;
}

/* Builds a heap of the heap_len entries in place, bottom-up, O(n). */
static void heap_build(sim_t *sim)
{
    uint32_t n = sim->heap_len;
    if (n < 2)
        return;
    for (uint32_t i = (n - 2) / HEAP_D + 1; i-- > 0;)
        sift_down(sim->heap, n, i, sim->heap[i]);
}

/* Puts slot `s` at the head of the list `*head`. */
static inline void list_push(sim_t *sim, uint32_t *head, uint32_t s)
{
    sim->slots[s].next = *head;
    *head = s;
}

/* Where bucket `k` of rung `g` starts, or UINT64_MAX past the last one.
 * No overflow: rung_push picks the least shift with (hi - lo) >> shift <
 * nb, so nb << shift <= 2 (hi - lo) (or nb, when shift is 0), and base +
 * (k << shift) <= 2 hi - lo < 2^64 for times below 2^63. */
static inline uint64_t rung_start(const rung *g, uint32_t k)
{
    return k >= g->nb ? UINT64_MAX : g->base + ((uint64_t)k << g->shift);
}

static inline uint32_t rung_index(const rung *g, uint64_t t)
{
    uint64_t k = (t - g->base) >> g->shift;
    return k < g->nb ? (uint32_t)k : g->nb - 1;
}

/* Moves the live entries of list `head` to the heap array (which is
 * empty), unordered, and frees the slots of cancelled ones; every entry
 * leaves `listed`. Returns how many went, with their earliest and latest
 * times. */
static uint32_t list_take(sim_t *sim, uint32_t head, uint64_t *lo, uint64_t *hi)
{
    uint64_t min = UINT64_MAX, max = 0;
    while (head != NO_SLOT) {
        uint32_t s = head;
        slot_entry *se = &sim->slots[s];
        head = se->next;
        sim->listed--;
        if (G_UNLIKELY(!se->fn) && !slot_postponed(sim, s)) {
            slot_free(sim, s);
            sim->dead--;
            continue;
        }
        uint64_t t = (uint64_t)se->time;
        min = t < min ? t : min;
        max = t > max ? t : max;
        if (G_UNLIKELY(sim->heap_len == sim->heap_cap))
            heap_grow(sim);
        /* The first LADDER_SPLIT go in sorted (insertion sort): a list that
         * short becomes a sorted bottom. */
        heap_entry e = {.time = t, .order = ((uint64_t)se->seq << 32) | s};
        heap_entry *h = sim->heap;
        uint32_t i = sim->heap_len++;
        if (i < LADDER_SPLIT)
            for (; i > 0 && before(&e, &h[i - 1]); i--)
                h[i] = h[i - 1];
        h[i] = e;
    }
    *lo = min;
    *hi = max;
    return sim->heap_len;
}

/* Makes the entries just taken the bottom: list_take sorted them if they
 * are few (a pop is then one increment); more make a heap. */
static void bottom_settle(sim_t *sim)
{
    sim->bot_sorted = LADDER && sim->heap_len <= LADDER_SPLIT;
    sim->bot_fill = sim->heap_len;
    if (!sim->bot_sorted)
        heap_build(sim);
}

static void rung_push(sim_t *sim, uint64_t lo, uint64_t hi, bool sub);

/* The bottom, a heap, has grown by new events to more than twice what it
 * was filled with (and past BOTTOM_SPREAD_MIN): its entries, all due
 * before every rung, are spread over a new, deepest rung, as the ladder
 * queue of Tang et al. does, so that new events go to buckets again
 * rather than into the heap at O(log n) each. O(n), after at least n/2
 * inserts. Not when every rung is in use or all the entries share one
 * time (a rung cannot split them). */
#define BOTTOM_SPREAD_MIN 64
G_GNUC_NO_INLINE static void bottom_spread(sim_t *sim)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t i = 0; i < sim->heap_len; i++) {
        uint64_t t = sim->heap[i].time;
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
    }
    if (lo == hi || sim->nrungs == LADDER_RUNGS) {
        sim->bot_fill = sim->heap_len;
        return;
    }
    rung_push(sim, lo, hi, true);
    sim->bot_fill = 0;
}

/* Adds entry `e` to the bottom. A sorted bottom takes it in place (a new
 * entry is most often the last, or the first); one that grows past
 * BOTTOM_SORTED_MAX entries turns into a heap, which a sorted array
 * already is. */
#define BOTTOM_SORTED_MAX 32
static void bottom_insert(sim_t *sim, heap_entry e)
{
    if (sim->bot_sorted) {
        uint32_t n = sim->heap_len - sim->bot_pos;
        if (n < BOTTOM_SORTED_MAX) {
            heap_entry *h = sim->heap;
            uint32_t i = sim->heap_len;
            if (sim->bot_pos > 0 && (n == 0 || before(&e, &h[sim->bot_pos]))) {
                h[--sim->bot_pos] = e;
                return;
            }
            if (G_UNLIKELY(sim->heap_len == sim->heap_cap))
                heap_grow(sim);
            h = sim->heap;
            for (; i > sim->bot_pos && before(&e, &h[i - 1]); i--)
                h[i] = h[i - 1];
            h[i] = e;
            sim->heap_len++;
            return;
        }
        memmove(sim->heap, sim->heap + sim->bot_pos, n * sizeof(heap_entry));
        sim->heap_len = n;
        sim->bot_pos = 0;
        sim->bot_sorted = false;
    }
    if (G_UNLIKELY(sim->heap_len == sim->heap_cap))
        heap_grow(sim);
    sift_up(sim->heap, sim->heap_len++, e);
    if (LADDER && G_UNLIKELY(sim->heap_len > 2 * sim->bot_fill + BOTTOM_SPREAD_MIN))
        bottom_spread(sim);
}

/* Spreads the n entries of the heap array (times lo..hi) over a new rung
 * from `lo`, each bucket a power of two wide, and empties the array: the
 * first rung (from the top) gets about SIM_LADDER_SPREAD buckets an entry,
 * a `sub` rung (from a bucket or the bottom) one for SIM_LADDER_SUB_EVENTS
 * entries. Buckets a power of two in number, at least 2. O(n + buckets). */
static void rung_push(sim_t *sim, uint64_t lo, uint64_t hi, bool sub)
{
    uint32_t n = sim->heap_len;
    rung *g = &sim->rungs[sim->nrungs++];
    uint64_t want = sub ? ((uint64_t)n + SIM_LADDER_SUB_EVENTS - 1) / SIM_LADDER_SUB_EVENTS
                        : (uint64_t)n * SIM_LADDER_SPREAD;
    uint32_t nb = 2;
    while (nb < want && nb < (1u << 22))
        nb *= 2;
    unsigned shift = 0;
    while (((hi - lo) >> shift) >= nb)
        shift++;
    if (nb > g->cap) {
        g_free(g->b);
        g->b = g_new(bucket, nb);
        g->cap = nb;
    }
    memset(g->b, 0xff, nb * sizeof(bucket)); /* every bucket NO_SLOT */
    g->base = lo;
    g->shift = shift;
    g->nb = nb;
    g->cur = 0;
    g->start = lo;
    for (uint32_t i = 0; i < n; i++) {
        const heap_entry *e = &sim->heap[i];
        list_push(sim, &g->b[rung_index(g, e->time)], ENTRY_SLOT(*e));
    }
    sim->listed += n;
    sim->heap_len = 0;
}

/* Refills the empty heap from the ladder: the first non-empty bucket of the
 * deepest rung goes to the heap if it is small, or is spread over a new,
 * finer rung if it is not; when no rung is left, the top becomes the first
 * rung. Returns false when no event is left. Each entry moves down a few
 * times at most (once a rung), so the cost is O(1) amortised an event. */
static bool ladder_refill(sim_t *sim)
{
    uint64_t lo, hi;
    for (;;) {
        if (sim->nrungs == 0) {
            if (sim->top_head == NO_SLOT) {
                sim->top_start = LADDER ? 0 : UINT64_MAX;
                return false;
            }
            uint32_t n = list_take(sim, sim->top_head, &lo, &hi);
            sim->top_head = NO_SLOT;
            if (n == 0)
                continue;
            if (!LADDER || n <= LADDER_SPLIT || lo == hi) {
                bottom_settle(sim);
                sim->top_start = LADDER ? hi + 1 : UINT64_MAX;
                return true;
            }
            rung_push(sim, lo, hi, false);
            rung *g = &sim->rungs[0];
            sim->top_start = g->base + ((uint64_t)g->nb << g->shift); /* no overflow: see rung_start */
        }
        rung *g = &sim->rungs[sim->nrungs - 1];
        uint32_t k = g->cur;
        while (k < g->nb && g->b[k] == NO_SLOT)
            k++;
        if (k == g->nb) {
            sim->nrungs--;
            continue;
        }
        uint32_t head = g->b[k];
        g->b[k] = NO_SLOT;
        g->cur = ++k;
        g->start = rung_start(g, k);
        uint32_t n = list_take(sim, head, &lo, &hi);
        if (n == 0)
            continue;
        if (n <= LADDER_SPLIT || lo == hi || sim->nrungs == LADDER_RUNGS) {
            bottom_settle(sim);
            return true;
        }
        rung_push(sim, lo, hi, true);
    }
}

/* Gathers every live entry (heap, rungs, top) into the heap array,
 * unordered, freeing the slots of cancelled ones; the ladder is left
 * empty. O(n). */
static void queue_gather(sim_t *sim)
{
    settle_top(sim); /* its slot is already free */
    uint32_t all = sim->top_head;
    for (uint32_t r = 0; r < sim->nrungs; r++) {
        rung *g = &sim->rungs[r];
        for (uint32_t k = g->cur; k < g->nb; k++) {
            uint32_t s = g->b[k];
            while (s != NO_SLOT) {
                uint32_t next = sim->slots[s].next;
                list_push(sim, &all, s);
                s = next;
            }
        }
    }
    sim->nrungs = 0;
    for (uint32_t i = sim->bot_pos; i < sim->heap_len; i++) {
        list_push(sim, &all, ENTRY_SLOT(sim->heap[i]));
        sim->listed++;
    }
    sim->heap_len = sim->bot_pos = 0;
    sim->top_head = NO_SLOT;
    uint64_t lo, hi;
    list_take(sim, all, &lo, &hi);
}

/* Puts the entries of the heap array back in the top list: the next
 * refill rebuilds the ladder from there. */
static void queue_restart(sim_t *sim)
{
    for (uint32_t i = sim->heap_len; i-- > 0;)
        list_push(sim, &sim->top_head, ENTRY_SLOT(sim->heap[i]));
    sim->listed += sim->heap_len;
    sim->heap_len = 0;
    sim->top_start = 0;
}

/* Drops the cancelled entries of the whole queue. */
static void queue_compact(sim_t *sim)
{
    queue_gather(sim);
    queue_restart(sim);
}

static int cmp_entry(const void *a, const void *b)
{
    return before(a, b) ? -1 : before(b, a);
}

/* Gives the pending events seq 0..n-1 in their current order. */
G_GNUC_NO_INLINE static void queue_renumber(sim_t *sim)
{
    queue_gather(sim);
    for (uint32_t i = 0; i < sim->heap_len; i++) {
        uint32_t s = ENTRY_SLOT(sim->heap[i]);
        slot_entry *se = &sim->slots[s];
        if (!se->fn) { /* postponed (gather dropped the cancelled): its entry takes the new key now */
            post_entry *pe = &sim->post[s];
            se->fn = pe->fn;
            se->time = pe->due;
            se->seq = pe->seq;
            pe->due = -1;
            sim->heap[i].time = (uint64_t)se->time;
            sim->heap[i].order = ((uint64_t)se->seq << 32) | s;
        }
    }
    qsort(sim->heap, sim->heap_len, sizeof(heap_entry), cmp_entry);
    for (uint32_t i = 0; i < sim->heap_len; i++) {
        sim->slots[ENTRY_SLOT(sim->heap[i])].seq = i;
        sim->heap[i].order = ((uint64_t)i << 32) | ENTRY_SLOT(sim->heap[i]);
    }
    sim->seq = sim->heap_len;
    queue_restart(sim);
}

void sim_internal_set_seq(sim_t *sim, uint32_t seq) { sim->seq = seq; }

/* A slot never used before (the free list is empty). */
G_GNUC_NO_INLINE static uint32_t slot_new(sim_t *sim)
{
    if (sim->slots_len == sim->slots_cap) {
        sim->slots_cap = sim->slots_cap ? sim->slots_cap * 2 : 256;
        sim->slots = g_renew(slot_entry, sim->slots, sim->slots_cap);
        if (sim->post) {
            sim->post = g_renew(post_entry, sim->post, sim->slots_cap);
            for (uint32_t i = sim->slots_len; i < sim->slots_cap; i++)
                sim->post[i].due = -1;
        }
    }
    uint32_t s = sim->slots_len++;
    sim->slots[s].gen = 1;
    return s;
}

/* Puts a new entry in the bottom (the part of schedule that is not the
 * ladder's, kept out of line so the common path stays short) and returns
 * `id`, so that schedule can end in a jump here. */
G_GNUC_NO_INLINE static sim_event_id schedule_bottom(sim_t *sim, heap_entry e, sim_event_id id)
{
    if (sim->top_done && !sim->bot_sorted) {
        /* The running event's entry is still at the root: the new one
         * takes its place, one pass instead of a pop and a push. */
        sim->top_done = false;
        heap_replace_top(sim->heap, sim->heap_len, e);
    } else {
        settle_top(sim);
        bottom_insert(sim, e);
    }
    return id;
}

/* Ends a slot's pending life: its handle goes stale. */
static inline void slot_retire(slot_entry *se)
{
    se->fn = NULL;
    if (++se->gen == 0)
        se->gen = 1;
}

/* Returns the slot a handle names if it is pending, or NO_SLOT. The
 * generation is enough: it changes whenever an event runs or is
 * cancelled, before its slot can be used again. */
static uint32_t slot_of(const sim_t *sim, sim_event_id id)
{
    uint32_t idx = (uint32_t)(id & 0xffffffffu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (idx == 0 || idx > sim->slots_len)
        return NO_SLOT;
    if (sim->slots[idx - 1].gen != gen)
        return NO_SLOT;
    return idx - 1;
}

static sim_event_id schedule_slow(sim_t *sim, sim_time_t at, sim_event_fn fn, void *ctx, void *arg);

/* Puts slot `s`, due at `t` with sequence `seq`, in the queue: the top,
 * the first rung whose region takes it, else the bottom; returns `id`.
 * The one placement of both a new event (schedule) and a postponed one
 * going back (queue_place). Inline: schedule still ends in a jump. */
static inline sim_event_id queue_insert(sim_t *sim, uint32_t s, uint64_t t, uint32_t seq, sim_event_id id)
{
    if (t >= sim->top_start) {
        list_push(sim, &sim->top_head, s);
        sim->listed++;
        return id;
    }
    for (uint32_t r = 0; r < sim->nrungs; r++) {
        rung *g = &sim->rungs[r];
        if (t >= g->start) {
            list_push(sim, &g->b[rung_index(g, t)], s);
            sim->listed++;
            return id;
        }
    }
    return schedule_bottom(sim, (heap_entry){.time = t, .order = ((uint64_t)seq << 32) | s}, id);
}

/* Schedules fn at `at` (>= now). The common case (a free slot, no
 * renumbering due) calls nothing but ends in a jump to schedule_bottom or
 * schedule_slow, so it saves no registers: it runs for every event. */
static inline sim_event_id schedule(sim_t *sim, sim_time_t at, sim_event_fn fn, void *ctx, void *arg)
{
    uint32_t s = sim->free_head;
    if (G_UNLIKELY(s == NO_SLOT || sim->seq == UINT32_MAX))
        return schedule_slow(sim, at, fn, ctx, arg);
    slot_entry *se = &sim->slots[s];
    sim->free_head = se->next;
    uint32_t seq = sim->seq++;
    se->fn = fn;
    se->ctx = ctx;
    se->arg = arg;
    se->time = at;
    se->seq = seq;
    sim_event_id id = ((uint64_t)se->gen << 32) | (uint64_t)(s + 1);
    return queue_insert(sim, s, (uint64_t)at, seq, id);
}

/* schedule's rare part: renumbers the queue when the sequence counter is
 * about to wrap, then makes a slot when none is free, in that order (the
 * renumbering frees the slots of cancelled entries), and schedules. */
G_GNUC_NO_INLINE static sim_event_id schedule_slow(sim_t *sim, sim_time_t at, sim_event_fn fn, void *ctx,
                                                   void *arg)
{
    if (sim->seq == UINT32_MAX)
        queue_renumber(sim);
    if (sim->free_head == NO_SLOT)
        slot_free(sim, slot_new(sim));
    return schedule(sim, at, fn, ctx, arg);
}

/* `at`, or now (counted as clamped) when it is in the past: the time an
 * event asked for at `at` is due, for sim_schedule_at and sim_reschedule. */
static inline sim_time_t due_at(sim_t *sim, sim_time_t at)
{
    if (G_UNLIKELY(at < sim->now)) {
        sim->clamped++;
        return sim->now;
    }
    return at;
}

sim_event_id sim_schedule_at(sim_t *sim, sim_time_t at, sim_event_fn fn, void *ctx, void *arg)
{
    g_assert(fn != NULL);
    return schedule(sim, due_at(sim, at), fn, ctx, arg);
}

/* Puts slot `s` back in the queue with its key (time, seq), where
 * schedule places a new one (queue_insert), taking no new seq. */
static void queue_place(sim_t *sim, uint32_t s)
{
    queue_insert(sim, s, (uint64_t)sim->slots[s].time, sim->slots[s].seq, 0);
}

/* The entry of postponed slot `s` is at the front of the bottom: it goes
 * back in the queue at its new key. */
G_GNUC_NO_INLINE static void requeue_postponed(sim_t *sim, uint32_t s)
{
    slot_entry *se = &sim->slots[s];
    post_entry *pe = &sim->post[s];
    bottom_pop(sim);
    se->fn = pe->fn;
    se->time = pe->due;
    se->seq = pe->seq;
    pe->due = -1;
    queue_place(sim, s);
}

G_GNUC_NO_INLINE static void post_alloc(sim_t *sim)
{
    sim->post = g_new(post_entry, sim->slots_cap);
    for (uint32_t i = 0; i < sim->slots_cap; i++)
        sim->post[i].due = -1;
}

sim_event_id sim_reschedule(sim_t *sim, sim_event_id id, sim_time_t at, sim_event_fn fn, void *ctx, void *arg)
{
    g_assert(fn != NULL);
    at = due_at(sim, at);
    /* Renumbering first: it moves a postponed entry to its due time, which
     * the comparison below must see (handles are unchanged by it). */
    if (G_UNLIKELY(sim->seq == UINT32_MAX))
        queue_renumber(sim);
    uint32_t s = slot_of(sim, id);
    if (s == NO_SLOT || at < sim->slots[s].time) {
        sim_cancel(sim, id);
        return schedule(sim, at, fn, ctx, arg);
    }
    if (G_UNLIKELY(!sim->post))
        post_alloc(sim);
    slot_entry *se = &sim->slots[s];
    post_entry *pe = &sim->post[s];
    pe->fn = fn; /* if it was postponed already, the latest call decides */
    se->fn = NULL;
    se->ctx = ctx;
    se->arg = arg;
    pe->due = at;
    pe->seq = sim->seq++;
    return id;
}

sim_event_id sim_schedule_in(sim_t *sim, sim_time_t delay, sim_event_fn fn, void *ctx, void *arg)
{
    g_assert(fn != NULL);
    if (G_UNLIKELY(delay < 0)) {
        sim->clamped++;
        delay = 0;
    }
    return schedule(sim, sim->now + delay, fn, ctx, arg);
}

bool sim_cancel(sim_t *sim, sim_event_id id)
{
    uint32_t s = slot_of(sim, id);
    if (s == NO_SLOT)
        return false;
    slot_retire(&sim->slots[s]);
    if (sim->post)
        sim->post[s].due = -1;
    sim->dead++;
    uint32_t all = sim->heap_len - sim->bot_pos + sim->listed;
    if (sim->dead > 64 && sim->dead > all - sim->dead)
        queue_compact(sim);
    return true;
}

bool sim_event_pending(const sim_t *sim, sim_event_id id) { return slot_of(sim, id) != NO_SLOT; }

sim_time_t sim_event_time(const sim_t *sim, sim_event_id id)
{
    uint32_t s = slot_of(sim, id);
    if (s == NO_SLOT)
        return -1;
    return slot_postponed(sim, s) ? sim->post[s].due : sim->slots[s].time;
}

void sim_stop(sim_t *sim) { sim->stop = true; }

static sim_run_result run_loop(sim_t *sim, sim_time_t limit)
{
    while (!sim->stop) {
        settle_top(sim);
        if (sim->heap_len == sim->bot_pos && !ladder_refill(sim))
            return SIM_RUN_EMPTY;
        heap_entry top = sim->heap[sim->bot_pos];
        uint32_t s = ENTRY_SLOT(top);
        slot_entry *se = &sim->slots[s];
        if (G_UNLIKELY(se->fn == NULL)) { /* cancelled or postponed */
            if (slot_postponed(sim, s)) {
                requeue_postponed(sim, s);
                continue;
            }
            bottom_pop(sim);
            slot_free(sim, s);
            sim->dead--;
            continue;
        }
        if ((sim_time_t)top.time > limit)
            return SIM_RUN_LIMIT;
        /* The entry stays at the root while the event runs (top_done): the
         * first event it schedules takes its place. */
        sim->top_done = true;
        sim_event_fn fn = se->fn;
        void *ctx = se->ctx, *arg = se->arg;
        slot_retire(se);
        slot_free(sim, s);
        sim->now = (sim_time_t)top.time;
        sim->executed++;
        fn(sim, ctx, arg);
    }
    settle_top(sim);
    sim->stop = false;
    return SIM_RUN_STOPPED;
}

sim_run_result sim_run(sim_t *sim) { return run_loop(sim, SIM_TIME_MAX); }
sim_run_result sim_run_limit(sim_t *sim, sim_time_t limit) { return run_loop(sim, limit); }

sim_run_result sim_run_until(sim_t *sim, sim_time_t limit)
{
    sim_run_result r = run_loop(sim, limit);
    if (r != SIM_RUN_STOPPED && limit > sim->now)
        sim->now = limit;
    return r;
}
