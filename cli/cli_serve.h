/*
 * cli_serve: what the commands that serve on real sockets share — the
 * rule of --bind ADDR and --allow-remote (loopback unless both are
 * given), binding there and listening, the address they print, turning
 * away a client over the cap, the end of their connections, and their
 * life (cli_serve_until_stopped). Apart from cli_opts so that what only
 * parses options (appsim run, the benchmarks) does not link GIO.
 */
#ifndef APPSIM_CLI_SERVE_H
#define APPSIM_CLI_SERVE_H

#include <glib.h>
#include <stdbool.h>

#include "cli_opts.h"
#include "hostio/real_host.h"
#include "seam/stream.h"

/* Whether `addr` is a loopback address literal (127.0.0.0/8, ::1); a name
 * or anything else that is no address literal is not. */
bool cli_is_loopback(const char *addr);
/* Whether the peer of `s` is on loopback (unknown: no). */
bool cli_peer_is_loopback(stream_t *s);
/* What is wrong with --bind ADDR and --allow-remote together, NULL when
 * they fit: an address other than loopback needs --allow-remote, and
 * --allow-remote goes with --bind. */
const char *cli_check_bind(const char *bind, gboolean allow_remote);
/* Makes the listeners of `rh` bind `bind` (NULL: 127.0.0.1). False with
 * "appsim CMD: --bind: why" on stderr (not an address literal). */
bool cli_set_bind(real_host_t *rh, const char *cmd, const char *bind);
/* The listen set-up of a server command: binds the listeners of `rh` to
 * `bind` (cli_set_bind) and listens on `port` (0: any free one), each
 * accepted stream to `accept` with `ud`. CLI_EXIT_OK with the listener in
 * *out; otherwise a message on stderr and CLI_EXIT_USAGE (--bind is no
 * address) or CLI_EXIT_RUN (cannot listen: "appsim CMD: cannot listen on
 * ADDR:PORT: why"). */
int cli_listen(real_host_t *rh, const char *cmd, const char *bind, int port, stream_accept_fn accept, void *ud,
               host_listener **out);
/* Turns away a client over a server's connection cap: `line` (the
 * protocol's "too many connections") is written and the stream closed. */
void cli_turn_away(stream_t *s, const char *line);
/* The end of a server's connections: shutdown(conn) for each of `conns`
 * still there (a protocol says goodbye where it has a word for it, and a
 * connection that ends removes itself from `conns`, as release() does),
 * `rh` run for at most two seconds while any is left, then release(conn)
 * for each still left. */
void cli_shutdown_all(GPtrArray *conns, real_host_t *rh, void (*shutdown)(void *conn), void (*release)(void *conn));
/* "ADDR:PORT" as the servers print where they listen, ADDR `bind` (NULL:
 * 127.0.0.1) in brackets when it is IPv6; a new string. */
char *cli_host_port(const char *bind, unsigned port);

/* What the options every server command takes can tell, NULL when
 * usable: --port 0 (any free port) to 65535, --timeout S not negative,
 * and cli_check_bind. */
const char *cli_check_serve(int port, int timeout_s, const char *bind, gboolean allow_remote);

/* A GSourceFunc that quits the GMainLoop `loop`; the source stays, and is
 * removed by whoever added it. */
gboolean cli_quit_loop(gpointer loop);
/* Runs the default main loop until SIGINT or SIGTERM, or for timeout_s
 * seconds when it is above 0: the life of `appsim <protocol> serve`. */
void cli_serve_until_stopped(int timeout_s);

#endif
