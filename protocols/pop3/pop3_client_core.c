/*
 * pop3_client_core: the POP3 client session (see pop3_client_core.h for
 * the dialogue, the events and the limits).
 *
 * Structure. The server's bytes are gathered into lines (LF ends one, the
 * CR before it optional). A line is either a status line (+OK / -ERR),
 * handed to the handler of the state, or, after +OK to LIST, UIDL or
 * RETR, a line of a multi-line response: "." alone ends it, a leading "."
 * is removed, and the line goes to the listing or the message. After each
 * response the session decides its next command from the listing and a
 * cursor over it (next_command).
 */
#include "pop3_client_core.h"

#include <stdarg.h>
#include <string.h>

#include "pop3_server_core.h" /* pop3_apop_digest */

static const char *const state_names[] = {
#define POP3_CLIENT_STATE_NAME(name, text) [name] = text,
    POP3_CLIENT_STATES(POP3_CLIENT_STATE_NAME)
#undef POP3_CLIENT_STATE_NAME
};

static const char *const result_names[] = {"ok", "auth", "no-apop", "error", "protocol", "closed"};

/* A message of the listing. */
typedef struct {
    uint32_t number;
    uint64_t size;
    char *uidl; /* NULL until UIDL names it */
} listed;

struct pop3_client_core {
    char *user, *password;
    bool apop, no_uidl, lowercase;
    pop3_client_mode mode;
    uint64_t max_msg;
    GHashTable *known; /* unique ids the caller has (lookups only) */

    pop3_client_state state;
    GByteArray *out;
    GQueue events; /* of pop3_client_event * */

    GByteArray *line;  /* the line being read, without its LF */
    bool multi;        /* reading a multi-line response */
    uint64_t multi_len; /* its bytes so far */
    GByteArray *msg;   /* the message being retrieved */
    GArray *list;      /* of listed, in the server's order */
    guint cursor;      /* the entry the next command is about */
    bool have_result;  /* the result was decided before QUIT */
    pop3_client_result result;
    char *result_text;
    pop3_client_stats stats;
};

const char *pop3_client_state_name(pop3_client_state s)
{
    return (unsigned)s < G_N_ELEMENTS(state_names) ? state_names[s] : "?";
}

const char *pop3_client_result_name(pop3_client_result r)
{
    return (unsigned)r < G_N_ELEMENTS(result_names) ? result_names[r] : "?";
}

static pop3_client_event *push(pop3_client_core *c, pop3_client_event_kind kind)
{
    pop3_client_event *ev = g_new0(pop3_client_event, 1);
    ev->kind = kind;
    ev->from = ev->to = c->state;
    g_queue_push_tail(&c->events, ev);
    return ev;
}

static void set_state(pop3_client_core *c, pop3_client_state to)
{
    if (c->state == to)
        return;
    pop3_client_event *ev = push(c, POP3_CLIENT_EV_STATE);
    ev->to = to;
    c->state = to;
}

static void finish(pop3_client_core *c, pop3_client_result r, const char *text)
{
    if (c->state == POP3_CLIENT_DONE)
        return;
    set_state(c, POP3_CLIENT_DONE);
    pop3_client_event *ev = push(c, POP3_CLIENT_EV_DONE);
    ev->result = r;
    ev->text = g_strdup(text);
}

/* Writes a command: the verb (lower case with `lowercase`) and its argument. */
static void send_cmd(pop3_client_core *c, pop3_client_state st, const char *verb, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static void send_cmd(pop3_client_core *c, pop3_client_state st, const char *verb, const char *fmt, ...)
{
    char *v = c->lowercase ? g_ascii_strdown(verb, -1) : g_strdup(verb);
    g_byte_array_append(c->out, (const guint8 *)v, (guint)strlen(v));
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        char *arg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_byte_array_append(c->out, (const guint8 *)" ", 1);
        g_byte_array_append(c->out, (const guint8 *)arg, (guint)strlen(arg));
        g_free(arg);
    }
    g_byte_array_append(c->out, (const guint8 *)"\r\n", 2);
    g_free(v);
    set_state(c, st);
}

/* Ends the session politely: the result is decided, QUIT says goodbye. */
static void fail_then_quit(pop3_client_core *c, pop3_client_result r, const char *text)
{
    c->have_result = true;
    c->result = r;
    g_free(c->result_text);
    c->result_text = g_strdup(text);
    send_cmd(c, POP3_CLIENT_QUIT, "QUIT", NULL);
}

/* The next command after a response in TRANSACTION: RETR or DELE of the
 * entry under the cursor, or QUIT when the listing is done. */
static void next_command(pop3_client_core *c)
{
    while (c->cursor < c->list->len) {
        listed *e = &g_array_index(c->list, listed, c->cursor);
        bool known = e->uidl && g_hash_table_contains(c->known, e->uidl);
        if (known || e->size > c->max_msg) {
            pop3_client_event *ev = push(c, POP3_CLIENT_EV_SKIPPED);
            ev->number = e->number;
            ev->size = e->size;
            ev->uidl = g_strdup(e->uidl);
            ev->text = g_strdup(known ? "known" : "too large");
            c->stats.skipped++;
            c->cursor++;
            if (known && c->mode == POP3_MODE_DELETE) {
                send_cmd(c, POP3_CLIENT_DELE, "DELE", "%u", e->number);
                return;
            }
            continue;
        }
        send_cmd(c, POP3_CLIENT_RETR, "RETR", "%u", e->number);
        return;
    }
    send_cmd(c, POP3_CLIENT_QUIT, "QUIT", NULL);
}

/* ---- responses ------------------------------------------------------------------ */

static bool valid_secret(const char *s, bool spaces)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || (!spaces && *p == ' '))
            return false;
    return *s != 0;
}

static void on_greeting(pop3_client_core *c, bool ok, const char *text)
{
    if (!ok) {
        finish(c, POP3_CLIENT_ERROR, text);
        return;
    }
    if (!valid_secret(c->user, false) || !valid_secret(c->password, true)) {
        fail_then_quit(c, POP3_CLIENT_AUTH, "the user name or password cannot be sent");
        return;
    }
    if (!c->apop) {
        send_cmd(c, POP3_CLIENT_USER, "USER", "%s", c->user);
        return;
    }
    const char *lt = strchr(text, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    if (!gt) {
        fail_then_quit(c, POP3_CLIENT_NO_APOP, "the server offers no APOP timestamp");
        return;
    }
    char *ts = g_strndup(lt, (gsize)(gt - lt + 1));
    char *digest = pop3_apop_digest(ts, c->password);
    send_cmd(c, POP3_CLIENT_PASS, "APOP", "%s %s", c->user, digest);
    g_free(digest);
    g_free(ts);
}

/* A status line in the state it answers. */
static void on_status(pop3_client_core *c, bool ok, const char *text)
{
    switch (c->state) {
    case POP3_CLIENT_GREETING: on_greeting(c, ok, text); break;
    case POP3_CLIENT_USER:
        if (ok)
            send_cmd(c, POP3_CLIENT_PASS, "PASS", "%s", c->password);
        else
            fail_then_quit(c, POP3_CLIENT_AUTH, text);
        break;
    case POP3_CLIENT_PASS:
        if (ok)
            send_cmd(c, POP3_CLIENT_LIST, "LIST", NULL);
        else
            fail_then_quit(c, POP3_CLIENT_AUTH, text);
        break;
    case POP3_CLIENT_LIST:
        if (ok)
            c->multi = true;
        else
            fail_then_quit(c, POP3_CLIENT_ERROR, text);
        break;
    case POP3_CLIENT_UIDL:
        if (ok)
            c->multi = true;
        else
            next_command(c); /* no UIDL: every message is wanted */
        break;
    case POP3_CLIENT_RETR:
        if (ok) {
            c->multi = true;
            g_byte_array_set_size(c->msg, 0);
        } else { /* gone meanwhile (another session): go on */
            listed *e = &g_array_index(c->list, listed, c->cursor);
            pop3_client_event *ev = push(c, POP3_CLIENT_EV_SKIPPED);
            ev->number = e->number;
            ev->size = e->size;
            ev->uidl = g_strdup(e->uidl);
            ev->text = g_strdup(text);
            c->stats.skipped++;
            c->cursor++;
            next_command(c);
        }
        break;
    case POP3_CLIENT_DELE:
        if (ok) {
            pop3_client_event *ev = push(c, POP3_CLIENT_EV_DELETED);
            ev->number = g_array_index(c->list, listed, c->cursor - 1).number;
            c->stats.deleted++;
        }
        next_command(c);
        break;
    case POP3_CLIENT_QUIT:
        if (c->have_result)
            finish(c, c->result, c->result_text);
        else
            finish(c, ok ? POP3_CLIENT_OK : POP3_CLIENT_ERROR, text);
        break;
    case POP3_CLIENT_DONE: break;
    }
}

/* Reads "n rest" of a listing line; false when it does not parse. */
static bool listing_line(const char *line, uint32_t *n, const char **rest)
{
    uint64_t v = 0;
    const char *p = line;
    if (!g_ascii_isdigit(*p))
        return false;
    while (g_ascii_isdigit(*p) && v <= UINT32_MAX)
        v = v * 10 + (uint64_t)(*p++ - '0');
    if (v == 0 || v > UINT32_MAX || *p != ' ')
        return false;
    while (*p == ' ')
        p++;
    *n = (uint32_t)v;
    *rest = p;
    return *p != 0;
}

/* One line of the LIST or UIDL listing; false when malformed. */
static bool on_listing_line(pop3_client_core *c, const char *line)
{
    uint32_t n;
    const char *rest;
    if (!listing_line(line, &n, &rest))
        return false;
    if (c->state == POP3_CLIENT_LIST) {
        char *end;
        if (!g_ascii_isdigit(*rest))
            return false;
        guint64 size = g_ascii_strtoull(rest, &end, 10);
        if (*end && *end != ' ')
            return false;
        if (c->list->len && g_array_index(c->list, listed, c->list->len - 1).number >= n)
            return false;
        listed e = {.number = n, .size = size};
        g_array_append_val(c->list, e);
        c->stats.listed++;
        return true;
    }
    size_t len = strcspn(rest, " ");
    if (len > 70)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)rest[i] < 0x21 || (unsigned char)rest[i] > 0x7e)
            return false;
    /* Listed in order: the entry is found by binary search. */
    guint lo = 0, hi = c->list->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(c->list, listed, mid).number < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == c->list->len || g_array_index(c->list, listed, lo).number != n)
        return true; /* not in the listing: added after LIST; ignored */
    listed *e = &g_array_index(c->list, listed, lo);
    if (e->uidl)
        return false;
    e->uidl = g_strndup(rest, len);
    return true;
}

/* The end of a multi-line response. */
static void on_multi_end(pop3_client_core *c)
{
    c->multi = false;
    c->multi_len = 0;
    if (c->state == POP3_CLIENT_LIST) {
        if (c->no_uidl)
            next_command(c);
        else
            send_cmd(c, POP3_CLIENT_UIDL, "UIDL", NULL);
    } else if (c->state == POP3_CLIENT_UIDL) {
        next_command(c);
    } else if (c->state == POP3_CLIENT_RETR) {
        listed *e = &g_array_index(c->list, listed, c->cursor);
        pop3_client_event *ev = push(c, POP3_CLIENT_EV_MESSAGE);
        ev->number = e->number;
        ev->size = e->size;
        ev->uidl = g_strdup(e->uidl);
        ev->data = g_bytes_new(c->msg->data, c->msg->len);
        g_byte_array_set_size(c->msg, 0);
        c->stats.retrieved++;
        c->cursor++;
        if (c->mode == POP3_MODE_DELETE)
            send_cmd(c, POP3_CLIENT_DELE, "DELE", "%u", e->number);
        else
            next_command(c);
    }
}

/* A whole line (without LF; a CR before it removed). */
static void on_line(pop3_client_core *c, const char *line, size_t n)
{
    if (c->multi) {
        if (n == 1 && line[0] == '.') {
            on_multi_end(c);
            return;
        }
        if (n && line[0] == '.') { /* byte-stuffing undone */
            line++;
            n--;
        }
        if (c->state == POP3_CLIENT_RETR) {
            g_byte_array_append(c->msg, (const guint8 *)line, (guint)n);
            g_byte_array_append(c->msg, (const guint8 *)"\r\n", 2);
            if (c->msg->len > c->max_msg) /* bare LFs become CRLF: the message grows */
                finish(c, POP3_CLIENT_PROTOCOL, "a message over the limit");
        } else if (memchr(line, 0, n) || !on_listing_line(c, line)) {
            finish(c, POP3_CLIENT_PROTOCOL, "a malformed line in a listing");
        }
        return;
    }
    bool ok = n >= 3 && !memcmp(line, "+OK", 3) && (n == 3 || line[3] == ' ');
    bool err = n >= 4 && !memcmp(line, "-ERR", 4) && (n == 4 || line[4] == ' ');
    if ((!ok && !err) || memchr(line, 0, n)) {
        finish(c, POP3_CLIENT_PROTOCOL, "a malformed status line");
        return;
    }
    on_status(c, ok, line);
}

/* ---- the core ---------------------------------------------------------------- */

pop3_client_core *pop3_client_core_new(const pop3_client_config *cfg)
{
    pop3_client_core *c = g_new0(pop3_client_core, 1);
    c->user = g_strdup(cfg && cfg->user ? cfg->user : "");
    c->password = g_strdup(cfg && cfg->password ? cfg->password : "");
    c->apop = cfg && cfg->apop;
    c->no_uidl = cfg && cfg->no_uidl;
    c->lowercase = cfg && cfg->lowercase;
    c->mode = cfg ? cfg->mode : POP3_MODE_KEEP;
    c->max_msg = cfg && cfg->max_message_size ? cfg->max_message_size : POP3_CLIENT_DEFAULT_MAX_MESSAGE;
    c->known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (const char *const *k = cfg ? cfg->known_uidls : NULL; k && *k; k++)
        g_hash_table_add(c->known, g_strdup(*k));
    c->out = g_byte_array_new();
    g_queue_init(&c->events);
    c->line = g_byte_array_new();
    c->msg = g_byte_array_new();
    c->list = g_array_new(FALSE, TRUE, sizeof(listed));
    c->state = POP3_CLIENT_GREETING;
    return c;
}

void pop3_client_event_clear(pop3_client_event *ev)
{
    g_clear_pointer(&ev->uidl, g_free);
    g_clear_pointer(&ev->text, g_free);
    g_clear_pointer(&ev->data, g_bytes_unref);
}

void pop3_client_core_free(pop3_client_core *c)
{
    if (!c)
        return;
    pop3_client_event *ev;
    while ((ev = g_queue_pop_head(&c->events))) {
        pop3_client_event_clear(ev);
        g_free(ev);
    }
    for (guint i = 0; i < c->list->len; i++)
        g_free(g_array_index(c->list, listed, i).uidl);
    g_array_free(c->list, TRUE);
    g_byte_array_free(c->msg, TRUE);
    g_byte_array_free(c->line, TRUE);
    g_byte_array_free(c->out, TRUE);
    g_hash_table_destroy(c->known);
    g_free(c->result_text);
    g_free(c->user);
    g_free(c->password);
    g_free(c);
}

/* The limit on the line being read. */
static bool over_limit(const pop3_client_core *c)
{
    if (c->multi && c->state == POP3_CLIENT_RETR)
        return c->multi_len > c->max_msg;
    if (c->multi && c->multi_len > POP3_CLIENT_MAX_LISTING)
        return true; /* and each line of a listing as a status line: */
    return c->line->len > POP3_CLIENT_MAX_LINE - 1;
}

size_t pop3_client_core_feed(pop3_client_core *c, const uint8_t *data, size_t len)
{
    if (!data)
        return 0;
    c->stats.bytes_in += len;
    for (size_t i = 0; i < len && c->state != POP3_CLIENT_DONE; i++) {
        if (c->multi)
            c->multi_len++;
        if (data[i] != '\n') {
            /* Runs of bytes up to the next LF are appended at once. */
            const uint8_t *lf = memchr(data + i, '\n', len - i);
            size_t run = lf ? (size_t)(lf - (data + i)) : len - i;
            g_byte_array_append(c->line, data + i, (guint)run);
            if (c->multi)
                c->multi_len += run - 1;
            i += run - 1;
            if (over_limit(c))
                finish(c, POP3_CLIENT_PROTOCOL, "a response over the limits");
            continue;
        }
        size_t n = c->line->len;
        if (n && c->line->data[n - 1] == '\r')
            n--;
        g_byte_array_set_size(c->line, (guint)n);
        g_byte_array_append(c->line, (const guint8 *)"", 1); /* a NUL after the line */
        on_line(c, (const char *)c->line->data, n);
        g_byte_array_set_size(c->line, 0);
    }
    return len;
}

void pop3_client_core_closed(pop3_client_core *c, const char *why)
{
    /* A result decided before the QUIT (a refused login) stands. */
    if (c->have_result)
        finish(c, c->result, c->result_text);
    else
        finish(c, POP3_CLIENT_CLOSED, why ? why : "the connection ended");
}

const uint8_t *pop3_client_core_output(const pop3_client_core *c, size_t *len)
{
    *len = c->out->len;
    return c->out->data;
}

void pop3_client_core_consume(pop3_client_core *c, size_t n)
{
    if (n > c->out->len)
        n = c->out->len;
    c->stats.bytes_out += n;
    if (n)
        g_byte_array_remove_range(c->out, 0, (guint)n);
}

bool pop3_client_core_next_event(pop3_client_core *c, pop3_client_event *ev)
{
    pop3_client_event *e = g_queue_pop_head(&c->events);
    if (!e)
        return false;
    *ev = *e;
    g_free(e);
    return true;
}

pop3_client_state pop3_client_core_state(const pop3_client_core *c) { return c->state; }
const pop3_client_stats *pop3_client_core_stats(const pop3_client_core *c) { return &c->stats; }
