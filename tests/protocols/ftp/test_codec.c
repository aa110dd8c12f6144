/*
 * Tests of protocols/ftp/ftp_codec: replies single and multi-line fed at
 * every chunk size, the limits (line length, NUL, bad first lines, sticky
 * failure), the reply writer, and PORT/227/EPRT/229 parsed and written,
 * with malformed cases.
 */
#include <glib.h>
#include <string.h>

#include "protocols/ftp/ftp_codec.h"
#include "test_util.h"

/* Feeds `in` in chunks of `chunk` bytes; returns the replies as
 * "code|line|line..." joined by '\n', and the final status. */
static char *feed_all(const char *in, size_t len, size_t chunk, ftp_reply_status *last)
{
    ftp_reply_parser *p = ftp_reply_parser_new();
    GString *out = g_string_new(NULL);
    size_t off = 0;
    ftp_reply_status st = FTP_REPLY_NEED_MORE;
    while (off < len) {
        size_t n = MIN(chunk, len - off);
        size_t used = ftp_reply_parser_feed(p, (const uint8_t *)in + off, n, &st);
        CU_ASSERT(used <= n);
        off += used;
        if (st == FTP_REPLY_ERROR)
            break;
        if (st == FTP_REPLY_COMPLETE) {
            const ftp_reply *r = ftp_reply_parser_reply(p);
            CU_ASSERT_PTR_NOT_NULL_FATAL(r);
            CU_ASSERT_EQUAL(ftp_reply_parser_buffered(p), 0);
            g_string_append_printf(out, "%d", r->code);
            for (guint i = 0; i < r->lines->len; i++)
                g_string_append_printf(out, "|%s", (const char *)g_ptr_array_index(r->lines, i));
            g_string_append_c(out, '\n');
        }
    }
    *last = st;
    ftp_reply_parser_free(p);
    return g_string_free(out, FALSE);
}

static void check_all_chunks(const char *in, const char *want, ftp_reply_status want_last)
{
    size_t len = strlen(in);
    for (size_t chunk = 1; chunk <= len; chunk++) {
        ftp_reply_status st;
        char *got = feed_all(in, len, chunk, &st);
        if (strcmp(got, want) != 0 || st != want_last)
            fprintf(stderr, "chunk %zu: got [%s] status %d\n", chunk, got, (int)st);
        CU_ASSERT_STRING_EQUAL(got, want);
        CU_ASSERT_EQUAL(st, want_last);
        g_free(got);
    }
}

static void test_single_line(void)
{
    check_all_chunks("220 Service ready\r\n331 Need password\n230 \r\n",
                     "220|Service ready\n331|Need password\n230|\n", FTP_REPLY_COMPLETE);
}

static void test_multi_line(void)
{
    check_all_chunks("211-Features:\r\n MDTM\r\n211-not the end\r\n2110 nor this\r\n SIZE\r\n211 End\r\n"
                     "200 ok\r\n",
                     "211|Features:| MDTM|211-not the end|2110 nor this| SIZE|End\n200|ok\n",
                     FTP_REPLY_COMPLETE);
    /* A line starting with another code and a space does not end it. */
    check_all_chunks("214-a\r\n200 b\r\n214 c\r\n", "214|a|200 b|c\n", FTP_REPLY_COMPLETE);
}

static void test_incomplete(void)
{
    check_all_chunks("220 ok\r\n211-x\r\n", "220|ok\n", FTP_REPLY_NEED_MORE);
    ftp_reply_parser *p = ftp_reply_parser_new();
    ftp_reply_status st;
    CU_ASSERT_EQUAL(ftp_reply_parser_feed(p, (const uint8_t *)"22", 2, &st), 2);
    CU_ASSERT_EQUAL(st, FTP_REPLY_NEED_MORE);
    CU_ASSERT_PTR_NULL(ftp_reply_parser_reply(p));
    CU_ASSERT_EQUAL(ftp_reply_parser_buffered(p), 2);
    CU_ASSERT_PTR_NULL(ftp_reply_parser_error(p));
    ftp_reply_parser_free(p);
}

static void check_error(const char *in, size_t len)
{
    for (size_t chunk = 1; chunk <= len; chunk++) {
        ftp_reply_status st;
        char *got = feed_all(in, len, chunk, &st);
        CU_ASSERT_EQUAL(st, FTP_REPLY_ERROR);
        g_free(got);
    }
    ftp_reply_parser *p = ftp_reply_parser_new();
    ftp_reply_status st;
    ftp_reply_parser_feed(p, (const uint8_t *)in, len, &st);
    CU_ASSERT_EQUAL(st, FTP_REPLY_ERROR);
    CU_ASSERT_PTR_NOT_NULL(ftp_reply_parser_error(p));
    /* Sticky: nothing more is taken. */
    CU_ASSERT_EQUAL(ftp_reply_parser_feed(p, (const uint8_t *)"200 ok\r\n", 8, &st), 0);
    CU_ASSERT_EQUAL(st, FTP_REPLY_ERROR);
    ftp_reply_parser_free(p);
}

static void test_errors(void)
{
    check_error("hello\r\n", 7);
    check_error("600 no\r\n", 8);
    check_error("020 no\r\n", 8);
    check_error("20 no\r\n", 7);
    check_error("200\r\n", 5);
    check_error("2a0 x\r\n", 7);
    check_error("200x\r\n", 6);
    check_error("200 a\0b\r\n", 9);
    check_error("211-a\r\nb\0\r\n", 11);
}

static void test_limits(void)
{
    /* A line of exactly FTP_REPLY_MAX_LINE bytes with CRLF passes. */
    GString *s = g_string_new("200 ");
    while (s->len < FTP_REPLY_MAX_LINE - 2)
        g_string_append_c(s, 'x');
    g_string_append(s, "\r\n");
    ftp_reply_parser *p = ftp_reply_parser_new();
    ftp_reply_status st;
    ftp_reply_parser_feed(p, (const uint8_t *)s->str, s->len, &st);
    CU_ASSERT_EQUAL(st, FTP_REPLY_COMPLETE);
    ftp_reply_parser_free(p);
    /* One byte more fails, and memory stays bounded. */
    g_string_insert_c(s, 4, 'y');
    p = ftp_reply_parser_new();
    ftp_reply_parser_feed(p, (const uint8_t *)s->str, s->len, &st);
    CU_ASSERT_EQUAL(st, FTP_REPLY_ERROR);
    ftp_reply_parser_free(p);
    g_string_free(s, TRUE);
    /* Too many lines. */
    p = ftp_reply_parser_new();
    ftp_reply_parser_feed(p, (const uint8_t *)"211-x\r\n", 7, &st);
    for (int i = 0; i < FTP_REPLY_MAX_LINES + 5 && st == FTP_REPLY_NEED_MORE; i++)
        ftp_reply_parser_feed(p, (const uint8_t *)" l\r\n", 4, &st);
    CU_ASSERT_EQUAL(st, FTP_REPLY_ERROR);
    ftp_reply_parser_free(p);
}

static void test_class_and_format(void)
{
    CU_ASSERT_EQUAL(ftp_reply_class(150), 1);
    CU_ASSERT_EQUAL(ftp_reply_class(550), 5);
    CU_ASSERT_EQUAL(ftp_reply_class(99), 0);
    CU_ASSERT_EQUAL(ftp_reply_class(600), 0);
    char *f = ftp_reply_format(200, "Command okay.");
    CU_ASSERT_STRING_EQUAL(f, "200 Command okay.\r\n");
    g_free(f);
    f = ftp_reply_format(211, "Features:\nMDTM\n211 SIZE\nEnd");
    CU_ASSERT_STRING_EQUAL(f, "211-Features:\r\n MDTM\r\n 211 SIZE\r\n211 End\r\n");
    /* What is written parses back. */
    ftp_reply_status st;
    char *got = feed_all(f, strlen(f), 3, &st);
    CU_ASSERT_STRING_EQUAL(got, "211|Features:| MDTM| 211 SIZE|End\n");
    g_free(got);
    g_free(f);
    f = ftp_reply_format(230, "");
    CU_ASSERT_STRING_EQUAL(f, "230 \r\n");
    g_free(f);
    f = ftp_reply_format(500, "a\rb");
    CU_ASSERT_STRING_EQUAL(f, "500 a b\r\n");
    g_free(f);
}

static void test_port(void)
{
    ftp_hostport hp;
    CU_ASSERT_TRUE(ftp_parse_port("10,0,0,2,25,46", &hp));
    CU_ASSERT_STRING_EQUAL(hp.host, "10.0.0.2");
    CU_ASSERT_EQUAL(hp.port, 25 * 256 + 46);
    CU_ASSERT_EQUAL(hp.family, 1);
    const char *bad[] = {"", "10,0,0,2,25", "10,0,0,2,25,46,1", "10,0,0,256,1,1", "10,0,0,2,+1,1",
                         "10,0,0,2,1,1 ", " 10,0,0,2,1,1", "10,,0,2,1,1", "a,b,c,d,e,f", "0010,0,0,2,1,1"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        CU_ASSERT_FALSE(ftp_parse_port(bad[i], &hp));
    CU_ASSERT_FALSE(ftp_parse_port(NULL, &hp));
    char *s = ftp_format_port(&(ftp_hostport){.host = "192.168.1.9", .port = 6446, .family = 1});
    CU_ASSERT_STRING_EQUAL(s, "192,168,1,9,25,46");
    g_free(s);
    CU_ASSERT_PTR_NULL(ftp_format_port(&(ftp_hostport){.host = "::1", .port = 1, .family = 2}));
    CU_ASSERT_PTR_NULL(ftp_format_port(&(ftp_hostport){.host = "bogus", .port = 1, .family = 1}));
}

static void test_227(void)
{
    ftp_hostport hp;
    CU_ASSERT_TRUE(ftp_parse_227("Entering Passive Mode (127,0,0,1,4,1).", &hp));
    CU_ASSERT_STRING_EQUAL(hp.host, "127.0.0.1");
    CU_ASSERT_EQUAL(hp.port, 1025);
    CU_ASSERT_TRUE(ftp_parse_227("=127,0,0,1,0,21", &hp));
    CU_ASSERT_EQUAL(hp.port, 21);
    /* The first run of six numbers counts, after runs too short. */
    CU_ASSERT_TRUE(ftp_parse_227("v2,3 ok 1,2,3,4,5,6", &hp));
    CU_ASSERT_STRING_EQUAL(hp.host, "1.2.3.4");
    CU_ASSERT_FALSE(ftp_parse_227("Entering Passive Mode (127,0,0,1,4)", &hp));
    CU_ASSERT_FALSE(ftp_parse_227("(300,0,0,1,4,1)", &hp));
    CU_ASSERT_FALSE(ftp_parse_227("", &hp));
    CU_ASSERT_FALSE(ftp_parse_227(NULL, &hp));
    char *s = ftp_format_227(&(ftp_hostport){.host = "10.0.0.1", .port = 1025, .family = 1});
    CU_ASSERT_STRING_EQUAL(s, "Entering Passive Mode (10,0,0,1,4,1)");
    g_free(s);
}

static void test_eprt(void)
{
    ftp_hostport hp;
    CU_ASSERT_TRUE(ftp_parse_eprt("|1|132.235.1.2|6275|", &hp));
    CU_ASSERT_STRING_EQUAL(hp.host, "132.235.1.2");
    CU_ASSERT_EQUAL(hp.port, 6275);
    CU_ASSERT_EQUAL(hp.family, 1);
    CU_ASSERT_TRUE(ftp_parse_eprt("!2!1080::8:800:200C:417A!5282!", &hp));
    CU_ASSERT_EQUAL(hp.family, 2);
    CU_ASSERT_EQUAL(hp.port, 5282);
    const char *bad[] = {"",  "|1|132.235.1.2|6275",  "|1|132.235.1.2|0|",  "|1|132.235.1.2|65536|",
                         "|3|1.2.3.4|5|", "|1|::1|5|", "|2|1.2.3.4|5|", "|1||5|", "|1|1.2.3.4|5|x",
                         " 1 1.2.3.4 5 ", "|1|1.2.3.4!5!", "|01|1.2.3.4|5|", "|1|1.2.3.4|-5|",
                         "|1|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|5|"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        CU_ASSERT_FALSE(ftp_parse_eprt(bad[i], &hp));
    char *s = ftp_format_eprt(&(ftp_hostport){.host = "::1", .port = 2121, .family = 2});
    CU_ASSERT_STRING_EQUAL(s, "|2|::1|2121|");
    CU_ASSERT_TRUE(ftp_parse_eprt(s, &hp));
    g_free(s);
    CU_ASSERT_PTR_NULL(ftp_format_eprt(&(ftp_hostport){.host = "::1", .port = 2121, .family = 1}));
}

static void test_229(void)
{
    uint16_t port = 0;
    CU_ASSERT_TRUE(ftp_parse_229("Entering Extended Passive Mode (|||6446|)", &port));
    CU_ASSERT_EQUAL(port, 6446);
    CU_ASSERT_TRUE(ftp_parse_229("ok (x) (!!!21!)", &port));
    CU_ASSERT_EQUAL(port, 21);
    const char *bad[] = {"", "(|||0|)", "(|||70000|)", "(||6446|)", "(|||6446)", "(|!|6446|)", "(|||a|)"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        CU_ASSERT_FALSE(ftp_parse_229(bad[i], &port));
    char *s = ftp_format_229(6446);
    CU_ASSERT_STRING_EQUAL(s, "Entering Extended Passive Mode (|||6446|)");
    CU_ASSERT_TRUE(ftp_parse_229(s, &port));
    g_free(s);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_single_line), TEST(test_multi_line), TEST(test_incomplete), TEST(test_errors),
        TEST(test_limits), TEST(test_class_and_format), TEST(test_port), TEST(test_227),
        TEST(test_eprt), TEST(test_229),
    };
    return test_main("protocols/ftp/codec", tests, G_N_ELEMENTS(tests));
}
