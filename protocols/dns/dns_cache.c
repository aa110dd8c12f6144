/*
 * dns_cache: RRsets and negative answers with absolute expiry, a trust
 * rank and least-recently-used eviction (see dns_cache.h).
 *
 * Entries live in a hash table (lookup only) keyed by "TTTTT:name" (the
 * type in five digits, then the lower-case name) and in a GQueue ordered
 * by use, most recent at the head; eviction takes the tail. Nothing
 * iterates the hash table.
 */
#include "dns_cache.h"

#include <string.h>

#define NS_PER_S INT64_C(1000000000)

typedef struct {
    char *key;
    char *name;       /* lower case */
    uint16_t type;    /* 0: NXDOMAIN for the name */
    bool negative;
    dns_trust trust;
    int64_t expiry;   /* host_now() ns */
    GArray *rrs;      /* positive: the RRset (dns_rr) */
    dns_rr soa;       /* negative: the SOA that proved it */
    GList *link;      /* in the use order */
} entry;

struct dns_cache {
    dns_cache_config cfg;
    GHashTable *table; /* key -> entry (owned) */
    GQueue lru;        /* of entry, most recently used first */
    dns_cache_stats st;
};

static void rr_clear_cb(gpointer p) { dns_rr_clear(p); }

GArray *dns_cache_rr_array_new(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(dns_rr));
    g_array_set_clear_func(a, rr_clear_cb);
    return a;
}

static void entry_free(gpointer p)
{
    entry *e = p;
    g_free(e->key);
    g_free(e->name);
    if (e->rrs)
        g_array_unref(e->rrs);
    dns_rr_clear(&e->soa);
    g_free(e);
}

dns_cache *dns_cache_new(const dns_cache_config *config)
{
    dns_cache *c = g_new0(dns_cache, 1);
    if (config)
        c->cfg = *config;
    if (!c->cfg.max_entries)
        c->cfg.max_entries = DNS_CACHE_DEFAULT_ENTRIES;
    if (!c->cfg.max_ttl_s)
        c->cfg.max_ttl_s = DNS_CACHE_DEFAULT_MAX_TTL_S;
    if (!c->cfg.max_negative_ttl_s)
        c->cfg.max_negative_ttl_s = DNS_CACHE_DEFAULT_MAX_NEG_TTL_S;
    c->table = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
    g_queue_init(&c->lru);
    return c;
}

void dns_cache_flush(dns_cache *c)
{
    g_queue_clear(&c->lru);
    g_hash_table_remove_all(c->table);
    c->st.entries = 0;
}

void dns_cache_free(dns_cache *c)
{
    if (!c)
        return;
    dns_cache_flush(c);
    g_hash_table_unref(c->table);
    g_free(c);
}

static char *make_key(const char *name, uint16_t type)
{
    char *low = dns_name_key(name);
    if (!low)
        low = g_ascii_strdown(name, -1);
    char *k = g_strdup_printf("%05u:%s", (unsigned)type, low);
    g_free(low);
    return k;
}

static void remove_entry(dns_cache *c, entry *e)
{
    g_queue_delete_link(&c->lru, e->link);
    c->st.entries--;
    g_hash_table_remove(c->table, e->key); /* frees e */
}

static void touch(dns_cache *c, entry *e)
{
    g_queue_unlink(&c->lru, e->link);
    g_queue_push_head_link(&c->lru, e->link);
}

/* The live entry for key, or NULL (an expired one is removed and counted). */
static entry *find(dns_cache *c, int64_t now, const char *name, uint16_t type)
{
    char *k = make_key(name, type);
    entry *e = g_hash_table_lookup(c->table, k);
    g_free(k);
    if (e && now >= e->expiry) {
        c->st.expired++;
        remove_entry(c, e);
        e = NULL;
    }
    return e;
}

/* Makes room for one entry and inserts it (its key set), at the head. */
static bool insert(dns_cache *c, entry *e)
{
    entry *old = g_hash_table_lookup(c->table, e->key);
    if (old)
        remove_entry(c, old);
    while (c->lru.length >= c->cfg.max_entries && c->lru.tail) {
        c->st.evictions++;
        remove_entry(c, c->lru.tail->data);
    }
    g_queue_push_head(&c->lru, e);
    e->link = c->lru.head;
    g_hash_table_insert(c->table, e->key, e);
    c->st.entries++;
    return true;
}

static uint32_t remaining_s(const entry *e, int64_t now) { return (uint32_t)((e->expiry - now) / NS_PER_S); }

bool dns_cache_put_rrset(dns_cache *c, int64_t now, const dns_rr *rrs, guint n, dns_trust trust)
{
    if (n == 0 || !rrs[0].name || c->cfg.disabled)
        return false;
    const char *name = rrs[0].name;
    uint16_t type = rrs[0].type;
    uint32_t ttl = UINT32_MAX;
    for (guint i = 0; i < n; i++)
        if (rrs[i].type == type && rrs[i].name && dns_name_eq(rrs[i].name, name) && rrs[i].ttl < ttl)
            ttl = rrs[i].ttl;
    if (ttl == 0)
        return false;
    ttl = MIN(ttl, c->cfg.max_ttl_s);
    entry *live = find(c, now, name, type);
    if (live && !live->negative && live->trust > trust)
        return false;
    entry *nx = find(c, now, name, 0); /* the name exists after all */
    if (nx)
        remove_entry(c, nx);
    entry *e = g_new0(entry, 1);
    e->key = make_key(name, type);
    e->name = dns_name_key(name);
    if (!e->name)
        e->name = g_ascii_strdown(name, -1);
    e->type = type;
    e->trust = trust;
    e->expiry = now + (int64_t)ttl * NS_PER_S;
    e->rrs = dns_cache_rr_array_new();
    for (guint i = 0; i < n; i++) {
        const dns_rr *rr = &rrs[i];
        if (rr->type != type || !rr->name || !dns_name_eq(rr->name, name))
            continue;
        bool dup = false;
        for (guint j = 0; j < e->rrs->len && !dup; j++)
            dup = dns_rr_same_data(&g_array_index(e->rrs, dns_rr, j), rr);
        if (dup)
            continue;
        dns_rr copy;
        dns_rr_copy(&copy, rr);
        g_array_append_val(e->rrs, copy);
    }
    return insert(c, e);
}

bool dns_cache_put_negative(dns_cache *c, int64_t now, const char *name, uint16_t type,
                            const dns_rr *soa)
{
    if (!name || !soa || soa->type != DNS_T_SOA || c->cfg.disabled)
        return false;
    uint32_t ttl = MIN(soa->ttl, soa->minimum);
    ttl = MIN(ttl, c->cfg.max_negative_ttl_s);
    if (ttl == 0)
        return false;
    entry *e = g_new0(entry, 1);
    e->key = make_key(name, type);
    e->name = dns_name_key(name);
    if (!e->name)
        e->name = g_ascii_strdown(name, -1);
    e->type = type;
    e->negative = true;
    e->trust = DNS_TRUST_AUTHORITY;
    e->expiry = now + (int64_t)ttl * NS_PER_S;
    dns_rr_copy(&e->soa, soa);
    return insert(c, e);
}

static void copy_out(const entry *e, int64_t now, GArray *out)
{
    if (!out)
        return;
    uint32_t ttl = remaining_s(e, now);
    for (guint i = 0; i < e->rrs->len; i++) {
        dns_rr copy;
        dns_rr_copy(&copy, &g_array_index(e->rrs, dns_rr, i));
        copy.ttl = ttl;
        g_array_append_val(out, copy);
    }
}

static dns_cache_result lookup(dns_cache *c, int64_t now, const char *name, uint16_t type,
                               GArray *out, dns_rr *soa, bool count)
{
    entry *e = type != 0 ? find(c, now, name, 0) : NULL; /* NXDOMAIN answers every type */
    dns_cache_result r = DNS_CACHE_NXDOMAIN;
    if (!e) {
        e = find(c, now, name, type);
        r = e && e->negative ? DNS_CACHE_NODATA : DNS_CACHE_HIT;
    }
    if (!e) {
        if (count)
            c->st.misses++;
        return DNS_CACHE_MISS;
    }
    if (count) {
        touch(c, e);
        if (r == DNS_CACHE_HIT)
            c->st.hits++;
        else
            c->st.negative_hits++;
    }
    if (r == DNS_CACHE_HIT) {
        copy_out(e, now, out);
    } else if (soa) {
        dns_rr_copy(soa, &e->soa);
        soa->ttl = remaining_s(e, now);
    }
    return r;
}

dns_cache_result dns_cache_get(dns_cache *c, int64_t now, const char *name, uint16_t type,
                               GArray *out, dns_rr *soa)
{
    return lookup(c, now, name, type, out, soa, true);
}

dns_cache_result dns_cache_peek(dns_cache *c, int64_t now, const char *name, uint16_t type,
                                GArray *out)
{
    return lookup(c, now, name, type, out, NULL, false);
}

bool dns_cache_closest_ns(dns_cache *c, int64_t now, const char *name, char **zone, GArray *ns,
                          GArray *addrs)
{
    const char *at = name;
    for (;;) {
        entry *e = find(c, now, at, DNS_T_NS);
        if (e && !e->negative && e->rrs->len > 0) {
            *zone = g_strdup(e->name);
            copy_out(e, now, ns);
            if (addrs) {
                for (guint i = 0; i < e->rrs->len; i++) {
                    const char *target = g_array_index(e->rrs, dns_rr, i).target;
                    if (!target)
                        continue;
                    static const uint16_t types[] = {DNS_T_A, DNS_T_AAAA};
                    for (size_t t = 0; t < G_N_ELEMENTS(types); t++) {
                        entry *a = find(c, now, target, types[t]);
                        if (a && !a->negative)
                            copy_out(a, now, addrs);
                    }
                }
            }
            return true;
        }
        if (!*at)
            return false;
        at = dns_name_parent(at);
    }
}

void dns_cache_get_stats(const dns_cache *c, dns_cache_stats *out) { *out = c->st; }
