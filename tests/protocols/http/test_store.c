/*
 * http_store on a folder: confinement beneath the root (issue 10, item 1)
 * for reading, uploading and deleting, with symbolic links leading out of
 * the root and inside it, "..", encoded separators, special files; the
 * temporary files of uploads; and the in-memory store's basics.
 *
 * The folder: TMP/site is the root, TMP/outside is what must stay out of
 * reach (secret.txt, victim.txt).
 *   site/index.html, site/a.txt, site/sub/b.txt
 *   site/passwd-link -> /etc/passwd      site/outdir -> ../outside
 *   site/inlink -> a.txt                 site/sublink -> sub
 *   site/fifo (a named pipe)
 */
#define _POSIX_C_SOURCE 200809L

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocols/http/http_store.h"
#include "test_util.h"

static char *tmp, *site, *outside;

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = g_build_filename(dir, name, NULL);
    g_file_set_contents(p, text, -1, NULL);
    g_free(p);
}

static bool exists(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL);
    bool e = g_file_test(p, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK);
    g_free(p);
    return e;
}

/* Builds the folder; false when the system refused a link or the pipe. */
static bool make_tree(void)
{
    bool ok = true;
    tmp = g_dir_make_tmp("appsim-store-XXXXXX", NULL);
    site = g_build_filename(tmp, "site", NULL);
    outside = g_build_filename(tmp, "outside", NULL);
    g_mkdir(site, 0755);
    g_mkdir(outside, 0755);
    write_file(outside, "secret.txt", "outside secret\n");
    write_file(outside, "victim.txt", "do not delete\n");
    write_file(site, "index.html", "<p>index</p>\n");
    write_file(site, "a.txt", "file a\n");
    char *sub = g_build_filename(site, "sub", NULL);
    g_mkdir(sub, 0755);
    write_file(sub, "b.txt", "file b\n");
    g_free(sub);
    static const char *const links[][2] = {
        {"/etc/passwd", "passwd-link"}, {"../outside", "outdir"}, {"a.txt", "inlink"}, {"sub", "sublink"}};
    for (size_t i = 0; i < G_N_ELEMENTS(links); i++) {
        char *p = g_build_filename(site, links[i][1], NULL);
        ok = ok && symlink(links[i][0], p) == 0;
        g_free(p);
    }
    char *fifo = g_build_filename(site, "fifo", NULL);
    ok = ok && mkfifo(fifo, 0644) == 0;
    g_free(fifo);
    return ok;
}

/* The status of a GET of `path`; the body in *body (a new string) when found. */
static http_store_status get(http_store *s, const char *path, char **body)
{
    http_store_status st;
    http_object *o = http_store_get(s, path, &st);
    if (body)
        *body = NULL;
    if (o && body) {
        *body = g_malloc0(o->size + 1);
        CU_ASSERT_EQUAL(http_object_read(o, 0, *body, o->size), o->size);
    }
    CU_ASSERT_TRUE((o != NULL) == (st == HTTP_STORE_OK));
    http_object_free(o);
    return st;
}

static void test_reads_stay_beneath_the_root(void)
{
    http_store *s = http_store_new_dir(site, NULL);
    char *body;
    CU_ASSERT_EQUAL(get(s, "/a.txt", &body), HTTP_STORE_OK);
    CU_ASSERT_STRING_EQUAL(body, "file a\n");
    g_free(body);
    CU_ASSERT_EQUAL(get(s, "/", &body), HTTP_STORE_OK);
    CU_ASSERT_STRING_EQUAL(body, "<p>index</p>\n");
    g_free(body);
    CU_ASSERT_EQUAL(get(s, "/sub//./b.txt?x=1", &body), HTTP_STORE_OK);
    CU_ASSERT_STRING_EQUAL(body, "file b\n");
    g_free(body);
    CU_ASSERT_EQUAL(get(s, "/a%2Etxt", NULL), HTTP_STORE_OK);
    static const char *const refused[] = {
        "/passwd-link", "/outdir/secret.txt", "/outdir/", "/inlink", "/sublink/b.txt", "/fifo",
        "/../outside/secret.txt", "/sub/../../outside/secret.txt", "/%2e%2e/outside/secret.txt",
        "/sub%2f..%2f..%2foutside/secret.txt", "/..%5coutside%5csecret.txt", "/sub\\b.txt", "/a.txt%00.html",
        "a.txt", "",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        http_store_status st = get(s, refused[i], NULL);
        if (st != HTTP_STORE_FORBIDDEN)
            printf("\n    %s: status %d", refused[i], st);
        CU_ASSERT_EQUAL(st, HTTP_STORE_FORBIDDEN);
    }
    CU_ASSERT_EQUAL(get(s, "/nothing.txt", NULL), HTTP_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(get(s, "/a.txt/more", NULL), HTTP_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(get(s, "/sub/", NULL), HTTP_STORE_NOT_FOUND); /* no index.html there */
    http_store_free(s);
}

static void test_writes_stay_beneath_the_root(void)
{
    http_store *s = http_store_new_dir(site, NULL);
    bool created;
    static const char *const refused[] = {"/outdir/pwned.txt", "/outdir/a/b/c.txt", "/passwd-link", "/inlink",
                                          "/sublink/new.txt", "/sub", "/", "/../outside/x.txt", "/fifo"};
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        http_store_status st = http_store_put(s, refused[i], "pwned", 5, NULL, 0, &created);
        if (st != HTTP_STORE_FORBIDDEN)
            printf("\n    PUT %s: status %d", refused[i], st);
        CU_ASSERT_EQUAL(st, HTTP_STORE_FORBIDDEN);
    }
    CU_ASSERT_FALSE(exists(outside, "pwned.txt"));
    CU_ASSERT_FALSE(exists(outside, "a"));
    CU_ASSERT_FALSE(exists(outside, "x.txt"));
    char *link = g_build_filename(site, "passwd-link", NULL);
    char *target = g_file_read_link(link, NULL);
    CU_ASSERT_STRING_EQUAL(target, "/etc/passwd"); /* the link is still a link */
    g_free(target);
    g_free(link);
    CU_ASSERT_EQUAL(http_store_put(s, "/new/dir/x.txt", "fresh", 5, NULL, 0, &created), HTTP_STORE_OK);
    CU_ASSERT_TRUE(created);
    CU_ASSERT_EQUAL(http_store_put(s, "/new/dir/x.txt", "again", 5, NULL, 0, &created), HTTP_STORE_OK);
    CU_ASSERT_FALSE(created);
    char *body;
    CU_ASSERT_EQUAL(get(s, "/new/dir/x.txt", &body), HTTP_STORE_OK);
    CU_ASSERT_STRING_EQUAL(body, "again");
    g_free(body);
    http_store_free(s);
}

static void test_deletes_stay_beneath_the_root(void)
{
    http_store *s = http_store_new_dir(site, NULL);
    CU_ASSERT_EQUAL(http_store_delete(s, "/outdir/victim.txt"), HTTP_STORE_FORBIDDEN);
    CU_ASSERT_TRUE(exists(outside, "victim.txt"));
    CU_ASSERT_EQUAL(http_store_delete(s, "/passwd-link"), HTTP_STORE_FORBIDDEN);
    CU_ASSERT_TRUE(exists(site, "passwd-link"));
    CU_ASSERT_EQUAL(http_store_delete(s, "/sub"), HTTP_STORE_FORBIDDEN);
    CU_ASSERT_EQUAL(http_store_delete(s, "/%2e%2e/outside/victim.txt"), HTTP_STORE_FORBIDDEN);
    write_file(site, "gone.txt", "bye\n");
    CU_ASSERT_EQUAL(http_store_delete(s, "/gone.txt"), HTTP_STORE_OK);
    CU_ASSERT_FALSE(exists(site, "gone.txt"));
    CU_ASSERT_EQUAL(http_store_delete(s, "/gone.txt"), HTTP_STORE_NOT_FOUND);
    http_store_free(s);
}

/* An upload lives in a temporary file until committed; an aborted one
 * leaves nothing behind, a committed one replaces the target at once. */
static void test_uploads_use_a_temporary_file(void)
{
    http_store *s = http_store_new_dir(site, NULL);
    http_store_status st;
    http_upload *u = http_store_upload_begin(s, "/sub/up.txt", NULL, &st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_TRUE(http_upload_write(u, "part", 4));
    CU_ASSERT_FALSE(exists(site, "sub/up.txt"));
    http_upload_abort(u);
    char *sub = g_build_filename(site, "sub", NULL);
    GDir *d = g_dir_open(sub, 0, NULL);
    const char *name;
    int entries = 0;
    while ((name = g_dir_read_name(d)))
        entries++;
    g_dir_close(d);
    CU_ASSERT_EQUAL(entries, 1); /* b.txt alone */
    u = http_store_upload_begin(s, "/sub/up.txt", NULL, &st);
    http_upload_write(u, "whole", 5);
    http_upload_write(u, NULL, 3); /* length-only bytes are zeros on disk */
    bool created;
    CU_ASSERT_EQUAL(http_upload_commit(u, 0, &created), HTTP_STORE_OK);
    CU_ASSERT_TRUE(created);
    char *p = g_build_filename(sub, "up.txt", NULL), *got;
    gsize len;
    CU_ASSERT_TRUE(g_file_get_contents(p, &got, &len, NULL) && len == 8 && !memcmp(got, "whole\0\0\0", 8));
    g_free(got);
    g_free(p);
    g_free(sub);
    http_store_free(s);
}

static void test_memory_store(void)
{
    http_store *s = http_store_new();
    bool created;
    CU_ASSERT_EQUAL(http_store_put(s, "/m.txt?q", "mem", 3, NULL, 100, &created), HTTP_STORE_OK);
    CU_ASSERT_TRUE(created);
    http_store_status st;
    http_object *o = http_store_get(s, "/m.txt", &st);
    CU_ASSERT_TRUE(o && o->size == 3 && o->fd == -1 && o->body && !strcmp(o->type, "text/plain"));
    http_object_free(o);
    http_upload *u = http_store_upload_begin(s, "/virtual.bin", NULL, &st);
    http_upload_write(u, "ab", 2);
    http_upload_write(u, NULL, 1000);
    CU_ASSERT_EQUAL(http_upload_commit(u, 100, &created), HTTP_STORE_OK);
    o = http_store_get(s, "/virtual.bin", &st);
    CU_ASSERT_TRUE(o && o->size == 1002 && !o->body); /* length-only */
    http_object_free(o);
    CU_ASSERT_EQUAL(http_store_delete(s, "/m.txt"), HTTP_STORE_OK);
    CU_ASSERT_EQUAL(http_store_delete(s, "/m.txt"), HTTP_STORE_NOT_FOUND);
    CU_ASSERT_PTR_NULL(http_store_get(s, "/m.txt", &st));
    CU_ASSERT_EQUAL(st, HTTP_STORE_NOT_FOUND);
    http_store_free(s);
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(http_store_new_dir("/no/such/folder", &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
}

int main(void)
{
    if (!make_tree()) {
        fprintf(stderr, "cannot make the test folder (symbolic links, named pipe) in %s\n", tmp);
        return 1;
    }
    static const test_case tests[] = {
        TEST(test_reads_stay_beneath_the_root),
        TEST(test_writes_stay_beneath_the_root),
        TEST(test_deletes_stay_beneath_the_root),
        TEST(test_uploads_use_a_temporary_file),
        TEST(test_memory_store),
    };
    int rc = test_main("protocols/http/store", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp);
    g_free(tmp);
    g_free(site);
    g_free(outside);
    return rc;
}
