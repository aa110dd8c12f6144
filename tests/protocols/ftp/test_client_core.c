/*
 * Tests of protocols/ftp/ftp_client_core against scripted servers. A
 * script is a list of steps: the server's bytes on the control
 * connection (fed at every chunk size) and what the glue reports of the
 * data connection. The commands the client writes, its actions and its
 * events must be the same at every chunk size. Malformed and hostile
 * replies end the session with PROTOCOL, never a crash.
 *
 * Steps: "S<bytes>" control bytes; "c" data connected; "f" data failed;
 * "d<bytes>" data received; "e" data eof; "l<host> <port>" listening;
 * "w" write all of a put's bytes (in pieces of the chunk size); "x" the
 * control connection closed. After each step the log takes the events,
 * then the actions (in capitals).
 */
#include <glib.h>
#include <string.h>

#include "protocols/ftp/ftp_client_core.h"
#include "test_util.h"

#define LOGIN_S "S220 hi\r\n331 pw\r\n230 ok\r\n200 type\r\n"
#define LOGIN_C "USER bob\r\nPASS secret\r\nTYPE I\r\n"
#define EPSV_R "229 Entering Extended Passive Mode (|||5001|)\r\n"

typedef struct {
    const char *name;
    const char *user; /* NULL: "bob" */
    bool active, ascii;
    uint64_t max;
    ftp_client_op ops[3];
    size_t n_ops;
    const char *steps[14];
    const char *client;
    const char *log;
} script;

#define GET(p) {.kind = FTP_OP_GET, .path = p}
#define OP(k, p) {.kind = k, .path = p}

static const script scripts[] = {
    {"login, no operations", .steps = {LOGIN_S "221 bye\r\n"}, .client = LOGIN_C "QUIT\r\n", .log = "done:ok"},
    {"login refused", .steps = {"S220 hi\r\n331 pw\r\n530 no\r\n221 bye\r\n"},
     .client = "USER bob\r\nPASS secret\r\nQUIT\r\n", .log = "done:auth"},
    {"USER refused, closed", .steps = {"S220 hi\r\n530 no\r\n", "x"}, .client = "USER bob\r\nQUIT\r\n",
     .log = "done:auth"},
    {"anonymous", .user = "anonymous", .steps = {"S220 hi\r\n331 pw\r\n230 ok\r\n200 type\r\n221 bye\r\n"},
     .client = "USER anonymous\r\nPASS guest@\r\nTYPE I\r\nQUIT\r\n", .log = "done:ok"},
    {"greeting refused", .steps = {"S421 busy\r\n"}, .client = "", .log = "done:closed"},
    {"greeting 554", .steps = {"S554 no\r\n"}, .client = "", .log = "done:error"},
    {"TYPE refused", .steps = {"S220 hi\r\n331 pw\r\n230 ok\r\n504 no\r\n221 bye\r\n"},
     .client = LOGIN_C "QUIT\r\n", .log = "done:error"},
    {"passive get, data end before 226", .ops = {GET("f.txt")}, .n_ops = 1,
     .steps = {LOGIN_S EPSV_R, "c", "S150 opening\r\n", "dhel", "dlo", "e", "S226 done\r\n221 bye\r\n"},
     .client = LOGIN_C "EPSV\r\nRETR f.txt\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) dc p150 ok226[hello]/rt2,ds1,b5 done:ok"},
    {"passive get, 226 before data end", .ops = {GET("f.txt")}, .n_ops = 1,
     .steps = {LOGIN_S EPSV_R, "c", "S150 opening\r\n226 done\r\n221 bye\r\n", "dhello", "e"},
     .client = LOGIN_C "EPSV\r\nRETR f.txt\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) dc p150 ok226[hello]/rt2,ds1,b5 done:ok"},
    {"passive get, 226 before 150's data", .ops = {GET("f.txt")}, .n_ops = 1,
     .steps = {LOGIN_S EPSV_R, "c", "dhello", "S150 opening\r\n226 done\r\n", "e", "S221 bye\r\n"},
     .client = LOGIN_C "EPSV\r\nRETR f.txt\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) dc p150 ok226[hello]/rt2,ds1,b5 done:ok"},
    {"EPSV refused, PASV for the rest", .ops = {GET("a"), GET("b")}, .n_ops = 2,
     .steps = {LOGIN_S "500 what\r\n227 Entering Passive Mode (10,0,0,3,19,137)\r\n", "c",
               "S125 go\r\n226 ok\r\n", "e", "S227 =10,0,0,3,19,138\r\n", "c", "S150 go\r\n", "dz", "e",
               "S226 ok\r\n221 bye\r\n"},
     .client = LOGIN_C "EPSV\r\nPASV\r\nRETR a\r\nPASV\r\nRETR b\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.3:5001) dc p125 ok226[]/rt3,ds1,b0 get{ CONNECT(10.0.0.3:5002) dc p150 "
            "ok226[z]/rt2,ds1,b1 done:ok"},
    {"active get with EPRT", .active = true, .ops = {GET("f")}, .n_ops = 1,
     .steps = {LOGIN_S, "l10.0.0.1 6000", "S200 ok\r\n150 here\r\n", "c", "dabc", "S226 ok\r\n", "e", "S221 bye\r\n"},
     .client = LOGIN_C "EPRT |1|10.0.0.1|6000|\r\nRETR f\r\nQUIT\r\n",
     .log = "get{ LISTEN p150 dc ok226[abc]/rt2,ds1,b3 done:ok"},
    {"active get, PORT fallback", .active = true, .ops = {GET("f"), GET("g")}, .n_ops = 2,
     .steps = {LOGIN_S, "l10.0.0.1 6000", "S502 no\r\n200 ok\r\n150 here\r\n", "c", "dabc", "e", "S226 ok\r\n",
               "l10.0.0.1 6001", "S200 ok\r\n550 nope\r\n221 bye\r\n"},
     .client = LOGIN_C "EPRT |1|10.0.0.1|6000|\r\nPORT 10,0,0,1,23,112\r\nRETR f\r\nPORT 10,0,0,1,23,113\r\n"
               "RETR g\r\nQUIT\r\n",
     .log = "get{ LISTEN p150 dc ok226[abc]/rt3,ds1,b3 get{ LISTEN fail550/rt2,ds0,b0 done:okCLOSE "},
    {"REST resume", .ops = {{.kind = FTP_OP_GET, .path = "big", .offset = 100}}, .n_ops = 1,
     .steps = {LOGIN_S EPSV_R, "c", "S350 restarting\r\n150 go\r\n", "drest", "e", "S226 ok\r\n221 bye\r\n"},
     .client = LOGIN_C "EPSV\r\nREST 100\r\nRETR big\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) dc p150 ok226[rest]/rt3,ds1,b4 done:ok"},
    {"REST refused", .ops = {{.kind = FTP_OP_GET, .path = "big", .offset = 100}}, .n_ops = 1,
     .steps = {LOGIN_S EPSV_R, "c", "S502 no REST\r\n221 bye\r\n"},
     .client = LOGIN_C "EPSV\r\nREST 100\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) dc fail502/rt2,ds1,b0 done:okCLOSE "},
    {"put with STOR", .ops = {{.kind = FTP_OP_PUT, .path = "up", .data = (const uint8_t *)"0123456789", .size = 10}},
     .n_ops = 1, .steps = {LOGIN_S EPSV_R, "c", "S150 send\r\n", "w", "S226 stored\r\n221 bye\r\n"},
     .client = LOGIN_C "EPSV\r\nSTOR up\r\nQUIT\r\n",
     .log = "put{ CONNECT(10.0.0.2:5001) dc p150 SEND CLOSE ok226/rt2,ds1,b10 done:ok"},
    {"put with APPE, active",  .active = true,
     .ops = {{.kind = FTP_OP_PUT, .path = "log", .data = (const uint8_t *)"abc", .size = 3, .append = true}},
     .n_ops = 1, .steps = {LOGIN_S, "l10.0.0.1 6000", "S200 ok\r\n150 send\r\n", "c", "w", "S226 ok\r\n221 bye\r\n"},
     .client = LOGIN_C "EPRT |1|10.0.0.1|6000|\r\nAPPE log\r\nQUIT\r\n",
     .log = "put{ LISTEN p150 dc SEND CLOSE ok226/rt2,ds1,b3 done:ok"},
    {"list in ASCII", .ascii = true, .ops = {{.kind = FTP_OP_LIST, .path = "/pub"}, {.kind = FTP_OP_LIST, .names = true}},
     .n_ops = 2,
     .steps = {"S220 hi\r\n331 pw\r\n230 ok\r\n200 type\r\n" EPSV_R, "c", "S150 list\r\n", "da\r", "d\nb\r\n", "e",
               "S226 ok\r\n" EPSV_R, "c", "S150 list\r\n226 ok\r\n", "dx\ry\r\n", "e", "S221 bye\r\n"},
     .client = "USER bob\r\nPASS secret\r\nTYPE A\r\nEPSV\r\nLIST /pub\r\nEPSV\r\nNLST\r\nQUIT\r\n",
     .log = "list{ CONNECT(10.0.0.2:5001) dc p150 ok226[a|b|]/rt2,ds1,b6 list{ CONNECT(10.0.0.2:5001) dc p150 "
            "ok226[x\\ry|]/rt2,ds1,b5 done:ok"},
    {"machine listings (MLSD), one refused", .ops = {{.kind = FTP_OP_LIST, .path = "/pub", .machine = true},
                                                    {.kind = FTP_OP_LIST, .machine = true, .names = true}},
     .n_ops = 2,
     .steps = {LOGIN_S EPSV_R, "c", "S150 list\r\n", "dtype=file;size=3; a\r\n", "e", "S226 ok\r\n" EPSV_R, "c",
               "S500 what\r\n221 bye\r\n"},
     .client = LOGIN_C "EPSV\r\nMLSD /pub\r\nEPSV\r\nMLSD\r\nQUIT\r\n",
     .log = "list{ CONNECT(10.0.0.2:5001) dc p150 ok226[type=file;size=3; a\\r|]/rt2,ds1,b21 list{ CONNECT(10.0.0.2:5001) "
            "dc fail500/rt2,ds1,b0 done:okCLOSE "},
    {"size, mdtm, pwd", .ops = {OP(FTP_OP_SIZE, "f"), OP(FTP_OP_MDTM, "f"), OP(FTP_OP_PWD, NULL)}, .n_ops = 3,
     .steps = {LOGIN_S "213 1234\r\n213 20261129230000\r\n257 \"/home\"\r\n221 bye\r\n"},
     .client = LOGIN_C "SIZE f\r\nMDTM f\r\nPWD\r\nQUIT\r\n",
     .log = "size{ ok213(1234)/rt1,ds0,b0 mdtm{ ok213(20261129230000)/rt1,ds0,b0 pwd{ ok257(\"/home\")/rt1,ds0,b0 "
            "done:ok"},
    {"cwd, mkd, rmd", .ops = {OP(FTP_OP_CWD, "pub"), OP(FTP_OP_MKD, "new"), OP(FTP_OP_RMD, "old")}, .n_ops = 3,
     .steps = {LOGIN_S "250 ok\r\n257 \"new\" created\r\n550 not empty\r\n221 bye\r\n"},
     .client = LOGIN_C "CWD pub\r\nMKD new\r\nRMD old\r\nQUIT\r\n",
     .log = "cwd{ ok250/rt1,ds0,b0 mkd{ ok257/rt1,ds0,b0 rmd{ fail550/rt1,ds0,b0 done:ok"},
    {"dele, rename, noop",
     .ops = {OP(FTP_OP_DELE, "x"), {.kind = FTP_OP_RENAME, .path = "a", .path2 = "b"}, OP(FTP_OP_NOOP, NULL)},
     .n_ops = 3, .steps = {LOGIN_S "250 gone\r\n350 ready\r\n250 renamed\r\n200 ok\r\n221 bye\r\n"},
     .client = LOGIN_C "DELE x\r\nRNFR a\r\nRNTO b\r\nNOOP\r\nQUIT\r\n",
     .log = "dele{ ok250/rt1,ds0,b0 rename{ ok250/rt2,ds0,b0 noop{ ok200/rt1,ds0,b0 done:ok"},
    {"rename refused", .ops = {{.kind = FTP_OP_RENAME, .path = "a", .path2 = "b"}}, .n_ops = 1,
     .steps = {LOGIN_S "550 no a\r\n221 bye\r\n"}, .client = LOGIN_C "RNFR a\r\nQUIT\r\n",
     .log = "rename{ fail550/rt1,ds0,b0 done:ok"},
    {"425 no data connection", .ops = {GET("f")}, .n_ops = 1,
     .steps = {LOGIN_S EPSV_R, "c", "S425 cannot open\r\n221 bye\r\n"}, .client = LOGIN_C "EPSV\r\nRETR f\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) dc fail425/rt2,ds1,b0 done:okCLOSE "},
    {"data connect fails", .ops = {GET("f"), OP(FTP_OP_NOOP, NULL)}, .n_ops = 2,
     .steps = {LOGIN_S EPSV_R, "f", "S200 ok\r\n221 bye\r\n"}, .client = LOGIN_C "EPSV\r\nNOOP\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) fail0(refused)/rt1,ds0,b0 noop{ ok200/rt1,ds0,b0 done:ok"},
    {"426 aborted", .ops = {GET("f")}, .n_ops = 1,
     .steps = {LOGIN_S EPSV_R, "c", "S150 go\r\n", "dab", "f", "S426 aborted\r\n221 bye\r\n"},
     .client = LOGIN_C "EPSV\r\nRETR f\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) dc p150 fail426/rt2,ds1,b2 done:ok"},
    {"550 no such file", .ops = {GET("f")}, .n_ops = 1,
     .steps = {LOGIN_S EPSV_R, "c", "S550 no such file\r\n221 bye\r\n"}, .client = LOGIN_C "EPSV\r\nRETR f\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) dc fail550/rt2,ds1,b0 done:okCLOSE "},
    {"file over the limit", .max = 4, .ops = {GET("f")}, .n_ops = 1,
     .steps = {LOGIN_S EPSV_R, "c", "S150 go\r\n", "dhello", "S426 closed\r\n221 bye\r\n"},
     .client = LOGIN_C "EPSV\r\nRETR f\r\nQUIT\r\n",
     .log = "get{ CONNECT(10.0.0.2:5001) dc p150 CLOSE fail426(file too large)/rt2,ds1,b5 done:ok"},
    {"multi-line replies", .ops = {OP(FTP_OP_NOOP, NULL)}, .n_ops = 1,
     .steps = {"S220-Welcome\r\n220-still\r\n line\r\n220 ready\r\n331 pw\r\n230-a\r\n230 b\r\n200 type\r\n"
               "211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n221 bye\r\n"},
     .client = LOGIN_C "NOOP\r\nQUIT\r\n", .log = "noop{ ok211/rt1,ds0,b0 done:ok"},
    {"garbage", .steps = {"SHELLO\r\n"}, .client = "", .log = "done:protocol"},
    {"garbage after login", .ops = {OP(FTP_OP_NOOP, NULL)}, .n_ops = 1, .steps = {LOGIN_S "2xx\r\n"},
     .client = LOGIN_C "NOOP\r\n", .log = "noop{ done:protocol"},
    {"227 without numbers", .ops = {GET("f")}, .n_ops = 1,
     .steps = {LOGIN_S "502 no\r\n227 Entering Passive Mode\r\n"}, .client = LOGIN_C "EPSV\r\nPASV\r\n",
     .log = "get{ done:protocol"},
    {"229 without a port", .ops = {GET("f")}, .n_ops = 1, .steps = {LOGIN_S "229 Extended (|||x|)\r\n"},
     .client = LOGIN_C "EPSV\r\n", .log = "get{ done:protocol"},
    {"unexpected 150", .ops = {OP(FTP_OP_NOOP, NULL)}, .n_ops = 1, .steps = {LOGIN_S "150 what\r\n"},
     .client = LOGIN_C "NOOP\r\n", .log = "noop{ done:protocol"},
    {"put, 2xx before the data connection", .active = true,
     .ops = {{.kind = FTP_OP_PUT, .path = "up", .data = (const uint8_t *)"abc", .size = 3}}, .n_ops = 1,
     .steps = {LOGIN_S, "l10.0.0.1 6000", "S200 ok\r\n150 go\r\n226 ok\r\n221 bye\r\n"},
     .client = LOGIN_C "EPRT |1|10.0.0.1|6000|\r\nSTOR up\r\nQUIT\r\n",
     .log = "put{ LISTEN p150 ok226/rt2,ds0,b0 done:okCLOSE "},
    {"garbage while connecting", .ops = {GET("f")}, .n_ops = 1, .steps = {LOGIN_S EPSV_R "HELLO\r\n", "c"},
     .client = LOGIN_C "EPSV\r\nRETR f\r\n", .log = "get{ CONNECT(10.0.0.2:5001) dc done:protocolCLOSE "},
    {"closed early", .steps = {"S220 hi\r\n331 pw\r\n", "x"}, .client = "USER bob\r\nPASS secret\r\n",
     .log = "done:closed"},
    {"closed in a transfer", .ops = {GET("f")}, .n_ops = 1, .steps = {LOGIN_S EPSV_R, "c", "S150 go\r\n", "dab", "x"},
     .client = LOGIN_C "EPSV\r\nRETR f\r\n", .log = "get{ CONNECT(10.0.0.2:5001) dc p150 fail0(control connection closed)/rt1,ds1,b2 done:closedCLOSE "},
    {"closed after QUIT", .steps = {LOGIN_S, "x"}, .client = LOGIN_C "QUIT\r\n", .log = "done:ok"},
    {"bad path", .ops = {OP(FTP_OP_CWD, "a\r\nDELE b")}, .n_ops = 1, .steps = {LOGIN_S "221 bye\r\n"},
     .client = LOGIN_C "QUIT\r\n", .log = "cwd{ fail0(bad path)/rt0,ds0,b0 done:ok"},
};

static void log_data(GString *l, GBytes *b)
{
    gsize n = 0;
    const char *d = g_bytes_get_data(b, &n);
    g_string_append_c(l, '[');
    for (gsize i = 0; i < n; i++) {
        if (d[i] == '\n')
            g_string_append_c(l, '|');
        else if (d[i] == '\r')
            g_string_append(l, "\\r");
        else
            g_string_append_c(l, d[i]);
    }
    g_string_append_c(l, ']');
}

static void log_event(GString *l, const ftp_client_event *e)
{
    switch (e->kind) {
    case FTP_CLIENT_EV_OP_STARTED: g_string_append_printf(l, "%s{ ", ftp_client_op_name(e->op_kind)); break;
    case FTP_CLIENT_EV_OP_PRELIM: g_string_append_printf(l, "p%d ", e->code); break;
    case FTP_CLIENT_EV_OP_DATA_CONNECTED: g_string_append(l, "dc "); break;
    case FTP_CLIENT_EV_OP_BYTES: break;
    case FTP_CLIENT_EV_OP_COMPLETED:
    case FTP_CLIENT_EV_OP_FAILED:
        g_string_append_printf(l, "%s%d", e->kind == FTP_CLIENT_EV_OP_COMPLETED ? "ok" : "fail", e->code);
        if (e->code == 0 || e->op_kind == FTP_OP_SIZE || e->op_kind == FTP_OP_MDTM || e->op_kind == FTP_OP_PWD ||
            (e->text && strstr(e->text, "too large")))
            g_string_append_printf(l, "(%s)", e->text);
        if (e->data)
            log_data(l, e->data);
        g_string_append_printf(l, "/rt%u,ds%u,b%" G_GUINT64_FORMAT " ", e->stats.round_trips,
                               e->stats.data_setups, e->stats.bytes);
        break;
    case FTP_CLIENT_EV_DONE: g_string_append_printf(l, "done:%s", ftp_client_result_name(e->result)); break;
    }
}

static void drain(ftp_client_core *c, GString *out, GString *l)
{
    size_t n;
    const uint8_t *o = ftp_client_core_output(c, &n);
    g_string_append_len(out, (const char *)o, (gssize)n);
    ftp_client_core_consume(c, n);
    ftp_client_event ev;
    while (ftp_client_core_next_event(c, &ev)) {
        log_event(l, &ev);
        ftp_client_event_clear(&ev);
    }
    ftp_client_action a;
    while (ftp_client_core_next_action(c, &a)) {
        if (a.kind == FTP_CLIENT_ACT_DATA_CONNECT)
            g_string_append_printf(l, "CONNECT(%s:%u) ", a.host, a.port);
        else
            g_string_append(l, a.kind == FTP_CLIENT_ACT_DATA_LISTEN ? "LISTEN "
                               : a.kind == FTP_CLIENT_ACT_DATA_SEND ? "SEND " : "CLOSE ");
    }
}

static void run_step(ftp_client_core *c, const char *st, size_t piece)
{
    size_t len = strlen(st + 1);
    switch (st[0]) {
    case 'S':
        for (size_t off = 0; off < len; off += piece)
            ftp_client_core_feed(c, (const uint8_t *)st + 1 + off, MIN(piece, len - off));
        break;
    case 'c': ftp_client_core_data_connected(c); break;
    case 'f': ftp_client_core_data_failed(c, "refused"); break;
    case 'd': ftp_client_core_data_received(c, (const uint8_t *)st + 1, len); break;
    case 'e': ftp_client_core_data_eof(c); break;
    case 'x': ftp_client_core_closed(c, "closed"); break;
    case 'l': {
        char host[46];
        unsigned port = 0;
        CU_ASSERT_FATAL(sscanf(st + 1, "%45s %u", host, &port) == 2);
        ftp_client_core_data_listening(c, host, (uint16_t)port);
        break;
    }
    case 'w':
        for (;;) {
            size_t n;
            ftp_client_core_data_out(c, &n);
            if (n == 0)
                break;
            ftp_client_core_data_written(c, MIN(n, piece));
        }
        break;
    default: CU_FAIL("bad step");
    }
}

static void run_script(const script *s, size_t piece, GString *out, GString *l)
{
    ftp_client_config cfg = {.user = s->user ? s->user : "bob", .password = s->user ? NULL : "secret",
                             .ascii = s->ascii, .ascii_to_lf = true, .active = s->active,
                             .max_file_size = s->max, .ops = s->ops, .n_ops = s->n_ops};
    ftp_client_core *c = ftp_client_core_new(&cfg);
    ftp_client_core_set_peer(c, "10.0.0.2");
    for (size_t i = 0; i < G_N_ELEMENTS(s->steps) && s->steps[i]; i++) {
        run_step(c, s->steps[i], piece);
        drain(c, out, l);
    }
    ftp_client_core_free(c);
}

static void test_scripts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(scripts); i++) {
        const script *s = &scripts[i];
        size_t longest = 1;
        for (size_t k = 0; k < G_N_ELEMENTS(s->steps) && s->steps[k]; k++)
            longest = MAX(longest, strlen(s->steps[k]));
        for (size_t piece = 1; piece <= longest; piece++) {
            GString *out = g_string_new(NULL), *l = g_string_new(NULL);
            run_script(s, piece, out, l);
            if (strcmp(out->str, s->client) != 0 || strcmp(l->str, s->log) != 0) {
                fprintf(stderr, "\n%s (piece %zu):\n  sent   %s\n  wanted %s\n  log    %s\n  wanted %s\n", s->name,
                        piece, g_strescape(out->str, NULL), s->client, l->str, s->log);
                CU_FAIL(s->name);
                piece = longest; /* one report per script */
            }
            g_string_free(out, TRUE);
            g_string_free(l, TRUE);
        }
    }
}

/* A reply line that never ends fails the session at the codec's limit,
 * and what comes after is ignored. */
static void test_huge_line(void)
{
    ftp_client_config cfg = {.user = "bob", .password = "secret"};
    ftp_client_core *c = ftp_client_core_new(&cfg);
    GString *g = g_string_new("220 ");
    for (int i = 0; i < 100000; i++)
        g_string_append_c(g, 'x');
    ftp_client_core_feed(c, (const uint8_t *)g->str, g->len);
    ftp_client_core_feed(c, (const uint8_t *)"\r\n220 hi\r\n", 10);
    CU_ASSERT_TRUE(ftp_client_core_done(c));
    ftp_client_event ev;
    bool saw = false;
    while (ftp_client_core_next_event(c, &ev)) {
        saw = ev.kind == FTP_CLIENT_EV_DONE && ev.result == FTP_CLIENT_PROTOCOL;
        ftp_client_event_clear(&ev);
    }
    CU_ASSERT_TRUE(saw);
    size_t n;
    ftp_client_core_output(c, &n);
    CU_ASSERT_EQUAL(n, 0);
    g_string_free(g, TRUE);
    ftp_client_core_free(c);
}

/* Replies sent far ahead of their commands beyond the bound fail the
 * session instead of growing memory. */
static void test_replies_ahead(void)
{
    ftp_client_op op = {.kind = FTP_OP_GET, .path = "f"};
    ftp_client_config cfg = {.user = "bob", .password = "secret", .ops = &op, .n_ops = 1};
    ftp_client_core *c = ftp_client_core_new(&cfg);
    const char *s = LOGIN_S + 1;
    ftp_client_core_feed(c, (const uint8_t *)s, strlen(s));
    ftp_client_core_feed(c, (const uint8_t *)EPSV_R, strlen(EPSV_R));
    for (int i = 0; i < 200 && !ftp_client_core_done(c); i++)
        ftp_client_core_feed(c, (const uint8_t *)"200 x\r\n", 7);
    CU_ASSERT_TRUE(ftp_client_core_done(c));
    ftp_client_core_free(c);
}

/* Length-only data (the simulator's spans) is counted, not held. */
static void test_length_only(void)
{
    ftp_client_op op = {.kind = FTP_OP_GET, .path = "f"};
    ftp_client_config cfg = {.user = "bob", .password = "secret", .ops = &op, .n_ops = 1};
    ftp_client_core *c = ftp_client_core_new(&cfg);
    const char *s = "220 hi\r\n331 pw\r\n230 ok\r\n200 type\r\n229 (|||7|)\r\n";
    ftp_client_core_feed(c, (const uint8_t *)s, strlen(s));
    ftp_client_core_data_connected(c);
    ftp_client_core_feed(c, (const uint8_t *)"150 go\r\n", 8);
    ftp_client_core_data_received(c, NULL, 1000);
    ftp_client_core_data_received(c, NULL, 24);
    ftp_client_core_data_eof(c);
    ftp_client_core_feed(c, (const uint8_t *)"226 ok\r\n", 8);
    ftp_client_event ev;
    bool ok = false;
    while (ftp_client_core_next_event(c, &ev)) {
        if (ev.kind == FTP_CLIENT_EV_OP_COMPLETED)
            ok = ev.data == NULL && ev.stats.bytes == 1024;
        ftp_client_event_clear(&ev);
    }
    CU_ASSERT_TRUE(ok);
    ftp_client_core_free(c);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_scripts), TEST(test_huge_line), TEST(test_replies_ahead),
                                      TEST(test_length_only)};
    return test_main("ftp_client_core", tests, G_N_ELEMENTS(tests));
}
