/*
 * Fuzz target http_url: URL parsing, formatting and reference resolution
 * (protocols/http/http_url.c).
 *
 * Input: text. Its first line, if it parses as an http:// URL, is the base;
 * otherwise the base is http://example.com/a/b/c.html?q=1. What follows the
 * first line (or the whole input, when it has one line) is the reference a
 * page at the base makes. The text ends at its first NUL, as C strings do.
 *
 * Invariants:
 *   - a URL that parses has a host without ':', '/', '?' or '#', a port
 *     above 0, and a path that starts with '/' and holds no '#';
 *   - formatting a parsed URL and parsing that again gives the same host,
 *     port and path, and the same text when formatted again (the formatted
 *     form is canonical);
 *   - resolving a reference gives NULL or such a canonical absolute URL.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/http/http_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks a URL that parsed, and that its formatted form is canonical. */
static void check_parsed(const http_url *u, const char *from)
{
    FUZZ_CHECK(u->host && *u->host && !strpbrk(u->host, ":/?#"), "bad host \"%s\" from \"%s\"",
               u->host ? u->host : "(null)", from);
    FUZZ_CHECK(u->port > 0, "port 0 from \"%s\"", from);
    FUZZ_CHECK(u->path && u->path[0] == '/' && !strchr(u->path, '#'), "bad path \"%s\" from \"%s\"",
               u->path ? u->path : "(null)", from);
    char *text = http_url_format(u);
    http_url back;
    FUZZ_CHECK(http_url_parse(text, &back), "formatted URL \"%s\" does not parse", text);
    FUZZ_CHECK(strcmp(back.host, u->host) == 0 && back.port == u->port &&
                   strcmp(back.path, u->path) == 0,
               "formatted URL \"%s\" parses differently", text);
    char *again = http_url_format(&back);
    FUZZ_CHECK(strcmp(again, text) == 0, "\"%s\" formats as \"%s\"", text, again);
    char *authority = http_url_authority(u);
    FUZZ_CHECK(g_str_has_prefix(text + strlen("http://"), authority),
               "authority \"%s\" is not the start of \"%s\"", authority, text);
    g_free(authority);
    g_free(again);
    g_free(text);
    http_url_clear(&back);
}

/* Parses `s` and checks the result when it parses. */
static void check_parse(const char *s)
{
    http_url u;
    if (http_url_parse(s, &u)) {
        check_parsed(&u, s);
        http_url_clear(&u);
    } else {
        FUZZ_CHECK(!u.host && !u.path && u.port == 0, "a refused URL left fields set");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    char *newline = strchr(text, '\n');
    const char *ref = text;
    http_url base;
    bool have_base = false;
    if (newline) {
        *newline = '\0';
        ref = newline + 1;
        have_base = http_url_parse(text, &base);
        check_parse(text);
    }
    if (!have_base)
        FUZZ_CHECK(http_url_parse("http://example.com/a/b/c.html?q=1", &base), "the default base");
    check_parse(ref);

    char *resolved = http_url_resolve(&base, ref);
    if (resolved) {
        http_url u;
        FUZZ_CHECK(http_url_parse(resolved, &u), "resolved URL \"%s\" does not parse", resolved);
        check_parsed(&u, resolved);
        char *canonical = http_url_format(&u);
        FUZZ_CHECK(strcmp(canonical, resolved) == 0, "resolved URL \"%s\" is not canonical (\"%s\")",
                   resolved, canonical);
        g_free(canonical);
        http_url_clear(&u);
    }
    g_free(resolved);
    http_url_clear(&base);
    g_free(text);
    return 0;
}
