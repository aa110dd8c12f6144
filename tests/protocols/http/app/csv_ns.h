/*
 * csv_ns: the time columns of requests.csv ("12.345678901", seconds with
 * nine decimals, maybe negative) read back as exact nanoseconds, for the
 * suites of this folder.
 */
#ifndef APPSIM_TESTS_CSV_NS_H
#define APPSIM_TESTS_CSV_NS_H

#include <stdint.h>

int64_t csv_parse_ns(const char *s);

#endif
