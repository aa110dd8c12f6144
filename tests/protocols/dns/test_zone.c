/* test_zone: the zone store and its master-file reader (dns_zone.h). */
#include <string.h>

#include "protocols/dns/dns_zone.h"
#include "test_util.h"

/* A zone using every construct the reader knows. */
static const char full_zone[] =
    "; the example zone\n"
    "$ORIGIN example.com.\n"
    "$TTL 1h\n"
    "@\tIN SOA ns1 hostmaster (  ; the SOA spans lines\n"
    "        2024010101 ; serial\n"
    "        2h         ; refresh\n"
    "        30M        ; retry\n"
    "        1w         ; expire\n"
    "        300 )      ; minimum\n"
    "        IN NS ns1\n"
    "        NS ns2.example.com.\n"
    "ns1     IN 7200 A 192.0.2.1\n"
    "ns2     3600 IN A 192.0.2.2\n"
    "        AAAA 2001:db8::2\n"
    "www     CNAME web\n"
    "web     A 192.0.2.10\n"
    "        A 192.0.2.11\n"
    "@       MX 10 mail\n"
    "        MX 20 mail.other.net.\n"
    "mail    A 192.0.2.25\n"
    "txt     TXT \"hello world\" \"semi;colon \\\"quoted\\\"\" plain \\065\\066\n"
    "a.b.c   A 192.0.2.40\n"
    "$ORIGIN 2.0.192.in-addr.arpa.example.com.\n"
    "1       PTR ns1.example.com.\n"
    "$ORIGIN example.com.\n"
    "sub     NS ns.sub\n"
    "ns.sub  A 192.0.2.53\n"
    "v6      AAAA ::ffff:192.0.2.1\n";

static dns_zone *parse(const char *text, const char *origin, GError **err)
{
    return dns_zone_parse(text, strlen(text), "example.zone", origin, err);
}

static void test_full_zone(void)
{
    GError *err = NULL;
    dns_zone *z = parse(full_zone, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_STRING_EQUAL(dns_zone_origin(z), "example.com");
    CU_ASSERT_EQUAL(dns_zone_count(z), 18);
    const dns_rr *soa = dns_zone_soa(z);
    CU_ASSERT_PTR_NOT_NULL_FATAL(soa);
    CU_ASSERT_STRING_EQUAL(soa->target, "ns1.example.com");
    CU_ASSERT_STRING_EQUAL(soa->rname, "hostmaster.example.com");
    CU_ASSERT_EQUAL(soa->serial, 2024010101u);
    CU_ASSERT_EQUAL(soa->refresh, 7200);
    CU_ASSERT_EQUAL(soa->retry, 1800);
    CU_ASSERT_EQUAL(soa->expire, 604800);
    CU_ASSERT_EQUAL(soa->minimum, 300);
    CU_ASSERT_EQUAL(soa->ttl, 3600);

    guint n;
    const dns_rr *rr = dns_zone_find(z, "EXAMPLE.com", &n);
    CU_ASSERT_EQUAL_FATAL(n, 5); /* SOA, NS, NS, MX, MX in order */
    CU_ASSERT_EQUAL(rr[0].type, DNS_T_SOA);
    CU_ASSERT_EQUAL(rr[1].type, DNS_T_NS);
    CU_ASSERT_STRING_EQUAL(rr[1].target, "ns1.example.com");
    CU_ASSERT_STRING_EQUAL(rr[2].target, "ns2.example.com");
    CU_ASSERT_EQUAL(rr[3].pref, 10);
    CU_ASSERT_STRING_EQUAL(rr[3].target, "mail.example.com");
    CU_ASSERT_STRING_EQUAL(rr[4].target, "mail.other.net");

    rr = dns_zone_find(z, "ns1.example.com", &n);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(rr[0].ttl, 7200); /* "IN 7200": class then TTL */
    CU_ASSERT_EQUAL(memcmp(rr[0].addr, "\xc0\x00\x02\x01", 4), 0);
    rr = dns_zone_find(z, "ns2.example.com", &n);
    CU_ASSERT_EQUAL_FATAL(n, 2); /* the owner left out: the previous one */
    CU_ASSERT_EQUAL(rr[1].type, DNS_T_AAAA);
    CU_ASSERT_EQUAL(memcmp(rr[1].addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16), 0);
    CU_ASSERT_EQUAL(rr[1].ttl, 3600); /* $TTL */

    rr = dns_zone_find(z, "www.example.com", &n);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(rr[0].type, DNS_T_CNAME);
    CU_ASSERT_STRING_EQUAL(rr[0].target, "web.example.com");
    dns_zone_find(z, "web.example.com", &n);
    CU_ASSERT_EQUAL(n, 2);

    rr = dns_zone_find(z, "txt.example.com", &n);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    static const char txt[] = "\x0bhello world"
                              "\x13semi;colon \"quoted\""
                              "\x05plain"
                              "\x02"
                              "AB";
    CU_ASSERT_EQUAL_FATAL(rr[0].rdlen, sizeof txt - 1);
    CU_ASSERT_EQUAL(memcmp(rr[0].rdata, txt, sizeof txt - 1), 0);

    rr = dns_zone_find(z, "1.2.0.192.in-addr.arpa.example.com", &n);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(rr[0].type, DNS_T_PTR);
    CU_ASSERT_STRING_EQUAL(rr[0].target, "ns1.example.com");

    rr = dns_zone_find(z, "v6.example.com", &n);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(memcmp(rr[0].addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x01", 16), 0);

    /* Empty non-terminals exist; other names do not. */
    CU_ASSERT_TRUE(dns_zone_name_exists(z, "b.c.example.com"));
    CU_ASSERT_TRUE(dns_zone_name_exists(z, "c.example.com"));
    CU_ASSERT_FALSE(dns_zone_name_exists(z, "d.example.com"));
    CU_ASSERT_FALSE(dns_zone_name_exists(z, "com"));
    dns_zone_find(z, "c.example.com", &n);
    CU_ASSERT_EQUAL(n, 0);

    /* The delegation. */
    CU_ASSERT_STRING_EQUAL(dns_zone_cut(z, "sub.example.com"), "sub.example.com");
    CU_ASSERT_STRING_EQUAL(dns_zone_cut(z, "x.y.SUB.example.com"), "sub.example.com");
    CU_ASSERT_PTR_NULL(dns_zone_cut(z, "example.com"));
    CU_ASSERT_PTR_NULL(dns_zone_cut(z, "www.example.com"));
    CU_ASSERT_PTR_NULL(dns_zone_cut(z, "other.net"));
    dns_zone_find(z, "ns.sub.example.com", &n); /* glue is kept */
    CU_ASSERT_EQUAL(n, 1);

    /* Owners in the order of their first record. */
    const char *name;
    CU_ASSERT_EQUAL_FATAL(dns_zone_owners(z), 12);
    dns_zone_owner_at(z, 0, &name, &n);
    CU_ASSERT_STRING_EQUAL(name, "example.com");
    dns_zone_owner_at(z, 1, &name, &n);
    CU_ASSERT_STRING_EQUAL(name, "ns1.example.com");
    dns_zone_owner_at(z, 11, &name, &n);
    CU_ASSERT_STRING_EQUAL(name, "v6.example.com");
    dns_zone_free(z);
}

/* Every record printed in master-file form (dns_rr_to_text) reads back
 * into the same zone. */
static void test_text_round_trip(void)
{
    dns_zone *z = parse(full_zone, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < dns_zone_owners(z); i++) {
        guint n;
        const dns_rr *rr = dns_zone_owner_at(z, i, NULL, &n);
        for (guint j = 0; j < n; j++) {
            char *line = dns_rr_to_text(&rr[j]);
            g_string_append_printf(text, "%s\n", line);
            g_free(line);
        }
    }
    GError *err = NULL;
    dns_zone *back = dns_zone_parse(text->str, text->len, "printed", NULL, &err);
    if (err)
        printf("\n%s\n%s", err->message, text->str);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_TRUE(dns_zone_equal(z, back));
    dns_zone_free(back);
    dns_zone_free(z);
    g_string_free(text, TRUE);
}

/* The same zone built through the API equals the parsed one. */
static void add(dns_zone *z, const char *name, uint16_t type, uint32_t ttl, const char *target,
                const char *addr)
{
    dns_rr rr;
    memset(&rr, 0, sizeof rr);
    rr.name = (char *)name;
    rr.type = type;
    rr.rclass = DNS_CLASS_IN;
    rr.ttl = ttl;
    rr.target = (char *)target;
    if (type == DNS_T_A)
        CU_ASSERT_TRUE(dns_parse_ipv4(addr, strlen(addr), rr.addr));
    if (type == DNS_T_AAAA)
        CU_ASSERT_TRUE(dns_parse_ipv6(addr, strlen(addr), rr.addr));
    if (type == DNS_T_MX)
        rr.pref = (uint16_t)atoi(addr);
    GError *err = NULL;
    CU_ASSERT_TRUE(dns_zone_add(z, &rr, &err));
    if (err) {
        printf("%s\n", err->message);
        g_error_free(err);
    }
}

static void test_api_equals_parsed(void)
{
    static const char text[] = "$TTL 300\n"
                               "@ SOA ns hm 1 2 3 4 5\n"
                               "  NS ns\n"
                               "  MX 5 mx.example.org.\n"
                               "ns A 10.0.0.1\n"
                               "ns AAAA fe80::1:2\n"
                               "alias 60 CNAME ns\n";
    GError *err = NULL;
    dns_zone *p = dns_zone_parse(text, strlen(text), NULL, "Example.ORG.", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL(dns_zone_origin(p), "Example.ORG");

    dns_zone *z = dns_zone_new("example.org", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_FALSE(dns_zone_check(z, NULL)); /* no SOA yet */
    dns_rr soa;
    memset(&soa, 0, sizeof soa);
    soa.name = "example.org";
    soa.type = DNS_T_SOA;
    soa.rclass = DNS_CLASS_IN;
    soa.ttl = 300;
    soa.target = "ns.example.org.";
    soa.rname = "hm.example.org";
    soa.serial = 1;
    soa.refresh = 2;
    soa.retry = 3;
    soa.expire = 4;
    soa.minimum = 5;
    CU_ASSERT_TRUE(dns_zone_add(z, &soa, NULL));
    err = NULL;
    CU_ASSERT_FALSE(dns_zone_check(z, &err)); /* no NS yet */
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "no NS record"));
    g_clear_error(&err);
    add(z, "example.org", DNS_T_NS, 300, "ns.example.org", NULL);
    add(z, "example.org", DNS_T_MX, 300, "mx.example.org", "5");
    CU_ASSERT_FALSE(dns_zone_equal(p, z)); /* not yet: the records of ns are missing */
    add(z, "ns.example.org", DNS_T_A, 300, NULL, "10.0.0.1");
    add(z, "ns.example.org", DNS_T_AAAA, 300, NULL, "fe80::1:2");
    add(z, "alias.example.org", DNS_T_CNAME, 60, "ns.example.org", NULL);
    CU_ASSERT_TRUE(dns_zone_check(z, NULL));
    CU_ASSERT_TRUE(dns_zone_equal(p, z));
    /* A duplicate is dropped; a different TTL makes the zones differ. */
    add(z, "ns.example.org", DNS_T_A, 300, NULL, "10.0.0.1");
    CU_ASSERT_EQUAL(dns_zone_count(z), dns_zone_count(p));
    dns_zone_free(z);

    z = dns_zone_new("example.org.", NULL);
    CU_ASSERT_TRUE(dns_zone_add(z, &soa, NULL));
    add(z, "example.org", DNS_T_NS, 300, "ns.example.org", NULL);
    add(z, "example.org", DNS_T_MX, 300, "mx.example.org", "5");
    add(z, "ns.example.org", DNS_T_A, 301, NULL, "10.0.0.1");
    add(z, "ns.example.org", DNS_T_AAAA, 300, NULL, "fe80::1:2");
    add(z, "alias.example.org", DNS_T_CNAME, 60, "ns.example.org", NULL);
    CU_ASSERT_FALSE(dns_zone_equal(p, z));
    dns_zone_free(z);
    dns_zone_free(p);
}

/* The API's refusals. */
static void test_api_refusals(void)
{
    dns_zone *z = dns_zone_new("example.com", NULL);
    CU_ASSERT_PTR_NULL(dns_zone_new("a..b", NULL));
    add(z, "www.example.com", DNS_T_CNAME, 60, "web.example.com", NULL);
    dns_rr rr;
    memset(&rr, 0, sizeof rr);
    rr.rclass = DNS_CLASS_IN;
    rr.ttl = 1;
    struct {
        const char *name;
        uint16_t type, rclass;
        const char *target;
        const char *expect;
    } bad[] = {
        {"www.example.com", DNS_T_A, DNS_CLASS_IN, NULL, "CNAME and other data"},
        {"www.example.com", DNS_T_CNAME, DNS_CLASS_IN, "other.example.com", "CNAME and other data"},
        {"www.example.net", DNS_T_A, DNS_CLASS_IN, NULL, "outside the zone"},
        {"badexample.com", DNS_T_A, DNS_CLASS_IN, NULL, "outside the zone"},
        {"x.example.com", DNS_T_A, 3, NULL, "class IN"},
        {"x.example.com", DNS_T_OPT, DNS_CLASS_IN, NULL, "type OPT"},
        {"x.example.com", DNS_T_NS, DNS_CLASS_IN, NULL, "without target name"},
        {"x.example.com", DNS_T_NS, DNS_CLASS_IN, "a..b", "target name"},
        {"x.example.com", DNS_T_SOA, DNS_CLASS_IN, "ns.example.com", "without mailbox"},
        {"a..example.com", DNS_T_A, DNS_CLASS_IN, NULL, "owner name"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        rr.name = (char *)bad[i].name;
        rr.type = bad[i].type;
        rr.rclass = bad[i].rclass;
        rr.target = (char *)bad[i].target;
        GError *err = NULL;
        CU_ASSERT_FALSE(dns_zone_add(z, &rr, &err));
        CU_ASSERT_PTR_NOT_NULL_FATAL(err);
        if (!strstr(err->message, bad[i].expect))
            printf("\ncase %zu: %s\n", i, err->message);
        CU_ASSERT_PTR_NOT_NULL(strstr(err->message, bad[i].expect));
        g_error_free(err);
    }
    /* An SOA below the apex, and a second SOA. */
    rr.name = "x.example.com";
    rr.type = DNS_T_SOA;
    rr.rclass = DNS_CLASS_IN;
    rr.target = "ns.example.com";
    rr.rname = "hm.example.com";
    GError *err = NULL;
    CU_ASSERT_FALSE(dns_zone_add(z, &rr, &err));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "only at the apex"));
    g_clear_error(&err);
    rr.name = "example.com";
    CU_ASSERT_TRUE(dns_zone_add(z, &rr, NULL));
    rr.serial = 2;
    CU_ASSERT_FALSE(dns_zone_add(z, &rr, &err));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "second SOA"));
    g_clear_error(&err);
    CU_ASSERT_EQUAL(dns_zone_count(z), 2);
    dns_zone_free(z);
}

/* Every error is located, and says what was expected. */
static void test_errors_located(void)
{
    static const struct {
        const char *text;
        const char *expect; /* the start of the message */
    } cases[] = {
        {"@ SOA ns hm 1 2 3 4 5\n", "f.zone:1:1: '@' with no origin"},
        {"www A 1.2.3.4\n", "f.zone:1:1: a relative name \"www\" with no origin"},
        {"$ORIGIN x.\n  A 1.2.3.4\n", "f.zone:2:3: a record without an owner"},
        {"x. 60 A 1.2.3.4\n", "f.zone:1:1: a A record first, expected the SOA record first"},
        {"x. 60 SOA ns.x. hm.x. 1 2 3 4\n", "f.zone:1:30: found the end of the line, expected the minimum"},
        {"x. 60 SOA ns.x. hm.x. 1 2 3 4 5\n", "f.zone:2:1: zone x. has no NS record"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nns A 1.2.3\n",
         "f.zone:4:6: found \"1.2.3\", expected an IPv4 address"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nns AAAA 1::2::3\n",
         "f.zone:4:9: found \"1::2::3\", expected an IPv6 address"},
        {"$ORIGIN x.\n@ 60 SOA ns hm (1 2\n 3 4 5\n", "f.zone:2:16: '(' never closed"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5)\n", "f.zone:2:25: a ')' without '('"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt TXT \"abc\n",
         "f.zone:4:7: a quoted string never closed"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt 60 CH TXT abc\n",
         "f.zone:4:6: found \"CH\", expected class IN"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt 60 IN SRV 0 0 0 x.\n",
         "f.zone:4:9: found \"SRV\", expected a type"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt 99999999999 A 1.2.3.4\n",
         "f.zone:4:3: found \"99999999999\", expected a TTL"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt MX 70000 m\n",
         "f.zone:4:6: found \"70000\", expected a preference"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt A 1.2.3.4 extra\n",
         "f.zone:4:13: found \"extra\", expected the end of the record"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt CNAME a\n  A 1.2.3.4\n",
         "f.zone:5:3: t.x. has a CNAME and other data"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt.y. A 1.2.3.4\n",
         "f.zone:4:1: t.y. is outside the zone"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\na..b A 1.2.3.4\n",
         "f.zone:4:1: \"a..b\" is not a domain name"},
        {"$INCLUDE other.zone\n", "f.zone:1:1: $INCLUDE is not supported"},
        {"$FOO x\n", "f.zone:1:1: found \"$FOO\", expected $ORIGIN or $TTL"},
        {"$TTL forever\n", "f.zone:1:6: found \"forever\", expected a TTL"},
        {"$ORIGIN x.\n@ SOA ns hm 1 2 3 4 5\n NS ns\n", NULL}, /* the SOA's TTL: its minimum */
        {"$ORIGIN x.\n@ SOA ns hm 1 2 3 4 5\n NS ns\n$TTL 5\nt A 1.2.3.4\n", NULL},
        {"$ORIGIN x.\nt A 1.2.3.4\n", "f.zone:2:1: a record without a TTL"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt TXT \"a\\300\"\n",
         "f.zone:4:9: escape \\300, expected at most \\255"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt TXT\n", "f.zone:4:6: found the end of the line, expected a character string"},
        {"$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\n\"q\" TXT a\n", "f.zone:4:1: found a quoted string"},
        {"", "f.zone:1:1: no records"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        dns_zone *z = dns_zone_parse(cases[i].text, strlen(cases[i].text), "f.zone", NULL, &err);
        if (!cases[i].expect) {
            CU_ASSERT_PTR_NOT_NULL(z);
            if (err)
                printf("\ncase %zu: %s\n", i, err->message);
            dns_zone_free(z);
            g_clear_error(&err);
            continue;
        }
        CU_ASSERT_PTR_NULL(z);
        CU_ASSERT_PTR_NOT_NULL_FATAL(err);
        CU_ASSERT_EQUAL(err->domain, DNS_ZONE_ERROR);
        bool ok = g_str_has_prefix(err->message, cases[i].expect);
        if (!ok)
            printf("\ncase %zu: got \"%s\"\n  expected \"%s...\"\n", i, err->message, cases[i].expect);
        CU_ASSERT_TRUE(ok);
        CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "expected"));
        g_error_free(err);
        dns_zone_free(z);
    }
    /* The SOA without any TTL took its minimum. */
    static const char soa_only[] = "$ORIGIN x.\n@ SOA ns hm 1 2 3 4 5\n NS ns\n";
    dns_zone *z = dns_zone_parse(soa_only, strlen(soa_only), NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_EQUAL(dns_zone_soa(z)->ttl, 5);
    guint n;
    CU_ASSERT_EQUAL(dns_zone_find(z, "x", &n)[1].ttl, 5); /* and so did the NS after it */
    dns_zone_free(z);
}

/* A NUL byte inside the text is an error, not the end of the text. */
static void test_nul_byte(void)
{
    static const char text[] = "$ORIGIN x.\n@ 60 SOA ns hm 1 2 3 4 5\n NS ns\nt A 1.2\0.3.4\n";
    GError *err = NULL;
    dns_zone *z = dns_zone_parse(text, sizeof text - 1, "f", NULL, &err);
    CU_ASSERT_PTR_NULL(z);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_TRUE(g_str_has_prefix(err->message, "f:4:8: a NUL byte"));
    g_error_free(err);
}

/* TTL units, the last TTL written, the origin given by the caller. */
static void test_ttls(void)
{
    static const char text[] = "@ 1w2d3h4m5s SOA ns hm 1 2 3 4 5\n"
                               "  NS ns\n"
                               "a 42 A 1.1.1.1\n"
                               "b A 1.1.1.2\n"
                               "c 1H A 1.1.1.3\n";
    dns_zone *z = dns_zone_parse(text, strlen(text), NULL, "t", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_EQUAL(dns_zone_soa(z)->ttl, 7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    guint n;
    CU_ASSERT_EQUAL(dns_zone_find(z, "b.t", &n)->ttl, 42);
    CU_ASSERT_EQUAL(dns_zone_find(z, "c.t", &n)->ttl, 3600);
    CU_ASSERT_EQUAL(dns_zone_find(z, "ns.t", &n), NULL); /* NS ns: no A for it */
    dns_zone_free(z);
    /* 2^31 - 1 is the largest TTL. */
    static const char big[] = "@ 2147483647 SOA ns hm 1 2 3 4 5\n NS ns\nx 2147483648 A 1.1.1.1\n";
    GError *err = NULL;
    z = dns_zone_parse(big, strlen(big), NULL, "t", &err);
    CU_ASSERT_PTR_NULL(z);
    CU_ASSERT_PTR_NOT_NULL(err && g_str_has_prefix(err->message, "zone:3:3: found \"2147483648\""));
    g_clear_error(&err);
}

/* Address parsing, as data. */
static void test_addresses(void)
{
    static const struct {
        const char *text;
        const char *bytes; /* 16 bytes, or NULL when refused */
    } v6[] = {
        {"::", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"},
        {"::1", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1"},
        {"1::", "\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0"},
        {"2001:DB8:0:0:1:0:0:1", "\x20\x01\x0d\xb8\0\0\0\0\0\1\0\0\0\0\0\1"},
        {"2001:db8::1:0:0:1", "\x20\x01\x0d\xb8\0\0\0\0\0\1\0\0\0\0\0\1"},
        {"1:2:3:4:5:6:7:8", "\0\1\0\2\0\3\0\4\0\5\0\6\0\7\0\x8"},
        {"::ffff:1.2.3.4", "\0\0\0\0\0\0\0\0\0\0\xff\xff\1\2\3\4"},
        {"1:2:3:4:5:6:1.2.3.4", "\0\1\0\2\0\3\0\4\0\5\0\6\1\2\3\4"},
        {"1:2:3:4:5:6:7::", "\0\1\0\2\0\3\0\4\0\5\0\6\0\7\0\0"},
        {"1:2:3:4:5:6:7:8:9", NULL},
        {"1:2:3:4:5:6:7", NULL},
        {"1::2::3", NULL},
        {":1::", NULL},
        {"1:", NULL},
        {"1:::2", NULL},
        {"12345::", NULL},
        {"g::", NULL},
        {"1.2.3.4", NULL},
        {"1:2:3:4:5:6:7:1.2.3.4", NULL},
        {"::1.2.3", NULL},
        {"", NULL},
        {"1::2:3:4:5:6:7:8", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(v6); i++) {
        uint8_t out[16];
        bool ok = dns_parse_ipv6(v6[i].text, strlen(v6[i].text), out);
        CU_ASSERT_EQUAL(ok, v6[i].bytes != NULL);
        if (ok != (v6[i].bytes != NULL))
            printf("\nipv6 case %zu \"%s\"\n", i, v6[i].text);
        if (ok && v6[i].bytes)
            CU_ASSERT_EQUAL(memcmp(out, v6[i].bytes, 16), 0);
    }
    static const char *const bad4[] = {"1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ",
                                       "0001.2.3.4", ""};
    uint8_t o4[4];
    for (size_t i = 0; i < G_N_ELEMENTS(bad4); i++)
        CU_ASSERT_FALSE(dns_parse_ipv4(bad4[i], strlen(bad4[i]), o4));
    CU_ASSERT_TRUE(dns_parse_ipv4("255.0.10.1", 10, o4));
    CU_ASSERT_EQUAL(memcmp(o4, "\xff\x00\x0a\x01", 4), 0);
}

/* The limits: the text size is checked before reading; the record count
 * at every add (the limit itself is too large to reach in a unit test,
 * so the text limit is checked with a length and no allocation). */
static void test_limits(void)
{
    GError *err = NULL;
    static const char text[] = "x";
    CU_ASSERT_PTR_NULL(dns_zone_parse(text, DNS_ZONE_MAX_TEXT + 1, "big", "t", &err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_EQUAL(err->code, DNS_ZONE_ERROR_LIMIT);
    CU_ASSERT_TRUE(g_str_has_prefix(err->message, "big: 100000001 bytes of zone text, expected at most 100000000"));
    g_clear_error(&err);

    /* Long strings: a TXT string of 255 bytes is fine, 256 is not; a
     * label of 64 bytes is not a name. */
    GString *s = g_string_new("@ 1 SOA ns hm 1 2 3 4 5\n NS ns\nt TXT ");
    for (int i = 0; i < 255; i++)
        g_string_append_c(s, 'a');
    g_string_append_c(s, '\n');
    dns_zone *z = dns_zone_parse(s->str, s->len, NULL, "t", &err);
    CU_ASSERT_PTR_NOT_NULL(z);
    dns_zone_free(z);
    g_string_insert_c(s, s->len - 1, 'a');
    z = dns_zone_parse(s->str, s->len, NULL, "t", &err);
    CU_ASSERT_PTR_NULL(z);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "zone:3:7: a string of 256 bytes, expected at most 255"));
    g_clear_error(&err);
    g_string_free(s, TRUE);
    s = g_string_new("@ 1 SOA ns hm 1 2 3 4 5\n NS ns\n");
    for (int i = 0; i < 64; i++)
        g_string_append_c(s, 'b');
    g_string_append(s, " A 1.2.3.4\n");
    z = dns_zone_parse(s->str, s->len, NULL, "t", &err);
    CU_ASSERT_PTR_NULL(z);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "zone:3:1:") && strstr(err->message, "63 bytes"));
    g_clear_error(&err);
    g_string_free(s, TRUE);
}

/* A large RRset at one owner: adding is not quadratic (100,000 records
 * would take minutes if each add compared with every record before it),
 * and duplicates are still found. */
static void test_large_rrset(void)
{
    dns_zone *z = dns_zone_new("big.test", NULL);
    dns_rr rr;
    memset(&rr, 0, sizeof rr);
    rr.name = "many.big.test";
    rr.type = DNS_T_A;
    rr.rclass = DNS_CLASS_IN;
    rr.ttl = 60;
    for (uint32_t i = 0; i < 100000; i++) {
        rr.addr[0] = 10;
        rr.addr[1] = (uint8_t)(i >> 16);
        rr.addr[2] = (uint8_t)(i >> 8);
        rr.addr[3] = (uint8_t)i;
        if (!dns_zone_add(z, &rr, NULL))
            CU_FAIL("add");
    }
    rr.addr[3] = 7; /* 10.0.0.7 again, written in capitals */
    rr.addr[1] = rr.addr[2] = 0;
    rr.name = "MANY.big.test";
    CU_ASSERT_TRUE(dns_zone_add(z, &rr, NULL));
    CU_ASSERT_EQUAL(dns_zone_count(z), 100000);
    guint n;
    dns_zone_find(z, "many.big.test", &n);
    CU_ASSERT_EQUAL(n, 100000);
    dns_zone_free(z);
}

/* Escaped dots in names, and the root zone. */
static void test_names(void)
{
    static const char text[] = "$ORIGIN .\n"
                               "@ 60 SOA a.root-servers.net. nstld.verisign-grs.com. 1 2 3 4 86400\n"
                               "  NS a.root-servers.net.\n"
                               "com NS a.gtld-servers.net.\n"
                               "a.gtld-servers.net A 192.5.6.30\n"
                               "a\\.b.com. A 1.2.3.4\n";
    GError *err = NULL;
    dns_zone *z = dns_zone_parse(text, strlen(text), NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_STRING_EQUAL(dns_zone_origin(z), "");
    CU_ASSERT_EQUAL(dns_zone_count(z), 5);
    CU_ASSERT_STRING_EQUAL(dns_zone_cut(z, "www.example.com"), "com");
    CU_ASSERT_PTR_NULL(dns_zone_cut(z, "net"));
    guint n;
    CU_ASSERT_PTR_NOT_NULL(dns_zone_find(z, "a\\.b.com", &n));
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_TRUE(dns_zone_name_exists(z, "gtld-servers.net"));
    dns_zone_free(z);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_full_zone),      TEST(test_api_equals_parsed), TEST(test_api_refusals),
        TEST(test_errors_located), TEST(test_nul_byte),          TEST(test_ttls),
        TEST(test_addresses),      TEST(test_limits),            TEST(test_names),
        TEST(test_large_rrset),    TEST(test_text_round_trip),
    };
    return test_main("protocols/dns/zone", tests, G_N_ELEMENTS(tests));
}
