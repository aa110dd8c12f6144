/*
 * ftp_codec: what the two ends of FTP share (RFC 959, RFC 2428): the
 * replies on the control connection, and the arguments that name a data
 * connection's address (PORT and the 227 reply, EPRT and the 229 reply).
 * Sans-IO, used by the server core, the client core, the applications'
 * transcript parser and the tests.
 *
 * Replies (RFC 959 4.2): "CODE text" on one line, or a multi-line reply
 * "CODE-text" ... "CODE text", where the lines between may be any text
 * (a line that starts with the code and a space ends the reply; others,
 * even "CODE-..." again, are inside it). Feed the server's bytes in any
 * split; each call consumes bytes up to the end of one reply at most:
 *
 *     size_t off = 0;
 *     while (off < len) {
 *         ftp_reply_status st;
 *         off += ftp_reply_parser_feed(p, data + off, len - off, &st);
 *         if (st == FTP_REPLY_COMPLETE) use(ftp_reply_parser_reply(p));
 *         else if (st == FTP_REPLY_ERROR) break;
 *     }
 *
 * Lines end with CRLF (a bare LF is taken as one). Limits: a line is at
 * most FTP_REPLY_MAX_LINE bytes with its line end, a reply at most
 * FTP_REPLY_MAX_LINES lines; beyond them, or a first line that is not
 * three digits (first 1 to 5) then ' ' or '-', the parser fails and stays
 * failed (sticky). A line may not hold NUL.
 *
 * Data-port arguments:
 * - PORT h1,h2,h3,h4,p1,p2 and the 227 reply's "(h1,h2,h3,h4,p1,p2)":
 *   IPv4 address and port = p1 * 256 + p2, every number 0 to 255 in
 *   decimal without sign or leading '+'; the 227 text is searched for the
 *   first run of six comma-separated numbers (RFC 1123 4.1.2.6: servers
 *   differ in the text around them).
 * - EPRT |1|addr|port| or |2|addr|port| (any delimiter character from
 *   33 to 126, the same three times at the ends, RFC 2428 2), and the 229
 *   reply's "(|||port|)" (the delimiter repeated, the port alone).
 *
 * Costs: O(1) per byte plus one copy of each reply line.
 * Ownership: ftp_reply_parser_new/ftp_reply_parser_free; the reply is the
 * parser's (borrowed until the next feed); strings returned are new
 * (g_free).
 */
#ifndef APPSIM_FTP_CODEC_H
#define APPSIM_FTP_CODEC_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FTP_REPLY_MAX_LINE 2048 /* bytes of one reply line, line end included */
#define FTP_REPLY_MAX_LINES 10000 /* lines of one reply (a long FEAT or HELP) */

typedef enum {
    FTP_REPLY_NEED_MORE,
    FTP_REPLY_COMPLETE,
    FTP_REPLY_ERROR,
} ftp_reply_status;

/* A parsed reply: its code and its lines' text (the first and last
 * without "CODE-" / "CODE "; lines between as sent), in order. */
typedef struct {
    int code;
    GPtrArray *lines; /* of char *, owned by the reply */
} ftp_reply;

typedef struct ftp_reply_parser ftp_reply_parser;

ftp_reply_parser *ftp_reply_parser_new(void);
void ftp_reply_parser_free(ftp_reply_parser *p);
size_t ftp_reply_parser_feed(ftp_reply_parser *p, const uint8_t *data, size_t len, ftp_reply_status *st);
/* The last complete reply (after FTP_REPLY_COMPLETE), else NULL. */
const ftp_reply *ftp_reply_parser_reply(const ftp_reply_parser *p);
/* Why the parser failed (a static string), or NULL. */
const char *ftp_reply_parser_error(const ftp_reply_parser *p);
/* Bytes held for the reply not yet complete. */
size_t ftp_reply_parser_buffered(const ftp_reply_parser *p);

/* 1 (positive preliminary) to 5 (permanent negative); 0 for no valid code. */
int ftp_reply_class(int code);

/* Writes a reply: one line "CODE text\r\n", or, when `text` holds '\n',
 * "CODE-first\r\n", the middle lines each prefixed by one space (so none
 * can end the reply early), "CODE last\r\n"; an empty text gives
 * "CODE \r\n", and a lone CR inside a line is written as a space. A new
 * string. */
char *ftp_reply_format(int code, const char *text);

/* The address and port of a data connection. */
typedef struct {
    char host[46];  /* address literal: "10.0.0.2", "::1" */
    uint16_t port;
    int family;     /* 1: IPv4, 2: IPv6 (EPRT's numbers) */
} ftp_hostport;

/* PORT's argument "h1,h2,h3,h4,p1,p2"; false when malformed. */
bool ftp_parse_port(const char *arg, ftp_hostport *out);
/* The 227 reply's text (searched for the six numbers); false when none. */
bool ftp_parse_227(const char *text, ftp_hostport *out);
/* EPRT's argument "|1|10.0.0.2|6446|"; false when malformed (an address
 * that is not a literal of its family, a port 0 or over 65535). */
bool ftp_parse_eprt(const char *arg, ftp_hostport *out);
/* The 229 reply's text: the port of "(|||port|)"; false when none. */
bool ftp_parse_229(const char *text, uint16_t *port);
/* The argument of PORT for an IPv4 address, the 227 text "Entering
 * Passive Mode (h1,h2,h3,h4,p1,p2)", EPRT's argument and the 229 text
 * "Entering Extended Passive Mode (|||port|)"; NULL when `hp` cannot be
 * written so (PORT and 227 need IPv4). New strings. */
char *ftp_format_port(const ftp_hostport *hp);
char *ftp_format_227(const ftp_hostport *hp);
char *ftp_format_eprt(const ftp_hostport *hp);
char *ftp_format_229(uint16_t port);

#endif
