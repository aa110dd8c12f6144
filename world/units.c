/* units: parsing rates, times and sizes with their units. */
#include "units.h"

#include <glib.h>
#include <math.h>
#include <string.h>

/* Splits "12.5Mbps" into 12.5 and "Mbps"; false when there is no number. */
static bool split(const char *s, double *num, const char **unit)
{
    if (!s)
        return false;
    while (g_ascii_isspace(*s))
        s++;
    char *end;
    double v = g_ascii_strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return false;
    while (g_ascii_isspace(*end))
        end++;
    *num = v;
    *unit = end;
    return true;
}

static double si(char c)
{
    switch (c) {
    case 'k':
    case 'K': return 1e3;
    case 'M': return 1e6;
    case 'G': return 1e9;
    case 'T': return 1e12;
    default: return 0;
    }
}

/* A rate's unit ("Mbps", "kbit", "MBps"): its multiplier, or 0. */
static double rate_mult(const char *u)
{
    double mult = 1;
    if (*u && si(*u) > 0 && u[1]) {
        mult = si(*u);
        u++;
    }
    if (!strcmp(u, "bps") || !strcmp(u, "bit") || !strcmp(u, "bit/s") || !strcmp(u, "b/s") || !strcmp(u, "bits/s"))
        return mult;
    if (!strcmp(u, "Bps") || !strcmp(u, "B/s"))
        return mult * 8;
    return 0;
}

/* A time's unit: nanoseconds per unit, or 0. */
static double time_mult(const char *u)
{
    static const struct {
        const char *unit;
        double ns;
    } t[] = {{"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ns", 1}, {"min", 60e9}, {"h", 3600e9}};
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
        if (!strcmp(u, t[i].unit))
            return t[i].ns;
    return 0;
}

/* A size's unit: bytes per unit, or 0. */
static double size_mult(const char *u)
{
    if (!strcmp(u, "B"))
        return 1;
    if (!strcmp(u, "bit"))
        return 1.0 / 8;
    if (strlen(u) == 3 && u[1] == 'i' && u[2] == 'B' && strchr("KMGT", u[0]))
        return pow(1024, (double)(strchr("KMGT", u[0]) - "KMGT" + 1));
    if (strlen(u) == 2 && u[1] == 'B' && si(u[0]) > 0)
        return si(u[0]);
    if (!strcmp(u + (*u ? 1 : 0), "bit") && si(u[0]) > 0)
        return si(u[0]) / 8;
    return 0;
}

bool units_value(const char *s, int kind, double *out)
{
    double v;
    const char *u;
    if (!split(s, &v, &u))
        return false;
    double mult = kind == UNITS_RATE ? rate_mult(u) : kind == UNITS_TIME ? time_mult(u) : size_mult(u);
    if (mult <= 0)
        return false;
    *out = v * mult; /* may be infinite ("1e300h"): the caller's range refuses it */
    return true;
}

bool units_rate(const char *s, uint64_t *bps)
{
    double r;
    if (!units_value(s, UNITS_RATE, &r) || r < 1 || r > 1e15)
        return false;
    *bps = (uint64_t)llround(r);
    return true;
}

bool units_time(const char *s, sim_time_t *t)
{
    double ns;
    if (!units_value(s, UNITS_TIME, &ns) || ns > 9e18)
        return false;
    *t = sim_time_round_ns(ns);
    return true;
}

bool units_size(const char *s, uint64_t *bytes)
{
    double b;
    if (!units_value(s, UNITS_SIZE, &b) || b > 1.8e19 || fabs(b - nearbyint(b)) > 1e-6 * fmax(1, b))
        return false;
    /* b is below 2^64 but may be above 2^63, past what llround returns. */
    *bytes = (uint64_t)round(b);
    return true;
}
