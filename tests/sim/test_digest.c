/*
 * Tests of sim/sim_digest: the digest behind run fingerprints. Equal
 * inputs give equal digests; a change of any single word or byte of a
 * stream of records changes it (checked at every position of a stream
 * of 1,000 words, with several new values each); feeding words in pieces
 * gives what feeding them one by one gives; byte strings split
 * differently differ; and the digest of a fixed stream is pinned, so that
 * another machine (or compiler) computing another value is caught.
 */
#include <glib.h>
#include <string.h>

#include "sim/sim_digest.h"
#include "test_util.h"

#define N_WORDS 1000

static void hex_of(const uint64_t *w, size_t n, char out[65])
{
    sim_digest d;
    sim_digest_init(&d);
    sim_digest_words(&d, w, n);
    sim_digest_hex(&d, out);
}

static void fill(uint64_t *w, size_t n)
{
    uint64_t x = 88172645463325252ULL; /* xorshift64: any fixed stream will do */
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        w[i] = i % 3 ? x : i; /* small values too, as trace records have */
    }
}

static void test_same_input_same_digest(void)
{
    uint64_t w[N_WORDS];
    fill(w, N_WORDS);
    char a[65], b[65];
    hex_of(w, N_WORDS, a);
    hex_of(w, N_WORDS, b);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_EQUAL(strlen(a), 64);
    CU_ASSERT_EQUAL(strspn(a, "0123456789abcdef"), 64);
    /* fed in pieces: the same */
    sim_digest d;
    sim_digest_init(&d);
    sim_digest_words(&d, w, 7);
    sim_digest_words(&d, w + 7, N_WORDS - 7);
    sim_digest_hex(&d, b);
    CU_ASSERT_STRING_EQUAL(a, b);
}

/* sim_digest_words keeps the lanes in locals: pieces of every length
 * from 0 to 9 words, starting at every lane, give what feeding the same
 * words one at a time gives. */
static void test_pieces_match_single_words(void)
{
    uint64_t w[64];
    fill(w, 64);
    for (size_t first = 0; first < 4; first++) {
        for (size_t n = 0; n < 10; n++) {
            sim_digest a, b;
            sim_digest_init(&a);
            sim_digest_init(&b);
            for (size_t i = 0; i < first + n + 3; i++)
                sim_digest_word(&a, w[i]);
            for (size_t i = 0; i < first; i++)
                sim_digest_word(&b, w[i]);
            sim_digest_words(&b, w + first, n);
            sim_digest_words(&b, w + first + n, 3);
            char ha[65], hb[65];
            sim_digest_hex(&a, ha);
            sim_digest_hex(&b, hb);
            CU_ASSERT_STRING_EQUAL(ha, hb);
        }
    }
}

static void test_any_single_change_is_seen(void)
{
    uint64_t w[N_WORDS];
    fill(w, N_WORDS);
    char base[65], other[65];
    hex_of(w, N_WORDS, base);
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_add(seen, g_strdup(base));
    static const uint64_t deltas[] = {1, 2, UINT64_C(1) << 63, UINT64_MAX};
    int changes = 0, missed = 0;
    for (size_t i = 0; i < N_WORDS; i++) {
        for (size_t k = 0; k < G_N_ELEMENTS(deltas); k++) {
            uint64_t keep = w[i];
            w[i] ^= deltas[k];
            hex_of(w, N_WORDS, other);
            w[i] = keep;
            changes++;
            if (!g_hash_table_add(seen, g_strdup(other)))
                missed++; /* equal to the original or to another change */
        }
    }
    CU_ASSERT_EQUAL(missed, 0);
    CU_ASSERT_EQUAL(g_hash_table_size(seen), (guint)changes + 1);
    /* one word more or less */
    hex_of(w, N_WORDS - 1, other);
    CU_ASSERT_STRING_NOT_EQUAL(base, other);
    g_hash_table_destroy(seen);
}

static void test_bytes(void)
{
    char a[65], b[65], c[65];
    sim_digest d;
    sim_digest_init(&d);
    sim_digest_bytes(&d, "ab", 2);
    sim_digest_bytes(&d, "c", 1);
    sim_digest_hex(&d, a);
    sim_digest_init(&d);
    sim_digest_bytes(&d, "a", 1);
    sim_digest_bytes(&d, "bc", 2);
    sim_digest_hex(&d, b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    /* a byte changed at every position of a 20-byte string */
    const char *text = "GET /index.html HTTP";
    sim_digest_init(&d);
    sim_digest_bytes(&d, text, 20);
    sim_digest_hex(&d, a);
    for (int i = 0; i < 20; i++) {
        char t[21];
        memcpy(t, text, 21);
        t[i] ^= 0x20;
        sim_digest_init(&d);
        sim_digest_bytes(&d, t, 20);
        sim_digest_hex(&d, c);
        CU_ASSERT_STRING_NOT_EQUAL(a, c);
    }
    /* trailing zero bytes count: "a" and "a\0" differ */
    sim_digest_init(&d);
    sim_digest_bytes(&d, "a\0", 2);
    sim_digest_hex(&d, c);
    sim_digest_init(&d);
    sim_digest_bytes(&d, "a", 1);
    sim_digest_hex(&d, b);
    CU_ASSERT_STRING_NOT_EQUAL(b, c);
}

static void test_pinned(void)
{
    uint64_t w[N_WORDS];
    fill(w, N_WORDS);
    char got[65];
    hex_of(w, N_WORDS, got);
    printf("\n    digest of the fixed stream: %s\n", got);
    CU_ASSERT_STRING_EQUAL(got, "507a6e10b1d07b1505ae0a6891afae21bfef222ea10d3ff94da0a9f73f9ae6ad");
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_same_input_same_digest),
        TEST(test_pieces_match_single_words),
        TEST(test_any_single_change_is_seen),
        TEST(test_bytes),
        TEST(test_pinned),
    };
    return test_main("sim/digest", tests, G_N_ELEMENTS(tests));
}
