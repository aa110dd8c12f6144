/*
 * imap_client_core: the client side of IMAP (RFC 3501) as a sans-IO state
 * machine for a mail reader: it logs in, selects a folder, fetches every
 * message in it (UID, flags and the whole message), optionally marks
 * them \Deleted and expunges them (a POP3-like download), and logs out.
 *
 * Usage: create a core, feed it what the server sends in any split, write
 * what it produces, take its events:
 *
 *     imap_client_core *c = imap_client_core_new(&cfg);
 *     ... on data from the server:
 *     imap_client_core_feed(c, data, len);       (consumes everything)
 *     write(imap_client_core_output(c, &n)); imap_client_core_consume(c, n);
 *     while (imap_client_core_next_event(c, &ev)) { ...; imap_client_event_clear(&ev); }
 *     ... when the connection ends first: imap_client_core_closed(c, why);
 *
 * Dialogue (tags A1, A2, ...): wait for the greeting "* OK" (or
 * "* PREAUTH": no LOGIN); LOGIN user password (quoted strings); SELECT
 * folder (or EXAMINE with `read_only`); when the folder is not empty,
 * UID FETCH 1:* (UID FLAGS BODY.PEEK[]) (BODY[] with `mark_seen`; from
 * after_uid + 1 with `after_uid`, and UIDs not above it are ignored);
 * with `headers_first`, first UID FETCH n:* (UID FLAGS
 * BODY.PEEK[HEADER]), then UID FETCH of the first `bodies` UIDs listed
 * (all when negative; none: no second FETCH); with
 * `delete_after`, UID STORE <the UIDs> +FLAGS.SILENT (\Deleted) and
 * EXPUNGE; LOGOUT.
 *
 * Events, in order: IMAP_CLIENT_EV_MESSAGE per message fetched (its UID,
 * its flags as MAIL_FLAG_* bits, its bytes); IMAP_CLIENT_EV_DONE once,
 * when the session is over: `ok` when LOGOUT was answered, else the
 * reason in `text` (the server's NO or BAD text, a BYE, a malformed or
 * over-long response, the connection closed). After DONE nothing more is
 * read or written: close the connection.
 *
 * Limits: a response at most IMAP_CLIENT_MAX_LINE bytes outside its
 * literals, its literals together at most `max_literal` bytes (default
 * 10 MB); over either, the session ends (DONE, not ok) and nothing of
 * the excess is held. So imap_client_core_buffered() stays within their
 * sum (and a few bytes of literal markers). Item names and values the
 * client does not use in a FETCH response are skipped (lists nested at
 * most 16 deep).
 *
 * Costs: O(1) per byte of input; each message is held once, in its
 * event.
 *
 * Ownership: imap_client_core_new / imap_client_core_free; the config's
 * strings are copied; an event's data and text belong to the event
 * (imap_client_event_clear).
 */
#ifndef APPSIM_IMAP_CLIENT_CORE_H
#define APPSIM_IMAP_CLIENT_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMAP_CLIENT_MAX_LINE 65536               /* bytes of a response outside its literals */
#define IMAP_CLIENT_DEFAULT_MAX_LITERAL 10485760u /* bytes: 10 MB */

typedef struct {
    const char *user, *password; /* LOGIN; no CR, LF or NUL */
    const char *folder;          /* NULL: INBOX */
    bool read_only;              /* EXAMINE instead of SELECT */
    bool mark_seen;              /* BODY[] (sets \Seen) instead of BODY.PEEK[] */
    bool delete_after;           /* \Deleted and EXPUNGE what was fetched */
    /* Headers first (a reader that shows the list before the messages):
     * UID FETCH of every header (BODY.PEEK[HEADER]), then of `bodies`
     * whole messages, the first ones listed (negative: all of them). */
    bool headers_first;
    int64_t bodies;
    uint32_t after_uid;          /* only UIDs above it (those the machine has not synced); 0: all */
    uint64_t max_literal;        /* bytes; 0: the default */
} imap_client_config;

#define IMAP_CLIENT_STATES(X)                                                                      \
    X(IMAP_CLIENT_GREETING, "GREETING")                                                            \
    X(IMAP_CLIENT_LOGIN, "LOGIN")                                                                  \
    X(IMAP_CLIENT_SELECT, "SELECT")                                                                \
    X(IMAP_CLIENT_HEADERS, "HEADERS")                                                              \
    X(IMAP_CLIENT_FETCH, "FETCH")                                                                  \
    X(IMAP_CLIENT_STORE, "STORE")                                                                  \
    X(IMAP_CLIENT_EXPUNGE, "EXPUNGE")                                                              \
    X(IMAP_CLIENT_LOGOUT, "LOGOUT")                                                                \
    X(IMAP_CLIENT_DONE, "DONE")

typedef enum {
#define IMAP_CLIENT_STATE_ENUM(name, text) name,
    IMAP_CLIENT_STATES(IMAP_CLIENT_STATE_ENUM)
#undef IMAP_CLIENT_STATE_ENUM
} imap_client_state;

const char *imap_client_state_name(imap_client_state s);

typedef enum {
    IMAP_CLIENT_EV_MESSAGE, /* uid, flags, data */
    IMAP_CLIENT_EV_HEADER,  /* uid, flags, data: the header section only (headers_first) */
    IMAP_CLIENT_EV_DONE,    /* ok, text */
} imap_client_event_kind;

typedef struct {
    imap_client_event_kind kind;
    uint32_t uid;
    unsigned flags; /* MAIL_FLAG_* of mail_store.h */
    GBytes *data;   /* MESSAGE: owned by the event */
    bool ok;        /* DONE */
    char *text;     /* DONE: owned by the event */
} imap_client_event;

typedef struct imap_client_core imap_client_core;

imap_client_core *imap_client_core_new(const imap_client_config *cfg);
void imap_client_core_free(imap_client_core *c);

/* Consumes the server's bytes (all of them; after DONE they are ignored). */
size_t imap_client_core_feed(imap_client_core *c, const uint8_t *data, size_t len);
/* The connection ended (or timed out): DONE, not ok, unless already done. */
void imap_client_core_closed(imap_client_core *c, const char *why);
const uint8_t *imap_client_core_output(const imap_client_core *c, size_t *len);
void imap_client_core_consume(imap_client_core *c, size_t n);
bool imap_client_core_next_event(imap_client_core *c, imap_client_event *ev);
void imap_client_event_clear(imap_client_event *ev);
imap_client_state imap_client_core_state(const imap_client_core *c);
/* Commands sent so far (each answered by one tagged response). */
unsigned imap_client_core_commands(const imap_client_core *c);
/* Messages the folder held when selected (its EXISTS). */
uint32_t imap_client_core_exists(const imap_client_core *c);
size_t imap_client_core_buffered(const imap_client_core *c);

#endif
