/*
 * A run of a sweep can be reproduced on its own from what summary.json
 * says of it: its seed (written as an exact 64-bit integer, not a double
 * that loses digits) and its parameters. The test runs the shipped
 * http-persistence sweep, takes run 1's seed and parameters, runs the same
 * scenario without its sweep and compare axes with `--seed` and `--set`,
 * and finds the same trace fingerprint.
 *
 * And a --set of a path that a sweep or a compare case sets too is an
 * error that names the axis (it used to be overridden without a word).
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sim/sim_rng.h"
#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"

static char *tmp_root;

static char *read_text(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL), *text = NULL;
    g_file_get_contents(path, &text, NULL, NULL);
    g_free(path);
    return text;
}

static void test_run_of_a_sweep_reproduces(void)
{
    char *dir = g_build_filename(tmp_root, "sweep", NULL);
    const char *argv[] = {APPSIM, "run", SHIPPED "/http-persistence.json", "-o", dir, "-q", NULL};
    CU_ASSERT_EQUAL_FATAL(test_spawn(NULL, argv, NULL, NULL), 0);
    char *text = read_text(dir, "summary.json");
    cJSON *sum = text ? cJSON_Parse(text) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(sum, "runs"), 1);
    const cJSON *params = cJSON_GetObjectItem(run, "params");
    /* the seed of run 1, derived as the loader derives it, appears exactly */
    uint64_t seed = sim_seed_derive(1, "run:1");
    char *seed_text = g_strdup_printf("%" G_GUINT64_FORMAT, seed);
    char *seed_field = g_strdup_printf("\"seed\":\t%s,", seed_text);
    CU_ASSERT_TRUE(seed > (UINT64_C(1) << 53)); /* a double could not hold it */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, seed_field));
    /* the scenario without its sweep, run alone with that seed and those values */
    char *src = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(SHIPPED "/http-persistence.json", &src, NULL, NULL));
    cJSON *single = cJSON_Parse(src);
    cJSON_DeleteItemFromObject(single, "sweep");
    cJSON_DeleteItemFromObject(single, "compare");
    char *file = g_build_filename(tmp_root, "single.json", NULL), *out = g_build_filename(tmp_root, "single", NULL);
    char *js = cJSON_Print(single);
    g_file_set_contents(file, js, -1, NULL);
    GPtrArray *av = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(av, g_strdup(APPSIM));
    g_ptr_array_add(av, g_strdup("run"));
    g_ptr_array_add(av, g_strdup(file));
    g_ptr_array_add(av, g_strdup("-o"));
    g_ptr_array_add(av, g_strdup(out));
    g_ptr_array_add(av, g_strdup("-q"));
    g_ptr_array_add(av, g_strdup("--seed"));
    g_ptr_array_add(av, g_strdup(seed_text));
    const cJSON *p;
    cJSON_ArrayForEach(p, params)
    {
        g_ptr_array_add(av, g_strdup("--set"));
        g_ptr_array_add(av, g_strdup_printf("%s=%s", p->string, p->valuestring));
    }
    g_ptr_array_add(av, NULL);
    CU_ASSERT_EQUAL_FATAL(test_spawn(NULL, (const char *const *)av->pdata, NULL, NULL), 0);
    char *text2 = read_text(out, "summary.json");
    cJSON *sum2 = text2 ? cJSON_Parse(text2) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(sum2);
    const cJSON *run0 = cJSON_GetArrayItem(cJSON_GetObjectItem(sum2, "runs"), 0);
    const char *f1 = cJSON_GetStringValue(cJSON_GetObjectItem(run, "fingerprint"));
    const char *f2 = cJSON_GetStringValue(cJSON_GetObjectItem(run0, "fingerprint"));
    printf("\n    run 1 (seed %s): %s\n    alone:             %s", seed_text, f1 ? f1 : "-", f2 ? f2 : "-");
    CU_ASSERT_TRUE(f1 && f2 && !strcmp(f1, f2));
    CU_ASSERT_PTR_NOT_NULL(strstr(text2, seed_field));
    cJSON_Delete(sum2);
    g_free(text2);
    g_ptr_array_free(av, TRUE);
    cJSON_free(js);
    cJSON_Delete(single);
    g_free(src);
    g_free(file);
    g_free(out);
    g_free(seed_field);
    g_free(seed_text);
    cJSON_Delete(sum);
    g_free(text);
    g_free(dir);
}

static void test_set_of_a_swept_path_is_an_error(void)
{
    char *err = NULL;
    const char *argv[] = {APPSIM, "check", SHIPPED "/http-persistence.json", "--set", "links.access.delay=5ms", NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, argv, NULL, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "--set links.access.delay: $.sweep[0] of "));
    g_free(err);
    err = NULL;
    const char *argv2[] = {APPSIM, "check", SHIPPED "/http-persistence.json", "--set", "apps.browser.mode=pipelined", NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, argv2, NULL, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "--set apps.browser.mode: $.compare of "));
    g_free(err);
    err = NULL;
    /* a case's "set" counts too */
    const char *argv3[] = {APPSIM, "check", SHIPPED "/cache-access-link.json", "--set", "links.access.rate=1Mbps", NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, argv3, NULL, &err), 2);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "$.sweep[0]"));
    g_free(err);
    /* a path no axis sets is fine */
    const char *argv4[] = {APPSIM, "check", SHIPPED "/http-persistence.json", "--set", "links.access.rate=5Mbps", NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, argv4, NULL, NULL), 0);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-repro-XXXXXX", NULL);
    static const test_case tests[] = {TEST(test_run_of_a_sweep_reproduces), TEST(test_set_of_a_swept_path_is_an_error)};
    int rc = test_main("cli/reproduce", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
