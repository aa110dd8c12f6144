/* sim_digest: a fast 256-bit digest for run fingerprints (see sim_digest.h). */
#include "sim_digest.h"

#include <stdio.h>
#include <string.h>

/* xxHash64's primes (its published specification): odd, well-mixed bits;
 * P1 and P2 are in the header, with the round (sim_digest_word). The round
 * and the avalanche below are xxHash64's too; the four lanes fed word by
 * word and the finish are ours. */
#define P1 SIM_DIGEST_P1
#define P2 SIM_DIGEST_P2
#define P3 UINT64_C(0x165667B19E3779F9)

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline void feed(sim_digest *d, uint64_t w) { sim_digest_word(d, w); }

void sim_digest_init(sim_digest *d)
{
    d->lane[0] = P1 + P2;
    d->lane[1] = P2;
    d->lane[2] = 0;
    d->lane[3] = (uint64_t)0 - P1;
    d->words = 0;
}

void sim_digest_bytes(sim_digest *d, const void *data, size_t len)
{
    const uint8_t *p = data;
    feed(d, (uint64_t)len);
    while (len) {
        size_t k = len < 8 ? len : 8;
        uint64_t w = 0;
        for (size_t i = 0; i < k; i++)
            w |= (uint64_t)p[i] << (8 * i); /* little-endian whatever the machine */
        feed(d, w);
        p += k;
        len -= k;
    }
}

/* A final avalanche: every bit of the lane reaches every bit of the result. */
static uint64_t avalanche(uint64_t h)
{
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

void sim_digest_hex(const sim_digest *d, char out[65])
{
    uint64_t all = d->words * P1;
    for (int i = 0; i < 4; i++)
        all = rotl(all ^ d->lane[i], 27) * P1 + P3;
    for (int i = 0; i < 4; i++) {
        /* Each output word depends on its own lane and on all of them. */
        uint64_t v = avalanche(d->lane[i] ^ rotl(all, 8 * i + 1) ^ (uint64_t)i * P3);
        snprintf(out + 16 * i, 17, "%016llx", (unsigned long long)v);
    }
}
