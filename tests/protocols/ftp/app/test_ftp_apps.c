/*
 * Tests of the FTP application types (protocols/ftp/app): located errors
 * of their keys; scenarios/ftp-active-vs-passive.json's four cases (the
 * file arrives, verified byte for byte, in active and passive mode and in
 * passive mode behind a refusing firewall; active mode behind it fails
 * with 425 and no bytes); the formula "ftp-files" within 1% of the
 * simulated time in the three scenarios, and HTTP's "http-page" within 1%
 * of the page load times of ftp-vs-http (against n) and ftp-vs-http-rtt
 * (against the RTT), each the entry of the list outputs.formula beside
 * its headline; two runs byte-identical; the timeline's title; the
 * control dialogue at every chunk size; labels.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cli/registry.h"
#include "protocols/ftp/app/ftp_apps.h"
#include "test_util.h"
#include "test_scenario.h"
#include "world/scenario.h"
#include "world/world.h"

#define SCN(name) APPSIM_SOURCE_DIR "/scenarios/" name
#define APPSIM APPSIM_BINARY_DIR "/appsim"

static void expect_error(const char *apps, const char *where, const char *what)
{
    char *json = g_strdup_printf("{\"name\": \"f\", \"nodes\": [{\"name\": \"a\"}, {\"name\": \"s\"}],"
                                 " \"links\": [{\"from\": \"a\", \"to\": \"s\", \"rate\": \"10Mbps\"}],"
                                 " \"apps\": [%s]}",
                                 apps);
    test_expect_load_error(json, NULL, where, what);
    g_free(json);
}

#define SERVER "{\"name\": \"srv\", \"type\": \"ftp-server\", \"host\": \"s\""
#define CLIENT "{\"name\": \"cl\", \"type\": \"ftp-client\", \"host\": \"a\", \"server\": \"s\""

static void test_keys_errors(void)
{
    expect_error(SERVER ", \"files\": \"many\"}", "$.apps[0].files", "expected a list of files");
    expect_error(SERVER ", \"files\": [{\"name\": \"a/b\"}]}", "$.apps[0].files[0].name", "is not a file name");
    expect_error(SERVER ", \"files\": [{\"name\": \"x\"}, {\"name\": \"x\"}]}", "$.apps[0].files[1].name",
                 "a second file named");
    expect_error(SERVER ", \"files\": {\"count\": -1}}", "$.apps[0].files.count", "a count from 0 to 10000");
    expect_error(SERVER ", \"users\": {\"bob\": 3}}", "$.apps[0].users.bob", "a password");
    expect_error(SERVER ", \"anonymous\": false}", "$.apps[0].anonymous", "nobody could log in");
    expect_error(SERVER ", \"port\": 0}", "$.apps[0].port", "a port from 1 to 65535");
    expect_error(SERVER ", \"data_port\": -2}", "$.apps[0].data_port", "0 (the control port - 1, RFC 959's L-1)");
    expect_error(SERVER ", \"data_port\": 65536}", "$.apps[0].data_port", "-1 (an ephemeral port)");
    expect_error(SERVER "}, " CLIENT ", \"mode\": \"sideways\"}", "$.apps[1].mode", "\"passive\" or \"active\"");
    expect_error(SERVER "}, " CLIENT ", \"transfer\": \"ebcdic\"}", "$.apps[1].transfer", "\"binary\" or \"ascii\"");
    expect_error(SERVER "}, " CLIENT ", \"ops\": [\"fetch x\"]}", "$.apps[1].ops[0]", "expected a list of operations");
    expect_error(SERVER "}, " CLIENT ", \"ops\": [\"put x\"]}", "$.apps[1].ops[0]", "put takes a name and a size");
    expect_error(SERVER "}, " CLIENT ", \"ops\": [\"put x lots\"]}", "$.apps[1].ops[0]", "put's size");
    expect_error(SERVER "}, " CLIENT ", \"ops\": [\"get x\"], \"gets\": 2}", "$.apps[1].gets", "one or the other");
    expect_error(SERVER "}, {\"name\": \"cl\", \"type\": \"ftp-client\", \"host\": \"a\", \"server\": \"mars\"}",
                 "$.apps[1].server", "no node named \"mars\"");
}

static double metric(const run_result *res, const char *key) { return run_result_metric(res, key); }

/* Cases: 0 active, 1 passive, 2 active behind the firewall, 3 passive
 * behind it. The formula within 1% where the file arrived. */
static void test_active_vs_passive(void)
{
    scenario *sc = test_load_file(SCN("ftp-active-vs-passive.json"), NULL);
    for (guint k = 0; k < 4; k++) {
        run_result *res = test_run(sc, k);
        bool fails = k == 2;
        CU_ASSERT_EQUAL(metric(res, "ftp_client.ops_failed"), fails ? 1 : 0);
        CU_ASSERT_EQUAL(metric(res, "ftp_client.failure_code"), fails ? 425 : 0);
        CU_ASSERT_EQUAL(metric(res, "ftp_client.verified"), fails ? 0 : 1);
        CU_ASSERT_EQUAL(metric(res, "ftp_client.bytes"), fails ? 0 : 100000);
        CU_ASSERT_EQUAL(metric(res, "ftp_client.ok"), 1); /* the session goes on and quits */
        CU_ASSERT_PTR_NULL(res->failed);
        double t = metric(res, "ftp_client.time_s");
        if (fails) {
            CU_ASSERT_TRUE(isnan(res->formula_s));
        } else {
            CU_ASSERT_DOUBLE_EQUAL(res->formula_s / t, 1.0, 0.01); /* the formula within 1% */
        }
        run_result_free(res);
    }
    scenario_free(sc);
}

/* The value beside headline `name` (outputs.formula's entry that
 * predicts it), asserting which entry that is. */
static double textbook(const run_result *res, const char *name, const char *expr)
{
    const char *e = NULL;
    double f = run_formula_for(res, appsim_registry(), name, false, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_STRING_EQUAL(e, expr);
    return f;
}

/* Every run of `file`: the FTP time within 1% of "ftp-files" and the page
 * load time within 1% of "http-page" (each the entry of the list
 * outputs.formula that predicts its headline); FTP slower than HTTP.
 * Prints the table docs/ftp.md shows. */
static void check_ftp_vs_http(const char *file, guint runs)
{
    scenario *sc = test_load_file(file, NULL);
    guint n = scenario_run_count(sc);
    CU_ASSERT_EQUAL(n, runs);
    double worst = 0;
    printf("\n");
    for (guint k = 0; k < n; k++) {
        run_result *res = test_run(sc, k);
        double ftp = metric(res, "ftp_client.time_s"), page = metric(res, "page_load_time_mean_s");
        double ff = textbook(res, "ftp_time", "ftp-files"), fh = textbook(res, "page_load_time", "http-page");
        printf("    run %u: ftp %.4f s (ftp-files %.4f s), page %.4f s (http-page %.4f s)\n", k, ftp, ff, page, fh);
        CU_ASSERT_DOUBLE_EQUAL(ff / ftp, 1.0, 0.01);  /* within 1% */
        CU_ASSERT_DOUBLE_EQUAL(fh / page, 1.0, 0.01); /* within 1% */
        worst = MAX(worst, MAX(fabs(ff / ftp - 1), fabs(fh / page - 1)));
        /* summary.json names each entry's value */
        CU_ASSERT_EQUAL(metric(res, "formulas.ftp-files"), ff);
        CU_ASSERT_EQUAL(metric(res, "formulas.http-page"), fh);
        CU_ASSERT_TRUE(ftp > page);
        CU_ASSERT_EQUAL(metric(res, "ftp_client.verified"), metric(res, "ftp_client.ops_ok"));
        run_result_free(res);
    }
    printf("    worst relative error %.2e\n", worst);
    scenario_free(sc);
}

/* FTP against its formula and HTTP against the textbook's page load, at
 * n = 1, 2, 5, 10 files (RTT 40 ms) in both HTTP modes. */
static void test_ftp_vs_http(void) { check_ftp_vs_http(SCN("ftp-vs-http.json"), 8); }

/* The same at 5 files against the RTT (10 to 160 ms); the FTP time grows
 * by 20 RTT (5 for the session, 3 a file) and is the same in both modes. */
static void test_ftp_vs_http_rtt(void)
{
    check_ftp_vs_http(SCN("ftp-vs-http-rtt.json"), 10);
    scenario *sc = test_load_file(SCN("ftp-vs-http-rtt.json"), NULL);
    run_result *a = test_run(sc, 0), *b = test_run(sc, 1), *p = test_run(sc, 6);
    /* runs 0 and 1: RTT 10 and 20 ms (nonpersistent); run 6: 20 ms persistent */
    CU_ASSERT_DOUBLE_EQUAL(metric(b, "ftp_client.time_s") - metric(a, "ftp_client.time_s"), 20 * 0.010, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(metric(p, "ftp_client.time_s"), metric(b, "ftp_client.time_s"), 1e-9);
    run_result_free(a);
    run_result_free(b);
    run_result_free(p);
    scenario_free(sc);
}

static void test_deterministic(void)
{
    static const char *const names[] = {"ftp-active-vs-passive.json", "ftp-vs-http.json", "ftp-vs-http-rtt.json"};
    static const char *const files[] = {"summary.json", "ftp.csv", "transcript.txt", "links.csv", NULL};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *file = g_build_filename(APPSIM_SOURCE_DIR, "scenarios", names[i], NULL);
        test_twice t;
        CU_ASSERT(test_run_twice(&t, APPSIM, file, NULL, files) >= 4);
        test_twice_clear(&t);
        g_free(file);
    }
}

/* `appsim run` of the shipped scenario `name` into a new temporary
 * folder, asserting that it exits 0; the folder, which the caller reads,
 * then removes (test_remove_tree) and frees. */
static char *run_shipped(const char *name)
{
    char *dir = g_dir_make_tmp("appsim-ftp-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char *file = g_build_filename(APPSIM_SOURCE_DIR, "scenarios", name, NULL);
    const char *argv[] = {APPSIM, "run", file, "-o", dir, "--quiet", NULL};
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(test_spawn(NULL, argv, &out, &err), 0);
    g_free(out);
    g_free(err);
    g_free(file);
    return dir;
}

/* The time-space diagrams of an FTP run say what they show: the login and
 * the first operation (the client type's timeline_title). */
static void test_timeline_title(void)
{
    char *dir = run_shipped("ftp-active-vs-passive.json");
    char *first = test_read_file(dir, "timeline.dat"), *passive = test_read_file(dir, "timeline-passive.dat");
    CU_ASSERT_PTR_NOT_NULL_FATAL(first);
    CU_ASSERT_PTR_NOT_NULL_FATAL(passive);
    CU_ASSERT_TRUE(g_str_has_prefix(first, "# ftp-active-vs-passive: the login and the first operation, packet by "
                                           "packet\n"));
    CU_ASSERT_TRUE(g_str_has_prefix(passive, "# ftp-active-vs-passive, passive: the login and the first operation, "
                                             "packet by packet\n"));
    CU_ASSERT_PTR_NULL(strstr(first, "page load"));
    g_free(first);
    g_free(passive);
    test_remove_tree(dir);
    g_free(dir);
}

/* ftp-vs-http-rtt's metric is a list of two times: times.png draws them in
 * one plot, FTP once (the browser's mode changes nothing of it) and each
 * HTTP mode, every curve beside its formula. */
static void test_times_figure(void)
{
    char *dir = run_shipped("ftp-vs-http-rtt.json");
    char *dat = test_read_file(dir, "times.dat");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    static const char *const series[] = {
        "# index 0: simulation \"ftp_time\", 5 points",
        "# index 1: formula \"ftp_time (textbook)\", 5 points",
        "# index 2: simulation \"page_load_time, nonpersistent\", 5 points",
        "# index 3: formula \"page_load_time, nonpersistent (textbook)\", 5 points",
        "# index 4: simulation \"page_load_time, persistent\", 5 points",
        "# index 5: formula \"page_load_time, persistent (textbook)\", 5 points",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(series); i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(dat, series[i]));
    CU_ASSERT_PTR_NULL(strstr(dat, "# index 6"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# column 1: RTT (ms)"));
    g_free(dat);
    test_remove_tree(dir);
    g_free(dir);
}

/* ---- the dialogue and labels --------------------------------------------------------- */

static const char client_bytes[] = "USER anonymous\r\nPASS guest@\r\nTYPE I\r\nEPSV\r\nRETR file1\r\nQUIT\r\n";
static const char server_bytes[] = "220 ready\r\n331 send password\r\n230-Welcome\r\n 230 is not the end\r\n"
                                   "230 logged in\r\n200 ok\r\n229 Entering Extended Passive Mode (|||49152|)\r\n"
                                   "150 opening\r\n226 done\r\n221 bye\r\n";

static char *dialogue_text(const char *bytes, bool client, size_t chunk)
{
    return test_dialogue_text(&ftp_app_dialogue, client, bytes, chunk);
}

static void test_dialogue_every_chunk(void)
{
    char *c_whole = dialogue_text(client_bytes, true, 100000), *s_whole = dialogue_text(server_bytes, false, 100000);
    CU_ASSERT_STRING_EQUAL(c_whole, "USER anonymous|PASS guest@|TYPE I|EPSV|RETR file1|QUIT|");
    CU_ASSERT_STRING_EQUAL(s_whole, "220 ready|331 send password|230-Welcome\r\n 230 is not the end\r\n230 logged in|"
                                    "200 ok|229 Entering Extended Passive Mode (|||49152|)|150 opening|226 done|"
                                    "221 bye|");
    for (size_t chunk = 1; chunk < sizeof server_bytes; chunk++) {
        char *c = dialogue_text(client_bytes, true, chunk), *s = dialogue_text(server_bytes, false, chunk);
        CU_ASSERT_STRING_EQUAL(c, c_whole);
        CU_ASSERT_STRING_EQUAL(s, s_whole);
        g_free(c);
        g_free(s);
    }
    g_free(c_whole);
    g_free(s_whole);
}

static void label_is(const char *bytes, size_t len, const char *expected)
{
    char *l = ftp_app_label((const uint8_t *)bytes, len);
    CU_ASSERT_STRING_EQUAL(l, expected);
    g_free(l);
}

static void test_labels(void)
{
    label_is("RETR file1\r\n", 12, "RETR file1");
    label_is("PASS guest@\r\n", 13, "PASS guest@");
    label_is("227 Entering Passive Mode (10,0,0,2,195,80)\r\n", 45, "227 (10,0,0,2,195,80)");
    label_is("150 File status okay; about to open data connection (file1).\r\n", 63,
             "150 File status okay; about to open data");
    label_is(NULL, 10000, "data 10.0 kB");
    label_is("\x01\x02\x03", 3, "data 3 B");
}

int main(void)
{
    static const test_case tests[] = {TEST(test_keys_errors),     TEST(test_active_vs_passive),
                                      TEST(test_ftp_vs_http),     TEST(test_ftp_vs_http_rtt),
                                      TEST(test_deterministic),   TEST(test_timeline_title),
                                      TEST(test_times_figure),
                                      TEST(test_dialogue_every_chunk), TEST(test_labels)};
    return test_main("ftp apps", tests, (int)G_N_ELEMENTS(tests));
}
