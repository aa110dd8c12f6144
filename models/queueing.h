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
