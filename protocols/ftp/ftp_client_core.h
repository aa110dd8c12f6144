/*
 * ftp_client_core: the client side of FTP (RFC 959, RFC 2428) as a
 * sans-IO session that runs a list of operations given by the caller.
 * The control connection's bytes go through feed/output; the data
 * connections belong to the glue, which the core directs with actions
 * and which tells the core what happened through calls.
 *
 * Usage:
 *
 *     ftp_client_core *c = ftp_client_core_new(&cfg);
 *     ftp_client_core_set_peer(c, "10.0.0.2");   (the control peer, for 229)
 *     ... on control bytes:   ftp_client_core_feed(c, data, len);
 *     write(ftp_client_core_output(c, &n)); ftp_client_core_consume(c, n);
 *     while (ftp_client_core_next_action(c, &a)) { ... }
 *     while (ftp_client_core_next_event(c, &ev)) { ...; ftp_client_event_clear(&ev); }
 *
 * Dialogue: the greeting (220; 120 first is allowed); USER, then PASS on
 * 331 (230 to USER logs in at once); TYPE A or I; then each operation in
 * order; QUIT. A user NULL or "anonymous" logs in as "anonymous" with the
 * password "guest@" unless one is given.
 *
 * Operations with a data connection (get, put, list):
 * - passive: EPSV; 229 gives the port, the host is the control
 *   connection's peer (set_peer; the action's host is "" when it was not
 *   set, meaning that peer). On 500, 501 or 502 the client sends PASV and
 *   keeps to PASV for the rest of the session (RFC 2428 4); 227 gives
 *   host and port. Action DATA_CONNECT(host, port); the glue answers
 *   data_connected or data_failed. Then REST offset (get with an offset,
 *   350 expected), then RETR, STOR, APPE, LIST or NLST.
 * - active: action DATA_LISTEN; the glue opens a listener and answers
 *   data_listening(host, port) (or data_failed). The client sends EPRT
 *   (falling back to PORT for the session on 500/501/502, IPv4 only),
 *   expects 200, then REST and the transfer command; the glue calls
 *   data_connected when the server's connection arrives.
 * A transfer is complete when both its final reply (226 or 250) and its
 * data connection's end (data_eof for get and list; for put, the last
 * byte written and DATA_CLOSE given) have come, in either order, after
 * the preliminary 150 or 125. A 4xx/5xx final reply (425, 426, 550...)
 * fails the operation; when a data connection is open the core gives
 * DATA_CLOSE. The session goes on with the next operation.
 *
 * Actions (ftp_client_core_next_action; one data connection at a time):
 * - FTP_CLIENT_ACT_DATA_CONNECT: connect to `host` ("" = the control
 *   peer), `port`; answer data_connected or data_failed.
 * - FTP_CLIENT_ACT_DATA_LISTEN: listen; answer data_listening(host, port)
 *   with the address the server should connect to, or data_failed. Later
 *   accept one connection and call data_connected.
 * - FTP_CLIENT_ACT_DATA_SEND: a put's bytes are ready: pull them with
 *   data_out, write what the connection accepts, call data_written; pull
 *   again when the connection is writable. data_out says 0 when done.
 * - FTP_CLIENT_ACT_DATA_CLOSE: close (or stop listening on) the data
 *   connection: after a put's last byte (a graceful close, which tells
 *   the server the file's end) or to abort. Nothing more is expected of
 *   that connection; later calls about it are ignored.
 *
 * Events (in order), each naming its operation (`op`, 0-based):
 * OP_STARTED (stamp it with your clock), OP_PRELIM (150/125: code, text),
 * OP_DATA_CONNECTED, OP_BYTES (`bytes` just received or written),
 * OP_COMPLETED (final code, text; `data` the file or listing for get and
 * list, NULL with length-only data; `stats`), OP_FAILED (code, 0 when no
 * reply said why, and `text`: the reply or the reason), then DONE with
 * the session's `result` and text. Close the control connection.
 *
 * Results: OK (QUIT sent and answered or the connection closed after it),
 * AUTH (login refused; QUIT is still sent), ERROR (a greeting or TYPE
 * refused), PROTOCOL (a malformed reply, a reply over a limit or where
 * none was expected, a 1xx where it makes no sense, a bad 227/229),
 * CLOSED (the control connection ended before QUIT).
 *
 * Limits: reply lines and counts as ftp_codec says; at most
 * FTP_CLIENT_MAX_PENDING replies received ahead of the command they
 * answer; a listing at most FTP_CLIENT_MAX_LISTING bytes, a file at most
 * `max_file_size` (default 64 MB) as received: beyond them the operation
 * fails, the data connection is closed and the final reply is awaited.
 * An operation whose path or a login string holds a control character
 * fails (or, for login, the session ends ERROR) without sending it.
 *
 * Costs: O(1) per byte; a received file is held once.
 * Ownership: ftp_client_core_new/ftp_client_core_free; the config, its
 * operations and strings are copied (a put's data is borrowed and must
 * outlive the session); events own their text and data.
 */
#ifndef APPSIM_FTP_CLIENT_CORE_H
#define APPSIM_FTP_CLIENT_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FTP_CLIENT_DEFAULT_MAX_FILE (64u << 20) /* bytes: 64 MB */
#define FTP_CLIENT_MAX_LISTING (8u << 20)       /* bytes of a LIST or NLST */
#define FTP_CLIENT_MAX_PENDING 64               /* replies received ahead */
#define FTP_CLIENT_MAX_TEXT 4096                /* bytes of a reply's text kept in an event */

typedef enum {
    FTP_OP_GET,    /* path; offset > 0: REST offset, then RETR */
    FTP_OP_PUT,    /* path, data/size; append: APPE instead of STOR */
    FTP_OP_LIST,   /* path may be NULL; names: NLST instead of LIST */
    FTP_OP_SIZE,
    FTP_OP_MDTM,
    FTP_OP_CWD,
    FTP_OP_PWD,
    FTP_OP_MKD,
    FTP_OP_RMD,
    FTP_OP_DELE,
    FTP_OP_RENAME, /* path to path2: RNFR then RNTO */
    FTP_OP_NOOP,
} ftp_client_op_kind;

const char *ftp_client_op_name(ftp_client_op_kind k);

typedef struct {
    ftp_client_op_kind kind;
    const char *path;    /* NULL for PWD, NOOP and a LIST of the current folder */
    const char *path2;   /* RENAME's new name */
    uint64_t offset;     /* GET: restart at this byte */
    const uint8_t *data; /* PUT: borrowed; NULL: `size` length-only bytes */
    uint64_t size;       /* PUT: bytes to send */
    bool append;         /* PUT: APPE */
    bool names;          /* LIST: NLST */
    bool machine;        /* LIST: MLSD (RFC 3659 7: "type=file;size=5;... name" lines); before `names` */
} ftp_client_op;

typedef struct {
    const char *user;     /* NULL or "anonymous": anonymous */
    const char *password; /* NULL: "guest@" */
    bool ascii;           /* TYPE A (else TYPE I) */
    bool ascii_to_lf;     /* with TYPE A: CRLF becomes LF on receipt */
    bool active;          /* EPRT/PORT (else EPSV/PASV) */
    uint64_t max_file_size; /* 0: FTP_CLIENT_DEFAULT_MAX_FILE */
    const ftp_client_op *ops;
    size_t n_ops;
} ftp_client_config;

typedef enum {
    FTP_CLIENT_OK,
    FTP_CLIENT_AUTH,
    FTP_CLIENT_ERROR,
    FTP_CLIENT_PROTOCOL,
    FTP_CLIENT_CLOSED,
} ftp_client_result;

const char *ftp_client_result_name(ftp_client_result r);

typedef enum {
    FTP_CLIENT_ACT_DATA_CONNECT,
    FTP_CLIENT_ACT_DATA_LISTEN,
    FTP_CLIENT_ACT_DATA_SEND,
    FTP_CLIENT_ACT_DATA_CLOSE,
} ftp_client_action_kind;

typedef struct {
    ftp_client_action_kind kind;
    char host[46];  /* DATA_CONNECT: address literal, "" = the control peer */
    uint16_t port;  /* DATA_CONNECT */
} ftp_client_action;

typedef enum {
    FTP_CLIENT_EV_OP_STARTED,
    FTP_CLIENT_EV_OP_PRELIM,
    FTP_CLIENT_EV_OP_DATA_CONNECTED,
    FTP_CLIENT_EV_OP_BYTES,
    FTP_CLIENT_EV_OP_COMPLETED,
    FTP_CLIENT_EV_OP_FAILED,
    FTP_CLIENT_EV_DONE,
} ftp_client_event_kind;

/* Per-operation counters. */
typedef struct {
    uint32_t round_trips; /* commands answered with a final reply */
    uint32_t data_setups; /* data connections set up */
    uint64_t bytes;       /* data bytes received or written (as on the wire) */
} ftp_client_op_stats;

typedef struct {
    ftp_client_event_kind kind;
    size_t op;                 /* OP_*: index into the config's operations */
    ftp_client_op_kind op_kind;
    int code;                  /* PRELIM, COMPLETED, FAILED (0: no reply) */
    char *text;                /* owned: the reply's lines joined by '\n', or why */
    GBytes *data;              /* COMPLETED of GET and LIST: owned, may be NULL */
    uint64_t bytes;            /* OP_BYTES */
    ftp_client_op_stats stats; /* COMPLETED, FAILED */
    ftp_client_result result;  /* DONE */
} ftp_client_event;

typedef struct ftp_client_core ftp_client_core;

ftp_client_core *ftp_client_core_new(const ftp_client_config *cfg);
void ftp_client_core_free(ftp_client_core *c);
/* The control connection's peer address (for 229). */
void ftp_client_core_set_peer(ftp_client_core *c, const char *host);

/* Control connection. feed consumes everything (ignored once DONE). */
size_t ftp_client_core_feed(ftp_client_core *c, const uint8_t *data, size_t len);
void ftp_client_core_closed(ftp_client_core *c, const char *why);
const uint8_t *ftp_client_core_output(const ftp_client_core *c, size_t *len);
void ftp_client_core_consume(ftp_client_core *c, size_t n);

/* Data connection, as the glue sees it. Calls that do not fit the
 * moment (no data connection expected) are ignored. */
void ftp_client_core_data_listening(ftp_client_core *c, const char *host, uint16_t port);
void ftp_client_core_data_connected(ftp_client_core *c);
void ftp_client_core_data_failed(ftp_client_core *c, const char *why);
/* Bytes of a get or list (data NULL: length-only). */
void ftp_client_core_data_received(ftp_client_core *c, const uint8_t *data, size_t len);
void ftp_client_core_data_eof(ftp_client_core *c);
/* A put's bytes not yet written: *len of them (the pointer NULL for
 * length-only data); 0 when none are due. */
const uint8_t *ftp_client_core_data_out(const ftp_client_core *c, size_t *len);
void ftp_client_core_data_written(ftp_client_core *c, size_t n);

bool ftp_client_core_next_action(ftp_client_core *c, ftp_client_action *a);
bool ftp_client_core_next_event(ftp_client_core *c, ftp_client_event *ev);
void ftp_client_event_clear(ftp_client_event *ev);
bool ftp_client_core_done(const ftp_client_core *c);

#endif
