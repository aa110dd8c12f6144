/*
 * ftp_client_app: the "ftp-client" application type — a user's FTP
 * session against the ftp-server of a node: log in, set the type, run the
 * operations in order (each get, put or list over a new data connection,
 * active or passive), quit. It holds the run until its session is over.
 *
 * Results: one row per operation in ftp.csv (bytes, the control round
 * trips, the data connection's set-up time, the transfer's time, the
 * total); per client (ftp_client.<name>.*) and for the first client as
 * headlines: ftp_time (from `at` to the last operation's end),
 * ftp_transfer_time (an operation's mean total), the session time and the
 * failures (the first failed operation's reply code, 425 when no data
 * connection could be made). The formula "ftp-files" (ftp_files_formula
 * below) is the first client's ftp_time in ideal TCP.
 */
#include <math.h>
#include <string.h>

#include "ftp_apps.h"
#include "protocols/ftp/ftp_conn.h"

/* ---- keys ---------------------------------------------------------------------- */

static const char *const modes[] = {"passive", "active", NULL};
static const char *const types[] = {"binary", "ascii", NULL};

typedef struct {
    char *text;       /* as written: "get file1" */
    ftp_client_op op; /* path borrowed from `arg` */
    char *arg;
} client_op;

typedef struct {
    char *server, *user, *password;
    int mode, type;
    int64_t at, port, gets;
    GArray *ops; /* of client_op; empty: get the server's files */
} ftp_client_spec;

#define OPS_EXPECTED                                                                                      \
    "a list of operations like [\"get file1\", \"put report.pdf 20KB\", \"list\"] (get, put NAME SIZE, " \
    "list, nlst, size, mdtm, cwd, pwd, mkd, rmd, dele, noop)"

static const struct {
    const char *word;
    ftp_client_op_kind kind;
    int args; /* 0 none, 1 a path, 2 a path and a size, 3 an optional path */
} op_words[] = {{"get", FTP_OP_GET, 1},   {"put", FTP_OP_PUT, 2},   {"list", FTP_OP_LIST, 3},
                {"nlst", FTP_OP_LIST, 3}, {"size", FTP_OP_SIZE, 1}, {"mdtm", FTP_OP_MDTM, 1},
                {"cwd", FTP_OP_CWD, 1},   {"pwd", FTP_OP_PWD, 0},   {"mkd", FTP_OP_MKD, 1},
                {"rmd", FTP_OP_RMD, 1},   {"dele", FTP_OP_DELE, 1}, {"noop", FTP_OP_NOOP, 0}};

/* "20KB", "20000": bytes; false when not a size. */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    double v = g_ascii_strtod(s, &end);
    double mult = 1;
    if (!g_ascii_strcasecmp(end, "kb"))
        mult = 1e3;
    else if (!g_ascii_strcasecmp(end, "mb"))
        mult = 1e6;
    else if (*end)
        return false;
    if (!(v >= 0) || v * mult > 64e6)
        return false;
    *out = (uint64_t)llround(v * mult);
    return true;
}

/* One operation's text into `o`; the reason it is wrong, or NULL. */
static const char *parse_op(const char *text, client_op *o)
{
    gchar **all = g_strsplit_set(text, " ", 0);
    const char *w[4] = {0};
    guint n = 0;
    for (guint i = 0; all[i]; i++)
        if (*all[i] && n++ < 4)
            w[n - 1] = all[i];
    const char *why = "an unknown operation";
    for (size_t k = 0; n && k < G_N_ELEMENTS(op_words); k++) {
        if (strcmp(w[0], op_words[k].word))
            continue;
        int a = op_words[k].args;
        bool ok = a == 0 ? n == 1 : a == 1 ? n == 2 : a == 2 ? n == 3 : n <= 2;
        why = ok ? NULL : a == 2 ? "put takes a name and a size" : "the wrong number of words";
        o->op.kind = op_words[k].kind;
        o->op.names = !strcmp(w[0], "nlst");
        o->arg = n >= 2 && w[1] ? g_strdup(w[1]) : NULL;
        o->op.path = o->arg;
        if (!why && a == 2 && !parse_size(w[2], &o->op.size))
            why = "put's size must be bytes or a size like 20KB, at most 64 MB";
        break;
    }
    g_strfreev(all);
    return why;
}

static void read_ops(app_reader *r, const char *key, void *field)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(client_op));
    *(GArray **)field = out;
    int n = app_reader_enter_list(r, key, OPS_EXPECTED);
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        const char *t = app_reader_string(r);
        client_op o = {0};
        const char *why = t ? parse_op(t, &o) : "not a string";
        if (why && t && strcmp(why, "an unknown operation")) {
            g_free(o.arg);
            app_reader_fail(r, NULL, "\"%s\": %s", t, why);
        } else if (why) {
            g_free(o.arg);
            app_reader_fail_expected(r, NULL, OPS_EXPECTED);
        } else {
            o.text = g_strdup(t);
            g_array_append_val(out, o);
        }
        app_reader_leave(r);
    }
    if (n >= 0)
        app_reader_leave(r);
}

static const app_key client_keys[] = {
    {.name = "server", .kind = APP_KEY_NODE, .offset = offsetof(ftp_client_spec, server), .required = true},
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(ftp_client_spec, port), .def = 0, .lo = 0, .hi = 65535,
     .expected = "a port from 1 to 65535 (0: the server's)"},
    {.name = "user", .kind = APP_KEY_STRING, .offset = offsetof(ftp_client_spec, user), .def_text = "anonymous"},
    {.name = "password", .kind = APP_KEY_STRING, .offset = offsetof(ftp_client_spec, password)},
    {.name = "mode", .kind = APP_KEY_CHOICE, .offset = offsetof(ftp_client_spec, mode), .def = 0, .choices = modes,
     .expected = "\"passive\" or \"active\""},
    {.name = "transfer", .kind = APP_KEY_CHOICE, .offset = offsetof(ftp_client_spec, type), .def = 0, .choices = types,
     .expected = "\"binary\" or \"ascii\""},
    {.name = "at", .kind = APP_KEY_TIME, .offset = offsetof(ftp_client_spec, at), .def = 0},
    {.name = "ops", .kind = APP_KEY_CUSTOM, .offset = offsetof(ftp_client_spec, ops), .read = read_ops},
    {.name = "gets", .kind = APP_KEY_INT, .offset = offsetof(ftp_client_spec, gets), .def = -1, .lo = -1,
     .hi = 10000, .expected = "-1 (every file of the server) or a count from 0 to 10000"},
    {0}};

static void client_check(app_reader *r, void *cfg)
{
    const ftp_client_spec *s = cfg;
    if (s->ops->len && s->gets >= 0)
        app_reader_fail(r, "gets",
                        "\"gets\" fetches the server's files when there are no \"ops\": give one or the other");
    else if (strpbrk(s->user, " \t\r\n") || (s->password && strpbrk(s->password, "\r\n")))
        app_reader_fail(r, strpbrk(s->user, " \t\r\n") ? "user" : "password", "no spaces or line ends here");
}

static void client_clear(void *cfg)
{
    ftp_client_spec *s = cfg;
    for (guint i = 0; s->ops && i < s->ops->len; i++) {
        g_free(g_array_index(s->ops, client_op, i).text);
        g_free(g_array_index(s->ops, client_op, i).arg);
    }
    if (s->ops)
        g_array_free(s->ops, TRUE);
}


/* ---- running ------------------------------------------------------------------- */

typedef struct {
    int64_t start, data_at, end; /* ns; -1: not (yet) */
    uint64_t bytes;
    uint32_t round_trips;
    int code;
    bool ok, verified;
} op_record;

typedef struct {
    app_world *w;
    const app_spec *a;
    const ftp_client_spec *s;
    const ftp_server_spec *server; /* NULL: none found on the node */
    host_env *env;
    ftp_client_conn *c;
    GArray *ops;          /* of ftp_client_op: what runs */
    GPtrArray *texts;     /* of char*: each operation as ftp.csv shows it */
    op_record *recs;
    uint64_t ctl_in, ctl_out;
    bool done, ok;
    char *why;
    int64_t end_ns;
} client_inst;

/* The server's file named `path` (a leading "/" allowed), or -1. */
static int server_file(const ftp_server_spec *s, const char *path)
{
    if (!s || !path)
        return -1;
    if (path[0] == '/')
        path++;
    for (guint i = 0; i < s->files->len; i++)
        if (!strcmp(g_array_index(s->files, ftp_file_spec, i).name, path))
            return (int)i;
    return -1;
}

static void client_verify(client_inst *in, op_record *r, const ftp_client_event *ev)
{
    const ftp_client_op *op = &g_array_index(in->ops, ftp_client_op, ev->op);
    int f = op->kind == FTP_OP_GET && ev->data ? server_file(in->server, op->path) : -1;
    if (f < 0 || op->offset || in->s->type != 0)
        return;
    GBytes *want = ftp_server_file_bytes(&g_array_index(in->server->files, ftp_file_spec, f), (size_t)f);
    r->verified = g_bytes_equal(want, ev->data);
    g_bytes_unref(want);
}

static void client_event(void *ud, ftp_client_conn *c, const ftp_client_event *ev)
{
    (void)c;
    client_inst *in = ud;
    int64_t now = host_now(in->env);
    op_record *r = ev->kind == FTP_CLIENT_EV_DONE ? NULL : &in->recs[ev->op];
    switch (ev->kind) {
    case FTP_CLIENT_EV_OP_STARTED: r->start = now; break;
    case FTP_CLIENT_EV_OP_DATA_CONNECTED: r->data_at = now; break;
    case FTP_CLIENT_EV_OP_COMPLETED:
    case FTP_CLIENT_EV_OP_FAILED:
        r->end = now;
        r->code = ev->code;
        r->ok = ev->kind == FTP_CLIENT_EV_OP_COMPLETED;
        r->bytes = ev->stats.bytes;
        r->round_trips = ev->stats.round_trips;
        if (r->ok)
            client_verify(in, r, ev);
        if (ev->op == 0)
            app_world_first_exchange_done(in->w); /* the timeline draws the first operation */
        break;
    case FTP_CLIENT_EV_DONE:
        in->ok = ev->result == FTP_CLIENT_OK;
        g_free(in->why);
        in->why = g_strdup(in->ok ? "ok" : ev->text ? ev->text : ftp_client_result_name(ev->result));
        break;
    default: break;
    }
}

static void client_finish(client_inst *in, const char *why)
{
    if (why) {
        g_free(in->why);
        in->why = g_strdup(why);
        in->ok = false;
    }
    in->done = true;
    in->end_ns = host_now(in->env);
    app_world_done(in->w);
}

static void client_closed(void *ud, ftp_client_conn *c)
{
    client_inst *in = ud;
    ftp_client_conn_control_bytes(c, &in->ctl_in, &in->ctl_out);
    ftp_client_conn_free(c);
    in->c = NULL;
    client_finish(in, NULL);
}

static const ftp_client_conn_handler client_handler = {client_event, client_closed};

static bool node_literal(void *ud, const char *host, char out[46])
{
    char lit[16];
    if (!app_world_node_address(ud, host, lit))
        return false;
    g_strlcpy(out, lit, 46);
    return true;
}

static void client_go(void *ud)
{
    client_inst *in = ud;
    const ftp_client_spec *s = in->s;
    ftp_client_config cfg = {.user = s->user, .password = s->password, .ascii = s->type == 1,
                             .active = s->mode == 1, .ops = (const ftp_client_op *)(void *)in->ops->data,
                             .n_ops = in->ops->len};
    ftp_conn_options o = {.addr = node_literal, .addr_ud = in->w};
    uint16_t port = (uint16_t)(s->port ? s->port : in->server ? in->server->port : 21);
    GError *err = NULL;
    in->c = ftp_client_conn_new(in->env, s->server, port, &cfg, &o, &client_handler, in, &err);
    if (!in->c) {
        client_finish(in, err ? err->message : "cannot connect");
        g_clear_error(&err);
    }
}

/* The operations to run: the spec's, or gets of the server's files. */
static void client_plan(client_inst *in)
{
    const ftp_client_spec *s = in->s;
    in->ops = g_array_new(FALSE, TRUE, sizeof(ftp_client_op));
    in->texts = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < s->ops->len; i++) {
        const client_op *o = &g_array_index(s->ops, client_op, i);
        g_array_append_val(in->ops, o->op);
        g_ptr_array_add(in->texts, g_strdup(o->text));
    }
    guint files = in->server && !s->ops->len ? in->server->files->len : 0;
    if (s->gets >= 0 && (guint)s->gets < files)
        files = (guint)s->gets;
    for (guint i = 0; i < files; i++) {
        const ftp_file_spec *f = &g_array_index(in->server->files, ftp_file_spec, i);
        ftp_client_op op = {.kind = FTP_OP_GET, .path = f->name};
        g_array_append_val(in->ops, op);
        g_ptr_array_add(in->texts, g_strdup_printf("get %s", f->name));
    }
    in->recs = g_new0(op_record, in->ops->len ? in->ops->len : 1);
    for (guint i = 0; i < in->ops->len; i++)
        in->recs[i] = (op_record){.start = -1, .data_at = -1, .end = -1};
}

static void *client_start(app_world *w, const app_spec *a, GError **err)
{
    (void)err;
    const ftp_client_spec *s = a->cfg;
    client_inst *in = g_new0(client_inst, 1);
    in->w = w;
    in->a = a;
    in->s = s;
    in->env = app_world_host(w, a->host);
    const app_spec *srv = app_world_find(w, "ftp-server", s->server);
    in->server = srv ? srv->cfg : NULL;
    client_plan(in);
    host_timer(in->env, s->at, client_go, in);
    return in;
}

static void client_free(void *p)
{
    client_inst *in = p;
    ftp_client_conn_free(in->c);
    g_array_free(in->ops, TRUE);
    g_ptr_array_free(in->texts, TRUE);
    g_free(in->recs);
    g_free(in->why);
    g_free(in);
}

/* ---- results ------------------------------------------------------------------- */

static double span_s(int64_t a, int64_t b) { return a >= 0 && b >= 0 ? (double)(b - a) / 1e9 : NAN; }

/* Totals of one client. */
typedef struct {
    uint64_t ok, failed, bytes, round_trips, verified;
    int first_failure; /* the first failed operation's code; 0: none failed */
    int64_t last_end;  /* the last operation's end, -1: none */
    double transfer_sum;
    uint64_t transfers;
} client_sums;

static void client_sum(const client_inst *in, client_sums *t)
{
    memset(t, 0, sizeof *t);
    t->last_end = -1;
    for (guint i = 0; i < in->ops->len; i++) {
        const op_record *r = &in->recs[i];
        if (r->end < 0)
            continue;
        t->last_end = MAX(t->last_end, r->end);
        t->bytes += r->bytes;
        t->round_trips += r->round_trips;
        t->verified += r->verified;
        if (r->ok) {
            t->ok++;
        } else {
            if (!t->failed)
                t->first_failure = r->code;
            t->failed++;
        }
        ftp_client_op_kind k = g_array_index(in->ops, ftp_client_op, i).kind;
        if (r->ok && (k == FTP_OP_GET || k == FTP_OP_PUT || k == FTP_OP_LIST)) {
            t->transfer_sum += span_s(r->start, r->end);
            t->transfers++;
        }
    }
}

static void client_rows(const client_inst *in, const app_spec *a, app_collect *out)
{
    for (guint i = 0; i < in->ops->len; i++) {
        const op_record *r = &in->recs[i];
        const ftp_client_op *op = &g_array_index(in->ops, ftp_client_op, i);
        app_row(out, "%s,%s,%s,%s,%" G_GUINT64_FORMAT ",%u,%.6f,%.6f,%.6f,%d,%s", a->name, modes[in->s->mode],
                ftp_client_op_name(op->kind), op->path ? op->path : "", r->bytes, r->round_trips,
                span_s(r->start, r->data_at), span_s(r->data_at, r->end), span_s(r->start, r->end), r->code,
                r->end < 0 ? "unfinished" : r->ok ? "ok" : "failed");
    }
}

static void client_metrics(const client_inst *in, const char *prefix, app_collect *out)
{
    client_sums t;
    client_sum(in, &t);
    char key[300];
    const char *names[] = {"ops_ok", "ops_failed", "bytes", "round_trips", "verified", "control_bytes_in",
                           "control_bytes_out"};
    uint64_t vals[] = {t.ok, t.failed, t.bytes, t.round_trips, t.verified, in->ctl_in, in->ctl_out};
    for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
        g_snprintf(key, sizeof key, "%s.%s", prefix, names[k]);
        app_metric_count(out, key, vals[k]);
    }
    g_snprintf(key, sizeof key, "%s.failure_code", prefix);
    app_metric_count(out, key, (uint64_t)t.first_failure);
    g_snprintf(key, sizeof key, "%s.time_s", prefix);
    app_metric(out, key, t.last_end >= 0 ? span_s(in->s->at, t.last_end) : NAN);
    g_snprintf(key, sizeof key, "%s.transfer_time_s", prefix);
    app_metric(out, key, t.transfers ? t.transfer_sum / (double)t.transfers : NAN);
    g_snprintf(key, sizeof key, "%s.session_time_s", prefix);
    app_metric(out, key, in->done ? span_s(in->s->at, in->end_ns) : NAN);
    g_snprintf(key, sizeof key, "%s.ok", prefix);
    app_metric_flag(out, key, in->done && in->ok);
}

static void client_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                           app_collect *out)
{
    (void)w;
    char prefix[300];
    for (size_t i = 0; i < n; i++) {
        const client_inst *in = insts[i];
        client_rows(in, specs[i], out);
        g_snprintf(prefix, sizeof prefix, "ftp_client.%s", specs[i]->name);
        client_metrics(in, prefix, out);
        if (!in->done || !in->ok) {
            char *why = g_strdup_printf("ftp client \"%s\": %s", specs[i]->name,
                                        in->done ? in->why : "its session did not end before the run stopped");
            app_run_failed(out, why);
            g_free(why);
        }
    }
    if (n)
        client_metrics(insts[0], "ftp_client", out);
}

/* ---- the formula ----------------------------------------------------------------- */

typedef struct {
    app_path fwd, rev; /* client to server, server to client */
    double hdr, mss;
} ftp_paths;

/* One message of `bytes` (at most a segment) across an idle path. */
static double leg(const app_path *p, double hdr, double bytes)
{
    return app_path_datagram_s(p, (uint64_t)llround(bytes + hdr));
}

/* A get's data: the 150 reply (`small` bytes), the file's `len` bytes
 * in segments, the 226 reply and the data connection's FIN, written at
 * once: the first packet crosses the path, the others follow at the
 * bottleneck's pace. */
static double retrieval(const ftp_paths *f, double small, double len)
{
    double k = ceil(len / f->mss);
    double rest = len + k * f->hdr + (small + f->hdr) + f->hdr;
    return leg(&f->rev, f->hdr, small) + rest * 8.0 / f->rev.bottleneck_bps;
}

static bool path_clean(const app_path *p)
{
    if (p->n < 0)
        return false;
    for (int i = 0; i < p->n; i++)
        if (p->hops[i].loss > 0 || p->hops[i].queue_limit_pkts || p->hops[i].queue_limit_bytes)
            return false;
    return true;
}

/* The sizes of the files the client gets, in order, into `sizes` (of
 * double): false when an operation is not a get of one of the server's
 * files. */
static bool gets_only(const ftp_client_spec *s, const ftp_server_spec *ss, GArray *sizes)
{
    for (guint i = 0; i < s->ops->len; i++) {
        const client_op *o = &g_array_index(s->ops, client_op, i);
        int f = o->op.kind == FTP_OP_GET && !o->op.offset ? server_file(ss, o->op.path) : -1;
        if (f < 0)
            return false;
        double len = (double)g_array_index(ss->files, ftp_file_spec, f).size;
        g_array_append_val(sizes, len);
    }
    guint n = s->ops->len ? 0 : ss->files->len;
    if (s->gets >= 0 && (guint)s->gets < n)
        n = (guint)s->gets;
    for (guint i = 0; i < n; i++) {
        double len = (double)g_array_index(ss->files, ftp_file_spec, i).size;
        g_array_append_val(sizes, len);
    }
    return true;
}

/* "ftp-files": the first client's ftp_time in ideal TCP on idle paths,
 * when its operations are all gets of the server's files and all
 * succeeded:
 *   3 one-way handshake legs (SYN, SYN-ACK, ACK: the server accepts on
 *   the ACK) + the greeting + USER, PASS and TYPE round trips
 *   + per file: the EPSV/229 round trip, the data connection's handshake
 *   (SYN, SYN-ACK), RETR, then the 150, the file and the 226 back
 *   (active mode: EPRT/200, RETR, the server's SYN and the SYN-ACK, then
 *   the same: as many legs).
 * The control lines are the session's measured bytes shared evenly among
 * the commands and among the replies (counting each line's exact length
 * moves the result by 2.6 us of 0.33 s; the simulated time is above it by
 * the bare ACKs TCP sends ahead of replies, docs/ftp.md). NaN otherwise. */
static double ftp_files_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    const ftp_client_spec *s = a->cfg;
    const app_spec *srv = app_world_find(w, "ftp-server", s->server);
    app_tcp_info tcp;
    app_world_tcp(w, &tcp);
    ftp_paths f;
    if (!srv || !tcp.ideal || !app_world_path(w, a->host, s->server, &f.fwd) ||
        !app_world_path(w, s->server, a->host, &f.rev) || !path_clean(&f.fwd) || !path_clean(&f.rev))
        return NAN;
    double ok = app_view_metric(m, "ftp_client.ops_ok"), in = app_view_metric(m, "ftp_client.control_bytes_in"),
           out = app_view_metric(m, "ftp_client.control_bytes_out");
    GArray *sizes = g_array_new(FALSE, FALSE, sizeof(double));
    bool fits = gets_only(s, srv->cfg, sizes) && isfinite(ok) && ok == (double)sizes->len &&
                app_view_metric(m, "ftp_client.ops_failed") == 0;
    double n = sizes->len;
    f.hdr = app_world_header_bytes(w, false);
    f.mss = tcp.mss;
    double small_out = out / (4.0 + 2.0 * n), small_in = in / (5.0 + 3.0 * n);
    double t = leg(&f.fwd, f.hdr, 0) + leg(&f.rev, f.hdr, 0) + leg(&f.fwd, f.hdr, 0) + leg(&f.rev, f.hdr, small_in);
    t += 3 * (leg(&f.fwd, f.hdr, small_out) + leg(&f.rev, f.hdr, small_in));
    for (guint i = 0; i < sizes->len; i++)
        t += leg(&f.fwd, f.hdr, small_out) + leg(&f.rev, f.hdr, small_in) + leg(&f.fwd, f.hdr, 0) +
             leg(&f.rev, f.hdr, 0) + leg(&f.fwd, f.hdr, small_out) +
             retrieval(&f, small_in, g_array_index(sizes, double, i));
    g_array_free(sizes, TRUE);
    return fits ? t : NAN;
}

static const app_formula client_formulas[] = {{"ftp-files", ftp_files_formula}, {NULL, NULL}};
static const app_prediction client_predictions[] = {{"ftp-files", "ftp_time"}, {NULL, NULL}};

static const app_headline client_headlines[] = {
    {"ftp_time", "time to fetch the files (s)", "ftp_client.time_s", true},
    {"ftp_transfer_time", "time per transfer (s)", "ftp_client.transfer_time_s", true},
    {"ftp_session_time", "FTP session time (s)", "ftp_client.session_time_s", true},
    {"ftp_failed_ops", "failed FTP operations", "ftp_client.ops_failed", false},
    {NULL, NULL, NULL, false}};

static bool client_endpoints(const app_spec *a, char **server)
{
    *server = g_strdup(((const ftp_client_spec *)a->cfg)->server);
    return true;
}

static void client_report(const app_view *m, app_report_style style, GString *out)
{
    double t = app_view_metric(m, "ftp_client.time_s"), ok = app_view_metric(m, "ftp_client.ops_ok"),
           bad = app_view_metric(m, "ftp_client.ops_failed"), code = app_view_metric(m, "ftp_client.failure_code");
    if (!isfinite(ok))
        return;
    if (style == APP_REPORT_ROW) {
        g_string_append_printf(out, "ftp %.4f s, %.0f ok, %.0f failed", t, ok, bad);
        if (bad > 0)
            g_string_append_printf(out, " (first: %.0f)", code);
        return;
    }
    g_string_append_printf(out, "%sftp client: %.0f operation(s) ok, %.0f failed",
                           style == APP_REPORT_CASE ? "    " : "  ", ok, bad);
    if (bad > 0)
        g_string_append_printf(out, " (the first with reply %.0f)", code);
    g_string_append_printf(out, "; %.4f s to the last operation's end, session %.4f s, %.0f B of data\n", t,
                           app_view_metric(m, "ftp_client.session_time_s"), app_view_metric(m, "ftp_client.bytes"));
}

const app_type ftp_client_app = {
    .type = "ftp-client",
    .doc = "an FTP client: log in, then get, put and list files over a new data connection each, active or passive",
    .config_size = sizeof(ftp_client_spec),
    .keys = client_keys,
    .check = client_check,
    .config_clear = client_clear,
    .hold = APP_HOLD_UNTIL_DONE,
    .start = client_start,
    .free = client_free,
    .collect = client_collect,
    .csv_file = "ftp.csv",
    .csv_header = "client,mode,op,file,bytes,round_trips,data_setup_s,transfer_s,total_s,code,result",
    .headlines = client_headlines,
    .formulas = client_formulas,
    .predictions = client_predictions,
    .endpoints = client_endpoints,
    .timeline_title = "the login and the first operation",
    .report = client_report,
    .report_rows_title = "the first FTP client",
};
