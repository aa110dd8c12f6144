/*
 * pop3_conn: the POP3 cores glued to a connection (seam/stream.h) and to
 * the host's timers (seam/host.h): what the POP3 server and the mail
 * readers run on, in the simulator and on real sockets alike.
 *
 * Server side: pop3_server_conn_new() takes an accepted stream (its
 * handler is set here), writes the greeting, then reads commands and
 * writes responses over the mail store. The connection ends on QUIT
 * (after UPDATE), after too many bad commands, on the autologout timer
 * (`idle_timeout_ns` without input, default 10 minutes, RFC 1939 3's
 * minimum: the connection is closed with no response and nothing
 * deleted), when the peer closes or fails (nothing deleted), or on
 * pop3_server_conn_shutdown() (nothing deleted). The handler's closed()
 * then says so, once, as the last thing done in that callback: the
 * application frees the connection from there (or later), never before.
 * login() reports each login attempt (user name as given, success).
 *
 * Client side: pop3_client_conn_new() connects to (host, port) and runs
 * the client core's session; every event goes to the handler's event()
 * (borrowed for the call), and closed() comes last, after the core's
 * POP3_CLIENT_EV_DONE. A connection that fails or stays silent for
 * `idle_timeout_ns` (default POP3_CONN_DEFAULT_CLIENT_IDLE_NS) ends the
 * session with POP3_CLIENT_CLOSED.
 *
 * Flow control: output the stream does not accept stays in the core and
 * goes when the stream is writable again; while the server core pauses
 * (responses not taken), input is kept (at most one stream delivery) and
 * reading stops until the responses drain.
 *
 * Ownership: pop3_server_conn_new/pop3_server_conn_free and
 * pop3_client_conn_new/pop3_client_conn_free; free closes the stream if
 * it is still open (nothing deleted) and cancels the timer; the store is
 * borrowed; the configs are copied by the cores.
 */
#ifndef APPSIM_POP3_CONN_H
#define APPSIM_POP3_CONN_H

#include <glib.h>
#include <stdint.h>

#include "pop3_client_core.h"
#include "pop3_server_core.h"
#include "seam/host.h"
#include "seam/stream.h"

#define POP3_CONN_DEFAULT_IDLE_NS (INT64_C(600) * 1000000000)        /* 10 minutes (RFC 1939 3) */
#define POP3_CONN_DEFAULT_CLIENT_IDLE_NS (INT64_C(120) * 1000000000) /* 2 minutes */

typedef struct pop3_server_conn pop3_server_conn;
typedef struct pop3_client_conn pop3_client_conn;

typedef struct {
    /* A login attempt: `user` as given (borrowed), `ok` whether it succeeded. */
    void (*login)(void *ud, pop3_server_conn *c, const char *user, bool ok);
    /* The connection is over (`why`: "quit", "bad commands", "idle",
     * "shutdown", "peer closed", or the stream's error text). */
    void (*closed)(void *ud, pop3_server_conn *c, const char *why);
} pop3_server_conn_handler;

/* `idle_timeout_ns` 0: POP3_CONN_DEFAULT_IDLE_NS. */
pop3_server_conn *pop3_server_conn_new(host_env *env, stream_t *s, const pop3_server_config *cfg, mail_store *store,
                                       const pop3_server_conn_handler *h, void *ud, int64_t idle_timeout_ns);
void pop3_server_conn_free(pop3_server_conn *c);
/* Closes at once without UPDATE (the server goes down). */
void pop3_server_conn_shutdown(pop3_server_conn *c);
const pop3_server_stats *pop3_server_conn_stats(const pop3_server_conn *c);

typedef struct {
    void (*event)(void *ud, pop3_client_conn *c, const pop3_client_event *ev);
    void (*closed)(void *ud, pop3_client_conn *c);
} pop3_client_conn_handler;

/* NULL with `err` when the host cannot even start the connection.
 * `idle_timeout_ns` 0: POP3_CONN_DEFAULT_CLIENT_IDLE_NS. */
pop3_client_conn *pop3_client_conn_new(host_env *env, const char *host, uint16_t port, const pop3_client_config *cfg,
                                       const pop3_client_conn_handler *h, void *ud, int64_t idle_timeout_ns,
                                       GError **err);
void pop3_client_conn_free(pop3_client_conn *c);
const pop3_client_stats *pop3_client_conn_stats(const pop3_client_conn *c);

#endif
