/*
 * http_proxy: a web cache (proxy server), as the slides describe it — a
 * server to browsers and a client to origin servers.
 *
 * Browsers configured to use it send absolute-URI requests
 * ("GET http://origin/path HTTP/1.1"). For a GET:
 *   - a fresh cached copy is answered from the cache (X-Cache: HIT), with
 *     304 when the browser's own If-Modified-Since shows it is up to date;
 *   - a stale copy is revalidated with a conditional GET (If-Modified-Since
 *     the stored Last-Modified): a 304 refreshes it and it is answered from
 *     the cache (X-Cache: REVALIDATED); a 200 replaces it (X-Cache:
 *     REFRESHED);
 *   - otherwise the object is fetched from the origin, stored when it is a
 *     200 that fits, and answered (X-Cache: MISS).
 * Other methods, and requests that are not absolute URIs, are forwarded
 * without caching (X-Cache: PASS). An origin that cannot be reached is
 * answered with 502.
 *
 * Upstream, each forwarded request uses a connection of its own to the
 * origin (HTTP/1.1 with Connection: close): simple, and what the slides'
 * arithmetic assumes (one request-response across the access link per
 * miss).
 *
 * Ownership: http_proxy_new/http_proxy_free; the host environment is
 * borrowed.
 */
#ifndef APPSIM_HTTP_PROXY_H
#define APPSIM_HTTP_PROXY_H

#include "http_cache.h"
#include "http_server.h"

typedef struct {
    uint16_t port;       /* default 3128 */
    uint64_t capacity;   /* cache bytes; default 100 MB */
    cache_policy policy; /* default LRU */
} http_proxy_config;

void http_proxy_config_default(http_proxy_config *c);

typedef struct {
    uint64_t requests;
    uint64_t hits;            /* answered from a fresh copy */
    uint64_t misses;          /* fetched: not cached, or too large */
    uint64_t revalidated_304; /* stale, the origin said not modified */
    uint64_t revalidated_200; /* stale, the origin sent a new copy */
    uint64_t passed;          /* not cacheable: forwarded as is */
    uint64_t failed;          /* the origin could not be reached (502) */
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
