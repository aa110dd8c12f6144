/*
 * ftp_setup: the ftp:// URLs of appsim ftp get/put/ls (those parsed and
 * those refused) and the user file of appsim ftp serve (its permission
 * rule, its refusals, the password check).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/ftp_setup.h"
#include "test_util.h"

static void test_urls(void)
{
    static const struct {
        const char *text, *user, *password, *host, *path;
        int port;
    } good[] = {
        {"ftp://example.com", NULL, NULL, "example.com", "", 21},
        {"ftp://example.com/", NULL, NULL, "example.com", "", 21},
        {"FTP://127.0.0.1:2121/pub/a.txt", NULL, NULL, "127.0.0.1", "pub/a.txt", 2121},
        {"ftp://bob@h/x", "bob", NULL, "h", "x", 21},
        {"ftp://bob:s%40c:r@h:65535/%2Fetc/a%20b", "bob", "s@c:r", "h", "/etc/a b", 65535},
        {"ftp://b:p@q@h/", "b", "p@q", "h", "", 21},
        {"ftp://[::1]:21/d/", NULL, NULL, "::1", "d/", 21},
        {"ftp://u:@h/f", "u", "", "h", "f", 21},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        ftp_url u;
        GError *err = NULL;
        CU_ASSERT_TRUE_FATAL(ftp_url_parse(good[i].text, &u, &err));
        CU_ASSERT_PTR_NULL(err);
        CU_ASSERT_STRING_EQUAL(u.host, good[i].host);
        CU_ASSERT_STRING_EQUAL(u.path, good[i].path);
        CU_ASSERT_EQUAL(u.port, good[i].port);
        CU_ASSERT_STRING_EQUAL(u.user ? u.user : "(none)", good[i].user ? good[i].user : "(none)");
        CU_ASSERT_STRING_EQUAL(u.password ? u.password : "(none)", good[i].password ? good[i].password : "(none)");
        ftp_url_clear(&u);
    }
    static const char *const bad[] = {
        "", "http://h/", "ftp://", "ftp:///x", "ftp://h:0/", "ftp://h:65536/", "ftp://h:/", "ftp://h:21x/",
        "ftp://[::1/", "ftp://[]/", "ftp://h/a%0d%0aDELE%20b", "ftp://h/a%00", "ftp://h/a%2", "ftp://h/a%zz",
        "ftp://@h/", "ftp://u%0a:p@h/", "ftp://h/a;type=i", "ftp://h/a?b", "ftp://h o/", "ftp://h\r\n/",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        ftp_url u;
        GError *err = NULL;
        CU_ASSERT_FALSE(ftp_url_parse(bad[i], &u, &err));
        CU_ASSERT_PTR_NOT_NULL(err);
        CU_ASSERT_PTR_NULL(u.host);
        if (!err)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        g_clear_error(&err);
    }
}

/* Writes `text` to dir/name with `mode`; the new path. */
static char *write_file(const char *dir, const char *name, const char *text, int mode)
{
    char *p = g_build_filename(dir, name, NULL);
    CU_ASSERT_TRUE(g_file_set_contents(p, text, -1, NULL));
    CU_ASSERT_EQUAL(g_chmod(p, mode), 0);
    return p;
}

static void test_users(void)
{
    char *dir = g_dir_make_tmp("appsim-ftp-setup-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char *p = write_file(dir, "ok", "# users\r\nalice:pw1\r\n\nbob:p:w\n", 0600);
    GError *err = NULL;
    GHashTable *users = ftp_users_load(p, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(users);
    CU_ASSERT_EQUAL(g_hash_table_size(users), 2);
    CU_ASSERT_TRUE(ftp_users_check(users, "alice", "pw1"));
    CU_ASSERT_TRUE(ftp_users_check(users, "bob", "p:w"));
    CU_ASSERT_FALSE(ftp_users_check(users, "alice", "pw"));
    CU_ASSERT_FALSE(ftp_users_check(users, "alice", "pw12"));
    CU_ASSERT_FALSE(ftp_users_check(users, "alice", ""));
    CU_ASSERT_FALSE(ftp_users_check(users, "carol", "pw1"));
    CU_ASSERT_FALSE(ftp_users_check(users, "alice", NULL));
    g_hash_table_destroy(users);
    g_free(p);
    static const struct {
        const char *text;
        int mode;
    } bad[] = {
        {"alice:pw\n", 0644}, {"alice:pw\n", 0660}, {"alice\n", 0600},         {":pw\n", 0600},
        {"alice:\n", 0600},   {"a b:pw\n", 0600},   {"anonymous:x\n", 0600}, {"FTP:x\n", 0600},
        {"a:1\na:2\n", 0600},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        p = write_file(dir, "bad", bad[i].text, bad[i].mode);
        CU_ASSERT_PTR_NULL(ftp_users_load(p, &err));
        CU_ASSERT_PTR_NOT_NULL(err);
        g_clear_error(&err);
        g_unlink(p);
        g_free(p);
    }
    char *missing = g_build_filename(dir, "missing", NULL);
    CU_ASSERT_PTR_NULL(ftp_users_load(missing, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    g_free(missing);
    test_remove_tree(dir);
    g_free(dir);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_urls),
        TEST(test_users),
    };
    return test_main("ftp_setup", tests, (int)G_N_ELEMENTS(tests));
}
