/*
 * cache_workload: the institutional-network workload of the web-caching lesson,
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
 * achieved, the access link's utilisation both ways, and whether the run is
 * stable, from the response times themselves (the same rule for both
 * transports, response_trend()): an unstable run is reported with the
 * growth of its response times rather than as a mean that only depends on
 * the run's length. The offered load and the access queue's growth
 * between the middle and the end of the run are figures beside it. Over
 * TCP, the retransmissions and timeouts of the connections at the origin
 * and at the cache (app_world_transport_stats). Every counted request is a
 * row of cache_requests.csv.
 *
 * With `tcp` set, the same workload runs over TCP: every request is an HTTP
 * GET from a browser of its own (non-persistent) through appsim's proxy
 * cache (http_proxy.h) at the cache host, to an HTTP server at the origin.
 * With a forced hit probability h, a request asks with probability h for a
 * "hot" object the proxy always holds fresh, and otherwise for an object
 * never asked before: the same hits and misses, now paying handshakes and
 * slow start. This is what the formula leaves out.
 *
 * The application type "cache-workload" (app.h) reads its keys, runs it
 * on the hosts of the world (the datagram part of the host seam for the
 * message transport, streams for TCP), holds the run until every answer is
 * in, and reports its figures under "cache_workload." with two textbook
 * formulas: "cache-access" (the mean response time) and "cache-hit-rate"
 * (the hit rate: the forced h, or Che's approximation), both from the
 * configuration alone.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "http_apps.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_cache.h"
#include "protocols/http/http_proxy.h"
#include "protocols/http/http_server.h"
#include "protocols/http/http_store.h"
#include "sim/sim_rng.h"

#define CACHE_PORT 3128
#define ORIGIN_PORT 80
#define CLIENT_PORT 5000
#define HIT_BIT (UINT64_C(1) << 63)

typedef enum { CW_FIXED, CW_EXPONENTIAL, CW_PARETO } cw_size_dist;

/* ---- keys ---------------------------------------------------------------------- */

typedef struct {
    char *cache, *origin, *access_link; /* node, node, link; cache NULL: none */
    double rate;                        /* requests per second, all browsers together */
    int sizes;                          /* cw_size_dist */
    uint64_t mean_size;
    double pareto_alpha;
    double hit_probability;             /* < 0: not forced (Zipf popularity and a real cache) */
    double zipf;
    int64_t objects;
    uint64_t capacity;
    int policy;                         /* cache_policy */
    uint64_t request_size;
    int64_t warmup, duration;           /* ns */
    int transport;                      /* 0 message, 1 tcp */
    bool request_rows;                  /* one row per counted request in cache_requests.csv */
} cw_spec;

static const char *const size_choices[] = {"fixed", "exponential", "pareto", NULL};
static const char *const policy_choices[] = {"lru", "lfu", "fifo", NULL};
static const char *const transport_choices[] = {"message", "tcp", NULL};

#define CW_OFF(f) offsetof(cw_spec, f)
static const app_key cw_keys[] = {
    {.name = "cache", .kind = APP_KEY_NODE, .offset = CW_OFF(cache)},
    {.name = "origin", .kind = APP_KEY_NODE, .offset = CW_OFF(origin), .required = true},
    {.name = "access_link", .kind = APP_KEY_LINK, .offset = CW_OFF(access_link), .required = true},
    {.name = "rate", .kind = APP_KEY_NUMBER, .offset = CW_OFF(rate), .def = 15, .lo = 1e-6, .hi = 1e7,
     .expected = "a rate of requests per second above 0"},
    {.name = "sizes", .kind = APP_KEY_CHOICE, .offset = CW_OFF(sizes), .choices = size_choices,
     .expected = "\"fixed\", \"exponential\" or \"pareto\""},
    {.name = "mean_size", .kind = APP_KEY_SIZE, .offset = CW_OFF(mean_size), .def = 125000, .hi = 1e9},
    {.name = "pareto_alpha", .kind = APP_KEY_NUMBER, .offset = CW_OFF(pareto_alpha), .def = 1.5,
     .lo = 1.0000001, .hi = 100, .expected = "a Pareto shape above 1"},
    {.name = "hit_probability", .kind = APP_KEY_NUMBER, .offset = CW_OFF(hit_probability), .def = -1, .lo = 0,
     .hi = 1, .expected = "a probability from 0 to 1"},
    {.name = "zipf", .kind = APP_KEY_NUMBER, .offset = CW_OFF(zipf), .def = 0.8, .lo = 0, .hi = 10,
     .expected = "a Zipf exponent from 0 to 10"},
    {.name = "objects", .kind = APP_KEY_INT, .offset = CW_OFF(objects), .def = 10000, .lo = 1, .hi = 1e7,
     .expected = "a whole number of objects from 1 to 10000000"},
    {.name = "capacity", .kind = APP_KEY_SIZE, .offset = CW_OFF(capacity)},
    {.name = "policy", .kind = APP_KEY_CHOICE, .offset = CW_OFF(policy), .choices = policy_choices,
     .expected = "\"lru\", \"lfu\" or \"fifo\""},
    {.name = "request_size", .kind = APP_KEY_SIZE, .offset = CW_OFF(request_size), .def = 100, .hi = 1e9},
    {.name = "warmup", .kind = APP_KEY_TIME, .offset = CW_OFF(warmup), .def = 20e9},
    {.name = "duration", .kind = APP_KEY_TIME, .offset = CW_OFF(duration), .def = 300e9},
    {.name = "transport", .kind = APP_KEY_CHOICE, .offset = CW_OFF(transport), .choices = transport_choices,
     .expected = "\"message\" or \"tcp\""},
    {.name = "request_rows", .kind = APP_KEY_BOOL, .offset = CW_OFF(request_rows), .def = 1},
    {0}};

static void cw_check(app_reader *r, void *cfg)
{
    const cw_spec *s = cfg;
    if (s->duration <= s->warmup)
        app_reader_fail(r, NULL, "the duration must be longer than the warm-up");
}

/* ---- the workload ------------------------------------------------------------------ */

typedef struct {
    int64_t sent;
    bool counted; /* issued after the warm-up */
    uint64_t object, size;
} pending;

/* One request issued after the warm-up, answered: a row of cache_requests.csv. */
typedef struct {
    int64_t sent;    /* ns */
    uint64_t seq;    /* issue order, to break ties of `sent` */
    uint64_t object; /* 0: the TCP transport's hot object */
    uint64_t size;   /* bytes of the answer's body */
    double response; /* s */
    bool hit;
} cw_row;

typedef struct {
    uint64_t client_tag;
    uint64_t object;
    uint64_t size;
} forwarded;

typedef struct {
    app_world *world;
    const app_spec *spec;
    cw_spec p;
    bool forced;
    const char *gen, *cache, *origin;       /* node names; cache NULL: none */
    const char *down_from, *up_from;        /* the access link's ends: answers leave down_from */
    host_env *gen_env, *cache_env, *origin_env;
    host_dgram *gen_sock, *cache_sock, *origin_sock;
    sim_rng_t arrivals, sizes, choice;
    sim_zipf_t *zipf;
    double pareto_xm;
    GHashTable *object_size; /* object -> size (bytes), lookup only */
    http_cache *store;
    http_msg *stored_head;
    GHashTable *pend;        /* tag -> pending*, lookup only */
    GHashTable *fwd;         /* upstream tag -> forwarded*, lookup only */
    uint64_t next_tag, next_up, next_object;
    host_timer_id next_arrival;
    bool generating;
    GArray *times, *hit_times, *miss_times; /* doubles (s), requests after warm-up */
    GArray *rows;                           /* of cw_row, requests after warm-up, in answer order */
    uint64_t issued, answered, hits_counted;
    /* TCP transport */
    http_store *origin_store;
    http_server *origin_srv;
    http_proxy *proxy;
    GHashTable *live; /* tcp_req* (set), lookup only */
    GPtrArray *dead;  /* tcp_req* done, to free */
    host_timer_id reap_ev;
    uint32_t q_mid, q_end;
    int64_t t_mid, t_end;
    host_timer_id mid_ev, end_ev;
} cachewl;

static int64_t now(const cachewl *w) { return host_now(w->gen_env); }

static uint64_t draw_size(cachewl *w)
{
    double x, mean = (double)w->p.mean_size;
    switch (w->p.sizes) {
    case CW_EXPONENTIAL: x = sim_rng_exponential(&w->sizes, mean); break;
    case CW_PARETO: x = sim_rng_pareto(&w->sizes, w->p.pareto_alpha, w->pareto_xm); break;
    default: x = mean; break;
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

/* Counts one answered request issued after the warm-up. */
static void record(cachewl *w, int64_t sent, uint64_t seq, uint64_t object, uint64_t size, double t, bool hit)
{
    g_array_append_val(w->times, t);
    if (hit) {
        g_array_append_val(w->hit_times, t);
        w->hits_counted++;
    } else {
        g_array_append_val(w->miss_times, t);
    }
    cw_row row = {.sent = sent, .seq = seq, .object = object, .size = size, .response = t, .hit = hit};
    g_array_append_val(w->rows, row);
}

/* ---- the TCP transport: one browser per request ------------------------------- */

typedef struct {
    cachewl *w;
    http_browser *b;
    bool counted;
    int64_t sent;
    uint64_t seq, object, size;
} tcp_req;

/* Frees the browsers whose request is over (never under their own callback). */
static void reap_done(void *ud)
{
    cachewl *w = ud;
    w->reap_ev = 0;
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
        double t = (double)(pg->end - pg->start) / 1e9;
        record(w, q->sent, q->seq, q->object, q->size, t, r->cache && !strcmp(r->cache, "HIT"));
    }
    g_hash_table_remove(w->live, q);
    g_ptr_array_add(w->dead, q);
    if (!w->reap_ev)
        w->reap_ev = host_timer(w->gen_env, 0, reap_done, w);
}

static void tcp_request(cachewl *w, uint64_t object, uint64_t size, bool hot)
{
    char path[48];
    if (hot)
        g_strlcpy(path, "/hot", sizeof path);
    else
        g_snprintf(path, sizeof path, "/obj/%" G_GUINT64_FORMAT, object);
    int64_t epoch = host_wall_s(w->origin_env) - now(w) / 1000000000;
    http_store_add(w->origin_store, path, hot ? w->p.mean_size : size, NULL, NULL, epoch - 86400,
                   epoch + 10 * 365 * 86400);
    browser_config bc;
    browser_config_default(&bc);
    bc.mode = BROWSER_NP_SERIAL;
    bc.cache = false;
    if (w->cache) {
        bc.proxy_host = w->cache;
        bc.proxy_port = CACHE_PORT;
    }
    tcp_req *q = g_new0(tcp_req, 1);
    q->w = w;
    q->counted = now(w) >= w->p.warmup;
    q->sent = now(w);
    q->seq = w->issued;
    q->object = hot ? 0 : object;
    q->size = hot ? w->p.mean_size : size;
    q->b = http_browser_new(w->gen_env, &bc, NULL);
    g_hash_table_add(w->live, q);
    char *url = g_strdup_printf("http://%s%s", w->origin, path);
    const char *urls[1] = {url};
    http_browser_fetch(q->b, urls, 1, tcp_done, q);
    g_free(url);
    w->issued++;
}

/* ---- the message transport ---------------------------------------------------------- */

static void send_request(cachewl *w, uint64_t object, uint64_t size, bool forced_hit)
{
    if (w->p.transport) {
        tcp_request(w, object, size, forced_hit);
        return;
    }
    uint64_t tag = ++w->next_tag;
    pending *pd = g_new(pending, 1);
    pd->sent = now(w);
    pd->counted = pd->sent >= w->p.warmup;
    pd->object = object;
    pd->size = size;
    g_hash_table_insert(w->pend, g_memdup2(&tag, sizeof tag), pd);
    char msg[80];
    int n = g_snprintf(msg, sizeof msg, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %d", object, size,
                       forced_hit ? 1 : 0);
    /* the request occupies request_size on the wire whatever its text */
    size_t len = MAX((size_t)w->p.request_size, (size_t)n + 1);
    char *buf = g_malloc0(len);
    memcpy(buf, msg, (size_t)n);
    host_dgram_send(w->gen_env, w->gen_sock, w->cache ? w->cache : w->origin, w->cache ? CACHE_PORT : ORIGIN_PORT,
                    buf, len, tag, NULL);
    g_free(buf);
    w->issued++;
}

static void arrival(void *ud)
{
    cachewl *w = ud;
    w->next_arrival = 0;
    if (now(w) >= w->p.duration) {
        w->generating = false;
        return;
    }
    if (w->forced) {
        bool hit = sim_rng_bernoulli(&w->choice, w->p.hit_probability);
        send_request(w, ++w->next_object, draw_size(w), hit); /* a miss asks for a new object */
    } else {
        uint64_t k = sim_zipf_sample(w->zipf, &w->choice);
        send_request(w, k, object_size(w, k), false);
    }
    double gap = sim_rng_exponential(&w->arrivals, 1e9 / w->p.rate);
    w->next_arrival = host_timer(w->gen_env, (int64_t)llround(gap), arrival, w);
}

static void gen_recv(void *ud, host_dgram *s, const host_datagram *d)
{
    (void)s;
    cachewl *w = ud;
    guint64 tag = d->tag & ~HIT_BIT;
    pending *pd = g_hash_table_lookup(w->pend, &tag);
    if (!pd)
        return;
    w->answered++;
    if (pd->counted)
        record(w, pd->sent, tag, pd->object, pd->size, (double)(now(w) - pd->sent) / 1e9, (d->tag & HIT_BIT) != 0);
    g_hash_table_remove(w->pend, &tag);
}

/* Reads spaces then a decimal number below 2^64 from [*p, end); false
 * when there are no digits or the number is too large. */
static bool read_number(const char **p, const char *end, uint64_t *v)
{
    const char *c = *p;
    while (c < end && *c == ' ')
        c++;
    if (c == end || *c < '0' || *c > '9')
        return false;
    uint64_t n = 0;
    for (; c < end && *c >= '0' && *c <= '9'; c++) {
        uint64_t digit = (uint64_t)(*c - '0');
        if (n > (UINT64_MAX - digit) / 10)
            return false;
        n = n * 10 + digit;
    }
    *p = c;
    *v = n;
    return true;
}

/* A request's text, "OBJECT SIZE HIT" (send_request), in its first 79
 * bytes before any NUL. Read by hand: sscanf was about 8% of a message
 * transport run. */
static bool parse_request(const host_datagram *d, uint64_t *object, uint64_t *size, int *hit)
{
    if (!d->data)
        return false;
    const char *p = (const char *)d->data;
    const char *nul = memchr(p, 0, MIN(d->len, 79));
    const char *end = nul ? nul : p + MIN(d->len, 79);
    uint64_t o, s, h;
    if (!read_number(&p, end, &o) || !read_number(&p, end, &s) || !read_number(&p, end, &h) || h > INT_MAX)
        return false;
    *object = o;
    *size = s;
    *hit = (int)h;
    return true;
}

static void cache_answer(cachewl *w, host_dgram *s, const host_datagram *d)
{
    guint64 up = d->tag;
    forwarded *f = g_hash_table_lookup(w->fwd, &up);
    if (!f)
        return;
    if (!w->forced) {
        char key[48];
        g_snprintf(key, sizeof key, "/obj/%" G_GUINT64_FORMAT, f->object);
        http_cache_store(w->store, key, w->stored_head, NULL, f->size, host_wall_s(w->cache_env));
    }
    host_dgram_send(w->cache_env, s, w->gen, CLIENT_PORT, NULL, f->size, f->client_tag, NULL);
    g_hash_table_remove(w->fwd, &up);
}

static void cache_recv(void *ud, host_dgram *s, const host_datagram *d)
{
    cachewl *w = ud;
    if (d->from_port == ORIGIN_PORT) { /* an answer from the origin */
        cache_answer(w, s, d);
        return;
    }
    uint64_t object, size;
    int forced_hit = 0;
    if (!parse_request(d, &object, &size, &forced_hit))
        return;
    bool hit;
    if (w->forced) {
        hit = forced_hit != 0;
    } else {
        char key[48];
        g_snprintf(key, sizeof key, "/obj/%" G_GUINT64_FORMAT, object);
        const http_cached *e = NULL;
        hit = http_cache_lookup(w->store, key, host_wall_s(w->cache_env), &e) == CACHE_FRESH;
    }
    if (hit) {
        host_dgram_send(w->cache_env, s, d->from, d->from_port, NULL, size, d->tag | HIT_BIT, NULL);
        return;
    }
    uint64_t up = ++w->next_up;
    forwarded *f = g_new(forwarded, 1);
    f->client_tag = d->tag;
    f->object = object;
    f->size = size;
    g_hash_table_insert(w->fwd, g_memdup2(&up, sizeof up), f);
    host_dgram_send(w->cache_env, s, w->origin, ORIGIN_PORT, d->data, d->len, up, NULL);
}

static void origin_recv(void *ud, host_dgram *s, const host_datagram *d)
{
    cachewl *w = ud;
    uint64_t object, size;
    int hit;
    if (!parse_request(d, &object, &size, &hit))
        return;
    host_dgram_send(w->origin_env, s, d->from, d->from_port, NULL, size, d->tag, NULL);
}

/* The access queue at the middle and at the end of the generation period:
 * its growth between them tells a queue that only grows. */
static uint32_t access_queue(const cachewl *w)
{
    app_link_state st = {0};
    app_world_link_state(w->world, w->p.access_link, w->down_from, &st);
    return st.queue_pkts;
}

static void mid_sample(void *ud)
{
    cachewl *w = ud;
    w->mid_ev = 0;
    w->t_mid = now(w);
    w->q_mid = access_queue(w);
}

static void end_sample(void *ud)
{
    cachewl *w = ud;
    w->end_ev = 0;
    w->t_end = now(w);
    w->q_end = access_queue(w);
}

/* ---- lifecycle ------------------------------------------------------------------ */

static void cw_free(void *p);

/* The access link's direction the answers from the origin cross. */
static bool find_access(cachewl *w, GError **err)
{
    app_path path;
    app_world_path(w->world, w->origin, w->gen, &path);
    for (int i = 0; i < path.n; i++) {
        if (!strcmp(path.hops[i].link, w->p.access_link)) {
            w->down_from = path.hops[i].from;
            w->up_from = path.hops[i].to;
        }
    }
    if (!w->down_from)
        g_set_error(err, APP_ERROR, APP_ERROR_START,
                    "the access link \"%s\" is not on the path from \"%s\" to \"%s\"", w->p.access_link, w->origin,
                    w->gen);
    return w->down_from != NULL;
}

static bool start_tcp(cachewl *w, GError **err)
{
    w->live = g_hash_table_new(g_direct_hash, g_direct_equal);
    w->dead = g_ptr_array_new();
    w->origin_store = http_store_new();
    w->origin_srv = http_server_new(w->origin_env, w->origin_store, NULL, err);
    if (!w->origin_srv)
        return false;
    if (w->cache) {
        http_proxy_config pc;
        http_proxy_config_default(&pc);
        pc.capacity = w->forced ? UINT64_MAX / 4 : w->p.capacity;
        pc.policy = (cache_policy)w->p.policy;
        w->proxy = http_proxy_new(w->cache_env, &pc, err);
        if (!w->proxy)
            return false;
        if (w->forced)
            tcp_request(w, 0, 0, true); /* the hot object goes into the cache first */
    }
    return true;
}

static bool start_messages(cachewl *w, GError **err)
{
    w->gen_sock = host_dgram_open(w->gen_env, CLIENT_PORT, gen_recv, w, err);
    w->origin_sock = w->gen_sock ? host_dgram_open(w->origin_env, ORIGIN_PORT, origin_recv, w, err) : NULL;
    if (w->origin_sock && w->cache)
        w->cache_sock = host_dgram_open(w->cache_env, CACHE_PORT, cache_recv, w, err);
    return w->gen_sock && w->origin_sock && (!w->cache || w->cache_sock);
}

static void *cw_start(app_world *world, const app_spec *a, GError **err)
{
    cachewl *w = g_new0(cachewl, 1);
    w->world = world;
    w->spec = a;
    w->p = *(const cw_spec *)a->cfg;
    w->forced = w->p.hit_probability >= 0;
    w->gen = a->host;
    w->origin = w->p.origin;
    w->cache = w->p.cache;
    w->gen_env = app_world_host(world, w->gen);
    w->origin_env = app_world_host(world, w->origin);
    w->cache_env = w->cache ? app_world_host(world, w->cache) : NULL;
    uint64_t seed = app_world_seed(world);
    sim_rng_init(&w->arrivals, seed, "cachewl:arrivals");
    sim_rng_init(&w->sizes, seed, "cachewl:sizes");
    sim_rng_init(&w->choice, seed, "cachewl:choice");
    double mean = (double)w->p.mean_size;
    w->pareto_xm = w->p.pareto_alpha > 1 ? mean * (w->p.pareto_alpha - 1) / w->p.pareto_alpha : 1;
    if (!w->forced)
        w->zipf = sim_zipf_new(w->p.zipf, MAX((uint64_t)w->p.objects, (uint64_t)1));
    w->object_size = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    w->pend = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    w->fwd = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    w->store = http_cache_new(w->p.capacity, (cache_policy)w->p.policy);
    w->stored_head = http_msg_new_response(200, NULL, 11);
    http_msg_add(w->stored_head, "Cache-Control", "max-age=31536000"); /* objects never change here */
    w->times = g_array_new(FALSE, FALSE, sizeof(double));
    w->hit_times = g_array_new(FALSE, FALSE, sizeof(double));
    w->miss_times = g_array_new(FALSE, FALSE, sizeof(double));
    w->rows = g_array_new(FALSE, FALSE, sizeof(cw_row));
    if (!find_access(w, err) || !(w->p.transport ? start_tcp(w, err) : start_messages(w, err))) {
        cw_free(w);
        return NULL;
    }
    w->generating = true;
    w->next_arrival = host_timer(w->gen_env, 0, arrival, w);
    w->mid_ev = host_timer(w->gen_env, w->p.warmup + (w->p.duration - w->p.warmup) / 2, mid_sample, w);
    w->end_ev = host_timer(w->gen_env, w->p.duration, end_sample, w);
    return w;
}

static void cw_free(void *p)
{
    cachewl *w = p;
    host_timer_cancel(w->gen_env, w->next_arrival);
    host_timer_cancel(w->gen_env, w->mid_ev);
    host_timer_cancel(w->gen_env, w->end_ev);
    host_dgram_close(w->gen_env, w->gen_sock);
    if (w->cache_env)
        host_dgram_close(w->cache_env, w->cache_sock);
    host_dgram_close(w->origin_env, w->origin_sock);
    if (w->live) {
        GList *left = g_hash_table_get_keys(w->live); /* freeing order changes nothing */
        for (GList *l = left; l; l = l->next) {
            tcp_req *q = l->data;
            http_browser_free(q->b);
            g_free(q);
        }
        g_list_free(left);
        g_hash_table_destroy(w->live);
        host_timer_cancel(w->gen_env, w->reap_ev);
        reap_done(w);
        g_ptr_array_free(w->dead, TRUE);
    }
    http_proxy_free(w->proxy);
    http_server_free(w->origin_srv);
    http_store_free(w->origin_store);
    sim_zipf_free(w->zipf);
    g_hash_table_destroy(w->object_size);
    g_hash_table_destroy(w->pend);
    g_hash_table_destroy(w->fwd);
    http_cache_free(w->store);
    http_msg_free(w->stored_head);
    g_array_free(w->times, TRUE);
    g_array_free(w->hit_times, TRUE);
    g_array_free(w->miss_times, TRUE);
    g_array_free(w->rows, TRUE);
    g_free(w);
}

/* ---- results ------------------------------------------------------------------------ */

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

/* "<prefix>response_time_p50_s" and its 95th and 99th percentile siblings. */
static void percentiles(app_collect *out, const char *prefix, const GArray *times)
{
    static const double qs[3] = {0.50, 0.95, 0.99};
    static const char *const names[3] = {"p50", "p95", "p99"};
    GArray *sorted = g_array_copy((GArray *)times);
    g_array_sort(sorted, cmp_double);
    for (int i = 0; i < 3; i++) {
        char key[80];
        g_snprintf(key, sizeof key, "cache_workload.%sresponse_time_%s_s", prefix, names[i]);
        app_metric(out, key, percentile(sorted, qs[i]));
    }
    g_array_free(sorted, TRUE);
}

static int cmp_row(gconstpointer a, gconstpointer b)
{
    const cw_row *x = a, *y = b;
    if (x->sent != y->sent)
        return x->sent < y->sent ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Whether the response times keep growing: the measured period (issue
 * times from the warm-up to the end of generation) is cut into CW_WINDOWS
 * equal windows and `means` gets the mean response time of the requests
 * issued in each; `slope` is the least-squares slope of response time
 * against issue time over every counted request, in seconds of response
 * time per second of run. The run is unstable when the last window's mean
 * is at least CW_GROWTH times the first's and the fitted line rises over
 * the period by at least (CW_GROWTH - 1) times the first window's mean:
 * a queue that only grows, not one that wanders near saturation (the
 * slides' 0.97 in message transport swings between 2.8 and 4.7 s and is
 * stable by this rule). `rows` sorted by issue time. O(rows). */
#define CW_WINDOWS 4
#define CW_GROWTH 1.5
static bool response_trend(const cachewl *w, const GArray *rows, double means[CW_WINDOWS], double *slope)
{
    double sum[CW_WINDOWS] = {0}, n[CW_WINDOWS] = {0};
    double span = (double)(w->p.duration - w->p.warmup);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (guint i = 0; i < rows->len; i++) {
        const cw_row *r = &g_array_index(rows, cw_row, i);
        double x = (double)(r->sent - w->p.warmup);
        int k = (int)MIN(MAX(x / span * CW_WINDOWS, 0), CW_WINDOWS - 1);
        sum[k] += r->response;
        n[k]++;
        x /= 1e9;
        sx += x;
        sy += r->response;
        sxx += x * x;
        sxy += x * r->response;
    }
    double m = (double)rows->len, den = m * sxx - sx * sx;
    *slope = rows->len > 1 && den > 0 ? (m * sxy - sx * sy) / den : 0;
    for (int k = 0; k < CW_WINDOWS; k++)
        means[k] = n[k] > 0 ? sum[k] / n[k] : NAN;
    double first = means[0], last = means[CW_WINDOWS - 1];
    return isfinite(first) && isfinite(last) && last >= CW_GROWTH * first &&
           *slope * span / 1e9 >= (CW_GROWTH - 1) * first;
}

/* The TCP figures of the hosts at both ends of the access path: the
 * origin sends the answers down, the cache (or the browsers) the requests
 * up. Zeros in message transport. */
static void transport_metrics(const app_world *world, const cachewl *w, app_collect *out)
{
    app_transport_stats down, up;
    app_world_transport_stats(world, w->origin, &down);
    app_world_transport_stats(world, w->cache ? w->cache : w->gen, &up);
    app_metric_count(out, "cache_workload.origin_connections", down.connections);
    app_metric_count(out, "cache_workload.origin_segments_sent", down.segments_sent);
    app_metric_count(out, "cache_workload.origin_retransmits", down.retransmits);
    app_metric_count(out, "cache_workload.origin_timeouts", down.timeouts);
    app_metric_count(out, "cache_workload.origin_fast_retransmits", down.fast_retransmits);
    app_metric_count(out, "cache_workload.origin_retransmitted_bytes", down.bytes_retransmitted);
    app_metric_count(out, "cache_workload.origin_spurious_timeouts", down.spurious_timeouts);
    app_metric_count(out, "cache_workload.front_retransmits", up.retransmits);
    app_metric_count(out, "cache_workload.front_timeouts", up.timeouts);
}

static void cw_collect(const app_world *world, void *const *insts, const app_spec *const *specs, size_t n,
                       app_collect *out)
{
    (void)specs;
    if (n == 0)
        return;
    const cachewl *w = insts[0]; /* the first workload of the run */
    app_metric_count(out, "cache_workload.issued", w->issued);
    app_metric_count(out, "cache_workload.answered", w->answered);
    app_metric_count(out, "cache_workload.counted", w->times->len);
    app_metric(out, "cache_workload.response_time_mean_s", mean_of(w->times));
    percentiles(out, "", w->times);
    app_metric(out, "cache_workload.hit_response_time_mean_s", mean_of(w->hit_times));
    app_metric(out, "cache_workload.miss_response_time_mean_s", mean_of(w->miss_times));
    percentiles(out, "hit_", w->hit_times);
    percentiles(out, "miss_", w->miss_times);
    double hit_rate = w->times->len ? (double)w->hits_counted / w->times->len : NAN;
    app_metric(out, "cache_workload.hit_rate", hit_rate);
    app_link_state dn = {0}, up = {0};
    app_world_link_state(world, w->p.access_link, w->down_from, &dn);
    app_world_link_state(world, w->p.access_link, w->up_from, &up);
    app_metric(out, "cache_workload.access_down_utilisation", dn.utilisation);
    app_metric(out, "cache_workload.access_up_utilisation", up.utilisation);
    double miss_rate = w->forced ? 1 - w->p.hit_probability : 1 - (isnan(hit_rate) ? 0 : hit_rate);
    double mean_wire = (double)w->p.mean_size + app_world_header_bytes(world, true);
    double offered = w->p.rate * miss_rate * mean_wire * 8 / (double)dn.rate_bps;
    double growth = 0;
    if (w->t_end > w->t_mid && w->t_mid > 0)
        growth = ((double)w->q_end - (double)w->q_mid) / ((double)(w->t_end - w->t_mid) / 1e9);
    GArray *rows = g_array_copy(w->rows);
    g_array_sort(rows, cmp_row);
    double means[CW_WINDOWS], slope;
    bool unstable = response_trend(w, rows, means, &slope);
    app_metric(out, "cache_workload.offered_load", offered);
    app_metric_flag(out, "cache_workload.unstable", unstable);
    app_metric(out, "cache_workload.response_growth_s_per_s", slope);
    for (int k = 0; k < CW_WINDOWS; k++) {
        char key[80];
        g_snprintf(key, sizeof key, "cache_workload.response_time_window%d_mean_s", k + 1);
        app_metric(out, key, means[k]);
    }
    app_metric(out, "cache_workload.access_queue_growth_pps", growth);
    transport_metrics(world, w, out);
    for (guint i = 0; w->p.request_rows && i < rows->len; i++) {
        const cw_row *r = &g_array_index(rows, cw_row, i);
        app_row(out, "%.9f,%" G_GUINT64_FORMAT ",%s,%" G_GUINT64_FORMAT ",%.9f", (double)r->sent / 1e9, r->object,
                r->hit ? "hit" : "miss", r->size, r->response);
    }
    g_array_free(rows, TRUE);
    if (w->issued > 0 && w->answered == 0) {
        char *why = g_strdup_printf("no request of the cache workload was answered (%" G_GUINT64_FORMAT " issued)",
                                    w->issued);
        app_run_failed(out, why);
        g_free(why);
    }
}

/* ---- the slides' arithmetic ----------------------------------------------------------- */

static bool same_hop(const app_hop *a, const app_hop *b)
{
    return b && !strcmp(a->link, b->link) && !strcmp(a->from, b->from);
}

/* The time a message of `bytes` payload (+ UDP/IP header) takes from a to
 * b with no queueing: transmissions and propagation. `skip` (a hop, or
 * NULL) contributes no transmission: its queue is counted apart. */
static double path_time(const app_world *w, const char *a, const char *b, double bytes, const app_hop *skip)
{
    app_path p;
    if (!app_world_path(w, a, b, &p))
        return NAN;
    double t = 0, wire = bytes + app_world_header_bytes(w, true);
    for (int i = 0; i < p.n; i++) {
        if (!same_hop(&p.hops[i], skip))
            t += wire * 8 / (double)p.hops[i].rate_bps;
        t += (double)p.hops[i].delay_ns / 1e9;
    }
    return t;
}

/* The hit rate the configuration implies, never the run's: the forced h,
 * or for Zipf popularity and a real cache Che's approximation for LRU (its
 * FIFO form for FIFO), the cache holding capacity / mean_size objects.
 * With fixed sizes that count is exact; with exponential or Pareto sizes
 * drawn independently of popularity it is the expected number of objects
 * the bytes hold, an approximation. No cache: 0. LFU: NaN (no closed form
 * for an in-cache LFU; see docs/caching.md). */
static double predicted_hit_rate(const cw_spec *s)
{
    if (s->hit_probability >= 0)
        return s->hit_probability;
    if (!s->cache)
        return 0;
    if (s->policy == CACHE_LFU || s->mean_size == 0)
        return NAN;
    double c = s->sizes == CW_FIXED ? floor((double)s->capacity / (double)s->mean_size)
                                    : (double)s->capacity / (double)s->mean_size;
    return app_theory_cache_hit_rate_zipf(s->policy == CACHE_FIFO ? APP_CACHE_FIFO : APP_CACHE_LRU, s->zipf,
                                          (uint64_t)s->objects, c);
}

static double cache_hit_rate_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)w;
    (void)m;
    return predicted_hit_rate(a->cfg);
}

/* The slides' arithmetic for the institutional network, with queueing
 * theory for the access link: E[T] = h T_hit + (1 - h) T_miss, where a miss
 * pays the path to the origin and back plus the access link's time in
 * system, M/D/1 for fixed sizes and M/M/1 for exponential ones
 * (models/queueing.h): with Delta the mean transmission time and beta the
 * rate of misses, mu = 1 / Delta and lambda = beta. h is the predicted hit
 * rate (predicted_hit_rate). NaN for Pareto sizes, LFU or a saturated
 * link. */
static double cache_access_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    const cw_spec *s = a->cfg;
    const char *gen = a->host, *cache = s->cache, *front = cache ? cache : gen;
    app_path down;
    if (s->sizes == CW_PARETO || !app_world_path(w, s->origin, front, &down))
        return NAN;
    const app_hop *access = NULL;
    for (int i = 0; i < down.n; i++)
        if (!strcmp(down.hops[i].link, s->access_link))
            access = &down.hops[i];
    double h = predicted_hit_rate(s);
    if (!access || isnan(h))
        return NAN;
    double req = (double)s->request_size, size = (double)s->mean_size;
    double delta = (size + app_world_header_bytes(w, true)) * 8 / (double)access->rate_bps;
    double beta = (1 - h) * s->rate, rho = beta * delta;
    if (rho >= 1)
        return NAN;
    double wq = s->sizes == CW_FIXED ? app_theory_md1_time(beta, 1 / delta) : app_theory_mm1_time(beta, 1 / delta);
    double t_hit = cache ? path_time(w, gen, cache, req, NULL) + path_time(w, cache, gen, size, NULL) : NAN;
    double t_miss = path_time(w, gen, front, req, NULL) + path_time(w, front, s->origin, req, NULL) +
                    path_time(w, s->origin, front, size, access) + wq +
                    (cache ? path_time(w, cache, gen, size, NULL) : 0);
    if (!cache)
        t_miss = path_time(w, gen, s->origin, req, NULL) + path_time(w, s->origin, gen, size, access) + wq;
    return h > 0 ? h * t_hit + (1 - h) * t_miss : t_miss;
}

/* ---- the report ------------------------------------------------------------------------ */

static double cw_metric(const app_view *m, const char *name)
{
    char key[80];
    g_snprintf(key, sizeof key, "cache_workload.%s", name);
    return app_view_metric(m, key);
}

/* The measured instability: response times that only grow. */
static void cw_unstable_line(const app_view *m, const char *indent, GString *out)
{
    if (cw_metric(m, "unstable") == 0)
        return;
    g_string_append_printf(out,
                           "%sunstable: the mean response time grew from %.3f s (first quarter of the run) to "
                           "%.3f s (last quarter), %.4f s per s; offered load %.3f\n",
                           indent, cw_metric(m, "response_time_window1_mean_s"),
                           cw_metric(m, "response_time_window4_mean_s"), cw_metric(m, "response_growth_s_per_s"),
                           cw_metric(m, "offered_load"));
}

/* Over TCP: what the origin sent across the access path, and sent again. */
static void cw_tcp_line(const app_view *m, const char *indent, GString *out)
{
    double conns = cw_metric(m, "origin_connections");
    if (!(conns > 0))
        return;
    g_string_append_printf(out,
                           "%sTCP at the origin: %.0f connections, %.0f segments sent, %.0f retransmitted "
                           "(%.0f bytes; %.0f timeouts, %.0f of them spurious; %.0f fast retransmits)\n",
                           indent, conns, cw_metric(m, "origin_segments_sent"), cw_metric(m, "origin_retransmits"),
                           cw_metric(m, "origin_retransmitted_bytes"), cw_metric(m, "origin_timeouts"),
                           cw_metric(m, "origin_spurious_timeouts"), cw_metric(m, "origin_fast_retransmits"));
}

static void cw_report(const app_view *m, app_report_style style, GString *out)
{
    if (style == APP_REPORT_ROW)
        return; /* its table notes say what a sweep's table needs */
    bool unstable = cw_metric(m, "unstable") != 0;
    if (style == APP_REPORT_SINGLE) {
        g_string_append_printf(out, "  response time: median %.3f s, 95%% %.3f s, 99%% %.3f s\n",
                               cw_metric(m, "response_time_p50_s"), cw_metric(m, "response_time_p95_s"),
                               cw_metric(m, "response_time_p99_s"));
        g_string_append_printf(out,
                               "  hits %.3f s, misses %.3f s; hit rate %.3f; access link utilisation %.3f "
                               "(down), %.3f (up)%s\n",
                               cw_metric(m, "hit_response_time_mean_s"), cw_metric(m, "miss_response_time_mean_s"),
                               cw_metric(m, "hit_rate"), cw_metric(m, "access_down_utilisation"),
                               cw_metric(m, "access_up_utilisation"), unstable ? "; UNSTABLE" : "");
        cw_unstable_line(m, "  ", out);
        cw_tcp_line(m, "  ", out);
        return;
    }
    g_string_append_printf(out,
                           "    access link utilisation %.3f, hit rate %.2f, response time mean %.3f s "
                           "(median %.3f, 95%% %.3f)",
                           cw_metric(m, "access_down_utilisation"), cw_metric(m, "hit_rate"),
                           cw_metric(m, "response_time_mean_s"), cw_metric(m, "response_time_p50_s"),
                           cw_metric(m, "response_time_p95_s"));
    double f = app_view_metric(m, "formula_s");
    if (isfinite(f))
        g_string_append_printf(out, ", formula %.3f s", f);
    g_string_append(out, "\n");
    cw_unstable_line(m, "    ", out);
    cw_tcp_line(m, "    ", out);
}

/* A table's footnote: unstable runs, with their growth. */
static void cw_note(const app_view *m, GString *out)
{
    if (cw_metric(m, "unstable") != 0)
        g_string_append_printf(out, "unstable: response times grow by %.3f s per s (%.1f s, then %.1f s)",
                               cw_metric(m, "response_growth_s_per_s"), cw_metric(m, "response_time_window1_mean_s"),
                               cw_metric(m, "response_time_window4_mean_s"));
}

static const app_formula cw_formulas[] = {
    {"cache-access", cache_access_formula}, {"cache-hit-rate", cache_hit_rate_formula}, {NULL, NULL}};

static const app_prediction cw_predictions[] = {{"cache-hit-rate", "hit_rate"}, {NULL, NULL}};

static const app_headline cw_headlines[] = {
    {"response_time", "mean response time (s)", "cache_workload.response_time_mean_s", true},
    {"hit_rate", "hit rate", "cache_workload.hit_rate", false},
    {"access_utilisation", "access link utilisation (downstream)", "cache_workload.access_down_utilisation", false},
    {NULL, NULL, NULL, false}};

const app_type cache_workload_app = {
    .type = "cache-workload",
    .doc = "the institutional network's requests through a web cache (message transport or TCP)",
    .config_size = sizeof(cw_spec),
    .keys = cw_keys,
    .check = cw_check,
    .hold = APP_HOLD_UNTIL_QUIET,
    .start = cw_start,
    .free = cw_free,
    .collect = cw_collect,
    .headlines = cw_headlines,
    .formulas = cw_formulas,
    .predictions = cw_predictions,
    .csv_file = "cache_requests.csv",
    .csv_header = "time_s,object,result,size_bytes,response_time_s",
    .report = cw_report,
    .table_note = cw_note,
};
