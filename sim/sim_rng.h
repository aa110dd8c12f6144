/*
 * sim_rng: named random streams and the distributions the models use.
 *
 * Every component draws from its own stream, seeded from the scenario seed
 * and the stream's name (for example "link:access:a->b:loss"). Adding a
 * component therefore never shifts the numbers another component sees, and
 * the same (seed, name) always gives the same sequence, on every platform.
 *
 * The generator is xoshiro256** (period 2^256 - 1), seeded through
 * splitmix64 from the seed and a 64-bit FNV-1a hash of the name. Uniform
 * doubles use the top 53 bits, so they lie in [0, 1) on a grid of 2^-53.
 *
 * Ownership: sim_rng_t is a plain value to embed (no _clear needed).
 * sim_zipf_t is a heap object: sim_zipf_new/sim_zipf_free.
 */
#ifndef APPSIM_SIM_RNG_H
#define APPSIM_SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} sim_rng_t;

/* Seeds `rng` from (seed, name). `name` may be any string, even empty. */
void sim_rng_init(sim_rng_t *rng, uint64_t seed, const char *name);
/* A 64-bit seed derived from (seed, name): what sub-runs of a sweep use. */
uint64_t sim_seed_derive(uint64_t seed, const char *name);

uint64_t sim_rng_u64(sim_rng_t *rng);
/* Uniform on [0, 1). */
double sim_rng_unit(sim_rng_t *rng);
/* Uniform on [lo, hi). */
double sim_rng_uniform(sim_rng_t *rng, double lo, double hi);
/* Uniform integer on [0, n), without modulo bias; n > 0. */
uint64_t sim_rng_below(sim_rng_t *rng, uint64_t n);
/* True with probability p (p <= 0: never; p >= 1: always). */
bool sim_rng_bernoulli(sim_rng_t *rng, double p);
/* Exponential with the given mean (> 0). */
double sim_rng_exponential(sim_rng_t *rng, double mean);
/* Standard normal (Box-Muller; one draw of two uniforms per value). */
double sim_rng_normal(sim_rng_t *rng);
/* Lognormal: exp(mu + sigma * N(0,1)); its mean is exp(mu + sigma^2 / 2). */
double sim_rng_lognormal(sim_rng_t *rng, double mu, double sigma);
/* Pareto with shape alpha (> 0) and scale (minimum) xm (> 0): xm / U^(1/alpha).
 * Its mean, for alpha > 1, is alpha * xm / (alpha - 1). */
double sim_rng_pareto(sim_rng_t *rng, double alpha, double xm);

/* Zipf(alpha, n): rank k in 1..n with probability proportional to 1/k^alpha.
 * Built in O(n) time and 8n bytes (a cumulative table); each sample is one
 * uniform draw and a binary search, O(log n). alpha >= 0, n >= 1. */
typedef struct sim_zipf sim_zipf_t;
sim_zipf_t *sim_zipf_new(double alpha, uint64_t n);
void sim_zipf_free(sim_zipf_t *z);
uint64_t sim_zipf_sample(const sim_zipf_t *z, sim_rng_t *rng);
/* The probability of rank k (1..n). */
double sim_zipf_pmf(const sim_zipf_t *z, uint64_t k);

#endif
