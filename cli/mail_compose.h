/*
 * mail_compose: what `appsim mail send` does before it speaks SMTP: read
 * the addresses a user typed ("Bob <bob@example.com>" or a bare
 * address), guess an attachment's content type from its file name, and
 * build the whole message with protocols/mime's builder (From, To, Cc,
 * Subject, Date, Message-ID, MIME-Version; a text body, alone or first in
 * a multipart/mixed with the attachments in base64).
 *
 * Use:
 *     mail_compose_input in = {.from = "alice@crepes.fr", .to = to, ...};
 *     GByteArray *msg = mail_compose_build(&in, &err);
 *
 * Nothing here reads files or the clock: the command passes the body and
 * the attachments' bytes, the time and the Message-ID seed, so the same
 * input gives the same bytes (tests rely on it).
 *
 * Ownership: inputs are borrowed; mail_compose_build returns a new array;
 * mail_address_parse fills strings the caller frees.
 */
#ifndef APPSIM_CLI_MAIL_COMPOSE_H
#define APPSIM_CLI_MAIL_COMPOSE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "protocols/mime/mime_msg.h"

GQuark mail_compose_error_quark(void);
#define MAIL_COMPOSE_ERROR (mail_compose_error_quark())

/* Parses "addr", "<addr>", "Name <addr>" or "\"Name\" <addr>" into the
 * display name (UTF-8, NULL when none) and the address. The address must
 * be local@domain in ASCII (no SMTPUTF8), at most 254 bytes, without
 * white space, control characters, '<', '>', ',', '"', '\\' or a second
 * '@' (quoted local parts are not taken: the commands take plain
 * addresses). False with a message in `err` otherwise. */
bool mail_address_parse(const char *text, char **display, char **addr, GError **err);

/* The content type of a file name by its extension (a small table of the
 * common ones; anything else application/octet-stream). Static string. */
const char *mail_content_type_guess(const char *filename);

/* The --encoding names: "auto" (MIME_CTE_UNKNOWN), "7bit", "8bit",
 * "quoted-printable" (or "qp"), "base64". False for another name. */
bool mail_encoding_parse(const char *name, mime_cte *out);

typedef struct {
    const char *filename; /* the name written in the message (no folders) */
    const char *type;     /* "image/png"; NULL: guessed from filename */
    const uint8_t *data;
    size_t len;
} mail_attachment;

typedef struct {
    const char *from;               /* as typed: "Alice <alice@crepes.fr>" */
    const char *const *to;          /* NULL-terminated (or NULL) */
    const char *const *cc;          /* NULL-terminated (or NULL) */
    const char *subject;            /* UTF-8; NULL: none */
    const char *body;               /* UTF-8 text; NULL: empty */
    size_t body_len;
    mime_cte encoding;              /* MIME_CTE_UNKNOWN: the builder's choice */
    const mail_attachment *attach;  /* n_attach of them */
    size_t n_attach;
    int64_t date_unix_s;            /* the Date header's instant */
    int tz_minutes;                 /* its offset east of UTC */
    uint64_t id_seed;               /* Message-ID's seed (its domain: the sender's) */
} mail_compose_input;

/* The message, CRLF line ends; NULL with `err` for an address that does
 * not parse, an encoding that cannot carry the body, or too many parts. */
GByteArray *mail_compose_build(const mail_compose_input *in, GError **err);

#endif
