/*
 * server_world: what the simulated HTTP server suites share — a client
 * and a server node joined by one link (100 Mbps, 5 ms each way), an HTTP
 * server on the server node, and raw clients that speak bytes to it.
 *
 * A raw client connects to "server" port 80, writes its request, and then,
 * if it has a body to pace, writes `piece` bytes of it every `interval`.
 * It records what it receives (length-only bytes and NUL bytes as '.', so
 * that strstr sees everything), when the first byte came, whether and when
 * the server closed or reset the connection. With `no_read` it never reads
 * (its receive window fills and the server's output stalls).
 *
 * Ownership: sw_world_init/sw_world_clear; the world takes the store it is
 * given. sw_client_start/sw_client_clear; a client must be cleared after
 * its world.
 */
#ifndef APPSIM_TESTS_SERVER_WORLD_H
#define APPSIM_TESTS_SERVER_WORLD_H

#include <glib.h>

#include "models/sim_host.h"
#include "protocols/http/http_server.h"

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    sim_host_t *ch, *sh;
    http_store *store;
    http_server *server;
} sw_world;

/* A world serving `store` (taken; NULL: the default in-memory store with
 * /index.html of 11 bytes and /big.bin of 100000 length-only bytes) with
 * configuration `c` (NULL: the defaults). */
void sw_world_init(sw_world *w, http_store *store, const http_server_config *c);
void sw_world_clear(sw_world *w);

typedef struct {
    sw_world *w;
    const char *request;  /* written on connect (borrowed) */
    size_t request_len;   /* 0: strlen(request) */
    const char *body;     /* paced after the request (borrowed), or NULL */
    size_t body_len, body_off, piece;
    sim_time_t interval;
    bool no_read;
    GString *reply;
    bool closed, failed;
    sim_time_t first_byte, closed_at;
    stream_t *s;
    host_timer_id pacer;
} sw_client;

/* Connects; set `body`, `piece`, `interval`, `no_read` before the world runs. */
void sw_client_start(sw_client *c, sw_world *w, const char *request);
void sw_client_clear(sw_client *c);

/* Sends `request` on a fresh connection to a server with configuration
 * `c` (NULL: the defaults) and the default store, runs the simulation for
 * 20 s and returns the reply (a new string); *closed says whether the
 * server closed within the first second. */
char *sw_exchange(const char *request, const http_server_config *c, bool *closed);

#endif
