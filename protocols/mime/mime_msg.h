/*
 * mime_msg: Internet messages (RFC 5322) and their MIME structure (RFC
 * 2045, 2046), parsed and built.
 *
 * Parsing. mime_msg_parse() takes the whole message (bytes, no NUL needed)
 * and gives a tree of parts. Each part has its header fields in order,
 * names as written (lookups ignore case), values unfolded (the line
 * breaks of folding removed, the white space after the colon dropped,
 * white space at the end kept, as Python's email package does) and
 * raw (the field's lines as written, for re-serialising); its
 * Content-Type (type and subtype lower-cased; parameters with lower-cased
 * names, quoted strings and backslash escapes undone, comments skipped,
 * the first of a repeated name kept, RFC 2231 "name*" charset'lang'%XX
 * values and "name*0", "name*1*" continuations decoded into UTF-8; a
 * missing or unreadable Content-Type is text/plain, inside
 * multipart/digest message/rfc822); its Content-Transfer-Encoding (7bit
 * when absent); its Content-Disposition and filename (the disposition's
 * filename, else the Content-Type's name). Lines may end in CRLF or in a
 * lone LF (leniency: both are read, and kept as written in bodies).
 * A multipart is split as RFC 2046 5.1.1 says: a delimiter is a line
 * that begins with "--" and the boundary, after a line break or at the
 * start of the body, followed only by transport padding (spaces, tabs);
 * the close delimiter adds "--". The line break before a delimiter
 * belongs to it. Bytes before the first delimiter are the preamble,
 * after the close delimiter's line the epilogue; each part between is
 * parsed again, recursively. message/rfc822 parts are leaves (their
 * bytes, not parsed). What is refused, with the offset where: a header
 * line without a colon, an empty field name or one with bytes outside
 * 33..126, a NUL in a header, a continuation line first in a header
 * block; a multipart without a boundary parameter (or one over 70
 * characters, empty, or ending in a space); a multipart whose first or
 * close delimiter is missing; nesting deeper than MIME_MAX_DEPTH; more
 * than MIME_MAX_PARTS parts. Header blocks without an empty line after
 * them end the part (its body is empty).
 *
 * Building. A mime_out is a part being built: a text part (7bit when its
 * bytes are ASCII with lines of at most 998 characters, else
 * quoted-printable; charset us-ascii or utf-8), an attachment (base64,
 * Content-Disposition: attachment with its filename, RFC 2231 encoded
 * when it is not ASCII) or a multipart (mixed, alternative...), to which
 * headers are added (From, To, Cc, Subject as UTF-8, encoded words where
 * needed; Date from a time; Message-ID from a seed and a domain).
 * mime_out_serialise() writes it with CRLF line ends; the top part gets
 * MIME-Version: 1.0; headers are folded at white space so that lines
 * are at most 78 characters where white space allows and never over
 * 998; boundaries are "=_appsim_" with a hash of the content, changed
 * until they occur in none of the parts. Everything is deterministic:
 * the same calls give the same bytes.
 *
 * Ownership, one line per type:
 *   mime_msg: mime_msg_parse / mime_msg_free; holds a copy of the input.
 *   mime_part, mime_field, mime_param: belong to their message; callers
 *     read their fields (the structs are public so that a tree can be
 *     walked) and never free or change them.
 *   mime_out: mime_out_*_new / mime_out_free; mime_out_add takes the
 *     child; strings and bytes passed in are copied.
 * Costs: parsing is O(n * d) for n bytes and d levels of nesting (each
 * level scans its own body once); memory O(n) beyond the copy of the
 * input (parts point into it); parameters are looked up in tables, so
 * n of them cost O(n). mime_msg_serialise is O(size). mime_out_serialise
 * is O(size * d) for d levels of multiparts (each level copies its
 * parts once) plus O(size * 30) per boundary tried (almost always one).
 */
#ifndef APPSIM_MIME_MSG_H
#define APPSIM_MIME_MSG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mime_codec.h"

#define MIME_MAX_DEPTH 16   /* multipart nesting: the top part is depth 0, parts at depth 17 are refused */
#define MIME_MAX_PARTS 1000 /* parts in one message, the top one included */
#define MIME_BOUNDARY_MAX 70 /* RFC 2046 5.1.1 */
#define MIME_FOLD_AT 78      /* header lines are folded at white space beyond this */
#define MIME_LINE_LIMIT 998  /* RFC 5322 2.1.1, CRLF excluded */
#define MIME_NAME_MAX 76     /* a header name the builder writes (longer ones are cut) */
#define MIME_ADDR_MAX 254    /* an address the builder writes (RFC 5321's path, cut beyond) */

typedef enum {
    MIME_CTE_7BIT,
    MIME_CTE_8BIT,
    MIME_CTE_BINARY,
    MIME_CTE_BASE64,
    MIME_CTE_QP,
    MIME_CTE_UNKNOWN,
} mime_cte;

/* "7bit", "8bit", "binary", "base64", "quoted-printable", "unknown". */
const char *mime_cte_name(mime_cte c);

/* One header field. */
typedef struct {
    char *name;  /* as written */
    char *value; /* unfolded, leading white space dropped; encoded words not decoded */
    char *raw;   /* the lines as written, without the last line break */
} mime_field;

/* One Content-Type or Content-Disposition parameter. */
typedef struct {
    char *name;  /* lower-cased, without RFC 2231's '*' marks */
    char *value; /* unquoted; RFC 2231 values decoded to UTF-8 */
} mime_param;

typedef struct mime_part mime_part;
struct mime_part {
    GPtrArray *fields;           /* of mime_field *, in order */
    char *type, *subtype;        /* lower-cased: "text", "plain" */
    GPtrArray *params;           /* of mime_param *: Content-Type's */
    mime_cte cte;
    char *disposition;           /* lower-cased "inline", "attachment"...; NULL when absent */
    char *filename;              /* NULL when none */
    const uint8_t *body;         /* the encoded body within the message's bytes */
    size_t body_len;
    /* Multiparts only: */
    GPtrArray *parts;            /* of mime_part *; NULL for a leaf */
    char *boundary;
    const uint8_t *preamble;     /* NULL when the body begins with the first delimiter */
    size_t preamble_len;
    const uint8_t *epilogue;     /* NULL when nothing, not even a line break, follows the close */
    size_t epilogue_len;
    unsigned depth;              /* 0 for the message itself */
};

typedef struct {
    uint8_t *data;      /* a copy of the input; parts point into it */
    size_t len;
    mime_part *root;
    size_t part_count;  /* the root included */
} mime_msg;

/* Parses data[0, len) into *out (a new message, NULL on an error, in
 * which case *err_at, may be NULL, is the offset in `data` of the
 * problem). */
mime_status mime_msg_parse(const uint8_t *data, size_t len, mime_msg **out, size_t *err_at);
void mime_msg_free(mime_msg *m);

/* The unfolded value of the first field named `name` (any case); NULL. */
const char *mime_part_header(const mime_part *p, const char *name);
/* The same with encoded words decoded to UTF-8 (new string); NULL. */
char *mime_part_header_decoded(const mime_part *p, const char *name);
/* A Content-Type parameter by lower-case name; NULL. */
const char *mime_part_param(const mime_part *p, const char *name);
/* Whether the part is a multipart (it has children). */
bool mime_part_is_multipart(const mime_part *p);
/* Appends the part's decoded body to `out`. 7bit, 8bit and binary are
 * copied; quoted-printable never fails; base64 may (MIME_E_BASE64_*,
 * *err_at relative to the body); an unknown encoding appends the raw
 * body and returns MIME_E_ENCODING. A multipart appends its raw body. */
mime_status mime_part_decode(const mime_part *p, GByteArray *out, size_t *err_at);
/* The message again as bytes: each part's fields raw, an empty line, and
 * for a multipart its preamble, its delimiters, its parts and its
 * epilogue, else its body (transport padding is not kept). New array. */
GByteArray *mime_msg_serialise(const mime_msg *m);

/* ---- building ----------------------------------------------------------- */

typedef struct mime_out mime_out;

/* A text part text/<subtype> (plain, html) of UTF-8 text; a lone CR or
 * LF is taken for a line break and written CRLF. */
mime_out *mime_out_text_new(const char *subtype, const char *text, size_t len);
/* Forces the Content-Transfer-Encoding of a text part: MIME_CTE_7BIT
 * (only for ASCII without NUL, lines of at most 998), MIME_CTE_8BIT (no
 * NUL, lines of at most 998), MIME_CTE_QP, MIME_CTE_BASE64, or
 * MIME_CTE_UNKNOWN for the default choice (7bit when it can, else
 * quoted-printable). False, and nothing changed, when `o` is not a text
 * part or the encoding cannot carry its text. */
bool mime_out_text_set_encoding(mime_out *o, mime_cte cte);
/* An attachment of content type `type_subtype` ("image/jpeg"; anything
 * not of the form token/token becomes application/octet-stream), in
 * base64, with its filename (UTF-8; NULL for none). Header names,
 * addresses and content types are cut to MIME_NAME_MAX, MIME_ADDR_MAX
 * and 127 + 1 + 127 characters, which keeps every line within 998. */
mime_out *mime_out_attachment_new(const char *type_subtype, const char *filename, const uint8_t *data,
                                  size_t len);
/* An empty multipart/<subtype> ("mixed", "alternative"). */
mime_out *mime_out_multipart_new(const char *subtype);
/* Appends `child` (taken) to a multipart; false (and `child` freed) when
 * `parent` is not a multipart or holds MIME_MAX_PARTS already. */
bool mime_out_add(mime_out *parent, mime_out *child);
/* A header field with a UTF-8 value (encoded words when it is not plain),
 * added after those already there. */
void mime_out_header(mime_out *o, const char *name, const char *utf8);
/* Adds a mailbox to the address header `name` (From, To, Cc): the
 * display name (UTF-8, NULL for none) quoted or encoded as needed, and
 * the address; a second call with the same name lists it after a comma. */
void mime_out_address(mime_out *o, const char *name, const char *display, const char *addr);
/* Date: the instant `unix_s` (seconds since 1970 UTC, any value of years
 * 1 to 9999) shown at the offset `tz_minutes` east of UTC (-1439..1439),
 * in RFC 5322 3.3 form: "Sun, 29 Nov 2026 19:55:07 +0000". */
void mime_out_date(mime_out *o, int64_t unix_s, int tz_minutes);
/* Formats that date into buf (at least 32 bytes); false out of range. */
bool mime_format_date(int64_t unix_s, int tz_minutes, char *buf, size_t size);
/* Message-ID: "<" 16 hex digits derived from `seed` "." 8 hex digits of
 * the domain's hash "@" domain ">". */
void mime_out_message_id(mime_out *o, uint64_t seed, const char *domain);
/* The part (with MIME-Version: 1.0 first among its MIME headers) as
 * bytes, CRLF line ends. New array. */
GByteArray *mime_out_serialise(const mime_out *o);
void mime_out_free(mime_out *o);

#endif
