/*
 * Tests of protocols/bt/bt_metainfo: a .torrent built from known bytes
 * compared with the same file made independently by Python's hashlib (run
 * at test time: the bencoding, the piece hashes and the info-hash); the
 * parser's refusals (bad bencoding, missing keys, wrong types, unsafe
 * names, out-of-range lengths, piece counts, multi-file mode); piece sizes
 * and piece checks.
 */
#include <glib.h>
#include <string.h>

#include "protocols/bt/bencode.h"
#include "protocols/bt/bt_metainfo.h"
#include "test_util.h"

#define CONTENT_LEN 100000
#define PIECE_LEN 32768

/* The test file: byte i is (i * 7 + 3) mod 256 (the Python script makes
 * the same bytes). */
static uint8_t *content(void)
{
    uint8_t *d = g_malloc(CONTENT_LEN);
    for (size_t i = 0; i < CONTENT_LEN; i++)
        d[i] = (uint8_t)((i * 7 + 3) % 256);
    return d;
}

/* Python writes, in hex, one per line: the .torrent, the info-hash, the
 * piece hashes joined. Its bencoding is its own (sorted keys as BEP 3
 * says), independent of bencode.c. */
static const char py_script[] =
    "import hashlib\n"
    "def b(v):\n"
    "    if isinstance(v, int): return b'i%de' % v\n"
    "    if isinstance(v, bytes): return b'%d:' % len(v) + v\n"
    "    return b'd' + b''.join(b(k) + b(v[k]) for k in sorted(v)) + b'e'\n"
    "data = bytes((i * 7 + 3) % 256 for i in range(100000))\n"
    "pl = 32768\n"
    "pieces = b''.join(hashlib.sha1(data[i:i + pl]).digest() for i in range(0, len(data), pl))\n"
    "info = {b'name': b'file.bin', b'piece length': pl, b'length': len(data), b'pieces': pieces}\n"
    "t = {b'announce': b'http://tracker:6969/announce', b'info': info}\n"
    "print(b(t).hex())\n"
    "print(hashlib.sha1(b(info)).hexdigest())\n"
    "print(pieces.hex())\n";

static char *hex(const uint8_t *d, size_t n)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(s, "%02x", d[i]);
    return g_string_free(s, FALSE);
}

static void test_build_against_python(void)
{
    if (!g_file_test("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE)) {
        test_skip("/usr/bin/python3 is missing");
        return;
    }
    const char *argv[] = {"/usr/bin/python3", "-c", py_script, NULL};
    char *out = NULL, *err = NULL;
    int rc = test_spawn(NULL, argv, &out, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char **lines = g_strsplit(out, "\n", -1);
    CU_ASSERT_FATAL(g_strv_length(lines) >= 3);

    uint8_t *data = content();
    GError *e = NULL;
    GByteArray *t = bt_metainfo_build_from_data("file.bin", data, CONTENT_LEN, PIECE_LEN,
                                                "http://tracker:6969/announce", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    char *thex = hex(t->data, t->len);
    CU_ASSERT_STRING_EQUAL(thex, lines[0]);

    bt_metainfo *m = bt_metainfo_parse(t->data, t->len, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    char *ih = hex(m->info_hash, BT_SHA1_LEN);
    CU_ASSERT_STRING_EQUAL(ih, lines[1]);
    char *ph = hex(m->pieces, (size_t)m->piece_count * BT_SHA1_LEN);
    CU_ASSERT_STRING_EQUAL(ph, lines[2]);
    CU_ASSERT_STRING_EQUAL(m->announce, "http://tracker:6969/announce");
    CU_ASSERT_STRING_EQUAL(m->name, "file.bin");
    CU_ASSERT_EQUAL(m->length, CONTENT_LEN);
    CU_ASSERT_EQUAL(m->piece_length, PIECE_LEN);
    CU_ASSERT_EQUAL(m->piece_count, 4);

    /* Pieces: three of 32768 bytes, the last 100000 - 3 * 32768 = 1696. */
    CU_ASSERT_EQUAL(bt_metainfo_piece_size(m, 0), PIECE_LEN);
    CU_ASSERT_EQUAL(bt_metainfo_piece_size(m, 2), PIECE_LEN);
    CU_ASSERT_EQUAL(bt_metainfo_piece_size(m, 3), 1696);
    CU_ASSERT_EQUAL(bt_metainfo_piece_size(m, 4), 0);
    for (uint32_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(bt_metainfo_check_piece(m, i, data + (size_t)i * PIECE_LEN,
                                                (size_t)bt_metainfo_piece_size(m, i)),
                        BT_PIECE_OK);
    CU_ASSERT_EQUAL(bt_metainfo_check_piece(m, 1, data + 1, PIECE_LEN), BT_PIECE_MISMATCH);
    data[3 * PIECE_LEN + 5] ^= 1;
    CU_ASSERT_EQUAL(bt_metainfo_check_piece(m, 3, data + 3 * PIECE_LEN, 1696), BT_PIECE_MISMATCH);
    CU_ASSERT_EQUAL(bt_metainfo_check_piece(m, 3, data + 3 * PIECE_LEN, 1695), BT_PIECE_BAD_SIZE);
    CU_ASSERT_EQUAL(bt_metainfo_check_piece(m, 0, data, PIECE_LEN + 1), BT_PIECE_BAD_SIZE);
    CU_ASSERT_EQUAL(bt_metainfo_check_piece(m, 4, data, 1), BT_PIECE_BAD_INDEX);

    /* The raw info bytes are those of the file, and hash to the info-hash. */
    uint8_t again[BT_SHA1_LEN];
    bt_sha1(m->info, m->info_len, again);
    CU_ASSERT(memcmp(again, m->info_hash, BT_SHA1_LEN) == 0);

    bt_metainfo_free(m);
    g_free(ih);
    g_free(ph);
    g_free(thex);
    g_byte_array_unref(t);
    g_free(data);
    g_strfreev(lines);
    g_free(out);
    g_free(err);
}

/* The info-hash is of the info value's bytes as written, unknown keys
 * included, not of a re-encoding of the fields read. */
static void test_unknown_keys_hashed(void)
{
    uint8_t pieces[BT_SHA1_LEN] = {0};
    benc_node *info = benc_node_dict();
    benc_dict_set(info, "name", benc_node_cstr("x"));
    benc_dict_set(info, "length", benc_node_int(10));
    benc_dict_set(info, "piece length", benc_node_int(16));
    benc_dict_set(info, "pieces", benc_node_str(pieces, sizeof pieces));
    benc_dict_set(info, "private", benc_node_int(1));
    GByteArray *ib = g_byte_array_new();
    benc_node_encode(info, ib);
    benc_node *t = benc_node_dict();
    benc_dict_set(t, "announce", benc_node_cstr("http://t/a"));
    benc_dict_set(t, "comment", benc_node_cstr("ignored"));
    benc_dict_set(t, "info", benc_node_raw(ib->data, ib->len));
    GByteArray *tb = g_byte_array_new();
    benc_node_encode(t, tb);
    bt_metainfo *m = bt_metainfo_parse(tb->data, tb->len, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    uint8_t want[BT_SHA1_LEN];
    bt_sha1(ib->data, ib->len, want);
    CU_ASSERT(memcmp(m->info_hash, want, BT_SHA1_LEN) == 0);
    CU_ASSERT_EQUAL(m->info_len, ib->len);
    CU_ASSERT_EQUAL(bt_metainfo_piece_size(m, 0), 10);
    bt_metainfo_free(m);
    benc_node_free(t);
    benc_node_free(info);
    g_byte_array_unref(ib);
    g_byte_array_unref(tb);
}

/* A torrent with the given fields; NULL (or a negative number) leaves a
 * key out. `pieces` bytes of hashes. `extra`: a key of info set to 1. */
static GByteArray *torrent(const char *announce, const char *name, int64_t plen, int64_t len, size_t pieces,
                           const char *extra)
{
    benc_node *info = benc_node_dict();
    if (name)
        benc_dict_set(info, "name", benc_node_cstr(name));
    if (plen > -100)
        benc_dict_set(info, "piece length", benc_node_int(plen));
    if (len > -100)
        benc_dict_set(info, "length", benc_node_int(len));
    if (pieces != (size_t)-1) {
        uint8_t *p = g_malloc0(pieces + 1);
        benc_dict_set(info, "pieces", benc_node_str(p, pieces));
        g_free(p);
    }
    if (extra)
        benc_dict_set(info, extra, benc_node_int(1));
    benc_node *t = benc_node_dict();
    if (announce)
        benc_dict_set(t, "announce", benc_node_cstr(announce));
    benc_dict_set(t, "info", info);
    GByteArray *out = g_byte_array_new();
    benc_node_encode(t, out);
    benc_node_free(t);
    return out;
}

typedef struct {
    const char *what;
    const char *announce, *name;
    int64_t plen, len;
    size_t pieces;
    const char *extra;
    int code;             /* -1: accepted */
    const char *message;  /* a part of the message */
} torrent_case;

#define NOKEY (-1000)
#define NOPIECES ((size_t)-1)
#define OK (-1)

static const torrent_case torrents[] = {
    {"minimal", "http://t/a", "f", 1, 1, 20, NULL, OK, NULL},
    {"exact pieces", "http://t/a", "f", 16, 32, 40, NULL, OK, NULL},
    {"one byte over", "http://t/a", "f", 16, 33, 60, NULL, OK, NULL},
    {"utf-8 name", "http://t/a", "caf\xc3\xa9 a..b .hidden", 16, 1, 20, NULL, OK, NULL},
    {"no announce", NULL, "f", 16, 1, 20, NULL, BT_METAINFO_ERROR_MISSING, "announce is missing"},
    {"empty announce", "", "f", 16, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "announce must be"},
    {"announce with space", "http://t/a b", "f", 16, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "announce must be"},
    {"no name", "http://t/a", NULL, 16, 1, 20, NULL, BT_METAINFO_ERROR_MISSING, "info.name is missing"},
    {"name with slash", "http://t/a", "a/b", 16, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "safe file name"},
    {"name ..", "http://t/a", "..", 16, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "safe file name"},
    {"name .", "http://t/a", ".", 16, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "safe file name"},
    {"name ../x", "http://t/a", "../x", 16, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "safe file name"},
    {"name backslash", "http://t/a", "..\\x", 16, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "safe file name"},
    {"name control", "http://t/a", "a\nb", 16, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "safe file name"},
    {"empty name", "http://t/a", "", 16, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "safe file name"},
    {"no piece length", "http://t/a", "f", NOKEY, 1, 20, NULL, BT_METAINFO_ERROR_MISSING,
     "info.piece length is missing"},
    {"piece length 0", "http://t/a", "f", 0, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "piece length 0 is out of range"},
    {"piece length -1", "http://t/a", "f", -1, 1, 20, NULL, BT_METAINFO_ERROR_INVALID, "out of range"},
    {"piece length too big", "http://t/a", "f", (int64_t)BT_MAX_PIECE_LENGTH + 1, 1, 20, NULL,
     BT_METAINFO_ERROR_INVALID, "out of range"},
    {"no length", "http://t/a", "f", 16, NOKEY, 20, NULL, BT_METAINFO_ERROR_MISSING, "info.length is missing"},
    {"length 0", "http://t/a", "f", 16, 0, 0, NULL, BT_METAINFO_ERROR_INVALID, "info.length 0 is out of range"},
    {"length too big", "http://t/a", "f", (int64_t)BT_MAX_PIECE_LENGTH, (int64_t)BT_MAX_LENGTH + 1, 20, NULL,
     BT_METAINFO_ERROR_INVALID, "info.length"},
    {"too many pieces", "http://t/a", "f", 1, (int64_t)BT_MAX_PIECES + 1, 20, NULL, BT_METAINFO_ERROR_INVALID,
     "more than the limit"},
    {"no pieces", "http://t/a", "f", 16, 1, NOPIECES, NULL, BT_METAINFO_ERROR_MISSING, "info.pieces is missing"},
    {"pieces not 20s", "http://t/a", "f", 16, 1, 19, NULL, BT_METAINFO_ERROR_INVALID, "info.pieces has 19 bytes"},
    {"pieces short", "http://t/a", "f", 16, 33, 40, NULL, BT_METAINFO_ERROR_INVALID, "3 pieces need 60"},
    {"pieces long", "http://t/a", "f", 16, 32, 60, NULL, BT_METAINFO_ERROR_INVALID, "2 pieces need 40"},
    {"multi-file", "http://t/a", "d", 16, NOKEY, 20, "files", BT_METAINFO_ERROR_MULTI_FILE, "multi-file"},
};

static void test_torrent_cases(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(torrents); i++) {
        const torrent_case *c = &torrents[i];
        GByteArray *t = torrent(c->announce, c->name, c->plen, c->len, c->pieces, c->extra);
        GError *err = NULL;
        bt_metainfo *m = bt_metainfo_parse(t->data, t->len, &err);
        if (c->code == OK) {
            if (!m)
                fprintf(stderr, "%s: refused: %s\n", c->what, err->message);
            CU_ASSERT_PTR_NOT_NULL(m);
            g_clear_error(&err);
        } else {
            CU_ASSERT_PTR_NULL(m);
            CU_ASSERT_PTR_NOT_NULL_FATAL(err);
            if (err->code != c->code || !strstr(err->message, c->message))
                fprintf(stderr, "%s: got \"%s\" (code %d)\n", c->what, err->message, err->code);
            CU_ASSERT(g_error_matches(err, BT_METAINFO_ERROR, c->code));
            CU_ASSERT_PTR_NOT_NULL(strstr(err->message, c->message));
            g_error_free(err);
        }
        bt_metainfo_free(m);
        g_byte_array_unref(t);
    }
}

typedef struct {
    const char *in;
    int code;
    const char *message;
} raw_case;

static const raw_case raw[] = {
    {"", BT_METAINFO_ERROR_BENCODE, "not a valid .torrent: offset 0: unexpected end of input"},
    {"d8:announce3:x/y4:infod", BT_METAINFO_ERROR_BENCODE, "not a valid .torrent: offset 23:"},
    {"d4:infode8:announce1:ae", BT_METAINFO_ERROR_BENCODE, "offset 9: dictionary key not in ascending order"},
    {"le", BT_METAINFO_ERROR_INVALID, "the top value is of type list, not dictionary"},
    {"d8:announcei1e4:infodee", BT_METAINFO_ERROR_INVALID, "announce (offset 11) is of type integer, not byte string"},
    {"d8:announce3:x/ye", BT_METAINFO_ERROR_MISSING, "info is missing"},
    {"d8:announce3:x/y4:info0:e", BT_METAINFO_ERROR_INVALID, "info (offset 22) is of type byte string, not dictionary"},
    {"d8:announce3:x/y4:infod4:namei1eee", BT_METAINFO_ERROR_INVALID,
     "info.name (offset 29) is of type integer, not byte string"},
};

static void test_raw_cases(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(raw); i++) {
        GError *err = NULL;
        size_t len = strlen(raw[i].in);
        uint8_t *copy = g_memdup2(raw[i].in, len);
        bt_metainfo *m = bt_metainfo_parse(copy, len, &err);
        CU_ASSERT_PTR_NULL(m);
        CU_ASSERT_PTR_NOT_NULL_FATAL(err);
        if (err->code != raw[i].code || !strstr(err->message, raw[i].message))
            fprintf(stderr, "raw case %zu: got \"%s\" (code %d)\n", i, err->message, err->code);
        CU_ASSERT(g_error_matches(err, BT_METAINFO_ERROR, raw[i].code));
        CU_ASSERT_PTR_NOT_NULL(strstr(err->message, raw[i].message));
        g_error_free(err);
        bt_metainfo_free(m);
        g_free(copy);
    }
}

static void test_build_refusals(void)
{
    uint8_t d[4] = {1, 2, 3, 4};
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(bt_metainfo_build_from_data("../x", d, 4, 2, "http://t/a", &err));
    CU_ASSERT(g_error_matches(err, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(bt_metainfo_build_from_data("x", d, 4, 0, "http://t/a", &err));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(bt_metainfo_build_from_data("x", d, 0, 2, "http://t/a", &err));
    g_clear_error(&err);
    CU_ASSERT_PTR_NULL(bt_metainfo_build_from_data("x", d, 4, 2, "no spaces please", &err));
    g_clear_error(&err);
    /* Built pieces of two bytes: the last piece is whole. */
    GByteArray *t = bt_metainfo_build_from_data("x", d, 4, 2, "http://t/a", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    bt_metainfo *m = bt_metainfo_parse(t->data, t->len, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->piece_count, 2);
    CU_ASSERT_EQUAL(bt_metainfo_piece_size(m, 1), 2);
    CU_ASSERT_EQUAL(bt_metainfo_check_piece(m, 1, d + 2, 2), BT_PIECE_OK);
    bt_metainfo_free(m);
    g_byte_array_unref(t);
}

static void test_safe_names(void)
{
    CU_ASSERT(bt_name_is_safe("a", 1));
    CU_ASSERT(bt_name_is_safe("...", 3));
    CU_ASSERT_FALSE(bt_name_is_safe("a\0b", 3));
    char longname[BT_MAX_NAME + 1];
    memset(longname, 'a', sizeof longname);
    CU_ASSERT(bt_name_is_safe(longname, BT_MAX_NAME));
    CU_ASSERT_FALSE(bt_name_is_safe(longname, BT_MAX_NAME + 1));
    CU_ASSERT_FALSE(bt_name_is_safe("a\x7f", 2));
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_build_against_python), TEST(test_unknown_keys_hashed), TEST(test_torrent_cases),
        TEST(test_raw_cases),            TEST(test_build_refusals),      TEST(test_safe_names),
    };
    return test_main("protocols/bt/metainfo", tests, G_N_ELEMENTS(tests));
}
