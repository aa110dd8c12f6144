/*
 * Tests of protocols/imap/imap_conn: the cores on a stream, with a fake
 * stream (what is written is kept; how much a write accepts is set by the
 * test) and a fake host whose clock and timers the test moves. A whole
 * session through a server connection, the 30-minute autologout (BYE,
 * then closed; not a moment before), a dropped connection that keeps the
 * flags it stored and removes nothing, LOGINDISABLED chosen per
 * connection, flow control, and a client connection against the server
 * connection (bytes relayed by the test): a download with delete, headers
 * first with one body, and its idle timeout.
 */
#include <glib.h>
#include <string.h>

#include "fixture.h"
#include "protocols/imap/imap_conn.h"
#include "fake_host.h"
#include "test_util.h"

#define SEC INT64_C(1000000000)

static void on_closed(void *ud, imap_server_conn *c, const char *why)
{
    (void)c;
    char **w = ud;
    CU_ASSERT_PTR_NULL(*w);
    *w = g_strdup(why);
}

static const imap_server_conn_handler server_handler = {on_closed};

typedef struct {
    fake_host h;
    fake_stream f;
    char *why;
    mail_store *st;
    imap_server_conn *c;
} server_fix;

static void server_setup(server_fix *x, bool login_disabled)
{
    fake_host_init(&x->h);
    fake_stream_init(&x->f);
    x->why = NULL;
    x->st = fixture_store();
    imap_server_config cfg = {.login_disabled = login_disabled};
    x->c = imap_server_conn_new(&x->h.base, &x->f.base, &cfg, x->st, &server_handler, &x->why, 0);
}

static void server_teardown(server_fix *x)
{
    imap_server_conn_free(x->c);
    mail_store_free(x->st);
    g_free(x->why);
    g_string_free(x->f.written, TRUE);
    g_array_free(x->h.timers, TRUE);
}

static guint inbox_count(mail_store *st)
{
    return mail_folder_count(mail_store_folder(st, "alice", "INBOX", NULL));
}

static unsigned inbox_flags(mail_store *st, guint i)
{
    return mail_folder_msg(mail_store_folder(st, "alice", "INBOX", NULL), i)->flags;
}

/* A session at every chunk size: login, select, store, expunge, logout. */
static void test_server_session(void)
{
    for (size_t piece = 1; piece <= 64; piece *= 4) {
        server_fix x;
        server_setup(&x, false);
        CU_ASSERT_TRUE(g_str_has_prefix(x.f.written->str, "* OK [CAPABILITY IMAP4rev1"));
        const char *in = "a LOGIN alice wonderland\r\nb SELECT INBOX\r\nc STORE 1 +FLAGS (\\Deleted)\r\n"
                         "d EXPUNGE\r\ne LOGOUT\r\n";
        fake_stream_deliver(&x.f, in, piece);
        CU_ASSERT_PTR_NOT_NULL(strstr(x.f.written->str, "\r\nb OK [READ-WRITE]"));
        CU_ASSERT_PTR_NOT_NULL(strstr(x.f.written->str, "\r\n* 1 EXPUNGE\r\nd OK"));
        CU_ASSERT_TRUE(g_str_has_suffix(x.f.written->str, "e OK LOGOUT completed\r\n"));
        CU_ASSERT_STRING_EQUAL(x.why, "logout");
        CU_ASSERT_TRUE(x.f.closed);
        CU_ASSERT_EQUAL(inbox_count(x.st), 2);
        CU_ASSERT_EQUAL(imap_server_conn_bytes_out(x.c), x.f.written->len);
        CU_ASSERT_EQUAL(imap_server_conn_bytes_in(x.c), strlen(in));
        fake_host_advance(&x.h, 7200 * SEC); /* no timer left */
        server_teardown(&x);
    }
}

/* Autologout (RFC 3501 5.4): 30 minutes after the last input, "* BYE"
 * and closed; not a moment before. */
static void test_server_idle(void)
{
    server_fix x;
    server_setup(&x, false);
    fake_host_advance(&x.h, 100 * SEC);
    fake_stream_deliver(&x.f, "a LOGIN alice wonderland\r\n", 100);
    fake_host_advance(&x.h, 1899 * SEC);
    CU_ASSERT_PTR_NULL(x.why);
    CU_ASSERT_FALSE(x.f.closed);
    fake_host_advance(&x.h, 1900 * SEC);
    CU_ASSERT_STRING_EQUAL(x.why, "idle");
    CU_ASSERT_TRUE(x.f.closed);
    CU_ASSERT_TRUE(g_str_has_suffix(x.f.written->str, "a OK LOGIN completed\r\n* BYE Server shutting down\r\n"));
    server_teardown(&x);

    /* A client that reads nothing: the BYE cannot go; 30 minutes later
     * the stream is reset. */
    server_setup(&x, false);
    x.f.space = 0;
    fake_host_advance(&x.h, 1800 * SEC);
    CU_ASSERT_PTR_NULL(x.why);
    fake_host_advance(&x.h, 3600 * SEC);
    CU_ASSERT_STRING_EQUAL(x.why, "idle");
    CU_ASSERT_TRUE(x.f.aborted);
    server_teardown(&x);
}

/* Dropped connections: what was stored stays, nothing is expunged. */
static void test_server_dropped(void)
{
    server_fix x;
    server_setup(&x, false);
    fake_stream_deliver(&x.f, "a LOGIN alice wonderland\r\nb SELECT INBOX\r\nc STORE 2 +FLAGS (\\Deleted \\Seen)\r\n",
                        5);
    x.f.base.handler->peer_closed(x.f.base.ud, &x.f.base);
    CU_ASSERT_STRING_EQUAL(x.why, "peer closed");
    CU_ASSERT_EQUAL(inbox_count(x.st), 3);
    CU_ASSERT_EQUAL(inbox_flags(x.st, 1) & (MAIL_FLAG_DELETED | MAIL_FLAG_SEEN), MAIL_FLAG_DELETED | MAIL_FLAG_SEEN);
    server_teardown(&x);

    server_setup(&x, false);
    fake_stream_deliver(&x.f, "a LOGIN alice wonderland\r\nb SELECT INBOX\r\nc STORE 3 +FLAGS (\\Deleted)\r\n", 5);
    x.f.base.handler->error(x.f.base.ud, &x.f.base, STREAM_ERR_RESET);
    CU_ASSERT_STRING_EQUAL(x.why, stream_err_text(STREAM_ERR_RESET));
    CU_ASSERT_EQUAL(inbox_count(x.st), 3);
    CU_ASSERT_TRUE(inbox_flags(x.st, 2) & MAIL_FLAG_DELETED);
    server_teardown(&x);

    /* The server goes down: BYE, closed, nothing expunged. */
    server_setup(&x, false);
    fake_stream_deliver(&x.f, "a LOGIN alice wonderland\r\nb SELECT INBOX\r\nc STORE 1 +FLAGS (\\Deleted)\r\n", 5);
    imap_server_conn_shutdown(x.c);
    CU_ASSERT_STRING_EQUAL(x.why, "shutdown");
    CU_ASSERT_TRUE(g_str_has_suffix(x.f.written->str, "* BYE Server shutting down\r\n"));
    CU_ASSERT_EQUAL(inbox_count(x.st), 3);
    server_teardown(&x);
}

/* LOGINDISABLED on one connection, LOGIN on the other, same store. */
static void test_server_login_disabled(void)
{
    server_fix x;
    server_setup(&x, true);
    CU_ASSERT_PTR_NOT_NULL(strstr(x.f.written->str, "LOGINDISABLED"));
    fake_stream_deliver(&x.f, "a LOGIN alice wonderland\r\n", 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(x.f.written->str, "\r\na NO"));
    CU_ASSERT_EQUAL(imap_server_conn_state(x.c), IMAP_SERVER_NOT_AUTH);
    server_teardown(&x);

    server_setup(&x, false);
    CU_ASSERT_PTR_NULL(strstr(x.f.written->str, "LOGINDISABLED"));
    fake_stream_deliver(&x.f, "a LOGIN alice wonderland\r\n", 3);
    CU_ASSERT_EQUAL(imap_server_conn_state(x.c), IMAP_SERVER_AUTH);
    server_teardown(&x);
}

/* A client that pipelines without reading: reading stops, then resumes
 * and everything is answered once the stream takes the output. */
static void test_server_flow_control(void)
{
    server_fix x;
    server_setup(&x, false);
    size_t greeting = x.f.written->len;
    x.f.space = 0;
    GString *in = g_string_new("a LOGIN alice wonderland\r\nb SELECT INBOX\r\n");
    for (int i = 0; i < 400; i++)
        g_string_append_printf(in, "f%d FETCH 2 BODY.PEEK[]\r\n", i);
    g_string_append(in, "z LOGOUT\r\n");
    fake_stream_deliver(&x.f, in->str, in->len);
    CU_ASSERT_FALSE(x.f.reading);
    CU_ASSERT_EQUAL(x.f.written->len, greeting);
    for (int i = 0; i < 10000 && !x.why; i++) {
        x.f.space = 4096;
        x.f.base.handler->writable(x.f.base.ud, &x.f.base);
    }
    CU_ASSERT_STRING_EQUAL(x.why, "logout");
    CU_ASSERT_TRUE(x.f.reading);
    CU_ASSERT_PTR_NOT_NULL(strstr(x.f.written->str, "\r\nf399 OK"));
    CU_ASSERT_TRUE(g_str_has_suffix(x.f.written->str, "z OK LOGOUT completed\r\n"));
    g_string_free(in, TRUE);
    server_teardown(&x);
}

/* ---- client ---------------------------------------------------------------- */

typedef struct {
    GString *log;
    int closed;
} client_app;

static void on_event(void *ud, imap_client_conn *c, const imap_client_event *ev)
{
    (void)c;
    client_app *a = ud;
    if (ev->kind == IMAP_CLIENT_EV_MESSAGE)
        g_string_append_printf(a->log, "M%u:%zu;", ev->uid, g_bytes_get_size(ev->data));
    else if (ev->kind == IMAP_CLIENT_EV_HEADER)
        g_string_append_printf(a->log, "H%u;", ev->uid);
    else
        g_string_append_printf(a->log, "%s;", ev->ok ? "ok" : ev->text);
}

static void on_client_closed(void *ud, imap_client_conn *c)
{
    (void)c;
    ((client_app *)ud)->closed++;
}

static const imap_client_conn_handler client_handler = {on_event, on_client_closed};

/* Relays what each side wrote to the other until neither writes more. */
static void relay(fake_stream *cs, fake_stream *ss, size_t *c_off, size_t *s_off)
{
    for (int guard = 0; guard < 100; guard++) {
        bool moved = false;
        if (ss->written->len > *s_off && cs->base.handler) {
            size_t n = ss->written->len - *s_off;
            char *t = g_strndup(ss->written->str + *s_off, n);
            *s_off += n;
            cs->base.handler->data(cs->base.ud, &cs->base, (const uint8_t *)t, n);
            g_free(t);
            moved = true;
        }
        if (cs->written->len > *c_off && !ss->closed) {
            size_t n = cs->written->len - *c_off;
            char *t = g_strndup(cs->written->str + *c_off, n);
            *c_off += n;
            ss->base.handler->data(ss->base.ud, &ss->base, (const uint8_t *)t, n);
            g_free(t);
            moved = true;
        }
        if (!moved)
            return;
    }
}

static void test_client(void)
{
    server_fix x;
    server_setup(&x, false);
    fake_stream f;
    fake_stream_init(&f);
    x.h.connect = &f;
    client_app a = {.log = g_string_new(NULL)};
    imap_client_config cfg = {.user = "alice", .password = "wonderland", .delete_after = true};
    imap_client_conn *c = imap_client_conn_new(&x.h.base, "server", 143, &cfg, &client_handler, &a, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL(c);
    size_t c_off = 0, s_off = 0;
    relay(&f, &x.f, &c_off, &s_off);
    char *want = g_strdup_printf("M1:%zu;M2:%zu;M3:%zu;ok;", strlen(fixture_msg1), strlen(fixture_msg2),
                                 strlen(fixture_msg3));
    CU_ASSERT_STRING_EQUAL(a.log->str, want);
    g_free(want);
    CU_ASSERT_EQUAL(a.closed, 1);
    CU_ASSERT_TRUE(f.closed);
    CU_ASSERT_STRING_EQUAL(x.why, "logout");
    CU_ASSERT_EQUAL(inbox_count(x.st), 0);
    CU_ASSERT_EQUAL(imap_client_conn_bytes_out(c), f.written->len);
    CU_ASSERT_EQUAL(imap_client_conn_bytes_in(c), x.f.written->len);
    CU_ASSERT_EQUAL(imap_client_conn_bytes_in(c), imap_server_conn_bytes_out(x.c));
    CU_ASSERT_EQUAL(imap_client_conn_bytes_out(c), imap_server_conn_bytes_in(x.c));
    imap_client_conn_free(c);
    g_string_free(f.written, TRUE);

    /* Headers first, above UID 1, then one body: H2 H3 and M2. */
    fake_stream hf;
    fake_stream_init(&hf);
    x.h.connect = &hf;
    g_string_truncate(a.log, 0);
    a.closed = 0;
    server_teardown(&x);
    server_setup(&x, false);
    x.h.connect = &hf;
    imap_client_config hc = {.user = "alice", .password = "wonderland", .headers_first = true, .bodies = 1,
                             .after_uid = 1};
    c = imap_client_conn_new(&x.h.base, "server", 143, &hc, &client_handler, &a, 0, NULL);
    c_off = s_off = 0;
    relay(&hf, &x.f, &c_off, &s_off);
    CU_ASSERT_PTR_NOT_NULL(strstr(hf.written->str, "A3 UID FETCH 2:* (UID FLAGS BODY.PEEK[HEADER])\r\n"
                                                   "A4 UID FETCH 2 (UID FLAGS BODY.PEEK[])\r\nA5 LOGOUT\r\n"));
    want = g_strdup_printf("H2;H3;M2:%zu;ok;", strlen(fixture_msg2));
    CU_ASSERT_STRING_EQUAL(a.log->str, want);
    g_free(want);
    CU_ASSERT_EQUAL(imap_client_conn_commands(c), 5);
    CU_ASSERT_EQUAL(inbox_count(x.st), 3);
    imap_client_conn_free(c);
    g_string_free(hf.written, TRUE);

    /* A server that says nothing: after 2 minutes the session ends, not ok. */
    fake_stream g;
    fake_stream_init(&g);
    x.h.connect = &g;
    g_string_truncate(a.log, 0);
    a.closed = 0;
    c = imap_client_conn_new(&x.h.base, "server", 143, &cfg, &client_handler, &a, 0, NULL);
    fake_host_advance(&x.h, x.h.now + 119 * SEC);
    CU_ASSERT_EQUAL(a.closed, 0);
    fake_host_advance(&x.h, x.h.now + 2 * SEC);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.log->str, "no answer from the server (idle timeout);"));
    CU_ASSERT_EQUAL(a.closed, 1);
    CU_ASSERT_TRUE(g.aborted);
    imap_client_conn_free(c);
    g_string_free(g.written, TRUE);
    g_string_free(a.log, TRUE);
    server_teardown(&x);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_server_session), TEST(test_server_idle), TEST(test_server_dropped),
                                      TEST(test_server_login_disabled), TEST(test_server_flow_control),
                                      TEST(test_client)};
    return test_main("protocols/imap/conn", tests, G_N_ELEMENTS(tests));
}
