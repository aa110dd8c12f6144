/*
 * homework_cmd: appsim homework (a scenario per student and the answer
 * key) and appsim grade (answers checked against the key);
 * docs/homework.md.
 */
#ifndef APPSIM_HOMEWORK_CMD_H
#define APPSIM_HOMEWORK_CMD_H

int cmd_homework(int argc, char **argv);
int cmd_grade(int argc, char **argv);

#endif
