/*
 * Fuzz target dns_msg: the DNS wire codec (protocols/dns/dns_wire.c) and
 * the text form (dns_text.c).
 *
 * Input: one DNS message as it comes off the wire (no length prefix).
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - a message that decodes encodes again (limit 65535) without error, and
 *    the encoding decodes; unless records had to be left out, the two
 *    messages have the same dns_msg_to_text, and encoding the second gives
 *    the very same bytes; when records were left out (a message can grow:
 *    the input may point at names our encoder writes in full), what is
 *    kept is a prefix of the records, with TC when an answer or authority
 *    record is missing;
 *  - on an error with a whole header, the id is kept;
 *  - the input framed twice for TCP comes out of dns_tcp_reader as those
 *    two messages, fed whole and in pieces;
 *  - the input read as a TCP stream itself gives the same messages and the
 *    same failure, fed whole and in pieces.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/dns/dns_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the two arrays hold the same bytes (memcmp may not see the NULL
 * data of an empty array). */
static bool same_bytes(const GByteArray *a, const uint8_t *b, size_t len)
{
    return a->len == len && (len == 0 || memcmp(a->data, b, len) == 0);
}

/* Whether `b`'s records are the first ones of `a`'s, section by section. */
static bool is_prefix(const dns_msg *a, const dns_msg *b, bool *lost_answers)
{
    bool shorter = false;
    *lost_answers = false;
    for (int s = 0; s < DNS_SEC__COUNT; s++) {
        guint na = dns_msg_count(a, (dns_section)s), nb = dns_msg_count(b, (dns_section)s);
        if (nb > na || (shorter && nb > 0))
            return false;
        for (guint i = 0; i < nb; i++) {
            char *ta = dns_rr_to_text(dns_msg_rr(a, (dns_section)s, i));
            char *tb = dns_rr_to_text(dns_msg_rr(b, (dns_section)s, i));
            bool same = strcmp(ta, tb) == 0;
            g_free(ta);
            g_free(tb);
            if (!same)
                return false;
        }
        if (nb < na) {
            shorter = true;
            if (s != DNS_SEC_ADDITIONAL)
                *lost_answers = true;
        }
    }
    return true;
}

static void check_codec(const uint8_t *data, size_t size)
{
    dns_msg m, again;
    dns_msg_init(&m);
    dns_msg_init(&again);
    dns_status st = dns_msg_decode(data, size, &m);
    if (st != DNS_OK) {
        if (size >= DNS_HEADER_LEN)
            FUZZ_CHECK(m.id == (data[0] << 8 | data[1]), "id lost on error %s",
                       dns_status_name(st));
        FUZZ_CHECK(m.qname == NULL && dns_msg_count(&m, DNS_SEC_ANSWER) == 0,
                   "fields left after error %s", dns_status_name(st));
        dns_msg_clear(&m);
        dns_msg_clear(&again);
        return;
    }
    GByteArray *b = g_byte_array_new();
    bool cut = false;
    st = dns_msg_encode(&m, DNS_MSG_MAX, b, &cut);
    FUZZ_CHECK(st == DNS_OK, "a decoded message does not encode: %s", dns_status_name(st));
    FUZZ_CHECK(b->len <= DNS_MSG_MAX, "encoding over the limit: %u", b->len);
    uint8_t *copy = g_memdup2(b->data, b->len);
    st = dns_msg_decode(copy, b->len, &again);
    g_free(copy);
    FUZZ_CHECK(st == DNS_OK, "an encoding does not decode: %s", dns_status_name(st));
    if (!cut) {
        char *ta = dns_msg_to_text(&m), *tb = dns_msg_to_text(&again);
        FUZZ_CHECK(strcmp(ta, tb) == 0, "the round trip changed the message:\n%s\n---\n%s", ta,
                   tb);
        g_free(ta);
        g_free(tb);
        GByteArray *b2 = g_byte_array_new();
        FUZZ_CHECK(dns_msg_encode(&again, DNS_MSG_MAX, b2, NULL) == DNS_OK, "second encoding");
        FUZZ_CHECK(same_bytes(b2, b->data, b->len), "the second encoding differs from the first");
        g_byte_array_unref(b2);
    } else {
        bool lost_answers = false;
        FUZZ_CHECK(is_prefix(&m, &again, &lost_answers), "truncation kept a non-prefix");
        FUZZ_CHECK(!lost_answers || again.tc, "answers left out without TC");
        FUZZ_CHECK(again.edns == m.edns, "the OPT record was not kept");
    }
    g_byte_array_unref(b);
    dns_msg_clear(&m);
    dns_msg_clear(&again);
}

/* Feeds `len` bytes to a new reader in pieces of `piece` bytes (each an
 * exact-size copy); appends every message, with its length, to `out`.
 * Returns whether the reader failed. */
static bool read_stream(const uint8_t *data, size_t len, size_t piece, GByteArray *out)
{
    dns_tcp_reader r;
    dns_tcp_reader_init(&r);
    for (size_t off = 0; off < len && !dns_tcp_reader_failed(&r);) {
        size_t n = MIN(piece, len - off);
        uint8_t *chunk = g_memdup2(data + off, n);
        size_t used = 0;
        while (used < n) {
            size_t t = dns_tcp_reader_feed(&r, chunk + used, n - used);
            used += t;
            const uint8_t *msg;
            size_t mlen;
            bool any = false;
            while (dns_tcp_reader_next(&r, &msg, &mlen)) {
                any = true;
                FUZZ_CHECK(mlen >= DNS_HEADER_LEN && mlen <= DNS_MSG_MAX, "message of %zu bytes",
                           mlen);
                uint8_t l[2] = {(uint8_t)(mlen >> 8), (uint8_t)mlen};
                g_byte_array_append(out, l, 2);
                g_byte_array_append(out, msg, (guint)mlen);
            }
            if (t == 0 && !any) {
                FUZZ_CHECK(dns_tcp_reader_failed(&r), "the reader took nothing and gave nothing");
                break;
            }
        }
        g_free(chunk);
        off += n;
    }
    bool failed = dns_tcp_reader_failed(&r);
    dns_tcp_reader_clear(&r);
    return failed;
}

static void check_tcp(const uint8_t *data, size_t size)
{
    size_t piece = 1 + (size ? data[size - 1] % 13 : 0);
    /* The input framed twice. */
    if (size >= DNS_HEADER_LEN && size <= DNS_MSG_MAX) {
        GByteArray *stream = g_byte_array_new();
        for (int i = 0; i < 2; i++) {
            uint8_t l[2] = {(uint8_t)(size >> 8), (uint8_t)size};
            g_byte_array_append(stream, l, 2);
            g_byte_array_append(stream, data, (guint)size);
        }
        GByteArray *whole = g_byte_array_new(), *pieces = g_byte_array_new();
        FUZZ_CHECK(!read_stream(stream->data, stream->len, stream->len, whole), "framed: failed");
        FUZZ_CHECK(!read_stream(stream->data, stream->len, piece, pieces), "framed: failed");
        FUZZ_CHECK(same_bytes(whole, stream->data, stream->len),
                   "framed: not the two messages (whole)");
        FUZZ_CHECK(same_bytes(pieces, stream->data, stream->len),
                   "framed: not the two messages (pieces of %zu)", piece);
        g_byte_array_unref(whole);
        g_byte_array_unref(pieces);
        g_byte_array_unref(stream);
    }
    /* The input as a stream. */
    GByteArray *whole = g_byte_array_new(), *pieces = g_byte_array_new();
    bool f1 = read_stream(data, size, size ? size : 1, whole);
    bool f2 = read_stream(data, size, piece, pieces);
    FUZZ_CHECK(f1 == f2, "failure depends on the split");
    FUZZ_CHECK(same_bytes(whole, pieces->data, pieces->len),
               "messages depend on the split (pieces of %zu)", piece);
    g_byte_array_unref(whole);
    g_byte_array_unref(pieces);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = g_memdup2(data, size);
    check_codec(copy, size);
    check_tcp(copy, size);
    g_free(copy);
    return 0;
}
