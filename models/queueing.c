/* queueing: closed forms and the single-queue validation experiment. */
#include "queueing.h"

#include <math.h>
#include <string.h>

double qt_mm1_time(double lambda, double mu) { return 1.0 / (mu - lambda); }

double qt_md1_time(double lambda, double mu)
{
    double rho = lambda / mu;
    return 1.0 / mu + rho / (2.0 * mu * (1.0 - rho));
}

double qt_mg1_time(double lambda, double es, double es2)
{
    double rho = lambda * es;
    return es + lambda * es2 / (2.0 * (1.0 - rho));
}

double qt_mm1k_drop(double rho, unsigned k)
{
    if (fabs(rho - 1.0) < 1e-12)
        return 1.0 / (k + 1.0);
    return (1.0 - rho) * pow(rho, k) / (1.0 - pow(rho, k + 1.0));
}

double qt_mm1k_time(double lambda, double mu, unsigned k)
{
    double rho = lambda / mu, n = 0, norm = 0;
    for (unsigned i = 0; i <= k; i++) {
        double pi = pow(rho, i);
        norm += pi;
        n += i * pi;
    }
    n /= norm;
    double accepted = lambda * (1.0 - qt_mm1k_drop(rho, k));
    return n / accepted;
}

/* The expected share of the time object i of probability pi spends in
 * the cache, for characteristic time t. */
static double occupancy(qt_cache_policy pol, double pi, double t)
{
    if (pol == QT_CACHE_FIFO)
        return pi * t / (1.0 + pi * t);
    return -expm1(-pi * t);
}

/* sum_i occupancy_i(t): the expected number of objects held. */
static double held(qt_cache_policy pol, const double *p, size_t n, double t)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += occupancy(pol, p[i], t);
    return s;
}

double qt_cache_char_time(qt_cache_policy pol, const double *p, size_t n, double c)
{
    if (!(c > 0))
        return 0;
    if (c >= (double)n)
        return INFINITY;
    /* Bracket the root: held() is 0 at 0 and grows strictly to n, so
     * doubling the upper end reaches a point above c in at most about a
     * thousand steps even for the least popular object. */
    double lo = 0, hi = 1;
    while (held(pol, p, n, hi) < c && hi < 1e300) {
        lo = hi;
        hi *= 2;
    }
    /* Bisection: the bracket halves every step, whatever the shape. */
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
        double mid = lo + (hi - lo) / 2;
        if (held(pol, p, n, mid) < c)
            lo = mid;
        else
            hi = mid;
    }
    return lo + (hi - lo) / 2;
}

double qt_cache_hit_rate(qt_cache_policy pol, const double *p, size_t n, double c)
{
    if (!(c > 0))
        return 0;
    if (c >= (double)n)
        return 1;
    double t = qt_cache_char_time(pol, p, n, c), h = 0;
    for (size_t i = 0; i < n; i++)
        h += p[i] * occupancy(pol, p[i], t);
    return h;
}

double qt_cache_hit_rate_zipf(qt_cache_policy pol, double alpha, uint64_t n, double c)
{
    if (n == 0 || n > 100000000 || !(alpha >= 0))
        return NAN;
    double *p = g_new(double, n), sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        p[i] = pow((double)(i + 1), -alpha);
        sum += p[i];
    }
    for (uint64_t i = 0; i < n; i++)
        p[i] /= sum;
    double h = qt_cache_hit_rate(pol, p, (size_t)n, c);
    g_free(p);
    return h;
}

bool qexp_run(const qexp_params *p, qexp_result *r, GError **err)
{
    if (!(p->rho > 0) || p->rate_bps == 0 || !(p->mean_bytes >= 1) || p->packets == 0 ||
        (p->queue_pkts == 0 && p->rho >= 1)) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID,
                    "queue experiment: need rate > 0, load > 0 (below 1 without a queue limit), "
                    "mean size >= 1 byte and at least one packet");
        return false;
    }
    memset(r, 0, sizeof *r);
    r->mu = (double)p->rate_bps / (8.0 * p->mean_bytes);
    r->lambda = p->rho * r->mu;

    sim_t *sim = sim_new(p->seed);
    net_t *net = net_new(sim);
    node_t *a = net_add_host(net, "src", NULL);
    node_t *b = net_add_host(net, "dst", NULL);
    link_params_t lp = {.rate_bps = p->rate_bps, .queue_pkts = p->queue_pkts};
    link_t *l = net_link(net, "link", a, b, &lp, NULL, NULL);
    traffic_sink_t *sink = traffic_sink_new(net);
    traffic_sink_set_warmup(sink, sim_time_from_s((double)p->warmup_packets / r->lambda));
    traffic_poisson_params tp = {.rate_pps = r->lambda,
                                 .sizes = p->sizes,
                                 .mean_bytes = p->mean_bytes,
                                 .max_packets = p->packets};
    traffic_src_t *src = traffic_poisson_new(net, a, b, &tp, "poisson", NULL);
    sim_run(sim);

    link_stats_t st;
    link_dir_stats(link_dir(l, 0), &st);
    traffic_sink_stats_t ks;
    traffic_sink_stats(sink, &ks);
    r->sent = traffic_src_sent(src);
    r->dropped = st.drops_queue;
    r->counted = ks.packets;
    r->time_s = ks.mean_s;
    r->util = st.utilisation;
    r->drop = r->sent ? (double)r->dropped / (double)r->sent : 0;
    if (p->queue_pkts) {
        unsigned k = p->queue_pkts + 1; /* the limit counts waiting packets only */
        r->drop_theory = qt_mm1k_drop(p->rho, k);
        r->util_theory = p->rho * (1.0 - r->drop_theory);
        r->time_theory_s = qt_mm1k_time(r->lambda, r->mu, k);
    } else {
        r->util_theory = p->rho;
        r->time_theory_s = p->sizes == TRAFFIC_SIZE_FIXED ? qt_md1_time(r->lambda, r->mu)
                                                          : qt_mm1_time(r->lambda, r->mu);
    }
    r->sim_seconds = sim_time_to_s(sim_now(sim));
    r->events = sim_events_executed(sim);

    traffic_src_free(src);
    traffic_sink_free(sink);
    net_free(net);
    sim_free(sim);
    return true;
}
