/*
 * sim_trace: the trace bus. Emitters (links, transports, applications)
 * publish records; outputs (statistics, digests, pcap writers, timelines)
 * subscribe to the kinds they want. The engine itself never prints.
 *
 * Sources are named once (for example "access:a->b" for one direction of a
 * link) and are then referred to by a small integer id, assigned in
 * registration order, so that ids are deterministic.
 *
 * Subscribers are called synchronously, in subscription order, from inside
 * the emitting event: they observe, they must not schedule or cancel events
 * that change the simulation. Records and everything they point to are
 * borrowed for the duration of the call.
 *
 * Cost: emitting a kind that nobody subscribed to is one mask test
 * (sim_trace_wants, inline); a kind with one subscriber, a call to
 * sim_trace_emit that calls it (a tail call); otherwise one call to each
 * subscriber of that kind, with no mask tests; (un)subscribing is
 * O(subscribers).
 *
 * Ownership: the bus belongs to its sim_t (see sim_trace()).
 */
#ifndef APPSIM_SIM_TRACE_H
#define APPSIM_SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

typedef enum {
    SIM_TR_ENQUEUE,  /* a packet entered a link direction's queue */
    SIM_TR_DROP,     /* a packet was discarded (reason: emitter-defined code) */
    SIM_TR_TX_START, /* a packet began transmission on a link direction */
    SIM_TR_TX,       /* a packet's last bit left the sender */
    SIM_TR_RX,       /* a packet arrived at the far end of a link direction */
    SIM_TR_APP,      /* an application message (text) */
    SIM_TR__COUNT
} sim_trace_kind;

#define SIM_TR_MASK(kind) (1u << (kind))
#define SIM_TR_ALL ((1u << SIM_TR__COUNT) - 1u)

const char *sim_trace_kind_name(sim_trace_kind kind);

typedef struct {
    sim_trace_kind kind;
    sim_time_t time;
    uint32_t source;  /* id from sim_trace_source() */
    uint32_t reason;  /* SIM_TR_DROP: emitter-defined reason code */
    uint64_t bytes;   /* bytes on the wire, 0 when not applicable */
    const void *obj;  /* emitter-defined object (models/: the packet) or NULL */
    const char *text; /* SIM_TR_APP: the message; otherwise NULL */
} sim_trace_rec;

typedef void (*sim_trace_fn)(void *ctx, const sim_trace_rec *rec);

/* Registers a source name (copied) and returns its id: 0, 1, 2, ... */
uint32_t sim_trace_source(sim_trace_t *bus, const char *name);
/* The name of a source id, or NULL for an unknown id. */
const char *sim_trace_source_name(const sim_trace_t *bus, uint32_t source);
uint32_t sim_trace_source_count(const sim_trace_t *bus);

/* Subscribes fn to the kinds in `mask`; returns a subscription id (> 0). */
unsigned sim_trace_subscribe(sim_trace_t *bus, uint32_t mask, sim_trace_fn fn, void *ctx);
void sim_trace_unsubscribe(sim_trace_t *bus, unsigned subscription);

/* What emitting reads, the first member of the bus (sim_trace_private.h),
 * so that sim_trace_wants below reaches it from a bus pointer (a pointer
 * to a structure, converted, points to its first member): the union of
 * the subscribers' masks and, per kind, its only subscriber's call, or fn
 * NULL when it has none or several. Rebuilt on every (un)subscription;
 * nothing else writes it. */
typedef struct {
    uint32_t mask;
    struct {
        sim_trace_fn fn;
        void *ctx;
    } one[SIM_TR__COUNT];
} sim_trace_head;

/* True when someone subscribed to `kind`: emitters test this first. */
static inline bool sim_trace_wants(const sim_trace_t *bus, sim_trace_kind kind)
{
    return (((const sim_trace_head *)(const void *)bus)->mask & SIM_TR_MASK(kind)) != 0;
}

/* Calls the subscribers of rec->kind, in subscription order. A call, not
 * inline: emitters test sim_trace_wants inline first, and stay small. */
void sim_trace_emit(sim_trace_t *bus, const sim_trace_rec *rec);
/* Emits a SIM_TR_APP record with a formatted message at the current time. */
void sim_trace_app(sim_trace_t *bus, sim_time_t now, uint32_t source, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
