/*
 * tcp_cubic: CUBIC's window (RFC 9438); see tcp_cubic.h. Equation and
 * section numbers below are RFC 9438's.
 */
#include "tcp_cubic.h"

#include <math.h>

/* alpha_cubic of equation 4: Reno-friendly growth with beta_cubic. */
#define TCP_CUBIC_ALPHA (3.0 * (1.0 - TCP_CUBIC_BETA) / (1.0 + TCP_CUBIC_BETA))

void tcp_cubic_init(tcp_cubic *cu)
{
    cu->w_max = 0;
    cu->cwnd_prior = 0;
    cu->k = 0;
    cu->origin = 0;
    cu->w_est = 0;
    cu->alpha = 1.0; /* before any loss, grow like Reno in the Reno-friendly region */
    cu->epoch = -1;
}

uint32_t tcp_cubic_on_loss(tcp_cubic *cu, double cwnd, uint32_t mss)
{
    double w = cwnd / mss;
    /* Fast convergence (4.7): a flow whose window did not regain its
     * previous maximum releases some of it for newer flows. */
    if (w < cu->w_max)
        cu->w_max = w * (1.0 + TCP_CUBIC_BETA) / 2.0;
    else
        cu->w_max = w;
    cu->cwnd_prior = w;
    cu->alpha = TCP_CUBIC_ALPHA;
    cu->epoch = -1;
    double ss = w * TCP_CUBIC_BETA; /* 4.6: ssthresh = cwnd * beta_cubic, at least 2 segments */
    if (ss < 2.0)
        ss = 2.0;
    double bytes = ss * mss;
    return bytes >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
}

double tcp_cubic_window(const tcp_cubic *cu, double t)
{
    double d = t - cu->k;
    return TCP_CUBIC_C * d * d * d + cu->origin; /* equation 1 */
}

double tcp_cubic_on_ack(tcp_cubic *cu, double cwnd, uint32_t acked, uint32_t mss, sim_time_t now, sim_time_t rtt)
{
    double w = cwnd / mss;
    if (cu->epoch < 0) {
        /* A new congestion avoidance stage (4.2): K from the window it
         * starts with (equation 2); a window already at or above W_max
         * (no loss yet, or after fast convergence) starts the curve at
         * its plateau. */
        cu->epoch = now;
        cu->w_est = w;
        if (cu->w_max > w) {
            cu->k = cbrt((cu->w_max - w) / TCP_CUBIC_C);
            cu->origin = cu->w_max;
        } else {
            cu->k = 0;
            cu->origin = w;
        }
    }
    double segs = (double)acked / mss;
    double t = (double)(now - cu->epoch) / 1e9;
    /* Reno-friendly region (4.3): W_est grows by alpha per window's worth
     * of ACKed segments; alpha becomes 1 once W_est regains cwnd_prior. */
    cu->w_est += cu->alpha * segs / w;
    if (cu->w_est >= cu->cwnd_prior)
        cu->alpha = 1.0;
    double next;
    if (tcp_cubic_window(cu, t) < cu->w_est) {
        next = cu->w_est;
    } else {
        /* Concave and convex regions (4.4, 4.5): aim at W_cubic one round
         * trip ahead, within [cwnd, 1.5 cwnd], and close the gap over
         * one window of ACKs. */
        double target = tcp_cubic_window(cu, t + (double)rtt / 1e9);
        if (target < w)
            target = w;
        else if (target > 1.5 * w)
            target = 1.5 * w;
        next = w + (target - w) * segs / w;
    }
    if (next < w)
        next = w;
    return next * mss;
}

/* ---- HyStart++ (RFC 9406 section 4) ------------------------------------- */

void tcp_hystart_init(tcp_hystart *hs, bool on)
{
    hs->active = on;
    hs->css = false;
    hs->round_open = false;
    hs->window_end = 0;
    hs->last_round_min = hs->cur_round_min = hs->css_baseline = -1;
    hs->samples = 0;
    hs->css_rounds = 0;
}

/* The smaller of two times where -1 is infinity. */
static sim_time_t min_rtt(sim_time_t a, sim_time_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

tcp_hs_step tcp_hystart_on_ack(tcp_hystart *hs, uint32_t ack, uint32_t snd_nxt, sim_time_t rtt)
{
    if (!hs->active)
        return TCP_HS_SLOW_START;
    if (!hs->round_open || (int32_t)(ack - hs->window_end) >= 0) {
        /* A new round begins (4.2). */
        if (hs->css && ++hs->css_rounds >= TCP_HYSTART_CSS_ROUNDS) {
            hs->active = false;
            return TCP_HS_EXIT;
        }
        hs->last_round_min = hs->cur_round_min;
        hs->cur_round_min = -1;
        hs->samples = 0;
        hs->window_end = snd_nxt;
        hs->round_open = true;
    }
    if (rtt >= 0) {
        hs->cur_round_min = min_rtt(hs->cur_round_min, rtt);
        hs->samples++;
    }
    if (hs->samples >= TCP_HYSTART_N_RTT_SAMPLE && hs->cur_round_min >= 0) {
        if (!hs->css && hs->last_round_min >= 0) {
            sim_time_t thresh = hs->last_round_min / TCP_HYSTART_MIN_RTT_DIVISOR;
            if (thresh > TCP_HYSTART_MAX_RTT_THRESH)
                thresh = TCP_HYSTART_MAX_RTT_THRESH;
            if (thresh < TCP_HYSTART_MIN_RTT_THRESH)
                thresh = TCP_HYSTART_MIN_RTT_THRESH;
            if (hs->cur_round_min >= hs->last_round_min + thresh) {
                hs->css_baseline = hs->cur_round_min; /* the delay grew: Conservative Slow Start */
                hs->css = true;
                hs->css_rounds = 0;
            }
        } else if (hs->css && hs->cur_round_min < hs->css_baseline) {
            hs->css_baseline = -1; /* the increase was spurious: slow start again */
            hs->css = false;
        }
    }
    return hs->css ? TCP_HS_CSS : TCP_HS_SLOW_START;
}
