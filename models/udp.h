/*
 * udp: a datagram service with ports, on top of net.
 *
 * One udp_stack_t serves every host of a network (it registers itself as
 * the network's UDP handler). A socket is bound to (host, port); datagrams
 * sent to a port nobody has bound are dropped (NET_DROP_NO_HANDLER).
 * Payloads are real bytes or length-only, as for packets; a datagram is
 * one packet (no fragmentation: the size is what the caller asks for).
 *
 * Delivery to the application is its own event, scheduled at the instant
 * the packet arrives; the socket is looked up at that moment, so a socket
 * closed in between simply misses the datagram.
 *
 * Ownership: udp_stack_new/udp_stack_free (before net_free); udp_open
 * returns a socket owned by the stack until udp_close. Datagrams handed to
 * the receive callback are borrowed for the call.
 */
#ifndef APPSIM_UDP_H
#define APPSIM_UDP_H

#include "net.h"

typedef struct udp_stack udp_stack_t;
typedef struct udp_sock udp_sock_t;

typedef struct {
    uint32_t src, dst;        /* node addresses */
    uint16_t sport, dport;
    const uint8_t *data;      /* NULL when length-only */
    uint32_t len;
    sim_time_t sent;          /* when the sender sent it */
    uint64_t tag;             /* the sender's tag (udp_sendto_tagged), else 0 */
} udp_dgram_t;

typedef void (*udp_recv_fn)(void *ctx, udp_sock_t *sock, const udp_dgram_t *dgram);

udp_stack_t *udp_stack_new(net_t *net);
void udp_stack_free(udp_stack_t *stack);

/* Binds a socket on `host`. Port 0 picks the next free port from 49152 up.
 * Fails (NET_ERROR_EXISTS) when the port is taken. */
udp_sock_t *udp_open(udp_stack_t *stack, node_t *host, uint16_t port, udp_recv_fn fn, void *ctx,
                     GError **err);
/* Unbinds and frees the socket at once. Allowed from inside the socket's
 * own receive callback: the delivery touches neither the socket nor its
 * context after the callback returns (the datagram stays valid until
 * then). */
void udp_close(udp_sock_t *sock);
uint16_t udp_sock_port(const udp_sock_t *sock);
node_t *udp_sock_host(const udp_sock_t *sock);

/* Sends `len` bytes (a copy of `data`, or length-only when NULL) to
 * (dst, dport). Returns false when there is no route. */
bool udp_sendto(udp_sock_t *sock, uint32_t dst, uint16_t dport, const void *data, uint32_t len);
/* The same, with an opaque 64-bit tag delivered with the datagram: lets a
 * workload match an answer to its question without modelling payload
 * bytes (a length-only answer still carries its tag). */
bool udp_sendto_tagged(udp_sock_t *sock, uint32_t dst, uint16_t dport, const void *data, uint32_t len,
                       uint64_t tag);

#endif
