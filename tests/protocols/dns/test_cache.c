/*
 * Tests of protocols/dns/dns_cache: TTL countdown, expiry exactly at the
 * TTL, negative entries and their TTL from the SOA (RFC 2308), the caps,
 * trust ranks, the LRU eviction order, the counters and closest_ns.
 */
#include <string.h>

#include "protocols/dns/dns_cache.h"
#include "test_util.h"

#define S(x) ((int64_t)(x) * INT64_C(1000000000))

static void set_a(dns_rr *rr, const char *name, uint32_t ttl, uint8_t last)
{
    memset(rr, 0, sizeof *rr);
    rr->name = g_strdup(name);
    rr->type = DNS_T_A;
    rr->rclass = DNS_CLASS_IN;
    rr->ttl = ttl;
    rr->addr[0] = 192;
    rr->addr[1] = 0;
    rr->addr[2] = 2;
    rr->addr[3] = last;
}

static void set_ns(dns_rr *rr, const char *name, const char *target, uint32_t ttl)
{
    memset(rr, 0, sizeof *rr);
    rr->name = g_strdup(name);
    rr->type = DNS_T_NS;
    rr->rclass = DNS_CLASS_IN;
    rr->ttl = ttl;
    rr->target = g_strdup(target);
}

static void set_soa(dns_rr *rr, const char *zone, uint32_t ttl, uint32_t minimum)
{
    memset(rr, 0, sizeof *rr);
    rr->name = g_strdup(zone);
    rr->type = DNS_T_SOA;
    rr->rclass = DNS_CLASS_IN;
    rr->ttl = ttl;
    rr->target = g_strdup("ns1.example.com");
    rr->rname = g_strdup("hostmaster.example.com");
    rr->serial = 1;
    rr->refresh = 7200;
    rr->retry = 900;
    rr->expire = 1209600;
    rr->minimum = minimum;
}

static bool put_a(dns_cache *c, int64_t now, const char *name, uint32_t ttl, uint8_t last)
{
    dns_rr rr;
    set_a(&rr, name, ttl, last);
    bool ok = dns_cache_put_rrset(c, now, &rr, 1, DNS_TRUST_ANSWER);
    dns_rr_clear(&rr);
    return ok;
}

static dns_cache_result get(dns_cache *c, int64_t now, const char *name, uint16_t type,
                            uint32_t *ttl, guint *n)
{
    GArray *out = dns_cache_rr_array_new();
    dns_rr soa = {0};
    dns_cache_result r = dns_cache_get(c, now, name, type, out, &soa);
    if (ttl)
        *ttl = r == DNS_CACHE_HIT ? g_array_index(out, dns_rr, 0).ttl : soa.ttl;
    if (n)
        *n = out->len;
    dns_rr_clear(&soa);
    g_array_unref(out);
    return r;
}

static void test_ttl_countdown(void)
{
    dns_cache *c = dns_cache_new(NULL);
    dns_rr rrs[2];
    set_a(&rrs[0], "www.example.com", 300, 1);
    set_a(&rrs[1], "www.example.com", 200, 2); /* the RRset's TTL is the smallest */
    CU_ASSERT_TRUE(dns_cache_put_rrset(c, S(10), rrs, 2, DNS_TRUST_ANSWER));
    uint32_t ttl = 0;
    guint n = 0;
    CU_ASSERT_EQUAL(get(c, S(10), "WWW.Example.COM", DNS_T_A, &ttl, &n), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(ttl, 200);
    /* 100.5 s later: 99.5 s left, floored to 99 */
    CU_ASSERT_EQUAL(get(c, S(110) + S(1) / 2, "www.example.com", DNS_T_A, &ttl, NULL), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL(ttl, 99);
    /* one nanosecond before expiry: still there, TTL 0 */
    CU_ASSERT_EQUAL(get(c, S(210) - 1, "www.example.com", DNS_T_A, &ttl, NULL), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL(ttl, 0);
    /* another type is a miss */
    CU_ASSERT_EQUAL(get(c, S(20), "www.example.com", DNS_T_AAAA, NULL, NULL), DNS_CACHE_MISS);
    /* exactly at TTL: expired and removed */
    CU_ASSERT_EQUAL(get(c, S(210), "www.example.com", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    dns_cache_stats st;
    dns_cache_get_stats(c, &st);
    CU_ASSERT_EQUAL(st.hits, 3);
    CU_ASSERT_EQUAL(st.misses, 2);
    CU_ASSERT_EQUAL(st.expired, 1);
    CU_ASSERT_EQUAL(st.entries, 0);
    dns_rr_clear(&rrs[0]);
    dns_rr_clear(&rrs[1]);
    dns_cache_free(c);
}

static void test_ttl_caps_and_zero(void)
{
    dns_cache_config cfg = {.max_ttl_s = 60, .max_negative_ttl_s = 30};
    dns_cache *c = dns_cache_new(&cfg);
    CU_ASSERT_TRUE(put_a(c, 0, "a.example", 3600, 1));
    uint32_t ttl = 0;
    CU_ASSERT_EQUAL(get(c, 0, "a.example", DNS_T_A, &ttl, NULL), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL(ttl, 60);
    CU_ASSERT_EQUAL(get(c, S(60), "a.example", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    /* TTL 0 is not stored */
    CU_ASSERT_FALSE(put_a(c, 0, "zero.example", 0, 1));
    CU_ASSERT_EQUAL(get(c, 0, "zero.example", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    /* negative cap */
    dns_rr soa;
    set_soa(&soa, "example", 3600, 3600);
    CU_ASSERT_TRUE(dns_cache_put_negative(c, 0, "nx.example", 0, &soa));
    CU_ASSERT_EQUAL(get(c, S(29), "nx.example", DNS_T_A, &ttl, NULL), DNS_CACHE_NXDOMAIN);
    CU_ASSERT_EQUAL(ttl, 1);
    CU_ASSERT_EQUAL(get(c, S(30), "nx.example", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    dns_rr_clear(&soa);
    dns_cache_free(c);

    /* the defaults: 1 day positive, 3 hours negative */
    c = dns_cache_new(NULL);
    CU_ASSERT_TRUE(put_a(c, 0, "long.example", 604800, 1));
    CU_ASSERT_EQUAL(get(c, 0, "long.example", DNS_T_A, &ttl, NULL), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL(ttl, 86400);
    set_soa(&soa, "example", 604800, 604800);
    CU_ASSERT_TRUE(dns_cache_put_negative(c, 0, "nx.example", DNS_T_MX, &soa));
    CU_ASSERT_EQUAL(get(c, 0, "nx.example", DNS_T_MX, &ttl, NULL), DNS_CACHE_NODATA);
    CU_ASSERT_EQUAL(ttl, 10800);
    dns_rr_clear(&soa);
    dns_cache_free(c);
}

static void test_negative_from_soa(void)
{
    dns_cache *c = dns_cache_new(NULL);
    dns_rr soa;
    /* TTL = min(SOA TTL, MINIMUM): MINIMUM smaller */
    set_soa(&soa, "example.com", 3600, 300);
    CU_ASSERT_TRUE(dns_cache_put_negative(c, S(5), "nope.example.com", 0, &soa));
    dns_rr_clear(&soa);
    /* SOA TTL smaller */
    set_soa(&soa, "example.com", 120, 900);
    CU_ASSERT_TRUE(dns_cache_put_negative(c, S(5), "www.example.com", DNS_T_AAAA, &soa));
    dns_rr_clear(&soa);

    uint32_t ttl = 0;
    /* NXDOMAIN answers any type */
    CU_ASSERT_EQUAL(get(c, S(5), "nope.example.com", DNS_T_A, &ttl, NULL), DNS_CACHE_NXDOMAIN);
    CU_ASSERT_EQUAL(ttl, 300);
    CU_ASSERT_EQUAL(get(c, S(105), "NOPE.example.com", DNS_T_MX, &ttl, NULL), DNS_CACHE_NXDOMAIN);
    CU_ASSERT_EQUAL(ttl, 200);
    CU_ASSERT_EQUAL(get(c, S(305), "nope.example.com", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    /* NODATA only for its type */
    CU_ASSERT_EQUAL(get(c, S(5), "www.example.com", DNS_T_AAAA, &ttl, NULL), DNS_CACHE_NODATA);
    CU_ASSERT_EQUAL(ttl, 120);
    CU_ASSERT_EQUAL(get(c, S(5), "www.example.com", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    /* the SOA comes back whole */
    dns_rr got = {0};
    CU_ASSERT_EQUAL(dns_cache_get(c, S(6), "www.example.com", DNS_T_AAAA, NULL, &got), DNS_CACHE_NODATA);
    CU_ASSERT_EQUAL(got.type, DNS_T_SOA);
    CU_ASSERT_STRING_EQUAL(got.name, "example.com");
    CU_ASSERT_EQUAL(got.minimum, 900);
    CU_ASSERT_EQUAL(got.ttl, 119);
    dns_rr_clear(&got);
    /* a positive RRset for the name ends its NXDOMAIN */
    set_soa(&soa, "example.com", 600, 600);
    CU_ASSERT_TRUE(dns_cache_put_negative(c, S(5), "later.example.com", 0, &soa));
    CU_ASSERT_TRUE(put_a(c, S(6), "later.example.com", 60, 9));
    CU_ASSERT_EQUAL(get(c, S(6), "later.example.com", DNS_T_A, NULL, NULL), DNS_CACHE_HIT);
    /* a SOA with MINIMUM 0 is not cached; a non-SOA is refused */
    dns_rr_clear(&soa);
    set_soa(&soa, "example.com", 600, 0);
    CU_ASSERT_FALSE(dns_cache_put_negative(c, S(5), "x.example.com", 0, &soa));
    dns_rr_clear(&soa);
    dns_rr a;
    set_a(&a, "example.com", 60, 1);
    CU_ASSERT_FALSE(dns_cache_put_negative(c, S(5), "y.example.com", 0, &a));
    dns_rr_clear(&a);

    dns_cache_stats st;
    dns_cache_get_stats(c, &st);
    CU_ASSERT_EQUAL(st.negative_hits, 4);
    CU_ASSERT_EQUAL(st.expired, 1);
    dns_cache_free(c);
}

static void test_lru_eviction_order(void)
{
    dns_cache_config cfg = {.max_entries = 3};
    dns_cache *c = dns_cache_new(&cfg);
    CU_ASSERT_TRUE(put_a(c, 0, "a.test", 100, 1));
    CU_ASSERT_TRUE(put_a(c, 0, "b.test", 100, 2));
    CU_ASSERT_TRUE(put_a(c, 0, "c.test", 100, 3));
    /* use a: b is now the least recently used */
    CU_ASSERT_EQUAL(get(c, 1, "a.test", DNS_T_A, NULL, NULL), DNS_CACHE_HIT);
    CU_ASSERT_TRUE(put_a(c, 2, "d.test", 100, 4));
    CU_ASSERT_EQUAL(get(c, 3, "b.test", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    /* order of use now (most recent first): d, a, c -> c goes next */
    CU_ASSERT_TRUE(put_a(c, 4, "e.test", 100, 5));
    CU_ASSERT_EQUAL(get(c, 5, "c.test", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    CU_ASSERT_EQUAL(get(c, 5, "a.test", DNS_T_A, NULL, NULL), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL(get(c, 5, "d.test", DNS_T_A, NULL, NULL), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL(get(c, 5, "e.test", DNS_T_A, NULL, NULL), DNS_CACHE_HIT);
    /* a peek does not change the order: e, d, a; peeking a keeps a last */
    CU_ASSERT_EQUAL(dns_cache_peek(c, 6, "a.test", DNS_T_A, NULL), DNS_CACHE_HIT);
    CU_ASSERT_TRUE(put_a(c, 7, "f.test", 100, 6));
    CU_ASSERT_EQUAL(dns_cache_peek(c, 8, "a.test", DNS_T_A, NULL), DNS_CACHE_MISS);
    /* replacing an entry takes no extra room */
    CU_ASSERT_TRUE(put_a(c, 9, "f.test", 100, 7));
    dns_cache_stats st;
    dns_cache_get_stats(c, &st);
    CU_ASSERT_EQUAL(st.evictions, 3);
    CU_ASSERT_EQUAL(st.entries, 3);
    dns_cache_flush(c);
    dns_cache_get_stats(c, &st);
    CU_ASSERT_EQUAL(st.entries, 0);
    CU_ASSERT_EQUAL(get(c, 9, "f.test", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    dns_cache_free(c);
}

static void test_trust_and_duplicates(void)
{
    dns_cache *c = dns_cache_new(NULL);
    CU_ASSERT_TRUE(put_a(c, 0, "ns1.example.com", 3600, 1));
    /* glue does not overwrite an answer */
    dns_rr glue;
    set_a(&glue, "ns1.example.com", 3600, 66);
    CU_ASSERT_FALSE(dns_cache_put_rrset(c, 0, &glue, 1, DNS_TRUST_GLUE));
    GArray *out = dns_cache_rr_array_new();
    CU_ASSERT_EQUAL(dns_cache_get(c, 0, "ns1.example.com", DNS_T_A, out, NULL), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL(g_array_index(out, dns_rr, 0).addr[3], 1);
    g_array_set_size(out, 0);
    /* an answer overwrites glue */
    CU_ASSERT_TRUE(dns_cache_put_rrset(c, 0, &glue, 1, DNS_TRUST_GLUE) == false);
    CU_ASSERT_TRUE(dns_cache_put_rrset(c, 0, &glue, 1, DNS_TRUST_ANSWER));
    /* duplicates and strays are dropped */
    dns_rr three[3];
    set_a(&three[0], "dup.example.com", 60, 5);
    set_a(&three[1], "dup.example.com", 60, 5);
    set_a(&three[2], "other.example.com", 60, 6);
    CU_ASSERT_TRUE(dns_cache_put_rrset(c, 0, three, 3, DNS_TRUST_ANSWER));
    CU_ASSERT_EQUAL(dns_cache_get(c, 0, "dup.example.com", DNS_T_A, out, NULL), DNS_CACHE_HIT);
    CU_ASSERT_EQUAL(out->len, 1);
    CU_ASSERT_EQUAL(dns_cache_get(c, 0, "other.example.com", DNS_T_A, NULL, NULL), DNS_CACHE_MISS);
    for (int i = 0; i < 3; i++)
        dns_rr_clear(&three[i]);
    CU_ASSERT_FALSE(dns_cache_put_rrset(c, 0, three, 0, DNS_TRUST_ANSWER));
    dns_rr_clear(&glue);
    g_array_unref(out);
    dns_cache_free(c);
}

static void test_closest_ns(void)
{
    dns_cache *c = dns_cache_new(NULL);
    GArray *ns = dns_cache_rr_array_new(), *addrs = dns_cache_rr_array_new();
    char *zone = NULL;
    CU_ASSERT_FALSE(dns_cache_closest_ns(c, 0, "www.example.com", &zone, ns, addrs));
    CU_ASSERT_PTR_NULL(zone);

    dns_rr com[2];
    set_ns(&com[0], "com", "a.gtld-servers.net", 172800);
    set_ns(&com[1], "com", "b.gtld-servers.net", 172800);
    CU_ASSERT_TRUE(dns_cache_put_rrset(c, 0, com, 2, DNS_TRUST_AUTHORITY));
    dns_rr g;
    set_a(&g, "b.gtld-servers.net", 172800, 30);
    CU_ASSERT_TRUE(dns_cache_put_rrset(c, 0, &g, 1, DNS_TRUST_GLUE));
    dns_rr_clear(&g);
    dns_rr ex;
    set_ns(&ex, "example.com", "ns1.example.com", 100);
    CU_ASSERT_TRUE(dns_cache_put_rrset(c, 0, &ex, 1, DNS_TRUST_AUTHORITY));
    set_a(&g, "ns1.example.com", 50, 53);
    CU_ASSERT_TRUE(dns_cache_put_rrset(c, 0, &g, 1, DNS_TRUST_GLUE));
    dns_rr_clear(&g);

    CU_ASSERT_TRUE(dns_cache_closest_ns(c, S(10), "www.Example.com", &zone, ns, addrs));
    CU_ASSERT_STRING_EQUAL(zone, "example.com");
    CU_ASSERT_EQUAL(ns->len, 1);
    CU_ASSERT_EQUAL(addrs->len, 1);
    CU_ASSERT_EQUAL(g_array_index(addrs, dns_rr, 0).addr[3], 53);
    CU_ASSERT_EQUAL(g_array_index(addrs, dns_rr, 0).ttl, 40);
    g_free(zone);
    zone = NULL;
    g_array_set_size(ns, 0);
    g_array_set_size(addrs, 0);
    /* the glue expires first: the NS set without addresses */
    CU_ASSERT_TRUE(dns_cache_closest_ns(c, S(60), "www.example.com", &zone, ns, addrs));
    CU_ASSERT_STRING_EQUAL(zone, "example.com");
    CU_ASSERT_EQUAL(ns->len, 1);
    CU_ASSERT_EQUAL(addrs->len, 0);
    g_free(zone);
    zone = NULL;
    g_array_set_size(ns, 0);
    /* example.com's NS expires: com's set, in the NS order, one address */
    CU_ASSERT_TRUE(dns_cache_closest_ns(c, S(100), "www.example.com", &zone, ns, addrs));
    CU_ASSERT_STRING_EQUAL(zone, "com");
    CU_ASSERT_EQUAL(ns->len, 2);
    CU_ASSERT_STRING_EQUAL(g_array_index(ns, dns_rr, 0).target, "a.gtld-servers.net");
    CU_ASSERT_EQUAL(addrs->len, 1);
    CU_ASSERT_STRING_EQUAL(g_array_index(addrs, dns_rr, 0).name, "b.gtld-servers.net");
    g_free(zone);
    zone = NULL;
    /* a name under another TLD: nothing */
    CU_ASSERT_FALSE(dns_cache_closest_ns(c, S(100), "www.example.org", &zone, ns, addrs));
    /* the zone itself counts */
    g_array_set_size(ns, 0);
    CU_ASSERT_TRUE(dns_cache_closest_ns(c, S(100), "com", &zone, ns, NULL));
    CU_ASSERT_STRING_EQUAL(zone, "com");
    g_free(zone);
    /* closest_ns counts neither hits nor misses */
    dns_cache_stats st;
    dns_cache_get_stats(c, &st);
    CU_ASSERT_EQUAL(st.hits + st.misses, 0);
    dns_rr_clear(&com[0]);
    dns_rr_clear(&com[1]);
    dns_rr_clear(&ex);
    g_array_unref(ns);
    g_array_unref(addrs);
    dns_cache_free(c);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_ttl_countdown),    TEST(test_ttl_caps_and_zero),    TEST(test_negative_from_soa),
        TEST(test_lru_eviction_order), TEST(test_trust_and_duplicates), TEST(test_closest_ns),
    };
    return test_main("dns_cache", tests, G_N_ELEMENTS(tests));
}
