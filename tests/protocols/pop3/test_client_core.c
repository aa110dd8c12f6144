/*
 * Tests of protocols/pop3/pop3_client_core against scripted servers: the
 * whole script is fed at every chunk size (responses arriving ahead of
 * the commands they answer are read in order, as a pipelining server's
 * would be), and the commands written and the events must be the same
 * each time. Malformed and hostile responses end the session with
 * PROTOCOL, never a crash: bad status lines, NUL bytes, over-long lines,
 * bad listings, duplicate or over-long unique ids, a message over the
 * limit; and the connection closing in the middle.
 */
#include <glib.h>
#include <string.h>

#include "protocols/pop3/pop3_client_core.h"
#include "test_util.h"

typedef struct {
    const char *name;
    const char *server;  /* what the server sends */
    const char *client;  /* what the client must write */
    const char *log;     /* the events */
    bool close_at_end;   /* the connection ends after the script */
    uint64_t max;        /* the client's max_message_size, 0: default */
} script;

static const script scripts[] = {
    {"keep with UIDL",
     "+OK hi\r\n+OK\r\n+OK in\r\n+OK 2 messages\r\n1 16\r\n2 3\r\n.\r\n+OK\r\n1 a\r\n2 b\r\n.\r\n"
     "+OK\r\n..dot\r\nline\r\n.\r\n+OK\r\nx\r\n.\r\n+OK bye\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\nRETR 1\r\nRETR 2\r\nQUIT\r\n", "M1:a:.dot|line|;M2:b:x|;ok", false, 0},
    {"bare LF", "+OK\n+OK\n+OK\n+OK\n1 3\n.\n+OK\n1 a\n.\n+OK\nx\n.\n+OK\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\nRETR 1\r\nQUIT\r\n", "M1:a:x|;ok", false, 0},
    {"no UIDL", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 3\r\n.\r\n-ERR unknown command\r\n+OK\r\nx\r\n.\r\n+OK\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\nRETR 1\r\nQUIT\r\n", "M1:-:x|;ok", false, 0},
    {"empty maildrop", "+OK\r\n+OK\r\n+OK\r\n+OK 0 messages\r\n.\r\n+OK\r\n.\r\n+OK\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\nQUIT\r\n", "ok", false, 0},
    {"retr refused", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 3\r\n2 3\r\n.\r\n+OK\r\n.\r\n-ERR gone\r\n+OK\r\ny\r\n.\r\n+OK\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\nRETR 1\r\nRETR 2\r\nQUIT\r\n", "S1:-ERR gone;M2:-:y|;ok", false, 0},
    {"error greeting", "-ERR go away\r\n", "", "error", false, 0},
    {"garbage status", "HELLO\r\n", "", "protocol", false, 0},
    {"lower-case status", "+ok\r\n", "", "protocol", false, 0},
    {"NUL in status", "+OK \0\r\n", "", "protocol", false, 0},
    {"wrong password", "+OK\r\n+OK\r\n-ERR [AUTH] no\r\n+OK\r\n", "USER bob\r\nPASS hungry\r\nQUIT\r\n", "auth",
     false, 0},
    {"wrong password, then closed", "+OK\r\n+OK\r\n-ERR [AUTH] no\r\n", "USER bob\r\nPASS hungry\r\nQUIT\r\n",
     "auth", true, 0},
    {"list refused", "+OK\r\n+OK\r\n+OK\r\n-ERR no\r\n+OK\r\n", "USER bob\r\nPASS hungry\r\nLIST\r\nQUIT\r\n",
     "error", false, 0},
    {"bad listing", "+OK\r\n+OK\r\n+OK\r\n+OK\r\nx y\r\n.\r\n", "USER bob\r\nPASS hungry\r\nLIST\r\n", "protocol",
     false, 0},
    {"listing out of order", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n2 3\r\n1 3\r\n.\r\n", "USER bob\r\nPASS hungry\r\nLIST\r\n",
     "protocol", false, 0},
    {"number zero", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n0 3\r\n.\r\n", "USER bob\r\nPASS hungry\r\nLIST\r\n", "protocol",
     false, 0},
    {"duplicate uidl", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 3\r\n.\r\n+OK\r\n1 a\r\n1 b\r\n.\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\n", "protocol", false, 0},
    {"uidl too long", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 3\r\n.\r\n+OK\r\n1 "
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n.\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\n", "protocol", false, 0},
    {"uidl of an unlisted message", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 3\r\n.\r\n+OK\r\n7 z\r\n1 a\r\n.\r\n+OK\r\nx\r\n.\r\n+OK\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\nRETR 1\r\nQUIT\r\n", "M1:a:x|;ok", false, 0},
    {"message over the limit", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 3\r\n.\r\n+OK\r\n.\r\n+OK\r\n0123456789\r\n0123456789\r\n.\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\nRETR 1\r\n", "protocol", false, 16},
    {"closed in a message", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 3\r\n.\r\n+OK\r\n.\r\n+OK\r\nx\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\nRETR 1\r\n", "closed", true, 0},
    {"closed before the greeting", "", "", "closed", true, 0},
    {"after QUIT, nothing", "+OK\r\n+OK\r\n+OK\r\n+OK\r\n.\r\n+OK\r\n.\r\n+OK\r\n+OK\r\nHELLO\r\n",
     "USER bob\r\nPASS hungry\r\nLIST\r\nUIDL\r\nQUIT\r\n", "ok", true, 0},
};

static char *run_script(const script *s, size_t len, size_t piece, char **log)
{
    pop3_client_config cfg = {.user = "bob", .password = "hungry", .max_message_size = s->max};
    pop3_client_core *c = pop3_client_core_new(&cfg);
    GString *l = g_string_new(NULL);
    for (size_t off = 0; off < len; off += piece)
        pop3_client_core_feed(c, (const uint8_t *)s->server + off, MIN(piece, len - off));
    if (s->close_at_end)
        pop3_client_core_closed(c, "closed");
    pop3_client_event ev;
    while (pop3_client_core_next_event(c, &ev)) {
        if (ev.kind == POP3_CLIENT_EV_MESSAGE) {
            g_string_append_printf(l, "M%u:%s:", ev.number, ev.uidl ? ev.uidl : "-");
            gsize n;
            const char *d = g_bytes_get_data(ev.data, &n);
            for (gsize i = 0; i < n; i++)
                if (d[i] != '\r')
                    g_string_append_c(l, d[i] == '\n' ? '|' : d[i]);
            g_string_append_c(l, ';');
        } else if (ev.kind == POP3_CLIENT_EV_SKIPPED) {
            g_string_append_printf(l, "S%u:%s;", ev.number, ev.text);
        } else if (ev.kind == POP3_CLIENT_EV_DONE) {
            g_string_append(l, pop3_client_result_name(ev.result));
        }
        pop3_client_event_clear(&ev);
    }
    size_t n;
    const uint8_t *o = pop3_client_core_output(c, &n);
    char *out = n ? g_strndup((const char *)o, n) : g_strdup("");
    pop3_client_core_free(c);
    *log = g_string_free(l, FALSE);
    return out;
}

static void test_scripts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(scripts); i++) {
        const script *s = &scripts[i];
        size_t len = strcmp(s->name, "NUL in status") == 0 ? 7 : strlen(s->server);
        for (size_t piece = 1; piece <= MAX(len, (size_t)1); piece++) {
            char *log;
            char *out = run_script(s, len, piece, &log);
            if (strcmp(out, s->client) || strcmp(log, s->log)) {
                CU_FAIL(s->name);
                fprintf(stderr, "\n%s, piece %zu: wrote\n%s\nevents %s\n", s->name, piece, out, log);
                piece = len;
            }
            g_free(out);
            g_free(log);
        }
    }
}

/* Lines over the limits end the session; the core never holds more. */
static void test_long_lines(void)
{
    pop3_client_config cfg = {.user = "bob", .password = "hungry"};
    pop3_client_core *c = pop3_client_core_new(&cfg);
    GString *s = g_string_new("+OK ");
    for (int i = 0; i < 600; i++)
        g_string_append_c(s, 'x');
    pop3_client_core_feed(c, (const uint8_t *)s->str, s->len); /* no LF yet: over 512 already */
    CU_ASSERT_EQUAL(pop3_client_core_state(c), POP3_CLIENT_DONE);
    pop3_client_core_free(c);
    /* A listing line over 512 octets. */
    c = pop3_client_core_new(&cfg);
    static const char head[] = "+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 ";
    pop3_client_core_feed(c, (const uint8_t *)head, strlen(head));
    pop3_client_core_feed(c, (const uint8_t *)s->str, s->len);
    CU_ASSERT_EQUAL(pop3_client_core_state(c), POP3_CLIENT_DONE);
    pop3_client_core_free(c);
    g_string_free(s, TRUE);
    /* Message lines may be long: one line of 100000 bytes. */
    c = pop3_client_core_new(&cfg);
    static const char retr[] = "+OK\r\n+OK\r\n+OK\r\n+OK\r\n1 100002\r\n.\r\n+OK\r\n.\r\n+OK\r\n";
    pop3_client_core_feed(c, (const uint8_t *)retr, strlen(retr));
    char *big = g_malloc(100000);
    memset(big, 'z', 100000);
    pop3_client_core_feed(c, (const uint8_t *)big, 100000);
    pop3_client_core_feed(c, (const uint8_t *)"\r\n.\r\n", 5);
    g_free(big);
    pop3_client_event ev;
    int messages = 0;
    while (pop3_client_core_next_event(c, &ev)) {
        if (ev.kind == POP3_CLIENT_EV_MESSAGE) {
            messages++;
            CU_ASSERT_EQUAL(g_bytes_get_size(ev.data), 100002);
        }
        pop3_client_event_clear(&ev);
    }
    CU_ASSERT_EQUAL(messages, 1);
    CU_ASSERT_EQUAL(pop3_client_core_state(c), POP3_CLIENT_QUIT);
    CU_ASSERT_EQUAL(pop3_client_core_stats(c)->retrieved, 1);
    pop3_client_core_free(c);
}

/* A user name or password that would break the command line is never sent. */
static void test_bad_credentials(void)
{
    pop3_client_config cfg = {.user = "bob\r\nDELE 1", .password = "hungry"};
    pop3_client_core *c = pop3_client_core_new(&cfg);
    pop3_client_core_feed(c, (const uint8_t *)"+OK\r\n", 5);
    size_t n;
    const uint8_t *o = pop3_client_core_output(c, &n);
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT_EQUAL(memcmp(o, "QUIT\r\n", 6), 0);
    pop3_client_core_free(c);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_scripts), TEST(test_long_lines), TEST(test_bad_credentials)};
    return test_main("protocols/pop3/client_core", tests, G_N_ELEMENTS(tests));
}
