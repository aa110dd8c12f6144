/*
 * The HTTP server and browser in the simulator, against the textbook.
 *
 * With `ideal` TCP and negligible object sizes, a base page with n objects
 * on one link of round trip RTT loads in (tolerance 1%, in each assertion):
 *   non-persistent, serial               2 RTT (n + 1)
 *   non-persistent, N parallel           2 RTT (1 + ceil(n / N))
 *   persistent, no pipelining            2 RTT + n RTT
 *   persistent, pipelined                2 RTT + RTT
 *   persistent, N parallel               3 RTT + ceil((n - 1) / N) RTT
 * (the base page's connection carries the first object at once; the N - 1
 * new ones pay a handshake first). With real object sizes the
 * transmission times add: the exact forms are the browser's "http-page"
 * formula, tested over a grid in tests/protocols/http/app/test_page_formulas.c. Under reno the modes
 * keep the same order. Also: records, cookies, conditional GET, Basic
 * authentication and redirects as seen by the browser.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "models/sim_host.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_server.h"
#include "test_util.h"

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    sim_host_t *client_host, *server_host;
    http_store *store;
    http_server *server;
    http_browser *browser;
    bool done;
} world;

/* The base page refers to n images of `size` bytes each. */
static void add_page(http_store *st, int n, uint64_t size)
{
    GString *html = g_string_new("<html><head><title>test</title></head><body>\n");
    for (int i = 0; i < n; i++) {
        char path[32];
        g_snprintf(path, sizeof path, "/img%d.gif", i);
        g_string_append_printf(html, "<img src=\"%s\">\n", path + 1); /* relative */
        http_store_add(st, path, size, "image/gif", NULL, SIM_HOST_EPOCH - 86400, 0);
    }
    g_string_append(html, "</body></html>\n");
    http_store_add(st, "/index.html", html->len, "text/html", html->str, SIM_HOST_EPOCH - 86400, 0);
    g_string_free(html, TRUE);
}

static world world_new(uint64_t rate, sim_time_t one_way, tcp_cc cc, const browser_config *bc)
{
    world w = {0};
    w.sim = sim_new(1);
    w.net = net_new(w.sim);
    node_t *c = net_add_host(w.net, "client", NULL);
    node_t *s = net_add_host(w.net, "server", NULL);
    link_params_t lp = {.rate_bps = rate, .delay = one_way};
    net_link(w.net, "link", c, s, &lp, NULL, NULL);
    tcp_params_t tp;
    tcp_params_default(&tp);
    tp.cc = cc;
    w.tcp = tcp_stack_new(w.net, &tp);
    w.client_host = sim_host_new(w.tcp, c, NULL);
    w.server_host = sim_host_new(w.tcp, s, NULL);
    w.store = http_store_new();
    GError *err = NULL;
    w.server = http_server_new(sim_host_env(w.server_host), w.store, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.server);
    w.browser = http_browser_new(sim_host_env(w.client_host), bc, &err);
    return w;
}

static void world_free(world *w)
{
    http_browser_free(w->browser);
    http_server_free(w->server);
    http_store_free(w->store);
    sim_host_free(w->client_host);
    sim_host_free(w->server_host);
    tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
}

static void on_done(void *ud, http_browser *b, const http_page *pg)
{
    (void)b;
    (void)pg;
    ((world *)ud)->done = true;
}

/* Loads the page once; returns its load time in seconds. */
static double load_page(world *w, const char *url)
{
    w->done = false;
    CU_ASSERT_TRUE_FATAL(http_browser_load(w->browser, url, on_done, w));
    sim_run(w->sim);
    CU_ASSERT_TRUE(w->done);
    const GArray *pages = http_browser_pages(w->browser);
    const http_page *pg = &g_array_index(pages, http_page, pages->len - 1);
    return sim_time_to_s(pg->end - pg->start);
}

static double run_mode(browser_mode mode, uint32_t par, int n, double rtt, tcp_cc cc, uint64_t rate,
                       uint64_t size, http_page *out)
{
    browser_config bc;
    browser_config_default(&bc);
    bc.mode = mode;
    bc.parallel = par;
    world w = world_new(rate, sim_time_from_s(rtt / 2), cc, &bc);
    add_page(w.store, n, size);
    double t = load_page(&w, "http://server/index.html");
    const GArray *pages = http_browser_pages(w.browser);
    const http_page *pg = &g_array_index(pages, http_page, 0);
    CU_ASSERT_EQUAL(pg->objects, (uint32_t)n);
    CU_ASSERT_EQUAL(pg->failures, 0);
    if (out) {
        *out = *pg;
        out->url = NULL;
    }
    world_free(&w);
    return t;
}

static void test_textbook_modes_ideal(void)
{
    static const int ns[] = {1, 5, 10};
    static const double rtts[] = {0.01, 0.1, 0.3};
    static const uint32_t pars[] = {2, 3, 5};
    const uint64_t rate = 1000000000; /* 1 Gbps: transmission times negligible */
    for (size_t a = 0; a < G_N_ELEMENTS(ns); a++) {
        for (size_t b = 0; b < G_N_ELEMENTS(rtts); b++) {
            int n = ns[a];
            double rtt = rtts[b];
            uint32_t par = pars[(a + b) % 3];
            http_page pg;
            double np = run_mode(BROWSER_NP_SERIAL, 1, n, rtt, TCP_CC_IDEAL, rate, 10, &pg);
            ASSERT_REL(np, 2 * rtt * (n + 1), 0.01);
            CU_ASSERT_EQUAL(pg.connections, (uint32_t)n + 1);
            double npp = run_mode(BROWSER_NP_PARALLEL, par, n, rtt, TCP_CC_IDEAL, rate, 10, NULL);
            ASSERT_REL(npp, 2 * rtt * (1 + ceil((double)n / par)), 0.01);
            double p = run_mode(BROWSER_P_SERIAL, 1, n, rtt, TCP_CC_IDEAL, rate, 10, &pg);
            ASSERT_REL(p, 2 * rtt + n * rtt, 0.01);
            CU_ASSERT_EQUAL(pg.connections, 1);
            double pp = run_mode(BROWSER_P_PIPELINE, 1, n, rtt, TCP_CC_IDEAL, rate, 10, NULL);
            ASSERT_REL(pp, 3 * rtt, 0.01);
            double ppar = run_mode(BROWSER_P_PARALLEL, par, n, rtt, TCP_CC_IDEAL, rate, 10, NULL);
            ASSERT_REL(ppar, 3 * rtt + ceil((n - 1.0) / par) * rtt, 0.01);
            printf("\n    n=%-2d RTT=%.2f N=%u: np %.4f (%.4f) par %.4f (%.4f) p %.4f (%.4f) pipe "
                   "%.4f (%.4f) ppar %.4f (%.4f)",
                   n, rtt, par, np, 2 * rtt * (n + 1), npp, 2 * rtt * (1 + ceil((double)n / par)), p,
                   2 * rtt + n * rtt, pp, 3 * rtt, ppar, 3 * rtt + ceil((n - 1.0) / par) * rtt);
        }
    }
}

/* With real sizes on a slower link the transmission times add: persistent
 * without pipelining = 2 RTT + base transmission + n (RTT + object time). */
static void test_transmission_times_add(void)
{
    const uint64_t rate = 10000000;
    const double rtt = 0.1;
    const int n = 4;
    const uint64_t size = 50000;
    double p = run_mode(BROWSER_P_SERIAL, 1, n, rtt, TCP_CC_IDEAL, rate, size, NULL);
    double obj = (double)size * 8 / rate;
    double base = 2 * rtt + n * rtt + n * obj;
    printf("\n    persistent, %d x %g B at 10 Mbps: %.4f s, 2 RTT + n (RTT + L/R) = %.4f s", n,
           (double)size, p, base);
    /* headers and segment overheads are the remaining few per cent */
    CU_ASSERT_TRUE(p > base);
    ASSERT_REL(p, base, 0.05);
}

static void test_reno_keeps_the_order(void)
{
    const uint64_t rate = 10000000;
    const double rtt = 0.1;
    const int n = 10;
    const uint64_t size = 20000;
    double np = run_mode(BROWSER_NP_SERIAL, 1, n, rtt, TCP_CC_RENO, rate, size, NULL);
    double npp = run_mode(BROWSER_NP_PARALLEL, 5, n, rtt, TCP_CC_RENO, rate, size, NULL);
    double p = run_mode(BROWSER_P_SERIAL, 1, n, rtt, TCP_CC_RENO, rate, size, NULL);
    double pp = run_mode(BROWSER_P_PIPELINE, 1, n, rtt, TCP_CC_RENO, rate, size, NULL);
    printf("\n    reno, 10 x 20 kB, 10 Mbps, RTT 100 ms: np %.3f par5 %.3f p %.3f pipe %.3f", np, npp,
           p, pp);
    CU_ASSERT_TRUE(np > p);
    CU_ASSERT_TRUE(np > npp);
    CU_ASSERT_TRUE(p > pp);
}

/* The tables of docs/http.md: the textbook's numbers, ideal TCP and reno,
 * for a base page and 10 objects of `size` bytes over 10 Mbps with a
 * 100 ms RTT. Both TCPs keep the textbook's order: pipelined < persistent
 * < non-persistent serial, and 5 parallel non-persistent beat serial. */
static void ideal_vs_reno_table(uint64_t size)
{
    const uint64_t rate = 10000000;
    const double rtt = 0.1;
    const int n = 10;
    static const struct {
        browser_mode mode;
        uint32_t par;
        const char *name;
    } modes[] = {
        {BROWSER_NP_SERIAL, 1, "non-persistent, serial"},
        {BROWSER_NP_PARALLEL, 5, "non-persistent, 5 parallel"},
        {BROWSER_P_SERIAL, 1, "persistent, no pipelining"},
        {BROWSER_P_PARALLEL, 5, "persistent, 5 parallel"},
        {BROWSER_P_PIPELINE, 1, "persistent, pipelined"},
    };
    /* Persistent parallel: the base page's connection takes the first
     * object at once, the N - 1 new ones pay a handshake first:
     * 3 RTT + ceil((n - 1)/N) RTT. */
    double textbook[] = {2 * rtt * (n + 1), 2 * rtt * (1 + ceil(n / 5.0)), 2 * rtt + n * rtt,
                         3 * rtt + ceil((n - 1) / 5.0) * rtt, 3 * rtt};
    double ideal[5], reno[5];
    printf("\n\nObjects of %" G_GUINT64_FORMAT " bytes:\n\n| mode | textbook (sizes negligible) | ideal TCP | reno |\n", size);
    printf("| --- | --- | --- | --- |\n");
    for (int i = 0; i < 5; i++) {
        ideal[i] = run_mode(modes[i].mode, modes[i].par, n, rtt, TCP_CC_IDEAL, rate, size, NULL);
        reno[i] = run_mode(modes[i].mode, modes[i].par, n, rtt, TCP_CC_RENO, rate, size, NULL);
        printf("| %s | %.3f s | %.3f s | %.3f s |\n", modes[i].name, textbook[i], ideal[i], reno[i]);
    }
    for (int k = 0; k < 2; k++) {
        const double *t = k ? reno : ideal;
        CU_ASSERT_TRUE(t[4] < t[2] && t[2] < t[0]);
        CU_ASSERT_TRUE(t[1] < t[0]);
    }
    /* ideal TCP is the textbook plus transmission times: never below it */
    for (int i = 0; i < 5; i++)
        CU_ASSERT_TRUE(ideal[i] >= textbook[i]);
}

static void test_ideal_vs_reno_table(void)
{
    ideal_vs_reno_table(10000);
    ideal_vs_reno_table(100000);
}

static void test_records(void)
{
    browser_config bc;
    browser_config_default(&bc);
    bc.mode = BROWSER_P_SERIAL;
    world w = world_new(10000000, SIM_MS(50), TCP_CC_IDEAL, &bc);
    add_page(w.store, 3, 1000);
    load_page(&w, "http://server/index.html");
    const GArray *recs = http_browser_records(w.browser);
    CU_ASSERT_EQUAL(recs->len, 4);
    for (guint i = 0; i < recs->len; i++) {
        const http_record *r = &g_array_index(recs, http_record, i);
        CU_ASSERT_EQUAL(r->status, 200);
        CU_ASSERT_EQUAL(r->index, i);
        CU_ASSERT_TRUE(r->connect_start <= r->request_sent);
        CU_ASSERT_TRUE(r->request_sent < r->first_byte);
        CU_ASSERT_TRUE(r->first_byte <= r->last_byte);
        CU_ASSERT_EQUAL(r->reused, i > 0);
        if (i > 0)
            CU_ASSERT_EQUAL(r->bytes, 1000);
    }
    const http_record *obj = &g_array_index(recs, http_record, 1);
    CU_ASSERT_STRING_EQUAL(obj->url, "http://server/img0.gif");
    world_free(&w);
}

static void test_cookies_and_conditional_get(void)
{
    browser_config bc;
    browser_config_default(&bc);
    world w = world_new(10000000, SIM_MS(10), TCP_CC_IDEAL, &bc);
    add_page(w.store, 2, 5000);
    load_page(&w, "http://server/index.html");
    load_page(&w, "http://server/index.html");
    /* One visitor: one cookie ID, seen on every request after the first. */
    CU_ASSERT_EQUAL(http_server_cookie_count(w.server), 1);
    CU_ASSERT_EQUAL(http_server_cookie_visits(w.server, 1), 6);
    const GArray *recs = http_browser_records(w.browser);
    CU_ASSERT_EQUAL(recs->len, 6);
    /* The second load revalidates the images: 304, from the cache. */
    const http_record *again = &g_array_index(recs, http_record, 4);
    CU_ASSERT_EQUAL(again->status, 304);
    CU_ASSERT_TRUE(again->from_cache);
    CU_ASSERT_EQUAL(again->bytes, 5000);
    CU_ASSERT_EQUAL(http_server_get_stats(w.server)->not_modified, 2);
    world_free(&w);
}

static void test_auth_and_redirect(void)
{
    browser_config bc;
    browser_config_default(&bc);
    bc.user = "alice";
    bc.password = "secret";
    world w = world_new(10000000, SIM_MS(10), TCP_CC_IDEAL, &bc);
    http_store_add(w.store, "/private/report.html", 300, "text/html", NULL, SIM_HOST_EPOCH, 0);
    http_store_add(w.store, "/new.html", 200, "text/html", NULL, SIM_HOST_EPOCH, 0);
    http_server_protect(w.server, "/private/", "staff", "alice", "secret");
    http_server_redirect(w.server, "/old.html", "/new.html");
    const char *urls[] = {"http://server/private/report.html", "http://server/old.html"};
    w.done = false;
    CU_ASSERT_TRUE(http_browser_fetch(w.browser, urls, 2, on_done, &w));
    sim_run(w.sim);
    CU_ASSERT_TRUE(w.done);
    const GArray *recs = http_browser_records(w.browser);
    const http_record *a = &g_array_index(recs, http_record, 0);
    const http_record *b = &g_array_index(recs, http_record, 1);
    CU_ASSERT_EQUAL(a->status, 200); /* after a 401 and a retry with credentials */
    CU_ASSERT_EQUAL(a->bytes, 300);
    CU_ASSERT_EQUAL(b->status, 200); /* after a 301 */
    CU_ASSERT_EQUAL(b->bytes, 200);
    CU_ASSERT_EQUAL(http_server_get_stats(w.server)->responses[4], 1);
    CU_ASSERT_EQUAL(http_server_get_stats(w.server)->responses[3], 1);
    world_free(&w);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_textbook_modes_ideal),   TEST(test_transmission_times_add),
        TEST(test_reno_keeps_the_order),   TEST(test_ideal_vs_reno_table), TEST(test_records),
        TEST(test_cookies_and_conditional_get), TEST(test_auth_and_redirect),
    };
    return test_main("protocols/http/sim_pages", tests, G_N_ELEMENTS(tests));
}
