/* mime_codec: base64, quoted-printable and RFC 2047 encoded words (see mime_codec.h). */
#include "mime_codec.h"

#include <string.h>

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hex_upper[] = "0123456789ABCDEF";

const char *mime_status_name(mime_status s)
{
    switch (s) {
    case MIME_OK: return "ok";
    case MIME_E_BASE64_CHAR: return "bad base64 character";
    case MIME_E_BASE64_PAD: return "bad base64 padding";
    case MIME_E_HEADER: return "bad header line";
    case MIME_E_NO_BOUNDARY: return "multipart without a boundary";
    case MIME_E_UNTERMINATED: return "multipart without its delimiters";
    case MIME_E_DEPTH: return "multipart nested too deep";
    case MIME_E_TOO_MANY_PARTS: return "too many parts";
    case MIME_E_ENCODING: return "unknown transfer encoding";
    }
    return "?";
}

/* The value of a base64 character, -1 for any other byte. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* ---- base64 ---------------------------------------------------------------- */

void mime_base64_encode(const uint8_t *data, size_t len, size_t line_len, GString *out)
{
    if (line_len > MIME_LINE_MAX)
        line_len = MIME_LINE_MAX;
    line_len -= line_len % 4;
    size_t col = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        size_t n = len - i < 3 ? len - i : 3;
        if (n > 1) v |= (uint32_t)data[i + 1] << 8;
        if (n > 2) v |= data[i + 2];
        char g[4] = {b64_alphabet[(v >> 18) & 63], b64_alphabet[(v >> 12) & 63],
                     n > 1 ? b64_alphabet[(v >> 6) & 63] : '=', n > 2 ? b64_alphabet[v & 63] : '='};
        g_string_append_len(out, g, 4);
        col += 4;
        if (line_len && col >= line_len) {
            g_string_append(out, "\r\n");
            col = 0;
        }
    }
    if (line_len && col > 0)
        g_string_append(out, "\r\n");
}

mime_status mime_base64_decode(const char *text, size_t len, GByteArray *out, size_t *err_at)
{
    uint32_t acc = 0;
    int have = 0, pads = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
            continue;
        if (c == '=') {
            /* Padding fills the third and fourth places, or the fourth. */
            if (have + pads < 2) {
                if (err_at) *err_at = i;
                return MIME_E_BASE64_PAD;
            }
            pads++;
            if (have + pads == 4) {
                uint8_t b[2] = {(uint8_t)(acc >> 10), (uint8_t)(acc >> 2)};
                if (have == 2) {
                    b[0] = (uint8_t)(acc >> 4);
                    g_byte_array_append(out, b, 1);
                } else {
                    g_byte_array_append(out, b, 2);
                }
                /* Only white space may follow. */
                for (size_t j = i + 1; j < len; j++) {
                    unsigned char d = (unsigned char)text[j];
                    if (!(d == '\r' || d == '\n' || d == ' ' || d == '\t')) {
                        if (err_at) *err_at = j;
                        return d == '=' || b64_value(d) >= 0 ? MIME_E_BASE64_PAD : MIME_E_BASE64_CHAR;
                    }
                }
                return MIME_OK;
            }
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pads > 0) {
            if (err_at) *err_at = i;
            return v < 0 ? MIME_E_BASE64_CHAR : MIME_E_BASE64_PAD;
        }
        acc = (acc << 6) | (uint32_t)v;
        if (++have == 4) {
            uint8_t b[3] = {(uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc};
            g_byte_array_append(out, b, 3);
            have = 0;
            acc = 0;
        }
    }
    if (have != 0 || pads != 0) {
        if (err_at) *err_at = len;
        return MIME_E_BASE64_PAD;
    }
    return MIME_OK;
}

/* ---- quoted-printable ------------------------------------------------------ */

void mime_qp_encode(const uint8_t *data, size_t len, bool text, GString *out)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];
        if (text && c == '\r' && i + 1 < len && data[i + 1] == '\n') {
            g_string_append(out, "\r\n");
            col = 0;
            i++;
            continue;
        }
        /* Whether this byte ends an encoded line: the data ends, or a hard
         * break follows. */
        bool last = i + 1 == len || (text && data[i + 1] == '\r' && i + 2 < len && data[i + 2] == '\n');
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
        size_t w = literal ? 1 : 3;
        /* A line holds 76 characters; one that goes on keeps room for '='. */
        if (col + w > MIME_LINE_MAX - 1 && !(last && col + w <= MIME_LINE_MAX)) {
            g_string_append(out, "=\r\n");
            col = 0;
        }
        if (literal) {
            g_string_append_c(out, (char)c);
        } else {
            char e[3] = {'=', hex_upper[c >> 4], hex_upper[c & 15]};
            g_string_append_len(out, e, 3);
        }
        col += w;
    }
}

size_t mime_qp_decode(const char *text, size_t len, GByteArray *out)
{
    size_t bad = 0, pos = 0;
    while (pos < len) {
        /* One line: [pos, end) without its break; brk is the break's length. */
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t brk = 0;
        if (end < len) {
            brk = 1;
            if (end > pos && text[end - 1] == '\r') {
                end--;
                brk = 2;
            }
        }
        size_t next = end + brk;
        size_t trim = end;
        while (trim > pos && (text[trim - 1] == ' ' || text[trim - 1] == '\t'))
            trim--;
        bool soft = trim > pos && text[trim - 1] == '=';
        if (soft)
            trim--;
        for (size_t i = pos; i < trim; i++) {
            unsigned char c = (unsigned char)text[i];
            if (c == '=') {
                int h = i + 2 < trim ? hex_value((unsigned char)text[i + 1]) : -1;
                int l = h >= 0 ? hex_value((unsigned char)text[i + 2]) : -1;
                if (l >= 0) {
                    uint8_t b = (uint8_t)(h * 16 + l);
                    g_byte_array_append(out, &b, 1);
                    i += 2;
                    continue;
                }
                bad++;
            }
            g_byte_array_append(out, &c, 1);
        }
        if (!soft && brk > 0)
            g_byte_array_append(out, (const uint8_t *)text + end, (guint)brk);
        pos = next;
    }
    return bad;
}

/* ---- encoded words --------------------------------------------------------- */

/* Decodes the text of a Q encoded word (RFC 2047 4.2). False on a bad escape. */
static bool q_decode(const char *t, size_t n, GByteArray *out)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)t[i];
        if (c == '_') {
            c = ' ';
        } else if (c == '=') {
            if (i + 2 >= n)
                return false;
            int h = hex_value((unsigned char)t[i + 1]), l = hex_value((unsigned char)t[i + 2]);
            if (h < 0 || l < 0)
                return false;
            c = (uint8_t)(h * 16 + l);
            i += 2;
        }
        g_byte_array_append(out, &c, 1);
    }
    return true;
}

/* Tries to read an encoded word at s[0..]: returns its length and its
 * decoded UTF-8 text (new string), or 0 when there is none. */
static size_t read_word(const char *s, char **decoded)
{
    if (s[0] != '=' || s[1] != '?')
        return 0;
    const char *cs = s + 2, *q1 = strchr(cs, '?');
    if (!q1 || q1 == cs)
        return 0;
    char enc = q1[1];
    if (!(enc == 'B' || enc == 'b' || enc == 'Q' || enc == 'q') || q1[2] != '?')
        return 0;
    const char *txt = q1 + 3, *endw = txt;
    while (*endw && !(endw[0] == '?' && endw[1] == '=')) {
        if (*endw == ' ' || *endw == '\t' || *endw == '\r' || *endw == '\n')
            return 0;
        endw++;
    }
    if (!*endw)
        return 0;
    for (const char *p = cs; p < q1; p++)
        if (*p == ' ' || *p == '\t' || *p == '=' || (unsigned char)*p < 33 || (unsigned char)*p > 126)
            return 0;
    char *charset = g_strndup(cs, (gsize)(q1 - cs));
    char *star = strchr(charset, '*');
    if (star)
        *star = '\0';
    GByteArray *raw = g_byte_array_new();
    bool ok = (enc == 'B' || enc == 'b')
                  ? mime_base64_decode(txt, (size_t)(endw - txt), raw, NULL) == MIME_OK
                  : q_decode(txt, (size_t)(endw - txt), raw);
    char *text = NULL;
    if (ok && raw->len == 0) {
        text = g_strdup("");
    } else if (ok && memchr(raw->data, 0, raw->len) == NULL) {
        if (g_ascii_strcasecmp(charset, "utf-8") == 0 || g_ascii_strcasecmp(charset, "utf8") == 0 ||
            g_ascii_strcasecmp(charset, "us-ascii") == 0) {
            if (g_utf8_validate((const char *)raw->data, (gssize)raw->len, NULL))
                text = g_strndup((const char *)raw->data, raw->len);
        } else {
            gsize w = 0;
            text = g_convert((const char *)raw->data, (gssize)raw->len, "UTF-8", charset, NULL, &w, NULL);
            if (text && strlen(text) != w) {
                g_free(text);
                text = NULL;
            }
        }
    }
    g_byte_array_free(raw, TRUE);
    g_free(charset);
    if (!text)
        return 0;
    *decoded = text;
    return (size_t)(endw + 2 - s);
}

char *mime_header_decode(const char *value)
{
    GString *out = g_string_new(NULL);
    const char *p = value;
    size_t pending_ws = 0; /* white space after an encoded word, not yet written */
    const char *ws_start = NULL;
    bool after_word = false;
    while (*p) {
        char *dec = NULL;
        size_t n = read_word(p, &dec);
        if (n > 0) {
            /* White space between two encoded words is dropped (6.2). */
            g_string_append(out, dec);
            g_free(dec);
            p += n;
            after_word = true;
            pending_ws = 0;
            continue;
        }
        if (after_word && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
            if (pending_ws == 0)
                ws_start = p;
            pending_ws++;
            p++;
            continue;
        }
        if (pending_ws) {
            g_string_append_len(out, ws_start, (gssize)pending_ws);
            pending_ws = 0;
        }
        after_word = false;
        g_string_append_c(out, *p);
        p++;
    }
    if (pending_ws)
        g_string_append_len(out, ws_start, (gssize)pending_ws);
    return g_string_free(out, FALSE);
}

bool mime_header_is_plain(const char *utf8)
{
    size_t run = 0;
    for (const char *p = utf8; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == '\t') {
            run = 0;
            continue;
        }
        if (c < 33 || c > 126)
            return false;
        if (c == '=' && p[1] == '?')
            return false;
        if (++run > 900)
            return false;
    }
    return true;
}

/* Whether a byte may stand for itself in Q-encoded text. */
static bool q_literal(unsigned char c, bool phrase)
{
    if (g_ascii_isalnum(c))
        return true;
    if (phrase)
        return c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
    return c > 32 && c < 127 && c != '=' && c != '?' && c != '_' && c != '"' && c != '(' && c != ')' &&
           c != ',' && c != ':' && c != ';' && c != '<' && c != '>' && c != '@' && c != '\\' &&
           c != '[' && c != ']' && c != '.';
}

/* The encoded word of bytes s[0, n), B or Q whichever is shorter. */
static void encode_word(const char *s, size_t n, bool phrase, GString *out)
{
    size_t qlen = 0;
    for (size_t i = 0; i < n; i++)
        qlen += (q_literal((unsigned char)s[i], phrase) || s[i] == ' ') ? 1 : 3;
    size_t blen = (n + 2) / 3 * 4;
    g_string_append(out, "=?UTF-8?");
    if (blen < qlen) {
        g_string_append(out, "B?");
        mime_base64_encode((const uint8_t *)s, n, 0, out);
    } else {
        g_string_append(out, "Q?");
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == ' ')
                g_string_append_c(out, '_');
            else if (q_literal(c, phrase))
                g_string_append_c(out, (char)c);
            else
                g_string_append_printf(out, "=%c%c", hex_upper[c >> 4], hex_upper[c & 15]);
        }
    }
    g_string_append(out, "?=");
}

/* The length of the shortest encoded word holding s[0, n). */
static size_t word_len(const char *s, size_t n, bool phrase)
{
    size_t qlen = 0;
    for (size_t i = 0; i < n; i++)
        qlen += (q_literal((unsigned char)s[i], phrase) || s[i] == ' ') ? 1 : 3;
    size_t blen = (n + 2) / 3 * 4;
    return 12 + (blen < qlen ? blen : qlen); /* "=?UTF-8?B?" + "?=" */
}

char *mime_header_encode(const char *utf8, bool phrase, size_t lead)
{
    if (mime_header_is_plain(utf8))
        return g_strdup(utf8);
    char *valid = g_utf8_make_valid(utf8, -1);
    GString *out = g_string_new(NULL);
    const char *p = valid;
    size_t max = lead + MIME_WORD_MAX > 78 ? (lead < 78 - 13 ? 78 - lead : 13) : MIME_WORD_MAX;
    while (*p) {
        /* As many whole characters as fit in one word. */
        size_t n = 0;
        while (p[n]) {
            const char *nx = g_utf8_next_char(p + n);
            size_t m = (size_t)(nx - p);
            if (n > 0 && word_len(p, m, phrase) > max)
                break;
            n = m;
        }
        if (out->len)
            g_string_append_c(out, ' ');
        encode_word(p, n, phrase, out);
        p += n;
        max = MIME_WORD_MAX;
    }
    g_free(valid);
    return g_string_free(out, FALSE);
}
