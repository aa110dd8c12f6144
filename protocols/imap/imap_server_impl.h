/*
 * imap_server_impl: the server core's state, shared by its modules (the
 * reader and dispatch in imap_server_core.c, the commands in
 * imap_cmd_mailbox.c and imap_cmd_message.c, the view of the selected
 * folder in imap_view.c). Private to protocols/imap.
 */
#ifndef APPSIM_IMAP_SERVER_IMPL_H
#define APPSIM_IMAP_SERVER_IMPL_H

#include "imap_parse.h"
#include "imap_server_core.h"

typedef enum {
    IMAP_READ_LINE,    /* reading a line of the command */
    IMAP_READ_LITERAL, /* reading a literal's bytes into the command */
    IMAP_READ_DISCARD, /* dropping the rest of a line over the limit */
} imap_read_mode;

/* One message as the session has reported it. */
typedef struct {
    uint32_t uid;
    unsigned flags;   /* MAIL_FLAG_* as last reported, RECENT excluded */
    bool recent;      /* \Recent in this session */
} imap_view_msg;

struct imap_server_core {
    mail_store *store;
    char *greeting;
    bool login_disabled;
    size_t max_line;
    uint64_t max_literal;
    unsigned max_bad, bad_in_row;
    int64_t now_ns;
    imap_server_state state;
    bool closed;
    GByteArray *out;

    /* reader */
    imap_read_mode mode;
    GByteArray *cmd;        /* the command so far (lines without their last CRLF, literals) */
    size_t line_bytes;      /* bytes of the command outside literals */
    uint64_t literal_left;  /* IMAP_READ_LITERAL: bytes still to come */
    uint64_t literal_total; /* bytes of literals in this command */
    bool too_long;          /* the command went over max_line */
    size_t line_start;      /* offset in cmd of the line being read */

    bool sync_expunges;     /* the command may report EXPUNGE (not FETCH, STORE, SEARCH) */

    /* session */
    char *user;
    mail_folder *folder;    /* SELECTED: borrowed from the store */
    char *folder_name;      /* its name, to find it again */
    bool read_only;         /* EXAMINE */
    uint32_t uidvalidity;   /* of the selected folder */
    GArray *view;           /* of imap_view_msg: sequence number i+1 */
};

/* Output helpers (imap_server_core.c). */
void imap_out(imap_server_core *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void imap_out_bytes(imap_server_core *s, const void *d, size_t n);
/* A string as a quoted string when it is short and plain, else a literal. */
void imap_out_string(GString *o, const char *d, size_t n);
/* NIL or the string. */
void imap_out_nstring(GString *o, const char *d);
void imap_set_state(imap_server_core *s, imap_server_state to);

/* Flags: "(\Seen \Deleted)" written into o; parsed from a list. */
void imap_flags_write(GString *o, unsigned flags, bool recent);
/* A flag name to MAIL_FLAG_*; 0 for a keyword (accepted, not kept);
 * false for \Recent or a malformed flag. */
bool imap_flag_bit(const char *name, unsigned *bit);
/* "(" [flag *(SP flag)] ")" or, when `bare`, flags without parentheses
 * as well. */
bool imap_p_flag_list(imap_cursor *c, bool bare, unsigned *flags);

/* Dates (imap_date.c), all UTC. Days are counted from 1970-01-01. */
/* "dd-Mon-yyyy hh:mm:ss +0000" (INTERNALDATE) into buf (>= 32 bytes). */
void imap_date_format(int64_t ns, char *buf, size_t size);
/* A date-time as APPEND takes it ("dd-Mon-yyyy hh:mm:ss +zzzz", the day
 * may be " d"), as nanoseconds since 1970 UTC. */
bool imap_date_time_parse(const char *text, int64_t *ns);
/* A date as SEARCH takes it ("d-Mon-yyyy" or "dd-Mon-yyyy"): its day. */
bool imap_date_parse(const char *text, int64_t *day);
/* The day of an RFC 5322 Date header ("Mon, 2 Nov 2026 09:30:00 +0000"),
 * as written (time and zone disregarded, RFC 3501 6.4.4). */
bool imap_date_header_day(const char *value, int64_t *day);
/* The day of an instant. */
int64_t imap_date_day(int64_t ns);

/* The view of the selected folder (imap_view.c). */
void imap_view_open(imap_server_core *s);
void imap_view_close(imap_server_core *s);
/* Looks the selected folder up again by name (another session may have
 * deleted or renamed it); false when it is gone or its UIDVALIDITY
 * changed. */
bool imap_view_refind(imap_server_core *s);
/* Reports what changed in the store since the view was last checked;
 * `expunges` false holds back "* n EXPUNGE" (FETCH, STORE, SEARCH). */
void imap_view_sync(imap_server_core *s, bool expunges);
/* The store's index of the message at 0-based view position i, -1 when
 * it was expunged by another session. */
int imap_view_index(imap_server_core *s, guint i);
/* The set of view positions (0-based) a sequence set or UID set names,
 * in ascending order. */
GArray *imap_view_select(imap_server_core *s, const imap_seqset *set, bool uid);
/* Sets the flags of view position i in the store and the view. */
bool imap_view_set_flags(imap_server_core *s, guint i, unsigned flags);

/* Commands (imap_cmd_mailbox.c): each takes the cursor after the verb
 * and its space, and writes the untagged responses and the tagged one. */
void imap_cmd_list(imap_server_core *s, const char *tag, imap_cursor *c, bool lsub);
void imap_cmd_create(imap_server_core *s, const char *tag, imap_cursor *c);
void imap_cmd_delete(imap_server_core *s, const char *tag, imap_cursor *c);
void imap_cmd_rename(imap_server_core *s, const char *tag, imap_cursor *c);
void imap_cmd_select(imap_server_core *s, const char *tag, imap_cursor *c, bool examine);
void imap_cmd_status(imap_server_core *s, const char *tag, imap_cursor *c);
void imap_cmd_append(imap_server_core *s, const char *tag, imap_cursor *c);
/* imap_cmd_message.c */
void imap_cmd_fetch(imap_server_core *s, const char *tag, imap_cursor *c, bool uid);
void imap_cmd_store(imap_server_core *s, const char *tag, imap_cursor *c, bool uid);
void imap_cmd_copy(imap_server_core *s, const char *tag, imap_cursor *c, bool uid, bool move);
void imap_cmd_search(imap_server_core *s, const char *tag, imap_cursor *c, bool uid);
void imap_cmd_expunge(imap_server_core *s, const char *tag, imap_cursor *c, bool uid);
/* Removes the \Deleted messages (of `uids` when not NULL) from the store;
 * the check before the tagged answer reports them. */
void imap_expunge_deleted(imap_server_core *s, const imap_seqset *uids);

/* Runs one whole command (imap_dispatch.c). */
void imap_dispatch(imap_server_core *s, const uint8_t *cmd, size_t len);
/* The capability list. */
const char *imap_capability(const imap_server_core *s);

/* Tagged answers (count BAD in a row toward the limit). */
void imap_ok(imap_server_core *s, const char *tag, const char *text);
void imap_no(imap_server_core *s, const char *tag, const char *text);
void imap_bad(imap_server_core *s, const char *tag, const char *text);

#endif
