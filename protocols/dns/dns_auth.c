/*
 * dns_auth: a set of zones and the authoritative answer to a query (see
 * dns_auth.h). Zones are kept in insertion order and hashed by their
 * lower-case origin; the most specific zone of a name is found by trying
 * the name and then each of its ancestors.
 */
#include "dns_auth.h"

#include <string.h>

G_DEFINE_QUARK(appsim-dns-auth-error-quark, dns_auth_error)

struct dns_auth {
    GPtrArray *zones;    /* of dns_zone*, owned, in insertion order */
    GHashTable *by_name; /* lower-case origin -> dns_zone*; lookup only */
    uint16_t udp_size;
};

dns_auth *dns_auth_new(void)
{
    dns_auth *a = g_new0(dns_auth, 1);
    a->zones = g_ptr_array_new_with_free_func((GDestroyNotify)dns_zone_free);
    a->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    a->udp_size = DNS_AUTH_UDP_SIZE;
    return a;
}

void dns_auth_free(dns_auth *a)
{
    if (!a)
        return;
    g_hash_table_unref(a->by_name);
    g_ptr_array_unref(a->zones);
    g_free(a);
}

bool dns_auth_add_zone(dns_auth *a, dns_zone *z, GError **err)
{
    if (!dns_zone_check(z, err))
        return false;
    char *k = dns_name_key(dns_zone_origin(z));
    if (g_hash_table_contains(a->by_name, k)) {
        g_set_error(err, DNS_AUTH_ERROR, DNS_AUTH_ERROR_DUPLICATE,
                    "a second zone %s., expected one zone per origin", dns_zone_origin(z));
        g_free(k);
        return false;
    }
    g_hash_table_insert(a->by_name, k, z);
    g_ptr_array_add(a->zones, z);
    return true;
}

guint dns_auth_zone_count(const dns_auth *a) { return a->zones->len; }
const dns_zone *dns_auth_zone_at(const dns_auth *a, guint i) { return g_ptr_array_index(a->zones, i); }

void dns_auth_set_udp_size(dns_auth *a, uint16_t size) { a->udp_size = MAX(size, DNS_UDP_MAX_PLAIN); }

const dns_zone *dns_auth_find_zone(const dns_auth *a, const char *name)
{
    char *k = dns_name_key(name);
    const dns_zone *z = NULL;
    for (const char *p = k;; p = dns_name_parent(p)) {
        if ((z = g_hash_table_lookup(a->by_name, p)) || !*p)
            break;
    }
    g_free(k);
    return z;
}

/* ---- building the response ------------------------------------------------ */

/* Appends a copy of `rr` to `sec` unless the section already holds it. */
static void add_unique(dns_msg *m, dns_section sec, const dns_rr *rr)
{
    for (guint i = 0; i < dns_msg_count(m, sec); i++)
        if (dns_rr_same_data(dns_msg_rr(m, sec, i), rr))
            return;
    dns_msg_add_copy(m, sec, rr);
}

/* The A and AAAA records of `target` that a zone of this server holds
 * (`only`: that zone alone, for glue), into additional. */
static void add_addresses(const dns_auth *a, const dns_zone *only, dns_msg *m, const char *target)
{
    const dns_zone *z = only ? only : dns_auth_find_zone(a, target);
    if (!z || !dns_name_is_under(target, dns_zone_origin(z)))
        return;
    guint n;
    const dns_rr *rr = dns_zone_find(z, target, &n);
    for (uint16_t t = DNS_T_A;; t = DNS_T_AAAA) {
        for (guint i = 0; i < n; i++)
            if (rr[i].type == t)
                add_unique(m, DNS_SEC_ADDITIONAL, &rr[i]);
        if (t == DNS_T_AAAA)
            break;
    }
}

/* The zone's SOA in authority with the negative TTL (RFC 2308 3). */
static void add_negative_soa(const dns_zone *z, dns_msg *m)
{
    const dns_rr *soa = dns_zone_soa(z);
    if (!soa)
        return;
    dns_rr *c = dns_msg_add_copy(m, DNS_SEC_AUTHORITY, soa);
    c->ttl = MIN(soa->ttl, soa->minimum);
}

/* A referral to the cut `cut` of zone `z`: its NS set, and glue. */
static void add_referral(const dns_auth *a, const dns_zone *z, const char *cut, dns_msg *m)
{
    guint n;
    const dns_rr *rr = dns_zone_find(z, cut, &n);
    for (guint i = 0; i < n; i++)
        if (rr[i].type == DNS_T_NS)
            add_unique(m, DNS_SEC_AUTHORITY, &rr[i]);
    for (guint i = 0; i < n; i++)
        if (rr[i].type == DNS_T_NS)
            add_addresses(a, z, m, rr[i].target);
}

static bool meta_notimp(uint16_t t) { return t == 251 || t == 252 || t == 253 || t == 254; }

void dns_auth_answer(const dns_auth *a, const dns_msg *q, dns_msg *resp)
{
    dns_msg_clear(resp);
    resp->id = q->id;
    resp->qr = true;
    resp->opcode = q->opcode;
    resp->rd = q->rd;
    resp->cd = q->cd;
    if (q->has_question)
        dns_msg_set_question(resp, q->qname, q->qtype, q->qclass);
    if (q->edns) {
        resp->edns = true;
        resp->edns_udp_size = a->udp_size;
        resp->edns_version = 0;
    }
    if (q->opcode != DNS_OPCODE_QUERY) {
        resp->rcode = DNS_RCODE_NOTIMP;
        return;
    }
    if (q->edns && q->edns_version > 0) {
        resp->rcode = DNS_RCODE_BADVERS;
        return;
    }
    if (!q->has_question || !q->qname || q->qtype == DNS_T_OPT) {
        resp->rcode = DNS_RCODE_FORMERR;
        return;
    }
    if (meta_notimp(q->qtype)) {
        resp->rcode = DNS_RCODE_NOTIMP;
        return;
    }
    if (q->qclass != DNS_CLASS_IN) {
        resp->rcode = DNS_RCODE_REFUSED;
        return;
    }
    const dns_zone *z = dns_auth_find_zone(a, q->qname);
    if (!z) {
        resp->rcode = DNS_RCODE_REFUSED;
        return;
    }
    const char *name = q->qname;
    const char *seen[DNS_AUTH_CHAIN_MAX + 1];
    int chain = 0;
    seen[0] = name;
    for (;;) {
        const char *cut = dns_zone_cut(z, name);
        if (cut) {
            /* A referral; after a CNAME the answer keeps its AA and the
             * delegation of the target comes with it. */
            if (chain == 0)
                resp->aa = false;
            add_referral(a, z, cut, resp);
            resp->rcode = DNS_RCODE_NOERROR;
            return;
        }
        resp->aa = true;
        guint n;
        const dns_rr *rr = dns_zone_find(z, name, &n);
        const dns_rr *cname = NULL;
        for (guint i = 0; i < n; i++)
            if (rr[i].type == DNS_T_CNAME)
                cname = &rr[i];
        if (cname && q->qtype != DNS_T_CNAME && q->qtype != DNS_T_ANY) {
            dns_msg_add_copy(resp, DNS_SEC_ANSWER, cname);
            const char *next = cname->target;
            bool loop = false;
            for (int i = 0; i <= chain; i++)
                if (dns_name_eq(seen[i], next))
                    loop = true;
            if (loop || chain + 1 >= DNS_AUTH_CHAIN_MAX)
                break;
            const dns_zone *nz = dns_auth_find_zone(a, next);
            if (!nz)
                break; /* leaves this server's zones: the resolver asks on */
            seen[++chain] = next;
            name = next;
            z = nz;
            continue;
        }
        guint matched = 0;
        for (guint i = 0; i < n; i++) {
            if (q->qtype != DNS_T_ANY && rr[i].type != q->qtype)
                continue;
            dns_msg_add_copy(resp, DNS_SEC_ANSWER, &rr[i]);
            matched++;
        }
        if (matched) {
            for (guint i = 0; i < n; i++)
                if ((rr[i].type == DNS_T_MX || rr[i].type == DNS_T_NS) &&
                    (q->qtype == DNS_T_ANY || rr[i].type == q->qtype))
                    add_addresses(a, NULL, resp, rr[i].target);
            resp->rcode = DNS_RCODE_NOERROR;
            return;
        }
        add_negative_soa(z, resp);
        resp->rcode = n > 0 || dns_zone_name_exists(z, name) ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN;
        return;
    }
    resp->rcode = DNS_RCODE_NOERROR;
}
