/*
 * The proxy cache in the simulator: browsers on a LAN use it; it fetches
 * from an origin across an access link. Fresh hits, stale objects
 * revalidated (304) or replaced (200), misses, objects too large to keep,
 * and conservation (every request answered once; bytes fetched over the
 * access link are those of the misses and refreshes plus headers).
 */
#include <glib.h>
#include <string.h>

#include "models/sim_host.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_proxy.h"
#include "protocols/http/http_server.h"
#include "test_util.h"

typedef struct {
    sim_t *sim;
    net_t *net;
    link_t *access;
    tcp_stack_t *tcp;
    sim_host_t *ch, *ph, *oh;
    http_store *store;
    http_server *origin;
    http_proxy *proxy;
    http_browser *browser;
    bool done;
} world;

/* client --LAN-- proxy --access link-- origin */
static world world_new(uint64_t capacity)
{
    world w = {0};
    w.sim = sim_new(1);
    w.net = net_new(w.sim);
    node_t *c = net_add_host(w.net, "client", NULL), *p = net_add_host(w.net, "proxy", NULL);
    node_t *o = net_add_host(w.net, "origin", NULL);
    link_params_t lan = {.rate_bps = 100000000, .delay = SIM_MS(1)};
    link_params_t acc = {.rate_bps = 10000000, .delay = SIM_MS(50)};
    net_link(w.net, "lan", c, p, &lan, NULL, NULL);
    w.access = net_link(w.net, "access", p, o, &acc, NULL, NULL);
    w.tcp = tcp_stack_new(w.net, NULL);
    w.ch = sim_host_new(w.tcp, c, NULL);
    w.ph = sim_host_new(w.tcp, p, NULL);
    w.oh = sim_host_new(w.tcp, o, NULL);
    w.store = http_store_new();
    /* fresh for an hour */
    http_store_add(w.store, "/fresh.gif", 20000, "image/gif", NULL, SIM_HOST_EPOCH - 86400,
                   SIM_HOST_EPOCH + 3600);
    /* no Expires, modified just before: stale at once (heuristic lifetime 0) */
    http_store_add(w.store, "/news.html", 3000, "text/html", NULL, SIM_HOST_EPOCH, 0);
    http_store_add(w.store, "/huge.bin", 5000000, NULL, NULL, SIM_HOST_EPOCH - 86400, SIM_HOST_EPOCH + 3600);
    w.origin = http_server_new(sim_host_env(w.oh), w.store, NULL, NULL);
    http_proxy_config pc;
    http_proxy_config_default(&pc);
    pc.capacity = capacity;
    w.proxy = http_proxy_new(sim_host_env(w.ph), &pc, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.proxy);
    browser_config bc;
    browser_config_default(&bc);
    bc.cache = false; /* the proxy is the only cache here */
    bc.proxy_host = "proxy";
    bc.proxy_port = 3128;
    w.browser = http_browser_new(sim_host_env(w.ch), &bc, NULL);
    return w;
}

static void world_free(world *w)
{
    http_browser_free(w->browser);
    http_proxy_free(w->proxy);
    http_server_free(w->origin);
    http_store_free(w->store);
    sim_host_free(w->ch);
    sim_host_free(w->ph);
    sim_host_free(w->oh);
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

static void fetch(world *w, const char *const *urls, guint n)
{
    w->done = false;
    CU_ASSERT_TRUE_FATAL(http_browser_fetch(w->browser, urls, n, on_done, w));
    sim_run(w->sim);
    CU_ASSERT_TRUE(w->done);
}

static const http_record *rec(world *w, guint i)
{
    return &g_array_index(http_browser_records(w->browser), http_record, i);
}

static void test_hit_miss_revalidate(void)
{
    world w = world_new(1000000); /* 1 MB: huge.bin does not fit */
    const char *urls[] = {"http://origin/fresh.gif", "http://origin/news.html", "http://origin/huge.bin"};
    fetch(&w, urls, 3);
    fetch(&w, urls, 3);
    /* first round: all misses */
    for (guint i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(rec(&w, i)->status, 200);
        CU_ASSERT_STRING_EQUAL(rec(&w, i)->cache, "MISS");
    }
    /* second round: a fresh hit, a revalidation, a miss again (too large) */
    CU_ASSERT_STRING_EQUAL(rec(&w, 3)->cache, "HIT");
    CU_ASSERT_EQUAL(rec(&w, 3)->bytes, 20000);
    CU_ASSERT_STRING_EQUAL(rec(&w, 4)->cache, "REVALIDATED");
    CU_ASSERT_EQUAL(rec(&w, 4)->status, 200);
    CU_ASSERT_EQUAL(rec(&w, 4)->bytes, 3000);
    CU_ASSERT_STRING_EQUAL(rec(&w, 5)->cache, "MISS");
    CU_ASSERT_EQUAL(rec(&w, 5)->bytes, 5000000);
    /* a hit never crosses the access link: it is answered in LAN time */
    double hit = sim_time_to_s(rec(&w, 3)->last_byte - rec(&w, 3)->request_sent);
    double miss = sim_time_to_s(rec(&w, 0)->last_byte - rec(&w, 0)->request_sent);
    CU_ASSERT_TRUE(hit < 0.02 && miss > 0.2);
    const http_proxy_stats *st = http_proxy_get_stats(w.proxy);
    /* conservation: every request answered once, by exactly one path */
    CU_ASSERT_EQUAL(st->requests, 6);
    CU_ASSERT_EQUAL(st->hits + st->misses + st->revalidated_304 + st->revalidated_200 + st->passed +
                        st->failed,
                    st->requests);
    CU_ASSERT_EQUAL(st->hits, 1);
    CU_ASSERT_EQUAL(st->misses, 4);
    CU_ASSERT_EQUAL(st->revalidated_304, 1);
    /* bytes from the origin: the misses' bodies (the 304 carries none) */
    CU_ASSERT_EQUAL(st->bytes_from_origin, 20000 + 3000 + 5000000 + 5000000);
    CU_ASSERT_EQUAL(st->bytes_from_cache, 20000 + 3000);
    const http_cache_stats *cs = http_cache_get_stats(http_proxy_cache(w.proxy));
    CU_ASSERT_EQUAL(cs->too_large, 2);
    CU_ASSERT_EQUAL(cs->objects, 2);
    /* the access link carried those bodies plus headers, and no more than
     * a few per cent of headers and handshakes */
    link_stats_t ls;
    link_dir_stats(link_dir_from(w.access, net_node_by_name(w.net, "origin")), &ls);
    uint64_t bodies = st->bytes_from_origin;
    CU_ASSERT_TRUE(ls.tx_bytes > bodies);
    CU_ASSERT_TRUE(ls.tx_bytes < bodies * 1.05);
    world_free(&w);
}

/* A changed object: after it changes at the origin, a stale copy is
 * replaced (200, REFRESHED) instead of revalidated. */
static void test_stale_replaced(void)
{
    world w = world_new(1000000);
    const char *urls[] = {"http://origin/news.html"};
    fetch(&w, urls, 1);
    http_store_add(w.store, "/news.html", 4000, "text/html", NULL, SIM_HOST_EPOCH + 10, 0);
    fetch(&w, urls, 1);
    CU_ASSERT_STRING_EQUAL(rec(&w, 1)->cache, "REFRESHED");
    CU_ASSERT_EQUAL(rec(&w, 1)->bytes, 4000);
    CU_ASSERT_EQUAL(http_proxy_get_stats(w.proxy)->revalidated_200, 1);
    world_free(&w);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_hit_miss_revalidate), TEST(test_stale_replaced)};
    return test_main("protocols/http/sim_proxy", tests, G_N_ELEMENTS(tests));
}
