/* html_links: a single-pass tag and attribute scanner. */
#include "html_links.h"

#include <stdbool.h>
#include <string.h>

static bool name_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && g_ascii_strncasecmp(s, word, n) == 0;
}

static bool is_name_char(char c) { return g_ascii_isalnum(c) || c == '-' || c == '_' || c == ':'; }

GPtrArray *html_find_objects(const char *html, size_t len)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal); /* lookup only */
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(html + i, '<', len - i);
        if (!lt)
            break;
        i = (size_t)(lt - html) + 1;
        if (len - i >= 3 && !memcmp(html + i, "!--", 3)) { /* comment */
            const char *end = g_strstr_len(html + i + 3, (gssize)(len - i - 3), "-->");
            i = end ? (size_t)(end - html) + 3 : len;
            continue;
        }
        size_t t0 = i;
        while (i < len && is_name_char(html[i]))
            i++;
        const char *want = NULL;
        if (name_is(html + t0, i - t0, "img") || name_is(html + t0, i - t0, "script"))
            want = "src";
        else if (name_is(html + t0, i - t0, "link"))
            want = "href";
        /* attributes up to '>' */
        while (i < len && html[i] != '>') {
            while (i < len && (g_ascii_isspace(html[i]) || html[i] == '/'))
                i++;
            size_t a0 = i;
            while (i < len && html[i] != '=' && html[i] != '>' && !g_ascii_isspace(html[i]) &&
                   html[i] != '/')
                i++;
            size_t alen = i - a0;
            while (i < len && g_ascii_isspace(html[i]))
                i++;
            if (i >= len || html[i] != '=') {
                if (alen == 0 && i < len && html[i] != '>')
                    i++; /* stray character: move on */
                continue;
            }
            i++; /* '=' */
            while (i < len && g_ascii_isspace(html[i]))
                i++;
            size_t v0, vlen;
            if (i < len && (html[i] == '"' || html[i] == '\'')) {
                char q = html[i++];
                v0 = i;
                while (i < len && html[i] != q)
                    i++;
                vlen = i - v0;
                if (i < len)
                    i++;
            } else {
                v0 = i;
                while (i < len && !g_ascii_isspace(html[i]) && html[i] != '>')
                    i++;
                vlen = i - v0;
            }
            if (want && name_is(html + a0, alen, want) && vlen > 0) {
                char *v = g_strndup(html + v0, vlen);
                /* A NUL byte ends the copy: one that starts the value
                 * leaves nothing to refer to. */
                if (*v && !g_hash_table_contains(seen, v)) {
                    g_ptr_array_add(out, v);
                    g_hash_table_add(seen, v);
                } else {
                    g_free(v);
                }
                want = NULL;
            }
        }
    }
    g_hash_table_destroy(seen);
    return out;
}
