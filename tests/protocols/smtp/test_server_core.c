/*
 * Tests of protocols/smtp/smtp_server_core: transcripts replayed at every
 * chunk size, the lecture slides' exchange byte for byte, every reply code
 * with its trigger, limits with bounded memory, and the shutdown reply.
 *
 * A transcript is data: what the client sends (`input`), every byte the
 * server must answer (`output`, greeting included), and the log of the
 * core's events (`events`):
 *
 *     M <from> <to1,to2> [8] data;   a queued message (data with CR as \r,
 *                                    LF as \n; "8" when BODY=8BITMIME)
 *     CLOSE;                         close once the output is written
 *
 * replay() feeds the input in chunks of every size from 1 byte to all of
 * it, each chunk in an exactly-sized allocation (the sanitizers catch a
 * read past it), takes the output after every call and checks that the
 * output and the events are the same for every split.
 */
#include <glib.h>
#include <string.h>

#include "protocols/smtp/smtp_server_core.h"
#include "test_util.h"

typedef struct {
    const char *name;
    const char *domain;
    uint64_t max_size;
    uint32_t max_rcpt;
    const char *input;
    const char *output;
    const char *events;
} transcript;

/* The test application's decisions: by the recipient's local part, and by
 * a word in the message. */
static smtp_decision decide_rcpt(void *ud, const char *from, const char *to)
{
    (void)ud;
    (void)from;
    static const struct {
        const char *prefix;
        int code;
        const char *text;
    } rules[] = {
        {"temp", 450, NULL},   {"err", 451, NULL},  {"full", 452, NULL}, {"nouser", 550, "No such user here"},
        {"away", 551, NULL},   {"bad", 553, NULL},  {"fwd", 251, NULL},  {"odd", 299, NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rules); i++)
        if (g_str_has_prefix(to, rules[i].prefix))
            return (smtp_decision){rules[i].code, rules[i].text};
    return (smtp_decision){250, NULL};
}

static smtp_decision decide_message(void *ud, const smtp_envelope *env)
{
    (void)ud;
    char *d = env->data->len ? g_strndup((const char *)env->data->data, env->data->len) : g_strdup("");
    smtp_decision r = {250, NULL};
    if (strstr(d, "QUEUEFULL"))
        r = (smtp_decision){452, NULL};
    else if (strstr(d, "REJECT"))
        r = (smtp_decision){554, "Message rejected"};
    else if (strstr(d, "NOSPACE"))
        r = (smtp_decision){552, NULL};
    else if (strstr(d, "LOCALERR"))
        r = (smtp_decision){451, NULL};
    else if (strstr(d, "QUEUED"))
        r = (smtp_decision){250, "Queued as 1"};
    g_free(d);
    return r;
}

static const smtp_server_callbacks callbacks = {decide_rcpt, decide_message};

static void escape_into(GString *s, const guint8 *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '\r')
            g_string_append(s, "\\r");
        else if (d[i] == '\n')
            g_string_append(s, "\\n");
        else
            g_string_append_c(s, (char)d[i]);
    }
}

static void drain(smtp_server_core *s, GString *out, GString *log, size_t *max_buffered)
{
    size_t n;
    const uint8_t *o = smtp_server_core_output(s, &n);
    g_string_append_len(out, (const char *)o, (gssize)n);
    smtp_server_core_consume(s, n);
    smtp_server_event ev;
    while (smtp_server_core_next_event(s, &ev)) {
        if (ev.kind == SMTP_SERVER_EV_MESSAGE) {
            g_string_append_printf(log, "M %s ", ev.env->reverse_path);
            for (guint i = 0; i < ev.env->forward_paths->len; i++)
                g_string_append_printf(log, "%s%s", i ? "," : "", (char *)g_ptr_array_index(ev.env->forward_paths, i));
            g_string_append(log, ev.env->body_8bit ? " 8 " : " ");
            escape_into(log, ev.env->data->data, ev.env->data->len);
            g_string_append(log, ";");
        } else if (ev.kind == SMTP_SERVER_EV_CLOSE) {
            g_string_append(log, "CLOSE;");
        }
        smtp_server_event_clear(&ev);
    }
    size_t b = smtp_server_core_buffered(s);
    if (max_buffered && b > *max_buffered)
        *max_buffered = b;
}

/* Feeds `input` in chunks of `chunk` bytes; returns the output, the event
 * log in *log and the most bytes the core held in *max_buffered. */
static char *run_chunks(const transcript *t, size_t len, size_t chunk, char **log, size_t *max_buffered)
{
    smtp_server_config cfg = {.domain = t->domain, .max_message_size = t->max_size, .max_recipients = t->max_rcpt};
    smtp_server_core *s = smtp_server_core_new(&cfg, &callbacks, NULL);
    GString *out = g_string_new(NULL), *lg = g_string_new(NULL);
    size_t mb = 0;
    drain(s, out, lg, &mb);
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = MIN(chunk, len - off);
        uint8_t *piece = g_memdup2(t->input + off, n);
        size_t used = 0;
        int idle = 0;
        while (used < n && idle < 3) {
            size_t k = smtp_server_core_feed(s, piece + used, n - used);
            idle = k ? 0 : idle + 1;
            used += k;
            drain(s, out, lg, &mb);
        }
        CU_ASSERT_EQUAL(used, n);
        g_free(piece);
    }
    smtp_server_core_free(s);
    *log = g_string_free(lg, FALSE);
    if (max_buffered)
        *max_buffered = mb;
    return g_string_free(out, FALSE);
}

static void replay(const transcript *t)
{
    size_t len = strlen(t->input);
    for (size_t chunk = 1; chunk <= MAX(len, 1); chunk++) {
        char *log;
        char *out = run_chunks(t, len, chunk, &log, NULL);
        bool ok = strcmp(out, t->output) == 0 && strcmp(log, t->events ? t->events : "") == 0;
        if (!ok)
            fprintf(stderr, "\n%s, chunk %zu:\n output: [%s]\n expect: [%s]\n events: [%s]\n expect: [%s]\n", t->name,
                    chunk, out, t->output, log, t->events ? t->events : "");
        CU_ASSERT_TRUE(ok);
        g_free(out);
        g_free(log);
        if (!ok)
            break;
    }
}

#define GREET "220 hamburger.edu\r\n"
#define HELO_IN "HELO crepes.fr\r\n"
#define HELO_OUT "250 Hello crepes.fr, pleased to meet you\r\n"
#define EHLO_OUT                                                                                   \
    "250-hamburger.edu Hello crepes.fr, pleased to meet you\r\n"                                   \
    "250-SIZE 10485760\r\n"                                                                        \
    "250-8BITMIME\r\n"                                                                             \
    "250 PIPELINING\r\n"
#define SENDER_OK "250 alice@crepes.fr... Sender ok\r\n"
#define BOB_OK "250 bob@hamburger.edu ... Recipient ok\r\n"
#define GO_AHEAD "354 Enter mail, end with \".\" on a line by itself\r\n"
#define ACCEPTED "250 Message accepted for delivery\r\n"
#define BYE "221 hamburger.edu closing connection\r\n"
#define MAIL_IN "MAIL FROM: <alice@crepes.fr>\r\n"
#define RCPT_IN "RCPT TO: <bob@hamburger.edu>\r\n"
#define SYNTAX "500 Syntax error, command unrecognized\r\n"

/* The lecture slides' exchange, byte for byte (seeds 000 and 001). */
static const transcript slides = {
    .name = "slides",
    .domain = "hamburger.edu",
    .input = HELO_IN MAIL_IN RCPT_IN "DATA\r\nDo you like ketchup?\r\nHow about pickles?\r\n.\r\nQUIT\r\n",
    .output = "220 hamburger.edu\r\n"
              "250 Hello crepes.fr, pleased to meet you\r\n"
              "250 alice@crepes.fr... Sender ok\r\n"
              "250 bob@hamburger.edu ... Recipient ok\r\n"
              "354 Enter mail, end with \".\" on a line by itself\r\n"
              "250 Message accepted for delivery\r\n"
              "221 hamburger.edu closing connection\r\n",
    .events = "M alice@crepes.fr bob@hamburger.edu Do you like ketchup?\\r\\nHow about pickles?\\r\\n;CLOSE;",
};

static const transcript transcripts[] = {
    {.name = "ehlo lists SIZE, 8BITMIME, PIPELINING",
     .domain = "hamburger.edu",
     .input = "EHLO crepes.fr\r\nQUIT\r\n",
     .output = GREET EHLO_OUT BYE,
     .events = "CLOSE;"},
    {.name = "two messages on one connection, lower-case verbs, RFC spacing",
     .domain = "hamburger.edu",
     .input = "ehlo crepes.fr\r\nmail from:<alice@crepes.fr>\r\nrcpt to:<bob@hamburger.edu>\r\ndata\r\none\r\n.\r\n"
              "MAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nRCPT TO:<carol@hamburger.edu>\r\nDATA\r\ntwo\r\n.\r\nquit\r\n",
     .output = GREET EHLO_OUT SENDER_OK BOB_OK GO_AHEAD ACCEPTED "250 <>... Sender ok\r\n"
                                                                 "250 Postmaster ... Recipient ok\r\n"
                                                                 "250 carol@hamburger.edu ... Recipient ok\r\n" GO_AHEAD
                                                                     ACCEPTED BYE,
     .events = "M alice@crepes.fr bob@hamburger.edu one\\r\\n;M  Postmaster,carol@hamburger.edu two\\r\\n;CLOSE;"},
    {.name = "pipelined commands in one piece are answered in order",
     .domain = "hamburger.edu",
     .input = "EHLO crepes.fr\r\nMAIL FROM:<alice@crepes.fr> SIZE=40 BODY=8BITMIME\r\nRCPT TO:<bob@hamburger.edu>\r\n"
              "RCPT TO:<nouser@hamburger.edu>\r\nDATA\r\nh\xc3\xa9\r\n.\r\nNOOP\r\nQUIT\r\n",
     .output = GREET EHLO_OUT SENDER_OK BOB_OK "550 No such user here\r\n" GO_AHEAD ACCEPTED "250 OK\r\n" BYE,
     .events = "M alice@crepes.fr bob@hamburger.edu 8 h\xc3\xa9\\r\\n;CLOSE;"},
    {.name = "recipients refused and accepted mixed",
     .domain = "hamburger.edu",
     .input = HELO_IN MAIL_IN "RCPT TO:<temp@h.edu>\r\nRCPT TO:<err@h.edu>\r\nRCPT TO:<full@h.edu>\r\n"
                              "RCPT TO:<bob@hamburger.edu>\r\nRCPT TO:<nouser@h.edu>\r\nRCPT TO:<away@h.edu>\r\n"
                              "RCPT TO:<bad@h.edu>\r\nRCPT TO:<fwd@other.edu>\r\nRCPT TO:<odd@h.edu>\r\n"
                              "DATA\r\nx\r\n.\r\n",
     .output = GREET HELO_OUT SENDER_OK "450 Requested mail action not taken: mailbox unavailable\r\n"
                                        "451 Requested action aborted: local error in processing\r\n"
                                        "452 Requested action not taken: insufficient system storage\r\n" BOB_OK
                                        "550 No such user here\r\n"
                                        "551 User not local\r\n"
                                        "553 Requested action not taken: mailbox name not allowed\r\n"
                                        "251 User not local; will forward to <fwd@other.edu>\r\n"
                                        "451 Requested action aborted: local error in processing\r\n" GO_AHEAD ACCEPTED,
     .events = "M alice@crepes.fr bob@hamburger.edu,fwd@other.edu x\\r\\n;"},
    {.name = "dot-stuffing undone; a lone dot line inside is not the end",
     .domain = "hamburger.edu",
     .input = HELO_IN MAIL_IN RCPT_IN "DATA\r\n..\r\n...leading dots\r\n.x\r\n. \r\nend\r\n.\r\n",
     .output = GREET HELO_OUT SENDER_OK BOB_OK GO_AHEAD ACCEPTED,
     .events = "M alice@crepes.fr bob@hamburger.edu .\\r\\n..leading dots\\r\\nx\\r\\n \\r\\nend\\r\\n;"},
    {.name = "an empty message",
     .domain = "hamburger.edu",
     .input = HELO_IN MAIL_IN RCPT_IN "DATA\r\n.\r\n",
     .output = GREET HELO_OUT SENDER_OK BOB_OK GO_AHEAD ACCEPTED,
     .events = "M alice@crepes.fr bob@hamburger.edu ;"},
    {.name = "bare LF ends a command line but never a data line",
     .domain = "hamburger.edu",
     .input = "HELO crepes.fr\nMAIL FROM:<alice@crepes.fr>\nRCPT TO:<bob@hamburger.edu>\nDATA\n"
              "a\n.\nb\r.\r\nc\r\n.\r\n",
     .output = GREET HELO_OUT SENDER_OK BOB_OK GO_AHEAD ACCEPTED,
     .events = "M alice@crepes.fr bob@hamburger.edu a\\n.\\nb\\r.\\r\\nc\\r\\n;"},
    {.name = "RSET, NOOP, VRFY and commands before HELO",
     .domain = "hamburger.edu",
     .input = "NOOP\r\nVRFY bob\r\nVRFY\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<a@b.c>\r\nDATA\r\nRSET\r\n" HELO_IN MAIL_IN
              "RSET\r\nRCPT TO:<bob@hamburger.edu>\r\nRSET x\r\nNOOP anything\r\n",
     .output = GREET "250 OK\r\n"
                     "252 Cannot VRFY user, but will accept message and attempt delivery\r\n"
                     "501 Syntax: VRFY address\r\n"
                     "503 Error: send HELO/EHLO first\r\n"
                     "503 Error: send HELO/EHLO first\r\n"
                     "503 Error: send HELO/EHLO first\r\n"
                     "250 OK\r\n" HELO_OUT SENDER_OK "250 OK\r\n"
                     "503 Error: need MAIL command\r\n"
                     "501 Syntax: RSET\r\n"
                     "250 OK\r\n"},
    {.name = "500, 501, 502 and 503",
     .domain = "hamburger.edu",
     .input = "FOO\r\n\r\nHELLO there\r\nHELO\r\nEHLO\r\nEXPN staff\r\nhelp\r\nTURN\r\n" HELO_IN "RCPT TO:<b@c.d>\r\n"
              "DATA\r\nMAIL FROM:alice@crepes.fr\r\nMAIL TO:<a@b.c>\r\n" MAIL_IN MAIL_IN "DATA\r\n"
              "RCPT TO: bob\r\nRCPT <bob@c.d>\r\nQUIT now\r\nHE\x01O x\r\n",
     .output = GREET SYNTAX SYNTAX SYNTAX "501 Syntax: HELO hostname\r\n"
                                          "501 Syntax: EHLO hostname\r\n"
                                          "502 Command not implemented\r\n"
                                          "502 Command not implemented\r\n"
                                          "502 Command not implemented\r\n" HELO_OUT "503 Error: need MAIL command\r\n"
                                          "503 Error: need MAIL command\r\n"
                                          "501 Syntax: MAIL FROM:<address>\r\n"
                                          "501 Syntax: MAIL FROM:<address>\r\n" SENDER_OK
                                          "503 Error: nested MAIL command\r\n"
                                          "503 Error: need RCPT command\r\n"
                                          "501 Syntax: RCPT TO:<address>\r\n"
                                          "501 Syntax: RCPT TO:<address>\r\n"
                                          "501 Syntax: QUIT\r\n" SYNTAX},
    {.name = "553 bad addresses, 555 unknown parameters, 501 bad values, 552 SIZE",
     .domain = "hamburger.edu",
     .max_size = 1000,
     .input = HELO_IN "MAIL FROM:<alice>\r\nMAIL FROM:<@crepes.fr>\r\nMAIL FROM:<a..b@c>\r\nMAIL FROM:<a@b c>\r\n"
                      "MAIL FROM:<a@b.c> AUTH=<>\r\nMAIL FROM:<a@b.c> SIZE=x\r\nMAIL FROM:<a@b.c> BODY=9BIT\r\n"
                      "MAIL FROM:<a@b.c> SIZE=1001\r\nMAIL FROM:<a@b.c> SIZE=99999999999999999999\r\n"
                      "MAIL FROM:<a@b.c>x\r\nMAIL FROM:<@relay.org:\"j d\"@b.c> SIZE=1000\r\n"
                      "RCPT TO:<>\r\nRCPT TO:<bob@>\r\nRCPT TO:<bob@h.edu> NOTIFY=NEVER\r\nRCPT TO:<[1.2.3.4]>\r\n"
                      "RCPT TO:<x@[192.0.2.1]>\r\n",
     .output = GREET HELO_OUT "553 Requested action not taken: mailbox name not allowed\r\n"
                              "553 Requested action not taken: mailbox name not allowed\r\n"
                              "553 Requested action not taken: mailbox name not allowed\r\n"
                              "501 Syntax: MAIL FROM:<address>\r\n"
                              "555 MAIL FROM/RCPT TO parameters not recognized or not implemented\r\n"
                              "501 Syntax error in parameters or arguments\r\n"
                              "501 Syntax error in parameters or arguments\r\n"
                              "552 Message size exceeds fixed maximum message size\r\n"
                              "501 Syntax error in parameters or arguments\r\n"
                              "501 Syntax: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]\r\n"
                              "250 \"j d\"@b.c... Sender ok\r\n"
                              "553 Requested action not taken: mailbox name not allowed\r\n"
                              "553 Requested action not taken: mailbox name not allowed\r\n"
                              "555 MAIL FROM/RCPT TO parameters not recognized or not implemented\r\n"
                              "553 Requested action not taken: mailbox name not allowed\r\n"
                              "250 x@[192.0.2.1] ... Recipient ok\r\n"},
    {.name = "554 at DATA when every recipient was refused; DATA with an argument",
     .domain = "hamburger.edu",
     .input = HELO_IN MAIL_IN "RCPT TO:<nouser@h.edu>\r\nDATA\r\nRCPT TO:<bob@h.edu>\r\nDATA now\r\nDATA\r\n.\r\n",
     .output = GREET HELO_OUT SENDER_OK "550 No such user here\r\n"
                                        "554 No valid recipients\r\n"
                                        "250 bob@h.edu ... Recipient ok\r\n"
                                        "501 Syntax: DATA\r\n" GO_AHEAD ACCEPTED,
     .events = "M alice@crepes.fr bob@h.edu ;"},
    {.name = "452 past the recipient limit",
     .domain = "hamburger.edu",
     .max_rcpt = 2,
     .input = HELO_IN MAIL_IN "RCPT TO:<a@h.edu>\r\nRCPT TO:<nouser@h.edu>\r\nRCPT TO:<b@h.edu>\r\nRCPT TO:<c@h.edu>\r\n"
                              "DATA\r\nx\r\n.\r\n",
     .output = GREET HELO_OUT SENDER_OK "250 a@h.edu ... Recipient ok\r\n"
                                        "550 No such user here\r\n"
                                        "250 b@h.edu ... Recipient ok\r\n"
                                        "452 Too many recipients\r\n" GO_AHEAD ACCEPTED,
     .events = "M alice@crepes.fr a@h.edu,b@h.edu x\\r\\n;"},
    {.name = "the application refuses or queues messages",
     .domain = "hamburger.edu",
     .input = HELO_IN MAIL_IN RCPT_IN "DATA\r\nQUEUEFULL\r\n.\r\n" MAIL_IN RCPT_IN "DATA\r\nREJECT\r\n.\r\n" MAIL_IN RCPT_IN
                      "DATA\r\nNOSPACE\r\n.\r\n" MAIL_IN RCPT_IN "DATA\r\nLOCALERR\r\n.\r\n" MAIL_IN RCPT_IN
                      "DATA\r\nQUEUED\r\n.\r\n",
     .output = GREET HELO_OUT SENDER_OK BOB_OK GO_AHEAD "452 Requested action not taken: insufficient system storage\r\n" SENDER_OK
         BOB_OK GO_AHEAD "554 Message rejected\r\n" SENDER_OK BOB_OK GO_AHEAD
         "552 Requested mail action aborted: exceeded storage allocation\r\n" SENDER_OK BOB_OK GO_AHEAD
         "451 Requested action aborted: local error in processing\r\n" SENDER_OK BOB_OK GO_AHEAD "250 Queued as 1\r\n",
     .events = "M alice@crepes.fr bob@hamburger.edu QUEUED\\r\\n;"},
    {.name = "a message over the size limit: 552 at its end, the session goes on",
     .domain = "hamburger.edu",
     .max_size = 20,
     .input = HELO_IN MAIL_IN RCPT_IN "DATA\r\n0123456789\r\n0123456789\r\n.\r\n" MAIL_IN RCPT_IN
                      "DATA\r\n012345678901234567\r\n.\r\nQUIT\r\n",
     .output = GREET HELO_OUT SENDER_OK BOB_OK GO_AHEAD "552 Message size exceeds fixed maximum message size\r\n" SENDER_OK
         BOB_OK GO_AHEAD ACCEPTED "221 hamburger.edu closing connection\r\n",
     .events = "M alice@crepes.fr bob@hamburger.edu 012345678901234567\\r\\n;CLOSE;"},
    {.name = "input after QUIT is ignored",
     .domain = "hamburger.edu",
     .input = "QUIT\r\nHELO x\r\nNOOP\r\n",
     .output = GREET BYE,
     .events = "CLOSE;"},
    {.name = "default domain",
     .input = "QUIT\r\n",
     .output = "220 localhost\r\n221 localhost closing connection\r\n",
     .events = "CLOSE;"},
};

static void test_slides_transcript(void) { replay(&slides); }

static void test_transcripts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(transcripts); i++)
        replay(&transcripts[i]);
}

/* The state changes of the slides' exchange, in order. */
static void test_states(void)
{
    smtp_server_config cfg = {.domain = "hamburger.edu"};
    smtp_server_core *s = smtp_server_core_new(&cfg, NULL, NULL);
    CU_ASSERT_EQUAL(smtp_server_core_feed(s, (const uint8_t *)slides.input, strlen(slides.input)), strlen(slides.input));
    GString *log = g_string_new(NULL);
    smtp_server_event ev;
    while (smtp_server_core_next_event(s, &ev)) {
        if (ev.kind == SMTP_SERVER_EV_STATE)
            g_string_append_printf(log, "%s>%s ", smtp_server_state_name(ev.from), smtp_server_state_name(ev.to));
        smtp_server_event_clear(&ev);
    }
    CU_ASSERT_STRING_EQUAL(log->str, "CONNECTED>READY READY>MAIL MAIL>RCPT RCPT>DATA DATA>READY READY>CLOSED ");
    CU_ASSERT_EQUAL(smtp_server_core_state(s), SMTP_SERVER_CLOSED);
    g_string_free(log, TRUE);
    smtp_server_core_free(s);
}

/* Builds a long input: HELO, MAIL, RCPT, DATA, `lines` lines of `width`
 * bytes, the terminator, then NOOP. */
static char *long_message(size_t lines, size_t width)
{
    GString *s = g_string_new(HELO_IN MAIL_IN RCPT_IN "DATA\r\n");
    for (size_t i = 0; i < lines; i++) {
        for (size_t j = 0; j < width; j++)
            g_string_append_c(s, (char)('a' + (i + j) % 26));
        g_string_append(s, "\r\n");
    }
    g_string_append(s, ".\r\nNOOP\r\n");
    return g_string_free(s, FALSE);
}

/* 100 kB against a 1000-byte limit: 552, and the core never holds more
 * than the limit plus one command line, whatever the split. */
static void test_size_limit_bounded(void)
{
    char *in = long_message(1000, 98);
    transcript t = {.name = "oversize", .domain = "hamburger.edu", .max_size = 1000, .input = in};
    size_t chunks[] = {1, 7, 512, 4096, strlen(in)};
    for (size_t i = 0; i < G_N_ELEMENTS(chunks); i++) {
        char *log;
        size_t maxb = 0;
        char *out = run_chunks(&t, strlen(in), chunks[i], &log, &maxb);
        CU_ASSERT_STRING_EQUAL(out, GREET HELO_OUT SENDER_OK BOB_OK GO_AHEAD
                               "552 Message size exceeds fixed maximum message size\r\n250 OK\r\n");
        CU_ASSERT_STRING_EQUAL(log, "");
        CU_ASSERT_TRUE(maxb <= 1000 + SMTP_SERVER_MAX_COMMAND_LINE);
        if (chunks[i] <= 512) /* held up to the limit, then dropped */
            CU_ASSERT_TRUE(maxb >= 900);
        g_free(out);
        g_free(log);
    }
    g_free(in);
}

/* Command lines of 512 bytes with CRLF pass; 513 is 500 and the session
 * goes on; a 100 kB line is dropped without being held. */
static void test_line_limits(void)
{
    GString *in = g_string_new(HELO_IN "VRFY ");
    while (in->len < strlen(HELO_IN) + 510)
        g_string_append_c(in, 'x');
    g_string_append(in, "\r\nVRFY ");
    while (in->len < strlen(HELO_IN) + 512 + 511)
        g_string_append_c(in, 'y');
    g_string_append(in, "\r\nNOOP ");
    for (int i = 0; i < 100000; i++)
        g_string_append_c(in, 'z');
    g_string_append(in, "\r\nNOOP\r\n");
    transcript t = {.name = "lines", .domain = "hamburger.edu", .input = in->str};
    size_t chunks[] = {1, 3, 511, 512, 513, in->len};
    for (size_t i = 0; i < G_N_ELEMENTS(chunks); i++) {
        char *log;
        size_t maxb = 0;
        char *out = run_chunks(&t, in->len, chunks[i], &log, &maxb);
        CU_ASSERT_STRING_EQUAL(out, GREET HELO_OUT
                               "252 Cannot VRFY user, but will accept message and attempt delivery\r\n"
                               "500 Line too long\r\n500 Line too long\r\n250 OK\r\n");
        CU_ASSERT_TRUE(maxb < SMTP_SERVER_MAX_COMMAND_LINE);
        g_free(out);
        g_free(log);
    }
    g_string_free(in, TRUE);
}

/* A data line of 1000 bytes with CRLF passes; 1001 refuses the message
 * with 500 at its end. */
static void test_text_line_limit(void)
{
    for (size_t width = 998; width <= 999; width++) {
        char *in = long_message(2, width);
        transcript t = {.name = "text line", .domain = "hamburger.edu", .input = in};
        char *log;
        char *out = run_chunks(&t, strlen(in), 333, &log, NULL);
        if (width == 998) {
            CU_ASSERT_STRING_EQUAL(out, GREET HELO_OUT SENDER_OK BOB_OK GO_AHEAD ACCEPTED "250 OK\r\n");
            CU_ASSERT_TRUE(g_str_has_prefix(log, "M alice@crepes.fr"));
        } else {
            CU_ASSERT_STRING_EQUAL(out, GREET HELO_OUT SENDER_OK BOB_OK GO_AHEAD "500 Line too long\r\n250 OK\r\n");
            CU_ASSERT_STRING_EQUAL(log, "");
        }
        g_free(out);
        g_free(log);
        g_free(in);
    }
}

/* 421 on shutdown, in the middle of a transaction; then nothing more. */
static void test_shutdown(void)
{
    smtp_server_config cfg = {.domain = "hamburger.edu"};
    smtp_server_core *s = smtp_server_core_new(&cfg, NULL, NULL);
    const char *in = HELO_IN MAIL_IN RCPT_IN "DATA\r\npartial";
    smtp_server_core_feed(s, (const uint8_t *)in, strlen(in));
    CU_ASSERT_TRUE(smtp_server_core_buffered(s) > 0);
    smtp_server_core_shutdown(s);
    smtp_server_core_shutdown(s);
    CU_ASSERT_EQUAL(smtp_server_core_feed(s, (const uint8_t *)"QUIT\r\n", 6), 6);
    GString *out = g_string_new(NULL), *log = g_string_new(NULL);
    drain(s, out, log, NULL);
    CU_ASSERT_STRING_EQUAL(out->str, GREET HELO_OUT SENDER_OK BOB_OK GO_AHEAD
                           "421 hamburger.edu Service not available, closing transmission channel\r\n");
    CU_ASSERT_STRING_EQUAL(log->str, "CLOSE;");
    CU_ASSERT_EQUAL(smtp_server_core_state(s), SMTP_SERVER_CLOSED);
    CU_ASSERT_EQUAL(smtp_server_core_buffered(s), 0);
    g_string_free(out, TRUE);
    g_string_free(log, TRUE);
    smtp_server_core_free(s);
}

/* A client that pipelines thousands of commands without reading: feed
 * stops while the replies not taken reach the high-water mark. */
static void test_output_backpressure(void)
{
    GString *in = g_string_new(NULL);
    for (int i = 0; i < 5000; i++)
        g_string_append(in, "NOOP\r\n");
    smtp_server_core *s = smtp_server_core_new(NULL, NULL, NULL);
    size_t used = smtp_server_core_feed(s, (const uint8_t *)in->str, in->len);
    size_t n;
    smtp_server_core_output(s, &n);
    CU_ASSERT_TRUE(used < in->len);
    CU_ASSERT_TRUE(n >= SMTP_SERVER_OUTPUT_HIGH && n < SMTP_SERVER_OUTPUT_HIGH + 512);
    CU_ASSERT_EQUAL(smtp_server_core_feed(s, (const uint8_t *)in->str + used, in->len - used), 0);
    size_t total = n;
    smtp_server_core_consume(s, n);
    while (used < in->len) {
        used += smtp_server_core_feed(s, (const uint8_t *)in->str + used, in->len - used);
        smtp_server_core_output(s, &n);
        total += n;
        smtp_server_core_consume(s, n);
    }
    CU_ASSERT_EQUAL(total, strlen("220 localhost\r\n") + 5000 * strlen("250 OK\r\n"));
    CU_ASSERT_EQUAL(smtp_server_core_feed(s, NULL, 5), 0);
    g_string_free(in, TRUE);
    smtp_server_core_free(s);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_slides_transcript), TEST(test_transcripts),   TEST(test_states),
        TEST(test_size_limit_bounded), TEST(test_line_limits),  TEST(test_text_line_limit),
        TEST(test_shutdown),          TEST(test_output_backpressure),
    };
    return test_main("protocols/smtp/server_core", tests, G_N_ELEMENTS(tests));
}
