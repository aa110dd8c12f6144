/*
 * Fuzz target imap_server: the IMAP server core
 * (protocols/imap/imap_server_core.c and its modules: command parsing,
 * literals, FETCH rendering of ENVELOPE, BODYSTRUCTURE and sections,
 * SEARCH, the folder commands) on whatever a client may send, over a
 * small mail store made afresh for every replay.
 *
 * Input: one setup byte, then the bytes a client sends on one connection.
 * The setup byte's low bit chooses the limits (0: the defaults; 1: a
 * 64-byte command line, 100-byte literals and 3 BAD answers in a row,
 * which a short input can pass), its high four bits the size of the
 * pieces of the second replay (2 to 17). The store has the user alice
 * (password "wonderland") with a plain, a multipart and a nested
 * message/rfc822 message in INBOX, and an empty folder Archive.
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - what is written is the same fed whole, one byte per call, and in
 *    pieces;
 *  - the bytes the core holds never exceed the line limit plus the
 *    literal limit (and the "{n}" CRLF markers, a few bytes each);
 *  - feed makes progress whenever the output has been taken;
 *  - the output is well-formed: lines ending in CRLF, literals "{n}"
 *    CRLF followed by n bytes, the first line the "* OK [CAPABILITY"
 *    greeting, every line starting with "* ", "+ " or a tag;
 *  - after the core says closed, nothing more is written.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/imap/imap_server_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const messages[] = {
    "From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: Hello\r\n\r\nHi Bob\r\n",
    "From: \"Bob\" <bob@example.com>\r\nTo: a@b.c, team: d@e.f;\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
    "--XX\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "JVBERi0K\r\n--XX--\r\n",
    "Subject: fwd\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
    "Subject: inner\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\n\r\nplain\r\n--c--\r\n"
    "--b--\r\n",
};

static mail_store *make_store(void)
{
    mail_store *st = mail_store_new();
    mail_store_add_user(st, "alice", "wonderland", NULL);
    mail_folder *in = mail_store_folder(st, "alice", "INBOX", NULL);
    mail_store_folder_create(st, "alice", "Archive", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(messages); i++) {
        GBytes *b = g_bytes_new_static(messages[i], strlen(messages[i]));
        mail_folder_append(in, b, i == 0 ? MAIL_FLAG_SEEN : MAIL_FLAG_RECENT,
                           INT64_C(1793527200000000000) + (int64_t)i * INT64_C(86400000000000), NULL);
        g_bytes_unref(b);
    }
    return st;
}

static void drain(imap_server_core *s, GString *out, bool *was_closed, size_t limit)
{
    size_t n;
    const uint8_t *o = imap_server_core_output(s, &n);
    if (*was_closed)
        FUZZ_CHECK(n == 0, "output after the core closed");
    g_string_append_len(out, (const char *)o, (gssize)n);
    imap_server_core_consume(s, n);
    FUZZ_CHECK(imap_server_core_buffered(s) <= limit, "the core holds %zu bytes (limit %zu)",
               imap_server_core_buffered(s), limit);
    *was_closed = imap_server_core_closed(s);
}

static GString *replay(const uint8_t *data, size_t size, size_t piece, const imap_server_config *cfg, size_t limit)
{
    GString *out = g_string_new(NULL);
    bool closed = false;
    mail_store *st = make_store();
    imap_server_core *s = imap_server_core_new(cfg, st);
    imap_server_core_set_now(s, INT64_C(1793527200000000000));
    drain(s, out, &closed, limit);
    for (size_t off = 0; off < size; off += piece) {
        size_t n = MIN(piece, size - off), used = 0;
        uint8_t *copy = g_memdup2(data + off, n);
        while (used < n) {
            size_t k = imap_server_core_feed(s, copy + used, n - used);
            FUZZ_CHECK(k <= n - used, "consumed more than given");
            if (k == 0) {
                size_t pending;
                imap_server_core_output(s, &pending);
                FUZZ_CHECK(pending > 0, "no progress with the output taken");
            }
            used += k;
            drain(s, out, &closed, limit);
        }
        g_free(copy);
    }
    imap_server_core_free(s);
    mail_store_free(st);
    return out;
}

/* Lines with CRLF, literals whole, each line a tagged, untagged or
 * continuation response; the first the greeting. */
static void check_output(const GString *out)
{
    const char *p = out->str, *end = out->str + out->len;
    FUZZ_CHECK(g_str_has_prefix(p, "* OK [CAPABILITY IMAP4rev1"), "no greeting");
    bool line_start = true;
    while (p < end) {
        if (line_start)
            FUZZ_CHECK(*p != ' ' && *p != '\r' && *p != '\n', "a response line without a tag");
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        FUZZ_CHECK(lf != NULL, "the output ends inside a line");
        FUZZ_CHECK(lf > p && lf[-1] == '\r', "a line without CRLF");
        line_start = true;
        /* "{n}" at the end of the line: n bytes of literal follow. */
        const char *q = lf - 1;
        if (q - p >= 3 && q[-1] == '}') {
            const char *b = q - 2;
            while (b > p && g_ascii_isdigit(*b))
                b--;
            if (*b == '{' && b < q - 2) {
                size_t n = (size_t)g_ascii_strtoull(b + 1, NULL, 10);
                FUZZ_CHECK(n <= (size_t)(end - (lf + 1)), "a literal cut short");
                p = lf + 1 + n;
                line_start = false;
                continue;
            }
        }
        p = lf + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    imap_server_config cfg = {0};
    if (data[0] & 1) {
        cfg.max_line = 64;
        cfg.max_literal = 100;
        cfg.max_bad = 3;
    }
    size_t line = cfg.max_line ? cfg.max_line : IMAP_SERVER_DEFAULT_MAX_LINE;
    size_t lit = cfg.max_literal ? (size_t)cfg.max_literal : IMAP_SERVER_DEFAULT_MAX_LITERAL;
    /* Every literal adds at most its CRLF marker bytes beyond the line's. */
    size_t limit = line + lit + 2;
    size_t piece = 2 + (data[0] >> 4);
    data++;
    size--;
    GString *whole = replay(data, size, MAX(size, 1), &cfg, limit);
    GString *bytes = replay(data, size, 1, &cfg, limit);
    GString *pieces = replay(data, size, piece, &cfg, limit);
    FUZZ_CHECK(g_string_equal(whole, bytes), "whole and byte by byte differ");
    FUZZ_CHECK(g_string_equal(whole, pieces), "whole and pieces of %zu differ", piece);
    check_output(whole);
    g_string_free(whole, TRUE);
    g_string_free(bytes, TRUE);
    g_string_free(pieces, TRUE);
    return 0;
}
