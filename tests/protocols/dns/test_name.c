/*
 * Tests of protocols/dns/dns_name: the canonical form and its escapes, the
 * limits exactly at their edges (63/64-byte labels, 255/256-byte names in
 * wire form), comparisons, is_under, parent, split and to_wire.
 */
#include <glib.h>
#include <string.h>

#include "protocols/dns/dns_name.h"
#include "test_util.h"

/* Checks that `in` canonicalises to `want` (NULL: refused, with the code). */
static void canon_is(const char *in, const char *want, int code)
{
    GError *err = NULL;
    char *got = dns_name_canon(in, &err);
    if (want) {
        CU_ASSERT_PTR_NOT_NULL(got);
        if (got && strcmp(got, want) != 0)
            fprintf(stderr, "canon(%s) = %s, want %s\n", in, got, want);
        CU_ASSERT_STRING_EQUAL(got ? got : "(null)", want);
        CU_ASSERT_PTR_NULL(err);
    } else {
        if (got)
            fprintf(stderr, "canon(%s) = %s, want a refusal\n", in, got);
        CU_ASSERT_PTR_NULL(got);
        CU_ASSERT_PTR_NOT_NULL(err);
        if (err)
            CU_ASSERT_EQUAL(err->code, code);
    }
    g_clear_error(&err);
    g_free(got);
}

static void test_canon(void)
{
    canon_is("www.example.com", "www.example.com", 0);
    canon_is("WWW.Example.COM.", "WWW.Example.COM", 0); /* case kept, trailing dot dropped */
    canon_is(".", "", 0);
    canon_is("", "", 0);
    canon_is("\\065bc.com", "Abc.com", 0);         /* \DDD of a printable byte */
    canon_is("\\a\\b.com", "ab.com", 0);           /* needless escapes dropped */
    canon_is("a\\.b.com", "a\\.b.com", 0);         /* a dot inside a label */
    canon_is("a\\046b.com", "a\\.b.com", 0);
    canon_is("a\\\\b.com", "a\\\\b.com", 0);       /* a backslash inside a label */
    canon_is("\\000\\255x", "\\000\\255x", 0);
    canon_is("tab\\009", "tab\\009", 0);
    canon_is("a\\..", "a\\.", 0);                  /* an escaped dot, then the root's */
    canon_is("a..b", NULL, DNS_NAME_ERROR_SYNTAX);
    canon_is(".a", NULL, DNS_NAME_ERROR_SYNTAX);
    canon_is("..", NULL, DNS_NAME_ERROR_SYNTAX);
    canon_is("a b", NULL, DNS_NAME_ERROR_SYNTAX);
    canon_is("a\\", NULL, DNS_NAME_ERROR_SYNTAX);
    canon_is("a\\25", NULL, DNS_NAME_ERROR_SYNTAX);
    canon_is("a\\256", NULL, DNS_NAME_ERROR_SYNTAX);
}

/* A label of n bytes 'x'. */
static char *label(size_t n) { return g_strnfill(n, 'x'); }

static void test_label_limits(void)
{
    char *l63 = label(63), *l64 = label(64);
    char *ok = g_strconcat(l63, ".com", NULL), *bad = g_strconcat(l64, ".com", NULL);
    canon_is(ok, ok, 0);
    canon_is(bad, NULL, DNS_NAME_ERROR_TOO_LONG);
    /* 63 bytes written with escapes are still 63 bytes. */
    GString *esc = g_string_new(NULL);
    for (int i = 0; i < 63; i++)
        g_string_append(esc, "\\000");
    canon_is(esc->str, esc->str, 0);
    g_string_append(esc, "\\000");
    canon_is(esc->str, NULL, DNS_NAME_ERROR_TOO_LONG);
    g_string_free(esc, TRUE);
    g_free(l63);
    g_free(l64);
    g_free(ok);
    g_free(bad);
}

/* Three 63-byte labels (192 wire bytes) and one of `last` bytes: the wire
 * form is 192 + 1 + last + 1 bytes. */
static char *long_name(size_t last)
{
    char *a = label(63), *b = label(last);
    char *n = g_strjoin(".", a, a, a, b, NULL);
    g_free(a);
    g_free(b);
    return n;
}

static void test_name_limits(void)
{
    char *n255 = long_name(61), *n256 = long_name(62);
    canon_is(n255, n255, 0);
    canon_is(n256, NULL, DNS_NAME_ERROR_TOO_LONG);
    uint8_t wire[DNS_NAME_WIRE_MAX];
    CU_ASSERT_EQUAL(dns_name_to_wire(n255, wire), 255);
    CU_ASSERT_EQUAL(wire[0], 63);
    CU_ASSERT_EQUAL(wire[192], 61);
    CU_ASSERT_EQUAL(wire[254], 0);
    CU_ASSERT_EQUAL(dns_name_to_wire(n256, wire), 0);
    CU_ASSERT_EQUAL(dns_name_count(n255), 4);
    CU_ASSERT_EQUAL(dns_name_count(n256), -1);
    /* 127 one-byte labels are 255 wire bytes; 128 are 257. */
    GString *s = g_string_new("a");
    for (int i = 1; i < 127; i++)
        g_string_append(s, ".a");
    CU_ASSERT_EQUAL(dns_name_count(s->str), 127);
    CU_ASSERT_EQUAL(dns_name_to_wire(s->str, wire), 255);
    g_string_append(s, ".a");
    CU_ASSERT_EQUAL(dns_name_count(s->str), -1);
    canon_is(s->str, NULL, DNS_NAME_ERROR_TOO_LONG);
    g_string_free(s, TRUE);
    g_free(n255);
    g_free(n256);
}

static void test_split_and_wire(void)
{
    uint8_t buf[DNS_NAME_WIRE_MAX];
    const uint8_t *labels[128];
    uint8_t lens[128];
    CU_ASSERT_EQUAL(dns_name_split("a\\.b.c\\000", buf, labels, lens), 2);
    CU_ASSERT_EQUAL(lens[0], 3);
    CU_ASSERT_EQUAL(memcmp(labels[0], "a.b", 3), 0);
    CU_ASSERT_EQUAL(lens[1], 2);
    CU_ASSERT_EQUAL(memcmp(labels[1], "c\0", 2), 0);
    CU_ASSERT_EQUAL(dns_name_split("", buf, labels, lens), 0);
    /* Only the canonical form is accepted. */
    CU_ASSERT_EQUAL(dns_name_split("\\065", buf, labels, lens), -1);
    CU_ASSERT_EQUAL(dns_name_split("a.", buf, labels, lens), -1);
    CU_ASSERT_EQUAL(dns_name_split("a b", buf, labels, lens), -1);

    uint8_t wire[DNS_NAME_WIRE_MAX];
    static const uint8_t www[] = "\003www\007example\003com";
    CU_ASSERT_EQUAL(dns_name_to_wire("www.example.com", wire), sizeof www);
    CU_ASSERT_EQUAL(memcmp(wire, www, sizeof www), 0);
    CU_ASSERT_EQUAL(dns_name_to_wire("", wire), 1);
    CU_ASSERT_EQUAL(wire[0], 0);
    CU_ASSERT_EQUAL(dns_name_to_wire("A\\065", wire), 0);

    GString *s = g_string_new(NULL);
    dns_name_append_label(s, (const uint8_t *)"a.b\\c\x7f ", 7);
    dns_name_append_label(s, (const uint8_t *)"x", 1);
    CU_ASSERT_STRING_EQUAL(s->str, "a\\.b\\\\c\\127\\032.x");
    g_string_free(s, TRUE);
}

static void test_compare(void)
{
    CU_ASSERT_TRUE(dns_name_eq("WWW.Example.com", "www.example.COM"));
    CU_ASSERT_FALSE(dns_name_eq("www.example.com", "www.example.org"));
    CU_ASSERT_TRUE(dns_name_eq("", ""));

    CU_ASSERT_TRUE(dns_name_is_under("www.example.com", "example.com"));
    CU_ASSERT_TRUE(dns_name_is_under("WWW.EXAMPLE.COM", "example.com"));
    CU_ASSERT_TRUE(dns_name_is_under("example.com", "example.com"));
    CU_ASSERT_TRUE(dns_name_is_under("example.com", ""));
    CU_ASSERT_TRUE(dns_name_is_under("", ""));
    CU_ASSERT_FALSE(dns_name_is_under("", "com"));
    CU_ASSERT_FALSE(dns_name_is_under("badexample.com", "example.com"));
    CU_ASSERT_FALSE(dns_name_is_under("com", "example.com"));
    /* "a\.example.com" is the labels "a.example" and "com". */
    CU_ASSERT_FALSE(dns_name_is_under("a\\.example.com", "example.com"));
    /* "a\\.example.com" is "a\", "example", "com". */
    CU_ASSERT_TRUE(dns_name_is_under("a\\\\.example.com", "example.com"));
    CU_ASSERT_FALSE(dns_name_is_under("a\\\\\\.example.com", "example.com"));

    CU_ASSERT_STRING_EQUAL(dns_name_parent("www.example.com"), "example.com");
    CU_ASSERT_STRING_EQUAL(dns_name_parent("com"), "");
    CU_ASSERT_STRING_EQUAL(dns_name_parent(""), "");
    CU_ASSERT_STRING_EQUAL(dns_name_parent("a\\.b.c"), "c");
    CU_ASSERT_STRING_EQUAL(dns_name_parent("a\\\\.b.c"), "b.c");
    CU_ASSERT_STRING_EQUAL(dns_name_parent("\\046\\000.c"), "c");

    CU_ASSERT_EQUAL(dns_name_count(""), 0);
    CU_ASSERT_EQUAL(dns_name_count("a\\.b.c"), 2);
    char *k = dns_name_key("WwW.Example\\.COM");
    CU_ASSERT_STRING_EQUAL(k, "www.example\\.com");
    g_free(k);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_canon),          TEST(test_label_limits), TEST(test_name_limits),
        TEST(test_split_and_wire), TEST(test_compare),
    };
    return test_main("protocols/dns/name", tests, G_N_ELEMENTS(tests));
}
