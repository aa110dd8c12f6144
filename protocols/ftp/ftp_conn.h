/*
 * ftp_conn: the FTP cores glued to streams (seam/stream.h) and to the
 * host's timers (seam/host.h): what the FTP server and client
 * applications run on, in the simulator and on real sockets alike.
 *
 * Server side: ftp_server_conn_new() takes an accepted control stream
 * (its handler is set here), writes the greeting, then reads commands and
 * writes replies over the file store. Data connections are the glue's:
 *  - passive (PASV, EPSV): host_listen() on port 0; the core is told the
 *    address of this end of the control connection (as an address
 *    literal, see "Addresses") and the listener's port; the first
 *    connection accepted is the data connection (later ones are reset).
 *  - active (PORT, EPRT): host_connect_from() to the address the client
 *    gave, from the server's data port (RFC 959 3.2: L-1, 20 beside 21):
 *    `data_port` in ftp_conn_options, by default the control connection's
 *    local port minus one. When the host cannot have that port (busy, or
 *    below 1024 for a process that is not root), the connection comes
 *    from an ephemeral port (the host logs it): no client checks the
 *    port, and nothing in the dialogue changes.
 *  - a data connection that is neither accepted nor up after
 *    `data_timeout_ns` (default 30 s): the core's data_timeout (425).
 * The control connection ends after QUIT or 421 (once the replies are
 * written), after `idle_timeout_ns` without input on either connection
 * (default 5 minutes: "421 Timeout" is written, then the connection is
 * closed), when the peer closes or fails, or on ftp_server_conn_shutdown().
 * The handler's closed() then says so, once, as the last thing done in
 * that callback: the application frees the connection from there (or
 * later), never before.
 *
 * Client side: ftp_client_conn_new() connects to (host, port) and runs the
 * client core's session; every event goes to the handler's event()
 * (borrowed for the call), and closed() comes last, after the core's
 * FTP_CLIENT_EV_DONE. Passive data connections go to the 227/229 address
 * (229's host: the control connection's peer); active ones: host_listen()
 * on port 0, and the core is given this end's address of the control
 * connection with the listener's port. A control connection that stays
 * silent for `idle_timeout_ns` (default FTP_CONN_DEFAULT_CLIENT_IDLE_NS,
 * not counted while a data connection carries bytes) ends the session
 * (FTP_CLIENT_CLOSED); a data connection not up after `data_timeout_ns`
 * fails its operation (the core's data_failed).
 *
 * Addresses: the cores speak address literals (PORT and 227 need IPv4
 * ones), but a stream's address (stream_addr) names the node in the
 * simulator and is a literal only on real sockets. The caller gives a
 * mapping, `addr` in ftp_conn_options: the simulator's applications map a
 * node's name to its address with app_world_node_address(); NULL keeps
 * the names as they are (real sockets). The server core's bounce check
 * (PORT/EPRT naming another host than the control peer) compares with the
 * control peer mapped the same way.
 *
 * Flow control: replies the control stream does not accept stay in the
 * core and go when it is writable again; while the server core pauses,
 * input is kept and reading stops until the replies drain. A transfer's
 * bytes are pulled from the core as the data stream accepts them
 * (DATA_SEND, then every writable()).
 *
 * Ownership: ftp_server_conn_new/ftp_server_conn_free and
 * ftp_client_conn_new/ftp_client_conn_free; free closes the streams still
 * open and cancels the timers; the store is borrowed; the configs are
 * copied by the cores (a put's data is borrowed, see ftp_client_core.h).
 */
#ifndef APPSIM_FTP_CONN_H
#define APPSIM_FTP_CONN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ftp_client_core.h"
#include "ftp_server_core.h"
#include "seam/host.h"
#include "seam/stream.h"

#define FTP_CONN_DEFAULT_IDLE_NS (INT64_C(300) * 1000000000)        /* 5 minutes */
#define FTP_CONN_DEFAULT_CLIENT_IDLE_NS (INT64_C(120) * 1000000000) /* 2 minutes */
#define FTP_CONN_DEFAULT_DATA_NS (INT64_C(30) * 1000000000)         /* 30 s */
#define FTP_CONN_DATA_PORT_ANY (-1)                                  /* see data_port */

/* Writes the address literal of `host` (a stream address's host) into
 * `out`; false when it has none (the name is then used as it is). */
typedef bool (*ftp_conn_addr_fn)(void *ud, const char *host, char out[46]);

typedef struct {
    int64_t idle_timeout_ns; /* 0: the side's default */
    int64_t data_timeout_ns; /* 0: FTP_CONN_DEFAULT_DATA_NS */
    /* Server: the local port of active data connections. 0: the control
     * connection's local port - 1 (RFC 959's L-1); FTP_CONN_DATA_PORT_ANY:
     * an ephemeral port; 1-65535: that port. */
    int32_t data_port;
    ftp_conn_addr_fn addr;   /* NULL: names as they are */
    void *addr_ud;
} ftp_conn_options;

typedef struct ftp_server_conn ftp_server_conn;
typedef struct ftp_client_conn ftp_client_conn;

typedef struct {
    /* The connection is over (`why`: "quit", "idle", "shutdown", "peer
     * closed", or the stream's error text). */
    void (*closed)(void *ud, ftp_server_conn *c, const char *why);
} ftp_server_conn_handler;

/* `opts` NULL: the defaults. */
ftp_server_conn *ftp_server_conn_new(host_env *env, stream_t *s, const ftp_server_config *cfg, ftp_fs *fs,
                                     const ftp_conn_options *opts, const ftp_server_conn_handler *h, void *ud);
void ftp_server_conn_free(ftp_server_conn *c);
/* Closes at once (the server goes down). */
void ftp_server_conn_shutdown(ftp_server_conn *c);

typedef struct {
    void (*event)(void *ud, ftp_client_conn *c, const ftp_client_event *ev);
    void (*closed)(void *ud, ftp_client_conn *c);
} ftp_client_conn_handler;

/* NULL with `err` when the host cannot even start the connection. */
ftp_client_conn *ftp_client_conn_new(host_env *env, const char *host, uint16_t port, const ftp_client_config *cfg,
                                     const ftp_conn_options *opts, const ftp_client_conn_handler *h, void *ud,
                                     GError **err);
void ftp_client_conn_free(ftp_client_conn *c);
/* Bytes of the control connection so far: received, and written (taken
 * by the stream). */
void ftp_client_conn_control_bytes(const ftp_client_conn *c, uint64_t *in, uint64_t *out);

#endif
