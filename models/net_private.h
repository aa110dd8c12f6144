/* net internals shared by net.c and link.c. Not for other modules. */
#ifndef APPSIM_NET_PRIVATE_H
#define APPSIM_NET_PRIVATE_H

#include "net.h"
#include "sim/sim_rng.h"

typedef struct {
    sim_time_t start, end;
} down_interval;

struct link_dir {
    net_t *net;
    link_t *link;
    node_t *src, *dst;
    uint32_t iface;        /* this direction's index in src->ifaces */
    link_params_t p;
    uint32_t trace_src;
    sim_trace_t *bus;      /* the sim's trace bus (sim_trace), looked up once */
    sim_rng_t rng;         /* loss draws */
    /* queue of waiting packets (not counting the one on the wire) */
    pkt_t *head, *tail;
    uint32_t qlen;
    uint64_t qbytes;
    bool busy;
    sim_time_t busy_since; /* start of the current transmission */
    /* statistics */
    sim_time_t stats_start;
    sim_time_t q_last;     /* last change of qlen, for the time average */
    double q_area;         /* integral of qlen dt, in packet-ns */
    sim_time_t wait_sum;   /* sum of enqueue-to-transmission waits */
    link_stats_t st;
};

struct link {
    uint32_t index;
    char *name;
    link_dir_t dir[2];
    GArray *down; /* of down_interval, sorted by start */
};

struct node {
    net_t *net;
    uint32_t addr;
    char *name;
    node_kind kind;
    uint32_t trace_src;
    node_inbound inbound; /* what TCP does with a SYN from outside */
    GPtrArray *ifaces; /* of link_dir_t*, leaving this node, in creation order */
    /* Routing (net.c). `fwd` is this node's index among the forwarders, or
     * NET_NO_FWD for a host with exactly one link (a leaf), and `uplink` a
     * leaf's one interface (NULL for a forwarder), both valid while
     * net->routes.graph_fresh; `tree` is the cached tree of routes towards
     * this node, or NULL. */
    uint32_t fwd;
    link_dir_t *uplink;
    struct route_tree *tree;
};

typedef struct {
    net_handler_fn fn;
    void *ctx;
} net_handler;

#define NET_NO_FWD UINT32_MAX

/* Routing state (net.c's header comment explains it). The forwarding graph
 * is the topology without its leaves, in compressed adjacency form; it is
 * rebuilt on the first lookup after the topology changed. The cache holds
 * trees of routes, one per destination in use, each stamped with its last
 * use. */
typedef struct {
    bool graph_fresh;     /* the graph and `fwd` of every node match the topology */
    uint32_t nfwd;        /* forwarders: routers and hosts without exactly one link */
    node_t **fwd_node;    /* [nfwd]: forwarder index -> node, in address order */
    uint32_t *adj_start;  /* [nfwd + 1]: forwarder i's edges are adj[adj_start[i]..adj_start[i+1]) */
    uint32_t *adj;        /* [2 * edges]: (neighbour's forwarder index, neighbour's iface back) */
    uint32_t *fifo;       /* [nfwd]: the breadth-first search's queue */
    uint64_t graph_bytes; /* bytes of the four arrays above */
    GPtrArray *cached;    /* of struct route_tree*, in no particular order (never iterated
                           * for anything observable: only to find the least `used`) */
    uint64_t clock;       /* counts lookups; stamps a tree's last use */
    uint64_t limit;       /* the cache's budget in bytes (net_set_route_cache_limit) */
    uint64_t bytes;       /* bytes held by cached trees now */
    uint64_t peak_bytes;  /* the most ever held at once */
    uint64_t built;       /* trees computed, ever */
    uint64_t evicted;     /* trees evicted to stay within the budget, ever */
} net_routes;

struct net {
    sim_t *sim;
    pkt_pool_t pool;
    GPtrArray *nodes; /* of node_t*, index = address */
    GPtrArray *links; /* of link_t* */
    GHashTable *node_names, *link_names; /* lookup only, never iterated */
    GPtrArray *dir_by_source; /* of link_dir_t*, index = trace source id (NULL: not a link direction) */
    net_routes routes;
    uint16_t hdr_tcp, hdr_udp;
    net_handler handlers[PKT_PROTO_MAX];
};

/* link.c: queue a packet on a direction (the net owns it from then on). */
void link_dir_send(link_dir_t *d, pkt_t *pkt);
void link_dir_init(link_dir_t *d, net_t *net, link_t *link, node_t *src, node_t *dst,
                   const link_params_t *p);
void link_dir_clear(link_dir_t *d);
bool link_is_down(const link_t *link, sim_time_t t);

/* net.c: a packet arrived at node (from a link, or locally). */
void net_node_receive(net_t *net, node_t *node, pkt_t *pkt);

#endif
