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
    link_params_t p;
    uint32_t trace_src;
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
    GPtrArray *ifaces; /* of link_dir_t*, leaving this node, in creation order */
};

typedef struct {
    net_handler_fn fn;
    void *ctx;
} net_handler;

struct net {
    sim_t *sim;
    pkt_pool_t pool;
    GPtrArray *nodes; /* of node_t*, index = address */
    GPtrArray *links; /* of link_t* */
    GHashTable *node_names, *link_names; /* lookup only, never iterated */
    int32_t *next_hop; /* [from * n + to]: iface index, -1 none, -2 self */
    uint32_t routes_n; /* node count the table was built for; 0: stale */
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
