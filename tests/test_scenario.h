/*
 * test_scenario: loading scenarios from JSON text in tests, written once
 * for the suites of the application types (the file goes to a temporary
 * place and is removed after loading).
 */
#ifndef APPSIM_TESTS_TEST_SCENARIO_H
#define APPSIM_TESTS_TEST_SCENARIO_H

#include "world/scenario.h"

/* Loads `json` with `reg` (NULL: appsim's registry). The scenario, or NULL
 * with *msg set to the error's message (the caller frees it). */
scenario *test_load_text(const char *json, const app_registry *reg, char **msg);
/* Asserts that `json` fails to load with a message that holds both
 * fragments (printed when it does not). */
void test_expect_load_error(const char *json, const app_registry *reg, const char *where, const char *what);
/* The whole file dir/name, or NULL when it cannot be read. */
char *test_read_file(const char *dir, const char *name);

#endif
