/*
 * sim_digest: a fast 256-bit digest of a stream of trace records, for run
 * fingerprints (two runs with the same digest did the same thing, record
 * for record).
 *
 * Not cryptographic, and it need not be: a fingerprint guards against
 * accidents (a change of behaviour, a lost determinism), not against
 * someone forging a trace. How it works and what it guarantees:
 * - A record is packed into words by a packing that is injective, and
 *   prefix-free (where a record's words end follows from its words), so
 *   two different streams of records always give different streams of
 *   words. The usual record takes three words (sim_digest_pack below):
 *     w0 = source | reason << 32 | has_id << 59 | kind << 60   (bit 63 clear)
 *     w1 = time
 *     w2 = bytes | id << 32                       (id 0 when there is none)
 *   A record whose reason needs more than 27 bits, whose kind more than
 *   3, whose bytes or id more than 32, or that has a text, is escaped:
 *   w0 = source | 1 << 63, w1 = time, w2 = 0, then as extra words its
 *   kind, reason, bytes, a flags word (1: it has an id, 2: a text), the
 *   id when it has one, and the text (its length, then its bytes in
 *   little-endian 64-bit words, zero-padded).
 * - Four lanes of 64 bits: w0 goes to lane 0, w1 to lane 1, w2 to lane 2,
 *   the extra words to lane 3, each through xxHash64's round
 *   acc' = rotl(acc + w * P2, 31) * P1 (P1, P2 odd), which is one-to-one
 *   in w for a fixed state and in the state for a fixed w: a change of one
 *   word of a lane's stream always changes that lane's final state.
 * - The finish is a bijection of the four final lanes (sim_digest.c), so a
 *   change of any lane's final state always changes the digest. Lanes 0
 *   to 2 take exactly one word of every record: a change of one record
 *   that changes its w0, w1 or w2 (any change of an unescaped record, an
 *   escape gained or lost, a source or time changed) always changes the
 *   digest, and so does a change of a single extra word of an escaped one.
 *   Other changes (several records, several extra words of one record, a
 *   text of another length) cancel out only by a coincidence of 64-bit
 *   multiplications (about 2^-64).
 * Cost: three rounds (two multiplications each) a usual record, with the
 *   three lanes loaded and stored once; no word counter.
 * The digest depends only on the records fed, never on the machine's byte
 * order or on pointers.
 */
#ifndef APPSIM_SIM_DIGEST_H
#define APPSIM_SIM_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_trace.h"

typedef struct {
    uint64_t lane[4]; /* 0: w0 of records; 1: their times; 2: w2; 3: extra words */
} sim_digest;

/* xxHash64's first two primes, used by the round below. */
#define SIM_DIGEST_P1 UINT64_C(0x9E3779B185EBCA87)
#define SIM_DIGEST_P2 UINT64_C(0xC2B2AE3D27D4EB4F)

/* The escape bit of w0: the record's other fields are in extra words. */
#define SIM_DIGEST_ESCAPE (UINT64_C(1) << 63)
/* The flags word of an escaped record. */
#define SIM_DIGEST_HAS_ID UINT64_C(1)
#define SIM_DIGEST_HAS_TEXT UINT64_C(2)
/* The most words a record packs into, its text's excluded. */
#define SIM_DIGEST_PACK_MAX 8

void sim_digest_init(sim_digest *d);

/* The round of one word into one lane's state. */
static inline uint64_t sim_digest_round(uint64_t acc, uint64_t w)
{
    uint64_t x = acc + w * SIM_DIGEST_P2;
    return ((x << 31) | (x >> 33)) * SIM_DIGEST_P1;
}

/* True when a record with these fields packs into its three words: its
 * reason below 2^27, its bytes and id below 2^32 (one test of the bits
 * above 31 of the two), its kind below 8, and no text. `id` is 0 when
 * there is none. */
static inline bool sim_digest_fits(const sim_trace_rec *rec, uint64_t id)
{
    return ((rec->bytes | id) >> 32) == 0 && rec->reason < (UINT32_C(1) << 27) && (unsigned)rec->kind < 8 &&
           !rec->text;
}

/* Feeds one trace record when it packs into three words (no escape) and
 * returns true: three rounds, inline. Otherwise feeds nothing and returns
 * false; the caller then feeds it with sim_digest_trace_escaped. Its kind,
 * time, source, reason, bytes and text, and the id of its object when
 * `has_id` (models/: the packet's) are fed, packed as above; `id` is
 * ignored without `has_id`. */
static inline bool sim_digest_trace_packed(sim_digest *d, const sim_trace_rec *rec, bool has_id, uint64_t id)
{
    id &= (uint64_t)0 - has_id;
    if (!sim_digest_fits(rec, id))
        return false;
    uint64_t w0 = (uint64_t)rec->source | (uint64_t)rec->reason << 32 | (uint64_t)has_id << 59 |
                  (uint64_t)(unsigned)rec->kind << 60;
    d->lane[0] = sim_digest_round(d->lane[0], w0);
    d->lane[1] = sim_digest_round(d->lane[1], (uint64_t)rec->time);
    d->lane[2] = sim_digest_round(d->lane[2], rec->bytes | id << 32);
    return true;
}

/* Feeds a record that does not pack into three words (escaped, above);
 * any other record too, as sim_digest_trace_packed would. A call. */
void sim_digest_trace_escaped(sim_digest *d, const sim_trace_rec *rec, bool has_id, uint64_t id);

/* Feeds any trace record (either of the two above). */
static inline void sim_digest_trace(sim_digest *d, const sim_trace_rec *rec, bool has_id, uint64_t id)
{
    if (!sim_digest_trace_packed(d, rec, has_id, id))
        sim_digest_trace_escaped(d, rec, has_id, id);
}

/* The words a record packs into, its text's excluded (for tests): w0, w1
 * and w2, then the extra words of an escaped record; returns how many. */
size_t sim_digest_pack(const sim_trace_rec *rec, bool has_id, uint64_t id, uint64_t out[SIM_DIGEST_PACK_MAX]);

/* Feeds one word, or `len` then the bytes (see above), to lane 3: for
 * digests of other streams than trace records (tests). */
void sim_digest_word(sim_digest *d, uint64_t w);
void sim_digest_bytes(sim_digest *d, const void *data, size_t len);
/* The digest in 64 lowercase hex digits and a NUL; `d` may still be fed. */
void sim_digest_hex(const sim_digest *d, char out[65]);

#endif
