/*
 * The figures a run draws beyond the first, through the appsim program:
 * - a time-space diagram per case: dns-iterative-vs-recursive writes
 *   timeline.png (run 0, as before) and timeline-iterative.png and
 *   timeline-recursive.png; the recursive lookup's data has arrows
 *   between the root and the TLD server, the iterative one's none; -j 1
 *   and -j 2 give byte-identical results folders;
 * - the cases' file names (two cases "A b" and "a-b" give timeline-a-b
 *   and timeline-a-b-2) and the limit of PLAN_MAX_TIMELINES cases;
 * - several headlines: dns-cache-ttl's ["dns_hit_rate",
 *   "workload_lookup_time"] draws both figures, whose data equal
 *   summary.json's figures, and prints a table for each; a list in a
 *   plan of cases and in a single run; a bad element of the list is
 *   reported where it stands;
 * - outputs.cdf_by: a CDF per value of a column, each over its own rows.
 */
#include <cjson/cJSON.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "plots/plot.h"
#include "shipped_runs.h"
#include "test_util.h"
#include "world/plan.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"

static char *tmp_root;

/* The text of <tmp_root>/<run>/<file>, or NULL. */
static char *read_out(const char *run, const char *file)
{
    char *path = g_build_filename(tmp_root, run, file, NULL), *text = NULL;
    bool ok = g_file_get_contents(path, &text, NULL, NULL);
    g_free(path);
    return ok ? text : NULL;
}

static bool out_exists(const char *run, const char *file)
{
    char *path = g_build_filename(tmp_root, run, file, NULL);
    bool ok = g_file_test(path, G_FILE_TEST_IS_REGULAR);
    g_free(path);
    return ok;
}

/* One arrow of a timeline's data file (index 0's lines). */
typedef struct {
    int from, to;
    char label[200];
} arrow_line;

/* The arrows of a timeline data file, in order (at most `max`). */
static int timeline_arrows(const char *dat, arrow_line *out, int max)
{
    int n = 0;
    const char *end = strstr(dat, "# index 1:");
    gchar **lines = g_strsplit(dat, "\n", 0);
    const char *at = dat;
    for (int i = 0; lines[i] && n < max; i++) {
        const char *l = lines[i];
        at = strstr(at, l);
        if (end && at >= end)
            break;
        double ts, tr, pos;
        int side;
        arrow_line a = {0};
        if (*l && *l != '#' &&
            sscanf(l, "%d %lf %d %lf %lf %d \"%199[^\"]\"", &a.from, &ts, &a.to, &tr, &pos, &side, a.label) == 7)
            out[n++] = a;
    }
    g_strfreev(lines);
    return n;
}

/* Whether the two folders hold the same files with the same bytes. */
static bool same_folders(const char *a, const char *b)
{
    GDir *d = g_dir_open(a, 0, NULL);
    if (!d)
        return false;
    bool same = true;
    guint na = 0, nb = 0;
    const char *n;
    while ((n = g_dir_read_name(d))) {
        na++;
        char *x = g_build_filename(a, n, NULL), *y = g_build_filename(b, n, NULL);
        char *tx = NULL, *ty = NULL;
        gsize lx = 0, ly = 0;
        bool ok = g_file_get_contents(x, &tx, &lx, NULL) && g_file_get_contents(y, &ty, &ly, NULL) && lx == ly &&
                  memcmp(tx, ty, lx) == 0;
        if (!ok)
            printf("\n    %s differs", n);
        same &= ok;
        g_free(tx);
        g_free(ty);
        g_free(x);
        g_free(y);
    }
    g_dir_close(d);
    d = g_dir_open(b, 0, NULL);
    while (d && g_dir_read_name(d))
        nb++;
    if (d)
        g_dir_close(d);
    return same && na == nb && na > 0;
}

static void test_timeline_per_case(void)
{
    const char *j1[] = {"-j", "1", NULL}, *j2[] = {"-j", "2", NULL};
    char *out = NULL;
    cJSON *s1 = shipped_run_out("dns-iterative-vs-recursive", "-j1", j1, &out);
    cJSON *s2 = shipped_run("dns-iterative-vs-recursive", "-j2", j2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
    CU_ASSERT_PTR_NOT_NULL(s2);
    const char *run = "dns-iterative-vs-recursive-j1";
    /* run 0's diagram stays where it was; each case has its own */
    char *it = read_out(run, "timeline-iterative.dat"), *rec = read_out(run, "timeline-recursive.dat");
    char *first = read_out(run, "timeline.dat");
    CU_ASSERT_PTR_NOT_NULL_FATAL(it);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    CU_ASSERT_PTR_NOT_NULL_FATAL(first);
    /* titled with what the followed application (the resolver) names */
    const char *what = "the name lookup and what follows it";
    char *t0 = g_strdup_printf("# dns-iterative-vs-recursive: %s, packet by packet\n", what);
    char *ti = g_strdup_printf("# dns-iterative-vs-recursive, iterative: %s, packet by packet\n", what);
    char *tr = g_strdup_printf("# dns-iterative-vs-recursive, recursive: %s, packet by packet\n", what);
    CU_ASSERT_TRUE(g_str_has_prefix(first, t0));
    CU_ASSERT_TRUE(g_str_has_prefix(it, ti));
    CU_ASSERT_TRUE(g_str_has_prefix(rec, tr));
    g_free(t0);
    g_free(ti);
    g_free(tr);
    /* the columns: root is 2 and the TLD server 3 in both */
    const char *cols = "# Hosts (x = column): 0 = client, 1 = local, 2 = root, 3 = tld, 4 = auth";
    CU_ASSERT_PTR_NOT_NULL(strstr(it, cols));
    CU_ASSERT_PTR_NOT_NULL(strstr(rec, cols));
    arrow_line ai[32], ar[32], a0[32];
    int ni = timeline_arrows(it, ai, 32), nr = timeline_arrows(rec, ar, 32), n0 = timeline_arrows(first, a0, 32);
    /* 8 messages either way (the textbook's figure) */
    CU_ASSERT_EQUAL(ni, 8);
    CU_ASSERT_EQUAL(nr, 8);
    /* recursive: the root asks the TLD server and hears its answer */
    int root_tld = 0, tld_root = 0;
    bool query = false;
    for (int i = 0; i < nr; i++) {
        if (ar[i].from == 2 && ar[i].to == 3) {
            root_tld++;
            query |= g_str_has_prefix(ar[i].label, "query www.example.com A");
        }
        tld_root += ar[i].from == 3 && ar[i].to == 2;
    }
    CU_ASSERT_EQUAL(root_tld, 1);
    CU_ASSERT_EQUAL(tld_root, 1);
    CU_ASSERT_TRUE(query);
    /* iterative: the local server asks each in turn; root and TLD never meet */
    for (int i = 0; i < ni; i++) {
        bool between = (ai[i].from == 2 && ai[i].to == 3) || (ai[i].from == 3 && ai[i].to == 2);
        CU_ASSERT_FALSE(between);
    }
    /* timeline.png is run 0's, the iterative case's: the same arrows */
    CU_ASSERT_EQUAL_FATAL(n0, ni);
    for (int i = 0; i < ni; i++) {
        CU_ASSERT_EQUAL(a0[i].from, ai[i].from);
        CU_ASSERT_EQUAL(a0[i].to, ai[i].to);
        CU_ASSERT_STRING_EQUAL(a0[i].label, ai[i].label);
    }
    if (!plot_have_gnuplot()) {
        test_skip("the timelines' figures: gnuplot is not on PATH (apt install gnuplot-nox)");
    } else {
        CU_ASSERT_TRUE(out_exists(run, "timeline.png"));
        CU_ASSERT_TRUE(out_exists(run, "timeline-iterative.png"));
        CU_ASSERT_TRUE(out_exists(run, "timeline-recursive.png"));
        /* the results line lists what was drawn */
        CU_ASSERT_PTR_NOT_NULL(out && strstr(out, ", lookup_time.png, timeline-iterative.png, "
                                                  "timeline-recursive.png, timeline.png)"));
    }
    /* -j 1 and -j 2: the same folder, byte for byte */
    char *d1 = g_build_filename(tmp_root, "dns-iterative-vs-recursive-j1", NULL);
    char *d2 = g_build_filename(tmp_root, "dns-iterative-vs-recursive-j2", NULL);
    CU_ASSERT_TRUE(same_folders(d1, d2));
    g_free(d1);
    g_free(d2);
    g_free(it);
    g_free(rec);
    g_free(first);
    g_free(out);
    cJSON_Delete(s1);
    cJSON_Delete(s2);
}

/* A run of http-single-object as a plan of `n` cases (labels first, then
 * "c3", "c4"...), each a delay of the link, with its timeline. */
static char *cases_scenario(const char *name, const char *const *labels, int nlabels, int n)
{
    char *src = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(SHIPPED "/http-single-object.json", &src, NULL, NULL));
    cJSON *root = cJSON_Parse(src);
    g_free(src);
    cJSON_ReplaceItemInObject(root, "name", cJSON_CreateString(name));
    cJSON *cases = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *c = cJSON_CreateObject();
        char *label = i < nlabels ? g_strdup(labels[i]) : g_strdup_printf("c%d", i + 1);
        char *delay = g_strdup_printf("%dms", 10 + i);
        cJSON_AddStringToObject(c, "label", label);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(c, "set"), "links.access.delay", delay);
        cJSON_AddItemToArray(cases, c);
        g_free(label);
        g_free(delay);
    }
    cJSON *axis = cJSON_CreateObject();
    cJSON_AddItemToObject(axis, "cases", cases);
    cJSON *sweep = cJSON_CreateArray();
    cJSON_AddItemToArray(sweep, axis);
    cJSON_AddItemToObject(root, "sweep", sweep);
    char *text = cJSON_Print(root);
    char *file = g_strdup_printf("%s/%s.json", tmp_root, name);
    CU_ASSERT_TRUE(g_file_set_contents(file, text, -1, NULL));
    free(text);
    cJSON_Delete(root);
    return file;
}

/* Runs `file` into <tmp_root>/<name> with `extra` arguments (NULL-ended);
 * its exit status, stdout in *out (the caller frees). */
static int run_into(const char *file, const char *name, const char *const *extra, char **out)
{
    char *dir = g_build_filename(tmp_root, name, NULL);
    GPtrArray *argv = g_ptr_array_new();
    const char *base[] = {APPSIM, "run", file, "-o", dir, "-q", "-j", "2"};
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (gpointer)base[i]);
    for (const char *const *e = extra; e && *e; e++)
        g_ptr_array_add(argv, (gpointer)*e);
    g_ptr_array_add(argv, NULL);
    char *err = NULL;
    int rc = test_spawn(NULL, (const char *const *)argv->pdata, out, &err);
    if (rc != 0)
        printf("\n    %s: exit %d: %s", name, rc, err ? err : "");
    g_free(err);
    g_ptr_array_free(argv, TRUE);
    g_free(dir);
    return rc;
}

/* Two cases whose labels give the same slug are told apart; the cases
 * after the first PLAN_MAX_TIMELINES get no diagram. */
static void test_case_file_names(void)
{
    static const char *const labels[] = {"A b", "a-b"};
    int n = PLAN_MAX_TIMELINES + 1;
    char *file = cases_scenario("slugs", labels, 2, n);
    char *out = NULL;
    CU_ASSERT_EQUAL_FATAL(run_into(file, "slugs", NULL, &out), 0);
    char *ab = read_out("slugs", "timeline-a-b.dat"), *ab2 = read_out("slugs", "timeline-a-b-2.dat");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ab);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ab2);
    /* each titled with its own case's label */
    CU_ASSERT_TRUE(g_str_has_prefix(ab, "# slugs, A b: one page load, packet by packet\n"));
    CU_ASSERT_TRUE(g_str_has_prefix(ab2, "# slugs, a-b: one page load, packet by packet\n"));
    CU_ASSERT_TRUE(out_exists("slugs", "timeline.dat"));
    char *last = g_strdup_printf("timeline-c%d.dat", PLAN_MAX_TIMELINES);
    char *beyond = g_strdup_printf("timeline-c%d.dat", PLAN_MAX_TIMELINES + 1);
    CU_ASSERT_TRUE(out_exists("slugs", last));
    CU_ASSERT_FALSE(out_exists("slugs", beyond));
    /* the delays differ from case to case (10 ms, 11 ms): so do the diagrams */
    arrow_line a[64], b[64];
    int na = timeline_arrows(ab, a, 64), nb = timeline_arrows(ab2, b, 64);
    CU_ASSERT_TRUE(na > 0 && na == nb);
    char *x = strstr(ab, "\n0 0 1 "), *y = strstr(ab2, "\n0 0 1 ");
    CU_ASSERT_TRUE(x && y && strncmp(x, y, 20) != 0);
    if (plot_have_gnuplot())
        CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "timeline-a-b-2.png, timeline-a-b.png, "));
    g_free(last);
    g_free(beyond);
    g_free(ab);
    g_free(ab2);
    g_free(out);
    g_free(file);
}

/* The data points of index `index` of a figure's data file (x y per line). */
static int dat_points(const char *dat, int index, double *xs, double *ys, int max)
{
    char *head = g_strdup_printf("# index %d:", index);
    const char *at = strstr(dat, head);
    g_free(head);
    int n = 0;
    if (!at)
        return 0;
    at = strchr(at, '\n');
    while (at && *++at && *at != '\n' && *at != '#' && n < max) {
        char *end;
        xs[n] = g_ascii_strtod(at, &end);
        ys[n] = g_ascii_strtod(end, &end);
        n++;
        at = strchr(end, '\n');
    }
    return n;
}

static void test_several_headlines(void)
{
    char *out = NULL;
    cJSON *s = shipped_run_out("dns-cache-ttl", "", NULL, &out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    /* the scenario's metric is the list's first */
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(s, "metric")), "dns_hit_rate");
    char *hit = read_out("dns-cache-ttl", "dns_hit_rate.dat"), *time = read_out("dns-cache-ttl", "workload_lookup_time.dat");
    char *gp = read_out("dns-cache-ttl", "workload_lookup_time.gp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(hit);
    CU_ASSERT_PTR_NOT_NULL_FATAL(time);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    static const double ttl_ms[] = {1000, 5000, 20000, 60000, 300000, 1800000};
    double x[8], y[8], fx[8], fy[8], tx[8], ty[8];
    CU_ASSERT_EQUAL_FATAL(dat_points(hit, 0, x, y, 8), 6);
    CU_ASSERT_EQUAL_FATAL(dat_points(hit, 1, fx, fy, 8), 6);
    CU_ASSERT_EQUAL_FATAL(dat_points(time, 0, tx, ty, 8), 6);
    for (int k = 0; k < 6; k++) {
        /* the figures are summary.json's, to its 15 digits (cJSON keeps 15
         * when they give the double back within its last bits) */
        CU_ASSERT_EQUAL(x[k], ttl_ms[k]);
        CU_ASSERT_EQUAL(tx[k], ttl_ms[k]);
        ASSERT_REL(y[k], shipped_metric_at(s, k, "dns.cache_hit_rate"), 1e-14);
        ASSERT_REL(fy[k], shipped_metric(s, k, "formula_s"), 1e-14);
        ASSERT_REL(ty[k], shipped_metric_at(s, k, "dns_workload.mean_lookup_time_s"), 1e-14);
        /* a hit costs the client's round trip to its local server (10 ms) */
        CU_ASSERT_TRUE(ty[k] > 0.010);
    }
    /* the mean lookup time falls as the TTL grows */
    CU_ASSERT_TRUE(ty[5] < ty[0]);
    /* the hit-rate formula is drawn beside the hit rate, not the time */
    CU_ASSERT_PTR_NOT_NULL(strstr(hit, "(textbook)"));
    CU_ASSERT_PTR_NULL(strstr(time, "textbook"));
    CU_ASSERT_PTR_NULL(strstr(gp, "textbook"));
    CU_ASSERT_PTR_NOT_NULL(strstr(time, "# column 2: DNS lookup time (s)\n"));
    /* two tables, the hit rate's first; the time's without the formula */
    const char *t1 = out ? strstr(out, "  local DNS server's cache hit rate by apps.auth-server.zones.0.ttl\n") : NULL;
    const char *t2 = t1 ? strstr(t1, "  DNS lookup time (s) by apps.auth-server.zones.0.ttl\n") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
    CU_ASSERT_PTR_NULL(strstr(t2, "(tb"));
    char *row = g_strdup_printf("\n  %-*s %22.4f\n", (int)strlen("apps.auth-server.zones.0.ttl"), "1800s", ty[5]);
    if (!strstr(t2, row))
        printf("\n    no row \"%s\" in:\n%s", row, t2);
    CU_ASSERT_PTR_NOT_NULL(strstr(t2, row));
    g_free(row);
    if (plot_have_gnuplot())
        CU_ASSERT_PTR_NOT_NULL(strstr(out, ", dns_hit_rate.png, workload_lookup_time.png)"));
    g_free(hit);
    g_free(time);
    g_free(gp);
    g_free(out);
    cJSON_Delete(s);
}

/* A list in a plan of cases: a chart and a line per case for the other
 * headline; in a single run, a line. */
static void test_headlines_of_cases_and_single_runs(void)
{
    const char *set[] = {"--set", "outputs.metric=[\"lookup_time\", \"dns_messages\"]", NULL};
    char *out = NULL;
    cJSON *s = shipped_run_out("dns-iterative-vs-recursive", "-messages", set, &out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    char *dat = read_out("dns-iterative-vs-recursive-messages", "dns_messages.dat");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\"iterative\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\"recursive\""));
    /* 8 messages either way, summary.json's figure */
    CU_ASSERT_EQUAL(shipped_metric_at(s, 1, "dns.messages"), 8);
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\n\"iterative\" 8\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "\n\"recursive\" 8\n"));
    /* each case's block: the lookup time beside the formula, then its messages */
    const char *it = out ? strstr(out, "\n  iterative\n") : NULL;
    const char *rec = out ? strstr(out, "\n  recursive\n") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(it);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    const char *m1 = strstr(it, "    DNS messages: 8.0000\n"), *m2 = strstr(rec, "    DNS messages: 8.0000\n");
    CU_ASSERT_TRUE(m1 && m1 < rec);
    CU_ASSERT_PTR_NOT_NULL(m2);
    CU_ASSERT_PTR_NOT_NULL(strstr(it, "    DNS lookup time (s): 0.1301   (textbook: 0.1301)\n"));
    g_free(dat);
    g_free(out);
    cJSON_Delete(s);

    const char *single[] = {"--set", "outputs.metric=[\"page_load_time\", \"link_utilisation\"]", NULL};
    s = shipped_run_out("http-single-object", "-links", single, &out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const char *line = out ? strstr(out, "  page load time (s): ") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    /* the textbook's single-object time is no utilisation: no formula beside it */
    const char *util = strstr(line, "\n  busiest link utilisation: ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(util);
    const char *eol = strchr(util + 1, '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(eol);
    char *text = g_strndup(util + 1, (gsize)(eol - util - 1));
    double u = g_ascii_strtod(text + strlen("  busiest link utilisation: "), NULL);
    CU_ASSERT_PTR_NULL(strstr(text, "textbook"));
    CU_ASSERT_TRUE(u > 0 && u < 1);
    g_free(text);
    /* one run has no axis to draw it against */
    CU_ASSERT_FALSE(out_exists("http-single-object-links", "link_utilisation.dat"));
    g_free(out);
    cJSON_Delete(s);
}

/* `appsim check` with outputs.metric set to `value`: its stderr must hold
 * `expected`, with exit status 2. */
static void expect_metric_error(const char *value, const char *expected)
{
    char *set = g_strdup_printf("outputs.metric=%s", value);
    const char *argv[] = {APPSIM, "check", SHIPPED "/dns-cache-ttl.json", "--set", set, NULL};
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(test_spawn(NULL, argv, &out, &err), 2);
    if (!err || !strstr(err, expected))
        printf("\n    expected \"%s\" in: %s", expected, err ? err : "(nothing)");
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, expected));
    g_free(out);
    g_free(err);
    g_free(set);
}

static void test_bad_lists_are_located(void)
{
    expect_metric_error("[\"dns_hit_rate\", \"x\"]",
                        ": $.outputs.metric[1]: found \"x\", expected \"page_load_time\", ");
    expect_metric_error("[\"dns_hit_rate\", 3]", ": $.outputs.metric[1]: found 3, expected \"page_load_time\", ");
    expect_metric_error("[\"nope\"]", ": $.outputs.metric[0]: found \"nope\", expected ");
    expect_metric_error("[\"dns_hit_rate\", \"workload_lookup_time\", \"dns_hit_rate\"]",
                        ": $.outputs.metric[2]: \"dns_hit_rate\" is named twice in the list");
    expect_metric_error("[]", ": $.outputs.metric: found an empty list, expected a headline's name or a list of 1 "
                              "to 8 of them");
    expect_metric_error("[\"lookup_time\", \"dns_hit_rate\", \"dns_messages\", \"workload_lookup_time\", "
                        "\"page_load_time\", \"response_time\", \"hit_rate\", \"access_utilisation\", "
                        "\"link_utilisation\"]",
                        ": $.outputs.metric: found a list of 9 names, expected ");
    /* a string keeps its meaning and its error */
    expect_metric_error("x", ": $.outputs.metric: found \"x\", expected \"page_load_time\", ");
    expect_metric_error("3", ": $.outputs.metric: found 3, expected a non-empty string");
}

/* outputs.cdf_by: one staircase per value of a column, in the order the
 * values first appear, each over its own rows: two browsers of 3 and 2
 * pages give "client = near" (steps of 1/3) and "client = far" (1/2),
 * their last steps at each browser's last request's last byte. */
static void test_cdf_by_column(void)
{
    static const char scn[] =
        "{\"name\": \"cdf-by\",\n"
        " \"nodes\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}, {\"name\": \"r\", \"type\": \"router\"}],\n"
        " \"links\": [{\"from\": \"a\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"10ms\"},\n"
        "           {\"from\": \"c\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"30ms\"},\n"
        "           {\"from\": \"b\", \"to\": \"r\", \"rate\": \"10Mbps\", \"delay\": \"5ms\"}],\n"
        " \"apps\": [{\"name\": \"web\", \"type\": \"http-server\", \"host\": \"b\",\n"
        "           \"objects\": [{\"path\": \"/x\", \"size\": \"10KB\"}]},\n"
        "          {\"name\": \"near\", \"type\": \"browser\", \"host\": \"a\",\n"
        "           \"pages\": [\"http://b/x\", \"http://b/x\", \"http://b/x\"]},\n"
        "          {\"name\": \"far\", \"type\": \"browser\", \"host\": \"c\", \"pages\": [\"http://b/x\", \"http://b/x\"]}],\n"
        " \"outputs\": {\"cdf\": \"requests.csv:last_byte_s\", \"cdf_by\": \"client\"}}\n";
    char *file = g_strdup_printf("%s/cdf-by.json", tmp_root);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(file, scn, -1, NULL));
    CU_ASSERT_EQUAL_FATAL(run_into(file, "cdf-by", NULL, NULL), 0);
    char *dat = read_out("cdf-by", "cdf.dat"), *gp = read_out("cdf-by", "cdf.gp");
    char *csv = read_out("cdf-by", "requests.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "title 'client = near'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "title 'client = far'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# index 0: simulation \"client = near\", 4 points"));
    CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# index 1: simulation \"client = far\", 3 points"));
    CU_ASSERT_PTR_NULL(strstr(dat, "# index 2:"));
    /* each browser's largest last_byte_s (column 9 of "run,client,url,...") is its curve's last x, at y = 1 */
    static const char *const clients[] = {"near", "far"};
    static const int pages[] = {3, 2};
    gchar **lines = g_strsplit(csv, "\n", -1);
    for (int k = 0; k < 2; k++) {
        double last = -1, xs[8], ys[8];
        for (gchar **l = lines + 1; *l && **l; l++) {
            gchar **c = g_strsplit(*l, ",", -1);
            if (g_strv_length(c) > 8 && !strcmp(c[1], clients[k]))
                last = MAX(last, g_ascii_strtod(c[8], NULL));
            g_strfreev(c);
        }
        int n = dat_points(dat, k, xs, ys, 8);
        CU_ASSERT_EQUAL(n, pages[k] + 1);
        if (n == pages[k] + 1) {
            CU_ASSERT_DOUBLE_EQUAL(xs[n - 1], last, 1e-9);
            CU_ASSERT_DOUBLE_EQUAL(ys[n - 1], 1.0, 1e-12);
            CU_ASSERT_DOUBLE_EQUAL(ys[1], 1.0 / pages[k], 1e-12);
        }
    }
    g_strfreev(lines);
    g_free(dat);
    g_free(gp);
    g_free(csv);
    g_free(file);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-figures-XXXXXX", NULL);
    shipped_set_root(tmp_root);
    static const test_case tests[] = {
        TEST(test_timeline_per_case),     TEST(test_case_file_names),
        TEST(test_several_headlines),     TEST(test_headlines_of_cases_and_single_runs),
        TEST(test_bad_lists_are_located), TEST(test_cdf_by_column),
    };
    int rc = test_main("cli/figures", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
