/*
 * Tests of protocols/bt/bencode: every valid form decoded into the
 * expected tree and encoded back to the same bytes; every invalid form
 * refused with its offset and its reason; the limits (depth, values,
 * input size); trailing bytes; the accessors; the builder's sorting.
 */
#include <glib.h>
#include <string.h>

#include "protocols/bt/bencode.h"
#include "test_util.h"

/* A printable form of a decoded value: i<n>, "<bytes>" (\xNN for bytes
 * outside 0x20..0x7e, '"' and '\\'), [a,b], {k:v,k:v}. */
static void dump(const benc_value *v, GString *out)
{
    switch (benc_type_of(v)) {
    case BENC_INT: {
        int64_t n = 0;
        CU_ASSERT(benc_get_int(v, &n));
        g_string_append_printf(out, "i%" G_GINT64_FORMAT, n);
        break;
    }
    case BENC_STR: {
        size_t len;
        const uint8_t *s = benc_get_str(v, &len);
        CU_ASSERT_PTR_NOT_NULL(s);
        g_string_append_c(out, '"');
        for (size_t i = 0; i < len; i++) {
            if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
                g_string_append_printf(out, "\\x%02x", s[i]);
            else
                g_string_append_c(out, (char)s[i]);
        }
        g_string_append_c(out, '"');
        break;
    }
    case BENC_LIST:
        g_string_append_c(out, '[');
        for (size_t i = 0; i < benc_count(v); i++) {
            if (i)
                g_string_append_c(out, ',');
            dump(benc_list_at(v, i), out);
        }
        g_string_append_c(out, ']');
        break;
    case BENC_DICT:
        g_string_append_c(out, '{');
        for (size_t i = 0; i < benc_count(v); i++) {
            if (i)
                g_string_append_c(out, ',');
            dump(benc_dict_key_at(v, i), out);
            g_string_append_c(out, ':');
            dump(benc_dict_value_at(v, i), out);
        }
        g_string_append_c(out, '}');
        break;
    }
}

typedef struct {
    const char *in;
    size_t len; /* 0: strlen(in) */
    const char *tree;
} valid_case;

#define BIN(s) s, sizeof(s) - 1

static const valid_case valid[] = {
    {"i0e", 0, "i0"},
    {"i42e", 0, "i42"},
    {"i-42e", 0, "i-42"},
    {"i9223372036854775807e", 0, "i9223372036854775807"},
    {"i-9223372036854775808e", 0, "i-9223372036854775808"},
    {"0:", 0, "\"\""},
    {"4:spam", 0, "\"spam\""},
    {BIN("3:\0\xff:"), "\"\\x00\\xff:\""},
    {"10:0123456789", 0, "\"0123456789\""},
    {"le", 0, "[]"},
    {"l4:spami42ee", 0, "[\"spam\",i42]"},
    {"llelee", 0, "[[],[]]"},
    {"de", 0, "{}"},
    {"d3:bar4:spam3:fooi42ee", 0, "{\"bar\":\"spam\",\"foo\":i42}"},
    {"d0:i1e1:ai2e2:aai3e1:bi4ee", 0, "{\"\":i1,\"a\":i2,\"aa\":i3,\"b\":i4}"},
    {BIN("d1:\x01i1e1:\x7fi2e1:\x80i3e1:\xffi4ee"), "{\"\\x01\":i1,\"\\x7f\":i2,\"\\x80\":i3,\"\\xff\":i4}"},
    {"d4:dictd1:xdee4:listl1:ai-1edeee", 0, "{\"dict\":{\"x\":{}},\"list\":[\"a\",i-1,{}]}"},
    {"d1:ad1:bd1:cleeee", 0, "{\"a\":{\"b\":{\"c\":[]}}}"},
};

static void test_valid(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(valid); i++) {
        const valid_case *c = &valid[i];
        size_t len = c->len ? c->len : strlen(c->in);
        GError *err = NULL;
        benc_doc *doc = benc_decode((const uint8_t *)c->in, len, NULL, &err);
        if (!doc) {
            fprintf(stderr, "case %zu refused: %s\n", i, err->message);
            g_error_free(err);
            CU_FAIL("valid input refused");
            continue;
        }
        GString *got = g_string_new(NULL);
        dump(benc_doc_root(doc), got);
        if (strcmp(got->str, c->tree) != 0)
            fprintf(stderr, "case %zu: tree %s, want %s\n", i, got->str, c->tree);
        CU_ASSERT_STRING_EQUAL(got->str, c->tree);
        g_string_free(got, TRUE);
        /* The decoded value encodes to the same bytes, and so does its
         * copy through the builder (which sorts the keys itself). */
        GByteArray *enc = g_byte_array_new();
        benc_encode(benc_doc_root(doc), enc);
        CU_ASSERT_EQUAL(enc->len, len);
        CU_ASSERT(enc->len == len && memcmp(enc->data, c->in, len) == 0);
        g_byte_array_set_size(enc, 0);
        benc_node *copy = benc_node_from_value(benc_doc_root(doc));
        benc_node_encode(copy, enc);
        CU_ASSERT(enc->len == len && memcmp(enc->data, c->in, len) == 0);
        benc_node_free(copy);
        g_byte_array_unref(enc);
        size_t rawlen;
        CU_ASSERT_EQUAL(benc_raw(benc_doc_root(doc), &rawlen), benc_raw(benc_doc_root(doc), &rawlen));
        CU_ASSERT_EQUAL(rawlen, len);
        benc_doc_free(doc);
    }
}

typedef struct {
    const char *in;
    size_t len; /* 0: strlen(in) */
    int code;
    const char *message; /* the whole message */
} invalid_case;

static const invalid_case invalid[] = {
    {"", 0, BENC_ERROR_SYNTAX, "offset 0: unexpected end of input, expected a value"},
    {"ie", 0, BENC_ERROR_SYNTAX, "offset 1: expected a digit in integer"},
    {"i-e", 0, BENC_ERROR_SYNTAX, "offset 2: expected a digit in integer"},
    {"i-0e", 0, BENC_ERROR_SYNTAX, "offset 1: negative zero (\"-0\") is not allowed"},
    {"i00e", 0, BENC_ERROR_SYNTAX, "offset 1: leading zero in integer"},
    {"i01e", 0, BENC_ERROR_SYNTAX, "offset 1: leading zero in integer"},
    {"i-01e", 0, BENC_ERROR_SYNTAX, "offset 1: negative zero (\"-0\") is not allowed"},
    {"i+1e", 0, BENC_ERROR_SYNTAX, "offset 1: expected a digit in integer"},
    {"i1.5e", 0, BENC_ERROR_SYNTAX, "offset 2: expected 'e' at the end of integer"},
    {"i 1e", 0, BENC_ERROR_SYNTAX, "offset 1: expected a digit in integer"},
    {"i12", 0, BENC_ERROR_SYNTAX, "offset 3: unexpected end of input, expected 'e' at the end of integer"},
    {"i", 0, BENC_ERROR_SYNTAX, "offset 1: unexpected end of input, expected a digit in integer"},
    {"i9223372036854775808e", 0, BENC_ERROR_SYNTAX, "offset 0: integer out of the 64-bit signed range"},
    {"i-9223372036854775809e", 0, BENC_ERROR_SYNTAX, "offset 0: integer out of the 64-bit signed range"},
    {"i99999999999999999999999e", 0, BENC_ERROR_SYNTAX, "offset 0: integer out of the 64-bit signed range"},
    {"01:a", 0, BENC_ERROR_SYNTAX, "offset 0: leading zero in string length"},
    {"00:", 0, BENC_ERROR_SYNTAX, "offset 0: leading zero in string length"},
    {"4spam", 0, BENC_ERROR_SYNTAX, "offset 1: expected ':' after string length"},
    {"1", 0, BENC_ERROR_SYNTAX, "offset 1: unexpected end of input, expected ':' after string length"},
    {"4", 0, BENC_ERROR_SYNTAX, "offset 0: string length larger than the input"},
    {"5:spam", 0, BENC_ERROR_SYNTAX, "offset 0: string of 5 bytes runs past the end of the input (4 left)"},
    {"99999999999999999999999:x", 0, BENC_ERROR_SYNTAX, "offset 0: string length larger than the input"},
    {"-1:x", 0, BENC_ERROR_SYNTAX, "offset 0: expected a value ('i', 'l', 'd' or a string length)"},
    {"x", 0, BENC_ERROR_SYNTAX, "offset 0: expected a value ('i', 'l', 'd' or a string length)"},
    {"e", 0, BENC_ERROR_SYNTAX, "offset 0: expected a value ('i', 'l', 'd' or a string length)"},
    {"l", 0, BENC_ERROR_SYNTAX, "offset 1: unexpected end of input, expected a value or 'e'"},
    {"li1e", 0, BENC_ERROR_SYNTAX, "offset 4: unexpected end of input, expected a value or 'e'"},
    {"lxe", 0, BENC_ERROR_SYNTAX, "offset 1: expected a value ('i', 'l', 'd' or a string length)"},
    {"d", 0, BENC_ERROR_SYNTAX, "offset 1: unexpected end of input, expected a dictionary key or 'e'"},
    {"di1ei2ee", 0, BENC_ERROR_SYNTAX, "offset 1: expected a dictionary key (a byte string) or 'e'"},
    {"dlei1ee", 0, BENC_ERROR_SYNTAX, "offset 1: expected a dictionary key (a byte string) or 'e'"},
    {"d1:ae", 0, BENC_ERROR_SYNTAX, "offset 4: expected a value after dictionary key, not 'e'"},
    {"d1:a", 0, BENC_ERROR_SYNTAX, "offset 4: unexpected end of input, expected a value after dictionary key"},
    {"d1:bi1e1:ai2ee", 0, BENC_ERROR_SYNTAX, "offset 7: dictionary key not in ascending order"},
    {"d1:ai1e1:ai2ee", 0, BENC_ERROR_SYNTAX, "offset 7: duplicate dictionary key"},
    {"d2:aai1e1:ai2ee", 0, BENC_ERROR_SYNTAX, "offset 8: dictionary key not in ascending order"},
    {BIN("d1:\xffi1e1:\x01i2ee"), BENC_ERROR_SYNTAX, "offset 7: dictionary key not in ascending order"},
    {"d3:fooi1e3:bar4:spame", 0, BENC_ERROR_SYNTAX, "offset 9: dictionary key not in ascending order"},
    {"i1ei2e", 0, BENC_ERROR_TRAILING, "offset 3: 3 trailing bytes after the top value"},
    {"lee", 0, BENC_ERROR_TRAILING, "offset 2: 1 trailing bytes after the top value"},
    {BIN("0:\0"), BENC_ERROR_TRAILING, "offset 2: 1 trailing bytes after the top value"},
    {"4:spam\n", 0, BENC_ERROR_TRAILING, "offset 6: 1 trailing bytes after the top value"},
};

static void test_invalid(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++) {
        const invalid_case *c = &invalid[i];
        size_t len = c->len ? c->len : strlen(c->in);
        /* An exact-size copy, so that a read past the end would be caught
         * by the sanitizers. */
        uint8_t *copy = g_memdup2(c->in, len);
        GError *err = NULL;
        benc_doc *doc = benc_decode(copy, len, NULL, &err);
        CU_ASSERT_PTR_NULL(doc);
        benc_doc_free(doc);
        CU_ASSERT_PTR_NOT_NULL_FATAL(err);
        if (strcmp(err->message, c->message) != 0 || err->code != c->code)
            fprintf(stderr, "case %zu: got \"%s\" (code %d), want \"%s\" (code %d)\n", i, err->message, err->code,
                    c->message, c->code);
        CU_ASSERT(g_error_matches(err, BENC_ERROR, c->code));
        CU_ASSERT_STRING_EQUAL(err->message, c->message);
        g_error_free(err);
        g_free(copy);
    }
}

/* n nested lists: "l" * n + "e" * n. */
static char *nested(size_t n)
{
    char *s = g_malloc(2 * n + 1);
    memset(s, 'l', n);
    memset(s + n, 'e', n);
    s[2 * n] = 0;
    return s;
}

static void test_depth(void)
{
    char *ok = nested(BENC_DEFAULT_MAX_DEPTH);
    benc_doc *doc = benc_decode((const uint8_t *)ok, strlen(ok), NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL(doc);
    CU_ASSERT_EQUAL(benc_doc_values(doc), BENC_DEFAULT_MAX_DEPTH);
    benc_doc_free(doc);
    char *deep = nested(BENC_DEFAULT_MAX_DEPTH + 1);
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(benc_decode((const uint8_t *)deep, strlen(deep), NULL, &err));
    CU_ASSERT(g_error_matches(err, BENC_ERROR, BENC_ERROR_LIMIT));
    CU_ASSERT_STRING_EQUAL(err->message, "offset 64: lists and dictionaries nested deeper than 64");
    g_clear_error(&err);
    /* A very deep input costs no recursion: refused at the limit. */
    char *huge = nested(1000000);
    CU_ASSERT_PTR_NULL(benc_decode((const uint8_t *)huge, strlen(huge), NULL, &err));
    CU_ASSERT(g_error_matches(err, BENC_ERROR, BENC_ERROR_LIMIT));
    g_clear_error(&err);
    /* A limit of one's own: dictionaries count too. */
    benc_limits lim = {.max_depth = 2};
    CU_ASSERT_PTR_NULL(benc_decode((const uint8_t *)"ld1:adeee", 9, &lim, &err));
    CU_ASSERT_STRING_EQUAL(err->message, "offset 5: lists and dictionaries nested deeper than 2");
    g_clear_error(&err);
    doc = benc_decode((const uint8_t *)"ld1:aleee", 9, &lim, NULL);
    CU_ASSERT_PTR_NULL(doc);
    doc = benc_decode((const uint8_t *)"ld1:ai1eee", 10, &lim, NULL);
    CU_ASSERT_PTR_NOT_NULL(doc);
    benc_doc_free(doc);
    g_free(ok);
    g_free(deep);
    g_free(huge);
}

static void test_limits(void)
{
    GError *err = NULL;
    benc_limits values = {.max_values = 3};
    benc_doc *doc = benc_decode((const uint8_t *)"li1ei2ee", 8, &values, NULL);
    CU_ASSERT_PTR_NOT_NULL(doc);
    benc_doc_free(doc);
    CU_ASSERT_PTR_NULL(benc_decode((const uint8_t *)"li1ei2ei3ee", 11, &values, &err));
    CU_ASSERT(g_error_matches(err, BENC_ERROR, BENC_ERROR_LIMIT));
    CU_ASSERT_STRING_EQUAL(err->message, "offset 7: more than 3 values");
    g_clear_error(&err);
    /* Keys count as values. */
    CU_ASSERT_PTR_NULL(benc_decode((const uint8_t *)"d1:ai1e1:bi2ee", 14, &values, &err));
    CU_ASSERT_STRING_EQUAL(err->message, "offset 7: more than 3 values");
    g_clear_error(&err);

    benc_limits size = {.max_input = 6};
    doc = benc_decode((const uint8_t *)"4:spam", 6, &size, NULL);
    CU_ASSERT_PTR_NOT_NULL(doc);
    benc_doc_free(doc);
    CU_ASSERT_PTR_NULL(benc_decode((const uint8_t *)"5:spams", 7, &size, &err));
    CU_ASSERT(g_error_matches(err, BENC_ERROR, BENC_ERROR_LIMIT));
    CU_ASSERT_STRING_EQUAL(err->message, "offset 6: input of 7 bytes is over the limit of 6");
    g_clear_error(&err);
    /* A prefix decode looks at max_input bytes at most. */
    size_t used = 0;
    doc = benc_decode_prefix((const uint8_t *)"4:spamXYZ", 9, &size, &used, NULL);
    CU_ASSERT_PTR_NOT_NULL(doc);
    CU_ASSERT_EQUAL(used, 6);
    benc_doc_free(doc);
    CU_ASSERT_PTR_NULL(benc_decode_prefix((const uint8_t *)"5:spamXYZ", 9, &size, &used, &err));
    CU_ASSERT(g_error_matches(err, BENC_ERROR, BENC_ERROR_LIMIT));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(benc_decode_prefix((const uint8_t *)"li1ei2ei3ee", 11, &size, &used, &err));
    CU_ASSERT(g_error_matches(err, BENC_ERROR, BENC_ERROR_LIMIT));
    CU_ASSERT_STRING_EQUAL(err->message, "offset 6: value longer than the limit of 6 bytes");
    g_clear_error(&err);
}

static void test_prefix(void)
{
    size_t used = 0;
    benc_doc *doc = benc_decode_prefix((const uint8_t *)"d1:ai1ee4:more", 14, NULL, &used, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(used, 8);
    size_t len;
    const uint8_t *raw = benc_raw(benc_doc_root(doc), &len);
    CU_ASSERT_EQUAL(len, 8);
    CU_ASSERT(memcmp(raw, "d1:ai1ee", 8) == 0);
    benc_doc_free(doc);
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(benc_decode_prefix((const uint8_t *)"d1:a", 4, NULL, &used, &err));
    CU_ASSERT(g_error_matches(err, BENC_ERROR, BENC_ERROR_SYNTAX));
    g_clear_error(&err);
}

static void test_accessors(void)
{
    const char *in = "d4:infod6:lengthi100e4:name3:a.be5:peersl1:x1:yee";
    benc_doc *doc = benc_decode((const uint8_t *)in, strlen(in), NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    const benc_value *root = benc_doc_root(doc);
    CU_ASSERT_EQUAL(benc_type_of(root), BENC_DICT);
    CU_ASSERT_EQUAL(benc_count(root), 2);
    const benc_value *info = benc_dict_get(root, "info");
    CU_ASSERT_PTR_NOT_NULL_FATAL(info);
    CU_ASSERT_EQUAL(benc_offset(info), 7);
    size_t len;
    const uint8_t *raw = benc_raw(info, &len);
    CU_ASSERT_EQUAL(len, strlen("d6:lengthi100e4:name3:a.be"));
    CU_ASSERT(memcmp(raw, "d6:lengthi100e4:name3:a.be", len) == 0);
    int64_t n = 0;
    CU_ASSERT(benc_get_int(benc_dict_get(info, "length"), &n));
    CU_ASSERT_EQUAL(n, 100);
    CU_ASSERT_FALSE(benc_get_int(benc_dict_get(info, "name"), &n));
    CU_ASSERT_FALSE(benc_get_int(NULL, &n));
    char *name = benc_dup_str(benc_dict_get(info, "name"));
    CU_ASSERT_STRING_EQUAL(name, "a.b");
    g_free(name);
    CU_ASSERT_PTR_NULL(benc_get_str(info, &len));
    CU_ASSERT_PTR_NULL(benc_dict_get(info, "nam"));
    CU_ASSERT_PTR_NULL(benc_dict_get(info, "names"));
    CU_ASSERT_PTR_NULL(benc_dict_get(info, ""));
    CU_ASSERT_PTR_NULL(benc_dict_get(benc_dict_get(root, "peers"), "x"));
    const benc_value *peers = benc_dict_get(root, "peers");
    CU_ASSERT_EQUAL(benc_count(peers), 2);
    const uint8_t *s = benc_get_str(benc_list_at(peers, 1), &len);
    CU_ASSERT(s && len == 1 && s[0] == 'y');
    CU_ASSERT_PTR_NULL(benc_list_at(peers, 2));
    CU_ASSERT_PTR_NULL(benc_list_at(info, 0));
    CU_ASSERT_PTR_NULL(benc_dict_key_at(info, 2));
    CU_ASSERT_PTR_NULL(benc_dict_value_at(peers, 0));
    CU_ASSERT_EQUAL(benc_count(benc_dict_get(info, "length")), 0);
    CU_ASSERT_STRING_EQUAL(benc_type_name(benc_type_of(peers)), "list");
    benc_doc_free(doc);
    /* A string with a NUL has no C-string copy. */
    doc = benc_decode((const uint8_t *)"3:a\0b", 5, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_PTR_NULL(benc_dup_str(benc_doc_root(doc)));
    benc_doc_free(doc);
}

static void test_builder(void)
{
    benc_node *d = benc_node_dict();
    benc_dict_set(d, "zeta", benc_node_int(-7));
    benc_dict_set(d, "alpha", benc_node_cstr("x"));
    benc_node *l = benc_node_list();
    benc_list_append(l, benc_node_int(0));
    benc_list_append(l, benc_node_str("\0\1", 2));
    benc_list_append(l, benc_node_raw("de", 2));
    benc_dict_set(d, "mid", l);
    benc_dict_set(d, "alpha", benc_node_cstr("replaced"));
    benc_dict_set_n(d, "\xff", 1, benc_node_dict());
    benc_dict_set_n(d, "", 0, benc_node_int(INT64_MIN));
    CU_ASSERT_FALSE(benc_list_append(d, benc_node_int(1)));
    CU_ASSERT_FALSE(benc_dict_set(l, "k", benc_node_int(1)));
    GByteArray *out = g_byte_array_new();
    benc_node_encode(d, out);
    const char want[] = "d0:i-9223372036854775808e5:alpha8:replaced3:midli0e2:\0\1dee4:zetai-7e1:\xff" "dee";
    CU_ASSERT_EQUAL(out->len, sizeof want - 1);
    CU_ASSERT(out->len == sizeof want - 1 && memcmp(out->data, want, out->len) == 0);
    /* What the builder writes, the decoder takes. */
    benc_doc *doc = benc_decode(out->data, out->len, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL(doc);
    benc_doc_free(doc);
    g_byte_array_unref(out);
    benc_node_free(d);
}

static void test_writers(void)
{
    GByteArray *out = g_byte_array_new();
    benc_put_list_start(out);
    benc_put_int(out, 0);
    benc_put_int(out, -1);
    benc_put_cstr(out, "");
    benc_put_dict_start(out);
    benc_put_cstr(out, "k");
    benc_put_str(out, "v", 1);
    benc_put_end(out);
    benc_put_end(out);
    g_byte_array_append(out, (const guint8 *)"", 1);
    CU_ASSERT_STRING_EQUAL((const char *)out->data, "li0ei-1e0:d1:k1:vee");
    g_byte_array_unref(out);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_valid),   TEST(test_invalid), TEST(test_depth),   TEST(test_limits),
        TEST(test_prefix),  TEST(test_accessors), TEST(test_builder), TEST(test_writers),
    };
    return test_main("protocols/bt/bencode", tests, G_N_ELEMENTS(tests));
}
