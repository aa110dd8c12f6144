/*
 * The POP3 client core against the server core over one mail store, bytes
 * shuttled between the two in pieces of every size: the slides' session
 * byte for byte from both ends, download-and-delete against
 * download-and-keep ("Bob reads on his second machine": after delete
 * nothing is left for it; after keep it gets everything, and the first
 * machine, knowing the unique ids, fetches only what is new), APOP, and a
 * refused login.
 */
#include <glib.h>
#include <string.h>

#include "pop3_fixture.h"
#include "protocols/pop3/pop3_client_core.h"
#include "test_util.h"

typedef struct {
    pop3_client_result result;
    GString *log;       /* the client's events, compactly */
    GPtrArray *uidls;   /* of char *: ids of messages retrieved or known */
    GPtrArray *data;    /* of GBytes *: the messages retrieved */
    GString *c2s, *s2c; /* every byte each way */
} loop_result;

static void loop_result_clear(loop_result *r)
{
    g_string_free(r->log, TRUE);
    g_ptr_array_free(r->uidls, TRUE);
    g_ptr_array_free(r->data, TRUE);
    g_string_free(r->c2s, TRUE);
    g_string_free(r->s2c, TRUE);
}

static void client_events(pop3_client_core *c, loop_result *r, bool *done)
{
    pop3_client_event ev;
    while (pop3_client_core_next_event(c, &ev)) {
        switch (ev.kind) {
        case POP3_CLIENT_EV_STATE: break;
        case POP3_CLIENT_EV_MESSAGE:
            g_string_append_printf(r->log, "M%u:%zu;", ev.number, g_bytes_get_size(ev.data));
            g_ptr_array_add(r->data, g_bytes_ref(ev.data));
            if (ev.uidl)
                g_ptr_array_add(r->uidls, g_strdup(ev.uidl));
            break;
        case POP3_CLIENT_EV_SKIPPED:
            g_string_append_printf(r->log, "S%u:%s;", ev.number, ev.text);
            if (ev.uidl)
                g_ptr_array_add(r->uidls, g_strdup(ev.uidl));
            break;
        case POP3_CLIENT_EV_DELETED: g_string_append_printf(r->log, "D%u;", ev.number); break;
        case POP3_CLIENT_EV_DONE:
            g_string_append_printf(r->log, "%s", pop3_client_result_name(ev.result));
            r->result = ev.result;
            *done = true;
            break;
        }
        pop3_client_event_clear(&ev);
    }
}

/* One session of the client against a server core on `st`. */
static void run_loop(mail_store *st, const pop3_server_config *scfg, const pop3_client_config *ccfg, size_t piece,
                     loop_result *r)
{
    r->log = g_string_new(NULL);
    r->uidls = g_ptr_array_new_with_free_func(g_free);
    r->data = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    r->c2s = g_string_new(NULL);
    r->s2c = g_string_new(NULL);
    r->result = POP3_CLIENT_CLOSED;
    pop3_server_core *s = pop3_server_core_new(scfg, st);
    pop3_client_core *c = pop3_client_core_new(ccfg);
    bool done = false, server_closed = false;
    for (int round = 0; round < 10000 && !done; round++) {
        size_t n;
        const uint8_t *o = pop3_server_core_output(s, &n);
        uint8_t *copy = g_memdup2(o, n);
        pop3_server_core_consume(s, n);
        g_string_append_len(r->s2c, (const char *)copy, (gssize)n);
        for (size_t off = 0; off < n; off += piece)
            pop3_client_core_feed(c, copy + off, MIN(piece, n - off));
        g_free(copy);
        pop3_server_event sev;
        while (pop3_server_core_next_event(s, &sev)) {
            server_closed |= sev.kind == POP3_SERVER_EV_CLOSE;
            pop3_server_event_clear(&sev);
        }
        o = pop3_client_core_output(c, &n);
        copy = g_memdup2(o, n);
        pop3_client_core_consume(c, n);
        g_string_append_len(r->c2s, (const char *)copy, (gssize)n);
        for (size_t off = 0; off < n;) {
            size_t k = pop3_server_core_feed(s, copy + off, MIN(piece, n - off));
            off += k;
            size_t m;
            const uint8_t *so = pop3_server_core_output(s, &m);
            if (k == 0 && m == 0)
                break;
            if (k == 0) { /* the server paused: its output goes to the client first */
                g_string_append_len(r->s2c, (const char *)so, (gssize)m);
                uint8_t *scopy = g_memdup2(so, m);
                pop3_server_core_consume(s, m);
                pop3_client_core_feed(c, scopy, m);
                g_free(scopy);
            }
        }
        g_free(copy);
        client_events(c, r, &done);
        if (server_closed && !done) {
            o = pop3_server_core_output(s, &n);
            if (n == 0) {
                pop3_client_core_closed(c, "server closed");
                client_events(c, r, &done);
            }
        }
    }
    CU_ASSERT_TRUE(done);
    if (!server_closed)
        pop3_server_core_abort(s); /* the connection closes after the client is done */
    pop3_client_core_free(c);
    pop3_server_core_free(s);
}

/* The slides' exchange from both ends: the client writes exactly the
 * slides' "C:" lines, the server the "S:" lines (with RFC 1939's status
 * lines in between, see test_server_core.c). */
static void test_slides_both_ends(void)
{
    pop3_client_config cc = {.user = "bob", .password = "hungry", .mode = POP3_MODE_DELETE, .no_uidl = true,
                             .lowercase = true};
    for (size_t piece = 1; piece <= 1700; piece += (piece < 64 ? 1 : 97)) {
        mail_store *st = fixture_slides_store();
        loop_result r;
        run_loop(st, NULL, &cc, piece, &r);
        CU_ASSERT_STRING_EQUAL(r.c2s->str, "user bob\r\npass hungry\r\nlist\r\nretr 1\r\ndele 1\r\nretr 2\r\n"
                                           "dele 2\r\nquit\r\n");
        CU_ASSERT_TRUE(g_str_has_prefix(r.s2c->str, "+OK POP3 server ready\r\n+OK\r\n+OK user successfully logged on\r\n"
                                                    "+OK 2 messages (1410 octets)\r\n1 498\r\n2 912\r\n.\r\n"));
        CU_ASSERT_TRUE(g_str_has_suffix(r.s2c->str, "+OK message 2 deleted\r\n+OK POP3 server signing off\r\n"));
        CU_ASSERT_STRING_EQUAL(r.log->str, "M1:498;D1;M2:912;D2;ok");
        CU_ASSERT_EQUAL(fixture_inbox_count(st, "bob"), 0);
        /* The messages arrive as they were stored. */
        mail_store *fresh = fixture_slides_store();
        mail_folder *f = mail_store_folder(fresh, "bob", MAIL_STORE_INBOX, NULL);
        for (guint i = 0; i < 2 && r.data->len == 2; i++)
            CU_ASSERT_TRUE(g_bytes_equal(g_ptr_array_index(r.data, i), mail_folder_msg(f, i)->data));
        mail_store_free(fresh);
        loop_result_clear(&r);
        mail_store_free(st);
    }
}

static char **uidl_set(GPtrArray *uidls)
{
    char **v = g_new0(char *, uidls->len + 1);
    for (guint i = 0; i < uidls->len; i++)
        v[i] = g_strdup(g_ptr_array_index(uidls, i));
    return v;
}

/* The slides' "more about POP3": delete leaves nothing for a second
 * machine; keep gives it everything; UIDL lets a machine skip what it has. */
static void test_second_machine(void)
{
    for (size_t piece = 1; piece <= 200; piece += 13) {
        /* download and delete */
        mail_store *st = fixture_slides_store();
        pop3_client_config cc = {.user = "bob", .password = "hungry", .mode = POP3_MODE_DELETE};
        loop_result r1, r2;
        run_loop(st, NULL, &cc, piece, &r1);
        CU_ASSERT_STRING_EQUAL(r1.log->str, "M1:498;D1;M2:912;D2;ok");
        run_loop(st, NULL, &cc, piece, &r2);
        CU_ASSERT_STRING_EQUAL(r2.log->str, "ok");
        CU_ASSERT_EQUAL(r2.data->len, 0);
        loop_result_clear(&r1);
        loop_result_clear(&r2);
        mail_store_free(st);

        /* download and keep */
        st = fixture_slides_store();
        cc.mode = POP3_MODE_KEEP;
        run_loop(st, NULL, &cc, piece, &r1);
        CU_ASSERT_STRING_EQUAL(r1.log->str, "M1:498;M2:912;ok");
        run_loop(st, NULL, &cc, piece, &r2); /* the second machine: knows nothing */
        CU_ASSERT_STRING_EQUAL(r2.log->str, "M1:498;M2:912;ok");
        CU_ASSERT_EQUAL(fixture_inbox_count(st, "bob"), 2);
        /* A new message; the first machine knows the first two. */
        GBytes *m3 = fixture_message("third", 300);
        mail_store_deliver(st, "bob", m3, 3, NULL);
        g_bytes_unref(m3);
        char **known = uidl_set(r1.uidls);
        cc.known_uidls = (const char *const *)known;
        loop_result r3;
        run_loop(st, NULL, &cc, piece, &r3);
        CU_ASSERT_STRING_EQUAL(r3.log->str, "S1:known;S2:known;M3:300;ok");
        CU_ASSERT_TRUE(strstr(r3.c2s->str, "RETR 1") == NULL && strstr(r3.c2s->str, "RETR 3\r\n") != NULL);
        /* Delete mode with known ids: the known ones are deleted unread. */
        cc.mode = POP3_MODE_DELETE;
        loop_result r4;
        run_loop(st, NULL, &cc, piece, &r4);
        CU_ASSERT_STRING_EQUAL(r4.log->str, "S1:known;D1;S2:known;D2;M3:300;D3;ok");
        CU_ASSERT_EQUAL(fixture_inbox_count(st, "bob"), 0);
        g_strfreev(known);
        loop_result_clear(&r1);
        loop_result_clear(&r2);
        loop_result_clear(&r3);
        loop_result_clear(&r4);
        mail_store_free(st);
    }
}

static void test_apop_and_refusals(void)
{
    mail_store *st = fixture_slides_store();
    pop3_server_config sc = {.apop_timestamp = "<42.0@hamburger.edu>", .refuse_plaintext = true};
    pop3_client_config cc = {.user = "bob", .password = "hungry", .apop = true};
    loop_result r;
    run_loop(st, &sc, &cc, 5, &r);
    CU_ASSERT_STRING_EQUAL(r.log->str, "M1:498;M2:912;ok");
    CU_ASSERT_TRUE(g_str_has_prefix(r.c2s->str, "APOP bob "));
    CU_ASSERT_PTR_NULL(strstr(r.c2s->str, "hungry")); /* the password never goes in clear */
    loop_result_clear(&r);
    /* Plain text refused by the server: the client fails with AUTH. */
    cc.apop = false;
    run_loop(st, &sc, &cc, 5, &r);
    CU_ASSERT_STRING_EQUAL(r.log->str, "auth");
    CU_ASSERT_TRUE(g_str_has_suffix(r.c2s->str, "QUIT\r\n"));
    loop_result_clear(&r);
    /* APOP asked for, not offered: nothing about the password is sent. */
    cc.apop = true;
    run_loop(st, NULL, &cc, 5, &r);
    CU_ASSERT_STRING_EQUAL(r.log->str, "no-apop");
    CU_ASSERT_STRING_EQUAL(r.c2s->str, "QUIT\r\n");
    loop_result_clear(&r);
    /* A wrong password. */
    cc.apop = false;
    cc.password = "starving";
    run_loop(st, NULL, &cc, 5, &r);
    CU_ASSERT_STRING_EQUAL(r.log->str, "auth");
    CU_ASSERT_STRING_EQUAL(r.c2s->str, "USER bob\r\nPASS starving\r\nQUIT\r\n");
    loop_result_clear(&r);
    /* Messages over the client's limit are skipped. */
    cc.password = "hungry";
    cc.max_message_size = 500;
    run_loop(st, NULL, &cc, 5, &r);
    CU_ASSERT_STRING_EQUAL(r.log->str, "M1:498;S2:too large;ok");
    loop_result_clear(&r);
    mail_store_free(st);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_slides_both_ends), TEST(test_second_machine),
                                      TEST(test_apop_and_refusals)};
    return test_main("protocols/pop3/loop", tests, G_N_ELEMENTS(tests));
}
