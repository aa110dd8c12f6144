/*
 * net: a network of hosts and routers joined by full-duplex links.
 *
 * Build a topology, then send packets; routes are computed when first
 * needed (and afresh after the topology changed). The textbook's figure
 * reads almost as it is drawn:
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
 * Routing is static: shortest paths by hop count. Ties are broken by a
 * breadth-first search from the destination that scans each node's links
 * in creation order (in effect, the earliest-created link wins), so routes
 * never depend on memory layout. Routes are computed on demand, one tree per
 * destination in use (a breadth-first search, O(N + L) for N nodes and L
 * links), and kept in a cache with a memory budget that evicts the least
 * recently used trees; hosts with a single link share the tree of their
 * router. Memory: O(N + L) for the forwarding graph, 4 bytes per router
 * (or multi-homed host) per cached tree, never more than the budget.
 * net.c's header comment has the details.
 *
 * Limits: at most NET_MAX_NODES nodes and NET_MAX_LINKS links; adding more
 * fails with NET_ERROR_LIMIT rather than running out of memory later.
 *
 * Protocols attach to the network with net_set_handler(): one handler per
 * protocol number per network (UDP, TCP, raw traffic sinks), which receives
 * every packet addressed to a host, together with that host.
 *
 * Errors: API misuse a caller can make from configuration (a zero rate, an
 * unknown node, a link to itself, a duplicate name, no route, a network
 * above the size limits) is reported through GError in the NET_ERROR
 * domain; nothing here exits the process.
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
    NET_ERROR_LIMIT,     /* a documented size limit would be exceeded */
} net_error_code;

/* The largest network: node addresses and link indices stay far below
 * 2^32, and a network of this size takes about 0.25 GB for its nodes and
 * 1.8 GB for its links (about 240 bytes a node and 890 a link with short
 * names; docs/models.md has the figures). */
#define NET_MAX_NODES 1000000u
#define NET_MAX_LINKS 2000000u

/* The route cache's budget in bytes: by default, and the least one may
 * set, which holds one tree of a network of NET_MAX_NODES routers (4 bytes
 * per forwarder plus a small header), so that the tree in use always fits. */
#define NET_ROUTE_CACHE_DEFAULT_BYTES (UINT64_C(64) << 20)
#define NET_ROUTE_CACHE_MIN_BYTES (UINT64_C(4) << 20)

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
/* Lookups by name are hash-table lookups, O(1) on average (and O(length of
 * the name)); iteration is by address or index, in creation order. */
node_t *net_node_by_name(const net_t *net, const char *name);
node_t *net_node_by_addr(const net_t *net, uint32_t addr);
uint32_t net_node_count(const net_t *net);
const char *node_name(const node_t *node);
uint32_t node_addr(const node_t *node);
node_kind node_get_kind(const node_t *node);

/* A host's rule for inbound TCP connections, a firewall in front of it:
 * ACCEPT (the default) lets every SYN reach the stack; REFUSE answers a
 * connection request (a SYN without ACK) with a reset, as a port nobody
 * listens on would; DROP discards it silently (the peer retries until it
 * gives up). Connections the host opens itself, and every segment of
 * them, are not affected, nor is UDP. Costs: one comparison per SYN. */
typedef enum { NODE_INBOUND_ACCEPT, NODE_INBOUND_REFUSE, NODE_INBOUND_DROP } node_inbound;
void node_set_inbound(node_t *node, node_inbound rule);
node_inbound node_get_inbound(const node_t *node);
/* "accept", "refuse", "drop"; parse: false for another word. */
const char *node_inbound_name(node_inbound rule);
bool node_inbound_parse(const char *s, node_inbound *out);

/* IPv4 addresses. Every node has one, derived from its address (its
 * creation index): 10.0.0.0 | (address + 1), so node 0 is 10.0.0.1 and
 * node 6 is 10.0.0.7. This is the one definition: the pcap writer's
 * headers, a datagram's sender as an application sees it, DNS answers and
 * the address literals connect() and dgram_send() accept all use it.
 * NET_MAX_NODES + 1 stays below 2^24, so every node's address is inside
 * 10.0.0.0/8 and no two nodes share one. */
#define NET_IPV4_BASE UINT32_C(0x0a000000)
/* Room for a dotted quad and its NUL ("255.255.255.255"). */
#define NET_IPV4_STRLEN 16
uint32_t net_ipv4_of(uint32_t addr);
/* The node address behind an IPv4 address (inverse of net_ipv4_of), or
 * false when it is outside the nodes' range. */
bool net_addr_of_ipv4(uint32_t ip, uint32_t *addr);
/* "10.0.0.7" into out (always NUL-terminated). */
void net_ipv4_format(uint32_t ip, char out[NET_IPV4_STRLEN]);
/* Parses a dotted quad strictly: four decimal numbers from 0 to 255
 * without signs, spaces or leading zeros, joined by dots. O(length). */
bool net_ipv4_parse(const char *s, uint32_t *ip);
/* A node's address literal ("10.0.0.7") into out. */
void node_address_text(const node_t *node, char out[NET_IPV4_STRLEN]);
/* The node a peer string names: a node's name first, else an address
 * literal of one of this network's nodes; NULL when neither. A node whose
 * name looks like another node's literal is found by its name. O(1) on
 * average. */
node_t *net_node_by_name_or_address(const net_t *net, const char *s);

/* Joins a and b. `ab` describes a -> b; `ba` describes b -> a, or NULL for
 * the same as `ab`. The link's name must be unique. */
link_t *net_link(net_t *net, const char *name, node_t *a, node_t *b, const link_params_t *ab,
                 const link_params_t *ba, GError **err);
link_t *net_link_by_name(const net_t *net, const char *name);
uint32_t net_link_count(const net_t *net);
link_t *net_link_at(const net_t *net, uint32_t index);
/* The link direction whose trace records carry `source`
 * (link_dir_trace_source), or NULL for a source that is no link
 * direction's. O(1): one pointer per trace source of the simulation. */
link_dir_t *net_link_dir_by_trace_source(const net_t *net, uint32_t source);
const char *link_name(const link_t *link);
/* Direction 0 is a -> b, direction 1 is b -> a. */
link_dir_t *link_dir(link_t *link, int dir);
/* The link a direction belongs to. */
link_t *link_dir_link(const link_dir_t *d);
/* The direction of `link` that leaves `from`, or NULL. */
link_dir_t *link_dir_from(link_t *link, const node_t *from);

/* Takes the link down over [start, end) in both directions; packets whose
 * transmission ends in such an interval are lost (NET_DROP_DOWN). */
bool link_add_down_interval(link_t *link, sim_time_t start, sim_time_t end, GError **err);

/* Prepares routing now: builds the forwarding graph (O(N + L)) and empties
 * the route cache. Otherwise this happens on the first lookup after the
 * topology changed; trees are computed on each destination's first use. */
void net_compute_routes(net_t *net);
/* The number of hops from a to b, or -1 with NET_ERROR_NO_ROUTE. Costs one
 * next-hop lookup per hop. */
int net_path_hops(net_t *net, const node_t *a, const node_t *b, GError **err);
/* The link direction `from` uses towards `to`, or NULL when there is none
 * (or from == to). O(1) when the tree towards `to` is cached, O(N + L)
 * when it must be computed (which may evict the least recently used tree). */
link_dir_t *net_next_hop(net_t *net, const node_t *from, const node_t *to);

/* Sets the route cache's budget in bytes (NET_ROUTE_CACHE_DEFAULT_BYTES
 * until then); trees are evicted, least recently used first, until the rest
 * fits. Fails with NET_ERROR_LIMIT below NET_ROUTE_CACHE_MIN_BYTES. Routes
 * do not depend on the budget, only the time spent recomputing them. */
bool net_set_route_cache_limit(net_t *net, uint64_t bytes, GError **err);

/* The route cache's counters. Bytes are the trees' own sizes (header plus
 * 4 bytes per forwarder), without the allocator's overhead. */
typedef struct {
    uint64_t limit_bytes; /* the budget */
    uint64_t bytes;       /* held by cached trees now; never above the budget */
    uint64_t peak_bytes;  /* the most held at once since net_new */
    uint32_t trees;       /* trees cached now */
    uint64_t built;       /* trees computed since net_new */
    uint64_t evicted;     /* trees evicted to stay within the budget */
    uint32_t forwarders;  /* entries per tree: routers and hosts without exactly one link */
    uint64_t graph_bytes; /* the forwarding graph and the search's queue, outside the budget */
} net_route_stats_t;
void net_route_stats(const net_t *net, net_route_stats_t *out);

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
