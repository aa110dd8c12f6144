/*
 * Tests of protocols/ftp/ftp_conn over the simulator: a client node and a
 * server node behind a router (10 Mb/s, 10 ms links). A get in passive and
 * in active mode (the file arrives whole, the session ends OK, the server
 * sees "quit"; active data connections come from port 20, or the
 * data_port given), a put (the store holds the bytes), a listing, the
 * addresses the cores see (literals, not node names), the server's idle
 * timeout (421 after 5 minutes of silence), a passive data connection that
 * never comes (425 after the data timeout) and determinism.
 */
#include <glib.h>
#include <string.h>

#include "models/net.h"
#include "models/sim_host.h"
#include "models/tcp.h"
#include "protocols/ftp/ftp_conn.h"
#include "sim/sim.h"
#include "sim/sim_trace.h"
#include "test_util.h"

#define FILE_LEN 100000

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    sim_host_t *cli, *srv;
    host_listener *l;
    ftp_fs *fs;
    ftp_server_conn *sc;
    char *server_why;
    GString *log;      /* the client's events, compactly */
    GBytes *got;       /* the last get's or list's data */
    ftp_client_conn *cc;
    bool client_closed;
    int64_t done_at;
    ftp_conn_options o;
} fw;

static bool map_addr(void *ud, const char *host, char out[46])
{
    fw *w = ud;
    node_t *n = net_node_by_name_or_address(w->net, host);
    if (!n)
        return false;
    char lit[NET_IPV4_STRLEN];
    node_address_text(n, lit);
    g_strlcpy(out, lit, 46);
    return true;
}

static void server_closed(void *ud, ftp_server_conn *c, const char *why)
{
    fw *w = ud;
    g_free(w->server_why);
    w->server_why = g_strdup(why);
    ftp_server_conn_free(c);
    w->sc = NULL;
}

static const ftp_server_conn_handler server_h = {.closed = server_closed};

static void server_accept(void *ud, stream_t *s)
{
    fw *w = ud;
    ftp_server_config cfg = {.anonymous = true, .anonymous_write = true};
    w->sc = ftp_server_conn_new(sim_host_env(w->srv), s, &cfg, w->fs, &w->o, &server_h, w);
}

static sim_host_t *add_host(fw *w, const char *name, node_t *router)
{
    node_t *n = net_add_host(w->net, name, NULL);
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(10)};
    char *ln = g_strdup_printf("%s-r", name);
    net_link(w->net, ln, n, router, &lp, NULL, NULL);
    g_free(ln);
    return sim_host_new(w->tcp, n, NULL);
}

static void fw_init(fw *w)
{
    memset(w, 0, sizeof *w);
    w->sim = sim_new(1);
    w->net = net_new(w->sim);
    node_t *r = net_add_router(w->net, "r", NULL);
    w->tcp = tcp_stack_new(w->net, NULL);
    w->cli = add_host(w, "alice", r);
    w->srv = add_host(w, "files", r);
    w->fs = ftp_fs_new_memory(false);
    uint8_t *buf = g_malloc(FILE_LEN);
    for (size_t i = 0; i < FILE_LEN; i++)
        buf[i] = (uint8_t)(i * 7 + i / 251);
    CU_ASSERT_TRUE(ftp_fs_memory_put(w->fs, "/file1", buf, FILE_LEN, SIM_HOST_EPOCH, NULL));
    g_free(buf);
    w->o.addr = map_addr;
    w->o.addr_ud = w;
    w->log = g_string_new("");
    w->l = host_listen(sim_host_env(w->srv), 21, server_accept, w, NULL);
    CU_ASSERT_PTR_NOT_NULL(w->l);
}

static void fw_clear(fw *w)
{
    ftp_client_conn_free(w->cc);
    ftp_server_conn_free(w->sc);
    host_unlisten(sim_host_env(w->srv), w->l);
    sim_host_free(w->cli);
    sim_host_free(w->srv);
    tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
    ftp_fs_free(w->fs);
    g_string_free(w->log, TRUE);
    if (w->got)
        g_bytes_unref(w->got);
    g_free(w->server_why);
}

static void client_event(void *ud, ftp_client_conn *c, const ftp_client_event *ev)
{
    (void)c;
    fw *w = ud;
    switch (ev->kind) {
    case FTP_CLIENT_EV_OP_COMPLETED:
        g_string_append_printf(w->log, "C%zu:%d;", ev->op, ev->code);
        if (ev->data) {
            if (w->got)
                g_bytes_unref(w->got);
            w->got = g_bytes_ref(ev->data);
        }
        break;
    case FTP_CLIENT_EV_OP_FAILED: g_string_append_printf(w->log, "F%zu:%d;", ev->op, ev->code); break;
    case FTP_CLIENT_EV_DONE:
        g_string_append_printf(w->log, "%s", ftp_client_result_name(ev->result));
        w->done_at = host_now(sim_host_env(w->cli));
        break;
    default: break;
    }
}

static void client_closed(void *ud, ftp_client_conn *c)
{
    fw *w = ud;
    w->client_closed = true;
    ftp_client_conn_free(c);
    w->cc = NULL;
}

static const ftp_client_conn_handler client_h = {.event = client_event, .closed = client_closed};

static void start(fw *w, bool active, const ftp_client_op *ops, size_t n)
{
    ftp_client_config cfg = {.active = active, .ops = ops, .n_ops = n};
    w->cc = ftp_client_conn_new(sim_host_env(w->cli), "files", 21, &cfg, &w->o, &client_h, w, NULL);
    CU_ASSERT_PTR_NOT_NULL(w->cc);
}

static void check_file(const fw *w)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->got);
    CU_ASSERT_EQUAL(g_bytes_get_size(w->got), FILE_LEN);
    const uint8_t *p = g_bytes_get_data(w->got, NULL);
    bool same = true;
    for (size_t i = 0; i < FILE_LEN; i++)
        same = same && p[i] == (uint8_t)(i * 7 + i / 251);
    CU_ASSERT_TRUE(same);
}

/* Counts the TCP state changes of connections from the server's port 20
 * ("tcp N files:20->alice:P SYN_SENT -> ..."), and of any from files to
 * alice's listener in active mode (ephemeral or not). */
typedef struct {
    int from20, from_files;
    const char *want; /* NULL: " files:20->alice:" */
} port_seen;

static void on_trace(void *ctx, const sim_trace_rec *rec)
{
    port_seen *ps = ctx;
    if (!rec->text || !g_str_has_prefix(rec->text, "tcp ") || !strstr(rec->text, "CLOSED -> SYN_SENT"))
        return;
    if (strstr(rec->text, " files:"))
        ps->from_files++;
    if (strstr(rec->text, ps->want ? ps->want : " files:20->alice:"))
        ps->from20++;
}

static void get_in_mode(bool active)
{
    fw w;
    fw_init(&w);
    port_seen ps = {0};
    sim_trace_subscribe(sim_trace(w.sim), SIM_TR_MASK(SIM_TR_APP), on_trace, &ps);
    ftp_client_op ops[] = {{.kind = FTP_OP_GET, .path = "file1"}};
    start(&w, active, ops, 1);
    sim_run_until(w.sim, SIM_S(60));
    /* Active: the server's data connection comes from port 20 (RFC 959's
     * L-1 beside 21); passive: the server opens no connection. */
    CU_ASSERT_EQUAL(ps.from_files, active ? 1 : 0);
    CU_ASSERT_EQUAL(ps.from20, active ? 1 : 0);
    if (strcmp(w.log->str, "C0:226;ok") != 0)
        g_printerr("log: %s\n", w.log->str);
    CU_ASSERT_STRING_EQUAL(w.log->str, "C0:226;ok");
    CU_ASSERT_TRUE(w.client_closed);
    CU_ASSERT_STRING_EQUAL(w.server_why, "quit");
    check_file(&w);
    /* 100 kB at 10 Mb/s is 80 ms; the session's round trips (40 ms each)
     * and slow start add well under two seconds. */
    CU_ASSERT_TRUE(w.done_at > SIM_MS(80) && w.done_at < SIM_S(2));
    fw_clear(&w);
}

static void test_get_passive(void) { get_in_mode(false); }
static void test_get_active(void) { get_in_mode(true); }

static void test_put_and_list(void)
{
    fw w;
    fw_init(&w);
    static const uint8_t text[] = "hello over a data connection\r\n";
    ftp_client_op ops[] = {{.kind = FTP_OP_PUT, .path = "up.txt", .data = text, .size = sizeof text - 1},
                           {.kind = FTP_OP_LIST, .names = true}};
    start(&w, false, ops, 2);
    sim_run_until(w.sim, SIM_S(60));
    CU_ASSERT_STRING_EQUAL(w.log->str, "C0:226;C1:226;ok");
    ftp_fs_stat st;
    CU_ASSERT_TRUE(ftp_fs_stat_path(w.fs, "/up.txt", &st, NULL));
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.got);
    CU_ASSERT_PTR_NOT_NULL(g_strstr_len(g_bytes_get_data(w.got, NULL), (gssize)g_bytes_get_size(w.got), "up.txt"));
    fw_clear(&w);
}

/* Active mode, a get then a listing: both data connections come from
 * port 20 by default (two client ports, so two different four ends), from
 * an ephemeral port with data_port -1, from the port given otherwise. */
static void test_active_data_port(void)
{
    static const struct {
        int32_t data_port;
        const char *want;
    } cases[] = {{0, " files:20->alice:"}, {FTP_CONN_DATA_PORT_ANY, " files:4"}, {2020, " files:2020->alice:"}};
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        fw w;
        fw_init(&w);
        w.o.data_port = cases[i].data_port;
        port_seen ps = {.want = cases[i].want};
        sim_trace_subscribe(sim_trace(w.sim), SIM_TR_MASK(SIM_TR_APP), on_trace, &ps);
        ftp_client_op ops[] = {{.kind = FTP_OP_GET, .path = "file1"}, {.kind = FTP_OP_LIST, .names = true}};
        start(&w, true, ops, 2);
        sim_run_until(w.sim, SIM_S(60));
        CU_ASSERT_STRING_EQUAL(w.log->str, "C0:226;C1:226;ok");
        CU_ASSERT_EQUAL(ps.from_files, 2);
        CU_ASSERT_EQUAL(ps.from20, 2); /* " files:4..." is the ephemeral range 49152-65535 */
        fw_clear(&w);
    }
}

/* A raw control connection: what the server writes, kept. */
typedef struct {
    GString *in;
    bool ended;
} raw;

static void raw_data(void *ud, stream_t *s, const uint8_t *d, size_t len)
{
    (void)s;
    raw *r = ud;
    if (d)
        g_string_append_len(r->in, (const char *)d, (gssize)len);
}
static void raw_end(void *ud, stream_t *s)
{
    (void)s;
    ((raw *)ud)->ended = true;
}
static void raw_err(void *ud, stream_t *s, stream_err e)
{
    (void)s;
    (void)e;
    ((raw *)ud)->ended = true;
}
static const stream_handler raw_h = {.data = raw_data, .peer_closed = raw_end, .error = raw_err};

static void test_server_idle(void)
{
    fw w;
    fw_init(&w);
    raw r = {g_string_new(""), false};
    stream_t *s = host_connect(sim_host_env(w.cli), "files", 21, &raw_h, &r, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    sim_run_until(w.sim, SIM_S(299));
    CU_ASSERT_TRUE(g_str_has_prefix(r.in->str, "220"));
    CU_ASSERT_PTR_NULL(w.server_why);
    sim_run_until(w.sim, SIM_S(302));
    CU_ASSERT_STRING_EQUAL(w.server_why, "idle");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.in->str, "\r\n421 "));
    CU_ASSERT_TRUE(r.ended);
    stream_close(s);
    g_string_free(r.in, TRUE);
    fw_clear(&w);
}

/* PASV, then RETR without connecting: 227 names the server node's address
 * (a literal, not "files"), and 425 comes after the 30 s data timeout. */
static void test_data_timeout(void)
{
    fw w;
    fw_init(&w);
    raw r = {g_string_new(""), false};
    stream_t *s = host_connect(sim_host_env(w.cli), "files", 21, &raw_h, &r, NULL);
    static const char cmds[] = "USER anonymous\r\nPASS x@\r\nPASV\r\nRETR file1\r\n";
    stream_write(s, cmds, sizeof cmds - 1);
    sim_run_until(w.sim, SIM_S(20));
    char lit[NET_IPV4_STRLEN];
    node_address_text(sim_host_node(w.srv), lit);
    char *want = g_strdup_printf("227 Entering Passive Mode (%s", lit);
    for (char *p = want; *p; p++)
        if (*p == '.')
            *p = ',';
    CU_ASSERT_PTR_NOT_NULL(strstr(r.in->str, want));
    CU_ASSERT_PTR_NULL(strstr(r.in->str, "425"));
    sim_run_until(w.sim, SIM_S(40));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.in->str, "\r\n425 "));
    g_free(want);
    stream_close(s);
    g_string_free(r.in, TRUE);
    fw_clear(&w);
}

static char *session_log(bool active)
{
    fw w;
    fw_init(&w);
    ftp_client_op ops[] = {{.kind = FTP_OP_GET, .path = "file1"}, {.kind = FTP_OP_LIST}};
    start(&w, active, ops, 2);
    sim_run_until(w.sim, SIM_S(60));
    char *s = g_strdup_printf("%s %" G_GINT64_FORMAT " %zu", w.log->str, w.done_at,
                              w.got ? g_bytes_get_size(w.got) : 0);
    fw_clear(&w);
    return s;
}

static void test_deterministic(void)
{
    for (int active = 0; active < 2; active++) {
        char *a = session_log(active), *b = session_log(active);
        CU_ASSERT_STRING_EQUAL(a, b);
        CU_ASSERT_TRUE(g_str_has_prefix(a, "C0:226;C1:226;ok "));
        g_free(a);
        g_free(b);
    }
}

int main(void)
{
    static const test_case tests[] = {TEST(test_get_passive), TEST(test_get_active), TEST(test_put_and_list), TEST(test_active_data_port),
                                      TEST(test_server_idle), TEST(test_data_timeout),
                                      TEST(test_deterministic)};
    return test_main("ftp_conn", tests, (int)G_N_ELEMENTS(tests));
}
