/*
 * smtp_client_core: the SMTP client state machine (see smtp_client_core.h
 * for the dialogue, the results and the limits).
 *
 * Structure. Every command written pushes what its reply means onto a
 * queue of expectations (EHLO, MAIL, RCPT i, DATA...); every reply parsed
 * (smtp_reply.c) pops the head and is handled by its kind. Pipelining is
 * then only a matter of writing several commands before the replies come:
 * the replies are matched in order either way. The state is the kind of
 * the reply awaited next, set in one place after each reply.
 */
#include "smtp_client_core.h"

#include <stdarg.h>
#include <string.h>

#include "smtp_reply.h"

static const char *const state_names[] = {
#define SMTP_CLIENT_STATE_NAME(name, text) [name] = text,
    SMTP_CLIENT_STATES(SMTP_CLIENT_STATE_NAME)
#undef SMTP_CLIENT_STATE_NAME
};

const char *smtp_client_state_name(smtp_client_state s)
{
    return (unsigned)s < G_N_ELEMENTS(state_names) ? state_names[s] : "?";
}

const char *smtp_result_name(smtp_result r)
{
    switch (r) {
    case SMTP_RESULT_DELIVERED: return "delivered";
    case SMTP_RESULT_TEMP_FAILURE: return "temporary-failure";
    case SMTP_RESULT_PERM_FAILURE: return "permanent-failure";
    }
    return "?";
}

/* What an awaited reply answers; RCPT's recipient index is kept beside. */
typedef enum { X_EHLO, X_HELO, X_MAIL, X_RCPT, X_DATA, X_BODY, X_DOT_DISCARD, X_RSET, X_QUIT } expect_kind;

typedef struct {
    expect_kind kind;
    size_t rcpt;
} expectation;

typedef struct {
    smtp_envelope *env;
    GByteArray *wire;  /* the data normalised and dot-stuffed, with CRLF "." CRLF */
    uint64_t size;     /* bytes of the normalised data (SIZE=) */
    bool has_8bit;     /* a byte >= 0x80 in the data */
    bool done;         /* its result was given */
    bool mail_ok;      /* MAIL was accepted: a transaction is open */
    uint32_t accepted; /* recipients accepted */
    int refusal_code;  /* the refusal that decides when none is accepted */
    char *refusal_text;
} message;

struct smtp_client_core {
    char *helo;
    bool no_ehlo, no_pipelining;
    smtp_client_state state;
    smtp_reply_parser *rp;
    GByteArray *out;
    GQueue events; /* of smtp_client_event * */
    GPtrArray *msgs; /* of message *, in the order added */
    size_t cur;      /* the message being sent (msgs->len: none left) */
    GQueue expect;   /* of expectation * */
    bool quit_sent;
    smtp_client_extensions ext;
    bool pipelining; /* pipeline the commands of a transaction */
};

static void message_free(gpointer p)
{
    message *m = p;
    smtp_envelope_free(m->env);
    g_byte_array_free(m->wire, TRUE);
    g_free(m->refusal_text);
    g_free(m);
}

static void push_event(smtp_client_core *c, smtp_client_event_kind kind, size_t msg, size_t rcpt, smtp_result r,
                       int code, const char *text)
{
    smtp_client_event *ev = g_new0(smtp_client_event, 1);
    ev->kind = kind;
    ev->from = ev->to = c->state;
    ev->message = msg;
    ev->rcpt = rcpt;
    ev->result = r;
    ev->code = code;
    ev->text = g_strdup(text);
    g_queue_push_tail(&c->events, ev);
}

/* The one place the state changes; every change is an event. */
static void set_state(smtp_client_core *c, smtp_client_state to)
{
    if (c->state == to)
        return;
    smtp_client_event *ev = g_new0(smtp_client_event, 1);
    ev->kind = SMTP_CLIENT_EV_STATE;
    ev->from = c->state;
    ev->to = to;
    g_queue_push_tail(&c->events, ev);
    c->state = to;
}

smtp_client_core *smtp_client_core_new(const smtp_client_config *cfg)
{
    smtp_client_core *c = g_new0(smtp_client_core, 1);
    c->helo = g_strdup(cfg && cfg->helo_domain ? cfg->helo_domain : "localhost");
    c->no_ehlo = cfg && cfg->no_ehlo;
    c->no_pipelining = cfg && cfg->no_pipelining;
    c->state = SMTP_CLIENT_GREETING;
    c->rp = smtp_reply_parser_new();
    c->out = g_byte_array_new();
    g_queue_init(&c->events);
    g_queue_init(&c->expect);
    c->msgs = g_ptr_array_new_with_free_func(message_free);
    return c;
}

void smtp_client_event_clear(smtp_client_event *ev)
{
    g_free(ev->text);
    ev->text = NULL;
}

void smtp_client_core_free(smtp_client_core *c)
{
    if (!c)
        return;
    smtp_client_event *ev;
    while ((ev = g_queue_pop_head(&c->events))) {
        smtp_client_event_clear(ev);
        g_free(ev);
    }
    g_queue_clear_full(&c->expect, g_free);
    g_ptr_array_free(c->msgs, TRUE);
    g_byte_array_free(c->out, TRUE);
    smtp_reply_parser_free(c->rp);
    g_free(c->helo);
    g_free(c);
}

/* The data as lines: bare CR and LF become CRLF, a final CRLF is added,
 * lines starting with "." get another, then "." CRLF. */
static void prepare(message *m)
{
    const uint8_t *d = m->env->data->data;
    size_t n = m->env->data->len;
    GByteArray *w = m->wire;
    bool bol = true;
    uint64_t size = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = d[i];
        if (b == '\r' || b == '\n') {
            if (b == '\r' && i + 1 < n && d[i + 1] == '\n')
                i++;
            g_byte_array_append(w, (const guint8 *)"\r\n", 2);
            size += 2;
            bol = true;
            continue;
        }
        if (bol && b == '.')
            g_byte_array_append(w, &b, 1);
        g_byte_array_append(w, &b, 1);
        size++;
        m->has_8bit |= b >= 0x80;
        bol = false;
    }
    if (!bol) {
        g_byte_array_append(w, (const guint8 *)"\r\n", 2);
        size += 2;
    }
    g_byte_array_append(w, (const guint8 *)".\r\n", 3);
    m->size = size;
}

static void finish_message(smtp_client_core *c, size_t i, smtp_result r, int code, const char *text)
{
    message *m = g_ptr_array_index(c->msgs, i);
    if (m->done)
        return;
    m->done = true;
    push_event(c, SMTP_CLIENT_EV_MESSAGE, i, 0, r, code, text);
}

void smtp_client_core_add_message(smtp_client_core *c, const smtp_envelope *env)
{
    message *m = g_new0(message, 1);
    m->env = smtp_envelope_copy(env);
    m->wire = g_byte_array_new();
    prepare(m);
    g_ptr_array_add(c->msgs, m);
    if (c->quit_sent || c->state == SMTP_CLIENT_DONE)
        finish_message(c, c->msgs->len - 1, SMTP_RESULT_TEMP_FAILURE, 0, "the session had already ended");
}

static void sendf(smtp_client_core *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void sendf(smtp_client_core *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_byte_array_append(c->out, (const guint8 *)s, (guint)strlen(s));
    g_free(s);
}

static void expect(smtp_client_core *c, expect_kind kind, size_t rcpt)
{
    expectation *x = g_new(expectation, 1);
    x->kind = kind;
    x->rcpt = rcpt;
    g_queue_push_tail(&c->expect, x);
}

static smtp_result failure_of(int code)
{
    return smtp_reply_class(code) == 5 ? SMTP_RESULT_PERM_FAILURE : SMTP_RESULT_TEMP_FAILURE;
}

/* Every message without a result fails with this reply. */
static void fail_rest(smtp_client_core *c, int code, const char *text)
{
    for (size_t i = c->cur; i < c->msgs->len; i++)
        finish_message(c, i, code ? failure_of(code) : SMTP_RESULT_TEMP_FAILURE, code, text);
    c->cur = c->msgs->len;
}

static void send_quit(smtp_client_core *c)
{
    sendf(c, "QUIT\r\n");
    expect(c, X_QUIT, 0);
    c->quit_sent = true;
}

static void end_session(smtp_client_core *c)
{
    g_queue_clear_full(&c->expect, g_free);
    set_state(c, SMTP_CLIENT_DONE);
    push_event(c, SMTP_CLIENT_EV_DONE, 0, 0, SMTP_RESULT_DELIVERED, 0, NULL);
}

static void send_rcpt(smtp_client_core *c, message *m, size_t i)
{
    sendf(c, "RCPT TO:<%s>\r\n", (const char *)g_ptr_array_index(m->env->forward_paths, i));
    expect(c, X_RCPT, i);
}

/* Starts the next message, or QUIT when none is left. */
static void start_next(smtp_client_core *c)
{
    while (c->cur < c->msgs->len) {
        message *m = g_ptr_array_index(c->msgs, c->cur);
        if (m->env->forward_paths->len == 0) {
            finish_message(c, c->cur, SMTP_RESULT_PERM_FAILURE, 0, "the message has no recipients");
            c->cur++;
            continue;
        }
        sendf(c, "MAIL FROM:<%s>", m->env->reverse_path);
        if (c->ext.size)
            sendf(c, " SIZE=%" G_GUINT64_FORMAT, m->size);
        if (m->has_8bit && c->ext.eightbitmime)
            sendf(c, " BODY=8BITMIME");
        sendf(c, "\r\n");
        expect(c, X_MAIL, 0);
        if (c->pipelining) {
            for (size_t i = 0; i < m->env->forward_paths->len; i++)
                send_rcpt(c, m, i);
            sendf(c, "DATA\r\n");
            expect(c, X_DATA, 0);
        }
        return;
    }
    send_quit(c);
}

/* The current message's exchange is over: on to the next. */
static void next_message(smtp_client_core *c)
{
    if (c->cur < c->msgs->len) /* every message gets one result, whatever the server did */
        finish_message(c, c->cur, SMTP_RESULT_TEMP_FAILURE, 0, "the server gave no final reply");
    c->cur++;
    start_next(c);
}

/* Every recipient of the current message was refused. */
static void fail_no_rcpt(smtp_client_core *c, message *m)
{
    finish_message(c, c->cur, failure_of(m->refusal_code), m->refusal_code, m->refusal_text);
}

static void read_extensions(smtp_client_core *c, const smtp_reply *r)
{
    c->ext.esmtp = true;
    for (guint i = 1; i < r->lines->len; i++) {
        gchar **w = g_strsplit(g_ptr_array_index(r->lines, i), " ", 3);
        if (w[0]) {
            if (!g_ascii_strcasecmp(w[0], "PIPELINING"))
                c->ext.pipelining = true;
            else if (!g_ascii_strcasecmp(w[0], "8BITMIME"))
                c->ext.eightbitmime = true;
            else if (!g_ascii_strcasecmp(w[0], "SIZE")) {
                c->ext.size = true;
                c->ext.size_max = w[1] ? g_ascii_strtoull(w[1], NULL, 10) : 0;
            }
        }
        g_strfreev(w);
    }
    c->pipelining = c->ext.pipelining && !c->no_pipelining;
}

static smtp_client_state state_of(expect_kind k)
{
    switch (k) {
    case X_EHLO: return SMTP_CLIENT_EHLO;
    case X_HELO: return SMTP_CLIENT_HELO;
    case X_MAIL: return SMTP_CLIENT_MAIL;
    case X_RCPT: return SMTP_CLIENT_RCPT;
    case X_DATA: return SMTP_CLIENT_DATA;
    case X_BODY:
    case X_DOT_DISCARD: return SMTP_CLIENT_BODY;
    case X_RSET: return SMTP_CLIENT_RSET;
    case X_QUIT: return SMTP_CLIENT_QUIT;
    }
    return SMTP_CLIENT_DONE;
}

static void handle_reply(smtp_client_core *c, const smtp_reply *r)
{
    int code = r->code, cls = smtp_reply_class(code);
    char *text = smtp_reply_text(r);
    message *m = c->cur < c->msgs->len ? g_ptr_array_index(c->msgs, c->cur) : NULL;
    expectation *x = g_queue_pop_head(&c->expect);
    if (c->state == SMTP_CLIENT_GREETING) {
        if (code == 220) {
            sendf(c, "%s %s\r\n", c->no_ehlo ? "HELO" : "EHLO", c->helo);
            expect(c, c->no_ehlo ? X_HELO : X_EHLO, 0);
        } else if (code == 421) {
            fail_rest(c, code, text);
            end_session(c);
        } else {
            fail_rest(c, code, text);
            send_quit(c);
        }
    } else if (!x) {
        fail_rest(c, 0, "a reply the client did not ask for");
        end_session(c);
    } else if (code == 421 && x->kind != X_QUIT) {
        fail_rest(c, code, text);
        end_session(c);
    } else {
        switch (x->kind) {
        case X_EHLO:
        case X_HELO:
            if (cls == 2) {
                if (x->kind == X_EHLO)
                    read_extensions(c, r);
                start_next(c);
            } else if (x->kind == X_EHLO && (code == 500 || code == 502)) {
                sendf(c, "HELO %s\r\n", c->helo);
                expect(c, X_HELO, 0);
            } else {
                fail_rest(c, code, text);
                send_quit(c);
            }
            break;
        case X_MAIL:
            if (cls == 2) {
                m->mail_ok = true;
                if (!c->pipelining)
                    send_rcpt(c, m, 0);
            } else {
                finish_message(c, c->cur, failure_of(code), code, text);
                if (!c->pipelining)
                    next_message(c);
            }
            break;
        case X_RCPT:
            push_event(c, SMTP_CLIENT_EV_RCPT, c->cur, x->rcpt, cls == 2 ? SMTP_RESULT_DELIVERED : failure_of(code),
                       code, text);
            if (cls == 2) {
                m->accepted++;
            } else if (m->mail_ok && (!m->refusal_code || (cls == 4 && smtp_reply_class(m->refusal_code) != 4))) {
                m->refusal_code = code;
                g_free(m->refusal_text);
                m->refusal_text = g_strdup(text);
            }
            if (c->pipelining)
                break;
            if (x->rcpt + 1 < m->env->forward_paths->len) {
                send_rcpt(c, m, x->rcpt + 1);
            } else if (m->accepted) {
                sendf(c, "DATA\r\n");
                expect(c, X_DATA, 0);
            } else {
                fail_no_rcpt(c, m);
                sendf(c, "RSET\r\n");
                expect(c, X_RSET, 0);
            }
            break;
        case X_DATA:
            if (code == 354) {
                if (m->mail_ok && m->accepted && !m->done) {
                    g_byte_array_append(c->out, m->wire->data, m->wire->len);
                    expect(c, X_BODY, 0);
                } else {
                    /* A server that says 354 with nobody to deliver to: send
                     * an empty message and throw its answer away. */
                    if (m->mail_ok && !m->accepted)
                        fail_no_rcpt(c, m);
                    sendf(c, ".\r\n");
                    expect(c, X_DOT_DISCARD, 0);
                }
                break;
            }
            if (m->mail_ok && !m->accepted)
                fail_no_rcpt(c, m);
            else
                finish_message(c, c->cur, failure_of(code), code, text);
            if (m->mail_ok) {
                sendf(c, "RSET\r\n");
                expect(c, X_RSET, 0);
            } else {
                next_message(c);
            }
            break;
        case X_BODY:
            finish_message(c, c->cur, cls == 2 ? SMTP_RESULT_DELIVERED : failure_of(code), code, text);
            next_message(c);
            break;
        case X_DOT_DISCARD:
            sendf(c, "RSET\r\n");
            expect(c, X_RSET, 0);
            break;
        case X_RSET: next_message(c); break;
        case X_QUIT: end_session(c); break;
        }
    }
    g_free(x);
    if (c->state != SMTP_CLIENT_DONE) {
        expectation *head = g_queue_peek_head(&c->expect);
        if (head)
            set_state(c, state_of(head->kind));
    }
    g_free(text);
}

size_t smtp_client_core_feed(smtp_client_core *c, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (off < len && c->state != SMTP_CLIENT_DONE) {
        smtp_reply_status st;
        off += smtp_reply_parser_feed(c->rp, data + off, len - off, &st);
        if (st == SMTP_REPLY_COMPLETE) {
            handle_reply(c, smtp_reply_parser_reply(c->rp));
        } else if (st == SMTP_REPLY_ERROR) {
            char *why = g_strdup_printf("malformed reply from the server: %s", smtp_reply_parser_error(c->rp));
            fail_rest(c, 0, why);
            g_free(why);
            end_session(c);
        }
    }
    return len;
}

void smtp_client_core_closed(smtp_client_core *c, const char *why)
{
    if (c->state == SMTP_CLIENT_DONE)
        return;
    fail_rest(c, 0, why ? why : "the connection ended");
    end_session(c);
}

const uint8_t *smtp_client_core_output(const smtp_client_core *c, size_t *len)
{
    *len = c->out->len;
    return c->out->data;
}

void smtp_client_core_consume(smtp_client_core *c, size_t n)
{
    if (n > c->out->len)
        n = c->out->len;
    if (n)
        g_byte_array_remove_range(c->out, 0, (guint)n);
}

bool smtp_client_core_next_event(smtp_client_core *c, smtp_client_event *ev)
{
    smtp_client_event *e = g_queue_pop_head(&c->events);
    if (!e)
        return false;
    *ev = *e;
    g_free(e);
    return true;
}

smtp_client_state smtp_client_core_state(const smtp_client_core *c) { return c->state; }

const smtp_client_extensions *smtp_client_core_extensions(const smtp_client_core *c) { return &c->ext; }
