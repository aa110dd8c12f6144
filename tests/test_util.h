/*
 * test_util: the common runner of appsim's CUnit suites.
 *
 * Each test program lists its tests in a table and calls test_main(), which
 * registers them as one suite, runs them in CUnit's basic mode (a line per
 * failure and the summary) and returns non-zero when any assertion failed,
 * so that ctest sees the failure. APPSIM_TEST=part-of-a-name in the
 * environment runs only the matching tests; a suite in which no test ran
 * (a name that matches nothing) fails.
 *
 * Skips: a test whose peer is missing (curl, python3, tshark, gnuplot)
 * calls test_skip() and returns. The suite then exits with
 * TEST_SKIP_CODE (77), which ctest reports as "Skipped" (the build sets
 * SKIP_RETURN_CODE), unless something failed. With CI set in the
 * environment, where every peer is installed, a skip is a failure.
 */
#ifndef APPSIM_TEST_UTIL_H
#define APPSIM_TEST_UTIL_H

#include <CUnit/CUnit.h>
#include <math.h>

typedef struct {
    const char *name;
    void (*fn)(void);
} test_case;

#define TEST(fn) {#fn, fn}

#define TEST_SKIP_CODE 77

int test_main(const char *suite, const test_case *tests, int count);

/* Records that (part of) the running test could not run, and why. */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a program (argv[0] a path, NULL-terminated) in `cwd` (NULL: here),
 * collecting its stdout and stderr (new strings, may be NULL). Returns its
 * exit status, or -1 when it could not run or was killed. */
int test_spawn(const char *cwd, const char *const *argv, char **out, char **err);

/* Removes a folder and everything in it (for the tests' temporary folders). */
void test_remove_tree(const char *path);

/* Asserts that every file of folder `a` is in folder `b` with the same
 * bytes (naming each one that differs); returns how many files were
 * compared (sub-folders are not entered). */
int test_same_files(const char *a, const char *b);

/* Asserts |actual - expected| <= rel * |expected|, printing both on failure. */
#define ASSERT_REL(actual, expected, rel)                                                          \
    test_assert_rel((actual), (expected), (rel), #actual, __FILE__, __LINE__)
void test_assert_rel(double actual, double expected, double rel, const char *what,
                     const char *file, int line);

#endif
