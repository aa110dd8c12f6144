/* run_page: index.html of `appsim run` (see run_page.h). */
#include "run_page.h"

#include <string.h>

#include "plots/html_report.h"

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.0.0"
#endif

/* `arg` for a POSIX shell, after a space: as it is when it is plain, else
 * quoted. */
static void append_arg(GString *cmd, const char *arg)
{
    bool plain = *arg != 0;
    for (const char *p = arg; *p; p++)
        plain &= g_ascii_isalnum(*p) || strchr("_./:=,+-@%", *p) != NULL;
    char *q = plain ? NULL : g_shell_quote(arg);
    g_string_append_printf(cmd, " %s", q ? q : arg);
    g_free(q);
}

char *run_page_command(const run_page_args *a)
{
    GString *cmd = g_string_new("appsim run");
    append_arg(cmd, a->file);
    if (a->seed >= 0)
        g_string_append_printf(cmd, " --seed %" G_GINT64_FORMAT, a->seed);
    for (guint i = 0; a->sets && a->sets[i]; i++) {
        g_string_append(cmd, " --set");
        append_arg(cmd, a->sets[i]);
    }
    if (a->timeline)
        g_string_append(cmd, " --timeline");
    if (a->pcap)
        g_string_append(cmd, " --pcap");
    if (a->transcript_run)
        g_string_append_printf(cmd, " --transcript-run %d", a->transcript_run);
    return g_string_free(cmd, FALSE);
}

bool run_page_write(const scenario *sc, run_result *const *res, const run_page_args *a, const char *table,
                    const char *dir, GError **err)
{
    char *cmd = run_page_command(a);
    html_report_info info = {.table = table, .command = cmd, .version = APPSIM_VERSION};
    bool ok = html_report_write(sc, res, &info, dir, err);
    g_free(cmd);
    return ok;
}
