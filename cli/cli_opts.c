/* cli_opts: option parsing and usage errors, shared by the commands
 * (cli_opts.h). */
#include "cli_opts.h"

#include <stdio.h>
#include <string.h>

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

bool cli_checked(GOptionContext *ctx, const char *cmd, const char *problem, int *rc)
{
    if (problem) {
        *rc = cli_usage_error(ctx, cmd, problem);
        return false;
    }
    g_option_context_free(ctx);
    return true;
}
