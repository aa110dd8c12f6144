/*
 * smtp_cmd: `appsim smtp serve`, the mail server (protocols/smtp/
 * mail_server.h) on real sockets, delivering its domains' mail into a
 * Maildir tree (the shared mail store, protocols/mailstore/mail_store.h,
 * that POP3 and IMAP servers read too).
 *
 *   appsim smtp serve --domain D [--domain D]... --maildir DIR [--user NAME]...
 *                     [--port P] [--bind ADDR --allow-remote] [--greeting NAME]
 *                     [--relay-loopback [--route DOMAIN=HOST[:PORT]]...]
 *                     [--max-connections N] [--session-limit S] [--timeout S]
 *
 * It prints "listening on ADDR:PORT (...)" once it listens and runs until
 * SIGINT or SIGTERM (or --timeout seconds), then prints its counters on
 * stderr. Users are the folders of DIR (and those --user creates); mail
 * to another user of its domains is refused (550), mail to other domains
 * too (550 relay denied) unless --relay-loopback, and even then only from
 * clients on 127.0.0.1 or ::1. It binds loopback unless --bind names
 * another address together with --allow-remote. docs/mail.md,
 * "appsim smtp serve".
 *
 * The server delivers into the store itself (mail_store_deliver, before
 * its 250); a message that cannot be written is answered 451, so its
 * client keeps it and tries again.
 */
#define _POSIX_C_SOURCE 200809L /* lstat (g_lstat) */

#include "smtp_cmd.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_serve.h"
#include "hostio/real_host.h"
#include "protocols/mailstore/mail_store.h"
#include "protocols/smtp/mail_server.h"

enum { EXIT_OK = CLI_EXIT_OK, EXIT_RUN = CLI_EXIT_RUN, EXIT_USAGE = CLI_EXIT_USAGE };

#define SERVE_DEFAULT_PORT 2525
#define SERVE_DEFAULT_MAX_CONNECTIONS 64
#define SERVE_MAX_CONNECTIONS_LIMIT 1024
/* The longest an SMTP connection may last (seconds): ample for a 10 MB
 * message, and a client trickling bytes cannot keep its place for ever. */
#define SERVE_DEFAULT_SESSION_S 1800
/* Bytes buffered for writing per connection (replies are short). */
#define SERVE_SEND_BUFFER ((size_t)64 << 10)

typedef struct {
    gchar **domains, **users, **routes;
    gchar *maildir, *bind, *greeting;
    gint port, max_conn, timeout_s, session_s;
    gboolean relay_loopback, allow_remote;
} serve_opts;

static void serve_opts_clear(serve_opts *o)
{
    g_strfreev(o->domains);
    g_strfreev(o->users);
    g_strfreev(o->routes);
    g_free(o->maildir);
    g_free(o->bind);
    g_free(o->greeting);
}

/* The clients a relaying server relays for: this machine's loopback. */
static const char *const loopback_clients[] = {"127.0.0.1", "::1", NULL};

/* DOMAIN=HOST[:PORT] into a route (strings new). */
static bool parse_route(const char *s, mail_route *r)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1])
        return false;
    const char *h = eq + 1, *colon = strrchr(h, ':'), *hend = h + strlen(h);
    long port = 0;
    if (h[0] == '[') {
        const char *rb = strchr(h, ']');
        if (!rb || (rb[1] && rb[1] != ':'))
            return false;
        colon = rb[1] ? rb + 1 : NULL;
        hend = rb;
        h++;
    } else if (colon && strchr(h, ':') != colon) {
        return false;
    } else if (colon) {
        hend = colon;
    }
    if (colon) {
        char *end = NULL;
        port = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || port < 1 || port > 65535)
            return false;
    }
    if (hend == h)
        return false;
    r->domain = g_strndup(s, (gsize)(eq - s));
    r->host = g_strndup(h, (gsize)(hend - h));
    r->port = (uint16_t)port;
    return true;
}

static void routes_free(mail_route *routes)
{
    for (mail_route *r = routes; r && r->domain; r++) {
        g_free((char *)r->domain);
        g_free((char *)r->host);
    }
    g_free(routes);
}

/* What the options alone can tell; NULL when usable. */
static const char *check_opts(const serve_opts *o, int argc)
{
    if (argc > 1)
        return "unexpected argument";
    if (!o->domains || !o->domains[0])
        return "at least one --domain D is required";
    if (!o->maildir)
        return "--maildir DIR is required";
    if (o->max_conn < 1 || o->max_conn > SERVE_MAX_CONNECTIONS_LIMIT)
        return "--max-connections expects 1 to 1024";
    if (o->session_s < 1 || o->session_s > 86400)
        return "--session-limit expects 1 to 86400 seconds";
    for (gchar **d = o->domains; *d; d++)
        if (!**d || strpbrk(*d, " \t\r\n<>@,/"))
            return "--domain expects a domain name";
    if (o->routes && o->routes[0] && !o->relay_loopback)
        return "--route is for relaying: give --relay-loopback too";
    return cli_check_serve(o->port, o->timeout_s, o->bind, o->allow_remote);
}

/* Whether DIR/user is a Maildir: tmp/, new/ and cur/ directories, none
 * of them a symbolic link (a read-only look at start; the store writes
 * beneath its open handle of DIR). */
static bool is_maildir(const char *dir, const char *user)
{
    static const char *const subs[] = {"tmp", "new", "cur"};
    for (size_t i = 0; i < G_N_ELEMENTS(subs); i++) {
        char *path = g_build_filename(dir, user, subs[i], NULL);
        GStatBuf sb;
        bool ok = g_lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
        g_free(path);
        if (!ok)
            return false;
    }
    return true;
}

/* Creates the --user users that are missing and warns about the users
 * whose folder is no Maildir; false after a message. */
static bool prepare_users(mail_store *store, const char *dir, gchar **wanted)
{
    for (gchar **u = wanted; u && *u; u++) {
        GError *err = NULL;
        if (!mail_store_add_user(store, *u, NULL, &err) && !g_error_matches(err, MAIL_STORE_ERROR,
                                                                             MAIL_STORE_ERROR_EXISTS)) {
            fprintf(stderr, "appsim smtp serve: --user %s: %s\n", *u, err->message);
            g_error_free(err);
            return false;
        }
        g_clear_error(&err);
        if (!is_maildir(dir, *u)) {
            fprintf(stderr, "appsim smtp serve: --user %s: %s/%s exists but is not a Maildir (tmp/, new/, cur/)\n",
                    *u, dir, *u);
            return false;
        }
    }
    char **all = mail_store_users(store);
    for (char **u = all; *u; u++)
        if (!is_maildir(dir, *u))
            fprintf(stderr, "appsim smtp serve: %s/%s is not a Maildir (tmp/, new/, cur/): mail to %s is "
                    "answered 451 until it is one\n", dir, *u, *u);
    g_strfreev(all);
    return true;
}

static void print_stats(const mail_server *ms)
{
    const mail_server_counters *c = mail_server_counters_get(ms);
    fprintf(stderr,
            "smtp: %" G_GUINT64_FORMAT " connections (%" G_GUINT64_FORMAT " refused over the cap), %"
            G_GUINT64_FORMAT " recipients accepted, %" G_GUINT64_FORMAT " delivered to Maildir, %" G_GUINT64_FORMAT
            " relayed, %" G_GUINT64_FORMAT " bounced, %" G_GUINT64_FORMAT " still queued (dropped)\n",
            c->connections, c->connections_refused, c->accepted, c->delivered_local, c->relayed, c->bounced,
            c->queued);
}

/* Starts the server on `rh`, runs it until stopped; the exit status. */
static int run_server(const serve_opts *o, real_host_t *rh, mail_store *store, mail_route *routes)
{
    mail_server_config cfg = {
        .domains = (const char *const *)o->domains, .store = store,
        .relay_clients = o->relay_loopback ? loopback_clients : NULL, .routes = routes,
        .greeting = o->greeting, .max_connections = (unsigned)o->max_conn,
        .session_limit_ns = (int64_t)o->session_s * 1000000000, .port = (uint16_t)o->port,
        .any_port = o->port == 0};
    /* Without --bind the host keeps its default, 127.0.0.1 and ::1. */
    if (o->bind && !cli_set_bind(rh, "smtp serve", o->bind))
        return EXIT_USAGE;
    GError *err = NULL;
    mail_server *ms = mail_server_new(real_host_env(rh), &cfg, &err);
    if (!ms) {
        fprintf(stderr, "appsim smtp serve: %s\n", err ? err->message : "cannot start");
        g_clear_error(&err);
        return EXIT_RUN;
    }
    char *doms = g_strjoinv(", ", o->domains);
    char **users = mail_store_users(store);
    char *at = cli_host_port(o->bind, mail_server_port(ms));
    printf("listening on %s (domains %s; %u users; maildir %s; relaying %s)\n", at, doms, g_strv_length(users),
           o->maildir, o->relay_loopback ? "for loopback clients" : "refused");
    g_free(at);
    g_strfreev(users);
    g_free(doms);
    fflush(stdout);
    cli_serve_until_stopped(o->timeout_s);
    print_stats(ms);
    mail_server_free(ms);
    real_host_run_until_idle(rh, 2 * INT64_C(1000000000));
    return EXIT_OK;
}

static int start(const serve_opts *o)
{
    mail_route *routes = g_new0(mail_route, (o->routes ? g_strv_length(o->routes) : 0) + 1);
    size_t n = 0;
    for (gchar **r = o->routes; r && *r; r++, n++)
        if (!parse_route(*r, &routes[n])) {
            fprintf(stderr, "appsim smtp serve: --route expects DOMAIN=HOST[:PORT], got \"%s\"\n", *r);
            routes_free(routes);
            return EXIT_USAGE;
        }
    GError *err = NULL;
    mail_store *store = mail_store_open_maildir(o->maildir, &err);
    if (!store) {
        fprintf(stderr, "appsim smtp serve: %s\n", err->message);
        g_error_free(err);
        routes_free(routes);
        return EXIT_USAGE;
    }
    int rc = EXIT_USAGE;
    if (prepare_users(store, o->maildir, o->users)) {
        real_host_t *rh = real_host_new(NULL, "smtp");
        real_host_set_send_buffer(rh, SERVE_SEND_BUFFER);
        rc = run_server(o, rh, store, routes);
        real_host_free(rh);
    }
    mail_store_free(store);
    routes_free(routes);
    return rc;
}

static int cmd_serve(int argc, char **argv)
{
    serve_opts o = {.port = SERVE_DEFAULT_PORT, .max_conn = SERVE_DEFAULT_MAX_CONNECTIONS,
                    .session_s = SERVE_DEFAULT_SESSION_S};
    GOptionEntry entries[] = {
        {"domain", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &o.domains,
         "A domain whose mail it takes (repeatable; the first greets)", "D"},
        {"maildir", 'm', 0, G_OPTION_ARG_FILENAME, &o.maildir,
         "The Maildir tree: DIR/<user>/{tmp,new,cur}; its folders are the users", "DIR"},
        {"user", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &o.users, "Create the user's Maildir if missing (repeatable)",
         "NAME"},
        {"port", 'p', 0, G_OPTION_ARG_INT, &o.port, "The port (0: any free one; default 2525)", "P"},
        {"bind", 0, 0, G_OPTION_ARG_STRING, &o.bind,
         "Listen on this address alone (default 127.0.0.1 and ::1); not loopback: with --allow-remote", "ADDR"},
        {"allow-remote", 0, 0, G_OPTION_ARG_NONE, &o.allow_remote,
         "Let --bind name an address other hosts reach (relaying stays loopback only)", NULL},
        {"greeting", 0, 0, G_OPTION_ARG_STRING, &o.greeting, "The name in the 220 greeting (default the first domain)",
         "NAME"},
        {"relay-loopback", 0, 0, G_OPTION_ARG_NONE, &o.relay_loopback,
         "Relay mail for other domains from clients on 127.0.0.1 and ::1 (default: 550 for everyone)", NULL},
        {"route", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.routes,
         "Relay a domain's mail to this server (repeatable; others: the domain's own name, port 25)",
         "DOMAIN=HOST[:PORT]"},
        {"max-connections", 0, 0, G_OPTION_ARG_INT, &o.max_conn,
         "SMTP connections at once; beyond them 421 (default 64)", "N"},
        {"session-limit", 0, 0, G_OPTION_ARG_INT, &o.session_s,
         "The longest a connection may last, then 421 (default 1800)", "S"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_s, "Stop after S seconds (0: run until interrupted)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- a mail server delivering into Maildir folders");
    g_option_context_set_description(
        ctx, "Never an open relay: other domains are refused (550) unless --relay-loopback, and then\n"
             "only for clients on this machine. Limits: command line 512 bytes, text line 1000,\n"
             "message 10 MB, 100 recipients, 5 minutes idle, 30 minutes a connection.\n"
             "Exit status: 0 stopped (signal or --timeout); 1 cannot listen; 2 bad usage.\n"
             "docs/mail.md, \"appsim smtp serve\".\n");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc;
    if (!cli_parse(ctx, "smtp serve", &argc, &argv, &rc)) {
        serve_opts_clear(&o);
        return rc;
    }
    const char *problem = check_opts(&o, argc);
    if (problem) {
        rc = cli_usage_error(ctx, "smtp serve", problem);
        serve_opts_clear(&o);
        return rc;
    }
    g_option_context_free(ctx);
    rc = start(&o);
    serve_opts_clear(&o);
    return rc;
}

int cmd_smtp(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: appsim smtp serve --domain D [--domain D]... --maildir DIR [--user NAME]...\n"
                "                         [--port P] [--relay-loopback [--route DOMAIN=HOST[:PORT]]...]\n"
                "appsim smtp serve --help lists the options.\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(argc - 1, argv + 1);
    fprintf(stderr, "appsim smtp: unknown command \"%s\" (serve)\n", argv[1]);
    return EXIT_USAGE;
}
