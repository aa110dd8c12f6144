/*
 * net: a network of hosts and routers joined by full-duplex links.
 *
 * Build a topology, then send packets; routes are computed (again) on the
 * first send after the topology changed. The textbook's figure reads
 * almost as it is drawn:
 *
 *     net_t *net = net_new(sim);
 *     node_t *client = net_add_host(net, "client", &err);
 *     node_t *server = net_add_host(net, "server", &err);
 *     link_params_t p = { .rate_bps = 10000000, .delay = SIM_MS(50) };
 *     net_link(net, "access", client, server, &p, NULL, &err);
 *
 * Nodes and links are numbered in creation order (node 0, 1, ...); a node's
 * address is its number. Hosts send and receive; routers store and forward
 * (zero processing time: a packet is queued on the outgoing link the
 * instant it arrives). Hosts never forward.
 *
 * Routing is static: shortest paths by hop count, computed by a
 * breadth-first search from every destination, O(N (N + L)) for N nodes
 * and L links, with a next-hop table of N^2 entries. Ties go to the
 * neighbour reached through the earliest-created link, so routes never
 * depend on memory layout.
 *
 * Protocols attach to the network with net_set_handler(): one handler per
 * protocol number per network (UDP, TCP, raw traffic sinks), which receives
 * every packet addressed to a host, together with that host.
 *
 * Errors: API misuse a caller can make from configuration (a zero rate, an
 * unknown node, a link to itself, a duplicate name, no route) is reported
 * through GError in the NET_ERROR domain; nothing here exits the process.
 *
 * Ownership: net_new/net_free. The net borrows the sim (which must outlive
 * it) and owns its nodes, links and every packet (see packet.h).
 */
#ifndef APPSIM_NET_H
#define APPSIM_NET_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "packet.h"
#include "sim/sim.h"

#define NET_ERROR (net_error_quark())
GQuark net_error_quark(void);
typedef enum {
    NET_ERROR_INVALID,   /* a parameter out of range */
    NET_ERROR_NOT_FOUND, /* an unknown node or link */
    NET_ERROR_EXISTS,    /* a duplicate name */
    NET_ERROR_NO_ROUTE,  /* no path between two nodes */
} net_error_code;

typedef struct net net_t;
typedef struct node node_t;
typedef struct link link_t;
typedef struct link_dir link_dir_t;

typedef enum { NODE_HOST, NODE_ROUTER } node_kind;

/* One direction of a link. Zero means "none" for the limits. */
typedef struct {
    uint64_t rate_bps;    /* bandwidth, bits per second; must be > 0 */
    sim_time_t delay;     /* one-way propagation delay, >= 0 */
    uint32_t queue_pkts;  /* drop-tail limit on waiting packets; 0: no limit */
    uint64_t queue_bytes; /* drop-tail limit on waiting bytes; 0: no limit */
    double loss;          /* probability that a packet is lost on the wire */
} link_params_t;

/* Why a packet was dropped (the `reason` of a SIM_TR_DROP record). */
typedef enum {
    NET_DROP_QUEUE = 1, /* the drop-tail queue was full */
    NET_DROP_LOSS,      /* random loss on the wire */
    NET_DROP_DOWN,      /* the link was down */
    NET_DROP_NO_ROUTE,  /* no route to the destination */
    NET_DROP_TTL,       /* ttl reached zero */
    NET_DROP_NO_HANDLER,/* no protocol handler (or no socket) at the host */
} net_drop_reason;
const char *net_drop_reason_name(uint32_t reason);

/* Receives a packet addressed to `host` (ownership passes to the handler). */
typedef void (*net_handler_fn)(void *ctx, node_t *host, pkt_t *pkt);

net_t *net_new(sim_t *sim);
void net_free(net_t *net);
sim_t *net_sim(const net_t *net);
pkt_pool_t *net_pool(net_t *net);

/* Header bytes added to every TCP (default 40) and UDP (default 28) packet. */
void net_set_header_bytes(net_t *net, pkt_proto proto, uint16_t bytes);
uint16_t net_header_bytes(const net_t *net, pkt_proto proto);

node_t *net_add_host(net_t *net, const char *name, GError **err);
node_t *net_add_router(net_t *net, const char *name, GError **err);
node_t *net_node_by_name(const net_t *net, const char *name);
node_t *net_node_by_addr(const net_t *net, uint32_t addr);
uint32_t net_node_count(const net_t *net);
const char *node_name(const node_t *node);
uint32_t node_addr(const node_t *node);
node_kind node_get_kind(const node_t *node);

/* Joins a and b. `ab` describes a -> b; `ba` describes b -> a, or NULL for
 * the same as `ab`. The link's name must be unique. */
link_t *net_link(net_t *net, const char *name, node_t *a, node_t *b, const link_params_t *ab,
                 const link_params_t *ba, GError **err);
link_t *net_link_by_name(const net_t *net, const char *name);
uint32_t net_link_count(const net_t *net);
link_t *net_link_at(const net_t *net, uint32_t index);
const char *link_name(const link_t *link);
/* Direction 0 is a -> b, direction 1 is b -> a. */
link_dir_t *link_dir(link_t *link, int dir);
/* The direction of `link` that leaves `from`, or NULL. */
link_dir_t *link_dir_from(link_t *link, const node_t *from);

/* Takes the link down over [start, end) in both directions; packets whose
 * transmission ends in such an interval are lost (NET_DROP_DOWN). */
bool link_add_down_interval(link_t *link, sim_time_t start, sim_time_t end, GError **err);

/* Computes routes now (otherwise done on the first send). */
void net_compute_routes(net_t *net);
/* The number of hops from a to b, or -1 with NET_ERROR_NO_ROUTE. */
int net_path_hops(net_t *net, const node_t *a, const node_t *b, GError **err);
/* The link direction `from` uses towards `to`, or NULL when there is none. */
link_dir_t *net_next_hop(net_t *net, const node_t *from, const node_t *to);

void net_set_handler(net_t *net, pkt_proto proto, net_handler_fn fn, void *ctx);

/* Sends a packet from host `from` (its src is set to from's address). The
 * network takes ownership. A packet to the sending host itself is delivered
 * in a new event at the same instant. Returns false (and traces a drop)
 * when there is no route. */
bool net_send(net_t *net, node_t *from, pkt_t *pkt);
/* Traces a drop of `pkt` at node `at` and releases it: for handlers that
 * find no taker. */
void net_drop(net_t *net, node_t *at, pkt_t *pkt, net_drop_reason reason);

/* Statistics of one link direction since time 0 or the last reset. */
typedef struct {
    sim_time_t elapsed;          /* time covered */
    uint64_t tx_pkts, tx_bytes;  /* transmissions completed (wire bytes) */
    uint64_t rx_pkts, rx_bytes;  /* arrivals at the far end */
    uint64_t drops_queue, drops_loss, drops_down;
    sim_time_t busy;             /* time spent transmitting */
    double utilisation;          /* busy / elapsed */
    double mean_queue_pkts;      /* time-average number of waiting packets */
    uint32_t max_queue_pkts;
    uint64_t max_queue_bytes;
    uint64_t waits;              /* packets that started transmission */
    double mean_wait_s;          /* mean time from enqueue to transmission start */
} link_stats_t;

void link_dir_stats(const link_dir_t *d, link_stats_t *out);
/* Starts the statistics afresh from now (to leave out a warm-up). */
void link_dir_reset_stats(link_dir_t *d);
const link_params_t *link_dir_params(const link_dir_t *d);
node_t *link_dir_src(const link_dir_t *d);
node_t *link_dir_dst(const link_dir_t *d);
/* The trace source id of this direction, named "<link>:<src>-><dst>". */
uint32_t link_dir_trace_source(const link_dir_t *d);
uint32_t link_dir_queue_pkts(const link_dir_t *d);

#endif
