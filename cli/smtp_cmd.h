/* smtp_cmd: `appsim smtp serve`, a mail server on real sockets that
 * delivers its domains' mail into Maildir folders (smtp_cmd.c). */
#ifndef APPSIM_CLI_SMTP_CMD_H
#define APPSIM_CLI_SMTP_CMD_H

/* argv[0] is "smtp". Returns the exit status. */
int cmd_smtp(int argc, char **argv);

#endif
