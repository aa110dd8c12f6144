/*
 * The "mail-reader" type, the mail-server's POP3 and IMAP keys, and
 * mail-pop3-vs-imap.json.
 *
 * - Keys: every mistake is refused where it stands (a reader's unknown
 *   server node, a protocol that is none of the three, a preload into no
 *   mailbox, an account without a password, POP3 on the SMTP port), and a
 *   reader whose server node runs no mail-server with POP3 (or IMAP)
 *   cannot start.
 * - The scenario's outcomes, for every N of its sweep: POP3
 *   download-and-delete leaves the server empty and the office machine
 *   gets nothing; download-and-keep gives both machines all N and the
 *   server keeps N; IMAP keeps N on the server and both machines see N.
 * - The "mail-read" formula (connection, greeting, one round trip per
 *   command, transmissions) within 1% of the simulated time to read, in
 *   every run.
 * - IMAP headers first: `bodies` messages after every header; a later
 *   session of the same machine syncs only newer UIDs.
 * - Determinism: `appsim run` twice gives byte-identical files.
 * - The mail-server's ports: SMTP, POP3 and IMAP told apart by their
 *   first line at every chunk size, and labelled by their protocol
 *   (tests/protocols/pop3/app and tests/protocols/imap/app test those
 *   dialogues and labels themselves).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cli/registry.h"
#include "protocols/smtp/app/smtp_apps.h"
#include "test_util.h"
#include "test_scenario.h"
#include "world/scenario.h"
#include "world/world.h"

#define SCN(name) APPSIM_SOURCE_DIR "/scenarios/" name
#define APPSIM APPSIM_BINARY_DIR "/appsim"

static char *world_json(const char *apps)
{
    return g_strdup_printf(
        "{\"name\": \"m\", \"tcp\": {\"cc\": \"ideal\"},"
        " \"nodes\": [{\"name\": \"home\"}, {\"name\": \"mail\"}, {\"name\": \"r\", \"type\": \"router\"}],"
        " \"links\": [{\"name\": \"a\", \"from\": \"home\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"1ms\"},"
        " {\"name\": \"b\", \"from\": \"mail\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"10ms\"}],"
        " \"apps\": [%s]}",
        apps);
}

static void expect_error(const char *apps, const char *where, const char *what)
{
    char *json = world_json(apps);
    test_expect_load_error(json, NULL, where, what);
    g_free(json);
}

#define SERVER_ "{\"name\": \"bs\", \"type\": \"mail-server\", \"host\": \"mail\", \"domains\": [\"hamburger.edu\"], "
#define SERVER SERVER_ "\"accounts\": {\"bob\": \"hungry\"}, \"pop3\": true"
#define READER_ "{\"name\": \"rd\", \"type\": \"mail-reader\", \"host\": \"home\", \"user\": \"bob\", " \
                "\"password\": \"hungry\", "

static void test_keys_errors(void)
{
    expect_error(SERVER "}, " READER_ "\"server\": \"mars\"}", "$.apps[1].server", "no node named \"mars\"");
    expect_error(SERVER "}, " READER_ "\"server\": \"mail\", \"protocol\": \"smtp\"}", "$.apps[1].protocol",
                 "expected \"pop3-delete\", \"pop3-keep\" or \"imap\"");
    expect_error(SERVER ", \"preload\": {\"mailbox\": \"alice\", \"count\": 3}}", "$.apps[0].preload.mailbox",
                 "none of this server's mailboxes");
    expect_error(SERVER ", \"preload\": {\"mailbox\": \"bob\", \"count\": -1}}", "$.apps[0].preload.count", "");
    expect_error(SERVER ", \"preload\": {\"mailbox\": \"bob\", \"count\": 1, \"size\": \"2GB\"}}",
                 "$.apps[0].preload.size", "");
    expect_error(SERVER ", \"preload\": {\"mailbox\": \"bob\", \"count\": 1, \"form\": \"x\"}}",
                 "$.apps[0].preload", "form");
    expect_error(SERVER_ "\"accounts\": {\"bob\": 3}}", "$.apps[0].accounts", "a password");
    expect_error(SERVER_ "\"accounts\": [\"bob\"]}", "$.apps[0].accounts", "expected an object");
    expect_error(SERVER ", \"pop3_port\": 25}", "$.apps[0].pop3_port", "already the SMTP port");
    expect_error(SERVER ", \"imap\": true, \"imap_port\": 110}", "$.apps[0].imap_port", "already the POP3 port");
    expect_error(SERVER "}, " READER_ "\"server\": \"mail\", \"bodies\": 3}", "$.apps[1].bodies",
                 "only an IMAP reader");
    expect_error(SERVER ", \"imap\": true}, " READER_ "\"server\": \"mail\", \"protocol\": \"imap\", \"bodies\": -2}",
                 "$.apps[1].bodies", "-1 (all) or a count");
}

/* A reader cannot start without a mail-server serving its protocol on its server node. */
static void test_reader_needs_server(void)
{
    static const char *const apps[][2] = {
        {READER_ "\"server\": \"mail\"}", "no mail-server with \"pop3\": true runs on node \"mail\""},
        {SERVER "}, " READER_ "\"server\": \"mail\", \"protocol\": \"imap\"}",
         "no mail-server with \"imap\": true runs on node \"mail\""},
        {SERVER_ "\"accounts\": {\"bob\": \"hungry\"}}, " READER_ "\"server\": \"mail\"}",
         "no mail-server with \"pop3\": true runs on node \"mail\""}};
    for (size_t i = 0; i < G_N_ELEMENTS(apps); i++) {
        char *json = world_json(apps[i][0]);
        scenario *sc = test_load_ok(json);
        GError *err = NULL;
        scn_run *r = scenario_run(sc, 0, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        run_result *res = world_run(r, appsim_registry(), 0, NULL, &err);
        CU_ASSERT_PTR_NULL(res);
        CU_ASSERT_PTR_NOT_NULL_FATAL(err);
        if (!strstr(err->message, apps[i][1]))
            printf("\n    unexpected error: %s\n", err->message);
        CU_ASSERT_PTR_NOT_NULL(strstr(err->message, apps[i][1]));
        g_clear_error(&err);
        scn_run_free(r);
        scenario_free(sc);
        g_free(json);
    }
}

/* ---- the scenario -------------------------------------------------------------- */

static double metric(const run_result *res, const char *key) { return run_result_metric(res, key); }

static void test_scenario_outcomes(void)
{
    scenario *sc = test_load_file(SCN("mail-pop3-vs-imap.json"), NULL);
    static const double counts[] = {1, 5, 10, 20, 50};
    CU_ASSERT_EQUAL_FATAL(scenario_run_count(sc), 15);
    for (guint k = 0; k < 15; k++) {
        guint c = k / 5; /* 0 POP3 delete, 1 POP3 keep, 2 IMAP */
        double n = counts[k % 5];
        run_result *res = test_run(sc, k);
        CU_ASSERT_PTR_NULL(res->failed);
        CU_ASSERT_EQUAL(metric(res, "mail_reader.home.downloaded"), n);
        CU_ASSERT_EQUAL(metric(res, "mail_reader.home.machine_has"), n);
        CU_ASSERT_EQUAL(metric(res, "mail_reader.office.downloaded"), c == 0 ? 0 : n);
        CU_ASSERT_EQUAL(metric(res, "mail_reader.office.machine_has"), c == 0 ? 0 : n);
        CU_ASSERT_EQUAL(metric(res, "mail_reader.home.left"), c == 0 ? 0 : n);
        CU_ASSERT_EQUAL(metric(res, "mail_reader.messages_left"), c == 0 ? 0 : n);
        if (c < 2) {
            CU_ASSERT_EQUAL(metric(res, "pop3.retrieved"), c == 0 ? n : 2 * n);
            CU_ASSERT_EQUAL(metric(res, "pop3.deleted"), c == 0 ? n : 0);
            /* greeting, USER, PASS, LIST, UIDL, RETR x n (DELE x n), QUIT */
            CU_ASSERT_EQUAL(metric(res, "mail_reader.round_trips"), 6 + n + (c == 0 ? n : 0));
        } else {
            CU_ASSERT_EQUAL(metric(res, "imap.sessions"), 2);
            /* greeting, LOGIN, SELECT, FETCH of the headers, FETCH of the messages, LOGOUT */
            CU_ASSERT_EQUAL(metric(res, "mail_reader.round_trips"), 6);
            CU_ASSERT_EQUAL(metric(res, "mail_reader.home.headers"), n);
        }
        /* the messages are 10000 bytes each: that, and a few lines more, arrive */
        CU_ASSERT(metric(res, "mail_reader.read_bytes") > n * 10000);
        /* status lines, the greeting, and for IMAP the header sections (about 160 bytes) once more */
        CU_ASSERT(metric(res, "mail_reader.read_bytes") < n * 10000 + 1000 + 80 * n + (c == 2 ? 200 * n : 0));
        /* the formula: within 1% of the simulated time to read */
        double t = metric(res, "mail_reader.read_time_s");
        CU_ASSERT(isfinite(res->formula_s));
        CU_ASSERT_DOUBLE_EQUAL(res->formula_s, t, 0.01 * t);
        run_result_free(res);
    }
    scenario_free(sc);
}

/* The time to read grows with N: by about one RETR round trip (POP3
 * keep) per message; IMAP's single FETCH grows by the transmissions only. */
static void test_growth(void)
{
    scenario *sc = test_load_file(SCN("mail-pop3-vs-imap.json"), NULL);
    double t[15];
    for (guint k = 0; k < 15; k++) {
        run_result *res = test_run(sc, k);
        t[k] = metric(res, "mail_reader.read_time_s");
        run_result_free(res);
    }
    for (guint c = 0; c < 3; c++)
        for (guint v = 1; v < 5; v++)
            CU_ASSERT(t[c * 5 + v] > t[c * 5 + v - 1]);
    /* at N = 50: delete costs about 50 more round trips (30 ms each) than keep */
    CU_ASSERT_DOUBLE_EQUAL(t[4] - t[9], 50 * 0.030, 0.05 * 50 * 0.030);
    CU_ASSERT(t[14] < t[9]);
    scenario_free(sc);
}

/* IMAP headers first: every header, then `bodies` messages; a second
 * session of the same machine syncs only what came since (nothing here),
 * and a reader of another machine sees everything again. */
static void test_imap_bodies(void)
{
    char *apps = g_strdup(
        SERVER ", \"imap\": true, \"preload\": {\"mailbox\": \"bob\", \"count\": 6, \"size\": \"2KB\"}}, "
        READER_ "\"server\": \"mail\", \"protocol\": \"imap\", \"bodies\": 2}, "
        "{\"name\": \"rd2\", \"type\": \"mail-reader\", \"host\": \"home\", \"user\": \"bob\", "
        "\"password\": \"hungry\", \"server\": \"mail\", \"protocol\": \"imap\", \"at\": \"1min\"}, "
        "{\"name\": \"rd3\", \"type\": \"mail-reader\", \"host\": \"home\", \"user\": \"bob\", "
        "\"password\": \"hungry\", \"server\": \"mail\", \"protocol\": \"imap\", \"at\": \"2min\", "
        "\"machine\": \"laptop\"}");
    char *json = world_json(apps);
    scenario *sc = test_load_ok(json);
    run_result *res = test_run(sc, 0);
    CU_ASSERT_PTR_NULL(res->failed);
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd.headers"), 6);
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd.downloaded"), 2);
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd.machine_has"), 2);
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd.round_trips"), 6);
    /* the same machine later: no new headers, so no bodies either */
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd2.headers"), 0);
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd2.downloaded"), 0);
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd2.machine_has"), 2);
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd2.round_trips"), 5);
    /* another machine: all six, bodies included (the default) */
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd3.headers"), 6);
    CU_ASSERT_EQUAL(metric(res, "mail_reader.rd3.downloaded"), 6);
    CU_ASSERT_EQUAL(metric(res, "mail_reader.messages_left"), 6);
    run_result_free(res);
    scenario_free(sc);
    g_free(json);
    g_free(apps);
}

/* ---- determinism -------------------------------------------------------------------------------- */

static void test_deterministic(void)
{
    static const char *const extra[] = {"--transcript-run", "12", NULL};
    test_twice t;
    CU_ASSERT(test_run_twice(&t, APPSIM, SCN("mail-pop3-vs-imap.json"), extra, NULL) >= 6);
    /* the transcript of run 12 (IMAP, N = 10) is the IMAP session */
    char *text = test_read_file(t.one, "transcript.txt");
    CU_ASSERT_PTR_NOT_NULL(text);
    CU_ASSERT_PTR_NOT_NULL(text && strstr(text, "C: A1 LOGIN \"bob\" \"hungry\""));
    CU_ASSERT_PTR_NOT_NULL(text && strstr(text, "S: [10"));
    g_free(text);
    test_twice_clear(&t);
}

/* ---- dialogues and labels ------------------------------------------------------------------------ */

/* Sums runs of body pieces: "<1><2>" becomes "<3>" (in place). */
static void collapse(GString *s)
{
    GString *o = g_string_new(NULL);
    uint64_t body = 0;
    for (const char *p = s->str; *p;) {
        if (*p == '<') {
            char *end = NULL;
            body += g_ascii_strtoull(p + 1, &end, 10);
            p = end + 1;
            continue;
        }
        if (body)
            g_string_append_printf(o, "<%" G_GUINT64_FORMAT ">", body);
        body = 0;
        g_string_append_c(o, *p++);
    }
    if (body)
        g_string_append_printf(o, "<%" G_GUINT64_FORMAT ">", body);
    g_string_assign(s, o->str);
    g_string_free(o, TRUE);
}

/* Every message (HEAD text, BODY bytes, END) a dialogue reads from `in`
 * fed in pieces of `chunk` bytes, as one string. */
static char *messages(const app_dialogue *dl, bool client, const char *in, size_t chunk, const void *peer)
{
    void *p = dl->new(client);
    GString *out = g_string_new(NULL);
    size_t len = strlen(in);
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = MIN(chunk, len - off), used = 0;
        for (int guard = 0; guard < 10000; guard++) {
            app_dlg_event ev = {0};
            used += dl->feed(p, (const uint8_t *)in + off + used, n - used, &ev);
            if (ev.kind == APP_DLG_NEED_MORE)
                break;
            if (ev.kind == APP_DLG_HEAD) {
                g_string_append_printf(out, "[%s]", ev.head);
                g_free(ev.head);
                if (peer && dl->answering)
                    dl->answering((void *)peer, p);
            } else if (ev.kind == APP_DLG_BODY) {
                g_string_append_printf(out, "<%" G_GUINT64_FORMAT ">", ev.body);
            } else if (ev.kind == APP_DLG_END) {
                g_string_append(out, ";");
            }
        }
    }
    dl->free(p);
    collapse(out);
    return g_string_free(out, FALSE);
}

/* The mail-server's ports: each direction is told SMTP, POP3 or IMAP by
 * its first line, then read by that protocol's dialogue, at every chunk
 * size (the first bytes kept until then are replayed). */
static void test_mux_dialogue(void)
{
    static const char *const cases[][3] = {
        {"220 hamburger.edu\r\n250-hamburger.edu\r\n250 PIPELINING\r\n", "0",
         "[220 hamburger.edu];[250-hamburger.edu\r\n250 PIPELINING];"},
        {"EHLO crepes.fr\r\nQUIT\r\n", "1", "[EHLO crepes.fr];[QUIT];"},
        {"+OK POP3 server ready\r\n+OK\r\n", "0", "[+OK POP3 server ready];[+OK];"},
        {"USER bob\r\nPASS hungry\r\n", "1", "[USER bob];[PASS hungry];"},
        {"* OK [CAPABILITY IMAP4rev1] ready\r\n* 1 FETCH (BODY[] {3}\r\nabc)\r\n", "0",
         "[* OK [CAPABILITY IMAP4rev1] ready];[* 1 FETCH (BODY[] {3}]<3>;"},
        {"A1 LOGIN \"bob\" \"hungry\"\r\n", "1", "[A1 LOGIN \"bob\" \"hungry\"];"},
    };
    for (size_t chunk = 1; chunk <= 64; chunk *= 2)
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
            char *got = messages(&mail_access_dialogue, cases[i][1][0] == '1', cases[i][0], chunk, NULL);
            if (strcmp(got, cases[i][2]))
                printf("\n    chunk %zu, case %zu: %s\n", chunk, i, got);
            CU_ASSERT_STRING_EQUAL(got, cases[i][2]);
            g_free(got);
        }
}

static void test_labels(void)
{
    struct {
        const char *in, *want;
    } cases[] = {
        {"USER bob\r\n", "USER bob"},
        {"+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n", "+OK 2 messages (320 octets) (4 lines)"},
        {"A1 LOGIN \"bob\" \"hungry\"\r\n", "A1 LOGIN \"bob\" \"hungry\""},
        {"* 3 EXISTS\r\n", "* 3 EXISTS"},
        {"220 hamburger.edu\r\n", "220 hamburger.edu"},
        {"abcdefghij", "message data 10 B"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *l = mail_access_label((const uint8_t *)cases[i].in, strlen(cases[i].in));
        if (strcmp(l, cases[i].want))
            printf("\n    label %zu: %s\n", i, l);
        CU_ASSERT_STRING_EQUAL(l, cases[i].want);
        g_free(l);
    }
}

/* The preload: N messages of exactly `size` bytes, each with its subject. */
static void test_preload(void)
{
    mail_server_spec s = {0};
    s.domains = g_ptr_array_new();
    g_ptr_array_add(s.domains, "hamburger.edu");
    s.preload.mailbox = "bob";
    s.preload.count = 3;
    static const uint64_t sizes[] = {200, 1000, 10000, 10001, 65536};
    for (size_t k = 0; k < G_N_ELEMENTS(sizes); k++) {
        s.preload.size = sizes[k];
        for (int64_t i = 1; i <= 3; i++) {
            GBytes *b = mail_access_preload_message(&s, i);
            CU_ASSERT_EQUAL(g_bytes_get_size(b), sizes[k]);
            char *subj = g_strdup_printf("\r\nSubject: Message %" G_GINT64_FORMAT "\r\n", i);
            CU_ASSERT_PTR_NOT_NULL(g_strstr_len(g_bytes_get_data(b, NULL), (gssize)g_bytes_get_size(b), subj));
            g_free(subj);
            g_bytes_unref(b);
        }
    }
    g_ptr_array_free(s.domains, TRUE);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_keys_errors), TEST(test_reader_needs_server),
                                      TEST(test_scenario_outcomes), TEST(test_growth), TEST(test_imap_bodies), TEST(test_deterministic),
                                      TEST(test_mux_dialogue), TEST(test_labels), TEST(test_preload)};
    return test_main("protocols/smtp/app/mail_reader", tests, G_N_ELEMENTS(tests));
}
