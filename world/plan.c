/* plan: the runs of a scenario on a thread pool. */
#include "plan.h"

#include <glib/gstdio.h>

typedef struct {
    const scenario *sc;
    const plan_options *o;
    run_result **results;
    GError **errors;
    GMutex lock;
    guint done, total;
    double simulated; /* simulated seconds of the runs done */
} plan;

static void run_one(gpointer data, gpointer user)
{
    plan *p = user;
    guint k = GPOINTER_TO_UINT(data) - 1;
    GError *err = NULL;
    run_result *res = NULL;
    scn_run *r = scenario_run(p->sc, k, &err);
    char *pcap_dir = NULL;
    if (r && p->o->pcap_root) {
        pcap_dir = p->total == 1 ? g_strdup(p->o->pcap_root) : g_strdup_printf("%s/run-%04u", p->o->pcap_root, k);
        g_mkdir_with_parents(pcap_dir, 0755);
    }
    if (r) {
        run_options opt = {.pcap_dir = pcap_dir, .timeline = p->o->timeline && k == 0,
                           .transcript = k == p->o->transcript_run};
        res = world_run(r, scenario_registry(p->sc), k, &opt, &err);
        scn_run_free(r);
    }
    g_free(pcap_dir);
    g_mutex_lock(&p->lock);
    p->results[k] = res;
    p->errors[k] = err;
    p->done++;
    if (res)
        p->simulated += sim_time_to_s(res->end);
    if (p->o->progress)
        p->o->progress(p->o->ud, p->done, p->total, p->simulated);
    g_mutex_unlock(&p->lock);
}

run_result **plan_run(const scenario *sc, const plan_options *o, GError **err)
{
    plan p = {.sc = sc, .o = o, .total = scenario_run_count(sc)};
    p.results = g_new0(run_result *, p.total);
    p.errors = g_new0(GError *, p.total);
    g_mutex_init(&p.lock);
    guint threads = o->jobs > 0 ? o->jobs : g_get_num_processors();
    if (threads <= 1 || p.total == 1) {
        for (guint k = 0; k < p.total; k++)
            run_one(GUINT_TO_POINTER(k + 1), &p);
    } else {
        GThreadPool *pool = g_thread_pool_new(run_one, &p, (gint)MIN(threads, p.total), TRUE, NULL);
        for (guint k = 0; k < p.total; k++)
            g_thread_pool_push(pool, GUINT_TO_POINTER(k + 1), NULL);
        g_thread_pool_free(pool, FALSE, TRUE);
    }
    g_mutex_clear(&p.lock);
    bool failed = false;
    for (guint k = 0; k < p.total; k++) {
        if (p.errors[k] && !failed) {
            g_set_error(err, p.errors[k]->domain, p.errors[k]->code, "run %u failed: %s", k, p.errors[k]->message);
            failed = true;
        }
        g_clear_error(&p.errors[k]);
    }
    g_free(p.errors);
    if (failed) {
        plan_free(p.results, p.total);
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
