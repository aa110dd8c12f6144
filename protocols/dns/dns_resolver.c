/*
 * dns_resolver: iterative and forwarding resolution on the host seam, the
 * lookup API, the host's lookup hook and the datagram server (see
 * dns_resolver.h for the model and its limits).
 *
 * A resolution is one (name, type) being resolved; callers waiting for it
 * are its waiters. It moves in steps: look in the cache (the RRset, a
 * negative answer, a CNAME), else pick the servers to ask (the closest
 * cached NS set, the root hints, or the upstreams) and ask them one at a
 * time with at most one query outstanding; an answer either ends it, adds
 * to the CNAME chain and starts a new step, or is a referral that gives
 * the next set of servers. A name server without a known address is
 * looked up by a nested resolution (a child, never shared), whose queries
 * count against the top resolution's budget.
 *
 * Nothing here depends on hash-table order: tables are for lookup by key;
 * lists that are walked (resolutions, clients, waiters) are in creation
 * order.
 */
#include "dns_resolver.h"

#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK(appsim-dns-resolver-error-quark, dns_resolver_error)

#define NS_PER_S INT64_C(1000000000)

typedef struct dns_resolution resolution;

/* A server of the current step. */
typedef struct {
    char *name; /* NS name or hint name (for the log); may equal addr */
    char *addr; /* what we send to, or NULL while unknown */
    bool failed; /* its address could not be found */
} server;

/* A caller waiting for a resolution. */
typedef struct {
    uint64_t id;
    dns_resolver *r;
    resolution *res;
    dns_lookup_fn fn;
    void *ud;
    GDestroyNotify ud_free; /* frees ud when the waiter goes without a call */
    char *name;             /* as asked */
    int64_t start;
    bool cancelled;
} waiter;

struct dns_resolution {
    dns_resolver *r;
    char *key;              /* in r->active while shared; NULL otherwise */
    char *name;             /* the name asked (canonical) */
    uint16_t qtype;
    char *qname;            /* the name being asked now (follows CNAMEs) */
    GArray *chain;          /* of dns_rr: CNAMEs, then the RRset */
    dns_rr soa;             /* of a negative answer (soa.type == SOA when set) */
    unsigned cnames, referrals;
    unsigned depth;         /* 0: top; a child looks up a name server */
    resolution *top, *parent, *child;
    GList *link;            /* top: in r->resolutions */
    GPtrArray *waiters;     /* top: of waiter, in arrival order */
    bool delivering;
    /* the top's accounting, for the whole lookup */
    unsigned queries, cache_hits;
    GPtrArray *servers_log; /* of char * */
    int64_t start;
    host_timer_id start_timer, deadline_timer;
    dns_lookup_failure preset; /* a failure decided at creation */
    bool literal;           /* an IPv4 literal: its own A record, no query */
    /* the current step */
    char *zone;             /* the zone the servers are asked as servers of */
    GPtrArray *servers;     /* of server */
    guint si;               /* the server being asked */
    unsigned tries_here;    /* transmissions to it */
    int64_t wait;           /* the next timeout */
    dns_lookup_failure why; /* what to report when the servers run out */
    /* the outstanding query */
    bool q_active;
    uint16_t q_id;
    bool q_by_id;           /* in r->by_id (shared socket) */
    host_dgram *q_sock;     /* own socket (port_per_query) */
    host_timer_id q_timer;
    stream_t *tcp;
    dns_tcp_reader reader;
    GByteArray *tcp_out;    /* bytes not yet accepted by the stream */
};

/* A client query being served. */
typedef struct {
    dns_resolver *r;
    GList *link;            /* in r->clients */
    char *from;
    uint16_t from_port;
    uint16_t id;
    bool rd;
    char *qname;            /* as the client spelt it */
    uint16_t qtype, qclass;
} client;

typedef struct {
    host_resolver base;
    dns_resolver *r;
} hook;

typedef struct {
    hook *h;
    host_lookup_fn fn;
    host_records_fn records_fn; /* a record lookup (lookup_records) */
    uint16_t qtype;
    void *ud;
} hook_call;

struct dns_resolver {
    host_env *env;
    dns_resolver_config cfg;
    GPtrArray *roots, *upstreams; /* of server (templates) */
    GPtrArray *allow;             /* of char * */
    dns_cache *cache;
    uint64_t rng;                 /* splitmix64 state */
    host_dgram *sock;             /* the shared query socket */
    host_dgram *serve_sock;
    GHashTable *by_id;            /* query id -> resolution (shared socket) */
    GHashTable *active;           /* key -> resolution (shared ones) */
    GHashTable *waiters;          /* id -> waiter */
    GQueue resolutions;           /* top resolutions, in creation order */
    GQueue clients;
    uint64_t next_waiter;
    unsigned pending;
    hook hook;
    dns_resolver_stats st;
};

static void try_server(resolution *res);
static void step(resolution *res);
static void finish(resolution *res, dns_lookup_failure failure, uint16_t rcode);
static void res_free(resolution *res);

const char *dns_lookup_failure_name(dns_lookup_failure f)
{
    switch (f) {
    case DNS_LOOKUP_OK: return "OK";
    case DNS_LOOKUP_TIMEOUT: return "TIMEOUT";
    case DNS_LOOKUP_SERVFAIL: return "SERVFAIL";
    case DNS_LOOKUP_TOO_MUCH_WORK: return "TOO_MUCH_WORK";
    case DNS_LOOKUP_BAD_ANSWER: return "BAD_ANSWER";
    }
    return "?";
}

/* ---- small helpers ------------------------------------------------------ */

/* splitmix64 (Steele, Lea and Flood): a 64-bit state advanced by a
 * constant and mixed; enough to make ids unpredictable without the seed. */
static uint64_t rng_next(dns_resolver *r)
{
    uint64_t z = (r->rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void rr_clear_cb(gpointer p) { dns_rr_clear(p); }

static GArray *rr_array(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(dns_rr));
    g_array_set_clear_func(a, rr_clear_cb);
    return a;
}

static void server_free(gpointer p)
{
    server *s = p;
    g_free(s->name);
    g_free(s->addr);
    g_free(s);
}

static server *server_new(const char *name, const char *addr)
{
    server *s = g_new0(server, 1);
    s->name = g_strdup(name ? name : addr);
    s->addr = g_strdup(addr);
    return s;
}

/* The address of an A or AAAA record as text (RFC 5952 for IPv6), or NULL. */
static char *addr_text(const dns_rr *rr)
{
    return rr->type == DNS_T_A || rr->type == DNS_T_AAAA ? dns_rr_addr_text(rr) : NULL;
}

static bool is_under(const char *name, const char *zone) { return dns_name_is_under(name, zone); }

static char *res_key(const char *name, uint16_t qtype)
{
    char *low = dns_name_key(name);
    char *k = g_strdup_printf("%05u:%s", (unsigned)qtype, low ? low : name);
    g_free(low);
    return k;
}

/* ---- the outstanding query ------------------------------------------------ */

static void stop_query(resolution *res)
{
    dns_resolver *r = res->r;
    host_timer_cancel(r->env, res->q_timer);
    res->q_timer = 0;
    if (res->q_by_id) {
        g_hash_table_remove(r->by_id, GUINT_TO_POINTER(res->q_id));
        res->q_by_id = false;
    }
    if (res->q_sock) {
        host_dgram_close(r->env, res->q_sock);
        res->q_sock = NULL;
    }
    if (res->tcp) {
        stream_close(res->tcp);
        res->tcp = NULL;
        dns_tcp_reader_clear(&res->reader);
    }
    if (res->tcp_out) {
        g_byte_array_unref(res->tcp_out);
        res->tcp_out = NULL;
    }
    res->q_active = false;
}

static server *cur_server(resolution *res)
{
    return res->si < res->servers->len ? g_ptr_array_index(res->servers, res->si) : NULL;
}

void dns_resolver_query_msg(dns_msg *m, const char *name, uint16_t qtype, bool rd)
{
    dns_msg_init(m);
    m->opcode = DNS_OPCODE_QUERY;
    m->rd = rd;
    dns_msg_set_question(m, name, qtype, DNS_CLASS_IN);
}

static void build_query(resolution *res, dns_msg *m)
{
    dns_resolver_query_msg(m, res->qname, res->qtype, res->r->cfg.mode == DNS_RESOLVER_FORWARD);
    m->id = res->q_id;
}

/* The server at si failed (no answer in its tries, an error, a lame
 * answer): on to the next one. */
static void next_server(resolution *res, dns_lookup_failure why)
{
    stop_query(res);
    res->why = why;
    res->si++;
    res->tries_here = 0;
    try_server(res);
}

static void on_query_timeout(void *ud)
{
    resolution *res = ud;
    dns_resolver *r = res->r;
    res->q_timer = 0;
    res->wait = MIN(res->wait * 2, r->cfg.timeout_max_ns);
    if (res->tries_here < r->cfg.tries && !res->tcp) {
        stop_query(res);
        try_server(res);
    } else {
        next_server(res, DNS_LOOKUP_TIMEOUT);
    }
}

static void on_own_dgram(void *ud, host_dgram *sock, const host_datagram *d);

/* Counts a query against the top's budget; false (and the lookup failed)
 * when the budget is spent. */
static bool count_query(resolution *res, const server *s)
{
    resolution *top = res->top;
    if (top->queries >= res->r->cfg.max_queries) {
        finish(top, DNS_LOOKUP_TOO_MUCH_WORK, DNS_RCODE_SERVFAIL);
        return false;
    }
    top->queries++;
    g_ptr_array_add(top->servers_log, g_strdup(s->name));
    res->r->st.queries++;
    return true;
}

/* Sends (or resends) the question to the current server. */
static void send_query(resolution *res, server *s)
{
    dns_resolver *r = res->r;
    if (!count_query(res, s))
        return;
    if (res->tries_here == 0) {
        /* a new id for every new server; a retransmission keeps it */
        do {
            res->q_id = (uint16_t)(rng_next(r) >> 48);
        } while (!r->cfg.port_per_query && g_hash_table_contains(r->by_id, GUINT_TO_POINTER(res->q_id)));
    } else {
        r->st.retransmissions++;
    }
    res->tries_here++;
    dns_msg m;
    build_query(res, &m);
    GByteArray *out = g_byte_array_new();
    dns_status st = dns_msg_encode(&m, DNS_UDP_MAX_PLAIN, out, NULL);
    dns_msg_clear(&m);
    GError *err = NULL;
    host_dgram *sock = r->sock;
    if (st == DNS_OK && r->cfg.port_per_query) {
        sock = res->q_sock ? res->q_sock : host_dgram_open(r->env, 0, on_own_dgram, res, &err);
        res->q_sock = sock;
    }
    bool ok = st == DNS_OK && sock &&
              host_dgram_send(r->env, sock, s->addr, r->cfg.server_port, out->data, out->len, 0, &err);
    g_byte_array_unref(out);
    if (!ok) {
        if (err)
            host_logf(r->env, "dns: cannot ask %s (%s): %s", s->name, s->addr, err->message);
        g_clear_error(&err);
        next_server(res, DNS_LOOKUP_SERVFAIL);
        return;
    }
    res->q_active = true;
    if (!r->cfg.port_per_query) {
        g_hash_table_insert(r->by_id, GUINT_TO_POINTER(res->q_id), res);
        res->q_by_id = true;
    }
    res->q_timer = host_timer(r->env, res->wait, on_query_timeout, res);
}

/* ---- nested lookups of name servers --------------------------------------- */

static resolution *res_new(dns_resolver *r, const char *name, uint16_t qtype, resolution *parent)
{
    resolution *res = g_new0(resolution, 1);
    res->r = r;
    res->name = g_strdup(name);
    res->qname = g_strdup(name);
    res->qtype = qtype;
    res->chain = rr_array();
    res->servers = g_ptr_array_new_with_free_func(server_free);
    res->parent = parent;
    res->top = parent ? parent->top : res;
    res->depth = parent ? parent->depth + 1 : 0;
    res->why = DNS_LOOKUP_SERVFAIL;
    if (!parent) {
        res->waiters = g_ptr_array_new();
        res->servers_log = g_ptr_array_new_with_free_func(g_free);
        res->start = host_now(r->env);
    }
    return res;
}

/* A child finished: its first A (after CNAMEs) is the server's address. */
static void child_done(resolution *child)
{
    resolution *parent = child->parent;
    server *s = cur_server(parent);
    if (s && !s->addr) {
        for (guint i = 0; i < child->chain->len && !s->addr; i++) {
            const dns_rr *rr = &g_array_index(child->chain, dns_rr, i);
            if (rr->type == DNS_T_A)
                s->addr = addr_text(rr);
        }
        if (!s->addr)
            s->failed = true;
    }
    parent->child = NULL;
    res_free(child);
    try_server(parent);
}

/* Asks the current server, or finds its address, or moves on. */
static void try_server(resolution *res)
{
    dns_resolver *r = res->r;
    for (;;) {
        server *s = cur_server(res);
        if (!s) {
            finish(res, res->why, DNS_RCODE_SERVFAIL);
            return;
        }
        if (s->addr) {
            send_query(res, s);
            return;
        }
        if (!s->failed && res->depth < r->cfg.max_ns_depth) {
            resolution *child = res_new(r, s->name, DNS_T_A, res);
            res->child = child;
            step(child);
            return;
        }
        res->si++;
        res->tries_here = 0;
    }
}

/* Replaces the step's servers; with-address ones first (stable). */
static void set_servers(resolution *res, const char *zone, GPtrArray *list)
{
    g_free(res->zone);
    res->zone = g_strdup(zone);
    g_ptr_array_set_size(res->servers, 0);
    for (int pass = 0; pass < 2; pass++)
        for (guint i = 0; i < list->len; i++) {
            server *s = g_ptr_array_index(list, i);
            if ((s->addr != NULL) == (pass == 0))
                g_ptr_array_add(res->servers, server_new(s->name, s->addr));
        }
    res->si = 0;
    res->tries_here = 0;
    res->wait = res->r->cfg.timeout_ns;
}

/* A list of servers from NS records and addresses (A first per name). */
static GPtrArray *servers_from(const GArray *ns, const GArray *addrs)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(server_free);
    for (guint i = 0; i < ns->len; i++) {
        const char *target = g_array_index(ns, dns_rr, i).target;
        if (!target)
            continue;
        bool dup = false;
        for (guint j = 0; j < list->len && !dup; j++)
            dup = dns_name_eq(((server *)g_ptr_array_index(list, j))->name, target);
        if (dup)
            continue;
        char *addr = NULL;
        for (guint j = 0; addrs && j < addrs->len && !addr; j++) {
            const dns_rr *a = &g_array_index(addrs, dns_rr, j);
            if (a->type == DNS_T_A && dns_name_eq(a->name, target))
                addr = addr_text(a);
        }
        for (guint j = 0; addrs && j < addrs->len && !addr; j++) {
            const dns_rr *a = &g_array_index(addrs, dns_rr, j);
            if (a->type == DNS_T_AAAA && dns_name_eq(a->name, target))
                addr = addr_text(a);
        }
        server *s = server_new(target, NULL);
        s->addr = addr;
        g_ptr_array_add(list, s);
    }
    return list;
}

/* ---- steps ------------------------------------------------------------- */

static void append_rrs(GArray *to, const GArray *from)
{
    for (guint i = 0; i < from->len; i++) {
        dns_rr copy;
        dns_rr_copy(&copy, &g_array_index(from, dns_rr, i));
        g_array_append_val(to, copy);
    }
}

static void set_qname(resolution *res, const char *name)
{
    char *n = g_strdup(name);
    g_free(res->qname);
    res->qname = n;
}

/* One step: the cache, then the servers to ask. */
static void step(resolution *res)
{
    dns_resolver *r = res->r;
    int64_t now = host_now(r->env);
    resolution *top = res->top;
    for (;;) {
        GArray *got = rr_array();
        dns_rr soa = {0};
        dns_cache_result cr = dns_cache_get(r->cache, now, res->qname, res->qtype, got, &soa);
        if (cr != DNS_CACHE_MISS) {
            top->cache_hits++;
            append_rrs(res->chain, got);
            g_array_unref(got);
            if (cr == DNS_CACHE_HIT) {
                finish(res, DNS_LOOKUP_OK, DNS_RCODE_NOERROR);
            } else {
                dns_rr_clear(&res->soa);
                res->soa = soa;
                finish(res, DNS_LOOKUP_OK, cr == DNS_CACHE_NXDOMAIN ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR);
            }
            return;
        }
        if (res->qtype != DNS_T_CNAME &&
            dns_cache_peek(r->cache, now, res->qname, DNS_T_CNAME, NULL) == DNS_CACHE_HIT &&
            dns_cache_get(r->cache, now, res->qname, DNS_T_CNAME, got, NULL) == DNS_CACHE_HIT &&
            got->len > 0) {
            top->cache_hits++;
            if (++res->cnames > r->cfg.max_cname) {
                g_array_unref(got);
                finish(res, DNS_LOOKUP_TOO_MUCH_WORK, DNS_RCODE_SERVFAIL);
                return;
            }
            dns_rr *cn = &g_array_index(got, dns_rr, 0);
            dns_rr copy;
            dns_rr_copy(&copy, cn);
            g_array_append_val(res->chain, copy);
            set_qname(res, cn->target);
            g_array_unref(got);
            continue;
        }
        g_array_unref(got);
        break;
    }
    GPtrArray *list;
    if (r->cfg.mode == DNS_RESOLVER_FORWARD) {
        set_servers(res, "", r->upstreams);
    } else {
        GArray *ns = rr_array(), *addrs = rr_array();
        char *zone = NULL;
        if (dns_cache_closest_ns(r->cache, now, res->qname, &zone, ns, addrs)) {
            top->cache_hits++;
            list = servers_from(ns, addrs);
            set_servers(res, zone, list);
            g_ptr_array_unref(list);
        } else {
            set_servers(res, "", r->roots);
        }
        g_free(zone);
        g_array_unref(ns);
        g_array_unref(addrs);
    }
    try_server(res);
}

/* ---- answers ------------------------------------------------------------- */

/* Caches the section's records that are in the bailiwick of `zone`, one
 * RRset per (name, type), in order of first appearance. */
static void cache_section(resolution *res, const dns_msg *m, dns_section sec, dns_trust trust,
                          const char *zone, bool (*want)(const dns_rr *, void *), void *ud)
{
    dns_resolver *r = res->r;
    int64_t now = host_now(r->env);
    guint n = dns_msg_count(m, sec);
    bool *done = g_new0(bool, n + 1);
    for (guint i = 0; i < n; i++) {
        const dns_rr *rr = dns_msg_rr(m, sec, i);
        if (done[i] || rr->rclass != DNS_CLASS_IN || rr->type == DNS_T_OPT || !rr->name ||
            !is_under(rr->name, zone) || (want && !want(rr, ud)))
            continue;
        GArray *set = rr_array();
        for (guint j = i; j < n; j++) {
            const dns_rr *o = dns_msg_rr(m, sec, j);
            if (!done[j] && o->type == rr->type && o->rclass == rr->rclass && o->name &&
                dns_name_eq(o->name, rr->name)) {
                done[j] = true;
                dns_rr copy;
                dns_rr_copy(&copy, o);
                g_array_append_val(set, copy);
            }
        }
        dns_cache_put_rrset(r->cache, now, (const dns_rr *)(void *)set->data, set->len, trust);
        g_array_unref(set);
    }
    g_free(done);
}

/* The SOA of the authority section, in bailiwick, or NULL. */
static const dns_rr *find_soa(const dns_msg *m, const char *zone, const char *qname)
{
    for (guint i = 0; i < dns_msg_count(m, DNS_SEC_AUTHORITY); i++) {
        const dns_rr *rr = dns_msg_rr(m, DNS_SEC_AUTHORITY, i);
        if (rr->type == DNS_T_SOA && rr->name && is_under(rr->name, zone) && is_under(qname, rr->name))
            return rr;
    }
    return NULL;
}

static void finish_negative(resolution *res, const dns_msg *m, uint16_t rcode)
{
    const dns_rr *soa = find_soa(m, res->zone, res->qname);
    if (soa) {
        dns_cache_put_negative(res->r->cache, host_now(res->r->env), res->qname,
                               rcode == DNS_RCODE_NXDOMAIN ? 0 : res->qtype, soa);
        dns_rr_clear(&res->soa);
        dns_rr_copy(&res->soa, soa);
    }
    finish(res, DNS_LOOKUP_OK, rcode);
}

typedef struct {
    const char *zone;
    const GArray *ns;
} glue_ctx;

static bool is_glue(const dns_rr *rr, void *ud)
{
    glue_ctx *g = ud;
    if (rr->type != DNS_T_A && rr->type != DNS_T_AAAA)
        return false;
    for (guint i = 0; i < g->ns->len; i++) {
        const char *t = g_array_index(g->ns, dns_rr, i).target;
        if (t && dns_name_eq(t, rr->name))
            return true;
    }
    return false;
}

/* A referral: NS records in the authority section for a zone strictly
 * below the current one and at or above the name. True when followed. */
static bool follow_referral(resolution *res, const dns_msg *m)
{
    dns_resolver *r = res->r;
    const char *cut = NULL;
    for (guint i = 0; i < dns_msg_count(m, DNS_SEC_AUTHORITY) && !cut; i++) {
        const dns_rr *rr = dns_msg_rr(m, DNS_SEC_AUTHORITY, i);
        if (rr->type == DNS_T_NS && rr->name && rr->target && is_under(rr->name, res->zone) &&
            !dns_name_eq(rr->name, res->zone) && is_under(res->qname, rr->name))
            cut = rr->name;
    }
    if (!cut)
        return false;
    if (++res->referrals > r->cfg.max_referrals) {
        finish(res, DNS_LOOKUP_TOO_MUCH_WORK, DNS_RCODE_SERVFAIL);
        return true;
    }
    char *zone = g_strdup(cut);
    GArray *ns = rr_array(), *glue = rr_array();
    for (guint i = 0; i < dns_msg_count(m, DNS_SEC_AUTHORITY); i++) {
        const dns_rr *rr = dns_msg_rr(m, DNS_SEC_AUTHORITY, i);
        if (rr->type == DNS_T_NS && rr->name && rr->target && dns_name_eq(rr->name, zone)) {
            dns_rr copy;
            dns_rr_copy(&copy, rr);
            g_array_append_val(ns, copy);
        }
    }
    int64_t now = host_now(r->env);
    dns_cache_put_rrset(r->cache, now, (const dns_rr *)(void *)ns->data, ns->len, DNS_TRUST_AUTHORITY);
    /* glue: addresses of the new servers, in the bailiwick of the server asked */
    glue_ctx g = {res->zone, ns};
    cache_section(res, m, DNS_SEC_ADDITIONAL, DNS_TRUST_GLUE, res->zone, is_glue, &g);
    for (guint i = 0; i < dns_msg_count(m, DNS_SEC_ADDITIONAL); i++) {
        const dns_rr *rr = dns_msg_rr(m, DNS_SEC_ADDITIONAL, i);
        if (rr->name && is_under(rr->name, res->zone) && is_glue(rr, &g)) {
            dns_rr copy;
            dns_rr_copy(&copy, rr);
            g_array_append_val(glue, copy);
        }
    }
    /* names without glue: addresses the cache already has */
    for (guint i = 0; i < ns->len; i++) {
        const char *t = g_array_index(ns, dns_rr, i).target;
        dns_cache_peek(r->cache, now, t, DNS_T_A, glue);
    }
    GPtrArray *list = servers_from(ns, glue);
    stop_query(res);
    set_servers(res, zone, list);
    g_ptr_array_unref(list);
    g_array_unref(ns);
    g_array_unref(glue);
    g_free(zone);
    try_server(res);
    return true;
}

static void start_tcp(resolution *res);

/* A validated answer to the outstanding query. */
static void handle_answer(resolution *res, const dns_msg *m, bool over_tcp)
{
    dns_resolver *r = res->r;
    if (m->tc && !over_tcp) {
        stop_query(res);
        start_tcp(res);
        return;
    }
    stop_query(res);
    if (m->rcode != DNS_RCODE_NOERROR && m->rcode != DNS_RCODE_NXDOMAIN) {
        next_server(res, DNS_LOOKUP_SERVFAIL);
        return;
    }
    cache_section(res, m, DNS_SEC_ANSWER, DNS_TRUST_ANSWER, res->zone, NULL, NULL);
    bool moved = false;
    for (;;) {
        bool found = false;
        for (guint i = 0; i < dns_msg_count(m, DNS_SEC_ANSWER); i++) {
            const dns_rr *rr = dns_msg_rr(m, DNS_SEC_ANSWER, i);
            if (rr->type == res->qtype && rr->name && dns_name_eq(rr->name, res->qname) &&
                is_under(rr->name, res->zone)) {
                dns_rr copy;
                dns_rr_copy(&copy, rr);
                g_array_append_val(res->chain, copy);
                found = true;
            }
        }
        if (found) {
            finish(res, DNS_LOOKUP_OK, DNS_RCODE_NOERROR);
            return;
        }
        const dns_rr *cn = NULL;
        for (guint i = 0; i < dns_msg_count(m, DNS_SEC_ANSWER) && !cn; i++) {
            const dns_rr *rr = dns_msg_rr(m, DNS_SEC_ANSWER, i);
            if (rr->type == DNS_T_CNAME && rr->name && rr->target && dns_name_eq(rr->name, res->qname) &&
                is_under(rr->name, res->zone))
                cn = rr;
        }
        if (!cn || res->qtype == DNS_T_CNAME)
            break;
        if (++res->cnames > r->cfg.max_cname) {
            finish(res, DNS_LOOKUP_TOO_MUCH_WORK, DNS_RCODE_SERVFAIL);
            return;
        }
        dns_rr copy;
        dns_rr_copy(&copy, cn);
        g_array_append_val(res->chain, copy);
        set_qname(res, cn->target);
        moved = true;
    }
    if (r->cfg.mode == DNS_RESOLVER_FORWARD || m->rcode == DNS_RCODE_NXDOMAIN) {
        finish_negative(res, m, m->rcode);
        return;
    }
    if (moved) {
        step(res); /* the CNAME's target, from the cache or from its servers */
        return;
    }
    if (follow_referral(res, m))
        return;
    if (find_soa(m, res->zone, res->qname)) {
        finish_negative(res, m, DNS_RCODE_NOERROR);
        return;
    }
    next_server(res, DNS_LOOKUP_SERVFAIL); /* lame */
}

static bool question_matches(const resolution *res, const dns_msg *m)
{
    return m->qr && m->has_question && m->qname && dns_name_eq(m->qname, res->qname) &&
           m->qtype == res->qtype && m->qclass == DNS_CLASS_IN;
}

/* A datagram on a query socket: the shared one (own NULL) or a
 * resolution's own. */
static void query_dgram(dns_resolver *r, resolution *own, const host_datagram *d)
{
    dns_msg m;
    dns_msg_init(&m);
    if (!d->data || dns_msg_decode(d->data, d->len, &m) != DNS_OK) {
        r->st.ignored++;
        dns_msg_clear(&m);
        return;
    }
    resolution *res = own ? own : g_hash_table_lookup(r->by_id, GUINT_TO_POINTER(m.id));
    server *s = res ? cur_server(res) : NULL;
    if (!res || !res->q_active || res->tcp || m.id != res->q_id || !s || !s->addr ||
        g_ascii_strcasecmp(d->from, s->addr) != 0 || d->from_port != r->cfg.server_port ||
        !question_matches(res, &m)) {
        r->st.ignored++;
        dns_msg_clear(&m);
        return;
    }
    handle_answer(res, &m, false);
    dns_msg_clear(&m);
}

static void on_shared_dgram(void *ud, host_dgram *sock, const host_datagram *d)
{
    (void)sock;
    query_dgram(ud, NULL, d);
}

static void on_own_dgram(void *ud, host_dgram *sock, const host_datagram *d)
{
    (void)sock;
    resolution *res = ud;
    query_dgram(res->r, res, d);
}

/* ---- TCP ------------------------------------------------------------------ */

static void tcp_flush(resolution *res)
{
    while (res->tcp && res->tcp_out && res->tcp_out->len) {
        size_t n = stream_write(res->tcp, res->tcp_out->data, res->tcp_out->len);
        if (!n)
            return;
        g_byte_array_remove_range(res->tcp_out, 0, (guint)n);
    }
}

static void tcp_connected(void *ud, stream_t *s)
{
    (void)s;
    tcp_flush(ud);
}

static void tcp_writable(void *ud, stream_t *s)
{
    (void)s;
    tcp_flush(ud);
}

static void tcp_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    resolution *res = ud;
    dns_resolver *r = res->r;
    if (!data) { /* bytes without content cannot be a message */
        next_server(res, DNS_LOOKUP_SERVFAIL);
        return;
    }
    while (len > 0 && res->tcp) {
        size_t took = dns_tcp_reader_feed(&res->reader, data, len);
        data += took;
        len -= took;
        const uint8_t *msg;
        size_t mlen;
        if (dns_tcp_reader_failed(&res->reader)) {
            next_server(res, DNS_LOOKUP_SERVFAIL);
            return;
        }
        if (dns_tcp_reader_next(&res->reader, &msg, &mlen)) {
            dns_msg m;
            dns_msg_init(&m);
            if (dns_msg_decode(msg, mlen, &m) == DNS_OK && m.id == res->q_id && question_matches(res, &m)) {
                handle_answer(res, &m, true);
                dns_msg_clear(&m);
                return;
            }
            r->st.ignored++;
            dns_msg_clear(&m);
        } else if (took == 0) {
            break;
        }
    }
}

static void tcp_closed(void *ud, stream_t *s)
{
    (void)s;
    next_server(ud, DNS_LOOKUP_SERVFAIL);
}

static void tcp_error(void *ud, stream_t *s, stream_err e)
{
    (void)s;
    (void)e;
    resolution *res = ud;
    res->tcp = NULL; /* gone: not to be closed */
    dns_tcp_reader_clear(&res->reader);
    next_server(res, DNS_LOOKUP_TIMEOUT);
}

static const stream_handler tcp_handler = {.connected = tcp_connected, .data = tcp_data,
                                           .writable = tcp_writable, .peer_closed = tcp_closed,
                                           .error = tcp_error};

static void start_tcp(resolution *res)
{
    dns_resolver *r = res->r;
    server *s = cur_server(res);
    if (!count_query(res, s))
        return;
    r->st.tcp_queries++;
    dns_msg m;
    build_query(res, &m);
    res->tcp_out = g_byte_array_new();
    dns_status st = dns_msg_encode_tcp(&m, res->tcp_out);
    dns_msg_clear(&m);
    GError *err = NULL;
    stream_t *t = st == DNS_OK ? host_connect(r->env, s->addr, r->cfg.server_port, &tcp_handler, res, &err) : NULL;
    if (!t) {
        g_clear_error(&err);
        next_server(res, DNS_LOOKUP_SERVFAIL);
        return;
    }
    res->tcp = t;
    dns_tcp_reader_init(&res->reader);
    res->q_active = true;
    res->tries_here = r->cfg.tries; /* a timeout moves on to the next server */
    res->q_timer = host_timer(r->env, res->wait, on_query_timeout, res);
}

/* ---- finishing ------------------------------------------------------------ */

static void res_free(resolution *res)
{
    if (!res)
        return;
    dns_resolver *r = res->r;
    stop_query(res);
    host_timer_cancel(r->env, res->start_timer);
    host_timer_cancel(r->env, res->deadline_timer);
    if (res->child)
        res_free(res->child);
    if (res->waiters) {
        for (guint i = 0; i < res->waiters->len; i++) {
            waiter *w = g_ptr_array_index(res->waiters, i);
            if (!w->cancelled) {
                g_hash_table_remove(r->waiters, &w->id);
                if (w->ud_free)
                    w->ud_free(w->ud);
            }
            g_free(w->name);
            g_free(w);
        }
        g_ptr_array_unref(res->waiters);
    }
    if (res->key)
        g_hash_table_remove(r->active, res->key);
    if (res->link) {
        g_queue_delete_link(&r->resolutions, res->link);
        r->pending--;
    }
    if (res->servers_log)
        g_ptr_array_unref(res->servers_log);
    g_ptr_array_unref(res->servers);
    g_array_unref(res->chain);
    dns_rr_clear(&res->soa);
    g_free(res->key);
    g_free(res->name);
    g_free(res->qname);
    g_free(res->zone);
    g_free(res);
}

static void csv_field(GString *s, const char *f)
{
    if (strpbrk(f, ",\"\n\r")) {
        g_string_append_c(s, '"');
        for (const char *p = f; *p; p++) {
            if (*p == '"')
                g_string_append_c(s, '"');
            g_string_append_c(s, *p);
        }
        g_string_append_c(s, '"');
    } else {
        g_string_append(s, f);
    }
}

static void record_row(dns_resolver *r, const dns_lookup_result *res)
{
    GString *s = g_string_new("");
    csv_field(s, res->name);
    const char *t = dns_type_name(res->qtype);
    if (t)
        g_string_append_printf(s, ",%s,", t);
    else
        g_string_append_printf(s, ",TYPE%u,", (unsigned)res->qtype);
    const char *rc = dns_rcode_name(res->rcode);
    if (res->failure != DNS_LOOKUP_OK)
        g_string_append(s, dns_lookup_failure_name(res->failure));
    else if (rc)
        g_string_append(s, rc);
    else
        g_string_append_printf(s, "RCODE%u", (unsigned)res->rcode);
    g_string_append_printf(s, ",%d,%u,", res->from_cache ? 1 : 0, res->queries);
    GString *servers = g_string_new("");
    for (guint i = 0; i < res->servers->len; i++) {
        if (i)
            g_string_append_c(servers, ';');
        g_string_append(servers, g_ptr_array_index(res->servers, i));
    }
    csv_field(s, servers->str);
    g_string_free(servers, TRUE);
    g_string_append_printf(s, ",%u,%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT, res->cache_hits,
                           res->elapsed_ns / NS_PER_S, res->elapsed_ns % NS_PER_S);
    host_record(r->env, "dns-lookup", s->str);
    g_string_free(s, TRUE);
}

static void finish(resolution *res, dns_lookup_failure failure, uint16_t rcode)
{
    dns_resolver *r = res->r;
    if (failure != DNS_LOOKUP_OK)
        rcode = DNS_RCODE_SERVFAIL;
    stop_query(res);
    if (res->parent) {
        /* a name server's address: the parent goes on either way (a spent
         * budget fails the top directly, in count_query) */
        if (failure != DNS_LOOKUP_OK)
            g_array_set_size(res->chain, 0);
        child_done(res);
        return;
    }
    /* a top resolution: unshare it, then tell every waiter */
    if (res->key) {
        g_hash_table_remove(r->active, res->key);
        g_free(res->key);
        res->key = NULL;
    }
    if (res->child) {
        res_free(res->child);
        res->child = NULL;
    }
    host_timer_cancel(r->env, res->deadline_timer);
    res->deadline_timer = 0;
    res->delivering = true;
    int64_t now = host_now(r->env);
    for (guint i = 0; i < res->waiters->len; i++) {
        waiter *w = g_ptr_array_index(res->waiters, i);
        if (w->cancelled)
            continue;
        w->cancelled = true; /* delivered: no ud_free, no cancel */
        g_hash_table_remove(r->waiters, &w->id);
        dns_lookup_result out = {
            .name = w->name,
            .qtype = res->qtype,
            .failure = failure,
            .rcode = rcode,
            .answer = res->chain,
            .soa = res->soa.type == DNS_T_SOA ? &res->soa : NULL,
            .from_cache = failure == DNS_LOOKUP_OK && res->queries == 0,
            .queries = res->queries,
            .servers = res->servers_log,
            .cache_hits = res->cache_hits,
            .elapsed_ns = now - w->start,
        };
        if (r->cfg.record)
            record_row(r, &out);
        if (w->fn)
            w->fn(w->ud, &out);
    }
    res_free(res);
}

static void on_deadline(void *ud)
{
    resolution *res = ud;
    res->deadline_timer = 0;
    finish(res, DNS_LOOKUP_TIMEOUT, DNS_RCODE_SERVFAIL);
}

static void on_start(void *ud)
{
    resolution *res = ud;
    res->start_timer = 0;
    if (res->preset != DNS_LOOKUP_OK || res->literal) {
        finish(res, res->preset, DNS_RCODE_NOERROR);
        return;
    }
    res->deadline_timer = host_timer(res->r->env, res->r->cfg.deadline_ns, on_deadline, res);
    step(res);
}

/* ---- the API ---------------------------------------------------------------- */

static GPtrArray *copy_servers(const dns_server_hint *h, guint n)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(server_free);
    for (guint i = 0; i < n; i++)
        if (h[i].address)
            g_ptr_array_add(a, server_new(h[i].name, h[i].address));
    return a;
}

static uint64_t hook_lookup(host_resolver *hr, const char *name, host_lookup_fn fn, void *ud);
static uint64_t hook_lookup_records(host_resolver *hr, const char *name, const char *type, host_records_fn fn,
                                    void *ud);
static void hook_cancel(host_resolver *hr, uint64_t id);

dns_resolver *dns_resolver_new(host_env *env, const dns_resolver_config *config, GError **err)
{
    dns_resolver_config c = *config;
    if (c.mode == DNS_RESOLVER_ITERATIVE && c.n_roots == 0) {
        g_set_error(err, DNS_RESOLVER_ERROR, DNS_RESOLVER_ERROR_CONFIG,
                    "an iterative resolver needs root hints (a name server's name and address)");
        return NULL;
    }
    if (c.mode == DNS_RESOLVER_FORWARD && c.n_upstreams == 0) {
        g_set_error(err, DNS_RESOLVER_ERROR, DNS_RESOLVER_ERROR_CONFIG,
                    "a forwarding resolver needs at least one upstream resolver");
        return NULL;
    }
    if (!c.server_port)
        c.server_port = DNS_PORT;
    if (c.timeout_ns <= 0)
        c.timeout_ns = NS_PER_S;
    if (c.timeout_max_ns <= 0)
        c.timeout_max_ns = 8 * NS_PER_S;
    if (!c.tries)
        c.tries = 2;
    if (c.deadline_ns <= 0)
        c.deadline_ns = 10 * NS_PER_S;
    if (!c.max_referrals)
        c.max_referrals = 16;
    if (!c.max_queries)
        c.max_queries = 64;
    if (!c.max_cname)
        c.max_cname = 8;
    if (!c.max_ns_depth)
        c.max_ns_depth = 4;
    if (!c.max_pending)
        c.max_pending = 1000;
    if (!c.max_clients)
        c.max_clients = 1000;
    dns_resolver *r = g_new0(dns_resolver, 1);
    r->env = env;
    r->roots = copy_servers(c.roots, c.n_roots);
    r->upstreams = copy_servers(c.upstreams, c.n_upstreams);
    r->allow = g_ptr_array_new_with_free_func(g_free);
    if (c.allow) {
        for (guint i = 0; i < c.n_allow; i++)
            g_ptr_array_add(r->allow, g_strdup(c.allow[i]));
    } else {
        g_ptr_array_add(r->allow, g_strdup("127."));
        g_ptr_array_add(r->allow, g_strdup("::1"));
    }
    c.roots = c.upstreams = NULL;
    c.allow = NULL;
    r->cfg = c;
    r->rng = c.seed;
    r->cache = dns_cache_new(&c.cache);
    r->by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
    r->active = g_hash_table_new(g_str_hash, g_str_equal);
    r->waiters = g_hash_table_new(g_int64_hash, g_int64_equal);
    g_queue_init(&r->resolutions);
    g_queue_init(&r->clients);
    r->hook.base.lookup = hook_lookup;
    r->hook.base.cancel = hook_cancel;
    r->hook.base.lookup_records = hook_lookup_records;
    r->hook.r = r;
    if (!c.port_per_query) {
        r->sock = host_dgram_open(env, 0, on_shared_dgram, r, err);
        if (!r->sock) {
            dns_resolver_free(r);
            return NULL;
        }
    }
    return r;
}

static void client_free(gpointer p);

void dns_resolver_free(dns_resolver *r)
{
    if (!r)
        return;
    while (r->resolutions.head)
        res_free(r->resolutions.head->data);
    while (r->clients.head)
        client_free(r->clients.head->data);
    host_dgram_close(r->env, r->sock);
    host_dgram_close(r->env, r->serve_sock);
    g_hash_table_unref(r->by_id);
    g_hash_table_unref(r->active);
    g_hash_table_unref(r->waiters);
    g_ptr_array_unref(r->roots);
    g_ptr_array_unref(r->upstreams);
    g_ptr_array_unref(r->allow);
    dns_cache_free(r->cache);
    g_free(r);
}

/* True when `name` is a dotted-quad IPv4 literal; its bytes in a[4]. */
static bool ipv4_literal(const char *name, uint8_t a[4])
{
    unsigned v[4];
    char tail;
    if (sscanf(name, "%3u.%3u.%3u.%3u%c", &v[0], &v[1], &v[2], &v[3], &tail) != 4)
        return false;
    for (int i = 0; i < 4; i++) {
        if (v[i] > 255)
            return false;
        a[i] = (uint8_t)v[i];
    }
    return g_ascii_isdigit(name[0]);
}

static uint64_t lookup_full(dns_resolver *r, const char *name, uint16_t qtype, dns_lookup_fn fn,
                            void *ud, GDestroyNotify ud_free)
{
    r->st.lookups++;
    waiter *w = g_new0(waiter, 1);
    w->id = ++r->next_waiter;
    w->r = r;
    w->fn = fn;
    w->ud = ud;
    w->ud_free = ud_free;
    w->name = g_strdup(name ? name : "");
    w->start = host_now(r->env);
    char *canon = name ? dns_name_canon(name, NULL) : NULL;
    resolution *res = NULL;
    char *key = canon ? res_key(canon, qtype) : NULL;
    if (key)
        res = g_hash_table_lookup(r->active, key);
    if (res) {
        g_free(key);
    } else {
        res = res_new(r, canon ? canon : w->name, qtype, NULL);
        uint8_t a4[4];
        if (!canon) {
            res->preset = DNS_LOOKUP_BAD_ANSWER;
        } else if (qtype == DNS_T_A && ipv4_literal(canon, a4)) {
            /* an address already: answered as it is, like getaddrinfo */
            res->literal = true;
            dns_rr rr = {.name = g_strdup(canon), .type = DNS_T_A, .rclass = DNS_CLASS_IN};
            memcpy(rr.addr, a4, 4);
            g_array_append_val(res->chain, rr);
        } else if (r->pending >= r->cfg.max_pending)
            res->preset = DNS_LOOKUP_TOO_MUCH_WORK;
        if (res->preset == DNS_LOOKUP_OK && !res->literal) {
            res->key = key;
            g_hash_table_insert(r->active, res->key, res);
        } else {
            g_free(key);
        }
        g_queue_push_tail(&r->resolutions, res);
        res->link = r->resolutions.tail;
        r->pending++;
        res->start_timer = host_timer(r->env, 0, on_start, res);
    }
    g_free(canon);
    w->res = res;
    g_ptr_array_add(res->waiters, w);
    g_hash_table_insert(r->waiters, &w->id, w);
    return w->id;
}

uint64_t dns_resolver_lookup(dns_resolver *r, const char *name, uint16_t qtype, dns_lookup_fn fn,
                             void *ud)
{
    return lookup_full(r, name, qtype, fn, ud, NULL);
}

void dns_resolver_cancel(dns_resolver *r, uint64_t id)
{
    waiter *w = id ? g_hash_table_lookup(r->waiters, &id) : NULL;
    if (!w)
        return;
    g_hash_table_remove(r->waiters, &id);
    w->cancelled = true;
    if (w->ud_free)
        w->ud_free(w->ud);
    resolution *res = w->res;
    if (res->delivering)
        return; /* freed with the resolution */
    g_ptr_array_remove(res->waiters, w);
    g_free(w->name);
    g_free(w);
    if (res->waiters->len == 0)
        res_free(res); /* nobody wants it any more */
}

dns_cache *dns_resolver_cache(dns_resolver *r) { return r->cache; }

void dns_resolver_get_stats(const dns_resolver *r, dns_resolver_stats *out) { *out = r->st; }

/* ---- the host seam's hook ---------------------------------------------------- */

static void hook_done(void *ud, const dns_lookup_result *res)
{
    hook_call *c = ud;
    char *addr = NULL;
    for (guint i = 0; res->failure == DNS_LOOKUP_OK && i < res->answer->len && !addr; i++) {
        const dns_rr *rr = &g_array_index(res->answer, dns_rr, i);
        if (rr->type == DNS_T_A)
            addr = addr_text(rr);
    }
    if (addr) {
        c->fn(c->ud, addr, NULL);
    } else {
        const char *why = res->failure != DNS_LOOKUP_OK ? dns_lookup_failure_name(res->failure)
                          : res->rcode == DNS_RCODE_NOERROR ? "no address"
                                                             : dns_rcode_name(res->rcode);
        GError *err = g_error_new(DNS_RESOLVER_ERROR, DNS_RESOLVER_ERROR_LOOKUP, "%s: %s", res->name,
                                  why ? why : "error");
        c->fn(c->ud, NULL, err);
        g_error_free(err);
    }
    g_free(addr);
    g_free(c);
}

static uint64_t hook_lookup(host_resolver *hr, const char *name, host_lookup_fn fn, void *ud)
{
    hook *h = (hook *)hr;
    hook_call *c = g_new0(hook_call, 1);
    c->h = h;
    c->fn = fn;
    c->ud = ud;
    return lookup_full(h->r, name, DNS_T_A, hook_done, c, g_free);
}

/* The answer of a record lookup: the data of the records of the type
 * asked, as text (dns_rr_to_text without its first four fields). */
static void hook_records_done(void *ud, const dns_lookup_result *res)
{
    hook_call *c = ud;
    if (res->failure != DNS_LOOKUP_OK || (res->rcode != DNS_RCODE_NOERROR)) {
        const char *why = res->failure != DNS_LOOKUP_OK ? dns_lookup_failure_name(res->failure)
                                                         : dns_rcode_name(res->rcode);
        GError *err = g_error_new(DNS_RESOLVER_ERROR, DNS_RESOLVER_ERROR_LOOKUP, "%s: %s", res->name,
                                  why ? why : "error");
        c->records_fn(c->ud, NULL, 0, err);
        g_error_free(err);
        g_free(c);
        return;
    }
    GPtrArray *data = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < res->answer->len; i++) {
        const dns_rr *rr = &g_array_index(res->answer, dns_rr, i);
        if (rr->type != c->qtype)
            continue;
        char *text = dns_rr_to_text(rr);
        gchar **f = g_strsplit(text, " ", 5);
        if (g_strv_length(f) == 5)
            g_ptr_array_add(data, g_strdup(f[4]));
        g_strfreev(f);
        g_free(text);
    }
    c->records_fn(c->ud, (const char *const *)data->pdata, data->len, NULL);
    g_ptr_array_free(data, TRUE);
    g_free(c);
}

static uint64_t hook_lookup_records(host_resolver *hr, const char *name, const char *type, host_records_fn fn,
                                    void *ud)
{
    hook *h = (hook *)hr;
    uint16_t qtype = dns_type_parse(type);
    if (!qtype || qtype == DNS_T_OPT || qtype == DNS_T_ANY)
        return 0;
    hook_call *c = g_new0(hook_call, 1);
    c->h = h;
    c->records_fn = fn;
    c->qtype = qtype;
    c->ud = ud;
    return lookup_full(h->r, name, qtype, hook_records_done, c, g_free);
}

static void hook_cancel(host_resolver *hr, uint64_t id) { dns_resolver_cancel(((hook *)hr)->r, id); }

host_resolver *dns_resolver_host(dns_resolver *r) { return &r->hook.base; }

/* ---- serving clients ------------------------------------------------------------ */

static void client_free(gpointer p)
{
    client *c = p;
    g_queue_delete_link(&c->r->clients, c->link);
    g_free(c->from);
    g_free(c->qname);
    g_free(c);
}

static void send_reply(dns_resolver *r, const char *to, uint16_t port, dns_msg *m)
{
    GByteArray *out = g_byte_array_new();
    if (dns_msg_encode(m, DNS_UDP_MAX_PLAIN, out, NULL) == DNS_OK)
        host_dgram_send(r->env, r->serve_sock, to, port, out->data, out->len, 0, NULL);
    g_byte_array_unref(out);
}

static void reply_head(dns_msg *m, uint16_t id, bool rd, const char *qname, uint16_t qtype,
                       uint16_t qclass, uint16_t rcode)
{
    dns_msg_init(m);
    m->id = id;
    m->qr = true;
    m->rd = rd;
    m->ra = true;
    m->opcode = DNS_OPCODE_QUERY;
    m->rcode = rcode;
    if (qname)
        dns_msg_set_question(m, qname, qtype, qclass);
}

/* The answer to a client: its question, the chain, the SOA of a negative answer. */
static void client_reply(dns_msg *m, uint16_t id, bool rd, const char *qname, uint16_t qtype, uint16_t qclass,
                         uint16_t rcode, const dns_rr *answer, guint n, const dns_rr *soa)
{
    reply_head(m, id, rd, qname, qtype, qclass, rcode);
    for (guint i = 0; i < n; i++)
        dns_msg_add_copy(m, DNS_SEC_ANSWER, &answer[i]);
    if (soa)
        dns_msg_add_copy(m, DNS_SEC_AUTHORITY, soa);
}

void dns_resolver_answer_msg(const dns_msg *query, const dns_msg *final, dns_msg *out)
{
    const dns_rr *soa = NULL;
    if (dns_msg_count(final, DNS_SEC_ANSWER) == 0)
        for (guint i = 0; i < dns_msg_count(final, DNS_SEC_AUTHORITY) && !soa; i++)
            if (dns_msg_rr(final, DNS_SEC_AUTHORITY, i)->type == DNS_T_SOA)
                soa = dns_msg_rr(final, DNS_SEC_AUTHORITY, i);
    client_reply(out, query->id, query->rd, query->qname, query->qtype, query->qclass, final->rcode,
                 dns_msg_count(final, DNS_SEC_ANSWER) ? dns_msg_rr(final, DNS_SEC_ANSWER, 0) : NULL,
                 dns_msg_count(final, DNS_SEC_ANSWER), soa);
}

static void client_answer(void *ud, const dns_lookup_result *res)
{
    client *c = ud;
    dns_resolver *r = c->r;
    dns_msg m;
    client_reply(&m, c->id, c->rd, c->qname, c->qtype, c->qclass, res->rcode,
                 res->answer->len ? &g_array_index(res->answer, dns_rr, 0) : NULL, res->answer->len, res->soa);
    send_reply(r, c->from, c->from_port, &m);
    dns_msg_clear(&m);
    r->st.served++;
    client_free(c);
}

static bool allowed(const dns_resolver *r, const char *from)
{
    if (r->cfg.allow_all)
        return true;
    for (guint i = 0; i < r->allow->len; i++)
        if (g_str_has_prefix(from, g_ptr_array_index(r->allow, i)))
            return true;
    return false;
}

static void on_client(void *ud, host_dgram *sock, const host_datagram *d)
{
    (void)sock;
    dns_resolver *r = ud;
    if (!d->data || d->len < DNS_HEADER_LEN) {
        r->st.dropped++;
        return;
    }
    dns_msg q;
    dns_msg_init(&q);
    dns_status st = dns_msg_decode(d->data, d->len, &q);
    if ((d->data[2] & 0x80) != 0) { /* a response: never answered */
        r->st.dropped++;
        dns_msg_clear(&q);
        return;
    }
    dns_msg m;
    if (!allowed(r, d->from) || (st == DNS_OK && q.opcode == DNS_OPCODE_QUERY && q.has_question && !q.rd)) {
        reply_head(&m, q.id, q.rd, q.has_question ? q.qname : NULL, q.qtype, q.qclass, DNS_RCODE_REFUSED);
        r->st.refused++;
    } else if (st != DNS_OK || (q.opcode == DNS_OPCODE_QUERY && !q.has_question)) {
        reply_head(&m, q.id, q.rd, NULL, 0, 0, DNS_RCODE_FORMERR);
    } else if (q.opcode != DNS_OPCODE_QUERY) {
        reply_head(&m, q.id, q.rd, NULL, 0, 0, DNS_RCODE_NOTIMP);
        m.opcode = q.opcode;
    } else if (r->clients.length >= r->cfg.max_clients) {
        r->st.dropped++;
        dns_msg_clear(&q);
        return;
    } else {
        client *c = g_new0(client, 1);
        c->r = r;
        c->from = g_strdup(d->from);
        c->from_port = d->from_port;
        c->id = q.id;
        c->rd = q.rd;
        c->qname = g_strdup(q.qname);
        c->qtype = q.qtype;
        c->qclass = q.qclass;
        g_queue_push_tail(&r->clients, c);
        c->link = r->clients.tail;
        lookup_full(r, q.qname, q.qtype, client_answer, c, client_free);
        dns_msg_clear(&q);
        return;
    }
    send_reply(r, d->from, d->from_port, &m);
    dns_msg_clear(&m);
    dns_msg_clear(&q);
}

bool dns_resolver_serve(dns_resolver *r, uint16_t port, GError **err)
{
    if (r->serve_sock) {
        g_set_error(err, DNS_RESOLVER_ERROR, DNS_RESOLVER_ERROR_SOCKET, "the resolver already serves on port %u",
                    host_dgram_port(r->env, r->serve_sock));
        return false;
    }
    r->serve_sock = host_dgram_open(r->env, port, on_client, r, err);
    return r->serve_sock != NULL;
}
