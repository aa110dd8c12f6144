/*
 * A run that reaches max_time before its applications are done is not a
 * result: it is reported as truncated (in the table, as the run's
 * "failed" reason in summary.json with max_time_reached and the number of
 * applications not done) and `appsim run` exits 1. Before, such a run was
 * cut silently and reported like any other.
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <string.h>

#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"

static void test_truncated_run_fails(void)
{
    char *tmp = g_dir_make_tmp("appsim-trunc-XXXXXX", NULL);
    char *dir = g_build_filename(tmp, "out", NULL);
    char *out = NULL, *err = NULL;
    /* one 10 kB object needs 0.286 s; stop the world at 0.1 s */
    const char *argv[] = {APPSIM, "run", SHIPPED "/http-single-object.json", "--set", "max_time=0.1s", "-o", dir, "-q",
                          NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, argv, &out, &err), 1);
    CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "truncated: max_time (0.1 s) came with 1 application not done"));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "run 0 failed: truncated"));
    char *path = g_build_filename(dir, "summary.json", NULL), *text = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &text, NULL, NULL));
    cJSON *sum = cJSON_Parse(text);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(sum, "runs"), 0);
    CU_ASSERT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(run, "max_time_reached")));
    CU_ASSERT_EQUAL(cJSON_GetNumberValue(cJSON_GetObjectItem(run, "unfinished_applications")), 1);
    const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(run, "failed"));
    CU_ASSERT_PTR_NOT_NULL(why && strstr(why, "truncated"));
    /* the same scenario with time enough: no note, exit 0 */
    g_free(out);
    g_free(err);
    out = err = NULL;
    const char *argv2[] = {APPSIM, "run", SHIPPED "/http-single-object.json", "-o", dir, "-q", NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, argv2, &out, &err), 0);
    CU_ASSERT_PTR_NULL(out && strstr(out, "truncated"));
    cJSON_Delete(sum);
    g_free(text);
    g_free(path);
    g_free(out);
    g_free(err);
    test_remove_tree(tmp);
    g_free(dir);
    g_free(tmp);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_truncated_run_fails)};
    return test_main("cli/truncation", tests, G_N_ELEMENTS(tests));
}
