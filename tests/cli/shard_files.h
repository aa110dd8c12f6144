/*
 * shard_files: helpers of the tests of appsim run --shard and appsim
 * merge — run appsim, and compare two results folders file by file.
 */
#ifndef APPSIM_TEST_SHARD_FILES_H
#define APPSIM_TEST_SHARD_FILES_H

#include <glib.h>

/* Asserts that folders `a` and `b` hold the same names (hidden ones and
 * sub-folders included, entered) with the same bytes, naming on stdout
 * each one that differs or is on one side only. Returns how many files
 * were compared. */
int shard_same_tree(const char *a, const char *b);

/* Runs appsim with the NULL-ended arguments after "appsim"; its exit
 * status. `err`, when not NULL, gets its stderr. */
int shard_appsim(char **err, ...) G_GNUC_NULL_TERMINATED;

#endif
