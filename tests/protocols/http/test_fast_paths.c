/*
 * Tests of the hand-written fast paths of protocols/http against the
 * general code they stand in for, which these tests keep as oracles:
 * - http_format_date writes years 0 to 9999 digit by digit; the oracle is
 *   the snprintf format it used before;
 * - http_parse_date reads an exactly laid out IMF-fixdate without sscanf;
 *   the oracle is a sscanf-only parser of the same rules (the one it used
 *   before, with days checked against their month and " GMT" required
 *   last, as the server now does), fed the same
 *   strings: well-formed dates, and dates with one or two bytes changed
 *   (digits, letters, spaces, signs, NULs that cut them short);
 * - http_msg_serialize appends with known lengths and writes the status
 *   and version digit by digit; the oracle builds the same head with
 *   printf-style appends. Headers now keep name and value in one block,
 *   so the cases include http_msg_set (which replaces the block),
 *   http_msg_remove, and spans with a NUL inside (cut there, as g_strndup
 *   did).
 * Each comparison is exact: the fast path must give the oracle's bytes or
 * value for every input. The inputs come from a fixed seed.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "protocols/http/http_msg.h"
#include "protocols/http/http_server.h"
#include "test_util.h"

/* ---- oracles: the code before the fast paths ------------------------------ */

static const char *const o_wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const o_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

static bool o_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

/* Days since 1970-01-01 of day `d` of month `m` of year `y` (proleptic
 * Gregorian; `d` may run past the month's end): the days of the years
 * before (leap years counted from year 0), then of the months before. */
static int64_t o_days_from_civil(int64_t y, int m, int d)
{
    static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t leaps = floor_div(y + 3, 4) - floor_div(y + 99, 100) + floor_div(y + 399, 400);
    return 365 * y + leaps + before[m - 1] + (m > 2 && o_leap(y)) + d - 1 - 719528;
}

/* The civil date of a day number, by search from an estimate of the year. */
static void o_civil(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t year = 1970 + floor_div(days * 400, 146097);
    while (o_days_from_civil(year, 1, 1) > days)
        year--;
    while (o_days_from_civil(year + 1, 1, 1) <= days)
        year++;
    int mon = 1;
    while (mon < 12 && o_days_from_civil(year, mon + 1, 1) <= days)
        mon++;
    *y = year;
    *m = mon;
    *d = (int)(days - o_days_from_civil(year, mon, 1)) + 1;
}

static void o_format_date(int64_t epoch_s, char buf[30])
{
    int64_t days = epoch_s >= 0 ? epoch_s / 86400 : (epoch_s - 86399) / 86400;
    int64_t secs = epoch_s - days * 86400;
    int64_t y;
    int m, d;
    o_civil(days, &y, &m, &d);
    int wday = (int)(((days % 7) + 11) % 7);
    g_snprintf(buf, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", o_wdays[wday], d, o_months[m - 1], (int)y,
               (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

static int o_month_of(const char *m)
{
    for (int i = 0; i < 12; i++)
        if (!g_ascii_strncasecmp(m, o_months[i], 3))
            return i + 1;
    return 0;
}

static int64_t o_epoch_of(int64_t y, int mon, int d, int hh, int mm, int ss)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mon < 1 || mon > 12 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return -1;
    int leap = mon == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    if (d < 1 || d > mdays[mon - 1] + leap)
        return -1;
    int64_t t = o_days_from_civil(y, mon, d) * 86400 + hh * 3600 + mm * 60 + ss;
    return t > INT64_C(253402300799) ? -1 : t;
}

static int64_t o_parse_date(const char *s)
{
    if (!s)
        return -1;
    char wd[16], mon[8];
    int d, y, hh, mm, ss, end = 0;
    if (sscanf(s, "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &hh, &mm, &ss, &end) == 7 && end &&
        !s[end] && o_month_of(mon))
        return o_epoch_of(y, o_month_of(mon), d, hh, mm, ss);
    end = 0;
    if (sscanf(s, "%15[A-Za-z], %2d-%3s-%4d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &hh, &mm, &ss, &end) == 7 && end &&
        !s[end] && o_month_of(mon))
        return o_epoch_of(y < 70 ? 2000 + y : y < 100 ? 1900 + y : y, o_month_of(mon), d, hh, mm, ss);
    end = 0;
    if (sscanf(s, "%15s %3s %2d %2d:%2d:%2d %4d%n", wd, mon, &d, &hh, &mm, &ss, &y, &end) == 7 && o_month_of(mon) &&
        !g_ascii_isdigit(s[end]))
        return o_epoch_of(y, o_month_of(mon), d, hh, mm, ss);
    return -1;
}

/* ---- dates ------------------------------------------------------------------ */

/* Formats `t` both ways and compares; the first few differences are shown. */
static int check_format(int64_t t)
{
    char fast[30], slow[30];
    memset(fast, 'x', sizeof fast);
    http_format_date(t, fast);
    o_format_date(t, slow);
    if (strcmp(fast, slow) != 0) {
        printf("\n  format %" G_GINT64_FORMAT ": \"%s\", expected \"%s\"", t, fast, slow);
        return 1;
    }
    return 0;
}

static void test_format_date_as_snprintf(void)
{
    int bad = 0;
    /* Every hour of 1969 to 1971 (the epoch's neighbours), then steps that
     * land on every month, weekday and second over the whole range of
     * four-digit years and beyond it (five-digit and negative years: the
     * snprintf path). */
    for (int64_t t = INT64_C(-31536000); t < INT64_C(63072000) && bad < 5; t += 3599)
        bad += check_format(t);
    GRand *r = g_rand_new_with_seed(17);
    for (int i = 0; i < 200000 && bad < 5; i++) {
        int64_t t = (int64_t)(g_rand_double(r) * 400000000000.0) - INT64_C(100000000000);
        bad += check_format(t);
    }
    g_rand_free(r);
    static const int64_t edges[] = {0, -1, 86399, 86400, INT64_C(253402300799), INT64_C(253402300800),
                                    INT64_C(-62167219200), INT64_C(-62167219201), INT64_C(951782400)};
    for (size_t i = 0; i < G_N_ELEMENTS(edges); i++)
        bad += check_format(edges[i]);
    CU_ASSERT_EQUAL(bad, 0);
}

static int check_parse(const char *s)
{
    int64_t fast = http_parse_date(s), slow = o_parse_date(s);
    if (fast != slow) {
        printf("\n  parse \"%s\": %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT, s, fast, slow);
        return 1;
    }
    return 0;
}

static void test_parse_date_as_sscanf(void)
{
    /* The oracle's own calendar must agree with the server's first. */
    CU_ASSERT_EQUAL(o_parse_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    CU_ASSERT_EQUAL(o_parse_date("Fri, 31 Dec 9999 23:59:59 GMT"), INT64_C(253402300799));
    int bad = 0;
    GRand *r = g_rand_new_with_seed(29);
    static const char mutants[] = "0123456789 ,:-+\tAaZzNnOoVvGMT\x01\x80";
    int fast_taken = 0;
    for (int i = 0; i < 100000 && bad < 5; i++) {
        int64_t t = (int64_t)(g_rand_double(r) * 253402300800.0);
        char s[40];
        http_format_date(t, s);
        bad += check_parse(s);
        if (http_parse_date(s) == t)
            fast_taken++;
        /* One or two bytes changed, or the string cut short. */
        int changes = g_rand_int_range(r, 1, 3);
        for (int k = 0; k < changes; k++) {
            int at = g_rand_int_range(r, 0, 29);
            int what = g_rand_int_range(r, 0, (int)sizeof mutants); /* the last one: a NUL */
            s[at] = mutants[what];
        }
        bad += check_parse(s);
    }
    g_rand_free(r);
    CU_ASSERT_EQUAL(fast_taken, 100000); /* every formatted date reads back */
    static const char *const odd[] = {
        "", "Sun", "Sun,", "Sun, 06 Nov 1994", "Sun, 06 Nov 1994 08:49:37", "sun, 06 nov 1994 08:49:37 gmt",
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, +6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov -994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 24:00:00 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Xyz 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:60 GMT", "Sun, 06 Nov 19940 08:49:37 GMT", "Sun,  6 Nov 1994 08:49:37 GMT",
        "Sun, 06  Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 1994 08:49:3 GMT",
        "Sun, 31 Feb 2023 00:00:00 GMT", "Wed, 29 Feb 2023 00:00:00 GMT", "Thu, 29 Feb 2024 00:00:00 GMT",
        "Tue, 29 Feb 2000 00:00:00 GMT", "Thu, 29 Feb 1900 00:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing",
        "Sunday, 06-Nov-94 08:49:37", "Sunday, 06-Nov-94 08:49:37 GMTX",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(odd); i++)
        bad += check_parse(odd[i]);
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---- message heads ---------------------------------------------------------- */

static void o_serialize(const http_msg *m, GString *out)
{
    if (m->is_request) {
        g_string_append(out, m->method_str ? m->method_str : http_method_name(m->method));
        g_string_append_c(out, ' ');
        g_string_append(out, m->target ? m->target : "/");
        if (m->version < 10) {
            g_string_append(out, "\r\n");
            return;
        }
        g_string_append_printf(out, " HTTP/%d.%d", m->version / 10, m->version % 10);
    } else {
        if (m->version < 10)
            return;
        g_string_append_printf(out, "HTTP/%d.%d %03d %s", m->version / 10, m->version % 10, m->status,
                               m->reason ? m->reason : http_reason(m->status));
    }
    g_string_append(out, "\r\n");
    for (guint i = 0; i < m->headers->len; i++) {
        const http_header *h = &g_array_index(m->headers, http_header, i);
        g_string_append_printf(out, "%s: %s\r\n", h->name, h->value);
    }
    g_string_append(out, "\r\n");
}

/* Serialises `m` both ways (after some bytes already in the string) and
 * compares. */
static void check_serialize(const http_msg *m)
{
    GString *fast = g_string_new("prefix "), *slow = g_string_new("prefix ");
    http_msg_serialize(m, fast);
    o_serialize(m, slow);
    CU_ASSERT_STRING_EQUAL(fast->str, slow->str);
    CU_ASSERT_EQUAL(fast->len, slow->len);
    g_string_free(fast, TRUE);
    g_string_free(slow, TRUE);
}

static void test_serialize_as_printf(void)
{
    static const int statuses[] = {200, 304, 404, 101, 999, 1000, 7, 0, -5, 12345};
    static const int versions[] = {11, 10, 9, 20, 99, 100, 123, -1};
    for (size_t v = 0; v < G_N_ELEMENTS(versions); v++) {
        for (size_t s = 0; s < G_N_ELEMENTS(statuses); s++) {
            http_msg *r = http_msg_new_response(statuses[s], s % 2 ? NULL : "Fine", versions[v]);
            http_msg_add(r, "Content-Length", "1000");
            http_msg_add(r, "X-Empty", NULL);
            check_serialize(r);
            http_msg_free(r);
        }
        http_msg *q = http_msg_new_request(HTTP_M_GET, "http://origin/obj/17", versions[v]);
        http_msg_add(q, "Host", "origin");
        check_serialize(q);
        http_msg_free(q);
    }

    /* Spans with a NUL inside are cut there, as g_strndup cut them. */
    http_msg *m = http_msg_new_request_len("GET", 3, "/a", 2, 11);
    http_msg_add_len(m, "Host", 4, "example.org", 11);
    http_msg_add_len(m, "X-Cut\0tail", 10, "va\0lue", 6);
    http_msg_add_len(m, "X-Long-Name-Of-A-Header", 23, "", 0);
    http_msg_addf(m, "X-Number", "%d-%s", 42, "x");
    const http_header *cut = &g_array_index(m->headers, http_header, 1);
    CU_ASSERT_STRING_EQUAL(cut->name, "X-Cut");
    CU_ASSERT_STRING_EQUAL(cut->value, "va");
    check_serialize(m);

    /* Replacing a value keeps the header's place and spelling; later
     * duplicates go; removing keeps the order of the rest. */
    http_msg_add(m, "host", "second.example");
    http_msg_set(m, "HOST", "third.example");
    CU_ASSERT_EQUAL(m->headers->len, 4);
    CU_ASSERT_STRING_EQUAL(g_array_index(m->headers, http_header, 0).name, "Host");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "host"), "third.example");
    http_msg_set(m, "X-New", NULL);
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "x-new"), "");
    http_msg_remove(m, "X-Cut");
    CU_ASSERT_EQUAL(m->headers->len, 4);
    CU_ASSERT_STRING_EQUAL(g_array_index(m->headers, http_header, 1).name, "X-Long-Name-Of-A-Header");
    check_serialize(m);
    GString *wire = g_string_new(NULL);
    http_msg_serialize(m, wire);
    CU_ASSERT_STRING_EQUAL(wire->str, "GET /a HTTP/1.1\r\nHost: third.example\r\nX-Long-Name-Of-A-Header: \r\n"
                                      "X-Number: 42-x\r\nX-New: \r\n\r\n");
    g_string_free(wire, TRUE);
    http_msg_free(m);

    /* Many headers: the string grows past its first allocation. */
    http_msg *big = http_msg_new_response(200, NULL, 11);
    for (int i = 0; i < 300; i++) {
        char name[16], value[64];
        g_snprintf(name, sizeof name, "X-H%d", i);
        g_snprintf(value, sizeof value, "%0*d", i % 60, i);
        http_msg_add(big, name, value);
    }
    check_serialize(big);
    http_msg_free(big);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_format_date_as_snprintf),
        TEST(test_parse_date_as_sscanf),
        TEST(test_serialize_as_printf),
    };
    return test_main("protocols/http/fast_paths", tests, G_N_ELEMENTS(tests));
}
