/*
 * Tests of seam/core_input: the paused input of a server core. A toy core
 * takes at most `room` bytes a feed and records what it was fed; the
 * tests check that it sees every byte once and in order whatever the
 * core leaves, that the stream stops reading while input waits and reads
 * again once it is all fed, that length-only deliveries arrive as zeros,
 * and that `drain` and `over` behave as the header says.
 */
#include <glib.h>
#include <string.h>

#include "fake_host.h"
#include "seam/core_input.h"
#include "test_util.h"

typedef struct {
    GString *fed;  /* every byte the core took, in order */
    size_t room;   /* bytes the next feed may take */
    size_t drains; /* drain() calls */
    size_t drain_gives; /* room each drain makes (0: none) */
    size_t over_after;  /* over() once this many bytes were fed (0: never) */
    core_input in;
} toy;

static size_t toy_feed(void *ud, const uint8_t *data, size_t len)
{
    toy *t = ud;
    size_t k = MIN(len, t->room);
    g_string_append_len(t->fed, (const char *)data, (gssize)k);
    t->room -= k;
    return k;
}

static bool toy_drain(void *ud)
{
    toy *t = ud;
    t->drains++;
    t->room += t->drain_gives;
    return t->drain_gives > 0;
}

static bool toy_over(void *ud)
{
    toy *t = ud;
    return t->over_after && t->fed->len >= t->over_after;
}

static const core_input_ops plain_ops = {.feed = toy_feed};
static const core_input_ops full_ops = {.feed = toy_feed, .drain = toy_drain, .over = toy_over};

static void toy_init(toy *t, const core_input_ops *ops, size_t room)
{
    memset(t, 0, sizeof *t);
    t->fed = g_string_new(NULL);
    t->room = room;
    core_input_init(&t->in, ops, t);
}

static void toy_clear(toy *t)
{
    core_input_clear(&t->in);
    g_string_free(t->fed, TRUE);
}

static void deliver(toy *t, fake_stream *s, const char *text)
{
    core_input_deliver(&t->in, &s->base, (const uint8_t *)text, strlen(text));
}

static void test_all_taken(void)
{
    fake_stream s;
    fake_stream_init(&s);
    s.reading = true;
    toy t;
    toy_init(&t, &plain_ops, SIZE_MAX);
    deliver(&t, &s, "USER a\r\n");
    CU_ASSERT_STRING_EQUAL(t.fed->str, "USER a\r\n");
    CU_ASSERT_EQUAL(core_input_waiting(&t.in), 0);
    CU_ASSERT_TRUE(s.reading);
    CU_ASSERT_EQUAL(core_input_resume(&t.in, &s.base), 0);
    toy_clear(&t);
    fake_stream_clear(&s);
}

/* The core pauses: the rest waits, later deliveries queue behind it, the
 * stream stops reading until everything has been fed, in order. */
static void test_pause_and_resume_in_order(void)
{
    fake_stream s;
    fake_stream_init(&s);
    s.reading = true;
    toy t;
    toy_init(&t, &plain_ops, 3);
    deliver(&t, &s, "abcdef");
    CU_ASSERT_STRING_EQUAL(t.fed->str, "abc");
    CU_ASSERT_EQUAL(core_input_waiting(&t.in), 3);
    CU_ASSERT_FALSE(s.reading);
    t.room = 100; /* room now, but a new delivery must not jump the queue */
    deliver(&t, &s, "gh");
    CU_ASSERT_STRING_EQUAL(t.fed->str, "abc");
    CU_ASSERT_EQUAL(core_input_waiting(&t.in), 5);
    t.room = 2;
    CU_ASSERT_EQUAL(core_input_resume(&t.in, &s.base), 2);
    CU_ASSERT_STRING_EQUAL(t.fed->str, "abcde");
    CU_ASSERT_FALSE(s.reading);
    t.room = 100;
    CU_ASSERT_EQUAL(core_input_resume(&t.in, &s.base), 3);
    CU_ASSERT_STRING_EQUAL(t.fed->str, "abcdefgh");
    CU_ASSERT_EQUAL(core_input_waiting(&t.in), 0);
    CU_ASSERT_TRUE(s.reading);
    toy_clear(&t);
    fake_stream_clear(&s);
}

/* Length-only deliveries (no bytes) are fed as zeros, and wait as zeros. */
static void test_length_only_as_zeros(void)
{
    fake_stream s;
    fake_stream_init(&s);
    toy t;
    toy_init(&t, &plain_ops, 2);
    core_input_deliver(&t.in, &s.base, NULL, 5);
    CU_ASSERT_EQUAL(t.fed->len, 2);
    CU_ASSERT_EQUAL(core_input_waiting(&t.in), 3);
    t.room = 10;
    core_input_resume(&t.in, &s.base);
    CU_ASSERT_EQUAL(t.fed->len, 5);
    for (size_t i = 0; i < t.fed->len; i++)
        CU_ASSERT_EQUAL(t.fed->str[i], '\0');
    toy_clear(&t);
    fake_stream_clear(&s);
}

/* drain() is asked for room as long as it makes some; over() drops the
 * rest instead of keeping it. */
static void test_drain_and_over(void)
{
    fake_stream s;
    fake_stream_init(&s);
    s.reading = true;
    toy t;
    toy_init(&t, &full_ops, 2);
    t.drain_gives = 2;
    deliver(&t, &s, "0123456789");
    CU_ASSERT_STRING_EQUAL(t.fed->str, "0123456789");
    CU_ASSERT_EQUAL(t.drains, 4);
    CU_ASSERT_EQUAL(core_input_waiting(&t.in), 0);
    CU_ASSERT_TRUE(s.reading);

    toy u;
    toy_init(&u, &full_ops, 2);
    u.drain_gives = 0; /* draining makes no room: the rest waits */
    deliver(&u, &s, "abcdef");
    CU_ASSERT_EQUAL(u.drains, 1);
    CU_ASSERT_EQUAL(core_input_waiting(&u.in), 4);
    CU_ASSERT_FALSE(s.reading);

    toy v;
    s.reading = true;
    toy_init(&v, &full_ops, 3);
    v.over_after = 3; /* the session ends after 3 bytes: nothing is kept */
    deliver(&v, &s, "LOGOUT and more");
    CU_ASSERT_STRING_EQUAL(v.fed->str, "LOG");
    CU_ASSERT_EQUAL(v.drains, 0);
    CU_ASSERT_EQUAL(core_input_waiting(&v.in), 0);
    CU_ASSERT_TRUE(s.reading);
    core_input_discard(&u.in);
    CU_ASSERT_EQUAL(core_input_waiting(&u.in), 0);
    toy_clear(&t);
    toy_clear(&u);
    toy_clear(&v);
    fake_stream_clear(&s);
}

/* Every split of a message and every room the core leaves: the core sees
 * the message once and in order. */
static void test_every_split(void)
{
    static const char msg[] = "EHLO client.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n";
    size_t len = strlen(msg);
    for (size_t piece = 1; piece <= len; piece++) {
        for (size_t room = 1; room <= 8; room++) {
            fake_stream s;
            fake_stream_init(&s);
            toy t;
            toy_init(&t, &plain_ops, room);
            for (size_t at = 0; at < len; at += piece) {
                core_input_deliver(&t.in, &s.base, (const uint8_t *)msg + at, MIN(piece, len - at));
                t.room += room;
                while (core_input_resume(&t.in, &s.base))
                    t.room += room;
            }
            while (core_input_waiting(&t.in)) {
                t.room += room;
                core_input_resume(&t.in, &s.base);
            }
            CU_ASSERT_EQUAL(t.fed->len, len);
            CU_ASSERT_EQUAL(memcmp(t.fed->str, msg, len), 0);
            toy_clear(&t);
            fake_stream_clear(&s);
        }
    }
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_all_taken),
        TEST(test_pause_and_resume_in_order),
        TEST(test_length_only_as_zeros),
        TEST(test_drain_and_over),
        TEST(test_every_split),
    };
    return test_main("seam/core_input", tests, G_N_ELEMENTS(tests));
}
