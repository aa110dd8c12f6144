/*
 * http_proxy: a web cache (proxy server), as the slides describe it — a
 * server to browsers and a client to origin servers.
 *
 * Browsers configured to use it send absolute-URI requests
 * ("GET http://origin/path HTTP/1.1"). For a GET:
 *   - a fresh cached copy whose Vary matches is answered from the cache
 *     (X-Cache: HIT), with 304 when the browser's own If-Modified-Since
 *     shows it is up to date;
 *   - a stale copy (or one the request asks to revalidate with no-cache) is
 *     revalidated with a conditional GET (If-Modified-Since the stored
 *     Last-Modified): a 304 refreshes it and it is answered from the cache
 *     (X-Cache: REVALIDATED); a 200 replaces it (X-Cache: REFRESHED);
 *   - otherwise the object is fetched from the origin (X-Cache: MISS) and
 *     stored when a shared cache may store it (http_cache_storable: no
 *     no-store, no private, no Authorization without public, s-maxage or
 *     must-revalidate, no "Vary: *") and it fits the object limit.
 * A HEAD is answered from a fresh GET entry when there is one, else
 * forwarded (X-Cache: PASS) with the origin's Content-Length, and never
 * stored. Other methods are forwarded without caching (X-Cache: PASS),
 * their bodies complete. Requests that are not absolute URIs are 400,
 * whatever their Host: the proxy serves nothing of its own, so a page
 * that reaches it through DNS rebinding (whose browser sends origin-form
 * requests) gets only that 400, and no Host check is needed; an
 * origin outside the allow-list is 403 (X-Cache: DENIED); an origin that
 * cannot be reached, or answers garbage, is 502, and one silent for
 * `upstream_timeout` is 504 (X-Cache: ERROR).
 *
 * Upstream, each forwarded request uses a connection of its own to the
 * origin (HTTP/1.1 with Connection: close, Host from the URI's authority as
 * RFC 9112 section 3.2.2 says; the client's Host is ignored). A response
 * the cache will keep (storable, of known length within the object limit)
 * is gathered whole and then answered, store-and-forward as the slides'
 * cache does; any other response is streamed to the client as it arrives,
 * with back-pressure (reading from the origin stops while the client's
 * connection holds HTTP_SERVER_STREAM_HIGH bytes). A storable response of
 * unknown length is streamed and kept when it ends within the limit.
 *
 * Limits, per proxy: `capacity` bytes of cache counted by entry cost
 * (CACHE_COST_ENTRY: body, key, headers, structures); bodies stored up to
 * `max_object` bytes; per fetch at most max_object bytes gathered plus
 * HTTP_SERVER_STREAM_HIGH queued to the client; request bodies held whole
 * and forwarded, up to the parser's http_limits.max_body each (64 MiB,
 * else 413: the proxy raises its server's max_body_memory to it) and the
 * server's max_server_memory for all held at once (64 MiB, else 503).
 *
 * Ownership: http_proxy_new/http_proxy_free; the host environment and the
 * allow-list strings are borrowed.
 */
#ifndef APPSIM_HTTP_PROXY_H
#define APPSIM_HTTP_PROXY_H

#include "http_cache.h"
#include "http_server.h"

/* The largest body the proxy stores by default: 16 MiB. */
#define HTTP_PROXY_MAX_OBJECT (UINT64_C(16) * 1024 * 1024)
/* The largest body it may be told to store (its buffer is one array). */
#define HTTP_PROXY_MAX_OBJECT_LIMIT (UINT64_C(1) << 30)
/* The default upstream timeout: 60 s without a byte from the origin. */
#define HTTP_PROXY_UPSTREAM_TIMEOUT (INT64_C(60) * 1000000000)

typedef struct {
    uint16_t port;            /* default 3128 */
    uint64_t capacity;        /* cache bytes, counted by entry cost; default 100 MB */
    cache_policy policy;      /* default LRU */
    uint64_t max_object;      /* largest body stored, bytes; default HTTP_PROXY_MAX_OBJECT,
                                 at most HTTP_PROXY_MAX_OBJECT_LIMIT */
    int64_t upstream_timeout; /* ns without a byte from the origin (connecting included)
                                 before the fetch is given up; default 60 s */
    /* The origins it may reach: a NULL-terminated array of "HOST" (any
     * port), "HOST:PORT", "*" (any host) or "*:PORT"; hosts compared
     * without case. NULL (the default): any origin, which is what the
     * simulator's worlds need; `appsim http proxy` passes loopback only
     * unless told otherwise. Borrowed: must outlive the proxy. */
    const char *const *allow;
} http_proxy_config;

void http_proxy_config_default(http_proxy_config *c);
/* Whether "HOST", "HOST:PORT", "*" or "*:PORT" is a well-formed allow-list
 * entry. */
bool http_proxy_allow_valid(const char *entry);

typedef struct {
    uint64_t requests;
    uint64_t hits;            /* answered from a fresh copy */
    uint64_t misses;          /* fetched: not cached, or too large */
    uint64_t revalidated_304; /* stale, the origin said not modified */
    uint64_t revalidated_200; /* stale, the origin sent a new copy */
    uint64_t passed;          /* not cacheable (other methods, HEAD): forwarded as is */
    uint64_t failed;          /* 502 or 504 (or a streamed answer cut short) */
    uint64_t refused;         /* 400 (not a proxy request) or 403 (not allowed) */
    uint64_t timed_out;       /* of the failed: the origin was silent (504) */
    uint64_t not_stored;      /* of the fetched 200s to GET: not storable or over the limit */
    uint64_t bytes_from_cache;    /* body bytes answered from the cache */
    uint64_t bytes_from_origin;   /* body bytes fetched from origins */
} http_proxy_stats;

typedef struct http_proxy http_proxy;

http_proxy *http_proxy_new(host_env *env, const http_proxy_config *c, GError **err);
void http_proxy_free(http_proxy *p);
const http_proxy_stats *http_proxy_get_stats(const http_proxy *p);
const http_cache *http_proxy_cache(const http_proxy *p);
host_listener *http_proxy_listener(const http_proxy *p);

#endif
