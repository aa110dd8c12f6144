/*
 * appsim run --shard K/N and appsim merge: the shards of a shipped sweep,
 * merged, give every file of one `appsim run -j 1` byte for byte
 * (summary.json, the CSV files, plots, index.html with its command line,
 * transcript.txt, timelines, pcap/); merge refuses folders that do not
 * belong together (a shard missing or given twice, another scenario,
 * other options, another version, a damaged file) with exit status 2 and
 * writes nothing; --shard's usage errors.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <string.h>

#include "shard_files.h"
#include "test_util.h"

#define SHIPPED APPSIM_SOURCE_DIR "/scenarios"
#define PERSIST SHIPPED "/http-persistence.json"

static char *tmp_root;

static char *path(const char *name) { return g_build_filename(tmp_root, name, NULL); }

/* Runs `file` with --shard k/n for every k into "<prefix>k", with `opt`
 * (NULL-ended, up to 6) after it; asserts each succeeds. */
static void run_shards(const char *file, guint n, const char *prefix, const char *const *opt)
{
    for (guint k = 0; k < n; k++) {
        char *spec = g_strdup_printf("%u/%u", k, n), *name = g_strdup_printf("%s%u", prefix, k);
        char *out = path(name);
        const char *o[6] = {NULL};
        for (guint i = 0; opt && opt[i] && i < 6; i++)
            o[i] = opt[i];
        int rc = shard_appsim(NULL, "run", file, "--shard", spec, "-q", "-j", "2", "-o", out, o[0], o[1], o[2], o[3],
                              o[4], o[5], NULL);
        CU_ASSERT_EQUAL(rc, 0);
        g_free(spec);
        g_free(name);
        g_free(out);
    }
}

/* The one-machine run of `file` with `opt` into `name`. */
static void run_whole(const char *file, const char *name, const char *const *opt)
{
    char *out = path(name);
    const char *o[6] = {NULL};
    for (guint i = 0; opt && opt[i] && i < 6; i++)
        o[i] = opt[i];
    CU_ASSERT_EQUAL(shard_appsim(NULL, "run", file, "-q", "-j", "1", "-o", out, o[0], o[1], o[2], o[3], o[4], o[5],
                                 NULL),
                    0);
    g_free(out);
}

static void test_three_shards_merge_to_one_run(void)
{
    const char *opt[] = {"--timeline", "--transcript-run", "5", NULL};
    run_whole(PERSIST, "one", opt);
    run_shards(PERSIST, 3, "part", opt);
    char *one = path("one"), *merged = path("merged"), *p0 = path("part0"), *p1 = path("part1"),
         *p2 = path("part2");
    /* any order of the folders */
    CU_ASSERT_EQUAL(shard_appsim(NULL, "merge", p2, p0, p1, "-o", merged, NULL), 0);
    int files = shard_same_tree(one, merged);
    printf("\n    %d files the same", files);
    CU_ASSERT_TRUE(files >= 10);
    /* the reproduce line is the one-machine command, without --shard */
    char *html = NULL, *index = g_build_filename(merged, "index.html", NULL);
    CU_ASSERT_TRUE(g_file_get_contents(index, &html, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(html ? strstr(html, "http-persistence.json --timeline --transcript-run 5") : NULL);
    CU_ASSERT_PTR_NULL(html ? strstr(html, "--shard") : "");
    g_free(html);
    g_free(index);
    /* merging again over the merged folder gives it again */
    CU_ASSERT_EQUAL(shard_appsim(NULL, "merge", p0, p1, p2, "-o", merged, NULL), 0);
    shard_same_tree(one, merged);
    g_free(one);
    g_free(merged);
    g_free(p0);
    g_free(p1);
    g_free(p2);
}

/* pcap/ and a seed, on another sweep; and more shards than runs. */
static void test_pcap_seed_and_empty_shards(void)
{
    const char *opt[] = {"--pcap", "--seed", "7", NULL};
    run_whole(SHIPPED "/http-parallel.json", "par-one", opt);
    run_shards(SHIPPED "/http-parallel.json", 2, "par", opt);
    char *one = path("par-one"), *merged = path("par-merged"), *p0 = path("par0"), *p1 = path("par1");
    CU_ASSERT_EQUAL(shard_appsim(NULL, "merge", p0, p1, "-o", merged, NULL), 0);
    CU_ASSERT_TRUE(shard_same_tree(one, merged) >= 10);
    char *pcap = g_build_filename(merged, "pcap", NULL);
    CU_ASSERT_TRUE(g_file_test(pcap, G_FILE_TEST_IS_DIR));
    g_free(pcap);
    g_free(one);
    g_free(merged);
    g_free(p0);
    g_free(p1);
    /* one run, three shards: shards 1 and 2 hold no run */
    run_whole(SHIPPED "/http-single-object.json", "single-one", NULL);
    run_shards(SHIPPED "/http-single-object.json", 3, "single", NULL);
    one = path("single-one");
    merged = path("single-merged");
    char *s0 = path("single0"), *s1 = path("single1"), *s2 = path("single2");
    CU_ASSERT_EQUAL(shard_appsim(NULL, "merge", s1, s2, s0, "-o", merged, NULL), 0);
    shard_same_tree(one, merged);
    g_free(s0);
    g_free(s1);
    g_free(s2);
    g_free(one);
    g_free(merged);
}

/* merge with `dirs` (up to 4, NULL-ended) into "refused": exit 2, nothing
 * written, and stderr holds `want`. */
static void refused(const char *want, const char *d0, const char *d1, const char *d2, const char *d3)
{
    char *out = path("refused"), *err = NULL;
    int rc = shard_appsim(&err, "merge", "-o", out, d0, d1, d2, d3, NULL);
    CU_ASSERT_EQUAL(rc, 2);
    bool found = err && strstr(err, want);
    CU_ASSERT_TRUE(found);
    if (rc != 2 || !found)
        printf("\n    want \"%s\", exit %d: %s", want, rc, err ? err : "");
    CU_ASSERT_FALSE(g_file_test(out, G_FILE_TEST_EXISTS));
    g_free(err);
    g_free(out);
}

/* Copies shard folder `from` to `to`, with shard.txt edited:
 * the first `old` in it replaced by `new`. */
static void copy_edited(const char *from, const char *to, const char *old, const char *new)
{
    char *src = path(from), *dst = path(to);
    g_mkdir_with_parents(dst, 0755);
    const char *names[] = {".appsim-results", "scenario.json", "shard.txt"};
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        char *a = g_build_filename(src, names[i], NULL), *b = g_build_filename(dst, names[i], NULL), *text = NULL;
        gsize len = 0;
        CU_ASSERT_TRUE_FATAL(g_file_get_contents(a, &text, &len, NULL));
        if (!strcmp(names[i], "shard.txt")) {
            char *at = strstr(text, old);
            CU_ASSERT_PTR_NOT_NULL_FATAL(at);
            GString *s = g_string_new_len(text, at - text);
            g_string_append(s, new);
            g_string_append(s, at + strlen(old));
            g_free(text);
            len = s->len;
            text = g_string_free(s, FALSE);
        }
        g_file_set_contents(b, text, (gssize)len, NULL);
        g_free(text);
        g_free(a);
        g_free(b);
    }
    g_free(src);
    g_free(dst);
}

static void test_merge_refuses(void)
{
    /* the folders of test_three_shards_merge_to_one_run, or made here */
    char *p0 = path("part0"), *p1 = path("part1"), *p2 = path("part2");
    if (!g_file_test(p2, G_FILE_TEST_IS_DIR))
        run_shards(PERSIST, 3, "part", (const char *const[]){"--timeline", "--transcript-run", "5", NULL});
    refused("shard 1/3 is missing (2 folders given)", p0, p2, NULL, NULL);
    refused("part1: shard 1/3 is given twice (also ", p0, p1, p1, p2);
    /* another scenario */
    run_shards(SHIPPED "/http-parallel.json", 3, "other", NULL);
    char *o1 = path("other1");
    refused("other1: a shard of another scenario than ", p0, o1, p2, NULL);
    /* other options: --seed, --set */
    run_shards(PERSIST, 3, "seeded", (const char *const[]){"--timeline", "--transcript-run", "5", "-s", "3", NULL});
    char *s1 = path("seeded1");
    refused("seeded1: run with other options than ", p0, s1, p2, NULL);
    refused("(seed: 3, there -1)", p0, s1, p2, NULL);
    run_shards(PERSIST, 3, "setted",
               (const char *const[]){"--timeline", "--transcript-run", "5", "--set", "links.access.rate=5Mbps", NULL});
    char *t1 = path("setted1");
    refused("setted1: run with other options than ", p0, t1, p2, NULL);
    /* another number of shards */
    run_shards(PERSIST, 2, "halves", (const char *const[]){"--timeline", "--transcript-run", "5", NULL});
    char *h1 = path("halves1");
    refused("halves1: shard 1/2 of 24 runs, but ", p0, h1, p2, NULL);
    /* not a partial folder: a whole run's results */
    char *one = path("one");
    if (g_file_test(one, G_FILE_TEST_IS_DIR))
        refused("one: not a partial results folder (no shard.txt", p0, p1, one, NULL);
    char *none = path("no-such-folder");
    refused("no-such-folder: not a partial results folder", none, NULL, NULL, NULL);
    /* another version */
    copy_edited("part1", "version1", "version=", "version=0.0.0-other");
    char *v1 = path("version1");
    refused("version1: made by appsim 0.0.0-other", p0, v1, p2, NULL);
    /* a damaged run */
    copy_edited("part1", "damaged1", "fingerprint=", "fingerprint_was=");
    char *d1 = path("damaged1");
    refused("damaged1: shard.txt: [run 0001] fingerprint: missing", p0, d1, p2, NULL);
    /* a damaged number */
    copy_edited("part1", "badnum1", "events=", "events=x");
    char *b1 = path("badnum1");
    refused("badnum1: shard.txt: [run 0001] events: not a whole number", p0, b1, p2, NULL);
    /* a file from another folder is not taken for ours */
    copy_edited("part1", "kof1", "shard=1", "shard=7");
    char *k1 = path("kof1");
    refused("kof1: shard 7 of 3 shards", p0, k1, p2, NULL);
    /* a scenario copy that is not what was run: the same in every folder, so only the check of the
     * scenario as run (after --set) against the copy sees it */
    char *c[3];
    for (guint k = 0; k < 3; k++) {
        char *from = g_strdup_printf("part%u", k), *to = g_strdup_printf("changed%u", k);
        copy_edited(from, to, "version=", "version=");
        char *js = g_build_filename(tmp_root, to, "scenario.json", NULL), *text = NULL;
        CU_ASSERT_TRUE_FATAL(g_file_get_contents(js, &text, NULL, NULL));
        char *at = strstr(text, "\"description\": \"");
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        at += strlen("\"description\": \"");
        char *edited = g_strdup_printf("%.*schanged: %s", (int)(at - text), text, at);
        g_file_set_contents(js, edited, -1, NULL);
        g_free(edited);
        g_free(text);
        g_free(js);
        c[k] = path(to);
        g_free(from);
        g_free(to);
    }
    refused("changed0: its scenario.json is not the scenario that was run", c[0], c[1], c[2], NULL);
    for (guint k = 0; k < 3; k++)
        g_free(c[k]);
    char *dirs[] = {p0, p1, p2, o1, s1, t1, h1, one, none, v1, d1, b1, k1};
    for (guint i = 0; i < G_N_ELEMENTS(dirs); i++)
        g_free(dirs[i]);
}

/* exit 2 and stderr holds `want` */
static void usage_error(const char *want, const char *a, const char *b, const char *c, const char *d)
{
    char *err = NULL, *out = path("usage");
    int rc = shard_appsim(&err, a, "-o", out, b, c, d, NULL);
    CU_ASSERT_EQUAL(rc, 2);
    bool found = err && strstr(err, want);
    CU_ASSERT_TRUE(found);
    if (!found)
        printf("\n    %s %s %s: want \"%s\", exit %d: %s", a, b, c, want, rc, err ? err : "");
    CU_ASSERT_FALSE(g_file_test(out, G_FILE_TEST_EXISTS));
    g_free(err);
    g_free(out);
}

static void test_shard_usage_errors(void)
{
    const char *bad[] = {"3/3", "x", "1/0", "-1/3", "1/3/4", "", "1", "/3", "1/", " 1/3", "0/1000001", "0x1/3"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *opt = g_strdup_printf("--shard=%s", bad[i]);
        usage_error("--shard must be K/N with 0 <= K < N", "run", PERSIST, opt, NULL);
        g_free(opt);
    }
    usage_error("the partial folders are needed", "merge", NULL, NULL, NULL);
    /* a transcript run beyond the plan is refused as in a whole run */
    usage_error("--transcript-run 99: the plan has runs 0 to 23", "run", PERSIST, "--shard=0/2",
                "--transcript-run=99");
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-shard-XXXXXX", NULL);
    static const test_case tests[] = {TEST(test_three_shards_merge_to_one_run), TEST(test_pcap_seed_and_empty_shards),
                                      TEST(test_merge_refuses), TEST(test_shard_usage_errors)};
    int rc = test_main("cli/shard", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
