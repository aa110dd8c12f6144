/*
 * smtp_server_core: the server side of SMTP (RFC 5321) as a sans-IO state
 * machine, with the SIZE (RFC 1870), 8BITMIME (RFC 6152) and PIPELINING
 * (RFC 2920) extensions.
 *
 * The application (a mail server on a stream, a test, a fuzzer) creates a
 * core per connection, feeds it what the client sends in any split, and
 * takes the reply bytes to write and the events:
 *
 *     smtp_server_core *s = smtp_server_core_new(&cfg, &callbacks, app);
 *     write(smtp_server_core_output(s, &n));  smtp_server_core_consume(s, n);
 *     ... on data:
 *     size_t off = 0;
 *     while (off < len) {
 *         off += smtp_server_core_feed(s, data + off, len - off);
 *         write out and consume the output (it may stop feeding early);
 *     }
 *     smtp_server_event ev;
 *     while (smtp_server_core_next_event(s, &ev)) { ...; smtp_server_event_clear(&ev); }
 *
 * The 220 greeting is in the output from the start. Commands are answered
 * in the order they arrive, so pipelined commands need nothing special.
 * Feeding stops early (returns less than given) only when the replies not
 * yet taken reach SMTP_SERVER_OUTPUT_HIGH bytes: a client that pipelines
 * without reading cannot make the core buffer without bound; the caller
 * takes the output and feeds the rest.
 *
 * Decisions are the application's, through callbacks made from inside
 * feed (both optional; NULL accepts):
 * - rcpt(): whether a recipient is accepted (250, or 251 "will forward"),
 *   refused (550 mailbox unavailable, 551 not local, 553 name not
 *   allowed) or refused for now (450, 451, 452). Only accepted recipients
 *   join the envelope.
 * - message(): whether a message received whole is queued (250) or
 *   refused (451, 452, 552, 554). A code outside these lists is answered
 *   451 (our bug, not the peer's). `text` NULL takes the default text.
 * A queued message also comes out as an SMTP_SERVER_EV_MESSAGE event
 * carrying the envelope, so the application may queue it there instead.
 *
 * Replies (the slides' texts are the defaults, byte for byte):
 *   greeting     220 <domain>
 *   HELO x       250 Hello x, pleased to meet you
 *   EHLO x       250-<domain> Hello x, pleased to meet you / 250-SIZE <max>
 *                / 250-8BITMIME / 250 PIPELINING
 *   MAIL FROM:<a>  250 a... Sender ok       (552 when SIZE= exceeds max)
 *   RCPT TO:<b>    250 b ... Recipient ok    (452 past max_recipients)
 *   DATA         354 Enter mail, end with "." on a line by itself
 *   end of data  250 Message accepted for delivery (552 over the size)
 *   QUIT         221 <domain> closing connection
 *   RSET, NOOP   250 OK;  VRFY x  252 (never confirms a user)
 *   EXPN, HELP, TURN, ETRN, AUTH, STARTTLS, BDAT...  502
 *   unknown verb or line over 512 bytes  500;  bad arguments  501
 *   MAIL/RCPT parameter not known  555;  bad sequence  503
 *   DATA after recipients were all refused  554
 *   smtp_server_core_shutdown()  421 <domain> Service not available...
 * MAIL, RCPT, DATA before HELO/EHLO are 503. HELO/EHLO again, and RSET,
 * abort the transaction. After QUIT or 421 the core is CLOSED: input is
 * consumed and ignored, and an SMTP_SERVER_EV_CLOSE says to close the
 * connection once the output is written.
 *
 * Line ends: a command line ends at LF, the CR before it being optional
 * (people type commands with tools that send bare LF). In the message
 * data only CRLF ends a line: a bare LF or CR is kept as a data byte and
 * starts no line, so "\n.\n" or "\r.\r\n" never end a message (the
 * "SMTP smuggling" confusion between servers); only CRLF "." CRLF does.
 * A data line starting with "." has that dot removed (RFC 5321 4.5.2).
 *
 * Limits (RFC 5321 4.5.3.1): a command line at most 512 bytes with its
 * CRLF (over it: 500 once the line ends, nothing of it buffered past 512
 * bytes; the session goes on); a text line of the data at most 1000 bytes
 * with its CRLF (over it: the message is refused 500 at its end); the
 * message at most `max_message_size` bytes after dot-stuffing is undone
 * (default 10 MB, 10485760; over it the rest is read and discarded, then
 * 552); at most `max_recipients` (default 100) recipients per message.
 * So smtp_server_core_buffered() stays under max_message_size + 512 plus
 * the output not taken (under SMTP_SERVER_OUTPUT_HIGH + one reply).
 *
 * There is no clock in the core: the inactivity timeout belongs to the
 * glue (smtp_conn), which calls smtp_server_core_shutdown() on it.
 *
 * Costs: O(1) per byte of input; each command O(its length); the
 * accepted message is held once, in the envelope.
 *
 * Ownership: smtp_server_core_new/smtp_server_core_free; the config's
 * strings are copied; callbacks' arguments are borrowed for the call;
 * an event's envelope belongs to the event (smtp_server_event_clear, or
 * take it and set the field to NULL).
 */
#ifndef APPSIM_SMTP_SERVER_CORE_H
#define APPSIM_SMTP_SERVER_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_envelope.h"

#define SMTP_SERVER_MAX_COMMAND_LINE 512  /* bytes, CRLF included (RFC 5321 4.5.3.1.4) */
#define SMTP_SERVER_MAX_TEXT_LINE 1000    /* bytes, CRLF included (RFC 5321 4.5.3.1.6) */
#define SMTP_SERVER_DEFAULT_MAX_SIZE 10485760u /* bytes: 10 MB */
#define SMTP_SERVER_DEFAULT_MAX_RCPT 100  /* recipients (RFC 5321 4.5.3.1.8's minimum) */
#define SMTP_SERVER_OUTPUT_HIGH 16384     /* bytes of replies not taken before feed pauses */

typedef struct {
    const char *domain;        /* the server's name in 220/221/421 and EHLO; NULL: "localhost" */
    uint64_t max_message_size; /* bytes; 0: SMTP_SERVER_DEFAULT_MAX_SIZE */
    uint32_t max_recipients;   /* per message; 0: SMTP_SERVER_DEFAULT_MAX_RCPT */
} smtp_server_config;

/* An application's answer: a reply code and a text (NULL: the default
 * text for that code). */
typedef struct {
    int code;
    const char *text;
} smtp_decision;

typedef struct {
    /* A RCPT TO for `forward_path` (no brackets) in a transaction from
     * `reverse_path`: 250, 251, 450, 451, 452, 550, 551 or 553. */
    smtp_decision (*rcpt)(void *ud, const char *reverse_path, const char *forward_path);
    /* A message received whole (env borrowed for the call): 250, 451,
     * 452, 552 or 554. */
    smtp_decision (*message)(void *ud, const smtp_envelope *env);
} smtp_server_callbacks;

#define SMTP_SERVER_STATES(X)                                                                      \
    X(SMTP_SERVER_CONNECTED, "CONNECTED") /* greeted the client, no HELO/EHLO yet */               \
    X(SMTP_SERVER_READY, "READY")         /* HELO/EHLO done, no transaction */                     \
    X(SMTP_SERVER_MAIL, "MAIL")           /* MAIL FROM accepted */                                 \
    X(SMTP_SERVER_RCPT, "RCPT")           /* at least one recipient accepted */                    \
    X(SMTP_SERVER_DATA, "DATA")           /* reading the message, after 354 */                     \
    X(SMTP_SERVER_CLOSED, "CLOSED")       /* after QUIT or 421: nothing more is read */

typedef enum {
#define SMTP_SERVER_STATE_ENUM(name, text) name,
    SMTP_SERVER_STATES(SMTP_SERVER_STATE_ENUM)
#undef SMTP_SERVER_STATE_ENUM
} smtp_server_state;

const char *smtp_server_state_name(smtp_server_state s);

typedef enum {
    SMTP_SERVER_EV_STATE,   /* the state changed from `from` to `to` */
    SMTP_SERVER_EV_MESSAGE, /* a message was queued (250): `env` */
    SMTP_SERVER_EV_CLOSE,   /* close the connection once the output is written */
} smtp_server_event_kind;

typedef struct {
    smtp_server_event_kind kind;
    smtp_server_state from, to; /* EV_STATE */
    smtp_envelope *env;         /* EV_MESSAGE: owned by the event */
} smtp_server_event;

typedef struct smtp_server_core smtp_server_core;

/* `cfg` and `cb` may be NULL (the defaults; accept everything). */
smtp_server_core *smtp_server_core_new(const smtp_server_config *cfg, const smtp_server_callbacks *cb, void *ud);
void smtp_server_core_free(smtp_server_core *s);

/* Consumes the client's bytes; returns how many (less than len only when
 * the output not taken reached SMTP_SERVER_OUTPUT_HIGH, or 0 for NULL data). */
size_t smtp_server_core_feed(smtp_server_core *s, const uint8_t *data, size_t len);
/* The reply bytes not yet taken (borrowed until the next call). */
const uint8_t *smtp_server_core_output(const smtp_server_core *s, size_t *len);
/* Marks the first n bytes of the output as written. */
void smtp_server_core_consume(smtp_server_core *s, size_t n);
/* The next event, if any (then clear it with smtp_server_event_clear). */
bool smtp_server_core_next_event(smtp_server_core *s, smtp_server_event *ev);
void smtp_server_event_clear(smtp_server_event *ev);
/* Answers 421 and closes (the server is going down, or the client was
 * idle too long); a no-op when already CLOSED. */
void smtp_server_core_shutdown(smtp_server_core *s);

smtp_server_state smtp_server_core_state(const smtp_server_core *s);
/* Bytes the core holds of the client's input: the command line being
 * read and the message being received (not the output or events). */
size_t smtp_server_core_buffered(const smtp_server_core *s);

#endif
