/*
 * Tests of CUBIC (models/tcp_cubic, RFC 9438) and the `linux` preset of
 * the TCP model: the window function and reduction against the RFC's
 * closed forms, a whole connection's window after one loss against
 * W_cubic(t), and the 1 MB transfer of issue 3 against ns-3 (Cubic).
 * Tolerances are written in each assertion.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "models/reqresp.h"
#include "models/tcp.h"
#include "models/tcp_cubic.h"
#include "sim/sim_trace.h"
#include "tcp_fixture.h"
#include "test_util.h"

/* ---- the window function alone ------------------------------------------- */

static void test_cubic_reduction_and_k(void)
{
    const uint32_t mss = 1000;
    tcp_cubic cu;
    tcp_cubic_init(&cu);
    /* A loss at 100 segments: ssthresh 70 segments (beta 0.7), W_max 100. */
    uint32_t ss = tcp_cubic_on_loss(&cu, 100.0 * mss, mss);
    CU_ASSERT_EQUAL(ss, 70 * mss);
    CU_ASSERT_DOUBLE_EQUAL(cu.w_max, 100.0, 1e-9);
    /* The first ACK of congestion avoidance starts the epoch at 70
     * segments: K = cbrt(W_max (1 - beta) / C) = cbrt(75) s, and the curve
     * passes through 70 at t = 0 and W_max at t = K (RFC 9438 eq. 1, 2). */
    double w = tcp_cubic_on_ack(&cu, 70.0 * mss, mss, mss, SIM_S(10), 0);
    CU_ASSERT_DOUBLE_EQUAL(cu.k, cbrt(100.0 * 0.3 / 0.4), 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(tcp_cubic_window(&cu, 0), 70.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(tcp_cubic_window(&cu, cu.k), 100.0, 1e-9);
    CU_ASSERT_TRUE(w >= 70.0 * mss);
    /* Fast convergence (RFC 9438 4.7): a loss below the last W_max sets
     * W_max = cwnd (1 + beta) / 2. */
    ss = tcp_cubic_on_loss(&cu, 80.0 * mss, mss);
    CU_ASSERT_EQUAL(ss, 56 * mss);
    CU_ASSERT_DOUBLE_EQUAL(cu.w_max, 80.0 * 0.85, 1e-9);
    /* Never below two segments. */
    CU_ASSERT_EQUAL(tcp_cubic_on_loss(&cu, 1.0 * mss, mss), 2 * mss);
}

/* ---- a connection's window after one loss --------------------------------- */

typedef struct {
    GArray *samples; /* tcp_cwnd_sample of the sender */
    tcp_stats_t last;
} cwnd_sink;

static void keep_cwnd(void *ud, const tcp_stats_t *st)
{
    cwnd_sink *k = ud;
    if (st->active)
        return; /* the server side sends */
    k->last = *st;
    g_array_append_vals(k->samples, st->cwnd_samples, st->n_cwnd_samples);
}

/* The sender's window (segments) at time t: the last sample at or before t. */
static double cwnd_at(const GArray *a, sim_time_t t, uint32_t mss)
{
    double w = 0;
    for (guint i = 0; i < a->len; i++) {
        const tcp_cwnd_sample *s = &g_array_index(a, tcp_cwnd_sample, i);
        if (s->t > t)
            break;
        w = (double)s->cwnd / mss;
    }
    return w;
}

/* 10 Mbps, 100 ms RTT (BDP 83 segments of 1500 bytes), no queue limit
 * and no random loss; CUBIC leaves slow start at 100 segments, so the
 * link is busy, and the link is down for exactly one packet time at 3 s:
 * one data segment is lost. After fast recovery, the window sampled every
 * 100 ms for two K must follow W_cubic(t) = C (t - K)^3 + W_max from the
 * end of recovery, within 5% or one segment, whichever is larger. */
static void test_cubic_window_follows_w_cubic(void)
{
    const uint32_t mss = 1460;
    const uint64_t rate = 10000000;
    link_params_t lp = {.rate_bps = rate, .delay = SIM_MS(50)};
    tcp_fix f;
    tcp_fix_init(&f, 1, NULL, &lp, NULL);
    sim_time_t pkt_time = sim_tx_time(mss + 40, rate);
    CU_ASSERT_TRUE(link_add_down_interval(f.link, SIM_S(3), SIM_S(3) + pkt_time, NULL));
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = TCP_CC_CUBIC;
    p.mss = mss;
    p.init_ssthresh = 100 * mss;
    p.sndbuf = p.rcvbuf = 8u << 20;
    p.record_cwnd = true;
    cwnd_sink k = {.samples = g_array_new(FALSE, FALSE, sizeof(tcp_cwnd_sample))};
    tcp_stack_on_conn_done(f.tcp, keep_cwnd, &k);
    rr_spec spec = {.req_bytes = 100, .resp_bytes = 20u * 1000 * 1000, .requests = 1};
    tcp_fix_exchange(&f, &p, &p, &spec);
    CU_ASSERT_EQUAL(k.last.fast_retransmits, 1);
    CU_ASSERT_EQUAL(k.last.timeouts, 0);
    CU_ASSERT_EQUAL(k.last.retransmits, 1);

    /* The reduction: the first fall of the window; W_max is the window
     * just before it. Recovery ends where the window is set to ssthresh. */
    GArray *a = k.samples;
    guint drop = 0;
    for (guint i = 1; i < a->len && !drop; i++)
        if (g_array_index(a, tcp_cwnd_sample, i).cwnd < g_array_index(a, tcp_cwnd_sample, i - 1).cwnd)
            drop = i;
    CU_ASSERT_FATAL(drop > 0);
    double w_max = (double)g_array_index(a, tcp_cwnd_sample, drop - 1).cwnd / mss;
    uint32_t ssthresh = (uint32_t)(w_max * 0.7 * mss);
    guint exit = 0;
    for (guint i = drop + 1; i < a->len && !exit; i++)
        if (g_array_index(a, tcp_cwnd_sample, i).cwnd <= ssthresh + 1)
            exit = i;
    CU_ASSERT_FATAL(exit > 0);
    double reduced = (double)g_array_index(a, tcp_cwnd_sample, exit).cwnd / mss;
    ASSERT_REL(reduced, 0.7 * w_max, 0.001); /* beta_cubic W_max, to the byte's rounding */
    sim_time_t t0 = g_array_index(a, tcp_cwnd_sample, exit).t;
    double kk = cbrt(w_max * (1 - 0.7) / 0.4);
    printf("\n    loss at %.3f s: W_max %.1f segments, reduced to %.1f (beta 0.7: %.1f), K %.2f s",
           sim_time_to_s(g_array_index(a, tcp_cwnd_sample, drop).t), w_max, reduced, 0.7 * w_max, kk);
    double worst = 0, worst_t = 0;
    int n = 0;
    for (sim_time_t dt = SIM_MS(100); sim_time_to_s(dt) <= 2 * kk; dt += SIM_MS(100), n++) {
        double t = sim_time_to_s(dt);
        double want = 0.4 * pow(t - kk, 3) + w_max;
        double got = cwnd_at(a, t0 + dt, mss);
        double tol = MAX(0.05 * want, 1.0);
        CU_ASSERT_TRUE(fabs(got - want) <= tol);
        if (fabs(got - want) > tol)
            printf("\n    t %.1f s: cwnd %.2f, W_cubic %.2f", t, got, want);
        if (fabs(got - want) / want > worst) {
            worst = fabs(got - want) / want;
            worst_t = t;
        }
    }
    CU_ASSERT_TRUE(n >= 50);
    printf("\n    %d samples over 2K: largest difference from W_cubic %.2f%% (at t = %.1f s)", n, 100 * worst,
           worst_t);
    g_array_free(a, TRUE);
    tcp_fix_clear(&f);
}

/* ---- the linux preset ---------------------------------------------------- */

/* The preset sets exactly CUBIC, SACK, IW 10, 200 ms minimum RTO and
 * delayed ACKs; every other field keeps the value it had. */
static void test_linux_preset_values(void)
{
    tcp_params_t base, p;
    tcp_params_default(&base);
    base.init_cwnd = 4; /* not the default, to see the preset set it */
    base.rto_min = SIM_S(1);
    base.mss = 536;
    p = base;
    CU_ASSERT_TRUE(tcp_params_preset("linux", &p));
    CU_ASSERT_EQUAL(p.cc, TCP_CC_CUBIC);
    CU_ASSERT_EQUAL(p.init_cwnd, 10);
    CU_ASSERT_EQUAL(p.rto_min, SIM_MS(200));
    CU_ASSERT_TRUE(p.delayed_ack);
    CU_ASSERT_TRUE(p.sack);
    CU_ASSERT_TRUE(p.prr);
    CU_ASSERT_TRUE(p.limited_transmit);
    CU_ASSERT_TRUE(p.hystart);
    tcp_params_t rest = p;
    rest.cc = base.cc;
    rest.init_cwnd = base.init_cwnd;
    rest.rto_min = base.rto_min;
    rest.delayed_ack = base.delayed_ack;
    rest.sack = base.sack;
    rest.prr = base.prr;
    rest.limited_transmit = base.limited_transmit;
    rest.hystart = base.hystart;
    CU_ASSERT_EQUAL(memcmp(&rest, &base, sizeof base), 0);
    CU_ASSERT_TRUE(tcp_params_check(&p, NULL));
    p = base;
    CU_ASSERT_FALSE(tcp_params_preset("windows", &p));
    CU_ASSERT_FALSE(tcp_params_preset(NULL, &p));
    CU_ASSERT_EQUAL(memcmp(&p, &base, sizeof base), 0);
}

/* ---- against ns-3 ------------------------------------------------------- */

/* ---- HyStart++ (RFC 9406) --------------------------------------------------- */

typedef struct {
    sim_time_t first_drop; /* the first packet dropped by the bottleneck queue; -1: none */
    tcp_stats_t server;
} hs_out;

static void hs_drop(void *ud, const sim_trace_rec *rec)
{
    hs_out *o = ud;
    if (o->first_drop < 0)
        o->first_drop = rec->time;
}

static void hs_keep(void *ud, const tcp_stats_t *st)
{
    if (!st->active)
        ((hs_out *)ud)->server = *st;
}

/* 10 Mbps, 20 ms each way (40 ms base RTT, a 34-segment BDP), a
 * 100-packet drop-tail queue, cubic with timestamps (an RTT sample from
 * every ACK), no delayed ACKs, 8 MB buffers, 4 MB: slow start doubles the
 * window each round until the queue (about 134 segments of flight)
 * overflows. */
static hs_out hystart_run(bool hystart)
{
    hs_out o = {.first_drop = -1};
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(20), .queue_pkts = 100};
    tcp_fix f;
    tcp_fix_init(&f, 1, NULL, &lp, NULL);
    sim_trace_subscribe(sim_trace(f.sim), SIM_TR_MASK(SIM_TR_DROP), hs_drop, &o);
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = TCP_CC_CUBIC;
    p.timestamps = true;
    p.sack = true;
    p.sndbuf = p.rcvbuf = 8u << 20;
    p.hystart = hystart;
    tcp_stack_on_conn_done(f.tcp, hs_keep, &o);
    rr_spec spec = {.req_bytes = 100, .resp_bytes = 4u * 1000 * 1000, .requests = 1};
    tcp_fix_exchange(&f, &p, &p, &spec);
    tcp_fix_clear(&f);
    return o;
}

/* HyStart++ alone, rounds of 10 ACKs (a round ends with the ACK of the
 * highest byte sent when it began): RFC 9406's thresholds and its CSS
 * rounds. */
static tcp_hs_step hs_round(tcp_hystart *hs, uint32_t *seq, sim_time_t rtt, bool *css_seen)
{
    tcp_hs_step step = TCP_HS_SLOW_START;
    uint32_t end = *seq + 11; /* the ACK of `end` opens the next round */
    for (int i = 0; i < 10 && step != TCP_HS_EXIT; i++) {
        step = tcp_hystart_on_ack(hs, ++*seq, end, rtt);
        *css_seen = *css_seen || step == TCP_HS_CSS;
    }
    return step;
}

static void test_hystart_rounds(void)
{
    tcp_hystart hs;
    tcp_hystart_init(&hs, true);
    uint32_t seq = 0;
    bool css = false;
    /* After 40 ms the threshold is max(4 ms, min(40 / 8, 16)) = 5 ms: 44.9
     * ms stays in slow start; after 44.9 it is 5.6125 ms: 50.6 enters CSS. */
    CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_MS(40), &css), TCP_HS_SLOW_START);
    CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_US(44900), &css), TCP_HS_SLOW_START);
    CU_ASSERT_FALSE(css);
    CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_US(50600), &css), TCP_HS_CSS);
    /* An RTT below the CSS baseline: back to slow start. */
    css = false;
    CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_MS(45), &css), TCP_HS_SLOW_START);
    CU_ASSERT_TRUE(hs.active && !hs.css);
    /* Rising again (51 ms, above 45 + 5.625): CSS, then five rounds of CSS end slow
     * start (the ACK that opens the sixth round says so). */
    CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_MS(51), &css), TCP_HS_CSS);
    for (int r = 0; r < 4; r++)
        CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_MS(60), &css), TCP_HS_CSS);
    CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_MS(60), &css), TCP_HS_EXIT);
    CU_ASSERT_FALSE(hs.active);
    seq++;
    CU_ASSERT_EQUAL(tcp_hystart_on_ack(&hs, seq, seq + 10, SIM_MS(60)), TCP_HS_SLOW_START); /* over */
    /* Fewer than 8 samples in a round decide nothing; the 16 ms cap. */
    tcp_hystart_init(&hs, true);
    seq = 0;
    css = false;
    CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_MS(200), &css), TCP_HS_SLOW_START);
    CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_US(215900), &css), TCP_HS_SLOW_START); /* 200 + 15.9 */
    CU_ASSERT_EQUAL(hs_round(&hs, &seq, SIM_US(231900), &css), TCP_HS_CSS);         /* 215.9 + 16 */
    tcp_hystart_init(&hs, true);
    seq = 0;
    uint32_t end = 11;
    for (int i = 0; i < 10; i++)
        tcp_hystart_on_ack(&hs, ++seq, end, SIM_MS(40));
    end = seq + 11;
    for (int i = 0; i < 10; i++) /* only 7 of these carry a sample */
        CU_ASSERT_EQUAL(tcp_hystart_on_ack(&hs, ++seq, end, i < 7 ? SIM_MS(80) : -1), TCP_HS_SLOW_START);
    tcp_hystart_init(&hs, false);
    CU_ASSERT_EQUAL(tcp_hystart_on_ack(&hs, 1, 10, SIM_MS(40)), TCP_HS_SLOW_START);
}

/* Without HyStart++ the first congestion event is a queue overflow in
 * slow start; with it, the growing RTT (at least 4 ms above the previous
 * round's minimum) moves the flow to Conservative Slow Start (a quarter
 * of slow start's growth) before any packet is dropped; five CSS rounds
 * without a loss would end in congestion avoidance with ssthresh = cwnd
 * (hystart_exit, printed). */
static void test_hystart_leaves_slow_start_before_loss(void)
{
    hs_out plain = hystart_run(false), hs = hystart_run(true);
    printf("\n    without HyStart++: first drop at %.3f s, %" G_GUINT64_FORMAT " retransmits; with: CSS at %.3f s, "
           "congestion avoidance at %.3f s (-1: never; ssthresh %u), first drop %.3f s, %" G_GUINT64_FORMAT
           " retransmits",
           sim_time_to_s(plain.first_drop), plain.server.retransmits, sim_time_to_s(hs.server.hystart_css),
           hs.server.hystart_exit < 0 ? -1.0 : sim_time_to_s(hs.server.hystart_exit), hs.server.ssthresh, sim_time_to_s(hs.first_drop),
           hs.server.retransmits);
    CU_ASSERT_TRUE(plain.first_drop >= 0);
    CU_ASSERT_EQUAL(plain.server.hystart_exit, -1);
    /* Slow start's doubling ends before the first drop, earlier than the
     * drop that ends it without HyStart++; here the queue still fills
     * during CSS (before its five rounds end), with far fewer losses. */
    CU_ASSERT_TRUE(hs.server.hystart_css >= 0);
    CU_ASSERT_TRUE(hs.server.hystart_css < plain.first_drop);
    CU_ASSERT_TRUE(hs.first_drop < 0 || hs.first_drop > hs.server.hystart_css);
    CU_ASSERT_TRUE(hs.server.hystart_exit < 0 || hs.server.hystart_exit > hs.server.hystart_css);
    CU_ASSERT_TRUE(2 * hs.server.retransmits < plain.server.retransmits);
}

/* Issue 3's case again with CUBIC (ns-3's default), alone and through the
 * linux preset: 10 Mbps, 100 ms RTT, MSS 1448, IW 10, delayed ACKs, 128 KB
 * buffers, a 1,000,000-byte response after a 100-byte request, from
 * connect to the last byte. ns-3 3.37 (Cubic, SACK, timestamps) measures
 * 1.26 s; appsim must be within 10%. No segment is lost, so CUBIC never
 * leaves slow start and gives Reno's time. */
static double ns3_case(const tcp_params_t *p)
{
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(50)};
    tcp_fix f;
    tcp_fix_init(&f, 1, NULL, &lp, NULL);
    rr_spec spec = {.req_bytes = 100, .resp_bytes = 1000000, .requests = 1};
    tcp_fix_exchange(&f, p, p, &spec);
    double got = sim_time_to_s(f.cl.t_last - f.cl.t_connect);
    tcp_fix_clear(&f);
    return got;
}

static void test_ns3_cubic_1mb(void)
{
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = TCP_CC_CUBIC;
    p.mss = 1448;
    p.init_cwnd = 10;
    p.delayed_ack = true;
    p.sndbuf = p.rcvbuf = 131072;
    double cubic = ns3_case(&p);
    tcp_params_default(&p);
    CU_ASSERT_TRUE(tcp_params_preset("linux", &p));
    p.mss = 1448;
    double linux_preset = ns3_case(&p);
    p.timestamps = true; /* as ns-3 sends them: 52-byte headers */
    double with_ts = ns3_case(&p);
    printf("\n    1 MB over 10 Mbps / 100 ms: cubic %.3f s, linux preset %.3f s, with timestamps %.3f s;"
           " ns-3 1.26 s (%+.1f%%, %+.1f%%, %+.1f%%)",
           cubic, linux_preset, with_ts, 100 * (cubic / 1.26 - 1), 100 * (linux_preset / 1.26 - 1),
           100 * (with_ts / 1.26 - 1));
    ASSERT_REL(cubic, 1.26, 0.10);
    ASSERT_REL(linux_preset, 1.26, 0.10);
    ASSERT_REL(with_ts, 1.26, 0.10);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_cubic_reduction_and_k),
        TEST(test_cubic_window_follows_w_cubic),
        TEST(test_linux_preset_values),
        TEST(test_ns3_cubic_1mb),
        TEST(test_hystart_rounds),
        TEST(test_hystart_leaves_slow_start_before_loss),
    };
    return test_main("models/tcp_cubic", tests, G_N_ELEMENTS(tests));
}
