/*
 * smtp_envelope: one SMTP mail transaction's envelope and message (RFC
 * 5321 2.3.1, 3.3): the reverse-path (MAIL FROM), the forward-paths (RCPT
 * TO) and the message data, shared by the server core (what it received)
 * and the client core (what it is to send).
 *
 * Paths are stored without their angle brackets ("alice@crepes.fr"); the
 * null reverse-path "<>" of a bounce is "". The data is the message as
 * the user sees it: lines ending CRLF, no dot-stuffing, no terminating
 * ".".
 *
 * Ownership: smtp_envelope_new/smtp_envelope_free; every string and the
 * data are owned by the envelope (setters copy).
 */
#ifndef APPSIM_SMTP_ENVELOPE_H
#define APPSIM_SMTP_ENVELOPE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *reverse_path;       /* MAIL FROM, no brackets; "" for the null path */
    GPtrArray *forward_paths; /* RCPT TO, char *, no brackets, in order */
    GByteArray *data;         /* the message, dot-stuffing undone */
    char *helo;               /* server side: the client's HELO/EHLO domain, else NULL */
    bool body_8bit;           /* server side: MAIL FROM had BODY=8BITMIME */
} smtp_envelope;

/* A new envelope with this reverse-path (copied) and no recipients or data. */
smtp_envelope *smtp_envelope_new(const char *reverse_path);
void smtp_envelope_free(smtp_envelope *e);
/* A deep copy. */
smtp_envelope *smtp_envelope_copy(const smtp_envelope *e);
/* Appends a forward-path (copied). */
void smtp_envelope_add_rcpt(smtp_envelope *e, const char *forward_path);
/* Replaces the data with a copy of data[0, len). */
void smtp_envelope_set_data(smtp_envelope *e, const void *data, size_t len);

#endif
