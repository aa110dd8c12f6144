/*
 * imap_fetch: FETCH's data items (RFC 3501 6.4.5): read from the command
 * and written for one message. Private to protocols/imap.
 *
 * Items: FLAGS, UID, RFC822.SIZE, INTERNALDATE, ENVELOPE, BODYSTRUCTURE,
 * BODY, BODY[section]<origin.count>, BODY.PEEK[section]<...>, RFC822,
 * RFC822.HEADER, RFC822.TEXT, and the macros ALL, FAST, FULL.
 * BODY[...] without PEEK, RFC822 and RFC822.TEXT set \Seen.
 *
 * Ownership: imap_fetch_parse gives a new list (imap_fetch_free).
 */
#ifndef APPSIM_IMAP_FETCH_H
#define APPSIM_IMAP_FETCH_H

#include "imap_msgpart.h"
#include "imap_parse.h"

#define IMAP_FETCH_MAX_ITEMS 64 /* items in one FETCH */

typedef enum {
    IMAP_FI_FLAGS,
    IMAP_FI_UID,
    IMAP_FI_SIZE,
    IMAP_FI_INTERNALDATE,
    IMAP_FI_ENVELOPE,
    IMAP_FI_BODYSTRUCTURE,
    IMAP_FI_BODY,          /* BODY without a section: the structure without extensions */
    IMAP_FI_SECTION,       /* BODY[...] / BODY.PEEK[...] */
    IMAP_FI_RFC822,
    IMAP_FI_RFC822_HEADER,
    IMAP_FI_RFC822_TEXT,
} imap_fetch_kind;

typedef struct {
    imap_fetch_kind kind;
    bool peek;
    imap_section section;
    char *spec;          /* the section as answered, e.g. "1.HEADER.FIELDS (FROM)" */
    bool partial;
    uint32_t origin, count;
} imap_fetch_item;

typedef struct {
    GArray *items;  /* of imap_fetch_item */
    bool sets_seen; /* some item sets \Seen */
    bool has_flags, has_uid;
} imap_fetch_list;

/* The items after "FETCH set "; NULL on a syntax error. */
imap_fetch_list *imap_fetch_parse(imap_cursor *c);
void imap_fetch_free(imap_fetch_list *l);

typedef struct {
    uint32_t seq, uid;
    unsigned flags;
    bool recent;
    int64_t internal_ns;
    const uint8_t *data;
    size_t len;
} imap_fetch_msg;

/* "* seq FETCH (...)" CRLF for one message; `add_uid` and `add_flags`
 * add UID first and FLAGS last when the list lacks them. */
void imap_fetch_write(GString *o, const imap_fetch_list *l, const imap_fetch_msg *m, bool add_uid, bool add_flags);

#endif
