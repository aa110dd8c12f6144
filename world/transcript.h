/*
 * transcript: the application-layer dialogue of a run, as the slides print
 * it.
 *
 * Watches the packets between a client host and a server host (the trace
 * bus), follows each TCP direction's byte stream from the sender's first
 * transmission of each byte, and parses it with the dialogue parser of the
 * application type that listens on the connection's server port (app.h);
 * connections to a port without one are left out. Every message becomes
 * "C:" (client) or "S:" (server) lines: its head in full, its body
 * summarised as "[N bytes]", with the simulated time its first byte was
 * sent and the time its last byte arrived.
 *
 * Ownership: transcript_new/transcript_free; attach before the run starts,
 * transcript_text() after it.
 */
#ifndef APPSIM_TRANSCRIPT_H
#define APPSIM_TRANSCRIPT_H

#include <glib.h>

#include "app.h"
#include "models/net.h"

typedef struct transcript transcript;

/* The dialogue parser for connections to `port`, or NULL. */
typedef const app_dialogue *(*transcript_dialogue_fn)(void *ud, uint16_t port);

/* Follows the dialogue between nodes `client` and `server` of `net`, at
 * most `max_messages` messages. */
transcript *transcript_new(net_t *net, node_t *client, node_t *server, guint max_messages,
                           transcript_dialogue_fn dialogue_at, void *ud);
/* Stops watching (call when the run is over). */
void transcript_detach(transcript *t);
/* The text; `title` heads it. A new string. */
char *transcript_text(const transcript *t, const char *title);
void transcript_free(transcript *t);

#endif
