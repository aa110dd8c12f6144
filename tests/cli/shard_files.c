/* shard_files: see shard_files.h. */
#include "shard_files.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"

static gint by_name(gconstpointer x, gconstpointer y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The names in folder `dir`, sorted (NULL when it cannot be opened). */
static GPtrArray *names_of(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d)))
        g_ptr_array_add(names, g_strdup(n));
    g_dir_close(d);
    g_ptr_array_sort(names, by_name);
    return names;
}

static bool same_names(const GPtrArray *x, const GPtrArray *y)
{
    if (x->len != y->len)
        return false;
    for (guint i = 0; i < x->len; i++)
        if (strcmp(g_ptr_array_index(x, i), g_ptr_array_index(y, i)))
            return false;
    return true;
}

int shard_same_tree(const char *a, const char *b)
{
    GPtrArray *na = names_of(a), *nb = names_of(b);
    CU_ASSERT_PTR_NOT_NULL(na);
    CU_ASSERT_PTR_NOT_NULL(nb);
    int files = 0;
    if (na && nb && !same_names(na, nb)) {
        printf("\n    %s and %s hold different names\n", a, b);
        CU_FAIL("different names");
    }
    for (guint i = 0; na && nb && i < na->len; i++) {
        const char *n = g_ptr_array_index(na, i);
        char *pa = g_build_filename(a, n, NULL), *pb = g_build_filename(b, n, NULL);
        if (g_file_test(pa, G_FILE_TEST_IS_DIR)) {
            files += shard_same_tree(pa, pb);
        } else {
            gchar *ca = NULL, *cb = NULL;
            gsize la = 0, lb = 0;
            bool same = g_file_get_contents(pa, &ca, &la, NULL) && g_file_get_contents(pb, &cb, &lb, NULL) &&
                        la == lb && !memcmp(ca, cb, la);
            CU_ASSERT_TRUE(same);
            if (!same)
                printf("\n    %s differs\n", pa);
            files++;
            g_free(ca);
            g_free(cb);
        }
        g_free(pa);
        g_free(pb);
    }
    if (na)
        g_ptr_array_free(na, TRUE);
    if (nb)
        g_ptr_array_free(nb, TRUE);
    return files;
}

int shard_appsim(char **err, ...)
{
    GPtrArray *av = g_ptr_array_new();
    g_ptr_array_add(av, (gpointer)APPSIM);
    va_list ap;
    va_start(ap, err);
    const char *s;
    while ((s = va_arg(ap, const char *)))
        g_ptr_array_add(av, (gpointer)s);
    va_end(ap);
    g_ptr_array_add(av, NULL);
    int rc = test_spawn(NULL, (const char *const *)av->pdata, NULL, err);
    g_ptr_array_free(av, TRUE);
    return rc;
}
