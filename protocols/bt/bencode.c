/*
 * bencode: the strict decoder and the canonical encoder of BEP 3's
 * bencoding (see bencode.h for the rules and limits).
 *
 * The decoder makes one pass over the input with an explicit stack of the
 * open lists and dictionaries (never deeper than max_depth), appending
 * each value to a flat array in document order with the index of its
 * parent. When the top value is complete, one more pass over that array
 * builds the child tables: every container gets a contiguous run of child
 * indices (for a dictionary, key and value alternating), which gives O(1)
 * list indexing and binary search over a dictionary's sorted keys.
 */
#include "protocols/bt/bencode.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK(benc-error-quark, benc_error)

#define NO_PARENT SIZE_MAX

struct benc_value {
    const benc_doc *doc;
    benc_type type;
    size_t start, end; /* the value's bytes: [start, end) of the input */
    size_t parent;     /* index of the enclosing container, NO_PARENT for the top */
    int64_t ival;      /* BENC_INT */
    size_t str_off;    /* BENC_STR: offset of the first content byte */
    size_t str_len;    /* BENC_STR: content bytes */
    size_t kids_first; /* containers: first entry of doc->kids */
    size_t nkids;      /* containers: entries (2 per dictionary pair) */
};

struct benc_doc {
    uint8_t *data; /* copy of the input's used bytes */
    size_t len;
    benc_value *values;
    size_t nvalues;
    size_t *kids; /* child indices, each container's run contiguous */
};

typedef struct {
    size_t node;     /* the container's index */
    bool dict;       /* dictionary (else list) */
    bool want_key;   /* dictionary: the next value is a key */
    bool has_last;   /* dictionary: a key was read */
    size_t last_key; /* dictionary: index of the last key */
} frame;

typedef struct {
    const uint8_t *data;
    size_t len;       /* bytes examined: min(input, max_input) */
    bool truncated;   /* the input was longer than max_input */
    size_t max_depth;
    size_t max_values;
    benc_value *values;
    size_t nvalues, cap;
    GError **error;
} decoder;

static bool fail(decoder *d, benc_error_code code, size_t offset, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static bool fail(decoder *d, benc_error_code code, size_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(d->error, BENC_ERROR, code, "offset %zu: %s", offset, what);
    g_free(what);
    return false;
}

/* The end of the examined bytes reached where `expected` was wanted. */
static bool fail_eof(decoder *d, const char *expected)
{
    if (d->truncated)
        return fail(d, BENC_ERROR_LIMIT, d->len, "value longer than the limit of %zu bytes", d->len);
    return fail(d, BENC_ERROR_SYNTAX, d->len, "unexpected end of input, expected %s", expected);
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* A new value at `start` under `parent`; SIZE_MAX when over the limit. */
static size_t new_value(decoder *d, benc_type type, size_t start, size_t parent)
{
    if (d->nvalues >= d->max_values) {
        fail(d, BENC_ERROR_LIMIT, start, "more than %zu values", d->max_values);
        return SIZE_MAX;
    }
    if (d->nvalues == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->values = g_renew(benc_value, d->values, d->cap);
    }
    benc_value *v = &d->values[d->nvalues];
    memset(v, 0, sizeof *v);
    v->type = type;
    v->start = start;
    v->parent = parent;
    return d->nvalues++;
}

/* i<digits>e at *p; on success *p is past the 'e'. */
static bool read_int(decoder *d, size_t *p, int64_t *out)
{
    size_t start = *p;
    size_t q = start + 1;
    bool neg = false;
    if (q < d->len && d->data[q] == '-') {
        neg = true;
        q++;
    }
    if (q >= d->len)
        return fail_eof(d, "a digit in integer");
    if (!is_digit(d->data[q]))
        return fail(d, BENC_ERROR_SYNTAX, q, "expected a digit in integer");
    if (d->data[q] == '0') {
        if (neg)
            return fail(d, BENC_ERROR_SYNTAX, q - 1, "negative zero (\"-0\") is not allowed");
        if (q + 1 < d->len && is_digit(d->data[q + 1]))
            return fail(d, BENC_ERROR_SYNTAX, q, "leading zero in integer");
    }
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t mag = 0;
    while (q < d->len && is_digit(d->data[q])) {
        uint64_t digit = (uint64_t)(d->data[q] - '0');
        if (mag > (limit - digit) / 10)
            return fail(d, BENC_ERROR_SYNTAX, start, "integer out of the 64-bit signed range");
        mag = mag * 10 + digit;
        q++;
    }
    if (q >= d->len)
        return fail_eof(d, "'e' at the end of integer");
    if (d->data[q] != 'e')
        return fail(d, BENC_ERROR_SYNTAX, q, "expected 'e' at the end of integer");
    if (neg)
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    else
        *out = (int64_t)mag;
    *p = q + 1;
    return true;
}

/* <len>:<bytes> at *p (a digit); on success *p is past the bytes. */
static bool read_str(decoder *d, size_t *p, size_t *off, size_t *slen)
{
    size_t start = *p;
    size_t q = start;
    if (d->data[q] == '0' && q + 1 < d->len && is_digit(d->data[q + 1]))
        return fail(d, BENC_ERROR_SYNTAX, q, "leading zero in string length");
    size_t n = 0;
    while (q < d->len && is_digit(d->data[q])) {
        size_t digit = (size_t)(d->data[q] - '0');
        if (n > d->len / 10 || n * 10 + digit > d->len)
            return fail(d, d->truncated ? BENC_ERROR_LIMIT : BENC_ERROR_SYNTAX, start,
                        "string length larger than the input");
        n = n * 10 + digit;
        q++;
    }
    if (q >= d->len)
        return fail_eof(d, "':' after string length");
    if (d->data[q] != ':')
        return fail(d, BENC_ERROR_SYNTAX, q, "expected ':' after string length");
    q++;
    if (d->len - q < n) {
        if (d->truncated)
            return fail_eof(d, "string bytes");
        return fail(d, BENC_ERROR_SYNTAX, start, "string of %zu bytes runs past the end of the input (%zu left)", n,
                    d->len - q);
    }
    *off = q;
    *slen = n;
    *p = q + n;
    return true;
}

/* Compares two byte strings as raw bytes (a prefix sorts first). */
static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = MIN(alen, blen);
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Bookkeeping once value `idx` is complete; false on a key order error. */
static bool value_done(decoder *d, frame *stack, size_t sp, size_t idx)
{
    if (sp == 0)
        return true;
    frame *f = &stack[sp - 1];
    if (!f->dict)
        return true;
    if (!f->want_key) {
        f->want_key = true;
        return true;
    }
    const benc_value *k = &d->values[idx];
    if (f->has_last) {
        const benc_value *l = &d->values[f->last_key];
        int c = bytes_cmp(d->data + l->str_off, l->str_len, d->data + k->str_off, k->str_len);
        if (c == 0)
            return fail(d, BENC_ERROR_SYNTAX, k->start, "duplicate dictionary key");
        if (c > 0)
            return fail(d, BENC_ERROR_SYNTAX, k->start, "dictionary key not in ascending order");
    }
    f->has_last = true;
    f->last_key = idx;
    f->want_key = false;
    return true;
}

/* Decodes one value from d->data; *used is its length. */
static bool decode_value(decoder *d, size_t *used)
{
    frame *stack = g_new0(frame, d->max_depth);
    size_t sp = 0;
    size_t p = 0;
    bool ok = false;
    for (;;) {
        size_t parent = sp ? stack[sp - 1].node : NO_PARENT;
        if (sp > 0) {
            frame *f = &stack[sp - 1];
            if (p >= d->len) {
                fail_eof(d, !f->dict ? "a value or 'e'" : f->want_key ? "a dictionary key or 'e'"
                                                                       : "a value after dictionary key");
                break;
            }
            if (d->data[p] == 'e' && (!f->dict || f->want_key)) {
                size_t idx = f->node;
                d->values[idx].end = p + 1;
                p++;
                sp--;
                if (!value_done(d, stack, sp, idx))
                    break;
                if (sp == 0) {
                    ok = true;
                    break;
                }
                continue;
            }
            if (f->dict && f->want_key && !is_digit(d->data[p])) {
                fail(d, BENC_ERROR_SYNTAX, p, "expected a dictionary key (a byte string) or 'e'");
                break;
            }
        } else if (p >= d->len) {
            fail_eof(d, "a value");
            break;
        }
        uint8_t c = d->data[p];
        size_t idx;
        if (c == 'i') {
            int64_t iv = 0;
            if ((idx = new_value(d, BENC_INT, p, parent)) == SIZE_MAX || !read_int(d, &p, &iv))
                break;
            d->values[idx].ival = iv;
            d->values[idx].end = p;
        } else if (is_digit(c)) {
            size_t off = 0, slen = 0;
            if ((idx = new_value(d, BENC_STR, p, parent)) == SIZE_MAX || !read_str(d, &p, &off, &slen))
                break;
            d->values[idx].str_off = off;
            d->values[idx].str_len = slen;
            d->values[idx].end = p;
        } else if (c == 'l' || c == 'd') {
            if (sp == d->max_depth) {
                fail(d, BENC_ERROR_LIMIT, p, "lists and dictionaries nested deeper than %zu", d->max_depth);
                break;
            }
            if ((idx = new_value(d, c == 'l' ? BENC_LIST : BENC_DICT, p, parent)) == SIZE_MAX)
                break;
            stack[sp++] = (frame){.node = idx, .dict = c == 'd', .want_key = c == 'd'};
            p++;
            continue;
        } else {
            if (sp > 0 && stack[sp - 1].dict && c == 'e')
                fail(d, BENC_ERROR_SYNTAX, p, "expected a value after dictionary key, not 'e'");
            else
                fail(d, BENC_ERROR_SYNTAX, p, "expected a value ('i', 'l', 'd' or a string length)");
            break;
        }
        if (!value_done(d, stack, sp, idx))
            break;
        if (sp == 0) {
            ok = true;
            break;
        }
    }
    g_free(stack);
    *used = p;
    return ok;
}

/* The child tables of a complete flat array. */
static void build_kids(benc_doc *doc)
{
    size_t n = doc->nvalues;
    size_t total = n ? n - 1 : 0;
    doc->kids = g_new(size_t, total ? total : 1);
    for (size_t i = 1; i < n; i++)
        doc->values[doc->values[i].parent].nkids++;
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        benc_value *v = &doc->values[i];
        v->doc = doc;
        if (v->type == BENC_LIST || v->type == BENC_DICT) {
            v->kids_first = next;
            next += v->nkids;
            v->nkids = 0; /* counted again while filling */
        }
    }
    for (size_t i = 1; i < n; i++) {
        benc_value *p = &doc->values[doc->values[i].parent];
        doc->kids[p->kids_first + p->nkids++] = i;
    }
}

static benc_doc *decode(const uint8_t *data, size_t len, const benc_limits *limits, bool prefix, size_t *used,
                        GError **error)
{
    size_t max_input = limits && limits->max_input ? limits->max_input : BENC_DEFAULT_MAX_INPUT;
    size_t max_depth = limits && limits->max_depth ? limits->max_depth : BENC_DEFAULT_MAX_DEPTH;
    size_t max_values = limits && limits->max_values ? limits->max_values : BENC_DEFAULT_MAX_VALUES;
    if (max_depth > BENC_MAX_DEPTH_LIMIT)
        max_depth = BENC_MAX_DEPTH_LIMIT;
    decoder d = {.data = data, .len = len, .max_depth = max_depth, .max_values = max_values, .error = error};
    if (data == NULL)
        d.len = 0;
    if (d.len > max_input) {
        if (!prefix) {
            g_set_error(error, BENC_ERROR, BENC_ERROR_LIMIT, "offset %zu: input of %zu bytes is over the limit of %zu",
                        max_input, len, max_input);
            return NULL;
        }
        d.len = max_input;
        d.truncated = true;
    }
    size_t n = 0;
    if (!decode_value(&d, &n)) {
        g_free(d.values);
        return NULL;
    }
    if (!prefix && n < d.len) {
        g_set_error(error, BENC_ERROR, BENC_ERROR_TRAILING, "offset %zu: %zu trailing bytes after the top value", n,
                    d.len - n);
        g_free(d.values);
        return NULL;
    }
    benc_doc *doc = g_new0(benc_doc, 1);
    doc->data = g_memdup2(data, n);
    doc->len = n;
    doc->values = d.values;
    doc->nvalues = d.nvalues;
    build_kids(doc);
    if (used)
        *used = n;
    return doc;
}

benc_doc *benc_decode(const uint8_t *data, size_t len, const benc_limits *limits, GError **error)
{
    return decode(data, len, limits, false, NULL, error);
}

benc_doc *benc_decode_prefix(const uint8_t *data, size_t len, const benc_limits *limits, size_t *used,
                             GError **error)
{
    return decode(data, len, limits, true, used, error);
}

void benc_doc_free(benc_doc *doc)
{
    if (!doc)
        return;
    g_free(doc->data);
    g_free(doc->values);
    g_free(doc->kids);
    g_free(doc);
}

const benc_value *benc_doc_root(const benc_doc *doc)
{
    return &doc->values[0];
}

size_t benc_doc_values(const benc_doc *doc)
{
    return doc->nvalues;
}

benc_type benc_type_of(const benc_value *v)
{
    return v->type;
}

const char *benc_type_name(benc_type t)
{
    switch (t) {
    case BENC_INT:
        return "integer";
    case BENC_STR:
        return "byte string";
    case BENC_LIST:
        return "list";
    case BENC_DICT:
        return "dictionary";
    }
    return "?";
}

const uint8_t *benc_raw(const benc_value *v, size_t *len)
{
    *len = v->end - v->start;
    return v->doc->data + v->start;
}

size_t benc_offset(const benc_value *v)
{
    return v->start;
}

bool benc_get_int(const benc_value *v, int64_t *out)
{
    if (!v || v->type != BENC_INT)
        return false;
    *out = v->ival;
    return true;
}

const uint8_t *benc_get_str(const benc_value *v, size_t *len)
{
    if (!v || v->type != BENC_STR)
        return NULL;
    *len = v->str_len;
    return v->doc->data + v->str_off;
}

char *benc_dup_str(const benc_value *v)
{
    size_t len;
    const uint8_t *s = benc_get_str(v, &len);
    if (!s || (len && memchr(s, 0, len)))
        return NULL;
    return g_strndup((const char *)s, len);
}

size_t benc_count(const benc_value *v)
{
    if (!v)
        return 0;
    if (v->type == BENC_LIST)
        return v->nkids;
    if (v->type == BENC_DICT)
        return v->nkids / 2;
    return 0;
}

static const benc_value *kid(const benc_value *v, size_t i)
{
    return &v->doc->values[v->doc->kids[v->kids_first + i]];
}

const benc_value *benc_list_at(const benc_value *v, size_t i)
{
    if (!v || v->type != BENC_LIST || i >= v->nkids)
        return NULL;
    return kid(v, i);
}

const benc_value *benc_dict_key_at(const benc_value *v, size_t i)
{
    if (!v || v->type != BENC_DICT || i >= v->nkids / 2)
        return NULL;
    return kid(v, 2 * i);
}

const benc_value *benc_dict_value_at(const benc_value *v, size_t i)
{
    if (!v || v->type != BENC_DICT || i >= v->nkids / 2)
        return NULL;
    return kid(v, 2 * i + 1);
}

const benc_value *benc_dict_get_n(const benc_value *v, const void *key, size_t klen)
{
    if (!v || v->type != BENC_DICT)
        return NULL;
    size_t lo = 0, hi = v->nkids / 2;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const benc_value *k = kid(v, 2 * mid);
        int c = bytes_cmp(v->doc->data + k->str_off, k->str_len, key, klen);
        if (c == 0)
            return kid(v, 2 * mid + 1);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const benc_value *benc_dict_get(const benc_value *v, const char *key)
{
    return benc_dict_get_n(v, key, strlen(key));
}

void benc_encode(const benc_value *v, GByteArray *out)
{
    /* The decoder accepts only canonical bytes: a value's input span is
     * its canonical encoding. */
    size_t len;
    const uint8_t *raw = benc_raw(v, &len);
    g_byte_array_append(out, raw, (guint)len);
}

/* ---- writers ---- */

void benc_put_int(GByteArray *out, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "i%" PRId64 "e", v);
    g_byte_array_append(out, (const guint8 *)buf, (guint)n);
}

void benc_put_str(GByteArray *out, const void *data, size_t len)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%zu:", len);
    g_byte_array_append(out, (const guint8 *)buf, (guint)n);
    if (len)
        g_byte_array_append(out, data, (guint)len);
}

void benc_put_cstr(GByteArray *out, const char *s)
{
    benc_put_str(out, s, strlen(s));
}

void benc_put_list_start(GByteArray *out)
{
    g_byte_array_append(out, (const guint8 *)"l", 1);
}

void benc_put_dict_start(GByteArray *out)
{
    g_byte_array_append(out, (const guint8 *)"d", 1);
}

void benc_put_end(GByteArray *out)
{
    g_byte_array_append(out, (const guint8 *)"e", 1);
}

/* ---- the builder ---- */

#define BENC_RAW ((benc_type)100) /* a builder node holding encoded bytes */

typedef struct {
    GByteArray *key;
    benc_node *value;
} dict_entry;

struct benc_node {
    benc_type type;
    int64_t ival;
    GByteArray *bytes; /* BENC_STR content, BENC_RAW encoding */
    GPtrArray *items;  /* BENC_LIST: benc_node *; BENC_DICT: dict_entry *, sorted by key */
};

static benc_node *node_new(benc_type type)
{
    benc_node *n = g_new0(benc_node, 1);
    n->type = type;
    return n;
}

benc_node *benc_node_int(int64_t v)
{
    benc_node *n = node_new(BENC_INT);
    n->ival = v;
    return n;
}

benc_node *benc_node_str(const void *data, size_t len)
{
    benc_node *n = node_new(BENC_STR);
    n->bytes = g_byte_array_sized_new((guint)len);
    if (len)
        g_byte_array_append(n->bytes, data, (guint)len);
    return n;
}

benc_node *benc_node_cstr(const char *s)
{
    return benc_node_str(s, strlen(s));
}

benc_node *benc_node_list(void)
{
    benc_node *n = node_new(BENC_LIST);
    n->items = g_ptr_array_new();
    return n;
}

benc_node *benc_node_dict(void)
{
    benc_node *n = node_new(BENC_DICT);
    n->items = g_ptr_array_new();
    return n;
}

benc_node *benc_node_raw(const void *data, size_t len)
{
    benc_node *n = benc_node_str(data, len);
    n->type = BENC_RAW;
    return n;
}

benc_node *benc_node_from_value(const benc_value *v)
{
    switch (v->type) {
    case BENC_INT:
        return benc_node_int(v->ival);
    case BENC_STR:
        return benc_node_str(v->doc->data + v->str_off, v->str_len);
    case BENC_LIST: {
        benc_node *n = benc_node_list();
        for (size_t i = 0; i < v->nkids; i++)
            benc_list_append(n, benc_node_from_value(kid(v, i)));
        return n;
    }
    case BENC_DICT: {
        benc_node *n = benc_node_dict();
        for (size_t i = 0; i < v->nkids / 2; i++) {
            const benc_value *k = kid(v, 2 * i);
            benc_dict_set_n(n, v->doc->data + k->str_off, k->str_len, benc_node_from_value(kid(v, 2 * i + 1)));
        }
        return n;
    }
    }
    return NULL;
}

bool benc_list_append(benc_node *list, benc_node *item)
{
    if (!list || list->type != BENC_LIST) {
        benc_node_free(item);
        return false;
    }
    g_ptr_array_add(list->items, item);
    return true;
}

bool benc_dict_set_n(benc_node *dict, const void *key, size_t klen, benc_node *value)
{
    if (!dict || dict->type != BENC_DICT) {
        benc_node_free(value);
        return false;
    }
    size_t lo = 0, hi = dict->items->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        dict_entry *e = g_ptr_array_index(dict->items, mid);
        int c = bytes_cmp(e->key->data, e->key->len, key, klen);
        if (c == 0) {
            benc_node_free(e->value);
            e->value = value;
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    dict_entry *e = g_new(dict_entry, 1);
    e->key = g_byte_array_sized_new((guint)klen);
    if (klen)
        g_byte_array_append(e->key, key, (guint)klen);
    e->value = value;
    g_ptr_array_insert(dict->items, (gint)lo, e);
    return true;
}

bool benc_dict_set(benc_node *dict, const char *key, benc_node *value)
{
    return benc_dict_set_n(dict, key, strlen(key), value);
}

void benc_node_encode(const benc_node *node, GByteArray *out)
{
    switch (node->type) {
    case BENC_INT:
        benc_put_int(out, node->ival);
        break;
    case BENC_STR:
        benc_put_str(out, node->bytes->data, node->bytes->len);
        break;
    case BENC_LIST:
        benc_put_list_start(out);
        for (guint i = 0; i < node->items->len; i++)
            benc_node_encode(g_ptr_array_index(node->items, i), out);
        benc_put_end(out);
        break;
    case BENC_DICT:
        benc_put_dict_start(out);
        for (guint i = 0; i < node->items->len; i++) {
            const dict_entry *e = g_ptr_array_index(node->items, i);
            benc_put_str(out, e->key->data, e->key->len);
            benc_node_encode(e->value, out);
        }
        benc_put_end(out);
        break;
    default: /* BENC_RAW */
        g_byte_array_append(out, node->bytes->data, node->bytes->len);
        break;
    }
}

void benc_node_free(benc_node *node)
{
    if (!node)
        return;
    if (node->bytes)
        g_byte_array_unref(node->bytes);
    if (node->items) {
        for (guint i = 0; i < node->items->len; i++) {
            if (node->type == BENC_DICT) {
                dict_entry *e = g_ptr_array_index(node->items, i);
                g_byte_array_unref(e->key);
                benc_node_free(e->value);
                g_free(e);
            } else {
                benc_node_free(g_ptr_array_index(node->items, i));
            }
        }
        g_ptr_array_free(node->items, TRUE);
    }
    g_free(node);
}
