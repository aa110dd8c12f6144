/*
 * pop3_app: the POP3 dialogue of transcripts and the labels of POP3
 * segments (pop3_app.h). O(1) per byte; a message's header section is
 * kept up to DLG_HEAD_MAX bytes.
 */
#include "pop3_app.h"

#include <string.h>

#include <glib.h>

#include "world/app_dlg.h"

#define DLG_HEAD_MAX 2048 /* bytes of a message's header section kept */
#define DLG_LINE_MAX 4096 /* bytes of a line or listing kept */

typedef enum { P_LINE, P_LISTING, P_MSG_HEAD, P_MSG_BODY } p_state;

/* One direction of a POP3 connection; b first (app_dlg.h). */
typedef struct {
    app_dlg_buf b;
    p_state state;
    int expect;    /* server: 0 a line, 1 a listing, 2 a message (what the last command asks) */
    int last;      /* client: what its last command asks */
    int end_match; /* how much of "\r\n.\r\n" was just seen (app_dlg_dot_step) */
} pop3_dlg;
_Static_assert(offsetof(pop3_dlg, b) == 0, "app_dlg_buf_new and app_dlg_buf_free need b first");

static void *dlg_new(bool from_client) { return app_dlg_buf_new(sizeof(pop3_dlg), from_client); }

/* What a command line's response is: 2 a message, 1 a listing, 0 a line. */
static int asks(const char *line)
{
    bool arg = strlen(line) > 5 && line[4] == ' ';
    if (!g_ascii_strncasecmp(line, "RETR", 4) || !g_ascii_strncasecmp(line, "TOP ", 4))
        return 2;
    if (!arg && (!g_ascii_strncasecmp(line, "LIST", 4) || !g_ascii_strncasecmp(line, "UIDL", 4) ||
                 !g_ascii_strncasecmp(line, "CAPA", 4)))
        return 1;
    return 0;
}

static size_t feed_multi(pop3_dlg *d, const uint8_t *data, size_t len, app_dlg_event *ev);

static size_t feed_line(pop3_dlg *d, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    GString *buf = d->b.buf;
    for (size_t i = 0; i < len; i++) {
        app_dlg_buf_keep(&d->b, data[i], DLG_LINE_MAX);
        if (data[i] != '\n')
            continue;
        if (d->b.client) {
            d->last = asks(buf->str);
        } else if (d->expect && !strncmp(buf->str, "+OK", 3)) {
            d->state = d->expect == 2 ? P_MSG_HEAD : P_LISTING;
            d->end_match = 2; /* the status line's CRLF counts toward "\r\n.\r\n" */
            if (d->state == P_LISTING) /* the listing goes with its status line */
                return i + 1 + feed_multi(d, data + i + 1, len - i - 1, ev);
        }
        d->expect = 0;
        app_dlg_buf_give(&d->b, ev);
        d->b.pending_end = d->state == P_LINE;
        return i + 1;
    }
    ev->kind = APP_DLG_NEED_MORE;
    return len;
}

static size_t feed_multi(pop3_dlg *d, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    if (d->state == P_MSG_BODY)
        return app_dlg_dot_body(&d->b, &d->end_match, data, len, ev);
    GString *buf = d->b.buf;
    for (size_t i = 0; i < len; i++) {
        bool ended = app_dlg_dot_step(&d->end_match, data[i]);
        app_dlg_buf_keep(&d->b, data[i], d->state == P_LISTING ? DLG_LINE_MAX : DLG_HEAD_MAX);
        bool head_done = d->state == P_MSG_HEAD && (app_dlg_buf_blank_line(&d->b) || buf->len >= DLG_HEAD_MAX);
        if (ended || head_done) {
            if (ended && d->state == P_LISTING)
                g_string_truncate(buf, buf->len >= 3 ? buf->len - 3 : 0); /* the "." line */
            app_dlg_buf_give(&d->b, ev);
            d->b.pending_end = ended;
            if (!ended)
                d->state = P_MSG_BODY;
            return i + 1;
        }
    }
    ev->kind = APP_DLG_NEED_MORE;
    return len;
}

static size_t dlg_feed(void *p, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    pop3_dlg *d = p;
    if (app_dlg_buf_end(&d->b, ev)) {
        d->state = P_LINE;
        return 0;
    }
    if (len == 0) {
        ev->kind = APP_DLG_NEED_MORE;
        return 0;
    }
    if (!data && d->state == P_MSG_HEAD)
        d->state = P_MSG_BODY;
    if (!data && d->state != P_MSG_BODY) { /* unmodelled bytes: nothing to read */
        ev->kind = APP_DLG_NEED_MORE;
        return len;
    }
    if (d->state == P_LINE)
        return feed_line(d, data, len, ev);
    return feed_multi(d, data, len, ev);
}

static void dlg_answering(void *server_side, const void *client_side)
{
    ((pop3_dlg *)server_side)->expect = ((const pop3_dlg *)client_side)->last;
}

const app_dialogue pop3_app_dialogue = {dlg_new, app_dlg_buf_free, dlg_feed, dlg_answering};

/* ---- labels and sniffing -------------------------------------------------------------- */

static const char *const commands[] = {"USER", "PASS", "APOP", "STAT", "LIST", "UIDL", "RETR", "DELE", "TOP ",
                                       "NOOP", "RSET", "QUIT", "CAPA", "STLS", "AUTH", NULL};

static bool is_command(const uint8_t *d, size_t len)
{
    for (int i = 0; commands[i]; i++)
        if (len >= 4 && !g_ascii_strncasecmp((const char *)d, commands[i], 4) &&
            (len == 4 || d[4] == ' ' || d[4] == '\r' || d[4] == '\n'))
            return true;
    return false;
}

static bool is_status(const uint8_t *d, size_t len)
{
    return (len >= 3 && !memcmp(d, "+OK", 3)) || (len >= 4 && !memcmp(d, "-ERR", 4));
}

bool pop3_app_sniff(const uint8_t *d, size_t len) { return d && (is_status(d, len) || is_command(d, len)); }

char *pop3_app_label(const uint8_t *d, size_t len)
{
    if (!d || (!is_status(d, len) && !is_command(d, len))) {
        if (len >= 1000)
            return g_strdup_printf("message data %.1f kB", (double)len / 1000.0);
        return g_strdup_printf("message data %zu B", len);
    }
    size_t n = 0, lines = 0;
    while (n < len && d[n] != '\r' && d[n] != '\n')
        n++;
    for (size_t i = 0; i < len; i++)
        lines += d[i] == '\n';
    /* The password too: POP3 sends it in clear, which is the lesson. */
    GString *s = g_string_new_len((const char *)d, (gssize)MIN(n, (size_t)40));
    if (lines > 1)
        g_string_append_printf(s, " (%zu lines)", lines);
    return g_string_free(s, FALSE);
}
