/*
 * ftp_setup: ftp:// URLs and the user file of `appsim ftp serve`.
 */
#include "cli/ftp_setup.h"

#include <stdlib.h>
#include <string.h>

#include "cli/access_cmd.h"

void ftp_url_clear(ftp_url *u)
{
    if (u->password)
        memset(u->password, 0, strlen(u->password));
    g_free(u->user);
    g_free(u->password);
    g_free(u->host);
    g_free(u->path);
    memset(u, 0, sizeof *u);
}

/* The percent-decoded copy of text[0..n), NULL with `err` for a bad
 * escape or a decoded CR, LF or NUL. */
static char *decode_part(const char *text, size_t n, const char *what, GError **err)
{
    char *out = g_malloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)text[i];
        if (c == '%') {
            if (i + 2 >= n)
                c = -1;
            else if (!g_ascii_isxdigit(text[i + 1]) || !g_ascii_isxdigit(text[i + 2]))
                c = -1;
            else
                c = g_ascii_xdigit_value(text[i + 1]) * 16 + g_ascii_xdigit_value(text[i + 2]);
            i += 2;
        }
        if (c < 0 || c == '\0' || c == '\r' || c == '\n') {
            g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        c < 0 ? "bad %%-escape in the %s" : "the %s holds CR, LF or NUL", what);
            g_free(out);
            return NULL;
        }
        *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

/* host[:port] or [v6][:port] of text[0..n) into `u`. */
static bool parse_hostport(const char *text, size_t n, ftp_url *u, GError **err)
{
    const char *end = text + n, *hend, *colon;
    if (n && text[0] == '[') {
        hend = memchr(text, ']', n);
        if (!hend || hend == text + 1)
            goto bad_host;
        u->host = g_strndup(text + 1, (gsize)(hend - text - 1));
        colon = hend + 1 < end ? hend + 1 : NULL;
        if (colon && *colon != ':')
            goto bad_host;
    } else {
        colon = memchr(text, ':', n);
        hend = colon ? colon : end;
        if (hend == text)
            goto bad_host;
        u->host = g_strndup(text, (gsize)(hend - text));
    }
    if (strspn(u->host, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:") != strlen(u->host))
        goto bad_host;
    u->port = FTP_URL_DEFAULT_PORT;
    if (colon) {
        const char *p = colon + 1;
        long v = 0;
        if (p == end || (size_t)(end - p) > 5)
            goto bad_port;
        for (; p < end; p++) {
            if (!g_ascii_isdigit(*p))
                goto bad_port;
            v = v * 10 + (*p - '0');
        }
        if (v < 1 || v > 65535)
            goto bad_port;
        u->port = (int)v;
    }
    return true;
bad_host:
    g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "bad host in the URL");
    return false;
bad_port:
    g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "bad port in the URL (1..65535)");
    return false;
}

bool ftp_url_parse(const char *text, ftp_url *out, GError **err)
{
    memset(out, 0, sizeof *out);
    if (g_ascii_strncasecmp(text, "ftp://", 6) != 0) {
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "not an ftp:// URL: %s", text);
        return false;
    }
    const char *auth = text + 6;
    const char *slash = strchr(auth, '/');
    const char *aend = slash ? slash : auth + strlen(auth);
    const char *at = NULL;
    for (const char *p = auth; p < aend; p++)
        if (*p == '@')
            at = p; /* the last '@': a password may hold one unescaped */
    const char *hp = auth;
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        const char *uend = colon ? colon : at;
        if (!(out->user = decode_part(auth, (size_t)(uend - auth), "user name", err)))
            goto fail;
        if (colon && !(out->password = decode_part(colon + 1, (size_t)(at - colon - 1), "password", err)))
            goto fail;
        if (!*out->user) {
            g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "empty user name in the URL");
            goto fail;
        }
        hp = at + 1;
    }
    if (!parse_hostport(hp, (size_t)(aend - hp), out, err))
        goto fail;
    const char *path = slash ? slash + 1 : "";
    if (strchr(path, ';')) {
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "\";type=\" in URLs is not supported (use --ascii)");
        goto fail;
    }
    if (strpbrk(path, "?#")) {
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "a query or fragment in an ftp:// URL");
        goto fail;
    }
    if (!(out->path = decode_part(path, strlen(path), "path", err)))
        goto fail;
    return true;
fail:
    ftp_url_clear(out);
    return false;
}

/* One "user:password" line into `users`; false with `err`. */
static bool add_user(void *ud, const char *path, unsigned lineno, const char *line, GError **err)
{
    GHashTable *users = ud;
    const char *colon = strchr(line, ':');
    const char *why = NULL;
    char *user = colon ? g_strndup(line, (gsize)(colon - line)) : NULL;
    if (!colon || colon == line || !colon[1])
        why = "expected user:password";
    else if (strpbrk(user, " \t"))
        why = "a space in the user name";
    else if (!g_ascii_strcasecmp(user, "anonymous") || !g_ascii_strcasecmp(user, "ftp"))
        why = "\"anonymous\" and \"ftp\" are the anonymous login's names";
    else if (g_hash_table_contains(users, user))
        why = "the user is listed twice";
    else if (g_hash_table_size(users) >= FTP_USERS_MAX)
        why = "too many users";
    if (why) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: %s", path, lineno, why);
        g_free(user);
        return false;
    }
    g_hash_table_insert(users, user, g_strdup(colon + 1));
    return true;
}

static void free_secret(gpointer p)
{
    char *s = p;
    memset(s, 0, strlen(s));
    g_free(s);
}

GHashTable *ftp_users_load(const char *path, GError **err)
{
    GHashTable *users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_secret);
    if (!access_read_user_lines(path, add_user, users, err)) {
        g_hash_table_destroy(users);
        return NULL;
    }
    return users;
}

bool ftp_users_check(void *ud, const char *user, const char *password)
{
    const char *want = ud ? g_hash_table_lookup(ud, user) : NULL;
    if (!want || !password)
        return false;
    size_t a = strlen(want), b = strlen(password);
    unsigned char diff = (unsigned char)(a != b);
    for (size_t i = 0; i < b; i++)
        diff |= (unsigned char)(want[i % (a ? a : 1)] ^ password[i]);
    return diff == 0 && a == b && a > 0;
}
