/*
 * Fuzz target ftp_reply: the FTP codec (protocols/ftp/ftp_codec.c).
 *
 * Input: one setup byte, then bytes a server may send on the control
 * connection. The setup byte's low four bits plus 2 are the size of the
 * pieces of the second replay. The same bytes, as a C string, go through
 * every data-port parser (PORT, 227, EPRT, 229).
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - the replies parsed (codes and lines) and the final status are the
 *    same fed whole and in pieces;
 *  - the bytes the parser holds never exceed one reply's limits;
 *  - every complete reply's code has a class 1 to 5, and the reply written
 *    back by ftp_reply_format parses to the same code;
 *  - what a data-port parser accepts, the matching writer writes, and that
 *    parses back to the same address and port.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/ftp/ftp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds data in pieces of `piece` bytes; returns the replies as text. */
static char *replay(const uint8_t *data, size_t size, size_t piece, ftp_reply_status *last)
{
    ftp_reply_parser *p = ftp_reply_parser_new();
    GString *out = g_string_new(NULL);
    ftp_reply_status st = FTP_REPLY_NEED_MORE;
    size_t off = 0;
    while (off < size) {
        size_t n = MIN(piece, size - off);
        size_t used = ftp_reply_parser_feed(p, data + off, n, &st);
        FUZZ_CHECK(used <= n, "feed took more than given");
        off += used;
        if (st == FTP_REPLY_ERROR)
            break;
        FUZZ_CHECK(used > 0 || n == 0, "no progress");
        FUZZ_CHECK(ftp_reply_parser_buffered(p) <= (size_t)FTP_REPLY_MAX_LINE * FTP_REPLY_MAX_LINES,
                   "parser holds too much");
        if (st != FTP_REPLY_COMPLETE)
            continue;
        const ftp_reply *r = ftp_reply_parser_reply(p);
        FUZZ_CHECK(r && ftp_reply_class(r->code) >= 1, "bad code");
        g_string_append_printf(out, "%d", r->code);
        for (guint i = 0; i < r->lines->len; i++)
            g_string_append_printf(out, "\x01%s", (const char *)g_ptr_array_index(r->lines, i));
        g_string_append_c(out, '\n');
        char *first = g_strdup(r->lines->len ? (const char *)g_ptr_array_index(r->lines, 0) : "");
        char *back = ftp_reply_format(r->code, first);
        ftp_reply_parser *q = ftp_reply_parser_new();
        ftp_reply_status qs;
        ftp_reply_parser_feed(q, (const uint8_t *)back, strlen(back), &qs);
        FUZZ_CHECK(qs == FTP_REPLY_COMPLETE && ftp_reply_parser_reply(q)->code == r->code,
                   "formatted reply does not parse back: [%s] status %d", back, (int)qs);
        ftp_reply_parser_free(q);
        g_free(back);
        g_free(first);
    }
    *last = st;
    ftp_reply_parser_free(p);
    return g_string_free(out, FALSE);
}

static void check_hostport(const ftp_hostport *hp, char *(*fmt)(const ftp_hostport *),
                           bool (*parse)(const char *, ftp_hostport *))
{
    char *s = fmt(hp);
    FUZZ_CHECK(s != NULL, "an accepted address cannot be written");
    ftp_hostport back;
    FUZZ_CHECK(parse(s, &back), "written address does not parse: %s", s);
    FUZZ_CHECK(back.port == hp->port && back.family == hp->family, "address round trip: %s", s);
    g_free(s);
}

static void data_ports(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstring(data, size);
    ftp_hostport hp;
    if (ftp_parse_port(s, &hp))
        check_hostport(&hp, ftp_format_port, ftp_parse_port);
    if (ftp_parse_227(s, &hp))
        check_hostport(&hp, ftp_format_227, ftp_parse_227);
    if (ftp_parse_eprt(s, &hp))
        check_hostport(&hp, ftp_format_eprt, ftp_parse_eprt);
    uint16_t port;
    if (ftp_parse_229(s, &port)) {
        char *t = ftp_format_229(port);
        uint16_t back = 0;
        FUZZ_CHECK(ftp_parse_229(t, &back) && back == port, "229 round trip");
        g_free(t);
    }
    g_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t piece = (size_t)(data[0] & 15u) + 2;
    data++;
    size--;
    ftp_reply_status a, b;
    char *whole = replay(data, size, size ? size : 1, &a);
    char *pieces = replay(data, size, piece, &b);
    FUZZ_CHECK(strcmp(whole, pieces) == 0 && a == b, "whole and pieces differ");
    g_free(whole);
    g_free(pieces);
    data_ports(data, size);
    return 0;
}
