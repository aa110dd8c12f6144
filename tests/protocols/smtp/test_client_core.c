/*
 * Tests of protocols/smtp/smtp_client_core against scripted servers: what
 * a server answers (`replies`) is fed in chunks of every size from 1 byte
 * to all of it, and everything the client writes (`output`) and the log
 * of its events (`events`) must come out the same for every split:
 *
 *     R<m>.<r> <code>;               the reply to recipient r of message m
 *     M<m> <result> <code> <text>;   message m's final result
 *     DONE;                          the session is over
 *
 * The client takes the replies in order whether they come together or
 * one by one, so feeding a whole script at once is a fair test of the
 * dialogue; tests/protocols/smtp/test_loop.c runs it against the server
 * core, turn by turn.
 */
#include <glib.h>
#include <string.h>

#include "protocols/smtp/smtp_client_core.h"
#include "test_util.h"

typedef struct {
    const char *from;
    const char *to[4];
    const char *data;
} msg_spec;

typedef struct {
    const char *name;
    smtp_client_config cfg;
    msg_spec msgs[3];
    const char *replies;
    const char *output;
    const char *events;
    const char *closed; /* call smtp_client_core_closed() with this after the replies */
} script;

static void drain(smtp_client_core *c, GString *out, GString *log)
{
    size_t n;
    const uint8_t *o = smtp_client_core_output(c, &n);
    g_string_append_len(out, (const char *)o, (gssize)n);
    smtp_client_core_consume(c, n);
    smtp_client_event ev;
    while (smtp_client_core_next_event(c, &ev)) {
        if (ev.kind == SMTP_CLIENT_EV_RCPT)
            g_string_append_printf(log, "R%zu.%zu %d;", ev.message, ev.rcpt, ev.code);
        else if (ev.kind == SMTP_CLIENT_EV_MESSAGE)
            g_string_append_printf(log, "M%zu %s %d %s;", ev.message, smtp_result_name(ev.result), ev.code, ev.text);
        else if (ev.kind == SMTP_CLIENT_EV_DONE)
            g_string_append(log, "DONE;");
        smtp_client_event_clear(&ev);
    }
}

static smtp_client_core *make_client(const script *s)
{
    smtp_client_core *c = smtp_client_core_new(&s->cfg);
    for (size_t i = 0; i < G_N_ELEMENTS(s->msgs) && s->msgs[i].from; i++) {
        smtp_envelope *e = smtp_envelope_new(s->msgs[i].from);
        for (size_t j = 0; j < G_N_ELEMENTS(s->msgs[i].to) && s->msgs[i].to[j]; j++)
            smtp_envelope_add_rcpt(e, s->msgs[i].to[j]);
        smtp_envelope_set_data(e, s->msgs[i].data, strlen(s->msgs[i].data));
        smtp_client_core_add_message(c, e);
        smtp_envelope_free(e);
    }
    return c;
}

static void replay(const script *s)
{
    size_t len = strlen(s->replies);
    for (size_t chunk = 1; chunk <= len; chunk++) {
        smtp_client_core *c = make_client(s);
        GString *out = g_string_new(NULL), *log = g_string_new(NULL);
        for (size_t off = 0; off < len; off += chunk) {
            size_t n = MIN(chunk, len - off);
            uint8_t *piece = g_memdup2(s->replies + off, n);
            CU_ASSERT_EQUAL(smtp_client_core_feed(c, piece, n), n);
            g_free(piece);
            drain(c, out, log);
        }
        if (s->closed) {
            smtp_client_core_closed(c, s->closed);
            drain(c, out, log);
        }
        bool ok = strcmp(out->str, s->output) == 0 && strcmp(log->str, s->events) == 0;
        if (!ok)
            fprintf(stderr, "\n%s, chunk %zu:\n output: [%s]\n expect: [%s]\n events: [%s]\n expect: [%s]\n", s->name,
                    chunk, out->str, s->output, log->str, s->events);
        CU_ASSERT_TRUE(ok);
        g_string_free(out, TRUE);
        g_string_free(log, TRUE);
        smtp_client_core_free(c);
        if (!ok)
            break;
    }
}

#define EHLO_REPLY                                                                                 \
    "250-hamburger.edu Hello crepes.fr, pleased to meet you\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n" \
    "250 PIPELINING\r\n"
#define SLIDES_MSG {"alice@crepes.fr", {"bob@hamburger.edu"}, "Do you like ketchup?\r\nHow about pickles?\r\n"}

static const script scripts[] = {
    {.name = "the slides' exchange, HELO",
     .cfg = {.helo_domain = "crepes.fr", .no_ehlo = true},
     .msgs = {SLIDES_MSG},
     .replies = "220 hamburger.edu\r\n"
                "250 Hello crepes.fr, pleased to meet you\r\n"
                "250 alice@crepes.fr... Sender ok\r\n"
                "250 bob@hamburger.edu ... Recipient ok\r\n"
                "354 Enter mail, end with \".\" on a line by itself\r\n"
                "250 Message accepted for delivery\r\n"
                "221 hamburger.edu closing connection\r\n",
     .output = "HELO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\n"
               "Do you like ketchup?\r\nHow about pickles?\r\n.\r\nQUIT\r\n",
     .events = "R0.0 250;M0 delivered 250 Message accepted for delivery;DONE;"},
    {.name = "EHLO with PIPELINING: the envelope in one write; SIZE and BODY; a refused recipient",
     .cfg = {.helo_domain = "crepes.fr"},
     .msgs = {{"alice@crepes.fr", {"bob@hamburger.edu", "nobody@hamburger.edu"}, "h\xc3\xa9\r\n"}},
     .replies = "220 hamburger.edu\r\n" EHLO_REPLY "250 ok\r\n250 ok\r\n550 no such user\r\n354 go\r\n250 queued\r\n221 bye\r\n",
     .output = "EHLO crepes.fr\r\n"
               "MAIL FROM:<alice@crepes.fr> SIZE=5 BODY=8BITMIME\r\nRCPT TO:<bob@hamburger.edu>\r\n"
               "RCPT TO:<nobody@hamburger.edu>\r\nDATA\r\n"
               "h\xc3\xa9\r\n.\r\nQUIT\r\n",
     .events = "R0.0 250;R0.1 550;M0 delivered 250 queued;DONE;"},
    {.name = "EHLO refused with 502: HELO; no pipelining then",
     .cfg = {.helo_domain = "crepes.fr"},
     .msgs = {SLIDES_MSG},
     .replies = "220 old.example\r\n502 command not implemented\r\n250 hi\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n221 bye\r\n",
     .output = "EHLO crepes.fr\r\nHELO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\n"
               "Do you like ketchup?\r\nHow about pickles?\r\n.\r\nQUIT\r\n",
     .events = "R0.0 250;M0 delivered 250 ok;DONE;"},
    {.name = "EHLO refused with 500 too",
     .cfg = {.helo_domain = "c.fr"},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "x\r\n"}},
     .replies = "220 h\r\n500 what?\r\n250 hi\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n221 bye\r\n",
     .output = "EHLO c.fr\r\nHELO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n",
     .events = "R0.0 250;M0 delivered 250 ok;DONE;"},
    {.name = "a 4xx at RCPT: temporary failure, RSET, the next message goes",
     .cfg = {.helo_domain = "c.fr", .no_ehlo = true},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "one\r\n"}, {"a@c.fr", {"c@h.edu"}, "two\r\n"}},
     .replies = "220 h\r\n250 hi\r\n250 ok\r\n450 mailbox busy\r\n250 reset\r\n250 ok\r\n250 ok\r\n354 go\r\n"
                "250 ok\r\n221 bye\r\n",
     .output = "HELO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nRSET\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<c@h.edu>\r\n"
               "DATA\r\ntwo\r\n.\r\nQUIT\r\n",
     .events = "R0.0 450;M0 temporary-failure 450 mailbox busy;R1.0 250;M1 delivered 250 ok;DONE;"},
    {.name = "refusals of several recipients: a 4xx among 5xx makes the failure temporary",
     .cfg = {.helo_domain = "c.fr", .no_ehlo = true},
     .msgs = {{"a@c.fr", {"b@h.edu", "c@h.edu", "d@h.edu"}, "x\r\n"}},
     .replies = "220 h\r\n250 hi\r\n250 ok\r\n550 no b\r\n452 full\r\n451 later\r\n250 reset\r\n221 bye\r\n",
     .output = "HELO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nRCPT TO:<c@h.edu>\r\nRCPT TO:<d@h.edu>\r\nRSET\r\nQUIT\r\n",
     .events = "R0.0 550;R0.1 452;R0.2 451;M0 temporary-failure 452 full;DONE;"},
    {.name = "a 5xx at MAIL: permanent failure, no RSET needed",
     .cfg = {.helo_domain = "c.fr", .no_ehlo = true},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "x\r\n"}},
     .replies = "220 h\r\n250 hi\r\n553 sender refused\r\n221 bye\r\n",
     .output = "HELO c.fr\r\nMAIL FROM:<a@c.fr>\r\nQUIT\r\n",
     .events = "M0 permanent-failure 553 sender refused;DONE;"},
    {.name = "pipelined, MAIL refused: the RCPT and DATA replies are taken in order",
     .cfg = {.helo_domain = "c.fr"},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "one\r\n"}, {"a@c.fr", {"b@h.edu"}, "two\r\n"}},
     .replies = "220 h\r\n250-h\r\n250 PIPELINING\r\n550 sender refused\r\n503 need MAIL\r\n503 need MAIL\r\n"
                "250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n221 bye\r\n",
     .output = "EHLO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nDATA\r\n"
               "MAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nDATA\r\ntwo\r\n.\r\nQUIT\r\n",
     .events = "M0 permanent-failure 550 sender refused;R0.0 503;R1.0 250;M1 delivered 250 ok;DONE;"},
    {.name = "pipelined, every recipient refused: 554 at DATA, RSET",
     .cfg = {.helo_domain = "c.fr"},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "one\r\n"}},
     .replies = "220 h\r\n250-h\r\n250 PIPELINING\r\n250 ok\r\n550 no\r\n554 no valid recipients\r\n250 ok\r\n221 bye\r\n",
     .output = "EHLO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nDATA\r\nRSET\r\nQUIT\r\n",
     .events = "R0.0 550;M0 permanent-failure 550 no;DONE;"},
    {.name = "pipelined, a server that says 354 with nobody to deliver to gets an empty message",
     .cfg = {.helo_domain = "c.fr"},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "one\r\n"}},
     .replies = "220 h\r\n250-h\r\n250 PIPELINING\r\n250 ok\r\n550 no\r\n354 go\r\n250 ok\r\n250 ok\r\n221 bye\r\n",
     .output = "EHLO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nDATA\r\n.\r\nRSET\r\nQUIT\r\n",
     .events = "R0.0 550;M0 permanent-failure 550 no;DONE;"},
    {.name = "no_pipelining: one command at a time even when offered",
     .cfg = {.helo_domain = "c.fr", .no_pipelining = true},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "x\r\n"}},
     .replies = "220 h\r\n250-h\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n354 go\r\n452 no room\r\n221 bye\r\n",
     .output = "EHLO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n",
     .events = "R0.0 250;M0 temporary-failure 452 no room;DONE;"},
    {.name = "multi-line replies everywhere",
     .cfg = {.helo_domain = "c.fr", .no_ehlo = true},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "x\r\n"}},
     .replies = "220-h ESMTP\r\n220-no UCE\r\n220 welcome\r\n250-hi\r\n250 there\r\n250 ok\r\n250 ok\r\n354 go\r\n"
                "554-5.7.1 rejected\r\n554-for policy reasons\r\n554 see the postmaster\r\n221 bye\r\n",
     .output = "HELO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n",
     .events = "R0.0 250;M0 permanent-failure 554 5.7.1 rejected\nfor policy reasons\nsee the postmaster;DONE;"},
    {.name = "dot-stuffing and line ends made CRLF",
     .cfg = {.helo_domain = "c.fr", .no_ehlo = true},
     .msgs = {{"a@c.fr", {"b@h.edu"}, ".\r\n..two\r\n.three\nfour\r.\r\nlast ."}},
     .replies = "220 h\r\n250 hi\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n221 bye\r\n",
     .output = "HELO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\nDATA\r\n"
               "..\r\n...two\r\n..three\r\nfour\r\n..\r\nlast .\r\n.\r\nQUIT\r\n",
     .events = "R0.0 250;M0 delivered 250 ok;DONE;"},
    {.name = "421 in the middle: every message left fails temporarily, no QUIT",
     .cfg = {.helo_domain = "c.fr", .no_ehlo = true},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "x\r\n"}, {"a@c.fr", {"b@h.edu"}, "y\r\n"}},
     .replies = "220 h\r\n250 hi\r\n421 h shutting down\r\n",
     .output = "HELO c.fr\r\nMAIL FROM:<a@c.fr>\r\n",
     .events = "M0 temporary-failure 421 h shutting down;M1 temporary-failure 421 h shutting down;DONE;"},
    {.name = "a 554 greeting: everything fails permanently, QUIT",
     .cfg = {.helo_domain = "c.fr"},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "x\r\n"}},
     .replies = "554 no service\r\n221 bye\r\n",
     .output = "QUIT\r\n",
     .events = "M0 permanent-failure 554 no service;DONE;"},
    {.name = "a malformed reply ends the session: temporary failure, code 0",
     .cfg = {.helo_domain = "c.fr", .no_ehlo = true},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "x\r\n"}},
     .replies = "220 h\r\n250-hi\r\n251 mixed\r\n",
     .output = "HELO c.fr\r\n",
     .events = "M0 temporary-failure 0 malformed reply from the server: the lines of a multi-line reply have "
               "different codes;DONE;"},
    {.name = "the connection ends in the middle",
     .cfg = {.helo_domain = "c.fr", .no_ehlo = true},
     .msgs = {{"a@c.fr", {"b@h.edu"}, "x\r\n"}},
     .replies = "220 h\r\n250 hi\r\n250 ok\r\n",
     .output = "HELO c.fr\r\nMAIL FROM:<a@c.fr>\r\nRCPT TO:<b@h.edu>\r\n",
     .events = "M0 temporary-failure 0 connection reset;DONE;",
     .closed = "connection reset"},
    {.name = "a message without recipients fails at once; a reply nobody asked for",
     .cfg = {.helo_domain = "c.fr", .no_ehlo = true},
     .msgs = {{"a@c.fr", {NULL}, "x\r\n"}},
     .replies = "220 h\r\n250 hi\r\n221 bye\r\n250 extra\r\n",
     .output = "HELO c.fr\r\nQUIT\r\n",
     .events = "M0 permanent-failure 0 the message has no recipients;DONE;"},
};

static void test_scripts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(scripts); i++)
        replay(&scripts[i]);
}

/* What EHLO offered is kept; a message added after QUIT fails at once. */
static void test_extensions_and_late_message(void)
{
    smtp_client_config cfg = {.helo_domain = "c.fr"};
    smtp_client_core *c = smtp_client_core_new(&cfg);
    const char *r = "220 h\r\n250-h\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 PIPELINING\r\n";
    smtp_client_core_feed(c, (const uint8_t *)r, strlen(r));
    const smtp_client_extensions *x = smtp_client_core_extensions(c);
    CU_ASSERT_TRUE(x->esmtp && x->pipelining && x->eightbitmime && x->size);
    CU_ASSERT_EQUAL(x->size_max, 1000);
    CU_ASSERT_EQUAL(smtp_client_core_state(c), SMTP_CLIENT_QUIT);
    smtp_envelope *e = smtp_envelope_new("a@c.fr");
    smtp_envelope_add_rcpt(e, "b@h.edu");
    smtp_client_core_add_message(c, e);
    smtp_envelope_free(e);
    GString *out = g_string_new(NULL), *log = g_string_new(NULL);
    drain(c, out, log);
    CU_ASSERT_STRING_EQUAL(out->str, "EHLO c.fr\r\nQUIT\r\n");
    CU_ASSERT_STRING_EQUAL(log->str, "M0 temporary-failure 0 the session had already ended;");
    smtp_client_core_closed(c, NULL);
    smtp_client_core_closed(c, NULL);
    drain(c, out, log);
    CU_ASSERT_STRING_EQUAL(log->str, "M0 temporary-failure 0 the session had already ended;DONE;");
    CU_ASSERT_STRING_EQUAL(smtp_client_state_name(smtp_client_core_state(c)), "DONE");
    g_string_free(out, TRUE);
    g_string_free(log, TRUE);
    smtp_client_core_free(c);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_scripts), TEST(test_extensions_and_late_message)};
    return test_main("protocols/smtp/client_core", tests, G_N_ELEMENTS(tests));
}
