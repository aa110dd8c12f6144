/*
 * mail_store: the mailboxes of one mail server's users, shared by the
 * server that delivers into them (SMTP, protocols/smtp/mail_server) and
 * the servers that read them (POP3, IMAP, web mail).
 *
 * Model: a store has users (a name, and a password or none); every user
 * has folders, INBOX always (its name is case-insensitive, RFC 3501
 * 5.1), others created and deleted at will, hierarchy separator '/';
 * every folder has messages in arrival order (the sequence numbers of
 * IMAP and the message numbers of POP3, 0-based here), each with a UID
 * (ascending within the folder, never reused within the folder's
 * UIDVALIDITY), flags, an internal date and its bytes.
 *
 * Two kinds of store, one API:
 * - in memory (mail_store_new): the simulator's. Nothing depends on
 *   pointers or hashing: users and folders are listed in name order,
 *   UIDVALIDITY values are 1, 2, 3... in creation order.
 * - on a Maildir tree (mail_store_open_maildir): the real-socket servers'
 *   (appsim smtp/pop3/imap serve), several processes over the same tree.
 *   ROOT/<user>/ is the user's INBOX (a Maildir: tmp/, new/, cur/), a
 *   folder F is ROOT/<user>/.F/ (Maildir++: '/' in F written as '.');
 *   a message is written to tmp/ and renamed into new/ (so a reader never
 *   sees half a message); flags live in the file name (":2,DFRST" in
 *   cur/); UIDs in ROOT/<user>/<folder>/appsim-uidlist (a first line
 *   "V<uidvalidity> N<uidnext>", then "<uid> <base name>" per message),
 *   rewritten by rename. Every file is reached beneath an open handle of
 *   ROOT (openat, no symlink followed); user and folder names with '/',
 *   "..", a leading '.', control bytes or more than 255 bytes are
 *   refused, and on a Maildir also folder names with '.' (Maildir++'s
 *   separator). A store on a Maildir sees what other processes wrote
 *   after mail_store_refresh(). Details of the Maildir store: users are
 *   the directories beneath ROOT with valid names (passwords are not
 *   on disk: the server that opens the store sets them); a message's
 *   internal date is its file's modification time (`internal_ns` of an
 *   append is not used there); files of more than MAIL_STORE_MAX_FILE
 *   bytes are skipped unread (mail_store_skipped); a file's bare LF line
 *   ends are read as CRLF; UIDVALIDITY is the Unix time in seconds when
 *   the folder's uidlist was made (plus one for each folder made in the
 *   same second by this process); unique file names are
 *   "<seconds>.M<microseconds>P<pid>Q<counter>.appsim".
 *
 * Errors: functions that can fail take a GError (MAIL_STORE_ERROR and a
 * code below); no function exits or aborts on bad input.
 *
 * Costs: user and folder lookups are O(log n) or hashed; a message by
 * index O(1), by UID O(log n); append O(1) amortised in memory (on a
 * Maildir the file writes plus the uidlist's rewrite, O(messages of the
 * folder)); expunge O(messages of the folder); a refresh O(files of the
 * user's folders) plus reading the new ones.
 *
 * Ownership: mail_store_new/mail_store_open_maildir and mail_store_free.
 * Folder handles and messages are borrowed from the store: valid until
 * the folder is deleted or renamed, the message expunged or removed, or
 * the store refreshed or freed. Strings passed in are copied.
 */
#ifndef APPSIM_MAIL_STORE_H
#define APPSIM_MAIL_STORE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

GQuark mail_store_error_quark(void);
#define MAIL_STORE_ERROR (mail_store_error_quark())

typedef enum {
    MAIL_STORE_ERROR_NO_USER,     /* no such user */
    MAIL_STORE_ERROR_NO_FOLDER,   /* no such folder */
    MAIL_STORE_ERROR_EXISTS,      /* the folder (or user) already exists */
    MAIL_STORE_ERROR_BAD_NAME,    /* a name the store refuses (see above) */
    MAIL_STORE_ERROR_INBOX,       /* INBOX cannot be deleted or be a rename's target */
    MAIL_STORE_ERROR_IO,          /* the Maildir could not be read or written */
} mail_store_error_code;

/* System flags (RFC 3501 2.3.2). RECENT is per session in IMAP; the store
 * keeps it only as a bit the IMAP server may use. */
enum {
    MAIL_FLAG_SEEN = 1u << 0,
    MAIL_FLAG_ANSWERED = 1u << 1,
    MAIL_FLAG_FLAGGED = 1u << 2,
    MAIL_FLAG_DELETED = 1u << 3,
    MAIL_FLAG_DRAFT = 1u << 4,
    MAIL_FLAG_RECENT = 1u << 5,
};

#define MAIL_STORE_INBOX "INBOX"
#define MAIL_STORE_MAX_NAME 255

typedef struct {
    uint32_t uid;
    unsigned flags;       /* MAIL_FLAG_* */
    int64_t internal_ns;  /* arrival: host time in the simulator, Unix time on real sockets */
    GBytes *data;         /* the message as stored (CRLF line ends) */
} mail_store_msg;

typedef struct mail_store mail_store;
typedef struct mail_folder mail_folder;

mail_store *mail_store_new(void);
/* A store on the Maildir tree `root` (an existing directory); users are
 * the directories beneath it. NULL with `err` when root cannot be opened. */
mail_store *mail_store_open_maildir(const char *root, GError **err);
void mail_store_free(mail_store *st);

/* Users. add: false with EXISTS or BAD_NAME (on a Maildir it creates the
 * user's INBOX when missing). `password` NULL: the user cannot log in. */
bool mail_store_add_user(mail_store *st, const char *user, const char *password, GError **err);
bool mail_store_has_user(const mail_store *st, const char *user);
/* True when the user exists and the password is theirs; compared in time
 * independent of where they differ; false for an unknown user too. */
bool mail_store_check_password(const mail_store *st, const char *user, const char *password);
/* The password (for APOP's digest), NULL for an unknown user or none. */
const char *mail_store_password(const mail_store *st, const char *user);
/* Sets a user's password (NULL: none); false for an unknown user. */
bool mail_store_set_password(mail_store *st, const char *user, const char *password);
/* Users' names, sorted by byte value, NULL-terminated; free with g_strfreev. */
char **mail_store_users(const mail_store *st);

/* Folders of a user, sorted with INBOX first then by byte value,
 * NULL-terminated (free with g_strfreev); NULL for an unknown user. */
char **mail_store_folders(const mail_store *st, const char *user);
/* The folder, NULL (with NO_USER / NO_FOLDER) when there is none. */
mail_folder *mail_store_folder(mail_store *st, const char *user, const char *name, GError **err);
mail_folder *mail_store_folder_create(mail_store *st, const char *user, const char *name, GError **err);
/* Deleting drops its messages. INBOX cannot be deleted. */
bool mail_store_folder_delete(mail_store *st, const char *user, const char *name, GError **err);
/* Renaming INBOX moves its messages into a new folder and leaves INBOX
 * empty (RFC 3501 6.3.5); the renamed folder keeps its UIDVALIDITY. */
bool mail_store_folder_rename(mail_store *st, const char *user, const char *from, const char *to, GError **err);

const char *mail_folder_name(const mail_folder *f);
uint32_t mail_folder_uidvalidity(const mail_folder *f);
uint32_t mail_folder_uidnext(const mail_folder *f);
guint mail_folder_count(const mail_folder *f);
uint64_t mail_folder_bytes(const mail_folder *f);
/* The message at 0-based index i, NULL past the end. */
const mail_store_msg *mail_folder_msg(const mail_folder *f, guint i);
/* The index of the message with `uid`, -1 when there is none. */
int mail_folder_find_uid(const mail_folder *f, uint32_t uid);

/* Appends a message (the bytes are referenced); its UID, or 0 with IO. */
uint32_t mail_folder_append(mail_folder *f, GBytes *data, unsigned flags, int64_t internal_ns, GError **err);
/* Sets the flags of message i; false with IO (on a Maildir, a rename:
 * RECENT alone leaves a file in new/, any other flag moves it to cur/
 * with the letters in its name; a rescan reads RECENT as "in new/"). */
bool mail_folder_set_flags(mail_folder *f, guint i, unsigned flags, GError **err);
/* Removes message i (POP3's deletions on QUIT); false with IO. */
bool mail_folder_remove(mail_folder *f, guint i, GError **err);
/* Removes every message flagged DELETED; `expunged` (may be NULL; an
 * array of guint) gets their 1-based sequence numbers as IMAP reports
 * them (each number as it is at the moment that message goes:
 * descending order avoids renumbering, so they are removed from the
 * last to the first). The
 * number removed, or -1 with IO (the messages removed before the failure
 * stay removed and are in `expunged`). */
int mail_folder_expunge(mail_folder *f, GArray *expunged, GError **err);

/* Delivery (what SMTP does): appends to the user's INBOX with no flags
 * but RECENT. Its UID, or 0 with NO_USER or IO. */
uint32_t mail_store_deliver(mail_store *st, const char *user, GBytes *data, int64_t internal_ns, GError **err);

/* Re-reads a Maildir user's folders (new files, vanished files, flags
 * changed by others); folder handles of that user stay valid unless the
 * folder vanished; a user whose directory appeared since is added, one
 * whose directory is gone removed (false with NO_USER, handles gone). In
 * memory there is nothing to do (false with NO_USER for an unknown user). */
bool mail_store_refresh(mail_store *st, const char *user, GError **err);

/* Maildir: message files larger than MAIL_STORE_MAX_FILE the scans met
 * and skipped, never reading them (a file counts at every scan that
 * meets it); 0 in memory. */
#define MAIL_STORE_MAX_FILE (UINT64_C(64) * 1024 * 1024)
guint mail_store_skipped(const mail_store *st);

#endif
