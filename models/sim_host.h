/*
 * sim_host: the host seam (seam/host.h) for a simulated host.
 *
 * Wraps one node of a network, the network's TCP stack and, when the world
 * hands it one, the network's UDP stack:
 * - Peers are named by node name or by address literal ("10.0.0.7", the
 *   node's IPv4 address: net_ipv4_of in net.h), a name first.
 * - connect() finds the peer node; listen() opens a TCP listener
 *   on the node (port 0: a free port of the ephemeral range), and
 *   listener_port() says which port it has.
 * - Timers are simulation events; timer_rearm() moves a pending one with
 *   sim_reschedule (sim/sim.h), so a deadline pushed later costs no queue
 *   operation and leaves no cancelled event behind.
 * - Datagram sockets are UDP sockets of the node (models/udp.h; port 0:
 *   a free port from 49152 up). dgram_send() names the peer node (name or
 *   literal) and carries the tag in the packet; a datagram may be length-only
 *   (data NULL) and as long as 2^32 - 1 bytes (the model does not
 *   fragment). The receive callback runs from UDP's delivery event, the
 *   instant the datagram arrives, with `from` the sender node's address
 *   literal ("10.0.0.1", what a DNS resolver checks an answer's source
 *   against; dgram_send() to it replies): no event of our own is added.
 *   A socket closed from inside its own callback is closed when the
 *   callback returns.
 * - log() and record() go to the trace bus as application messages
 *   (source "host:<name>"); record() first hands the record to the sink
 *   set with sim_host_set_record_sink(), if any, and traces the text
 *   "record <kind>: <text>".
 * - wall_s() is SIM_HOST_EPOCH plus simulated seconds, so Date headers are
 *   the same in every run.
 *
 * Errors of the seam's operations are NET_ERROR (net.h): an unknown host
 * name is NET_ERROR_NOT_FOUND, no route NET_ERROR_NO_ROUTE, a port taken
 * NET_ERROR_EXISTS, an unusable argument or a host without a UDP stack
 * NET_ERROR_INVALID.
 *
 * Ownership: sim_host_new/sim_host_free. The host borrows the TCP stack
 * and the UDP stack, which must outlive it: free the host after the
 * applications that use it and before both stacks. Timers still pending at
 * sim_host_free are cancelled and datagram sockets still open are closed.
 * Must not be called from inside one of the host's callbacks.
 */
#ifndef APPSIM_SIM_HOST_H
#define APPSIM_SIM_HOST_H

#include "seam/host.h"
#include "tcp.h"
#include "udp.h"

/* 2024-01-01T00:00:00Z: the simulated wall clock at time 0. */
#define SIM_HOST_EPOCH INT64_C(1704067200)

typedef struct sim_host sim_host_t;

/* Receives one application record: the host's name, the simulated time
 * (ns), the record's table and its row. The strings are borrowed for the
 * call. */
typedef void (*sim_host_record_fn)(void *ud, const char *host, int64_t now_ns, const char *kind,
                                   const char *text);

/* `params` are the TCP parameters of this host's connections and
 * listeners; NULL means the stack's defaults. */
sim_host_t *sim_host_new(tcp_stack_t *tcp, node_t *node, const tcp_params_t *params);
void sim_host_free(sim_host_t *h);
host_env *sim_host_env(sim_host_t *h);
node_t *sim_host_node(const sim_host_t *h);

/* The UDP stack of the host's network (one per network, owned by the
 * world), for datagram sockets; without it dgram_open() fails. Set it
 * before the first dgram_open(). */
void sim_host_set_udp(sim_host_t *h, udp_stack_t *udp);

/* Where record() sends its records (fn NULL: nowhere but the trace bus).
 * `ud` is borrowed. */
void sim_host_set_record_sink(sim_host_t *h, sim_host_record_fn fn, void *ud);

#endif
