/*
 * ftp_dataconn: one FTP data connection on the seams, the part the server
 * and the client glue (ftp_conn.c) share: the stream or the listener that
 * waits for it, the timer that gives up on it, the loop that writes what
 * the core has to send, and the stream callbacks, which tell the owner what
 * happened through a small table of operations and then let it pump.
 *
 * Internal to the FTP library. The owner embeds an ftp_dataconn, fills it
 * with ftp_dataconn_init and frees what it holds with ftp_dataconn_drop.
 * Every operation is called with the owner's pointer; `pump` comes last in
 * every callback, so the owner may report (and free itself) from there.
 */
#ifndef APPSIM_FTP_DATACONN_H
#define APPSIM_FTP_DATACONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seam/host.h"
#include "seam/stream.h"

typedef struct {
    /* What the core has to send on the data connection, and how much of it
     * the stream took. */
    const uint8_t *(*out)(void *owner, size_t *len);
    void (*written)(void *owner, size_t k);
    /* Bytes moved in either direction: the owner's inactivity timer restarts. */
    void (*activity)(void *owner);
    void (*connected)(void *owner);
    /* `data` may be NULL (length-only bytes of the simulator). */
    void (*received)(void *owner, const uint8_t *data, size_t len);
    void (*eof)(void *owner);
    /* The stream failed: `was_up` tells whether it had connected. */
    void (*failed)(void *owner, bool was_up, stream_err err);
    /* No data connection within the timeout (it has been dropped). */
    void (*timeout)(void *owner);
    /* Last in every callback: the owner carries on (and may free itself). */
    void (*pump)(void *owner);
} ftp_dataconn_ops;

typedef struct {
    host_env *env;
    const ftp_dataconn_ops *ops;
    void *owner;
    int64_t timeout_ns;
    stream_t *d;       /* NULL when none */
    host_listener *l;  /* waiting for the peer to connect (passive server, active client) */
    bool up;           /* d is connected (not still connecting) */
    bool refusing;     /* the owner is over: accept nothing more */
    host_timer_id timer;
} ftp_dataconn;

void ftp_dataconn_init(ftp_dataconn *dc, host_env *env, const ftp_dataconn_ops *ops, void *owner, int64_t timeout_ns);
/* Closes the stream or the listener and stops the timer. */
void ftp_dataconn_drop(ftp_dataconn *dc);
/* Writes what the core has to send while the stream takes it. */
void ftp_dataconn_push(ftp_dataconn *dc);
/* Listens on an ephemeral port for one connection; the port, or 0 when
 * listening failed (nothing is left open then). The timer is not started:
 * ftp_dataconn_arm does that once the owner has announced the port. */
uint16_t ftp_dataconn_listen(ftp_dataconn *dc);
/* Starts the timer that gives up on the data connection. */
void ftp_dataconn_arm(ftp_dataconn *dc);
/* Connects to (host, port) from `local_port` (0: any) and starts the
 * timer; false when it cannot even start. */
bool ftp_dataconn_connect(ftp_dataconn *dc, uint16_t local_port, const char *host, uint16_t port);

#endif
