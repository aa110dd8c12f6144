/*
 * The shipped scenarios against their pinned figures.
 *
 * Every scenario under scenarios/ is run through the appsim program (-j 2)
 * and every figure of its summary.json is compared with the values pinned
 * in tests/world/golden/<name>.json: for each run, its trace fingerprint
 * (the digest of every trace record: exact) and every number and boolean
 * under "metrics", flattened to paths such as "cache_workload.hit_rate" or
 * "links[2].utilisation" (within a relative 1e-12, i.e. the same double up
 * to printing). A refactoring must leave all of them as they are.
 *
 * One allowance: a pinned figure that is null or 0 may be missing from the
 * new summary (an application type that is not in a scenario no longer
 * reports its empty figures); any other missing figure is a failure, and
 * so is a scenario without a golden file.
 *
 * Re-pinning, when a change is meant to change the figures: run this test
 * with APPSIM_REPIN=1 in the environment (for example
 * `APPSIM_REPIN=1 build/test_world_golden`). It then writes the golden
 * files from the current program instead of comparing, and fails, so that
 * a re-pin is never mistaken for a pass. Review `git diff tests/world/golden`
 * and say in the commit message why the figures moved.
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"
#define GOLDEN APPSIM_SOURCE_DIR "/tests/world/golden"

static char *tmp_root;

/* Flattens the numbers and booleans under `v` into `out` (path -> cJSON
 * copy), in document order. */
static void flatten(const cJSON *v, const char *path, cJSON *out)
{
    if (cJSON_IsObject(v)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            char *p = *path ? g_strdup_printf("%s.%s", path, it->string) : g_strdup(it->string);
            flatten(it, p, out);
            g_free(p);
        }
    } else if (cJSON_IsArray(v)) {
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            char *p = g_strdup_printf("%s[%d]", path, i++);
            flatten(it, p, out);
            g_free(p);
        }
    } else if (cJSON_IsNumber(v) || cJSON_IsBool(v) || cJSON_IsNull(v)) {
        cJSON_AddItemToObject(out, path, cJSON_Duplicate(v, true));
    }
}

/* The figures of a summary: [{"fingerprint": ..., "metrics": {path: value}}]. */
static cJSON *figures(const cJSON *summary)
{
    cJSON *runs = cJSON_CreateArray();
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(summary, "runs"))
    {
        cJSON *o = cJSON_CreateObject();
        const cJSON *fp = cJSON_GetObjectItem(r, "fingerprint");
        cJSON_AddStringToObject(o, "fingerprint", cJSON_IsString(fp) ? fp->valuestring : "");
        cJSON *m = cJSON_AddObjectToObject(o, "metrics");
        flatten(cJSON_GetObjectItem(r, "metrics"), "", m);
        cJSON_AddItemToArray(runs, o);
    }
    return runs;
}

static cJSON *run_scenario(const char *file, const char *name)
{
    char *dir = g_build_filename(tmp_root, name, NULL);
    const char *argv[] = {APPSIM, "run", file, "-o", dir, "-q", "-j", "2", NULL};
    char *out = NULL, *err = NULL;
    int rc = test_spawn(NULL, argv, &out, &err);
    if (rc != 0)
        printf("\n    %s: exit %d: %s", name, rc, err ? err : "");
    CU_ASSERT_EQUAL(rc, 0);
    char *sum = g_build_filename(dir, "summary.json", NULL), *text = NULL;
    cJSON *j = g_file_get_contents(sum, &text, NULL, NULL) ? cJSON_Parse(text) : NULL;
    g_free(text);
    g_free(sum);
    g_free(out);
    g_free(err);
    g_free(dir);
    return j;
}

static bool same_value(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) {
        double x = a->valuedouble, y = b->valuedouble;
        return x == y || fabs(x - y) <= 1e-12 * fabs(y);
    }
    if (cJSON_IsBool(a) && cJSON_IsBool(b))
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    return cJSON_IsNull(a) && cJSON_IsNull(b);
}

static bool empty_value(const cJSON *v)
{
    return cJSON_IsNull(v) || (cJSON_IsNumber(v) && v->valuedouble == 0) || cJSON_IsFalse(v);
}

/* Compares one scenario's figures with its golden ones; prints each
 * difference. Returns the number of differences. */
static int compare(const char *name, const cJSON *now, const cJSON *pinned)
{
    int diffs = 0;
    int n = cJSON_GetArraySize(pinned);
    if (cJSON_GetArraySize(now) != n) {
        printf("\n    %s: %d runs, pinned %d", name, cJSON_GetArraySize(now), n);
        return 1;
    }
    for (int k = 0; k < n; k++) {
        const cJSON *p = cJSON_GetArrayItem(pinned, k), *q = cJSON_GetArrayItem(now, k);
        const char *fp = cJSON_GetStringValue(cJSON_GetObjectItem(p, "fingerprint"));
        const char *fq = cJSON_GetStringValue(cJSON_GetObjectItem(q, "fingerprint"));
        if (!fp || !fq || strcmp(fp, fq)) {
            printf("\n    %s run %d: fingerprint %s, pinned %s", name, k, fq ? fq : "-", fp ? fp : "-");
            diffs++;
        }
        const cJSON *mp = cJSON_GetObjectItem(p, "metrics"), *mq = cJSON_GetObjectItem(q, "metrics");
        const cJSON *it;
        cJSON_ArrayForEach(it, mp)
        {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(mq, it->string);
            if (!v && empty_value(it))
                continue;
            if (!v || !same_value(v, it)) {
                char *a = v ? cJSON_PrintUnformatted(v) : NULL, *b = cJSON_PrintUnformatted(it);
                printf("\n    %s run %d: %s = %s, pinned %s", name, k, it->string, a ? a : "(missing)", b);
                cJSON_free(a);
                cJSON_free(b);
                diffs++;
            }
        }
    }
    return diffs;
}

/* g_ptr_array_sort hands the comparison pointers to the elements. */
static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_shipped_scenarios_match_golden(void)
{
    bool repin = g_getenv("APPSIM_REPIN") && *g_getenv("APPSIM_REPIN");
    GDir *d = g_dir_open(SHIPPED, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, ".json"))
            g_ptr_array_add(names, g_strndup(n, strlen(n) - 5));
    g_dir_close(d);
    g_ptr_array_sort(names, by_name);
    CU_ASSERT_TRUE(names->len >= 7);
    if (repin)
        g_mkdir_with_parents(GOLDEN, 0755);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        char *file = g_strdup_printf("%s/%s.json", SHIPPED, name);
        char *gfile = g_strdup_printf("%s/%s.json", GOLDEN, name);
        cJSON *sum = run_scenario(file, name);
        CU_ASSERT_PTR_NOT_NULL(sum);
        cJSON *now = sum ? figures(sum) : NULL;
        if (now && repin) {
            char *text = cJSON_Print(now);
            GString *s = g_string_new(text);
            g_string_append_c(s, '\n');
            CU_ASSERT_TRUE(g_file_set_contents(gfile, s->str, -1, NULL));
            g_string_free(s, TRUE);
            cJSON_free(text);
        } else if (now) {
            char *text = NULL;
            cJSON *pinned = g_file_get_contents(gfile, &text, NULL, NULL) ? cJSON_Parse(text) : NULL;
            if (!pinned)
                printf("\n    %s: no golden file %s (pin it with APPSIM_REPIN=1)", name, gfile);
            CU_ASSERT_PTR_NOT_NULL(pinned);
            if (pinned)
                CU_ASSERT_EQUAL(compare(name, now, pinned), 0);
            cJSON_Delete(pinned);
            g_free(text);
        }
        cJSON_Delete(now);
        cJSON_Delete(sum);
        g_free(gfile);
        g_free(file);
    }
    g_ptr_array_free(names, TRUE);
    if (repin) {
        printf("\n    golden files written under %s: review them and run again without APPSIM_REPIN", GOLDEN);
        CU_FAIL("re-pinned, not compared");
    }
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-golden-XXXXXX", NULL);
    static const test_case tests[] = {TEST(test_shipped_scenarios_match_golden)};
    int rc = test_main("world/golden", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
