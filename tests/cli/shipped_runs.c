/*
 * shipped_runs: see shipped_runs.h.
 */
#include "shipped_runs.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>

#include "test_util.h"

#define APPSIM_PROGRAM APPSIM_BINARY_DIR "/appsim"
#define SHIPPED_DIR APPSIM_SOURCE_DIR "/scenarios"

static char *root;

void shipped_set_root(const char *r)
{
    g_free(root);
    root = g_strdup(r);
}

cJSON *shipped_run_out(const char *name, const char *tag, const char *const *extra, char **stdout_text)
{
    char *file = g_strdup_printf("%s/%s.json", SHIPPED_DIR, name);
    char *dir = g_strdup_printf("%s/%s%s", root, name, tag);
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, APPSIM_PROGRAM);
    g_ptr_array_add(argv, "run");
    g_ptr_array_add(argv, file);
    g_ptr_array_add(argv, "-o");
    g_ptr_array_add(argv, dir);
    g_ptr_array_add(argv, "-q");
    for (const char *const *e = extra; e && *e; e++)
        g_ptr_array_add(argv, (char *)*e);
    g_ptr_array_add(argv, NULL);
    char *out = NULL, *err = NULL;
    int rc = test_spawn(NULL, (const char *const *)argv->pdata, &out, &err);
    if (rc != 0)
        printf("\n    %s: exit %d: %s", name, rc, err);
    CU_ASSERT_EQUAL(rc, 0);
    char *sum = g_build_filename(dir, "summary.json", NULL), *text = NULL;
    cJSON *j = g_file_get_contents(sum, &text, NULL, NULL) ? cJSON_Parse(text) : NULL;
    g_free(text);
    g_free(sum);
    if (stdout_text)
        *stdout_text = out;
    else
        g_free(out);
    g_free(err);
    g_ptr_array_free(argv, TRUE);
    g_free(dir);
    g_free(file);
    return j;
}

cJSON *shipped_run(const char *name, const char *tag, const char *const *extra)
{
    return shipped_run_out(name, tag, extra, NULL);
}

const cJSON *shipped_metrics(const cJSON *sum, int k)
{
    const cJSON *runs = cJSON_GetObjectItem(sum, "runs");
    return cJSON_GetObjectItem(cJSON_GetArrayItem(runs, k), "metrics");
}

double shipped_metric(const cJSON *sum, int k, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(shipped_metrics(sum, k), name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

double shipped_metric_at(const cJSON *sum, int k, const char *path)
{
    const cJSON *v = shipped_metrics(sum, k);
    gchar **parts = g_strsplit(path, ".", 0);
    for (int i = 0; parts[i] && v; i++)
        v = cJSON_GetObjectItem(v, parts[i]);
    g_strfreev(parts);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *shipped_param(const cJSON *sum, int k, const char *path)
{
    const cJSON *runs = cJSON_GetObjectItem(sum, "runs");
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(runs, k), "params"), path);
    return cJSON_IsString(v) ? v->valuestring : "";
}
