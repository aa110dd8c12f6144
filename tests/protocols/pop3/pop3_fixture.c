/* The POP3 suites' fixture (see pop3_fixture.h). */
#include "pop3_fixture.h"

#include <string.h>

#include "test_util.h"

GBytes *fixture_message(const char *subject, size_t size)
{
    GString *m = g_string_new(NULL);
    g_string_append_printf(m, "From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: %s\r\n\r\n", subject);
    static const char words[] = "Do you like ketchup? How about pickles? ";
    size_t remaining = size > m->len + 2 ? size - m->len : 2;
    size_t k = 0;
    while (remaining > 2) {
        size_t line = MIN(remaining - 2, (size_t)70);
        if (remaining - (line + 2) == 1) /* never leave a single octet */
            line--;
        for (size_t i = 0; i < line; i++, k++)
            g_string_append_c(m, words[k % (sizeof words - 1)]);
        g_string_append(m, "\r\n");
        remaining -= line + 2;
    }
    if (remaining == 2)
        g_string_append(m, "\r\n");
    gsize n = m->len;
    return g_bytes_new_take(g_string_free(m, FALSE), n);
}

mail_store *fixture_slides_store(void)
{
    mail_store *st = mail_store_new();
    CU_ASSERT_TRUE(mail_store_add_user(st, "bob", "hungry", NULL));
    CU_ASSERT_TRUE(mail_store_add_user(st, "alice", "wonderland", NULL));
    GBytes *m1 = fixture_message("first", 498), *m2 = fixture_message("second", 912);
    CU_ASSERT_EQUAL(g_bytes_get_size(m1), 498);
    CU_ASSERT_EQUAL(g_bytes_get_size(m2), 912);
    CU_ASSERT_NOT_EQUAL(mail_store_deliver(st, "bob", m1, 1, NULL), 0);
    CU_ASSERT_NOT_EQUAL(mail_store_deliver(st, "bob", m2, 2, NULL), 0);
    g_bytes_unref(m1);
    g_bytes_unref(m2);
    return st;
}

guint fixture_inbox_count(mail_store *st, const char *user)
{
    mail_folder *f = mail_store_folder(st, user, MAIL_STORE_INBOX, NULL);
    return f ? mail_folder_count(f) : 0;
}

static void take(pop3_server_core *s, GString *out, bool *closed)
{
    size_t n;
    const uint8_t *o = pop3_server_core_output(s, &n);
    g_string_append_len(out, (const char *)o, (gssize)n);
    pop3_server_core_consume(s, n);
    pop3_server_event ev;
    while (pop3_server_core_next_event(s, &ev)) {
        if (ev.kind == POP3_SERVER_EV_CLOSE)
            *closed = true;
        pop3_server_event_clear(&ev);
    }
}

char *fixture_session(mail_store *st, const pop3_server_config *cfg, const char *input, size_t len, size_t piece,
                      bool abort_at_end, bool *closed)
{
    bool c = false;
    GString *out = g_string_new(NULL);
    pop3_server_core *s = pop3_server_core_new(cfg, st);
    take(s, out, &c);
    for (size_t off = 0; off < len; off += piece) {
        size_t n = MIN(piece, len - off), used = 0;
        while (used < n) {
            size_t k = pop3_server_core_feed(s, (const uint8_t *)input + off + used, n - used);
            used += k;
            take(s, out, &c);
            CU_ASSERT_TRUE(pop3_server_core_buffered(s) < POP3_SERVER_MAX_COMMAND_LINE);
            if (k == 0 && used < n) {
                CU_FAIL("no progress with the output taken");
                break;
            }
        }
    }
    if (abort_at_end)
        pop3_server_core_abort(s);
    take(s, out, &c);
    pop3_server_core_free(s);
    if (closed)
        *closed = c;
    return g_string_free(out, FALSE);
}
