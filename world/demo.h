/*
 * demo: the built-in demonstration `make run` shows until scenario files
 * exist: the queueing validation table (simulated against theory).
 */
#ifndef APPSIM_DEMO_H
#define APPSIM_DEMO_H

#include <stdint.h>
#include <stdio.h>

/* Prints the table to `out`. Returns 0, or 1 if a case could not run. */
int demo_queueing(FILE *out, uint64_t seed, uint64_t packets);

#endif
