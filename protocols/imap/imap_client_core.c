/*
 * imap_client_core: a mail reader's IMAP session. See imap_client_core.h.
 *
 * Responses are gathered as the server core gathers commands: a line, and
 * when it ends in "{n}" CRLF the n bytes of the literal and the next
 * line, until a line ends without one; then the whole response is read
 * with imap_parse's cursor.
 */
#include "imap_client_core.h"

#include <stdarg.h>
#include <string.h>

#include "imap_parse.h"
#include "protocols/mailstore/mail_store.h"

#define MAX_NEST 16 /* parenthesised lists skipped inside a FETCH response */

struct imap_client_core {
    char *user, *password, *folder;
    bool read_only, mark_seen, delete_after, headers_first;
    int64_t bodies;    /* headers_first: whole messages to fetch after the headers; < 0 all */
    uint32_t after_uid;
    GArray *listed;    /* headers_first: UIDs whose header came, in order */
    uint64_t max_literal;
    imap_client_state state;
    unsigned tag_no;
    uint32_t exists;
    GArray *uids;      /* fetched, for the STORE */
    GByteArray *out;
    GQueue events;
    GByteArray *resp;  /* the response being read */
    size_t line_start, line_bytes;
    uint64_t literal_left, literal_total; /* this response's literals */
    bool in_literal;
};

static const char *const state_names[] = {
#define IMAP_CLIENT_STATE_NAME(name, text) text,
    IMAP_CLIENT_STATES(IMAP_CLIENT_STATE_NAME)
#undef IMAP_CLIENT_STATE_NAME
};

const char *imap_client_state_name(imap_client_state s)
{
    return (unsigned)s < G_N_ELEMENTS(state_names) ? state_names[s] : "?";
}

static void push(imap_client_core *c, imap_client_event *ev) { g_queue_push_tail(&c->events, g_memdup2(ev, sizeof *ev)); }

static void finish(imap_client_core *c, bool ok, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void finish(imap_client_core *c, bool ok, const char *fmt, ...)
{
    if (c->state == IMAP_CLIENT_DONE)
        return;
    va_list ap;
    va_start(ap, fmt);
    imap_client_event ev = {.kind = IMAP_CLIENT_EV_DONE, .ok = ok, .text = g_strdup_vprintf(fmt, ap)};
    va_end(ap);
    push(c, &ev);
    c->state = IMAP_CLIENT_DONE;
}

/* Sends "A<n> " and the command; the state it waits in. */
static void command(imap_client_core *c, imap_client_state st, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void command(imap_client_core *c, imap_client_state st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *line = g_strdup_printf("A%u %s\r\n", ++c->tag_no, t);
    g_byte_array_append(c->out, (const guint8 *)line, (guint)strlen(line));
    g_free(line);
    g_free(t);
    c->state = st;
}

/* A string as a quoted string (backslash before '"' and '\'). */
static char *quote(const char *s)
{
    GString *q = g_string_new("\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            g_string_append_c(q, '\\');
        g_string_append_c(q, *s);
    }
    g_string_append_c(q, '"');
    return g_string_free(q, FALSE);
}

static bool plain(const char *s) { return !strpbrk(s, "\r\n"); }

imap_client_core *imap_client_core_new(const imap_client_config *cfg)
{
    imap_client_core *c = g_new0(imap_client_core, 1);
    c->user = g_strdup(cfg && cfg->user ? cfg->user : "");
    c->password = g_strdup(cfg && cfg->password ? cfg->password : "");
    c->folder = g_strdup(cfg && cfg->folder ? cfg->folder : MAIL_STORE_INBOX);
    c->read_only = cfg && cfg->read_only;
    c->mark_seen = cfg && cfg->mark_seen;
    c->delete_after = cfg && cfg->delete_after;
    c->max_literal = cfg && cfg->max_literal ? cfg->max_literal : IMAP_CLIENT_DEFAULT_MAX_LITERAL;
    c->uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    c->listed = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    c->headers_first = cfg && cfg->headers_first;
    c->bodies = cfg ? cfg->bodies : -1;
    c->after_uid = cfg ? cfg->after_uid : 0;
    c->out = g_byte_array_new();
    c->resp = g_byte_array_new();
    g_queue_init(&c->events);
    c->state = IMAP_CLIENT_GREETING;
    return c;
}

void imap_client_event_clear(imap_client_event *ev)
{
    if (ev->data)
        g_bytes_unref(ev->data);
    ev->data = NULL;
    g_free(ev->text);
    ev->text = NULL;
}

void imap_client_core_free(imap_client_core *c)
{
    if (!c)
        return;
    imap_client_event *ev;
    while ((ev = g_queue_pop_head(&c->events))) {
        imap_client_event_clear(ev);
        g_free(ev);
    }
    g_array_free(c->uids, TRUE);
    g_array_free(c->listed, TRUE);
    g_byte_array_free(c->out, TRUE);
    g_byte_array_free(c->resp, TRUE);
    g_free(c->user);
    if (c->password)
        memset(c->password, 0, strlen(c->password));
    g_free(c->password);
    g_free(c->folder);
    g_free(c);
}

void imap_client_core_closed(imap_client_core *c, const char *why)
{
    finish(c, false, "connection closed: %s", why ? why : "by the peer");
}

const uint8_t *imap_client_core_output(const imap_client_core *c, size_t *len)
{
    *len = c->out->len;
    return c->out->data;
}

void imap_client_core_consume(imap_client_core *c, size_t n)
{
    if (n > c->out->len)
        n = c->out->len;
    if (n)
        g_byte_array_remove_range(c->out, 0, (guint)n);
}

bool imap_client_core_next_event(imap_client_core *c, imap_client_event *ev)
{
    imap_client_event *e = g_queue_pop_head(&c->events);
    if (!e)
        return false;
    *ev = *e;
    g_free(e);
    return true;
}

imap_client_state imap_client_core_state(const imap_client_core *c) { return c->state; }
uint32_t imap_client_core_exists(const imap_client_core *c) { return c->exists; }
unsigned imap_client_core_commands(const imap_client_core *c) { return c->tag_no; }
size_t imap_client_core_buffered(const imap_client_core *c) { return c->resp->len; }

/* ---- what the server says ------------------------------------------------ */

static void send_login(imap_client_core *c)
{
    if (!plain(c->user) || !plain(c->password)) {
        finish(c, false, "the user name or password holds a line break");
        return;
    }
    char *u = quote(c->user), *p = quote(c->password);
    command(c, IMAP_CLIENT_LOGIN, "LOGIN %s %s", u, p);
    g_free(u);
    g_free(p);
}

static void send_select(imap_client_core *c)
{
    if (!plain(c->folder)) {
        finish(c, false, "the folder name holds a line break");
        return;
    }
    char *f = quote(c->folder);
    command(c, IMAP_CLIENT_SELECT, "%s %s", c->read_only ? "EXAMINE" : "SELECT", f);
    g_free(f);
}

/* After the FETCH (or a SELECT of an empty folder): STORE or LOGOUT. */
static void after_fetch(imap_client_core *c)
{
    if (!c->delete_after || c->read_only || c->uids->len == 0) {
        command(c, IMAP_CLIENT_LOGOUT, "LOGOUT");
        return;
    }
    GString *set = g_string_new(NULL);
    for (guint i = 0; i < c->uids->len; i++)
        g_string_append_printf(set, "%s%u", i ? "," : "", g_array_index(c->uids, uint32_t, i));
    command(c, IMAP_CLIENT_STORE, "UID STORE %s +FLAGS.SILENT (\\Deleted)", set->str);
    g_string_free(set, TRUE);
}

/* After the headers: the first `bodies` of them whole, or on. */
static void fetch_bodies(imap_client_core *c)
{
    guint n = c->listed->len;
    if (c->bodies >= 0 && (uint64_t)c->bodies < n)
        n = (guint)c->bodies;
    if (n == 0) {
        after_fetch(c);
        return;
    }
    GString *set = g_string_new(NULL);
    for (guint i = 0; i < n; i++)
        g_string_append_printf(set, "%s%u", i ? "," : "", g_array_index(c->listed, uint32_t, i));
    command(c, IMAP_CLIENT_FETCH, "UID FETCH %s (UID FLAGS %s)", set->str, c->mark_seen ? "BODY[]" : "BODY.PEEK[]");
    g_string_free(set, TRUE);
}

static void tagged(imap_client_core *c, const char *status, const char *text)
{
    if (!imap_word_is(status, "OK")) {
        finish(c, false, "%s answered %s %s", imap_client_state_name(c->state), status, text);
        return;
    }
    switch (c->state) {
    case IMAP_CLIENT_LOGIN: send_select(c); break;
    case IMAP_CLIENT_SELECT:
        if (c->exists && c->headers_first)
            command(c, IMAP_CLIENT_HEADERS, "UID FETCH %u:* (UID FLAGS BODY.PEEK[HEADER])", c->after_uid + 1);
        else if (c->exists)
            command(c, IMAP_CLIENT_FETCH, "UID FETCH %u:* (UID FLAGS %s)", c->after_uid + 1,
                    c->mark_seen ? "BODY[]" : "BODY.PEEK[]");
        else
            after_fetch(c);
        break;
    case IMAP_CLIENT_HEADERS: fetch_bodies(c); break;
    case IMAP_CLIENT_FETCH: after_fetch(c); break;
    case IMAP_CLIENT_STORE: command(c, IMAP_CLIENT_EXPUNGE, "EXPUNGE"); break;
    case IMAP_CLIENT_EXPUNGE: command(c, IMAP_CLIENT_LOGOUT, "LOGOUT"); break;
    case IMAP_CLIENT_LOGOUT: finish(c, true, "%s", text); break;
    default: break;
    }
}

/* Skips one value of a FETCH response: an atom or number, a string, NIL,
 * or a parenthesised list of them. */
static bool skip_value(imap_cursor *cur, unsigned depth)
{
    if (depth > MAX_NEST)
        return false;
    if (imap_p_char(cur, '(')) {
        while (!imap_p_char(cur, ')')) {
            if (!skip_value(cur, depth + 1))
                return false;
            imap_p_sp(cur);
        }
        return true;
    }
    char *s = NULL;
    bool ok = imap_p_string(cur, &s, NULL) || imap_p_atom(cur, "]", &s) ||
              (imap_p_char(cur, '\\') && imap_p_atom(cur, NULL, &s));
    g_free(s);
    return ok;
}

static unsigned flags_of(imap_cursor *cur, bool *ok)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"\\Seen", MAIL_FLAG_SEEN},       {"\\Answered", MAIL_FLAG_ANSWERED}, {"\\Flagged", MAIL_FLAG_FLAGGED},
                 {"\\Deleted", MAIL_FLAG_DELETED}, {"\\Draft", MAIL_FLAG_DRAFT},       {"\\Recent", MAIL_FLAG_RECENT}};
    unsigned flags = 0;
    *ok = imap_p_char(cur, '(');
    while (*ok && !imap_p_char(cur, ')')) {
        char *f = NULL;
        *ok = imap_p_flag(cur, &f) || imap_p_atom(cur, "]", &f);
        for (size_t i = 0; *ok && i < G_N_ELEMENTS(names); i++)
            if (imap_word_is(f, names[i].name))
                flags |= names[i].bit;
        g_free(f);
        imap_p_sp(cur);
    }
    return flags;
}

/* The item name of a FETCH response: letters, digits, '.', and a
 * section in brackets. */
static char *item_name(imap_cursor *cur)
{
    size_t i = cur->pos;
    while (i < cur->len && (g_ascii_isalnum(cur->p[i]) || (cur->p[i] && strchr(".-_$", cur->p[i]))))
        i++;
    if (i < cur->len && cur->p[i] == '[') {
        while (i < cur->len && cur->p[i] != ']')
            i++;
        if (i < cur->len)
            i++;
    }
    if (i == cur->pos)
        return NULL;
    char *n = g_strndup((const char *)cur->p + cur->pos, i - cur->pos);
    cur->pos = i;
    return n;
}

/* "(" items ")" of "* n FETCH": an event when it carries the message. */
static bool fetch_items(imap_client_core *c, imap_cursor *cur)
{
    imap_client_event ev = {.kind = IMAP_CLIENT_EV_MESSAGE};
    bool ok = imap_p_char(cur, '('), have_uid = false;
    while (ok && !imap_p_char(cur, ')')) {
        char *name = item_name(cur);
        ok = name && imap_p_sp(cur);
        const uint8_t *d;
        size_t n;
        if (!ok) {
        } else if (imap_word_is(name, "UID")) {
            ok = have_uid = imap_p_number(cur, &ev.uid);
        } else if (imap_word_is(name, "FLAGS")) {
            ev.flags = flags_of(cur, &ok);
        } else if ((imap_word_is(name, "BODY[]") || imap_word_is(name, "BODY[HEADER]")) &&
                   imap_p_literal_span(cur, &d, &n)) {
            if (ev.data)
                g_bytes_unref(ev.data);
            ev.data = g_bytes_new(d, n);
            ev.kind = imap_word_is(name, "BODY[]") ? IMAP_CLIENT_EV_MESSAGE : IMAP_CLIENT_EV_HEADER;
        } else if (imap_word_is(name, "BODY[]") && imap_p_peek(cur) == '"') {
            char *q = NULL;
            size_t qn = 0;
            ok = imap_p_string(cur, &q, &qn);
            if (ev.data)
                g_bytes_unref(ev.data);
            ev.data = ok ? g_bytes_new_take(q, qn) : NULL;
        } else {
            ok = skip_value(cur, 0);
        }
        g_free(name);
        imap_p_sp(cur);
    }
    bool want = ev.kind == IMAP_CLIENT_EV_HEADER ? c->state == IMAP_CLIENT_HEADERS : c->state == IMAP_CLIENT_FETCH;
    if (ok && ev.data && have_uid && ev.uid > c->after_uid && want) {
        g_array_append_val(ev.kind == IMAP_CLIENT_EV_HEADER ? c->listed : c->uids, ev.uid);
        push(c, &ev);
    } else {
        imap_client_event_clear(&ev);
    }
    return ok;
}

static void untagged(imap_client_core *c, imap_cursor *cur)
{
    uint32_t n;
    char *word = NULL;
    if (imap_p_number(cur, &n) && imap_p_sp(cur) && imap_p_atom(cur, NULL, &word)) {
        if (imap_word_is(word, "EXISTS") && c->state == IMAP_CLIENT_SELECT)
            c->exists = n;
        else if (imap_word_is(word, "FETCH") &&
                 (c->state == IMAP_CLIENT_FETCH || c->state == IMAP_CLIENT_HEADERS) && imap_p_sp(cur) &&
                 !fetch_items(c, cur))
            finish(c, false, "malformed FETCH response");
    } else if (imap_p_atom(cur, NULL, &word)) {
        const char *rest = (const char *)cur->p + cur->pos + (cur->pos < cur->len);
        if (c->state == IMAP_CLIENT_GREETING && imap_word_is(word, "OK"))
            send_login(c);
        else if (c->state == IMAP_CLIENT_GREETING && imap_word_is(word, "PREAUTH"))
            send_select(c);
        else if (imap_word_is(word, "BYE") && c->state != IMAP_CLIENT_LOGOUT)
            finish(c, false, "BYE %s", rest);
        else if (c->state == IMAP_CLIENT_GREETING)
            finish(c, false, "greeting %s %s", word, rest);
    }
    g_free(word);
}

/* One whole response (its last line end removed, NUL-terminated). */
static void response(imap_client_core *c)
{
    size_t len = c->resp->len;
    g_byte_array_append(c->resp, (const guint8 *)"", 1); /* texts are read as C strings */
    imap_cursor cur = {c->resp->data, len, 0};
    char *tag = NULL, *status = NULL;
    if (imap_p_char(&cur, '*') && imap_p_sp(&cur)) {
        untagged(c, &cur);
    } else if (imap_p_char(&cur, '+')) {
        /* no command of ours waits for a continuation */
    } else if (imap_p_tag(&cur, &tag) && imap_p_sp(&cur) && imap_p_atom(&cur, NULL, &status)) {
        char *want = g_strdup_printf("A%u", c->tag_no);
        if (c->tag_no && strcmp(tag, want) == 0)
            tagged(c, status, (const char *)cur.p + cur.pos + (cur.pos < cur.len));
        else
            finish(c, false, "a response with an unknown tag");
        g_free(want);
    } else {
        finish(c, false, "malformed response");
    }
    g_free(tag);
    g_free(status);
}

/* ---- the reader ---------------------------------------------------------- */

static void reset(imap_client_core *c)
{
    g_byte_array_set_size(c->resp, 0);
    c->line_start = 0;
    c->line_bytes = 0;
    c->literal_total = 0;
    c->in_literal = false;
}

/* A line ended: a literal follows, or the response is whole. */
static void end_of_line(imap_client_core *c)
{
    GByteArray *r = c->resp;
    if (r->len > c->line_start && r->data[r->len - 1] == '\r')
        g_byte_array_set_size(r, r->len - 1);
    size_t end = r->len, i = end;
    if (end > c->line_start + 2 && r->data[end - 1] == '}') {
        i = end - 1;
        while (i > c->line_start && g_ascii_isdigit(r->data[i - 1]))
            i--;
    }
    if (i < end - 1 && i > c->line_start && r->data[i - 1] == '{') {
        uint64_t n = 0;
        bool big = end - 1 - i > 19;
        for (size_t k = i; !big && k < end - 1; k++)
            n = n * 10 + (uint64_t)(r->data[k] - '0');
        if (big || n > c->max_literal - c->literal_total) {
            finish(c, false, "a literal over %llu bytes", (unsigned long long)c->max_literal);
            reset(c);
            return;
        }
        g_byte_array_append(r, (const guint8 *)"\r\n", 2);
        c->line_bytes += 2;
        c->literal_total += n;
        c->literal_left = n;
        c->in_literal = n > 0;
        c->line_start = r->len;
        return;
    }
    response(c);
    reset(c);
}

size_t imap_client_core_feed(imap_client_core *c, const uint8_t *data, size_t len)
{
    if (!data)
        return 0;
    size_t off = 0;
    while (off < len && c->state != IMAP_CLIENT_DONE) {
        if (c->in_literal) {
            size_t n = c->literal_left < len - off ? (size_t)c->literal_left : len - off;
            g_byte_array_append(c->resp, data + off, (guint)n);
            c->literal_left -= n;
            off += n;
            if (c->literal_left == 0) {
                c->in_literal = false;
                c->line_start = c->resp->len;
            }
            continue;
        }
        const uint8_t *lf = memchr(data + off, '\n', len - off);
        size_t n = lf ? (size_t)(lf - (data + off)) : len - off;
        if (c->line_bytes + n > IMAP_CLIENT_MAX_LINE) {
            finish(c, false, "a response line over %d bytes", IMAP_CLIENT_MAX_LINE);
            reset(c);
            break;
        }
        g_byte_array_append(c->resp, data + off, (guint)n);
        c->line_bytes += n;
        off += n;
        if (lf) {
            off++;
            end_of_line(c);
        }
    }
    return len;
}
