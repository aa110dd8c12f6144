/*
 * mail_server: the mail server (MTA): accepting, mailboxes, the queue,
 * retries and bounces. See mail_server.h for the contract; this file
 * keeps the queue as a list in arrival order (entries are created in the
 * order messages arrive and split by domain in first-recipient order),
 * so nothing observable depends on hashing or pointers.
 */
#include "mail_server.h"

#include <stdlib.h>
#include <string.h>

#include "protocols/mailstore/mail_store.h"
#include "smtp_conn.h"

G_DEFINE_QUARK(mail-server-error-quark, mail_server_error)

/* A queue entry's life: waiting for its next attempt, looking up the
 * exchangers or an address, or in an SMTP session. */
#define MAIL_ENTRY_STATES(X)                                                                       \
    X(MAIL_ENTRY_WAITING, "WAITING")                                                               \
    X(MAIL_ENTRY_LOOKUP_MX, "LOOKUP_MX")                                                           \
    X(MAIL_ENTRY_LOOKUP_A, "LOOKUP_A")                                                             \
    X(MAIL_ENTRY_SENDING, "SENDING")                                                               \
    X(MAIL_ENTRY_DONE, "DONE")

typedef enum {
#define MAIL_ENTRY_ENUM(name, text) name,
    MAIL_ENTRY_STATES(MAIL_ENTRY_ENUM)
#undef MAIL_ENTRY_ENUM
} mail_entry_state;

static const char *const mail_entry_state_names[] = {
#define MAIL_ENTRY_NAME(name, text) text,
    MAIL_ENTRY_STATES(MAIL_ENTRY_NAME)
#undef MAIL_ENTRY_NAME
};

/* One (message, destination domain) in the queue. Owned by the server. */
typedef struct {
    mail_server *ms;
    uint64_t id;
    mail_entry_state state;
    char *from;
    char *domain;
    GPtrArray *rcpts; /* char *: recipients still to deliver */
    GBytes *data;
    int64_t arrival;
    int64_t attempt_start;
    unsigned attempts;
    host_timer_id timer;
    uint64_t lookup;
    char *exchangers[MAIL_SERVER_MAX_EXCHANGERS];
    size_t n_exchangers, next_exchanger;
    const char *server; /* the exchanger of this attempt (in exchangers[]) */
    uint16_t port;      /* the port of this attempt's exchangers */
    smtp_client_conn *conn;
    int *codes;          /* the reply to each recipient this attempt (0: none) */
    smtp_result result;  /* the message's result this attempt */
    int result_code;
    char *result_text;
    char *last_reason;   /* why the last attempt failed */
} mail_entry;

/* A message whose local recipients were stored before its 250 (see
 * on_message), waiting for the connection's message() to route it. */
typedef struct {
    GBytes *data;
    GArray *uids; /* uint32_t per forward path: its UID in the store, 0 when not stored */
} mail_predelivery;

/* One accepted SMTP connection. */
typedef struct {
    mail_server *ms;
    smtp_server_conn *conn;
    char peer[64];
    host_timer_id deadline; /* session_limit_ns after the accept; 0: none */
    GQueue predelivered; /* mail_predelivery *, in the order of the 250s */
} mail_session;

struct mail_server {
    host_env *env;
    char **domains, **relay_clients;
    mail_store *store;      /* the mailboxes; owned when own_store */
    bool own_store;
    GPtrArray *route_from, *route_to;
    GArray *route_port; /* uint16_t per route, 0: remote_port */
    unsigned max_connections;
    int64_t session_limit;
    char *greeting;
    uint16_t port, remote_port;
    int64_t retry, give_up;
    host_listener *listener;
    GPtrArray *sessions; /* mail_session * */
    GPtrArray *queue;    /* mail_entry *, arrival order */
    uint64_t next_id;
    mail_server_counters counters;
};

static void entry_attempt(void *ud);
static void route_message(mail_server *ms, uint64_t id, const char *from, GPtrArray *rcpts, GBytes *data,
                          const GArray *uids);

/* ---- helpers ---------------------------------------------------------- */

static const char *addr_domain(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : "";
}

static char *addr_local(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? g_strndup(addr, (gsize)(at - addr)) : g_strdup(addr);
}

static bool in_list(char **list, const char *s)
{
    for (size_t i = 0; list && list[i]; i++)
        if (g_ascii_strcasecmp(list[i], s) == 0)
            return true;
    return false;
}

/* Whether the store has the user; on a Maildir a user another process
 * added since is found by a rescan (cheap when there is no such user). */
static bool has_mailbox(mail_server *ms, const char *user)
{
    if (mail_store_has_user(ms->store, user))
        return true;
    return mail_store_refresh(ms->store, user, NULL) && mail_store_has_user(ms->store, user);
}

static char *join_rcpts(GPtrArray *rcpts)
{
    GString *s = g_string_new("");
    for (guint i = 0; i < rcpts->len; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "", (const char *)g_ptr_array_index(rcpts, i));
    return g_string_free(s, FALSE);
}

/* A record row; commas and newlines in free text become spaces. */
static void record(mail_server *ms, const char *event, uint64_t id, const char *from, GPtrArray *rcpts,
                   const char *server, int code, const char *detail)
{
    char *r = rcpts ? join_rcpts(rcpts) : g_strdup("");
    char *d = g_strdup(detail ? detail : "");
    g_strdelimit(d, ",\r\n", ' ');
    char *row = g_strdup_printf("%s,%" G_GUINT64_FORMAT ",%s,%s,%s,%d,%s", event, id, from, r, server ? server : "",
                                code, d);
    host_record(ms->env, "mail", row);
    host_logf(ms->env, "mail %s", row);
    g_free(row);
    g_free(d);
    g_free(r);
}

static void entry_set_state(mail_entry *e, mail_entry_state to)
{
    if (e->state == to)
        return;
    host_logf(e->ms->env, "mail queue %" G_GUINT64_FORMAT " %s: %s -> %s", e->id, e->domain,
              mail_entry_state_names[e->state], mail_entry_state_names[to]);
    e->state = to;
}

static void entry_free(mail_entry *e)
{
    host_timer_cancel(e->ms->env, e->timer);
    host_lookup_cancel(e->ms->env, e->lookup);
    if (e->conn)
        smtp_client_conn_free(e->conn);
    for (size_t i = 0; i < e->n_exchangers; i++)
        g_free(e->exchangers[i]);
    g_free(e->from);
    g_free(e->domain);
    g_ptr_array_free(e->rcpts, TRUE);
    g_bytes_unref(e->data);
    g_free(e->codes);
    g_free(e->result_text);
    g_free(e->last_reason);
    g_free(e);
}

/* ---- bounces ---------------------------------------------------------- */

/* The original message's header section (up to the empty line). */
static GString *original_headers(GBytes *data)
{
    gsize len;
    const char *p = g_bytes_get_data(data, &len);
    GString *h = g_string_new("");
    gsize end = len;
    for (gsize i = 0; p && i + 1 < len; i++)
        if (p[i] == '\n' && (p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n'))) {
            end = i + 1;
            break;
        }
    if (p)
        g_string_append_len(h, p, (gssize)end);
    return h;
}

/* Bounces `rcpts` of a message (counted bounced) and, unless its sender
 * is the null path, routes a notification to the sender. */
static void bounce(mail_server *ms, uint64_t id, const char *from, GPtrArray *rcpts, GBytes *data, const char *server,
                   int code, const char *reason)
{
    if (rcpts->len == 0)
        return;
    ms->counters.bounced += rcpts->len;
    record(ms, "bounced", id, from, rcpts, server, code, reason);
    if (!from[0])
        return; /* a bounce never bounces */
    GString *m = g_string_new("");
    g_string_append_printf(m, "From: MAILER-DAEMON@%s\r\nTo: <%s>\r\n", ms->domains[0], from);
    g_string_append(m, "Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n"
                       "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
    g_string_append_printf(m, "This is the mail system at %s.\r\n\r\n", ms->greeting);
    g_string_append(m, "Your message could not be delivered to these recipients:\r\n\r\n");
    for (guint i = 0; i < rcpts->len; i++)
        g_string_append_printf(m, "  <%s>\r\n", (const char *)g_ptr_array_index(rcpts, i));
    char *why = g_strdup(reason ? reason : "");
    g_strdelimit(why, "\r\n", ' ');
    g_string_append_printf(m, "\r\nReason: %s%s%s\r\n", server ? server : "", server ? ": " : "", why);
    g_free(why);
    g_string_append(m, "\r\n--- The headers of your message ---\r\n\r\n");
    GString *h = original_headers(data);
    g_string_append_len(m, h->str, (gssize)h->len);
    g_string_free(h, TRUE);
    if (m->len < 2 || m->str[m->len - 1] != '\n')
        g_string_append(m, "\r\n");
    uint64_t nid = ++ms->next_id;
    GPtrArray *to = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(to, g_strdup(from));
    record(ms, "dsn", nid, "", to, NULL, 0, "bounce");
    ms->counters.accepted += 1;
    gsize len = m->len;
    GBytes *b = g_bytes_new_take(g_string_free(m, FALSE), len);
    route_message(ms, nid, "", to, b, NULL);
    g_bytes_unref(b);
    g_ptr_array_free(to, TRUE);
}

/* ---- routing and the queue ------------------------------------------- */

/* Stores a message for its local recipients (`uids`, when not NULL,
 * aligned with them: those already stored by on_message, 0 for the
 * others). Unknown users bounce (550); a store that cannot be written
 * bounces too (451: the only case is a message the server made itself
 * or one whose user appeared after its 250), so nothing is lost without
 * a record. */
static void store_local(mail_server *ms, uint64_t id, const char *from, GPtrArray *rcpts, const GArray *uids,
                        GBytes *data)
{
    GPtrArray *unknown = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *failed = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < rcpts->len; i++) {
        const char *r = g_ptr_array_index(rcpts, i);
        char *local = addr_local(r);
        uint32_t uid = uids ? g_array_index(uids, uint32_t, i) : 0;
        GError *err = NULL;
        if (uid == 0 && has_mailbox(ms, local))
            uid = mail_store_deliver(ms->store, local, data, host_now(ms->env), &err);
        if (uid == 0) {
            bool io = err && err->code == MAIL_STORE_ERROR_IO;
            if (io)
                host_logf(ms->env, "mail %" G_GUINT64_FORMAT " for %s: %s", id, r, err->message);
            g_ptr_array_add(io ? failed : unknown, g_strdup(r));
            g_clear_error(&err);
            g_free(local);
            continue;
        }
        ms->counters.delivered_local++;
        GPtrArray *one = g_ptr_array_new();
        g_ptr_array_add(one, (gpointer)r);
        record(ms, "local", id, from, one, ms->greeting, 250, local);
        g_ptr_array_free(one, TRUE);
        g_free(local);
    }
    bounce(ms, id, from, unknown, data, ms->greeting, 550, "no such mailbox");
    bounce(ms, id, from, failed, data, ms->greeting, 451, "the mailbox could not be written");
    g_ptr_array_free(unknown, TRUE);
    g_ptr_array_free(failed, TRUE);
}

/* Routes a message's recipients (borrowed): local ones to the
 * mailboxes, the others into one queue entry per domain, tried now. */
static void route_message(mail_server *ms, uint64_t id, const char *from, GPtrArray *rcpts, GBytes *data,
                          const GArray *uids)
{
    GPtrArray *local = g_ptr_array_new_with_free_func(g_free);
    GArray *local_uids = uids ? g_array_new(FALSE, FALSE, sizeof(uint32_t)) : NULL;
    GPtrArray *entries = g_ptr_array_new();
    for (guint i = 0; i < rcpts->len; i++) {
        const char *r = g_ptr_array_index(rcpts, i);
        const char *dom = addr_domain(r);
        if (in_list(ms->domains, dom)) {
            g_ptr_array_add(local, g_strdup(r));
            if (local_uids)
                g_array_append_val(local_uids, g_array_index(uids, uint32_t, i));
            continue;
        }
        mail_entry *e = NULL;
        for (guint k = 0; k < entries->len && !e; k++) {
            mail_entry *c = g_ptr_array_index(entries, k);
            if (g_ascii_strcasecmp(c->domain, dom) == 0)
                e = c;
        }
        if (!e) {
            e = g_new0(mail_entry, 1);
            e->ms = ms;
            e->id = id;
            e->state = MAIL_ENTRY_WAITING;
            e->from = g_strdup(from);
            e->domain = g_ascii_strdown(dom, -1);
            e->rcpts = g_ptr_array_new_with_free_func(g_free);
            e->data = g_bytes_ref(data);
            e->arrival = host_now(ms->env);
            g_ptr_array_add(entries, e);
        }
        g_ptr_array_add(e->rcpts, g_strdup(r));
    }
    if (local->len)
        store_local(ms, id, from, local, local_uids, data);
    for (guint k = 0; k < entries->len; k++) {
        mail_entry *e = g_ptr_array_index(entries, k);
        ms->counters.queued += e->rcpts->len;
        g_ptr_array_add(ms->queue, e);
        record(ms, "queued", e->id, e->from, e->rcpts, e->domain, 0, "");
        e->timer = host_timer(ms->env, 0, entry_attempt, e);
    }
    g_ptr_array_free(entries, TRUE);
    g_ptr_array_free(local, TRUE);
    if (local_uids)
        g_array_free(local_uids, TRUE);
}

/* The entry leaves the queue (its recipients already counted). */
static void entry_remove(mail_entry *e)
{
    entry_set_state(e, MAIL_ENTRY_DONE);
    g_ptr_array_remove(e->ms->queue, e);
    entry_free(e);
}

/* The entry's remaining recipients failed for now: retry, or give up. */
static void entry_defer(mail_entry *e, int code, const char *reason)
{
    mail_server *ms = e->ms;
    g_free(e->last_reason);
    e->last_reason = g_strdup(reason);
    if (e->rcpts->len == 0) {
        entry_remove(e);
        return;
    }
    int64_t now = host_now(ms->env);
    ms->counters.deferred++;
    record(ms, "deferred", e->id, e->from, e->rcpts, e->server ? e->server : e->domain, code, reason);
    if (now - e->arrival >= ms->give_up) {
        char *why = g_strdup_printf("gave up after %" G_GINT64_FORMAT " s in the queue: %s",
                                    (now - e->arrival) / 1000000000, reason);
        ms->counters.queued -= e->rcpts->len;
        bounce(ms, e->id, e->from, e->rcpts, e->data, e->server, code, why);
        g_free(why);
        entry_remove(e);
        return;
    }
    entry_set_state(e, MAIL_ENTRY_WAITING);
    int64_t at = e->attempt_start + ms->retry;
    e->timer = host_timer(ms->env, at > now ? at - now : 0, entry_attempt, e);
}

static void entry_connect(mail_entry *e);

/* The next exchanger, or defer when none is left. */
static void entry_next_exchanger(mail_entry *e, const char *reason)
{
    if (e->next_exchanger >= e->n_exchangers) {
        entry_defer(e, 0, reason);
        return;
    }
    entry_connect(e);
}

static void client_event(void *ud, smtp_client_conn *c, const smtp_client_event *ev)
{
    (void)c;
    mail_entry *e = ud;
    if (ev->kind == SMTP_CLIENT_EV_RCPT && ev->rcpt < e->rcpts->len)
        e->codes[ev->rcpt] = ev->code ? ev->code : -1;
    else if (ev->kind == SMTP_CLIENT_EV_MESSAGE) {
        e->result = ev->result;
        e->result_code = ev->code;
        g_free(e->result_text);
        e->result_text = g_strdup(ev->text ? ev->text : "");
    }
}

/* The session is over: sort the recipients by their outcome. */
static void client_closed(void *ud, smtp_client_conn *c)
{
    mail_entry *e = ud;
    mail_server *ms = e->ms;
    smtp_client_conn_free(c);
    e->conn = NULL;
    bool any_reply = false;
    for (guint i = 0; i < e->rcpts->len; i++)
        any_reply = any_reply || e->codes[i] != 0;
    const char *text = e->result_text ? e->result_text : "no result";
    if (e->result == SMTP_RESULT_TEMP_FAILURE && e->result_code == 0 && !any_reply) {
        /* The connection failed before any recipient: next exchanger. */
        entry_next_exchanger(e, text);
        return;
    }
    GPtrArray *done = g_ptr_array_new_with_free_func(g_free), *bad = g_ptr_array_new_with_free_func(g_free),
              *left = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < e->rcpts->len; i++) {
        int code = e->codes[i];
        char *r = g_strdup(g_ptr_array_index(e->rcpts, i));
        if (code >= 200 && code < 300 && e->result == SMTP_RESULT_DELIVERED)
            g_ptr_array_add(done, r);
        else if ((code >= 500 && code < 600) ||
                 (e->result == SMTP_RESULT_PERM_FAILURE && !(code >= 400 && code < 500)))
            g_ptr_array_add(bad, r);
        else
            g_ptr_array_add(left, r);
    }
    if (done->len) {
        ms->counters.relayed += done->len;
        ms->counters.queued -= done->len;
        record(ms, "delivered", e->id, e->from, done, e->server, e->result_code, text);
    }
    if (bad->len) {
        ms->counters.queued -= bad->len;
        int code = e->result == SMTP_RESULT_PERM_FAILURE ? e->result_code : 550;
        for (guint i = 0; i < e->rcpts->len; i++)
            if (e->codes[i] >= 500) {
                code = e->codes[i];
                break;
            }
        bounce(ms, e->id, e->from, bad, e->data, e->server, code, text);
    }
    g_ptr_array_free(e->rcpts, TRUE);
    e->rcpts = left;
    g_ptr_array_free(done, TRUE);
    g_ptr_array_free(bad, TRUE);
    entry_defer(e, e->result_code, text);
}

static const smtp_client_conn_handler client_handler = {.event = client_event, .closed = client_closed};

static void entry_start_session(mail_entry *e, const char *target)
{
    mail_server *ms = e->ms;
    smtp_client_config cc = {.helo_domain = ms->greeting};
    smtp_envelope *env = smtp_envelope_new(e->from);
    for (guint i = 0; i < e->rcpts->len; i++)
        smtp_envelope_add_rcpt(env, g_ptr_array_index(e->rcpts, i));
    gsize len;
    const void *d = g_bytes_get_data(e->data, &len);
    smtp_envelope_set_data(env, d, len);
    g_free(e->codes);
    e->codes = g_new0(int, e->rcpts->len + 1);
    e->result = SMTP_RESULT_TEMP_FAILURE;
    e->result_code = 0;
    g_free(e->result_text);
    e->result_text = NULL;
    entry_set_state(e, MAIL_ENTRY_SENDING);
    GError *err = NULL;
    e->conn = smtp_client_conn_new(ms->env, target, e->port, &cc, &client_handler, e, 0, &err);
    if (!e->conn) {
        smtp_envelope_free(env);
        char *why = g_strdup(err ? err->message : "cannot connect");
        g_clear_error(&err);
        entry_next_exchanger(e, why);
        g_free(why);
        return;
    }
    smtp_client_conn_add_message(e->conn, env);
    smtp_envelope_free(env);
}

static void on_address(void *ud, const char *address, const GError *err)
{
    mail_entry *e = ud;
    e->lookup = 0;
    if (!address) {
        char *why = g_strdup_printf("address lookup of %s failed: %s", e->server, err ? err->message : "?");
        entry_next_exchanger(e, why);
        g_free(why);
        return;
    }
    entry_start_session(e, address);
}

/* Connects to the next exchanger (its address first, when there is a resolver). */
static void entry_connect(mail_entry *e)
{
    mail_server *ms = e->ms;
    e->server = e->exchangers[e->next_exchanger++];
    record(ms, "attempt", e->id, e->from, e->rcpts, e->server, 0, "");
    entry_set_state(e, MAIL_ENTRY_LOOKUP_A);
    e->lookup = host_lookup(ms->env, e->server, on_address, e);
    if (e->lookup == 0)
        entry_start_session(e, e->server);
}

typedef struct {
    long pref;
    size_t order;
    char *name;
} mx_rec;

static int mx_cmp(const void *a, const void *b)
{
    const mx_rec *x = a, *y = b;
    if (x->pref != y->pref)
        return x->pref < y->pref ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

static void set_exchangers_self(mail_entry *e, const char *name)
{
    e->exchangers[0] = g_strdup(name);
    e->n_exchangers = 1;
}

static void on_mx(void *ud, const char *const *data, size_t n, const GError *err)
{
    mail_entry *e = ud;
    e->lookup = 0;
    if (err) {
        char *why = g_strdup_printf("MX lookup of %s failed: %s", e->domain, err->message);
        entry_defer(e, 0, why);
        g_free(why);
        return;
    }
    mx_rec recs[MAIL_SERVER_MAX_EXCHANGERS];
    size_t k = 0;
    for (size_t i = 0; i < n && k < MAIL_SERVER_MAX_EXCHANGERS; i++) {
        char *end = NULL;
        long pref = strtol(data[i], &end, 10);
        if (end == data[i])
            continue;
        while (*end == ' ' || *end == '\t')
            end++;
        char *name = g_strdup(end);
        size_t l = strlen(name);
        if (l > 1 && name[l - 1] == '.')
            name[l - 1] = '\0';
        if (!name[0] || strcmp(name, ".") == 0) { /* null MX (RFC 7505) */
            g_free(name);
            continue;
        }
        recs[k++] = (mx_rec){pref, i, name};
    }
    qsort(recs, k, sizeof recs[0], mx_cmp);
    for (size_t i = 0; i < k; i++)
        e->exchangers[i] = recs[i].name;
    e->n_exchangers = k;
    if (k == 0)
        set_exchangers_self(e, e->domain); /* RFC 5321 5.1: the domain's own address */
    entry_connect(e);
}

static void entry_attempt(void *ud)
{
    mail_entry *e = ud;
    mail_server *ms = e->ms;
    e->timer = 0;
    e->attempts++;
    e->attempt_start = host_now(ms->env);
    for (size_t i = 0; i < e->n_exchangers; i++)
        g_free(e->exchangers[i]);
    e->n_exchangers = e->next_exchanger = 0;
    e->server = NULL;
    e->port = ms->remote_port;
    entry_set_state(e, MAIL_ENTRY_LOOKUP_MX);
    e->lookup = host_lookup_records(ms->env, e->domain, "MX", on_mx, e);
    if (e->lookup)
        return;
    const char *target = e->domain;
    for (guint i = 0; i < ms->route_from->len; i++)
        if (g_ascii_strcasecmp(g_ptr_array_index(ms->route_from, i), e->domain) == 0) {
            target = g_ptr_array_index(ms->route_to, i);
            uint16_t port = g_array_index(ms->route_port, uint16_t, i);
            if (port)
                e->port = port;
            break;
        }
    set_exchangers_self(e, target);
    entry_connect(e);
}

/* ---- accepting ------------------------------------------------------- */

static smtp_decision on_rcpt(void *ud, const char *reverse_path, const char *forward_path)
{
    (void)reverse_path;
    mail_session *s = ud;
    mail_server *ms = s->ms;
    const char *dom = addr_domain(forward_path);
    if (in_list(ms->domains, dom)) {
        char *local = addr_local(forward_path);
        bool ok = has_mailbox(ms, local);
        g_free(local);
        return ok ? (smtp_decision){250, NULL} : (smtp_decision){550, "No such user here"};
    }
    if (dom[0] && in_list(ms->relay_clients, s->peer))
        return (smtp_decision){250, NULL};
    return (smtp_decision){550, "Relay denied"};
}

static void predelivery_free(gpointer q)
{
    mail_predelivery *p = q;
    if (!p)
        return;
    g_bytes_unref(p->data);
    g_array_free(p->uids, TRUE);
    g_free(p);
}

/* Removes again the copies of a refused message stored before the
 * refusal (so the client's retry stores no second copy). */
static void predelivery_undo(mail_server *ms, const smtp_envelope *env, const mail_predelivery *p)
{
    for (guint i = 0; i < p->uids->len; i++) {
        uint32_t uid = g_array_index(p->uids, uint32_t, i);
        if (!uid)
            continue;
        char *local = addr_local(g_ptr_array_index(env->forward_paths, i));
        mail_folder *f = mail_store_folder(ms->store, local, MAIL_STORE_INBOX, NULL);
        int at = f ? mail_folder_find_uid(f, uid) : -1;
        if (at >= 0)
            mail_folder_remove(f, (guint)at, NULL);
        g_free(local);
    }
}

/* A message received whole, before its reply: its local recipients are
 * stored now, so that when the store cannot be written (an IO error of a
 * Maildir) the whole message is answered 451 (SMTP has one reply for the
 * data) and the client tries again later, with the copies already stored
 * for its other recipients removed again. Records, counters and routing
 * wait for session_message, right after the 250, as for any message. */
static smtp_decision on_message(void *ud, const smtp_envelope *env)
{
    mail_session *s = ud;
    mail_server *ms = s->ms;
    mail_predelivery *p = g_new0(mail_predelivery, 1);
    p->data = g_bytes_new(env->data->data, env->data->len);
    p->uids = g_array_new(FALSE, TRUE, sizeof(uint32_t));
    bool failed = false;
    for (guint i = 0; i < env->forward_paths->len; i++) {
        const char *r = g_ptr_array_index(env->forward_paths, i);
        uint32_t uid = 0;
        if (!failed && in_list(ms->domains, addr_domain(r))) {
            char *local = addr_local(r);
            GError *err = NULL;
            if (has_mailbox(ms, local))
                uid = mail_store_deliver(ms->store, local, p->data, host_now(ms->env), &err);
            if (uid == 0 && err && err->code == MAIL_STORE_ERROR_IO) {
                host_logf(ms->env, "mail for %s refused (451): %s", r, err->message);
                failed = true;
            }
            g_clear_error(&err);
            g_free(local);
        }
        g_array_append_val(p->uids, uid);
    }
    if (failed) {
        predelivery_undo(ms, env, p);
        predelivery_free(p);
        return (smtp_decision){451, NULL};
    }
    g_queue_push_tail(&s->predelivered, p);
    return (smtp_decision){250, NULL};
}

/* The Message-ID field of a message's header section (up to the first
 * empty line), "<...>" with its brackets, into out ("" when it has none or
 * it does not fit). O(header bytes). */
static void header_message_id(const uint8_t *d, size_t len, char *out, size_t size)
{
    out[0] = '\0';
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && d[e] != '\n')
            e++;
        size_t n = e > i && d[e - 1] == '\r' ? e - 1 - i : e - i;
        if (n == 0)
            return; /* the end of the header section */
        if (n > 11 && !g_ascii_strncasecmp((const char *)d + i, "Message-ID:", 11)) {
            size_t a = i + 11;
            while (a < i + n && (d[a] == ' ' || d[a] == '\t'))
                a++;
            if (i + n - a < size && i + n - a > 0)
                g_strlcpy(out, (const char *)d + a, i + n - a + 1);
            return;
        }
        i = e + 1;
    }
}

static void session_message(void *ud, smtp_server_conn *c, smtp_envelope *env)
{
    (void)c;
    mail_session *s = ud;
    mail_server *ms = s->ms;
    uint64_t id = ++ms->next_id;
    ms->counters.accepted += env->forward_paths->len;
    mail_predelivery *p = g_queue_pop_head(&s->predelivered);
    bool aligned = p && p->uids->len == env->forward_paths->len;
    GBytes *data = p ? g_bytes_ref(p->data) : g_bytes_new(env->data->data, env->data->len);
    char detail[256], mid[160];
    header_message_id(env->data->data, env->data->len, mid, sizeof mid);
    g_snprintf(detail, sizeof detail, "%u bytes from %s%s%s", env->data->len, s->peer, mid[0] ? " " : "", mid);
    record(ms, "received", id, env->reverse_path, env->forward_paths, ms->greeting, 250, detail);
    route_message(ms, id, env->reverse_path, env->forward_paths, data, aligned ? p->uids : NULL);
    g_bytes_unref(data);
    predelivery_free(p);
    smtp_envelope_free(env);
}

static void session_free(mail_session *s)
{
    /* Messages stored whose 250 was never routed stay in the mailboxes. */
    g_queue_clear_full(&s->predelivered, predelivery_free);
    g_free(s);
}

static void session_closed(void *ud, smtp_server_conn *c, const char *why)
{
    (void)why;
    mail_session *s = ud;
    host_timer_cancel(s->ms->env, s->deadline);
    smtp_server_conn_free(c);
    g_ptr_array_remove(s->ms->sessions, s);
    session_free(s);
}

static const smtp_server_conn_handler server_handler = {.message = session_message, .closed = session_closed};
static const smtp_server_callbacks server_callbacks = {.rcpt = on_rcpt, .message = on_message};

/* The session lasted session_limit_ns: 421, and the connection closes
 * (session_closed follows). */
static void session_deadline(void *ud)
{
    mail_session *s = ud;
    s->deadline = 0;
    smtp_server_conn_shutdown(s->conn);
}

static void on_accept(void *ud, stream_t *st)
{
    mail_server *ms = ud;
    if (ms->max_connections && ms->sessions->len >= ms->max_connections) {
        char line[320];
        int n = g_snprintf(line, sizeof line, "421 %s Too many connections, try again later\r\n", ms->greeting);
        stream_write(st, line, (size_t)MIN(n, (int)sizeof line - 1));
        stream_close(st);
        ms->counters.connections_refused++;
        return;
    }
    ms->counters.connections++;
    mail_session *s = g_new0(mail_session, 1);
    s->ms = ms;
    stream_addr a;
    if (stream_peer_addr(st, &a))
        g_strlcpy(s->peer, a.host, sizeof s->peer);
    smtp_server_config sc = {.domain = ms->greeting};
    g_ptr_array_add(ms->sessions, s);
    s->conn = smtp_server_conn_new(ms->env, st, &sc, &server_callbacks, s, &server_handler, s, 0);
    if (ms->session_limit > 0)
        s->deadline = host_timer(ms->env, ms->session_limit, session_deadline, s);
}

/* ---- the server -------------------------------------------------------- */

static char **copy_list(const char *const *l)
{
    return l ? g_strdupv((char **)l) : g_new0(char *, 1);
}

/* The configured mailboxes become the store's users (no password) when
 * it lacks them. */
static bool add_mailboxes(mail_server *ms, const char *const *boxes, GError **err)
{
    for (size_t i = 0; boxes && boxes[i]; i++) {
        GError *e = NULL;
        if (mail_store_has_user(ms->store, boxes[i]) || mail_store_add_user(ms->store, boxes[i], NULL, &e))
            continue;
        g_set_error(err, MAIL_SERVER_ERROR, 1, "mailbox \"%s\": %s", boxes[i], e->message);
        g_error_free(e);
        return false;
    }
    return true;
}

mail_server *mail_server_new(host_env *env, const mail_server_config *cfg, GError **err)
{
    if (!cfg || !cfg->domains || !cfg->domains[0]) {
        g_set_error(err, MAIL_SERVER_ERROR, 1, "a mail server needs at least one domain of its own");
        return NULL;
    }
    if (cfg->retry_interval_ns < 0 || cfg->give_up_ns < 0 || cfg->session_limit_ns < 0) {
        g_set_error(err, MAIL_SERVER_ERROR, 1,
                    "the retry interval, give-up time and session limit must not be negative");
        return NULL;
    }
    mail_server *ms = g_new0(mail_server, 1);
    ms->env = env;
    ms->domains = copy_list(cfg->domains);
    ms->relay_clients = copy_list(cfg->relay_clients);
    ms->own_store = cfg->store == NULL;
    ms->store = cfg->store ? cfg->store : mail_store_new();
    ms->route_from = g_ptr_array_new_with_free_func(g_free);
    ms->route_to = g_ptr_array_new_with_free_func(g_free);
    ms->route_port = g_array_new(FALSE, FALSE, sizeof(uint16_t));
    for (size_t i = 0; cfg->routes && cfg->routes[i].domain; i++) {
        g_ptr_array_add(ms->route_from, g_strdup(cfg->routes[i].domain));
        g_ptr_array_add(ms->route_to, g_strdup(cfg->routes[i].host ? cfg->routes[i].host : cfg->routes[i].domain));
        g_array_append_val(ms->route_port, cfg->routes[i].port);
    }
    ms->max_connections = cfg->max_connections;
    ms->session_limit = cfg->session_limit_ns;
    ms->greeting = g_strdup(cfg->greeting ? cfg->greeting : cfg->domains[0]);
    ms->port = cfg->any_port ? 0 : cfg->port ? cfg->port : MAIL_SERVER_DEFAULT_PORT;
    ms->remote_port = cfg->remote_port ? cfg->remote_port : MAIL_SERVER_DEFAULT_PORT;
    ms->retry = cfg->retry_interval_ns ? cfg->retry_interval_ns : MAIL_SERVER_DEFAULT_RETRY_NS;
    ms->give_up = cfg->give_up_ns ? cfg->give_up_ns : MAIL_SERVER_DEFAULT_GIVE_UP_NS;
    ms->sessions = g_ptr_array_new();
    ms->queue = g_ptr_array_new();
    if (!add_mailboxes(ms, cfg->mailboxes, err)) {
        mail_server_free(ms);
        return NULL;
    }
    ms->listener = host_listen(env, ms->port, on_accept, ms, err);
    if (!ms->listener) {
        mail_server_free(ms);
        return NULL;
    }
    return ms;
}

void mail_server_free(mail_server *ms)
{
    if (!ms)
        return;
    host_unlisten(ms->env, ms->listener);
    for (guint i = 0; i < ms->sessions->len; i++) {
        mail_session *s = g_ptr_array_index(ms->sessions, i);
        host_timer_cancel(ms->env, s->deadline);
        smtp_server_conn_free(s->conn);
        session_free(s);
    }
    g_ptr_array_free(ms->sessions, TRUE);
    for (guint i = 0; i < ms->queue->len; i++)
        entry_free(g_ptr_array_index(ms->queue, i));
    g_ptr_array_free(ms->queue, TRUE);
    if (ms->own_store)
        mail_store_free(ms->store);
    g_ptr_array_free(ms->route_from, TRUE);
    g_ptr_array_free(ms->route_to, TRUE);
    g_array_free(ms->route_port, TRUE);
    g_strfreev(ms->domains);
    g_strfreev(ms->relay_clients);
    g_free(ms->greeting);
    g_free(ms);
}

const mail_server_counters *mail_server_counters_get(const mail_server *ms) { return &ms->counters; }

uint16_t mail_server_port(const mail_server *ms) { return host_listener_port(ms->env, ms->listener); }

mail_store *mail_server_store(const mail_server *ms) { return ms->store; }
