/*
 * ftp_cmd: `appsim ftp get`, `ftp put` and `ftp ls`, the FTP client core
 * (protocols/ftp) on real sockets, and the dispatch of `appsim ftp`.
 *
 *   appsim ftp get URL [-o FILE] [--resume] [--active] [--ascii]
 *   appsim ftp put FILE URL [--append] [--active] [--ascii]
 *   appsim ftp ls URL [--names | --machine] [--active]
 *
 * URL: ftp://[user[:password]@]host[:port]/path (ftp_setup.h). Without a
 * user the login is anonymous. A user's password comes from the URL,
 * else from --password-file (its first line; the file must be mode 600),
 * else from APPSIM_FTP_PASSWORD. A file received is held in memory (64 MB
 * at most) and written once the server's final reply says it is whole.
 * Exit statuses: ftp_cmd.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "ftp_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access_cmd.h"
#include "cli_opts.h"
#include "ftp_setup.h"
#include "hostio/real_host.h"
#include "protocols/ftp/ftp_conn.h"

#define FTP_PASSWORD_ENV "APPSIM_FTP_PASSWORD"
#define FTP_MAX_PUT ((gsize)64 << 20)

typedef enum { CMD_GET, CMD_PUT, CMD_LS } client_cmd;

typedef struct {
    gchar *out, *password_file;
    gboolean resume, active, ascii, append, names, machine;
    gint timeout_s;
} client_opts;

/* One run of the client. */
typedef struct {
    client_cmd cmd;
    const client_opts *o;
    const char *out_path; /* get: where the file goes */
    GMainLoop *loop;
    int status;      /* FTP_EXIT_* once known */
    bool written;    /* get/ls: the data went out */
    bool timed_out;
} client_run;

/* get: the file received, written (appended with --resume) to out_path. */
static bool write_file(client_run *r, GBytes *data)
{
    gsize n = 0;
    const char *p = data ? g_bytes_get_data(data, &n) : "";
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (r->o->resume ? O_APPEND : O_TRUNC);
    int fd = strcmp(r->out_path, "-") ? open(r->out_path, flags, 0644) : dup(STDOUT_FILENO);
    bool ok = fd >= 0;
    while (ok && n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        p += ok ? w : 0;
        n -= ok ? (gsize)w : 0;
    }
    if (!ok)
        fprintf(stderr, "appsim ftp get: %s: %s\n", r->out_path, g_strerror(errno));
    if (fd >= 0 && close(fd) != 0 && ok) {
        fprintf(stderr, "appsim ftp get: %s: %s\n", r->out_path, g_strerror(errno));
        ok = false;
    }
    return ok;
}

static void on_completed(client_run *r, const ftp_client_event *ev)
{
    if (ev->op_kind == FTP_OP_GET) {
        if (!write_file(r, ev->data))
            r->status = FTP_EXIT_FAILED;
        else
            fprintf(stderr, "got %" G_GUINT64_FORMAT " bytes into %s\n", ev->stats.bytes, r->out_path);
    } else if (ev->op_kind == FTP_OP_LIST) {
        gsize n = 0;
        const char *p = ev->data ? g_bytes_get_data(ev->data, &n) : "";
        fwrite(p, 1, n, stdout);
        fflush(stdout);
    } else if (ev->op_kind == FTP_OP_PUT) {
        fprintf(stderr, "sent %" G_GUINT64_FORMAT " bytes (%d %s)\n", ev->stats.bytes, ev->code,
                ev->text ? ev->text : "");
    }
}

static void on_event(void *ud, ftp_client_conn *c, const ftp_client_event *ev)
{
    client_run *r = ud;
    (void)c;
    switch (ev->kind) {
    case FTP_CLIENT_EV_OP_COMPLETED:
        on_completed(r, ev);
        break;
    case FTP_CLIENT_EV_OP_FAILED:
        fprintf(stderr, "appsim ftp: %s failed: %d %s\n", ftp_client_op_name(ev->op_kind), ev->code,
                ev->text ? ev->text : "");
        if (r->status == FTP_EXIT_OK)
            r->status = ev->code >= 400 ? FTP_EXIT_REFUSED : FTP_EXIT_FAILED;
        break;
    case FTP_CLIENT_EV_DONE:
        if (ev->result == FTP_CLIENT_AUTH)
            r->status = FTP_EXIT_AUTH;
        else if (ev->result != FTP_CLIENT_OK && r->status == FTP_EXIT_OK)
            r->status = FTP_EXIT_FAILED;
        if (ev->result != FTP_CLIENT_OK)
            fprintf(stderr, "appsim ftp: session ended: %s%s%s\n", ftp_client_result_name(ev->result),
                    ev->text ? ": " : "", ev->text ? ev->text : "");
        break;
    default:
        break;
    }
}

static void on_closed(void *ud, ftp_client_conn *c)
{
    client_run *r = ud;
    (void)c;
    g_main_loop_quit(r->loop);
}

static gboolean on_deadline(gpointer ud)
{
    client_run *r = ud;
    r->timed_out = true;
    g_main_loop_quit(r->loop);
    return G_SOURCE_REMOVE;
}

/* Runs the session of `cfg` against the URL's server; an exit status. */
static int run_session(client_run *r, const ftp_url *u, const ftp_client_config *cfg)
{
    real_host_t *rh = real_host_new(NULL, "ftp-client");
    GError *err = NULL;
    static const ftp_client_conn_handler h = {.event = on_event, .closed = on_closed};
    ftp_conn_options opts = {0};
    r->loop = g_main_loop_new(NULL, FALSE);
    ftp_client_conn *c = ftp_client_conn_new(real_host_env(rh), u->host, (uint16_t)u->port, cfg, &opts, &h, r, &err);
    if (!c) {
        fprintf(stderr, "appsim ftp: %s:%d: %s\n", u->host, u->port, err ? err->message : "cannot connect");
        g_clear_error(&err);
        r->status = FTP_EXIT_FAILED;
    } else {
        guint t = g_timeout_add_seconds((guint)r->o->timeout_s, on_deadline, r);
        g_main_loop_run(r->loop);
        if (r->timed_out) {
            fprintf(stderr, "appsim ftp: no end after %d s (--timeout)\n", r->o->timeout_s);
            r->status = FTP_EXIT_FAILED;
        } else {
            g_source_remove(t);
        }
        ftp_client_conn_free(c);
    }
    real_host_run_until_idle(rh, INT64_C(1000000000));
    g_main_loop_unref(r->loop);
    real_host_free(rh);
    return r->status;
}

/* The password of the URL's user (NULL for anonymous): the URL's, the
 * file's, the environment's; false with a message when there is none. */
static bool find_password(const client_opts *o, ftp_url *u)
{
    if (!u->user || u->password || !g_ascii_strcasecmp(u->user, "anonymous") || !g_ascii_strcasecmp(u->user, "ftp"))
        return true;
    if (o->password_file) {
        GError *err = NULL;
        u->password = access_read_secret(o->password_file, &err);
        if (!u->password) {
            fprintf(stderr, "appsim ftp: --password-file %s\n", err->message);
            g_error_free(err);
        }
        return u->password != NULL;
    }
    const char *env = g_getenv(FTP_PASSWORD_ENV);
    if (env && *env && !strpbrk(env, "\r\n")) {
        u->password = g_strdup(env);
        return true;
    }
    fprintf(stderr, "appsim ftp: no password for %s: put it in the URL, --password-file F or " FTP_PASSWORD_ENV "\n",
            u->user);
    return false;
}

/* The operation of a get, put or ls; false (a usage problem printed)
 * when the URL or the local file does not fit. *keep: what `op` borrows. */
static bool build_op(client_run *r, const char *local, const ftp_url *u, ftp_client_op *op, char **keep,
                     GBytes **data)
{
    const client_opts *o = r->o;
    const char *base = strrchr(u->path, '/') ? strrchr(u->path, '/') + 1 : u->path;
    if (r->cmd == CMD_LS) {
        *op = (ftp_client_op){.kind = FTP_OP_LIST, .path = *u->path ? u->path : NULL, .names = o->names,
                               .machine = o->machine};
        return true;
    }
    if (r->cmd == CMD_GET) {
        if ((!*base || !strcmp(base, ".") || !strcmp(base, "..")) && !o->out) {
            fprintf(stderr, "appsim ftp get: the URL names a folder: give a file's path (or -o FILE)\n");
            return false;
        }
        r->out_path = o->out ? o->out : base;
        *op = (ftp_client_op){.kind = FTP_OP_GET, .path = u->path};
        struct stat sb;
        if (o->resume && strcmp(r->out_path, "-") && stat(r->out_path, &sb) == 0 && S_ISREG(sb.st_mode))
            op->offset = (uint64_t)sb.st_size;
        return true;
    }
    GError *err = NULL;
    char *text = NULL;
    gsize n = 0;
    struct stat sb;
    if (stat(local, &sb) == 0 && (gsize)sb.st_size > FTP_MAX_PUT) {
        fprintf(stderr, "appsim ftp put: %s: larger than 64 MB\n", local);
        return false;
    }
    if (!g_file_get_contents(local, &text, &n, &err)) {
        fprintf(stderr, "appsim ftp put: %s\n", err->message);
        g_error_free(err);
        return false;
    }
    *data = g_bytes_new_take(text, n);
    if (!*base) {
        char *b = g_path_get_basename(local);
        *keep = g_strconcat(u->path, b, NULL);
        g_free(b);
    }
    *op = (ftp_client_op){.kind = FTP_OP_PUT, .path = *keep ? *keep : u->path,
                          .data = g_bytes_get_data(*data, NULL), .size = n, .append = o->append};
    return true;
}

static int run_client(client_cmd cmd, const client_opts *o, const char *local, const char *url)
{
    ftp_url u;
    GError *err = NULL;
    if (!ftp_url_parse(url, &u, &err)) {
        fprintf(stderr, "appsim ftp: %s\n", err->message);
        g_error_free(err);
        return FTP_EXIT_USAGE;
    }
    client_run r = {.cmd = cmd, .o = o, .status = FTP_EXIT_OK};
    ftp_client_op op;
    char *keep = NULL;
    GBytes *data = NULL;
    int rc = FTP_EXIT_USAGE;
    if (find_password(o, &u) && build_op(&r, local, &u, &op, &keep, &data)) {
        ftp_client_config cfg = {.user = u.user, .password = u.password, .ascii = o->ascii, .ascii_to_lf = o->ascii,
                                 .active = o->active, .ops = &op, .n_ops = 1};
        rc = run_session(&r, &u, &cfg);
    }
    g_free(keep);
    if (data)
        g_bytes_unref(data);
    ftp_url_clear(&u);
    return rc;
}

static int client_command(client_cmd cmd, int argc, char **argv)
{
    static const char *const names[] = {"ftp get", "ftp put", "ftp ls"};
    static const char *const params[] = {"URL - fetch a file", "FILE URL - send a file", "URL - list a folder"};
    client_opts o = {.timeout_s = 120};
    GOptionEntry common[] = {
        {"active", 'a', 0, G_OPTION_ARG_NONE, &o.active, "Active mode (EPRT/PORT; the server connects back)", NULL},
        {"password-file", 'P', 0, G_OPTION_ARG_FILENAME, &o.password_file,
         "The user's password: the file's first line (mode 600); else " FTP_PASSWORD_ENV, "F"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_s, "Give up after S seconds (default 120)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionEntry get_e[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "Write the file here (\"-\": stdout; default: its name)", "FILE"},
        {"resume", 'c', 0, G_OPTION_ARG_NONE, &o.resume, "Continue a partial file (REST its size, then append)", NULL},
        {"ascii", 0, 0, G_OPTION_ARG_NONE, &o.ascii, "ASCII type (TYPE A; CRLF becomes LF)", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionEntry put_e[] = {
        {"append", 0, 0, G_OPTION_ARG_NONE, &o.append, "Append to the remote file (APPE)", NULL},
        {"ascii", 0, 0, G_OPTION_ARG_NONE, &o.ascii, "ASCII type (TYPE A)", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionEntry ls_e[] = {
        {"names", 'n', 0, G_OPTION_ARG_NONE, &o.names, "Names only (NLST instead of LIST)", NULL},
        {"machine", 'm', 0, G_OPTION_ARG_NONE, &o.machine, "Facts per entry (MLSD, RFC 3659, instead of LIST)",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new(params[cmd]);
    g_option_context_set_description(
        ctx, "URL: ftp://[user[:password]@]host[:port]/path (no user: anonymous). Passive unless --active.\n"
             "Exit statuses: 0 done, 1 failed (connection, timeout, protocol, local file), 2 usage,\n"
             "3 login refused, 4 the server refused the operation.");
    g_option_context_add_main_entries(ctx, common, NULL);
    g_option_context_add_main_entries(ctx, cmd == CMD_GET ? get_e : cmd == CMD_PUT ? put_e : ls_e, NULL);
    int rc, want = cmd == CMD_PUT ? 3 : 2;
    if (cli_parse(ctx, names[cmd], &argc, &argv, &rc)) {
        if (argc != want) {
            rc = cli_usage_error(ctx, names[cmd], argc < want ? "missing argument" : "unexpected argument");
        } else if (o.timeout_s < 1) {
            rc = cli_usage_error(ctx, names[cmd], "--timeout expects at least 1 second");
        } else {
            g_option_context_free(ctx);
            rc = run_client(cmd, &o, cmd == CMD_PUT ? argv[1] : NULL, argv[want - 1]);
        }
    }
    g_free(o.out);
    g_free(o.password_file);
    return rc;
}

int cmd_ftp(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: appsim ftp serve --root DIR [--users FILE] [--write] [--port P] [--bind ADDR]\n"
                "       appsim ftp get URL [-o FILE] [--resume] [--active] [--ascii]\n"
                "       appsim ftp put FILE URL [--append] [--active] [--ascii]\n"
                "       appsim ftp ls URL [--names | --machine] [--active]\n"
                "appsim ftp COMMAND --help lists the options.\n");
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "serve"))
        return ftp_cmd_serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "get"))
        return client_command(CMD_GET, argc - 1, argv + 1);
    if (!strcmp(argv[1], "put"))
        return client_command(CMD_PUT, argc - 1, argv + 1);
    if (!strcmp(argv[1], "ls"))
        return client_command(CMD_LS, argc - 1, argv + 1);
    fprintf(stderr, "appsim ftp: unknown command \"%s\" (serve, get, put, ls)\n", argv[1]);
    return CLI_EXIT_USAGE;
}
