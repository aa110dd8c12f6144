/*
 * tcp_sack: the SACK scoreboard (tcp_sack.h). Ranges are kept as absolute
 * sequence numbers and compared modulo 2^32; every range lies within the
 * sender's window, far less than 2^31 bytes wide.
 */
#include "tcp_sack.h"

#include <glib.h>
#include <string.h>

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

void tcp_sb_init(tcp_scoreboard *sb) { memset(sb, 0, sizeof *sb); }

void tcp_sb_clear(tcp_scoreboard *sb)
{
    g_free(sb->r);
    memset(sb, 0, sizeof *sb);
}

void tcp_sb_reset(tcp_scoreboard *sb)
{
    sb->n = 0;
    sb->sacked = 0;
}

void tcp_sb_advance(tcp_scoreboard *sb, uint32_t una)
{
    uint32_t drop = 0;
    while (drop < sb->n && SEQ_LEQ(sb->r[drop].end, una)) {
        sb->sacked -= sb->r[drop].end - sb->r[drop].start;
        drop++;
    }
    if (drop) {
        memmove(sb->r, sb->r + drop, (sb->n - drop) * sizeof *sb->r);
        sb->n -= drop;
    }
    if (sb->n && SEQ_LT(sb->r[0].start, una)) {
        sb->sacked -= una - sb->r[0].start;
        sb->r[0].start = una;
    }
}

bool tcp_sb_add(tcp_scoreboard *sb, uint32_t una, uint32_t max, uint32_t start, uint32_t end)
{
    tcp_sb_advance(sb, una);
    if (SEQ_LT(start, una))
        start = una;
    if (SEQ_GT(end, max))
        end = max;
    if (!SEQ_LT(start, end))
        return false;
    /* The first range that ends at or after start (it may touch or overlap). */
    uint32_t i = 0;
    while (i < sb->n && SEQ_LT(sb->r[i].end, start))
        i++;
    /* Ranges i .. j-1 touch or overlap [start, end): merged into one. */
    uint32_t j = i;
    uint64_t before = 0;
    uint32_t lo = start, hi = end;
    while (j < sb->n && SEQ_LEQ(sb->r[j].start, end)) {
        before += sb->r[j].end - sb->r[j].start;
        if (SEQ_LT(sb->r[j].start, lo))
            lo = sb->r[j].start;
        if (SEQ_GT(sb->r[j].end, hi))
            hi = sb->r[j].end;
        j++;
    }
    uint64_t after = hi - lo;
    if (j == i) { /* a new range at i */
        if (sb->n == sb->cap) {
            sb->cap = sb->cap ? 2 * sb->cap : 8;
            sb->r = g_renew(tcp_sack_range, sb->r, sb->cap);
        }
        memmove(sb->r + i + 1, sb->r + i, (sb->n - i) * sizeof *sb->r);
        sb->n++;
    } else if (j > i + 1) {
        memmove(sb->r + i + 1, sb->r + j, (sb->n - j) * sizeof *sb->r);
        sb->n -= j - i - 1;
    }
    sb->r[i].start = lo;
    sb->r[i].end = hi;
    sb->sacked += after - before;
    return after > before;
}

/* Whether the hole just below range i (i == n: above every range) is lost:
 * what is SACKed above it is ranges i .. n-1. */
static bool hole_lost(const tcp_scoreboard *sb, uint32_t i, uint64_t above, uint32_t mss)
{
    return above > (uint64_t)(TCP_SACK_DUPTHRESH - 1) * mss || sb->n - i >= TCP_SACK_DUPTHRESH;
}

bool tcp_sb_is_lost(const tcp_scoreboard *sb, uint32_t seq, uint32_t mss)
{
    uint64_t above = 0;
    uint32_t i = sb->n;
    while (i > 0 && SEQ_GT(sb->r[i - 1].start, seq)) {
        i--;
        above += sb->r[i].end - sb->r[i].start;
    }
    return hole_lost(sb, i, above, mss);
}

uint64_t tcp_sb_pipe(const tcp_scoreboard *sb, uint32_t una, uint32_t max, uint32_t high_rxt, uint32_t mss)
{
    uint64_t pipe = 0, above = sb->sacked;
    uint32_t hole = una;
    for (uint32_t i = 0; i <= sb->n; i++) {
        uint32_t end = i < sb->n ? sb->r[i].start : max;
        if (SEQ_LT(hole, end)) {
            uint32_t bytes = end - hole;
            uint32_t rexmit = SEQ_LEQ(high_rxt, hole) ? 0 : MIN(bytes, high_rxt - hole);
            pipe += rexmit + (hole_lost(sb, i, above, mss) && i < sb->n ? 0 : bytes);
        }
        if (i < sb->n) {
            above -= sb->r[i].end - sb->r[i].start;
            hole = sb->r[i].end;
        }
    }
    return pipe;
}

bool tcp_sb_next_hole(const tcp_scoreboard *sb, uint32_t una, uint32_t from, uint32_t mss, bool lost_only,
                      uint32_t *seq, uint32_t *len)
{
    uint64_t above = sb->sacked;
    uint32_t hole = una;
    for (uint32_t i = 0; i < sb->n; i++) {
        uint32_t end = sb->r[i].start;
        uint32_t s = SEQ_GT(from, hole) ? from : hole;
        if (SEQ_LT(s, end) && (!lost_only || hole_lost(sb, i, above, mss))) {
            *seq = s;
            *len = end - s;
            return true;
        }
        above -= sb->r[i].end - sb->r[i].start;
        hole = sb->r[i].end;
    }
    return false;
}
