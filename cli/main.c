/*
 * appsim: the command-line program.
 *
 * Subcommands:
 *   appsim demo [--seed N] [--packets N]   the queueing validation table
 *   appsim http serve|get ...              HTTP on real sockets (http_cmd.c)
 *   appsim dns serve|query ...             DNS on real sockets (dns_cmd.c)
 *   appsim smtp serve ...                  a mail server on real sockets (smtp_cmd.c)
 *   appsim mail send ...                   submit a MIME message over SMTP (mail_cmd.c)
 *   appsim pop3 serve ...                  POP3 on real sockets (access_cmd.c)
 *   appsim imap serve ...                  IMAP on real sockets (access_cmd.c)
 *   appsim ftp serve|get|put|ls ...        FTP on real sockets (ftp_serve.c, ftp_cmd.c)
 *   appsim p2p tracker|seed|get ...        BitTorrent on real sockets (p2p_cmd.c)
 *   appsim mail read URL ...               a mail reader (mail_read.c, through mail_cmd.c)
 *   appsim run|check|list|plot ...         scenarios (run_cmd.c)
 *   appsim merge PART... [-o DIR]          join the partial folders of run --shard (shard_cmd.c)
 *   appsim new NAME [--from SCENARIO]      start a scenario from a shipped one (shipped.c)
 *   appsim homework|grade ...              homework variants and their key (homework_cmd.c)
 *   appsim --version
 *
 * Exit status: 0 success, 1 a failure while running, 2 bad usage or input.
 */
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "world/demo.h"
#include "access_cmd.h"
#include "dns_cmd.h"
#include "http_cmd.h"
#include "ftp_cmd.h"
#include "homework_cmd.h"
#include "mail_cmd.h"
#include "p2p_cmd.h"
#include "run_cmd.h"
#include "shard_cmd.h"
#include "shipped.h"
#include "smtp_cmd.h"

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.0.0"
#endif

enum { EXIT_OK = 0, EXIT_RUN = 1, EXIT_USAGE = 2 };

static void usage(FILE *out)
{
    fprintf(out, "usage: appsim COMMAND [OPTIONS]\n\n"
                 "commands:\n"
                 "  run       run a scenario: appsim run FILE|NAME [-o DIR] [--set PATH=VALUE]...\n"
                 "  check     check a scenario (a file, or a shipped one by name) without running it\n"
                 "  list      list the shipped scenarios and where they are\n"
                 "  merge     join the partial folders of run --shard K/N: appsim merge PART... -o DIR\n"
                 "  new       start a scenario: appsim new NAME --from SHIPPED writes NAME.json here\n"
                 "  plot      redraw the plots of a results folder\n"
                 "  homework  a scenario per student and its answer key: homework TEMPLATE --students CSV -o DIR\n"
                 "  grade     check answers against a homework key (appsim grade KEY.csv ANSWERS.csv)\n"
                 "  demo      print the queueing validation table (simulated vs theory)\n"
                 "  http      HTTP on real sockets: http serve (a web server), http get (a browser)\n"
                 "  dns       DNS on real sockets: dns serve (a name server or resolver), dns query\n"
                 "  smtp      SMTP on real sockets: smtp serve (a mail server delivering into Maildir)\n"
                 "  mail      mail send (build a MIME message, submit it over SMTP), mail read (pop3://, imap://)\n"
                 "  pop3      POP3 on real sockets: pop3 serve (a server over a Maildir tree)\n"
                 "  imap      IMAP on real sockets: imap serve (a server over a Maildir tree)\n"
                 "  ftp       FTP on real sockets: ftp serve (a server over a folder), ftp get, put, ls\n"
                 "  p2p       BitTorrent on real sockets: p2p tracker, p2p seed (make a .torrent, seed it), p2p get\n"
                 "\n"
                 "appsim COMMAND --help shows the options of a command; appsim --version the "
                 "version.\n");
}

static int cmd_demo(int argc, char **argv)
{
    gint64 seed = 1, packets = 1000000;
    GOptionEntry entries[] = {
        {"seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "N"},
        {"packets", 'n', 0, G_OPTION_ARG_INT64, &packets, "Packets per case (default 1000000)",
         "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- queueing validation table");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    bool ok = g_option_context_parse(ctx, &argc, &argv, &err);
    g_option_context_free(ctx);
    if (!ok) {
        fprintf(stderr, "appsim demo: %s\n", err->message);
        g_error_free(err);
        return EXIT_USAGE;
    }
    if (argc > 1 || packets < 100) {
        fprintf(stderr, "appsim demo: %s\n",
                argc > 1 ? "unexpected argument" : "--packets must be at least 100");
        return EXIT_USAGE;
    }
    return demo_queueing(stdout, (uint64_t)seed, (uint64_t)packets) ? EXIT_RUN : EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("appsim %s\n", APPSIM_VERSION);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "demo"))
        return cmd_demo(argc - 1, argv + 1);
    if (!strcmp(cmd, "http"))
        return cmd_http(argc - 1, argv + 1);
    if (!strcmp(cmd, "dns"))
        return cmd_dns(argc - 1, argv + 1);
    if (!strcmp(cmd, "smtp"))
        return cmd_smtp(argc - 1, argv + 1);
    if (!strcmp(cmd, "pop3"))
        return cmd_pop3(argc - 1, argv + 1);
    if (!strcmp(cmd, "imap"))
        return cmd_imap(argc - 1, argv + 1);
    if (!strcmp(cmd, "ftp"))
        return cmd_ftp(argc - 1, argv + 1);
    if (!strcmp(cmd, "p2p"))
        return cmd_p2p(argc - 1, argv + 1);
    if (!strcmp(cmd, "mail"))
        return cmd_mail(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "merge"))
        return cmd_merge(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "list"))
        return cmd_list(argc - 1, argv + 1);
    if (!strcmp(cmd, "plot"))
        return cmd_plot(argc - 1, argv + 1);
    if (!strcmp(cmd, "new"))
        return cmd_new(argc - 1, argv + 1);
    if (!strcmp(cmd, "homework"))
        return cmd_homework(argc - 1, argv + 1);
    if (!strcmp(cmd, "grade"))
        return cmd_grade(argc - 1, argv + 1);
    fprintf(stderr, "appsim: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
