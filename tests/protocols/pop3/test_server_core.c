/*
 * Tests of protocols/pop3/pop3_server_core: the lecture slides' session
 * byte for byte at every chunk size, each command's happy path and its
 * errors, malformed input (no CRLF, NUL bytes, over-long lines, commands
 * out of state, DELE twice, RETR of a deleted message), RSET, the
 * never-reveal property of the login, UPDATE on QUIT against a dropped
 * connection, APOP with RFC 1939's example, CAPA, TOP, UIDL, byte-stuffing
 * and line ends, the bad-command limit and output back-pressure.
 */
#include <glib.h>
#include <string.h>

#include "pop3_fixture.h"
#include "test_util.h"

/* Runs `input` against a fresh slides store at every chunk size from 1 to
 * its length, checking that the output is `want` each time; returns the
 * store of the last run (for checks of what was deleted). */
static mail_store *replay_all(const pop3_server_config *cfg, const char *input, const char *want)
{
    size_t len = strlen(input);
    mail_store *st = NULL;
    for (size_t piece = 1; piece <= MAX(len, (size_t)1); piece++) {
        mail_store_free(st);
        st = fixture_slides_store();
        char *out = fixture_session(st, cfg, input, len, piece, false, NULL);
        if (strcmp(out, want) != 0) {
            CU_FAIL("the output differs");
            fprintf(stderr, "\npiece %zu\n--- got\n%s--- want\n%s---\n", piece, out, want);
            g_free(out);
            break;
        }
        g_free(out);
    }
    return st;
}

static char *message_text(const char *subject, size_t size)
{
    GBytes *b = fixture_message(subject, size);
    char *t = g_strndup(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
    g_bytes_unref(b);
    return t;
}

/* The slides' session: every line the slides show, byte for byte, and
 * between them the status lines the slides leave out (RFC 1939 requires
 * "+OK" before a listing, a message, and as the answer to DELE). */
static void test_slides(void)
{
    static const char in[] = "user bob\r\npass hungry\r\nlist\r\nretr 1\r\ndele 1\r\nretr 2\r\ndele 2\r\nquit\r\n";
    char *m1 = message_text("first", 498), *m2 = message_text("second", 912);
    char *want = g_strconcat("+OK POP3 server ready\r\n"
                             "+OK\r\n"
                             "+OK user successfully logged on\r\n"
                             "+OK 2 messages (1410 octets)\r\n"
                             "1 498\r\n"
                             "2 912\r\n"
                             ".\r\n"
                             "+OK 498 octets\r\n",
                             m1, ".\r\n",
                             "+OK message 1 deleted\r\n"
                             "+OK 912 octets\r\n",
                             m2, ".\r\n",
                             "+OK message 2 deleted\r\n"
                             "+OK POP3 server signing off\r\n",
                             NULL);
    mail_store *st = replay_all(NULL, in, want);
    CU_ASSERT_EQUAL(fixture_inbox_count(st, "bob"), 0); /* download and delete */
    mail_store_free(st);
    g_free(want);
    g_free(m1);
    g_free(m2);
}

typedef struct {
    const char *name;
    const char *in;
    const char *out; /* after the greeting */
} transcript;

#define LOGIN "USER bob\r\nPASS hungry\r\n"
#define LOGGED "+OK\r\n+OK user successfully logged on\r\n"
#define BAD_LOGIN "-ERR [AUTH] invalid user name or password\r\n"

static const transcript transcripts[] = {
    {"stat", LOGIN "STAT\r\n", LOGGED "+OK 2 1410\r\n"},
    {"list one", LOGIN "LIST 2\r\n", LOGGED "+OK 2 912\r\n"},
    {"list out of range", LOGIN "LIST 3\r\nLIST 0\r\nLIST x\r\nLIST 1 2\r\n",
     LOGGED "-ERR no such message, only 2 messages in maildrop\r\n"
            "-ERR no such message, only 2 messages in maildrop\r\n-ERR invalid message number\r\n"
            "-ERR usage: LIST [msg]\r\n"},
    {"noop", LOGIN "NOOP\r\nnoop\r\n", LOGGED "+OK\r\n+OK\r\n"},
    {"dele twice", LOGIN "DELE 1\r\nDELE 1\r\nSTAT\r\nLIST\r\n",
     LOGGED "+OK message 1 deleted\r\n-ERR message 1 already deleted\r\n+OK 1 912\r\n"
            "+OK 1 messages (912 octets)\r\n2 912\r\n.\r\n"},
    {"retr deleted", LOGIN "DELE 2\r\nRETR 2\r\nTOP 2 0\r\nLIST 2\r\nUIDL 2\r\n",
     LOGGED "+OK message 2 deleted\r\n-ERR message 2 already deleted\r\n-ERR message 2 already deleted\r\n"
            "-ERR message 2 already deleted\r\n-ERR message 2 already deleted\r\n"},
    {"rset undoes", LOGIN "DELE 1\r\nDELE 2\r\nSTAT\r\nRSET\r\nSTAT\r\n",
     LOGGED "+OK message 1 deleted\r\n+OK message 2 deleted\r\n+OK 0 0\r\n"
            "+OK maildrop has 2 messages (1410 octets)\r\n+OK 2 1410\r\n"},
    {"uidl", LOGIN "UIDL\r\nUIDL 2\r\n", LOGGED "+OK\r\n1 1.1\r\n2 1.2\r\n.\r\n+OK 2 1.2\r\n"},
    {"top", LOGIN "TOP 1 0\r\nTOP 1 1\r\n",
     LOGGED "+OK top of message follows\r\nFrom: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: first\r\n\r\n.\r\n"
            "+OK top of message follows\r\nFrom: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: first\r\n\r\n"
            "Do you like ketchup? How about pickles? Do you like ketchup? How about\r\n.\r\n"},
    {"top bad", LOGIN "TOP 1\r\nTOP 1 x\r\nTOP 9 1\r\n",
     LOGGED "-ERR usage: TOP msg lines\r\n-ERR invalid number of lines\r\n"
            "-ERR no such message, only 2 messages in maildrop\r\n"},
    {"capa", "CAPA\r\n",
     "+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
     "IMPLEMENTATION appsim\r\n.\r\n"},
    {"out of state", "STAT\r\nRETR 1\r\nPASS hungry\r\nFOO\r\n",
     "-ERR not logged in\r\n-ERR not logged in\r\n-ERR USER first\r\n-ERR unknown command\r\n"},
    {"login twice", LOGIN "USER bob\r\nPASS hungry\r\nAPOP bob x\r\n",
     LOGGED "-ERR already logged in\r\n-ERR already logged in\r\n-ERR already logged in\r\n"},
    {"wrong password", "USER bob\r\nPASS starving\r\nPASS hungry\r\n" LOGIN,
     "+OK\r\n" BAD_LOGIN "-ERR USER first\r\n" LOGGED},
    {"unknown user", "USER carol\r\nPASS hungry\r\n", "+OK\r\n" BAD_LOGIN},
    {"password with spaces", "USER bob\r\nPASS a b c d e\r\n", "+OK\r\n" BAD_LOGIN},
    {"no arguments", "USER\r\nUSER a b\r\nUSER bob\r\nPASS\r\n",
     "-ERR usage: USER name\r\n-ERR usage: USER name\r\n+OK\r\n-ERR usage: PASS secret\r\n"},
    {"apop not offered", "APOP bob 0123\r\n", "-ERR APOP is not offered\r\n"},
    {"bare LF and case", "user bob\npass hungry\nstat\n", LOGGED "+OK 2 1410\r\n"},
    {"no CRLF", "USER bob", ""},
    {"NUL", "US\0ER bob\r\nNOOP\r\n", "-ERR invalid characters in command\r\n-ERR not logged in\r\n"},
    {"quit in authorization", "QUIT\r\nUSER bob\r\n", "+OK POP3 server signing off\r\n"},
    {"empty line", "\r\n", "-ERR unknown command\r\n"},
};

static void test_transcripts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(transcripts); i++) {
        const transcript *t = &transcripts[i];
        char *want = g_strconcat("+OK POP3 server ready\r\n", t->out, NULL);
        /* the NUL transcript: its length is known from the literal */
        size_t len = strcmp(t->name, "NUL") == 0 ? sizeof "US\0ER bob\r\nNOOP\r\n" - 1 : strlen(t->in);
        for (size_t piece = 1; piece <= len; piece++) {
            mail_store *st = fixture_slides_store();
            char *out = fixture_session(st, NULL, t->in, len, piece, false, NULL);
            if (strcmp(out, want) != 0) {
                CU_FAIL(t->name);
                fprintf(stderr, "\n%s, piece %zu\n--- got\n%s--- want\n%s---\n", t->name, piece, out, want);
                piece = len;
            }
            g_free(out);
            mail_store_free(st);
        }
        g_free(want);
    }
}

/* Unknown user and wrong password: the same bytes, the same state, the
 * same counters, over USER/PASS and APOP. */
static void test_never_reveal(void)
{
    static const char *const pairs[][2] = {
        {"USER bob\r\nPASS wrong\r\nSTAT\r\n", "USER nobody\r\nPASS wrong\r\nSTAT\r\n"},
        {"USER bob\r\nPASS hungry2\r\n", "USER bobby\r\nPASS hungry\r\n"},
        {"APOP bob 00000000000000000000000000000000\r\n", "APOP nobody 00000000000000000000000000000000\r\n"},
    };
    pop3_server_config cfg = {.apop_timestamp = "<1.2@hamburger.edu>"};
    for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
        mail_store *st = fixture_slides_store();
        char *a = fixture_session(st, &cfg, pairs[i][0], strlen(pairs[i][0]), 3, false, NULL);
        char *b = fixture_session(st, &cfg, pairs[i][1], strlen(pairs[i][1]), 3, false, NULL);
        CU_ASSERT_STRING_EQUAL(a, b);
        CU_ASSERT_PTR_NOT_NULL(strstr(a, BAD_LOGIN));
        g_free(a);
        g_free(b);
        mail_store_free(st);
    }
    /* A user without a password cannot log in, and says so the same way. */
    mail_store *st = fixture_slides_store();
    CU_ASSERT_TRUE(mail_store_add_user(st, "nopass", NULL, NULL));
    char *a = fixture_session(st, NULL, "USER nopass\r\nPASS x\r\n", 21, 50, false, NULL);
    CU_ASSERT_STRING_EQUAL(a, "+OK POP3 server ready\r\n+OK\r\n" BAD_LOGIN);
    g_free(a);
    /* A password with spaces is the rest of the line (RFC 1939 7). */
    CU_ASSERT_TRUE(mail_store_add_user(st, "carol", "two  words ", NULL));
    static const char carol[] = "USER carol\r\nPASS two  words \r\n";
    a = fixture_session(st, NULL, carol, strlen(carol), 50, false, NULL);
    CU_ASSERT_STRING_EQUAL(a, "+OK POP3 server ready\r\n" LOGGED);
    g_free(a);
    mail_store_free(st);
}

/* RFC 1939 7's example: timestamp, password and digest. */
static void test_apop(void)
{
    char *d = pop3_apop_digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf");
    CU_ASSERT_STRING_EQUAL(d, "c4c9334bac560ecc979e58001b3e22fb");
    g_free(d);
    mail_store *st = mail_store_new();
    CU_ASSERT_TRUE(mail_store_add_user(st, "mrose", "tanstaaf", NULL));
    pop3_server_config cfg = {.apop_timestamp = "1896.697170952@dbc.mtview.ca.us"};
    static const char in[] = "APOP mrose C4C9334BAC560ECC979E58001B3E22FB\r\nSTAT\r\n";
    char *out = fixture_session(st, &cfg, in, strlen(in), 5, false, NULL);
    CU_ASSERT_STRING_EQUAL(out, "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"
                                "+OK user successfully logged on\r\n+OK 0 0\r\n");
    g_free(out);
    /* With plain text refused, APOP still works and USER is not offered. */
    cfg.refuse_plaintext = true;
    cfg.greeting = "hello";
    static const char in2[] = "CAPA\r\nUSER mrose\r\nPASS tanstaaf\r\n"
                              "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n";
    out = fixture_session(st, &cfg, in2, strlen(in2), 7, false, NULL);
    CU_ASSERT_STRING_EQUAL(out, "+OK hello <1896.697170952@dbc.mtview.ca.us>\r\n"
                                "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
                                "PIPELINING\r\nIMPLEMENTATION appsim\r\n.\r\n"
                                "-ERR [AUTH] plain-text login is not allowed on this connection\r\n"
                                "-ERR [AUTH] plain-text login is not allowed on this connection\r\n"
                                "+OK user successfully logged on\r\n");
    g_free(out);
    mail_store_free(st);
}

/* A connection dropped after DELE removes nothing; the same with QUIT removes. */
static void test_update_only_on_quit(void)
{
    static const char dele[] = "USER bob\r\nPASS hungry\r\nDELE 1\r\n";
    mail_store *st = fixture_slides_store();
    bool closed = true;
    char *out = fixture_session(st, NULL, dele, strlen(dele), 4, true, &closed);
    CU_ASSERT_FALSE(closed); /* aborted: the glue closes, no CLOSE event needed */
    CU_ASSERT_EQUAL(fixture_inbox_count(st, "bob"), 2);
    g_free(out);
    char *quit = g_strconcat(dele, "QUIT\r\n", NULL);
    out = fixture_session(st, NULL, quit, strlen(quit), 4, false, &closed);
    CU_ASSERT_TRUE(closed);
    CU_ASSERT_TRUE(g_str_has_suffix(out, "+OK message 1 deleted\r\n+OK POP3 server signing off\r\n"));
    CU_ASSERT_EQUAL(fixture_inbox_count(st, "bob"), 1);
    /* The one left is the second message. */
    mail_folder *f = mail_store_folder(st, "bob", MAIL_STORE_INBOX, NULL);
    CU_ASSERT_EQUAL(g_bytes_get_size(mail_folder_msg(f, 0)->data), 912);
    g_free(out);
    g_free(quit);
    mail_store_free(st);
}

/* Another session removes a message this one listed: -ERR, nothing dangles. */
static void test_two_sessions(void)
{
    mail_store *st = fixture_slides_store();
    pop3_server_core *a = pop3_server_core_new(NULL, st);
    static const char login[] = "USER bob\r\nPASS hungry\r\n";
    pop3_server_core_feed(a, (const uint8_t *)login, strlen(login));
    static const char other[] = "USER bob\r\nPASS hungry\r\nDELE 1\r\nQUIT\r\n";
    char *out = fixture_session(st, NULL, other, strlen(other), 100, false, NULL);
    g_free(out);
    CU_ASSERT_EQUAL(fixture_inbox_count(st, "bob"), 1);
    size_t n;
    pop3_server_core_consume(a, 100000);
    static const char cmds[] = "RETR 1\r\nDELE 2\r\nDELE 1\r\nQUIT\r\n";
    pop3_server_core_feed(a, (const uint8_t *)cmds, strlen(cmds));
    const uint8_t *o = pop3_server_core_output(a, &n);
    char *text = g_strndup((const char *)o, n);
    CU_ASSERT_TRUE(g_str_has_prefix(text, "-ERR no such message: removed by another session\r\n"
                                          "+OK message 2 deleted\r\n+OK message 1 deleted\r\n"
                                          "+OK POP3 server signing off\r\n"));
    CU_ASSERT_EQUAL(fixture_inbox_count(st, "bob"), 0);
    CU_ASSERT_EQUAL(pop3_server_core_stats(a)->deleted, 1);
    g_free(text);
    pop3_server_core_free(a);
    mail_store_free(st);
}

/* Stored bare LF and CR become CRLF, a missing last line end is added, a
 * leading dot is doubled; the sizes count what is sent. */
static void test_stuffing_and_line_ends(void)
{
    mail_store *st = mail_store_new();
    CU_ASSERT_TRUE(mail_store_add_user(st, "bob", "hungry", NULL));
    static const char raw[] = "Subject: dots\n\n.hidden\r\n..two\rlast";
    GBytes *b = g_bytes_new_static(raw, sizeof raw - 1);
    mail_store_deliver(st, "bob", b, 0, NULL);
    g_bytes_unref(b);
    static const char in[] = LOGIN "LIST\r\nRETR 1\r\nTOP 1 1\r\n";
    char *out = fixture_session(st, NULL, in, strlen(in), 1, false, NULL);
    /* Lines sent: 13+2, 0+2, 7+2, 5+2, 4+2 = 39 octets. */
    CU_ASSERT_STRING_EQUAL(out, "+OK POP3 server ready\r\n" LOGGED
                                "+OK 1 messages (39 octets)\r\n1 39\r\n.\r\n"
                                "+OK 39 octets\r\nSubject: dots\r\n\r\n..hidden\r\n...two\r\nlast\r\n.\r\n"
                                "+OK top of message follows\r\nSubject: dots\r\n\r\n..hidden\r\n.\r\n");
    g_free(out);
    mail_store_free(st);
}

/* Over-long lines are answered once and not held; the tenth bad command closes. */
static void test_limits(void)
{
    mail_store *st = fixture_slides_store();
    GString *in = g_string_new(NULL);
    g_string_append_printf(in, "%s\r\n", "NOOP");
    for (int i = 0; i < 253; i++)
        g_string_append_c(in, 'x');
    g_string_append(in, "\r\n"); /* 255 octets: allowed (and unknown) */
    for (int i = 0; i < 100000; i++)
        g_string_append_c(in, 'y');
    g_string_append(in, "\r\n");
    char *out = fixture_session(st, NULL, in->str, in->len, 4096, false, NULL);
    CU_ASSERT_STRING_EQUAL(out, "+OK POP3 server ready\r\n-ERR not logged in\r\n-ERR unknown command\r\n"
                                "-ERR line too long\r\n");
    g_free(out);
    g_string_truncate(in, 0);
    for (int i = 0; i < 12; i++)
        g_string_append(in, "BOGUS\r\n");
    bool closed = false;
    out = fixture_session(st, NULL, in->str, in->len, 5, false, &closed);
    GString *want = g_string_new("+OK POP3 server ready\r\n");
    for (int i = 0; i < 9; i++)
        g_string_append(want, "-ERR unknown command\r\n");
    g_string_append(want, "-ERR too many bad commands, closing\r\n");
    CU_ASSERT_STRING_EQUAL(out, want->str);
    CU_ASSERT_TRUE(closed);
    g_free(out);
    g_string_free(want, TRUE);
    g_string_free(in, TRUE);
    mail_store_free(st);
}

/* A client pipelining RETRs without reading: feed stops, the output stays
 * bounded, and everything is answered once the output is taken. */
static void test_back_pressure(void)
{
    mail_store *st = fixture_slides_store();
    pop3_server_core *s = pop3_server_core_new(NULL, st);
    GString *in = g_string_new(LOGIN);
    for (int i = 0; i < 1000; i++)
        g_string_append(in, "RETR 2\r\n");
    g_string_append(in, "QUIT\r\n");
    size_t used = pop3_server_core_feed(s, (const uint8_t *)in->str, in->len);
    CU_ASSERT_TRUE(used < in->len);
    size_t n;
    pop3_server_core_output(s, &n);
    CU_ASSERT_TRUE(n < POP3_SERVER_OUTPUT_HIGH + 1000);
    CU_ASSERT_EQUAL(pop3_server_core_feed(s, (const uint8_t *)in->str + used, in->len - used), 0);
    uint64_t total = n;
    pop3_server_core_consume(s, n);
    while (used < in->len) {
        used += pop3_server_core_feed(s, (const uint8_t *)in->str + used, in->len - used);
        pop3_server_core_output(s, &n);
        CU_ASSERT_TRUE(n < POP3_SERVER_OUTPUT_HIGH + 1000);
        total += n;
        pop3_server_core_consume(s, n / 2); /* taken in halves */
        pop3_server_core_output(s, &n);
        pop3_server_core_consume(s, n);
    }
    CU_ASSERT_EQUAL(pop3_server_core_state(s), POP3_SERVER_CLOSED);
    const pop3_server_stats *stats = pop3_server_core_stats(s);
    CU_ASSERT_EQUAL(stats->retrieved, 1000);
    CU_ASSERT_EQUAL(stats->commands, 1003);
    CU_ASSERT_EQUAL(stats->bytes_in, in->len);
    CU_ASSERT_EQUAL(stats->bytes_out, total);
    CU_ASSERT_EQUAL(stats->deleted, 0);
    g_string_free(in, TRUE);
    pop3_server_core_free(s);
    mail_store_free(st);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_slides),         TEST(test_transcripts),
                                      TEST(test_never_reveal),   TEST(test_apop),
                                      TEST(test_update_only_on_quit), TEST(test_two_sessions),
                                      TEST(test_stuffing_and_line_ends), TEST(test_limits),
                                      TEST(test_back_pressure)};
    return test_main("protocols/pop3/server_core", tests, G_N_ELEMENTS(tests));
}
