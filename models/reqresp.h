/*
 * reqresp: a request/response workload over the stream seam.
 *
 * The server answers each request of `req_bytes` with `resp_bytes` (real,
 * patterned bytes or length-only) and closes once it has answered
 * `requests` requests. The client sends its requests one after the other on
 * one connection (the next when the previous response is complete),
 * records when the connection opened and when the last byte arrived, and,
 * when asked, digests what it received so that a test can compare it with
 * rr_expected_digest().
 *
 * This is the transport-level workload of the TCP tests and benchmarks; the
 * application protocols (HTTP and the rest) live in protocols/.
 *
 * Ownership: rr_server and rr_client are embedded by the caller.
 * rr_server_clear frees the sessions still open when a run is cut short
 * (call it after the stack is freed); rr_client_clear frees the digest.
 */
#ifndef APPSIM_REQRESP_H
#define APPSIM_REQRESP_H

#include <glib.h>

#include "models/tcp.h"

typedef struct {
    uint64_t req_bytes, resp_bytes;
    bool real;            /* real patterned bytes rather than length-only */
    uint32_t requests;    /* on one connection; 1 = non-persistent */
    bool digest;          /* the client digests what it receives (SHA-256) */
} rr_spec;

/* The byte at offset i of every response. */
static inline uint8_t rr_pattern(uint64_t i) { return (uint8_t)((i * 131u + (i >> 9)) & 0xffu); }

typedef struct rr_server rr_server;
typedef struct rr_client rr_client;

struct rr_server {
    rr_spec spec;
    uint32_t accepted, served;
    stream_t *last; /* the newest accepted stream (valid until it closes) */
    GPtrArray *sessions; /* open sessions, freed by rr_server_clear */
};

struct rr_client {
    rr_spec spec;
    sim_t *sim;
    stream_t *s;
    sim_time_t t_connect, t_connected, t_last;
    uint64_t got;           /* bytes of the current response */
    uint64_t total;         /* bytes of all responses */
    uint64_t req_sent;      /* bytes of the current request written */
    uint32_t done;          /* responses complete */
    bool closed, peer_closed;
    stream_err err;
    GChecksum *digest;      /* NULL unless spec.digest */
    tcp_stats_t stats;      /* read just before closing */
};

/* Both return false (with `err` set) when the stack refuses the socket. */
bool rr_server_listen(rr_server *srv, tcp_stack_t *st, node_t *host, uint16_t port,
                      const tcp_params_t *p, const rr_spec *spec, GError **err);
/* Frees the sessions still open (call after the stack is freed). */
void rr_server_clear(rr_server *srv);
bool rr_client_start(rr_client *cl, tcp_stack_t *st, node_t *host, node_t *server, uint16_t port,
                     const tcp_params_t *p, const rr_spec *spec, GError **err);
void rr_client_clear(rr_client *cl);
/* The digest a client must see for `bytes` bytes of responses. */
char *rr_expected_digest(uint64_t bytes_per_response, uint32_t responses);

#endif
