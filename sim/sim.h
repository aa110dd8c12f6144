/*
 * sim: the discrete-event engine.
 *
 * A sim_t owns a clock, a queue of pending events and a trace bus. Events run
 * in a total order: by time, then by the order in which they were scheduled,
 * so two events at the same instant run first-scheduled first. Nothing here
 * knows about networks; models/ builds on it.
 *
 * Events are (function, ctx, arg) triples. Scheduling returns a handle that
 * stays valid until the event runs or is cancelled; cancelling a stale or
 * zero handle is a harmless no-op, because every handle carries the
 * generation of the slot it was issued for.
 *
 * Costs: schedule, cancel and running an event are O(1) amortised when
 * due times are spread out, and O(log n) amortised at worst in the number
 * of pending events (many events at one instant): a ladder queue of
 * unsorted buckets above a small sorted array or 4-ary heap of the events
 * due first; a cancelled event is skipped when it is reached, and the
 * queue is compacted when such entries outnumber the live ones. Memory is
 * about 64 to 80 bytes per pending event (24 more a slot once
 * sim_reschedule has postponed an event), and slots are reused, so a long
 * run does not grow. sim_reschedule is O(1) when it postpones, else a
 * cancel and a schedule.
 *
 * Several sim_t may live in one process, on different threads; a sim_t
 * itself is not thread-safe. There is no global state.
 *
 * Ownership: sim_new/sim_free. sim_free drops pending events without running
 * them; whoever owns a ctx or arg frees it.
 */
#ifndef APPSIM_SIM_H
#define APPSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

typedef struct sim sim_t;
typedef struct sim_trace sim_trace_t;

/* A handle to a scheduled event; 0 means "no event". */
typedef uint64_t sim_event_id;
#define SIM_EVENT_NONE ((sim_event_id)0)

/* An event's function. `ctx` and `arg` are what was given to schedule.
 * The function may schedule and cancel events, including re-scheduling
 * itself; its own handle is already stale when it is called. */
typedef void (*sim_event_fn)(sim_t *sim, void *ctx, void *arg);

/* Why a run returned. */
typedef enum {
    SIM_RUN_EMPTY,   /* no event left */
    SIM_RUN_LIMIT,   /* the next event is after the time limit */
    SIM_RUN_STOPPED, /* sim_stop() was called */
} sim_run_result;

sim_t *sim_new(uint64_t seed);
void sim_free(sim_t *sim);

/* The seed random streams derive from (see sim_rng.h). */
uint64_t sim_seed(const sim_t *sim);
sim_time_t sim_now(const sim_t *sim);

/* Schedules fn(sim, ctx, arg) at absolute time `at`, which must not be in the
 * past (an earlier time is a programming error: it is clamped to now and
 * counted in sim_clamped_events()). */
sim_event_id sim_schedule_at(sim_t *sim, sim_time_t at, sim_event_fn fn, void *ctx, void *arg);
/* Schedules fn after `delay` (>= 0) nanoseconds from now. */
sim_event_id sim_schedule_in(sim_t *sim, sim_time_t delay, sim_event_fn fn, void *ctx, void *arg);
/* Cancels a pending event. Returns true if it was pending; false (and does
 * nothing) for SIM_EVENT_NONE, an event that already ran, or a cancelled one. */
bool sim_cancel(sim_t *sim, sim_event_id id);
/* Moves a pending event to run fn(sim, ctx, arg) at `at` instead, in the
 * same order as sim_cancel(id) then sim_schedule_at(at, ...) would (ties at
 * `at` included), and returns its handle. When `at` is no earlier than the
 * time the event is queued for, the event keeps its place and handle and
 * only its new time is recorded: O(1), no queue operation, which suits a
 * timer that is pushed back often (a retransmission timer); it is moved
 * when it reaches the front. Otherwise (an earlier time, or `id` not
 * pending) it is sim_cancel then sim_schedule_at, and the handle is new. */
sim_event_id sim_reschedule(sim_t *sim, sim_event_id id, sim_time_t at, sim_event_fn fn, void *ctx, void *arg);
bool sim_event_pending(const sim_t *sim, sim_event_id id);
/* The time a pending event is due, or -1 when `id` is not pending. */
sim_time_t sim_event_time(const sim_t *sim, sim_event_id id);

/* Runs until no event is left or sim_stop() is called. */
sim_run_result sim_run(sim_t *sim);
/* Runs every event due at or before `limit`, then sets the clock to `limit`
 * (unless stopped earlier, or `limit` is in the past). */
sim_run_result sim_run_until(sim_t *sim, sim_time_t limit);
/* Runs every event due at or before `limit`, leaving the clock at the last
 * event run (it does not move to `limit`). */
sim_run_result sim_run_limit(sim_t *sim, sim_time_t limit);
/* Makes the running sim_run* return after the current event. A stop request
 * made while nothing is running applies to the next run. */
void sim_stop(sim_t *sim);

uint64_t sim_events_executed(const sim_t *sim);
size_t sim_events_pending(const sim_t *sim);
uint64_t sim_clamped_events(const sim_t *sim);

/* The trace bus of this simulation (owned by the sim). */
sim_trace_t *sim_trace(sim_t *sim);

#endif
