/*
 * mail_reader_app: the "mail-reader" application type — Bob reading his
 * mailbox from one of his machines with POP3 (download-and-delete or
 * download-and-keep) or IMAP (everything stays on the server), over the
 * pop3_conn / imap_conn clients. It holds the run until its session is
 * over.
 *
 * Machines: readers on the same node with the same `machine` label are
 * one machine: what it already has (the POP3 unique ids it downloaded
 * and kept, the IMAP messages it synced) is a service of that node
 * ("mail-machine:" and the label), created by the first such reader, so
 * that a later session skips what the machine has (POP3 keep mode, via
 * UIDL; IMAP from the last UID whose header it synced) and the results
 * say what each machine ends up with. An IMAP reader syncs the headers
 * first, then fetches `bodies` whole messages (all by default).
 *
 * Results: per reader (reader.csv and mail_reader.<name>.* metrics) the
 * messages downloaded, what its machine then has, what is left on the
 * server after it, bytes sent and received, round trips (commands
 * answered, the greeting counted as one) and the time to read (from its
 * `at` to the end of the session); the first reader's as the headlines
 * (read_time, read_bytes), and messages_left after the last reader. The
 * formula "mail-read" (mail_read_formula below) is the first reader's
 * time in ideal TCP.
 */
#include <math.h>
#include <string.h>

#include "protocols/imap/imap_conn.h"
#include "protocols/pop3/pop3_conn.h"
#include "smtp_apps.h"

/* ---- keys ---------------------------------------------------------------------- */

typedef enum { READ_POP3_DELETE, READ_POP3_KEEP, READ_IMAP } read_protocol;

static const char *const protocols[] = {"pop3-delete", "pop3-keep", "imap", NULL};

typedef struct {
    char *server, *user, *password, *machine;
    int protocol;
    int64_t at;     /* ns */
    int64_t bodies; /* IMAP: whole messages fetched after the headers; -1: all */
} reader_spec;

static const app_key reader_keys[] = {
    {.name = "server", .kind = APP_KEY_NODE, .offset = offsetof(reader_spec, server), .required = true},
    {.name = "user", .kind = APP_KEY_STRING, .offset = offsetof(reader_spec, user), .required = true},
    {.name = "password", .kind = APP_KEY_STRING, .offset = offsetof(reader_spec, password), .required = true},
    {.name = "protocol", .kind = APP_KEY_CHOICE, .offset = offsetof(reader_spec, protocol), .def = 0,
     .choices = protocols, .expected = "\"pop3-delete\", \"pop3-keep\" or \"imap\""},
    {.name = "at", .kind = APP_KEY_TIME, .offset = offsetof(reader_spec, at), .def = 0},
    {.name = "machine", .kind = APP_KEY_STRING, .offset = offsetof(reader_spec, machine)},
    {.name = "bodies", .kind = APP_KEY_INT, .offset = offsetof(reader_spec, bodies), .def = -1, .lo = -1,
     .hi = 1000000, .expected = "-1 (all) or a count from 0 to 1000000"},
    {0}};

static void reader_check(app_reader *r, void *cfg)
{
    const reader_spec *s = cfg;
    if (s->bodies >= 0 && s->protocol != READ_IMAP)
        app_reader_fail(r, "bodies", "only an IMAP reader fetches headers first (\"protocol\": \"imap\")");
    else if (strpbrk(s->user, " \t\r\n\"\\") || strpbrk(s->password, "\r\n\"\\"))
        app_reader_fail(r, strpbrk(s->user, " \t\r\n\"\\") ? "user" : "password",
                        "no spaces, quotes, backslashes or line ends here");
}

/* ---- machines ------------------------------------------------------------------ */

typedef struct {
    GHashTable *has;   /* what it downloaded: "uidl:<id>" or "imap:<validity>:<uid>" (owned keys) */
    GPtrArray *kept;   /* POP3 unique ids of messages kept on the server, in download order */
    uint32_t imap_validity, imap_last; /* IMAP: the folder's UIDVALIDITY and the last UID whose header it synced */
} machine;

static void machine_free(machine *m)
{
    g_hash_table_destroy(m->has);
    g_ptr_array_free(m->kept, TRUE);
    g_free(m);
}

/* ---- running ------------------------------------------------------------------- */

typedef struct {
    app_world *w;
    const app_spec *a;
    const reader_spec *s;
    host_env *env;
    machine *m;
    bool owns_machine;
    mail_store *store; /* the server's, for what is left */
    uint16_t port;
    pop3_client_conn *pop3;
    imap_client_conn *imap;
    /* results */
    bool done, ok;
    char *why;
    uint64_t downloaded, headers, bytes_sent, bytes_received, round_trips, machine_has, left;
    int64_t end_ns;
} reader_inst;

static void reader_finish(reader_inst *in, bool ok, const char *why)
{
    in->done = true;
    in->ok = ok;
    in->why = g_strdup(why ? why : "");
    in->end_ns = host_now(in->env);
    in->machine_has = g_hash_table_size(in->m->has);
    mail_folder *f = mail_store_folder(in->store, in->s->user, "INBOX", NULL);
    in->left = f ? mail_folder_count(f) : 0;
    app_world_first_exchange_done(in->w); /* the timeline draws the first reader's session */
    app_world_done(in->w);
}

static void pop3_event(void *ud, pop3_client_conn *c, const pop3_client_event *ev)
{
    (void)c;
    reader_inst *in = ud;
    if (ev->kind == POP3_CLIENT_EV_MESSAGE) {
        in->downloaded++;
        char *k = ev->uidl ? g_strdup_printf("uidl:%s", ev->uidl)
                           : g_strdup_printf("pop3:%" G_GUINT64_FORMAT, in->downloaded);
        g_hash_table_add(in->m->has, k);
        if (ev->uidl && in->s->protocol == READ_POP3_KEEP)
            g_ptr_array_add(in->m->kept, g_strdup(ev->uidl));
    } else if (ev->kind == POP3_CLIENT_EV_DONE) {
        in->ok = ev->result == POP3_CLIENT_OK;
        g_free(in->why);
        in->why = g_strdup(ev->result == POP3_CLIENT_OK ? "ok" : ev->text ? ev->text : pop3_client_result_name(ev->result));
    }
}

static void pop3_closed(void *ud, pop3_client_conn *c)
{
    reader_inst *in = ud;
    const pop3_client_stats *st = pop3_client_conn_stats(c);
    in->bytes_sent = st->bytes_out;
    in->bytes_received = st->bytes_in;
    /* greeting, USER, PASS, LIST, UIDL, each RETR and DELE, QUIT */
    in->round_trips = 5 + st->retrieved + st->deleted + 1;
    char *why = in->why;
    in->why = NULL;
    reader_finish(in, in->ok, why);
    g_free(why);
}

static const pop3_client_conn_handler pop3_handler = {pop3_event, pop3_closed};

static void imap_event(void *ud, imap_client_conn *c, const imap_client_event *ev)
{
    reader_inst *in = ud;
    (void)c;
    mail_folder *f = mail_store_folder(in->store, in->s->user, "INBOX", NULL);
    uint32_t validity = f ? mail_folder_uidvalidity(f) : 0;
    if (ev->kind == IMAP_CLIENT_EV_HEADER) {
        in->headers++;
        in->m->imap_validity = validity;
        in->m->imap_last = MAX(in->m->imap_last, ev->uid);
    } else if (ev->kind == IMAP_CLIENT_EV_MESSAGE) {
        in->downloaded++;
        g_hash_table_add(in->m->has, g_strdup_printf("imap:%u:%u", validity, ev->uid));
    } else if (ev->kind == IMAP_CLIENT_EV_DONE) {
        in->ok = ev->ok;
        g_free(in->why);
        in->why = g_strdup(ev->ok ? "ok" : ev->text ? ev->text : "failed");
    }
}

static void imap_closed(void *ud, imap_client_conn *c)
{
    reader_inst *in = ud;
    in->bytes_sent = imap_client_conn_bytes_out(c);
    in->bytes_received = imap_client_conn_bytes_in(c);
    /* the greeting and every command */
    in->round_trips = 1 + imap_client_conn_commands(c);
    char *why = in->why;
    in->why = NULL;
    reader_finish(in, in->ok, why);
    g_free(why);
}

static const imap_client_conn_handler imap_handler = {imap_event, imap_closed};

static void reader_go(void *ud)
{
    reader_inst *in = ud;
    GError *err = NULL;
    const reader_spec *s = in->s;
    if (s->protocol == READ_IMAP) {
        /* headers first, from the last UID the machine synced (the same folder only) */
        mail_folder *f = mail_store_folder(in->store, s->user, "INBOX", NULL);
        uint32_t after = f && mail_folder_uidvalidity(f) == in->m->imap_validity ? in->m->imap_last : 0;
        imap_client_config c = {.user = s->user, .password = s->password, .headers_first = true,
                                .bodies = s->bodies, .after_uid = after};
        in->imap = imap_client_conn_new(in->env, s->server, in->port, &c, &imap_handler, in, 0, &err);
    } else {
        const char **known = g_new0(const char *, in->m->kept->len + 1);
        for (guint i = 0; i < in->m->kept->len; i++)
            known[i] = g_ptr_array_index(in->m->kept, i);
        pop3_client_config c = {.user = s->user, .password = s->password, .known_uidls = known,
                                .mode = s->protocol == READ_POP3_KEEP ? POP3_MODE_KEEP : POP3_MODE_DELETE};
        in->pop3 = pop3_client_conn_new(in->env, s->server, in->port, &c, &pop3_handler, in, 0, &err);
        g_free(known);
    }
    if (err) {
        reader_finish(in, false, err->message);
        g_error_free(err);
    }
}

static void *reader_start(app_world *w, const app_spec *a, GError **err)
{
    const reader_spec *s = a->cfg;
    const app_spec *ms = app_world_find(w, "mail-server", s->server);
    const mail_server_spec *mss = ms ? ms->cfg : NULL;
    bool imap = s->protocol == READ_IMAP;
    if (!mss || !(imap ? mss->imap : mss->pop3)) {
        g_set_error(err, APP_ERROR, APP_ERROR_START,
                    "no mail-server with \"%s\": true runs on node \"%s\" (its key \"server\")", imap ? "imap" : "pop3",
                    s->server);
        return NULL;
    }
    reader_inst *in = g_new0(reader_inst, 1);
    in->w = w;
    in->a = a;
    in->s = s;
    in->env = app_world_host(w, a->host);
    in->store = app_world_service(w, s->server, "mail-store");
    in->port = (uint16_t)(imap ? mss->imap_port : mss->pop3_port);
    char *name = g_strdup_printf("mail-machine:%s", s->machine ? s->machine : a->host);
    in->m = app_world_service(w, a->host, name);
    if (!in->m) {
        in->m = g_new0(machine, 1);
        in->m->has = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        in->m->kept = g_ptr_array_new_with_free_func(g_free);
        in->owns_machine = true;
        app_world_offer(w, a->host, name, in->m);
    }
    g_free(name);
    if (!in->store) { /* started before its server ("apps" order): found when the run goes */
        g_set_error(err, APP_ERROR, APP_ERROR_START, "the mail-server of node \"%s\" must come before its readers "
                    "in \"apps\"", s->server);
        if (in->owns_machine)
            machine_free(in->m);
        g_free(in);
        return NULL;
    }
    host_timer(in->env, s->at, reader_go, in);
    return in;
}

static void reader_free(void *p)
{
    reader_inst *in = p;
    pop3_client_conn_free(in->pop3);
    imap_client_conn_free(in->imap);
    if (in->owns_machine)
        machine_free(in->m);
    g_free(in->why);
    g_free(in);
}

/* ---- results ------------------------------------------------------------------- */

static double read_time_s(const reader_inst *in) { return in->done ? (double)(in->end_ns - in->s->at) / 1e9 : NAN; }

static void reader_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                           app_collect *out)
{
    (void)w;
    if (n == 0)
        return;
    char key[300];
    for (size_t i = 0; i < n; i++) {
        const reader_inst *in = insts[i];
        const reader_spec *s = specs[i]->cfg;
        const char *mach = s->machine ? s->machine : specs[i]->host;
        app_row(out, "%s,%s,%s,%s,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%.6f,%s",
                specs[i]->name, mach, specs[i]->host, protocols[s->protocol], in->downloaded, in->headers, in->machine_has,
                in->left, in->bytes_sent, in->bytes_received, in->round_trips, read_time_s(in),
                in->done ? (in->ok ? "ok" : "failed") : "unfinished");
        const char *names[] = {"downloaded", "headers",        "machine_has", "left",
                               "bytes_sent", "bytes_received", "round_trips"};
        uint64_t vals[] = {in->downloaded, in->headers,        in->machine_has, in->left,
                           in->bytes_sent, in->bytes_received, in->round_trips};
        for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
            g_snprintf(key, sizeof key, "mail_reader.%s.%s", specs[i]->name, names[k]);
            app_metric_count(out, key, vals[k]);
        }
        g_snprintf(key, sizeof key, "mail_reader.%s.read_time_s", specs[i]->name);
        app_metric(out, key, read_time_s(in));
        if (!in->done || !in->ok) {
            char *why = g_strdup_printf("mail reader \"%s\": %s", specs[i]->name,
                                        in->done ? in->why : "its session did not end before the run stopped");
            app_run_failed(out, why);
            g_free(why);
        }
    }
    const reader_inst *first = insts[0], *last = insts[n - 1];
    app_metric(out, "mail_reader.read_time_s", read_time_s(first));
    app_metric_count(out, "mail_reader.read_bytes", first->bytes_received);
    app_metric_count(out, "mail_reader.bytes_sent", first->bytes_sent);
    app_metric_count(out, "mail_reader.downloaded", first->downloaded);
    app_metric_count(out, "mail_reader.round_trips", first->round_trips);
    app_metric_count(out, "mail_reader.messages_left", last->left);
}

/* ---- the formula ----------------------------------------------------------------- */

/* The time the last of `bytes` bytes written at once arrives across an
 * idle path in ideal TCP: the first segment crosses it, the others follow
 * at the bottleneck's pace. O(hops). */
static double burst_s(const app_path *p, double hdr, double mss, double bytes)
{
    if (bytes <= 0)
        return app_path_datagram_s(p, (uint64_t)hdr);
    double k = ceil(bytes / mss), first = MIN(bytes, mss);
    return app_path_datagram_s(p, (uint64_t)(first + hdr)) + ((bytes - first) + (k - 1) * hdr) * 8.0 / p->bottleneck_bps;
}

/* "mail-read": the first reader's time to read, in ideal TCP on idle
 * paths. The connection (SYN, SYN-ACK, ACK: the server accepts on the
 * ACK) and the greeting take 2 RTT with their transmissions; then every
 * command waits for its answer: each costs its transmission there and the
 * answer's back. POP3: USER, PASS, LIST, UIDL, then RETR (and DELE in
 * delete mode) per message, QUIT; IMAP: LOGIN, SELECT, a FETCH of the
 * headers, a FETCH of the messages, LOGOUT. The messages' bytes are the preload's (each
 * answer carries one; IMAP's first FETCH carries every header section,
 * its second every message), the small lines
 * are the session's measured bytes shared evenly among them, which moves
 * the result by nanoseconds. NaN outside ideal TCP, without a preload, or
 * when the first reader did not read the whole preload (an IMAP reader
 * with fewer `bodies`). */
static double mail_read_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    const reader_spec *s = a->cfg;
    const app_spec *ms = app_world_find(w, "mail-server", s->server);
    app_tcp_info tcp;
    app_world_tcp(w, &tcp);
    app_path fwd, rev;
    double got = app_view_metric(m, "mail_reader.downloaded"), in = app_view_metric(m, "mail_reader.read_bytes"),
           out = app_view_metric(m, "mail_reader.bytes_sent");
    if (!ms || !tcp.ideal || !app_world_path(w, a->host, s->server, &fwd) || fwd.n < 0 ||
        !app_world_path(w, s->server, a->host, &rev) || rev.n < 0 || !isfinite(got) || !isfinite(in))
        return NAN;
    const mail_server_spec *mss = ms->cfg;
    double n = (double)mss->preload.count, size = (double)mss->preload.size;
    if (!mss->preload.mailbox || strcmp(mss->preload.mailbox, s->user) || got != n)
        return NAN;
    GBytes *one = n > 0 ? mail_access_preload_message(mss, 1) : NULL;
    double head = 0; /* its header section, blank line included */
    if (one) {
        gsize len;
        const char *d = g_bytes_get_data(one, &len);
        const char *blank = g_strstr_len(d, (gssize)len, "\r\n\r\n");
        size = (double)len;
        head = blank ? (double)(blank - d + 4) : size;
        g_bytes_unref(one);
    }
    if (s->protocol == READ_IMAP && s->bodies >= 0 && s->bodies < mss->preload.count)
        return NAN;
    double hdr = app_world_header_bytes(w, false), mss_b = tcp.mss;
    bool imap = s->protocol == READ_IMAP, del = s->protocol == READ_POP3_DELETE;
    double cmds = imap ? 3 + (n > 0 ? 2 : 0) : 5 + n + (del ? n : 0);
    /* IMAP: the headers' FETCH carries n header sections, the bodies' n messages */
    double small_in = (in - n * size - (imap ? n * head : 0)) / (cmds + 1), small_out = out / cmds;
    double t = burst_s(&fwd, hdr, mss_b, 0) + burst_s(&rev, hdr, mss_b, 0) + burst_s(&fwd, hdr, mss_b, 0) +
               burst_s(&rev, hdr, mss_b, small_in);
    t += cmds * burst_s(&fwd, hdr, mss_b, small_out);
    if (imap && n > 0)
        return t + (cmds - 2) * burst_s(&rev, hdr, mss_b, small_in) +
               burst_s(&rev, hdr, mss_b, n * head + small_in) + burst_s(&rev, hdr, mss_b, n * size + small_in);
    return t + (cmds - n) * burst_s(&rev, hdr, mss_b, small_in) + n * burst_s(&rev, hdr, mss_b, size + small_in);
}

static const app_formula reader_formulas[] = {{"mail-read", mail_read_formula}, {NULL, NULL}};

static const app_headline reader_headlines[] = {
    {"read_time", "time to read the mailbox (s)", "mail_reader.read_time_s", true},
    {"read_bytes", "bytes received by the first reader", "mail_reader.read_bytes", false},
    {"messages_left", "messages left on the server", "mail_reader.messages_left", false},
    {NULL, NULL, NULL, false}};

static bool reader_endpoints(const app_spec *a, char **server)
{
    *server = g_strdup(((const reader_spec *)a->cfg)->server);
    return true;
}

static void reader_report(const app_view *m, app_report_style style, GString *out)
{
    double t = app_view_metric(m, "mail_reader.read_time_s");
    if (!isfinite(t))
        return;
    if (style == APP_REPORT_ROW) {
        g_string_append_printf(out, "read %.4f s, %.0f B, %.0f round trips, %.0f left",
                               t, app_view_metric(m, "mail_reader.read_bytes"),
                               app_view_metric(m, "mail_reader.round_trips"),
                               app_view_metric(m, "mail_reader.messages_left"));
        return;
    }
    g_string_append_printf(out,
                           "%smail readers: the first read %.0f message(s) in %.4f s (%.0f B received, %.0f round "
                           "trips); %.0f left on the server after the last\n",
                           style == APP_REPORT_CASE ? "    " : "  ", app_view_metric(m, "mail_reader.downloaded"), t,
                           app_view_metric(m, "mail_reader.read_bytes"), app_view_metric(m, "mail_reader.round_trips"),
                           app_view_metric(m, "mail_reader.messages_left"));
}

const app_type mail_reader_app = {
    .type = "mail-reader",
    .doc = "Bob's mail reader: POP3 download-and-delete, download-and-keep, or IMAP, from one of his machines",
    .config_size = sizeof(reader_spec),
    .keys = reader_keys,
    .check = reader_check,
    .hold = APP_HOLD_UNTIL_DONE,
    .start = reader_start,
    .free = reader_free,
    .collect = reader_collect,
    .csv_file = "readers.csv",
    .csv_header = "reader,machine,host,protocol,downloaded,headers,machine_has,left_on_server,bytes_sent,bytes_received,"
                  "round_trips,read_time_s,result",
    .headlines = reader_headlines,
    .formulas = reader_formulas,
    .endpoints = reader_endpoints,
    .timeline_title = "the first reader's session",
    .report = reader_report,
    .report_rows_title = "the first reader",
};
