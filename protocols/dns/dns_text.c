/*
 * dns_text: the text forms of dns_msg.h: a record in master-file form
 * (dns_rr_to_text), an address (dns_rr_addr_text) and a whole message in
 * dig's layout (dns_msg_to_text), for logs, transcripts and tests.
 *
 * Names are written absolute, with their trailing dot ("." for the root).
 * Addresses are written here, not by GIO (the protocol library links only
 * GLib): IPv4 dotted, IPv6 in the compressed form of RFC 5952 (lower-case
 * hex, no leading zeros, the longest run of two or more zero groups as
 * "::", the first such run on a tie, and IPv4-mapped addresses as
 * ::ffff:a.b.c.d). TXT data is a list of quoted strings with '"' and '\'
 * escaped and bytes outside ' '..'~' written \DDD; types without a text
 * form here are written in the generic form of RFC 3597 (\# len hex).
 *
 * Every string returned is new (g_free). Costs: linear in the output.
 */
#include "dns_msg.h"

#include <string.h>

static void append_name(GString *s, const char *name)
{
    if (!name)
        g_string_append(s, "?");
    else if (!name[0])
        g_string_append_c(s, '.');
    else
        g_string_append_printf(s, "%s.", name);
}

static void append_ipv4(GString *s, const uint8_t *a)
{
    g_string_append_printf(s, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static void append_ipv6(GString *s, const uint8_t *a)
{
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (memcmp(a, mapped, 12) == 0) {
        g_string_append(s, "::ffff:");
        append_ipv4(s, a + 12);
        return;
    }
    int best = -1, best_len = 1; /* a single zero group is not compressed */
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            g_string_append(s, "::");
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            g_string_append_c(s, ':');
        g_string_append_printf(s, "%x", g[i]);
    }
}

char *dns_rr_addr_text(const dns_rr *rr)
{
    GString *s = g_string_new(NULL);
    if (rr->type == DNS_T_A)
        append_ipv4(s, rr->addr);
    else if (rr->type == DNS_T_AAAA)
        append_ipv6(s, rr->addr);
    else
        return (g_string_free(s, TRUE), NULL);
    return g_string_free(s, FALSE);
}

static bool txt_valid(const uint8_t *d, size_t len)
{
    if (len == 0 || !d)
        return false;
    size_t p = 0;
    while (p < len)
        p += 1 + (size_t)d[p];
    return p == len;
}

static void append_generic(GString *s, const uint8_t *d, size_t len)
{
    if (!d)
        len = 0;
    g_string_append_printf(s, "\\# %zu", len);
    if (len) {
        g_string_append_c(s, ' ');
        for (size_t i = 0; i < len; i++)
            g_string_append_printf(s, "%02x", d[i]);
    }
}

static void append_txt(GString *s, const uint8_t *d, size_t len)
{
    size_t p = 0;
    while (p < len) {
        size_t n = d[p++];
        if (p > 1)
            g_string_append_c(s, ' ');
        g_string_append_c(s, '"');
        for (size_t i = 0; i < n; i++, p++) {
            uint8_t c = d[p];
            if (c == '"' || c == '\\')
                g_string_append_printf(s, "\\%c", c);
            else if (c < ' ' || c > '~')
                g_string_append_printf(s, "\\%03u", (unsigned)c);
            else
                g_string_append_c(s, (char)c);
        }
        g_string_append_c(s, '"');
    }
}

static void append_class(GString *s, uint16_t c)
{
    switch (c) {
    case 1: g_string_append(s, "IN"); break;
    case 3: g_string_append(s, "CH"); break;
    case 4: g_string_append(s, "HS"); break;
    case 254: g_string_append(s, "NONE"); break;
    case 255: g_string_append(s, "ANY"); break;
    default: g_string_append_printf(s, "CLASS%u", (unsigned)c); break;
    }
}

static void append_type(GString *s, uint16_t t)
{
    const char *n = dns_type_name(t);
    if (n)
        g_string_append(s, n);
    else
        g_string_append_printf(s, "TYPE%u", (unsigned)t);
}

static void append_rdata(GString *s, const dns_rr *rr)
{
    switch (rr->type) {
    case DNS_T_A: append_ipv4(s, rr->addr); break;
    case DNS_T_AAAA: append_ipv6(s, rr->addr); break;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR: append_name(s, rr->target); break;
    case DNS_T_MX:
        g_string_append_printf(s, "%u ", (unsigned)rr->pref);
        append_name(s, rr->target);
        break;
    case DNS_T_SOA:
        append_name(s, rr->target);
        g_string_append_c(s, ' ');
        append_name(s, rr->rname);
        g_string_append_printf(s, " %u %u %u %u %u", rr->serial, rr->refresh, rr->retry,
                               rr->expire, rr->minimum);
        break;
    default:
        /* TXT that is not character strings is written as raw data. */
        if (rr->type == DNS_T_TXT && txt_valid(rr->rdata, rr->rdlen))
            append_txt(s, rr->rdata, rr->rdlen);
        else
            append_generic(s, rr->rdata, rr->rdlen);
        break;
    }
}

static void append_rr(GString *s, const dns_rr *rr)
{
    append_name(s, rr->name);
    g_string_append_printf(s, " %u ", rr->ttl);
    append_class(s, rr->rclass);
    g_string_append_c(s, ' ');
    append_type(s, rr->type);
    g_string_append_c(s, ' ');
    append_rdata(s, rr);
}

char *dns_rr_to_text(const dns_rr *rr)
{
    GString *s = g_string_new(NULL);
    append_rr(s, rr);
    return g_string_free(s, FALSE);
}

static const char *opcode_name(unsigned op)
{
    switch (op) {
    case 0: return "QUERY";
    case 1: return "IQUERY";
    case 2: return "STATUS";
    case 4: return "NOTIFY";
    case 5: return "UPDATE";
    default: return NULL;
    }
}

char *dns_msg_to_text(const dns_msg *m)
{
    GString *s = g_string_new(";; ->>HEADER<<- opcode: ");
    const char *op = opcode_name(m->opcode);
    if (op)
        g_string_append(s, op);
    else
        g_string_append_printf(s, "OPCODE%u", (unsigned)m->opcode);
    const char *rc = dns_rcode_name(m->rcode);
    if (rc)
        g_string_append_printf(s, ", status: %s", rc);
    else
        g_string_append_printf(s, ", status: RCODE%u", (unsigned)m->rcode);
    g_string_append_printf(s, ", id: %u\n;; flags:", (unsigned)m->id);
    const struct {
        bool on;
        const char *name;
    } flags[] = {{m->qr, "qr"}, {m->aa, "aa"}, {m->tc, "tc"}, {m->rd, "rd"},
                 {m->ra, "ra"}, {m->ad, "ad"}, {m->cd, "cd"}};
    for (size_t i = 0; i < G_N_ELEMENTS(flags); i++)
        if (flags[i].on)
            g_string_append_printf(s, " %s", flags[i].name);
    /* Like dig, ADDITIONAL counts the OPT record. */
    g_string_append_printf(s, "; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: %u\n",
                           m->has_question ? 1u : 0u, dns_msg_count(m, DNS_SEC_ANSWER),
                           dns_msg_count(m, DNS_SEC_AUTHORITY),
                           dns_msg_count(m, DNS_SEC_ADDITIONAL) + (m->edns ? 1u : 0u));
    if (m->edns)
        g_string_append_printf(s, "\n;; OPT PSEUDOSECTION:\n; EDNS: version: %u, flags:%s; udp: %u\n",
                               (unsigned)m->edns_version, m->edns_do ? " do" : "",
                               (unsigned)m->edns_udp_size);
    if (m->has_question) {
        g_string_append(s, "\n;; QUESTION SECTION:\n;");
        append_name(s, m->qname);
        g_string_append_c(s, ' ');
        append_class(s, m->qclass);
        g_string_append_c(s, ' ');
        append_type(s, m->qtype);
        g_string_append_c(s, '\n');
    }
    static const char *const titles[DNS_SEC__COUNT] = {"ANSWER", "AUTHORITY", "ADDITIONAL"};
    for (int sec = 0; sec < DNS_SEC__COUNT; sec++) {
        guint n = dns_msg_count(m, (dns_section)sec);
        if (n == 0)
            continue;
        g_string_append_printf(s, "\n;; %s SECTION:\n", titles[sec]);
        for (guint i = 0; i < n; i++) {
            append_rr(s, dns_msg_rr(m, (dns_section)sec, i));
            g_string_append_c(s, '\n');
        }
    }
    return g_string_free(s, FALSE);
}
