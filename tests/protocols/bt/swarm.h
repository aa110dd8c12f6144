/*
 * swarm: a tiny deterministic loop that wires several bt_peer cores
 * together in the test process (no sockets, no simulator).
 *
 * Time advances in steps of `step_ns`. At each step every node, in order,
 * is ticked, then its connections' output is moved to the other end: a
 * node sends at most up_rate x step bytes per step over all its
 * connections (0: unlimited), taken round robin in pieces of at most
 * 1 KiB, so rates and choking matter. Every node connects to every other
 * once both have joined (the lower index first), except that a node with
 * avoid_seeds is not connected to the nodes that start as seeds. Events are drained after
 * every call into a log ("time node event conn piece" lines); a DROPPED
 * event closes the connection at the other end too. Every byte moved is
 * also hashed (SHA-256), per direction, into a digest of the run.
 *
 * Content: either random bytes in memory (a memory store per node, the
 * seeds' filled) or the synthetic content (a synthetic store per node,
 * corrupt_piece making a node serve one bad piece).
 */
#ifndef APPSIM_TEST_BT_SWARM_H
#define APPSIM_TEST_BT_SWARM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "protocols/bt/bt_peer.h"

typedef struct {
    bool seed;
    bool free_rider;
    uint64_t up_rate;      /* bytes per second; 0: unlimited */
    int64_t corrupt_piece; /* synthetic content only; -1: none */
    int64_t join_ns;       /* when it connects to the others */
    unsigned pipeline;     /* 0: the default */
    bool avoid_seeds;      /* not connected to the nodes that start as seeds */
} swarm_node_spec;

typedef struct {
    uint64_t total;
    uint32_t piece_length;
    uint64_t seed;         /* content and every node's generator */
    bool synthetic;
    const swarm_node_spec *nodes;
    size_t n_nodes;
    int64_t step_ns;       /* 0: 50 ms */
    int64_t max_ns;        /* stop after this much simulated time */
} swarm_spec;

typedef struct swarm swarm;

swarm *swarm_new(const swarm_spec *spec);
void swarm_free(swarm *w);
/* Runs until every node is complete (or max_ns); returns the time. */
int64_t swarm_run(swarm *w);
bt_peer *swarm_core(swarm *w, size_t node);
/* When the node completed (-1: never). */
int64_t swarm_completed_at(swarm *w, size_t node);
/* The event log and the digest of every byte moved. */
const char *swarm_log(swarm *w);
char *swarm_digest(swarm *w);
/* Events of `kind` node had (and with reason, for DROPPED; BT_DROP_NONE: any). */
unsigned swarm_count(swarm *w, size_t node, bt_peer_event_kind kind, bt_drop_reason reason);
/* The content, and the node's bytes (memory stores only; NULL otherwise). */
const uint8_t *swarm_content(swarm *w);
const uint8_t *swarm_bytes(swarm *w, size_t node);
/* The piece hashes of the content. */
const uint8_t *swarm_hashes(swarm *w);

#endif
