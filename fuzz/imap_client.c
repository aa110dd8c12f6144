/*
 * Fuzz target imap_client: the IMAP client core
 * (protocols/imap/imap_client_core.c) on whatever a server may send.
 *
 * Input: one setup byte, then the bytes a server sends on one connection.
 * The setup byte's low bit chooses the literal limit (0: the default;
 * 1: 64 bytes), bit 1 `delete_after`, bit 2 `headers_first`, bit 3 one
 * body instead of all (with bit 2), its high four bits the size of the
 * pieces of the second replay (2 to 17).
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - what the client writes and its events are the same fed whole, one
 *    byte per call, and in pieces;
 *  - the bytes it holds never exceed the line limit plus the literal
 *    limit (and a few bytes of markers per literal);
 *  - exactly one DONE event once closed, and nothing after it;
 *  - every line it writes is a command with a tag A<n>, CRLF-ended.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/imap/imap_client_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(imap_client_core *c, GString *out, GString *log, size_t limit, bool *done)
{
    size_t n;
    const uint8_t *o = imap_client_core_output(c, &n);
    g_string_append_len(out, (const char *)o, (gssize)n);
    imap_client_core_consume(c, n);
    FUZZ_CHECK(imap_client_core_buffered(c) <= limit, "the client holds %zu bytes", imap_client_core_buffered(c));
    imap_client_event ev;
    while (imap_client_core_next_event(c, &ev)) {
        FUZZ_CHECK(!*done, "an event after DONE");
        if (ev.kind == IMAP_CLIENT_EV_MESSAGE) {
            g_string_append_printf(log, "M%u:%u:%zu;", ev.uid, ev.flags, g_bytes_get_size(ev.data));
        } else {
            FUZZ_CHECK(imap_client_core_state(c) == IMAP_CLIENT_DONE, "DONE while not done");
            g_string_append_printf(log, "D%d:%s;", ev.ok, ev.text);
            *done = true;
        }
        imap_client_event_clear(&ev);
    }
}

static void replay(const uint8_t *data, size_t size, size_t piece, const imap_client_config *cfg, size_t limit,
                   GString *out, GString *log)
{
    imap_client_core *c = imap_client_core_new(cfg);
    bool done = false;
    for (size_t off = 0; off < size; off += piece) {
        size_t n = MIN(piece, size - off);
        uint8_t *copy = g_memdup2(data + off, n);
        FUZZ_CHECK(imap_client_core_feed(c, copy, n) == n, "did not take everything");
        g_free(copy);
        drain(c, out, log, limit, &done);
    }
    imap_client_core_closed(c, "end of input");
    drain(c, out, log, limit, &done);
    FUZZ_CHECK(done, "no DONE event after the close");
    imap_client_core_free(c);
}

static void check_commands(const GString *out)
{
    const char *p = out->str, *end = out->str + out->len;
    while (p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        FUZZ_CHECK(lf && lf > p && lf[-1] == '\r', "a command line without CRLF");
        FUZZ_CHECK(*p == 'A' && g_ascii_isdigit(p[1]), "a command without a tag");
        p = lf + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    imap_client_config cfg = {.user = "alice", .password = "wonderland", .delete_after = (data[0] & 2) != 0};
    if (data[0] & 1)
        cfg.max_literal = 64;
    /* bits 2 and 3: headers first, with one body or all of them */
    cfg.headers_first = (data[0] & 4) != 0;
    cfg.bodies = (data[0] & 8) ? 1 : -1;
    size_t lit = cfg.max_literal ? (size_t)cfg.max_literal : IMAP_CLIENT_DEFAULT_MAX_LITERAL;
    size_t limit = IMAP_CLIENT_MAX_LINE + lit + 2;
    size_t piece = 2 + (data[0] >> 4);
    data++;
    size--;
    GString *o[3], *l[3];
    size_t pieces[3] = {MAX(size, 1), 1, piece};
    for (int i = 0; i < 3; i++) {
        o[i] = g_string_new(NULL);
        l[i] = g_string_new(NULL);
        replay(data, size, pieces[i], &cfg, limit, o[i], l[i]);
    }
    for (int i = 1; i < 3; i++)
        FUZZ_CHECK(g_string_equal(o[0], o[i]) && g_string_equal(l[0], l[i]), "whole and pieces of %zu differ",
                   pieces[i]);
    check_commands(o[0]);
    for (int i = 0; i < 3; i++) {
        g_string_free(o[i], TRUE);
        g_string_free(l[i], TRUE);
    }
    return 0;
}
