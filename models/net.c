/*
 * net: nodes, links, static routes and packet forwarding.
 *
 * Routes are a dense next-hop table, rebuilt lazily after the topology
 * changes. For each destination a breadth-first search runs backwards over
 * the links; it expands only through routers (and the destination), so a
 * path never crosses a host. Nodes are visited in address order and each
 * node's links in creation order, which makes ties deterministic.
 */
#include "net_private.h"

#include <string.h>

#include "sim/sim_trace.h"

G_DEFINE_QUARK(appsim-net-error-quark, net_error)

static const char *const drop_names[] = {
    [NET_DROP_QUEUE] = "queue-full", [NET_DROP_LOSS] = "loss",
    [NET_DROP_DOWN] = "link-down",   [NET_DROP_NO_ROUTE] = "no-route",
    [NET_DROP_TTL] = "ttl",          [NET_DROP_NO_HANDLER] = "no-listener",
};

const char *net_drop_reason_name(uint32_t reason)
{
    if (reason >= G_N_ELEMENTS(drop_names) || !drop_names[reason])
        return "unknown";
    return drop_names[reason];
}

static void node_free(gpointer p)
{
    node_t *n = p;
    g_ptr_array_free(n->ifaces, TRUE);
    g_free(n->name);
    g_free(n);
}

static void link_free(gpointer p)
{
    link_t *l = p;
    link_dir_clear(&l->dir[0]);
    link_dir_clear(&l->dir[1]);
    if (l->down)
        g_array_free(l->down, TRUE);
    g_free(l->name);
    g_free(l);
}

net_t *net_new(sim_t *sim)
{
    net_t *net = g_new0(net_t, 1);
    net->sim = sim;
    pkt_pool_init(&net->pool);
    net->nodes = g_ptr_array_new_with_free_func(node_free);
    net->links = g_ptr_array_new_with_free_func(link_free);
    net->node_names = g_hash_table_new(g_str_hash, g_str_equal);
    net->link_names = g_hash_table_new(g_str_hash, g_str_equal);
    net->hdr_tcp = 40;
    net->hdr_udp = 28;
    return net;
}

void net_free(net_t *net)
{
    if (!net)
        return;
    g_hash_table_destroy(net->node_names);
    g_hash_table_destroy(net->link_names);
    g_ptr_array_free(net->links, TRUE);
    g_ptr_array_free(net->nodes, TRUE);
    g_free(net->next_hop);
    pkt_pool_clear(&net->pool);
    g_free(net);
}

sim_t *net_sim(const net_t *net) { return net->sim; }
pkt_pool_t *net_pool(net_t *net) { return &net->pool; }

void net_set_header_bytes(net_t *net, pkt_proto proto, uint16_t bytes)
{
    if (proto == PKT_PROTO_TCP)
        net->hdr_tcp = bytes;
    else if (proto == PKT_PROTO_UDP)
        net->hdr_udp = bytes;
}

uint16_t net_header_bytes(const net_t *net, pkt_proto proto)
{
    return proto == PKT_PROTO_TCP ? net->hdr_tcp : proto == PKT_PROTO_UDP ? net->hdr_udp : 0;
}

static node_t *add_node(net_t *net, const char *name, node_kind kind, GError **err)
{
    if (!name || !*name) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID, "a node needs a non-empty name");
        return NULL;
    }
    if (g_hash_table_contains(net->node_names, name)) {
        g_set_error(err, NET_ERROR, NET_ERROR_EXISTS, "there is already a node named \"%s\"", name);
        return NULL;
    }
    node_t *n = g_new0(node_t, 1);
    n->net = net;
    n->addr = net->nodes->len;
    n->name = g_strdup(name);
    n->kind = kind;
    n->ifaces = g_ptr_array_new();
    char *src = g_strdup_printf("node:%s", name);
    n->trace_src = sim_trace_source(sim_trace(net->sim), src);
    g_free(src);
    g_ptr_array_add(net->nodes, n);
    g_hash_table_insert(net->node_names, n->name, n);
    net->routes_n = 0;
    return n;
}

node_t *net_add_host(net_t *net, const char *name, GError **err)
{
    return add_node(net, name, NODE_HOST, err);
}

node_t *net_add_router(net_t *net, const char *name, GError **err)
{
    return add_node(net, name, NODE_ROUTER, err);
}

node_t *net_node_by_name(const net_t *net, const char *name)
{
    return name ? g_hash_table_lookup(net->node_names, name) : NULL;
}

node_t *net_node_by_addr(const net_t *net, uint32_t addr)
{
    return addr < net->nodes->len ? g_ptr_array_index(net->nodes, addr) : NULL;
}

uint32_t net_node_count(const net_t *net) { return net->nodes->len; }
const char *node_name(const node_t *node) { return node->name; }
uint32_t node_addr(const node_t *node) { return node->addr; }
node_kind node_get_kind(const node_t *node) { return node->kind; }

static bool owns(const net_t *net, const node_t *n)
{
    return n && n->addr < net->nodes->len && g_ptr_array_index(net->nodes, n->addr) == n;
}

static bool check_params(const link_params_t *p, const char *link, const char *dir, GError **err)
{
    if (p->rate_bps == 0) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID,
                    "link \"%s\" (%s): the rate must be above 0 bits/s", link, dir);
        return false;
    }
    if (p->delay < 0) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID,
                    "link \"%s\" (%s): the delay must not be negative", link, dir);
        return false;
    }
    if (!(p->loss >= 0 && p->loss <= 1)) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID,
                    "link \"%s\" (%s): the loss probability must be between 0 and 1", link, dir);
        return false;
    }
    return true;
}

link_t *net_link(net_t *net, const char *name, node_t *a, node_t *b, const link_params_t *ab,
                 const link_params_t *ba, GError **err)
{
    if (!name || !*name) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID, "a link needs a non-empty name");
        return NULL;
    }
    if (g_hash_table_contains(net->link_names, name)) {
        g_set_error(err, NET_ERROR, NET_ERROR_EXISTS, "there is already a link named \"%s\"", name);
        return NULL;
    }
    if (!owns(net, a) || !owns(net, b)) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND,
                    "link \"%s\": both ends must be nodes of this network", name);
        return NULL;
    }
    if (a == b) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID,
                    "link \"%s\": a link cannot join node \"%s\" to itself", name, a->name);
        return NULL;
    }
    if (!ab) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID, "link \"%s\": no parameters given", name);
        return NULL;
    }
    if (!ba)
        ba = ab;
    if (!check_params(ab, name, "forward", err) || !check_params(ba, name, "reverse", err))
        return NULL;

    link_t *l = g_new0(link_t, 1);
    l->index = net->links->len;
    l->name = g_strdup(name);
    link_dir_init(&l->dir[0], net, l, a, b, ab);
    link_dir_init(&l->dir[1], net, l, b, a, ba);
    g_ptr_array_add(a->ifaces, &l->dir[0]);
    g_ptr_array_add(b->ifaces, &l->dir[1]);
    g_ptr_array_add(net->links, l);
    g_hash_table_insert(net->link_names, l->name, l);
    net->routes_n = 0;
    return l;
}

link_t *net_link_by_name(const net_t *net, const char *name)
{
    return name ? g_hash_table_lookup(net->link_names, name) : NULL;
}

uint32_t net_link_count(const net_t *net) { return net->links->len; }

link_t *net_link_at(const net_t *net, uint32_t index)
{
    return index < net->links->len ? g_ptr_array_index(net->links, index) : NULL;
}

const char *link_name(const link_t *link) { return link->name; }
link_dir_t *link_dir(link_t *link, int dir) { return &link->dir[dir ? 1 : 0]; }

link_dir_t *link_dir_from(link_t *link, const node_t *from)
{
    if (link->dir[0].src == from)
        return &link->dir[0];
    if (link->dir[1].src == from)
        return &link->dir[1];
    return NULL;
}

static gint cmp_interval(gconstpointer a, gconstpointer b)
{
    const down_interval *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

bool link_add_down_interval(link_t *link, sim_time_t start, sim_time_t end, GError **err)
{
    if (start < 0 || end <= start) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID,
                    "link \"%s\": a down interval needs 0 <= start < end", link->name);
        return false;
    }
    if (!link->down)
        link->down = g_array_new(FALSE, FALSE, sizeof(down_interval));
    down_interval iv = {start, end};
    g_array_append_val(link->down, iv);
    g_array_sort(link->down, cmp_interval);
    return true;
}

void net_compute_routes(net_t *net)
{
    uint32_t n = net->nodes->len;
    g_free(net->next_hop);
    net->next_hop = g_new(int32_t, (gsize)n * n + 1);
    for (uint64_t i = 0; i < (uint64_t)n * n; i++)
        net->next_hop[i] = -1;
    uint32_t *fifo = g_new(uint32_t, n + 1);
    for (uint32_t dst = 0; dst < n; dst++) {
        net->next_hop[(uint64_t)dst * n + dst] = -2;
        uint32_t qh = 0, qt = 0;
        fifo[qt++] = dst;
        while (qh < qt) {
            node_t *v = g_ptr_array_index(net->nodes, fifo[qh++]);
            if (v->addr != dst && v->kind != NODE_ROUTER)
                continue; /* hosts do not forward */
            /* Every link of v leads back to a neighbour u whose route to dst
             * may go through v: u's interface on that link is v's reverse. */
            for (guint k = 0; k < v->ifaces->len; k++) {
                link_dir_t *out = g_ptr_array_index(v->ifaces, k);
                node_t *u = out->dst;
                int32_t *slot = &net->next_hop[(uint64_t)u->addr * n + dst];
                if (*slot != -1)
                    continue;
                link_dir_t *back = link_dir_from(out->link, u);
                for (guint j = 0; j < u->ifaces->len; j++)
                    if (g_ptr_array_index(u->ifaces, j) == back)
                        *slot = (int32_t)j;
                fifo[qt++] = u->addr;
            }
        }
    }
    g_free(fifo);
    net->routes_n = n;
}

static void ensure_routes(net_t *net)
{
    if (net->routes_n != net->nodes->len || !net->next_hop)
        net_compute_routes(net);
}

link_dir_t *net_next_hop(net_t *net, const node_t *from, const node_t *to)
{
    ensure_routes(net);
    uint32_t n = net->nodes->len;
    int32_t k = net->next_hop[(uint64_t)from->addr * n + to->addr];
    return k >= 0 ? g_ptr_array_index(from->ifaces, k) : NULL;
}

int net_path_hops(net_t *net, const node_t *a, const node_t *b, GError **err)
{
    if (!owns(net, a) || !owns(net, b)) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND, "both ends must be nodes of this network");
        return -1;
    }
    int hops = 0;
    const node_t *at = a;
    while (at != b) {
        link_dir_t *d = net_next_hop(net, at, b);
        if (!d) {
            g_set_error(err, NET_ERROR, NET_ERROR_NO_ROUTE, "there is no route from \"%s\" to \"%s\"",
                        a->name, b->name);
            return -1;
        }
        at = d->dst;
        hops++;
    }
    return hops;
}

void net_set_handler(net_t *net, pkt_proto proto, net_handler_fn fn, void *ctx)
{
    net->handlers[proto].fn = fn;
    net->handlers[proto].ctx = ctx;
}

void net_drop(net_t *net, node_t *at, pkt_t *pkt, net_drop_reason reason)
{
    sim_trace_t *bus = sim_trace(net->sim);
    if (sim_trace_wants(bus, SIM_TR_DROP)) {
        sim_trace_rec rec = {.kind = SIM_TR_DROP,
                             .time = sim_now(net->sim),
                             .source = at->trace_src,
                             .reason = reason,
                             .bytes = pkt_wire_bytes(pkt),
                             .obj = pkt};
        sim_trace_emit(bus, &rec);
    }
    pkt_release(&net->pool, pkt);
}

/* Forwards a packet from `at` towards its destination, or drops it. */
static bool forward(net_t *net, node_t *at, pkt_t *pkt)
{
    node_t *dst = net_node_by_addr(net, pkt->dst);
    link_dir_t *d = dst ? net_next_hop(net, at, dst) : NULL;
    if (!d) {
        net_drop(net, at, pkt, NET_DROP_NO_ROUTE);
        return false;
    }
    link_dir_send(d, pkt);
    return true;
}

static void deliver_local(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    pkt_t *pkt = arg;
    net_t *net = ctx;
    net_node_receive(net, net_node_by_addr(net, pkt->dst), pkt);
}

void net_node_receive(net_t *net, node_t *node, pkt_t *pkt)
{
    if (pkt->dst == node->addr) {
        net_handler *h = &net->handlers[pkt->proto];
        if (h->fn)
            h->fn(h->ctx, node, pkt);
        else
            net_drop(net, node, pkt, NET_DROP_NO_HANDLER);
        return;
    }
    if (node->kind != NODE_ROUTER) {
        net_drop(net, node, pkt, NET_DROP_NO_ROUTE);
        return;
    }
    if (pkt->ttl <= 1) {
        net_drop(net, node, pkt, NET_DROP_TTL);
        return;
    }
    pkt->ttl--;
    forward(net, node, pkt);
}

bool net_send(net_t *net, node_t *from, pkt_t *pkt)
{
    pkt->src = from->addr;
    if (pkt->dst == from->addr) {
        sim_schedule_in(net->sim, 0, deliver_local, net, pkt);
        return true;
    }
    return forward(net, from, pkt);
}
