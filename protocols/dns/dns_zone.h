/*
 * dns_zone: one authoritative zone, the data an authoritative server
 * answers from (dns_auth.h).
 *
 * A zone has an origin (its apex name) and records, each an owned copy
 * of a dns_rr. It is built either through the API (dns_zone_new, then
 * dns_zone_add for every record, then dns_zone_check), as the scenario
 * loader does, or from master-file text (dns_zone_parse, RFC 1035
 * section 5.1 as BIND and NSD read it), which does the same three steps.
 *
 * What a zone accepts (dns_zone_add refuses the rest with a GError of
 * DNS_ZONE_ERROR, "what, expected what"):
 * - names in any spelling dns_name_canon accepts; they are stored in its
 *   canonical form (case kept, compared without case);
 * - class IN only; any type but OPT, ANY and the zone transfer types;
 * - only names at or below the origin ("records outside the origin");
 * - exactly one SOA, at the apex (dns_zone_check requires it, and an NS
 *   set at the apex);
 * - no CNAME beside other data at one owner, and at most one CNAME there
 *   (RFC 1034 3.6.2, RFC 2181 10.1);
 * - a record equal to one already there (same owner, type and data, the
 *   TTL aside) is dropped: an RRset is a set (RFC 2181 5).
 * NS records below the apex mark a zone cut (a delegation); every record
 * at or below a cut other than the cut's NS set and the glue (addresses of
 * name servers) is occluded: it is kept, but dns_auth answers a name at or
 * below a cut with a referral, never with such a record (dns_zone_cut).
 *
 * The master-file reader takes: $ORIGIN and $TTL lines ($INCLUDE and
 * $GENERATE are refused); "@" for the current origin; relative names
 * (the current origin is appended) and absolute ones (ending in a dot);
 * an owner left out (a line starting with a space or tab: the previous
 * record's owner); TTL and class left out, or given in either order; TTLs
 * as seconds or with BIND's units (1w2d3h4m5s), at most 2^31 - 1 (RFC
 * 2181 8); parentheses spanning lines; ";" comments; the types A, AAAA,
 * NS, CNAME, SOA, PTR, MX and TXT, TXT data as quoted or unquoted
 * strings with \X and \DDD escapes (each at most 255 bytes). A record
 * without a TTL takes the $TTL, else the last TTL written (RFC 1035), else
 * for the SOA its MINIMUM field, which then stands as the last TTL written
 * (as BIND does); otherwise it is an error.
 * Errors are "file:line:column: what, expected what", line and column
 * counted from 1 (columns in bytes).
 *
 * Lookups hash the owner name without case: finding an owner's records,
 * whether a name exists (an owner or an empty non-terminal: a name with
 * no records but records below it) are O(length of the name); finding a
 * zone cut is O(labels * length). Records of an owner stay in insertion
 * order, owners in order of their first record: nothing depends on the
 * order of a hash table.
 *
 * Limits: at most DNS_ZONE_MAX_RECORDS records (1,000,000) and
 * DNS_ZONE_MAX_TEXT bytes (100 MB) of master-file text per zone; names
 * as dns_name.h; TXT and unknown data at most 65,535 bytes.
 *
 * Wildcards (RFC 4592) are not interpreted: an owner "*.example.com" is
 * an ordinary name.
 *
 * Ownership: dns_zone_new/dns_zone_parse -> dns_zone_free. Records added
 * are copied; records and names returned are borrowed from the zone and
 * valid until it changes or is freed.
 */
#ifndef APPSIM_DNS_ZONE_H
#define APPSIM_DNS_ZONE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_msg.h"

#define DNS_ZONE_MAX_RECORDS 1000000u
#define DNS_ZONE_MAX_TEXT ((size_t)100 * 1000 * 1000)
/* The largest TTL (RFC 2181 8). */
#define DNS_TTL_MAX 2147483647u

#define DNS_ZONE_ERROR (dns_zone_error_quark())
GQuark dns_zone_error_quark(void);
typedef enum {
    DNS_ZONE_ERROR_SYNTAX,  /* master-file text that cannot be read */
    DNS_ZONE_ERROR_DATA,    /* a record the zone cannot hold (outside the
                             * origin, CNAME and other data, a second SOA) */
    DNS_ZONE_ERROR_MISSING, /* no SOA or no NS at the apex */
    DNS_ZONE_ERROR_LIMIT,   /* over DNS_ZONE_MAX_RECORDS or DNS_ZONE_MAX_TEXT */
} dns_zone_error_code;

typedef struct dns_zone dns_zone;

/* An empty zone for `origin` (any spelling dns_name_canon accepts; "."
 * is the root), or NULL with `err` when it is not a name. */
dns_zone *dns_zone_new(const char *origin, GError **err);
void dns_zone_free(dns_zone *z);

/* Adds a copy of `rr` (see the file comment for what is refused). A
 * duplicate is dropped and is not an error (found through a hash of every
 * record's identity). O(length of the names and the data). */
bool dns_zone_add(dns_zone *z, const dns_rr *rr, GError **err);

/* True when the zone is complete: one SOA and an NS set at the apex. */
bool dns_zone_check(const dns_zone *z, GError **err);

/* Reads a zone from master-file text of `len` bytes (NUL bytes refused).
 * `file` names the text in errors (NULL: "zone"); `origin` is the zone's
 * origin and the first current origin; NULL takes the owner of the first
 * record, which must then be the SOA and be absolute (or follow a
 * $ORIGIN). The result has passed dns_zone_check. O(len + records). */
dns_zone *dns_zone_parse(const char *text, size_t len, const char *file, const char *origin,
                         GError **err);

/* The origin, canonical. */
const char *dns_zone_origin(const dns_zone *z);
/* The number of records. */
guint dns_zone_count(const dns_zone *z);
/* The SOA record, or NULL while there is none. */
const dns_rr *dns_zone_soa(const dns_zone *z);

/* The records owned by `name` (canonical; case ignored), in insertion
 * order: a pointer to the first and their number in *n, or NULL (*n = 0)
 * when the name owns none. Cuts are not looked at (glue is found). */
const dns_rr *dns_zone_find(const dns_zone *z, const char *name, guint *n);
/* True when `name` owns records or is an empty non-terminal of the zone
 * (some owner is below it, and it is at or below the origin). */
bool dns_zone_name_exists(const dns_zone *z, const char *name);
/* The zone cut that `name` is at or below: the owner of the NS set
 * closest to the apex on the way from the apex down to `name` (the apex
 * itself excluded), borrowed; NULL when `name` is not below a cut. */
const char *dns_zone_cut(const dns_zone *z, const char *name);

/* The owners in order of their first record: the number of owners, and
 * the i-th one's name and records. */
guint dns_zone_owners(const dns_zone *z);
const dns_rr *dns_zone_owner_at(const dns_zone *z, guint i, const char **name, guint *n);

/* True when both zones have the same origin and the same records (data
 * and TTL) in the same order. O(records). */
bool dns_zone_equal(const dns_zone *a, const dns_zone *b);

/* Parses an IPv6 address in text form (RFC 4291 2.2: groups of up to
 * four hex digits, one "::", a dotted IPv4 tail) of `len` bytes. */
bool dns_parse_ipv6(const char *s, size_t len, uint8_t out[16]);
/* Parses a dotted-quad IPv4 address of `len` bytes. */
bool dns_parse_ipv4(const char *s, size_t len, uint8_t out[4]);

#endif
