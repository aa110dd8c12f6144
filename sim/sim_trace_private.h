/* sim_trace internals shared with sim.c, which embeds the bus in sim_t. */
#ifndef APPSIM_SIM_TRACE_PRIVATE_H
#define APPSIM_SIM_TRACE_PRIVATE_H

#include <glib.h>

#include "sim_trace.h"

typedef struct {
    unsigned id;
    uint32_t mask;
    sim_trace_fn fn;
    void *ctx;
} sim_trace_sub;

/* What emitting a record of one kind calls. */
typedef struct {
    sim_trace_fn fn;
    void *ctx;
    unsigned id; /* the subscription's */
} sim_trace_call;

struct sim_trace {
    sim_trace_head head; /* first (sim_trace.h): the mask and the single calls */
    GArray *subs;      /* of sim_trace_sub, in subscription order */
    /* Per kind, the calls of the subscribers that want it, in subscription
     * order: rebuilt from `subs` on every (un)subscription, so that emitting
     * tests no masks. */
    GArray *calls[SIM_TR__COUNT]; /* of sim_trace_call */
    GPtrArray *names;  /* source names, index = id */
    unsigned next_sub;
};

void sim_trace_init(sim_trace_t *bus);
void sim_trace_clear(sim_trace_t *bus);

#endif
