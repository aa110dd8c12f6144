/*
 * Tests of protocols/smtp/smtp_conn: the cores on a stream, with a fake
 * stream (what is written is kept; how much a write accepts is set by the
 * test) and a fake host whose clock and timers the test moves. The
 * slides' exchange through a server connection and a client connection,
 * the 5-minute idle timeout (421 and close), flow control both ways, and
 * the peer closing or failing.
 */
#include <glib.h>
#include <string.h>

#include "protocols/smtp/smtp_conn.h"
#include "fake_host.h"
#include "test_util.h"

/* ---- server -------------------------------------------------------------- */

typedef struct {
    int messages;
    char *why;
    GString *data;
} server_app;

static void on_message(void *ud, smtp_server_conn *c, smtp_envelope *env)
{
    (void)c;
    server_app *a = ud;
    a->messages++;
    g_string_append_len(a->data, (const char *)env->data->data, env->data->len);
    smtp_envelope_free(env);
}

static void on_closed(void *ud, smtp_server_conn *c, const char *why)
{
    (void)c;
    server_app *a = ud;
    CU_ASSERT_PTR_NULL(a->why);
    a->why = g_strdup(why);
}

static const smtp_server_conn_handler server_handler = {on_message, on_closed};

static const char slides_in[] = "HELO crepes.fr\r\nMAIL FROM: <alice@crepes.fr>\r\nRCPT TO: <bob@hamburger.edu>\r\n"
                                "DATA\r\nDo you like ketchup?\r\nHow about pickles?\r\n.\r\nQUIT\r\n";
static const char slides_out[] = "220 hamburger.edu\r\n"
                                 "250 Hello crepes.fr, pleased to meet you\r\n"
                                 "250 alice@crepes.fr... Sender ok\r\n"
                                 "250 bob@hamburger.edu ... Recipient ok\r\n"
                                 "354 Enter mail, end with \".\" on a line by itself\r\n"
                                 "250 Message accepted for delivery\r\n"
                                 "221 hamburger.edu closing connection\r\n";

static void test_server_slides(void)
{
    fake_host h;
    fake_host_init(&h);
    fake_stream f;
    fake_stream_init(&f);
    server_app a = {.data = g_string_new(NULL)};
    smtp_server_config cfg = {.domain = "hamburger.edu"};
    smtp_server_conn *c = smtp_server_conn_new(&h.base, &f.base, &cfg, NULL, NULL, &server_handler, &a, 0);
    CU_ASSERT_STRING_EQUAL(f.written->str, "220 hamburger.edu\r\n");
    fake_stream_deliver(&f, slides_in, 7);
    CU_ASSERT_STRING_EQUAL(f.written->str, slides_out);
    CU_ASSERT_EQUAL(a.messages, 1);
    CU_ASSERT_STRING_EQUAL(a.data->str, "Do you like ketchup?\r\nHow about pickles?\r\n");
    CU_ASSERT_STRING_EQUAL(a.why, "quit");
    CU_ASSERT_TRUE(f.closed);
    fake_host_advance(&h, INT64_C(3600) * 1000000000); /* no timer left to fire */
    CU_ASSERT_STRING_EQUAL(f.written->str, slides_out);
    smtp_server_conn_free(c);
    g_free(a.why);
    g_string_free(a.data, TRUE);
    g_string_free(f.written, TRUE);
    g_array_free(h.timers, TRUE);
}

/* Idle for 5 minutes after the last bytes: 421 and close, not before. */
static void test_server_idle(void)
{
    fake_host h;
    fake_host_init(&h);
    fake_stream f;
    fake_stream_init(&f);
    server_app a = {.data = g_string_new(NULL)};
    smtp_server_config cfg = {.domain = "hamburger.edu"};
    smtp_server_conn *c = smtp_server_conn_new(&h.base, &f.base, &cfg, NULL, NULL, &server_handler, &a, 0);
    fake_host_advance(&h, INT64_C(100) * 1000000000);
    fake_stream_deliver(&f, "HELO crepes.fr\r\n", 100);
    fake_host_advance(&h, INT64_C(399) * 1000000000);
    CU_ASSERT_PTR_NULL(a.why);
    fake_host_advance(&h, INT64_C(400) * 1000000000);
    CU_ASSERT_STRING_EQUAL(a.why, "idle");
    CU_ASSERT_TRUE(f.closed);
    CU_ASSERT_TRUE(g_str_has_suffix(f.written->str,
                                    "421 hamburger.edu Service not available, closing transmission channel\r\n"));
    smtp_server_conn_free(c);
    g_free(a.why);
    g_string_free(a.data, TRUE);
    g_string_free(f.written, TRUE);
    g_array_free(h.timers, TRUE);
}

/* A stream that takes nothing: replies wait in the core, the core pauses,
 * reading stops; once writable, everything is answered in order. Then a
 * shutdown (421), and the peer closing another connection. */
static void test_server_flow_control(void)
{
    fake_host h;
    fake_host_init(&h);
    fake_stream f;
    fake_stream_init(&f);
    f.space = 0;
    server_app a = {.data = g_string_new(NULL)};
    smtp_server_conn *c = smtp_server_conn_new(&h.base, &f.base, NULL, NULL, NULL, &server_handler, &a, 0);
    GString *in = g_string_new(NULL);
    for (int i = 0; i < 4000; i++)
        g_string_append(in, "NOOP\r\n");
    f.base.handler->data(f.base.ud, &f.base, (const uint8_t *)in->str, in->len);
    CU_ASSERT_FALSE(f.reading);
    CU_ASSERT_EQUAL(f.written->len, 0);
    f.space = SIZE_MAX;
    f.base.handler->writable(f.base.ud, &f.base);
    CU_ASSERT_TRUE(f.reading);
    CU_ASSERT_EQUAL(f.written->len, strlen("220 localhost\r\n") + 4000 * strlen("250 OK\r\n"));
    smtp_server_conn_shutdown(c);
    CU_ASSERT_STRING_EQUAL(a.why, "shutdown");
    CU_ASSERT_TRUE(g_str_has_suffix(f.written->str, "421 localhost Service not available, closing transmission channel\r\n"));
    smtp_server_conn_free(c);
    g_free(a.why);
    a.why = NULL;

    fake_stream g;
    fake_stream_init(&g);
    c = smtp_server_conn_new(&h.base, &g.base, NULL, NULL, NULL, &server_handler, &a, 0);
    g.base.handler->peer_closed(g.base.ud, &g.base);
    CU_ASSERT_STRING_EQUAL(a.why, "peer closed");
    CU_ASSERT_TRUE(g.closed);
    smtp_server_conn_free(c);
    g_free(a.why);
    g_string_free(in, TRUE);
    g_string_free(a.data, TRUE);
    g_string_free(f.written, TRUE);
    g_string_free(g.written, TRUE);
    g_array_free(h.timers, TRUE);
}

/* ---- client -------------------------------------------------------------- */

typedef struct {
    GString *log;
    int closed;
} client_app;

static void on_event(void *ud, smtp_client_conn *c, const smtp_client_event *ev)
{
    (void)c;
    client_app *a = ud;
    if (ev->kind == SMTP_CLIENT_EV_MESSAGE)
        g_string_append_printf(a->log, "M%zu %s %d;", ev->message, smtp_result_name(ev->result), ev->code);
    else if (ev->kind == SMTP_CLIENT_EV_DONE)
        g_string_append(a->log, "DONE;");
}

static void on_client_closed(void *ud, smtp_client_conn *c)
{
    (void)c;
    ((client_app *)ud)->closed++;
}

static const smtp_client_conn_handler client_handler = {on_event, on_client_closed};

static smtp_client_conn *slides_client(fake_host *h, client_app *a)
{
    smtp_client_config cfg = {.helo_domain = "crepes.fr", .no_ehlo = true};
    smtp_client_conn *c = smtp_client_conn_new(&h->base, "hamburger.edu", 25, &cfg, &client_handler, a, 0, NULL);
    smtp_envelope *e = smtp_envelope_new("alice@crepes.fr");
    smtp_envelope_add_rcpt(e, "bob@hamburger.edu");
    smtp_envelope_set_data(e, "Do you like ketchup?\r\nHow about pickles?\r\n", 42);
    smtp_client_conn_add_message(c, e);
    smtp_envelope_free(e);
    return c;
}

static void test_client_slides_and_idle(void)
{
    fake_host h;
    fake_host_init(&h);
    fake_stream f;
    fake_stream_init(&f);
    h.connect = &f;
    client_app a = {.log = g_string_new(NULL)};
    smtp_client_conn *c = slides_client(&h, &a);
    fake_stream_deliver(&f, slides_out, 5);
    CU_ASSERT_STRING_EQUAL(f.written->str, "HELO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\n"
                                           "DATA\r\nDo you like ketchup?\r\nHow about pickles?\r\n.\r\nQUIT\r\n");
    CU_ASSERT_STRING_EQUAL(a.log->str, "M0 delivered 250;DONE;");
    CU_ASSERT_EQUAL(a.closed, 1);
    CU_ASSERT_TRUE(f.closed);
    smtp_client_conn_free(c);

    /* A server that greets and then says nothing: after 5 minutes the
     * message fails for now and the connection is aborted. */
    fake_stream g;
    fake_stream_init(&g);
    h.connect = &g;
    g_string_truncate(a.log, 0);
    a.closed = 0;
    c = slides_client(&h, &a);
    fake_stream_deliver(&g, "220 hamburger.edu\r\n", 100);
    fake_host_advance(&h, h.now + INT64_C(299) * 1000000000);
    CU_ASSERT_EQUAL(a.closed, 0);
    fake_host_advance(&h, h.now + INT64_C(1) * 1000000000);
    CU_ASSERT_STRING_EQUAL(a.log->str, "M0 temporary-failure 0;DONE;");
    CU_ASSERT_EQUAL(a.closed, 1);
    CU_ASSERT_TRUE(g.aborted);
    smtp_client_conn_free(c);

    /* The connection is refused. */
    fake_stream r;
    fake_stream_init(&r);
    h.connect = &r;
    g_string_truncate(a.log, 0);
    a.closed = 0;
    c = slides_client(&h, &a);
    r.base.handler->error(r.base.ud, &r.base, STREAM_ERR_REFUSED);
    CU_ASSERT_STRING_EQUAL(a.log->str, "M0 temporary-failure 0;DONE;");
    CU_ASSERT_EQUAL(a.closed, 1);
    smtp_client_conn_free(c);

    g_string_free(a.log, TRUE);
    g_string_free(f.written, TRUE);
    g_string_free(g.written, TRUE);
    g_string_free(r.written, TRUE);
    g_array_free(h.timers, TRUE);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_server_slides), TEST(test_server_idle), TEST(test_server_flow_control),
                                      TEST(test_client_slides_and_idle)};
    return test_main("protocols/smtp/conn", tests, G_N_ELEMENTS(tests));
}
