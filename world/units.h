/*
 * units: quantities written as people write them.
 *
 * Rates: "10Mbps", "1.54Mbps", "100Kbit", "56kbps", "1Gbit/s", "800bps",
 *   "1MBps" (megabytes per second). k/K = 1000, M = 10^6, G = 10^9, T = 10^12
 *   for bits ("bps", "bit", "bit/s", "b/s"); "Bps", "B/s" multiply by 8.
 * Times: "50ms", "2s", "1.5s", "200us", "100ns", "2min", "1h".
 * Sizes: "100KB" (1000), "1MiB" (1024^2), "1500B", "100Kbit" (12,500 bytes),
 *   "1Mbit"; k and K both mean 1000 with B; KiB, MiB, GiB are powers of 1024.
 * A plain JSON number is taken in the key's documented unit (bits per
 * second, seconds, bytes).
 *
 * Parsers return false and set *expected to the form they wanted, for the
 * caller's error message.
 */
#ifndef APPSIM_UNITS_H
#define APPSIM_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/sim_time.h"

/* The kinds of units_value (the same numbers as scn_read.h's SCN_Q_*). */
enum { UNITS_RATE = 0, UNITS_TIME = 1, UNITS_SIZE = 2 };

/* A quantity's value in its base unit (bit/s, ns, bytes) as written,
 * without any range applied (not negative, possibly infinite: "1e300h"):
 * the loader checks the range itself, so that "1e20bps" is "too large",
 * not "not a rate". */
bool units_value(const char *s, int kind, double *out);

bool units_rate(const char *s, uint64_t *bps);
bool units_time(const char *s, sim_time_t *t);
bool units_size(const char *s, uint64_t *bytes);

#define UNITS_RATE_FORM "a rate like \"10Mbps\", \"1.54Mbps\" or \"100Kbit\""
#define UNITS_TIME_FORM "a time like \"50ms\", \"2s\" or \"100us\""
#define UNITS_SIZE_FORM "a size like \"1500B\", \"100KB\", \"1MiB\" or \"100Kbit\""

#endif
