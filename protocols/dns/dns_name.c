/*
 * dns_name: domain names in canonical presentation form (see dns_name.h).
 *
 * Every function walks the name once, label by label, unescaping into a
 * stack buffer of 255 bytes when it needs the raw labels.
 */
#include "dns_name.h"

#include <string.h>

G_DEFINE_QUARK(appsim-dns-name-error-quark, dns_name_error)

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Parses a presentation name (any accepted spelling) into wire labels.
 * Returns the number of labels or -1 with a reason in *why. `buf` holds
 * the label bytes back to back (at most 255). */
static int parse(const char *text, uint8_t *buf, const uint8_t *labels[128], uint8_t lens[128],
                 const char **why, bool canonical_only)
{
    size_t tl = strlen(text);
    if (tl == 1 && text[0] == '.')
        return 0;
    if (tl == 0)
        return 0;
    if (!canonical_only && text[tl - 1] == '.' && !(tl >= 2 && text[tl - 2] == '\\'))
        tl--;
    size_t used = 0, wire = 1; /* the root's zero byte */
    int n = 0;
    size_t i = 0;
    for (;;) {
        size_t start = used;
        while (i < tl && text[i] != '.') {
            unsigned char c = (unsigned char)text[i];
            unsigned v;
            if (c == '\\') {
                if (i + 1 >= tl) {
                    *why = "a backslash at the end";
                    return -1;
                }
                unsigned char d = (unsigned char)text[i + 1];
                if (d >= '0' && d <= '9') {
                    if (i + 3 >= tl || !(text[i + 2] >= '0' && text[i + 2] <= '9') ||
                        !(text[i + 3] >= '0' && text[i + 3] <= '9')) {
                        *why = "a \\DDD escape needs three digits";
                        return -1;
                    }
                    v = (unsigned)(d - '0') * 100 + (unsigned)(text[i + 2] - '0') * 10 +
                        (unsigned)(text[i + 3] - '0');
                    if (v > 255) {
                        *why = "a \\DDD escape above 255";
                        return -1;
                    }
                    if (canonical_only && v >= '!' && v <= '~' && v != '.' && v != '\\') {
                        *why = "not canonical";
                        return -1;
                    }
                    i += 4;
                } else {
                    if (canonical_only && d != '.' && d != '\\') {
                        *why = "not canonical";
                        return -1;
                    }
                    v = d;
                    i += 2;
                }
            } else {
                if (c < '!' || c > '~') {
                    if (canonical_only) {
                        *why = "not canonical";
                        return -1;
                    }
                    if (c == ' ' || c < 0x20 || c == 0x7f) {
                        *why = "a space or control character (write it as \\DDD)";
                        return -1;
                    }
                }
                v = c;
                i++;
            }
            if (used - start >= DNS_LABEL_MAX) {
                *why = "a label longer than 63 bytes";
                return -1;
            }
            if (used >= DNS_NAME_WIRE_MAX) {
                *why = "a name longer than 255 bytes";
                return -1;
            }
            buf[used++] = (uint8_t)v;
        }
        size_t len = used - start;
        if (len == 0) {
            *why = "an empty label (two dots, or a leading dot)";
            return -1;
        }
        wire += 1 + len;
        if (wire > DNS_NAME_WIRE_MAX || n >= 127) {
            *why = "a name longer than 255 bytes";
            return -1;
        }
        labels[n] = buf + start;
        lens[n] = (uint8_t)len;
        n++;
        if (i >= tl)
            break;
        i++; /* the dot */
        if (i >= tl) {
            *why = canonical_only ? "not canonical" : "an empty label";
            return -1;
        }
    }
    return n;
}

void dns_name_append_label(GString *out, const uint8_t *label, size_t len)
{
    if (out->len)
        g_string_append_c(out, '.');
    for (size_t i = 0; i < len; i++) {
        uint8_t c = label[i];
        if (c == '.' || c == '\\')
            g_string_append_printf(out, "\\%c", c);
        else if (c < '!' || c > '~')
            g_string_append_printf(out, "\\%03u", (unsigned)c);
        else
            g_string_append_c(out, (char)c);
    }
}

char *dns_name_canon(const char *text, GError **err)
{
    uint8_t buf[DNS_NAME_WIRE_MAX];
    const uint8_t *labels[128];
    uint8_t lens[128];
    const char *why = NULL;
    int n = parse(text, buf, labels, lens, &why, false);
    if (n < 0) {
        bool long_ = strstr(why, "longer") != NULL;
        g_set_error(err, DNS_NAME_ERROR, long_ ? DNS_NAME_ERROR_TOO_LONG : DNS_NAME_ERROR_SYNTAX,
                    "not a domain name: %s", why);
        return NULL;
    }
    GString *s = g_string_new(NULL);
    for (int i = 0; i < n; i++)
        dns_name_append_label(s, labels[i], lens[i]);
    return g_string_free(s, FALSE);
}

int dns_name_split(const char *name, uint8_t *buf, const uint8_t *labels[128], uint8_t lens[128])
{
    const char *why = NULL;
    return parse(name, buf, labels, lens, &why, true);
}

size_t dns_name_to_wire(const char *name, uint8_t out[DNS_NAME_WIRE_MAX])
{
    uint8_t buf[DNS_NAME_WIRE_MAX];
    const uint8_t *labels[128];
    uint8_t lens[128];
    int n = dns_name_split(name, buf, labels, lens);
    if (n < 0)
        return 0;
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        out[o++] = lens[i];
        memcpy(out + o, labels[i], lens[i]);
        o += lens[i];
    }
    out[o++] = 0;
    return o;
}

bool dns_name_eq(const char *a, const char *b)
{
    return g_ascii_strcasecmp(a, b) == 0;
}

bool dns_name_is_under(const char *name, const char *zone)
{
    if (!zone[0])
        return true;
    size_t nl = strlen(name), zl = strlen(zone);
    if (nl < zl)
        return false;
    if (g_ascii_strcasecmp(name + (nl - zl), zone) != 0)
        return false;
    if (nl == zl)
        return true;
    /* The byte before the zone must be a separating dot, that is a dot not
     * itself escaped: count the backslashes before it. */
    size_t d = nl - zl - 1;
    if (name[d] != '.')
        return false;
    size_t bs = 0;
    while (bs < d && name[d - 1 - bs] == '\\')
        bs++;
    return bs % 2 == 0;
}

int dns_name_count(const char *name)
{
    uint8_t buf[DNS_NAME_WIRE_MAX];
    const uint8_t *labels[128];
    uint8_t lens[128];
    return dns_name_split(name, buf, labels, lens);
}

const char *dns_name_parent(const char *name)
{
    for (const char *p = name; *p; p++) {
        if (*p == '\\') {
            if (p[1] >= '0' && p[1] <= '9')
                p += 3;
            else if (p[1])
                p += 1;
            continue;
        }
        if (*p == '.')
            return p + 1;
    }
    return name + strlen(name);
}

char *dns_name_key(const char *name)
{
    char *k = g_strdup(name);
    for (char *p = k; *p; p++)
        *p = (char)lower((unsigned char)*p);
    return k;
}
