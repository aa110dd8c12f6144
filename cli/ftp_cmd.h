/*
 * ftp_cmd: `appsim ftp`, FTP on real sockets: `ftp serve` (ftp_serve.c),
 * a server over a folder, and the client commands `ftp get`, `ftp put`
 * and `ftp ls` (ftp_cmd.c). docs/ftp.md, "appsim ftp".
 */
#ifndef APPSIM_FTP_CMD_H
#define APPSIM_FTP_CMD_H

/* Exit statuses of the client commands. */
enum {
    FTP_EXIT_OK = 0,      /* every operation completed and the session ended well */
    FTP_EXIT_FAILED = 1,  /* no connection, a timeout, a protocol error, a local file not read or written */
    FTP_EXIT_USAGE = 2,   /* bad options, URL or password file */
    FTP_EXIT_AUTH = 3,    /* the server refused the login */
    FTP_EXIT_REFUSED = 4, /* the server refused the operation (a 4xx or 5xx reply) */
};

/* argv[0] is "ftp". Returns the exit status. */
int cmd_ftp(int argc, char **argv);
/* argv[0] is "serve": 0 stopped, 1 cannot listen, 2 usage. */
int ftp_cmd_serve(int argc, char **argv);

#endif
