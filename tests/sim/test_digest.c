/*
 * Tests of sim/sim_digest: the digest behind run fingerprints.
 * - Equal streams of records give equal digests.
 * - sim_digest_trace (inline, three rounds) feeds exactly the words that
 *   sim_digest_pack lists, to the lanes the header names.
 * - Each field of a record changed alone (kind, time, source, reason,
 *   bytes, the id and whether there is one, the text), to values on both
 *   sides of the packing's escape boundaries, changes the digest: at
 *   several positions of a stream of 300 records, every change gives a
 *   digest of its own.
 * - Two different records never pack to the same words: every record of
 *   a product of boundary values of every field packs to a word sequence
 *   of its own (the text's words included).
 * - The finish: a change of one lane's final state changes the digest.
 * - Byte strings split differently differ.
 * - The digest of a fixed stream is pinned, so that another machine (or
 *   compiler) computing another value is caught.
 */
#include <glib.h>
#include <string.h>

#include "sim/sim_digest.h"
#include "test_util.h"

#define N_RECS 300

/* One record of a test stream: the trace record and its object's id. */
typedef struct {
    sim_trace_rec rec;
    bool has_id;
    uint64_t id;
} trec;

static void hex_of(const trec *r, size_t n, char out[65])
{
    sim_digest d;
    sim_digest_init(&d);
    for (size_t i = 0; i < n; i++)
        sim_digest_trace(&d, &r[i].rec, r[i].has_id, r[i].id);
    sim_digest_hex(&d, out);
}

static const char *const texts[] = {"tcp 3 c0:49152->s0:80 SYN_SENT -> ESTABLISHED", "record page: 1 http://s0/obj",
                                    "x"};

/* A stream like a run's: packet records of every kind with small values,
 * a drop now and then, an application record with text every 25. */
static void fill(trec *r, size_t n)
{
    uint64_t x = 88172645463325252ULL; /* xorshift64: any fixed stream will do */
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memset(&r[i], 0, sizeof r[i]);
        r[i].rec.time = (sim_time_t)(i * 1000 + x % 1000);
        r[i].rec.source = (uint32_t)(x % 40);
        if (i % 25 == 24) {
            r[i].rec.kind = SIM_TR_APP;
            r[i].rec.text = texts[i % 3];
            continue;
        }
        r[i].rec.kind = (sim_trace_kind)(x % 5); /* enqueue .. rx */
        r[i].rec.reason = r[i].rec.kind == SIM_TR_DROP ? 1 + (uint32_t)(x % 6) : 0;
        r[i].rec.bytes = 40 + x % 1460;
        r[i].has_id = true;
        r[i].id = i / 4;
    }
}

static void test_same_input_same_digest(void)
{
    trec r[N_RECS];
    fill(r, N_RECS);
    char a[65], b[65];
    hex_of(r, N_RECS, a);
    hex_of(r, N_RECS, b);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_EQUAL(strlen(a), 64);
    CU_ASSERT_EQUAL(strspn(a, "0123456789abcdef"), 64);
    /* one record less, or two records swapped: another digest */
    hex_of(r, N_RECS - 1, b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    trec t = r[10];
    r[10] = r[11];
    r[11] = t;
    hex_of(r, N_RECS, b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
}

/* The words of a record as the header describes them: sim_digest_pack's,
 * then the text's length and its bytes in little-endian words. */
static size_t words_of(const trec *r, uint64_t *out, size_t cap)
{
    uint64_t w[SIM_DIGEST_PACK_MAX];
    size_t n = sim_digest_pack(&r->rec, r->has_id, r->id, w);
    g_assert(n <= cap);
    memcpy(out, w, n * sizeof *w);
    if (r->rec.text) {
        size_t len = strlen(r->rec.text);
        g_assert(n + 1 + (len + 7) / 8 <= cap);
        out[n++] = len;
        for (size_t i = 0; i < len; i += 8) {
            uint64_t v = 0;
            for (size_t k = 0; k < 8 && i + k < len; k++)
                v |= (uint64_t)(unsigned char)r->rec.text[i + k] << (8 * k);
            out[n++] = v;
        }
    }
    return n;
}

/* sim_digest_trace gives what rounds of the packed words give: w0, w1, w2
 * to lanes 0, 1, 2, the rest to lane 3; and the three-word form only when
 * nothing is escaped. */
static void test_trace_is_its_packing(void)
{
    trec r[N_RECS + 6];
    fill(r, N_RECS);
    /* escaped records of every reason */
    r[N_RECS] = (trec){.rec = {.kind = SIM_TR_DROP, .time = 5, .source = 7, .reason = 1u << 27, .bytes = 60},
                       .has_id = true, .id = 3};
    r[N_RECS + 1] = (trec){.rec = {.kind = SIM_TR_RX, .time = 6, .bytes = UINT64_C(1) << 32}, .has_id = true};
    r[N_RECS + 2] = (trec){.rec = {.kind = SIM_TR_RX, .time = 7, .bytes = 1}, .has_id = true, .id = UINT64_C(1) << 32};
    r[N_RECS + 3] = (trec){.rec = {.kind = (sim_trace_kind)8, .time = 8}};
    r[N_RECS + 4] = (trec){.rec = {.kind = SIM_TR_APP, .time = 9, .text = ""}};
    r[N_RECS + 5] = (trec){.rec = {.kind = SIM_TR_TX, .time = 10}, .has_id = true, .id = UINT64_MAX};
    sim_digest a, b;
    sim_digest_init(&a);
    sim_digest_init(&b);
    for (size_t i = 0; i < G_N_ELEMENTS(r); i++) {
        sim_digest_trace(&a, &r[i].rec, r[i].has_id, r[i].id);
        uint64_t w[64];
        size_t n = words_of(&r[i], w, G_N_ELEMENTS(w));
        bool plain = i < N_RECS && r[i].rec.kind != SIM_TR_APP;
        CU_ASSERT_EQUAL(n == 3, plain);
        CU_ASSERT_EQUAL((w[0] & SIM_DIGEST_ESCAPE) != 0, !plain);
        for (size_t k = 0; k < n; k++)
            b.lane[k < 3 ? k : 3] = sim_digest_round(b.lane[k < 3 ? k : 3], w[k]);
        CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
    }
}

/* Boundary values of each field: on both sides of where the packing
 * escapes, and the extremes. */
static const uint64_t kinds[] = {SIM_TR_ENQUEUE, SIM_TR_DROP, SIM_TR_APP, 7, 8};
static const int64_t times[] = {0, 1, INT64_MAX, -1, INT64_MIN};
static const uint32_t sources[] = {0, 1, UINT32_MAX};
static const uint32_t reasons[] = {0, 1, (1u << 27) - 1, 1u << 27, UINT32_MAX};
static const uint64_t bytes_[] = {0, 1, UINT32_MAX, UINT64_C(1) << 32, UINT64_MAX};
/* the ids (set_field's value 0: no id) */
static const uint64_t ids[] = {0, 1, UINT64_C(0xFFFFFFFF), UINT64_C(1) << 32, UINT64_MAX - 1, UINT64_MAX};
static const char *const btexts[] = {NULL, "", "a", "abcdefgh", "abcdefghi"};

static void set_field(trec *r, int field, size_t k)
{
    switch (field) {
    case 0:
        r->rec.kind = (sim_trace_kind)kinds[k];
        break;
    case 1:
        r->rec.time = times[k];
        break;
    case 2:
        r->rec.source = sources[k];
        break;
    case 3:
        r->rec.reason = reasons[k];
        break;
    case 4:
        r->rec.bytes = bytes_[k];
        break;
    case 5: /* k 0: no id; then the ids */
        r->has_id = k > 0;
        r->id = k > 0 ? ids[k - 1] : 0;
        break;
    default:
        r->rec.text = btexts[k];
        break;
    }
}

static size_t field_values(int field)
{
    static const size_t counts[] = {G_N_ELEMENTS(kinds),   G_N_ELEMENTS(times), G_N_ELEMENTS(sources),
                                    G_N_ELEMENTS(reasons), G_N_ELEMENTS(bytes_), G_N_ELEMENTS(ids) + 1,
                                    G_N_ELEMENTS(btexts)};
    return counts[field];
}

static bool same_rec(const trec *a, const trec *b)
{
    return a->rec.kind == b->rec.kind && a->rec.time == b->rec.time && a->rec.source == b->rec.source &&
           a->rec.reason == b->rec.reason && a->rec.bytes == b->rec.bytes && a->has_id == b->has_id &&
           a->id == b->id && g_strcmp0(a->rec.text, b->rec.text) == 0;
}

/* Each field of one record set alone to each boundary value, at records
 * 0, 1, 2, 3 (each lane position), 150 and the last: every change gives a
 * digest of its own, different from the stream's. */
static void test_each_field_change_is_seen(void)
{
    trec r[N_RECS];
    fill(r, N_RECS);
    r[150].rec.text = NULL; /* a packet record, so that the text changes too */
    char base[65], other[65];
    hex_of(r, N_RECS, base);
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_add(seen, g_strdup(base));
    static const size_t at[] = {0, 1, 2, 3, 24, 150, N_RECS - 1};
    int changes = 0, missed = 0;
    for (size_t a = 0; a < G_N_ELEMENTS(at); a++) {
        for (int field = 0; field < 7; field++) {
            for (size_t k = 0; k < field_values(field); k++) {
                trec keep = r[at[a]];
                set_field(&r[at[a]], field, k);
                if (!same_rec(&keep, &r[at[a]])) {
                    hex_of(r, N_RECS, other);
                    changes++;
                    if (!g_hash_table_add(seen, g_strdup(other))) {
                        missed++;
                        printf("\n    record %zu, field %d, value %zu: digest not changed\n", at[a], field, k);
                    }
                }
                r[at[a]] = keep;
            }
        }
    }
    CU_ASSERT(changes > 200); /* 7 places x 35 values, less those equal to the record's own */
    CU_ASSERT_EQUAL(missed, 0);
    CU_ASSERT_EQUAL(g_hash_table_size(seen), (guint)changes + 1);
    g_hash_table_destroy(seen);
}

/* Every record of the product of the boundary values (5 kinds x 5 times x
 * 3 sources x 5 reasons x 5 byte counts x 7 ids x 5 texts, 65,625 records)
 * packs to a word sequence of its own. */
static void test_packing_is_injective(void)
{
    GHashTable *seen = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
    size_t n = 0, dup = 0;
    size_t idx[7] = {0};
    for (;;) {
        trec r = {0};
        for (int f = 0; f < 7; f++)
            set_field(&r, f, idx[f]);
        uint64_t w[64];
        size_t len = words_of(&r, w, G_N_ELEMENTS(w));
        if (!g_hash_table_add(seen, g_bytes_new(w, len * sizeof *w)))
            dup++;
        n++;
        int f = 0;
        while (f < 7 && ++idx[f] == field_values(f))
            idx[f++] = 0;
        if (f == 7)
            break;
    }
    CU_ASSERT_EQUAL(n, 65625);
    CU_ASSERT_EQUAL(dup, 0);
    CU_ASSERT_EQUAL(g_hash_table_size(seen), (guint)n);
    g_hash_table_destroy(seen);
}

/* The finish is one-to-one: a change of any single bit of any one lane
 * changes the digest, each to a digest of its own. */
static void test_finish_sees_every_lane(void)
{
    sim_digest d;
    sim_digest_init(&d);
    trec r[N_RECS];
    fill(r, N_RECS);
    for (size_t i = 0; i < N_RECS; i++)
        sim_digest_trace(&d, &r[i].rec, r[i].has_id, r[i].id);
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    char hex[65];
    sim_digest_hex(&d, hex);
    g_hash_table_add(seen, g_strdup(hex));
    int missed = 0;
    for (int lane = 0; lane < 4; lane++) {
        for (int bit = 0; bit < 64; bit++) {
            sim_digest e = d;
            e.lane[lane] ^= UINT64_C(1) << bit;
            sim_digest_hex(&e, hex);
            if (!g_hash_table_add(seen, g_strdup(hex)))
                missed++;
        }
    }
    CU_ASSERT_EQUAL(missed, 0);
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
    trec r[N_RECS];
    fill(r, N_RECS);
    char got[65];
    hex_of(r, N_RECS, got);
    printf("\n    digest of the fixed stream: %s\n", got);
    CU_ASSERT_STRING_EQUAL(got, "3cf0f3ab6c78b27683c23db538c30bc239c667d0b1873c2021f0e7cc878cfa91");
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_same_input_same_digest), TEST(test_trace_is_its_packing),   TEST(test_each_field_change_is_seen),
        TEST(test_packing_is_injective),   TEST(test_finish_sees_every_lane), TEST(test_bytes),
        TEST(test_pinned),
    };
    return test_main("sim/digest", tests, G_N_ELEMENTS(tests));
}
