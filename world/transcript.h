/*
 * transcript: the application-layer dialogue of a run, as the slides print
 * it.
 *
 * Watches the TCP packets between the followed hosts (two, or the columns
 * of a timeline: up to APP_TIMELINE_MAX_COLUMNS) in the trace records fed, follows each TCP direction's byte stream from the sender's first
 * transmission of each byte, and parses it with the dialogue parser of the
 * application type that listens on the connection's server port (app.h);
 * connections to a port without one are left out. Every message becomes
 * "C:" (client) or "S:" (server) lines: its head in full, its body
 * summarised as "[N bytes]", with the simulated time its first byte was
 * sent and the time its last byte arrived. A connection's client is the
 * host that sent its SYN. When connections between more than one pair of
 * hosts were seen, each message also names its sender and receiver
 * ("alice -> crepes-mail").
 *
 * Ownership: transcript_new/transcript_free; attach before the run starts,
 * transcript_text() after it.
 */
#ifndef APPSIM_TRANSCRIPT_H
#define APPSIM_TRANSCRIPT_H

#include <glib.h>

#include "app.h"
#include "models/net.h"
#include "sim/sim_trace.h"

typedef struct transcript transcript;

/* The dialogue parser for connections to `port`, or NULL. */
typedef const app_dialogue *(*transcript_dialogue_fn)(void *ud, uint16_t port);

/* Follows the dialogues between the `n_hosts` nodes `hosts` of `net`
 * (the first is taken as the client of a connection seen without its
 * SYN), at most `max_messages` messages. It has no subscription of its
 * own: its owner feeds it the records (transcript_rec). */
transcript *transcript_new(net_t *net, node_t *const *hosts, guint n_hosts, guint max_messages,
                           transcript_dialogue_fn dialogue_at, void *ud);
/* True when the node at address `addr` is one of the followed hosts. The
 * only records that count are those of the link directions that leave or
 * reach one: the owner may feed those alone. */
bool transcript_follows(const transcript *t, uint32_t addr);
/* One trace record of the run (any kind; only transmission starts and
 * arrivals of TCP packets between followed hosts count), fed in order. */
void transcript_rec(transcript *t, const sim_trace_rec *rec);
/* Stops watching (call when the run is over): later records are ignored. */
void transcript_detach(transcript *t);
/* The pairs of hosts seen, "a <-> b, c <-> d" (clients first), "" when
 * none: a new string. */
char *transcript_pairs(const transcript *t);
/* The text; `title` heads it. A new string. */
char *transcript_text(const transcript *t, const char *title);
void transcript_free(transcript *t);

#endif
