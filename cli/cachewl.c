/*
 * cachewl: generator, cache node and origin of the message-mode caching
 * workload.
 *
 * Messages: a request is a small real datagram ("object size hitflag") with
 * the request id as its tag; an answer is a length-only datagram of the
 * object's size with the same tag, its top bit set when the cache answered
 * it. The cache keeps the requests it forwarded (upstream tag -> the
 * client's tag), and stores objects in an http_cache keyed "/obj/<k>".
 */
#include "cachewl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/sim_host.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_proxy.h"
#include "protocols/http/http_server.h"
#include "sim/sim_rng.h"

#define CACHE_PORT 3128
#define ORIGIN_PORT 80
#define CLIENT_PORT 5000
#define HIT_BIT (UINT64_C(1) << 63)

typedef struct {
    sim_time_t sent;
    bool counted; /* issued after the warm-up */
} pending;

typedef struct {
    uint64_t client_tag;
    uint64_t object;
    uint64_t size;
} forwarded;

struct cachewl {
    net_t *net;
    sim_t *sim;
    cw_params p;
    node_t *gen, *cache, *origin;
    link_dir_t *access_down, *access_up;
    udp_sock_t *gen_sock, *cache_sock, *origin_sock;
    sim_rng_t arrivals, sizes, choice;
    sim_zipf_t *zipf;
    double pareto_xm;
    GHashTable *object_size; /* object -> size (bytes), lookup only */
    http_cache *store;
    http_msg *stored_head;
    GHashTable *pend;        /* tag -> pending*, lookup only */
    GHashTable *fwd;         /* upstream tag -> forwarded*, lookup only */
    uint64_t next_tag, next_up, next_object;
    sim_event_id next_arrival;
    bool generating;
    GArray *times, *hit_times, *miss_times; /* doubles (s), requests after warm-up */
    uint64_t issued, answered, hits_counted;
    /* TCP transport */
    sim_host_t *gen_host, *cache_host, *origin_host;
    http_store *origin_store;
    http_server *origin_srv;
    http_proxy *proxy;
    GHashTable *live; /* tcp_req* (set), lookup only */
    GPtrArray *dead;  /* tcp_req* done, to free */
    sim_event_id reap_ev;
    uint32_t q_mid, q_end;
    sim_time_t t_mid, t_end;
    sim_event_id mid_ev, end_ev;
};

static uint64_t draw_size(cachewl *w)
{
    double x;
    switch (w->p.sizes) {
    case CW_EXPONENTIAL: x = sim_rng_exponential(&w->sizes, w->p.mean_bytes); break;
    case CW_PARETO: x = sim_rng_pareto(&w->sizes, w->p.pareto_alpha, w->pareto_xm); break;
    default: x = w->p.mean_bytes; break;
    }
    x = nearbyint(x);
    return x < 1 ? 1 : (uint64_t)MIN(x, 4e9);
}

static uint64_t object_size(cachewl *w, uint64_t k)
{
    guint64 key = k;
    gpointer v = g_hash_table_lookup(w->object_size, &key);
    if (v)
        return *(uint64_t *)v;
    uint64_t s = draw_size(w);
    g_hash_table_insert(w->object_size, g_memdup2(&key, sizeof key), g_memdup2(&s, sizeof s));
    return s;
}

static int64_t now_s(const cachewl *w) { return SIM_HOST_EPOCH + sim_now(w->sim) / 1000000000; }

/* ---- the generator ------------------------------------------------------ */

/* ---- the TCP transport: one browser per request ------------------------------- */

typedef struct {
    cachewl *w;
    http_browser *b;
    bool counted;
} tcp_req;

/* Frees the browsers whose request is over (never under their own callback). */
static void reap_done(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    cachewl *w = ctx;
    w->reap_ev = SIM_EVENT_NONE;
    for (guint i = 0; i < w->dead->len; i++) {
        tcp_req *q = g_ptr_array_index(w->dead, i);
        http_browser_free(q->b);
        g_free(q);
    }
    g_ptr_array_set_size(w->dead, 0);
}

static void tcp_done(void *ud, http_browser *b, const http_page *pg)
{
    tcp_req *q = ud;
    cachewl *w = q->w;
    w->answered++;
    const http_record *r = &g_array_index(http_browser_records(b), http_record, 0);
    if (q->counted && r->status == 200) {
        double t = sim_time_to_s(pg->end - pg->start);
        g_array_append_val(w->times, t);
        if (r->cache && !strcmp(r->cache, "HIT")) {
            g_array_append_val(w->hit_times, t);
            w->hits_counted++;
        } else {
            g_array_append_val(w->miss_times, t);
        }
    }
    g_hash_table_remove(w->live, q);
    g_ptr_array_add(w->dead, q);
    if (!w->reap_ev)
        w->reap_ev = sim_schedule_in(w->sim, 0, reap_done, w, NULL);
}

static void tcp_request(cachewl *w, uint64_t object, uint64_t size, bool hot)
{
    char path[48];
    if (hot)
        g_strlcpy(path, "/hot", sizeof path);
    else
        g_snprintf(path, sizeof path, "/obj/%" G_GUINT64_FORMAT, object);
    http_store_add(w->origin_store, path, hot ? (uint64_t)llround(w->p.mean_bytes) : size, NULL, NULL,
                   SIM_HOST_EPOCH - 86400, SIM_HOST_EPOCH + 10 * 365 * 86400);
    browser_config bc;
    browser_config_default(&bc);
    bc.mode = BROWSER_NP_SERIAL;
    bc.cache = false;
    if (w->cache) {
        bc.proxy_host = node_name(w->cache);
        bc.proxy_port = CACHE_PORT;
    }
    tcp_req *q = g_new0(tcp_req, 1);
    q->w = w;
    q->counted = sim_now(w->sim) >= w->p.warmup;
    q->b = http_browser_new(sim_host_env(w->gen_host), &bc, NULL);
    g_hash_table_add(w->live, q);
    char *url = g_strdup_printf("http://%s%s", node_name(w->origin), path);
    const char *urls[1] = {url};
    http_browser_fetch(q->b, urls, 1, tcp_done, q);
    g_free(url);
    w->issued++;
}

static void send_request(cachewl *w, uint64_t object, uint64_t size, bool forced_hit)
{
    if (w->p.tcp) {
        tcp_request(w, object, size, forced_hit);
        return;
    }
    uint64_t tag = ++w->next_tag;
    pending *pd = g_new(pending, 1);
    pd->sent = sim_now(w->sim);
    pd->counted = pd->sent >= w->p.warmup;
    g_hash_table_insert(w->pend, g_memdup2(&tag, sizeof tag), pd);
    char msg[80];
    int n = g_snprintf(msg, sizeof msg, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %d", object, size,
                       forced_hit ? 1 : 0);
    /* the request occupies request_bytes on the wire whatever its text */
    char *buf = g_malloc0(MAX((size_t)w->p.request_bytes, (size_t)n + 1));
    memcpy(buf, msg, (size_t)n);
    node_t *to = w->cache ? w->cache : w->origin;
    udp_sendto_tagged(w->gen_sock, node_addr(to), w->cache ? CACHE_PORT : ORIGIN_PORT, buf,
                      MAX(w->p.request_bytes, (uint32_t)n + 1), tag);
    g_free(buf);
    w->issued++;
}

static void arrival(sim_t *sim, void *ctx, void *arg)
{
    (void)arg;
    cachewl *w = ctx;
    w->next_arrival = SIM_EVENT_NONE;
    if (sim_now(sim) >= w->p.duration) {
        w->generating = false;
        return;
    }
    if (w->p.forced) {
        bool hit = sim_rng_bernoulli(&w->choice, w->p.hit_probability);
        send_request(w, ++w->next_object, draw_size(w), hit); /* a miss asks for a new object */
    } else {
        uint64_t k = sim_zipf_sample(w->zipf, &w->choice);
        send_request(w, k, object_size(w, k), false);
    }
    double gap = sim_rng_exponential(&w->arrivals, 1e9 / w->p.rate);
    w->next_arrival = sim_schedule_in(sim, (sim_time_t)llround(gap), arrival, w, NULL);
}

static void gen_recv(void *ctx, udp_sock_t *s, const udp_dgram_t *d)
{
    (void)s;
    cachewl *w = ctx;
    guint64 tag = d->tag & ~HIT_BIT;
    pending *pd = g_hash_table_lookup(w->pend, &tag);
    if (!pd)
        return;
    w->answered++;
    if (pd->counted) {
        double t = sim_time_to_s(sim_now(w->sim) - pd->sent);
        g_array_append_val(w->times, t);
        if (d->tag & HIT_BIT) {
            g_array_append_val(w->hit_times, t);
            w->hits_counted++;
        } else {
            g_array_append_val(w->miss_times, t);
        }
    }
    g_hash_table_remove(w->pend, &tag);
}

/* ---- the cache and the origin ------------------------------------------------ */

static bool parse_request(const udp_dgram_t *d, uint64_t *object, uint64_t *size, int *hit)
{
    if (!d->data)
        return false;
    char buf[80];
    size_t n = MIN(d->len, sizeof buf - 1);
    memcpy(buf, d->data, n);
    buf[n] = 0;
    guint64 o, s;
    return sscanf(buf, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %d", &o, &s, hit) == 3 &&
           (*object = o, *size = s, true);
}

static void cache_recv(void *ctx, udp_sock_t *s, const udp_dgram_t *d)
{
    cachewl *w = ctx;
    if (d->sport == ORIGIN_PORT) { /* an answer from the origin */
        guint64 up = d->tag;
        forwarded *f = g_hash_table_lookup(w->fwd, &up);
        if (!f)
            return;
        if (!w->p.forced) {
            char key[48];
            g_snprintf(key, sizeof key, "/obj/%" G_GUINT64_FORMAT, f->object);
            http_cache_store(w->store, key, w->stored_head, NULL, f->size, now_s(w));
        }
        udp_sendto_tagged(s, node_addr(w->gen), CLIENT_PORT, NULL, (uint32_t)f->size, f->client_tag);
        g_hash_table_remove(w->fwd, &up);
        return;
    }
    uint64_t object, size;
    int forced_hit = 0;
    if (!parse_request(d, &object, &size, &forced_hit))
        return;
    bool hit;
    if (w->p.forced) {
        hit = forced_hit != 0;
    } else {
        char key[48];
        g_snprintf(key, sizeof key, "/obj/%" G_GUINT64_FORMAT, object);
        const http_cached *e = NULL;
        hit = http_cache_lookup(w->store, key, now_s(w), &e) == CACHE_FRESH;
    }
    if (hit) {
        udp_sendto_tagged(s, d->src, d->sport, NULL, (uint32_t)size, d->tag | HIT_BIT);
        return;
    }
    uint64_t up = ++w->next_up;
    forwarded *f = g_new(forwarded, 1);
    f->client_tag = d->tag;
    f->object = object;
    f->size = size;
    g_hash_table_insert(w->fwd, g_memdup2(&up, sizeof up), f);
    udp_sendto_tagged(s, node_addr(w->origin), ORIGIN_PORT, d->data, d->len, up);
}

static void origin_recv(void *ctx, udp_sock_t *s, const udp_dgram_t *d)
{
    (void)ctx;
    uint64_t object, size;
    int hit;
    if (!parse_request(d, &object, &size, &hit))
        return;
    udp_sendto_tagged(s, d->src, d->sport, NULL, (uint32_t)size, d->tag);
}

/* The access queue at the middle and at the end of the generation period:
 * its growth between them tells a queue that only grows. */
static void mid_sample(sim_t *sim, void *ctx, void *arg)
{
    (void)arg;
    cachewl *w = ctx;
    w->mid_ev = SIM_EVENT_NONE;
    w->t_mid = sim_now(sim);
    w->q_mid = link_dir_queue_pkts(w->access_down);
}

static void end_sample(sim_t *sim, void *ctx, void *arg)
{
    (void)arg;
    cachewl *w = ctx;
    w->end_ev = SIM_EVENT_NONE;
    w->t_end = sim_now(sim);
    w->q_end = link_dir_queue_pkts(w->access_down);
}

/* ---- lifecycle ------------------------------------------------------------------ */

cachewl *cachewl_new(net_t *net, udp_stack_t *udp, const cw_params *p, GError **err)
{
    cachewl *w = g_new0(cachewl, 1);
    w->net = net;
    w->sim = net_sim(net);
    w->p = *p;
    w->gen = net_node_by_name(net, p->generator);
    w->origin = net_node_by_name(net, p->origin);
    w->cache = p->cache ? net_node_by_name(net, p->cache) : NULL;
    link_t *acc = p->access_link ? net_link_by_name(net, p->access_link) : NULL;
    if (!w->gen || !w->origin || (p->cache && !w->cache) || !acc) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND,
                    "cache workload: unknown generator, cache, origin node or access link");
        g_free(w);
        return NULL;
    }
    /* downstream: the direction the answers from the origin cross */
    link_dir_t *d0 = link_dir(acc, 0), *d1 = link_dir(acc, 1);
    int hops0 = net_path_hops(net, link_dir_dst(d0), w->gen, NULL);
    int hops1 = net_path_hops(net, link_dir_dst(d1), w->gen, NULL);
    w->access_down = hops0 >= 0 && (hops1 < 0 || hops0 <= hops1) ? d0 : d1;
    w->access_up = w->access_down == d0 ? d1 : d0;
    uint64_t seed = sim_seed(w->sim);
    sim_rng_init(&w->arrivals, seed, "cachewl:arrivals");
    sim_rng_init(&w->sizes, seed, "cachewl:sizes");
    sim_rng_init(&w->choice, seed, "cachewl:choice");
    w->pareto_xm = p->pareto_alpha > 1 ? p->mean_bytes * (p->pareto_alpha - 1) / p->pareto_alpha : 1;
    if (!p->forced)
        w->zipf = sim_zipf_new(p->zipf_alpha, MAX(p->objects, (uint64_t)1));
    w->object_size = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    w->pend = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    w->fwd = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    w->store = http_cache_new(p->capacity, p->policy);
    w->stored_head = http_msg_new_response(200, NULL, 11);
    http_msg_add(w->stored_head, "Cache-Control", "max-age=31536000"); /* objects never change here */
    w->times = g_array_new(FALSE, FALSE, sizeof(double));
    w->hit_times = g_array_new(FALSE, FALSE, sizeof(double));
    w->miss_times = g_array_new(FALSE, FALSE, sizeof(double));
    if (p->tcp) {
        w->live = g_hash_table_new(g_direct_hash, g_direct_equal);
        w->dead = g_ptr_array_new();
        w->gen_host = sim_host_new(p->tcp, w->gen, NULL);
        w->origin_host = sim_host_new(p->tcp, w->origin, NULL);
        w->origin_store = http_store_new();
        w->origin_srv = http_server_new(sim_host_env(w->origin_host), w->origin_store, NULL, err);
        if (w->origin_srv && w->cache) {
            w->cache_host = sim_host_new(p->tcp, w->cache, NULL);
            http_proxy_config pc;
            http_proxy_config_default(&pc);
            pc.capacity = p->forced ? UINT64_MAX / 4 : p->capacity;
            pc.policy = p->policy;
            w->proxy = http_proxy_new(sim_host_env(w->cache_host), &pc, err);
        }
        if (!w->origin_srv || (w->cache && !w->proxy)) {
            cachewl_free(w);
            return NULL;
        }
        if (p->forced && w->cache)
            tcp_request(w, 0, 0, true); /* the hot object goes into the cache first */
    } else {
        w->gen_sock = udp_open(udp, w->gen, CLIENT_PORT, gen_recv, w, err);
        w->origin_sock = w->gen_sock ? udp_open(udp, w->origin, ORIGIN_PORT, origin_recv, w, err) : NULL;
        if (w->origin_sock && w->cache)
            w->cache_sock = udp_open(udp, w->cache, CACHE_PORT, cache_recv, w, err);
        if (!w->gen_sock || !w->origin_sock || (w->cache && !w->cache_sock)) {
            cachewl_free(w);
            return NULL;
        }
    }
    w->generating = true;
    w->next_arrival = sim_schedule_in(w->sim, 0, arrival, w, NULL);
    w->mid_ev = sim_schedule_at(w->sim, w->p.warmup + (w->p.duration - w->p.warmup) / 2, mid_sample, w, NULL);
    w->end_ev = sim_schedule_at(w->sim, w->p.duration, end_sample, w, NULL);
    return w;
}

bool cachewl_done(const cachewl *w)
{
    return !w->generating && g_hash_table_size(w->pend) == 0 && (!w->live || g_hash_table_size(w->live) == 0);
}

static int cmp_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double mean_of(const GArray *a)
{
    if (!a->len)
        return NAN;
    double s = 0;
    for (guint i = 0; i < a->len; i++)
        s += g_array_index(a, double, i);
    return s / a->len;
}

static double percentile(GArray *sorted, double q)
{
    if (!sorted->len)
        return NAN;
    guint i = (guint)ceil(q * sorted->len);
    return g_array_index(sorted, double, MIN(MAX(i, 1u), sorted->len) - 1);
}

void cachewl_result(const cachewl *w, cw_result *out)
{
    memset(out, 0, sizeof *out);
    out->issued = w->issued;
    out->answered = w->answered;
    out->counted = w->times->len;
    out->hits = w->hits_counted;
    const GArray *sets[3] = {w->times, w->hit_times, w->miss_times};
    double *pct[3][3] = {{&out->p50_s, &out->p95_s, &out->p99_s},
                         {&out->hit_p50_s, &out->hit_p95_s, &out->hit_p99_s},
                         {&out->miss_p50_s, &out->miss_p95_s, &out->miss_p99_s}};
    for (int i = 0; i < 3; i++) {
        GArray *sorted = g_array_copy((GArray *)sets[i]);
        g_array_sort(sorted, cmp_double);
        *pct[i][0] = percentile(sorted, 0.50);
        *pct[i][1] = percentile(sorted, 0.95);
        *pct[i][2] = percentile(sorted, 0.99);
        g_array_free(sorted, TRUE);
    }
    out->mean_s = mean_of(w->times);
    out->hit_mean_s = mean_of(w->hit_times);
    out->miss_mean_s = mean_of(w->miss_times);
    out->hit_rate = w->times->len ? (double)w->hits_counted / w->times->len : NAN;
    link_stats_t dn, up;
    link_dir_stats(w->access_down, &dn);
    link_dir_stats(w->access_up, &up);
    out->access_down_util = dn.utilisation;
    out->access_up_util = up.utilisation;
    double miss_rate = w->p.forced ? 1 - w->p.hit_probability : 1 - (isnan(out->hit_rate) ? 0 : out->hit_rate);
    double mean_wire = w->p.mean_bytes + net_header_bytes(w->net, PKT_PROTO_UDP);
    out->offered_load = w->p.rate * miss_rate * mean_wire * 8 / (double)link_dir_params(w->access_down)->rate_bps;
    if (w->t_end > w->t_mid && w->t_mid > 0)
        out->queue_growth_pps = ((double)w->q_end - (double)w->q_mid) / sim_time_to_s(w->t_end - w->t_mid);
    out->unstable = out->offered_load >= 1.0;
}

void cachewl_free(cachewl *w)
{
    if (!w)
        return;
    sim_cancel(w->sim, w->next_arrival);
    sim_cancel(w->sim, w->mid_ev);
    sim_cancel(w->sim, w->end_ev);
    udp_close(w->gen_sock);
    udp_close(w->cache_sock);
    udp_close(w->origin_sock);
    if (w->live) {
        GList *left = g_hash_table_get_keys(w->live); /* freeing order changes nothing */
        for (GList *l = left; l; l = l->next) {
            tcp_req *q = l->data;
            http_browser_free(q->b);
            g_free(q);
        }
        g_list_free(left);
        g_hash_table_destroy(w->live);
        sim_cancel(w->sim, w->reap_ev);
        reap_done(w->sim, w, NULL);
        g_ptr_array_free(w->dead, TRUE);
    }
    http_proxy_free(w->proxy);
    http_server_free(w->origin_srv);
    http_store_free(w->origin_store);
    sim_host_free(w->gen_host);
    sim_host_free(w->cache_host);
    sim_host_free(w->origin_host);
    sim_zipf_free(w->zipf);
    g_hash_table_destroy(w->object_size);
    g_hash_table_destroy(w->pend);
    g_hash_table_destroy(w->fwd);
    http_cache_free(w->store);
    http_msg_free(w->stored_head);
    g_array_free(w->times, TRUE);
    g_array_free(w->hit_times, TRUE);
    g_array_free(w->miss_times, TRUE);
    g_free(w);
}
