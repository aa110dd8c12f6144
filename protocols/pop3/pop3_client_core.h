/*
 * pop3_client_core: the client side of POP3 (RFC 1939) as a sans-IO
 * session: log in, list the maildrop, download the messages the caller
 * does not have yet, delete them when the mode says so, quit.
 *
 * Usage:
 *
 *     pop3_client_core *c = pop3_client_core_new(&cfg);
 *     ... on data from the server:
 *     pop3_client_core_feed(c, data, len);       (consumes everything)
 *     write(pop3_client_core_output(c, &n)); pop3_client_core_consume(c, n);
 *     while (pop3_client_core_next_event(c, &ev)) { ...; pop3_client_event_clear(&ev); }
 *     ... when the connection ends: pop3_client_core_closed(c, why);
 *
 * Dialogue, one command at a time, each waiting for its response:
 *   greeting (+OK); APOP name digest when `apop` is set (the greeting must
 *   carry a <timestamp>, else the session fails without sending the
 *   password), else USER name, PASS secret; LIST; UIDL (unless `no_uidl`;
 *   a server answering -ERR to it is taken as one without UIDL: every
 *   message is wanted); then for each message listed, in order: RETR i
 *   unless its unique id is among `known_uidls` or it is over
 *   `max_message_size`; DELE i in DELETE mode for each message retrieved
 *   or already known; QUIT.
 * With `lowercase` the commands are written as the lecture slides write
 * them ("user bob", "list", "retr 1"...); with `no_uidl` as well the
 * client's side of the slides' session comes out byte for byte.
 *
 * Events (in order):
 * - POP3_CLIENT_EV_STATE: a state change, for logs.
 * - POP3_CLIENT_EV_MESSAGE: message `number` retrieved: `uidl` (NULL
 *   without UIDL), `size` from LIST, `data` the message with the
 *   byte-stuffing undone and every line ending CRLF (owned by the event).
 * - POP3_CLIENT_EV_SKIPPED: message `number` not retrieved: its unique
 *   id is known (`text` "known") or it is too large ("too large").
 * - POP3_CLIENT_EV_DELETED: message `number` marked deleted (DELE +OK):
 *   removed only when QUIT is answered +OK (the DONE result OK).
 * - POP3_CLIENT_EV_DONE: the session is over: `result` and `text` (the
 *   server's response or why). Close the connection.
 *
 * Results: OK (QUIT answered +OK: deletions done), AUTH (the login was
 * refused), NO_APOP (APOP asked for, not offered), ERROR (a -ERR the
 * session cannot go on after: to the greeting, LIST or QUIT), PROTOCOL (a
 * malformed response or one over a limit), CLOSED (the connection ended
 * or timed out first: nothing was deleted). A -ERR to RETR skips that
 * message (EV_SKIPPED with the server's text: another session may have
 * removed it); a -ERR to DELE gives no EV_DELETED; the session goes on.
 * After AUTH, NO_APOP and ERROR (but a -ERR greeting) the client still
 * sends QUIT and the result comes with its response.
 *
 * Limits (never a crash on any server input): a status line or a line of
 * a listing at most 512 octets with its CRLF (RFC 2449 4); a message at
 * most `max_message_size` (default 64 MB) as received, a listing at most
 * POP3_CLIENT_MAX_LISTING bytes; over any of them the session ends with
 * PROTOCOL. Lines of a message may be of any length. A listing line that
 * does not parse, a number out of order or not listed, a unique id
 * outside 0x21..0x7E or over 70 characters (RFC 1939 7) are PROTOCOL.
 *
 * Costs: O(1) per byte; each message is held once, as received.
 *
 * Ownership: pop3_client_core_new/pop3_client_core_free; the config and
 * its strings are copied; an event's `uidl`, `data` and `text` belong to
 * the event (pop3_client_event_clear).
 */
#ifndef APPSIM_POP3_CLIENT_CORE_H
#define APPSIM_POP3_CLIENT_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POP3_CLIENT_MAX_LINE 512                   /* octets, CRLF included (RFC 2449 4) */
#define POP3_CLIENT_DEFAULT_MAX_MESSAGE (64u << 20)  /* bytes: 64 MB */
#define POP3_CLIENT_MAX_LISTING (8u << 20)         /* bytes of a LIST or UIDL response */

typedef enum {
    POP3_MODE_KEEP,    /* download and keep */
    POP3_MODE_DELETE,  /* download and delete (the slides' first example) */
} pop3_client_mode;

typedef struct {
    const char *user;
    const char *password;
    bool apop;                       /* log in with APOP (fails when not offered) */
    pop3_client_mode mode;
    const char *const *known_uidls;  /* NULL-terminated unique ids the caller has; may be NULL */
    bool no_uidl;                    /* never send UIDL (every message is wanted) */
    bool lowercase;                  /* commands in lower case, as the slides write them */
    uint64_t max_message_size;       /* 0: POP3_CLIENT_DEFAULT_MAX_MESSAGE */
} pop3_client_config;

#define POP3_CLIENT_STATES(X)                                                                      \
    X(POP3_CLIENT_GREETING, "GREETING") /* waiting for +OK */                                      \
    X(POP3_CLIENT_USER, "USER")         /* waiting for the response to USER */                     \
    X(POP3_CLIENT_PASS, "PASS")         /* to PASS or APOP */                                      \
    X(POP3_CLIENT_LIST, "LIST")         /* reading the listing */                                  \
    X(POP3_CLIENT_UIDL, "UIDL")         /* reading the unique ids */                               \
    X(POP3_CLIENT_RETR, "RETR")         /* reading a message */                                    \
    X(POP3_CLIENT_DELE, "DELE")         /* waiting for the response to DELE */                     \
    X(POP3_CLIENT_QUIT, "QUIT")         /* waiting for the response to QUIT */                     \
    X(POP3_CLIENT_DONE, "DONE")         /* the session is over */

typedef enum {
#define POP3_CLIENT_STATE_ENUM(name, text) name,
    POP3_CLIENT_STATES(POP3_CLIENT_STATE_ENUM)
#undef POP3_CLIENT_STATE_ENUM
} pop3_client_state;

const char *pop3_client_state_name(pop3_client_state s);

typedef enum {
    POP3_CLIENT_OK,
    POP3_CLIENT_AUTH,
    POP3_CLIENT_NO_APOP,
    POP3_CLIENT_ERROR,
    POP3_CLIENT_PROTOCOL,
    POP3_CLIENT_CLOSED,
} pop3_client_result;

const char *pop3_client_result_name(pop3_client_result r);

typedef enum {
    POP3_CLIENT_EV_STATE,
    POP3_CLIENT_EV_MESSAGE,
    POP3_CLIENT_EV_SKIPPED,
    POP3_CLIENT_EV_DELETED,
    POP3_CLIENT_EV_DONE,
} pop3_client_event_kind;

typedef struct {
    pop3_client_event_kind kind;
    pop3_client_state from, to; /* EV_STATE */
    uint32_t number;            /* EV_MESSAGE, EV_SKIPPED, EV_DELETED: 1-based */
    uint64_t size;              /* EV_MESSAGE, EV_SKIPPED: from LIST */
    char *uidl;                 /* EV_MESSAGE, EV_SKIPPED: owned; NULL without UIDL */
    GBytes *data;               /* EV_MESSAGE: owned */
    pop3_client_result result;  /* EV_DONE */
    char *text;                 /* EV_DONE, EV_SKIPPED: owned */
} pop3_client_event;

/* Counters (monotonic over the session). */
typedef struct {
    uint64_t bytes_in, bytes_out;
    uint32_t listed, retrieved, skipped, deleted;
} pop3_client_stats;

typedef struct pop3_client_core pop3_client_core;

pop3_client_core *pop3_client_core_new(const pop3_client_config *cfg);
void pop3_client_core_free(pop3_client_core *c);

/* Consumes the server's bytes (all of them; ignored once DONE). */
size_t pop3_client_core_feed(pop3_client_core *c, const uint8_t *data, size_t len);
/* The connection ended (or timed out): DONE with CLOSED (or the result
 * decided before the QUIT, such as AUTH). A no-op once DONE. */
void pop3_client_core_closed(pop3_client_core *c, const char *why);

const uint8_t *pop3_client_core_output(const pop3_client_core *c, size_t *len);
void pop3_client_core_consume(pop3_client_core *c, size_t n);
bool pop3_client_core_next_event(pop3_client_core *c, pop3_client_event *ev);
void pop3_client_event_clear(pop3_client_event *ev);

pop3_client_state pop3_client_core_state(const pop3_client_core *c);
const pop3_client_stats *pop3_client_core_stats(const pop3_client_core *c);

#endif
