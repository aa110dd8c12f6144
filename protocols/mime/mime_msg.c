/* mime_msg: RFC 5322 messages and MIME structure, parsed and built (see mime_msg.h). */
#include "mime_msg.h"

#include <string.h>

const char *mime_cte_name(mime_cte c)
{
    switch (c) {
    case MIME_CTE_7BIT: return "7bit";
    case MIME_CTE_8BIT: return "8bit";
    case MIME_CTE_BINARY: return "binary";
    case MIME_CTE_BASE64: return "base64";
    case MIME_CTE_QP: return "quoted-printable";
    case MIME_CTE_UNKNOWN: break;
    }
    return "unknown";
}

/* Whether needle[0, nlen) occurs in hay[0, hlen). O(hlen * nlen). */
static bool contains(const uint8_t *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return true;
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return true;
    return false;
}

static void field_free(gpointer p)
{
    mime_field *f = p;
    g_free(f->name);
    g_free(f->value);
    g_free(f->raw);
    g_free(f);
}

static void param_free(gpointer p)
{
    mime_param *a = p;
    g_free(a->name);
    g_free(a->value);
    g_free(a);
}

static void part_free(gpointer p)
{
    mime_part *part = p;
    if (!part)
        return;
    g_ptr_array_free(part->fields, TRUE);
    g_ptr_array_free(part->params, TRUE);
    if (part->parts)
        g_ptr_array_free(part->parts, TRUE);
    g_free(part->type);
    g_free(part->subtype);
    g_free(part->disposition);
    g_free(part->filename);
    g_free(part->boundary);
    g_free(part);
}

void mime_msg_free(mime_msg *m)
{
    if (!m)
        return;
    part_free(m->root);
    g_free(m->data);
    g_free(m);
}

/* ---- structured values: Content-Type, Content-Disposition ------------------ */

/* Skips white space and (nested) comments. */
static void skip_cfws(const char **pp)
{
    const char *p = *pp;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p != '(')
            break;
        int level = 0;
        while (*p) {
            if (*p == '\\' && p[1]) {
                p += 2;
                continue;
            }
            if (*p == '(')
                level++;
            else if (*p == ')' && --level == 0) {
                p++;
                break;
            }
            p++;
        }
    }
    *pp = p;
}

static bool is_tspecial(char c) { return c && strchr("()<>@,;:\\\"/[]?=", c) != NULL; }

/* A token (RFC 2045 5.1), lower-cased when `lower`; NULL when none. */
static char *read_token(const char **pp, bool lower)
{
    const char *p = *pp, *s = p;
    while ((unsigned char)*p > 32 && (unsigned char)*p < 127 && !is_tspecial(*p))
        p++;
    if (p == s)
        return NULL;
    *pp = p;
    char *t = g_strndup(s, (gsize)(p - s));
    if (lower) {
        char *l = g_ascii_strdown(t, -1);
        g_free(t);
        t = l;
    }
    return t;
}

/* A parameter value: a quoted string (escapes undone) or, leniently,
 * anything up to ';' or white space. */
static char *read_value(const char **pp)
{
    const char *p = *pp;
    GString *v = g_string_new(NULL);
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && p[1])
                p++;
            if (*p != '\r' && *p != '\n')
                g_string_append_c(v, *p);
            p++;
        }
        if (*p == '"')
            p++;
    } else {
        while (*p && *p != ';' && *p != ' ' && *p != '\t' && *p != '"')
            g_string_append_c(v, *p++);
    }
    *pp = p;
    return g_string_free(v, FALSE);
}

/* Bytes to UTF-8 from `charset`; NULL when they do not convert. */
static char *to_utf8(const char *bytes, size_t n, const char *charset)
{
    if (memchr(bytes, 0, n))
        return NULL;
    if (!charset[0] || g_ascii_strcasecmp(charset, "utf-8") == 0 || g_ascii_strcasecmp(charset, "us-ascii") == 0 ||
        g_ascii_strcasecmp(charset, "utf8") == 0)
        return g_utf8_validate(bytes, (gssize)n, NULL) ? g_strndup(bytes, n) : NULL;
    gsize w = 0;
    char *t = g_convert(bytes, (gssize)n, "UTF-8", charset, NULL, &w, NULL);
    if (t && strlen(t) != w) {
        g_free(t);
        t = NULL;
    }
    return t;
}

/* Appends the %XX-decoded form of s to out. */
static void pct_decode(const char *s, GString *out)
{
    for (; *s; s++) {
        if (s[0] == '%' && g_ascii_isxdigit(s[1]) && g_ascii_isxdigit(s[2])) {
            g_string_append_c(out, (char)(g_ascii_xdigit_value(s[1]) * 16 + g_ascii_xdigit_value(s[2])));
            s += 2;
        } else {
            g_string_append_c(out, *s);
        }
    }
}

static mime_param *find_param(GPtrArray *params, const char *name)
{
    for (guint i = 0; i < params->len; i++) {
        mime_param *a = g_ptr_array_index(params, i);
        if (strcmp(a->name, name) == 0)
            return a;
    }
    return NULL;
}

/* The bytes of RFC 2231 parameter `base` from the raw parameters (by
 * name in `raw_index`): "base*" alone, or the sections base*0, base*1...
 * (each extended "*N*" or plain "*N") from 0 on, at most 1000; the
 * charset of the first extended one in *charset (new, or NULL). False
 * when an extended value lacks its charset'language' prefix. */
static bool join_2231(GHashTable *raw_index, const char *base, GString *bytes, char **charset)
{
    char *single = g_strconcat(base, "*", NULL);
    mime_param *one = g_hash_table_lookup(raw_index, single);
    g_free(single);
    if (one) {
        const char *q1 = strchr(one->value, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
        if (!q1 || !q2)
            return false;
        *charset = g_strndup(one->value, (gsize)(q1 - one->value));
        pct_decode(q2 + 1, bytes);
        return true;
    }
    for (int sec = 0; sec < 1000; sec++) {
        char *plain = g_strdup_printf("%s*%d", base, sec), *ext = g_strconcat(plain, "*", NULL);
        mime_param *s = g_hash_table_lookup(raw_index, ext);
        bool extended = s != NULL;
        if (!s)
            s = g_hash_table_lookup(raw_index, plain);
        g_free(plain);
        g_free(ext);
        if (!s)
            break;
        const char *v = s->value;
        if (sec == 0 && extended) {
            const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
            if (!q1 || !q2)
                return false;
            *charset = g_strndup(v, (gsize)(q1 - v));
            v = q2 + 1;
        }
        if (extended)
            pct_decode(v, bytes);
        else
            g_string_append(bytes, v);
    }
    return true;
}

/* Reads "; name=value" parameters into `params`, RFC 2231 forms joined and
 * decoded (they win over a plain parameter of the same name). */
static void read_params(const char *p, GPtrArray *params)
{
    GPtrArray *raw = g_ptr_array_new_with_free_func(param_free);
    /* Lookups by name (nothing iterates these tables): the first of a
     * name in `raw`, and what `params` holds, so that n parameters cost
     * O(n). */
    GHashTable *raw_index = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTable *out_index = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < params->len; i++) {
        mime_param *a = g_ptr_array_index(params, i);
        g_hash_table_insert(out_index, a->name, a);
    }
    for (;;) {
        skip_cfws(&p);
        if (!*p)
            break;
        if (*p != ';') {
            /* Garbage: skip to the next parameter. */
            while (*p && *p != ';')
                p++;
            continue;
        }
        p++;
        skip_cfws(&p);
        char *name = read_token(&p, true);
        if (!name)
            continue;
        skip_cfws(&p);
        if (*p != '=') {
            g_free(name);
            continue;
        }
        p++;
        skip_cfws(&p);
        mime_param *a = g_new0(mime_param, 1);
        a->name = name;
        a->value = read_value(&p);
        g_ptr_array_add(raw, a);
        if (!g_hash_table_contains(raw_index, a->name))
            g_hash_table_insert(raw_index, a->name, a);
    }
    /* The names already joined (a lookup only: nothing iterates it). */
    GHashTable *done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < raw->len; i++) {
        mime_param *a = g_ptr_array_index(raw, i);
        const char *star = strchr(a->name, '*');
        if (!star) {
            if (!g_hash_table_contains(out_index, a->name)) {
                mime_param *n = g_new0(mime_param, 1);
                n->name = g_strdup(a->name);
                n->value = g_strdup(a->value);
                g_ptr_array_add(params, n);
                g_hash_table_insert(out_index, n->name, n);
            }
            continue;
        }
        char *base = g_strndup(a->name, (gsize)(star - a->name));
        mime_param *have = g_hash_table_lookup(out_index, base);
        if (g_hash_table_contains(done, base)) {
            g_free(base);
            continue;
        }
        g_hash_table_add(done, g_strdup(base));
        /* Join: "base*" alone, or sections base*0, base*1... from 0 on. */
        GString *bytes = g_string_new(NULL);
        char *charset = NULL;
        bool ok = join_2231(raw_index, base, bytes, &charset);
        char *text = ok && bytes->len ? to_utf8(bytes->str, bytes->len, charset ? charset : "") : NULL;
        if (!text && ok && bytes->len)
            text = g_utf8_make_valid(bytes->str, (gssize)bytes->len);
        if (text && !memchr(bytes->str, 0, bytes->len)) {
            if (have) {
                g_free(have->value);
                have->value = text;
            } else {
                mime_param *n = g_new0(mime_param, 1);
                n->name = g_strdup(base);
                n->value = text;
                g_ptr_array_add(params, n);
                g_hash_table_insert(out_index, n->name, n);
            }
            text = NULL;
        }
        g_free(text);
        g_free(charset);
        g_string_free(bytes, TRUE);
        g_free(base);
    }
    g_hash_table_destroy(done);
    g_hash_table_destroy(raw_index);
    g_hash_table_destroy(out_index);
    g_ptr_array_free(raw, TRUE);
}

/* ---- parsing ------------------------------------------------------------------ */

typedef struct {
    mime_msg *m;
    size_t err_at;
} pctx;

/* Reads the header block of data[start, end) into p->fields; *body is set
 * to the offset after the empty line (or `end`). */
static mime_status parse_headers(pctx *c, mime_part *p, size_t start, size_t end, size_t *body)
{
    const uint8_t *d = c->m->data;
    size_t pos = start;
    mime_field *cur = NULL;
    GString *raw = NULL, *val = NULL;
#define FINISH()                                                                                   \
    do {                                                                                           \
        if (cur) {                                                                                 \
            cur->raw = g_string_free(raw, FALSE);                                                  \
            char *v = g_string_free(val, FALSE);                                                   \
            const char *s = v, *e = v + strlen(v);                                                 \
            while (*s == ' ' || *s == '\t') s++;                                                   \
            cur->value = g_strndup(s, (gsize)(e - s));                                             \
            g_free(v);                                                                             \
            g_ptr_array_add(p->fields, cur);                                                       \
            cur = NULL;                                                                            \
        }                                                                                          \
    } while (0)
    *body = end;
    while (pos < end) {
        size_t eol = pos;
        while (eol < end && d[eol] != '\n')
            eol++;
        size_t le = eol;
        if (eol < end && le > pos && d[le - 1] == '\r')
            le--;
        size_t next = eol < end ? eol + 1 : end;
        if (le == pos) {
            *body = next;
            break;
        }
        if (memchr(d + pos, 0, le - pos)) {
            c->err_at = pos + (size_t)((const uint8_t *)memchr(d + pos, 0, le - pos) - (d + pos));
            FINISH();
            return MIME_E_HEADER;
        }
        if (d[pos] == ' ' || d[pos] == '\t') {
            if (!cur) {
                c->err_at = pos;
                return MIME_E_HEADER;
            }
            /* Unfolding removes the line break only (RFC 5322 2.2.3). */
            size_t bl = d[pos - 2] == '\r' ? 2 : 1; /* the previous line's break, kept in raw */
            g_string_append_len(raw, (const char *)d + pos - bl, (gssize)(le - pos + bl));
            g_string_append_len(val, (const char *)d + pos, (gssize)(le - pos));
        } else {
            FINISH();
            const uint8_t *colon = memchr(d + pos, ':', le - pos);
            if (!colon) {
                c->err_at = pos;
                return MIME_E_HEADER;
            }
            size_t ne = (size_t)(colon - d);
            while (ne > pos && (d[ne - 1] == ' ' || d[ne - 1] == '\t'))
                ne--;
            bool good = ne > pos;
            for (size_t i = pos; i < ne; i++)
                if (d[i] < 33 || d[i] > 126)
                    good = false;
            if (!good) {
                c->err_at = pos;
                return MIME_E_HEADER;
            }
            cur = g_new0(mime_field, 1);
            cur->name = g_strndup((const char *)d + pos, ne - pos);
            raw = g_string_new_len((const char *)d + pos, (gssize)(le - pos));
            val = g_string_new_len((const char *)colon + 1, (gssize)(d + le - colon - 1));
        }
        pos = next;
    }
    FINISH();
#undef FINISH
    return MIME_OK;
}

const char *mime_part_header(const mime_part *p, const char *name)
{
    for (guint i = 0; i < p->fields->len; i++) {
        const mime_field *f = g_ptr_array_index(p->fields, i);
        if (g_ascii_strcasecmp(f->name, name) == 0)
            return f->value;
    }
    return NULL;
}

char *mime_part_header_decoded(const mime_part *p, const char *name)
{
    const char *v = mime_part_header(p, name);
    return v ? mime_header_decode(v) : NULL;
}

const char *mime_part_param(const mime_part *p, const char *name)
{
    mime_param *a = find_param(p->params, name);
    return a ? a->value : NULL;
}

bool mime_part_is_multipart(const mime_part *p) { return p->parts != NULL; }

/* Reads Content-Type, Content-Transfer-Encoding and Content-Disposition. */
static void read_mime_headers(mime_part *p, bool in_digest)
{
    const char *ct = mime_part_header(p, "Content-Type");
    if (ct) {
        const char *q = ct;
        skip_cfws(&q);
        char *type = read_token(&q, true);
        skip_cfws(&q);
        char *sub = NULL;
        if (type && *q == '/') {
            q++;
            skip_cfws(&q);
            sub = read_token(&q, true);
        }
        if (type && sub) {
            p->type = type;
            p->subtype = sub;
            read_params(q, p->params);
        } else {
            g_free(type);
            g_free(sub);
        }
    }
    if (!p->type) {
        p->type = g_strdup(in_digest ? "message" : "text");
        p->subtype = g_strdup(in_digest ? "rfc822" : "plain");
        if (!in_digest) {
            g_ptr_array_set_size(p->params, 0);
            mime_param *a = g_new0(mime_param, 1);
            a->name = g_strdup("charset");
            a->value = g_strdup("us-ascii");
            g_ptr_array_add(p->params, a);
        }
    }
    const char *cte = mime_part_header(p, "Content-Transfer-Encoding");
    p->cte = MIME_CTE_7BIT;
    if (cte) {
        const char *q = cte;
        skip_cfws(&q);
        char *t = read_token(&q, true);
        static const char *const names[] = {"7bit", "8bit", "binary", "base64", "quoted-printable"};
        p->cte = MIME_CTE_UNKNOWN;
        for (int i = 0; t && i < 5; i++)
            if (strcmp(t, names[i]) == 0)
                p->cte = (mime_cte)i;
        g_free(t);
    }
    const char *cd = mime_part_header(p, "Content-Disposition");
    const char *fname = NULL;
    GPtrArray *dparams = g_ptr_array_new_with_free_func(param_free);
    if (cd) {
        const char *q = cd;
        skip_cfws(&q);
        p->disposition = read_token(&q, true);
        if (p->disposition) {
            read_params(q, dparams);
            mime_param *a = find_param(dparams, "filename");
            fname = a ? a->value : NULL;
        }
    }
    if (!fname)
        fname = mime_part_param(p, "name");
    if (fname)
        p->filename = mime_header_decode(fname);
    g_ptr_array_free(dparams, TRUE);
}

/* Whether the line at `ls` (within [.., end)) is a delimiter of boundary
 * b: sets *close and *after (the offset after its line break, or end) and
 * *had_break. */
static bool is_delimiter(const uint8_t *d, size_t ls, size_t end, const char *b, size_t blen, bool *close,
                         size_t *after, bool *had_break)
{
    if (end - ls < 2 + blen || d[ls] != '-' || d[ls + 1] != '-' || memcmp(d + ls + 2, b, blen) != 0)
        return false;
    size_t q = ls + 2 + blen;
    *close = false;
    if (end - q >= 2 && d[q] == '-' && d[q + 1] == '-') {
        *close = true;
        q += 2;
    }
    while (q < end && (d[q] == ' ' || d[q] == '\t'))
        q++;
    if (q == end) {
        *after = end;
        *had_break = false;
        return true;
    }
    if (d[q] == '\n' || (d[q] == '\r' && q + 1 < end && d[q + 1] == '\n')) {
        *after = q + (d[q] == '\r' ? 2 : 1);
        *had_break = true;
        return true;
    }
    return false;
}

static mime_status parse_part(pctx *c, size_t start, size_t end, unsigned depth, bool in_digest, mime_part **out);

/* Splits a multipart's body [bs, be) into its parts (RFC 2046 5.1.1). */
static mime_status split_multipart(pctx *c, mime_part *p, size_t bs, size_t be)
{
    const uint8_t *d = c->m->data;
    const char *b = p->boundary;
    size_t blen = strlen(b);
    bool in_digest = strcmp(p->subtype, "digest") == 0;
    bool seen_first = false;
    size_t part_start = bs;
    p->parts = g_ptr_array_new_with_free_func(part_free);
    size_t ls = bs;
    while (ls < be) {
        bool close, brk;
        size_t after;
        if (is_delimiter(d, ls, be, b, blen, &close, &after, &brk)) {
            /* The line break before the delimiter belongs to it. */
            size_t content_end = ls;
            if (ls > part_start && d[ls - 1] == '\n') {
                content_end = ls - 1;
                if (content_end > part_start && d[content_end - 1] == '\r')
                    content_end--;
            }
            if (!seen_first) {
                if (close) {
                    c->err_at = ls;
                    return MIME_E_UNTERMINATED;
                }
                p->preamble = ls > bs ? d + bs : NULL;
                p->preamble_len = ls > bs ? content_end - bs : 0;
                seen_first = true;
            } else {
                mime_part *child = NULL;
                mime_status st = parse_part(c, part_start, content_end, p->depth + 1, in_digest, &child);
                if (st != MIME_OK)
                    return st;
                g_ptr_array_add(p->parts, child);
            }
            if (close) {
                p->epilogue = brk ? d + after : NULL;
                p->epilogue_len = brk ? be - after : 0;
                return MIME_OK;
            }
            if (!brk)
                break;
            part_start = after;
            ls = after;
            continue;
        }
        while (ls < be && d[ls] != '\n')
            ls++;
        if (ls < be)
            ls++;
    }
    c->err_at = be;
    return MIME_E_UNTERMINATED;
}

static mime_status parse_part(pctx *c, size_t start, size_t end, unsigned depth, bool in_digest, mime_part **out)
{
    *out = NULL;
    if (depth > MIME_MAX_DEPTH) {
        c->err_at = start;
        return MIME_E_DEPTH;
    }
    if (++c->m->part_count > MIME_MAX_PARTS) {
        c->err_at = start;
        return MIME_E_TOO_MANY_PARTS;
    }
    mime_part *p = g_new0(mime_part, 1);
    p->fields = g_ptr_array_new_with_free_func(field_free);
    p->params = g_ptr_array_new_with_free_func(param_free);
    p->depth = depth;
    size_t bs;
    mime_status st = parse_headers(c, p, start, end, &bs);
    if (st != MIME_OK) {
        part_free(p);
        return st;
    }
    read_mime_headers(p, in_digest);
    p->body = c->m->data + bs;
    p->body_len = end - bs;
    if (strcmp(p->type, "multipart") == 0) {
        const char *b = mime_part_param(p, "boundary");
        size_t blen = b ? strlen(b) : 0;
        if (!b || blen == 0 || blen > MIME_BOUNDARY_MAX || b[blen - 1] == ' ' || strpbrk(b, "\r\n")) {
            c->err_at = start;
            part_free(p);
            return MIME_E_NO_BOUNDARY;
        }
        p->boundary = g_strdup(b);
        st = split_multipart(c, p, bs, end);
        if (st != MIME_OK) {
            part_free(p);
            return st;
        }
    }
    *out = p;
    return MIME_OK;
}

mime_status mime_msg_parse(const uint8_t *data, size_t len, mime_msg **out, size_t *err_at)
{
    mime_msg *m = g_new0(mime_msg, 1);
    m->data = g_malloc(len + 1);
    if (len)
        memcpy(m->data, data, len);
    m->data[len] = 0;
    m->len = len;
    pctx c = {.m = m, .err_at = 0};
    mime_status st = parse_part(&c, 0, len, 0, false, &m->root);
    if (st != MIME_OK) {
        if (err_at)
            *err_at = c.err_at;
        mime_msg_free(m);
        *out = NULL;
        return st;
    }
    *out = m;
    return MIME_OK;
}

mime_status mime_part_decode(const mime_part *p, GByteArray *out, size_t *err_at)
{
    if (p->parts == NULL) {
        if (p->cte == MIME_CTE_BASE64)
            return mime_base64_decode((const char *)p->body, p->body_len, out, err_at);
        if (p->cte == MIME_CTE_QP) {
            mime_qp_decode((const char *)p->body, p->body_len, out);
            return MIME_OK;
        }
    }
    g_byte_array_append(out, p->body, (guint)p->body_len);
    return p->parts == NULL && p->cte == MIME_CTE_UNKNOWN ? MIME_E_ENCODING : MIME_OK;
}

static void append(GByteArray *out, const void *s, size_t n) { g_byte_array_append(out, s, (guint)n); }
static void appends(GByteArray *out, const char *s) { append(out, s, strlen(s)); }

static void serialise_part(const mime_part *p, GByteArray *out)
{
    for (guint i = 0; i < p->fields->len; i++) {
        const mime_field *f = g_ptr_array_index(p->fields, i);
        appends(out, f->raw);
        appends(out, "\r\n");
    }
    appends(out, "\r\n");
    if (!p->parts) {
        append(out, p->body, p->body_len);
        return;
    }
    if (p->preamble) {
        append(out, p->preamble, p->preamble_len);
        appends(out, "\r\n");
    }
    for (guint i = 0; i < p->parts->len; i++) {
        if (i > 0)
            appends(out, "\r\n");
        appends(out, "--");
        appends(out, p->boundary);
        appends(out, "\r\n");
        serialise_part(g_ptr_array_index(p->parts, i), out);
    }
    if (p->parts->len > 0)
        appends(out, "\r\n");
    else {
        /* No part: the first delimiter, then the close one. */
        appends(out, "--");
        appends(out, p->boundary);
        appends(out, "\r\n");
    }
    appends(out, "--");
    appends(out, p->boundary);
    appends(out, "--");
    if (p->epilogue) {
        appends(out, "\r\n");
        append(out, p->epilogue, p->epilogue_len);
    }
}

GByteArray *mime_msg_serialise(const mime_msg *m)
{
    GByteArray *out = g_byte_array_new();
    serialise_part(m->root, out);
    return out;
}

/* ---- building ----------------------------------------------------------------- */

typedef enum { OUT_TEXT, OUT_ATTACHMENT, OUT_MULTIPART } out_kind;

struct mime_out {
    out_kind kind;
    GPtrArray *fields;    /* of mime_field * (name and value ready to write; raw unused) */
    char *ctype;          /* "text/plain", "image/jpeg", "multipart/mixed" */
    GByteArray *data;     /* text (CRLF line ends) or attachment bytes */
    char *filename;
    GPtrArray *children;  /* of mime_out * */
    mime_cte text_cte;    /* a text part's encoding: MIME_CTE_UNKNOWN chooses (7bit or quoted-printable) */
};

static mime_out *out_new(out_kind k, const char *ctype)
{
    mime_out *o = g_new0(mime_out, 1);
    o->kind = k;
    o->fields = g_ptr_array_new_with_free_func(field_free);
    /* A content type is a token, '/', a token, of at most 127 characters
     * each (RFC 6838 4.2): other characters are dropped, and what is not
     * of that form becomes application/octet-stream. */
    GString *t = g_string_new(NULL);
    for (const char *p = ctype; *p; p++)
        if ((unsigned char)*p > 32 && (unsigned char)*p < 127 && (!is_tspecial(*p) || *p == '/'))
            g_string_append_c(t, g_ascii_tolower(*p));
    const char *slash = strchr(t->str, '/');
    if (!slash || slash == t->str || !slash[1] || strchr(slash + 1, '/') || slash - t->str > 127 ||
        strlen(slash + 1) > 127) {
        g_string_assign(t, k == OUT_MULTIPART ? "multipart/mixed" : k == OUT_TEXT ? "text/plain"
                                                                                 : "application/octet-stream");
    }
    o->ctype = g_string_free(t, FALSE);
    o->data = g_byte_array_new();
    return o;
}

mime_out *mime_out_text_new(const char *subtype, const char *text, size_t len)
{
    char *ct = g_strconcat("text/", subtype, NULL);
    mime_out *o = out_new(OUT_TEXT, ct);
    g_free(ct);
    o->text_cte = MIME_CTE_UNKNOWN;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' || text[i] == '\n') {
            appends(o->data, "\r\n");
            if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
                i++;
        } else {
            append(o->data, text + i, 1);
        }
    }
    return o;
}

mime_out *mime_out_attachment_new(const char *type_subtype, const char *filename, const uint8_t *data, size_t len)
{
    mime_out *o = out_new(OUT_ATTACHMENT, type_subtype);
    append(o->data, data, len);
    o->filename = filename ? g_utf8_make_valid(filename, -1) : NULL;
    return o;
}

mime_out *mime_out_multipart_new(const char *subtype)
{
    char *ct = g_strconcat("multipart/", subtype, NULL);
    mime_out *o = out_new(OUT_MULTIPART, ct);
    g_free(ct);
    o->children = g_ptr_array_new_with_free_func((GDestroyNotify)mime_out_free);
    return o;
}

bool mime_out_add(mime_out *parent, mime_out *child)
{
    if (parent->kind != OUT_MULTIPART || parent->children->len >= MIME_MAX_PARTS) {
        mime_out_free(child);
        return false;
    }
    g_ptr_array_add(parent->children, child);
    return true;
}

static bool seven_bit(const GByteArray *d);

/* 8bit carries any bytes but NUL in lines of at most 998 (RFC 2045 2.8). */
static bool eight_bit(const GByteArray *d)
{
    size_t col = 0;
    for (guint i = 0; i < d->len; i++) {
        uint8_t c = d->data[i];
        if (c == 0)
            return false;
        if (c == '\n')
            col = 0;
        else if (c != '\r' && ++col > MIME_LINE_LIMIT)
            return false;
    }
    return true;
}

bool mime_out_text_set_encoding(mime_out *o, mime_cte cte)
{
    if (o->kind != OUT_TEXT)
        return false;
    switch (cte) {
    case MIME_CTE_UNKNOWN:
    case MIME_CTE_QP:
    case MIME_CTE_BASE64:
        break;
    case MIME_CTE_7BIT:
        if (!seven_bit(o->data))
            return false;
        break;
    case MIME_CTE_8BIT:
        if (!eight_bit(o->data))
            return false;
        break;
    default:
        return false;
    }
    o->text_cte = cte;
    return true;
}

void mime_out_free(mime_out *o)
{
    if (!o)
        return;
    g_ptr_array_free(o->fields, TRUE);
    if (o->children)
        g_ptr_array_free(o->children, TRUE);
    g_byte_array_free(o->data, TRUE);
    g_free(o->ctype);
    g_free(o->filename);
    g_free(o);
}

/* A header name: printable ASCII but ':'; anything else is dropped. */
static char *clean_name(const char *name)
{
    GString *n = g_string_new(NULL);
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p > 32 && (unsigned char)*p < 127 && *p != ':' && n->len < MIME_NAME_MAX)
            g_string_append_c(n, *p);
    if (n->len == 0)
        g_string_append(n, "X");
    return g_string_free(n, FALSE);
}

static void add_field(mime_out *o, const char *name, char *value /* taken */)
{
    mime_field *f = g_new0(mime_field, 1);
    f->name = clean_name(name);
    f->value = g_strstrip(value);
    g_ptr_array_add(o->fields, f);
}

void mime_out_header(mime_out *o, const char *name, const char *utf8)
{
    char *n = clean_name(name);
    add_field(o, n, mime_header_encode(utf8, false, strlen(n) + 2));
    g_free(n);
}

/* Whether s is a phrase of atoms (RFC 5322 3.2.3 atext and spaces). */
static bool is_atom_phrase(const char *s)
{
    for (; *s; s++)
        if (!(g_ascii_isalnum(*s) || *s == ' ' || strchr("!#$%&'*+-/=?^_`{|}~", *s)))
            return false;
    return true;
}

void mime_out_address(mime_out *o, const char *name, const char *display, const char *addr)
{
    GString *mb = g_string_new(NULL);
    char *a = NULL;
    /* The address itself must be plain: anything else is dropped. */
    GString *ad = g_string_new(NULL);
    for (const char *p = addr; *p; p++)
        if ((unsigned char)*p > 32 && (unsigned char)*p < 127 && *p != '<' && *p != '>' && *p != ',' &&
            ad->len < MIME_ADDR_MAX)
            g_string_append_c(ad, *p);
    a = g_string_free(ad, FALSE);
    if (!display || !*display) {
        g_string_append(mb, a);
    } else {
        if (is_atom_phrase(display) && strstr(display, "=?") == NULL && display[0] != ' ') {
            g_string_append(mb, display);
        } else if (mime_header_is_plain(display)) {
            g_string_append_c(mb, '"');
            for (const char *p = display; *p; p++) {
                if (*p == '"' || *p == '\\')
                    g_string_append_c(mb, '\\');
                g_string_append_c(mb, *p);
            }
            g_string_append_c(mb, '"');
        } else {
            char *e = mime_header_encode(display, true, strlen(name) + 2);
            g_string_append(mb, e);
            g_free(e);
        }
        g_string_append_printf(mb, " <%s>", a);
    }
    g_free(a);
    char *cname = clean_name(name);
    for (guint i = 0; i < o->fields->len; i++) {
        mime_field *f = g_ptr_array_index(o->fields, i);
        if (g_ascii_strcasecmp(f->name, cname) == 0) {
            char *v = g_strconcat(f->value, ", ", mb->str, NULL);
            g_free(f->value);
            f->value = v;
            g_free(cname);
            g_string_free(mb, TRUE);
            return;
        }
    }
    add_field(o, cname, g_string_free(mb, FALSE));
    g_free(cname);
}

bool mime_format_date(int64_t unix_s, int tz_minutes, char *buf, size_t size)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (tz_minutes < -1439 || tz_minutes > 1439 || unix_s < -70000000000000LL || unix_s > 70000000000000LL)
        return false;
    int64_t t = unix_s + (int64_t)tz_minutes * 60;
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    /* Days since 1970-01-01 to a civil date, counted in 400-year eras from
     * 0000-03-01 (so that the leap day ends a year). */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                   /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                                 /* March = 0 */
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t year = yoe + era * 400 + (month <= 2);
    if (year < 1 || year > 9999)
        return false;
    int w = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int off = tz_minutes < 0 ? -tz_minutes : tz_minutes;
    int n = g_snprintf(buf, size, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d", wd[w], day, mn[month - 1], (int)year,
                       (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), tz_minutes < 0 ? '-' : '+',
                       off / 60, off % 60);
    return n > 0 && (size_t)n < size;
}

void mime_out_date(mime_out *o, int64_t unix_s, int tz_minutes)
{
    char buf[64];
    if (mime_format_date(unix_s, tz_minutes, buf, sizeof buf))
        add_field(o, "Date", g_strdup(buf));
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

void mime_out_message_id(mime_out *o, uint64_t seed, const char *domain)
{
    GString *dom = g_string_new(NULL);
    for (const char *p = domain; *p; p++)
        if (g_ascii_isalnum(*p) || *p == '.' || *p == '-')
            g_string_append_c(dom, *p);
    if (dom->len == 0)
        g_string_append(dom, "localhost");
    uint32_t dh = (uint32_t)fnv64(0xCBF29CE484222325ULL, dom->str, dom->len);
    add_field(o, "Message-ID",
              g_strdup_printf("<%016" G_GINT64_MODIFIER "x.%08x@%s>", (guint64)mix64(seed), dh, dom->str));
    g_string_free(dom, TRUE);
}

/* Writes "Name: value" folded at white space beyond MIME_FOLD_AT. */
static void write_field(GByteArray *out, const char *name, const char *value)
{
    GString *line = g_string_new(name);
    g_string_append(line, ":");
    size_t col = line->len;
    const char *p = value;
    if (*p != ' ' && *p != '\t') {
        g_string_append_c(line, ' ');
        col++;
    }
    bool wrote = false;
    while (*p) {
        /* A segment: white space, then everything up to the next white space. */
        const char *s = p;
        while (*p == ' ' || *p == '\t')
            p++;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        size_t n = (size_t)(p - s);
        if (wrote && col + n > MIME_FOLD_AT && (*s == ' ' || *s == '\t')) {
            g_string_append(line, "\r\n");
            col = 0;
        }
        g_string_append_len(line, s, (gssize)n);
        col += n;
        wrote = true;
    }
    g_string_append(line, "\r\n");
    append(out, line->str, line->len);
    g_string_free(line, TRUE);
}

/* A filename parameter: quoted when ASCII, else RFC 2231 sections. */
static char *filename_param(const char *name)
{
    GString *v = g_string_new(NULL);
    bool plain = mime_header_is_plain(name) && strlen(name) < 200;
    if (plain) {
        g_string_append(v, "filename=\"");
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_c(v, '\\');
            g_string_append_c(v, *p);
        }
        g_string_append_c(v, '"');
        return g_string_free(v, FALSE);
    }
    GString *enc = g_string_new(NULL);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (g_ascii_isalnum(*p) || strchr("!#$&+-.^_`|~", *p))
            g_string_append_c(enc, (char)*p);
        else
            g_string_append_printf(enc, "%%%02X", *p);
    }
    if (enc->len <= 60) {
        g_string_append_printf(v, "filename*=utf-8''%s", enc->str);
    } else {
        size_t i = 0;
        for (int sec = 0; i < enc->len; sec++) {
            size_t n = enc->len - i < 50 ? enc->len - i : 50;
            /* Never cut a %XX. */
            if (i + n < enc->len) {
                if (enc->str[i + n - 1] == '%')
                    n -= 1;
                else if (n >= 2 && enc->str[i + n - 2] == '%')
                    n -= 2;
            }
            g_string_append_printf(v, "%sfilename*%d*=%s%.*s", sec ? "; " : "", sec, sec ? "" : "utf-8''", (int)n,
                                   enc->str + i);
            i += n;
        }
    }
    g_string_free(enc, TRUE);
    return g_string_free(v, FALSE);
}

/* Whether the text can go as 7bit: ASCII without NUL, lines <= 998. */
static bool seven_bit(const GByteArray *d)
{
    size_t col = 0;
    for (guint i = 0; i < d->len; i++) {
        uint8_t c = d->data[i];
        if (c == 0 || c > 127)
            return false;
        if (c == '\n')
            col = 0;
        else if (c != '\r' && ++col > MIME_LINE_LIMIT)
            return false;
    }
    return true;
}

static bool is_ascii(const GByteArray *d)
{
    for (guint i = 0; i < d->len; i++)
        if (d->data[i] > 127)
            return false;
    return true;
}

static void serialise_out(const mime_out *o, bool top, GByteArray *out)
{
    for (guint i = 0; i < o->fields->len; i++) {
        const mime_field *f = g_ptr_array_index(o->fields, i);
        write_field(out, f->name, f->value);
    }
    if (top)
        write_field(out, "MIME-Version", "1.0");
    if (o->kind == OUT_MULTIPART) {
        GPtrArray *bodies = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
        uint64_t h = 0xCBF29CE484222325ULL;
        for (guint i = 0; i < o->children->len; i++) {
            GByteArray *b = g_byte_array_new();
            serialise_out(g_ptr_array_index(o->children, i), false, b);
            h = fnv64(h, b->data, b->len);
            g_ptr_array_add(bodies, b);
        }
        char boundary[MIME_BOUNDARY_MAX + 1], delim[MIME_BOUNDARY_MAX + 3];
        for (unsigned k = 0;; k++) {
            g_snprintf(boundary, sizeof boundary, "=_appsim_%016" G_GINT64_MODIFIER "x_%u", (guint64)h, k);
            g_snprintf(delim, sizeof delim, "--%s", boundary);
            bool clash = false;
            for (guint i = 0; i < bodies->len && !clash; i++) {
                GByteArray *b = g_ptr_array_index(bodies, i);
                clash = contains(b->data, b->len, delim, strlen(delim));
            }
            if (!clash)
                break;
        }
        char *ct = g_strdup_printf("%s; boundary=\"%s\"", o->ctype, boundary);
        write_field(out, "Content-Type", ct);
        g_free(ct);
        appends(out, "\r\n");
        for (guint i = 0; i < bodies->len; i++) {
            GByteArray *b = g_ptr_array_index(bodies, i);
            appends(out, delim);
            appends(out, "\r\n");
            append(out, b->data, b->len);
            appends(out, "\r\n");
        }
        if (bodies->len == 0) {
            appends(out, delim);
            appends(out, "\r\n");
        }
        appends(out, delim);
        appends(out, "--\r\n");
        g_ptr_array_free(bodies, TRUE);
        return;
    }
    if (o->kind == OUT_TEXT) {
        char *ct = g_strdup_printf("%s; charset=%s", o->ctype, is_ascii(o->data) ? "us-ascii" : "utf-8");
        write_field(out, "Content-Type", ct);
        g_free(ct);
        mime_cte cte = o->text_cte;
        if (cte == MIME_CTE_UNKNOWN)
            cte = seven_bit(o->data) ? MIME_CTE_7BIT : MIME_CTE_QP;
        if (cte == MIME_CTE_7BIT || cte == MIME_CTE_8BIT) {
            write_field(out, "Content-Transfer-Encoding", mime_cte_name(cte));
            appends(out, "\r\n");
            append(out, o->data->data, o->data->len);
        } else if (cte == MIME_CTE_BASE64) {
            write_field(out, "Content-Transfer-Encoding", "base64");
            appends(out, "\r\n");
            GString *b = g_string_new(NULL);
            mime_base64_encode(o->data->data, o->data->len, MIME_LINE_MAX, b);
            append(out, b->str, b->len);
            g_string_free(b, TRUE);
        } else {
            write_field(out, "Content-Transfer-Encoding", "quoted-printable");
            appends(out, "\r\n");
            GString *q = g_string_new(NULL);
            mime_qp_encode(o->data->data, o->data->len, true, q);
            append(out, q->str, q->len);
            g_string_free(q, TRUE);
        }
        return;
    }
    write_field(out, "Content-Type", o->ctype);
    write_field(out, "Content-Transfer-Encoding", "base64");
    if (o->filename) {
        char *fp = filename_param(o->filename);
        char *cd = g_strconcat("attachment; ", fp, NULL);
        write_field(out, "Content-Disposition", cd);
        g_free(cd);
        g_free(fp);
    } else {
        write_field(out, "Content-Disposition", "attachment");
    }
    appends(out, "\r\n");
    GString *b = g_string_new(NULL);
    mime_base64_encode(o->data->data, o->data->len, MIME_LINE_MAX, b);
    append(out, b->str, b->len);
    g_string_free(b, TRUE);
}

GByteArray *mime_out_serialise(const mime_out *o)
{
    GByteArray *out = g_byte_array_new();
    serialise_out(o, true, out);
    return out;
}
