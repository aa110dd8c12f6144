/*
 * net: nodes, links, static routes and packet forwarding.
 *
 * Routes are shortest paths by hop count through routers (hosts never
 * forward). They are the routes a breadth-first search finds when it runs
 * backwards from each destination d: nodes are expanded in the order they
 * were discovered, only d and routers are expanded, an expanded node's
 * links are scanned in creation order, and a node's next hop towards d is
 * the link through which it was first discovered. That rule makes ties
 * deterministic (the earliest-discovered neighbour wins, and among its
 * links the earliest created) and is the rule of the all-pairs table this
 * module used to build, which tests/models/test_routes.c keeps as a
 * reference to compare against.
 *
 * Instead of that table (N^2 entries: 40 GB for 100,000 nodes), routes are
 * computed per destination when first needed and cached:
 *
 *   - Leaves. A host with exactly one link never forwards, so it is never
 *     on the way to another node. Its next hop towards any d is its one
 *     link if the node at the other end is d, or is a router with a route
 *     to d. Towards a leaf h whose neighbour is a router r, every other
 *     node routes as towards r: the search from h discovers only r, then
 *     goes on exactly as the search from r does, with h left out (a host
 *     is never expanded); r itself takes its link to h. A leaf whose
 *     neighbour is a host is reached from that neighbour only. So leaves
 *     have no tree of their own and no entry in any tree.
 *   - The forwarding graph. Every other node (routers, and hosts with no
 *     link or with two or more) is a forwarder, numbered in address order.
 *     The graph holds each forwarder's links to other forwarders in
 *     creation order, as (neighbour, the neighbour's interface back), in
 *     compressed adjacency arrays. It is built in O(N + L) on the first
 *     lookup after the topology changed, which also empties the cache.
 *   - Trees. The tree towards forwarder d holds, for each forwarder, the
 *     index among its interfaces of its next hop towards d (or none). It
 *     is one search over the forwarding graph: O(F + E) for F forwarders
 *     and E links between them, and 4 F bytes plus a header.
 *   - The cache. Each node points at its own tree when one is cached, and
 *     a lookup stamps the tree it uses with a counter, O(1). A new tree
 *     first evicts the least recently used ones (the least stamp, found by
 *     a scan of the cached trees) until it fits the budget
 *     (net_set_route_cache_limit). The budget is at least one tree of the
 *     largest network, so the tree in use always fits. What is cached
 *     changes the time a lookup takes, never its answer.
 *
 * A lookup is therefore O(1) when its tree is cached (a few loads and a
 * stamp), and O(F + E) when it is not. The routes are exactly those of
 * the old table: the search visits forwarders in the same order, and
 * leaves, which it skips, were never expanded.
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

/* A cached tree of routes towards `root` (see the file's header). */
typedef struct route_tree {
    node_t *root;  /* the destination, a forwarder */
    uint64_t used; /* net->routes.clock at its last use: the least is evicted first */
    uint32_t slot; /* its index in net->routes.cached */
    uint32_t hop[]; /* [nfwd]: interface index towards root, or ROUTE_* */
} route_tree;

#define ROUTE_NONE UINT32_MAX       /* no route */
#define ROUTE_SELF (UINT32_MAX - 1) /* the root itself (never returned) */

/* The budget's floor holds one tree of the largest network. */
G_STATIC_ASSERT(sizeof(route_tree) + (uint64_t)NET_MAX_NODES * sizeof(uint32_t) <=
                NET_ROUTE_CACHE_MIN_BYTES);
/* Interface indices stay below the two markers, and edge counts fit 32 bits. */
G_STATIC_ASSERT((uint64_t)NET_MAX_LINKS * 2 < ROUTE_SELF);

static void routes_reset(net_t *net);

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
    net->dir_by_source = g_ptr_array_new();
    net->hdr_tcp = 40;
    net->hdr_udp = 28;
    net->routes.limit = NET_ROUTE_CACHE_DEFAULT_BYTES;
    net->routes.cached = g_ptr_array_new();
    return net;
}

void net_free(net_t *net)
{
    if (!net)
        return;
    routes_reset(net); /* before the nodes, which the trees point back from */
    g_ptr_array_free(net->routes.cached, TRUE);
    g_hash_table_destroy(net->node_names);
    g_hash_table_destroy(net->link_names);
    g_ptr_array_free(net->dir_by_source, TRUE);
    g_ptr_array_free(net->links, TRUE);
    g_ptr_array_free(net->nodes, TRUE);
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
    if (net->nodes->len >= NET_MAX_NODES) {
        g_set_error(err, NET_ERROR, NET_ERROR_LIMIT,
                    "cannot add node \"%s\": a network holds at most %u nodes (NET_MAX_NODES)",
                    name, NET_MAX_NODES);
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
    n->fwd = NET_NO_FWD;
    net->routes.graph_fresh = false;
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

uint32_t net_ipv4_of(uint32_t addr) { return NET_IPV4_BASE | ((addr + 1) & 0xffffffu); }

bool net_addr_of_ipv4(uint32_t ip, uint32_t *addr)
{
    uint32_t low = ip & 0xffffffu;
    if ((ip & ~0xffffffu) != NET_IPV4_BASE || low == 0 || low > NET_MAX_NODES)
        return false;
    *addr = low - 1;
    return true;
}

/* By hand rather than with printf: the simulated hosts write the sender's
 * address of every datagram they deliver. */
void net_ipv4_format(uint32_t ip, char out[NET_IPV4_STRLEN])
{
    char *o = out;
    for (int shift = 24; shift >= 0; shift -= 8) {
        unsigned b = (ip >> shift) & 0xffu;
        if (b >= 100)
            *o++ = (char)('0' + b / 100);
        if (b >= 10)
            *o++ = (char)('0' + b / 10 % 10);
        *o++ = (char)('0' + b % 10);
        *o++ = shift ? '.' : '\0';
    }
}

bool net_ipv4_parse(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    if (!s)
        return false;
    for (int part = 0; part < 4; part++) {
        if (part > 0 && *s++ != '.')
            return false;
        if (*s < '0' || *s > '9')
            return false;
        if (*s == '0' && s[1] >= '0' && s[1] <= '9')
            return false; /* a leading zero: "010" is not ten here, nor eight */
        uint32_t n = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            n = n * 10 + (uint32_t)(*s++ - '0');
            digits++;
        }
        if (n > 255 || (*s >= '0' && *s <= '9'))
            return false;
        v = (v << 8) | n;
    }
    if (*s)
        return false;
    *ip = v;
    return true;
}

void node_address_text(const node_t *node, char out[NET_IPV4_STRLEN])
{
    net_ipv4_format(net_ipv4_of(node->addr), out);
}

node_t *net_node_by_name_or_address(const net_t *net, const char *s)
{
    node_t *n = net_node_by_name(net, s);
    uint32_t ip, addr;
    if (!n && net_ipv4_parse(s, &ip) && net_addr_of_ipv4(ip, &addr))
        n = net_node_by_addr(net, addr);
    return n;
}

uint32_t net_node_count(const net_t *net) { return net->nodes->len; }
const char *node_name(const node_t *node) { return node->name; }
uint32_t node_addr(const node_t *node) { return node->addr; }
node_kind node_get_kind(const node_t *node) { return node->kind; }

void node_set_inbound(node_t *node, node_inbound rule) { node->inbound = rule; }
node_inbound node_get_inbound(const node_t *node) { return node->inbound; }

static const char *const inbound_names[] = {"accept", "refuse", "drop"};

const char *node_inbound_name(node_inbound rule)
{
    return (unsigned)rule < G_N_ELEMENTS(inbound_names) ? inbound_names[rule] : "?";
}

bool node_inbound_parse(const char *s, node_inbound *out)
{
    for (unsigned i = 0; s && i < G_N_ELEMENTS(inbound_names); i++) {
        if (strcmp(s, inbound_names[i]) == 0) {
            *out = (node_inbound)i;
            return true;
        }
    }
    return false;
}

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
    if (net->links->len >= NET_MAX_LINKS) {
        g_set_error(err, NET_ERROR, NET_ERROR_LIMIT,
                    "cannot add link \"%s\": a network holds at most %u links (NET_MAX_LINKS)",
                    name, NET_MAX_LINKS);
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
    l->dir[0].iface = a->ifaces->len;
    l->dir[1].iface = b->ifaces->len;
    g_ptr_array_add(a->ifaces, &l->dir[0]);
    g_ptr_array_add(b->ifaces, &l->dir[1]);
    g_ptr_array_add(net->links, l);
    g_hash_table_insert(net->link_names, l->name, l);
    net->routes.graph_fresh = false;
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

link_dir_t *net_link_dir_by_trace_source(const net_t *net, uint32_t source)
{
    return source < net->dir_by_source->len ? g_ptr_array_index(net->dir_by_source, source) : NULL;
}

const char *link_name(const link_t *link) { return link->name; }
link_dir_t *link_dir(link_t *link, int dir) { return &link->dir[dir ? 1 : 0]; }
link_t *link_dir_link(const link_dir_t *d) { return d->link; }

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

/* ---- routing (see the file's header) ------------------------------------------------ */

/* The other direction of d's link: the way back from d's far end. */
static link_dir_t *reverse(const link_dir_t *d)
{
    return &d->link->dir[d == &d->link->dir[0] ? 1 : 0];
}

static uint64_t tree_bytes(uint32_t nfwd)
{
    return sizeof(route_tree) + (uint64_t)nfwd * sizeof(uint32_t);
}

/* Removes a tree from the cache and frees it: O(1) (the last cached tree
 * takes its slot). */
static void tree_drop(net_routes *r, route_tree *t)
{
    route_tree *last = g_ptr_array_index(r->cached, r->cached->len - 1);
    g_ptr_array_index(r->cached, t->slot) = last;
    last->slot = t->slot;
    g_ptr_array_set_size(r->cached, r->cached->len - 1);
    t->root->tree = NULL;
    r->bytes -= tree_bytes(r->nfwd);
    g_free(t);
}

/* Evicts the least recently used tree: a scan of the cached trees,
 * O(trees). There are never more trees than forwarders (one per root), so
 * this stays within the O(F + E) of the search that asks for the room. */
static void tree_evict(net_routes *r)
{
    route_tree *oldest = g_ptr_array_index(r->cached, 0);
    for (guint i = 1; i < r->cached->len; i++) {
        route_tree *t = g_ptr_array_index(r->cached, i);
        if (t->used < oldest->used)
            oldest = t;
    }
    tree_drop(r, oldest);
    r->evicted++;
}

/* Empties the cache and frees the forwarding graph: O(trees + 1). */
static void routes_reset(net_t *net)
{
    net_routes *r = &net->routes;
    while (r->cached && r->cached->len)
        tree_drop(r, g_ptr_array_index(r->cached, r->cached->len - 1));
    g_free(r->fwd_node);
    g_free(r->adj_start);
    g_free(r->adj);
    g_free(r->fifo);
    r->fwd_node = NULL;
    r->adj_start = r->adj = r->fifo = NULL;
    r->nfwd = 0;
    r->graph_bytes = 0;
    r->graph_fresh = false;
}

static bool is_leaf(const node_t *n) { return n->kind == NODE_HOST && n->ifaces->len == 1; }

/* Numbers the forwarders and builds the forwarding graph: two passes over
 * the nodes and their interfaces, O(N + L) time, and 16 bytes per
 * forwarder (plus 8 per link between forwarders, each way) of memory. */
G_GNUC_NO_INLINE static void graph_build(net_t *net)
{
    net_routes *r = &net->routes;
    routes_reset(net);
    uint32_t n = net->nodes->len, f = 0;
    for (uint32_t i = 0; i < n; i++) {
        node_t *v = g_ptr_array_index(net->nodes, i);
        v->fwd = is_leaf(v) ? NET_NO_FWD : f++;
        v->uplink = v->fwd == NET_NO_FWD ? g_ptr_array_index(v->ifaces, 0) : NULL;
    }
    r->nfwd = f;
    r->fwd_node = g_new(node_t *, f + 1);
    r->adj_start = g_new(uint32_t, f + 1);
    r->fifo = g_new(uint32_t, f + 1);
    uint32_t edges = 0;
    for (uint32_t i = 0; i < n; i++) {
        node_t *v = g_ptr_array_index(net->nodes, i);
        if (v->fwd == NET_NO_FWD)
            continue;
        r->fwd_node[v->fwd] = v;
        r->adj_start[v->fwd] = edges;
        for (guint k = 0; k < v->ifaces->len; k++)
            if (((link_dir_t *)g_ptr_array_index(v->ifaces, k))->dst->fwd != NET_NO_FWD)
                edges++;
    }
    r->adj_start[f] = edges;
    r->adj = g_new(uint32_t, 2 * (gsize)edges + 1);
    uint32_t e = 0;
    for (uint32_t i = 0; i < f; i++) {
        const node_t *v = r->fwd_node[i];
        for (guint k = 0; k < v->ifaces->len; k++) {
            const link_dir_t *out = g_ptr_array_index(v->ifaces, k);
            if (out->dst->fwd == NET_NO_FWD)
                continue;
            r->adj[2 * (gsize)e] = out->dst->fwd;
            r->adj[2 * (gsize)e + 1] = reverse(out)->iface;
            e++;
        }
    }
    r->graph_bytes = (uint64_t)(f + 1) * (sizeof(node_t *) + 2 * sizeof(uint32_t)) +
                     (2 * (uint64_t)edges + 1) * sizeof(uint32_t);
    r->graph_fresh = true;
}

/* Computes the tree towards forwarder `root` and caches it, evicting the
 * least recently used trees until it fits the budget: one breadth-first
 * search over the forwarding graph, O(F + E). Kept out of line, like
 * graph_build, so that the lookups that find their tree stay short. */
G_GNUC_NO_INLINE static route_tree *tree_build(net_t *net, node_t *root)
{
    net_routes *r = &net->routes;
    uint64_t size = tree_bytes(r->nfwd);
    while (r->cached->len && r->bytes + size > r->limit)
        tree_evict(r);
    route_tree *t = g_malloc(size);
    t->root = root;
    uint32_t *hop = t->hop;
    memset(hop, 0xff, (size_t)r->nfwd * sizeof *hop); /* every entry ROUTE_NONE */
    const uint32_t s = root->fwd;
    hop[s] = ROUTE_SELF;
    uint32_t qh = 0, qt = 0;
    r->fifo[qt++] = s;
    while (qh < qt) {
        uint32_t v = r->fifo[qh++];
        if (v != s && r->fwd_node[v]->kind != NODE_ROUTER)
            continue; /* hosts do not forward */
        /* Every link of v leads back to a neighbour u whose route to the
         * root may go through v: u's interface on that link is v's reverse. */
        for (uint32_t e = r->adj_start[v]; e < r->adj_start[v + 1]; e++) {
            uint32_t u = r->adj[2 * (gsize)e];
            if (hop[u] != ROUTE_NONE)
                continue;
            hop[u] = r->adj[2 * (gsize)e + 1];
            r->fifo[qt++] = u;
        }
    }
    t->slot = r->cached->len;
    g_ptr_array_add(r->cached, t);
    root->tree = t;
    r->bytes += size;
    if (r->bytes > r->peak_bytes)
        r->peak_bytes = r->bytes;
    r->built++;
    return t;
}

/* The interface index of forwarder `from` towards `to` (from != to), or
 * ROUTE_NONE. O(1) with the tree cached: a stamp marks it used. */
static uint32_t fwd_hop(net_t *net, const node_t *from, node_t *to)
{
    if (to->fwd == NET_NO_FWD) {
        /* A leaf: its neighbour takes the link to it, and everyone else
         * routes as towards that neighbour when it is a router. */
        const link_dir_t *in = to->uplink;
        if (from == in->dst)
            return reverse(in)->iface;
        if (in->dst->kind != NODE_ROUTER)
            return ROUTE_NONE;
        to = in->dst;
    }
    route_tree *t = to->tree;
    if (G_UNLIKELY(!t))
        t = tree_build(net, to);
    t->used = ++net->routes.clock;
    return t->hop[from->fwd];
}

void net_compute_routes(net_t *net) { graph_build(net); }

link_dir_t *net_next_hop(net_t *net, const node_t *from, const node_t *to)
{
    if (G_UNLIKELY(!net->routes.graph_fresh))
        graph_build(net);
    if (from == to)
        return NULL;
    /* The net owns its nodes, writable; `to` is written only in its tree. */
    node_t *dst = (node_t *)to;
    if (from->fwd != NET_NO_FWD) {
        uint32_t k = fwd_hop(net, from, dst);
        return k < ROUTE_SELF ? g_ptr_array_index(from->ifaces, k) : NULL;
    }
    /* A leaf: its one link, if the far end is the destination or a router
     * with a route to it. */
    link_dir_t *d = from->uplink;
    if (d->dst == dst)
        return d;
    if (d->dst->kind != NODE_ROUTER)
        return NULL;
    return fwd_hop(net, d->dst, dst) != ROUTE_NONE ? d : NULL;
}

bool net_set_route_cache_limit(net_t *net, uint64_t bytes, GError **err)
{
    if (bytes < NET_ROUTE_CACHE_MIN_BYTES) {
        g_set_error(err, NET_ERROR, NET_ERROR_LIMIT,
                    "a route cache of %" G_GUINT64_FORMAT " bytes is below the least allowed, %"
                    G_GUINT64_FORMAT " bytes (NET_ROUTE_CACHE_MIN_BYTES: one tree of the "
                    "largest network)",
                    bytes, NET_ROUTE_CACHE_MIN_BYTES);
        return false;
    }
    net_routes *r = &net->routes;
    r->limit = bytes;
    while (r->cached->len && r->bytes > r->limit)
        tree_evict(r);
    return true;
}

void net_route_stats(const net_t *net, net_route_stats_t *out)
{
    const net_routes *r = &net->routes;
    *out = (net_route_stats_t){
        .limit_bytes = r->limit,
        .bytes = r->bytes,
        .peak_bytes = r->peak_bytes,
        .trees = r->cached->len,
        .built = r->built,
        .evicted = r->evicted,
        .forwarders = r->nfwd,
        .graph_bytes = r->graph_bytes,
    };
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
