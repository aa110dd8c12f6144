/*
 * The "webmail" application type in a world: bob's browser reads his
 * mail through it.
 *
 * A test-only type, "test-mailbox", puts N messages of a given size into
 * bob's INBOX at time 0 (in the store the node's mail-server offers, or
 * in one it offers itself when the mail-server offers none), so that the
 * web front end is tested apart from how the mail arrived.
 *
 * - Keys: a bad port, a password without a user, a user with ':', a
 *   browser's auth without a colon are refused where they stand; a
 *   webmail on a node without a mail-server cannot start, with a message
 *   that names the app and the node.
 * - Outcome: the browser loads the inbox and every message page: N + 1
 *   pages, every one 200; the web front end counts 1 inbox and N message
 *   pages, the page bytes exceed the mailbox's bytes (each message page
 *   carries the message's text plus its HTML) but stay within the
 *   mailbox's bytes plus 2 KB a page; one 401 only (the browser sends its
 *   credentials from the start once they were accepted).
 * - Wrong credentials: every page load fails with http_401 and the run
 *   fails as a whole.
 * - Determinism: the same scenario twice gives the same metrics.
 * - Sending: a test-only "test-poster" POSTs a form as Bob; the answer is
 *   303 to the inbox, and the message goes over SMTP to the node's own
 *   mail server, which stores it in Alice's mailbox.
 * - scenarios/mail-webmail.json (N = 1, 5, 10, 20, 50 messages of 10 KB,
 *   preloaded by the mail-server; RTT 30 ms): every one of the N + 1 page loads
 *   succeeds; the front end served 1 inbox and N message pages, one 401;
 *   the mailbox is N x 10,000 bytes; the page bytes exceed it by less
 *   than 1,200 bytes a page (headers as HTML, the page's frame; the inbox
 *   page's rows); every message page takes at least one RTT plus the
 *   transmission of its bytes over the 100 and 10 Mbit/s links, and at
 *   most that plus 5 ms (headers and ACKs), the first load two RTTs more
 *   (the connection, the 401); the session grows with N.
 *   `appsim run` twice gives byte-identical files.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/registry.h"
#include "protocols/mailstore/mail_store.h"
#include "seam/host.h"
#include "test_util.h"
#include "test_scenario.h"
#include "world/scenario.h"
#include "world/world.h"

/* ---- the test-only mailbox type ---------------------------------------------------- */

typedef struct {
    char *user, *password;
    int64_t count;
    uint64_t size;
} box_spec;

typedef struct {
    mail_store *own; /* when the node offered none */
    mail_store *st;
} box_inst;

static const app_key box_keys[] = {
    {.name = "user", .kind = APP_KEY_STRING, .offset = offsetof(box_spec, user), .required = true},
    {.name = "password", .kind = APP_KEY_STRING, .offset = offsetof(box_spec, password), .required = true},
    {.name = "count", .kind = APP_KEY_INT, .offset = offsetof(box_spec, count), .def = 3, .lo = 0, .hi = 10000,
     .expected = "a count"},
    {.name = "size", .kind = APP_KEY_SIZE, .offset = offsetof(box_spec, size), .def = 2000},
    {0}};

static void *box_start(app_world *w, const app_spec *a, GError **err)
{
    (void)err;
    const box_spec *s = a->cfg;
    box_inst *in = g_new0(box_inst, 1);
    in->st = app_world_service(w, a->host, "mail-store");
    if (!in->st) {
        in->st = in->own = mail_store_new();
        app_world_offer(w, a->host, "mail-store", in->own);
    }
    if (!mail_store_has_user(in->st, s->user))
        mail_store_add_user(in->st, s->user, s->password, NULL);
    else
        mail_store_set_password(in->st, s->user, s->password);
    for (int64_t i = 0; i < s->count; i++) {
        GString *m = g_string_new(NULL);
        g_string_append_printf(m, "From: sender%d@example.org\r\nTo: %s@hamburger.edu\r\nSubject: Message %d\r\n"
                                  "Date: Sun, 29 Nov 2026 10:%02d:00 +0000\r\n\r\n",
                               (int)i, s->user, (int)i + 1, (int)(i % 60));
        while (m->len + 2 < s->size) {
            size_t line = MIN((size_t)70, s->size - m->len - 2);
            for (size_t k = 0; k < line; k++)
                g_string_append_c(m, (char)('a' + (k + (size_t)i) % 26));
            g_string_append(m, "\r\n");
        }
        GBytes *b = g_string_free_to_bytes(m);
        mail_store_deliver(in->st, s->user, b, 0, NULL);
        g_bytes_unref(b);
    }
    return in;
}

static void box_free(void *p)
{
    box_inst *in = p;
    if (in->own)
        mail_store_free(in->own);
    g_free(in);
}

static const app_type box_app = {.type = "test-mailbox",
                                 .doc = "test only: a mailbox with messages",
                                 .config_size = sizeof(box_spec),
                                 .keys = box_keys,
                                 .start = box_start,
                                 .free = box_free};

/* ---- the test-only poster type: one form POSTed to /mail/send ---------------------- */

typedef struct {
    char *server, *auth, *form;
} poster_spec;

static const app_key poster_keys[] = {
    {.name = "server", .kind = APP_KEY_NODE, .offset = offsetof(poster_spec, server), .required = true},
    {.name = "auth", .kind = APP_KEY_STRING, .offset = offsetof(poster_spec, auth), .required = true},
    {.name = "form", .kind = APP_KEY_STRING, .offset = offsetof(poster_spec, form), .required = true},
    {0}};

static GString *posted; /* what the poster got back */

static void poster_connected(void *ud, stream_t *s)
{
    const poster_spec *p = ud;
    char *b64 = g_base64_encode((const guchar *)p->auth, strlen(p->auth));
    char *req = g_strdup_printf("POST /mail/send HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\n"
                                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n"
                                "Connection: close\r\n\r\n%s",
                                p->server, b64, strlen(p->form), p->form);
    stream_write(s, req, strlen(req));
    g_free(req);
    g_free(b64);
}

static void poster_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)ud;
    (void)s;
    g_string_append_len(posted, (const char *)data, (gssize)len);
}

static void poster_closed(void *ud, stream_t *s)
{
    (void)ud;
    stream_close(s);
}

static const stream_handler poster_handler = {.connected = poster_connected, .data = poster_data,
                                              .peer_closed = poster_closed};

static void *poster_start(app_world *w, const app_spec *a, GError **err)
{
    poster_spec *p = a->cfg;
    g_string_truncate(posted, 0);
    if (!host_connect(app_world_host(w, a->host), p->server, 80, &poster_handler, p, err))
        return NULL;
    return g_new0(int, 1);
}

static const app_type poster_app = {.type = "test-poster",
                                    .doc = "test only: POSTs a form to web mail",
                                    .config_size = sizeof(poster_spec),
                                    .keys = poster_keys,
                                    .hold = APP_HOLD_UNTIL_QUIET,
                                    .start = poster_start,
                                    .free = g_free};

static app_registry test_reg;

static void make_registry(void)
{
    const app_registry *base = appsim_registry();
    const app_type **types = g_new0(const app_type *, base->n + 2);
    for (size_t i = 0; i < base->n; i++)
        types[i] = base->types[i];
    types[base->n] = &box_app;
    types[base->n + 1] = &poster_app;
    test_reg.types = types;
    test_reg.n = base->n + 2;
    posted = g_string_new(NULL);
}

/* ---- helpers ----------------------------------------------------------------------- */

static char *world_json(const char *apps)
{
    return g_strdup_printf(
        "{\"name\": \"w\", \"seed\": 3, \"tcp\": {\"cc\": \"ideal\"},"
        " \"nodes\": [{\"name\": \"bob\"}, {\"name\": \"hamburger-mail\"}, {\"name\": \"elsewhere\"},"
        " {\"name\": \"r\", \"type\": \"router\"}],"
        " \"links\": [{\"name\": \"b\", \"from\": \"bob\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"5ms\"},"
        " {\"name\": \"e\", \"from\": \"elsewhere\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"5ms\"},"
        " {\"name\": \"h\", \"from\": \"hamburger-mail\", \"to\": \"r\", \"rate\": \"100Mbps\", \"delay\": \"10ms\"}],"
        " \"apps\": [%s]}",
        apps);
}

static scenario *load_text(const char *apps, char **msg)
{
    char *json = world_json(apps);
    scenario *sc = test_load_text(json, &test_reg, msg);
    g_free(json);
    return sc;
}

static void expect_error(const char *apps, const char *where, const char *what)
{
    char *json = world_json(apps);
    test_expect_load_error(json, &test_reg, where, what);
    g_free(json);
}

#define SERVER "{\"name\": \"ms\", \"type\": \"mail-server\", \"host\": \"hamburger-mail\", " \
               "\"domains\": [\"hamburger.edu\"], \"mailboxes\": [\"bob\"]}"
#define BOX(n) "{\"name\": \"box\", \"type\": \"test-mailbox\", \"host\": \"hamburger-mail\", \"user\": \"bob\", " \
               "\"password\": \"hunter2\", \"count\": " #n ", \"size\": \"3KB\"}"
#define WEB "{\"name\": \"web\", \"type\": \"webmail\", \"host\": \"hamburger-mail\", \"user\": \"bob\"}"
#define BROWSER_(auth, pages) "{\"name\": \"br\", \"type\": \"browser\", \"host\": \"bob\", \"auth\": \"" auth "\", " \
                              "\"pages\": [" pages "]}"
#define PAGES3 "\"http://hamburger-mail/mail/inbox\", \"http://hamburger-mail/mail/msg/1\", " \
               "\"http://hamburger-mail/mail/msg/2\", \"http://hamburger-mail/mail/msg/3\""

static run_result *run_apps(const char *apps, bool expect_start)
{
    char *msg = NULL;
    scenario *sc = load_text(apps, &msg);
    if (!sc)
        printf("\n    %s\n", msg);
    g_free(msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    GError *err = NULL;
    scn_run *r = scenario_run(sc, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    run_result *res = world_run(r, &test_reg, 0, NULL, &err);
    if (expect_start && !res)
        printf("\n    %s\n", err->message);
    if (!expect_start) {
        CU_ASSERT_PTR_NULL(res);
        CU_ASSERT_PTR_NOT_NULL(err);
        if (err) {
            if (!strstr(err->message, "$.apps[0].host") || !strstr(err->message, "runs none"))
                printf("\n    unexpected error: %s\n", err->message);
            CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "$.apps[0].host"));
            CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "\"elsewhere\" runs none"));
        }
    }
    g_clear_error(&err);
    scn_run_free(r);
    scenario_free(sc);
    return res;
}

static double metric(const run_result *res, const char *key) { return run_result_metric(res, key); }

/* ---- tests ------------------------------------------------------------------------- */

static void test_keys(void)
{
    expect_error("{\"name\": \"web\", \"type\": \"webmail\", \"host\": \"hamburger-mail\", \"port\": 0}",
                 "$.apps[0].port", "expected a port from 1 to 65535");
    expect_error("{\"name\": \"web\", \"type\": \"webmail\", \"host\": \"hamburger-mail\", \"password\": \"x\"}",
                 "$.apps[0].password", "needs the \"user\"");
    expect_error("{\"name\": \"web\", \"type\": \"webmail\", \"host\": \"hamburger-mail\", \"user\": \"a:b\"}",
                 "$.apps[0].user", "may not hold ':'");
    expect_error("{\"name\": \"web\", \"type\": \"webmail\", \"host\": \"hamburger-mail\", \"page_size\": 1001}",
                 "$.apps[0].page_size", "from 1 to 1000");
    expect_error("{\"name\": \"web\", \"type\": \"webmail\", \"host\": \"nowhere\"}", "$.apps[0]", "nowhere");
    expect_error("{\"name\": \"web\", \"type\": \"webmail\", \"host\": \"hamburger-mail\", \"mailbx\": \"x\"}",
                 "$.apps[0]", "mailbx");
    expect_error(BROWSER_("bob", PAGES3), "$.apps[0].auth", "\"user:password\"");
    expect_error(BROWSER_(":pw", PAGES3), "$.apps[0].auth", "\"user:password\"");
}

static void test_needs_mail_server(void)
{
    run_result *res =
        run_apps("{\"name\": \"web\", \"type\": \"webmail\", \"host\": \"elsewhere\"}, " BROWSER_("bob:hunter2", PAGES3),
                 false);
    if (res)
        run_result_free(res);
}

static void test_bob_reads(void)
{
    run_result *res = run_apps(SERVER ", " BOX(3) ", " WEB ", " BROWSER_("bob:hunter2", PAGES3), true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    CU_ASSERT_PTR_NULL(res->failed);
    CU_ASSERT_EQUAL(metric(res, "webmail.inbox_pages"), 1);
    CU_ASSERT_EQUAL(metric(res, "webmail.message_pages"), 3);
    CU_ASSERT_EQUAL(metric(res, "webmail.auth_failures"), 1);
    CU_ASSERT_EQUAL(metric(res, "webmail.requests"), 5);
    CU_ASSERT_EQUAL(metric(res, "webmail.mailbox_messages"), 3);
    double mb = metric(res, "webmail.mailbox_bytes"), pb = metric(res, "webmail.page_bytes");
    CU_ASSERT(mb >= 3 * 2990 && mb <= 3 * 3000);
    CU_ASSERT(pb > mb);
    CU_ASSERT(pb < mb + 4 * 2048);
    CU_ASSERT_DOUBLE_EQUAL(metric(res, "webmail.bytes_per_mailbox_byte"), pb / mb, 1e-9);
    CU_ASSERT_EQUAL(metric(res, "failures"), 0);
    run_result_free(res);
}

static void test_wrong_password(void)
{
    run_result *res = run_apps(SERVER ", " BOX(3) ", " WEB ", " BROWSER_("bob:guess", PAGES3), true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    CU_ASSERT_PTR_NOT_NULL(res->failed);
    CU_ASSERT_EQUAL(metric(res, "webmail.auth_failures"), 8); /* each page: a 401, then again with credentials */
    CU_ASSERT_EQUAL(metric(res, "webmail.message_pages"), 0);
    CU_ASSERT_EQUAL(metric(res, "failure_reasons.http_401"), 4);
    run_result_free(res);
}

static void test_deterministic(void)
{
    run_result *a = run_apps(SERVER ", " BOX(3) ", " WEB ", " BROWSER_("bob:hunter2", PAGES3), true);
    run_result *b = run_apps(SERVER ", " BOX(3) ", " WEB ", " BROWSER_("bob:hunter2", PAGES3), true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    static const char *const keys[] = {"webmail.page_bytes", "page_load_time_mean_s", "page_load_time_max_s", "webmail.requests"};
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        CU_ASSERT_EQUAL(metric(a, keys[i]), metric(b, keys[i]));
    run_result_free(a);
    run_result_free(b);
}

/* Bob writes to Alice, whose mailbox is on the same server: the form
 * becomes a message submitted over SMTP to the node's own mail server,
 * which stores it in Alice's INBOX. */
static void test_send_over_smtp(void)
{
    run_result *res = run_apps(
        "{\"name\": \"ms\", \"type\": \"mail-server\", \"host\": \"hamburger-mail\", "
        "\"domains\": [\"hamburger.edu\"], \"mailboxes\": [\"alice\", \"bob\"], "
        "\"accounts\": {\"bob\": \"hunter2\"}}, " WEB ", "
        "{\"name\": \"po\", \"type\": \"test-poster\", \"host\": \"bob\", \"server\": \"hamburger-mail\", "
        "\"auth\": \"bob:hunter2\", \"form\": \"to=alice%40hamburger.edu&subject=Lunch%3F&body=At+noon.\"}",
        true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    if (!g_str_has_prefix(posted->str, "HTTP/1.1 303"))
        printf("\n    %.200s\n", posted->str);
    CU_ASSERT(g_str_has_prefix(posted->str, "HTTP/1.1 303 See Other\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(posted->str, "\r\nLocation: /mail/inbox\r\n"));
    CU_ASSERT_EQUAL(metric(res, "webmail.sent"), 1);
    CU_ASSERT_EQUAL(metric(res, "mail.accepted"), 1);
    CU_ASSERT_EQUAL(metric(res, "mail.delivered_local"), 1);
    run_result_free(res);
}

/* ---- the shipped scenario ------------------------------------------------------------ */

#define SCN APPSIM_SOURCE_DIR "/scenarios/mail-webmail.json"
#define APPSIM APPSIM_BINARY_DIR "/appsim"

static void test_scenario(void)
{
    scenario *sc = test_load_file(SCN, NULL);
    static const int ns[] = {1, 5, 10, 20, 50};
    const double rtt = 0.03; /* 2 x (10 ms + 5 ms) */
    double last_session = 0;
    for (guint k = 0; k < G_N_ELEMENTS(ns); k++) {
        run_result *res = test_run(sc, k);
        double n = ns[k];
        CU_ASSERT_PTR_NULL(res->failed);
        CU_ASSERT_EQUAL(metric(res, "loads_ok"), n + 1);
        CU_ASSERT_EQUAL(metric(res, "failures"), 0);
        CU_ASSERT_EQUAL(metric(res, "webmail.inbox_pages"), 1);
        CU_ASSERT_EQUAL(metric(res, "webmail.message_pages"), n);
        CU_ASSERT_EQUAL(metric(res, "webmail.auth_failures"), 1);
        CU_ASSERT_EQUAL(metric(res, "webmail.mailbox_messages"), n);
        double mb = metric(res, "webmail.mailbox_bytes"), pb = metric(res, "webmail.page_bytes");
        CU_ASSERT_EQUAL(mb, n * 10000);
        CU_ASSERT(pb > mb && pb < mb + 1200 * (n + 1));
        /* a message page: one RTT, then its response across the 100 and
         * the 10 Mbit/s links */
        double per_page = pb / (n + 1);
        double tx = (per_page + 300) * 8 * (1 / 100e6 + 1 / 10e6); /* a page and its head */
        double mean = metric(res, "page_load_time_mean_s");
        CU_ASSERT(mean >= rtt);
        /* the first load also connects and gets the 401: 2 RTT more */
        CU_ASSERT(mean <= rtt + tx + 0.005 + (2 * rtt + 0.01) / (n + 1));
        double session = metric(res, "webmail.session_s");
        CU_ASSERT(session > last_session);
        CU_ASSERT(session >= n * rtt);
        last_session = session;
        run_result_free(res);
    }
    scenario_free(sc);
}

static void test_scenario_deterministic(void)
{
    static const char *const files[] = {"summary.json", "webmail.csv", "requests.csv", "transcript.txt",
                                        "timeline.svg", NULL};
    test_twice t;
    CU_ASSERT(test_run_twice(&t, APPSIM, SCN, NULL, files) >= 5);
    test_twice_clear(&t);
}

int main(void)
{
    make_registry();
    static const test_case tests[] = {TEST(test_keys), TEST(test_needs_mail_server), TEST(test_bob_reads),
                                      TEST(test_wrong_password), TEST(test_deterministic),
                                      TEST(test_send_over_smtp), TEST(test_scenario),
                                      TEST(test_scenario_deterministic)};
    int rc = test_main("protocols/webmail/app", tests, G_N_ELEMENTS(tests));
    g_free((gpointer)test_reg.types);
    g_string_free(posted, TRUE);
    return rc;
}
