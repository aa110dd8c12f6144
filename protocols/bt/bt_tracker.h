/*
 * bt_tracker: the HTTP tracker of BitTorrent (BEP 3, compact peer lists of
 * BEP 23), sans-IO: the announce request's query string, the tracker's
 * bencoded response, and a tracker's state. No sockets and no HTTP here:
 * the application that serves GET /announce hands the query string (the
 * part after '?') and the requester's address to bt_tracker_handle_query
 * and sends the bytes it returns as the body of a 200 response
 * (text/plain).
 *
 * Announce query (bt_announce_query builds, bt_announce_parse reads):
 *   info_hash, peer_id  20 bytes each, percent-encoded byte by byte (every
 *                       byte outside A-Z a-z 0-9 - . _ ~ as %XX)
 *   port                1 to 65535
 *   uploaded, downloaded, left   0 to 2^63 - 1 (bytes)
 *   compact             0 or 1 (absent: 0)
 *   event               started, completed, stopped, or "empty", empty or
 *                       absent (the last three: no event)
 *   numwant             0 to 2^32 - 1, capped at BT_NUMWANT_MAX (absent:
 *                       BT_NUMWANT_DEFAULT)
 * The parser is strict: the six first keys are required; a key given
 * twice, a malformed %-escape, a number with anything but decimal digits
 * (or out of range) and an info_hash or peer_id that is not 20 bytes
 * after unescaping are errors (BT_TRACKER_ERROR). Unknown keys (key, ip,
 * trackerid, no_peer_id, supportcrypto...) are ignored. '+' stands for a
 * space. The query is at most BT_QUERY_MAX bytes in at most
 * BT_QUERY_MAX_PARAMS parameters.
 *
 * Peer addresses are transport-neutral: an IPv4 address as its 4 bytes in
 * network order and a port (bt_peer_addr), which is what the compact form
 * carries; bt_peer_addr_format gives "a.b.c.d:port" for logs and for the
 * simulator, whose nodes have IPv4 addresses too. IPv6 (BEP 7) is not
 * supported: a dictionary-form peer whose "ip" is not a dotted IPv4
 * address (a host name, IPv6) is skipped and counted.
 *
 * Response (bt_response_encode/_encode_failure write, bt_response_parse
 * reads): a dictionary with "interval" (seconds), "complete" (seeds),
 * "incomplete" (leechers), "min interval" optionally, and "peers", either
 * a byte string of 6 bytes per peer (compact: address then port, network
 * order) or a list of dictionaries {"ip", "port", "peer id"}; or a
 * dictionary with "failure reason". The parser wants the bencoding valid
 * (at most BT_RESPONSE_MAX_SIZE bytes, depth 8), interval 0 to 2^31 - 1,
 * counts 0 to 2^31 - 1 when present, at most BT_RESPONSE_MAX_PEERS peers,
 * ports 1 to 65535, a "peer id" of 20 bytes when present; other keys are
 * ignored.
 *
 * Tracker state (bt_tracker): swarms by info_hash (at most
 * cfg.max_swarms), each with its peers (at most cfg.max_peers each) by
 * peer_id: address, port, left, last seen. An announce adds or updates
 * the peer (a peer_id seen again takes the new address, port and left;
 * "stopped" removes it; "completed" counts a download), first dropping
 * the swarm's peers not heard from for cfg.peer_timeout. The answer lists
 * up to numwant other peers: all of them when they are no more than
 * numwant, in the order they joined; otherwise numwant of them picked by a
 * partial Fisher-Yates shuffle driven by the tracker's own generator
 * (splitmix64 seeded with cfg.seed), so the same announces in the same
 * order give the same answers. A seed is a peer with left = 0. A swarm
 * left without peers is forgotten (its download count too). Swarms are
 * kept in a tree sorted by info_hash; no output depends on hashing or
 * pointers. The tracker's clock is the caller's (now_ns), never the wall
 * clock.
 *
 * Costs: an announce is O(log swarms + peers of the swarm); parsing and
 * encoding are linear in their input and output.
 * Ownership: bt_tracker_new -> bt_tracker_free; bt_response_parse ->
 * bt_response_free; strings and byte arrays returned are new (g_free,
 * g_byte_array_unref).
 */
#ifndef APPSIM_BT_TRACKER_H
#define APPSIM_BT_TRACKER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BT_ID_LEN 20
#define BT_QUERY_MAX 4096            /* bytes of an announce query string */
#define BT_QUERY_MAX_PARAMS 64       /* key=value pairs in it */
#define BT_NUMWANT_DEFAULT 50        /* peers asked for when numwant is absent */
#define BT_NUMWANT_MAX 200           /* numwant is capped at this */
#define BT_RESPONSE_MAX_SIZE (1024 * 1024) /* bytes of a tracker response */
#define BT_RESPONSE_MAX_PEERS 10000  /* peers in one response */
#define BT_FAILURE_MAX 1024          /* bytes of a failure reason kept */

#define BT_TRACKER_ERROR (bt_tracker_error_quark())
GQuark bt_tracker_error_quark(void);

typedef enum {
    BT_TRACKER_ERROR_QUERY,    /* a malformed announce query */
    BT_TRACKER_ERROR_RESPONSE, /* a malformed tracker response */
} bt_tracker_error_code;

typedef enum {
    BT_EVENT_NONE,
    BT_EVENT_STARTED,
    BT_EVENT_COMPLETED,
    BT_EVENT_STOPPED,
} bt_event;

/* "started", "completed", "stopped", or "" for BT_EVENT_NONE. */
const char *bt_event_name(bt_event e);

typedef struct {
    uint8_t info_hash[BT_ID_LEN];
    uint8_t peer_id[BT_ID_LEN];
    uint16_t port;       /* 1 to 65535 */
    uint64_t uploaded;   /* bytes, at most INT64_MAX */
    uint64_t downloaded; /* bytes, at most INT64_MAX */
    uint64_t left;       /* bytes, at most INT64_MAX */
    bool compact;
    bt_event event;
    uint32_t numwant; /* at most BT_NUMWANT_MAX once parsed */
} bt_announce;

typedef struct {
    uint8_t ip[4]; /* IPv4, network order */
    uint16_t port;
    bool has_peer_id;
    uint8_t peer_id[BT_ID_LEN];
} bt_peer_addr;

#define BT_PEER_ADDR_STRLEN 22 /* "255.255.255.255:65535" and NUL */

/* Writes "a.b.c.d:port" into buf. */
void bt_peer_addr_format(const bt_peer_addr *p, char buf[BT_PEER_ADDR_STRLEN]);

/* Parses a dotted IPv4 address (four numbers 0 to 255 in decimal, no
 * leading zeros, len bytes); false when it is not one. */
bool bt_parse_ipv4(const char *s, size_t len, uint8_t out[4]);

/* The query string (no leading '?') of an announce; numwant is written
 * as given. */
char *bt_announce_query(const bt_announce *a);

/* Parses query[0, len). false and a GError on any error. */
bool bt_announce_parse(const char *query, size_t len, bt_announce *out, GError **error);

/* Whether two announces have the same fields (not memcmp: the struct has
 * padding). */
bool bt_announce_equal(const bt_announce *a, const bt_announce *b);

typedef struct {
    char *failure;           /* "failure reason" (NUL-terminated), or NULL */
    int64_t interval;        /* seconds; 0 with a failure */
    int64_t min_interval;    /* seconds, -1 when absent */
    int64_t complete;        /* seeds, -1 when absent */
    int64_t incomplete;      /* leechers, -1 when absent */
    bt_peer_addr *peers;
    size_t npeers;
    size_t skipped;          /* dictionary-form peers not IPv4, skipped */
} bt_response;

/* A response listing peers[0, n) (compact, or the dictionary form, with
 * "peer id" for the peers that have one). */
GByteArray *bt_response_encode(int64_t interval, int64_t complete, int64_t incomplete, const bt_peer_addr *peers,
                               size_t n, bool compact);
GByteArray *bt_response_encode_failure(const char *reason);

bt_response *bt_response_parse(const uint8_t *data, size_t len, GError **error);
void bt_response_free(bt_response *r);

/* ---- tracker state ---- */

typedef struct {
    int64_t interval_s;     /* the "interval" answered; 0: 1800 */
    int64_t peer_timeout_s; /* a peer not heard from this long is dropped; 0: 2 * interval */
    size_t max_swarms;      /* 0: 1024 */
    size_t max_peers;       /* per swarm; 0: 10000 */
    uint64_t seed;          /* of the peer choice */
} bt_tracker_config;

typedef struct bt_tracker bt_tracker;

bt_tracker *bt_tracker_new(const bt_tracker_config *cfg);
void bt_tracker_free(bt_tracker *t);

/* Handles an announce from ip (4 bytes) at now_ns (nanoseconds, any epoch
 * but one clock); returns the response's bytes: the peers, or a failure
 * (tracker full). */
GByteArray *bt_tracker_announce(bt_tracker *t, const bt_announce *a, const uint8_t ip[4], int64_t now_ns);

/* Parses query[0, len) and handles it; a malformed query is answered with
 * a failure response that says why. */
GByteArray *bt_tracker_handle_query(bt_tracker *t, const char *query, size_t len, const uint8_t ip[4],
                                    int64_t now_ns);

/* Drops every peer not heard from for the peer timeout, and empty swarms. */
void bt_tracker_expire(bt_tracker *t, int64_t now_ns);

/* Seeds, leechers and completed downloads of a swarm; false when the
 * tracker has no such swarm. */
bool bt_tracker_counts(const bt_tracker *t, const uint8_t info_hash[BT_ID_LEN], size_t *seeds, size_t *leechers,
                       uint64_t *downloaded);

size_t bt_tracker_swarm_count(const bt_tracker *t);

#endif
