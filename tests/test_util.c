/* test_util: suite registration, relative-tolerance assertions, spawning and temporary folders. */
#include "test_util.h"

#include <CUnit/Basic.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static unsigned skipped;

void test_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    printf("\n    SKIP: %s", why);
    g_free(why);
    skipped++;
}

int test_main(const char *suite, const test_case *tests, int count)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    /* APPSIM_TEST=name runs only the tests whose name contains it. */
    const char *only = getenv("APPSIM_TEST");
    int added = 0;
    for (int i = 0; i < count; i++) {
        if (only && *only && !strstr(tests[i].name, only))
            continue;
        CU_add_test(s, tests[i].name, tests[i].fn);
        added++;
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    printf("\n");
    if (failed || ran != (unsigned)added)
        return 1;
    if (added == 0) {
        printf("%s: no test ran (APPSIM_TEST=%s matches none)\n", suite, only ? only : "");
        return 1;
    }
    if (skipped) {
        bool ci = getenv("CI") && *getenv("CI");
        printf("%s: %u check%s skipped%s\n", suite, skipped, skipped == 1 ? "" : "s",
               ci ? ": a failure in CI, where every peer is installed" : "");
        return ci ? 1 : TEST_SKIP_CODE;
    }
    return 0;
}

void test_assert_rel(double actual, double expected, double rel, const char *what,
                     const char *file, int line)
{
    double err = fabs(actual - expected);
    int ok = err <= rel * fabs(expected);
    if (!ok)
        fprintf(stderr, "%s:%d: %s = %.9g, expected %.9g within %.4g%% (off by %.4g%%)\n", file,
                line, what, actual, expected, rel * 100, expected ? 100 * err / fabs(expected) : 0);
    CU_assertImplementation(ok, (unsigned)line, "relative tolerance", file, "", CU_FALSE);
}

int test_spawn(const char *cwd, const char *const *argv, char **out, char **err)
{
    int st = -1;
    GError *e = NULL;
    if (!g_spawn_sync(cwd, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &st, &e)) {
        fprintf(stderr, "spawn %s: %s\n", argv[0], e->message);
        g_error_free(e);
        return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int test_same_files(const char *a, const char *b)
{
    GDir *d = g_dir_open(a, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL(d);
    if (!d)
        return 0;
    int files = 0;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        char *pa = g_build_filename(a, name, NULL), *pb = g_build_filename(b, name, NULL);
        gchar *ca = NULL, *cb = NULL;
        gsize la = 0, lb = 0;
        if (g_file_get_contents(pa, &ca, &la, NULL)) {
            files++;
            bool same = g_file_get_contents(pb, &cb, &lb, NULL) && la == lb && !memcmp(ca, cb, la);
            CU_ASSERT_TRUE(same);
            if (!same)
                printf("\n    %s differs\n", name);
        }
        g_free(ca);
        g_free(cb);
        g_free(pa);
        g_free(pb);
    }
    g_dir_close(d);
    return files;
}

void test_remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            char *p = g_build_filename(path, name, NULL);
            if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
                test_remove_tree(p);
            else
                g_unlink(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(path);
}
