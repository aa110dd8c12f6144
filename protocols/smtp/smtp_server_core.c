/*
 * smtp_server_core: the SMTP server state machine (see smtp_server_core.h
 * for the contract, the replies and the limits).
 *
 * Structure. Input is read a byte at a time by one of two readers chosen
 * by the state: the command reader gathers a line (at most 511 bytes
 * before its LF, the rest of a longer line is dropped) and runs the
 * command when the LF comes; the data reader (after 354) undoes
 * dot-stuffing and finds the CRLF "." CRLF terminator with a five-state
 * scanner, appending the message bytes to the envelope until the size
 * limit and counting them past it. Either reader hands over to the other
 * in the middle of an input span, so commands pipelined behind a DATA
 * terminator are read from the same span. Replies are appended to `out`.
 */
#include "smtp_server_core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
#define SMTP_SERVER_STATE_NAME(name, text) [name] = text,
    SMTP_SERVER_STATES(SMTP_SERVER_STATE_NAME)
#undef SMTP_SERVER_STATE_NAME
};

/* The data reader's states: where the scanner is within a line. */
typedef enum {
    D_BOL,    /* at the start of a line */
    D_DOT,    /* a "." at the start of a line, not yet given */
    D_DOT_CR, /* "." CR at the start of a line: LF ends the message */
    D_MID,    /* inside a line */
    D_CR,     /* a CR inside a line, not yet given: LF ends the line */
} data_state;

struct smtp_server_core {
    char *domain;
    uint64_t max_size;
    uint32_t max_rcpt;
    smtp_server_callbacks cb;
    void *ud;

    smtp_server_state state;
    GByteArray *out; /* replies not yet taken */
    GQueue events;   /* of smtp_server_event * */

    char line[SMTP_SERVER_MAX_COMMAND_LINE]; /* the command line, without LF */
    size_t line_len;                         /* bytes in `line` (< 512) */
    bool line_over;                          /* the line is over the limit: dropping to LF */

    char *helo;             /* the client's HELO/EHLO domain, or NULL */
    smtp_envelope *env;     /* the open transaction, or NULL */
    uint32_t rcpt_tried;    /* RCPT commands of the transaction that reached a decision */
    uint32_t rcpt_accepted; /* of them accepted */

    data_state dstate;
    size_t dline_len;  /* wire bytes of the current data line */
    bool dline_over;   /* a data line was over 1000 bytes */
    bool oversize;     /* the message went over max_size: discarding */
    uint64_t dsize;    /* message bytes so far (dot-stuffing undone) */
};

const char *smtp_server_state_name(smtp_server_state s)
{
    return (unsigned)s < G_N_ELEMENTS(state_names) ? state_names[s] : "?";
}

static void push_event(smtp_server_core *s, smtp_server_event_kind kind, smtp_envelope *env)
{
    smtp_server_event *ev = g_new0(smtp_server_event, 1);
    ev->kind = kind;
    ev->from = ev->to = s->state;
    ev->env = env;
    g_queue_push_tail(&s->events, ev);
}

/* The one place the state changes; every change is an event. */
static void set_state(smtp_server_core *s, smtp_server_state to)
{
    if (s->state == to)
        return;
    smtp_server_event *ev = g_new0(smtp_server_event, 1);
    ev->kind = SMTP_SERVER_EV_STATE;
    ev->from = s->state;
    ev->to = to;
    g_queue_push_tail(&s->events, ev);
    s->state = to;
}

/* Appends "CODE text" CRLF. The text is cut so that the line stays within
 * 512 bytes, and control characters in it become spaces (an application's
 * text must not end the line early). */
static void reply(smtp_server_core *s, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void reply(smtp_server_core *s, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    size_t n = strlen(text);
    if (n > SMTP_SERVER_MAX_COMMAND_LINE - 6)
        n = SMTP_SERVER_MAX_COMMAND_LINE - 6;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            text[i] = ' ';
    char head[8];
    snprintf(head, sizeof head, "%03d ", code);
    g_byte_array_append(s->out, (const guint8 *)head, 4);
    g_byte_array_append(s->out, (const guint8 *)text, (guint)n);
    g_byte_array_append(s->out, (const guint8 *)"\r\n", 2);
    g_free(text);
}

static const char *default_text(int code)
{
    switch (code) {
    case 450: return "Requested mail action not taken: mailbox unavailable";
    case 451: return "Requested action aborted: local error in processing";
    case 452: return "Requested action not taken: insufficient system storage";
    case 550: return "Requested action not taken: mailbox unavailable";
    case 551: return "User not local";
    case 552: return "Requested mail action aborted: exceeded storage allocation";
    case 553: return "Requested action not taken: mailbox name not allowed";
    case 554: return "Transaction failed";
    default: return "OK";
    }
}

smtp_server_core *smtp_server_core_new(const smtp_server_config *cfg, const smtp_server_callbacks *cb, void *ud)
{
    smtp_server_core *s = g_new0(smtp_server_core, 1);
    s->domain = g_strdup(cfg && cfg->domain ? cfg->domain : "localhost");
    s->max_size = cfg && cfg->max_message_size ? cfg->max_message_size : SMTP_SERVER_DEFAULT_MAX_SIZE;
    s->max_rcpt = cfg && cfg->max_recipients ? cfg->max_recipients : SMTP_SERVER_DEFAULT_MAX_RCPT;
    if (cb)
        s->cb = *cb;
    s->ud = ud;
    s->out = g_byte_array_new();
    g_queue_init(&s->events);
    s->state = SMTP_SERVER_CONNECTED;
    reply(s, 220, "%s", s->domain);
    return s;
}

void smtp_server_event_clear(smtp_server_event *ev)
{
    smtp_envelope_free(ev->env);
    ev->env = NULL;
}

void smtp_server_core_free(smtp_server_core *s)
{
    if (!s)
        return;
    smtp_server_event *ev;
    while ((ev = g_queue_pop_head(&s->events))) {
        smtp_server_event_clear(ev);
        g_free(ev);
    }
    g_byte_array_free(s->out, TRUE);
    smtp_envelope_free(s->env);
    g_free(s->helo);
    g_free(s->domain);
    g_free(s);
}

const uint8_t *smtp_server_core_output(const smtp_server_core *s, size_t *len)
{
    *len = s->out->len;
    return s->out->data;
}

void smtp_server_core_consume(smtp_server_core *s, size_t n)
{
    if (n > s->out->len)
        n = s->out->len;
    if (n)
        g_byte_array_remove_range(s->out, 0, (guint)n);
}

bool smtp_server_core_next_event(smtp_server_core *s, smtp_server_event *ev)
{
    smtp_server_event *e = g_queue_pop_head(&s->events);
    if (!e)
        return false;
    *ev = *e;
    g_free(e);
    return true;
}

smtp_server_state smtp_server_core_state(const smtp_server_core *s) { return s->state; }

size_t smtp_server_core_buffered(const smtp_server_core *s)
{
    return s->line_len + (s->env ? s->env->data->len : 0);
}

/* Drops the open transaction (RSET, HELO/EHLO, the end of a message). */
static void end_transaction(smtp_server_core *s)
{
    smtp_envelope_free(s->env);
    s->env = NULL;
    s->rcpt_tried = s->rcpt_accepted = 0;
}

static void close_session(smtp_server_core *s)
{
    end_transaction(s);
    set_state(s, SMTP_SERVER_CLOSED);
    push_event(s, SMTP_SERVER_EV_CLOSE, NULL);
}

void smtp_server_core_shutdown(smtp_server_core *s)
{
    if (s->state == SMTP_SERVER_CLOSED)
        return;
    reply(s, 421, "%s Service not available, closing transmission channel", s->domain);
    close_session(s);
}

/* ---- paths and parameters ------------------------------------------------ */

static bool is_atext(char c)
{
    return g_ascii_isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Whether `m` is a mailbox (RFC 5321 4.1.2): a dot-string or a quoted
 * string, "@", and a domain (letters, digits, hyphens and dots) or an
 * address literal in brackets. */
static bool valid_mailbox(const char *m)
{
    const char *at = strrchr(m, '@');
    if (!at || at == m || at[1] == 0)
        return false;
    size_t local = (size_t)(at - m);
    if (m[0] == '"') {
        if (local < 2 || m[local - 1] != '"')
            return false;
    } else {
        for (size_t i = 0; i < local; i++)
            if (!is_atext(m[i]) && !(m[i] == '.' && i > 0 && i + 1 < local && m[i + 1] != '.'))
                return false;
    }
    const char *d = at + 1;
    size_t dn = strlen(d);
    if (d[0] == '[')
        return dn > 2 && d[dn - 1] == ']';
    for (size_t i = 0; i < dn; i++)
        if (!g_ascii_isalnum(d[i]) && d[i] != '-' && !(d[i] == '.' && i > 0 && d[i - 1] != '.'))
            return false;
    return true;
}

typedef enum { PATH_OK, PATH_SYNTAX, PATH_MAILBOX } path_result;

/* Reads "<path>" at *p (after "FROM:" or "TO:" and any spaces): sets
 * *mailbox (a new string, the source route dropped) and moves *p past
 * the '>'. PATH_SYNTAX: no brackets (501); PATH_MAILBOX: the brackets
 * hold no valid mailbox (553). */
static path_result read_path(const char **p, bool allow_null, bool allow_postmaster, char **mailbox)
{
    const char *c = *p;
    if (*c != '<')
        return PATH_SYNTAX;
    const char *start = ++c;
    bool quoted = false;
    for (; *c; c++) {
        if (quoted && *c == '\\' && c[1]) {
            c++;
            continue;
        }
        if (*c == '"')
            quoted = !quoted;
        else if (!quoted && (*c == '>' || *c == '<' || *c == ' '))
            break;
    }
    if (*c != '>')
        return PATH_SYNTAX;
    char *path = g_strndup(start, (size_t)(c - start));
    *p = c + 1;
    const char *box = path;
    if (box[0] == '@') { /* a source route "@a,@b:": accepted and ignored (RFC 5321 4.1.2) */
        const char *colon = strchr(box, ':');
        if (!colon) {
            g_free(path);
            return PATH_MAILBOX;
        }
        box = colon + 1;
    }
    bool ok = (box[0] == 0 && allow_null && box == path) ||
              (allow_postmaster && g_ascii_strcasecmp(box, "postmaster") == 0) || valid_mailbox(box);
    if (!ok) {
        g_free(path);
        return PATH_MAILBOX;
    }
    *mailbox = g_strdup(box);
    g_free(path);
    return PATH_OK;
}

/* Reads a decimal number of at most 19 digits (no overflow). */
static bool read_number(const char *v, uint64_t *out)
{
    size_t n = strlen(v);
    if (n == 0 || n > 19)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isdigit(v[i]))
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return true;
}

/* ---- commands ------------------------------------------------------------ */

/* Skips "KEYWORD:" (any case) and the spaces after it; NULL when absent. */
static const char *after_keyword(const char *arg, const char *kw)
{
    size_t n = strlen(kw);
    if (g_ascii_strncasecmp(arg, kw, n) != 0)
        return NULL;
    arg += n;
    while (*arg == ' ')
        arg++;
    return arg;
}

static bool need_hello(smtp_server_core *s)
{
    if (s->state != SMTP_SERVER_CONNECTED)
        return false;
    reply(s, 503, "Error: send HELO/EHLO first");
    return true;
}

static void cmd_hello(smtp_server_core *s, const char *arg, bool extended)
{
    size_t n = strcspn(arg, " ");
    if (n == 0) {
        reply(s, 501, "Syntax: %s hostname", extended ? "EHLO" : "HELO");
        return;
    }
    end_transaction(s);
    g_free(s->helo);
    s->helo = g_strndup(arg, n);
    set_state(s, SMTP_SERVER_READY);
    if (!extended) {
        reply(s, 250, "Hello %s, pleased to meet you", s->helo);
        return;
    }
    GString *r = g_string_new(NULL);
    g_string_printf(r, "250-%s Hello %s, pleased to meet you", s->domain, s->helo);
    if (r->len > SMTP_SERVER_MAX_COMMAND_LINE - 2)
        g_string_truncate(r, SMTP_SERVER_MAX_COMMAND_LINE - 2);
    g_string_append_printf(r, "\r\n250-SIZE %" G_GUINT64_FORMAT "\r\n250-8BITMIME\r\n250 PIPELINING\r\n", s->max_size);
    g_byte_array_append(s->out, (const guint8 *)r->str, (guint)r->len);
    g_string_free(r, TRUE);
}

static void cmd_mail(smtp_server_core *s, const char *arg)
{
    if (need_hello(s))
        return;
    if (s->state != SMTP_SERVER_READY) {
        reply(s, 503, "Error: nested MAIL command");
        return;
    }
    const char *p = after_keyword(arg, "FROM:");
    char *box = NULL;
    path_result pr = p ? read_path(&p, true, false, &box) : PATH_SYNTAX;
    if (pr == PATH_SYNTAX) {
        reply(s, 501, "Syntax: MAIL FROM:<address>");
        return;
    }
    if (pr == PATH_MAILBOX) {
        reply(s, 553, "Requested action not taken: mailbox name not allowed");
        return;
    }
    bool body_8bit = false, too_big = false;
    while (*p) {
        if (*p != ' ') {
            reply(s, 501, "Syntax: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]");
            g_free(box);
            return;
        }
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " ");
        char *param = g_strndup(p, n);
        p += n;
        char *eq = strchr(param, '=');
        const char *value = eq ? eq + 1 : NULL;
        if (eq)
            *eq = 0;
        uint64_t size = 0;
        int bad = 0; /* 501 bad value, 555 unknown parameter */
        if (g_ascii_strcasecmp(param, "SIZE") == 0) {
            if (!value || !read_number(value, &size))
                bad = 501;
            else if (size > s->max_size)
                too_big = true;
        } else if (g_ascii_strcasecmp(param, "BODY") == 0) {
            if (value && g_ascii_strcasecmp(value, "8BITMIME") == 0)
                body_8bit = true;
            else if (!value || g_ascii_strcasecmp(value, "7BIT") != 0)
                bad = 501;
        } else {
            bad = 555;
        }
        g_free(param);
        if (bad) {
            if (bad == 501)
                reply(s, 501, "Syntax error in parameters or arguments");
            else
                reply(s, 555, "MAIL FROM/RCPT TO parameters not recognized or not implemented");
            g_free(box);
            return;
        }
    }
    if (too_big) {
        reply(s, 552, "Message size exceeds fixed maximum message size");
        g_free(box);
        return;
    }
    s->env = smtp_envelope_new(box);
    s->env->helo = g_strdup(s->helo);
    s->env->body_8bit = body_8bit;
    reply(s, 250, "%s... Sender ok", box[0] ? box : "<>");
    g_free(box);
    set_state(s, SMTP_SERVER_MAIL);
}

static bool code_in(int code, const int *codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (codes[i] == code)
            return true;
    return false;
}

static void cmd_rcpt(smtp_server_core *s, const char *arg)
{
    if (need_hello(s))
        return;
    if (s->state != SMTP_SERVER_MAIL && s->state != SMTP_SERVER_RCPT) {
        reply(s, 503, "Error: need MAIL command");
        return;
    }
    const char *p = after_keyword(arg, "TO:");
    char *box = NULL;
    path_result pr = p ? read_path(&p, false, true, &box) : PATH_SYNTAX;
    if (pr == PATH_SYNTAX) {
        reply(s, 501, "Syntax: RCPT TO:<address>");
        return;
    }
    if (pr == PATH_MAILBOX) {
        reply(s, 553, "Requested action not taken: mailbox name not allowed");
        return;
    }
    while (*p == ' ')
        p++;
    if (*p) {
        reply(s, 555, "MAIL FROM/RCPT TO parameters not recognized or not implemented");
        g_free(box);
        return;
    }
    if (s->rcpt_accepted >= s->max_rcpt) {
        reply(s, 452, "Too many recipients");
        g_free(box);
        return;
    }
    smtp_decision d = {250, NULL};
    if (s->cb.rcpt)
        d = s->cb.rcpt(s->ud, s->env->reverse_path, box);
    static const int allowed[] = {250, 251, 450, 451, 452, 550, 551, 553};
    if (!code_in(d.code, allowed, G_N_ELEMENTS(allowed)))
        d = (smtp_decision){451, NULL};
    s->rcpt_tried++;
    if (d.code == 250 || d.code == 251) {
        s->rcpt_accepted++;
        smtp_envelope_add_rcpt(s->env, box);
        if (d.text)
            reply(s, d.code, "%s", d.text);
        else if (d.code == 250)
            reply(s, 250, "%s ... Recipient ok", box);
        else
            reply(s, 251, "User not local; will forward to <%s>", box);
        set_state(s, SMTP_SERVER_RCPT);
    } else {
        reply(s, d.code, "%s", d.text ? d.text : default_text(d.code));
    }
    g_free(box);
}

static void cmd_data(smtp_server_core *s, const char *arg)
{
    if (need_hello(s))
        return;
    if (s->state == SMTP_SERVER_READY) {
        reply(s, 503, "Error: need MAIL command");
        return;
    }
    if (s->state == SMTP_SERVER_MAIL && s->rcpt_tried == 0) {
        reply(s, 503, "Error: need RCPT command");
        return;
    }
    if (s->state == SMTP_SERVER_MAIL) {
        reply(s, 554, "No valid recipients");
        return;
    }
    if (*arg) {
        reply(s, 501, "Syntax: DATA");
        return;
    }
    reply(s, 354, "Enter mail, end with \".\" on a line by itself");
    s->dstate = D_BOL;
    s->dline_len = 0;
    s->dline_over = s->oversize = false;
    s->dsize = 0;
    set_state(s, SMTP_SERVER_DATA);
}

/* The terminator of the message came: answer and end the transaction. */
static void data_end(smtp_server_core *s)
{
    if (s->dline_over) {
        reply(s, 500, "Line too long");
    } else if (s->oversize) {
        reply(s, 552, "Message size exceeds fixed maximum message size");
    } else {
        smtp_decision d = {250, NULL};
        if (s->cb.message)
            d = s->cb.message(s->ud, s->env);
        static const int allowed[] = {250, 451, 452, 552, 554};
        if (!code_in(d.code, allowed, G_N_ELEMENTS(allowed)))
            d = (smtp_decision){451, NULL};
        if (d.code == 250) {
            reply(s, 250, "%s", d.text ? d.text : "Message accepted for delivery");
            push_event(s, SMTP_SERVER_EV_MESSAGE, s->env);
            s->env = NULL;
        } else {
            reply(s, d.code, "%s", d.text ? d.text : default_text(d.code));
        }
    }
    end_transaction(s);
    set_state(s, SMTP_SERVER_READY);
}

/* Runs one complete command line (its CR removed). */
static void run_command(smtp_server_core *s, const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c >= 0x7f) {
            reply(s, 500, "Syntax error, command unrecognized");
            return;
        }
    }
    char *copy = g_strndup(line, len);
    size_t vn = strcspn(copy, " ");
    const char *arg = copy + vn;
    while (*arg == ' ')
        arg++;
    copy[vn] = 0;
    const char *v = copy;
    if (vn != 4) {
        reply(s, 500, "Syntax error, command unrecognized");
    } else if (!g_ascii_strcasecmp(v, "HELO") || !g_ascii_strcasecmp(v, "EHLO")) {
        cmd_hello(s, arg, g_ascii_toupper(v[0]) == 'E');
    } else if (!g_ascii_strcasecmp(v, "MAIL")) {
        cmd_mail(s, arg);
    } else if (!g_ascii_strcasecmp(v, "RCPT")) {
        cmd_rcpt(s, arg);
    } else if (!g_ascii_strcasecmp(v, "DATA")) {
        cmd_data(s, arg);
    } else if (!g_ascii_strcasecmp(v, "RSET")) {
        if (*arg) {
            reply(s, 501, "Syntax: RSET");
        } else {
            end_transaction(s);
            if (s->state != SMTP_SERVER_CONNECTED)
                set_state(s, SMTP_SERVER_READY);
            reply(s, 250, "OK");
        }
    } else if (!g_ascii_strcasecmp(v, "NOOP")) {
        reply(s, 250, "OK");
    } else if (!g_ascii_strcasecmp(v, "VRFY")) {
        if (!*arg)
            reply(s, 501, "Syntax: VRFY address");
        else
            reply(s, 252, "Cannot VRFY user, but will accept message and attempt delivery");
    } else if (!g_ascii_strcasecmp(v, "QUIT")) {
        if (*arg) {
            reply(s, 501, "Syntax: QUIT");
        } else {
            reply(s, 221, "%s closing connection", s->domain);
            close_session(s);
        }
    } else {
        static const char *const not_implemented[] = {"EXPN", "HELP", "TURN", "ETRN", "AUTH", "BDAT",
                                                      "SEND", "SOML", "SAML", "ATRN", "VERB"};
        bool known = false;
        for (size_t i = 0; i < G_N_ELEMENTS(not_implemented); i++)
            known |= g_ascii_strcasecmp(v, not_implemented[i]) == 0;
        if (known)
            reply(s, 502, "Command not implemented");
        else
            reply(s, 500, "Syntax error, command unrecognized");
    }
    g_free(copy);
}

/* ---- the readers --------------------------------------------------------- */

static inline void data_put(smtp_server_core *s, const uint8_t *b, size_t n)
{
    s->dsize += n;
    if (s->oversize)
        return;
    if (s->dsize > s->max_size) {
        s->oversize = true;
        g_byte_array_set_size(s->env->data, 0);
        return;
    }
    g_byte_array_append(s->env->data, b, (guint)n);
}

/* One byte of message data; true when it ended the message. */
static bool data_byte(smtp_server_core *s, uint8_t c)
{
    static const uint8_t cr = '\r';
    s->dline_len++;
    switch (s->dstate) {
    case D_BOL:
        if (c == '.') {
            s->dstate = D_DOT;
            return false;
        }
        break;
    case D_DOT:
        if (c == '\r') {
            s->dstate = D_DOT_CR;
            return false;
        }
        break; /* the leading dot is dropped (RFC 5321 4.5.2) */
    case D_DOT_CR:
        if (c == '\n')
            return true;
        data_put(s, &cr, 1);
        break;
    case D_MID: break;
    case D_CR:
        if (c == '\n') {
            data_put(s, (const uint8_t *)"\r\n", 2);
            if (s->dline_len > SMTP_SERVER_MAX_TEXT_LINE)
                s->dline_over = true;
            s->dline_len = 0;
            s->dstate = D_BOL;
            return false;
        }
        data_put(s, &cr, 1);
        break;
    }
    /* Inside a line. */
    if (c == '\r') {
        s->dstate = D_CR;
    } else {
        data_put(s, &c, 1);
        s->dstate = D_MID;
    }
    return false;
}

size_t smtp_server_core_feed(smtp_server_core *s, const uint8_t *data, size_t len)
{
    if (!data)
        return 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = data[i];
        if (s->state == SMTP_SERVER_CLOSED)
            return len;
        if (s->state == SMTP_SERVER_DATA) {
            if (data_byte(s, c))
                data_end(s);
            continue;
        }
        if (s->line_len == 0 && !s->line_over && s->out->len >= SMTP_SERVER_OUTPUT_HIGH)
            return i;
        if (c != '\n') {
            if (s->line_len < SMTP_SERVER_MAX_COMMAND_LINE - 1)
                s->line[s->line_len++] = (char)c;
            else
                s->line_over = true;
            continue;
        }
        size_t n = s->line_len;
        if (n > 0 && s->line[n - 1] == '\r')
            n--;
        if (s->line_over)
            reply(s, 500, "Line too long");
        else
            run_command(s, s->line, n);
        s->line_len = 0;
        s->line_over = false;
    }
    return len;
}
