/*
 * bt_metainfo: parsing and building single-file .torrent files (see
 * bt_metainfo.h for the rules and limits).
 */
#include "protocols/bt/bt_metainfo.h"

#include <string.h>

#include "protocols/bt/bencode.h"

G_DEFINE_QUARK(bt-metainfo-error-quark, bt_metainfo_error)

#define METAINFO_MAX_DEPTH 32
#define METAINFO_MAX_VALUES 65536

void bt_sha1(const uint8_t *data, size_t len, uint8_t out[BT_SHA1_LEN])
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA1);
    /* g_checksum_update takes a gssize: feed very large buffers in parts. */
    while (len > 0) {
        size_t n = MIN(len, (size_t)G_MAXSSIZE / 2);
        g_checksum_update(c, data, (gssize)n);
        data += n;
        len -= n;
    }
    gsize outlen = BT_SHA1_LEN;
    g_checksum_get_digest(c, out, &outlen);
    g_checksum_free(c);
}

bool bt_name_is_safe(const char *name, size_t len)
{
    if (len == 0 || len > BT_MAX_NAME)
        return false;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return false;
    }
    return true;
}

static bool announce_ok(const uint8_t *s, size_t len)
{
    if (len == 0 || len > BT_MAX_ANNOUNCE)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

/* ceil(length / piece_length) when both are in range, else 0. */
static uint64_t piece_count(uint64_t length, uint64_t piece_length)
{
    if (length == 0 || piece_length == 0)
        return 0;
    return length / piece_length + (length % piece_length != 0);
}

/* Checks the values of the info dictionary (shared by parse and build). */
static bool check_values(const char *name, size_t name_len, int64_t piece_length, int64_t length, size_t pieces_len,
                         GError **error)
{
    if (!bt_name_is_safe(name, name_len)) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID,
                    "info.name is not a safe file name (1 to %d bytes, no '/', '\\' or control bytes, not . or ..)",
                    BT_MAX_NAME);
        return false;
    }
    if (piece_length < 1 || (uint64_t)piece_length > BT_MAX_PIECE_LENGTH) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID,
                    "info.piece length %" G_GINT64_FORMAT " is out of range (1 to %" G_GUINT64_FORMAT ")",
                    piece_length, BT_MAX_PIECE_LENGTH);
        return false;
    }
    if (length < 1 || (uint64_t)length > BT_MAX_LENGTH) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID,
                    "info.length %" G_GINT64_FORMAT " is out of range (1 to %" G_GUINT64_FORMAT ")", length,
                    BT_MAX_LENGTH);
        return false;
    }
    uint64_t count = piece_count((uint64_t)length, (uint64_t)piece_length);
    if (count > BT_MAX_PIECES) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID,
                    "%" G_GUINT64_FORMAT " pieces, more than the limit of %" G_GUINT64_FORMAT, count, BT_MAX_PIECES);
        return false;
    }
    if (pieces_len % BT_SHA1_LEN != 0 || pieces_len / BT_SHA1_LEN != count) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID,
                    "info.pieces has %zu bytes; %" G_GUINT64_FORMAT " pieces need %" G_GUINT64_FORMAT, pieces_len,
                    count, count * BT_SHA1_LEN);
        return false;
    }
    return true;
}

/* The value under key of dict, of the wanted type; NULL and an error. */
static const benc_value *need(const benc_value *dict, const char *key, benc_type type, const char *where,
                              GError **error)
{
    const benc_value *v = benc_dict_get(dict, key);
    if (!v) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_MISSING, "%s%s is missing", where, key);
        return NULL;
    }
    if (benc_type_of(v) != type) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID, "%s%s (offset %zu) is of type %s, not %s",
                    where, key, benc_offset(v), benc_type_name(benc_type_of(v)), benc_type_name(type));
        return NULL;
    }
    return v;
}

bt_metainfo *bt_metainfo_parse(const uint8_t *data, size_t len, GError **error)
{
    benc_limits lim = {.max_input = BT_METAINFO_MAX_SIZE, .max_depth = METAINFO_MAX_DEPTH,
                       .max_values = METAINFO_MAX_VALUES};
    GError *err = NULL;
    benc_doc *doc = benc_decode(data, len, &lim, &err);
    if (!doc) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_BENCODE, "not a valid .torrent: %s", err->message);
        g_error_free(err);
        return NULL;
    }
    bt_metainfo *m = NULL;
    const benc_value *root = benc_doc_root(doc);
    if (benc_type_of(root) != BENC_DICT) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID, "the top value is of type %s, not dictionary",
                    benc_type_name(benc_type_of(root)));
        goto out;
    }
    const benc_value *announce = need(root, "announce", BENC_STR, "", error);
    if (!announce)
        goto out;
    size_t alen;
    const uint8_t *astr = benc_get_str(announce, &alen);
    if (!announce_ok(astr, alen)) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID,
                    "announce must be 1 to %d printable ASCII bytes without spaces", BT_MAX_ANNOUNCE);
        goto out;
    }
    const benc_value *info = need(root, "info", BENC_DICT, "", error);
    if (!info)
        goto out;
    if (benc_dict_get(info, "files")) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_MULTI_FILE,
                    "multi-file torrents (info.files) are not supported; only single-file mode");
        goto out;
    }
    const benc_value *name = need(info, "name", BENC_STR, "info.", error);
    const benc_value *plen = name ? need(info, "piece length", BENC_INT, "info.", error) : NULL;
    const benc_value *length = plen ? need(info, "length", BENC_INT, "info.", error) : NULL;
    const benc_value *pieces = length ? need(info, "pieces", BENC_STR, "info.", error) : NULL;
    if (!pieces)
        goto out;
    size_t nlen, plen_bytes;
    const uint8_t *nstr = benc_get_str(name, &nlen);
    const uint8_t *pstr = benc_get_str(pieces, &plen_bytes);
    int64_t piece_length = 0, file_length = 0;
    benc_get_int(plen, &piece_length);
    benc_get_int(length, &file_length);
    if (!check_values((const char *)nstr, nlen, piece_length, file_length, plen_bytes, error))
        goto out;
    m = g_new0(bt_metainfo, 1);
    m->announce = g_strndup((const char *)astr, alen);
    m->name = g_strndup((const char *)nstr, nlen);
    m->piece_length = (uint64_t)piece_length;
    m->length = (uint64_t)file_length;
    m->piece_count = (uint32_t)(plen_bytes / BT_SHA1_LEN);
    m->pieces = g_memdup2(pstr, plen_bytes);
    const uint8_t *raw = benc_raw(info, &m->info_len);
    m->info = g_memdup2(raw, m->info_len);
    bt_sha1(raw, m->info_len, m->info_hash);
out:
    benc_doc_free(doc);
    return m;
}

void bt_metainfo_free(bt_metainfo *m)
{
    if (!m)
        return;
    g_free(m->announce);
    g_free(m->name);
    g_free(m->pieces);
    g_free(m->info);
    g_free(m);
}

uint64_t bt_metainfo_piece_size(const bt_metainfo *m, uint32_t index)
{
    if (index >= m->piece_count)
        return 0;
    if (index + 1 < m->piece_count)
        return m->piece_length;
    return m->length - (uint64_t)(m->piece_count - 1) * m->piece_length;
}

bt_piece_check bt_metainfo_check_piece(const bt_metainfo *m, uint32_t index, const uint8_t *data, size_t len)
{
    if (index >= m->piece_count)
        return BT_PIECE_BAD_INDEX;
    if ((uint64_t)len != bt_metainfo_piece_size(m, index))
        return BT_PIECE_BAD_SIZE;
    uint8_t digest[BT_SHA1_LEN];
    bt_sha1(data, len, digest);
    return memcmp(digest, m->pieces + (size_t)index * BT_SHA1_LEN, BT_SHA1_LEN) == 0 ? BT_PIECE_OK
                                                                                      : BT_PIECE_MISMATCH;
}

GByteArray *bt_metainfo_build(const char *name, uint64_t length, uint64_t piece_length, const uint8_t *pieces,
                              const char *announce, GError **error)
{
    if (!announce || !announce_ok((const uint8_t *)announce, strlen(announce))) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID,
                    "the announce URL must be 1 to %d printable ASCII bytes without spaces", BT_MAX_ANNOUNCE);
        return NULL;
    }
    if (length > BT_MAX_LENGTH || piece_length > BT_MAX_PIECE_LENGTH) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID,
                    "length or piece length out of range (at most %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT ")",
                    BT_MAX_LENGTH, BT_MAX_PIECE_LENGTH);
        return NULL;
    }
    uint64_t count = piece_count(length, piece_length);
    if (!name || !check_values(name, strlen(name), (int64_t)piece_length, (int64_t)length,
                               (size_t)(count * BT_SHA1_LEN), error))
        return NULL;
    /* Keys written in ascending order: announce < info; length < name <
     * piece length < pieces. */
    GByteArray *out = g_byte_array_new();
    benc_put_dict_start(out);
    benc_put_cstr(out, "announce");
    benc_put_cstr(out, announce);
    benc_put_cstr(out, "info");
    benc_put_dict_start(out);
    benc_put_cstr(out, "length");
    benc_put_int(out, (int64_t)length);
    benc_put_cstr(out, "name");
    benc_put_cstr(out, name);
    benc_put_cstr(out, "piece length");
    benc_put_int(out, (int64_t)piece_length);
    benc_put_cstr(out, "pieces");
    benc_put_str(out, pieces, (size_t)(count * BT_SHA1_LEN));
    benc_put_end(out);
    benc_put_end(out);
    return out;
}

GByteArray *bt_metainfo_build_from_data(const char *name, const uint8_t *data, size_t len, uint64_t piece_length,
                                        const char *announce, GError **error)
{
    if (piece_length == 0 || piece_length > BT_MAX_PIECE_LENGTH || len == 0 || (uint64_t)len > BT_MAX_LENGTH ||
        piece_count(len, piece_length) > BT_MAX_PIECES) {
        g_set_error(error, BT_METAINFO_ERROR, BT_METAINFO_ERROR_INVALID,
                    "a file of %zu bytes in pieces of %" G_GUINT64_FORMAT " bytes is out of range (file 1 to %"
                    G_GUINT64_FORMAT " bytes, piece 1 to %" G_GUINT64_FORMAT ", at most %" G_GUINT64_FORMAT
                    " pieces)", len, piece_length, BT_MAX_LENGTH, BT_MAX_PIECE_LENGTH, BT_MAX_PIECES);
        return NULL;
    }
    uint64_t count = piece_count(len, piece_length);
    uint8_t *pieces = g_malloc((size_t)(count * BT_SHA1_LEN));
    for (uint64_t i = 0; i < count; i++) {
        size_t off = (size_t)(i * piece_length);
        size_t n = (size_t)MIN(piece_length, (uint64_t)(len - off));
        bt_sha1(data + off, n, pieces + i * BT_SHA1_LEN);
    }
    GByteArray *out = bt_metainfo_build(name, len, piece_length, pieces, announce, error);
    g_free(pieces);
    return out;
}
