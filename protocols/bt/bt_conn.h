/*
 * bt_conn: the BitTorrent cores glued to the seams (seam/host.h,
 * seam/stream.h): a peer (bt_peer) with its listener, its connections and
 * its tracker client, and an HTTP tracker (bt_tracker) on a port. What the
 * simulator's "bt-peer" and "bt-tracker" applications run on; no
 * simulator call here, so the same glue serves real sockets.
 *
 * Peer (bt_conn_peer_new):
 * - listens on `listen_port`; every connection, accepted or made, is given
 *   to the core (bt_peer_add_conn) once it is up; the core's bytes are
 *   written as the stream takes them (what it does not take stays in the
 *   core and goes on writable(): back-pressure), its events are drained
 *   after every call, a connection it drops is closed, one timer is kept
 *   at bt_peer_next_deadline.
 * - the tracker client: an HTTP/1.1 GET of `announce_path`?query
 *   (bt_announce_query) to the tracker, one connection per announce
 *   ("Connection: close"), the answer read with the HTTP parser core
 *   (protocols/http) and its body with bt_response_parse. Events: started
 *   at the start, completed when the last piece is verified, stopped when
 *   the peer leaves; without event every `interval` the tracker gave. An
 *   announce that fails (refused, no answer within BT_CONN_TRACKER_TIMEOUT_NS,
 *   a failure reason, a malformed answer) is tried again after
 *   BT_CONN_TRACKER_RETRY_NS. The peers of an answer are connected to,
 *   skipping ourselves and the peers (by peer id, or by address for a
 *   compact list) we are connected or connecting to, while we have fewer
 *   than `max_connect` connections.
 * - leaving (`leave_on_complete` at completion, or bt_conn_peer_leave):
 *   every connection is closed, the stopped announce is sent, and the
 *   handler's left() is called once it is answered or failed.
 *
 * Addresses: the tracker wants the requester's IPv4 address and peers
 * connect to the address the tracker lists. A stream's address names the
 * node in the simulator and is a literal on real sockets: `addr` maps a
 * stream address's host to 4 bytes (the simulator's applications use
 * app_world_node_address); NULL parses literals only.
 *
 * Tracker (bt_conn_tracker_new): listens on a port (0: any free one) and answers GET
 * /announce?query with bt_tracker_handle_query's body (200, text/plain),
 * any other path with 404, a malformed request with the parser's status;
 * one request per connection, which is closed once the answer is written.
 * Limits: request line 4 KiB + the query, headers 8 KiB, no body; a
 * connection that sends no complete request within
 * BT_CONN_TRACKER_TIMEOUT_NS is closed; at most BT_CONN_TRACKER_MAX_CONNS
 * connections at once (more are closed at once).
 *
 * Determinism: connections are visited in the core's order (the order
 * they were added); the tracker's lists come from its seeded generator.
 *
 * Ownership: bt_conn_peer_new/bt_conn_peer_free and
 * bt_conn_tracker_new/bt_conn_tracker_free; free closes the streams and
 * cancels the timers; the options' strings are copied; the store in
 * `peer` is borrowed and must outlive the peer.
 */
#ifndef APPSIM_BT_CONN_H
#define APPSIM_BT_CONN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "bt_peer.h"
#include "bt_tracker.h"
#include "seam/host.h"

#define BT_CONN_TRACKER_TIMEOUT_NS INT64_C(30000000000) /* an announce or a tracker request: 30 s */
#define BT_CONN_TRACKER_RETRY_NS INT64_C(15000000000)   /* a failed announce is tried again after 15 s */
#define BT_CONN_TRACKER_MAX_CONNS 1024                  /* connections a tracker serves at once */
#define BT_CONN_DEFAULT_MAX_CONNECT 40                  /* connections a peer opens to listed peers */

/* The 4 bytes of IPv4 of a stream address's host; false when unknown. */
typedef bool (*bt_conn_addr_fn)(void *ud, const char *host, uint8_t ip[4]);

typedef struct {
    bt_peer_config peer;      /* the core's (copied; its store borrowed) */
    uint16_t listen_port;     /* 0: any free one (bt_conn_peer_port says which) */
    const char *tracker_host; /* a name or address literal (copied) */
    uint16_t tracker_port;
    const char *announce_path; /* NULL: "/announce" */
    uint32_t numwant;          /* 0: BT_NUMWANT_DEFAULT */
    bool compact;              /* ask for a compact list (BEP 23) */
    unsigned max_connect;      /* 0: BT_CONN_DEFAULT_MAX_CONNECT */
    bool leave_on_complete;
    bt_conn_addr_fn addr;
    void *addr_ud;
} bt_conn_peer_options;

typedef struct bt_conn_peer bt_conn_peer;

typedef struct {
    void (*complete)(void *ud, bt_conn_peer *p); /* every piece verified */
    void (*left)(void *ud, bt_conn_peer *p);     /* left the swarm (stopped announce over) */
    /* Optional: `bytes` of the peer wire protocol (blocks with their
     * messages' heads, haves, requests...) arrived from a peer on one
     * connection, as the transport delivers them (segment by segment).
     * The callee must not free or drive the peer. */
    void (*received)(void *ud, bt_conn_peer *p, size_t bytes);
} bt_conn_peer_handler;

typedef struct {
    uint64_t payload_down, payload_up; /* blocks' bytes received and sent, every connection */
    uint64_t conns_made, conns_accepted, conns_failed;
    uint64_t announces, announce_failures;
    int64_t completed_at; /* -1 until complete */
} bt_conn_peer_stats;

/* NULL with err when the core refuses the config or the port cannot be
 * listened on. */
bt_conn_peer *bt_conn_peer_new(host_env *env, const bt_conn_peer_options *o, const bt_conn_peer_handler *h,
                               void *ud, GError **err);
void bt_conn_peer_free(bt_conn_peer *p);
/* Closes every connection and announces stopped; left() follows. */
void bt_conn_peer_leave(bt_conn_peer *p);
const bt_peer *bt_conn_peer_core(const bt_conn_peer *p);
/* The port listened on (and announced): listen_port, or the one taken for 0. */
uint16_t bt_conn_peer_port(const bt_conn_peer *p);
void bt_conn_peer_get_stats(const bt_conn_peer *p, bt_conn_peer_stats *out);

typedef struct bt_conn_tracker bt_conn_tracker;

typedef struct {
    uint64_t requests, announces, errors; /* HTTP requests, announce answers, 4xx answers */
} bt_conn_tracker_stats;

bt_conn_tracker *bt_conn_tracker_new(host_env *env, uint16_t port, const bt_tracker_config *cfg,
                                     const char *announce_path, bt_conn_addr_fn addr, void *addr_ud,
                                     GError **err);
void bt_conn_tracker_free(bt_conn_tracker *t);
/* The port listened on (the one taken when `port` was 0). */
uint16_t bt_conn_tracker_port(const bt_conn_tracker *t);
const bt_tracker *bt_conn_tracker_state(const bt_conn_tracker *t);
void bt_conn_tracker_get_stats(const bt_conn_tracker *t, bt_conn_tracker_stats *out);

#endif
