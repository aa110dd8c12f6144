/*
 * fuzz_check: the invariants of the fuzz targets, asserted.
 *
 * FUZZ_CHECK(cond, fmt, ...) prints where and why to stderr and aborts when
 * `cond` is false, so that libFuzzer records the input as a crash. It is
 * always on (unlike assert, which NDEBUG turns off in release builds).
 *
 * fuzz_cstring() turns a fuzzer input into a NUL-terminated copy, for the
 * parsers that take C strings; the copy ends at the input's first NUL.
 * fuzz_contains() is memmem, which strict C11 does not declare.
 */
#ifndef APPSIM_FUZZ_CHECK_H
#define APPSIM_FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz invariant broken at %s:%d: ", __FILE__, __LINE__);           \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* A new NUL-terminated copy of data[0, len) (free with g_free). */
char *fuzz_cstring(const uint8_t *data, size_t len);

/* Whether needle[0, nlen) occurs in hay[0, hlen) (NULs are bytes like any
 * other). O(hlen * nlen), enough for fuzzer inputs. */
bool fuzz_contains(const void *hay, size_t hlen, const void *needle, size_t nlen);

#endif
