/*
 * smtp_app_common: what the e-mail application types share (smtp_apps.h):
 * the reader of string lists, the SMTP dialogue of transcripts, packet
 * labels, and where a mail-server sends a domain's mail.
 */
#include <string.h>

#include "smtp_apps.h"
#include "world/app_dlg.h"

GPtrArray *smtp_app_read_strings(app_reader *r, const char *key, const char *expected, bool nodes)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    int n = app_reader_enter_list(r, key, expected);
    if (n < 0)
        return out;
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        const char *s = app_reader_string(r);
        if (!s || !*s || strlen(s) > 254)
            app_reader_fail_expected(r, NULL, nodes ? "a node's name" : "a non-empty string of at most 254 bytes");
        else if (!nodes || app_reader_host(r, NULL, s))
            g_ptr_array_add(out, g_strdup(s));
        app_reader_leave(r);
    }
    app_reader_leave(r);
    return out;
}

const char *smtp_app_route(const app_world *w, const app_spec *server, const char *domain)
{
    const mail_server_spec *s = server->cfg;
    for (guint i = 0; s->routes && i + 1 < s->routes->len; i += 2)
        if (!g_ascii_strcasecmp(g_ptr_array_index(s->routes, i), domain))
            return g_ptr_array_index(s->routes, i + 1);
    for (guint k = 0; app_world_app(w, k); k++) {
        const app_spec *x = app_world_app(w, k);
        if (x->type != &mail_server_app)
            continue;
        const mail_server_spec *xs = x->cfg;
        for (guint i = 0; i < xs->domains->len; i++)
            if (!g_ascii_strcasecmp(g_ptr_array_index(xs->domains, i), domain))
                return x->host;
    }
    return NULL;
}

/* ---- the dialogue ------------------------------------------------------------------ */

/* The header section of a message kept for a transcript, at most. */
#define DLG_HEAD_MAX 2048

typedef enum { DLG_LINES, DLG_MSG_HEAD, DLG_MSG_BODY } dlg_state;

/* One direction of an SMTP connection: the client's commands (and after
 * DATA, the message: its header section, then its body up to CRLF . CRLF),
 * or the server's replies (multi-line ones as one message); b first
 * (app_dlg.h). */
typedef struct {
    app_dlg_buf b;        /* the line(s) or header section being read */
    dlg_state state;
    int end_match;        /* how much of "\r\n.\r\n" was just seen (app_dlg_dot_step) */
    bool next_is_data;    /* the command given was DATA: the message follows */
} smtp_dlg;
_Static_assert(offsetof(smtp_dlg, b) == 0, "app_dlg_buf_new and app_dlg_buf_free need b first");

static void *dlg_new(bool from_client) { return app_dlg_buf_new(sizeof(smtp_dlg), from_client); }

/* Whether the line just completed in buf ends a reply: "ddd " or "ddd"
 * alone (a "ddd-" line continues). */
static bool reply_done(const GString *b)
{
    const char *last = b->str + b->len - 1; /* the LF */
    const char *start = last;
    while (start > b->str && start[-1] != '\n')
        start--;
    return !(last - start > 3 && start[3] == '-');
}

static size_t feed_lines(smtp_dlg *d, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    const GString *buf = d->b.buf;
    for (size_t i = 0; i < len; i++) {
        app_dlg_buf_keep(&d->b, data[i], 4096);
        if (data[i] != '\n' || (!d->b.client && !reply_done(buf)))
            continue;
        if (d->b.client && !g_ascii_strncasecmp(buf->str, "DATA", 4) && (buf->str[4] == '\r' || buf->str[4] == '\n'))
            d->next_is_data = true;
        app_dlg_buf_give(&d->b, ev);
        d->b.pending_end = true;
        return i + 1;
    }
    ev->kind = APP_DLG_NEED_MORE;
    return len;
}

static size_t feed_message(smtp_dlg *d, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    if (d->state == DLG_MSG_HEAD) {
        for (size_t i = 0; i < len; i++) {
            bool ended = app_dlg_dot_step(&d->end_match, data[i]);
            app_dlg_buf_keep(&d->b, data[i], DLG_HEAD_MAX);
            if (ended || app_dlg_buf_blank_line(&d->b) || d->b.buf->len >= DLG_HEAD_MAX) {
                app_dlg_buf_give(&d->b, ev);
                d->state = DLG_MSG_BODY;
                d->b.pending_end = ended;
                return i + 1;
            }
        }
        ev->kind = APP_DLG_NEED_MORE;
        return len;
    }
    return app_dlg_dot_body(&d->b, &d->end_match, data, len, ev);
}

static size_t dlg_feed(void *p, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    smtp_dlg *d = p;
    if (app_dlg_buf_end(&d->b, ev)) {
        if (d->state == DLG_MSG_BODY)
            d->state = DLG_LINES;
        else if (d->next_is_data) {
            d->next_is_data = false;
            d->state = DLG_MSG_HEAD;
            d->end_match = 2; /* the DATA line's CRLF */
        }
        return 0;
    }
    if (len == 0) {
        ev->kind = APP_DLG_NEED_MORE;
        return 0;
    }
    if (d->state == DLG_LINES) {
        if (!data) { /* unmodelled bytes: nothing to read */
            ev->kind = APP_DLG_NEED_MORE;
            return len;
        }
        return feed_lines(d, data, len, ev);
    }
    if (!data && d->state == DLG_MSG_HEAD)
        d->state = DLG_MSG_BODY;
    return feed_message(d, data, len, ev);
}

const app_dialogue smtp_app_dialogue = {dlg_new, app_dlg_buf_free, dlg_feed, NULL};

/* ---- labels -------------------------------------------------------------------------- */

static const char *const commands[] = {"HELO", "EHLO", "MAIL", "RCPT", "DATA", "QUIT", "RSET", "NOOP", "VRFY", NULL};

static bool is_command(const uint8_t *d, size_t len)
{
    for (int i = 0; commands[i]; i++)
        if (len >= 4 && !g_ascii_strncasecmp((const char *)d, commands[i], 4) && (len == 4 || d[4] == ' ' ||
                                                                                    d[4] == '\r' || d[4] == '\n'))
            return true;
    return false;
}

static bool is_reply(const uint8_t *d, size_t len)
{
    return len >= 4 && g_ascii_isdigit(d[0]) && g_ascii_isdigit(d[1]) && g_ascii_isdigit(d[2]) &&
           (d[3] == ' ' || d[3] == '-' || d[3] == '\r');
}

char *smtp_app_label(const uint8_t *d, size_t len)
{
    bool cmd = is_command(d, len), reply = is_reply(d, len);
    if (!cmd && !reply) {
        if (len >= 1000)
            return g_strdup_printf("message data %.1f kB", (double)len / 1000.0);
        return g_strdup_printf("message data %zu B", len);
    }
    size_t n = 0, lines = 0, last = 0;
    while (n < len && d[n] != '\r' && d[n] != '\n')
        n++;
    for (size_t i = 0; i < len; i++)
        if (d[i] == '\n') {
            lines++;
            if (i + 1 < len)
                last = i + 1;
        }
    GString *s = g_string_new_len((const char *)d, MIN(n, (size_t)40));
    size_t replies = 0;
    for (size_t i = 0; reply && i + 3 < len; i++)
        if ((i == 0 || d[i - 1] == '\n') && d[i + 3] == ' ')
            replies++;
    if (replies > 1) { /* pipelined replies: their codes */
        g_string_truncate(s, 0);
        for (size_t i = 0; i + 3 < len && s->len < 60; i++)
            if ((i == 0 || d[i - 1] == '\n') && d[i + 3] == ' ')
                g_string_append_printf(s, "%s%.3s", s->len ? " + " : "", (const char *)d + i);
    } else if (reply && lines > 1) { /* a multi-line reply: its last line */
        size_t k = last;
        while (k < len && d[k] != '\r' && d[k] != '\n')
            k++;
        g_string_printf(s, "%.*s (%zu lines)", (int)MIN((size_t)30, k - last), (const char *)d + last, lines);
    }
    else if (cmd && lines > 1) /* pipelined commands */
        g_string_append_printf(s, " +%zu", lines - 1);
    return g_string_free(s, FALSE);
}
