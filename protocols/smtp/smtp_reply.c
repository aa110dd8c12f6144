/*
 * smtp_reply: the incremental SMTP reply parser (RFC 5321 4.2).
 *
 * Bytes of the current line are gathered in `line` (never more than
 * SMTP_REPLY_MAX_LINE - 1 before its LF); a complete line is checked and
 * its text appended to the reply being built. The last line of a reply
 * (a space or nothing after the code) completes it; the parser then starts
 * a new reply on the next call. The events do not depend on how the bytes
 * were split: every check runs on a complete line, except the length
 * limit, which is the same on a partial line.
 */
#include "smtp_reply.h"

#include <string.h>

struct smtp_reply_parser {
    GByteArray *line;   /* the current line, without its LF */
    smtp_reply reply;   /* the reply being built, or the last complete one */
    bool complete;      /* `reply` is complete (cleared by the next feed) */
    size_t held;        /* text bytes of the lines of `reply` */
    const char *error;  /* sticky error, or NULL */
};

smtp_reply_parser *smtp_reply_parser_new(void)
{
    smtp_reply_parser *p = g_new0(smtp_reply_parser, 1);
    p->line = g_byte_array_new();
    p->reply.lines = g_ptr_array_new_with_free_func(g_free);
    return p;
}

void smtp_reply_parser_free(smtp_reply_parser *p)
{
    if (!p)
        return;
    g_byte_array_free(p->line, TRUE);
    g_ptr_array_free(p->reply.lines, TRUE);
    g_free(p);
}

int smtp_reply_class(int code)
{
    if (code < 200 || code > 599 || (code / 10) % 10 > 5)
        return 0;
    return code / 100;
}

/* Checks one complete line (CR removed) and adds it to the reply; returns
 * false with p->error set when it is malformed. *last says whether it
 * ended the reply. */
static bool take_line(smtp_reply_parser *p, const uint8_t *s, size_t n, bool *last)
{
    if (n < 3 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9') {
        p->error = "a reply line must start with a three-digit code";
        return false;
    }
    int code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    if (smtp_reply_class(code) == 0) {
        p->error = "reply code out of range (first digit 2-5, second 0-5)";
        return false;
    }
    if (n > 3 && s[3] != ' ' && s[3] != '-') {
        p->error = "a reply code must be followed by a space, a hyphen or the line end";
        return false;
    }
    if (p->reply.lines->len > 0 && code != p->reply.code) {
        p->error = "the lines of a multi-line reply have different codes";
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 0 || s[i] == '\r') {
            p->error = "NUL or a bare CR in a reply line";
            return false;
        }
    }
    if (p->reply.lines->len >= SMTP_REPLY_MAX_LINES) {
        p->error = "reply of more than 100 lines";
        return false;
    }
    p->reply.code = code;
    size_t tn = n > 4 ? n - 4 : 0;
    g_ptr_array_add(p->reply.lines, g_strndup((const char *)s + 4 * (n > 4), tn));
    p->held += tn;
    *last = n == 3 || s[3] == ' ';
    return true;
}

size_t smtp_reply_parser_feed(smtp_reply_parser *p, const uint8_t *data, size_t len, smtp_reply_status *st)
{
    if (p->error) {
        *st = SMTP_REPLY_ERROR;
        return len;
    }
    if (p->complete) {
        g_ptr_array_set_size(p->reply.lines, 0);
        p->reply.code = 0;
        p->held = 0;
        p->complete = false;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];
        if (c != '\n') {
            if (p->line->len >= SMTP_REPLY_MAX_LINE - 1) {
                p->error = "reply line longer than 512 bytes";
                *st = SMTP_REPLY_ERROR;
                return len;
            }
            g_byte_array_append(p->line, &c, 1);
            continue;
        }
        size_t n = p->line->len;
        if (n > 0 && p->line->data[n - 1] == '\r')
            n--;
        bool last = false;
        bool ok = take_line(p, p->line->data, n, &last);
        g_byte_array_set_size(p->line, 0);
        if (!ok) {
            *st = SMTP_REPLY_ERROR;
            return len;
        }
        if (last) {
            p->complete = true;
            *st = SMTP_REPLY_COMPLETE;
            return i + 1;
        }
    }
    *st = SMTP_REPLY_NEED_MORE;
    return len;
}

const smtp_reply *smtp_reply_parser_reply(const smtp_reply_parser *p)
{
    return p->complete ? &p->reply : NULL;
}

const char *smtp_reply_parser_error(const smtp_reply_parser *p) { return p->error; }

size_t smtp_reply_parser_buffered(const smtp_reply_parser *p) { return p->line->len + p->held; }

char *smtp_reply_text(const smtp_reply *r)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < r->lines->len; i++) {
        if (i)
            g_string_append_c(s, '\n');
        g_string_append(s, g_ptr_array_index(r->lines, i));
    }
    return g_string_free(s, FALSE);
}
