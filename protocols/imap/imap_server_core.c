/*
 * imap_server_core: the reader (lines and literals gathered into whole
 * commands, with their limits), the dispatch by state, the commands
 * without a module of their own (CAPABILITY, NOOP, LOGOUT, LOGIN, CHECK,
 * CLOSE, UNSELECT) and the output helpers. See imap_server_core.h.
 */
#include "imap_server_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
#define IMAP_SERVER_STATE_NAME(name, text) text,
    IMAP_SERVER_STATES(IMAP_SERVER_STATE_NAME)
#undef IMAP_SERVER_STATE_NAME
};

const char *imap_server_state_name(imap_server_state st)
{
    return (unsigned)st < G_N_ELEMENTS(state_names) ? state_names[st] : "?";
}

void imap_set_state(imap_server_core *s, imap_server_state to)
{
    if (s->state == IMAP_SERVER_SELECTED && to != IMAP_SERVER_SELECTED)
        imap_view_close(s);
    s->state = to;
    if (to == IMAP_SERVER_LOGOUT)
        s->closed = true;
}

void imap_out_bytes(imap_server_core *s, const void *d, size_t n)
{
    g_byte_array_append(s->out, d, (guint)n);
}

void imap_out(imap_server_core *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    imap_out_bytes(s, t, strlen(t));
    g_free(t);
}

void imap_out_string(GString *o, const char *d, size_t n)
{
    bool plain = n <= 256;
    for (size_t i = 0; plain && i < n; i++)
        if ((unsigned char)d[i] < 0x20 || (unsigned char)d[i] >= 0x7f)
            plain = false;
    if (!plain) {
        g_string_append_printf(o, "{%zu}\r\n", n);
        g_string_append_len(o, d, (gssize)n);
        return;
    }
    g_string_append_c(o, '"');
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '"' || d[i] == '\\')
            g_string_append_c(o, '\\');
        g_string_append_c(o, d[i]);
    }
    g_string_append_c(o, '"');
}

void imap_out_nstring(GString *o, const char *d)
{
    if (!d)
        g_string_append(o, "NIL");
    else
        imap_out_string(o, d, strlen(d));
}

static const struct {
    const char *name;
    unsigned bit;
} flag_names[] = {
    {"\\Answered", MAIL_FLAG_ANSWERED}, {"\\Flagged", MAIL_FLAG_FLAGGED}, {"\\Deleted", MAIL_FLAG_DELETED},
    {"\\Seen", MAIL_FLAG_SEEN},         {"\\Draft", MAIL_FLAG_DRAFT},
};

void imap_flags_write(GString *o, unsigned flags, bool recent)
{
    bool first = true;
    g_string_append_c(o, '(');
    for (size_t i = 0; i < G_N_ELEMENTS(flag_names); i++) {
        if (!(flags & flag_names[i].bit))
            continue;
        if (!first)
            g_string_append_c(o, ' ');
        g_string_append(o, flag_names[i].name);
        first = false;
    }
    if (recent)
        g_string_append(o, first ? "\\Recent" : " \\Recent");
    g_string_append_c(o, ')');
}

bool imap_flag_bit(const char *name, unsigned *bit)
{
    *bit = 0;
    if (name[0] != '\\')
        return true; /* a keyword: accepted, not kept */
    for (size_t i = 0; i < G_N_ELEMENTS(flag_names); i++)
        if (imap_word_is(name, flag_names[i].name)) {
            *bit = flag_names[i].bit;
            return true;
        }
    return false;
}

bool imap_p_flag_list(imap_cursor *c, bool bare, unsigned *flags)
{
    size_t start = c->pos;
    bool paren = imap_p_char(c, '(');
    if (!paren && !bare)
        return false;
    *flags = 0;
    bool first = true;
    for (;;) {
        if (paren && imap_p_char(c, ')'))
            return true;
        if (!paren && !first && imap_p_eol(c))
            return true;
        if (!first && !imap_p_sp(c))
            break;
        char *f = NULL;
        unsigned bit;
        if (!imap_p_flag(c, &f))
            break;
        bool ok = imap_flag_bit(f, &bit);
        g_free(f);
        if (!ok)
            break;
        *flags |= bit;
        first = false;
    }
    c->pos = start;
    return false;
}

const char *imap_capability(const imap_server_core *s)
{
    return s->login_disabled ? "IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT LOGINDISABLED"
                             : "IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT";
}

/* A tagged answer. In the selected state the view is checked first, so
 * that what others changed is reported before the command completes. */
static void tagged(imap_server_core *s, const char *tag, const char *kind, const char *text)
{
    if (s->state == IMAP_SERVER_SELECTED && !s->closed)
        imap_view_sync(s, s->sync_expunges);
    imap_out(s, "%s %s %s\r\n", tag, kind, text);
}

void imap_ok(imap_server_core *s, const char *tag, const char *text)
{
    s->bad_in_row = 0;
    tagged(s, tag, "OK", text);
}

void imap_no(imap_server_core *s, const char *tag, const char *text)
{
    s->bad_in_row = 0;
    tagged(s, tag, "NO", text);
}

void imap_bad(imap_server_core *s, const char *tag, const char *text)
{
    tagged(s, tag, "BAD", text);
    if (++s->bad_in_row >= s->max_bad && !s->closed) {
        imap_out(s, "* BYE Too many errors\r\n");
        imap_set_state(s, IMAP_SERVER_LOGOUT);
    }
}

imap_server_core *imap_server_core_new(const imap_server_config *cfg, mail_store *store)
{
    imap_server_core *s = g_new0(imap_server_core, 1);
    s->store = store;
    s->greeting = g_strdup(cfg && cfg->greeting ? cfg->greeting : "IMAP4rev1 server ready");
    for (char *p = s->greeting; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    s->login_disabled = cfg && cfg->login_disabled;
    s->max_line = cfg && cfg->max_line ? cfg->max_line : IMAP_SERVER_DEFAULT_MAX_LINE;
    s->max_literal = cfg && cfg->max_literal ? cfg->max_literal : IMAP_SERVER_DEFAULT_MAX_LITERAL;
    s->max_bad = cfg && cfg->max_bad ? cfg->max_bad : IMAP_SERVER_DEFAULT_MAX_BAD;
    s->out = g_byte_array_new();
    s->cmd = g_byte_array_new();
    s->state = IMAP_SERVER_NOT_AUTH;
    imap_out(s, "* OK [CAPABILITY %s] %s\r\n", imap_capability(s), s->greeting);
    return s;
}

void imap_server_core_free(imap_server_core *s)
{
    if (!s)
        return;
    imap_view_close(s);
    g_byte_array_free(s->out, TRUE);
    g_byte_array_free(s->cmd, TRUE);
    g_free(s->greeting);
    g_free(s->user);
    g_free(s);
}

void imap_server_core_set_now(imap_server_core *s, int64_t now_ns) { s->now_ns = now_ns; }

const uint8_t *imap_server_core_output(const imap_server_core *s, size_t *len)
{
    *len = s->out->len;
    return s->out->data;
}

void imap_server_core_consume(imap_server_core *s, size_t n)
{
    if (n > s->out->len)
        n = s->out->len;
    if (n)
        g_byte_array_remove_range(s->out, 0, (guint)n);
}

void imap_server_core_shutdown(imap_server_core *s)
{
    if (s->closed)
        return;
    imap_out(s, "* BYE Server shutting down\r\n");
    imap_set_state(s, IMAP_SERVER_LOGOUT);
}

bool imap_server_core_closed(const imap_server_core *s) { return s->closed; }

imap_server_state imap_server_core_state(const imap_server_core *s) { return s->state; }

size_t imap_server_core_buffered(const imap_server_core *s) { return s->cmd->len; }

/* ---- the reader ---------------------------------------------------------- */

static void reset_command(imap_server_core *s)
{
    g_byte_array_set_size(s->cmd, 0);
    s->line_bytes = 0;
    s->literal_total = 0;
    s->literal_left = 0;
    s->too_long = false;
    s->line_start = 0;
    s->mode = IMAP_READ_LINE;
}

/* The tag at the start of the command, when there is one, else "*". */
static char *command_tag(const imap_server_core *s)
{
    imap_cursor c = {s->cmd->data, s->cmd->len, 0};
    char *tag = NULL;
    if (imap_p_tag(&c, &tag) && (imap_p_eol(&c) || imap_p_peek(&c) == ' '))
        return tag;
    g_free(tag);
    return g_strdup("*");
}

/* Whether the line [line_start, len) ends in a literal's "{n}" or
 * "{n+}"; its size in *n (UINT64_MAX when it has over 19 digits). */
static bool literal_marker(const imap_server_core *s, uint64_t *n, bool *sync)
{
    const uint8_t *d = s->cmd->data;
    size_t end = s->cmd->len, i;
    if (end <= s->line_start + 2 || d[end - 1] != '}')
        return false;
    i = end - 1;
    *sync = true;
    if (d[i - 1] == '+') {
        *sync = false;
        i--;
    }
    size_t digits_end = i;
    while (i > s->line_start && d[i - 1] >= '0' && d[i - 1] <= '9')
        i--;
    if (i == digits_end || i == s->line_start || d[i - 1] != '{')
        return false;
    if (digits_end - i > 19) {
        *n = UINT64_MAX;
        return true;
    }
    *n = 0;
    for (size_t k = i; k < digits_end; k++)
        *n = *n * 10 + (uint64_t)(d[k] - '0');
    return true;
}

static void refuse_literal(imap_server_core *s, bool sync)
{
    char *tag = command_tag(s);
    if (sync) {
        imap_no(s, tag, "[TOOBIG] Literal too large");
    } else {
        imap_bad(s, tag, "[TOOBIG] Literal too large");
        if (!s->closed) {
            imap_out(s, "* BYE Literal too large\r\n");
            imap_set_state(s, IMAP_SERVER_LOGOUT);
        }
    }
    g_free(tag);
    reset_command(s);
}

/* A line of the command ended (its LF taken, not kept). */
static void end_of_line(imap_server_core *s)
{
    if (s->cmd->len > s->line_start && s->cmd->data[s->cmd->len - 1] == '\r')
        g_byte_array_set_size(s->cmd, s->cmd->len - 1);
    uint64_t n;
    bool sync;
    if (literal_marker(s, &n, &sync)) {
        /* Before LOGIN a literal can only be a user name or a password. */
        uint64_t limit = s->state == IMAP_SERVER_NOT_AUTH ? MIN(s->max_literal, IMAP_SERVER_PREAUTH_LITERAL)
                                                          : s->max_literal;
        if (n > limit || n > limit - s->literal_total) {
            refuse_literal(s, sync);
            return;
        }
        g_byte_array_append(s->cmd, (const guint8 *)"\r\n", 2);
        s->line_bytes += 2;
        s->literal_total += n;
        s->literal_left = n;
        s->mode = n ? IMAP_READ_LITERAL : IMAP_READ_LINE;
        s->line_start = s->cmd->len;
        if (sync)
            imap_out(s, "+ Ready for literal data\r\n");
        return;
    }
    if (s->cmd->len == 0) {
        reset_command(s); /* an empty line: ignored */
        return;
    }
    GByteArray *cmd = s->cmd;
    s->cmd = g_byte_array_new();
    reset_command(s);
    imap_dispatch(s, cmd->data, cmd->len);
    g_byte_array_free(cmd, TRUE);
}

static void line_too_long(imap_server_core *s)
{
    char *tag = command_tag(s);
    imap_bad(s, tag, "Command line too long");
    g_free(tag);
    reset_command(s);
}

/* Reads from data[0, len) in the current mode; returns the bytes taken. */
static size_t read_some(imap_server_core *s, const uint8_t *data, size_t len)
{
    if (s->mode == IMAP_READ_LITERAL) {
        size_t n = s->literal_left < len ? (size_t)s->literal_left : len;
        g_byte_array_append(s->cmd, data, (guint)n);
        s->literal_left -= n;
        if (s->literal_left == 0) {
            s->mode = IMAP_READ_LINE;
            s->line_start = s->cmd->len;
        }
        return n;
    }
    const uint8_t *lf = memchr(data, '\n', len);
    size_t n = lf ? (size_t)(lf - data) : len;
    if (s->mode == IMAP_READ_DISCARD) {
        if (lf)
            line_too_long(s);
        return lf ? n + 1 : n;
    }
    if (s->line_bytes + n > s->max_line) {
        /* Keep what fits (the tag is at the start), drop the rest. */
        size_t keep = s->line_bytes < s->max_line ? s->max_line - s->line_bytes : 0;
        g_byte_array_append(s->cmd, data, (guint)keep);
        s->line_bytes = s->max_line;
        s->mode = IMAP_READ_DISCARD;
        if (lf)
            line_too_long(s);
        return lf ? n + 1 : n;
    }
    g_byte_array_append(s->cmd, data, (guint)n);
    s->line_bytes += n;
    if (lf) {
        end_of_line(s);
        return n + 1;
    }
    return n;
}

size_t imap_server_core_feed(imap_server_core *s, const uint8_t *data, size_t len)
{
    if (!data)
        return 0;
    size_t off = 0;
    while (off < len) {
        if (s->closed)
            return len;
        if (s->out->len >= IMAP_SERVER_OUTPUT_HIGH)
            break;
        off += read_some(s, data + off, len - off);
    }
    return off;
}
