/*
 * bencode: BitTorrent's serialisation (BEP 3, "bencoding"), a strict
 * decoder and a canonical encoder. Sans-IO: bytes in, a tree or bytes out.
 *
 * The four forms:
 *   integer      i<decimal>e   optional '-', digits without leading zeros,
 *                              no "-0", no empty number, within int64
 *   byte string  <len>:<bytes> len in decimal without leading zeros
 *   list         l<values>e
 *   dictionary   d<key><value>...e  keys are byte strings in strictly
 *                              ascending raw-byte order (memcmp, a prefix
 *                              before any longer key), so no duplicates
 *
 * Decoding (benc_decode) accepts exactly the canonical form: every valid
 * input is the encoding of its tree, so encode(decode(x)) == x byte for
 * byte. A refusal is a GError in BENC_ERROR whose message starts with the
 * byte offset of the problem and says what was expected there, e.g.
 * "offset 17: expected ':' after string length". The decoder is iterative
 * (an explicit stack bounded by the depth limit); it never reads outside
 * the input and frees everything it made on failure. Limits, each
 * checked (benc_limits, or the defaults below with NULL):
 *
 *   max_input   bytes of input                  BENC_DEFAULT_MAX_INPUT  (32 MiB)
 *   max_depth   lists and dictionaries nested   BENC_DEFAULT_MAX_DEPTH  (64)
 *   max_values  values, dictionary keys count   BENC_DEFAULT_MAX_VALUES (1048576)
 *
 * A byte string's length is also bounded by the bytes left in the input.
 * Bytes after the top value are an error for benc_decode; benc_decode_prefix
 * stops after the top value and says how many bytes it used.
 *
 * The tree: a document (benc_doc) owns a copy of the input and every
 * value; values are borrowed pointers valid until benc_doc_free. Each
 * value keeps its exact byte span in the input (benc_raw), so the
 * info-hash of a .torrent is the SHA-1 of the raw bytes of its "info"
 * value. Accessors: benc_type_of, benc_get_int, benc_get_str, benc_count,
 * benc_list_at (O(1)), benc_dict_get (binary search over the sorted keys,
 * O(log n) key comparisons), benc_dict_key_at/benc_dict_value_at.
 *
 * Encoding: benc_encode writes a decoded value back (the same bytes); the
 * builder (benc_node) makes new values: integers, strings, lists,
 * dictionaries whose keys may be set in any order (set again: replaced)
 * and are written sorted, and pre-encoded raw values (benc_node_raw, e.g.
 * an info dictionary whose bytes must not change). The benc_put_* writers
 * append single forms to a GByteArray for callers that write in order.
 *
 * Costs: decoding is O(input) time plus O(values) for the child tables;
 * memory about 40 bytes per value plus the input's copy. benc_node_encode
 * sorts each dictionary's keys: O(k log k) comparisons per dictionary.
 *
 * Ownership: benc_decode/benc_decode_prefix -> benc_doc_free. benc_node_*
 * constructors return a new node; benc_list_append and benc_dict_set take
 * ownership of the node given; free the root with benc_node_free.
 */
#ifndef APPSIM_BENCODE_H
#define APPSIM_BENCODE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENC_DEFAULT_MAX_INPUT ((size_t)32 * 1024 * 1024) /* bytes */
#define BENC_DEFAULT_MAX_DEPTH 64                          /* nested lists and dictionaries */
#define BENC_DEFAULT_MAX_VALUES ((size_t)1 << 20)          /* values, keys included */
#define BENC_MAX_DEPTH_LIMIT 1024                          /* the largest max_depth accepted */

#define BENC_ERROR (benc_error_quark())
GQuark benc_error_quark(void);

typedef enum {
    BENC_ERROR_SYNTAX,   /* not bencoding, or not canonical (offset in the message) */
    BENC_ERROR_LIMIT,    /* a limit of benc_limits exceeded */
    BENC_ERROR_TRAILING, /* bytes after the top value (benc_decode only) */
} benc_error_code;

typedef enum {
    BENC_INT,
    BENC_STR,
    BENC_LIST,
    BENC_DICT,
} benc_type;

typedef struct {
    size_t max_input;  /* bytes; 0 means the default */
    size_t max_depth;  /* 1 to BENC_MAX_DEPTH_LIMIT; 0 means the default */
    size_t max_values; /* 0 means the default */
} benc_limits;

typedef struct benc_doc benc_doc;
typedef struct benc_value benc_value;

/* Decodes exactly one value filling data[0, len). NULL and a GError on
 * any error. `limits` may be NULL (the defaults). */
benc_doc *benc_decode(const uint8_t *data, size_t len, const benc_limits *limits, GError **error);

/* Decodes the value at the start of data, leaving what follows; *used (may
 * be NULL) is its length. */
benc_doc *benc_decode_prefix(const uint8_t *data, size_t len, const benc_limits *limits, size_t *used,
                             GError **error);

void benc_doc_free(benc_doc *doc);

/* The top value (never NULL for a document). */
const benc_value *benc_doc_root(const benc_doc *doc);

/* The number of values in the document, dictionary keys included. */
size_t benc_doc_values(const benc_doc *doc);

benc_type benc_type_of(const benc_value *v);
const char *benc_type_name(benc_type t);

/* The value's bytes as they were in the input (its whole encoding) and its
 * offset there. */
const uint8_t *benc_raw(const benc_value *v, size_t *len);
size_t benc_offset(const benc_value *v);

/* false (and *out untouched) unless v is an integer. */
bool benc_get_int(const benc_value *v, int64_t *out);

/* The bytes of a byte string (not NUL-terminated) and their count; NULL
 * unless v is a byte string (an empty string gives a non-NULL pointer). */
const uint8_t *benc_get_str(const benc_value *v, size_t *len);

/* A new NUL-terminated copy of a byte string (g_free); NULL unless v is a
 * byte string without NUL bytes. */
char *benc_dup_str(const benc_value *v);

/* Items of a list, pairs of a dictionary, 0 for the others. */
size_t benc_count(const benc_value *v);

/* The list's item i; NULL when v is no list or i is out of range. */
const benc_value *benc_list_at(const benc_value *v, size_t i);

/* The value under `key` (klen bytes) or the NUL-terminated key; NULL when
 * v is no dictionary or the key is absent. */
const benc_value *benc_dict_get_n(const benc_value *v, const void *key, size_t klen);
const benc_value *benc_dict_get(const benc_value *v, const char *key);

/* Pair i of a dictionary, in key order; NULL when out of range. */
const benc_value *benc_dict_key_at(const benc_value *v, size_t i);
const benc_value *benc_dict_value_at(const benc_value *v, size_t i);

/* Appends v's canonical encoding (for a decoded value, its input bytes). */
void benc_encode(const benc_value *v, GByteArray *out);

/* Writers of single forms, for callers that write in order themselves
 * (dictionary keys must then be written ascending). */
void benc_put_int(GByteArray *out, int64_t v);
void benc_put_str(GByteArray *out, const void *data, size_t len);
void benc_put_cstr(GByteArray *out, const char *s);
void benc_put_list_start(GByteArray *out);
void benc_put_dict_start(GByteArray *out);
void benc_put_end(GByteArray *out);

/* The builder. */
typedef struct benc_node benc_node;

benc_node *benc_node_int(int64_t v);
benc_node *benc_node_str(const void *data, size_t len);
benc_node *benc_node_cstr(const char *s);
benc_node *benc_node_list(void);
benc_node *benc_node_dict(void);
/* A value already encoded (copied; written as is, not checked). */
benc_node *benc_node_raw(const void *data, size_t len);
/* A deep copy of a decoded value as builder nodes (depth bounded by the
 * decoder's limit). */
benc_node *benc_node_from_value(const benc_value *v);

/* Takes ownership of item. false (item freed) when list is no list. */
bool benc_list_append(benc_node *list, benc_node *item);
/* Sets key (klen bytes) to value, replacing (and freeing) any value under
 * it; takes ownership of value. O(keys) per call. false (value freed)
 * when dict is no dictionary. */
bool benc_dict_set_n(benc_node *dict, const void *key, size_t klen, benc_node *value);
bool benc_dict_set(benc_node *dict, const char *key, benc_node *value);

/* Appends the node's canonical encoding (dictionary keys sorted). */
void benc_node_encode(const benc_node *node, GByteArray *out);
void benc_node_free(benc_node *node);

#endif
