/*
 * Fuzz target http_date: the HTTP date parser and formatter
 * (http_parse_date and http_format_date in protocols/http/http_server.c;
 * the cache and the proxy read Date, Expires, Last-Modified and
 * If-Modified-Since with them).
 *
 * Input: text (up to its first NUL), parsed as a date in any of the three
 * formats of RFC 9110 section 5.6.7. Its first eight bytes, read as a
 * big-endian number, also give a time to format.
 *
 * Invariants:
 *   - a parsed time t other than -1 formats as an IMF-fixdate that parses
 *     back to t (formatting normalises what the parser accepted, such as
 *     "31 Feb" or second 60, without moving the instant);
 *   - any time from year 0 to year 9999 formats as a 29-character
 *     IMF-fixdate ending in " GMT" that parses back to itself.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/http/http_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds. */
#define YEAR_0_S INT64_C(-62167219200)
#define YEAR_9999_END_S INT64_C(253402300799)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    char buf[30];
    int64_t t = http_parse_date(text);
    if (t != -1) {
        http_format_date(t, buf);
        int64_t back = http_parse_date(buf);
        FUZZ_CHECK(back == t, "\"%s\" is %" G_GINT64_FORMAT ", formatted \"%s\", which is %" G_GINT64_FORMAT,
                   text, t, buf, back);
    }

    uint64_t raw = 0;
    for (size_t i = 0; i < 8; i++)
        raw = raw << 8 | (i < size ? data[i] : 0);
    uint64_t span = (uint64_t)(YEAR_9999_END_S - YEAR_0_S) + 1;
    int64_t when = YEAR_0_S + (int64_t)(raw % span);
    http_format_date(when, buf);
    FUZZ_CHECK(strlen(buf) == 29 && g_str_has_suffix(buf, " GMT"), "%" G_GINT64_FORMAT " formats as \"%s\"",
               when, buf);
    int64_t back = http_parse_date(buf);
    FUZZ_CHECK(back == when, "%" G_GINT64_FORMAT " formats as \"%s\", which is %" G_GINT64_FORMAT, when,
               buf, back);
    g_free(text);
    return 0;
}
