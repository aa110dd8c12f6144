/* test_auth: authoritative answers at the level of message structs (dns_auth.h). */
#include <string.h>

#include "protocols/dns/dns_auth.h"
#include "test_util.h"

static const char example_com[] = "$ORIGIN example.com.\n"
                                  "$TTL 3600\n"
                                  "@ SOA ns1 hostmaster 1 7200 1800 604800 300\n"
                                  "  NS ns1\n"
                                  "  NS ns2.example.net.\n"
                                  "  MX 10 mail\n"
                                  "  MX 20 mx.other.org.\n"
                                  "ns1 A 192.0.2.1\n"
                                  "    AAAA 2001:db8::1\n"
                                  "mail A 192.0.2.25\n"
                                  "www CNAME web\n"
                                  "web A 192.0.2.10\n"
                                  "    A 192.0.2.11\n"
                                  "alias CNAME www\n"
                                  "ext CNAME host.example.org.\n"
                                  "out CNAME host.elsewhere.test.\n"
                                  "dangling CNAME nothere\n"
                                  "loop1 CNAME loop2\n"
                                  "loop2 CNAME loop1\n"
                                  "a.b.c A 192.0.2.40\n"
                                  "sub NS ns.sub\n"
                                  "    NS ns.other.org.\n"
                                  "ns.sub A 192.0.2.53\n"
                                  "deep.sub A 192.0.2.99 ; occluded by the cut\n"
                                  "long0 CNAME long1\nlong1 CNAME long2\nlong2 CNAME long3\n"
                                  "long3 CNAME long4\nlong4 CNAME long5\nlong5 CNAME long6\n"
                                  "long6 CNAME long7\nlong7 CNAME long8\nlong8 CNAME long9\n"
                                  "long9 A 192.0.2.9\n"
                                  "txt TXT \"v=1\"\n";

static const char example_org[] = "$TTL 60\n"
                                  "@ SOA ns.example.com. hm 1 2 3 4 600\n"
                                  "  NS ns.example.com.\n"
                                  "host A 198.51.100.7\n";

static dns_auth *make_auth(void)
{
    dns_auth *a = dns_auth_new();
    GError *err = NULL;
    dns_zone *z = dns_zone_parse(example_com, strlen(example_com), "example.com", NULL, &err);
    if (err)
        printf("%s\n", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_TRUE(dns_auth_add_zone(a, z, NULL));
    z = dns_zone_parse(example_org, strlen(example_org), "example.org", "example.org", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_TRUE(dns_auth_add_zone(a, z, NULL));
    return a;
}

/* Asks `a` (name, type) with id 0x1234 and RD set. */
static void ask(const dns_auth *a, const char *name, uint16_t type, dns_msg *resp)
{
    dns_msg q;
    dns_msg_init(&q);
    q.id = 0x1234;
    q.rd = true;
    dns_msg_set_question(&q, name, type, DNS_CLASS_IN);
    dns_auth_answer(a, &q, resp);
    dns_msg_clear(&q);
}

static int count_type(const dns_msg *m, dns_section s, uint16_t type)
{
    int n = 0;
    for (guint i = 0; i < dns_msg_count(m, s); i++)
        n += dns_msg_rr(m, s, i)->type == type;
    return n;
}

static void test_aa_answer(void)
{
    dns_auth *a = make_auth();
    dns_msg r;
    dns_msg_init(&r);
    ask(a, "WEB.Example.COM", DNS_T_A, &r);
    CU_ASSERT_EQUAL(r.id, 0x1234);
    CU_ASSERT_TRUE(r.qr);
    CU_ASSERT_TRUE(r.aa);
    CU_ASSERT_TRUE(r.rd);
    CU_ASSERT_FALSE(r.ra);
    CU_ASSERT_FALSE(r.tc);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_TRUE(r.has_question);
    CU_ASSERT_STRING_EQUAL(r.qname, "WEB.Example.COM");
    CU_ASSERT_EQUAL(r.qtype, DNS_T_A);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ANSWER), 2);
    CU_ASSERT_EQUAL(memcmp(dns_msg_rr(&r, DNS_SEC_ANSWER, 0)->addr, "\xc0\0\2\x0a", 4), 0);
    CU_ASSERT_EQUAL(memcmp(dns_msg_rr(&r, DNS_SEC_ANSWER, 1)->addr, "\xc0\0\2\x0b", 4), 0);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 0)->ttl, 3600);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_AUTHORITY), 0);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ADDITIONAL), 0);
    CU_ASSERT_FALSE(r.edns);
    /* TXT and the question's type CNAME at a CNAME owner: the CNAME itself. */
    ask(a, "txt.example.com", DNS_T_TXT, &r);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ANSWER), 1);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 0)->rdlen, 4);
    ask(a, "www.example.com", DNS_T_CNAME, &r);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ANSWER), 1);
    CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 0)->target, "web.example.com");
    dns_msg_clear(&r);
    dns_auth_free(a);
}

static void test_cname_chain(void)
{
    dns_auth *a = make_auth();
    dns_msg r;
    dns_msg_init(&r);
    /* alias -> www -> web, inside the zone. */
    ask(a, "alias.example.com", DNS_T_A, &r);
    CU_ASSERT_TRUE(r.aa);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ANSWER), 4);
    CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 0)->name, "alias.example.com");
    CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 0)->target, "www.example.com");
    CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 1)->target, "web.example.com");
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 2)->type, DNS_T_A);
    CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 2)->name, "web.example.com");

    /* Across the zones of one server. */
    ask(a, "ext.example.com", DNS_T_A, &r);
    CU_ASSERT_TRUE(r.aa);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ANSWER), 2);
    CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 1)->name, "host.example.org");
    CU_ASSERT_EQUAL(memcmp(dns_msg_rr(&r, DNS_SEC_ANSWER, 1)->addr, "\xc6\x33\x64\x07", 4), 0);

    /* Out of the server's zones: the CNAME alone. */
    ask(a, "out.example.com", DNS_T_A, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_TRUE(r.aa);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 1);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_AUTHORITY), 0);

    /* A dangling CNAME: the rcode of the last name (RFC 6604). */
    ask(a, "dangling.example.com", DNS_T_A, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NXDOMAIN);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 1);
    CU_ASSERT_EQUAL(count_type(&r, DNS_SEC_AUTHORITY, DNS_T_SOA), 1);

    /* A loop stops where it comes back. */
    ask(a, "loop1.example.com", DNS_T_A, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 2);

    /* At most 8 CNAMEs. */
    ask(a, "long0.example.com", DNS_T_A, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), DNS_AUTH_CHAIN_MAX);
    CU_ASSERT_EQUAL(count_type(&r, DNS_SEC_ANSWER, DNS_T_CNAME), DNS_AUTH_CHAIN_MAX);
    ask(a, "long2.example.com", DNS_T_A, &r); /* 7 CNAMEs and the A */
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 8);
    CU_ASSERT_EQUAL(count_type(&r, DNS_SEC_ANSWER, DNS_T_A), 1);
    dns_msg_clear(&r);
    dns_auth_free(a);
}

static void test_referral(void)
{
    dns_auth *a = make_auth();
    dns_msg r;
    dns_msg_init(&r);
    static const char *const names[] = {"www.sub.example.com", "sub.example.com", "deep.sub.example.com"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        ask(a, names[i], DNS_T_A, &r);
        CU_ASSERT_FALSE(r.aa);
        CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOERROR);
        CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 0); /* deep.sub is occluded */
        CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_AUTHORITY), 2);
        CU_ASSERT_EQUAL(count_type(&r, DNS_SEC_AUTHORITY, DNS_T_NS), 2);
        CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_AUTHORITY, 0)->name, "sub.example.com");
        CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_AUTHORITY, 0)->target, "ns.sub.example.com");
        /* Glue only for the in-bailiwick server. */
        CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ADDITIONAL), 1);
        CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_ADDITIONAL, 0)->name, "ns.sub.example.com");
        CU_ASSERT_EQUAL(memcmp(dns_msg_rr(&r, DNS_SEC_ADDITIONAL, 0)->addr, "\xc0\0\2\x35", 4), 0);
    }
    /* NS at the cut is a referral too. */
    ask(a, "sub.example.com", DNS_T_NS, &r);
    CU_ASSERT_FALSE(r.aa);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 0);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_AUTHORITY), 2);

    /* With the child zone on the same server, the child answers. */
    static const char child[] = "$TTL 10\n@ SOA ns hm 1 2 3 4 5\n NS ns\nns A 192.0.2.53\nwww A 192.0.2.80\n";
    dns_zone *z = dns_zone_parse(child, strlen(child), NULL, "sub.example.com", NULL);
    CU_ASSERT_TRUE(dns_auth_add_zone(a, z, NULL));
    CU_ASSERT_PTR_EQUAL(dns_auth_find_zone(a, "www.sub.example.com"), z);
    CU_ASSERT_PTR_EQUAL(dns_auth_zone_at(a, 2), z);
    ask(a, "www.sub.example.com", DNS_T_A, &r);
    CU_ASSERT_TRUE(r.aa);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ANSWER), 1);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 0)->ttl, 10);
    dns_msg_clear(&r);
    dns_auth_free(a);
}

static void test_negative(void)
{
    dns_auth *a = make_auth();
    dns_msg r;
    dns_msg_init(&r);
    /* NODATA at an empty non-terminal and at an owner without the type. */
    static const char *const nodata[] = {"b.c.example.com", "c.example.com", "web.example.com"};
    for (size_t i = 0; i < G_N_ELEMENTS(nodata); i++) {
        ask(a, nodata[i], i == 2 ? DNS_T_AAAA : DNS_T_A, &r);
        CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOERROR);
        CU_ASSERT_TRUE(r.aa);
        CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 0);
        CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_AUTHORITY), 1);
        const dns_rr *soa = dns_msg_rr(&r, DNS_SEC_AUTHORITY, 0);
        CU_ASSERT_EQUAL(soa->type, DNS_T_SOA);
        CU_ASSERT_STRING_EQUAL(soa->name, "example.com");
        CU_ASSERT_EQUAL(soa->ttl, 300); /* min(3600, 300) */
    }
    /* NXDOMAIN, with the SOA and the negative TTL. */
    ask(a, "nope.example.com", DNS_T_A, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NXDOMAIN);
    CU_ASSERT_TRUE(r.aa);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 0);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_AUTHORITY), 1);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_AUTHORITY, 0)->ttl, 300);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_AUTHORITY, 0)->minimum, 300);
    ask(a, "x.a.b.c.example.com", DNS_T_A, &r); /* below an existing name */
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NXDOMAIN);
    ask(a, "nope.example.org", DNS_T_A, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NXDOMAIN);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_AUTHORITY), 1);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_AUTHORITY, 0)->ttl, 60); /* min(60, 600) */
    dns_msg_clear(&r);
    dns_auth_free(a);
}

static void test_refused_notimp_formerr(void)
{
    dns_auth *a = make_auth();
    dns_msg q, r;
    dns_msg_init(&q);
    dns_msg_init(&r);
    ask(a, "www.example.net", DNS_T_A, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_REFUSED);
    CU_ASSERT_FALSE(r.aa);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_AUTHORITY), 0);
    ask(a, "", DNS_T_NS, &r); /* the root: not ours */
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_REFUSED);
    ask(a, "example.com", 252, &r); /* AXFR */
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOTIMP);
    ask(a, "example.com", DNS_T_OPT, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_FORMERR);

    q.id = 7;
    dns_msg_set_question(&q, "web.example.com", DNS_T_A, 3); /* CHAOS */
    dns_auth_answer(a, &q, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_REFUSED);
    CU_ASSERT_EQUAL(r.qclass, 3);

    q.qclass = DNS_CLASS_IN;
    q.opcode = 2; /* STATUS */
    dns_auth_answer(a, &q, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOTIMP);
    CU_ASSERT_EQUAL(r.opcode, 2);
    CU_ASSERT_EQUAL(r.id, 7);
    CU_ASSERT_TRUE(r.qr);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 0);

    dns_msg_clear(&q);
    q.id = 8;
    dns_auth_answer(a, &q, &r); /* no question */
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_FORMERR);
    CU_ASSERT_EQUAL(r.id, 8);
    CU_ASSERT_FALSE(r.has_question);
    dns_msg_clear(&q);
    dns_msg_clear(&r);
    dns_auth_free(a);
}

static void test_any_and_additional(void)
{
    dns_auth *a = make_auth();
    dns_msg r;
    dns_msg_init(&r);
    ask(a, "example.com", DNS_T_ANY, &r);
    CU_ASSERT_TRUE(r.aa);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ANSWER), 5);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 0)->type, DNS_T_SOA);
    CU_ASSERT_EQUAL(count_type(&r, DNS_SEC_ANSWER, DNS_T_NS), 2);
    CU_ASSERT_EQUAL(count_type(&r, DNS_SEC_ANSWER, DNS_T_MX), 2);
    /* ns1's A and AAAA and mail's A, each once. */
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ADDITIONAL), 3);
    ask(a, "www.example.com", DNS_T_ANY, &r); /* ANY at a CNAME: not followed */
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 1);

    ask(a, "example.com", DNS_T_MX, &r);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ANSWER), 2);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_ANSWER, 0)->pref, 10);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ADDITIONAL), 1); /* mx.other.org: not ours */
    CU_ASSERT_STRING_EQUAL(dns_msg_rr(&r, DNS_SEC_ADDITIONAL, 0)->name, "mail.example.com");
    CU_ASSERT_EQUAL(memcmp(dns_msg_rr(&r, DNS_SEC_ADDITIONAL, 0)->addr, "\xc0\0\2\x19", 4), 0);

    ask(a, "example.com", DNS_T_NS, &r);
    CU_ASSERT_TRUE(r.aa);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 2);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&r, DNS_SEC_ADDITIONAL), 2);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_ADDITIONAL, 0)->type, DNS_T_A);
    CU_ASSERT_EQUAL(dns_msg_rr(&r, DNS_SEC_ADDITIONAL, 1)->type, DNS_T_AAAA);
    /* example.org's NS is in example.com: found across zones. */
    ask(a, "example.org", DNS_T_NS, &r);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ADDITIONAL), 0); /* ns.example.com has no address */
    dns_msg_clear(&r);
    dns_auth_free(a);
}

static void test_edns(void)
{
    dns_auth *a = make_auth();
    dns_msg q, r;
    dns_msg_init(&q);
    dns_msg_init(&r);
    q.id = 9;
    dns_msg_set_question(&q, "web.example.com", DNS_T_A, DNS_CLASS_IN);
    q.edns = true;
    q.edns_udp_size = 4096;
    dns_auth_answer(a, &q, &r);
    CU_ASSERT_TRUE(r.edns);
    CU_ASSERT_EQUAL(r.edns_udp_size, DNS_AUTH_UDP_SIZE);
    CU_ASSERT_EQUAL(r.edns_version, 0);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 2);
    dns_auth_set_udp_size(a, 4000);
    dns_auth_answer(a, &q, &r);
    CU_ASSERT_EQUAL(r.edns_udp_size, 4000);

    q.edns_version = 1;
    dns_auth_answer(a, &q, &r);
    CU_ASSERT_EQUAL(r.rcode, DNS_RCODE_BADVERS);
    CU_ASSERT_TRUE(r.edns);
    CU_ASSERT_EQUAL(r.edns_version, 0);
    CU_ASSERT_EQUAL(dns_msg_count(&r, DNS_SEC_ANSWER), 0);
    dns_msg_clear(&q);
    dns_msg_clear(&r);
    dns_auth_free(a);
}

static void test_add_zone(void)
{
    dns_auth *a = make_auth();
    CU_ASSERT_EQUAL(dns_auth_zone_count(a), 2);
    GError *err = NULL;
    dns_zone *z = dns_zone_parse(example_org, strlen(example_org), NULL, "EXAMPLE.org", NULL);
    CU_ASSERT_FALSE(dns_auth_add_zone(a, z, &err));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "a second zone"));
    g_clear_error(&err);
    dns_zone_free(z);
    z = dns_zone_new("empty.test", NULL);
    CU_ASSERT_FALSE(dns_auth_add_zone(a, z, &err));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "no SOA"));
    g_clear_error(&err);
    dns_zone_free(z);
    CU_ASSERT_EQUAL(dns_auth_zone_count(a), 2);
    CU_ASSERT_PTR_NULL(dns_auth_find_zone(a, "org"));
    CU_ASSERT_STRING_EQUAL(dns_zone_origin(dns_auth_find_zone(a, "a.b.example.org")), "example.org");
    dns_auth_free(a);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_aa_answer),          TEST(test_cname_chain), TEST(test_referral),
        TEST(test_negative),           TEST(test_refused_notimp_formerr),
        TEST(test_any_and_additional), TEST(test_edns),        TEST(test_add_zone),
    };
    return test_main("protocols/dns/auth", tests, G_N_ELEMENTS(tests));
}
