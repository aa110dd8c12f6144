/*
 * Tests of protocols/pop3/app/pop3_app: the POP3 dialogue of transcripts
 * (the client's commands tell the server's side which responses are
 * listings and messages) at every chunk size from 1 to 64 bytes, and the
 * labels and the sniffing of POP3 segments.
 */
#include <glib.h>
#include <string.h>

#include "protocols/pop3/app/pop3_app.h"
#include "test_util.h"

/* Appends every event of `p` reading `in` in pieces of `chunk` bytes:
 * [head], <body bytes> (runs summed), ";" for an end. When `peer` is
 * set, `p` is a client's side and each command head is passed on to it
 * (answering). */
static void read_side(void *p, void *peer, const char *in, size_t chunk, GString *out, uint64_t *body)
{
    size_t len = strlen(in);
    for (size_t off = 0; off <= len; off += chunk) {
        size_t n = off < len ? MIN(chunk, len - off) : 0, used = 0;
        for (int guard = 0; guard < 1000; guard++) {
            app_dlg_event ev = {0};
            used += pop3_app_dialogue.feed(p, (const uint8_t *)in + off + used, n - used, &ev);
            if (ev.kind == APP_DLG_NEED_MORE)
                break;
            if (ev.kind == APP_DLG_BODY) {
                *body += ev.body;
                continue;
            }
            if (*body)
                g_string_append_printf(out, "<%" G_GUINT64_FORMAT ">", *body);
            *body = 0;
            if (ev.kind == APP_DLG_HEAD) {
                g_string_append_printf(out, "[%s]", ev.head);
                g_free(ev.head);
                if (peer)
                    pop3_app_dialogue.answering(peer, p);
            } else if (ev.kind == APP_DLG_END) {
                g_string_append(out, ";");
            }
        }
        if (off == len)
            break;
    }
}

static void test_dialogue(void)
{
    /* each command with its answer, in the order of the session */
    static const char *const steps[][2] = {
        {NULL, "+OK POP3 server ready\r\n"},
        {"USER bob\r\n", "+OK\r\n"},
        {"LIST\r\n", "+OK 2 messages (30 octets)\r\n1 12\r\n2 18\r\n.\r\n"},
        {"LIST 2\r\n", "+OK 2 18\r\n"},
        {"RETR 1\r\n", "+OK 12 octets\r\nSubject: x\r\n\r\nhi\r\n.\r\n"},
        {"RETR 9\r\n", "-ERR no such message\r\n"},
        {"QUIT\r\n", "+OK bye\r\n"}};
    static const char want_server[] = "[+OK POP3 server ready];[+OK];[+OK 2 messages (30 octets)\r\n1 12\r\n2 18];"
                                      "[+OK 2 18];[+OK 12 octets][Subject: x]<7>;[-ERR no such message];[+OK bye];";
    static const char want_client[] = "[USER bob];[LIST];[LIST 2];[RETR 1];[RETR 9];[QUIT];";
    for (size_t chunk = 1; chunk <= 64; chunk *= 2) {
        void *client = pop3_app_dialogue.new(true), *server = pop3_app_dialogue.new(false);
        GString *c = g_string_new(NULL), *s = g_string_new(NULL);
        uint64_t cb = 0, sb = 0;
        for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
            if (steps[i][0])
                read_side(client, server, steps[i][0], chunk, c, &cb);
            read_side(server, NULL, steps[i][1], chunk, s, &sb);
        }
        if (strcmp(s->str, want_server) || strcmp(c->str, want_client))
            printf("\n    chunk %zu: %s | %s\n", chunk, s->str, c->str);
        CU_ASSERT_STRING_EQUAL(s->str, want_server);
        CU_ASSERT_STRING_EQUAL(c->str, want_client);
        g_string_free(c, TRUE);
        g_string_free(s, TRUE);
        pop3_app_dialogue.free(client);
        pop3_app_dialogue.free(server);
    }
}

/* Bytes whose content is not modelled are counted in a message's body,
 * and skipped elsewhere. */
static void test_unmodelled(void)
{
    void *client = pop3_app_dialogue.new(true), *server = pop3_app_dialogue.new(false);
    GString *out = g_string_new(NULL);
    uint64_t body = 0;
    read_side(client, server, "RETR 1\r\n", 64, out, &body);
    read_side(server, NULL, "+OK 1000 octets\r\n", 64, out, &body);
    app_dlg_event ev = {0};
    CU_ASSERT_EQUAL(pop3_app_dialogue.feed(server, NULL, 1000, &ev), 1000);
    CU_ASSERT_EQUAL(ev.kind, APP_DLG_BODY);
    CU_ASSERT_EQUAL(ev.body, 1000);
    CU_ASSERT_STRING_EQUAL(out->str, "[RETR 1];[+OK 1000 octets]");
    g_string_free(out, TRUE);
    pop3_app_dialogue.free(client);
    pop3_app_dialogue.free(server);
}

static void test_labels(void)
{
    static const char *const cases[][2] = {
        {"USER bob\r\n", "USER bob"},
        {"pass hungry\r\n", "pass hungry"},
        {"+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n", "+OK 2 messages (320 octets) (4 lines)"},
        {"-ERR no such message\r\n", "-ERR no such message"},
        {"Subject: x\r\n\r\nhello\r\n", "message data 21 B"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *l = pop3_app_label((const uint8_t *)cases[i][0], strlen(cases[i][0]));
        CU_ASSERT_STRING_EQUAL(l, cases[i][1]);
        g_free(l);
    }
    char *l = pop3_app_label(NULL, 2000);
    CU_ASSERT_STRING_EQUAL(l, "message data 2.0 kB");
    g_free(l);
    CU_ASSERT_TRUE(pop3_app_sniff((const uint8_t *)"+OK", 3));
    CU_ASSERT_TRUE(pop3_app_sniff((const uint8_t *)"-ERR x", 6));
    CU_ASSERT_TRUE(pop3_app_sniff((const uint8_t *)"capa\r\n", 6));
    CU_ASSERT_FALSE(pop3_app_sniff((const uint8_t *)"EHLO x\r\n", 8));
    CU_ASSERT_FALSE(pop3_app_sniff((const uint8_t *)"* OK", 4));
    CU_ASSERT_FALSE(pop3_app_sniff(NULL, 10));
}

int main(void)
{
    static const test_case tests[] = {TEST(test_dialogue), TEST(test_unmodelled), TEST(test_labels)};
    return test_main("protocols/pop3/app", tests, G_N_ELEMENTS(tests));
}
