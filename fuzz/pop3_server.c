/*
 * Fuzz target pop3_server: the POP3 server core
 * (protocols/pop3/pop3_server_core.c) over an in-memory mail store, on
 * whatever a client may send.
 *
 * Input: one setup byte, then the bytes a client sends on one connection.
 * The setup byte's low bit turns on APOP (timestamp <1.2@fuzz>) and
 * refuses plain-text login; its high four bits give the size of the
 * pieces of the third replay (2 to 17). The store holds bob/hungry with
 * three messages (one with lines starting with ".", bare LF and CR line
 * ends and no final line end), and alice/wonderland with none, so that
 * logins, byte-stuffing and deletions are all reached; the digest of bob
 * for APOP is 341d7b8ff195fb079a7380b869777f80 (the seeds carry it).
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - the responses written, the events and the store afterwards are the
 *    same fed whole, one byte per call, and in pieces;
 *  - the core holds under 255 bytes of input;
 *  - feed makes progress whenever the output has been taken;
 *  - every line written ends with CRLF and holds no bare CR, LF or NUL
 *    (messages and texts are normalised); the first is the greeting;
 *  - nothing is removed from the store unless the session ended with
 *    QUIT (a close event after QUIT), and after a close event nothing
 *    more is written.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/pop3/pop3_server_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mail_store *make_store(void)
{
    static const char *const msgs[] = {
        "From: alice@crepes.fr\r\nSubject: first\r\n\r\nDo you like ketchup?\r\nHow about pickles?\r\n",
        "Subject: dots\n\n.\n..two\r.three\r\nend",
        "",
    };
    mail_store *st = mail_store_new();
    mail_store_add_user(st, "bob", "hungry", NULL);
    mail_store_add_user(st, "alice", "wonderland", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(msgs); i++) {
        GBytes *b = g_bytes_new_static(msgs[i], strlen(msgs[i]));
        mail_store_deliver(st, "bob", b, (int64_t)i, NULL);
        g_bytes_unref(b);
    }
    return st;
}

typedef struct {
    GString *out; /* every byte written */
    GString *log; /* the events and the store afterwards */
    bool closed, quit;
} replay_log;

static void drain(pop3_server_core *s, replay_log *r)
{
    size_t n;
    const uint8_t *o = pop3_server_core_output(s, &n);
    if (r->closed)
        FUZZ_CHECK(n == 0, "output after the close event");
    g_string_append_len(r->out, (const char *)o, (gssize)n);
    pop3_server_core_consume(s, n);
    FUZZ_CHECK(pop3_server_core_buffered(s) < POP3_SERVER_MAX_COMMAND_LINE, "the core holds %zu bytes",
               pop3_server_core_buffered(s));
    pop3_server_event ev;
    while (pop3_server_core_next_event(s, &ev)) {
        switch (ev.kind) {
        case POP3_SERVER_EV_STATE:
            FUZZ_CHECK(ev.from != ev.to, "a state event without a change");
            g_string_append_printf(r->log, "S%d>%d;", ev.from, ev.to);
            break;
        case POP3_SERVER_EV_LOGIN: g_string_append_printf(r->log, "L%d<%s>;", ev.ok, ev.user); break;
        case POP3_SERVER_EV_CLOSE:
            FUZZ_CHECK(pop3_server_core_state(s) == POP3_SERVER_CLOSED, "close event while not CLOSED");
            FUZZ_CHECK(!r->closed, "two close events");
            r->closed = true;
            r->quit = ev.ok;
            g_string_append_printf(r->log, "CLOSE%d;", ev.ok);
            break;
        }
        pop3_server_event_clear(&ev);
    }
}

static void replay(const uint8_t *data, size_t size, size_t piece, const pop3_server_config *cfg, replay_log *r)
{
    r->out = g_string_new(NULL);
    r->log = g_string_new(NULL);
    r->closed = r->quit = false;
    mail_store *st = make_store();
    pop3_server_core *s = pop3_server_core_new(cfg, st);
    drain(s, r);
    for (size_t off = 0; off < size; off += piece) {
        size_t n = MIN(piece, size - off), used = 0;
        uint8_t *copy = g_memdup2(data + off, n);
        while (used < n) {
            size_t k = pop3_server_core_feed(s, copy + used, n - used);
            FUZZ_CHECK(k <= n - used, "consumed more than given");
            FUZZ_CHECK(k > 0, "no progress with the output taken");
            used += k;
            drain(s, r);
        }
        g_free(copy);
    }
    pop3_server_core_abort(s);
    drain(s, r);
    const pop3_server_stats *stats = pop3_server_core_stats(s);
    FUZZ_CHECK(stats->bytes_out == r->out->len, "bytes_out %llu, written %zu", (unsigned long long)stats->bytes_out,
               (size_t)r->out->len);
    mail_folder *f = mail_store_folder(st, "bob", MAIL_STORE_INBOX, NULL);
    guint left = f ? mail_folder_count(f) : 0;
    if (!r->quit)
        FUZZ_CHECK(left == 3, "%u messages left without QUIT", left);
    FUZZ_CHECK(stats->deleted == 3 - left, "deleted %llu, %u left", (unsigned long long)stats->deleted, left);
    g_string_append_printf(r->log, "left %u", left);
    pop3_server_core_free(s);
    mail_store_free(st);
}

static void check_lines(const GString *out, bool apop)
{
    const char *greeting = apop ? "+OK POP3 server ready <1.2@fuzz>\r\n" : "+OK POP3 server ready\r\n";
    FUZZ_CHECK(g_str_has_prefix(out->str, greeting), "no greeting");
    FUZZ_CHECK(out->len >= 2 && out->str[out->len - 2] == '\r' && out->str[out->len - 1] == '\n',
               "the output does not end with CRLF");
    for (size_t i = 0; i < out->len; i++) {
        char c = out->str[i];
        FUZZ_CHECK(c != 0, "a NUL written at %zu", i);
        if (c == '\r')
            FUZZ_CHECK(i + 1 < out->len && out->str[i + 1] == '\n', "a bare CR written at %zu", i);
        if (c == '\n')
            FUZZ_CHECK(i > 0 && out->str[i - 1] == '\r', "a bare LF written at %zu", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    pop3_server_config cfg = {0};
    bool apop = data[0] & 1;
    if (apop) {
        cfg.apop_timestamp = "1.2@fuzz";
        cfg.refuse_plaintext = true;
    }
    size_t piece = 2 + (data[0] >> 4);
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
    check_lines(whole.out, apop);
    replay_log *all[] = {&whole, &bytes, &pieces};
    for (size_t i = 0; i < 3; i++) {
        g_string_free(all[i]->out, TRUE);
        g_string_free(all[i]->log, TRUE);
    }
    return 0;
}
