/* sim internals exposed to the test suite only. */
#ifndef APPSIM_SIM_INTERNAL_H
#define APPSIM_SIM_INTERNAL_H

#include "sim.h"

/* Sets the scheduling counter, so tests can reach its wrap-around. */
void sim_internal_set_seq(sim_t *sim, uint32_t seq);

#endif
