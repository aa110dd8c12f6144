/*
 * test_maildir: the mail store on a Maildir tree (mail_store.h): the files
 * a delivery and flags make, UIDs and UIDVALIDITY across reopening, two
 * stores on one tree, files added and removed by hand, folders on disk,
 * names refused, symbolic links never followed, the size limit. Each
 * test works in a fresh temporary directory, removed at its end.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocols/mailstore/mail_store.h"
#include "test_util.h"

static const char hello[] = "From: alice@crepes.fr\r\nSubject: hi\r\n\r\nhello\r\n";

static char *fresh_root(void)
{
    char *dir = g_dir_make_tmp("appsim-maildir-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    return dir;
}

static char *path(const char *a, const char *b, const char *c)
{
    return g_build_filename(a, b, c, NULL);
}

/* The names in a directory, sorted, NULL-terminated (g_strfreev). */
static char **names_in(const char *dir)
{
    GPtrArray *a = g_ptr_array_new();
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d)))
        g_ptr_array_add(a, g_strdup(n));
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(a, (GCompareFunc)strcmp);
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

static guint count_in(const char *dir)
{
    char **n = names_in(dir);
    guint c = g_strv_length(n);
    g_strfreev(n);
    return c;
}

static guint count_at(const char *root, const char *rel)
{
    char *p = g_build_filename(root, rel, NULL);
    guint c = count_in(p);
    g_free(p);
    return c;
}

static uint32_t deliver(mail_store *st, const char *user, const char *text)
{
    GBytes *b = g_bytes_new(text, strlen(text));
    uint32_t uid = mail_store_deliver(st, user, b, 0, NULL);
    g_bytes_unref(b);
    return uid;
}

static void put_file(const char *root, const char *rel, const char *text)
{
    char *p = g_build_filename(root, rel, NULL);
    CU_ASSERT_TRUE(g_file_set_contents(p, text, -1, NULL));
    g_free(p);
}

static void test_deliver_writes_new(void)
{
    char *root = fresh_root();
    GError *err = NULL;
    mail_store *st = mail_store_open_maildir(root, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_TRUE(mail_store_add_user(st, "bob", "pw", NULL));
    char **users = mail_store_users(st);
    CU_ASSERT_TRUE(users && users[0] && strcmp(users[0], "bob") == 0 && !users[1]);
    g_strfreev(users);
    CU_ASSERT_EQUAL(deliver(st, "bob", hello), 1);
    char *newdir = path(root, "bob", "new");
    char **files = names_in(newdir);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(files), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(files[0], ".appsim"));
    char *f = path(newdir, files[0], NULL);
    char *text = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE(g_file_get_contents(f, &text, &len, NULL));
    CU_ASSERT_EQUAL(len, strlen(hello));
    CU_ASSERT_TRUE(text && memcmp(text, hello, len) == 0);
    char *tmpdir = path(root, "bob", "tmp");
    CU_ASSERT_EQUAL(count_in(tmpdir), 0);
    mail_folder *inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    const mail_store_msg *m = mail_folder_msg(inbox, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->flags, MAIL_FLAG_RECENT);
    CU_ASSERT_TRUE(m->internal_ns > INT64_C(1600000000) * 1000000000);
    CU_ASSERT_EQUAL(mail_folder_bytes(inbox), strlen(hello));
    /* The uidlist names the file by its base name. */
    char *ul = path(root, "bob", "appsim-uidlist");
    char *list = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(ul, &list, NULL, NULL));
    char *line = g_strdup_printf("\n1 %s\n", files[0]);
    CU_ASSERT_TRUE(list && list[0] == 'V' && strstr(list, " N2\n") && strstr(list, line));
    CU_ASSERT_EQUAL(mail_store_deliver(st, "nobody", m->data, 0, &err), 0);
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_USER));
    g_clear_error(&err);
    g_free(line);
    g_free(list);
    g_free(ul);
    g_free(tmpdir);
    g_free(text);
    g_free(f);
    g_strfreev(files);
    g_free(newdir);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

static void test_flags_in_names(void)
{
    char *root = fresh_root();
    mail_store *st = mail_store_open_maildir(root, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    mail_store_add_user(st, "bob", NULL, NULL);
    deliver(st, "bob", hello);
    mail_folder *inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    char *newdir = path(root, "bob", "new"), *curdir = path(root, "bob", "cur");
    char **files = names_in(newdir);
    char *base = g_strdup(files[0]);
    g_strfreev(files);
    /* RECENT alone keeps the file in new/. */
    CU_ASSERT_TRUE(mail_folder_set_flags(inbox, 0, MAIL_FLAG_RECENT, NULL));
    CU_ASSERT_EQUAL(count_in(newdir), 1);
    CU_ASSERT_TRUE(mail_folder_set_flags(inbox, 0, MAIL_FLAG_SEEN | MAIL_FLAG_FLAGGED, NULL));
    CU_ASSERT_EQUAL(count_in(newdir), 0);
    files = names_in(curdir);
    char *want = g_strconcat(base, ":2,FS", NULL);
    CU_ASSERT_TRUE(files[0] && strcmp(files[0], want) == 0 && !files[1]);
    g_strfreev(files);
    g_free(want);
    unsigned all = MAIL_FLAG_SEEN | MAIL_FLAG_ANSWERED | MAIL_FLAG_FLAGGED | MAIL_FLAG_DELETED | MAIL_FLAG_DRAFT;
    CU_ASSERT_TRUE(mail_folder_set_flags(inbox, 0, all, NULL));
    files = names_in(curdir);
    want = g_strconcat(base, ":2,DFRST", NULL);
    CU_ASSERT_TRUE(files[0] && strcmp(files[0], want) == 0 && !files[1]);
    g_strfreev(files);
    g_free(want);
    CU_ASSERT_TRUE(mail_folder_set_flags(inbox, 0, 0, NULL));
    files = names_in(curdir);
    want = g_strconcat(base, ":2,", NULL);
    CU_ASSERT_TRUE(files[0] && strcmp(files[0], want) == 0 && !files[1]);
    g_strfreev(files);
    g_free(want);
    /* Flags read back from the names by another store. */
    CU_ASSERT_TRUE(mail_folder_set_flags(inbox, 0, MAIL_FLAG_ANSWERED | MAIL_FLAG_DRAFT, NULL));
    mail_store *other = mail_store_open_maildir(root, NULL);
    mail_folder *oi = mail_store_folder(other, "bob", "INBOX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(oi);
    CU_ASSERT_EQUAL(mail_folder_msg(oi, 0)->flags, MAIL_FLAG_ANSWERED | MAIL_FLAG_DRAFT);
    mail_store_free(other);
    g_free(base);
    g_free(newdir);
    g_free(curdir);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

static void test_reopen_keeps_uids(void)
{
    char *root = fresh_root();
    mail_store *st = mail_store_open_maildir(root, NULL);
    mail_store_add_user(st, "bob", NULL, NULL);
    mail_store_add_user(st, "alice", NULL, NULL);
    for (int i = 0; i < 5; i++)
        deliver(st, "bob", hello);
    mail_folder *inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    mail_folder_set_flags(inbox, 1, MAIL_FLAG_DELETED, NULL);
    mail_folder_set_flags(inbox, 3, MAIL_FLAG_DELETED, NULL);
    GArray *ex = g_array_new(FALSE, FALSE, sizeof(guint));
    CU_ASSERT_EQUAL(mail_folder_expunge(inbox, ex, NULL), 2);
    CU_ASSERT_TRUE(ex->len == 2 && g_array_index(ex, guint, 0) == 4 && g_array_index(ex, guint, 1) == 2);
    g_array_free(ex, TRUE);
    char *newdir = path(root, "bob", "new"), *curdir = path(root, "bob", "cur");
    CU_ASSERT_EQUAL(count_in(newdir) + count_in(curdir), 3);
    mail_folder *work = mail_store_folder_create(st, "bob", "Work", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(work);
    uint32_t uv_inbox = mail_folder_uidvalidity(inbox), uv_work = mail_folder_uidvalidity(work);
    CU_ASSERT_NOT_EQUAL(uv_inbox, uv_work);
    CU_ASSERT_TRUE(uv_inbox > 1600000000u);
    mail_store_free(st);

    st = mail_store_open_maildir(root, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    char **users = mail_store_users(st);
    CU_ASSERT_TRUE(g_strv_length(users) == 2 && strcmp(users[0], "alice") == 0 && strcmp(users[1], "bob") == 0);
    g_strfreev(users);
    char **folders = mail_store_folders(st, "bob");
    CU_ASSERT_TRUE(g_strv_length(folders) == 2 && strcmp(folders[0], "INBOX") == 0 &&
                   strcmp(folders[1], "Work") == 0);
    g_strfreev(folders);
    inbox = mail_store_folder(st, "bob", "inbox", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inbox);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(inbox), uv_inbox);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(mail_store_folder(st, "bob", "Work", NULL)), uv_work);
    CU_ASSERT_EQUAL(mail_folder_count(inbox), 3);
    CU_ASSERT_EQUAL(mail_folder_msg(inbox, 0)->uid, 1);
    CU_ASSERT_EQUAL(mail_folder_msg(inbox, 1)->uid, 3);
    CU_ASSERT_EQUAL(mail_folder_msg(inbox, 2)->uid, 5);
    CU_ASSERT_EQUAL(mail_folder_find_uid(inbox, 3), 1);
    CU_ASSERT_EQUAL(mail_folder_uidnext(inbox), 6);
    CU_ASSERT_EQUAL(deliver(st, "bob", hello), 6);
    CU_ASSERT_TRUE(mail_store_check_password(st, "bob", "") == false);
    g_free(newdir);
    g_free(curdir);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

static void test_two_stores(void)
{
    char *root = fresh_root();
    mail_store *a = mail_store_open_maildir(root, NULL);
    mail_store *b = mail_store_open_maildir(root, NULL);
    CU_ASSERT_TRUE(mail_store_add_user(a, "bob", NULL, NULL));
    CU_ASSERT_FALSE(mail_store_has_user(b, "bob"));
    CU_ASSERT_TRUE(mail_store_refresh(b, "bob", NULL));
    CU_ASSERT_TRUE(mail_store_has_user(b, "bob"));
    mail_folder *fb = mail_store_folder(b, "bob", "INBOX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fb);
    CU_ASSERT_EQUAL(deliver(a, "bob", hello), 1);
    CU_ASSERT_EQUAL(mail_folder_count(fb), 0);
    CU_ASSERT_TRUE(mail_store_refresh(b, "bob", NULL));
    CU_ASSERT_EQUAL(mail_folder_count(fb), 1);
    CU_ASSERT_EQUAL(mail_folder_msg(fb, 0)->uid, 1);
    /* Both deliver: UIDs never collide. */
    CU_ASSERT_EQUAL(deliver(b, "bob", hello), 2);
    CU_ASSERT_EQUAL(deliver(a, "bob", hello), 3);
    CU_ASSERT_TRUE(mail_store_refresh(a, "bob", NULL));
    mail_folder *fa = mail_store_folder(a, "bob", "INBOX", NULL);
    CU_ASSERT_EQUAL(mail_folder_count(fa), 3);
    CU_ASSERT_EQUAL(mail_folder_msg(fa, 1)->uid, 2);
    /* b expunges message 1; a sees it gone after refresh. */
    mail_store_refresh(b, "bob", NULL);
    CU_ASSERT_TRUE(mail_folder_remove(fb, 0, NULL));
    CU_ASSERT_TRUE(mail_store_refresh(a, "bob", NULL));
    CU_ASSERT_EQUAL(mail_folder_count(fa), 2);
    CU_ASSERT_EQUAL(mail_folder_msg(fa, 0)->uid, 2);
    /* A folder b creates appears in a, one b deletes vanishes. */
    CU_ASSERT_PTR_NOT_NULL(mail_store_folder_create(b, "bob", "Sent", NULL));
    mail_store_refresh(a, "bob", NULL);
    CU_ASSERT_PTR_NOT_NULL(mail_store_folder(a, "bob", "Sent", NULL));
    CU_ASSERT_TRUE(mail_store_folder_delete(b, "bob", "Sent", NULL));
    mail_store_refresh(a, "bob", NULL);
    CU_ASSERT_PTR_NULL(mail_store_folder(a, "bob", "Sent", NULL));
    mail_store_free(a);
    mail_store_free(b);
    test_remove_tree(root);
    g_free(root);
}

static void test_files_by_hand(void)
{
    char *root = fresh_root();
    mail_store *st = mail_store_open_maildir(root, NULL);
    mail_store_add_user(st, "bob", NULL, NULL);
    deliver(st, "bob", hello);
    /* Two files by hand (LF line ends, as other tools write them): UIDs in name order. */
    put_file(root, "bob/new/2000000000.hand2.example", "Subject: b\n\nsecond\n");
    put_file(root, "bob/cur/2000000000.hand1.example:2,S", "Subject: a\n\nfirst\n");
    put_file(root, "bob/new/.hidden", "not a message\n");
    CU_ASSERT_TRUE(mail_store_refresh(st, "bob", NULL));
    mail_folder *inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    CU_ASSERT_EQUAL_FATAL(mail_folder_count(inbox), 3);
    const mail_store_msg *m1 = mail_folder_msg(inbox, 1), *m2 = mail_folder_msg(inbox, 2);
    CU_ASSERT_EQUAL(m1->uid, 2);
    CU_ASSERT_EQUAL(m1->flags, MAIL_FLAG_SEEN);
    CU_ASSERT_EQUAL(m2->uid, 3);
    CU_ASSERT_EQUAL(m2->flags, MAIL_FLAG_RECENT);
    static const char crlf[] = "Subject: a\r\n\r\nfirst\r\n";
    CU_ASSERT_EQUAL(g_bytes_get_size(m1->data), strlen(crlf));
    CU_ASSERT_TRUE(memcmp(g_bytes_get_data(m1->data, NULL), crlf, strlen(crlf)) == 0);
    CU_ASSERT_EQUAL(mail_folder_bytes(inbox), strlen(hello) + strlen(crlf) + strlen("Subject: b\r\n\r\nsecond\r\n"));
    /* Flags changed by hand, and a file deleted by hand. */
    char *a = g_build_filename(root, "bob/cur/2000000000.hand1.example:2,S", NULL);
    char *b = g_build_filename(root, "bob/cur/2000000000.hand1.example:2,RS", NULL);
    CU_ASSERT_EQUAL(rename(a, b), 0);
    char *gone = g_build_filename(root, "bob/new/2000000000.hand2.example", NULL);
    CU_ASSERT_EQUAL(unlink(gone), 0);
    CU_ASSERT_TRUE(mail_store_refresh(st, "bob", NULL));
    CU_ASSERT_EQUAL(mail_folder_count(inbox), 2);
    CU_ASSERT_EQUAL(mail_folder_msg(inbox, 1)->uid, 2);
    CU_ASSERT_EQUAL(mail_folder_msg(inbox, 1)->flags, MAIL_FLAG_SEEN | MAIL_FLAG_ANSWERED);
    CU_ASSERT_EQUAL(mail_folder_find_uid(inbox, 3), -1);
    CU_ASSERT_EQUAL(mail_folder_uidnext(inbox), 4);
    CU_ASSERT_EQUAL(deliver(st, "bob", hello), 4);
    /* A user directory made by hand is a user after refresh. */
    char *carol = g_build_filename(root, "carol", NULL);
    CU_ASSERT_EQUAL(mkdir(carol, 0700), 0);
    CU_ASSERT_TRUE(mail_store_refresh(st, "carol", NULL));
    CU_ASSERT_TRUE(mail_store_has_user(st, "carol"));
    CU_ASSERT_EQUAL(deliver(st, "carol", hello), 0); /* no new/ nor tmp/: an IO error, nothing lost silently */
    g_free(carol);
    g_free(gone);
    g_free(a);
    g_free(b);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

static bool is_dir(const char *root, const char *rel)
{
    char *p = g_build_filename(root, rel, NULL);
    bool r = g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK);
    g_free(p);
    return r;
}

static void test_folders_on_disk(void)
{
    char *root = fresh_root();
    GError *err = NULL;
    mail_store *st = mail_store_open_maildir(root, NULL);
    mail_store_add_user(st, "bob", NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL(mail_store_folder_create(st, "bob", "Archive", NULL));
    CU_ASSERT_PTR_NOT_NULL(mail_store_folder_create(st, "bob", "Archive/2026", NULL));
    CU_ASSERT_TRUE(is_dir(root, "bob/.Archive/cur") && is_dir(root, "bob/.Archive.2026/new"));
    CU_ASSERT_PTR_NULL(mail_store_folder_create(st, "bob", "a.b", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME));
    g_clear_error(&err);
    mail_folder *ar = mail_store_folder(st, "bob", "Archive", NULL);
    GBytes *b = g_bytes_new_static(hello, strlen(hello));
    CU_ASSERT_EQUAL(mail_folder_append(ar, b, MAIL_FLAG_SEEN, 0, NULL), 1);
    CU_ASSERT_EQUAL(count_at(root, "bob/.Archive/cur"), 1);
    /* Rename takes the inferior along, keeping UIDVALIDITY. */
    uint32_t uv = mail_folder_uidvalidity(ar);
    CU_ASSERT_TRUE(mail_store_folder_rename(st, "bob", "Archive", "Old", NULL));
    CU_ASSERT_TRUE(is_dir(root, "bob/.Old") && is_dir(root, "bob/.Old.2026") && !is_dir(root, "bob/.Archive"));
    mail_folder *old = mail_store_folder(st, "bob", "Old", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(old);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(old), uv);
    CU_ASSERT_EQUAL(mail_folder_count(old), 1);
    CU_ASSERT_PTR_NOT_NULL(mail_store_folder(st, "bob", "Old/2026", NULL));
    CU_ASSERT_PTR_NULL(mail_store_folder(st, "bob", "Archive", NULL));
    /* INBOX rename: messages move, INBOX stays empty with a new UIDVALIDITY. */
    deliver(st, "bob", hello);
    deliver(st, "bob", hello);
    mail_folder *inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    uint32_t uvi = mail_folder_uidvalidity(inbox);
    CU_ASSERT_TRUE(mail_store_folder_rename(st, "bob", "INBOX", "Moved", NULL));
    mail_folder *moved = mail_store_folder(st, "bob", "Moved", NULL);
    inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(moved);
    CU_ASSERT_EQUAL(mail_folder_count(moved), 2);
    CU_ASSERT_EQUAL(mail_folder_uidvalidity(moved), uvi);
    CU_ASSERT_EQUAL(mail_folder_msg(moved, 1)->uid, 2);
    CU_ASSERT_EQUAL(mail_folder_count(inbox), 0);
    CU_ASSERT_NOT_EQUAL(mail_folder_uidvalidity(inbox), uvi);
    CU_ASSERT_EQUAL(count_at(root, "bob/new"), 0);
    CU_ASSERT_EQUAL(count_at(root, "bob/.Moved/new"), 2);
    CU_ASSERT_EQUAL(deliver(st, "bob", hello), 1);
    /* Delete: the directory goes. */
    CU_ASSERT_TRUE(mail_store_folder_delete(st, "bob", "Old", NULL));
    CU_ASSERT_FALSE(is_dir(root, "bob/.Old"));
    char *bobdir = path(root, "bob", NULL);
    char **names = names_in(bobdir);
    g_free(bobdir);
    for (guint i = 0; names[i]; i++)
        CU_ASSERT_TRUE(strncmp(names[i], "..deleted", 9) != 0);
    g_strfreev(names);
    CU_ASSERT_FALSE(mail_store_folder_delete(st, "bob", "INBOX", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_INBOX));
    g_clear_error(&err);
    g_bytes_unref(b);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

static void test_bad_names(void)
{
    char *root = fresh_root();
    GError *err = NULL;
    mail_store *st = mail_store_open_maildir(root, NULL);
    static const char *const users[] = {"", ".", "..", ".bob", "a/b", "../x", "new\nline"};
    for (guint i = 0; i < G_N_ELEMENTS(users); i++) {
        CU_ASSERT_FALSE(mail_store_add_user(st, users[i], NULL, &err));
        CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME));
        g_clear_error(&err);
    }
    CU_ASSERT_EQUAL(count_in(root), 0);
    mail_store_add_user(st, "bob", NULL, NULL);
    static const char *const folders[] = {"", "a.b", ".x", "../../etc", "a/../b", "x/", "/x", "a//b"};
    for (guint i = 0; i < G_N_ELEMENTS(folders); i++) {
        CU_ASSERT_PTR_NULL(mail_store_folder_create(st, "bob", folders[i], &err));
        CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME));
        g_clear_error(&err);
    }
    CU_ASSERT_FALSE(mail_store_folder_rename(st, "bob", "INBOX", "a.b", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME));
    g_clear_error(&err);
    CU_ASSERT_FALSE(mail_store_refresh(st, "../x", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_USER));
    g_clear_error(&err);
    CU_ASSERT_EQUAL(count_at(root, "bob"), 4); /* tmp new cur appsim-uidlist */
    /* Directories with names the store refuses are no users or folders. */
    char *odd = g_build_filename(root, ".hidden", NULL);
    mkdir(odd, 0700);
    g_free(odd);
    odd = g_build_filename(root, "bob", "..deleted.x", NULL);
    mkdir(odd, 0700);
    g_free(odd);
    mail_store *again = mail_store_open_maildir(root, NULL);
    char **u = mail_store_users(again);
    CU_ASSERT_TRUE(g_strv_length(u) == 1 && strcmp(u[0], "bob") == 0);
    g_strfreev(u);
    char **f = mail_store_folders(again, "bob");
    CU_ASSERT_TRUE(g_strv_length(f) == 1 && strcmp(f[0], "INBOX") == 0);
    g_strfreev(f);
    mail_store_free(again);
    mail_store_free(st);
    CU_ASSERT_PTR_NULL(mail_store_open_maildir("/nonexistent-appsim-root/x", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_IO));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "nonexistent-appsim-root"));
    g_clear_error(&err);
    test_remove_tree(root);
    g_free(root);
}

/* Symbolic links beneath the root, to a directory outside it, are never
 * followed: not as a user, not as a folder, not as new/ or a message. */
static void test_symlinks_not_followed(void)
{
    char *root = fresh_root(), *outside = fresh_root();
    GError *err = NULL;
    char *o_new = g_build_filename(outside, "new", NULL), *o_cur = g_build_filename(outside, "cur", NULL);
    char *o_tmp = g_build_filename(outside, "tmp", NULL);
    mkdir(o_new, 0700);
    mkdir(o_cur, 0700);
    mkdir(o_tmp, 0700);
    put_file(outside, "cur/secret:2,S", "Subject: secret\r\n\r\nnot yours\r\n");
    char *link = g_build_filename(root, "mallory", NULL);
    CU_ASSERT_EQUAL(symlink(outside, link), 0);
    mail_store *st = mail_store_open_maildir(root, NULL);
    CU_ASSERT_FALSE(mail_store_has_user(st, "mallory"));
    CU_ASSERT_FALSE(mail_store_add_user(st, "mallory", NULL, &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_IO));
    g_clear_error(&err);
    CU_ASSERT_FALSE(mail_store_refresh(st, "mallory", NULL));
    CU_ASSERT_FALSE(mail_store_has_user(st, "mallory"));
    /* A folder link, a new/ link and a message link inside a real user. */
    mail_store_add_user(st, "bob", NULL, NULL);
    char *flink = g_build_filename(root, "bob", ".Evil", NULL);
    CU_ASSERT_EQUAL(symlink(outside, flink), 0);
    char *mlink = g_build_filename(root, "bob", "cur", "1.link.example:2,S", NULL);
    char *secret = g_build_filename(outside, "cur", "secret:2,S", NULL);
    CU_ASSERT_EQUAL(symlink(secret, mlink), 0);
    CU_ASSERT_TRUE(mail_store_refresh(st, "bob", NULL));
    CU_ASSERT_PTR_NULL(mail_store_folder(st, "bob", "Evil", NULL));
    CU_ASSERT_EQUAL(mail_folder_count(mail_store_folder(st, "bob", "INBOX", NULL)), 0);
    CU_ASSERT_PTR_NULL(mail_store_folder_create(st, "bob", "Evil", &err));
    CU_ASSERT_TRUE(g_error_matches(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS));
    g_clear_error(&err);
    char *bnew = g_build_filename(root, "bob", "new", NULL);
    CU_ASSERT_EQUAL(rmdir(bnew), 0);
    CU_ASSERT_EQUAL(symlink(o_new, bnew), 0);
    CU_ASSERT_EQUAL(deliver(st, "bob", hello), 0);
    /* Nothing was written outside. */
    CU_ASSERT_EQUAL(count_in(o_new), 0);
    CU_ASSERT_EQUAL(count_in(o_tmp), 0);
    CU_ASSERT_EQUAL(count_in(o_cur), 1);
    CU_ASSERT_EQUAL(count_in(outside), 3);
    mail_store_free(st);
    g_free(bnew);
    g_free(secret);
    g_free(mlink);
    g_free(flink);
    g_free(link);
    g_free(o_new);
    g_free(o_cur);
    g_free(o_tmp);
    test_remove_tree(root);
    test_remove_tree(outside);
    g_free(root);
    g_free(outside);
}

static void test_expunge_removes_files(void)
{
    char *root = fresh_root();
    mail_store *st = mail_store_open_maildir(root, NULL);
    mail_store_add_user(st, "bob", NULL, NULL);
    for (int i = 0; i < 4; i++)
        deliver(st, "bob", hello);
    mail_folder *inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    mail_folder_set_flags(inbox, 0, MAIL_FLAG_DELETED | MAIL_FLAG_SEEN, NULL);
    mail_folder_set_flags(inbox, 2, MAIL_FLAG_DELETED, NULL);
    mail_folder_set_flags(inbox, 3, MAIL_FLAG_SEEN, NULL);
    CU_ASSERT_EQUAL(count_at(root, "bob/cur"), 3);
    CU_ASSERT_EQUAL(mail_folder_expunge(inbox, NULL, NULL), 2);
    CU_ASSERT_EQUAL(count_at(root, "bob/cur"), 1);
    CU_ASSERT_EQUAL(count_at(root, "bob/new"), 1);
    CU_ASSERT_TRUE(mail_folder_remove(inbox, 0, NULL));
    CU_ASSERT_EQUAL(count_at(root, "bob/new"), 0);
    CU_ASSERT_EQUAL(mail_folder_count(inbox), 1);
    CU_ASSERT_EQUAL(mail_folder_msg(inbox, 0)->uid, 4);
    CU_ASSERT_EQUAL(mail_folder_bytes(inbox), strlen(hello));
    mail_store_free(st);
    st = mail_store_open_maildir(root, NULL);
    inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    CU_ASSERT_EQUAL(mail_folder_count(inbox), 1);
    CU_ASSERT_EQUAL(mail_folder_msg(inbox, 0)->uid, 4);
    CU_ASSERT_EQUAL(mail_folder_uidnext(inbox), 5);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

/* A file over the limit is skipped without being read (a sparse file:
 * its size on paper only). */
static void test_large_file_skipped(void)
{
    char *root = fresh_root();
    mail_store *st = mail_store_open_maildir(root, NULL);
    mail_store_add_user(st, "bob", NULL, NULL);
    char *big = g_build_filename(root, "bob", "new", "1.big.example", NULL);
    int fd = open(big, O_WRONLY | O_CREAT, 0600);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(ftruncate(fd, (off_t)MAIL_STORE_MAX_FILE + 1), 0);
    close(fd);
    deliver(st, "bob", hello);
    CU_ASSERT_EQUAL(mail_store_skipped(st), 0);
    CU_ASSERT_TRUE(mail_store_refresh(st, "bob", NULL));
    CU_ASSERT_EQUAL(mail_store_skipped(st), 1);
    mail_folder *inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    CU_ASSERT_EQUAL(mail_folder_count(inbox), 1);
    CU_ASSERT_EQUAL(mail_folder_bytes(inbox), strlen(hello));
    mail_store *mem = mail_store_new();
    CU_ASSERT_EQUAL(mail_store_skipped(mem), 0);
    mail_store_free(mem);
    g_free(big);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

/* A uidlist damaged by hand: the folder starts over with a new
 * UIDVALIDITY, its files numbered again in name order. */
static void test_damaged_uidlist(void)
{
    char *root = fresh_root();
    mail_store *st = mail_store_open_maildir(root, NULL);
    mail_store_add_user(st, "bob", NULL, NULL);
    for (int i = 0; i < 3; i++)
        deliver(st, "bob", hello);
    mail_folder *inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    mail_folder_remove(inbox, 0, NULL);
    uint32_t uv = mail_folder_uidvalidity(inbox);
    put_file(root, "bob/appsim-uidlist", "garbage\n");
    CU_ASSERT_TRUE(mail_store_refresh(st, "bob", NULL));
    inbox = mail_store_folder(st, "bob", "INBOX", NULL);
    CU_ASSERT_EQUAL(mail_folder_count(inbox), 2);
    CU_ASSERT_NOT_EQUAL(mail_folder_uidvalidity(inbox), uv);
    CU_ASSERT_EQUAL(mail_folder_msg(inbox, 0)->uid, 1);
    CU_ASSERT_EQUAL(mail_folder_msg(inbox, 1)->uid, 2);
    CU_ASSERT_EQUAL(mail_folder_uidnext(inbox), 3);
    mail_store_free(st);
    test_remove_tree(root);
    g_free(root);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_deliver_writes_new), TEST(test_flags_in_names),      TEST(test_reopen_keeps_uids),
        TEST(test_two_stores),         TEST(test_files_by_hand),       TEST(test_folders_on_disk),
        TEST(test_bad_names),          TEST(test_symlinks_not_followed), TEST(test_expunge_removes_files),
        TEST(test_large_file_skipped), TEST(test_damaged_uidlist)};
    return test_main("protocols/mailstore/maildir", tests, G_N_ELEMENTS(tests));
}
