/*
 * Tests of protocols/smtp/smtp_reply: replies parsed at every chunk size
 * (single and multi-line, bare LF, a code alone), the classes of codes,
 * and every malformed variant with the error it must give, limits
 * included (a 512-byte line passes, 513 fails; 100 lines pass, 101 fail).
 */
#include <glib.h>
#include <string.h>

#include "protocols/smtp/smtp_reply.h"
#include "test_util.h"

/* Parses `in` in chunks of `chunk` bytes; logs "CODE text|text;" per
 * reply and "ERR why;" on an error. */
static char *parse(const char *in, size_t len, size_t chunk, size_t *max_buffered)
{
    smtp_reply_parser *p = smtp_reply_parser_new();
    GString *log = g_string_new(NULL);
    bool failed = false;
    size_t mb = 0;
    for (size_t off = 0; off < len && !failed; off += chunk) {
        size_t n = MIN(chunk, len - off), used = 0;
        uint8_t *piece = g_memdup2(in + off, n);
        while (used < n && !failed) {
            smtp_reply_status st;
            size_t k = smtp_reply_parser_feed(p, piece + used, n - used, &st);
            CU_ASSERT_TRUE(k > 0 && k <= n - used);
            used += k;
            mb = MAX(mb, smtp_reply_parser_buffered(p));
            if (st == SMTP_REPLY_COMPLETE) {
                const smtp_reply *r = smtp_reply_parser_reply(p);
                g_string_append_printf(log, "%d ", r->code);
                for (guint i = 0; i < r->lines->len; i++)
                    g_string_append_printf(log, "%s%s", i ? "|" : "", (char *)g_ptr_array_index(r->lines, i));
                g_string_append(log, ";");
            } else if (st == SMTP_REPLY_ERROR) {
                g_string_append_printf(log, "ERR %s;", smtp_reply_parser_error(p));
                CU_ASSERT_EQUAL(used, n);
                failed = true;
            } else {
                CU_ASSERT_EQUAL(used, n);
            }
        }
        g_free(piece);
    }
    smtp_reply_parser_free(p);
    if (max_buffered)
        *max_buffered = mb;
    return g_string_free(log, FALSE);
}

static void check(const char *in, const char *expect)
{
    size_t len = strlen(in);
    for (size_t chunk = 1; chunk <= len; chunk++) {
        char *log = parse(in, len, chunk, NULL);
        if (strcmp(log, expect) != 0)
            fprintf(stderr, "\n[%s] chunk %zu:\n got    %s\n expect %s\n", in, chunk, log, expect);
        CU_ASSERT_STRING_EQUAL(log, expect);
        bool same = strcmp(log, expect) == 0;
        g_free(log);
        if (!same)
            break;
    }
}

static void test_replies(void)
{
    check("220 hamburger.edu\r\n", "220 hamburger.edu;");
    check("250-hamburger.edu Hello\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n250 PIPELINING\r\n",
          "250 hamburger.edu Hello|SIZE 10485760|8BITMIME|PIPELINING;");
    check("250\r\n354 \r\n221 bye\n", "250 ;354 ;221 bye;");
    check("550-a\n550 b\r\n", "550 a|b;");
    check("421 4.4.2 timeout \xc3\xa9\r\n", "421 4.4.2 timeout \xc3\xa9;");
}

static void test_malformed(void)
{
    check("22 short\r\n", "ERR a reply line must start with a three-digit code;");
    check("\r\n", "ERR a reply line must start with a three-digit code;");
    check("2x0 x\r\n", "ERR a reply line must start with a three-digit code;");
    check("160 x\r\n", "ERR reply code out of range (first digit 2-5, second 0-5);");
    check("260 x\r\n", "ERR reply code out of range (first digit 2-5, second 0-5);");
    check("650 x\r\n", "ERR reply code out of range (first digit 2-5, second 0-5);");
    check("250x\r\n", "ERR a reply code must be followed by a space, a hyphen or the line end;");
    check("250-a\r\n251 b\r\n", "ERR the lines of a multi-line reply have different codes;");
    check("250 a\rb\r\n", "ERR NUL or a bare CR in a reply line;");
    check("250 ok\r\n250 after an error nothing\r\n252", "250 ok;250 after an error nothing;");
}

static void test_limits(void)
{
    GString *ok = g_string_new("250 ");
    while (ok->len < 510)
        g_string_append_c(ok, 'x');
    g_string_append(ok, "\r\n");
    char *log = parse(ok->str, ok->len, 7, NULL);
    CU_ASSERT_TRUE(g_str_has_prefix(log, "250 xxx"));
    g_free(log);
    g_string_insert_c(ok, 4, 'y'); /* 513 bytes */
    size_t mb = 0;
    log = parse(ok->str, ok->len, 1, &mb);
    CU_ASSERT_STRING_EQUAL(log, "ERR reply line longer than 512 bytes;");
    CU_ASSERT_TRUE(mb <= 511);
    g_free(log);
    g_string_free(ok, TRUE);

    for (int lines = 100; lines <= 101; lines++) {
        GString *m = g_string_new(NULL);
        for (int i = 1; i < lines; i++)
            g_string_append(m, "250-x\r\n");
        g_string_append(m, "250 end\r\n");
        log = parse(m->str, m->len, 13, NULL);
        if (lines == 100) {
            CU_ASSERT_TRUE(g_str_has_suffix(log, "|x|end;"));
        } else {
            CU_ASSERT_STRING_EQUAL(log, "ERR reply of more than 100 lines;");
        }
        g_free(log);
        g_string_free(m, TRUE);
    }
}

static void test_classes_and_text(void)
{
    CU_ASSERT_EQUAL(smtp_reply_class(250), 2);
    CU_ASSERT_EQUAL(smtp_reply_class(354), 3);
    CU_ASSERT_EQUAL(smtp_reply_class(451), 4);
    CU_ASSERT_EQUAL(smtp_reply_class(554), 5);
    CU_ASSERT_EQUAL(smtp_reply_class(199), 0);
    CU_ASSERT_EQUAL(smtp_reply_class(600), 0);
    CU_ASSERT_EQUAL(smtp_reply_class(270), 0);
    smtp_reply_parser *p = smtp_reply_parser_new();
    smtp_reply_status st;
    const char *in = "554-one\r\n554 two\r\n";
    CU_ASSERT_EQUAL(smtp_reply_parser_feed(p, (const uint8_t *)in, strlen(in), &st), strlen(in));
    CU_ASSERT_EQUAL(st, SMTP_REPLY_COMPLETE);
    char *t = smtp_reply_text(smtp_reply_parser_reply(p));
    CU_ASSERT_STRING_EQUAL(t, "one\ntwo");
    g_free(t);
    CU_ASSERT_PTR_NULL(smtp_reply_parser_error(p));
    smtp_reply_parser_feed(p, (const uint8_t *)"2", 1, &st);
    CU_ASSERT_EQUAL(st, SMTP_REPLY_NEED_MORE);
    CU_ASSERT_PTR_NULL(smtp_reply_parser_reply(p));
    CU_ASSERT_EQUAL(smtp_reply_parser_buffered(p), 1);
    smtp_reply_parser_free(p);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_replies), TEST(test_malformed), TEST(test_limits),
                                      TEST(test_classes_and_text)};
    return test_main("protocols/smtp/reply", tests, G_N_ELEMENTS(tests));
}
