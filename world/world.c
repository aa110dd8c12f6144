/*
 * world: building a run's network and applications, the stop rule,
 * collecting the results, and the calls app.h gives applications.
 */
#include "world.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "models/queueing.h"
#include "pcap_out.h"
#include "sim/sim_trace.h"
#include "transcript.h"
#include "world_priv.h"

G_DEFINE_QUARK(appsim-world-error-quark, world_error)

/* ---- what applications may ask of the world (app.h) ------------------------------ */

/* The sink of every host's records: kept in order for the types that
 * collect them (app_type.records, app_world_records). */
static void keep_record(void *ud, const char *host, int64_t now_ns, const char *kind, const char *text)
{
    app_world *w = ud;
    if (w->records->len >= WORLD_MAX_RECORDS) {
        w->records_dropped++;
        return;
    }
    world_record rec = {g_strdup(host), g_strdup(kind), g_strdup(text), now_ns};
    g_array_append_val(w->records, rec);
}

static void record_clear(gpointer p)
{
    world_record *r = p;
    g_free(r->host);
    g_free(r->kind);
    g_free(r->text);
}

void app_world_records(const app_world *w, const char *kind, app_record_fn fn, void *ud)
{
    for (guint i = 0; i < w->records->len; i++) {
        const world_record *r = &g_array_index(w->records, world_record, i);
        if (!strcmp(r->kind, kind))
            fn(ud, r->host, r->t_ns, r->text);
    }
}

host_env *app_world_host(app_world *w, const char *name)
{
    node_t *node = name ? net_node_by_name(w->net, name) : NULL;
    if (!node)
        return NULL;
    guint a = node_addr(node);
    if (a >= w->hosts->len)
        g_ptr_array_set_size(w->hosts, a + 1);
    sim_host_t *h = g_ptr_array_index(w->hosts, a);
    if (!h) {
        h = sim_host_new(w->tcp, node, NULL);
        sim_host_set_udp(h, w->udp);
        sim_host_set_record_sink(h, keep_record, w);
        g_ptr_array_index(w->hosts, a) = h;
    }
    return sim_host_env(h);
}

uint64_t app_world_seed(const app_world *w) { return sim_seed(w->sim); }

/* app.h keeps to the seams and GLib, so it spells the literal's room out. */
G_STATIC_ASSERT(NET_IPV4_STRLEN == 16);

bool app_world_node_address(const app_world *w, const char *node, char out[16])
{
    const node_t *n = node ? net_node_by_name(w->net, node) : NULL;
    out[0] = '\0';
    if (!n)
        return false;
    node_address_text(n, out);
    return true;
}

const char *app_world_node_of_address(const app_world *w, const char *address)
{
    uint32_t ip, addr;
    if (!net_ipv4_parse(address, &ip) || !net_addr_of_ipv4(ip, &addr))
        return NULL;
    const node_t *n = net_node_by_addr(w->net, addr);
    return n ? node_name(n) : NULL;
}

/* Adds a finished connection's figures to its local node's totals. */
static void transport_done(void *ud, const tcp_stats_t *s)
{
    app_world *w = ud;
    if (s->local >= w->transport->len)
        g_array_set_size(w->transport, s->local + 1);
    app_transport_stats *t = &g_array_index(w->transport, app_transport_stats, s->local);
    t->connections++;
    t->bytes_sent += s->bytes_sent;
    t->segments_sent += s->segs_sent;
    t->retransmits += s->retransmits;
    t->timeouts += s->timeouts;
    t->fast_retransmits += s->fast_retransmits;
    t->bytes_retransmitted += s->bytes_retransmitted;
    t->spurious_timeouts += s->spurious_timeouts;
}

bool app_world_transport_stats(const app_world *w, const char *node, app_transport_stats *out)
{
    memset(out, 0, sizeof *out);
    node_t *n = node ? net_node_by_name(w->net, node) : NULL;
    if (!n)
        return false;
    guint a = node_addr(n);
    if (w->transport && a < w->transport->len)
        *out = g_array_index(w->transport, app_transport_stats, a);
    return true;
}

double app_theory_md1_time(double lambda, double mu) { return qt_md1_time(lambda, mu); }
double app_theory_mm1_time(double lambda, double mu) { return qt_mm1_time(lambda, mu); }

double app_theory_cache_hit_rate_zipf(app_cache_policy pol, double alpha, uint64_t n, double c)
{
    return qt_cache_hit_rate_zipf(pol == APP_CACHE_FIFO ? QT_CACHE_FIFO : QT_CACHE_LRU, alpha, n, c);
}

void app_world_done(app_world *w)
{
    if (w->holding > 0 && --w->holding == 0 && w->run->stop_time == 0 && !w->quiet)
        sim_stop(w->sim);
}

void app_world_first_exchange_done(app_world *w) { w->timeline_done = true; }

const app_spec *app_world_app(const app_world *w, guint i)
{
    return i < w->run->apps->len ? &g_array_index(w->run->apps, app_spec, i) : NULL;
}

const app_spec *app_world_find(const app_world *w, const char *type, const char *host)
{
    for (guint i = 0; i < w->run->apps->len; i++) {
        const app_spec *a = &g_array_index(w->run->apps, app_spec, i);
        if (!strcmp(a->type->type, type) && (!host || !strcmp(a->host, host)))
            return a;
    }
    return NULL;
}

bool app_world_offer(app_world *w, const char *node, const char *name, void *service)
{
    if (!w->services)
        w->services = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    char *key = g_strconcat(node, "\n", name, NULL);
    if (g_hash_table_contains(w->services, key)) {
        g_free(key);
        return false;
    }
    g_hash_table_insert(w->services, key, service);
    return true;
}

void *app_world_service(const app_world *w, const char *node, const char *name)
{
    if (!w->services)
        return NULL;
    char *key = g_strconcat(node, "\n", name, NULL);
    void *service = g_hash_table_lookup(w->services, key);
    g_free(key);
    return service;
}

double app_path_datagram_s(const app_path *p, uint64_t bytes)
{
    int64_t ns = 0;
    for (int j = 0; j < p->n; j++) {
        uint64_t r = p->hops[j].rate_bps;
        ns += p->hops[j].delay_ns + (r ? (int64_t)((bytes * 8 * UINT64_C(1000000000) + r - 1) / r) : 0);
    }
    return (double)ns / 1e9;
}

/* The node `name` stands for (app_world_node_named). */
static node_t *node_named(const app_world *w, const char *name)
{
    if (!name)
        return NULL;
    node_t *n = net_node_by_name(w->net, name);
    if (n)
        return n;
    const char *by = app_world_node_of_address(w, name);
    if (!by && w->names) {
        char *k = g_ascii_strdown(name, -1);
        by = g_hash_table_lookup(w->names, k);
        g_free(k);
    }
    return by ? net_node_by_name(w->net, by) : NULL;
}

const char *app_world_node_named(const app_world *w, const char *name)
{
    node_t *n = node_named(w, name);
    return n ? node_name(n) : NULL;
}

static void add_name(void *ctx, const char *name, const char *node)
{
    app_world *w = ctx;
    if (!net_node_by_name(w->net, node))
        return;
    /* the first application to name it wins: "apps" order */
    char *k = g_ascii_strdown(name, -1);
    if (g_hash_table_contains(w->names, k))
        g_free(k);
    else
        g_hash_table_insert(w->names, k, g_strdup(node));
}

/* Every application's names of nodes (app_type.names). */
static void collect_names(app_world *w)
{
    w->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < w->run->apps->len; i++) {
        const app_spec *a = &g_array_index(w->run->apps, app_spec, i);
        if (a->type->names)
            a->type->names(w, a, add_name, w);
    }
}

bool app_world_path(const app_world *w, const char *from, const char *to, app_path *out)
{
    memset(out, 0, sizeof *out);
    out->bottleneck_bps = INFINITY;
    node_t *at = node_named(w, from), *b = node_named(w, to);
    out->n = -1;
    if (!at || !b)
        return false;
    out->n = 0;
    while (at != b) {
        link_dir_t *d = net_next_hop(w->net, at, b);
        if (!d || out->n >= (int)G_N_ELEMENTS(out->hops)) {
            out->n = -1;
            return false;
        }
        const link_params_t *p = link_dir_params(d);
        app_hop *h = &out->hops[out->n++];
        h->from = node_name(at);
        h->to = node_name(link_dir_dst(d));
        h->link = link_name(link_dir_link(d));
        h->rate_bps = p->rate_bps;
        h->delay_ns = p->delay;
        h->queue_limit_pkts = p->queue_pkts;
        h->queue_limit_bytes = p->queue_bytes;
        h->loss = p->loss;
        out->rtt_s += 2 * sim_time_to_s(p->delay);
        out->bottleneck_bps = MIN(out->bottleneck_bps, (double)p->rate_bps);
        at = link_dir_dst(d);
    }
    return true;
}

bool app_world_link_state(const app_world *w, const char *link, const char *from, app_link_state *out)
{
    link_t *l = link ? net_link_by_name(w->net, link) : NULL;
    node_t *n = from ? net_node_by_name(w->net, from) : NULL;
    link_dir_t *d = l && n ? link_dir_from(l, n) : NULL;
    if (!d)
        return false;
    link_stats_t st;
    link_dir_stats(d, &st);
    out->rate_bps = link_dir_params(d)->rate_bps;
    out->utilisation = st.utilisation;
    out->queue_pkts = link_dir_queue_pkts(d);
    return true;
}

uint32_t app_world_header_bytes(const app_world *w, bool udp)
{
    if (udp)
        return net_header_bytes(w->net, PKT_PROTO_UDP);
    /* With timestamps every segment of the run carries their 12 option bytes
     * (SACK blocks ride only on ACKs that report out-of-order data: not here). */
    return net_header_bytes(w->net, PKT_PROTO_TCP) + (w->run->tcp.timestamps ? 12u : 0u);
}

void app_world_tcp(const app_world *w, app_tcp_info *out)
{
    out->mss = w->run->tcp.mss;
    out->ideal = w->run->tcp.cc == TCP_CC_IDEAL;
    out->rto_min_s = sim_time_to_s(w->run->tcp.rto_min);
    out->rto_initial_s = sim_time_to_s(w->run->tcp.rto_initial);
}

const app_type *world_type_at_port(const app_world *w, uint16_t port)
{
    return w->port_type ? g_hash_table_lookup(w->port_type, GUINT_TO_POINTER((guint)port)) : NULL;
}

/* ---- results (app.h's sinks) --------------------------------------------------------- */

struct app_collect {
    run_result *res;
    run_csv *csv;
    GPtrArray *tables; /* of run_csv* (borrowed from res): the type's further tables, or NULL */
};

static void add_metric(run_result *res, const char *key, run_metric_kind kind, double v)
{
    run_metric m = {g_strdup(key), kind, v};
    g_array_append_val(res->metrics, m);
}

void app_metric(app_collect *c, const char *key, double v) { add_metric(c->res, key, RUN_METRIC_NUMBER, v); }
void app_metric_count(app_collect *c, const char *key, uint64_t v)
{
    add_metric(c->res, key, RUN_METRIC_COUNT, (double)v);
}
void app_metric_flag(app_collect *c, const char *key, bool v) { add_metric(c->res, key, RUN_METRIC_FLAG, v); }

void app_run_failed(app_collect *c, const char *reason)
{
    if (!c->res->failed)
        c->res->failed = g_strdup(reason);
}

/* "<run index>,<the formatted row>\n" onto `rows`: the index in decimal
 * by hand and the row formatted into a buffer on the stack when it fits
 * (rows are short), without the allocation and copy of
 * g_string_append_vprintf; the same bytes. */
static void append_row(GString *rows, guint index, const char *fmt, va_list ap)
{
    char num[16];
    int n = (int)sizeof num;
    num[--n] = ',';
    do {
        num[--n] = (char)('0' + index % 10);
        index /= 10;
    } while (index);
    g_string_append_len(rows, num + n, (gssize)sizeof num - n);
    char buf[512];
    va_list again;
    va_copy(again, ap);
    int len = vsnprintf(buf, sizeof buf, fmt, ap);
    if (len >= 0 && (size_t)len < sizeof buf)
        g_string_append_len(rows, buf, len);
    else
        g_string_append_vprintf(rows, fmt, again);
    va_end(again);
    g_string_append_c(rows, '\n');
}

void app_row(app_collect *c, const char *fmt, ...)
{
    if (!c->csv)
        return;
    va_list ap;
    va_start(ap, fmt);
    append_row(c->csv->rows, c->res->index, fmt, ap);
    va_end(ap);
}

void app_table_row(app_collect *c, guint table, const char *fmt, ...)
{
    if (!c->tables || table >= c->tables->len)
        return;
    run_csv *csv = g_ptr_array_index(c->tables, table);
    va_list ap;
    va_start(ap, fmt);
    append_row(csv->rows, c->res->index, fmt, ap);
    va_end(ap);
}

double run_result_metric(const run_result *res, const char *key)
{
    for (guint i = 0; res->metrics && i < res->metrics->len; i++) {
        const run_metric *m = &g_array_index(res->metrics, run_metric, i);
        if (!strcmp(m->key, key))
            return m->value;
    }
    return NAN;
}

const app_view *run_result_view(const run_result *res) { return (const app_view *)(const void *)res; }

double app_view_metric(const app_view *v, const char *key)
{
    return run_result_metric((const run_result *)(const void *)v, key);
}

double run_result_headline(const run_result *res, const app_registry *reg, const char *name)
{
    if (!strcmp(name, "link_utilisation")) {
        double m = 0;
        for (guint i = 0; i < res->links->len; i++)
            m = MAX(m, g_array_index(res->links, link_row, i).utilisation);
        return m;
    }
    /* Several types may share a headline (a browser's and a swarm's
     * distribution time): the first whose metric the run has. */
    for (size_t i = 0; i < reg->n; i++)
        for (const app_headline *h = reg->types[i]->headlines; h && h->name; h++)
            if (!strcmp(h->name, name)) {
                double v = run_result_metric(res, h->key);
                if (!isnan(v))
                    return v;
            }
    return NAN;
}

double run_formula_for(const run_result *res, const app_registry *reg, const char *name, bool fallback,
                       const char **expr)
{
    const run_formula *hit = NULL, *any_time = NULL;
    for (guint i = 0; res->formulas && i < res->formulas->len && !hit; i++) {
        const run_formula *f = &g_array_index(res->formulas, run_formula, i);
        if (f->predicts && !strcmp(f->predicts, name))
            hit = f;
        else if (!f->predicts && !any_time)
            any_time = f;
    }
    if (!hit && any_time) {
        bool is_time;
        run_headline_label(reg, name, &is_time);
        if (is_time)
            hit = any_time;
    }
    if (!hit && fallback && res->formulas && res->formulas->len == 1)
        hit = &g_array_index(res->formulas, run_formula, 0);
    if (expr)
        *expr = hit ? hit->expr : NULL;
    return hit ? hit->value : NAN;
}

/* The legend entry `name` of type `t`, or NULL. */
static const app_legend *type_legend(const app_type *t, const char *name)
{
    for (const app_legend *l = t->legends; l && l->name; l++)
        if (!strcmp(l->name, name))
            return l;
    return NULL;
}

const char *run_headline_legend(const run_result *res, const app_registry *reg, const char *name, bool *bound)
{
    *bound = false;
    for (size_t i = 0; i < reg->n; i++)
        for (const app_headline *h = reg->types[i]->headlines; h && h->name; h++)
            if (!strcmp(h->name, name) && !isnan(run_result_metric(res, h->key))) {
                const app_legend *l = type_legend(reg->types[i], name);
                *bound = l && l->bound;
                return l ? l->legend : NULL;
            }
    return NULL;
}

const char *run_formula_legend(const app_registry *reg, const char *expr)
{
    for (size_t i = 0; expr && i < reg->n; i++)
        for (const app_formula *f = reg->types[i]->formulas; f && f->name; f++)
            if (!strcmp(f->name, expr)) {
                const app_legend *l = type_legend(reg->types[i], expr);
                return l ? l->legend : NULL;
            }
    return NULL;
}

const char *run_headline_label(const app_registry *reg, const char *name, bool *is_time)
{
    *is_time = false;
    for (size_t i = 0; i < reg->n; i++)
        for (const app_headline *h = reg->types[i]->headlines; h && h->name; h++)
            if (!strcmp(h->name, name)) {
                *is_time = h->is_time;
                return h->label;
            }
    return "busiest link utilisation";
}

/* ---- building ---------------------------------------------------------------------- */

static bool build_network(app_world *w, const scn_run *r, GError **err)
{
    for (guint i = 0; i < r->nodes->len; i++) {
        const scn_node *n = &g_array_index(r->nodes, scn_node, i);
        node_t *nd = n->router ? net_add_router(w->net, n->name, err) : net_add_host(w->net, n->name, err);
        if (!nd)
            return false;
        node_set_inbound(nd, n->inbound);
    }
    for (guint i = 0; i < r->links->len; i++) {
        const scn_link *l = &g_array_index(r->links, scn_link, i);
        link_t *lk = net_link(w->net, l->name, net_node_by_name(w->net, l->from),
                              net_node_by_name(w->net, l->to), &l->ab, &l->ba, err);
        if (!lk)
            return false;
        for (guint k = 0; k + 1 < l->down->len; k += 2)
            if (!link_add_down_interval(lk, g_array_index(l->down, sim_time_t, k),
                                        g_array_index(l->down, sim_time_t, k + 1), err))
                return false;
    }
    w->tcp = tcp_stack_new(w->net, &r->tcp);
    w->transport = g_array_new(FALSE, TRUE, sizeof(app_transport_stats));
    tcp_stack_on_conn_done(w->tcp, transport_done, w);
    w->udp = udp_stack_new(w->net);
    return true;
}

/* Starts every application in the file's order. */
static bool start_apps(app_world *w, GError **err)
{
    const GArray *apps = w->run->apps;
    w->port_type = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < apps->len; i++) {
        const app_spec *a = &g_array_index(apps, app_spec, i);
        uint16_t ports[16];
        size_t n = app_type_listens(a->type, a->cfg, ports, G_N_ELEMENTS(ports));
        for (size_t k = 0; k < n; k++)
            if (!g_hash_table_contains(w->port_type, GUINT_TO_POINTER((guint)ports[k])))
                g_hash_table_insert(w->port_type, GUINT_TO_POINTER((guint)ports[k]), (gpointer)a->type);
        app_world_host(w, a->host);
        if (a->type->hold == APP_HOLD_UNTIL_DONE)
            w->holding++;
        else if (a->type->hold == APP_HOLD_UNTIL_QUIET)
            w->quiet = true;
    }
    for (guint i = 0; i < apps->len; i++) {
        const app_spec *a = &g_array_index(apps, app_spec, i);
        void *inst = a->type->start(w, a, err);
        if (!inst) {
            g_prefix_error(err, "application \"%s\": ", a->name);
            return false;
        }
        g_ptr_array_add(w->insts, inst);
    }
    return true;
}

/* The first application that follows a pair of hosts, and the pair. */
static const app_spec *followed_pair(const app_world *w, node_t **client, node_t **server)
{
    for (guint i = 0; i < w->run->apps->len; i++) {
        const app_spec *a = &g_array_index(w->run->apps, app_spec, i);
        char *srv = NULL;
        if (a->type->endpoints && a->type->endpoints(a, &srv)) {
            *client = net_node_by_name(w->net, a->host);
            *server = node_named(w, srv);
            g_free(srv);
            if (*client && *server)
                return a;
        }
    }
    return NULL;
}

/* The hosts (distinct, at most APP_TIMELINE_MAX_COLUMNS) that `a`'s type
 * names for a timeline: its `columns`, or else its `endpoints` pair. */
static guint app_columns(const app_world *w, const app_spec *a, node_t **cols)
{
    guint n = 0;
    if (a->type->columns) {
        char *hosts[APP_TIMELINE_MAX_COLUMNS] = {0};
        size_t k = a->type->columns(w, a, hosts, APP_TIMELINE_MAX_COLUMNS);
        /* Not MIN() around the call: it would call the hook twice. */
        k = MIN(k, (size_t)APP_TIMELINE_MAX_COLUMNS);
        for (size_t i = 0; i < k; i++) {
            node_t *node = node_named(w, hosts[i]);
            bool seen = false;
            for (guint j = 0; j < n && !seen; j++)
                seen = cols[j] == node;
            if (node && !seen)
                cols[n++] = node;
            g_free(hosts[i]);
        }
        if (n >= 2)
            return n;
    }
    char *srv = NULL;
    n = 0;
    if (a->type->endpoints && a->type->endpoints(a, &srv)) {
        cols[0] = net_node_by_name(w->net, a->host);
        cols[1] = node_named(w, srv);
        n = cols[0] && cols[1] ? 2 : 0;
    }
    g_free(srv);
    return n;
}

/* The hosts the timeline follows, left to right: those of the first
 * application whose type names at least two (app_columns), and that
 * application (`*followed`, NULL when none). Returns how many (0: none).
 * O(applications x columns^2). */
static guint followed_columns(const app_world *w, node_t **cols, const app_spec **followed)
{
    *followed = NULL;
    for (guint i = 0; i < w->run->apps->len; i++) {
        const app_spec *a = &g_array_index(w->run->apps, app_spec, i);
        guint n = app_columns(w, a, cols);
        if (n >= 2) {
            *followed = a;
            return n;
        }
    }
    return 0;
}

static void world_free(app_world *w)
{
    const GArray *apps = w->run->apps;
    /* the packet log listens to the trace bus: gone before the engine is */
    world_pathlog_free(w);
    world_transcript_stop(w);
    /* clients (later in the file) before the servers they talk to */
    for (guint i = w->insts ? w->insts->len : 0; i-- > 0;)
        g_array_index(apps, app_spec, i).type->free(g_ptr_array_index(w->insts, i));
    for (guint i = 0; w->hosts && i < w->hosts->len; i++)
        sim_host_free(g_ptr_array_index(w->hosts, i));
    if (w->udp)
        udp_stack_free(w->udp);
    if (w->tcp)
        tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
    if (w->insts)
        g_ptr_array_free(w->insts, TRUE);
    g_ptr_array_free(w->hosts, TRUE);
    if (w->port_type)
        g_hash_table_destroy(w->port_type);
    if (w->tl_sent)
        g_hash_table_destroy(w->tl_sent);
    if (w->arrows)
        g_array_free(w->arrows, TRUE);
    if (w->transport)
        g_array_free(w->transport, TRUE);
    if (w->records)
        g_array_free(w->records, TRUE);
    if (w->names)
        g_hash_table_destroy(w->names);
    if (w->services)
        g_hash_table_destroy(w->services);
}

/* ---- collecting ------------------------------------------------------------------------ */

static void collect_links(app_world *w, run_result *res)
{
    res->links = g_array_new(FALSE, TRUE, sizeof(link_row));
    for (guint i = 0; i < net_link_count(w->net); i++) {
        link_t *l = net_link_at(w->net, i);
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
}

static void record_row(void *ud, const char *host, int64_t t_ns, const char *text)
{
    app_collect *c = ud;
    app_row(c, "%s,%.9f,%s", host, (double)t_ns / 1e9, text);
}

/* A type's table of records: its CSV, one row per record of its kind. */
static void collect_records(const app_world *w, run_result *res, const app_record_table *rt)
{
    app_collect c = {res, NULL, NULL};
    c.csv = g_new0(run_csv, 1);
    c.csv->file = rt->csv_file;
    c.csv->owned_header = g_strdup_printf("host,time_s,%s", rt->csv_header);
    c.csv->header = c.csv->owned_header;
    c.csv->rows = g_string_new("");
    g_ptr_array_add(res->csvs, c.csv);
    app_world_records(w, rt->kind, record_row, &c);
}

/* Every application type's results, the first time the type appears. */
static void collect_apps(app_world *w, run_result *res)
{
    const GArray *apps = w->run->apps;
    GPtrArray *insts = g_ptr_array_new(), *specs = g_ptr_array_new();
    for (guint i = 0; i < apps->len; i++) {
        const app_type *t = g_array_index(apps, app_spec, i).type;
        bool seen = false;
        for (guint j = 0; j < i && !seen; j++)
            seen = g_array_index(apps, app_spec, j).type == t;
        if (seen)
            continue;
        g_ptr_array_set_size(insts, 0);
        g_ptr_array_set_size(specs, 0);
        for (guint j = i; j < apps->len; j++)
            if (g_array_index(apps, app_spec, j).type == t) {
                g_ptr_array_add(insts, g_ptr_array_index(w->insts, j));
                g_ptr_array_add(specs, &g_array_index(apps, app_spec, j));
            }
        app_collect c = {res, NULL, NULL};
        if (t->csv_file) {
            c.csv = g_new0(run_csv, 1);
            c.csv->file = t->csv_file;
            c.csv->header = t->csv_header;
            c.csv->rows = g_string_new("");
            g_ptr_array_add(res->csvs, c.csv);
        }
        for (const app_table *tb = t->tables; tb && tb->csv_file; tb++) {
            run_csv *v = g_new0(run_csv, 1);
            v->file = tb->csv_file;
            v->header = tb->csv_header;
            v->rows = g_string_new("");
            g_ptr_array_add(res->csvs, v);
            if (!c.tables)
                c.tables = g_ptr_array_new();
            g_ptr_array_add(c.tables, v);
        }
        if (t->collect)
            t->collect(w, insts->pdata, (const app_spec *const *)specs->pdata, insts->len, &c);
        if (c.tables)
            g_ptr_array_free(c.tables, TRUE);
        for (const app_record_table *rt = t->records; rt && rt->kind; rt++)
            collect_records(w, res, rt);
    }
    g_ptr_array_free(insts, TRUE);
    g_ptr_array_free(specs, TRUE);
}

/* The value of one formula, for the first application of the type that
 * has it (NaN when none does). */
static double formula_term(const app_world *w, const run_result *res, const char *name)
{
    for (guint i = 0; i < w->run->apps->len; i++) {
        const app_spec *a = &g_array_index(w->run->apps, app_spec, i);
        for (const app_formula *f = a->type->formulas; f && f->name; f++)
            if (!strcmp(f->name, name))
                return f->value(w, a, run_result_view(res));
    }
    return NAN;
}

/* The textbook's value of every entry of outputs.formula (a sum of its
 * terms, NaN when any is), into res->formulas; the first is formula_s,
 * and, when the file gave a list, each is the metric formulas.<entry>. */
static void formula_values(const app_world *w, run_result *res)
{
    const GArray *fs = w->run->out.formulas;
    res->formulas = g_array_new(FALSE, TRUE, sizeof(run_formula));
    res->formula_text = g_string_chunk_new(64);
    res->formula_s = NAN;
    for (guint k = 0; fs && k < fs->len; k++) {
        const scn_formula *e = &g_array_index(fs, scn_formula, k);
        gchar **terms = g_strsplit(e->expr, "+", 0);
        double sum = 0;
        for (int i = 0; terms[i]; i++)
            sum += formula_term(w, res, terms[i]);
        g_strfreev(terms);
        run_formula f = {g_string_chunk_insert(res->formula_text, e->expr), e->predicts, sum};
        g_array_append_val(res->formulas, f);
        if (k == 0)
            res->formula_s = sum;
    }
    add_metric(res, "formula_s", RUN_METRIC_NUMBER, res->formula_s);
    for (guint k = 0; w->run->out.formula_list && k < res->formulas->len; k++) {
        const run_formula *f = &g_array_index(res->formulas, run_formula, k);
        char *key = g_strdup_printf("formulas.%s", f->expr);
        add_metric(res, key, RUN_METRIC_NUMBER, f->value);
        g_free(key);
    }
}

void run_csv_free(gpointer p)
{
    run_csv *c = p;
    g_free(c->owned_header);
    g_string_free(c->rows, TRUE);
    g_free(c);
}

static run_result *collect(app_world *w, guint index, node_t *client, node_t *server)
{
    const scn_run *r = w->run;
    run_result *res = g_new0(run_result, 1);
    res->index = index;
    res->seed = r->seed;
    res->end = sim_now(w->sim);
    res->events = sim_events_executed(w->sim);
    res->bottleneck_bps = NAN;
    res->metrics = g_array_new(FALSE, TRUE, sizeof(run_metric));
    res->csvs = g_ptr_array_new_with_free_func(run_csv_free);
    app_path path;
    if (client && server && app_world_path(w, node_name(client), node_name(server), &path)) {
        res->rtt_s = path.rtt_s;
        res->bottleneck_bps = path.bottleneck_bps;
    }
    add_metric(res, "rtt_s", RUN_METRIC_NUMBER, res->rtt_s);
    add_metric(res, "simulated_s", RUN_METRIC_NUMBER, sim_time_to_s(res->end));
    add_metric(res, "events", RUN_METRIC_COUNT, (double)res->events);
    /* TCP connections neither CLOSED nor in TIME_WAIT when the run ended:
     * kept-alive ones at a browser's last page, or one stuck (a bug) */
    add_metric(res, "tcp_open_at_end", RUN_METRIC_COUNT, (double)tcp_stack_open_count(w->tcp));
    collect_links(w, res);
    collect_apps(w, res);
    formula_values(w, res);
    return res;
}

/* ---- the run ----------------------------------------------------------------------------- */

/* The budgets of one run. */
typedef struct {
    uint64_t max_events;      /* 0: none */
    double max_wall_s;        /* 0: none */
    gint64 deadline;          /* monotonic us; 0: none */
    const run_options *opt;   /* may be NULL */
} run_budget;

static void budget_init(run_budget *b, const scn_run *r, const run_options *opt)
{
    b->opt = opt;
    b->max_events = opt && opt->max_events ? opt->max_events : r->max_events;
    b->max_wall_s = opt && opt->max_wall_s > 0 ? opt->max_wall_s : sim_time_to_s(r->max_wall);
    b->deadline = b->max_wall_s > 0 ? g_get_monotonic_time() + (gint64)(b->max_wall_s * 1e6) : 0;
}

/* False, with the error, when the run is over a budget or cancelled. */
static bool within_budget(app_world *w, const run_budget *b, GError **err)
{
    uint64_t ev = sim_events_executed(w->sim);
    double t = sim_time_to_s(sim_now(w->sim));
    if (b->max_events && ev > b->max_events) {
        g_set_error(err, WORLD_ERROR, WORLD_ERROR_BUDGET,
                    "the run needs more than max_events = %" G_GUINT64_FORMAT
                    " events (stopped at simulated time %.6f s); raise max_events or --max-events",
                    b->max_events, t);
        return false;
    }
    if (b->deadline && g_get_monotonic_time() > b->deadline) {
        g_set_error(err, WORLD_ERROR, WORLD_ERROR_BUDGET,
                    "the run took more than max_wall = %g s of wall-clock time (stopped at simulated time %.6f s "
                    "after %" G_GUINT64_FORMAT " events); raise max_wall or --max-wall",
                    b->max_wall_s, t, ev);
        return false;
    }
    if (b->opt && b->opt->cancelled && b->opt->cancelled(b->opt->ud)) {
        g_set_error(err, WORLD_ERROR, WORLD_ERROR_CANCELLED, "interrupted at simulated time %.6f s", t);
        return false;
    }
    return true;
}

/* Runs every event due up to `limit` in slices of simulated time, looking
 * at the budgets between slices. A slice runs every event due up to its
 * end, as one sim_run_limit(limit) would: the order of events does not
 * depend on the slicing. The slice length adapts to about
 * WORLD_SLICE_EVENTS events. */
static bool run_sliced(app_world *w, sim_time_t limit, const run_budget *b, sim_run_result *rr, GError **err)
{
    sim_time_t window = SIM_MS(1), reached = sim_now(w->sim);
    for (;;) {
        if (!within_budget(w, b, err))
            return false;
        sim_time_t end = limit - reached <= window ? limit : reached + window;
        uint64_t before = sim_events_executed(w->sim);
        *rr = sim_run_limit(w->sim, end);
        uint64_t ran = sim_events_executed(w->sim) - before;
        reached = end;
        if (b->opt && b->opt->tick)
            b->opt->tick(b->opt->ud, sim_events_executed(w->sim), sim_now(w->sim));
        if (*rr != SIM_RUN_LIMIT || end == limit)
            break;
        if (ran < WORLD_SLICE_EVENTS / 2)
            window *= 2;
        else if (ran > 2 * WORLD_SLICE_EVENTS && window > 1)
            window /= 2;
    }
    return within_budget(w, b, err);
}

/* The stop rule (world.h), within the run's budgets. Sets
 * max_time_reached when applications still held the run at max_time. */
static bool run_until_stop(app_world *w, const run_options *opt, bool *max_time_reached, GError **err)
{
    const scn_run *r = w->run;
    run_budget b;
    budget_init(&b, r, opt);
    sim_run_result rr = SIM_RUN_EMPTY;
    *max_time_reached = false;
    if (r->stop_time) {
        sim_time_t limit = MIN(r->stop_time, r->max_time);
        if (!run_sliced(w, limit, &b, &rr, err))
            return false;
        sim_run_until(w->sim, limit); /* nothing is left before it: this sets the clock */
    } else if (w->holding || w->quiet) {
        /* until the applications are done, or the queue empties */
        if (!run_sliced(w, r->max_time, &b, &rr, err))
            return false;
        *max_time_reached = rr == SIM_RUN_LIMIT;
    }
    return true;
}

static const app_dialogue *dialogue_at(void *ud, uint16_t port)
{
    const app_type *t = world_type_at_port(ud, port);
    return t ? t->dialogue : NULL;
}

run_result *world_run(const scn_run *r, const app_registry *reg, guint index, const run_options *opt,
                      GError **err)
{
    app_world w = {.run = r, .reg = reg};
    w.sim = sim_new(r->seed);
    w.net = net_new(w.sim);
    net_set_header_bytes(w.net, PKT_PROTO_TCP, r->tcp_header);
    w.hosts = g_ptr_array_new();
    w.insts = g_ptr_array_new();
    w.records = g_array_new(FALSE, FALSE, sizeof(world_record));
    g_array_set_clear_func(w.records, record_clear);
    world_fingerprint_start(&w);
    run_result *res = NULL;
    pcap_out *pcap = NULL;
    transcript *tr = NULL;
    node_t *client = NULL, *server = NULL, *cols[APP_TIMELINE_MAX_COLUMNS];
    guint ncols = 0;
    const app_spec *followed = NULL;
    if (!build_network(&w, r, err) || (opt && opt->pcap_dir && !(pcap = pcap_out_new(w.net, opt->pcap_dir, err)))) {
        g_free(world_fingerprint_finish(&w));
        goto out;
    }
    /* Watch the followed hosts from before the first application starts:
     * a connection may send its SYN from inside start(). */
    collect_names(&w);
    followed_pair(&w, &client, &server);
    if (opt && (opt->timeline || opt->transcript))
        ncols = followed_columns(&w, cols, &followed);
    if (ncols >= 2 && opt->timeline)
        world_timeline_start(&w, cols, ncols);
    /* The transcript follows the timeline's hosts (every connection between
     * them), or the followed pair. */
    if (opt && opt->transcript && ncols >= 2)
        tr = transcript_new(w.net, cols, ncols, 400, dialogue_at, &w);
    else if (opt && opt->transcript && client && server)
        tr = transcript_new(w.net, (node_t *const[]){client, server}, 2, 400, dialogue_at, &w);
    if (tr)
        world_transcript_start(&w, tr);
    if (!start_apps(&w, err)) {
        g_free(world_fingerprint_finish(&w));
        world_timeline_stop(&w);
        goto out;
    }
    bool max_time_reached = false;
    if (!run_until_stop(&w, opt, &max_time_reached, err)) {
        g_free(world_fingerprint_finish(&w));
        world_timeline_stop(&w);
        world_transcript_stop(&w);
        transcript_detach(tr);
        goto out;
    }
    /* The run is over: what tearing the world down emits is not part of it. */
    char *fingerprint = world_fingerprint_finish(&w);
    world_pathlog_stop(&w);
    world_timeline_stop(&w);
    world_transcript_stop(&w);
    transcript_detach(tr);
    res = collect(&w, index, client, server);
    res->fingerprint = fingerprint;
    res->max_time_reached = max_time_reached;
    res->unfinished_apps = w.holding;
    if (max_time_reached) {
        char *why = g_strdup_printf("truncated: max_time (%g s) came with %u application%s not done%s%s%s",
                                    sim_time_to_s(r->max_time), w.holding, w.holding == 1 ? "" : "s",
                                    w.quiet ? " and a workload still busy" : "", res->failed ? "; " : "",
                                    res->failed ? res->failed : "");
        g_free(res->failed);
        res->failed = why;
    }
    if (tr) {
        /* the pairs of hosts that had connections; without any, the
         * followed pair, and without that no transcript at all */
        char *pairs = transcript_pairs(tr);
        if (!*pairs && client && server) {
            g_free(pairs);
            pairs = g_strdup_printf("%s <-> %s", node_name(client), node_name(server));
        }
        char *title = *pairs ? g_strdup_printf("%s, run %u (seed %" G_GUINT64_FORMAT "): %s", r->name, index,
                                               r->seed, pairs)
                             : NULL;
        g_free(pairs);
        res->transcript = title ? transcript_text(tr, title) : NULL;
        g_free(title);
    }
    if (w.arrows) {
        res->arrows = w.arrows;
        w.arrows = NULL;
        res->columns = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < ncols; i++)
            g_ptr_array_add(res->columns, g_strdup(node_name(cols[i])));
        res->timeline_title = followed ? followed->type->timeline_title : NULL;
    }
out:
    pcap_out_free(pcap);
    transcript_free(tr);
    world_free(&w);
    return res;
}

void run_result_free(run_result *res)
{
    if (!res)
        return;
    for (guint i = 0; res->metrics && i < res->metrics->len; i++)
        g_free(g_array_index(res->metrics, run_metric, i).key);
    if (res->metrics)
        g_array_free(res->metrics, TRUE);
    if (res->csvs)
        g_ptr_array_free(res->csvs, TRUE);
    for (guint i = 0; res->links && i < res->links->len; i++) {
        link_row *l = &g_array_index(res->links, link_row, i);
        g_free(l->link);
        g_free(l->from);
        g_free(l->to);
    }
    if (res->links)
        g_array_free(res->links, TRUE);
    if (res->arrows)
        g_array_free(res->arrows, TRUE);
    if (res->columns)
        g_ptr_array_free(res->columns, TRUE);
    if (res->formulas)
        g_array_free(res->formulas, TRUE);
    if (res->formula_text)
        g_string_chunk_free(res->formula_text);
    g_free(res->fingerprint);
    g_free(res->transcript);
    g_free(res->failed);
    g_free(res);
}
