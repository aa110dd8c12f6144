/*
 * imap_envelope: the header of a message as IMAP's ENVELOPE shows it
 * (RFC 3501 7.4.2): header fields found and unfolded, address lists
 * split into (name adl mailbox host) with groups as RFC 3501 writes
 * them. See imap_msgpart.h.
 */
#include "imap_msgpart.h"

#include <string.h>

#include "imap_server_impl.h"

size_t imap_msg_header_len(const uint8_t *d, size_t n)
{
    if (n >= 2 && d[0] == '\r' && d[1] == '\n')
        return 2;
    if (n >= 1 && d[0] == '\n')
        return 1;
    for (size_t i = 0; i + 1 < n; i++) {
        if (d[i] != '\n')
            continue;
        if (d[i + 1] == '\n')
            return i + 2;
        if (d[i + 1] == '\r' && i + 2 < n && d[i + 2] == '\n')
            return i + 3;
    }
    return n;
}

/* The end of the field starting at i (its last line break included). */
static size_t field_end(const uint8_t *h, size_t n, size_t i)
{
    for (;;) {
        const uint8_t *lf = memchr(h + i, '\n', n - i);
        if (!lf)
            return n;
        i = (size_t)(lf - h) + 1;
        if (i >= n || (h[i] != ' ' && h[i] != '\t'))
            return i;
    }
}

/* Whether the field at [i, end) has the name `name` (any case). */
static bool field_named(const uint8_t *h, size_t i, size_t end, const char *name)
{
    size_t k = strlen(name);
    return end - i > k && g_ascii_strncasecmp((const char *)h + i, name, k) == 0 && h[i + k] == ':';
}

char *imap_header_value(const uint8_t *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n;) {
        size_t end = field_end(h, n, i);
        if (field_named(h, i, end, name)) {
            GString *v = g_string_new(NULL);
            size_t k = i + strlen(name) + 1;
            while (k < end && (h[k] == ' ' || h[k] == '\t'))
                k++;
            for (; k < end; k++)
                if (h[k] != '\r' && h[k] != '\n')
                    g_string_append_c(v, h[k] ? (char)h[k] : ' ');
            return g_string_free(v, FALSE);
        }
        i = end;
    }
    return NULL;
}

static void nstring_or_nil(GString *o, const char *v)
{
    if (v && *v)
        imap_out_string(o, v, strlen(v));
    else
        g_string_append(o, "NIL");
}

/* Trims white space at both ends, in place. */
static char *trim(char *t) { return g_strstrip(t); }

/* A display name: quotes removed, backslash escapes undone, comments out. */
static char *unquote(const char *t, size_t n)
{
    GString *o = g_string_new(NULL);
    bool q = false;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = t[i];
        if (ch == '\\' && i + 1 < n && (q || depth)) {
            if (!depth)
                g_string_append_c(o, t[i + 1]);
            i++;
        } else if (ch == '"' && !depth) {
            q = !q;
        } else if (ch == '(' && !q) {
            depth++;
        } else if (ch == ')' && !q && depth) {
            depth--;
        } else if (!depth) {
            g_string_append_c(o, ch);
        }
    }
    return trim(g_string_free(o, FALSE));
}

/* One mailbox: "name <local@host>" or "local@host (comment)". */
static void address_write(GString *o, const char *t, size_t n)
{
    const char *lt = NULL, *gt = NULL;
    bool q = false;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '"' && (i == 0 || t[i - 1] != '\\'))
            q = !q;
        else if (!q && t[i] == '<' && !lt)
            lt = t + i;
        else if (!q && t[i] == '>' && lt && !gt)
            gt = t + i;
    }
    char *name = NULL, *spec;
    if (lt && gt) {
        name = unquote(t, (size_t)(lt - t));
        spec = unquote(lt + 1, (size_t)(gt - lt - 1));
    } else {
        spec = unquote(t, n);
    }
    if (!*spec) {
        g_free(name);
        g_free(spec);
        return;
    }
    char *at = strrchr(spec, '@');
    if (at)
        *at = 0;
    g_string_append_c(o, '(');
    nstring_or_nil(o, name);
    g_string_append(o, " NIL ");
    imap_out_string(o, spec, strlen(spec));
    g_string_append_c(o, ' ');
    imap_out_string(o, at ? at + 1 : "", at ? strlen(at + 1) : 0);
    g_string_append_c(o, ')');
    g_free(name);
    g_free(spec);
}

/* The next top-level separator (one of `seps`) in t[i, n), or n. */
static size_t next_sep(const char *t, size_t i, size_t n, const char *seps)
{
    bool q = false;
    int paren = 0, angle = 0;
    for (; i < n; i++) {
        char ch = t[i];
        if (ch == '\\' && i + 1 < n)
            i++;
        else if (ch == '"' && !paren)
            q = !q;
        else if (!q && ch == '(')
            paren++;
        else if (!q && ch == ')' && paren)
            paren--;
        else if (!q && !paren && ch == '<')
            angle++;
        else if (!q && !paren && ch == '>' && angle)
            angle--;
        else if (!q && !paren && !angle && strchr(seps, ch))
            return i;
    }
    return n;
}

/* An address list, NIL when empty. Groups ("name: a, b;") become a
 * start (NIL NIL "name" NIL), their members and an end (NIL NIL NIL NIL). */
static void address_list_write(GString *o, const char *v)
{
    size_t n = v ? strlen(v) : 0, start = o->len;
    g_string_append_c(o, '(');
    for (size_t i = 0; i < n;) {
        size_t sep = next_sep(v, i, n, ",:;");
        if (sep < n && v[sep] == ':') {
            char *g = unquote(v + i, sep - i);
            g_string_append(o, "(NIL NIL ");
            imap_out_string(o, g, strlen(g));
            g_string_append(o, " NIL)");
            g_free(g);
            i = sep + 1;
            continue;
        }
        address_write(o, v + i, sep - i);
        if (sep < n && v[sep] == ';')
            g_string_append(o, "(NIL NIL NIL NIL)");
        i = sep + 1;
    }
    if (o->len == start + 1) {
        g_string_truncate(o, start);
        g_string_append(o, "NIL");
    } else
        g_string_append_c(o, ')');
}

void imap_envelope_write(GString *o, const uint8_t *msg, size_t n)
{
    size_t hn = imap_msg_header_len(msg, n);
    static const char *const plain[] = {"Date", "Subject"};
    static const char *const lists[] = {"From", "Sender", "Reply-To", "To", "Cc", "Bcc"};
    g_string_append_c(o, '(');
    for (size_t i = 0; i < G_N_ELEMENTS(plain); i++) {
        char *v = imap_header_value(msg, hn, plain[i]);
        nstring_or_nil(o, v);
        g_string_append_c(o, ' ');
        g_free(v);
    }
    char *from = imap_header_value(msg, hn, "From");
    for (size_t i = 0; i < G_N_ELEMENTS(lists); i++) {
        char *v = imap_header_value(msg, hn, lists[i]);
        /* Sender and Reply-To default to From (RFC 3501 7.4.2). */
        address_list_write(o, v || i == 0 || i > 2 ? v : from);
        g_string_append_c(o, ' ');
        g_free(v);
    }
    g_free(from);
    char *irt = imap_header_value(msg, hn, "In-Reply-To"), *mid = imap_header_value(msg, hn, "Message-ID");
    nstring_or_nil(o, irt);
    g_string_append_c(o, ' ');
    nstring_or_nil(o, mid);
    g_string_append_c(o, ')');
    g_free(irt);
    g_free(mid);
}
