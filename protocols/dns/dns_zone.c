/*
 * dns_zone: one authoritative zone and its master-file reader (see
 * dns_zone.h).
 *
 * Storage: every owner is a node (its canonical name and a GArray of its
 * records in insertion order) kept in `order` (first-record order) and
 * hashed by its lower-case name in `nodes`. `names` holds the lower-case
 * form of every owner and of every name between an owner and the origin,
 * so that an empty non-terminal is found by one lookup.
 *
 * The reader is a small lexer (words, quoted strings, ends of lines;
 * parentheses and comments handled inside it, with line and column) and a
 * record parser on top, which builds dns_rr values and hands them to
 * dns_zone_add; an error there is prefixed with the record's location.
 */
#include "dns_zone.h"

#include <string.h>

G_DEFINE_QUARK(appsim-dns-zone-error-quark, dns_zone_error)

typedef struct {
    char *name;  /* canonical */
    GArray *rrs; /* of dns_rr */
    bool cname, ns, soa; /* it has records of these types */
} node;

struct dns_zone {
    char *origin;
    GHashTable *nodes; /* lower-case name -> node*; lookup only */
    GPtrArray *order;  /* of node*, owns them */
    GHashTable *names; /* lower-case names that exist (owners, empty non-terminals) */
    GHashTable *keys;  /* GBytes of every record's identity (rr_key): finds duplicates */
    guint count;
    node *apex_soa;    /* the node holding the SOA, once added */
    guint soa_index;   /* the SOA's index in its records */
};

static void rr_clear_cb(gpointer p) { dns_rr_clear(p); }

static void node_free(gpointer p)
{
    node *n = p;
    g_free(n->name);
    g_array_unref(n->rrs);
    g_free(n);
}

dns_zone *dns_zone_new(const char *origin, GError **err)
{
    char *o = dns_name_canon(origin ? origin : "", err);
    if (!o)
        return NULL;
    dns_zone *z = g_new0(dns_zone, 1);
    z->origin = o;
    z->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    z->order = g_ptr_array_new_with_free_func(node_free);
    z->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    z->keys = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
    return z;
}

void dns_zone_free(dns_zone *z)
{
    if (!z)
        return;
    g_hash_table_unref(z->nodes);
    g_ptr_array_unref(z->order);
    g_hash_table_unref(z->names);
    g_hash_table_unref(z->keys);
    g_free(z->origin);
    g_free(z);
}

const char *dns_zone_origin(const dns_zone *z) { return z->origin; }
guint dns_zone_count(const dns_zone *z) { return z->count; }

static node *node_get(const dns_zone *z, const char *name)
{
    char *k = dns_name_key(name);
    node *n = g_hash_table_lookup(z->nodes, k);
    g_free(k);
    return n;
}

const dns_rr *dns_zone_soa(const dns_zone *z)
{
    return z->apex_soa ? &g_array_index(z->apex_soa->rrs, dns_rr, z->soa_index) : NULL;
}

const dns_rr *dns_zone_find(const dns_zone *z, const char *name, guint *n)
{
    node *nd = node_get(z, name);
    *n = nd ? nd->rrs->len : 0;
    return nd ? &g_array_index(nd->rrs, dns_rr, 0) : NULL;
}

bool dns_zone_name_exists(const dns_zone *z, const char *name)
{
    char *k = dns_name_key(name);
    bool r = g_hash_table_contains(z->names, k);
    g_free(k);
    return r;
}


const char *dns_zone_cut(const dns_zone *z, const char *name)
{
    if (!dns_name_is_under(name, z->origin) || dns_name_eq(name, z->origin))
        return NULL;
    /* Collect the names from `name` up to just below the origin, then
     * look from the top down: the first NS owner met is the cut. */
    const char *chain[128];
    int k = 0;
    for (const char *p = name; !dns_name_eq(p, z->origin) && k < 128; p = dns_name_parent(p))
        chain[k++] = p;
    for (int i = k - 1; i >= 0; i--) {
        node *n = node_get(z, chain[i]);
        if (n && n->ns)
            return n->name;
    }
    return NULL;
}

guint dns_zone_owners(const dns_zone *z) { return z->order->len; }

const dns_rr *dns_zone_owner_at(const dns_zone *z, guint i, const char **name, guint *n)
{
    node *nd = g_ptr_array_index(z->order, i);
    if (name)
        *name = nd->name;
    *n = nd->rrs->len;
    return &g_array_index(nd->rrs, dns_rr, 0);
}

bool dns_zone_equal(const dns_zone *a, const dns_zone *b)
{
    if (!dns_name_eq(a->origin, b->origin) || a->count != b->count || a->order->len != b->order->len)
        return false;
    for (guint i = 0; i < a->order->len; i++) {
        node *x = g_ptr_array_index(a->order, i), *y = g_ptr_array_index(b->order, i);
        if (!dns_name_eq(x->name, y->name) || x->rrs->len != y->rrs->len)
            return false;
        for (guint j = 0; j < x->rrs->len; j++) {
            const dns_rr *r = &g_array_index(x->rrs, dns_rr, j), *s = &g_array_index(y->rrs, dns_rr, j);
            if (r->ttl != s->ttl || !dns_rr_same_data(r, s))
                return false;
        }
    }
    return true;
}

/* ---- adding records ------------------------------------------------------ */

/* The canonical form of a name field of a record, or NULL with err. */
static char *canon_field(const char *name, const char *what, GError **err)
{
    if (!name) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_DATA, "a record without %s, expected a name",
                    what);
        return NULL;
    }
    GError *e = NULL;
    char *c = dns_name_canon(name, &e);
    if (!c) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_DATA, "%s \"%s\": %s", what, name, e->message);
        g_error_free(e);
    }
    return c;
}

static bool type_has_target(uint16_t t)
{
    return t == DNS_T_NS || t == DNS_T_CNAME || t == DNS_T_PTR || t == DNS_T_MX || t == DNS_T_SOA;
}

static const char *type_text(uint16_t t, char buf[16])
{
    const char *n = dns_type_name(t);
    if (n)
        return n;
    g_snprintf(buf, 16, "TYPE%u", (unsigned)t);
    return buf;
}

static void key_name(GByteArray *k, const char *name)
{
    char *l = dns_name_key(name ? name : "");
    g_byte_array_append(k, (const guint8 *)l, (guint)strlen(l) + 1);
    g_free(l);
}

/* A record's identity as dns_rr_same_data sees it (owner and names in the
 * data without case, type, class, data; not the TTL), as bytes. Names
 * are canonical here, so equal names give equal keys. O(length). */
static GBytes *rr_key(const dns_rr *rr)
{
    GByteArray *k = g_byte_array_new();
    uint16_t tc[2] = {rr->type, rr->rclass};
    g_byte_array_append(k, (const guint8 *)tc, sizeof tc);
    key_name(k, rr->name);
    switch (rr->type) {
    case DNS_T_A: g_byte_array_append(k, rr->addr, 4); break;
    case DNS_T_AAAA: g_byte_array_append(k, rr->addr, 16); break;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR: key_name(k, rr->target); break;
    case DNS_T_MX:
        g_byte_array_append(k, (const guint8 *)&rr->pref, sizeof rr->pref);
        key_name(k, rr->target);
        break;
    case DNS_T_SOA: {
        key_name(k, rr->target);
        key_name(k, rr->rname);
        uint32_t v[5] = {rr->serial, rr->refresh, rr->retry, rr->expire, rr->minimum};
        g_byte_array_append(k, (const guint8 *)v, sizeof v);
        break;
    }
    default:
        if (rr->rdlen)
            g_byte_array_append(k, rr->rdata, rr->rdlen);
        break;
    }
    return g_byte_array_free_to_bytes(k);
}

bool dns_zone_add(dns_zone *z, const dns_rr *rr, GError **err)
{
    char tb[16];
    if (rr->rclass != DNS_CLASS_IN) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_DATA, "class %u, expected class IN (1)",
                    (unsigned)rr->rclass);
        return false;
    }
    if (rr->type == 0 || rr->type == DNS_T_OPT || rr->type == DNS_T_ANY || rr->type == 251 ||
        rr->type == 252 || rr->type == 253 || rr->type == 254) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_DATA,
                    "type %s in a zone, expected a data type (A, NS, MX, ...)", type_text(rr->type, tb));
        return false;
    }
    if (rr->ttl > DNS_TTL_MAX) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_DATA, "TTL %u, expected at most %u",
                    (unsigned)rr->ttl, DNS_TTL_MAX);
        return false;
    }
    char *owner = canon_field(rr->name, "owner name", err);
    if (!owner)
        return false;
    char *target = NULL, *rname = NULL;
    bool ok = false;
    if (!dns_name_is_under(owner, z->origin)) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_DATA,
                    "%s. is outside the zone, expected a name at or below %s.", owner, z->origin);
        goto out;
    }
    if (type_has_target(rr->type) && !(target = canon_field(rr->target, "target name", err)))
        goto out;
    if (rr->type == DNS_T_SOA && !(rname = canon_field(rr->rname, "mailbox name", err)))
        goto out;
    if (rr->type == DNS_T_SOA && !dns_name_eq(owner, z->origin)) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_DATA,
                    "an SOA record at %s., expected it only at the apex %s.", owner, z->origin);
        goto out;
    }
    char *key = dns_name_key(owner);
    node *n = g_hash_table_lookup(z->nodes, key);
    dns_rr copy;
    dns_rr_copy(&copy, rr);
    g_free(copy.name);
    copy.name = owner;
    owner = NULL;
    g_free(copy.target);
    copy.target = target;
    target = NULL;
    g_free(copy.rname);
    copy.rname = rname;
    rname = NULL;
    GBytes *id = rr_key(&copy);
    if (g_hash_table_contains(z->keys, id)) {
        g_bytes_unref(id);
        dns_rr_clear(&copy);
        g_free(key);
        return true; /* a duplicate */
    }
    if (n) {
        bool cname = n->cname;
        if (cname || (rr->type == DNS_T_CNAME && n->rrs->len > 0)) {
            g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_DATA,
                        "%s. has a CNAME and other data, expected either one CNAME or other records",
                        copy.name);
            goto fail;
        }
        if (rr->type == DNS_T_SOA && n->soa) {
            g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_DATA,
                        "a second SOA record, expected one SOA per zone");
            goto fail;
        }
    }
    if (z->count >= DNS_ZONE_MAX_RECORDS) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_LIMIT,
                    "more than %u records, expected at most %u per zone", DNS_ZONE_MAX_RECORDS,
                    DNS_ZONE_MAX_RECORDS);
        goto fail;
    }
    if (!n) {
        n = g_new0(node, 1);
        n->name = g_strdup(copy.name);
        n->rrs = g_array_new(FALSE, TRUE, sizeof(dns_rr));
        g_array_set_clear_func(n->rrs, rr_clear_cb);
        g_hash_table_insert(z->nodes, key, n);
        key = NULL;
        g_ptr_array_add(z->order, n);
        /* The owner and every name between it and the origin exist. */
        for (const char *p = copy.name;; p = dns_name_parent(p)) {
            char *k = dns_name_key(p);
            if (!g_hash_table_add(z->names, k))
                break; /* already there, and so are its ancestors */
            if (dns_name_eq(p, z->origin) || !*p)
                break;
        }
    }
    g_free(key);
    g_hash_table_add(z->keys, id);
    n->cname |= copy.type == DNS_T_CNAME;
    n->ns |= copy.type == DNS_T_NS;
    n->soa |= copy.type == DNS_T_SOA;
    if (copy.type == DNS_T_SOA) {
        z->apex_soa = n;
        z->soa_index = n->rrs->len;
    }
    g_array_append_val(n->rrs, copy);
    z->count++;
    return true;
fail:
    if (id)
        g_bytes_unref(id);
    dns_rr_clear(&copy);
    g_free(key);
    return false;
out:
    g_free(owner);
    g_free(target);
    g_free(rname);
    return ok;
}

bool dns_zone_check(const dns_zone *z, GError **err)
{
    if (!dns_zone_soa(z)) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_MISSING,
                    "zone %s. has no SOA record, expected one at its apex", z->origin);
        return false;
    }
    node *n = node_get(z, z->origin);
    if (!n || !n->ns) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_MISSING,
                    "zone %s. has no NS record, expected at least one at its apex", z->origin);
        return false;
    }
    return true;
}

/* ---- addresses -------------------------------------------------------------- */

bool dns_parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
        unsigned v = 0;
        size_t digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return false;
        out[part] = (uint8_t)v;
    }
    return i == len;
}

bool dns_parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
    uint16_t w[8];
    int n = 0, gap = -1;
    size_t i = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return false;
    }
    while (i < len) {
        size_t j = i;
        bool dot = false;
        while (j < len && s[j] != ':') {
            if (s[j] == '.')
                dot = true;
            j++;
        }
        if (dot) {
            /* A dotted IPv4 tail: the last 32 bits. */
            uint8_t v4[4];
            if (j != len || n > 6 || !dns_parse_ipv4(s + i, j - i, v4))
                return false;
            w[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
            w[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = j;
            break;
        }
        if (j == i || j - i > 4 || n >= 8)
            return false;
        unsigned v = 0;
        for (size_t k = i; k < j; k++) {
            int h = g_ascii_xdigit_value((char)s[k]);
            if (h < 0)
                return false;
            v = v << 4 | (unsigned)h;
        }
        w[n++] = (uint16_t)v;
        i = j;
        if (i == len)
            break;
        i++; /* the colon */
        if (i < len && s[i] == ':') {
            if (gap >= 0)
                return false; /* a second "::" */
            gap = n;
            i++;
        } else if (i == len) {
            return false; /* a trailing single colon */
        }
    }
    if (gap < 0 && n != 8)
        return false;
    if (gap >= 0 && n > 7)
        return false;
    uint16_t full[8] = {0};
    if (gap < 0) {
        memcpy(full, w, sizeof full);
    } else {
        for (int k = 0; k < gap; k++)
            full[k] = w[k];
        int tail = n - gap;
        for (int k = 0; k < tail; k++)
            full[8 - tail + k] = w[gap + k];
    }
    for (int k = 0; k < 8; k++) {
        out[2 * k] = (uint8_t)(full[k] >> 8);
        out[2 * k + 1] = (uint8_t)(full[k] & 0xff);
    }
    return true;
}

/* ---- the master-file lexer ------------------------------------------------------ */

typedef enum { T_WORD, T_QUOTED, T_EOL, T_EOF } tok_kind;

typedef struct {
    tok_kind kind;
    const char *s; /* WORD: the text as written; QUOTED: between the quotes */
    size_t len;
    int line, col;
    bool line_start; /* the token starts in column 1 (an owner) */
} token;

typedef struct {
    const char *p, *end;
    const char *file;
    int line, col;
    int paren;                 /* open parentheses */
    int paren_line, paren_col; /* where the outermost one opened */
    bool peeked;
    token peek;
} lexer;

static void lx_advance(lexer *lx)
{
    if (*lx->p == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->p++;
}

static void lx_error(const lexer *lx, int line, int col, GError **err, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);
static void lx_error(const lexer *lx, int line, int col, GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_SYNTAX, "%s:%d:%d: %s", lx->file, line, col, m);
    g_free(m);
}

/* Reads the next token; false with err on a lexical error. */
static bool lx_next(lexer *lx, token *t, GError **err)
{
    if (lx->peeked) {
        *t = lx->peek;
        lx->peeked = false;
        return true;
    }
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == ' ' || c == '\t' || c == '\r') {
            lx_advance(lx);
        } else if (c == ';') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx_advance(lx);
        } else if (c == '(') {
            if (lx->paren == 0) {
                lx->paren_line = lx->line;
                lx->paren_col = lx->col;
            }
            lx->paren++;
            lx_advance(lx);
        } else if (c == ')') {
            if (lx->paren == 0) {
                lx_error(lx, lx->line, lx->col, err, "a ')' without '(', expected data");
                return false;
            }
            lx->paren--;
            lx_advance(lx);
        } else if (c == '\n') {
            if (lx->paren > 0) {
                lx_advance(lx);
                continue;
            }
            *t = (token){.kind = T_EOL, .line = lx->line, .col = lx->col};
            lx_advance(lx);
            return true;
        } else if (c == '\0') {
            lx_error(lx, lx->line, lx->col, err, "a NUL byte, expected text");
            return false;
        } else {
            break;
        }
    }
    if (lx->p >= lx->end) {
        if (lx->paren > 0) {
            lx_error(lx, lx->paren_line, lx->paren_col, err,
                     "'(' never closed, expected ')' before the end of the file");
            return false;
        }
        *t = (token){.kind = T_EOF, .line = lx->line, .col = lx->col};
        return true;
    }
    *t = (token){.kind = T_WORD, .line = lx->line, .col = lx->col, .line_start = lx->col == 1};
    if (*lx->p == '"') {
        t->kind = T_QUOTED;
        lx_advance(lx);
        t->s = lx->p;
        for (;;) {
            if (lx->p >= lx->end || *lx->p == '\n') {
                lx_error(lx, t->line, t->col, err,
                         "a quoted string never closed, expected '\"' before the end of the line");
                return false;
            }
            if (*lx->p == '\0') {
                lx_error(lx, lx->line, lx->col, err, "a NUL byte, expected text");
                return false;
            }
            if (*lx->p == '"')
                break;
            if (*lx->p == '\\' && lx->p + 1 < lx->end && lx->p[1] != '\n')
                lx_advance(lx);
            lx_advance(lx);
        }
        t->len = (size_t)(lx->p - t->s);
        lx_advance(lx);
        return true;
    }
    t->s = lx->p;
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == '\0') {
            lx_error(lx, lx->line, lx->col, err, "a NUL byte, expected text");
            return false;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' || c == ')' ||
            c == '"')
            break;
        if (c == '\\' && lx->p + 1 < lx->end && lx->p[1] != '\n' && lx->p[1] != '\0')
            lx_advance(lx);
        lx_advance(lx);
    }
    t->len = (size_t)(lx->p - t->s);
    return true;
}

static void lx_unread(lexer *lx, const token *t)
{
    lx->peek = *t;
    lx->peeked = true;
}

/* ---- the record parser ----------------------------------------------------------- */

typedef struct {
    lexer lx;
    dns_zone *z;
    char *cur_origin;   /* NULL until known */
    char *prev_owner;   /* the previous record's owner */
    bool have_ttl;      /* a $TTL was given */
    uint32_t default_ttl;
    bool have_last_ttl; /* a TTL was written on a record */
    uint32_t last_ttl;
} reader;

static bool tok_is(const token *t, const char *word)
{
    return t->kind == T_WORD && strlen(word) == t->len && g_ascii_strncasecmp(t->s, word, t->len) == 0;
}

static const char *tok_what(const token *t)
{
    switch (t->kind) {
    case T_EOL: return "the end of the line";
    case T_EOF: return "the end of the file";
    case T_QUOTED: return "a quoted string";
    default: return NULL;
    }
}

/* "found X" for an error message (a new string). */
static char *found(const token *t)
{
    const char *w = tok_what(t);
    if (w && t->kind != T_QUOTED)
        return g_strdup(w);
    size_t n = MIN(t->len, (size_t)60);
    return g_strdup_printf("%s\"%.*s\"%s", t->kind == T_QUOTED ? "a quoted string " : "", (int)n,
                           t->s, n < t->len ? "..." : "");
}

static bool expect_error(reader *r, const token *t, GError **err, const char *expected)
{
    char *f = found(t);
    lx_error(&r->lx, t->line, t->col, err, "found %s, expected %s", f, expected);
    g_free(f);
    return false;
}

/* Reads a TTL (seconds, or BIND's units 1w2d3h4m5s). */
static bool parse_ttl_text(const char *s, size_t len, uint32_t *out)
{
    if (len == 0)
        return false;
    uint64_t total = 0, v = 0;
    bool digits = false, units = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            v = v * 10 + (uint64_t)(c - '0');
            digits = true;
            if (v > DNS_TTL_MAX)
                return false;
            continue;
        }
        uint64_t mult;
        switch (g_ascii_tolower(c)) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        case 'w': mult = 604800; break;
        default: return false;
        }
        if (!digits)
            return false;
        total += v * mult;
        if (total > DNS_TTL_MAX)
            return false;
        v = 0;
        digits = false;
        units = true;
    }
    if (digits)
        total += v;
    else if (!units)
        return false;
    if (total > DNS_TTL_MAX)
        return false;
    *out = (uint32_t)total;
    return true;
}

static bool parse_u32(const token *t, uint64_t max, uint32_t *out)
{
    if (t->kind != T_WORD || t->len == 0 || t->len > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < t->len; i++) {
        if (t->s[i] < '0' || t->s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(t->s[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* A name token: "@", absolute, or relative to the current origin. A new
 * canonical string, or NULL with err. */
static char *read_name(reader *r, const token *t, GError **err)
{
    if (t->kind != T_WORD)
        return expect_error(r, t, err, "a domain name"), NULL;
    if (t->len == 1 && t->s[0] == '@') {
        if (!r->cur_origin) {
            lx_error(&r->lx, t->line, t->col, err,
                     "'@' with no origin known, expected a $ORIGIN line or an absolute name");
            return NULL;
        }
        return g_strdup(r->cur_origin);
    }
    /* Absolute when the last character is a dot not escaped. */
    size_t bs = 0;
    while (bs + 1 < t->len && t->s[t->len - 2 - bs] == '\\')
        bs++;
    bool absolute = t->s[t->len - 1] == '.' && bs % 2 == 0;
    char *text;
    if (absolute) {
        text = g_strndup(t->s, t->len);
    } else {
        if (!r->cur_origin) {
            lx_error(&r->lx, t->line, t->col, err,
                     "a relative name \"%.*s\" with no origin known, expected an absolute name "
                     "(ending in '.') or a $ORIGIN line",
                     (int)MIN(t->len, (size_t)60), t->s);
            return NULL;
        }
        text = r->cur_origin[0] ? g_strdup_printf("%.*s.%s", (int)t->len, t->s, r->cur_origin)
                                : g_strndup(t->s, t->len);
    }
    GError *e = NULL;
    char *c = dns_name_canon(text, &e);
    if (!c) {
        lx_error(&r->lx, t->line, t->col, err, "\"%.*s\" is %s, expected a domain name",
                 (int)MIN(t->len, (size_t)60), t->s, e->message);
        g_error_free(e);
    }
    g_free(text);
    return c;
}

/* One character-string of TXT: unescapes \X and \DDD into `out`. */
static bool read_string(reader *r, const token *t, GByteArray *out, GError **err)
{
    size_t start = out->len;
    g_byte_array_append(out, (const guint8 *)"", 1); /* the length, set below */
    for (size_t i = 0; i < t->len; i++) {
        uint8_t b = (uint8_t)t->s[i];
        if (b == '\\' && i + 1 < t->len) {
            char d = t->s[i + 1];
            if (d >= '0' && d <= '9') {
                if (i + 3 >= t->len || !g_ascii_isdigit(t->s[i + 2]) || !g_ascii_isdigit(t->s[i + 3])) {
                    lx_error(&r->lx, t->line, t->col + (int)i + (t->kind == T_QUOTED),
                             err, "a bad escape, expected \\DDD with three digits");
                    return false;
                }
                unsigned v = (unsigned)(d - '0') * 100 + (unsigned)(t->s[i + 2] - '0') * 10 +
                             (unsigned)(t->s[i + 3] - '0');
                if (v > 255) {
                    lx_error(&r->lx, t->line, t->col + (int)i + (t->kind == T_QUOTED), err,
                             "escape \\%03u, expected at most \\255", v);
                    return false;
                }
                b = (uint8_t)v;
                i += 3;
            } else {
                b = (uint8_t)d;
                i++;
            }
        }
        g_byte_array_append(out, &b, 1);
    }
    size_t n = out->len - start - 1;
    if (n > 255) {
        lx_error(&r->lx, t->line, t->col, err, "a string of %zu bytes, expected at most 255", n);
        return false;
    }
    out->data[start] = (uint8_t)n;
    return true;
}

static bool expect_eol(reader *r, GError **err)
{
    token t;
    if (!lx_next(&r->lx, &t, err))
        return false;
    if (t.kind == T_EOL || t.kind == T_EOF)
        return true;
    return expect_error(r, &t, err, "the end of the record");
}

static bool next(reader *r, token *t, GError **err) { return lx_next(&r->lx, t, err); }

static bool directive(reader *r, const token *d, GError **err)
{
    token t;
    if (!next(r, &t, err))
        return false;
    if (tok_is(d, "$ORIGIN")) {
        /* $ORIGIN's own name may be relative to the current origin. */
        char *o = read_name(r, &t, err);
        if (!o)
            return false;
        g_free(r->cur_origin);
        r->cur_origin = o;
        return expect_eol(r, err);
    }
    if (tok_is(d, "$TTL")) {
        if (t.kind != T_WORD || !parse_ttl_text(t.s, t.len, &r->default_ttl))
            return expect_error(r, &t, err, "a TTL (seconds up to 2147483647, or like 1h30m)");
        r->have_ttl = true;
        return expect_eol(r, err);
    }
    if (tok_is(d, "$INCLUDE") || tok_is(d, "$GENERATE")) {
        lx_error(&r->lx, d->line, d->col, err, "%.*s is not supported, expected $ORIGIN or $TTL",
                 (int)d->len, d->s);
        return false;
    }
    return expect_error(r, d, err, "$ORIGIN or $TTL");
}

static bool is_class_like(const token *t)
{
    return tok_is(t, "CH") || tok_is(t, "HS") || tok_is(t, "CS") || tok_is(t, "ANY") ||
           (t->kind == T_WORD && t->len > 5 && g_ascii_strncasecmp(t->s, "CLASS", 5) == 0);
}

#define TYPES_EXPECTED "a type (A, AAAA, NS, CNAME, SOA, PTR, MX or TXT)"

/* Reads the data of a record of type rr->type (one of TYPES_EXPECTED)
 * into `rr`, from the token after the type on. */
static bool read_rdata(reader *r, dns_rr *rr, GError **err)
{
    token d;
    if (!next(r, &d, err))
        return false;
    uint16_t type = rr->type;
    switch (type) {
    case DNS_T_A:
        if (d.kind != T_WORD || !dns_parse_ipv4(d.s, d.len, rr->addr)) {
            expect_error(r, &d, err, "an IPv4 address like 192.0.2.1");
            return false;
        }
        break;
    case DNS_T_AAAA:
        if (d.kind != T_WORD || !dns_parse_ipv6(d.s, d.len, rr->addr)) {
            expect_error(r, &d, err, "an IPv6 address like 2001:db8::1");
            return false;
        }
        break;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR:
        if (!(rr->target = read_name(r, &d, err)))
            return false;
        break;
    case DNS_T_MX: {
        uint32_t pref;
        if (!parse_u32(&d, 65535, &pref)) {
            expect_error(r, &d, err, "a preference from 0 to 65535");
            return false;
        }
        rr->pref = (uint16_t)pref;
        if (!next(r, &d, err) || !(rr->target = read_name(r, &d, err)))
            return false;
        break;
    }
    case DNS_T_SOA: {
        if (!(rr->target = read_name(r, &d, err)))
            return false;
        if (!next(r, &d, err) || !(rr->rname = read_name(r, &d, err)))
            return false;
        uint32_t *nums[5] = {&rr->serial, &rr->refresh, &rr->retry, &rr->expire, &rr->minimum};
        static const char *const what[5] = {"the serial (0 to 4294967295)",
                                            "the refresh time", "the retry time",
                                            "the expire time", "the minimum (negative) TTL"};
        for (int i = 0; i < 5; i++) {
            if (!next(r, &d, err))
                return false;
            bool good = i == 0 ? parse_u32(&d, UINT32_MAX, nums[i])
                               : d.kind == T_WORD && parse_ttl_text(d.s, d.len, nums[i]);
            if (!good) {
                char *e = g_strdup_printf("%s%s", what[i], i ? " (seconds or like 1h)" : "");
                expect_error(r, &d, err, e);
                g_free(e);
                return false;
            }
        }
        break;
    }
    case DNS_T_TXT: {
        GByteArray *b = g_byte_array_new();
        int strings = 0;
        while (d.kind == T_WORD || d.kind == T_QUOTED) {
            if (!read_string(r, &d, b, err)) {
                g_byte_array_unref(b);
                return false;
            }
            strings++;
            if (b->len > 65535) {
                lx_error(&r->lx, d.line, d.col, err, "TXT data of %u bytes, expected at most 65535",
                         b->len);
                g_byte_array_unref(b);
                return false;
            }
            if (!next(r, &d, err)) {
                g_byte_array_unref(b);
                return false;
            }
        }
        if (strings == 0) {
            g_byte_array_unref(b);
            expect_error(r, &d, err, "a character string (quoted or not)");
            return false;
        }
        rr->rdlen = (uint16_t)b->len;
        rr->rdata = g_byte_array_free(b, FALSE);
        lx_unread(&r->lx, &d);
        break;
    }
    }
    return true;
}

/* Reads one record whose first token is `t`; adds it to the zone. */
static bool record(reader *r, token t, GError **err)
{
    dns_rr rr;
    memset(&rr, 0, sizeof rr);
    rr.rclass = DNS_CLASS_IN;
    int rline = t.line, rcol = t.col;
    bool ok = false;
    if (t.line_start) {
        rr.name = read_name(r, &t, err);
        if (!rr.name)
            return false;
        g_free(r->prev_owner);
        r->prev_owner = g_strdup(rr.name);
        if (!next(r, &t, err))
            goto out;
    } else {
        if (!r->prev_owner) {
            lx_error(&r->lx, t.line, t.col, err,
                     "a record without an owner and none before it, expected an owner name in "
                     "column 1");
            goto out;
        }
        rr.name = g_strdup(r->prev_owner);
    }
    bool have_ttl = false, have_class = false;
    for (int i = 0; i < 2; i++) {
        if (!have_ttl && t.kind == T_WORD && t.len > 0 && g_ascii_isdigit(t.s[0])) {
            if (!parse_ttl_text(t.s, t.len, &rr.ttl)) {
                expect_error(r, &t, err, "a TTL (seconds up to 2147483647, or like 1h30m)");
                goto out;
            }
            have_ttl = true;
        } else if (!have_class && tok_is(&t, "IN")) {
            have_class = true;
        } else if (!have_class && is_class_like(&t)) {
            expect_error(r, &t, err, "class IN (the only class appsim serves)");
            goto out;
        } else {
            break;
        }
        if (!next(r, &t, err))
            goto out;
    }
    uint16_t type = 0;
    if (t.kind == T_WORD && t.len < 16) {
        char tb[16];
        memcpy(tb, t.s, t.len);
        tb[t.len] = 0;
        type = dns_type_parse(tb);
    }
    switch (type) {
    case DNS_T_A: case DNS_T_AAAA: case DNS_T_NS: case DNS_T_CNAME: case DNS_T_SOA:
    case DNS_T_PTR: case DNS_T_MX: case DNS_T_TXT:
        break;
    default:
        expect_error(r, &t, err, TYPES_EXPECTED);
        goto out;
    }
    rr.type = type;
    if (!read_rdata(r, &rr, err))
        goto out;
    if (!expect_eol(r, err))
        goto out;
    if (have_ttl) {
        r->have_last_ttl = true;
        r->last_ttl = rr.ttl;
    } else if (r->have_ttl) {
        rr.ttl = r->default_ttl;
    } else if (r->have_last_ttl) {
        rr.ttl = r->last_ttl;
    } else if (type == DNS_T_SOA) {
        /* BIND's rule: without $TTL, the SOA's MINIMUM is the default. */
        rr.ttl = rr.minimum;
        r->have_last_ttl = true;
        r->last_ttl = rr.ttl;
    } else {
        lx_error(&r->lx, rline, rcol, err,
                 "a record without a TTL and none before it, expected a TTL or a $TTL line");
        goto out;
    }
    if (!r->z) {
        if (type != DNS_T_SOA) {
            lx_error(&r->lx, rline, rcol, err,
                     "a %s record first, expected the SOA record first when no origin is given",
                     dns_type_name(type));
            goto out;
        }
        r->z = dns_zone_new(rr.name, NULL);
    }
    GError *e = NULL;
    if (!dns_zone_add(r->z, &rr, &e)) {
        g_set_error(err, DNS_ZONE_ERROR, e->code, "%s:%d:%d: %s", r->lx.file, rline, rcol, e->message);
        g_error_free(e);
        goto out;
    }
    ok = true;
out:
    dns_rr_clear(&rr);
    return ok;
}

dns_zone *dns_zone_parse(const char *text, size_t len, const char *file, const char *origin,
                         GError **err)
{
    if (!file)
        file = "zone";
    if (len > DNS_ZONE_MAX_TEXT) {
        g_set_error(err, DNS_ZONE_ERROR, DNS_ZONE_ERROR_LIMIT,
                    "%s: %zu bytes of zone text, expected at most %zu", file, len, DNS_ZONE_MAX_TEXT);
        return NULL;
    }
    reader r;
    memset(&r, 0, sizeof r);
    r.lx = (lexer){.p = text, .end = text + len, .file = file, .line = 1, .col = 1};
    if (origin) {
        r.z = dns_zone_new(origin, err);
        if (!r.z)
            return NULL;
        r.cur_origin = g_strdup(dns_zone_origin(r.z));
    }
    bool ok = true;
    token t;
    for (;;) {
        if (!(ok = lx_next(&r.lx, &t, err)))
            break;
        if (t.kind == T_EOF)
            break;
        if (t.kind == T_EOL)
            continue;
        if (t.kind == T_WORD && t.line_start && t.len > 0 && t.s[0] == '$') {
            if (!(ok = directive(&r, &t, err)))
                break;
            continue;
        }
        if (t.kind == T_QUOTED) {
            ok = expect_error(&r, &t, err, "an owner name or a record");
            break;
        }
        if (!(ok = record(&r, t, err)))
            break;
    }
    if (ok && !r.z) {
        lx_error(&r.lx, t.line, t.col, err, "no records, expected an SOA record");
        ok = false;
    }
    if (ok) {
        GError *e = NULL;
        if (!dns_zone_check(r.z, &e)) {
            g_set_error(err, DNS_ZONE_ERROR, e->code, "%s:%d:%d: %s", file, t.line, t.col, e->message);
            g_error_free(e);
            ok = false;
        }
    }
    g_free(r.cur_origin);
    g_free(r.prev_owner);
    if (!ok) {
        dns_zone_free(r.z);
        return NULL;
    }
    return r.z;
}
