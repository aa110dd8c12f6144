/*
 * mail_read: `appsim mail read`, a mail reader on real sockets.
 *
 *   appsim mail read pop3://USER@HOST[:PORT] [--password-file F]
 *                    [--keep | --delete] [--out DIR] [--known FILE]
 *
 * The password comes from --password-file (its first line; the file must
 * be private, mode 600) or from the environment variable
 * APPSIM_MAIL_PASSWORD; never from the command line, which other users
 * of the machine can see. Each message retrieved is printed as one line
 * ("message N uidl U: S bytes, Subject: ..."); with --out it is written
 * to DIR/<unique id>.eml (created exclusively beneath an open handle of
 * DIR, the name made of the id's letters, digits, '.', '-' and '_').
 * --known FILE lists the unique ids already downloaded, one a line: the
 * POP3 client core skips them (RETR not sent), and every id newly
 * written to --out is appended to it. --keep (the default) leaves the
 * messages on the server; --delete deletes the ones retrieved or already
 * known (at QUIT).
 *
 * Exit statuses: mail_read.h.
 */
#define _POSIX_C_SOURCE 200809L /* openat */

#include "mail_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access_cmd.h"
#include "cli_opts.h"
#include "hostio/real_host.h"
#include "protocols/imap/imap_conn.h"
#include "protocols/pop3/pop3_conn.h"

#define MAIL_READ_PASSWORD_ENV "APPSIM_MAIL_PASSWORD"
#define MAIL_READ_MAX_KNOWN_FILE ((gsize)16 << 20) /* bytes */

typedef struct {
    gchar *password_file, *out, *known;
    gboolean keep, del;
} read_opts;

/* What the URL names. */
typedef struct {
    bool imap;
    char *user, *host, *folder; /* folder: IMAP only, NULL: INBOX */
    uint16_t port;
} read_target;

/* One run of the reader. */
typedef struct {
    GMainLoop *loop;
    int out_fd;         /* -1 without --out */
    FILE *known;        /* appended to, NULL without --known */
    unsigned written, failed_writes;
    int status;         /* MAIL_READ_EXIT_* once done */
} reader;

static void target_clear(read_target *t)
{
    g_free(t->user);
    g_free(t->host);
    g_free(t->folder);
}

/* pop3://USER@HOST[:PORT] or imap://USER@HOST[:PORT][/FOLDER]; false
 * with a message in *why. */
static bool parse_target(const char *url, read_target *t, const char **why)
{
    GUri *u = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    *why = "expected pop3://USER@HOST[:PORT] or imap://USER@HOST[:PORT][/FOLDER]";
    if (!u)
        return false;
    const char *scheme = g_uri_get_scheme(u), *user = g_uri_get_user(u), *host = g_uri_get_host(u);
    const char *path = g_uri_get_path(u);
    int port = g_uri_get_port(u);
    bool ok = scheme && (!g_ascii_strcasecmp(scheme, "pop3") || !g_ascii_strcasecmp(scheme, "imap")) && user &&
              *user && host && *host && !g_uri_get_query(u);
    if (ok) {
        t->imap = !g_ascii_strcasecmp(scheme, "imap");
        if (path && *path && strcmp(path, "/")) {
            if (!t->imap)
                *why = "a pop3:// URL names no folder";
            ok = t->imap;
            t->folder = ok ? g_strdup(path + 1) : NULL;
        }
    }
    if (ok) {
        t->user = g_strdup(user);
        t->host = g_strdup(host);
        t->port = (uint16_t)(port > 0 ? port : t->imap ? 143 : 110);
    }
    g_uri_unref(u);
    return ok;
}

/* The known unique ids (NULL-terminated, possibly empty); NULL with
 * `err` when the file exists but cannot be read. */
static char **read_known(const char *path, GError **err)
{
    char *text = NULL;
    gsize len = 0;
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return g_new0(char *, 1);
    if (!g_file_get_contents(path, &text, &len, err))
        return NULL;
    if (len > MAIL_READ_MAX_KNOWN_FILE) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: larger than 16 MB", path);
        g_free(text);
        return NULL;
    }
    char **lines = g_strsplit_set(text, "\r\n", -1);
    g_free(text);
    GPtrArray *ids = g_ptr_array_new();
    for (char **l = lines; *l; l++)
        if (**l)
            g_ptr_array_add(ids, g_strdup(*l));
    g_strfreev(lines);
    g_ptr_array_add(ids, NULL);
    return (char **)g_ptr_array_free(ids, FALSE);
}

/* A file name from a unique id: its safe bytes, others as '_'. */
static char *file_name_for(const char *id)
{
    GString *s = g_string_new(NULL);
    for (const char *p = id; *p && s->len < 200; p++)
        g_string_append_c(s, g_ascii_isalnum(*p) || *p == '-' || *p == '_' || (*p == '.' && p != id) ? *p : '_');
    g_string_append(s, ".eml");
    return g_string_free(s, FALSE);
}

/* Writes a message beneath --out (exclusively: an existing file is an
 * error); false after a message on stderr. */
static bool write_message(reader *r, const char *id, GBytes *data)
{
    char *name = file_name_for(id);
    int fd = openat(r->out_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    gsize len = 0;
    const char *p = g_bytes_get_data(data, &len);
    bool ok = fd >= 0;
    while (ok && len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        if (ok) {
            p += n;
            len -= (gsize)n;
        }
    }
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "appsim mail read: --out: %s: %s\n", name, g_strerror(errno));
    g_free(name);
    return ok;
}

/* The Subject of a message (its first line only), for the summary; new. */
static char *subject_of(GBytes *data)
{
    gsize len = 0;
    const char *p = g_bytes_get_data(data, &len), *end = p + len;
    for (const char *line = p; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = (size_t)((nl ? nl : end) - line);
        if (n && line[n - 1] == '\r')
            n--;
        if (!n)
            break;
        if (n >= 8 && !g_ascii_strncasecmp(line, "Subject:", 8))
            return g_strstrip(g_strndup(line + 8, n - 8));
        line = nl ? nl + 1 : end;
    }
    return g_strdup("");
}

/* A message arrived: print it, write it, note it as known. */
static void got_message(reader *r, uint32_t number, const char *id, GBytes *data)
{
    char *subject = subject_of(data);
    printf("message %u uid %s: %" G_GSIZE_FORMAT " bytes, Subject: %s\n", number, id, g_bytes_get_size(data),
           subject);
    g_free(subject);
    if (r->out_fd >= 0) {
        if (!write_message(r, id, data)) {
            r->failed_writes++;
            return;
        }
        r->written++;
        if (r->known) {
            fprintf(r->known, "%s\n", id);
            fflush(r->known);
        }
    }
}

/* ---- POP3 ---- */

static void pop3_event(void *ud, pop3_client_conn *c, const pop3_client_event *ev)
{
    reader *r = ud;
    (void)c;
    switch (ev->kind) {
    case POP3_CLIENT_EV_MESSAGE: {
        char num[16];
        g_snprintf(num, sizeof num, "%u", ev->number);
        got_message(r, ev->number, ev->uidl ? ev->uidl : num, ev->data);
        break;
    }
    case POP3_CLIENT_EV_SKIPPED:
        printf("skipped %u uid %s: %s\n", ev->number, ev->uidl ? ev->uidl : "-", ev->text ? ev->text : "");
        break;
    case POP3_CLIENT_EV_DELETED:
        printf("deleted %u\n", ev->number);
        break;
    case POP3_CLIENT_EV_DONE:
        r->status = ev->result == POP3_CLIENT_OK     ? MAIL_READ_EXIT_OK
                    : ev->result == POP3_CLIENT_AUTH ? MAIL_READ_EXIT_AUTH
                                                     : MAIL_READ_EXIT_FAILED;
        printf("done: %s%s%s\n", pop3_client_result_name(ev->result), ev->text ? ": " : "", ev->text ? ev->text : "");
        break;
    default:
        break;
    }
}

static void pop3_closed(void *ud, pop3_client_conn *c)
{
    (void)c;
    g_main_loop_quit(((reader *)ud)->loop);
}

static int read_pop3(reader *r, host_env *env, const read_target *t, const char *password, const read_opts *o,
                     char **known)
{
    pop3_client_config cfg = {.user = t->user, .password = password,
                              .mode = o->del ? POP3_MODE_DELETE : POP3_MODE_KEEP,
                              .known_uidls = (const char *const *)known};
    static const pop3_client_conn_handler h = {.event = pop3_event, .closed = pop3_closed};
    GError *err = NULL;
    pop3_client_conn *c = pop3_client_conn_new(env, t->host, t->port, &cfg, &h, r, 0, &err);
    if (!c) {
        fprintf(stderr, "appsim mail read: %s\n", err ? err->message : "cannot connect");
        g_clear_error(&err);
        return MAIL_READ_EXIT_FAILED;
    }
    g_main_loop_run(r->loop);
    pop3_client_conn_free(c);
    return r->status;
}

/* ---- IMAP ---- */

/* Whether `id` is among the known ids (O(known)). */
static bool is_known(char **known, const char *id)
{
    for (char **k = known; k && *k; k++)
        if (!strcmp(*k, id))
            return true;
    return false;
}

typedef struct {
    reader *r;
    char **known;
} imap_reader;

static void imap_event(void *ud, imap_client_conn *c, const imap_client_event *ev)
{
    imap_reader *ir = ud;
    (void)c;
    if (ev->kind == IMAP_CLIENT_EV_MESSAGE) {
        char id[16];
        g_snprintf(id, sizeof id, "%u", ev->uid);
        if (is_known(ir->known, id))
            printf("skipped uid %s: known\n", id);
        else
            got_message(ir->r, ev->uid, id, ev->data);
    } else if (ev->kind == IMAP_CLIENT_EV_DONE) {
        const char *text = ev->text ? ev->text : "";
        /* The core's text for a refused LOGIN: "LOGIN answered NO ...". */
        bool auth = !ev->ok && g_str_has_prefix(text, "LOGIN answered NO");
        ir->r->status = ev->ok ? MAIL_READ_EXIT_OK : auth ? MAIL_READ_EXIT_AUTH : MAIL_READ_EXIT_FAILED;
        printf("done: %s%s%s\n", ev->ok ? "ok" : auth ? "auth" : "failed", *text ? ": " : "", text);
    }
}

static void imap_closed(void *ud, imap_client_conn *c)
{
    (void)c;
    g_main_loop_quit(((imap_reader *)ud)->r->loop);
}

static int read_imap(reader *r, host_env *env, const read_target *t, const char *password, const read_opts *o,
                     char **known)
{
    imap_client_config cfg = {.user = t->user, .password = password, .folder = t->folder,
                              .delete_after = o->del};
    static const imap_client_conn_handler h = {.event = imap_event, .closed = imap_closed};
    imap_reader ir = {.r = r, .known = known};
    GError *err = NULL;
    imap_client_conn *c = imap_client_conn_new(env, t->host, t->port, &cfg, &h, &ir, 0, &err);
    if (!c) {
        fprintf(stderr, "appsim mail read: %s\n", err ? err->message : "cannot connect");
        g_clear_error(&err);
        return MAIL_READ_EXIT_FAILED;
    }
    g_main_loop_run(r->loop);
    imap_client_conn_free(c);
    return r->status;
}

/* ---- the command ---- */

/* The password: --password-file's first line or the environment; NULL
 * after a message. */
static char *get_password(const read_opts *o)
{
    if (o->password_file) {
        GError *err = NULL;
        char *pw = access_read_secret(o->password_file, &err);
        if (!pw) {
            fprintf(stderr, "appsim mail read: --password-file %s\n", err->message);
            g_error_free(err);
        }
        return pw;
    }
    const char *env = g_getenv(MAIL_READ_PASSWORD_ENV);
    if (env)
        return g_strdup(env);
    fprintf(stderr, "appsim mail read: no password: give --password-file F or set " MAIL_READ_PASSWORD_ENV "\n");
    return NULL;
}

/* Opens --out and --known; false after a message. */
static bool open_outputs(reader *r, const read_opts *o)
{
    if (o->out) {
        r->out_fd = open(o->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (r->out_fd < 0) {
            fprintf(stderr, "appsim mail read: --out %s: %s\n", o->out, g_strerror(errno));
            return false;
        }
    }
    if (o->known && o->out) {
        r->known = fopen(o->known, "a");
        if (!r->known) {
            fprintf(stderr, "appsim mail read: --known %s: %s\n", o->known, g_strerror(errno));
            return false;
        }
    }
    return true;
}

static int read_mailbox(const read_target *t, const read_opts *o)
{
    char *password = get_password(o);
    if (!password)
        return MAIL_READ_EXIT_USAGE;
    GError *err = NULL;
    char **known = o->known ? read_known(o->known, &err) : NULL;
    if (o->known && !known) {
        fprintf(stderr, "appsim mail read: --known %s\n", err->message);
        g_error_free(err);
        g_free(password);
        return MAIL_READ_EXIT_USAGE;
    }
    reader r = {.loop = g_main_loop_new(NULL, FALSE), .out_fd = -1, .status = MAIL_READ_EXIT_FAILED};
    int rc = MAIL_READ_EXIT_USAGE;
    if (open_outputs(&r, o)) {
        real_host_t *rh = real_host_new(NULL, "reader");
        if (t->imap)
            rc = read_imap(&r, real_host_env(rh), t, password, o, known);
        else
            rc = read_pop3(&r, real_host_env(rh), t, password, o, known);
        real_host_run_until_idle(rh, 2 * INT64_C(1000000000));
        real_host_free(rh);
        if (rc == MAIL_READ_EXIT_OK && r.failed_writes)
            rc = MAIL_READ_EXIT_FAILED;
    }
    if (r.out_fd >= 0)
        close(r.out_fd);
    if (r.known)
        fclose(r.known);
    g_main_loop_unref(r.loop);
    g_strfreev(known);
    memset(password, 0, strlen(password));
    g_free(password);
    return rc;
}

int cmd_mail_read(int argc, char **argv)
{
    read_opts o = {0};
    read_target t = {0};
    GOptionEntry entries[] = {
        {"password-file", 'P', 0, G_OPTION_ARG_FILENAME, &o.password_file,
         "The password: the file's first line (mode 600); else $" MAIL_READ_PASSWORD_ENV, "F"},
        {"keep", 'k', 0, G_OPTION_ARG_NONE, &o.keep, "Leave the messages on the server (the default)", NULL},
        {"delete", 'd', 0, G_OPTION_ARG_NONE, &o.del, "Delete the messages read (and those already known)", NULL},
        {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "Write each message to DIR/<unique id>.eml", "DIR"},
        {"known", 0, 0, G_OPTION_ARG_FILENAME, &o.known,
         "Unique ids already downloaded, one a line: skipped, and those written are added", "FILE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx =
        g_option_context_new("pop3://USER@HOST[:PORT] | imap://USER@HOST[:PORT][/FOLDER] - read a mailbox");
    g_option_context_set_description(
        ctx, "Ports: 110 for pop3://, 143 for imap:// unless the URL names one; IMAP reads INBOX unless\n"
             "the URL names a folder, its unique ids are the UIDs. Each message is printed as one line\n"
             "(number, unique id, size, subject); --out writes them. Plain-text login: use it on\n"
             "loopback or a network you trust (there is no TLS).\n"
             "Exit status: 0 done; 1 no connection, a server or protocol failure, a file not written;\n"
             "2 bad usage; 3 login refused. docs/mail.md, \"appsim mail read\".\n");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc;
    const char *why = NULL;
    if (!cli_parse(ctx, "mail read", &argc, &argv, &rc)) {
        /* reported */
    } else if (argc != 2) {
        rc = cli_usage_error(ctx, "mail read", "expected one URL");
    } else if (o.keep && o.del) {
        rc = cli_usage_error(ctx, "mail read", "--keep and --delete exclude each other");
    } else if (o.known && !o.out) {
        rc = cli_usage_error(ctx, "mail read", "--known goes with --out DIR (the ids written are added to it)");
    } else if (!parse_target(argv[1], &t, &why)) {
        rc = cli_usage_error(ctx, "mail read", why);
    } else {
        g_option_context_free(ctx);
        rc = read_mailbox(&t, &o);
    }
    target_clear(&t);
    g_free(o.password_file);
    g_free(o.out);
    g_free(o.known);
    return rc;
}
