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
 * Ownership: embedded in the connection; tcp_cubic_init, nothing to clear.
 */
#ifndef APPSIM_TCP_CUBIC_H
#define APPSIM_TCP_CUBIC_H

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

#endif
