/*
 * webmail: a web-mail front end as a sans-IO core (Kurose & Ross 2.3:
 * the user agent is a browser speaking HTTP to a web server, which reads
 * the mailbox and sends over SMTP). Given one parsed HTTP request and a
 * mail store, webmail_handle() makes the response; the caller (the
 * "webmail" application, protocols/webmail/app/) carries it over an
 * http_server and submits the messages it is handed over SMTP.
 *
 * Pages (every one behind HTTP Basic authentication, RFC 7617, checked
 * with mail_store_check_password; the same 401 for an unknown user and a
 * wrong password):
 * - GET /mail, /mail/, /mail/inbox[?page=N]: the mailbox, newest first,
 *   one row per message (sender, subject, date, size, a link to it), at
 *   most `page_size` rows a page, pages 1, 2... with links to the others;
 *   and a form that posts to /mail/send.
 * - GET /mail/msg/<uid>: one message: its From, To, Cc, Date and Subject,
 *   its first text/plain part decoded (base64, quoted-printable), its
 *   other leaves listed as attachments with their decoded sizes and a
 *   link each; marks the message \Seen.
 * - GET /mail/msg/<uid>/part/<n>: the n-th leaf (1-based, depth first)
 *   decoded, with its content type, "Content-Disposition: attachment" and
 *   "X-Content-Type-Options: nosniff" (a part is never shown as a page of
 *   this site).
 * - POST /mail/send, application/x-www-form-urlencoded: `to` (addresses
 *   separated by commas), `subject`, `body`: an RFC 5322 message from
 *   <user>@<domain> handed to `send`; 303 to /mail/inbox when it took it,
 *   else 503 with an error page.
 * HEAD is answered like GET (the HTTP server drops the body).
 * Everything taken from a message or a request is HTML-escaped; pages are
 * HTML5 in UTF-8.
 *
 * Statuses: 200, 303; 400 (a bad page number, a malformed form, a
 * missing or bad `to`, a body that is not UTF-8); 401 with
 * WWW-Authenticate; 404 (other paths, a UID not in the mailbox, a part
 * that does not exist); 405 with Allow (a method a page does not take);
 * 413 (a form over `max_form` bytes); 415 (a form of another type); 503
 * (no mailbox, or the message could not be handed over).
 *
 * Limits: `max_form` bytes of form (default WEBMAIL_MAX_FORM, 1 MiB),
 * `page_size` rows a page (default and most WEBMAIL_PAGE_SIZE, 1000),
 * WEBMAIL_MAX_RCPT recipients, WEBMAIL_FORM_MAX_FIELDS form fields.
 *
 * Costs: the listing parses the header section of each message it shows
 * (O(page_size x header bytes)); a message page parses the message once
 * (mime_msg_parse, O(size)).
 *
 * Ownership: the configuration, the store, the request and its body are
 * borrowed for the call; webmail_response is the caller's (init it with
 * the call, release it with webmail_response_clear).
 */
#ifndef APPSIM_WEBMAIL_H
#define APPSIM_WEBMAIL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "protocols/http/http_msg.h"
#include "protocols/mailstore/mail_store.h"

#define WEBMAIL_MAX_FORM ((uint64_t)1 << 20)
#define WEBMAIL_PAGE_SIZE 1000u
#define WEBMAIL_MAX_RCPT 100u

/* Hands a message over for submission: from the user's address to the
 * recipients (NULL-terminated, borrowed); `msg` borrowed (the callee
 * refs it to keep it). True when it took it. */
typedef bool (*webmail_send_fn)(void *ud, const char *from, const char *const *to, GBytes *msg);

typedef struct {
    const char *mailbox;  /* the folder shown; default "INBOX" */
    const char *user;     /* the only account served; NULL: every account of the store */
    const char *realm;    /* of WWW-Authenticate; default "appsim web mail" */
    const char *domain;   /* senders are <user>@<domain>; default "localhost" */
    uint32_t page_size;   /* rows of a listing page, 1..WEBMAIL_PAGE_SIZE */
    uint64_t max_form;    /* bytes of a form body */
} webmail_config;

void webmail_config_default(webmail_config *c);

typedef struct {
    int status;
    char *content_type;   /* NULL: no body */
    char *location;       /* 303: where to; else NULL */
    char *www_authenticate; /* 401 */
    char *allow;          /* 405 */
    char *disposition;    /* a part's Content-Disposition */
    bool nosniff;         /* add X-Content-Type-Options: nosniff */
    GBytes *body;         /* never NULL after webmail_handle */
    char *user;           /* the authenticated user, or NULL */
} webmail_response;

/* Makes the response to `req` (its body `body`, `body_len` bytes, NULL
 * when empty), at Unix time `now_s` (the Date of a sent message). `send`
 * may be NULL: every send then answers 503. Never fails: bad input is a
 * status. */
void webmail_handle(const webmail_config *c, mail_store *st, const http_msg *req, const uint8_t *body,
                    uint64_t body_len, int64_t now_s, webmail_send_fn send, void *ud, webmail_response *out);
void webmail_response_clear(webmail_response *r);

#endif
