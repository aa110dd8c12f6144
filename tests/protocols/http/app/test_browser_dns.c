/*
 * The browser's name lookups (issue 12): a host with a resolver makes the
 * browser look a URL's host up before it connects, and the wait shows in
 * requests.csv (dns_s, bd_dns_s) and in the page load's breakdown (dns).
 *
 * The resolver is the test's own (test_resolver below): it answers every
 * lookup after a fixed simulated delay D with one address literal, or
 * with "<name>: NXDOMAIN" when it has none, and counts what it was asked.
 * In a scenario it is an application type of this test ("test-resolver"),
 * handed to the world beside the shipped types, that installs itself on
 * its node's host.
 *
 * - One object over ideal TCP: the load takes exactly the time it takes
 *   without a resolver plus D; dns_s and bd_dns_s are D, every other part
 *   is what it was, and the parts add up to the nanosecond.
 * - The answer is what the browser connects to, with the name kept in
 *   the Host header: a URL naming a node without a server reaches the
 *   server of the node whose address the resolver answers (which also
 *   checks app_world_node_address and its reverse).
 * - An error fails the load with the dns reason (failure column "dns",
 *   failure_reasons.dns, the record's "dns: server: NXDOMAIN").
 * - A page with objects on two hosts does two lookups, one per host.
 * - A browser freed while its lookup runs cancels it: no callback comes
 *   (under ASan a late one would touch freed memory).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "cli/registry.h"
#include "plots/figures.h"
#include "models/sim_host.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_server.h"
#include "csv_ns.h"
#include "test_util.h"
#include "world/scenario.h"
#include "world/world.h"

#define D SIM_MS(7)

static char *tmp_root;

/* ---- the test's resolver ------------------------------------------------------ */

typedef struct test_resolver test_resolver;

/* One lookup waiting for its timer. */
typedef struct {
    test_resolver *r;
    uint64_t id;
    char *name;
    host_lookup_fn fn;
    void *ud;
    host_timer_id timer;
} pending_lookup;

/* Ownership: resolver_init/resolver_clear; the host is borrowed. */
struct test_resolver {
    host_resolver base;   /* first member: host_resolver* converts back */
    host_env *env;
    int64_t delay;        /* ns before every answer */
    char answer[16];      /* the literal every name resolves to; "": NXDOMAIN */
    net_t *own;           /* set: each name resolves to its own node's literal instead */
    uint64_t next_id;
    GPtrArray *pending;   /* of pending_lookup*, in start order */
    GPtrArray *names;     /* of char*: every name asked, in order */
    int answered, cancelled;
};

static void pending_free(pending_lookup *p)
{
    g_free(p->name);
    g_free(p);
}

static void lookup_fire(void *ud)
{
    pending_lookup *p = ud;
    test_resolver *r = p->r;
    g_ptr_array_remove(r->pending, p);
    r->answered++;
    char own[NET_IPV4_STRLEN] = "";
    const node_t *node = r->own ? net_node_by_name(r->own, p->name) : NULL;
    if (node)
        node_address_text(node, own);
    if (r->own ? node != NULL : r->answer[0] != '\0') {
        p->fn(p->ud, r->own ? own : r->answer, NULL);
    } else {
        GError *e = g_error_new(NET_ERROR, NET_ERROR_NOT_FOUND, "%s: NXDOMAIN", p->name);
        p->fn(p->ud, NULL, e);
        g_error_free(e);
    }
    pending_free(p);
}

static uint64_t resolver_lookup(host_resolver *hr, const char *name, host_lookup_fn fn, void *ud)
{
    test_resolver *r = (test_resolver *)(void *)hr;
    pending_lookup *p = g_new0(pending_lookup, 1);
    p->r = r;
    p->id = ++r->next_id;
    p->name = g_strdup(name);
    p->fn = fn;
    p->ud = ud;
    p->timer = host_timer(r->env, r->delay, lookup_fire, p);
    g_ptr_array_add(r->pending, p);
    g_ptr_array_add(r->names, g_strdup(name));
    return p->id;
}

static void resolver_cancel(host_resolver *hr, uint64_t id)
{
    test_resolver *r = (test_resolver *)(void *)hr;
    for (guint i = 0; i < r->pending->len; i++) {
        pending_lookup *p = g_ptr_array_index(r->pending, i);
        if (p->id == id) {
            host_timer_cancel(r->env, p->timer);
            g_ptr_array_remove_index(r->pending, i);
            pending_free(p);
            r->cancelled++;
            return;
        }
    }
}

static void resolver_init(test_resolver *r, host_env *env, int64_t delay, const char *answer)
{
    memset(r, 0, sizeof *r);
    r->base.lookup = resolver_lookup;
    r->base.cancel = resolver_cancel;
    r->env = env;
    r->delay = delay;
    g_strlcpy(r->answer, answer ? answer : "", sizeof r->answer);
    r->pending = g_ptr_array_new();
    r->names = g_ptr_array_new_with_free_func(g_free);
    host_set_resolver(env, &r->base);
}

static void resolver_clear(test_resolver *r)
{
    host_set_resolver(r->env, NULL);
    for (guint i = 0; i < r->pending->len; i++) {
        pending_lookup *p = g_ptr_array_index(r->pending, i);
        host_timer_cancel(r->env, p->timer);
        pending_free(p);
    }
    g_ptr_array_free(r->pending, TRUE);
    g_ptr_array_free(r->names, TRUE);
}

/* ---- the resolver as an application type --------------------------------------- */

typedef struct {
    int64_t delay;
    char *answer; /* a node whose address every name gets; NULL: NXDOMAIN */
} resolver_cfg;

static const app_key resolver_keys[] = {
    {.name = "delay", .kind = APP_KEY_TIME, .offset = offsetof(resolver_cfg, delay)},
    {.name = "answer", .kind = APP_KEY_STRING, .offset = offsetof(resolver_cfg, answer)},
    {0}};

static void *resolver_start(app_world *w, const app_spec *a, GError **err)
{
    (void)err;
    const resolver_cfg *c = a->cfg;
    char literal[16] = "";
    if (c->answer) {
        CU_ASSERT_TRUE(app_world_node_address(w, c->answer, literal));
        CU_ASSERT_STRING_EQUAL(app_world_node_of_address(w, literal), c->answer);
    }
    /* Unknown nodes and addresses of no node. */
    char none[16] = "x";
    CU_ASSERT_FALSE(app_world_node_address(w, "nowhere", none));
    CU_ASSERT_STRING_EQUAL(none, "");
    CU_ASSERT_PTR_NULL(app_world_node_of_address(w, "10.0.0.99"));
    CU_ASSERT_PTR_NULL(app_world_node_of_address(w, "client"));
    test_resolver *r = g_new(test_resolver, 1);
    resolver_init(r, app_world_host(w, a->host), c->delay, literal);
    return r;
}

static void resolver_free(void *p)
{
    resolver_clear(p);
    g_free(p);
}

static void resolver_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                             app_collect *out)
{
    (void)w;
    (void)specs;
    uint64_t lookups = 0, cancelled = 0;
    for (size_t i = 0; i < n; i++) {
        const test_resolver *r = insts[i];
        lookups += r->names->len;
        cancelled += (uint64_t)r->cancelled;
    }
    app_metric_count(out, "test_resolver.lookups", lookups);
    app_metric_count(out, "test_resolver.cancelled", cancelled);
}

static const app_type resolver_type = {
    .type = "test-resolver",
    .doc = "answers every name lookup of its host after a delay (tests only)",
    .config_size = sizeof(resolver_cfg),
    .keys = resolver_keys,
    .hold = APP_HOLD_NONE,
    .start = resolver_start,
    .free = resolver_free,
    .collect = resolver_collect,
};

/* The shipped types and the test's. */
static const app_registry *test_registry(void)
{
    static const app_type *types[64];
    static app_registry reg;
    if (!reg.n) {
        const app_registry *shipped = appsim_registry();
        g_assert(shipped->n + 1 <= G_N_ELEMENTS(types));
        for (size_t i = 0; i < shipped->n; i++)
            types[i] = shipped->types[i];
        types[shipped->n] = &resolver_type;
        reg.types = types;
        reg.n = shipped->n + 1;
    }
    return &reg;
}

/* ---- running a scenario ----------------------------------------------------------- */

/* One row of requests.csv by column name. */
typedef struct {
    char **names;  /* the header, run column first */
    char **fields; /* the first row */
} csv_row;

static const char *col(const csv_row *r, const char *name)
{
    for (guint i = 0; r->names[i] && r->fields[i]; i++)
        if (!strcmp(r->names[i], name))
            return r->fields[i];
    CU_FAIL("no such column");
    return "";
}

/* The first row of the run's requests.csv. */
static csv_row first_row(const run_result *res)
{
    csv_row row = {0};
    for (guint i = 0; i < res->csvs->len; i++) {
        const run_csv *c = g_ptr_array_index(res->csvs, i);
        if (strcmp(c->file, "requests.csv"))
            continue;
        char *header = g_strdup_printf("run,%s", c->header);
        row.names = g_strsplit(header, ",", -1);
        g_free(header);
        char **lines = g_strsplit(c->rows->str, "\n", 2);
        row.fields = g_strsplit(lines[0] ? lines[0] : "", ",", -1);
        g_strfreev(lines);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(row.names);
    CU_ASSERT_EQUAL(g_strv_length(row.names), g_strv_length(row.fields));
    return row;
}

static void row_clear(csv_row *r)
{
    g_strfreev(r->names);
    g_strfreev(r->fields);
}

/* The parts' names in the first line of the breakdown figure's data
 * (drawn into tmp_root/figure), or NULL when none was drawn. */
static char *figure_parts(const scenario *sc, run_result *res)
{
    char *dir = g_build_filename(tmp_root, "figure", NULL);
    g_mkdir_with_parents(dir, 0700);
    guint drawn = 0;
    GError *err = NULL;
    run_result *const all[] = {res};
    CU_ASSERT_TRUE(figures_breakdown(sc, all, dir, &drawn, &err));
    g_clear_error(&err);
    char *parts = NULL;
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *f;
    while (d && (f = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, f, NULL);
        char *text = NULL;
        if (!parts && g_str_has_suffix(f, ".dat") && g_file_get_contents(path, &text, NULL, NULL)) {
            char **lines = g_strsplit(text, "\n", -1);
            for (char **k = lines; *k && !parts; k++)
                if (**k && **k != '#')
                    parts = g_strdup(*k); /* the header row: the x axis, then the parts */
            g_strfreev(lines);
        }
        g_free(text);
        g_remove(path);
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
    g_free(dir);
    return parts;
}

/* One run of a client with a browser loading http://server/o once over
 * ideal TCP (8 Mbit/s, 10 ms), `servers` the http-server apps, `extra`
 * more apps (the resolver). With `parts`, the breakdown figure's parts
 * too (figure_parts). */
static run_result *run_scenario_fig(const char *servers, const char *extra, char **parts)
{
    char *text = g_strdup_printf(
        "{\"name\": \"dns\", \"tcp\": {\"cc\": \"ideal\"},"
        " \"nodes\": [{\"name\": \"client\"}, {\"name\": \"server\"}, {\"name\": \"server2\"}],"
        " \"links\": [{\"name\": \"l1\", \"from\": \"client\", \"to\": \"server\", \"rate\": \"8Mbps\", \"delay\": \"10ms\"},"
        " {\"name\": \"l2\", \"from\": \"client\", \"to\": \"server2\", \"rate\": \"8Mbps\", \"delay\": \"10ms\"}],"
        " \"apps\": [%s"
        " {\"name\": \"browser\", \"type\": \"browser\", \"host\": \"client\", \"mode\": \"nonpersistent\","
        " \"pages\": [\"http://server/o\"]}%s]%s}",
        servers, extra,
        /* a sweep of one value (the delay it has) gives the figure its axis */
        parts ? ", \"sweep\": [{\"path\": \"links.l1.delay\", \"values\": [\"10ms\"]}]" : "");
    char *file = g_build_filename(tmp_root, "dns.json", NULL);
    g_file_set_contents(file, text, -1, NULL);
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, test_registry(), &err);
    if (!sc)
        printf("\n    %s", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    scn_run *r = scenario_run(sc, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    run_result *res = world_run(r, test_registry(), 0, NULL, &err);
    if (!res)
        printf("\n    %s", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    if (parts)
        *parts = figure_parts(sc, res);
    scn_run_free(r);
    scenario_free(sc);
    g_remove(file);
    g_free(file);
    g_free(text);
    return res;
}

static run_result *run_scenario(const char *servers, const char *extra)
{
    return run_scenario_fig(servers, extra, NULL);
}

/* The browser type's report of a run, in one style. */
static char *report(const run_result *res, app_report_style style)
{
    const app_type *t = app_registry_find(test_registry(), "browser");
    GString *out = g_string_new("");
    t->report(run_result_view(res), style, out);
    return g_string_free(out, FALSE);
}

#define SERVER "{\"name\": \"web\", \"type\": \"http-server\", \"host\": \"server\", " \
               "\"objects\": [{\"path\": \"/o\", \"size\": 1000}]},"
#define SERVER2 "{\"name\": \"web2\", \"type\": \"http-server\", \"host\": \"server2\", " \
                "\"objects\": [{\"path\": \"/o\", \"size\": 1000}]},"

static const char *const parts[] = {"dns", "connect", "request", "server", "response", "queueing", "slow_start",
                                    "delayed_ack", "retransmission", "other"};

/* A single-object load takes exactly D more with the lookup, and D is
 * its dns part. */
static void test_one_object_plus_d(void)
{
    char *parts_plain = NULL, *parts_dns = NULL;
    run_result *plain = run_scenario_fig(SERVER, "", &parts_plain);
    run_result *dns = run_scenario_fig(SERVER, ", {\"name\": \"dns\", \"type\": \"test-resolver\", \"host\": \"client\","
                                               " \"delay\": \"7ms\", \"answer\": \"server\"}", &parts_dns);
    CU_ASSERT_PTR_NULL(dns->failed);
    CU_ASSERT_EQUAL(run_result_metric(dns, "test_resolver.lookups"), 1);
    CU_ASSERT_EQUAL(run_result_metric(dns, "loads_ok"), 1);
    csv_row a = first_row(plain), b = first_row(dns);
    CU_ASSERT_STRING_EQUAL(col(&a, "dns_s"), "0.000000000");
    CU_ASSERT_EQUAL(csv_parse_ns(col(&b, "dns_s")), D);
    CU_ASSERT_STRING_EQUAL(col(&b, "status"), "200");
    /* The connect starts when the answer comes: at D. */
    CU_ASSERT_EQUAL(csv_parse_ns(col(&b, "connect_start_s")), csv_parse_ns(col(&a, "connect_start_s")) + D);
    int64_t ea = csv_parse_ns(col(&a, "elapsed_s")), eb = csv_parse_ns(col(&b, "elapsed_s"));
    CU_ASSERT_EQUAL(eb, ea + D);
    CU_ASSERT_EQUAL(csv_parse_ns(col(&b, "last_byte_s")), csv_parse_ns(col(&a, "last_byte_s")) + D);
    int64_t sum = 0;
    for (size_t p = 0; p < G_N_ELEMENTS(parts); p++) {
        char name[64];
        g_snprintf(name, sizeof name, "bd_%s_s", parts[p]);
        int64_t va = csv_parse_ns(col(&a, name)), vb = csv_parse_ns(col(&b, name));
        sum += vb;
        if (p == 0) {
            CU_ASSERT_EQUAL(va, 0);
            CU_ASSERT_EQUAL(vb, D);
        } else {
            CU_ASSERT_EQUAL(vb, va); /* nothing else moved */
        }
    }
    CU_ASSERT_EQUAL(sum, eb);
    /* The page load: exactly D more, D of it dns, the parts adding up. */
    double ta = run_result_metric(plain, "page_load_time_mean_s"), tb = run_result_metric(dns, "page_load_time_mean_s");
    CU_ASSERT_DOUBLE_EQUAL(tb, ta + 0.007, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(run_result_metric(dns, "breakdown.dns_s"), 0.007, 1e-12);
    CU_ASSERT_EQUAL(run_result_metric(plain, "breakdown.dns_s"), 0);
    double total = 0;
    for (size_t p = 0; p < G_N_ELEMENTS(parts); p++) {
        char key[64];
        g_snprintf(key, sizeof key, "breakdown.sum.%s_s", parts[p]);
        total += run_result_metric(dns, key);
    }
    CU_ASSERT_DOUBLE_EQUAL(total, run_result_metric(dns, "breakdown.sum.page_load_s"), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(run_result_metric(dns, "breakdown.page_load_s"), tb, 1e-12);
    /* The report and the figure name dns only when there was a lookup. */
    char *ra = report(plain, APP_REPORT_SINGLE), *rb = report(dns, APP_REPORT_SINGLE);
    char *wa = report(plain, APP_REPORT_ROW), *wb = report(dns, APP_REPORT_ROW);
    CU_ASSERT_PTR_NULL(strstr(ra, "dns"));
    if (!strstr(rb, " + dns 7.000 + server "))
        printf("\n    %s", rb);
    CU_ASSERT_PTR_NOT_NULL(strstr(rb, " + dns 7.000 + server "));
    CU_ASSERT_PTR_NULL(strstr(wa, "dns"));
    CU_ASSERT_PTR_NOT_NULL(strstr(wb, " + dns 7.0 = simulated "));
    CU_ASSERT_PTR_NOT_NULL_FATAL(parts_plain);
    CU_ASSERT_PTR_NOT_NULL_FATAL(parts_dns);
    CU_ASSERT_PTR_NULL(strstr(parts_plain, "dns"));
    CU_ASSERT_PTR_NOT_NULL(strstr(parts_dns, "\"dns\" \"connect\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(parts_plain, "\"connect\""));
    g_free(ra);
    g_free(rb);
    g_free(wa);
    g_free(wb);
    g_free(parts_plain);
    g_free(parts_dns);
    row_clear(&a);
    row_clear(&b);
    run_result_free(plain);
    run_result_free(dns);
}

/* The browser connects to the literal it is given, and keeps the name
 * in its request: "server" runs no web server (a connect by the name is
 * refused), the answer is server2's, whose server answers 421 to a Host
 * that is not its own name (http_server.h, check_host). */
static void test_connects_to_the_answer(void)
{
    run_result *plain = run_scenario(SERVER2, "");
    CU_ASSERT_EQUAL(run_result_metric(plain, "failure_reasons.refused"), 1);
    run_result *dns = run_scenario(SERVER2, ", {\"name\": \"dns\", \"type\": \"test-resolver\", \"host\": \"client\","
                                            " \"delay\": \"7ms\", \"answer\": \"server2\"}");
    CU_ASSERT_EQUAL(run_result_metric(dns, "failure_reasons.http_421"), 1);
    CU_ASSERT_TRUE(isnan(run_result_metric(dns, "failure_reasons.refused")));
    csv_row b = first_row(dns);
    CU_ASSERT_STRING_EQUAL(col(&b, "status"), "421");
    CU_ASSERT_EQUAL(csv_parse_ns(col(&b, "dns_s")), D);
    CU_ASSERT_STRING_EQUAL(col(&b, "url"), "http://server/o");
    row_clear(&b);
    run_result_free(plain);
    run_result_free(dns);
}

/* A lookup that fails fails the load, as a dns failure. */
static void test_lookup_error(void)
{
    run_result *res = run_scenario(SERVER, ", {\"name\": \"dns\", \"type\": \"test-resolver\", \"host\": \"client\","
                                           " \"delay\": \"7ms\"}");
    CU_ASSERT_EQUAL(run_result_metric(res, "failures"), 1);
    CU_ASSERT_EQUAL(run_result_metric(res, "failure_reasons.dns"), 1);
    CU_ASSERT_EQUAL(run_result_metric(res, "loads_ok"), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res->failed); /* every load failed: the run failed, and says why */
    CU_ASSERT_PTR_NOT_NULL(strstr(res->failed, "name lookup failed"));
    csv_row r = first_row(res);
    CU_ASSERT_STRING_EQUAL(col(&r, "failure"), "dns");
    CU_ASSERT_STRING_EQUAL(col(&r, "status"), "0");
    CU_ASSERT_EQUAL(csv_parse_ns(col(&r, "dns_s")), D);
    CU_ASSERT_STRING_EQUAL(col(&r, "connect_start_s"), "-1.000000000");
    row_clear(&r);
    run_result_free(res);
}

/* ---- the browser on a simulated network, without a world ----------------------------- */

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    sim_host_t *client, *s1, *s2;
    http_store *store;
    http_server *w1, *w2;
    http_browser *browser;
    test_resolver res;
    int done;
} net3;

/* client --(8 Mbit/s, 10 ms)-- server and --(same)-- server2, a web
 * server with /a and /b on each, the resolver on the client answering
 * `answer` (a literal, "" for NXDOMAIN) after D. */
static void net3_init(net3 *n, browser_mode mode, const char *answer)
{
    memset(n, 0, sizeof *n);
    n->sim = sim_new(1);
    n->net = net_new(n->sim);
    node_t *c = net_add_host(n->net, "client", NULL);
    node_t *s1 = net_add_host(n->net, "server", NULL);
    node_t *s2 = net_add_host(n->net, "server2", NULL);
    link_params_t lp = {.rate_bps = 8000000, .delay = SIM_MS(10)};
    net_link(n->net, "l1", c, s1, &lp, NULL, NULL);
    net_link(n->net, "l2", c, s2, &lp, NULL, NULL);
    tcp_params_t tp;
    tcp_params_default(&tp);
    tp.cc = TCP_CC_IDEAL;
    n->tcp = tcp_stack_new(n->net, &tp);
    n->client = sim_host_new(n->tcp, c, NULL);
    n->s1 = sim_host_new(n->tcp, s1, NULL);
    n->s2 = sim_host_new(n->tcp, s2, NULL);
    n->store = http_store_new();
    http_store_add(n->store, "/a", 500, "image/gif", NULL, SIM_HOST_EPOCH - 86400, 0);
    http_store_add(n->store, "/b", 700, "image/gif", NULL, SIM_HOST_EPOCH - 86400, 0);
    n->w1 = http_server_new(sim_host_env(n->s1), n->store, NULL, NULL);
    n->w2 = http_server_new(sim_host_env(n->s2), n->store, NULL, NULL);
    browser_config bc;
    browser_config_default(&bc);
    bc.mode = mode;
    n->browser = http_browser_new(sim_host_env(n->client), &bc, NULL);
    resolver_init(&n->res, sim_host_env(n->client), D, answer);
}

static void net3_clear(net3 *n)
{
    http_browser_free(n->browser);
    resolver_clear(&n->res);
    http_server_free(n->w1);
    http_server_free(n->w2);
    http_store_free(n->store);
    sim_host_free(n->client);
    sim_host_free(n->s1);
    sim_host_free(n->s2);
    tcp_stack_free(n->tcp);
    net_free(n->net);
    sim_free(n->sim);
}

static void on_done(void *ud, http_browser *b, const http_page *pg)
{
    (void)b;
    (void)pg;
    ((net3 *)ud)->done++;
}

/* Objects on two hosts: one lookup per host, each record's wait D. */
static void test_two_hosts_two_lookups(void)
{
    net3 n;
    net3_init(&n, BROWSER_P_SERIAL, "");
    n.res.own = n.net; /* each name gets its own node's literal */
    static const char *const urls[] = {"http://server/a", "http://server2/b"};
    CU_ASSERT_TRUE_FATAL(http_browser_fetch(n.browser, urls, 2, on_done, &n));
    sim_run(n.sim);
    CU_ASSERT_EQUAL(n.done, 1);
    CU_ASSERT_EQUAL_FATAL(n.res.names->len, 2);
    CU_ASSERT_STRING_EQUAL(g_ptr_array_index(n.res.names, 0), "server");
    CU_ASSERT_STRING_EQUAL(g_ptr_array_index(n.res.names, 1), "server2");
    const GArray *recs = http_browser_records(n.browser);
    CU_ASSERT_EQUAL_FATAL(recs->len, 2);
    for (guint i = 0; i < 2; i++) {
        const http_record *r = &g_array_index(recs, http_record, i);
        CU_ASSERT_EQUAL(r->status, 200);
        CU_ASSERT_EQUAL(r->dns_end - r->dns_start, D);
        CU_ASSERT_EQUAL(r->connect_start, r->dns_end);
        CU_ASSERT_FALSE(r->reused);
    }
    CU_ASSERT_EQUAL(g_array_index(recs, http_record, 0).bytes, 500);
    CU_ASSERT_EQUAL(g_array_index(recs, http_record, 1).bytes, 700);
    const http_page *pg = &g_array_index(http_browser_pages(n.browser), http_page, 0);
    CU_ASSERT_EQUAL(pg->lookups, 2);
    CU_ASSERT_EQUAL(pg->connections, 2);
    CU_ASSERT_EQUAL(pg->failures, 0);
    net3_clear(&n);
}

/* The record of a failed lookup carries the resolver's reason. */
static void test_error_reason(void)
{
    net3 n;
    net3_init(&n, BROWSER_NP_SERIAL, "");
    static const char *const urls[] = {"http://server/a"};
    CU_ASSERT_TRUE_FATAL(http_browser_fetch(n.browser, urls, 1, on_done, &n));
    sim_run(n.sim);
    CU_ASSERT_EQUAL(n.done, 1);
    const http_record *r = &g_array_index(http_browser_records(n.browser), http_record, 0);
    CU_ASSERT_EQUAL(r->status, 0);
    CU_ASSERT_STRING_EQUAL(r->error, "dns: server: NXDOMAIN");
    CU_ASSERT_EQUAL(r->dns_end - r->dns_start, D);
    CU_ASSERT_EQUAL(r->connect_start, -1);
    const http_page *pg = &g_array_index(http_browser_pages(n.browser), http_page, 0);
    CU_ASSERT_EQUAL(pg->failures, 1);
    CU_ASSERT_EQUAL(pg->connections, 0);
    net3_clear(&n);
}

/* Freed while its lookup runs: the lookup is cancelled, no answer comes. */
static void test_free_cancels(void)
{
    net3 n;
    net3_init(&n, BROWSER_NP_PARALLEL, "10.0.0.2");
    static const char *const urls[] = {"http://server/a", "http://server2/b"};
    CU_ASSERT_TRUE_FATAL(http_browser_fetch(n.browser, urls, 2, on_done, &n));
    sim_run_until(n.sim, D / 2);
    CU_ASSERT_EQUAL(n.res.names->len, 2); /* parallel: a lookup per connection */
    CU_ASSERT_EQUAL(n.res.pending->len, 2);
    http_browser_free(n.browser);
    n.browser = NULL;
    CU_ASSERT_EQUAL(n.res.cancelled, 2);
    CU_ASSERT_EQUAL(n.res.pending->len, 0);
    sim_run(n.sim);
    CU_ASSERT_EQUAL(n.res.answered, 0);
    CU_ASSERT_EQUAL(n.done, 0);
    net3_clear(&n);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-dns-XXXXXX", NULL);
    static const test_case tests[] = {
        TEST(test_one_object_plus_d),
        TEST(test_connects_to_the_answer),
        TEST(test_lookup_error),
        TEST(test_two_hosts_two_lookups),
        TEST(test_error_reason),
        TEST(test_free_cancels),
    };
    int rc = test_main("protocols/http/app/browser_dns", tests, G_N_ELEMENTS(tests));
    g_rmdir(tmp_root);
    g_free(tmp_root);
    return rc;
}
