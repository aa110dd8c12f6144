/*
 * mail_agent_app: the "mail-agent" application type, Alice's user agent.
 * It builds `count` messages (mime_msg.h's builder: From, To, Subject,
 * Date, a Message-ID made from the run's seed, a text body, and an
 * attachment of pseudo-random content when asked, encoded as chosen) and
 * submits them to its server (mail_agent.h), the i-th at at + i x
 * interval; messages due at the same instant share one connection.
 *
 * The end of a message's journey is read from the `mail` records of every
 * mail server of the run: each server's `received` row carries the
 * message's Message-ID, which ties its own message id to the agent's
 * message; that id's `local` rows (stored in a mailbox) and `bounced` rows
 * say when and whether the message arrived. The agent holds the run until
 * no event is left (APP_HOLD_UNTIL_QUIET): the servers' queues are empty
 * and nothing is in flight, so every message is delivered or bounced (or
 * max_time came first).
 */
#include <math.h>
#include <string.h>

#include "protocols/mime/mime_msg.h"
#include "protocols/smtp/mail_agent.h"
#include "smtp_apps.h"

enum { ENC_7BIT, ENC_QP, ENC_BASE64 };
static const char *const encodings[] = {"7bit", "quoted-printable", "base64", NULL};

/* One message: when it is submitted and what it holds. */
typedef struct {
    int64_t at;           /* ns */
    char *subject;
    uint64_t body_size, attachment_size; /* bytes of content */
    int encoding;
} msg_spec;

/* An item of "messages", and which of its keys were written (the others
 * are the agent's). */
typedef struct {
    msg_spec m;
    bool has_at, has_subject, has_body, has_attachment, has_encoding;
} msg_item;

typedef struct {
    char *server;
    int64_t port;
    char *from;
    GPtrArray *to;        /* of char*: recipients' addresses */
    int64_t at, interval; /* ns */
    int64_t count;
    char *subject;
    uint64_t body_size, attachment_size; /* bytes of content */
    int encoding;
    char *helo;           /* NULL: the domain of `from` */
    GArray *messages;     /* of msg_item: the "messages" list, or NULL (count and interval) */
} agent_spec;

/* ---- keys ---------------------------------------------------------------------- */

static void read_to(app_reader *r, const char *key, void *field)
{
    GPtrArray *l = smtp_app_read_strings(r, key, "a list of addresses like [\"bob@hamburger.edu\"]", false);
    *(GPtrArray **)field = l;
    if (!app_reader_failed(r) && l->len == 0)
        app_reader_fail(r, key, "a message needs at least one recipient, like [\"bob@hamburger.edu\"]");
    if (l->len > 100)
        app_reader_fail(r, key, "at most 100 recipients (RFC 5321 4.5.3.1.8), found %u", l->len);
}

static const app_key message_keys[] = {
    {.name = "at", .kind = APP_KEY_TIME, .offset = offsetof(msg_spec, at)},
    {.name = "subject", .kind = APP_KEY_STRING, .offset = offsetof(msg_spec, subject)},
    {.name = "body_size", .kind = APP_KEY_SIZE, .offset = offsetof(msg_spec, body_size), .hi = 10e6},
    {.name = "attachment_size", .kind = APP_KEY_SIZE, .offset = offsetof(msg_spec, attachment_size), .hi = 7e6},
    {.name = "encoding", .kind = APP_KEY_CHOICE, .offset = offsetof(msg_spec, encoding), .def = ENC_BASE64,
     .choices = encodings, .expected = "\"7bit\", \"quoted-printable\" or \"base64\""},
    {0}};

/* "messages": [{"at": "10s", "attachment_size": "1MB"}, ...], in the
 * order of their times; a key not written is the agent's. */
static void read_messages(app_reader *r, const char *key, void *field)
{
    int n = app_reader_enter_list(r, key, "a list of messages like [{\"at\": \"10s\", \"subject\": \"Hi\"}]");
    if (n < 0)
        return;
    GArray *l = g_array_new(FALSE, TRUE, sizeof(msg_item));
    *(GArray **)field = l;
    if (n == 0 || n > 10000)
        app_reader_fail(r, NULL, "from 1 to 10000 messages, found %d", n);
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        msg_item it = {0};
        app_reader_table(r, NULL, message_keys, &it.m);
        it.has_at = app_reader_has(r, "at");
        it.has_subject = app_reader_has(r, "subject");
        it.has_body = app_reader_has(r, "body_size");
        it.has_attachment = app_reader_has(r, "attachment_size");
        it.has_encoding = app_reader_has(r, "encoding");
        g_array_append_val(l, it);
        if (i > 0 && it.has_at && g_array_index(l, msg_item, i - 1).has_at &&
            it.m.at < g_array_index(l, msg_item, i - 1).m.at)
            app_reader_fail(r, "at", "the messages are listed in the order of their times");
        app_reader_leave(r);
    }
    app_reader_leave(r);
}

static const app_key agent_keys[] = {
    {.name = "server", .kind = APP_KEY_NODE, .offset = offsetof(agent_spec, server), .required = true},
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(agent_spec, port), .def = 25, .lo = 1, .hi = 65535,
     .expected = "a port from 1 to 65535"},
    {.name = "from", .kind = APP_KEY_STRING, .offset = offsetof(agent_spec, from), .required = true},
    {.name = "to", .kind = APP_KEY_CUSTOM, .offset = offsetof(agent_spec, to), .read = read_to},
    {.name = "at", .kind = APP_KEY_TIME, .offset = offsetof(agent_spec, at)},
    {.name = "count", .kind = APP_KEY_INT, .offset = offsetof(agent_spec, count), .def = 1, .lo = 1, .hi = 10000,
     .expected = "a whole number of messages from 1 to 10000"},
    {.name = "interval", .kind = APP_KEY_TIME, .offset = offsetof(agent_spec, interval)},
    {.name = "subject", .kind = APP_KEY_STRING, .offset = offsetof(agent_spec, subject), .def_text = "Hello"},
    {.name = "body_size", .kind = APP_KEY_SIZE, .offset = offsetof(agent_spec, body_size), .hi = 10e6},
    {.name = "attachment_size", .kind = APP_KEY_SIZE, .offset = offsetof(agent_spec, attachment_size), .hi = 7e6},
    {.name = "encoding", .kind = APP_KEY_CHOICE, .offset = offsetof(agent_spec, encoding), .def = ENC_BASE64,
     .choices = encodings, .expected = "\"7bit\", \"quoted-printable\" or \"base64\""},
    {.name = "helo", .kind = APP_KEY_STRING, .offset = offsetof(agent_spec, helo)},
    {.name = "messages", .kind = APP_KEY_CUSTOM, .offset = offsetof(agent_spec, messages), .read = read_messages},
    {0}};

/* An address local@domain with both parts non-empty and no white space. */
static bool address_ok(const char *a)
{
    const char *at = strrchr(a, '@');
    if (!at || at == a || !at[1] || strlen(a) > 254)
        return false;
    for (const char *p = a; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',')
            return false;
    return true;
}

static void agent_check(app_reader *r, void *cfg)
{
    const agent_spec *s = cfg;
    if (s->messages && (app_reader_has(r, "count") || app_reader_has(r, "interval"))) {
        app_reader_fail(r, "messages", "give either \"messages\" or \"count\" and \"interval\", not both");
        return;
    }
    for (guint i = 1; s->messages && i < s->messages->len; i++) {
        const msg_item *it = &g_array_index(s->messages, msg_item, i);
        if (!it->has_at && g_array_index(s->messages, msg_item, i - 1).m.at > s->at) {
            app_reader_fail(r, "messages", "message %u has no \"at\" (the agent's, %g s) but comes after a later one",
                            i, (double)s->at / 1e9);
            return;
        }
    }
    if (s->from && !address_ok(s->from)) {
        app_reader_fail_expected(r, "from", "an address like \"alice@crepes.fr\"");
        return;
    }
    for (guint i = 0; s->to && i < s->to->len && !app_reader_failed(r); i++)
        if (!address_ok(g_ptr_array_index(s->to, i))) {
            app_reader_enter_list(r, "to", "");
            app_reader_enter_item(r, (int)i);
            app_reader_fail_expected(r, NULL, "an address like \"bob@hamburger.edu\"");
            app_reader_leave(r);
            app_reader_leave(r);
        }
}

static void agent_clear(void *cfg)
{
    agent_spec *s = cfg;
    if (s->to)
        g_ptr_array_free(s->to, TRUE);
    s->to = NULL;
    for (guint i = 0; s->messages && i < s->messages->len; i++)
        g_free(g_array_index(s->messages, msg_item, i).m.subject);
    if (s->messages)
        g_array_free(s->messages, TRUE);
    s->messages = NULL;
}

/* ---- building messages ------------------------------------------------------------- */

/* splitmix64: the agent's random stream, from the run's seed. */
static uint64_t next_rand(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* `n` bytes of text in lines of at most 72 characters (CRLF counted):
 * letters and spaces, and with `accents` one character in eight an "é"
 * (two bytes in UTF-8), which makes the builder write it quoted-printable. */
static GString *random_text(uint64_t *rng, size_t n, bool accents)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz     ";
    GString *s = g_string_sized_new(n + 2);
    size_t col = 0;
    while (s->len < n) {
        size_t left = n - s->len;
        uint64_t x = next_rand(rng);
        if (col >= 70 && left >= 2) {
            g_string_append(s, "\r\n");
            col = 0;
        } else if (accents && x % 8 == 0 && left >= 2) {
            g_string_append(s, "\xc3\xa9");
            col++;
        } else {
            g_string_append_c(s, letters[(x >> 8) % (sizeof letters - 1)]);
            col++;
        }
    }
    return s;
}

static const char slides_body[] = "Do you like ketchup?\r\nHow about pickles?\r\n";

/* The attachment part of `n` content bytes in the chosen encoding. */
static mime_out *attachment(uint64_t *rng, size_t n, int encoding)
{
    if (encoding == ENC_BASE64) {
        guint8 *b = g_malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++)
            b[i] = (guint8)(next_rand(rng) >> 56);
        mime_out *o = mime_out_attachment_new("application/octet-stream", "data.bin", b, n);
        g_free(b);
        return o;
    }
    GString *t = random_text(rng, n, encoding == ENC_QP);
    mime_out *o = mime_out_text_new("plain", t->str, t->len);
    mime_out_header(o, "Content-Disposition", encoding == ENC_QP ? "attachment; filename=\"data-utf8.txt\""
                                                                    : "attachment; filename=\"data.txt\"");
    g_string_free(t, TRUE);
    return o;
}

/* Message i of the agent: its bytes, and its Message-ID into `mid`. */
static GByteArray *build_message(const agent_spec *s, const msg_spec *ms, uint64_t seed, int64_t wall_s, char *mid,
                                 size_t mid_size)
{
    uint64_t rng = seed;
    mime_out *text;
    if (ms->body_size) {
        GString *t = random_text(&rng, ms->body_size, false);
        text = mime_out_text_new("plain", t->str, t->len);
        g_string_free(t, TRUE);
    } else {
        text = mime_out_text_new("plain", slides_body, strlen(slides_body));
    }
    mime_out *top = text;
    if (ms->attachment_size) {
        top = mime_out_multipart_new("mixed");
        mime_out_add(top, text);
        mime_out_add(top, attachment(&rng, ms->attachment_size, ms->encoding));
    }
    const char *domain = strrchr(s->from, '@') + 1;
    mime_out_address(top, "From", NULL, s->from);
    for (guint i = 0; i < s->to->len; i++)
        mime_out_address(top, "To", NULL, g_ptr_array_index(s->to, i));
    mime_out_header(top, "Subject", ms->subject);
    mime_out_date(top, wall_s, 0);
    mime_out_message_id(top, seed, domain);
    GByteArray *b = mime_out_serialise(top);
    mime_out_free(top);
    /* the Message-ID as written: found in the header section */
    mid[0] = '\0';
    const char *h = g_strstr_len((const char *)b->data, (gssize)b->len, "Message-ID: <");
    if (h) {
        const char *e = memchr(h, '>', (size_t)((const char *)b->data + b->len - h));
        size_t n = e ? (size_t)(e - h) - 12 + 1 : 0;
        if (n && n < mid_size)
            g_strlcpy(mid, h + 12, n + 1);
    }
    return b;
}

/* ---- running ------------------------------------------------------------------- */

typedef struct agent_inst agent_inst;

/* One message of the agent. */
typedef struct {
    char mid[128];          /* its Message-ID, "<...>" */
    uint64_t bytes;         /* its size as built (CRLF lines, before dot-stuffing) */
    uint64_t content;       /* bytes of body and attachment content */
    smtp_envelope *env;
    mail_agent *agent;      /* the submission it went in (borrowed from `batches`) */
    size_t slot;            /* its index in that submission */
} agent_msg;

/* Messages due at one instant: one connection. */
typedef struct {
    agent_inst *in;
    guint first, n;         /* messages first .. first + n - 1 */
    mail_agent *agent;
} agent_batch;

struct agent_inst {
    app_world *w;
    host_env *env;
    const agent_spec *s;
    const char *name;
    GArray *msgs;           /* of agent_msg */
    GPtrArray *batches;     /* of agent_batch* */
    int failed_starts;
};

static void batch_go(void *ud)
{
    agent_batch *b = ud;
    agent_inst *in = b->in;
    b->agent = mail_agent_new(in->env, in->s->server, (uint16_t)in->s->port,
                              in->s->helo ? in->s->helo : strrchr(in->s->from, '@') + 1, NULL, NULL);
    for (guint i = 0; i < b->n; i++) {
        agent_msg *m = &g_array_index(in->msgs, agent_msg, b->first + i);
        m->agent = b->agent;
        m->slot = i;
        mail_agent_add(b->agent, m->env);
    }
    GError *err = NULL;
    if (!mail_agent_start(b->agent, &err)) {
        in->failed_starts++;
        g_clear_error(&err);
    }
}

/* Message i of the agent: from the "messages" list with the agent's
 * values for the keys it leaves out, or the i-th of count and interval. */
static msg_spec message_spec(const agent_spec *s, int64_t i)
{
    msg_spec m = {s->at + i * s->interval, s->subject, s->body_size, s->attachment_size, s->encoding};
    if (!s->messages)
        return m;
    const msg_item *it = &g_array_index(s->messages, msg_item, i);
    m.at = it->has_at ? it->m.at : s->at;
    m.subject = it->has_subject ? it->m.subject : s->subject;
    m.body_size = it->has_body ? it->m.body_size : s->body_size;
    m.attachment_size = it->has_attachment ? it->m.attachment_size : s->attachment_size;
    m.encoding = it->has_encoding ? it->m.encoding : s->encoding;
    return m;
}

/* Builds the messages; those due at one instant go in one batch (one
 * connection), started by a timer at that instant. */
static void schedule(agent_inst *in, uint64_t base)
{
    const agent_spec *s = in->s;
    int64_t n = s->messages ? (int64_t)s->messages->len : s->count, last = -1;
    for (int64_t i = 0; i < n; i++) {
        msg_spec ms = message_spec(s, i);
        agent_msg m = {0};
        uint64_t seed = base + UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(i + 1);
        GByteArray *b = build_message(s, &ms, seed, host_wall_s(in->env) + ms.at / 1000000000, m.mid, sizeof m.mid);
        m.bytes = b->len;
        m.content = ms.body_size + ms.attachment_size;
        m.env = smtp_envelope_new(s->from);
        for (guint k = 0; k < s->to->len; k++)
            smtp_envelope_add_rcpt(m.env, g_ptr_array_index(s->to, k));
        smtp_envelope_set_data(m.env, b->data, b->len);
        g_byte_array_free(b, TRUE);
        g_array_append_val(in->msgs, m);
        if (i == 0 || ms.at != last) {
            agent_batch *bt = g_new0(agent_batch, 1);
            bt->in = in;
            bt->first = (guint)i;
            g_ptr_array_add(in->batches, bt);
            host_timer(in->env, ms.at, batch_go, bt);
        }
        last = ms.at;
        ((agent_batch *)g_ptr_array_index(in->batches, in->batches->len - 1))->n++;
    }
}

static void *agent_start(app_world *w, const app_spec *a, GError **err)
{
    const agent_spec *s = a->cfg;
    if (!app_world_find(w, "mail-server", s->server)) {
        g_set_error(err, APP_ERROR, APP_ERROR_START, "no mail-server runs on node \"%s\" (its key \"server\")",
                    s->server);
        return NULL;
    }
    agent_inst *in = g_new0(agent_inst, 1);
    in->w = w;
    in->env = app_world_host(w, a->host);
    in->s = s;
    in->name = a->name;
    in->msgs = g_array_new(FALSE, TRUE, sizeof(agent_msg));
    in->batches = g_ptr_array_new_with_free_func(g_free);
    schedule(in, app_world_seed(w) ^ (UINT64_C(0x6a09e667f3bcc909) * (a->index + 1)));
    return in;
}

static void agent_free(void *p)
{
    agent_inst *in = p;
    for (guint i = 0; i < in->batches->len; i++)
        mail_agent_free(((agent_batch *)g_ptr_array_index(in->batches, i))->agent);
    for (guint i = 0; i < in->msgs->len; i++)
        smtp_envelope_free(g_array_index(in->msgs, agent_msg, i).env);
    g_ptr_array_free(in->batches, TRUE);
    g_array_free(in->msgs, TRUE);
    g_free(in);
}

/* ---- following messages through the servers' records ------------------------------- */

/* What the records say of one message. */
typedef struct {
    guint stored;           /* `local` rows: recipients stored in a mailbox */
    int64_t stored_ns;      /* the last of them */
    guint bounced;          /* recipients in `bounced` rows */
} msg_fate;

typedef struct {
    GHashTable *by_mid;     /* Message-ID -> index + 1 (borrowed keys) */
    GHashTable *by_id;      /* "host/id" -> index + 1 (owned keys) */
    msg_fate *fate;
} follow;

/* Splits a `mail` row into its 7 fields (in place in `buf`). */
static bool split_row(char *buf, char **f)
{
    int n = 0;
    f[n++] = buf;
    for (char *p = buf; *p && n < 7; p++)
        if (*p == ',') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n == 7;
}

static void follow_row(void *ud, const char *host, int64_t t_ns, const char *text)
{
    follow *fo = ud;
    char *buf = g_strdup(text), *f[7];
    if (!split_row(buf, f)) {
        g_free(buf);
        return;
    }
    char *key = g_strdup_printf("%s/%s", host, f[1]);
    if (!strcmp(f[0], "received")) {
        const char *lt = strrchr(f[6], '<');
        gpointer v = lt ? g_hash_table_lookup(fo->by_mid, lt) : NULL;
        if (v) {
            g_hash_table_replace(fo->by_id, key, v);
            key = NULL;
        }
    } else {
        guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(fo->by_id, key));
        if (idx && !strcmp(f[0], "local")) {
            fo->fate[idx - 1].stored++;
            fo->fate[idx - 1].stored_ns = t_ns;
        } else if (idx && !strcmp(f[0], "bounced")) {
            gchar **r = g_strsplit(f[3], " ", -1);
            fo->fate[idx - 1].bounced += g_strv_length(r);
            g_strfreev(r);
        }
    }
    g_free(key);
    g_free(buf);
}

/* ---- results ------------------------------------------------------------------- */

typedef struct {
    uint64_t messages, submitted, delivered, bounced, content, bytes;
    double submit_s, delay_s, delay_max_s;
} agent_sums;

/* One message's row of messages.csv, and its part of the sums. */
static void message_row(const agent_inst *in, guint i, const msg_fate *fate, agent_sums *sum, app_collect *out)
{
    const agent_msg *m = &g_array_index(in->msgs, agent_msg, i);
    const mail_agent_result *r = m->agent ? mail_agent_result_get(m->agent, m->slot) : NULL;
    bool submitted = r && r->end_ns >= 0 && r->result == SMTP_RESULT_DELIVERED;
    double start = r && r->start_ns >= 0 ? (double)r->start_ns / 1e9 : NAN;
    double submit = submitted ? (double)(r->end_ns - r->start_ns) / 1e9 : NAN;
    bool delivered = submitted && fate->stored >= in->s->to->len;
    double delay = delivered ? (double)fate->stored_ns / 1e9 - start : NAN;
    const char *outcome = !submitted ? "not-submitted" : delivered ? "delivered"
                                                     : fate->bounced ? "bounced" : "pending";
    app_row(out, "%s,%u,%s,%.9f,%.9f,%s,%d,%u,%u,%.9f,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT, in->name, i,
            m->mid, start, submit, outcome, r ? r->code : 0, fate->stored, fate->bounced, delay,
            m->content, m->bytes);
    sum->messages++;
    sum->bytes += m->bytes;
    sum->content += m->content;
    if (submitted) {
        sum->submitted++;
        sum->submit_s += submit;
    }
    if (delivered) {
        sum->delivered++;
        sum->delay_s += delay;
        sum->delay_max_s = MAX(sum->delay_max_s, delay);
    }
    if (submitted && !delivered && fate->bounced)
        sum->bounced++;
}

static void agent_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                          app_collect *out)
{
    (void)specs;
    agent_sums sum = {0};
    uint64_t wire = 0;
    for (size_t k = 0; k < n; k++) {
        const agent_inst *in = insts[k];
        follow fo = {g_hash_table_new(g_str_hash, g_str_equal), g_hash_table_new_full(g_str_hash, g_str_equal,
                                                                                        g_free, NULL),
                     g_new0(msg_fate, in->msgs->len)};
        for (guint i = 0; i < in->msgs->len; i++)
            g_hash_table_insert(fo.by_mid, g_array_index(in->msgs, agent_msg, i).mid, GUINT_TO_POINTER(i + 1));
        app_world_records(w, "mail", follow_row, &fo);
        for (guint i = 0; i < in->msgs->len; i++)
            message_row(in, i, &fo.fate[i], &sum, out);
        app_transport_stats ts;
        if (app_world_transport_stats(w, specs[k]->host, &ts))
            wire += ts.bytes_sent;
        g_hash_table_destroy(fo.by_mid);
        g_hash_table_destroy(fo.by_id);
        g_free(fo.fate);
    }
    app_metric_count(out, "mail_agent.messages", sum.messages);
    app_metric_count(out, "mail_agent.submitted", sum.submitted);
    app_metric_count(out, "mail_agent.delivered", sum.delivered);
    app_metric_count(out, "mail_agent.bounced", sum.bounced);
    app_metric(out, "mail_agent.submission_time_s", sum.submitted ? sum.submit_s / (double)sum.submitted : NAN);
    app_metric(out, "mail_agent.delivery_delay_s", sum.delivered ? sum.delay_s / (double)sum.delivered : NAN);
    app_metric(out, "mail_agent.delivery_delay_max_s", sum.delivered ? sum.delay_max_s : NAN);
    app_metric(out, "mail_agent.content_bytes", sum.messages ? (double)sum.content / (double)sum.messages : NAN);
    app_metric(out, "mail_agent.message_bytes", sum.messages ? (double)sum.bytes / (double)sum.messages : NAN);
    app_metric(out, "mail_agent.wire_bytes", sum.messages ? (double)wire / (double)sum.messages : NAN);
    app_metric(out, "mail_agent.expansion", sum.content ? (double)sum.bytes / (double)sum.content : NAN);
    if (sum.messages && !sum.submitted)
        app_run_failed(out, "no message was accepted by the agent's mail server");
}

void smtp_app_agent_view(const app_spec *a, const char **server, const char **from, const char **helo,
                         const GPtrArray **to)
{
    const agent_spec *s = a->cfg;
    *server = s->server;
    *from = s->from;
    *helo = s->helo ? s->helo : strrchr(s->from, '@') + 1;
    *to = s->to;
}

/* ---- the timeline, the transcript, formulas, the report ------------------------------ */

static bool agent_endpoints(const app_spec *a, char **server)
{
    *server = g_strdup(((const agent_spec *)a->cfg)->server);
    return true;
}

/* The agent, its server, the local DNS server (when one runs) and the
 * server of its first recipient's domain. */
static size_t agent_columns(const app_world *w, const app_spec *a, char **hosts, size_t max)
{
    const agent_spec *s = a->cfg;
    size_t n = 0;
    if (max < 4)
        return 0;
    hosts[n++] = g_strdup(a->host);
    hosts[n++] = g_strdup(s->server);
    const app_spec *dns = app_world_find(w, "dns-resolver", NULL);
    if (dns)
        hosts[n++] = g_strdup(dns->host);
    const app_spec *ms = app_world_find(w, "mail-server", s->server);
    const char *dest = ms ? smtp_app_route(w, ms, strrchr(g_ptr_array_index(s->to, 0), '@') + 1) : NULL;
    if (dest)
        hosts[n++] = g_strdup(dest);
    return n;
}

static const app_headline agent_headlines[] = {
    {"delivery_delay", "end-to-end delivery delay (s)", "mail_agent.delivery_delay_s", true},
    {"submission_time", "submission time (s)", "mail_agent.submission_time_s", true},
    {"message_bytes", "message size (bytes)", "mail_agent.message_bytes", false},
    {"wire_bytes", "bytes the agent sent per message", "mail_agent.wire_bytes", false},
    {"expansion", "message bytes per content byte", "mail_agent.expansion", false},
    {NULL, NULL, NULL, false}};

static const app_formula agent_formulas[] = {
    {"smtp-submit", smtp_submit_formula}, {"mail-delivery", mail_delivery_formula}, {NULL, NULL}};

static const app_prediction agent_predictions[] = {
    {"smtp-submit", "submission_time"}, {"mail-delivery", "delivery_delay"}, {NULL, NULL}};

static void agent_report(const app_view *m, app_report_style style, GString *out)
{
    double msgs = app_view_metric(m, "mail_agent.messages");
    if (!(msgs >= 0))
        return;
    if (style == APP_REPORT_ROW) {
        g_string_append_printf(out, "delay %.3f s, submission %.3f s, %.0f B (x%.3f)",
                               app_view_metric(m, "mail_agent.delivery_delay_s"),
                               app_view_metric(m, "mail_agent.submission_time_s"),
                               app_view_metric(m, "mail_agent.message_bytes"),
                               app_view_metric(m, "mail_agent.expansion"));
        return;
    }
    double delay = app_view_metric(m, "mail_agent.delivery_delay_s");
    char dl[48] = "";
    if (isfinite(delay))
        g_snprintf(dl, sizeof dl, " (mean delay %.3f s)", delay);
    g_string_append_printf(out,
                           "%smail: %.0f message(s), %.0f submitted in %.3f s on average, %.0f delivered%s, "
                           "%.0f bounced; %.0f bytes per message\n",
                           style == APP_REPORT_CASE ? "    " : "  ", msgs, app_view_metric(m, "mail_agent.submitted"),
                           app_view_metric(m, "mail_agent.submission_time_s"),
                           app_view_metric(m, "mail_agent.delivered"), dl, app_view_metric(m, "mail_agent.bounced"),
                           app_view_metric(m, "mail_agent.message_bytes"));
}

const app_type mail_agent_app = {
    .type = "mail-agent",
    .doc = "a user agent that builds messages (MIME) and submits them to its mail server",
    .config_size = sizeof(agent_spec),
    .keys = agent_keys,
    .check = agent_check,
    .config_clear = agent_clear,
    .hold = APP_HOLD_UNTIL_QUIET,
    .start = agent_start,
    .free = agent_free,
    .collect = agent_collect,
    .csv_file = "messages.csv",
    .csv_header = "agent,index,message_id,start_s,submission_s,outcome,code,stored,bounced,delivery_delay_s,"
                  "content_bytes,message_bytes",
    .headlines = agent_headlines,
    .formulas = agent_formulas,
    .predictions = agent_predictions,
    .endpoints = agent_endpoints,
    .columns = agent_columns,
    .timeline_title = "the mail submitted and relayed",
    .dialogue = &smtp_app_dialogue,
    .label = smtp_app_label,
    .report = agent_report,
};
