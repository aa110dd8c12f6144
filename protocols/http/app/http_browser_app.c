/*
 * http_browser_app: the "browser" application type — its keys, the load
 * loop (its list of pages `repeat` times, `think` apart, from `start`),
 * page-load metrics, requests.csv, and the textbook's page-load formulas.
 */
#include <math.h>
#include <string.h>

#include "http_apps.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_url.h"

typedef struct {
    int mode;             /* browser_mode */
    int64_t parallel;
    int http;             /* -1: by mode; 0: HTTP/1.0; 1: HTTP/1.1 */
    int64_t repeat;
    int64_t start, think; /* ns */
    bool cache;
    GPtrArray *urls;      /* of char*: the pages to load, in order */
} browser_spec;

/* ---- keys ---------------------------------------------------------------------- */

static const char *const mode_choices[] = {"nonpersistent", "nonpersistent-parallel", "persistent", "pipelined",
                                           "persistent-parallel", NULL};
static const char *const http_choices[] = {"1.0", "1.1", NULL};

static void read_urls(app_reader *r, const char *key, void *field)
{
    static const char *const like = "a list of URLs like [\"http://server/index.html\"]";
    GPtrArray *urls = g_ptr_array_new_with_free_func(g_free);
    *(GPtrArray **)field = urls;
    int n = app_reader_enter_list(r, key, like);
    if (n < 0) {
        app_reader_fail(r, key, "missing: a browser needs \"%s\", %s", key, like);
        return;
    }
    if (n == 0)
        app_reader_fail_expected(r, NULL, like);
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        const char *u = app_reader_string(r);
        if (!u || g_ascii_strncasecmp(u, "http://", 7))
            app_reader_fail_expected(r, NULL, "a URL like \"http://server/index.html\"");
        else
            g_ptr_array_add(urls, g_strdup(u));
        app_reader_leave(r);
    }
    app_reader_leave(r);
}

static const app_key browser_keys[] = {
    {.name = "mode", .kind = APP_KEY_CHOICE, .offset = offsetof(browser_spec, mode), .def = BROWSER_P_SERIAL,
     .choices = mode_choices,
     .expected = "\"nonpersistent\", \"nonpersistent-parallel\", \"persistent\", \"pipelined\" or "
                 "\"persistent-parallel\""},
    {.name = "parallel", .kind = APP_KEY_INT, .offset = offsetof(browser_spec, parallel), .def = 5, .lo = 1,
     .hi = 1000, .expected = "a whole number of connections from 1 to 1000"},
    {.name = "http", .kind = APP_KEY_CHOICE, .offset = offsetof(browser_spec, http), .def = -1,
     .choices = http_choices, .expected = "\"1.0\" or \"1.1\""},
    {.name = "pages", .kind = APP_KEY_CUSTOM, .offset = offsetof(browser_spec, urls), .read = read_urls},
    {.name = "repeat", .kind = APP_KEY_INT, .offset = offsetof(browser_spec, repeat), .def = 1, .lo = 1, .hi = 1e6,
     .expected = "a whole number of loads from 1 to 1000000"},
    {.name = "start", .kind = APP_KEY_TIME, .offset = offsetof(browser_spec, start)},
    {.name = "think", .kind = APP_KEY_TIME, .offset = offsetof(browser_spec, think)},
    {.name = "cache", .kind = APP_KEY_BOOL, .offset = offsetof(browser_spec, cache), .def = 1},
    {0}};

static void browser_clear(void *cfg)
{
    browser_spec *b = cfg;
    if (b->urls)
        g_ptr_array_unref(b->urls);
}

/* ---- the load loop --------------------------------------------------------------- */

typedef struct {
    app_world *w;
    const app_spec *spec;
    host_env *env;
    http_browser *b;
    guint next_url;
    int64_t loads_left;
    bool done;
} browser_inst;

static void next_load(void *ud);

static void page_done(void *ud, http_browser *b, const http_page *pg)
{
    (void)b;
    (void)pg;
    browser_inst *d = ud;
    app_world_first_exchange_done(d->w);
    host_timer(d->env, ((const browser_spec *)d->spec->cfg)->think, next_load, d);
}

static void next_load(void *ud)
{
    browser_inst *d = ud;
    const browser_spec *s = d->spec->cfg;
    if (d->next_url >= s->urls->len) {
        d->next_url = 0;
        d->loads_left--;
    }
    if (d->loads_left == 0) {
        d->done = true;
        app_world_done(d->w);
        return;
    }
    const char *url = g_ptr_array_index(s->urls, d->next_url++);
    if (!http_browser_load(d->b, url, page_done, d))
        next_load(d);
}

static void *browser_start(app_world *w, const app_spec *a, GError **err)
{
    const browser_spec *s = a->cfg;
    browser_config bc;
    browser_config_default(&bc);
    bc.mode = (browser_mode)s->mode;
    bc.parallel = (uint32_t)s->parallel;
    bc.version = s->http < 0 ? 0 : s->http == 0 ? 10 : 11;
    bc.cache = s->cache;
    browser_inst *d = g_new0(browser_inst, 1);
    d->w = w;
    d->spec = a;
    d->env = app_world_host(w, a->host);
    d->loads_left = s->repeat;
    d->b = http_browser_new(d->env, &bc, err);
    if (!d->b) {
        g_free(d);
        return NULL;
    }
    host_timer(d->env, s->start, next_load, d);
    return d;
}

static void browser_free(void *p)
{
    browser_inst *d = p;
    http_browser_free(d->b);
    g_free(d);
}

/* ---- results -------------------------------------------------------------------- */

static double csv_time(int64_t t) { return t < 0 ? -1 : (double)t / 1e9; }

static void browser_rows(const browser_inst *d, app_collect *out)
{
    const GArray *recs = http_browser_records(d->b);
    for (guint k = 0; k < recs->len; k++) {
        const http_record *rc = &g_array_index(recs, http_record, k);
        app_row(out, "%s,%s,%" G_GUINT64_FORMAT ",%.9f,%.9f,%.9f,%.9f,%d,%" G_GUINT64_FORMAT ",%s", d->spec->name,
                rc->url, rc->conn, csv_time(rc->connect_start), csv_time(rc->request_sent),
                csv_time(rc->first_byte), csv_time(rc->last_byte), rc->status, rc->bytes,
                rc->cache ? rc->cache : rc->from_cache ? "revalidated" : "");
    }
}

static void browser_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                            app_collect *out)
{
    (void)w;
    (void)specs;
    double sum = 0, max = 0;
    uint64_t pages = 0, objects = 0, failures = 0;
    for (size_t i = 0; i < n; i++) {
        const browser_inst *d = insts[i];
        const GArray *pg = http_browser_pages(d->b);
        for (guint k = 0; k < pg->len; k++) {
            const http_page *p = &g_array_index(pg, http_page, k);
            double t = (double)(p->end - p->start) / 1e9;
            sum += t;
            max = MAX(max, t);
            pages++;
            objects += p->objects;
            failures += p->failures;
        }
        browser_rows(d, out);
        if (!d->done)
            failures++; /* did not finish before the limit */
    }
    app_metric(out, "page_load_time_mean_s", pages ? sum / (double)pages : NAN);
    app_metric(out, "page_load_time_max_s", max);
    app_metric_count(out, "pages", pages);
    app_metric_count(out, "objects", objects);
    app_metric_count(out, "failures", failures);
}

static void browser_report(const app_view *m, app_report_style style, GString *out)
{
    if (style != APP_REPORT_SINGLE)
        return;
    g_string_append_printf(out, "  pages %.0f, objects %.0f, failures %.0f, RTT %.1f ms, simulated %.3f s\n",
                           app_view_metric(m, "pages"), app_view_metric(m, "objects"),
                           app_view_metric(m, "failures"), app_view_metric(m, "rtt_s") * 1e3,
                           app_view_metric(m, "simulated_s"));
}

/* The host of the browser's first URL: the server a timeline follows. */
static bool browser_endpoints(const app_spec *a, char **server)
{
    const browser_spec *s = a->cfg;
    http_url u;
    if (!s->urls->len || !http_url_parse(g_ptr_array_index(s->urls, 0), &u))
        return false;
    *server = g_strdup(u.host);
    http_url_clear(&u);
    return true;
}

/* ---- the textbook's formulas ---------------------------------------------------------- */

/* What the formulas need: the path to the first URL's server and the
 * server's first page (or object). */
typedef struct {
    double rtt, rate;
    uint32_t n;           /* objects of the page */
    uint64_t size;        /* of an object */
} page_facts;

static bool facts(const app_world *w, const app_spec *a, page_facts *f)
{
    char *host = NULL;
    if (!browser_endpoints(a, &host))
        return false;
    const app_spec *srv = app_world_find(w, "http-server", host);
    app_path path;
    bool ok = srv && app_world_path(w, a->host, host, &path);
    g_free(host);
    if (!ok)
        return false;
    const http_server_spec *s = srv->cfg;
    f->rtt = path.rtt_s;
    f->rate = path.bottleneck_bps;
    f->n = s->pages->len ? (uint32_t)g_array_index(s->pages, http_page_spec, 0).objects : 0;
    f->size = s->pages->len     ? g_array_index(s->pages, http_page_spec, 0).object_size
              : s->objects->len ? g_array_index(s->objects, http_object_spec, 0).size
                                : 0;
    return true;
}

static double http_page_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    page_facts f;
    if (!facts(w, a, &f))
        return NAN;
    const browser_spec *s = a->cfg;
    double rtt = f.rtt, par = (double)MAX(s->parallel, 1);
    uint32_t n = f.n;
    switch ((browser_mode)s->mode) {
    case BROWSER_NP_SERIAL: return 2 * rtt * (n + 1);
    case BROWSER_NP_PARALLEL: return 2 * rtt * (1 + ceil(n / par));
    case BROWSER_P_SERIAL: return 2 * rtt + n * rtt;
    case BROWSER_P_PIPELINE: return n ? 3 * rtt : 2 * rtt;
    case BROWSER_P_PARALLEL: /* the new connections' first requests cost a handshake too */
        return par == 1 ? 2 * rtt + n * rtt : n ? 4 * rtt + (ceil(n / par) - 1) * rtt : 2 * rtt;
    }
    return NAN;
}

static double single_object_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    page_facts f;
    return facts(w, a, &f) ? 2 * f.rtt + (double)f.size * 8 / f.rate : NAN;
}

/* The textbook's latency with slow start: 2 RTT + O/R + P (RTT + S/R) -
 * (2^P - 1) S/R, P = min(Q, K - 1). */
static double slow_start_latency(double o, double s, double r, double rtt)
{
    double sr = s * 8 / r;
    int k = (int)ceil(log2(o / s + 1));
    int q = (int)floor(log2(1 + rtt / sr)) + 1;
    int p = MIN(q, k - 1);
    return 2 * rtt + o * 8 / r + p * (rtt + sr) - (pow(2, p) - 1) * sr;
}

static double slow_start_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    page_facts f;
    app_tcp_info tcp;
    if (!facts(w, a, &f))
        return NAN;
    app_world_tcp(w, &tcp);
    /* ideal TCP has no slow start */
    return tcp.ideal ? 2 * f.rtt + (double)f.size * 8 / f.rate
                     : slow_start_latency((double)f.size, tcp.mss, f.rate, f.rtt);
}

static const app_formula browser_formulas[] = {
    {"http-page", http_page_formula},
    {"single-object", single_object_formula},
    {"slow-start", slow_start_formula},
    {NULL, NULL}};

static const app_headline browser_headlines[] = {
    {"page_load_time", "page load time (s)", "page_load_time_mean_s", true},
    {NULL, NULL, NULL, false}};

const app_type http_browser_app = {
    .type = "browser",
    .doc = "a web browser loading pages in one of five connection modes",
    .config_size = sizeof(browser_spec),
    .keys = browser_keys,
    .config_clear = browser_clear,
    .hold = APP_HOLD_UNTIL_DONE,
    .start = browser_start,
    .free = browser_free,
    .collect = browser_collect,
    .csv_file = "requests.csv",
    .csv_header = "client,url,connection,connect_start_s,request_sent_s,first_byte_s,last_byte_s,status,bytes,cache",
    .headlines = browser_headlines,
    .formulas = browser_formulas,
    .endpoints = browser_endpoints,
    .report = browser_report,
};
