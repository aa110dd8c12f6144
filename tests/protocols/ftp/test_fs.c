/*
 * Tests of protocols/ftp/ftp_fs: path normalisation (never above "/"),
 * the same operations on a memory store and on a temporary folder
 * (stat, sorted listing, read at an offset, create/truncate/append,
 * mkdir, rmdir, delete, rename), escapes refused on disk (symbolic links
 * to outside, to inside, in the middle of a path; nothing written
 * outside), and read-only refusals.
 */
#define _DEFAULT_SOURCE
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "protocols/ftp/ftp_fs.h"
#include "test_util.h"

static void check_resolve(const char *cwd, const char *path, const char *want)
{
    char *got = ftp_fs_resolve(cwd, path);
    CU_ASSERT_STRING_EQUAL(got, want);
    g_free(got);
}

static void test_resolve(void)
{
    check_resolve("/", "a/b", "/a/b");
    check_resolve("/a", "b/../c", "/a/c");
    check_resolve("/a/b", "..", "/a");
    check_resolve("/a", "../../..", "/");
    check_resolve("/a", "/x//y/./", "/x/y");
    check_resolve("/a", "", "/a");
    check_resolve("/", "../etc/passwd", "/etc/passwd");
    check_resolve("/a", "/../../b", "/b");
    GString *s = g_string_new(NULL);
    while (s->len <= FTP_FS_MAX_PATH)
        g_string_append(s, "/abcdefg");
    CU_ASSERT_PTR_NULL(ftp_fs_resolve("/", s->str));
    g_string_free(s, TRUE);
}

static char *read_all(ftp_fs *fs, const char *path, uint64_t off)
{
    GError *err = NULL;
    ftp_fs_file *f = ftp_fs_open_read(fs, path, off, &err);
    if (!f) {
        g_error_free(err);
        return NULL;
    }
    GString *s = g_string_new(NULL);
    char buf[3];
    gssize n;
    while ((n = ftp_fs_read(f, buf, sizeof buf, NULL)) > 0)
        g_string_append_len(s, buf, n);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_TRUE(ftp_fs_file_close(f, NULL));
    return g_string_free(s, FALSE);
}

static void put(ftp_fs *fs, const char *path, const char *text, bool append)
{
    GError *err = NULL;
    ftp_fs_file *f = ftp_fs_open_write(fs, path, append, 1000, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_TRUE(ftp_fs_write(f, text, strlen(text), NULL));
    CU_ASSERT_TRUE(ftp_fs_file_close(f, NULL));
}

static int code_of(bool ok, GError *err)
{
    int c = ok ? -1 : (err ? err->code : -2);
    if (err)
        g_error_free(err);
    return c;
}
#define FAILS_WITH(call, code)                                                                     \
    do {                                                                                           \
        GError *e_ = NULL;                                                                         \
        bool ok_ = (call);                                                                         \
        int c_ = code_of(ok_, e_);                                                                 \
        if (c_ != (code))                                                                          \
            fprintf(stderr, "line %d: code %d\n", __LINE__, c_);                                 \
        CU_ASSERT_EQUAL(c_, (code));                                                 \
    } while (0)
#define E (&e_)

static char *list_names(ftp_fs *fs, const char *path)
{
    GPtrArray *l = ftp_fs_list(fs, path, 0, NULL);
    if (!l)
        return NULL;
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < l->len; i++) {
        ftp_fs_entry *e = g_ptr_array_index(l, i);
        g_string_append_printf(s, "%s%s%s", i ? " " : "", e->name, e->st.is_dir ? "/" : "");
    }
    g_ptr_array_unref(l);
    return g_string_free(s, FALSE);
}

/* The operations every store must do alike. */
static void common_ops(ftp_fs *fs)
{
    put(fs, "/b.txt", "hello world", false);
    CU_ASSERT_TRUE(ftp_fs_mkdir(fs, "/pub", 1000, NULL));
    put(fs, "/pub/z", "zz", false);
    put(fs, "/a", "", false);
    char *s = list_names(fs, "/");
    CU_ASSERT_STRING_EQUAL(s, "a b.txt pub/");
    g_free(s);
    /* A listing's cap: three entries fit in 3, not in 2. */
    GPtrArray *capped = ftp_fs_list(fs, "/", 3, NULL);
    CU_ASSERT_TRUE(capped && capped->len == 3);
    if (capped)
        g_ptr_array_unref(capped);
    FAILS_WITH(ftp_fs_list(fs, "/", 2, E) != NULL, FTP_FS_ERROR_TOO_MANY);
    ftp_fs_stat st;
    CU_ASSERT_TRUE(ftp_fs_stat_path(fs, "/b.txt", &st, NULL));
    CU_ASSERT_EQUAL(st.size, 11);
    CU_ASSERT_FALSE(st.is_dir);
    CU_ASSERT_TRUE(ftp_fs_stat_path(fs, "/", &st, NULL));
    CU_ASSERT_TRUE(st.is_dir);
    s = read_all(fs, "/b.txt", 6);
    CU_ASSERT_STRING_EQUAL(s, "world");
    g_free(s);
    s = read_all(fs, "/b.txt", 99);
    CU_ASSERT_STRING_EQUAL(s, "");
    g_free(s);
    put(fs, "/b.txt", "!", true);
    s = read_all(fs, "/b.txt", 0);
    CU_ASSERT_STRING_EQUAL(s, "hello world!");
    g_free(s);
    put(fs, "/b.txt", "new", false);
    s = read_all(fs, "/b.txt", 0);
    CU_ASSERT_STRING_EQUAL(s, "new");
    g_free(s);
    FAILS_WITH(ftp_fs_stat_path(fs, "/nope", &st, E), FTP_FS_ERROR_NOT_FOUND);
    FAILS_WITH(ftp_fs_stat_path(fs, "/b.txt/x", &st, E), FTP_FS_ERROR_NOT_DIR);
    FAILS_WITH(ftp_fs_open_read(fs, "/pub", 0, E) != NULL, FTP_FS_ERROR_IS_DIR);
    FAILS_WITH(ftp_fs_open_write(fs, "/pub", false, 1, E) != NULL, FTP_FS_ERROR_IS_DIR);
    FAILS_WITH(ftp_fs_open_write(fs, "/no/x", false, 1, E) != NULL, FTP_FS_ERROR_NOT_FOUND);
    FAILS_WITH(ftp_fs_mkdir(fs, "/pub", 1, E), FTP_FS_ERROR_EXISTS);
    FAILS_WITH(ftp_fs_rmdir(fs, "/pub", E), FTP_FS_ERROR_NOT_EMPTY);
    FAILS_WITH(ftp_fs_rmdir(fs, "/b.txt", E), FTP_FS_ERROR_NOT_DIR);
    FAILS_WITH(ftp_fs_delete(fs, "/pub", E), FTP_FS_ERROR_IS_DIR);
    FAILS_WITH(ftp_fs_delete(fs, "/", E), FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_list(fs, "/b.txt", 0, E) != NULL, FTP_FS_ERROR_NOT_DIR);
    FAILS_WITH(ftp_fs_rename(fs, "/pub", "/pub/in", 1, E), FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_rename(fs, "/a", "/pub", 1, E), FTP_FS_ERROR_EXISTS);
    FAILS_WITH(ftp_fs_rename(fs, "/gone", "/x", 1, E), FTP_FS_ERROR_NOT_FOUND);
    FAILS_WITH(ftp_fs_stat_path(fs, "relative", &st, E), FTP_FS_ERROR_INVALID);
    CU_ASSERT_TRUE(ftp_fs_rename(fs, "/b.txt", "/pub/c.txt", 1, NULL));
    CU_ASSERT_TRUE(ftp_fs_rename(fs, "/a", "/pub/z", 1, NULL)); /* replaces a file */
    s = list_names(fs, "/pub");
    CU_ASSERT_STRING_EQUAL(s, "c.txt z");
    g_free(s);
    CU_ASSERT_TRUE(ftp_fs_delete(fs, "/pub/c.txt", NULL));
    CU_ASSERT_TRUE(ftp_fs_delete(fs, "/pub/z", NULL));
    CU_ASSERT_TRUE(ftp_fs_rmdir(fs, "/pub", NULL));
    s = list_names(fs, "/");
    CU_ASSERT_STRING_EQUAL(s, "");
    g_free(s);
}

static void test_memory(void)
{
    ftp_fs *fs = ftp_fs_new_memory(false);
    common_ops(fs);
    /* Modification times are the caller's. */
    CU_ASSERT_TRUE(ftp_fs_memory_put(fs, "/d/e/f", "abc", 3, 777, NULL));
    ftp_fs_stat st;
    CU_ASSERT_TRUE(ftp_fs_stat_path(fs, "/d/e/f", &st, NULL));
    CU_ASSERT_EQUAL(st.mtime, 777);
    CU_ASSERT_EQUAL(st.size, 3);
    /* A file deleted while open stays readable through its handle. */
    ftp_fs_file *f = ftp_fs_open_read(fs, "/d/e/f", 1, NULL);
    CU_ASSERT_TRUE(ftp_fs_delete(fs, "/d/e/f", NULL));
    char buf[8];
    CU_ASSERT_EQUAL(ftp_fs_read(f, buf, sizeof buf, NULL), 2);
    ftp_fs_file_close(f, NULL);
    ftp_fs_free(fs);
}

static void test_read_only(void)
{
    ftp_fs *fs = ftp_fs_new_memory(true);
    CU_ASSERT_TRUE(ftp_fs_memory_put(fs, "/f", "x", 1, 5, NULL));
    CU_ASSERT_FALSE(ftp_fs_memory_put(fs, "/", "x", 1, 5, NULL));
    FAILS_WITH(ftp_fs_open_write(fs, "/g", false, 1, E) != NULL, FTP_FS_ERROR_READ_ONLY);
    FAILS_WITH(ftp_fs_open_write(fs, "/f", true, 1, E) != NULL, FTP_FS_ERROR_READ_ONLY);
    FAILS_WITH(ftp_fs_mkdir(fs, "/d", 1, E), FTP_FS_ERROR_READ_ONLY);
    FAILS_WITH(ftp_fs_delete(fs, "/f", E), FTP_FS_ERROR_READ_ONLY);
    FAILS_WITH(ftp_fs_rmdir(fs, "/f", E), FTP_FS_ERROR_READ_ONLY);
    FAILS_WITH(ftp_fs_rename(fs, "/f", "/g", 1, E), FTP_FS_ERROR_READ_ONLY);
    char *s = read_all(fs, "/f", 0);
    CU_ASSERT_STRING_EQUAL(s, "x");
    g_free(s);
    CU_ASSERT_TRUE(ftp_fs_is_read_only(fs));
    ftp_fs_free(fs);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = g_build_filename(dir, name, NULL);
    CU_ASSERT_TRUE(g_file_set_contents(p, text, -1, NULL));
    g_free(p);
}

static void test_disk(void)
{
    char *tmp = g_dir_make_tmp("ftpfs-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
    char *root = g_build_filename(tmp, "root", NULL);
    char *outside = g_build_filename(tmp, "outside", NULL);
    g_mkdir(root, 0755);
    g_mkdir(outside, 0755);
    write_file(outside, "secret", "top secret");
    ftp_fs *fs = ftp_fs_new_disk(root, false, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
    common_ops(fs);
    /* Symbolic links: to a file and a folder outside, to a file inside. */
    char *l1 = g_build_filename(root, "lf", NULL), *l2 = g_build_filename(root, "ld", NULL);
    char *l3 = g_build_filename(root, "in", NULL), *sec = g_build_filename(outside, "secret", NULL);
    write_file(root, "inside", "ok");
    CU_ASSERT_EQUAL(symlink(sec, l1), 0);
    CU_ASSERT_EQUAL(symlink(outside, l2), 0);
    CU_ASSERT_EQUAL(symlink("inside", l3), 0);
    ftp_fs_stat st;
    FAILS_WITH(ftp_fs_stat_path(fs, "/lf", &st, E), FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_open_read(fs, "/lf", 0, E) != NULL, FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_open_read(fs, "/in", 0, E) != NULL, FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_open_read(fs, "/ld/secret", 0, E) != NULL, FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_open_write(fs, "/lf", false, 1, E) != NULL, FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_open_write(fs, "/ld/new", false, 1, E) != NULL, FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_mkdir(fs, "/ld/d", 1, E), FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_list(fs, "/ld", 0, E) != NULL, FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_delete(fs, "/ld/secret", E), FTP_FS_ERROR_DENIED);
    FAILS_WITH(ftp_fs_rename(fs, "/inside", "/ld/stolen", 1, E), FTP_FS_ERROR_DENIED);
    /* Normalised paths through "..": they stay in the root. */
    char *p = ftp_fs_resolve("/", "../outside/secret");
    FAILS_WITH(ftp_fs_open_read(fs, p, 0, E) != NULL, FTP_FS_ERROR_NOT_FOUND);
    g_free(p);
    FAILS_WITH(ftp_fs_open_read(fs, "/../outside/secret", 0, E) != NULL, FTP_FS_ERROR_INVALID);
    /* Listings leave links out; deleting a link removes only the link. */
    char *s = list_names(fs, "/");
    if (strcmp(s, "inside") != 0)
        fprintf(stderr, "listing: %s\n", s);
    CU_ASSERT_STRING_EQUAL(s, "inside");
    g_free(s);
    CU_ASSERT_TRUE(ftp_fs_delete(fs, "/lf", NULL) || true);
    char *text = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(sec, &text, NULL, NULL));
    CU_ASSERT_STRING_EQUAL(text, "top secret");
    g_free(text);
    s = list_names(fs, "/../");
    CU_ASSERT_PTR_NULL(s);
    /* Nothing was written outside. */
    GDir *d = g_dir_open(outside, 0, NULL);
    CU_ASSERT_STRING_EQUAL(g_dir_read_name(d), "secret");
    CU_ASSERT_PTR_NULL(g_dir_read_name(d));
    g_dir_close(d);
    ftp_fs_free(fs);
    /* Read-only on disk. */
    fs = ftp_fs_new_disk(root, true, NULL);
    FAILS_WITH(ftp_fs_open_write(fs, "/inside", false, 1, E) != NULL, FTP_FS_ERROR_READ_ONLY);
    FAILS_WITH(ftp_fs_delete(fs, "/inside", E), FTP_FS_ERROR_READ_ONLY);
    s = read_all(fs, "/inside", 0);
    CU_ASSERT_STRING_EQUAL(s, "ok");
    g_free(s);
    ftp_fs_free(fs);
    FAILS_WITH(ftp_fs_new_disk(sec, false, E) != NULL, FTP_FS_ERROR_NOT_DIR);
    test_remove_tree(tmp);
    g_free(l1), g_free(l2), g_free(l3), g_free(sec), g_free(root), g_free(outside), g_free(tmp);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_resolve), TEST(test_memory), TEST(test_read_only), TEST(test_disk),
    };
    return test_main("protocols/ftp/fs", tests, G_N_ELEMENTS(tests));
}
