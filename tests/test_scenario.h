/*
 * test_scenario: loading and running scenarios in tests, written once for
 * the suites of the application types: from JSON text (the file goes to a
 * temporary place and is removed after loading) or from a file, one run
 * of a loaded scenario, `appsim run` twice to compare its outputs, and
 * an application type's dialogue read at a chunk size.
 * The helpers that end the test on a failure (CU_ASSERT_*_FATAL) say so.
 */
#ifndef APPSIM_TESTS_TEST_SCENARIO_H
#define APPSIM_TESTS_TEST_SCENARIO_H

#include <glib.h>

#include "world/scenario.h"
#include "world/world.h"

/* Loads `json` with `reg` (NULL: appsim's registry). The scenario, or NULL
 * with *msg set to the error's message (the caller frees it). */
scenario *test_load_text(const char *json, const app_registry *reg, char **msg);
/* Asserts that `json` fails to load with a message that holds both
 * fragments (printed when it does not). */
void test_expect_load_error(const char *json, const app_registry *reg, const char *where, const char *what);
/* The whole file dir/name, or NULL when it cannot be read. */
char *test_read_file(const char *dir, const char *name);

/* Loads `json` with appsim's registry; ends the test (the error printed)
 * when it does not load. */
scenario *test_load_ok(const char *json);
/* Loads the scenario file `file` with the --set assignments `sets`
 * (NULL-terminated, or NULL) and appsim's registry; ends the test (the
 * error printed) when it does not load. */
scenario *test_load_file(const char *file, const char *const *sets);
/* Run k of a loaded scenario with appsim's registry (the caller frees the
 * result); ends the test (the error printed) when it cannot run. */
run_result *test_run(scenario *sc, guint k);

/* Two runs of `appsim run` into two folders of a temporary one. */
typedef struct {
    char *root, *one, *two;
} test_twice;

/* Runs `APPSIM run FILE -o DIR --quiet EXTRA...` (extra NULL-terminated,
 * or NULL) with DIR t->one, then t->two, asserting that both exit 0,
 * that every file named in `want` (NULL-terminated, or NULL) is in
 * t->one, and that every file of t->one is in t->two with the same bytes
 * (test_same_files). Returns how many files were compared; the caller may
 * read t->one, then calls test_twice_clear. */
int test_run_twice(test_twice *t, const char *appsim, const char *file, const char *const *extra,
                   const char *const *want);
/* Removes the folders of test_run_twice and frees the names. */
void test_twice_clear(test_twice *t);

/* The messages dialogue `d` reads from one direction (`client`: what the
 * client sends) of `bytes`, fed `chunk` bytes at a time, as one text:
 * each head as it is, "[N]" for a body of N bytes (a body may come in
 * several pieces at small chunk sizes), "|" at a message's end. Like the
 * transcript, it calls feed until it asks for more bytes. A new string. */
char *test_dialogue_text(const app_dialogue *d, bool client, const char *bytes, size_t chunk);

#endif
