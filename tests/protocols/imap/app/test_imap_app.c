/*
 * Tests of protocols/imap/app/imap_app: the IMAP dialogue of transcripts
 * (a response line is a message; its literals are its body) at every
 * chunk size from 1 to 64 bytes, and the labels and the sniffing of IMAP
 * segments.
 */
#include <glib.h>
#include <string.h>

#include "protocols/imap/app/imap_app.h"
#include "test_util.h"

/* Every event of one side reading `in` in pieces of `chunk` bytes:
 * [head], <body bytes> (runs summed), ";" for an end. */
static char *read_all(bool client, const char *in, size_t chunk)
{
    void *p = imap_app_dialogue.new(client);
    GString *out = g_string_new(NULL);
    uint64_t body = 0;
    size_t len = strlen(in);
    for (size_t off = 0; off <= len; off += chunk) {
        size_t n = off < len ? MIN(chunk, len - off) : 0, used = 0;
        for (int guard = 0; guard < 1000; guard++) {
            app_dlg_event ev = {0};
            used += imap_app_dialogue.feed(p, (const uint8_t *)in + off + used, n - used, &ev);
            if (ev.kind == APP_DLG_NEED_MORE)
                break;
            if (ev.kind == APP_DLG_BODY) {
                body += ev.body;
                continue;
            }
            if (body)
                g_string_append_printf(out, "<%" G_GUINT64_FORMAT ">", body);
            body = 0;
            if (ev.kind == APP_DLG_HEAD) {
                g_string_append_printf(out, "[%s]", ev.head);
                g_free(ev.head);
            } else if (ev.kind == APP_DLG_END) {
                g_string_append(out, ";");
            }
        }
        if (off == len)
            break;
    }
    imap_app_dialogue.free(p);
    return g_string_free(out, FALSE);
}

static void test_dialogue(void)
{
    static const char server[] = "* OK [CAPABILITY IMAP4rev1] ready\r\nA1 OK done\r\n"
                                 "* 1 FETCH (UID 7 BODY[HEADER] {4}\r\nH\r\n\r BODY[] {5}\r\nhello)\r\n"
                                 "* 2 FETCH (UID 8 BODY[] {0}\r\n)\r\nA2 OK FETCH completed\r\n";
    static const char want[] = "[* OK [CAPABILITY IMAP4rev1] ready];[A1 OK done];"
                               "[* 1 FETCH (UID 7 BODY[HEADER] {4}]<9>;[* 2 FETCH (UID 8 BODY[] {0}];"
                               "[A2 OK FETCH completed];";
    static const char client[] = "A1 LOGIN \"bob\" \"hungry\"\r\nA2 UID FETCH 1:* (UID BODY.PEEK[])\r\n";
    for (size_t chunk = 1; chunk <= 64; chunk *= 2) {
        char *got = read_all(false, server, chunk);
        if (strcmp(got, want))
            printf("\n    chunk %zu: %s\n", chunk, got);
        CU_ASSERT_STRING_EQUAL(got, want);
        g_free(got);
        got = read_all(true, client, chunk);
        CU_ASSERT_STRING_EQUAL(got, "[A1 LOGIN \"bob\" \"hungry\"];[A2 UID FETCH 1:* (UID BODY.PEEK[])];");
        g_free(got);
    }
}

static void test_labels(void)
{
    static const char *const cases[][2] = {
        {"A1 LOGIN \"bob\" \"hungry\"\r\n", "A1 LOGIN \"bob\" \"hungry\""},
        {"* 3 EXISTS\r\n* 0 RECENT\r\nA2 OK done\r\n", "* 3 EXISTS (+2 lines)"},
        {"* 1 FETCH (UID 1 FLAGS (\\Seen) BODY[] {10240}\r\nFrom:", "* 1 FETCH (UID 1 FLAGS (\\Seen) BODY[] {1..."},
        {"A9 NO [AUTHENTICATIONFAILED] no\r\n", "A9 NO [AUTHENTICATIONFAILED] no"},
        {"Subject: x\r\n\r\nhello\r\n", "message data 21 B"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *l = imap_app_label((const uint8_t *)cases[i][0], strlen(cases[i][0]));
        if (strcmp(l, cases[i][1]))
            printf("\n    label %zu: %s\n", i, l);
        CU_ASSERT_STRING_EQUAL(l, cases[i][1]);
        g_free(l);
    }
    CU_ASSERT_TRUE(imap_app_sniff((const uint8_t *)"* OK hi", 7));
    CU_ASSERT_TRUE(imap_app_sniff((const uint8_t *)"+ go", 4));
    CU_ASSERT_TRUE(imap_app_sniff((const uint8_t *)"a001 select INBOX", 17));
    CU_ASSERT_FALSE(imap_app_sniff((const uint8_t *)"USER bob", 8));
    CU_ASSERT_FALSE(imap_app_sniff((const uint8_t *)"A1 LOGINX", 9));
    CU_ASSERT_FALSE(imap_app_sniff(NULL, 5));
}

int main(void)
{
    static const test_case tests[] = {TEST(test_dialogue), TEST(test_labels)};
    return test_main("protocols/imap/app", tests, G_N_ELEMENTS(tests));
}
