/*
 * Fuzz target scenario: the scenario loader (world/scenario.c,
 * world/scn_read.c, world/app_reader.c, world/units.c, and the key tables
 * of every application type in cli/registry.c), as `appsim check` and
 * `appsim run` use it.
 *
 * Input: the text of a scenario file, up to the first NUL; each further
 * NUL-separated string (four at most) is a --set PATH=VALUE override.
 *
 * The loader reads files, so the input is written to scenario.json in a
 * folder of its own made under the system's temporary folder when the
 * target starts and removed when it ends; nothing else is written.
 *
 * Invariants:
 *   - a refused scenario comes with an error message;
 *   - an accepted one has at least one run, and the JSON it reports having
 *     run (scenario_json, after the overrides) is itself a scenario that
 *     loads, with the same runs and the same JSON text again.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/registry.h"
#include "lib/fuzz_check.h"
#include "lib/fuzz_work.h"
#include "world/scenario.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The most --set overrides one input gives. */
#define MAX_SETS 4

static const char *work_file; /* the target's scratch file (fuzz_work.h) */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    work_file = fuzz_work_file("appsim-fuzz-scenario", "scenario.json");
    return 0;
}

static void write_work_file(const char *text, size_t len)
{
    GError *err = NULL;
    FUZZ_CHECK(g_file_set_contents(work_file, text, (gssize)len, &err), "cannot write %s: %s",
               work_file, err ? err->message : "?");
}

/* Loads the work file; checks that a refusal says why. */
static scenario *load(const char *const *sets)
{
    GError *err = NULL;
    scenario *s = scenario_load(work_file, sets, appsim_registry(), &err);
    if (s) {
        FUZZ_CHECK(err == NULL, "a loaded scenario came with an error: %s", err->message);
    } else {
        FUZZ_CHECK(err != NULL && err->message && *err->message, "a scenario refused without a reason");
        g_error_free(err);
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The file's text, then the overrides, each ending at a NUL. */
    const char *sets[MAX_SETS + 1] = {NULL};
    size_t json_len = 0;
    while (json_len < size && data[json_len])
        json_len++;
    char *rest = fuzz_cstring(data, size);
    size_t at = json_len + 1, n = 0;
    while (at < size && n < MAX_SETS) {
        sets[n++] = rest + at;
        at += strlen(rest + at) + 1;
    }

    write_work_file(rest, json_len);
    scenario *s = load(sets);
    if (s) {
        guint runs = scenario_run_count(s);
        FUZZ_CHECK(runs >= 1, "a scenario with no runs");
        char *json = scenario_json(s);
        write_work_file(json, strlen(json));
        scenario *again = load(NULL);
        FUZZ_CHECK(again != NULL, "the JSON of a loaded scenario does not load:\n%s", json);
        FUZZ_CHECK(scenario_run_count(again) == runs, "%u runs became %u", runs,
                   scenario_run_count(again));
        char *json_again = scenario_json(again);
        FUZZ_CHECK(strcmp(json, json_again) == 0, "the JSON changed when loaded again:\n%s\nthen\n%s",
                   json, json_again);
        g_free(json_again);
        scenario_free(again);
        g_free(json);
        scenario_free(s);
    }
    g_free(rest);
    return 0;
}
