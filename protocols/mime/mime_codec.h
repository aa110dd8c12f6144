/*
 * mime_codec: the content transfer encodings of MIME and the encoded
 * words of its headers.
 *
 *  - base64 (RFC 2045 6.8): encoding writes lines of at most 76
 *    characters ended by CRLF; decoding skips CR, LF, space and tab and
 *    refuses any other character outside the alphabet, a '=' anywhere but
 *    in the last one or two places of the last group, anything but
 *    padding or white space after it, and a last group that is not whole
 *    (missing padding), saying at which offset. Bits left over in the
 *    last group are ignored (RFC 4648 3.5 allows it).
 *  - quoted-printable (RFC 2045 6.7): encoding follows rules 1 to 5: =XX
 *    (upper-case hex) for every byte outside 33..126 but space and tab,
 *    for '=' itself, and for a space or tab that would end a line; lines
 *    of at most 76 characters, longer ones cut by soft line breaks
 *    "=\r\n". In text mode a CRLF of the input is a hard line break
 *    (written as CRLF); a lone CR or LF, and every CR and LF in binary
 *    mode, is written =0D / =0A. Decoding removes white space at the end
 *    of each line (added by transports, 6.7 rule 3), removes soft line
 *    breaks, keeps hard line breaks as written (CRLF or a lone LF), turns
 *    =XX (either case of hex) into its byte and, as the RFC advises for
 *    robustness, keeps a '=' not followed by two hex digits as it is,
 *    counting it; it never fails.
 *  - encoded words (RFC 2047): "=?charset?B?...?=" and "=?charset?Q?...?="
 *    in header values are decoded into UTF-8 (charsets other than UTF-8
 *    and US-ASCII through GLib's g_convert; an RFC 2231 language suffix
 *    "charset*lang" is dropped); white space between two adjacent encoded
 *    words is removed (6.2). A word that does not decode (bad base64, an
 *    unknown charset, bytes invalid in it, a NUL) is kept as written.
 *    Encoding turns a UTF-8 value that is not plain printable ASCII into
 *    UTF-8 encoded words (B or Q, whichever is shorter, per word), each
 *    at most 75 characters, never splitting a character, separated by
 *    single spaces where a header may be folded.
 *
 * Ownership: outputs are appended to a GString or GByteArray the caller
 * owns; functions returning char * return new strings (g_free).
 * Costs: every function is O(input length); decoders never read past
 * `len` and need no NUL terminator.
 */
#ifndef APPSIM_MIME_CODEC_H
#define APPSIM_MIME_CODEC_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a decoder found; also used by mime_msg. */
typedef enum {
    MIME_OK = 0,
    MIME_E_BASE64_CHAR,    /* a character outside the base64 alphabet and white space */
    MIME_E_BASE64_PAD,     /* '=' misplaced, data after padding, or an unfinished group */
    MIME_E_HEADER,         /* a header line without a colon, an empty name, a NUL, or a
                              continuation line with nothing to continue */
    MIME_E_NO_BOUNDARY,    /* a multipart without a usable boundary parameter */
    MIME_E_UNTERMINATED,   /* a multipart without its first or its close delimiter */
    MIME_E_DEPTH,          /* multiparts nested deeper than MIME_MAX_DEPTH */
    MIME_E_TOO_MANY_PARTS, /* more than MIME_MAX_PARTS parts in one message */
    MIME_E_ENCODING,       /* decoding a body whose Content-Transfer-Encoding is unknown */
} mime_status;

/* "ok", "bad base64 character"... (static strings). */
const char *mime_status_name(mime_status s);

#define MIME_LINE_MAX 76 /* base64 and quoted-printable encoded lines, CRLF excluded */
#define MIME_WORD_MAX 75 /* one encoded word (RFC 2047 2) */

/* Appends the base64 form of data[0, len) to `out`, in lines of
 * `line_len` characters (a multiple of 4, at most 76) each followed by
 * CRLF, the last line included; line_len 0 writes one line without CRLF. */
void mime_base64_encode(const uint8_t *data, size_t len, size_t line_len, GString *out);

/* Decodes text[0, len) and appends the bytes to `out`. On an error,
 * *err_at (may be NULL) is the offset of the offending character (len
 * for an unfinished last group) and `out` holds the bytes of the groups
 * before it. */
mime_status mime_base64_decode(const char *text, size_t len, GByteArray *out, size_t *err_at);

/* Appends the quoted-printable form of data[0, len) to `out`; `text`
 * selects text mode (CRLF kept as hard breaks). The output ends with
 * whatever line the data ended with (no line break is added). */
void mime_qp_encode(const uint8_t *data, size_t len, bool text, GString *out);

/* Decodes text[0, len) and appends the bytes to `out`. Returns how many
 * bad escapes ('=' not followed by two hex digits nor a line end) were
 * kept as written. */
size_t mime_qp_decode(const char *text, size_t len, GByteArray *out);

/* A header value with its encoded words decoded into UTF-8 (new string).
 * Other bytes are copied as they are. */
char *mime_header_decode(const char *value);

/* Whether a header value can be written as it is: printable ASCII, space
 * and tab only, no "=?" that a reader could take for an encoded word, and
 * no run of more than 900 characters without white space (which could not
 * be folded under 998). */
bool mime_header_is_plain(const char *utf8);

/* The value ready for a header (new string): a copy when
 * mime_header_is_plain, else UTF-8 encoded words separated by spaces.
 * Invalid UTF-8 is replaced first (U+FFFD). `phrase` restricts Q's
 * literal characters to those allowed in a phrase (RFC 2047 5(3)), for
 * display names. `lead` is how many characters precede the value on its
 * first line ("Subject: " is 9): the first word is made short enough for
 * that line to stay within 78 characters (but holds at least one
 * character), so that a folded header keeps every line under 78. */
char *mime_header_encode(const char *utf8, bool phrase, size_t lead);

#endif
