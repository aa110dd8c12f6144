/*
 * bench_http_pages: simulated page loads per wall second.
 *
 * One client and one server on a 10 Mbps link with a 100 ms round trip;
 * the page is a base HTML file and 10 objects of 10 kB (length-only
 * bodies). The browser loads it again and again in one simulation, each
 * load starting when the previous one is complete, with its cache off so
 * that every load fetches everything. Reno TCP. Two figures: persistent
 * connections (one connection for the whole run) and non-persistent serial
 * (11 connections per load), the cheapest and the dearest mode.
 */
#include "bench.h"

#include <glib.h>

#include "models/sim_host.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_server.h"

#define PAGE_OBJECTS 10

typedef struct {
    http_browser *browser;
    uint32_t left;
} reloader;

static void reload(void *ud, http_browser *b, const http_page *pg)
{
    (void)pg;
    reloader *r = ud;
    if (--r->left > 0)
        http_browser_load(b, "http://server/index.html", reload, r);
}

static void pages_bench(const char *name, browser_mode mode, uint32_t loads)
{
    sim_t *sim = sim_new(BENCH_SEED);
    net_t *net = net_new(sim);
    node_t *c = net_add_host(net, "client", NULL), *s = net_add_host(net, "server", NULL);
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(50)};
    net_link(net, "link", c, s, &lp, NULL, NULL);
    tcp_stack_t *tcp = tcp_stack_new(net, NULL);
    sim_host_t *ch = sim_host_new(tcp, c, NULL), *sh = sim_host_new(tcp, s, NULL);
    http_store *store = http_store_new();
    GString *html = g_string_new("<html><body>\n");
    for (int i = 0; i < PAGE_OBJECTS; i++) {
        char path[32];
        g_snprintf(path, sizeof path, "/img%d.gif", i);
        g_string_append_printf(html, "<img src=\"%s\">\n", path);
        http_store_add(store, path, 10000, "image/gif", NULL, SIM_HOST_EPOCH, 0);
    }
    g_string_append(html, "</body></html>\n");
    http_store_add(store, "/index.html", html->len, "text/html", html->str, SIM_HOST_EPOCH, 0);
    g_string_free(html, TRUE);
    http_server *srv = http_server_new(sim_host_env(sh), store, NULL, NULL);
    browser_config bc;
    browser_config_default(&bc);
    bc.mode = mode;
    bc.cache = false;
    http_browser *b = http_browser_new(sim_host_env(ch), &bc, NULL);
    reloader r = {b, loads};

    int64_t start = bench_wall_us();
    http_browser_load(b, "http://server/index.html", reload, &r);
    sim_run(sim);
    int64_t wall = bench_wall_us() - start;
    g_assert(r.left == 0 && http_browser_pages(b)->len == loads);

    char figure[64];
    g_snprintf(figure, sizeof figure, "http_pages_%s_per_s", name);
    bench_figure(figure, bench_per_s(loads, wall), "pages/s");
    g_snprintf(figure, sizeof figure, "http_pages_%s_events_per_s", name);
    bench_figure(figure, bench_per_s(sim_events_executed(sim), wall), "events/s");

    http_browser_free(b);
    http_server_free(srv);
    http_store_free(store);
    sim_host_free(ch);
    sim_host_free(sh);
    tcp_stack_free(tcp);
    net_free(net);
    sim_free(sim);
}

void bench_http_pages(void)
{
    pages_bench("persistent", BROWSER_P_SERIAL, 20000);
    pages_bench("nonpersistent", BROWSER_NP_SERIAL, 5000);
}
