/*
 * run_cmd: the scenario commands of the appsim program (run, check, list,
 * plot). Each takes argv from its own name on and returns an exit status:
 * 0 success, 1 a failure while running, 2 bad input or usage.
 */
#ifndef APPSIM_RUN_CMD_H
#define APPSIM_RUN_CMD_H

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_plot(int argc, char **argv);

#endif
