/*
 * run_cmd: the scenario commands of the appsim program (run, check, list,
 * plot). Each takes argv from its own name on and returns an exit status:
 * 0 success, 1 a failure while running, 2 bad input or usage.
 */
#ifndef APPSIM_RUN_CMD_H
#define APPSIM_RUN_CMD_H

#include "run_page.h"

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_plot(int argc, char **argv);

/* Puts files into the temporary results folder `tmp` (e.g. pcap/). */
typedef bool (*run_fill_fn)(void *ud, const char *tmp, GError **err);

/* Writes the results of a whole plan `res` (every run) into a new results
 * folder `dir` (through a temporary folder, as appsim run does; `fill`,
 * when not NULL, adds to it first), prints what appsim run prints, and
 * returns the exit status appsim run would: appsim merge's last step.
 * `cmd` names the command in messages. */
int run_publish(const char *cmd, const scenario *sc, run_result *const *res, const run_page_args *pa,
                const char *dir, run_fill_fn fill, void *ud);

#endif
