/*
 * app_dlg: the buffer and the dot-terminated data the line protocols'
 * dialogues share (app_dlg.h).
 */
#include "app_dlg.h"

#include <string.h>

void *app_dlg_buf_new(size_t size, bool from_client)
{
    g_assert(size >= sizeof(app_dlg_buf));
    app_dlg_buf *b = g_malloc0(size);
    b->client = from_client;
    b->buf = g_string_new(NULL);
    return b;
}

void app_dlg_buf_free(void *p)
{
    app_dlg_buf *b = p;
    if (!b)
        return;
    g_string_free(b->buf, TRUE);
    g_free(b);
}

void app_dlg_buf_keep(app_dlg_buf *b, uint8_t c, size_t max)
{
    if (b->buf->len < max)
        g_string_append_c(b->buf, (char)c);
}

bool app_dlg_buf_blank_line(const app_dlg_buf *b)
{
    return b->buf->len >= 4 && !memcmp(b->buf->str + b->buf->len - 4, "\r\n\r\n", 4);
}

void app_dlg_buf_give(app_dlg_buf *b, app_dlg_event *ev)
{
    GString *s = b->buf;
    while (s->len && (s->str[s->len - 1] == '\n' || s->str[s->len - 1] == '\r'))
        g_string_truncate(s, s->len - 1);
    ev->kind = APP_DLG_HEAD;
    ev->head = g_strdup(s->str);
    g_string_truncate(s, 0);
}

bool app_dlg_buf_end(app_dlg_buf *b, app_dlg_event *ev)
{
    if (!b->pending_end)
        return false;
    b->pending_end = false;
    ev->kind = APP_DLG_END;
    return true;
}

bool app_dlg_dot_step(int *match, uint8_t c)
{
    static const char pat[] = "\r\n.\r\n";
    if ((char)c == pat[*match])
        (*match)++;
    else
        *match = c == '\r' ? 1 : 0; /* a CR that breaks a partial match may start the next */
    if (*match == 5) {
        *match = 2; /* the end's own CRLF may precede the next end */
        return true;
    }
    return false;
}

size_t app_dlg_dot_body(app_dlg_buf *b, int *match, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    size_t i = 0;
    bool ended = false;
    for (; i < len && !ended; i++)
        ended = data ? app_dlg_dot_step(match, data[i]) : false;
    ev->kind = APP_DLG_BODY;
    ev->body = i;
    b->pending_end = ended;
    return i;
}
