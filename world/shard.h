/*
 * shard: a run's whole result as text, so that the runs of a plan can be
 * made on several machines (appsim run --shard K/N) and joined later
 * (appsim merge) into the results one machine would have written.
 *
 * A run is one group "run NNNN" of a GKeyFile: every field of its
 * run_result (figures, CSV rows, links, fingerprint, timeline, transcript,
 * failure), each value escaped (C escapes, spaces as \040) so that any
 * byte but NUL survives, and each double written with 17 significant
 * digits, so that it reads back to the same bits (NaN as "nan").
 *
 * Fields that point to static text in a run (a CSV file's name and
 * header, what a formula predicts, the timeline's title) read back as
 * GLib interned strings (g_intern_string), which live as long as the
 * process, as the static ones do; nothing compares them by address.
 *
 * Ownership: shard_run_get returns a run_result the caller frees with
 * run_result_free; `kf` is borrowed.
 */
#ifndef APPSIM_SHARD_H
#define APPSIM_SHARD_H

#include "world.h"

#define SHARD_ERROR (shard_error_quark())
GQuark shard_error_quark(void);
typedef enum {
    SHARD_ERROR_BAD, /* a run's group is missing or a value does not read */
} shard_error_code;

/* The group name of run k ("run 0007"; a new string). */
char *shard_run_group(guint k);
/* Writes run `res` (run res->index) into `kf`. */
void shard_run_put(GKeyFile *kf, const run_result *res);
/* Reads run k back from `kf`; NULL with SHARD_ERROR when its group is
 * missing or a value does not read. */
run_result *shard_run_get(GKeyFile *kf, guint k, GError **err);

/* The escaping of values (a new string), and its inverse. */
char *shard_escape(const char *s);
char *shard_unescape(const char *s);

#endif
