/*
 * tcp: the TCP model, and simulated sockets that offer it to applications
 * through the stream seam (seam/stream.h).
 *
 * What is modelled: the three-way handshake (a SYN to a port nobody listens
 * on is answered with RST and the client is told "refused"); a byte stream
 * cut into segments of at most MSS bytes; cumulative ACKs; the receive
 * window (flow control) from a receive buffer the application may stop
 * reading; congestion control per connection (`reno`, `newreno`, `cubic`
 * (RFC 9438, tcp_cubic.h), or `ideal`, the textbook's assumption of no
 * congestion window at all);
 * retransmission timeouts per RFC 6298 with Karn's rule and exponential
 * back-off; fast retransmit and fast recovery; optional delayed ACKs; FIN
 * in both directions (half-close works), RST, TIME_WAIT.
 *
 * Options: timestamps (RFC 7323) and SACK (RFC 2018, with RFC 6675 loss
 * recovery, optionally with RFC 6937 PRR) when both ends' parameters ask
 * for them; limited transmit (RFC 3042).
 * What is not: other options (no window scaling: windows are
 * 32-bit values carried as they are), Nagle's algorithm (segments go out
 * as soon as the window allows, like TCP_NODELAY), urgent data, simultaneous
 * open. Header bytes per segment come from net_header_bytes (40 by default),
 * plus the options' bytes (docs/tcp.md: 12 with timestamps, SACK-permitted
 * and SACK blocks as Linux lays them out).

A simulated stream's address (stream_local_addr, stream_peer_addr) is the
node's name and the port: (this node, local port) and (peer node, remote
port).
 *
 * ACKs ride on data when they can: a segment that arrives marks an ACK as
 * due, and the ACK leaves at the end of that same instant, after the
 * application has seen the data, so a response written at once carries it
 * (the handshake's final ACK likewise rides on the client's first request,
 * as the textbook draws it). With delayed ACKs on, an ACK is sent for every
 * `delack_segments` full segments or when `delack_timeout` expires;
 * out-of-order and duplicate segments are always acknowledged at once.
 *
 * Every parameter has a default (tcp_params_default); docs/tcp.md lists them.
 *
 * Ownership: tcp_stack_new/tcp_stack_free (free before the net; it releases
 * every connection). Streams and listeners belong to the stack: an
 * application lets go of a stream with stream_close or stream_abort, of a
 * listener with tcp_listener_close.
 */
#ifndef APPSIM_TCP_H
#define APPSIM_TCP_H

#include "net.h"
#include "seam/stream.h"

typedef enum {
    TCP_CC_RENO,    /* slow start, congestion avoidance, fast retransmit/recovery */
    TCP_CC_NEWRENO, /* Reno with RFC 6582 partial-ACK handling */
    TCP_CC_IDEAL,   /* no congestion window and unbounded buffers */
    TCP_CC_CUBIC,   /* CUBIC (RFC 9438) growth and reduction, NewReno recovery */
} tcp_cc;

const char *tcp_cc_name(tcp_cc cc);
/* Parses "reno", "newreno", "ideal" or "cubic"; false for anything else. */
bool tcp_cc_parse(const char *name, tcp_cc *out);

typedef struct {
    tcp_cc cc;                 /* default reno */
    uint32_t mss;              /* payload bytes per segment; default 1460 */
    uint32_t init_cwnd;        /* initial window in segments; default 10 (RFC 6928) */
    uint32_t init_ssthresh;    /* bytes; default 0 = unlimited */
    uint32_t abc_limit;        /* slow start grows by min(acked, abc_limit * mss)
                                  per ACK (RFC 3465); default 2 */
    uint32_t sndbuf;           /* send buffer bytes; default 131072 (ideal: unlimited) */
    uint32_t rcvbuf;           /* receive buffer bytes; default 131072 (ideal: unlimited) */
    bool delayed_ack;          /* default false */
    uint32_t delack_segments;  /* ACK every this many full segments; default 2 */
    sim_time_t delack_timeout; /* default 200 ms */
    sim_time_t rto_initial;    /* before any RTT sample; default 1 s (RFC 6298) */
    sim_time_t rto_min;        /* default 200 ms */
    sim_time_t rto_max;        /* default 60 s */
    uint32_t max_retries;      /* consecutive timeouts before giving up; default 12 */
    uint32_t syn_retries;      /* SYN timeouts before "timed out"; default 6 */
    sim_time_t time_wait;      /* TIME_WAIT length; default 2 s (2 MSL with MSL = 1 s) */
    sim_time_t send_jitter;    /* each segment leaves the host after a random
                                  delay in [0, send_jitter], order kept; breaks
                                  drop-tail phase effects between flows (like
                                  ns-2's TCP overhead_); default 0 */
    bool record_cwnd;          /* keep (time, cwnd) samples; default false */
    bool timestamps;           /* RFC 7323 timestamps when both ends ask for them: 12
                                  more header bytes per segment, an RTT sample from
                                  every ACK of new data; default false */
    bool sack;                 /* RFC 2018 SACK when both ends ask for it (SACK-permitted on
                                  both SYNs) and RFC 6675 loss recovery; ignored by ideal;
                                  default false */
    bool prr;                  /* RFC 6937 Proportional Rate Reduction in SACK loss recovery,
                                  with the slow-start reduction bound (PRR-SSRB); ignored
                                  without SACK; default false */
    bool limited_transmit;     /* RFC 3042: a new segment on each of the first two duplicate
                                  ACKs; default false */
    bool hystart;              /* HyStart++ (RFC 9406) in the initial slow start of cubic;
                                  ignored by the others; default false */
} tcp_params_t;

void tcp_params_default(tcp_params_t *p);
/* Sets the values of a named preset on top of `p` (docs/tcp.md): "linux"
 * is CUBIC with HyStart++, SACK, PRR, limited transmit, initial window 10,
 * 200 ms minimum RTO and delayed ACKs; false
 * (and `p` unchanged) for an unknown name. */
bool tcp_params_preset(const char *name, tcp_params_t *p);
/* Checks a parameter set; the message names the offending field. */
bool tcp_params_check(const tcp_params_t *p, GError **err);

typedef struct {
    sim_time_t t;
    uint32_t cwnd; /* bytes */
} tcp_cwnd_sample;

/* Per-connection statistics. */
typedef struct {
    uint64_t id;               /* connection number in creation order */
    uint32_t local, remote;    /* node addresses */
    uint16_t lport, rport;
    bool active;               /* opened by connect (client side) */
    sim_time_t opened, established, closed; /* -1 when it did not happen */
    uint64_t bytes_sent;       /* application bytes acknowledged by the peer */
    uint64_t bytes_received;   /* application bytes received in order */
    uint64_t segs_sent, segs_received;
    uint64_t retransmits;      /* segments sent again */
    uint64_t bytes_retransmitted; /* payload bytes of those segments */
    uint64_t timeouts, fast_retransmits;
    /* Timeouts that were not needed: the ACK that ended the timeout's
     * episode (the first ACK after it that acknowledges new data, or
     * completes the handshake) echoes the timestamp of a copy sent before
     * the timeout resent it, so the first copy had arrived (the Eifel
     * rule, RFC 3522, with the simulator's own timestamps: every segment
     * carries its send time, every ACK echoes it as RFC 7323 says). */
    uint64_t spurious_timeouts;
    bool sack;                 /* SACK was negotiated (both SYNs carried SACK-permitted) */
    uint64_t sack_recoveries;  /* loss recoveries entered by RFC 6675 (SACK) */
    uint64_t sack_retransmits; /* segments those recoveries sent again (NextSeg rules 1 and 3) */
    uint64_t sack_blocks_sent; /* SACK blocks carried by this end's ACKs */
    uint64_t limited_transmits; /* new segments sent on the first two duplicate ACKs (RFC 3042) */
    sim_time_t hystart_css;    /* when HyStart++ first entered Conservative Slow Start; -1: never */
    sim_time_t hystart_exit;   /* when HyStart++ ended slow start (ssthresh = cwnd); -1: never */
    sim_time_t recovery_time;  /* total time in fast recovery or SACK loss recovery (from the
                                  retransmission that starts it to the ACK that ends it, or
                                  a timeout) */
    uint64_t rtt_samples;
    double rtt_min_s, rtt_mean_s, rtt_max_s, srtt_s;
    uint32_t cwnd, ssthresh;   /* at the time of reading */
    stream_err error;          /* why it failed, or STREAM_ERR_NONE */
    const tcp_cwnd_sample *cwnd_samples; /* valid during the stats callback only */
    uint32_t n_cwnd_samples;
} tcp_stats_t;

typedef struct tcp_stack tcp_stack_t;
typedef struct tcp_listener tcp_listener_t;

/* A stack serves every host of one network. `defaults` may be NULL. */
tcp_stack_t *tcp_stack_new(net_t *net, const tcp_params_t *defaults);
void tcp_stack_free(tcp_stack_t *st);
const tcp_params_t *tcp_stack_defaults(const tcp_stack_t *st);
net_t *tcp_stack_net(const tcp_stack_t *st);

/* Called with the final statistics of every connection, when it is
 * finished (closed, reset, timed out) and about to be released. */
typedef void (*tcp_stats_fn)(void *ud, const tcp_stats_t *stats);
void tcp_stack_on_conn_done(tcp_stack_t *st, tcp_stats_fn fn, void *ud);

/* Connections alive (any state, TIME_WAIT included) and ports in use. */
uint32_t tcp_stack_conn_count(const tcp_stack_t *st);
uint32_t tcp_stack_ports_in_use(const tcp_stack_t *st);
/* Connections neither CLOSED nor in TIME_WAIT: still open (established,
 * or closing and waiting for the peer). O(connections). */
uint32_t tcp_stack_open_count(const tcp_stack_t *st);

/* Listens on (host, port); `params` NULL means the stack's defaults.
 * Accepted streams use those parameters. Port 0 takes a free port of the
 * ephemeral range (49152-65535), the next one the connection ports would
 * take; tcp_listener_port() says which. */
tcp_listener_t *tcp_listen(tcp_stack_t *st, node_t *host, uint16_t port, const tcp_params_t *params,
                           stream_accept_fn accept, void *ud, GError **err);
/* The port a listener is bound to: the one asked for, or the one chosen
 * for port 0. */
uint16_t tcp_listener_port(const tcp_listener_t *l);
/* Stops listening; connections already accepted go on. */
void tcp_listener_close(tcp_listener_t *l);

/* Opens a connection from `host` (an ephemeral port) to (dst, dport). The
 * handler's connected() or error() follows. Fails at once only for bad
 * arguments or when the host has no free port. */
stream_t *tcp_connect(tcp_stack_t *st, node_t *host, node_t *dst, uint16_t dport,
                      const tcp_params_t *params, const stream_handler *h, void *ud, GError **err);
/* tcp_connect() from local port `lport` (0: an ephemeral one). The port is
 * taken when no listener of `host` is bound to it and no connection of
 * `host` has the same four ends (TIME_WAIT included); otherwise the
 * connection comes from an ephemeral port and *fell_back (when not NULL)
 * is set true. The SYN, the trace and the pcap carry the port taken. */
stream_t *tcp_connect_from(tcp_stack_t *st, node_t *host, uint16_t lport, node_t *dst, uint16_t dport,
                           const tcp_params_t *params, const stream_handler *h, void *ud, bool *fell_back,
                           GError **err);

/* Statistics of a live stream of this stack (current values). */
void tcp_stream_stats(const stream_t *s, tcp_stats_t *out);

#endif
