/*
 * Tests of protocols/dns/dns_resolver over the simulator, against
 * scripted name servers: each one a sim host with a datagram socket (and
 * a TCP listener) on port 53 that answers from a table of dns_msg built
 * here, so that delays, drops, truncation and bad answers are ours to set.
 *
 * The network is a star around router "r": every host has its own link
 * to it, with the delays and rates below, so that a datagram of n payload
 * bytes from host a to host b takes exactly
 *     tx(n + 28, rate_a) + delay_a + tx(n + 28, rate_b) + delay_b
 * (store and forward at the router, 28 bytes of IPv4 + UDP header).
 *
 * The resolver's hosts see a thin wrapper of the simulated host that
 * speaks address literals ("10.0.0.N" for the node of address N - 1, the
 * simulator's convention): datagrams and connections to a literal go to
 * that node, and a datagram's `from` is the sender's literal. This is
 * what a resolver needs (glue records hold addresses), and it works
 * whether or not the simulated host speaks literals itself.
 *
 * The zones: the root (node "root") refers com, net, org and loop to the
 * TLD server (node "tld"); the TLD refers example.com to "auth",
 * other.com, dnshost.com and cdn.net to "auth2", example.org to
 * ns.dnshost.com without glue; "auth" serves example.com (www, www2, an
 * alias to www.cdn.net, NXDOMAIN for the rest), "auth2" the others.
 */
#include <stdio.h>
#include <string.h>

#include "models/sim_host.h"
#include "protocols/dns/dns_resolver.h"
#include "test_util.h"

/* ---- the network ---------------------------------------------------------- */

enum { N_CLIENT, N_LOCAL, N_ROOT, N_TLD, N_AUTH, N_AUTH2, N_NS2, N_EVIL, N_LOOP, N_COUNT };
static const char *const node_names[N_COUNT] = {"client", "local", "root", "tld",  "auth",
                                                "auth2",  "ns2",   "evil", "loop"};
static const sim_time_t node_delay[N_COUNT] = {SIM_MS(1),  SIM_MS(1),  SIM_MS(10),
                                               SIM_MS(20), SIM_MS(30), SIM_MS(40),
                                               SIM_MS(25), SIM_MS(0),  SIM_MS(5)};
static const uint64_t node_rate[N_COUNT] = {100000000, 100000000, 10000000, 10000000, 10000000,
                                            10000000,  10000000,  100000000, 10000000};

#define UDP_HDR 28

/* The wrapper host: literals in, literals out. */
typedef struct {
    host_env env; /* first: the ops get &env */
    host_env *inner;
    net_t *net;
    GPtrArray *socks; /* of sock_ctx, freed with the shim */
} shim;

typedef struct {
    shim *sh;
    host_dgram_fn fn;
    void *ud;
} sock_ctx;

static void literal_of(const node_t *n, char out[32])
{
    uint32_t x = node_addr(n) + 1;
    snprintf(out, 32, "10.%u.%u.%u", (x >> 16) & 255, (x >> 8) & 255, x & 255);
}

/* A literal's node name, or the text itself. */
static const char *to_name(shim *s, const char *host)
{
    unsigned a, b, c, d;
    char tail;
    if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 10) {
        node_t *n = net_node_by_addr(s->net, ((b << 16) | (c << 8) | d) - 1);
        if (n)
            return node_name(n);
    }
    return host;
}

static shim *shim_of(const host_env *e) { return (shim *)(void *)e; }
static int64_t sh_now(const host_env *e) { return host_now(shim_of(e)->inner); }
static int64_t sh_wall(const host_env *e) { return host_wall_s(shim_of(e)->inner); }
static host_timer_id sh_timer(host_env *e, int64_t d, host_timer_fn fn, void *ud)
{
    return host_timer(shim_of(e)->inner, d, fn, ud);
}
static void sh_timer_cancel(host_env *e, host_timer_id id) { host_timer_cancel(shim_of(e)->inner, id); }
static stream_t *sh_connect(host_env *e, const char *host, uint16_t port, const stream_handler *h, void *ud,
                            GError **err)
{
    return host_connect(shim_of(e)->inner, to_name(shim_of(e), host), port, h, ud, err);
}
static host_listener *sh_listen(host_env *e, uint16_t port, stream_accept_fn fn, void *ud, GError **err)
{
    return host_listen(shim_of(e)->inner, port, fn, ud, err);
}
static void sh_unlisten(host_env *e, host_listener *l) { host_unlisten(shim_of(e)->inner, l); }
static void sh_log(host_env *e, const char *m) { shim_of(e)->inner->ops->log(shim_of(e)->inner, m); }
static const char *sh_name(const host_env *e) { return host_name(shim_of(e)->inner); }
static uint16_t sh_lport(const host_env *e, const host_listener *l)
{
    return host_listener_port(shim_of(e)->inner, l);
}
static void sh_recv(void *ud, host_dgram *sock, const host_datagram *d)
{
    sock_ctx *c = ud;
    host_datagram copy = *d;
    char lit[32];
    node_t *n = net_node_by_name(c->sh->net, d->from);
    if (n) {
        literal_of(n, lit);
        copy.from = lit;
    }
    if (c->fn)
        c->fn(c->ud, sock, &copy);
}
static host_dgram *sh_dopen(host_env *e, uint16_t port, host_dgram_fn fn, void *ud, GError **err)
{
    sock_ctx *c = g_new0(sock_ctx, 1);
    c->sh = shim_of(e);
    c->fn = fn;
    c->ud = ud;
    g_ptr_array_add(c->sh->socks, c);
    return host_dgram_open(c->sh->inner, port, sh_recv, c, err);
}
static bool sh_dsend(host_env *e, host_dgram *s, const char *host, uint16_t port, const void *data,
                     size_t len, uint64_t tag, GError **err)
{
    return host_dgram_send(shim_of(e)->inner, s, to_name(shim_of(e), host), port, data, len, tag, err);
}
static uint16_t sh_dport(const host_env *e, const host_dgram *s) { return host_dgram_port(shim_of(e)->inner, s); }
static void sh_dclose(host_env *e, host_dgram *s) { host_dgram_close(shim_of(e)->inner, s); }
static void sh_record(host_env *e, const char *k, const char *t) { host_record(shim_of(e)->inner, k, t); }

static const host_ops shim_ops = {
    .now = sh_now,         .wall_s = sh_wall,         .timer = sh_timer,      .timer_cancel = sh_timer_cancel,
    .connect = sh_connect, .listen = sh_listen,       .unlisten = sh_unlisten, .log = sh_log,
    .name = sh_name,       .listener_port = sh_lport, .dgram_open = sh_dopen, .dgram_send = sh_dsend,
    .dgram_port = sh_dport, .dgram_close = sh_dclose, .record = sh_record,
};

/* ---- scripted name servers ----------------------------------------------- */

typedef struct {
    char *qname;
    uint16_t qtype; /* 0: any type */
    bool suffix;    /* matches every name at or under qname */
    dns_msg reply;  /* rcode, aa and the three sections; id and question are the query's */
    int drop;       /* queries to ignore before answering */
    bool never;     /* never answer */
    bool tc_udp;    /* over UDP: TC and no records (the whole answer over TCP) */
    bool spoof;     /* send four spoofed answers first */
    int hits;
} entry;

struct world;

typedef struct {
    struct world *w;
    int node;
    host_env *env;
    host_dgram *sock, *other;
    host_listener *lis;
    GPtrArray *entries;
    int rx, tx, tcp_rx;
    GArray *ids;             /* query ids received, in order */
    bool garbage;            /* send a malformed datagram before each answer */
    int deeper;              /* > 0: refer every query one label deeper than the last (to ns.loop) */
    GArray *rx_len, *tx_len; /* sizes of the datagrams received and sent, in order */
} srv;

typedef struct world {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    udp_stack_t *udp;
    node_t *nodes[N_COUNT];
    sim_host_t *hosts[N_COUNT];
    shim shims[N_COUNT];
    srv srvs[N_COUNT];
    host_dgram *evil_sock;
    GPtrArray *records;
} world;

static char *lit(world *w, int node)
{
    char buf[32];
    literal_of(w->nodes[node], buf);
    return g_strdup(buf);
}

static sim_time_t one_way(int a, int b, uint64_t payload)
{
    uint64_t n = payload + UDP_HDR;
    return sim_tx_time(n, node_rate[a]) + node_delay[a] + sim_tx_time(n, node_rate[b]) + node_delay[b];
}

static dns_rr *add_rr(dns_msg *m, dns_section sec, const char *name, uint16_t type, uint32_t ttl)
{
    dns_rr *rr = dns_msg_add_rr(m, sec);
    rr->name = g_strdup(name);
    rr->type = type;
    rr->ttl = ttl;
    return rr;
}

static void add_a(dns_msg *m, dns_section sec, const char *name, const char *addr, uint32_t ttl)
{
    dns_rr *rr = add_rr(m, sec, name, DNS_T_A, ttl);
    unsigned a, b, c, d;
    CU_ASSERT_EQUAL_FATAL(sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
    rr->addr[0] = (uint8_t)a;
    rr->addr[1] = (uint8_t)b;
    rr->addr[2] = (uint8_t)c;
    rr->addr[3] = (uint8_t)d;
}

static void add_target(dns_msg *m, dns_section sec, const char *name, uint16_t type, const char *target,
                       uint32_t ttl)
{
    add_rr(m, sec, name, type, ttl)->target = g_strdup(target);
}

static void add_soa(dns_msg *m, const char *zone, uint32_t ttl, uint32_t minimum)
{
    dns_rr *rr = add_rr(m, DNS_SEC_AUTHORITY, zone, DNS_T_SOA, ttl);
    rr->target = g_strdup_printf("ns1.%s", zone);
    rr->rname = g_strdup_printf("hostmaster.%s", zone);
    rr->serial = 1;
    rr->refresh = 3600;
    rr->retry = 600;
    rr->expire = 86400;
    rr->minimum = minimum;
}

static entry *add_entry(world *w, int node, const char *qname, uint16_t qtype, bool suffix)
{
    entry *e = g_new0(entry, 1);
    e->qname = g_strdup(qname);
    e->qtype = qtype;
    e->suffix = suffix;
    dns_msg_init(&e->reply);
    g_ptr_array_add(w->srvs[node].entries, e);
    return e;
}

/* A referral from `node` for `zone` to the name server `ns` (glue at
 * `glue_node`'s literal, or none when glue_node < 0). */
static entry *add_referral(world *w, int node, const char *zone, const char *ns, int glue_node)
{
    entry *e = add_entry(w, node, zone, 0, true);
    add_target(&e->reply, DNS_SEC_AUTHORITY, zone, DNS_T_NS, ns, 172800);
    if (glue_node >= 0) {
        char *a = lit(w, glue_node);
        add_a(&e->reply, DNS_SEC_ADDITIONAL, ns, a, 172800);
        g_free(a);
    }
    return e;
}

static entry *add_answer_a(world *w, int node, const char *name, const char *addr, uint32_t ttl)
{
    entry *e = add_entry(w, node, name, DNS_T_A, false);
    e->reply.aa = true;
    add_a(&e->reply, DNS_SEC_ANSWER, name, addr, ttl);
    return e;
}

static entry *find_entry(srv *s, const dns_msg *q)
{
    for (int pass = 0; pass < 2; pass++)
        for (guint i = 0; i < s->entries->len; i++) {
            entry *e = g_ptr_array_index(s->entries, i);
            if (e->suffix != (pass == 1) || (e->qtype && e->qtype != q->qtype))
                continue;
            if (e->suffix ? dns_name_is_under(q->qname, e->qname) : dns_name_eq(q->qname, e->qname))
                return e;
        }
    return NULL;
}

static void make_reply(const entry *e, const dns_msg *q, dns_msg *out, bool full)
{
    dns_msg_init(out);
    out->id = q->id;
    out->qr = true;
    out->rd = q->rd;
    out->aa = e->reply.aa;
    out->rcode = e->reply.rcode;
    dns_msg_set_question(out, q->qname, q->qtype, q->qclass);
    if (!full) {
        out->tc = true;
        return;
    }
    for (int s = 0; s < DNS_SEC__COUNT; s++)
        for (guint i = 0; i < dns_msg_count(&e->reply, s); i++)
            dns_msg_add_copy(out, s, dns_msg_rr(&e->reply, s, i));
}

static void send_msg(srv *s, host_dgram *sock, const char *to, uint16_t port, const dns_msg *m, bool count)
{
    GByteArray *b = g_byte_array_new();
    CU_ASSERT_EQUAL(dns_msg_encode(m, DNS_UDP_MAX_PLAIN, b, NULL), DNS_OK);
    CU_ASSERT_TRUE(host_dgram_send(s->env, sock, to, port, b->data, b->len, 0, NULL));
    if (count) {
        s->tx++;
        uint64_t n = b->len;
        g_array_append_val(s->tx_len, n);
    }
    g_byte_array_unref(b);
}

static void srv_recv(void *ud, host_dgram *sock, const host_datagram *d)
{
    srv *s = ud;
    s->rx++;
    uint64_t n = d->len;
    g_array_append_val(s->rx_len, n);
    dns_msg q;
    dns_msg_init(&q);
    CU_ASSERT_EQUAL_FATAL(dns_msg_decode(d->data, d->len, &q), DNS_OK);
    g_array_append_val(s->ids, q.id);
    if (s->garbage) {
        uint8_t junk[14] = {(uint8_t)(q.id >> 8), (uint8_t)q.id, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 'x'};
        CU_ASSERT_TRUE(host_dgram_send(s->env, sock, d->from, d->from_port, junk, sizeof junk, 0, NULL));
        CU_ASSERT_TRUE(host_dgram_send(s->env, sock, d->from, d->from_port, NULL, 40, 0, NULL));
    }
    if (s->deeper > 0) {
        /* a referral to the zone of the name's last (deeper + 1) labels */
        int labels = dns_name_count(q.qname);
        const char *zone = q.qname;
        for (int i = 0; i < labels - (s->deeper + 1) && *zone; i++)
            zone = dns_name_parent(zone);
        s->deeper++;
        entry ref = {0};
        dns_msg_init(&ref.reply);
        add_target(&ref.reply, DNS_SEC_AUTHORITY, zone, DNS_T_NS, "ns.loop", 3600);
        dns_msg r;
        make_reply(&ref, &q, &r, true);
        send_msg(s, sock, d->from, d->from_port, &r, true);
        dns_msg_clear(&r);
        dns_msg_clear(&ref.reply);
        dns_msg_clear(&q);
        return;
    }
    entry *e = find_entry(s, &q);
    if (!e || e->never || e->hits++ < e->drop) {
        dns_msg_clear(&q);
        return;
    }
    dns_msg r;
    if (e->spoof) {
        /* 1: the right answer with another id; 2: another question; 3:
         * from another port; 4: from another host, all with a bad address */
        entry bad = *e;
        dns_msg_init(&bad.reply);
        bad.reply.aa = true;
        add_a(&bad.reply, DNS_SEC_ANSWER, q.qname, "6.6.6.6", 300);
        make_reply(&bad, &q, &r, true);
        r.id = (uint16_t)(q.id + 1);
        send_msg(s, sock, d->from, d->from_port, &r, false);
        r.id = q.id;
        g_free(r.qname);
        r.qname = g_strdup("www.evil.com");
        send_msg(s, sock, d->from, d->from_port, &r, false);
        g_free(r.qname);
        r.qname = g_strdup(q.qname);
        send_msg(s, s->other, d->from, d->from_port, &r, false);
        send_msg(&s->w->srvs[N_EVIL], s->w->evil_sock, d->from, d->from_port, &r, false);
        dns_msg_clear(&r);
        dns_msg_clear(&bad.reply);
    }
    make_reply(e, &q, &r, !e->tc_udp);
    send_msg(s, sock, d->from, d->from_port, &r, true);
    dns_msg_clear(&r);
    dns_msg_clear(&q);
}

/* TCP: one connection, questions answered in full. */
typedef struct {
    srv *s;
    dns_tcp_reader rd;
} tconn;

static void t_data(void *ud, stream_t *st, const uint8_t *data, size_t len)
{
    tconn *c = ud;
    while (len) {
        size_t took = dns_tcp_reader_feed(&c->rd, data, len);
        data += took;
        len -= took;
        const uint8_t *m;
        size_t ml;
        if (dns_tcp_reader_next(&c->rd, &m, &ml)) {
            dns_msg q, r;
            dns_msg_init(&q);
            CU_ASSERT_EQUAL_FATAL(dns_msg_decode(m, ml, &q), DNS_OK);
            c->s->tcp_rx++;
            entry *e = find_entry(c->s, &q);
            if (e) {
                make_reply(e, &q, &r, true);
                GByteArray *b = g_byte_array_new();
                CU_ASSERT_EQUAL(dns_msg_encode_tcp(&r, b), DNS_OK);
                CU_ASSERT_EQUAL(stream_write(st, b->data, b->len), b->len);
                g_byte_array_unref(b);
                dns_msg_clear(&r);
            }
            dns_msg_clear(&q);
        } else if (!took) {
            break;
        }
    }
}

static void t_end(tconn *c, stream_t *st)
{
    if (st)
        stream_close(st);
    dns_tcp_reader_clear(&c->rd);
    g_free(c);
}
static void t_closed(void *ud, stream_t *st) { t_end(ud, st); }
static void t_error(void *ud, stream_t *st, stream_err e)
{
    (void)st;
    (void)e;
    t_end(ud, NULL);
}
static const stream_handler t_handler = {.data = t_data, .peer_closed = t_closed, .error = t_error};

static void t_accept(void *ud, stream_t *st)
{
    tconn *c = g_new0(tconn, 1);
    c->s = ud;
    dns_tcp_reader_init(&c->rd);
    stream_set_handler(st, &t_handler, c);
}

static void on_record(void *ud, const char *host, int64_t now, const char *kind, const char *text)
{
    (void)host;
    (void)now;
    world *w = ud;
    if (strcmp(kind, "dns-lookup") == 0)
        g_ptr_array_add(w->records, g_strdup(text));
}

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    w->sim = sim_new(42);
    w->net = net_new(w->sim);
    w->records = g_ptr_array_new_with_free_func(g_free);
    node_t *r = net_add_router(w->net, "r", NULL);
    for (int i = 0; i < N_COUNT; i++)
        w->nodes[i] = net_add_host(w->net, node_names[i], NULL);
    for (int i = 0; i < N_COUNT; i++) {
        link_params_t p = {.rate_bps = node_rate[i], .delay = node_delay[i]};
        char name[32];
        snprintf(name, sizeof name, "%s-r", node_names[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(net_link(w->net, name, w->nodes[i], r, &p, NULL, NULL));
    }
    w->tcp = tcp_stack_new(w->net, NULL);
    w->udp = udp_stack_new(w->net);
    for (int i = 0; i < N_COUNT; i++) {
        w->hosts[i] = sim_host_new(w->tcp, w->nodes[i], NULL);
        sim_host_set_udp(w->hosts[i], w->udp);
        sim_host_set_record_sink(w->hosts[i], on_record, w);
        shim *s = &w->shims[i];
        s->env.ops = &shim_ops;
        s->inner = sim_host_env(w->hosts[i]);
        s->net = w->net;
        s->socks = g_ptr_array_new_with_free_func(g_free);
    }
    for (int i = N_ROOT; i < N_COUNT; i++) {
        srv *s = &w->srvs[i];
        s->w = w;
        s->node = i;
        s->env = sim_host_env(w->hosts[i]);
        s->entries = g_ptr_array_new();
        s->rx_len = g_array_new(FALSE, FALSE, sizeof(uint64_t));
        s->tx_len = g_array_new(FALSE, FALSE, sizeof(uint64_t));
        s->ids = g_array_new(FALSE, FALSE, sizeof(uint16_t));
        if (i == N_EVIL) {
            w->evil_sock = host_dgram_open(s->env, 53, NULL, NULL, NULL);
            continue;
        }
        s->sock = host_dgram_open(s->env, 53, srv_recv, s, NULL);
        s->other = host_dgram_open(s->env, 5353, NULL, NULL, NULL);
        s->lis = host_listen(s->env, 53, t_accept, s, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s->sock);
    }
    /* the zones */
    add_referral(w, N_ROOT, "com", "a.gtld-servers.net", N_TLD);
    add_referral(w, N_ROOT, "net", "a.gtld-servers.net", N_TLD);
    add_referral(w, N_ROOT, "org", "a.gtld-servers.net", N_TLD);
    add_referral(w, N_ROOT, "loop", "ns.loop", N_LOOP);
    add_referral(w, N_TLD, "example.com", "ns1.example.com", N_AUTH);
    add_referral(w, N_TLD, "other.com", "ns.other.com", N_AUTH2);
    add_referral(w, N_TLD, "dnshost.com", "ns.dnshost.com", N_AUTH2);
    add_referral(w, N_TLD, "cdn.net", "ns.cdn.net", N_AUTH2);
    add_referral(w, N_TLD, "example.org", "ns.dnshost.com", -1);
    add_answer_a(w, N_AUTH, "www.example.com", "192.0.2.80", 300);
    add_answer_a(w, N_AUTH, "www2.example.com", "192.0.2.81", 300);
    entry *e = add_entry(w, N_AUTH, "alias.example.com", 0, false);
    e->reply.aa = true;
    add_target(&e->reply, DNS_SEC_ANSWER, "alias.example.com", DNS_T_CNAME, "www.cdn.net", 600);
    add_a(&e->reply, DNS_SEC_ANSWER, "www.cdn.net", "6.6.6.6", 600); /* out of bailiwick */
    e = add_entry(w, N_AUTH, "example.com", 0, true);
    e->reply.aa = true;
    e->reply.rcode = DNS_RCODE_NXDOMAIN;
    add_soa(&e->reply, "example.com", 3600, 600);
    add_answer_a(w, N_AUTH2, "www.cdn.net", "192.0.2.99", 300);
    char *a2 = lit(w, N_AUTH2);
    add_answer_a(w, N_AUTH2, "ns.dnshost.com", a2, 3600);
    g_free(a2);
    add_answer_a(w, N_AUTH2, "www.example.org", "192.0.2.77", 300);
    add_answer_a(w, N_AUTH2, "www.other.com", "192.0.2.55", 300);
}

static void entry_free(gpointer p)
{
    entry *e = p;
    g_free(e->qname);
    dns_msg_clear(&e->reply);
    g_free(e);
}

static void world_clear(world *w)
{
    for (int i = 0; i < N_COUNT; i++)
        if (w->srvs[i].lis)
            host_unlisten(w->srvs[i].env, w->srvs[i].lis);
    for (int i = 0; i < N_COUNT; i++)
        sim_host_free(w->hosts[i]);
    for (int i = 0; i < N_COUNT; i++) {
        g_ptr_array_unref(w->shims[i].socks);
        if (w->srvs[i].entries) {
            g_ptr_array_set_free_func(w->srvs[i].entries, entry_free);
            g_ptr_array_unref(w->srvs[i].entries);
            g_array_unref(w->srvs[i].rx_len);
            g_array_unref(w->srvs[i].tx_len);
            g_array_unref(w->srvs[i].ids);
        }
    }
    udp_stack_free(w->udp);
    tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
    g_ptr_array_unref(w->records);
}

static host_env *env_of(world *w, int node) { return &w->shims[node].env; }

/* The local resolver: iterative from the root hint "a.root-servers.net". */
static dns_resolver *local_new(world *w, const dns_resolver_config *extra)
{
    char *root = lit(w, N_ROOT);
    dns_server_hint hint = {"a.root-servers.net", root};
    dns_resolver_config c = extra ? *extra : (dns_resolver_config){0};
    c.mode = DNS_RESOLVER_ITERATIVE;
    if (!c.roots) {
        c.roots = &hint;
        c.n_roots = 1;
    }
    c.seed = 7;
    c.record = true;
    GError *err = NULL;
    dns_resolver *r = dns_resolver_new(env_of(w, N_LOCAL), &c, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    g_free(root);
    return r;
}

/* ---- lookups ---------------------------------------------------------------- */

typedef struct {
    int calls;
    bool in_lookup; /* set while dns_resolver_lookup runs */
    bool sync;      /* called from inside it */
    dns_lookup_failure failure;
    uint16_t rcode;
    GString *answer; /* "A 192.0.2.80;CNAME www.cdn.net;" */
    bool from_cache;
    unsigned queries, cache_hits;
    GString *servers;
    int64_t elapsed, at;
    sim_t *sim;
} got;

static void on_result(void *ud, const dns_lookup_result *res)
{
    got *g = ud;
    g->calls++;
    g->sync = g->in_lookup;
    g->failure = res->failure;
    g->rcode = res->rcode;
    g_string_truncate(g->answer, 0);
    for (guint i = 0; i < res->answer->len; i++) {
        const dns_rr *rr = &g_array_index(res->answer, dns_rr, i);
        if (rr->type == DNS_T_A)
            g_string_append_printf(g->answer, "A %u.%u.%u.%u;", rr->addr[0], rr->addr[1], rr->addr[2],
                                   rr->addr[3]);
        else
            g_string_append_printf(g->answer, "%s %s;", dns_type_name(rr->type), rr->target ? rr->target : "");
    }
    g->from_cache = res->from_cache;
    g->queries = res->queries;
    g->cache_hits = res->cache_hits;
    g_string_truncate(g->servers, 0);
    for (guint i = 0; i < res->servers->len; i++)
        g_string_append_printf(g->servers, "%s%s", i ? ";" : "", (char *)g_ptr_array_index(res->servers, i));
    g->elapsed = res->elapsed_ns;
    g->at = sim_now(g->sim);
}

static void got_init(got *g, world *w)
{
    memset(g, 0, sizeof *g);
    g->answer = g_string_new("");
    g->servers = g_string_new("");
    g->sim = w->sim;
}

static void got_clear(got *g)
{
    g_string_free(g->answer, TRUE);
    g_string_free(g->servers, TRUE);
}

/* A fresh world with its local resolver (config `c`, NULL: the
 * defaults) and an empty outcome `g`: the set-up of the tests that
 * change nothing in the world first. */
static dns_resolver *local_begin(world *w, const dns_resolver_config *c, got *g)
{
    world_init(w);
    dns_resolver *r = local_new(w, c);
    got_init(g, w);
    return r;
}

/* Frees an outcome `g`, the resolver `r` and the world `w` (what
 * local_begin made, or the same made step by step). */
static void local_end(world *w, dns_resolver *r, got *g)
{
    got_clear(g);
    dns_resolver_free(r);
    world_clear(w);
}

/* Looks up (name, A) and runs the simulation until `until` (absolute). */
static void lookup_run(world *w, dns_resolver *r, const char *name, uint16_t type, got *g, sim_time_t until)
{
    int before = g->calls;
    g->in_lookup = true;
    CU_ASSERT_NOT_EQUAL(dns_resolver_lookup(r, name, type, on_result, g), 0);
    g->in_lookup = false;
    CU_ASSERT_EQUAL(g->calls, before);
    sim_run_until(w->sim, until);
}

/* The time of a query of `qlen` bytes from local to `node` and back with `alen`. */
static sim_time_t rtt(int node, uint64_t qlen, uint64_t alen)
{
    return one_way(N_LOCAL, node, qlen) + one_way(node, N_LOCAL, alen);
}

static uint64_t rxlen(world *w, int node, guint i) { return g_array_index(w->srvs[node].rx_len, uint64_t, i); }
static uint64_t txlen(world *w, int node, guint i) { return g_array_index(w->srvs[node].tx_len, uint64_t, i); }

/* ---- tests -------------------------------------------------------------------- */

static void test_iterative_three_queries(void)
{
    world w;
    got g;
    dns_resolver *r = local_begin(&w, NULL, &g);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_EQUAL(g.calls, 1);
    CU_ASSERT_FALSE(g.sync);
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_OK);
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.80;");
    CU_ASSERT_EQUAL(g.queries, 3);
    CU_ASSERT_FALSE(g.from_cache);
    CU_ASSERT_STRING_EQUAL(g.servers->str, "a.root-servers.net;a.gtld-servers.net;ns1.example.com");
    /* one query each; the query is 12 + 17 (www.example.com) + 4 bytes */
    CU_ASSERT_EQUAL(w.srvs[N_ROOT].rx, 1);
    CU_ASSERT_EQUAL(w.srvs[N_TLD].rx, 1);
    CU_ASSERT_EQUAL(w.srvs[N_AUTH].rx, 1);
    CU_ASSERT_EQUAL(rxlen(&w, N_ROOT, 0), 33);
    sim_time_t want = rtt(N_ROOT, 33, txlen(&w, N_ROOT, 0)) + rtt(N_TLD, 33, txlen(&w, N_TLD, 0)) +
                      rtt(N_AUTH, 33, txlen(&w, N_AUTH, 0));
    CU_ASSERT_EQUAL(g.elapsed, want);
    CU_ASSERT_EQUAL(g.at, want);
    /* the record */
    CU_ASSERT_EQUAL_FATAL(w.records->len, 1);
    char *row = g_strdup_printf("www.example.com,A,NOERROR,0,3,a.root-servers.net;a.gtld-servers.net;"
                                "ns1.example.com,0,%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT,
                                want / SIM_S(1), want % SIM_S(1));
    CU_ASSERT_STRING_EQUAL(g_ptr_array_index(w.records, 0), row);
    g_free(row);

    /* again: from the cache, no query, not from inside lookup */
    sim_time_t t0 = sim_now(w.sim);
    lookup_run(&w, r, "WWW.example.com", DNS_T_A, &g, SIM_S(10));
    CU_ASSERT_EQUAL(g.calls, 2);
    CU_ASSERT_FALSE(g.sync);
    CU_ASSERT_TRUE(g.from_cache);
    CU_ASSERT_EQUAL(g.queries, 0);
    CU_ASSERT_EQUAL(g.cache_hits, 1);
    CU_ASSERT_EQUAL(g.at, t0);
    CU_ASSERT_EQUAL(g.elapsed, 0);
    CU_ASSERT_EQUAL(w.srvs[N_AUTH].rx, 1);

    /* example.com's servers cached: one query */
    lookup_run(&w, r, "www2.example.com", DNS_T_A, &g, SIM_S(15));
    CU_ASSERT_EQUAL(g.queries, 1);
    CU_ASSERT_STRING_EQUAL(g.servers->str, "ns1.example.com");
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.81;");
    /* com's servers cached: two queries */
    lookup_run(&w, r, "www.other.com", DNS_T_A, &g, SIM_S(20));
    CU_ASSERT_EQUAL(g.queries, 2);
    CU_ASSERT_STRING_EQUAL(g.servers->str, "a.gtld-servers.net;ns.other.com");
    CU_ASSERT_EQUAL(w.srvs[N_ROOT].rx, 1);

    /* after the TTL (300 s) the A record goes; the NS sets (2 days) stay */
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, SIM_S(400));
    CU_ASSERT_EQUAL(g.queries, 0);
    sim_run_until(w.sim, SIM_S(500));
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, SIM_S(510));
    CU_ASSERT_FALSE(g.from_cache);
    CU_ASSERT_EQUAL(g.queries, 1);
    CU_ASSERT_EQUAL(w.srvs[N_AUTH].rx, 3);
    dns_cache_stats st;
    dns_cache_get_stats(dns_resolver_cache(r), &st);
    CU_ASSERT_TRUE(st.expired >= 1);
    local_end(&w, r, &g);
}

static void test_nxdomain_cached(void)
{
    world w;
    got g;
    dns_resolver *r = local_begin(&w, NULL, &g);
    lookup_run(&w, r, "nope.example.com", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_NXDOMAIN);
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_OK);
    CU_ASSERT_EQUAL(g.queries, 3);
    lookup_run(&w, r, "nope.example.com", DNS_T_MX, &g, SIM_S(10));
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_NXDOMAIN);
    CU_ASSERT_TRUE(g.from_cache);
    CU_ASSERT_EQUAL(g.queries, 0);
    CU_ASSERT_EQUAL(w.srvs[N_AUTH].rx, 1);
    /* negative TTL min(3600, 600) = 600 s */
    sim_run_until(w.sim, SIM_S(700));
    lookup_run(&w, r, "nope.example.com", DNS_T_A, &g, SIM_S(710));
    CU_ASSERT_EQUAL(g.queries, 1);
    CU_ASSERT_EQUAL(w.srvs[N_AUTH].rx, 2);
    local_end(&w, r, &g);
}

static void test_cname_other_zone_and_bailiwick(void)
{
    world w;
    world_init(&w);
    dns_resolver *r = local_new(&w, NULL);
    got g;
    got_init(&g, &w);
    lookup_run(&w, r, "alias.example.com", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_NOERROR);
    /* the out-of-bailiwick A of www.cdn.net (6.6.6.6) is neither used nor cached */
    CU_ASSERT_STRING_EQUAL(g.answer->str, "CNAME www.cdn.net;A 192.0.2.99;");
    /* root, com, example.com; then net's TLD (root's referral cached? no: net is a new TLD) */
    CU_ASSERT_STRING_EQUAL(g.servers->str, "a.root-servers.net;a.gtld-servers.net;ns1.example.com;"
                                           "a.root-servers.net;a.gtld-servers.net;ns.cdn.net");
    CU_ASSERT_EQUAL(g.queries, 6);
    /* the cached CNAME and target answer the next lookup */
    lookup_run(&w, r, "alias.example.com", DNS_T_A, &g, SIM_S(10));
    CU_ASSERT_TRUE(g.from_cache);
    CU_ASSERT_EQUAL(g.cache_hits, 2);
    CU_ASSERT_STRING_EQUAL(g.answer->str, "CNAME www.cdn.net;A 192.0.2.99;");
    got_clear(&g);
    dns_resolver_free(r);

    /* a fresh resolver: after the first answer alone, www.cdn.net is not cached */
    world w2;
    world_init(&w2);
    entry *e = find_entry(&w2.srvs[N_AUTH2], &(dns_msg){.qname = "www.cdn.net", .qtype = DNS_T_A});
    e->never = true;
    dns_resolver_config c = {.deadline_ns = SIM_S(3)};
    r = local_new(&w2, &c);
    got_init(&g, &w2);
    lookup_run(&w2, r, "alias.example.com", DNS_T_A, &g, SIM_S(20));
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_TIMEOUT);
    CU_ASSERT_EQUAL(dns_cache_peek(dns_resolver_cache(r), sim_now(w2.sim), "www.cdn.net", DNS_T_A, NULL),
                    DNS_CACHE_MISS);
    CU_ASSERT_EQUAL(dns_cache_peek(dns_resolver_cache(r), sim_now(w2.sim), "alias.example.com", DNS_T_CNAME,
                                   NULL),
                    DNS_CACHE_HIT);
    got_clear(&g);
    dns_resolver_free(r);
    world_clear(&w2);
    world_clear(&w);
}

static void test_referral_without_glue(void)
{
    world w;
    got g;
    dns_resolver *r = local_begin(&w, NULL, &g);
    lookup_run(&w, r, "www.example.org", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.77;");
    /* org's referral has no glue: ns.dnshost.com is looked up (com is
     * not cached yet: root, TLD, auth2), then asked */
    CU_ASSERT_STRING_EQUAL(g.servers->str, "a.root-servers.net;a.gtld-servers.net;a.root-servers.net;"
                                           "a.gtld-servers.net;ns.dnshost.com;ns.dnshost.com");
    CU_ASSERT_EQUAL(g.queries, 6);
    local_end(&w, r, &g);
}

/* example.com gets a second server, ns2.example.com on node ns2. */
static void add_ns2(world *w)
{
    entry *ref = find_entry(&w->srvs[N_TLD], &(dns_msg){.qname = "www.example.com", .qtype = DNS_T_A});
    add_target(&ref->reply, DNS_SEC_AUTHORITY, "example.com", DNS_T_NS, "ns2.example.com", 172800);
    char *a = lit(w, N_NS2);
    add_a(&ref->reply, DNS_SEC_ADDITIONAL, "ns2.example.com", a, 172800);
    g_free(a);
    add_answer_a(w, N_NS2, "www.example.com", "192.0.2.82", 300);
}

static void test_retransmission(void)
{
    world w;
    world_init(&w);
    /* example.com has two servers; the first drops the first query */
    add_ns2(&w);
    entry *e = find_entry(&w.srvs[N_AUTH], &(dns_msg){.qname = "www.example.com", .qtype = DNS_T_A});
    e->drop = 1;
    dns_resolver *r = local_new(&w, NULL);
    got g;
    got_init(&g, &w);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, SIM_S(10));
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.80;");
    CU_ASSERT_EQUAL(g.queries, 4);
    CU_ASSERT_STRING_EQUAL(g.servers->str, "a.root-servers.net;a.gtld-servers.net;ns1.example.com;ns1.example.com");
    sim_time_t base = rtt(N_ROOT, 33, txlen(&w, N_ROOT, 0)) + rtt(N_TLD, 33, txlen(&w, N_TLD, 0));
    CU_ASSERT_EQUAL(g.elapsed, base + SIM_S(1) + rtt(N_AUTH, 33, txlen(&w, N_AUTH, 0)));
    dns_resolver_free(r);

    /* now it never answers: 2 tries (1 s, 2 s), then ns2 */
    e->never = true;
    r = local_new(&w, NULL);
    sim_time_t t0 = sim_now(w.sim);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, t0 + SIM_S(20));
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.82;");
    CU_ASSERT_STRING_EQUAL(g.servers->str, "a.root-servers.net;a.gtld-servers.net;ns1.example.com;"
                                           "ns1.example.com;ns2.example.com");
    CU_ASSERT_EQUAL(g.elapsed, base + SIM_S(3) + rtt(N_NS2, 33, txlen(&w, N_NS2, 0)));
    dns_resolver_stats st;
    dns_resolver_get_stats(r, &st);
    CU_ASSERT_EQUAL(st.retransmissions, 1);
    local_end(&w, r, &g);
}

static void test_deadline(void)
{
    world w;
    world_init(&w);
    entry *e = add_entry(&w, N_ROOT, "", 0, true);
    e->never = true;
    /* three roots that never answer (the same node three times) */
    char *root = lit(&w, N_ROOT);
    dns_server_hint hints[3] = {{"a.root", root}, {"b.root", root}, {"c.root", root}};
    dns_resolver_config c = {.roots = hints, .n_roots = 3};
    dns_resolver *r = local_new(&w, &c);
    /* remove the referrals so that the catch-all matches */
    g_ptr_array_set_free_func(w.srvs[N_ROOT].entries, entry_free);
    g_ptr_array_remove_range(w.srvs[N_ROOT].entries, 0, w.srvs[N_ROOT].entries->len - 1);
    got g;
    got_init(&g, &w);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, SIM_S(30));
    CU_ASSERT_EQUAL(g.calls, 1);
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_TIMEOUT);
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_SERVFAIL);
    /* sends at 0 and 1 s (a.root), 3 and 7 s (b.root); the deadline at 10 s */
    CU_ASSERT_EQUAL(g.elapsed, SIM_S(10));
    CU_ASSERT_EQUAL(g.queries, 4);
    CU_ASSERT_STRING_EQUAL(g.servers->str, "a.root;a.root;b.root;b.root");
    CU_ASSERT_EQUAL(w.srvs[N_ROOT].rx, 4);
    CU_ASSERT_EQUAL(w.records->len, 1);
    CU_ASSERT_TRUE(g_str_has_prefix(g_ptr_array_index(w.records, 0), "www.example.com,A,TIMEOUT,0,4,"));
    dns_resolver_free(r);

    /* one root: its two tries end the lookup before the deadline */
    dns_resolver_config c1 = {.roots = hints, .n_roots = 1};
    r = local_new(&w, &c1);
    sim_time_t t0 = sim_now(w.sim);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, t0 + SIM_S(30));
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_TIMEOUT);
    CU_ASSERT_EQUAL(g.queries, 2);
    CU_ASSERT_EQUAL(g.elapsed, SIM_S(3));
    g_free(root);
    local_end(&w, r, &g);
}

static void test_spoofed_answers_ignored(void)
{
    world w;
    world_init(&w);
    entry *e = find_entry(&w.srvs[N_AUTH], &(dns_msg){.qname = "www.example.com", .qtype = DNS_T_A});
    e->spoof = true;
    dns_resolver *r = local_new(&w, NULL);
    got g;
    got_init(&g, &w);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.80;");
    CU_ASSERT_EQUAL(g.queries, 3);
    dns_resolver_stats st;
    dns_resolver_get_stats(r, &st);
    CU_ASSERT_EQUAL(st.ignored, 4);
    got_clear(&g);
    dns_resolver_free(r);

    /* the same with a socket per query */
    e->hits = 0;
    dns_resolver_config c = {.port_per_query = true};
    r = local_new(&w, &c);
    got_init(&g, &w);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, sim_now(w.sim) + SIM_S(5));
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.80;");
    dns_resolver_get_stats(r, &st);
    CU_ASSERT_EQUAL(st.ignored, 4);
    local_end(&w, r, &g);
}

static void test_referral_loop_capped(void)
{
    world w;
    world_init(&w);
    /* the loop server (ns.loop) refers a name of 21 labels one label
     * deeper at every query, each time to itself */
    w.srvs[N_LOOP].deeper = 1;
    const char *name = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.loop";
    dns_resolver *r = local_new(&w, NULL);
    got g;
    got_init(&g, &w);
    lookup_run(&w, r, name, DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_EQUAL(g.calls, 1);
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_TOO_MUCH_WORK);
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_SERVFAIL);
    /* the root's referral is the first; 16 referrals in all are followed,
     * the 17th (from the 16th query to ns.loop) fails */
    CU_ASSERT_EQUAL(g.queries, 17);
    CU_ASSERT_EQUAL(w.srvs[N_LOOP].rx, 16);
    got_clear(&g);
    dns_resolver_free(r);

    /* a lower query budget is the cap that is hit */
    w.srvs[N_LOOP].deeper = 1;
    dns_resolver_config c = {.max_queries = 5};
    r = local_new(&w, &c);
    got_init(&g, &w);
    lookup_run(&w, r, name, DNS_T_A, &g, sim_now(w.sim) + SIM_S(5));
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_TOO_MUCH_WORK);
    CU_ASSERT_EQUAL(g.queries, 5);
    local_end(&w, r, &g);
}

static void test_tc_retries_over_tcp(void)
{
    world w;
    world_init(&w);
    entry *e = find_entry(&w.srvs[N_AUTH], &(dns_msg){.qname = "www.example.com", .qtype = DNS_T_A});
    e->tc_udp = true;
    dns_resolver *r = local_new(&w, NULL);
    got g;
    got_init(&g, &w);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_OK);
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.80;");
    CU_ASSERT_EQUAL(g.queries, 4);
    CU_ASSERT_STRING_EQUAL(g.servers->str,
                           "a.root-servers.net;a.gtld-servers.net;ns1.example.com;ns1.example.com");
    CU_ASSERT_EQUAL(w.srvs[N_AUTH].rx, 1);
    CU_ASSERT_EQUAL(w.srvs[N_AUTH].tcp_rx, 1);
    dns_resolver_stats st;
    dns_resolver_get_stats(r, &st);
    CU_ASSERT_EQUAL(st.tcp_queries, 1);
    local_end(&w, r, &g);
}

static void test_shared_and_cancelled(void)
{
    world w;
    world_init(&w);
    dns_resolver *r = local_new(&w, NULL);
    got g1, g2, g3;
    got_init(&g1, &w);
    got_init(&g2, &w);
    got_init(&g3, &w);
    dns_resolver_lookup(r, "www.example.com", DNS_T_A, on_result, &g1);
    dns_resolver_lookup(r, "WWW.EXAMPLE.COM", DNS_T_A, on_result, &g2);
    uint64_t id3 = dns_resolver_lookup(r, "www.example.com", DNS_T_A, on_result, &g3);
    dns_resolver_cancel(r, id3);
    dns_resolver_cancel(r, id3); /* stale: harmless */
    dns_resolver_cancel(r, 0);
    sim_run_until(w.sim, SIM_S(5));
    CU_ASSERT_EQUAL(g1.calls, 1);
    CU_ASSERT_EQUAL(g2.calls, 1);
    CU_ASSERT_EQUAL(g3.calls, 0);
    CU_ASSERT_STRING_EQUAL(g2.answer->str, "A 192.0.2.80;");
    CU_ASSERT_EQUAL(g1.queries, 3);
    CU_ASSERT_EQUAL(w.srvs[N_ROOT].rx, 1);
    CU_ASSERT_EQUAL(w.srvs[N_AUTH].rx, 1);
    CU_ASSERT_EQUAL(w.records->len, 2);
    /* a lookup cancelled alone stops its resolution: nothing is sent */
    uint64_t id = dns_resolver_lookup(r, "www.other.com", DNS_T_A, on_result, &g3);
    dns_resolver_cancel(r, id);
    sim_run_until(w.sim, SIM_S(10));
    CU_ASSERT_EQUAL(g3.calls, 0);
    CU_ASSERT_EQUAL(w.srvs[N_TLD].rx, 1);
    /* a bad name fails from a timer */
    got_clear(&g3);
    got_init(&g3, &w);
    lookup_run(&w, r, "a..b", DNS_T_A, &g3, SIM_S(11));
    CU_ASSERT_EQUAL(g3.calls, 1);
    CU_ASSERT_EQUAL(g3.failure, DNS_LOOKUP_BAD_ANSWER);
    got_clear(&g1);
    got_clear(&g2);
    got_clear(&g3);
    dns_resolver_free(r);
    world_clear(&w);
}

/* The stub on "client" forwards to the local resolver serving on port 53. */
static dns_resolver *stub_new(world *w)
{
    char *local = lit(w, N_LOCAL);
    dns_server_hint up = {"local", local};
    dns_resolver_config c = {.mode = DNS_RESOLVER_FORWARD, .upstreams = &up, .n_upstreams = 1, .seed = 9};
    dns_resolver *r = dns_resolver_new(env_of(w, N_CLIENT), &c, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    g_free(local);
    return r;
}

static void test_forward_textbook_messages(void)
{
    world w;
    world_init(&w);
    dns_resolver_config lc = {.allow_all = true};
    dns_resolver *local = local_new(&w, &lc);
    CU_ASSERT_TRUE_FATAL(dns_resolver_serve(local, 53, NULL));
    CU_ASSERT_FALSE(dns_resolver_serve(local, 53, NULL));
    dns_resolver *stub = stub_new(&w);
    got g;
    got_init(&g, &w);
    lookup_run(&w, stub, "www.example.com", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_OK);
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.80;");
    CU_ASSERT_EQUAL(g.queries, 1);
    CU_ASSERT_STRING_EQUAL(g.servers->str, "local");
    dns_resolver_stats ss, ls;
    dns_resolver_get_stats(stub, &ss);
    dns_resolver_get_stats(local, &ls);
    int messages = (int)ss.queries + (int)ls.served;
    for (int i = N_ROOT; i <= N_AUTH; i++)
        messages += w.srvs[i].rx + w.srvs[i].tx;
    CU_ASSERT_EQUAL(messages, 8); /* 2 between host and local server, 6 from it to the hierarchy */
    CU_ASSERT_EQUAL(ls.queries, 3);
    /* the time: the local server's three round trips inside the stub's one */
    sim_time_t inner = rtt(N_ROOT, 33, txlen(&w, N_ROOT, 0)) + rtt(N_TLD, 33, txlen(&w, N_TLD, 0)) +
                       rtt(N_AUTH, 33, txlen(&w, N_AUTH, 0));
    /* the local server's answer echoes the question and carries the one A: 33 + 16 bytes */
    CU_ASSERT_EQUAL(g.elapsed, one_way(N_CLIENT, N_LOCAL, 33) + inner + one_way(N_LOCAL, N_CLIENT, 49));
    /* the stub's cache answers the second time; the local server's the next stub's */
    lookup_run(&w, stub, "www.example.com", DNS_T_A, &g, SIM_S(10));
    CU_ASSERT_TRUE(g.from_cache);
    dns_resolver *stub2 = stub_new(&w);
    lookup_run(&w, stub2, "www.example.com", DNS_T_A, &g, SIM_S(15));
    CU_ASSERT_EQUAL(g.queries, 1);
    CU_ASSERT_EQUAL(g.elapsed, one_way(N_CLIENT, N_LOCAL, 33) + one_way(N_LOCAL, N_CLIENT, 49));
    CU_ASSERT_EQUAL(w.srvs[N_AUTH].rx, 1);
    /* NXDOMAIN through the chain, with the SOA */
    lookup_run(&w, stub2, "nope.example.com", DNS_T_A, &g, SIM_S(20));
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_NXDOMAIN);
    lookup_run(&w, stub2, "nope.example.com", DNS_T_A, &g, SIM_S(25));
    CU_ASSERT_TRUE(g.from_cache); /* cached negatively by the stub from the SOA */
    got_clear(&g);
    dns_resolver_free(stub);
    dns_resolver_free(stub2);
    dns_resolver_free(local);
    world_clear(&w);
}

typedef struct {
    int calls;
    bool in_call;
    bool sync;
    char *address;
    char *error;
} hook_got;

static void on_hook(void *ud, const char *address, const GError *err)
{
    hook_got *h = ud;
    h->calls++;
    h->sync = h->in_call;
    g_free(h->address);
    g_free(h->error);
    h->address = g_strdup(address);
    h->error = err ? g_strdup(err->message) : NULL;
}

static void test_host_hook(void)
{
    world w;
    world_init(&w);
    dns_resolver_config lc = {.allow_all = true};
    dns_resolver *local = local_new(&w, &lc);
    CU_ASSERT_TRUE_FATAL(dns_resolver_serve(local, 53, NULL));
    dns_resolver *stub = stub_new(&w);
    host_env *env = env_of(&w, N_CLIENT);
    host_set_resolver(env, dns_resolver_host(stub));
    hook_got h = {0};
    h.in_call = true;
    CU_ASSERT_NOT_EQUAL(host_lookup(env, "alias.example.com", on_hook, &h), 0);
    h.in_call = false;
    CU_ASSERT_EQUAL(h.calls, 0);
    sim_run_until(w.sim, SIM_S(5));
    CU_ASSERT_EQUAL(h.calls, 1);
    CU_ASSERT_STRING_EQUAL(h.address, "192.0.2.99"); /* the first A after the CNAME */
    CU_ASSERT_PTR_NULL(h.error);
    /* a cache hit: still later, from the host's event */
    sim_time_t t0 = sim_now(w.sim);
    h.in_call = true;
    host_lookup(env, "alias.example.com", on_hook, &h);
    h.in_call = false;
    CU_ASSERT_EQUAL(h.calls, 1);
    sim_run_until(w.sim, t0);
    CU_ASSERT_EQUAL(h.calls, 2);
    CU_ASSERT_FALSE(h.sync);
    CU_ASSERT_STRING_EQUAL(h.address, "192.0.2.99");
    /* NXDOMAIN is an error with the name */
    host_lookup(env, "nope.example.com", on_hook, &h);
    sim_run_until(w.sim, SIM_S(10));
    CU_ASSERT_EQUAL(h.calls, 3);
    CU_ASSERT_PTR_NULL(h.address);
    CU_ASSERT_STRING_EQUAL(h.error, "nope.example.com: NXDOMAIN");
    /* an address literal is its own answer, later too */
    h.in_call = true;
    host_lookup(env, "10.0.0.7", on_hook, &h);
    h.in_call = false;
    CU_ASSERT_EQUAL(h.calls, 3);
    sim_run_until(w.sim, SIM_S(11));
    CU_ASSERT_EQUAL(h.calls, 4);
    CU_ASSERT_FALSE(h.sync);
    CU_ASSERT_STRING_EQUAL(h.address, "10.0.0.7");
    /* cancelled: never called */
    uint64_t id = host_lookup(env, "www.other.com", on_hook, &h);
    host_lookup_cancel(env, id);
    sim_run_until(w.sim, SIM_S(15));
    CU_ASSERT_EQUAL(h.calls, 4);
    host_set_resolver(env, NULL);
    g_free(h.address);
    g_free(h.error);
    dns_resolver_free(stub);
    dns_resolver_free(local);
    world_clear(&w);
}

typedef struct {
    int count;
    dns_msg last;
} raw_inbox;

static void on_raw(void *ud, host_dgram *sock, const host_datagram *d)
{
    (void)sock;
    raw_inbox *in = ud;
    in->count++;
    dns_msg_clear(&in->last);
    CU_ASSERT_EQUAL(dns_msg_decode(d->data, d->len, &in->last), DNS_OK);
}

static void send_raw(world *w, host_dgram *s, const dns_msg *m)
{
    GByteArray *b = g_byte_array_new();
    CU_ASSERT_EQUAL(dns_msg_encode(m, 512, b, NULL), DNS_OK);
    char *to = lit(w, N_LOCAL);
    CU_ASSERT_TRUE(host_dgram_send(env_of(w, N_CLIENT), s, to, 53, b->data, b->len, 0, NULL));
    g_free(to);
    g_byte_array_unref(b);
}

typedef struct {
    int calls;
    char *joined; /* the records' data joined by "|" */
    char *error;
} records_got;

static void on_records(void *ud, const char *const *data, size_t n, const GError *err)
{
    records_got *g = ud;
    g->calls++;
    g_free(g->joined);
    g_free(g->error);
    GString *j = g_string_new(NULL);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(j, "%s%s", i ? "|" : "", data[i]);
    g->joined = g_string_free(j, FALSE);
    g->error = err ? g_strdup(err->message) : NULL;
}

/* The seam's record lookups (a mail server's MX): the data of the
 * records of the type asked, in order; none (NODATA); an error (NXDOMAIN);
 * an unknown type is refused at once. */
static void test_host_record_lookups(void)
{
    world w;
    world_init(&w);
    entry *e = add_entry(&w, N_AUTH, "example.com", DNS_T_MX, false);
    e->reply.aa = true;
    dns_rr *mx = add_rr(&e->reply, DNS_SEC_ANSWER, "example.com", DNS_T_MX, 3600);
    mx->pref = 10;
    mx->target = g_strdup("mail.example.com");
    mx = add_rr(&e->reply, DNS_SEC_ANSWER, "example.com", DNS_T_MX, 3600);
    mx->pref = 20;
    mx->target = g_strdup("backup.example.com");
    e = add_entry(&w, N_AUTH, "www.example.com", DNS_T_MX, false);
    e->reply.aa = true;
    add_soa(&e->reply, "example.com", 3600, 600);
    dns_resolver_config lc = {.allow_all = true};
    dns_resolver *local = local_new(&w, &lc);
    CU_ASSERT_TRUE_FATAL(dns_resolver_serve(local, 53, NULL));
    dns_resolver *stub = stub_new(&w);
    host_env *env = env_of(&w, N_CLIENT);
    records_got g = {0};
    /* without a resolver: 0, nothing to wait for */
    CU_ASSERT_EQUAL(host_lookup_records(env, "example.com", "MX", on_records, &g), 0);
    host_set_resolver(env, dns_resolver_host(stub));
    CU_ASSERT_EQUAL(host_lookup_records(env, "example.com", "NOPE", on_records, &g), 0);
    CU_ASSERT_NOT_EQUAL(host_lookup_records(env, "example.com", "mx", on_records, &g), 0);
    CU_ASSERT_EQUAL(g.calls, 0);
    sim_run_until(w.sim, SIM_S(5));
    CU_ASSERT_EQUAL(g.calls, 1);
    CU_ASSERT_STRING_EQUAL(g.joined, "10 mail.example.com.|20 backup.example.com.");
    CU_ASSERT_PTR_NULL(g.error);
    host_lookup_records(env, "www.example.com", "MX", on_records, &g);
    sim_run_until(w.sim, SIM_S(10));
    CU_ASSERT_EQUAL(g.calls, 2);
    CU_ASSERT_STRING_EQUAL(g.joined, "");
    CU_ASSERT_PTR_NULL(g.error);
    host_lookup_records(env, "nope.example.com", "MX", on_records, &g);
    sim_run_until(w.sim, SIM_S(15));
    CU_ASSERT_EQUAL(g.calls, 3);
    CU_ASSERT_STRING_EQUAL(g.error, "nope.example.com: NXDOMAIN");
    host_set_resolver(env, NULL);
    g_free(g.joined);
    g_free(g.error);
    dns_resolver_free(stub);
    dns_resolver_free(local);
    world_clear(&w);
}

static void test_serve_refuses_and_answers(void)
{
    world w;
    world_init(&w);
    dns_resolver *local = local_new(&w, NULL); /* default allow list: loopback only */
    CU_ASSERT_TRUE_FATAL(dns_resolver_serve(local, 53, NULL));
    raw_inbox in = {0};
    dns_msg_init(&in.last);
    host_dgram *s = host_dgram_open(env_of(&w, N_CLIENT), 0, on_raw, &in, NULL);
    dns_msg q;
    dns_msg_init(&q);
    q.id = 0xBEEF;
    q.rd = true;
    dns_msg_set_question(&q, "www.Example.com", DNS_T_A, DNS_CLASS_IN);
    send_raw(&w, s, &q);
    sim_run_until(w.sim, SIM_S(5));
    CU_ASSERT_EQUAL_FATAL(in.count, 1);
    CU_ASSERT_EQUAL(in.last.rcode, DNS_RCODE_REFUSED);
    CU_ASSERT_EQUAL(in.last.id, 0xBEEF);
    CU_ASSERT_TRUE(in.last.qr);
    CU_ASSERT_STRING_EQUAL(in.last.qname, "www.Example.com");
    CU_ASSERT_EQUAL(dns_msg_count(&in.last, DNS_SEC_ANSWER), 0);
    CU_ASSERT_EQUAL(w.srvs[N_ROOT].rx, 0); /* nothing was resolved for it */
    dns_resolver_free(local);

    /* allowed by prefix: answered, the id and question echoed, RA set */
    char *client = lit(&w, N_CLIENT);
    const char *allow[] = {client};
    dns_resolver_config c = {.allow = allow, .n_allow = 1};
    local = local_new(&w, &c);
    CU_ASSERT_TRUE_FATAL(dns_resolver_serve(local, 53, NULL));
    send_raw(&w, s, &q);
    sim_run_until(w.sim, SIM_S(10));
    CU_ASSERT_EQUAL_FATAL(in.count, 2);
    CU_ASSERT_EQUAL(in.last.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_EQUAL(in.last.id, 0xBEEF);
    CU_ASSERT_TRUE(in.last.ra);
    CU_ASSERT_TRUE(in.last.rd);
    CU_ASSERT_STRING_EQUAL(in.last.qname, "www.Example.com");
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&in.last, DNS_SEC_ANSWER), 1);
    CU_ASSERT_EQUAL(dns_msg_rr(&in.last, DNS_SEC_ANSWER, 0)->addr[3], 80);
    /* without RD: REFUSED; a response: dropped; garbage: dropped */
    q.rd = false;
    send_raw(&w, s, &q);
    sim_run_until(w.sim, SIM_S(15));
    CU_ASSERT_EQUAL_FATAL(in.count, 3);
    CU_ASSERT_EQUAL(in.last.rcode, DNS_RCODE_REFUSED);
    q.qr = true;
    send_raw(&w, s, &q);
    char *to = lit(&w, N_LOCAL);
    CU_ASSERT_TRUE(host_dgram_send(env_of(&w, N_CLIENT), s, to, 53, "xy", 2, 0, NULL));
    sim_run_until(w.sim, SIM_S(20));
    CU_ASSERT_EQUAL(in.count, 3);
    dns_resolver_stats st;
    dns_resolver_get_stats(local, &st);
    CU_ASSERT_EQUAL(st.served, 1);
    CU_ASSERT_EQUAL(st.refused, 1);
    CU_ASSERT_EQUAL(st.dropped, 2);
    dns_resolver_free(local);

    /* at most max_clients queries in progress: the second is dropped */
    dns_resolver_config c1 = {.allow_all = true, .max_clients = 1};
    local = local_new(&w, &c1);
    CU_ASSERT_TRUE_FATAL(dns_resolver_serve(local, 53, NULL));
    q.qr = false;
    q.rd = true;
    send_raw(&w, s, &q);
    q.id = 0xCAFE;
    send_raw(&w, s, &q);
    sim_run_until(w.sim, SIM_S(25));
    CU_ASSERT_EQUAL(in.count, 4);
    CU_ASSERT_EQUAL(in.last.id, 0xBEEF);
    dns_resolver_get_stats(local, &st);
    CU_ASSERT_EQUAL(st.served, 1);
    CU_ASSERT_EQUAL(st.dropped, 1);
    g_free(to);
    g_free(client);
    dns_msg_clear(&q);
    dns_msg_clear(&in.last);
    host_dgram_close(env_of(&w, N_CLIENT), s);
    dns_resolver_free(local);
    world_clear(&w);
}

static void test_cname_loop_capped(void)
{
    world w;
    world_init(&w);
    entry *e = add_entry(&w, N_AUTH, "c1.example.com", 0, false);
    add_target(&e->reply, DNS_SEC_ANSWER, "c1.example.com", DNS_T_CNAME, "c2.example.com", 600);
    e = add_entry(&w, N_AUTH, "c2.example.com", 0, false);
    add_target(&e->reply, DNS_SEC_ANSWER, "c2.example.com", DNS_T_CNAME, "c1.example.com", 600);
    dns_resolver *r = local_new(&w, NULL);
    got g;
    got_init(&g, &w);
    lookup_run(&w, r, "c1.example.com", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_TOO_MUCH_WORK);
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_SERVFAIL);
    CU_ASSERT_EQUAL(g.queries, 4); /* root, com, c1, c2; then round the cache to the cap */
    CU_ASSERT_TRUE(g_str_has_prefix(g_ptr_array_index(w.records, 0), "c1.example.com,A,TOO_MUCH_WORK,0,4,"));
    local_end(&w, r, &g);
}

static void test_out_of_bailiwick_glue(void)
{
    world w;
    world_init(&w);
    /* com's server gives glue for a name under net: a lie it has no say in */
    entry *e = add_referral(&w, N_TLD, "badglue.com", "ns.cdn.net", -1);
    add_a(&e->reply, DNS_SEC_ADDITIONAL, "ns.cdn.net", "6.6.6.6", 172800);
    char *a2 = lit(&w, N_AUTH2);
    add_answer_a(&w, N_AUTH2, "ns.cdn.net", a2, 3600);
    add_answer_a(&w, N_AUTH2, "www.badglue.com", "192.0.2.66", 300);
    dns_resolver *r = local_new(&w, NULL);
    got g;
    got_init(&g, &w);
    lookup_run(&w, r, "www.badglue.com", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.66;");
    /* ns.cdn.net was looked up (root, TLD for net, then its own server) */
    CU_ASSERT_STRING_EQUAL(g.servers->str, "a.root-servers.net;a.gtld-servers.net;a.root-servers.net;"
                                           "a.gtld-servers.net;ns.cdn.net;ns.cdn.net");
    GArray *out = dns_cache_rr_array_new();
    CU_ASSERT_EQUAL(dns_cache_peek(dns_resolver_cache(r), sim_now(w.sim), "ns.cdn.net", DNS_T_A, out), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL_FATAL(out->len, 1);
    char text[32];
    const dns_rr *rr = &g_array_index(out, dns_rr, 0);
    snprintf(text, sizeof text, "%u.%u.%u.%u", rr->addr[0], rr->addr[1], rr->addr[2], rr->addr[3]);
    CU_ASSERT_STRING_EQUAL(text, a2);
    g_array_unref(out);
    g_free(a2);
    local_end(&w, r, &g);
}

static void test_bad_answers(void)
{
    world w;
    world_init(&w);
    add_ns2(&w);
    /* ns1 answers SERVFAIL: ns2 is asked at once, without waiting */
    entry *e = find_entry(&w.srvs[N_AUTH], &(dns_msg){.qname = "www.example.com", .qtype = DNS_T_A});
    e->reply.rcode = DNS_RCODE_SERVFAIL;
    /* the TLD first sends two malformed datagrams (bad labels, no content) */
    w.srvs[N_TLD].garbage = true;
    dns_resolver *r = local_new(&w, NULL);
    got g;
    got_init(&g, &w);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, SIM_S(5));
    CU_ASSERT_STRING_EQUAL(g.answer->str, "A 192.0.2.82;");
    CU_ASSERT_STRING_EQUAL(g.servers->str, "a.root-servers.net;a.gtld-servers.net;ns1.example.com;ns2.example.com");
    sim_time_t want = rtt(N_ROOT, 33, txlen(&w, N_ROOT, 0)) + rtt(N_TLD, 33, txlen(&w, N_TLD, 0)) +
                      rtt(N_AUTH, 33, txlen(&w, N_AUTH, 0)) + rtt(N_NS2, 33, txlen(&w, N_NS2, 0));
    /* the TLD's answer waits on its link behind the two bad datagrams
     * (14 and 40 bytes, plus headers); no timeout is waited for */
    want += sim_tx_time(14 + UDP_HDR, node_rate[N_TLD]) + sim_tx_time(40 + UDP_HDR, node_rate[N_TLD]);
    CU_ASSERT_EQUAL(g.elapsed, want);
    dns_resolver_stats st;
    dns_resolver_get_stats(r, &st);
    CU_ASSERT_EQUAL(st.ignored, 2);
    dns_resolver_free(r);

    /* both fail (SERVFAIL, then a lame answer: no records, no SOA): SERVFAIL */
    entry *e2 = find_entry(&w.srvs[N_NS2], &(dns_msg){.qname = "www.example.com", .qtype = DNS_T_A});
    dns_msg_clear(&e2->reply);
    r = local_new(&w, NULL);
    lookup_run(&w, r, "www.example.com", DNS_T_A, &g, sim_now(w.sim) + SIM_S(5));
    CU_ASSERT_EQUAL(g.failure, DNS_LOOKUP_SERVFAIL);
    CU_ASSERT_EQUAL(g.rcode, DNS_RCODE_SERVFAIL);
    CU_ASSERT_EQUAL(g.queries, 4);
    local_end(&w, r, &g);
}

static void test_ids_from_the_seed(void)
{
    GArray *runs[3];
    for (int k = 0; k < 3; k++) {
        world w;
        world_init(&w);
        char *root = lit(&w, N_ROOT);
        dns_server_hint hint = {"a.root-servers.net", root};
        dns_resolver_config c = {.roots = &hint, .n_roots = 1, .seed = k == 2 ? 8 : 7};
        dns_resolver *r = dns_resolver_new(env_of(&w, N_LOCAL), &c, NULL);
        got g;
        got_init(&g, &w);
        lookup_run(&w, r, "www.example.com", DNS_T_A, &g, SIM_S(5));
        CU_ASSERT_EQUAL(g.queries, 3);
        runs[k] = g_array_new(FALSE, FALSE, sizeof(uint16_t));
        for (int n = N_ROOT; n <= N_AUTH; n++)
            g_array_append_vals(runs[k], w.srvs[n].ids->data, w.srvs[n].ids->len);
        got_clear(&g);
        g_free(root);
        dns_resolver_free(r);
        world_clear(&w);
    }
    CU_ASSERT_EQUAL_FATAL(runs[0]->len, 3);
    CU_ASSERT_EQUAL(memcmp(runs[0]->data, runs[1]->data, 6), 0); /* same seed, same ids */
    CU_ASSERT_NOT_EQUAL(memcmp(runs[0]->data, runs[2]->data, 6), 0);
    /* each question has its own id */
    uint16_t *ids = (uint16_t *)(void *)runs[0]->data;
    CU_ASSERT_TRUE(ids[0] != ids[1] && ids[1] != ids[2]);
    for (int k = 0; k < 3; k++)
        g_array_unref(runs[k]);
}

static void test_pending_cap(void)
{
    world w;
    world_init(&w);
    dns_resolver_config c = {.max_pending = 1};
    dns_resolver *r = local_new(&w, &c);
    got g1, g2, g3;
    got_init(&g1, &w);
    got_init(&g2, &w);
    got_init(&g3, &w);
    dns_resolver_lookup(r, "www.example.com", DNS_T_A, on_result, &g1);
    dns_resolver_lookup(r, "www.example.com", DNS_T_A, on_result, &g3); /* shares: no new resolution */
    dns_resolver_lookup(r, "www2.example.com", DNS_T_A, on_result, &g2);
    sim_run_until(w.sim, SIM_S(5));
    CU_ASSERT_EQUAL(g1.failure, DNS_LOOKUP_OK);
    CU_ASSERT_EQUAL(g3.failure, DNS_LOOKUP_OK);
    CU_ASSERT_EQUAL(g2.calls, 1);
    CU_ASSERT_EQUAL(g2.failure, DNS_LOOKUP_TOO_MUCH_WORK);
    CU_ASSERT_EQUAL(g2.elapsed, 0);
    /* once the first is done there is room again */
    lookup_run(&w, r, "www2.example.com", DNS_T_A, &g2, SIM_S(10));
    CU_ASSERT_EQUAL(g2.failure, DNS_LOOKUP_OK);
    got_clear(&g1);
    got_clear(&g2);
    got_clear(&g3);
    dns_resolver_free(r);
    world_clear(&w);
}

static void test_config_errors(void)
{
    world w;
    world_init(&w);
    GError *err = NULL;
    dns_resolver_config c = {.mode = DNS_RESOLVER_ITERATIVE};
    CU_ASSERT_PTR_NULL(dns_resolver_new(env_of(&w, N_LOCAL), &c, &err));
    CU_ASSERT_TRUE(g_error_matches(err, DNS_RESOLVER_ERROR, DNS_RESOLVER_ERROR_CONFIG));
    g_clear_error(&err);
    c.mode = DNS_RESOLVER_FORWARD;
    CU_ASSERT_PTR_NULL(dns_resolver_new(env_of(&w, N_LOCAL), &c, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    world_clear(&w);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_iterative_three_queries),
        TEST(test_nxdomain_cached),
        TEST(test_cname_other_zone_and_bailiwick),
        TEST(test_referral_without_glue),
        TEST(test_retransmission),
        TEST(test_deadline),
        TEST(test_spoofed_answers_ignored),
        TEST(test_referral_loop_capped),
        TEST(test_tc_retries_over_tcp),
        TEST(test_shared_and_cancelled),
        TEST(test_forward_textbook_messages),
        TEST(test_host_hook),
        TEST(test_host_record_lookups),
        TEST(test_serve_refuses_and_answers),
        TEST(test_cname_loop_capped),
        TEST(test_out_of_bailiwick_glue),
        TEST(test_bad_answers),
        TEST(test_ids_from_the_seed),
        TEST(test_pending_cap),
        TEST(test_config_errors),
    };
    return test_main("dns_resolver", tests, G_N_ELEMENTS(tests));
}
