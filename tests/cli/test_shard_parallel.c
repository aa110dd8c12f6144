/*
 * The recipe of docs/scaling.md for one machine: GNU parallel runs the
 * three shards of the shipped http-persistence sweep as parallel jobs
 * (`parallel appsim run FILE --shard {}/3 -o part{} ::: 0 1 2`), appsim
 * merge joins them, and every file is the one `appsim run -j 1` writes.
 * Skipped (exit 77) without GNU parallel (Debian package parallel); CI,
 * where it is installed, takes a skip for a failure.
 */
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "shard_files.h"
#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define PERSIST APPSIM_SOURCE_DIR "/scenarios/http-persistence.json"

static char *tmp_root;

/* Whether `prog` is GNU parallel (moreutils has a parallel of its own). */
static bool is_gnu_parallel(const char *prog)
{
    char *out = NULL;
    const char *argv[] = {prog, "--version", NULL};
    bool gnu = test_spawn(NULL, argv, &out, NULL) == 0 && out && strstr(out, "GNU parallel");
    g_free(out);
    return gnu;
}

static void test_gnu_parallel_runs_the_shards(void)
{
    char *prog = g_find_program_in_path("parallel");
    if (!prog || !is_gnu_parallel(prog)) {
        test_skip("GNU parallel is not installed (apt-get install parallel)");
        g_free(prog);
        return;
    }
    char *part = g_build_filename(tmp_root, "part{}", NULL), *one = g_build_filename(tmp_root, "one", NULL);
    char *merged = g_build_filename(tmp_root, "merged", NULL);
    /* -q: each argument quoted as it is; --halt: a failed shard fails the whole */
    const char *argv[] = {prog, "--will-cite", "-q", "-j", "3", "--halt", "now,fail=1",
                          APPSIM, "run", PERSIST, "--shard", "{}/3", "-q", "-j", "1", "-o", part,
                          ":::", "0", "1", "2", NULL};
    char *out = NULL, *err = NULL;
    int rc = test_spawn(NULL, argv, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        printf("\n    parallel: exit %d\n%s%s", rc, out ? out : "", err ? err : "");
    g_free(out);
    g_free(err);
    char *p[3];
    for (guint k = 0; k < 3; k++) {
        char *name = g_strdup_printf("part%u", k);
        p[k] = g_build_filename(tmp_root, name, NULL);
        g_free(name);
    }
    CU_ASSERT_EQUAL(shard_appsim(NULL, "merge", p[0], p[1], p[2], "-o", merged, NULL), 0);
    CU_ASSERT_EQUAL(shard_appsim(NULL, "run", PERSIST, "-q", "-j", "1", "-o", one, NULL), 0);
    int files = shard_same_tree(one, merged);
    printf("\n    %d files the same", files);
    CU_ASSERT_TRUE(files >= 10);
    for (guint k = 0; k < 3; k++)
        g_free(p[k]);
    g_free(part);
    g_free(one);
    g_free(merged);
    g_free(prog);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-parallel-XXXXXX", NULL);
    static const test_case tests[] = {TEST(test_gnu_parallel_runs_the_shards)};
    int rc = test_main("cli/shard_parallel", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
