/*
 * Fuzz target smtp_client: the SMTP client core
 * (protocols/smtp/smtp_client_core.c) and the reply parser (smtp_reply.c)
 * on whatever a server may answer.
 *
 * Input: one setup byte, then the bytes a server sends on one connection.
 * The setup byte's low two bits choose the client (bit 0: HELO instead of
 * EHLO; bit 1: no pipelining), its high four bits the size of the pieces
 * of the second replay (2 to 17). The client has three messages to send,
 * the second with two recipients and lines starting with ".".
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - the commands written and the events given are the same fed whole,
 *    one byte per call, and in pieces;
 *  - once the connection is closed (smtp_client_core_closed after the
 *    input), every message has had exactly one result, recipients'
 *    replies name recipients that exist, and DONE came exactly once, last;
 *  - every result's class agrees with its code (delivered only on 2xx,
 *    permanent only on 5xx).
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/smtp/smtp_client_core.h"
#include "protocols/smtp/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MESSAGES 3

static void drain(smtp_client_core *c, GString *out, GString *log, int *results, int *done)
{
    size_t n;
    const uint8_t *o = smtp_client_core_output(c, &n);
    g_string_append_len(out, (const char *)o, (gssize)n);
    smtp_client_core_consume(c, n);
    smtp_client_event ev;
    while (smtp_client_core_next_event(c, &ev)) {
        FUZZ_CHECK(*done == 0, "an event after DONE");
        switch (ev.kind) {
        case SMTP_CLIENT_EV_STATE: g_string_append_printf(log, "S%d>%d;", ev.from, ev.to); break;
        case SMTP_CLIENT_EV_RCPT:
            FUZZ_CHECK(ev.message < MESSAGES && ev.rcpt < (ev.message == 1 ? 2u : 1u), "a recipient that does not exist");
            g_string_append_printf(log, "R%zu.%zu %d %d;", ev.message, ev.rcpt, ev.result, ev.code);
            break;
        case SMTP_CLIENT_EV_MESSAGE:
            FUZZ_CHECK(ev.message < MESSAGES, "a message that does not exist");
            results[ev.message]++;
            FUZZ_CHECK(ev.result != SMTP_RESULT_DELIVERED || smtp_reply_class(ev.code) == 2, "delivered on %d", ev.code);
            FUZZ_CHECK(ev.result != SMTP_RESULT_PERM_FAILURE || ev.code == 0 || smtp_reply_class(ev.code) == 5,
                       "a permanent failure on %d", ev.code);
            g_string_append_printf(log, "M%zu %d %d %s;", ev.message, ev.result, ev.code, ev.text ? ev.text : "");
            break;
        case SMTP_CLIENT_EV_DONE:
            (*done)++;
            g_string_append(log, "DONE;");
            break;
        }
        smtp_client_event_clear(&ev);
    }
}

static void replay(const uint8_t *data, size_t size, size_t piece, const smtp_client_config *cfg, GString *out,
                   GString *log)
{
    smtp_client_core *c = smtp_client_core_new(cfg);
    static const char *const bodies[MESSAGES] = {"hello\r\n", ".\r\n..\r\n.x\nlast", ""};
    for (int i = 0; i < MESSAGES; i++) {
        smtp_envelope *e = smtp_envelope_new(i == 2 ? "" : "alice@crepes.fr");
        smtp_envelope_add_rcpt(e, "bob@hamburger.edu");
        if (i == 1)
            smtp_envelope_add_rcpt(e, "carol@hamburger.edu");
        smtp_envelope_set_data(e, bodies[i], strlen(bodies[i]));
        smtp_client_core_add_message(c, e);
        smtp_envelope_free(e);
    }
    int results[MESSAGES] = {0}, done = 0;
    for (size_t off = 0; off < size; off += piece) {
        size_t n = MIN(piece, size - off);
        uint8_t *copy = g_memdup2(data + off, n);
        FUZZ_CHECK(smtp_client_core_feed(c, copy, n) == n, "feed did not consume everything");
        g_free(copy);
        drain(c, out, log, results, &done);
    }
    smtp_client_core_closed(c, "end of input");
    drain(c, out, log, results, &done);
    FUZZ_CHECK(done == 1, "DONE %d times", done);
    for (int i = 0; i < MESSAGES; i++)
        FUZZ_CHECK(results[i] == 1, "message %d has %d results", i, results[i]);
    FUZZ_CHECK(smtp_client_core_state(c) == SMTP_CLIENT_DONE, "not DONE after closed()");
    smtp_client_core_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    smtp_client_config cfg = {.helo_domain = "crepes.fr", .no_ehlo = data[0] & 1, .no_pipelining = (data[0] & 2) != 0};
    size_t piece = 2 + (data[0] >> 4);
    data++;
    size--;
    GString *out[3], *log[3];
    size_t pieces[3] = {MAX(size, 1), 1, piece};
    for (int i = 0; i < 3; i++) {
        out[i] = g_string_new(NULL);
        log[i] = g_string_new(NULL);
        replay(data, size, pieces[i], &cfg, out[i], log[i]);
    }
    for (int i = 1; i < 3; i++)
        FUZZ_CHECK(g_string_equal(out[0], out[i]) && g_string_equal(log[0], log[i]),
                   "whole and pieces of %zu differ", pieces[i]);
    for (int i = 0; i < 3; i++) {
        g_string_free(out[i], TRUE);
        g_string_free(log[i], TRUE);
    }
    return 0;
}
