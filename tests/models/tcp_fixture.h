/*
 * tcp_fixture: the two-host network the TCP suites share, written once.
 * A client and a server joined by one link named "link", one TCP stack
 * with default parameters, and (when asked) one request and response
 * between them through models/reqresp on port 80.
 *
 * Use: tcp_fix_init, optionally set up the link, traces and connection
 * callbacks, tcp_fix_exchange, read f.cl and the link's counters, then
 * tcp_fix_clear. The fixture lives where the caller puts it and must not
 * move once the exchange has started (the stack holds pointers into it).
 */
#ifndef APPSIM_TESTS_MODELS_TCP_FIXTURE_H
#define APPSIM_TESTS_MODELS_TCP_FIXTURE_H

#include <stdbool.h>

#include "models/reqresp.h"
#include "models/tcp.h"

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    node_t *client, *server;
    link_t *link;  /* client to server is direction 0, server to client 1 */
    rr_server srv; /* valid after tcp_fix_exchange */
    rr_client cl;  /* valid after tcp_fix_exchange */
    bool started;  /* tcp_fix_exchange has run */
} tcp_fix;

/* Builds the network: seed `seed`, the server's name `server_name` (NULL:
 * "server"), `fwd` the client-to-server direction and `back` the other
 * (NULL: the same as fwd). Both parameter sets are borrowed. */
void tcp_fix_init(tcp_fix *f, uint64_t seed, const char *server_name, const link_params_t *fwd,
                  const link_params_t *back);
/* One reqresp exchange: the server listens on port 80 with `sp`, the
 * client connects with `cp` (either NULL: the stack's defaults), the
 * simulation runs to its end, and the client must have completed all of
 * spec->requests responses (asserted). */
void tcp_fix_exchange(tcp_fix *f, const tcp_params_t *cp, const tcp_params_t *sp, const rr_spec *spec);
/* Frees the client, the stack, the network, the simulation and the server,
 * in that order. */
void tcp_fix_clear(tcp_fix *f);

#endif
