/*
 * smtp_client_core: the client side of SMTP (RFC 5321) as a sans-IO state
 * machine: it delivers one or more messages over one connection, using
 * EHLO (falling back to HELO), PIPELINING (RFC 2920) and SIZE (RFC 1870)
 * when the server offers them.
 *
 * Usage: create a core, add the messages (envelope and data), then feed
 * it what the server sends in any split and write what it produces:
 *
 *     smtp_client_core *c = smtp_client_core_new(&cfg);
 *     smtp_client_core_add_message(c, env);      (copied; any number)
 *     ... on data from the server:
 *     smtp_client_core_feed(c, data, len);       (consumes everything)
 *     write(smtp_client_core_output(c, &n)); smtp_client_core_consume(c, n);
 *     while (smtp_client_core_next_event(c, &ev)) { ...; smtp_client_event_clear(&ev); }
 *     ... when the connection ends: smtp_client_core_closed(c);
 *
 * Dialogue: wait for 220; EHLO <helo_domain> (HELO when `no_ehlo`); on
 * 500 or 502 to EHLO, HELO. For each message: MAIL FROM:<reverse-path>
 * (with SIZE=<bytes> when the server offered SIZE, BODY=8BITMIME when the
 * data has 8-bit bytes and the server offered 8BITMIME), RCPT TO:<...>
 * for each recipient, DATA; with PIPELINING offered (and not
 * `no_pipelining`) these go in one write and their replies are matched
 * in order, else each waits for the reply to the one before. After 354
 * the data is sent dot-stuffed (a line starting with "." gets another)
 * and ended with CRLF "." CRLF. A transaction left open by a failure
 * (MAIL accepted, then every recipient refused) is closed with RSET
 * before the next message. After the last message: QUIT.
 *
 * The data is sent as lines: a bare CR or LF becomes CRLF (RFC 5321
 * 2.3.8 forbids them alone) and data that does not end with CRLF gets
 * one; SIZE counts the bytes so normalised.
 *
 * Results (events, in order):
 * - SMTP_CLIENT_EV_RCPT: the reply to one recipient (`message`, `rcpt`,
 *   `code`, `text`), accepted when `result` is DELIVERED.
 * - SMTP_CLIENT_EV_MESSAGE: a message's final result: DELIVERED (250
 *   after the data: delivered to the recipients accepted), TEMP_FAILURE
 *   (a 4xx, or the connection failed: retry later) or PERM_FAILURE (a
 *   5xx: bounce), with the code and text of the reply that decided it
 *   (code 0 when there was no reply: the connection ended, or the
 *   server's reply was malformed). When every recipient was refused the
 *   message fails temporarily if any refusal was a 4xx, with the first
 *   4xx refusal's code, else permanently with the first refusal's.
 * - SMTP_CLIENT_EV_STATE: a state change (from, to), for logs.
 * - SMTP_CLIENT_EV_DONE: the session is over (QUIT answered, a 421, a
 *   malformed reply, or smtp_client_core_closed()): close the connection.
 * Every message added before the session ends gets exactly one
 * SMTP_CLIENT_EV_MESSAGE.
 *
 * Limits: the replies' (smtp_reply.h: 512-byte lines, 100 lines); a reply
 * breaking them ends the session, remaining messages TEMP_FAILURE code 0.
 * No clock: timeouts are the glue's (it calls smtp_client_core_closed()).
 *
 * Costs: each message is copied once, dot-stuffed, into the output when
 * its DATA is answered 354; O(1) per byte of replies.
 *
 * Ownership: smtp_client_core_new/smtp_client_core_free; messages added
 * are copied; an event's `text` belongs to the event
 * (smtp_client_event_clear).
 */
#ifndef APPSIM_SMTP_CLIENT_CORE_H
#define APPSIM_SMTP_CLIENT_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_envelope.h"

typedef struct {
    const char *helo_domain; /* the name in EHLO/HELO; NULL: "localhost" */
    bool no_ehlo;            /* greet with HELO (as the lecture slides do) */
    bool no_pipelining;      /* never pipeline, even when offered */
} smtp_client_config;

#define SMTP_CLIENT_STATES(X)                                                                      \
    X(SMTP_CLIENT_GREETING, "GREETING") /* waiting for 220 */                                      \
    X(SMTP_CLIENT_EHLO, "EHLO")         /* waiting for the reply to EHLO */                        \
    X(SMTP_CLIENT_HELO, "HELO")         /* waiting for the reply to HELO */                        \
    X(SMTP_CLIENT_MAIL, "MAIL")         /* waiting for the reply to MAIL */                        \
    X(SMTP_CLIENT_RCPT, "RCPT")         /* waiting for the reply to a RCPT */                      \
    X(SMTP_CLIENT_DATA, "DATA")         /* waiting for 354 */                                      \
    X(SMTP_CLIENT_BODY, "BODY")         /* data sent, waiting for the final reply */               \
    X(SMTP_CLIENT_RSET, "RSET")         /* waiting for the reply to RSET */                        \
    X(SMTP_CLIENT_QUIT, "QUIT")         /* waiting for 221 */                                      \
    X(SMTP_CLIENT_DONE, "DONE")         /* the session is over */

typedef enum {
#define SMTP_CLIENT_STATE_ENUM(name, text) name,
    SMTP_CLIENT_STATES(SMTP_CLIENT_STATE_ENUM)
#undef SMTP_CLIENT_STATE_ENUM
} smtp_client_state;

const char *smtp_client_state_name(smtp_client_state s);

typedef enum {
    SMTP_RESULT_DELIVERED,
    SMTP_RESULT_TEMP_FAILURE,
    SMTP_RESULT_PERM_FAILURE,
} smtp_result;

const char *smtp_result_name(smtp_result r);

typedef enum {
    SMTP_CLIENT_EV_STATE,
    SMTP_CLIENT_EV_RCPT,
    SMTP_CLIENT_EV_MESSAGE,
    SMTP_CLIENT_EV_DONE,
} smtp_client_event_kind;

typedef struct {
    smtp_client_event_kind kind;
    smtp_client_state from, to; /* EV_STATE */
    size_t message;             /* EV_RCPT, EV_MESSAGE: index in the order added */
    size_t rcpt;                /* EV_RCPT: index among the message's recipients */
    smtp_result result;         /* EV_RCPT (accepted or not), EV_MESSAGE */
    int code;                   /* the reply's code; 0: no reply */
    char *text;                 /* the reply's lines joined with "\n", or why; owned */
} smtp_client_event;

/* What the server's EHLO reply offered. */
typedef struct {
    bool esmtp;         /* EHLO was accepted */
    bool pipelining;
    bool eightbitmime;
    bool size;          /* SIZE offered */
    uint64_t size_max;  /* its value; 0: no fixed limit */
} smtp_client_extensions;

typedef struct smtp_client_core smtp_client_core;

smtp_client_core *smtp_client_core_new(const smtp_client_config *cfg);
void smtp_client_core_free(smtp_client_core *c);

/* Queues a message (copied). Messages added after the session started are
 * sent if it has not reached QUIT yet; later ones fail (TEMP, code 0). */
void smtp_client_core_add_message(smtp_client_core *c, const smtp_envelope *env);

/* Consumes the server's bytes (all of them). */
size_t smtp_client_core_feed(smtp_client_core *c, const uint8_t *data, size_t len);
/* The connection ended (or timed out): messages without a result fail
 * (TEMP, code 0) and the session is DONE. A no-op once DONE. */
void smtp_client_core_closed(smtp_client_core *c, const char *why);

const uint8_t *smtp_client_core_output(const smtp_client_core *c, size_t *len);
void smtp_client_core_consume(smtp_client_core *c, size_t n);
bool smtp_client_core_next_event(smtp_client_core *c, smtp_client_event *ev);
void smtp_client_event_clear(smtp_client_event *ev);

smtp_client_state smtp_client_core_state(const smtp_client_core *c);
const smtp_client_extensions *smtp_client_core_extensions(const smtp_client_core *c);

#endif
