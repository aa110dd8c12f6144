/*
 * runner: world building, the browsers' load loop, metrics, fingerprint
 * and timeline collection for one run.
 */
#include "runner.h"

#include <math.h>
#include <string.h>

#include "models/sim_host.h"
#include "pcap_out.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_server.h"
#include "protocols/http/http_url.h"
#include "sim/sim_trace.h"
#include "transcript.h"

typedef struct world world;

typedef struct {
    world *w;
    const scn_app *app;
    http_browser *b;
    guint next_url;
    uint32_t loads_left;
    bool done;
} browser_driver;

struct world {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    GPtrArray *hosts;    /* sim_host_t*, index = node address (NULL if unused) */
    GPtrArray *stores;   /* http_store* */
    GPtrArray *servers;  /* http_server* */
    GPtrArray *drivers;  /* browser_driver* */
    GPtrArray *workloads; /* cachewl* */
    udp_stack_t *udp;
    guint browsers_left;
    sim_time_t stop_time;
    GChecksum *fingerprint;
    /* timeline */
    bool timeline;
    bool timeline_done;
    uint32_t tl_client, tl_server;
    GHashTable *tl_sent; /* packet id -> send time (ns), lookup only */
    GArray *arrows;
};

static sim_host_t *host_for(world *w, node_t *node)
{
    guint a = node_addr(node);
    if (a >= w->hosts->len)
        g_ptr_array_set_size(w->hosts, a + 1);
    sim_host_t *h = g_ptr_array_index(w->hosts, a);
    if (!h) {
        h = sim_host_new(w->tcp, node, NULL);
        g_ptr_array_index(w->hosts, a) = h;
    }
    return h;
}

/* The object path of page p's i-th image: "/index.html" -> "/index/img3.gif". */
static char *object_path(const char *page, uint32_t i)
{
    const char *slash = strrchr(page, '/');
    const char *dot = strrchr(page, '.');
    size_t stem = dot && dot > slash ? (size_t)(dot - page) : strlen(page);
    return g_strdup_printf("%.*s/img%u.gif", (int)stem, page, i);
}

static http_store *build_store(const scn_app *app)
{
    http_store *st = http_store_new();
    for (guint i = 0; i < app->pages->len; i++) {
        const scn_page *pg = &g_array_index(app->pages, scn_page, i);
        GString *html = g_string_new("<html><head><title>appsim</title></head><body>\n");
        for (uint32_t k = 0; k < pg->objects; k++) {
            char *op = object_path(pg->path, k);
            g_string_append_printf(html, "<img src=\"%s\">\n", op);
            http_store_add(st, op, pg->object_size, "image/gif", NULL, SIM_HOST_EPOCH - 86400, 0);
            g_free(op);
        }
        g_string_append(html, "</body></html>\n");
        http_store_add(st, pg->path, html->len, "text/html", html->str, SIM_HOST_EPOCH - 86400, 0);
        g_string_free(html, TRUE);
    }
    for (guint i = 0; i < app->objects->len; i++) {
        const scn_object *o = &g_array_index(app->objects, scn_object, i);
        http_store_add(st, o->path, o->size, NULL, NULL, SIM_HOST_EPOCH - 86400, 0);
    }
    return st;
}

/* ---- browsers ------------------------------------------------------------ */

static void driver_next(void *ud);

static void driver_page_done(void *ud, http_browser *b, const http_page *pg)
{
    (void)b;
    (void)pg;
    browser_driver *d = ud;
    world *w = d->w;
    if (w->timeline && !w->timeline_done)
        w->timeline_done = true; /* the first page load is drawn */
    host_env *env = sim_host_env(host_for(w, net_node_by_name(w->net, d->app->host)));
    host_timer(env, d->app->think, driver_next, d);
}

static void driver_next(void *ud)
{
    browser_driver *d = ud;
    world *w = d->w;
    if (d->next_url >= d->app->urls->len) {
        d->next_url = 0;
        d->loads_left--;
    }
    if (d->loads_left == 0) {
        d->done = true;
        if (--w->browsers_left == 0 && w->stop_time == 0 && w->workloads->len == 0)
            sim_stop(w->sim);
        return;
    }
    const char *url = g_ptr_array_index(d->app->urls, d->next_url++);
    if (!http_browser_load(d->b, url, driver_page_done, d))
        driver_next(d);
}

/* ---- trace subscribers ------------------------------------------------------ */

static void digest_rec(void *ctx, const sim_trace_rec *rec)
{
    world *w = ctx;
    const pkt_t *p = rec->kind == SIM_TR_APP ? NULL : rec->obj;
    int64_t v[6] = {rec->kind, rec->time, rec->source, rec->reason, (int64_t)rec->bytes,
                    p ? (int64_t)p->id : -1};
    g_checksum_update(w->fingerprint, (const guchar *)v, sizeof v);
    if (rec->text)
        g_checksum_update(w->fingerprint, (const guchar *)rec->text, (gssize)strlen(rec->text));
}

static char *packet_label(const pkt_t *p)
{
    GString *s = g_string_new("");
    if (p->proto == PKT_PROTO_TCP) {
        uint8_t f = p->tcp_flags;
        if (f & PKT_SYN)
            g_string_append(s, (f & PKT_ACK) ? "SYN-ACK" : "SYN");
        else if (f & PKT_RST)
            g_string_append(s, "RST");
        else if (f & PKT_FIN)
            g_string_append(s, "FIN");
        if (p->len > 0) {
            const uint8_t *d = p->data ? p->data : NULL;
            if (s->len)
                g_string_append_c(s, ' ');
            if (d && p->len >= 5 && (!memcmp(d, "GET ", 4) || !memcmp(d, "HTTP/", 5) ||
                                     !memcmp(d, "HEAD ", 5) || !memcmp(d, "POST ", 5))) {
                size_t n = 0;
                while (n < p->len && n < 40 && d[n] != '\r' && d[n] != '\n')
                    n++;
                g_string_append_len(s, (const char *)d, (gssize)n);
                g_string_append_printf(s, " [%u B]", p->len);
            } else {
                g_string_append_printf(s, "data [%u B]", p->len);
            }
        } else if (!s->len) {
            g_string_append(s, "ACK");
        }
    } else {
        g_string_append_printf(s, "packet [%u B]", p->len);
    }
    return g_string_free(s, FALSE);
}

static void timeline_rec(void *ctx, const sim_trace_rec *rec)
{
    world *w = ctx;
    if (w->timeline_done || !rec->obj)
        return;
    const pkt_t *p = rec->obj;
    bool between = (p->src == w->tl_client && p->dst == w->tl_server) ||
                   (p->src == w->tl_server && p->dst == w->tl_client);
    if (!between)
        return;
    /* Which link direction: sent when it leaves its source host, arrived
     * when it reaches its destination host. */
    for (guint i = 0; i < net_link_count(w->net); i++) {
        link_t *l = net_link_at(w->net, i);
        for (int d = 0; d < 2; d++) {
            link_dir_t *ld = link_dir(l, d);
            if (link_dir_trace_source(ld) != rec->source)
                continue;
            if (rec->kind == SIM_TR_TX_START && node_addr(link_dir_src(ld)) == p->src) {
                guint64 *key = g_new(guint64, 1);
                *key = p->id;
                g_hash_table_replace(w->tl_sent, key, g_memdup2(&rec->time, sizeof rec->time));
            } else if (rec->kind == SIM_TR_RX && node_addr(link_dir_dst(ld)) == p->dst) {
                guint64 key = p->id;
                sim_time_t *sent = g_hash_table_lookup(w->tl_sent, &key);
                if (sent) {
                    timeline_arrow a;
                    a.t_send = sim_time_to_s(*sent);
                    a.t_recv = sim_time_to_s(rec->time);
                    a.from = p->src == w->tl_client ? 0 : 1;
                    a.to = 1 - a.from;
                    a.label = packet_label(p);
                    g_array_append_val(w->arrows, a);
                    g_hash_table_remove(w->tl_sent, &key);
                }
            }
            return;
        }
    }
}

/* ---- paths and formulas ---------------------------------------------------------- */

/* Round trip (2 x propagation) and slowest rate from a to b. */
static void path_of(net_t *net, node_t *a, node_t *b, double *rtt, double *rate)
{
    *rtt = 0;
    *rate = INFINITY;
    node_t *at = a;
    for (int hops = 0; at != b && hops < 256; hops++) {
        link_dir_t *d = net_next_hop(net, at, b);
        if (!d)
            break;
        const link_params_t *p = link_dir_params(d);
        *rtt += 2 * sim_time_to_s(p->delay);
        *rate = MIN(*rate, (double)p->rate_bps);
        at = link_dir_dst(d);
    }
}

static double slow_start_latency(double o, double s, double r, double rtt)
{
    double sr = s * 8 / r;
    int k = (int)ceil(log2(o / s + 1));
    int q = (int)floor(log2(1 + rtt / sr)) + 1;
    int p = MIN(q, k - 1);
    return 2 * rtt + o * 8 / r + p * (rtt + sr) - (pow(2, p) - 1) * sr;
}

static double formula_for(const scn_run *r, const scn_app *browser, const scn_app *server,
                          double rtt, double rate)
{
    if (!r->out.formula || !browser || !server)
        return NAN;
    uint32_t n = server->pages->len ? g_array_index(server->pages, scn_page, 0).objects : 0;
    uint64_t size = server->pages->len ? g_array_index(server->pages, scn_page, 0).object_size
                    : server->objects->len ? g_array_index(server->objects, scn_object, 0).size
                                           : 0;
    if (!strcmp(r->out.formula, "http-page")) {
        uint32_t par = MAX(browser->parallel, 1u);
        switch (browser->mode) {
        case BROWSER_NP_SERIAL: return 2 * rtt * (n + 1);
        case BROWSER_NP_PARALLEL: return 2 * rtt * (1 + ceil((double)n / par));
        case BROWSER_P_SERIAL: return 2 * rtt + n * rtt;
        case BROWSER_P_PIPELINE: return n ? 3 * rtt : 2 * rtt;
        case BROWSER_P_PARALLEL: /* the new connections' first requests cost a handshake too */
            return par == 1 ? 2 * rtt + n * rtt : n ? 4 * rtt + (ceil((double)n / par) - 1) * rtt : 2 * rtt;
        }
    }
    if (!strcmp(r->out.formula, "single-object"))
        return 2 * rtt + (double)size * 8 / rate;
    if (!strcmp(r->out.formula, "slow-start")) /* ideal TCP has no slow start */
        return r->tcp.cc == TCP_CC_IDEAL ? 2 * rtt + (double)size * 8 / rate
                                         : slow_start_latency((double)size, r->tcp.mss, rate, rtt);
    return NAN;
}

/* The time a message of `bytes` payload (+ UDP/IP header) takes from a to
 * b with no queueing: transmissions and propagation. `skip` (a link
 * direction, or NULL) contributes nothing: its queue is counted apart. */
static double path_time(net_t *net, node_t *a, node_t *b, double bytes, const link_dir_t *skip)
{
    double t = 0, wire = bytes + net_header_bytes(net, PKT_PROTO_UDP);
    node_t *at = a;
    for (int hops = 0; at != b && hops < 256; hops++) {
        link_dir_t *d = net_next_hop(net, at, b);
        if (!d)
            return NAN;
        const link_params_t *p = link_dir_params(d);
        if (d != skip)
            t += wire * 8 / (double)p->rate_bps;
        t += sim_time_to_s(p->delay);
        at = link_dir_dst(d);
    }
    return t;
}

/* The slides' arithmetic for the institutional network, with queueing
 * theory for the access link: E[T] = h T_hit + (1 - h) T_miss, where a miss
 * pays the path to the origin and back plus the access link's time in
 * system, M/D/1 for fixed sizes and M/M/1 for exponential ones:
 * Delta / (1 - Delta beta) with Delta the mean transmission time and beta
 * the rate of misses. h is the forced hit probability, or the measured
 * hit rate. NaN for Pareto sizes or a saturated link. */
static double cache_formula(net_t *net, const scn_app *a, const cw_result *res)
{
    node_t *gen = net_node_by_name(net, a->host), *origin = net_node_by_name(net, a->origin);
    node_t *cache = a->cache_node ? net_node_by_name(net, a->cache_node) : NULL;
    link_t *acc = net_link_by_name(net, a->access_link);
    if (!gen || !origin || !acc || a->sizes == CW_PARETO)
        return NAN;
    node_t *front = cache ? cache : gen;
    link_dir_t *down = net_next_hop(net, origin, front);
    link_dir_t *d0 = link_dir(acc, 0), *d1 = link_dir(acc, 1);
    /* the access direction the answers cross */
    link_dir_t *access = NULL;
    for (node_t *at = origin; at != front;) {
        link_dir_t *d = net_next_hop(net, at, front);
        if (!d)
            return NAN;
        if (d == d0 || d == d1)
            access = d;
        at = link_dir_dst(d);
    }
    (void)down;
    if (!access)
        return NAN;
    double h = a->forced ? a->hit_probability : res->hit_rate;
    if (isnan(h))
        h = 0;
    double req = (double)a->request_size, size = (double)a->mean_size;
    double delta = (size + net_header_bytes(net, PKT_PROTO_UDP)) * 8 / (double)link_dir_params(access)->rate_bps;
    double beta = (1 - h) * a->rate, rho = beta * delta;
    if (rho >= 1)
        return NAN;
    double wq = a->sizes == CW_FIXED ? delta + rho * delta / (2 * (1 - rho)) : delta / (1 - rho);
    double t_hit = cache ? path_time(net, gen, cache, req, NULL) + path_time(net, cache, gen, size, NULL) : NAN;
    double t_miss = path_time(net, gen, front, req, NULL) + path_time(net, front, origin, req, NULL) +
                    path_time(net, origin, front, size, access) + wq +
                    (cache ? path_time(net, cache, gen, size, NULL) : 0);
    if (!cache)
        t_miss = path_time(net, gen, origin, req, NULL) + path_time(net, origin, gen, size, access) + wq;
    return h > 0 ? h * t_hit + (1 - h) * t_miss : t_miss;
}

/* ---- the run ----------------------------------------------------------------------- */

static void world_free(world *w)
{
    for (guint i = 0; i < w->drivers->len; i++) {
        browser_driver *d = g_ptr_array_index(w->drivers, i);
        http_browser_free(d->b);
        g_free(d);
    }
    for (guint i = 0; i < w->workloads->len; i++)
        cachewl_free(g_ptr_array_index(w->workloads, i));
    g_ptr_array_free(w->workloads, TRUE);
    udp_stack_free(w->udp);
    for (guint i = 0; i < w->servers->len; i++)
        http_server_free(g_ptr_array_index(w->servers, i));
    for (guint i = 0; i < w->stores->len; i++)
        http_store_free(g_ptr_array_index(w->stores, i));
    for (guint i = 0; i < w->hosts->len; i++)
        sim_host_free(g_ptr_array_index(w->hosts, i));
    tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
    g_ptr_array_free(w->drivers, TRUE);
    g_ptr_array_free(w->servers, TRUE);
    g_ptr_array_free(w->stores, TRUE);
    g_ptr_array_free(w->hosts, TRUE);
    if (w->tl_sent)
        g_hash_table_destroy(w->tl_sent);
    if (w->fingerprint)
        g_checksum_free(w->fingerprint);
}

static void arrow_clear(gpointer p) { g_free((char *)((timeline_arrow *)p)->label); }

void run_result_free(run_result *res)
{
    if (!res)
        return;
    if (res->requests_csv)
        g_string_free(res->requests_csv, TRUE);
    if (res->links) {
        for (guint i = 0; i < res->links->len; i++) {
            link_row *l = &g_array_index(res->links, link_row, i);
            g_free(l->link);
            g_free(l->from);
            g_free(l->to);
        }
        g_array_free(res->links, TRUE);
    }
    if (res->arrows)
        g_array_free(res->arrows, TRUE);
    g_free(res->columns[0]);
    g_free(res->columns[1]);
    g_free(res->fingerprint);
    g_free(res->transcript);
    g_free(res);
}

static double csv_time(int64_t t) { return t < 0 ? -1 : (double)t / 1e9; }

run_result *runner_run(const scn_run *r, guint index, const run_options *opt, GError **err)
{
    world w = {0};
    w.sim = sim_new(r->seed);
    w.net = net_new(w.sim);
    net_set_header_bytes(w.net, PKT_PROTO_TCP, r->tcp_header);
    w.hosts = g_ptr_array_new();
    w.stores = g_ptr_array_new();
    w.servers = g_ptr_array_new();
    w.drivers = g_ptr_array_new();
    w.workloads = g_ptr_array_new();
    w.stop_time = r->stop_time;
    w.fingerprint = g_checksum_new(G_CHECKSUM_SHA256);
    unsigned digest_sub = sim_trace_subscribe(sim_trace(w.sim), SIM_TR_ALL, digest_rec, &w);
    unsigned timeline_sub = 0;
    run_result *res = NULL;
    pcap_out *pcap = NULL;
    transcript *tr = NULL;

    for (guint i = 0; i < r->nodes->len; i++) {
        const scn_node *n = &g_array_index(r->nodes, scn_node, i);
        if (!(n->router ? net_add_router(w.net, n->name, err) : net_add_host(w.net, n->name, err)))
            goto out;
    }
    for (guint i = 0; i < r->links->len; i++) {
        const scn_link *l = &g_array_index(r->links, scn_link, i);
        link_t *lk = net_link(w.net, l->name, net_node_by_name(w.net, l->from),
                              net_node_by_name(w.net, l->to), &l->ab, &l->ba, err);
        if (!lk)
            goto out;
        for (guint k = 0; k + 1 < l->down->len; k += 2)
            if (!link_add_down_interval(lk, g_array_index(l->down, sim_time_t, k),
                                        g_array_index(l->down, sim_time_t, k + 1), err))
                goto out;
    }
    w.tcp = tcp_stack_new(w.net, &r->tcp);
    if (opt && opt->pcap_dir && !(pcap = pcap_out_new(w.net, opt->pcap_dir, err)))
        goto out;

    const scn_app *first_browser = NULL, *first_server = NULL, *first_workload = NULL;
    for (guint i = 0; i < r->apps->len; i++) {
        const scn_app *a = &g_array_index(r->apps, scn_app, i);
        node_t *node = net_node_by_name(w.net, a->host);
        host_env *env = sim_host_env(host_for(&w, node));
        if (a->kind == SCN_APP_SERVER) {
            http_store *st = build_store(a);
            g_ptr_array_add(w.stores, st);
            http_server_config c;
            http_server_config_default(&c);
            c.port = a->port;
            c.proc_time = a->proc_time;
            http_server *srv = http_server_new(env, st, &c, err);
            if (!srv) {
                g_prefix_error(err, "application \"%s\": ", a->name);
                goto out;
            }
            g_ptr_array_add(w.servers, srv);
            if (!first_server)
                first_server = a;
        } else if (a->kind == SCN_APP_CACHE_WORKLOAD) {
            if (!w.udp)
                w.udp = udp_stack_new(w.net);
            cw_params cp = {.generator = a->host, .cache = a->cache_node, .origin = a->origin,
                            .access_link = a->access_link, .rate = a->rate, .sizes = (cw_size_dist)a->sizes,
                            .mean_bytes = (double)a->mean_size, .pareto_alpha = a->pareto_alpha,
                            .forced = a->forced, .hit_probability = a->hit_probability,
                            .zipf_alpha = a->zipf_alpha, .objects = a->objects_n, .capacity = a->capacity,
                            .policy = (cache_policy)a->policy, .request_bytes = (uint32_t)a->request_size,
                            .warmup = a->warmup, .duration = a->duration,
                            .tcp = a->tcp_transport ? w.tcp : NULL};
            cachewl *cw = cachewl_new(w.net, w.udp, &cp, err);
            if (!cw) {
                g_prefix_error(err, "application \"%s\": ", a->name);
                goto out;
            }
            g_ptr_array_add(w.workloads, cw);
            if (!first_workload)
                first_workload = a;
        } else {
            browser_config bc;
            browser_config_default(&bc);
            bc.mode = a->mode;
            bc.parallel = a->parallel;
            bc.version = a->version;
            bc.cache = a->cache;
            browser_driver *d = g_new0(browser_driver, 1);
            d->w = &w;
            d->app = a;
            d->loads_left = a->repeat;
            d->b = http_browser_new(env, &bc, NULL);
            g_ptr_array_add(w.drivers, d);
            w.browsers_left++;
            host_timer(env, a->start, driver_next, d);
            if (!first_browser)
                first_browser = a;
        }
    }

    /* The server a browser's first URL names, for formulas and timelines. */
    double rtt = 0, rate = NAN;
    node_t *bnode = NULL, *snode = NULL;
    if (first_browser) {
        bnode = net_node_by_name(w.net, first_browser->host);
        http_url u;
        if (http_url_parse(g_ptr_array_index(first_browser->urls, 0), &u)) {
            snode = net_node_by_name(w.net, u.host);
            http_url_clear(&u);
        }
        if (bnode && snode)
            path_of(w.net, bnode, snode, &rtt, &rate);
        for (guint i = 0; snode && i < r->apps->len; i++) {
            const scn_app *a = &g_array_index(r->apps, scn_app, i);
            if (a->kind == SCN_APP_SERVER && !strcmp(a->host, node_name(snode)))
                first_server = a;
        }
    }
    if (opt && opt->timeline && bnode && snode) {
        w.timeline = true;
        w.tl_client = node_addr(bnode);
        w.tl_server = node_addr(snode);
        w.tl_sent = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
        w.arrows = g_array_new(FALSE, FALSE, sizeof(timeline_arrow));
        g_array_set_clear_func(w.arrows, arrow_clear);
        timeline_sub = sim_trace_subscribe(sim_trace(w.sim),
                                           SIM_TR_MASK(SIM_TR_TX_START) | SIM_TR_MASK(SIM_TR_RX),
                                           timeline_rec, &w);
    }

    if (opt && opt->transcript && bnode && snode)
        tr = transcript_new(w.net, bnode, snode, 400);

    if (r->stop_time) {
        sim_run_until(w.sim, MIN(r->stop_time, r->max_time));
    } else if (w.browsers_left || w.workloads->len) {
        /* until the applications are done (the queue empties, or the last
         * browser stops the run), at most max_time: the clock stays where
         * the last event left it */
        sim_run_limit(w.sim, r->max_time);
    }
    /* The run is over: what tearing the world down emits is not part of it. */
    sim_trace_unsubscribe(sim_trace(w.sim), digest_sub);
    if (timeline_sub)
        sim_trace_unsubscribe(sim_trace(w.sim), timeline_sub);
    transcript_detach(tr);

    res = g_new0(run_result, 1);
    res->index = index;
    res->seed = r->seed;
    res->end = sim_now(w.sim);
    res->events = sim_events_executed(w.sim);
    res->rtt_s = rtt;
    res->bottleneck_bps = rate;
    res->formula_s = formula_for(r, first_browser, first_server, rtt, rate);
    res->requests_csv = g_string_new("");
    double sum = 0, max = 0;
    for (guint i = 0; i < w.drivers->len; i++) {
        browser_driver *d = g_ptr_array_index(w.drivers, i);
        const GArray *pages = http_browser_pages(d->b);
        for (guint k = 0; k < pages->len; k++) {
            const http_page *pg = &g_array_index(pages, http_page, k);
            double t = sim_time_to_s(pg->end - pg->start);
            sum += t;
            max = MAX(max, t);
            res->pages++;
            res->objects += pg->objects;
            res->failures += pg->failures;
        }
        const GArray *recs = http_browser_records(d->b);
        for (guint k = 0; k < recs->len; k++) {
            const http_record *rc = &g_array_index(recs, http_record, k);
            g_string_append_printf(res->requests_csv,
                                   "%u,%s,%s,%" G_GUINT64_FORMAT ",%.9f,%.9f,%.9f,%.9f,%d,%" G_GUINT64_FORMAT ",%s\n",
                                   index, d->app->name, rc->url, rc->conn, csv_time(rc->connect_start),
                                   csv_time(rc->request_sent), csv_time(rc->first_byte),
                                   csv_time(rc->last_byte), rc->status, rc->bytes,
                                   rc->cache ? rc->cache : rc->from_cache ? "revalidated" : "");
        }
        if (!d->done)
            res->failures++; /* did not finish before the limit */
    }
    res->page_load_mean_s = res->pages ? sum / res->pages : NAN;
    res->page_load_max_s = max;
    res->links = g_array_new(FALSE, TRUE, sizeof(link_row));
    for (guint i = 0; i < net_link_count(w.net); i++) {
        link_t *l = net_link_at(w.net, i);
        for (int d = 0; d < 2; d++) {
            link_dir_t *ld = link_dir(l, d);
            link_stats_t st;
            link_dir_stats(ld, &st);
            link_row row = {g_strdup(link_name(l)), g_strdup(node_name(link_dir_src(ld))),
                            g_strdup(node_name(link_dir_dst(ld))), st.tx_bytes, st.tx_pkts,
                            st.drops_queue + st.drops_loss + st.drops_down, st.utilisation,
                            st.mean_queue_pkts, st.mean_wait_s, st.max_queue_pkts};
            g_array_append_val(res->links, row);
        }
    }
    res->fingerprint = g_strdup(g_checksum_get_string(w.fingerprint));
    if (w.workloads->len) {
        res->has_workload = true;
        cachewl_result(g_ptr_array_index(w.workloads, 0), &res->cw);
        if (r->out.formula && !strcmp(r->out.formula, "cache-access"))
            res->formula_s = cache_formula(w.net, first_workload, &res->cw);
    }
    if (tr) {
        char *title = g_strdup_printf("%s, run %u (seed %" G_GUINT64_FORMAT "): %s <-> %s", r->name, index,
                                      r->seed, node_name(bnode), node_name(snode));
        res->transcript = transcript_text(tr, title);
        g_free(title);
    }
    if (w.arrows) {
        res->arrows = w.arrows;
        w.arrows = NULL;
        res->columns[0] = g_strdup(node_name(bnode));
        res->columns[1] = g_strdup(node_name(snode));
    }
out:
    if (!res) {
        sim_trace_unsubscribe(sim_trace(w.sim), digest_sub);
        if (timeline_sub)
            sim_trace_unsubscribe(sim_trace(w.sim), timeline_sub);
    }
    pcap_out_free(pcap);
    transcript_free(tr);
    if (w.arrows)
        g_array_free(w.arrows, TRUE);
    world_free(&w);
    return res;
}
