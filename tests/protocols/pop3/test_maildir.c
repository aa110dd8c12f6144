/*
 * The POP3 server core over a Maildir store (what `appsim pop3 serve`
 * will run on): the slides' session removes the two message files; a
 * connection dropped after DELE leaves them; a message delivered by
 * another process during a session is not in that session's maildrop but
 * is in the next one's; a message another process removed is skipped at
 * UPDATE without an error.
 */
#include <glib.h>
#include <string.h>

#include "pop3_fixture.h"
#include "test_util.h"

static char *make_root(void)
{
    char *dir = g_dir_make_tmp("appsim-pop3-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL(dir);
    return dir;
}

/* A second view of the tree, as another process has it. */
static guint count_on_disk(const char *root)
{
    mail_store *other = mail_store_open_maildir(root, NULL);
    guint n = fixture_inbox_count(other, "bob");
    mail_store_free(other);
    return n;
}

static mail_store *slides_maildir(const char *root)
{
    mail_store *st = mail_store_open_maildir(root, NULL);
    CU_ASSERT_PTR_NOT_NULL(st);
    CU_ASSERT_TRUE(mail_store_add_user(st, "bob", NULL, NULL));
    CU_ASSERT_TRUE(mail_store_set_password(st, "bob", "hungry"));
    GBytes *m1 = fixture_message("first", 498), *m2 = fixture_message("second", 912);
    CU_ASSERT_NOT_EQUAL(mail_store_deliver(st, "bob", m1, 1, NULL), 0);
    CU_ASSERT_NOT_EQUAL(mail_store_deliver(st, "bob", m2, 2, NULL), 0);
    g_bytes_unref(m1);
    g_bytes_unref(m2);
    return st;
}

static void test_slides_on_maildir(void)
{
    char *root = make_root();
    mail_store *st = slides_maildir(root);
    static const char in[] = "user bob\r\npass hungry\r\nlist\r\nretr 1\r\ndele 1\r\nretr 2\r\ndele 2\r\nquit\r\n";
    char *out = fixture_session(st, NULL, in, strlen(in), 11, false, NULL);
    CU_ASSERT_TRUE(g_str_has_prefix(out, "+OK POP3 server ready\r\n+OK\r\n+OK user successfully logged on\r\n"
                                         "+OK 2 messages (1410 octets)\r\n1 498\r\n2 912\r\n.\r\n"));
    CU_ASSERT_TRUE(g_str_has_suffix(out, "+OK message 2 deleted\r\n+OK POP3 server signing off\r\n"));
    CU_ASSERT_EQUAL(count_on_disk(root), 0);
    g_free(out);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

static void test_dropped_on_maildir(void)
{
    char *root = make_root();
    mail_store *st = slides_maildir(root);
    static const char in[] = "USER bob\r\nPASS hungry\r\nDELE 1\r\nDELE 2\r\n";
    char *out = fixture_session(st, NULL, in, strlen(in), 3, true, NULL);
    g_free(out);
    CU_ASSERT_EQUAL(count_on_disk(root), 2);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

static void test_other_process(void)
{
    char *root = make_root();
    mail_store *st = slides_maildir(root);
    pop3_server_core *s = pop3_server_core_new(NULL, st);
    static const char login[] = "USER bob\r\nPASS hungry\r\n";
    pop3_server_core_feed(s, (const uint8_t *)login, strlen(login));
    /* Another process delivers a third message and removes the first. */
    mail_store *other = mail_store_open_maildir(root, NULL);
    GBytes *m3 = fixture_message("third", 300);
    CU_ASSERT_NOT_EQUAL(mail_store_deliver(other, "bob", m3, 3, NULL), 0);
    g_bytes_unref(m3);
    mail_folder *f = mail_store_folder(other, "bob", MAIL_STORE_INBOX, NULL);
    CU_ASSERT_TRUE(mail_folder_remove(f, 0, NULL));
    mail_store_free(other);
    size_t n;
    pop3_server_core_output(s, &n);
    pop3_server_core_consume(s, n);
    static const char cmds[] = "STAT\r\nDELE 1\r\nDELE 2\r\nQUIT\r\n";
    pop3_server_core_feed(s, (const uint8_t *)cmds, strlen(cmds));
    const uint8_t *o = pop3_server_core_output(s, &n);
    char *text = g_strndup((const char *)o, n);
    CU_ASSERT_STRING_EQUAL(text, "+OK 2 1410\r\n+OK message 1 deleted\r\n+OK message 2 deleted\r\n"
                                 "+OK POP3 server signing off\r\n");
    g_free(text);
    CU_ASSERT_EQUAL(pop3_server_core_stats(s)->deleted, 1);
    pop3_server_core_free(s);
    CU_ASSERT_EQUAL(count_on_disk(root), 1); /* the third is left for the next session */
    static const char next[] = "USER bob\r\nPASS hungry\r\nSTAT\r\n";
    char *out = fixture_session(st, NULL, next, strlen(next), 100, false, NULL);
    CU_ASSERT_TRUE(g_str_has_suffix(out, "+OK 1 300\r\n"));
    g_free(out);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_slides_on_maildir), TEST(test_dropped_on_maildir),
                                      TEST(test_other_process)};
    return test_main("protocols/pop3/maildir", tests, G_N_ELEMENTS(tests));
}
