/*
 * real_host: the host and stream seams (seam/host.h, seam/stream.h) on real
 * sockets, with GLib's main loop and GIO.
 *
 * A real_host_t is one "machine" for protocol applications: its clock is
 * the monotonic clock, its timers, connections and datagram sockets are
 * dispatched from a GMainContext, its connections are TCP sockets and its
 * datagram sockets UDP sockets of the operating system. It implements the
 * whole host seam (clock, timers, connect, listen and listener ports,
 * datagrams, log, records) and the whole stream seam (addresses included).
 * The same application code that runs on a simulated host runs here.
 *
 * Use:
 *
 *     real_host_t *rh = real_host_new(NULL, "client");    // default context
 *     host_env *env = real_host_env(rh);
 *     my_app_start(env, ...);                              // connect, listen, timers
 *     GMainLoop *loop = g_main_loop_new(NULL, FALSE);
 *     real_host_set_idle_fn(rh, quit_loop, loop);          // optional: stop when done
 *     g_main_loop_run(loop);
 *     my_app_free(...);                                     // closes its streams
 *     real_host_run_until_idle(rh, 2000000000);            // 2 s for them to flush
 *     real_host_free(rh);                                   // closes what is left
 *
 * The caller owns the main loop: the host only attaches sources to its
 * context. One thread uses a host: the one that runs its context. When
 * that context is not the global default, make it the thread's default
 * (g_main_context_push_thread_default()) while it runs: GIO continues an
 * asynchronous connect (the next address, the next step) in the
 * thread-default context of the moment.
 *
 * What the adapter does for the seam contracts:
 * - Callbacks run from sources dispatched by the context (socket readiness,
 *   timers, connection completion), never from inside an operation:
 *   operations only change state and attach or remove sources.
 * - write() copies into a per-connection output buffer (1 MiB unless
 *   real_host_set_send_buffer() says otherwise); the socket is written from
 *   the main loop. Nagle's algorithm is off (TCP_NODELAY) on every
 *   connection.
 * - set_reading(false) stops reading the socket: the kernel's receive
 *   buffer fills and the peer's window closes. While a stream does not
 *   read, neither end of input nor a reset is noticed until reading
 *   resumes or a write fails.
 * - close() flushes the output buffer, sends FIN, then reads and discards
 *   what the peer still sends until its FIN (so that unread input does not
 *   turn our close into a reset), and closes the socket. A closing
 *   connection that makes no progress for the linger time (30 s unless
 *   real_host_set_linger() says otherwise) is reset.
 * - abort() sets SO_LINGER to zero and closes: the kernel sends RST.
 * - connect_from() binds the local port (on the bind address when it is
 *   of the peer's family, else on the family's any address) with
 *   SO_REUSEADDR, then connects; the peer must be an address literal.
 *   When the bind is refused (EACCES: a port below 1024 without root;
 *   EADDRINUSE) or the peer is a name, it connects as connect() does,
 *   from an ephemeral port, and logs the reason once per host.
 * - listen() binds 127.0.0.1 and, when the machine has it, ::1 on the same
 *   port; port 0 picks an ephemeral port (listener_port(), also
 *   real_host_listener_port()). real_host_set_bind_address() makes
 *   listeners and datagram sockets bind one other address instead (such
 *   as 127.0.0.2, for a hierarchy of DNS servers on one machine).
 * - Stream addresses (stream_local_addr, stream_peer_addr) are address
 *   literals and ports from the socket (getsockname, getpeername), known
 *   once the connection is set up and until it is finished.
 * - Datagram sockets are UDP sockets bound, like listeners, to 127.0.0.1
 *   and, when the machine has it, ::1 on the same port (loopback only:
 *   nothing here can send beyond the machine); port 0 picks an ephemeral
 *   port (dgram_port()). dgram_send() takes an address literal or
 *   "localhost" (127.0.0.1) and no other name (a lookup would block the
 *   loop); it uses the socket of the address's family. A datagram holds at
 *   most REAL_HOST_DGRAM_MAX bytes, a larger one is refused with a GError;
 *   `data` NULL sends zeros; the tag is not transmitted. A datagram the
 *   kernel cannot take at once (send buffer full) is dropped, as UDP may.
 *   Received datagrams come from a socket source of the context, up to 16
 *   per dispatch, with `from` an address literal and tag 0; the callback
 *   fn may be NULL (received datagrams are discarded). A socket closed
 *   from inside its own callback is closed when the callback returns.
 *   Datagram sockets, like listeners, do not count in real_host_pending().
 * - record() hands the record to the sink set with
 *   real_host_set_record_sink(); without one it logs the line
 *   "record <kind>: <text>" through the host's log (stderr).
 * - connect() resolves names with GIO (GSocketClient, asynchronously) and
 *   tries each address; errors map to stream_err: connection refused ->
 *   REFUSED; name not found, host or network unreachable -> UNREACHABLE;
 *   no answer within the connect timeout (real_host_set_connect_timeout(),
 *   20 s by default) or ETIMEDOUT -> TIMEOUT; ECONNRESET, EPIPE -> RESET;
 *   anything else -> IO. A peer that resets the connection right after the
 *   handshake, before GIO has reported it, gives error(RESET) without a
 *   connected() first (a valid order in the seam, rarer than in the
 *   simulator).
 *
 * Needs GLib 2.68 or later (g_tree_node_first).
 *
 * Ownership: the caller owns the real_host_t (real_host_new / _free) and
 * the GMainContext it passed; the host holds a reference on the context.
 * Streams, listeners and datagram sockets belong to the host (see
 * seam/stream.h and seam/host.h); the application lets go of them with
 * close/abort, unlisten and dgram_close.
 */
#ifndef APPSIM_HOSTIO_REAL_HOST_H
#define APPSIM_HOSTIO_REAL_HOST_H

#include <gio/gio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seam/host.h"

typedef struct real_host real_host_t;

/* Errors of this module's API (arguments it cannot use). Failures of the
 * system (a port in use, no such address) keep their G_IO_ERROR codes. */
#define REAL_HOST_ERROR (real_host_error_quark())
GQuark real_host_error_quark(void);
typedef enum {
    REAL_HOST_ERROR_INVALID, /* an argument the operation cannot use */
} real_host_error;

/* The largest datagram dgram_send() takes (bytes): the largest UDP
 * payload over IPv4. */
#define REAL_HOST_DGRAM_MAX 65507u

/* Defaults of the settings below. */
#define REAL_HOST_SEND_BUFFER_DEFAULT ((size_t)1 << 20)        /* bytes */
#define REAL_HOST_CONNECT_TIMEOUT_DEFAULT (20 * (int64_t)1000000000) /* ns */
#define REAL_HOST_LINGER_DEFAULT (30 * (int64_t)1000000000)    /* ns */

/* A host whose sources are attached to `ctx` (NULL: the global default
 * context). `name` (copied) is the name() of the host and the prefix of
 * its log lines; NULL takes the machine's host name. The clock starts at
 * zero now. */
real_host_t *real_host_new(GMainContext *ctx, const char *name);

/* Closes every connection (the socket is closed at once: data still in the
 * output buffers is dropped), every listener, datagram socket and timer,
 * and frees the host. No callback is made. Connections still being established are
 * cancelled, and the host iterates its context (without calling any of its
 * applications) until GIO has reported them, at most about two seconds.
 * Must not be called from inside one of the host's callbacks. NULL is a
 * no-op. */
void real_host_free(real_host_t *rh);

/* The seam view of the host, valid until real_host_free(). */
host_env *real_host_env(real_host_t *rh);

/* The host behind an environment made by real_host_env() (no check). */
real_host_t *real_host_of_env(host_env *env);

GMainContext *real_host_context(const real_host_t *rh);

/* The port a listener is bound to: the one asked for, or the ephemeral
 * port chosen for port 0. */
uint16_t real_host_listener_port(const host_listener *l);

/* Work in progress: connections (connecting, open, or closing and still
 * flushing) plus armed timers. Listeners are not counted. O(1). */
unsigned real_host_pending(const real_host_t *rh);
unsigned real_host_connections(const real_host_t *rh);
unsigned real_host_timers(const real_host_t *rh);

/* Calls fn(ud) from the main loop each time real_host_pending() has
 * dropped to zero (a server that only listens is idle), or soon when it is
 * zero already. A CLI uses it to quit its loop when the applications are
 * done (quit there; free the host after the loop has returned). NULL fn
 * removes it. */
void real_host_set_idle_fn(real_host_t *rh, void (*fn)(void *ud), void *ud);

/* Runs the host's context (made thread-default meanwhile) until nothing
 * is pending or `limit_ns` has passed; true when nothing is pending. A CLI
 * calls it after its applications have closed their streams, so that the
 * closing connections flush their buffers and exchange FINs before
 * real_host_free(). Other sources of the context run too. Must not be
 * called from inside one of the host's callbacks. */
bool real_host_run_until_idle(real_host_t *rh, int64_t limit_ns);

/* Receives one application record: the host's name, the host's clock
 * (ns since real_host_new()), the record's table and its row. The strings
 * are borrowed for the call. */
typedef void (*real_host_record_fn)(void *ud, const char *host, int64_t now_ns, const char *kind,
                                    const char *text);

/* Where record() sends its records; fn NULL: to the log. `ud` is
 * borrowed. */
void real_host_set_record_sink(real_host_t *rh, real_host_record_fn fn, void *ud);

/* Settings. The send buffer is the most write() holds per connection
 * (bytes, at least 1), for connections created afterwards. The connect
 * timeout bounds name resolution plus connection set-up (ns, > 0), for
 * connects started afterwards. The linger time bounds how long a closed
 * connection may go without sending anything (or, once flushed, without
 * the peer's FIN) before it is reset (ns, > 0), for closes afterwards. */
void real_host_set_send_buffer(real_host_t *rh, size_t bytes);
void real_host_set_connect_timeout(real_host_t *rh, int64_t ns);
void real_host_set_linger(real_host_t *rh, int64_t ns);

/* Makes listeners and datagram sockets opened afterwards bind `address`
 * (an IPv4 or IPv6 literal, copied) alone instead of 127.0.0.1 and ::1;
 * NULL goes back to loopback. Any address of the machine is taken: the
 * caller decides whether a non-loopback one is wanted (an `appsim ...
 * serve` asks for an explicit flag). A datagram socket so bound sends
 * only to addresses of its family. False with err when `address` is not
 * an address literal (nothing changes then). Outgoing connections are
 * not bound (the kernel picks their source). */
bool real_host_set_bind_address(real_host_t *rh, const char *address, GError **err);

#endif
