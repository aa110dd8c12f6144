/* http_url: parsing, formatting and RFC 3986 style reference resolution. */
#include "http_url.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

void http_url_clear(http_url *u)
{
    g_free(u->host);
    g_free(u->path);
    memset(u, 0, sizeof *u);
}

bool http_url_parse(const char *s, http_url *out)
{
    memset(out, 0, sizeof *out);
    if (!s || g_ascii_strncasecmp(s, "http://", 7) != 0)
        return false;
    const char *p = s + 7;
    size_t hl = strcspn(p, ":/?#");
    if (hl == 0)
        return false;
    char *host = g_strndup(p, hl);
    p += hl;
    unsigned long port = 80;
    if (*p == ':') {
        char *end;
        p++;
        if (!g_ascii_isdigit(*p)) {
            g_free(host);
            return false;
        }
        port = strtoul(p, &end, 10);
        if (port == 0 || port > 65535 || (*end && !strchr("/?#", *end))) {
            g_free(host);
            return false;
        }
        p = end;
    }
    size_t pl = strcspn(p, "#");
    char *path;
    if (pl == 0)
        path = g_strdup("/");
    else if (*p == '?')
        path = g_strdup_printf("/%.*s", (int)pl, p);
    else
        path = g_strndup(p, pl);
    out->host = host;
    out->port = (uint16_t)port;
    out->path = path;
    return true;
}

char *http_url_authority(const http_url *u)
{
    return u->port == 80 ? g_strdup(u->host) : g_strdup_printf("%s:%u", u->host, u->port);
}

char *http_url_format(const http_url *u)
{
    char *a = http_url_authority(u);
    char *s = g_strdup_printf("http://%s%s", a, u->path);
    g_free(a);
    return s;
}

/* Removes "." and ".." segments from an absolute path (with its query). */
static char *remove_dots(const char *path)
{
    const char *q = strchr(path, '?');
    char *p = q ? g_strndup(path, (gsize)(q - path)) : g_strdup(path);
    gchar **segs = g_strsplit(p, "/", -1);
    GPtrArray *out = g_ptr_array_new();
    guint n = g_strv_length(segs);
    for (guint i = 1; i < n; i++) { /* segs[0] is "" before the leading "/" */
        if (!strcmp(segs[i], ".")) {
            if (i == n - 1)
                g_ptr_array_add(out, "");
        } else if (!strcmp(segs[i], "..")) {
            if (out->len)
                g_ptr_array_remove_index(out, out->len - 1);
            if (i == n - 1)
                g_ptr_array_add(out, "");
        } else {
            g_ptr_array_add(out, segs[i]);
        }
    }
    GString *r = g_string_new("");
    for (guint i = 0; i < out->len; i++) {
        g_string_append_c(r, '/');
        g_string_append(r, g_ptr_array_index(out, i));
    }
    if (r->len == 0)
        g_string_append_c(r, '/');
    if (q)
        g_string_append(r, q);
    g_ptr_array_free(out, TRUE);
    g_strfreev(segs);
    g_free(p);
    return g_string_free(r, FALSE);
}

char *http_url_resolve(const http_url *base, const char *ref)
{
    if (!ref)
        return NULL;
    while (g_ascii_isspace(*ref))
        ref++;
    size_t len = strcspn(ref, "#");
    char *r = g_strndup(ref, len);
    g_strchomp(r);
    char *result = NULL;
    http_url u;
    if (http_url_parse(r, &u)) {
        result = http_url_format(&u);
        http_url_clear(&u);
    } else if (r[0] == '/' && r[1] == '/') {
        char *abs = g_strconcat("http:", r, NULL);
        if (http_url_parse(abs, &u)) {
            result = http_url_format(&u);
            http_url_clear(&u);
        }
        g_free(abs);
    } else if (strcspn(r, ":/?") < strlen(r) && r[strcspn(r, ":/?")] == ':') {
        result = NULL; /* another scheme */
    } else {
        char *path;
        if (r[0] == '/') {
            path = remove_dots(r);
        } else if (r[0] == '\0') {
            path = g_strdup(base->path);
        } else {
            const char *bq = strchr(base->path, '?');
            size_t blen = bq ? (size_t)(bq - base->path) : strlen(base->path);
            const char *slash = g_strrstr_len(base->path, (gssize)blen, "/");
            size_t dir = slash ? (size_t)(slash - base->path) + 1 : 1;
            char *joined = g_strdup_printf("%.*s%s", (int)dir, base->path, r);
            path = remove_dots(joined);
            g_free(joined);
        }
        http_url b = {.host = base->host, .port = base->port, .path = path};
        result = http_url_format(&b);
        g_free(path);
    }
    g_free(r);
    return result;
}
