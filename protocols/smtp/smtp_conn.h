/*
 * smtp_conn: the SMTP cores glued to a connection (seam/stream.h) and to
 * the host's timers (seam/host.h): what the mail servers, the user agents
 * and the real-socket commands run on, in the simulator and on real
 * sockets alike.
 *
 * Server side: smtp_server_conn_new() takes an accepted stream (its
 * handler is set here), writes the greeting and then reads commands and
 * writes replies. Queued messages go to the handler's message() (the
 * envelope is handed over). The connection ends on QUIT, on the idle
 * timeout (421, then close: `idle_timeout_ns`, default 5 minutes, RFC
 * 5321 4.5.3.2), when the peer closes or fails, or on
 * smtp_server_conn_shutdown() (421); the handler's closed() then says so,
 * once, as the last thing done in that callback (an idle client whose
 * receive window is full even for the 421 is reset instead): the application frees
 * the connection from there (or later), never before.
 *
 * Client side: smtp_client_conn_new() connects to (host, port) and
 * delivers the messages added before the first reply arrives (or added
 * at any time before QUIT: smtp_client_conn_add_message); every event of
 * the client core goes to the handler's event() (borrowed for the call),
 * and closed() comes last, after the core's SMTP_CLIENT_EV_DONE. A
 * connection that fails or stays silent for `idle_timeout_ns` (default 5
 * minutes) fails the messages left (temporary failure, code 0).
 *
 * Flow control: output the stream does not accept stays in the core and
 * goes when the stream is writable again; while the server core pauses
 * (replies not taken), input is kept (at most one stream delivery) and
 * reading stops until the replies drain.
 *
 * Ownership: smtp_server_conn_new/smtp_server_conn_free and
 * smtp_client_conn_new/smtp_client_conn_free; free closes the stream if it is still open and
 * cancels the timer; the configs are copied by the cores.
 */
#ifndef APPSIM_SMTP_CONN_H
#define APPSIM_SMTP_CONN_H

#include <glib.h>
#include <stdint.h>

#include "seam/host.h"
#include "seam/stream.h"
#include "smtp_client_core.h"
#include "smtp_server_core.h"

#define SMTP_CONN_DEFAULT_IDLE_NS (INT64_C(300) * 1000000000) /* 5 minutes */

typedef struct smtp_server_conn smtp_server_conn;
typedef struct smtp_client_conn smtp_client_conn;

typedef struct {
    /* A message was queued (250): `env` is the application's now. */
    void (*message)(void *ud, smtp_server_conn *c, smtp_envelope *env);
    /* The connection is over (`why`: "quit", "idle", "shutdown", "peer
     * closed", or the stream's error text). */
    void (*closed)(void *ud, smtp_server_conn *c, const char *why);
} smtp_server_conn_handler;

/* `idle_timeout_ns` 0: SMTP_CONN_DEFAULT_IDLE_NS. */
smtp_server_conn *smtp_server_conn_new(host_env *env, stream_t *s, const smtp_server_config *cfg,
                                       const smtp_server_callbacks *cb, void *cb_ud,
                                       const smtp_server_conn_handler *h, void *ud, int64_t idle_timeout_ns);
void smtp_server_conn_free(smtp_server_conn *c);
/* 421 and close (the server goes down). */
void smtp_server_conn_shutdown(smtp_server_conn *c);

typedef struct {
    void (*event)(void *ud, smtp_client_conn *c, const smtp_client_event *ev);
    void (*closed)(void *ud, smtp_client_conn *c);
} smtp_client_conn_handler;

/* NULL with `err` when the host cannot even start the connection. */
smtp_client_conn *smtp_client_conn_new(host_env *env, const char *host, uint16_t port, const smtp_client_config *cfg,
                                       const smtp_client_conn_handler *h, void *ud, int64_t idle_timeout_ns,
                                       GError **err);
void smtp_client_conn_add_message(smtp_client_conn *c, const smtp_envelope *env);
void smtp_client_conn_free(smtp_client_conn *c);

#endif
