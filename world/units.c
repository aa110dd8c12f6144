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

bool units_rate(const char *s, uint64_t *bps)
{
    double v;
    const char *u;
    if (!split(s, &v, &u))
        return false;
    double mult = 1;
    if (*u && si(*u) > 0 && u[1]) {
        mult = si(*u);
        u++;
    }
    if (!strcmp(u, "bps") || !strcmp(u, "bit") || !strcmp(u, "bit/s") || !strcmp(u, "b/s") ||
        !strcmp(u, "bits/s"))
        ;
    else if (!strcmp(u, "Bps") || !strcmp(u, "B/s"))
        mult *= 8;
    else
        return false;
    double r = v * mult;
    if (r < 1 || r > 1e15)
        return false;
    *bps = (uint64_t)llround(r);
    return true;
}

bool units_time(const char *s, sim_time_t *t)
{
    double v;
    const char *u;
    if (!split(s, &v, &u))
        return false;
    double ns;
    if (!strcmp(u, "s"))
        ns = v * 1e9;
    else if (!strcmp(u, "ms"))
        ns = v * 1e6;
    else if (!strcmp(u, "us") || !strcmp(u, "\xc2\xb5s"))
        ns = v * 1e3;
    else if (!strcmp(u, "ns"))
        ns = v;
    else if (!strcmp(u, "min"))
        ns = v * 60e9;
    else if (!strcmp(u, "h"))
        ns = v * 3600e9;
    else
        return false;
    if (ns > 9e18)
        return false;
    *t = sim_time_round_ns(ns);
    return true;
}

bool units_size(const char *s, uint64_t *bytes)
{
    double v;
    const char *u;
    if (!split(s, &v, &u))
        return false;
    double mult;
    if (!strcmp(u, "B"))
        mult = 1;
    else if (!strcmp(u, "bit"))
        mult = 1.0 / 8;
    else if (strlen(u) == 3 && u[1] == 'i' && u[2] == 'B' && strchr("KMGT", u[0]))
        mult = pow(1024, (double)(strchr("KMGT", u[0]) - "KMGT" + 1));
    else if (strlen(u) == 2 && u[1] == 'B' && si(u[0]) > 0)
        mult = si(u[0]);
    else if (*u && !strcmp(u + 1, "bit") && si(u[0]) > 0) /* an empty unit has no u[1] */
        mult = si(u[0]) / 8;
    else
        return false;
    double b = v * mult;
    if (b > 1.8e19 || fabs(b - nearbyint(b)) > 1e-6 * fmax(1, b))
        return false;
    /* b is below 2^64 but may be above 2^63, past what llround returns. */
    *bytes = (uint64_t)round(b);
    return true;
}
