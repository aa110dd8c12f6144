/*
 * Fuzz target mime_msg: the message parser (protocols/mime/mime_msg.c) and
 * the codecs (mime_codec.c).
 *
 * Input: any bytes, read as a whole message (RFC 5322 with MIME).
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - a message that parses has at most MIME_MAX_PARTS parts, none deeper
 *    than MIME_MAX_DEPTH, each body inside the input; every part decodes
 *    (any status) and a multipart's boundary is at most 70 characters;
 *  - mime_msg_serialise of it parses again into the same tree: the same
 *    types, encodings, fields (names and unfolded values), preambles and
 *    epilogues, parts, and decoded bytes with the same status;
 *  - the input as base64: when it decodes, encoding the bytes and
 *    decoding again gives them back; as quoted-printable: the decoded
 *    bytes encoded (text and binary mode) decode back to themselves, in
 *    lines of at most 76 characters;
 *  - the input as a header value: decoding never fails; encoding valid
 *    UTF-8 gives printable ASCII that decodes back to it;
 *  - the builder: a multipart holding the input as a text part and as an
 *    attachment named by its first third (made valid UTF-8), with that
 *    third as Subject, serialises into lines of at most 998 characters
 *    that parse back to the same Subject, text (line breaks as CRLF),
 *    bytes and filename (unless it holds "=?", which a reader decodes).
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/mime/mime_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const GByteArray *a, const GByteArray *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void check_part(const mime_msg *m, const mime_part *p)
{
    FUZZ_CHECK(p->depth <= MIME_MAX_DEPTH, "depth %u", p->depth);
    FUZZ_CHECK(p->body >= m->data && p->body + p->body_len <= m->data + m->len, "body outside the input");
    GByteArray *d = g_byte_array_new();
    (void)mime_part_decode(p, d, NULL);
    g_byte_array_free(d, TRUE);
    if (p->parts) {
        FUZZ_CHECK(p->boundary && strlen(p->boundary) <= MIME_BOUNDARY_MAX, "boundary");
        for (guint i = 0; i < p->parts->len; i++)
            check_part(m, g_ptr_array_index(p->parts, i));
    }
}

static void same_tree(const mime_part *a, const mime_part *b)
{
    FUZZ_CHECK(strcmp(a->type, b->type) == 0 && strcmp(a->subtype, b->subtype) == 0, "type %s/%s vs %s/%s",
               a->type, a->subtype, b->type, b->subtype);
    FUZZ_CHECK(a->cte == b->cte, "encoding");
    FUZZ_CHECK(a->fields->len == b->fields->len, "field count %u vs %u", a->fields->len, b->fields->len);
    for (guint i = 0; i < a->fields->len; i++) {
        const mime_field *fa = g_ptr_array_index(a->fields, i), *fb = g_ptr_array_index(b->fields, i);
        FUZZ_CHECK(strcmp(fa->name, fb->name) == 0 && strcmp(fa->value, fb->value) == 0, "field %u", i);
    }
    FUZZ_CHECK((a->parts == NULL) == (b->parts == NULL), "multipart or not");
    if (!a->parts) {
        GByteArray *da = g_byte_array_new(), *db = g_byte_array_new();
        mime_status sa = mime_part_decode(a, da, NULL), sb = mime_part_decode(b, db, NULL);
        FUZZ_CHECK(sa == sb, "decode status %d vs %d", sa, sb);
        FUZZ_CHECK(same(da, db), "decoded bytes");
        g_byte_array_free(da, TRUE);
        g_byte_array_free(db, TRUE);
        return;
    }
    FUZZ_CHECK((a->preamble == NULL) == (b->preamble == NULL) && a->preamble_len == b->preamble_len &&
                   (a->preamble_len == 0 || memcmp(a->preamble, b->preamble, a->preamble_len) == 0),
               "preamble");
    FUZZ_CHECK((a->epilogue == NULL) == (b->epilogue == NULL) && a->epilogue_len == b->epilogue_len &&
                   (a->epilogue_len == 0 || memcmp(a->epilogue, b->epilogue, a->epilogue_len) == 0),
               "epilogue");
    FUZZ_CHECK(a->parts->len == b->parts->len, "part count %u vs %u", a->parts->len, b->parts->len);
    for (guint i = 0; i < a->parts->len; i++)
        same_tree(g_ptr_array_index(a->parts, i), g_ptr_array_index(b->parts, i));
}

static void check_lines(const GString *s)
{
    size_t col = 0;
    for (size_t i = 0; i < s->len; i++) {
        if (s->str[i] == '\r' && i + 1 < s->len && s->str[i + 1] == '\n') {
            col = 0;
            i++;
            continue;
        }
        FUZZ_CHECK(++col <= MIME_LINE_MAX, "encoded line over 76");
    }
}

static void check_codecs(const uint8_t *data, size_t size)
{
    GByteArray *d = g_byte_array_new();
    if (mime_base64_decode((const char *)data, size, d, NULL) == MIME_OK) {
        GString *e = g_string_new(NULL);
        mime_base64_encode(d->data, d->len, MIME_LINE_MAX, e);
        check_lines(e);
        GByteArray *d2 = g_byte_array_new();
        FUZZ_CHECK(mime_base64_decode(e->str, e->len, d2, NULL) == MIME_OK && same(d, d2), "base64 round trip");
        g_byte_array_free(d2, TRUE);
        g_string_free(e, TRUE);
    }
    g_byte_array_set_size(d, 0);
    (void)mime_qp_decode((const char *)data, size, d);
    for (int text = 0; text < 2; text++) {
        GString *e = g_string_new(NULL);
        mime_qp_encode(d->data, d->len, text, e);
        check_lines(e);
        GByteArray *d2 = g_byte_array_new();
        FUZZ_CHECK(mime_qp_decode(e->str, e->len, d2) == 0 && same(d, d2), "quoted-printable round trip");
        g_byte_array_free(d2, TRUE);
        g_string_free(e, TRUE);
    }
    g_byte_array_free(d, TRUE);

    char *s = fuzz_cstring(data, size);
    char *dec = mime_header_decode(s);
    g_free(dec);
    if (g_utf8_validate(s, -1, NULL)) {
        char *e = mime_header_encode(s, size % 2 == 0, size % 40);
        for (const char *p = e; *p; p++)
            FUZZ_CHECK(((unsigned char)*p >= 32 && (unsigned char)*p < 127) || *p == '\t', "encoded header byte");
        char *back = mime_header_decode(e);
        FUZZ_CHECK(strcmp(back, s) == 0, "encoded word round trip");
        g_free(back);
        g_free(e);
    }
    g_free(s);
}

static void check_builder(const uint8_t *data, size_t size)
{
    char *head = fuzz_cstring(data, size / 3);
    char *valid = g_utf8_make_valid(head, -1);
    mime_out *top = mime_out_multipart_new(size % 2 ? "mixed" : "alternative");
    mime_out_header(top, "Subject", valid);
    mime_out_address(top, "From", valid, "alice@crepes.fr");
    mime_out_add(top, mime_out_text_new("plain", (const char *)data, size));
    mime_out_add(top, mime_out_attachment_new("application/octet-stream", valid, data, size));
    GByteArray *b = mime_out_serialise(top);
    size_t col = 0;
    for (guint i = 0; i < b->len; i++) {
        if (b->data[i] == '\r' && i + 1 < b->len && b->data[i + 1] == '\n') {
            col = 0;
            i++;
            continue;
        }
        FUZZ_CHECK(b->data[i] != '\n' && b->data[i] != '\r', "a bare CR or LF written");
        FUZZ_CHECK(++col <= 998, "a line over 998 characters");
    }
    mime_msg *m = NULL;
    mime_status st = mime_msg_parse(b->data, b->len, &m, NULL);
    FUZZ_CHECK(st == MIME_OK, "a built message does not parse: %s", mime_status_name(st));
    char *subject = mime_part_header_decoded(m->root, "Subject");
    char *want = mime_header_is_plain(valid) ? g_strstrip(g_strdup(valid)) : g_strdup(valid);
    FUZZ_CHECK(subject && strcmp(subject, want) == 0, "Subject");
    FUZZ_CHECK(m->root->parts && m->root->parts->len == 2, "two parts");
    GByteArray *text = g_byte_array_new(), *got = g_byte_array_new();
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\r' || data[i] == '\n') {
            g_byte_array_append(text, (const uint8_t *)"\r\n", 2);
            if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
                i++;
        } else {
            g_byte_array_append(text, data + i, 1);
        }
    }
    FUZZ_CHECK(mime_part_decode(g_ptr_array_index(m->root->parts, 0), got, NULL) == MIME_OK && same(got, text),
               "text part");
    g_byte_array_set_size(got, 0);
    const mime_part *att = g_ptr_array_index(m->root->parts, 1);
    FUZZ_CHECK(mime_part_decode(att, got, NULL) == MIME_OK && got->len == size &&
                   (size == 0 || memcmp(got->data, data, size) == 0),
               "attachment bytes");
    if (!strstr(valid, "=?"))
        FUZZ_CHECK(att->filename && strcmp(att->filename, valid) == 0, "filename [%s] vs [%s]",
                   att->filename ? att->filename : "(none)", valid);
    g_byte_array_free(text, TRUE);
    g_byte_array_free(got, TRUE);
    g_free(want);
    g_free(subject);
    mime_msg_free(m);
    g_byte_array_free(b, TRUE);
    mime_out_free(top);
    g_free(valid);
    g_free(head);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mime_msg *m = NULL;
    if (mime_msg_parse(data, size, &m, NULL) == MIME_OK) {
        FUZZ_CHECK(m->part_count <= MIME_MAX_PARTS, "part count %zu", m->part_count);
        check_part(m, m->root);
        GByteArray *out = mime_msg_serialise(m);
        mime_msg *again = NULL;
        mime_status st = mime_msg_parse(out->data, out->len, &again, NULL);
        FUZZ_CHECK(st == MIME_OK, "the serialised message does not parse: %s", mime_status_name(st));
        same_tree(m->root, again->root);
        mime_msg_free(again);
        g_byte_array_free(out, TRUE);
        mime_msg_free(m);
    }
    check_codecs(data, size);
    check_builder(data, size);
    return 0;
}
