/*
 * http_cache: the store of a web cache — what a proxy keeps, how fresh it
 * is, and what it evicts when full.
 *
 * Entries are keyed by absolute URL and hold the response that was stored
 * (its status 200 head, for replaying headers such as Content-Type,
 * Last-Modified, ETag, Expires), its body (real bytes or length-only) and,
 * when the response has Vary, the values of the request headers it names
 * (the variant: one per URL, a new one replaces the old).
 *
 * What the capacity counts is the cache's cost model:
 *   - CACHE_COST_BODY (the default): body bytes only, the slides' "cache
 *     size" (the simulator's message-level workload uses this);
 *   - CACHE_COST_ENTRY: what an entry really costs in memory, its body plus
 *     its key, its stored heads and a fixed part for the structures that
 *     hold it (http_cache_entry_cost); the proxy uses this, so that a flood
 *     of empty objects cannot grow it without bound.
 * When a new entry does not fit, entries are evicted by the policy:
 *   - LRU: the least recently used (stored or hit) first;
 *   - LFU: the least frequently used (hits + 1 for the store) first, the
 *     least recently used among equals;
 *   - FIFO: the oldest stored first.
 * Ties never depend on memory: every entry carries a sequence number.
 * An object larger than the whole capacity is not stored (and evicts
 * nothing).
 *
 * Freshness (RFC 9111 section 4.2, for a shared cache): the lifetime is
 * Cache-Control s-maxage when present, else max-age, else Expires minus Date, else a heuristic of 10% of
 * (Date - Last-Modified) capped at one day, else 0. An entry is fresh while
 * its age (now minus the time it was stored or last validated) is below
 * its lifetime; no-cache and no-store make it 0. A stale entry is
 * revalidated by the proxy with a conditional GET; http_cache_refresh
 * applies a 304. Whether a response may be stored at all by a shared cache
 * (no-store, private, Authorization, Vary: *) is http_cache_storable's
 * question, asked by the proxy before it stores.
 *
 * Costs: lookup O(1) (hash); store and evict O(log n) (a heap ordered by
 * the policy's key), or O(1) amortised.
 *
 * Ownership: http_cache_new/http_cache_free. Entries returned by lookup are
 * borrowed until the next store, refresh or remove.
 */
#ifndef APPSIM_HTTP_CACHE_H
#define APPSIM_HTTP_CACHE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "http_msg.h"

typedef enum { CACHE_LRU, CACHE_LFU, CACHE_FIFO } cache_policy;

const char *cache_policy_name(cache_policy p);
bool cache_policy_parse(const char *s, cache_policy *out); /* "lru", "lfu", "fifo" */

/* What the capacity counts (see above). */
typedef enum { CACHE_COST_BODY, CACHE_COST_ENTRY } cache_cost;

typedef struct {
    const char *url;
    const http_msg *head;  /* the stored response head */
    const http_msg *variant; /* the request headers Vary names, as stored; NULL: no Vary */
    GBytes *body;          /* NULL: length-only */
    uint64_t size;         /* body bytes */
    uint64_t cost;         /* what it counts against the capacity, bytes */
    int64_t stored;        /* epoch s: stored or last validated */
    int64_t lifetime;      /* s, from the rules above */
    uint64_t hits;
} http_cached;

typedef enum { CACHE_MISS, CACHE_FRESH, CACHE_STALE } cache_state;

typedef struct {
    uint64_t lookups, fresh_hits, stale_hits, misses;
    uint64_t stores, evictions, too_large;
    uint64_t refreshes;      /* 304s applied */
    uint64_t bytes, objects; /* held now: body bytes, entries */
    uint64_t cost;           /* held now: what counts against the capacity, bytes */
} http_cache_stats;

typedef struct http_cache http_cache;

http_cache *http_cache_new(uint64_t capacity_bytes, cache_policy policy);
void http_cache_free(http_cache *c);
/* Chooses what the capacity counts; only before the first store (later it
 * is ignored, so the held total never mixes the two). */
void http_cache_set_cost(http_cache *c, cache_cost cost);
/* What an entry of `url` with this head, variant and body size costs under
 * CACHE_COST_ENTRY: size + the key + the heads + CACHE_ENTRY_FIXED_COST.
 * O(number of headers). */
uint64_t http_cache_entry_cost(const char *url, const http_msg *head, const http_msg *variant,
                               uint64_t size);
/* The fixed part of an entry's cost under CACHE_COST_ENTRY, in bytes: the
 * entry, its two message structures and their header arrays, the hash
 * table's node, the heap's slot and the body's GBytes, with the
 * allocator's bookkeeping (an estimate for 64-bit glibc, on the high side). */
#define CACHE_ENTRY_FIXED_COST 512u

/* Looks `url` up at time `now_s`; a fresh or stale entry counts as used
 * (for LRU and LFU) and is returned in *out. */
cache_state http_cache_lookup(http_cache *c, const char *url, int64_t now_s, const http_cached **out);
/* The entry for `url`, or NULL, without counting a lookup or a use (no
 * stats, no change to the eviction order): for a caller that already
 * looked up once for this request, e.g. to answer from the entry a 304 has
 * just refreshed. Borrowed like lookup's. */
const http_cached *http_cache_peek(const http_cache *c, const char *url);
/* Stores (or replaces) `url`: `head` (copied) is the 200 response, `body`
 * (referenced; NULL for length-only) its `size` body bytes. Evicts as
 * needed. False when the object is larger than the capacity. */
bool http_cache_store(http_cache *c, const char *url, const http_msg *head, GBytes *body,
                      uint64_t size, int64_t now_s);
/* The same for a response that may carry Vary: `req` (borrowed; NULL like
 * http_cache_store) is the request it answered, whose headers named by
 * the response's Vary are kept with the entry (http_cache_variant_matches). */
bool http_cache_store_variant(http_cache *c, const char *url, const http_msg *req,
                              const http_msg *head, GBytes *body, uint64_t size, int64_t now_s);
/* Whether a stored entry may answer `req` as far as Vary goes (RFC 9111
 * section 4.1): every header its Vary names has the same value in `req`
 * as in the request it was stored for (absent in both counts as the same;
 * values compared after trimming spaces, several field lines joined with
 * ", "). "Vary: *" never matches. An entry without Vary always matches. */
bool http_cache_variant_matches(const http_cached *e, const http_msg *req);
/* Whether a shared cache may store `resp`, the answer to `req` (RFC 9111
 * section 3): a GET answered 200; neither carries Cache-Control no-store;
 * the response is not private; a request with Authorization only when the
 * response says public, s-maxage or must-revalidate (section 3.5); and no
 * "Vary: *". `why` (may be NULL) gets a short static reason when not. */
bool http_cache_storable(const http_msg *req, const http_msg *resp, const char **why);
/* Whether a request asks not to be answered from a stored copy without
 * revalidating it (Cache-Control no-cache or max-age=0, or Pragma:
 * no-cache; RFC 9111 section 5.2.1). */
bool http_cache_request_no_cache(const http_msg *req);
/* A 304 arrived for `url`: the entry becomes fresh again from now_s, with
 * Date, Expires, Cache-Control, ETag and Last-Modified updated from the
 * 304's headers when it has them. */
void http_cache_refresh(http_cache *c, const char *url, const http_msg *not_modified, int64_t now_s);
void http_cache_remove(http_cache *c, const char *url);

/* The freshness lifetime of a response stored at now_s (the rules above). */
int64_t http_cache_lifetime(const http_msg *head, int64_t now_s);

const http_cache_stats *http_cache_get_stats(const http_cache *c);
/* The URLs held, in eviction order (next victim first): for tests and
 * teaching. A new array of borrowed strings. */
GPtrArray *http_cache_eviction_order(const http_cache *c);

#endif
