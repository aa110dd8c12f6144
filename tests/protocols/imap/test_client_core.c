/*
 * Tests of protocols/imap/imap_client_core: the client against the server
 * core over the fixture's store (fixture.h), bytes passed both ways in
 * pieces of several sizes; and scripted servers (what the server sends,
 * what the client must write, the events it must give) replayed at every
 * chunk size: PREAUTH, a BYE greeting, a refused login, malformed and
 * over-long responses, literals over the limit.
 */
#include <glib.h>
#include <string.h>

#include "fixture.h"
#include "protocols/imap/imap_client_core.h"
#include "test_util.h"

/* The events as text: "M <uid> <flags> <bytes>;" and "DONE <ok> <text>;". */
static void take_events(imap_client_core *c, GString *log)
{
    imap_client_event ev;
    while (imap_client_core_next_event(c, &ev)) {
        if (ev.kind == IMAP_CLIENT_EV_MESSAGE)
            g_string_append_printf(log, "M %u %u %zu;", ev.uid, ev.flags, g_bytes_get_size(ev.data));
        else
            g_string_append_printf(log, "DONE %d %s;", ev.ok, ev.text);
        imap_client_event_clear(&ev);
    }
}

/* Moves at most `chunk` bytes of each side's output to the other until
 * the client is done; the client's events in log. */
static void pump(imap_client_core *c, imap_server_core *s, size_t chunk, GString *log, GPtrArray *msgs)
{
    for (int rounds = 0; rounds < 100000 && imap_client_core_state(c) != IMAP_CLIENT_DONE; rounds++) {
        size_t n;
        const uint8_t *o = imap_server_core_output(s, &n);
        n = MIN(n, chunk);
        imap_client_core_feed(c, o, n);
        imap_server_core_consume(s, n);
        o = imap_client_core_output(c, &n);
        n = MIN(n, chunk);
        size_t used = imap_server_core_feed(s, o, n);
        imap_client_core_consume(c, used);
        imap_client_event ev;
        while (imap_client_core_next_event(c, &ev)) {
            if (ev.kind == IMAP_CLIENT_EV_MESSAGE) {
                g_string_append_printf(log, "M %u %u %zu;", ev.uid, ev.flags, g_bytes_get_size(ev.data));
                if (msgs)
                    g_ptr_array_add(msgs, g_bytes_ref(ev.data));
            } else {
                g_string_append_printf(log, "DONE %d %s;", ev.ok, ev.text);
            }
            imap_client_event_clear(&ev);
        }
    }
}

static char *session(mail_store *st, const imap_client_config *cfg, size_t chunk, GPtrArray *msgs)
{
    imap_server_core *s = imap_server_core_new(NULL, st);
    imap_client_core *c = imap_client_core_new(cfg);
    GString *log = g_string_new(NULL);
    pump(c, s, chunk, log, msgs);
    CU_ASSERT_EQUAL(imap_client_core_state(c), IMAP_CLIENT_DONE);
    imap_client_core_free(c);
    imap_server_core_free(s);
    return g_string_free(log, FALSE);
}

static void test_against_the_server(void)
{
    size_t chunks[] = {1, 2, 7, 100, 100000};
    for (size_t k = 0; k < G_N_ELEMENTS(chunks); k++) {
        mail_store *st = fixture_store();
        GPtrArray *msgs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        imap_client_config cfg = {.user = "alice", .password = "wonderland"};
        char *log = session(st, &cfg, chunks[k], msgs);
        char *want = g_strdup_printf("M 1 %u %zu;M 2 %u %zu;M 3 %u %zu;DONE 1 LOGOUT completed;", MAIL_FLAG_SEEN,
                                     strlen(fixture_msg1), MAIL_FLAG_RECENT, strlen(fixture_msg2),
                                     MAIL_FLAG_FLAGGED | MAIL_FLAG_RECENT, strlen(fixture_msg3));
        CU_ASSERT_STRING_EQUAL(log, want);
        CU_ASSERT_EQUAL_FATAL(msgs->len, 3);
        const char *texts[] = {fixture_msg1, fixture_msg2, fixture_msg3};
        for (guint i = 0; i < 3; i++) {
            gsize n;
            const void *d = g_bytes_get_data(msgs->pdata[i], &n);
            CU_ASSERT_TRUE(n == strlen(texts[i]) && memcmp(d, texts[i], n) == 0);
        }
        /* PEEK: the store's flags did not change (but \Recent was taken). */
        mail_folder *in = mail_store_folder(st, "alice", "INBOX", NULL);
        CU_ASSERT_EQUAL(mail_folder_count(in), 3);
        CU_ASSERT_EQUAL(mail_folder_msg(in, 1)->flags, 0u);
        g_free(want);
        g_free(log);
        g_ptr_array_free(msgs, TRUE);
        mail_store_free(st);
    }
}

static void test_download_and_delete(void)
{
    mail_store *st = fixture_store();
    imap_client_config cfg = {.user = "alice", .password = "wonderland", .mark_seen = true, .delete_after = true};
    char *log = session(st, &cfg, 13, NULL);
    CU_ASSERT_TRUE(g_str_has_suffix(log, "DONE 1 LOGOUT completed;"));
    CU_ASSERT_EQUAL(mail_folder_count(mail_store_folder(st, "alice", "INBOX", NULL)), 0);
    g_free(log);
    /* An empty folder: no FETCH; a second run finds nothing. */
    log = session(st, &cfg, 13, NULL);
    CU_ASSERT_STRING_EQUAL(log, "DONE 1 LOGOUT completed;");
    g_free(log);
    /* Read-only: nothing deleted; mark_seen has no effect under EXAMINE. */
    imap_client_config ro = {.user = "alice", .password = "wonderland", .folder = "Archive", .read_only = true,
                             .delete_after = true};
    GBytes *b = g_bytes_new_static("Subject: a\r\n\r\nx\r\n", 17);
    mail_folder_append(mail_store_folder(st, "alice", "Archive", NULL), b, 0, fixture_t0, NULL);
    g_bytes_unref(b);
    log = session(st, &ro, 5, NULL);
    CU_ASSERT_STRING_EQUAL(log, "M 1 0 17;DONE 1 LOGOUT completed;");
    CU_ASSERT_EQUAL(mail_folder_count(mail_store_folder(st, "alice", "Archive", NULL)), 1);
    g_free(log);
    mail_store_free(st);
}

static void test_refusals(void)
{
    mail_store *st = fixture_store();
    imap_client_config bad = {.user = "alice", .password = "queen"};
    char *log = session(st, &bad, 3, NULL);
    CU_ASSERT_STRING_EQUAL(log, "DONE 0 LOGIN answered NO [AUTHENTICATIONFAILED] Authentication failed;");
    g_free(log);
    imap_client_config nofolder = {.user = "alice", .password = "wonderland", .folder = "Nope"};
    log = session(st, &nofolder, 3, NULL);
    CU_ASSERT_STRING_EQUAL(log, "DONE 0 SELECT answered NO [NONEXISTENT] No such mailbox;");
    g_free(log);
    imap_client_config lf = {.user = "alice", .password = "a\r\nb"};
    log = session(st, &lf, 3, NULL);
    CU_ASSERT_STRING_EQUAL(log, "DONE 0 the user name or password holds a line break;");
    g_free(log);
    mail_store_free(st);
}

/* ---- scripted servers ---------------------------------------------------- */

typedef struct {
    const char *name;
    uint64_t max_literal;
    const char *server; /* everything the server sends */
    const char *client; /* everything the client must write */
    const char *events;
} script;

static const script scripts[] = {
    {.name = "preauth, an empty folder",
     .server = "* PREAUTH ready\r\n* 0 EXISTS\r\nA1 OK done\r\n* BYE bye\r\nA2 OK bye\r\n",
     .client = "A1 SELECT \"INBOX\"\r\nA2 LOGOUT\r\n",
     .events = "DONE 1 bye;"},
    {.name = "a BYE greeting",
     .server = "* BYE too busy\r\n",
     .client = "",
     .events = "DONE 0 BYE too busy;"},
    {.name = "an odd greeting",
     .server = "* NO go away\r\n",
     .client = "",
     .events = "DONE 0 greeting NO go away;"},
    {.name = "fetch responses with other items, NIL, quoted bodies, keywords",
     .server = "* OK hi\r\nA1 OK in\r\n* 2 EXISTS\r\n* FLAGS (\\Seen)\r\nA2 OK sel\r\n"
               "* 1 FETCH (UID 7 X-GM-LABELS (\"a\" b) FLAGS (\\Seen $Junk \\Answered) BODY[] {3}\r\nabc)\r\n"
               "* 2 FETCH (FLAGS () UID 9 ENVELOPE (NIL \"s\" ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL NIL NIL) "
               "BODY[] \"q\\\"x\")\r\n* 3 FETCH (FLAGS (\\Deleted))\r\nA3 OK f\r\nA4 OK out\r\n",
     .client = "A1 LOGIN \"u\\\\\" \"p\\\"w\"\r\nA2 SELECT \"INBOX\"\r\nA3 UID FETCH 1:* (UID FLAGS BODY.PEEK[])\r\n"
               "A4 LOGOUT\r\n",
     .events = "M 7 3 3;M 9 0 3;DONE 1 out;"},
    {.name = "a literal over the limit",
     .max_literal = 10,
     .server = "* OK hi\r\nA1 OK in\r\n* 1 EXISTS\r\nA2 OK sel\r\n* 1 FETCH (UID 1 BODY[] {11}\r\n0123456789X)\r\n",
     .client = "A1 LOGIN \"u\\\\\" \"p\\\"w\"\r\nA2 SELECT \"INBOX\"\r\nA3 UID FETCH 1:* (UID FLAGS BODY.PEEK[])\r\n",
     .events = "DONE 0 a literal over 10 bytes;"},
    {.name = "literals of one response count together",
     .max_literal = 10,
     .server = "* OK hi\r\nA1 OK in\r\n* 1 EXISTS\r\nA2 OK sel\r\n* 1 FETCH (X {6}\r\n012345 BODY[] {6}\r\n",
     .client = "A1 LOGIN \"u\\\\\" \"p\\\"w\"\r\nA2 SELECT \"INBOX\"\r\nA3 UID FETCH 1:* (UID FLAGS BODY.PEEK[])\r\n",
     .events = "DONE 0 a literal over 10 bytes;"},
    {.name = "a tag the client never sent",
     .server = "* OK hi\r\nA7 OK in\r\n",
     .client = "A1 LOGIN \"u\\\\\" \"p\\\"w\"\r\n",
     .events = "DONE 0 a response with an unknown tag;"},
    {.name = "malformed lines",
     .server = "* OK hi\r\n\r\n",
     .client = "A1 LOGIN \"u\\\\\" \"p\\\"w\"\r\n",
     .events = "DONE 0 malformed response;"},
    {.name = "a malformed FETCH",
     .server = "* OK hi\r\nA1 OK in\r\n* 1 EXISTS\r\nA2 OK sel\r\n* 1 FETCH (UID x)\r\n",
     .client = "A1 LOGIN \"u\\\\\" \"p\\\"w\"\r\nA2 SELECT \"INBOX\"\r\nA3 UID FETCH 1:* (UID FLAGS BODY.PEEK[])\r\n",
     .events = "DONE 0 malformed FETCH response;"},
    {.name = "a BYE in the middle, then nothing is read",
     .server = "* OK hi\r\n* BYE shutting down\r\nA1 OK in\r\n",
     .client = "A1 LOGIN \"u\\\\\" \"p\\\"w\"\r\n",
     .events = "DONE 0 BYE shutting down;"},
};

static void replay_script(const script *t)
{
    size_t len = strlen(t->server);
    for (size_t chunk = 1; chunk <= MAX(len, 1); chunk++) {
        imap_client_config cfg = {.user = "u\\", .password = "p\"w", .max_literal = t->max_literal};
        imap_client_core *c = imap_client_core_new(&cfg);
        GString *out = g_string_new(NULL), *log = g_string_new(NULL);
        for (size_t off = 0; off < len; off += chunk) {
            size_t n = MIN(chunk, len - off);
            uint8_t *piece = g_memdup2(t->server + off, n);
            CU_ASSERT_EQUAL(imap_client_core_feed(c, piece, n), n);
            g_free(piece);
            size_t on;
            const uint8_t *o = imap_client_core_output(c, &on);
            g_string_append_len(out, (const char *)o, (gssize)on);
            imap_client_core_consume(c, on);
            take_events(c, log);
            CU_ASSERT_TRUE(imap_client_core_buffered(c) <= IMAP_CLIENT_MAX_LINE + 20);
        }
        imap_client_core_closed(c, "test end");
        take_events(c, log);
        bool ok = strcmp(out->str, t->client) == 0 && strcmp(log->str, t->events) == 0;
        if (!ok)
            fprintf(stderr, "\n%s, chunk %zu:\n client: [%s]\n expect: [%s]\n events: [%s]\n expect: [%s]\n", t->name,
                    chunk, out->str, t->client, log->str, t->events);
        CU_ASSERT_TRUE(ok);
        g_string_free(out, TRUE);
        g_string_free(log, TRUE);
        imap_client_core_free(c);
        if (!ok)
            break;
    }
}

static void test_scripts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(scripts); i++)
        replay_script(&scripts[i]);
}

static void test_closed_and_long_lines(void)
{
    imap_client_core *c = imap_client_core_new(NULL);
    imap_client_core_feed(c, (const uint8_t *)"* OK", 4);
    imap_client_core_closed(c, NULL);
    GString *log = g_string_new(NULL);
    take_events(c, log);
    CU_ASSERT_STRING_EQUAL(log->str, "DONE 0 connection closed: by the peer;");
    imap_client_core_free(c);
    c = imap_client_core_new(NULL);
    GString *big = g_string_new("* OK ");
    for (int i = 0; i < IMAP_CLIENT_MAX_LINE; i++)
        g_string_append_c(big, 'x');
    CU_ASSERT_EQUAL(imap_client_core_feed(c, (const uint8_t *)big->str, big->len), big->len);
    CU_ASSERT_TRUE(imap_client_core_buffered(c) <= IMAP_CLIENT_MAX_LINE);
    g_string_truncate(log, 0);
    take_events(c, log);
    CU_ASSERT_STRING_EQUAL(log->str, "DONE 0 a response line over 65536 bytes;");
    CU_ASSERT_EQUAL(imap_client_core_feed(c, NULL, 3), 0);
    CU_ASSERT_STRING_EQUAL(imap_client_state_name(IMAP_CLIENT_DONE), "DONE");
    CU_ASSERT_STRING_EQUAL(imap_client_state_name((imap_client_state)77), "?");
    g_string_free(big, TRUE);
    g_string_free(log, TRUE);
    imap_client_core_free(c);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_against_the_server),
        TEST(test_download_and_delete),
        TEST(test_refusals),
        TEST(test_scripts),
        TEST(test_closed_and_long_lines),
    };
    return test_main("protocols/imap/client_core", tests, G_N_ELEMENTS(tests));
}
