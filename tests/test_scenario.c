/* test_scenario: loading and running scenarios in tests (see test_scenario.h). */
#include "test_scenario.h"

#include <CUnit/CUnit.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/registry.h"
#include "test_util.h"

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

scenario *test_load_ok(const char *json)
{
    char *msg = NULL;
    scenario *sc = test_load_text(json, NULL, &msg);
    if (!sc)
        printf("\n    %s\n", msg);
    g_free(msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    return sc;
}

scenario *test_load_file(const char *file, const char *const *sets)
{
    GError *err = NULL;
    scenario *sc = scenario_load(file, sets, appsim_registry(), &err);
    if (!sc)
        printf("\n    %s\n", err->message);
    g_clear_error(&err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    return sc;
}

run_result *test_run(scenario *sc, guint k)
{
    GError *err = NULL;
    scn_run *r = scenario_run(sc, k, &err);
    if (!r)
        printf("\n    run %u: %s\n", k, err->message);
    g_clear_error(&err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    run_result *res = world_run(r, appsim_registry(), k, NULL, &err);
    scn_run_free(r);
    if (!res)
        printf("\n    run %u: %s\n", k, err->message);
    g_clear_error(&err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    return res;
}

int test_run_twice(test_twice *t, const char *appsim, const char *file, const char *const *extra,
                   const char *const *want)
{
    t->root = g_dir_make_tmp("appsim-twice-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->root);
    t->one = g_build_filename(t->root, "one", NULL);
    t->two = g_build_filename(t->root, "two", NULL);
    const char *dirs[2] = {t->one, t->two};
    for (int k = 0; k < 2; k++) {
        GPtrArray *argv = g_ptr_array_new();
        const char *head[] = {appsim, "run", file, "-o", dirs[k], "--quiet"};
        for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
            g_ptr_array_add(argv, (gpointer)head[i]);
        for (const char *const *e = extra; e && *e; e++)
            g_ptr_array_add(argv, (gpointer)*e);
        g_ptr_array_add(argv, NULL);
        char *out = NULL, *err = NULL;
        int code = test_spawn(NULL, (const char *const *)argv->pdata, &out, &err);
        CU_ASSERT_EQUAL(code, 0);
        if (code != 0)
            printf("\n    appsim run %s: exit %d: %s\n", file, code, err ? err : "");
        g_free(out);
        g_free(err);
        g_ptr_array_free(argv, TRUE);
    }
    for (const char *const *w = want; w && *w; w++) {
        char *path = g_build_filename(t->one, *w, NULL);
        bool there = g_file_test(path, G_FILE_TEST_IS_REGULAR);
        CU_ASSERT_TRUE(there);
        if (!there)
            printf("\n    %s: no %s\n", file, *w);
        g_free(path);
    }
    return test_same_files(t->one, t->two);
}

void test_twice_clear(test_twice *t)
{
    if (t->root)
        test_remove_tree(t->root);
    g_free(t->one);
    g_free(t->two);
    g_free(t->root);
    t->root = t->one = t->two = NULL;
}

char *test_dialogue_text(const app_dialogue *d, bool client, const char *bytes, size_t chunk)
{
    void *p = d->new(client);
    GString *out = g_string_new("");
    size_t len = strlen(bytes), off = 0;
    while (off < len) {
        size_t n = MIN(chunk, len - off), used = 0;
        for (;;) {
            app_dlg_event ev = {0};
            used += d->feed(p, (const uint8_t *)bytes + off + used, n - used, &ev);
            if (ev.kind == APP_DLG_NEED_MORE)
                break;
            if (ev.kind == APP_DLG_HEAD) {
                g_string_append(out, ev.head);
                g_free(ev.head);
            } else if (ev.kind == APP_DLG_BODY) {
                g_string_append_printf(out, "[%" G_GUINT64_FORMAT "]", ev.body);
            } else if (ev.kind == APP_DLG_END) {
                g_string_append(out, "|");
            }
        }
        off += n;
    }
    d->free(p);
    return g_string_free(out, FALSE);
}
