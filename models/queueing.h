/*
 * queueing: the closed forms of queueing theory that the link model is
 * checked against, and the single-queue experiment that checks it.
 *
 * The experiment builds two hosts joined by one link of rate R and zero
 * propagation delay, feeds the link with Poisson arrivals of rate lambda,
 * and measures the mean time in system (waiting + transmission), the
 * utilisation and the share of packets dropped by a finite queue. With
 * mean size E[L] bytes the service rate is mu = R / (8 E[L]) and the
 * utilisation rho = lambda / mu. Header bytes are zero, so a packet's
 * service time is exactly its size over the rate.
 *
 * Formulas (times in seconds):
 *   M/M/1     T = 1 / (mu - lambda)
 *   M/D/1     T = 1/mu + rho / (2 mu (1 - rho))           (Pollaczek-Khinchine)
 *   M/G/1     T = E[S] + lambda E[S^2] / (2 (1 - rho))
 *   M/M/1/K   P(drop) = (1 - rho) rho^K / (1 - rho^(K+1)), or 1/(K+1) at rho = 1;
 *             K counts the packet in service, so a queue limit of K-1.
 *
 * And the hit rate of a cache under the independent reference model
 * (requests independent, object i asked with probability p_i), after Che,
 * Tung and Wang (2002): an LRU cache of C objects holds object i when it
 * was asked within the last T_C seconds of requests, T_C the cache's
 * "characteristic time", the root of
 *   sum_i (1 - exp(-p_i T_C)) = C,
 * and its hit rate is sum_i p_i (1 - exp(-p_i T_C)). T_C is measured in
 * requests (the rates are the probabilities), found by bracketing and
 * bisection: the left side grows strictly from 0 (T = 0) towards N, so a
 * root exists for every 0 < C < N and bisection cannot miss it.
 * FIFO (and random replacement) have the same form with
 * p_i T / (1 + p_i T) in place of 1 - exp(-p_i T) (Gelenbe 1973; Martina,
 * Garetto and Leonardi 2014).
 */
#ifndef APPSIM_QUEUEING_H
#define APPSIM_QUEUEING_H

#include <glib.h>
#include <stdint.h>

#include "traffic.h"

double qt_mm1_time(double lambda, double mu);
double qt_md1_time(double lambda, double mu);
double qt_mg1_time(double lambda, double es, double es2);
double qt_mm1k_drop(double rho, unsigned k);
/* Mean number in an M/M/1/K system, and its mean time in system (Little's
 * law over the accepted packets). */
double qt_mm1k_time(double lambda, double mu, unsigned k);

/* Replacement policies the approximation covers. */
typedef enum { QT_CACHE_LRU, QT_CACHE_FIFO } qt_cache_policy;

/* The characteristic time (in requests) of a cache of `c` objects under
 * the popularity `p` (n probabilities summing to 1): 0 when c <= 0,
 * INFINITY when c >= n. Relative precision 1e-12; cost O(n) per bisection
 * step, about 100 steps. */
double qt_cache_char_time(qt_cache_policy pol, const double *p, size_t n, double c);
/* The hit rate sum_i p_i occupancy_i(T) at the characteristic time: 0 for
 * c <= 0, 1 for c >= n. Cost as above. */
double qt_cache_hit_rate(qt_cache_policy pol, const double *p, size_t n, double c);
/* The same for Zipf(alpha) popularity over n objects (p_i proportional to
 * i^-alpha, i = 1..n; alpha 0 is uniform). Cost O(n) memory and the
 * above; n at most 10^8. NaN for n = 0 or a negative alpha. */
double qt_cache_hit_rate_zipf(qt_cache_policy pol, double alpha, uint64_t n, double c);

typedef struct {
    uint64_t seed;
    uint64_t rate_bps;       /* link rate */
    double rho;              /* offered load lambda / mu */
    traffic_size_dist sizes; /* FIXED gives M/D/1, EXPONENTIAL gives M/M/1 */
    double mean_bytes;
    uint32_t queue_pkts;     /* 0: unlimited (M/M/1); K-1 for M/M/1/K */
    uint64_t packets;        /* packets to send */
    uint64_t warmup_packets; /* leading packets left out of the time average */
} qexp_params;

typedef struct {
    double lambda, mu;
    uint64_t sent, dropped, counted;
    double time_s;           /* measured mean time in system */
    double time_theory_s;    /* closed form (M/M/1, M/D/1 or M/M/1/K) */
    double util, util_theory;
    double drop, drop_theory;
    double sim_seconds;      /* simulated duration */
    uint64_t events;
} qexp_result;

/* Runs one experiment. Fails only on invalid parameters. */
bool qexp_run(const qexp_params *p, qexp_result *r, GError **err);

#endif
