/*
 * appsim homework and appsim grade, end to end (docs/homework.md):
 *
 * - the round trip: variants of the shipped page-load template for three
 *   students; answering with the key's own values gives full marks; one
 *   answer 10% off (tolerance 5%) is exactly the one marked wrong, with
 *   its feedback; an answer in other units ("...ms") is read; a missing
 *   answer is marked as such;
 * - reproducibility: the same inputs give the same bytes; a roster in
 *   another order (or with other students) gives each student the same
 *   scenario; another seed gives other draws;
 * - the caching template: the textbook column holds the formula where it
 *   predicts the headline, and nothing elsewhere;
 * - bad inputs: a template without its homework block, a bad range, a bad
 *   or repeated roster id, malformed answers: located errors, exit 2, and
 *   nothing written for a template or roster that does not check;
 * - the CSV reader: quoted fields with commas, quotes and line breaks;
 *   the writer quotes what the reader would trim or take for a comment.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "world/hw_csv.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"
#define TEMPLATES APPSIM_SOURCE_DIR "/scenarios/homework"

static char *tmp_root;

static char *tmp_path(const char *name) { return g_build_filename(tmp_root, name, NULL); }

/* Writes `text` as tmp/<name>; returns the path. */
static char *write_tmp(const char *name, const char *text)
{
    char *p = tmp_path(name);
    g_file_set_contents(p, text, -1, NULL);
    return p;
}

static char *read_text(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL), *text = NULL;
    g_file_get_contents(path, &text, NULL, NULL);
    g_free(path);
    return text;
}

/* appsim homework TEMPLATE --students ROSTER --seed SEED -o tmp/<out> -q:
 * its exit status; *err its stderr when asked. */
static int homework(const char *template, const char *roster, const char *seed, const char *out, char **err)
{
    char *dir = tmp_path(out);
    const char *argv[] = {APPSIM, "homework", template, "--students", roster, "--seed", seed,
                          "-o",   dir,        "-q",     "-j",         "2",    NULL};
    char *e = NULL, *o = NULL;
    int rc = test_spawn(NULL, argv, &o, &e);
    g_free(o);
    if (rc != 0 && !err)
        printf("\n    appsim homework: exit %d: %s", rc, e ? e : "");
    if (err)
        *err = e;
    else
        g_free(e);
    g_free(dir);
    return rc;
}

/* appsim grade KEY ANSWERS [--against WHICH]: its exit status, the marks
 * (stdout) and stderr. */
static int grade(const char *key, const char *answers, const char *against, char **marks, char **err)
{
    const char *argv[] = {APPSIM, "grade", key, answers, against ? "--against" : NULL, against, NULL};
    return test_spawn(NULL, argv, marks, err);
}

/* The key's rows as answers: id,question,<the column `col`>. */
static char *answers_from_key(const char *key_text, int col)
{
    GString *a = g_string_new("id,question,value\n");
    gchar **lines = g_strsplit(key_text, "\n", -1);
    for (guint i = 1; lines[i] && *lines[i]; i++) {
        gchar **f = g_strsplit(lines[i], ",", -1);
        g_string_append_printf(a, "%s,%s,%s\n", f[0], f[1], f[col]);
        g_strfreev(f);
    }
    g_strfreev(lines);
    return g_string_free(a, FALSE);
}

/* The marks row of id/question (a new string), or NULL. */
static char *marks_row(const char *marks, const char *id, const char *question)
{
    char *prefix = g_strdup_printf("%s,%s,", id, question);
    gchar **lines = g_strsplit(marks, "\n", -1);
    char *row = NULL;
    for (guint i = 0; lines[i] && !row; i++)
        if (g_str_has_prefix(lines[i], prefix))
            row = g_strdup(lines[i]);
    g_strfreev(lines);
    g_free(prefix);
    return row;
}

/* How many marks rows (totals aside) have mark `m`. */
static int count_marks(const char *marks, int m)
{
    gchar **lines = g_strsplit(marks, "\n", -1);
    int n = 0;
    for (guint i = 1; lines[i] && *lines[i]; i++) {
        gchar **f = g_strsplit(lines[i], ",", 4);
        if (f[0] && f[1] && f[2] && strcmp(f[1], "(total)") && atoi(f[2]) == m)
            n++;
        g_strfreev(f);
    }
    g_strfreev(lines);
    return n;
}

static const char roster3[] = "id,name\nalice,Alice Example\nbob,\"Bob, Jr.\"\ncarol,Carol\n";

static void test_round_trip(void)
{
    char *roster = write_tmp("roster.csv", roster3);
    CU_ASSERT_EQUAL_FATAL(homework(TEMPLATES "/page-load.json", roster, "7", "rt", NULL), 0);
    char *dir = tmp_path("rt");
    char *key = read_text(dir, "key.csv"), *sheet = read_text(dir, "questions.md");
    CU_ASSERT_PTR_NOT_NULL_FATAL(key);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sheet);
    CU_ASSERT_TRUE(g_str_has_prefix(key, "id,question,metric,unit,tolerance,ideal,realistic,textbook\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sheet, "## bob — Bob, Jr."));
    /* every student's scenario is one a user can check and run, without the homework block */
    static const char *const ids[] = {"alice", "bob", "carol"};
    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        char *name = g_strdup_printf("%s.json", ids[i]), *file = g_build_filename(dir, name, NULL);
        char *text = read_text(dir, name);
        CU_ASSERT_PTR_NOT_NULL(text && strstr(text, "\"cases\""));
        CU_ASSERT_PTR_NULL(text ? strstr(text, "homework\":") : NULL);
        const char *argv[] = {APPSIM, "check", file, NULL};
        char *out = NULL;
        CU_ASSERT_EQUAL(test_spawn(NULL, argv, &out, NULL), 0);
        g_free(out);
        g_free(text);
        g_free(file);
        g_free(name);
    }
    /* 3 students x 4 questions; the ideal TCP's page load is the formula's */
    gchar **rows = g_strsplit(key, "\n", -1);
    CU_ASSERT_EQUAL(g_strv_length(rows), 1 + 12 + 1);
    for (guint i = 1; rows[i] && *rows[i]; i++) {
        gchar **f = g_strsplit(rows[i], ",", -1);
        CU_ASSERT_EQUAL(g_strv_length(f), 8);
        ASSERT_REL(g_ascii_strtod(f[5], NULL), g_ascii_strtod(f[7], NULL), 1e-4);
        CU_ASSERT_TRUE(g_ascii_strtod(f[6], NULL) > 0);
        g_strfreev(f);
    }
    g_strfreev(rows);

    /* the key's own values: full marks, against each column */
    char *key_path = g_build_filename(dir, "key.csv", NULL);
    for (int col = 5; col <= 6; col++) {
        char *ans_text = answers_from_key(key, col), *answers = write_tmp("answers.csv", ans_text);
        char *marks = NULL, *err = NULL;
        CU_ASSERT_EQUAL(grade(key_path, answers, col == 5 ? "ideal" : "realistic", &marks, &err), 0);
        CU_ASSERT_EQUAL(count_marks(marks, 1), 12);
        CU_ASSERT_EQUAL(count_marks(marks, 0), 0);
        char *total = marks_row(marks, "bob", "(total)");
        CU_ASSERT_PTR_NOT_NULL(total && strstr(total, ",(total),4,4,"));
        CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "12 right, 0 wrong"));
        g_free(total);
        g_free(marks);
        g_free(err);
        g_free(answers);
        g_free(ans_text);
    }
    g_free(key_path);

    /* one answer 10% off (tolerance 5%), one in milliseconds, one missing */
    char *ans_text = answers_from_key(key, 5);
    gchar **lines = g_strsplit(ans_text, "\n", -1);
    GString *edited = g_string_new("");
    double wrong_expected = 0;
    for (guint i = 0; lines[i] && *lines[i]; i++) {
        gchar **f = g_strsplit(lines[i], ",", -1);
        if (!strcmp(f[0], "bob") && !strcmp(f[1], "persistent")) {
            wrong_expected = g_ascii_strtod(f[2], NULL);
            g_string_append_printf(edited, "bob,persistent,%.6f\n", wrong_expected * 1.10);
        } else if (!strcmp(f[0], "alice") && !strcmp(f[1], "parallel"))
            g_string_append_printf(edited, "alice,parallel,\"%.4f ms\"\n", g_ascii_strtod(f[2], NULL) * 1000);
        else if (!strcmp(f[0], "carol") && !strcmp(f[1], "pipelined"))
            g_string_append(edited, "carol,pipelined,\n");
        else
            g_string_append_printf(edited, "%s\n", lines[i]);
        g_strfreev(f);
    }
    char *answers = write_tmp("answers2.csv", edited->str), *key_file = g_build_filename(dir, "key.csv", NULL);
    char *marks_file = tmp_path("marks.csv");
    const char *argv[] = {APPSIM, "grade", key_file, answers, "-o", marks_file, NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, argv, NULL, NULL), 0);
    char *marks = read_text(tmp_root, "marks.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(marks);
    CU_ASSERT_EQUAL(count_marks(marks, 1), 10);
    CU_ASSERT_EQUAL(count_marks(marks, 0), 2);
    char *bad = marks_row(marks, "bob", "persistent"), *ms = marks_row(marks, "alice", "parallel");
    char *missing = marks_row(marks, "carol", "pipelined"), *bob_total = marks_row(marks, "bob", "(total)");
    CU_ASSERT_PTR_NOT_NULL(bad && g_str_has_prefix(bad, "bob,persistent,0,1,"));
    CU_ASSERT_PTR_NOT_NULL(bad && strstr(bad, ": 10.0% off, tolerance 5%: wrong\""));
    CU_ASSERT_PTR_NOT_NULL(ms && g_str_has_prefix(ms, "alice,parallel,1,1,"));
    CU_ASSERT_PTR_NOT_NULL(missing && g_str_has_prefix(missing, "carol,pipelined,0,1,"));
    CU_ASSERT_PTR_NOT_NULL(missing && strstr(missing, "no answer (expected"));
    CU_ASSERT_PTR_NOT_NULL(bob_total && strstr(bob_total, ",(total),3,4,"));
    CU_ASSERT_TRUE(wrong_expected > 0);
    g_free(bad);
    g_free(ms);
    g_free(missing);
    g_free(bob_total);
    g_free(marks);
    g_free(marks_file);
    g_free(key_file);
    g_free(answers);
    g_string_free(edited, TRUE);
    g_strfreev(lines);
    g_free(ans_text);
    g_free(key);
    g_free(sheet);
    g_free(dir);
    g_free(roster);
}

/* Whether every file of folder `a` is in `b` with the same bytes. */
static bool same_files(const char *a, const char *b, const char *const *names)
{
    bool same = true;
    for (const char *const *n = names; *n; n++) {
        char *x = read_text(a, *n), *y = read_text(b, *n);
        if (!x || !y || strcmp(x, y)) {
            printf("\n    %s differs between %s and %s", *n, a, b);
            same = false;
        }
        g_free(x);
        g_free(y);
    }
    return same;
}

static void test_reproducible(void)
{
    char *roster = write_tmp("roster-r.csv", roster3);
    char *reordered = write_tmp("roster-o.csv", "name,id\nCarol,carol\n\"Bob, Jr.\",bob\nAlice Example,alice\n");
    char *other = write_tmp("roster-x.csv", "id\nzoe\nalice\n");
    CU_ASSERT_EQUAL_FATAL(homework(TEMPLATES "/page-load.json", roster, "11", "r1", NULL), 0);
    CU_ASSERT_EQUAL_FATAL(homework(TEMPLATES "/page-load.json", roster, "11", "r2", NULL), 0);
    CU_ASSERT_EQUAL_FATAL(homework(TEMPLATES "/page-load.json", reordered, "11", "r3", NULL), 0);
    CU_ASSERT_EQUAL_FATAL(homework(TEMPLATES "/page-load.json", other, "11", "r4", NULL), 0);
    CU_ASSERT_EQUAL_FATAL(homework(TEMPLATES "/page-load.json", roster, "12", "r5", NULL), 0);
    char *r1 = tmp_path("r1"), *r2 = tmp_path("r2"), *r3 = tmp_path("r3"), *r4 = tmp_path("r4"),
         *r5 = tmp_path("r5");
    static const char *const all[] = {"alice.json", "bob.json", "carol.json", "key.csv", "questions.md", NULL};
    static const char *const students[] = {"alice.json", "bob.json", "carol.json", NULL};
    static const char *const alice[] = {"alice.json", NULL};
    CU_ASSERT_TRUE(same_files(r1, r2, all));
    /* students sorted by id: the roster's order changes nothing */
    CU_ASSERT_TRUE(same_files(r1, r3, all));
    /* alice's draw does not depend on who else is on the roster */
    CU_ASSERT_TRUE(same_files(r1, r4, alice));
    /* another seed, other draws (three students, 1140 combinations each) */
    bool differs = false;
    for (const char *const *n = students; *n; n++) {
        char *x = read_text(r1, *n), *y = read_text(r5, *n);
        differs |= x && y && strcmp(x, y);
        g_free(x);
        g_free(y);
    }
    CU_ASSERT_TRUE(differs);
    g_free(r1);
    g_free(r2);
    g_free(r3);
    g_free(r4);
    g_free(r5);
    g_free(roster);
    g_free(reordered);
    g_free(other);
}

static void test_caching(void)
{
    char *roster = write_tmp("roster-c.csv", "id,name\nana,Ana\nben,Ben\n");
    CU_ASSERT_EQUAL_FATAL(homework(TEMPLATES "/caching.json", roster, "3", "cache", NULL), 0);
    char *dir = tmp_path("cache");
    char *key = read_text(dir, "key.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(key);
    gchar **rows = g_strsplit(key, "\n", -1);
    CU_ASSERT_EQUAL(g_strv_length(rows), 1 + 4 + 1);
    for (guint i = 1; rows[i] && *rows[i]; i++) {
        gchar **f = g_strsplit(rows[i], ",", -1);
        double ideal = g_ascii_strtod(f[5], NULL), real = g_ascii_strtod(f[6], NULL);
        if (!strcmp(f[1], "utilisation")) {
            CU_ASSERT_STRING_EQUAL(f[3], "");
            CU_ASSERT_STRING_EQUAL(f[7], ""); /* no formula predicts the utilisation */
            CU_ASSERT_TRUE(ideal > 0.1 && ideal < 0.9);
        } else {
            CU_ASSERT_STRING_EQUAL(f[3], "s");
            /* the caching arithmetic (M/D/1 on the access link) within 5% of the run */
            ASSERT_REL(g_ascii_strtod(f[7], NULL), real, 0.05);
        }
        g_strfreev(f);
    }
    g_strfreev(rows);
    char *ans_text = answers_from_key(key, 6), *answers = write_tmp("answers-c.csv", ans_text);
    char *key_file = g_build_filename(dir, "key.csv", NULL), *marks = NULL;
    CU_ASSERT_EQUAL(grade(key_file, answers, "realistic", &marks, NULL), 0);
    CU_ASSERT_EQUAL(count_marks(marks, 1), 4);
    g_free(marks);
    marks = NULL;
    /* against the textbook, the utilisation has no value: not graded */
    CU_ASSERT_EQUAL(grade(key_file, answers, "textbook", &marks, NULL), 0);
    char *row = marks_row(marks, "ana", "utilisation");
    CU_ASSERT_PTR_NOT_NULL(row && strstr(row, "not graded"));
    g_free(row);
    g_free(marks);
    g_free(key_file);
    g_free(answers);
    g_free(ans_text);
    g_free(key);
    g_free(dir);
    g_free(roster);
}

/* The shipped page-load template with `from` replaced by `to`, as tmp/<name>. */
static char *template_with(const char *name, const char *from, const char *to)
{
    char *src = NULL;
    g_file_get_contents(TEMPLATES "/page-load.json", &src, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL(src && strstr(src, from));
    gchar **parts = g_strsplit(src ? src : "", from, 2);
    char *text = g_strjoinv(to, parts), *file = write_tmp(name, text);
    g_strfreev(parts);
    g_free(text);
    g_free(src);
    return file;
}

/* appsim homework with these inputs exits 2, says `what` on stderr and
 * writes nothing. */
static void homework_refuses(const char *template, const char *roster, const char *what)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(homework(template, roster, "1", "refused", &err), 2);
    if (!err || !strstr(err, what))
        printf("\n    expected \"%s\" in: %s", what, err ? err : "(nothing)");
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, what));
    char *dir = tmp_path("refused");
    CU_ASSERT_FALSE(g_file_test(dir, G_FILE_TEST_EXISTS));
    g_free(dir);
    g_free(err);
}

static void test_bad_inputs(void)
{
    char *roster = write_tmp("roster-b.csv", roster3);
    /* templates */
    homework_refuses(APPSIM_SOURCE_DIR "/scenarios/http-single-object.json", roster,
                     "http-single-object.json: $.homework: missing: a template needs a \"homework\" block");
    char *t = template_with("bad-range.json", "\"step\": \"5ms\"", "\"step\": \"0ms\"");
    homework_refuses(t, roster, "bad-range.json: $.homework.vary[0].range: expected {\"from\": A");
    g_free(t);
    t = template_with("bad-units.json", "\"to\": \"100ms\"", "\"to\": \"100Mbps\"");
    homework_refuses(t, roster, "bad-units.json: $.homework.vary[0].range: expected");
    g_free(t);
    t = template_with("bad-path.json", "\"path\": \"links.access.delay\"", "\"path\": \"links.acces.delay\"");
    homework_refuses(t, roster, "bad-path.json: $.homework.vary[0].path: links.acces.delay: there is no link named");
    g_free(t);
    t = template_with("bad-value.json", "\"choices\": [2, 3, 4, 5, 6, 8]", "\"choices\": [2, \"many\"]");
    homework_refuses(t, roster, "bad-value.json: $.homework.vary[2].path: the value \"many\" makes a scenario that "
                                "does not check: ");
    g_free(t);
    t = template_with("bad-set.json", "\"apps.browser.mode\": \"pipelined\"", "\"apps.browser.mode\": \"fast\"");
    homework_refuses(t, roster, "$.homework.questions[3].set: this set makes a scenario that does not check: ");
    g_free(t);
    t = template_with("bad-root.json", "\"rate\": \"100Mbps\"", "\"rate\": \"100Mbsp\"");
    homework_refuses(t, roster, "bad-root.json: $.links[0].rate: found \"100Mbsp\", expected a rate");
    g_free(t);
    t = template_with("bad-metric.json", "\"metric\": \"page_load_time\", \"tolerance\": \"5%\",\n",
                      "\"metric\": \"page_load\", \"tolerance\": \"5%\",\n");
    homework_refuses(t, roster, "$.homework.questions[0].metric: \"page_load\" is not a headline");
    g_free(t);
    t = template_with("bad-tol.json", "\"tolerance\": \"5%\"", "\"tolerance\": \"five\"");
    homework_refuses(t, roster, "$.homework.questions[0].tolerance: found \"five\", expected a tolerance");
    g_free(t);
    t = template_with("bad-syntax.json", "\"seed\": 1,", "\"seed\": 1");
    homework_refuses(t, roster, "bad-syntax.json:5:");
    g_free(t);
    /* rosters */
    char *r = write_tmp("roster-slash.csv", "id,name\nalice,A\n../evil,B\n");
    homework_refuses(TEMPLATES "/page-load.json", r, "roster-slash.csv:3: id \"../evil\": expected a name");
    g_free(r);
    r = write_tmp("roster-twice.csv", "id,name\nalice,A\n\nalice,B\n");
    homework_refuses(TEMPLATES "/page-load.json", r, "roster-twice.csv:4: id \"alice\" again (first on line 2)");
    g_free(r);
    r = write_tmp("roster-noid.csv", "name\nalice\n");
    homework_refuses(TEMPLATES "/page-load.json", r, "roster-noid.csv:1: no column \"id\"");
    g_free(r);
    g_free(roster);

    /* answers: a small key written by hand */
    char *key = write_tmp("key-b.csv", "id,question,metric,unit,tolerance,ideal,realistic,textbook\n"
                                       "alice,plt,page_load_time,s,2%,1.236,1.3,1.236\n"
                                       "alice,util,access_utilisation,,0.05,0.58,0.6,\n");
    static const struct {
        const char *text, *what;
    } bad[] = {
        {"id,question,value\nalice,plt\n", "answers-b.csv:2: 2 fields, expected 3 (as the header on line 1)"},
        {"id,question\nalice,plt\n", "answers-b.csv:1: no column \"value\""},
        {"id,question,value\nalice,plt,fast\n", "answers-b.csv:2: value \"fast\": expected a time like \"1.3 s\""},
        {"id,question,value\nalice,util,1.3 s\n", "answers-b.csv:2: value \"1.3 s\": expected a number"},
        {"id,question,value\nzed,plt,1\n", "answers-b.csv:2: no student \"zed\" in the key"},
        {"id,question,value\nalice,q9,1\n", "answers-b.csv:2: student alice has no question \"q9\""},
        {"id,question,value\nalice,plt,1\nalice,plt,2\n", "answers-b.csv:3: a second answer to alice/plt (the first "
                                                          "on line 2)"},
        {"id,question,value\nalice,plt,\"1.3\n", "answers-b.csv:2: a quoted field is not closed"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *answers = write_tmp("answers-b.csv", bad[i].text), *err = NULL, *out = NULL;
        CU_ASSERT_EQUAL(grade(key, answers, NULL, &out, &err), 2);
        if (!err || !strstr(err, bad[i].what))
            printf("\n    expected \"%s\" in: %s", bad[i].what, err ? err : "(nothing)");
        CU_ASSERT_PTR_NOT_NULL(err && strstr(err, bad[i].what));
        CU_ASSERT_TRUE(!out || !*out);
        g_free(err);
        g_free(out);
        g_free(answers);
    }
    /* the example of docs/homework.md: 1.3 s against 1.236 s with 2% */
    char *answers = write_tmp("answers-ok.csv", "id,question,value\nalice,plt,1.3 s\nalice,util,58%\n");
    char *marks = NULL;
    CU_ASSERT_EQUAL(grade(key, answers, "ideal", &marks, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(marks && strstr(marks, "alice,plt,0,1,1.236,1.3 s,\"expected 1.236 s, you gave 1.3 s: "
                                                  "5.2% off, tolerance 2%: wrong\""));
    CU_ASSERT_PTR_NOT_NULL(marks && strstr(marks, "alice,util,1,1,0.58,58%,"));
    CU_ASSERT_PTR_NOT_NULL(marks && strstr(marks, "alice,(total),1,2,"));
    g_free(marks);
    g_free(answers);
    /* usage */
    char *usage = NULL;
    CU_ASSERT_EQUAL(grade(key, NULL, NULL, NULL, &usage), 2);
    CU_ASSERT_PTR_NOT_NULL(usage && strstr(usage, "appsim grade: a KEY file and an ANSWERS file are needed"));
    g_free(usage);
    usage = NULL;
    answers = write_tmp("answers-ok2.csv", "id,question,value\n");
    CU_ASSERT_EQUAL(grade(key, answers, "best", NULL, &usage), 2);
    CU_ASSERT_PTR_NOT_NULL(usage && strstr(usage, "--against must be ideal, realistic or textbook"));
    g_free(usage);
    g_free(answers);
    g_free(key);
}

static void test_csv_reader(void)
{
    char *file = write_tmp("quoted.csv", "# a comment\r\nid , name,note\r\n"
                                         "a1,\"Smith, Jo\",\"said \"\"hi\"\"\nthen left\"\r\n\n  b2 ,Li,  \n");
    GError *err = NULL;
    hw_csv *c = hw_csv_read(file, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->header_line, 2);
    CU_ASSERT_EQUAL(hw_csv_column(c, "NAME"), 1);
    CU_ASSERT_EQUAL(c->rows->len, 2);
    const hw_csv_row *r0 = g_ptr_array_index(c->rows, 0), *r1 = g_ptr_array_index(c->rows, 1);
    CU_ASSERT_STRING_EQUAL(hw_csv_field(r0, 1), "Smith, Jo");
    CU_ASSERT_STRING_EQUAL(hw_csv_field(r0, 2), "said \"hi\"\nthen left");
    CU_ASSERT_EQUAL(r1->line, 6);
    CU_ASSERT_STRING_EQUAL(hw_csv_field(r1, 0), "b2");
    CU_ASSERT_STRING_EQUAL(hw_csv_field(r1, 2), "");
    GString *out = g_string_new("");
    hw_csv_append(out, hw_csv_field(r0, 2));
    CU_ASSERT_STRING_EQUAL(out->str, "\"said \"\"hi\"\"\nthen left\"");
    /* what the reader would trim or skip as a comment is quoted */
    static const char *const fields[] = {"#x", " a", "b\t", "plain"};
    static const char *const written[] = {"\"#x\"", "\" a\"", "\"b\t\"", "plain"};
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        g_string_truncate(out, 0);
        hw_csv_append(out, fields[i]);
        CU_ASSERT_STRING_EQUAL(out->str, written[i]);
    }
    g_string_free(out, TRUE);
    hw_csv_free(c);
    g_free(file);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-homework-XXXXXX", NULL);
    static const test_case tests[] = {TEST(test_round_trip), TEST(test_reproducible), TEST(test_caching),
                                      TEST(test_bad_inputs), TEST(test_csv_reader)};
    int rc = test_main("cli/homework", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}
