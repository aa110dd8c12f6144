/*
 * imap_date: IMAP's dates (RFC 3501 9 "date", "date-time") to and from
 * nanoseconds since 1970 UTC, on the proleptic Gregorian calendar, years
 * 1 to 9999. Days from a civil date use the usual era arithmetic (400
 * years are 146097 days).
 */
#include "imap_server_impl.h"

#include <stdio.h>
#include <string.h>

#define NS_PER_S INT64_C(1000000000)
#define S_PER_DAY INT64_C(86400)

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t imap_date_day(int64_t ns) { return floor_div(floor_div(ns, NS_PER_S), S_PER_DAY); }

void imap_date_format(int64_t ns, char *buf, size_t size)
{
    int64_t secs = floor_div(ns, NS_PER_S), day = floor_div(secs, S_PER_DAY), y;
    int64_t sod = secs - day * S_PER_DAY;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    if (y < 1 || y > 9999) {
        snprintf(buf, size, "01-Jan-1970 00:00:00 +0000");
        return;
    }
    snprintf(buf, size, "%02u-%s-%04d %02d:%02d:%02d +0000", d, months[m - 1], (int)y, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60));
}

static bool digits(const char *t, size_t n, unsigned *out)
{
    *out = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return false;
        *out = *out * 10 + (unsigned)(t[i] - '0');
    }
    return true;
}

/* "d-Mon-yyyy" from t; the characters read in *used. */
static bool parse_day(const char *t, bool space_pad, int64_t *day, size_t *used)
{
    size_t dl = 0;
    unsigned d, y, m = 0;
    if (space_pad && t[0] == ' ')
        t++, dl = 1;
    size_t nd = (t[0] >= '0' && t[0] <= '9') ? ((t[1] >= '0' && t[1] <= '9') ? 2 : 1) : 0;
    if (nd == 0 || !digits(t, nd, &d) || t[nd] != '-')
        return false;
    t += nd + 1;
    while (m < 12 && g_ascii_strncasecmp(t, months[m], 3) != 0)
        m++;
    if (m == 12 || t[3] != '-' || !digits(t + 4, 4, &y) || y < 1)
        return false;
    unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d < 1 || d > mdays[m] || (m == 1 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
        return false;
    *day = days_from_civil(y, m + 1, d);
    *used = dl + nd + 1 + 3 + 1 + 4;
    return true;
}

bool imap_date_parse(const char *text, int64_t *day)
{
    size_t used;
    return parse_day(text, false, day, &used) && text[used] == 0;
}

bool imap_date_time_parse(const char *text, int64_t *ns)
{
    int64_t day;
    size_t used;
    unsigned hh, mm, ss, zh, zm;
    if (!parse_day(text, true, &day, &used))
        return false;
    const char *t = text + used;
    if (strlen(t) != 15 || t[0] != ' ' || t[3] != ':' || t[6] != ':' || t[9] != ' ' ||
        (t[10] != '+' && t[10] != '-'))
        return false;
    if (!digits(t + 1, 2, &hh) || !digits(t + 4, 2, &mm) || !digits(t + 7, 2, &ss) || !digits(t + 11, 2, &zh) ||
        !digits(t + 13, 2, &zm) || hh > 23 || mm > 59 || ss > 60 || zm > 59)
        return false;
    int64_t zone = ((int64_t)zh * 60 + zm) * 60 * (t[10] == '-' ? -1 : 1);
    int64_t secs = day * S_PER_DAY + hh * 3600 + mm * 60 + ss - zone;
    if (secs > INT64_MAX / NS_PER_S || secs < INT64_MIN / NS_PER_S)
        return false; /* past what nanoseconds in 64 bits hold (years 1678 to 2262) */
    *ns = secs * NS_PER_S;
    return true;
}

/* Spaces and tabs from t. */
static const char *skip_ws(const char *t)
{
    while (*t == ' ' || *t == '\t')
        t++;
    return t;
}

bool imap_date_header_day(const char *v, int64_t *day)
{
    const char *t = skip_ws(v);
    if (g_ascii_isalpha(t[0])) { /* "Mon," */
        const char *comma = strchr(t, ',');
        if (!comma)
            return false;
        t = skip_ws(comma + 1);
    }
    unsigned d = 0, y = 0, m = 0, nd = 0, ny = 0;
    for (; g_ascii_isdigit(*t) && nd < 2; t++, nd++)
        d = d * 10 + (unsigned)(*t - '0');
    t = skip_ws(t);
    while (m < 12 && g_ascii_strncasecmp(t, months[m], 3) != 0)
        m++;
    if (nd == 0 || m == 12 || d < 1 || d > 31)
        return false;
    t = skip_ws(t + 3);
    for (; g_ascii_isdigit(*t) && ny < 4; t++, ny++)
        y = y * 10 + (unsigned)(*t - '0');
    if (ny == 2)
        y += y < 50 ? 2000 : 1900; /* RFC 5322 4.3 */
    else if (ny != 4)
        return false;
    *day = days_from_civil(y, m + 1, d);
    return true;
}
