/*
 * Tests of seam/html_escape, the one HTML escaper of the results page and
 * web mail: every special character, every control byte, UTF-8 passed
 * through (two-, three- and four-byte characters), bytes that are not
 * UTF-8 (lone continuations, truncated and overlong sequences, surrogates,
 * a NUL inside a sequence), explicit lengths, and the empty string.
 */
#include <glib.h>
#include <string.h>

#include "seam/html_escape.h"
#include "test_util.h"

/* The escaped form of `len` bytes of `in` (-1: up to the NUL). */
static char *esc(const char *in, gssize len)
{
    GString *out = g_string_new("");
    html_escape_append(out, in, len);
    return g_string_free(out, FALSE);
}

static void check(const char *in, gssize len, const char *want)
{
    char *got = esc(in, len);
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want))
        printf("\n    escaping \"%s\": got \"%s\", want \"%s\"", in, got, want);
    g_free(got);
}

static void test_specials(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"&", "&amp;"},
        {"<", "&lt;"},
        {">", "&gt;"},
        {"\"", "&quot;"},
        {"'", "&#39;"},
        {"<a href=\"x\" title='y'>&amp;</a>", "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"},
        {"plain text, 1 + 2 = 3; {ok} [ok] `ok` \\ / ? # % ~", "plain text, 1 + 2 = 3; {ok} [ok] `ok` \\ / ? # % ~"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        check(cases[i].in, -1, cases[i].want);
}

/* Every byte below 0x20 and DEL: tab, LF and CR kept, the others '?'. */
static void test_control_bytes(void)
{
    char in[33];
    GString *want = g_string_new("");
    for (int c = 0; c < 32; c++) {
        in[c] = (char)c;
        g_string_append_c(want, c == '\t' || c == '\n' || c == '\r' ? (char)c : '?');
    }
    in[32] = 0x7f;
    g_string_append_c(want, '?');
    check(in, 33, want->str); /* NUL first: only the explicit length reaches past it */
    g_string_free(want, TRUE);
    check("a\x01" "b", -1, "a?b");
    check("a\0b", 3, "a?b");
    check("a\0b", -1, "a"); /* -1 stops at the NUL */
}

static void test_utf8_passes(void)
{
    /* é (2 bytes), € (3), 𝄞 (4), a C1 control U+0085 (valid UTF-8, kept) */
    const char *text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \xc2\x85";
    check(text, -1, text);
    check("\xc3\xa9<\xc3\xa9>", -1, "\xc3\xa9&lt;\xc3\xa9&gt;");
}

/* Each byte that does not start a valid sequence is one U+FFFD. */
static void test_invalid_utf8(void)
{
#define FFFD "\xef\xbf\xbd"
    check("\xff", -1, FFFD);
    check("a\x80" "b", -1, "a" FFFD "b");                       /* lone continuation byte */
    check("\xe2\x82", -1, FFFD FFFD);                           /* truncated at the end */
    check("\xe2\x82<", -1, FFFD FFFD "&lt;");                   /* truncated before an ASCII byte */
    check("\xc0\xaf", -1, FFFD FFFD);                           /* overlong '/' */
    check("\xed\xa0\x80", -1, FFFD FFFD FFFD);                  /* a surrogate */
    check("\xf4\x90\x80\x80", -1, FFFD FFFD FFFD FFFD);         /* above U+10FFFF */
    check("\xc3\0", 2, FFFD "?");                               /* a NUL inside a sequence */
    check("\xc3\xa9", 1, FFFD);                                 /* cut by the length */
#undef FFFD
}

static void test_empty(void)
{
    check("", -1, "");
    check("abc", 0, "");
    GString *out = g_string_new("kept");
    html_escape_append(out, NULL, -1);
    html_escape_append(out, NULL, 0);
    CU_ASSERT_STRING_EQUAL(out->str, "kept"); /* appends, never replaces */
    html_escape_append(out, "&", -1);
    CU_ASSERT_STRING_EQUAL(out->str, "kept&amp;");
    g_string_free(out, TRUE);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_specials),
        TEST(test_control_bytes),
        TEST(test_utf8_passes),
        TEST(test_invalid_utf8),
        TEST(test_empty),
    };
    return test_main("seam/html_escape", tests, G_N_ELEMENTS(tests));
}
