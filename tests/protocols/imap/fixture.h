/*
 * fixture: the IMAP tests' mail store and driver.
 *
 * fixture_store(): users alice (password "wonderland") and bob
 * ("builder"); alice has INBOX (UIDVALIDITY 1) with three messages
 * (fixture_msg1 \Seen, fixture_msg2 a multipart, recent, fixture_msg3
 * \Flagged, recent; internal dates fixture_t0 and a day and two days
 * after it), Archive (2) and Work/Projects (3), empty.
 */
#ifndef APPSIM_TEST_IMAP_FIXTURE_H
#define APPSIM_TEST_IMAP_FIXTURE_H

#include <glib.h>

#include "protocols/imap/imap_server_core.h"

extern const char *const fixture_msg1, *const fixture_msg2, *const fixture_msg3;
extern const int64_t fixture_t0;

mail_store *fixture_store(void);
/* Takes all the output so far into out. */
void fixture_drain(imap_server_core *s, GString *out);
/* Feeds in[0, len) in pieces of `chunk` bytes (each in its own exact
 * allocation), draining after every call; the bytes taken. */
size_t fixture_feed(imap_server_core *s, const char *in, size_t len, size_t chunk, GString *out, size_t *max_buffered);
/* A whole session on st fed at once: all the output (new string). */
char *fixture_session(mail_store *st, const imap_server_config *cfg, const char *in);

#endif
