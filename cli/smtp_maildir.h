/*
 * smtp_maildir: where `appsim smtp serve` puts the mail of its users: a
 * Maildir tree, ROOT/<user>/{tmp,new,cur}, written the Maildir way (a
 * message is written into tmp/ under a unique name, synced, and renamed
 * into new/, so a reader never sees half a message).
 *
 * This is the serve command's stand-in for the shared mail store
 * (protocols/mailstore/mail_store.h, mail_store_open_maildir), whose
 * layout of ROOT/<user>/ it follows; it goes when that store lands.
 *
 * Safety: every file is reached beneath an open handle of ROOT (openat,
 * mkdirat, renameat; O_NOFOLLOW, so no symbolic link is followed, not
 * even for a user's directory); user names with '/', a leading '.',
 * control bytes, or more than 255 bytes are refused; files are created
 * 0600 and directories 0700.
 *
 * Ownership: smtp_maildir_open / smtp_maildir_free; strings passed in are
 * borrowed.
 */
#ifndef APPSIM_CLI_SMTP_MAILDIR_H
#define APPSIM_CLI_SMTP_MAILDIR_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct smtp_maildir smtp_maildir;

/* Opens the tree at `root` (an existing directory); NULL with err. */
smtp_maildir *smtp_maildir_open(const char *root, GError **err);
void smtp_maildir_free(smtp_maildir *md);

/* Whether `name` may be a user (see above). */
bool smtp_maildir_name_ok(const char *name);
/* The users: directories of ROOT whose names are allowed, sorted by byte
 * value (NULL-terminated; g_strfreev). Entries that are not directories,
 * symbolic links included, are left out. */
char **smtp_maildir_users(smtp_maildir *md);
/* Creates ROOT/<user>/ and its tmp, new and cur (those missing). */
bool smtp_maildir_add_user(smtp_maildir *md, const char *user, GError **err);
/* Writes one message into ROOT/<user>/new/; false with err. */
bool smtp_maildir_deliver(smtp_maildir *md, const char *user, const void *data, size_t len, GError **err);

#endif
