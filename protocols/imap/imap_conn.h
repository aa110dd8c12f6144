/*
 * imap_conn: the IMAP cores glued to a connection (seam/stream.h) and to
 * the host's timers (seam/host.h): what the IMAP server and the mail
 * readers run on, in the simulator and on real sockets alike.
 *
 * Server side: imap_server_conn_new() takes an accepted stream (its
 * handler is set here), writes the greeting, then reads commands and
 * writes responses over the mail store. Whether LOGIN is refused
 * (`login_disabled` of the config, LOGINDISABLED) is chosen by the caller
 * for each connection, e.g. by whether it came over a trusted network.
 * The connection ends on LOGOUT, after too many bad commands, on the
 * autologout timer (`idle_timeout_ns` without input, default 30 minutes,
 * RFC 3501 5.4's minimum: "* BYE" is written, then the connection
 * closes), when the peer closes or fails, or on
 * imap_server_conn_shutdown() ("* BYE", then closed). Whatever way it
 * ends, what earlier commands did stays done: flags stored are in the
 * store (durable), and only EXPUNGE (or CLOSE) removes messages; a
 * dropped connection removes nothing. The handler's closed() then says
 * so, once, as the last thing done in that callback: the application
 * frees the connection from there (or later), never before.
 *
 * Client side: imap_client_conn_new() connects to (host, port) and runs
 * the client core's session; every event goes to the handler's event()
 * (borrowed for the call), and closed() comes last, after the core's
 * IMAP_CLIENT_EV_DONE. A connection that fails or stays silent for
 * `idle_timeout_ns` (default IMAP_CONN_DEFAULT_CLIENT_IDLE_NS) ends the
 * session (DONE, not ok).
 *
 * Flow control, both ways: output the stream does not accept stays in
 * the core and goes when the stream is writable again; while the server
 * core pauses (its output not taken reached IMAP_SERVER_OUTPUT_HIGH),
 * input is kept (at most one stream delivery) and reading stops until
 * the responses drain.
 *
 * Counters: bytes read and written on the stream, per connection
 * (imap_server_conn_bytes_in/out, imap_client_conn_bytes_in/out).
 *
 * Ownership: imap_server_conn_new/imap_server_conn_free and
 * imap_client_conn_new/imap_client_conn_free; free closes the stream if
 * it is still open (nothing expunged) and cancels the timer; the store
 * is borrowed; the configs are copied by the cores.
 */
#ifndef APPSIM_IMAP_CONN_H
#define APPSIM_IMAP_CONN_H

#include <glib.h>
#include <stdint.h>

#include "imap_client_core.h"
#include "imap_server_core.h"
#include "seam/host.h"
#include "seam/stream.h"

#define IMAP_CONN_DEFAULT_IDLE_NS (INT64_C(1800) * 1000000000)       /* 30 minutes (RFC 3501 5.4) */
#define IMAP_CONN_DEFAULT_CLIENT_IDLE_NS (INT64_C(120) * 1000000000) /* 2 minutes */

typedef struct imap_server_conn imap_server_conn;
typedef struct imap_client_conn imap_client_conn;

typedef struct {
    /* The connection is over (`why`: "logout" when the core ended the
     * session (LOGOUT, or its own BYE after too many bad commands or an
     * over-long literal), "idle", "shutdown", "peer closed", or the
     * stream's error text). */
    void (*closed)(void *ud, imap_server_conn *c, const char *why);
} imap_server_conn_handler;

/* `cfg` may be NULL (the defaults, LOGIN allowed). `idle_timeout_ns` 0:
 * IMAP_CONN_DEFAULT_IDLE_NS. */
imap_server_conn *imap_server_conn_new(host_env *env, stream_t *s, const imap_server_config *cfg, mail_store *store,
                                       const imap_server_conn_handler *h, void *ud, int64_t idle_timeout_ns);
void imap_server_conn_free(imap_server_conn *c);
/* "* BYE", then closed once that is written (the server goes down). */
void imap_server_conn_shutdown(imap_server_conn *c);
imap_server_state imap_server_conn_state(const imap_server_conn *c);
uint64_t imap_server_conn_bytes_in(const imap_server_conn *c);
uint64_t imap_server_conn_bytes_out(const imap_server_conn *c);

typedef struct {
    void (*event)(void *ud, imap_client_conn *c, const imap_client_event *ev);
    void (*closed)(void *ud, imap_client_conn *c);
} imap_client_conn_handler;

/* NULL with `err` when the host cannot even start the connection.
 * `idle_timeout_ns` 0: IMAP_CONN_DEFAULT_CLIENT_IDLE_NS. */
imap_client_conn *imap_client_conn_new(host_env *env, const char *host, uint16_t port, const imap_client_config *cfg,
                                       const imap_client_conn_handler *h, void *ud, int64_t idle_timeout_ns,
                                       GError **err);
void imap_client_conn_free(imap_client_conn *c);
imap_client_state imap_client_conn_state(const imap_client_conn *c);
uint64_t imap_client_conn_bytes_in(const imap_client_conn *c);
uint64_t imap_client_conn_bytes_out(const imap_client_conn *c);
/* Commands the client sent (imap_client_core_commands). */
unsigned imap_client_conn_commands(const imap_client_conn *c);

#endif
