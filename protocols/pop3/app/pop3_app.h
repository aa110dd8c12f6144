/*
 * pop3_app: what a POP3 port shows in timelines and transcripts. The
 * mail-server type (protocols/smtp/app) serves POP3 beside SMTP and
 * hands the connections it tells apart to these.
 *
 * - pop3_app_dialogue: the client's commands, one message each; the
 *   server's responses: a status line, a listing (LIST, UIDL, CAPA
 *   without an argument) as one message of its lines, a message (RETR,
 *   TOP) as its status line and header section with the body summarised
 *   in bytes, up to the "." line.
 * - pop3_app_label: "USER bob", "PASS hungry" (in clear, as sent), "+OK 2 messages", "+OK message follows
 *   (12 lines)", or for the rest of a long message "message data N B".
 * - pop3_app_sniff: whether bytes open a POP3 exchange ("+OK", "-ERR", or
 *   a POP3 command such as USER, APOP, CAPA).
 */
#ifndef APPSIM_POP3_APP_H
#define APPSIM_POP3_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "world/app.h"

extern const app_dialogue pop3_app_dialogue;
char *pop3_app_label(const uint8_t *data, size_t len);
bool pop3_app_sniff(const uint8_t *data, size_t len);

#endif
