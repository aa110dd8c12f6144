/*
 * Where the time went (issue 11): the browser's breakdown of each object's
 * and each page load's time (requests.csv's elapsed_s and bd_*_s columns,
 * summary.json's breakdown.* figures), computed by the world's walk along
 * the critical path (app_world_explain, world/world_path.c).
 *
 * - Every object of every run of every shipped HTTP scenario: the parts
 *   are not negative and add up to the elapsed time to the nanosecond, and
 *   the elapsed time is last byte - start; every run's page-load parts add
 *   up to its page-load time.
 * - One object over ideal TCP (8 Mbit/s: a byte is 1000 ns): connect is
 *   exactly RTT + the SYN's and SYN-ACK's transmissions, request and
 *   response are half an RTT each plus their segments' transmissions,
 *   and nothing else (no slow start, no queueing).
 * - One object over reno with an initial window of one segment, no delayed
 *   ACKs and no header bytes: the slow-start part is the textbook's stall,
 *   P (RTT + S/R) - (2^P - 1) S/R, to the nanosecond.
 * - The same with 5% and 2% random loss: retransmissions show, and the
 *   walk reaches the connection's start (nothing is left as other).
 * - A congested shared bottleneck (pairs of hosts across one link with a
 *   short queue, each browser on one kept-open connection): the walk's
 *   shortcut through a queue (the latest packet of the same flow in the
 *   link's busy period) gives every object the very parts, to the
 *   nanosecond, of the step-by-step walk through every packet ahead
 *   (world_pathlog_test_stepwise), with queueing and retransmissions in
 *   them so that both paths are taken.
 * - The lookup of the packet that ends an interval: by a binary search in
 *   each destination's arrivals, which a run gives in id order, or in a
 *   hash table for a destination whose arrivals are not (a host that two
 *   servers at other distances send to): the same rows either way
 *   (world_pathlog_test_hashed), and such a destination found.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/registry.h"
#include "csv_ns.h"
#include "test_util.h"
#include "world/scenario.h"
#include "world/world.h"
#include "world/world_priv.h"

#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"

/* The breakdown columns of requests.csv, in order after elapsed_s. */
enum { BD_DNS, BD_CONNECT, BD_REQUEST, BD_SERVER, BD_RESPONSE, BD_QUEUEING, BD_SLOW_START, BD_DELACK, BD_RETX, BD_OTHER, BD_N };

static char *tmp_root;

/* One row of requests.csv, what the tests read of it. */
typedef struct {
    bool explained;
    double connect_start, request_sent, last_byte;
    int64_t dns, elapsed, part[BD_N];
} bd_row;

/* The rows of a run's requests.csv (header: run, client, url, connection,
 * dns_s, connect_start_s, request_sent_s, first_byte_s, last_byte_s, status,
 * bytes, cache, failure, elapsed_s, then the parts). */
static GArray *rows_of(const run_result *res)
{
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(bd_row));
    for (guint i = 0; i < res->csvs->len; i++) {
        const run_csv *c = g_ptr_array_index(res->csvs, i);
        if (strcmp(c->file, "requests.csv"))
            continue;
        CU_ASSERT_PTR_NOT_NULL(strstr(c->header, "connection,dns_s,connect_start_s"));
        CU_ASSERT_PTR_NOT_NULL(strstr(c->header, "elapsed_s,bd_dns_s,bd_connect_s"));
        char **lines = g_strsplit(c->rows->str, "\n", -1);
        for (char **l = lines; *l; l++) {
            if (!**l)
                continue;
            char **f = g_strsplit(*l, ",", -1);
            bd_row r = {0};
            if (g_strv_length(f) == 14 + BD_N) {
                r.dns = csv_parse_ns(f[4]);
                r.connect_start = g_ascii_strtod(f[5], NULL);
                r.request_sent = g_ascii_strtod(f[6], NULL);
                r.last_byte = g_ascii_strtod(f[8], NULL);
                r.explained = *f[13] != '\0';
                r.elapsed = r.explained ? csv_parse_ns(f[13]) : 0;
                for (int k = 0; k < BD_N; k++)
                    r.part[k] = r.explained ? csv_parse_ns(f[14 + k]) : 0;
            } else {
                CU_FAIL("a requests.csv row without its breakdown columns");
            }
            g_array_append_val(rows, r);
            g_strfreev(f);
        }
        g_strfreev(lines);
    }
    return rows;
}

/* Checks one run: every object's parts add up, and the page loads'. */
static void check_run(const char *name, guint k, const run_result *res)
{
    GArray *rows = rows_of(res);
    guint explained = 0;
    for (guint i = 0; i < rows->len; i++) {
        const bd_row *r = &g_array_index(rows, bd_row, i);
        if (!r->explained)
            continue;
        explained++;
        int64_t sum = 0;
        bool negative = false;
        for (int p = 0; p < BD_N; p++) {
            sum += r->part[p];
            negative |= r->part[p] < 0;
        }
        if (sum != r->elapsed || negative)
            printf("\n    %s run %u row %u: parts %" G_GINT64_FORMAT " ns, elapsed %" G_GINT64_FORMAT " ns", name, k, i,
                   sum, r->elapsed);
        CU_ASSERT_EQUAL(sum, r->elapsed);
        CU_ASSERT_FALSE(negative);
        /* No host here has a resolver: no lookup, nothing charged to dns
         * (test_browser_dns.c has the runs with lookups). */
        CU_ASSERT_EQUAL(r->dns, 0);
        CU_ASSERT_EQUAL(r->part[BD_DNS], 0);
        /* elapsed = last byte - start (the CSV's times are printed to the ns) */
        double start = r->connect_start, alt = r->request_sent;
        double e = (double)r->elapsed / 1e9;
        CU_ASSERT_TRUE(fabs(r->last_byte - start - e) < 2e-9 || fabs(r->last_byte - alt - e) < 2e-9);
    }
    CU_ASSERT_TRUE(explained > 0);
    static const char *const parts[] = {"dns", "connect", "request", "server", "response", "queueing", "slow_start",
                                        "delayed_ack", "retransmission", "other"};
    double sum = 0, total = run_result_metric(res, "breakdown.sum.page_load_s");
    for (size_t p = 0; p < G_N_ELEMENTS(parts); p++) {
        char key[64];
        g_snprintf(key, sizeof key, "breakdown.sum.%s_s", parts[p]);
        double v = run_result_metric(res, key);
        CU_ASSERT_TRUE(isfinite(v) && v >= 0);
        sum += v;
    }
    CU_ASSERT_TRUE(fabs(sum - total) <= 1e-12 * MAX(1.0, total)); /* the same ns, summed in doubles */
    CU_ASSERT_DOUBLE_EQUAL(run_result_metric(res, "breakdown.page_load_s"),
                           run_result_metric(res, "page_load_time_mean_s"), 1e-12);
    g_array_free(rows, TRUE);
}

/* Runs every run of a scenario file and checks each. */
static void check_file(const char *path)
{
    GError *err = NULL;
    scenario *sc = scenario_load(path, NULL, appsim_registry(), &err);
    if (!sc)
        printf("\n    %s: %s", path, err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    for (guint k = 0; k < scenario_run_count(sc); k++) {
        scn_run *r = scenario_run(sc, k, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        run_result *res = world_run(r, appsim_registry(), k, NULL, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(res);
        check_run(path, k, res);
        run_result_free(res);
        scn_run_free(r);
    }
    scenario_free(sc);
}

static void test_shipped_scenarios_add_up(void)
{
    static const char *const files[] = {"http-persistence", "http-parallel", "http-single-object",
                                        "tcp-ideal-vs-reno"};
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        char *path = g_strdup_printf("%s/%s.json", SHIPPED, files[i]);
        check_file(path);
        g_free(path);
    }
}

/* One run of a client-server scenario with `tcp` keys, one object of
 * `size` bytes on an 8 Mbit/s link with a delay of `delay`; its one row. */
static bd_row one_object_at(const char *tcp, const char *size, const char *delay, const char *link_extra)
{
    char *text = g_strdup_printf(
        "{\"name\": \"bd\", \"tcp\": {%s}, \"nodes\": [{\"name\": \"client\"}, {\"name\": \"server\"}],"
        " \"links\": [{\"name\": \"access\", \"from\": \"client\", \"to\": \"server\", \"rate\": \"8Mbps\","
        " \"delay\": \"%s\"%s}],"
        " \"apps\": [{\"name\": \"web\", \"type\": \"http-server\", \"host\": \"server\","
        " \"objects\": [{\"path\": \"/o\", \"size\": %s}]},"
        " {\"name\": \"browser\", \"type\": \"browser\", \"host\": \"client\", \"mode\": \"nonpersistent\","
        " \"pages\": [\"http://server/o\"]}]}",
        tcp, delay, link_extra, size);
    char *file = g_build_filename(tmp_root, "bd.json", NULL);
    g_file_set_contents(file, text, -1, NULL);
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, appsim_registry(), &err);
    if (!sc)
        printf("\n    %s", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    scn_run *r = scenario_run(sc, 0, &err);
    run_result *res = world_run(r, appsim_registry(), 0, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    check_run(file, 0, res);
    GArray *rows = rows_of(res);
    bd_row row = {0};
    CU_ASSERT_EQUAL(rows->len, 1);
    if (rows->len)
        row = g_array_index(rows, bd_row, 0);
    g_array_free(rows, TRUE);
    run_result_free(res);
    scn_run_free(r);
    scenario_free(sc);
    g_free(file);
    g_free(text);
    return row;
}

static bd_row one_object_on(const char *tcp, const char *size, const char *link_extra)
{
    return one_object_at(tcp, size, "10ms", link_extra);
}

static bd_row one_object(const char *tcp, const char *size) { return one_object_on(tcp, size, ""); }

#define NS_PER_BYTE 1000 /* at 8 Mbit/s */
#define DELAY 10000000   /* ns */

static void test_ideal_one_object(void)
{
    uint64_t size = 20000;
    char *sz = g_strdup_printf("%" G_GUINT64_FORMAT, size);
    bd_row r = one_object("\"cc\": \"ideal\"", sz);
    g_free(sz);
    CU_ASSERT_TRUE_FATAL(r.explained);
    /* connect: SYN and SYN-ACK, 40 bytes each, and one round trip */
    CU_ASSERT_EQUAL(r.part[BD_CONNECT], 2 * DELAY + 2 * 40 * NS_PER_BYTE);
    /* request: one segment of 40 + q bytes and half a round trip */
    int64_t q = (r.part[BD_REQUEST] - DELAY) / NS_PER_BYTE - 40;
    CU_ASSERT_EQUAL(r.part[BD_REQUEST], DELAY + (40 + q) * NS_PER_BYTE);
    CU_ASSERT_TRUE(q > 16 && q < 1000);
    /* response: H + size bytes in ceil((H + size) / 1460) segments of 40
     * header bytes each, and half a round trip; one header size H fits */
    int found = 0;
    for (int64_t h = 50; h < 1000; h++) {
        int64_t segs = (int64_t)((h + (int64_t)size + 1459) / 1460);
        if (r.part[BD_RESPONSE] == DELAY + (40 * segs + h + (int64_t)size) * NS_PER_BYTE)
            found++;
    }
    CU_ASSERT_EQUAL(found, 1);
    CU_ASSERT_EQUAL(r.part[BD_SLOW_START], 0);
    CU_ASSERT_EQUAL(r.part[BD_QUEUEING], 0);
    CU_ASSERT_EQUAL(r.part[BD_SERVER], 0);
    CU_ASSERT_EQUAL(r.part[BD_DELACK], 0);
    CU_ASSERT_EQUAL(r.part[BD_RETX], 0);
    CU_ASSERT_EQUAL(r.part[BD_OTHER], 0);
    /* and so the whole: 2 RTT + the transmissions */
    CU_ASSERT_EQUAL(r.elapsed, r.part[BD_CONNECT] + r.part[BD_REQUEST] + r.part[BD_RESPONSE]);
}

/* The same over a 5 s delay: the log keeps a hop's times as 32-bit ns
 * after it entered the queue, and those past 4.29 s apart (every arrival
 * here) in a table beside; the parts are the same as with short delays. */
static void test_ideal_long_delay(void)
{
    const int64_t delay = 5000000000;
    bd_row r = one_object_at("\"cc\": \"ideal\"", "20000", "5s", "");
    CU_ASSERT_TRUE_FATAL(r.explained);
    CU_ASSERT_EQUAL(r.part[BD_CONNECT], 2 * delay + 2 * 40 * NS_PER_BYTE);
    int64_t q = (r.part[BD_REQUEST] - delay) / NS_PER_BYTE - 40;
    CU_ASSERT_EQUAL(r.part[BD_REQUEST], delay + (40 + q) * NS_PER_BYTE);
    CU_ASSERT_TRUE(q > 16 && q < 1000);
    CU_ASSERT_TRUE(r.part[BD_RESPONSE] > delay + 20000 * NS_PER_BYTE);
    CU_ASSERT_EQUAL(r.part[BD_SLOW_START], 0);
    CU_ASSERT_EQUAL(r.part[BD_QUEUEING], 0);
    CU_ASSERT_EQUAL(r.part[BD_OTHER], 0);
    CU_ASSERT_EQUAL(r.elapsed, r.part[BD_CONNECT] + r.part[BD_REQUEST] + r.part[BD_RESPONSE]);
    /* the same request and response as over 10 ms, the delays apart */
    bd_row s = one_object("\"cc\": \"ideal\"", "20000");
    CU_ASSERT_EQUAL(r.part[BD_REQUEST] - delay, s.part[BD_REQUEST] - DELAY);
    CU_ASSERT_EQUAL(r.part[BD_RESPONSE] - delay, s.part[BD_RESPONSE] - DELAY);
}

/* The textbook's stall for an object of o bytes, segments of s bytes. */
static int64_t textbook_stall(double o, double s, int64_t sr, int64_t rtt)
{
    int k = (int)ceil(log2(o / s + 1));
    int q = (int)floor(log2(1 + (double)rtt / (double)sr)) + 1;
    int p = MIN(q, k - 1);
    return p * (rtt + sr) - (((int64_t)1 << p) - 1) * sr;
}

static void test_reno_iw1_slow_start(void)
{
    /* S = 1000 bytes, no header bytes: S/R = 1 ms; RTT = 20 ms (Q = 5) */
    static const uint64_t sizes[] = {2000, 5000, 12000, 20000, 40000, 100000};
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        char *sz = g_strdup_printf("%" G_GUINT64_FORMAT, sizes[i]);
        bd_row r = one_object("\"cc\": \"reno\", \"init_cwnd\": 1, \"mss\": 1000, \"header\": 0", sz);
        g_free(sz);
        CU_ASSERT_TRUE_FATAL(r.explained);
        /* The response is the body and a header of a few hundred bytes: the
         * same K as the body alone for these sizes (o/S + 1 well inside
         * (2^(K-1), 2^K]). */
        int64_t expect = textbook_stall((double)sizes[i] + 250, 1000, 1000000, 2 * DELAY);
        if (r.part[BD_SLOW_START] != expect)
            printf("\n    %" G_GUINT64_FORMAT " B: slow start %" G_GINT64_FORMAT " ns, textbook %" G_GINT64_FORMAT
                   " ns",
                   sizes[i], r.part[BD_SLOW_START], expect);
        CU_ASSERT_EQUAL(r.part[BD_SLOW_START], expect);
        CU_ASSERT_EQUAL(r.part[BD_QUEUEING], 0);
        CU_ASSERT_EQUAL(r.part[BD_RETX], 0);
        CU_ASSERT_EQUAL(r.part[BD_OTHER], 0);
        /* connect is one round trip (SYNs of 0 bytes take no time) */
        CU_ASSERT_EQUAL(r.part[BD_CONNECT], 2 * DELAY);
    }
}

/* With losses the walk goes through the retransmissions back to the
 * connection's start: nothing is left unexplained. */
static void test_losses(void)
{
    static const char *const seeds[] = {", \"loss\": 0.05", ", \"loss\": 0.02"};
    for (size_t i = 0; i < G_N_ELEMENTS(seeds); i++) {
        bd_row r = one_object_on("\"cc\": \"reno\", \"init_cwnd\": 1, \"mss\": 1000, \"header\": 0", "200000",
                                 seeds[i]);
        CU_ASSERT_TRUE_FATAL(r.explained);
        CU_ASSERT_TRUE(r.part[BD_RETX] > 0);
        CU_ASSERT_EQUAL(r.part[BD_CONNECT], 2 * DELAY);
        CU_ASSERT_EQUAL(r.part[BD_OTHER], 0);
    }
}

/* The requests.csv rows of one run of `file`, the walk through queues
 * step by step or by its shortcut. */
static char *requests_of(const char *file, guint k, bool stepwise, run_result **out)
{
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, appsim_registry(), &err);
    if (!sc)
        printf("\n    %s", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    scn_run *r = scenario_run(sc, k, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    world_pathlog_test_stepwise(stepwise);
    run_result *res = world_run(r, appsim_registry(), k, NULL, &err);
    world_pathlog_test_stepwise(false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    char *rows = NULL;
    for (guint i = 0; i < res->csvs->len; i++) {
        const run_csv *c = g_ptr_array_index(res->csvs, i);
        if (!strcmp(c->file, "requests.csv"))
            rows = g_strdup(c->rows->str);
    }
    CU_ASSERT_PTR_NOT_NULL(rows);
    *out = res;
    scn_run_free(r);
    scenario_free(sc);
    return rows;
}

/* Writes the congested dumbbell of the queue tests into tmp_root; its
 * path. Browser i asks for no breakdown when bit i of `off` is set, and
 * loads nothing when bit i of `idle` is. */
static char *write_shortcut_scenario(unsigned off, unsigned idle)
{
    /* 6 pairs c<i> -> left -> right -> s<i>, a 10 Mbit/s bottleneck with a
     * queue of 12 packets, 1 Gbit/s access links; each browser loads a
     * 60 kB object 4 times over one connection (initial window 10: the
     * flows' packets queue behind each other and behind other flows'). */
    enum { PAIRS = 6 };
    GString *s = g_string_new("{\"name\": \"shortcut\", \"seed\": 3, \"tcp\": {\"cc\": \"reno\", \"init_cwnd\": 10},"
                              " \"nodes\": [{\"name\": \"left\", \"type\": \"router\"},"
                              " {\"name\": \"right\", \"type\": \"router\"}");
    for (int i = 0; i < PAIRS; i++)
        g_string_append_printf(s, ", {\"name\": \"c%d\"}, {\"name\": \"s%d\"}", i, i);
    g_string_append(s, "], \"links\": [{\"name\": \"bottleneck\", \"from\": \"left\", \"to\": \"right\","
                       " \"rate\": \"10Mbps\", \"delay\": \"5ms\", \"queue\": 12}");
    for (int i = 0; i < PAIRS; i++)
        g_string_append_printf(s,
                               ", {\"from\": \"c%d\", \"to\": \"left\", \"rate\": \"1Gbps\", \"delay\": \"1ms\"},"
                               " {\"from\": \"s%d\", \"to\": \"right\", \"rate\": \"1Gbps\", \"delay\": \"%dms\"}",
                               i, i, 1 + i);
    g_string_append(s, "], \"apps\": [");
    for (int i = 0; i < PAIRS; i++)
        g_string_append_printf(s,
                               "%s{\"name\": \"web%d\", \"type\": \"http-server\", \"host\": \"s%d\","
                               " \"objects\": [{\"path\": \"/o\", \"size\": 60000}]},"
                               " {\"name\": \"browser%d\", \"type\": \"browser\", \"host\": \"c%d\","
                               " \"mode\": \"persistent\", \"cache\": false, \"repeat\": 4,%s%s"
                               " \"pages\": [\"http://s%d/o\"]}",
                               i ? ", " : "", i, i, i, i, off >> i & 1 ? " \"breakdown\": false," : "",
                               idle >> i & 1 ? " \"active\": false," : "", i);
    g_string_append(s, "]}");
    char *file = g_build_filename(tmp_root, "shortcut.json", NULL);
    g_file_set_contents(file, s->str, -1, NULL);
    g_string_free(s, TRUE);
    return file;
}

static void test_queue_shortcut_is_stepwise(void)
{
    char *file = write_shortcut_scenario(0, 0);
    run_result *fast, *slow;
    char *a = requests_of(file, 0, false, &fast), *b = requests_of(file, 0, true, &slow);
    CU_ASSERT_STRING_EQUAL(a, b);
    if (strcmp(a, b))
        printf("\n    shortcut:\n%s\n    step by step:\n%s", a, b);
    check_run(file, 0, fast);
    /* Both walks took the queues' paths: time behind other flows is
     * queueing, and losses at the short queue are retransmissions. */
    CU_ASSERT_TRUE(run_result_metric(fast, "breakdown.sum.queueing_s") > 0.01);
    CU_ASSERT_TRUE(run_result_metric(fast, "breakdown.sum.retransmission_s") > 0);
    static const char *const keys[] = {"breakdown.sum.queueing_s", "breakdown.sum.response_s",
                                       "breakdown.sum.retransmission_s", "breakdown.sum.other_s"};
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        CU_ASSERT_EQUAL(run_result_metric(fast, keys[i]), run_result_metric(slow, keys[i]));
    g_free(a);
    g_free(b);
    run_result_free(fast);
    run_result_free(slow);
    g_remove(file);
    g_free(file);
}

/* The rows of run 0 of `file` with every destination's arrivals looked up
 * in the hash table or not; *hashed: the destinations so looked up. */
static char *requests_hashed(const char *file, bool all, guint *hashed, run_result **out)
{
    world_pathlog_test_hashed(all);
    char *rows = requests_of(file, 0, false, out);
    *hashed = world_pathlog_test_hashed(false);
    return rows;
}

/* Host c0 loads an object from `near` (2 ms away) 12 times and one from
 * `far` (31 ms away) 4 times, at once, each browser over a kept-open
 * connection: far's packets reach c0 after near's sent later, so c0's
 * arrivals are not in id order. */
static char *write_two_servers_scenario(void)
{
    const char *json =
        "{\"name\": \"two-servers\", \"seed\": 5, \"tcp\": {\"cc\": \"reno\", \"init_cwnd\": 10},"
        " \"nodes\": [{\"name\": \"r\", \"type\": \"router\"}, {\"name\": \"c0\"}, {\"name\": \"near\"},"
        " {\"name\": \"far\"}],"
        " \"links\": [{\"from\": \"c0\", \"to\": \"r\", \"rate\": \"20Mbps\", \"delay\": \"1ms\"},"
        " {\"from\": \"near\", \"to\": \"r\", \"rate\": \"1Gbps\", \"delay\": \"1ms\"},"
        " {\"from\": \"far\", \"to\": \"r\", \"rate\": \"1Gbps\", \"delay\": \"30ms\"}],"
        " \"apps\": [{\"name\": \"web-near\", \"type\": \"http-server\", \"host\": \"near\","
        " \"objects\": [{\"path\": \"/o\", \"size\": 60000}]},"
        " {\"name\": \"web-far\", \"type\": \"http-server\", \"host\": \"far\","
        " \"objects\": [{\"path\": \"/o\", \"size\": 60000}]},"
        " {\"name\": \"browser-near\", \"type\": \"browser\", \"host\": \"c0\", \"mode\": \"persistent\","
        " \"cache\": false, \"repeat\": 12, \"pages\": [\"http://near/o\"]},"
        " {\"name\": \"browser-far\", \"type\": \"browser\", \"host\": \"c0\", \"mode\": \"persistent\","
        " \"cache\": false, \"repeat\": 4, \"pages\": [\"http://far/o\"]}]}";
    char *file = g_build_filename(tmp_root, "two-servers.json", NULL);
    g_file_set_contents(file, json, -1, NULL);
    return file;
}

static void test_arrivals_hashed(void)
{
    /* Every destination in id order (one path from each sender): all
     * looked up by the binary search, the same rows as by the hash table. */
    char *file = write_shortcut_scenario(0, 0);
    run_result *sorted, *hashed;
    guint n_sorted, n_hashed;
    char *a = requests_hashed(file, false, &n_sorted, &sorted), *b = requests_hashed(file, true, &n_hashed, &hashed);
    CU_ASSERT_EQUAL(n_sorted, 0);
    CU_ASSERT_TRUE(n_hashed >= 12); /* the 6 pairs' hosts, each sent data */
    CU_ASSERT_STRING_EQUAL(a, b);
    check_run(file, 0, sorted);
    g_free(a);
    g_free(b);
    run_result_free(sorted);
    run_result_free(hashed);
    g_remove(file);
    g_free(file);
    /* c0's arrivals out of id order: c0 alone in the hash table, the same
     * rows as with every destination there. */
    file = write_two_servers_scenario();
    a = requests_hashed(file, false, &n_sorted, &sorted);
    b = requests_hashed(file, true, &n_hashed, &hashed);
    CU_ASSERT_EQUAL(n_sorted, 1);
    CU_ASSERT_EQUAL(n_hashed, 3); /* c0, near and far */
    CU_ASSERT_STRING_EQUAL(a, b);
    check_run(file, 0, sorted);
    g_free(a);
    g_free(b);
    run_result_free(sorted);
    run_result_free(hashed);
    g_remove(file);
    g_free(file);
}

/* The log full: every row is the one an unbounded log gives, or wholly
 * `other` (its load ended after the log stopped); a packet cut from the log
 * in mid-path leaves the hops it had as they were. Cut at many points of a
 * congested run, so that loads end just before the cut. */
static void test_cutoff_keeps_earlier_rows(void)
{
    char *file = write_shortcut_scenario(0, 0);
    run_result *full;
    char *all = requests_of(file, 0, false, &full);
    gchar **want = g_strsplit(all, "\n", -1);
    GArray *want_rows = rows_of(full);
    guint same = 0, unexplained = 0;
    for (guint cap = 200; cap <= 6000; cap += 200) {
        world_pathlog_test_max_hops(cap);
        run_result *res;
        char *got = requests_of(file, 0, false, &res);
        world_pathlog_test_max_hops(0);
        gchar **lines = g_strsplit(got, "\n", -1);
        GArray *rows = rows_of(res);
        CU_ASSERT_EQUAL_FATAL(rows->len, want_rows->len);
        CU_ASSERT_EQUAL_FATAL(g_strv_length(lines), g_strv_length(want));
        for (guint i = 0, r = 0; lines[i]; i++) {
            if (!*lines[i])
                continue;
            const bd_row *x = &g_array_index(rows, bd_row, r++);
            if (!strcmp(lines[i], want[i])) {
                same++;
                continue;
            }
            /* Not explained: the whole time is other. */
            unexplained++;
            bool other = x->explained && x->part[BD_OTHER] == x->elapsed;
            for (int k = 0; k < BD_N; k++)
                other = other && (k == BD_OTHER || x->part[k] == 0);
            CU_ASSERT_TRUE(other);
            if (!other)
                printf("\n    cap %u, row %u:\n      %s\n    unbounded:\n      %s", cap, i, lines[i], want[i]);
        }
        g_array_free(rows, TRUE);
        g_strfreev(lines);
        g_free(got);
        run_result_free(res);
    }
    /* The cuts fell both before and after loads ended. */
    CU_ASSERT_TRUE(same > 0);
    CU_ASSERT_TRUE(unexplained > 0);
    printf(" (%u rows as unbounded, %u not explained) ", same, unexplained);
    g_array_free(want_rows, TRUE);
    g_strfreev(want);
    g_free(all);
    run_result_free(full);
    g_remove(file);
    g_free(file);
}

/* `"breakdown": false`: the browser's rows have empty breakdown columns
 * and everything else as with it; with every browser so, the breakdown's
 * figures are null (the report and the figures leave them out); with
 * some, the figures are those of the
 * others' loads, their rows as when all ask. The run itself (its
 * fingerprint, its load times) is the same every way. A packet log is
 * started only when a browser asks; an inactive browser never does. */
static void test_breakdown_off(void)
{
    enum { ODD = 0x2a }; /* browsers 1, 3, 5 */
    char *on_file = write_shortcut_scenario(0, 0), *on_path = g_strdup_printf("%s.on", on_file);
    g_rename(on_file, on_path);
    run_result *on, *off, *some;
    world_pathlog_test_logs();
    char *a = requests_of(on_path, 0, false, &on);
    CU_ASSERT_EQUAL(world_pathlog_test_logs(), 1);
    char *off_file = write_shortcut_scenario(0x3f, 0);
    char *b = requests_of(off_file, 0, false, &off);
    CU_ASSERT_EQUAL(world_pathlog_test_logs(), 0); /* nobody asked: no packet log */
    g_free(write_shortcut_scenario(ODD, 0));
    char *c = requests_of(off_file, 0, false, &some);
    CU_ASSERT_EQUAL(world_pathlog_test_logs(), 1);
    gchar **la = g_strsplit(a, "\n", -1), **lb = g_strsplit(b, "\n", -1), **lc = g_strsplit(c, "\n", -1);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(la), g_strv_length(lb));
    CU_ASSERT_EQUAL_FATAL(g_strv_length(la), g_strv_length(lc));
    guint rows = 0, odd = 0;
    for (guint i = 0; la[i]; i++) {
        if (!*la[i])
            continue;
        rows++;
        /* The columns before elapsed_s are the same; the 11 after it are empty. */
        char **fa = g_strsplit(la[i], ",", -1), **fb = g_strsplit(lb[i], ",", -1);
        CU_ASSERT_EQUAL_FATAL(g_strv_length(fa), 14 + BD_N);
        CU_ASSERT_EQUAL_FATAL(g_strv_length(fb), 14 + BD_N);
        for (guint k = 0; k < 13; k++)
            CU_ASSERT_STRING_EQUAL(fa[k], fb[k]);
        CU_ASSERT_STRING_NOT_EQUAL(fa[13], "");
        for (guint k = 13; k < 14 + BD_N; k++)
            CU_ASSERT_STRING_EQUAL(fb[k], "");
        /* Some off: the odd browsers' rows are those of all off, the others' those of all on. */
        int who = atoi(fa[1] + strlen("browser")); /* after the run column */
        bool is_odd = ODD >> who & 1;
        odd += is_odd;
        CU_ASSERT_STRING_EQUAL(lc[i], is_odd ? lb[i] : la[i]);
        g_strfreev(fa);
        g_strfreev(fb);
    }
    CU_ASSERT_EQUAL(rows, 24);
    CU_ASSERT_EQUAL(odd, 12);
    CU_ASSERT_STRING_EQUAL(on->fingerprint, off->fingerprint);
    CU_ASSERT_STRING_EQUAL(on->fingerprint, some->fingerprint);
    CU_ASSERT_EQUAL(run_result_metric(on, "page_load_time_mean_s"), run_result_metric(off, "page_load_time_mean_s"));
    CU_ASSERT_EQUAL(run_result_metric(on, "page_load_time_mean_s"), run_result_metric(some, "page_load_time_mean_s"));
    static const char *const keys[] = {"breakdown.page_load_s", "breakdown.formula_s", "breakdown.queueing_s",
                                       "breakdown.sum.page_load_s", "breakdown.sum.other_s"};
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        CU_ASSERT_TRUE(isfinite(run_result_metric(on, keys[i])));
        CU_ASSERT_TRUE(isnan(run_result_metric(off, keys[i])));
        CU_ASSERT_TRUE(isfinite(run_result_metric(some, keys[i])));
    }
    /* Some off: the parts add up over the even browsers' loads, fewer than all. */
    double sum = 0;
    for (size_t p = 0; p < BD_N; p++) {
        static const char *const parts[] = {"dns",      "connect",    "request",     "server",
                                            "response", "queueing",   "slow_start",  "delayed_ack",
                                            "retransmission", "other"};
        char key[64];
        g_snprintf(key, sizeof key, "breakdown.sum.%s_s", parts[p]);
        sum += run_result_metric(some, key);
    }
    CU_ASSERT_DOUBLE_EQUAL(sum, run_result_metric(some, "breakdown.sum.page_load_s"), 1e-9);
    CU_ASSERT_TRUE(run_result_metric(some, "breakdown.sum.page_load_s") <
                   run_result_metric(on, "breakdown.sum.page_load_s"));
    CU_ASSERT_TRUE(run_result_metric(some, "breakdown.sum.page_load_s") > 0);
    /* The odd browsers inactive, the even ones without the breakdown: an
     * inactive browser, which loads nothing, does not ask for it either. */
    run_result *idle;
    g_free(write_shortcut_scenario(0x3f & ~ODD, ODD));
    char *d = requests_of(off_file, 0, false, &idle);
    CU_ASSERT_EQUAL(world_pathlog_test_logs(), 0);
    CU_ASSERT_TRUE(isnan(run_result_metric(idle, "breakdown.sum.page_load_s")));
    CU_ASSERT_TRUE(isnan(run_result_metric(idle, "breakdown.page_load_s")));
    CU_ASSERT_TRUE(isfinite(run_result_metric(idle, "page_load_time_mean_s")));
    g_strfreev(la);
    g_strfreev(lb);
    g_strfreev(lc);
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(d);
    run_result_free(on);
    run_result_free(off);
    run_result_free(some);
    run_result_free(idle);
    g_remove(on_path);
    g_remove(off_file);
    g_free(on_path);
    g_free(on_file);
    g_free(off_file);
}

/* The shipped HTTP scenarios, every run: the same rows both ways. */
static void test_queue_shortcut_shipped(void)
{
    static const char *const files[] = {"http-persistence", "http-parallel", "tcp-ideal-vs-reno"};
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        char *path = g_strdup_printf("%s/%s.json", SHIPPED, files[i]);
        GError *err = NULL;
        scenario *sc = scenario_load(path, NULL, appsim_registry(), &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
        for (guint k = 0; k < scenario_run_count(sc); k++) {
            run_result *fast, *slow;
            char *a = requests_of(path, k, false, &fast), *b = requests_of(path, k, true, &slow);
            CU_ASSERT_STRING_EQUAL(a, b);
            g_free(a);
            g_free(b);
            run_result_free(fast);
            run_result_free(slow);
        }
        scenario_free(sc);
        g_free(path);
    }
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-bd-XXXXXX", NULL);
    static const test_case tests[] = {
        TEST(test_shipped_scenarios_add_up),
        TEST(test_ideal_one_object),
        TEST(test_ideal_long_delay),
        TEST(test_reno_iw1_slow_start),
        TEST(test_losses),
        TEST(test_queue_shortcut_is_stepwise),
        TEST(test_queue_shortcut_shipped),
        TEST(test_cutoff_keeps_earlier_rows),
        TEST(test_arrivals_hashed),
        TEST(test_breakdown_off),
    };
    int rc = test_main("protocols/http/app/breakdown", tests, G_N_ELEMENTS(tests));
    char *bd = g_build_filename(tmp_root, "bd.json", NULL);
    g_remove(bd);
    g_free(bd);
    g_rmdir(tmp_root);
    g_free(tmp_root);
    return rc;
}
