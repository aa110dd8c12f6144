/*
 * csv_ns: see csv_ns.h.
 */
#include "csv_ns.h"

#include <glib.h>
#include <stdbool.h>

int64_t csv_parse_ns(const char *s)
{
    bool neg = *s == '-';
    if (neg)
        s++;
    char *dot = NULL;
    int64_t whole = g_ascii_strtoll(s, &dot, 10), frac = 0;
    int digits = 0;
    if (dot && *dot == '.')
        for (const char *p = dot + 1; *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
            frac = frac * 10 + (*p - '0');
    for (; digits < 9; digits++)
        frac *= 10;
    int64_t v = whole * 1000000000 + frac;
    return neg ? -v : v;
}
