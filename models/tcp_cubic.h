/*
 * tcp_cubic: CUBIC congestion avoidance (RFC 9438) for the TCP model.
 *
 * The state of one connection's CUBIC, and the three moments the TCP model
 * calls it: a congestion event (fast retransmit or timeout) that sets the
 * new slow-start threshold, an ACK of new data in congestion avoidance that
 * grows the window, and the window function itself (for tests and plots).
 * Slow start and loss recovery stay the TCP model's (RFC 5681 slow start,
 * RFC 6582 NewReno recovery); only the reduction factor and the growth in
 * congestion avoidance are CUBIC's.
 *
 * Windows are in segments (doubles), time in simulator nanoseconds turned
 * into seconds; every operation is plain double arithmetic (cbrt, products)
 * on the connection's own values, so the same inputs give the same window.
 *
 * HyStart++ (RFC 9406), the optional exit from the initial slow start that
 * CUBIC implementations pair with it, is here too (tcp_hystart).
 *
 * Ownership: embedded in the connection; tcp_cubic_init (tcp_hystart_init),
 * nothing to clear.
 */
#ifndef APPSIM_TCP_CUBIC_H
#define APPSIM_TCP_CUBIC_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/sim_time.h"

#define TCP_CUBIC_C 0.4    /* RFC 9438 section 4.1: segments per second^3 */
#define TCP_CUBIC_BETA 0.7 /* RFC 9438 section 4.6: multiplicative decrease */

typedef struct {
    double w_max;      /* segments: the window before the last reduction,
                          after fast convergence (RFC 9438 4.7); 0 before any loss */
    double cwnd_prior; /* segments: the window when the last loss was detected */
    double k;          /* seconds from the epoch until W_cubic reaches its origin */
    double origin;     /* segments: W_cubic(K), W_max or the epoch's window */
    double w_est;      /* segments: the Reno-friendly estimate (RFC 9438 4.3) */
    double alpha;      /* W_est's growth per round trip, segments */
    sim_time_t epoch;  /* start of the current congestion avoidance stage; -1: none yet */
} tcp_cubic;

void tcp_cubic_init(tcp_cubic *cu);

/* A congestion event with `cwnd` bytes of window (segments of `mss`):
 * updates W_max (with fast convergence) and returns the new slow-start
 * threshold in bytes, beta_cubic * cwnd but at least two segments. The
 * next ACK in congestion avoidance starts a new epoch. */
uint32_t tcp_cubic_on_loss(tcp_cubic *cu, double cwnd, uint32_t mss);

/* An ACK of `acked` new bytes in congestion avoidance at `now`, with a
 * smoothed round-trip time `rtt` (0 when none yet): returns the new window
 * in bytes, never below `cwnd`. */
double tcp_cubic_on_ack(tcp_cubic *cu, double cwnd, uint32_t acked, uint32_t mss, sim_time_t now, sim_time_t rtt);

/* W_cubic(t) of the current epoch, segments, `t` seconds after its start
 * (RFC 9438 equation 1). Meaningful once an epoch has started. */
double tcp_cubic_window(const tcp_cubic *cu, double t);

/* HyStart++ (RFC 9406): leaves the initial slow start when the round
 * trip grows, before the queue overflows. Rounds are windows of data: a
 * round ends when an ACK covers the highest byte sent when it began. When
 * a round's lowest RTT sample exceeds the previous round's by
 * clamp(previous / 8, 4 ms, 16 ms) (after at least 8 samples), slow start
 * becomes Conservative Slow Start (growth divided by 4); CSS returns to
 * slow start if the RTT falls below the baseline again, and after 5 rounds
 * ends in congestion avoidance with ssthresh = cwnd. A loss ends HyStart++
 * for the connection (it runs only in the initial slow start, 4.3). The
 * per-ACK increase limit L is the TCP model's abc_limit. O(1) per ACK. */
#define TCP_HYSTART_MIN_RTT_THRESH SIM_MS(4)
#define TCP_HYSTART_MAX_RTT_THRESH SIM_MS(16)
#define TCP_HYSTART_MIN_RTT_DIVISOR 8
#define TCP_HYSTART_N_RTT_SAMPLE 8u
#define TCP_HYSTART_CSS_GROWTH_DIVISOR 4
#define TCP_HYSTART_CSS_ROUNDS 5u

typedef enum {
    TCP_HS_SLOW_START, /* grow as slow start does */
    TCP_HS_CSS,        /* grow by a quarter of slow start's increase */
    TCP_HS_EXIT,       /* set ssthresh = cwnd: congestion avoidance from now on */
} tcp_hs_step;

typedef struct {
    bool active;        /* still in the initial slow start */
    bool css;           /* in Conservative Slow Start */
    bool round_open;    /* window_end is valid */
    uint32_t window_end;
    sim_time_t last_round_min, cur_round_min, css_baseline; /* ns; -1: none (infinity) */
    uint32_t samples;   /* RTT samples in the current round */
    uint32_t css_rounds;
} tcp_hystart;

void tcp_hystart_init(tcp_hystart *hs, bool on);
/* An ACK of new data in slow start that acknowledges up to `ack` while the
 * highest byte sent is `snd_nxt`, with the RTT sample it gave (ns; -1 for
 * none): what the window should do. */
tcp_hs_step tcp_hystart_on_ack(tcp_hystart *hs, uint32_t ack, uint32_t snd_nxt, sim_time_t rtt);

#endif
