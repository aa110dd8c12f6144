/*
 * tcp: connections, the segment engine, timers, congestion control, and the
 * stream-seam operations of simulated sockets.
 *
 * Structure. A connection (tcp_conn) is found by its 4-tuple in a hash
 * table (lookup only, never iterated). All output goes through one function,
 * conn_output(), which runs from the connection's "output" event: anything
 * that may let data, a FIN or an ACK leave (a write, an arriving ACK, a
 * timer) schedules that event for the current instant, so everything that
 * happens at one instant is gathered into as few segments as possible.
 * Callbacks into the application run from the connection's "notify" event,
 * which carries a set of flags (accept, connected, data, writable, error),
 * never from inside an operation the application called.
 *
 * Sequence numbers are 32-bit and compared modulo 2^32. The initial
 * sequence number of each connection is derived from the clock and a
 * per-stack counter, deterministic like everything else.
 *
 * Lifetime. A connection is released ("reaped", from an event of its own)
 * once TCP has reached CLOSED and the application has let go of it (closed
 * or aborted it, or been told of an error), or never saw it (a passive
 * connection reset before it was accepted). Reaping cancels its pending
 * events, returns its packets and its port, and reports its statistics.
 */
#include "tcp.h"

#include <math.h>
#include <string.h>

#include "net_private.h"
#include "sim/sim_rng.h"
#include "sim/sim_trace.h"
#include "tcp_cubic.h"
#include "tcp_sack.h"
#include "tcp_sendbuf.h"

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

#define WINDOW_UNLIMITED 0x7fffffffu
#define FIN_WAIT_2_TIMEOUT SIM_S(60)
#define EPHEMERAL_FIRST 49152u
#define EPHEMERAL_LAST 65535u
#define TCP_EPISODE_MAX 16u /* timeouts of one episode whose times are kept */

/* ---- parameters ------------------------------------------------------- */

static const char *const cc_names[] = {[TCP_CC_RENO] = "reno",
                                       [TCP_CC_NEWRENO] = "newreno",
                                       [TCP_CC_IDEAL] = "ideal",
                                       [TCP_CC_CUBIC] = "cubic"};

const char *tcp_cc_name(tcp_cc cc) { return (unsigned)cc < G_N_ELEMENTS(cc_names) ? cc_names[cc] : "?"; }

bool tcp_cc_parse(const char *name, tcp_cc *out)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(cc_names); i++) {
        if (name && !strcmp(name, cc_names[i])) {
            *out = (tcp_cc)i;
            return true;
        }
    }
    return false;
}

void tcp_params_default(tcp_params_t *p)
{
    memset(p, 0, sizeof *p);
    p->cc = TCP_CC_RENO;
    p->mss = 1460;
    p->init_cwnd = 10;
    p->init_ssthresh = 0;
    p->abc_limit = 2;
    p->sndbuf = 131072;
    p->rcvbuf = 131072;
    p->delayed_ack = false;
    p->delack_segments = 2;
    p->delack_timeout = SIM_MS(200);
    p->rto_initial = SIM_S(1);
    p->rto_min = SIM_MS(200);
    p->rto_max = SIM_S(60);
    p->max_retries = 12;
    p->syn_retries = 6;
    p->time_wait = SIM_S(2);
    p->record_cwnd = false;
}

bool tcp_params_preset(const char *name, tcp_params_t *p)
{
    if (!name || strcmp(name, "linux"))
        return false;
    /* What a student's Linux machine uses by default (docs/tcp.md). */
    p->cc = TCP_CC_CUBIC;
    p->init_cwnd = 10;
    p->rto_min = SIM_MS(200);
    p->delayed_ack = true;
    p->sack = true;
    p->prr = true;
    p->limited_transmit = true;
    p->hystart = true;
    return true;
}

bool tcp_params_check(const tcp_params_t *p, GError **err)
{
    const char *bad = NULL;
    if ((unsigned)p->cc > TCP_CC_CUBIC)
        bad = "cc must be reno, newreno, ideal or cubic";
    else if (p->mss < 1 || p->mss > 65495)
        bad = "mss must be between 1 and 65495 bytes";
    else if (p->init_cwnd < 1)
        bad = "init_cwnd must be at least 1 segment";
    else if (p->abc_limit < 1)
        bad = "abc_limit must be at least 1 segment";
    else if (p->cc != TCP_CC_IDEAL && p->sndbuf < p->mss)
        bad = "sndbuf must hold at least one segment (mss bytes)";
    else if (p->cc != TCP_CC_IDEAL && p->rcvbuf < p->mss)
        bad = "rcvbuf must hold at least one segment (mss bytes)";
    else if (p->delayed_ack && (p->delack_segments < 1 || p->delack_timeout <= 0))
        bad = "delayed ACKs need delack_segments >= 1 and a positive delack_timeout";
    else if (p->rto_min <= 0 || p->rto_initial <= 0 || p->rto_max < p->rto_min)
        bad = "rto_min and rto_initial must be positive, and rto_max at least rto_min";
    else if (p->time_wait < 0)
        bad = "time_wait must not be negative";
    else if (p->send_jitter < 0)
        bad = "send_jitter must not be negative";
    if (bad) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID, "tcp: %s", bad);
        return false;
    }
    return true;
}

/* ---- states ----------------------------------------------------------- */

typedef enum {
    TS_CLOSED,
    TS_SYN_SENT,
    TS_SYN_RCVD,
    TS_ESTABLISHED,
    TS_FIN_WAIT_1,
    TS_FIN_WAIT_2,
    TS_CLOSE_WAIT,
    TS_CLOSING,
    TS_LAST_ACK,
    TS_TIME_WAIT,
} tcp_state;

static const char *const state_names[] = {
    "CLOSED",     "SYN_SENT",   "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",  "LAST_ACK",    "TIME_WAIT",
};

/* Flags of the notify event. */
enum {
    N_ACCEPT = 1u << 0,
    N_CONNECTED = 1u << 1,
    N_DATA = 1u << 2,
    N_WRITABLE = 1u << 3,
    N_ERROR = 1u << 4,
};

typedef struct {
    uint32_t laddr, raddr;
    uint16_t lport, rport;
} conn_key;

typedef struct tcp_conn tcp_conn;

struct tcp_listener {
    tcp_stack_t *st;
    node_t *host;
    uint64_t key; /* addr << 16 | port */
    tcp_params_t p;
    stream_accept_fn accept;
    void *ud;
    uint32_t pending; /* connections whose `listener` is this one (not yet accepted) */
};

struct tcp_conn {
    stream_t s; /* what the application holds; first member */
    tcp_stack_t *st;
    node_t *host;
    conn_key key;
    tcp_listener_t *listener; /* passive, until accepted */
    tcp_params_t p;
    tcp_state state;
    bool active;

    /* application side */
    bool exposed;  /* the application has (or had) the stream */
    bool app_gone; /* closed or aborted by the application, or error told */
    bool reading;
    bool want_writable;
    bool peer_closed_told;
    unsigned notify;
    stream_err err;

    /* send side */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd;
    uint32_t sb_seq; /* sequence number of the first byte in sb */
    tcp_sendbuf sb;
    bool fin_pending, fin_sent;
    bool fin_seq_valid;  /* fin_seq holds our FIN's number: it was sent once (a timeout
                            may clear fin_sent, never this) */
    uint32_t fin_seq;
    double cwnd;
    uint32_t ssthresh;
    uint32_t dupacks;
    bool in_recovery, recover_valid;
    uint32_t recover;
    tcp_cubic cubic; /* with cc cubic */
    tcp_hystart hs;  /* with cc cubic and `hystart` */
    sim_time_t hs_rtt; /* the RTT sample of the ACK being processed; -1: none */
    bool sack_on;        /* SACK in use (or offered, before the handshake completes) */
    tcp_scoreboard scb;  /* what the peer has SACKed above snd_una (RFC 6675) */
    uint32_t high_rxt;   /* SACK recovery: end of the highest byte sent again (HighRxt) */
    sim_time_t recovery_since; /* when the current loss recovery started */
    /* PRR (RFC 6937), during SACK recovery with `prr`: bytes delivered to
     * the peer and bytes sent since recovery began, and the flight then */
    uint64_t prr_delivered, prr_out;
    uint32_t recover_fs;
    uint32_t lt_bytes; /* bytes sent by limited transmit since the last ACK of new data */

    /* round-trip time and retransmission timeout (RFC 6298) */
    bool rtt_timing;
    uint32_t rtt_seq;
    sim_time_t rtt_start;
    bool have_rtt;
    double srtt, rttvar; /* ns */
    sim_time_t rto;      /* before back-off */
    uint32_t backoff;
    uint32_t retries;

    /* spurious timeouts (tcp_stats_t.spurious_timeouts): when each timeout
     * of the current episode resent (the first TCP_EPISODE_MAX; later ones
     * count with the last recorded time), and the echo we send back */
    sim_time_t rto_at[TCP_EPISODE_MAX];
    uint32_t rto_n;
    sim_time_t ts_recent; /* TSval to echo (RFC 7323's TS.Recent) */
    bool ts_valid;
    bool ts_on;           /* the timestamp option is in use (or offered, before the
                             handshake completes): RFC 7323 */
    uint32_t last_ack_sent;

    /* receive side */
    uint32_t irs, rcv_nxt;
    pkt_t *rq_head, *rq_tail; /* in order, not yet read by the application */
    uint64_t rq_bytes;
    pkt_t *ooo; /* out of order, sorted by seq */
    uint64_t ooo_bytes;
    uint32_t sack_mark[2 * PKT_SACK_MAX]; /* a byte of each SACK block to report, most
                                             recent first (RFC 2018 section 4) */
    uint32_t sack_nmark;
    bool fin_rcvd;
    bool ack_now;
    uint32_t unacked_segs;

    /* events */
    sim_event_id ev_output, ev_notify, ev_rto, ev_delack, ev_timewait, ev_persist, ev_reap;

    /* send jitter */
    sim_rng_t jitter_rng;
    sim_time_t last_departure;

    /* why segments leave (pkt_t.cause): the instant of the application's
     * latest write and where its bytes begin, and the event sending now */
    sim_time_t write_time; /* -1 before the first write */
    uint32_t write_seq;
    uint8_t cause_hint;    /* PKT_CAUSE_RTO, _FAST_RETX, _DELACK, or NONE */

    /* statistics */
    tcp_stats_t stats;
    double rtt_sum;
    GArray *cwnd_samples;
};

#define TCP_CONN_CACHE 256 /* a power of two */

struct tcp_stack {
    net_t *net;
    sim_t *sim;
    tcp_params_t defaults;
    GHashTable *conns;     /* conn_key* -> tcp_conn*; lookup only */
    /* A direct-mapped cache in front of `conns` for tcp_input, indexed by
     * the key's hash: a connection found in the table is remembered in its
     * entry, and removed from it when freed. It only ever answers what the
     * table would, in fewer instructions (conn_find). */
    tcp_conn *conn_cache[TCP_CONN_CACHE];
    GHashTable *listeners; /* uint64* -> tcp_listener_t*; lookup only */
    GHashTable *ports;     /* uint64 (addr << 16 | port) -> use count */
    uint32_t port_cursor;
    uint64_t next_id;
    uint32_t isn_bump;
    uint32_t trace_src;
    tcp_stats_fn done_fn;
    void *done_ud;
};

static const stream_ops conn_ops;

/* ---- small helpers ---------------------------------------------------- */

static guint conn_key_hash(gconstpointer k)
{
    const conn_key *c = k;
    guint64 a = ((guint64)c->laddr << 32) ^ c->raddr;
    guint64 b = ((guint64)c->lport << 16) | c->rport;
    a ^= b * 0x9e3779b97f4a7c15ull;
    return (guint)(a ^ (a >> 32));
}

static gboolean conn_key_equal(gconstpointer x, gconstpointer y)
{
    const conn_key *a = x, *b = y;
    return a->laddr == b->laddr && a->raddr == b->raddr && a->lport == b->lport &&
           a->rport == b->rport;
}

/* The connection of key `k`, or NULL: O(1), through the cache. */
static tcp_conn *conn_find(tcp_stack_t *st, const conn_key *k)
{
    tcp_conn **slot = &st->conn_cache[conn_key_hash(k) & (TCP_CONN_CACHE - 1)];
    if (*slot && conn_key_equal(&(*slot)->key, k))
        return *slot;
    tcp_conn *c = g_hash_table_lookup(st->conns, k);
    if (c)
        *slot = c;
    return c;
}

static uint64_t port_key(uint32_t addr, uint16_t port) { return ((uint64_t)addr << 16) | port; }

static void port_take(tcp_stack_t *st, uint32_t addr, uint16_t port)
{
    uint64_t k = port_key(addr, port);
    gpointer v = g_hash_table_lookup(st->ports, &k);
    guint n = GPOINTER_TO_UINT(v) + 1;
    g_hash_table_insert(st->ports, g_memdup2(&k, sizeof k), GUINT_TO_POINTER(n));
}

static void port_give(tcp_stack_t *st, uint32_t addr, uint16_t port)
{
    uint64_t k = port_key(addr, port);
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(st->ports, &k));
    if (n <= 1)
        g_hash_table_remove(st->ports, &k);
    else
        g_hash_table_insert(st->ports, g_memdup2(&k, sizeof k), GUINT_TO_POINTER(n - 1));
}

static bool port_used(tcp_stack_t *st, uint32_t addr, uint16_t port)
{
    uint64_t k = port_key(addr, port);
    return g_hash_table_contains(st->ports, &k);
}

static sim_time_t now_of(const tcp_conn *c) { return sim_now(c->st->sim); }
static bool is_ideal(const tcp_conn *c) { return c->p.cc == TCP_CC_IDEAL; }
static bool is_cubic(const tcp_conn *c) { return c->p.cc == TCP_CC_CUBIC; }
/* NewReno's partial ACKs (RFC 6582): newreno, and cubic, which changes
 * only the window's growth and reduction. */
static bool newreno_recovery(const tcp_conn *c) { return c->p.cc == TCP_CC_NEWRENO || is_cubic(c); }

/* The slow-start threshold after a congestion event: half the flight
 * (RFC 5681 equation 4), or CUBIC's beta times the window (RFC 9438 4.6). */
static uint32_t loss_ssthresh(tcp_conn *c)
{
    c->hs.active = false; /* HyStart++ runs in the initial slow start only */
    if (is_cubic(c))
        return tcp_cubic_on_loss(&c->cubic, c->cwnd, c->p.mss);
    /* Segments sent by limited transmit are not part of the flight here
     * (RFC 5681 section 3.2, step 2). */
    uint32_t flight = c->snd_max - c->snd_una;
    flight -= MIN(flight, c->lt_bytes);
    return MAX(flight / 2, 2 * c->p.mss);
}

/* A bounded text buffer for trace lines, written without printf: the
 * transitions of every connection are a trace record each, and printf was
 * about 4,000 instructions of one. `n` may pass `cap`: the line was cut. */
typedef struct {
    char *buf;
    size_t n, cap;
} line_buf;

static void line_str(line_buf *b, const char *s)
{
    size_t len = strlen(s);
    if (b->n + len < b->cap)
        memcpy(b->buf + b->n, s, len);
    b->n += len;
}

static void line_uint(line_buf *b, uint64_t v)
{
    char digits[20];
    int k = 0;
    do {
        digits[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k > 0) {
        if (b->n + 1 < b->cap)
            b->buf[b->n] = digits[k - 1];
        b->n++;
        k--;
    }
}

/* Records a transition on the trace bus as the text "tcp ID HOST:PORT->PEER:PORT FROM -> TO", formatted
 * only when someone listens. A line longer than the buffer (very long node names) is printed with printf. */
static void trace_state(tcp_conn *c, tcp_state to)
{
    sim_trace_t *bus = sim_trace(c->st->sim);
    if (!sim_trace_wants(bus, SIM_TR_APP))
        return;
    const char *host = node_name(c->host);
    const node_t *peer = net_node_by_addr(c->st->net, c->key.raddr);
    const char *pname = peer ? node_name(peer) : "(null)";
    char text[256];
    line_buf b = {text, 0, sizeof text};
    line_str(&b, "tcp ");
    line_uint(&b, c->s.id);
    line_str(&b, " ");
    line_str(&b, host);
    line_str(&b, ":");
    line_uint(&b, c->key.lport);
    line_str(&b, "->");
    line_str(&b, pname);
    line_str(&b, ":");
    line_uint(&b, c->key.rport);
    line_str(&b, " ");
    line_str(&b, state_names[c->state]);
    line_str(&b, " -> ");
    line_str(&b, state_names[to]);
    if (b.n >= b.cap) {
        sim_trace_app(bus, now_of(c), c->st->trace_src, "tcp %" G_GUINT64_FORMAT " %s:%u->%s:%u %s -> %s", c->s.id,
                      host, c->key.lport, pname, c->key.rport, state_names[c->state], state_names[to]);
        return;
    }
    text[b.n] = '\0';
    sim_trace_rec rec = {.kind = SIM_TR_APP, .time = now_of(c), .source = c->st->trace_src, .text = text};
    sim_trace_emit(bus, &rec);
}

static void set_state(tcp_conn *c, tcp_state to)
{
    if (c->state == to)
        return;
    trace_state(c, to);
    c->state = to;
    if (to == TS_ESTABLISHED && c->stats.established < 0)
        c->stats.established = now_of(c);
    if (to == TS_CLOSED)
        c->stats.closed = now_of(c);
}

static void record_cwnd(tcp_conn *c)
{
    if (!c->cwnd_samples)
        return;
    tcp_cwnd_sample s = {now_of(c), (uint32_t)MIN(c->cwnd, (double)UINT32_MAX)};
    if (c->cwnd_samples->len) {
        tcp_cwnd_sample *last = &g_array_index(c->cwnd_samples, tcp_cwnd_sample,
                                               c->cwnd_samples->len - 1);
        if (last->cwnd == s.cwnd)
            return;
        if (last->t == s.t) {
            last->cwnd = s.cwnd;
            return;
        }
    }
    g_array_append_val(c->cwnd_samples, s);
}

/* Loss recovery starts or ends (tcp_stats_t.recovery_time). */
static void recovery_enter(tcp_conn *c)
{
    c->in_recovery = true;
    c->recovery_since = now_of(c);
}

static void recovery_leave(tcp_conn *c)
{
    if (c->in_recovery)
        c->stats.recovery_time += now_of(c) - c->recovery_since;
    c->in_recovery = false;
}

/* The window we advertise: the receive buffer less what the application
 * has not read yet. Out-of-order data held for reassembly lies inside this
 * window and does not shrink it (a window never shrinks, RFC 1122 4.2.2.16,
 * and duplicate ACKs keep an unchanged window, as fast retransmit needs). */
static uint32_t rcv_space(const tcp_conn *c)
{
    if (is_ideal(c) || c->p.rcvbuf == 0)
        return WINDOW_UNLIMITED;
    return c->rq_bytes >= c->p.rcvbuf ? 0 : (uint32_t)(c->p.rcvbuf - c->rq_bytes);
}

/* The bytes the sender may have in flight. */
static uint64_t send_window(const tcp_conn *c)
{
    if (is_ideal(c))
        return c->snd_wnd;
    return MIN((uint64_t)c->cwnd, (uint64_t)c->snd_wnd);
}

static uint32_t data_end(const tcp_conn *c) { return c->sb_seq + (uint32_t)c->sb.total; }

static sim_time_t current_rto(const tcp_conn *c)
{
    sim_time_t r = c->rto;
    for (uint32_t i = 0; i < c->backoff && r < c->p.rto_max; i++)
        r *= 2;
    return MIN(r, c->p.rto_max);
}

/* ---- events ----------------------------------------------------------- */

static void ev_output(sim_t *sim, void *ctx, void *arg);
static void ev_notify(sim_t *sim, void *ctx, void *arg);
static void ev_rto(sim_t *sim, void *ctx, void *arg);
static void ev_delack(sim_t *sim, void *ctx, void *arg);
static void ev_timewait(sim_t *sim, void *ctx, void *arg);
static void ev_persist(sim_t *sim, void *ctx, void *arg);
static void ev_reap(sim_t *sim, void *ctx, void *arg);

static void kick(tcp_conn *c)
{
    if (!c->ev_output && c->state != TS_CLOSED)
        c->ev_output = sim_schedule_in(c->st->sim, 0, ev_output, c, NULL);
}

static void notify(tcp_conn *c, unsigned flags)
{
    c->notify |= flags;
    if (!c->ev_notify)
        c->ev_notify = sim_schedule_in(c->st->sim, 0, ev_notify, c, NULL);
}

/* (Re)starts the retransmission timer. It is pushed back on almost every
 * ACK, so it is rescheduled rather than cancelled and scheduled again: a
 * later deadline only records the new time (sim_reschedule), and the timer
 * still fires at the same instant and in the same order among ties. */
static void rto_arm(tcp_conn *c)
{
    sim_t *sim = c->st->sim;
    c->ev_rto = sim_reschedule(sim, c->ev_rto, sim_now(sim) + current_rto(c), ev_rto, c, NULL);
}

static void rto_stop(tcp_conn *c)
{
    sim_cancel(c->st->sim, c->ev_rto);
    c->ev_rto = SIM_EVENT_NONE;
}

static void maybe_reap(tcp_conn *c)
{
    if (c->state != TS_CLOSED || c->ev_reap)
        return;
    if (c->exposed && !c->app_gone)
        return;
    c->ev_reap = sim_schedule_in(c->st->sim, 0, ev_reap, c, NULL);
}

/* ---- sending ---------------------------------------------------------- */

/* A segment held back by the send jitter leaves the host now. */
static void ev_depart(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    tcp_stack_t *st = ctx;
    pkt_t *p = arg;
    net_send(st->net, net_node_by_addr(st->net, p->src), p);
}

/* Why a segment leaves now (pkt_cause), for the world's time breakdown:
 * a SYN is the handshake (or a timeout's retransmission of it); data below
 * snd_max is a retransmission; new data is the application's when its
 * bytes were written at this very instant, otherwise it waited for the
 * window; a pure ACK was sent at once or by the delayed-ACK timer. It
 * reads the connection and changes nothing. */
static uint8_t segment_cause(const tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
    if (flags & PKT_SYN)
        return c->retries > 0 ? PKT_CAUSE_RTO : PKT_CAUSE_HANDSHAKE;
    if (len == 0 && !(flags & PKT_FIN))
        return c->cause_hint == PKT_CAUSE_DELACK ? PKT_CAUSE_DELACK : PKT_CAUSE_ACK;
    if (SEQ_LT(seq, c->snd_max))
        return c->cause_hint == PKT_CAUSE_FAST_RETX ? PKT_CAUSE_FAST_RETX : PKT_CAUSE_RTO;
    if (c->write_time == now_of(c) && SEQ_GEQ(seq, c->write_seq))
        return PKT_CAUSE_APP;
    return PKT_CAUSE_WINDOW;
}

/* The block of held out-of-order bytes [*a, *b) that holds byte `m`:
 * segments that overlap or touch are one block. False when no held byte
 * is `m`. O(segments held). */
static bool ooo_block_of(const tcp_conn *c, uint32_t m, uint32_t *a, uint32_t *b)
{
    const pkt_t *q = c->ooo;
    while (q) {
        uint32_t lo = q->seq, hi = q->seq + q->len;
        for (q = q->next; q && SEQ_LEQ(q->seq, hi); q = q->next)
            if (SEQ_GT(q->seq + q->len, hi))
                hi = q->seq + q->len;
        if (SEQ_LEQ(lo, m) && SEQ_LT(m, hi)) {
            *a = lo;
            *b = hi;
            return true;
        }
    }
    return false;
}

/* The SACK blocks of an ACK (RFC 2018 section 4): the block holding the
 * most recently received out-of-order segment first, then the blocks
 * reported most recently, as many as the 40 option bytes allow (4, or 3
 * beside timestamps). Blocks since filled or acknowledged are left out.
 * O(blocks x segments held). */
static void sack_fill(tcp_conn *c, pkt_t *p)
{
    uint32_t max = c->ts_on ? 3 : PKT_SACK_MAX, n = 0;
    for (uint32_t i = 0; i < c->sack_nmark && n < max; i++) {
        uint32_t a, b;
        if (!ooo_block_of(c, c->sack_mark[i], &a, &b))
            continue;
        bool seen = false;
        for (uint32_t j = 0; j < n && !seen; j++)
            seen = p->sack[2 * j] == a;
        if (seen)
            continue;
        p->sack[2 * n] = a;
        p->sack[2 * n + 1] = b;
        n++;
    }
    /* The next ACK repeats these, in this order, unless a new one comes first. */
    for (uint32_t j = 0; j < n; j++)
        c->sack_mark[j] = p->sack[2 * j];
    c->sack_nmark = n;
    p->sack_n = (uint8_t)n;
    c->stats.sack_blocks_sent += n;
}

/* An out-of-order segment starting at `seq` is held: its block goes first. */
static void sack_mark_new(tcp_conn *c, uint32_t seq)
{
    uint32_t n = MIN(c->sack_nmark, (uint32_t)G_N_ELEMENTS(c->sack_mark) - 1);
    memmove(c->sack_mark + 1, c->sack_mark, n * sizeof c->sack_mark[0]);
    c->sack_mark[0] = seq;
    c->sack_nmark = n + 1;
}

/* Sends one segment. Data comes from the send buffer at `seq`. */
static void send_segment(tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
    tcp_stack_t *st = c->st;
    pkt_t *p = pkt_alloc(net_pool(st->net), now_of(c));
    p->proto = PKT_PROTO_TCP;
    p->dst = c->key.raddr;
    p->sport = c->key.lport;
    p->dport = c->key.rport;
    p->hdr_bytes = net_header_bytes(st->net, PKT_PROTO_TCP);
    /* Option bytes as Linux lays them out, each group padded with NOPs to
     * a multiple of 4 (RFC 7323 appendix A, RFC 2018): timestamps are
     * kind, length, TSval, TSecr (10 bytes, 12 with two NOPs; TSval is the
     * packet's `created`); a SYN's SACK-permitted (2 bytes) goes with them
     * (12 in all) or alone (4); a SACK option is kind, length and 8 bytes
     * per block, with two NOPs: 4 + 8n. */
    uint32_t opt = 0;
    if (c->ts_on) {
        opt += 10;
        p->tcp_opts |= PKT_OPT_TS;
    }
    if (c->sack_on && (flags & PKT_SYN)) {
        opt += 2;
        p->tcp_opts |= PKT_OPT_SACKOK;
    }
    opt = (opt + 3) & ~3u;
    if (c->sack_on && c->ooo && (flags & PKT_ACK) && !(flags & (PKT_SYN | PKT_RST))) {
        sack_fill(c, p);
        if (p->sack_n)
            opt += 4 + 8 * p->sack_n;
    }
    p->hdr_bytes += opt;
    p->seq = seq;
    p->tcp_flags = flags;
    if (flags & PKT_ACK) {
        p->ack = c->rcv_nxt;
        p->ts_ecr = c->ts_recent;
        c->last_ack_sent = c->rcv_nxt;
        c->ack_now = false;
        c->unacked_segs = 0;
        if (c->ev_delack) { /* mostly not: skip the call */
            sim_cancel(st->sim, c->ev_delack);
            c->ev_delack = SIM_EVENT_NONE;
        }
    }
    p->wnd = rcv_space(c);
    p->cause = segment_cause(c, seq, len, flags);
    if (len) {
        p->data = tcp_sendbuf_extract(&c->sb, (uint32_t)(seq - c->sb_seq), len);
        p->len = len;
    }
    c->stats.segs_sent++;
    if (c->p.send_jitter > 0) {
        /* Leave after a random delay, never before the previous segment. */
        sim_time_t at = now_of(c) + (sim_time_t)sim_rng_below(&c->jitter_rng,
                                                              (uint64_t)c->p.send_jitter + 1);
        if (at < c->last_departure)
            at = c->last_departure;
        c->last_departure = at;
        p->src = c->key.laddr;
        sim_schedule_at(st->sim, at, ev_depart, st, p);
        return;
    }
    net_send(st->net, c->host, p);
}

static void send_rst(tcp_stack_t *st, node_t *host, const pkt_t *to)
{
    pkt_t *p = pkt_alloc(net_pool(st->net), sim_now(st->sim));
    p->proto = PKT_PROTO_TCP;
    p->dst = to->src;
    p->sport = to->dport;
    p->dport = to->sport;
    p->hdr_bytes = net_header_bytes(st->net, PKT_PROTO_TCP);
    if (to->tcp_flags & PKT_ACK) {
        p->seq = to->ack;
        p->tcp_flags = PKT_RST;
    } else {
        p->seq = 0;
        p->ack = to->seq + to->len + ((to->tcp_flags & PKT_SYN) ? 1 : 0) +
                 ((to->tcp_flags & PKT_FIN) ? 1 : 0);
        p->tcp_flags = PKT_RST | PKT_ACK;
    }
    net_send(st->net, host, p);
}

static void send_syn(tcp_conn *c)
{
    uint8_t flags = c->state == TS_SYN_RCVD ? (PKT_SYN | PKT_ACK) : PKT_SYN;
    if (!c->rtt_timing && c->retries == 0) {
        c->rtt_timing = true;
        c->rtt_seq = c->iss + 1;
        c->rtt_start = now_of(c);
    }
    send_segment(c, c->iss, 0, flags);
    rto_arm(c);
}

/* Resends the segment at snd_una (fast retransmit, partial ACKs). */
static void retransmit_first(tcp_conn *c)
{
    uint32_t end = data_end(c);
    uint32_t len = SEQ_LT(c->snd_una, end) ? MIN(c->p.mss, end - c->snd_una) : 0;
    uint8_t flags = PKT_ACK;
    if (c->fin_sent && c->snd_una + len == c->fin_seq)
        flags |= PKT_FIN;
    if (len == 0 && !(flags & PKT_FIN))
        return;
    c->rtt_timing = false; /* Karn: never time a retransmitted segment */
    c->stats.retransmits++;
    c->stats.bytes_retransmitted += len;
    c->cause_hint = PKT_CAUSE_FAST_RETX;
    send_segment(c, c->snd_una, len, flags);
    c->cause_hint = PKT_CAUSE_NONE;
    rto_arm(c);
}

/* Sends `len` bytes at snd_nxt (with the FIN when they end the stream and
 * the application has shut down writing); `end` is data_end(). */
static void emit_data(tcp_conn *c, uint32_t len, uint32_t end)
{
    uint8_t flags = PKT_ACK;
    bool fin = c->fin_pending && c->snd_nxt + len == end;
    if (fin)
        flags |= PKT_FIN;
    bool fresh = SEQ_GEQ(c->snd_nxt, c->snd_max);
    if (!fresh) {
        c->stats.retransmits++;
        /* only the part below snd_max was sent before */
        c->stats.bytes_retransmitted += MIN(len, c->snd_max - c->snd_nxt);
    }
    if (fresh && !c->rtt_timing) {
        c->rtt_timing = true;
        c->rtt_seq = c->snd_nxt + len;
        c->rtt_start = now_of(c);
    } else if (!fresh) {
        c->rtt_timing = false;
    }
    send_segment(c, c->snd_nxt, len, flags);
    c->snd_nxt += len;
    if (fin) {
        c->fin_sent = true;
        c->fin_seq = end;
        c->fin_seq_valid = true;
        c->snd_nxt++;
    }
    if (SEQ_GT(c->snd_nxt, c->snd_max))
        c->snd_max = c->snd_nxt;
    if (!c->ev_rto)
        rto_arm(c);
}

/* Sends a FIN alone at snd_nxt == `end`. */
static void emit_fin(tcp_conn *c, uint32_t end)
{
    bool fresh = SEQ_GEQ(c->snd_nxt, c->snd_max);
    if (!fresh)
        c->stats.retransmits++;
    send_segment(c, c->snd_nxt, 0, PKT_ACK | PKT_FIN);
    c->fin_sent = true;
    c->fin_seq = end;
    c->fin_seq_valid = true;
    c->snd_nxt++;
    if (SEQ_GT(c->snd_nxt, c->snd_max))
        c->snd_max = c->snd_nxt;
    if (!c->ev_rto)
        rto_arm(c);
}

/* SACK recovery: sends again at most `room` bytes of the hole at `seq`
 * (one segment; the FIN with it when it ends there) and moves HighRxt
 * past them. False when there was nothing to send. */
static bool sack_resend(tcp_conn *c, uint32_t seq, uint32_t room)
{
    uint32_t end = data_end(c);
    uint32_t len = SEQ_LT(seq, end) ? MIN(MIN(c->p.mss, end - seq), room) : 0;
    uint8_t flags = PKT_ACK;
    if (c->fin_sent && seq + len == c->fin_seq)
        flags |= PKT_FIN;
    if (len == 0 && !(flags & PKT_FIN))
        return false;
    c->rtt_timing = false; /* Karn: never time a retransmitted segment */
    c->stats.retransmits++;
    c->stats.sack_retransmits++;
    c->stats.bytes_retransmitted += len;
    c->cause_hint = PKT_CAUSE_FAST_RETX;
    send_segment(c, seq, len, flags);
    c->cause_hint = PKT_CAUSE_NONE;
    uint32_t next = seq + len + ((flags & PKT_FIN) ? 1 : 0);
    if (SEQ_GT(next, c->high_rxt))
        c->high_rxt = next;
    c->prr_out += next - seq;
    return true;
}

/* RFC 6675 NextSeg rule 2: one new segment (or the FIN) if there is data
 * and the peer's window allows it. */
static bool sack_send_new(tcp_conn *c)
{
    uint32_t end = data_end(c);
    uint32_t flight = c->snd_nxt - c->snd_una;
    if (SEQ_LT(c->snd_nxt, end)) {
        uint32_t unsent = end - c->snd_nxt;
        if (flight >= c->snd_wnd)
            return false;
        uint32_t len = MIN(MIN(c->p.mss, unsent), c->snd_wnd - flight);
        if (len < c->p.mss && len < unsent)
            return false;
        uint32_t from = c->snd_nxt;
        emit_data(c, len, end);
        c->prr_out += c->snd_nxt - from;
        return true;
    }
    if (c->fin_pending && !c->fin_sent && c->snd_nxt == end) {
        emit_fin(c, end);
        c->prr_out++;
        return true;
    }
    return false;
}

/* RFC 3042 limited transmit: on the first and second duplicate ACK, one
 * segment of data never sent before, when the peer's window allows it and
 * the flight stays within cwnd + 2 segments; the window does not change. */
static void limited_transmit(tcp_conn *c)
{
    bool can_send = c->state == TS_ESTABLISHED || c->state == TS_CLOSE_WAIT ||
                    c->state == TS_FIN_WAIT_1 || c->state == TS_CLOSING || c->state == TS_LAST_ACK;
    uint32_t end = data_end(c);
    if (!can_send || !SEQ_GEQ(c->snd_nxt, c->snd_max) || !SEQ_LT(c->snd_nxt, end))
        return;
    uint32_t flight = c->snd_nxt - c->snd_una;
    uint32_t len = MIN(c->p.mss, end - c->snd_nxt);
    if ((uint64_t)flight + len > c->snd_wnd || (double)flight + len > c->cwnd + 2.0 * c->p.mss)
        return;
    c->stats.limited_transmits++;
    c->lt_bytes += len;
    emit_data(c, len, end);
}

/* RFC 6937 on an ACK during SACK recovery that delivered `delivered`
 * bytes (the cumulative ACK's advance plus the change in SACKed bytes):
 * while the pipe exceeds ssthresh, the sending follows the deliveries in
 * the proportion ssthresh / RecoverFS; below it, the slow-start reduction
 * bound (PRR-SSRB) lets the pipe grow back to ssthresh by at most one
 * segment more than was delivered. The window becomes pipe + sndcnt, so
 * the output event sends sndcnt bytes as RFC 6675's NextSeg picks them. */
static void prr_on_ack(tcp_conn *c, uint64_t delivered)
{
    uint32_t mss = c->p.mss;
    c->prr_delivered += delivered;
    uint64_t pipe = tcp_sb_pipe(&c->scb, c->snd_una, c->snd_max, c->high_rxt, mss);
    int64_t sndcnt;
    if (pipe > c->ssthresh) {
        uint64_t fs = MAX(c->recover_fs, 1u);
        uint64_t share = (c->prr_delivered * c->ssthresh + fs - 1) / fs; /* CEIL */
        sndcnt = (int64_t)share - (int64_t)c->prr_out;
    } else {
        int64_t limit = MAX((int64_t)c->prr_delivered - (int64_t)c->prr_out, (int64_t)delivered) + mss;
        sndcnt = MIN((int64_t)c->ssthresh - (int64_t)pipe, limit);
    }
    if (sndcnt < 0)
        sndcnt = 0;
    c->cwnd = (double)(pipe + (uint64_t)sndcnt);
    record_cwnd(c);
}

/* RFC 6675 section 5 step (C): while cwnd - pipe >= 1 SMSS, send what
 * NextSeg says: a lost hole (rule 1), new data (rule 2), any hole below
 * the highest SACKed byte (rule 3). O(segments sent x ranges). */
static void sack_output(tcp_conn *c)
{
    uint32_t mss = c->p.mss;
    for (;;) {
        uint64_t pipe = tcp_sb_pipe(&c->scb, c->snd_una, c->snd_max, c->high_rxt, mss);
        if (c->cwnd < (double)pipe + mss)
            break;
        uint32_t seq, room;
        if (tcp_sb_next_hole(&c->scb, c->snd_una, c->high_rxt, mss, true, &seq, &room)) {
            if (!sack_resend(c, seq, room))
                break;
            continue;
        }
        if (sack_send_new(c))
            continue;
        if (!tcp_sb_next_hole(&c->scb, c->snd_una, c->high_rxt, mss, false, &seq, &room) ||
            !sack_resend(c, seq, room))
            break;
    }
}

/* Sends what the windows allow, then a pure ACK if one is still due. */
static void conn_output(tcp_conn *c)
{
    if (c->state == TS_CLOSED || c->state == TS_SYN_SENT || c->state == TS_SYN_RCVD ||
        c->state == TS_TIME_WAIT) {
        if (c->state == TS_TIME_WAIT && c->ack_now)
            send_segment(c, c->snd_nxt, 0, PKT_ACK);
        return;
    }
    bool can_send = c->state == TS_ESTABLISHED || c->state == TS_CLOSE_WAIT ||
                    c->state == TS_FIN_WAIT_1 || c->state == TS_CLOSING || c->state == TS_LAST_ACK;
    if (can_send && c->sack_on && c->in_recovery) {
        sack_output(c); /* the pipe, not the flight, limits what leaves */
        can_send = false;
    }
    while (can_send) {
        uint32_t end = data_end(c);
        uint32_t flight = c->snd_nxt - c->snd_una;
        if (SEQ_LT(c->snd_nxt, end)) {
            uint32_t unsent = end - c->snd_nxt;
            uint64_t wnd = send_window(c);
            if (flight >= wnd) {
                if (flight == 0 && !c->ev_persist) /* zero window: probe later */
                    c->ev_persist = sim_schedule_in(c->st->sim, current_rto(c), ev_persist, c, NULL);
                break;
            }
            uint32_t len = (uint32_t)MIN((uint64_t)MIN(c->p.mss, unsent), wnd - flight);
            /* Avoid a runt segment while others are in flight (the window will open). */
            if (len < c->p.mss && len < unsent && flight > 0)
                break;
            emit_data(c, len, end);
            continue;
        }
        if (c->fin_pending && !c->fin_sent && c->snd_nxt == end)
            emit_fin(c, end);
        break;
    }
    if (c->ack_now)
        send_segment(c, c->snd_nxt, 0, PKT_ACK);
}

static void ev_output(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    tcp_conn *c = ctx;
    c->ev_output = SIM_EVENT_NONE;
    conn_output(c);
}

/* ---- failure and closing ---------------------------------------------- */

/* Ends the connection with an error the application is told about. */
static void conn_fail(tcp_conn *c, stream_err err, bool send_reset)
{
    if (send_reset && c->state != TS_CLOSED) {
        send_segment(c, c->snd_nxt, 0, PKT_RST | PKT_ACK);
    }
    c->err = err;
    c->stats.error = err;
    rto_stop(c);
    set_state(c, TS_CLOSED);
    if (c->exposed && !c->app_gone)
        notify(c, N_ERROR);
    else
        maybe_reap(c);
}

static void enter_time_wait(tcp_conn *c)
{
    set_state(c, TS_TIME_WAIT);
    rto_stop(c);
    sim_cancel(c->st->sim, c->ev_timewait);
    c->ev_timewait = sim_schedule_in(c->st->sim, c->p.time_wait, ev_timewait, c, NULL);
}

static void ev_timewait(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    tcp_conn *c = ctx;
    c->ev_timewait = SIM_EVENT_NONE;
    set_state(c, TS_CLOSED);
    maybe_reap(c);
}

static void ev_delack(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    tcp_conn *c = ctx;
    c->ev_delack = SIM_EVENT_NONE;
    c->ack_now = true;
    c->cause_hint = PKT_CAUSE_DELACK;
    conn_output(c);
    c->cause_hint = PKT_CAUSE_NONE;
}

static void ev_persist(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    tcp_conn *c = ctx;
    c->ev_persist = SIM_EVENT_NONE;
    uint32_t end = data_end(c);
    if (c->snd_nxt != c->snd_una || !SEQ_LT(c->snd_nxt, end) || send_window(c) > 0) {
        conn_output(c);
        return;
    }
    /* A one-byte probe beyond the closed window; its ACK brings the window. */
    bool fresh = SEQ_GEQ(c->snd_nxt, c->snd_max);
    send_segment(c, c->snd_nxt, 1, PKT_ACK);
    c->snd_nxt += 1;
    if (fresh)
        c->snd_max = c->snd_nxt;
    rto_arm(c);
}

/* ---- timeouts --------------------------------------------------------- */

/* A timeout resends now: remember when, for the spurious check. */
static void rto_episode_add(tcp_conn *c)
{
    if (c->rto_n < TCP_EPISODE_MAX)
        c->rto_at[c->rto_n] = now_of(c);
    c->rto_n++;
}

/* `p` acknowledges new data (or our SYN) for the first time since the
 * episode's timeouts: each timeout that resent after the copy whose
 * timestamp `p` echoes was spurious (that copy had arrived). Ends the
 * episode. O(timeouts in the episode). */
static void rto_episode_end(tcp_conn *c, const pkt_t *p)
{
    for (uint32_t i = 0; i < c->rto_n; i++) {
        sim_time_t at = c->rto_at[MIN(i, (uint32_t)TCP_EPISODE_MAX - 1)];
        if (p->ts_ecr < at)
            c->stats.spurious_timeouts++;
    }
    c->rto_n = 0;
}

static void ev_rto(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    tcp_conn *c = ctx;
    c->ev_rto = SIM_EVENT_NONE;
    if (c->state == TS_CLOSED || c->state == TS_TIME_WAIT)
        return;
    c->retries++;
    c->stats.timeouts++;
    c->backoff++;
    c->rtt_timing = false;
    if (c->state == TS_SYN_SENT || c->state == TS_SYN_RCVD) {
        if (c->retries > c->p.syn_retries) {
            conn_fail(c, STREAM_ERR_TIMEOUT, false);
            return;
        }
        c->stats.retransmits++;
        rto_episode_add(c);
        send_syn(c);
        return;
    }
    if (c->snd_una == c->snd_max)
        return; /* nothing outstanding */
    if (c->retries > c->p.max_retries) {
        conn_fail(c, STREAM_ERR_TIMEOUT, true);
        return;
    }
    rto_episode_add(c);
    if (!is_ideal(c)) {
        c->ssthresh = loss_ssthresh(c);
        c->cwnd = c->p.mss; /* the loss window: one segment */
        record_cwnd(c);
    }
    recovery_leave(c);
    c->dupacks = 0;
    c->lt_bytes = 0;
    c->recover = c->snd_max;
    c->recover_valid = true;
    /* RFC 6675 section 5.1 (and RFC 2018's rule that the receiver may
     * renege): what was SACKed is forgotten; later ACKs report it again. */
    tcp_sb_reset(&c->scb);
    c->high_rxt = c->snd_una;
    /* Go back: resend from the first unacknowledged byte. */
    c->snd_nxt = c->snd_una;
    if (c->fin_sent && SEQ_LEQ(c->snd_nxt, c->fin_seq))
        c->fin_sent = false;
    rto_arm(c);
    c->cause_hint = PKT_CAUSE_RTO;
    conn_output(c);
    c->cause_hint = PKT_CAUSE_NONE;
}

/* ---- round-trip time -------------------------------------------------- */

static void rtt_sample(tcp_conn *c, sim_time_t r)
{
    double rd = (double)r;
    c->hs_rtt = r;
    c->backoff = 0; /* a valid sample ends the back-off (Karn) */
    if (!c->have_rtt) {
        c->srtt = rd;
        c->rttvar = rd / 2;
        c->have_rtt = true;
    } else {
        c->rttvar = 0.75 * c->rttvar + 0.25 * fabs(c->srtt - rd);
        c->srtt = 0.875 * c->srtt + 0.125 * rd;
    }
    sim_time_t rto = (sim_time_t)llround(c->srtt + 4 * c->rttvar);
    c->rto = MIN(MAX(rto, c->p.rto_min), c->p.rto_max);
    double s = rd / 1e9;
    tcp_stats_t *st = &c->stats;
    if (st->rtt_samples == 0 || s < st->rtt_min_s)
        st->rtt_min_s = s;
    if (s > st->rtt_max_s)
        st->rtt_max_s = s;
    st->rtt_samples++;
    c->rtt_sum += s;
}

/* The handshake is complete: its RTT sample, when the SYN (or SYN-ACK) was
 * not retransmitted; otherwise RFC 6298 (5.7): an RTO below 3 s is raised
 * to 3 s for the data, so that a path slower than the initial RTO does not
 * time every segment out. */
static void handshake_rtt(tcp_conn *c)
{
    bool retransmitted = c->retries > 0 || !c->rtt_timing;
    c->retries = 0;
    if (c->rtt_timing) {
        c->rtt_timing = false;
        rtt_sample(c, now_of(c) - c->rtt_start);
    }
    if (retransmitted) {
        c->backoff = 0;
        if (!c->have_rtt && c->rto < SIM_S(3))
            c->rto = MIN(SIM_S(3), c->p.rto_max);
    }
}

/* ---- congestion control ----------------------------------------------- */

static void cc_new_ack(tcp_conn *c, uint32_t acked, uint32_t ack)
{
    if (is_ideal(c)) {
        c->dupacks = 0;
        recovery_leave(c);
        return;
    }
    uint32_t mss = c->p.mss;
    if (c->in_recovery && c->sack_on) {
        /* RFC 6675: a partial ACK changes no window (the output event sends
         * what the pipe allows); an ACK of RecoveryPoint ends recovery. */
        if (SEQ_GEQ(ack, c->recover)) {
            recovery_leave(c);
            c->dupacks = 0;
            c->cwnd = c->ssthresh;
            record_cwnd(c);
        }
        return;
    }
    if (c->in_recovery) {
        if (newreno_recovery(c) && SEQ_LT(ack, c->recover)) {
            /* Partial ACK (RFC 6582): resend the next hole, deflate. */
            retransmit_first(c);
            c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
            if (acked >= mss)
                c->cwnd += mss;
            if (c->cwnd < mss)
                c->cwnd = mss;
            record_cwnd(c);
            return;
        }
        c->cwnd = c->ssthresh; /* leave fast recovery */
        recovery_leave(c);
        c->dupacks = 0;
        record_cwnd(c);
        return;
    }
    c->dupacks = 0;
    if (c->cwnd < c->ssthresh) {
        double inc = MIN(acked, c->p.abc_limit * mss); /* slow start, RFC 3465 byte counting */
        if (c->hs.active) {
            tcp_hs_step step = tcp_hystart_on_ack(&c->hs, ack, c->snd_nxt, c->hs_rtt);
            if (step == TCP_HS_CSS) {
                inc /= TCP_HYSTART_CSS_GROWTH_DIVISOR;
                if (c->stats.hystart_css < 0)
                    c->stats.hystart_css = now_of(c);
            } else if (step == TCP_HS_EXIT) {
                c->ssthresh = (uint32_t)MIN(c->cwnd, (double)UINT32_MAX); /* congestion avoidance */
                c->stats.hystart_exit = now_of(c);
                inc = 0;
            }
        }
        c->cwnd += inc;
    } else if (is_cubic(c))
        c->cwnd = tcp_cubic_on_ack(&c->cubic, c->cwnd, acked, mss, now_of(c),
                                   c->have_rtt ? (sim_time_t)llround(c->srtt) : 0);
    else
        c->cwnd += (double)mss * mss / c->cwnd;    /* congestion avoidance */
    record_cwnd(c);
}

/* A duplicate ACK with SACK (RFC 6675 section 5): recovery starts at
 * DupThresh duplicates, or earlier when the scoreboard says the first
 * unacknowledged segment is lost, unless the cumulative ACK is still below
 * the previous RecoveryPoint. The window becomes ssthresh at once (the
 * congestion control's reduction), the first segment is sent again, and
 * the output event sends what the pipe allows. */
static void sack_dup_ack(tcp_conn *c)
{
    c->dupacks++;
    if (c->in_recovery) {
        kick(c);
        return;
    }
    bool lost = c->dupacks >= TCP_SACK_DUPTHRESH || tcp_sb_is_lost(&c->scb, c->snd_una, c->p.mss);
    if (!lost || (c->recover_valid && SEQ_LT(c->snd_una, c->recover))) {
        if (c->p.limited_transmit && c->dupacks < TCP_SACK_DUPTHRESH)
            limited_transmit(c);
        return;
    }
    c->stats.fast_retransmits++;
    c->stats.sack_recoveries++;
    c->recover = c->snd_max;
    c->recover_valid = true;
    recovery_enter(c);
    c->ssthresh = loss_ssthresh(c);
    c->cwnd = c->ssthresh; /* with PRR, process_ack sets the window after this ACK */
    record_cwnd(c);
    c->prr_delivered = c->prr_out = 0;
    c->recover_fs = c->snd_max - c->snd_una;
    c->high_rxt = c->snd_una;
    if (sack_resend(c, c->snd_una, c->snd_max - c->snd_una))
        rto_arm(c);
    kick(c);
}

static void cc_dup_ack(tcp_conn *c)
{
    uint32_t mss = c->p.mss;
    if (c->sack_on) {
        sack_dup_ack(c);
        return;
    }
    c->dupacks++;
    if (c->in_recovery) {
        if (!is_ideal(c)) {
            c->cwnd += mss; /* each duplicate ACK: a segment has left the network */
            record_cwnd(c);
        }
        kick(c);
        return;
    }
    if (c->dupacks < 3 && c->p.limited_transmit && !is_ideal(c))
        limited_transmit(c);
    if (c->dupacks != 3)
        return;
    if (newreno_recovery(c) && c->recover_valid && SEQ_LEQ(c->snd_una, c->recover))
        return; /* still recovering from an earlier loss (RFC 6582 section 4.1) */
    c->stats.fast_retransmits++;
    c->recover = c->snd_max;
    c->recover_valid = true;
    recovery_enter(c);
    if (!is_ideal(c)) {
        c->ssthresh = loss_ssthresh(c);
        c->cwnd = c->ssthresh + 3.0 * mss;
        record_cwnd(c);
    }
    retransmit_first(c);
    kick(c);
}

/* ---- receiving -------------------------------------------------------- */

static void rq_push(tcp_conn *c, pkt_t *p)
{
    p->next = NULL;
    if (c->rq_tail)
        c->rq_tail->next = p;
    else
        c->rq_head = p;
    c->rq_tail = p;
    c->rq_bytes += p->len - p->off;
}

/* Takes in-order bytes of `p` starting at rcv_nxt (p->off set by caller). */
static void accept_in_order(tcp_conn *c, pkt_t *p, bool fin)
{
    uint32_t n = p->len - p->off;
    c->rcv_nxt += n;
    c->stats.bytes_received += n;
    if (n)
        rq_push(c, p);
    else
        pkt_release(net_pool(c->st->net), p);
    if (fin) {
        c->rcv_nxt++;
        c->fin_rcvd = true;
    }
}

/* Moves now-contiguous out-of-order segments into the read queue. */
static void drain_ooo(tcp_conn *c)
{
    pkt_pool_t *pool = net_pool(c->st->net);
    while (c->ooo && SEQ_LEQ(c->ooo->seq, c->rcv_nxt) && !c->fin_rcvd) {
        pkt_t *p = c->ooo;
        c->ooo = p->next;
        c->ooo_bytes -= p->len;
        uint32_t end = p->seq + p->len;
        bool fin = (p->tcp_flags & PKT_FIN) != 0;
        if (SEQ_GT(end, c->rcv_nxt) || (fin && end == c->rcv_nxt)) {
            p->off = c->rcv_nxt - p->seq;
            accept_in_order(c, p, fin);
        } else {
            pkt_release(pool, p);
        }
    }
}

static void ooo_insert(tcp_conn *c, pkt_t *p)
{
    pkt_t **at = &c->ooo;
    while (*at && SEQ_LT((*at)->seq, p->seq))
        at = &(*at)->next;
    if (*at && (*at)->seq == p->seq && (*at)->len >= p->len) {
        pkt_release(net_pool(c->st->net), p); /* already held */
        return;
    }
    p->next = *at;
    *at = p;
    c->ooo_bytes += p->len;
}

/* The data and FIN of an arriving segment. Takes ownership of `p`. */
static void process_data(tcp_conn *c, pkt_t *p)
{
    pkt_pool_t *pool = net_pool(c->st->net);
    bool fin = (p->tcp_flags & PKT_FIN) != 0;
    bool can_take = c->state == TS_ESTABLISHED || c->state == TS_FIN_WAIT_1 ||
                    c->state == TS_FIN_WAIT_2;
    if (p->len == 0 && !fin) {
        pkt_release(pool, p);
        return;
    }
    if (!can_take || c->fin_rcvd) {
        c->ack_now = true; /* a duplicate after their FIN: acknowledge again */
        pkt_release(pool, p);
        kick(c);
        return;
    }
    uint32_t seq = p->seq, end = p->seq + p->len;
    if (SEQ_GT(seq, c->rcv_nxt)) {
        /* A hole before it: keep it if it fits, and say what we miss. */
        uint32_t space = rcv_space(c);
        if (SEQ_LEQ(end, c->rcv_nxt + space)) {
            if (c->sack_on && p->len)
                sack_mark_new(c, seq);
            ooo_insert(c, p);
        } else
            pkt_release(pool, p);
        c->ack_now = true;
        kick(c);
        return;
    }
    if (SEQ_LT(end, c->rcv_nxt) || (end == c->rcv_nxt && !fin)) {
        c->ack_now = true; /* all old */
        pkt_release(pool, p);
        kick(c);
        return;
    }
    bool had_hole = c->ooo != NULL;
    p->off = c->rcv_nxt - seq;
    uint32_t space = rcv_space(c);
    if (p->len - p->off > space) { /* beyond the window: take what fits */
        p->len = p->off + space;
        fin = false;
    }
    uint64_t before = c->stats.bytes_received;
    accept_in_order(c, p, fin);
    drain_ooo(c);
    if (c->stats.bytes_received > before)
        notify(c, N_DATA);
    if (c->fin_rcvd) {
        notify(c, N_DATA); /* peer_closed follows the data */
        switch (c->state) {
        case TS_ESTABLISHED: set_state(c, TS_CLOSE_WAIT); break;
        case TS_FIN_WAIT_1: set_state(c, TS_CLOSING); break;
        case TS_FIN_WAIT_2: enter_time_wait(c); break;
        default: break;
        }
        c->ack_now = true;
    } else if (had_hole || c->ooo || !c->p.delayed_ack) {
        c->ack_now = true;
    } else if (++c->unacked_segs >= c->p.delack_segments) {
        c->ack_now = true;
    } else if (!c->ev_delack) {
        c->ev_delack = sim_schedule_in(c->st->sim, c->p.delack_timeout, ev_delack, c, NULL);
    }
    kick(c);
}

/* The acknowledgement of an arriving segment. */
static void process_ack(tcp_conn *c, const pkt_t *p)
{
    uint32_t ack = p->ack;
    if (SEQ_GT(ack, c->snd_max)) {
        c->ack_now = true; /* acknowledges what we never sent */
        kick(c);
        return;
    }
    c->hs_rtt = -1;
    uint32_t una0 = c->snd_una;
    uint64_t sacked0 = c->scb.sacked;
    if (c->sack_on && p->sack_n) {
        uint32_t una = SEQ_GT(ack, c->snd_una) ? ack : c->snd_una;
        for (uint32_t i = 0; i < p->sack_n && i < PKT_SACK_MAX; i++)
            tcp_sb_add(&c->scb, una, c->snd_max, p->sack[2 * i], p->sack[2 * i + 1]);
    }
    bool window_changed = p->wnd != c->snd_wnd;
    if (SEQ_GT(ack, c->snd_una)) {
        uint32_t acked = ack - c->snd_una;
        /* Our FIN is acknowledged by any ACK beyond it, also one that
         * arrives after a timeout has set the FIN to be sent again. */
        bool fin_acked = c->fin_seq_valid && SEQ_GT(ack, c->fin_seq);
        if (fin_acked)
            c->fin_sent = true;
        uint32_t data_acked = acked - (fin_acked ? 1 : 0);
        if (data_acked > c->sb.total) /* a probe byte counted twice cannot happen; guard */
            data_acked = (uint32_t)c->sb.total;
        tcp_sendbuf_consume(&c->sb, data_acked);
        c->sb_seq += data_acked;
        c->stats.bytes_sent += data_acked;
        c->snd_una = ack;
        c->lt_bytes = 0;
        if (SEQ_LT(c->snd_nxt, c->snd_una))
            c->snd_nxt = c->snd_una;
        if (c->sack_on)
            tcp_sb_advance(&c->scb, ack);
        rto_episode_end(c, p);
        c->retries = 0; /* progress; but the backed-off RTO stays until a valid sample */
        c->snd_wnd = p->wnd;
        if (c->ts_on && (p->tcp_opts & PKT_OPT_TS)) {
            /* RTTM (RFC 7323, 4.1): every ACK of new data echoes the send
             * time of the segment it answers, retransmissions included. */
            c->rtt_timing = false;
            rtt_sample(c, now_of(c) - p->ts_ecr);
        } else if (c->rtt_timing && SEQ_GEQ(ack, c->rtt_seq)) {
            c->rtt_timing = false;
            rtt_sample(c, now_of(c) - c->rtt_start);
        }
        cc_new_ack(c, acked, ack);
        if (c->snd_una == c->snd_max)
            rto_stop(c);
        else
            rto_arm(c);
        if (c->want_writable && !c->app_gone &&
            (c->p.sndbuf == 0 || is_ideal(c) || c->sb.total < c->p.sndbuf))
            notify(c, N_WRITABLE);
        if (fin_acked) {
            switch (c->state) {
            case TS_FIN_WAIT_1:
                set_state(c, TS_FIN_WAIT_2);
                if (c->app_gone) {
                    sim_cancel(c->st->sim, c->ev_timewait);
                    c->ev_timewait =
                        sim_schedule_in(c->st->sim, FIN_WAIT_2_TIMEOUT, ev_timewait, c, NULL);
                }
                break;
            case TS_CLOSING: enter_time_wait(c); break;
            case TS_LAST_ACK:
                set_state(c, TS_CLOSED);
                rto_stop(c);
                maybe_reap(c);
                return;
            default: break;
            }
        }
        kick(c);
    } else if (ack == c->snd_una) {
        c->snd_wnd = p->wnd;
        bool dup = p->len == 0 && !(p->tcp_flags & (PKT_SYN | PKT_FIN)) && !window_changed &&
                   c->snd_una != c->snd_max;
        if (dup)
            cc_dup_ack(c);
        else if (window_changed)
            kick(c);
    }
    if (c->p.prr && c->sack_on && c->in_recovery) {
        /* RFC 6937's DeliveredData: the cumulative ACK's advance plus the
         * change in SACKed bytes (negative when the ACK covers SACKed ones). */
        int64_t delivered = (int64_t)(c->snd_una - una0) + (int64_t)c->scb.sacked - (int64_t)sacked0;
        prr_on_ack(c, delivered > 0 ? (uint64_t)delivered : 0);
    }
    if (c->ev_persist && send_window(c) > 0) {
        sim_cancel(c->st->sim, c->ev_persist);
        c->ev_persist = SIM_EVENT_NONE;
        kick(c);
    }
}

/* ---- connections ------------------------------------------------------ */

static tcp_conn *conn_new(tcp_stack_t *st, node_t *host, uint32_t raddr, uint16_t lport,
                          uint16_t rport, const tcp_params_t *p, bool active)
{
    tcp_conn *c = g_new0(tcp_conn, 1);
    c->write_time = -1;
    c->s.ops = &conn_ops;
    c->s.id = st->next_id++;
    c->st = st;
    c->host = host;
    c->key = (conn_key){node_addr(host), raddr, lport, rport};
    c->p = *p;
    if (is_ideal(c)) {
        c->p.sndbuf = 0; /* unlimited */
        c->p.rcvbuf = 0;
    }
    c->active = active;
    c->reading = true;
    c->state = TS_CLOSED;
    c->iss = (uint32_t)(now_of(c) / 4000) + st->isn_bump;
    st->isn_bump += 64000;
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->sb_seq = c->iss + 1;
    tcp_sendbuf_init(&c->sb);
    c->cwnd = is_ideal(c) ? (double)UINT32_MAX : (double)c->p.init_cwnd * c->p.mss;
    c->ssthresh = c->p.init_ssthresh ? c->p.init_ssthresh : UINT32_MAX;
    tcp_cubic_init(&c->cubic);
    tcp_hystart_init(&c->hs, c->p.hystart && is_cubic(c));
    c->hs_rtt = -1;
    c->snd_wnd = c->p.mss; /* until the peer tells */
    c->rto = c->p.rto_initial;
    c->ts_on = active && c->p.timestamps; /* the SYN offers it; passive_open decides */
    c->sack_on = active && c->p.sack && !is_ideal(c); /* likewise */
    tcp_sb_init(&c->scb);
    if (c->p.record_cwnd)
        c->cwnd_samples = g_array_new(FALSE, FALSE, sizeof(tcp_cwnd_sample));
    if (c->p.send_jitter > 0) {
        char *name = g_strdup_printf("tcp:%s:%u:jitter", node_name(host), lport);
        sim_rng_init(&c->jitter_rng, sim_seed(st->sim), name);
        g_free(name);
    }
    c->stats.id = c->s.id;
    c->stats.local = c->key.laddr;
    c->stats.remote = raddr;
    c->stats.lport = lport;
    c->stats.rport = rport;
    c->stats.active = active;
    c->stats.opened = now_of(c);
    c->stats.established = -1;
    c->stats.hystart_css = c->stats.hystart_exit = -1;
    c->stats.closed = -1;
    g_hash_table_insert(st->conns, &c->key, c);
    port_take(st, c->key.laddr, lport);
    record_cwnd(c);
    return c;
}

static void fill_stats(const tcp_conn *c, tcp_stats_t *out)
{
    *out = c->stats;
    out->rtt_mean_s = c->stats.rtt_samples ? c->rtt_sum / (double)c->stats.rtt_samples : 0;
    out->srtt_s = c->have_rtt ? c->srtt / 1e9 : 0;
    out->cwnd = (uint32_t)MIN(c->cwnd, (double)UINT32_MAX);
    out->ssthresh = c->ssthresh;
    out->sack = c->sack_on && c->state != TS_SYN_SENT;
    out->cwnd_samples =
        c->cwnd_samples ? (const tcp_cwnd_sample *)(const void *)c->cwnd_samples->data : NULL;
    out->n_cwnd_samples = c->cwnd_samples ? c->cwnd_samples->len : 0;
}

static void free_queue(pkt_pool_t *pool, pkt_t *p)
{
    while (p) {
        pkt_t *n = p->next;
        pkt_release(pool, p);
        p = n;
    }
}

/* Releases a connection: events, packets, port, table entry. */
static void conn_destroy(tcp_conn *c, bool report)
{
    tcp_stack_t *st = c->st;
    sim_t *sim = st->sim;
    sim_event_id *evs[] = {&c->ev_output,   &c->ev_notify,  &c->ev_rto, &c->ev_delack,
                           &c->ev_timewait, &c->ev_persist, &c->ev_reap};
    for (size_t i = 0; i < G_N_ELEMENTS(evs); i++)
        sim_cancel(sim, *evs[i]);
    if (report && st->done_fn) {
        tcp_stats_t s;
        fill_stats(c, &s);
        st->done_fn(st->done_ud, &s);
    }
    if (c->listener)
        c->listener->pending--;
    free_queue(net_pool(st->net), c->rq_head);
    free_queue(net_pool(st->net), c->ooo);
    tcp_sendbuf_clear(&c->sb);
    tcp_sb_clear(&c->scb);
    if (c->cwnd_samples)
        g_array_free(c->cwnd_samples, TRUE);
    g_hash_table_remove(st->conns, &c->key);
    tcp_conn **slot = &st->conn_cache[conn_key_hash(&c->key) & (TCP_CONN_CACHE - 1)];
    if (*slot == c)
        *slot = NULL;
    port_give(st, c->key.laddr, c->key.lport);
    g_free(c);
}

static void ev_reap(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    tcp_conn *c = ctx;
    c->ev_reap = SIM_EVENT_NONE;
    conn_destroy(c, true);
}

/* Runs the application callbacks gathered since the last notify event. */
static void ev_notify(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    tcp_conn *c = ctx;
    c->ev_notify = SIM_EVENT_NONE;
    unsigned flags = c->notify;
    c->notify = 0;
    const stream_handler *h;

    if (flags & N_ACCEPT) {
        tcp_listener_t *l = c->listener;
        c->listener = NULL;
        if (l)
            l->pending--;
        if (!l) { /* the listener went away meanwhile */
            conn_fail(c, STREAM_ERR_RESET, true);
            return;
        }
        c->exposed = true;
        l->accept(l->ud, &c->s);
    }
    if (c->app_gone || !c->exposed)
        return;
    h = c->s.handler;
    if (flags & N_ERROR) {
        c->app_gone = true;
        if (h && h->error)
            h->error(c->s.ud, &c->s, c->err);
        maybe_reap(c);
        return;
    }
    if ((flags & N_CONNECTED) && h && h->connected) {
        h->connected(c->s.ud, &c->s);
        h = c->s.handler;
    }
    uint32_t space_before = rcv_space(c);
    pkt_pool_t *pool = net_pool(c->st->net);
    while (c->rq_head && c->reading && !c->app_gone) {
        pkt_t *p = c->rq_head;
        c->rq_head = p->next;
        if (!c->rq_head)
            c->rq_tail = NULL;
        uint32_t n = p->len - p->off;
        c->rq_bytes -= n;
        h = c->s.handler;
        if (h && h->data)
            h->data(c->s.ud, &c->s, p->data ? p->data + p->off : NULL, n);
        pkt_release(pool, p);
    }
    if (c->app_gone)
        return;
    /* Reading opened the window a lot: tell the sender now. */
    if (!is_ideal(c) && space_before < c->p.mss && rcv_space(c) >= c->p.mss &&
        c->state != TS_CLOSED) {
        c->ack_now = true;
        kick(c);
    }
    h = c->s.handler;
    if (c->fin_rcvd && !c->rq_head && !c->peer_closed_told) {
        c->peer_closed_told = true;
        if (h && h->peer_closed)
            h->peer_closed(c->s.ud, &c->s);
        if (c->app_gone)
            return;
        h = c->s.handler;
    }
    if ((flags & N_WRITABLE) && c->want_writable) {
        c->want_writable = false;
        if (h && h->writable)
            h->writable(c->s.ud, &c->s);
    }
}

/* ---- segment arrival -------------------------------------------------- */

static void passive_open(tcp_stack_t *st, tcp_listener_t *l, node_t *host, pkt_t *p)
{
    tcp_conn *c = conn_new(st, host, p->src, p->dport, p->sport, &l->p, false);
    c->listener = l;
    l->pending++;
    c->ts_recent = p->created;
    c->ts_valid = true;
    c->ts_on = c->p.timestamps && (p->tcp_opts & PKT_OPT_TS); /* answered only if offered */
    c->sack_on = c->p.sack && !is_ideal(c) && (p->tcp_opts & PKT_OPT_SACKOK);
    c->irs = p->seq;
    c->rcv_nxt = p->seq + 1;
    c->snd_wnd = p->wnd;
    set_state(c, TS_SYN_RCVD);
    c->snd_nxt = c->iss + 1;
    c->snd_max = c->snd_nxt;
    send_syn(c);
}

static void tcp_input(void *ctx, node_t *host, pkt_t *p)
{
    tcp_stack_t *st = ctx;
    pkt_pool_t *pool = net_pool(st->net);
    conn_key k = {p->dst, p->src, p->dport, p->sport};
    tcp_conn *c = conn_find(st, &k);
    uint8_t f = p->tcp_flags;

    if (!c) {
        bool request = (f & PKT_SYN) && !(f & (PKT_ACK | PKT_RST));
        if (request && node_get_inbound(host) == NODE_INBOUND_DROP) {
            pkt_release(pool, p); /* a firewall that drops */
            return;
        }
        if (request && node_get_inbound(host) == NODE_INBOUND_ACCEPT) {
            uint64_t lk = port_key(p->dst, p->dport);
            tcp_listener_t *l = g_hash_table_lookup(st->listeners, &lk);
            if (l) {
                passive_open(st, l, host, p);
                pkt_release(pool, p);
                return;
            }
        }
        if (!(f & PKT_RST))
            send_rst(st, host, p); /* nobody here, or a firewall that refuses */
        pkt_release(pool, p);
        return;
    }
    c->stats.segs_received++;
    /* The timestamp to echo (RFC 7323, 4.3): the first segment's, then
     * that of a segment that starts at or below what we last
     * acknowledged (with a delayed ACK, the earliest unacknowledged one). */
    if (!c->ts_valid || (SEQ_LEQ(p->seq, c->last_ack_sent) && p->created >= c->ts_recent)) {
        c->ts_recent = p->created;
        c->ts_valid = true;
    }

    if (f & PKT_RST) {
        if (c->state == TS_SYN_SENT) {
            if ((f & PKT_ACK) && p->ack == c->iss + 1)
                conn_fail(c, STREAM_ERR_REFUSED, false);
        } else if (c->state != TS_CLOSED && c->state != TS_TIME_WAIT) {
            conn_fail(c, STREAM_ERR_RESET, false);
        }
        pkt_release(pool, p);
        return;
    }

    switch (c->state) {
    case TS_SYN_SENT:
        if ((f & PKT_SYN) && (f & PKT_ACK) && p->ack == c->iss + 1) {
            c->irs = p->seq;
            c->rcv_nxt = p->seq + 1;
            c->snd_una = c->iss + 1;
            c->snd_nxt = MAX(c->snd_nxt, c->snd_una);
            c->snd_max = c->snd_nxt;
            c->snd_wnd = p->wnd;
            c->ts_on = c->ts_on && (p->tcp_opts & PKT_OPT_TS); /* the peer agreed */
            c->sack_on = c->sack_on && (p->tcp_opts & PKT_OPT_SACKOK);
            rto_episode_end(c, p);
            handshake_rtt(c);
            rto_stop(c);
            set_state(c, TS_ESTABLISHED);
            if (c->fin_pending)
                set_state(c, TS_FIN_WAIT_1);
            notify(c, N_CONNECTED);
            c->ack_now = true;
            kick(c);
        }
        pkt_release(pool, p);
        return;
    case TS_SYN_RCVD:
        if (f & PKT_SYN) { /* our SYN-ACK was lost: send it again */
            send_segment(c, c->iss, 0, PKT_SYN | PKT_ACK);
            pkt_release(pool, p);
            return;
        }
        if (!(f & PKT_ACK) || p->ack != c->iss + 1) {
            pkt_release(pool, p);
            return;
        }
        c->snd_una = c->iss + 1;
        c->snd_wnd = p->wnd;
        rto_episode_end(c, p);
        handshake_rtt(c);
        rto_stop(c);
        set_state(c, TS_ESTABLISHED);
        notify(c, N_ACCEPT);
        break; /* the segment may carry data too */
    case TS_TIME_WAIT:
        if (f & PKT_FIN) { /* their FIN again: our ACK was lost */
            c->ack_now = true;
            enter_time_wait(c);
            conn_output(c);
        }
        pkt_release(pool, p);
        return;
    case TS_CLOSED:
        pkt_release(pool, p);
        return;
    default:
        if (f & PKT_SYN) { /* a stale SYN on a live connection */
            c->ack_now = true;
            kick(c);
            pkt_release(pool, p);
            return;
        }
        break;
    }
    if (f & PKT_ACK) {
        process_ack(c, p);
        if (c->state == TS_CLOSED) {
            pkt_release(pool, p);
            return;
        }
    }
    process_data(c, p);
}

/* ---- stream operations ------------------------------------------------ */

static tcp_conn *conn_of(const stream_t *s) { return (tcp_conn *)(void *)s; }

static size_t op_write_space(const stream_t *s)
{
    const tcp_conn *c = conn_of(s);
    if (c->fin_pending || c->app_gone || c->state == TS_CLOSED)
        return 0;
    if (c->p.sndbuf == 0)
        return SIZE_MAX;
    return c->sb.total >= c->p.sndbuf ? 0 : (size_t)(c->p.sndbuf - c->sb.total);
}

static size_t op_write(stream_t *s, const void *data, size_t len)
{
    tcp_conn *c = conn_of(s);
    size_t n = MIN(len, op_write_space(s));
    if (n < len && !c->fin_pending && !c->app_gone && c->state != TS_CLOSED)
        c->want_writable = true;
    if (n == 0)
        return 0;
    if (c->write_time != now_of(c)) {
        c->write_time = now_of(c);
        c->write_seq = data_end(c);
    }
    tcp_sendbuf_append(&c->sb, data, n);
    kick(c);
    return n;
}

static void op_shutdown_write(stream_t *s)
{
    tcp_conn *c = conn_of(s);
    if (c->fin_pending || c->state == TS_CLOSED)
        return;
    c->fin_pending = true;
    if (c->state == TS_ESTABLISHED)
        set_state(c, TS_FIN_WAIT_1);
    else if (c->state == TS_CLOSE_WAIT)
        set_state(c, TS_LAST_ACK);
    kick(c);
}

static void op_close(stream_t *s)
{
    tcp_conn *c = conn_of(s);
    if (c->app_gone)
        return;
    c->app_gone = true;
    c->reading = false;
    c->want_writable = false;
    free_queue(net_pool(c->st->net), c->rq_head);
    c->rq_head = c->rq_tail = NULL;
    c->rq_bytes = 0;
    if (c->state == TS_SYN_SENT) {
        rto_stop(c);
        set_state(c, TS_CLOSED);
    } else {
        op_shutdown_write(s);
        if (c->state == TS_FIN_WAIT_2) {
            sim_cancel(c->st->sim, c->ev_timewait);
            c->ev_timewait = sim_schedule_in(c->st->sim, FIN_WAIT_2_TIMEOUT, ev_timewait, c, NULL);
        }
    }
    maybe_reap(c);
}

static void op_abort(stream_t *s)
{
    tcp_conn *c = conn_of(s);
    if (c->app_gone)
        return;
    c->app_gone = true;
    if (c->state != TS_CLOSED && c->state != TS_SYN_SENT && c->state != TS_TIME_WAIT)
        send_segment(c, c->snd_nxt, 0, PKT_RST | PKT_ACK);
    rto_stop(c);
    set_state(c, TS_CLOSED);
    maybe_reap(c);
}

static void op_set_reading(stream_t *s, bool on)
{
    tcp_conn *c = conn_of(s);
    if (c->app_gone)
        return;
    c->reading = on;
    if (on && (c->rq_head || (c->fin_rcvd && !c->peer_closed_told)))
        notify(c, N_DATA);
}

/* This end is (this node's name, local port), the other end (the peer
 * node's name, remote port). Known from the moment the stream exists. */
static bool op_address(const stream_t *s, bool peer, stream_addr *out)
{
    const tcp_conn *c = conn_of(s);
    const node_t *n = peer ? net_node_by_addr(c->st->net, c->key.raddr) : c->host;
    if (!n || !out)
        return false;
    g_strlcpy(out->host, node_name(n), sizeof out->host);
    out->port = peer ? c->key.rport : c->key.lport;
    return true;
}

static const stream_ops conn_ops = {
    .write = op_write,
    .write_space = op_write_space,
    .shutdown_write = op_shutdown_write,
    .close = op_close,
    .abort = op_abort,
    .set_reading = op_set_reading,
    .address = op_address,
};

/* ---- the stack -------------------------------------------------------- */

tcp_stack_t *tcp_stack_new(net_t *net, const tcp_params_t *defaults)
{
    tcp_stack_t *st = g_new0(tcp_stack_t, 1);
    st->net = net;
    st->sim = net_sim(net);
    if (defaults)
        st->defaults = *defaults;
    else
        tcp_params_default(&st->defaults);
    st->conns = g_hash_table_new(conn_key_hash, conn_key_equal);
    st->listeners = g_hash_table_new(g_int64_hash, g_int64_equal);
    st->ports = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    st->port_cursor = EPHEMERAL_FIRST;
    st->trace_src = sim_trace_source(sim_trace(st->sim), "tcp");
    net_set_handler(net, PKT_PROTO_TCP, tcp_input, st);
    return st;
}

void tcp_stack_free(tcp_stack_t *st)
{
    if (!st)
        return;
    net_set_handler(st->net, PKT_PROTO_TCP, NULL, NULL);
    /* Release connections in id order (the table is never iterated for
     * anything observable; this only frees memory). */
    GList *all = g_hash_table_get_values(st->conns);
    for (GList *l = all; l; l = l->next)
        conn_destroy(l->data, false);
    g_list_free(all);
    GList *ls = g_hash_table_get_values(st->listeners);
    for (GList *l = ls; l; l = l->next)
        g_free(l->data);
    g_list_free(ls);
    g_hash_table_destroy(st->conns);
    g_hash_table_destroy(st->listeners);
    g_hash_table_destroy(st->ports);
    g_free(st);
}

const tcp_params_t *tcp_stack_defaults(const tcp_stack_t *st) { return &st->defaults; }
net_t *tcp_stack_net(const tcp_stack_t *st) { return st->net; }

void tcp_stack_on_conn_done(tcp_stack_t *st, tcp_stats_fn fn, void *ud)
{
    st->done_fn = fn;
    st->done_ud = ud;
}

uint32_t tcp_stack_conn_count(const tcp_stack_t *st) { return g_hash_table_size(st->conns); }

static void count_open(gpointer key, gpointer value, gpointer user)
{
    (void)key;
    const tcp_conn *c = value;
    if (c->state != TS_CLOSED && c->state != TS_TIME_WAIT)
        (*(uint32_t *)user)++; /* a count: the walk's order changes nothing */
}

uint32_t tcp_stack_open_count(const tcp_stack_t *st)
{
    uint32_t n = 0;
    g_hash_table_foreach(st->conns, count_open, &n);
    return n;
}
uint32_t tcp_stack_ports_in_use(const tcp_stack_t *st) { return g_hash_table_size(st->ports); }

static bool host_ok(const tcp_stack_t *st, const node_t *host)
{
    return host && net_node_by_addr(st->net, node_addr(host)) == host;
}

/* The next free port of the ephemeral range on `addr`, from a cursor that
 * goes round the range (O(ports tried)); false when every one is taken. */
static bool pick_port(tcp_stack_t *st, uint32_t addr, uint16_t *out)
{
    uint32_t span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (uint32_t i = 0; i < span; i++) {
        uint32_t p = st->port_cursor;
        st->port_cursor = p == EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
        if (!port_used(st, addr, (uint16_t)p)) {
            *out = (uint16_t)p;
            return true;
        }
    }
    return false;
}

tcp_listener_t *tcp_listen(tcp_stack_t *st, node_t *host, uint16_t port, const tcp_params_t *params,
                           stream_accept_fn accept, void *ud, GError **err)
{
    if (!host_ok(st, host)) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND, "tcp: the host is not in this network");
        return NULL;
    }
    if (!accept) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID, "tcp: listening needs an accept function");
        return NULL;
    }
    if (params && !tcp_params_check(params, err))
        return NULL;
    if (port == 0 && !pick_port(st, node_addr(host), &port)) {
        g_set_error(err, NET_ERROR, NET_ERROR_EXISTS, "tcp: no free port on \"%s\" to listen on",
                    node_name(host));
        return NULL;
    }
    uint64_t k = port_key(node_addr(host), port);
    if (g_hash_table_contains(st->listeners, &k)) {
        g_set_error(err, NET_ERROR, NET_ERROR_EXISTS, "tcp: port %u on \"%s\" is already listening",
                    port, node_name(host));
        return NULL;
    }
    tcp_listener_t *l = g_new0(tcp_listener_t, 1);
    l->st = st;
    l->host = host;
    l->key = k;
    l->p = params ? *params : st->defaults;
    l->accept = accept;
    l->ud = ud;
    g_hash_table_insert(st->listeners, &l->key, l);
    port_take(st, node_addr(host), port);
    return l;
}

static void unlink_listener(gpointer key, gpointer value, gpointer user)
{
    (void)key;
    tcp_conn *c = value;
    if (c->listener == user) {
        c->listener = NULL;
        ((tcp_listener_t *)user)->pending--;
    }
}

uint16_t tcp_listener_port(const tcp_listener_t *l) { return (uint16_t)(l->key & 0xffff); }

void tcp_listener_close(tcp_listener_t *l)
{
    if (!l)
        return;
    tcp_stack_t *st = l->st;
    /* Connections not yet accepted lose their listener (they will be reset).
     * The order of this walk changes nothing observable. It visits every
     * connection of the stack, so it is skipped when none is pending: at
     * the end of a run every server closes its listener, and walking all
     * connections each time made the teardown quadratic in the servers. */
    if (l->pending)
        g_hash_table_foreach(st->conns, unlink_listener, l);
    g_hash_table_remove(st->listeners, &l->key);
    port_give(st, node_addr(l->host), (uint16_t)(l->key & 0xffff));
    g_free(l);
}

stream_t *tcp_connect(tcp_stack_t *st, node_t *host, node_t *dst, uint16_t dport,
                      const tcp_params_t *params, const stream_handler *h, void *ud, GError **err)
{
    return tcp_connect_from(st, host, 0, dst, dport, params, h, ud, NULL, err);
}

/* Whether (host's addr, lport) can open a connection to (raddr, rport):
 * no listener on the port, no connection with the same four ends. */
static bool port_free_for(tcp_stack_t *st, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
    uint64_t k = port_key(laddr, lport);
    if (g_hash_table_contains(st->listeners, &k))
        return false;
    conn_key ck = {laddr, raddr, lport, rport};
    return !g_hash_table_contains(st->conns, &ck);
}

stream_t *tcp_connect_from(tcp_stack_t *st, node_t *host, uint16_t want, node_t *dst, uint16_t dport,
                           const tcp_params_t *params, const stream_handler *h, void *ud, bool *fell_back,
                           GError **err)
{
    if (fell_back)
        *fell_back = false;
    if (!host_ok(st, host) || !host_ok(st, dst)) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND, "tcp: both ends must be in this network");
        return NULL;
    }
    if (dport == 0) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID, "tcp: cannot connect to port 0");
        return NULL;
    }
    if (params && !tcp_params_check(params, err))
        return NULL;
    uint16_t lport = want;
    if (want && !port_free_for(st, node_addr(host), want, node_addr(dst), dport)) {
        lport = 0;
        if (fell_back)
            *fell_back = true;
    }
    if (!lport && !pick_port(st, node_addr(host), &lport)) {
        g_set_error(err, NET_ERROR, NET_ERROR_EXISTS, "tcp: no free port on \"%s\"",
                    node_name(host));
        return NULL;
    }
    tcp_conn *c = conn_new(st, host, node_addr(dst), lport, dport, params ? params : &st->defaults,
                           true);
    c->exposed = true;
    stream_set_handler(&c->s, h, ud);
    if (host != dst && !net_next_hop(st->net, host, dst)) {
        c->err = STREAM_ERR_UNREACHABLE;
        c->stats.error = c->err;
        notify(c, N_ERROR);
        return &c->s;
    }
    set_state(c, TS_SYN_SENT);
    c->snd_nxt = c->iss + 1;
    c->snd_max = c->snd_nxt;
    send_syn(c);
    return &c->s;
}

void tcp_stream_stats(const stream_t *s, tcp_stats_t *out) { fill_stats(conn_of(s), out); }
