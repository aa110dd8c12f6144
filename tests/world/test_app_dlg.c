/*
 * Tests of world/app_dlg: the dialogue state the line protocols share
 * (allocation with a protocol's own fields after it, the capped buffer,
 * a HEAD without its trailing line ends, the END that follows) and the end
 * of dot-terminated data, byte by byte and over a body. The protocols'
 * own dialogues are tested beside them (tests/protocols/<p>/app/).
 */
#include <glib.h>
#include <string.h>

#include "test_util.h"
#include "world/app_dlg.h"

/* A protocol's state as the header asks for it: the buffer first. */
typedef struct {
    app_dlg_buf b;
    int state;
    uint64_t count;
} my_dlg;

static void test_new_free(void)
{
    my_dlg *c = app_dlg_buf_new(sizeof(my_dlg), true), *s = app_dlg_buf_new(sizeof(my_dlg), false);
    CU_ASSERT_TRUE(c->b.client);
    CU_ASSERT_FALSE(s->b.client);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->b.buf);
    CU_ASSERT_EQUAL(c->b.buf->len, 0);
    CU_ASSERT_FALSE(c->b.pending_end);
    CU_ASSERT_EQUAL(c->state, 0); /* the protocol's own fields are zeroed */
    CU_ASSERT_EQUAL(c->count, 0);
    app_dlg_buf_free(c);
    app_dlg_buf_free(s);
    app_dlg_buf_free(NULL); /* harmless */
}

static void keep_all(app_dlg_buf *b, const char *s, size_t max)
{
    for (size_t i = 0; s[i]; i++)
        app_dlg_buf_keep(b, (uint8_t)s[i], max);
}

static void test_keep_caps(void)
{
    app_dlg_buf *b = app_dlg_buf_new(sizeof(app_dlg_buf), false);
    keep_all(b, "250 ok\r\n", 4);
    CU_ASSERT_STRING_EQUAL(b->buf->str, "250 ");
    keep_all(b, "more", 6);
    CU_ASSERT_STRING_EQUAL(b->buf->str, "250 mo");
    app_dlg_buf_free(b);
}

static void test_give_strips_line_ends(void)
{
    app_dlg_buf *b = app_dlg_buf_new(sizeof(app_dlg_buf), false);
    app_dlg_event ev = {0};
    keep_all(b, "250-first\r\n250 last\r\n\r\n\n\r", 100);
    app_dlg_buf_give(b, &ev);
    CU_ASSERT_EQUAL(ev.kind, APP_DLG_HEAD);
    CU_ASSERT_STRING_EQUAL(ev.head, "250-first\r\n250 last"); /* the inner CRLF stays */
    CU_ASSERT_EQUAL(b->buf->len, 0);
    g_free(ev.head);

    /* A line of nothing but its end is an empty head. */
    keep_all(b, "\r\n", 100);
    app_dlg_buf_give(b, &ev);
    CU_ASSERT_STRING_EQUAL(ev.head, "");
    CU_ASSERT_EQUAL(b->buf->len, 0);
    g_free(ev.head);
    app_dlg_buf_free(b);
}

static void test_end_once(void)
{
    app_dlg_buf *b = app_dlg_buf_new(sizeof(app_dlg_buf), true);
    app_dlg_event ev = {.kind = APP_DLG_BODY, .body = 7};
    CU_ASSERT_FALSE(app_dlg_buf_end(b, &ev));
    CU_ASSERT_EQUAL(ev.kind, APP_DLG_BODY); /* left alone */
    CU_ASSERT_EQUAL(ev.body, 7);
    b->pending_end = true;
    CU_ASSERT_TRUE(app_dlg_buf_end(b, &ev));
    CU_ASSERT_EQUAL(ev.kind, APP_DLG_END);
    CU_ASSERT_FALSE(b->pending_end);
    CU_ASSERT_FALSE(app_dlg_buf_end(b, &ev));
    app_dlg_buf_free(b);
}

static void test_blank_line(void)
{
    app_dlg_buf *b = app_dlg_buf_new(sizeof(app_dlg_buf), false);
    CU_ASSERT_FALSE(app_dlg_buf_blank_line(b));
    keep_all(b, "Subject: x\r\n", 100);
    CU_ASSERT_FALSE(app_dlg_buf_blank_line(b));
    keep_all(b, "\r", 100);
    CU_ASSERT_FALSE(app_dlg_buf_blank_line(b));
    keep_all(b, "\n", 100);
    CU_ASSERT_TRUE(app_dlg_buf_blank_line(b));
    app_dlg_buf_free(b);
}

/* The offsets (1-based) of the bytes of `s` at which dot-terminated data
 * ends, from *match = start, as "3,9". */
static char *dot_ends(const char *s, int start)
{
    GString *out = g_string_new(NULL);
    int match = start;
    for (size_t i = 0; s[i]; i++)
        if (app_dlg_dot_step(&match, (uint8_t)s[i]))
            g_string_append_printf(out, "%s%zu", out->len ? "," : "", i + 1);
    return g_string_free(out, FALSE);
}

static void test_dot_step(void)
{
    static const struct {
        const char *in;
        int start;
        const char *ends;
    } cases[] = {
        {".\r\n", 2, "3"},                         /* right after the command's CRLF: an empty message */
        {".\r\n", 0, ""},                          /* mid-line: no end */
        {"hi\r\n.\r\n", 2, "7"},
        {"..dot\r\n.x\r\n\r\n.\r\n", 2, "16"},      /* a stuffed dot, a line that starts with "." */
        {"a\r\r\n.\r\n", 0, "7"},                  /* a CR that breaks a match starts the next one */
        {"\r\n.\r\n.\r\n", 0, "5,8"},              /* the end's CRLF counts for a next end */
        {"\n.\r\n", 0, ""},                        /* a bare LF is not a line end here */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *got = dot_ends(cases[i].in, cases[i].start);
        if (strcmp(got, cases[i].ends))
            printf("\ncase %zu: ends at \"%s\", want \"%s\"\n", i, got, cases[i].ends);
        CU_ASSERT_STRING_EQUAL(got, cases[i].ends);
        g_free(got);
    }
}

static void test_dot_body(void)
{
    app_dlg_buf *b = app_dlg_buf_new(sizeof(app_dlg_buf), false);
    app_dlg_event ev = {0};
    int match = 2;
    static const char body[] = "hello\r\n.\r\nRETR 2\r\n";

    /* Up to and including the end, no further; the end is pending. */
    size_t n = app_dlg_dot_body(b, &match, (const uint8_t *)body, strlen(body), &ev);
    CU_ASSERT_EQUAL(n, 10);
    CU_ASSERT_EQUAL(ev.kind, APP_DLG_BODY);
    CU_ASSERT_EQUAL(ev.body, 10);
    CU_ASSERT_TRUE(b->pending_end);
    CU_ASSERT_EQUAL(match, 2);

    /* Unmodelled bytes are all read and never end the data. */
    b->pending_end = false;
    match = 0;
    n = app_dlg_dot_body(b, &match, NULL, 5000, &ev);
    CU_ASSERT_EQUAL(n, 5000);
    CU_ASSERT_EQUAL(ev.body, 5000);
    CU_ASSERT_FALSE(b->pending_end);

    /* A piece without the end: all of it, nothing pending. */
    n = app_dlg_dot_body(b, &match, (const uint8_t *)"abc\r\n", 5, &ev);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_EQUAL(ev.body, 5);
    CU_ASSERT_FALSE(b->pending_end);
    CU_ASSERT_EQUAL(match, 2);

    /* The end split over two pieces. */
    n = app_dlg_dot_body(b, &match, (const uint8_t *)".\r", 2, &ev);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_FALSE(b->pending_end);
    n = app_dlg_dot_body(b, &match, (const uint8_t *)"\nQUIT", 5, &ev);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(ev.body, 1);
    CU_ASSERT_TRUE(b->pending_end);
    app_dlg_buf_free(b);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_new_free),  TEST(test_keep_caps), TEST(test_give_strips_line_ends), TEST(test_end_once),
        TEST(test_blank_line), TEST(test_dot_step), TEST(test_dot_body),
    };
    return test_main("world/app_dlg", tests, (int)G_N_ELEMENTS(tests));
}
