/*
 * cli_opts: what every appsim command does with its options — parse them
 * with GOption, and on a mistake print what is wrong and the command's
 * help on stderr, and give the usage exit status (2). What the servers on
 * real sockets share is in cli_serve.h.
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

/* With `problem` NULL frees ctx and returns true: the options are usable.
 * Otherwise reports the problem (cli_usage_error, which frees ctx),
 * stores CLI_EXIT_USAGE in *rc and returns false. After cli_parse:
 * `if (cli_parse(...) && cli_checked(ctx, cmd, check(&o), &rc)) rc = run(&o);` */
bool cli_checked(GOptionContext *ctx, const char *cmd, const char *problem, int *rc);

#endif
