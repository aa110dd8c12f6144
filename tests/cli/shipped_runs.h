/*
 * shipped_runs: running a shipped scenario (scenarios/<name>.json) through
 * the appsim program into a temporary folder, and reading figures out of
 * its summary.json, for the suites of tests/cli.
 *
 * Ownership: the summaries returned are the caller's (cJSON_Delete); the
 * root folder is the caller's too.
 */
#ifndef APPSIM_TESTS_SHIPPED_RUNS_H
#define APPSIM_TESTS_SHIPPED_RUNS_H

#include <cjson/cJSON.h>

/* The folder runs go under (<root>/<name><tag>); set it first. */
void shipped_set_root(const char *root);
/* Runs scenarios/<name>.json quietly with `extra` arguments (NULL-ended,
 * may be NULL) into <root>/<name><tag>, asserting exit status 0; returns
 * its summary.json (NULL when missing) and, when `stdout_text` is not
 * NULL, what it printed (the caller frees). */
cJSON *shipped_run_out(const char *name, const char *tag, const char *const *extra, char **stdout_text);
cJSON *shipped_run(const char *name, const char *tag, const char *const *extra);
/* The "metrics" object of run k. */
const cJSON *shipped_metrics(const cJSON *sum, int k);
/* A top-level figure of run k's metrics, NaN when absent. */
double shipped_metric(const cJSON *sum, int k, const char *name);
/* A dotted figure of run k's metrics ("dns.messages"), NaN when absent. */
double shipped_metric_at(const cJSON *sum, int k, const char *path);
/* Run k's value of a sweep parameter, "" when absent. */
const char *shipped_param(const cJSON *sum, int k, const char *path);

#endif
