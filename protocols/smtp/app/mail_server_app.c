/*
 * mail_server_app: the "mail-server" application type — its keys, the
 * server started on its host, its counters as metrics (mail.*), its
 * `mail` records as mail.csv, and the SMTP dialogue and labels of its
 * port.
 */
#include <string.h>

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
    {0}};

static void server_check(app_reader *r, void *cfg)
{
    const mail_server_spec *s = cfg;
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
    GPtrArray **lists[] = {&s->domains, &s->mailboxes, &s->relay_for, &s->routes};
    for (size_t i = 0; i < G_N_ELEMENTS(lists); i++)
        if (*lists[i]) {
            g_ptr_array_free(*lists[i], TRUE);
            *lists[i] = NULL;
        }
}

static size_t server_listens(const void *cfg, uint16_t *ports, size_t max)
{
    if (max < 1)
        return 0;
    ports[0] = (uint16_t)((const mail_server_spec *)cfg)->port;
    return 1;
}

/* ---- running ------------------------------------------------------------------- */

typedef struct {
    mail_server *ms;
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
    in->ms = mail_server_new(app_world_host(w, a->host), &c, err);
    g_free(domains);
    g_free(boxes);
    g_free(relay);
    g_free(routes);
    if (!in->ms) {
        g_free(in);
        return NULL;
    }
    return in;
}

static void server_free(void *p)
{
    server_inst *in = p;
    mail_server_free(in->ms);
    g_free(in);
}

/* ---- results ------------------------------------------------------------------- */

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
    .doc = "a mail server (SMTP): mailboxes for its domains, a queue with retries and bounces for the others",
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
    .dialogue = &smtp_app_dialogue,
    .label = smtp_app_label,
    .report = server_report,
};
