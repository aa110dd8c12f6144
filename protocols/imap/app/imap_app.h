/*
 * imap_app: what an IMAP port shows in timelines and transcripts. The
 * mail-server type (protocols/smtp/app) serves IMAP beside SMTP and
 * hands the connections it tells apart to these.
 *
 * - imap_app_dialogue: every command and every response line (untagged
 *   or tagged) is a message; a literal inside a response (a message's
 *   bytes in a FETCH) is that message's body, summarised in bytes.
 * - imap_app_label: "A1 LOGIN bob hungry", "* 3 EXISTS", "* 1 FETCH (UID
 *   1 ... {10240}", "A3 OK FETCH completed", or for the rest of a long
 *   literal "message data N B".
 * - imap_app_sniff: whether bytes open an IMAP exchange ("* OK", "+ ",
 *   or a tag followed by a command or a status).
 */
#ifndef APPSIM_IMAP_APP_H
#define APPSIM_IMAP_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "world/app.h"

extern const app_dialogue imap_app_dialogue;
char *imap_app_label(const uint8_t *data, size_t len);
bool imap_app_sniff(const uint8_t *data, size_t len);

#endif
