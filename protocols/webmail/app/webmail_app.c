/*
 * webmail_app: the "webmail" application type — a web server on a mail
 * server's node that shows its mailboxes to browsers (webmail.h) and
 * sends what they write over SMTP to that mail server.
 *
 * It needs a "mail-server" on its node (a located error at start
 * otherwise): the mailboxes are the store that server offers to the
 * applications of its node (app_world_service "mail-store"), found when
 * the first request comes (so that the order of "apps" does not matter).
 * A message sent through the form is submitted over SMTP to the node's
 * own mail server (one mail_agent, one connection, per message), from
 * <user>@<domain>.
 *
 * Results (summary.json): webmail.requests; webmail.status_<class>xx;
 * webmail.inbox_pages, webmail.message_pages, webmail.part_pages (200
 * answers); webmail.page_bytes (body bytes of those answers);
 * webmail.auth_failures (401 answers); webmail.sent (messages handed to
 * SMTP); webmail.mailbox_messages and webmail.mailbox_bytes (the served
 * mailbox at the end of the run, `user`'s, or the first account's when
 * it serves any); webmail.bytes_per_mailbox_byte (page bytes over mailbox
 * bytes); webmail.session_s (from the first request's arrival to the
 * last answer, seconds). webmail.csv has one row per request: the page
 * (inbox, message, part, other), its status and its body's bytes.
 */
#include <math.h>
#include <string.h>

#include "protocols/http/app/http_apps.h"
#include "protocols/http/http_server.h"
#include "protocols/smtp/app/smtp_apps.h"
#include "protocols/smtp/mail_agent.h"
#include "protocols/webmail/webmail.h"
#include "webmail_apps.h"

typedef struct {
    int64_t port;
    char *user, *password; /* the account served (NULL: any) */
    char *mailbox;
    char *domain;          /* NULL: the mail-server's first domain */
    int64_t page_size;
    uint64_t max_form;
} webmail_spec;

static const app_key webmail_keys[] = {
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(webmail_spec, port), .def = 80, .lo = 1, .hi = 65535,
     .expected = "a port from 1 to 65535"},
    {.name = "user", .kind = APP_KEY_STRING, .offset = offsetof(webmail_spec, user)},
    {.name = "password", .kind = APP_KEY_STRING, .offset = offsetof(webmail_spec, password)},
    {.name = "mailbox", .kind = APP_KEY_STRING, .offset = offsetof(webmail_spec, mailbox), .def_text = "INBOX"},
    {.name = "domain", .kind = APP_KEY_STRING, .offset = offsetof(webmail_spec, domain)},
    {.name = "page_size", .kind = APP_KEY_INT, .offset = offsetof(webmail_spec, page_size),
     .def = WEBMAIL_PAGE_SIZE, .lo = 1, .hi = WEBMAIL_PAGE_SIZE, .expected = "a whole number of rows from 1 to 1000"},
    {.name = "max_form", .kind = APP_KEY_SIZE, .offset = offsetof(webmail_spec, max_form), .def = WEBMAIL_MAX_FORM,
     .lo = 1, .hi = 64.0 * 1024 * 1024},
    {0}};

static void webmail_check(app_reader *r, void *cfg)
{
    webmail_spec *s = cfg;
    if (s->password && !s->user)
        app_reader_fail(r, "password", "a password needs the \"user\" it belongs to");
    if (s->user && (strchr(s->user, ':') || strpbrk(s->user, "/\r\n")))
        app_reader_fail(r, "user", "a user name may not hold ':', '/' or a line break");
}

/* ---- the running application ------------------------------------------------------ */

typedef struct {
    app_world *w;
    const app_spec *a;
    const webmail_spec *s;
    host_env *env;
    http_server *server;
    mail_store *store;     /* found at the first request */
    uint16_t smtp_port;
    char *domain;
    GPtrArray *agents;     /* of mail_agent*: one per message sent, freed with the application */
    uint64_t requests, status[6], inbox, message, part, page_bytes, auth_failures, sent;
    int64_t first_ns, last_ns; /* the first request's arrival, the last answer's hand-over; -1: none */
} webmail_inst;

static void agent_done(void *ud, mail_agent *a)
{
    (void)ud;
    (void)a; /* its result stays in the agent's records (mail-agent rows) */
}

static bool submit(void *ud, const char *from, const char *const *to, GBytes *msg)
{
    webmail_inst *in = ud;
    mail_agent *ag = mail_agent_new(in->env, host_name(in->env), in->smtp_port, in->domain, agent_done, in);
    smtp_envelope *e = smtp_envelope_new(from);
    for (int i = 0; to[i]; i++)
        smtp_envelope_add_rcpt(e, to[i]);
    gsize n;
    const void *p = g_bytes_get_data(msg, &n);
    smtp_envelope_set_data(e, p, n);
    mail_agent_add(ag, e);
    smtp_envelope_free(e);
    GError *err = NULL;
    if (!mail_agent_start(ag, &err)) {
        g_clear_error(&err);
        mail_agent_free(ag);
        return false;
    }
    g_ptr_array_add(in->agents, ag);
    in->sent++;
    return true;
}

static mail_store *find_store(webmail_inst *in)
{
    if (in->store)
        return in->store;
    in->store = app_world_service(in->w, in->a->host, "mail-store");
    /* A `password` for the served user is that user's when the store
     * gives none (a mail-server without `accounts`). */
    if (in->store && in->s->user && in->s->password && mail_store_has_user(in->store, in->s->user) &&
        !mail_store_password(in->store, in->s->user))
        mail_store_set_password(in->store, in->s->user, in->s->password);
    return in->store;
}

static void count(webmail_inst *in, const http_msg *req, const webmail_response *r)
{
    if (in->first_ns < 0)
        in->first_ns = host_now(in->env);
    in->last_ns = host_now(in->env);
    in->requests++;
    in->status[r->status / 100 % 6]++;
    if (r->status == 401)
        in->auth_failures++;
    const char *t = req->target ? req->target : "";
    const char *kind = "other";
    if (r->status == 200) {
        if (strstr(t, "/part/")) {
            in->part++;
            kind = "part";
        } else if (strstr(t, "/mail/msg/")) {
            in->message++;
            kind = "message";
        } else {
            in->inbox++;
            kind = "inbox";
        }
        in->page_bytes += g_bytes_get_size(r->body);
    }
    char row[160];
    g_snprintf(row, sizeof row, "%s,%d,%" G_GSIZE_FORMAT, kind, r->status, g_bytes_get_size(r->body));
    host_record(in->env, "webmail", row);
}

static void handle(void *ud, http_server_job *job, const http_msg *req, const uint8_t *body, uint64_t body_len)
{
    webmail_inst *in = ud;
    webmail_config c;
    webmail_config_default(&c);
    c.mailbox = in->s->mailbox ? in->s->mailbox : MAIL_STORE_INBOX;
    c.user = in->s->user;
    c.domain = in->domain;
    c.page_size = (uint32_t)in->s->page_size;
    c.max_form = in->s->max_form;
    webmail_response r;
    webmail_handle(&c, find_store(in), req, body, body_len, host_wall_s(in->env), submit, in, &r);
    count(in, req, &r);
    http_msg *resp = http_server_job_response(job, r.status);
    if (r.content_type)
        http_msg_add(resp, "Content-Type", r.content_type);
    if (r.location)
        http_msg_add(resp, "Location", r.location);
    if (r.www_authenticate)
        http_msg_add(resp, "WWW-Authenticate", r.www_authenticate);
    if (r.allow)
        http_msg_add(resp, "Allow", r.allow);
    if (r.disposition)
        http_msg_add(resp, "Content-Disposition", r.disposition);
    if (r.nosniff)
        http_msg_add(resp, "X-Content-Type-Options", "nosniff");
    http_msg_add(resp, "Cache-Control", "no-store");
    gsize n = g_bytes_get_size(r.body);
    http_msg_addf(resp, "Content-Length", "%" G_GSIZE_FORMAT, n);
    http_server_job_reply(job, resp, r.body, 0, n);
    webmail_response_clear(&r);
}

static void *webmail_start(app_world *w, const app_spec *a, GError **err)
{
    const webmail_spec *s = a->cfg;
    const app_spec *ms = app_world_find(w, "mail-server", a->host);
    if (!ms) {
        g_set_error(err, APP_ERROR, APP_ERROR_START,
                    "$.apps[%u].host: web mail \"%s\" reads the mailboxes of a mail-server on its node, and node "
                    "\"%s\" runs none (add a \"mail-server\" with \"host\": \"%s\")",
                    a->index, a->name, a->host, a->host);
        return NULL;
    }
    const mail_server_spec *mss = ms->cfg;
    webmail_inst *in = g_new0(webmail_inst, 1);
    in->w = w;
    in->a = a;
    in->s = s;
    in->env = app_world_host(w, a->host);
    in->first_ns = in->last_ns = -1;
    in->smtp_port = (uint16_t)mss->port;
    in->domain = g_strdup(s->domain                            ? s->domain
                          : mss->domains && mss->domains->len ? (const char *)g_ptr_array_index(mss->domains, 0)
                                                               : "localhost");
    in->agents = g_ptr_array_new_with_free_func((GDestroyNotify)mail_agent_free);
    http_server_config sc;
    http_server_config_default(&sc);
    sc.port = (uint16_t)s->port;
    sc.cookies = false;
    sc.max_body_memory = s->max_form + 1; /* a larger form is refused by the parser (413) */
    in->server = http_server_new(in->env, NULL, &sc, err);
    if (!in->server) {
        g_ptr_array_unref(in->agents);
        g_free(in->domain);
        g_free(in);
        return NULL;
    }
    http_server_set_handler(in->server, handle, in);
    find_store(in);
    return in;
}

static void webmail_free(void *p)
{
    webmail_inst *in = p;
    http_server_free(in->server);
    g_ptr_array_unref(in->agents);
    g_free(in->domain);
    g_free(in);
}

/* ---- results ------------------------------------------------------------------- */

/* The served mailbox of the first instance: `user`'s, or the first
 * account's when it serves any; NULL when there is none. */
static mail_folder *served_folder(const app_world *w, const webmail_inst *in)
{
    mail_store *st = in->store ? in->store : app_world_service(w, in->a->host, "mail-store");
    if (!st)
        return NULL;
    const char *box = in->s->mailbox ? in->s->mailbox : MAIL_STORE_INBOX;
    if (in->s->user)
        return mail_store_folder(st, in->s->user, box, NULL);
    char **users = mail_store_users(st);
    mail_folder *f = users && users[0] ? mail_store_folder(st, users[0], box, NULL) : NULL;
    g_strfreev(users);
    return f;
}

static void webmail_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                            app_collect *out)
{
    (void)specs;
    webmail_inst sum = {0};
    sum.first_ns = sum.last_ns = -1;
    for (size_t i = 0; i < n; i++) {
        const webmail_inst *in = insts[i];
        if (in->first_ns >= 0 && (sum.first_ns < 0 || in->first_ns < sum.first_ns))
            sum.first_ns = in->first_ns;
        sum.last_ns = MAX(sum.last_ns, in->last_ns);
        sum.requests += in->requests;
        for (int k = 0; k < 6; k++)
            sum.status[k] += in->status[k];
        sum.inbox += in->inbox;
        sum.message += in->message;
        sum.part += in->part;
        sum.page_bytes += in->page_bytes;
        sum.auth_failures += in->auth_failures;
        sum.sent += in->sent;
    }
    app_metric_count(out, "webmail.requests", sum.requests);
    for (int k = 2; k <= 5; k++) {
        char key[32];
        g_snprintf(key, sizeof key, "webmail.status_%dxx", k);
        app_metric_count(out, key, sum.status[k]);
    }
    app_metric_count(out, "webmail.inbox_pages", sum.inbox);
    app_metric_count(out, "webmail.message_pages", sum.message);
    app_metric_count(out, "webmail.part_pages", sum.part);
    app_metric_count(out, "webmail.page_bytes", sum.page_bytes);
    app_metric_count(out, "webmail.auth_failures", sum.auth_failures);
    app_metric_count(out, "webmail.sent", sum.sent);
    app_metric(out, "webmail.session_s", sum.first_ns >= 0 ? (double)(sum.last_ns - sum.first_ns) / 1e9 : NAN);
    mail_folder *f = n ? served_folder(w, insts[0]) : NULL;
    uint64_t mb = f ? mail_folder_bytes(f) : 0;
    app_metric_count(out, "webmail.mailbox_messages", f ? mail_folder_count(f) : 0);
    app_metric_count(out, "webmail.mailbox_bytes", mb);
    app_metric(out, "webmail.bytes_per_mailbox_byte", mb ? (double)sum.page_bytes / (double)mb : NAN);
    if (sum.requests > 0 && sum.status[2] + sum.status[3] == 0)
        app_run_failed(out, "web mail: no request was answered with a page (see webmail.csv for the statuses)");
}

static const app_record_table webmail_records[] = {{"webmail", "webmail.csv", "page,status,bytes"},
                                                   {NULL, NULL, NULL}};

static const app_headline webmail_headlines[] = {
    {"webmail_session", "web-mail session: first request to last answer (s)", "webmail.session_s", true},
    {"webmail_page_bytes", "bytes of web-mail pages", "webmail.page_bytes", false},
    {"webmail_bytes_ratio", "page bytes per byte of mailbox", "webmail.bytes_per_mailbox_byte", false},
    {NULL, NULL, NULL, false}};

static void webmail_report(const app_view *m, app_report_style style, GString *out)
{
    double req = app_view_metric(m, "webmail.requests");
    if (!(req >= 0))
        return;
    if (style == APP_REPORT_ROW) {
        g_string_append_printf(out, "web mail %.0f B of pages for %.0f B of mail (x%.3f)",
                               app_view_metric(m, "webmail.page_bytes"), app_view_metric(m, "webmail.mailbox_bytes"),
                               app_view_metric(m, "webmail.bytes_per_mailbox_byte"));
        return;
    }
    g_string_append_printf(out,
                           "%sweb mail: %.0f request(s): %.0f inbox page(s), %.0f message page(s), %.0f part(s), "
                           "%.0f refused for credentials; %.0f B of pages for a mailbox of %.0f message(s), %.0f B "
                           "(x%.3f); %.0f message(s) sent\n",
                           style == APP_REPORT_CASE ? "    " : "  ", req, app_view_metric(m, "webmail.inbox_pages"),
                           app_view_metric(m, "webmail.message_pages"), app_view_metric(m, "webmail.part_pages"),
                           app_view_metric(m, "webmail.auth_failures"), app_view_metric(m, "webmail.page_bytes"),
                           app_view_metric(m, "webmail.mailbox_messages"), app_view_metric(m, "webmail.mailbox_bytes"),
                           app_view_metric(m, "webmail.bytes_per_mailbox_byte"), app_view_metric(m, "webmail.sent"));
}

const app_type webmail_app = {
    .type = "webmail",
    .doc = "a web-mail server (HTTP): a mail-server's mailboxes as pages for browsers, sending over SMTP",
    .config_size = sizeof(webmail_spec),
    .keys = webmail_keys,
    .check = webmail_check,
    .port_key = "port",
    .hold = APP_HOLD_NONE,
    .start = webmail_start,
    .free = webmail_free,
    .collect = webmail_collect,
    .records = webmail_records,
    .headlines = webmail_headlines,
    .dialogue = &http_app_dialogue,
    .label = http_app_label,
    .report = webmail_report,
};
