/*
 * dns_name: domain names in presentation form, the form every other DNS
 * module, the zones, the scenario and the logs use.
 *
 * A name is a C string of labels separated by dots, without the trailing
 * dot of the root: "www.example.com"; the root itself is "". Inside a
 * label, a dot is written "\.", a backslash "\\", and any byte outside
 * '!'..'~' as "\DDD" (three decimal digits), as RFC 1035 section 5.1
 * writes them; this is the canonical form the wire decoder produces, and
 * dns_name_canon() turns any accepted spelling into it. Case is kept (DNS
 * preserves it) and ignored by every comparison (ASCII only, RFC 4343).
 *
 * Limits: a label is 1 to 63 bytes, a whole name at most 255 bytes in wire
 * form (DNS_NAME_WIRE_MAX, the length bytes and the root's zero included).
 *
 * Ownership: returned strings are new (g_free); inputs are borrowed.
 * Costs: every function is O(length of its names).
 */
#ifndef APPSIM_DNS_NAME_H
#define APPSIM_DNS_NAME_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_LABEL_MAX 63
#define DNS_NAME_WIRE_MAX 255
/* The longest canonical presentation form: 255 wire bytes where every
 * byte is written "\DDD". */
#define DNS_NAME_TEXT_MAX (4 * DNS_NAME_WIRE_MAX)

/* Errors of names a user wrote (GError domain). */
#define DNS_NAME_ERROR (dns_name_error_quark())
GQuark dns_name_error_quark(void);
typedef enum { DNS_NAME_ERROR_SYNTAX, DNS_NAME_ERROR_TOO_LONG } dns_name_error_code;

/* The canonical form of `text` (a trailing dot is accepted and dropped;
 * "." and "" are the root), or NULL with `err` when it is not a name: an
 * empty label, a label over 63 bytes, a name over 255 wire bytes, a bad
 * escape. */
char *dns_name_canon(const char *text, GError **err);

/* The name's labels, unescaped, into `labels` (at most 128: a wire name
 * of 255 bytes has at most 127), each as (pointer into `buf`, length);
 * `buf` must hold DNS_NAME_WIRE_MAX bytes. Returns the number of labels,
 * or -1 when `name` is not canonical. The root has 0 labels. */
int dns_name_split(const char *name, uint8_t *buf, const uint8_t *labels[128], uint8_t lens[128]);

/* The wire form of `name` (length-prefixed labels and the root's zero),
 * into `out` (DNS_NAME_WIRE_MAX bytes); returns its length, or 0 when
 * `name` is not canonical. */
size_t dns_name_to_wire(const char *name, uint8_t out[DNS_NAME_WIRE_MAX]);

/* Appends one label (raw bytes, 1..63) in canonical escaped form to `out`,
 * with a separating dot when `out` is not empty. */
void dns_name_append_label(GString *out, const uint8_t *label, size_t len);

/* True when a and b are the same name, ignoring ASCII case. */
bool dns_name_eq(const char *a, const char *b);
/* True when `name` is `zone` or below it ("www.example.com" is under
 * "example.com" and under ""; "badexample.com" is not under
 * "example.com"). Ignores ASCII case. */
bool dns_name_is_under(const char *name, const char *zone);
/* The number of labels (the root: 0); -1 when not canonical. */
int dns_name_count(const char *name);
/* The parent of `name` (the name without its first label; the root's
 * parent is the root), borrowed from inside `name`. */
const char *dns_name_parent(const char *name);
/* The canonical name in lower case (for keys of tables and caches). */
char *dns_name_key(const char *name);

#endif
