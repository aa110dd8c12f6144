/*
 * imap_parse: the tokens of an IMAP command. See imap_parse.h.
 */
#include "imap_parse.h"

#include <string.h>

bool imap_p_eol(const imap_cursor *c) { return c->pos >= c->len; }

int imap_p_peek(const imap_cursor *c) { return c->pos < c->len ? c->p[c->pos] : -1; }

bool imap_p_char(imap_cursor *c, char ch)
{
    if (c->pos < c->len && c->p[c->pos] == (uint8_t)ch) {
        c->pos++;
        return true;
    }
    return false;
}

bool imap_p_sp(imap_cursor *c) { return imap_p_char(c, ' '); }

static bool is_atom_char(uint8_t b)
{
    if (b <= 0x1f || b >= 0x7f)
        return false;
    return !strchr("(){ %*\"\\]", b);
}

bool imap_p_atom(imap_cursor *c, const char *extra, char **out)
{
    size_t start = c->pos, i = c->pos;
    while (i < c->len && (is_atom_char(c->p[i]) || (extra && c->p[i] > 0x1f && c->p[i] < 0x7f && c->p[i] != ' ' &&
                                                    strchr(extra, c->p[i]))))
        i++;
    if (i == start)
        return false;
    c->pos = i;
    if (out)
        *out = g_strndup((const char *)c->p + start, i - start);
    return true;
}

bool imap_p_tag(imap_cursor *c, char **out)
{
    size_t start = c->pos;
    char *t = NULL;
    if (!imap_p_atom(c, NULL, &t))
        return false;
    if (strchr(t, '+')) {
        g_free(t);
        c->pos = start;
        return false;
    }
    *out = t;
    return true;
}

/* "{" number ["+"] "}" CRLF, then the bytes; the span in place. */
bool imap_p_literal_span(imap_cursor *c, const uint8_t **data, size_t *len)
{
    size_t i = c->pos;
    if (i >= c->len || c->p[i] != '{')
        return false;
    i++;
    uint64_t n = 0;
    size_t digits = 0;
    while (i < c->len && c->p[i] >= '0' && c->p[i] <= '9' && digits < 19) {
        n = n * 10 + (uint64_t)(c->p[i] - '0');
        i++;
        digits++;
    }
    if (digits == 0)
        return false;
    if (i < c->len && c->p[i] == '+')
        i++;
    if (i + 3 > c->len || c->p[i] != '}' || c->p[i + 1] != '\r' || c->p[i + 2] != '\n')
        return false;
    i += 3;
    if (n > c->len - i)
        return false;
    *data = c->p + i;
    *len = (size_t)n;
    c->pos = i + (size_t)n;
    return true;
}

static bool quoted(imap_cursor *c, GString *s)
{
    size_t i = c->pos;
    if (i >= c->len || c->p[i] != '"')
        return false;
    for (i++; i < c->len; i++) {
        uint8_t b = c->p[i];
        if (b == '"') {
            c->pos = i + 1;
            return true;
        }
        if (b == '\\') {
            if (i + 1 >= c->len || (c->p[i + 1] != '"' && c->p[i + 1] != '\\'))
                return false;
            b = c->p[++i];
        } else if (b == '\r' || b == '\n' || b == 0) {
            return false;
        }
        g_string_append_c(s, (char)b);
    }
    return false;
}

bool imap_p_string(imap_cursor *c, char **out, size_t *len)
{
    size_t start = c->pos;
    GString *s = g_string_new(NULL);
    const uint8_t *d;
    size_t n;
    if (quoted(c, s)) {
        /* taken */
    } else if (imap_p_literal_span(c, &d, &n)) {
        if (memchr(d, 0, n)) {
            c->pos = start;
            g_string_free(s, TRUE);
            return false;
        }
        g_string_append_len(s, (const char *)d, (gssize)n);
    } else {
        g_string_free(s, TRUE);
        return false;
    }
    if (len)
        *len = s->len;
    *out = g_string_free(s, FALSE);
    return true;
}

bool imap_p_astring(imap_cursor *c, char **out)
{
    return imap_p_atom(c, "]", out) || imap_p_string(c, out, NULL);
}

bool imap_p_list_mailbox(imap_cursor *c, char **out)
{
    return imap_p_atom(c, "%*]", out) || imap_p_string(c, out, NULL);
}

bool imap_p_number(imap_cursor *c, uint32_t *out)
{
    size_t i = c->pos;
    uint64_t n = 0;
    while (i < c->len && c->p[i] >= '0' && c->p[i] <= '9') {
        n = n * 10 + (uint64_t)(c->p[i] - '0');
        if (n > UINT32_MAX)
            return false;
        i++;
    }
    if (i == c->pos)
        return false;
    c->pos = i;
    *out = (uint32_t)n;
    return true;
}

bool imap_p_flag(imap_cursor *c, char **out)
{
    size_t start = c->pos;
    bool system = imap_p_char(c, '\\');
    char *a = NULL;
    if (!imap_p_atom(c, NULL, &a)) {
        c->pos = start;
        return false;
    }
    *out = system ? g_strconcat("\\", a, NULL) : g_strdup(a);
    g_free(a);
    return true;
}

imap_seqset *imap_seqset_new(void)
{
    imap_seqset *s = g_new0(imap_seqset, 1);
    s->ranges = g_array_new(FALSE, FALSE, sizeof(imap_range));
    return s;
}

void imap_seqset_free(imap_seqset *s)
{
    if (!s)
        return;
    g_array_free(s->ranges, TRUE);
    g_free(s);
}

static bool seq_number(imap_cursor *c, uint32_t *out)
{
    if (imap_p_char(c, '*')) {
        *out = 0;
        return true;
    }
    size_t start = c->pos;
    if (!imap_p_number(c, out))
        return false;
    if (*out == 0) {
        c->pos = start;
        return false;
    }
    return true;
}

bool imap_p_seqset(imap_cursor *c, imap_seqset *s)
{
    size_t start = c->pos;
    guint had = s->ranges->len;
    do {
        imap_range r;
        if (!seq_number(c, &r.lo))
            goto fail;
        r.hi = r.lo;
        if (imap_p_char(c, ':') && !seq_number(c, &r.hi))
            goto fail;
        if (s->ranges->len >= IMAP_SEQSET_MAX_RANGES)
            goto fail;
        g_array_append_val(s->ranges, r);
    } while (imap_p_char(c, ','));
    return true;
fail:
    c->pos = start;
    g_array_set_size(s->ranges, had);
    return false;
}

bool imap_seqset_contains(const imap_seqset *s, uint32_t n, uint32_t max)
{
    if (max == 0 || n == 0)
        return false;
    for (guint i = 0; i < s->ranges->len; i++) {
        const imap_range *r = &g_array_index(s->ranges, imap_range, i);
        uint32_t a = r->lo ? r->lo : max, b = r->hi ? r->hi : max;
        if (a > b) {
            uint32_t t = a;
            a = b;
            b = t;
        }
        if (n >= a && n <= b)
            return true;
    }
    return false;
}

bool imap_word_is(const char *atom, const char *keyword) { return g_ascii_strcasecmp(atom, keyword) == 0; }
