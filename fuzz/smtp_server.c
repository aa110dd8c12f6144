/*
 * Fuzz target smtp_server: the SMTP server core
 * (protocols/smtp/smtp_server_core.c) on whatever a client may send, and
 * the reply parser (smtp_reply.c) on what the server answers.
 *
 * Input: one setup byte, then the bytes a client sends on one connection.
 * The setup byte's low bit chooses the limits (0: the defaults; 1: a
 * 64-byte message size and 3 recipients, which a short input can pass),
 * its high four bits the size of the pieces of the second replay (2 to
 * 17). The application's decisions come from the addresses and the data
 * (a recipient starting with "n" is refused 550, with "t" 450; a message
 * whose length is 4 modulo 5 is refused 452), so refusals are reached.
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - the replies written and the events given (queued messages with their
 *    envelope and data, states, close) are the same fed whole, one byte per
 *    call, and in pieces;
 *  - the bytes the core holds never exceed the message size limit plus one
 *    command line (512 bytes);
 *  - feed makes progress whenever the output has been taken;
 *  - everything written parses as well-formed SMTP replies (codes, lines
 *    of at most 512 bytes), the first being the 220 greeting;
 *  - after a close event the core is CLOSED and says nothing more.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/smtp/smtp_reply.h"
#include "protocols/smtp/smtp_server_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static smtp_decision decide_rcpt(void *ud, const char *from, const char *to)
{
    (void)ud;
    (void)from;
    if (to[0] == 'n')
        return (smtp_decision){550, NULL};
    if (to[0] == 't')
        return (smtp_decision){450, "try later"};
    return (smtp_decision){250, NULL};
}

static smtp_decision decide_message(void *ud, const smtp_envelope *env)
{
    (void)ud;
    return env->data->len % 5 == 4 ? (smtp_decision){452, NULL} : (smtp_decision){250, NULL};
}

static const smtp_server_callbacks callbacks = {decide_rcpt, decide_message};

typedef struct {
    GString *out; /* every byte written */
    GString *log; /* the events */
    bool closed;
} replay_log;

static void drain(smtp_server_core *s, replay_log *r, uint64_t max_size)
{
    size_t n;
    const uint8_t *o = smtp_server_core_output(s, &n);
    if (r->closed)
        FUZZ_CHECK(n == 0, "output after the close event");
    g_string_append_len(r->out, (const char *)o, (gssize)n);
    smtp_server_core_consume(s, n);
    FUZZ_CHECK(smtp_server_core_buffered(s) <= max_size + SMTP_SERVER_MAX_COMMAND_LINE,
               "the core holds %zu bytes (limit %llu + 512)", smtp_server_core_buffered(s),
               (unsigned long long)max_size);
    smtp_server_event ev;
    while (smtp_server_core_next_event(s, &ev)) {
        switch (ev.kind) {
        case SMTP_SERVER_EV_STATE:
            FUZZ_CHECK(ev.from != ev.to, "a state event without a change");
            g_string_append_printf(r->log, "S%d>%d;", ev.from, ev.to);
            break;
        case SMTP_SERVER_EV_MESSAGE:
            FUZZ_CHECK(ev.env && ev.env->forward_paths->len > 0, "a message without recipients");
            FUZZ_CHECK(ev.env->data->len <= max_size, "a message over the size limit");
            g_string_append_printf(r->log, "M<%s>", ev.env->reverse_path);
            for (guint i = 0; i < ev.env->forward_paths->len; i++)
                g_string_append_printf(r->log, "<%s>", (char *)g_ptr_array_index(ev.env->forward_paths, i));
            g_string_append_printf(r->log, "%u:", ev.env->data->len);
            g_string_append_len(r->log, (const char *)ev.env->data->data, ev.env->data->len);
            g_string_append_c(r->log, ';');
            break;
        case SMTP_SERVER_EV_CLOSE:
            FUZZ_CHECK(smtp_server_core_state(s) == SMTP_SERVER_CLOSED, "close event while not CLOSED");
            FUZZ_CHECK(!r->closed, "two close events");
            r->closed = true;
            g_string_append(r->log, "CLOSE;");
            break;
        }
        smtp_server_event_clear(&ev);
    }
}

static void replay(const uint8_t *data, size_t size, size_t piece, const smtp_server_config *cfg, replay_log *r)
{
    r->out = g_string_new(NULL);
    r->log = g_string_new(NULL);
    r->closed = false;
    smtp_server_core *s = smtp_server_core_new(cfg, &callbacks, NULL);
    drain(s, r, cfg->max_message_size);
    for (size_t off = 0; off < size; off += piece) {
        size_t n = MIN(piece, size - off), used = 0;
        uint8_t *copy = g_memdup2(data + off, n);
        while (used < n) {
            size_t k = smtp_server_core_feed(s, copy + used, n - used);
            FUZZ_CHECK(k <= n - used, "consumed more than given");
            if (k == 0) {
                size_t pending;
                smtp_server_core_output(s, &pending);
                FUZZ_CHECK(pending > 0, "no progress with the output taken");
            }
            used += k;
            drain(s, r, cfg->max_message_size);
        }
        g_free(copy);
    }
    smtp_server_core_free(s);
}

static void check_replies(const GString *out)
{
    smtp_reply_parser *p = smtp_reply_parser_new();
    size_t off = 0;
    int count = 0;
    while (off < out->len) {
        smtp_reply_status st;
        off += smtp_reply_parser_feed(p, (const uint8_t *)out->str + off, out->len - off, &st);
        FUZZ_CHECK(st != SMTP_REPLY_ERROR, "the server wrote a malformed reply: %s", smtp_reply_parser_error(p));
        if (st == SMTP_REPLY_COMPLETE) {
            if (count++ == 0)
                FUZZ_CHECK(smtp_reply_parser_reply(p)->code == 220, "the first reply is not 220");
        } else {
            FUZZ_CHECK(false, "the output ends inside a reply");
        }
    }
    FUZZ_CHECK(count > 0, "no greeting");
    smtp_reply_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    smtp_server_config cfg = {.domain = "hamburger.edu", .max_message_size = SMTP_SERVER_DEFAULT_MAX_SIZE};
    if (data[0] & 1) {
        cfg.max_message_size = 64;
        cfg.max_recipients = 3;
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
    check_replies(whole.out);
    replay_log *all[] = {&whole, &bytes, &pieces};
    for (size_t i = 0; i < 3; i++) {
        g_string_free(all[i]->out, TRUE);
        g_string_free(all[i]->log, TRUE);
    }
    return 0;
}
