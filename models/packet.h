/*
 * packet: what crosses a link.
 *
 * A packet carries the header fields the models need (addresses, ports,
 * protocol, the TCP fields) and a payload that is either real bytes or
 * length-only: a length-only payload has `data == NULL` and costs nothing
 * to carry, so a 1 GB transfer never allocates 1 GB. On the wire a packet
 * takes `hdr_bytes + len` bytes; the transport sets `hdr_bytes` (40 for
 * IPv4 + TCP and 28 for IPv4 + UDP by default, see net_header_bytes()).
 *
 * Ownership: exactly one owner at a time. The sender allocates from the
 * network's pool (pkt_alloc) and hands the packet to net_send(); from then
 * on the network owns it (link queues, links in flight), then the protocol
 * handler of the receiving node, which must release it (pkt_release) or
 * keep it. A dropped packet is released by whoever dropped it. `data`, when
 * set, is owned by the packet and freed with it.
 *
 * Packets are carved from slabs of 256 and recycled through a free list,
 * so steady-state traffic allocates nothing; clearing the pool reclaims
 * every packet, including those still in flight when a run is cut short.
 */
#ifndef APPSIM_PACKET_H
#define APPSIM_PACKET_H

#include <stdint.h>

#include "sim/sim_time.h"

typedef enum {
    PKT_PROTO_RAW = 0,  /* a bare packet, for traffic generators */
    PKT_PROTO_TCP = 6,
    PKT_PROTO_UDP = 17,
} pkt_proto;
#define PKT_PROTO_MAX 256

/* TCP flag bits, as on the wire. */
enum {
    PKT_FIN = 0x01,
    PKT_SYN = 0x02,
    PKT_RST = 0x04,
    PKT_PSH = 0x08,
    PKT_ACK = 0x10,
};

/* Why a transport released a packet at the instant it did (set by
 * models/tcp.c, read by the world's time breakdown; it changes nothing on
 * the wire). */
typedef enum {
    PKT_CAUSE_NONE = 0,   /* not said (UDP, RST, traffic generators) */
    PKT_CAUSE_HANDSHAKE,  /* a SYN or SYN-ACK */
    PKT_CAUSE_APP,        /* data the application wrote at this instant */
    PKT_CAUSE_WINDOW,     /* data that waited in the send buffer for the window */
    PKT_CAUSE_ACK,        /* a pure ACK sent at once */
    PKT_CAUSE_DELACK,     /* a pure ACK sent when the delayed-ACK timer expired */
    PKT_CAUSE_RTO,        /* sent again after a retransmission timeout */
    PKT_CAUSE_FAST_RETX,  /* sent again by fast retransmit or a partial ACK */
} pkt_cause;

/* TCP options a segment carries (pkt_t.tcp_opts). */
#define PKT_OPT_TS 0x01u     /* RFC 7323 timestamps: TSval is `created`, TSecr is `ts_ecr` */
#define PKT_OPT_SACKOK 0x02u /* RFC 2018 SACK-permitted (on a SYN) */
#define PKT_SACK_MAX 4u      /* SACK blocks an ACK can carry (40 option bytes) */

typedef struct pkt {
    struct pkt *next;     /* link for whichever queue holds the packet */
    uint64_t id;          /* unique in its network, in creation order */
    sim_time_t created;   /* when the sender allocated it */
    sim_time_t enqueued;  /* when it entered its current link queue */
    uint32_t src, dst;    /* node addresses (see net_node_addr) */
    uint16_t sport, dport;
    uint8_t proto;        /* pkt_proto */
    uint8_t ttl;          /* decremented by each router; dropped at 0 */
    uint8_t tcp_flags;    /* PKT_SYN | PKT_ACK ... */
    uint8_t cause;        /* pkt_cause: why the sender released it now */
    uint8_t tcp_opts;     /* TCP options carried (PKT_OPT_TS); their bytes are in hdr_bytes */
    uint8_t sack_n;       /* SACK blocks carried in `sack` (RFC 2018), 0 to PKT_SACK_MAX */
    uint16_t hdr_bytes;   /* header bytes counted on the wire */
    uint32_t seq, ack;    /* TCP sequence and acknowledgement numbers */
    uint32_t wnd;         /* TCP receive window, bytes */
    uint32_t len;         /* payload bytes */
    uint8_t *data;        /* payload bytes, or NULL when length-only */
    uint32_t off;         /* payload bytes a receiver has already consumed */
    uint64_t tx_echo;     /* free for the transport (UDP: the datagram's tag) */
    sim_time_t ts_ecr;    /* TCP: the timestamp echoed by an ACK (RFC 7323's TSecr; the
                             segment's own TSval is `created`); no wire bytes counted */
    uint32_t sack[2 * PKT_SACK_MAX]; /* SACK blocks: left edge, right edge (exclusive), the
                                        first sack_n pairs; their bytes are in hdr_bytes */
} pkt_t;

/* The bytes a packet occupies on the wire. */
static inline uint64_t pkt_wire_bytes(const pkt_t *p) { return (uint64_t)p->hdr_bytes + p->len; }

/* The packet allocator of one network. Embedded; _init/_clear. */
typedef struct {
    pkt_t *free;
    void **slabs;
    uint32_t nslabs, slabs_cap;
    uint64_t next_id;
    uint64_t live; /* allocated and not yet released */
} pkt_pool_t;

void pkt_pool_init(pkt_pool_t *pool);
/* Frees every packet of the pool, live or not, with its payload. */
void pkt_pool_clear(pkt_pool_t *pool);

/* A zeroed packet with a fresh id, ttl 64 and `created` = now. */
pkt_t *pkt_alloc(pkt_pool_t *pool, sim_time_t now);
/* Returns a packet (and its payload bytes) to the pool. NULL is a no-op. */
void pkt_release(pkt_pool_t *pool, pkt_t *p);
/* Sets a payload: a copy of `len` bytes from `data`, or length-only when
 * `data` is NULL. Replaces any previous payload. */
void pkt_set_payload(pkt_t *p, const void *data, uint32_t len);

#endif
