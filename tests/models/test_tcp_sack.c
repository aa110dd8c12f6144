/*
 * Tests of SACK in the TCP model (RFC 2018 blocks, RFC 6675 loss recovery,
 * models/tcp_sack): the scoreboard alone, several losses of one window
 * recovered in about one round trip where NewReno needs one per loss,
 * every byte in order under random loss both ways, the option bytes on the
 * wire, a timeout that forgets the scoreboard, and the 1 MB transfer
 * against ns-3 with the linux preset. Tolerances are written in each
 * assertion.
 */
#include <glib.h>
#include <string.h>

#include "models/reqresp.h"
#include "models/tcp.h"
#include "models/tcp_sack.h"
#include "sim/sim_trace.h"
#include "tcp_fixture.h"
#include "test_util.h"

/* ---- the scoreboard alone ------------------------------------------------- */

static void test_scoreboard(void)
{
    const uint32_t mss = 1000, una = 4294960000u; /* wraps past 2^32 */
    const uint32_t max = una + 20 * mss;
    tcp_scoreboard sb;
    tcp_sb_init(&sb);
    /* Segments 2, 3 and 5 (of 0..19) SACKed; 3 touches 2: one range. */
    CU_ASSERT_TRUE(tcp_sb_add(&sb, una, max, una + 2 * mss, una + 3 * mss));
    CU_ASSERT_TRUE(tcp_sb_add(&sb, una, max, una + 3 * mss, una + 4 * mss));
    CU_ASSERT_TRUE(tcp_sb_add(&sb, una, max, una + 5 * mss, una + 6 * mss));
    CU_ASSERT_FALSE(tcp_sb_add(&sb, una, max, una + 2 * mss, una + 4 * mss)); /* nothing new */
    CU_ASSERT_EQUAL(sb.n, 2);
    CU_ASSERT_EQUAL(sb.sacked, 3 * mss);
    /* IsLost: 3 segments SACKed above segment 0 (more than 2 mss): lost;
     * above segment 4 only one: not lost. */
    CU_ASSERT_TRUE(tcp_sb_is_lost(&sb, una, mss));
    CU_ASSERT_FALSE(tcp_sb_is_lost(&sb, una + 4 * mss, mss));
    /* Pipe with nothing sent again: segments 0, 1 lost (not counted),
     * 4 and 6..19 in flight: 15 segments. */
    CU_ASSERT_EQUAL(tcp_sb_pipe(&sb, una, max, una, mss), 15 * mss);
    /* Segment 0 sent again: it counts once more. */
    CU_ASSERT_EQUAL(tcp_sb_pipe(&sb, una, max, una + mss, mss), 16 * mss);
    uint32_t seq, len;
    CU_ASSERT_TRUE(tcp_sb_next_hole(&sb, una, una + mss, mss, true, &seq, &len)); /* rule 1 */
    CU_ASSERT_EQUAL(seq, una + mss);
    CU_ASSERT_EQUAL(len, mss);
    CU_ASSERT_FALSE(tcp_sb_next_hole(&sb, una, una + 2 * mss, mss, true, &seq, &len));
    CU_ASSERT_TRUE(tcp_sb_next_hole(&sb, una, una + 2 * mss, mss, false, &seq, &len)); /* rule 3 */
    CU_ASSERT_EQUAL(seq, una + 4 * mss);
    /* The cumulative ACK passes the first range; a block beyond max is clipped. */
    tcp_sb_advance(&sb, una + 4 * mss);
    CU_ASSERT_EQUAL(sb.n, 1);
    CU_ASSERT_EQUAL(sb.sacked, mss);
    CU_ASSERT_TRUE(tcp_sb_add(&sb, una + 4 * mss, max, una + 18 * mss, max + 5 * mss));
    CU_ASSERT_EQUAL(sb.sacked, 3 * mss);
    /* Three ranges above a hole make it lost even with few bytes. */
    CU_ASSERT_TRUE(tcp_sb_add(&sb, una + 4 * mss, max, una + 10 * mss, una + 10 * mss + 10));
    CU_ASSERT_TRUE(tcp_sb_is_lost(&sb, una + 4 * mss, 100 * mss));
    /* A timeout forgets everything: the next recovery starts from nothing. */
    tcp_sb_reset(&sb);
    CU_ASSERT_EQUAL(sb.n, 0);
    CU_ASSERT_EQUAL(sb.sacked, 0);
    CU_ASSERT_FALSE(tcp_sb_is_lost(&sb, una + 4 * mss, mss));
    CU_ASSERT_FALSE(tcp_sb_next_hole(&sb, una + 4 * mss, una + 4 * mss, mss, false, &seq, &len));
    CU_ASSERT_EQUAL(tcp_sb_pipe(&sb, una + 4 * mss, max, una + 4 * mss, mss), 16 * mss);
    /* Bad blocks: empty, reversed, wholly below una or above max. */
    CU_ASSERT_FALSE(tcp_sb_add(&sb, una, max, una + 5, una + 5));
    CU_ASSERT_FALSE(tcp_sb_add(&sb, una, max, una + 9, una + 5));
    CU_ASSERT_FALSE(tcp_sb_add(&sb, una + 100, max, una, una + 50));
    CU_ASSERT_FALSE(tcp_sb_add(&sb, una, max, max, max + 100));
    CU_ASSERT_EQUAL(sb.n, 0);
    /* Many ranges, merged again by one block covering them. */
    for (uint32_t i = 0; i < 9; i++)
        tcp_sb_add(&sb, una, max, una + (2 * i + 1) * mss, una + (2 * i + 2) * mss);
    CU_ASSERT_EQUAL(sb.n, 9);
    CU_ASSERT_TRUE(tcp_sb_add(&sb, una, max, una + mss, una + 18 * mss));
    CU_ASSERT_EQUAL(sb.n, 1);
    CU_ASSERT_EQUAL(sb.sacked, 17 * mss);
    tcp_sb_clear(&sb);
}

/* ---- connections -------------------------------------------------------- */

typedef struct {
    tcp_stats_t server, client;
} both_stats;

static void keep_both(void *ud, const tcp_stats_t *st)
{
    both_stats *b = ud;
    if (st->active)
        b->client = *st;
    else
        b->server = *st;
}

typedef struct {
    both_stats st;
    link_stats_t down; /* server to client */
    sim_time_t done;   /* connect to last byte */
    bool digest_ok;
} run_out;

typedef struct {
    uint64_t seed, rate;
    sim_time_t delay;
    uint32_t queue;
    double loss;
    const sim_time_t *down; /* pairs [start, end) of link outages */
    int n_down;
    uint64_t bytes;
    bool real;
} path_spec;

static run_out run(const path_spec *ps, const tcp_params_t *p, sim_trace_fn tap, void *tap_ud)
{
    run_out out;
    memset(&out, 0, sizeof out);
    link_params_t lp = {.rate_bps = ps->rate, .delay = ps->delay, .queue_pkts = ps->queue, .loss = ps->loss};
    tcp_fix f;
    tcp_fix_init(&f, ps->seed, NULL, &lp, NULL);
    for (int i = 0; i < ps->n_down; i++)
        CU_ASSERT_TRUE(link_add_down_interval(f.link, ps->down[2 * i], ps->down[2 * i + 1], NULL));
    if (tap)
        sim_trace_subscribe(sim_trace(f.sim), SIM_TR_MASK(SIM_TR_TX), tap, tap_ud);
    tcp_stack_on_conn_done(f.tcp, keep_both, &out.st);
    rr_spec spec = {.req_bytes = 100, .resp_bytes = ps->bytes, .real = ps->real, .requests = 1,
                    .digest = ps->real};
    tcp_fix_exchange(&f, p, p, &spec);
    CU_ASSERT_EQUAL(f.cl.total, ps->bytes);
    out.done = f.cl.t_last - f.cl.t_connect;
    if (ps->real) {
        char *want = rr_expected_digest(ps->bytes, 1);
        out.digest_ok = !strcmp(g_checksum_get_string(f.cl.digest), want);
        g_free(want);
    }
    link_dir_stats(link_dir(f.link, 1), &out.down);
    tcp_fix_clear(&f);
    return out;
}

/* ---- several losses in one window ---------------------------------------- */

/* 10 Mbps, 50 ms each way (100 ms base RTT), no queue limit, NewReno,
 * slow start left at 100 segments (above the 83-segment BDP, so the link
 * stays busy and packets leave it exactly one packet time apart), 8 MB
 * buffers. The link is down for exactly four packet times at 3 s: four
 * consecutive data segments of one flight are lost. With SACK all four
 * are sent again within the first round trip of recovery; NewReno's
 * partial ACKs repair one per round trip. */
static run_out four_losses(bool sack)
{
    const uint32_t mss = 1460;
    const uint64_t rate = 10000000;
    sim_time_t pkt = sim_tx_time(mss + 40, rate);
    sim_time_t down[2] = {SIM_S(3), SIM_S(3) + 4 * pkt};
    path_spec ps = {.seed = 1, .rate = rate, .delay = SIM_MS(50), .down = down, .n_down = 1,
                    .bytes = 10u * 1000 * 1000, .real = true};
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = TCP_CC_NEWRENO;
    p.mss = mss;
    p.init_ssthresh = 100 * mss;
    p.sndbuf = p.rcvbuf = 8u << 20;
    p.sack = sack;
    return run(&ps, &p, NULL, NULL);
}

static void test_four_losses_one_window(void)
{
    run_out with = four_losses(true), without = four_losses(false);
    /* The round trip: the base 100 ms plus the queue the flows build
     * (the server's mean RTT sample over the connection). */
    double rtt_sack = with.st.server.rtt_mean_s, rtt_nr = without.st.server.rtt_mean_s;
    double rec_sack = sim_time_to_s(with.st.server.recovery_time);
    double rec_nr = sim_time_to_s(without.st.server.recovery_time);
    printf("\n    four losses: SACK %.3f s (recovery %.1f ms, %" G_GUINT64_FORMAT " retransmits, %" G_GUINT64_FORMAT
           " timeouts); NewReno %.3f s (recovery %.1f ms, %" G_GUINT64_FORMAT " retransmits, %" G_GUINT64_FORMAT
           " timeouts); mean RTT %.1f / %.1f ms: %.2f and %.2f RTT of recovery",
           sim_time_to_s(with.done), 1e3 * rec_sack, with.st.server.retransmits, with.st.server.timeouts,
           sim_time_to_s(without.done), 1e3 * rec_nr, without.st.server.retransmits, without.st.server.timeouts,
           1e3 * rtt_sack, 1e3 * rtt_nr, rec_sack / rtt_sack, rec_nr / rtt_nr);
    /* Exactly four data segments lost, in both runs. */
    CU_ASSERT_EQUAL(with.down.drops_down, 4);
    CU_ASSERT_EQUAL(without.down.drops_down, 4);
    CU_ASSERT_TRUE(with.digest_ok);
    CU_ASSERT_TRUE(without.digest_ok);
    CU_ASSERT_TRUE(with.st.server.sack);
    CU_ASSERT_FALSE(without.st.server.sack);
    /* SACK: one recovery, the four segments sent again once each, no timeout. */
    CU_ASSERT_EQUAL(with.st.server.timeouts, 0);
    CU_ASSERT_EQUAL(with.st.server.sack_recoveries, 1);
    CU_ASSERT_EQUAL(with.st.server.retransmits, 4);
    CU_ASSERT_EQUAL(with.st.server.sack_retransmits, 4);
    CU_ASSERT_TRUE(with.st.client.sack_blocks_sent > 0);
    CU_ASSERT_EQUAL(without.st.server.sack_recoveries, 0);
    CU_ASSERT_EQUAL(without.st.client.sack_blocks_sent, 0);
    /* Recovery lasts about one round trip with SACK: between 1 and 2 RTT.
     * The first hole goes out at once, the other three once the pipe has
     * fallen below the halved window (half a window of packet times, about
     * half a round trip here); the ACK of the last ends recovery a round
     * trip later. */
    CU_ASSERT_TRUE(rec_sack >= 1.0 * rtt_sack && rec_sack <= 2.0 * rtt_sack);
    /* NewReno: one round trip per lost segment, 4 RTT within 0.5 RTT, or a
     * timeout. */
    CU_ASSERT_TRUE(without.st.server.timeouts > 0 || (rec_nr >= 3.5 * rtt_nr && rec_nr <= 4.5 * rtt_nr));
    CU_ASSERT_TRUE(rec_nr >= 2 * rec_sack);
    CU_ASSERT_TRUE(with.done < without.done);
}

/* ---- every byte in order under random loss -------------------------------- */

static void check_lossy_sack(tcp_cc cc)
{
    path_spec ps = {.seed = 7, .rate = 10000000, .delay = SIM_MS(20), .queue = 100, .loss = 0.01,
                    .bytes = 10u * 1000 * 1000, .real = true};
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = cc;
    p.sack = true;
    run_out o = run(&ps, &p, NULL, NULL);
    CU_ASSERT_TRUE(o.digest_ok);
    CU_ASSERT_EQUAL(o.st.server.bytes_sent, ps.bytes);
    CU_ASSERT_TRUE(o.down.drops_loss > 0);
    CU_ASSERT_TRUE(o.st.server.sack);
    CU_ASSERT_TRUE(o.st.server.sack_recoveries > 0);
    CU_ASSERT_TRUE(o.st.server.sack_retransmits > 0);
    printf("\n    %s + SACK: %.2f s, %" G_GUINT64_FORMAT " data packets lost, %" G_GUINT64_FORMAT
           " retransmits (%" G_GUINT64_FORMAT " by SACK recovery), %" G_GUINT64_FORMAT " recoveries, %" G_GUINT64_FORMAT
           " timeouts",
           tcp_cc_name(cc), sim_time_to_s(o.done), o.down.drops_loss, o.st.server.retransmits,
           o.st.server.sack_retransmits, o.st.server.sack_recoveries, o.st.server.timeouts);
}

static void test_loss_reno_sack(void) { check_lossy_sack(TCP_CC_RENO); }
static void test_loss_cubic_sack(void) { check_lossy_sack(TCP_CC_CUBIC); }

/* ---- option bytes on the wire --------------------------------------------- */

typedef struct {
    bool ts;
    uint64_t bad, syn_sackok, by_blocks[PKT_SACK_MAX + 1];
} opt_tap;

/* Every TCP packet that leaves a link: its header bytes against the
 * layout Linux puts on the wire (40 bytes of IPv4 + TCP, then each option
 * group padded with NOPs to a multiple of 4). Without timestamps: a SYN
 * with SACK-permitted 44 (NOP, NOP, kind 4, length 2), an ACK with n SACK
 * blocks 40 + 4 + 8n (NOP, NOP, kind 5, length, n x 8). With timestamps: a
 * SYN 52 (SACK-permitted in the place of the timestamps' two NOPs), an ACK
 * with n blocks 52 + 4 + 8n; 12 + 4 + 8 x 3 = 40 option bytes is the most
 * TCP allows, so 3 blocks at most. */
static void check_opts(void *ud, const sim_trace_rec *rec)
{
    opt_tap *t = ud;
    const pkt_t *p = rec->obj;
    if (p->proto != PKT_PROTO_TCP || (p->tcp_flags & PKT_RST))
        return;
    static const uint16_t plain[] = {40, 52, 60, 68, 76}; /* 0..4 blocks, no timestamps */
    static const uint16_t with_ts[] = {52, 64, 72, 80};   /* 0..3 blocks, with timestamps */
    uint16_t want;
    if (p->tcp_flags & PKT_SYN) {
        want = t->ts ? 52 : 44;
        t->syn_sackok += (p->tcp_opts & PKT_OPT_SACKOK) != 0;
    } else if (t->ts) {
        want = p->sack_n <= 3 ? with_ts[p->sack_n] : 0;
    } else {
        want = p->sack_n <= 4 ? plain[p->sack_n] : 0;
    }
    if (p->hdr_bytes != want)
        t->bad++;
    if (p->sack_n <= PKT_SACK_MAX)
        t->by_blocks[p->sack_n]++;
}

/* Five single segments lost, each two packets apart, on a busy link:
 * five holes at once, so the receiver has more blocks than fit. */
static opt_tap option_bytes(bool ts)
{
    const uint32_t mss = 1460;
    const uint64_t rate = 10000000;
    sim_time_t pkt = sim_tx_time(mss + 40 + (ts ? 12 : 0), rate);
    sim_time_t down[10];
    for (int i = 0; i < 5; i++) {
        down[2 * i] = SIM_S(3) + 2 * i * pkt + pkt / 2;
        down[2 * i + 1] = down[2 * i] + pkt;
    }
    path_spec ps = {.seed = 1, .rate = rate, .delay = SIM_MS(50), .down = down, .n_down = 5,
                    .bytes = 6u * 1000 * 1000, .real = false};
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = TCP_CC_RENO;
    p.mss = mss;
    p.init_ssthresh = 100 * mss;
    p.sndbuf = p.rcvbuf = 8u << 20;
    p.sack = true;
    p.timestamps = ts;
    opt_tap t = {.ts = ts};
    run_out o = run(&ps, &p, check_opts, &t);
    CU_ASSERT_EQUAL(o.down.drops_down, 5);
    CU_ASSERT_EQUAL(o.st.server.timeouts, 0);
    return t;
}

static void test_option_bytes(void)
{
    for (int ts = 0; ts <= 1; ts++) {
        opt_tap t = option_bytes(ts);
        printf("\n    %s timestamps: ACKs with 0..4 blocks: %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
               " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "; wrong sizes %" G_GUINT64_FORMAT,
               ts ? "with" : "without", t.by_blocks[0], t.by_blocks[1], t.by_blocks[2], t.by_blocks[3],
               t.by_blocks[4], t.bad);
        CU_ASSERT_EQUAL(t.bad, 0);
        CU_ASSERT_EQUAL(t.syn_sackok, 2); /* the SYN and the SYN-ACK */
        for (int n = 1; n <= (ts ? 3 : 4); n++)
            CU_ASSERT_TRUE(t.by_blocks[n] > 0);
        if (ts)
            CU_ASSERT_EQUAL(t.by_blocks[4], 0);
    }
}

/* Only the client asks for SACK: neither end uses it, and only the
 * client's SYN carries SACK-permitted (4 bytes). */
static void test_sack_needs_both(void)
{
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(10)};
    tcp_fix f;
    tcp_fix_init(&f, 1, NULL, &lp, NULL);
    both_stats b;
    memset(&b, 0, sizeof b);
    tcp_stack_on_conn_done(f.tcp, keep_both, &b);
    tcp_params_t pc, ps;
    tcp_params_default(&pc);
    ps = pc;
    pc.sack = true;
    rr_spec spec = {.req_bytes = 100, .resp_bytes = 100000, .requests = 1};
    tcp_fix_exchange(&f, &pc, &ps, &spec);
    CU_ASSERT_FALSE(b.client.sack);
    CU_ASSERT_FALSE(b.server.sack);
    link_stats_t up;
    link_dir_stats(link_dir(f.link, 0), &up);
    /* Client to server: 40-byte headers, the SYN 4 bytes more. */
    CU_ASSERT_EQUAL(up.tx_bytes, 40 * up.tx_pkts + 4 + 100);
    tcp_fix_clear(&f);
}

/* ---- a timeout forgets the scoreboard ------------------------------------- */

/* Losses that SACK cannot repair (the link down for a second during a
 * recovery: the retransmissions are lost too) end in timeouts; the
 * scoreboard is forgotten and go-back-N resends from the first
 * unacknowledged byte, SACKed or not; later losses start recoveries of
 * their own. Every byte arrives in order. */
static void test_timeout_clears_scoreboard(void)
{
    const uint32_t mss = 1460;
    const uint64_t rate = 10000000;
    sim_time_t pkt = sim_tx_time(mss + 40, rate);
    sim_time_t down[4] = {SIM_S(2), SIM_S(2) + 3 * pkt, SIM_S(2) + SIM_MS(150), SIM_S(3)};
    path_spec ps = {.seed = 1, .rate = rate, .delay = SIM_MS(50), .down = down, .n_down = 2,
                    .loss = 0.002, .bytes = 8u * 1000 * 1000, .real = true};
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = TCP_CC_CUBIC;
    p.mss = mss;
    p.init_ssthresh = 100 * mss;
    p.sndbuf = p.rcvbuf = 8u << 20;
    p.sack = true;
    run_out o = run(&ps, &p, NULL, NULL);
    printf("\n    outage in recovery: %.3f s, %" G_GUINT64_FORMAT " timeouts, %" G_GUINT64_FORMAT
           " SACK recoveries, %" G_GUINT64_FORMAT " retransmits",
           sim_time_to_s(o.done), o.st.server.timeouts, o.st.server.sack_recoveries, o.st.server.retransmits);
    CU_ASSERT_TRUE(o.digest_ok);
    CU_ASSERT_TRUE(o.st.server.timeouts >= 1);
    CU_ASSERT_TRUE(o.st.server.sack_recoveries >= 2);
}

/* ---- PRR and limited transmit: what leaves on each ACK ---------------------- */

/* What the server does on each ACK that reaches it: the ACK, then the data
 * segments it sends before the next ACK arrives (the output event runs at
 * the ACK's instant, after it; nothing else makes the server send). */
#define ACKLOG_MAX 200000
typedef struct {
    uint32_t ack, sacked_top; /* cumulative ACK; highest SACKed byte (0: no block) */
    uint32_t sent, sent_new;  /* data segments sent after it; of those, never sent before */
    uint32_t first_seq;       /* sequence number of the first of them */
    sim_time_t t;             /* when the ACK arrived */
} ack_entry;

typedef struct {
    ack_entry *e;
    uint32_t n;
    uint32_t snd_max; /* end of the highest data the server has sent */
    bool started;
    /* the connection's cwnd samples at the end of the run */
    tcp_cwnd_sample *cw;
    uint32_t n_cw;
    tcp_stats_t server;
} ack_log;

static void log_pkt(void *ud, const sim_trace_rec *rec)
{
    ack_log *l = ud;
    const pkt_t *p = rec->obj;
    if (p->proto != PKT_PROTO_TCP)
        return;
    if (rec->kind == SIM_TR_RX && p->dport == 80 && (p->tcp_flags & PKT_ACK) && l->n < ACKLOG_MAX) {
        ack_entry *a = &l->e[l->n++];
        memset(a, 0, sizeof *a);
        a->ack = p->ack;
        a->t = rec->time;
        for (uint32_t i = 0; i < p->sack_n; i++)
            if (!a->sacked_top || (int32_t)(p->sack[2 * i + 1] - a->sacked_top) > 0)
                a->sacked_top = p->sack[2 * i + 1];
        l->started = true;
    } else if (rec->kind == SIM_TR_ENQUEUE && p->sport == 80 && p->len > 0 && l->started) {
        ack_entry *a = &l->e[l->n - 1];
        if (a->sent++ == 0)
            a->first_seq = p->seq;
        if (!l->snd_max || (int32_t)(p->seq + p->len - l->snd_max) > 0) {
            a->sent_new++;
            l->snd_max = p->seq + p->len;
        }
    }
}

static void keep_server(void *ud, const tcp_stats_t *st)
{
    ack_log *l = ud;
    if (st->active)
        return;
    l->server = *st;
    l->cw = g_memdup2(st->cwnd_samples, st->n_cwnd_samples * sizeof *st->cwnd_samples);
    l->n_cw = st->n_cwnd_samples;
}

/* 10 Mbps, 50 ms each way, no queue limit, Reno, no delayed ACKs, slow
 * start left at 100 segments (the 83-segment BDP is exceeded, so packets
 * leave the link one packet time apart), 8 MB buffers, 4 MB. The link is
 * down for one packet time at 3 s: one data segment is lost. */
static void run_one_loss(bool sack, bool prr, bool lt, ack_log *l)
{
    const uint32_t mss = 1460;
    const uint64_t rate = 10000000;
    memset(l, 0, sizeof *l);
    l->e = g_new0(ack_entry, ACKLOG_MAX);
    link_params_t lp = {.rate_bps = rate, .delay = SIM_MS(50)};
    tcp_fix f;
    tcp_fix_init(&f, 1, NULL, &lp, NULL);
    sim_time_t pkt = sim_tx_time(mss + 40, rate);
    CU_ASSERT_TRUE(link_add_down_interval(f.link, SIM_S(3), SIM_S(3) + pkt, NULL));
    sim_trace_subscribe(sim_trace(f.sim), SIM_TR_MASK(SIM_TR_RX) | SIM_TR_MASK(SIM_TR_ENQUEUE), log_pkt, l);
    tcp_params_t p;
    tcp_params_default(&p);
    p.cc = TCP_CC_RENO;
    p.mss = mss;
    p.init_ssthresh = 100 * mss;
    p.sndbuf = p.rcvbuf = 8u << 20;
    p.sack = sack;
    p.prr = prr;
    p.limited_transmit = lt;
    p.record_cwnd = true;
    tcp_stack_on_conn_done(f.tcp, keep_server, l);
    rr_spec spec = {.req_bytes = 100, .resp_bytes = 4u * 1000 * 1000, .requests = 1};
    tcp_fix_exchange(&f, &p, &p, &spec);
    link_stats_t down;
    link_dir_stats(link_dir(f.link, 1), &down);
    CU_ASSERT_EQUAL(down.drops_down, 1); /* exactly one data segment lost */
    tcp_fix_clear(&f);
}

static void ack_log_clear(ack_log *l)
{
    g_free(l->e);
    g_free(l->cw);
}

/* The index of the first duplicate ACK (the first with a SACK block), or
 * -1. */
static int32_t first_dup(const ack_log *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (l->e[i].sacked_top)
            return (int32_t)i;
    return -1;
}

/* RFC 6937 with SACK, one segment lost from a flight of F segments (Reno:
 * ssthresh = F/2). The entering ACK (the third duplicate) sends the lost
 * segment again; then each duplicate ACK SACKs one more segment
 * (DeliveredData = 1 MSS) and the server sends exactly what RFC 6937's
 * pseudo-code gives: sndcnt = CEIL(prr_delivered ssthresh / RecoverFS) -
 * prr_out while pipe > ssthresh, else MIN(ssthresh - pipe,
 * MAX(prr_delivered - prr_out, DeliveredData) + MSS) (PRR-SSRB), in whole
 * segments, with RFC 6675's pipe (here: the segments neither SACKed nor
 * lost, plus the one sent again). The ACK of the retransmission ends
 * recovery with cwnd = ssthresh. Without PRR, RFC 6675 sends nothing but
 * the retransmission until the pipe has fallen below ssthresh. */
static void test_prr_per_ack(void)
{
    const uint64_t mss = 1460;
    ack_log l;
    run_one_loss(true, true, false, &l);
    int32_t d = first_dup(&l);
    CU_ASSERT_FATAL(d > 0);
    uint32_t una = l.e[d].ack;
    /* The flight when recovery starts, from the highest byte sent before
     * the third duplicate ACK was answered. */
    uint32_t entry = (uint32_t)d + 2;
    CU_ASSERT_EQUAL_FATAL(l.e[entry].ack, una);
    CU_ASSERT_EQUAL(l.e[d].sent + l.e[d + 1].sent, 0); /* no limited transmit */
    uint32_t top = l.e[entry].first_seq; /* the retransmission goes first */
    CU_ASSERT_EQUAL(top, una);
    /* Every duplicate ACK of the recovery reports one more SACKed segment;
     * the ACK that ends it acknowledges everything sent before the entry
     * (the retransmission arrives after all of it): RecoverFS. */
    uint32_t end = entry;
    while (end < l.n && l.e[end].ack == una)
        end++;
    CU_ASSERT_FATAL(end < l.n);
    uint32_t n_dup = end - entry; /* ACKs in recovery before the one that ends it */
    uint64_t recover_fs = (uint64_t)(l.e[end].ack - una);
    uint64_t ssthresh = recover_fs / 2;
    printf("\n    PRR: flight %" G_GUINT64_FORMAT " segments at the loss, ssthresh %" G_GUINT64_FORMAT
           " bytes, %u ACKs in recovery; sent per ACK:",
           recover_fs / mss, ssthresh, n_dup);
    /* The model of RFC 6937, in bytes. */
    uint64_t prr_delivered = 0, prr_out = 0, sacked = 2 * mss, sent_new = 0, mismatches = 0;
    for (uint32_t i = 0; i < n_dup; i++) {
        const ack_entry *a = &l.e[entry + i];
        CU_ASSERT_EQUAL(a->sacked_top, una + mss + sacked + mss); /* one more segment each time */
        sacked += mss;
        prr_delivered += mss;
        uint64_t want = 0;
        if (i == 0) {
            prr_out += mss; /* the fast retransmission */
            want = 1;
        }
        /* pipe: segments not SACKed above the hole, the hole sent again, new ones */
        uint64_t pipe = (recover_fs - mss - sacked) + mss + sent_new * mss;
        int64_t sndcnt;
        if (pipe > ssthresh) {
            sndcnt = (int64_t)((prr_delivered * ssthresh + recover_fs - 1) / recover_fs) - (int64_t)prr_out;
        } else {
            int64_t limit = MAX((int64_t)prr_delivered - (int64_t)prr_out, (int64_t)mss) + (int64_t)mss;
            sndcnt = MIN((int64_t)ssthresh - (int64_t)pipe, limit);
        }
        uint64_t k = sndcnt > 0 ? (uint64_t)sndcnt / mss : 0;
        want += k;
        prr_out += k * mss;
        sent_new += k;
        if (i < 24)
            printf(" %u", a->sent);
        if (a->sent != want) {
            mismatches++;
            printf(" [ACK %u: sent %u, RFC 6937 %" G_GUINT64_FORMAT "]", i, a->sent, want);
        }
    }
    printf(" ...; %" G_GUINT64_FORMAT " segments sent in recovery", prr_out / mss);
    CU_ASSERT_EQUAL(mismatches, 0);
    /* In all, about ssthresh / RecoverFS of what was delivered (one
     * segment of rounding either way). */
    ASSERT_REL((double)prr_out, (double)prr_delivered * ssthresh / recover_fs, 2.0 * mss / prr_out);
    /* The first ACKs after the entry send in proportion: 0, 0, 1, 0, 1 ... */
    CU_ASSERT_EQUAL(l.e[entry].sent, 1);
    CU_ASSERT_EQUAL(l.e[entry + 1].sent, 0);
    CU_ASSERT_EQUAL(l.e[entry + 2].sent, 0);
    CU_ASSERT_EQUAL(l.e[entry + 3].sent, 1);
    /* The ACK that ends recovery leaves cwnd = ssthresh: the last sample
     * at its instant; and the only loss's ssthresh is the final one. */
    uint32_t cwnd_end = 0;
    for (uint32_t i = 0; i < l.n_cw && l.cw[i].t <= l.e[end].t; i++)
        cwnd_end = l.cw[i].cwnd; /* samples are kept only when the window changes */
    printf("; cwnd %u after the ACK that ends it", cwnd_end);
    CU_ASSERT_EQUAL(cwnd_end, ssthresh);
    CU_ASSERT_EQUAL(l.server.ssthresh, ssthresh);
    CU_ASSERT_EQUAL(l.server.sack_recoveries, 1);
    CU_ASSERT_EQUAL(l.server.timeouts, 0);
    ack_log_clear(&l);

    /* Without PRR: nothing but the retransmission on the first ACKs. */
    run_one_loss(true, false, false, &l);
    d = first_dup(&l);
    CU_ASSERT_FATAL(d > 0);
    entry = (uint32_t)d + 2;
    CU_ASSERT_EQUAL(l.e[entry].sent, 1);
    uint32_t quiet = 0;
    while (entry + 1 + quiet < l.n && l.e[entry + 1 + quiet].sent == 0)
        quiet++;
    printf("; without PRR %u silent ACKs after the retransmission", quiet);
    CU_ASSERT_TRUE(quiet >= 20);
    ack_log_clear(&l);
}

/* RFC 3042: the first and the second duplicate ACK each send one segment
 * never sent before, with or without SACK; without limited transmit they
 * send nothing (the window is full). One loss is one fast retransmit and
 * two limited transmissions. */
static void test_limited_transmit(void)
{
    for (int sack = 0; sack < 2; sack++) {
        ack_log l;
        run_one_loss(sack, sack, true, &l);
        /* Without SACK there are no blocks: the first duplicate is the first
         * ACK equal to the one before it after the loss at 3 s. */
        int32_t d = -1;
        for (uint32_t i = 1; i < l.n && d < 0; i++)
            if (l.e[i].t > SIM_S(3) && l.e[i].ack == l.e[i - 1].ack)
                d = (int32_t)i;
        CU_ASSERT_FATAL(d > 0);
        printf("\n    limited transmit, %s: duplicates 1, 2, 3 sent %u (%u new), %u (%u new), %u",
               sack ? "SACK" : "no SACK", l.e[d].sent, l.e[d].sent_new, l.e[d + 1].sent, l.e[d + 1].sent_new, l.e[d + 2].sent);
        CU_ASSERT_EQUAL(l.e[d].sent, 1);
        CU_ASSERT_EQUAL(l.e[d].sent_new, 1);
        CU_ASSERT_EQUAL(l.e[d + 1].sent, 1);
        CU_ASSERT_EQUAL(l.e[d + 1].sent_new, 1);
        CU_ASSERT_EQUAL(l.e[d + 2].first_seq, l.e[d].ack); /* then the fast retransmission */
        CU_ASSERT_EQUAL(l.server.limited_transmits, 2);
        CU_ASSERT_EQUAL(l.server.fast_retransmits, 1);
        CU_ASSERT_EQUAL(l.server.timeouts, 0);
        ack_log_clear(&l);

        run_one_loss(sack, sack, false, &l);
        d = -1;
        for (uint32_t i = 1; i < l.n && d < 0; i++)
            if (l.e[i].t > SIM_S(3) && l.e[i].ack == l.e[i - 1].ack)
                d = (int32_t)i;
        CU_ASSERT_FATAL(d > 0);
        CU_ASSERT_EQUAL(l.e[d].sent + l.e[d + 1].sent, 0);
        CU_ASSERT_EQUAL(l.server.limited_transmits, 0);
        ack_log_clear(&l);
    }
}

/* ---- against ns-3 --------------------------------------------------------- */

/* docs/tcp.md "Against ns-3": 1,000,000 bytes after a 100-byte request over
 * 10 Mbps / 100 ms RTT, MSS 1448, the linux preset (now with SACK); ns-3
 * 3.37 (Cubic, SACK, timestamps) measures 1.26 s; within 10%. */
static void test_ns3_linux_preset_1mb(void)
{
    path_spec ps = {.seed = 1, .rate = 10000000, .delay = SIM_MS(50), .bytes = 1000000};
    tcp_params_t p;
    tcp_params_default(&p);
    CU_ASSERT_TRUE(tcp_params_preset("linux", &p));
    CU_ASSERT_TRUE(p.sack);
    p.mss = 1448;
    run_out a = run(&ps, &p, NULL, NULL);
    p.timestamps = true;
    run_out b = run(&ps, &p, NULL, NULL);
    CU_ASSERT_TRUE(a.st.server.sack && b.st.server.sack);
    double ta = sim_time_to_s(a.done), tb = sim_time_to_s(b.done);
    printf("\n    1 MB, linux preset with SACK: %.3f s, with timestamps %.3f s; ns-3 1.26 s (%+.1f%%, %+.1f%%)",
           ta, tb, 100 * (ta / 1.26 - 1), 100 * (tb / 1.26 - 1));
    ASSERT_REL(ta, 1.26, 0.10);
    ASSERT_REL(tb, 1.26, 0.10);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_scoreboard),
        TEST(test_four_losses_one_window),
        TEST(test_loss_reno_sack),
        TEST(test_loss_cubic_sack),
        TEST(test_option_bytes),
        TEST(test_sack_needs_both),
        TEST(test_timeout_clears_scoreboard),
        TEST(test_prr_per_ack),
        TEST(test_limited_transmit),
        TEST(test_ns3_linux_preset_1mb),
    };
    return test_main("models/tcp_sack", tests, G_N_ELEMENTS(tests));
}
