/*
 * http_parser: the incremental HTTP/1.x parser (RFC 9112), requests and
 * responses.
 *
 * Structure. The parser is a state machine over bytes. The head (start line,
 * header lines) and the trailer section are read a line at a time: a line
 * that arrives whole in one input span is parsed where it lies, a line split
 * across spans is gathered in `line` first, never more of it than the
 * limits allow. Chunk-size lines are read a byte at a time without any
 * buffering. Body bytes are never copied: each HTTP_EV_BODY is a span of
 * the caller's input, or a length-only span when the input was one.
 *
 * Every check on a line runs when the line is complete, except the size
 * limits, which also run on a partial line so that a peer cannot make us
 * buffer without bound; a partial line is refused only when the complete
 * line would be refused for the same reason. So the events a message
 * produces, the final error status included, do not depend on how its bytes
 * were split (the tests replay every message at every chunk size).
 *
 * One event per call. Some events are followed by another that needs no
 * more input: the head of a message without a body, or the last span of a
 * body, is followed by HTTP_EV_DONE. If the event that has such a follower
 * would use up the caller's input, the parser reports one byte fewer than it
 * used (`held`), so that the caller's loop `while (off < len)` comes back
 * once more and the follower gets out; the held byte is then counted as
 * consumed without being looked at again. A caller that instead calls
 * again with nothing (len 0) gets the follower just the same. An error
 * reports all the input as consumed, so that a loop that forgets to stop on
 * it still ends; a message refused before its HTTP_EV_HEAD is never shown
 * (http_parser_msg() stays NULL).
 *
 * Limits (http_limits): the start line is measured without its line
 * ending; the header section ("all header lines together") is every byte
 * after the start line up to and including the empty line that ends the
 * head; the trailer section is measured alike against the same limits.
 * A chunk-size line, extensions included, may be at most CHUNK_LINE_MAX
 * bytes.
 *
 * Framing decisions, beyond what http_parser.h states:
 * - A request with Transfer-Encoding whose last coding is not chunked is a
 *   400; one whose codings are chunked plus others we do not decode (gzip
 *   before chunked, say) is a 501. A response with Transfer-Encoding whose
 *   last coding is not chunked is read to the end of the connection (RFC
 *   9112 section 6.3, item 4), since there is nobody to answer 400 to.
 * - Transfer-Encoding in an HTTP/1.0 message, or chunked given twice, is a
 *   400 (RFC 9112 sections 6.1 and 6.3).
 * - A request with more than one Host header is a 400 (RFC 9112 section
 *   3.2). Content-Length may be a list of identical values ("5, 5").
 * - Responses to HEAD, 1xx, 204, 304 and 2xx answers to CONNECT have no
 *   body; their Content-Length and Transfer-Encoding are not examined. A 1xx
 *   response does not use up the method queued with http_parser_expect():
 *   the final response to the same request follows it.
 * - Empty lines before a start line are skipped (RFC 9112 section 2.2).
 * - An HTTP/0.9 simple request is "GET target": other methods need a
 *   version.
 *
 * Costs: O(1) work per input byte, plus the copy of each header name and
 * value into the message.
 */
#include "http_parser.h"

#include <string.h>

/* The longest chunk-size line, extensions included, in bytes. */
#define CHUNK_LINE_MAX 4096

typedef enum {
    HP_START_LINE,   /* before or in a start line (empty lines skipped) */
    HP_HEADERS,      /* header lines, until the empty line */
    HP_BODY_LENGTH,  /* `remaining` bytes of a Content-Length body */
    HP_BODY_CLOSE,   /* a body that ends with the connection */
    HP_CHUNK_SIZE,   /* hex digits of a chunk size */
    HP_CHUNK_BWS,    /* whitespace after the size: ';' or the line end must follow */
    HP_CHUNK_EXT,    /* chunk extensions, skipped up to the line end */
    HP_CHUNK_LF,     /* CR seen at the end of a chunk-size line, LF due */
    HP_CHUNK_DATA,   /* `remaining` bytes of chunk data */
    HP_CHUNK_END,    /* the CRLF after chunk data */
    HP_CHUNK_END_LF, /* CR seen after chunk data, LF due */
    HP_TRAILERS,     /* trailer lines, until the empty line */
    HP_ERROR,        /* sticky: every call repeats the error */
} hp_state;

static const char *const state_names[] = {
    [HP_START_LINE] = "START_LINE",
    [HP_HEADERS] = "HEADERS",
    [HP_BODY_LENGTH] = "BODY_LENGTH",
    [HP_BODY_CLOSE] = "BODY_CLOSE",
    [HP_CHUNK_SIZE] = "CHUNK_SIZE",
    [HP_CHUNK_BWS] = "CHUNK_BWS",
    [HP_CHUNK_EXT] = "CHUNK_EXT",
    [HP_CHUNK_LF] = "CHUNK_LF",
    [HP_CHUNK_DATA] = "CHUNK_DATA",
    [HP_CHUNK_END] = "CHUNK_END",
    [HP_CHUNK_END_LF] = "CHUNK_END_LF",
    [HP_TRAILERS] = "TRAILERS",
    [HP_ERROR] = "ERROR",
};

typedef enum {
    FRAME_NONE,    /* no body */
    FRAME_LENGTH,  /* Content-Length bytes */
    FRAME_CHUNKED, /* chunked transfer coding */
    FRAME_CLOSE,   /* until the connection ends (responses) */
} hp_framing;

struct http_parser {
    bool requests;
    http_limits limits;
    hp_state state;

    GByteArray *line;   /* a head or trailer line split across inputs, no LF */
    size_t section;     /* bytes of the header (or trailer) section so far */
    size_t field_count; /* header (or trailer) lines so far */

    http_msg *msg;   /* the message being read or last read; NULL once taken */
    bool head_ready; /* HTTP_EV_HEAD was given for `msg` */

    /* What the headers said about framing, while they are read. */
    bool bodyless; /* a response that cannot have a body */
    bool cl_seen;  /* Content-Length given */
    uint64_t content_length;
    bool te_seen;          /* Transfer-Encoding given */
    bool te_chunked_last;  /* its last coding is chunked */
    bool te_chunked_seen;  /* chunked appears */
    bool te_chunked_twice; /* chunked appears more than once */
    bool te_other;         /* a coding other than chunked appears */
    unsigned host_count;

    hp_framing framing;
    uint64_t remaining;  /* body or chunk bytes still due */
    uint64_t body_total; /* chunked: body bytes announced so far */
    uint64_t chunk_size; /* the size being read from a chunk-size line */
    size_t chunk_digits; /* hex digits of it read so far */
    size_t chunk_line;   /* bytes of the chunk-size line so far */

    bool pending_done; /* HTTP_EV_DONE is due before any more input is read */
    size_t held;       /* leading bytes of the next input already used (0 or 1) */

    int err_status;
    const char *err;

    GQueue expected; /* response parsers: methods of the requests, as ints */
};

/* ---- small helpers ---------------------------------------------------- */

void http_limits_default(http_limits *l)
{
    l->max_start_line = 8192;
    l->max_header_size = 32768;
    l->max_headers = 100;
    l->max_body = UINT64_C(64) << 20;
}

/* RFC 9110 tchar: the characters of a token (method, header name). */
static inline bool is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
    }
}

static inline bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

/* A byte allowed in a field value or reason phrase: HTAB, SP, VCHAR and
 * obs-text (RFC 9110 section 5.5); CR, LF, NUL, other controls and DEL are
 * not. */
static inline bool is_field_char(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

/* Whether a + b > limit, without overflowing. */
static inline bool over(size_t a, size_t b, size_t limit) { return b > limit || a > limit - b; }

static bool span_equals_ci(const uint8_t *s, size_t n, const char *lower)
{
    return strlen(lower) == n && g_ascii_strncasecmp((const char *)s, lower, n) == 0;
}

/* Every transition goes through here, so that one breakpoint or log line
 * sees them all. */
static void set_state(http_parser *p, hp_state to) { p->state = to; }

/* Enters the error state; the caller returns the error event. */
static void fail(http_parser *p, int status, const char *why)
{
    p->err_status = status;
    p->err = why;
    p->pending_done = false;
    p->held = 0;
    set_state(p, HP_ERROR);
}

static void error_event(const http_parser *p, http_event *ev)
{
    ev->kind = HTTP_EV_ERROR;
    ev->status = p->err_status;
    ev->error = p->err;
}

/* Forgets everything about the previous message; called when the next
 * one starts, so that its head and framing stay readable after DONE. */
static void reset_message(http_parser *p)
{
    g_byte_array_set_size(p->line, 0);
    p->section = 0;
    p->field_count = 0;
    p->bodyless = false;
    p->cl_seen = false;
    p->content_length = 0;
    p->te_seen = false;
    p->te_chunked_last = false;
    p->te_chunked_seen = false;
    p->te_chunked_twice = false;
    p->te_other = false;
    p->host_count = 0;
    p->framing = FRAME_NONE;
    p->remaining = 0;
    p->body_total = 0;
    p->chunk_size = 0;
    p->chunk_digits = 0;
    p->chunk_line = 0;
}

/* The current message is complete: the parser waits for the next one. */
static void message_done(http_parser *p, http_event *ev)
{
    ev->kind = HTTP_EV_DONE;
    p->pending_done = false;
    set_state(p, HP_START_LINE);
}

/* The method the response being read answers (GET when none was queued). */
static http_method expected_method(const http_parser *p)
{
    if (g_queue_is_empty((GQueue *)&p->expected))
        return HTTP_M_GET;
    return (http_method)GPOINTER_TO_INT(g_queue_peek_head((GQueue *)&p->expected));
}

/* ---- start lines ------------------------------------------------------ */

/* Parses "HTTP/d.d" into 10 or 11 (a 1.x minor above 1 reads as 1.1, the
 * highest we speak). Returns 0 if malformed, -1 for a major version other
 * than 1. */
static int parse_version(const uint8_t *s, size_t n)
{
    if (n != 8 || memcmp(s, "HTTP/", 5) != 0 || !g_ascii_isdigit(s[5]) || s[6] != '.' ||
        !g_ascii_isdigit(s[7]))
        return 0;
    if (s[5] != '1')
        return -1;
    return s[7] == '0' ? 10 : 11;
}

static void start_message(http_parser *p, http_msg *m)
{
    http_msg_free(p->msg);
    p->msg = m;
    p->head_ready = false;
}

/* "method SP request-target SP HTTP-version", or "GET SP target" (0.9). */
static bool parse_request_line(http_parser *p, const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_tchar(s[i]))
        i++;
    if (i == 0 || i == n || s[i] != ' ') {
        fail(p, 400,
             i < n && s[i] != ' ' ? "invalid character in the method" : "malformed request line");
        return false;
    }
    size_t method_len = i++;
    size_t target_start = i;
    while (i < n && s[i] > 0x20 && s[i] < 0x7f)
        i++;
    size_t target_len = i - target_start;
    if (target_len == 0) {
        fail(p, 400, "missing request target");
        return false;
    }
    int version;
    if (i == n) {
        /* No version: an HTTP/0.9 simple request, which only had GET. */
        if (method_len != 3 || memcmp(s, "GET", 3) != 0) {
            fail(p, 400, "request line without a version");
            return false;
        }
        version = 9;
    } else if (s[i] != ' ') {
        fail(p, 400, "invalid character in the request target");
        return false;
    } else {
        version = parse_version(s + i + 1, n - i - 1);
        if (version == 0) {
            fail(p, 400, "malformed HTTP version");
            return false;
        }
        if (version < 0) {
            fail(p, 505, "unsupported HTTP major version");
            return false;
        }
    }
    start_message(p, http_msg_new_request_len((const char *)s, method_len,
                                              (const char *)s + target_start, target_len, version));
    return true;
}

/* "HTTP-version SP 3DIGIT SP reason-phrase"; the SP before an empty reason
 * may be missing, as some servers send. */
static bool parse_status_line(http_parser *p, const uint8_t *s, size_t n)
{
    size_t vlen = 0;
    while (vlen < n && s[vlen] != ' ')
        vlen++;
    int version = parse_version(s, vlen);
    if (version == 0) {
        fail(p, 400, "malformed HTTP version");
        return false;
    }
    if (version < 0) {
        fail(p, 505, "unsupported HTTP major version");
        return false;
    }
    if (n < 12 || !g_ascii_isdigit(s[9]) || !g_ascii_isdigit(s[10]) || !g_ascii_isdigit(s[11]) ||
        s[9] == '0' || (n > 12 && s[12] != ' ')) {
        fail(p, 400, "malformed status line");
        return false;
    }
    int status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    size_t reason_start = n > 12 ? 13 : 12;
    for (size_t i = reason_start; i < n; i++) {
        if (!is_field_char(s[i])) {
            fail(p, 400, "invalid character in the reason phrase");
            return false;
        }
    }
    char *reason = g_strndup((const char *)s + reason_start, n - reason_start);
    http_msg *m = http_msg_new_response(status, reason, version);
    g_free(reason);
    start_message(p, m);

    /* Whether a body can follow is known now (RFC 9112 section 6.3). */
    http_method answers = expected_method(p);
    p->bodyless = answers == HTTP_M_HEAD || status < 200 || status == 204 || status == 304 ||
                  (answers == HTTP_M_CONNECT && status < 300);
    return true;
}

/* ---- header lines ----------------------------------------------------- */

/* Content-Length: 1*DIGIT, or a list of equal values (RFC 9110 section
 * 8.6), each at most INT64_MAX; every occurrence must agree. */
static bool take_content_length(http_parser *p, const uint8_t *v, size_t n)
{
    size_t i = 0;
    bool any = false;
    for (;;) {
        while (i < n && is_ows(v[i]))
            i++;
        size_t digits = 0;
        uint64_t value = 0;
        while (i < n && g_ascii_isdigit(v[i])) {
            unsigned d = (unsigned)(v[i] - '0');
            if (value > ((uint64_t)INT64_MAX - d) / 10) {
                fail(p, 400, "Content-Length too large");
                return false;
            }
            value = value * 10 + d;
            digits++;
            i++;
        }
        while (i < n && is_ows(v[i]))
            i++;
        if (digits == 0 || (i < n && v[i] != ',')) {
            fail(p, 400, "malformed Content-Length");
            return false;
        }
        if ((p->cl_seen || any) && value != p->content_length) {
            fail(p, 400, "conflicting Content-Length values");
            return false;
        }
        p->content_length = value;
        any = true;
        if (i == n)
            break;
        i++; /* past the comma */
    }
    p->cl_seen = true;
    if (p->requests && p->limits.max_body && p->content_length > p->limits.max_body) {
        fail(p, 413, "request body over the limit");
        return false;
    }
    return true;
}

/* Transfer-Encoding: a list of codings, each a token with parameters;
 * remembers whether the last one (over all occurrences) is chunked. */
static void take_transfer_encoding(http_parser *p, const uint8_t *v, size_t n)
{
    p->te_seen = true;
    size_t i = 0;
    while (i <= n) {
        size_t start = i;
        while (i < n && v[i] != ',')
            i++;
        size_t end = i;
        /* The coding is the token before any parameters. */
        for (size_t k = start; k < end; k++) {
            if (v[k] == ';') {
                end = k;
                break;
            }
        }
        while (start < end && is_ows(v[start]))
            start++;
        while (end > start && is_ows(v[end - 1]))
            end--;
        if (end > start) { /* empty list elements are ignored */
            bool chunked = span_equals_ci(v + start, end - start, "chunked");
            if (chunked) {
                if (p->te_chunked_seen)
                    p->te_chunked_twice = true;
                p->te_chunked_seen = true;
            } else {
                p->te_other = true;
            }
            p->te_chunked_last = chunked;
        }
        i++; /* past the comma, or past the end */
    }
}

/* Parses one header (or trailer) line without its line ending. */
static bool parse_field_line(http_parser *p, const uint8_t *s, size_t n, bool keep)
{
    if (is_ows(s[0])) {
        fail(p, 400, "obsolete line folding");
        return false;
    }
    size_t i = 0;
    while (i < n && is_tchar(s[i]))
        i++;
    if (i == n || s[i] != ':') {
        const char *why = i == n         ? "header line without a colon"
                          : is_ows(s[i]) ? "whitespace between header name and colon"
                                         : "invalid character in a header name";
        fail(p, 400, why);
        return false;
    }
    if (i == 0) {
        fail(p, 400, "empty header name");
        return false;
    }
    size_t name_len = i;
    size_t vs = i + 1, ve = n;
    while (vs < ve && is_ows(s[vs]))
        vs++;
    while (ve > vs && is_ows(s[ve - 1]))
        ve--;
    for (size_t k = vs; k < ve; k++) {
        if (!is_field_char(s[k])) {
            fail(p, 400, "invalid character in a header value");
            return false;
        }
    }
    if (!keep)
        return true; /* trailers are checked, then dropped */

    const uint8_t *v = s + vs;
    size_t vn = ve - vs;
    if (name_len == 4 && p->requests && span_equals_ci(s, 4, "host")) {
        if (++p->host_count > 1) {
            fail(p, 400, "more than one Host header");
            return false;
        }
    } else if (name_len == 14 && !p->bodyless && span_equals_ci(s, 14, "content-length")) {
        if (!take_content_length(p, v, vn))
            return false;
    } else if (name_len == 17 && !p->bodyless && span_equals_ci(s, 17, "transfer-encoding")) {
        take_transfer_encoding(p, v, vn);
    }
    http_msg_add_len(p->msg, (const char *)s, name_len, (const char *)v, vn);
    return true;
}

/* The head is complete: decides the framing (RFC 9112 section 6.3). */
static bool decide_framing(http_parser *p)
{
    const http_msg *m = p->msg;
    if (p->requests) {
        if (m->version >= 11 && p->host_count == 0) {
            fail(p, 400, "HTTP/1.1 request without Host");
            return false;
        }
    } else if (p->bodyless) {
        p->framing = FRAME_NONE;
        return true;
    }
    if (p->te_seen) {
        if (p->cl_seen) {
            fail(p, 400, "both Transfer-Encoding and Content-Length");
            return false;
        }
        if (m->version < 11) {
            fail(p, 400, "Transfer-Encoding in an HTTP/1.0 message");
            return false;
        }
        if (p->te_chunked_twice) {
            fail(p, 400, "chunked applied more than once");
            return false;
        }
        if (!p->te_chunked_last) {
            if (p->requests) {
                fail(p, 400, "Transfer-Encoding without chunked last");
                return false;
            }
            p->framing = FRAME_CLOSE;
            return true;
        }
        if (p->requests && p->te_other) {
            fail(p, 501, "unsupported transfer coding");
            return false;
        }
        p->framing = FRAME_CHUNKED;
        return true;
    }
    if (p->cl_seen) {
        p->framing = p->content_length ? FRAME_LENGTH : FRAME_NONE;
        p->remaining = p->content_length;
        return true;
    }
    p->framing = p->requests ? FRAME_NONE : FRAME_CLOSE;
    return true;
}

/* The empty line ended the head: gives HTTP_EV_HEAD and moves to the body. */
static void head_complete(http_parser *p, http_event *ev)
{
    if (!p->requests && p->msg->status >= 200 && !g_queue_is_empty(&p->expected))
        g_queue_pop_head(&p->expected); /* a final response answers its request */
    p->head_ready = true;
    ev->kind = HTTP_EV_HEAD;
    switch (p->framing) {
    case FRAME_NONE: p->pending_done = true; break;
    case FRAME_LENGTH: set_state(p, HP_BODY_LENGTH); break;
    case FRAME_CHUNKED: set_state(p, HP_CHUNK_SIZE); break;
    case FRAME_CLOSE: set_state(p, HP_BODY_CLOSE); break;
    }
}

/* Handles one complete line of the head or trailers. `s`/`n` is the line
 * without its line ending, `raw` its length with the ending. */
static void process_line(http_parser *p, const uint8_t *s, size_t n, size_t raw, http_event *ev)
{
    /* A CR may only end a line. One left inside (a bare CR) is refused by
     * the character checks of each part: CR is not a token character, nor
     * allowed in a target, version, reason phrase or field value. */
    if (p->state == HP_START_LINE) {
        if (n == 0)
            return; /* an empty line before the start line */
        if (n > p->limits.max_start_line) {
            fail(p, p->requests ? 414 : 400,
                 p->requests ? "request line too long" : "status line too long");
            error_event(p, ev);
            return;
        }
        bool ok = p->requests ? parse_request_line(p, s, n) : parse_status_line(p, s, n);
        if (!ok) {
            error_event(p, ev);
            return;
        }
        if (p->msg->version == 9) {
            /* A simple request has no headers: it is complete already. */
            p->framing = FRAME_NONE;
            head_complete(p, ev);
            return;
        }
        set_state(p, HP_HEADERS);
        return;
    }

    bool trailers = p->state == HP_TRAILERS;
    if (over(p->section, raw, p->limits.max_header_size)) {
        fail(p, 431, trailers ? "trailer section too large" : "header section too large");
        error_event(p, ev);
        return;
    }
    p->section += raw;
    if (n == 0) {
        if (trailers) {
            message_done(p, ev);
        } else if (decide_framing(p)) {
            head_complete(p, ev);
        } else {
            error_event(p, ev);
        }
        return;
    }
    if (++p->field_count > p->limits.max_headers) {
        fail(p, 431, trailers ? "too many trailer fields" : "too many header fields");
        error_event(p, ev);
        return;
    }
    if (!parse_field_line(p, s, n, !trailers))
        error_event(p, ev);
}

/* Whether a partial line of `have` bytes (no LF yet) is already certain to
 * break a size limit once complete. */
static bool partial_line_over(http_parser *p, size_t have, http_event *ev)
{
    if (p->state == HP_START_LINE) {
        /* The complete line is at least have - 1 bytes without its ending
         * (the last byte may be the CR of a CRLF). */
        if (have > p->limits.max_start_line + 1) {
            fail(p, p->requests ? 414 : 400,
                 p->requests ? "request line too long" : "status line too long");
            error_event(p, ev);
            return true;
        }
        return false;
    }
    /* The complete line is at least have + 1 bytes with its LF. */
    if (over(p->section, have, p->limits.max_header_size) ||
        p->section + have == p->limits.max_header_size) {
        fail(p, 431,
             p->state == HP_TRAILERS ? "trailer section too large" : "header section too large");
        error_event(p, ev);
        return true;
    }
    return false;
}

/* Reads head or trailer bytes up to the end of one line; returns how many
 * it used. */
static size_t feed_line(http_parser *p, const uint8_t *data, size_t len, http_event *ev)
{
    if (!data) {
        fail(p, 400,
             p->state == HP_TRAILERS ? "length-only bytes in the trailers"
                                     : "length-only bytes in a message head");
        error_event(p, ev);
        return len;
    }
    if (p->state == HP_START_LINE && p->line->len == 0) {
        /* The next message starts: the previous one goes. */
        http_msg_free(p->msg);
        p->msg = NULL;
        p->head_ready = false;
        reset_message(p);
    }
    const uint8_t *lf = memchr(data, '\n', len);
    size_t take = lf ? (size_t)(lf - data) : len; /* bytes before the LF */
    if (partial_line_over(p, p->line->len + take, ev))
        return len;
    if (!lf) {
        g_byte_array_append(p->line, data, (guint)take);
        return len;
    }
    const uint8_t *s = data;
    size_t n = take;
    if (p->line->len > 0) {
        g_byte_array_append(p->line, data, (guint)take);
        s = p->line->data;
        n = p->line->len;
    }
    size_t raw = n + 1;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    process_line(p, s, n, raw, ev);
    if (p->state != HP_ERROR)
        g_byte_array_set_size(p->line, 0);
    return p->state == HP_ERROR ? len : take + 1;
}

/* ---- chunked bodies --------------------------------------------------- */

/* Reads the bytes of a chunk-size line or of the CRLF after chunk data, up
 * to the end of that line; returns how many it used. */
/* Fails the message with `status` and `why`, reports the error and
 * consumes the rest of the input (the framing functions' way out). */
static size_t refuse(http_parser *p, int status, const char *why, http_event *ev, size_t len)
{
    fail(p, status, why);
    error_event(p, ev);
    return len;
}

static size_t feed_chunk_framing(http_parser *p, const uint8_t *data, size_t len, http_event *ev)
{
    if (!data)
        return refuse(p, 400, "length-only bytes in chunk framing", ev, len);
    size_t i = 0;
    while (i < len) {
        uint8_t c = data[i++];
        if (p->state == HP_CHUNK_END || p->state == HP_CHUNK_END_LF) {
            if (c == '\r' && p->state == HP_CHUNK_END) {
                set_state(p, HP_CHUNK_END_LF);
                continue;
            }
            if (c != '\n')
                return refuse(p, 400, "missing CRLF after chunk data", ev, len);
            set_state(p, HP_CHUNK_SIZE);
            return i;
        }
        if (++p->chunk_line > CHUNK_LINE_MAX)
            return refuse(p, 400, "chunk-size line too long", ev, len);
        bool line_end = false;
        switch (p->state) {
        case HP_CHUNK_SIZE: {
            int d = g_ascii_xdigit_value((char)c);
            if (d >= 0) {
                if (p->chunk_size > (UINT64_MAX >> 4))
                    return refuse(p, 400, "chunk size too large", ev, len);
                p->chunk_size = (p->chunk_size << 4) | (uint64_t)d;
                p->chunk_digits++;
                break;
            }
            if (p->chunk_digits == 0)
                return refuse(p, 400, "malformed chunk size", ev, len);
            if (is_ows(c))
                set_state(p, HP_CHUNK_BWS);
            else if (c == ';')
                set_state(p, HP_CHUNK_EXT);
            else if (c == '\r')
                set_state(p, HP_CHUNK_LF);
            else if (c == '\n')
                line_end = true;
            else
                return refuse(p, 400, "malformed chunk size", ev, len);
            break;
        }
        case HP_CHUNK_BWS:
            if (c == ';')
                set_state(p, HP_CHUNK_EXT);
            else if (c == '\r')
                set_state(p, HP_CHUNK_LF);
            else if (c == '\n')
                line_end = true;
            else if (!is_ows(c))
                return refuse(p, 400, "malformed chunk size", ev, len);
            break;
        case HP_CHUNK_EXT:
            /* Extensions (name[=value], quoted strings included) are not
             * interpreted; only bytes no line may hold are refused. */
            if (c == '\r')
                set_state(p, HP_CHUNK_LF);
            else if (c == '\n')
                line_end = true;
            else if (!is_field_char(c))
                return refuse(p, 400, "invalid character in a chunk extension", ev, len);
            break;
        case HP_CHUNK_LF:
            if (c != '\n')
                return refuse(p, 400, "bare CR in a chunk-size line", ev, len);
            line_end = true;
            break;
        default: g_assert_not_reached();
        }
        if (!line_end)
            continue;

        uint64_t size = p->chunk_size;
        p->chunk_size = 0;
        p->chunk_digits = 0;
        p->chunk_line = 0;
        if (size == 0) {
            /* The last chunk: trailers follow, counted like a new section. */
            p->section = 0;
            p->field_count = 0;
            set_state(p, HP_TRAILERS);
            return i;
        }
        if (p->requests && p->limits.max_body &&
            (size > p->limits.max_body || p->body_total > p->limits.max_body - size)) {
            return refuse(p, 413, "request body over the limit", ev, len);
        }
        p->body_total += size;
        p->remaining = size;
        set_state(p, HP_CHUNK_DATA);
        return i;
    }
    return i;
}

/* ---- bodies ----------------------------------------------------------- */

/* Gives up to `remaining` body bytes as one span. */
static size_t feed_body(http_parser *p, const uint8_t *data, size_t len, http_event *ev)
{
    size_t n = len;
    if (p->state != HP_BODY_CLOSE && p->remaining < (uint64_t)n)
        n = (size_t)p->remaining;
    ev->kind = HTTP_EV_BODY;
    ev->data = data;
    ev->len = n;
    if (p->state == HP_BODY_CLOSE)
        return n;
    p->remaining -= n;
    if (p->remaining == 0) {
        if (p->state == HP_BODY_LENGTH)
            p->pending_done = true;
        else
            set_state(p, HP_CHUNK_END);
    }
    return n;
}

/* ---- the public interface --------------------------------------------- */

http_parser *http_parser_new(bool requests, const http_limits *limits)
{
    http_parser *p = g_new0(http_parser, 1);
    p->requests = requests;
    if (limits)
        p->limits = *limits;
    else
        http_limits_default(&p->limits);
    p->line = g_byte_array_new();
    g_queue_init(&p->expected);
    reset_message(p);
    set_state(p, HP_START_LINE);
    return p;
}

void http_parser_free(http_parser *p)
{
    if (!p)
        return;
    http_msg_free(p->msg);
    g_byte_array_free(p->line, TRUE);
    g_queue_clear(&p->expected);
    g_free(p);
}

size_t http_parser_feed(http_parser *p, const uint8_t *data, size_t len, http_event *ev)
{
    *ev = (http_event){.kind = HTTP_EV_NEED_MORE};
    if (p->state == HP_ERROR) {
        error_event(p, ev);
        return len;
    }
    /* A byte held back by the previous call was used already. */
    size_t off = MIN(p->held, len);
    p->held -= off;
    if (p->pending_done) {
        message_done(p, ev);
        return off;
    }
    while (off < len && ev->kind == HTTP_EV_NEED_MORE) {
        const uint8_t *d = data ? data + off : NULL;
        size_t n = len - off;
        switch (p->state) {
        case HP_START_LINE:
        case HP_HEADERS:
        case HP_TRAILERS: off += feed_line(p, d, n, ev); break;
        case HP_BODY_LENGTH:
        case HP_BODY_CLOSE:
        case HP_CHUNK_DATA: off += feed_body(p, d, n, ev); break;
        case HP_CHUNK_SIZE:
        case HP_CHUNK_BWS:
        case HP_CHUNK_EXT:
        case HP_CHUNK_LF:
        case HP_CHUNK_END:
        case HP_CHUNK_END_LF: off += feed_chunk_framing(p, d, n, ev); break;
        case HP_ERROR: g_assert_not_reached();
        }
    }
    if (p->pending_done && off == len) {
        /* Keep the caller's loop coming back for the DONE that follows. */
        g_assert(off > 0);
        off--;
        p->held = 1;
    }
    return off;
}

void http_parser_finish(http_parser *p, http_event *ev)
{
    *ev = (http_event){.kind = HTTP_EV_NEED_MORE};
    p->held = 0; /* no more input comes to hold a byte of */
    if (p->pending_done) {
        message_done(p, ev);
        return;
    }
    switch (p->state) {
    case HP_ERROR: break;
    case HP_START_LINE:
        if (p->line->len == 0)
            return; /* between messages */
        fail(p, 400, "connection closed in a message head");
        break;
    case HP_BODY_CLOSE: message_done(p, ev); return;
    case HP_HEADERS:
    case HP_TRAILERS: fail(p, 400, "connection closed in a message head"); break;
    default: fail(p, 400, "connection closed in a message body"); break;
    }
    error_event(p, ev);
}

void http_parser_expect(http_parser *p, http_method method)
{
    g_queue_push_tail(&p->expected, GINT_TO_POINTER((int)method));
}

const http_msg *http_parser_msg(const http_parser *p) { return p->head_ready ? p->msg : NULL; }

http_msg *http_parser_take_msg(http_parser *p)
{
    if (!p->head_ready)
        return NULL;
    http_msg *m = p->msg;
    p->msg = NULL;
    p->head_ready = false;
    return m;
}

int64_t http_parser_body_length(const http_parser *p)
{
    switch (p->framing) {
    case FRAME_CHUNKED:
    case FRAME_CLOSE: return -1;
    case FRAME_LENGTH: return (int64_t)p->content_length;
    case FRAME_NONE: break;
    }
    return 0;
}

const char *http_parser_state_name(const http_parser *p) { return state_names[p->state]; }
