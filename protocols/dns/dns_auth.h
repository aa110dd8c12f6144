/*
 * dns_auth: the answers of an authoritative name server, at the level of
 * message structs (no bytes, no sockets): a set of zones and the response
 * to one decoded query, as RFC 1034 section 4.3.2 describes it for a
 * server that does not recurse.
 *
 * Usage: dns_auth_new(), dns_auth_add_zone() for each zone (the set takes
 * it), then dns_auth_answer() for every query. The server application
 * (dns_server.h) decodes, answers through this module and encodes.
 *
 * The response, in the order it is decided:
 * - the header: id, opcode, rd and the question copied from the query, qr
 *   set; with EDNS (the query had an OPT record) an OPT record is echoed
 *   with the server's UDP size (dns_auth_set_udp_size, default 1232);
 * - opcode other than QUERY: NOTIMP; an OPT of version above 0: BADVERS
 *   (RFC 6891 6.1.3); no question: FORMERR; a question of type OPT:
 *   FORMERR; AXFR, IXFR, MAILA, MAILB: NOTIMP (zone transfers are not
 *   served); class not IN: REFUSED; a name in none of the zones: REFUSED
 *   (the server answers for its zones only, it is not an open resolver);
 * - the zone is the most specific one holding the name (a child zone
 *   served beside its parent wins over the parent's delegation);
 * - a name at or below a zone cut: a referral (AA clear, NOERROR, the
 *   cut's NS set in the authority section, the addresses of its name
 *   servers that lie inside the delegating zone, glue, in additional);
 * - an owner with records of the type (ANY: every record at the owner):
 *   AA, NOERROR, the RRset in the answer section;
 * - an owner with a CNAME, the type not CNAME or ANY: the CNAME goes in
 *   the answer and the lookup goes on at its target, in the same zone or
 *   any other zone of this server; at most DNS_AUTH_CHAIN_MAX (8) CNAMEs,
 *   and a chain that comes back to a name it has seen stops (both answer
 *   NOERROR with the CNAMEs so far). A target outside every zone ends
 *   the answer there (the resolver asks on). The rcode and the authority
 *   section are those of the last name of the chain (RFC 6604);
 * - a name that exists (an owner, or an empty non-terminal) without
 *   records of the type: NODATA: AA, NOERROR, no answer, the zone's SOA
 *   in authority;
 * - a name that does not exist: NXDOMAIN, AA, the SOA in authority.
 *   The SOA of a negative answer carries the TTL min(SOA TTL, SOA
 *   MINIMUM) (RFC 2308 section 3);
 * - answers of type MX and NS carry the A and AAAA records of their
 *   targets in additional when a zone of this server has them (one copy
 *   of each record).
 *
 * Not implemented: wildcards (RFC 4592: "*" is an ordinary label here),
 * DNSSEC, zone transfers, NOTIFY, UPDATE.
 *
 * Costs: finding the zone is O(labels * length of the name); an answer is
 * O(records in it * length of the names), the CNAME chain bounded at 8.
 *
 * Ownership: dns_auth_new/dns_auth_free; the set owns its zones. The
 * query is borrowed; the response is the caller's (initialised by the
 * caller; cleared first).
 */
#ifndef APPSIM_DNS_AUTH_H
#define APPSIM_DNS_AUTH_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns_msg.h"
#include "dns_zone.h"

#define DNS_AUTH_CHAIN_MAX 8
#define DNS_AUTH_UDP_SIZE 1232 /* the EDNS size advertised by default */

#define DNS_AUTH_ERROR (dns_auth_error_quark())
GQuark dns_auth_error_quark(void);
typedef enum { DNS_AUTH_ERROR_DUPLICATE } dns_auth_error_code;

typedef struct dns_auth dns_auth;

dns_auth *dns_auth_new(void);
void dns_auth_free(dns_auth *a);

/* Adds a zone, which the set takes on success (on failure the caller
 * keeps it): fails when the zone is incomplete (dns_zone_check) or when a
 * zone of the same origin is already there. */
bool dns_auth_add_zone(dns_auth *a, dns_zone *z, GError **err);
guint dns_auth_zone_count(const dns_auth *a);
/* The zones in the order added. */
const dns_zone *dns_auth_zone_at(const dns_auth *a, guint i);
/* The most specific zone that holds `name`, or NULL. */
const dns_zone *dns_auth_find_zone(const dns_auth *a, const char *name);

/* The UDP payload size put in the OPT record of responses (512..65535). */
void dns_auth_set_udp_size(dns_auth *a, uint16_t size);

/* Fills `resp` with the response to `query` (see the file comment). */
void dns_auth_answer(const dns_auth *a, const dns_msg *query, dns_msg *resp);

#endif
