/*
 * Tests of the TCP model's options: timestamps (RFC 7323) add 12 header
 * bytes to every segment of a connection whose both ends ask for them,
 * give an RTT sample from every ACK of new data, and are left out when
 * only one end asks.
 */
#include <glib.h>
#include <string.h>

#include "models/reqresp.h"
#include "models/tcp.h"
#include "tcp_fixture.h"
#include "test_util.h"

typedef struct {
    tcp_stats_t client, server;
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
    link_stats_t down, up; /* server to client, client to server */
    sim_time_t done;
} ts_run;

/* 100,000 bytes after a 100-byte request over 10 Mbps / 10 ms, no delayed
 * ACKs, no loss; the client's and the server's timestamps as given. */
static ts_run run_ts(bool client_ts, bool server_ts)
{
    ts_run out;
    memset(&out, 0, sizeof out);
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(10)};
    tcp_fix f;
    tcp_fix_init(&f, 1, NULL, &lp, NULL);
    tcp_stack_on_conn_done(f.tcp, keep_both, &out.st);
    tcp_params_t pc, ps;
    tcp_params_default(&pc);
    pc.timestamps = client_ts;
    ps = pc;
    ps.timestamps = server_ts;
    rr_spec spec = {.req_bytes = 100, .resp_bytes = 100000, .requests = 1};
    tcp_fix_exchange(&f, &pc, &ps, &spec);
    out.done = f.cl.t_last - f.cl.t_connect;
    link_dir_stats(link_dir(f.link, 0), &out.up);
    link_dir_stats(link_dir(f.link, 1), &out.down);
    tcp_fix_clear(&f);
    return out;
}

static void test_timestamps_header_bytes(void)
{
    ts_run off = run_ts(false, false), on = run_ts(true, true);
    /* The same segments either way (nothing is lost)... */
    CU_ASSERT_EQUAL(on.down.tx_pkts, off.down.tx_pkts);
    CU_ASSERT_EQUAL(on.up.tx_pkts, off.up.tx_pkts);
    CU_ASSERT_EQUAL(on.st.server.segs_sent, off.st.server.segs_sent);
    /* ...each 12 bytes longer, in both directions, SYN and SYN-ACK included. */
    CU_ASSERT_EQUAL(on.down.tx_bytes - off.down.tx_bytes, 12 * off.down.tx_pkts);
    CU_ASSERT_EQUAL(on.up.tx_bytes - off.up.tx_bytes, 12 * off.up.tx_pkts);
    printf("\n    server to client: %" G_GUINT64_FORMAT " segments, %" G_GUINT64_FORMAT " bytes without, %"
           G_GUINT64_FORMAT " with timestamps (+%" G_GUINT64_FORMAT ")",
           off.down.tx_pkts, off.down.tx_bytes, on.down.tx_bytes, on.down.tx_bytes - off.down.tx_bytes);
    /* Only one end asking: the option is not used; the client's SYN
     * offers it (12 bytes more), nothing else carries it. */
    ts_run half = run_ts(true, false);
    CU_ASSERT_EQUAL(half.down.tx_bytes, off.down.tx_bytes);
    CU_ASSERT_EQUAL(half.up.tx_bytes, off.up.tx_bytes + 12);
    half = run_ts(false, true);
    CU_ASSERT_EQUAL(half.down.tx_bytes, off.down.tx_bytes);
    CU_ASSERT_EQUAL(half.up.tx_bytes, off.up.tx_bytes);
}

/* The server sends 100,000 bytes in ceil(100000 / 1460) = 69 segments and,
 * without delayed ACKs, each is acknowledged by an ACK of its own (the
 * last one carries the client's FIN). With timestamps the server takes an
 * RTT sample from each of those 69 ACKs, and one from the handshake (the
 * ACK of its SYN-ACK, riding on the request): 70, one per segment it
 * received after the SYN. Without them, one timed segment at a time: a
 * sample per round trip or so. */
static void test_timestamps_rtt_every_ack(void)
{
    ts_run off = run_ts(false, false), on = run_ts(true, true);
    const uint64_t data_segs = (100000 + 1459) / 1460;
    printf("\n    server RTT samples: %" G_GUINT64_FORMAT " with timestamps, %" G_GUINT64_FORMAT
           " without; %" G_GUINT64_FORMAT " data segments, %" G_GUINT64_FORMAT " segments received",
           on.st.server.rtt_samples, off.st.server.rtt_samples, data_segs, on.st.server.segs_received);
    CU_ASSERT_EQUAL(on.st.server.rtt_samples, data_segs + 1);
    CU_ASSERT_EQUAL(on.st.server.rtt_samples, on.st.server.segs_received);
    CU_ASSERT_TRUE(off.st.server.rtt_samples < data_segs / 4);
    /* Every sample is at least the propagation round trip (20 ms); the
     * samples of every ACK include the queueing of the window's bursts
     * that one timed segment per round trip mostly misses, so the mean is
     * larger, and the largest sample is at most 20 ms plus the queueing of
     * a full 128 KB window ahead of a segment (about 108 ms at 10 Mbps). */
    CU_ASSERT_TRUE(on.st.server.rtt_min_s >= 0.020);
    CU_ASSERT_TRUE(on.st.server.rtt_mean_s >= off.st.server.rtt_mean_s);
    CU_ASSERT_TRUE(on.st.server.rtt_max_s <= 0.020 + 131072 * 8 / 10e6 + 0.002);
    printf("\n    RTT with timestamps: min %.2f ms, mean %.2f ms, max %.2f ms; without: mean %.2f ms",
           1e3 * on.st.server.rtt_min_s, 1e3 * on.st.server.rtt_mean_s, 1e3 * on.st.server.rtt_max_s,
           1e3 * off.st.server.rtt_mean_s);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_timestamps_header_bytes),
        TEST(test_timestamps_rtt_every_ack),
    };
    return test_main("models/tcp_options", tests, G_N_ELEMENTS(tests));
}
