/*
 * The e-mail application types ("mail-server", "mail-agent") and the
 * shipped mail scenarios.
 *
 * - Keys: every mistake is refused where it stands (a route to a node
 *   that does not exist, a route key that is no domain, a route for the
 *   server's own domain, an encoding that is not one of the three, an
 *   address without '@', a server without domains), and an agent whose
 *   server node runs no mail-server cannot start.
 * - mail-alice-bob.json: the end-to-end delay is the RTT count of the two
 *   sessions (4.5 RTT each) plus the two DNS lookups (MX, A: one round
 *   trip to the local server and one from it to the authoritative each),
 *   within 1% (transmissions are left out of that form), and the
 *   "mail-delivery" and "smtp-submit" formulas, which count them, within
 *   1%.
 * - mail-retry.json: the delay is the no-outage delay plus the next
 *   multiple of 30 minutes at or after the outage's end, within 1 ms; the
 *   case whose outage outlasts give_up bounces (one recipient bounced,
 *   Alice's mailbox gets the notice); the counters add up in every run.
 * - mail-size.json: base64 carries 4/3 x (1 + 2/76) bytes per byte of
 *   content within 1% (1 MB attachment), 7bit 1 within 0.1%; the
 *   "mail-delivery" formula within 1% in every run.
 * - Determinism: `appsim run` twice gives byte-identical files.
 * - The SMTP dialogue gives the same messages at every chunk size, and the
 *   labels name commands, replies and message data.
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

/* ---- helpers ------------------------------------------------------------------------ */

/* A small world: alice, her server, Bob's server; `apps` is the "apps" list. */
static char *world_json(const char *apps)
{
    return g_strdup_printf(
        "{\"name\": \"m\", \"tcp\": {\"cc\": \"ideal\"},"
        " \"nodes\": [{\"name\": \"alice\"}, {\"name\": \"crepes-mail\"}, {\"name\": \"hamburger-mail\"},"
        " {\"name\": \"r\", \"type\": \"router\"}],"
        " \"links\": [{\"name\": \"a\", \"from\": \"alice\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"1ms\"},"
        " {\"name\": \"c\", \"from\": \"crepes-mail\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"1ms\"},"
        " {\"name\": \"h\", \"from\": \"hamburger-mail\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"10ms\"}],"
        " \"apps\": [%s]}",
        apps);
}

/* Asserts that the apps load with an error containing both fragments. */
static void expect_error(const char *apps, const char *where, const char *what)
{
    char *json = world_json(apps);
    test_expect_load_error(json, NULL, where, what);
    g_free(json);
}

#define ALICE_SERVER "{\"name\": \"as\", \"type\": \"mail-server\", \"host\": \"crepes-mail\", " \
                     "\"domains\": [\"crepes.fr\"], \"mailboxes\": [\"alice\"], \"relay_for\": [\"alice\"]"
/* The agent without its server, from and to, which follow. */
#define AGENT_ "{\"name\": \"ag\", \"type\": \"mail-agent\", \"host\": \"alice\", "
#define AGENT AGENT_ "\"server\": \"crepes-mail\", \"from\": \"alice@crepes.fr\", \"to\": [\"bob@hamburger.edu\"]"

static double metric(const run_result *res, const char *key) { return run_result_metric(res, key); }

/* accepted = delivered_local + relayed + bounced + queued, and the queue empty. */
static void check_counters(const run_result *res)
{
    CU_ASSERT_EQUAL(metric(res, "mail.accepted"), metric(res, "mail.delivered_local") + metric(res, "mail.relayed") +
                                                      metric(res, "mail.bounced") + metric(res, "mail.queued"));
    CU_ASSERT_EQUAL(metric(res, "mail.queued"), 0);
    CU_ASSERT_PTR_NULL(res->failed);
}

/* ---- keys ------------------------------------------------------------------------------ */

static void test_keys_errors(void)
{
    expect_error(ALICE_SERVER ", \"routes\": {\"hamburger.edu\": \"nowhere\"}}", "$.apps[0].routes",
                 "no node named \"nowhere\"");
    expect_error(ALICE_SERVER ", \"routes\": {\"bad domain!\": \"hamburger-mail\"}}", "$.apps[0].routes",
                 "is not a domain name");
    expect_error(ALICE_SERVER ", \"routes\": {\"crepes.fr\": \"hamburger-mail\"}}", "$.apps[0].routes",
                 "one of this server's own domains");
    expect_error(ALICE_SERVER ", \"routes\": [\"hamburger.edu\"]}", "$.apps[0].routes", "expected an object");
    expect_error("{\"name\": \"as\", \"type\": \"mail-server\", \"host\": \"crepes-mail\", \"domains\": []}",
                 "$.apps[0].domains", "at least one domain");
    expect_error("{\"name\": \"as\", \"type\": \"mail-server\", \"host\": \"crepes-mail\", \"domains\": "
                 "[\"crepes.fr\"], \"relay_for\": [\"mallory\"]}",
                 "$.apps[0].relay_for[0]", "no node named");
    expect_error(ALICE_SERVER ", \"retry_interval\": \"0s\"}", "$.apps[0].retry_interval", "");
    expect_error(ALICE_SERVER "}, " AGENT ", \"encoding\": \"uuencode\"}", "$.apps[1].encoding",
                 "expected \"7bit\", \"quoted-printable\" or \"base64\"");
    expect_error(ALICE_SERVER "}, " AGENT_ "\"server\": \"crepes-mail\", \"from\": \"alice@crepes.fr\", \"to\": [\"bob\"]}", "$.apps[1].to[0]", "an address");
    expect_error(ALICE_SERVER "}, " AGENT_ "\"server\": \"crepes-mail\", \"from\": \"alice\", \"to\": [\"b@h.edu\"]}", "$.apps[1].from", "an address");
    expect_error(ALICE_SERVER "}, " AGENT_ "\"server\": \"mars\", \"from\": \"a@c.fr\", \"to\": [\"b@h.edu\"]}", "$.apps[1].server", "no node named \"mars\"");
    expect_error(ALICE_SERVER "}, " AGENT ", \"sender\": \"x\"}", "$.apps[1]", "sender");
}

/* An agent whose server node runs no mail-server cannot start. */
static void test_agent_needs_server(void)
{
    char *json = world_json(AGENT_ "\"server\": \"hamburger-mail\", \"from\": \"a@c.fr\", \"to\": [\"b@h.edu\"]}");
    scenario *sc = test_load_ok(json);
    GError *err = NULL;
    scn_run *r = scenario_run(sc, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    run_result *res = world_run(r, appsim_registry(), 0, NULL, &err);
    CU_ASSERT_PTR_NULL(res);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "no mail-server runs on node \"hamburger-mail\""));
    g_clear_error(&err);
    scn_run_free(r);
    scenario_free(sc);
    g_free(json);
}

/* count and interval: three messages 10 s apart each take the time of
 * one sent alone (to the nanosecond); two due at the same instant go in
 * one session, the second after the first, so the last is later. */
static void test_count_interval(void)
{
    static const char *const cases[][2] = {{"3", "\"10s\""}, {"2", "0"}};
    double alone = NAN;
    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        char *apps = g_strdup_printf(ALICE_SERVER ", \"routes\": {\"hamburger.edu\": \"hamburger-mail\"}}, "
                                     "{\"name\": \"bs\", \"type\": \"mail-server\", \"host\": \"hamburger-mail\", "
                                     "\"domains\": [\"hamburger.edu\"], \"mailboxes\": [\"bob\"]}, "
                                     AGENT ", \"count\": %s, \"interval\": %s}",
                                     cases[c][0], cases[c][1]);
        char *json = world_json(apps);
        scenario *sc = test_load_ok(json);
        run_result *res = test_run(sc, 0);
        double n = g_ascii_strtod(cases[c][0], NULL);
        CU_ASSERT_EQUAL(metric(res, "mail_agent.messages"), n);
        CU_ASSERT_EQUAL(metric(res, "mail_agent.delivered"), n);
        CU_ASSERT_EQUAL(metric(res, "mail.relayed"), n);
        check_counters(res);
        if (c == 0) {
            /* spaced out: every message alone on an idle path, the same delay
             * to the nanosecond, so the mean is the maximum */
            alone = metric(res, "mail_agent.delivery_delay_s");
            CU_ASSERT_DOUBLE_EQUAL(metric(res, "mail_agent.delivery_delay_max_s"), alone, 1e-9);
        } else {
            /* both in one session: the second waits for the first */
            CU_ASSERT(metric(res, "mail_agent.delivery_delay_max_s") > alone);
        }
        run_result_free(res);
        scenario_free(sc);
        g_free(json);
        g_free(apps);
    }
}

/* A "messages" list: each message's keys, the agent's for those left out;
 * located errors in it. */
static void test_messages_list(void)
{
    char *apps = g_strdup(ALICE_SERVER ", \"routes\": {\"hamburger.edu\": \"hamburger-mail\"}}, "
                          "{\"name\": \"bs\", \"type\": \"mail-server\", \"host\": \"hamburger-mail\", "
                          "\"domains\": [\"hamburger.edu\"], \"mailboxes\": [\"bob\"]}, " AGENT
                          ", \"attachment_size\": 3000, \"messages\": [{}, {\"at\": \"1min\", \"attachment_size\": "
                          "\"10KB\", \"encoding\": \"7bit\"}, {\"at\": \"1min\", \"subject\": \"x\"}]}");
    char *json = world_json(apps);
    scenario *sc = test_load_ok(json);
    run_result *res = test_run(sc, 0);
    CU_ASSERT_EQUAL(metric(res, "mail_agent.messages"), 3);
    CU_ASSERT_EQUAL(metric(res, "mail_agent.delivered"), 3);
    /* contents: 3000 (the agent's attachment), 10000, 3000 */
    CU_ASSERT_DOUBLE_EQUAL(metric(res, "mail_agent.content_bytes"), 16000.0 / 3.0, 1e-9);
    check_counters(res);
    run_result_free(res);
    scenario_free(sc);
    g_free(json);
    g_free(apps);
    expect_error(ALICE_SERVER "}, " AGENT ", \"count\": 2, \"messages\": [{}]}", "$.apps[1].messages",
                 "not both");
    expect_error(ALICE_SERVER "}, " AGENT ", \"messages\": [{\"at\": \"2s\"}, {\"at\": \"1s\"}]}",
                 "$.apps[1].messages[1].at", "order of their times");
    expect_error(ALICE_SERVER "}, " AGENT ", \"messages\": [{\"encoding\": \"binhex\"}]}",
                 "$.apps[1].messages[0].encoding", "expected \"7bit\"");
    expect_error(ALICE_SERVER "}, " AGENT ", \"messages\": []}", "$.apps[1].messages", "from 1 to 10000");
}

/* ---- mail-alice-bob ----------------------------------------------------------------------- */

static void test_alice_bob(void)
{
    scenario *sc = test_load_file(SCN("mail-alice-bob.json"), NULL);
    run_result *res = test_run(sc, 0);
    double delay = metric(res, "mail_agent.delivery_delay_s");
    /* RTTs of the scenario's links: alice - crepes-mail 2 x (10 + 1) ms;
     * crepes-mail - crepes-dns 2 x 2 ms, crepes-dns - hamburger-dns
     * 2 x (1 + 20 + 10) ms; crepes-mail - hamburger-mail 2 x (1 + 20 + 15) ms. */
    double rtt_sub = 0.022, rtt_dns = 0.004 + 0.062, rtt_relay = 0.072;
    double rtts = 4.5 * rtt_sub + 2 * rtt_dns + 4.5 * rtt_relay;
    printf("\n    Alice -> Bob: %.6f s; RTT form %.6f s; formula %.6f s\n", delay, rtts, res->formula_s);
    ASSERT_REL(delay, rtts, 0.01);           /* transmissions left out: within 1% */
    ASSERT_REL(delay, res->formula_s, 0.01); /* "mail-delivery": within 1% */
    CU_ASSERT_EQUAL(metric(res, "mail_agent.delivered"), 1);
    CU_ASSERT_EQUAL(metric(res, "mail.relayed"), 1);
    CU_ASSERT_EQUAL(metric(res, "mail.delivered_local"), 1);
    check_counters(res);
    run_result_free(res);
    scenario_free(sc);

    static const char *const sets[] = {"outputs.formula=\"smtp-submit\"", NULL};
    sc = test_load_file(SCN("mail-alice-bob.json"), sets);
    res = test_run(sc, 0);
    double submit = metric(res, "mail_agent.submission_time_s");
    printf("    submission: %.6f s; 5 RTT %.6f s; formula %.6f s\n", submit, 5 * rtt_sub, res->formula_s);
    ASSERT_REL(submit, res->formula_s, 0.01); /* "smtp-submit": within 1% */
    ASSERT_REL(submit, 5 * rtt_sub, 0.02);    /* 5 RTT, transmissions left out: within 2% */
    run_result_free(res);
    scenario_free(sc);

    /* The transcript follows both SMTP connections of the timeline's
     * hosts, each message naming its sender and receiver. */
    sc = test_load_file(SCN("mail-alice-bob.json"), NULL);
    GError *err = NULL;
    scn_run *r = scenario_run(sc, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    run_options opt = {.transcript = true};
    res = world_run(r, appsim_registry(), 0, &opt, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res->transcript);
    const char *tr = res->transcript;
    static const char *const wanted[] = {
        "alice <-> crepes-mail, crepes-mail <-> hamburger-mail\n",
        "] crepes-mail -> alice\nS: 220 crepes.fr\n",
        "] alice -> crepes-mail\nC: RCPT TO:<bob@hamburger.edu>\n",
        "] hamburger-mail -> crepes-mail\nS: 220 hamburger.edu\n",
        "] crepes-mail -> hamburger-mail\nC: RCPT TO:<bob@hamburger.edu>\n",
        "] hamburger-mail -> crepes-mail\nS: 221 hamburger.edu closing connection\n",
    };
    const char *at = tr;
    for (size_t i = 0; i < G_N_ELEMENTS(wanted); i++) { /* in this order */
        const char *p = strstr(at, wanted[i]);
        if (!p)
            printf("\n    missing after offset %ld: %s\n%s", (long)(at - tr), wanted[i], tr);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        at = p;
    }
    run_result_free(res);
    scn_run_free(r);
    scenario_free(sc);
}

/* ---- mail-retry ----------------------------------------------------------------------------- */

static void test_retry_steps(void)
{
    /* the cases of mail-retry.json: outage lengths in minutes (-1: the bounce case) */
    static const int outage_min[] = {0, 5, 25, 35, 55, 65, 95, 120, -1};
    scenario *sc = test_load_file(SCN("mail-retry.json"), NULL);
    CU_ASSERT_EQUAL_FATAL(scenario_run_count(sc), G_N_ELEMENTS(outage_min));
    double base = NAN;
    for (guint k = 0; k < G_N_ELEMENTS(outage_min); k++) {
        run_result *res = test_run(sc, k);
        check_counters(res);
        double delay = metric(res, "mail_agent.delivery_delay_s");
        if (outage_min[k] == 0)
            base = delay;
        if (outage_min[k] >= 0) {
            /* attempts at 0, 30, 60... min after the message arrived: the
             * first at or after the outage's end delivers */
            double wait = 1800.0 * ceil(outage_min[k] / 30.0);
            printf("%s    outage %3d min: delay %.6f s, expected %.6f s, %g deferred\n", k ? "" : "\n",
                   outage_min[k], delay, base + wait, metric(res, "mail.deferred"));
            CU_ASSERT(fabs(delay - (base + wait)) <= 0.001); /* within 1 ms */
            CU_ASSERT_EQUAL(metric(res, "mail.deferred"), ceil(outage_min[k] / 30.0));
            CU_ASSERT_EQUAL(metric(res, "mail_agent.delivered"), 1);
        } else {
            /* give_up 1 h, outage 4 h: the attempt at 60 min fails at
             * 60 min + the SYN retries, an hour after arrival: bounced,
             * and the notice is stored in Alice's mailbox */
            printf("    outage 240 min, give_up 60 min: %g bounced, %g stored\n", metric(res, "mail.bounced"),
                   metric(res, "mail.delivered_local"));
            CU_ASSERT_EQUAL(metric(res, "mail_agent.bounced"), 1);
            CU_ASSERT_EQUAL(metric(res, "mail_agent.delivered"), 0);
            CU_ASSERT_EQUAL(metric(res, "mail.bounced"), 1);
            CU_ASSERT_EQUAL(metric(res, "mail.delivered_local"), 1);
            CU_ASSERT_EQUAL(metric(res, "mail.deferred"), 3);
        }
        run_result_free(res);
    }
    scenario_free(sc);
}

/* ---- mail-size ------------------------------------------------------------------------------- */

static void test_size_and_encodings(void)
{
    /* runs 0-4: 7bit, 5-9: quoted-printable, 10-14: base64, each over
     * 1 kB, 10 kB, 100 kB, 300 kB, 1 MB (the compare is the outer axis) */
    scenario *sc = test_load_file(SCN("mail-size.json"), NULL);
    guint n = scenario_run_count(sc);
    CU_ASSERT_EQUAL_FATAL(n, 15);
    for (guint k = 0; k < n; k++) {
        run_result *res = test_run(sc, k);
        check_counters(res);
        ASSERT_REL(metric(res, "mail_agent.delivery_delay_s"), res->formula_s, 0.01); /* within 1% */
        double ratio = metric(res, "mail_agent.expansion");
        if (k == 4 || k == 14)
            CU_ASSERT_EQUAL(metric(res, "mail_agent.content_bytes"), 1000000);
        if (k == 14) { /* base64, 1 MB */
            printf("\n    base64: %.5f message bytes per content byte (4/3 x (1 + 2/76) = %.5f)\n", ratio,
                   4.0 / 3.0 * (1.0 + 2.0 / 76.0));
            ASSERT_REL(ratio, 4.0 / 3.0 * (1.0 + 2.0 / 76.0), 0.01); /* within 1% */
        }
        if (k == 4) /* 7bit, 1 MB */
            ASSERT_REL(ratio, 1.0, 0.001); /* within 0.1% */
        if (k >= 5 && k < 10) /* quoted-printable: more than base64 for our text, one "é" in eight */
            CU_ASSERT(ratio > 4.0 / 3.0);
        CU_ASSERT(metric(res, "mail_agent.wire_bytes") > metric(res, "mail_agent.message_bytes"));
        run_result_free(res);
    }
    scenario_free(sc);
}

/* ---- determinism -------------------------------------------------------------------------------- */

static void test_deterministic(void)
{
    static const char *const names[] = {"mail-alice-bob.json", "mail-retry.json", "mail-size.json"};
    static const char *const extra[] = {"--transcript-run", "0", NULL};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *file = g_build_filename(APPSIM_SOURCE_DIR, "scenarios", names[i], NULL);
        test_twice t;
        CU_ASSERT(test_run_twice(&t, APPSIM, file, extra, NULL) >= 4);
        test_twice_clear(&t);
        g_free(file);
    }
}

/* ---- the dialogue and labels ------------------------------------------------------------------- */

static const char client_bytes[] = "EHLO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\n"
                                   "DATA\r\nFrom: alice@crepes.fr\r\nSubject: hi\r\n\r\nDo you like ketchup?\r\n"
                                   "How about pickles?\r\n.\r\nQUIT\r\n";
static const char server_bytes[] = "220 hamburger.edu\r\n250-hamburger.edu Hello crepes.fr\r\n250 PIPELINING\r\n"
                                   "250 ok\r\n250 ok\r\n354 go\r\n250 accepted\r\n221 bye\r\n";

static char *dialogue_text(const char *bytes, bool client, size_t chunk)
{
    return test_dialogue_text(&smtp_app_dialogue, client, bytes, chunk);
}

/* Bodies come in pieces at small chunk sizes: "[a][b]" sums are compared. */
static char *merge_bodies(const char *s)
{
    GString *o = g_string_new("");
    uint64_t pending = 0;
    bool have = false;
    for (const char *p = s; *p;) {
        if (*p == '[') {
            char *end;
            pending += g_ascii_strtoull(p + 1, &end, 10);
            have = true;
            p = end + 1;
            continue;
        }
        if (have) {
            g_string_append_printf(o, "[%" G_GUINT64_FORMAT "]", pending);
            pending = 0;
            have = false;
        }
        g_string_append_c(o, *p++);
    }
    return g_string_free(o, FALSE);
}

static void test_dialogue_every_chunk(void)
{
    char *c_whole = dialogue_text(client_bytes, true, 100000), *s_whole = dialogue_text(server_bytes, false, 100000);
    CU_ASSERT_STRING_EQUAL(c_whole, "EHLO crepes.fr|MAIL FROM:<alice@crepes.fr>|RCPT TO:<bob@hamburger.edu>|DATA|"
                                    "From: alice@crepes.fr\r\nSubject: hi[45]|QUIT|");
    CU_ASSERT_STRING_EQUAL(s_whole, "220 hamburger.edu|250-hamburger.edu Hello crepes.fr\r\n250 PIPELINING|250 ok|"
                                    "250 ok|354 go|250 accepted|221 bye|");
    for (size_t chunk = 1; chunk < sizeof client_bytes; chunk++) {
        char *c = dialogue_text(client_bytes, true, chunk), *cm = merge_bodies(c);
        char *s = dialogue_text(server_bytes, false, chunk);
        CU_ASSERT_STRING_EQUAL(cm, c_whole);
        CU_ASSERT_STRING_EQUAL(s, s_whole);
        g_free(c);
        g_free(cm);
        g_free(s);
    }
    g_free(c_whole);
    g_free(s_whole);
}

static void label_is(const char *bytes, const char *expected)
{
    char *l = smtp_app_label((const uint8_t *)bytes, strlen(bytes));
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    if (strcmp(l, expected))
        printf("\n    label \"%s\", expected \"%s\"\n", l, expected);
    CU_ASSERT_STRING_EQUAL(l, expected);
    g_free(l);
}

static void test_labels(void)
{
    label_is("EHLO crepes.fr\r\n", "EHLO crepes.fr");
    label_is("MAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\nDATA\r\n", "MAIL FROM:<alice@crepes.fr> +2");
    label_is("250-hamburger.edu Hello crepes.fr\r\n250-SIZE 10485760\r\n250 PIPELINING\r\n",
             "250 PIPELINING (3 lines)");
    label_is("220 hamburger.edu\r\n", "220 hamburger.edu");
    label_is("250 alice@crepes.fr... Sender ok\r\n250 bob@hamburger.edu ... Recipient ok\r\n354 Enter mail\r\n",
             "250 + 250 + 354");
    label_is("QUIT\r\n", "QUIT");
    label_is("From: alice@crepes.fr\r\n", "message data 23 B");
    char big[2100];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    label_is(big, "message data 2.1 kB");
}

int main(void)
{
    static const test_case tests[] = {TEST(test_keys_errors),        TEST(test_agent_needs_server),
                                      TEST(test_count_interval),     TEST(test_messages_list),
                                      TEST(test_alice_bob),          TEST(test_retry_steps),
                                      TEST(test_size_and_encodings), TEST(test_deterministic),
                                      TEST(test_dialogue_every_chunk), TEST(test_labels)};
    return test_main("protocols/smtp/app/mail_apps", tests, G_N_ELEMENTS(tests));
}
