/*
 * dns_workload_app: the "dns-workload" application type — Poisson
 * lookups of Zipf-popular names (<prefix>1.<zone> .. <prefix>N.<zone>)
 * from one host, through its stub resolver (host_lookup), for studies of
 * the local DNS server's cache; holds the run until the last lookup is
 * answered. Its random streams come from the run's seed alone.
 *
 * Cost: the popularity table is N doubles; a draw is O(log N).
 */
#include <math.h>
#include <string.h>

#include "dns_apps.h"

typedef struct {
    char *prefix, *zone;
    int64_t count;
    GPtrArray *list;      /* of char*, canonical: the names when given as a list */
} names_spec;

typedef struct {
    names_spec names;
    double zipf;
    double rate;          /* lookups per second */
    int64_t lookups;
    int64_t start;        /* ns */
} workload_spec;

static const app_key names_keys[] = {
    {.name = "prefix", .kind = APP_KEY_STRING, .offset = offsetof(names_spec, prefix), .def_text = "n"},
    {.name = "zone", .kind = APP_KEY_STRING, .offset = offsetof(names_spec, zone), .required = true},
    {.name = "count", .kind = APP_KEY_INT, .offset = offsetof(names_spec, count), .required = true, .lo = 1,
     .hi = 1000000, .expected = "a whole number of names from 1 to 1000000"},
    {0}};

#define NAMES_LIKE "a list of names like [\"www.example.com\"], or an object like {\"prefix\": \"n\", " \
                   "\"zone\": \"example.com\", \"count\": 1000}"

static void read_names(app_reader *r, const char *key, void *field)
{
    names_spec *ns = field;
    if (app_reader_has_list(r, key)) {
        int n = app_reader_enter_list(r, key, NAMES_LIKE);
        ns->list = g_ptr_array_new_with_free_func(g_free);
        if (n == 0 || n > 1000000)
            app_reader_fail_expected(r, NULL, "a list of 1 to 1000000 names");
        for (int i = 0; i < n && !app_reader_failed(r); i++) {
            app_reader_enter_item(r, i);
            const char *t = app_reader_string(r);
            GError *e = NULL;
            char *c = t ? dns_name_canon(t, &e) : NULL;
            if (!t)
                app_reader_fail_expected(r, NULL, "a domain name like \"www.example.com\"");
            else if (!c)
                app_reader_fail(r, NULL, "%s", e->message);
            else
                g_ptr_array_add(ns->list, c);
            g_clear_error(&e);
            app_reader_leave(r);
        }
        app_reader_leave(r);
        ns->count = ns->list->len;
        return;
    }
    if (app_reader_failed(r))
        return;
    if (!app_reader_enter_object(r, key, NAMES_LIKE)) {
        app_reader_fail(r, key, "missing: the names to look up, like {\"prefix\": \"n\", \"zone\": "
                                "\"example.com\", \"count\": 1000}");
        return;
    }
    app_reader_table(r, NULL, names_keys, field);
    app_reader_leave(r);
}

static const app_key workload_keys[] = {
    {.name = "names", .kind = APP_KEY_CUSTOM, .offset = offsetof(workload_spec, names), .read = read_names},
    {.name = "zipf", .kind = APP_KEY_NUMBER, .offset = offsetof(workload_spec, zipf), .def = 1.0, .lo = 0, .hi = 3,
     .expected = "a Zipf exponent from 0 to 3"},
    {.name = "rate", .kind = APP_KEY_NUMBER, .offset = offsetof(workload_spec, rate), .required = true, .lo = 1e-6,
     .hi = 1e6, .expected = "lookups per second, above 0 and at most 1000000"},
    {.name = "lookups", .kind = APP_KEY_INT, .offset = offsetof(workload_spec, lookups), .def = 10000, .lo = 1,
     .hi = 10000000, .expected = "a whole number of lookups from 1 to 10000000"},
    {.name = "start", .kind = APP_KEY_TIME, .offset = offsetof(workload_spec, start)},
    {0}};

static void workload_check(app_reader *r, void *cfg)
{
    workload_spec *s = cfg;
    if (app_reader_failed(r) || !s->names.zone || s->names.list)
        return;
    char *probe = g_strdup_printf("%s%" G_GINT64_FORMAT ".%s", s->names.prefix, s->names.count, s->names.zone);
    GError *e = NULL;
    char *c = dns_name_canon(probe, &e);
    if (!c) {
        app_reader_fail(r, "names", "%s (the names are like %s)", e->message, probe);
        g_error_free(e);
    }
    g_free(c);
    g_free(probe);
}

static void workload_clear(void *cfg)
{
    workload_spec *s = cfg;
    g_free(s->names.prefix);
    g_free(s->names.zone);
    if (s->names.list)
        g_ptr_array_free(s->names.list, TRUE);
}

/* ---- popularity ----------------------------------------------------------------------- */

/* p_i of name i (1-based) among n under Zipf(alpha), into `p` (n values). */
static void zipf_probs(double alpha, int64_t n, double *p)
{
    double sum = 0;
    for (int64_t i = 0; i < n; i++)
        sum += p[i] = pow((double)(i + 1), -alpha);
    for (int64_t i = 0; i < n; i++)
        p[i] /= sum;
}

/* ---- running -------------------------------------------------------------------------- */

typedef struct {
    app_world *w;
    host_env *env;
    const workload_spec *s;
    double *cdf;          /* cumulative popularity, count values */
    uint64_t rng;         /* splitmix64 state */
    int64_t issued, answered, failed;
    GArray *times;        /* of double: each answered lookup's time, s */
    bool done;
    bool no_resolver;
} workload_inst;

typedef struct {
    workload_inst *in;
    int64_t t0;
} pending;

static uint64_t next_u64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double uniform(uint64_t *x) { return ((double)(next_u64(x) >> 11) + 0.5) / 9007199254740992.0; }

static void maybe_done(workload_inst *in)
{
    if (!in->done && in->issued == in->s->lookups && in->answered + in->failed == in->issued) {
        in->done = true;
        app_world_done(in->w);
    }
}

static void answered(void *ud, const char *address, const GError *err)
{
    pending *p = ud;
    workload_inst *in = p->in;
    if (address) {
        in->answered++;
        double t = (double)(host_now(in->env) - p->t0) / 1e9;
        g_array_append_val(in->times, t);
    } else {
        (void)err;
        in->failed++;
    }
    g_free(p);
    maybe_done(in);
}

static void arrival(void *ud)
{
    workload_inst *in = ud;
    const workload_spec *s = in->s;
    double u = uniform(&in->rng);
    /* binary search of the first name whose cumulative popularity reaches u */
    int64_t lo = 0, hi = s->names.count - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (in->cdf[mid] >= u)
            hi = mid;
        else
            lo = mid + 1;
    }
    char *name = s->names.list ? g_strdup(g_ptr_array_index(s->names.list, lo))
                               : g_strdup_printf("%s%" G_GINT64_FORMAT ".%s", s->names.prefix, lo + 1, s->names.zone);
    pending *p = g_new0(pending, 1);
    p->in = in;
    p->t0 = host_now(in->env);
    in->issued++;
    if (host_lookup(in->env, name, answered, p) == 0) {
        /* no resolver on this host: nothing to measure */
        in->no_resolver = true;
        in->failed++;
        g_free(p);
    }
    g_free(name);
    if (in->issued < s->lookups)
        host_timer(in->env, (int64_t)llround(-log(uniform(&in->rng)) / s->rate * 1e9), arrival, in);
    maybe_done(in);
}

static void *workload_start(app_world *w, const app_spec *a, GError **err)
{
    (void)err;
    const workload_spec *s = a->cfg;
    workload_inst *in = g_new0(workload_inst, 1);
    in->w = w;
    in->env = app_world_host(w, a->host);
    in->s = s;
    in->rng = app_world_seed(w) ^ (UINT64_C(0xd1b54a32d192ed03) * (a->index + 1));
    in->cdf = g_new(double, s->names.count);
    zipf_probs(s->zipf, s->names.count, in->cdf);
    for (int64_t i = 1; i < s->names.count; i++)
        in->cdf[i] += in->cdf[i - 1];
    in->cdf[s->names.count - 1] = 1.0;
    in->times = g_array_new(FALSE, FALSE, sizeof(double));
    host_timer(in->env, s->start, arrival, in);
    return in;
}

static void workload_free(void *p)
{
    workload_inst *in = p;
    g_free(in->cdf);
    g_array_free(in->times, TRUE);
    g_free(in);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void workload_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                             app_collect *out)
{
    (void)w;
    (void)specs;
    int64_t answered = 0, failed = 0;
    bool no_resolver = false;
    GArray *all = g_array_new(FALSE, FALSE, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        workload_inst *in = insts[i];
        answered += in->answered;
        failed += in->failed;
        no_resolver |= in->no_resolver;
        g_array_append_vals(all, in->times->data, in->times->len);
    }
    double mean = NAN, p95 = NAN;
    if (all->len) {
        double sum = 0;
        for (guint i = 0; i < all->len; i++)
            sum += g_array_index(all, double, i);
        mean = sum / all->len;
        qsort(all->data, all->len, sizeof(double), cmp_double);
        p95 = g_array_index(all, double, (guint)ceil(0.95 * all->len) - 1);
    }
    g_array_free(all, TRUE);
    app_metric_count(out, "dns_workload.lookups", (uint64_t)answered);
    app_metric_count(out, "dns_workload.failed", (uint64_t)failed);
    app_metric(out, "dns_workload.mean_lookup_time_s", mean);
    app_metric(out, "dns_workload.p95_lookup_time_s", p95);
    if (no_resolver)
        app_run_failed(out, "dns-workload: its host has no resolver (make it a client of a dns-resolver)");
    else if (answered == 0)
        app_run_failed(out, "dns-workload: every lookup failed");
}

/* ---- the TTL cache's hit rate -------------------------------------------------------- */

/* The TTL of the workload's names: that of the dns-server zone holding
 * them. */
static double names_ttl_s(const app_world *w, const workload_spec *s)
{
    char *zone = s->names.list ? g_strdup(dns_name_parent(g_ptr_array_index(s->names.list, 0)))
                               : dns_name_canon(s->names.zone, NULL);
    double ttl = NAN;
    for (guint i = 0; zone && app_world_app(w, i) && isnan(ttl); i++) {
        const app_spec *a = app_world_app(w, i);
        if (strcmp(a->type->type, "dns-server"))
            continue;
        const dns_server_spec *ds = a->cfg;
        for (guint k = 0; k < ds->zones->len; k++) {
            const dns_zone_spec *z = &g_array_index(ds->zones, dns_zone_spec, k);
            char *o = dns_name_canon(z->origin, NULL);
            if (o && dns_name_eq(o, zone))
                ttl = (double)z->ttl / 1e9;
            g_free(o);
        }
    }
    g_free(zone);
    return ttl;
}

/* P(X >= k) for X Poisson with mean x (k >= 1), summing the lower tail
 * in log space. O(k). */
static double poisson_tail(double x, int64_t k)
{
    if (x <= 0)
        return 0;
    double below = 0;
    for (int64_t j = 0; j < k; j++)
        below += exp(-x + (double)j * log(x) - lgamma((double)j + 1));
    return below >= 1 ? 0 : 1 - below;
}

/* The expected misses of one name looked up at rate l for D seconds from
 * a cold cache, an entry living T after each miss: misses are the
 * renewals of a cycle "wait for a lookup (exponential), then T", so the
 * k-th miss comes by D when k lookups arrive within D - (k - 1) T:
 * M = sum_k P(Poisson(l (D - (k-1) T)) >= k). O((D/T)^2) at worst. */
static double expected_misses(double l, double D, double T)
{
    double m = 0;
    for (int64_t k = 1; D - (double)(k - 1) * T > 0; k++) {
        double p = poisson_tail(l * (D - (double)(k - 1) * T), k);
        m += p;
        if (p < 1e-12)
            break;
    }
    return m;
}

static double ttl_hit_rate_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)m;
    const workload_spec *s = a->cfg;
    double T = names_ttl_s(w, s);
    if (!isfinite(T) || T <= 0)
        return NAN;
    double D = (double)s->lookups / s->rate; /* the run's expected length */
    double *p = g_new(double, s->names.count);
    zipf_probs(s->zipf, s->names.count, p);
    double misses = 0;
    for (int64_t i = 0; i < s->names.count; i++)
        misses += expected_misses(s->rate * p[i], D, T);
    g_free(p);
    return 1 - misses / (double)s->lookups;
}

static const app_formula workload_formulas[] = {{"dns-ttl-hit-rate", ttl_hit_rate_formula}, {NULL, NULL}};
static const app_prediction workload_predictions[] = {{"dns-ttl-hit-rate", "dns_hit_rate"}, {NULL, NULL}};
static const app_headline workload_headlines[] = {
    {"workload_lookup_time", "DNS lookup time (s)", "dns_workload.mean_lookup_time_s", true},
    {NULL, NULL, NULL, false}};

const app_type dns_workload_app = {
    .type = "dns-workload",
    .doc = "Poisson lookups of Zipf-popular names from one host",
    .config_size = sizeof(workload_spec),
    .keys = workload_keys,
    .check = workload_check,
    .config_clear = workload_clear,
    .hold = APP_HOLD_UNTIL_DONE,
    .start = workload_start,
    .free = workload_free,
    .collect = workload_collect,
    .headlines = workload_headlines,
    .formulas = workload_formulas,
    .predictions = workload_predictions,
};
