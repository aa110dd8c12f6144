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
 * failed fetch (failure_reasons.<reason>: dns, refused, syn_timeout,
 * retries_exhausted, reset, unreachable, closed, bad_response, http_<NNN>,
 * unfinished, other); page-load times are those of the loads that
 * succeeded only. When every load failed, the run failed as a whole
 * (app_run_failed).
 *
 * Name lookups (a host with a resolver, http_browser.h): each row's dns_s
 * is how long the fetch waited for its connection's lookup (0 when it rode
 * on an open connection or the host has no resolver), and that wait is
 * the `dns` part of the breakdown, before the connection's connect.
 */
#include <math.h>
#include <string.h>

#include "http_apps.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_msg.h"
#include "protocols/http/http_store.h"
#include "protocols/http/http_url.h"

/* The version the browser and the server put in their heads (as in
 * http_browser.c and http_server.c). */
#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.1.0"
#endif

/* The longest URL a browser's "pages" may list, in bytes. */
#define BROWSER_MAX_URL 1000

typedef struct {
    int mode;             /* browser_mode */
    int64_t parallel;
    int http;             /* -1: by mode; 0: HTTP/1.0; 1: HTTP/1.1 */
    int64_t repeat;
    int64_t start, think; /* ns */
    bool cache;
    char *auth;           /* "user:password" for HTTP Basic, or NULL */
    bool active;          /* false: loads nothing (a case may leave a client out) */
    bool breakdown;       /* false: no time breakdown (the world keeps no packet log for it) */
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
    /* A host with a dot that is no node's name is a domain name (or an
     * address): looked up by the host's resolver when the scenario has
     * DNS (docs/dns.md); without one, its fetches fail. */
    bool ok = (strchr(url.host, '.') && !app_reader_has_node(r, url.host)) || app_reader_host(r, NULL, url.host);
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

/* "user:password": the Basic credentials the browser answers a 401 with
 * (and then sends to that host from the start). */
static void read_auth(app_reader *r, const char *key, void *field)
{
    if (!app_reader_has(r, key))
        return;
    app_reader_enter_key(r, key);
    const char *s = app_reader_string(r);
    const char *colon = s ? strchr(s, ':') : NULL;
    if (!s || !colon || colon == s || strlen(s) > 1000)
        app_reader_fail_expected(r, NULL, "\"user:password\" (a user name, a colon, the password)");
    else if (strpbrk(s, "\r\n"))
        app_reader_fail(r, NULL, "a user name or password may not hold a line break");
    else
        *(char **)field = g_strdup(s);
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
    {.name = "auth", .kind = APP_KEY_CUSTOM, .offset = offsetof(browser_spec, auth), .read = read_auth},
    {.name = "active", .kind = APP_KEY_BOOL, .offset = offsetof(browser_spec, active), .def = 1},
    {.name = "breakdown", .kind = APP_KEY_BOOL, .offset = offsetof(browser_spec, breakdown), .def = 1},
    {0}};

static void browser_clear(void *cfg)
{
    browser_spec *b = cfg;
    g_free(b->auth);
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
    char *user = NULL;
    if (s->auth) {
        user = g_strndup(s->auth, strcspn(s->auth, ":"));
        bc.user = user;
        bc.password = s->auth + strlen(user) + 1;
    }
    browser_inst *d = g_new0(browser_inst, 1);
    d->w = w;
    d->spec = a;
    d->env = app_world_host(w, a->host);
    d->loads_left = s->active ? s->repeat : 0; /* inactive: done at `start`, having loaded nothing */
    d->b = http_browser_new(d->env, &bc, err);
    g_free(user); /* the browser keeps copies */
    if (!d->b) {
        g_free(d);
        return NULL;
    }
    if (s->breakdown && s->active) /* an inactive browser loads nothing to explain */
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
    {"dns", "name lookup failed"},
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
    if (g_str_has_prefix(e, HTTP_BROWSER_DNS_ERROR))
        return "dns";
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

/* When an object's time starts: its connection's lookup, or its connect
 * without one, when the connection is new; its request when it rides on a
 * connection opened earlier. */
static int64_t object_start(const http_record *rc)
{
    if (rc->reused)
        return rc->request_sent;
    return rc->dns_start >= 0 ? rc->dns_start : rc->connect_start;
}

/* How long the fetch waited for a lookup (ns): its new connection's. */
static int64_t object_dns(const http_record *rc)
{
    return !rc->reused && rc->dns_start >= 0 && rc->dns_end >= rc->dns_start ? rc->dns_end - rc->dns_start : 0;
}

/* Explains [s, end] of one object (s at or after its start): the part
 * before its connection's connect, while the lookup ran, is dns; the
 * world's walk explains the rest. */
static void explain_span(const app_world *w, const browser_inst *d, const http_record *rc, int64_t s, int64_t end,
                         int64_t part[APP_TIME__COUNT])
{
    int64_t from = s;
    if (!rc->reused && rc->dns_start >= 0 && rc->connect_start > s)
        from = MIN(rc->connect_start, end);
    app_world_explain(w, d->spec->host, from, end, part);
    part[APP_TIME_DNS] += from - s;
}

/* Whether the browser asked for the breakdown: on, and loading (an
 * inactive browser has nothing to explain, so it does not count). */
static bool wants_breakdown(const browser_inst *d)
{
    const browser_spec *s = d->spec->cfg;
    return s->breakdown && s->active;
}

/* Explains every finished object of one browser (an array beside its
 * records); none (every one not ok) when it asked for no breakdown. */
static time_parts *explain_objects(const app_world *w, const browser_inst *d)
{
    const GArray *recs = http_browser_records(d->b);
    time_parts *tp = g_new0(time_parts, recs->len + 1);
    if (!wants_breakdown(d))
        return tp;
    for (guint k = 0; k < recs->len; k++) {
        const http_record *rc = &g_array_index(recs, http_record, k);
        int64_t s = object_start(rc);
        if (rc->last_byte < 0 || s < 0 || rc->last_byte < s)
            continue;
        tp[k].ok = true;
        tp[k].start = s;
        tp[k].end = rc->last_byte;
        explain_span(w, d, rc, s, rc->last_byte, tp[k].part);
    }
    return tp;
}

/* A page load's parts, along its critical path of objects: the object
 * that finished last, then the object whose last byte came latest before
 * that one started (what it waited for: the base page, or the object
 * before it on its connection), and so on back to the page's start; the
 * gaps between (the browser's own time) are other. An object's interval
 * that began before the page's start is explained again, clipped to it;
 * any other's parts are those explain_objects found. Exact: the parts add
 * up to end - start. O(objects^2) per page. */
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
        /* Unclipped, the object's interval is the one explain_objects
         * explained: the same walk, so its parts are taken as they are. */
        if (s == tp[cur].start)
            memcpy(part, tp[cur].part, sizeof part);
        else
            explain_span(w, d, &g_array_index(recs, http_record, cur), s, tp[cur].end, part);
        for (int i = 0; i < APP_TIME__COUNT; i++)
            out->part[i] += part[i];
        t = s;
        if (t <= pg->start)
            break;
    }
    out->part[APP_TIME_OTHER] += t - pg->start;
}

/* "12.345678901": nanoseconds as exact seconds, written at the end of
 * `buf`; returns where the text starts. By hand: with printf the columns
 * of the rows were a quarter of the browsers' collection in a large run. */
static const char *format_ns(char buf[32], int64_t ns)
{
    uint64_t a = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns, secs = a / 1000000000u, frac = a % 1000000000u;
    char *p = buf + 31;
    *p = '\0';
    for (int i = 0; i < 9; i++) {
        *--p = (char)('0' + frac % 10);
        frac /= 10;
    }
    *--p = '.';
    do {
        *--p = (char)('0' + secs % 10);
        secs /= 10;
    } while (secs);
    if (ns < 0)
        *--p = '-';
    return p;
}

static void append_ns(GString *s, int64_t ns)
{
    char buf[32];
    g_string_append(s, format_ns(buf, ns));
}

/* csv_time(t) as "%.9f" prints it. Below 2^22 s doubles are at most
 * 2^-31 s apart, so csv_time(t) is within 2^-32 s (a quarter of a
 * nanosecond) of t / 1e9, and its nearest 9-decimal value, which printf
 * prints, is t's exact seconds: those are written by hand; later times
 * (past 48 days) through printf. */
static const char *csv_time_text(char buf[32], int64_t t)
{
    if (t >= 0 && t < (INT64_C(1) << 22) * 1000000000)
        return format_ns(buf, t);
    g_snprintf(buf, 32, "%.9f", csv_time(t));
    return buf;
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
        GString *dns = g_string_new("");
        append_ns(dns, object_dns(rc));
        char t0[32], t1[32], t2[32], t3[32];
        app_row(out, "%s,%s,%" G_GUINT64_FORMAT ",%s,%s,%s,%s,%s,%d,%" G_GUINT64_FORMAT ",%s,%s%s", d->spec->name,
                rc->url, rc->conn, dns->str, csv_time_text(t0, rc->connect_start),
                csv_time_text(t1, rc->request_sent), csv_time_text(t2, rc->first_byte),
                csv_time_text(t3, rc->last_byte), rc->status, rc->bytes,
                rc->cache ? rc->cache : rc->from_cache ? "revalidated" : "", why ? why : "", cols);
        g_string_free(dns, TRUE);
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
    int64_t last_end; /* ns from time 0: when the last load that succeeded ended */
    bool asked;         /* a browser asked for the breakdown */
    uint64_t explained; /* the loads that succeeded at those browsers */
    int64_t elapsed;  /* ns, of those */
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
    t->asked |= wants_breakdown(d);
    for (guint k = 0; k < pg->len; k++) {
        const http_page *p = &g_array_index(pg, http_page, k);
        t->pages++;
        t->objects += p->objects;
        if (why[k] || p->failures) {
            tally_failure(t, why[k] ? why[k] : "other");
            continue;
        }
        double s = (double)(p->end - p->start) / 1e9;
        if (wants_breakdown(d)) {
            time_parts pp;
            explain_page(w, d, p, k, tp, &pp);
            t->explained++;
            t->elapsed += p->end - p->start;
            for (int i = 0; i < APP_TIME__COUNT; i++)
                t->parts[i] += pp.part[i];
        }
        t->sum += s;
        t->max = MAX(t->max, s);
        t->last_end = MAX(t->last_end, p->end);
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
 * and transmissions); breakdown.page_load_s: what the parts add up to.
 * Over the loads of the browsers that asked for it: null when none did;
 * the means are null, the sums 0, when none of their loads succeeded. */
static void breakdown_metrics(const load_tally *t, app_collect *out)
{
    double ok = t->explained ? (double)t->explained : NAN;
    char key[64];
    for (int i = 0; i < APP_TIME__COUNT; i++) {
        g_snprintf(key, sizeof key, "breakdown.%s_s", app_time_part_name((app_time_part)i));
        app_metric(out, key, (double)t->parts[i] / 1e9 / ok);
    }
    int64_t formula = t->parts[APP_TIME_CONNECT] + t->parts[APP_TIME_REQUEST] + t->parts[APP_TIME_RESPONSE];
    app_metric(out, "breakdown.formula_s", (double)formula / 1e9 / ok);
    app_metric(out, "breakdown.page_load_s", (double)t->elapsed / 1e9 / ok);
    double none = t->asked ? 0 : NAN; /* the sums: null, not 0, when no browser asked for them */
    for (int i = 0; i < APP_TIME__COUNT; i++) {
        g_snprintf(key, sizeof key, "breakdown.sum.%s_s", app_time_part_name((app_time_part)i));
        app_metric(out, key, (double)t->parts[i] / 1e9 + none);
    }
    app_metric(out, "breakdown.sum.page_load_s", (double)t->elapsed / 1e9 + none);
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
    /* The time every client had its pages, from time 0: none when a load failed. */
    app_metric(out, "distribution_time_s", t.ok && !t.failed ? (double)t.last_end / 1e9 : NAN);
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

/* The parts after the formula's, as the report names them. */
static const char *const browser_rest[][2] = {{"dns", "dns"},           {"server", "server"},           {"slow_start", "slow start"},
                                              {"queueing", "queueing"},       {"delayed_ack", "delayed ACKs"},
                                              {"retransmission", "retransmissions"}, {"other", "other"}};

/* One run of a table: "formula X + slow start Y + ... = simulated T" in ms,
 * mean per page load, leaving out the parts that print as 0.0. */
static void browser_row(const app_view *m, GString *out)
{
    double total = app_view_metric(m, "breakdown.page_load_s");
    if (!isfinite(total))
        return;
    g_string_append_printf(out, "formula %.1f", app_view_metric(m, "breakdown.formula_s") * 1e3);
    for (size_t i = 0; i < G_N_ELEMENTS(browser_rest); i++) {
        char key[64];
        g_snprintf(key, sizeof key, "breakdown.%s_s", browser_rest[i][0]);
        double v = app_view_metric(m, key) * 1e3;
        if (isfinite(v) && v >= 0.05)
            g_string_append_printf(out, " + %s %.1f", browser_rest[i][1], v);
    }
    g_string_append_printf(out, " = simulated %.1f", total * 1e3);
}

static void browser_report(const app_view *m, app_report_style style, GString *out)
{
    if (style == APP_REPORT_ROW) {
        browser_row(m, out);
        return;
    }
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
        for (size_t i = 0; i < G_N_ELEMENTS(browser_rest); i++) {
            char key[64];
            g_snprintf(key, sizeof key, "breakdown.%s_s", browser_rest[i][0]);
            double v = app_view_metric(m, key);
            if (!strcmp(browser_rest[i][0], "dns") && !(v > 0))
                continue; /* no lookups (no resolver): the line reads as it always did */
            g_string_append_printf(out, " + %s %.3f", browser_rest[i][1], v * 1e3);
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

/*
 * The closed forms the simulator's ideal TCP follows (docs/http.md,
 * "Validation", derives them). Every term is a propagation delay or the
 * transmission time of what crosses the wire: each packet is its payload
 * plus the network's header bytes, cut at the MSS, sent back to back and
 * stored and forwarded on every hop of the path, each time rounded up to
 * the nanosecond as the links do. The HTTP heads are built with the same
 * serializer and the same headers the browser and the server use, so the
 * L of L/R is what crosses the wire.
 */

/* What the formulas need: the path to the first URL's server, the
 * transport, and the sizes of the messages of one page load. */
typedef struct {
    app_path up, down;    /* client -> server, server -> client */
    double rtt, rate;
    uint32_t mss, hdr;
    bool ideal;
    double rto_min, rto_initial; /* s */
    double proc;          /* s: the server's time per request */
    uint32_t n;           /* objects of the page */
    uint64_t size;        /* body of an object (of the first URL when the server has no page) */
    uint64_t q0, r0;      /* the first request and its response (head and body), bytes */
    uint64_t q, r;        /* a later request and its response, bytes */
} page_facts;

/* Bytes of a serialised message. */
static uint64_t msg_bytes(http_msg *m)
{
    GString *out = g_string_new("");
    http_msg_serialize(m, out);
    http_msg_free(m);
    uint64_t n = out->len;
    g_string_free(out, TRUE);
    return n;
}

/* The browser's GET for `path` (see send_request in http_browser.c):
 * Host, User-Agent, Accept, the persistence header the version needs, and
 * the cookie the server handed out with the first response. */
static uint64_t request_bytes(const char *path, const char *authority, int version, bool persist, bool cookie)
{
    http_msg *m = http_msg_new_request(HTTP_M_GET, path, version);
    http_msg_add(m, "Host", authority);
    http_msg_add(m, "User-Agent", "appsim-browser/" APPSIM_VERSION);
    http_msg_add(m, "Accept", "*/*");
    if (version == 10 && persist)
        http_msg_add(m, "Connection", "keep-alive");
    else if (version == 11 && !persist)
        http_msg_add(m, "Connection", "close");
    if (cookie)
        http_msg_add(m, "Cookie", "appsim-id=1");
    return msg_bytes(m);
}

/* The server's 200 for an object of `size` bytes and media type `type`,
 * head and body (see serve_object and job_finish in http_server.c). Dates
 * are 29 characters; the ETag's modification time has 8 hex digits (any
 * time from 1975 to 2106). */
static uint64_t response_bytes(uint64_t size, const char *type, int version, bool persist, bool first)
{
    http_msg *m = http_msg_new_response(200, NULL, version);
    http_msg_add(m, "Date", "Mon, 01 Jan 2024 00:00:00 GMT");
    http_msg_add(m, "Server", "appsim/" APPSIM_VERSION);
    http_msg_add(m, "Last-Modified", "Sun, 31 Dec 2023 00:00:00 GMT");
    http_msg_addf(m, "ETag", "\"%" G_GINT64_MODIFIER "x-65900000\"", (gint64)size);
    http_msg_add(m, "Accept-Ranges", "bytes");
    http_msg_add(m, "Content-Type", type);
    http_msg_addf(m, "Content-Length", "%" G_GUINT64_FORMAT, size);
    if (first)
        http_msg_add(m, "Set-Cookie", "appsim-id=1; Path=/");
    if (!persist) {
        http_msg_add(m, "Connection", "close");
    } else if (version == 10) {
        http_msg_add(m, "Connection", "keep-alive");
        http_msg_add(m, "Keep-Alive", "timeout=15");
    }
    return msg_bytes(m) + size;
}

/* The base page the server builds for a page spec (build_store in
 * http_server_app.c), in bytes. */
static uint64_t base_page_bytes(const http_page_spec *pg)
{
    const char *slash = strrchr(pg->path, '/'), *dot = strrchr(pg->path, '.');
    size_t stem = dot && dot > slash ? (size_t)(dot - pg->path) : strlen(pg->path);
    uint64_t n = strlen("<html><head><title>appsim</title></head><body>\n") + strlen("</body></html>\n");
    for (int64_t k = 0; k < pg->objects; k++) {
        char digits[24];
        g_snprintf(digits, sizeof digits, "%" G_GINT64_FORMAT, k);
        n += strlen("<img src=\"/img.gif\">\n") + stem + strlen(digits);
    }
    return n;
}

static bool facts(const app_world *w, const app_spec *a, page_facts *f)
{
    const browser_spec *s = a->cfg;
    http_url u;
    memset(f, 0, sizeof *f);
    if (!s->urls->len || !http_url_parse(g_ptr_array_index(s->urls, 0), &u))
        return false;
    /* the URL's host may be a name DNS gives the server's node */
    const char *node = app_world_node_named(w, u.host);
    const app_spec *srv = node ? app_world_find(w, "http-server", node) : NULL;
    bool ok = srv && app_world_path(w, a->host, u.host, &f->up) && app_world_path(w, u.host, a->host, &f->down);
    if (!ok) {
        http_url_clear(&u);
        return false;
    }
    const http_server_spec *ss = srv->cfg;
    app_tcp_info tcp;
    app_world_tcp(w, &tcp);
    f->rtt = f->up.rtt_s;
    f->rate = MIN(f->up.bottleneck_bps, f->down.bottleneck_bps);
    f->mss = tcp.mss;
    f->hdr = app_world_header_bytes(w, false);
    f->ideal = tcp.ideal;
    f->rto_min = tcp.rto_min_s;
    f->rto_initial = tcp.rto_initial_s;
    f->proc = (double)ss->proc_time / 1e9;
    bool persist = s->mode != BROWSER_NP_SERIAL && s->mode != BROWSER_NP_PARALLEL;
    int version = s->http < 0 ? (persist ? 11 : 10) : s->http == 0 ? 10 : 11;
    char *authority = http_url_authority(&u);
    const http_page_spec *pg = NULL;
    for (guint i = 0; i < ss->pages->len && !pg; i++)
        if (!strcmp(g_array_index(ss->pages, http_page_spec, i).path, u.path))
            pg = &g_array_index(ss->pages, http_page_spec, i);
    if (pg) {
        f->n = (uint32_t)pg->objects;
        f->size = pg->object_size;
        f->q0 = request_bytes(pg->path, authority, version, persist, false);
        f->r0 = response_bytes(base_page_bytes(pg), "text/html", version, persist, true);
        /* Object paths "<stem>/imgK.gif" differ in K's digits only: the
         * formulas take the longest, a byte or two at most. */
        const char *slash = strrchr(pg->path, '/'), *dot = strrchr(pg->path, '.');
        size_t stem = dot && dot > slash ? (size_t)(dot - pg->path) : strlen(pg->path);
        char *op = g_strdup_printf("%.*s/img%" G_GINT64_FORMAT ".gif", (int)stem, pg->path,
                                   pg->objects > 0 ? pg->objects - 1 : 0);
        f->q = request_bytes(op, authority, version, persist, true);
        f->r = response_bytes(pg->object_size, "image/gif", version, persist, false);
        g_free(op);
    } else {
        const http_object_spec *o = NULL;
        for (guint i = 0; i < ss->objects->len && !o; i++)
            if (!strcmp(g_array_index(ss->objects, http_object_spec, i).path, u.path))
                o = &g_array_index(ss->objects, http_object_spec, i);
        if (!o && ss->objects->len)
            o = &g_array_index(ss->objects, http_object_spec, 0);
        f->size = o ? o->size : 0;
        f->q0 = f->q = request_bytes(u.path, authority, version, persist, false);
        f->r0 = f->r = response_bytes(f->size, http_guess_type(u.path), version, persist, true);
    }
    g_free(authority);
    http_url_clear(&u);
    return ok;
}

/* Transmission time of `bytes` at `rate_bps`, rounded up to the
 * nanosecond as the links do (ceil(8 L 1e9 / R) ns), in seconds. */
static double tx(uint64_t bytes, uint64_t rate_bps)
{
    if (rate_bps == 0)
        return 0;
    return (double)((bytes * 8 * UINT64_C(1000000000) + rate_bps - 1) / rate_bps) / 1e9;
}

/* The time a message of `bytes` (0: a bare SYN or ACK) takes across the
 * path when its packets are sent back to back, behind `lead` bare packets
 * sent just before it: segments of at most `mss` bytes plus `hdr` header
 * bytes, stored and forwarded on every hop. A packet leaves hop j when it
 * has arrived there and the packet before it has left; the last one
 * arrives at the heaviest monotone path through the grid of (packet, hop)
 * transmission times plus the propagation delays. On one link of rate R
 * and delay d that is d + sum_k (L_k + hdr) / R. O(packets x hops). */
static double cross_after(const app_path *p, uint32_t lead, uint64_t bytes, uint32_t mss, uint32_t hdr)
{
    double free_at[G_N_ELEMENTS(p->hops)] = {0}, arrive = 0;
    uint64_t off = 0;
    for (uint32_t k = 0; k < lead; k++) {
        double t = 0;
        for (int j = 0; j < p->n; j++) {
            free_at[j] = MAX(t, free_at[j]) + tx(hdr, p->hops[j].rate_bps);
            t = free_at[j] + (double)p->hops[j].delay_ns / 1e9;
        }
    }
    do {
        uint64_t seg = MIN((uint64_t)mss, bytes - off);
        double t = 0;
        for (int j = 0; j < p->n; j++) {
            double start = MAX(t, free_at[j]);
            free_at[j] = start + tx(seg + hdr, p->hops[j].rate_bps);
            t = free_at[j] + (double)p->hops[j].delay_ns / 1e9;
        }
        arrive = t;
        off += seg;
    } while (off < bytes);
    return arrive;
}

static double cross(const app_path *p, uint64_t bytes, uint32_t mss, uint32_t hdr)
{
    return cross_after(p, 0, bytes, mss, hdr);
}

/* The time a message of `bytes` (0: a bare packet) holds the slowest hop
 * of the path: the sum of its packets' transmission times there. */
static double hold(const app_path *p, uint64_t bytes, uint32_t mss, uint32_t hdr)
{
    double worst = 0;
    for (int j = 0; j < p->n; j++) {
        double t = 0;
        uint64_t off = 0;
        do {
            uint64_t seg = MIN((uint64_t)mss, bytes - off);
            t += tx(seg + hdr, p->hops[j].rate_bps);
            off += seg;
        } while (off < bytes);
        worst = MAX(worst, t);
    }
    return worst;
}

/* Packets of a message of `bytes` (0: one bare packet). */
static uint64_t packets(uint64_t bytes, uint32_t mss) { return bytes ? (bytes + mss - 1) / mss : 1; }

/* Whether the formulas hold on this path: no random loss, and no queue
 * limit that `pkts` packets (of `bytes` bytes in all, headers included)
 * waiting at once would pass. The ideal TCP sends a whole message at
 * once, so its packets wait together in the first hop's queue, and in
 * the slowest hop's; a drop costs a retransmission timeout the formulas
 * do not count. */
static bool no_drops(const page_facts *f, uint64_t pkts, uint64_t bytes)
{
    for (int d = 0; d < 2; d++) {
        const app_path *p = d ? &f->down : &f->up;
        for (int j = 0; j < p->n; j++) {
            const app_hop *h = &p->hops[j];
            if (h->loss > 0 || (h->queue_limit_pkts && pkts > h->queue_limit_pkts) ||
                (h->queue_limit_bytes && bytes > h->queue_limit_bytes))
                return false;
        }
    }
    return true;
}

/* The same for one message: all its packets but the one on the wire wait. */
static bool message_fits(const page_facts *f, uint64_t bytes)
{
    uint64_t k = packets(bytes, f->mss);
    return no_drops(f, k - 1, bytes + k * f->hdr);
}

/* One request and its response on an open connection:
 * X = T_up(q) + proc + T_down(r). `lead` bare packets (the ACK of the
 * response just received) go out ahead of the request. */
static double exchange(const page_facts *f, uint32_t lead, uint64_t q, uint64_t r)
{
    return cross_after(&f->up, lead, q, f->mss, f->hdr) + f->proc + cross(&f->down, r, f->mss, f->hdr);
}

/* The same on a new connection: the SYN and the SYN-ACK first, the
 * handshake's last ACK riding on the request:
 * E = T_up(SYN) + T_down(SYN-ACK) + X. */
static double fresh(const page_facts *f, uint32_t lead, uint64_t q, uint64_t r)
{
    return cross_after(&f->up, lead, 0, f->mss, f->hdr) + cross(&f->down, 0, f->mss, f->hdr) +
           exchange(f, 0, q, r);
}

/* Closing a connection after a response: when the response came in one
 * segment its ACK leaves before the next connection's SYN (one bare
 * packet ahead); after a longer response the ACK of the last segment
 * rides on the browser's FIN, which leaves after the SYN. */
static uint32_t np_lead(const page_facts *f, uint64_t r) { return r <= f->mss ? 1 : 0; }

/* Parallel connections. Without a bandwidth limit the objects go in
 * rounds of N, and on an ideal TCP each response holds the server's link
 * for h_r one after the other, so the last object is in at
 *   E(base) + ceil(n/N) E + (m - 1) h_r,   m = n - (ceil(n/N) - 1) N
 * (non-persistent; persistent: the first object of the base page's
 * connection costs X instead of E, later ones X). When the responses of N
 * connections hold the server's link for longer than a round trip, the
 * link's queue decides: a new connection's SYN-ACK waits behind the
 * responses already queued. Both cases are the recursion of two
 * first-come-first-served links, one per direction, over the messages of
 * the page: a message enters its link's queue when it is sent, leaves it
 * `hold` later than the later of that and the message before, and arrives
 * after the rest of its crossing (propagation and the other hops). The
 * messages: for each object on a new connection SYN, SYN-ACK, request,
 * response; on an open one request and response; the ACK of a response
 * leaves ahead of what the browser sends next (a bare packet, see
 * np_lead). Computed here event by event in time order (ties in the order
 * they were made, as the engine does): about 4 n events, each found among
 * at most N pending ones, so O(n N) plus each message's packets x hops. */
typedef enum { PX_SEND_SYN, PX_SYN_IN, PX_SYNACK_IN, PX_REQ_IN, PX_RESP_IN } px_kind;

typedef struct {
    double t;
    uint64_t seq;
    px_kind kind;
    uint32_t conn;
    uint32_t lead;        /* PX_SEND_SYN: bare packets ahead of it */
} px_event;

typedef struct {
    const page_facts *f;
    GArray *ev;           /* of px_event, unordered; the earliest is taken each time */
    uint64_t seq;
    double up_free, down_free;
    bool timeout;         /* a message waited long enough for a retransmission, or was dropped */
} px_links;

static void px_add(px_links *l, double t, px_kind kind, uint32_t conn, uint32_t lead)
{
    px_event e = {t, l->seq++, kind, conn, lead};
    g_array_append_val(l->ev, e);
}

/* Sends a message of `bytes` (0: a bare packet) on a link's queue at
 * time t after `lead` bare packets: returns its arrival. */
static double px_send(px_links *l, bool up, double t, uint32_t lead, uint64_t bytes)
{
    const page_facts *f = l->f;
    const app_path *p = up ? &f->up : &f->down;
    double *free_at = up ? &l->up_free : &l->down_free;
    for (uint32_t k = 0; k < lead; k++)
        *free_at = MAX(t, *free_at) + hold(p, 0, f->mss, f->hdr);
    double h = hold(p, bytes, f->mss, f->hdr), wait = MAX(t, *free_at) - t;
    /* The backlog it joins, in full-sized packets, and its own packets
     * but the first must fit in the queues. */
    double full = hold(p, f->mss, f->mss, f->hdr);
    uint64_t k = packets(bytes, f->mss), behind = full > 0 ? (uint64_t)ceil(wait / full) : 0;
    if (!no_drops(f, behind + k - 1, (behind + k) * ((uint64_t)f->mss + f->hdr)))
        l->timeout = true;
    /* The sender's timer runs from the moment it sends until the first
     * acknowledgement: a wait in the queue, the first packet's
     * transmission and a round trip. The timeout is at least rto_min and
     * three times the handshake's round trip (srtt + 4 rttvar after one
     * sample); before any sample (a SYN-ACK's peer) rto_initial. */
    double rtt = cross(&f->up, 0, f->mss, f->hdr) + cross(&f->down, 0, f->mss, f->hdr);
    double rto = bytes ? MAX(f->rto_min, 3 * rtt) : f->rto_initial;
    if (wait + hold(p, MIN(bytes, (uint64_t)f->mss), f->mss, f->hdr) + rtt >= rto)
        l->timeout = true;
    *free_at = MAX(t, *free_at) + h;
    return *free_at + cross(p, bytes, f->mss, f->hdr) - h;
}

static double parallel_objects(const page_facts *f, uint32_t par, bool persist)
{
    if (!f->n)
        return 0;
    px_links l = {.f = f, .ev = g_array_new(FALSE, FALSE, sizeof(px_event))};
    uint32_t next = 0, conns = 0;
    double last = 0;
    /* The base page is in at time 0: its ACK leaves first, then the
     * first object on its connection (persistent) or a new one. */
    uint32_t lead = persist ? 1 : np_lead(f, f->r0);
    if (persist) {
        /* The new connections' SYNs leave ahead of the request that the
         * base page's connection carries. */
        for (next = conns = 1; next < f->n && conns < par; next++, lead = 0)
            px_add(&l, px_send(&l, true, 0, lead, 0), PX_SYN_IN, conns++, 0);
        px_add(&l, px_send(&l, true, 0, lead, f->q), PX_REQ_IN, 0, 0);
    }
    for (; next < f->n && conns < par; next++, lead = 0)
        px_add(&l, 0, PX_SEND_SYN, conns++, lead);
    while (l.ev->len) {
        guint k = 0;
        for (guint i = 1; i < l.ev->len; i++) {
            const px_event *a = &g_array_index(l.ev, px_event, i), *b = &g_array_index(l.ev, px_event, k);
            if (a->t < b->t || (a->t == b->t && a->seq < b->seq))
                k = i;
        }
        px_event e = g_array_index(l.ev, px_event, k);
        g_array_remove_index_fast(l.ev, k);
        switch (e.kind) {
        case PX_SEND_SYN: px_add(&l, px_send(&l, true, e.t, e.lead, 0), PX_SYN_IN, e.conn, 0); break;
        case PX_SYN_IN: px_add(&l, px_send(&l, false, e.t, 0, 0), PX_SYNACK_IN, e.conn, 0); break;
        case PX_SYNACK_IN: px_add(&l, px_send(&l, true, e.t, 0, f->q), PX_REQ_IN, e.conn, 0); break;
        case PX_REQ_IN: px_add(&l, px_send(&l, false, e.t + f->proc, 0, f->r), PX_RESP_IN, e.conn, 0); break;
        case PX_RESP_IN:
            last = MAX(last, e.t);
            if (next < f->n) {
                next++;
                if (persist)
                    px_add(&l, px_send(&l, true, e.t, 1, f->q), PX_REQ_IN, e.conn, 0);
                else
                    px_add(&l, e.t, PX_SEND_SYN, e.conn, np_lead(f, f->r));
            }
            break;
        }
    }
    g_array_free(l.ev, TRUE);
    return l.timeout ? NAN : last;
}

/* Pipelined: after the base page every request goes at once (one stream,
 * segments of the MSS); the server answers each as it arrives and the
 * responses follow one another on its link:
 *   E(base) + T_up(first segment of the requests) + proc + T_down(all responses). */
static double pipelined_objects(const page_facts *f)
{
    if (!f->n)
        return 0;
    uint64_t reqs = (uint64_t)f->n * f->q;
    return cross_after(&f->up, 1, MIN(reqs, (uint64_t)f->mss), f->mss, f->hdr) + f->proc +
           cross(&f->down, (uint64_t)f->n * f->r, f->mss, f->hdr);
}

static double http_page_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    page_facts f;
    if (!facts(w, a, &f))
        return NAN;
    const browser_spec *s = a->cfg;
    uint32_t par = (uint32_t)MAX(s->parallel, 1);
    double base = fresh(&f, 0, f.q0, f.r0);
    if (!message_fits(&f, f.r0) || (f.n && !message_fits(&f, f.r)) ||
        ((browser_mode)s->mode == BROWSER_P_PIPELINE && !message_fits(&f, (uint64_t)f.n * f.r)))
        return NAN;
    switch ((browser_mode)s->mode) {
    case BROWSER_NP_SERIAL: /* the first object's SYN waits behind the base page's ACK */
        return f.n ? base + fresh(&f, np_lead(&f, f.r0), f.q, f.r) + (f.n - 1) * fresh(&f, np_lead(&f, f.r), f.q, f.r)
                   : base;
    case BROWSER_NP_PARALLEL: return base + parallel_objects(&f, par, false);
    case BROWSER_P_SERIAL: return base + f.n * exchange(&f, 1, f.q, f.r);
    case BROWSER_P_PIPELINE: return base + pipelined_objects(&f);
    case BROWSER_P_PARALLEL: return base + parallel_objects(&f, par, true);
    }
    return NAN;
}

/* One object on a new connection: 2 RTT + L/R where L is what crosses. */
static double single_object_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    page_facts f;
    return facts(w, a, &f) && message_fits(&f, f.r0) ? fresh(&f, 0, f.q0, f.r0) : NAN;
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

/* Slow start fed what crosses the wire: O is the response (head and
 * body), S the segment with its headers, and the request's and the
 * handshake's transmissions add. Ideal TCP has no slow start: E. */
static double slow_start_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    page_facts f;
    if (!facts(w, a, &f))
        return NAN;
    if (f.ideal)
        return message_fits(&f, f.r0) ? fresh(&f, 0, f.q0, f.r0) : NAN;
    double segs = ceil((double)f.r0 / f.mss);
    double o = (double)f.r0 + segs * f.hdr, s = (double)f.mss + f.hdr;
    return slow_start_latency(o, s, f.rate, f.rtt) + ((double)f.q0 + 3.0 * f.hdr) * 8 / f.rate;
}

/* A path made of hops [from, to) of `p` (its propagation and rates). */
static app_path sub_path(const app_path *p, int from, int to)
{
    app_path q;
    memset(&q, 0, sizeof q);
    for (int j = from; j < to; j++)
        q.hops[q.n++] = p->hops[j];
    return q;
}

/* The propagation delays of a path, s. */
static double propagation(const app_path *p)
{
    double d = 0;
    for (int j = 0; j < p->n; j++)
        d += (double)p->hops[j].delay_ns / 1e9;
    return d;
}

/*
 * Client-server distribution (docs/p2p.md, "Client-server baseline"): the
 * textbook's D_cs = max(N F / u_s, F / d_min) for the browsers that fetch
 * this browser's first URL at once, each over its own path from the
 * server. F is what crosses the wire for one copy: the response, head and
 * body, cut into segments of the MSS, each with the network's header
 * bytes. u_s is the first hop of the path from the server (its uplink),
 * whose N copies leave one after the other; a client's d is the slowest of
 * the other hops of its path (the whole path when it has one hop). Each
 * client also pays the set-up the http-page formula counts (SYN, SYN-ACK
 * and request across the path) and the propagation of the response:
 *   max_k (S_k + P_k) + max(N T_us(r), max_k T_dk(r)).
 * Left out: the N SYN-ACKs queued at the server's uplink (N t(H)) and the
 * store-and-forward of the response's last segments on the hop that is
 * not the bottleneck, about a packet's time each. None (NaN) when a response would wait at the
 * server's uplink long enough for the ideal TCP to retransmit, or would
 * not fit in a queue. O(apps + N x packets of r x hops).
 */
static double cs_bound_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    page_facts f;
    const browser_spec *s = a->cfg;
    if (!facts(w, a, &f) || f.down.n < 1)
        return NAN;
    const char *url = g_ptr_array_index(s->urls, 0);
    uint64_t n = 0;
    double setup = 0, client = 0;
    for (guint i = 0; app_world_app(w, i); i++) {
        const app_spec *b = app_world_app(w, i);
        const browser_spec *bs = b->cfg;
        if (b->type != a->type || !bs->active || strcmp(g_ptr_array_index(bs->urls, 0), url))
            continue;
        page_facts g;
        if (!facts(w, b, &g) || g.down.n < 1)
            return NAN;
        n++;
        double sk = cross(&g.up, 0, f.mss, f.hdr) + cross(&g.down, 0, f.mss, f.hdr) + cross(&g.up, f.q0, f.mss, f.hdr);
        setup = MAX(setup, sk + propagation(&g.down));
        app_path rest = g.down.n > 1 ? sub_path(&g.down, 1, g.down.n) : g.down;
        client = MAX(client, hold(&rest, f.r0, f.mss, f.hdr));
    }
    if (n == 0)
        return NAN;
    app_path uplink = sub_path(&f.down, 0, 1);
    double copy = hold(&uplink, f.r0, f.mss, f.hdr);
    /* The last copy waits (N - 1) copies in the uplink's queue, every
     * packet of the N copies but one at once. */
    uint64_t k = packets(f.r0, f.mss);
    if (!no_drops(&f, n * k - 1, n * (f.r0 + k * f.hdr)))
        return NAN;
    double rtt = cross(&f.up, 0, f.mss, f.hdr) + cross(&f.down, 0, f.mss, f.hdr);
    if ((double)(n - 1) * copy + hold(&uplink, MIN(f.r0, (uint64_t)f.mss), f.mss, f.hdr) + rtt >=
        MAX(f.rto_min, 3 * rtt))
        return NAN;
    return setup + MAX((double)n * copy, client);
}

static const app_formula browser_formulas[] = {
    {"http-page", http_page_formula},
    {"single-object", single_object_formula},
    {"slow-start", slow_start_formula},
    {"cs-bound", cs_bound_formula},
    {NULL, NULL}};

static const app_headline browser_headlines[] = {
    {"page_load_time", "page load time (s)", "page_load_time_mean_s", true},
    {"distribution_time", "distribution time (s)", "distribution_time_s", true},
    {NULL, NULL, NULL, false}};

static const app_prediction browser_predictions[] = {
    {"cs-bound", "distribution_time"},
    {NULL, NULL}};

static const app_legend browser_legends[] = {
    {"distribution_time", "client-server", false},
    {"cs-bound", "client-server lower bound", false},
    {NULL, NULL, false}};

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
    .csv_header = "client,url,connection,dns_s,connect_start_s,request_sent_s,first_byte_s,last_byte_s,status,bytes,"
                  "cache,failure,elapsed_s,bd_dns_s,bd_connect_s,bd_request_s,bd_server_s,bd_response_s,bd_queueing_s,bd_slow_start_s,"
                  "bd_delayed_ack_s,bd_retransmission_s,bd_other_s",
    .headlines = browser_headlines,
    .formulas = browser_formulas,
    .predictions = browser_predictions,
    .legends = browser_legends,
    .endpoints = browser_endpoints,
    .timeline_title = "one page load",
    .report = browser_report,
    .report_rows_title = "where the time went, mean per page load in ms (formula = connect + request + response)",
};
