/* cli_opts: option parsing and usage errors shared by the commands. */
#include "cli_opts.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

int cli_usage_error(GOptionContext *ctx, const char *cmd, const char *msg)
{
    fprintf(stderr, "appsim %s: %s\n", cmd, msg);
    if (ctx) {
        char *help = g_option_context_get_help(ctx, TRUE, NULL);
        fprintf(stderr, "%s", help);
        g_free(help);
        g_option_context_free(ctx);
    }
    return CLI_EXIT_USAGE;
}

bool cli_parse(GOptionContext *ctx, const char *cmd, int *argc, char ***argv, int *rc)
{
    GError *err = NULL;
    if (g_option_context_parse(ctx, argc, argv, &err))
        return true;
    *rc = cli_usage_error(ctx, cmd, err->message);
    g_error_free(err);
    return false;
}

gboolean cli_quit_loop(gpointer ud)
{
    g_main_loop_quit(ud);
    return G_SOURCE_CONTINUE;
}

void cli_serve_until_stopped(int timeout_s)
{
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    guint s1 = g_unix_signal_add(SIGINT, cli_quit_loop, loop);
    guint s2 = g_unix_signal_add(SIGTERM, cli_quit_loop, loop);
    guint s3 = timeout_s > 0 ? g_timeout_add_seconds((guint)timeout_s, cli_quit_loop, loop) : 0;
    g_main_loop_run(loop);
    g_source_remove(s1);
    g_source_remove(s2);
    if (s3)
        g_source_remove(s3);
    g_main_loop_unref(loop);
}
