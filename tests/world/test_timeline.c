/*
 * The timeline across more than two hosts (app_type.columns): this file
 * defines application types of its own, as test_echo_app.c does, that
 * speak in UDP datagrams through the host seam, and checks what the world
 * draws of them.
 *
 * - "relay": on its host, a datagram socket on `port`. A query from
 *   anyone goes on to the relay on `next` (the same port) when it has one,
 *   else it is answered at once; an answer from `next` goes back to the
 *   one who asked. With `ping`, it also sends one small datagram from a
 *   second socket (a free port) to port 9 of that host, which nobody
 *   listens on, at start.
 * - "chain-client": sends one query to the relay on `server` and holds
 *   the run until the answer comes. Its `columns` name its own host, its
 *   server, and then each relay's `next` in turn: the chain.
 * - "pair-client": the same client with `endpoints` only (its host and its
 *   server), the two-host timeline of every type before `columns`.
 *
 * On a chain a - b - r - c (r a router) with d beside r, the tests check
 * that the timeline has one arrow per datagram between the followed hosts,
 * with its columns, its send and arrival times (transmission on every
 * hop, store and forward at the router, plus propagation, computed here
 * from the links) and its label (the relay type's own, "UDP [N B]" for a
 * port no type listens on), in order of arrival; that packets to or from
 * d are not drawn; that a pair follows only its two hosts; and that the
 * figure is drawn with one column per host and no round-trip mark where
 * the first two packets are no round trip.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "plots/figures.h"
#include "test_util.h"
#include "world/plan.h"
#include "world/world.h"

enum { QUERY_BYTES = 100, ANSWER_BYTES = 300, PING_BYTES = 20, UDP_HEADER = 28 };

/* A message of `len` bytes: `word`, then dots. */
static uint8_t *message(const char *word, size_t len)
{
    uint8_t *m = g_malloc(len);
    memset(m, '.', len);
    memcpy(m, word, MIN(strlen(word), len));
    return m;
}

static bool starts_with(const host_datagram *d, const char *word)
{
    size_t n = strlen(word);
    return d->data && d->len >= n && !memcmp(d->data, word, n);
}

/* The relay type's label: the message's first word ("query", "answer"). */
static char *relay_label(const uint8_t *data, size_t len)
{
    size_t n = 0;
    while (n < len && data[n] != '.')
        n++;
    return g_strndup((const char *)data, n);
}

/* ---- the relay ------------------------------------------------------------------- */

typedef struct {
    int64_t port;
    char *next, *ping; /* NULL: none */
} relay_cfg;

static const app_key relay_keys[] = {
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(relay_cfg, port), .def = 5300, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "next", .kind = APP_KEY_NODE, .offset = offsetof(relay_cfg, next)},
    {.name = "ping", .kind = APP_KEY_NODE, .offset = offsetof(relay_cfg, ping)},
    {0}};

typedef struct {
    const relay_cfg *cfg;
    host_env *env;
    host_dgram *sock, *pinger;
    char *asker;          /* who sent the query being relayed */
    uint16_t asker_port;
} relay;

static void relay_send(relay *r, const char *host, uint16_t port, const char *word, size_t len)
{
    uint8_t *m = message(word, len);
    GError *err = NULL;
    if (!host_dgram_send(r->env, r->sock, host, port, m, len, 0, &err)) {
        printf("\n    relay cannot send: %s", err->message);
        g_error_free(err);
        CU_FAIL("a relay's datagram was refused");
    }
    g_free(m);
}

static void relay_recv(void *ud, host_dgram *sock, const host_datagram *d)
{
    (void)sock;
    relay *r = ud;
    if (starts_with(d, "query") && r->cfg->next) {
        g_free(r->asker);
        r->asker = g_strdup(d->from);
        r->asker_port = d->from_port;
        relay_send(r, r->cfg->next, (uint16_t)r->cfg->port, "query", QUERY_BYTES);
    } else if (starts_with(d, "query")) {
        relay_send(r, d->from, d->from_port, "answer", ANSWER_BYTES);
    } else if (starts_with(d, "answer") && r->asker) {
        relay_send(r, r->asker, r->asker_port, "answer", ANSWER_BYTES);
    }
}

static void *relay_start(app_world *w, const app_spec *a, GError **err)
{
    relay *r = g_new0(relay, 1);
    r->cfg = a->cfg;
    r->env = app_world_host(w, a->host);
    r->sock = host_dgram_open(r->env, (uint16_t)r->cfg->port, relay_recv, r, err);
    if (!r->sock) {
        g_free(r);
        return NULL;
    }
    if (r->cfg->ping) {
        r->pinger = host_dgram_open(r->env, 0, relay_recv, r, err);
        uint8_t *m = message("ping", PING_BYTES);
        bool sent = r->pinger && host_dgram_send(r->env, r->pinger, r->cfg->ping, 9, m, PING_BYTES, 0, err);
        g_free(m);
        if (!sent) {
            host_dgram_close(r->env, r->pinger);
            host_dgram_close(r->env, r->sock);
            g_free(r);
            return NULL;
        }
    }
    return r;
}

static void relay_free(void *p)
{
    relay *r = p;
    host_dgram_close(r->env, r->pinger);
    host_dgram_close(r->env, r->sock);
    g_free(r->asker);
    g_free(r);
}

static size_t relay_listens(const void *cfg, uint16_t *ports, size_t max)
{
    if (max < 1)
        return 0;
    ports[0] = (uint16_t)((const relay_cfg *)cfg)->port;
    return 1;
}

static const app_type relay_app = {
    .type = "relay",
    .doc = "passes a query on to the next relay and its answer back",
    .config_size = sizeof(relay_cfg),
    .keys = relay_keys,
    .listens = relay_listens,
    .hold = APP_HOLD_NONE,
    .start = relay_start,
    .free = relay_free,
    .label = relay_label,
};

/* ---- the clients ------------------------------------------------------------------- */

typedef struct {
    char *server;
    int64_t port;
} client_cfg;

static const app_key client_keys[] = {
    {.name = "server", .kind = APP_KEY_NODE, .offset = offsetof(client_cfg, server), .required = true},
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(client_cfg, port), .def = 5300, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {0}};

typedef struct {
    app_world *w;
    host_env *env;
    host_dgram *sock;
    bool answered;
} client;

static void client_recv(void *ud, host_dgram *sock, const host_datagram *d)
{
    (void)sock;
    client *c = ud;
    if (!starts_with(d, "answer") || c->answered)
        return;
    c->answered = true;
    app_world_first_exchange_done(c->w);
    app_world_done(c->w);
}

static void *client_start(app_world *w, const app_spec *a, GError **err)
{
    const client_cfg *cfg = a->cfg;
    client *c = g_new0(client, 1);
    c->w = w;
    c->env = app_world_host(w, a->host);
    c->sock = host_dgram_open(c->env, 0, client_recv, c, err);
    uint8_t *m = message("query", QUERY_BYTES);
    bool sent = c->sock && host_dgram_send(c->env, c->sock, cfg->server, (uint16_t)cfg->port, m, QUERY_BYTES, 0, err);
    g_free(m);
    if (!sent) {
        host_dgram_close(c->env, c->sock);
        g_free(c);
        return NULL;
    }
    return c;
}

static void client_free(void *p)
{
    client *c = p;
    host_dgram_close(c->env, c->sock);
    g_free(c);
}

/* The client's host, its server, then each relay's `next`: the chain. */
static size_t chain_columns(const app_world *w, const app_spec *a, char **hosts, size_t max)
{
    size_t n = 0;
    const char *host = ((const client_cfg *)a->cfg)->server;
    if (n < max)
        hosts[n++] = g_strdup(a->host);
    while (host && n < max) {
        hosts[n++] = g_strdup(host);
        const app_spec *r = app_world_find(w, "relay", host);
        host = r ? ((const relay_cfg *)r->cfg)->next : NULL;
    }
    return n;
}

static bool pair_endpoints(const app_spec *a, char **server)
{
    *server = g_strdup(((const client_cfg *)a->cfg)->server);
    return true;
}

static const app_type chain_client_app = {
    .type = "chain-client",
    .doc = "asks the relay chain once; its timeline follows every relay",
    .config_size = sizeof(client_cfg),
    .keys = client_keys,
    .hold = APP_HOLD_UNTIL_DONE,
    .start = client_start,
    .free = client_free,
    .columns = chain_columns,
};

static const app_type pair_client_app = {
    .type = "pair-client",
    .doc = "asks the relay chain once; its timeline follows its server only",
    .config_size = sizeof(client_cfg),
    .keys = client_keys,
    .hold = APP_HOLD_UNTIL_DONE,
    .start = client_start,
    .free = client_free,
    .endpoints = pair_endpoints,
};

static const app_type *const chain_types[] = {&relay_app, &chain_client_app, &pair_client_app};
static const app_registry chain_registry = {chain_types, G_N_ELEMENTS(chain_types)};

/* ---- the network and its arithmetic --------------------------------------------- */

/* a - b: 8 Mbit/s, 10 ms; b - r: 2 Mbit/s, 3 ms; r - c: 4 Mbit/s, 2 ms;
 * r - d: 8 Mbit/s, 1 ms. Hosts never forward: a reaches b only. */
static const char *const topology =
    "\"nodes\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"r\", \"type\": \"router\"},"
    " {\"name\": \"c\"}, {\"name\": \"d\"}],"
    " \"links\": [{\"from\": \"a\", \"to\": \"b\", \"rate\": \"8Mbps\", \"delay\": \"10ms\"},"
    " {\"from\": \"b\", \"to\": \"r\", \"rate\": \"2Mbps\", \"delay\": \"3ms\"},"
    " {\"from\": \"r\", \"to\": \"c\", \"rate\": \"4Mbps\", \"delay\": \"2ms\"},"
    " {\"from\": \"r\", \"to\": \"d\", \"rate\": \"8Mbps\", \"delay\": \"1ms\"}]";

/* One hop of a datagram of `len` payload bytes: transmission (rounded up
 * to the nanosecond, as sim_tx_time does) and propagation, ns. */
static int64_t hop_ns(size_t len, uint64_t rate_bps, int64_t delay_ns)
{
    uint64_t bits = (uint64_t)(len + UDP_HEADER) * 8;
    return (int64_t)((bits * 1000000000ull + rate_bps - 1) / rate_bps) + delay_ns;
}

static int64_t a_to_b(size_t len) { return hop_ns(len, 8000000, 10000000); }
/* Store and forward at r: the whole datagram arrives before it leaves. */
static int64_t b_to_c(size_t len) { return hop_ns(len, 2000000, 3000000) + hop_ns(len, 4000000, 2000000); }

/* Runs run 0 of a scenario of `apps` with its timeline; NULL on failure. */
static run_result **run_apps(const char *apps, scenario **sc_out, char **file_out)
{
    char *text = g_strdup_printf("{\"name\": \"chain\", %s, \"apps\": [%s]}", topology, apps);
    char *file = NULL;
    int fd = g_file_open_tmp("appsim-chain-XXXXXX.json", &file, NULL);
    close(fd);
    g_file_set_contents(file, text, -1, NULL);
    g_free(text);
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, &chain_registry, &err);
    if (!sc) {
        printf("\n    %s", err->message);
        g_error_free(err);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    plan_options po = {.timeline = true, .jobs = 1};
    run_result **res = plan_run(sc, &po, &err);
    if (!res) {
        printf("\n    %s", err->message);
        g_error_free(err);
    }
    *sc_out = sc;
    *file_out = file;
    return res;
}

static void drop_run(run_result **res, scenario *sc, char *file)
{
    plan_free(res, scenario_run_count(sc));
    scenario_free(sc);
    g_unlink(file);
    g_free(file);
}

static void print_arrows(const run_result *r)
{
    for (guint i = 0; r->arrows && i < r->arrows->len; i++) {
        const run_arrow *a = &g_array_index(r->arrows, run_arrow, i);
        printf("\n    %d -> %d  %.9f .. %.9f  %s", a->from, a->to, a->t_send, a->t_recv, a->label);
    }
}

/* Arrow i goes from column `from` at `t_send` ns to `to` at `t_recv` ns
 * (exact to the nanosecond), labelled `label`. */
static void expect_arrow(const run_result *r, guint i, int from, int to, int64_t t_send, int64_t t_recv,
                         const char *label)
{
    CU_ASSERT_FATAL(i < r->arrows->len);
    const run_arrow *a = &g_array_index(r->arrows, run_arrow, i);
    CU_ASSERT_EQUAL(a->from, from);
    CU_ASSERT_EQUAL(a->to, to);
    CU_ASSERT_DOUBLE_EQUAL(a->t_send, (double)t_send / 1e9, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(a->t_recv, (double)t_recv / 1e9, 1e-12);
    CU_ASSERT_STRING_EQUAL(a->label, label);
}

static void expect_columns(const run_result *r, const char *const *names, guint n)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->columns);
    CU_ASSERT_EQUAL_FATAL(r->columns->len, n);
    for (guint i = 0; i < n; i++)
        CU_ASSERT_STRING_EQUAL(g_ptr_array_index(r->columns, i), names[i]);
}

/* ---- the tests ------------------------------------------------------------------- */

/* The chain's four datagrams, and nothing of d's: b pings d and d pings
 * c (both at time 0, on links the chain uses later), and neither is drawn. */
static const char *const chain_apps =
    "{\"name\": \"rb\", \"type\": \"relay\", \"host\": \"b\", \"next\": \"c\", \"ping\": \"d\"},"
    " {\"name\": \"rc\", \"type\": \"relay\", \"host\": \"c\"},"
    " {\"name\": \"rd\", \"type\": \"relay\", \"host\": \"d\", \"ping\": \"c\"},"
    " {\"name\": \"client\", \"type\": \"chain-client\", \"host\": \"a\", \"server\": \"b\"}";

static void test_chain_of_three_hosts(void)
{
    scenario *sc;
    char *file;
    run_result **res = run_apps(chain_apps, &sc, &file);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    const run_result *r = res[0];
    static const char *const cols[] = {"a", "b", "c"};
    expect_columns(r, cols, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->arrows);
    if (r->arrows->len != 4)
        print_arrows(r);
    CU_ASSERT_EQUAL_FATAL(r->arrows->len, 4);
    int64_t t1 = a_to_b(QUERY_BYTES);
    int64_t t2 = t1 + b_to_c(QUERY_BYTES);
    int64_t t3 = t2 + b_to_c(ANSWER_BYTES);
    int64_t t4 = t3 + a_to_b(ANSWER_BYTES);
    expect_arrow(r, 0, 0, 1, 0, t1, "query [100 B]");
    expect_arrow(r, 1, 1, 2, t1, t2, "query [100 B]");
    expect_arrow(r, 2, 2, 1, t2, t3, "answer [300 B]");
    expect_arrow(r, 3, 1, 0, t3, t4, "answer [300 B]");
    /* the run stopped when the answer reached the client */
    CU_ASSERT_EQUAL(r->end, t4);
    /* in order of arrival */
    for (guint i = 1; i < r->arrows->len; i++)
        CU_ASSERT_TRUE(g_array_index(r->arrows, run_arrow, i - 1).t_recv <=
                       g_array_index(r->arrows, run_arrow, i).t_recv);
    /* no transcript without a TCP connection or `endpoints`, no followed pair without `endpoints` */
    CU_ASSERT_PTR_NULL(r->transcript);
    CU_ASSERT_EQUAL(r->rtt_s, 0);
    drop_run(res, sc, file);
}

/* A datagram between followed hosts to a port no type listens on (from a
 * free port) is drawn too, labelled "UDP [N B]": c pings b at time 0. */
static void test_unlabelled_datagram(void)
{
    scenario *sc;
    char *file;
    run_result **res = run_apps(
        "{\"name\": \"rb\", \"type\": \"relay\", \"host\": \"b\", \"next\": \"c\"},"
        " {\"name\": \"rc\", \"type\": \"relay\", \"host\": \"c\", \"ping\": \"b\"},"
        " {\"name\": \"client\", \"type\": \"chain-client\", \"host\": \"a\", \"server\": \"b\"}",
        &sc, &file);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    const run_result *r = res[0];
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->arrows);
    if (r->arrows->len != 5)
        print_arrows(r);
    CU_ASSERT_EQUAL_FATAL(r->arrows->len, 5);
    /* c -> r -> b: 4 Mbit/s and 2 ms, then 2 Mbit/s and 3 ms */
    int64_t ping = hop_ns(PING_BYTES, 4000000, 2000000) + hop_ns(PING_BYTES, 2000000, 3000000);
    expect_arrow(r, 0, 2, 1, 0, ping, "UDP [20 B]");
    int64_t t1 = a_to_b(QUERY_BYTES);
    expect_arrow(r, 1, 0, 1, 0, t1, "query [100 B]");
    expect_arrow(r, 2, 1, 2, t1, t1 + b_to_c(QUERY_BYTES), "query [100 B]");
    drop_run(res, sc, file);
}

/* A type with `endpoints` only: the timeline follows its two hosts, so
 * b's exchange with c (and b's ping to d) is not drawn. */
static void test_pair_follows_two_hosts(void)
{
    scenario *sc;
    char *file;
    run_result **res = run_apps(
        "{\"name\": \"rb\", \"type\": \"relay\", \"host\": \"b\", \"next\": \"c\", \"ping\": \"d\"},"
        " {\"name\": \"rc\", \"type\": \"relay\", \"host\": \"c\"},"
        " {\"name\": \"client\", \"type\": \"pair-client\", \"host\": \"a\", \"server\": \"b\"}",
        &sc, &file);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    const run_result *r = res[0];
    static const char *const cols[] = {"a", "b"};
    expect_columns(r, cols, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->arrows);
    if (r->arrows->len != 2)
        print_arrows(r);
    CU_ASSERT_EQUAL_FATAL(r->arrows->len, 2);
    int64_t t1 = a_to_b(QUERY_BYTES);
    int64_t t3 = t1 + b_to_c(QUERY_BYTES) + b_to_c(ANSWER_BYTES);
    expect_arrow(r, 0, 0, 1, 0, t1, "query [100 B]");
    expect_arrow(r, 1, 1, 0, t3, t3 + a_to_b(ANSWER_BYTES), "answer [300 B]");
    /* the pair is also the followed pair of the run's figures: 2 x 10 ms */
    CU_ASSERT_DOUBLE_EQUAL(r->rtt_s, 0.020, 1e-12);
    drop_run(res, sc, file);
}

/* The figure: one column per host in the data file's header, the arrows
 * between them, and no round-trip bracket (the first two packets, a to b
 * then b to c, are no round trip). */
static void test_figure_of_the_chain(void)
{
    scenario *sc;
    char *file;
    run_result **res = run_apps(chain_apps, &sc, &file);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    GError *err = NULL;
    char *dir = g_dir_make_tmp("appsim-chain-fig-XXXXXX", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    bool drawn = false;
    CU_ASSERT_TRUE(figures_timeline(sc, res[0], dir, &drawn, &err));
    CU_ASSERT_PTR_NULL(err);
    char *path = g_build_filename(dir, "timeline.dat", NULL), *dat = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &dat, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# chain: the first exchange, packet by packet\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# Hosts (x = column): 0 = a, 1 = b, 2 = c\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\n1 10.128 2 "));
    /* the marks' block (index 1) has its header and no line */
    const char *marks = strstr(dat, "# index 1:");
    CU_ASSERT_PTR_NOT_NULL_FATAL(marks);
    CU_ASSERT_PTR_NULL(strstr(marks, "\"RTT\""));
    if (!plot_have_gnuplot())
        test_skip("the chain's figure: gnuplot is not on PATH (apt install gnuplot-nox)");
    else
        CU_ASSERT_TRUE(drawn);
    g_free(dat);
    g_free(path);
    test_remove_tree(dir);
    g_free(dir);
    drop_run(res, sc, file);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_chain_of_three_hosts), TEST(test_unlabelled_datagram),
                                      TEST(test_pair_follows_two_hosts), TEST(test_figure_of_the_chain)};
    return test_main("world/timeline", tests, G_N_ELEMENTS(tests));
}
