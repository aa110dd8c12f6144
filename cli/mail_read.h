/*
 * mail_read: `appsim mail read pop3://USER@HOST[:PORT]` (and imap://), a
 * mail reader on real sockets: the POP3 client core (download and keep,
 * or download and delete, skipping the unique ids a file lists) over
 * hostio/real_host. docs/mail.md, "appsim mail read".
 */
#ifndef APPSIM_MAIL_READ_H
#define APPSIM_MAIL_READ_H

/* Exit statuses of `appsim mail read`. */
enum {
    MAIL_READ_EXIT_OK = 0,      /* the session ended well (POP3: QUIT answered +OK) */
    MAIL_READ_EXIT_FAILED = 1,  /* no connection, the server failed, a protocol error, a file not written */
    MAIL_READ_EXIT_USAGE = 2,   /* bad options, URL or password file */
    MAIL_READ_EXIT_AUTH = 3,    /* the server refused the login */
};

/* argv[0] is "read". Returns one of the statuses above. */
int cmd_mail_read(int argc, char **argv);

#endif
