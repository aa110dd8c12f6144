/*
 * app_dlg: what the dialogues of the line protocols (app.h's
 * app_dialogue for SMTP, POP3, IMAP and FTP) share: the state of one
 * direction of a connection that reads a message as text and hands it out
 * as APP_DLG_HEAD, then APP_DLG_END; and the end of dot-terminated data
 * ("\r\n.\r\n": SMTP's DATA, POP3's multi-line responses), whose bytes
 * are a message's body. What ends a message and what a command asks for
 * stay with each protocol.
 *
 * A protocol's dialogue state begins with an app_dlg_buf (its first
 * member), so that app_dlg_buf_new and app_dlg_buf_free allocate and free
 * the whole of it:
 *
 *     typedef struct { app_dlg_buf b; int state; } my_dlg;
 *     static void *dlg_new(bool from_client) { return app_dlg_buf_new(sizeof(my_dlg), from_client); }
 *     const app_dialogue my_dialogue = {dlg_new, app_dlg_buf_free, dlg_feed, NULL};
 *
 * Ownership: the state is the dialogue's (app_dlg_buf_free); a HEAD's text
 * is a new string the caller of feed frees, as app.h says. Every call is
 * O(1) but app_dlg_buf_give (O(length of the message)) and
 * app_dlg_dot_body (O(bytes read)).
 */
#ifndef APPSIM_APP_DLG_H
#define APPSIM_APP_DLG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"

typedef struct {
    bool client;      /* this direction is the client's (its commands), else the server's (its replies) */
    GString *buf;     /* the message read so far; each protocol caps its length */
    bool pending_end; /* a message was given whole: APP_DLG_END comes next */
} app_dlg_buf;

/* A new dialogue state of `size` bytes (at least sizeof(app_dlg_buf)),
 * zeroed but for its leading app_dlg_buf: an empty buffer and `client`
 * set to from_client. */
void *app_dlg_buf_new(size_t size, bool from_client);
/* Frees a state made by app_dlg_buf_new (NULL: nothing); an
 * app_dialogue's `free` as it stands. */
void app_dlg_buf_free(void *p);

/* Appends the byte c unless the buffer holds `max` bytes already (the rest
 * of an overlong line or message is read but not kept). */
void app_dlg_buf_keep(app_dlg_buf *b, uint8_t c, size_t max);
/* Whether the buffer ends with an empty line ("\r\n\r\n"): the end of a
 * message's header section. */
bool app_dlg_buf_blank_line(const app_dlg_buf *b);
/* Makes `ev` an APP_DLG_HEAD of the buffer's text, the CRs and LFs at its
 * end removed, and empties the buffer. */
void app_dlg_buf_give(app_dlg_buf *b, app_dlg_event *ev);
/* If a message was given whole (pending_end), makes `ev` its APP_DLG_END,
 * clears pending_end and returns true; else returns false and leaves `ev`
 * alone. A dialogue's feed calls it first and returns 0 on true. */
bool app_dlg_buf_end(app_dlg_buf *b, app_dlg_event *ev);

/* ---- dot-terminated data ------------------------------------------------------------ */

/* Steps the search for the end of dot-terminated data by one byte.
 * *match is how much of "\r\n.\r\n" was just seen: the caller sets it to 2
 * where the data starts (the CRLF of the line before counts). Returns true
 * at the last byte of the end, *match then 2 again. */
bool app_dlg_dot_step(int *match, uint8_t c);
/* Reads a message's body (data NULL: `len` unmodelled bytes, which never
 * end it) up to and including the end of dot-terminated data: makes `ev`
 * an APP_DLG_BODY of the bytes read, sets b->pending_end when they ended
 * the data, and returns how many it read (at least 1 when len is). */
size_t app_dlg_dot_body(app_dlg_buf *b, int *match, const uint8_t *data, size_t len, app_dlg_event *ev);

#endif
