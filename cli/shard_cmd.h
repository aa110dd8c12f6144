/*
 * shard_cmd: the runs of one plan on several machines.
 *
 *   appsim run FILE --shard K/N [-o PART] ...   runs K, K+N, K+2N, ... into a partial folder
 *   appsim merge PART... [-o DIR] [-q]          the N partial folders into the plan's results
 *
 * A partial folder is a results folder (it carries RESULTS_MARKER, so a
 * later run may replace it) holding SHARD_FILE and SHARD_SCENARIO:
 *   - SHARD_SCENARIO: the bytes of the scenario file that was run;
 *   - SHARD_FILE: a key file whose group [shard] says which shard of how
 *     many, of how many runs, the appsim version, and the options that
 *     change the results (the scenario as typed, --seed, --set,
 *     --timeline, --pcap, --transcript-run), the scenario as run (after
 *     --set, which merge checks the copy still gives), and one group per
 *     run of the shard with its whole result (world/shard.h);
 *   - pcap/ with --pcap, as appsim run writes it.
 *
 * appsim merge checks that the folders belong together — each a partial
 * folder of this appsim version, the same scenario bytes and options, the
 * same N, every K from 0 to N-1 exactly once — then loads the scenario
 * from the stored copy, reads every run back, and writes the results
 * through run_publish, the code appsim run writes with: summary.json, the
 * CSV files, plots and index.html are byte for byte those of one appsim
 * run (its command line is the one-machine command, without --shard).
 *
 * Exit status of merge: 0 merged; 1 a failure while writing, or a run
 * that failed as a whole (its results are written, as with run); 2 bad
 * usage, or folders that do not merge (not a partial folder, another
 * version, scenario or options, a shard missing or given twice; the
 * message names the folder and what is wrong; nothing is written).
 */
#ifndef APPSIM_SHARD_CMD_H
#define APPSIM_SHARD_CMD_H

#include "run_page.h"

#define SHARD_FILE "shard.txt"
#define SHARD_SCENARIO "scenario.json"
/* The most shards of a plan. */
#define SHARD_MAX 1000000u

/* Parses "K/N" (0 <= K < N <= SHARD_MAX, decimal); false when it is not. */
bool shard_spec_parse(const char *s, guint *k, guint *n);

/* Writes the partial folder of shard k of n into `dir`: a copy of the
 * scenario file `path`, and the runs of the shard from `res` (the others
 * are NULL). `files` gets the names written. */
bool shard_write(const scenario *sc, run_result *const *res, const char *path, const run_page_args *pa, guint k,
                 guint n, const char *dir, GString *files, GError **err);

int cmd_merge(int argc, char **argv);

#endif
