/*
 * imap_parse: the tokens of an IMAP command (RFC 3501 section 9, RFC 9051
 * section 9), read from one whole command as the server core's reader
 * has gathered it.
 *
 * The command is its lines with the line end of the last removed; a
 * literal stays where the client sent it: "{n}" or "{n+}", CRLF, then n
 * bytes (the reader has checked n against its limit and put exactly n
 * bytes there; the cursor checks again and never reads past `len`).
 *
 * Every reader takes a cursor, returns false (the cursor where it was)
 * when the token is not there, and on success moves past it. Strings come
 * back as new NUL-terminated copies (g_free); a string holding a NUL byte
 * is refused (IMAP's astring may not carry one: RFC 3501 4.3).
 *
 * Sequence sets (RFC 3501 9 "sequence-set"): ranges of 32-bit numbers,
 * where 0 stands for '*', the largest number in use. Numbers are 1 to
 * 4294967295; a 0 in the input is refused.
 *
 * Costs: each reader O(the token's length); imap_seqset_contains
 * O(ranges).
 *
 * Ownership: imap_seqset_new / imap_seqset_free; cursors are plain values
 * over borrowed bytes.
 */
#ifndef APPSIM_IMAP_PARSE_H
#define APPSIM_IMAP_PARSE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMAP_SEQSET_MAX_RANGES 1000 /* ranges in one sequence set; more is refused */

typedef struct {
    const uint8_t *p;
    size_t len;
    size_t pos;
} imap_cursor;

typedef struct {
    uint32_t lo, hi; /* 0 is '*' */
} imap_range;

typedef struct {
    GArray *ranges; /* of imap_range, as written */
} imap_seqset;

bool imap_p_eol(const imap_cursor *c);
/* The next byte without taking it; -1 at the end. */
int imap_p_peek(const imap_cursor *c);
/* Takes the byte ch when it is next. */
bool imap_p_char(imap_cursor *c, char ch);
bool imap_p_sp(imap_cursor *c);
/* An atom (RFC 3501 "atom": no ( ) { SP CTL % * " \ ]). With `extra`
 * (may be NULL), those bytes are allowed too (e.g. "]" for an astring,
 * "%*]" for a list-mailbox, "\\" at the start of a flag). */
bool imap_p_atom(imap_cursor *c, const char *extra, char **out);
/* A tag: an atom without '+'. */
bool imap_p_tag(imap_cursor *c, char **out);
/* A quoted string or a literal; *len (may be NULL) its length. */
bool imap_p_string(imap_cursor *c, char **out, size_t *len);
/* An astring: an atom (with ']'), a quoted string or a literal. */
bool imap_p_astring(imap_cursor *c, char **out);
/* A list-mailbox: an atom with % * ] allowed, or a string. */
bool imap_p_list_mailbox(imap_cursor *c, char **out);
/* A literal's bytes in place (no copy): for APPEND's message. */
bool imap_p_literal_span(imap_cursor *c, const uint8_t **data, size_t *len);
/* A number (1*DIGIT, at most 4294967295). */
bool imap_p_number(imap_cursor *c, uint32_t *out);
/* A flag: "\" atom or atom; the copy includes the backslash. */
bool imap_p_flag(imap_cursor *c, char **out);

imap_seqset *imap_seqset_new(void);
void imap_seqset_free(imap_seqset *s);
/* Reads a sequence set into s (appending ranges). */
bool imap_p_seqset(imap_cursor *c, imap_seqset *s);
/* Whether n is in the set, '*' standing for `max` (the largest number in
 * use; with max 0 the set matches nothing). */
bool imap_seqset_contains(const imap_seqset *s, uint32_t n, uint32_t max);

/* Case-insensitive ASCII comparison of an atom with a keyword. */
bool imap_word_is(const char *atom, const char *keyword);

#endif
