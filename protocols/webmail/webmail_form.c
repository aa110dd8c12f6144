/*
 * webmail_form: form decoding and HTML escaping (webmail_form.h).
 */
#include "webmail_form.h"

#include <string.h>

/* Decodes one name or value into a new string; NULL when malformed. */
static char *decode_component(const char *s, size_t len)
{
    GString *out = g_string_sized_new(len);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            g_string_append_c(out, ' ');
        } else if (c == '%') {
            int hi = len - i < 3 ? -1 : g_ascii_xdigit_value(s[i + 1]);
            int lo = len - i < 3 ? -1 : g_ascii_xdigit_value(s[i + 2]);
            if (hi < 0 || lo < 0) {
                g_string_free(out, TRUE);
                return NULL;
            }
            g_string_append_c(out, (char)(hi * 16 + lo));
            i += 2;
        } else {
            g_string_append_c(out, c);
        }
    }
    if (memchr(out->str, '\0', out->len) || !g_utf8_validate(out->str, (gssize)out->len, NULL)) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

GHashTable *webmail_form_decode(const char *body, size_t len)
{
    GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    size_t i = 0;
    guint fields = 0;
    while (i < len) {
        const char *amp = memchr(body + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - body) : len;
        if (end > i) {
            if (++fields > WEBMAIL_FORM_MAX_FIELDS)
                goto bad;
            const char *eq = memchr(body + i, '=', end - i);
            size_t name_end = eq ? (size_t)(eq - body) : end;
            char *name = decode_component(body + i, name_end - i);
            char *value = eq ? decode_component(eq + 1, end - name_end - 1) : g_strdup("");
            if (!name || !value) {
                g_free(name);
                g_free(value);
                goto bad;
            }
            if (g_hash_table_contains(t, name)) {
                g_free(name);
                g_free(value);
            } else {
                g_hash_table_insert(t, name, value);
            }
        }
        i = end + 1;
    }
    return t;
bad:
    g_hash_table_unref(t);
    return NULL;
}
