/*
 * http_parser: an incremental, sans-IO parser of HTTP/1.x requests and
 * responses.
 *
 * Bytes go in in any split, one byte at a time included; the parser hands
 * back events one at a time, each with how many input bytes it consumed:
 *
 *     size_t off = 0;
 *     while (off < len) {
 *         http_event ev;
 *         off += http_parser_feed(p, data ? data + off : NULL, len - off, &ev);
 *         switch (ev.kind) { ... }
 *     }
 *
 * - HTTP_EV_NEED_MORE: every byte given was consumed; feed more.
 * - HTTP_EV_HEAD: a message head is complete; http_parser_msg() returns it
 *   (owned by the parser until the next message starts, or take it with
 *   http_parser_take_msg()).
 * - HTTP_EV_BODY: `ev.data`/`ev.len` is a span of body bytes, pointing into
 *   the input (zero-copy, valid until the caller's buffer changes). `data`
 *   may be NULL for a length-only input span (the simulator's payloads);
 *   the head must be real bytes, a length-only span there is an error.
 * - HTTP_EV_DONE: the message is complete. The parser is ready for the
 *   next message on the same connection (pipelining).
 * - HTTP_EV_ERROR: the input is malformed or over a limit; `ev.status` is
 *   the status a server should answer with (400, 413, 414, 431, 501, 505)
 *   and `ev.error` says why. The parser stays in the error state.
 *
 * An event other than HTTP_EV_ERROR that used up all the input leaves
 * nothing pending: where another event follows without more input (the
 * DONE after a bodiless head or a body's last span), the parser reports
 * one byte fewer than it used, so that the loop above comes back for it.
 * A caller may therefore stop once `off == len` without a call for
 * nothing, which would only give HTTP_EV_NEED_MORE.
 *
 * Framing follows RFC 9112 section 6: chunked transfer coding (with chunk
 * extensions and trailers skipped), else Content-Length, else for
 * responses the end of the connection (call http_parser_finish() at EOF).
 * Responses to HEAD, 1xx, 204 and 304 have no body: tell the response
 * parser which request method each response answers with
 * http_parser_expect() (a queue, for pipelined requests).
 *
 * Requests: "GET /path" with no version is an HTTP/0.9 simple request
 * (HEAD, then DONE at once). Origin-form, absolute-form ("http://host/p",
 * what a proxy receives), authority-form (CONNECT) and "*" targets are
 * accepted as written. A 1.1 request without Host is a 400. Major versions
 * other than 1 are 505. Conflicting Content-Length values, Content-Length
 * together with Transfer-Encoding, a transfer coding other than chunked as
 * the last, or a malformed number are 400. Unknown methods parse (method
 * HTTP_M_UNKNOWN) and are the server's to refuse (501).
 *
 * Nothing malformed crashes, reads out of bounds or leaks.
 *
 * Ownership: http_parser_new/http_parser_free.
 */
#ifndef APPSIM_HTTP_PARSER_H
#define APPSIM_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "http_msg.h"

typedef struct {
    size_t max_start_line;  /* request or status line; over it: 414 (request) / 400; default 8192 */
    size_t max_header_size; /* all header lines together; over it: 431; default 32768 */
    size_t max_headers;     /* header count; over it: 431; default 100 */
    uint64_t max_body;      /* request body bytes; over it: 413; default 64 MiB; 0 = no limit */
} http_limits;

void http_limits_default(http_limits *l);

typedef enum {
    HTTP_EV_NEED_MORE,
    HTTP_EV_HEAD,
    HTTP_EV_BODY,
    HTTP_EV_DONE,
    HTTP_EV_ERROR,
} http_event_kind;

typedef struct {
    http_event_kind kind;
    const uint8_t *data; /* HTTP_EV_BODY: the span (NULL: length-only) */
    size_t len;
    int status;          /* HTTP_EV_ERROR: the status to answer with */
    const char *error;   /* HTTP_EV_ERROR: a short static explanation */
} http_event;

typedef struct http_parser http_parser;

/* `limits` NULL means the defaults. */
http_parser *http_parser_new(bool requests, const http_limits *limits);
void http_parser_free(http_parser *p);

size_t http_parser_feed(http_parser *p, const uint8_t *data, size_t len, http_event *ev);
/* The connection ended: completes a close-delimited response (DONE), is
 * NEED_MORE between messages, or ERROR (400) in the middle of one. */
void http_parser_finish(http_parser *p, http_event *ev);

/* Response parsers: the method of the request the next (queued) response
 * answers. Call once per request sent, in order. */
void http_parser_expect(http_parser *p, http_method method);

/* The head of the current message (after HTTP_EV_HEAD), or NULL. */
const http_msg *http_parser_msg(const http_parser *p);
/* Takes ownership of the current head. */
http_msg *http_parser_take_msg(http_parser *p);
/* The body framing of the current message: -1 for chunked or
 * close-delimited, else the Content-Length (0 without a body). */
int64_t http_parser_body_length(const http_parser *p);
/* The name of the parser's state ("START_LINE", "HEADERS", "CHUNK_DATA",
 * "ERROR"...), for logs and tests. */
const char *http_parser_state_name(const http_parser *p);

#endif
