/*
 * access_cmd: `appsim pop3 serve` and `appsim imap serve`: a POP3 or an
 * IMAP server on real sockets (the protocol cores' stream glue,
 * protocols/pop3/pop3_conn.h and protocols/imap/imap_conn.h, on
 * hostio/real_host) over a Maildir tree that `appsim smtp serve`
 * delivers into, several processes at once.
 *
 *   appsim pop3 serve --maildir DIR --users FILE [--port P] [--bind ADDR
 *                     --allow-remote] [--max-connections N] [--timeout S]
 *
 * The two servers share everything here but the protocol: a table of
 * three functions (start a connection, shut it down, free it) and a few
 * constants (default port, idle timeout, the line that turns away a
 * client over the connection cap).
 *
 * Safety (docs/mail.md, "appsim pop3 serve and appsim imap serve"):
 * loopback unless --bind names another address with --allow-remote; a
 * plain-text login (USER/PASS, LOGIN) is refused on every connection
 * whose peer is not a loopback address (there is no TLS); at most
 * --max-connections connections (64), each closed after its idle
 * timeout; passwords only from a user file nobody else may read.
 *
 * Ownership: the server owns its connections (an access_conn each, in
 * `conns`); a connection is freed from its protocol's closed() callback,
 * which is the last thing the glue does with it.
 */
#define _POSIX_C_SOURCE 200809L /* O_NOFOLLOW, fstat */

#include "access_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_serve.h"
#include "hostio/real_host.h"
#include "protocols/imap/imap_conn.h"
#include "protocols/pop3/pop3_conn.h"

#define ACCESS_DEFAULT_MAX_CONNECTIONS 64
#define ACCESS_MAX_CONNECTIONS_LIMIT 1024
#define ACCESS_MAX_USER_FILE ((size_t)1 << 20) /* bytes */
#define ACCESS_SEND_BUFFER ((size_t)256 << 10)  /* bytes buffered for writing per connection */

typedef struct access_server access_server;

typedef struct {
    access_server *srv;
    void *conn; /* the protocol's connection (pop3_server_conn, imap_conn) */
} access_conn;

typedef struct {
    const char *name;       /* "pop3" */
    const char *summary;    /* the help's first line */
    int default_port;       /* 110 */
    int64_t idle_ns;        /* the inactivity timeout */
    const char *busy_line;  /* written to a client over the cap, then closed */
    /* Starts the protocol on an accepted stream; false when it cannot. */
    bool (*open)(access_conn *ac, stream_t *s, bool plaintext_ok);
    void (*shutdown)(void *conn);
    void (*free)(void *conn);
} access_proto;

typedef struct {
    gchar *maildir, *users, *bind;
    gint port, max_conn, timeout_s;
    gboolean allow_remote;
} access_opts;

struct access_server {
    const access_proto *proto;
    host_env *env;
    mail_store *store;
    GPtrArray *conns; /* access_conn *, unordered */
    unsigned max_conn;
    uint64_t accepted, refused, logins, login_failures; /* accepted: every connection, refused ones too */
};

/* ---- the user file ---- */

/* Opens `path` without following a final symbolic link and checks that
 * it is a regular file only its owner may read or write. -1 with `err`. */
static int open_private(const char *path, struct stat *sb, GError **err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path, g_strerror(errno));
        return -1;
    }
    const char *why = NULL;
    if (fstat(fd, sb) != 0)
        why = g_strerror(errno);
    else if (!S_ISREG(sb->st_mode))
        why = "not a regular file";
    else if (sb->st_mode & 077)
        why = "group or others may read or write it (chmod 600 it: it holds passwords)";
    else if ((size_t)sb->st_size > ACCESS_MAX_USER_FILE)
        why = "larger than 1 MB";
    if (why) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_PERM, "%s: %s", path, why);
        close(fd);
        return -1;
    }
    return fd;
}

/* The whole of a private file (NUL-terminated), NULL with `err`. */
char *access_read_private(const char *path, GError **err)
{
    struct stat sb;
    int fd = open_private(path, &sb, err);
    if (fd < 0)
        return NULL;
    size_t cap = (size_t)sb.st_size + 1, len = 0;
    char *buf = g_malloc(cap);
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path, g_strerror(errno));
            g_free(buf);
            close(fd);
            return NULL;
        }
        len += (size_t)n;
        if (n == 0 || len == cap - 1)
            break;
    }
    close(fd);
    buf[len] = '\0';
    return buf;
}

char *access_read_secret(const char *path, GError **err)
{
    char *all = access_read_private(path, err);
    if (!all)
        return NULL;
    all[strcspn(all, "\r\n")] = '\0';
    return all;
}

/* One line "user:password" (already without its line end) into the
 * store; false with `err` naming the line. */
static bool add_user_line(void *ud, const char *path, unsigned lineno, const char *line, GError **err)
{
    mail_store *store = ud;
    const char *colon = strchr(line, ':');
    if (!colon || colon == line || !colon[1]) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: expected user:password", path, lineno);
        return false;
    }
    char *user = g_strndup(line, (gsize)(colon - line));
    bool ok = mail_store_set_password(store, user, colon + 1);
    GError *e = NULL;
    if (!ok && !(ok = mail_store_add_user(store, user, colon + 1, &e))) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: user \"%s\": %s", path, lineno, user,
                    e->message);
        g_error_free(e);
    }
    g_free(user);
    return ok;
}

bool access_read_user_lines(const char *path, access_line_fn fn, void *ud, GError **err)
{
    char *all = access_read_private(path, err);
    if (!all)
        return false;
    bool ok = true;
    unsigned lineno = 0;
    for (char *line = all, *next; ok && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (n && line[0] != '#')
            ok = fn(ud, path, lineno, line, err);
    }
    g_free(all);
    return ok;
}

bool access_load_users(mail_store *store, const char *path, GError **err)
{
    return access_read_user_lines(path, add_user_line, store, err);
}

/* ---- connections ---- */

static void conn_closed(access_conn *ac)
{
    access_server *srv = ac->srv;
    g_ptr_array_remove_fast(srv->conns, ac);
    srv->proto->free(ac->conn);
    g_free(ac);
}

static void on_accept(void *ud, stream_t *s)
{
    access_server *srv = ud;
    srv->accepted++; /* every connection, those turned away included */
    if (srv->conns->len >= srv->max_conn) {
        srv->refused++;
        cli_turn_away(s, srv->proto->busy_line);
        return;
    }
    access_conn *ac = g_new0(access_conn, 1);
    ac->srv = srv;
    g_ptr_array_add(srv->conns, ac);
    if (!srv->proto->open(ac, s, cli_peer_is_loopback(s))) {
        g_ptr_array_remove_fast(srv->conns, ac);
        g_free(ac);
        stream_close(s);
    }
}

/* For cli_shutdown_all: each connection says goodbye where its protocol
 * has a word for it and frees itself from its closed(); those still open
 * after two seconds are freed (their streams closed) by conn_release. */
static void conn_shutdown(void *conn)
{
    access_conn *ac = conn;
    ac->srv->proto->shutdown(ac->conn);
}
static void conn_release(void *conn) { conn_closed(conn); }

/* ---- POP3 ---- */

static void pop3_login(void *ud, pop3_server_conn *c, const char *user, bool ok)
{
    access_conn *ac = ud;
    (void)c;
    (void)user;
    if (ok)
        ac->srv->logins++;
    else
        ac->srv->login_failures++;
}

static void pop3_closed(void *ud, pop3_server_conn *c, const char *why)
{
    (void)c;
    (void)why;
    conn_closed(ud);
}

static bool pop3_open(access_conn *ac, stream_t *s, bool plaintext_ok)
{
    static const pop3_server_conn_handler h = {.login = pop3_login, .closed = pop3_closed};
    pop3_server_config cfg = {.refuse_plaintext = !plaintext_ok};
    ac->conn = pop3_server_conn_new(ac->srv->env, s, &cfg, ac->srv->store, &h, ac, ac->srv->proto->idle_ns);
    return ac->conn != NULL;
}

static void pop3_shutdown(void *conn) { pop3_server_conn_shutdown(conn); }
static void pop3_free(void *conn) { pop3_server_conn_free(conn); }

static const access_proto pop3_proto = {
    .name = "pop3", .summary = "- a POP3 server over a Maildir tree", .default_port = 110, .idle_ns = POP3_CONN_DEFAULT_IDLE_NS,
    .busy_line = "-ERR [SYS/TEMP] too many connections, try again later\r\n",
    .open = pop3_open, .shutdown = pop3_shutdown, .free = pop3_free};

/* ---- IMAP ---- */

static void imap_closed(void *ud, imap_server_conn *c, const char *why)
{
    (void)c;
    (void)why;
    conn_closed(ud);
}

static bool imap_open(access_conn *ac, stream_t *s, bool plaintext_ok)
{
    static const imap_server_conn_handler h = {.closed = imap_closed};
    imap_server_config cfg = {.login_disabled = !plaintext_ok};
    ac->conn = imap_server_conn_new(ac->srv->env, s, &cfg, ac->srv->store, &h, ac, ac->srv->proto->idle_ns);
    return ac->conn != NULL;
}

static void imap_shutdown(void *conn) { imap_server_conn_shutdown(conn); }
static void imap_free(void *conn) { imap_server_conn_free(conn); }

static const access_proto imap_proto = {
    .name = "imap", .summary = "- an IMAP server over a Maildir tree", .default_port = 143, .idle_ns = IMAP_CONN_DEFAULT_IDLE_NS,
    .busy_line = "* BYE too many connections, try again later\r\n",
    .open = imap_open, .shutdown = imap_shutdown, .free = imap_free};

/* ---- serving ---- */

/* What the options alone can tell; NULL when usable. */
static const char *check_opts(const access_opts *o, int argc)
{
    if (argc > 1)
        return "unexpected argument";
    if (!o->maildir)
        return "--maildir DIR is required";
    if (!o->users)
        return "--users FILE is required (lines user:password, mode 600)";
    if (o->max_conn < 1 || o->max_conn > ACCESS_MAX_CONNECTIONS_LIMIT)
        return "--max-connections expects 1 to 1024";
    return cli_check_serve(o->port, o->timeout_s, o->bind, o->allow_remote);
}

static int run_server(const access_proto *p, const access_opts *o, real_host_t *rh, mail_store *store)
{
    access_server srv = {.proto = p, .env = real_host_env(rh), .store = store,
                         .conns = g_ptr_array_new(), .max_conn = (unsigned)o->max_conn};
    char *cmd = g_strdup_printf("%s serve", p->name);
    host_listener *l;
    int rc = cli_listen(rh, cmd, o->bind, o->port, on_accept, &srv, &l);
    g_free(cmd);
    if (rc != CLI_EXIT_OK) {
        g_ptr_array_free(srv.conns, TRUE);
        return rc;
    }
    char **users = mail_store_users(store);
    char *at = cli_host_port(o->bind, host_listener_port(srv.env, l));
    printf("listening on %s (%s; %u users; maildir %s; plain-text login for loopback clients only)\n", at, p->name,
           g_strv_length(users), o->maildir);
    g_free(at);
    g_strfreev(users);
    fflush(stdout);
    cli_serve_until_stopped(o->timeout_s);
    host_unlisten(srv.env, l);
    cli_shutdown_all(srv.conns, rh, conn_shutdown, conn_release);
    fprintf(stderr, "%s: %" G_GUINT64_FORMAT " connections (%" G_GUINT64_FORMAT " refused over the cap)", p->name,
            srv.accepted, srv.refused);
    if (p == &pop3_proto)
        fprintf(stderr, ", %" G_GUINT64_FORMAT " logins, %" G_GUINT64_FORMAT " failed logins", srv.logins,
                srv.login_failures);
    fputc('\n', stderr);
    real_host_run_until_idle(rh, 2 * INT64_C(1000000000));
    g_ptr_array_free(srv.conns, TRUE);
    return CLI_EXIT_OK;
}

static int start(const access_proto *p, const access_opts *o)
{
    GError *err = NULL;
    mail_store *store = mail_store_open_maildir(o->maildir, &err);
    if (!store) {
        fprintf(stderr, "appsim %s serve: %s\n", p->name, err->message);
        g_error_free(err);
        return CLI_EXIT_USAGE;
    }
    int rc = CLI_EXIT_USAGE;
    if (!access_load_users(store, o->users, &err)) {
        fprintf(stderr, "appsim %s serve: --users %s\n", p->name, err->message);
        g_error_free(err);
    } else {
        real_host_t *rh = real_host_new(NULL, p->name);
        real_host_set_send_buffer(rh, ACCESS_SEND_BUFFER);
        rc = run_server(p, o, rh, store);
        real_host_free(rh);
    }
    mail_store_free(store);
    return rc;
}

static int cmd_serve(const access_proto *p, const char *limits, int argc, char **argv)
{
    access_opts o = {.port = p->default_port, .max_conn = ACCESS_DEFAULT_MAX_CONNECTIONS};
    char *port_help = g_strdup_printf("The port (0: any free one; default %d)", p->default_port);
    GOptionEntry entries[] = {
        {"maildir", 'm', 0, G_OPTION_ARG_FILENAME, &o.maildir,
         "The Maildir tree: DIR/<user>/{tmp,new,cur} (the one appsim smtp serve delivers into)", "DIR"},
        {"users", 'u', 0, G_OPTION_ARG_FILENAME, &o.users,
         "Users and passwords, \"user:password\" lines; mode 600 (others may not read it)", "FILE"},
        {"port", 'p', 0, G_OPTION_ARG_INT, &o.port, port_help, "P"},
        {"bind", 0, 0, G_OPTION_ARG_STRING, &o.bind,
         "Listen on this address (default 127.0.0.1); not loopback: with --allow-remote", "ADDR"},
        {"allow-remote", 0, 0, G_OPTION_ARG_NONE, &o.allow_remote,
         "Let --bind name an address other hosts reach (their plain-text logins stay refused)", NULL},
        {"max-connections", 0, 0, G_OPTION_ARG_INT, &o.max_conn,
         "Connections at once; beyond them the client is turned away (default 64)", "N"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_s, "Stop after S seconds (0: run until interrupted)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new(p->summary);
    g_option_context_set_description(ctx, limits);
    g_option_context_add_main_entries(ctx, entries, NULL);
    char *cmd = g_strdup_printf("%s serve", p->name);
    int rc;
    if (cli_parse(ctx, cmd, &argc, &argv, &rc) && cli_checked(ctx, cmd, check_opts(&o, argc), &rc))
        rc = start(p, &o);
    g_free(cmd);
    g_free(port_help);
    g_free(o.maildir);
    g_free(o.users);
    g_free(o.bind);
    return rc;
}

static int dispatch(const access_proto *p, const char *limits, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: appsim %s serve --maildir DIR --users FILE [--port P] [--bind ADDR --allow-remote]\n"
                "appsim %s serve --help lists the options; appsim mail read reads a mailbox.\n",
                p->name, p->name);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(p, limits, argc - 1, argv + 1);
    fprintf(stderr, "appsim %s: unknown command \"%s\" (serve)\n", p->name, argv[1]);
    return CLI_EXIT_USAGE;
}

int cmd_pop3(int argc, char **argv)
{
    return dispatch(&pop3_proto,
                    "Plain-text login (USER/PASS) only for clients on 127.0.0.1 or ::1 (there is no TLS);\n"
                    "APOP for everyone. Limits: command line 255 bytes, 10 bad commands, 10 minutes idle,\n"
                    "64 connections (--max-connections). Deletions happen only at QUIT.\n"
                    "Exit status: 0 stopped (signal or --timeout); 1 cannot listen; 2 bad usage or user file.\n"
                    "docs/mail.md, \"appsim pop3 serve and appsim imap serve\".\n",
                    argc, argv);
}

int cmd_imap(int argc, char **argv)
{
    return dispatch(&imap_proto,
                    "Plain-text login (LOGIN) only for clients on 127.0.0.1 or ::1 (there is no TLS: others\n"
                    "see LOGINDISABLED). Limits: command line 8 KB outside literals, literal 10 MB (1 KB\n"
                    "before login), 10 bad commands in a row, 30 minutes idle, 64 connections\n"
                    "(--max-connections). Flags stored are durable; only EXPUNGE removes messages.\n"
                    "Exit status: 0 stopped (signal or --timeout); 1 cannot listen; 2 bad usage or user file.\n"
                    "docs/mail.md, \"appsim pop3 serve and appsim imap serve\".\n",
                    argc, argv);
}
