/*
 * Tests of plots/figures' file names for the cases of a plan
 * (figures_case_slugs): lower case, letters and digits kept, every run
 * of other bytes one '-', none at either end, a bounded length, and
 * "-2", "-3"... after a slug an earlier case took.
 */
#include <glib.h>
#include <string.h>

#include "plots/figures.h"
#include "test_util.h"

/* The slugs of `labels` must be `expected`, in order. */
static void expect_slugs(const char *const *labels, const char *const *expected, guint n)
{
    gchar **s = figures_case_slugs(labels, n);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(s), n);
    for (guint i = 0; i < n; i++) {
        if (strcmp(s[i], expected[i]))
            printf("\n    \"%s\": got \"%s\", expected \"%s\"", labels[i], s[i], expected[i]);
        CU_ASSERT_STRING_EQUAL(s[i], expected[i]);
    }
    g_strfreev(s);
}

static void test_same_slug_twice(void)
{
    static const char *const labels[] = {"A b", "a-b", "A  B", "a-b-2"};
    static const char *const slugs[] = {"a-b", "a-b-2", "a-b-3", "a-b-2-2"};
    expect_slugs(labels, slugs, 4);
}

static void test_shipped_labels(void)
{
    static const char *const labels[] = {"iterative", "recursive", "TLD cached", "zone cached", "all cached"};
    static const char *const slugs[] = {"iterative", "recursive", "tld-cached", "zone-cached", "all-cached"};
    expect_slugs(labels, slugs, 5);
}

static void test_other_bytes(void)
{
    /* punctuation at the ends goes, runs of it in the middle are one '-',
     * bytes of UTF-8 are other bytes, and nothing left gives "case" */
    static const char *const labels[] = {"(cold) -- 1/2 ", "\xc3\x89t\xc3\xa9 2", "!!", "\xe2\x80\x94", "x_y.z"};
    static const char *const slugs[] = {"cold-1-2", "t-2", "case", "case-2", "x-y-z"};
    expect_slugs(labels, slugs, 5);
}

static void test_long_labels(void)
{
    /* a label of 1,000 bytes (the most a label may have) gives a file
     * name of at most FIGURES_SLUG_MAX bytes, never ending in '-' */
    GString *l = g_string_new("");
    for (int i = 0; i < 200; i++)
        g_string_append(l, "ab c ");
    const char *labels[] = {l->str, l->str};
    gchar **s = figures_case_slugs(labels, 2);
    CU_ASSERT_TRUE(strlen(s[0]) <= FIGURES_SLUG_MAX && strlen(s[0]) >= FIGURES_SLUG_MAX - 4);
    CU_ASSERT_TRUE(g_str_has_prefix(s[0], "ab-c-ab-c-"));
    CU_ASSERT_FALSE(g_str_has_suffix(s[0], "-"));
    char *second = g_strdup_printf("%s-2", s[0]);
    CU_ASSERT_STRING_EQUAL(s[1], second);
    g_free(second);
    g_strfreev(s);
    g_string_free(l, TRUE);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_same_slug_twice),
        TEST(test_shipped_labels),
        TEST(test_other_bytes),
        TEST(test_long_labels),
    };
    return test_main("plots/figures", tests, (int)G_N_ELEMENTS(tests));
}
