/*
 * The POP3 suites' shared fixture: the lecture slides' maildrop (user bob,
 * password hungry, two messages of 498 and 912 octets, as the slides'
 * "S: 1 498" and "S: 2 912" say) in an in-memory mail store, and a
 * session runner that feeds a server core in pieces and takes its output
 * as it goes.
 */
#ifndef APPSIM_TEST_POP3_FIXTURE_H
#define APPSIM_TEST_POP3_FIXTURE_H

#include <glib.h>

#include "protocols/mailstore/mail_store.h"
#include "protocols/pop3/pop3_server_core.h"

/* A message of exactly `size` octets (CRLF line ends), its subject `subject`. */
GBytes *fixture_message(const char *subject, size_t size);
/* A store with bob/hungry and the slides' two messages in his INBOX, and
 * alice/wonderland with none. */
mail_store *fixture_slides_store(void);
/* The number of messages in user's INBOX. */
guint fixture_inbox_count(mail_store *st, const char *user);

/* Runs a server core on `input` fed `piece` bytes at a time, taking the
 * output after every feed; returns everything written (a new string).
 * `closed` (may be NULL) says whether a close event came; when `abort_at_end`
 * the connection then ends without QUIT (pop3_server_core_abort). */
char *fixture_session(mail_store *st, const pop3_server_config *cfg, const char *input, size_t len, size_t piece,
                      bool abort_at_end, bool *closed);

#endif
