/*
 * transcript: the application-layer dialogue of a run, as the slides print
 * it.
 *
 * Watches the packets between a client host and a server host (the trace
 * bus), follows each TCP direction's byte stream from the sender's first
 * transmission of each byte, and parses it with the HTTP parser. Every
 * message becomes "C:" (client) or "S:" (server) lines: its start line and
 * headers in full, its body summarised as "[N bytes]", with the simulated
 * time its first byte was sent and the time its last byte arrived.
 *
 * Ownership: transcript_new/transcript_free; attach before the run starts,
 * transcript_text() after it.
 */
#ifndef APPSIM_TRANSCRIPT_H
#define APPSIM_TRANSCRIPT_H

#include <glib.h>

#include "models/net.h"

typedef struct transcript transcript;

/* Follows the dialogue between nodes `client` and `server` of `net`, at
 * most `max_messages` messages. */
transcript *transcript_new(net_t *net, node_t *client, node_t *server, guint max_messages);
/* Stops watching (call when the run is over). */
void transcript_detach(transcript *t);
/* The text; `title` heads it. A new string. */
char *transcript_text(const transcript *t, const char *title);
void transcript_free(transcript *t);

#endif
