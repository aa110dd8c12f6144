/*
 * dns_cache: a resolver's cache of DNS answers (RFC 1034 5.3.3, RFC 2181
 * 5 and 5.4.1, RFC 2308).
 *
 * An entry is keyed by (name in lower case, type) and holds either an
 * RRset (every record of that name and type, class IN) or a negative
 * answer: NODATA for (name, type), or NXDOMAIN for the name (any type,
 * stored under type 0), with the SOA record that proved it. Each entry
 * has an absolute expiry in host_now() nanoseconds: now + TTL, where the
 * TTL of an RRset is the smallest TTL of its records, capped at
 * `max_ttl_s`, and the TTL of a negative answer is min(SOA TTL, SOA
 * MINIMUM) capped at `max_negative_ttl_s` (RFC 2308 5). Records with TTL
 * 0 are not stored.
 *
 * A lookup gives copies of the records with their TTLs decreased by the
 * whole seconds spent in cache (floor((expiry - now) / 1 s)); an entry is
 * expired from the instant now >= expiry, and is then removed (counted in
 * `expired`) instead of being returned.
 *
 * Trust (RFC 2181 5.4.1): each entry remembers how it was learnt (glue,
 * authority section, answer section). A new RRset replaces a live entry
 * only when it is at least as trusted, so glue never overwrites an answer.
 *
 * Capacity: at most `max_entries` entries (an RRset or a negative answer
 * is one entry). Storing into a full cache evicts the least recently used
 * entry (used = stored or returned by a lookup), counted in `evictions`.
 * The order is a list kept by use, never a hash table's order, so which
 * entry goes is deterministic.
 *
 * Delegations: dns_cache_closest_ns() walks from a name up to the root and
 * returns the deepest zone whose NS set is cached, with the addresses
 * (A, AAAA) cached for its name servers: where an iterative resolver
 * starts.
 *
 * Costs: store, lookup and eviction O(1) plus the size of the RRset
 * copied; closest_ns O(labels of the name x NS records).
 *
 * Ownership: dns_cache_new/dns_cache_free; records passed in are copied;
 * records handed out are copies appended to the caller's GArray (of
 * dns_rr, with a clear function: dns_cache_rr_array_new()).
 */
#ifndef APPSIM_DNS_CACHE_H
#define APPSIM_DNS_CACHE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns_msg.h"

#define DNS_CACHE_DEFAULT_ENTRIES 10000
#define DNS_CACHE_DEFAULT_MAX_TTL_S 86400u        /* 1 day */
#define DNS_CACHE_DEFAULT_MAX_NEG_TTL_S 10800u    /* 3 hours, RFC 2308 5 */

typedef struct {
    uint32_t max_entries;        /* entries; 0: DNS_CACHE_DEFAULT_ENTRIES */
    uint32_t max_ttl_s;          /* cap on positive TTLs, s; 0: 1 day */
    uint32_t max_negative_ttl_s; /* cap on negative TTLs, s; 0: 3 hours */
    bool disabled;               /* keep nothing: every put is refused (a host without a cache) */
} dns_cache_config;

/* How an RRset was learnt, least trusted first (RFC 2181 5.4.1). */
typedef enum {
    DNS_TRUST_GLUE = 1,      /* additional section (glue addresses) */
    DNS_TRUST_AUTHORITY = 2, /* authority section (a referral's NS set) */
    DNS_TRUST_ANSWER = 3,    /* answer section */
} dns_trust;

typedef enum {
    DNS_CACHE_MISS = 0,
    DNS_CACHE_HIT,      /* the RRset */
    DNS_CACHE_NXDOMAIN, /* the name does not exist */
    DNS_CACHE_NODATA,   /* the name exists, without records of that type */
} dns_cache_result;

typedef struct {
    uint64_t hits;          /* lookups answered with an RRset */
    uint64_t negative_hits; /* lookups answered NXDOMAIN or NODATA */
    uint64_t misses;        /* lookups that found nothing (expired included) */
    uint64_t evictions;     /* entries removed to make room */
    uint64_t expired;       /* entries found expired and removed */
    uint64_t entries;       /* entries held now */
} dns_cache_stats;

typedef struct dns_cache dns_cache;

/* NULL config: the defaults. */
dns_cache *dns_cache_new(const dns_cache_config *config);
void dns_cache_free(dns_cache *c);

/* A GArray of dns_rr that clears its records when freed. */
GArray *dns_cache_rr_array_new(void);

/* Stores the RRset made of the `n` records of `rrs` (all of one name and
 * type; records of another name or type are ignored, duplicates kept
 * once). Returns false when nothing was stored: n == 0, a TTL of 0, a
 * less trusted RRset than the live one, or a capacity of 0. */
bool dns_cache_put_rrset(dns_cache *c, int64_t now, const dns_rr *rrs, guint n, dns_trust trust);

/* Stores a negative answer for `name`: NODATA for `type`, or NXDOMAIN
 * when `type` is 0. `soa` is the SOA of the authority section (copied);
 * its TTL and MINIMUM give the entry's TTL. False when not stored. */
bool dns_cache_put_negative(dns_cache *c, int64_t now, const char *name, uint16_t type,
                            const dns_rr *soa);

/* Looks up (name, type): an NXDOMAIN entry of the name answers any type.
 * On DNS_CACHE_HIT the records are appended to `out` (may be NULL); on
 * a negative result the SOA, its TTL decreased, is copied to `*soa` (may
 * be NULL; cleared by the caller with dns_rr_clear). Counts in the stats. */
dns_cache_result dns_cache_get(dns_cache *c, int64_t now, const char *name, uint16_t type,
                               GArray *out, dns_rr *soa);

/* The same without counting in the stats and without touching the
 * recency order: for a resolver peeking at what it could use. */
dns_cache_result dns_cache_peek(dns_cache *c, int64_t now, const char *name, uint16_t type,
                                GArray *out);

/* The deepest zone at or above `name` whose NS set is cached and alive:
 * its name (new string, lower case) in *zone, its NS records appended to `ns`, and
 * the cached A and AAAA records of those name servers (in the order of
 * the NS records, A before AAAA) appended to `addrs` (may be NULL).
 * False when no NS set is cached for any ancestor, the root included. */
bool dns_cache_closest_ns(dns_cache *c, int64_t now, const char *name, char **zone, GArray *ns,
                          GArray *addrs);

void dns_cache_get_stats(const dns_cache *c, dns_cache_stats *out);

/* Removes every entry (the counters stay). */
void dns_cache_flush(dns_cache *c);

#endif
