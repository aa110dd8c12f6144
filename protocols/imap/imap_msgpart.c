/*
 * imap_msgpart: BODY / BODYSTRUCTURE and the bytes of BODY[section]. See
 * imap_msgpart.h.
 */
#include "imap_msgpart.h"

#include <string.h>

#include "imap_server_impl.h"
#include "protocols/mime/mime_msg.h"

static void write_str(GString *o, const char *v)
{
    if (v)
        imap_out_string(o, v, strlen(v));
    else
        g_string_append(o, "NIL");
}

static void write_upper(GString *o, const char *v)
{
    char *u = g_ascii_strup(v, -1);
    write_str(o, u);
    g_free(u);
}

static size_t count_lines(const uint8_t *d, size_t n)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += d[i] == '\n';
    return lines + (n > 0 && d[n - 1] != '\n');
}

static void write_params(GString *o, const mime_part *p)
{
    bool text = p->type && strcmp(p->type, "text") == 0;
    if (!p->params->len && !text) {
        g_string_append(o, "NIL");
        return;
    }
    g_string_append_c(o, '(');
    if (!p->params->len)
        g_string_append(o, "\"CHARSET\" \"US-ASCII\"");
    for (guint i = 0; i < p->params->len; i++) {
        const mime_param *pr = p->params->pdata[i];
        if (i)
            g_string_append_c(o, ' ');
        write_upper(o, pr->name);
        g_string_append_c(o, ' ');
        write_str(o, pr->value);
    }
    g_string_append_c(o, ')');
}

static void write_disposition(GString *o, const mime_part *p)
{
    if (!p->disposition) {
        g_string_append(o, "NIL");
        return;
    }
    g_string_append_c(o, '(');
    write_upper(o, p->disposition);
    if (p->filename) {
        g_string_append(o, " (\"FILENAME\" ");
        write_str(o, p->filename);
        g_string_append(o, "))");
    } else {
        g_string_append(o, " NIL)");
    }
}

static void structure_bytes(GString *o, const uint8_t *msg, size_t n, bool ext, unsigned nest);

static void write_part(GString *o, const mime_part *p, bool ext, unsigned nest)
{
    g_string_append_c(o, '(');
    if (p->parts) {
        for (guint i = 0; i < p->parts->len; i++)
            write_part(o, p->parts->pdata[i], ext, nest);
        g_string_append_c(o, ' ');
        write_upper(o, p->subtype ? p->subtype : "mixed");
        if (ext) {
            g_string_append_c(o, ' ');
            write_params(o, p);
            g_string_append_c(o, ' ');
            write_disposition(o, p);
            g_string_append(o, " NIL NIL");
        }
        g_string_append_c(o, ')');
        return;
    }
    const char *type = p->type ? p->type : "text", *subtype = p->subtype ? p->subtype : "plain";
    bool rfc822 = strcmp(type, "message") == 0 && strcmp(subtype, "rfc822") == 0;
    bool deep = rfc822 && nest >= IMAP_MSGPART_MAX_NEST;
    write_upper(o, deep ? "application" : type);
    g_string_append_c(o, ' ');
    write_upper(o, deep ? "octet-stream" : subtype);
    g_string_append_c(o, ' ');
    write_params(o, p);
    g_string_append_c(o, ' ');
    write_str(o, mime_part_header(p, "Content-ID"));
    g_string_append_c(o, ' ');
    write_str(o, mime_part_header(p, "Content-Description"));
    g_string_append_c(o, ' ');
    const char *cte = mime_part_header(p, "Content-Transfer-Encoding");
    write_upper(o, p->cte == MIME_CTE_UNKNOWN && cte ? cte : mime_cte_name(p->cte));
    g_string_append_printf(o, " %zu", p->body_len);
    if (rfc822 && !deep) {
        g_string_append_c(o, ' ');
        imap_envelope_write(o, p->body, p->body_len);
        g_string_append_c(o, ' ');
        structure_bytes(o, p->body, p->body_len, ext, nest + 1);
    }
    if ((rfc822 && !deep) || strcmp(type, "text") == 0)
        g_string_append_printf(o, " %zu", count_lines(p->body, p->body_len));
    if (ext) {
        g_string_append(o, " NIL ");
        write_disposition(o, p);
        g_string_append(o, " NIL NIL");
    }
    g_string_append_c(o, ')');
}

/* The structure of a message refused by the MIME parser: all its text as
 * one text/plain body. */
static void structure_fallback(GString *o, const uint8_t *msg, size_t n, bool ext)
{
    size_t hn = imap_msg_header_len(msg, n);
    g_string_append_printf(o, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" %zu %zu%s)", n - hn,
                           count_lines(msg + hn, n - hn), ext ? " NIL NIL NIL NIL" : "");
}

static void structure_bytes(GString *o, const uint8_t *msg, size_t n, bool ext, unsigned nest)
{
    mime_msg *m = NULL;
    if (mime_msg_parse(msg, n, &m, NULL) != MIME_OK || !m) {
        structure_fallback(o, msg, n, ext);
        return;
    }
    write_part(o, m->root, ext, nest);
    mime_msg_free(m);
}

void imap_bodystructure_write(GString *o, const uint8_t *msg, size_t n, bool ext)
{
    structure_bytes(o, msg, n, ext, 0);
}

/* ---- sections ------------------------------------------------------------ */

static bool is_rfc822(const mime_part *p)
{
    return !p->parts && p->type && p->subtype && strcmp(p->type, "message") == 0 && strcmp(p->subtype, "rfc822") == 0;
}

/* The header fields of h[0, n) named (or, with `not`, not named) in
 * `names`, then an empty line. */
static void header_fields(const uint8_t *h, size_t n, const GPtrArray *names, bool not, GByteArray *out)
{
    size_t i = 0;
    while (i < n && h[i] != '\r' && h[i] != '\n') {
        size_t end = i;
        for (;;) { /* the field's lines */
            const uint8_t *lf = memchr(h + end, '\n', n - end);
            end = lf ? (size_t)(lf - h) + 1 : n;
            if (end >= n || (h[end] != ' ' && h[end] != '\t'))
                break;
        }
        const uint8_t *colon = memchr(h + i, ':', end - i);
        bool named = false;
        for (guint k = 0; colon && k < names->len; k++) {
            const char *nm = names->pdata[k];
            size_t len = strlen(nm);
            named |= (size_t)(colon - (h + i)) == len && g_ascii_strncasecmp((const char *)h + i, nm, len) == 0;
        }
        if (named != not)
            g_byte_array_append(out, h + i, (guint)(end - i));
        i = end;
    }
    g_byte_array_append(out, (const guint8 *)"\r\n", 2);
}

/* The message-level part of a section (HEADER, FIELDS, TEXT, all) of the
 * message msg[0, n). */
static void message_section(const uint8_t *msg, size_t n, const imap_section *sec, GByteArray *out)
{
    size_t hn = imap_msg_header_len(msg, n);
    switch (sec->kind) {
    case IMAP_SECTION_HEADER: g_byte_array_append(out, msg, (guint)hn); break;
    case IMAP_SECTION_TEXT: g_byte_array_append(out, msg + hn, (guint)(n - hn)); break;
    case IMAP_SECTION_FIELDS:
    case IMAP_SECTION_FIELDS_NOT:
        header_fields(msg, hn, sec->fields, sec->kind == IMAP_SECTION_FIELDS_NOT, out);
        break;
    default: g_byte_array_append(out, msg, (guint)n); break;
    }
}

/* The part's own MIME header, rebuilt from its fields as written. */
static void part_mime_header(const mime_part *p, GByteArray *out)
{
    for (guint i = 0; i < p->fields->len; i++) {
        const mime_field *f = p->fields->pdata[i];
        g_byte_array_append(out, (const guint8 *)f->raw, (guint)strlen(f->raw));
        g_byte_array_append(out, (const guint8 *)"\r\n", 2);
    }
    g_byte_array_append(out, (const guint8 *)"\r\n", 2);
}

/* Follows sec->path from position `at` in the message msg[0, n). */
static bool walk(const uint8_t *msg, size_t n, const imap_section *sec, size_t at, unsigned nest, GByteArray *out)
{
    if (at == sec->depth) {
        message_section(msg, n, sec, out);
        return true;
    }
    if (nest > IMAP_MSGPART_MAX_NEST)
        return false;
    mime_msg *m = NULL;
    if (mime_msg_parse(msg, n, &m, NULL) != MIME_OK || !m)
        return false;
    const mime_part *p = m->root;
    bool ok = true, root_taken = false;
    for (; ok && at < sec->depth; at++) {
        uint32_t k = sec->path[at];
        if (p->parts) {
            ok = k >= 1 && k <= p->parts->len && (p = p->parts->pdata[k - 1]);
        } else {
            /* Part 1 of a message that is not multipart is its body. */
            ok = p == m->root && !root_taken && k == 1;
            root_taken = true;
        }
        if (ok && is_rfc822(p) && at + 1 < sec->depth) {
            /* Into the message inside: its parts, or its HEADER / TEXT. */
            ok = walk(p->body, p->body_len, sec, at + 1, nest + 1, out);
            mime_msg_free(m);
            return ok;
        }
    }
    if (ok) {
        if (sec->kind == IMAP_SECTION_MIME)
            part_mime_header(p, out);
        else if (sec->kind == IMAP_SECTION_ALL)
            g_byte_array_append(out, p->body, (guint)p->body_len);
        else if (is_rfc822(p))
            message_section(p->body, p->body_len, sec, out);
        else
            ok = false;
    }
    mime_msg_free(m);
    return ok;
}

bool imap_section_bytes(const uint8_t *msg, size_t n, const imap_section *sec, GByteArray *out)
{
    return walk(msg, n, sec, 0, 0, out);
}
