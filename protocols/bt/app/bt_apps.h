/*
 * bt_apps: the BitTorrent application types of scenarios (docs/p2p.md,
 * "In the simulator").
 *
 * - "bt-tracker" (bt_tracker_app.c): an HTTP tracker (BEP 3, GET
 *   /announce) on a node's port, on bt_conn's tracker.
 * - "bt-peer" (bt_peer_app.c): a group of identical BitTorrent peers of
 *   one torrent, one per host (`host`, then `more_hosts`, the first
 *   `count` of them), seeds or leechers, on bt_conn's peer with a
 *   synthetic store (pieces checked with SHA-1, no copy of the file
 *   kept). It holds the run until its leechers have the whole file.
 *   Results: bt.csv (a row per peer), distribution_time, and the
 *   formulas "p2p-bound" and "p2p-cs-bound" (Kurose and Ross's bounds on the
 *   time to distribute a file to N peers).
 */
#ifndef APPSIM_BT_APPS_H
#define APPSIM_BT_APPS_H

#include "world/app.h"

extern const app_type bt_tracker_app;
extern const app_type bt_peer_app;

/* The scenario's configuration of a bt-tracker. */
typedef struct {
    int64_t port;
    int64_t interval; /* ns: the re-announce interval it answers (whole seconds) */
} bt_tracker_spec;

/* Maps a node's name to its IPv4 address (bt_conn_addr_fn; ud: the world). */
bool bt_app_node_ip(void *ud, const char *host, uint8_t ip[4]);

#endif
