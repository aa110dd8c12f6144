/*
 * Regression tests for what the fuzz target units (fuzz/units.c) found in
 * world/units.c:
 * - a number without a unit ("01") made units_size read one byte past the
 *   end of the string (it compared the text after the unit's first
 *   character, and an empty unit has none);
 * - a size from 2^63 bytes up to the limit of 1.8 * 10^19 came back as
 *   2^63 whatever it was, since llround cannot return more than
 *   LLONG_MAX.
 * Every string is a heap copy of exactly its size, so that a read past its
 * end is caught by the ASan build of the suite.
 */
#include <glib.h>
#include <stdint.h>

#include "test_util.h"
#include "world/units.h"

/* units_size on an exact-size heap copy of `text`. */
static bool size_of(const char *text, uint64_t *bytes)
{
    char *copy = g_strdup(text);
    bool ok = units_size(copy, bytes);
    g_free(copy);
    return ok;
}

static void test_number_without_unit(void)
{
    uint64_t b = 0;
    CU_ASSERT_FALSE(size_of("01", &b));
    CU_ASSERT_FALSE(size_of("1", &b));
    CU_ASSERT_FALSE(size_of(" 7 ", &b));
    CU_ASSERT_TRUE(size_of("1B", &b));
    CU_ASSERT_EQUAL(b, 1);
    CU_ASSERT_TRUE(size_of("8Kbit", &b));
    CU_ASSERT_EQUAL(b, 1000);
}

static void test_sizes_above_2_to_the_63(void)
{
    uint64_t b = 0;
    CU_ASSERT_TRUE(size_of("1e19B", &b));
    CU_ASSERT_EQUAL(b, UINT64_C(10000000000000000000));
    CU_ASSERT_TRUE(size_of("9223372036854775808B", &b));
    CU_ASSERT_EQUAL(b, UINT64_C(9223372036854775808));
    CU_ASSERT_TRUE(size_of("18000000000000000000B", &b));
    CU_ASSERT_EQUAL(b, UINT64_C(18000000000000000000));
    CU_ASSERT_FALSE(size_of("10EB", &b));
    CU_ASSERT_FALSE(size_of("1.9e19B", &b));
    /* Below 2^63 nothing changed: halves still round away from zero. */
    CU_ASSERT_TRUE(size_of("1000000.5B", &b));
    CU_ASSERT_EQUAL(b, 1000001);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_number_without_unit),
        TEST(test_sizes_above_2_to_the_63),
    };
    return test_main("world/fuzz_units", tests, G_N_ELEMENTS(tests));
}
