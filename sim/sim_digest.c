/* sim_digest: a fast 256-bit digest for run fingerprints (see sim_digest.h). */
#include "sim_digest.h"

#include <stdio.h>
#include <string.h>

/* xxHash64's primes (its published specification): odd, well-mixed bits;
 * P1 and P2 are in the header, with the round (sim_digest_round). The round
 * and the avalanche below are xxHash64's too; the packing of records, the
 * lanes they go to and the finish are ours. */
#define P1 SIM_DIGEST_P1
#define P2 SIM_DIGEST_P2
#define P3 UINT64_C(0x165667B19E3779F9)

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

void sim_digest_init(sim_digest *d)
{
    d->lane[0] = P1 + P2;
    d->lane[1] = P2;
    d->lane[2] = 0;
    d->lane[3] = (uint64_t)0 - P1;
}

void sim_digest_word(sim_digest *d, uint64_t w) { d->lane[3] = sim_digest_round(d->lane[3], w); }

void sim_digest_bytes(sim_digest *d, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t acc = sim_digest_round(d->lane[3], (uint64_t)len);
    while (len) {
        size_t k = len < 8 ? len : 8;
        uint64_t w = 0;
        for (size_t i = 0; i < k; i++)
            w |= (uint64_t)p[i] << (8 * i); /* little-endian whatever the machine */
        acc = sim_digest_round(acc, w);
        p += k;
        len -= k;
    }
    d->lane[3] = acc;
}

size_t sim_digest_pack(const sim_trace_rec *rec, bool has_id, uint64_t id, uint64_t out[SIM_DIGEST_PACK_MAX])
{
    if (!has_id)
        id = 0;
    if (sim_digest_fits(rec, id)) {
        out[0] = (uint64_t)rec->source | (uint64_t)rec->reason << 32 | (uint64_t)has_id << 59 |
                 (uint64_t)(unsigned)rec->kind << 60;
        out[1] = (uint64_t)rec->time;
        out[2] = rec->bytes | id << 32;
        return 3;
    }
    size_t n = 0;
    out[n++] = (uint64_t)rec->source | SIM_DIGEST_ESCAPE;
    out[n++] = (uint64_t)rec->time;
    out[n++] = 0;
    out[n++] = (uint64_t)(unsigned)rec->kind;
    out[n++] = (uint64_t)rec->reason;
    out[n++] = rec->bytes;
    out[n++] = (has_id ? SIM_DIGEST_HAS_ID : 0) | (rec->text ? SIM_DIGEST_HAS_TEXT : 0);
    if (has_id)
        out[n++] = id;
    return n;
}

void sim_digest_trace_escaped(sim_digest *d, const sim_trace_rec *rec, bool has_id, uint64_t id)
{
    uint64_t w[SIM_DIGEST_PACK_MAX];
    size_t n = sim_digest_pack(rec, has_id, id, w);
    if (n == 3) { /* it did pack: the caller need not have tried first */
        sim_digest_trace_packed(d, rec, has_id, id);
        return;
    }
    d->lane[0] = sim_digest_round(d->lane[0], w[0]);
    d->lane[1] = sim_digest_round(d->lane[1], w[1]);
    d->lane[2] = sim_digest_round(d->lane[2], w[2]);
    for (size_t i = 3; i < n; i++)
        sim_digest_word(d, w[i]);
    if (rec->text)
        sim_digest_bytes(d, rec->text, strlen(rec->text));
}

/* xxHash64's final avalanche: every bit of the word reaches every bit of
 * the result; a bijection (xor-shifts and multiplications by odd numbers). */
static uint64_t avalanche(uint64_t h)
{
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* The finish: a bijection of the four lanes in which each output word
 * depends on every lane. Forward, lane i is mixed with lane i - 1's result
 * (each step one-to-one given the results before it); backward, the
 * result of lane i + 1 is added into lane i (one-to-one given the results
 * after it). Two different final states therefore never give the same
 * digest. */
void sim_digest_hex(const sim_digest *d, char out[65])
{
    uint64_t x[4];
    uint64_t prev = P3;
    for (int i = 0; i < 4; i++) {
        x[i] = avalanche(d->lane[i] ^ rotl(prev, 8 * i + 1) ^ (uint64_t)i * P1);
        prev = x[i];
    }
    for (int i = 2; i >= 0; i--)
        x[i] ^= avalanche(x[i + 1] + (uint64_t)i);
    for (int i = 0; i < 4; i++)
        snprintf(out + 16 * i, 17, "%016llx", (unsigned long long)x[i]);
}
