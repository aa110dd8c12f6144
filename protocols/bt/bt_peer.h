/*
 * bt_peer: one BitTorrent client's logic for one torrent over many
 * connections (BEP 3), sans-IO: the caller gives bytes, connection events
 * and the time; the core gives bytes to send on each connection, events
 * and its next deadline.
 *
 * Usage (the glue: a simulated or real application, or a test's loop):
 *
 *     bt_peer *p = bt_peer_new(&cfg, now, &err);
 *     id = bt_peer_add_conn(p, now);              a connection is up (either way)
 *     on bytes:     bt_peer_feed(p, id, data, len, now);
 *     after calls:  out = bt_peer_output(p, id, &n); write; bt_peer_consume(p, id, written, now);
 *                   while (bt_peer_next_event(p, &ev)) { DROPPED: close ev.conn; ... }
 *                   arm a timer at bt_peer_next_deadline(p), then call bt_peer_tick(p, now);
 *     on close:     bt_peer_conn_closed(p, id, now);
 *
 * The handshake is sent as soon as the connection is added (both sides
 * send at once); a handshake of another torrent or of ourselves drops the
 * connection. Then the bitfield (when we have any piece; it must be the
 * first message after the handshake), interested / not interested as the
 * peer's pieces and ours change. A peer's bitfield after other messages
 * (aria2 sends one in place of several haves) counts as haves when it
 * keeps every piece the peer announced, and drops the peer when it takes
 * one back.
 *
 * Downloading: pieces are split in blocks of BT_BLOCK_SIZE (16 KiB, the
 * last of a piece shorter); up to `pipeline` requests are outstanding on
 * each connection that does not choke us. Piece selection:
 * 1. blocks of pieces already partly requested or received first
 *    (partial pieces finished first, in the order they were started);
 * 2. a new piece: until the first piece is verified, one at random among
 *    those the peer has and we lack; after, the rarest (fewest connected
 *    peers have it), at random among equally rare;
 * 3. endgame: once every block we lack is requested, blocks requested
 *    from one other peer only are requested from this peer too (at most
 *    `pipeline`; a block is out to at most BT_ENDGAME_COPIES peers); when
 *    one arrives, a cancel goes to the other peer that was asked.
 * A block whose request was given up (the peer choked us, we cancelled
 * it, it timed out) is still kept when it arrives while that block is
 * missing (stats.blocks_late); duplicates count as wasted.
 * A completed piece is read back from the store and checked with SHA-1
 * against its hash. A mismatch discards it (store discard), and it is
 * requested again; when one connection sent all its blocks that
 * connection gets a strike, and `max_hashfails` strikes drop it; when
 * several did, the piece is downloaded again from one connection only
 * (the first asked), which tells the culprit. A verified piece is
 * announced with `have` on every connection.
 * When a peer chokes us, what we asked of it is requested again
 * elsewhere.
 *
 * Choking (BEP 3's rule): every BT_CHOKE_INTERVAL (10 s), while we
 * download, the `upload_slots` (4) interested peers that sent us blocks
 * fastest over the last interval are unchoked (equal rates: by all they
 * ever sent us, then the older connection first, so a peer that never
 * sent anything is never preferred to one that did). One more, the
 * optimistic unchoke, rotates every third round (30 s) among the other
 * interested peers: the one waiting longest next, a peer whose turn ends
 * to the back, a new connection at the front with probability 3 / (m + 3)
 * (m connections open) and else at the back; when it stops being
 * interested or joins the best, the next takes its place at once. The
 * others are choked. Between rounds, when a peer becomes interested or
 * not interested or a connection goes, the same rule runs with the last
 * round's rates. Once we seed, the interested peers take turns (mainline
 * 4.x, libtorrent's round_robin): at a round the unchoked are ordered by
 * when they were unchoked, the most recent first; in two rounds of three
 * the first `upload_slots` are kept and one more is drawn at random among
 * the choked (a connection younger than 30 s counting three times), in
 * the third the first `upload_slots` + 1 are kept. A free rider
 * (`free_rider`) never unchokes anyone.
 *
 * Serving: requests are answered only from peers we unchoked (those of a
 * choked peer are ignored, and choking a peer forgets its queue); a
 * request of a piece we do not have, beyond the piece, of 0 bytes or of
 * more than BT_BLOCK_SIZE drops the peer; at most `max_queue` requests are
 * queued per peer (more are ignored). Blocks are read from the store and
 * written to a connection's output while it holds less than
 * BT_OUTPUT_LOW bytes (back-pressure: call consume as the socket takes
 * them).
 *
 * Upload limit (`max_upload_rate`, bytes per second; 0: none): a piece
 * message (13 + block bytes) is handed to a connection only when the
 * limiter allows it at `now`: each one moves the earliest time of the
 * next by its size over the rate (rounded up), from `now` or from where
 * the last left it, whichever is later (no burst saved up while idle).
 * Over any interval of length W the piece messages handed out are thus
 * at most rate x W plus one message. While limited, the connections with
 * requests to answer are served one message each in turn, from the one
 * after the last served (the deadline says when the next may go).
 *
 * Time: a keep-alive is sent after BT_KEEPALIVE_NS (2 min) without
 * sending; a connection with nothing received for `idle_timeout_ns`
 * (default 3 min) is dropped; a request unanswered for
 * BT_REQUEST_TIMEOUT_NS (60 s) is cancelled and asked of others, and
 * that connection is asked nothing more until it sends a block or
 * unchokes us again.
 *
 * Events (in order; drain them after every call): CONNECTED (handshake
 * received: `peer_id`), DROPPED (`reason`; the core has forgotten the
 * connection: close it), CLOSED (bt_peer_conn_closed was called),
 * PIECE_VERIFIED (`piece`), HASH_FAILED (`piece`), COMPLETE (every piece
 * verified: we seed from now on), CHOKED / UNCHOKED (we choke / unchoke
 * `conn`), PEER_CHOKED / PEER_UNCHOKED (`conn` chokes / unchokes us),
 * HAVE (`conn` announced `piece`).
 *
 * Limits (every one stated): pieces at most BT_WIRE_MAX_PIECES; connections
 * at most `max_conns` (default BT_DEFAULT_MAX_CONNS: more are refused by
 * add_conn); per connection: the decoder's buffer (one message: 16 KiB + 9
 * or the bitfield), the peer's bitfield (pieces / 8 bytes), `pipeline`
 * requests out (at most BT_MAX_PIPELINE), `max_queue` requests in (at most
 * BT_MAX_QUEUE), the output below BT_OUTPUT_LOW + one block message plus
 * control messages; a connection whose output not taken reaches
 * BT_OUTPUT_MAX plus 9 bytes per piece (a peer that does not read) is
 * dropped. Per torrent: a byte and a 4-byte count per piece, and per
 * piece in progress a byte and a connection id per block (a piece is
 * started only when a connection has no free block of those in progress
 * to ask for, so they stay near connections x pipeline; at most every
 * piece).
 *
 * Determinism: connections are kept and visited in the order they were
 * added; randomness only from the splitmix64 generator seeded with `seed_rng`.
 *
 * Costs: feed O(bytes) plus, per block received, O(connections x
 * pipeline) in endgame; choosing a new piece O(pieces); a choke round
 * O(connections log connections); a piece check O(piece length).
 *
 * Ownership: bt_peer_new/bt_peer_free; the config's hashes are copied; the
 * store (ops and ud) is borrowed and must outlive the core; outputs are
 * borrowed until the next call about that connection; events are values
 * (their `why` a static string).
 */
#ifndef APPSIM_BT_PEER_H
#define APPSIM_BT_PEER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt_storage.h"
#include "bt_wire.h"

#define BT_CHOKE_INTERVAL_NS INT64_C(10000000000)      /* 10 s between choke rounds */
#define BT_OPTIMISTIC_ROUNDS 3                         /* rounds per optimistic unchoke (30 s) */
#define BT_NEW_CONN_NS INT64_C(30000000000)            /* a connection this young weighs 3 in the draw */
#define BT_KEEPALIVE_NS INT64_C(120000000000)          /* 2 min without sending: keep-alive */
#define BT_DEFAULT_IDLE_NS INT64_C(180000000000)       /* 3 min without receiving: dropped */
#define BT_REQUEST_TIMEOUT_NS INT64_C(60000000000)     /* an unanswered request is given up */
#define BT_ENDGAME_COPIES 2                            /* in endgame a block is asked of at most 2 peers */
#define BT_DEFAULT_PIPELINE 8                          /* requests outstanding per connection */
#define BT_MAX_PIPELINE 64
#define BT_DEFAULT_UPLOAD_SLOTS 4                      /* regular unchokes */
#define BT_DEFAULT_MAX_QUEUE 64                        /* requests queued from one peer */
#define BT_MAX_QUEUE 1024
#define BT_DEFAULT_MAX_HASHFAILS 2                     /* strikes before a peer is dropped */
#define BT_DEFAULT_MAX_CONNS 200
#define BT_OUTPUT_LOW (2 * (BT_BLOCK_SIZE + 13))       /* blocks are written while output is below */
#define BT_OUTPUT_MAX (256 * 1024)                     /* + 9 per piece: output not taken that drops */

typedef struct {
    const uint8_t *hashes;     /* n_pieces x 20 bytes (copied) */
    uint32_t n_pieces;         /* ceil(total_length / piece_length) */
    uint32_t piece_length;     /* bytes; 1 to 2^26 */
    uint64_t total_length;     /* bytes of the content */
    uint8_t info_hash[20];
    uint8_t peer_id[20];
    bool seed;                 /* we start with every piece (not checked) */
    const bt_storage_ops *storage;
    void *storage_ud;
    uint64_t seed_rng;         /* the random generator's seed */
    unsigned pipeline;         /* 0: BT_DEFAULT_PIPELINE */
    unsigned upload_slots;     /* 0: BT_DEFAULT_UPLOAD_SLOTS */
    unsigned max_queue;        /* 0: BT_DEFAULT_MAX_QUEUE */
    unsigned max_hashfails;    /* 0: BT_DEFAULT_MAX_HASHFAILS */
    unsigned max_conns;        /* 0: BT_DEFAULT_MAX_CONNS */
    int64_t idle_timeout_ns;   /* 0: BT_DEFAULT_IDLE_NS */
    bool free_rider;           /* never unchoke anyone (uploads nothing) */
    uint64_t max_upload_rate;  /* bytes per second of piece messages handed to connections; 0: no limit */
} bt_peer_config;

#define BT_DROP_REASONS(X)                                                                         \
    X(BT_DROP_NONE, "none")                                                                        \
    X(BT_DROP_WIRE, "malformed message")                                                           \
    X(BT_DROP_INFO_HASH, "handshake for another torrent")                                          \
    X(BT_DROP_SELF, "connection to ourselves")                                                     \
    X(BT_DROP_DUPLICATE, "peer id already connected")                                              \
    X(BT_DROP_BITFIELD_LATE, "later bitfield takes back a piece")                                   \
    X(BT_DROP_BAD_REQUEST, "request out of range")                                                 \
    X(BT_DROP_NOT_HAVE, "request of a piece we do not have")                                       \
    X(BT_DROP_HASHFAILS, "too many pieces failed their hash")                                      \
    X(BT_DROP_IDLE, "silent too long")                                                             \
    X(BT_DROP_STORAGE, "store could not read a block")                                             \
    X(BT_DROP_OUTPUT, "output not taken (the peer does not read)")

typedef enum {
#define BT_DROP_ENUM(name, text) name,
    BT_DROP_REASONS(BT_DROP_ENUM)
#undef BT_DROP_ENUM
} bt_drop_reason;

const char *bt_drop_reason_text(bt_drop_reason r);

typedef enum {
    BT_PEER_EV_CONNECTED,
    BT_PEER_EV_DROPPED,
    BT_PEER_EV_CLOSED,
    BT_PEER_EV_PIECE_VERIFIED,
    BT_PEER_EV_HASH_FAILED,
    BT_PEER_EV_COMPLETE,
    BT_PEER_EV_CHOKED,
    BT_PEER_EV_UNCHOKED,
    BT_PEER_EV_PEER_CHOKED,
    BT_PEER_EV_PEER_UNCHOKED,
    BT_PEER_EV_HAVE,
} bt_peer_event_kind;

const char *bt_peer_event_name(bt_peer_event_kind k);

typedef struct {
    bt_peer_event_kind kind;
    int64_t time;          /* `now` of the call that made it */
    uint32_t conn;         /* 0 for PIECE_VERIFIED, HASH_FAILED, COMPLETE */
    uint32_t piece;        /* PIECE_VERIFIED, HASH_FAILED, HAVE */
    bt_drop_reason reason; /* DROPPED */
    const char *why;       /* DROPPED: static text (a wire error's or the reason's) */
    uint8_t peer_id[20];   /* CONNECTED */
} bt_peer_event;

/* One connection's state and counters (payload: blocks' bytes). */
typedef struct {
    bool handshaken;
    bool am_choking, am_interested, peer_choking, peer_interested;
    bool optimistic;           /* the current optimistic unchoke */
    uint32_t peer_pieces;      /* pieces the peer has */
    uint32_t outstanding;      /* our requests not yet answered */
    uint32_t queued;           /* its requests we have not answered yet */
    uint64_t bytes_in, bytes_out;       /* wire bytes */
    uint64_t payload_in, payload_out;   /* block bytes */
    uint32_t hashfails;        /* strikes */
    int64_t added;             /* when bt_peer_add_conn was called */
} bt_conn_info;

/* Torrent-wide counters. */
typedef struct {
    uint32_t verified;         /* pieces we have */
    uint32_t hash_failures;
    uint64_t blocks_received;  /* block messages accepted */
    uint64_t blocks_wasted;    /* duplicates, or blocks of no piece in progress */
    uint64_t blocks_late;      /* kept though their request was given up (choke, cancel, timeout) */
    uint64_t cancels_sent;
    uint64_t requests_sent;
    bool endgame;              /* entered endgame at least once */
    int64_t completed_at;      /* -1 until complete */
} bt_peer_stats;

typedef struct bt_peer bt_peer;

#define BT_PEER_ERROR (bt_peer_error_quark())
GQuark bt_peer_error_quark(void);
typedef enum { BT_PEER_ERROR_CONFIG } bt_peer_error_code;

/* NULL with *err set (BT_PEER_ERROR_CONFIG) for a config it cannot use
 * (sizes, hash count, no store). */
bt_peer *bt_peer_new(const bt_peer_config *cfg, int64_t now, GError **err);
void bt_peer_free(bt_peer *p);

/* A connection is up; returns its id (from 1, increasing), 0 when
 * max_conns are open. The handshake is queued on its output. */
uint32_t bt_peer_add_conn(bt_peer *p, int64_t now);
/* The peer's bytes; all are consumed (a connection dropped or unknown
 * ignores them). */
void bt_peer_feed(bt_peer *p, uint32_t conn, const uint8_t *data, size_t len, int64_t now);
const uint8_t *bt_peer_output(const bt_peer *p, uint32_t conn, size_t *len);
void bt_peer_consume(bt_peer *p, uint32_t conn, size_t n, int64_t now);
/* The connection went away (closed, reset): forgotten, event CLOSED. */
void bt_peer_conn_closed(bt_peer *p, uint32_t conn, int64_t now);
/* Runs what is due at `now`: choke rounds, keep-alives, timeouts. */
void bt_peer_tick(bt_peer *p, int64_t now);
/* When tick should next run (INT64_MAX: nothing due). */
int64_t bt_peer_next_deadline(const bt_peer *p);
bool bt_peer_next_event(bt_peer *p, bt_peer_event *ev);

bool bt_peer_complete(const bt_peer *p);
bool bt_peer_has_piece(const bt_peer *p, uint32_t piece);
const bt_peer_stats *bt_peer_get_stats(const bt_peer *p);
/* false when conn is not open. */
bool bt_peer_conn_info(const bt_peer *p, uint32_t conn, bt_conn_info *info);
/* Open connections' ids in the order they were added (at most max). */
size_t bt_peer_conns(const bt_peer *p, uint32_t *ids, size_t max);
/* How many connected peers have `piece` (its availability). */
uint32_t bt_peer_availability(const bt_peer *p, uint32_t piece);

#endif
