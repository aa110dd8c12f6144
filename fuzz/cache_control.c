/*
 * Fuzz target cache_control: the freshness rules of the web cache
 * (protocols/http/http_cache.c): Cache-Control directives, and the Date,
 * Expires and Last-Modified dates they fall back on, as read by
 * http_cache_lifetime(), and the store's use of that lifetime.
 *
 * Input: lines (up to the first NUL), each a header of a 200 response: the
 * first character says which ('C' Cache-Control, 'D' Date, 'E' Expires,
 * 'L' Last-Modified, anything else an unrelated X-Other) and the rest of
 * the line, after one optional space, is its value. For example:
 *
 *     C max-age=60, must-revalidate
 *     D Sun, 06 Nov 1994 08:49:37 GMT
 *
 * Invariants:
 *   - the lifetime is never negative, and the same when asked twice;
 *   - the response stored at time `now` is fresh at now exactly when its
 *     lifetime is positive, and stale once its lifetime has passed;
 *   - a 304 with the same headers at a later time restamps the entry with
 *     the lifetime the rules give at that time.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/http/http_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The times of the store and of the 304, in epoch seconds (2001, and a
 * thousand seconds later). */
#define NOW_S INT64_C(1000000000)
#define LATER_S (NOW_S + 1000)

static const char *header_name(char c)
{
    switch (c) {
    case 'C': return "Cache-Control";
    case 'D': return "Date";
    case 'E': return "Expires";
    case 'L': return "Last-Modified";
    default: return "X-Other";
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    http_msg *head = http_msg_new_response(200, NULL, 11);
    gchar **lines = g_strsplit(text, "\n", -1);
    for (gchar **l = lines; *l; l++) {
        if (!**l)
            continue;
        const char *value = *l + 1;
        if (*value == ' ')
            value++;
        http_msg_add(head, header_name(**l), value);
    }
    g_strfreev(lines);

    int64_t lifetime = http_cache_lifetime(head, NOW_S);
    FUZZ_CHECK(lifetime >= 0, "a negative lifetime %" G_GINT64_FORMAT, lifetime);
    FUZZ_CHECK(http_cache_lifetime(head, NOW_S) == lifetime, "the lifetime changed when asked again");

    const char *url = "http://h/x";
    http_cache *cache = http_cache_new(1000, CACHE_LRU);
    FUZZ_CHECK(http_cache_store(cache, url, head, NULL, 10, NOW_S), "a small object was not stored");
    const http_cached *e = NULL;
    cache_state st = http_cache_lookup(cache, url, NOW_S, &e);
    FUZZ_CHECK(e && e->lifetime == lifetime, "the store computed another lifetime");
    FUZZ_CHECK(st == (lifetime > 0 ? CACHE_FRESH : CACHE_STALE), "state %d at the store with lifetime %" G_GINT64_FORMAT,
               (int)st, lifetime);
    if (lifetime <= INT64_MAX - NOW_S) {
        st = http_cache_lookup(cache, url, NOW_S + lifetime, &e);
        FUZZ_CHECK(st == CACHE_STALE, "still fresh when the lifetime %" G_GINT64_FORMAT " has passed", lifetime);
    }

    http_msg *not_modified = http_msg_new_response(304, NULL, 11);
    for (guint i = 0; i < head->headers->len; i++) {
        const http_header *h = &g_array_index(head->headers, http_header, i);
        http_msg_add(not_modified, h->name, h->value);
    }
    http_cache_refresh(cache, url, not_modified, LATER_S);
    e = http_cache_peek(cache, url);
    FUZZ_CHECK(e && e->stored == LATER_S, "a 304 did not restamp the entry");
    int64_t later = http_cache_lifetime(head, LATER_S);
    FUZZ_CHECK(e->lifetime == later, "after a 304 the lifetime is %" G_GINT64_FORMAT ", the rules say %" G_GINT64_FORMAT,
               e->lifetime, later);

    http_msg_free(not_modified);
    http_cache_free(cache);
    http_msg_free(head);
    g_free(text);
    return 0;
}
