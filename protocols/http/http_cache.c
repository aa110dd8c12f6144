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
    uint64_t last_use; /* seq of the last store or use */
    uint64_t inserted; /* seq of the store */
    guint pos;         /* index in the heap */
} entry;

struct http_cache {
    uint64_t capacity; /* body bytes */
    cache_policy policy;
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

/* What the Cache-Control directives of a response say about its lifetime. */
typedef struct {
    bool no_store_or_cache; /* no-store or no-cache: never fresh */
    bool has_max_age;
    int64_t max_age; /* s; 0 when the value was invalid (then the response is stale) */
} cc_info;

/* Reads one Cache-Control field value: a comma-separated list of
 * directives `name` or `name=value`, where a value may be a quoted string
 * (which may itself hold commas). Names are case-insensitive; the first
 * max-age counts (RFC 9111 section 4.2.1). */
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

        if ((name_len == 8 && g_ascii_strncasecmp(name, "no-store", 8) == 0) ||
            (name_len == 8 && g_ascii_strncasecmp(name, "no-cache", 8) == 0)) {
            cc->no_store_or_cache = true;
        } else if (name_len == 7 && g_ascii_strncasecmp(name, "max-age", 7) == 0 &&
                   !cc->has_max_age) {
            int64_t d = val ? parse_delta(val, val_end) : -1;
            cc->has_max_age = true;
            cc->max_age = d < 0 ? 0 : d;
        }
    }
}

int64_t http_cache_lifetime(const http_msg *head, int64_t now_s)
{
    if (!head)
        return 0;
    /* Cache-Control may come in several field lines: they form one list. */
    cc_info cc = {0};
    for (guint i = 0; i < head->headers->len; i++) {
        const http_header *h = &g_array_index(head->headers, http_header, i);
        if (g_ascii_strcasecmp(h->name, "Cache-Control") == 0)
            cc_parse(h->value, &cc);
    }
    if (cc.no_store_or_cache)
        return 0;
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
    g_free(e->url);
    g_free(e);
}

/* Takes e out of the hash, the heap and the byte count, and frees it. */
static void entry_drop(http_cache *c, entry *e)
{
    g_hash_table_remove(c->by_url, e->url);
    heap_delete(c, e);
    c->stats.bytes -= e->pub.size;
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

bool http_cache_store(http_cache *c, const char *url, const http_msg *head, GBytes *body,
                      uint64_t size, int64_t now_s)
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

    if (size > c->capacity) {
        c->stats.too_large++;
        return false;
    }
    while (size > c->capacity - c->stats.bytes) {
        /* bytes + size > capacity >= size, so something is held. */
        entry_drop(c, heap_at(c, 0));
        c->stats.evictions++;
    }

    entry *e = g_new0(entry, 1);
    e->url = g_strdup(url);
    e->head = head ? msg_copy(head) : http_msg_new_response(200, NULL, 11);
    e->pub.url = e->url;
    e->pub.head = e->head;
    e->pub.body = body ? g_bytes_ref(body) : NULL;
    e->pub.size = size;
    e->pub.stored = now_s;
    e->pub.lifetime = http_cache_lifetime(e->head, now_s);
    e->pub.hits = hits;
    e->inserted = e->last_use = ++c->seq;

    g_hash_table_insert(c->by_url, e->url, e);
    heap_push(c, e);
    c->stats.bytes += size;
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
