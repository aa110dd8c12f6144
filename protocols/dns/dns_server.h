/*
 * dns_server: an authoritative DNS server application on the host seam
 * (seam/host.h), answering from a dns_auth set of zones over UDP and TCP
 * on one port. The same code runs on a simulated host and on real
 * sockets.
 *
 * UDP (RFC 1035 4.2.1, RFC 6891): every datagram is decoded; one that
 * cannot be decoded is answered FORMERR when its 12-byte header was read
 * and it is not itself a response (qr clear; id, opcode and rd copied),
 * and dropped otherwise; a response (qr set) or a length-only datagram is
 * dropped. The answer comes from dns_auth_answer and is encoded to at
 * most 512 bytes, or, when the query had EDNS, to the client's advertised
 * size capped at the server's `udp_size` (and at DNS_SERVER_UDP_MAX);
 * records that do not fit are left out and TC is set when any answer or
 * authority record was (the client then asks over TCP). The answer goes back to the sender's
 * address and port, with the query's tag.
 *
 * TCP (RFC 1035 4.2.2, RFC 7766): a listener on the same port; each
 * connection carries any number of length-prefixed queries, answered in
 * the order they came. Limits: `max_connections` open at once (a
 * connection over it is closed at once); `idle_timeout` without a byte in
 * or out closes a connection (while a relayed answer is awaited the
 * timeout waits for it); at most DNS_SERVER_PIPELINE answers pending per
 * connection; input waiting to be read beyond `max_conn_buffer` bytes
 * stops reading the stream; while an answer cannot be written (the
 * stream took only part of it) no further query is read (back-pressure).
 * A broken length prefix (0 or under 12) or length-only bytes close the
 * connection.
 *
 * Relayed referrals (`recurse_referrals`, off by default): the textbook's
 * "recursive query" figure, where every server of the hierarchy asks the
 * next one itself. When a query has RD set and this server's own answer
 * is a referral, the server sends the question (RD set, EDNS with its
 * udp_size, an id of its own drawn from a random stream seeded by
 * `seed`, distinct among the pending relays) by datagram from a socket of
 * its own (a free port) to the first name server of the referral that has
 * a glue address (A before AAAA; when the host cannot send to that
 * address, to the server's name), else to the first name server by name;
 * it resends after `relay_timeout`, at most `relay_tries` sends in all,
 * and then answers SERVFAIL. The first reply with that id and the same
 * question is relayed to the client: the client's id and rd, RA set, the
 * client's EDNS echoed, encoded for the client's transport. At most
 * `max_relays` relays pending at once; beyond, the referral itself is the
 * answer (so a cycle of referrals between relaying servers ends there).
 * A reply is relayed as it came (a truncated one with TC: the client may
 * ask again over TCP). Replies that match no pending relay (id and
 * question) are dropped; their source is not checked.
 *
 * Records: with `records` set, every answered query gives a host record
 * of kind "dns-query": "<udp|tcp> <client> <qname> <qtype> <rcode>
 * <answers> [tc] [relayed]" (qname "." for the root).
 *
 * Costs: a query costs what decoding, answering (dns_auth.h) and encoding
 * cost; accepting a connection counts the open ones (O(connections));
 * relays are found by id in a hash table, used for lookup only, and kept
 * in creation order otherwise.
 *
 * Ownership: dns_server_new/dns_server_free; the host environment and
 * the dns_auth are borrowed and must outlive the server.
 */
#ifndef APPSIM_DNS_SERVER_H
#define APPSIM_DNS_SERVER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns_auth.h"
#include "seam/host.h"

/* The largest UDP answer whatever the sizes say: the payload of one IPv4
 * datagram (65,535 - 8 - 20). */
#define DNS_SERVER_UDP_MAX 65507u
/* Fixed limit: answers pending (being made or waiting to be written) per
 * TCP connection; no further query is read while that many wait. */
#define DNS_SERVER_PIPELINE 16u
/* Counters of answers by rcode: 0..15 and BADVERS (16); others are counted
 * in the last slot. */
#define DNS_SERVER_RCODES 18

typedef struct {
    uint16_t port;            /* UDP and TCP; default 53; 0: a free port (dns_server_port) */
    uint16_t udp_size;        /* the largest UDP answer to an EDNS query, and the
                               * size advertised in OPT; 512..65535, default 1232 */
    uint32_t max_connections; /* TCP connections open at once; default 64; 0: 1 */
    int64_t idle_timeout;     /* ns without a byte in or out that closes a TCP
                               * connection; default 10 s */
    size_t max_conn_buffer;   /* bytes of TCP input held unread per connection
                               * before the stream stops reading; default 64 KiB */
    bool records;             /* a "dns-query" host record per answer; default false */
    bool recurse_referrals;   /* relay referrals (see the file comment); default false */
    uint64_t seed;            /* the random stream of relayed queries' ids; default 0 */
    int64_t relay_timeout;    /* ns before a relayed query is sent again; default 1 s */
    uint32_t relay_tries;     /* sends of a relayed query in all; default 3; 0: 1 */
    uint32_t max_relays;      /* relays pending at once; default 100 */
} dns_server_config;

void dns_server_config_default(dns_server_config *c);

/* With port 0, the free ports tried before giving up (a datagram port
 * whose TCP twin is taken is given back and another one tried). */
#define DNS_SERVER_PORT_TRIES 16

typedef struct {
    uint64_t queries_udp, queries_tcp; /* messages received (datagrams, TCP messages) */
    uint64_t answers[DNS_SERVER_RCODES]; /* answers sent, by rcode */
    uint64_t truncated;       /* UDP answers sent with TC */
    uint64_t formerr;         /* messages that could not be decoded and were answered FORMERR */
    uint64_t dropped;         /* messages not answered: undecodable without a header,
                               * responses, length-only, unmatched relay replies,
                               * answers that could not be sent */
    uint64_t connections;     /* TCP connections accepted */
    uint64_t refused;         /* TCP connections closed at once (max_connections) */
    uint64_t idle_closed;     /* TCP connections closed by idle_timeout */
    uint64_t tcp_buffered;    /* bytes TCP connections hold now: input not yet
                               * read, answers made and not yet taken by the
                               * stream (transport buffers not included) */
    uint64_t tcp_buffered_peak; /* the most tcp_buffered has been */
    uint64_t relayed;         /* queries relayed to the next server */
    uint64_t relay_retries;   /* relayed queries sent again */
    uint64_t relay_failures;  /* relays that got no reply (answered SERVFAIL) */
    uint64_t relay_busy;      /* referrals answered as they are (max_relays reached) */
} dns_server_stats;

typedef struct dns_server dns_server;

/* Starts a server on `env` answering from `auth`; NULL with err when the
 * port cannot be bound. */
dns_server *dns_server_new(host_env *env, const dns_auth *auth, const dns_server_config *c,
                           GError **err);
void dns_server_free(dns_server *s);

/* The port the server listens on (the one it got, for port 0). */
uint16_t dns_server_port(const dns_server *s);
const dns_server_stats *dns_server_get_stats(const dns_server *s);

#endif
