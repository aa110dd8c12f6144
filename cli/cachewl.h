/*
 * cachewl: the institutional-network workload of the web-caching lesson,
 * in `message` transport: one request and one response message per object
 * over the datagram service, no handshake — the assumption behind the
 * slides' arithmetic.
 *
 * Browsers on the institutional LAN (one generator host stands for all of
 * them) issue requests as a Poisson process of the given total rate. Each
 * request names an object: Zipf(alpha)-popular over a catalogue of N
 * objects, each with a size drawn once (fixed, exponential or Pareto of the
 * given mean); or, with a forced hit probability h, each request is a hit
 * with probability h and has a freshly drawn size. Requests go to the cache
 * host when there is one (a hit is answered there, across the LAN; a miss
 * is fetched from the origin across the access link and the Internet, then
 * stored with the policy and capacity given), else straight to the origin.
 *
 * Measured: response times (mean, 50th/95th/99th percentiles, split into
 * hits and misses) of the requests issued after the warm-up, the hit rate
 * achieved, the access link's utilisation both ways, and whether the access
 * queue is stable (an offered load of 1 or more is reported as unstable,
 * with the queue's measured growth rate, instead of a mean that depends on
 * the run's length).
 *
 * With `tcp` set, the same workload runs over TCP: every request is an HTTP
 * GET from a browser of its own (non-persistent) through appsim's proxy
 * cache (http_proxy.h) at the cache host, to an HTTP server at the origin.
 * With a forced hit probability h, a request asks with probability h for a
 * "hot" object the proxy always holds fresh, and otherwise for an object
 * never asked before: the same hits and misses, now paying handshakes and
 * slow start. This is what the formula leaves out.
 *
 * Ownership: cachewl_new/cachewl_free (before the net).
 */
#ifndef APPSIM_CACHEWL_H
#define APPSIM_CACHEWL_H

#include "models/tcp.h"
#include "models/udp.h"
#include "protocols/http/http_cache.h"

typedef enum { CW_FIXED, CW_EXPONENTIAL, CW_PARETO } cw_size_dist;

typedef struct {
    const char *generator, *cache, *origin; /* node names; cache NULL: none */
    const char *access_link;                /* the link whose queue is studied */
    double rate;                            /* requests per second, all browsers together */
    cw_size_dist sizes;
    double mean_bytes;
    double pareto_alpha;
    bool forced;                            /* forced hit probability, not Zipf */
    double hit_probability;
    double zipf_alpha;
    uint64_t objects;
    uint64_t capacity;
    cache_policy policy;
    uint32_t request_bytes;
    sim_time_t warmup, duration;
    tcp_stack_t *tcp;                       /* NULL: message transport; else each request is
                                               an HTTP GET over TCP through the proxy cache */
} cw_params;

typedef struct {
    uint64_t issued, answered, counted, hits;
    double mean_s, p50_s, p95_s, p99_s;
    double hit_mean_s, miss_mean_s;         /* NaN when there was none */
    double hit_p50_s, hit_p95_s, hit_p99_s; /* percentiles of the hits */
    double miss_p50_s, miss_p95_s, miss_p99_s;
    double hit_rate;
    double offered_load;                    /* misses x mean response time on the access link */
    bool unstable;
    double queue_growth_pps;                /* access queue growth, packets per second */
    double access_down_util, access_up_util;
} cw_result;

typedef struct cachewl cachewl;

cachewl *cachewl_new(net_t *net, udp_stack_t *udp, const cw_params *p, GError **err);
/* True when every request issued so far has been answered and no more
 * will be issued. */
bool cachewl_done(const cachewl *w);
void cachewl_result(const cachewl *w, cw_result *out);
void cachewl_free(cachewl *w);

#endif
