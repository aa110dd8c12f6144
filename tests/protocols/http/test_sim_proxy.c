/*
 * The proxy cache in the simulator: browsers on a LAN use it; it fetches
 * from an origin across an access link. Fresh hits, stale objects
 * revalidated (304) or replaced (200), misses, objects too large to keep,
 * and conservation (every request answered once; bytes fetched over the
 * access link are those of the misses and refreshes plus headers).
 *
 * Then the issue-10 cases, each against a scripted origin ("web", an
 * http_server in handler mode whose answers the test chooses) and a raw
 * client that sends exactly the bytes a case needs: Host poisoning, HEAD,
 * Authorization, private, no-store, no-cache, Vary, s-maxage, a silent
 * origin (504), a 10 MB PUT, a 5 GiB length-only response streamed with
 * back-pressure, the entry cost under a flood of empty objects, and the
 * allow-list.
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
    sim_host_t *ch, *ph, *oh, *wh;
    http_store *store;
    http_server *origin;
    http_server *web; /* the scripted origin */
    http_proxy *proxy;
    http_browser *browser;
    bool done;
    /* what the scripted origin saw last */
    uint64_t web_requests;
    char *web_host;
    uint64_t web_body_len, web_body_sum;
} world;

static void web_handle(void *ud, http_server_job *job, const http_msg *req, const uint8_t *body,
                       uint64_t body_len);

/* client --LAN-- proxy --access link-- origin, and web beside origin.
 * `tp` NULL: TCP's defaults; `cfg` NULL: the proxy's defaults with
 * `capacity`. */
static world world_make(uint64_t capacity, const tcp_params_t *tp, uint64_t rate_bps,
                        const http_proxy_config *cfg)
{
    world w = {0};
    w.sim = sim_new(1);
    w.net = net_new(w.sim);
    node_t *c = net_add_host(w.net, "client", NULL), *p = net_add_host(w.net, "proxy", NULL);
    node_t *o = net_add_host(w.net, "origin", NULL), *wb = net_add_host(w.net, "web", NULL);
    link_params_t lan = {.rate_bps = rate_bps ? rate_bps : 100000000, .delay = SIM_MS(1)};
    link_params_t acc = {.rate_bps = rate_bps ? rate_bps : 10000000, .delay = SIM_MS(50)};
    net_link(w.net, "lan", c, p, &lan, NULL, NULL);
    w.access = net_link(w.net, "access", p, o, &acc, NULL, NULL);
    net_link(w.net, "web-link", p, wb, &acc, NULL, NULL);
    w.tcp = tcp_stack_new(w.net, tp);
    w.ch = sim_host_new(w.tcp, c, NULL);
    w.ph = sim_host_new(w.tcp, p, NULL);
    w.oh = sim_host_new(w.tcp, o, NULL);
    w.wh = sim_host_new(w.tcp, wb, NULL);
    w.store = http_store_new();
    /* fresh for an hour */
    http_store_add(w.store, "/fresh.gif", 20000, "image/gif", NULL, SIM_HOST_EPOCH - 86400,
                   SIM_HOST_EPOCH + 3600);
    /* no Expires, modified just before: stale at once (heuristic lifetime 0) */
    http_store_add(w.store, "/news.html", 3000, "text/html", NULL, SIM_HOST_EPOCH, 0);
    http_store_add(w.store, "/huge.bin", 5000000, NULL, NULL, SIM_HOST_EPOCH - 86400, SIM_HOST_EPOCH + 3600);
    w.origin = http_server_new(sim_host_env(w.oh), w.store, NULL, NULL);
    /* The scripted origin takes the proxy's largest request body whole. */
    http_server_config wc;
    http_server_config_default(&wc);
    wc.max_body_memory = wc.limits.max_body;
    w.web = http_server_new(sim_host_env(w.wh), NULL, &wc, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.web);
    http_proxy_config pc;
    http_proxy_config_default(&pc);
    pc.capacity = capacity;
    if (cfg)
        pc = *cfg;
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

static world world_new(uint64_t capacity) { return world_make(capacity, NULL, 0, NULL); }

static void world_free(world *w)
{
    http_browser_free(w->browser);
    http_proxy_free(w->proxy);
    http_server_free(w->origin);
    http_server_free(w->web);
    http_store_free(w->store);
    g_free(w->web_host);
    sim_host_free(w->ch);
    sim_host_free(w->ph);
    sim_host_free(w->oh);
    sim_host_free(w->wh);
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
                        st->failed + st->refused,
                    st->requests);
    CU_ASSERT_EQUAL(st->hits, 1);
    CU_ASSERT_EQUAL(st->misses, 4);
    CU_ASSERT_EQUAL(st->revalidated_304, 1);
    /* bytes from the origin: the misses' bodies (the 304 carries none) */
    CU_ASSERT_EQUAL(st->bytes_from_origin, 20000 + 3000 + 5000000 + 5000000);
    CU_ASSERT_EQUAL(st->bytes_from_cache, 20000 + 3000);
    const http_cache_stats *cs = http_cache_get_stats(http_proxy_cache(w.proxy));
    CU_ASSERT_EQUAL(st->not_stored, 2); /* huge.bin twice: over the object limit */
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

/* ---- the scripted origin ------------------------------------------------------ */

#define FIVE_GIB (UINT64_C(5) << 30)

/* Answers `job` with status, one Cache-Control (NULL: none), one extra
 * header (NULL: none) and a text body. */
static void web_text(http_server_job *job, int status, const char *cc, const char *name,
                     const char *value, const char *text)
{
    http_msg *r = http_server_job_response(job, status);
    char lm[30];
    http_format_date(SIM_HOST_EPOCH - 86400, lm);
    http_msg_add(r, "Last-Modified", lm);
    if (cc)
        http_msg_add(r, "Cache-Control", cc);
    if (name)
        http_msg_add(r, name, value);
    http_msg_add(r, "Content-Type", "text/plain");
    size_t n = strlen(text);
    http_msg_addf(r, "Content-Length", "%zu", n);
    GBytes *b = g_bytes_new(text, n);
    http_server_job_reply(job, r, b, 0, n);
    g_bytes_unref(b);
}

/* Answers every path a case needs (see each test). */
static void web_handle(void *ud, http_server_job *job, const http_msg *req, const uint8_t *body,
                       uint64_t body_len)
{
    world *w = ud;
    w->web_requests++;
    g_free(w->web_host);
    w->web_host = g_strdup(http_msg_get(req, "Host"));
    w->web_body_len = body_len;
    w->web_body_sum = 0;
    for (uint64_t i = 0; body && i < body_len; i++)
        w->web_body_sum += body[i];
    const char *path = req->target, *cookie = http_msg_get(req, "Cookie");
    char *per_cookie = g_strdup_printf("page for %s", cookie ? cookie : "nobody");
    if (!strcmp(path, "/home")) {
        const char *host = http_msg_get(req, "Host");
        web_text(job, 200, "max-age=3600", NULL, NULL,
                 host && !strcmp(host, "evil.example") ? "evil page" : "home page");
    } else if (!strcmp(path, "/page67")) {
        web_text(job, 200, "max-age=3600", NULL, NULL,
                 "0123456789012345678901234567890123456789012345678901234567890123456");
    } else if (!strcmp(path, "/secret")) {
        if (http_msg_get(req, "Authorization"))
            web_text(job, 200, "max-age=3600", NULL, NULL, "the secret");
        else
            web_text(job, 401, NULL, "WWW-Authenticate", "Basic realm=\"web\"", "who are you?");
    } else if (!strcmp(path, "/public-secret")) {
        web_text(job, 200, "public, max-age=3600", NULL, NULL, "a shared secret");
    } else if (!strcmp(path, "/vary")) {
        web_text(job, 200, "max-age=3600", "Vary", "Cookie", per_cookie);
    } else if (!strcmp(path, "/varystar")) {
        web_text(job, 200, "max-age=3600", "Vary", "*", per_cookie);
    } else if (!strcmp(path, "/private")) {
        web_text(job, 200, "private, max-age=3600", NULL, NULL, per_cookie);
    } else if (!strcmp(path, "/nostore")) {
        web_text(job, 200, "no-store", NULL, NULL, per_cookie);
    } else if (!strcmp(path, "/nocache")) {
        web_text(job, 200, "no-cache", NULL, NULL, "check me");
    } else if (!strcmp(path, "/smaxage")) {
        web_text(job, 200, "max-age=0, s-maxage=3600", NULL, NULL, "shared only");
    } else if (!strcmp(path, "/silent")) {
        /* never answered */
    } else if (!strcmp(path, "/big")) {
        http_msg *r = http_server_job_response(job, 200);
        http_msg_add(r, "Cache-Control", "max-age=3600");
        http_msg_addf(r, "Content-Length", "%" G_GUINT64_FORMAT, FIVE_GIB);
        http_server_job_reply(job, r, NULL, 0, FIVE_GIB); /* length-only */
    } else if (g_str_has_prefix(path, "/empty/")) {
        web_text(job, 200, "max-age=3600", NULL, NULL, "");
    } else if (!strcmp(path, "/up")) {
        char *t = g_strdup_printf("got %" G_GUINT64_FORMAT, body_len);
        web_text(job, 200, NULL, NULL, NULL, t);
        g_free(t);
    } else {
        web_text(job, 404, NULL, NULL, NULL, "no such page");
    }
    g_free(per_cookie);
}

/* A world whose "web" node is the scripted origin (it keeps a pointer to
 * *w, hence the out parameter). */
static void web_world(world *w, const http_proxy_config *cfg)
{
    *w = world_make(1000000, NULL, 0, cfg);
    http_server_set_handler(w->web, web_handle, w);
}

/* ---- a raw client -------------------------------------------------------------- */

/* Sends one request as given (head text, then `body_len` body bytes: real
 * ones from `body`, or length-only when it is NULL) and parses the answer. */
typedef struct {
    world *w;
    stream_t *s;
    char *head;
    const uint8_t *body;
    uint64_t body_len, body_sent;
    http_method method;
    bool hold;             /* read nothing until released */
    http_parser *parser;
    http_msg *resp;
    GString *text;         /* the first 1 MB of the response body */
    uint64_t got;          /* response body bytes */
    int64_t t_first, t_done; /* ns: first body byte, the end */
    bool done, failed;
} rawc;

static void rawc_write(rawc *c)
{
    while (c->body_sent < c->body_len) {
        size_t n = stream_write(c->s, c->body ? c->body + c->body_sent : NULL,
                                (size_t)(c->body_len - c->body_sent));
        if (n == 0)
            return;
        c->body_sent += n;
    }
}

static void rawc_connected(void *ud, stream_t *s)
{
    rawc *c = ud;
    stream_write(s, c->head, strlen(c->head));
    http_parser_expect(c->parser, c->method);
    if (c->hold)
        stream_set_reading(s, false);
    rawc_write(c);
}

static void rawc_writable(void *ud, stream_t *s)
{
    (void)s;
    rawc_write(ud);
}

static void rawc_end(rawc *c, bool ok)
{
    c->done = ok;
    c->failed = !ok;
    c->t_done = sim_now(c->w->sim);
    if (c->s)
        stream_close(c->s);
    c->s = NULL;
}

static void rawc_feed(rawc *c, const uint8_t *data, size_t len, bool eof)
{
    size_t off = 0;
    while (c->s) {
        http_event ev;
        if (off < len)
            off += http_parser_feed(c->parser, data ? data + off : NULL, len - off, &ev);
        else if (eof)
            http_parser_finish(c->parser, &ev);
        else
            return;
        if (ev.kind == HTTP_EV_NEED_MORE && off >= len) {
            if (eof)
                rawc_end(c, false);
            return;
        } else if (ev.kind == HTTP_EV_HEAD) {
            c->resp = http_parser_take_msg(c->parser);
        } else if (ev.kind == HTTP_EV_BODY) {
            if (!c->got)
                c->t_first = sim_now(c->w->sim);
            c->got += ev.len;
            if (ev.data && c->text->len < 1000000)
                g_string_append_len(c->text, (const char *)ev.data, (gssize)ev.len);
        } else if (ev.kind == HTTP_EV_DONE || ev.kind == HTTP_EV_ERROR) {
            rawc_end(c, ev.kind == HTTP_EV_DONE);
        }
    }
}

static void rawc_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    rawc_feed(ud, data, len, false);
}

static void rawc_closed(void *ud, stream_t *s)
{
    (void)s;
    rawc_feed(ud, NULL, 0, true);
}

static void rawc_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    rawc *c = ud;
    c->s = NULL;
    rawc_end(c, false);
}

static const stream_handler rawc_handler = {.connected = rawc_connected,
                                            .data = rawc_data,
                                            .writable = rawc_writable,
                                            .peer_closed = rawc_closed,
                                            .error = rawc_error};

static rawc *rawc_start(world *w, const char *head, http_method m, const uint8_t *body,
                        uint64_t body_len, bool hold)
{
    rawc *c = g_new0(rawc, 1);
    c->w = w;
    c->head = g_strdup(head);
    c->method = m;
    c->body = body;
    c->body_len = body_len;
    c->hold = hold;
    c->parser = http_parser_new(false, NULL);
    c->text = g_string_new(NULL);
    c->s = host_connect(sim_host_env(w->ch), "proxy", 3128, &rawc_handler, c, NULL);
    return c;
}

static void rawc_free(rawc *c)
{
    if (c->s)
        stream_close(c->s);
    http_parser_free(c->parser);
    http_msg_free(c->resp);
    g_string_free(c->text, TRUE);
    g_free(c->head);
    g_free(c);
}

/* One request through the proxy, run to the end: its response's status,
 * X-Cache and body text in *out (free with rawc_free). */
static rawc *ask(world *w, const char *method, const char *path, const char *extra_headers)
{
    bool own_host = extra_headers && strstr(extra_headers, "Host:");
    char *head = g_strdup_printf("%s http://web%s HTTP/1.1\r\n%s%s\r\n", method, path,
                                 own_host ? "" : "Host: web\r\n", extra_headers ? extra_headers : "");
    rawc *c = rawc_start(w, head, http_method_parse(method), NULL, 0, false);
    g_free(head);
    sim_run(w->sim);
    CU_ASSERT_TRUE(c->done);
    return c;
}

static const char *xcache(const rawc *c)
{
    const char *x = c->resp ? http_msg_get(c->resp, "X-Cache") : NULL;
    return x ? x : "(none)";
}
static int status_of(const rawc *c) { return c->resp ? c->resp->status : 0; }

/* Asserts one exchange: status, X-Cache and body, then frees it. */
static void expect(rawc *c, int status, const char *cache, const char *body)
{
    CU_ASSERT_EQUAL(status_of(c), status);
    CU_ASSERT_STRING_EQUAL(xcache(c), cache);
    if (body)
        CU_ASSERT_STRING_EQUAL(c->text->str, body);
    if (status_of(c) != status || strcmp(xcache(c), cache) || (body && strcmp(c->text->str, body)))
        fprintf(stderr, "\n    got %d %s \"%s\", want %d %s \"%s\"\n", status_of(c), xcache(c),
                c->text->str, status, cache, body ? body : "");
    rawc_free(c);
}

/* ---- issue 10, item 9: Host ---------------------------------------------------- */

/* The client's Host never reaches the origin: the URI's authority does, so
 * an evil virtual host's page cannot be cached under the plain URL. */
static void test_host_header_ignored(void)
{
    world w;
    web_world(&w, NULL);
    expect(ask(&w, "GET", "/home", "X-Trick: 1\r\nHost: evil.example\r\n"), 200, "MISS", "home page");
    CU_ASSERT_STRING_EQUAL(w.web_host, "web");
    expect(ask(&w, "GET", "/home", NULL), 200, "HIT", "home page");
    world_free(&w);
}

/* A request in origin form, as a page that reached the proxy through DNS
 * rebinding makes its browser send, is 400 whatever its Host, and nothing
 * reaches an origin. */
static void test_origin_form_refused(void)
{
    world w;
    web_world(&w, NULL);
    rawc *c = rawc_start(&w, "GET /home HTTP/1.1\r\nHost: rebind.example:3128\r\n\r\n", HTTP_M_GET, NULL, 0, false);
    sim_run(w.sim);
    CU_ASSERT_TRUE(c->done);
    expect(c, 400, "ERROR", NULL);
    CU_ASSERT_EQUAL(w.web_requests, 0);
    CU_ASSERT_EQUAL(http_proxy_get_stats(w.proxy)->refused, 1);
    world_free(&w);
}

/* ---- item 10: HEAD --------------------------------------------------------------- */

/* A HEAD passes through with the origin's Content-Length and stores
 * nothing; the next GET is a miss with the whole body; a HEAD after it is
 * answered from the GET's entry. */
static void test_head(void)
{
    world w;
    web_world(&w, NULL);
    rawc *c = ask(&w, "HEAD", "/page67", NULL);
    CU_ASSERT_STRING_EQUAL(http_msg_get(c->resp, "Content-Length"), "67");
    expect(c, 200, "PASS", "");
    CU_ASSERT_EQUAL(http_cache_get_stats(http_proxy_cache(w.proxy))->objects, 0);
    c = ask(&w, "GET", "/page67", NULL);
    CU_ASSERT_EQUAL(c->got, 67);
    expect(c, 200, "MISS", NULL);
    c = ask(&w, "GET", "/page67", NULL);
    CU_ASSERT_EQUAL(c->got, 67);
    expect(c, 200, "HIT", NULL);
    uint64_t before = w.web_requests;
    c = ask(&w, "HEAD", "/page67", NULL);
    CU_ASSERT_STRING_EQUAL(http_msg_get(c->resp, "Content-Length"), "67");
    expect(c, 200, "HIT", "");
    CU_ASSERT_EQUAL(w.web_requests, before);
    world_free(&w);
}

/* ---- item 11: Authorization ------------------------------------------------------- */

static void test_authorization(void)
{
    world w;
    web_world(&w, NULL);
    expect(ask(&w, "GET", "/secret", "Authorization: Basic YWxpY2U6d29uZGVybGFuZA==\r\n"), 200, "MISS",
           "the secret");
    /* Not stored: a client without credentials hears the origin's 401. */
    expect(ask(&w, "GET", "/secret", NULL), 401, "MISS", "who are you?");
    /* public lets a shared cache keep it (RFC 9111 section 3.5). */
    expect(ask(&w, "GET", "/public-secret", "Authorization: Basic YWxpY2U6d29uZGVybGFuZA==\r\n"), 200,
           "MISS", "a shared secret");
    expect(ask(&w, "GET", "/public-secret", NULL), 200, "HIT", "a shared secret");
    world_free(&w);
}

/* ---- item 12: private, no-store, no-cache, Vary, s-maxage ---------------------------- */

static void test_private_no_store_vary(void)
{
    world w;
    web_world(&w, NULL);
    static const char *const paths[] = {"/private", "/nostore", "/varystar"};
    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        expect(ask(&w, "GET", paths[i], "Cookie: alice\r\n"), 200, "MISS", "page for alice");
        expect(ask(&w, "GET", paths[i], "Cookie: bob\r\n"), 200, "MISS", "page for bob");
    }
    /* Vary: Cookie keys on the cookie: Bob never gets Alice's page. */
    expect(ask(&w, "GET", "/vary", "Cookie: alice\r\n"), 200, "MISS", "page for alice");
    expect(ask(&w, "GET", "/vary", "Cookie: alice\r\n"), 200, "HIT", "page for alice");
    expect(ask(&w, "GET", "/vary", "Cookie: bob\r\n"), 200, "MISS", "page for bob");
    expect(ask(&w, "GET", "/vary", NULL), 200, "MISS", "page for nobody");
    expect(ask(&w, "GET", "/vary", NULL), 200, "HIT", "page for nobody");
    /* no-cache: stored, but revalidated every time. */
    expect(ask(&w, "GET", "/nocache", NULL), 200, "MISS", "check me");
    rawc *c = ask(&w, "GET", "/nocache", NULL);
    CU_ASSERT_STRING_NOT_EQUAL(xcache(c), "HIT");
    rawc_free(c);
    /* s-maxage outranks max-age=0 in a shared cache. */
    expect(ask(&w, "GET", "/smaxage", NULL), 200, "MISS", "shared only");
    expect(ask(&w, "GET", "/smaxage", NULL), 200, "HIT", "shared only");
    /* A request's own no-cache sends it to the origin. */
    c = ask(&w, "GET", "/smaxage", "Cache-Control: no-cache\r\n");
    CU_ASSERT_STRING_NOT_EQUAL(xcache(c), "HIT");
    rawc_free(c);
    world_free(&w);
}

/* ---- item 13: a silent origin ------------------------------------------------------ */

static void test_silent_origin_504(void)
{
    world w;
    web_world(&w, NULL);
    rawc *c = ask(&w, "GET", "/silent", NULL);
    CU_ASSERT_EQUAL(status_of(c), 504);
    /* After the default timeout (60 s) and the two ~51 ms paths. */
    double t = sim_time_to_s(c->t_done);
    CU_ASSERT_TRUE(t >= 60.0 && t < 61.0);
    CU_ASSERT_EQUAL(http_proxy_get_stats(w.proxy)->timed_out, 1);
    rawc_free(c);
    world_free(&w);
}

/* ---- item 14: request bodies ------------------------------------------------------- */

static void test_put_10mb(void)
{
    world w;
    web_world(&w, NULL);
    uint64_t n = 10000000, sum = 0;
    uint8_t *body = g_malloc(n);
    for (uint64_t i = 0; i < n; i++) {
        body[i] = (uint8_t)(i * 7 + i / 251);
        sum += body[i];
    }
    char *head = g_strdup_printf("PUT http://web/up HTTP/1.1\r\nHost: web\r\nContent-Length: %" G_GUINT64_FORMAT
                                 "\r\n\r\n", n);
    rawc *c = rawc_start(&w, head, HTTP_M_PUT, body, n, false);
    sim_run(w.sim);
    CU_ASSERT_TRUE(c->done);
    CU_ASSERT_EQUAL(w.web_body_len, n);
    CU_ASSERT_EQUAL(w.web_body_sum, sum);
    expect(c, 200, "PASS", "got 10000000");
    g_free(head);
    g_free(body);
    world_free(&w);
}

/* A request body over 64 MiB (the parser's limit, which the proxy's
 * server holds in memory up to) is refused at once from its
 * Content-Length, and nothing reaches the origin. */
static void test_body_over_limit(void)
{
    world w;
    web_world(&w, NULL);
    char *head = g_strdup_printf("PUT http://web/up HTTP/1.1\r\nHost: web\r\nContent-Length: %" G_GUINT64_FORMAT
                                 "\r\n\r\n", (UINT64_C(64) << 20) + 1);
    rawc *c = rawc_start(&w, head, HTTP_M_PUT, NULL, 0, false);
    sim_run(w.sim);
    CU_ASSERT_EQUAL(status_of(c), 413);
    CU_ASSERT_EQUAL(w.web_requests, 0);
    rawc_free(c);
    g_free(head);
    world_free(&w);
}

/* ---- item 8: a response over 4 GiB --------------------------------------------------- */

static void release(void *ud)
{
    rawc *c = ud;
    if (c->s)
        stream_set_reading(c->s, true);
}

static uint64_t origin_bytes_at_1s;
static void sample(void *ud) { origin_bytes_at_1s = http_proxy_get_stats(ud)->bytes_from_origin; }

/* 5 GiB of length-only body through the proxy: streamed (the first byte
 * reaches the client long before the last leaves the origin), not stored,
 * and held back while the client reads nothing. */
static void test_5gib_streamed(void)
{
    tcp_params_t tp;
    tcp_params_default(&tp);
    /* reno: ideal TCP has no flow control, and back-pressure is the point */
    tp.mss = 60000;
    tp.sndbuf = tp.rcvbuf = 4 * 1024 * 1024;
    world w = world_make(100000000, &tp, UINT64_C(100000000000), NULL);
    http_server_set_handler(w.web, web_handle, &w);
    rawc *c = rawc_start(&w, "GET http://web/big HTTP/1.1\r\nHost: web\r\n\r\n", HTTP_M_GET, NULL, 0, true);
    host_timer(sim_host_env(w.ch), SIM_S(1) - 1, sample, w.proxy);
    host_timer(sim_host_env(w.ch), SIM_S(1), release, c);
    sim_run(w.sim);
    CU_ASSERT_TRUE(c->done);
    CU_ASSERT_EQUAL(c->got, FIVE_GIB);
    CU_ASSERT_EQUAL(status_of(c), 200);
    CU_ASSERT_STRING_EQUAL(xcache(c), "MISS");
    /* While the client read nothing, the proxy took no more from the
     * origin than its buffers and the client's window hold. */
    CU_ASSERT_TRUE(origin_bytes_at_1s < 20u * 1024 * 1024);
    /* Streamed: the first byte came within a tenth of the transfer. */
    CU_ASSERT_TRUE(c->t_first - SIM_S(1) < (c->t_done - SIM_S(1)) / 10);
    const http_proxy_stats *st = http_proxy_get_stats(w.proxy);
    CU_ASSERT_EQUAL(st->bytes_from_origin, FIVE_GIB);
    CU_ASSERT_EQUAL(st->not_stored, 1);
    CU_ASSERT_EQUAL(http_cache_get_stats(http_proxy_cache(w.proxy))->objects, 0);
    printf("\n    5 GiB streamed: first byte %.3f s after release, last %.3f s", sim_time_to_s(c->t_first - SIM_S(1)),
           sim_time_to_s(c->t_done - SIM_S(1)));
    rawc_free(c);
    world_free(&w);
}

/* ---- item 15: what an entry costs ----------------------------------------------------- */

static void test_entry_cost(void)
{
    http_proxy_config pc;
    http_proxy_config_default(&pc);
    pc.capacity = 10000;
    world w;
    web_world(&w, &pc);
    for (int i = 0; i < 200; i++) {
        char path[32];
        g_snprintf(path, sizeof path, "/empty/%d", i);
        rawc_free(ask(&w, "GET", path, NULL));
        rawc_free(ask(&w, "HEAD", path, NULL));
    }
    const http_cache_stats *cs = http_cache_get_stats(http_proxy_cache(w.proxy));
    CU_ASSERT_TRUE(cs->cost <= 10000);
    CU_ASSERT_TRUE(cs->objects >= 5 && cs->objects <= 20);
    CU_ASSERT_TRUE(cs->evictions >= 180);
    printf("\n    200 empty objects into 10000 bytes: %" G_GUINT64_FORMAT " held, %" G_GUINT64_FORMAT " bytes", cs->objects,
           cs->cost);
    world_free(&w);
}

/* ---- item 16: the allow-list ---------------------------------------------------------- */

static void test_allow_list(void)
{
    static const char *const allow[] = {"origin:80", NULL};
    http_proxy_config pc;
    http_proxy_config_default(&pc);
    pc.allow = allow;
    world w;
    web_world(&w, &pc);
    expect(ask(&w, "GET", "/home", NULL), 403, "DENIED", NULL);
    CU_ASSERT_EQUAL(w.web_requests, 0);
    CU_ASSERT_EQUAL(http_proxy_get_stats(w.proxy)->refused, 1);
    world_free(&w);
    CU_ASSERT_TRUE(http_proxy_allow_valid("example.com"));
    CU_ASSERT_TRUE(http_proxy_allow_valid("example.com:8080"));
    CU_ASSERT_TRUE(http_proxy_allow_valid("*"));
    CU_ASSERT_TRUE(http_proxy_allow_valid("*:80"));
    CU_ASSERT_FALSE(http_proxy_allow_valid(""));
    CU_ASSERT_FALSE(http_proxy_allow_valid(":80"));
    CU_ASSERT_FALSE(http_proxy_allow_valid("h:0"));
    CU_ASSERT_FALSE(http_proxy_allow_valid("h:65536"));
    CU_ASSERT_FALSE(http_proxy_allow_valid("h:x"));
    CU_ASSERT_FALSE(http_proxy_allow_valid("a/b"));
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_hit_miss_revalidate), TEST(test_stale_replaced), TEST(test_host_header_ignored),
        TEST(test_head), TEST(test_authorization), TEST(test_private_no_store_vary),
        TEST(test_silent_origin_504), TEST(test_put_10mb), TEST(test_5gib_streamed),
        TEST(test_origin_form_refused), TEST(test_body_over_limit),
        TEST(test_entry_cost), TEST(test_allow_list),
    };
    return test_main("protocols/http/sim_proxy", tests, G_N_ELEMENTS(tests));
}
