/*
 * http_cache: the store of a web cache — what a proxy keeps, how fresh it
 * is, and what it evicts when full.
 *
 * Entries are keyed by absolute URL and hold the response that was stored
 * (its status 200 head, for replaying headers such as Content-Type,
 * Last-Modified, ETag, Expires) and its body (real bytes or length-only).
 * The capacity counts body bytes. When a new entry does not fit, entries
 * are evicted by the policy:
 *   - LRU: the least recently used (stored or hit) first;
 *   - LFU: the least frequently used (hits + 1 for the store) first, the
 *     least recently used among equals;
 *   - FIFO: the oldest stored first.
 * Ties never depend on memory: every entry carries a sequence number.
 * An object larger than the whole capacity is not stored (and evicts
 * nothing).
 *
 * Freshness (RFC 9111 section 4.2): the lifetime is Cache-Control max-age
 * when present, else Expires minus Date, else a heuristic of 10% of
 * (Date - Last-Modified) capped at one day, else 0. An entry is fresh while
 * its age (now minus the time it was stored or last validated) is below
 * its lifetime. A stale entry is revalidated by the proxy with a
 * conditional GET; http_cache_refresh applies a 304.
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

typedef struct {
    const char *url;
    const http_msg *head;  /* the stored response head */
    GBytes *body;          /* NULL: length-only */
    uint64_t size;         /* body bytes */
    int64_t stored;        /* epoch s: stored or last validated */
    int64_t lifetime;      /* s, from the rules above */
    uint64_t hits;
} http_cached;

typedef enum { CACHE_MISS, CACHE_FRESH, CACHE_STALE } cache_state;

typedef struct {
    uint64_t lookups, fresh_hits, stale_hits, misses;
    uint64_t stores, evictions, too_large;
    uint64_t refreshes;      /* 304s applied */
    uint64_t bytes, objects; /* held now */
} http_cache_stats;

typedef struct http_cache http_cache;

http_cache *http_cache_new(uint64_t capacity_bytes, cache_policy policy);
void http_cache_free(http_cache *c);

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
