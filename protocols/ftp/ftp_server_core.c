/*
 * ftp_server_core: the sans-IO FTP server (see ftp_server_core.h). One
 * command line is read at a time into a buffer bounded by
 * FTP_SERVER_MAX_LINE; replies go to `out`; the data connection's bytes
 * go to `dout`, refilled from the open file as the glue pulls them.
 * Actions wait in a queue in the order they were decided.
 */
#include "ftp_server_core.h"

#include <string.h>

typedef enum { X_NONE, X_RETR, X_LIST, X_NLST, X_MLSD, X_STOR } xfer_kind;
typedef enum { D_NONE, D_LISTEN_WAIT, D_PASSIVE, D_ACTIVE } data_mode;

/* The facts of RFC 3659 7 this server gives, in FEAT's order (the bit of
 * each in `facts`). */
#define FACT_TYPE 1u
#define FACT_SIZE 2u
#define FACT_MODIFY 4u
#define FACT_PERM 8u
#define FACTS_ALL 15u
static const char *const fact_names[] = {"type", "size", "modify", "perm"};

struct ftp_server_core {
    ftp_server_config cfg;
    ftp_fs *fs;
    char *peer;
    int64_t now;
    GString *line;     /* the command line being read */
    bool discarding;   /* the line was too long: drop to its end */
    GByteArray *out;   /* replies not yet taken */
    GQueue actions;    /* of ftp_server_action * */
    char *user;        /* after USER */
    bool logged_in, can_write, anonymous, closed, ascii, epsv_all;
    unsigned bad;
    char *cwd;
    char *rnfr;        /* after RNFR */
    uint64_t rest;     /* after REST */
    data_mode mode;
    bool extended;     /* the listener asked for EPSV (229) */
    bool connected;    /* the data connection is up */
    ftp_hostport active;
    xfer_kind xfer;    /* the transfer running (after 150/125) */
    ftp_fs_file *file;
    GByteArray *dout;  /* data bytes not yet pulled */
    bool file_done;    /* RETR: the file is read to its end */
    bool last_cr;      /* ASCII conversion state across chunks */
    GPtrArray *list;   /* LIST/NLST/MLSD: the entries (owned), written as pulled */
    guint list_pos;    /* the next entry of `list` to write */
    unsigned facts;    /* FACT_* bits MLST and MLSD give (OPTS MLST) */
};

static void reply(ftp_server_core *s, int code, const char *text)
{
    char *r = ftp_reply_format(code, text);
    g_byte_array_append(s->out, (const guint8 *)r, (guint)strlen(r));
    g_free(r);
}

static void replyf(ftp_server_core *s, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void replyf(ftp_server_core *s, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    reply(s, code, t);
    g_free(t);
}

static void action(ftp_server_core *s, ftp_server_action_kind kind)
{
    ftp_server_action *a = g_new0(ftp_server_action, 1);
    a->kind = kind;
    if (kind == FTP_SERVER_DATA_CONNECT)
        a->hp = s->active;
    a->family = s->active.family ? s->active.family : 1;
    g_queue_push_tail(&s->actions, a);
}

/* A refused command; after cfg.max_bad of them, 421 and close. */
static void bad(ftp_server_core *s, int code, const char *text)
{
    reply(s, code, text);
    if (++s->bad >= s->cfg.max_bad && !s->closed) {
        reply(s, 421, "Too many errors, closing control connection.");
        s->closed = true;
        action(s, FTP_SERVER_CLOSE);
    }
}

ftp_server_core *ftp_server_core_new(const ftp_server_config *cfg, ftp_fs *fs, const char *peer, int64_t now)
{
    ftp_server_core *s = g_new0(ftp_server_core, 1);
    s->cfg = *cfg;
    if (s->cfg.max_bad == 0)
        s->cfg.max_bad = 10;
    s->fs = fs;
    s->peer = g_strdup(peer ? peer : "");
    s->now = now;
    s->line = g_string_sized_new(FTP_SERVER_MAX_LINE);
    s->out = g_byte_array_new();
    s->dout = g_byte_array_new();
    g_queue_init(&s->actions);
    s->cwd = g_strdup("/");
    s->facts = FACTS_ALL;
    reply(s, 220, "appsim FTP server ready.");
    return s;
}

static void end_file(ftp_server_core *s)
{
    ftp_fs_file_close(s->file, NULL);
    s->file = NULL;
    if (s->list)
        g_ptr_array_unref(s->list);
    s->list = NULL;
    s->list_pos = 0;
}

void ftp_server_core_free(ftp_server_core *s)
{
    if (!s)
        return;
    end_file(s);
    g_queue_clear_full(&s->actions, g_free);
    g_string_free(s->line, TRUE);
    g_byte_array_unref(s->out);
    g_byte_array_unref(s->dout);
    g_free(s->peer);
    g_free(s->user);
    g_free(s->cwd);
    g_free(s->rnfr);
    g_free(s);
}

void ftp_server_core_set_time(ftp_server_core *s, int64_t now) { s->now = now; }

const uint8_t *ftp_server_core_output(const ftp_server_core *s, size_t *len)
{
    *len = s->out->len;
    return s->out->data;
}

void ftp_server_core_consume(ftp_server_core *s, size_t n)
{
    g_byte_array_remove_range(s->out, 0, (guint)MIN(n, (size_t)s->out->len));
}

bool ftp_server_core_next_action(ftp_server_core *s, ftp_server_action *a)
{
    ftp_server_action *x = g_queue_pop_head(&s->actions);
    if (!x)
        return false;
    *a = *x;
    g_free(x);
    return true;
}

bool ftp_server_core_is_closed(const ftp_server_core *s) { return s->closed; }
bool ftp_server_core_logged_in(const ftp_server_core *s) { return s->logged_in; }

/* ---- the data connection --------------------------------------------------- */

/* Forgets the data connection (after a transfer, a failure, ABOR). */
static void data_reset(ftp_server_core *s, bool close)
{
    if (close && (s->mode != D_NONE || s->connected || s->xfer != X_NONE))
        action(s, FTP_SERVER_DATA_CLOSE);
    end_file(s);
    g_byte_array_set_size(s->dout, 0);
    s->mode = D_NONE;
    s->connected = false;
    s->xfer = X_NONE;
    s->file_done = false;
    s->last_cr = false;
}

/* Appends file bytes to dout, LF written CRLF in ASCII mode. */
static void put_data(ftp_server_core *s, const uint8_t *p, size_t n)
{
    if (!s->ascii) {
        g_byte_array_append(s->dout, p, (guint)n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n' && !s->last_cr)
            g_byte_array_append(s->dout, (const guint8 *)"\r", 1);
        s->last_cr = p[i] == '\r';
        g_byte_array_append(s->dout, &p[i], 1);
    }
}

/* The transfer's end on our side: close, then 226. */
static void finish(ftp_server_core *s, int code, const char *text)
{
    data_reset(s, true);
    reply(s, code, text);
}

static bool list_fill(ftp_server_core *s);

/* Refills dout once the glue took it all: the next chunk of the file, or
 * the next lines of a listing; 226 at the end. */
static void refill(ftp_server_core *s)
{
    if (s->xfer == X_NONE || s->xfer == X_STOR || s->dout->len > 0 || !s->connected)
        return;
    if (s->xfer != X_RETR) {
        if (!list_fill(s))
            finish(s, 226, "Transfer complete.");
        return;
    }
    if (!s->file_done && s->file) {
        uint8_t buf[FTP_SERVER_DATA_CHUNK];
        GError *err = NULL;
        gssize n = ftp_fs_read(s->file, buf, sizeof buf, &err);
        if (n < 0) {
            g_error_free(err);
            finish(s, 451, "Requested action aborted: local error in processing.");
            return;
        }
        if (n > 0) {
            put_data(s, buf, (size_t)n);
            return;
        }
        s->file_done = true;
    }
    finish(s, 226, "Transfer complete.");
}

/* The data connection is up and a transfer waits: start it. */
static void start_flow(ftp_server_core *s)
{
    if (!s->connected || s->xfer == X_NONE || s->xfer == X_STOR)
        return;
    refill(s);
    if (s->xfer != X_NONE)
        action(s, FTP_SERVER_DATA_SEND);
}

const uint8_t *ftp_server_core_data_output(ftp_server_core *s, size_t *len)
{
    *len = s->dout->len;
    return s->dout->data;
}

void ftp_server_core_data_consume(ftp_server_core *s, size_t n)
{
    g_byte_array_remove_range(s->dout, 0, (guint)MIN(n, (size_t)s->dout->len));
    if (s->dout->len == 0)
        refill(s);
}

void ftp_server_core_data_listening(ftp_server_core *s, const ftp_hostport *own)
{
    if (s->mode != D_LISTEN_WAIT)
        return;
    s->mode = D_PASSIVE;
    char *t = s->extended ? ftp_format_229(own->port) : ftp_format_227(own);
    if (!t) {
        data_reset(s, true);
        reply(s, 425, "Can't open data connection.");
        return;
    }
    reply(s, s->extended ? 229 : 227, t);
    g_free(t);
}

void ftp_server_core_data_connected(ftp_server_core *s)
{
    if (s->mode == D_NONE || s->mode == D_LISTEN_WAIT)
        return;
    s->connected = true;
    start_flow(s);
}

void ftp_server_core_data_failed(ftp_server_core *s)
{
    if (s->mode == D_NONE)
        return;
    data_reset(s, true);
    reply(s, 425, "Can't open data connection.");
}

void ftp_server_core_data_timeout(ftp_server_core *s) { ftp_server_core_data_failed(s); }

/* STOR/APPE bytes, CRLF stored as LF in ASCII mode. */
void ftp_server_core_data_received(ftp_server_core *s, const uint8_t *data, size_t len)
{
    if (s->xfer != X_STOR || !s->file)
        return;
    GByteArray *b = g_byte_array_sized_new((guint)len + 1);
    for (size_t i = 0; i < len; i++) {
        if (!s->ascii) {
            g_byte_array_append(b, data, (guint)len);
            break;
        }
        if (s->last_cr && data[i] != '\n')
            g_byte_array_append(b, (const guint8 *)"\r", 1);
        s->last_cr = data[i] == '\r';
        if (!s->last_cr)
            g_byte_array_append(b, &data[i], 1);
    }
    GError *err = NULL;
    if (!ftp_fs_write(s->file, b->data, b->len, &err)) {
        bool full = err->code == FTP_FS_ERROR_NO_SPACE;
        g_error_free(err);
        finish(s, full ? 452 : 451, full ? "Insufficient storage space." : "Local error in processing.");
    }
    g_byte_array_unref(b);
}

void ftp_server_core_data_eof(ftp_server_core *s)
{
    if (s->xfer == X_STOR) {
        if (s->ascii && s->last_cr && s->file)
            ftp_fs_write(s->file, "\r", 1, NULL);
        bool ok = ftp_fs_file_close(s->file, NULL);
        s->file = NULL;
        finish(s, ok ? 226 : 451, ok ? "Transfer complete." : "Local error in processing.");
    } else if (s->xfer != X_NONE) {
        finish(s, 426, "Connection closed; transfer aborted.");
    } else if (s->connected) {
        data_reset(s, true);
    }
}

void ftp_server_core_data_error(ftp_server_core *s)
{
    if (s->xfer != X_NONE)
        finish(s, 426, "Connection closed; transfer aborted.");
    else
        data_reset(s, true);
}

void ftp_server_core_closed(ftp_server_core *s)
{
    data_reset(s, s->mode != D_NONE);
    s->closed = true;
}

/* ---- commands ------------------------------------------------------------- */

/* The store's error as a reply: 550 for most, 553 for bad names, 452 full. */
static void fs_fail(ftp_server_core *s, GError *err)
{
    int code = 550;
    const char *text = "Requested action not taken: file unavailable.";
    if (err && err->code == FTP_FS_ERROR_INVALID) {
        code = 553;
        text = "Requested action not taken: file name not allowed.";
    } else if (err && err->code == FTP_FS_ERROR_NO_SPACE) {
        code = 452;
        text = "Requested action not taken: insufficient storage space.";
    } else if (err && err->code == FTP_FS_ERROR_TOO_MANY) {
        code = 451;
        text = "Requested action aborted: the folder has more than " G_STRINGIFY(
            FTP_SERVER_MAX_LIST) " entries, more than a listing may hold; list a smaller folder.";
    } else if (err && err->code == FTP_FS_ERROR_IO) {
        code = 451;
        text = "Requested action aborted: local error in processing.";
    } else if (err && (err->code == FTP_FS_ERROR_READ_ONLY || err->code == FTP_FS_ERROR_DENIED)) {
        text = "Permission denied.";
    }
    if (err)
        g_error_free(err);
    reply(s, code, text);
}

/* The argument as a path in the store; NULL after a 553 reply. */
static char *path_of(ftp_server_core *s, const char *arg)
{
    char *p = ftp_fs_resolve(s->cwd, arg);
    if (!p)
        reply(s, 553, "Requested action not taken: file name not allowed.");
    return p;
}

static bool may_write(ftp_server_core *s)
{
    if (!s->can_write)
        reply(s, 550, "Permission denied.");
    return s->can_write;
}

/* "path" quoted as in 257 (RFC 959: a quote inside is doubled). */
static char *quoted(const char *path)
{
    GString *q = g_string_new("\"");
    for (const char *p = path; *p; p++) {
        if (*p == '"')
            g_string_append_c(q, '"');
        g_string_append_c(q, *p);
    }
    g_string_append_c(q, '"');
    return g_string_free(q, FALSE);
}

static void cmd_user(ftp_server_core *s, const char *arg)
{
    g_free(s->user);
    s->user = g_strdup(arg);
    s->logged_in = false;
    bool anon = s->cfg.anonymous && (g_ascii_strcasecmp(arg, "anonymous") == 0 || g_ascii_strcasecmp(arg, "ftp") == 0);
    reply(s, 331, anon ? "Anonymous login ok, send your e-mail address as password." : "User name okay, need password.");
}

static void cmd_pass(ftp_server_core *s, const char *arg)
{
    if (!s->user || s->logged_in) {
        bad(s, 503, "Login with USER first.");
        return;
    }
    bool anon = s->cfg.anonymous && (g_ascii_strcasecmp(s->user, "anonymous") == 0 || g_ascii_strcasecmp(s->user, "ftp") == 0);
    if (anon || (s->cfg.check && s->cfg.check(s->cfg.check_ud, s->user, arg))) {
        s->logged_in = true;
        s->anonymous = anon;
        s->can_write = !ftp_fs_is_read_only(s->fs) && (!anon || s->cfg.anonymous_write);
        reply(s, 230, "User logged in, proceed.");
        return;
    }
    g_free(s->user);
    s->user = NULL;
    bad(s, 530, "Not logged in.");
}

static void cmd_cwd(ftp_server_core *s, const char *arg)
{
    char *p = path_of(s, arg);
    if (!p)
        return;
    ftp_fs_stat st;
    GError *err = NULL;
    if (!ftp_fs_stat_path(s->fs, p, &st, &err) || !st.is_dir) {
        g_free(p);
        fs_fail(s, err);
        return;
    }
    g_free(s->cwd);
    s->cwd = p;
    reply(s, 250, "Requested file action okay, completed.");
}

static void cmd_pwd(ftp_server_core *s)
{
    char *q = quoted(s->cwd);
    replyf(s, 257, "%s is the current directory.", q);
    g_free(q);
}

static void cmd_mkd(ftp_server_core *s, const char *arg)
{
    char *p = may_write(s) ? path_of(s, arg) : NULL;
    if (!p)
        return;
    GError *err = NULL;
    if (ftp_fs_mkdir(s->fs, p, s->now, &err)) {
        char *q = quoted(p);
        replyf(s, 257, "%s created.", q);
        g_free(q);
    } else {
        fs_fail(s, err);
    }
    g_free(p);
}

/* RMD, DELE, RNTO: one change of the store, 250 when done. */
static void cmd_change(ftp_server_core *s, const char *verb, const char *arg)
{
    char *p = may_write(s) ? path_of(s, arg) : NULL;
    if (!p)
        return;
    GError *err = NULL;
    bool ok;
    if (strcmp(verb, "RMD") == 0)
        ok = ftp_fs_rmdir(s->fs, p, &err);
    else if (strcmp(verb, "DELE") == 0)
        ok = ftp_fs_delete(s->fs, p, &err);
    else
        ok = ftp_fs_rename(s->fs, s->rnfr, p, s->now, &err);
    if (ok)
        reply(s, 250, "Requested file action okay, completed.");
    else
        fs_fail(s, err);
    g_free(p);
}

static void cmd_rnfr(ftp_server_core *s, const char *arg)
{
    char *p = may_write(s) ? path_of(s, arg) : NULL;
    if (!p)
        return;
    ftp_fs_stat st;
    GError *err = NULL;
    if (!ftp_fs_stat_path(s->fs, p, &st, &err)) {
        g_free(p);
        fs_fail(s, err);
        return;
    }
    g_free(s->rnfr);
    s->rnfr = p;
    reply(s, 350, "Requested file action pending further information.");
}

static void cmd_type(ftp_server_core *s, const char *arg)
{
    if (g_ascii_strcasecmp(arg, "A") == 0 || g_ascii_strcasecmp(arg, "A N") == 0) {
        s->ascii = true;
        reply(s, 200, "Type set to A.");
    } else if (g_ascii_strcasecmp(arg, "I") == 0 || g_ascii_strcasecmp(arg, "L 8") == 0) {
        s->ascii = false;
        reply(s, 200, "Type set to I.");
    } else {
        reply(s, 504, "Command not implemented for that parameter.");
    }
}

/* PORT and EPRT: the address must be the peer's and the port >= 1024. */
static void cmd_port(ftp_server_core *s, const char *arg, bool extended)
{
    ftp_hostport hp;
    if (!(extended ? ftp_parse_eprt(arg, &hp) : ftp_parse_port(arg, &hp))) {
        bad(s, 501, "Syntax error in parameters or arguments.");
        return;
    }
    if (strcmp(hp.host, s->peer) != 0 || hp.port < 1024) {
        bad(s, 504, "Command not implemented for that parameter (only the client's own address, ports from 1024).");
        return;
    }
    data_reset(s, true);
    s->active = hp;
    s->mode = D_ACTIVE;
    reply(s, 200, extended ? "EPRT command successful." : "PORT command successful.");
}

static void cmd_pasv(ftp_server_core *s, const char *arg, bool extended)
{
    if (extended && g_ascii_strcasecmp(arg, "ALL") == 0) {
        s->epsv_all = true;
        reply(s, 200, "EPSV ALL command successful.");
        return;
    }
    if (!extended && s->epsv_all) {
        bad(s, 503, "Bad sequence of commands: EPSV ALL was given.");
        return;
    }
    int family = 1;
    if (extended && *arg) {
        if (strcmp(arg, "1") != 0 && strcmp(arg, "2") != 0) {
            bad(s, 501, "Syntax error in parameters or arguments.");
            return;
        }
        family = arg[0] - '0';
    }
    data_reset(s, true);
    s->mode = D_LISTEN_WAIT;
    s->extended = extended;
    s->active.family = family;
    action(s, FTP_SERVER_DATA_LISTEN);
    s->active.family = 0;
}

/* ---- transfers -------------------------------------------------------------- */

/* One "ls -l" line (the C locale's month names, UTC): the time of day for
 * entries within 180 days of now, else the year. */
static void list_line(GString *g, const ftp_fs_entry *e, int64_t now)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    GDateTime *dt = g_date_time_new_from_unix_utc(e->st.mtime);
    if (!dt)
        dt = g_date_time_new_from_unix_utc(0);
    int64_t age = now - e->st.mtime;
    g_string_append_printf(g, "%s 1 ftp ftp %12" G_GUINT64_FORMAT " %s %2d ", e->st.is_dir ? "drwxr-xr-x" : "-rw-r--r--",
                           e->st.size, months[g_date_time_get_month(dt) - 1], g_date_time_get_day_of_month(dt));
    if (age > -86400 && age < 180 * INT64_C(86400))
        g_string_append_printf(g, "%02d:%02d", g_date_time_get_hour(dt), g_date_time_get_minute(dt));
    else
        g_string_append_printf(g, " %4d", g_date_time_get_year(dt));
    g_string_append_printf(g, " %s\r\n", e->name);
    g_date_time_unref(dt);
}

/* 150, or 125 when the data connection is already open; then the flow. */
static void begin(ftp_server_core *s, xfer_kind kind, const char *what)
{
    s->xfer = kind;
    s->rest = 0;
    if (s->connected)
        replyf(s, 125, "Data connection already open; transfer starting (%s).", what);
    else
        replyf(s, 150, "File status okay; about to open data connection (%s).", what);
    if (s->mode == D_ACTIVE && !s->connected)
        action(s, FTP_SERVER_DATA_CONNECT);
    start_flow(s);
}

static bool need_data(ftp_server_core *s)
{
    if (s->mode == D_PASSIVE || s->mode == D_ACTIVE)
        return true;
    bad(s, 425, "Use PORT, EPRT, PASV or EPSV first.");
    return false;
}

/* RFC 3659 7's facts of one entry ("type=file;size=5;modify=...;perm=r;"):
 * the ones chosen with OPTS MLST, in FEAT's order. */
static void facts_of(const ftp_server_core *s, GString *g, const ftp_fs_stat *st)
{
    if (s->facts & FACT_TYPE)
        g_string_append_printf(g, "type=%s;", st->is_dir ? "dir" : "file");
    if (s->facts & FACT_SIZE)
        g_string_append_printf(g, "size=%" G_GUINT64_FORMAT ";", st->size);
    if (s->facts & FACT_MODIFY) {
        GDateTime *dt = g_date_time_new_from_unix_utc(st->mtime);
        if (!dt)
            dt = g_date_time_new_from_unix_utc(0);
        char *t = g_date_time_format(dt, "%Y%m%d%H%M%S");
        g_string_append_printf(g, "modify=%s;", t);
        g_free(t);
        g_date_time_unref(dt);
    }
    /* perm (7.5.5): files a(ppend) d(elete) f(rename) r(ead) w(rite);
     * folders c(reate) d e(nter) f l(ist) m(kdir) p(urge). */
    if (s->facts & FACT_PERM)
        g_string_append_printf(g, "perm=%s;",
                               st->is_dir ? (s->can_write ? "cdeflmp" : "el") : (s->can_write ? "adfrw" : "r"));
}

/* Appends the next lines of the listing to dout, up to about one chunk;
 * false when every entry was written already. */
static bool list_fill(ftp_server_core *s)
{
    if (!s->list || s->list_pos >= s->list->len)
        return false;
    GString *g = g_string_new(NULL);
    while (s->list_pos < s->list->len && g->len < FTP_SERVER_DATA_CHUNK) {
        const ftp_fs_entry *e = g_ptr_array_index(s->list, s->list_pos++);
        if (s->xfer == X_NLST)
            g_string_append(g, e->name);
        else if (s->xfer == X_MLSD) {
            facts_of(s, g, &e->st);
            g_string_append_printf(g, " %s", e->name);
        } else
            list_line(g, e, s->now);
        if (s->xfer == X_NLST || s->xfer == X_MLSD)
            g_string_append(g, "\r\n");
    }
    g_byte_array_append(s->dout, (const guint8 *)g->str, (guint)g->len);
    g_string_free(g, TRUE);
    return true;
}

static void entry_free(gpointer p)
{
    ftp_fs_entry *e = p;
    g_free(e->name);
    g_free(e);
}

/* The entries a listing of `arg` shows (a folder's, or a file's own),
 * at most FTP_SERVER_MAX_LIST; NULL after the error's reply. With
 * `dir_only` (MLSD) a file is refused with 501 (RFC 3659 7.2.1). */
static GPtrArray *entries_of(ftp_server_core *s, const char *arg, bool dir_only)
{
    char *p = path_of(s, arg);
    if (!p)
        return NULL;
    GError *err = NULL;
    ftp_fs_stat st;
    if (!ftp_fs_stat_path(s->fs, p, &st, &err)) {
        g_free(p);
        fs_fail(s, err);
        return NULL;
    }
    GPtrArray *l = NULL;
    if (st.is_dir) {
        l = ftp_fs_list(s->fs, p, FTP_SERVER_MAX_LIST, &err);
    } else if (dir_only) {
        bad(s, 501, "Not a folder: use MLST for a file.");
    } else {
        l = g_ptr_array_new_with_free_func(entry_free);
        ftp_fs_entry *e = g_new0(ftp_fs_entry, 1);
        e->name = g_path_get_basename(p);
        e->st = st;
        g_ptr_array_add(l, e);
    }
    g_free(p);
    if (!l && err)
        fs_fail(s, err);
    return l;
}

/* LIST, NLST, MLSD: the entries are taken now; their lines are written
 * as the data connection takes them (list_fill). */
static void cmd_list(ftp_server_core *s, const char *arg, xfer_kind kind)
{
    while (kind != X_MLSD && *arg == '-') { /* "ls" options such as -la: ignored */
        while (*arg && *arg != ' ')
            arg++;
        while (*arg == ' ')
            arg++;
    }
    if (!need_data(s))
        return;
    GPtrArray *l = entries_of(s, arg, kind == X_MLSD);
    if (!l)
        return;
    end_file(s);
    s->list = l;
    s->list_pos = 0;
    begin(s, kind, kind == X_MLSD ? "MLSD" : "file list");
}

/* MLST (RFC 3659 7.2): the facts of one file or folder on the control
 * connection, "250-", one line beginning with a space, "250 End". */
static void cmd_mlst(ftp_server_core *s, const char *arg)
{
    char *p = path_of(s, arg);
    if (!p)
        return;
    GError *err = NULL;
    ftp_fs_stat st;
    if (!ftp_fs_stat_path(s->fs, p, &st, &err)) {
        g_free(p);
        fs_fail(s, err);
        return;
    }
    if (strpbrk(p, "\r\n")) { /* a name on disk that would break the reply's lines */
        g_free(p);
        reply(s, 550, "Requested action not taken: file name not allowed.");
        return;
    }
    GString *g = g_string_new("Listing ");
    g_string_append_printf(g, "%s\n", p);
    facts_of(s, g, &st);
    g_string_append_printf(g, " %s\nEnd", p);
    reply(s, 250, g->str);
    g_string_free(g, TRUE);
    g_free(p);
}

/* OPTS MLST fact;fact;... (RFC 3659 7.9): the facts MLST and MLSD give
 * from now on (unknown ones ignored, none at all allowed). */
static void cmd_opts(ftp_server_core *s, const char *arg)
{
    if (g_ascii_strncasecmp(arg, "MLST", 4) != 0 || (arg[4] != '\0' && arg[4] != ' ')) {
        bad(s, 501, "OPTS: only MLST has options here.");
        return;
    }
    const char *list = arg[4] ? arg + 5 : "";
    unsigned facts = 0;
    gchar **v = g_strsplit(list, ";", -1);
    for (gchar **f = v; *f; f++)
        for (unsigned i = 0; i < G_N_ELEMENTS(fact_names); i++)
            if (g_ascii_strcasecmp(*f, fact_names[i]) == 0)
                facts |= 1u << i;
    g_strfreev(v);
    s->facts = facts;
    GString *g = g_string_new("MLST OPTS");
    for (unsigned i = 0; i < G_N_ELEMENTS(fact_names); i++)
        if (facts & (1u << i))
            g_string_append_printf(g, "%s%s;", g->len == 9 ? " " : "", fact_names[i]);
    reply(s, 200, g->str);
    g_string_free(g, TRUE);
}

static void cmd_retr(ftp_server_core *s, const char *arg)
{
    if (!need_data(s))
        return;
    char *p = path_of(s, arg);
    if (!p)
        return;
    GError *err = NULL;
    s->file = ftp_fs_open_read(s->fs, p, s->rest, &err);
    g_free(p);
    if (!s->file) {
        fs_fail(s, err);
        return;
    }
    begin(s, X_RETR, arg);
}

static void cmd_stor(ftp_server_core *s, const char *arg, bool append)
{
    if (!may_write(s) || !need_data(s))
        return;
    if (s->rest > 0 && !append) {
        s->rest = 0;
        reply(s, 504, "REST with STOR is not supported; use APPE.");
        return;
    }
    char *p = path_of(s, arg);
    if (!p)
        return;
    GError *err = NULL;
    s->file = ftp_fs_open_write(s->fs, p, append, s->now, &err);
    g_free(p);
    if (!s->file) {
        fs_fail(s, err);
        return;
    }
    begin(s, X_STOR, arg);
}

/* SIZE and MDTM (RFC 3659): 213 with the size or the UTC time. */
static void cmd_size_mdtm(ftp_server_core *s, const char *arg, bool size)
{
    char *p = path_of(s, arg);
    if (!p)
        return;
    ftp_fs_stat st;
    GError *err = NULL;
    bool ok = ftp_fs_stat_path(s->fs, p, &st, &err);
    g_free(p);
    if (!ok) {
        fs_fail(s, err);
    } else if (st.is_dir) {
        reply(s, 550, "Not a plain file.");
    } else if (size && s->ascii) {
        reply(s, 550, "SIZE is not available in ASCII mode; use TYPE I.");
    } else if (size) {
        replyf(s, 213, "%" G_GUINT64_FORMAT, st.size);
    } else {
        GDateTime *dt = g_date_time_new_from_unix_utc(st.mtime);
        if (!dt)
            dt = g_date_time_new_from_unix_utc(0);
        replyf(s, 213, "%04d%02d%02d%02d%02d%02d", g_date_time_get_year(dt), g_date_time_get_month(dt),
               g_date_time_get_day_of_month(dt), g_date_time_get_hour(dt), g_date_time_get_minute(dt),
               g_date_time_get_second(dt));
        g_date_time_unref(dt);
    }
}

static void cmd_rest(ftp_server_core *s, const char *arg)
{
    guint64 v = 0;
    if (!*arg || !g_ascii_isdigit(*arg) || !g_ascii_string_to_unsigned(arg, 10, 0, G_MAXINT64, &v, NULL)) {
        bad(s, 501, "Syntax error in parameters or arguments.");
        return;
    }
    s->rest = v;
    replyf(s, 350, "Restarting at %" G_GUINT64_FORMAT ". Send STORE or RETRIEVE.", v);
}

static void cmd_abor(ftp_server_core *s)
{
    if (s->xfer != X_NONE) {
        data_reset(s, true);
        reply(s, 426, "Connection closed; transfer aborted.");
        reply(s, 226, "ABOR command successful.");
        return;
    }
    data_reset(s, true);
    reply(s, 226, "No transfer to abort.");
}

static void cmd_stat(ftp_server_core *s)
{
    replyf(s, 211,
           "appsim FTP server status:\nLogged in as %s\nTYPE: %s, MODE: Stream, STRU: File\n%s\nEnd of status",
           s->logged_in ? s->user : "(nobody)", s->ascii ? "ASCII" : "BINARY",
           s->xfer != X_NONE ? "A transfer is in progress" : "No data connection");
}

/* ---- the dispatcher ------------------------------------------------------- */

static const char *const help_text =
    "The following commands are recognized:\n"
    "ABOR APPE CDUP CWD DELE EPRT EPSV FEAT HELP LIST MDTM MKD MLSD MLST MODE\n"
    "NLST NOOP OPTS PASS PASV PORT PWD QUIT REST RETR RMD RNFR RNTO SIZE STAT\n"
    "STOR STRU SYST\n"
    "TYPE USER XCUP XCWD XMKD XPWD XRMD\n"
    "Help OK.";

/* The facts after MLST: the ones given by default marked '*' (7.8). */
static const char *const feat_text =
    "Extensions supported:\nEPRT\nEPSV\nMDTM\nMLST type*;size*;modify*;perm*;\nPASV\nREST STREAM\nSIZE\nEnd";

/* Commands that need no login. */
static bool open_cmd(const char *v)
{
    static const char *const open[] = {"USER", "PASS", "QUIT", "SYST", "FEAT", "HELP", "NOOP"};
    for (size_t i = 0; i < G_N_ELEMENTS(open); i++)
        if (strcmp(v, open[i]) == 0)
            return true;
    return false;
}

/* Commands of RFC 959 this server does not do (502, not 500). */
static bool known_unimplemented(const char *v)
{
    static const char *const no[] = {"ACCT", "SMNT", "REIN", "STOU", "ALLO", "SITE"};
    for (size_t i = 0; i < G_N_ELEMENTS(no); i++)
        if (strcmp(v, no[i]) == 0)
            return true;
    return false;
}

/* Commands this server does, with or without argument. */
static bool known_cmd(const char *v)
{
    static const char *const all[] = {"ABOR", "APPE", "CDUP", "CWD",  "DELE", "EPRT", "EPSV", "FEAT", "HELP",
                                      "LIST", "MDTM", "MKD",  "MLSD", "MLST", "MODE", "NLST", "NOOP", "OPTS",
                                      "PASS", "PASV", "PORT",
                                      "PWD",  "QUIT", "REST", "RETR", "RMD",  "RNFR", "RNTO", "SIZE", "STAT",
                                      "STOR", "STRU", "SYST", "TYPE", "USER", "XCUP", "XCWD", "XMKD", "XPWD",
                                      "XRMD"};
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
        if (strcmp(v, all[i]) == 0)
            return true;
    return false;
}

static bool needs_arg(const char *v)
{
    static const char *const with[] = {"USER", "CWD", "XCWD", "MKD", "XMKD", "RMD", "XRMD", "DELE", "RNFR", "RNTO",
                                       "TYPE", "MODE", "STRU", "PORT", "EPRT", "RETR", "STOR", "APPE", "SIZE",
                                       "MDTM", "REST", "OPTS"};
    for (size_t i = 0; i < G_N_ELEMENTS(with); i++)
        if (strcmp(v, with[i]) == 0)
            return true;
    return false;
}

/* Commands other than the transfer's and the rename's second half forget
 * REST and RNFR. */
static void forget(ftp_server_core *s, const char *v)
{
    if (strcmp(v, "REST") != 0 && strcmp(v, "RETR") != 0 && strcmp(v, "STOR") != 0 && strcmp(v, "APPE") != 0)
        s->rest = 0;
    if (strcmp(v, "RNFR") != 0 && strcmp(v, "RNTO") != 0) {
        g_free(s->rnfr);
        s->rnfr = NULL;
    }
}

static bool dispatch_files(ftp_server_core *s, const char *v, const char *arg)
{
    if (strcmp(v, "CWD") == 0 || strcmp(v, "XCWD") == 0)
        cmd_cwd(s, arg);
    else if (strcmp(v, "CDUP") == 0 || strcmp(v, "XCUP") == 0)
        cmd_cwd(s, "..");
    else if (strcmp(v, "PWD") == 0 || strcmp(v, "XPWD") == 0)
        cmd_pwd(s);
    else if (strcmp(v, "MKD") == 0 || strcmp(v, "XMKD") == 0)
        cmd_mkd(s, arg);
    else if (strcmp(v, "RMD") == 0 || strcmp(v, "XRMD") == 0)
        cmd_change(s, "RMD", arg);
    else if (strcmp(v, "DELE") == 0)
        cmd_change(s, "DELE", arg);
    else if (strcmp(v, "RNFR") == 0)
        cmd_rnfr(s, arg);
    else if (strcmp(v, "RNTO") == 0) {
        if (!s->rnfr)
            bad(s, 503, "Bad sequence of commands: RNFR first.");
        else
            cmd_change(s, "RNTO", arg);
        g_free(s->rnfr);
        s->rnfr = NULL;
    } else if (strcmp(v, "SIZE") == 0 || strcmp(v, "MDTM") == 0)
        cmd_size_mdtm(s, arg, v[0] == 'S');
    else if (strcmp(v, "LIST") == 0 || strcmp(v, "NLST") == 0 || strcmp(v, "MLSD") == 0)
        cmd_list(s, arg, v[0] == 'N' ? X_NLST : v[0] == 'M' ? X_MLSD : X_LIST);
    else if (strcmp(v, "MLST") == 0)
        cmd_mlst(s, arg);
    else if (strcmp(v, "OPTS") == 0)
        cmd_opts(s, arg);
    else if (strcmp(v, "RETR") == 0)
        cmd_retr(s, arg);
    else if (strcmp(v, "STOR") == 0 || strcmp(v, "APPE") == 0)
        cmd_stor(s, arg, v[0] == 'A');
    else if (strcmp(v, "REST") == 0)
        cmd_rest(s, arg);
    else
        return false;
    return true;
}

static void dispatch(ftp_server_core *s, const char *v, const char *arg)
{
    if (strcmp(v, "QUIT") == 0) {
        data_reset(s, true);
        reply(s, 221, "Service closing control connection.");
        s->closed = true;
        action(s, FTP_SERVER_CLOSE);
    } else if (strcmp(v, "NOOP") == 0)
        reply(s, 200, "Command okay.");
    else if (strcmp(v, "SYST") == 0)
        reply(s, 215, "UNIX Type: L8");
    else if (strcmp(v, "FEAT") == 0)
        reply(s, 211, feat_text);
    else if (strcmp(v, "HELP") == 0)
        reply(s, 214, help_text);
    else if (strcmp(v, "USER") == 0)
        cmd_user(s, arg);
    else if (strcmp(v, "PASS") == 0)
        cmd_pass(s, arg);
    else if (!s->logged_in)
        bad(s, 530, "Please login with USER and PASS.");
    else if (strcmp(v, "TYPE") == 0)
        cmd_type(s, arg);
    else if (strcmp(v, "MODE") == 0 || strcmp(v, "STRU") == 0) {
        bool ok = g_ascii_strcasecmp(arg, v[0] == 'M' ? "S" : "F") == 0;
        reply(s, ok ? 200 : 504, ok ? "Command okay." : "Command not implemented for that parameter.");
    } else if (strcmp(v, "PORT") == 0 || strcmp(v, "EPRT") == 0)
        cmd_port(s, arg, v[0] == 'E');
    else if (strcmp(v, "PASV") == 0 || strcmp(v, "EPSV") == 0)
        cmd_pasv(s, arg, v[0] == 'E');
    else if (strcmp(v, "ABOR") == 0)
        cmd_abor(s);
    else if (strcmp(v, "STAT") == 0)
        cmd_stat(s);
    else if (!dispatch_files(s, v, arg))
        bad(s, 500, "Syntax error, command unrecognized.");
}

/* One complete command line (line end removed). */
static void command(ftp_server_core *s, char *line)
{
    /* Telnet IP and Synch before ABOR (RFC 959 4.1.3): IAC x pairs dropped. */
    while ((uint8_t)line[0] == 0xff && line[1])
        line += 2;
    char *sp = strchr(line, ' ');
    const char *arg = sp ? sp + 1 : "";
    if (sp)
        *sp = '\0';
    char *v = g_ascii_strup(line, -1);
    if (known_unimplemented(v)) {
        bad(s, 502, "Command not implemented.");
    } else if (!known_cmd(v)) {
        bad(s, 500, "Syntax error, command unrecognized.");
    } else if (needs_arg(v) && !*arg && (s->logged_in || open_cmd(v))) {
        bad(s, 501, "Syntax error in parameters or arguments.");
    } else {
        forget(s, v);
        dispatch(s, v, arg);
    }
    g_free(v);
}

/* Whether a command may be read now: not while waiting for the listener,
 * and during a transfer only ABOR, STAT, NOOP and QUIT. */
static bool may_read(ftp_server_core *s)
{
    if (s->closed || s->out->len >= FTP_SERVER_MAX_OUTPUT || s->mode == D_LISTEN_WAIT)
        return false;
    if (s->xfer == X_NONE)
        return true;
    const char *l = s->line->str;
    while ((uint8_t)l[0] == 0xff && l[1])
        l += 2;
    return g_ascii_strncasecmp(l, "ABOR", 4) == 0 || g_ascii_strncasecmp(l, "STAT", 4) == 0 ||
           g_ascii_strncasecmp(l, "NOOP", 4) == 0 || g_ascii_strncasecmp(l, "QUIT", 4) == 0;
}

size_t ftp_server_core_feed(ftp_server_core *s, const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len && !s->closed) {
        uint8_t c = data[i];
        if (c != '\n') {
            i++;
            if (s->discarding)
                continue;
            if (s->line->len + 2 >= FTP_SERVER_MAX_LINE) {
                s->discarding = true;
                g_string_truncate(s->line, 0);
                continue;
            }
            g_string_append_c(s->line, (char)c);
            continue;
        }
        /* A line end: read the command only when it may be read now. */
        if (s->discarding) {
            i++;
            s->discarding = false;
            bad(s, 500, "Command line too long.");
            continue;
        }
        if (!may_read(s))
            break;
        i++;
        if (s->line->len > 0 && s->line->str[s->line->len - 1] == '\r')
            g_string_truncate(s->line, s->line->len - 1);
        char *line = g_strndup(s->line->str, s->line->len);
        bool nul = strlen(line) != s->line->len;
        g_string_truncate(s->line, 0);
        if (nul)
            bad(s, 500, "Syntax error: NUL in command.");
        else
            command(s, line);
        g_free(line);
    }
    return s->closed ? len : i;
}
