/*
 * Fuzz target html_links: the scanner that finds the objects a web page
 * refers to (protocols/http/html_links.c).
 *
 * Input: a page's bytes, any bytes, given with their length (the scanner
 * does not need a terminating NUL, and gets none: the copy it scans is
 * exactly the input's size).
 *
 * Invariants: every value found is non-empty, appears in the page as
 * written, and is found once only; there are no more values than '<'
 * characters.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/http/html_links.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that AddressSanitizer sees a read past it. */
    char *page = size ? g_memdup2(data, size) : NULL;
    GPtrArray *found = html_find_objects(page ? page : "", size);
    size_t tags = 0;
    for (size_t i = 0; i < size; i++)
        tags += page[i] == '<';
    FUZZ_CHECK(found->len <= tags, "%u values from %zu tags", found->len, tags);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal); /* lookup only */
    for (guint i = 0; i < found->len; i++) {
        const char *v = g_ptr_array_index(found, i);
        size_t n = strlen(v);
        FUZZ_CHECK(n > 0, "value %u is empty", i);
        FUZZ_CHECK(fuzz_contains(page, size, v, n), "value \"%s\" is not in the page", v);
        FUZZ_CHECK(g_hash_table_add(seen, (gpointer)v), "value \"%s\" found twice", v);
    }
    g_hash_table_destroy(seen);
    g_ptr_array_unref(found);
    g_free(page);
    return 0;
}
