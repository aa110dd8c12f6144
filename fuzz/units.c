/*
 * Fuzz target units: the parsers of rates, times and sizes written with
 * their units (world/units.c), which every scenario key of those kinds goes
 * through.
 *
 * Input: text (up to its first NUL), given to all three parsers.
 *
 * Invariants, for what a parser accepts:
 *   - a rate is from 1 bit/s to 10^15 bit/s and a time from 0 to 9 * 10^18
 *     ns, the ranges units.c promises;
 *   - a size is the number written times its unit, to within rounding (the
 *     number and the unit are read here a second, simpler way: strtod and a
 *     table of the units of units.h);
 *   - each value written back in the base unit ("...bps", "...ns", "...B")
 *     parses to the same value (to within the double rounding of numbers
 *     above 2^53).
 */
#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "world/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes per unit of size, as units.h lists them; 0 for anything else. */
static double size_unit(const char *u)
{
    static const struct {
        const char *name;
        double bytes;
    } table[] = {
        {"B", 1},          {"bit", 0.125},     {"kB", 1e3},        {"KB", 1e3},
        {"MB", 1e6},       {"GB", 1e9},        {"TB", 1e12},       {"KiB", 1024.0},
        {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
        {"kbit", 125},     {"Kbit", 125},      {"Mbit", 125e3},    {"Gbit", 125e6},
        {"Tbit", 125e9},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
        if (strcmp(u, table[i].name) == 0)
            return table[i].bytes;
    return 0;
}

/* Whether a and b are equal to within the rounding of a double near them. */
static bool close_enough(double a, double b)
{
    return fabs(a - b) <= fmax(1.0, fmax(fabs(a), fabs(b)) * 0x1p-50);
}

static void check_size(const char *text)
{
    uint64_t bytes;
    if (!units_size(text, &bytes))
        return;
    const char *s = text;
    while (g_ascii_isspace(*s))
        s++;
    char *end;
    double v = g_ascii_strtod(s, &end);
    while (g_ascii_isspace(*end))
        end++;
    double mult = size_unit(end);
    FUZZ_CHECK(mult > 0, "\"%s\" accepted with the unknown unit \"%s\"", text, end);
    FUZZ_CHECK(close_enough((double)bytes, v * mult), "\"%s\" is %" PRIu64 " bytes, not %.17g", text,
               bytes, v * mult);
    char *back = g_strdup_printf("%" PRIu64 "B", bytes);
    uint64_t again;
    FUZZ_CHECK(units_size(back, &again) && close_enough((double)again, (double)bytes),
               "\"%s\" is %" PRIu64 " bytes, but \"%s\" does not read back", text, bytes, back);
    g_free(back);
}

static void check_rate(const char *text)
{
    uint64_t bps;
    if (!units_rate(text, &bps))
        return;
    FUZZ_CHECK(bps >= 1 && bps <= UINT64_C(1000000000000000), "\"%s\" is a rate of %" PRIu64 " bit/s",
               text, bps);
    char *back = g_strdup_printf("%" PRIu64 "bps", bps);
    uint64_t again;
    FUZZ_CHECK(units_rate(back, &again) && again == bps, "\"%s\" does not read back as %" PRIu64, back,
               bps);
    g_free(back);
}

static void check_time(const char *text)
{
    sim_time_t ns;
    if (!units_time(text, &ns))
        return;
    FUZZ_CHECK(ns >= 0 && ns <= INT64_C(9000000000000000000), "\"%s\" is a time of %" PRId64 " ns",
               text, (int64_t)ns);
    char *back = g_strdup_printf("%" PRId64 "ns", (int64_t)ns);
    sim_time_t again;
    FUZZ_CHECK(units_time(back, &again) && close_enough((double)again, (double)ns),
               "\"%s\" does not read back as %" PRId64, back, (int64_t)ns);
    g_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    check_size(text);
    check_rate(text);
    check_time(text);
    g_free(text);
    return 0;
}
