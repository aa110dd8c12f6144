/* test_scenario: scenarios from JSON text in tests (see test_scenario.h). */
#include "test_scenario.h"

#include <CUnit/CUnit.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/registry.h"

scenario *test_load_text(const char *json, const app_registry *reg, char **msg)
{
    char *file = NULL;
    int fd = g_file_open_tmp("appsim-test-XXXXXX.json", &file, NULL);
    if (fd >= 0)
        close(fd);
    GError *err = NULL;
    scenario *sc = NULL;
    if (file && g_file_set_contents(file, json, -1, &err))
        sc = scenario_load(file, NULL, reg ? reg : appsim_registry(), &err);
    *msg = err ? g_strdup(err->message) : (sc ? NULL : g_strdup("no temporary file"));
    g_clear_error(&err);
    if (file)
        g_unlink(file);
    g_free(file);
    return sc;
}

void test_expect_load_error(const char *json, const app_registry *reg, const char *where, const char *what)
{
    char *msg = NULL;
    scenario *sc = test_load_text(json, reg, &msg);
    CU_ASSERT_PTR_NULL(sc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
    if (!strstr(msg, where) || !strstr(msg, what))
        printf("\n    unexpected error: %s\n", msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, where));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, what));
    if (sc)
        scenario_free(sc);
    g_free(msg);
}

char *test_read_file(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL), *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        text = NULL;
    g_free(path);
    return text;
}
