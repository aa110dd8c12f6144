/*
 * ftp_serve: `appsim ftp serve`, the FTP server core (protocols/ftp) on
 * real sockets over a folder on disk.
 *
 *   appsim ftp serve --root DIR [--port P] [--bind ADDR [--allow-remote]]
 *                    [--users FILE [--anonymous]] [--write]
 *                    [--max-connections N] [--idle-timeout S]
 *                    [--data-timeout S] [--data-port P] [--timeout S]
 *
 * Without --users only anonymous logins ("anonymous" or "ftp", any
 * password), read-only. With --users the file's users log in (from
 * loopback clients only: the password travels in plain text), and
 * anonymous logins only with --anonymous. --write lets logged-in users
 * change the files (never anonymous ones); every path stays beneath the
 * root (ftp_fs's disk store: an open handle of the root, no symbolic
 * links followed). Passive data connections listen on the bind address;
 * PORT/EPRT may only name the control connection's peer (the core).
 * docs/ftp.md, "appsim ftp serve".
 */
#include "ftp_cmd.h"

#include <stdio.h>
#include <string.h>

#include "cli_serve.h"
#include "ftp_setup.h"
#include "hostio/real_host.h"
#include "protocols/ftp/ftp_conn.h"

#define FTP_SERVE_DEFAULT_PORT 2121
#define FTP_SERVE_DEFAULT_MAX_CONN 32
#define FTP_SERVE_MAX_CONN_LIMIT 1024
#define FTP_SERVE_BUSY "421 Too many connections, try again later\r\n"

typedef struct {
    gchar *root, *users, *bind;
    gint port, max_conn, idle_s, data_s, timeout_s, data_port;
    gboolean allow_remote, anonymous, write;
} serve_opts;

typedef struct {
    host_env *env;
    ftp_fs *fs;
    GHashTable *users; /* NULL: anonymous only */
    const serve_opts *o;
    GPtrArray *conns; /* ftp_server_conn *, unordered */
    uint64_t accepted, refused;
} ftp_server;

typedef struct {
    ftp_server *srv;
    ftp_server_conn *conn;
} serve_conn;

static void conn_free(serve_conn *sc)
{
    g_ptr_array_remove_fast(sc->srv->conns, sc);
    ftp_server_conn_free(sc->conn);
    g_free(sc);
}

static void on_closed(void *ud, ftp_server_conn *c, const char *why)
{
    (void)c;
    (void)why;
    conn_free(ud);
}

static void on_accept(void *ud, stream_t *s)
{
    ftp_server *srv = ud;
    srv->accepted++;
    if (srv->conns->len >= (guint)srv->o->max_conn) {
        srv->refused++;
        cli_turn_away(s, FTP_SERVE_BUSY);
        return;
    }
    /* Users' passwords only from loopback clients (plain text). */
    bool users = srv->users && cli_peer_is_loopback(s);
    ftp_server_config cfg = {.check = users ? ftp_users_check : NULL, .check_ud = users ? srv->users : NULL,
                             .anonymous = !srv->users || srv->o->anonymous};
    ftp_conn_options opts = {.idle_timeout_ns = (int64_t)srv->o->idle_s * 1000000000,
                             .data_timeout_ns = (int64_t)srv->o->data_s * 1000000000,
                             .data_port = srv->o->data_port};
    static const ftp_server_conn_handler h = {.closed = on_closed};
    serve_conn *sc = g_new0(serve_conn, 1);
    sc->srv = srv;
    g_ptr_array_add(srv->conns, sc);
    sc->conn = ftp_server_conn_new(srv->env, s, &cfg, srv->fs, &opts, &h, sc);
    if (!sc->conn) {
        g_ptr_array_remove_fast(srv->conns, sc);
        g_free(sc);
        stream_close(s);
    }
}

static void conn_shutdown(void *sc) { ftp_server_conn_shutdown(((serve_conn *)sc)->conn); }
static void conn_release(void *sc) { conn_free(sc); }

/* What the options alone can tell; NULL when usable. */
static const char *check_opts(const serve_opts *o, int argc)
{
    if (argc > 1)
        return "unexpected argument";
    if (!o->root)
        return "--root DIR is required";
    if (o->data_port < -1 || o->data_port > 65535)
        return "--data-port expects -1 (any), 0 (the control port - 1) or a port to 65535";
    if (o->max_conn < 1 || o->max_conn > FTP_SERVE_MAX_CONN_LIMIT)
        return "--max-connections expects 1 to 1024";
    if (o->idle_s < 1 || o->idle_s > 86400 || o->data_s < 1 || o->data_s > 3600)
        return "--idle-timeout expects 1 to 86400 seconds, --data-timeout 1 to 3600";
    if (o->write && !o->users)
        return "--write needs --users FILE (anonymous sessions never write)";
    if (o->anonymous && !o->users)
        return "--anonymous goes with --users (without a user file the server is anonymous anyway)";
    return cli_check_serve(o->port, o->timeout_s, o->bind, o->allow_remote);
}

static int run_server(ftp_server *srv, real_host_t *rh)
{
    const serve_opts *o = srv->o;
    host_listener *l;
    int rc = cli_listen(rh, "ftp serve", o->bind, o->port, on_accept, srv, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    char *at = cli_host_port(o->bind, host_listener_port(srv->env, l));
    printf("listening on %s (ftp; %s; %s)\n", at, srv->users ? "users from the user file" : "anonymous only",
           o->write ? "users may write" : "read-only");
    fflush(stdout);
    g_free(at);
    cli_serve_until_stopped(o->timeout_s);
    host_unlisten(srv->env, l);
    cli_shutdown_all(srv->conns, rh, conn_shutdown, conn_release);
    fprintf(stderr, "ftp: %" G_GUINT64_FORMAT " connections (%" G_GUINT64_FORMAT " refused over the cap)\n",
            srv->accepted, srv->refused);
    real_host_run_until_idle(rh, 2 * INT64_C(1000000000));
    return CLI_EXIT_OK;
}

static int start(const serve_opts *o)
{
    GError *err = NULL;
    ftp_server srv = {.o = o};
    if (o->users && !(srv.users = ftp_users_load(o->users, &err))) {
        fprintf(stderr, "appsim ftp serve: --users %s\n", err->message);
        g_error_free(err);
        return CLI_EXIT_USAGE;
    }
    if (!(srv.fs = ftp_fs_new_disk(o->root, !o->write, &err))) {
        fprintf(stderr, "appsim ftp serve: --root %s: %s\n", o->root, err->message);
        g_error_free(err);
        if (srv.users)
            g_hash_table_destroy(srv.users);
        return CLI_EXIT_USAGE;
    }
    real_host_t *rh = real_host_new(NULL, "ftp");
    srv.env = real_host_env(rh);
    srv.conns = g_ptr_array_new();
    int rc = run_server(&srv, rh);
    g_ptr_array_free(srv.conns, TRUE);
    real_host_free(rh);
    ftp_fs_free(srv.fs);
    if (srv.users)
        g_hash_table_destroy(srv.users);
    return rc;
}

int ftp_cmd_serve(int argc, char **argv)
{
    serve_opts o = {.port = FTP_SERVE_DEFAULT_PORT, .max_conn = FTP_SERVE_DEFAULT_MAX_CONN,
                    .idle_s = (int)(FTP_CONN_DEFAULT_IDLE_NS / 1000000000),
                    .data_s = (int)(FTP_CONN_DEFAULT_DATA_NS / 1000000000)};
    GOptionEntry entries[] = {
        {"root", 'r', 0, G_OPTION_ARG_FILENAME, &o.root, "The folder served; nothing outside it is reachable", "DIR"},
        {"port", 'p', 0, G_OPTION_ARG_INT, &o.port, "The control port (0: any free one; default 2121)", "P"},
        {"bind", 0, 0, G_OPTION_ARG_STRING, &o.bind,
         "Listen (control and passive data) on this address (default 127.0.0.1); not loopback: with --allow-remote",
         "ADDR"},
        {"allow-remote", 0, 0, G_OPTION_ARG_NONE, &o.allow_remote,
         "Let --bind name an address other hosts reach (their user logins stay refused)", NULL},
        {"users", 'u', 0, G_OPTION_ARG_FILENAME, &o.users,
         "Users and passwords, \"user:password\" lines; mode 600. Without it: anonymous only", "FILE"},
        {"anonymous", 0, 0, G_OPTION_ARG_NONE, &o.anonymous, "With --users: anonymous logins as well (read-only)",
         NULL},
        {"write", 'w', 0, G_OPTION_ARG_NONE, &o.write,
         "Let logged-in users store, append, rename, delete and make folders (needs --users)", NULL},
        {"data-port", 0, 0, G_OPTION_ARG_INT, &o.data_port,
         "Active (PORT/EPRT) data connections come from this port (default 0: the control port - 1, RFC 959; "
         "-1: any; a port it cannot bind falls back to any, logged)",
         "P"},
        {"max-connections", 0, 0, G_OPTION_ARG_INT, &o.max_conn,
         "Control connections at once; beyond them 421 and close (default 32)", "N"},
        {"idle-timeout", 0, 0, G_OPTION_ARG_INT, &o.idle_s,
         "Close a control connection silent this long (421; default 300)", "S"},
        {"data-timeout", 0, 0, G_OPTION_ARG_INT, &o.data_s,
         "Give up a data connection not made within S seconds (425; default 30)", "S"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_s, "Stop after S seconds (0: run until interrupted)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- an FTP server over a folder");
    g_option_context_set_description(
        ctx, "Anonymous read-only unless --users; writes only with --write, for users, beneath the root.\n"
             "PORT/EPRT only to the client's own address. Limits: command line 512 bytes, 10 refused\n"
             "commands, --idle-timeout, --data-timeout, --max-connections. SIGINT/SIGTERM stop it.\n"
             "Exit statuses: 0 stopped, 1 cannot listen, 2 usage (options, user file, root).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc;
    if (cli_parse(ctx, "ftp serve", &argc, &argv, &rc) && cli_checked(ctx, "ftp serve", check_opts(&o, argc), &rc))
        rc = start(&o);
    g_free(o.root);
    g_free(o.users);
    g_free(o.bind);
    return rc;
}
