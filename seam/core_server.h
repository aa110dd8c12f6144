/*
 * core_server: what every line-protocol server connection (SMTP, POP3,
 * IMAP, FTP's control connection) keeps the same way, written once: the
 * stream (NULL once closed or gone), an idle timer re-armed on every
 * delivery, the input the core paused in (core_input.h), and the report
 * that the connection is over, made once. Embedded in the protocol's
 * connection struct; the protocol keeps its pump, its events, its endings
 * and its handler's closed() call (core_server_report says when to make
 * it).
 *
 * Use: core_server_init() in the constructor (it sets the stream's handler
 * with the owner as its user data and arms the timer); every data()
 * callback calls core_server_deliver(); the pump, once the output is
 * written, calls core_server_resume() and pumps again when it fed
 * something; the end calls core_server_close() and core_server_report();
 * the destructor core_server_clear().
 *
 * Ownership: the stream is the connection's (closed by clear when still
 * open); the timer is cancelled by report and clear. Costs: core_input's.
 */
#ifndef APPSIM_SEAM_CORE_SERVER_H
#define APPSIM_SEAM_CORE_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "core_input.h"
#include "host.h"

typedef struct {
    host_env *env;
    stream_t *s; /* NULL once closed or gone */
    int64_t idle_ns;
    host_timer_id timer;
    host_timer_fn on_idle; /* called with owner when idle_ns pass without a delivery */
    void *owner;
    core_input in; /* input the core paused in, not yet fed */
    bool reported; /* the end was reported */
} core_server;

/* Takes `s` (handler `h`, user data `owner`), the input with `in_ops`, and
 * arms the idle timer. */
void core_server_init(core_server *cs, host_env *env, stream_t *s, int64_t idle_ns, const core_input_ops *in_ops,
                      const stream_handler *h, host_timer_fn on_idle, void *owner);
/* (Re)starts the idle timer. */
void core_server_arm(core_server *cs);
/* A delivery of the stream: re-arms the timer and feeds (or queues) it. */
void core_server_deliver(core_server *cs, const uint8_t *data, size_t len);
/* With `left` bytes of output not yet written: when none are left and
 * input waits, feeds it (the stream reads again once all is fed) and
 * returns true: pump again. Never while `closing`. `fed`, when not NULL,
 * receives how many bytes the core took. */
bool core_server_resume(core_server *cs, size_t left, bool closing, size_t *fed);
/* Closes the stream (resets it with `abort`) if it is still open. */
void core_server_close(core_server *cs, bool abort);
/* The connection is over: cancels the timer; true the first time only
 * (the caller then calls its closed(), last: it may free the owner). */
bool core_server_report(core_server *cs);
/* Cancels the timer, closes the stream if still open, frees the input. */
void core_server_clear(core_server *cs);

#endif
