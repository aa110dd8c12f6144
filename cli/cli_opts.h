/*
 * cli_opts: what every appsim command does with its options — parse them
 * with GOption, and on a mistake print what is wrong and the command's
 * help on stderr, and give the usage exit status (2) — and the life of a
 * server on real sockets (cli_serve_until_stopped).
 */
#ifndef APPSIM_CLI_OPTS_H
#define APPSIM_CLI_OPTS_H

#include <glib.h>
#include <stdbool.h>

enum { CLI_EXIT_OK = 0, CLI_EXIT_RUN = 1, CLI_EXIT_USAGE = 2 };

/* Prints "appsim CMD: MSG" and, with a context, its help; frees the
 * context. Returns CLI_EXIT_USAGE. */
int cli_usage_error(GOptionContext *ctx, const char *cmd, const char *msg);
/* Parses argv with `ctx`. On failure reports it (cli_usage_error, which
 * frees ctx), stores CLI_EXIT_USAGE in *rc and returns false. */
bool cli_parse(GOptionContext *ctx, const char *cmd, int *argc, char ***argv, int *rc);

/* A GSourceFunc that quits the GMainLoop `loop`; the source stays, and is
 * removed by whoever added it. */
gboolean cli_quit_loop(gpointer loop);
/* Runs the default main loop until SIGINT or SIGTERM, or for timeout_s
 * seconds when it is above 0: the life of `appsim <protocol> serve`. */
void cli_serve_until_stopped(int timeout_s);

#endif
