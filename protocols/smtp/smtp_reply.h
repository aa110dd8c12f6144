/*
 * smtp_reply: an incremental, sans-IO parser of SMTP replies (RFC 5321
 * section 4.2), shared by the client core and the tests.
 *
 * A reply is one or more lines "CODE-text" ending with "CODE text" (or a
 * bare "CODE"): every line has the same three-digit code, the first digit
 * 2 to 5 and the second 0 to 5. Feed the server's bytes in any split;
 * each call consumes bytes up to the end of one reply at most:
 *
 *     size_t off = 0;
 *     while (off < len) {
 *         smtp_reply_status st;
 *         off += smtp_reply_parser_feed(p, data + off, len - off, &st);
 *         if (st == SMTP_REPLY_COMPLETE) use(smtp_reply_parser_reply(p));
 *         else if (st == SMTP_REPLY_ERROR) break;
 *     }
 *
 * - SMTP_REPLY_NEED_MORE: every byte given was consumed; feed more.
 * - SMTP_REPLY_COMPLETE: a reply ended with the last byte consumed; it is
 *   readable until the next feed.
 * - SMTP_REPLY_ERROR: malformed or over a limit; smtp_reply_parser_error()
 *   says why. The error is sticky (every later call consumes everything
 *   and repeats it): a client cannot resynchronise with such a server.
 *
 * Lines end with CRLF; a bare LF is taken as a line end too (what a
 * server sends is not forwarded anywhere, so leniency costs nothing here).
 * Limits: a line is at most SMTP_REPLY_MAX_LINE (512) bytes with its CRLF
 * (RFC 5321 4.5.3.1.5), a reply at most SMTP_REPLY_MAX_LINES (100) lines;
 * over either is an error, found before more than one line is buffered.
 * A line may not hold NUL or a CR other than the one before its LF.
 *
 * Costs: O(1) per byte plus one copy of each line's text.
 *
 * Ownership: smtp_reply_parser_new/smtp_reply_parser_free; the reply is
 * the parser's (borrowed until the next feed).
 */
#ifndef APPSIM_SMTP_REPLY_H
#define APPSIM_SMTP_REPLY_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMTP_REPLY_MAX_LINE 512  /* bytes of one reply line, CRLF included */
#define SMTP_REPLY_MAX_LINES 100 /* lines of one reply */

typedef enum {
    SMTP_REPLY_NEED_MORE,
    SMTP_REPLY_COMPLETE,
    SMTP_REPLY_ERROR,
} smtp_reply_status;

/* A parsed reply: its code and the text of each line (after "250-" or
 * "250 ", possibly empty), in order. */
typedef struct {
    int code;
    GPtrArray *lines; /* of char *, NUL-terminated, owned by the reply */
} smtp_reply;

typedef struct smtp_reply_parser smtp_reply_parser;

smtp_reply_parser *smtp_reply_parser_new(void);
void smtp_reply_parser_free(smtp_reply_parser *p);

/* Consumes bytes of data[0, len) up to the end of one reply; returns how
 * many and sets *st. */
size_t smtp_reply_parser_feed(smtp_reply_parser *p, const uint8_t *data, size_t len, smtp_reply_status *st);
/* The last complete reply (after SMTP_REPLY_COMPLETE), else NULL. */
const smtp_reply *smtp_reply_parser_reply(const smtp_reply_parser *p);
/* Why the parser failed (a static string), or NULL. */
const char *smtp_reply_parser_error(const smtp_reply_parser *p);
/* Bytes held for a line not yet complete (at most SMTP_REPLY_MAX_LINE),
 * plus the lines of a multi-line reply not yet complete. */
size_t smtp_reply_parser_buffered(const smtp_reply_parser *p);

/* The class of a reply code: 2 (positive completion), 3 (intermediate),
 * 4 (transient negative), 5 (permanent negative), or 0 when `code` is not
 * a valid reply code. */
int smtp_reply_class(int code);
/* The reply's lines joined with "\n" (a new string; g_free). */
char *smtp_reply_text(const smtp_reply *r);

#endif
