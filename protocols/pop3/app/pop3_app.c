/*
 * pop3_app: the POP3 dialogue of transcripts and the labels of POP3
 * segments (pop3_app.h). O(1) per byte; a message's header section is
 * kept up to DLG_HEAD_MAX bytes.
 */
#include "pop3_app.h"

#include <string.h>

#include <glib.h>

#define DLG_HEAD_MAX 2048 /* bytes of a message's header section kept */
#define DLG_LINE_MAX 4096 /* bytes of a line or listing kept */

typedef enum { P_LINE, P_LISTING, P_MSG_HEAD, P_MSG_BODY } p_state;

typedef struct {
    bool client;
    p_state state;
    GString *buf;
    bool pending_end;
    int expect;          /* server: 0 a line, 1 a listing, 2 a message (what the last command asks) */
    int last;            /* client: what its last command asks */
    int end_match;       /* how much of "\r\n.\r\n" was just seen */
} pop3_dlg;

static void *dlg_new(bool from_client)
{
    pop3_dlg *d = g_new0(pop3_dlg, 1);
    d->client = from_client;
    d->buf = g_string_new(NULL);
    return d;
}

static void dlg_free(void *p)
{
    pop3_dlg *d = p;
    g_string_free(d->buf, TRUE);
    g_free(d);
}

static void give_head(pop3_dlg *d, app_dlg_event *ev)
{
    while (d->buf->len && (d->buf->str[d->buf->len - 1] == '\n' || d->buf->str[d->buf->len - 1] == '\r'))
        g_string_truncate(d->buf, d->buf->len - 1);
    ev->kind = APP_DLG_HEAD;
    ev->head = g_strdup(d->buf->str);
    g_string_truncate(d->buf, 0);
}

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

/* The end of a multi-line response ("\r\n.\r\n", its status line's CRLF
 * counted). */
static bool end_step(pop3_dlg *d, uint8_t c)
{
    static const char pat[] = "\r\n.\r\n";
    if ((char)c == pat[d->end_match])
        d->end_match++;
    else
        d->end_match = c == '\r' ? 1 : 0;
    if (d->end_match == 5) {
        d->end_match = 2;
        return true;
    }
    return false;
}

static size_t feed_multi(pop3_dlg *d, const uint8_t *data, size_t len, app_dlg_event *ev);

static size_t feed_line(pop3_dlg *d, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    for (size_t i = 0; i < len; i++) {
        if (d->buf->len < DLG_LINE_MAX)
            g_string_append_c(d->buf, (char)data[i]);
        if (data[i] != '\n')
            continue;
        if (d->client) {
            d->last = asks(d->buf->str);
        } else if (d->expect && !strncmp(d->buf->str, "+OK", 3)) {
            d->state = d->expect == 2 ? P_MSG_HEAD : P_LISTING;
            d->end_match = 2;
            if (d->state == P_LISTING) /* the listing goes with its status line */
                return i + 1 + feed_multi(d, data + i + 1, len - i - 1, ev);
        }
        d->expect = 0;
        give_head(d, ev);
        d->pending_end = d->state == P_LINE;
        return i + 1;
    }
    ev->kind = APP_DLG_NEED_MORE;
    return len;
}

static size_t feed_multi(pop3_dlg *d, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    if (d->state == P_MSG_BODY) {
        size_t i = 0;
        bool ended = false;
        for (; i < len && !ended; i++)
            ended = data ? end_step(d, data[i]) : false;
        ev->kind = APP_DLG_BODY;
        ev->body = i;
        d->pending_end = ended;
        return i;
    }
    for (size_t i = 0; i < len; i++) {
        bool ended = end_step(d, data[i]);
        if (d->buf->len < (d->state == P_LISTING ? DLG_LINE_MAX : DLG_HEAD_MAX))
            g_string_append_c(d->buf, (char)data[i]);
        bool blank = d->buf->len >= 4 && !memcmp(d->buf->str + d->buf->len - 4, "\r\n\r\n", 4);
        if (ended || (d->state == P_MSG_HEAD && (blank || d->buf->len >= DLG_HEAD_MAX))) {
            if (ended && d->state == P_LISTING)
                g_string_truncate(d->buf, d->buf->len >= 3 ? d->buf->len - 3 : 0); /* the "." line */
            give_head(d, ev);
            d->pending_end = ended;
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
    if (d->pending_end) {
        d->pending_end = false;
        d->state = P_LINE;
        ev->kind = APP_DLG_END;
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

const app_dialogue pop3_app_dialogue = {dlg_new, dlg_free, dlg_feed, dlg_answering};

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
