/*
 * The limits of a scenario and the budgets of a run, through the library:
 * - each quantity kind is accepted exactly at its documented maximum
 *   (1000 Tbit/s, 1,000,000 s, 1 TB) and refused just above it, whether
 *   written as a number or with a unit, and never wraps (1e309);
 * - names: letters, digits, '-' and '_', at most 64 bytes; a scenario name
 *   may hold '.' but not begin with it;
 * - a plan's runs are counted in 64 bits and capped; a large plan is
 *   checked value by value, and a combination of values that only fails
 *   together is still reported (with its location) when its run is made;
 * - max_events is exact and deterministic: a run that needs N events
 *   passes with max_events = N and fails with N - 1, and slicing the run
 *   for its budgets changes neither its events nor its fingerprint;
 * - a cancel callback stops a run with WORLD_ERROR_CANCELLED, a wall-clock
 *   budget with WORLD_ERROR_BUDGET, and the progress callback sees the
 *   events grow.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/registry.h"
#include "test_util.h"
#include "world/plan.h"
#include "world/world.h"

static char *tmp_root;

/* The scenario of a page of 3 images, with `extra` top-level keys and
 * `link` keys of the access link. */
static char *scenario_text(const char *extra, const char *link)
{
    return g_strdup_printf(
        "{\"name\": \"limits\", %s \"nodes\": [{\"name\": \"client\"}, {\"name\": \"server\"}],"
        " \"links\": [{\"name\": \"access\", \"from\": \"client\", \"to\": \"server\", %s}],"
        " \"apps\": [{\"name\": \"web\", \"type\": \"http-server\", \"host\": \"server\","
        " \"pages\": [{\"path\": \"/index.html\", \"objects\": 3}]},"
        " {\"name\": \"browser\", \"type\": \"browser\", \"host\": \"client\","
        " \"pages\": [\"http://server/index.html\"]}]}",
        extra, link);
}

/* Loads `text` as a scenario file; NULL with *msg set (a new string) on error. */
static scenario *load_text(const char *text, char **msg)
{
    char *file = g_build_filename(tmp_root, "s.json", NULL);
    g_file_set_contents(file, text, -1, NULL);
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, appsim_registry(), &err);
    *msg = err ? g_strdup(err->message) : NULL;
    g_clear_error(&err);
    g_free(file);
    return sc;
}

/* Whether a scenario with these link keys loads; prints the error if not. */
static bool link_loads(const char *link, const char *expect_in_error)
{
    char *text = scenario_text("", link), *msg = NULL;
    scenario *sc = load_text(text, &msg);
    if (!sc && expect_in_error && !strstr(msg, expect_in_error))
        printf("\n    %s: %s", link, msg);
    if (!sc && expect_in_error)
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, expect_in_error));
    bool ok = sc != NULL;
    scenario_free(sc);
    g_free(msg);
    g_free(text);
    return ok;
}

static void test_quantities_at_their_limits(void)
{
    CU_ASSERT_TRUE(link_loads("\"rate\": \"1000Tbps\", \"delay\": \"1000000s\", \"queue_bytes\": \"1TB\"", NULL));
    CU_ASSERT_TRUE(link_loads("\"rate\": 1e15, \"delay\": 1e6, \"queue_bytes\": 1e12", NULL));
    CU_ASSERT_FALSE(link_loads("\"rate\": \"1001Tbps\"", "expected a rate of at most 1000Tbps"));
    CU_ASSERT_FALSE(link_loads("\"rate\": 1.0000001e15", "expected a rate of at most 1000Tbps"));
    CU_ASSERT_FALSE(link_loads("\"rate\": 0.4", "expected a rate above 0"));
    CU_ASSERT_FALSE(link_loads("\"rate\": 1e309", "found a number too large to represent"));
    CU_ASSERT_FALSE(link_loads("\"rate\": \"1Mbps\", \"delay\": \"1000001s\"", "expected a time of at most 1000000s"));
    CU_ASSERT_FALSE(link_loads("\"rate\": \"1Mbps\", \"delay\": \"1e300h\"", "expected a time of at most 1000000s"));
    CU_ASSERT_FALSE(link_loads("\"rate\": \"1Mbps\", \"queue_bytes\": 1000000000001", "expected a size of at most 1TB"));
    CU_ASSERT_FALSE(link_loads("\"rate\": \"1Mbps\", \"queue_bytes\": 1.5", "expected a whole number of bytes"));
    CU_ASSERT_FALSE(link_loads("\"rate\": \"1Mbps\", \"down\": [[\"1s\", 1e7]]", "$.links[0].down[0][1]"));
}

static void test_names(void)
{
    static const struct {
        const char *name;
        bool ok;
    } cases[] = {{"a-b_c", true}, {"r\xc3\xa9seau", true}, {"v1.2", true}, {".hidden", false}, {"..", false},
                 {"a/b", false}, {"a b", false}, {"a,b", false}, {"", false}};
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = scenario_text("", "\"rate\": \"1Mbps\"");
        /* Replace the scenario's name. */
        char *named = g_strdup(text);
        char *at = strstr(named, "\"limits\"");
        GString *s = g_string_new_len(named, at - named);
        g_string_append_printf(s, "\"%s\"%s", cases[i].name, at + strlen("\"limits\""));
        char *msg = NULL;
        scenario *sc = load_text(s->str, &msg);
        if ((sc != NULL) != cases[i].ok)
            printf("\n    name \"%s\": %s", cases[i].name, msg ? msg : "loaded");
        CU_ASSERT_EQUAL(sc != NULL, cases[i].ok);
        scenario_free(sc);
        g_free(msg);
        g_string_free(s, TRUE);
        g_free(named);
        g_free(text);
    }
    GString *long_name = g_string_new("");
    for (int i = 0; i < 65; i++)
        g_string_append_c(long_name, 'n');
    for (int len = 65; len >= 64; len--) {
        g_string_truncate(long_name, (gsize)len);
        char *base = scenario_text("", "\"rate\": \"1Mbps\"");
        GString *t = g_string_new(base);
        g_free(base);
        char *quoted = g_strdup_printf("\"%s\"", long_name->str);
        g_string_replace(t, "\"access\"", quoted, 1);
        char *msg = NULL;
        scenario *sc = load_text(t->str, &msg);
        CU_ASSERT_EQUAL(sc != NULL, len == 64);
        CU_ASSERT_TRUE(len == 64 || (msg && strstr(msg, "(at most 64 bytes)")));
        scenario_free(sc);
        g_free(msg);
        g_free(quoted);
        g_string_free(t, TRUE);
    }
    g_string_free(long_name, TRUE);
}

/* A plan over the range 1..n of `axes` axes: whether it loads, its runs. */
static guint plan_of(int axes, int n, char **msg)
{
    GString *sweep = g_string_new("\"sweep\": [");
    for (int i = 0; i < axes; i++)
        g_string_append_printf(sweep, "%s{\"path\": \"apps.browser.repeat\", \"range\": {\"from\": 1, \"to\": %d, \"step\": 1}}",
                               i ? ", " : "", n);
    g_string_append(sweep, "],");
    char *text = scenario_text(sweep->str, "\"rate\": \"1Mbps\"");
    scenario *sc = load_text(text, msg);
    guint runs = sc ? scenario_run_count(sc) : 0;
    scenario_free(sc);
    g_free(text);
    g_string_free(sweep, TRUE);
    return runs;
}

static void test_plan_limits(void)
{
    char *msg = NULL;
    CU_ASSERT_EQUAL(plan_of(2, 300, &msg), 90000);  /* checked value by value: fast */
    CU_ASSERT_EQUAL(plan_of(16, 1, &msg), 1);
    CU_ASSERT_EQUAL(plan_of(17, 1, &msg), 0);
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "17 sweep axes are too many (at most 16)"));
    g_free(msg);
    msg = NULL;
    /* 65536 x 65536 wraps to 0 in 32 bits; each axis is also over its cap */
    CU_ASSERT_EQUAL(plan_of(2, 65536, &msg), 0);
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "a range of 65536 values is too long (at most 10000)"));
    g_free(msg);
    msg = NULL;
    /* 8192^2 x 64 = 2^32: 0 in 32 bits */
    CU_ASSERT_EQUAL(plan_of(2, 8192, &msg), 0);
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "the plan has 67108864 runs, too many (at most 100000)"));
    g_free(msg);
}

/* A large plan whose two axes only fail together: check passes, the run
 * of the bad combination is refused with its location. */
static void test_large_plan_combination(void)
{
    const char *sweep = "\"sweep\": [{\"path\": \"seed\", \"range\": {\"from\": 1, \"to\": 600, \"step\": 1}},"
                        " {\"path\": \"stop\", \"values\": [\"1s\", \"2h\"]},"
                        " {\"path\": \"max_time\", \"values\": [\"3h\", \"1h\"]}],";
    char *text = scenario_text(sweep, "\"rate\": \"1Mbps\""), *msg = NULL;
    scenario *sc = load_text(text, &msg);
    if (!sc)
        printf("\n    %s", msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_EQUAL(scenario_run_count(sc), 2400);
    GError *err = NULL;
    scn_run *r = scenario_run(sc, 3, &err); /* stop 2h, max_time 1h */
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "$.stop: the run stops at 7200s, after max_time (3600s)"));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "(in the sweep run with seed = 1, stop = 2h, max_time = 1h)"));
    CU_ASSERT_TRUE(err && err->domain == SCN_ERROR);
    g_clear_error(&err);
    scn_run_free(r);
    scenario_free(sc);
    g_free(text);
    g_free(msg);
}

/* Runs the one-run scenario with `opt`; the result, or NULL with *err. */
static run_result *run_with(const run_options *opt, GError **err)
{
    char *text = scenario_text("", "\"rate\": \"1Mbps\", \"delay\": \"10ms\""), *msg = NULL;
    scenario *sc = load_text(text, &msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    scn_run *r = scenario_run(sc, 0, NULL);
    run_result *res = world_run(r, appsim_registry(), 0, opt, err);
    scn_run_free(r);
    scenario_free(sc);
    g_free(text);
    g_free(msg);
    return res;
}

typedef struct {
    guint ticks;
    uint64_t last_events;
    bool monotonic;
    guint cancel_after; /* ticks; 0: never */
} watch;

static void on_tick(void *ud, uint64_t events, sim_time_t now)
{
    (void)now;
    watch *w = ud;
    w->monotonic = w->monotonic && events >= w->last_events;
    w->last_events = events;
    w->ticks++;
}

static bool on_cancel(void *ud)
{
    watch *w = ud;
    return w->cancel_after && w->ticks >= w->cancel_after;
}

static void test_event_budget_is_exact(void)
{
    GError *err = NULL;
    watch w = {.monotonic = true};
    run_options plain = {.tick = on_tick, .ud = &w};
    run_result *a = run_with(&plain, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_TRUE(w.ticks > 0 && w.monotonic);
    CU_ASSERT_EQUAL(w.last_events, a->events);
    run_options exact = {.max_events = a->events};
    run_result *b = run_with(&exact, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(b->events, a->events);
    CU_ASSERT_STRING_EQUAL(b->fingerprint, a->fingerprint);
    ASSERT_REL(run_result_metric(b, "page_load_time_mean_s"), run_result_metric(a, "page_load_time_mean_s"), 0);
    run_options less = {.max_events = a->events - 1};
    run_result *c = run_with(&less, &err);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(g_error_matches(err, WORLD_ERROR, WORLD_ERROR_BUDGET));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "max_events"));
    g_clear_error(&err);
    run_result_free(a);
    run_result_free(b);
}

static void test_cancel_and_wall_budget(void)
{
    /* a long run: 1000 loads */
    char *text = scenario_text("", "\"rate\": \"1Mbps\", \"delay\": \"10ms\""), *msg = NULL;
    char *at = strstr(text, "\"pages\": [\"http");
    GString *s = g_string_new_len(text, at - text);
    g_string_append_printf(s, "\"repeat\": 1000000, %s", at);
    scenario *sc = load_text(s->str, &msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    scn_run *r = scenario_run(sc, 0, NULL);
    watch w = {.monotonic = true, .cancel_after = 3};
    run_options opt = {.tick = on_tick, .cancelled = on_cancel, .ud = &w};
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(world_run(r, appsim_registry(), 0, &opt, &err));
    CU_ASSERT_TRUE(g_error_matches(err, WORLD_ERROR, WORLD_ERROR_CANCELLED));
    g_clear_error(&err);
    gint64 t0 = g_get_monotonic_time();
    run_options wall = {.max_wall_s = 0.3};
    CU_ASSERT_PTR_NULL(world_run(r, appsim_registry(), 0, &wall, &err));
    double took = (double)(g_get_monotonic_time() - t0) / 1e6;
    CU_ASSERT_TRUE(g_error_matches(err, WORLD_ERROR, WORLD_ERROR_BUDGET));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "max_wall = 0.3 s"));
    CU_ASSERT_TRUE(took < 5);
    g_clear_error(&err);
    scn_run_free(r);
    scenario_free(sc);
    g_string_free(s, TRUE);
    g_free(text);
    g_free(msg);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-limits-XXXXXX", NULL);
    static const test_case tests[] = {
        TEST(test_quantities_at_their_limits), TEST(test_names),
        TEST(test_plan_limits),                TEST(test_large_plan_combination),
        TEST(test_event_budget_is_exact),      TEST(test_cancel_and_wall_budget),
    };
    int rc = test_main("world/limits", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
