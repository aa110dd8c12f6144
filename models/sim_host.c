/* sim_host: timers as events, streams as simulated TCP, names as nodes. */
#include "sim_host.h"

#include "sim/sim_trace.h"

typedef struct {
    sim_host_t *h;
    host_timer_fn fn;
    void *ud;
    sim_event_id ev;
} sim_timer;

struct host_listener {
    tcp_listener_t *l;
};

struct sim_host {
    host_env env; /* first member: host_env* converts back */
    tcp_stack_t *tcp;
    net_t *net;
    sim_t *sim;
    node_t *node;
    tcp_params_t params;
    bool has_params;
    uint32_t trace_src;
    GHashTable *timers; /* event id -> sim_timer*; lookup only */
};

static sim_host_t *host_of(const host_env *e) { return (sim_host_t *)(void *)e; }

static int64_t op_now(const host_env *e) { return sim_now(host_of(e)->sim); }

static int64_t op_wall_s(const host_env *e)
{
    return SIM_HOST_EPOCH + sim_now(host_of(e)->sim) / 1000000000;
}

static void timer_fire(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    sim_timer *t = ctx;
    host_timer_fn fn = t->fn;
    void *ud = t->ud;
    g_hash_table_remove(t->h->timers, &t->ev); /* frees t */
    fn(ud);
}

static host_timer_id op_timer(host_env *e, int64_t delay_ns, host_timer_fn fn, void *ud)
{
    sim_host_t *h = host_of(e);
    sim_timer *t = g_new(sim_timer, 1);
    t->h = h;
    t->fn = fn;
    t->ud = ud;
    t->ev = sim_schedule_in(h->sim, delay_ns < 0 ? 0 : delay_ns, timer_fire, t, NULL);
    g_hash_table_insert(h->timers, &t->ev, t);
    return t->ev;
}

static void op_timer_cancel(host_env *e, host_timer_id id)
{
    sim_host_t *h = host_of(e);
    sim_timer *t = g_hash_table_lookup(h->timers, &id);
    if (!t)
        return;
    sim_cancel(h->sim, t->ev);
    g_hash_table_remove(h->timers, &id);
}

static const tcp_params_t *params_of(const sim_host_t *h)
{
    return h->has_params ? &h->params : NULL;
}

static stream_t *op_connect(host_env *e, const char *host, uint16_t port, const stream_handler *hd,
                            void *ud, GError **err)
{
    sim_host_t *h = host_of(e);
    node_t *peer = net_node_by_name(h->net, host);
    if (!peer) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND, "no host named \"%s\" in this network",
                    host ? host : "");
        return NULL;
    }
    return tcp_connect(h->tcp, h->node, peer, port, params_of(h), hd, ud, err);
}

static host_listener *op_listen(host_env *e, uint16_t port, stream_accept_fn accept, void *ud,
                                GError **err)
{
    sim_host_t *h = host_of(e);
    tcp_listener_t *l = tcp_listen(h->tcp, h->node, port, params_of(h), accept, ud, err);
    if (!l)
        return NULL;
    host_listener *hl = g_new(host_listener, 1);
    hl->l = l;
    return hl;
}

static void op_unlisten(host_env *e, host_listener *l)
{
    (void)e;
    tcp_listener_close(l->l);
    g_free(l);
}

static void op_log(host_env *e, const char *message)
{
    sim_host_t *h = host_of(e);
    sim_trace_app(sim_trace(h->sim), sim_now(h->sim), h->trace_src, "%s", message);
}

static const char *op_name(const host_env *e) { return node_name(host_of(e)->node); }

static const host_ops sim_host_ops = {
    .now = op_now,
    .wall_s = op_wall_s,
    .timer = op_timer,
    .timer_cancel = op_timer_cancel,
    .connect = op_connect,
    .listen = op_listen,
    .unlisten = op_unlisten,
    .log = op_log,
    .name = op_name,
};

static void timer_drop(gpointer p)
{
    sim_timer *t = p;
    g_free(t);
}

sim_host_t *sim_host_new(tcp_stack_t *tcp, node_t *node, const tcp_params_t *params)
{
    sim_host_t *h = g_new0(sim_host_t, 1);
    h->env.ops = &sim_host_ops;
    h->tcp = tcp;
    h->net = tcp_stack_net(tcp);
    h->sim = net_sim(h->net);
    h->node = node;
    if (params) {
        h->params = *params;
        h->has_params = true;
    }
    char *src = g_strdup_printf("host:%s", node_name(node));
    h->trace_src = sim_trace_source(sim_trace(h->sim), src);
    g_free(src);
    h->timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, timer_drop);
    return h;
}

static void cancel_timer(gpointer key, gpointer value, gpointer user)
{
    (void)key;
    sim_timer *t = value;
    sim_cancel(user, t->ev); /* order of this walk changes nothing */
}

void sim_host_free(sim_host_t *h)
{
    if (!h)
        return;
    g_hash_table_foreach(h->timers, cancel_timer, h->sim);
    g_hash_table_destroy(h->timers);
    g_free(h);
}

host_env *sim_host_env(sim_host_t *h) { return &h->env; }
node_t *sim_host_node(const sim_host_t *h) { return h->node; }
