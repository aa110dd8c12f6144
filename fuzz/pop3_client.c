/*
 * Fuzz target pop3_client: the POP3 client core
 * (protocols/pop3/pop3_client_core.c) on whatever a server may send.
 *
 * Input: one setup byte, then the bytes the server sends. The setup
 * byte's bits: 0 download-and-delete (else keep), 1 APOP, 2 no UIDL,
 * 3 the unique ids "1.1" and "a" already known, 4 a message limit of 64
 * bytes (else the default 64 MB); bits 5 to 7 the size of the pieces of
 * the third replay (2 to 9).
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - the commands written and the events are the same fed whole, one
 *    byte per call, and in pieces;
 *  - every command written is a line of printable bytes ending CRLF;
 *    with APOP the password never appears in the output;
 *  - no message delivered is over the limit, each ends with CRLF and has
 *    no bare LF;
 *  - exactly one DONE event after pop3_client_core_closed(), and nothing
 *    written after it.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/pop3/pop3_client_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    GString *out;
    GString *log;
    int done;
} replay_log;

static void drain(pop3_client_core *c, replay_log *r, uint64_t max)
{
    size_t n;
    const uint8_t *o = pop3_client_core_output(c, &n);
    if (r->done)
        FUZZ_CHECK(n == 0, "output after DONE");
    g_string_append_len(r->out, (const char *)o, (gssize)n);
    pop3_client_core_consume(c, n);
    pop3_client_event ev;
    while (pop3_client_core_next_event(c, &ev)) {
        g_string_append_printf(r->log, "%d:%u:%s:%s;", ev.kind, ev.number, ev.uidl ? ev.uidl : "-",
                               ev.text ? ev.text : "-");
        if (ev.kind == POP3_CLIENT_EV_MESSAGE) {
            gsize len;
            const char *d = g_bytes_get_data(ev.data, &len);
            FUZZ_CHECK(len <= max, "a message of %zu bytes over the limit", (size_t)len);
            FUZZ_CHECK(len == 0 || (len >= 2 && d[len - 2] == '\r' && d[len - 1] == '\n'), "a message not ending CRLF");
            for (gsize i = 0; i < len; i++)
                if (d[i] == '\n')
                    FUZZ_CHECK(i > 0 && d[i - 1] == '\r', "a bare LF in a message");
            g_string_append_len(r->log, d, (gssize)len);
        }
        if (ev.kind == POP3_CLIENT_EV_DONE) {
            r->done++;
            g_string_append(r->log, pop3_client_result_name(ev.result));
        }
        pop3_client_event_clear(&ev);
    }
}

static void replay(const uint8_t *data, size_t size, size_t piece, const pop3_client_config *cfg, replay_log *r)
{
    r->out = g_string_new(NULL);
    r->log = g_string_new(NULL);
    r->done = 0;
    uint64_t max = cfg->max_message_size ? cfg->max_message_size : POP3_CLIENT_DEFAULT_MAX_MESSAGE;
    pop3_client_core *c = pop3_client_core_new(cfg);
    for (size_t off = 0; off < size; off += piece) {
        size_t n = MIN(piece, size - off);
        uint8_t *copy = g_memdup2(data + off, n);
        FUZZ_CHECK(pop3_client_core_feed(c, copy, n) == n, "not all consumed");
        g_free(copy);
        drain(c, r, max);
    }
    pop3_client_core_closed(c, "end of input");
    drain(c, r, max);
    FUZZ_CHECK(r->done == 1, "%d DONE events", r->done);
    FUZZ_CHECK(pop3_client_core_state(c) == POP3_CLIENT_DONE, "not DONE after closed()");
    pop3_client_core_free(c);
}

static void check_commands(const GString *out, bool apop)
{
    for (size_t i = 0; i < out->len; i++) {
        unsigned char ch = (unsigned char)out->str[i];
        if (ch == '\r') {
            FUZZ_CHECK(i + 1 < out->len && out->str[i + 1] == '\n', "a bare CR in a command");
            i++;
            continue;
        }
        FUZZ_CHECK(ch >= 0x20 && ch < 0x7f, "byte %u in a command", ch);
    }
    FUZZ_CHECK(out->len == 0 || g_str_has_suffix(out->str, "\r\n"), "a command without CRLF");
    if (apop)
        FUZZ_CHECK(!fuzz_contains(out->str, out->len, "hungry", 6), "the password sent in clear with APOP");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const known[] = {"1.1", "a", NULL};
    uint8_t b = data[0];
    pop3_client_config cfg = {.user = "bob", .password = "hungry"};
    cfg.mode = (b & 1) ? POP3_MODE_DELETE : POP3_MODE_KEEP;
    cfg.apop = (b & 2) != 0;
    cfg.no_uidl = (b & 4) != 0;
    cfg.known_uidls = (b & 8) ? known : NULL;
    cfg.max_message_size = (b & 16) ? 64 : 0;
    size_t piece = 2 + (b >> 5);
    data++;
    size--;
    replay_log whole, bytes, pieces;
    replay(data, size, MAX(size, 1), &cfg, &whole);
    replay(data, size, 1, &cfg, &bytes);
    replay(data, size, piece, &cfg, &pieces);
    FUZZ_CHECK(g_string_equal(whole.out, bytes.out) && g_string_equal(whole.log, bytes.log),
               "whole and byte by byte differ");
    FUZZ_CHECK(g_string_equal(whole.out, pieces.out) && g_string_equal(whole.log, pieces.log),
               "whole and pieces of %zu differ", piece);
    check_commands(whole.out, cfg.apop);
    replay_log *all[] = {&whole, &bytes, &pieces};
    for (size_t i = 0; i < 3; i++) {
        g_string_free(all[i]->out, TRUE);
        g_string_free(all[i]->log, TRUE);
    }
    return 0;
}
