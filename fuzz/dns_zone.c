/*
 * Fuzz target dns_zone: the master-file reader (protocols/dns/dns_zone.c)
 * and the authoritative answers over what it read (dns_auth.c).
 *
 * Input: master-file text, read with the origin "example.com" (the whole
 * input, NUL bytes included: the reader must refuse them, not stop).
 *
 * Invariants:
 *   - the reader gives a zone or an error, never both; an error of the
 *     zone domain is located: "zone:LINE:COLUMN: ..." and says what was
 *     expected ("expected");
 *   - a zone read has its SOA and NS at the apex, every owner at or below
 *     the origin, owners' record counts adding up to the zone's count, and
 *     each owner found again by name;
 *   - for every owner, a query of type A and one of type ANY are answered
 *     with qr set and the question copied; an answer carries the AA bit
 *     exactly when it is not a referral, and a negative answer's SOA TTL
 *     is at most the SOA's MINIMUM.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/dns/dns_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_answer(const dns_auth *a, const char *name, uint16_t type)
{
    dns_msg q, r;
    dns_msg_init(&q);
    dns_msg_init(&r);
    q.id = 99;
    dns_msg_set_question(&q, name, type, DNS_CLASS_IN);
    dns_auth_answer(a, &q, &r);
    FUZZ_CHECK(r.qr && r.id == 99 && r.has_question && strcmp(r.qname, name) == 0, "header");
    bool referral = r.rcode == DNS_RCODE_NOERROR && dns_msg_count(&r, DNS_SEC_ANSWER) == 0 &&
                    dns_msg_count(&r, DNS_SEC_AUTHORITY) > 0 &&
                    dns_msg_rr(&r, DNS_SEC_AUTHORITY, 0)->type == DNS_T_NS;
    FUZZ_CHECK(r.aa != referral || r.rcode == DNS_RCODE_REFUSED, "AA and referral for %s", name);
    for (guint i = 0; i < dns_msg_count(&r, DNS_SEC_AUTHORITY); i++) {
        const dns_rr *rr = dns_msg_rr(&r, DNS_SEC_AUTHORITY, i);
        if (rr->type == DNS_T_SOA)
            FUZZ_CHECK(rr->ttl <= rr->minimum, "negative TTL above MINIMUM");
    }
    dns_msg_clear(&q);
    dns_msg_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GError *err = NULL;
    dns_zone *z = dns_zone_parse((const char *)data, size, NULL, "example.com", &err);
    FUZZ_CHECK((z == NULL) != (err == NULL), "a zone and an error at once, or neither");
    if (!z) {
        if (err->domain == DNS_ZONE_ERROR) {
            unsigned line = 0, col = 0;
            FUZZ_CHECK(sscanf(err->message, "zone:%u:%u:", &line, &col) == 2 && line >= 1 && col >= 1,
                       "unlocated error: %s", err->message);
            FUZZ_CHECK(strstr(err->message, "expected") != NULL, "no 'expected': %s", err->message);
        }
        g_error_free(err);
        return 0;
    }
    FUZZ_CHECK(dns_zone_check(z, NULL), "an incomplete zone was accepted");
    guint total = 0;
    for (guint i = 0; i < dns_zone_owners(z); i++) {
        const char *name;
        guint n, m;
        const dns_rr *rr = dns_zone_owner_at(z, i, &name, &n);
        FUZZ_CHECK(n > 0 && dns_name_is_under(name, dns_zone_origin(z)), "owner %s", name);
        FUZZ_CHECK(dns_zone_find(z, name, &m) == rr && m == n, "owner %s not found again", name);
        FUZZ_CHECK(dns_zone_name_exists(z, name), "owner %s does not exist", name);
        total += n;
    }
    FUZZ_CHECK(total == dns_zone_count(z), "counts");
    /* The names are copied before the zone goes into the set. */
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < dns_zone_owners(z) && i < 64; i++) {
        const char *name;
        guint n;
        dns_zone_owner_at(z, i, &name, &n);
        g_ptr_array_add(names, g_strdup(name));
    }
    dns_auth *a = dns_auth_new();
    FUZZ_CHECK(dns_auth_add_zone(a, z, NULL), "the set refused a checked zone");
    for (guint i = 0; i < names->len; i++) {
        check_answer(a, g_ptr_array_index(names, i), DNS_T_A);
        check_answer(a, g_ptr_array_index(names, i), DNS_T_ANY);
    }
    g_ptr_array_unref(names);
    dns_auth_free(a);
    return 0;
}
