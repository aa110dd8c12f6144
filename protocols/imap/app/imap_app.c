/*
 * imap_app: the IMAP dialogue of transcripts and the labels of IMAP
 * segments (imap_app.h). O(1) per byte; a line is kept up to
 * DLG_LINE_MAX bytes.
 */
#include "imap_app.h"

#include <string.h>

#include <glib.h>

#include "world/app_dlg.h"

#define DLG_LINE_MAX 4096 /* bytes of a line kept */

/* One direction of an IMAP connection (both read alike); b first
 * (app_dlg.h). */
typedef struct {
    app_dlg_buf b;     /* the line being read (up to its first literal) */
    uint64_t literal;  /* bytes of a literal still to come */
    bool headed;       /* this line's HEAD was given (at its first literal) */
} imap_dlg;
_Static_assert(offsetof(imap_dlg, b) == 0, "app_dlg_buf_new and app_dlg_buf_free need b first");

static void *dlg_new(bool from_client) { return app_dlg_buf_new(sizeof(imap_dlg), from_client); }

/* The size of the literal announced at the end of buf ("{n}\r\n" or
 * "{n+}\r\n"), or -1. */
static int64_t literal_at_end(const GString *b)
{
    if (b->len < 5 || memcmp(b->str + b->len - 3, "}\r\n", 3))
        return -1;
    size_t k = b->len - 3;
    if (k && b->str[k - 1] == '+')
        k--;
    size_t e = k;
    while (k && g_ascii_isdigit(b->str[k - 1]))
        k--;
    if (k == e || !k || b->str[k - 1] != '{' || e - k > 12)
        return -1;
    return g_ascii_strtoll(b->str + k, NULL, 10);
}

static void give_head(imap_dlg *d, app_dlg_event *ev)
{
    app_dlg_buf_give(&d->b, ev);
    d->headed = true;
}

static size_t dlg_feed(void *p, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    imap_dlg *d = p;
    if (app_dlg_buf_end(&d->b, ev)) {
        d->headed = false;
        return 0;
    }
    if (len && d->literal) {
        size_t n = (size_t)MIN((uint64_t)len, d->literal);
        d->literal -= n;
        ev->kind = APP_DLG_BODY;
        ev->body = n;
        return n;
    }
    if (len == 0 || !data) {
        ev->kind = APP_DLG_NEED_MORE;
        return len;
    }
    GString *buf = d->b.buf;
    for (size_t i = 0; i < len; i++) {
        app_dlg_buf_keep(&d->b, data[i], DLG_LINE_MAX);
        if (data[i] != '\n')
            continue;
        int64_t lit = literal_at_end(buf);
        if (lit >= 0) {
            d->literal = (uint64_t)lit;
            if (!d->headed) {
                give_head(d, ev);
                return i + 1;
            }
            g_string_truncate(buf, 0);
            ev->kind = APP_DLG_BODY; /* nothing yet: the literal's bytes come next */
            ev->body = 0;
            return i + 1;
        }
        if (d->headed) { /* the rest of a line after its literals */
            g_string_truncate(buf, 0);
            ev->kind = APP_DLG_END;
            d->headed = false;
            return i + 1;
        }
        give_head(d, ev);
        d->b.pending_end = true;
        return i + 1;
    }
    ev->kind = APP_DLG_NEED_MORE;
    return len;
}

const app_dialogue imap_app_dialogue = {dlg_new, app_dlg_buf_free, dlg_feed, NULL};

/* ---- labels and sniffing -------------------------------------------------------------- */

static const char *const words[] = {"OK", "NO", "BAD", "BYE", "PREAUTH", "LOGIN", "SELECT", "EXAMINE", "FETCH",
                                    "UID", "STORE", "EXPUNGE", "CLOSE", "LOGOUT", "NOOP", "CAPABILITY", "LIST",
                                    "LSUB", "STATUS", "APPEND", "SEARCH", "COPY", "MOVE", "CREATE", "DELETE",
                                    "RENAME", "CHECK", "UNSELECT", "AUTHENTICATE", "STARTTLS", NULL};

bool imap_app_sniff(const uint8_t *d, size_t len)
{
    if (!d || len < 3)
        return false;
    if ((d[0] == '*' || d[0] == '+') && d[1] == ' ')
        return true;
    size_t t = 0;
    while (t < len && t < 32 && (g_ascii_isalnum(d[t]) || d[t] == '.'))
        t++;
    if (t == 0 || t >= len || d[t] != ' ')
        return false;
    for (int i = 0; words[i]; i++) {
        size_t n = strlen(words[i]);
        if (t + 1 + n <= len && !g_ascii_strncasecmp((const char *)d + t + 1, words[i], n) &&
            (t + 1 + n == len || d[t + 1 + n] == ' ' || d[t + 1 + n] == '\r'))
            return true;
    }
    return false;
}

char *imap_app_label(const uint8_t *d, size_t len)
{
    if (!imap_app_sniff(d, len)) {
        if (len >= 1000)
            return g_strdup_printf("message data %.1f kB", (double)len / 1000.0);
        return g_strdup_printf("message data %zu B", len);
    }
    size_t n = 0, lines = 0;
    while (n < len && d[n] != '\r' && d[n] != '\n')
        n++;
    for (size_t i = 0; i < len; i++)
        lines += d[i] == '\n';
    GString *s = g_string_new_len((const char *)d, (gssize)MIN(n, (size_t)40));
    if (n > 40)
        g_string_append(s, "...");
    if (lines > 1)
        g_string_append_printf(s, " (+%zu lines)", lines - 1);
    return g_string_free(s, FALSE);
}
