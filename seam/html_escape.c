/* html_escape: text made safe for HTML and XML (see html_escape.h). */
#include "html_escape.h"

#include <string.h>

void html_escape_append(GString *out, const char *text, gssize len)
{
    if (!text)
        return;
    size_t n = len < 0 ? strlen(text) : (size_t)len;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80) {
            switch (c) {
            case '&': g_string_append(out, "&amp;"); break;
            case '<': g_string_append(out, "&lt;"); break;
            case '>': g_string_append(out, "&gt;"); break;
            case '"': g_string_append(out, "&quot;"); break;
            case '\'': g_string_append(out, "&#39;"); break;
            default:
                if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                    g_string_append_c(out, '?');
                else
                    g_string_append_c(out, (char)c);
            }
            i++;
            continue;
        }
        /* A multi-byte sequence: copied when it is valid UTF-8 (a NUL byte
         * inside it makes it invalid), else its first byte is replaced. */
        gunichar u = g_utf8_get_char_validated(text + i, (gssize)(n - i));
        if (u == (gunichar)-1 || u == (gunichar)-2) {
            g_string_append(out, "\xef\xbf\xbd");
            i++;
            continue;
        }
        size_t k = (size_t)g_unichar_to_utf8(u, NULL);
        g_string_append_len(out, text + i, (gssize)k);
        i += k;
    }
}
