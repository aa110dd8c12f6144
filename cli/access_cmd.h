/*
 * access_cmd: `appsim pop3 serve` and `appsim imap serve`, the mail
 * access servers (protocols/pop3, protocols/imap) on real sockets over a
 * Maildir tree (the mail store `appsim smtp serve` delivers into), with
 * the users and passwords of a user file. docs/mail.md, "appsim pop3
 * serve and appsim imap serve".
 */
#ifndef APPSIM_ACCESS_CMD_H
#define APPSIM_ACCESS_CMD_H

#include <glib.h>

#include "protocols/mailstore/mail_store.h"

/* argv[0] is "pop3" (or "imap"). Returns the exit status (0, 1 failure,
 * 2 usage). */
int cmd_pop3(int argc, char **argv);
int cmd_imap(int argc, char **argv);

/* Reads a user file ("user:password" lines, '#' comments, blank lines)
 * into `store`: existing users get their password, missing ones are
 * created (an empty Maildir). Refuses (false with a message in `err`)
 * a file that group or others may read or write, a file over 1 MB, a
 * malformed line (its number given). */
bool access_load_users(mail_store *store, const char *path, GError **err);

/* The lines of a user file (the same permission and size rules) given to
 * `fn` one by one, with their numbers from 1, without their line ends;
 * blank lines and '#' comments are passed over. Stops at the first line
 * `fn` refuses (false with `err` set). False with `err` when the file
 * cannot be read or a line was refused. */
typedef bool (*access_line_fn)(void *ud, const char *path, unsigned lineno, const char *line, GError **err);
bool access_read_user_lines(const char *path, access_line_fn fn, void *ud, GError **err);

/* The whole of a private file (NUL-terminated; the same permission and
 * size rules), a new string, NULL with `err`. */
char *access_read_private(const char *path, GError **err);

/* The first line of a secret file (password files of the reader), with
 * the same permission rule; a new string, NULL with `err`. */
char *access_read_secret(const char *path, GError **err);

#endif
