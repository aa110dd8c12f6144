/*
 * imap_fetch: FETCH's data items read and written. See imap_fetch.h.
 */
#include "imap_fetch.h"

#include <string.h>

#include "imap_server_impl.h"

/* An item's name: letters, digits and dots (stops before '[', '<'). */
static bool item_name(imap_cursor *c, char **out)
{
    size_t i = c->pos;
    while (i < c->len && (g_ascii_isalnum(c->p[i]) || c->p[i] == '.'))
        i++;
    if (i == c->pos)
        return false;
    *out = g_strndup((const char *)c->p + c->pos, i - c->pos);
    c->pos = i;
    return true;
}

/* "(" astring *(SP astring) ")" into sec->fields and the spec. */
static bool field_names(imap_cursor *c, imap_section *sec, GString *spec)
{
    if (!imap_p_sp(c) || !imap_p_char(c, '('))
        return false;
    sec->fields = g_ptr_array_new_with_free_func(g_free);
    g_string_append(spec, " (");
    do {
        char *f = NULL;
        if (!imap_p_astring(c, &f))
            return false;
        if (sec->fields->len)
            g_string_append_c(spec, ' ');
        bool atom = *f != 0;
        for (const char *p = f; *p; p++)
            atom &= g_ascii_isalnum(*p) || *p == '-' || *p == '_';
        if (atom) {
            char *up = g_ascii_strup(f, -1);
            g_string_append(spec, up);
            g_free(up);
        } else {
            imap_out_string(spec, f, strlen(f));
        }
        g_ptr_array_add(sec->fields, f);
    } while (imap_p_sp(c));
    g_string_append_c(spec, ')');
    return imap_p_char(c, ')');
}

/* The keyword after the path (or alone): HEADER, HEADER.FIELDS[.NOT],
 * TEXT, MIME (only after a path). */
static bool section_keyword(imap_cursor *c, imap_section *sec, GString *spec)
{
    char *kw = NULL;
    if (!item_name(c, &kw))
        return false;
    bool ok = true;
    if (imap_word_is(kw, "HEADER"))
        sec->kind = IMAP_SECTION_HEADER;
    else if (imap_word_is(kw, "TEXT"))
        sec->kind = IMAP_SECTION_TEXT;
    else if (imap_word_is(kw, "MIME") && sec->depth > 0)
        sec->kind = IMAP_SECTION_MIME;
    else if (imap_word_is(kw, "HEADER.FIELDS"))
        sec->kind = IMAP_SECTION_FIELDS;
    else if (imap_word_is(kw, "HEADER.FIELDS.NOT"))
        sec->kind = IMAP_SECTION_FIELDS_NOT;
    else
        ok = false;
    if (ok) {
        char *up = g_ascii_strup(kw, -1);
        g_string_append(spec, up);
        g_free(up);
    }
    g_free(kw);
    if (ok && (sec->kind == IMAP_SECTION_FIELDS || sec->kind == IMAP_SECTION_FIELDS_NOT))
        ok = field_names(c, sec, spec);
    return ok;
}

/* "[" section "]" ["<" origin "." count ">"] */
static bool section(imap_cursor *c, imap_fetch_item *it)
{
    GString *spec = g_string_new(NULL);
    imap_section *sec = &it->section;
    bool ok = imap_p_char(c, '[');
    while (ok && g_ascii_isdigit(imap_p_peek(c))) {
        uint32_t k;
        ok = imap_p_number(c, &k) && k > 0 && sec->depth < IMAP_SECTION_MAX_PATH;
        if (!ok)
            break;
        sec->path[sec->depth++] = k;
        g_string_append_printf(spec, "%s%u", sec->depth > 1 ? "." : "", k);
        if (!imap_p_char(c, '.'))
            break;
        if (!g_ascii_isdigit(imap_p_peek(c))) {
            g_string_append_c(spec, '.');
            ok = section_keyword(c, sec, spec);
            break;
        }
    }
    if (ok && sec->depth == 0 && imap_p_peek(c) != ']')
        ok = section_keyword(c, sec, spec);
    ok = ok && imap_p_char(c, ']');
    if (ok && imap_p_char(c, '<')) {
        it->partial = true;
        ok = imap_p_number(c, &it->origin) && imap_p_char(c, '.') && imap_p_number(c, &it->count) &&
             it->count > 0 && imap_p_char(c, '>');
    }
    it->spec = g_string_free(spec, FALSE);
    return ok;
}

static void item_clear(imap_fetch_item *it)
{
    g_free(it->spec);
    if (it->section.fields)
        g_ptr_array_free(it->section.fields, TRUE);
}

void imap_fetch_free(imap_fetch_list *l)
{
    if (!l)
        return;
    for (guint i = 0; i < l->items->len; i++)
        item_clear(&g_array_index(l->items, imap_fetch_item, i));
    g_array_free(l->items, TRUE);
    g_free(l);
}

static const struct {
    const char *name;
    imap_fetch_kind kind;
} simple_items[] = {
    {"FLAGS", IMAP_FI_FLAGS},
    {"UID", IMAP_FI_UID},
    {"RFC822.SIZE", IMAP_FI_SIZE},
    {"INTERNALDATE", IMAP_FI_INTERNALDATE},
    {"ENVELOPE", IMAP_FI_ENVELOPE},
    {"BODYSTRUCTURE", IMAP_FI_BODYSTRUCTURE},
    {"RFC822", IMAP_FI_RFC822},
    {"RFC822.HEADER", IMAP_FI_RFC822_HEADER},
    {"RFC822.TEXT", IMAP_FI_RFC822_TEXT},
};

static void add(imap_fetch_list *l, imap_fetch_kind k)
{
    imap_fetch_item it = {.kind = k};
    g_array_append_val(l->items, it);
}

/* One item (a macro adds several). */
static bool item(imap_cursor *c, imap_fetch_list *l, bool macros)
{
    char *name = NULL;
    if (!item_name(c, &name) || l->items->len >= IMAP_FETCH_MAX_ITEMS) {
        g_free(name);
        return false;
    }
    bool ok = true;
    size_t i = 0;
    while (i < G_N_ELEMENTS(simple_items) && !imap_word_is(name, simple_items[i].name))
        i++;
    if (i < G_N_ELEMENTS(simple_items)) {
        add(l, simple_items[i].kind);
    } else if (macros && (imap_word_is(name, "ALL") || imap_word_is(name, "FAST") || imap_word_is(name, "FULL"))) {
        add(l, IMAP_FI_FLAGS);
        add(l, IMAP_FI_INTERNALDATE);
        add(l, IMAP_FI_SIZE);
        if (!imap_word_is(name, "FAST"))
            add(l, IMAP_FI_ENVELOPE);
        if (imap_word_is(name, "FULL"))
            add(l, IMAP_FI_BODY);
    } else if (imap_word_is(name, "BODY") && imap_p_peek(c) != '[') {
        add(l, IMAP_FI_BODY);
    } else if (imap_word_is(name, "BODY") || imap_word_is(name, "BODY.PEEK")) {
        imap_fetch_item it = {.kind = IMAP_FI_SECTION, .peek = imap_word_is(name, "BODY.PEEK")};
        ok = section(c, &it);
        g_array_append_val(l->items, it);
    } else {
        ok = false;
    }
    g_free(name);
    return ok;
}

imap_fetch_list *imap_fetch_parse(imap_cursor *c)
{
    imap_fetch_list *l = g_new0(imap_fetch_list, 1);
    l->items = g_array_new(FALSE, TRUE, sizeof(imap_fetch_item));
    bool ok;
    if (imap_p_char(c, '(')) {
        do
            ok = item(c, l, false);
        while (ok && imap_p_sp(c));
        ok = ok && imap_p_char(c, ')');
    } else {
        ok = item(c, l, true);
    }
    if (!ok || !imap_p_eol(c)) {
        imap_fetch_free(l);
        return NULL;
    }
    for (guint i = 0; i < l->items->len; i++) {
        const imap_fetch_item *it = &g_array_index(l->items, imap_fetch_item, i);
        l->sets_seen |= (it->kind == IMAP_FI_SECTION && !it->peek) || it->kind == IMAP_FI_RFC822 ||
                        it->kind == IMAP_FI_RFC822_TEXT;
        l->has_flags |= it->kind == IMAP_FI_FLAGS;
        l->has_uid |= it->kind == IMAP_FI_UID;
    }
    return l;
}

/* A literal of d[0, n), cut to <origin.count> when the item asks. */
static void write_literal(GString *o, const imap_fetch_item *it, const uint8_t *d, size_t n)
{
    if (!d) /* an empty section */
        d = (const uint8_t *)"";
    if (it && it->partial) {
        size_t from = it->origin < n ? it->origin : n;
        size_t len = n - from < it->count ? n - from : it->count;
        d += from;
        n = len;
    }
    g_string_append_printf(o, "{%zu}\r\n", n);
    g_string_append_len(o, (const char *)d, (gssize)n);
}

static void write_section(GString *o, const imap_fetch_item *it, const imap_fetch_msg *m)
{
    GByteArray *b = g_byte_array_new();
    imap_section_bytes(m->data, m->len, &it->section, b);
    g_string_append_printf(o, "BODY[%s]", it->spec);
    if (it->partial)
        g_string_append_printf(o, "<%u>", it->origin);
    g_string_append_c(o, ' ');
    write_literal(o, it, b->data, b->len);
    g_byte_array_free(b, TRUE);
}

static void write_item(GString *o, const imap_fetch_item *it, const imap_fetch_msg *m)
{
    size_t hn = imap_msg_header_len(m->data, m->len);
    char date[40];
    switch (it->kind) {
    case IMAP_FI_FLAGS:
        g_string_append(o, "FLAGS ");
        imap_flags_write(o, m->flags, m->recent);
        break;
    case IMAP_FI_UID: g_string_append_printf(o, "UID %u", m->uid); break;
    case IMAP_FI_SIZE: g_string_append_printf(o, "RFC822.SIZE %zu", m->len); break;
    case IMAP_FI_INTERNALDATE:
        imap_date_format(m->internal_ns, date, sizeof date);
        g_string_append_printf(o, "INTERNALDATE \"%s\"", date);
        break;
    case IMAP_FI_ENVELOPE:
        g_string_append(o, "ENVELOPE ");
        imap_envelope_write(o, m->data, m->len);
        break;
    case IMAP_FI_BODYSTRUCTURE:
    case IMAP_FI_BODY:
        g_string_append(o, it->kind == IMAP_FI_BODY ? "BODY " : "BODYSTRUCTURE ");
        imap_bodystructure_write(o, m->data, m->len, it->kind == IMAP_FI_BODYSTRUCTURE);
        break;
    case IMAP_FI_SECTION: write_section(o, it, m); break;
    case IMAP_FI_RFC822:
        g_string_append(o, "RFC822 ");
        write_literal(o, NULL, m->data, m->len);
        break;
    case IMAP_FI_RFC822_HEADER:
        g_string_append(o, "RFC822.HEADER ");
        write_literal(o, NULL, m->data, hn);
        break;
    case IMAP_FI_RFC822_TEXT:
        g_string_append(o, "RFC822.TEXT ");
        write_literal(o, NULL, m->data + hn, m->len - hn);
        break;
    }
}

void imap_fetch_write(GString *o, const imap_fetch_list *l, const imap_fetch_msg *m, bool add_uid, bool add_flags)
{
    g_string_append_printf(o, "* %u FETCH (", m->seq);
    bool first = true;
    if (add_uid && !l->has_uid) {
        g_string_append_printf(o, "UID %u", m->uid);
        first = false;
    }
    for (guint i = 0; i < l->items->len; i++) {
        if (!first)
            g_string_append_c(o, ' ');
        write_item(o, &g_array_index(l->items, imap_fetch_item, i), m);
        first = false;
    }
    if (add_flags && !l->has_flags) {
        g_string_append(o, " FLAGS ");
        imap_flags_write(o, m->flags, m->recent);
    }
    g_string_append(o, ")\r\n");
}
