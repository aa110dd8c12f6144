/*
 * sim_digest: a fast 256-bit digest of a stream of 64-bit words and byte
 * strings, for run fingerprints (two runs with the same digest did the
 * same thing, record for record).
 *
 * Not cryptographic, and it need not be: a fingerprint guards against
 * accidents (a change of behaviour, a lost determinism), not against
 * someone forging a trace. What it guarantees:
 * - Four lanes of 64 bits; word i goes to lane i mod 4 through a round
 *   acc' = rotl(acc + w * P2, 31) * P1 (P1, P2 odd). For a fixed lane
 *   state the round is one-to-one in w, and for a fixed w it is
 *   one-to-one in the state, so a change of any single word of the
 *   stream always changes its lane's final state, hence the digest.
 * - Several changes at once cancel out only by coincidence of 64-bit
 *   multiplications (about 2^-64 for changes within one lane, less when
 *   they are spread over lanes).
 * - Byte strings are fed as their length followed by their bytes in
 *   little-endian 64-bit words (zero-padded), so "ab" + "c" and "a" + "bc"
 *   differ.
 * Cost: one multiply-add, a rotation and a multiply per word (about a
 * nanosecond); the finish mixes every lane with the word count.
 * The digest depends only on the words fed, never on the machine's byte
 * order or on pointers.
 */
#ifndef APPSIM_SIM_DIGEST_H
#define APPSIM_SIM_DIGEST_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t lane[4];
    uint64_t words; /* how many words were fed */
} sim_digest;

/* xxHash64's first two primes, used by the round below. */
#define SIM_DIGEST_P1 UINT64_C(0x9E3779B185EBCA87)
#define SIM_DIGEST_P2 UINT64_C(0xC2B2AE3D27D4EB4F)

void sim_digest_init(sim_digest *d);

/* The round of one word into one lane's state. */
static inline uint64_t sim_digest_round(uint64_t acc, uint64_t w)
{
    uint64_t x = acc + w * SIM_DIGEST_P2;
    return ((x << 31) | (x >> 33)) * SIM_DIGEST_P1;
}

/* Feeds one word. Inline, with sim_digest_words, because the run
 * fingerprint feeds several words for every trace record: a call per
 * record (and none per word) keeps the digest a small part of a run. */
static inline void sim_digest_word(sim_digest *d, uint64_t w)
{
    uint64_t *acc = &d->lane[d->words & 3];
    *acc = sim_digest_round(*acc, w);
    d->words++;
}

/* Feeds n words: the same as n calls of sim_digest_word, with the four
 * lanes held in locals (word j of the call goes to the local of lane
 * (words + j) mod 4), so that a constant n unrolls into rounds on
 * registers with one load and one store per lane. */
static inline void sim_digest_words(sim_digest *d, const uint64_t *w, size_t n)
{
    unsigned r = (unsigned)(d->words & 3);
    uint64_t l0 = d->lane[r], l1 = d->lane[(r + 1) & 3], l2 = d->lane[(r + 2) & 3], l3 = d->lane[(r + 3) & 3];
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        l0 = sim_digest_round(l0, w[i]);
        l1 = sim_digest_round(l1, w[i + 1]);
        l2 = sim_digest_round(l2, w[i + 2]);
        l3 = sim_digest_round(l3, w[i + 3]);
    }
    if (i < n)
        l0 = sim_digest_round(l0, w[i]);
    if (i + 1 < n)
        l1 = sim_digest_round(l1, w[i + 1]);
    if (i + 2 < n)
        l2 = sim_digest_round(l2, w[i + 2]);
    d->lane[r] = l0;
    d->lane[(r + 1) & 3] = l1;
    d->lane[(r + 2) & 3] = l2;
    d->lane[(r + 3) & 3] = l3;
    d->words += n;
}

/* Feeds `len` then the bytes (see above). */
void sim_digest_bytes(sim_digest *d, const void *data, size_t len);
/* The digest in 64 lowercase hex digits and a NUL; `d` may still be fed. */
void sim_digest_hex(const sim_digest *d, char out[65]);

#endif
