/*
 * sim_host: the host seam (seam/host.h) for a simulated host.
 *
 * Wraps one node of a network and the network's TCP stack: connect() finds
 * the peer node by name, listen() opens a TCP listener on the node, timers
 * are simulation events, log lines go to the trace bus as application
 * messages (source "host:<name>"). wall_s() is SIM_HOST_EPOCH plus
 * simulated seconds, so Date headers are the same in every run.
 *
 * Ownership: sim_host_new/sim_host_free. Free the host after the
 * applications that use it and before the TCP stack. Timers still pending
 * at sim_host_free are cancelled.
 */
#ifndef APPSIM_SIM_HOST_H
#define APPSIM_SIM_HOST_H

#include "seam/host.h"
#include "tcp.h"

/* 2024-01-01T00:00:00Z: the simulated wall clock at time 0. */
#define SIM_HOST_EPOCH INT64_C(1704067200)

typedef struct sim_host sim_host_t;

/* `params` are the TCP parameters of this host's connections and
 * listeners; NULL means the stack's defaults. */
sim_host_t *sim_host_new(tcp_stack_t *tcp, node_t *node, const tcp_params_t *params);
void sim_host_free(sim_host_t *h);
host_env *sim_host_env(sim_host_t *h);
node_t *sim_host_node(const sim_host_t *h);

#endif
