/*
 * ftp_dialogue: the FTP control connection as transcripts and timelines
 * show it (ftp_apps.h). A command is one line; a reply is one line, or
 * from "NNN-" to the line that starts "NNN " (RFC 959 4.2), kept whole up
 * to DLG_MAX bytes. O(1) per byte.
 */
#include <string.h>

#include "ftp_apps.h"
#include "world/app_dlg.h"

#define DLG_MAX 4096 /* bytes of a message kept */

/* One direction of the control connection; b first (app_dlg.h). */
typedef struct {
    app_dlg_buf b;    /* the message so far */
    GString *line;    /* the current line */
    char code[4];     /* a multi-line reply's code, "" when none is open */
} ftp_dlg;
_Static_assert(offsetof(ftp_dlg, b) == 0, "app_dlg_buf_new and app_dlg_buf_free need b first");

static void *dlg_new(bool from_client)
{
    ftp_dlg *d = app_dlg_buf_new(sizeof(ftp_dlg), from_client);
    d->line = g_string_new(NULL);
    return d;
}

static void dlg_free(void *p)
{
    ftp_dlg *d = p;
    g_string_free(d->line, TRUE);
    app_dlg_buf_free(d);
}

static bool digits3(const char *s)
{
    return g_ascii_isdigit(s[0]) && g_ascii_isdigit(s[1]) && g_ascii_isdigit(s[2]);
}

/* A whole line is in d->line (CRLF or LF included): true when it ends a
 * message. */
static bool line_done(ftp_dlg *d)
{
    const char *l = d->line->str;
    if (d->b.buf->len + d->line->len <= DLG_MAX)
        g_string_append_len(d->b.buf, l, (gssize)d->line->len);
    bool ends = true;
    if (!d->b.client) {
        if (d->code[0])
            ends = d->line->len >= 4 && !strncmp(l, d->code, 3) && l[3] == ' ';
        else if (d->line->len >= 4 && digits3(l) && l[3] == '-') {
            memcpy(d->code, l, 3);
            ends = false;
        }
    }
    g_string_truncate(d->line, 0);
    if (ends)
        d->code[0] = '\0';
    return ends;
}

static size_t dlg_feed(void *p, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    ftp_dlg *d = p;
    if (app_dlg_buf_end(&d->b, ev))
        return 0;
    if (!data) { /* unmodelled bytes carry no commands */
        ev->kind = APP_DLG_NEED_MORE;
        return len;
    }
    for (size_t i = 0; i < len; i++) {
        if (d->line->len < DLG_MAX)
            g_string_append_c(d->line, (char)data[i]);
        if (data[i] != '\n' || !line_done(d))
            continue;
        app_dlg_buf_give(&d->b, ev);
        d->b.pending_end = true;
        return i + 1;
    }
    ev->kind = APP_DLG_NEED_MORE;
    return len;
}

const app_dialogue ftp_app_dialogue = {dlg_new, dlg_free, dlg_feed, NULL};

/* ---- labels -------------------------------------------------------------------------- */

/* A control line: a reply "NNN" or a command of 3 or 4 letters. */
static bool is_control(const uint8_t *d, size_t len)
{
    if (len >= 4 && digits3((const char *)d) && (d[3] == ' ' || d[3] == '-'))
        return true;
    size_t k = 0;
    while (k < len && k < 5 && g_ascii_isupper(d[k]))
        k++;
    return (k == 3 || k == 4) && (k == len || d[k] == ' ' || d[k] == '\r' || d[k] == '\n');
}

static char *size_label(size_t len)
{
    if (len >= 1000)
        return g_strdup_printf("data %.1f kB", (double)len / 1000.0);
    return g_strdup_printf("data %zu B", len);
}

char *ftp_app_label(const uint8_t *d, size_t len)
{
    if (!d || !is_control(d, len))
        return size_label(len);
    size_t n = 0;
    while (n < len && d[n] != '\r' && d[n] != '\n')
        n++;
    const char *open = memchr(d, '(', n);
    if (n >= 4 && (!memcmp(d, "227 ", 4) || !memcmp(d, "229 ", 4)) && open) /* the address is the point */
        return g_strdup_printf("%.4s%.*s", (const char *)d, (int)(n - (size_t)(open - (const char *)d)), open);
    return g_strndup((const char *)d, MIN(n, (size_t)40));
}
