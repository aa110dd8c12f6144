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
    char *base; /* Maildir: the file's unique name without ":2,...", else NULL */
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
#define MS_MAX_FILE (UINT64_C(64) * 1024 * 1024)

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

#endif
