/*
 * http_cache: a web cache's store of responses, with LRU, LFU and FIFO
 * replacement and the freshness rules of RFC 9111 section 4.2.
 *
 * Layout. Every entry lives once on the heap and is reachable two ways:
 *   - a GHashTable from URL to entry, used only for lookups (it is never
 *     iterated, so its order can leak into nothing);
 *   - a binary min-heap (a GPtrArray of entries, each entry knowing its own
 *     index) ordered by the policy's key, whose root is the next victim.
 * The keys are built from one counter, `seq`, that every store and every
 * use (a fresh or stale lookup) advances, so no two entries ever compare
 * equal and nothing depends on memory addresses:
 *   - LRU:  (last use seq)             — a store counts as a use;
 *   - LFU:  (hits + 1, last use seq)   — the least recently used among equals;
 *   - FIFO: (insertion seq)            — lookups do not move an entry.
 *
 * Replacing a URL that is held (a new 200 after a stale hit, say) releases
 * the old body's bytes before anything is evicted, so the old version never
 * pushes out other entries. The new version counts as a new store (the
 * most recently used for LRU, the newest for FIFO) but keeps the URL's hit
 * count (LFU's frequency), because popularity belongs to the URL, not to
 * one version of its body. When the new version is larger than the whole
 * capacity it is not stored and the old version is dropped too (it has
 * been superseded): the URL then misses.
 *
 * A 304 (http_cache_refresh) restamps the entry and recomputes its lifetime
 * from the merged headers; it does not count as a use (the lookup that
 * found the entry stale already did) and does not change FIFO order.
 *
 * The capacity counts body bytes (CACHE_COST_BODY) or each entry's whole
 * cost (CACHE_COST_ENTRY: body, key, heads and a fixed part, see
 * http_cache_entry_cost); stats.cost is the total under the model in use,
 * stats.bytes always the body bytes. A 304 that makes a head longer
 * re-counts its entry and may evict others.
 *
 * Vary: an entry keeps, beside the response head, the request headers the
 * response's Vary names (as a small message). One variant per URL: storing
 * another replaces it, which is allowed (RFC 9111 section 4.1) and keeps
 * the key a plain URL.
 *
 * Costs: lookup O(1) expected plus O(log n) to reorder the heap on a hit;
 * peek O(1) expected;
 * store O(log n) per eviction plus the copy of the head; remove O(log n);
 * refresh O(number of headers); eviction_order O(n log n) (a sorted copy,
 * for tests and teaching only). Memory: one entry, one URL string and one
 * copied head per object; bodies are shared references to the caller's
 * GBytes.
 */
#include "http_cache.h"

#include <string.h>

#include "http_server.h" /* http_parse_date */

/* RFC 9111 section 1.2.2: a delta-seconds too large to represent is taken
 * as 2^31. */
#define CACHE_DELTA_MAX INT64_C(2147483648)
/* The heuristic lifetime's fraction (1/10) and cap (one day, in seconds). */
#define CACHE_HEURISTIC_DIV 10
#define CACHE_HEURISTIC_CAP INT64_C(86400)

typedef struct {
    http_cached pub;   /* what lookup hands out; pub.url and pub.head alias the two below */
    char *url;         /* owned; also the hash table's key */
    http_msg *head;    /* owned copy of the stored response head */
    http_msg *variant; /* owned: the request headers Vary names; NULL without Vary */
    uint64_t last_use; /* seq of the last store or use */
    uint64_t inserted; /* seq of the store */
    guint pos;         /* index in the heap */
} entry;

struct http_cache {
    uint64_t capacity; /* bytes, counted by cost_model */
    cache_policy policy;
    cache_cost cost_model;
    uint64_t seq;      /* advances at every store and use; 0 is never used */
    GHashTable *by_url; /* char* (entry's url) -> entry*; lookups only */
    GPtrArray *heap;    /* of entry*, a min-heap on the policy's key */
    http_cache_stats stats;
};

/* ---- policy names --------------------------------------------------------- */

static const char *const policy_names[] = {
    [CACHE_LRU] = "lru",
    [CACHE_LFU] = "lfu",
    [CACHE_FIFO] = "fifo",
};

const char *cache_policy_name(cache_policy p)
{
    if ((unsigned)p >= G_N_ELEMENTS(policy_names))
        return "?";
    return policy_names[p];
}

bool cache_policy_parse(const char *s, cache_policy *out)
{
    if (!s)
        return false;
    for (unsigned i = 0; i < G_N_ELEMENTS(policy_names); i++) {
        if (g_ascii_strcasecmp(s, policy_names[i]) == 0) {
            if (out)
                *out = (cache_policy)i;
            return true;
        }
    }
    return false;
}

/* ---- heads ------------------------------------------------------------------ */

/* A deep copy of a message head: start line and every header, in order. */
static http_msg *msg_copy(const http_msg *m)
{
    http_msg *c;
    if (m->is_request) {
        const char *method = m->method_str ? m->method_str : http_method_name(m->method);
        const char *target = m->target ? m->target : "/";
        c = http_msg_new_request_len(method, strlen(method), target, strlen(target), m->version);
        c->method = m->method;
    } else {
        c = http_msg_new_response(m->status, m->reason, m->version);
    }
    for (guint i = 0; i < m->headers->len; i++) {
        const http_header *h = &g_array_index(m->headers, http_header, i);
        http_msg_add(c, h->name, h->value);
    }
    return c;
}

/* Makes every occurrence of `name` in `dst` the occurrences `src` has, when
 * `src` has any: the first takes the place of dst's first (or is appended),
 * the others follow at the end. */
static void copy_header_from(http_msg *dst, const http_msg *src, const char *name)
{
    bool first = true;
    for (guint i = 0; i < src->headers->len; i++) {
        const http_header *h = &g_array_index(src->headers, http_header, i);
        if (g_ascii_strcasecmp(h->name, name) != 0)
            continue;
        if (first)
            http_msg_set(dst, h->name, h->value);
        else
            http_msg_add(dst, h->name, h->value);
        first = false;
    }
}

/* ---- freshness ------------------------------------------------------------ */

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* a - b when a > b, else 0, without overflowing on any inputs. */
static int64_t diff_pos(int64_t a, int64_t b)
{
    if (a <= b)
        return 0;
    uint64_t d = (uint64_t)a - (uint64_t)b;
    return d > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)d;
}

/* Parses a delta-seconds (RFC 9111 section 1.2.2) from the span [p, end),
 * tolerating the quoted form some servers send. -1 when it is not one;
 * values past 2^31 are taken as 2^31. */
static int64_t parse_delta(const char *p, const char *end)
{
    if (end - p >= 2 && p[0] == '"' && end[-1] == '"') {
        p++;
        end--;
    }
    if (p == end)
        return -1;
    int64_t v = 0;
    for (; p < end; p++) {
        if (!g_ascii_isdigit(*p))
            return -1;
        if (v < CACHE_DELTA_MAX)
            v = v * 10 + (*p - '0');
    }
    return v < CACHE_DELTA_MAX ? v : CACHE_DELTA_MAX;
}

/* What the Cache-Control directives of a message say. */
typedef struct {
    bool no_store, no_cache, private_, public_, must_revalidate;
    bool has_max_age, has_s_maxage;
    int64_t max_age;  /* s; 0 when the value was invalid (then the response is stale) */
    int64_t s_maxage; /* s; the same */
} cc_info;

/* Whether the span [name, name + len) is the directive `d` (ignoring case). */
static bool is_directive(const char *name, size_t len, const char *d)
{
    return len == strlen(d) && g_ascii_strncasecmp(name, d, len) == 0;
}

/* Applies one directive `name[=value]` to cc. The first max-age and the
 * first s-maxage count (RFC 9111 section 4.2.1); a qualified no-cache or
 * private ("private=Set-Cookie") is taken as the unqualified one, the
 * conservative reading. */
static void cc_apply(cc_info *cc, const char *name, size_t name_len, const char *val,
                     const char *val_end)
{
    if (is_directive(name, name_len, "no-store")) {
        cc->no_store = true;
    } else if (is_directive(name, name_len, "no-cache")) {
        cc->no_cache = true;
    } else if (is_directive(name, name_len, "private")) {
        cc->private_ = true;
    } else if (is_directive(name, name_len, "public")) {
        cc->public_ = true;
    } else if (is_directive(name, name_len, "must-revalidate") ||
               is_directive(name, name_len, "proxy-revalidate")) {
        cc->must_revalidate = true;
    } else if (is_directive(name, name_len, "max-age") && !cc->has_max_age) {
        int64_t d = val ? parse_delta(val, val_end) : -1;
        cc->has_max_age = true;
        cc->max_age = d < 0 ? 0 : d;
    } else if (is_directive(name, name_len, "s-maxage") && !cc->has_s_maxage) {
        int64_t d = val ? parse_delta(val, val_end) : -1;
        cc->has_s_maxage = true;
        cc->s_maxage = d < 0 ? 0 : d;
    }
}

/* Reads one Cache-Control field value: a comma-separated list of
 * directives `name` or `name=value`, where a value may be a quoted string
 * (which may itself hold commas). Names are case-insensitive. */
static void cc_parse(const char *v, cc_info *cc)
{
    const char *p = v;
    while (*p) {
        while (is_ows(*p) || *p == ',')
            p++;
        if (!*p)
            break;
        const char *name = p;
        while (*p && *p != '=' && *p != ',' && !is_ows(*p))
            p++;
        size_t name_len = (size_t)(p - name);
        while (is_ows(*p))
            p++;
        const char *val = NULL, *val_end = NULL;
        if (*p == '=') {
            p++;
            while (is_ows(*p))
                p++;
            val = p;
            if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1])
                        p++;
                    p++;
                }
                if (*p == '"')
                    p++;
            } else {
                while (*p && *p != ',' && !is_ows(*p))
                    p++;
            }
            val_end = p;
        }
        /* Anything else up to the next comma is junk we step over. */
        while (*p && *p != ',')
            p++;
        cc_apply(cc, name, name_len, val, val_end);
    }
}

/* Every Cache-Control field line of m read as one list. */
static cc_info cc_of(const http_msg *m)
{
    cc_info cc = {0};
    for (guint i = 0; m && i < m->headers->len; i++) {
        const http_header *h = &g_array_index(m->headers, http_header, i);
        if (g_ascii_strcasecmp(h->name, "Cache-Control") == 0)
            cc_parse(h->value, &cc);
    }
    return cc;
}

int64_t http_cache_lifetime(const http_msg *head, int64_t now_s)
{
    if (!head)
        return 0;
    /* Cache-Control may come in several field lines: they form one list.
     * This is a shared cache, so s-maxage comes before max-age. */
    cc_info cc = cc_of(head);
    if (cc.no_store || cc.no_cache)
        return 0;
    if (cc.has_s_maxage)
        return cc.s_maxage;
    if (cc.has_max_age)
        return cc.max_age;

    /* Without a (valid) Date the cache uses the time it received the
     * response, as RFC 9110 section 6.6.1 lets a recipient do. */
    int64_t date = http_parse_date(http_msg_get(head, "Date"));
    if (date < 0)
        date = now_s;

    const char *expires = http_msg_get(head, "Expires");
    if (expires) {
        /* An invalid Expires ("0", say) means already expired. */
        int64_t e = http_parse_date(expires);
        return e < 0 ? 0 : diff_pos(e, date);
    }

    int64_t lm = http_parse_date(http_msg_get(head, "Last-Modified"));
    if (lm >= 0) {
        int64_t h = diff_pos(date, lm) / CACHE_HEURISTIC_DIV;
        return h < CACHE_HEURISTIC_CAP ? h : CACHE_HEURISTIC_CAP;
    }
    return 0;
}

/* Whether an entry is fresh at now_s: its age (never negative) is below
 * its lifetime. */
static bool is_fresh(const entry *e, int64_t now_s)
{
    return diff_pos(now_s, e->pub.stored) < e->pub.lifetime;
}

/* ---- the heap --------------------------------------------------------------- */

/* Whether a goes before b in eviction order under `policy`. Every key ends
 * in a sequence number unique to its entry, so this is a strict total order. */
static bool evicts_before(cache_policy policy, const entry *a, const entry *b)
{
    switch (policy) {
    case CACHE_LFU:
        if (a->pub.hits != b->pub.hits)
            return a->pub.hits < b->pub.hits;
        return a->last_use < b->last_use;
    case CACHE_FIFO:
        return a->inserted < b->inserted;
    case CACHE_LRU:
    default:
        return a->last_use < b->last_use;
    }
}

static entry *heap_at(const http_cache *c, guint i)
{
    return g_ptr_array_index(c->heap, i);
}

static void heap_place(http_cache *c, guint i, entry *e)
{
    g_ptr_array_index(c->heap, i) = e;
    e->pos = i;
}

static void sift_up(http_cache *c, guint i)
{
    entry *e = heap_at(c, i);
    while (i > 0) {
        guint parent = (i - 1) / 2;
        entry *p = heap_at(c, parent);
        if (!evicts_before(c->policy, e, p))
            break;
        heap_place(c, i, p);
        i = parent;
    }
    heap_place(c, i, e);
}

static void sift_down(http_cache *c, guint i)
{
    guint n = c->heap->len;
    entry *e = heap_at(c, i);
    for (;;) {
        guint l = 2 * i + 1;
        if (l >= n)
            break;
        guint child = l;
        if (l + 1 < n && evicts_before(c->policy, heap_at(c, l + 1), heap_at(c, l)))
            child = l + 1;
        if (!evicts_before(c->policy, heap_at(c, child), e))
            break;
        heap_place(c, i, heap_at(c, child));
        i = child;
    }
    heap_place(c, i, e);
}

static void heap_push(http_cache *c, entry *e)
{
    g_ptr_array_add(c->heap, e);
    sift_up(c, c->heap->len - 1);
}

/* Restores the heap after e's key changed in either direction. */
static void heap_fix(http_cache *c, entry *e)
{
    guint i = e->pos;
    sift_up(c, i);
    if (e->pos == i)
        sift_down(c, i);
}

static void heap_delete(http_cache *c, entry *e)
{
    guint i = e->pos;
    guint last = c->heap->len - 1;
    entry *moved = heap_at(c, last);
    g_ptr_array_set_size(c->heap, last);
    if (i == last)
        return;
    heap_place(c, i, moved);
    heap_fix(c, moved);
}

/* ---- entries ------------------------------------------------------------------ */

static void entry_free(entry *e)
{
    if (e->pub.body)
        g_bytes_unref(e->pub.body);
    http_msg_free(e->head);
    http_msg_free(e->variant);
    g_free(e->url);
    g_free(e);
}

/* Takes e out of the hash, the heap and the byte count, and frees it. */
static void entry_drop(http_cache *c, entry *e)
{
    g_hash_table_remove(c->by_url, e->url);
    heap_delete(c, e);
    c->stats.bytes -= e->pub.size;
    c->stats.cost -= e->pub.cost;
    c->stats.objects--;
    entry_free(e);
}

/* Marks e used now: a new last-use seq and, for LFU's count, one more hit. */
static void entry_use(http_cache *c, entry *e)
{
    e->pub.hits++;
    e->last_use = ++c->seq;
    heap_fix(c, e);
}

/* ---- the cache --------------------------------------------------------------- */

void http_cache_set_cost(http_cache *c, cache_cost cost)
{
    if (c && c->stats.stores == 0)
        c->cost_model = cost == CACHE_COST_ENTRY ? CACHE_COST_ENTRY : CACHE_COST_BODY;
}

/* What a message head costs: the struct, its strings and header array,
 * each header's name and value, with one allocation's bookkeeping each.
 * A cost model of the cache's budget, not a count of this process's
 * allocations: a header's name and value now share one block, but it is
 * still counted as two, so that budgets evict as they always did. */
#define CACHE_ALLOC_COST 16u
static uint64_t msg_cost(const http_msg *m)
{
    if (!m)
        return 0;
    uint64_t n = sizeof *m + CACHE_ALLOC_COST;
    const char *strs[] = {m->method_str, m->target, m->reason};
    for (size_t i = 0; i < G_N_ELEMENTS(strs); i++)
        n += strs[i] ? strlen(strs[i]) + 1 + CACHE_ALLOC_COST : 0;
    for (guint i = 0; i < m->headers->len; i++) {
        const http_header *h = &g_array_index(m->headers, http_header, i);
        n += sizeof *h + strlen(h->name) + strlen(h->value) + 2 + 2 * CACHE_ALLOC_COST;
    }
    return n;
}

uint64_t http_cache_entry_cost(const char *url, const http_msg *head, const http_msg *variant,
                               uint64_t size)
{
    uint64_t fixed = CACHE_ENTRY_FIXED_COST + (url ? strlen(url) + 1 : 0) + msg_cost(head) +
                     msg_cost(variant);
    return size > UINT64_MAX - fixed ? UINT64_MAX : size + fixed;
}

http_cache *http_cache_new(uint64_t capacity_bytes, cache_policy policy)
{
    http_cache *c = g_new0(http_cache, 1);
    c->capacity = capacity_bytes;
    c->policy = (unsigned)policy < G_N_ELEMENTS(policy_names) ? policy : CACHE_LRU;
    c->by_url = g_hash_table_new(g_str_hash, g_str_equal);
    c->heap = g_ptr_array_new();
    return c;
}

void http_cache_free(http_cache *c)
{
    if (!c)
        return;
    /* The heap holds every entry exactly once; the hash only borrows them. */
    for (guint i = 0; i < c->heap->len; i++)
        entry_free(heap_at(c, i));
    g_ptr_array_free(c->heap, TRUE);
    g_hash_table_destroy(c->by_url);
    g_free(c);
}

cache_state http_cache_lookup(http_cache *c, const char *url, int64_t now_s,
                              const http_cached **out)
{
    if (out)
        *out = NULL;
    if (!c || !url)
        return CACHE_MISS;
    c->stats.lookups++;
    entry *e = g_hash_table_lookup(c->by_url, url);
    if (!e) {
        c->stats.misses++;
        return CACHE_MISS;
    }
    entry_use(c, e);
    if (out)
        *out = &e->pub;
    if (is_fresh(e, now_s)) {
        c->stats.fresh_hits++;
        return CACHE_FRESH;
    }
    c->stats.stale_hits++;
    return CACHE_STALE;
}

const http_cached *http_cache_peek(const http_cache *c, const char *url)
{
    if (!c || !url)
        return NULL;
    const entry *e = g_hash_table_lookup(c->by_url, url);
    return e ? &e->pub : NULL;
}

/* The entry's cost under the cache's model. */
static uint64_t cost_of(const http_cache *c, const entry *e)
{
    if (c->cost_model == CACHE_COST_BODY)
        return e->pub.size;
    return http_cache_entry_cost(e->url, e->head, e->variant, e->pub.size);
}

/* Evicts entries other than `keep` by the policy until `need` more bytes
 * fit. False when they cannot (need alone is over the capacity, or only
 * `keep` is left). */
static bool make_room(http_cache *c, uint64_t need, const entry *keep)
{
    if (need > c->capacity)
        return false;
    while (need > c->capacity - c->stats.cost) {
        entry *victim = heap_at(c, 0);
        if (victim == keep) {
            if (c->heap->len < 2)
                return false;
            /* keep is next in line: take the better of its two children. */
            guint i = c->heap->len > 2 && evicts_before(c->policy, heap_at(c, 2), heap_at(c, 1)) ? 2 : 1;
            victim = heap_at(c, i);
        }
        entry_drop(c, victim);
        c->stats.evictions++;
    }
    return true;
}

/* The request headers `head`'s Vary names, with their values in `req`, as
 * a new message (headers absent from req are left out); NULL when the
 * response has no Vary. */
static http_msg *variant_of(const http_msg *head, const http_msg *req)
{
    if (!head || !http_msg_get(head, "Vary"))
        return NULL;
    http_msg *v = http_msg_new_request(HTTP_M_GET, "/", 11);
    for (guint i = 0; req && i < head->headers->len; i++) {
        const http_header *h = &g_array_index(head->headers, http_header, i);
        if (g_ascii_strcasecmp(h->name, "Vary") != 0)
            continue;
        gchar **names = g_strsplit(h->value, ",", -1);
        for (gchar **n = names; *n; n++) {
            g_strstrip(*n);
            for (guint j = 0; **n && j < req->headers->len; j++) {
                const http_header *r = &g_array_index(req->headers, http_header, j);
                if (g_ascii_strcasecmp(r->name, *n) == 0)
                    http_msg_add(v, r->name, r->value);
            }
        }
        g_strfreev(names);
    }
    return v;
}

bool http_cache_store(http_cache *c, const char *url, const http_msg *head, GBytes *body,
                      uint64_t size, int64_t now_s)
{
    return http_cache_store_variant(c, url, NULL, head, body, size, now_s);
}

bool http_cache_store_variant(http_cache *c, const char *url, const http_msg *req,
                              const http_msg *head, GBytes *body, uint64_t size, int64_t now_s)
{
    if (!c || !url)
        return false;

    /* The old version goes first, so its bytes make room for the new one. */
    uint64_t hits = 0;
    entry *old = g_hash_table_lookup(c->by_url, url);
    if (old) {
        hits = old->pub.hits;
        entry_drop(c, old);
    }

    entry *e = g_new0(entry, 1);
    e->url = g_strdup(url);
    e->head = head ? msg_copy(head) : http_msg_new_response(200, NULL, 11);
    e->variant = variant_of(e->head, req);
    e->pub.size = size;
    e->pub.cost = cost_of(c, e);
    if (!make_room(c, e->pub.cost, NULL)) {
        c->stats.too_large++;
        entry_free(e);
        return false;
    }
    e->pub.url = e->url;
    e->pub.head = e->head;
    e->pub.variant = e->variant;
    e->pub.body = body ? g_bytes_ref(body) : NULL;
    e->pub.stored = now_s;
    e->pub.lifetime = http_cache_lifetime(e->head, now_s);
    e->pub.hits = hits;
    e->inserted = e->last_use = ++c->seq;

    g_hash_table_insert(c->by_url, e->url, e);
    heap_push(c, e);
    c->stats.bytes += size;
    c->stats.cost += e->pub.cost;
    c->stats.objects++;
    c->stats.stores++;
    return true;
}

void http_cache_refresh(http_cache *c, const char *url, const http_msg *not_modified,
                        int64_t now_s)
{
    if (!c || !url)
        return;
    entry *e = g_hash_table_lookup(c->by_url, url);
    if (!e)
        return; /* evicted or removed while the 304 was on its way */
    if (not_modified) {
        static const char *const updated[] = {"Date", "Expires", "Cache-Control", "ETag",
                                              "Last-Modified"};
        for (unsigned i = 0; i < G_N_ELEMENTS(updated); i++)
            copy_header_from(e->head, not_modified, updated[i]);
        /* The merged head may cost more (or less) than the old one. */
        uint64_t cost = cost_of(c, e);
        c->stats.cost -= e->pub.cost;
        e->pub.cost = 0;
        if (!make_room(c, cost, e)) {
            entry_drop(c, e);
            return;
        }
        e->pub.cost = cost;
        c->stats.cost += cost;
    }
    e->pub.stored = now_s;
    e->pub.lifetime = http_cache_lifetime(e->head, now_s);
    c->stats.refreshes++;
}

void http_cache_remove(http_cache *c, const char *url)
{
    if (!c || !url)
        return;
    entry *e = g_hash_table_lookup(c->by_url, url);
    if (e)
        entry_drop(c, e);
}

/* The values of every field line `name` of m joined with ", ", each
 * trimmed of spaces, into out (emptied first); false when m has none. */
static bool joined_value(const http_msg *m, const char *name, GString *out)
{
    g_string_truncate(out, 0);
    bool any = false;
    for (guint i = 0; m && i < m->headers->len; i++) {
        const http_header *h = &g_array_index(m->headers, http_header, i);
        if (g_ascii_strcasecmp(h->name, name) != 0)
            continue;
        const char *v = h->value, *end = v + strlen(v);
        while (is_ows(*v))
            v++;
        while (end > v && is_ows(end[-1]))
            end--;
        if (any)
            g_string_append(out, ", ");
        g_string_append_len(out, v, end - v);
        any = true;
    }
    return any;
}

/* Whether one Vary field name has the same value in the stored variant
 * and in req. */
static bool same_field(const http_msg *stored, const http_msg *req, const char *name)
{
    GString *a = g_string_new(NULL), *b = g_string_new(NULL);
    bool has_a = joined_value(stored, name, a), has_b = joined_value(req, name, b);
    bool same = has_a == has_b && strcmp(a->str, b->str) == 0;
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    return same;
}

bool http_cache_variant_matches(const http_cached *e, const http_msg *req)
{
    if (!e || !e->variant)
        return true;
    bool match = true;
    for (guint i = 0; match && i < e->head->headers->len; i++) {
        const http_header *h = &g_array_index(e->head->headers, http_header, i);
        if (g_ascii_strcasecmp(h->name, "Vary") != 0)
            continue;
        gchar **names = g_strsplit(h->value, ",", -1);
        for (gchar **n = names; match && *n; n++) {
            g_strstrip(*n);
            if (!strcmp(*n, "*"))
                match = false;
            else if (**n)
                match = same_field(e->variant, req, *n);
        }
        g_strfreev(names);
    }
    return match;
}

/* Whether a Vary field value lists "*". */
static bool vary_star(const http_msg *m)
{
    for (guint i = 0; i < m->headers->len; i++) {
        const http_header *h = &g_array_index(m->headers, http_header, i);
        if (g_ascii_strcasecmp(h->name, "Vary") != 0)
            continue;
        gchar **names = g_strsplit(h->value, ",", -1);
        bool star = false;
        for (gchar **n = names; *n && !star; n++)
            star = !strcmp(g_strstrip(*n), "*");
        g_strfreev(names);
        if (star)
            return true;
    }
    return false;
}

bool http_cache_storable(const http_msg *req, const http_msg *resp, const char **why)
{
    const char *no = NULL;
    cc_info rq = cc_of(req), rs = cc_of(resp);
    if (!req || !resp || req->method != HTTP_M_GET)
        no = "not a GET";
    else if (resp->status != 200)
        no = "not a 200";
    else if (rq.no_store || rs.no_store)
        no = "no-store";
    else if (rs.private_)
        no = "private";
    else if (http_msg_get(req, "Authorization") && !rs.public_ && !rs.has_s_maxage &&
             !rs.must_revalidate)
        no = "Authorization";
    else if (vary_star(resp))
        no = "Vary: *";
    if (why)
        *why = no;
    return no == NULL;
}

bool http_cache_request_no_cache(const http_msg *req)
{
    cc_info cc = cc_of(req);
    return cc.no_cache || (cc.has_max_age && cc.max_age == 0) ||
           (req && !http_msg_get(req, "Cache-Control") && http_msg_has_token(req, "Pragma", "no-cache"));
}

const http_cache_stats *http_cache_get_stats(const http_cache *c)
{
    return &c->stats;
}

static gint order_cmp(gconstpointer a, gconstpointer b, gpointer policy)
{
    const entry *x = *(entry *const *)a;
    const entry *y = *(entry *const *)b;
    cache_policy p = (cache_policy)GPOINTER_TO_INT(policy);
    if (evicts_before(p, x, y))
        return -1;
    return evicts_before(p, y, x) ? 1 : 0;
}

GPtrArray *http_cache_eviction_order(const http_cache *c)
{
    guint n = c->heap->len;
    GPtrArray *sorted = g_ptr_array_sized_new(n);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(sorted, heap_at(c, i));
    g_ptr_array_sort_with_data(sorted, order_cmp, GINT_TO_POINTER((int)c->policy));
    GPtrArray *urls = g_ptr_array_sized_new(n);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(urls, ((entry *)g_ptr_array_index(sorted, i))->url);
    g_ptr_array_free(sorted, TRUE);
    return urls;
}
