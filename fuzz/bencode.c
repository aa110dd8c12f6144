/*
 * Fuzz target bencode: the bencoding decoder and encoder
 * (protocols/bt/bencode.c) and the .torrent parser on top of it
 * (protocols/bt/bt_metainfo.c).
 *
 * Input: any bytes, decoded as one bencoded value (default limits), as a
 * prefix, and as a .torrent.
 *
 * Invariants:
 *   - a refusal's message starts with "offset N: " where N is at most the
 *     input's length;
 *   - an accepted input is canonical: the tree encodes back to exactly the
 *     input, both through benc_encode and through a builder copy (which
 *     sorts the keys itself);
 *   - every value's span lies inside its parent's; a dictionary's keys are
 *     strictly ascending and each is found by benc_dict_get; list items by
 *     index; the counts add up to benc_doc_values;
 *   - the input followed by other bytes decodes as a prefix of the same
 *     length;
 *   - under tight limits (64 bytes, depth 3, 16 values) an input is
 *     accepted exactly when it is accepted under the defaults and fits
 *     those limits, and a refusal for a limit is a BENC_ERROR_LIMIT;
 *   - a .torrent that parses has 20 bytes per piece, piece sizes that add
 *     up to its length, an info-hash that is the SHA-1 of its info bytes,
 *     and its fields built into a new .torrent parse back to the same
 *     fields.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/bt/bencode.h"
#include "protocols/bt/bt_metainfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The nesting depth of lists and dictionaries in v (0 for a scalar). */
static size_t depth_of(const benc_value *v)
{
    size_t n = benc_count(v);
    size_t deepest = 0;
    for (size_t i = 0; i < n; i++) {
        const benc_value *c = benc_type_of(v) == BENC_LIST ? benc_list_at(v, i) : benc_dict_value_at(v, i);
        size_t d = depth_of(c); /* once: MAX evaluates its arguments twice */
        deepest = MAX(deepest, d);
    }
    return benc_type_of(v) == BENC_LIST || benc_type_of(v) == BENC_DICT ? deepest + 1 : 0;
}

/* The same input under tight limits. */
static void check_tight(const uint8_t *data, size_t size, const benc_doc *full)
{
    benc_limits tight = {.max_input = 64, .max_depth = 3, .max_values = 16};
    GError *err = NULL;
    benc_doc *doc = benc_decode(data, size, &tight, &err);
    bool fits = full && size <= 64 && depth_of(benc_doc_root(full)) <= 3 && benc_doc_values(full) <= 16;
    FUZZ_CHECK((doc != NULL) == fits, "tight limits %s an input that %s", doc ? "accept" : "refuse",
               fits ? "fits them" : "does not fit them");
    if (!doc && full)
        FUZZ_CHECK(g_error_matches(err, BENC_ERROR, BENC_ERROR_LIMIT), "a valid input refused for \"%s\"",
                   err->message);
    g_clear_error(&err);
    benc_doc_free(doc);
}

/* Checks v (inside [lo, hi) of the input) and its children; returns the
 * number of values in it. Depth is bounded by the decoder's limit. */
static size_t check_value(const benc_value *v, size_t lo, size_t hi)
{
    size_t len;
    benc_raw(v, &len);
    size_t off = benc_offset(v);
    FUZZ_CHECK(off >= lo && off + len <= hi && len >= 2, "span [%zu, +%zu) outside [%zu, %zu)", off, len, lo, hi);
    size_t n = 1;
    if (benc_type_of(v) == BENC_LIST) {
        for (size_t i = 0; i < benc_count(v); i++)
            n += check_value(benc_list_at(v, i), off + 1, off + len - 1);
        FUZZ_CHECK(benc_list_at(v, benc_count(v)) == NULL, "a list item past the end");
    } else if (benc_type_of(v) == BENC_DICT) {
        const uint8_t *prev = NULL;
        size_t prev_len = 0;
        for (size_t i = 0; i < benc_count(v); i++) {
            const benc_value *k = benc_dict_key_at(v, i);
            size_t klen;
            const uint8_t *key = benc_get_str(k, &klen);
            FUZZ_CHECK(key != NULL, "a dictionary key that is no string");
            if (prev) {
                size_t m = MIN(prev_len, klen);
                int c = m ? memcmp(prev, key, m) : 0;
                FUZZ_CHECK(c < 0 || (c == 0 && prev_len < klen), "keys not ascending at pair %zu", i);
            }
            prev = key;
            prev_len = klen;
            FUZZ_CHECK(benc_dict_get_n(v, key, klen) == benc_dict_value_at(v, i), "key %zu not found", i);
            n += check_value(k, off + 1, off + len - 1);
            n += check_value(benc_dict_value_at(v, i), off + 1, off + len - 1);
        }
    } else if (benc_type_of(v) == BENC_STR) {
        size_t slen;
        FUZZ_CHECK(benc_get_str(v, &slen) != NULL && slen < len, "string content");
    } else {
        int64_t x;
        FUZZ_CHECK(benc_get_int(v, &x), "integer");
    }
    return n;
}

static void check_error(const GError *err, size_t size)
{
    FUZZ_CHECK(err != NULL && g_str_has_prefix(err->message, "offset "), "refusal without an offset");
    char *end;
    unsigned long long off = g_ascii_strtoull(err->message + 7, &end, 10);
    FUZZ_CHECK(end[0] == ':' && off <= size, "bad offset in \"%s\" (input %zu bytes)", err->message, size);
}

static void check_metainfo(const uint8_t *data, size_t size)
{
    bt_metainfo *m = bt_metainfo_parse(data, size, NULL);
    if (!m)
        return;
    FUZZ_CHECK(m->piece_count > 0 && m->piece_length > 0 && m->length > 0, "empty torrent accepted");
    uint64_t total = 0;
    for (uint32_t i = 0; i < m->piece_count; i++) {
        uint64_t p = bt_metainfo_piece_size(m, i);
        FUZZ_CHECK(p > 0 && p <= m->piece_length, "piece %u has %llu bytes", i, (unsigned long long)p);
        total += p;
    }
    FUZZ_CHECK(total == m->length, "pieces add up to %llu, not %llu", (unsigned long long)total,
               (unsigned long long)m->length);
    FUZZ_CHECK(bt_metainfo_piece_size(m, m->piece_count) == 0, "a piece past the end");
    uint8_t h[BT_SHA1_LEN];
    bt_sha1(m->info, m->info_len, h);
    FUZZ_CHECK(memcmp(h, m->info_hash, BT_SHA1_LEN) == 0, "info-hash is not the SHA-1 of the info bytes");
    FUZZ_CHECK(bt_name_is_safe(m->name, strlen(m->name)), "unsafe name accepted");
    GError *err = NULL;
    GByteArray *b = bt_metainfo_build(m->name, m->length, m->piece_length, m->pieces, m->announce, &err);
    FUZZ_CHECK(b != NULL, "the fields of a parsed torrent do not build: %s", err ? err->message : "?");
    bt_metainfo *again = bt_metainfo_parse(b->data, b->len, NULL);
    FUZZ_CHECK(again != NULL, "a built torrent does not parse");
    FUZZ_CHECK(strcmp(again->name, m->name) == 0 && strcmp(again->announce, m->announce) == 0 &&
                   again->length == m->length && again->piece_length == m->piece_length &&
                   again->piece_count == m->piece_count &&
                   memcmp(again->pieces, m->pieces, (size_t)m->piece_count * BT_SHA1_LEN) == 0,
               "a built torrent parses to other fields");
    bt_metainfo_free(again);
    g_byte_array_unref(b);
    bt_metainfo_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = g_memdup2(data, size); /* exact size: reads past the end are caught */
    GError *err = NULL;
    benc_doc *doc = benc_decode(copy, size, NULL, &err);
    if (!doc) {
        check_error(err, size);
        g_error_free(err);
    } else {
        const benc_value *root = benc_doc_root(doc);
        FUZZ_CHECK(benc_offset(root) == 0, "the root starts at %zu", benc_offset(root));
        size_t n = check_value(root, 0, size);
        FUZZ_CHECK(n == benc_doc_values(doc), "%zu values counted, %zu decoded", n, benc_doc_values(doc));
        GByteArray *out = g_byte_array_new();
        benc_encode(root, out);
        FUZZ_CHECK(out->len == size && memcmp(out->data, data, size) == 0, "encode(decode(x)) != x");
        g_byte_array_set_size(out, 0);
        benc_node *node = benc_node_from_value(root);
        benc_node_encode(node, out);
        FUZZ_CHECK(out->len == size && memcmp(out->data, data, size) == 0, "the builder's copy encodes otherwise");
        benc_node_free(node);
        /* The same bytes with more after them: a prefix of the same length. */
        g_byte_array_append(out, (const guint8 *)"i1e", 3);
        size_t used = 0;
        benc_doc *prefix = benc_decode_prefix(out->data, out->len, NULL, &used, NULL);
        FUZZ_CHECK(prefix != NULL && used == size, "the input is no prefix of itself and more");
        benc_doc_free(prefix);
        g_byte_array_unref(out);
    }
    check_tight(copy, size, doc);
    benc_doc_free(doc);
    check_metainfo(copy, size);
    g_free(copy);
    return 0;
}
