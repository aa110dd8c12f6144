/*
 * scn_priv: what the parts of the scenario loader share (internal to
 * world/).
 *
 * - scn_json.c reads a file into a JSON tree: syntax errors at
 *   file:line:column with a hint, a NUL byte or text that is not UTF-8 at
 *   its place, a key given twice in one object at its $.path.
 * - scn_run.c checks a whole tree (its sweep aside) into a scn_run: the
 *   top level, tcp, nodes, links, applications and outputs.
 * - scenario.c holds the plan: the sweep and compare axes, --set, paths,
 *   and the checks of a plan's runs.
 */
#ifndef APPSIM_SCN_PRIV_H
#define APPSIM_SCN_PRIV_H

#include <cjson/cJSON.h>

#include "scenario.h"

/* The file as a JSON tree, or a located error (SCN_ERROR_SYNTAX,
 * SCN_ERROR_INVALID or SCN_ERROR_IO). */
cJSON *scn_json_read(const char *file, GError **err);
/* Checks a --set value's text: UTF-8 without NUL bytes. */
bool scn_json_text_ok(const char *text, GError **err);

/* Checks a whole scenario tree (its sweep keys aside) into a run; NULL
 * with the first located error. */
scn_run *scn_run_parse(const char *file, const cJSON *root, uint64_t seed, const app_registry *reg, GError **err);

#endif
