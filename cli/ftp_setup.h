/*
 * ftp_setup: the parts of `appsim ftp` that do not touch a socket: the
 * ftp:// URLs of the client commands and the user file of `appsim ftp
 * serve`. docs/ftp.md, "Real sockets: URLs and the user file".
 */
#ifndef APPSIM_FTP_SETUP_H
#define APPSIM_FTP_SETUP_H

#include <glib.h>
#include <stdbool.h>

#define FTP_URL_DEFAULT_PORT 21
#define FTP_USERS_MAX 1024 /* users in one user file */

/* ftp://[user[:password]@]host[:port]/path, percent-escapes decoded in
 * user, password and path. host is without brackets for an IPv6 literal.
 * user and password are NULL when the URL has none; path is "" for
 * "ftp://host" and "ftp://host/", otherwise without its leading '/'
 * (RFC 1738: relative to the login folder; "%2F" at its start makes it
 * absolute). */
typedef struct {
    char *user, *password, *host, *path;
    int port;
} ftp_url;

/* Parses `text` into `out` (cleared first). Refuses (false with `err`)
 * another scheme, an empty host, a port outside 1..65535, a ";type="
 * suffix, and a decoded part holding CR, LF or NUL (they would end or
 * split a command line). */
bool ftp_url_parse(const char *text, ftp_url *out, GError **err);
void ftp_url_clear(ftp_url *u);

/* The users of `appsim ftp serve --users FILE`: "user:password" lines,
 * '#' comments and blank lines; the same permission rule as the mail
 * servers' user file (access_cmd.h): refused when group or others may
 * read or write it. A user named "anonymous" or "ftp" is refused (those
 * names are the anonymous login's), as are a malformed line, a repeated
 * user and more than FTP_USERS_MAX users. A new table user -> password,
 * NULL with `err`. */
GHashTable *ftp_users_load(const char *path, GError **err);

/* An ftp_server_check_fn over such a table (`ud`): the password must be
 * the user's, compared in time independent of where they differ. */
bool ftp_users_check(void *ud, const char *user, const char *password);

#endif
