/*
 * imap_server_core: the server side of IMAP (RFC 3501, IMAP4rev1, with
 * LITERAL+ (RFC 7888), UIDPLUS's UID EXPUNGE (RFC 4315), MOVE (RFC 6851)
 * and UNSELECT (RFC 3691)) as a sans-IO state machine over a mail_store.
 *
 * The application (a server on a stream, a test, a fuzzer) creates a core
 * per connection over a store it owns, feeds it what the client sends in
 * any split, and takes the bytes to write:
 *
 *     imap_server_core *s = imap_server_core_new(&cfg, store);
 *     write(imap_server_core_output(s, &n)); imap_server_core_consume(s, n);
 *     ... on data:
 *     imap_server_core_set_now(s, now_ns);
 *     size_t off = 0;
 *     while (off < len) {
 *         off += imap_server_core_feed(s, data + off, len - off);
 *         write out and consume the output (it may stop feeding early);
 *     }
 *     if (imap_server_core_closed(s)) close once the output is written.
 *
 * The greeting "* OK [CAPABILITY ...] <text>" is in the output from the
 * start. Commands are answered one after the other in the order they
 * arrive. Feeding stops early (returns less than given) only when the
 * output not yet taken has reached IMAP_SERVER_OUTPUT_HIGH bytes; the
 * response to one command is always produced whole (a FETCH of large
 * messages may go beyond that mark by their size).
 *
 * States (RFC 3501 3): NOT_AUTH after the greeting, AUTH after LOGIN,
 * SELECTED after SELECT/EXAMINE, LOGOUT after LOGOUT, the bad-command
 * limit or imap_server_core_shutdown() (then the core is closed: input is
 * consumed and ignored).
 *
 * Several cores may share one store (one process serving several
 * connections, or the simulator): each selected session keeps its own
 * view of its folder (the UIDs and flags it has reported) and, at the end
 * of every command, compares it with the store and reports what others
 * changed: "* n EXPUNGE" for messages gone (highest first, so every
 * number is valid when it is read), "* n EXISTS" for new ones and
 * "* n FETCH (FLAGS ...)" for flags changed by others. FETCH, STORE and
 * SEARCH by sequence number report no EXPUNGE (RFC 3501 7.4.1); those
 * wait for the next other command. On a Maildir store the core calls
 * mail_store_refresh() for its user at NOOP, CHECK and SELECT.
 *
 * Input, limits and errors:
 *  - a command line is at most `max_line` bytes outside its literals
 *    (default 8192): past that nothing more is kept and once the line
 *    ends the command is answered BAD;
 *  - a literal is at most `max_literal` bytes (default 10 MB, 10485760),
 *    and all literals of one command together too. A synchronizing
 *    literal over it is refused "tag NO [TOOBIG]" before the "+"
 *    continuation, so the client never sends it and nothing is
 *    allocated; a non-synchronizing one ({n+}) over it is answered
 *    "tag BAD [TOOBIG]" and "* BYE", and the connection closes (RFC 7888
 *    4), since its bytes are already on the way. Before LOGIN the
 *    literals of a command are at most IMAP_SERVER_PREAUTH_LITERAL
 *    bytes (a user name and a password), so a client that has not
 *    logged in never makes the core hold more than a few kilobytes;
 *  - so imap_server_core_buffered() stays within max_line + max_literal
 *    plus a few bytes of literal markers;
 *  - syntax errors are BAD, failures NO; after `max_bad` BAD answers in
 *    a row (default 10) the core says "* BYE Too many errors" and closes.
 *
 * Messages: flags are the system flags the store keeps (\Seen \Answered
 * \Flagged \Deleted \Draft, and \Recent per session); keywords are
 * accepted and not kept (PERMANENTFLAGS does not list \*). Dates are UTC:
 * the store's internal_ns is nanoseconds since 1970, and APPEND without a
 * date takes the time given by imap_server_core_set_now(). There is no
 * clock and no timer inside: the glue's inactivity timeout calls
 * imap_server_core_shutdown().
 *
 * Costs: reading is O(1) per input byte; a command costs O(messages of
 * the folder) for the view's check plus its own work (FETCH of a
 * structure parses the message's MIME tree, O(its size)).
 *
 * Ownership: imap_server_core_new / imap_server_core_free; the store is
 * borrowed and must outlive the core; the config's strings are copied.
 */
#ifndef APPSIM_IMAP_SERVER_CORE_H
#define APPSIM_IMAP_SERVER_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocols/mailstore/mail_store.h"

#define IMAP_SERVER_DEFAULT_MAX_LINE 8192         /* bytes of a command outside its literals */
#define IMAP_SERVER_DEFAULT_MAX_LITERAL 10485760u /* bytes: 10 MB */
#define IMAP_SERVER_PREAUTH_LITERAL 1024         /* bytes of literals in a command before LOGIN */
#define IMAP_SERVER_DEFAULT_MAX_BAD 10            /* BAD answers in a row before BYE */
#define IMAP_SERVER_OUTPUT_HIGH 65536             /* bytes of output not taken before feed pauses */

typedef struct {
    const char *greeting;  /* the text after the capability code; NULL: "IMAP4rev1 server ready" */
    bool login_disabled;   /* refuse LOGIN (LOGINDISABLED): plain text over a network not trusted */
    size_t max_line;       /* bytes; 0: the default */
    uint64_t max_literal;  /* bytes; 0: the default */
    unsigned max_bad;      /* 0: the default */
} imap_server_config;

#define IMAP_SERVER_STATES(X)                                                                      \
    X(IMAP_SERVER_NOT_AUTH, "NOT_AUTHENTICATED")                                                   \
    X(IMAP_SERVER_AUTH, "AUTHENTICATED")                                                           \
    X(IMAP_SERVER_SELECTED, "SELECTED")                                                            \
    X(IMAP_SERVER_LOGOUT, "LOGOUT")

typedef enum {
#define IMAP_SERVER_STATE_ENUM(name, text) name,
    IMAP_SERVER_STATES(IMAP_SERVER_STATE_ENUM)
#undef IMAP_SERVER_STATE_ENUM
} imap_server_state;

const char *imap_server_state_name(imap_server_state s);

typedef struct imap_server_core imap_server_core;

/* `cfg` may be NULL (the defaults). `store` must not be NULL. */
imap_server_core *imap_server_core_new(const imap_server_config *cfg, mail_store *store);
void imap_server_core_free(imap_server_core *s);

/* The time APPEND gives a message without a date: nanoseconds since 1970
 * UTC (in the simulator, the host's clock). 0 until set. */
void imap_server_core_set_now(imap_server_core *s, int64_t now_ns);
/* Consumes the client's bytes; returns how many (less than len only when
 * the output not taken reached IMAP_SERVER_OUTPUT_HIGH; 0 for NULL data). */
size_t imap_server_core_feed(imap_server_core *s, const uint8_t *data, size_t len);
/* The bytes to write not yet taken (borrowed until the next call). */
const uint8_t *imap_server_core_output(const imap_server_core *s, size_t *len);
/* Marks the first n bytes of the output as written. */
void imap_server_core_consume(imap_server_core *s, size_t n);
/* "* BYE" and the LOGOUT state (server going down, client idle). */
void imap_server_core_shutdown(imap_server_core *s);
/* True once the connection should close after the output is written. */
bool imap_server_core_closed(const imap_server_core *s);
imap_server_state imap_server_core_state(const imap_server_core *s);
/* Bytes held of the client's input (the command being read). */
size_t imap_server_core_buffered(const imap_server_core *s);

#endif
