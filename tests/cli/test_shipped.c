/*
 * Tests of the shipped scenarios by name (cli/shipped.c): appsim run NAME
 * and check NAME from a folder that holds no scenario, which file they
 * say they used, APPSIM_SCENARIOS in front of the installed folder, a
 * name found nowhere (exit 2, the folders searched listed), appsim list
 * and list --names, check --paths, and appsim new (the copy renamed, the
 * rest of the text kept, never an overwrite). Plus scn_text_rename on
 * texts built to trip a naive search for "name".
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "test_util.h"
#include "world/scenario.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"

static char *tmp_root;

/* A new empty folder under the suite's temporary folder. */
static char *fresh_dir(const char *name)
{
    char *d = g_build_filename(tmp_root, name, NULL);
    test_remove_tree(d);
    g_mkdir_with_parents(d, 0755);
    return d;
}

static int appsim(const char *cwd, const char *const *args, char **out, char **err)
{
    const char *argv[16] = {APPSIM};
    guint n = 1;
    for (; args[n - 1] && n < G_N_ELEMENTS(argv) - 1; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    return test_spawn(cwd, argv, out, err);
}

static void test_run_by_name(void)
{
    char *dir = fresh_dir("run"), *out = NULL, *err = NULL;
    int rc = appsim(dir, (const char *[]){"run", "http-single-object", "-q", "-j", "1", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    /* It says which file it used: the source tree's, as this is a build tree. */
    char *used = g_strdup_printf("appsim run: using %s/http-single-object.json", SHIPPED);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, used) ? err : NULL);
    char *summary = g_build_filename(dir, "results", "http-single-object", "summary.json", NULL);
    CU_ASSERT_TRUE(g_file_test(summary, G_FILE_TEST_IS_REGULAR));
    g_free(summary);
    g_free(used);
    g_free(out);
    g_free(err);
    /* With ".json" too, and check. */
    rc = appsim(dir, (const char *[]){"check", "http-persistence.json", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "http-persistence.json: ok"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "appsim check: using "));
    g_free(out);
    g_free(err);
    g_free(dir);
}

static void test_file_before_name(void)
{
    /* A file of that name in the folder wins, and nothing is said. */
    char *dir = fresh_dir("file-first"), *out = NULL, *err = NULL;
    char *src = g_build_filename(SHIPPED, "http-single-object.json", NULL), *text = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(src, &text, NULL, NULL));
    char *renamed = scn_text_rename(text, "local-copy", NULL);
    char *local = g_build_filename(dir, "http-single-object", NULL);
    CU_ASSERT_TRUE(g_file_set_contents(local, renamed, -1, NULL));
    int rc = appsim(dir, (const char *[]){"check", "http-single-object", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NULL(strstr(err, "using"));
    g_free(out);
    g_free(err);
    g_free(local);
    g_free(renamed);
    g_free(text);
    g_free(src);
    g_free(dir);
}

static void test_unknown_name(void)
{
    char *dir = fresh_dir("unknown"), *out = NULL, *err = NULL;
    const char *cmds[] = {"run", "check"};
    for (guint i = 0; i < G_N_ELEMENTS(cmds); i++) {
        int rc = appsim(dir, (const char *[]){cmds[i], "no-such-scenario", NULL}, &out, &err);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"no-such-scenario\": no such file, and no shipped scenario"));
        /* The folders searched are listed, the source tree's among them. */
        CU_ASSERT_PTR_NOT_NULL(strstr(err, SHIPPED));
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "share/appsim/scenarios"));
        g_free(out);
        g_free(err);
    }
    /* A path is never looked up by name. */
    int rc = appsim(dir, (const char *[]){"check", "sub/http-single-object", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NULL(strstr(err, "using"));
    g_free(out);
    g_free(err);
    g_free(dir);
}

static void test_env_folder_first(void)
{
    char *dir = fresh_dir("env-run"), *mine = fresh_dir("env-scenarios"), *out = NULL, *err = NULL;
    char *src = g_build_filename(SHIPPED, "http-single-object.json", NULL), *text = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(src, &text, NULL, NULL));
    char *renamed = scn_text_rename(text, "from-env", NULL);
    char *f1 = g_build_filename(mine, "http-single-object.json", NULL), *f2 = g_build_filename(mine, "tiny.json", NULL);
    CU_ASSERT_TRUE(g_file_set_contents(f1, renamed, -1, NULL));
    CU_ASSERT_TRUE(g_file_set_contents(f2, renamed, -1, NULL));
    g_setenv("APPSIM_SCENARIOS", mine, TRUE);
    int rc = appsim(dir, (const char *[]){"run", "http-single-object", "-q", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    char *used = g_strdup_printf("using %s", f1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, used));
    char *summary = g_build_filename(dir, "results", "from-env", "summary.json", NULL);
    CU_ASSERT_TRUE(g_file_test(summary, G_FILE_TEST_IS_REGULAR));
    g_free(out);
    g_free(err);
    rc = appsim(dir, (const char *[]){"list", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    char *head = g_strdup_printf("shipped scenarios in %s/", mine);
    CU_ASSERT_TRUE(g_str_has_prefix(out, head));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  tiny "));
    g_free(out);
    g_free(err);
    g_unsetenv("APPSIM_SCENARIOS");
    g_free(head);
    g_free(summary);
    g_free(used);
    g_free(f1);
    g_free(f2);
    g_free(renamed);
    g_free(text);
    g_free(src);
    g_free(mine);
    g_free(dir);
}

static void test_list(void)
{
    char *dir = fresh_dir("list"), *out = NULL, *err = NULL;
    int rc = appsim(dir, (const char *[]){"list", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    char *head = g_strdup_printf("shipped scenarios in %s/", SHIPPED);
    CU_ASSERT_TRUE(g_str_has_prefix(out, head));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  http-single-object "));
    g_free(head);
    g_free(out);
    g_free(err);
    rc = appsim(dir, (const char *[]){"list", "--names", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "http-persistence\nhttp-single-object\n"));
    CU_ASSERT_PTR_NULL(strstr(out, ".json"));
    g_free(out);
    g_free(err);
    rc = appsim(dir, (const char *[]){"list", "extra", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 2);
    g_free(out);
    g_free(err);
    g_free(dir);
}

static void test_check_paths(void)
{
    char *dir = fresh_dir("paths"), *out = NULL, *err = NULL;
    int rc = appsim(dir, (const char *[]){"check", "--paths", "http-persistence", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nlinks.access.delay\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\napps.browser.mode\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "sweep"));
    CU_ASSERT_PTR_NULL(strstr(out, ".name\n"));
    /* Every path printed is one --set accepts. */
    gchar **paths = g_strsplit(out, "\n", -1);
    guint checked = 0;
    for (guint i = 0; paths[i]; i++) {
        if (!*paths[i] || !strcmp(paths[i], "name") || !strcmp(paths[i], "description"))
            continue;
        char *set = g_strdup_printf("%s=%s", paths[i], "{}"), *o2 = NULL, *e2 = NULL;
        appsim(dir, (const char *[]){"check", "http-persistence", "--set", set, NULL}, &o2, &e2);
        /* A wrong value is fine; an unknown path is not. */
        CU_ASSERT_PTR_NULL(strstr(e2, "there is no"));
        CU_ASSERT_PTR_NULL(strstr(e2, "is not an object or a list"));
        checked++;
        g_free(set);
        g_free(o2);
        g_free(e2);
    }
    CU_ASSERT_TRUE(checked >= 10);
    g_strfreev(paths);
    g_free(out);
    g_free(err);
    g_free(dir);
}

static void test_new(void)
{
    char *dir = fresh_dir("new"), *out = NULL, *err = NULL;
    int rc = appsim(dir, (const char *[]){"new", "mine", "--from", "http-persistence", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "mine.json"));
    g_free(out);
    g_free(err);
    char *path = g_build_filename(dir, "mine.json", NULL), *text = NULL, *orig = NULL;
    char *src = g_build_filename(SHIPPED, "http-persistence.json", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &text, NULL, NULL));
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(src, &orig, NULL, NULL));
    /* The copy is the original with "name" changed, byte for byte. */
    char *expect = scn_text_rename(orig, "mine", NULL);
    CU_ASSERT_STRING_EQUAL(text, expect);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"name\": \"mine\""));
    rc = appsim(dir, (const char *[]){"check", "mine.json", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    g_free(out);
    g_free(err);
    /* Again: refused, exit 2, the file unchanged. */
    CU_ASSERT_TRUE(g_file_set_contents(path, "{\"mine\": 1}", -1, NULL));
    rc = appsim(dir, (const char *[]){"new", "mine.json", "--from", "http-single-object", NULL}, &out, &err);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "never overwrites"));
    g_free(text);
    CU_ASSERT_TRUE(g_file_get_contents(path, &text, NULL, NULL));
    CU_ASSERT_STRING_EQUAL(text, "{\"mine\": 1}");
    g_free(out);
    g_free(err);
    /* Bad names, an unknown --from, a missing NAME: exit 2, nothing written. */
    const char *bad[][4] = {{"new", "../up", NULL}, {"new", "-x", NULL}, {"new", "a b", NULL},
                            {"new", "ok", "--from", "no-such-scenario"}, {"new", NULL}};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *args[5] = {bad[i][0], bad[i][1], bad[i][2], bad[i][3], NULL};
        rc = appsim(dir, args, &out, &err);
        CU_ASSERT_EQUAL(rc, 2);
        g_free(out);
        g_free(err);
    }
    char *ok = g_build_filename(dir, "ok.json", NULL);
    CU_ASSERT_FALSE(g_file_test(ok, G_FILE_TEST_EXISTS));
    g_free(ok);
    g_free(expect);
    g_free(orig);
    g_free(src);
    g_free(text);
    g_free(path);
    g_free(dir);
}

static void test_rename_text(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"{\"name\": \"a\", \"x\": 1}", "{\"name\": \"new\", \"x\": 1}"},
        /* Nested names and a string holding "name" are left alone. */
        {"{\"nodes\": [{\"name\": \"c\"}], \"d\": \"\\\"name\\\": \\\"q\\\"\", \"name\":\"z\"}",
         "{\"nodes\": [{\"name\": \"c\"}], \"d\": \"\\\"name\\\": \\\"q\\\"\", \"name\":\"new\"}"},
        /* A value "name" is not the key. */
        {"{\"k\": \"name\", \"name\" : \"z\" }", "{\"k\": \"name\", \"name\" : \"new\" }"},
        /* No name: one is inserted. */
        {"{\"x\": 1}", "{\n  \"name\": \"new\",\"x\": 1}"},
        {" {}", " {\n  \"name\": \"new\"}"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *got = scn_text_rename(cases[i].in, "new", NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        if (strcmp(got, cases[i].out))
            fprintf(stderr, "case %u: got %s\n", i, got);
        CU_ASSERT_STRING_EQUAL(got, cases[i].out);
        g_free(got);
    }
    GError *e = NULL;
    CU_ASSERT_PTR_NULL(scn_text_rename("[1]", "x", &e));
    CU_ASSERT_PTR_NOT_NULL(e);
    g_clear_error(&e);
    CU_ASSERT_PTR_NULL(scn_text_rename("{\"name\": ", "x", &e));
    g_clear_error(&e);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-shipped-XXXXXX", NULL);
    g_unsetenv("APPSIM_SCENARIOS");
    static const test_case tests[] = {
        TEST(test_run_by_name), TEST(test_file_before_name), TEST(test_unknown_name), TEST(test_env_folder_first),
        TEST(test_list),        TEST(test_check_paths),      TEST(test_new),          TEST(test_rename_text),
    };
    int rc = test_main("cli/shipped", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
