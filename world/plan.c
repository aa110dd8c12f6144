/* plan: the runs of a scenario on a thread pool. */
#include "plan.h"

#include <glib/gstdio.h>

typedef struct {
    const scenario *sc;
    const plan_options *o;
    run_result **results;
    GError **errors;
    GMutex lock;
    guint done, total;   /* runs finished, runs of this shard */
    guint runs;          /* runs in the plan */
    uint64_t events;     /* of the runs done */
    double simulated;    /* simulated seconds of the runs done */
    uint64_t *live_events; /* per run in progress */
    double *live_sim;
    uint64_t live_events_sum; /* the sums of live_events and live_sim */
    double live_sim_sum;
    gint64 last_report;  /* monotonic us */
    gint abort_from;     /* runs after it are cancelled (G_MAXINT: none) */
    guint timeline_runs; /* runs 0 to timeline_runs - 1 collect a timeline when asked */
} plan;

/* What a run's callbacks know: its plan and its index. */
typedef struct {
    plan *p;
    guint k;
} run_ctx;

/* Reports progress (under the lock): at most every PLAN_PROGRESS_MS, and
 * when the last run is done. */
static void report(plan *p)
{
    gint64 now = g_get_monotonic_time();
    if (!p->o->progress || (p->done < p->total && now - p->last_report < PLAN_PROGRESS_MS * 1000))
        return;
    p->last_report = now;
    plan_progress pr = {p->done, p->total, p->events + p->live_events_sum, p->simulated + p->live_sim_sum};
    p->o->progress(p->o->ud, &pr);
}

/* Sets run k's progress (under the lock). */
static void set_live(plan *p, guint k, uint64_t events, double sim_s)
{
    p->live_events_sum += events - p->live_events[k];
    p->live_sim_sum += sim_s - p->live_sim[k];
    p->live_events[k] = events;
    p->live_sim[k] = sim_s;
}

static void run_tick(void *ud, uint64_t events, sim_time_t now)
{
    run_ctx *x = ud;
    g_mutex_lock(&x->p->lock);
    set_live(x->p, x->k, events, sim_time_to_s(now));
    report(x->p);
    g_mutex_unlock(&x->p->lock);
}

static bool run_cancelled(void *ud)
{
    run_ctx *x = ud;
    const plan_options *o = x->p->o;
    return (gint)x->k > g_atomic_int_get(&x->p->abort_from) || (o->cancelled && o->cancelled(o->ud));
}

/* Runs `r` as run k of the plan. */
static run_result *run_world(plan *p, guint k, const scn_run *r, GError **err)
{
    char *pcap_dir = NULL;
    if (p->o->pcap_root) {
        pcap_dir = p->runs == 1 ? g_strdup(p->o->pcap_root) : g_strdup_printf("%s/run-%04u", p->o->pcap_root, k);
        g_mkdir_with_parents(pcap_dir, 0755);
    }
    run_ctx x = {p, k};
    bool timeline = (p->o->timeline || r->out.timeline) && k < p->timeline_runs;
    run_options opt = {.pcap_dir = pcap_dir, .timeline = timeline,
                       .transcript = k == p->o->transcript_run, .max_events = p->o->max_events,
                       .max_wall_s = p->o->max_wall_s, .cancelled = run_cancelled, .tick = run_tick, .ud = &x};
    run_result *res = world_run(r, scenario_registry(p->sc), k, &opt, err);
    g_free(pcap_dir);
    return res;
}

static void run_one(gpointer data, gpointer user)
{
    plan *p = user;
    guint k = GPOINTER_TO_UINT(data) - 1;
    GError *err = NULL;
    run_result *res = NULL;
    run_ctx x = {p, k};
    if (run_cancelled(&x)) {
        g_set_error(&err, WORLD_ERROR, WORLD_ERROR_CANCELLED, "cancelled before it started");
    } else {
        scn_run *r = scenario_run(p->sc, k, &err);
        if (r)
            res = run_world(p, k, r, &err);
        scn_run_free(r);
    }
    if (err && !g_error_matches(err, WORLD_ERROR, WORLD_ERROR_CANCELLED)) {
        gint old;
        do /* abort_from = min(abort_from, k) */
            old = g_atomic_int_get(&p->abort_from);
        while ((gint)k < old && !g_atomic_int_compare_and_exchange(&p->abort_from, old, (gint)k));
    }
    g_mutex_lock(&p->lock);
    p->results[k] = res;
    p->errors[k] = err;
    p->done++;
    /* A failed run's events and time still count in the progress. */
    p->simulated += res ? sim_time_to_s(res->end) : p->live_sim[k];
    p->events += res ? res->events : p->live_events[k];
    set_live(p, k, 0, 0);
    report(p);
    g_mutex_unlock(&p->lock);
}

/* The error to report: the lowest run's that is not a cancellation, else
 * the first cancellation. NULL when every run succeeded. */
static const GError *first_error(const plan *p, guint *run)
{
    const GError *cancelled = NULL;
    for (guint k = 0; k < p->runs; k++) {
        const GError *e = p->errors[k];
        if (e && !g_error_matches(e, WORLD_ERROR, WORLD_ERROR_CANCELLED)) {
            *run = k;
            return e;
        }
        if (e && !cancelled) {
            cancelled = e;
            *run = k;
        }
    }
    return cancelled;
}

run_result **plan_run(const scenario *sc, const plan_options *o, GError **err)
{
    guint step = o->shards > 1 ? o->shards : 1, first = o->shards > 1 ? o->shard : 0;
    plan p = {.sc = sc, .o = o, .runs = scenario_run_count(sc), .abort_from = G_MAXINT,
              .timeline_runs = plan_timeline_runs(sc)};
    p.total = first < p.runs ? (p.runs - first + step - 1) / step : 0;
    p.results = g_new0(run_result *, p.runs);
    p.errors = g_new0(GError *, p.runs);
    p.live_events = g_new0(uint64_t, p.runs);
    p.live_sim = g_new0(double, p.runs);
    g_mutex_init(&p.lock);
    guint threads = o->jobs > 0 ? o->jobs : g_get_num_processors();
    if (threads <= 1 || p.total <= 1) {
        for (guint k = first; k < p.runs; k += step)
            run_one(GUINT_TO_POINTER(k + 1), &p);
    } else {
        GThreadPool *pool = g_thread_pool_new(run_one, &p, (gint)MIN(threads, p.total), TRUE, NULL);
        for (guint k = first; k < p.runs; k += step)
            g_thread_pool_push(pool, GUINT_TO_POINTER(k + 1), NULL);
        g_thread_pool_free(pool, FALSE, TRUE);
    }
    g_mutex_clear(&p.lock);
    guint k = 0;
    const GError *e = first_error(&p, &k);
    bool failed = e != NULL;
    if (e && e->domain == SCN_ERROR)
        g_set_error_literal(err, e->domain, e->code, e->message);
    else if (e)
        g_set_error(err, e->domain, e->code, "run %u failed: %s", k, e->message);
    for (guint i = 0; i < p.runs; i++)
        g_clear_error(&p.errors[i]);
    g_free(p.errors);
    g_free(p.live_events);
    g_free(p.live_sim);
    if (failed) {
        plan_free(p.results, p.runs);
        return NULL;
    }
    return p.results;
}

void plan_free(run_result **results, guint n)
{
    for (guint k = 0; results && k < n; k++)
        run_result_free(results[k]);
    g_free(results);
}

guint plan_timeline_runs(const scenario *sc)
{
    const scn_axis *x = scenario_axes(sc) == 1 ? scenario_axis(sc, 0) : NULL;
    if (!x || !x->cases || scenario_compare(sc))
        return 1;
    return MIN(x->values->len, (guint)PLAN_MAX_TIMELINES);
}

plan_shape plan_shape_of(const scenario *sc)
{
    plan_shape s = {0};
    s.nax = scenario_axes(sc);
    s.cmp = scenario_compare(sc);
    s.x = s.nax ? scenario_axis(sc, 0) : s.cmp;
    s.nx = s.x ? s.x->values->len : 1;
    s.nc = (s.nax && s.cmp) ? s.cmp->values->len : 1;
    s.inner = 1;
    for (guint i = 1; i < s.nax; i++)
        s.inner *= scenario_axis(sc, i)->values->len;
    return s;
}

const run_result *plan_at(run_result *const *results, const plan_shape *s, guint xi, guint c)
{
    return results[s->nax ? (c * s->nx + xi) * s->inner : xi];
}
