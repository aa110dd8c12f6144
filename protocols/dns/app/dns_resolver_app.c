/*
 * dns_resolver_app: the "dns-resolver" application type — the local DNS
 * server of Kurose & Ross (iterative, or forwarding to a server that
 * recurses), the stub resolvers it installs on its client hosts (through
 * which browsers look names up), its cache's state at time 0, the
 * lookups' table dns.csv, and the textbook's formulas:
 *
 * - dns-lookup: one lookup of `lookup` (default: the first name of
 *   `warm`) from the first client, RTT1 + ... + RTTn of problems 7 and 8,
 *   each exchange counted from the real messages' sizes (built from the
 *   scenario's zones and encoded as the resolvers encode them) on the
 *   real paths: sum over the exchanges of (query across + answer back),
 *   each datagram crossing every hop (transmission + propagation).
 * - dns-ttl-hit-rate: the hit rate of a TTL cache under the scenario's
 *   dns-workload (Poisson lookups, Zipf names): an entry lives T after
 *   each miss, so a name of rate l_i hits l_i T / (1 + l_i T) of its
 *   lookups (Jung, Berger and Balakrishnan, "Modeling TTL-based Internet
 *   caches", INFOCOM 2003); the whole is sum_i p_i l_i T / (1 + l_i T).
 */
#include <math.h>
#include <string.h>

#include "dns_apps.h"
#include "protocols/dns/dns_auth.h"
#include "protocols/dns/dns_resolver.h"

typedef enum { STATE_COLD, STATE_TLD, STATE_ZONE, STATE_ALL } cache_state;

typedef struct {
    int mode;              /* DNS_RESOLVER_ITERATIVE or DNS_RESOLVER_FORWARD */
    GPtrArray *roots;      /* of char*: nodes (NULL: every root dns-server) */
    char *forward_to;
    int64_t port;
    GPtrArray *clients;    /* of char*: nodes (NULL: the default) */
    int64_t cache_size;
    int64_t max_ttl;       /* ns */
    bool stub_cache;
    int64_t timeout;       /* ns */
    int64_t tries;
    int cache_state;
    GPtrArray *warm;       /* of char*: names (canonical) */
    char *lookup;          /* the name of the dns-lookup formula (NULL: warm[0]) */
} resolver_spec;

static const char *const modes[] = {"iterative", "forward", NULL};
static const char *const states[] = {"cold", "tld", "zone", "all", NULL};

static void read_nodes(app_reader *r, const char *key, void *field)
{
    app_reader_hosts(r, key, "[\"client1\", \"client2\"]", field);
}

static void read_names(app_reader *r, const char *key, void *field)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    *(GPtrArray **)field = out;
    int n = app_reader_enter_list(r, key, "a list of domain names like [\"www.example.com\"]");
    if (n < 0)
        return;
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        const char *s = app_reader_string(r);
        GError *e = NULL;
        char *c = s ? dns_name_canon(s, &e) : NULL;
        if (!s)
            app_reader_fail_expected(r, NULL, "a domain name like \"www.example.com\"");
        else if (!c)
            app_reader_fail(r, NULL, "%s", e->message);
        else
            g_ptr_array_add(out, c);
        g_clear_error(&e);
        app_reader_leave(r);
    }
    app_reader_leave(r);
}

static const app_key resolver_keys[] = {
    {.name = "mode", .kind = APP_KEY_CHOICE, .offset = offsetof(resolver_spec, mode), .def = 0, .choices = modes,
     .expected = "\"iterative\" or \"forward\""},
    {.name = "roots", .kind = APP_KEY_CUSTOM, .offset = offsetof(resolver_spec, roots), .read = read_nodes},
    {.name = "forward_to", .kind = APP_KEY_NODE, .offset = offsetof(resolver_spec, forward_to)},
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(resolver_spec, port), .def = 53, .lo = 1, .hi = 65535,
     .expected = "a port from 1 to 65535"},
    {.name = "clients", .kind = APP_KEY_CUSTOM, .offset = offsetof(resolver_spec, clients), .read = read_nodes},
    {.name = "cache_size", .kind = APP_KEY_INT, .offset = offsetof(resolver_spec, cache_size), .def = 10000, .lo = 1,
     .hi = 10000000, .expected = "a number of entries from 1 to 10000000"},
    {.name = "max_ttl", .kind = APP_KEY_TIME, .offset = offsetof(resolver_spec, max_ttl), .def = 86400e9,
     .lo = 1e9, .hi = 2147483647e9},
    {.name = "stub_cache", .kind = APP_KEY_BOOL, .offset = offsetof(resolver_spec, stub_cache), .def = 1},
    {.name = "timeout", .kind = APP_KEY_TIME, .offset = offsetof(resolver_spec, timeout), .def = 1e9, .lo = 1e6,
     .hi = 60e9},
    {.name = "tries", .kind = APP_KEY_INT, .offset = offsetof(resolver_spec, tries), .def = 2, .lo = 1, .hi = 10,
     .expected = "a whole number of tries from 1 to 10"},
    {.name = "cache_state", .kind = APP_KEY_CHOICE, .offset = offsetof(resolver_spec, cache_state), .def = 0,
     .choices = states, .expected = "\"cold\", \"tld\", \"zone\" or \"all\""},
    {.name = "warm", .kind = APP_KEY_CUSTOM, .offset = offsetof(resolver_spec, warm), .read = read_names},
    {.name = "lookup", .kind = APP_KEY_STRING, .offset = offsetof(resolver_spec, lookup)},
    {0}};

static void resolver_check(app_reader *r, void *cfg)
{
    resolver_spec *s = cfg;
    if (s->mode == DNS_RESOLVER_FORWARD && !s->forward_to)
        app_reader_fail(r, "forward_to", "missing: a resolver in \"forward\" mode needs \"forward_to\", the node "
                                         "it sends its queries to");
    if (s->mode == DNS_RESOLVER_ITERATIVE && s->forward_to)
        app_reader_fail(r, "forward_to", "only with \"mode\": \"forward\"");
    if (s->cache_state != STATE_COLD && (!s->warm || s->warm->len == 0))
        app_reader_fail(r, "warm", "missing: \"cache_state\" applies to the names of \"warm\", which has none");
    if (s->lookup) {
        GError *e = NULL;
        char *c = dns_name_canon(s->lookup, &e);
        if (!c) {
            app_reader_fail(r, "lookup", "%s", e->message);
            g_error_free(e);
        }
        g_free(s->lookup);
        s->lookup = c;
    }
}

static void resolver_clear(void *cfg)
{
    resolver_spec *s = cfg;
    if (s->roots)
        g_ptr_array_free(s->roots, TRUE);
    if (s->clients)
        g_ptr_array_free(s->clients, TRUE);
    if (s->warm)
        g_ptr_array_free(s->warm, TRUE);
}

/* ---- the scenario's DNS, seen from the zones ----------------------------------------- */

static bool is_dns_type(const app_spec *a)
{
    return !strcmp(a->type->type, "dns-server") || !strcmp(a->type->type, "dns-resolver");
}

/* True when dns-server `a` serves the root zone. */
static bool serves_root(const app_spec *a)
{
    const dns_server_spec *s = a->cfg;
    for (guint i = 0; i < s->zones->len; i++) {
        const char *o = g_array_index(s->zones, dns_zone_spec, i).origin;
        if (!strcmp(o, ".") || !*o)
            return true;
    }
    return false;
}

/* The dns-server whose node has address `addr`, or NULL. */
static const app_spec *server_at(const app_world *w, const char *addr)
{
    for (guint i = 0; app_world_app(w, i); i++) {
        const app_spec *a = app_world_app(w, i);
        char ip[16];
        if (!strcmp(a->type->type, "dns-server") && app_world_node_address(w, a->host, ip) && !strcmp(ip, addr))
            return a;
    }
    return NULL;
}

/* One exchange of a lookup: a query from node `from` to the server on
 * node `to`, and its answer. */
typedef struct {
    const char *from, *to;
    size_t query_len, answer_len; /* DNS message bytes */
    dns_msg answer;
} walk_step;

#define WALK_MAX 16

/* The query a resolver sends (dns_resolver_query_msg). */
static size_t encoded_len(const dns_msg *m)
{
    GByteArray *b = g_byte_array_new();
    bool trunc = false;
    size_t n = dns_msg_encode(m, DNS_MSG_MAX, b, &trunc) == DNS_OK ? b->len : 0;
    g_byte_array_unref(b);
    return n;
}

/* Walks the scenario's zones for (name, A) from the first root server
 * down, as a cold iterative resolver on `from` would, or (recursive)
 * along the servers' own relays: fills `steps` (at most WALK_MAX) and
 * returns their number, -1 when the walk does not reach an answer. */
static int walk(const app_world *w, const char *from, const app_spec *first, bool recursive, const char *name,
                walk_step *steps)
{
    int n = 0;
    const app_spec *srv = first;
    const char *asker = from;
    while (srv && n < WALK_MAX) {
        GError *e = NULL;
        dns_auth *auth = dns_app_server_auth(w, srv, &e);
        if (!auth) {
            g_clear_error(&e);
            return -1;
        }
        dns_msg q;
        dns_msg_init(&q);
        dns_resolver_query_msg(&q, name, DNS_T_A, recursive);
        if (recursive && n > 0) {
            /* a server relaying asks with EDNS (dns_server.h) */
            q.edns = true;
            q.edns_udp_size = (uint16_t)((const dns_server_spec *)first->cfg)->udp_size;
        }
        walk_step *st = &steps[n++];
        st->from = asker;
        st->to = srv->host;
        st->query_len = encoded_len(&q);
        dns_msg_init(&st->answer);
        dns_auth_answer(auth, &q, &st->answer);
        dns_msg_clear(&q);
        dns_auth_free(auth);
        st->answer_len = encoded_len(&st->answer);
        if (st->answer.rcode != DNS_RCODE_NOERROR || dns_msg_count(&st->answer, DNS_SEC_ANSWER) > 0)
            return n;
        /* a referral: the first name server with an address in the glue */
        const app_spec *next = NULL;
        for (guint i = 0; !next && i < dns_msg_count(&st->answer, DNS_SEC_ADDITIONAL); i++) {
            const dns_rr *g = dns_msg_rr(&st->answer, DNS_SEC_ADDITIONAL, i);
            if (g->type != DNS_T_A)
                continue;
            char *ip = dns_rr_addr_text(g);
            next = server_at(w, ip);
            g_free(ip);
        }
        if (recursive)
            asker = srv->host;
        srv = next;
    }
    return -1;
}

static void walk_clear(walk_step *steps, int n)
{
    for (int i = 0; i < n; i++)
        dns_msg_clear(&steps[i].answer);
}

/* ---- running ------------------------------------------------------------------------- */

typedef struct {
    app_world *w;
    const app_spec *spec;
    dns_resolver *local;
    GPtrArray *stubs;      /* of dns_resolver*, one per client */
    GPtrArray *client_envs; /* of host_env*, parallel to stubs */
} resolver_inst;

static uint64_t seed_of(const app_world *w, const app_spec *a, guint k)
{
    return app_world_seed(w) ^ (UINT64_C(0x9e3779b97f4a7c15) * (a->index + 1)) ^ (UINT64_C(0xbf58476d1ce4e5b9) * k);
}

/* The root hints: the `roots` nodes, or every dns-server with the root zone. */
static GArray *root_hints(const app_world *w, const resolver_spec *s, GPtrArray *keep)
{
    GArray *h = g_array_new(FALSE, TRUE, sizeof(dns_server_hint));
    for (guint i = 0; app_world_app(w, i); i++) {
        const app_spec *a = app_world_app(w, i);
        if (strcmp(a->type->type, "dns-server"))
            continue;
        bool take = false;
        if (s->roots) {
            for (guint k = 0; k < s->roots->len && !take; k++)
                take = !strcmp(g_ptr_array_index(s->roots, k), a->host);
        } else {
            take = serves_root(a);
        }
        char ip[16];
        if (take && app_world_node_address(w, a->host, ip)) {
            char *addr = g_strdup(ip);
            g_ptr_array_add(keep, addr);
            dns_server_hint hint = {a->host, addr};
            g_array_append_val(h, hint);
        }
    }
    return h;
}

/* The client hosts: `clients`, or every host running an application
 * other than a DNS one (the resolver's own host aside), in "apps" order. */
static GPtrArray *client_hosts(const app_world *w, const app_spec *self)
{
    const resolver_spec *s = self->cfg;
    GPtrArray *out = g_ptr_array_new();
    if (s->clients) {
        for (guint i = 0; i < s->clients->len; i++)
            g_ptr_array_add(out, g_ptr_array_index(s->clients, i));
        return out;
    }
    for (guint i = 0; app_world_app(w, i); i++) {
        const app_spec *a = app_world_app(w, i);
        if (is_dns_type(a) || !strcmp(a->host, self->host))
            continue;
        bool dup = false;
        for (guint k = 0; k < out->len && !dup; k++)
            dup = !strcmp(g_ptr_array_index(out, k), a->host);
        if (!dup)
            g_ptr_array_add(out, a->host);
    }
    return out;
}

/* Fills the local cache as earlier lookups of the `warm` names would
 * have left it (cache_state). */
static void prewarm(const app_world *w, const app_spec *a, dns_resolver *local, int64_t now)
{
    const resolver_spec *s = a->cfg;
    GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
    GArray *hints = root_hints(w, s, keep);
    const app_spec *root = hints->len ? server_at(w, g_array_index(hints, dns_server_hint, 0).address) : NULL;
    dns_cache *c = dns_resolver_cache(local);
    for (guint k = 0; root && k < s->warm->len; k++) {
        walk_step steps[WALK_MAX];
        int n = walk(w, a->host, root, false, g_ptr_array_index(s->warm, k), steps);
        /* step i's referral is what a resolver knows after asking server i */
        int upto = s->cache_state == STATE_TLD ? 1 : s->cache_state == STATE_ZONE ? 2 : n;
        for (int i = 0; i < n && i < upto; i++) {
            const dns_msg *m = &steps[i].answer;
            for (int sec = 0; sec < DNS_SEC__COUNT; sec++) {
                /* one RRset per (owner, type), as the resolver caches them */
                guint cnt = dns_msg_count(m, (dns_section)sec);
                for (guint j = 0; j < cnt; j++) {
                    const dns_rr *rr = dns_msg_rr(m, (dns_section)sec, j);
                    GArray *set = g_array_new(FALSE, TRUE, sizeof(dns_rr));
                    bool first = true;
                    for (guint q = 0; q < cnt && first; q++) {
                        const dns_rr *o = dns_msg_rr(m, (dns_section)sec, q);
                        if (o->type == rr->type && dns_name_eq(o->name, rr->name)) {
                            if (q < j)
                                first = false; /* this RRset was put already */
                            else
                                g_array_append_val(set, *o);
                        }
                    }
                    if (first && rr->type != DNS_T_SOA)
                        dns_cache_put_rrset(c, now, (const dns_rr *)set->data, set->len,
                                            sec == DNS_SEC_ANSWER ? DNS_TRUST_ANSWER : DNS_TRUST_GLUE);
                    g_array_free(set, TRUE); /* the records are borrowed from m */
                }
            }
        }
        walk_clear(steps, n > 0 ? n : 0);
    }
    g_array_free(hints, TRUE);
    g_ptr_array_free(keep, TRUE);
}

static void cfg_common(dns_resolver_config *c, const resolver_spec *s)
{
    memset(c, 0, sizeof *c);
    c->server_port = 53;
    c->timeout_ns = s->timeout;
    c->tries = (unsigned)s->tries;
    c->record = true;
    c->allow_all = true;
    c->cache.max_ttl_s = (uint32_t)(s->max_ttl / 1000000000);
}

static void resolver_free(void *p);

static void *resolver_start(app_world *w, const app_spec *a, GError **err)
{
    const resolver_spec *s = a->cfg;
    resolver_inst *in = g_new0(resolver_inst, 1);
    in->w = w;
    in->spec = a;
    in->stubs = g_ptr_array_new();
    in->client_envs = g_ptr_array_new();
    host_env *env = app_world_host(w, a->host);
    GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
    dns_resolver_config c;
    cfg_common(&c, s);
    c.mode = s->mode == 1 ? DNS_RESOLVER_FORWARD : DNS_RESOLVER_ITERATIVE;
    c.cache.max_entries = (uint32_t)s->cache_size;
    c.seed = seed_of(w, a, 0);
    GArray *hints = NULL;
    dns_server_hint up = {0};
    char ip[16];
    if (c.mode == DNS_RESOLVER_ITERATIVE) {
        hints = root_hints(w, s, keep);
        if (hints->len == 0) {
            g_set_error(err, APP_ERROR, APP_ERROR_START,
                        "no root server: no dns-server serves the root zone (\"origin\": \".\"); "
                        "add one or name them in \"roots\"");
            goto fail;
        }
        c.roots = (const dns_server_hint *)hints->data;
        c.n_roots = hints->len;
    } else {
        app_world_node_address(w, s->forward_to, ip);
        up.name = s->forward_to;
        up.address = ip;
        c.upstreams = &up;
        c.n_upstreams = 1;
    }
    in->local = dns_resolver_new(env, &c, err);
    if (!in->local || !dns_resolver_serve(in->local, (uint16_t)s->port, err))
        goto fail;
    if (s->cache_state != STATE_COLD)
        prewarm(w, a, in->local, host_now(env));
    /* the stubs of the clients, asking this server */
    char self_ip[16];
    app_world_node_address(w, a->host, self_ip);
    dns_server_hint local_hint = {a->host, self_ip};
    GPtrArray *clients = client_hosts(w, a);
    for (guint i = 0; i < clients->len; i++) {
        const char *h = g_ptr_array_index(clients, i);
        host_env *cenv = app_world_host(w, h);
        if (cenv->resolver) {
            g_set_error(err, APP_ERROR, APP_ERROR_START,
                        "host \"%s\" is a client of two dns-resolvers: name each one's \"clients\"", h);
            g_ptr_array_free(clients, TRUE);
            goto fail;
        }
        dns_resolver_config sc;
        cfg_common(&sc, s);
        sc.mode = DNS_RESOLVER_FORWARD;
        sc.upstreams = &local_hint;
        sc.n_upstreams = 1;
        sc.server_port = (uint16_t)s->port;
        sc.cache.disabled = !s->stub_cache;
        sc.seed = seed_of(w, a, i + 1);
        dns_resolver *stub = dns_resolver_new(cenv, &sc, err);
        if (!stub) {
            g_ptr_array_free(clients, TRUE);
            goto fail;
        }
        host_set_resolver(cenv, dns_resolver_host(stub));
        g_ptr_array_add(in->stubs, stub);
        g_ptr_array_add(in->client_envs, cenv);
    }
    g_ptr_array_free(clients, TRUE);
    if (hints)
        g_array_free(hints, TRUE);
    g_ptr_array_free(keep, TRUE);
    return in;
fail:
    if (hints)
        g_array_free(hints, TRUE);
    g_ptr_array_free(keep, TRUE);
    resolver_free(in);
    return NULL;
}

static void resolver_free(void *p)
{
    resolver_inst *in = p;
    for (guint i = 0; i < in->stubs->len; i++) {
        host_set_resolver(g_ptr_array_index(in->client_envs, i), NULL);
        dns_resolver_free(g_ptr_array_index(in->stubs, i));
    }
    g_ptr_array_free(in->stubs, TRUE);
    g_ptr_array_free(in->client_envs, TRUE);
    if (in->local)
        dns_resolver_free(in->local);
    g_free(in);
}

/* ---- results ----------------------------------------------------------------------------- */

/* Sums over the "dns-lookup" records (dns.csv) of the clients and of the
 * local server. */
typedef struct {
    const char *local_host;
    uint64_t client_lookups, client_hits, client_failed, client_queries;
    double client_time;
    uint64_t local_lookups, local_hits, local_queries;
    double local_time;
    uint64_t server_queries; /* "dns-query" records: queries the authoritative servers received */
} lookup_sums;

static void sum_lookup(void *ud, const char *host, int64_t t_ns, const char *text)
{
    (void)t_ns;
    lookup_sums *s = ud;
    /* name,type,result,from_cache,queries,servers,cache_hits,elapsed_s */
    gchar **f = g_strsplit(text, ",", 9);
    if (g_strv_length(f) == 8) {
        bool ok = !strcmp(f[2], "NOERROR") || !strcmp(f[2], "NXDOMAIN");
        bool hit = !strcmp(f[3], "1");
        uint64_t q = g_ascii_strtoull(f[4], NULL, 10);
        double el = g_ascii_strtod(f[7], NULL);
        if (!strcmp(host, s->local_host)) {
            s->local_lookups++;
            s->local_hits += hit;
            s->local_queries += q;
            s->local_time += el;
        } else {
            s->client_lookups++;
            s->client_hits += hit;
            s->client_failed += !ok;
            s->client_queries += q;
            s->client_time += el;
        }
    }
    g_strfreev(f);
}

static void count_query(void *ud, const char *host, int64_t t_ns, const char *text)
{
    (void)host;
    (void)t_ns;
    (void)text;
    ((lookup_sums *)ud)->server_queries++;
}

static double ratio(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : NAN; }

static void resolver_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                             app_collect *out)
{
    (void)insts;
    if (n == 0)
        return;
    lookup_sums s = {.local_host = specs[0]->host};
    app_world_records(w, "dns-lookup", sum_lookup, &s);
    app_world_records(w, "dns-query", count_query, &s);
    app_metric_count(out, "dns.lookups", s.client_lookups);
    app_metric_count(out, "dns.failed", s.client_failed);
    app_metric(out, "dns.mean_lookup_time_s", s.client_lookups ? s.client_time / (double)s.client_lookups : NAN);
    app_metric(out, "dns.stub_hit_rate", ratio(s.client_hits, s.client_lookups));
    app_metric_count(out, "dns.local_lookups", s.local_lookups);
    app_metric(out, "dns.cache_hit_rate", ratio(s.local_hits, s.local_lookups));
    app_metric_count(out, "dns.queries_out", s.local_queries);
    app_metric(out, "dns.queries_per_lookup", ratio(s.local_queries, s.local_lookups));
    /* every query has its answer: clients' queries to the local server,
     * and every query an authoritative server received */
    app_metric_count(out, "dns.messages", 2 * (s.client_queries + s.server_queries));
    if (s.client_lookups && s.client_failed == s.client_lookups)
        app_run_failed(out, "every DNS lookup failed");
}

/* ---- formulas ------------------------------------------------------------------------------ */

/* One datagram of `bytes` (DNS message) from `from` to `to`, in seconds. */
static double datagram(const app_world *w, const char *from, const char *to, size_t bytes)
{
    app_path p;
    if (!app_world_path(w, from, to, &p) || p.n < 0)
        return NAN;
    return app_path_datagram_s(&p, bytes + app_world_header_bytes(w, true));
}

/* The client a lookup is followed from: the first that runs an
 * application the run waits for (a browser, a workload: the ones that
 * look names up), else the first client. Borrowed from the scenario. */
static const char *lookup_client(const app_world *w, const app_spec *a)
{
    GPtrArray *clients = client_hosts(w, a);
    const char *client = clients->len ? g_ptr_array_index(clients, 0) : NULL;
    bool found = false;
    for (guint i = 0; app_world_app(w, i) && !found; i++) {
        const app_spec *x = app_world_app(w, i);
        for (guint k = 0; x->type->hold == APP_HOLD_UNTIL_DONE && k < clients->len && !found; k++)
            if (!strcmp(x->host, g_ptr_array_index(clients, k))) {
                client = x->host;
                found = true;
            }
    }
    g_ptr_array_free(clients, TRUE);
    return client;
}

/* The first server the local one asks: its forward_to's dns-server, or
 * the first root. */
static const app_spec *first_server(const app_world *w, const app_spec *a)
{
    const resolver_spec *s = a->cfg;
    const app_spec *first = NULL;
    if (s->mode == 1) {
        for (guint i = 0; !first && app_world_app(w, i); i++) {
            const app_spec *x = app_world_app(w, i);
            if (!strcmp(x->type->type, "dns-server") && !strcmp(x->host, s->forward_to))
                first = x;
        }
        return first;
    }
    GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
    GArray *hints = root_hints(w, s, keep);
    if (hints->len)
        first = server_at(w, g_array_index(hints, dns_server_hint, 0).address);
    g_array_free(hints, TRUE);
    g_ptr_array_free(keep, TRUE);
    return first;
}

/* The timeline's hosts: the client, the local server, the servers a cold
 * lookup of `lookup` asks (root, TLD, authoritative), and the host its
 * answer names (the web server a page load goes on to). */
static size_t resolver_columns(const app_world *w, const app_spec *a, char **hosts, size_t max)
{
    const resolver_spec *s = a->cfg;
    const char *name = s->lookup ? s->lookup : (s->warm && s->warm->len ? g_ptr_array_index(s->warm, 0) : NULL);
    const char *client = lookup_client(w, a);
    size_t n = 0;
    if (!client || max < 2)
        return 0;
    hosts[n++] = g_strdup(client);
    hosts[n++] = g_strdup(a->host);
    const app_spec *first = first_server(w, a);
    walk_step steps[WALK_MAX];
    int k = name && first ? walk(w, a->host, first, false, name, steps) : -1;
    for (int i = 0; i < k && n < max; i++)
        hosts[n++] = g_strdup(steps[i].to);
    if (k > 0 && n < max) {
        const dns_msg *fin = &steps[k - 1].answer;
        for (guint i = 0; i < dns_msg_count(fin, DNS_SEC_ANSWER); i++) {
            const dns_rr *rr = dns_msg_rr(fin, DNS_SEC_ANSWER, i);
            if (rr->type != DNS_T_A)
                continue;
            char *ip = dns_rr_addr_text(rr);
            const char *node = app_world_node_of_address(w, ip);
            g_free(ip);
            if (node) {
                hosts[n++] = g_strdup(node);
                break;
            }
        }
    }
    if (k > 0)
        walk_clear(steps, k);
    return n;
}

static double dns_lookup_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    const resolver_spec *s = a->cfg;
    const char *name = s->lookup ? s->lookup : (s->warm && s->warm->len ? g_ptr_array_index(s->warm, 0) : NULL);
    if (!name)
        return NAN;
    const char *client = lookup_client(w, a);
    if (!client)
        return NAN;
    bool recursive = s->mode == 1;
    const app_spec *first = first_server(w, a);
    if (!first)
        return NAN;
    walk_step steps[WALK_MAX];
    int n = walk(w, a->host, first, recursive, name, steps);
    if (n <= 0)
        return NAN;
    /* the servers the local one still asks in its cache state */
    int skip = recursive ? 0 : s->cache_state == STATE_TLD ? 1 : s->cache_state == STATE_ZONE ? 2
                                                            : s->cache_state == STATE_ALL ? n : 0;
    if (skip > n)
        skip = n;
    /* recursive: every server relays the final answer back up, with an
     * OPT record to the servers that asked with EDNS (all but the local
     * server, whose query had none) */
    double t = 0;
    for (int i = skip; i < n; i++) {
        size_t back = steps[i].answer_len;
        if (recursive) {
            dns_msg fin;
            dns_msg_init(&fin);
            dns_msg_add_copy(&fin, DNS_SEC_ANSWER, dns_msg_rr(&steps[n - 1].answer, DNS_SEC_ANSWER, 0));
            fin.qr = true;
            dns_msg_set_question(&fin, name, DNS_T_A, DNS_CLASS_IN);
            for (guint k = 1; k < dns_msg_count(&steps[n - 1].answer, DNS_SEC_ANSWER); k++)
                dns_msg_add_copy(&fin, DNS_SEC_ANSWER, dns_msg_rr(&steps[n - 1].answer, DNS_SEC_ANSWER, k));
            fin.edns = i > 0;
            fin.edns_udp_size = 1232;
            back = encoded_len(&fin);
            dns_msg_clear(&fin);
        }
        t += datagram(w, steps[i].from, steps[i].to, steps[i].query_len) + datagram(w, steps[i].to, steps[i].from, back);
    }
    /* the client's exchange with the local server: its query (with RD),
     * and the answer the local server builds from the final one */
    dns_msg q, r;
    dns_msg_init(&q);
    dns_resolver_query_msg(&q, name, DNS_T_A, true);
    dns_msg_init(&r);
    dns_resolver_answer_msg(&q, &steps[n - 1].answer, &r);
    t += datagram(w, client, a->host, encoded_len(&q)) + datagram(w, a->host, client, encoded_len(&r));
    dns_msg_clear(&q);
    dns_msg_clear(&r);
    walk_clear(steps, n);
    return t;
}

static const app_formula resolver_formulas[] = {{"dns-lookup", dns_lookup_formula}, {NULL, NULL}};

static const app_headline resolver_headlines[] = {
    {"lookup_time", "DNS lookup time (s)", "dns.mean_lookup_time_s", true},
    {"dns_hit_rate", "local DNS server's cache hit rate", "dns.cache_hit_rate", false},
    {"dns_messages", "DNS messages", "dns.messages", false},
    {NULL, NULL, NULL, false}};

static const app_record_table resolver_records[] = {
    {"dns-lookup", "dns.csv", DNS_RESOLVER_RECORD_HEADER}, {NULL, NULL, NULL}};

static void resolver_report(const app_view *m, app_report_style style, GString *out)
{
    if (style == APP_REPORT_ROW)
        return;
    const char *ind = style == APP_REPORT_CASE ? "    " : "  ";
    double lk = app_view_metric(m, "dns.lookups");
    if (!isfinite(lk))
        return;
    g_string_append_printf(out, "%sDNS: %.0f lookup(s) by the clients, mean %.1f ms; %.0f messages; "
                                "local server: %.0f queries out, cache hit rate %.3f\n",
                           ind, lk, 1e3 * app_view_metric(m, "dns.mean_lookup_time_s"),
                           app_view_metric(m, "dns.messages"), app_view_metric(m, "dns.queries_out"),
                           app_view_metric(m, "dns.cache_hit_rate"));
}

const app_type dns_resolver_app = {
    .type = "dns-resolver",
    .doc = "the local DNS server (iterative or forwarding) and its clients' stub resolvers",
    .config_size = sizeof(resolver_spec),
    .keys = resolver_keys,
    .check = resolver_check,
    .config_clear = resolver_clear,
    .port_key = "port",
    .hold = APP_HOLD_NONE,
    .start = resolver_start,
    .free = resolver_free,
    .collect = resolver_collect,
    .records = resolver_records,
    .headlines = resolver_headlines,
    .formulas = resolver_formulas,
    .label = dns_app_label,
    .columns = resolver_columns,
    .timeline_title = "the name lookup and what follows it",
    .report = resolver_report,
};
