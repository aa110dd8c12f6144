/* mail_cmd: `appsim mail send`, a user agent that submits one MIME
 * message over SMTP on real sockets (mail_cmd.c). */
#ifndef APPSIM_CLI_MAIL_CMD_H
#define APPSIM_CLI_MAIL_CMD_H

/* argv[0] is "mail". Returns the exit status. */
int cmd_mail(int argc, char **argv);

#endif
