/*
 * Tests of protocols/dns/dns_msg (dns_wire.c, dns_text.c): real messages
 * made by dnspython (data/packets.txt, written by data/make_packets.py)
 * decoded and compared with dnspython's own text of their fields, then
 * re-encoded byte for byte; round trips of every record type; name
 * compression; every prefix of every real message; hand-made malformed
 * messages (pointer loops, label types, long names, bad RDATA lengths,
 * misplaced OPT records, trailing bytes); truncation to a size limit; the
 * TCP framing reader at every chunk size; the text forms.
 *
 * Every message handed to the decoder is copied into an allocation of its
 * exact size, so that the sanitizers catch a read past its end.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "protocols/dns/dns_msg.h"
#include "test_util.h"

/* ---- helpers ------------------------------------------------------------ */

static dns_status decode_exact(const uint8_t *bytes, size_t len, dns_msg *m)
{
    uint8_t *copy = g_malloc(len ? len : 1);
    if (len)
        memcpy(copy, bytes, len);
    dns_status st = dns_msg_decode(copy, len, m);
    g_free(copy);
    return st;
}

static GByteArray *encode(const dns_msg *m, size_t max, bool *cut)
{
    GByteArray *b = g_byte_array_new();
    dns_status st = dns_msg_encode(m, max, b, cut);
    CU_ASSERT_EQUAL(st, DNS_OK);
    return b;
}

/* Asserts that the two messages have the same text form (which shows every
 * field the codec carries). */
static void assert_same_text(const dns_msg *a, const dns_msg *b)
{
    char *ta = dns_msg_to_text(a), *tb = dns_msg_to_text(b);
    if (strcmp(ta, tb) != 0)
        fprintf(stderr, "messages differ:\n%s\n---\n%s\n", ta, tb);
    CU_ASSERT_STRING_EQUAL(ta, tb);
    g_free(ta);
    g_free(tb);
}

/* Builds messages by hand, bytes appended in order. */
static void b8(GByteArray *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    g_byte_array_append(b, &x, 1);
}
static void b16(GByteArray *b, unsigned v)
{
    b8(b, v >> 8);
    b8(b, v);
}
static void b32(GByteArray *b, uint32_t v)
{
    b16(b, v >> 16);
    b16(b, v & 0xFFFF);
}
static void bmem(GByteArray *b, const void *p, size_t n) { g_byte_array_append(b, p, (guint)n); }
static void header(GByteArray *b, unsigned id, unsigned flags, unsigned qd, unsigned an,
                   unsigned ns, unsigned ar)
{
    b16(b, id);
    b16(b, flags);
    b16(b, qd);
    b16(b, an);
    b16(b, ns);
    b16(b, ar);
}
/* A record's fixed part after its name. */
static void rrfix(GByteArray *b, unsigned type, unsigned rclass, uint32_t ttl, unsigned rdlen)
{
    b16(b, type);
    b16(b, rclass);
    b32(b, ttl);
    b16(b, rdlen);
}
#define WWW "\003www\007example\003com" /* with its root byte, 17 bytes */

static dns_status decode_bytes(GByteArray *b, dns_msg *m)
{
    return decode_exact(b->data, b->len, m);
}

/* ---- the real packets --------------------------------------------------- */

typedef struct {
    char *name;
    uint8_t *bytes;
    size_t len;
    GPtrArray *lines; /* the field lines, "key value" */
} packet;

static uint8_t *unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *out = g_malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
    *len = n;
    return out;
}

static GPtrArray *load_packets(void)
{
    char *path = g_build_filename(APPSIM_SOURCE_DIR, "tests", "protocols", "dns", "data",
                                  "packets.txt", NULL);
    char *text = NULL;
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &text, NULL, &err));
    g_free(path);
    GPtrArray *all = g_ptr_array_new();
    char **lines = g_strsplit(text, "\n", -1);
    packet *p = NULL;
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "packet ")) {
            p = g_new0(packet, 1);
            p->name = g_strdup(*l + 7);
            p->lines = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(all, p);
        } else if (p && g_str_has_prefix(*l, "hex ")) {
            p->bytes = unhex(*l + 4, &p->len);
        } else if (p && strcmp(*l, "end") == 0) {
            p = NULL;
        } else if (p && **l) {
            g_ptr_array_add(p->lines, g_strdup(*l));
        }
    }
    g_strfreev(lines);
    g_free(text);
    return all;
}

static void free_packets(GPtrArray *all)
{
    for (guint i = 0; i < all->len; i++) {
        packet *p = all->pdata[i];
        g_free(p->name);
        g_free(p->bytes);
        g_ptr_array_unref(p->lines);
        g_free(p);
    }
    g_ptr_array_unref(all);
}

static packet *find_packet(GPtrArray *all, const char *name)
{
    for (guint i = 0; i < all->len; i++)
        if (strcmp(((packet *)all->pdata[i])->name, name) == 0)
            return all->pdata[i];
    CU_FAIL_FATAL("no such packet in packets.txt");
    return NULL;
}

static const char *opcode_text(unsigned op) { return op == 0 ? "QUERY" : "?"; }

/* Checks every field line of `p` against the decoded message. */
static void check_fields(const packet *p, const dns_msg *m)
{
    guint next[DNS_SEC__COUNT] = {0, 0, 0};
    static const char *const secs[DNS_SEC__COUNT] = {"answer ", "authority ", "additional "};
    for (guint i = 0; i < p->lines->len; i++) {
        const char *l = p->lines->pdata[i];
        char *got = NULL, *want = NULL;
        if (g_str_has_prefix(l, "id ")) {
            got = g_strdup_printf("%u", m->id);
            want = g_strdup(l + 3);
        } else if (g_str_has_prefix(l, "opcode ")) {
            got = g_strdup(opcode_text(m->opcode));
            want = g_strdup(l + 7);
        } else if (g_str_has_prefix(l, "rcode ")) {
            got = g_strdup(dns_rcode_name(m->rcode));
            want = g_strdup(l + 6);
        } else if (g_str_has_prefix(l, "flags")) {
            /* dnspython's flag words, in its order, from our fields. */
            got = g_strdup_printf("%s%s%s%s%s%s%s", m->qr ? " QR" : "", m->aa ? " AA" : "",
                                  m->tc ? " TC" : "", m->rd ? " RD" : "", m->ra ? " RA" : "",
                                  m->ad ? " AD" : "", m->cd ? " CD" : "");
            want = g_strdup(l + 5);
        } else if (g_str_has_prefix(l, "question ")) {
            if (m->has_question) {
                GString *s = g_string_new(NULL);
                g_string_append_printf(s, "%s. %s %s", m->qname,
                                       m->qclass == DNS_CLASS_IN ? "IN" : "?",
                                       dns_type_name(m->qtype) ? dns_type_name(m->qtype) : "");
                if (!dns_type_name(m->qtype))
                    g_string_append_printf(s, "TYPE%u", m->qtype);
                got = g_string_free(s, FALSE);
            } else {
                got = g_strdup("none");
            }
            want = g_strdup(l + 9);
        } else if (g_str_has_prefix(l, "edns ")) {
            got = m->edns ? g_strdup_printf("%u %u%s", m->edns_version, m->edns_udp_size,
                                            m->edns_do ? " DO" : "")
                          : g_strdup("none");
            want = g_strdup(l + 5);
        } else {
            for (int s = 0; s < DNS_SEC__COUNT; s++) {
                if (!g_str_has_prefix(l, secs[s]))
                    continue;
                want = g_strdup(l + strlen(secs[s]));
                if (next[s] < dns_msg_count(m, (dns_section)s))
                    got = dns_rr_to_text(dns_msg_rr(m, (dns_section)s, next[s]));
                else
                    got = g_strdup("(missing)");
                next[s]++;
            }
        }
        CU_ASSERT_PTR_NOT_NULL(want);
        if (want && (!got || strcmp(got, want) != 0))
            fprintf(stderr, "%s: got \"%s\", dnspython says \"%s\"\n", p->name,
                    got ? got : "(null)", want);
        CU_ASSERT_STRING_EQUAL(got ? got : "(null)", want ? want : "");
        g_free(got);
        g_free(want);
    }
    for (int s = 0; s < DNS_SEC__COUNT; s++)
        CU_ASSERT_EQUAL(next[s], dns_msg_count(m, (dns_section)s));
}

/* Every packet decodes, its fields are dnspython's, and it encodes back to
 * the very bytes dnspython wrote. Byte identity holds for all of them:
 * dnspython compresses every name appsim compresses (owner names, the
 * question, NS/CNAME/PTR/MX/SOA data), with the same rule (the longest
 * suffix already written, at its first place), and these messages spell
 * every name in lower case, where its case-blind matching and our exact
 * one agree. */
static void test_real_packets(void)
{
    GPtrArray *all = load_packets();
    CU_ASSERT_EQUAL(all->len, 11);
    for (guint i = 0; i < all->len; i++) {
        packet *p = all->pdata[i];
        dns_msg m, again;
        dns_msg_init(&m);
        dns_msg_init(&again);
        dns_status st = decode_exact(p->bytes, p->len, &m);
        if (st != DNS_OK)
            fprintf(stderr, "%s: %s\n", p->name, dns_status_name(st));
        CU_ASSERT_EQUAL(st, DNS_OK);
        check_fields(p, &m);
        bool cut = true;
        GByteArray *b = encode(&m, DNS_MSG_MAX, &cut);
        CU_ASSERT_FALSE(cut);
        if (b->len != p->len || memcmp(b->data, p->bytes, p->len) != 0)
            fprintf(stderr, "%s: re-encoded bytes differ from dnspython's\n", p->name);
        CU_ASSERT_EQUAL(b->len, p->len);
        CU_ASSERT_TRUE(b->len == p->len && memcmp(b->data, p->bytes, p->len) == 0);
        CU_ASSERT_EQUAL(decode_bytes(b, &again), DNS_OK);
        assert_same_text(&m, &again);
        g_byte_array_unref(b);
        dns_msg_clear(&m);
        dns_msg_clear(&again);
    }
    /* A few fields checked directly, beyond the text. */
    dns_msg m;
    dns_msg_init(&m);
    CU_ASSERT_EQUAL(decode_exact(find_packet(all, "badvers-extended-rcode")->bytes,
                                 find_packet(all, "badvers-extended-rcode")->len, &m),
                    DNS_OK);
    CU_ASSERT_EQUAL(m.rcode, DNS_RCODE_BADVERS);
    CU_ASSERT_TRUE(m.edns);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ADDITIONAL), 0); /* the OPT is not a record */
    packet *big = find_packet(all, "big-edns");
    CU_ASSERT_TRUE(big->len > 3900 && big->len <= 4096);
    CU_ASSERT_EQUAL(decode_exact(big->bytes, big->len, &m), DNS_OK);
    CU_ASSERT_EQUAL(m.edns_udp_size, 4096);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 16);
    packet *tc = find_packet(all, "truncated-tc");
    CU_ASSERT_EQUAL(decode_exact(tc->bytes, tc->len, &m), DNS_OK);
    CU_ASSERT_TRUE(m.tc);
    dns_msg_clear(&m);
    free_packets(all);
}

/* Every proper prefix of every packet is refused as too short, and keeps
 * the header's id, opcode and rd once the header is whole. */
static void test_every_prefix(void)
{
    GPtrArray *all = load_packets();
    for (guint i = 0; i < all->len; i++) {
        packet *p = all->pdata[i];
        dns_msg m;
        dns_msg_init(&m);
        for (size_t n = 0; n < p->len; n++) {
            dns_status st = decode_exact(p->bytes, n, &m);
            if (st != DNS_E_SHORT)
                fprintf(stderr, "%s: prefix of %zu bytes: %s\n", p->name, n, dns_status_name(st));
            CU_ASSERT_EQUAL(st, DNS_E_SHORT);
            CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 0);
            CU_ASSERT_PTR_NULL(m.qname);
            if (n >= DNS_HEADER_LEN) {
                CU_ASSERT_EQUAL(m.id, (unsigned)(p->bytes[0] << 8 | p->bytes[1]));
                CU_ASSERT_EQUAL(m.rd, (p->bytes[2] & 1) != 0);
            } else {
                CU_ASSERT_EQUAL(m.id, 0);
            }
        }
        dns_msg_clear(&m);
    }
    free_packets(all);
}

/* ---- round trips -------------------------------------------------------- */

static dns_rr *add(dns_msg *m, dns_section sec, const char *name, uint16_t type, uint32_t ttl)
{
    dns_rr *rr = dns_msg_add_rr(m, sec);
    rr->name = g_strdup(name);
    rr->type = type;
    rr->ttl = ttl;
    return rr;
}

static void set_rdata(dns_rr *rr, const void *data, uint16_t len)
{
    rr->rdata = len ? g_memdup2(data, len) : NULL;
    rr->rdlen = len;
}

/* A response with one record of every type the codec knows and two it
 * does not, in every section, with EDNS and an extended rcode. */
static void every_type(dns_msg *m)
{
    dns_msg_init(m);
    m->id = 0xBEEF;
    m->qr = m->aa = m->rd = m->ra = m->ad = m->cd = true;
    m->rcode = DNS_RCODE_BADVERS;
    m->edns = true;
    m->edns_udp_size = 1232;
    m->edns_version = 0;
    m->edns_do = true;
    dns_msg_set_question(m, "Www.Example.com", DNS_T_ANY, DNS_CLASS_IN);
    dns_rr *rr = add(m, DNS_SEC_ANSWER, "www.example.com", DNS_T_A, 60);
    memcpy(rr->addr, "\xc0\x00\x02\x01", 4);
    rr = add(m, DNS_SEC_ANSWER, "www.example.com", DNS_T_AAAA, 60);
    memcpy(rr->addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    rr = add(m, DNS_SEC_ANSWER, "alias.example.com", DNS_T_CNAME, 0xFFFFFFFFu);
    rr->target = g_strdup("www.example.com");
    rr = add(m, DNS_SEC_ANSWER, "example.com", DNS_T_MX, 1);
    rr->pref = 65535;
    rr->target = g_strdup("mail.example.net");
    rr = add(m, DNS_SEC_ANSWER, "example.com", DNS_T_TXT, 2);
    set_rdata(rr, "\005hello\000\003a\"b", 11);
    rr = add(m, DNS_SEC_ANSWER, "1.2.0.192.in-addr.arpa", DNS_T_PTR, 3);
    rr->target = g_strdup("www.example.com");
    rr = add(m, DNS_SEC_ANSWER, "odd\\.label\\000.example.com", 65280, 4);
    set_rdata(rr, "\x00\xc0\x0c", 3); /* looks like a pointer: kept raw */
    rr = add(m, DNS_SEC_ANSWER, "example.com", 99, 5);
    rr->rclass = 3; /* CH */
    rr = add(m, DNS_SEC_AUTHORITY, "example.com", DNS_T_SOA, 3600);
    rr->target = g_strdup("ns1.example.com");
    rr->rname = g_strdup("host\\.master.example.com");
    rr->serial = 2024010101;
    rr->refresh = 7200;
    rr->retry = 3600;
    rr->expire = 1209600;
    rr->minimum = 300;
    rr = add(m, DNS_SEC_AUTHORITY, "example.com", DNS_T_NS, 172800);
    rr->target = g_strdup("ns1.example.com");
    rr = add(m, DNS_SEC_ADDITIONAL, "ns1.example.com", DNS_T_A, 172800);
    memcpy(rr->addr, "\xc6\x33\x64\x35", 4);
    rr = add(m, DNS_SEC_ADDITIONAL, "", DNS_T_NS, 1); /* the root as owner */
    rr->target = g_strdup("");
}

static void test_round_trip_every_type(void)
{
    dns_msg m, back;
    every_type(&m);
    dns_msg_init(&back);
    bool cut = true;
    GByteArray *b = encode(&m, DNS_MSG_MAX, &cut);
    CU_ASSERT_FALSE(cut);
    CU_ASSERT_EQUAL(decode_bytes(b, &back), DNS_OK);
    CU_ASSERT_EQUAL(back.id, 0xBEEF);
    CU_ASSERT_TRUE(back.qr && back.aa && back.rd && back.ra && back.ad && back.cd && !back.tc);
    CU_ASSERT_EQUAL(back.rcode, DNS_RCODE_BADVERS);
    CU_ASSERT_TRUE(back.edns && back.edns_do);
    CU_ASSERT_EQUAL(back.edns_udp_size, 1232);
    CU_ASSERT_STRING_EQUAL(back.qname, "Www.Example.com");
    CU_ASSERT_EQUAL(back.qtype, DNS_T_ANY);
    for (int s = 0; s < DNS_SEC__COUNT; s++) {
        CU_ASSERT_EQUAL(dns_msg_count(&back, (dns_section)s), dns_msg_count(&m, (dns_section)s));
        for (guint i = 0; i < dns_msg_count(&m, (dns_section)s); i++) {
            const dns_rr *a = dns_msg_rr(&m, (dns_section)s, i);
            const dns_rr *c = dns_msg_rr(&back, (dns_section)s, i);
            CU_ASSERT_TRUE(dns_rr_same_data(a, c));
            CU_ASSERT_EQUAL(a->ttl, c->ttl);
            CU_ASSERT_STRING_EQUAL(a->name, c->name); /* case and escapes kept */
        }
    }
    assert_same_text(&m, &back);
    /* A second encoding is byte-identical to the first. */
    GByteArray *b2 = encode(&back, DNS_MSG_MAX, NULL);
    CU_ASSERT_TRUE(b2->len == b->len && memcmp(b2->data, b->data, b->len) == 0);
    /* The extended rcode: 16 is 1 in the OPT TTL's top byte, 0 in the header. */
    CU_ASSERT_EQUAL(b->data[3] & 0x0F, 0);
    CU_ASSERT_EQUAL(b->data[b->len - 11 + 5], 1);
    g_byte_array_unref(b);
    g_byte_array_unref(b2);
    dns_msg_clear(&m);
    dns_msg_clear(&back);
}

/* The size of the message were no name compressed. */
static size_t plain_size(const dns_msg *m)
{
    uint8_t wire[DNS_NAME_WIRE_MAX];
    size_t n = DNS_HEADER_LEN;
    if (m->has_question)
        n += dns_name_to_wire(m->qname, wire) + 4;
    for (int s = 0; s < DNS_SEC__COUNT; s++)
        for (guint i = 0; i < dns_msg_count(m, (dns_section)s); i++) {
            const dns_rr *rr = dns_msg_rr(m, (dns_section)s, i);
            n += dns_name_to_wire(rr->name, wire) + 10;
            switch (rr->type) {
            case DNS_T_A: n += 4; break;
            case DNS_T_NS:
            case DNS_T_CNAME: n += dns_name_to_wire(rr->target, wire); break;
            case DNS_T_MX: n += 2 + dns_name_to_wire(rr->target, wire); break;
            default: n += rr->rdlen; break;
            }
        }
    return n;
}

static void test_compression_shrinks(void)
{
    dns_msg m, back;
    dns_msg_init(&m);
    dns_msg_init(&back);
    m.qr = true;
    dns_msg_set_question(&m, "www.example.com", DNS_T_A, DNS_CLASS_IN);
    dns_rr *rr = add(&m, DNS_SEC_ANSWER, "www.example.com", DNS_T_CNAME, 60);
    rr->target = g_strdup("web.example.com");
    rr = add(&m, DNS_SEC_ANSWER, "web.example.com", DNS_T_A, 60);
    memcpy(rr->addr, "\xc0\0\2\1", 4);
    rr = add(&m, DNS_SEC_AUTHORITY, "example.com", DNS_T_NS, 60);
    rr->target = g_strdup("ns1.example.com");
    rr = add(&m, DNS_SEC_AUTHORITY, "example.com", DNS_T_MX, 60);
    rr->pref = 10;
    rr->target = g_strdup("mail.example.com");
    rr = add(&m, DNS_SEC_ADDITIONAL, "ns1.example.com", DNS_T_A, 60);
    memcpy(rr->addr, "\xc0\0\2\x35", 4);
    GByteArray *b = encode(&m, DNS_MSG_MAX, NULL);
    size_t plain = plain_size(&m);
    /* Every repeated "example.com" (13 bytes) becomes a 2-byte pointer, and
     * a whole repeated name too: 8 names after the question, each saving
     * at least 11 bytes. */
    CU_ASSERT_TRUE(b->len + 8 * 11 <= plain);
    CU_ASSERT_EQUAL(decode_bytes(b, &back), DNS_OK);
    assert_same_text(&m, &back);
    /* The first answer's owner is a pointer to the question's name. */
    CU_ASSERT_EQUAL(b->data[33], 0xC0);
    CU_ASSERT_EQUAL(b->data[34], 12);
    g_byte_array_unref(b);
    dns_msg_clear(&m);
    dns_msg_clear(&back);
}

/* Compression matches exact bytes: a suffix in another case is written
 * again, so every name decodes with its own case. */
static void test_compression_keeps_case(void)
{
    dns_msg m, back;
    dns_msg_init(&m);
    dns_msg_init(&back);
    dns_msg_set_question(&m, "WWW.Example.COM", DNS_T_A, DNS_CLASS_IN);
    dns_rr *rr = add(&m, DNS_SEC_ANSWER, "www.example.com", DNS_T_A, 1);
    rr = add(&m, DNS_SEC_ANSWER, "mail.Example.COM", DNS_T_A, 1);
    (void)rr;
    GByteArray *b = encode(&m, DNS_MSG_MAX, NULL);
    CU_ASSERT_EQUAL(decode_bytes(b, &back), DNS_OK);
    CU_ASSERT_STRING_EQUAL(back.qname, "WWW.Example.COM");
    CU_ASSERT_STRING_EQUAL(dns_msg_rr(&back, DNS_SEC_ANSWER, 0)->name, "www.example.com");
    CU_ASSERT_STRING_EQUAL(dns_msg_rr(&back, DNS_SEC_ANSWER, 1)->name, "mail.Example.COM");
    /* The third name is "mail" then a pointer to the question's
     * "Example.COM" (offset 16). */
    size_t at = 12 + 17 + 4 + 17 + 14;
    CU_ASSERT_EQUAL(b->data[at], 4);
    CU_ASSERT_EQUAL(b->data[at + 5], 0xC0);
    CU_ASSERT_EQUAL(b->data[at + 6], 16);
    g_byte_array_unref(b);
    dns_msg_clear(&m);
    dns_msg_clear(&back);
}

/* ---- malformed messages ------------------------------------------------- */

/* Decodes and asserts the status; on an error also that the id is kept. */
static void expect_status(GByteArray *b, dns_status want, const char *what)
{
    dns_msg m;
    dns_msg_init(&m);
    dns_status st = decode_bytes(b, &m);
    if (st != want)
        fprintf(stderr, "%s: got %s, want %s\n", what, dns_status_name(st), dns_status_name(want));
    CU_ASSERT_EQUAL(st, want);
    if (b->len >= DNS_HEADER_LEN)
        CU_ASSERT_EQUAL(m.id, (unsigned)(b->data[0] << 8 | b->data[1]));
    if (want != DNS_OK) {
        CU_ASSERT_PTR_NULL(m.qname);
        CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 0);
    }
    dns_msg_clear(&m);
    g_byte_array_set_size(b, 0);
}

static void test_pointers(void)
{
    GByteArray *b = g_byte_array_new();

    header(b, 1, 0x0100, 1, 0, 0, 0); /* the question's name points at itself */
    b16(b, 0xC00C);
    b16(b, 1);
    b16(b, 1);
    expect_status(b, DNS_E_POINTER, "self pointer");

    header(b, 2, 0, 1, 0, 0, 0); /* a label, then a pointer to that label */
    bmem(b, "\001a\xc0\x0c", 4);
    b32(b, 0x00010001);
    expect_status(b, DNS_E_POINTER, "pointer to the name's own start");

    header(b, 3, 0, 1, 0, 0, 0); /* forward pointer */
    bmem(b, "\xc0\x10\0\1\0\1\0", 7);
    expect_status(b, DNS_E_POINTER, "forward pointer");

    /* Two pointers to each other: the raw data of a record (offset 23)
     * holds a pointer to the next owner name (offset 25), which points
     * back to it. */
    header(b, 4, 0, 0, 2, 0, 0);
    b8(b, 0);
    rrfix(b, 65280, 1, 0, 2);
    b16(b, 0xC000 | 25);
    b16(b, 0xC000 | 23);
    rrfix(b, 65280, 1, 0, 0);
    CU_ASSERT_EQUAL(b->len, 37);
    expect_status(b, DNS_E_POINTER, "two pointers to each other");

    /* A pointer into the header is allowed: here it reads QDCOUNT's high
     * byte, 0, as the root. */
    header(b, 5, 0, 1, 0, 0, 0);
    b16(b, 0xC000 | 4); /* 00 01: a root name at offset 4 */
    b32(b, 0x00010001);
    expect_status(b, DNS_OK, "pointer into the header");

    /* A chain of pointers: the raw data of the first record is a root byte
     * then 129 pointers, each to the one before; the next owner name points
     * at one of them. 128 hops are allowed, 129 are not. */
    for (int hops = 128; hops <= 129; hops++) {
        header(b, 6, 0, 0, 2, 0, 0);
        b8(b, 0);
        rrfix(b, 65280, 1, 0, 1 + 2 * 129);
        size_t base = b->len; /* 23 */
        b8(b, 0);
        for (int k = 1; k <= 129; k++)
            b16(b, 0xC000 | (unsigned)(k == 1 ? base : base + 1 + 2 * (k - 2)));
        /* The pointer to entry k costs k + 1 hops. */
        int k = hops - 1;
        b16(b, 0xC000 | (unsigned)(base + 1 + 2 * (k - 1)));
        rrfix(b, 65280, 1, 0, 0);
        expect_status(b, hops == 128 ? DNS_OK : DNS_E_POINTER, "pointer chain");
    }

    header(b, 7, 0, 1, 0, 0, 0); /* label types 0x40 and 0x80 */
    bmem(b, "\x41", 1);
    bmem(b, "\0\0\1\0\1", 5);
    expect_status(b, DNS_E_LABEL, "label type 0x40");
    header(b, 7, 0, 1, 0, 0, 0);
    bmem(b, "\x81", 1);
    bmem(b, "\0\0\1\0\1", 5);
    expect_status(b, DNS_E_LABEL, "label type 0x80");

    /* Names of 255 and 256 wire bytes made with a pointer: a raw record
     * holds four 62-byte labels and the root (253 bytes); the next owner
     * is one label then a pointer to them. */
    for (int extra = 1; extra <= 2; extra++) {
        header(b, 8, 0, 0, 2, 0, 0);
        b8(b, 0);
        rrfix(b, 65280, 1, 0, 253);
        size_t base = b->len;
        for (int i = 0; i < 4; i++) {
            b8(b, 62);
            for (int j = 0; j < 62; j++)
                b8(b, 'x');
        }
        b8(b, 0);
        b8(b, (unsigned)extra);
        for (int j = 0; j < extra; j++)
            b8(b, 'y');
        b16(b, 0xC000 | (unsigned)base);
        rrfix(b, DNS_T_A, 1, 0, 4);
        b32(b, 0x7F000001);
        expect_status(b, extra == 1 ? DNS_OK : DNS_E_NAME_LONG, "long name by pointer");
    }
    g_byte_array_unref(b);
}

/* A response with one record of `type` and the given RDATA. */
static void one_record(GByteArray *b, unsigned type, const void *rdata, unsigned rdlen)
{
    header(b, 9, 0x8000, 0, 1, 0, 0);
    bmem(b, WWW, sizeof WWW);
    rrfix(b, type, 1, 0, rdlen);
    bmem(b, rdata, rdlen);
}

static void test_bad_rdata(void)
{
    GByteArray *b = g_byte_array_new();
    static const struct {
        unsigned type;
        const char *rdata;
        unsigned len;
        dns_status want;
    } cases[] = {
        {DNS_T_A, "\1\2\3\4", 4, DNS_OK},
        {DNS_T_A, "\1\2\3", 3, DNS_E_RDATA},
        {DNS_T_A, "\1\2\3\4\5", 5, DNS_E_RDATA},
        {DNS_T_AAAA, "0123456789abcdef", 16, DNS_OK},
        {DNS_T_AAAA, "0123456789abcde", 15, DNS_E_RDATA},
        {DNS_T_AAAA, "0123456789abcdef0", 17, DNS_E_RDATA},
        {DNS_T_NS, "\2ns\0", 4, DNS_OK},
        {DNS_T_NS, "\2ns\0x", 5, DNS_E_RDATA},   /* a byte after the name */
        {DNS_T_NS, "\2ns\0", 3, DNS_E_RDATA},    /* the name runs past RDATA */
        {DNS_T_NS, "", 0, DNS_E_RDATA},
        {DNS_T_CNAME, "\xc0\x0c", 2, DNS_OK},    /* compressed: to the owner */
        {DNS_T_CNAME, "\xc0\x0c\0", 3, DNS_E_RDATA},
        {DNS_T_PTR, "\1a\0", 3, DNS_OK},
        {DNS_T_PTR, "\1a\0", 2, DNS_E_RDATA},
        {DNS_T_MX, "\0\12\0", 3, DNS_OK},
        {DNS_T_MX, "\0\12", 2, DNS_E_RDATA},
        {DNS_T_MX, "\0\12\0\0", 4, DNS_E_RDATA},
        {DNS_T_SOA, "\0\0" "01234567890123456789", 22, DNS_OK},
        {DNS_T_SOA, "\0\0" "0123456789012345678", 21, DNS_E_RDATA},
        {DNS_T_SOA, "\0\0" "012345678901234567890", 23, DNS_E_RDATA},
        {DNS_T_SOA, "\0", 1, DNS_E_RDATA},
        {DNS_T_TXT, "\2ab\0", 4, DNS_OK},        /* an empty string is a string */
        {DNS_T_TXT, "\3ab", 3, DNS_E_RDATA},     /* the string runs past RDATA */
        {DNS_T_TXT, "", 0, DNS_E_RDATA},         /* one string at least */
        {99, "", 0, DNS_OK},
        {99, "\xff\xff", 2, DNS_OK},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        one_record(b, cases[i].type, cases[i].rdata, cases[i].len);
        char *what = g_strdup_printf("RDATA case %zu (type %u)", i, cases[i].type);
        expect_status(b, cases[i].want, what);
        g_free(what);
    }
    /* RDLENGTH beyond the message. */
    header(b, 9, 0x8000, 0, 1, 0, 0);
    bmem(b, WWW, sizeof WWW);
    rrfix(b, DNS_T_A, 1, 0, 5);
    b32(b, 0x01020304);
    expect_status(b, DNS_E_SHORT, "rdlen past the end");
    g_byte_array_unref(b);
}

static void test_bad_structure(void)
{
    GByteArray *b = g_byte_array_new();

    header(b, 0x4242, 0x2900, 2, 0, 0, 0); /* opcode 5, rd */
    bmem(b, WWW, sizeof WWW);
    b32(b, 0x00010001);
    bmem(b, WWW, sizeof WWW);
    b32(b, 0x00010001);
    dns_msg m;
    dns_msg_init(&m);
    CU_ASSERT_EQUAL(decode_bytes(b, &m), DNS_E_QDCOUNT);
    CU_ASSERT_EQUAL(m.id, 0x4242);
    CU_ASSERT_EQUAL(m.opcode, 5);
    CU_ASSERT_TRUE(m.rd);
    CU_ASSERT_FALSE(m.has_question);
    g_byte_array_set_size(b, 0);

    /* OPT in the answer section. */
    header(b, 10, 0, 0, 1, 0, 0);
    b8(b, 0);
    rrfix(b, DNS_T_OPT, 4096, 0, 0);
    expect_status(b, DNS_E_OPT, "OPT in answer");
    /* OPT in authority. */
    header(b, 10, 0, 0, 0, 1, 0);
    b8(b, 0);
    rrfix(b, DNS_T_OPT, 4096, 0, 0);
    expect_status(b, DNS_E_OPT, "OPT in authority");
    /* OPT twice. */
    header(b, 11, 0, 0, 0, 0, 2);
    b8(b, 0);
    rrfix(b, DNS_T_OPT, 4096, 0, 0);
    b8(b, 0);
    rrfix(b, DNS_T_OPT, 4096, 0, 0);
    expect_status(b, DNS_E_OPT, "OPT twice");
    /* OPT not owned by the root. */
    header(b, 12, 0, 0, 0, 0, 1);
    bmem(b, WWW, sizeof WWW);
    rrfix(b, DNS_T_OPT, 4096, 0, 0);
    expect_status(b, DNS_E_OPT, "OPT not at the root");
    /* A good OPT with an option (skipped), between two records. */
    header(b, 13, 0, 0, 0, 0, 3);
    bmem(b, WWW, sizeof WWW);
    rrfix(b, DNS_T_A, 1, 0, 4);
    b32(b, 0x7F000001);
    b8(b, 0);
    rrfix(b, DNS_T_OPT, 1400, 0x01008000u, 6);
    bmem(b, "\0\12\0\2ab", 6); /* COOKIE-like option */
    b16(b, 0xC00C);
    rrfix(b, DNS_T_A, 1, 0, 4);
    b32(b, 0x7F000002);
    CU_ASSERT_EQUAL(decode_bytes(b, &m), DNS_OK);
    CU_ASSERT_TRUE(m.edns);
    CU_ASSERT_TRUE(m.edns_do);
    CU_ASSERT_EQUAL(m.edns_udp_size, 1400);
    CU_ASSERT_EQUAL(m.rcode, 16);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ADDITIONAL), 2);
    g_byte_array_set_size(b, 0);

    /* Bytes after the last record. */
    header(b, 0x7777, 0x0100, 1, 0, 0, 0);
    bmem(b, WWW, sizeof WWW);
    b32(b, 0x00010001);
    b8(b, 0);
    CU_ASSERT_EQUAL(decode_bytes(b, &m), DNS_E_TRAILING);
    CU_ASSERT_EQUAL(m.id, 0x7777);
    CU_ASSERT_TRUE(m.rd);
    CU_ASSERT_PTR_NULL(m.qname);
    g_byte_array_set_size(b, 0);

    /* Counts larger than the records present. */
    header(b, 14, 0, 0, 0xFFFF, 0xFFFF, 0xFFFF);
    expect_status(b, DNS_E_SHORT, "huge counts");
    /* Nothing at all. */
    expect_status(b, DNS_E_SHORT, "empty");
    dns_msg_clear(&m);
    g_byte_array_unref(b);
}

/* ---- encoding limits ---------------------------------------------------- */

static void many_a(dns_msg *m, dns_section sec, int n)
{
    for (int i = 0; i < n; i++) {
        dns_rr *rr = add(m, sec, "www.example.com", DNS_T_A, 60);
        rr->addr[0] = 10;
        rr->addr[3] = (uint8_t)i;
    }
}

static void test_truncation(void)
{
    dns_msg m, back;
    dns_msg_init(&m);
    dns_msg_init(&back);
    m.qr = true;
    m.id = 77;
    dns_msg_set_question(&m, "www.example.com", DNS_T_A, DNS_CLASS_IN);
    many_a(&m, DNS_SEC_ANSWER, 40); /* 33 + 40 * 16 = 673 bytes */
    bool cut = false;
    GByteArray *b = encode(&m, DNS_UDP_MAX_PLAIN, &cut);
    CU_ASSERT_TRUE(cut);
    CU_ASSERT_TRUE(b->len <= 512 && b->len > 512 - 16);
    CU_ASSERT_EQUAL(decode_bytes(b, &back), DNS_OK);
    CU_ASSERT_TRUE(back.tc);
    CU_ASSERT_EQUAL(dns_msg_count(&back, DNS_SEC_ANSWER), (512 - 33) / 16);
    for (guint i = 0; i < dns_msg_count(&back, DNS_SEC_ANSWER); i++)
        CU_ASSERT_EQUAL(dns_msg_rr(&back, DNS_SEC_ANSWER, i)->addr[3], i); /* from the end */
    g_byte_array_unref(b);

    /* Answers fit, additional records do not: left out without TC. */
    dns_msg_clear(&m);
    m.qr = true;
    dns_msg_set_question(&m, "www.example.com", DNS_T_A, DNS_CLASS_IN);
    many_a(&m, DNS_SEC_ANSWER, 2);
    dns_rr *ns = add(&m, DNS_SEC_AUTHORITY, "example.com", DNS_T_NS, 60);
    ns->target = g_strdup("ns.example.com");
    many_a(&m, DNS_SEC_ADDITIONAL, 40);
    b = encode(&m, DNS_UDP_MAX_PLAIN, &cut);
    CU_ASSERT_TRUE(cut);
    CU_ASSERT_TRUE(b->len <= 512);
    CU_ASSERT_EQUAL(decode_bytes(b, &back), DNS_OK);
    CU_ASSERT_FALSE(back.tc);
    CU_ASSERT_EQUAL(dns_msg_count(&back, DNS_SEC_ANSWER), 2);
    CU_ASSERT_EQUAL(dns_msg_count(&back, DNS_SEC_AUTHORITY), 1);
    CU_ASSERT_TRUE(dns_msg_count(&back, DNS_SEC_ADDITIONAL) < 40);
    CU_ASSERT_TRUE(dns_msg_count(&back, DNS_SEC_ADDITIONAL) > 20);
    g_byte_array_unref(b);

    /* With EDNS: whole within 4096; within 512 the OPT record is kept. */
    m.edns = true;
    m.edns_udp_size = 4096;
    m.rcode = DNS_RCODE_BADVERS;
    many_a(&m, DNS_SEC_ANSWER, 40);
    b = encode(&m, 4096, &cut);
    CU_ASSERT_FALSE(cut);
    CU_ASSERT_TRUE(b->len > 512);
    CU_ASSERT_EQUAL(decode_bytes(b, &back), DNS_OK);
    CU_ASSERT_EQUAL(dns_msg_count(&back, DNS_SEC_ANSWER), 42);
    CU_ASSERT_EQUAL(dns_msg_count(&back, DNS_SEC_ADDITIONAL), 40);
    CU_ASSERT_FALSE(back.tc);
    g_byte_array_unref(b);
    b = encode(&m, DNS_UDP_MAX_PLAIN, &cut);
    CU_ASSERT_TRUE(cut);
    CU_ASSERT_TRUE(b->len <= 512);
    CU_ASSERT_EQUAL(decode_bytes(b, &back), DNS_OK);
    CU_ASSERT_TRUE(back.tc && back.edns);
    CU_ASSERT_EQUAL(back.rcode, DNS_RCODE_BADVERS);
    CU_ASSERT_EQUAL(dns_msg_count(&back, DNS_SEC_AUTHORITY), 0);
    CU_ASSERT_EQUAL(dns_msg_count(&back, DNS_SEC_ADDITIONAL), 0);
    g_byte_array_unref(b);

    dns_msg_clear(&m);
    dns_msg_clear(&back);
}

static void test_encode_errors(void)
{
    dns_msg m;
    dns_msg_init(&m);
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const uint8_t *)"xy", 2); /* earlier contents are kept */
    dns_msg_set_question(&m, "www.example.com", DNS_T_A, DNS_CLASS_IN);
    m.rcode = DNS_RCODE_BADVERS; /* needs EDNS */
    CU_ASSERT_EQUAL(dns_msg_encode(&m, 512, b, NULL), DNS_E_BAD_FIELD);
    CU_ASSERT_EQUAL(b->len, 2);
    m.edns = true;
    CU_ASSERT_EQUAL(dns_msg_encode(&m, 512, b, NULL), DNS_OK);
    g_byte_array_set_size(b, 2);
    m.rcode = 0x1000;
    CU_ASSERT_EQUAL(dns_msg_encode(&m, 512, b, NULL), DNS_E_BAD_FIELD);
    m.rcode = 0;
    /* Header (12) + question (21) + OPT (11) = 44 bytes. */
    CU_ASSERT_EQUAL(dns_msg_encode(&m, 43, b, NULL), DNS_E_TOO_BIG);
    CU_ASSERT_EQUAL(b->len, 2);
    CU_ASSERT_EQUAL(dns_msg_encode(&m, 44, b, NULL), DNS_OK);
    CU_ASSERT_EQUAL(b->len, 46);
    g_byte_array_set_size(b, 2);
    dns_rr *rr = add(&m, DNS_SEC_ANSWER, "a..b", DNS_T_A, 1); /* not canonical */
    CU_ASSERT_EQUAL(dns_msg_encode(&m, 512, b, NULL), DNS_E_BAD_FIELD);
    g_free(rr->name);
    rr->name = g_strdup("a.b");
    rr->type = DNS_T_CNAME; /* without a target */
    CU_ASSERT_EQUAL(dns_msg_encode(&m, 512, b, NULL), DNS_E_BAD_FIELD);
    rr->type = DNS_T_TXT;
    set_rdata(rr, "\5ab", 3); /* not character strings */
    CU_ASSERT_EQUAL(dns_msg_encode(&m, 512, b, NULL), DNS_E_BAD_FIELD);
    rr->type = DNS_T_OPT; /* OPT is the edns fields, never a record */
    CU_ASSERT_EQUAL(dns_msg_encode(&m, 512, b, NULL), DNS_E_BAD_FIELD);
    CU_ASSERT_EQUAL(b->len, 2);
    CU_ASSERT_EQUAL(memcmp(b->data, "xy", 2), 0);
    g_byte_array_unref(b);
    dns_msg_clear(&m);
}

/* ---- DNS over TCP ------------------------------------------------------- */

static void test_tcp_reader(void)
{
    GPtrArray *all = load_packets();
    GByteArray *stream = g_byte_array_new();
    const char *names[3] = {"cname-a", "big-edns", "query-edns"};
    packet *p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = find_packet(all, names[i]);
        dns_msg m;
        dns_msg_init(&m);
        CU_ASSERT_EQUAL(decode_exact(p[i]->bytes, p[i]->len, &m), DNS_OK);
        guint before = stream->len;
        CU_ASSERT_EQUAL(dns_msg_encode_tcp(&m, stream), DNS_OK);
        CU_ASSERT_EQUAL(stream->len - before, p[i]->len + 2);
        CU_ASSERT_EQUAL(stream->data[before] << 8 | stream->data[before + 1], (int)p[i]->len);
        dns_msg_clear(&m);
    }
    for (size_t chunk = 1; chunk <= stream->len; chunk++) {
        dns_tcp_reader r;
        dns_tcp_reader_init(&r);
        int got = 0;
        bool ok = true;
        for (size_t off = 0; off < stream->len;) {
            size_t n = MIN(chunk, stream->len - off);
            uint8_t *piece = g_memdup2(stream->data + off, n);
            size_t used = 0;
            while (used < n) {
                size_t t = dns_tcp_reader_feed(&r, piece + used, n - used);
                used += t;
                const uint8_t *msg;
                size_t len;
                bool any = false;
                while (dns_tcp_reader_next(&r, &msg, &len)) {
                    any = true;
                    if (got >= 3 || len != p[got]->len || memcmp(msg, p[got]->bytes, len) != 0)
                        ok = false;
                    got++;
                }
                if (t == 0 && !any) {
                    ok = false; /* no progress */
                    break;
                }
            }
            g_free(piece);
            off += n;
            if (!ok)
                break;
        }
        if (!ok || got != 3)
            fprintf(stderr, "chunk size %zu: %d messages, ok %d\n", chunk, got, ok);
        CU_ASSERT_TRUE(ok);
        CU_ASSERT_EQUAL(got, 3);
        CU_ASSERT_FALSE(dns_tcp_reader_failed(&r));
        dns_tcp_reader_clear(&r);
        if (!ok)
            break;
    }

    /* A zero length prefix, and one under a header's length, fail. */
    static const uint8_t zero[] = {0, 0, 0, 12};
    static const uint8_t eleven[] = {0, 11, 1, 2};
    const uint8_t *bad[2] = {zero, eleven};
    for (int i = 0; i < 2; i++) {
        dns_tcp_reader r;
        dns_tcp_reader_init(&r);
        CU_ASSERT_EQUAL(dns_tcp_reader_feed(&r, bad[i], 1), 1);
        CU_ASSERT_FALSE(dns_tcp_reader_failed(&r));
        CU_ASSERT_EQUAL(dns_tcp_reader_feed(&r, bad[i] + 1, 3), 1);
        CU_ASSERT_TRUE(dns_tcp_reader_failed(&r));
        const uint8_t *msg;
        size_t len;
        CU_ASSERT_FALSE(dns_tcp_reader_next(&r, &msg, &len));
        CU_ASSERT_EQUAL(dns_tcp_reader_feed(&r, bad[i] + 2, 2), 0);
        dns_tcp_reader_clear(&r);
    }
    g_byte_array_unref(stream);
    free_packets(all);
}

/* ---- text forms --------------------------------------------------------- */

static void addr_is(const char *bytes16, const char *want)
{
    dns_rr rr = {.type = DNS_T_AAAA};
    memcpy(rr.addr, bytes16, 16);
    char *got = dns_rr_addr_text(&rr);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "AAAA text %s, want %s\n", got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    g_free(got);
}

static void test_addresses(void)
{
    dns_rr a = {.type = DNS_T_A, .addr = {192, 0, 2, 255}};
    char *t = dns_rr_addr_text(&a);
    CU_ASSERT_STRING_EQUAL(t, "192.0.2.255");
    g_free(t);
    dns_rr ns = {.type = DNS_T_NS};
    CU_ASSERT_PTR_NULL(dns_rr_addr_text(&ns));
    addr_is("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", "2001:db8::1");
    addr_is("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "::");
    addr_is("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", "::1");
    addr_is("\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "1::");
    /* The longest run, the first one on a tie, never a single group. */
    addr_is("\x20\x01\0\0\0\0\0\1\0\0\0\0\0\0\0\1", "2001:0:0:1::1");
    addr_is("\x20\x01\x0d\xb8\0\0\0\0\0\1\0\0\0\0\0\1", "2001:db8::1:0:0:1");
    addr_is("\x20\x01\x0d\xb8\0\0\0\1\0\1\0\1\0\1\0\1", "2001:db8:0:1:1:1:1:1");
    addr_is("\xfe\x80\0\0\0\0\0\0\x0a\xbc\xde\xff\xfe\0\x12\x34", "fe80::abc:deff:fe00:1234");
    addr_is("\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\0\2\1", "::ffff:192.0.2.1");
}

static void test_text(void)
{
    dns_msg m;
    every_type(&m);
    char *t = dns_msg_to_text(&m);
    static const char want[] =
        ";; ->>HEADER<<- opcode: QUERY, status: BADVERS, id: 48879\n"
        ";; flags: qr aa rd ra ad cd; QUERY: 1, ANSWER: 8, AUTHORITY: 2, ADDITIONAL: 3\n"
        "\n"
        ";; OPT PSEUDOSECTION:\n"
        "; EDNS: version: 0, flags: do; udp: 1232\n"
        "\n"
        ";; QUESTION SECTION:\n"
        ";Www.Example.com. IN ANY\n"
        "\n"
        ";; ANSWER SECTION:\n"
        "www.example.com. 60 IN A 192.0.2.1\n"
        "www.example.com. 60 IN AAAA 2001:db8::1\n"
        "alias.example.com. 4294967295 IN CNAME www.example.com.\n"
        "example.com. 1 IN MX 65535 mail.example.net.\n"
        "example.com. 2 IN TXT \"hello\" \"\" \"a\\\"b\"\n"
        "1.2.0.192.in-addr.arpa. 3 IN PTR www.example.com.\n"
        "odd\\.label\\000.example.com. 4 IN TYPE65280 \\# 3 00c00c\n"
        "example.com. 5 CH TYPE99 \\# 0\n"
        "\n"
        ";; AUTHORITY SECTION:\n"
        "example.com. 3600 IN SOA ns1.example.com. host\\.master.example.com. 2024010101 7200 "
        "3600 1209600 300\n"
        "example.com. 172800 IN NS ns1.example.com.\n"
        "\n"
        ";; ADDITIONAL SECTION:\n"
        "ns1.example.com. 172800 IN A 198.51.100.53\n"
        ". 1 IN NS .\n";
    if (strcmp(t, want) != 0)
        fprintf(stderr, "text:\n%s", t);
    CU_ASSERT_STRING_EQUAL(t, want);
    g_free(t);

    /* TXT escapes: quote, backslash, bytes outside printable ASCII. */
    dns_rr rr = {.name = "t", .type = DNS_T_TXT, .rclass = DNS_CLASS_IN, .ttl = 0};
    uint8_t txt[] = {5, '"', '\\', 0, 0xe9, ' ', 1, 'x'};
    rr.rdata = txt;
    rr.rdlen = sizeof txt;
    t = dns_rr_to_text(&rr);
    CU_ASSERT_STRING_EQUAL(t, "t. 0 IN TXT \"\\\"\\\\\\000\\233 \" \"x\"");
    g_free(t);
    rr.rdlen = 3; /* not character strings any more: raw */
    t = dns_rr_to_text(&rr);
    CU_ASSERT_STRING_EQUAL(t, "t. 0 IN TXT \\# 3 05225c");
    g_free(t);
    rr.rclass = 7;
    rr.type = 0;
    t = dns_rr_to_text(&rr);
    CU_ASSERT_STRING_EQUAL(t, "t. 0 CLASS7 TYPE0 \\# 3 05225c");
    g_free(t);

    dns_msg_clear(&m);
    m.opcode = 3;
    m.rcode = 11;
    m.tc = true;
    t = dns_msg_to_text(&m);
    CU_ASSERT_STRING_EQUAL(t, ";; ->>HEADER<<- opcode: OPCODE3, status: RCODE11, id: 0\n"
                              ";; flags: tc; QUERY: 0, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0\n");
    g_free(t);
    dns_msg_clear(&m);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_real_packets),
        TEST(test_every_prefix),
        TEST(test_round_trip_every_type),
        TEST(test_compression_shrinks),
        TEST(test_compression_keeps_case),
        TEST(test_pointers),
        TEST(test_bad_rdata),
        TEST(test_bad_structure),
        TEST(test_truncation),
        TEST(test_encode_errors),
        TEST(test_tcp_reader),
        TEST(test_addresses),
        TEST(test_text),
    };
    return test_main("protocols/dns/msg", tests, G_N_ELEMENTS(tests));
}
