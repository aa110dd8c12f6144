/*
 * Tests of protocols/pop3/pop3_conn: the cores on a stream, with a fake
 * stream (what is written is kept; how much a write accepts is set by the
 * test) and a fake host whose clock and timers the test moves. The
 * slides' session through a server connection, the 10-minute autologout
 * (closed without a response and without deleting), a peer that goes
 * away after DELE (nothing deleted), flow control, and a client
 * connection against a scripted server, its idle timeout included.
 */
#include <glib.h>
#include <string.h>

#include "pop3_fixture.h"
#include "protocols/pop3/pop3_conn.h"
#include "fake_host.h"
#include "test_util.h"

#define SEC INT64_C(1000000000)

typedef struct {
    char *why;
    GString *logins;
} server_app;

static void on_login(void *ud, pop3_server_conn *c, const char *user, bool ok)
{
    (void)c;
    server_app *a = ud;
    g_string_append_printf(a->logins, "%s:%d;", user, ok);
}

static void on_closed(void *ud, pop3_server_conn *c, const char *why)
{
    (void)c;
    server_app *a = ud;
    CU_ASSERT_PTR_NULL(a->why);
    a->why = g_strdup(why);
}

static const pop3_server_conn_handler server_handler = {on_login, on_closed};

typedef struct {
    fake_host h;
    fake_stream f;
    server_app a;
    mail_store *st;
    pop3_server_conn *c;
} server_fix;

static void server_setup(server_fix *x)
{
    fake_host_init(&x->h);
    fake_stream_init(&x->f);
    x->a = (server_app){.logins = g_string_new(NULL)};
    x->st = fixture_slides_store();
    x->c = pop3_server_conn_new(&x->h.base, &x->f.base, NULL, x->st, &server_handler, &x->a, 0);
}

static void server_teardown(server_fix *x)
{
    pop3_server_conn_free(x->c);
    mail_store_free(x->st);
    g_free(x->a.why);
    g_string_free(x->a.logins, TRUE);
    g_string_free(x->f.written, TRUE);
    g_array_free(x->h.timers, TRUE);
}

static void test_server_slides(void)
{
    server_fix x;
    server_setup(&x);
    CU_ASSERT_STRING_EQUAL(x.f.written->str, "+OK POP3 server ready\r\n");
    fake_stream_deliver(&x.f, "user bob\r\npass hungry\r\nlist\r\nretr 1\r\ndele 1\r\nretr 2\r\ndele 2\r\nquit\r\n", 7);
    CU_ASSERT_TRUE(g_str_has_suffix(x.f.written->str, "+OK message 2 deleted\r\n+OK POP3 server signing off\r\n"));
    CU_ASSERT_STRING_EQUAL(x.a.why, "quit");
    CU_ASSERT_STRING_EQUAL(x.a.logins->str, "bob:1;");
    CU_ASSERT_TRUE(x.f.closed);
    CU_ASSERT_EQUAL(fixture_inbox_count(x.st, "bob"), 0);
    CU_ASSERT_EQUAL(pop3_server_conn_stats(x.c)->retrieved, 2);
    CU_ASSERT_EQUAL(pop3_server_conn_stats(x.c)->deleted, 2);
    CU_ASSERT_EQUAL(pop3_server_conn_stats(x.c)->bytes_out, x.f.written->len);
    fake_host_advance(&x.h, 3600 * SEC); /* no timer left */
    server_teardown(&x);
}

/* Autologout: 10 minutes after the last input, closed without a word and
 * without UPDATE; not a moment before. */
static void test_server_idle(void)
{
    server_fix x;
    server_setup(&x);
    fake_host_advance(&x.h, 100 * SEC);
    fake_stream_deliver(&x.f, "USER bob\r\nPASS hungry\r\nDELE 1\r\n", 100);
    size_t written = x.f.written->len;
    fake_host_advance(&x.h, 699 * SEC);
    CU_ASSERT_PTR_NULL(x.a.why);
    fake_host_advance(&x.h, 700 * SEC);
    CU_ASSERT_STRING_EQUAL(x.a.why, "idle");
    CU_ASSERT_TRUE(x.f.closed);
    CU_ASSERT_EQUAL(x.f.written->len, written);
    CU_ASSERT_EQUAL(fixture_inbox_count(x.st, "bob"), 2);
    server_teardown(&x);
}

/* The peer goes away after DELE, or the stream fails: nothing deleted. */
static void test_server_dropped(void)
{
    server_fix x;
    server_setup(&x);
    fake_stream_deliver(&x.f, "USER bob\r\nPASS hungry\r\nDELE 1\r\nDELE 2\r\n", 5);
    x.f.base.handler->peer_closed(x.f.base.ud, &x.f.base);
    CU_ASSERT_STRING_EQUAL(x.a.why, "peer closed");
    CU_ASSERT_EQUAL(fixture_inbox_count(x.st, "bob"), 2);
    server_teardown(&x);

    server_setup(&x);
    fake_stream_deliver(&x.f, "USER bob\r\nPASS hungry\r\nDELE 1\r\n", 5);
    x.f.base.handler->error(x.f.base.ud, &x.f.base, STREAM_ERR_RESET);
    CU_ASSERT_STRING_EQUAL(x.a.why, stream_err_text(STREAM_ERR_RESET));
    CU_ASSERT_EQUAL(fixture_inbox_count(x.st, "bob"), 2);
    server_teardown(&x);

    /* Freed while open (the server goes down): nothing deleted either. */
    server_setup(&x);
    fake_stream_deliver(&x.f, "USER bob\r\nPASS hungry\r\nDELE 1\r\n", 5);
    pop3_server_conn_shutdown(x.c);
    CU_ASSERT_STRING_EQUAL(x.a.why, "shutdown");
    CU_ASSERT_EQUAL(fixture_inbox_count(x.st, "bob"), 2);
    server_teardown(&x);
}

/* A client that pipelines without reading: reading stops, then resumes
 * and everything is answered once the stream takes the output. */
static void test_server_flow_control(void)
{
    server_fix x;
    server_setup(&x);
    x.f.space = 0;
    GString *in = g_string_new("USER bob\r\nPASS hungry\r\n");
    for (int i = 0; i < 200; i++)
        g_string_append(in, "RETR 2\r\n");
    g_string_append(in, "QUIT\r\n");
    fake_stream_deliver(&x.f, in->str, in->len);
    CU_ASSERT_FALSE(x.f.reading);
    CU_ASSERT_EQUAL(x.f.written->len, strlen("+OK POP3 server ready\r\n"));
    for (int i = 0; i < 1000 && !x.a.why; i++) {
        x.f.space = 4096;
        x.f.base.handler->writable(x.f.base.ud, &x.f.base);
    }
    CU_ASSERT_STRING_EQUAL(x.a.why, "quit");
    CU_ASSERT_TRUE(x.f.reading);
    CU_ASSERT_EQUAL(pop3_server_conn_stats(x.c)->retrieved, 200);
    CU_ASSERT_TRUE(g_str_has_suffix(x.f.written->str, "+OK POP3 server signing off\r\n"));
    g_string_free(in, TRUE);
    server_teardown(&x);
}

/* ---- client ---------------------------------------------------------------- */

typedef struct {
    GString *log;
    int closed;
} client_app;

static void on_event(void *ud, pop3_client_conn *c, const pop3_client_event *ev)
{
    (void)c;
    client_app *a = ud;
    if (ev->kind == POP3_CLIENT_EV_MESSAGE)
        g_string_append_printf(a->log, "M%u:%zu;", ev->number, g_bytes_get_size(ev->data));
    else if (ev->kind == POP3_CLIENT_EV_DELETED)
        g_string_append_printf(a->log, "D%u;", ev->number);
    else if (ev->kind == POP3_CLIENT_EV_DONE)
        g_string_append_printf(a->log, "%s;", pop3_client_result_name(ev->result));
}

static void on_client_closed(void *ud, pop3_client_conn *c)
{
    (void)c;
    ((client_app *)ud)->closed++;
}

static const pop3_client_conn_handler client_handler = {on_event, on_client_closed};

static void test_client(void)
{
    fake_host h;
    fake_host_init(&h);
    fake_stream f;
    fake_stream_init(&f);
    h.connect = &f;
    client_app a = {.log = g_string_new(NULL)};
    pop3_client_config cfg = {.user = "bob", .password = "hungry", .mode = POP3_MODE_DELETE, .no_uidl = true,
                              .lowercase = true};
    pop3_client_conn *c = pop3_client_conn_new(&h.base, "server", 110, &cfg, &client_handler, &a, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL(c);
    fake_stream_deliver(&f, "+OK POP3 server ready\r\n+OK\r\n+OK user successfully logged on\r\n+OK\r\n1 3\r\n.\r\n"
                "+OK\r\nhi\r\n.\r\n+OK\r\n+OK POP3 server signing off\r\n", 9);
    CU_ASSERT_STRING_EQUAL(f.written->str, "user bob\r\npass hungry\r\nlist\r\nretr 1\r\ndele 1\r\nquit\r\n");
    CU_ASSERT_STRING_EQUAL(a.log->str, "M1:4;D1;ok;");
    CU_ASSERT_EQUAL(a.closed, 1);
    CU_ASSERT_TRUE(f.closed);
    CU_ASSERT_EQUAL(pop3_client_conn_stats(c)->bytes_out, f.written->len);
    pop3_client_conn_free(c);
    g_string_free(f.written, TRUE);

    /* A server that says nothing: after 2 minutes the session ends CLOSED. */
    fake_stream g;
    fake_stream_init(&g);
    h.connect = &g;
    g_string_truncate(a.log, 0);
    a.closed = 0;
    c = pop3_client_conn_new(&h.base, "server", 110, &cfg, &client_handler, &a, 0, NULL);
    fake_host_advance(&h, h.now + 119 * SEC);
    CU_ASSERT_EQUAL(a.closed, 0);
    fake_host_advance(&h, h.now + 2 * SEC);
    CU_ASSERT_STRING_EQUAL(a.log->str, "closed;");
    CU_ASSERT_EQUAL(a.closed, 1);
    CU_ASSERT_TRUE(g.aborted);
    pop3_client_conn_free(c);
    g_string_free(g.written, TRUE);
    g_string_free(a.log, TRUE);
    g_array_free(h.timers, TRUE);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_server_slides), TEST(test_server_idle), TEST(test_server_dropped),
                                      TEST(test_server_flow_control), TEST(test_client)};
    return test_main("protocols/pop3/conn", tests, G_N_ELEMENTS(tests));
}
