/*
 * Regression tests for what the fuzz targets found in protocols/http/:
 * - html_links (fuzz/html_links.c): an attribute value starting with a NUL
 *   byte was returned as an empty reference (the copy ends at the NUL),
 *   which a browser would have resolved to the page itself;
 * - http_date (fuzz/http_date.c): a date whose numbers were too long for
 *   an int (an asctime year of thirteen digits) overflowed sscanf's
 *   conversion, which C leaves undefined, and gave a year that
 *   http_format_date could not write in its 29 characters, so a date read
 *   and written again did not read back.
 */
#include <glib.h>
#include <string.h>

#include "protocols/http/html_links.h"
#include "protocols/http/http_server.h"
#include "test_util.h"

/* The objects of `len` bytes of `html` (which may hold NULs), scanned from
 * an exact-size copy. */
static GPtrArray *objects(const char *html, size_t len)
{
    char *copy = g_memdup2(html, len);
    GPtrArray *found = html_find_objects(copy, len);
    g_free(copy);
    return found;
}

static void test_value_starting_with_nul(void)
{
    /* The input the fuzzer found: an unquoted href of NULs. */
    static const char page[] = "<link href=\n\0\0\0\0\0\0\0img src=y.gifg";
    GPtrArray *found = objects(page, sizeof page - 1);
    CU_ASSERT_EQUAL(found->len, 0);
    g_ptr_array_unref(found);

    static const char quoted[] = "<img src=\"\0x.gif\"><img src=\"a\0b\"><script src='s.js'>";
    found = objects(quoted, sizeof quoted - 1);
    CU_ASSERT_EQUAL_FATAL(found->len, 2);
    CU_ASSERT_STRING_EQUAL(g_ptr_array_index(found, 0), "a");
    CU_ASSERT_STRING_EQUAL(g_ptr_array_index(found, 1), "s.js");
    g_ptr_array_unref(found);
}

/* Whether `text` parses, formats and parses back to the same instant. */
static bool round_trips(const char *text)
{
    int64_t t = http_parse_date(text);
    char buf[30];
    http_format_date(t, buf);
    return http_parse_date(buf) == t;
}

static void test_dates_with_long_numbers(void)
{
    /* The input the fuzzer found. */
    CU_ASSERT_EQUAL(http_parse_date("Sun Nov6 0:4:7 1994888888888:88:5"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sun Nov  6 08:49:37 19940"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sun, 06 Nov 19940 08:49:37 GMT"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sun, 06 Nov 99999999999 08:49:37 GMT"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sunday, 06-Nov-1994888 08:49:37 GMT"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sun, 0000000006 Nov 1994 08:49:37 GMT"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Sun, 06 Nov 1994 0000000008:49:37 GMT"), -1);
    /* Four-digit years still read, the last one included. */
    CU_ASSERT_EQUAL(http_parse_date("Sun Nov  6 08:49:37 1994"), 784111777);
    CU_ASSERT_EQUAL(http_parse_date("Fri, 31 Dec 9999 23:59:59 GMT"), INT64_C(253402300799));
    CU_ASSERT_TRUE(round_trips("Fri, 31 Dec 9999 23:59:59 GMT"));
    CU_ASSERT_TRUE(round_trips("Sat, 01 Jan 0000 00:00:00 GMT"));
    CU_ASSERT_TRUE(round_trips("Mon, 31 Feb 2000 23:59:60 GMT"));
    /* a leap second at the end of 9999 would be in the year 10000 (a fuzzer's finding) */
    CU_ASSERT_EQUAL(http_parse_date("Fri, 31 Dec 9999 23:59:60 GMT"), -1);
    CU_ASSERT_EQUAL(http_parse_date("Friday, 31-Dec-9999 23:59:60 GMT"), -1);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_value_starting_with_nul),
        TEST(test_dates_with_long_numbers),
    };
    return test_main("protocols/http/fuzz_http", tests, G_N_ELEMENTS(tests));
}
