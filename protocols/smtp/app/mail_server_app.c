/*
 * mail_server_app: the "mail-server" application type — its keys, the
 * server started on its host (SMTP, and POP3 and IMAP over the same
 * mailboxes when asked: mail_access.c), the services it offers the
 * applications of its node ("mail-store": its mail_store, "mail-server":
 * its mail_server), its counters as metrics (mail.*, pop3.*, imap.*),
 * its `mail` records as mail.csv, and the dialogue and labels of its
 * ports.
 */
#include <string.h>

#include "protocols/mailstore/mail_store.h"
#include "protocols/smtp/mail_server.h"
#include "smtp_apps.h"

/* ---- keys ---------------------------------------------------------------------- */

static void read_domains(app_reader *r, const char *key, void *field)
{
    GPtrArray *l = smtp_app_read_strings(r, key, "a list of domains like [\"hamburger.edu\"]", false);
    *(GPtrArray **)field = l;
    if (!app_reader_failed(r) && l->len == 0)
        app_reader_fail(r, key, "a mail server needs at least one domain, like [\"hamburger.edu\"]");
}

static void read_mailboxes(app_reader *r, const char *key, void *field)
{
    *(GPtrArray **)field = smtp_app_read_strings(r, key, "a list of mailboxes (local parts) like [\"bob\"]", false);
}

static void read_relay(app_reader *r, const char *key, void *field)
{
    *(GPtrArray **)field = smtp_app_read_strings(r, key, "a list of nodes like [\"alice\"]", true);
}

/* A domain name: labels of letters, digits and '-' separated by dots. */
static bool domain_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '.')
            return false;
    return true;
}

/* "routes": {"hamburger.edu": "bob-server", ...} into domain, node pairs. */
static void read_routes(app_reader *r, const char *key, void *field)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    *(GPtrArray **)field = out;
    if (!app_reader_enter_object(r, key, "an object of domains and nodes like {\"hamburger.edu\": \"bob-server\"}"))
        return;
    for (int i = 0; !app_reader_failed(r); i++) {
        const char *dom = app_reader_key_at(r, i);
        if (!dom)
            break;
        if (!domain_ok(dom)) {
            app_reader_fail(r, dom, "\"%s\" is not a domain name (letters, digits, '-' and dots)", dom);
            break;
        }
        app_reader_enter_key(r, dom);
        const char *node = app_reader_string(r);
        if (!node)
            app_reader_fail_expected(r, NULL, "a node's name");
        else if (app_reader_host(r, NULL, node)) {
            g_ptr_array_add(out, g_strdup(dom));
            g_ptr_array_add(out, g_strdup(node));
        }
        app_reader_leave(r);
    }
    app_reader_leave(r);
}

/* "accounts": {"bob": "hungry", ...} into user, password pairs. */
static void read_accounts(app_reader *r, const char *key, void *field)
{
    app_reader_credentials(r, key, "{\"bob\": \"hungry\"}", " \t\r\n@", "no spaces or '@'", field);
}

static const app_key preload_keys[] = {
    {.name = "mailbox", .kind = APP_KEY_STRING, .offset = offsetof(mail_preload_spec, mailbox), .required = true},
    {.name = "count", .kind = APP_KEY_INT, .offset = offsetof(mail_preload_spec, count), .required = true, .lo = 0,
     .hi = 100000, .expected = "a count from 0 to 100000"},
    {.name = "size", .kind = APP_KEY_SIZE, .offset = offsetof(mail_preload_spec, size), .def = 10000, .lo = 1,
     .hi = 10e6},
    {.name = "from", .kind = APP_KEY_STRING, .offset = offsetof(mail_preload_spec, from)},
    {0}};

/* "preload": {"mailbox": "bob", "count": 10, "size": "10KB", "from": ...}. */
static void read_preload(app_reader *r, const char *key, void *field)
{
    mail_preload_spec *p = field;
    if (!app_reader_enter_object(r, key, "an object like {\"mailbox\": \"bob\", \"count\": 10, \"size\": \"10KB\"}"))
        return;
    app_reader_table(r, NULL, preload_keys, p);
    if (!app_reader_failed(r) && p->from && !strchr(p->from, '@'))
        app_reader_fail(r, "from", "\"%s\" is not an address like \"alice@crepes.fr\"", p->from);
    app_reader_leave(r);
}

static const app_key server_keys[] = {
    {.name = "domains", .kind = APP_KEY_CUSTOM, .offset = offsetof(mail_server_spec, domains), .read = read_domains},
    {.name = "mailboxes", .kind = APP_KEY_CUSTOM, .offset = offsetof(mail_server_spec, mailboxes),
     .read = read_mailboxes},
    {.name = "relay_for", .kind = APP_KEY_CUSTOM, .offset = offsetof(mail_server_spec, relay_for), .read = read_relay},
    {.name = "routes", .kind = APP_KEY_CUSTOM, .offset = offsetof(mail_server_spec, routes), .read = read_routes},
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(mail_server_spec, port), .def = 25, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "remote_port", .kind = APP_KEY_INT, .offset = offsetof(mail_server_spec, remote_port), .def = 25,
     .lo = 1, .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "retry_interval", .kind = APP_KEY_TIME, .offset = offsetof(mail_server_spec, retry_interval),
     .def = 1800e9, .lo = 1e9, .hi = 86400e9},
    {.name = "give_up", .kind = APP_KEY_TIME, .offset = offsetof(mail_server_spec, give_up), .def = 432000e9,
     .lo = 1e9, .hi = 1000000e9},
    {.name = "greeting", .kind = APP_KEY_STRING, .offset = offsetof(mail_server_spec, greeting)},
    {.name = "accounts", .kind = APP_KEY_CUSTOM, .offset = offsetof(mail_server_spec, accounts), .read = read_accounts},
    {.name = "pop3", .kind = APP_KEY_BOOL, .offset = offsetof(mail_server_spec, pop3)},
    {.name = "pop3_port", .kind = APP_KEY_INT, .offset = offsetof(mail_server_spec, pop3_port), .def = 110, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "imap", .kind = APP_KEY_BOOL, .offset = offsetof(mail_server_spec, imap)},
    {.name = "imap_port", .kind = APP_KEY_INT, .offset = offsetof(mail_server_spec, imap_port), .def = 143, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "preload", .kind = APP_KEY_CUSTOM, .offset = offsetof(mail_server_spec, preload),
     .read = read_preload},
    {0}};

/* Whether `user` is one of the server's mailboxes or accounts. */
static bool has_mailbox(const mail_server_spec *s, const char *user)
{
    for (guint i = 0; s->mailboxes && i < s->mailboxes->len; i++)
        if (!strcmp(g_ptr_array_index(s->mailboxes, i), user))
            return true;
    for (guint i = 0; s->accounts && i < s->accounts->len; i += 2)
        if (!strcmp(g_ptr_array_index(s->accounts, i), user))
            return true;
    return false;
}

bool mail_server_spec_has_account(const mail_server_spec *s, const char *user, const char **password)
{
    for (guint i = 0; s->accounts && i + 1 < s->accounts->len; i += 2)
        if (!strcmp(g_ptr_array_index(s->accounts, i), user)) {
            if (password)
                *password = g_ptr_array_index(s->accounts, i + 1);
            return true;
        }
    return false;
}

/* Ports of one host may not be shared: SMTP's, POP3's, IMAP's. */
static void check_ports(app_reader *r, const mail_server_spec *s)
{
    if (s->pop3 && s->pop3_port == s->port)
        app_reader_fail(r, "pop3_port", "%" G_GINT64_FORMAT " is already the SMTP port (\"port\")", s->pop3_port);
    else if (s->imap && s->imap_port == s->port)
        app_reader_fail(r, "imap_port", "%" G_GINT64_FORMAT " is already the SMTP port (\"port\")", s->imap_port);
    else if (s->imap && s->pop3 && s->imap_port == s->pop3_port)
        app_reader_fail(r, "imap_port", "%" G_GINT64_FORMAT " is already the POP3 port (\"pop3_port\")",
                        s->imap_port);
}

static void server_check(app_reader *r, void *cfg)
{
    const mail_server_spec *s = cfg;
    check_ports(r, s);
    if (!app_reader_failed(r) && s->preload.mailbox && !has_mailbox(s, s->preload.mailbox)) {
        app_reader_enter_object(r, "preload", "");
        app_reader_fail(r, "mailbox", "\"%s\" is none of this server's mailboxes or accounts", s->preload.mailbox);
        app_reader_leave(r);
    }
    for (guint i = 0; s->routes && i + 1 < s->routes->len && !app_reader_failed(r); i += 2)
        for (guint k = 0; k < s->domains->len; k++)
            if (!g_ascii_strcasecmp(g_ptr_array_index(s->routes, i), g_ptr_array_index(s->domains, k))) {
                app_reader_enter_object(r, "routes", "");
                app_reader_fail(r, g_ptr_array_index(s->routes, i),
                                "\"%s\" is one of this server's own domains: its mail is stored here, not routed",
                                (const char *)g_ptr_array_index(s->routes, i));
                app_reader_leave(r);
                break;
            }
}

static void server_clear(void *cfg)
{
    mail_server_spec *s = cfg;
    GPtrArray **lists[] = {&s->domains, &s->mailboxes, &s->relay_for, &s->routes, &s->accounts};
    for (size_t i = 0; i < G_N_ELEMENTS(lists); i++)
        if (*lists[i]) {
            g_ptr_array_free(*lists[i], TRUE);
            *lists[i] = NULL;
        }
    g_clear_pointer(&s->preload.mailbox, g_free);
    g_clear_pointer(&s->preload.from, g_free);
}

static size_t server_listens(const void *cfg, uint16_t *ports, size_t max)
{
    const mail_server_spec *s = cfg;
    size_t n = 0;
    if (n < max)
        ports[n++] = (uint16_t)s->port;
    if (s->pop3 && n < max)
        ports[n++] = (uint16_t)s->pop3_port;
    if (s->imap && n < max)
        ports[n++] = (uint16_t)s->imap_port;
    return n;
}

/* ---- running ------------------------------------------------------------------- */

typedef struct {
    mail_server *ms;
    mail_store *store;  /* its mailboxes, shared with the access servers */
    mail_access *access; /* POP3 and IMAP; NULL when neither */
    const char *name; /* the application's, borrowed from the scenario */
} server_inst;

/* A NULL-terminated array of the list's strings (borrowed), or NULL. */
static const char **terminated(const GPtrArray *l)
{
    if (!l || !l->len)
        return NULL;
    const char **v = g_new0(const char *, l->len + 1);
    for (guint i = 0; i < l->len; i++)
        v[i] = g_ptr_array_index(l, i);
    return v;
}

static void *server_start(app_world *w, const app_spec *a, GError **err)
{
    const mail_server_spec *s = a->cfg;
    const char **domains = terminated(s->domains), **boxes = terminated(s->mailboxes),
               **relay = terminated(s->relay_for);
    guint nr = s->routes ? s->routes->len / 2 : 0;
    mail_route *routes = g_new0(mail_route, nr + 1);
    for (guint i = 0; i < nr; i++) {
        routes[i].domain = g_ptr_array_index(s->routes, 2 * i);
        routes[i].host = g_ptr_array_index(s->routes, 2 * i + 1);
    }
    mail_server_config c = {.domains = domains, .mailboxes = boxes, .relay_clients = relay, .routes = routes,
                            .greeting = s->greeting, .port = (uint16_t)s->port,
                            .remote_port = (uint16_t)s->remote_port, .retry_interval_ns = s->retry_interval,
                            .give_up_ns = s->give_up};
    server_inst *in = g_new0(server_inst, 1);
    in->name = a->name;
    in->store = mail_store_new();
    c.store = in->store;
    host_env *env = app_world_host(w, a->host);
    bool ok = true;
    for (guint i = 0; s->accounts && i + 1 < s->accounts->len && ok; i += 2)
        ok = mail_store_add_user(in->store, g_ptr_array_index(s->accounts, i),
                                 g_ptr_array_index(s->accounts, i + 1), err);
    ok = ok && (in->ms = mail_server_new(env, &c, err)) != NULL;
    g_free(domains);
    g_free(boxes);
    g_free(relay);
    g_free(routes);
    /* The preload is in before anything else runs (time 0, in start). */
    ok = ok && mail_access_preload(in->store, s, err);
    if (ok && (s->pop3 || s->imap))
        ok = (in->access = mail_access_new(env, s, in->store, err)) != NULL;
    if (ok && !(app_world_offer(w, a->host, "mail-store", in->store) &&
                app_world_offer(w, a->host, "mail-server", in->ms))) {
        g_set_error(err, APP_ERROR, APP_ERROR_START, "node \"%s\" runs two mail servers: one per node", a->host);
        ok = false;
    }
    if (!ok) {
        mail_access_free(in->access);
        mail_server_free(in->ms);
        mail_store_free(in->store);
        g_free(in);
        return NULL;
    }
    return in;
}

static void server_free(void *p)
{
    server_inst *in = p;
    mail_access_free(in->access);
    mail_server_free(in->ms);
    mail_store_free(in->store);
    g_free(in);
}

/* ---- results ------------------------------------------------------------------- */

/* The access servers' counters (pop3.*, imap.*), summed over the
 * mail-servers that run them; nothing when none does. */
static void collect_access(void *const *insts, const app_spec *const *specs, size_t n, app_collect *out)
{
    static const char *const proto[] = {"pop3", "imap"};
    for (int k = 0; k < 2; k++) {
        mail_access_counters sum = {0}, c;
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            const mail_server_spec *s = specs[i]->cfg;
            if (!(k ? s->imap : s->pop3))
                continue;
            any = true;
            mail_access_counters_get(((const server_inst *)insts[i])->access, k == 1, &c);
            sum.sessions += c.sessions;
            sum.logins += c.logins;
            sum.retrieved += c.retrieved;
            sum.deleted += c.deleted;
            sum.bytes_in += c.bytes_in;
            sum.bytes_out += c.bytes_out;
        }
        if (!any)
            continue;
        char key[32];
        const char *names[] = {"sessions", "logins", "retrieved", "deleted", "bytes_in", "bytes_out"};
        uint64_t vals[] = {sum.sessions, sum.logins, sum.retrieved, sum.deleted, sum.bytes_in, sum.bytes_out};
        for (int j = 0; j < 6; j++) {
            if (k == 1 && j >= 1 && j <= 3)
                continue; /* the IMAP glue does not see logins or messages: the readers count them */
            g_snprintf(key, sizeof key, "%s.%s", proto[k], names[j]);
            app_metric_count(out, key, vals[j]);
        }
    }
}

/* The counters summed over every mail-server, and the invariant of each:
 * accepted = delivered_local + relayed + bounced + queued. A server for
 * which it does not hold fails the run (the first such is named). */
static void server_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                           app_collect *out)
{
    (void)w;
    mail_server_counters sum = {0};
    for (size_t i = 0; i < n; i++) {
        const server_inst *in = insts[i];
        const mail_server_counters *c = mail_server_counters_get(in->ms);
        sum.accepted += c->accepted;
        sum.delivered_local += c->delivered_local;
        sum.relayed += c->relayed;
        sum.bounced += c->bounced;
        sum.queued += c->queued;
        sum.deferred += c->deferred;
        if (c->accepted != c->delivered_local + c->relayed + c->bounced + c->queued) {
            char *why = g_strdup_printf("mail server \"%s\": its counters do not add up: accepted %" G_GUINT64_FORMAT
                                        " != delivered_local %" G_GUINT64_FORMAT " + relayed %" G_GUINT64_FORMAT
                                        " + bounced %" G_GUINT64_FORMAT " + queued %" G_GUINT64_FORMAT,
                                        specs[i]->name, c->accepted, c->delivered_local, c->relayed, c->bounced,
                                        c->queued);
            app_run_failed(out, why);
            g_free(why);
        }
    }
    app_metric_count(out, "mail.accepted", sum.accepted);
    app_metric_count(out, "mail.delivered_local", sum.delivered_local);
    app_metric_count(out, "mail.relayed", sum.relayed);
    app_metric_count(out, "mail.bounced", sum.bounced);
    app_metric_count(out, "mail.queued", sum.queued);
    app_metric_count(out, "mail.deferred", sum.deferred);
    collect_access(insts, specs, n, out);
}

static const app_record_table server_records[] = {
    {"mail", "mail.csv", "event,msg_id,from,recipients,server,code,detail"}, {NULL, NULL, NULL}};

static const app_headline server_headlines[] = {
    {"mail_deferred", "deferred delivery attempts", "mail.deferred", false},
    {"mail_bounced", "recipients bounced", "mail.bounced", false},
    {NULL, NULL, NULL, false}};

static void server_report(const app_view *m, app_report_style style, GString *out)
{
    double acc = app_view_metric(m, "mail.accepted");
    if (style == APP_REPORT_ROW || !(acc >= 0))
        return;
    g_string_append_printf(out,
                           "%smail servers: %.0f recipient(s) accepted: %.0f stored, %.0f relayed, %.0f bounced, "
                           "%.0f queued; %.0f deferred attempt(s)\n",
                           style == APP_REPORT_CASE ? "    " : "  ", acc, app_view_metric(m, "mail.delivered_local"),
                           app_view_metric(m, "mail.relayed"), app_view_metric(m, "mail.bounced"),
                           app_view_metric(m, "mail.queued"), app_view_metric(m, "mail.deferred"));
}

const app_type mail_server_app = {
    .type = "mail-server",
    .doc = "a mail server (SMTP; POP3 and IMAP on its mailboxes when asked): mailboxes for its domains, a queue "
           "with retries and bounces for the others",
    .config_size = sizeof(mail_server_spec),
    .keys = server_keys,
    .check = server_check,
    .config_clear = server_clear,
    .listens = server_listens,
    .hold = APP_HOLD_NONE,
    .start = server_start,
    .free = server_free,
    .collect = server_collect,
    .records = server_records,
    .headlines = server_headlines,
    .dialogue = &mail_access_dialogue,
    .label = mail_access_label,
    .report = server_report,
};
