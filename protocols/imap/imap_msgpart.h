/*
 * imap_msgpart: what FETCH shows of a message (RFC 3501 6.4.5, 7.4.2):
 * its ENVELOPE, its BODY / BODYSTRUCTURE (from mime_msg's parse), and the
 * bytes of a BODY[section]. Private to protocols/imap.
 *
 * A message's header is its bytes up to and including the first empty
 * line (CRLF CRLF, or LF LF in a message with bare LF line ends); without
 * one, the whole message is header and its text is empty. Header field
 * values are unfolded and given as written (encoded words are not
 * decoded: IMAP leaves that to the client).
 *
 * A message that mime_msg refuses still has a structure: a text/plain
 * body of all its text. Messages inside message/rfc822 parts are parsed
 * again, to IMAP_MSGPART_MAX_NEST levels; deeper ones are shown as
 * application/octet-stream leaves.
 *
 * Costs: each call O(the message's size) (a structure: O(size * depth),
 * mime_msg's cost).
 */
#ifndef APPSIM_IMAP_MSGPART_H
#define APPSIM_IMAP_MSGPART_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMAP_MSGPART_MAX_NEST 8  /* message/rfc822 levels looked into */
#define IMAP_SECTION_MAX_PATH 32 /* numbers in a section path */

typedef enum {
    IMAP_SECTION_ALL,        /* "" or a part's body: n, n.m */
    IMAP_SECTION_HEADER,     /* HEADER */
    IMAP_SECTION_FIELDS,     /* HEADER.FIELDS (names) */
    IMAP_SECTION_FIELDS_NOT, /* HEADER.FIELDS.NOT (names) */
    IMAP_SECTION_TEXT,       /* TEXT */
    IMAP_SECTION_MIME,       /* n.MIME: the part's own header */
} imap_section_kind;

typedef struct {
    uint32_t path[IMAP_SECTION_MAX_PATH];
    size_t depth;       /* numbers in path */
    imap_section_kind kind;
    GPtrArray *fields;  /* FIELDS, FIELDS_NOT: of char *, NULL otherwise */
} imap_section;

/* The length of the header, empty line included. */
size_t imap_msg_header_len(const uint8_t *d, size_t n);
/* The unfolded value of the first field `name` of the header (new
 * string), NULL when there is none. */
char *imap_header_value(const uint8_t *h, size_t n, const char *name);
/* (date subject from sender reply-to to cc bcc in-reply-to message-id). */
void imap_envelope_write(GString *o, const uint8_t *msg, size_t n);
/* BODYSTRUCTURE (ext) or BODY (!ext). */
void imap_bodystructure_write(GString *o, const uint8_t *msg, size_t n, bool ext);
/* The bytes of a section into out; false when the section names no part
 * of this message (then FETCH gives an empty string, as RFC 3501 lets). */
bool imap_section_bytes(const uint8_t *msg, size_t n, const imap_section *sec, GByteArray *out);

#endif
