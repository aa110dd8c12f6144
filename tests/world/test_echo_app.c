/*
 * A new application type, added the way every protocol adds its own: this
 * file alone defines an echo server and an echo client (their keys, their
 * instances on the stream seam, a metric, a CSV file, a formula, a
 * dialogue for transcripts) and hands them to the world in a registry of
 * its own. Nothing in world/, cli/ or any other folder names them. The
 * tests then load scenarios that use them and check:
 * - the key table's located errors (unknown key with a suggestion, a value
 *   out of range, a node that does not exist, a port taken twice);
 * - the run: every message comes back, the run stops when the client is
 *   done, and each round trip is exactly 2 x (propagation + transmission of
 *   the message with its 40 header bytes), the formula the type states;
 * - the results: the type's metrics and rows, the transcript's dialogue.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "world/plan.h"
#include "world/world.h"

/* ---- the echo server ------------------------------------------------------------ */

typedef struct {
    int64_t port;
} echo_server_cfg;

static const app_key echo_server_keys[] = {
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(echo_server_cfg, port), .def = 7, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {0}};

typedef struct {
    host_env *env;
    host_listener *l;
} echo_server;

static void server_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)ud;
    stream_write(s, data, len); /* small messages: the send buffer takes them whole */
}

static void server_closed(void *ud, stream_t *s)
{
    (void)ud;
    stream_close(s);
}

static const stream_handler server_handler = {.data = server_data, .peer_closed = server_closed};

static void server_accept(void *ud, stream_t *s) { stream_set_handler(s, &server_handler, ud); }

/* What the services of the world gave (app_world_offer/app_world_service):
 * the server offers itself on its node, the client looks it up there and
 * on its own node. */
static void *offered, *found_at_server, *found_at_client;
static bool offered_twice;

static void *server_start(app_world *w, const app_spec *a, GError **err)
{
    echo_server *e = g_new0(echo_server, 1);
    e->env = app_world_host(w, a->host);
    offered = app_world_offer(w, a->host, "echo", e) ? e : NULL;
    offered_twice = app_world_offer(w, a->host, "echo", e);
    e->l = host_listen(e->env, (uint16_t)((const echo_server_cfg *)a->cfg)->port, server_accept, e, err);
    if (!e->l) {
        g_free(e);
        return NULL;
    }
    return e;
}

static void server_free(void *p)
{
    echo_server *e = p;
    host_unlisten(e->env, e->l);
    g_free(e);
}

static size_t server_listens(const void *cfg, uint16_t *ports, size_t max)
{
    if (max < 1)
        return 0;
    ports[0] = (uint16_t)((const echo_server_cfg *)cfg)->port;
    return 1;
}

/* The dialogue: every chunk of bytes is one "message" (echo has no framing). */
static void *dlg_new(bool from_client)
{
    (void)from_client;
    return g_new0(int, 1);
}

static size_t dlg_feed(void *p, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    int *open = p;
    if (!*open && len) {
        *open = 1;
        ev->kind = APP_DLG_HEAD;
        ev->head = g_strdup_printf("ECHO %.*s", (int)MIN(len, 8u), data ? (const char *)data : "");
        return 0;
    }
    if (len) {
        ev->kind = APP_DLG_BODY;
        ev->body = len;
        return len;
    }
    if (*open) {
        *open = 0;
        ev->kind = APP_DLG_END;
        return 0;
    }
    ev->kind = APP_DLG_NEED_MORE;
    return 0;
}

static const app_dialogue echo_dialogue = {dlg_new, g_free, dlg_feed, NULL};

static const app_type echo_server_app = {
    .type = "echo-server",
    .doc = "sends back what it receives",
    .config_size = sizeof(echo_server_cfg),
    .keys = echo_server_keys,
    .listens = server_listens,
    .hold = APP_HOLD_NONE,
    .start = server_start,
    .free = server_free,
    .dialogue = &echo_dialogue,
};

/* ---- the echo client ------------------------------------------------------------ */

typedef struct {
    char *server;
    int64_t port, count;
    uint64_t size;
} echo_client_cfg;

static const app_key echo_client_keys[] = {
    {.name = "server", .kind = APP_KEY_NODE, .offset = offsetof(echo_client_cfg, server), .required = true},
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(echo_client_cfg, port), .def = 7, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "count", .kind = APP_KEY_INT, .offset = offsetof(echo_client_cfg, count), .def = 3, .lo = 1,
     .hi = 1000, .expected = "a whole number of messages from 1 to 1000"},
    {.name = "size", .kind = APP_KEY_SIZE, .offset = offsetof(echo_client_cfg, size), .def = 100},
    {0}};

static void client_check(app_reader *r, void *cfg)
{
    if (((echo_client_cfg *)cfg)->size > 1400)
        app_reader_fail(r, "size", "one message must fit in a segment (at most 1400 bytes)");
}

typedef struct {
    app_world *w;
    const echo_client_cfg *cfg;
    host_env *env;
    stream_t *s;
    int64_t sent_at, got;
    GArray *rtts; /* double seconds */
    bool done;
} echo_client;

static void client_send(echo_client *c)
{
    c->sent_at = host_now(c->env);
    c->got = 0;
    char *msg = g_strnfill(c->cfg->size, 'e');
    stream_write(c->s, msg, c->cfg->size);
    g_free(msg);
}

static void client_connected(void *ud, stream_t *s)
{
    (void)s;
    client_send(ud);
}

static void client_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)data;
    echo_client *c = ud;
    c->got += (int64_t)len;
    if (c->got < (int64_t)c->cfg->size)
        return;
    double rtt = (double)(host_now(c->env) - c->sent_at) / 1e9;
    g_array_append_val(c->rtts, rtt);
    char *row = g_strdup_printf("%u,%.9f", c->rtts->len, rtt);
    host_record(c->env, "echo", row);
    g_free(row);
    if ((int64_t)c->rtts->len < c->cfg->count) {
        client_send(c);
        return;
    }
    stream_close(s);
    c->s = NULL;
    c->done = true;
    app_world_first_exchange_done(c->w);
    app_world_done(c->w);
}

static const stream_handler client_handler = {.connected = client_connected, .data = client_data};

static void *client_start(app_world *w, const app_spec *a, GError **err)
{
    echo_client *c = g_new0(echo_client, 1);
    c->w = w;
    c->cfg = a->cfg;
    c->env = app_world_host(w, a->host);
    found_at_server = app_world_service(w, c->cfg->server, "echo");
    found_at_client = app_world_service(w, a->host, "echo");
    c->rtts = g_array_new(FALSE, FALSE, sizeof(double));
    c->s = host_connect(c->env, c->cfg->server, (uint16_t)c->cfg->port, &client_handler, c, err);
    if (!c->s) {
        g_array_free(c->rtts, TRUE);
        g_free(c);
        return NULL;
    }
    return c;
}

static void client_free(void *p)
{
    echo_client *c = p;
    g_array_free(c->rtts, TRUE);
    g_free(c);
}

static void client_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                           app_collect *out)
{
    (void)w;
    double sum = 0;
    uint64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const echo_client *c = insts[i];
        for (guint k = 0; k < c->rtts->len; k++) {
            double t = g_array_index(c->rtts, double, k);
            sum += t;
            count++;
            app_row(out, "%s,%u,%.9f", specs[i]->name, k, t);
        }
    }
    app_metric_count(out, "echo.messages", count);
    const echo_client *first = n ? insts[0] : NULL;
    app_metric(out, "echo.rtt_first_s", first && first->rtts->len ? g_array_index(first->rtts, double, 0) : NAN);
    app_metric(out, "echo.rtt_mean_s", count ? sum / (double)count : NAN);
}

/* 2 x (propagation + the message's transmission with its TCP/IP header). */
static double rtt_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    const echo_client_cfg *c = a->cfg;
    app_path p;
    if (!app_world_path(w, a->host, c->server, &p))
        return NAN;
    double t = 0;
    for (int i = 0; i < p.n; i++)
        t += (double)p.hops[i].delay_ns / 1e9 +
             (double)(c->size + app_world_header_bytes(w, false)) * 8 / (double)p.hops[i].rate_bps;
    return 2 * t;
}

static bool client_endpoints(const app_spec *a, char **server)
{
    *server = g_strdup(((const echo_client_cfg *)a->cfg)->server);
    return true;
}

static const app_formula client_formulas[] = {{"echo-rtt", rtt_formula}, {NULL, NULL}};
static const app_headline client_headlines[] = {{"echo_rtt", "echo round trip (s)", "echo.rtt_mean_s", true},
                                                {NULL, NULL, NULL, false}};

/* Every echo is also a record of the host, written out by the world. */
static const app_record_table client_records[] = {{"echo", "echo-records.csv", "message,rtt_s"}, {NULL, NULL, NULL}};

static const app_type echo_client_app = {
    .type = "echo-client",
    .doc = "sends messages one at a time and times their echo",
    .config_size = sizeof(echo_client_cfg),
    .keys = echo_client_keys,
    .check = client_check,
    .hold = APP_HOLD_UNTIL_DONE,
    .start = client_start,
    .free = client_free,
    .collect = client_collect,
    .records = client_records,
    .csv_file = "echo.csv",
    .csv_header = "client,message,rtt_s",
    .headlines = client_headlines,
    .formulas = client_formulas,
    .endpoints = client_endpoints,
};

static const app_type *const echo_types[] = {&echo_server_app, &echo_client_app};
static const app_registry echo_registry = {echo_types, G_N_ELEMENTS(echo_types)};

/* ---- the tests ------------------------------------------------------------------- */

static const char *const topology =
    "\"nodes\": [{\"name\": \"a\"}, {\"name\": \"r\", \"type\": \"router\"}, {\"name\": \"b\"}],"
    " \"links\": [{\"from\": \"a\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"10ms\"},"
    " {\"from\": \"r\", \"to\": \"b\", \"rate\": \"1Mbps\", \"delay\": \"5ms\"}]";

static char *write_scenario(const char *apps, const char *outputs)
{
    char *text = g_strdup_printf("{\"name\": \"echo\", %s, \"apps\": [%s]%s%s}", topology, apps,
                                 outputs ? ", " : "", outputs ? outputs : "");
    char *file = NULL;
    int fd = g_file_open_tmp("appsim-echo-XXXXXX.json", &file, NULL);
    close(fd);
    g_file_set_contents(file, text, -1, NULL);
    g_free(text);
    return file;
}

/* Loads `apps`; returns the error message (a new string) or NULL. */
static char *load_error(const char *apps)
{
    char *file = write_scenario(apps, NULL);
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, &echo_registry, &err);
    char *msg = NULL;
    if (!sc) {
        const char *colon = strstr(err->message, ": $");
        msg = g_strdup(colon ? colon + 2 : err->message); /* without the file name */
        g_error_free(err);
    }
    scenario_free(sc);
    g_unlink(file);
    g_free(file);
    return msg;
}

static void expect_error(const char *apps, const char *expected)
{
    char *msg = load_error(apps);
    if (!msg || strcmp(msg, expected))
        printf("\n    said: %s\n    expected: %s", msg ? msg : "(no error)", expected);
    CU_ASSERT_STRING_EQUAL(msg ? msg : "", expected);
    g_free(msg);
}

static void test_keys_give_located_errors(void)
{
    expect_error("{\"type\": \"echo-server\", \"host\": \"b\", \"prot\": 7}",
                 "$.apps[0].prot: unknown key; did you mean \"port\"?");
    expect_error("{\"type\": \"echo-server\", \"host\": \"b\", \"port\": 70000}",
                 "$.apps[0].port: found 70000, expected a port from 1 to 65535");
    expect_error("{\"type\": \"echo-client\", \"host\": \"a\", \"server\": \"c\"}",
                 "$.apps[0].server: no node named \"c\" (nodes: a, r, b)");
    expect_error("{\"type\": \"echo-client\", \"host\": \"a\"}", "$.apps[0]: missing key \"server\"");
    expect_error("{\"type\": \"echo-client\", \"host\": \"a\", \"server\": \"b\", \"size\": \"2KB\"}",
                 "$.apps[0].size: one message must fit in a segment (at most 1400 bytes)");
    expect_error("{\"type\": \"echo-server\", \"host\": \"b\"}, {\"type\": \"echo-server\", \"host\": \"b\", "
                 "\"name\": \"second\"}",
                 "$.apps[1]: port 7 of host \"b\" is taken by application \"echo-server\"");
    expect_error("{\"type\": \"http-server\", \"host\": \"b\"}",
                 "$.apps[0].type: found \"http-server\", expected \"echo-server\" or \"echo-client\"");
}

static void test_run_matches_its_formula(void)
{
    char *file = write_scenario("{\"type\": \"echo-server\", \"host\": \"b\"},"
                                " {\"name\": \"c1\", \"type\": \"echo-client\", \"host\": \"a\", \"server\": \"b\","
                                " \"count\": 4, \"size\": \"500B\"}",
                                "\"outputs\": {\"metric\": \"echo_rtt\", \"formula\": \"echo-rtt\"}");
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, &echo_registry, &err);
    if (!sc)
        printf("\n    %s", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    plan_options po = {.transcript_run = 0, .jobs = 1};
    run_result **res = plan_run(sc, &po, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    const run_result *r = res[0];
    /* the server's service, found on its node only, offered once */
    CU_ASSERT_PTR_NOT_NULL(offered);
    CU_ASSERT_PTR_EQUAL(found_at_server, offered);
    CU_ASSERT_PTR_NULL(found_at_client);
    CU_ASSERT_FALSE(offered_twice);
    double expect = 2 * (0.010 + 0.005 + 540 * 8 / 10e6 + 540 * 8 / 1e6);
    printf("\n    echo round trip %.9f s, formula %.9f s, 2 x (d + L/R) = %.9f s",
           run_result_metric(r, "echo.rtt_mean_s"), r->formula_s, expect);
    CU_ASSERT_EQUAL(run_result_metric(r, "echo.messages"), 4);
    CU_ASSERT_DOUBLE_EQUAL(r->formula_s, expect, 1e-12);
    /* The first message's round trip is the formula to the nanosecond.
     * Each later one also waits behind a pure ACK of 40 bytes once on
     * each link: the acknowledgement of the previous echo leaves just
     * before it (client side), and the server acknowledges the message
     * before its echo is written (server side). */
    double ack = 40 * 8 / 10e6 + 40 * 8 / 1e6;
    CU_ASSERT_DOUBLE_EQUAL(run_result_metric(r, "echo.rtt_first_s"), expect, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(run_result_metric(r, "echo.rtt_mean_s"), expect + 0.75 * ack, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(run_result_headline(r, &echo_registry, "echo_rtt"), expect + 0.75 * ack, 1e-9);
    /* the client held the run until its fourth echo, then the run stopped */
    CU_ASSERT_TRUE(sim_time_to_s(r->end) < 4 * expect + 0.2);
    /* its own CSV file, one row per message, with the run column */
    CU_ASSERT_EQUAL_FATAL(r->csvs->len, 2);
    const run_csv *csv = g_ptr_array_index(r->csvs, 0);
    CU_ASSERT_STRING_EQUAL(csv->file, "echo.csv");
    CU_ASSERT_PTR_NOT_NULL(strstr(csv->rows->str, "0,c1,3,"));
    CU_ASSERT_PTR_NULL(strstr(csv->rows->str, "0,c1,4,"));
    /* the host's records, collected by the world: one row per echo, in
     * order, with the host and the simulated time it was made at */
    const run_csv *rec = g_ptr_array_index(r->csvs, 1);
    CU_ASSERT_STRING_EQUAL(rec->file, "echo-records.csv");
    CU_ASSERT_STRING_EQUAL(rec->header, "host,time_s,message,rtt_s");
    gchar **lines = g_strsplit(rec->rows->str, "\n", 0);
    CU_ASSERT_EQUAL(g_strv_length(lines), 5); /* 4 rows and the empty rest */
    char first[64];
    g_snprintf(first, sizeof first, ",1,%.9f", expect);
    double t0 = g_ascii_strtod(lines[0] + 4, NULL);
    CU_ASSERT_TRUE(g_str_has_prefix(lines[0], "0,a,") && g_str_has_suffix(lines[0], first));
    CU_ASSERT_TRUE(t0 > expect && t0 < 2 * expect); /* after the handshake and the first echo */
    CU_ASSERT_TRUE(g_str_has_prefix(lines[3], "0,a,") && strstr(lines[3], ",4,") != NULL);
    g_strfreev(lines);
    /* the transcript follows the client and its server through the type's dialogue */
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->transcript);
    if (!strstr(r->transcript, "C: ECHO eeeeeeee"))
        printf("\n%s", r->transcript);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->transcript, "C: ECHO eeeeeeee"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r->transcript, "S: ECHO eeeeeeee"));
    plan_free(res, scenario_run_count(sc));
    scenario_free(sc);
    g_unlink(file);
    g_free(file);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_keys_give_located_errors), TEST(test_run_matches_its_formula)};
    return test_main("world/echo_app", tests, G_N_ELEMENTS(tests));
}
