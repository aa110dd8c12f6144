/* Tests of protocols/http/http_cache: hits, misses and staleness, 304
 * refreshes and replacements, the eviction order of LRU, LFU and FIFO,
 * byte accounting, the freshness lifetime rules, determinism, and a
 * randomized run checked step by step against a linear-scan model. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "protocols/http/http_cache.h"
#include "protocols/http/http_server.h" /* http_format_date */
#include "test_util.h"

/* An arbitrary epoch second (2023-11-14) from which test times count. */
#define T0 INT64_C(1700000000)

/* ---- helpers ------------------------------------------------------------------ */

static void add_date(http_msg *m, const char *name, int64_t epoch_s)
{
    char buf[30];
    http_format_date(epoch_s, buf);
    http_msg_add(m, name, buf);
}

/* A 200 head dated `date` with Cache-Control `cc` (NULL: none). */
static http_msg *head_cc(int64_t date, const char *cc)
{
    http_msg *h = http_msg_new_response(200, NULL, 11);
    add_date(h, "Date", date);
    http_msg_add(h, "Content-Type", "text/html");
    if (cc)
        http_msg_add(h, "Cache-Control", cc);
    return h;
}

/* Joins an array of strings with commas into a new string. */
static char *join(GPtrArray *a)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < a->len; i++) {
        if (i)
            g_string_append_c(s, ',');
        g_string_append(s, g_ptr_array_index(a, i));
    }
    return g_string_free(s, FALSE);
}

/* The eviction order as a new "a,b,c" string. */
static char *order_str(const http_cache *c)
{
    GPtrArray *o = http_cache_eviction_order(c);
    char *s = join(o);
    g_ptr_array_unref(o);
    return s;
}

/* Stores `url` and appends to `victims` (owned strings) the URLs it
 * evicted, in the order they went: the entries held before that are gone
 * after, other than `url` itself, taken in the eviction order from before
 * (the victims of one store are always a prefix of that order). */
static bool store_noting(http_cache *c, const char *url, uint64_t size, int64_t now,
                         const http_msg *head, GPtrArray *victims)
{
    GPtrArray *before = http_cache_eviction_order(c);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < before->len; i++)
        g_ptr_array_add(names, g_strdup(g_ptr_array_index(before, i)));
    g_ptr_array_unref(before);

    bool ok = http_cache_store(c, url, head, NULL, size, now);

    GPtrArray *after = http_cache_eviction_order(c);
    for (guint i = 0; i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        if (strcmp(n, url) == 0)
            continue;
        bool kept = false;
        for (guint j = 0; j < after->len && !kept; j++)
            kept = strcmp(n, g_ptr_array_index(after, j)) == 0;
        if (!kept)
            g_ptr_array_add(victims, g_strdup(n));
    }
    g_ptr_array_unref(after);
    g_ptr_array_unref(names);
    return ok;
}

/* ---- names -------------------------------------------------------------------- */

static void test_policy_names(void)
{
    static const struct {
        const char *s;
        bool ok;
        cache_policy p;
    } cases[] = {
        {"lru", true, CACHE_LRU},  {"lfu", true, CACHE_LFU}, {"fifo", true, CACHE_FIFO},
        {"LRU", true, CACHE_LRU},  {"", false, CACHE_LRU},   {"mru", false, CACHE_LRU},
        {"lru ", false, CACHE_LRU},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        cache_policy p = CACHE_FIFO;
        CU_ASSERT_EQUAL(cache_policy_parse(cases[i].s, &p), cases[i].ok);
        if (cases[i].ok) {
            CU_ASSERT_EQUAL(p, cases[i].p);
        }
    }
    CU_ASSERT_FALSE(cache_policy_parse(NULL, NULL));
    CU_ASSERT_STRING_EQUAL(cache_policy_name(CACHE_LRU), "lru");
    CU_ASSERT_STRING_EQUAL(cache_policy_name(CACHE_LFU), "lfu");
    CU_ASSERT_STRING_EQUAL(cache_policy_name(CACHE_FIFO), "fifo");
}

/* ---- hits, misses, staleness ----------------------------------------------------- */

static void test_miss(void)
{
    http_cache *c = http_cache_new(1000, CACHE_LRU);
    static const http_cached dummy;
    const http_cached *e = &dummy; /* must be overwritten */
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/x", T0, &e), CACHE_MISS);
    CU_ASSERT_PTR_NULL(e);
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/x", T0, NULL), CACHE_MISS);
    const http_cache_stats *st = http_cache_get_stats(c);
    CU_ASSERT_EQUAL(st->lookups, 2);
    CU_ASSERT_EQUAL(st->misses, 2);
    CU_ASSERT_EQUAL(st->fresh_hits + st->stale_hits, 0);
    /* Refreshing or removing what is not there is a harmless no-op. */
    http_msg *nm = http_msg_new_response(304, NULL, 11);
    http_cache_refresh(c, "http://h/x", nm, T0);
    http_cache_remove(c, "http://h/x");
    CU_ASSERT_EQUAL(st->refreshes, 0);
    CU_ASSERT_EQUAL(st->objects, 0);
    http_msg_free(nm);
    http_cache_free(c);
}

static void test_fresh_hit(void)
{
    http_cache *c = http_cache_new(1000, CACHE_LRU);
    http_msg *h = head_cc(T0, "public, max-age=60");
    http_msg_add(h, "ETag", "\"v1\"");
    GBytes *body = g_bytes_new("hello", 5);
    CU_ASSERT_TRUE(http_cache_store(c, "http://h/a", h, body, 5, T0));
    /* The head is copied: changing ours afterwards does not reach the cache. */
    http_msg_set(h, "ETag", "\"changed\"");
    http_msg_free(h);
    g_bytes_unref(body); /* the cache holds its own reference */

    const http_cached *e = NULL;
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/a", T0 + 59, &e), CACHE_FRESH);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_STRING_EQUAL(e->url, "http://h/a");
    CU_ASSERT_EQUAL(e->head->status, 200);
    CU_ASSERT_STRING_EQUAL(http_msg_get(e->head, "ETag"), "\"v1\"");
    CU_ASSERT_STRING_EQUAL(http_msg_get(e->head, "Content-Type"), "text/html");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e->body);
    CU_ASSERT_EQUAL(g_bytes_get_size(e->body), 5);
    CU_ASSERT_EQUAL(memcmp(g_bytes_get_data(e->body, NULL), "hello", 5), 0);
    CU_ASSERT_EQUAL(e->size, 5);
    CU_ASSERT_EQUAL(e->stored, T0);
    CU_ASSERT_EQUAL(e->lifetime, 60);
    CU_ASSERT_EQUAL(e->hits, 1);
    /* Fresh while the age is below the lifetime: 60 s old is stale. */
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/a", T0 + 60, &e), CACHE_STALE);
    CU_ASSERT_EQUAL(e->hits, 2);
    /* A clock behind the store time counts as age 0. */
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/a", T0 - 5, NULL), CACHE_FRESH);
    const http_cache_stats *st = http_cache_get_stats(c);
    CU_ASSERT_EQUAL(st->lookups, 3);
    CU_ASSERT_EQUAL(st->fresh_hits, 2);
    CU_ASSERT_EQUAL(st->stale_hits, 1);
    CU_ASSERT_EQUAL(st->stores, 1);
    CU_ASSERT_EQUAL(st->bytes, 5);
    CU_ASSERT_EQUAL(st->objects, 1);
    http_cache_free(c);
}

static void test_stale_then_refresh(void)
{
    http_cache *c = http_cache_new(1000, CACHE_LRU);
    http_msg *h = head_cc(T0, "max-age=10");
    http_msg_add(h, "ETag", "\"v1\"");
    add_date(h, "Last-Modified", T0 - 1000);
    CU_ASSERT_TRUE(http_cache_store(c, "http://h/a", h, NULL, 100, T0));
    http_msg_free(h);

    const http_cached *e = NULL;
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/a", T0 + 20, &e), CACHE_STALE);

    /* The 304 brings a new Date, a new max-age and the same ETag. */
    http_msg *nm = head_cc(T0 + 20, "max-age=30");
    nm->status = 304;
    http_msg_add(nm, "ETag", "\"v1\"");
    http_cache_refresh(c, "http://h/a", nm, T0 + 20);
    http_msg_free(nm);

    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/a", T0 + 49, &e), CACHE_FRESH);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->stored, T0 + 20);
    CU_ASSERT_EQUAL(e->lifetime, 30);
    CU_ASSERT_EQUAL(e->size, 100);
    CU_ASSERT_EQUAL(e->head->status, 200); /* still the stored 200's head */
    CU_ASSERT_STRING_EQUAL(http_msg_get(e->head, "Cache-Control"), "max-age=30");
    char date[30];
    http_format_date(T0 + 20, date);
    CU_ASSERT_STRING_EQUAL(http_msg_get(e->head, "Date"), date);
    CU_ASSERT_STRING_EQUAL(http_msg_get(e->head, "Content-Type"), "text/html");
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/a", T0 + 50, NULL), CACHE_STALE);

    /* peek finds the entry without counting a lookup or a use. */
    const http_cache_stats before = *http_cache_get_stats(c);
    const http_cached *p = http_cache_peek(c, "http://h/a");
    CU_ASSERT_PTR_EQUAL(p, e);
    CU_ASSERT_EQUAL(p->hits, 3);
    CU_ASSERT_PTR_NULL(http_cache_peek(c, "http://h/none"));
    CU_ASSERT_EQUAL(memcmp(&before, http_cache_get_stats(c), sizeof before), 0);

    /* A 304 carrying Date and Expires only: the stored max-age still rules. */
    nm = http_msg_new_response(304, NULL, 11);
    add_date(nm, "Date", T0 + 100);
    add_date(nm, "Expires", T0 + 400);
    http_msg_add(nm, "ETag", "\"v2\"");
    http_cache_refresh(c, "http://h/a", nm, T0 + 100);
    http_msg_free(nm);
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/a", T0 + 100, &e), CACHE_FRESH);
    CU_ASSERT_EQUAL(e->lifetime, 30);
    CU_ASSERT_STRING_EQUAL(http_msg_get(e->head, "ETag"), "\"v2\"");

    const http_cache_stats *st = http_cache_get_stats(c);
    CU_ASSERT_EQUAL(st->refreshes, 2);
    CU_ASSERT_EQUAL(st->stores, 1);
    CU_ASSERT_EQUAL(st->stale_hits, 2);
    CU_ASSERT_EQUAL(st->fresh_hits, 2);
    http_cache_free(c);
}

static void test_refresh_with_expires(void)
{
    /* Stored with Expires - Date = 60; the 304 moves both on. */
    http_cache *c = http_cache_new(1000, CACHE_FIFO);
    http_msg *h = head_cc(T0, NULL);
    add_date(h, "Expires", T0 + 60);
    CU_ASSERT_TRUE(http_cache_store(c, "http://h/e", h, NULL, 10, T0));
    http_msg_free(h);
    const http_cached *e = NULL;
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/e", T0 + 61, &e), CACHE_STALE);
    CU_ASSERT_EQUAL(e->lifetime, 60);
    http_msg *nm = http_msg_new_response(304, NULL, 11);
    add_date(nm, "Date", T0 + 61);
    add_date(nm, "Expires", T0 + 361);
    http_cache_refresh(c, "http://h/e", nm, T0 + 61);
    http_msg_free(nm);
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/e", T0 + 360, &e), CACHE_FRESH);
    CU_ASSERT_EQUAL(e->lifetime, 300);
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/e", T0 + 361, NULL), CACHE_STALE);
    http_cache_free(c);
}

static void test_stale_then_replaced(void)
{
    http_cache *c = http_cache_new(1000, CACHE_LFU);
    http_msg *h1 = head_cc(T0, "max-age=10");
    GBytes *b1 = g_bytes_new("old", 3);
    CU_ASSERT_TRUE(http_cache_store(c, "http://h/a", h1, b1, 3, T0));
    CU_ASSERT_TRUE(http_cache_store(c, "http://h/b", h1, NULL, 500, T0));
    const http_cached *e = NULL;
    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/a", T0 + 20, &e), CACHE_STALE);

    /* The origin answers the conditional GET with a new 200. */
    http_msg *h2 = head_cc(T0 + 20, "max-age=100");
    GBytes *b2 = g_bytes_new("brand new", 9);
    CU_ASSERT_TRUE(http_cache_store(c, "http://h/a", h2, b2, 9, T0 + 20));
    g_bytes_unref(b1);
    g_bytes_unref(b2);

    CU_ASSERT_EQUAL(http_cache_lookup(c, "http://h/a", T0 + 119, &e), CACHE_FRESH);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->size, 9);
    CU_ASSERT_EQUAL(e->stored, T0 + 20);
    CU_ASSERT_EQUAL(e->lifetime, 100);
    CU_ASSERT_EQUAL(memcmp(g_bytes_get_data(e->body, NULL), "brand new", 9), 0);
    CU_ASSERT_STRING_EQUAL(http_msg_get(e->head, "Cache-Control"), "max-age=100");
    /* The URL's popularity carries over to the new version. */
    CU_ASSERT_EQUAL(e->hits, 2);
    const http_cache_stats *st = http_cache_get_stats(c);
    CU_ASSERT_EQUAL(st->bytes, 509);
    CU_ASSERT_EQUAL(st->objects, 2);
    CU_ASSERT_EQUAL(st->stores, 3);
    CU_ASSERT_EQUAL(st->evictions, 0);
    http_msg_free(h1);
    http_msg_free(h2);
    http_cache_free(c);
}

static void test_replace_frees_old_bytes_first(void)
{
    /* Full at 300; replacing b (100) with 150 bytes needs only 50 more, so
     * exactly one victim (a, the least recently used), never two. */
    http_cache *c = http_cache_new(300, CACHE_LRU);
    GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
    http_msg *h = head_cc(T0, "max-age=60");
    CU_ASSERT_TRUE(store_noting(c, "a", 100, T0, h, v));
    CU_ASSERT_TRUE(store_noting(c, "b", 100, T0, h, v));
    CU_ASSERT_TRUE(store_noting(c, "c", 100, T0, h, v));
    CU_ASSERT_TRUE(store_noting(c, "b", 100, T0, h, v)); /* same size: no victim */
    CU_ASSERT_EQUAL(v->len, 0);
    CU_ASSERT_TRUE(store_noting(c, "b", 150, T0, h, v));
    char *s = join(v);
    CU_ASSERT_STRING_EQUAL(s, "a");
    g_free(s);
    s = order_str(c);
    CU_ASSERT_STRING_EQUAL(s, "c,b");
    g_free(s);
    CU_ASSERT_EQUAL(http_cache_get_stats(c)->bytes, 250);
    CU_ASSERT_EQUAL(http_cache_get_stats(c)->evictions, 1);
    http_msg_free(h);
    g_ptr_array_unref(v);
    http_cache_free(c);
}

static void test_remove(void)
{
    http_cache *c = http_cache_new(1000, CACHE_FIFO);
    http_msg *h = head_cc(T0, "max-age=60");
    CU_ASSERT_TRUE(http_cache_store(c, "a", h, NULL, 100, T0));
    CU_ASSERT_TRUE(http_cache_store(c, "b", h, NULL, 200, T0));
    CU_ASSERT_TRUE(http_cache_store(c, "c", h, NULL, 300, T0));
    http_cache_remove(c, "b");
    CU_ASSERT_EQUAL(http_cache_lookup(c, "b", T0, NULL), CACHE_MISS);
    char *s = order_str(c);
    CU_ASSERT_STRING_EQUAL(s, "a,c");
    g_free(s);
    const http_cache_stats *st = http_cache_get_stats(c);
    CU_ASSERT_EQUAL(st->bytes, 400);
    CU_ASSERT_EQUAL(st->objects, 2);
    CU_ASSERT_EQUAL(st->evictions, 0); /* a removal is not an eviction */
    http_msg_free(h);
    http_cache_free(c);
}

/* ---- eviction order ---------------------------------------------------------------- */

/* One access sequence, three policies. Capacity 300; every object is 100
 * bytes but e (200). Keys after the first six steps: LRU a=5 b=6 c=3;
 * LFU a=(3,5) b=(2,6) c=(1,3); FIFO a<b<c. */
typedef struct {
    char op; /* 'S' store, 'L' lookup */
    const char *url;
    uint64_t size;
} cache_op;

static const cache_op evict_ops[] = {
    {'S', "a", 100}, {'S', "b", 100}, {'S', "c", 100}, {'L', "a", 0}, {'L', "a", 0},
    {'L', "b", 0},   {'S', "d", 100}, {'L', "b", 0},   {'S', "e", 200},
};

static const struct {
    cache_policy policy;
    const char *victims;  /* in the order they were evicted */
    const char *order;    /* the eviction order at the end */
    const char *missing;  /* the URLs that then miss, among a..e */
} evict_expect[] = {
    {CACHE_LRU, "c,a,d", "b,e", "a,c,d"},
    {CACHE_LFU, "c,d,a", "e,b", "a,c,d"},
    {CACHE_FIFO, "a,b,c", "d,e", "a,b,c"},
};

static void test_eviction_order_policies(void)
{
    for (unsigned p = 0; p < G_N_ELEMENTS(evict_expect); p++) {
        http_cache *c = http_cache_new(300, evict_expect[p].policy);
        http_msg *h = head_cc(T0, "max-age=3600");
        GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
        for (unsigned i = 0; i < G_N_ELEMENTS(evict_ops); i++) {
            const cache_op *op = &evict_ops[i];
            if (op->op == 'S') {
                CU_ASSERT_TRUE(store_noting(c, op->url, op->size, T0 + i, h, v));
            } else {
                CU_ASSERT_EQUAL(http_cache_lookup(c, op->url, T0 + i, NULL), CACHE_FRESH);
            }
        }
        char *got = join(v);
        CU_ASSERT_STRING_EQUAL(got, evict_expect[p].victims);
        if (strcmp(got, evict_expect[p].victims) != 0)
            fprintf(stderr, "%s: victims %s, expected %s\n",
                    cache_policy_name(evict_expect[p].policy), got, evict_expect[p].victims);
        g_free(got);
        got = order_str(c);
        CU_ASSERT_STRING_EQUAL(got, evict_expect[p].order);
        g_free(got);
        CU_ASSERT_EQUAL(http_cache_get_stats(c)->evictions, 3);
        CU_ASSERT_EQUAL(http_cache_get_stats(c)->bytes, 300);

        GPtrArray *missing = g_ptr_array_new();
        static const char *const all[] = {"a", "b", "c", "d", "e"};
        for (unsigned i = 0; i < G_N_ELEMENTS(all); i++)
            if (http_cache_lookup(c, all[i], T0 + 100, NULL) == CACHE_MISS)
                g_ptr_array_add(missing, (gpointer)all[i]);
        got = join(missing);
        CU_ASSERT_STRING_EQUAL(got, evict_expect[p].missing);
        g_free(got);
        g_ptr_array_unref(missing);
        g_ptr_array_unref(v);
        http_msg_free(h);
        http_cache_free(c);
    }
}

static void test_lfu_ties_by_recency(void)
{
    /* All used twice: the least recently used of equals goes first; then
     * one more hit on x lifts it above y and z. */
    http_cache *c = http_cache_new(300, CACHE_LFU);
    http_msg *h = head_cc(T0, "max-age=3600");
    CU_ASSERT_TRUE(http_cache_store(c, "x", h, NULL, 100, T0));
    CU_ASSERT_TRUE(http_cache_store(c, "y", h, NULL, 100, T0));
    CU_ASSERT_TRUE(http_cache_store(c, "z", h, NULL, 100, T0));
    http_cache_lookup(c, "z", T0, NULL);
    http_cache_lookup(c, "x", T0, NULL);
    http_cache_lookup(c, "y", T0, NULL);
    char *s = order_str(c);
    CU_ASSERT_STRING_EQUAL(s, "z,x,y");
    g_free(s);
    http_cache_lookup(c, "x", T0, NULL);
    s = order_str(c);
    CU_ASSERT_STRING_EQUAL(s, "z,y,x");
    g_free(s);
    GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
    CU_ASSERT_TRUE(store_noting(c, "w", 150, T0, h, v));
    s = join(v);
    CU_ASSERT_STRING_EQUAL(s, "z,y");
    g_free(s);
    g_ptr_array_unref(v);
    http_msg_free(h);
    http_cache_free(c);
}

static void test_too_large(void)
{
    http_cache *c = http_cache_new(300, CACHE_LRU);
    http_msg *h = head_cc(T0, "max-age=60");
    CU_ASSERT_TRUE(http_cache_store(c, "a", h, NULL, 100, T0));
    CU_ASSERT_TRUE(http_cache_store(c, "b", h, NULL, 100, T0));
    GBytes *big = g_bytes_new_take(g_malloc0(301), 301);
    CU_ASSERT_FALSE(http_cache_store(c, "big", h, big, 301, T0));
    g_bytes_unref(big);
    const http_cache_stats *st = http_cache_get_stats(c);
    CU_ASSERT_EQUAL(st->too_large, 1);
    CU_ASSERT_EQUAL(st->evictions, 0);
    CU_ASSERT_EQUAL(st->stores, 2);
    CU_ASSERT_EQUAL(st->bytes, 200);
    CU_ASSERT_EQUAL(st->objects, 2);
    char *s = order_str(c);
    CU_ASSERT_STRING_EQUAL(s, "a,b");
    g_free(s);
    CU_ASSERT_EQUAL(http_cache_lookup(c, "big", T0, NULL), CACHE_MISS);

    /* A new version too large for the cache supersedes the held one. */
    CU_ASSERT_FALSE(http_cache_store(c, "a", h, NULL, 1000, T0));
    CU_ASSERT_EQUAL(http_cache_lookup(c, "a", T0, NULL), CACHE_MISS);
    CU_ASSERT_EQUAL(st->too_large, 2);
    CU_ASSERT_EQUAL(st->bytes, 100);
    CU_ASSERT_EQUAL(st->evictions, 0);

    /* Exactly the capacity fits, evicting everything else. */
    CU_ASSERT_TRUE(http_cache_store(c, "full", h, NULL, 300, T0));
    CU_ASSERT_EQUAL(st->bytes, 300);
    CU_ASSERT_EQUAL(st->objects, 1);
    CU_ASSERT_EQUAL(st->evictions, 1);
    http_msg_free(h);
    http_cache_free(c);

    /* A zero-capacity cache holds only empty bodies. */
    c = http_cache_new(0, CACHE_FIFO);
    CU_ASSERT_FALSE(http_cache_store(c, "x", NULL, NULL, 1, T0));
    CU_ASSERT_TRUE(http_cache_store(c, "y", NULL, NULL, 0, T0));
    const http_cached *e = NULL;
    CU_ASSERT_EQUAL(http_cache_lookup(c, "y", T0, &e), CACHE_STALE); /* no headers: lifetime 0 */
    CU_ASSERT_EQUAL(e->head->status, 200);
    http_cache_free(c);
}

static void test_byte_accounting(void)
{
    static const struct {
        char op; /* 'S' store, 'R' remove */
        const char *url;
        uint64_t size;
        uint64_t bytes;   /* held after the step */
        uint64_t objects; /* held after the step */
    } steps[] = {
        {'S', "a", 400, 400, 1},
        {'S', "b", 300, 700, 2},
        {'S', "c", 200, 900, 3},
        {'S', "d", 100, 1000, 4},
        {'S', "e", 1, 601, 4},    /* evicts a (400) */
        {'S', "b", 50, 351, 4},   /* shrinks b: 300 freed, 50 held */
        {'S', "c", 849, 1000, 4}, /* grows c: fits exactly, evicts nothing */
        {'R', "d", 0, 900, 3},
        {'S', "f", 1000, 1000, 1}, /* evicts e, b, c */
        {'S', "f", 0, 0, 1},
        {'R', "f", 0, 0, 0},
    };
    http_cache *c = http_cache_new(1000, CACHE_FIFO);
    http_msg *h = head_cc(T0, NULL);
    for (unsigned i = 0; i < G_N_ELEMENTS(steps); i++) {
        if (steps[i].op == 'S') {
            CU_ASSERT_TRUE(http_cache_store(c, steps[i].url, h, NULL, steps[i].size, T0));
        } else {
            http_cache_remove(c, steps[i].url);
        }
        const http_cache_stats *st = http_cache_get_stats(c);
        CU_ASSERT_EQUAL(st->bytes, steps[i].bytes);
        CU_ASSERT_EQUAL(st->objects, steps[i].objects);
        CU_ASSERT_TRUE(st->bytes <= 1000);
        /* bytes is the sum of the sizes held. */
        GPtrArray *o = http_cache_eviction_order(c);
        CU_ASSERT_EQUAL(o->len, st->objects);
        uint64_t sum = 0;
        for (guint j = 0; j < o->len; j++) {
            const http_cached *e = NULL;
            http_cache_lookup(c, g_ptr_array_index(o, j), T0, &e);
            CU_ASSERT_PTR_NOT_NULL_FATAL(e);
            sum += e->size;
        }
        CU_ASSERT_EQUAL(sum, st->bytes);
        g_ptr_array_unref(o);
    }
    http_msg_free(h);
    http_cache_free(c);
}

/* ---- lifetimes ------------------------------------------------------------------------ */

#define NO INT64_MIN    /* header absent */
#define BAD (INT64_MIN + 1) /* header present but not a date ("0") */

static void test_lifetime_rules(void)
{
    static const struct {
        const char *what;
        const char *cc1, *cc2;   /* Cache-Control field lines, or NULL */
        int64_t date, expires, last_modified; /* offsets from T0, or NO or BAD */
        int64_t now;             /* offset from T0 */
        int64_t expect;
    } cases[] = {
        {"max-age", "max-age=60", NULL, 0, NO, NO, 0, 60},
        {"max-age among others", "public, max-age=60", NULL, 0, NO, NO, 0, 60},
        {"max-age before others", "max-age=60, must-revalidate", NULL, 0, NO, NO, 0, 60},
        {"max-age with spaces", "public ,  MAX-AGE=75 ", NULL, 0, NO, NO, 0, 75},
        {"max-age quoted", "max-age=\"90\"", NULL, 0, NO, NO, 0, 90},
        {"max-age after a quoted comma", "no-transform, x-ext=\"a, max-age=5\", max-age=7",
         NULL, 0, NO, NO, 0, 7},
        {"max-age in a second line", "public", "max-age=45", 0, NO, NO, 0, 45},
        {"first max-age counts", "max-age=10", "max-age=20", 0, NO, NO, 0, 10},
        {"max-age beats Expires", "max-age=60", NULL, 0, 3600, -86400, 0, 60},
        {"max-age=0", "max-age=0", NULL, 0, 3600, NO, 0, 0},
        {"invalid max-age is stale", "max-age=abc", NULL, 0, 3600, NO, 0, 0},
        {"max-age without a value", "max-age", NULL, 0, 3600, NO, 0, 0},
        {"negative max-age", "max-age=-5", NULL, 0, 3600, NO, 0, 0},
        {"huge max-age is 2^31", "max-age=99999999999999999999999", NULL, 0, NO, NO, 0,
         INT64_C(2147483648)},
        {"no-store", "no-store, max-age=60", NULL, 0, 3600, NO, 0, 0},
        {"no-cache", "max-age=60", "no-cache", 0, 3600, NO, 0, 0},
        {"a look-alike is not max-age", "x-max-age=99", NULL, 0, 3600, NO, 0, 3600},
        {"Expires - Date", NULL, NULL, 0, 3600, NO, 0, 3600},
        {"Expires - Date, not now", NULL, NULL, -100, 3600, NO, 0, 3700},
        {"Expires beats Last-Modified", "public", NULL, 0, 120, -100000, 0, 120},
        {"Expires before Date", NULL, NULL, 0, -10, NO, 0, 0},
        {"Expires invalid is expired", NULL, NULL, 0, BAD, -100000, 0, 0},
        {"Expires without Date uses now", NULL, NULL, NO, 500, NO, 200, 300},
        {"heuristic 10%", NULL, NULL, 0, NO, -1000, 0, 100},
        {"heuristic rounds down", NULL, NULL, 0, NO, -1009, 0, 100},
        {"heuristic capped at a day", NULL, NULL, 0, NO, -10 * 86400 - 10, 0, 86400},
        {"heuristic just below the cap", NULL, NULL, 0, NO, -863990, 0, 86399},
        {"heuristic without Date uses now", NULL, NULL, NO, NO, -1000, 500, 150},
        {"Last-Modified after Date", NULL, NULL, 0, NO, 50, 0, 0},
        {"Last-Modified invalid", NULL, NULL, 0, NO, BAD, 0, 0},
        {"nothing", NULL, NULL, 0, NO, NO, 0, 0},
        {"Cache-Control without lifetime", "public", NULL, 0, NO, NO, 0, 0},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        http_msg *h = http_msg_new_response(200, NULL, 11);
        const int64_t dates[3] = {cases[i].date, cases[i].expires, cases[i].last_modified};
        static const char *const names[3] = {"Date", "Expires", "Last-Modified"};
        for (int k = 0; k < 3; k++) {
            if (dates[k] == BAD)
                http_msg_add(h, names[k], "0");
            else if (dates[k] != NO)
                add_date(h, names[k], T0 + dates[k]);
        }
        if (cases[i].cc1)
            http_msg_add(h, "Cache-Control", cases[i].cc1);
        if (cases[i].cc2)
            http_msg_add(h, "cache-control", cases[i].cc2);
        int64_t got = http_cache_lifetime(h, T0 + cases[i].now);
        CU_ASSERT_EQUAL(got, cases[i].expect);
        if (got != cases[i].expect)
            fprintf(stderr, "lifetime \"%s\": %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT
                            "\n", cases[i].what, got, cases[i].expect);
        http_msg_free(h);
    }
    CU_ASSERT_EQUAL(http_cache_lifetime(NULL, T0), 0);
}

/* ---- randomness for the tests ------------------------------------------------------------ */

/* splitmix64: a tiny generator with a fixed seed, the same on every host. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n) { return rng_next(s) % n; }

/* Zipf-like keys: P(k) proportional to 1/(k+1), over NKEYS keys. */
#define NKEYS 64
typedef struct {
    uint64_t cum[NKEYS]; /* cumulative weights, scaled to integers */
} zipf;

static void zipf_init(zipf *z)
{
    uint64_t total = 0;
    for (int k = 0; k < NKEYS; k++) {
        total += UINT64_C(1000000000) / (uint64_t)(k + 1);
        z->cum[k] = total;
    }
}

static int zipf_draw(const zipf *z, uint64_t *s)
{
    uint64_t r = rng_below(s, z->cum[NKEYS - 1]);
    int k = 0;
    while (z->cum[k] <= r)
        k++;
    return k;
}

/* ---- determinism ------------------------------------------------------------------------- */

/* Runs a fixed sequence of operations on a new cache and returns, as one
 * string, every store's victims and the final eviction order. `pad` makes
 * the heap look different between runs (other pointer values). */
static char *replay(cache_policy policy, int pad)
{
    GPtrArray *junk = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < pad; i++)
        g_ptr_array_add(junk, g_malloc(16 + (size_t)i * 7));
    http_cache *c = http_cache_new(1500, policy);
    http_msg *h = head_cc(T0, "max-age=30");
    GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
    zipf z;
    zipf_init(&z);
    uint64_t seed = 12345;
    for (int i = 0; i < 2000; i++) {
        char url[32];
        g_snprintf(url, sizeof url, "http://h/%d", zipf_draw(&z, &seed));
        if (rng_below(&seed, 3) == 0)
            store_noting(c, url, 1 + rng_below(&seed, 300), T0 + i, h, v);
        else
            http_cache_lookup(c, url, T0 + i, NULL);
    }
    char *victims = join(v);
    char *order = order_str(c);
    char *all = g_strconcat(victims, "|", order, NULL);
    g_free(victims);
    g_free(order);
    g_ptr_array_unref(v);
    http_msg_free(h);
    http_cache_free(c);
    g_ptr_array_unref(junk);
    return all;
}

static void test_deterministic(void)
{
    static const cache_policy policies[] = {CACHE_LRU, CACHE_LFU, CACHE_FIFO};
    for (unsigned p = 0; p < G_N_ELEMENTS(policies); p++) {
        char *first = replay(policies[p], 0);
        CU_ASSERT_TRUE(strlen(first) > 100); /* evictions did happen */
        for (int pad = 1; pad <= 3; pad++) {
            char *again = replay(policies[p], pad * 37);
            CU_ASSERT_STRING_EQUAL(again, first);
            g_free(again);
        }
        g_free(first);
    }
}

/* ---- randomized run against a reference model -------------------------------------------- */

/* The model: one slot per key, a linear scan for every victim, written from
 * the header's rules and nothing else. */
typedef struct {
    bool held;
    uint64_t size, hits, last_use, inserted;
    int64_t stored, lifetime;
} model_entry;

typedef struct {
    cache_policy policy;
    uint64_t capacity, bytes, objects, seq;
    model_entry e[NKEYS];
    http_cache_stats st;
} model;

/* Whether key a is evicted before key b (both held). */
static bool model_before(const model *m, int a, int b)
{
    const model_entry *x = &m->e[a], *y = &m->e[b];
    switch (m->policy) {
    case CACHE_LRU:
        return x->last_use < y->last_use;
    case CACHE_LFU:
        return x->hits + 1 < y->hits + 1 ||
               (x->hits == y->hits && x->last_use < y->last_use);
    case CACHE_FIFO:
        return x->inserted < y->inserted;
    }
    return false;
}

static int model_victim(const model *m)
{
    int v = -1;
    for (int k = 0; k < NKEYS; k++)
        if (m->e[k].held && (v < 0 || model_before(m, k, v)))
            v = k;
    return v;
}

static void model_drop(model *m, int k)
{
    m->e[k].held = false;
    m->bytes -= m->e[k].size;
    m->objects--;
}

static cache_state model_lookup(model *m, int k, int64_t now)
{
    m->st.lookups++;
    model_entry *e = &m->e[k];
    if (!e->held) {
        m->st.misses++;
        return CACHE_MISS;
    }
    e->hits++;
    e->last_use = ++m->seq;
    if (now - e->stored < e->lifetime) {
        m->st.fresh_hits++;
        return CACHE_FRESH;
    }
    m->st.stale_hits++;
    return CACHE_STALE;
}

static bool model_store(model *m, int k, uint64_t size, int64_t lifetime, int64_t now)
{
    model_entry *e = &m->e[k];
    uint64_t hits = 0;
    if (e->held) {
        hits = e->hits;
        model_drop(m, k);
    }
    if (size > m->capacity) {
        m->st.too_large++;
        return false;
    }
    while (m->bytes + size > m->capacity) {
        model_drop(m, model_victim(m));
        m->st.evictions++;
    }
    *e = (model_entry){true, size, hits, 0, 0, now, lifetime};
    e->last_use = e->inserted = ++m->seq;
    m->bytes += size;
    m->objects++;
    m->st.stores++;
    return true;
}

/* The model's eviction order as "k,k,..." by selection: O(n^2), plenty. */
static char *model_order(const model *m)
{
    bool taken[NKEYS] = {false};
    GString *s = g_string_new(NULL);
    for (;;) {
        int v = -1;
        for (int k = 0; k < NKEYS; k++)
            if (m->e[k].held && !taken[k] && (v < 0 || model_before(m, k, v)))
                v = k;
        if (v < 0)
            break;
        taken[v] = true;
        if (s->len)
            g_string_append_c(s, ',');
        g_string_append_printf(s, "http://h/%d", v);
    }
    return g_string_free(s, FALSE);
}

static bool stats_equal(const http_cache_stats *a, const http_cache_stats *b)
{
    return a->lookups == b->lookups && a->fresh_hits == b->fresh_hits &&
           a->stale_hits == b->stale_hits && a->misses == b->misses && a->stores == b->stores &&
           a->evictions == b->evictions && a->too_large == b->too_large &&
           a->refreshes == b->refreshes && a->bytes == b->bytes && a->objects == b->objects;
}

static void stress(cache_policy policy, uint64_t seed)
{
    const uint64_t capacity = 4000;
    http_cache *c = http_cache_new(capacity, policy);
    model m = {.policy = policy, .capacity = capacity};
    zipf z;
    zipf_init(&z);
    int64_t now = T0;
    int mismatches = 0;
    for (int i = 0; i < 5000 && mismatches < 5; i++) {
        now += (int64_t)rng_below(&seed, 4);
        int k = zipf_draw(&z, &seed);
        char url[32];
        g_snprintf(url, sizeof url, "http://h/%d", k);
        uint64_t what = rng_below(&seed, 100);
        bool ok = true;
        if (what < 5) {
            /* A peek: found exactly when held, and changes nothing. */
            const http_cached *e = http_cache_peek(c, url);
            ok = (e != NULL) == m.e[k].held && (!e || e->hits == m.e[k].hits);
        } else if (what < 55) {
            const http_cached *e = NULL;
            cache_state want = model_lookup(&m, k, now);
            cache_state got = http_cache_lookup(c, url, now, &e);
            ok = got == want;
            if (ok && got != CACHE_MISS)
                ok = e && strcmp(e->url, url) == 0 && e->size == m.e[k].size &&
                     e->hits == m.e[k].hits && e->stored == m.e[k].stored &&
                     e->lifetime == m.e[k].lifetime;
        } else if (what < 85) {
            /* Mostly small objects, now and then one larger than the cache. */
            uint64_t size = rng_below(&seed, 50) == 0 ? capacity + 1 + rng_below(&seed, 10)
                                                      : rng_below(&seed, capacity / 5);
            int64_t max_age = (int64_t)rng_below(&seed, 40);
            bool no_store = rng_below(&seed, 10) == 0;
            char cc[48];
            g_snprintf(cc, sizeof cc, "%smax-age=%" G_GINT64_FORMAT, no_store ? "no-store, " : "",
                       max_age);
            http_msg *h = head_cc(now, cc);
            bool want = model_store(&m, k, size, no_store ? 0 : max_age, now);
            ok = http_cache_store(c, url, h, NULL, size, now) == want;
            http_msg_free(h);
        } else if (what < 93) {
            /* A 304, with a new max-age or with no Cache-Control at all. */
            bool with_cc = rng_below(&seed, 2) == 0;
            int64_t max_age = (int64_t)rng_below(&seed, 40);
            char cc[32];
            g_snprintf(cc, sizeof cc, "max-age=%" G_GINT64_FORMAT, max_age);
            http_msg *nm = head_cc(now, with_cc ? cc : NULL);
            nm->status = 304;
            if (m.e[k].held) {
                m.e[k].stored = now;
                if (with_cc)
                    m.e[k].lifetime = max_age;
                m.st.refreshes++;
            }
            http_cache_refresh(c, url, nm, now);
            http_msg_free(nm);
        } else {
            if (m.e[k].held)
                model_drop(&m, k);
            http_cache_remove(c, url);
        }

        m.st.bytes = m.bytes;
        m.st.objects = m.objects;
        const http_cache_stats *st = http_cache_get_stats(c);
        ok = ok && stats_equal(st, &m.st) && st->bytes <= capacity;
        char *got = order_str(c);
        char *want = model_order(&m);
        ok = ok && strcmp(got, want) == 0;
        if (!ok) {
            mismatches++;
            fprintf(stderr, "%s step %d (op %" G_GUINT64_FORMAT " on %s): cache %s, model %s\n",
                    cache_policy_name(policy), i, what, url, got, want);
        }
        CU_ASSERT_TRUE(ok);
        g_free(got);
        g_free(want);
    }
    /* The run exercised what it is meant to. */
    CU_ASSERT_TRUE(m.st.evictions > 100);
    CU_ASSERT_TRUE(m.st.fresh_hits > 100);
    CU_ASSERT_TRUE(m.st.stale_hits > 100);
    CU_ASSERT_TRUE(m.st.too_large > 10);
    CU_ASSERT_TRUE(m.st.refreshes > 50);
    http_cache_free(c);
}

static void test_stress_against_model(void)
{
    stress(CACHE_LRU, 1);
    stress(CACHE_LFU, 2);
    stress(CACHE_FIFO, 3);
    stress(CACHE_LFU, 4);
}

/* ---- issue 10: what a shared cache may store, Vary, entry costs ---------------------- */

static http_msg *req_with(const char *method, const char *name, const char *value)
{
    http_msg *r = http_msg_new_request(http_method_parse(method), "/", 11);
    http_msg_add(r, "Host", "h");
    if (name)
        http_msg_add(r, name, value);
    return r;
}

static void test_storable_rules(void)
{
    static const struct {
        const char *method, *req_name, *req_value;
        int status;
        const char *cc, *vary;
        bool ok;
        const char *why;
    } cases[] = {
        {"GET", NULL, NULL, 200, "max-age=60", NULL, true, NULL},
        {"HEAD", NULL, NULL, 200, "max-age=60", NULL, false, "not a GET"},
        {"POST", NULL, NULL, 200, "max-age=60", NULL, false, "not a GET"},
        {"GET", NULL, NULL, 404, "max-age=60", NULL, false, "not a 200"},
        {"GET", NULL, NULL, 200, "no-store", NULL, false, "no-store"},
        {"GET", "Cache-Control", "no-store", 200, "max-age=60", NULL, false, "no-store"},
        {"GET", NULL, NULL, 200, "private, max-age=60", NULL, false, "private"},
        {"GET", NULL, NULL, 200, "PRIVATE=\"Set-Cookie\"", NULL, false, "private"},
        {"GET", NULL, NULL, 200, "no-cache", NULL, true, NULL},
        {"GET", "Authorization", "Basic eA==", 200, "max-age=60", NULL, false, "Authorization"},
        {"GET", "Authorization", "Basic eA==", 200, "public, max-age=60", NULL, true, NULL},
        {"GET", "Authorization", "Basic eA==", 200, "s-maxage=60", NULL, true, NULL},
        {"GET", "Authorization", "Basic eA==", 200, "must-revalidate", NULL, true, NULL},
        {"GET", NULL, NULL, 200, "max-age=60", "Accept, *", false, "Vary: *"},
        {"GET", NULL, NULL, 200, "max-age=60", "Cookie", true, NULL},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        http_msg *rq = req_with(cases[i].method, cases[i].req_name, cases[i].req_value);
        http_msg *rs = head_cc(T0, cases[i].cc);
        rs->status = cases[i].status;
        if (cases[i].vary)
            http_msg_add(rs, "Vary", cases[i].vary);
        const char *why = "unset";
        bool ok = http_cache_storable(rq, rs, &why);
        CU_ASSERT_EQUAL(ok, cases[i].ok);
        if (cases[i].why) {
            CU_ASSERT_STRING_EQUAL(why, cases[i].why);
        } else {
            CU_ASSERT_PTR_NULL(why);
        }
        if (ok != cases[i].ok)
            fprintf(stderr, "case %u: storable %d\n", i, ok);
        http_msg_free(rq);
        http_msg_free(rs);
    }
}

static void test_shared_lifetime_and_no_cache_requests(void)
{
    http_msg *h = head_cc(T0, "max-age=0, s-maxage=120");
    CU_ASSERT_EQUAL(http_cache_lifetime(h, T0), 120);
    http_msg_free(h);
    h = head_cc(T0, "s-maxage=120, no-cache");
    CU_ASSERT_EQUAL(http_cache_lifetime(h, T0), 0);
    http_msg_free(h);
    http_msg *r = req_with("GET", NULL, NULL);
    CU_ASSERT_FALSE(http_cache_request_no_cache(r));
    http_msg_free(r);
    static const char *const yes[][2] = {{"Cache-Control", "no-cache"},
                                         {"Cache-Control", "max-age=0"},
                                         {"Pragma", "no-cache"}};
    for (unsigned i = 0; i < G_N_ELEMENTS(yes); i++) {
        r = req_with("GET", yes[i][0], yes[i][1]);
        CU_ASSERT_TRUE(http_cache_request_no_cache(r));
        http_msg_free(r);
    }
    r = req_with("GET", "Cache-Control", "max-age=5");
    CU_ASSERT_FALSE(http_cache_request_no_cache(r));
    http_msg_free(r);
}

static void test_vary_variants(void)
{
    http_cache *c = http_cache_new(100000, CACHE_LRU);
    http_msg *h = head_cc(T0, "max-age=60");
    http_msg_add(h, "Vary", "Cookie,  Accept-Language");
    http_msg *alice = req_with("GET", "Cookie", "id=alice");
    http_msg_add(alice, "Accept-Language", " en ");
    CU_ASSERT_TRUE(http_cache_store_variant(c, "http://h/v", alice, h, NULL, 10, T0));
    const http_cached *e = http_cache_peek(c, "http://h/v");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_PTR_NOT_NULL(e->variant);
    CU_ASSERT_TRUE(http_cache_variant_matches(e, alice));
    http_msg *same = req_with("GET", "Accept-Language", "en");
    http_msg_add(same, "Cookie", "id=alice");
    CU_ASSERT_TRUE(http_cache_variant_matches(e, same)); /* order and spaces do not matter */
    http_msg *bob = req_with("GET", "Cookie", "id=bob");
    http_msg_add(bob, "Accept-Language", "en");
    CU_ASSERT_FALSE(http_cache_variant_matches(e, bob));
    http_msg *none = req_with("GET", NULL, NULL);
    CU_ASSERT_FALSE(http_cache_variant_matches(e, none));
    /* A new variant replaces the old one. */
    CU_ASSERT_TRUE(http_cache_store_variant(c, "http://h/v", bob, h, NULL, 10, T0));
    e = http_cache_peek(c, "http://h/v");
    CU_ASSERT_TRUE(http_cache_variant_matches(e, bob));
    CU_ASSERT_FALSE(http_cache_variant_matches(e, alice));
    CU_ASSERT_EQUAL(http_cache_get_stats(c)->objects, 1);
    /* No Vary: anything matches; Vary: * nothing. */
    http_msg *plain = head_cc(T0, "max-age=60");
    CU_ASSERT_TRUE(http_cache_store_variant(c, "http://h/p", alice, plain, NULL, 10, T0));
    e = http_cache_peek(c, "http://h/p");
    CU_ASSERT_PTR_NULL(e->variant);
    CU_ASSERT_TRUE(http_cache_variant_matches(e, bob));
    http_msg_add(plain, "Vary", "*");
    CU_ASSERT_TRUE(http_cache_store_variant(c, "http://h/s", alice, plain, NULL, 10, T0));
    CU_ASSERT_FALSE(http_cache_variant_matches(http_cache_peek(c, "http://h/s"), alice));
    http_msg_free(plain);
    http_msg_free(none);
    http_msg_free(bob);
    http_msg_free(same);
    http_msg_free(alice);
    http_msg_free(h);
    http_cache_free(c);
}

/* CACHE_COST_ENTRY: an entry costs its body, key and heads plus a fixed
 * part, so empty bodies no longer come free; the capacity bounds the sum. */
static void test_entry_costs(void)
{
    http_msg *h = head_cc(T0, "max-age=60");
    uint64_t empty = http_cache_entry_cost("http://h/0", h, NULL, 0);
    CU_ASSERT_TRUE(empty > CACHE_ENTRY_FIXED_COST + strlen("http://h/0"));
    CU_ASSERT_EQUAL(http_cache_entry_cost("http://h/0", h, NULL, 1000), empty + 1000);
    CU_ASSERT_EQUAL(http_cache_entry_cost("u", h, NULL, UINT64_MAX), UINT64_MAX);

    http_cache *c = http_cache_new(10 * empty, CACHE_FIFO);
    http_cache_set_cost(c, CACHE_COST_ENTRY);
    char url[32];
    for (int i = 0; i < 100; i++) {
        g_snprintf(url, sizeof url, "http://h/%d", i);
        http_cache_store(c, url, h, NULL, 0, T0);
        const http_cache_stats *st = http_cache_get_stats(c);
        CU_ASSERT_TRUE(st->cost <= 10 * empty);
    }
    const http_cache_stats *st = http_cache_get_stats(c);
    CU_ASSERT_TRUE(st->objects >= 8 && st->objects <= 10);
    CU_ASSERT_EQUAL(st->bytes, 0);
    CU_ASSERT_TRUE(st->evictions >= 90);
    /* The model is chosen before the first store only. */
    http_cache_set_cost(c, CACHE_COST_BODY);
    http_cache_store(c, "http://h/x", h, NULL, 0, T0);
    CU_ASSERT_TRUE(http_cache_get_stats(c)->cost > 0);
    /* A 304 whose headers make the entry dearer re-counts it. */
    uint64_t before = http_cache_get_stats(c)->cost;
    http_msg *nm = http_msg_new_response(304, NULL, 11);
    http_msg_add(nm, "ETag", "\"a rather long entity tag that costs bytes\"");
    http_cache_refresh(c, "http://h/x", nm, T0);
    const http_cached *e = http_cache_peek(c, "http://h/x");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->cost, http_cache_entry_cost("http://h/x", e->head, NULL, 0));
    CU_ASSERT_TRUE(http_cache_get_stats(c)->cost <= 10 * empty);
    CU_ASSERT_TRUE(http_cache_get_stats(c)->cost != before || st->evictions > 0);
    /* Held cost is the sum of the entries' costs. */
    GPtrArray *o = http_cache_eviction_order(c);
    uint64_t sum = 0;
    for (guint i = 0; i < o->len; i++)
        sum += http_cache_peek(c, g_ptr_array_index(o, i))->cost;
    CU_ASSERT_EQUAL(sum, http_cache_get_stats(c)->cost);
    g_ptr_array_unref(o);
    http_msg_free(nm);
    http_cache_free(c);
    /* Under CACHE_COST_BODY (the default) cost is the body bytes. */
    c = http_cache_new(1000, CACHE_LRU);
    http_cache_store(c, "a", h, NULL, 100, T0);
    CU_ASSERT_EQUAL(http_cache_get_stats(c)->cost, 100);
    CU_ASSERT_EQUAL(http_cache_peek(c, "a")->cost, 100);
    http_cache_free(c);
    http_msg_free(h);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_policy_names),
        TEST(test_miss),
        TEST(test_fresh_hit),
        TEST(test_stale_then_refresh),
        TEST(test_refresh_with_expires),
        TEST(test_stale_then_replaced),
        TEST(test_replace_frees_old_bytes_first),
        TEST(test_remove),
        TEST(test_eviction_order_policies),
        TEST(test_lfu_ties_by_recency),
        TEST(test_too_large),
        TEST(test_byte_accounting),
        TEST(test_lifetime_rules),
        TEST(test_deterministic),
        TEST(test_stress_against_model),
        TEST(test_storable_rules),
        TEST(test_shared_lifetime_and_no_cache_requests),
        TEST(test_vary_variants),
        TEST(test_entry_costs),
    };
    return test_main("protocols/http/cache", tests, G_N_ELEMENTS(tests));
}
