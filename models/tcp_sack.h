/*
 * tcp_sack: the SACK scoreboard of a TCP sender (RFC 2018 blocks, RFC 6675
 * loss recovery) for the TCP model.
 *
 * The scoreboard holds the byte ranges the receiver has reported with SACK
 * blocks above the cumulative ACK: sorted, disjoint and never adjacent
 * (touching ranges are merged). It answers RFC 6675's questions: IsLost
 * for a hole, the pipe estimate, and NextSeg's rules 1 and 3 (the next
 * byte to retransmit). Ranges are clipped to [una, max) of the sender, so
 * there are never more ranges than segments in flight: the memory is
 * bounded by the send window.
 *
 * Costs: an update is O(ranges) per block, every query O(ranges). Holes
 * are what lies between ranges: nothing inside a hole is SACKed, so the
 * bytes SACKed above any byte of a hole are the same for the whole hole and
 * IsLost is decided per hole.
 *
 * Ownership: embedded in the connection; tcp_sb_init, tcp_sb_clear frees.
 */
#ifndef APPSIM_TCP_SACK_H
#define APPSIM_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_SACK_DUPTHRESH 3u /* RFC 6675's DupThresh */

typedef struct {
    uint32_t start, end; /* sequence numbers, end exclusive */
} tcp_sack_range;

typedef struct {
    tcp_sack_range *r; /* sorted by start (modulo 2^32 from una), disjoint */
    uint32_t n, cap;
    uint64_t sacked;   /* bytes held in r */
} tcp_scoreboard;

void tcp_sb_init(tcp_scoreboard *sb);
void tcp_sb_clear(tcp_scoreboard *sb);
/* Forgets every range (a timeout: RFC 6675 section 5.1, RFC 2018's reneging rule). */
void tcp_sb_reset(tcp_scoreboard *sb);

/* Adds a SACK block [start, end) reported while the sender's cumulative ACK
 * is `una` and its highest sequence sent is `max`; the part outside
 * [una, max) is ignored, and so is a block with end <= start. Returns true
 * when it SACKed bytes not SACKed before. */
bool tcp_sb_add(tcp_scoreboard *sb, uint32_t una, uint32_t max, uint32_t start, uint32_t end);
/* The cumulative ACK moved to `una`: ranges below it go. */
void tcp_sb_advance(tcp_scoreboard *sb, uint32_t una);

/* RFC 6675 IsLost for the byte `seq` (not SACKed itself): more than
 * (DupThresh - 1) * mss bytes SACKed above it, or DupThresh ranges above it. */
bool tcp_sb_is_lost(const tcp_scoreboard *sb, uint32_t seq, uint32_t mss);

/* RFC 6675 SetPipe in bytes, for a sender with cumulative ACK `una`,
 * highest sequence sent `max` and highest retransmitted `high_rxt`
 * (exclusive: bytes below it in a hole were sent again): every byte of
 * [una, max) not SACKed counts once if it is not lost and once more if it
 * lies below high_rxt. */
uint64_t tcp_sb_pipe(const tcp_scoreboard *sb, uint32_t una, uint32_t max, uint32_t high_rxt, uint32_t mss);

/* NextSeg's rules 1 (`lost_only`) and 3: the first byte at or above
 * `from` that is not SACKed, lies below the highest SACKed byte, and (rule
 * 1) is lost. Writes it and the number of bytes up to the end of its hole,
 * and returns true; false when there is none. */
bool tcp_sb_next_hole(const tcp_scoreboard *sb, uint32_t una, uint32_t from, uint32_t mss, bool lost_only,
                      uint32_t *seq, uint32_t *len);

#endif
