/*
 * http_browser_app: the "browser" application type — its keys, the load
 * loop (its list of pages `repeat` times, `think` apart, from `start`),
 * page-load metrics, requests.csv, and the textbook's page-load formulas.
 *
 * URLs are checked at load: an http:// URL with a host that is a host
 * node of the topology (not a router) and a port from 1 to 65535, at most
 * BROWSER_MAX_URL bytes.
 *
 * Failures: a page load fails when any of its fetches fails (no answer,
 * or an HTTP status of 400 or more), or when it is still going when the
 * run ends. Failed loads are counted apart with the reason of their first
 * failed fetch (failure_reasons.<reason>: refused, syn_timeout,
 * retries_exhausted, reset, unreachable, closed, bad_response, http_<NNN>,
 * unfinished, other); page-load times are those of the loads that
 * succeeded only. When every load failed, the run failed as a whole
 * (app_run_failed).
 */
#include <math.h>
#include <string.h>

#include "http_apps.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_url.h"

/* The longest URL a browser's "pages" may list, in bytes. */
#define BROWSER_MAX_URL 1000

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

/* Checks one URL of "pages" (the current value): an http URL whose host
 * is a host of the topology. */
static bool check_url(app_reader *r, const char *u)
{
    http_url url;
    if (!u || g_ascii_strncasecmp(u, "http://", 7)) {
        app_reader_fail_expected(r, NULL, "a URL like \"http://server/index.html\"");
        return false;
    }
    if (strlen(u) > BROWSER_MAX_URL) {
        app_reader_fail(r, NULL, "a URL of %zu bytes is too long (at most %d)", strlen(u), BROWSER_MAX_URL);
        return false;
    }
    if (!http_url_parse(u, &url)) {
        app_reader_fail_expected(r, NULL,
                                 "a URL like \"http://server:8080/index.html\": a host, then a port from 1 to "
                                 "65535 if any");
        return false;
    }
    bool ok = app_reader_host(r, NULL, url.host);
    http_url_clear(&url);
    return ok;
}

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
        if (check_url(r, u))
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
    app_world_trace_packets(w); /* for the breakdown of the time (collect) */
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

/* The reasons a load fails: the key under failure_reasons and the words
 * of the report. HTTP statuses are "http_<NNN>", "HTTP <NNN>". */
static const struct {
    const char *key, *words;
} reasons[] = {
    {"refused", "connection refused"},
    {"syn_timeout", "SYN timeout (no answer to the connection request)"},
    {"retries_exhausted", "retries exhausted (no answer after repeated retransmissions)"},
    {"reset", "connection reset"},
    {"unreachable", "no route to the server"},
    {"closed", "connection closed before the answer"},
    {"bad_response", "malformed or unexpected response"},
    {"unfinished", "not finished when the run ended"},
    {"other", "other error"},
};

/* Why a fetch failed: a key of `reasons` or "http_<NNN>" in buf; NULL when
 * it did not fail. */
static const char *fetch_failure(const http_record *rc, char *buf, size_t size)
{
    if (rc->status >= 400) {
        g_snprintf(buf, size, "http_%d", rc->status);
        return buf;
    }
    if (rc->status > 0 && !rc->error)
        return NULL;
    const char *e = rc->error ? rc->error : "";
    if (!strcmp(e, stream_err_text(STREAM_ERR_REFUSED)))
        return "refused";
    if (!strcmp(e, stream_err_text(STREAM_ERR_TIMEOUT)))
        return rc->request_sent < 0 ? "syn_timeout" : "retries_exhausted";
    if (!strcmp(e, stream_err_text(STREAM_ERR_RESET)))
        return "reset";
    if (!strcmp(e, stream_err_text(STREAM_ERR_UNREACHABLE)) || !strcmp(e, "cannot connect"))
        return "unreachable";
    if (!strcmp(e, "connection closed"))
        return "closed";
    if (!strcmp(e, "malformed response") || !strcmp(e, "unexpected response"))
        return "bad_response";
    return "other";
}

/* ---- where the time went ------------------------------------------------------------ */

/* The parts of one object or page load (app_time_part order), ns. */
typedef struct {
    bool ok;              /* explained: the fetch finished */
    int64_t start, end;
    int64_t part[APP_TIME__COUNT];
} time_parts;

/* When an object's time starts: its connection's connect when the
 * connection is new, its request when it rides on a connection opened
 * earlier. */
static int64_t object_start(const http_record *rc) { return rc->reused ? rc->request_sent : rc->connect_start; }

/* Explains every finished object of one browser (an array beside its
 * records). */
static time_parts *explain_objects(const app_world *w, const browser_inst *d)
{
    const GArray *recs = http_browser_records(d->b);
    time_parts *tp = g_new0(time_parts, recs->len + 1);
    for (guint k = 0; k < recs->len; k++) {
        const http_record *rc = &g_array_index(recs, http_record, k);
        int64_t s = object_start(rc);
        if (rc->last_byte < 0 || s < 0 || rc->last_byte < s)
            continue;
        tp[k].ok = true;
        tp[k].start = s;
        tp[k].end = rc->last_byte;
        app_world_explain(w, d->spec->host, s, rc->last_byte, tp[k].part);
    }
    return tp;
}

/* A page load's parts, along its critical path of objects: the object
 * that finished last, then the object whose last byte came latest before
 * that one started (what it waited for: the base page, or the object
 * before it on its connection), and so on back to the page's start; the
 * gaps between (the browser's own time) are other. Objects' intervals are
 * explained again clipped to the page's start. Exact: the parts add up to
 * end - start. O(objects^2) per page. */
static void explain_page(const app_world *w, const browser_inst *d, const http_page *pg, uint32_t page,
                         const time_parts *tp, time_parts *out)
{
    const GArray *recs = http_browser_records(d->b);
    memset(out, 0, sizeof *out);
    out->ok = true;
    out->start = pg->start;
    out->end = pg->end;
    int64_t t = pg->end; /* the cursor, moving back */
    for (;;) {
        int cur = -1;
        for (guint k = 0; k < recs->len; k++) {
            const http_record *rc = &g_array_index(recs, http_record, k);
            if (rc->page == page && tp[k].ok && tp[k].end <= t && tp[k].end > pg->start &&
                (cur < 0 || tp[k].end >= tp[cur].end))
                cur = (int)k;
        }
        if (cur < 0)
            break;
        out->part[APP_TIME_OTHER] += t - tp[cur].end;
        int64_t s = MAX(tp[cur].start, pg->start), part[APP_TIME__COUNT];
        app_world_explain(w, d->spec->host, s, tp[cur].end, part);
        for (int i = 0; i < APP_TIME__COUNT; i++)
            out->part[i] += part[i];
        t = s;
        if (t <= pg->start)
            break;
    }
    out->part[APP_TIME_OTHER] += t - pg->start;
}

/* "12.345678901": nanoseconds as exact seconds. */
static void append_ns(GString *s, int64_t ns)
{
    g_string_append_printf(s, "%s%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT, ns < 0 ? "-" : "",
                           (ns < 0 ? -ns : ns) / 1000000000, (ns < 0 ? -ns : ns) % 1000000000);
}

/* The breakdown columns of a row: elapsed, then the parts (empty when the
 * fetch did not finish). */
static char *parts_columns(const time_parts *tp)
{
    GString *s = g_string_new("");
    for (int i = -1; i < APP_TIME__COUNT; i++) {
        g_string_append_c(s, ',');
        if (tp->ok)
            append_ns(s, i < 0 ? tp->end - tp->start : tp->part[i]);
    }
    return g_string_free(s, FALSE);
}

static void browser_rows(const browser_inst *d, const time_parts *tp, app_collect *out)
{
    const GArray *recs = http_browser_records(d->b);
    for (guint k = 0; k < recs->len; k++) {
        const http_record *rc = &g_array_index(recs, http_record, k);
        char buf[16];
        const char *why = fetch_failure(rc, buf, sizeof buf);
        char *cols = parts_columns(&tp[k]);
        app_row(out, "%s,%s,%" G_GUINT64_FORMAT ",%.9f,%.9f,%.9f,%.9f,%d,%" G_GUINT64_FORMAT ",%s,%s%s", d->spec->name,
                rc->url, rc->conn, csv_time(rc->connect_start), csv_time(rc->request_sent),
                csv_time(rc->first_byte), csv_time(rc->last_byte), rc->status, rc->bytes,
                rc->cache ? rc->cache : rc->from_cache ? "revalidated" : "", why ? why : "", cols);
        g_free(cols);
    }
}

/* The page loads of a run: times of those that succeeded, failures by
 * reason (keys in the order they first appear). */
typedef struct {
    double sum, max;
    uint64_t pages, ok, failed, objects;
    GPtrArray *keys;  /* of char* */
    GArray *counts;   /* of uint64_t, beside keys */
    int64_t elapsed;  /* ns, of the loads that succeeded */
    int64_t parts[APP_TIME__COUNT]; /* ns, their breakdown (explain_page) */
} load_tally;

static void tally_failure(load_tally *t, const char *key)
{
    t->failed++;
    guint i = 0;
    while (i < t->keys->len && strcmp(g_ptr_array_index(t->keys, i), key))
        i++;
    if (i == t->keys->len) {
        g_ptr_array_add(t->keys, g_strdup(key));
        uint64_t zero = 0;
        g_array_append_val(t->counts, zero);
    }
    g_array_index(t->counts, uint64_t, i)++;
}

/* One browser's loads into the tally. */
static void tally_browser(load_tally *t, const app_world *w, const browser_inst *d, const time_parts *tp)
{
    const GArray *pg = http_browser_pages(d->b), *recs = http_browser_records(d->b);
    char **why = g_new0(char *, pg->len + 1); /* the first failure of each finished load */
    for (guint k = 0; k < recs->len; k++) {
        const http_record *rc = &g_array_index(recs, http_record, k);
        char buf[16];
        const char *f = fetch_failure(rc, buf, sizeof buf);
        if (f && rc->page < pg->len && !why[rc->page])
            why[rc->page] = g_strdup(f);
    }
    for (guint k = 0; k < pg->len; k++) {
        const http_page *p = &g_array_index(pg, http_page, k);
        t->pages++;
        t->objects += p->objects;
        if (why[k] || p->failures) {
            tally_failure(t, why[k] ? why[k] : "other");
            continue;
        }
        double s = (double)(p->end - p->start) / 1e9;
        time_parts pp;
        explain_page(w, d, p, k, tp, &pp);
        t->elapsed += p->end - p->start;
        for (int i = 0; i < APP_TIME__COUNT; i++)
            t->parts[i] += pp.part[i];
        t->sum += s;
        t->max = MAX(t->max, s);
        t->ok++;
    }
    if (!d->done)
        tally_failure(t, "unfinished"); /* still going when the run ended */
    for (guint k = 0; k < pg->len; k++)
        g_free(why[k]);
    g_free(why);
}

/* "2 connection refused, 1 HTTP 404" */
static char *reasons_text(const GPtrArray *keys, const uint64_t *counts)
{
    GString *s = g_string_new("");
    for (guint i = 0; i < keys->len; i++) {
        const char *k = g_ptr_array_index(keys, i), *words = NULL;
        for (size_t j = 0; j < G_N_ELEMENTS(reasons) && !words; j++)
            if (!strcmp(reasons[j].key, k))
                words = reasons[j].words;
        if (words)
            g_string_append_printf(s, "%s%" G_GUINT64_FORMAT " %s", i ? ", " : "", counts[i], words);
        else
            g_string_append_printf(s, "%s%" G_GUINT64_FORMAT " HTTP %s", i ? ", " : "", counts[i], k + 5);
    }
    return g_string_free(s, FALSE);
}

/* breakdown.<part>_s: the mean per page load that succeeded;
 * breakdown.sum.<part>_s: the run's total; breakdown.formula_s: what the
 * textbook's formulas count (connect, request and response: round trips
 * and transmissions); breakdown.page_load_s: what the parts add up to. */
static void breakdown_metrics(const load_tally *t, app_collect *out)
{
    double ok = t->ok ? (double)t->ok : NAN;
    char key[64];
    for (int i = 0; i < APP_TIME__COUNT; i++) {
        g_snprintf(key, sizeof key, "breakdown.%s_s", app_time_part_name((app_time_part)i));
        app_metric(out, key, (double)t->parts[i] / 1e9 / ok);
    }
    int64_t formula = t->parts[APP_TIME_CONNECT] + t->parts[APP_TIME_REQUEST] + t->parts[APP_TIME_RESPONSE];
    app_metric(out, "breakdown.formula_s", (double)formula / 1e9 / ok);
    app_metric(out, "breakdown.page_load_s", (double)t->elapsed / 1e9 / ok);
    for (int i = 0; i < APP_TIME__COUNT; i++) {
        g_snprintf(key, sizeof key, "breakdown.sum.%s_s", app_time_part_name((app_time_part)i));
        app_metric(out, key, (double)t->parts[i] / 1e9);
    }
    app_metric(out, "breakdown.sum.page_load_s", (double)t->elapsed / 1e9);
}

static void browser_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                            app_collect *out)
{
    (void)specs;
    load_tally t = {.keys = g_ptr_array_new_with_free_func(g_free), .counts = g_array_new(FALSE, TRUE, sizeof(uint64_t))};
    for (size_t i = 0; i < n; i++) {
        time_parts *tp = explain_objects(w, insts[i]);
        tally_browser(&t, w, insts[i], tp);
        browser_rows(insts[i], tp, out);
        g_free(tp);
    }
    breakdown_metrics(&t, out);
    app_metric(out, "page_load_time_mean_s", t.ok ? t.sum / (double)t.ok : NAN);
    app_metric(out, "page_load_time_max_s", t.ok ? t.max : NAN);
    app_metric_count(out, "pages", t.pages);
    app_metric_count(out, "objects", t.objects);
    app_metric_count(out, "failures", t.failed);
    app_metric_count(out, "loads_ok", t.ok);
    for (guint i = 0; i < t.keys->len; i++) {
        char *key = g_strdup_printf("failure_reasons.%s", (const char *)g_ptr_array_index(t.keys, i));
        app_metric_count(out, key, g_array_index(t.counts, uint64_t, i));
        g_free(key);
    }
    if (t.failed > 0 && t.ok == 0) {
        char *why = reasons_text(t.keys, (const uint64_t *)(const void *)t.counts->data);
        char *msg = g_strdup_printf("every page load failed: %s", why);
        app_run_failed(out, msg);
        g_free(msg);
        g_free(why);
    }
    g_ptr_array_free(t.keys, TRUE);
    g_array_free(t.counts, TRUE);
}

/* The failure reasons a run reported, from its metrics. */
static char *reported_reasons(const app_view *m)
{
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
    GArray *counts = g_array_new(FALSE, TRUE, sizeof(uint64_t));
    char key[48];
    for (int i = 0; i < (int)G_N_ELEMENTS(reasons) + 200; i++) {
        char name[16];
        if (i < (int)G_N_ELEMENTS(reasons))
            g_strlcpy(name, reasons[i].key, sizeof name);
        else
            g_snprintf(name, sizeof name, "http_%d", 400 + i - (int)G_N_ELEMENTS(reasons));
        g_snprintf(key, sizeof key, "failure_reasons.%s", name);
        double v = app_view_metric(m, key);
        if (isfinite(v) && v > 0) {
            uint64_t c = (uint64_t)v;
            g_ptr_array_add(keys, g_strdup(name));
            g_array_append_val(counts, c);
        }
    }
    char *s = reasons_text(keys, (const uint64_t *)(const void *)counts->data);
    g_ptr_array_free(keys, TRUE);
    g_array_free(counts, TRUE);
    return s;
}

static void browser_report(const app_view *m, app_report_style style, GString *out)
{
    if (style != APP_REPORT_SINGLE)
        return;
    double failed = app_view_metric(m, "failures");
    g_string_append_printf(out, "  pages %.0f, objects %.0f, failed loads %.0f, RTT %.1f ms, simulated %.3f s\n",
                           app_view_metric(m, "pages"), app_view_metric(m, "objects"), failed,
                           app_view_metric(m, "rtt_s") * 1e3, app_view_metric(m, "simulated_s"));
    double total = app_view_metric(m, "breakdown.page_load_s");
    if (isfinite(total)) {
        g_string_append_printf(out, "  where the time went, mean per page load (ms): formula %.3f (connect %.3f + "
                                    "request %.3f + response %.3f)",
                               app_view_metric(m, "breakdown.formula_s") * 1e3,
                               app_view_metric(m, "breakdown.connect_s") * 1e3,
                               app_view_metric(m, "breakdown.request_s") * 1e3,
                               app_view_metric(m, "breakdown.response_s") * 1e3);
        static const char *const rest[][2] = {{"server", "server"},           {"slow_start", "slow start"},
                                              {"queueing", "queueing"},       {"delayed_ack", "delayed ACKs"},
                                              {"retransmission", "retransmissions"}, {"other", "other"}};
        for (size_t i = 0; i < G_N_ELEMENTS(rest); i++) {
            char key[64];
            g_snprintf(key, sizeof key, "breakdown.%s_s", rest[i][0]);
            g_string_append_printf(out, " + %s %.3f", rest[i][1], app_view_metric(m, key) * 1e3);
        }
        g_string_append_printf(out, " = simulated %.3f\n", total * 1e3);
    }
    if (failed > 0) {
        char *why = reported_reasons(m);
        g_string_append_printf(out, "  failed loads, left out of the page load time: %s\n", why);
        g_free(why);
    }
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
    .csv_header = "client,url,connection,connect_start_s,request_sent_s,first_byte_s,last_byte_s,status,bytes,cache,"
                  "failure,elapsed_s,bd_connect_s,bd_request_s,bd_server_s,bd_response_s,bd_queueing_s,bd_slow_start_s,"
                  "bd_delayed_ack_s,bd_retransmission_s,bd_other_s",
    .headlines = browser_headlines,
    .formulas = browser_formulas,
    .endpoints = browser_endpoints,
    .report = browser_report,
};
