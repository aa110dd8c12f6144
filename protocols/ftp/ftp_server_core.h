/*
 * ftp_server_core: the sans-IO FTP server (RFC 959, with RFC 2428 EPRT
 * and EPSV, RFC 3659 SIZE, MDTM, REST STREAM, MLST, MLSD and OPTS MLST
 * with the facts type, size, modify and perm) over an ftp_fs store.
 *
 * Control connection: feed the client's bytes with
 * ftp_server_core_feed(); take the replies with ftp_server_core_output()
 * and ftp_server_core_consume(). Feed stops taking bytes (returns less
 * than given) while more than FTP_SERVER_MAX_OUTPUT bytes of replies wait,
 * while the core waits for the glue's answer about a listener, and while a
 * transfer runs (only ABOR, STAT, NOOP and QUIT are read during one).
 *
 * Data connection: the glue's. The core asks for it with actions, taken
 * with ftp_server_core_next_action() after every call:
 *  - FTP_SERVER_DATA_LISTEN (PASV, EPSV): open a listener for the family
 *    in `family` (1 IPv4, 2 IPv6), then call
 *    ftp_server_core_data_listening() with the listener's own address and
 *    port (the core writes 227 or 229 with them), or
 *    ftp_server_core_data_failed() (425).
 *  - FTP_SERVER_DATA_CONNECT (a transfer after PORT or EPRT): connect to
 *    `hp` (from port L-1, 20 beside 21, where the glue can), then data_connected() or
 *    data_failed() (425).
 *  - FTP_SERVER_DATA_SEND: bytes wait for the data connection: pull them
 *    with ftp_server_core_data_output()/ftp_server_core_data_consume() as
 *    the connection takes them (back-pressure: the core reads the file,
 *    or writes the next lines of a listing, only as its buffer empties).
 *    A listing (LIST, NLST, MLSD) holds at most FTP_SERVER_MAX_LIST
 *    entries; a bigger folder gets 451 before the transfer starts.
 *  - FTP_SERVER_DATA_CLOSE: close the data connection (or the listener).
 *  - FTP_SERVER_CLOSE: close the control connection once the output
 *    has been written (after QUIT, or 421).
 * The glue tells what happened: data_connected (a passive connection was
 * accepted, or an active one is up), data_received (STOR/APPE bytes),
 * data_eof (the client closed the data connection: 226 after STOR/APPE),
 * data_error (426), data_timeout (a connection that never came: 425),
 * ftp_server_core_closed (the control connection went away).
 *
 * Usage sketch (glue):
 *
 *     s = ftp_server_core_new(&cfg, fs, peer_ip, now);
 *     on control bytes: n = ftp_server_core_feed(s, d, len); keep d + n;
 *     after every call: write ftp_server_core_output(); consume what the
 *         socket took; while (ftp_server_core_next_action(s, &a)) act(a);
 *     on data writable: p = ftp_server_core_data_output(s, &len);
 *         ftp_server_core_data_consume(s, write(p, len));
 *
 * Security (RFC 2577): PORT and EPRT naming an address other than the
 * control connection's peer, or a port below 1024, get 504 (the syntax
 * is right; that parameter is refused), so the server cannot bounce;
 * commands other than USER, PASS, QUIT, SYST, FEAT, HELP and NOOP before
 * login get 530; a line longer than FTP_SERVER_MAX_LINE gets 500 and is
 * discarded as it arrives; after cfg.max_bad refused commands or logins,
 * 421 and close. Anonymous sessions are read-only unless
 * cfg.anonymous_write.
 *
 * Times: the caller gives the time (seconds since 1970 UTC) at creation
 * and with ftp_server_core_set_time(); it dates new files and LIST lines
 * (MLST/MLSD's modify fact is the file's own time, UTC).
 *
 * Ownership: ftp_server_core_new()/ftp_server_core_free(); the store is
 * borrowed and must outlive the core; outputs are borrowed until the next
 * call.
 */
#ifndef APPSIM_FTP_SERVER_CORE_H
#define APPSIM_FTP_SERVER_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftp_codec.h"
#include "ftp_fs.h"

#define FTP_SERVER_MAX_LINE 512     /* bytes of a command line with CRLF */
#define FTP_SERVER_MAX_OUTPUT 16384 /* reply bytes waiting before feed pauses */
#define FTP_SERVER_DATA_CHUNK 16384 /* bytes read from a file at a time */
/* Entries of one listing (LIST, NLST, MLSD) at most: a bigger folder gets
 * 451 before any data connection is used. The entries are held (name and
 * status, about 300 bytes each at most), their lines written about one
 * FTP_SERVER_DATA_CHUNK at a time as the data connection takes them. */
#define FTP_SERVER_MAX_LIST 10000

/* Whether user/password may log in (a caller's table or check). */
typedef bool (*ftp_server_check_fn)(void *ud, const char *user, const char *password);

typedef struct {
    ftp_server_check_fn check; /* NULL: only anonymous logins */
    void *check_ud;
    bool anonymous;       /* "anonymous" and "ftp" log in with any password */
    bool anonymous_write; /* anonymous sessions may change the store */
    unsigned max_bad;     /* refused commands before 421; 0: 10 */
} ftp_server_config;

typedef enum {
    FTP_SERVER_DATA_LISTEN,
    FTP_SERVER_DATA_CONNECT,
    FTP_SERVER_DATA_SEND,
    FTP_SERVER_DATA_CLOSE,
    FTP_SERVER_CLOSE,
} ftp_server_action_kind;

typedef struct {
    ftp_server_action_kind kind;
    int family;      /* DATA_LISTEN: 1 IPv4, 2 IPv6 */
    ftp_hostport hp; /* DATA_CONNECT: where to */
} ftp_server_action;

typedef struct ftp_server_core ftp_server_core;

/* peer: the control connection's peer address literal (for PORT/EPRT). */
ftp_server_core *ftp_server_core_new(const ftp_server_config *cfg, ftp_fs *fs, const char *peer,
                                     int64_t now);
void ftp_server_core_free(ftp_server_core *s);
void ftp_server_core_set_time(ftp_server_core *s, int64_t now);

size_t ftp_server_core_feed(ftp_server_core *s, const uint8_t *data, size_t len);
const uint8_t *ftp_server_core_output(const ftp_server_core *s, size_t *len);
void ftp_server_core_consume(ftp_server_core *s, size_t n);
bool ftp_server_core_next_action(ftp_server_core *s, ftp_server_action *a);

void ftp_server_core_data_listening(ftp_server_core *s, const ftp_hostport *own);
void ftp_server_core_data_connected(ftp_server_core *s);
void ftp_server_core_data_failed(ftp_server_core *s);
void ftp_server_core_data_received(ftp_server_core *s, const uint8_t *data, size_t len);
void ftp_server_core_data_eof(ftp_server_core *s);
void ftp_server_core_data_error(ftp_server_core *s);
void ftp_server_core_data_timeout(ftp_server_core *s);
const uint8_t *ftp_server_core_data_output(ftp_server_core *s, size_t *len);
void ftp_server_core_data_consume(ftp_server_core *s, size_t n);
/* The control connection closed: any transfer stops, files are closed. */
void ftp_server_core_closed(ftp_server_core *s);

bool ftp_server_core_is_closed(const ftp_server_core *s);
bool ftp_server_core_logged_in(const ftp_server_core *s);

#endif
