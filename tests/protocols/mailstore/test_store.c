/*
 * test_store: the in-memory mail store (protocols/mailstore/mail_store.h):
 * users and passwords, folders (INBOX's cases, create, delete, rename),
 * UIDs and UIDVALIDITY, expunge's sequence numbers, find_uid, bytes and
 * flags.
 */
#include <string.h>

#include "protocols/mailstore/mail_store.h"
#include "test_util.h"

static GBytes *msg(const char *text)
{
    return g_bytes_new(text, strlen(text));
}

static uint32_t append(mail_folder *f, const char *text)
{
    GBytes *b = msg(text);
    uint32_t uid = mail_folder_append(f, b, 0, 0, NULL);
    g_bytes_unref(b);
    return uid;
}

static bool strv_is(char **v, const char *const *want)
{
    guint i = 0;
    for (; want[i]; i++)
        if (!v || !v[i] || strcmp(v[i], want[i]) != 0)
            return false;
    return v[i] == NULL;
}

static void test_users(void)
{
    mail_store *st = mail_store_new();
    GError *err = NULL;
    CU_ASSERT_TRUE(mail_store_add_user(st, "carol", "c-pass", NULL));
    CU_ASSERT_TRUE(mail_store_add_user(st, "alice", NULL, NULL));
    CU_ASSERT_TRUE(mail_store_add_user(st, "bob", "secret", NULL));
    CU_ASSERT_FALSE(mail_store_add_user(st, "bob", "x", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "bob"));
    g_clear_error(&err);
    static const char *const bad[] = {"", ".hidden", "..", "a/b", "tab\there", "del\x7f"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        CU_ASSERT_FALSE(mail_store_add_user(st, bad[i], NULL, &err));
        CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME));
        g_clear_error(&err);
    }
    char *longname = g_strnfill(MAIL_STORE_MAX_NAME + 1, 'x');
    CU_ASSERT_FALSE(mail_store_add_user(st, longname, NULL, NULL));
    longname[MAIL_STORE_MAX_NAME] = '\0';
    CU_ASSERT_TRUE(mail_store_add_user(st, longname, NULL, NULL));
    CU_ASSERT_TRUE(mail_store_add_user(st, "john.smith", NULL, NULL));
    CU_ASSERT_TRUE(mail_store_has_user(st, "bob"));
    CU_ASSERT_FALSE(mail_store_has_user(st, "Bob"));
    CU_ASSERT_FALSE(mail_store_has_user(st, NULL));
    char **users = mail_store_users(st);
    const char *const want[] = {"alice", "bob", "carol", "john.smith", longname, NULL};
    CU_ASSERT_TRUE(strv_is(users, want));
    g_strfreev(users);
    g_free(longname);
    mail_store_free(st);
}

static void test_passwords(void)
{
    mail_store *st = mail_store_new();
    mail_store_add_user(st, "bob", "secret", NULL);
    mail_store_add_user(st, "alice", NULL, NULL);
    CU_ASSERT_TRUE(mail_store_check_password(st, "bob", "secret"));
    CU_ASSERT_FALSE(mail_store_check_password(st, "bob", "secreT"));
    CU_ASSERT_FALSE(mail_store_check_password(st, "bob", "secre"));
    CU_ASSERT_FALSE(mail_store_check_password(st, "bob", "secretsecret"));
    CU_ASSERT_FALSE(mail_store_check_password(st, "bob", ""));
    CU_ASSERT_FALSE(mail_store_check_password(st, "bob", NULL));
    CU_ASSERT_FALSE(mail_store_check_password(st, "alice", ""));
    CU_ASSERT_FALSE(mail_store_check_password(st, "alice", "anything"));
    CU_ASSERT_FALSE(mail_store_check_password(st, "nobody", "secret"));
    CU_ASSERT_FALSE(mail_store_check_password(st, "nobody", "appsim-no-such-password-0123456789"));
    CU_ASSERT_STRING_EQUAL(mail_store_password(st, "bob"), "secret");
    CU_ASSERT_PTR_NULL(mail_store_password(st, "alice"));
    CU_ASSERT_PTR_NULL(mail_store_password(st, "nobody"));
    CU_ASSERT_TRUE(mail_store_set_password(st, "alice", "a"));
    CU_ASSERT_TRUE(mail_store_check_password(st, "alice", "a"));
    CU_ASSERT_TRUE(mail_store_set_password(st, "bob", NULL));
    CU_ASSERT_FALSE(mail_store_check_password(st, "bob", "secret"));
    CU_ASSERT_FALSE(mail_store_set_password(st, "nobody", "x"));
    mail_store_free(st);
}

static void test_folders(void)
{
    mail_store *st = mail_store_new();
    GError *err = NULL;
    mail_store_add_user(st, "bob", NULL, NULL);
    mail_folder *inbox = mail_store_folder(st, "bob", "inbox", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inbox);
    CU_ASSERT_STRING_EQUAL(mail_folder_name(inbox), "INBOX");
    CU_ASSERT_PTR_EQUAL(mail_store_folder(st, "bob", "InBoX", NULL), inbox);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(inbox), 1);
    CU_ASSERT_PTR_NOT_NULL(mail_store_folder_create(st, "bob", "Work", NULL));
    CU_ASSERT_PTR_NOT_NULL(mail_store_folder_create(st, "bob", "Archive/2026", NULL));
    CU_ASSERT_PTR_NOT_NULL(mail_store_folder_create(st, "bob", "Archive", NULL));
    CU_ASSERT_PTR_NOT_NULL(mail_store_folder_create(st, "bob", "a.b", NULL));
    CU_ASSERT_PTR_NULL(mail_store_folder_create(st, "bob", "INBOX", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(mail_store_folder_create(st, "bob", "Inbox", NULL));
    CU_ASSERT_PTR_NULL(mail_store_folder_create(st, "bob", "Work", NULL));
    static const char *const bad[] = {"", "/x", "x/", "a//b", ".x", "a/.b", "a/..", "bell\a"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        CU_ASSERT_PTR_NULL(mail_store_folder_create(st, "bob", bad[i], &err));
        CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME));
        g_clear_error(&err);
    }
    CU_ASSERT_PTR_NULL(mail_store_folder_create(st, "nobody", "x", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_USER));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(mail_store_folder(st, "bob", "Missing", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_FOLDER));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "Missing"));
    g_clear_error(&err);
    char **names = mail_store_folders(st, "bob");
    const char *const want[] = {"INBOX", "Archive", "Archive/2026", "Work", "a.b", NULL};
    CU_ASSERT_TRUE(strv_is(names, want));
    g_strfreev(names);
    CU_ASSERT_PTR_NULL(mail_store_folders(st, "nobody"));
    /* UIDVALIDITY 1, 2, 3... in creation order. */
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(mail_store_folder(st, "bob", "Work", NULL)), 2);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(mail_store_folder(st, "bob", "Archive/2026", NULL)), 3);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(mail_store_folder(st, "bob", "Archive", NULL)), 4);
    CU_ASSERT_FALSE(mail_store_folder_delete(st, "bob", "inbox", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_INBOX));
    g_clear_error(&err);
    CU_ASSERT_TRUE(mail_store_folder_delete(st, "bob", "Work", NULL));
    CU_ASSERT_FALSE(mail_store_folder_delete(st, "bob", "Work", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_FOLDER));
    g_clear_error(&err);
    mail_folder *w2 = mail_store_folder_create(st, "bob", "Work", NULL);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(w2), 6);
    mail_store_free(st);
}

static void test_rename(void)
{
    mail_store *st = mail_store_new();
    GError *err = NULL;
    mail_store_add_user(st, "bob", NULL, NULL);
    mail_folder *inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    append(inbox, "one\r\n");
    append(inbox, "two\r\n");
    mail_folder *a = mail_store_folder_create(st, "bob", "A", NULL);
    mail_store_folder_create(st, "bob", "A/x", NULL);
    mail_store_folder_create(st, "bob", "B", NULL);
    append(a, "in a\r\n");
    uint32_t uva = mail_folder_uidvalidity(a);
    CU_ASSERT_FALSE(mail_store_folder_rename(st, "bob", "A", "inbox", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_INBOX));
    g_clear_error(&err);
    CU_ASSERT_FALSE(mail_store_folder_rename(st, "bob", "A", "B", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS));
    g_clear_error(&err);
    CU_ASSERT_FALSE(mail_store_folder_rename(st, "bob", "A", "A/y", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME));
    g_clear_error(&err);
    CU_ASSERT_FALSE(mail_store_folder_rename(st, "bob", "Nope", "C", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_FOLDER));
    g_clear_error(&err);
    /* A renamed folder keeps its UIDVALIDITY and takes its inferiors along. */
    CU_ASSERT_TRUE(mail_store_folder_rename(st, "bob", "A", "C", NULL));
    mail_folder *c = mail_store_folder(st, "bob", "C", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(c), uva);
    CU_ASSERT_EQUAL(mail_folder_count(c), 1);
    char **names = mail_store_folders(st, "bob");
    const char *const want[] = {"INBOX", "B", "C", "C/x", NULL};
    CU_ASSERT_TRUE(strv_is(names, want));
    g_strfreev(names);
    /* INBOX: its messages move to the new folder; INBOX stays, empty. */
    uint32_t uvi = mail_folder_uidvalidity(inbox);
    CU_ASSERT_TRUE(mail_store_folder_rename(st, "bob", "Inbox", "Old", NULL));
    mail_folder *old = mail_store_folder(st, "bob", "Old", NULL);
    inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(old);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inbox);
    CU_ASSERT_EQUAL(mail_folder_count(old), 2);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(old), uvi);
    CU_ASSERT_EQUAL(mail_folder_uidnext(old), 3);
    CU_ASSERT_EQUAL(mail_folder_bytes(old), 10);
    CU_ASSERT_EQUAL(mail_folder_msg(old, 1)->uid, 2);
    CU_ASSERT_EQUAL(mail_folder_count(inbox), 0);
    CU_ASSERT_EQUAL(mail_folder_bytes(inbox), 0);
    CU_ASSERT_NOT_EQUAL(mail_folder_uidvalidity(inbox), uvi);
    CU_ASSERT_EQUAL(append(inbox, "new\r\n"), 1);
    mail_store_free(st);
}

static void test_uids_and_expunge(void)
{
    mail_store *st = mail_store_new();
    mail_store_add_user(st, "bob", NULL, NULL);
    mail_folder *f = mail_store_folder(st, "bob", "INBOX", NULL);
    CU_ASSERT_EQUAL(mail_folder_uidnext(f), 1);
    for (int i = 1; i <= 6; i++) {
        char *t = g_strdup_printf("message %d\r\n", i); /* 11 bytes each */
        CU_ASSERT_EQUAL(append(f, t), (uint32_t)i);
        g_free(t);
    }
    CU_ASSERT_EQUAL(mail_folder_count(f), 6);
    CU_ASSERT_EQUAL(mail_folder_bytes(f), 66);
    /* Mark messages 2, 3 and 5 (1-based) deleted. */
    unsigned del[] = {1, 2, 4};
    for (guint i = 0; i < G_N_ELEMENTS(del); i++)
        CU_ASSERT_TRUE(mail_folder_set_flags(f, del[i], MAIL_FLAG_DELETED | MAIL_FLAG_SEEN, NULL));
    CU_ASSERT_EQUAL(mail_folder_msg(f, 1)->flags, MAIL_FLAG_DELETED | MAIL_FLAG_SEEN);
    CU_ASSERT_FALSE(mail_folder_set_flags(f, 6, MAIL_FLAG_SEEN, NULL));
    GArray *ex = g_array_new(FALSE, FALSE, sizeof(guint));
    CU_ASSERT_EQUAL(mail_folder_expunge(f, ex, NULL), 3);
    CU_ASSERT_EQUAL_FATAL(ex->len, 3);
    CU_ASSERT_EQUAL(g_array_index(ex, guint, 0), 5);
    CU_ASSERT_EQUAL(g_array_index(ex, guint, 1), 3);
    CU_ASSERT_EQUAL(g_array_index(ex, guint, 2), 2);
    g_array_free(ex, TRUE);
    CU_ASSERT_EQUAL(mail_folder_count(f), 3);
    CU_ASSERT_EQUAL(mail_folder_bytes(f), 33);
    CU_ASSERT_EQUAL(mail_folder_msg(f, 0)->uid, 1);
    CU_ASSERT_EQUAL(mail_folder_msg(f, 1)->uid, 4);
    CU_ASSERT_EQUAL(mail_folder_msg(f, 2)->uid, 6);
    CU_ASSERT_PTR_NULL(mail_folder_msg(f, 3));
    CU_ASSERT_EQUAL(mail_folder_expunge(f, NULL, NULL), 0);
    /* Never reused: the next UID is 7, also after removing the last. */
    CU_ASSERT_TRUE(mail_folder_remove(f, 2, NULL));
    CU_ASSERT_FALSE(mail_folder_remove(f, 2, NULL));
    CU_ASSERT_EQUAL(mail_folder_uidnext(f), 7);
    CU_ASSERT_EQUAL(append(f, "seven\r\n"), 7);
    CU_ASSERT_EQUAL(mail_folder_bytes(f), 22 + 7);
    /* find_uid: present, absent, below and above. */
    CU_ASSERT_EQUAL(mail_folder_find_uid(f, 1), 0);
    CU_ASSERT_EQUAL(mail_folder_find_uid(f, 4), 1);
    CU_ASSERT_EQUAL(mail_folder_find_uid(f, 7), 2);
    CU_ASSERT_EQUAL(mail_folder_find_uid(f, 2), -1);
    CU_ASSERT_EQUAL(mail_folder_find_uid(f, 6), -1);
    CU_ASSERT_EQUAL(mail_folder_find_uid(f, 0), -1);
    CU_ASSERT_EQUAL(mail_folder_find_uid(f, 8), -1);
    mail_store_free(st);
}

static void test_find_uid_many(void)
{
    mail_store *st = mail_store_new();
    mail_store_add_user(st, "bob", NULL, NULL);
    mail_folder *f = mail_store_folder(st, "bob", "INBOX", NULL);
    for (int i = 0; i < 1000; i++)
        append(f, "x");
    for (guint i = 0; i < 1000; i += 2)
        mail_folder_set_flags(f, i, MAIL_FLAG_DELETED, NULL);
    CU_ASSERT_EQUAL(mail_folder_expunge(f, NULL, NULL), 500);
    for (uint32_t uid = 1; uid <= 1000; uid++)
        CU_ASSERT_EQUAL(mail_folder_find_uid(f, uid), uid % 2 == 0 ? (int)(uid / 2 - 1) : -1);
    mail_store_free(st);
}

static void test_deliver(void)
{
    mail_store *st = mail_store_new();
    GError *err = NULL;
    mail_store_add_user(st, "bob", NULL, NULL);
    GBytes *b = msg("Subject: hi\r\n\r\nhello\r\n");
    CU_ASSERT_EQUAL(mail_store_deliver(st, "bob", b, 12345, NULL), 1);
    CU_ASSERT_EQUAL(mail_store_deliver(st, "nobody", b, 1, &err), 0);
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_USER));
    g_clear_error(&err);
    mail_folder *f = mail_store_folder(st, "bob", "INBOX", NULL);
    const mail_store_msg *m = mail_folder_msg(f, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->flags, MAIL_FLAG_RECENT);
    CU_ASSERT_EQUAL(m->internal_ns, 12345);
    CU_ASSERT_TRUE(g_bytes_equal(m->data, b));
    CU_ASSERT_EQUAL(mail_folder_bytes(f), g_bytes_get_size(b));
    g_bytes_unref(b);
    CU_ASSERT_TRUE(mail_store_refresh(st, "bob", NULL));
    CU_ASSERT_EQUAL(mail_folder_count(f), 1);
    mail_store_free(st);
    mail_store_free(NULL);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_users),   TEST(test_passwords),        TEST(test_folders),
                                      TEST(test_rename),  TEST(test_uids_and_expunge), TEST(test_find_uid_many),
                                      TEST(test_deliver)};
    return test_main("protocols/mailstore/store", tests, G_N_ELEMENTS(tests));
}
