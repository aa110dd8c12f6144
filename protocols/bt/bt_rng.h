/*
 * bt_rng: the seeded generator of the BitTorrent cores (splitmix64, Steele,
 * Lea and Flood 2014): one 64-bit state a caller seeds, so that every
 * choice (first piece, rarest ties, optimistic unchoke, the tracker's
 * peer lists) repeats with the seed. Internal to protocols/bt/.
 */
#ifndef APPSIM_BT_RNG_H
#define APPSIM_BT_RNG_H

#include <stdint.h>

/* splitmix64's mixing of one word (also a good hash of a counter). */
static inline uint64_t bt_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* The next number of the stream `*state`. */
static inline uint64_t bt_rng_next(uint64_t *state) { return bt_mix64(*state += UINT64_C(0x9E3779B97F4A7C15)); }

/* A uniform number in [0, n), n > 0, by rejection (no modulo bias). */
static inline uint64_t bt_rng_below(uint64_t *state, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do
        r = bt_rng_next(state);
    while (r >= limit);
    return r % n;
}

#endif
