/*
 * dns_msg: DNS messages (RFC 1035 section 4, AAAA of RFC 3596, the OPT
 * pseudo-record of EDNS(0), RFC 6891), decoded from and encoded to the
 * wire, and the 2-byte length framing of DNS over TCP (RFC 1035 4.2.2,
 * RFC 7766).
 *
 * A message is a plain struct: the header's fields, at most one question
 * (RFC 9619: a message with QDCOUNT > 1 is a format error), and three
 * sections of resource records. Names are in the canonical presentation
 * form of dns_name.h. The OPT record is not kept in the additional
 * section: its fields are the message's `edns*` fields.
 *
 * Decoding is total: any byte string gives either a message or a status
 * saying what is wrong, never a read out of bounds, a loop or a leak.
 * Compression pointers must point backwards (strictly before the name
 * being read), which rules out loops; a name is at most 255 wire bytes.
 * Record types appsim does not know are kept with their raw RDATA.
 *
 * Encoding compresses names (owner names and the names inside NS, CNAME,
 * PTR, MX and SOA data, as RFC 1035 4.1.4 and RFC 3597 allow) and fits
 * the message to a size limit: records that do not fit are left out, in
 * order from the end; leaving out any record of the answer or authority
 * section sets TC (leaving out additional records does not, RFC 2181
 * 9). The OPT record, when `edns`, is always kept.
 *
 * Ownership: dns_msg_init/dns_msg_clear for a message (embedded or on the
 * stack); the strings and arrays inside belong to the message
 * (dns_msg_add_rr copies nothing in: fill the returned record's fields
 * with g_strdup'ed strings and g_malloc'ed rdata). dns_tcp_reader:
 * _init/_clear.
 */
#ifndef APPSIM_DNS_MSG_H
#define APPSIM_DNS_MSG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_name.h"

/* Record types (RFC 1035 3.2.2, RFC 3596, RFC 6891). */
enum {
    DNS_T_A = 1,
    DNS_T_NS = 2,
    DNS_T_CNAME = 5,
    DNS_T_SOA = 6,
    DNS_T_PTR = 12,
    DNS_T_MX = 15,
    DNS_T_TXT = 16,
    DNS_T_AAAA = 28,
    DNS_T_OPT = 41,
    DNS_T_ANY = 255,
};
#define DNS_CLASS_IN 1

/* Response codes (RFC 1035 4.1.1; with EDNS the upper 8 bits of 12 come
 * from the OPT record). */
enum {
    DNS_RCODE_NOERROR = 0,
    DNS_RCODE_FORMERR = 1,
    DNS_RCODE_SERVFAIL = 2,
    DNS_RCODE_NXDOMAIN = 3,
    DNS_RCODE_NOTIMP = 4,
    DNS_RCODE_REFUSED = 5,
    DNS_RCODE_BADVERS = 16,
};

#define DNS_OPCODE_QUERY 0
#define DNS_PORT 53
#define DNS_UDP_MAX_PLAIN 512  /* a UDP message without EDNS (RFC 1035 4.2.1) */
#define DNS_MSG_MAX 65535      /* any message (the TCP length prefix) */
#define DNS_HEADER_LEN 12

/* "A", "NS", ... or "TYPE123" (RFC 3597) in a static buffer-free form:
 * unknown types return NULL. */
const char *dns_type_name(uint16_t type);
/* The type named `text` ("A", "mx", "TYPE99"), or 0 when unknown. */
uint16_t dns_type_parse(const char *text);
/* "NOERROR", "NXDOMAIN", ...; NULL for codes without a name. */
const char *dns_rcode_name(uint16_t rcode);

typedef enum { DNS_SEC_ANSWER, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL, DNS_SEC__COUNT } dns_section;

/* One resource record. Which fields are used depends on `type`:
 * A: addr[0..3]; AAAA: addr[0..15]; NS, CNAME, PTR: target; MX: pref and
 * target (the exchange); SOA: target (MNAME), rname and the five numbers;
 * TXT and unknown types: rdata/rdlen, the raw RDATA (TXT: its
 * length-prefixed character strings). */
typedef struct {
    char *name;
    uint16_t type;
    uint16_t rclass;
    uint32_t ttl;
    uint8_t addr[16];
    char *target;
    uint16_t pref;
    char *rname;
    uint32_t serial, refresh, retry, expire, minimum;
    uint8_t *rdata;
    uint16_t rdlen;
} dns_rr;

typedef struct {
    uint16_t id;
    bool qr, aa, tc, rd, ra, ad, cd;
    uint8_t opcode;      /* 4 bits */
    uint16_t rcode;      /* 12 bits: 4 in the header, 8 in the OPT record */
    bool has_question;
    char *qname;
    uint16_t qtype, qclass;
    GArray *sec[DNS_SEC__COUNT]; /* of dns_rr; never NULL after init */
    bool edns;           /* an OPT record is present */
    uint16_t edns_udp_size; /* the sender's UDP payload size (values below 512 mean 512) */
    uint8_t edns_version;
    bool edns_do;        /* the DNSSEC OK bit (carried, not acted on) */
} dns_msg;

void dns_msg_init(dns_msg *m);
/* Frees what the message holds and leaves it initialised and empty. */
void dns_msg_clear(dns_msg *m);
/* Sets the question (the name is copied and canonicalised by the caller). */
void dns_msg_set_question(dns_msg *m, const char *qname, uint16_t qtype, uint16_t qclass);
/* A new zeroed record at the end of `sec` (class IN), valid until the next
 * add to that section. */
dns_rr *dns_msg_add_rr(dns_msg *m, dns_section sec);
/* A deep copy of `src` appended to `sec`. */
dns_rr *dns_msg_add_copy(dns_msg *m, dns_section sec, const dns_rr *src);
guint dns_msg_count(const dns_msg *m, dns_section sec);
dns_rr *dns_msg_rr(const dns_msg *m, dns_section sec, guint i);

/* Record helpers. */
void dns_rr_copy(dns_rr *dst, const dns_rr *src); /* deep; dst is overwritten, not cleared */
void dns_rr_clear(dns_rr *rr);
/* True when the two records have the same name (ignoring case), type,
 * class and data (the TTL is not compared). */
bool dns_rr_same_data(const dns_rr *a, const dns_rr *b);
/* The record in master-file form, e.g. "www.example.com. 3600 IN A
 * 192.0.2.1" (names absolute with their trailing dot). New string. */
char *dns_rr_to_text(const dns_rr *rr);
/* The address of an A or AAAA record as text ("192.0.2.1", "2001:db8::1"). */
char *dns_rr_addr_text(const dns_rr *rr);

/* What decoding found. */
typedef enum {
    DNS_OK = 0,
    DNS_E_SHORT,      /* the bytes end inside the header, a name or a record */
    DNS_E_TRAILING,   /* bytes left after the last record */
    DNS_E_POINTER,    /* a compression pointer that does not point backwards (a loop) */
    DNS_E_LABEL,      /* a label type other than 0 and pointer (0x40, 0x80) */
    DNS_E_NAME_LONG,  /* a name over 255 wire bytes */
    DNS_E_RDATA,      /* RDATA whose length does not fit its type (A not 4 bytes...) */
    DNS_E_QDCOUNT,    /* more than one question */
    DNS_E_OPT,        /* an OPT record that is not in the additional section, not
                         owned by the root, or not the only one */
    DNS_E_TOO_BIG,    /* (encoding) the header and question alone exceed the limit */
    DNS_E_BAD_FIELD,  /* (encoding) a name that is not canonical, rdata too long */
} dns_status;

const char *dns_status_name(dns_status s);

/* Decodes `len` bytes into `out` (initialised by the caller, cleared
 * first). On an error `out` is left cleared, except that when the header
 * could be read its id, opcode and rd are kept (so that a server can
 * answer FORMERR). O(len). */
dns_status dns_msg_decode(const uint8_t *buf, size_t len, dns_msg *out);

/* Appends the wire form of `m`, at most `max` bytes (512..65535; see the
 * file comment for what is left out and when TC is set) to `out`. Sets
 * *truncated (may be NULL) when records were left out. O(size * number of
 * names) for compression. */
dns_status dns_msg_encode(const dns_msg *m, size_t max, GByteArray *out, bool *truncated);

/* A multi-line human-readable form, like dig's: the header line, flags,
 * the question and each section in master-file form. New string. */
char *dns_msg_to_text(const dns_msg *m);

/* ---- DNS over TCP: 2-byte big-endian length, then the message ---- */

/* Appends the framed message to `out`. */
dns_status dns_msg_encode_tcp(const dns_msg *m, GByteArray *out);

/* A sans-IO reader of a TCP byte stream: feed any split of the bytes;
 * each complete message comes out of dns_tcp_reader_next. A length
 * prefix of 0 or under 12 is an error (the stream is unusable). At most
 * one message (65,537 bytes) is buffered. */
typedef struct {
    GByteArray *buf;
    bool failed;
    bool consumed; /* the buffered message was handed out; dropped at the next feed */
} dns_tcp_reader;

void dns_tcp_reader_init(dns_tcp_reader *r);
void dns_tcp_reader_clear(dns_tcp_reader *r);
/* Takes bytes up to the end of the next message; returns how many it took.
 * Call again with the rest after taking a message out. */
size_t dns_tcp_reader_feed(dns_tcp_reader *r, const uint8_t *data, size_t len);
/* When a whole message is buffered: true, with *msg and *len pointing into
 * the reader (valid until the next feed); the message is then consumed. */
bool dns_tcp_reader_next(dns_tcp_reader *r, const uint8_t **msg, size_t *len);
bool dns_tcp_reader_failed(const dns_tcp_reader *r);

#endif
