/*
 * mail_store_priv: what the model (mail_store.c) and the Maildir backend
 * (mail_store_maildir.c) share. Not for users of the store.
 *
 * The model is the same for both kinds of store: users in a GTree by
 * name, each user's folders in a GTree (INBOX first, then by byte
 * value), each folder's messages in a GPtrArray of entries in UID order.
 * A Maildir store keeps that model as a picture of the disk: every
 * change goes to the disk first and to the model only when the disk
 * accepted it, and mail_store_refresh redraws the picture.
 */
#ifndef APPSIM_MAIL_STORE_PRIV_H
#define APPSIM_MAIL_STORE_PRIV_H

#include "protocols/mailstore/mail_store.h"

/* A message as the store keeps it; `m` first, so a mail_store_msg * the
 * caller holds is one of these. */
typedef struct {
    mail_store_msg m;
    char *base;  /* Maildir: the file's unique name without ":2,...", else NULL */
    char *file;  /* Maildir: the file's name in new/ or cur/ as it is now */
    bool in_cur; /* Maildir: the file is in cur/ (else new/) */
} ms_entry;

typedef struct ms_user ms_user;

struct mail_folder {
    mail_store *st;
    ms_user *user;
    char *name;           /* canonical: "INBOX" for any case of it */
    uint32_t uidvalidity;
    uint32_t uidnext;     /* greater than every UID the folder ever gave */
    GPtrArray *msgs;      /* ms_entry *, ascending UID (= arrival order) */
    uint64_t bytes;       /* sum of the messages' sizes */
};

struct ms_user {
    char *name;
    char *password;  /* NULL: cannot log in */
    GTree *folders;  /* canonical name -> mail_folder * (owned) */
};

struct mail_store {
    GTree *users;              /* name -> ms_user * (owned) */
    uint32_t next_uidvalidity; /* in memory: the next folder's UIDVALIDITY */
    int root_fd;               /* Maildir: an O_DIRECTORY handle of the root; -1 in memory */
    char *root;                /* Maildir: the root as given (for messages) */
    guint skipped;             /* Maildir: files over MS_MAX_FILE skipped by the last scans */
};

/* Largest message file a Maildir store reads (64 MB); larger ones are
 * skipped (counted in `skipped`), never read. */
#define MS_MAX_FILE MAIL_STORE_MAX_FILE

/* ---- model (mail_store.c) ---- */

/* Name checks of the header; `maildir` also refuses '.' in folder names
 * (Maildir++ writes '/' as '.'). */
bool ms_valid_user(const char *name);
bool ms_valid_folder(const char *name, bool maildir);
const char *ms_canon(const char *folder);

ms_user *ms_user_add(mail_store *st, const char *name, const char *password);
ms_user *ms_user_find(const mail_store *st, const char *name);
void ms_user_remove(mail_store *st, const char *name);
mail_folder *ms_folder_add(ms_user *u, mail_store *st, const char *name, uint32_t uidvalidity);
mail_folder *ms_folder_find(const ms_user *u, const char *name);
void ms_folder_drop(ms_user *u, const char *name);

ms_entry *ms_entry_new(uint32_t uid, GBytes *data, unsigned flags, int64_t internal_ns);
void ms_entry_free(gpointer p);
/* Appends `e` (its UID above every other) and counts its bytes. */
void ms_folder_push(mail_folder *f, ms_entry *e);
void ms_folder_clear(mail_folder *f);

/* ---- Maildir backend (mail_store_maildir.c); every one on a store with
 * root_fd >= 0 ---- */

bool md_open(mail_store *st, const char *root, GError **err);
void md_close(mail_store *st);
/* Creates ROOT/<user>/{tmp,new,cur} (when missing) and adds the user. */
ms_user *md_add_user(mail_store *st, const char *user, const char *password, GError **err);
bool md_refresh_user(mail_store *st, const char *user, GError **err);
mail_folder *md_folder_create(mail_store *st, ms_user *u, const char *name, GError **err);
bool md_folder_delete(mail_store *st, ms_user *u, mail_folder *f, GError **err);
/* Renames one folder's directory (not INBOX's); the caller redraws the
 * model (md_refresh_user). */
bool md_folder_rename(mail_store *st, ms_user *u, const char *from, const char *to, GError **err);
/* Moves INBOX's files into a new folder `to`, which takes INBOX's
 * uidlist (its UIDVALIDITY and UIDs); INBOX gets a new UIDVALIDITY. */
bool md_inbox_rename(mail_store *st, ms_user *u, const char *to, GError **err);
/* Writes the message's file and gives it a UID (in the uidlist); the
 * entry is pushed onto f. 0 with IO. */
uint32_t md_append(mail_folder *f, GBytes *data, unsigned flags, GError **err);
bool md_set_flags(mail_folder *f, ms_entry *e, unsigned flags, GError **err);
bool md_remove(mail_folder *f, ms_entry *e, GError **err);

/* ---- Maildir helpers (mail_store_maildir.c) ---- */

#define MS_UIDLIST "appsim-uidlist"

/* openat(at, name) of a directory, never through a symbolic link; -1 with errno. */
int md_open_dir(int at, const char *name);
/* The folder's directory beneath the root (INBOX: ROOT/<user>). */
int md_open_folder(const mail_store *st, const char *user, const char *folder, GError **err);
/* The directory name of a folder beneath its user's (".A.b" for "A/b", "." for INBOX). */
char *md_folder_dir(const char *folder);
void md_io_error(GError **err, int errnum, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Seconds now, or one more than the last value given in this process. */
uint32_t md_new_uidvalidity(void);
/* A new file name unique to this process: "<s>.M<us>P<pid>Q<n>.appsim". */
char *md_unique_name(void);
bool md_write_all(int fd, const void *buf, size_t len);
/* The name in cur/ for `base` with `flags` ("<base>:2,<letters>"). */
char *md_cur_name(const char *base, unsigned flags);

/* ---- the uidlist and the scan (mail_store_uidlist.c) ---- */

typedef struct {
    uint32_t uid;
    char *base;
} md_line;

typedef struct {
    uint32_t v, next;
    GArray *lines; /* md_line, ascending uid */
} md_uidlist;

void md_uidlist_init(md_uidlist *ul);
/* Parses a uidlist's text (NUL-terminated; changed in place). Lines that
 * are malformed, out of UID order, with UID 0 or 2^32-1, or with a bad
 * base name are skipped (their files get new UIDs at the rescan); `next`
 * ends above every UID kept. No valid first line: v = 0, no lines. */
void md_uidlist_parse(char *text, md_uidlist *ul);
/* The text md_uidlist_parse reads back to the same list. */
GString *md_uidlist_format(const md_uidlist *ul);
/* A base name as a scan takes it: not empty, no '/', ':' or control
 * byte, no leading '.'. */
bool md_valid_base(const char *b);
/* The flags of a file name's ":2," part (D F R S T; other letters ignored). */
unsigned md_flags_of(const char *file);
void md_uidlist_clear(md_uidlist *ul);
/* 1 read, 0 there is none (or no valid first line), -1 with err. `where` names the folder in messages. */
int md_uidlist_read(int dirfd, md_uidlist *ul, const char *where, GError **err);
bool md_uidlist_write(int dirfd, const md_uidlist *ul, const char *where, GError **err);
/* Rescans the folder whose directory is `dirfd` (locked meanwhile),
 * writes its uidlist when it changed and redraws the model's folder
 * (adding it when missing). */
bool md_refresh_folder(mail_store *st, ms_user *u, const char *name, int dirfd, GError **err);
/* Reads a message file of at most MS_MAX_FILE bytes (bare LF become
 * CRLF); 1 read, 0 skipped (too big: counted; not a regular file;
 * gone), -1 with errno for other failures. */
int md_read_msg(mail_store *st, int subfd, const char *file, GBytes **data, int64_t *mtime_ns);

#endif
