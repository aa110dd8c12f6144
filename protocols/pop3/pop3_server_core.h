/*
 * pop3_server_core: the server side of POP3 (RFC 1939) with CAPA and
 * response codes (RFC 2449, RFC 3206), as a sans-IO state machine over a
 * mail store (protocols/mailstore/mail_store.h).
 *
 * The application (a POP3 server on a stream, a test, a fuzzer) creates
 * a core per connection, feeds it what the client sends in any split,
 * and takes the response bytes to write and the events:
 *
 *     pop3_server_core *s = pop3_server_core_new(&cfg, store);
 *     write(pop3_server_core_output(s, &n));  pop3_server_core_consume(s, n);
 *     ... on data:
 *     size_t off = 0;
 *     while (off < len) {
 *         off += pop3_server_core_feed(s, data + off, len - off);
 *         write out and consume the output (feed may stop early);
 *     }
 *     while (pop3_server_core_next_event(s, &ev)) { ...; pop3_server_event_clear(&ev); }
 *     ... when the connection ends without QUIT: pop3_server_core_abort(s);
 *
 * Sessions (RFC 1939 3): AUTHORIZATION (USER/PASS, APOP, QUIT), then
 * TRANSACTION once logged in, then UPDATE on QUIT, which removes the
 * messages marked deleted (mail_folder_remove, highest index first) and
 * closes. CAPA is answered in both states; every error but the last
 * bad command allowed leaves the session usable. A connection that ends without QUIT (peer closed,
 * dropped, idle: pop3_server_core_abort) removes nothing.
 *
 * The maildrop is the user's INBOX as it is at login (after
 * mail_store_refresh), numbered 1..n. Messages are remembered by UID, not
 * by pointer, so another session removing one of them (or a refresh)
 * never leaves a dangling reference: such a message answers "-ERR no such
 * message" and its removal is skipped at UPDATE (which refreshes the
 * store first, so that on a Maildir what another process removed is
 * skipped too). There is no lock across
 * sessions (the store has none); see docs/mail.md.
 *
 * Responses (the lecture slides' texts are the defaults, byte for byte):
 *   greeting        +OK POP3 server ready   (config `greeting`; with APOP
 *                   the timestamp is appended: "+OK POP3 server ready <ts>")
 *   USER name       +OK                     (for any name: never reveals
 *                   whether the user exists)
 *   PASS secret     +OK user successfully logged on
 *   APOP name md5   +OK user successfully logged on
 *   failed login    -ERR [AUTH] invalid user name or password   (the same
 *                   for an unknown user, a wrong password, a user without
 *                   password, and a bad APOP digest)
 *   STAT            +OK n m (messages not deleted, their octets)
 *   LIST            +OK n messages (m octets), "i size" lines, "."
 *   LIST i          +OK i size
 *   RETR i          +OK size octets, the message byte-stuffed, "."
 *   TOP i k         +OK top of message follows, headers, blank line, k
 *                   body lines, "."
 *   DELE i          +OK message i deleted
 *   NOOP            +OK
 *   RSET            +OK maildrop has n messages (m octets)
 *   UIDL [i]        +OK, "i uidvalidity.uid" lines, "."  /  +OK i id
 *   CAPA            +OK Capability list follows, TOP, UIDL, USER (unless
 *                   plain-text login is refused), RESP-CODES,
 *                   AUTH-RESP-CODE, PIPELINING, IMPLEMENTATION appsim, "."
 *   QUIT            +OK POP3 server signing off (both states)
 * Errors are "-ERR" and a text: unknown command, a command not allowed in
 * the state, bad arguments, a message number out of range or deleted.
 * Sizes are the message's octets as sent: every line end written as CRLF
 * (a stored bare LF or CR becomes CRLF), a last line without a line end
 * given one; byte-stuffing and the terminator not counted.
 *
 * Line ends: a command line ends at LF, the CR before it optional.
 *
 * Limits: a command line at most 255 octets with its CRLF (RFC 2449 4);
 * a longer one is answered "-ERR line too long" when its LF comes and
 * nothing past 255 bytes is held. Bad commands (unknown, wrong state, bad
 * arguments, too long, failed logins) are counted: the `max_bad_commands`
 * th (default 10) is answered "-ERR too many bad commands" and the core
 * closes without UPDATE. Feeding stops early (returns less than given)
 * while the output not yet taken is POP3_SERVER_OUTPUT_HIGH bytes or
 * more, so a pipelining client that does not read makes the core hold at
 * most one response (a message of the maildrop at most) beyond that.
 *
 * No clock: the autologout timer (RFC 1939 3: at least 10 minutes) is the
 * glue's (pop3_conn), which calls pop3_server_core_abort().
 *
 * Costs: O(1) per byte of input; login O(messages + their bytes) (sizes
 * are computed once); LIST, UIDL O(messages); RETR and TOP O(the
 * message's bytes), copied once into the output; each message lookup by
 * UID O(log n).
 *
 * Ownership: pop3_server_core_new/pop3_server_core_free; the config's
 * strings are copied; the store is borrowed and must outlive the core;
 * an event's `user` belongs to the event (pop3_server_event_clear).
 */
#ifndef APPSIM_POP3_SERVER_CORE_H
#define APPSIM_POP3_SERVER_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocols/mailstore/mail_store.h"

#define POP3_SERVER_MAX_COMMAND_LINE 255   /* octets, CRLF included (RFC 2449 4) */
#define POP3_SERVER_DEFAULT_MAX_BAD 10     /* bad commands before the core closes */
#define POP3_SERVER_OUTPUT_HIGH 16384      /* bytes of responses not taken before feed pauses */
#define POP3_SERVER_DEFAULT_GREETING "POP3 server ready"

typedef struct {
    const char *greeting;       /* text after "+OK "; NULL: POP3_SERVER_DEFAULT_GREETING */
    /* APOP (RFC 1939 7): NULL or "" disables it. Otherwise the greeting's
     * timestamp: used as it is when it has the form <...>, else written
     * inside < >. The caller chooses it (say "<pid.clock@host>") so that
     * the output stays deterministic. Control bytes and '>' inside are
     * dropped. */
    const char *apop_timestamp;
    bool refuse_plaintext;      /* USER/PASS refused (non-loopback clients without TLS) */
    unsigned max_bad_commands;  /* 0: POP3_SERVER_DEFAULT_MAX_BAD */
} pop3_server_config;

#define POP3_SERVER_STATES(X)                                                                      \
    X(POP3_SERVER_AUTHORIZATION, "AUTHORIZATION") /* greeted, not logged in */                     \
    X(POP3_SERVER_TRANSACTION, "TRANSACTION")     /* logged in: the maildrop is open */            \
    X(POP3_SERVER_CLOSED, "CLOSED")               /* after QUIT, too many errors or abort */

typedef enum {
#define POP3_SERVER_STATE_ENUM(name, text) name,
    POP3_SERVER_STATES(POP3_SERVER_STATE_ENUM)
#undef POP3_SERVER_STATE_ENUM
} pop3_server_state;

const char *pop3_server_state_name(pop3_server_state s);

typedef enum {
    POP3_SERVER_EV_STATE,      /* the state changed from `from` to `to` */
    POP3_SERVER_EV_LOGIN,      /* `user` logged in (ok) or failed to (!ok) */
    POP3_SERVER_EV_CLOSE,      /* close the connection once the output is written */
} pop3_server_event_kind;

typedef struct {
    pop3_server_event_kind kind;
    pop3_server_state from, to; /* EV_STATE */
    bool ok;                    /* EV_LOGIN: succeeded; EV_CLOSE: after QUIT (else too many bad commands) */
    char *user;                 /* EV_LOGIN: the name given (owned; may name no user) */
} pop3_server_event;

/* Counters for the applications (monotonic over the session). */
typedef struct {
    uint64_t bytes_in;       /* bytes fed and consumed */
    uint64_t bytes_out;      /* bytes of output taken (consumed) */
    uint64_t commands;       /* command lines read, bad ones included */
    uint64_t bad_commands;   /* answered -ERR for the client's fault */
    uint64_t auth_failures;  /* failed PASS / APOP */
    uint64_t retrieved;      /* RETR answered +OK */
    uint64_t deleted;        /* messages removed at UPDATE */
} pop3_server_stats;

typedef struct pop3_server_core pop3_server_core;

/* `cfg` may be NULL (the defaults). `store` is borrowed. */
pop3_server_core *pop3_server_core_new(const pop3_server_config *cfg, mail_store *store);
void pop3_server_core_free(pop3_server_core *s);

/* Consumes the client's bytes; returns how many (less than len only when
 * the output not taken reached POP3_SERVER_OUTPUT_HIGH; 0 for NULL data;
 * all of them once CLOSED, ignored). */
size_t pop3_server_core_feed(pop3_server_core *s, const uint8_t *data, size_t len);
/* The response bytes not yet taken (borrowed until the next call). */
const uint8_t *pop3_server_core_output(const pop3_server_core *s, size_t *len);
/* Marks the first n bytes of the output as written. */
void pop3_server_core_consume(pop3_server_core *s, size_t n);
bool pop3_server_core_next_event(pop3_server_core *s, pop3_server_event *ev);
void pop3_server_event_clear(pop3_server_event *ev);
/* The connection ended without QUIT (dropped, closed, idle): CLOSED with
 * nothing removed and nothing written. A no-op once CLOSED. */
void pop3_server_core_abort(pop3_server_core *s);

pop3_server_state pop3_server_core_state(const pop3_server_core *s);
const pop3_server_stats *pop3_server_core_stats(const pop3_server_core *s);
/* The user logged in, NULL before. */
const char *pop3_server_core_user(const pop3_server_core *s);
/* Bytes the core holds of the client's input (the command line being
 * read: under 255). */
size_t pop3_server_core_buffered(const pop3_server_core *s);

/* The APOP digest: MD5 of timestamp then password, 32 lower-case hex
 * digits (a new string). For the client, the tests and the server. */
char *pop3_apop_digest(const char *timestamp, const char *password);

#endif
