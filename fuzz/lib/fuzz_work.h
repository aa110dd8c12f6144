/*
 * fuzz_work: a scratch file for fuzz targets whose code under test reads
 * a file (the scenario loader, the CSV reader). fuzz_work_file() makes
 * the target's own temporary folder on its first call (the prefix names
 * the target) and returns the path of `name` inside it, owned by this
 * module; the file and the folder are removed when the process exits.
 * One scratch file per process.
 */
#ifndef APPSIM_FUZZ_WORK_H
#define APPSIM_FUZZ_WORK_H

const char *fuzz_work_file(const char *prefix, const char *name);

#endif
