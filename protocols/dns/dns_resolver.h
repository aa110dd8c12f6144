/*
 * dns_resolver: a DNS resolver application on the host seam: the "local
 * DNS server" of Kurose & Ross (iterative, from the root down) or a
 * forwarder (the stub resolver of a host, or a resolver that forwards to
 * another), with a cache (dns_cache.h), a lookup API, the host seam's
 * name-lookup hook, and a datagram server answering clients' queries.
 *
 * How it is used: dns_resolver_new(env, &config, &err); then
 * dns_resolver_lookup(r, "www.example.com", DNS_T_A, fn, ud) calls `fn`
 * once, later, from the host's own event (a timer or a datagram), never
 * from inside dns_resolver_lookup (an answer from the cache comes from a
 * 0-delay timer). host_set_resolver(env, dns_resolver_host(r)) makes it the
 * host's resolver for host_lookup(). dns_resolver_serve(r, 53, &err)
 * answers other hosts' queries.
 *
 * Modes:
 * - ITERATIVE: starts at the deepest zone whose NS set is cached
 *   (dns_cache_closest_ns), else at the root hints of the config; asks
 *   without RD; follows referrals (an authority section of NS records for
 *   a zone strictly below the zone of the server asked, and above the
 *   name), using in-bailiwick glue and cached addresses, and resolving a
 *   name server's address itself when no address is known (a nested
 *   lookup, at most `max_ns_depth` deep); follows CNAMEs (within an
 *   answer, and by starting again for the target).
 * - FORWARD: asks the upstream resolvers of the config with RD set and
 *   takes their answer (CNAME chain and RRset) as final.
 *
 * Retransmission: every question to a server waits `timeout_ns` (1 s)
 * for its first transmission; each retransmission (to the same server or
 * the next) doubles the wait, capped at `timeout_max_ns` (8 s). A server
 * gets `tries` transmissions (2), then the next server of the set is
 * asked; when every server has had its tries the lookup fails (TIMEOUT).
 * A lookup fails TIMEOUT anyway `deadline_ns` (10 s) after it started.
 * A server answering SERVFAIL, REFUSED, NOTIMP, FORMERR or a lame answer
 * (neither answer, referral nor negative answer) is left for the next
 * one at once. An answer with TC is asked again over TCP (host_connect to
 * the same server and port, RFC 1035 2-byte framing, one question per
 * connection, closed after the answer), with the same timer.
 *
 * Safety (RFC 5452): query ids come from a random stream seeded by
 * `seed` (splitmix64; the simulator passes the run's seed so runs repeat,
 * a real-socket program a random one); with `port_per_query` every query
 * has a fresh datagram socket on port 0 (the system's random port on real
 * sockets), else one socket serves all queries. An answer is accepted only
 * from the address and port the query went to (the address compared as
 * text with what was sent to), with the query's id, QR set and the same
 * question (name ignoring case, type, class); anything else is ignored
 * (counted in `ignored`). Records outside the bailiwick of the server
 * asked (not at or under the zone it was asked as the server of; an
 * upstream of FORWARD mode serves the root) are neither cached nor used.
 * Caps per lookup: `max_referrals` (16) referrals, `max_queries` (64)
 * queries in all (nested lookups of name servers included), `max_cname`
 * (8) CNAMEs; hitting one fails the lookup TOO_MUCH_WORK (SERVFAIL to a
 * client).
 *
 * Sharing: concurrent lookups of the same (name, type) share one
 * resolution; each caller is called back and recorded on its own.
 * At most `max_pending` (1,000) resolutions run at once; a lookup beyond
 * that fails TOO_MUCH_WORK at once (from a timer).
 *
 * Serving (dns_resolver_serve): a query (opcode QUERY, one question, RD
 * set) from an allowed address is resolved and answered: the client's id
 * and question echoed, QR, RD as asked, RA set, the answer section the
 * CNAME chain and the RRset, the authority section the SOA of a negative
 * answer, the rcode (SERVFAIL on any failure); at most 512 bytes (TC
 * when cut). A client not allowed (its address does not start with one
 * of the `allow` prefixes; default "127." and "::1"; `allow_all` lets
 * everyone in) gets REFUSED; so does a query without RD (this server is
 * not authoritative for anything). A query whose header cannot be read is
 * dropped; one that cannot be decoded gets FORMERR; another opcode
 * NOTIMP. At most `max_clients` (1,000) client queries are in progress;
 * more are dropped (counted in `dropped`).
 *
 * Records: with `record`, each finished lookup calls host_record(env,
 * "dns-lookup", row), row being the CSV line
 *   name,type,result,from_cache,queries,servers,cache_hits,elapsed_s
 * name: the name asked (as given); type: "A", "MX", ...; result: the
 * rcode's name (NOERROR, NXDOMAIN, ...) or the failure (TIMEOUT,
 * SERVFAIL, TOO_MUCH_WORK, BAD_ANSWER); from_cache: 1 when answered from
 * the cache without a query, else 0; queries: datagrams and TCP queries
 * sent for it; servers: the servers asked, in order, one per query sent,
 * joined with ';' (a server's name when known from NS records or the
 * hints, else its address); cache_hits: cache entries the lookup used;
 * elapsed_s: seconds from the lookup to its answer, 9 decimals.
 * DNS_RESOLVER_RECORD_HEADER is the header line.
 *
 * Ownership: dns_resolver_new/dns_resolver_free (not from inside one of
 * its callbacks; pending lookups are dropped without a call). The config
 * and its strings are copied. A result is borrowed for the callback.
 * The host_resolver of dns_resolver_host belongs to the resolver.
 */
#ifndef APPSIM_DNS_RESOLVER_H
#define APPSIM_DNS_RESOLVER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns_cache.h"
#include "dns_msg.h"
#include "seam/host.h"

#define DNS_RESOLVER_ERROR (dns_resolver_error_quark())
GQuark dns_resolver_error_quark(void);
typedef enum {
    DNS_RESOLVER_ERROR_CONFIG,   /* a configuration that cannot work */
    DNS_RESOLVER_ERROR_LOOKUP,   /* a lookup's failure (dns_resolver_host) */
    DNS_RESOLVER_ERROR_SOCKET,   /* a port that cannot be opened */
} dns_resolver_error_code;

#define DNS_RESOLVER_RECORD_HEADER "name,type,result,from_cache,queries,servers,cache_hits,elapsed_s"

typedef enum { DNS_RESOLVER_ITERATIVE, DNS_RESOLVER_FORWARD } dns_resolver_mode;

/* A server to ask: its name (an NS name, for the records and logs) and
 * its address (what dgram_send takes: an address literal, or a node name
 * in the simulator). */
typedef struct {
    const char *name;
    const char *address;
} dns_server_hint;

/* Zero in a numeric field means its default (in parentheses). */
typedef struct {
    dns_resolver_mode mode;
    const dns_server_hint *roots; /* ITERATIVE: the root hints */
    guint n_roots;
    const dns_server_hint *upstreams; /* FORWARD: the resolvers to ask, in order */
    guint n_upstreams;
    uint16_t server_port;      /* port of the servers asked (53) */
    int64_t timeout_ns;        /* first wait for an answer (1 s) */
    int64_t timeout_max_ns;    /* cap on the doubled wait (8 s) */
    unsigned tries;            /* transmissions per server (2) */
    int64_t deadline_ns;       /* a whole lookup (10 s) */
    unsigned max_referrals;    /* per lookup (16) */
    unsigned max_queries;      /* per lookup, nested lookups included (64) */
    unsigned max_cname;        /* CNAMEs followed per lookup (8) */
    unsigned max_ns_depth;     /* nested lookups of name servers' addresses (4) */
    unsigned max_pending;      /* resolutions at once (1,000) */
    unsigned max_clients;      /* served client queries at once (1,000) */
    dns_cache_config cache;    /* see dns_cache.h */
    uint64_t seed;             /* of the query ids' random stream */
    bool port_per_query;       /* a fresh socket on port 0 for every query */
    bool record;               /* host_record a "dns-lookup" row per lookup */
    const char *const *allow;  /* client address prefixes (NULL: "127.", "::1") */
    guint n_allow;
    bool allow_all;            /* serve every client (the simulator's worlds) */
} dns_resolver_config;

/* How a lookup failed, beside the rcode of an answer. */
typedef enum {
    DNS_LOOKUP_OK = 0,        /* an answer: see rcode */
    DNS_LOOKUP_TIMEOUT,       /* no usable answer in time */
    DNS_LOOKUP_SERVFAIL,      /* every server failed (SERVFAIL, REFUSED, lame) */
    DNS_LOOKUP_TOO_MUCH_WORK, /* a cap was hit: referrals, queries, CNAMEs, pending */
    DNS_LOOKUP_BAD_ANSWER,    /* an answer that could not be used (a bad name) */
} dns_lookup_failure;

const char *dns_lookup_failure_name(dns_lookup_failure f);

typedef struct {
    const char *name;            /* as asked */
    uint16_t qtype;
    dns_lookup_failure failure;
    uint16_t rcode;              /* NOERROR, NXDOMAIN...; SERVFAIL on a failure */
    const GArray *answer;        /* of dns_rr: the CNAME chain, then the RRset */
    const dns_rr *soa;           /* of a negative answer, or NULL */
    bool from_cache;             /* answered without any query */
    unsigned queries;            /* queries sent */
    const GPtrArray *servers;    /* of char *: the servers asked, one per query */
    unsigned cache_hits;         /* cache entries used */
    int64_t elapsed_ns;
} dns_lookup_result;

typedef void (*dns_lookup_fn)(void *ud, const dns_lookup_result *res);

typedef struct dns_resolver dns_resolver;

/* NULL with err when the config cannot work (no root hints in ITERATIVE
 * mode, no upstream in FORWARD mode, a datagram socket that cannot be
 * opened). */
dns_resolver *dns_resolver_new(host_env *env, const dns_resolver_config *config, GError **err);
void dns_resolver_free(dns_resolver *r);

/* Starts a lookup of (name, qtype); returns its id (never 0). A name
 * that is not a domain name fails BAD_ANSWER (from a timer); an IPv4
 * literal ("192.0.2.1") asked for A is answered with itself, from a
 * timer, without a query (as getaddrinfo does). */
uint64_t dns_resolver_lookup(dns_resolver *r, const char *name, uint16_t qtype, dns_lookup_fn fn,
                             void *ud);
/* Cancels a lookup whose callback has not run; a stale id is harmless. */
void dns_resolver_cancel(dns_resolver *r, uint64_t id);

/* The host seam's lookup hook: A records; the address text of the first
 * A after following CNAMEs, else an error "name: NXDOMAIN". */
host_resolver *dns_resolver_host(dns_resolver *r);

/* Answers clients' queries on datagram port `port` (see above). */
bool dns_resolver_serve(dns_resolver *r, uint16_t port, GError **err);

/* The query a resolver sends for (name, qtype) (id 0; RD as given; no
 * EDNS), into `m` (initialised here): what formulas measure. */
void dns_resolver_query_msg(dns_msg *m, const char *name, uint16_t qtype, bool rd);
/* The answer a serving resolver gives to client `query` once it has the
 * authoritative `final` answer (its answer section, or its SOA when
 * negative), into `out` (initialised here). */
void dns_resolver_answer_msg(const dns_msg *query, const dns_msg *final, dns_msg *out);

/* The resolver's cache (for inspection and tests). */
dns_cache *dns_resolver_cache(dns_resolver *r);

typedef struct {
    uint64_t lookups;        /* dns_resolver_lookup calls and served queries */
    uint64_t queries;        /* queries sent */
    uint64_t retransmissions;
    uint64_t tcp_queries;    /* questions asked again over TCP */
    uint64_t ignored;        /* datagrams ignored: spoofed, unmatched, malformed */
    uint64_t served;         /* client queries answered */
    uint64_t refused;        /* client queries answered REFUSED */
    uint64_t dropped;        /* client queries dropped (over max_clients, unreadable) */
} dns_resolver_stats;

void dns_resolver_get_stats(const dns_resolver *r, dns_resolver_stats *out);

#endif
